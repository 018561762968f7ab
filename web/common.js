/*
 * ZEUES-C browser UI: helpers shared by index.html, dashboard.html, spool.html and
 * registro.html. Classic script (no module) that exposes window.ZC: DOM builder, JSON fetch
 * with the server's error body, the SSE connection + header badge, Chile wall-clock time, PD
 * (pulgadas-diámetro) figures and union types, the barcode-scanner keyboard listener and the
 * camera scan modal. Server text is only ever put in the page through textContent / text nodes.
 */
(function () {
  'use strict';

  const NET_MSG = 'Sin conexión con el servidor. Intenta de nuevo.';
  /* The plant's time zone comes from the server (config.js, from TIMEZONE). */
  const TZ = (window.ZEUES_CONFIG && window.ZEUES_CONFIG.timezone) || 'America/Santiago';

  /* ---------- DOM ---------- */

  /** el('button', {class, text, testid, onclick, ...attrs}, ...children): strings become text nodes. */
  function el(tag, props, ...kids) {
    const n = document.createElement(tag);
    if (props) {
      for (const k of Object.keys(props)) {
        const v = props[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') n.className = v;
        else if (k === 'text') n.textContent = String(v);
        else if (k === 'testid') n.setAttribute('data-testid', v);
        else if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v);
        else if (v === true) n.setAttribute(k, '');
        else n.setAttribute(k, String(v));
      }
    }
    for (const c of kids.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      n.append(c instanceof Node ? c : String(c));
    }
    return n;
  }

  /** Normalise for matching: lower case, no accents, trimmed. */
  function norm(s) {
    return String(s == null ? '' : s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
  }

  /* ---------- toast ---------- */

  let toastTimer = null;
  function toast(msg, kind) {
    let t = document.getElementById('toast');
    if (!t) {
      t = el('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite', testid: 'toast' });
      document.body.append(t);
    }
    t.textContent = msg;
    t.className = 'toast show' + (kind ? ' toast-' + kind : '');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = 'toast'; }, 4500);
  }

  /* ---------- HTTP ---------- */

  let clockSkew = 0; // server clock minus browser clock, ms (from the Date header)
  function noteDate(h) {
    const ms = h ? Date.parse(h) : NaN;
    if (!Number.isNaN(ms)) {
      const s = ms - Date.now();
      clockSkew = Math.abs(s) > 3000 ? s : 0; // header has 1 s resolution: ignore small noise
    }
  }

  function errorText(res, d) {
    if (d && typeof d === 'object') {
      if (typeof d.message === 'string' && d.message.trim()) return d.message;
      if (typeof d.detail === 'string' && d.detail.trim()) return d.detail;
      if (Array.isArray(d.detail)) {
        const m = d.detail.map((x) => (x && typeof x.msg === 'string' ? x.msg : '')).filter(Boolean).join('; ');
        if (m) return m;
      }
    }
    if (res.status === 503) return 'Servicio no disponible en este momento. Intenta de nuevo.';
    return 'Error ' + res.status + (res.statusText ? ': ' + res.statusText : '');
  }

  /**
   * api(path, {body, method, timeout}) → {ok, status, data, message, code, network}.
   * Never throws. `message` is the text to show the worker when !ok.
   */
  async function api(path, opts) {
    opts = opts || {};
    const hasBody = opts.body !== undefined;
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(() => ctrl.abort(), opts.timeout || (hasBody ? 30000 : 15000)) : null;
    const init = {
      method: opts.method || (hasBody ? 'POST' : 'GET'),
      headers: { Accept: 'application/json' },
      cache: 'no-store',
    };
    if (ctrl) init.signal = ctrl.signal;
    if (hasBody) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    let res, text;
    try {
      res = await fetch(path, init);
      text = await res.text();
    } catch (e) {
      clearTimeout(timer);
      return { ok: false, status: res ? res.status : 0, data: null, message: NET_MSG, code: 'NETWORK', network: true };
    }
    clearTimeout(timer);
    noteDate(res.headers.get('Date'));
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (res.status === 401 && data && data.error === 'PIN_REQUIRED' && !opts.noPin &&
        data.data && data.data.worker_id) {
      /* --auth devices+pin: this worker has not typed their PIN on this tablet yet (or it
       * expired). Ask for it, then send the same request once more. */
      if (await askPin(data.data.worker_id, data.data.worker_nombre)) {
        return api(path, Object.assign({}, opts, { noPin: true }));
      }
    }
    if (res.status === 401 && data && data.error === 'UNAUTHORIZED' && !/\/app\/enroll/.test(location.pathname)) {
      /* --auth devices: this tablet is not (or no longer) enrolled. */
      location.href = '/app/enroll';
    }
    if (res.ok) {
      if (text && data === null) {
        return { ok: false, status: res.status, data: null, message: 'Respuesta inválida del servidor.', code: 'BAD_RESPONSE', network: false };
      }
      return { ok: true, status: res.status, data, message: '', code: null, network: false };
    }
    return {
      ok: false, status: res.status, data,
      message: errorText(res, data),
      code: data && typeof data.error === 'string' ? data.error : null,
      network: false,
    };
  }

  function errorBox(message, onRetry, retryLabel) {
    return el('div', { class: 'error-box', role: 'alert' },
      el('p', { class: 'error-text', testid: 'error-message' }, message),
      onRetry ? el('button', { type: 'button', class: 'btn btn-primary', testid: 'retry', onclick: onRetry }, retryLabel || 'Reintentar') : null);
  }

  function loading(text) {
    return el('p', { class: 'loading', role: 'status', testid: 'loading' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), text || 'Cargando…');
  }

  /* ---------- SSE ---------- */

  function setBadge(on) {
    for (const b of document.querySelectorAll('[data-testid="sse-badge"]')) {
      b.textContent = on ? 'CONECTADO' : 'DESCONECTADO';
      b.classList.toggle('on', on);
      b.classList.toggle('off', !on);
      b.title = on ? 'Actualización en vivo activa' : 'Sin actualización en vivo: reconectando…';
    }
  }

  /** Accept both the original's keys and ours: type/event_type, worker/worker_nombre. */
  function normalizeEvent(d) {
    if (!d || typeof d !== 'object') return null;
    return {
      type: String(d.type || d.event_type || ''),
      tag: typeof d.tag_spool === 'string' ? d.tag_spool : '',
      worker: d.worker_nombre || d.worker || null,
      estado: d.estado_detalle == null ? null : String(d.estado_detalle),
      operacion: d.operacion || null,
      timestamp: d.timestamp || null,
      raw: d,
    };
  }

  /**
   * Opens /api/sse/stream and keeps it open. onEvent(ev) per `spool_update`;
   * onStatus(connected, reconnected) on open / error. The browser reconnects by itself after
   * a dropped stream; after an HTTP error (stream CLOSED) we retry with backoff 1..30 s.
   */
  function connectSSE(onEvent, onStatus) {
    let es = null, retry = 0, timer = null, everOpen = false;
    setBadge(false);
    if (typeof EventSource !== 'function') return;
    function open() {
      clearTimeout(timer);
      timer = null;
      if (es) { try { es.close(); } catch (e) { /* ignore */ } }
      try {
        es = new EventSource('/api/sse/stream');
      } catch (e) {
        schedule();
        return;
      }
      es.onopen = () => {
        retry = 0;
        setBadge(true);
        if (onStatus) onStatus(true, everOpen);
        everOpen = true;
      };
      es.onerror = () => {
        setBadge(false);
        if (onStatus) onStatus(false, false);
        if (es.readyState === 2) schedule();
      };
      es.addEventListener('spool_update', (m) => {
        let d = null;
        try { d = JSON.parse(m.data); } catch (e) { return; }
        const ev = normalizeEvent(d);
        if (ev) onEvent(ev);
      });
    }
    function schedule() {
      if (timer) return;
      const delay = Math.min(30000, 1000 * Math.pow(2, Math.min(retry, 5)));
      retry++;
      timer = setTimeout(open, delay);
    }
    function wake() {
      if (!es || es.readyState === 2) { retry = 0; open(); }
    }
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') wake(); });
    window.addEventListener('online', wake);
    window.addEventListener('pagehide', () => { if (es) es.close(); });
    open();
  }

  /* ---------- time (Chile wall clock) ---------- */

  let wallFmt = null;
  try {
    wallFmt = new Intl.DateTimeFormat('en-US', {
      timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  } catch (e) { wallFmt = null; }

  /** Wall-clock time in Chile of an instant, as a "naive" ms value (fields read as UTC). */
  function wallMs(date) {
    if (!wallFmt) return date.getTime() - date.getTimezoneOffset() * 60000;
    const p = {};
    for (const x of wallFmt.formatToParts(date)) p[x.type] = x.value;
    return Date.UTC(+p.year, +p.month - 1, +p.day, (+p.hour) % 24, +p.minute, +p.second);
  }

  function chileNowWall() { return wallMs(new Date(Date.now() + clockSkew)); }

  /**
   * Parses the server's wall-time strings without new Date(string): `DD-MM-YYYY HH:MM:SS`,
   * `DD-MM-YYYY`, `DD/MM/YYYY`, `YYYY-MM-DD[ HH:MM[:SS]]`; ISO with an offset/Z is converted to
   * Chile wall time. Returns naive ms (fields as UTC) or NaN.
   */
  function parseWall(s) {
    if (typeof s !== 'string') return NaN;
    s = s.trim();
    let m = /^(\d{1,2})[-/](\d{1,2})[-/](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
    if (m) return Date.UTC(+m[3], +m[2] - 1, +m[1], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
    m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
    if (!m) return NaN;
    if (m[7]) {
      const ms = Date.parse(s.replace(' ', 'T'));
      return Number.isNaN(ms) ? NaN : wallMs(new Date(ms));
    }
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
  }

  function hasTime(s) { return typeof s === 'string' && /\d{1,2}:\d{2}/.test(s); }

  const p2 = (n) => String(n).padStart(2, '0');
  /** Naive ms → `DD-MM-YYYY HH:MM` (or date only). */
  function fmtWall(ms, dateOnly) {
    if (Number.isNaN(ms)) return '';
    const d = new Date(ms);
    const day = p2(d.getUTCDate()) + '-' + p2(d.getUTCMonth() + 1) + '-' + d.getUTCFullYear();
    return dateOnly ? day : day + ' ' + p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes());
  }

  /** 2h 15m · 45m · 1d 3h 5m */
  function fmtDuration(ms) {
    if (!(ms >= 0)) ms = 0;
    const mins = Math.floor(ms / 60000);
    const d = Math.floor(mins / 1440), h = Math.floor((mins % 1440) / 60), m = mins % 60;
    if (d > 0) return d + 'd ' + h + 'h ' + m + 'm';
    if (h > 0) return h + 'h ' + m + 'm';
    return m + 'm';
  }

  /** Today in the plant's zone as `DD-MM-YYYY` (the server's date format). */
  function todayDMY() { return fmtWall(chileNowWall(), true); }

  /* ---------- PD (pulgadas-diámetro) and unions ---------- */

  let pdFmt = null;
  try { pdFmt = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 2 }); } catch (e) { pdFmt = null; }
  /** 7.5 → "7,5"; 12 → "12"; not a number → "—". */
  function fmtPD(n) {
    const x = Number(n);
    if (n === null || n === undefined || n === '' || !Number.isFinite(x)) return '—';
    return pdFmt ? pdFmt.format(x) : String(Math.round(x * 100) / 100);
  }
  /** Σ of DN values without float drift (in hundredths), as a number. */
  function sumPD(values) {
    let c = 0;
    for (const v of values) { const x = Number(v); if (Number.isFinite(x)) c += Math.round(x * 100); }
    return c / 100;
  }

  /* Union types that need SOLD; every other code (FW, MIT, SW, TW, …) is ARM-only. */
  const SOLD_TYPES = new Set(['BW', 'BR', 'SO', 'FILL', 'LET']);
  function needsSold(tipo) { return typeof tipo === 'string' && SOLD_TYPES.has(tipo); }

  /** 1 when a spool object (list, detail, status) is tracked by unions (Total_Uniones ≥ 1). */
  function hasUnions(s) { return !!s && Number(s.total_uniones) > 0; }

  /**
   * PD chips of a spool with unions: "ARM 3/8 · 7,5 PD" and "SOLD 0/8 · 0 PD" (done/total
   * unions and the spool's pulgadas-diámetro per operation); [] for a spool without unions.
   */
  function pdChips(s) {
    if (!hasUnions(s)) return [];
    const t = Number(s.total_uniones);
    const chip = (op, done, pd) => el('span', {
      class: 'chip chip-pd chip-' + op.toLowerCase(), testid: 'pd-' + op.toLowerCase(),
      title: 'Uniones ' + op + ' hechas de ' + t + ' y sus pulgadas-diámetro',
    }, op + ' ' + (Number(done) || 0) + '/' + t + ' · ' + fmtPD(pd || 0) + ' PD');
    return [chip('ARM', s.uniones_arm_completadas, s.pulgadas_arm), chip('SOLD', s.uniones_sold_completadas, s.pulgadas_sold)];
  }

  /* ---------- barcode scanner (keyboard wedge) ---------- */

  /**
   * Scanners type the code then Enter, fast. Characters typed outside form fields are buffered
   * (reset after 1 s of silence); Enter delivers the buffer, or the TAG field's value when the
   * keys went into it. opts: active() → bool, tagInput() → element|null, onScan(code).
   */
  function attachScanner(opts) {
    let buf = '', last = 0;
    document.addEventListener('keydown', (e) => {
      if (!opts.active() || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      if (document.querySelector('dialog[open]')) return;
      const t = e.target;
      const tagInput = opts.tagInput ? opts.tagInput() : null;
      const inField = t && t !== document.body &&
        (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (inField && t !== tagInput) { buf = ''; return; }
      const now = Date.now();
      if (now - last > 1000) buf = '';
      last = now;
      if (e.key === 'Enter') {
        const code = (t === tagInput ? tagInput.value : buf).trim();
        buf = '';
        if (code) {
          e.preventDefault();
          e.stopPropagation();
          opts.onScan(code, t === tagInput ? 'input' : 'keys');
        }
        return;
      }
      if (t === tagInput) return; // the field keeps its own text
      if (e.key.length === 1) {
        buf += e.key;
        if (t && /^(BUTTON|A|SUMMARY)$/.test(t.tagName)) e.preventDefault(); // no click on space
      }
    }, true);
  }

  /* ---------- worker PIN (--auth devices+pin) ---------- */

  /** Asks worker_id for their PIN in a modal and checks it with the server; resolves true once
   *  it was right, false when the worker closed the modal. The PIN goes only into the request
   *  body and is cleared from the field after each try. */
  function askPin(workerId, workerName) {
    return new Promise((resolve) => {
      const input = el('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '6',
        pattern: '[0-9]*', class: 'search-input', testid: 'pin-input', 'aria-label': 'PIN',
        style: 'font-size:2rem;letter-spacing:.3em;min-height:72px;width:100%' });
      const msg = el('p', { class: 'scan-msg', role: 'alert', testid: 'pin-message' },
        'Ingresa tu PIN de 4 a 6 dígitos.');
      const ok = el('button', { type: 'submit', class: 'btn btn-primary btn-huge', testid: 'pin-submit' }, 'CONFIRMAR');
      const cancel = el('button', { type: 'button', class: 'btn btn-secondary', testid: 'pin-cancel' }, 'Cancelar');
      const form = el('form', { autocomplete: 'off' }, input, el('p', null, ok, ' ', cancel));
      const dlg = el('dialog', { class: 'scan-dialog', 'aria-label': 'PIN del trabajador', testid: 'pin-dialog' },
        el('h2', null, 'PIN de ' + (workerName || ('trabajador ' + workerId))), msg, form);
      document.body.append(dlg);
      let done = false;
      function finish(v) {
        if (done) return;
        done = true;
        try { dlg.close(); } catch (e) { /* ignore */ }
        dlg.remove();
        resolve(v);
      }
      cancel.addEventListener('click', () => finish(false));
      dlg.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const pin = input.value;
        input.value = '';
        ok.disabled = true;
        const r = await api('/api/workers/pin/verify', { body: { worker_id: workerId, pin: pin }, noPin: true });
        ok.disabled = false;
        if (r.ok) { finish(true); return; }
        msg.textContent = r.message;
        msg.classList.add('error-text');
        input.focus();
      });
      if (typeof dlg.showModal === 'function') dlg.showModal(); else dlg.setAttribute('open', '');
      input.focus();
    });
  }

  /* ---------- camera scan ---------- */

  function canCameraScan() {
    return 'BarcodeDetector' in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  /** Opens the camera in a modal; resolves with the first detected code, or null if closed. */
  function cameraScan() {
    return new Promise((resolve) => {
      const video = el('video', { class: 'scan-video', playsinline: true, autoplay: true, 'aria-hidden': 'true' });
      video.muted = true;
      const msg = el('p', { class: 'scan-msg', role: 'status' }, 'Apunta la cámara al código del spool…');
      const close = el('button', { type: 'button', class: 'btn btn-secondary', testid: 'scan-close' }, 'Cerrar');
      const dlg = el('dialog', { class: 'scan-dialog', 'aria-label': 'Escanear código con la cámara', testid: 'scan-dialog' },
        el('h2', null, 'Escanear código'), video, msg, close);
      document.body.append(dlg);
      let stream = null, done = false, timer = null;
      function finish(code) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (stream) stream.getTracks().forEach((tr) => tr.stop());
        try { dlg.close(); } catch (e) { /* ignore */ }
        dlg.remove();
        resolve(code);
      }
      close.addEventListener('click', () => finish(null));
      dlg.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
      if (typeof dlg.showModal === 'function') dlg.showModal(); else dlg.setAttribute('open', '');
      (async () => {
        try {
          const det = new window.BarcodeDetector();
          stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
          if (done) { stream.getTracks().forEach((tr) => tr.stop()); return; }
          video.srcObject = stream;
          await video.play();
          const tick = async () => {
            if (done) return;
            try {
              const codes = await det.detect(video);
              const c = codes.find((x) => x && x.rawValue && x.rawValue.trim());
              if (c) { finish(c.rawValue.trim()); return; }
            } catch (e) { /* frame not ready */ }
            timer = setTimeout(tick, 200);
          };
          tick();
        } catch (e) {
          msg.textContent = e && e.name === 'NotAllowedError'
            ? 'Permiso de cámara denegado. Actívalo en el navegador o usa el lector.'
            : 'No se pudo abrir la cámara en este equipo.';
          msg.classList.add('error-text');
        }
      })();
    });
  }

  window.ZC = {
    NET_MSG, el, norm, toast, api, errorBox, loading, setBadge, connectSSE, normalizeEvent,
    parseWall, hasTime, chileNowWall, fmtWall, fmtDuration, todayDMY, fmtPD, sumPD, needsSold, hasUnions, pdChips,
    attachScanner, canCameraScan, cameraScan, askPin,
  };
})();
