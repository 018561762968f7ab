// Browser end-to-end test of the ZEUES-C tablet UI and wall dashboard.
//
// Starts a real redis-server on a free loopback port, a demo SQLite plant made by
// `zeues demo`, and `zeues serve --port 0`; then drives the system Chromium (playwright-core,
// never a downloaded browser) through the acceptance scenario:
//   an Armador takes two spools in one batch, pauses one, another Armador takes it over and
//   completes it, while a second browser context keeps /app/dashboard.html open and must show
//   every change live (Server-Sent Events), each within 3 s, without a reload.
// Then the union flow (v4) on a spool given 8 unions through POST /api/v4/uniones/guardar:
//   INICIAR (TOMAR on a spool with unions) → FINALIZAR marking 3 unions → PAUSADO (action
//   PAUSAR); INICIAR again → "Seleccionar todas" (the other 5) → COMPLETADO (COMPLETAR); the
//   wall's PD hoy follows live; Mi Registro shows the 8 unions with their PD total (also in
//   print media); two notes added on the spool page show there, also after a reload.
// Also: the SSE badge says CONECTADO, the spool page shows 2+ sessions, no console errors.
// Every process of the binary (`zeues demo`, `zeues serve`) must end without a sanitizer report
// (ASan/LSan/UBSan/TSan) and not by SIGABRT, and `zeues serve` must exit 0 on SIGTERM: each is
// a failed check, never a note.
// Screenshots go to $ZEUES_BUILD/screenshots/.
//
// Environment: ZEUES_BIN (the binary), ZEUES_BUILD (build directory, for the screenshots),
// ZEUES_E2E_HEADED=1 to watch it (needs a display).
// Output: one line per check, then `N passed, M failed`; exit code 0 only if all passed.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Run, assert, freePort, sanitizerExcerpt, shot as shotFile, sleep, tid } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const ZEUES_BIN = process.env.ZEUES_BIN || path.join(REPO, 'build', 'zeues');
const BUILD = process.env.ZEUES_BUILD || path.join(REPO, 'build');
const SHOTS = path.join(BUILD, 'screenshots');
const CHROMIUM = process.env.ZEUES_CHROMIUM || '/usr/bin/chromium';
const REDIS_BIN = process.env.REDIS_SERVER || 'redis-server';
const LIVE_MS = 3000;          // each dashboard change must show within this
const WATCHDOG_MS = 150000;    // hard stop (ctest's TIMEOUT is 300 s)
const WIDE = { width: 1280, height: 800 };
const PORTRAIT = { width: 800, height: 1280 };

const run = new Run({ tmpPrefix: 'zeues-e2e-', watchdogMs: WATCHDOG_MS, zeuesBin: ZEUES_BIN });
const { tmp } = run;
const check = (name, fn) => run.check(name, fn);
const secs = () => run.secs();
const spawnChild = (cmd, args, opts) => run.spawnChild(cmd, args, opts);

/* ------------------------------------------------------------------------------------------ */
/* services                                                                                    */
/* ------------------------------------------------------------------------------------------ */

function tcpOpen(port) {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** Captures a child's output into a file, and keeps its tail in memory for failure reports. */
function capture(p, name) {
  const log = fs.createWriteStream(path.join(tmp, name + '.log'));
  p.tail = '';
  const keep = (d) => { log.write(d); p.tail = (p.tail + d.toString()).slice(-4000); };
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
}

async function startRedis() {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const p = spawnChild(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { cwd: tmp });
    capture(p, 'redis-' + attempt);
    for (let i = 0; i < 100 && p.exitCode === null; i++) {
      if (await tcpOpen(port)) {
        // Another test's Redis may own this port (probed free, taken before our bind): ours
        // then exits at once on the bind error, so make sure it is still running.
        await sleep(300);
        if (p.exitCode === null) return { port, proc: p };
        break;
      }
      await sleep(50);
    }
    try { p.kill('SIGKILL'); } catch (e) { /* gone */ }
  }
  throw new Error('redis-server did not start');
}

function runToEnd(cmd, args, opts) {
  const p = spawnChild(cmd, args, opts);
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { out += d; });
  return p.exited.then(({ code, sig }) => {
    const rep = sanitizerExcerpt(out);
    if (rep) throw new Error(`${path.basename(cmd)} ${args.join(' ')}: sanitizer report (exit ${code ?? sig}):\n${rep}`);
    if (code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code ?? sig}: ${out.slice(-1500)}`);
    return out;
  });
}

async function startZeues(db, redisPort) {
  const env = Object.assign({}, process.env, { REDIS_URL: `redis://127.0.0.1:${redisPort}` });
  const p = spawnChild(ZEUES_BIN, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db], { cwd: tmp, env });
  capture(p, 'zeues');
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('no "listening on" line within 20 s:\n' + p.tail)), 20000);
    p.stdout.on('data', (d) => {
      buf += d.toString();
      const m = /listening on http:\/\/[0-9.]+:(\d+)/.exec(buf);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    p.exited.then(({ code, sig }) => { clearTimeout(timer); reject(new Error(`zeues serve exited ${code ?? sig}:\n${p.tail}`)); });
  });
  return { port, proc: p };
}

