/*
 * ZEUES-C union selection at FINALIZAR (index.html, used by app.js): the spool's unions as big
 * rows with their ARM / SOLD state, "Seleccionar todas", the running sum "Seleccionaste N
 * uniones = X PD" and the FINALIZAR button (POST /api/v4/occupation/finalizar). The server
 * decides PAUSAR / COMPLETAR from the selection; with nothing selected the button pauses
 * (action_override PAUSAR). Classic script: exposes window.ZUnions. Depends on common.js.
 */
(function () {
  'use strict';
  const { el, api, errorBox, loading, fmtPD, sumPD, needsSold, pdChips } = window.ZC;

  const OP_WORD = { ARM: 'ARMADO', SOLD: 'SOLDADURA' };

  function workerOf(u, op) { return op === 'ARM' ? u.arm_worker : u.sol_worker; }
  function complete(u) { return u.dn_union !== null && u.dn_union !== undefined && !!u.tipo_union; }
  function plural(n) { return n === 1 ? '1 unión' : n + ' uniones'; }

  /**
   * Why a union cannot be selected for op now ('' when it can): done (by whom), ARM-only type,
   * ARM missing, incomplete definition, or not offered by the server.
   */
  function blockReason(u, op, avail) {
    const w = workerOf(u, op);
    if (w) return op + ' hecha por ' + w;
    if (op === 'SOLD' && u.tipo_union && !needsSold(u.tipo_union)) return 'SOLD no aplica (' + u.tipo_union + ')';
    if (!complete(u)) return 'Sin DN o tipo: pide a la oficina que la complete';
    if (op === 'SOLD' && !avail.has(u.id)) return 'Falta ARM de esta unión';
    if (!avail.has(u.id)) return 'No disponible para ' + op;
    return '';
  }

  /** State words of one union for both operations, as chips. */
  function stateChips(u) {
    const arm = u.arm_worker
      ? el('span', { class: 'chip chip-done' }, 'ARM ✓ ' + u.arm_worker)
      : el('span', { class: 'chip chip-pend' }, 'ARM pendiente');
    let sold;
    if (u.sol_worker) sold = el('span', { class: 'chip chip-done' }, 'SOLD ✓ ' + u.sol_worker);
    else if (u.tipo_union && !needsSold(u.tipo_union)) sold = el('span', { class: 'chip chip-na' }, 'SOLD no aplica');
    else sold = el('span', { class: 'chip chip-pend' }, 'SOLD pendiente');
    return [arm, sold];
  }

  /**
   * What the server will decide if the selection is sent (domain-v4 §4.7, as our server applies
   * it): the operation completes when every relevant union is done after this request (ARM:
   * every union; SOLD: every union whose type needs SOLD, and every union has a type).
   */
  function predict(unions, op, selected) {
    const relevant = op === 'ARM' ? unions : unions.filter((u) => needsSold(u.tipo_union));
    const blocked = op === 'SOLD' && unions.some((u) => !u.tipo_union);
    const done = relevant.filter((u) => workerOf(u, op)).length;
    const left = relevant.length - done - selected;
    return { complete: !blocked && relevant.length > 0 && left <= 0, left: Math.max(0, left) };
  }

  /**
   * Builds the selection screen of one spool. opts: {tag, op ('ARM'|'SOLD'), worker
   * ({id, nombre_completo}), onFinalized(data, picked)} where picked = {n, pd}. Returns the
   * root node; it loads its data itself.
   */
  function selection(opts) {
    const { tag, op, worker } = opts;
    const root = el('div', { class: 'unions', testid: 'union-screen' });
    const head = el('div', { class: 'union-head' });
    const notice = el('div', { class: 'notice-slot', 'aria-live': 'assertive' });
    const body = el('div', { class: 'union-body' });
    const sum = el('span', { class: 'union-sum', testid: 'union-sum', role: 'status', 'aria-live': 'polite' });
    const hint = el('span', { class: 'union-hint', testid: 'union-hint' });
    const selAll = el('button', { type: 'button', class: 'btn btn-secondary', testid: 'union-select-all', onclick: toggleAll }, 'Seleccionar todas');
    const fin = el('button', { type: 'button', class: 'btn btn-primary btn-continue btn-fin', testid: 'union-finalizar', onclick: submit }, 'FINALIZAR');
    const bar = el('div', { class: 'action-bar union-bar' }, el('span', { class: 'union-tally' }, sum, hint), selAll, fin);
    root.append(head, notice, body, bar);

    let unions = [], avail = new Set(), selected = new Set(), rows = new Map(), busy = false, loaded = false;

    function selectable(u) { return !blockReason(u, op, avail); }

    function paint(u) {
      const b = rows.get(u.id);
      if (!b) return;
      const on = selected.has(u.id);
      b.classList.toggle('selected', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.querySelector('.check').textContent = on ? '✓' : (workerOf(u, op) ? '✓' : '');
    }

    function update() {
      const picked = unions.filter((u) => selected.has(u.id));
      const n = picked.length;
      const pd = sumPD(picked.map((u) => u.dn_union));
      sum.textContent = 'Seleccionaste ' + plural(n) + ' = ' + fmtPD(pd) + ' PD';
      const open = unions.filter(selectable);
      const all = open.length > 0 && open.every((u) => selected.has(u.id));
      selAll.textContent = all ? 'Quitar selección' : 'Seleccionar todas';
      selAll.setAttribute('aria-pressed', all ? 'true' : 'false');
      selAll.disabled = busy || !loaded || open.length === 0;
      const p = predict(unions, op, n);
      if (!loaded) hint.textContent = '';
      else if (n === 0) hint.textContent = 'Sin uniones marcadas el spool queda en pausa, libre para otro.';
      else if (p.complete) hint.textContent = 'Con esto se COMPLETA ' + OP_WORD[op] + ' del spool.';
      else hint.textContent = 'El spool quedará PAUSADO: ' + (p.left === 1 ? 'falta 1 unión.' : 'faltan ' + p.left + ' uniones.');
      fin.disabled = busy || !loaded;
      fin.textContent = busy ? 'Procesando…' : n ? 'FINALIZAR · ' + plural(n) : 'PAUSAR sin uniones';
      fin.setAttribute('aria-label', n ? 'Finalizar registrando ' + plural(n) + ' (' + fmtPD(pd) + ' PD)' : 'Pausar el spool sin registrar uniones');
    }

    function toggle(u) {
      if (busy || !selectable(u)) return;
      if (selected.has(u.id)) selected.delete(u.id); else selected.add(u.id);
      paint(u);
      update();
    }

    function toggleAll() {
      const open = unions.filter(selectable);
      const all = open.length > 0 && open.every((u) => selected.has(u.id));
      for (const u of open) { if (all) selected.delete(u.id); else selected.add(u.id); }
      unions.forEach(paint);
      update();
    }

    function rowEl(u) {
      const why = blockReason(u, op, avail);
      const done = !!workerOf(u, op);
      const na = op === 'SOLD' && !!u.tipo_union && !needsSold(u.tipo_union); // the SOLD chip says it
      const dn = u.dn_union === null || u.dn_union === undefined ? 'DN —' : 'DN ' + fmtPD(u.dn_union) + '″';
      const b = el('button', {
        type: 'button', class: 'union-row' + (why ? ' off' : '') + (done ? ' done' : ''),
        testid: 'union-row-' + u.n_union, 'data-union-id': u.id || '', 'aria-pressed': 'false', disabled: !!why,
        'aria-label': 'Unión ' + u.n_union + ', ' + dn + ', ' + (u.tipo_union || 'sin tipo') + (why ? ', ' + why : ''),
        onclick: () => toggle(u),
      }, el('span', { class: 'check', 'aria-hidden': 'true' }, done ? '✓' : ''),
      el('span', { class: 'union-main' },
        el('span', { class: 'union-n' }, 'Unión ' + u.n_union),
        el('span', { class: 'union-dn' }, dn + ' · ' + (u.tipo_union || 'sin tipo'))),
      el('span', { class: 'union-state' }, stateChips(u), why && !done && !na ? el('span', { class: 'union-why' }, why) : null));
      if (u.id) rows.set(u.id, b);
      return b;
    }

    function renderHead(st) {
      head.textContent = '';
      head.append(el('p', { class: 'union-tag' }, el('span', { class: 'row-tag', testid: 'union-tag' }, tag)));
      if (st) {
        const meta = el('div', { class: 'row-meta' }, st.nv ? el('span', { class: 'chip' }, 'NV ' + st.nv) : null, pdChips(st));
        head.append(meta);
        const occ = st.ocupado_por ? String(st.ocupado_por) : '';
        if (occ && worker.nombre_completo && occ !== worker.nombre_completo) {
          head.append(el('p', { class: 'notice', role: 'alert' }, 'Este spool lo tiene ' + (st.ocupado_por_display || occ) + ': solo quien lo tiene puede finalizarlo.'));
        } else if (!occ) {
          head.append(el('p', { class: 'notice', role: 'alert' }, 'Este spool no está ocupado: primero hay que TOMARLO (iniciar).'));
        }
      }
    }

    async function load() {
      loaded = false;
      body.textContent = '';
      body.append(loading('Cargando uniones…'));
      update();
      const enc = encodeURIComponent(tag);
      const [st, all, disp] = await Promise.all([
        api('/api/spool/' + enc + '/status'),
        api('/api/v4/uniones/' + enc + '/todas'),
        api('/api/v4/uniones/' + enc + '/disponibles?operacion=' + op),
      ]);
      body.textContent = '';
      renderHead(st.ok ? st.data : null);
      const bad = [all, disp].find((r) => !r.ok);
      const list = all.ok && all.data && Array.isArray(all.data.unions) ? all.data.unions : null;
      const av = disp.ok && disp.data && Array.isArray(disp.data.unions) ? disp.data.unions : null;
      if (bad || !list || !av) {
        body.append(errorBox(bad ? bad.message : 'Respuesta inválida del servidor.', load));
        return;
      }
      unions = list.filter((u) => u && Number.isInteger(u.n_union)).sort((a, b) => a.n_union - b.n_union);
      avail = new Set(av.map((u) => u && u.id).filter(Boolean));
      for (const id of [...selected]) if (!avail.has(id)) selected.delete(id);
      rows = new Map();
      if (!unions.length) {
        body.append(el('p', { class: 'empty', testid: 'union-empty' }, 'Este spool no tiene uniones registradas.'));
      } else {
        body.append(el('div', { class: 'union-list', role: 'group', 'aria-label': 'Uniones del spool' }, unions.map(rowEl)));
      }
      loaded = true;
      unions.forEach(paint);
      update();
    }

    async function submit() {
      if (busy || !loaded) return;
      busy = true;
      notice.textContent = '';
      const picked = unions.filter((u) => selected.has(u.id));
      const req = { tag_spool: tag, worker_id: worker.id, operacion: op, selected_unions: picked.map((u) => u.id) };
      if (!picked.length) req.action_override = 'PAUSAR';
      update();
      const r = await api('/api/v4/occupation/finalizar', { body: req });
      busy = false;
      if (r.ok && r.data && typeof r.data.action_taken === 'string') {
        opts.onFinalized(r.data, { n: picked.length, pd: sumPD(picked.map((u) => u.dn_union)) });
        return;
      }
      notice.append(el('p', { class: 'notice', role: 'alert', testid: 'error-message' },
        r.ok ? 'Respuesta inválida del servidor.' : r.message));
      if (r.status === 409 || r.status === 400) load(); else update(); // the unions changed meanwhile
    }

    load();
    return root;
  }

  window.ZUnions = { selection, predict, blockReason };
})();
