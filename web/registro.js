/*
 * ZEUES-C Mi Registro (registro.html?worker=ID&fecha=DD-MM-YYYY): one worker's unions of one
 * day from GET /api/registro/{worker_id}?fecha=, grouped by spool and operation, with the PD
 * per group and the day's total ("PD HOY"). It replaces the paper log workers keep to defend
 * their work, so it prints cleanly (print stylesheet in style.css). Live: reloads when an SSE
 * event names the chosen worker.
 */
(function () {
  'use strict';
  const { el, api, errorBox, loading, fmtPD, todayDMY, fmtWall, chileNowWall } = window.ZC;

  const sel = document.getElementById('worker');
  const fecha = document.getElementById('fecha');
  const out = document.getElementById('out');
  let workers = [];
  let seq = 0;

  const dmyToIso = (d) => { const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(d || ''); return m ? m[3] + '-' + m[2] + '-' + m[1] : ''; };
  const isoToDmy = (d) => { const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || ''); return m ? m[3] + '-' + m[2] + '-' + m[1] : ''; };
  function shiftDmy(dmy, days) {
    const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(dmy);
    const t = new Date(Date.UTC(+m[3], +m[2] - 1, +m[1]) + days * 86400000);
    return String(t.getUTCDate()).padStart(2, '0') + '-' + String(t.getUTCMonth() + 1).padStart(2, '0') + '-' + t.getUTCFullYear();
  }
  function fullName(w) { return ((w.nombre || '') + ' ' + (w.apellido || '')).trim() || String(w.nombre_completo || w.id); }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  /** "DD-MM-YYYY HH:MM:SS" → "HH:MM" on the registro's day, else "DD-MM HH:MM"; "—" when empty. */
  function when(s, day) {
    if (typeof s !== 'string' || !s) return '—';
    const m = /^(\d{2}-\d{2})-(\d{4}) (\d{2}:\d{2})/.exec(s);
    if (!m) return s;
    return (m[1] + '-' + m[2] === day) ? m[3] : m[1] + ' ' + m[3];
  }

  function syncUrl() {
    const q = new URLSearchParams();
    if (sel.value) q.set('worker', sel.value);
    const f = isoToDmy(fecha.value);
    if (f) q.set('fecha', f);
    history.replaceState(null, '', 'registro.html' + (q.toString() ? '?' + q : ''));
  }

  function groupEl(g, day) {
    const op = String(g.operacion || '');
    const uniones = Array.isArray(g.uniones) ? g.uniones : [];
    const other = op === 'ARM' ? 'Soldador' : op === 'SOLD' ? 'Armador' : 'Con';
    return el('section', { class: 'panel reg-group', testid: 'registro-group', 'data-tag': g.tag_spool, 'data-op': op },
      el('div', { class: 'reg-group-head' },
        el('h2', null, el('a', { class: 'row-tag', href: 'spool.html?tag=' + encodeURIComponent(g.tag_spool) }, String(g.tag_spool))),
        el('span', { class: 'chip chip-op chip-' + op.toLowerCase() }, op),
        el('span', { class: 'reg-group-pd', testid: 'registro-group-pd' }, fmtPD(g.pd_total) + ' PD'),
        el('span', { class: 'reg-other' }, other + ': ' + (g.otro_trabajador || 'Pendiente'))),
      el('table', { class: 'reg-table' },
        el('thead', null, el('tr', null,
          el('th', { scope: 'col' }, 'Unión'), el('th', { scope: 'col' }, 'DN'), el('th', { scope: 'col' }, 'Tipo'),
          el('th', { scope: 'col' }, 'Inicio'), el('th', { scope: 'col' }, 'Fin'))),
        el('tbody', null, uniones.map((u) => el('tr', { testid: 'registro-union' },
          el('td', { class: 'num' }, String(u.n_union)),
          el('td', { class: 'num' }, u.dn_union === null || u.dn_union === undefined ? '—' : fmtPD(u.dn_union) + '″'),
          el('td', null, u.tipo_union ? String(u.tipo_union) : '—'),
          el('td', null, when(u.fecha_inicio, day)),
          el('td', null, u.fecha_fin ? when(u.fecha_fin, day) : el('span', { class: 'en-curso' }, 'en curso')))))));
  }

  function render(d, w) {
    out.textContent = '';
    const day = String(d.fecha || '');
    const res = d.resumen || {};
    const groups = Array.isArray(d.spools) ? d.spools : [];
    const today = day === todayDMY();
    const nU = Number(res.total_uniones) || 0, nS = Number(res.total_spools) || 0;
    out.append(
      el('div', { class: 'print-only reg-print-head' },
        el('h1', null, 'Registro de producción · ZEUES'),
        el('p', null, 'Trabajador: ', el('strong', null, fullName(w) + ' · ' + (d.worker_nombre || w.nombre_completo || '')),
          ' · Fecha: ', el('strong', null, day)),
        el('p', { class: 'reg-printed' }, 'Impreso el ' + fmtWall(chileNowWall()) + ' desde ZEUES (datos del servidor a esa hora).')),
      el('div', { class: 'pd-hoy', role: 'status' },
        el('span', { class: 'pd-hoy-label' }, today ? 'PD HOY' : 'PD del ' + day),
        el('span', { class: 'pd-hoy-num', testid: 'registro-pd-total' }, fmtPD(res.pd_total || 0)),
        el('span', { class: 'pd-hoy-sub', testid: 'registro-resumen' },
          plural(nU, 'unión', 'uniones') + ' · ' + plural(nS, 'spool', 'spools') + ' · ' + (d.worker_nombre || ''))));
    if (!groups.length) {
      out.append(el('p', { class: 'empty', testid: 'registro-empty' }, 'Sin uniones registradas el ' + day + '.'));
    } else {
      out.append(el('div', { class: 'reg-groups' }, groups.map((g) => groupEl(g, day))));
    }
    out.append(el('div', { class: 'print-only reg-sign' },
      el('p', null, 'Firma trabajador: ______________________'),
      el('p', null, 'Firma supervisor: ______________________')));
  }

  async function load() {
    syncUrl();
    const my = ++seq;
    const id = sel.value;
    const f = isoToDmy(fecha.value);
    out.textContent = '';
    if (!id) { out.append(el('p', { class: 'empty' }, 'Elige tu nombre para ver tu registro.')); return; }
    if (!f) { out.append(el('p', { class: 'empty' }, 'Elige una fecha.')); return; }
    out.append(loading('Cargando registro…'));
    const r = await api('/api/registro/' + encodeURIComponent(id) + '?fecha=' + encodeURIComponent(f));
    if (my !== seq) return;
    const w = workers.find((x) => String(x.id) === id) || { id };
    document.title = 'ZEUES · Mi Registro · ' + fullName(w) + ' · ' + f;
    if (r.ok && r.data && typeof r.data === 'object' && r.data.resumen) { render(r.data, w); return; }
    out.textContent = '';
    out.append(errorBox(r.ok ? 'Respuesta inválida del servidor.' : r.message, load));
  }

  async function loadWorkers() {
    const r = await api('/api/workers');
    const list = r.ok ? (Array.isArray(r.data) ? r.data : (r.data && Array.isArray(r.data.workers) ? r.data.workers : null)) : null;
    sel.textContent = '';
    if (!list) {
      sel.append(el('option', { value: '' }, 'No se pudo cargar la lista'));
      out.textContent = '';
      out.append(errorBox(r.ok ? 'Respuesta inválida del servidor.' : r.message, () => loadWorkers()));
      return;
    }
    workers = list.filter((w) => w && w.activo === true && w.id !== undefined)
      .sort((a, b) => fullName(a).localeCompare(fullName(b), 'es'));
    sel.append(el('option', { value: '' }, 'Elige tu nombre…'),
      ...workers.map((w) => el('option', { value: String(w.id) }, fullName(w) + ' · ' + (w.nombre_completo || w.id))));
    const want = new URLSearchParams(location.search).get('worker');
    if (want && workers.some((w) => String(w.id) === want)) sel.value = want;
    load();
  }

  const q = new URLSearchParams(location.search);
  fecha.value = dmyToIso(q.get('fecha') || '') || dmyToIso(todayDMY());
  fecha.max = dmyToIso(todayDMY());
  sel.addEventListener('change', load);
  fecha.addEventListener('change', load);
  document.getElementById('form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  document.getElementById('hoy').addEventListener('click', () => { fecha.value = dmyToIso(todayDMY()); load(); });
  document.getElementById('ayer').addEventListener('click', () => { fecha.value = dmyToIso(shiftDmy(todayDMY(), -1)); load(); });
  document.getElementById('print').addEventListener('click', () => window.print());

  let t = null;
  window.ZC.connectSSE((ev) => {
    const w = workers.find((x) => String(x.id) === sel.value);
    if (w && ev.worker && ev.worker === w.nombre_completo && isoToDmy(fecha.value) === todayDMY()) {
      clearTimeout(t);
      t = setTimeout(load, 500);
    }
  }, (up, reconnected) => { if (up && reconnected && sel.value) load(); });
  loadWorkers();
})();
