// Drives the plant's current tablet app (v5.1, the original zeues-frontend built by
// scripts/v5-app.sh) against a ZEUES-C server, flow by flow, in Debian's Chromium.
//
//   node tests/compat/v5_app_flows.mjs --frontend /path/to/zeues-frontend [options]
//
// It generates the plant (make_v5_plant.py), imports it into a fresh SQLite file, starts its
// own redis-server and `zeues serve` (ALLOWED_ORIGINS = the app's origin), builds the app for
// that API port if needed and serves it on :3000, then runs the flows of the home page, the
// dashboard and Mi Registro the way an operator does (frontend-client-v5.md §3-§5).
//
// A flow fails on any console error or page error (only a favicon.ico 404 is ignored), on any
// failed API request the app makes, or when the screen does not reach the expected state; the
// report names the requests that failed (method, path, status, body). Each step leaves a
// screenshot in OUT/shots/. Per flow it prints the wall time and, where the original's audit
// published one, the comparable measurement next to the original's time and its tenth.
//
// Options (environment in brackets):
//   --frontend DIR    the original zeues-frontend checkout [V5_FRONTEND]
//   --out DIR         screenshots, logs, results.json [build/v5-app-flows]
//   --zeues BIN       the server binary [ZEUES_BIN, build/zeues]
//   --api-port N      API port; the app bundle is built for it (default 18999 when free, so
//                     the build is reused between runs)
//   --app-port N      the app's port (default 3000; the origin is http://localhost:N)
//   --chromium PATH   browser [ZEUES_CHROMIUM; chromium-headless-shell, else /usr/bin/chromium]
//   --only LIST       comma-separated flow numbers or names
//   --strict-budget   also fail when a measured flow takes more than a tenth of the original
//   --repeat N        run the read-only measured flows (home-200, search, estado-filter) N
//                     times in all and report min / median / max of their measurement
//   --headed          show the browser (needs a display)
//   --original-specs  instead of these flows, run the original's own perf suite
//                     (FRONTEND/e2e/perf-flow-*.spec.ts, its @playwright/test) against the same
//                     set-up: a generated config points it at this browser, the plant's 200
//                     TAGs are written as its fixture, and the tracked list is emptied before
//                     each spec file (they assume an empty list); artefacts go to
//                     OUT/original-specs/
// Exit code: 0 when every flow passed, 1 otherwise, 2 when the set-up itself failed.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

/* ------------------------------------------------------------------------------------------ */
/* options                                                                                     */
/* ------------------------------------------------------------------------------------------ */

function parseArgs(argv) {
  const o = {
    frontend: process.env.V5_FRONTEND || '',
    out: path.join(REPO, 'build', 'v5-app-flows'),
    zeues: process.env.ZEUES_BIN || path.join(REPO, 'build', 'zeues'),
    apiPort: 0,
    appPort: 3000,
    chromium: process.env.ZEUES_CHROMIUM || '',
    only: null,
    strictBudget: false,
    headed: false,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--frontend') o.frontend = val();
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--zeues') o.zeues = path.resolve(val());
    else if (a === '--api-port') o.apiPort = Number(val());
    else if (a === '--app-port') o.appPort = Number(val());
    else if (a === '--chromium') o.chromium = val();
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--strict-budget') o.strictBudget = true;
    else if (a === '--headed') o.headed = true;
    else if (a === '--original-specs') o.originalSpecs = true;
    else if (a === '--repeat') o.repeat = Math.max(1, Number(val()) || 1);
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown option ${a}`);
  }
  if (!o.frontend) usage('--frontend (or V5_FRONTEND) is required');
  o.frontend = path.resolve(o.frontend);
  if (!o.chromium) {
    o.chromium = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell',
      '/usr/bin/chromium'].find((p) => fs.existsSync(p)) || '/usr/bin/chromium';
  }
  return o;
}

function usage(msg) {
  if (msg) console.error(`v5_app_flows: ${msg}`);
  console.error('usage: node tests/compat/v5_app_flows.mjs --frontend DIR [--out DIR] [--zeues BIN] ' +
    '[--api-port N] [--app-port N] [--chromium PATH] [--only LIST] [--strict-budget] [--headed] [--original-specs]');
  process.exit(2);
}

const opt = parseArgs(process.argv);
const APP_ORIGIN = `http://localhost:${opt.appPort}`;
const SHOTS = path.join(opt.out, 'shots');
const VIEWPORT = { width: 768, height: 1024 }; // the tablet viewport of the original's suite
const GRACE_MS = 1500;       // after a failed request, how long the screen may still settle
const STEP_TIMEOUT = 15000;  // default wait for one screen state

/* The original's published times (docs/audits/T-136-perf-baseline-2026-04-29.md, table
 * "Tabla baseline"), in ms, keyed by the measurement each flow reports. */
const ORIGINAL = {
  home_200_cards: { ms: 2578, what: 'flow 01 network_idle' },
  search_max_keystroke: { ms: 99, what: 'flow 02 max_keystroke' },
  estado_filter_click: { ms: 140, what: 'flow 03 click_to_filter' },
  add_click_to_card: { ms: 922, what: 'flow 04 click_to_card_visible' },
  assign_click_to_chain_complete: { ms: 3167, what: 'flow 05 click_to_chain_complete' },
  uniones_click_to_grid: { ms: 100, what: 'flow 07 click_to_grid_loaded' },
  metrologia_click_to_modal: { ms: 76, what: 'flow 08 click_to_modal_loaded' },
};

/* ------------------------------------------------------------------------------------------ */
/* children and clean-up                                                                       */
/* ------------------------------------------------------------------------------------------ */

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zeues-v5app-'));
const children = [];
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p)) || null;

/** Spawns a child in its own process group (killed as a group), dying with us if SIGKILLed. */
function spawnChild(cmd, args, opts = {}) {
  const [c, a] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
  const p = spawn(c, a, Object.assign({ stdio: ['ignore', 'pipe', 'pipe'], detached: true }, opts));
  p.exited = new Promise((res) => p.on('exit', (code, sig) => res({ code, sig })));
  p.on('error', () => {});
  children.push(p);
  return p;
}

function killGroup(p, sig) {
  if (p.exitCode !== null || p.signalCode !== null) return;
  try { process.kill(-p.pid, sig); } catch (e) { try { p.kill(sig); } catch (e2) { /* gone */ } }
}

let browser = null;
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (browser) { try { await Promise.race([browser.close(), sleep(5000)]); } catch (e) { /* gone */ } }
  for (const p of children) killGroup(p, 'SIGTERM');
  await Promise.race([Promise.all(children.map((p) => p.exited)), sleep(5000)]);
  for (const p of children) killGroup(p, 'SIGKILL');
  try { fs.rmSync(tmp, { recursive: true, force: true }); } catch (e) { /* ignore */ }
}
process.on('exit', () => { for (const p of children) killGroup(p, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { console.log(`interrupted by ${sig}`); cleanup().finally(() => process.exit(1)); });
}

function capture(p, name) {
  const log = fs.createWriteStream(path.join(opt.out, name + '.log'));
  p.tail = '';
  const keep = (d) => { log.write(d); p.tail = (p.tail + d.toString()).slice(-4000); };
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/* ------------------------------------------------------------------------------------------ */
/* services: plant, redis, zeues, the app                                                      */
/* ------------------------------------------------------------------------------------------ */

function makePlant() {
  const dir = path.join(tmp, 'plant');
  execFileSync('python3', [path.join(HERE, 'make_v5_plant.py'), '--out', dir], { stdio: 'pipe' });
  fs.cpSync(dir, path.join(opt.out, 'plant'), { recursive: true });
  return { dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) };
}

function importPlant(dir) {
  const db = path.join(tmp, 'zeues.db');
  const out = execFileSync(opt.zeues, ['import', '--db', db, '--dir', dir], { stdio: 'pipe' }).toString();
  return { db, out };
}

async function startRedis() {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const p = spawnChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no'], { cwd: tmp });
    capture(p, 'redis');
    for (let i = 0; i < 100 && p.exitCode === null; i++) {
      if (await tcpOpen(port)) { await sleep(200); if (p.exitCode === null) return port; break; }
      await sleep(50);
    }
    killGroup(p, 'SIGKILL');
  }
  throw new Error('redis-server did not start');
}

