/*
 * ZEUES-C tablet flow (index.html): worker → operation → action → spools → confirm → result.
 * Hash routes: #/  ·  #/w/ID  ·  #/w/ID/OP  ·  #/w/ID/OP/ACTION  ·  …/confirmar  ·  …/resultado
 * Spools with unions (v4): TOMAR starts them with INICIAR; in the PAUSAR / COMPLETAR lists a
 * tap opens their union selection (uniones.js): …/ACTION/uniones/TAG  ·  …/uniones/TAG/resultado
 * Depends on common.js (window.ZC) and uniones.js (window.ZUnions). All server text goes
 * through text nodes.
 */
(function () {
  'use strict';
  const { el, api, norm, toast, errorBox, loading, fmtPD, hasUnions, pdChips } = window.ZC;

  const MAX = 50;
  const ROW_PAGE = 1000; // rows rendered per "Mostrar más" page

  const OPS = {
    ARM: { label: 'ARMADO', sub: 'ARM', roles: ['armador', 'ayudante'], cls: 'op-arm' },
    SOLD: { label: 'SOLDADURA', sub: 'SOLD', roles: ['soldador', 'ayudante'], cls: 'op-sold' },
    METROLOGIA: { label: 'METROLOGÍA', sub: 'Inspección', roles: ['metrologia'], cls: 'op-met' },
    REPARACION: { label: 'REPARACIÓN', sub: 'Spools rechazados', roles: ['armador', 'soldador'], cls: 'op-rep' },
  };
  const ACTIONS = {
    TOMAR: { label: 'TOMAR', past: 'TOMADO', verb: 'tomar', sub: 'Empezar o continuar un trabajo', cls: 'act-tomar' },
    PAUSAR: { label: 'PAUSAR', past: 'PAUSADO', verb: 'pausar', sub: 'Dejar el trabajo para después', cls: 'act-pausar' },
    COMPLETAR: { label: 'COMPLETAR', past: 'COMPLETADO', verb: 'completar', sub: 'Terminar el trabajo', cls: 'act-completar' },
    CANCELAR: { label: 'CANCELAR', past: 'CANCELADO', verb: 'cancelar', sub: 'Devolver la reparación sin terminar', cls: 'act-cancelar' },
    INSPECCIONAR: { label: 'INSPECCIONAR', past: 'INSPECCIONADO', verb: 'inspeccionar', sub: '', cls: '' },
  };
  const REP_PATHS = {
    TOMAR: '/api/tomar-reparacion', PAUSAR: '/api/pausar-reparacion',
    COMPLETAR: '/api/completar-reparacion', CANCELAR: '/api/cancelar-reparacion',
  };
  const OCC_PATHS = { TOMAR: '/api/occupation/tomar', PAUSAR: '/api/occupation/pausar', COMPLETAR: '/api/occupation/completar' };

  const S = {
    workers: null, workersErr: null, workersLoading: null,
    worker: null, op: null, action: null,
    listKey: '', spools: null, listErr: null, listSeq: 0,
    selected: new Set(), filterNv: '', filterTag: '', shown: ROW_PAGE,
    result: null, busy: false,
    uresult: null, // the last FINALIZAR with unions: {tag, op, action, data, picked}
    screen: '', // 'workers' | 'ops' | 'actions' | 'spools' | 'confirm' | 'result' | 'unions' | 'uresult'
    view: null, // references of the live spool screen
  };

  const app = document.getElementById('app');

  /* ---------- helpers ---------- */

  function workerRoles(w) {
    const r = Array.isArray(w.roles) && w.roles.length ? w.roles : (w.rol ? [w.rol] : []);
    return r.map(norm);
  }
  function allowedOps(w) {
    const roles = workerRoles(w);
    return Object.keys(OPS).filter((op) => OPS[op].roles.some((r) => roles.includes(r)));
  }
  function fullName(w) { return ((w.nombre || '') + ' ' + (w.apellido || '')).trim() || String(w.nombre_completo || w.id); }
  function isMulti() { return S.op === 'ARM' || S.op === 'SOLD'; }
  function maxSel() { return isMulti() ? MAX : 1; }
  function opLabel(op) { return OPS[op] ? OPS[op].label : op; }

  function hashFor(...parts) {
    return '#/' + parts.filter((p) => p !== null && p !== undefined && p !== '').map((p) => encodeURIComponent(String(p))).join('/');
  }
  function base() { return ['w', S.worker.id, S.op, S.action]; }
  function go(h) {
    if (location.hash === h) route(); else location.hash = h;
  }
  function goHome() {
    S.worker = null;
    S.selected.clear();
    S.result = null;
    go('#/');
  }

  function updateWho() {
    const who = document.getElementById('who');
    if (!who) return;
    who.textContent = '';
    if (S.worker) {
      who.append(el('strong', null, S.worker.nombre_completo || ''), ' ', fullName(S.worker));
      if (S.op) who.append(el('span', { class: 'who-op' }, ' · ' + opLabel(S.op)));
    }
  }

  /** Replaces the screen: toolbar (Volver / Inicio), title, then content nodes. */
  function mount(name, backHash, title, subtitle, ...content) {
    S.screen = name;
    S.view = null;
    app.textContent = '';
    const bar = el('div', { class: 'toolbar' },
      backHash ? el('button', { type: 'button', class: 'btn btn-nav', testid: 'back', onclick: () => go(backHash) }, '← Volver') : null,
      el('button', { type: 'button', class: 'btn btn-nav', testid: 'home', onclick: goHome }, '⌂ Inicio'));
    app.append(bar, el('h1', { class: 'screen-title', id: 'screen-title' }, title));
    if (subtitle) app.append(el('p', { class: 'screen-sub' }, subtitle));
    app.append(...content);
    updateWho();
    window.scrollTo(0, 0);
    try { app.focus({ preventScroll: true }); } catch (e) { /* ignore */ }
  }

  /* ---------- workers ---------- */

  function loadWorkers() {
    if (S.workersLoading) return S.workersLoading;
    S.workersErr = null;
    S.workersLoading = api('/api/workers').then((r) => {
      S.workersLoading = null;
      if (!r.ok) { S.workersErr = r.message; return false; }
      const list = Array.isArray(r.data) ? r.data : (r.data && Array.isArray(r.data.workers) ? r.data.workers : null);
      if (!list) { S.workersErr = 'Respuesta inválida del servidor.'; return false; }
      S.workers = list.filter((w) => w && w.activo === true && w.id !== undefined)
        .sort((a, b) => fullName(a).localeCompare(fullName(b), 'es'));
      return true;
    });
    return S.workersLoading;
  }

  function showWorkers() {
    S.worker = null; S.op = null; S.action = null;
    const search = el('input', {
      type: 'search', class: 'input', testid: 'worker-search', placeholder: 'Buscar por nombre…',
      'aria-label': 'Buscar trabajador por nombre', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
    });
    const body = el('div');
    mount('workers', null, '¿Quién eres?', 'Toca tu nombre para empezar.', el('div', { class: 'filters' }, search), body);

    function render() {
      body.textContent = '';
      if (!S.workers) {
        if (S.workersErr) body.append(errorBox(S.workersErr, retry));
        else body.append(loading('Cargando trabajadores…'));
        return;
      }
      const q = norm(search.value);
      const list = S.workers.filter((w) => !q ||
        norm(fullName(w)).includes(q) || norm(w.nombre_completo).includes(q) || String(w.id) === q);
      if (!list.length) {
        body.append(el('p', { class: 'empty' }, S.workers.length ? 'Ningún trabajador coincide con la búsqueda.' : 'No hay trabajadores activos.'));
        return;
      }
      const grid = el('div', { class: 'grid grid-workers' });
      for (const w of list) {
        grid.append(el('button', {
          type: 'button', class: 'btn tile worker-btn', testid: 'worker-' + w.id,
          'aria-label': fullName(w), onclick: () => go(hashFor('w', w.id)),
        }, el('span', { class: 'tile-main' }, fullName(w)), el('span', { class: 'tile-sub' }, w.nombre_completo || '')));
      }
      body.append(grid);
    }
    function retry() { S.workersErr = null; render(); loadWorkers().then(() => { if (S.screen === 'workers') render(); }); }
    search.addEventListener('input', render);
    render();
    if (!S.workers && !S.workersErr) loadWorkers().then(() => { if (S.screen === 'workers') render(); });
    else if (!S.workers) retry();
  }

  /* ---------- operation / action ---------- */

  function showOps() {
    S.op = null; S.action = null;
    const ops = allowedOps(S.worker);
    const grid = el('div', { class: 'grid grid-big' });
    for (const op of ops) {
      grid.append(el('button', {
        type: 'button', class: 'btn tile ' + OPS[op].cls, testid: 'op-' + op,
        onclick: () => go(op === 'METROLOGIA' ? hashFor('w', S.worker.id, op, 'INSPECCIONAR') : hashFor('w', S.worker.id, op)),
      }, el('span', { class: 'tile-main' }, OPS[op].label), el('span', { class: 'tile-sub' }, OPS[op].sub)));
    }
    mount('ops', '#/', 'Hola, ' + (S.worker.nombre || fullName(S.worker)) + '. ¿Qué operación?', null,
      ops.length ? grid : el('p', { class: 'empty', role: 'alert', testid: 'error-message' },
        'No tienes roles habilitados para ninguna operación. Habla con tu supervisor.'));
  }

  function showActions() {
    S.action = null;
    const acts = S.op === 'REPARACION' ? ['TOMAR', 'PAUSAR', 'COMPLETAR', 'CANCELAR'] : ['TOMAR', 'PAUSAR', 'COMPLETAR'];
    const grid = el('div', { class: 'grid grid-big' });
    for (const a of acts) {
      grid.append(el('button', {
        type: 'button', class: 'btn tile ' + ACTIONS[a].cls, testid: 'action-' + a,
        onclick: () => go(hashFor('w', S.worker.id, S.op, a)),
      }, el('span', { class: 'tile-main' }, ACTIONS[a].label), el('span', { class: 'tile-sub' }, ACTIONS[a].sub)));
    }
    mount('actions', hashFor('w', S.worker.id), opLabel(S.op) + ': ¿qué vas a hacer?', null, grid);
  }

  /* ---------- spool list ---------- */

  function listUrl() {
    const id = encodeURIComponent(S.worker.id);
    if (S.op === 'METROLOGIA') return '/api/spools/iniciar?operacion=METROLOGIA';
    if (S.op === 'REPARACION') {
      return S.action === 'TOMAR' ? '/api/spools/reparacion' : '/api/spools/reparacion?worker_id=' + id + '&estado=ocupados';
    }
    if (S.action === 'TOMAR') return '/api/spools/iniciar?operacion=' + S.op;
    return '/api/spools/cancelar?operacion=' + S.op + '&worker_id=' + id;
  }

  function normalizeList(data) {
    const arr = Array.isArray(data) ? data : (data && Array.isArray(data.spools) ? data.spools : null);
    if (!arr) return null;
    const seen = new Set();
    let out = arr.filter((s) => s && typeof s.tag_spool === 'string' && s.tag_spool && !seen.has(s.tag_spool) && seen.add(s.tag_spool));
    if (isMulti() && S.action === 'TOMAR') {
      // The current app's ARM list (--compat v5) is "spools that can be added to the list",
      // completed ones included: TOMAR here offers only what can still be worked on.
      const done = S.op === 'ARM' ? 'fecha_armado' : 'fecha_soldadura';
      out = out.filter((s) => !s[done]);
    }
    if (S.op === 'REPARACION' && S.action !== 'TOMAR') {
      // Defensive: a repair the worker holds is never RECHAZADO/BLOQUEADO.
      out = out.filter((s) => !/^(RECHAZADO|BLOQUEADO|METROLOGIA)/.test(String(s.estado_detalle || '')));
    }
    return out;
  }

  function isBlocked(s) { return S.op === 'REPARACION' && S.action === 'TOMAR' && s.bloqueado === true; }
  /** A spool with unions in the PAUSAR / COMPLETAR list: a tap opens its union selection
   *  (the server decides PAUSAR or COMPLETAR from the unions marked), it is never batched. */
  function isUnionNav(s) { return isMulti() && S.action !== 'TOMAR' && hasUnions(s); }
  function selectableRow(s) { return !isBlocked(s) && !isUnionNav(s); }
  function openUnions(tag) { go(hashFor(...base(), 'uniones', tag)); }

  function filtered() {
    const nv = norm(S.filterNv), tag = norm(S.filterTag);
    return (S.spools || []).filter((s) => {
      if (nv && !norm(s.nv).includes(nv)) return false;
      if (tag && !norm(s.tag_spool).includes(tag)) return false;
      return true;
    });
  }

  function loadList(silent) {
    const key = listUrl();
    const seq = ++S.listSeq;
    if (!silent) { S.spools = null; S.listErr = null; renderList(); }
    return api(key).then((r) => {
      if (seq !== S.listSeq || S.listKey !== key) return;
      if (r.ok) {
        const list = normalizeList(r.data);
        if (!list) { r.ok = false; r.message = 'Respuesta inválida del servidor.'; }
        else {
          S.spools = list;
          S.listErr = null;
          const present = new Set(list.filter(selectableRow).map((s) => s.tag_spool));
          let gone = 0;
          for (const t of [...S.selected]) if (!present.has(t)) { S.selected.delete(t); gone++; }
          if (gone && S.screen === 'spools') {
            toast(gone === 1 ? '1 spool seleccionado ya no está disponible.' : gone + ' spools seleccionados ya no están disponibles.', 'warn');
          }
        }
      }
      if (!r.ok) {
        if (silent && S.spools) { toast('No se pudo actualizar la lista: ' + r.message, 'warn'); return; }
        S.spools = null;
        S.listErr = r.message;
      }
      if (S.screen === 'spools') renderList();
    });
  }

  let refreshTimer = null;
  function scheduleRefresh() {
    if (!S.listKey) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      if (S.screen === 'spools') loadList(true);
    }, 300);
  }

  function showSpools() {
    const key = listUrl();
    if (S.listKey !== key) {
      S.listKey = key; S.spools = null; S.listErr = null;
      S.selected.clear(); S.filterNv = ''; S.filterTag = ''; S.shown = ROW_PAGE;
    }
    const multi = isMulti();
    const nv = el('input', { type: 'search', class: 'input', testid: 'filter-nv', placeholder: 'Filtrar NV', 'aria-label': 'Filtrar por NV', autocomplete: 'off', inputmode: 'search' });
    const tag = el('input', { type: 'search', class: 'input', testid: 'filter-tag', placeholder: 'Filtrar o escanear TAG', 'aria-label': 'Filtrar por TAG', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' });
    nv.value = S.filterNv; tag.value = S.filterTag;
    const scanBtn = window.ZC.canCameraScan()
      ? el('button', { type: 'button', class: 'btn btn-secondary', testid: 'scan-camera', onclick: async () => {
        const code = await window.ZC.cameraScan();
        if (code) scanSelect(code);
      } }, 'Escanear')
      : null;
    const notice = el('div', { class: 'notice-slot', 'aria-live': 'assertive' });
    const status = el('div', { class: 'list-status' });
    const list = el('div', { class: 'spool-list', role: 'group', 'aria-label': 'Spools' });
    const count = el('span', { class: 'sel-count', testid: 'selected-count', role: 'status', 'aria-live': 'polite' });
    const selAll = multi ? el('button', { type: 'button', class: 'btn btn-secondary', testid: 'select-all', onclick: selectAll }, 'Seleccionar todos') : null;
    const cont = el('button', { type: 'button', class: 'btn btn-primary btn-continue', testid: 'continue', onclick: () => {
      if (S.selected.size) go(hashFor(...base(), 'confirmar'));
    } }, 'Continuar');
    const bar = el('div', { class: 'action-bar' }, count, selAll, cont);
    const title = S.op === 'METROLOGIA' ? 'METROLOGÍA: elige el spool a inspeccionar'
      : ACTIONS[S.action].label + ' · ' + opLabel(S.op);
    let sub = multi ? 'Toca los spools (hasta ' + MAX + ') o escanéalos con el lector.' : 'Toca un spool o escanéalo con el lector.';
    if (multi && S.action !== 'TOMAR') sub += ' Un spool con uniones se abre para marcar las uniones que terminaste.';
    const back = S.op === 'METROLOGIA' ? hashFor('w', S.worker.id) : hashFor('w', S.worker.id, S.op);
    mount('spools', back, title, sub, el('div', { class: 'filters' }, nv, tag, scanBtn), notice, status, list, bar);
    S.view = { nv, tag, notice, status, list, count, selAll, cont, rows: new Map() };

    let ft = null;
    const onFilter = () => {
      S.filterNv = nv.value; S.filterTag = tag.value; S.shown = ROW_PAGE;
      clearTimeout(ft);
      ft = setTimeout(renderList, (S.spools && S.spools.length > 2000) ? 150 : 0);
    };
    nv.addEventListener('input', onFilter);
    tag.addEventListener('input', onFilter);

    if (S.spools) { renderList(); loadList(true); } else loadList(false);
  }

  function renderList() {
    const v = S.view;
    if (!v || S.screen !== 'spools') return;
    v.status.textContent = '';
    v.list.textContent = '';
    v.rows = new Map();
    if (!S.spools) {
      clearNotice();
      v.status.append(S.listErr ? errorBox(S.listErr, () => loadList(false)) : loading('Cargando spools…'));
      updateCount();
      return;
    }
    const rows = filtered();
    if (!S.spools.length) {
      v.status.append(el('p', { class: 'empty', testid: 'empty-list' }, emptyText()));
    } else if (!rows.length) {
      v.status.append(el('p', { class: 'empty', testid: 'empty-list' }, 'Ningún spool coincide con los filtros.'));
    } else {
      v.status.append(el('p', { class: 'list-info' },
        rows.length === S.spools.length ? rows.length + ' spools' : rows.length + ' de ' + S.spools.length + ' spools'));
    }
    const frag = document.createDocumentFragment();
    const n = Math.min(rows.length, S.shown);
    for (let i = 0; i < n; i++) frag.append(rowEl(rows[i]));
    v.list.append(frag);
    if (rows.length > n) {
      v.list.append(el('button', { type: 'button', class: 'btn btn-secondary more', testid: 'show-more', onclick: () => { S.shown += ROW_PAGE; renderList(); } },
        'Mostrar más (' + (rows.length - n) + ' restantes)'));
    }
    updateCount();
  }

  function emptyText() {
    if (S.op === 'METROLOGIA') return 'No hay spools pendientes de metrología.';
    if (S.action === 'TOMAR') return 'No hay spools disponibles para tomar en ' + opLabel(S.op) + '.';
    return 'No tienes spools ocupados en ' + opLabel(S.op) + '.';
  }

  function rowEl(s) {
    const blocked = isBlocked(s);
    const nav = isUnionNav(s);
    const sel = !nav && S.selected.has(s.tag_spool);
    const meta = el('span', { class: 'row-meta' });
    if (s.nv !== undefined) meta.append(el('span', { class: 'chip' }, 'NV ' + (s.nv == null || s.nv === '' ? '—' : s.nv)));
    meta.append(...pdChips(s));
    if (S.op === 'REPARACION' && s.cycle !== undefined && s.cycle !== null) meta.append(el('span', { class: 'chip' }, 'Ciclo ' + s.cycle + '/3'));
    if (blocked) meta.append(el('span', { class: 'chip chip-bad' }, 'BLOQUEADO - Supervisor'));
    if (nav) meta.append(el('span', { class: 'chip chip-go' }, 'Marcar uniones →'));
    const detail = s.estado_detalle ? el('span', { class: 'row-detail' }, String(s.estado_detalle)) : null;
    const b = el('button', {
      type: 'button', class: 'spool-row' + (sel ? ' selected' : '') + (blocked ? ' blocked' : '') + (nav ? ' union-nav' : ''),
      testid: 'spool-row-' + s.tag_spool, 'aria-pressed': nav ? null : (sel ? 'true' : 'false'), disabled: blocked,
      'aria-label': nav ? s.tag_spool + ': marcar las uniones terminadas' : null,
      onclick: () => (nav ? openUnions(s.tag_spool) : toggle(s.tag_spool)),
    }, el('span', { class: 'check', 'aria-hidden': 'true' }, nav ? '›' : (sel ? '✓' : '')),
    el('span', { class: 'row-body' }, el('span', { class: 'row-tag' }, s.tag_spool), meta, detail));
    S.view.rows.set(s.tag_spool, b);
    return b;
  }

  function paintRow(tag) {
    const b = S.view && S.view.rows.get(tag);
    if (!b || b.classList.contains('union-nav')) return;
    const sel = S.selected.has(tag);
    b.classList.toggle('selected', sel);
    b.setAttribute('aria-pressed', sel ? 'true' : 'false');
    b.querySelector('.check').textContent = sel ? '✓' : '';
  }

  function updateCount() {
    const v = S.view;
    if (!v) return;
    const n = S.selected.size;
    v.count.textContent = n + ' seleccionados (máx. ' + maxSel() + ')';
    v.cont.disabled = n === 0;
    v.cont.textContent = n ? 'Continuar (' + n + ')' : 'Continuar';
    if (v.selAll) {
      const rows = filtered().filter(selectableRow);
      const all = rows.length > 0 && rows.slice(0, MAX).every((s) => S.selected.has(s.tag_spool));
      v.selAll.textContent = all ? 'Quitar selección' : 'Seleccionar todos';
      v.selAll.disabled = !S.spools || (rows.length === 0 && n === 0);
      v.selAll.setAttribute('aria-label', all ? 'Quitar la selección de los spools filtrados' : 'Seleccionar todos los spools filtrados (máximo ' + MAX + ')');
    }
  }

  function toggle(tag) {
    clearNotice();
    if (S.selected.has(tag)) {
      S.selected.delete(tag);
      paintRow(tag);
    } else if (!isMulti()) {
      const prev = [...S.selected];
      S.selected.clear();
      prev.forEach(paintRow);
      S.selected.add(tag);
      paintRow(tag);
    } else if (S.selected.size >= MAX) {
      showNotice('Máximo ' + MAX + ' spools por operación.');
      return;
    } else {
      S.selected.add(tag);
      paintRow(tag);
    }
    updateCount();
  }

  function selectAll() {
    clearNotice();
    const rows = filtered().filter(selectableRow);
    const first = rows.slice(0, MAX);
    const all = first.length > 0 && first.every((s) => S.selected.has(s.tag_spool));
    if (all) {
      for (const s of rows) S.selected.delete(s.tag_spool);
    } else {
      for (const s of rows) {
        if (S.selected.size >= MAX) break;
        S.selected.add(s.tag_spool);
      }
      const missing = rows.filter((s) => !S.selected.has(s.tag_spool)).length;
      if (missing) toast('Se seleccionaron ' + S.selected.size + ' spools: el máximo es ' + MAX + '.', 'warn');
    }
    for (const t of S.view.rows.keys()) paintRow(t);
    updateCount();
  }

  let noticeTimer = null;
  function showNotice(msg) {
    const v = S.view;
    if (!v) return;
    v.notice.textContent = '';
    v.notice.append(el('p', { class: 'notice', role: 'alert', testid: 'error-message' }, msg));
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(clearNotice, 8000);
  }
  function clearNotice() {
    clearTimeout(noticeTimer);
    if (S.view) S.view.notice.textContent = '';
  }

  /** Barcode (keyboard wedge or camera): select the spool whose TAG equals the code. */
  function scanSelect(code, source) {
    if (S.screen !== 'spools' || !S.spools) return;
    const c = norm(code);
    const s = S.spools.find((x) => norm(x.tag_spool) === c);
    if (!s || isBlocked(s)) {
      showNotice('Spool ' + code + ' no disponible para esta acción');
      return;
    }
    if (isUnionNav(s)) { openUnions(s.tag_spool); return; }
    clearNotice();
    const v = S.view;
    if (source === 'input' || !v.rows.has(s.tag_spool)) {
      // Clear the TAG filter (a scan typed there), and make sure the row is on screen.
      if (source === 'input' || !filtered().includes(s)) {
        v.tag.value = ''; S.filterTag = '';
        if (!filtered().includes(s)) { v.nv.value = ''; S.filterNv = ''; }
      }
      const idx = filtered().indexOf(s);
      if (idx >= S.shown + ROW_PAGE) { v.tag.value = s.tag_spool; S.filterTag = s.tag_spool; } // far down a huge list
      else if (idx >= S.shown) S.shown = idx + 1;
      renderList();
    }
    if (!S.selected.has(s.tag_spool)) {
      if (!isMulti()) { const prev = [...S.selected]; S.selected.clear(); prev.forEach(paintRow); }
      if (S.selected.size >= MAX) { showNotice('Máximo ' + MAX + ' spools por operación.'); return; }
      S.selected.add(s.tag_spool);
    }
    paintRow(s.tag_spool);
    updateCount();
    const row = v.rows.get(s.tag_spool);
    if (row) {
      row.scrollIntoView({ block: 'center', behavior: 'smooth' });
      row.classList.remove('flash');
      void row.offsetWidth; // restart the animation
      row.classList.add('flash');
    }
    toast('Spool ' + s.tag_spool + ' seleccionado', 'ok');
  }

  /* ---------- confirm ---------- */

  function selectedSpools() {
    const byTag = new Map((S.spools || []).map((s) => [s.tag_spool, s]));
    return [...S.selected].map((t) => byTag.get(t) || { tag_spool: t });
  }

  function showConfirm() {
    const spools = selectedSpools();
    const listHash = hashFor(...base());
    const items = el('ul', { class: 'confirm-list', testid: 'confirm-list' },
      spools.map((s) => el('li', { testid: 'confirm-item-' + s.tag_spool },
        el('span', { class: 'row-tag' }, s.tag_spool),
        s.nv ? el('span', { class: 'chip' }, 'NV ' + s.nv) : null,
        pdChips(s),
        s.cycle !== undefined && S.op === 'REPARACION' ? el('span', { class: 'chip' }, 'Ciclo ' + s.cycle + '/3') : null)));
    const who = el('p', { class: 'confirm-who' }, 'Trabajador: ', el('strong', null, fullName(S.worker) + ' · ' + (S.worker.nombre_completo || '')));
    const busy = el('p', { class: 'busy', role: 'status', 'aria-live': 'polite' });
    if (S.op === 'METROLOGIA') {
      const ok = el('button', { type: 'button', class: 'btn tile res-ok', testid: 'resultado-APROBADO', onclick: () => submit('APROBADO') },
        el('span', { class: 'tile-main' }, '✓ APROBADO'));
      const bad = el('button', { type: 'button', class: 'btn tile res-bad', testid: 'resultado-RECHAZADO', onclick: () => submit('RECHAZADO') },
        el('span', { class: 'tile-main' }, '✗ RECHAZADO'));
      mount('confirm', listHash, 'Resultado de la inspección', 'Spool a inspeccionar:', items, who, el('div', { class: 'grid grid-big' }, ok, bad), busy);
      S.view = { buttons: [ok, bad], busy };
      return;
    }
    const n = spools.length;
    const a = ACTIONS[S.action];
    const text = 'Vas a ' + a.label + ' ' + (n === 1 ? '1 spool' : n + ' spools') + ' en ' + opLabel(S.op) + ':';
    const confirm = el('button', { type: 'button', class: 'btn btn-primary btn-huge ' + a.cls, testid: 'confirm', onclick: () => submit(null) },
      'Confirmar ' + a.label + (n > 1 ? ' (' + n + ')' : ''));
    mount('confirm', listHash, 'Confirmar ' + a.label, text, items, who, el('div', { class: 'confirm-bar' }, confirm), busy);
    S.view = { buttons: [confirm], busy };
  }

  /* ---------- writes ---------- */

  async function post(path, body, okText) {
    const r = await api(path, { body });
    return {
      tag: body.tag_spool, ok: r.ok, network: r.network,
      message: r.ok ? (r.data && typeof r.data.message === 'string' && r.data.message ? r.data.message : okText) : r.message,
    };
  }

  async function runAction(op, action, tags, resultado) {
    const w = S.worker;
    const okText = 'Spool ' + ACTIONS[action].past.toLowerCase();
    if (op === 'METROLOGIA') {
      return [await post('/api/metrologia/completar', { tag_spool: tags[0], worker_id: w.id, resultado }, 'Metrología registrada')];
    }
    if (op === 'REPARACION') {
      return Promise.all(tags.map((t) => post(REP_PATHS[action], { tag_spool: t, worker_id: w.id }, okText)));
    }
    if (action === 'TOMAR') {
      // Spools with unions start with v4 INICIAR (it takes the same lock as TOMAR); the others
      // keep the v3 TOMAR, whose prerequisites are the spool-level ones.
      const byTag = new Map((S.spools || []).map((s) => [s.tag_spool, s]));
      const v4 = tags.filter((t) => hasUnions(byTag.get(t)));
      if (v4.length) {
        const v3 = tags.filter((t) => !v4.includes(t));
        const [a, b] = await Promise.all([
          Promise.allSettled(v4.map((t) => post('/api/v4/occupation/iniciar', { tag_spool: t, worker_id: w.id, operacion: op }, 'Spool iniciado'))),
          v3.length ? runV3(op, action, v3, okText) : Promise.resolve([]),
        ]);
        const got = new Map(b.map((x) => [x.tag, x]));
        a.forEach((x, i) => got.set(v4[i], x.status === 'fulfilled' ? x.value
          : { tag: v4[i], ok: false, network: true, message: window.ZC.NET_MSG }));
        return tags.map((t) => got.get(t));
      }
    }
    return runV3(op, action, tags, okText);
  }

  /** TOMAR (single or batch) / PAUSAR / COMPLETAR on ARM or SOLD through the v3 routes. */
  async function runV3(op, action, tags, okText) {
    const w = S.worker;
    const common = { worker_id: w.id, worker_nombre: w.nombre_completo, operacion: op };
    if (action === 'TOMAR' && tags.length > 1) {
      const r = await api('/api/occupation/batch-tomar', { body: Object.assign({ tag_spools: tags }, common) });
      if (!r.ok) return tags.map((t) => ({ tag: t, ok: false, network: r.network, message: r.message }));
      const details = r.data && Array.isArray(r.data.details) ? r.data.details : null;
      const byTag = new Map((details || []).filter((d) => d && typeof d.tag_spool === 'string').map((d) => [d.tag_spool, d]));
      return tags.map((t) => {
        const d = byTag.get(t);
        if (d) return { tag: t, ok: d.success === true, network: false, message: String(d.message || (d.success ? okText : 'Error')) };
        if (!details && r.data && r.data.failed === 0) return { tag: t, ok: true, network: false, message: okText };
        return { tag: t, ok: false, network: false, message: 'El servidor no informó el resultado de este spool.' };
      });
    }
    const settled = await Promise.allSettled(tags.map((t) => post(OCC_PATHS[action], Object.assign({ tag_spool: t }, common), okText)));
    return settled.map((x, i) => (x.status === 'fulfilled' ? x.value
      : { tag: tags[i], ok: false, network: true, message: window.ZC.NET_MSG }));
  }

  async function submit(resultado) {
    if (S.busy || !S.selected.size) return;
    S.busy = true;
    const v = S.view;
    v.buttons.forEach((b) => { b.disabled = true; });
    v.busy.textContent = '';
    v.busy.append(el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Procesando…');
    const tags = [...S.selected];
    const op = S.op, action = S.action;
    let items;
    try {
      items = await runAction(op, action, tags, resultado);
    } catch (e) {
      items = tags.map((t) => ({ tag: t, ok: false, network: true, message: window.ZC.NET_MSG }));
    } finally {
      S.busy = false;
    }
    const byTag = new Map((S.spools || []).map((s) => [s.tag_spool, s]));
    const unionTags = isMulti() && action === 'TOMAR' ? tags.filter((t) => hasUnions(byTag.get(t))) : [];
    S.result = { key: S.listKey, op, action, resultado, tags, items, unionTags };
    S.selected.clear();
    location.replace(hashFor(...base(), 'resultado'));
  }

  async function retryFailed() {
    const R = S.result;
    if (!R || S.busy) return;
    const failed = R.items.filter((x) => !x.ok).map((x) => x.tag);
    if (!failed.length) return;
    S.busy = true;
    const btn = document.querySelector('[data-testid="retry"]');
    if (btn) { btn.disabled = true; btn.textContent = 'Procesando…'; }
    let again;
    try { again = await runAction(R.op, R.action, failed, R.resultado); } finally { S.busy = false; }
    const byTag = new Map(again.map((x) => [x.tag, x]));
    R.items = R.items.map((x) => byTag.get(x.tag) || x);
    if (S.screen === 'result') showResult();
  }

  /* ---------- result ---------- */

  function showResult() {
    const R = S.result;
    const items = R.items;
    const ok = items.filter((x) => x.ok).length;
    const n = items.length;
    const a = ACTIONS[R.action];
    const past = R.op === 'METROLOGIA' ? (R.resultado || a.past) : a.past;
    let head, cls;
    if (ok === n && R.op === 'METROLOGIA') { head = '✓ Metrología registrada: ' + past; cls = 'result-ok'; }
    else if (ok === n) { head = '✓ ' + (n === 1 ? 'Spool ' + past : n + ' spools ' + past.replace(/O$/, 'OS')); cls = 'result-ok'; }
    else if (ok === 0) { head = '✗ No se pudo ' + (R.op === 'METROLOGIA' ? 'registrar la inspección' : a.verb + (n === 1 ? ' el spool' : ' los spools')); cls = 'result-bad'; }
    else { head = '⚠ Resultado parcial'; cls = 'result-partial'; }
    const list = el('ul', { class: 'result-list' }, items.map((x) => el('li', {
      class: x.ok ? 'ok' : 'bad', testid: 'result-item-' + x.tag,
    }, el('span', { class: 'mark', 'aria-label': x.ok ? 'Correcto' : 'Error' }, x.ok ? '✓' : '✗'),
    el('span', { class: 'row-tag' }, x.tag), el('span', { class: 'result-msg' }, x.message))));
    const single = n === 1 && ok === 0
      ? el('p', { class: 'error-text big', role: 'alert', testid: 'error-message' }, items[0].message) : null;
    const listHash = hashFor('w', S.worker.id, R.op, R.action);
    const buttons = el('div', { class: 'confirm-bar' },
      ok < n ? el('button', { type: 'button', class: 'btn btn-primary', testid: 'retry', onclick: retryFailed },
        n === 1 ? 'Reintentar' : 'Reintentar fallidos (' + (n - ok) + ')') : null,
      el('button', { type: 'button', class: 'btn btn-secondary', testid: 'again', onclick: () => go(listHash) }, 'Seguir con la lista'),
      el('button', { type: 'button', class: 'btn btn-secondary', testid: 'other-op', onclick: () => go(hashFor('w', S.worker.id)) }, 'Otra operación'));
    const started = (R.unionTags || []).filter((t) => items.some((x) => x.ok && x.tag === t));
    const hint = started.length
      ? el('p', { class: 'notice union-next', testid: 'union-next' },
        (started.length === 1 ? 'Este spool tiene uniones' : started.length + ' de estos spools tienen uniones') +
        ': al terminar, entra a PAUSAR o COMPLETAR, toca el spool y marca las uniones que hiciste.')
      : null;
    mount('result', listHash, head, null,
      el('div', { class: 'result-panel ' + cls },
        el('p', { class: 'result-summary', testid: 'result-summary' }, ok + ' de ' + n + ' spools procesados exitosamente'),
        single),
      list, hint, buttons);
    app.querySelector('.screen-title').classList.add(cls);
  }

  /* ---------- unions (v4 FINALIZAR) ---------- */

  function showUnions(tag) {
    const listHash = hashFor(...base());
    const node = window.ZUnions.selection({
      tag, op: S.op, worker: S.worker,
      onFinalized: (data, picked) => {
        S.uresult = { tag, op: S.op, action: S.action, data, picked };
        S.listKey = ''; // the list changed: reload it when the worker goes back
        location.replace(hashFor(...base(), 'uniones', tag, 'resultado'));
      },
    });
    mount('unions', listHash, 'FINALIZAR · ' + opLabel(S.op), 'Marca las uniones que terminaste y toca FINALIZAR.', node);
  }

  const UNION_OUTCOME = {
    COMPLETAR: { head: '✓ COMPLETADO', cls: 'result-ok', text: (op) => op + ' completado en este spool.' },
    PAUSAR: { head: '‖ PAUSADO', cls: 'result-pause', text: () => 'El spool queda en pausa: otro trabajador puede continuarlo.' },
    CANCELADO: { head: '✗ CANCELADO', cls: 'result-bad', text: () => 'Trabajo cancelado: no se registró ninguna unión.' },
  };

  function showUnionResult() {
    const R = S.uresult;
    const d = R.data;
    const o = UNION_OUTCOME[d.action_taken] || { head: String(d.action_taken), cls: 'result-partial', text: () => '' };
    const listHash = hashFor('w', S.worker.id, R.op, R.action);
    const enc = encodeURIComponent(R.tag);
    const metro = d.metrologia_triggered === true
      ? el('p', { class: 'metro-ready', role: 'status', testid: 'metrologia-ready' }, '✓ Listo para metrología') : null;
    const facts = el('dl', { class: 'fields union-facts' },
      el('dt', null, 'Spool'), el('dd', null, el('span', { class: 'row-tag' }, R.tag)),
      el('dt', null, 'Acción'), el('dd', { testid: 'union-action' }, String(d.action_taken)),
      el('dt', null, 'Uniones registradas'), el('dd', { testid: 'union-processed' },
        String(typeof d.unions_processed === 'number' ? d.unions_processed : R.picked.n) + (R.picked.n ? ' = ' + fmtPD(R.picked.pd) + ' PD' : '')),
      typeof d.pulgadas === 'number' ? [el('dt', null, 'PD ' + R.op + ' del spool'), el('dd', { testid: 'union-pulgadas' }, fmtPD(d.pulgadas))] : null,
      d.estado_detalle ? [el('dt', null, 'Estado'), el('dd', null, String(d.estado_detalle))] : null);
    const buttons = el('div', { class: 'confirm-bar' },
      el('button', { type: 'button', class: 'btn btn-primary', testid: 'again', onclick: () => go(listHash) }, 'Seguir con la lista'),
      el('a', { class: 'btn btn-secondary btn-link', testid: 'open-registro', href: 'registro.html?worker=' + encodeURIComponent(S.worker.id) }, 'Mi Registro'),
      el('a', { class: 'btn btn-secondary btn-link', testid: 'open-spool', href: 'spool.html?tag=' + enc }, 'Ver spool'),
      el('button', { type: 'button', class: 'btn btn-secondary', testid: 'other-op', onclick: () => go(hashFor('w', S.worker.id)) }, 'Otra operación'));
    mount('uresult', listHash, o.head, null,
      el('div', { class: 'result-panel ' + o.cls, testid: 'union-result', 'data-action': String(d.action_taken) },
        el('p', { class: 'result-summary', testid: 'result-summary' }, o.text(R.op)),
        d.message ? el('p', { class: 'result-msg', testid: 'union-message' }, String(d.message)) : null,
        metro),
      facts, buttons);
    app.querySelector('.screen-title').classList.add(o.cls);
  }

  /* ---------- routing ---------- */

  function parts() {
    return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
  }

  async function route() {
    const p = parts();
    if (p[0] !== 'w' || !p[1]) { showWorkers(); return; }
    if (!S.workers) {
      app.textContent = '';
      app.append(loading('Cargando trabajadores…'));
      S.screen = 'loading';
      const ok = await loadWorkers();
      if (!ok) { showWorkers(); return; }
      if (parts().join('/') !== p.join('/')) return; // the hash moved on meanwhile
    }
    const w = S.workers.find((x) => String(x.id) === p[1]);
    if (!w) { toast('Trabajador no encontrado o inactivo.', 'warn'); location.replace('#/'); return; }
    if (!S.worker || S.worker.id !== w.id) { S.selected.clear(); S.listKey = ''; S.result = null; }
    S.worker = w;
    const op = p[2];
    if (!op) { showOps(); return; }
    if (!OPS[op] || !allowedOps(w).includes(op)) { location.replace(hashFor('w', w.id)); return; }
    S.op = op;
    let action = p[3];
    if (op === 'METROLOGIA' && action !== 'INSPECCIONAR') { location.replace(hashFor('w', w.id, op, 'INSPECCIONAR')); return; }
    if (!action) { showActions(); return; }
    const okActs = op === 'REPARACION' ? ['TOMAR', 'PAUSAR', 'COMPLETAR', 'CANCELAR']
      : op === 'METROLOGIA' ? ['INSPECCIONAR'] : ['TOMAR', 'PAUSAR', 'COMPLETAR'];
    if (!okActs.includes(action)) { location.replace(hashFor('w', w.id, op)); return; }
    S.action = action;
    const step = p[4];
    if (!step) { showSpools(); return; }
    if (step === 'uniones') {
      const tag = p[5];
      if (!tag || !isMulti() || action === 'TOMAR') { location.replace(hashFor(...base())); return; }
      if (p[6] === 'resultado') {
        const R = S.uresult;
        if (!R || R.tag !== tag || R.op !== op || R.action !== action) { location.replace(hashFor(...base())); return; }
        showUnionResult();
        return;
      }
      showUnions(tag);
      return;
    }
    if (step === 'confirmar') {
      if (!S.selected.size || S.listKey !== listUrl()) { location.replace(hashFor(...base())); return; }
      showConfirm();
      return;
    }
    if (step === 'resultado') {
      if (!S.result || S.result.op !== op || S.result.action !== action) { location.replace(hashFor(...base())); return; }
      showResult();
      return;
    }
    location.replace(hashFor(...base()));
  }

  /* ---------- start ---------- */

  // A shared tablet left mid-flow goes back to "¿Quién eres?" so the next worker never acts as the last one.
  const IDLE_MS = 5 * 60 * 1000;
  let idleTimer = null;
  function armIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (S.busy || S.screen === 'workers' || document.querySelector('dialog[open]')) { armIdle(); return; }
      goHome();
      toast('Sesión cerrada por inactividad.', 'warn');
    }, IDLE_MS);
  }
  for (const ev of ['pointerdown', 'keydown', 'touchstart']) document.addEventListener(ev, armIdle, { passive: true, capture: true });
  armIdle();

  window.addEventListener('hashchange', route);
  window.ZC.connectSSE(() => scheduleRefresh(), (up, reconnected) => { if (up && reconnected) scheduleRefresh(); });
  window.ZC.attachScanner({
    active: () => S.screen === 'spools' && !!S.spools,
    tagInput: () => (S.view && S.view.tag) || null,
    onScan: scanSelect,
  });
  route();
})();
