/*
 * ZEUES-C wall dashboard (dashboard.html): who holds which spool, for how long, the PD done
 * today per operation, plus counts per state. Initial state from /api/dashboard/occupied,
 * /api/dashboard/pd-hoy and /api/dashboard/summary; SSE `spool_update` events are applied at
 * once, then all three are refetched (debounced). A badge shows when the office's Google
 * spreadsheet is more than SHEET_BEHIND_S behind (or its sync needs a person), from the
 * `sheets` object of /api/health, polled every minute.
 */
(function () {
  'use strict';
  const { el, api, errorBox, parseWall, hasTime, chileNowWall, fmtWall, fmtDuration, fmtPD } = window.ZC;

  const STARTS = new Set(['TOMAR', 'TOMAR_REPARACION', 'INICIAR', 'REANUDAR']);
  const ENDS = new Set(['PAUSAR', 'COMPLETAR', 'CANCELAR', 'PAUSAR_REPARACION', 'COMPLETAR_REPARACION',
    'CANCELAR_REPARACION', 'COMPLETAR_METROLOGIA']);
  const LONG_MS = 4 * 3600 * 1000;
  const SHEET_BEHIND_S = 180;
  const LABELS = {
    pendiente: 'Pendiente', en_progreso: 'En progreso', pausado: 'Pausado', completado: 'Completado',
    ocupados: 'Ocupados', ocupado: 'Ocupados', disponibles: 'Disponibles', total: 'Total', total_spools: 'Total spools',
    bloqueado: 'Bloqueados', bloqueados: 'Bloqueados', rechazado: 'Rechazados', aprobado: 'Aprobados',
    en_reparacion: 'En reparación', reparacion_pausada: 'Reparación pausada', pendiente_metrologia: 'Pendiente metrología',
    METROLOGIA: 'METROLOGÍA', REPARACION: 'REPARACIÓN',
  };

  const rowsBody = document.getElementById('rows');
  const countEl = document.getElementById('count');
  const emptyEl = document.getElementById('empty');
  const errEl = document.getElementById('occ-error');
  const summaryEl = document.getElementById('summary');
  const updatedEl = document.getElementById('updated');
  const clockEl = document.getElementById('clock');

  /** tag → {tag_spool, worker_nombre, estado_detalle, fecha_ocupacion, fresh} */
  let occupied = new Map();
  let loaded = false;
  let seq = 0;

  /* ---------- occupied table ---------- */

  function ageOf(r) {
    const f = r.fecha_ocupacion;
    const t = parseWall(f);
    if (Number.isNaN(t)) return { text: f && f !== 'N/A' ? String(f) : '—', ms: NaN };
    if (!hasTime(f)) return { text: 'desde ' + fmtWall(t, true), ms: NaN };
    const ms = chileNowWall() - t;
    return { text: fmtDuration(ms), ms };
  }

  function sortKey(r) {
    const t = parseWall(r.fecha_ocupacion);
    return Number.isNaN(t) ? -Infinity : t;
  }

  function render() {
    const list = [...occupied.values()].sort((a, b) => sortKey(b) - sortKey(a) || a.tag_spool.localeCompare(b.tag_spool));
    const frag = document.createDocumentFragment();
    for (const r of list) {
      const age = ageOf(r);
      const tr = el('tr', { testid: 'occupied-' + r.tag_spool, class: (r.fresh ? 'new' : '') + (age.ms > LONG_MS ? ' long' : '') },
        el('td', { class: 'c-tag' }, el('a', { href: 'spool.html?tag=' + encodeURIComponent(r.tag_spool) }, r.tag_spool)),
        el('td', { class: 'c-who' }, r.worker_nombre || '—'),
        el('td', { class: 'c-estado' }, r.estado_detalle || 'Ocupado'),
        el('td', { class: 'c-age', title: r.fecha_ocupacion || '' }, age.text));
      tr._row = r;
      frag.append(tr);
      r.fresh = false;
    }
    rowsBody.textContent = '';
    rowsBody.append(frag);
    countEl.textContent = String(list.length);
    emptyEl.hidden = !loaded || list.length > 0;
  }

  function tickAges() {
    for (const tr of rowsBody.children) {
      const r = tr._row;
      if (!r) continue;
      const age = ageOf(r);
      const td = tr.querySelector('td.c-age');
      if (td && td.textContent !== age.text) td.textContent = age.text;
      tr.classList.toggle('long', age.ms > LONG_MS);
    }
  }

  function stamp() {
    const t = chileNowWall();
    const d = new Date(t);
    updatedEl.textContent = 'Actualizado ' + String(d.getUTCHours()).padStart(2, '0') + ':' +
      String(d.getUTCMinutes()).padStart(2, '0') + ':' + String(d.getUTCSeconds()).padStart(2, '0');
  }

  let retryTimer = null;
  async function loadOccupied() {
    const my = ++seq;
    const r = await api('/api/dashboard/occupied');
    if (my !== seq) return;
    clearTimeout(retryTimer);
    if (r.ok && Array.isArray(r.data)) {
      const next = new Map();
      for (const x of r.data) {
        if (!x || typeof x.tag_spool !== 'string' || !x.tag_spool) continue;
        const prev = occupied.get(x.tag_spool);
        next.set(x.tag_spool, {
          tag_spool: x.tag_spool,
          worker_nombre: x.worker_nombre == null ? '' : String(x.worker_nombre),
          estado_detalle: x.estado_detalle == null ? '' : String(x.estado_detalle),
          fecha_ocupacion: x.fecha_ocupacion == null ? '' : String(x.fecha_ocupacion),
          fresh: loaded && (!prev || prev.worker_nombre !== String(x.worker_nombre)),
        });
      }
      occupied = next;
      loaded = true;
      errEl.textContent = '';
      stamp();
      render();
      return;
    }
    const msg = r.ok ? 'Respuesta inválida del servidor.' : r.message;
    errEl.textContent = '';
    errEl.append(errorBox(msg + (loaded ? ' (mostrando los últimos datos)' : ''), () => { loadOccupied(); loadSummary(); }));
    retryTimer = setTimeout(() => { loadOccupied(); loadSummary(); }, 15000); // a wall has nobody to press the button
  }

  /* ---------- summary tiles ---------- */

  function label(k) {
    if (LABELS[k]) return LABELS[k];
    const s = String(k).replace(/_/g, ' ');
    return /^[A-Z0-9 ]+$/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1);
  }

  /** Collects numeric leaves of obj as [{label, value}], nested keys joined with " · ". */
  function numbers(obj, prefix, out, depth) {
    if (!obj || typeof obj !== 'object' || depth > 3) return out;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      const lbl = prefix ? prefix + ' · ' + label(k) : label(k);
      if (typeof v === 'number' && Number.isFinite(v)) out.push({ label: lbl, value: v });
      else if (v && typeof v === 'object' && !Array.isArray(v)) numbers(v, lbl, out, depth + 1);
    }
    return out;
  }

  function findKey(obj, key, depth) {
    if (!obj || typeof obj !== 'object' || depth > 3) return undefined;
    if (Object.prototype.hasOwnProperty.call(obj, key)) return obj[key];
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const f = findKey(v, key, depth + 1);
        if (f !== undefined) return f;
      }
    }
    return undefined;
  }

  async function loadSummary() {
    const r = await api('/api/dashboard/summary');
    if (!r.ok || !r.data || typeof r.data !== 'object' || Array.isArray(r.data)) {
      if (!r.ok && r.network) return; // keep the last tiles on a network blip
      summaryEl.hidden = true;
      return;
    }
    const groups = [];
    const top = [];
    for (const k of Object.keys(r.data)) {
      if (typeof r.data[k] === 'number' && Number.isFinite(r.data[k])) top.push({ label: label(k), value: r.data[k] });
    }
    if (top.length) groups.push({ title: 'Totales', key: 'totales', items: top });
    for (const [key, title] of [['por_estado', 'Por estado'], ['por_operacion', 'Por operación']]) {
      const v = findKey(r.data, key, 0);
      const items = numbers(v, '', [], 0);
      if (items.length) groups.push({ title, key, items });
    }
    summaryEl.textContent = '';
    for (const g of groups) {
      summaryEl.append(el('div', { class: 'tile-group', role: 'group', 'aria-label': g.title },
        el('h2', null, g.title),
        el('div', { class: 'tile-row' }, g.items.map((it) => el('div', {
          class: 'tile-count', testid: 'summary-' + g.key + '-' + it.label.replace(/\s+/g, '_'),
        }, el('span', { class: 'num' }, String(it.value)), el('span', { class: 'lbl' }, it.label))))));
    }
    summaryEl.hidden = groups.length === 0;
  }

  /* ---------- PD of today ---------- */

  const pdEl = document.getElementById('pd-hoy');
  let pdSeq = 0;
  async function loadPd() {
    const my = ++pdSeq;
    const r = await api('/api/dashboard/pd-hoy');
    if (my !== pdSeq) return;
    const d = r.ok && r.data && typeof r.data === 'object' ? r.data : null;
    if (!d || typeof d.arm !== 'number' || typeof d.sold !== 'number') {
      if (!r.ok && r.network) return; // keep the last figures on a network blip
      pdEl.hidden = true;
      return;
    }
    const unions = (n) => (n === 1 ? '1 unión' : (Number(n) || 0) + ' uniones');
    document.getElementById('pd-fecha').textContent = typeof d.fecha === 'string' ? d.fecha : '';
    document.getElementById('pd-arm').textContent = fmtPD(d.arm);
    document.getElementById('pd-sold').textContent = fmtPD(d.sold);
    document.getElementById('pd-arm-sub').textContent = unions(d.uniones_arm);
    document.getElementById('pd-sold-sub').textContent = unions(d.uniones_sold);
    pdEl.hidden = false;
  }

  /* ---------- the office's spreadsheet ---------- */

  const sheetBadge = document.getElementById('sheet-badge');
  async function loadSheet() {
    const r = await api('/api/health');
    const s = r.ok && r.data && typeof r.data.sheets === 'object' ? r.data.sheets : null;
    if (!s || s.state === 'off') {
      sheetBadge.hidden = true;
      return;
    }
    const behind = Number(s.behind_seconds) || 0;
    if (s.state === 'error') {
      sheetBadge.textContent = 'Planilla sin sincronizar: ' + (s.last_error || 'error');
    } else if (behind > SHEET_BEHIND_S) {
      sheetBadge.textContent = 'Planilla atrasada ' + fmtDuration(behind * 1000) +
        ' (' + (s.events_pending || 0) + ' eventos)';
    } else {
      sheetBadge.hidden = true;
      return;
    }
    sheetBadge.hidden = false;
  }

  /* ---------- live ---------- */

  function apply(ev) {
    if (!ev.tag) return;
    const t = ev.type.toUpperCase();
    if (STARTS.has(t)) {
      occupied.set(ev.tag, {
        tag_spool: ev.tag,
        worker_nombre: ev.worker ? String(ev.worker) : '',
        estado_detalle: ev.estado || 'Ocupado',
        fecha_ocupacion: typeof ev.timestamp === 'string' ? ev.timestamp : '',
        fresh: true,
      });
    } else if (ENDS.has(t)) {
      occupied.delete(ev.tag);
    } else if (t === 'STATE_CHANGE' && occupied.has(ev.tag) && ev.estado) {
      if (/^Disponible/i.test(ev.estado)) occupied.delete(ev.tag);
      else occupied.get(ev.tag).estado_detalle = ev.estado;
    } else {
      return;
    }
    render();
  }

  let refetchTimer = null;
  function refetchSoon() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => { loadOccupied(); loadSummary(); loadPd(); }, 400);
  }

  function clock() {
    const d = new Date(chileNowWall());
    clockEl.textContent = String(d.getUTCHours()).padStart(2, '0') + ':' + String(d.getUTCMinutes()).padStart(2, '0');
  }

  window.ZC.connectSSE((ev) => { apply(ev); refetchSoon(); }, (up, reconnected) => { if (up && reconnected) refetchSoon(); });
  loadOccupied();
  loadSummary();
  loadPd();
  loadSheet();
  setInterval(loadSheet, 60000);
  clock();
  setInterval(clock, 10000);
  setInterval(tickAges, 30000);
  setInterval(() => { loadOccupied(); loadSummary(); loadPd(); }, 120000); // safety net if events are missed (and midnight)
})();