/* ------------------------------------------------------------------------------------------ */
/* browser helpers                                                                             */
/* ------------------------------------------------------------------------------------------ */

const consoleErrors = [];
function watchPage(page, label) {
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${label}: console.error: ${m.text()} ${m.location() && m.location().url ? '(' + m.location().url + ')' : ''}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${label}: pageerror: ${e.message}`));
  return page;
}

const shot = (page, name) => shotFile(page, path.join(SHOTS, name + '.png'));

async function textOf(page, id) { return (await page.locator(tid(id)).first().textContent()) || ''; }

const onDash = async (dash, tag) => (await dash.locator(tid('occupied-' + tag)).count()) === 1;

/** Waits until the dashboard shows (or no longer shows) a row; returns the elapsed ms. */
async function dashWait(dash, tag, state, who) {
  const start = Date.now();
  const row = dash.locator(tid('occupied-' + tag));
  if (state === 'gone') {
    await row.waitFor({ state: 'detached', timeout: LIVE_MS });
  } else {
    await row.waitFor({ state: 'visible', timeout: LIVE_MS });
    if (who) {
      const left = Math.max(1, LIVE_MS - (Date.now() - start));
      await dash.waitForFunction(([sel, w]) => {
        const r = document.querySelector(sel);
        return !!r && !!r.querySelector('td.c-who') && r.querySelector('td.c-who').textContent.includes(w);
      }, [tid('occupied-' + tag), who], { timeout: left });
    }
  }
  return Date.now() - start;
}

/* ------------------------------------------------------------------------------------------ */
/* the tablet flow                                                                             */
/* ------------------------------------------------------------------------------------------ */

/** Worker picker → (search) → worker → ARM → action; ends on the spool list, loaded. */
async function openList(tab, worker, action) {
  await tab.locator(tid('home')).click();
  await tab.locator(tid('worker-search')).waitFor();
  await tab.locator(tid('worker-search')).fill(worker.query);
  await tab.locator(tid('worker-' + worker.id)).waitFor();
  await tab.locator(tid('worker-' + worker.id)).click();
  await tab.locator(tid('op-ARM')).waitFor();
  await tab.locator(tid('op-ARM')).click();
  await tab.locator(tid('action-' + action)).waitFor();
  await tab.locator(tid('action-' + action)).click();
  // the list is loaded when the rows or the "empty" text are there
  await tab.locator('[data-testid^="spool-row-"], [data-testid="empty-list"], [data-testid="error-message"]').first().waitFor();
  const err = tab.locator('.list-status ' + tid('error-message'));
  if (await err.count()) throw new Error('spool list error: ' + (await err.first().textContent()));
}

async function selectRow(tab, tag) {
  const row = tab.locator(tid('spool-row-' + tag));
  await row.click();
  await tab.waitForFunction((sel) => {
    const r = document.querySelector(sel);
    return r && r.classList.contains('selected') && r.getAttribute('aria-pressed') === 'true';
  }, tid('spool-row-' + tag), { timeout: 2000 });
}

/** From a spool list with a selection: continue → confirm → result; returns the summary text. */
async function confirmAndResult(tab, tags, shotConfirm, shotResult) {
  await tab.locator(tid('continue')).click();
  await tab.locator(tid('confirm')).waitFor();
  for (const t of tags) await tab.locator(tid('confirm-item-' + t)).waitFor({ timeout: 2000 });
  if (shotConfirm) await shot(tab, shotConfirm);
  await tab.locator(tid('confirm')).click();
  await tab.locator(tid('result-summary')).waitFor({ timeout: 15000 });
  if (shotResult) await shot(tab, shotResult);
  const summary = (await textOf(tab, 'result-summary')).trim();
  const bads = [];
  for (const t of tags) {
    const item = tab.locator(tid('result-item-' + t));
    if (!(await item.count())) { bads.push(`${t}: no result item`); continue; }
    const cls = (await item.getAttribute('class')) || '';
    if (!cls.split(/\s+/).includes('ok')) bads.push(`${t}: ${(await item.textContent()).trim()}`);
  }
  const want = `${tags.length} de ${tags.length} spools procesados exitosamente`;
  assert(summary === want && !bads.length, `result: "${summary}" (want "${want}") ${bads.join('; ')}`);
  return summary;
}

/* ------------------------------------------------------------------------------------------ */
/* the union flow (v4)                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** The 8 unions given to the spool of the union flow: (DN, type); MIT is ARM-only. */
const UNIONS = [[2, 'BW'], [2.5, 'BW'], [3, 'SO'], [4, 'MIT'], [1.5, 'FILL'], [6, 'BR'], [0.75, 'BW'], [2, 'MIT']];
const PD_FMT = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 2 });
const pd = (x) => PD_FMT.format(x);
const dnSum = (ns) => ns.reduce((a, n) => a + Math.round(UNIONS[n - 1][0] * 100), 0) / 100;

/** From the PAUSAR/COMPLETAR list of worker: tap the spool with unions → its union selection. */
async function openUnions(tab, worker, action, tag) {
  await openList(tab, worker, action);
  const row = tab.locator(tid('spool-row-' + tag));
  await row.waitFor();
  const cls = (await row.getAttribute('class')) || '';
  assert(cls.split(/\s+/).includes('union-nav'), `${tag} in the ${action} list is not a union row (class "${cls}")`);
  await row.click();
  await tab.locator(tid('union-screen')).waitFor();
  await tab.locator(tid('union-row-' + UNIONS.length)).waitFor();
  assert((await textOf(tab, 'union-tag')).trim() === tag, 'the union screen names another spool');
  await tab.waitForFunction((sel) => { const b = document.querySelector(sel); return b && !b.disabled; }, tid('union-finalizar'));
}

/** Which union rows are selectable / selected now: {enabled: [n...], selected: [n...]}. */
async function unionRows(tab) {
  return tab.locator('[data-testid^="union-row-"]').evaluateAll((els) => {
    const n = (e) => Number(e.getAttribute('data-testid').slice('union-row-'.length));
    return {
      enabled: els.filter((e) => !e.disabled).map(n),
      selected: els.filter((e) => e.getAttribute('aria-pressed') === 'true').map(n),
    };
  });
}

/** FINALIZAR on the union screen; returns the outcome screen's facts. */
async function finalizar(tab) {
  await tab.locator(tid('union-finalizar')).click();
  await tab.locator(tid('union-result')).waitFor({ timeout: 15000 });
  return {
    action: await tab.locator(tid('union-result')).getAttribute('data-action'),
    title: (await tab.locator('.screen-title').textContent()).trim(),
    shown: (await textOf(tab, 'union-action')).trim(),
    processed: (await textOf(tab, 'union-processed')).trim(),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* main                                                                                        */
/* ------------------------------------------------------------------------------------------ */

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  assert(fs.existsSync(ZEUES_BIN), `ZEUES_BIN ${ZEUES_BIN} does not exist (build the zeues target)`);
  assert(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error('playwright-core is not installed: run `npm ci` in tests/e2e (run.sh does it)');
  }

  /* services */
  const redis = await startRedis();
  const db = path.join(tmp, 'z.db');
  await runToEnd(ZEUES_BIN, ['demo', '--db', db, '--spools', '120'], { cwd: tmp });
  const zeues = await startZeues(db, redis.port);
  const BASE = `http://127.0.0.1:${zeues.port}`;
  console.log(`[${secs()}s] redis on ${redis.port}, zeues on ${BASE}, screenshots in ${SHOTS}`);

  const getJson = async (p) => { const r = await fetch(BASE + p); assert(r.ok, `GET ${p}: ${r.status}`); return r.json(); };

  /* Is the live stream there? (503 until the SSE hub lands) */
  let sseStatus = 0, sseType = '';
  try {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 5000); // headers must come at once, not with the first event
    const r = await fetch(BASE + '/api/sse/stream', { signal: ctrl.signal, headers: { Accept: 'text/event-stream' } });
    clearTimeout(timer);
    sseStatus = r.status; sseType = r.headers.get('content-type') || '';
    ctrl.abort();
  } catch (e) { sseStatus = -1; sseType = '(no response headers within 5 s)'; }
  await check('GET /api/sse/stream answers 200 text/event-stream', () => {
    assert(sseStatus === 200 && sseType.startsWith('text/event-stream'),
      `got ${sseStatus} ${sseType} (the live stream is not implemented yet?)`);
  });

  /* the two Armadores */
  const workersRaw = await getJson('/api/workers');
  const workers = Array.isArray(workersRaw) ? workersRaw : workersRaw.workers;
  const isArmador = (w) => w.activo === true && (Array.isArray(w.roles) && w.roles.length ? w.roles : [w.rol])
    .some((r) => String(r).toLowerCase() === 'armador');
  const w1raw = workers.find((w) => w.id === 93 && isArmador(w)) || workers.find(isArmador);
  const w2raw = w1raw && (workers.find((w) => isArmador(w) && w.id !== w1raw.id && w.id === 95) ||
    workers.find((w) => isArmador(w) && w.id !== w1raw.id));
  assert(w1raw && w2raw, 'the demo plant has fewer than two active Armadores');
  const W1 = { id: w1raw.id, name: `${w1raw.nombre} ${w1raw.apellido}`.trim(), short: w1raw.nombre_completo, query: w1raw.nombre };
  // search without accents and in lower case: the picker normalises both
  const W2 = {
    id: w2raw.id, name: `${w2raw.nombre} ${w2raw.apellido}`.trim(), short: w2raw.nombre_completo,
    query: w2raw.nombre.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(),
  };
  console.log(`[${secs()}s] worker 1: ${W1.id} ${W1.name} (${W1.short}); worker 2: ${W2.id} ${W2.name} (${W2.short})`);

  /* browser: one context for the tablet, another for the wall */
  let tm = Date.now();
  const browser = run.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.ZEUES_E2E_HEADED !== '1',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
      .filter((a) => a !== '--headless' || process.env.ZEUES_E2E_HEADED !== '1'),
    timeout: 30000,
  });
  console.log(`    chromium started in ${Date.now() - tm} ms`);
  const tabCtx = await browser.newContext({ viewport: WIDE, locale: 'es-CL', timezoneId: 'America/Santiago' });
  const wallCtx = await browser.newContext({ viewport: WIDE, locale: 'es-CL', timezoneId: 'America/Santiago' });
  tabCtx.setDefaultTimeout(10000);
  wallCtx.setDefaultTimeout(10000);

  const dash = watchPage(await wallCtx.newPage(), 'dashboard');
  let dashLoads = 0;
  dash.on('load', () => { dashLoads++; });
  tm = Date.now();
  await dash.goto(BASE + '/app/dashboard.html');
  console.log(`    dashboard loaded in ${Date.now() - tm} ms`);
  await dash.waitForFunction(() => document.getElementById('updated') && document.getElementById('updated').textContent !== '');
  await dash.evaluate(() => { window.__e2eSameDocument = true; });

  const tab = watchPage(await tabCtx.newPage(), 'tablet');
  tm = Date.now();
  await tab.goto(BASE + '/app/index.html');
  await tab.locator(tid('worker-search')).waitFor();
  console.log(`    tablet loaded in ${Date.now() - tm} ms`);

  await check('sse-badge shows CONECTADO on the tablet and the dashboard', async () => {
    for (const [p, n] of [[tab, 'tablet'], [dash, 'dashboard']]) {
      const start = Date.now();
      try {
        await p.waitForFunction((sel) => {
          const b = document.querySelector(sel);
          return b && b.textContent.trim() === 'CONECTADO' && b.classList.contains('on');
        }, tid('sse-badge'), { timeout: 5000 });
        console.log(`    ${n}: CONECTADO after ${Date.now() - start} ms more`);
      } catch (e) {
        throw new Error(`${n}: badge says "${(await textOf(p, 'sse-badge')).trim()}"`);
      }
    }
  });

  /* ---- 1. worker 1 takes two spools in one batch ---- */
  let TAG1 = '', TAG2 = '';
  const flowOk = await check(`${W1.name} takes two spools in one batch (ARM · TOMAR)`, async () => {
    await tab.locator(tid('worker-search')).fill(W1.query);
    await tab.locator(tid('worker-' + W1.id)).waitFor();
    // the search narrows the picker
    const tiles = await tab.locator('[data-testid^="worker-"]:not([data-testid="worker-search"])').count();
    assert(tiles >= 1 && tiles < workers.length, `search "${W1.query}" left ${tiles} worker tiles`);
    await shot(tab, '01-worker-picker');
    await tab.locator(tid('worker-' + W1.id)).click();
    await tab.locator(tid('op-ARM')).waitFor();
    await shot(tab, '02-operation');
    await tab.locator(tid('op-ARM')).click();
    await tab.locator(tid('action-TOMAR')).waitFor();
    await shot(tab, '03-action');
    await tab.locator(tid('action-TOMAR')).click();
    await tab.locator('[data-testid^="spool-row-"]').first().waitFor();
    const tags = await tab.locator('[data-testid^="spool-row-"]:not([disabled])')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid').slice('spool-row-'.length)));
    assert(tags.length >= 4, `only ${tags.length} spools to take in ARM`);
    const occupied = new Set((await getJson('/api/dashboard/occupied')).map((x) => x.tag_spool));
    // the v3 screens: spools without unions (a spool with unions is finished union by union)
    const withUnions = new Set((await getJson('/api/spools/iniciar?operacion=ARM')).spools
      .filter((x) => Number(x.total_uniones) > 0).map((x) => x.tag_spool));
    const free = tags.filter((t) => !occupied.has(t) && !withUnions.has(t));
    [TAG1, TAG2] = [free[0], free[2]];
    assert(TAG1 && TAG2, 'no two free spools in the list');
    console.log(`[${secs()}s] spools: ${TAG1}, ${TAG2}`);
    // first by tapping, the second through the TAG filter (as a scan typed in the field)
    await selectRow(tab, TAG1);
    await tab.locator(tid('filter-tag')).fill(TAG2.toLowerCase());
    await tab.waitForFunction((t) => {
      const rows = [...document.querySelectorAll('[data-testid^="spool-row-"]')];
      return rows.length >= 1 && rows.every((r) => r.getAttribute('data-testid').includes(t));
    }, TAG2, { timeout: 3000 });
    await selectRow(tab, TAG2);
    await tab.locator(tid('filter-tag')).fill('');
    await tab.locator(tid('spool-row-' + TAG1)).waitFor();
    const count = (await textOf(tab, 'selected-count')).trim();
    assert(/^2 seleccionados/.test(count), `selected-count says "${count}"`);
    const selected = await tab.locator('.spool-row.selected').count();
    assert(selected === 2, `${selected} rows have class "selected"`);
    assert(/\(2\)/.test(await textOf(tab, 'continue')), 'continue button does not say (2)');
    await shot(tab, '04-spool-list-selected');
    await confirmAndResult(tab, [TAG1, TAG2], '05-confirm', '06-result');
  });

  if (flowOk) {
    await check('dashboard shows both spools live after the batch (≤ 3 s)', async () => {
      try {
        const a = await dashWait(dash, TAG1, 'shown', W1.short);
        const b = await dashWait(dash, TAG2, 'shown', W1.short);
        console.log(`    live in ${a} ms / ${b} ms`);
      } finally {
        await shot(dash, '07-dashboard');
        await dash.locator('#occ-title').evaluate((e) => { // below the sticky top bar
          const bar = document.querySelector('.topbar');
          window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8);
        });
        await shot(dash, '07-dashboard-occupied');
        await dash.evaluate(() => window.scrollTo(0, 0));
      }
    });
  }

  /* ---- 2. worker 1 pauses the first one ---- */
  let pauseOk = false;
  if (flowOk) {
    const before = await onDash(dash, TAG1);
    pauseOk = await check(`${W1.name} pauses ${TAG1} (ARM · PAUSAR)`, async () => {
      await openList(tab, W1, 'PAUSAR');
      await tab.locator(tid('spool-row-' + TAG2)).waitFor();
      await selectRow(tab, TAG1);
      const count = (await textOf(tab, 'selected-count')).trim();
      assert(/^1 seleccionados/.test(count), `selected-count says "${count}"`);
      await confirmAndResult(tab, [TAG1]);
    });
    if (pauseOk) {
      await check('dashboard drops the paused spool live (≤ 3 s), the other stays', async () => {
        assert(before, `${TAG1} was not on the dashboard before the pause`);
        const a = await dashWait(dash, TAG1, 'gone');
        console.log(`    live in ${a} ms`);
        assert(await dash.locator(tid('occupied-' + TAG2)).count() === 1, `${TAG2} vanished too`);
      });
    }
  }

  /* ---- 3. worker 2 takes it over ---- */
  let takeOk = false;
  if (pauseOk) {
    const before = await onDash(dash, TAG1);
    takeOk = await check(`${W2.name} continues ${TAG1} (ARM · TOMAR)`, async () => {
      await openList(tab, W2, 'TOMAR');
      await tab.locator(tid('filter-tag')).fill(TAG1);
      await tab.locator(tid('spool-row-' + TAG1)).waitFor();
      assert(await tab.locator(tid('spool-row-' + TAG2)).count() === 0, `${TAG2} (held by ${W1.short}) is offered to take`);
      await selectRow(tab, TAG1);
      await confirmAndResult(tab, [TAG1]);
    });
    if (takeOk) {
      await check(`dashboard shows ${TAG1} again with ${W2.short} live (≤ 3 s)`, async () => {
        assert(!before, `${TAG1} was still on the dashboard before the takeover`);
        const a = await dashWait(dash, TAG1, 'shown', W2.short);
        console.log(`    live in ${a} ms`);
      });
    }
  }

  /* ---- 4. worker 2 completes it ---- */
  if (takeOk) {
    const before = await onDash(dash, TAG1);
    const doneOk = await check(`${W2.name} completes ${TAG1} (ARM · COMPLETAR)`, async () => {
      await openList(tab, W2, 'COMPLETAR');
      await tab.locator(tid('spool-row-' + TAG1)).waitFor();
      await selectRow(tab, TAG1);
      await confirmAndResult(tab, [TAG1]);
    });
    if (doneOk) {
      await check('dashboard drops the completed spool live (≤ 3 s)', async () => {
        assert(before, `${TAG1} was not on the dashboard before the completion`);
        const a = await dashWait(dash, TAG1, 'gone');
        console.log(`    live in ${a} ms`);
        const n = Number((await textOf(dash, 'occupied-count')).trim());
        const rows = await dash.locator('[data-testid^="occupied-"]:not([data-testid="occupied-count"])').count();
        assert(n === rows, `occupied-count says ${n}, the table has ${rows} rows`);
      });
    }
  }

  await check('the dashboard was never reloaded', async () => {
    assert(dashLoads <= 1 && await dash.evaluate(() => window.__e2eSameDocument === true), `dashboard loaded ${dashLoads} times`);
  });

  /* ---- spool page: history with both sessions ---- */
  if (TAG1) {
    await check(`spool page of ${TAG1} shows 2+ sessions in its history`, async () => {
      const sp = watchPage(await tabCtx.newPage(), 'spool page');
      await sp.goto(`${BASE}/app/spool.html?tag=${encodeURIComponent(TAG1)}`);
      await sp.locator(tid('spool-estado')).waitFor();
      await sp.locator(tid('history-session')).first().waitFor();
      const sessions = await sp.locator(tid('history-session')).allTextContents();
      assert(sessions.length >= 2, `${sessions.length} sessions: ${sessions.join(' | ')}`);
      const all = sessions.join(' | ');
      assert(all.includes(W1.short) && all.includes(W2.short), `history does not name both workers: ${all}`);
      await sp.locator('#history').evaluate((e) => {
        const bar = document.querySelector('.topbar');
        window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8);
      });
      await shot(sp, '08-spool-page');
      await sp.close();
    });
  }

  /* ---- the union flow: a spool with 8 unions ---- */
  let TAGU = '';
  const unionsOk = await check('a free spool gets 8 unions (POST /api/v4/uniones/guardar)', async () => {
    const occupied = new Set((await getJson('/api/dashboard/occupied')).map((x) => x.tag_spool));
    const cand = (await getJson('/api/spools/iniciar?operacion=ARM')).spools.find((x) =>
      !occupied.has(x.tag_spool) && x.tag_spool !== TAG1 && x.tag_spool !== TAG2 && !x.ocupado_por &&
      !x.fecha_armado && !(Number(x.uniones_arm_completadas) > 0));
    assert(cand, 'no free spool without ARM work in the ARM list');
    TAGU = cand.tag_spool;
    const r = await fetch(BASE + '/api/v4/uniones/guardar', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tag_spool: TAGU, unions: UNIONS.map(([dn, tipo], i) => ({ n_union: i + 1, dn_union: dn, tipo_union: tipo })) }),
    });
    const d = await r.json();
    assert(r.status === 200 && d.total_uniones === UNIONS.length, `guardar: ${r.status} ${JSON.stringify(d).slice(0, 300)}`);
    console.log(`[${secs()}s] union spool: ${TAGU}`);
  });

  const iniciar = async (shotName) => {
    await openList(tab, W1, 'TOMAR');
    await tab.locator(tid('filter-tag')).fill(TAGU);
    const row = tab.locator(tid('spool-row-' + TAGU));
    await row.waitFor();
    const chip = (await row.locator(tid('pd-arm')).textContent()) || '';
    assert(/^ARM \d+\/8 · /.test(chip.trim()), `the TOMAR row shows no ARM PD chip of 8 unions: "${chip}"`);
    await selectRow(tab, TAGU);
    await confirmAndResult(tab, [TAGU], null, shotName);
    const msg = (await tab.locator(tid('result-item-' + TAGU)).textContent()) || '';
    assert(/iniciado/i.test(msg), `TOMAR of a spool with unions did not go through INICIAR: "${msg.trim()}"`);
    await tab.locator(tid('union-next')).waitFor({ timeout: 2000 });
  };

  let pausedOk = false;
  if (unionsOk) {
    pausedOk = await check(`${W1.name} INICIARs ${TAGU} (ARM), FINALIZARs 3 of its 8 unions → PAUSADO`, async () => {
      await iniciar('10-union-iniciar');
      const live = await dashWait(dash, TAGU, 'shown', W1.short);
      console.log(`    dashboard shows it in ${live} ms`);
      await openUnions(tab, W1, 'PAUSAR', TAGU);
      let rows = await unionRows(tab);
      assert(rows.enabled.join() === '1,2,3,4,5,6,7,8' && rows.selected.length === 0, `rows before: ${JSON.stringify(rows)}`);
      assert((await textOf(tab, 'union-finalizar')).includes('PAUSAR'), 'with nothing selected the button does not pause');
      await shot(tab, '11-union-select');
      for (const n of [1, 2, 3]) await tab.locator(tid('union-row-' + n)).click();
      rows = await unionRows(tab);
      assert(rows.selected.join() === '1,2,3', `selected rows: ${rows.selected}`);
      const want = `Seleccionaste 3 uniones = ${pd(dnSum([1, 2, 3]))} PD`;
      const sum = (await textOf(tab, 'union-sum')).trim();
      assert(sum === want, `sum says "${sum}", want "${want}"`);
      assert(/PAUSADO/.test(await textOf(tab, 'union-hint')), 'the hint does not announce a pause');
      await shot(tab, '12-union-selected-3');
      const res = await finalizar(tab);
      await shot(tab, '13-union-pausado');
      assert(res.action === 'PAUSAR' && res.shown === 'PAUSAR' && /PAUSADO/.test(res.title),
        `outcome: ${JSON.stringify(res)}`);
      assert(res.processed.startsWith('3 = ' + pd(dnSum([1, 2, 3])) + ' PD'), `processed: "${res.processed}"`);
      const todas = (await getJson(`/api/v4/uniones/${encodeURIComponent(TAGU)}/todas`)).unions;
      const armed = todas.filter((u) => u.arm_worker).map((u) => u.n_union).sort((a, b) => a - b);
      assert(armed.join() === '1,2,3' && todas.every((u) => !u.arm_worker || u.arm_worker === W1.short),
        `unions with ARM on the server: ${JSON.stringify(todas.map((u) => [u.n_union, u.arm_worker]))}`);
      const gone = await dashWait(dash, TAGU, 'gone');
      console.log(`    dashboard drops it in ${gone} ms`);
    });
  }

  let completedOk = false;
  if (pausedOk) {
    completedOk = await check(`${W1.name} INICIARs ${TAGU} again, selects the other 5 → COMPLETADO`, async () => {
      const before = (await textOf(dash, 'pd-hoy-arm')).trim();
      await iniciar(null);
      await openUnions(tab, W1, 'COMPLETAR', TAGU);
      let rows = await unionRows(tab);
      assert(rows.enabled.join() === '4,5,6,7,8', `selectable rows after the pause: ${rows.enabled}`);
      const done = (await tab.locator(tid('union-row-1')).textContent()) || '';
      assert(done.includes('ARM ✓ ' + W1.short), `union 1 does not say who armed it: "${done}"`);
      await tab.locator(tid('union-select-all')).click();
      rows = await unionRows(tab);
      assert(rows.selected.join() === '4,5,6,7,8', `"Seleccionar todas" selected ${rows.selected}`);
      const want = `Seleccionaste 5 uniones = ${pd(dnSum([4, 5, 6, 7, 8]))} PD`;
      const sum = (await textOf(tab, 'union-sum')).trim();
      assert(sum === want, `sum says "${sum}", want "${want}"`);
      assert(/COMPLETA/.test(await textOf(tab, 'union-hint')), 'the hint does not announce the completion');
      await shot(tab, '14-union-select-rest');
      const res = await finalizar(tab);
      await shot(tab, '15-union-completado');
      assert(res.action === 'COMPLETAR' && res.shown === 'COMPLETAR' && /COMPLETADO/.test(res.title),
        `outcome: ${JSON.stringify(res)}`);
      const st = await getJson(`/api/spool/${encodeURIComponent(TAGU)}/status`);
      assert(st.uniones_arm_completadas === 8 && st.fecha_armado && st.pulgadas_arm === dnSum([1, 2, 3, 4, 5, 6, 7, 8]),
        `spool after COMPLETAR: ${JSON.stringify(st).slice(0, 400)}`);
      // the wall's PD hoy follows the FINALIZAR live
      const api = await getJson('/api/dashboard/pd-hoy');
      const start = Date.now();
      await dash.waitForFunction(([sel, v]) => {
        const e = document.querySelector(sel);
        return !!e && e.textContent.trim() === v;
      }, [tid('pd-hoy-arm'), pd(api.arm)], { timeout: LIVE_MS });
      assert(api.arm >= dnSum([1, 2, 3, 4, 5, 6, 7, 8]), `pd-hoy ARM ${api.arm} is below this spool's 8 unions`);
      console.log(`    dashboard PD hoy ARM ${before} → ${pd(api.arm)} in ${Date.now() - start} ms`);
      await shot(dash, '16-dashboard-pd-hoy');
    });
  }

  if (completedOk) {
    await check(`Mi Registro of ${W1.name} shows the 8 unions of ${TAGU} with their PD total`, async () => {
      // A second spool of the day for W1 (through the API), so the day has two groups and the
      // total is more than any one of them.
      const post = async (path, body) => {
        const r = await fetch(BASE + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        const d = await r.json();
        assert(r.status === 200, `POST ${path}: ${r.status} ${JSON.stringify(d).slice(0, 300)}`);
        return d;
      };
      const occupied = new Set((await getJson('/api/dashboard/occupied')).map((x) => x.tag_spool));
      const other = (await getJson('/api/spools/iniciar?operacion=ARM')).spools.find((x) => ![TAG1, TAG2, TAGU].includes(x.tag_spool) &&
        !occupied.has(x.tag_spool) && !x.fecha_armado && !(Number(x.total_uniones) > 0));
      assert(other, 'no second free spool for Mi Registro');
      const TAGV = other.tag_spool;
      const g = await post('/api/v4/uniones/guardar', { tag_spool: TAGV, unions: [{ n_union: 1, dn_union: 1, tipo_union: 'BW' }, { n_union: 2, dn_union: 0.5, tipo_union: 'SO' }] });
      await post('/api/v4/occupation/iniciar', { tag_spool: TAGV, worker_id: W1.id, operacion: 'ARM' });
      const f = await post('/api/v4/occupation/finalizar', { tag_spool: TAGV, worker_id: W1.id, operacion: 'ARM', selected_unions: g.created_ids.map((c) => c.id) });
      assert(f.action_taken === 'COMPLETAR', `FINALIZAR of ${TAGV}: ${JSON.stringify(f)}`);
      await tab.locator(tid('open-registro')).click();
      await tab.waitForURL(/\/app\/registro\.html\?worker=/);
      await tab.locator(tid('registro-pd-total')).waitFor();
      const api = await getJson(`/api/registro/${W1.id}`);
      const total = (await textOf(tab, 'registro-pd-total')).trim();
      assert(total === pd(api.resumen.pd_total), `PD HOY says ${total}, the server ${api.resumen.pd_total}`);
      assert(api.resumen.pd_total >= dnSum([1, 2, 3, 4, 5, 6, 7, 8]) + 1.5, `registro total ${api.resumen.pd_total}`);
      const groups = await tab.locator(tid('registro-group')).count();
      assert(groups === api.spools.length && groups >= 2, `${groups} groups shown, the server has ${api.spools.length}`);
      await tab.locator(`${tid('registro-group')}[data-tag="${TAGV}"][data-op="ARM"]`).waitFor();
      assert(/PD HOY/.test(await tab.locator('.pd-hoy-label').textContent()), 'the figure is not labelled PD HOY');
      const group = tab.locator(`${tid('registro-group')}[data-tag="${TAGU}"][data-op="ARM"]`);
      await group.waitFor();
      const n = await group.locator(tid('registro-union')).count();
      const gpd = (await group.locator(tid('registro-group-pd')).textContent()).trim();
      assert(n === 8 && gpd === pd(dnSum([1, 2, 3, 4, 5, 6, 7, 8])) + ' PD', `group of ${TAGU}: ${n} unions, "${gpd}"`);
      const wsel = await tab.locator(tid('registro-worker')).inputValue();
      assert(wsel === String(W1.id), `the worker picker says ${wsel}`);
      await shot(tab, '17-mi-registro');
      await tab.emulateMedia({ media: 'print' });
      const hidden = await tab.locator('.topbar').isHidden() && await tab.locator(tid('registro-print')).isHidden();
      await tab.setViewportSize({ width: 794, height: 1123 });
      await shot(tab, '18-mi-registro-print');
      await tab.emulateMedia({ media: 'screen' });
      await tab.setViewportSize(WIDE);
      assert(hidden, 'the print stylesheet keeps the header or the controls');
      await tab.goto(BASE + '/app/index.html');
    });

    await check(`notes added on the spool page of ${TAGU} show there (also after a reload)`, async () => {
      const sp = watchPage(await tabCtx.newPage(), 'spool notes');
      await sp.goto(`${BASE}/app/spool.html?tag=${encodeURIComponent(TAGU)}`);
      await sp.locator(tid('spool-pd-arm')).waitFor();
      const arm = (await textOf(sp, 'spool-pd-arm')).replace(/\s+/g, ' ');
      assert(arm.includes(pd(dnSum([1, 2, 3, 4, 5, 6, 7, 8]))) && arm.includes('8 de 8'), `ARM tile: "${arm}"`);
      assert(await sp.locator('[data-testid^="spool-union-"]').count() === 8, 'the unions table has not 8 rows');
      const before = await sp.locator(tid('nota-line')).count();
      const n1 = 'Unión 4 con brida girada, revisar antes de soldar';
      await sp.locator(tid('nota-texto')).fill(n1);
      const count = (await textOf(sp, 'nota-count')).trim();
      assert(count === `${n1.length}/500`, `counter says "${count}"`);
      await sp.locator(tid('nota-add')).click();
      await sp.locator(tid('nota-line')).nth(before).waitFor();
      const n2 = 'Terminado ARM de las 8 uniones';
      await sp.locator(tid('nota-texto')).fill(n2);
      await sp.locator(tid('nota-worker')).selectOption(String(W1.id));
      await sp.locator(tid('nota-add')).click();
      await sp.locator(tid('nota-line')).nth(before + 1).waitFor();
      assert((await sp.locator(tid('nota-texto')).inputValue()) === '', 'the box was not emptied after adding');
      const check2 = async (where) => {
        const lines = await sp.locator(tid('nota-line')).allTextContents();
        const tail = lines.slice(-2);
        assert(lines.length === before + 2 && /^\d{8}: /.test(tail[0]) && tail[0].endsWith(n1) && tail[1].endsWith(n2),
          `${where}: notes ${JSON.stringify(lines)}`);
      };
      await check2('after adding');
      await sp.locator('#notas').evaluate((e) => {
        const bar = document.querySelector('.topbar');
        window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8);
      });
      await shot(sp, '19-spool-notas');
      await sp.reload();
      await sp.locator(tid('nota-line')).nth(before + 1).waitFor();
      await check2('after a reload');
      await sp.close();
    });
  }

  /* ---- portrait tablet ---- */
  await check('portrait (800x1280) spool list renders', async () => {
    const pp = watchPage(await tabCtx.newPage(), 'portrait');
    await pp.setViewportSize(PORTRAIT);
    await pp.goto(`${BASE}/app/index.html#/w/${W1.id}/ARM/TOMAR`);
    await pp.locator('[data-testid^="spool-row-"]').first().waitFor();
    const first = pp.locator('[data-testid^="spool-row-"]').first();
    await first.click();
    const box = await first.boundingBox();
    assert(box && box.height >= 44 && box.width <= PORTRAIT.width, `row box ${JSON.stringify(box)}`);
    const overflow = await pp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert(overflow <= 0, `page scrolls horizontally by ${overflow}px`);
    await shot(pp, '09-portrait-spool-list');
    await pp.close();
  });

  await check('no console errors or page errors', () => {
    assert(consoleErrors.length === 0, consoleErrors.slice(0, 10).join('\n'));
  });

  await check('zeues serve is still running', () => {
    assert(zeues.proc.exitCode === null && zeues.proc.signalCode === null, 'zeues died:\n' + zeues.proc.tail);
  });
  return zeues;
}

await run.finish(main);