async function startZeues(db, redisPort, port) {
  const env = Object.assign({}, process.env, { ALLOWED_ORIGINS: APP_ORIGIN });
  const p = spawnChild(opt.zeues, ['serve', '--port', String(port), '--bind', '127.0.0.1', '--db', db,
    '--redis-url', `redis://127.0.0.1:${redisPort}`, '--allowed-origins', APP_ORIGIN], { cwd: tmp, env });
  capture(p, 'zeues');
  for (let i = 0; i < 200; i++) {
    if (p.exitCode !== null) throw new Error(`zeues serve exited ${p.exitCode}:\n${p.tail}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (r.status < 500) return p;
    } catch (e) { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`zeues serve did not answer /api/health within 20 s:\n${p.tail}`);
}

async function startApp(apiPort) {
  if (!(await portFree(opt.appPort))) {
    throw new Error(`port ${opt.appPort} is taken: stop whatever serves it (the app must be ` +
      `built for API port ${apiPort} and answer on ${APP_ORIGIN})`);
  }
  const env = Object.assign({}, process.env, { APP_PORT: String(opt.appPort) });
  const p = spawnChild('bash', [path.join(REPO, 'scripts', 'v5-app.sh'), opt.frontend, String(apiPort)], { env });
  capture(p, 'app');
  const t0 = Date.now();
  for (;;) {
    if (p.exitCode !== null) throw new Error(`scripts/v5-app.sh exited ${p.exitCode}:\n${p.tail}`);
    try {
      const r = await fetch(`http://127.0.0.1:${opt.appPort}/`);
      if (r.status === 200) return { proc: p, ms: Date.now() - t0 };
    } catch (e) { /* building or starting */ }
    if (Date.now() - t0 > 900000) throw new Error(`the app did not come up within 15 min:\n${p.tail}`);
    await sleep(250);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* a flow: its requests, console, failures, steps, screenshots, timings                         */
/* ------------------------------------------------------------------------------------------ */

let API = '';  // http://127.0.0.1:<port>
const apiPath = (url) => url.startsWith(API) ? url.slice(API.length) : url;
const clip = (s, n = 300) => { s = String(s ?? '').replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n) + '…' : s; };

class Flow {
  constructor(def, index) {
    this.def = def;
    this.index = index;
    this.name = def.name;
    this.api = [];          // {method, path, status, ms, error?, body?}
    this.failures = [];     // human-readable strings, in order
    this.failCount = 0;
    this.console = [];      // every console error/warning text
    this.steps = [];        // {name, ms, ok}
    this.timings = {};      // name -> ms
    this.measure = null;    // {key, ms} compared with ORIGINAL
    this.notes = [];
    this.pending = [];
    this.waiters = new Set();
    this.status = 'PASS';
    this.error = null;
    this.shotN = 0;
    this.recording = true;
  }
  /** kind: 'request' (an API call of the app), 'setup' (the driver's own API call), 'console',
   *  'page'; `echo` marks a console line that only repeats a failed request. */
  fail(text, kind = 'console', echo = false) {
    if (!this.recording) return;
    this.failures.push({ text, kind, echo, step: this.stepName || '-' });
    this.failCount++;
    for (const w of this.waiters) w();
  }
  time(key, ms) { this.timings[key] = ms; return ms; }
  /** The flow's key measurement (compared with the original), with how much of that window
   *  had at least one API request in flight: the server's share, the rest is the browser. */
  measured(key, ms) {
    const end = Date.now();
    const start = end - ms;
    const spans = this.api.filter((r) => r.t1 > start && r.t0 < end)
      .map((r) => [Math.max(r.t0, start), Math.min(r.t1, end)]).sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let cur = null;
    for (const [a, b] of spans) {
      if (!cur || a > cur[1]) { if (cur) busy += cur[1] - cur[0]; cur = [a, b]; } else cur[1] = Math.max(cur[1], b);
    }
    if (cur) busy += cur[1] - cur[0];
    this.measure = { key, ms, api_busy_ms: busy, api_calls: spans.length };
    this.time(key, ms);
  }
  get dir() { return path.join(SHOTS, `${String(this.index).padStart(2, '0')}-${this.name}`); }
  async shot(page, label) {
    if (!page || page.isClosed()) return;
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${String(++this.shotN).padStart(2, '0')}-${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
    await page.screenshot({ path: file, fullPage: false, timeout: 5000 }).catch(() => {});
  }
  /** Resolves when a failure is (or already was) recorded after `mark`. */
  failedSince(mark) {
    let cancel = () => {};
    const p = new Promise((resolve) => {
      if (this.failCount > mark) { resolve(); return; }
      const w = () => { if (this.failCount > mark) { this.waiters.delete(w); resolve(); } };
      this.waiters.add(w);
      cancel = () => this.waiters.delete(w);
    });
    return { p, cancel };
  }
}

function isApi(url) { return API && url.startsWith(API + '/api/'); }
function isFavicon(text, url) { return /favicon\.ico/.test(url || '') || /favicon\.ico/.test(text || ''); }

function attach(page, flow) {
  const starts = new Map();
  page.on('request', (req) => { if (isApi(req.url())) starts.set(req, Date.now()); });
  page.on('requestfinished', (req) => {
    if (!isApi(req.url())) return;
    const t1 = Date.now();
    const t0 = starts.get(req) ?? t1;
    const job = (async () => {
      const res = await req.response().catch(() => null);
      const rec = { method: req.method(), path: apiPath(req.url()), status: res ? res.status() : null,
        ms: t1 - t0, t0, t1, type: req.resourceType() };
      flow.api.push(rec);
      if (res && res.status() >= 400) {
        rec.body = clip(await res.text().catch(() => ''), 500);
        flow.fail(`${rec.method} ${rec.path} -> ${rec.status} ${rec.body}`, 'request');
      }
    })();
    flow.pending.push(job);
  });
  page.on('requestfailed', (req) => {
    if (!isApi(req.url())) return;
    const t1 = Date.now();
    const t0 = starts.get(req) ?? t1;
    const rec = { method: req.method(), path: apiPath(req.url()), status: null, ms: t1 - t0, t0, t1,
      error: req.failure()?.errorText || 'failed', type: req.resourceType() };
    flow.api.push(rec);
    // A beacon cut short by the page closing is not the app's failure.
    if (rec.error === 'net::ERR_ABORTED' && !flow.recording) return;
    flow.fail(`${rec.method} ${rec.path} -> request failed (${rec.error}; a CORS refusal looks like this)`, 'request');
  });
  page.on('console', (m) => {
    const t = m.type();
    if (t !== 'error' && t !== 'warning') return;
    const url = m.location()?.url || '';
    const text = `console.${t}: ${clip(m.text(), 400)}${url ? ` (${apiPath(url)})` : ''}`;
    flow.console.push(text);
    if (t !== 'error' || isFavicon(m.text(), url)) return;
    // Chromium's own line for a failed request repeats what the request record says.
    const echo = /^Failed to load resource/.test(m.text()) && isApi(url);
    flow.fail(`console.error: ${clip(m.text().replace(/\s+at \S+ \(https?:\/\/.*$/s, ''), 300)}`, 'console', echo);
  });
  page.on('pageerror', (e) => flow.fail(`pageerror: ${clip(e.message, 400)}`, 'page'));
  page.on('dialog', (d) => { flow.notes.push(`dialog ${d.type()}: ${clip(d.message(), 200)} -> accepted`); d.accept().catch(() => {}); });
}

/** Runs one named step of a flow; a screenshot follows it (also when it fails). */
async function step(flow, page, name, fn) {
  const t0 = Date.now();
  flow.stepMark = flow.failCount;
  flow.stepName = name;
  try {
    const r = await fn();
    flow.steps.push({ name, ms: Date.now() - t0, ok: true });
    await flow.shot(page, name);
    return r;
  } catch (e) {
    flow.steps.push({ name, ms: Date.now() - t0, ok: false });
    await flow.shot(page, name + '-FAILED');
    throw new Error(`step "${name}": ${e.message.split('\n')[0]}`);
  }
}

/** Waits for `make(timeout)` to resolve, but gives up GRACE_MS after a failure is recorded in
 *  the current step: the screen will not get there, and the report says which request failed. */
async function wait(flow, desc, make, timeout = STEP_TIMEOUT) {
  const mark = flow.stepMark ?? flow.failCount;
  const { p: failed, cancel } = flow.failedSince(mark);
  const gaveUp = failed.then(() => sleep(GRACE_MS)).then(() => { throw new Error(`${desc}: not reached (a request or the console failed, below)`); });
  const target = make(timeout);
  target.catch(() => {});
  gaveUp.catch(() => {});
  try {
    return await Promise.race([target, gaveUp]);
  } catch (e) {
    throw new Error(/not reached/.test(e.message) ? e.message : `${desc}: ${e.message.split('\n')[0]}`);
  } finally { cancel(); }
}
const visible = (flow, loc, desc, timeout) => wait(flow, desc, (t) => loc.first().waitFor({ state: 'visible', timeout: t }), timeout);
const hidden = (flow, loc, desc, timeout) => wait(flow, desc, (t) => loc.first().waitFor({ state: 'hidden', timeout: t }), timeout);
const until = (flow, page, desc, fn, arg, timeout) =>
  wait(flow, desc, (t) => page.waitForFunction(fn, arg, { polling: 'raf', timeout: t }), timeout);

/* ---- selectors of the app (by role and accessible name, as an operator's screen reader) ---- */

const CARD_SEL = '[role="button"][aria-label^="Procesar spool "]';
const cardSel = (tag) => `[role="button"][aria-label="Procesar spool ${tag}"], [role="button"][aria-label^="Procesar spool ${tag} - "]`;
const card = (page, tag) => page.locator(cardSel(tag));
const dialog = (page, name) => page.getByRole('dialog', { name, exact: true });
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const toast = (page, text) => page.getByRole('alert').filter({ hasText: text });
const countCards = (page) => page.locator(CARD_SEL).count();
async function cardEstado(page, tag) {
  const label = await card(page, tag).first().getAttribute('aria-label');
  const m = / - (.+)$/.exec(label || '');
  return m ? m[1] : null;
}
const nCardsFn = ([sel, n]) => document.querySelectorAll(sel).length === n;
async function waitCards(flow, page, n, timeout = 30000) {
  await until(flow, page, `${n} card(s) on the home`, nCardsFn, [CARD_SEL, n], timeout);
}
/** Waits until the card's estado badge is `estado` (or one of a list); returns the one shown. */
async function waitCardEstado(flow, page, tag, estado, timeout = STEP_TIMEOUT) {
  const want = [].concat(estado);
  await until(flow, page, `card ${tag} showing "${want.join('" or "')}"`, ([sel, es]) => {
    const c = document.querySelector(sel);
    return !!c && es.some((e) => (c.getAttribute('aria-label') || '').endsWith(' - ' + e));
  }, [cardSel(tag), want], timeout);
  return cardEstado(page, tag);
}
/** After a pause the original derives LIBRE (domain-v4.md §6.1: PAUSADO is never produced);
 *  a server that shows PAUSADO still drives the app, so both pass and the note says which. */
async function waitPaused(flow, page, tag) {
  const shown = await waitCardEstado(flow, page, tag, ['Libre', 'Pausado']);
  if (shown === 'Pausado') flow.notes.push(`paused ${tag} shows "Pausado" (the original derives LIBRE)`);
}
async function waitCardText(flow, page, tag, text, timeout = STEP_TIMEOUT) {
  await until(flow, page, `card ${tag} showing "${text}"`, ([sel, t]) => {
    const c = document.querySelector(sel);
    return !!c && c.textContent.includes(t);
  }, [cardSel(tag), text], timeout);
}

/* ---- the server, from node (set-up and checks, not the app's requests) ---- */

async function api(method, p, body) {
  const r = await fetch(API + p, { method, headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: r.status, json, text };
}
async function apiOk(flow, method, p, body) {
  const r = await api(method, p, body);
  if (r.status >= 300) {
    const msg = `${method} ${p} -> ${r.status} ${clip(r.text, 400)}`;
    flow.fail(msg, 'setup');
    throw new Error(msg);
  }
  return r;
}
/** Makes the server's tracked list (the home's cards) exactly `tags`, through the API. A
 *  failure is recorded but does not stop the flow: the app's own requests then show what the
 *  screen needs. */
async function setList(flow, tags) {
  try {
    const r = await apiOk(flow, 'GET', '/api/supervisor/list');
    const have = (r.json?.items || []).map((i) => i.tag_spool);
    for (const t of have) if (!tags.includes(t)) await apiOk(flow, 'POST', '/api/supervisor/list/remove', { tag_spool: t, session_id: 'v5-flows-setup' });
    for (const t of tags) if (!have.includes(t)) await apiOk(flow, 'POST', '/api/supervisor/list/add', { tag_spool: t, session_id: 'v5-flows-setup' });
    return true;
  } catch (e) {
    flow.notes.push(`could not set the tracked list to ${tags.length} spool(s) through the API; the flow goes on`);
    return false;
  }
}
async function serverStatus(flow, tag) {
  return (await apiOk(flow, 'GET', `/api/spool/${tag}/status`)).json;
}
function check(cond, msg) { if (!cond) throw new Error(msg); }

/** Opens the home with the given tracked list and waits until its cards are shown. */
async function openHome(flow, page, tags) {
  await setList(flow, tags);
  await step(flow, page, 'open home', async () => {
    await page.goto(APP_ORIGIN + '/', { waitUntil: 'domcontentloaded' });
    if (tags.length === 0) await visible(flow, page.getByText('No hay spools en tu lista'), 'empty list text');
    else await waitCards(flow, page, tags.length);
  });
}

/* ------------------------------------------------------------------------------------------ */
/* the flows                                                                                   */
/* ------------------------------------------------------------------------------------------ */

let M = null;          // manifest of the plant
const done = {};       // flow name -> passed?
const lifecycle = {};  // which spool the chained flows are working on

const W = () => M.workers;
const R = () => M.roles;

/** Picks the chained spool if the previous flow of the chain left it in shape, else a seeded
 *  spool in the same state (so one failure does not hide the next flows' results). */
function chainSpool(flow, prev, fallbackState) {
  if (prev && done[prev] && lifecycle.tag) return lifecycle.tag;
  const tag = M.by_state[fallbackState][0];
  flow.notes.push(`uses seeded ${fallbackState} spool ${tag}${prev ? ` (flow ${prev} did not pass)` : ''}`);
  return tag;
}

/** Selects unions in an open UnionesModal: `n` = number, or 'all'. Returns how many. */
async function selectUnions(flow, page, dlg, n) {
  await visible(flow, dlg.getByRole('combobox', { name: /^DN union \d+$/ }), 'union rows');
  const selectable = dlg.locator('button[aria-label^="Seleccionar union "]');
  const k = await selectable.count();
  check(k > 0, 'no selectable union in the modal');
  if (n === 'all' && k >= 2) {
    await button(dlg, 'Seleccionar todas las uniones disponibles').click();
    return k;
  }
  const want = n === 'all' ? k : Math.min(n, k);
  for (let i = 0; i < want; i++) await selectable.first().click();
  return want;
}
const finalizarLabel = (n) => `FINALIZAR ${n} ${n === 1 ? 'UNIÓN' : 'UNIONES'}`;

const FLOWS = [
  {
    name: 'empty-list',
    about: 'home with an empty tracked list',
    run: async (flow, page) => {
      await openHome(flow, page, []);
      check(await countCards(page) === 0, 'cards shown on an empty list');
    },
  },
  {
    name: 'add-spool',
    about: 'AddSpoolModal: list of spools to add, search by TAG, add one (original flow 04)',
    run: async (flow, page) => {
      const tag = R().add_one;
      await openHome(flow, page, []);
      await step(flow, page, 'open AddSpoolModal', async () => {
        const t0 = Date.now();
        await button(page, 'Añadir spool al listado').click();
        await visible(flow, page.getByText(/\d+ SPOOLS DISPONIBLES/), '"N SPOOLS DISPONIBLES"');
        flow.time('modal_open_to_list_loaded', Date.now() - t0);
        const txt = await page.getByText(/\d+ SPOOLS DISPONIBLES/).first().textContent();
        const free = M.tags.filter((t) => !M.spools[t].occupant).length;
        flow.notes.push(`modal says "${txt.trim()}" (plant: ${free} spools not occupied)`);
        check(Number(/\d+/.exec(txt)[0]) === free, `expected ${free} SPOOLS DISPONIBLES`);
      });
      await step(flow, page, 'search by TAG', async () => {
        const t0 = Date.now();
        await page.getByPlaceholder('Ej: MK-1923').fill(tag);
        await visible(flow, button(page, `Seleccionar spool ${tag}`), `row of ${tag}`);
        flow.time('search_to_rows_visible', Date.now() - t0);
      });
      await step(flow, page, 'add it and close', async () => {
        const t0 = Date.now();
        await button(page, `Seleccionar spool ${tag}`).click();
        await visible(flow, toast(page, `Spool ${tag} agregado`), 'toast "agregado"');
        await button(page, 'Cerrar modal de agregar spools').click();
        await waitCards(flow, page, 1);
        flow.measured('add_click_to_card', Date.now() - t0);
      });
      const list = await apiOk(flow, 'GET', '/api/supervisor/list');
      check((list.json.items || []).some((i) => i.tag_spool === tag), 'the server list does not have the added spool');
    },
  },
  {
    name: 'quitar-libre',
    about: 'remove a free spool from the list (X, Quitar)',
    run: async (flow, page) => {
      const tag = R().add_one;
      await openHome(flow, page, [tag]);
      await step(flow, page, 'quitar', async () => {
        await button(page, `Quitar spool ${tag} de la lista`).click();
        await button(page, `Confirmar quitar spool ${tag}`).click();
        await visible(flow, toast(page, 'Spool quitado'), 'toast "Spool quitado"');
        await visible(flow, page.getByText('No hay spools en tu lista'), 'empty list text');
      });
      const list = await apiOk(flow, 'GET', '/api/supervisor/list');
      check((list.json.items || []).length === 0, 'the server list is not empty after Quitar');
    },
  },
  {
    name: 'home-200-migration',
    about: 'first load with the 200 tags in the old localStorage list: legacy-snapshot, 200 list/add, hydration',
    run: async (flow, page) => {
      await setList(flow, []);
      const tags = M.tags;
      await page.context().addInitScript((data) => {
        if (sessionStorage.getItem('v5-flows-seeded')) return;
        sessionStorage.setItem('v5-flows-seeded', '1');
        localStorage.setItem('zeues_v5_spool_tags', JSON.stringify(data));
      }, tags.map((tag) => ({ tag, priority: null })));
      await step(flow, page, 'load and migrate', async () => {
        const t0 = Date.now();
        await page.goto(APP_ORIGIN + '/', { waitUntil: 'domcontentloaded' });
        await waitCards(flow, page, 200, 60000);
        flow.time('goto_to_200_cards_with_migration', Date.now() - t0);
      });
      await step(flow, page, 'migration finished', async () => {
        await until(flow, page, 'the old localStorage key removed', () => localStorage.getItem('zeues_v5_spool_tags') === null, null, 5000);
        const adds = flow.api.filter((r) => r.path === '/api/supervisor/list/add').length;
        const snaps = flow.api.filter((r) => r.path === '/api/supervisor/legacy-snapshot').length;
        flow.notes.push(`${snaps} legacy-snapshot, ${adds} list/add, ${flow.api.filter((r) => r.path === '/api/spools/batch-status').length} batch-status`);
        check(snaps === 1 && adds === 200, 'expected 1 legacy-snapshot and 200 list/add');
        const list = await apiOk(flow, 'GET', '/api/supervisor/list');
        check((list.json.items || []).length === 200, `server list has ${(list.json.items || []).length} items, not 200`);
      });
    },
  },
  {
    name: 'home-200',
    repeatable: true,
    about: 'home with 200 cards: supervisor list + 2 parallel batch-status of 100 (original flow 01)',
    run: async (flow, page) => {
      await setList(flow, M.tags);
      await step(flow, page, 'load 200 cards', async () => {
        const t0 = Date.now();
        await page.goto(APP_ORIGIN + '/', { waitUntil: 'domcontentloaded' });
        flow.time('domcontentloaded', Date.now() - t0);
        await waitCards(flow, page, 200, 60000);
        flow.measured('home_200_cards', Date.now() - t0);
        // Where the time goes: the page's own start-up before its first call, the calls, and
        // the rendering after the last answer.
        const calls = flow.api.filter((r) => r.t0 >= t0);
        if (calls.length) {
          flow.time('boot_to_first_call', Math.min(...calls.map((r) => r.t0)) - t0);
          flow.time('first_call_to_last_answer', Math.max(...calls.map((r) => r.t1)) - Math.min(...calls.map((r) => r.t0)));
          flow.time('last_answer_to_200_cards', t0 + flow.measure.ms - Math.max(...calls.map((r) => r.t1)));
        }
      });
      const calls = flow.api.map((r) => `${r.method} ${r.path.split('?')[0]}`);
      flow.notes.push(`API calls: ${[...new Set(calls)].map((c) => `${calls.filter((x) => x === c).length}× ${c}`).join(', ')}`);
      check(flow.api.filter((r) => r.path === '/api/spools/batch-status').length === 2, 'expected 2 batch-status calls');
    },
  },
  {
    name: 'search',
    repeatable: true,
    about: 'type 0, 0, 1 in the search box: client-side filter, no API call (original flow 02)',
    run: async (flow, page) => {
      await openHome(flow, page, M.tags);
      const before = flow.api.length;
      const input = page.getByPlaceholder('Buscar por TAG (ej: MK-1923)');
      let max = 0;
      let typed = '';
      for (const ch of ['0', '0', '1']) {
        typed += ch;
        const want = M.tags.filter((t) => t.toLowerCase().includes(typed)).length;
        await step(flow, page, `type "${typed}"`, async () => {
          const t0 = Date.now();
          await input.press(ch);
          await until(flow, page, `${want} cards for "${typed}"`, nCardsFn, [CARD_SEL, want]);
          const ms = Date.now() - t0;
          flow.time(`keystroke_${typed}`, ms);
          max = Math.max(max, ms);
        });
      }
      flow.measured('search_max_keystroke', max);
      check(flow.api.length === before, `${flow.api.length - before} API calls while typing`);
      await step(flow, page, 'clear search', async () => {
        await button(page, 'Limpiar búsqueda').click();
        await waitCards(flow, page, 200);
      });
    },
  },
  {
    name: 'estado-filter',
    repeatable: true,
    about: 'estado chips (counts vs cards, the original derivation 110/64/20/6) and the worker filter (original flow 03)',
    run: async (flow, page) => {
      await openHome(flow, page, M.tags);
      const before = flow.api.length;
      const region = page.getByRole('region', { name: 'Filtros del listado' });
      await step(flow, page, 'open filters', async () => {
        await button(page, 'Mostrar filtros').click();
        await visible(flow, region, 'filter panel');
      });
      const expected = { Libre: 110, 'En Progreso': 64, 'Pend. Metrología': 20, Rechazado: 6,
        Pausado: 0, Completado: 0, Bloqueado: 0 };
      const seen = {};
      for (const label of ['Libre', 'En Progreso', 'Pausado', 'Completado', 'Rechazado', 'Pend. Metrología', 'Bloqueado']) {
        await step(flow, page, `chip ${label}`, async () => {
          const chip = region.getByRole('button', { name: new RegExp(`^\\d*\\s*${label.replace('.', '\\.')}$`) });
          const txt = (await chip.textContent()).trim();
          const n = Number((/^\d+/.exec(txt) || ['0'])[0]);
          seen[label] = n;
          const t0 = Date.now();
          await chip.click();
          if (n > 0) await until(flow, page, `${n} cards for ${label}`, nCardsFn, [CARD_SEL, n]);
          else await visible(flow, page.getByText(/^Sin spools/), `"Sin spools …" for ${label}`);
          const ms = Date.now() - t0;
          flow.time(`chip_${label}`, ms);
          if (label === 'Libre') flow.measured('estado_filter_click', ms);
          await chip.click();
          await waitCards(flow, page, 200);
        });
      }
      flow.notes.push(`chip counts ${JSON.stringify(seen)}`);
      // A server that derives PAUSADO (the original never does) moves spools from Libre to
      // Pausado; only that split may differ, and it is noted.
      const original = { ...expected };
      const moved = (seen.Pausado || 0) - expected.Pausado;
      if (moved > 0 && seen.Libre === expected.Libre - moved) {
        flow.notes.push(`${moved} spools show "Pausado" that the original derives LIBRE`);
        expected.Libre -= moved;
        expected.Pausado += moved;
      }
      const diff = Object.keys(expected).filter((k) => seen[k] !== expected[k]);
      await step(flow, page, 'worker filter', async () => {
        const sel = page.locator('#worker-filter');
        await visible(flow, sel, 'worker <select>');
        const opts = await sel.locator('option').allTextContents();
        check(opts.length > 1, 'no worker in the worker filter');
        const m = /^(.*) · (\d+) spools?$/.exec(opts[1].trim());
        check(m, `unexpected option text "${opts[1]}"`);
        await sel.selectOption({ index: 1 });
        await until(flow, page, `${m[2]} cards of ${m[1]}`, nCardsFn, [CARD_SEL, Number(m[2])]);
        await sel.selectOption({ index: 0 });
        await waitCards(flow, page, 200);
        flow.notes.push(`worker filter: ${opts.length - 1} workers, first "${opts[1].trim()}"`);
      });
      check(flow.api.length === before, `${flow.api.length - before} API calls while filtering`);
      check(diff.length === 0, `estado counts differ from the original's derivation: ${diff.map((k) => `${k} ${seen[k]} (original ${original[k]})`).join(', ')}`);
    },
  },
  {
    name: 'assign-one',
    about: 'card → ARMADO → WorkerModal → Manuel Marchetti → INICIAR ARM (original flow 05)',
    run: async (flow, page) => {
      const tag = R().assign_one;
      await openHome(flow, page, [tag]);
      let t0 = 0;
      await step(flow, page, 'card → OperationModal', async () => {
        t0 = Date.now();
        await card(page, tag).click();
        await visible(flow, button(dialog(page, 'Seleccionar operación'), 'ARMADO'), 'OperationModal');
        flow.time('click_to_operation_modal', Date.now() - t0);
      });
      await step(flow, page, 'ARMADO → WorkerModal', async () => {
        await button(dialog(page, 'Seleccionar operación'), 'ARMADO').click();
        await visible(flow, button(page, `Seleccionar ${W().armador_display}`), 'WorkerModal with Manuel Marchetti');
        flow.time('click_to_worker_modal', Date.now() - t0);
      });
      await step(flow, page, 'pick worker → INICIAR', async () => {
        await button(page, `Seleccionar ${W().armador_display}`).click();
        await hidden(flow, page.getByText('¿Quién va a armar?'), 'WorkerModal closed');
        flow.measured('assign_click_to_chain_complete', Date.now() - t0);
        await waitCardEstado(flow, page, tag, 'En Progreso');
      });
      const s = await serverStatus(flow, tag);
      check(s.ocupado_por === `MM(${W().armador_id})` && s.operacion_actual === 'ARM',
        `server status after INICIAR: ocupado_por=${s.ocupado_por} operacion_actual=${s.operacion_actual}`);
    },
  },
  {
    name: 'batch-assign',
    about: 'AddSpoolModal in ASIGNAR ARMADOR AHORA mode: 5 spools → WorkerPickerModal → 5 INICIAR in parallel (original flow 06, completed)',
    run: async (flow, page) => {
      const tags = R().batch_assign;
      await openHome(flow, page, []);
      await step(flow, page, 'select 5 spools', async () => {
        await button(page, 'Añadir spool al listado').click();
        await visible(flow, page.getByText(/\d+ SPOOLS DISPONIBLES/), '"N SPOOLS DISPONIBLES"');
        await page.getByRole('switch').filter({ hasText: 'ASIGNAR ARMADOR AHORA' }).click();
        await page.getByPlaceholder('Ej: MK-1923').fill('MK');
        for (const t of tags) {
          const row = page.getByRole('button', { name: new RegExp(`^Seleccionar spool ${t}`) }).first();
          await row.scrollIntoViewIfNeeded();
          await row.click();
        }
        await visible(flow, button(page, `Asignar armador a ${tags.length} spools`), 'ASIGNAR ARMADOR (5)');
      });
      await step(flow, page, 'pick armador → 5 INICIAR', async () => {
        const t0 = Date.now();
        await button(page, `Asignar armador a ${tags.length} spools`).click();
        await visible(flow, button(page, `Asignar a ${W().armador2_display}`), 'WorkerPickerModal');
        await button(page, `Asignar a ${W().armador2_display}`).click();
        await visible(flow, toast(page, `${tags.length} spools asignados a MR(${W().armador2_id})`), 'toast "5 spools asignados"', 30000);
        flow.time('pick_to_toast', Date.now() - t0);
        await waitCards(flow, page, tags.length);
        for (const t of tags) await waitCardEstado(flow, page, t, 'En Progreso');
      });
    },
  },
  {
    name: 'arm-finalizar-parcial',
    about: 'occupied ARM card → FINALIZAR → UnionesModal → 1 union → backend pauses; the chained SOLD WorkerModal is cancelled',
    run: async (flow, page) => {
      const tag = R().lifecycle;
      lifecycle.tag = tag;
      const info = M.spools[tag];
      await openHome(flow, page, [tag]);
      const dlg = dialog(page, `Gestionar uniones del spool ${tag}`);
      await step(flow, page, 'card → ActionModal → FINALIZAR', async () => {
        const t0 = Date.now();
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar acción'), 'FINALIZAR').click();
        await visible(flow, dlg.getByRole('combobox', { name: /^DN union \d+$/ }), 'UnionesModal rows');
        flow.time('click_to_grid', Date.now() - t0);
      });
      await step(flow, page, 'select 1 union → FINALIZAR', async () => {
        await selectUnions(flow, page, dlg, 1);
        await visible(flow, dlg.getByText(/Seleccionaste 1 union = /), 'selection summary');
        const t0 = Date.now();
        await button(dlg, finalizarLabel(1)).click();
        await visible(flow, dialog(page, 'Seleccionar trabajador para INICIAR SOLD'), 'chained SOLD WorkerModal');
        flow.time('finalizar_to_next_modal', Date.now() - t0);
      });
      await step(flow, page, 'cancel SOLD', async () => {
        await button(dialog(page, 'Seleccionar trabajador para INICIAR SOLD'), 'Cancelar y cerrar').click();
        await waitCardText(flow, page, tag, `ARM ${info.arm_done + 1}/${info.total}`);
        await waitPaused(flow, page, tag);
      });
      const s = await serverStatus(flow, tag);
      check(!s.ocupado_por && s.uniones_arm_completadas === info.arm_done + 1,
        `server: ocupado_por=${s.ocupado_por} uniones_arm_completadas=${s.uniones_arm_completadas}`);
    },
  },
  {
    name: 'arm-completar',
    about: 'paused ARM card → OperationModal → ARMADO → INICIAR; → FINALIZAR all unions → COMPLETAR → chained INICIAR SOLD',
    run: async (flow, page) => {
      const tag = chainSpool(flow, 'arm-finalizar-parcial', 'ARM_PEND');
      lifecycle.tag = tag;
      lifecycle.armTag = tag;
      const info = M.spools[tag];
      await openHome(flow, page, [tag]);
      await step(flow, page, 'retake ARM', async () => {
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar operación'), 'ARMADO').click();
        await button(dialog(page, 'Seleccionar trabajador para INICIAR ARM'), `Seleccionar ${W().armador_display}`).click();
        await hidden(flow, dialog(page, 'Seleccionar trabajador para INICIAR ARM'), 'WorkerModal closed');
        await waitCardEstado(flow, page, tag, 'En Progreso');
      });
      const dlg = dialog(page, `Gestionar uniones del spool ${tag}`);
      await step(flow, page, 'FINALIZAR all unions', async () => {
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar acción'), 'FINALIZAR').click();
        const n = await selectUnions(flow, page, dlg, 'all');
        const t0 = Date.now();
        await button(dlg, finalizarLabel(n)).click();
        await visible(flow, dialog(page, 'Seleccionar trabajador para INICIAR SOLD'), 'chained SOLD WorkerModal');
        flow.time('finalizar_to_next_modal', Date.now() - t0);
        await waitCardText(flow, page, tag, `ARM ${info.total}/${info.total}`);
      });
      await step(flow, page, 'INICIAR SOLD', async () => {
        await button(dialog(page, 'Seleccionar trabajador para INICIAR SOLD'), `Seleccionar ${W().soldador_display}`).click();
        await hidden(flow, dialog(page, 'Seleccionar trabajador para INICIAR SOLD'), 'WorkerModal closed');
        await waitCardText(flow, page, tag, 'Soldadura');
        await waitCardEstado(flow, page, tag, 'En Progreso');
      });
      const s = await serverStatus(flow, tag);
      check(s.fecha_armado && s.operacion_actual === 'SOLD' && s.ocupado_por === `ML(${W().soldador_id})`,
        `server: fecha_armado=${s.fecha_armado} operacion_actual=${s.operacion_actual} ocupado_por=${s.ocupado_por}`);
    },
  },
  {
    name: 'sold-pausar',
    about: 'occupied SOLD card → PAUSAR → UnionesModal → 1 union → partial SOLD, spool free (original flow 07 grid)',
    run: async (flow, page) => {
      const tag = chainSpool(flow, 'arm-completar', 'EN_SOLD');
      lifecycle.tag = tag;
      await openHome(flow, page, [tag]);
      const before = await serverStatus(flow, tag);
      const dlg = dialog(page, `Gestionar uniones del spool ${tag}`);
      await step(flow, page, 'card → PAUSAR → UnionesModal', async () => {
        const t0 = Date.now();
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar acción'), 'PAUSAR').click();
        await visible(flow, dlg.getByRole('combobox', { name: /^DN union \d+$/ }), 'UnionesModal rows');
        flow.measured('uniones_click_to_grid', Date.now() - t0);
      });
      await step(flow, page, 'select 1 union → save', async () => {
        await selectUnions(flow, page, dlg, 1);
        await button(dlg, finalizarLabel(1)).click();
        await visible(flow, toast(page, 'Operacion completada'), 'toast "Operacion completada"');
        await waitPaused(flow, page, tag);
      });
      const s = await serverStatus(flow, tag);
      check(!s.ocupado_por && s.uniones_sold_completadas === (before.uniones_sold_completadas || 0) + 1,
        `server: ocupado_por=${s.ocupado_por} uniones_sold_completadas=${s.uniones_sold_completadas}`);
    },
  },
  {
    name: 'sold-completar-rechazada',
    about: 'paused SOLD card → WorkerModal directly (original flow 09) → INICIAR; FINALIZAR all → metrología RECHAZADA → reparador → tomar-reparacion',
    run: async (flow, page) => {
      const tag = chainSpool(flow, 'sold-pausar', 'SOLD_PEND');
      lifecycle.tag = tag;
      await openHome(flow, page, [tag]);
      const wm = dialog(page, 'Seleccionar trabajador para INICIAR SOLD');
      await step(flow, page, 'card → soldar WorkerModal directly', async () => {
        const t0 = Date.now();
        await card(page, tag).click();
        await visible(flow, button(wm, `Seleccionar ${W().soldador_display}`), 'WorkerModal ¿Quién va a soldar?');
        flow.time('click_to_worker_modal', Date.now() - t0);
        check(await dialog(page, 'Seleccionar operación').count() === 0, 'OperationModal was shown');
        await button(wm, `Seleccionar ${W().soldador_display}`).click();
        await hidden(flow, wm, 'WorkerModal closed');
        await waitCardEstado(flow, page, tag, 'En Progreso');
      });
      const dlg = dialog(page, `Gestionar uniones del spool ${tag}`);
      const met = dialog(page, 'Completar inspección de metrología');
      await step(flow, page, 'FINALIZAR all → MetrologiaModal', async () => {
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar acción'), 'FINALIZAR').click();
        const n = await selectUnions(flow, page, dlg, 'all');
        await button(dlg, finalizarLabel(n)).click();
        await visible(flow, button(met, 'Marcar como RECHAZADA'), 'chained MetrologiaModal');
      });
      await step(flow, page, 'RECHAZADA → inspector', async () => {
        await button(met, 'Marcar como RECHAZADA').click();
        await button(met, `Seleccionar inspector ${W().metrologo_display}`).click();
        await visible(flow, toast(page, `Metrologia rechazada — ${tag}`), 'toast "Metrologia rechazada"');
        await visible(flow, dialog(page, 'Seleccionar trabajador para INICIAR REP'), 'chained reparador WorkerModal');
      });
      await step(flow, page, 'reparador → tomar-reparacion', async () => {
        const rep = dialog(page, 'Seleccionar trabajador para INICIAR REP');
        await button(rep, `Seleccionar ${W().reparador_display}`).click();
        await hidden(flow, rep, 'WorkerModal closed');
        await waitCardText(flow, page, tag, 'Reparación');
        await waitCardEstado(flow, page, tag, 'En Progreso');
      });
      const s = await serverStatus(flow, tag);
      check(s.operacion_actual === 'REPARACION' && s.ocupado_por === `NR(${W().reparador_id})`,
        `server: operacion_actual=${s.operacion_actual} ocupado_por=${s.ocupado_por}`);
    },
  },
  {
    name: 'reparacion-completar-aprobada',
    about: 'repair card → FINALIZAR → completar-reparacion → MetrologiaModal chained (original flow 10) → APROBADA → card leaves the list',
    run: async (flow, page) => {
      const tag = chainSpool(flow, 'sold-completar-rechazada', 'EN_REPARACION');
      await openHome(flow, page, [tag]);
      const met = dialog(page, 'Completar inspección de metrología');
      await step(flow, page, 'FINALIZAR repair → MetrologiaModal', async () => {
        const t0 = Date.now();
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar acción'), 'FINALIZAR').click();
        await visible(flow, button(met, 'Marcar como APROBADA'), 'chained MetrologiaModal');
        flow.time('click_to_metrologia_modal', Date.now() - t0);
        check(await dialog(page, 'Seleccionar acción').count() === 0, 'ActionModal still open');
      });
      await step(flow, page, 'APROBADA → inspector', async () => {
        await button(met, 'Marcar como APROBADA').click();
        await button(met, `Seleccionar inspector ${W().metrologo_display}`).click();
        await visible(flow, toast(page, `Metrologia aprobada — ${tag}`), 'toast "Metrologia aprobada"');
        await visible(flow, page.getByText('No hay spools en tu lista'), 'card removed');
      });
      const s = await serverStatus(flow, tag);
      check(s.estado_trabajo === 'COMPLETADO', `server: estado_trabajo=${s.estado_trabajo}`);
    },
  },
  {
    name: 'metrologia-aprobada',
    about: 'PENDIENTE_METROLOGIA card → MetrologiaModal directly (original flow 08) → APROBADA → removed from the list',
    run: async (flow, page) => {
      const tag = R().met_pend;
      await openHome(flow, page, [tag]);
      const met = dialog(page, 'Completar inspección de metrología');
      await step(flow, page, 'card → MetrologiaModal', async () => {
        const t0 = Date.now();
        await card(page, tag).click();
        await visible(flow, button(met, 'Marcar como APROBADA'), 'MetrologiaModal');
        flow.measured('metrologia_click_to_modal', Date.now() - t0);
      });
      await step(flow, page, 'APROBADA → inspector', async () => {
        await button(met, 'Marcar como APROBADA').click();
        await button(met, `Seleccionar inspector ${W().metrologo_display}`).click();
        await visible(flow, toast(page, `Metrologia aprobada — ${tag}`), 'toast "Metrologia aprobada"');
        await visible(flow, page.getByText('No hay spools en tu lista'), 'card removed');
      });
    },
  },
  {
    name: 'metrologia-rechazada',
    about: 'SOLD-complete card → MetrologiaModal directly (original flow 09) → RECHAZADA; the reparador pick is cancelled',
    run: async (flow, page) => {
      const tag = R().sold_term;
      await openHome(flow, page, [tag]);
      const met = dialog(page, 'Completar inspección de metrología');
      await step(flow, page, 'card → RECHAZADA → inspector', async () => {
        await card(page, tag).click();
        await button(met, 'Marcar como RECHAZADA').click();
        await button(met, `Seleccionar inspector ${W().metrologo_display}`).click();
        await visible(flow, dialog(page, 'Seleccionar trabajador para INICIAR REP'), 'reparador WorkerModal');
      });
      await step(flow, page, 'cancel reparador', async () => {
        await button(dialog(page, 'Seleccionar trabajador para INICIAR REP'), 'Cancelar y cerrar').click();
        await waitCardEstado(flow, page, tag, 'Rechazado');
      });
      const s = await serverStatus(flow, tag);
      check(s.estado_trabajo === 'RECHAZADO' && s.ciclo_rep === 1, `server: estado_trabajo=${s.estado_trabajo} ciclo_rep=${s.ciclo_rep}`);
    },
  },
  {
    name: 'reparacion-tomar-pausar',
    about: 'RECHAZADO card → OperationModal → REPARACION → tomar-reparacion; → PAUSAR → pausar-reparacion',
    run: async (flow, page) => {
      const tag = R().rechazado;
      await openHome(flow, page, [tag]);
      await step(flow, page, 'REPARACION → reparador', async () => {
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar operación'), 'REPARACION').click();
        const rep = dialog(page, 'Seleccionar trabajador para INICIAR REP');
        await button(rep, `Seleccionar ${W().reparador_display}`).click();
        await hidden(flow, rep, 'WorkerModal closed');
        await waitCardText(flow, page, tag, 'Reparación');
      });
      await step(flow, page, 'PAUSAR repair', async () => {
        await card(page, tag).click();
        await button(dialog(page, 'Seleccionar acción'), 'PAUSAR').click();
        await visible(flow, toast(page, 'Operacion completada'), 'toast "Operacion completada"');
        await until(flow, page, 'card no longer "En Progreso"', ([sel]) => {
          const c = document.querySelector(sel);
          return !!c && !(c.getAttribute('aria-label') || '').endsWith(' - En Progreso');
        }, [cardSel(tag)]);
      });
      const s = await serverStatus(flow, tag);
      flow.notes.push(`after PAUSAR the card shows "${await cardEstado(page, tag)}" (server estado_trabajo=${s.estado_trabajo}, estado_detalle=${s.estado_detalle})`);
      check(!s.ocupado_por, `server: ocupado_por=${s.ocupado_por}`);
    },
  },
  {
    name: 'uniones-editar',
    about: 'card Uniones button → UnionesModal edit mode → one more union with DN and TIPO → GUARDAR',
    run: async (flow, page) => {
      const tag = R().uniones_edit;
      const total = M.spools[tag].total;
      await openHome(flow, page, [tag]);
      const dlg = dialog(page, `Gestionar uniones del spool ${tag}`);
      await step(flow, page, 'open UnionesModal', async () => {
        await button(page, `Gestionar uniones spool ${tag}: ${total} ${'uniones'}`).click();
        await visible(flow, dlg.getByRole('combobox', { name: `DN union ${total}` }), `row ${total}`);
      });
      await step(flow, page, 'add a union and save', async () => {
        const count = dlg.getByLabel('Cantidad total de uniones');
        await count.fill(String(total + 1));
        await visible(flow, dlg.getByRole('combobox', { name: `DN union ${total + 1}` }), `new row ${total + 1}`);
        await dlg.getByRole('combobox', { name: `DN union ${total + 1}` }).selectOption('2');
        await dlg.getByRole('combobox', { name: `Tipo union ${total + 1}` }).selectOption('BW');
        await button(dlg, 'GUARDAR').click();
        await visible(flow, toast(page, 'Uniones guardadas'), 'toast "Uniones guardadas"');
        await visible(flow, button(page, `Gestionar uniones spool ${tag}: ${total + 1} uniones`), 'card with one more union');
      });
      const t = await apiOk(flow, 'GET', `/api/v4/uniones/${tag}/todas`);
      const unions = t.json?.unions || [];
      const last = unions.find((u) => u.n_union === total + 1);
      check(unions.length === total + 1 && last && Number(last.dn_union) === 2 && last.tipo_union === 'BW',
        `server todas: ${unions.length} unions, new one ${JSON.stringify(last)}`);
    },
  },
  {
    name: 'notas',
    about: 'card NOTAS → NotasModal: read, write a note as the occupant',
    run: async (flow, page) => {
      const tag = R().occupied_arm;
      const text = `Revisar bisel unión 2 — ${new Date().toISOString().slice(11, 19)}`;
      await openHome(flow, page, [tag]);
      const dlg = dialog(page, `Notas del spool ${tag}`);
      await step(flow, page, 'open NotasModal', async () => {
        await button(page, `Ver y agregar notas al spool ${tag}`).click();
        await visible(flow, dlg.getByLabel('Escribir nueva nota'), 'note composer');
        await hidden(flow, dlg.getByLabel('Cargando notas'), 'notes loaded');
      });
      await step(flow, page, 'write a note', async () => {
        await dlg.getByLabel('Escribir nueva nota').fill(text);
        await button(dlg, 'Guardar nueva nota').click();
        await visible(flow, dlg.getByText(text, { exact: false }), 'the saved note shown');
      });
      const n = await apiOk(flow, 'GET', `/api/spool/${encodeURIComponent(tag)}/notas`);
      check((n.json?.nota || '').includes(text), `server nota: ${clip(n.json?.nota, 200)}`);
    },
  },
  {
    name: 'quitar-ocupado',
    about: 'remove an occupied spool: confirm() → finalizar with no unions (CANCELADO) → list/remove',
    run: async (flow, page) => {
      const tag = R().occupied_arm;
      await openHome(flow, page, [tag]);
      await step(flow, page, 'quitar + confirm', async () => {
        await button(page, `Quitar spool ${tag} de la lista`).click();
        await button(page, `Confirmar quitar spool ${tag}`).click();
        await visible(flow, toast(page, 'Spool quitado y liberado'), 'toast "Spool quitado y liberado"');
        await visible(flow, page.getByText('No hay spools en tu lista'), 'card removed');
      });
      check(flow.notes.some((n) => n.startsWith('dialog confirm')), 'no confirm() was asked');
      const s = await serverStatus(flow, tag);
      check(!s.ocupado_por, `server: ocupado_por=${s.ocupado_por} after release`);
    },
  },
  {
    name: 'audit-beacon',
    about: 'modal open/close events sent by sendBeacon when the tab is hidden (credentialed CORS)',
    run: async (flow, page) => {
      // Keep a copy of what the page hands to sendBeacon (its Blob body is not visible in the
      // request record); the beacon itself still goes out unchanged.
      await page.context().addInitScript(() => {
        window.__v5Beacons = [];
        const send = navigator.sendBeacon.bind(navigator);
        navigator.sendBeacon = (url, data) => {
          if (data instanceof Blob) data.text().then((t) => window.__v5Beacons.push(t));
          else window.__v5Beacons.push(String(data));
          return send(url, data);
        };
      });
      await openHome(flow, page, [R().assign_one]);
      await step(flow, page, 'open and close a modal', async () => {
        await button(page, 'Añadir spool al listado').click();
        await visible(flow, page.getByText(/\d+ SPOOLS DISPONIBLES/), 'AddSpoolModal');
        await button(page, 'Cerrar modal de agregar spools').click();
      });
      await step(flow, page, 'tab hidden → beacon', async () => {
        const got = page.waitForRequest((r) => r.url() === API + '/api/supervisor/audit/batch', { timeout: 5000 });
        await page.evaluate(() => {
          Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
          document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
        });
        const req = await wait(flow, 'POST /api/supervisor/audit/batch', () => got);
        const res = await req.response().catch(() => null);
        await until(flow, page, 'the beacon body', () => window.__v5Beacons.length > 0, null, 3000);
        const body = JSON.parse(await page.evaluate(() => window.__v5Beacons[0]));
        const types = (body.events || []).map((e) => e.event_type);
        flow.notes.push(`beacon: ${types.length} events (${[...new Set(types)].join(', ')}), response ${res ? res.status() : 'none'}`);
        check(types.includes('SESSION_START') && types.includes('MODAL_OPEN'), 'beacon lacks SESSION_START/MODAL_OPEN');
        await sleep(300);
      });
    },
  },
  {
    name: 'dashboard',
    about: '/dashboard: occupied spools grouped by worker, back to the home',
    run: async (flow, page) => {
      const occ = await apiOk(flow, 'GET', '/api/dashboard/occupied');
      const n = Array.isArray(occ.json) ? occ.json.length : -1;
      await step(flow, page, 'open /dashboard', async () => {
        const t0 = Date.now();
        await page.goto(APP_ORIGIN + '/dashboard', { waitUntil: 'domcontentloaded' });
        await visible(flow, page.getByText(/TOTAL OCUPADOS:/), 'summary bar');
        flow.time('goto_to_summary', Date.now() - t0);
        const summary = await page.getByText(/TOTAL OCUPADOS:/).first().textContent();
        flow.notes.push(`${clip(summary, 80)} (server: ${n} occupied)`);
        check(Number((/(\d+)/.exec(summary) || [])[1]) === n, `dashboard total differs from the server's ${n}`);
        const groups = await page.locator('section[aria-label^="Spools de "]').count();
        check(groups > 0, 'no worker group shown');
      });
      await step(flow, page, 'VOLVER', async () => {
        await button(page, 'Volver a la página principal').click();
        await visible(flow, button(page, 'Añadir spool al listado'), 'home');
      });
    },
  },
  {
    name: 'mi-registro',
    about: '/mi-registro: pick a worker, today\'s unions and PD, another date, HOY, CAMBIAR',
    run: async (flow, page) => {
      const who = W().armador_display;
      await step(flow, page, 'open /mi-registro', async () => {
        await page.goto(APP_ORIGIN + '/mi-registro', { waitUntil: 'domcontentloaded' });
        await visible(flow, page.getByRole('button', { name: new RegExp(`^Seleccionar ${who}\\s*$`) }), 'worker list');
      });
      await step(flow, page, 'pick worker → today', async () => {
        const t0 = Date.now();
        await page.getByRole('button', { name: new RegExp(`^Seleccionar ${who}\\s*$`) }).click();
        await visible(flow, page.getByText(/PD HOY|No hay uniones registradas para esta fecha\./), 'day view');
        flow.time('pick_to_day_view', Date.now() - t0);
        if (done['arm-completar'] && lifecycle.armTag) {
          // flow arm-completar had this worker finish that spool's ARM unions today
          await visible(flow, page.getByText(lifecycle.armTag), `today's ARM unions of ${lifecycle.armTag}`);
        }
      });
      await step(flow, page, 'yesterday, then HOY', async () => {
        const y = new Date(Date.now() - 86400000);
        const iso = `${y.getFullYear()}-${String(y.getMonth() + 1).padStart(2, '0')}-${String(y.getDate()).padStart(2, '0')}`;
        const dmy = `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
        const req = page.waitForRequest((r) => r.url().includes(`fecha=${dmy}`), { timeout: 5000 });
        await page.getByLabel('Seleccionar fecha').fill(iso);
        await wait(flow, `GET /api/registro/…?fecha=${dmy}`, () => req);
        await visible(flow, page.getByText(/PD \d\d-\d\d-\d{4}|No hay uniones registradas para esta fecha\./), 'day view of yesterday');
        await button(page, 'Ir a fecha de hoy').click();
        await visible(flow, page.getByText(/PD HOY|No hay uniones registradas para esta fecha\./), 'day view of today');
      });
      await step(flow, page, 'CAMBIAR', async () => {
        await button(page, 'Cambiar trabajador').click();
        await visible(flow, page.getByLabel('Buscar trabajador por nombre'), 'worker search');
      });
    },
  },
  {
    name: 'api-inventory',
    about: 'every call of the app\'s call table (frontend-client-v5.md §6) once, from node, with the page\'s Origin: preflight, status, CORS headers',
    browser: false,
    run: async (flow) => {
      const libre = M.by_state.LIBRE[M.by_state.LIBRE.length - 1];
      const met = M.by_state.MET_PEND[M.by_state.MET_PEND.length - 1];
      const rech = M.by_state.RECHAZADO[M.by_state.RECHAZADO.length - 1];
      const enrep = M.by_state.EN_REPARACION[M.by_state.EN_REPARACION.length - 1];
      const w = W();
      const today = (() => { const d = new Date(new Date().toLocaleString('en-US', { timeZone: 'America/Santiago' })); return `${String(d.getDate()).padStart(2, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${d.getFullYear()}`; })();
      let todas = null;
      const probes = [
        ['GET', '/api/supervisor/list'],
        ['POST', '/api/supervisor/legacy-snapshot', { snapshot_id: `v5-flows-${Date.now()}`, captured_at: new Date().toISOString(), raw: JSON.stringify([{ tag: libre }]), user_agent: 'v5-flows' }],
        ['POST', '/api/supervisor/list/add', { tag_spool: libre, session_id: 'v5-flows-inventory' }],
        ['POST', '/api/supervisor/list/remove', { tag_spool: libre, session_id: 'v5-flows-inventory' }],
        ['POST', '/api/spools/batch-status', { tags: [libre, met] }],
        ['GET', `/api/spool/${libre}/status`],
        ['POST', '/api/supervisor/audit/batch', { events: [{ id: `v5-flows-${Date.now()}`, timestamp: new Date().toISOString(), session_id: 'v5-flows-inventory', event_type: 'SESSION_START', tag_spool: null, modal: null, route: '/', payload_json: null }] }],
        ['GET', '/api/spools/iniciar?operacion=ARM'],
        ['GET', '/api/workers'],
        ['POST', '/api/v4/occupation/iniciar', { tag_spool: libre, worker_id: w.armador_id, operacion: 'ARM' }],
        ['GET', `/api/v4/uniones/${libre}/todas`],
        ['POST', '/api/v4/uniones/guardar', () => ({ tag_spool: libre, unions: (todas?.unions || [{ n_union: 1, dn_union: null, tipo_union: null }]).map((u) => ({ n_union: u.n_union, dn_union: u.dn_union, tipo_union: u.tipo_union })) })],
        ['POST', '/api/v4/occupation/finalizar', { tag_spool: libre, worker_id: w.armador_id, operacion: 'ARM', selected_unions: [] }],
        ['POST', '/api/metrologia/completar', { tag_spool: met, worker_id: w.metrologo_id, resultado: 'APROBADO' }],
        ['POST', '/api/tomar-reparacion', { tag_spool: rech, worker_id: w.reparador_id }],
        ['POST', '/api/pausar-reparacion', { tag_spool: rech, worker_id: w.reparador_id }],
        ['POST', '/api/tomar-reparacion', { tag_spool: rech, worker_id: w.reparador_id }],
        ['POST', '/api/completar-reparacion', { tag_spool: rech, worker_id: w.reparador_id }],
        ['POST', '/api/cancelar-reparacion', { tag_spool: enrep, worker_id: M.spools[enrep].occupant }],
        ['GET', `/api/spool/${encodeURIComponent(libre)}/notas`],
        ['POST', `/api/spool/${encodeURIComponent(libre)}/notas`, { texto: 'nota de prueba' }],
        ['GET', '/api/dashboard/occupied'],
        ['GET', `/api/registro/${w.armador_id}?fecha=${today}`],
      ];
      flow.inventory = [];
      for (const [method, p, bodyArg] of probes) {
        const body = typeof bodyArg === 'function' ? bodyArg() : bodyArg;
        const row = { method, path: p };
        // The browser's preflight: every call sends Content-Type: application/json.
        try {
          const pre = await fetch(API + p, { method: 'OPTIONS', headers: { origin: APP_ORIGIN,
            'access-control-request-method': method, 'access-control-request-headers': 'content-type' } });
          const allowH = (pre.headers.get('access-control-allow-headers') || '').toLowerCase();
          row.preflight = pre.status;
          row.preflight_ok = pre.status < 300 && pre.headers.get('access-control-allow-origin') === APP_ORIGIN &&
            (allowH.includes('content-type') || allowH === '*');
        } catch (e) { row.preflight = String(e.message); row.preflight_ok = false; }
        const t0 = Date.now();
        try {
          const r = await fetch(API + p, { method, headers: { origin: APP_ORIGIN, 'content-type': 'application/json' },
            body: body ? JSON.stringify(body) : undefined });
          row.ms = Date.now() - t0;
          row.status = r.status;
          row.cors = r.headers.get('access-control-allow-origin') === APP_ORIGIN;
          row.credentials = r.headers.get('access-control-allow-credentials') === 'true';
          const text = await r.text();
          if (r.status >= 300) row.body = clip(text, 200);
          if (p.endsWith('/todas') && r.status < 300) { try { todas = JSON.parse(text); } catch (e) { /* keep null */ } }
        } catch (e) { row.status = null; row.body = e.message; }
        flow.inventory.push(row);
        const okRow = row.status && row.status < 300 && row.cors && row.preflight_ok;
        const text = `${method} ${p} -> ${row.status} ${row.body || ''}${row.cors ? '' : ' [no Access-Control-Allow-Origin for the page]'}${row.preflight_ok ? '' : ` [preflight ${row.preflight} refused]`}`;
        if (!okRow) flow.fail(text.trim(), 'setup');
      }
      const beacon = flow.inventory.find((r) => r.path === '/api/supervisor/audit/batch');
      if (beacon && beacon.status < 300 && !beacon.credentials) flow.fail('POST /api/supervisor/audit/batch answers without Access-Control-Allow-Credentials: true (the unload beacon is credentialed)', 'setup');
      const ok = flow.inventory.filter((r) => r.status && r.status < 300).length;
      flow.notes.push(`${ok} of ${flow.inventory.length} calls answered 2xx; slowest ${Math.max(...flow.inventory.map((r) => r.ms || 0))} ms`);
    },
  },
];

/* ------------------------------------------------------------------------------------------ */
/* running and reporting                                                                       */
/* ------------------------------------------------------------------------------------------ */

async function runFlow(def, index, { quiet = false } = {}) {
  const flow = new Flow(def, index);
  const t0 = Date.now();
  let context = null;
  let page = null;
  try {
    if (def.browser !== false) {
      context = await browser.newContext({ viewport: VIEWPORT, locale: 'es-CL', timezoneId: 'America/Santiago' });
      page = await context.newPage();
      attach(page, flow);
    }
    flow.stepName = def.browser === false ? 'probe' : 'set-up';
    await def.run(flow, page);
    await sleep(150); // let the last responses and console lines arrive
  } catch (e) {
    flow.error = e.message.split('\n')[0];
    if (!flow.steps.length || flow.steps[flow.steps.length - 1].ok) await flow.shot(page, 'error');
  }
  flow.wallMs = Date.now() - t0;
  await Promise.allSettled(flow.pending);
  flow.recording = false;
  if (context) await context.close().catch(() => {});
  flow.status = flow.error || flow.failures.length ? 'FAIL' : 'PASS';
  const m = flow.measure && ORIGINAL[flow.measure.key];
  if (m) {
    flow.original = m;
    flow.budgetMs = Math.round(m.ms / 10);
    flow.withinBudget = flow.status === 'PASS' && flow.measure.ms <= flow.budgetMs;
  }
  if (quiet) return flow;
  done[def.name] = flow.status === 'PASS';
  report(flow);
  return flow;
}

const pad = (s, n) => String(s).padEnd(n);
function report(flow) {
  let line = `${flow.status} ${String(flow.index).padStart(2, '0')} ${pad(flow.name, 30)} wall ${String(flow.wallMs).padStart(6)} ms`;
  if (flow.original) {
    line += `  | ${flow.measure.key} ${flow.measure.ms} ms (API busy ${flow.measure.api_busy_ms} ms, ${flow.measure.api_calls} calls) ` +
      `vs original ${flow.original.ms} ms (${flow.original.what}), ` +
      `tenth ${flow.budgetMs} ms: ${flow.status !== 'PASS' ? 'n/a (flow failed)' : flow.withinBudget ? 'within' : 'OVER'}`;
  }
  console.log(line);
  console.log(`     ${flow.def.about}`);
  if (flow.error) console.log(`     error: ${flow.error}`);
  const groups = [
    ['requests of the app that failed', (f) => f.kind === 'request'],
    [flow.def.browser === false ? 'calls that failed' : 'set-up/check requests of the driver that failed', (f) => f.kind === 'setup'],
    ['console/page errors', (f) => (f.kind === 'console' || f.kind === 'page') && !f.echo],
  ];
  for (const [title, pick] of groups) {
    const list = flow.failures.filter(pick);
    if (!list.length) continue;
    console.log(`     ${title}:`);
    const seen = new Map();
    for (const f of list) {
      const key = `[${f.step}] ${f.text}`;
      seen.set(key, (seen.get(key) || 0) + 1);
    }
    for (const [k, n] of seen) console.log(`       ${k}${n > 1 ? `  (×${n})` : ''}`);
  }
  if (flow.inventory) {
    console.log('     calls (status, ms, CORS of the answer / of the preflight):');
    for (const r of flow.inventory) {
      console.log(`       ${String(r.status ?? 'ERR').padEnd(4)} ${String(r.ms ?? '-').padStart(4)} ms  ` +
        `${r.cors ? 'cors' : 'NO-CORS'}/${r.preflight_ok ? 'ok' : 'PREFLIGHT-' + r.preflight}  ${r.method} ${r.path}`);
    }
  }
  const t = Object.entries(flow.timings).map(([k, v]) => `${k}=${v}`).join(' ');
  if (t) console.log(`     timings (ms): ${t}`);
  for (const n of flow.notes) console.log(`     note: ${n}`);
}

/* ------------------------------------------------------------------------------------------ */
/* the original's own perf suite (--original-specs)                                            */
/* ------------------------------------------------------------------------------------------ */

/* Published key measurement of each original spec (same audit table as ORIGINAL). */
const ORIGINAL_SPEC_KEYS = {
  '01': ['network_idle', 2578], '02': ['max_keystroke_ms', 99], '03': ['click_to_filter_ms', 140],
  '04': ['click_to_card_visible_ms', 922], '05': ['click_to_chain_complete_ms', 3167],
  '07': ['click_to_uniones_grid_loaded_ms', 100], '08': ['click_to_metrologia_modal_loaded_ms', 76],
};

async function runOriginalSpecs() {
  const e2e = path.join(opt.frontend, 'e2e');
  const specs = fs.readdirSync(e2e).filter((f) => /^perf-flow-\d+.*\.spec\.ts$/.test(f)).sort()
    .filter((f) => !opt.only || opt.only.some((o) => f.includes(o)));
  const runner = path.join(opt.frontend, 'node_modules', '.bin', 'playwright');
  if (!fs.existsSync(runner)) throw new Error(`${runner} missing: npm ci in ${opt.frontend}`);
  const outDir = path.join(opt.out, 'original-specs');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  // Its fixture (written by the original's dump script from its staging sheet; gitignored there).
  fs.mkdirSync(path.join(e2e, 'fixtures'), { recursive: true });
  fs.writeFileSync(path.join(e2e, 'fixtures', 'staging-tags.json'), JSON.stringify({
    sheet_id: 'zeues-c', sheet_title: 'ZEUES-C TEST plant', count: M.tags.length, tags: M.tags }, null, 2) + '\n');
  // A config of ours next to its node_modules, so `@playwright/test` resolves to its copy.
  const cfgDir = path.join(opt.frontend, '.zeues-c-v5app');
  fs.mkdirSync(cfgDir, { recursive: true });
  const cfg = path.join(cfgDir, 'perf-specs.config.mjs');
  fs.writeFileSync(cfg, `// Generated by tests/compat/v5_app_flows.mjs --original-specs (ZEUES-C).
import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: ${JSON.stringify(e2e)},
  testMatch: /perf-flow-.*\\.spec\\.ts$/,
  timeout: 120000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: ${JSON.stringify(path.join(outDir, 'test-results'))},
  use: {
    baseURL: ${JSON.stringify(APP_ORIGIN)},
    viewport: { width: 768, height: 1024 },
    screenshot: 'on',
    launchOptions: { executablePath: ${JSON.stringify(opt.chromium)}, args: ['--no-sandbox'] },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
`);
  const artefacts = path.join(opt.frontend, 'test-results', 'perf-baseline');
  const env = Object.assign({}, process.env, { PLAYWRIGHT_BASE_URL: APP_ORIGIN, CI: '' });
  const run = async (args) => {
    const p = spawnChild(runner, args, { cwd: opt.frontend, env });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.stderr.on('data', (d) => { text += d; });
    const { code } = await p.exited;
    return { code, text: text.replace(/\x1b\[[0-9;]*m/g, '') };
  };
  // One run per test (file:line): every test starts from an empty tracked list, as the suite
  // assumes (a test hydrates localStorage, which the app only migrates into an empty list).
  const tests = [];
  for (const spec of specs) {
    const { text } = await run(['test', '-c', cfg, '--list', path.join('e2e', spec)]);
    const found = [...text.matchAll(/(perf-flow-[^:\s]+\.spec\.ts):(\d+):\d+ › (.+)$/gm)]
      .map((m) => ({ spec, line: m[2], title: m[3].trim() }));
    tests.push(...(found.length ? found : [{ spec, line: null, title: '(could not list)' }]));
  }
  const results = [];
  for (const t of tests) {
    const num = /^perf-flow-(\d+)/.exec(t.spec)[1];
    const id = t.line ? `${t.spec}:${t.line}` : t.spec;
    const flow = new Flow({ name: id, about: '' }, Number(num));
    flow.stepName = 'empty the tracked list';
    const reset = await setList(flow, []);
    fs.rmSync(artefacts, { recursive: true, force: true });
    const t0 = Date.now();
    const { code, text: outText } = await run(['test', '-c', cfg, path.join('e2e', id)]);
    const logName = id.replace('.spec.ts', '').replace(':', '-line') + '.log';
    fs.writeFileSync(path.join(outDir, logName), outText);
    const dir = fs.existsSync(artefacts) ? fs.readdirSync(artefacts).find((d) => d.startsWith(`flow-${num}`)) : null;
    let metrics = null;
    if (dir) {
      fs.cpSync(path.join(artefacts, dir), path.join(outDir, `${dir}${t.line ? '-line' + t.line : ''}`), { recursive: true });
      try { metrics = JSON.parse(fs.readFileSync(path.join(artefacts, dir, 'metrics.json'), 'utf8')); } catch (e) { /* none */ }
    }
    const r = { spec: id, title: t.title, status: code === 0 ? 'PASS' : 'FAIL', wall_ms: Date.now() - t0, list_reset: reset,
      timings: metrics?.timings_ms || null, console_errors: metrics?.console_error_count ?? null,
      api_requests: metrics?.api_request_count ?? null };
    const key = ORIGINAL_SPEC_KEYS[num];
    let line = `${r.status} ${id.padEnd(48)} wall ${String(r.wall_ms).padStart(6)} ms`;
    if (key && r.timings && r.timings[key[0]] !== undefined) {
      r.measure = { key: key[0], ms: r.timings[key[0]], original_ms: key[1] };
      line += `  | ${key[0]} ${r.timings[key[0]]} ms vs original ${key[1]} ms`;
    }
    console.log(line);
    console.log(`     ${t.title}`);
    if (!reset) console.log(`     the tracked list could not be emptied first: ${flow.failures.map((f) => f.text).join('; ')}`);
    if (r.timings) console.log(`     timings_ms ${JSON.stringify(r.timings)}; console errors ${r.console_errors}; API requests ${r.api_requests}`);
    if (code !== 0) {
      const errs = outText.split('\n').filter((l) => /Error:|Expected|Received|Timeout|\d+ \|.*(expect|await)/.test(l)).slice(0, 8);
      for (const l of errs) console.log(`     ${clip(l, 220)}`);
      console.log(`     full output: ${path.join(outDir, logName)}`);
    }
    results.push(r);
  }
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));
  const pass = results.filter((r) => r.status === 'PASS').length;
  console.log(`\noriginal perf specs: ${pass} passed, ${results.length - pass} failed (artefacts in ${outDir})`);
  return results.length - pass;
}

async function main() {
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  const t0 = Date.now();
  const setup = {};
  let flows = FLOWS.map((f, i) => ({ def: f, index: i + 1 }));
  if (opt.only) flows = flows.filter((f) => opt.only.includes(f.def.name) || opt.only.includes(String(f.index)));
  try {
    if (!fs.existsSync(opt.zeues)) throw new Error(`${opt.zeues} not found: build the server first`);
    if (!fs.existsSync(path.join(opt.frontend, 'package.json'))) throw new Error(`${opt.frontend} is not the zeues-frontend directory`);
    const plant = makePlant();
    M = plant.manifest;
    const imp = importPlant(plant.dir);
    setup.import = imp.out.trim();
    console.log(`plant: ${M.tags.length} spools imported (${imp.out.trim().split('\n').join('; ')})`);
    const redisPort = await startRedis();
    let apiPort = opt.apiPort || 18999;
    if (!(await portFree(apiPort))) {
      if (opt.apiPort) throw new Error(`API port ${apiPort} is taken`);
      apiPort = await freePort();
      console.log(`port 18999 is taken: API on ${apiPort} (the app is rebuilt for it)`);
    }
    API = `http://127.0.0.1:${apiPort}`;
    await startZeues(imp.db, redisPort, apiPort);
    const commit = (() => { try { return execFileSync('git', ['-C', path.dirname(opt.zeues), 'log', '-1', '--format=%h %s'], { stdio: 'pipe' }).toString().trim(); } catch (e) { return null; } })();
    setup.server = { binary: opt.zeues, commit };
    console.log(`server: ${opt.zeues}${commit ? ` (checkout ${commit})` : ''} on ${API}, redis on ${redisPort}`);
    const app = await startApp(apiPort);
    setup.app_ms = app.ms;
    console.log(`app: ${APP_ORIGIN} up in ${(app.ms / 1000).toFixed(1)} s (build log: ${path.join(opt.out, 'app.log')})`);
    browser = await chromium.launch({ executablePath: opt.chromium, headless: !opt.headed, args: ['--no-sandbox'] });
    console.log(`browser: ${opt.chromium} ${browser.version()}\n`);
  } catch (e) {
    console.log(`SET-UP FAILED: ${e.message}`);
    await cleanup();
    process.exit(2);
  }

  if (opt.originalSpecs) {
    let failedSpecs = 1;
    try { failedSpecs = await runOriginalSpecs(); } catch (e) { console.log(`original specs: ${e.message}`); }
    await cleanup();
    process.exit(failedSpecs ? 1 : 0);
  }

  const loadAtStart = os.loadavg();
  const results = [];
  const repeats = [];
  for (const f of flows) {
    const first = await runFlow(f.def, f.index);
    results.push(first);
    // Repeated right away, while the plant is as the flow expects it (later flows mutate it).
    if (opt.repeat > 1 && f.def.repeatable && first.status === 'PASS') {
      const ms = [first.measure.ms];
      for (let i = 1; i < opt.repeat; i++) {
        const r = await runFlow(f.def, f.index, { quiet: true });
        if (r.status === 'PASS') ms.push(r.measure.ms);
      }
      ms.sort((a, b) => a - b);
      const rec = { name: f.def.name, key: first.measure.key, runs: ms.length, ms,
        min: ms[0], median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
      repeats.push(rec);
      const o = ORIGINAL[rec.key];
      console.log(`     repeated: ${rec.key} over ${ms.length} passing runs of ${opt.repeat}: min ${rec.min} / median ${rec.median} / max ${rec.max} ms` +
        (o ? ` (original ${o.ms} ms, tenth ${Math.round(o.ms / 10)} ms)` : ''));
    }
  }

  const pass = results.filter((r) => r.status === 'PASS').length;
  const fail = results.length - pass;
  const over = results.filter((r) => r.original && r.status === 'PASS' && !r.withinBudget).length;
  console.log(`\n${pass} passed, ${fail} failed${over ? `, ${over} over a tenth of the original's time` : ''} ` +
    `(${((Date.now() - t0) / 1000).toFixed(0)} s; screenshots in ${SHOTS})`);
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} CPUs; ` +
    `at the start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')}): timings are only comparable on a quiet machine`);
  fs.writeFileSync(path.join(opt.out, 'results.json'), JSON.stringify({
    when: new Date().toISOString(), api: API, app: APP_ORIGIN, browser: browser.version(), setup,
    loadavg_start: loadAtStart, loadavg_end: os.loadavg(), cpus: os.cpus().length, repeats,
    flows: results.map((r) => ({ index: r.index, name: r.name, about: r.def.about, status: r.status,
      wall_ms: r.wallMs, measure: r.measure, original: r.original, tenth_ms: r.budgetMs,
      within_tenth: r.withinBudget, error: r.error, failures: r.failures, timings: r.timings,
      notes: r.notes, steps: r.steps, api: r.api, console: r.console, inventory: r.inventory })),
  }, null, 1));
  await cleanup();
  process.exit(fail || (opt.strictBudget && over) ? 1 : 0);
}

main();
