/* /app/enroll: posts the one-time code; the server answers with the device cookie (HttpOnly:
 * this page never sees the token) and the tablet goes on to the app. */
(function () {
  'use strict';
  const form = document.getElementById('enroll-form');
  const input = document.getElementById('code');
  const msg = document.getElementById('enroll-msg');
  const button = form.querySelector('button');
  input.focus();
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    msg.textContent = '';
    button.disabled = true;
    try {
      const res = await fetch('/api/devices/enroll', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ code: input.value.trim() }),
        credentials: 'same-origin',
        cache: 'no-store',
      });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (res.ok) {
        msg.className = 'screen-sub';
        msg.textContent = 'Tablet enrolada como «' + (data && data.device ? data.device : '') + '». Abriendo la aplicación…';
        window.location.href = '/app/';
        return;
      }
      msg.textContent = data && data.message ? data.message : 'Error ' + res.status + '. Contacta al supervisor.';
    } catch (e) {
      msg.textContent = 'Sin conexión con el servidor. Revisa el Wi-Fi e intenta nuevamente.';
    }
    button.disabled = false;
    input.select();
  });
})();
