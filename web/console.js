/* /app/console: the supervisor console. It needs a signed-in supervisor (the session cookie of
 * /app/login, HttpOnly); without one it goes to /app/login. Unblock and release are the same
 * application actions as `zeues unblock|release`, audited with the signed-in supervisor and the
 * reason typed here; the audit trail is the spool's Metadata; the tracked list is the v5 app's.
 * Server text only ever reaches the page through textContent. */
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const msg = $('console-msg');
  let supervisor = null;
  let current = null; // the spool shown

  function say(text, ok) {
    msg.className = ok ? 'screen-sub' : 'error-text';
    msg.textContent = text || '';
  }

  /* JSON call → {ok, status, data}; a lost session goes back to the sign-in page. */
  async function call(path, body) {
    const init = { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res, data = null;
    try {
      res = await fetch(path, init);
      try { data = await res.json(); } catch (e) { data = null; }
    } catch (e) {
      return { ok: false, status: 0, data: null, message: 'Sin conexión con el servidor. Intenta de nuevo.' };
    }
    if (res.status === 401 && path.indexOf('/api/console/') === 0) {
      window.location.href = '/app/login';
    }
    const message = data && data.message ? data.message : 'Error ' + res.status;
    return { ok: res.ok, status: res.status, data: data, message: message };
  }

  function td(text) {
    const c = document.createElement('td');
    c.textContent = text == null ? '' : String(text);
    c.style.borderTop = '1px solid #ccc';
    c.style.padding = '4px 6px';
    c.style.verticalAlign = 'top';
    return c;
  }

  function detail(e) {
    const m = e.metadata;
    if (!m || typeof m !== 'object') return m || '';
    const parts = [];
    for (const k of ['supervisor', 'reason', 'device', 'ocupado_por', 'previous_estado', 'new_estado']) {
      if (m[k] !== undefined && m[k] !== null && m[k] !== '') parts.push(k + ': ' + m[k]);
    }
    return parts.join(' · ');
  }

  function show(d) {
    current = d;
    const st = $('spool-state');
    st.textContent = d.tag_spool + ' — ' + d.estado_detalle +
      (d.ocupado_por ? ' — ocupado por ' + d.ocupado_por + ' desde ' + d.fecha_ocupacion : '');
    $('action-form').hidden = false;
    $('unblock').disabled = !d.bloqueado;
    $('release').disabled = !d.ocupado_por;
    const body = $('events').querySelector('tbody');
    body.textContent = '';
    for (const e of d.events) {
      const tr = document.createElement('tr');
      tr.append(td(e.seq), td(e.fecha_hora), td(e.evento_tipo), td(e.operacion + ' ' + e.accion),
        td(e.worker_nombre), td(detail(e)));
      body.append(tr);
    }
    $('events').hidden = false;
  }

  async function open(tag) {
    const r = await call('/api/console/log/' + encodeURIComponent(tag));
    if (!r.ok) { say(r.message); return false; }
    show(r.data);
    return true;
  }

  async function act(kind) {
    if (!current) return;
    const reason = $('reason').value.trim();
    if (!reason) { say('Escribe el motivo: queda en la auditoría.'); $('reason').focus(); return; }
    const r = await call('/api/console/' + kind, { tag_spool: current.tag_spool, reason: reason });
    if (!r.ok) { say(r.message); return; }
    say((kind === 'unblock' ? 'Desbloqueado: ' : 'Liberado: ') + r.data.tag_spool + ' — ' +
      r.data.estado_detalle + ' (evento ' + r.data.seq + ')', true);
    $('reason').value = '';
    await open(current.tag_spool);
  }

  async function tracked() {
    const r = await call('/api/supervisor/list');
    const ul = $('tracked');
    ul.textContent = '';
    if (!r.ok) { say(r.message); return; }
    for (const it of r.data.items || []) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-secondary';
      b.textContent = it.tag_spool;
      b.addEventListener('click', () => { $('tag').value = it.tag_spool; open(it.tag_spool); });
      const x = document.createElement('button');
      x.type = 'button';
      x.className = 'btn';
      x.textContent = 'QUITAR';
      x.setAttribute('aria-label', 'Quitar ' + it.tag_spool);
      x.addEventListener('click', async () => {
        const q = await call('/api/supervisor/list/remove', { tag_spool: it.tag_spool, session_id: 'consola:' + supervisor });
        if (!q.ok) say(q.message);
        tracked();
      });
      li.append(b, ' ', x);
      ul.append(li);
    }
  }

  $('spool-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    say('');
    const t = $('tag').value.trim();
    if (t) open(t);
  });
  $('unblock').addEventListener('click', () => act('unblock'));
  $('release').addEventListener('click', () => act('release'));
  $('tracked-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = $('tracked-tag').value.trim();
    if (!t) return;
    const r = await call('/api/supervisor/list/add', { tag_spool: t, session_id: 'consola:' + supervisor });
    if (!r.ok) { say(r.message); return; }
    $('tracked-tag').value = '';
    tracked();
  });
  $('pin-set').addEventListener('click', async () => {
    const id = parseInt($('pin-worker').value, 10);
    const r = await call('/api/console/pin/set', { worker_id: id, pin: $('pin-new').value });
    $('pin-new').value = '';
    say(r.ok ? 'PIN asignado al trabajador ' + id + '.' : r.message, r.ok);
  });
  $('pin-unlock').addEventListener('click', async () => {
    const id = parseInt($('pin-worker').value, 10);
    const r = await call('/api/console/pin/unlock', { worker_id: id, reason: $('pin-reason').value.trim() });
    say(r.ok ? (r.data.was_locked ? 'PIN desbloqueado: trabajador ' : 'El PIN no estaba bloqueado: trabajador ') + id + '.'
      : r.message, r.ok);
    if (r.ok) $('pin-reason').value = '';
  });
  $('logout').addEventListener('click', async () => {
    await call('/api/auth/logout', { name: supervisor || '' });
    window.location.href = '/app/login';
  });

  (async function start() {
    const r = await call('/api/auth/session');
    if (!r.ok || !r.data || !r.data.supervisor) { window.location.href = '/app/login'; return; }
    supervisor = r.data.supervisor;
    $('who').textContent = 'Supervisor: ' + supervisor + (r.data.device ? ' · ' + r.data.device : '');
    tracked();
  })();
})();
