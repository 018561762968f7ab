/*
 * ZEUES-C spool page (spool.html?tag=TAG): combined state from /api/spools/detail and the
 * occupation timeline from /api/history/TAG. Live: refetches when an SSE event names this tag.
 */
(function () {
  'use strict';
  const { el, api, norm, errorBox, loading, parseWall, hasTime, chileNowWall, fmtWall, fmtDuration } = window.ZC;

  const ORDER = ['tag_spool', 'nv', 'proyecto', 'estado_detalle', 'ocupado_por', 'fecha_ocupacion', 'arm', 'sold',
    'fecha_materiales', 'armador', 'fecha_armado', 'soldador', 'fecha_soldadura', 'fecha_qc_metrologia',
    'metrologia', 'resultado_metrologia', 'cycle', 'ciclo', 'bloqueado', 'version'];
  const LABELS = {
    tag_spool: 'TAG', nv: 'NV', proyecto: 'Proyecto', estado_detalle: 'Estado', ocupado_por: 'Ocupado por',
    fecha_ocupacion: 'Ocupado desde', arm: 'ARM', sold: 'SOLD', fecha_materiales: 'Fecha materiales',
    armador: 'Armador', fecha_armado: 'Fecha armado', soldador: 'Soldador', fecha_soldadura: 'Fecha soldadura',
    fecha_qc_metrologia: 'Fecha QC metrología', metrologia: 'Metrología', resultado_metrologia: 'Resultado metrología',
    cycle: 'Ciclo reparación', ciclo: 'Ciclo reparación', bloqueado: 'Bloqueado', version: 'Versión',
    operacion_actual: 'Operación actual', worker_id: 'ID trabajador',
  };
  const STATE_WORDS = { PENDIENTE: 'Pendiente', EN_PROGRESO: 'En progreso', PAUSADO: 'Pausado', COMPLETADO: 'Completado' };

  const form = document.getElementById('search');
  const input = document.getElementById('tag-input');
  const content = document.getElementById('content');
  const scanBtn = document.getElementById('scan-btn');
  let current = '';
  let seq = 0;

  function label(k) {
    if (LABELS[k]) return LABELS[k];
    const s = String(k).replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function fmtValue(k, v) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'boolean') return v ? 'Sí' : 'No';
    if (typeof v === 'number') return String(v);
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
      el('section', { class: 'panel', 'aria-labelledby': 'det-title' },
        el('h2', { id: 'det-title' }, 'Datos del spool'),
        el('dl', { class: 'fields', testid: 'spool-fields' },
          keys.flatMap((k) => [el('dt', null, label(k)), el('dd', { testid: 'field-' + k }, fmtValue(k, spool[k]))]))));
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
      content.textContent = '';
      content.append(el('p', { class: 'empty' }, 'Escanea o escribe el TAG de un spool para ver su estado y su historial.'));
      document.title = 'ZEUES · Spool';
      return;
    }
    document.title = 'ZEUES · Spool ' + tag;
    const det = el('div', { id: 'detail' });
    const hist = el('section', { class: 'panel', id: 'history', 'aria-label': 'Historial' });
    if (!quiet) {
      content.textContent = '';
      det.append(loading('Cargando spool…'));
      content.append(det, hist);
    }
    const enc = encodeURIComponent(tag);
    const [d, h] = await Promise.all([api('/api/spools/detail?tag=' + enc), api('/api/history/' + enc)]);
    if (my !== seq) return;
    if (quiet) { content.textContent = ''; content.append(det, hist); }
    if (d.ok && d.data && typeof d.data === 'object') {
      renderDetail(det, unwrap(d.data), tag);
    } else {
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
