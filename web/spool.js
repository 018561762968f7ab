/*
 * ZEUES-C spool page (spool.html?tag=TAG): combined state from /api/spools/detail, its unions
 * and PD (/api/v4/uniones/TAG/todas), its notes (/api/spool/TAG/notas, with a box to append
 * one) and the occupation timeline from /api/history/TAG. Live: refetches when an SSE event
 * names this tag; a note being typed survives the refresh.
 */
(function () {
  'use strict';
  const { el, api, norm, toast, errorBox, loading, parseWall, chileNowWall, fmtWall, fmtDuration, fmtPD, needsSold, hasUnions } = window.ZC;
  const NOTA_MAX = 500;

  const ORDER = ['tag_spool', 'nv', 'proyecto', 'estado_detalle', 'ocupado_por', 'fecha_ocupacion', 'arm', 'sold',
    'fecha_materiales', 'armador', 'fecha_armado', 'soldador', 'fecha_soldadura', 'fecha_qc_metrologia',
    'metrologia', 'resultado_metrologia', 'cycle', 'ciclo', 'bloqueado', 'ot', 'total_uniones',
    'uniones_arm_completadas', 'pulgadas_arm', 'uniones_sold_completadas', 'pulgadas_sold', 'version'];
  const LABELS = {
    tag_spool: 'TAG', nv: 'NV', proyecto: 'Proyecto', estado_detalle: 'Estado', ocupado_por: 'Ocupado por',
    fecha_ocupacion: 'Ocupado desde', arm: 'ARM', sold: 'SOLD', fecha_materiales: 'Fecha materiales',
    armador: 'Armador', fecha_armado: 'Fecha armado', soldador: 'Soldador', fecha_soldadura: 'Fecha soldadura',
    fecha_qc_metrologia: 'Fecha QC metrología', metrologia: 'Metrología', resultado_metrologia: 'Resultado metrología',
    cycle: 'Ciclo reparación', ciclo: 'Ciclo reparación', bloqueado: 'Bloqueado', version: 'Versión',
    operacion_actual: 'Operación actual', worker_id: 'ID trabajador', ot: 'OT', total_uniones: 'Total uniones',
    uniones_arm_completadas: 'Uniones ARM hechas', uniones_sold_completadas: 'Uniones SOLD hechas',
    pulgadas_arm: 'PD ARM (pulgadas)', pulgadas_sold: 'PD SOLD (pulgadas)',
  };
  const STATE_WORDS = { PENDIENTE: 'Pendiente', EN_PROGRESO: 'En progreso', PAUSADO: 'Pausado', COMPLETADO: 'Completado' };

  const form = document.getElementById('search');
  const input = document.getElementById('tag-input');
  const content = document.getElementById('content');
  const scanBtn = document.getElementById('scan-btn');
  let current = '';
  let seq = 0;
  let shown = null;  // {det, uni, hist}: the nodes on screen, replaced in place on a live refresh
  let notes = null;  // the notes panel of the current tag (kept across refreshes)
  let workersP = null;

  function label(k) {
    if (LABELS[k]) return LABELS[k];
    const s = String(k).replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function fmtValue(k, v) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'boolean') return v ? 'Sí' : 'No';
    if (typeof v === 'number') return /^pulgadas_/.test(k) ? fmtPD(v) : String(v);
    if (Array.isArray(v)) return v.every((x) => typeof x !== 'object' || x === null) ? v.join(', ') : JSON.stringify(v);
    if (typeof v === 'object') return JSON.stringify(v);
    const s = String(v);
    if (STATE_WORDS[s]) return STATE_WORDS[s];
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return fmtWall(parseWall(s), true);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) { const t = parseWall(s); return Number.isNaN(t) ? s : fmtWall(t); }
    return s;
  }

  function unwrap(d) {
    if (d && typeof d === 'object' && !Array.isArray(d)) {
      if (d.spool && typeof d.spool === 'object') return d.spool;
      if (d.data && typeof d.data === 'object' && !Array.isArray(d.data) && d.data.tag_spool) return d.data;
    }
    return d;
  }

  function renderDetail(box, spool, tag) {
    box.textContent = '';
    const keys = Object.keys(spool).filter((k) => k !== 'success');
    keys.sort((a, b) => {
      const ia = ORDER.indexOf(a), ib = ORDER.indexOf(b);
      return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
    });
    const occ = spool.ocupado_por ? String(spool.ocupado_por) : '';
    let estado = spool.estado_detalle ? String(spool.estado_detalle) : '';
    if (!estado) estado = occ ? 'Ocupado por ' + occ : ('ocupado_por' in spool ? 'Disponible' : 'Sin estado');
    box.append(
      el('h1', { class: 'screen-title' }, 'Spool ', el('span', { class: 'row-tag' }, String(spool.tag_spool || tag))),
      el('p', { class: 'estado' + (occ ? ' busy-spool' : ''), testid: 'spool-estado', role: 'status' }, estado),
      pdTiles(spool),
      el('section', { class: 'panel', 'aria-labelledby': 'det-title' },
        el('h2', { id: 'det-title' }, 'Datos del spool'),
        el('dl', { class: 'fields', testid: 'spool-fields' },
          keys.flatMap((k) => [el('dt', null, label(k)), el('dd', { testid: 'field-' + k }, fmtValue(k, spool[k]))]))));
  }

  /** The spool's progress in unions and PD, per operation, in big type (spools with unions). */
  function pdTiles(s) {
    if (!hasUnions(s)) return null;
    const t = Number(s.total_uniones);
    const tile = (op, done, pd) => el('div', { class: 'pd-tile pd-tile-' + op.toLowerCase(), testid: 'spool-pd-' + op.toLowerCase() },
      el('span', { class: 'pd-tile-op' }, op),
      el('span', { class: 'pd-tile-num' }, fmtPD(pd || 0), el('small', null, ' PD')),
      el('span', { class: 'pd-tile-sub' }, (Number(done) || 0) + ' de ' + t + ' uniones'));
    return el('div', { class: 'pd-tiles', role: 'group', 'aria-label': 'Avance en uniones y pulgadas-diámetro' },
      tile('ARM', s.uniones_arm_completadas, s.pulgadas_arm), tile('SOLD', s.uniones_sold_completadas, s.pulgadas_sold));
  }

  function renderUnions(box, r) {
    box.textContent = '';
    const list = r.ok && r.data && Array.isArray(r.data.unions) ? r.data.unions.slice().sort((a, b) => a.n_union - b.n_union) : null;
    if (!list) {
      box.append(el('h2', null, 'Uniones'), errorBox(r.ok ? 'Respuesta inválida del servidor.' : r.message, () => load(current, true)));
      return;
    }
    if (!list.length) { box.hidden = true; return; } // a v3 spool: tracked without unions
    box.hidden = false;
    const who = (w) => (w ? el('span', { class: 'u-done' }, '✓ ' + w) : el('span', { class: 'u-pend' }, 'pendiente'));
    box.append(el('h2', null, 'Uniones (' + list.length + ')'),
      el('table', { class: 'reg-table unions-table', testid: 'spool-unions' },
        el('thead', null, el('tr', null, ['Unión', 'DN', 'Tipo', 'ARM', 'SOLD'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, list.map((u) => el('tr', { testid: 'spool-union-' + u.n_union },
          el('td', { class: 'num' }, String(u.n_union)),
          el('td', { class: 'num' }, u.dn_union === null || u.dn_union === undefined ? '—' : fmtPD(u.dn_union) + '″'),
          el('td', null, u.tipo_union ? String(u.tipo_union) : '—'),
          el('td', null, who(u.arm_worker)),
          el('td', null, u.sol_worker ? who(u.sol_worker)
            : u.tipo_union && !needsSold(u.tipo_union) ? el('span', { class: 'u-na' }, 'no aplica') : who(null)))))));
  }

  /* ---------- notes ---------- */

  function loadWorkers() {
    if (!workersP) {
      workersP = api('/api/workers').then((r) => {
        const list = r.ok ? (Array.isArray(r.data) ? r.data : (r.data && Array.isArray(r.data.workers) ? r.data.workers : null)) : null;
        if (!list) { workersP = null; return []; }
        const name = (w) => ((w.nombre || '') + ' ' + (w.apellido || '')).trim() || String(w.nombre_completo || w.id);
        return list.filter((w) => w && w.activo === true && w.id !== undefined)
          .map((w) => ({ id: w.id, label: name(w) + ' · ' + (w.nombre_completo || w.id) }))
          .sort((a, b) => a.label.localeCompare(b.label, 'es'));
      });
    }
    return workersP;
  }

  /** The notes panel of one spool: its lines (the Notas cell, one entry per line) and a box
   *  that appends one (≤ 500 characters, optional author). */
  function notesPanel(tag) {
    const lines = el('ol', { class: 'notas', testid: 'spool-notas', 'aria-label': 'Notas del spool' });
    const text = el('textarea', {
      class: 'input nota-text', id: 'nota-texto', testid: 'nota-texto', rows: '3', maxlength: String(NOTA_MAX),
      placeholder: 'Escribe una nota para este spool (máx. ' + NOTA_MAX + ' caracteres)', 'aria-describedby': 'nota-count',
    });
    const count = el('span', { class: 'nota-count', id: 'nota-count', testid: 'nota-count', 'aria-live': 'polite' });
    const author = el('select', { class: 'input nota-author', testid: 'nota-worker', 'aria-label': 'Autor de la nota (opcional)' },
      el('option', { value: '' }, 'Sin nombre'));
    const add = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'nota-add' }, 'Agregar nota');
    const err = el('div', { class: 'nota-err', 'aria-live': 'assertive' });
    const form = el('form', { class: 'nota-form', autocomplete: 'off' },
      el('label', { class: 'field-label', for: 'nota-texto' }, 'Nueva nota'), text,
      el('div', { class: 'nota-row' }, count, el('label', { class: 'nota-author-l' }, 'Autor ', author), add), err);
    const panel = el('section', { class: 'panel', id: 'notas', 'aria-labelledby': 'notas-title' },
      el('h2', { id: 'notas-title' }, 'Notas'), lines, form);
    let busy = false;

    function paintCount() {
      const n = text.value.length;
      count.textContent = n + '/' + NOTA_MAX;
      count.classList.toggle('near', n > NOTA_MAX - 50);
      add.disabled = busy || !text.value.trim();
    }
    function show(nota) {
      lines.textContent = '';
      const items = String(nota || '').split(/\r?\n/).filter((l) => l.trim());
      if (!items.length) { lines.append(el('li', { class: 'empty nota-empty', testid: 'nota-empty' }, 'Este spool no tiene notas.')); return; }
      for (const l of items) lines.append(el('li', { class: 'nota-line', testid: 'nota-line' }, l));
    }
    function showError(r) {
      lines.textContent = '';
      lines.append(el('li', { class: 'error-text', testid: 'notas-error' }, r.message));
    }
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const texto = text.value;
      if (busy || !texto.trim()) return;
      busy = true;
      err.textContent = '';
      add.textContent = 'Guardando…';
      paintCount();
      const body = { texto };
      if (author.value) body.worker_id = Number(author.value);
      const r = await api('/api/spool/' + encodeURIComponent(tag) + '/notas', { body });
      busy = false;
      add.textContent = 'Agregar nota';
      if (r.ok && r.data && typeof r.data.nota === 'string') {
        text.value = '';
        show(r.data.nota);
        toast('Nota agregada', 'ok');
      } else {
        err.append(el('p', { class: 'error-text', role: 'alert', testid: 'nota-error' }, r.ok ? 'Respuesta inválida del servidor.' : r.message));
      }
      paintCount();
    });
    text.addEventListener('input', paintCount);
    paintCount();
    loadWorkers().then((ws) => { for (const w of ws) author.append(el('option', { value: String(w.id) }, w.label)); });
    return { tag, panel, show, showError };
  }

  function renderHistory(box, data) {
    box.textContent = '';
    const sessions = data && Array.isArray(data.sessions) ? data.sessions : [];
    box.append(el('h2', null, 'Historial de ocupación'));
    if (!sessions.length) {
      box.append(el('p', { class: 'empty', testid: 'history-empty' }, 'Este spool todavía no tiene sesiones de trabajo registradas.'));
      return;
    }
    const ol = el('ol', { class: 'timeline' });
    for (const s of sessions) {
      const open = s.end_time === null || s.end_time === undefined || s.end_time === '';
      const start = parseWall(String(s.start_time || ''));
      const end = open ? NaN : parseWall(String(s.end_time));
      let dur = s.duration ? String(s.duration) : '';
      if (open && !Number.isNaN(start)) dur = fmtDuration(chileNowWall() - start);
      const who = (s.worker_nombre || '—') + (s.worker_id !== undefined && s.worker_id !== null ? ' (ID ' + s.worker_id + ')' : '');
      ol.append(el('li', { class: open ? 'open' : '', testid: 'history-session' },
        el('div', { class: 'tl-head' },
          s.operacion ? el('span', { class: 'chip' }, String(s.operacion)) : null,
          el('span', null, who),
          open ? el('span', { class: 'en-curso' }, 'en curso') : null),
        el('div', { class: 'tl-times' },
          (Number.isNaN(start) ? String(s.start_time || '—') : fmtWall(start)) + ' → ',
          open ? el('span', { class: 'en-curso' }, 'en curso') : (Number.isNaN(end) ? String(s.end_time) : fmtWall(end)),
          dur ? ' · ' + dur : '')));
    }
    box.append(ol);
  }

  async function load(tag, quiet) {
    current = tag;
    const my = ++seq;
    if (!tag) {
      shown = null;
      content.textContent = '';
      content.append(el('p', { class: 'empty' }, 'Escanea o escribe el TAG de un spool para ver su estado y su historial.'));
      document.title = 'ZEUES · Spool';
      return;
    }
    document.title = 'ZEUES · Spool ' + tag;
    const det = el('div', { id: 'detail' });
    const uni = el('section', { class: 'panel', id: 'unions', 'aria-label': 'Uniones', hidden: true });
    const hist = el('section', { class: 'panel', id: 'history', 'aria-label': 'Historial' });
    if (!notes || notes.tag !== tag) notes = notesPanel(tag);
    if (!quiet || !shown) {
      content.textContent = '';
      det.append(loading('Cargando spool…'));
      notes.panel.hidden = true;
      content.append(det, uni, notes.panel, hist);
      shown = { det, uni, hist };
    }
    const enc = encodeURIComponent(tag);
    const [d, h, u, n] = await Promise.all([api('/api/spools/detail?tag=' + enc), api('/api/history/' + enc),
      api('/api/v4/uniones/' + enc + '/todas'), api('/api/spool/' + enc + '/notas')]);
    if (my !== seq) return;
    if (shown.det !== det) { // a live refresh: swap the panels in place, the notes box stays
      shown.det.replaceWith(det); shown.uni.replaceWith(uni); shown.hist.replaceWith(hist);
      shown = { det, uni, hist };
    }
    if (d.ok && d.data && typeof d.data === 'object') {
      renderDetail(det, unwrap(d.data), tag);
      renderUnions(uni, u);
      notes.panel.hidden = false;
      if (n.ok && n.data && typeof n.data === 'object') notes.show(n.data.nota); else notes.showError(n);
    } else {
      uni.hidden = true;
      notes.panel.hidden = true;
      det.textContent = '';
      det.append(el('h1', { class: 'screen-title' }, 'Spool ', el('span', { class: 'row-tag' }, tag)),
        errorBox(d.ok ? 'Respuesta inválida del servidor.' : d.message, () => load(current)));
    }
    if (h.ok) renderHistory(hist, h.data);
    else if (d.ok || h.status !== 404) {
      hist.textContent = '';
      hist.append(el('h2', null, 'Historial de ocupación'),
        el('div', { class: 'error-box', role: 'alert' },
          el('p', { class: 'error-text', testid: 'history-error' }, h.message),
          el('button', { type: 'button', class: 'btn btn-primary', testid: 'history-retry', onclick: () => load(current) }, 'Reintentar')));
    } else hist.remove();
  }

  function open(tag) {
    tag = String(tag || '').trim();
    if (!tag) return;
    input.value = '';
    const url = 'spool.html?tag=' + encodeURIComponent(tag);
    if (tag !== current) history.pushState({ tag }, '', url);
    load(tag);
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); open(input.value); });
  window.addEventListener('popstate', () => load(new URLSearchParams(location.search).get('tag') || ''));
  window.ZC.attachScanner({ active: () => true, tagInput: () => input, onScan: (code) => open(code) });
  if (window.ZC.canCameraScan()) {
    scanBtn.hidden = false;
    scanBtn.addEventListener('click', async () => { const c = await window.ZC.cameraScan(); if (c) open(c); });
  }

  let t = null;
  window.ZC.connectSSE((ev) => {
    if (current && norm(ev.tag) === norm(current)) { clearTimeout(t); t = setTimeout(() => load(current, true), 300); }
  }, (up, reconnected) => { if (up && reconnected && current) load(current, true); });

  load((new URLSearchParams(location.search).get('tag') || '').trim());
})();
