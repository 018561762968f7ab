/* /app/login: a supervisor signs in; the server answers with the session cookie (HttpOnly: this
 * page never sees the token) and the browser goes on to the console. */
(function () {
  'use strict';
  const form = document.getElementById('login-form');
  const name = document.getElementById('name');
  const password = document.getElementById('password');
  const msg = document.getElementById('login-msg');
  const button = form.querySelector('button');
  const next = '/app/console';

  fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' })
    .then((r) => r.json())
    .then((d) => { if (d && d.supervisor) window.location.href = next; })
    .catch(() => {});
  name.focus();

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    msg.textContent = '';
    button.disabled = true;
    try {
      const res = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ name: name.value.trim(), password: password.value }),
        credentials: 'same-origin',
        cache: 'no-store',
      });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      password.value = '';
      if (res.ok) {
        msg.className = 'screen-sub';
        msg.textContent = 'Sesión iniciada como «' + (data && data.supervisor ? data.supervisor : '') + '».';
        window.location.href = next;
        return;
      }
      msg.textContent = data && data.message ? data.message : 'Error ' + res.status + '.';
    } catch (e) {
      msg.textContent = 'Sin conexión con el servidor. Revisa el Wi-Fi e intenta nuevamente.';
    }
    button.disabled = false;
    password.focus();
  });
})();
