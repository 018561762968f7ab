// Browser end-to-end test of authentication (issue 18): the built-in UI in headless Chromium
// over HTTPS with a test CA made by `zeues cert`, against `zeues serve --auth devices+pin`.
//
// Set-up: a real redis-server, the fixture plant imported with `zeues import` (it has a
// BLOQUEADO spool), `zeues cert --host zeues.test --ip 127.0.0.1`, a tablet code from
// `zeues device add`, worker 93's PIN from `zeues worker pin` and a supervisor from
// `zeues supervisor add` (both secrets on stdin). Chromium resolves zeues.test to 127.0.0.1 and
// trusts the test CA's key (--ignore-certificate-errors-spki-list with the CA's SPKI hash:
// errors are ignored only for chains holding that key), so the page is a real secure context
// on a name that is not loopback, as on a tablet; node's TLS client checks the chain against
// ca.pem itself.
// Scenario: enroll the tablet at /app/enroll → worker 93 · ARM · TOMAR one spool → the UI asks
// the PIN (the server answered PIN_REQUIRED) → type it → the TOMAR succeeds; then /app/login as
// the supervisor → /app/console → open the BLOQUEADO spool → DESBLOQUEAR with a reason → the
// audit trail on the page shows SUPERVISOR_OVERRIDE by the supervisor. Screenshots go to
// $ZEUES_BUILD/screenshots/auth-*.png. Every process of the binary must end without a
// sanitizer report and `zeues serve` must exit 0 on SIGTERM.
//
// Output: one line per check, then `N passed, M failed`; exit code 0 only if all passed.

import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
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
const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'plant');
const HOST = 'zeues.test';
const PIN = '482196'; // six digits: not confused with numbers the log carries anyway
const SUP = { name: 'Ana Soto', password: 'clave-e2e-supervisora' };
const BLOCKED = 'MK-1335-CW-25238-015';
const WATCHDOG_MS = 120000;

const run = new Run({ tmpPrefix: 'zeues-e2e-auth-', watchdogMs: WATCHDOG_MS, zeuesBin: ZEUES_BIN, msgLines: 8 });
const { tmp } = run;
const check = (name, fn) => run.check(name, fn);
const secs = () => run.secs();
const spawnChild = (cmd, args, opts) => run.spawnChild(cmd, args, opts);

/** Runs `zeues args...` with input on stdin to its end; returns its output or throws. */
async function zeues(args, input) {
  const p = spawnChild(ZEUES_BIN, args, { cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin.end(input || '');
  const { code, sig } = await p.exited;
  const rep = sanitizerExcerpt(p.out);
  if (rep) throw new Error(`zeues ${args.join(' ')}: sanitizer report:\n${rep}`);
  if (code !== 0) throw new Error(`zeues ${args[0]} exited ${code ?? sig}: ${p.out.slice(-1500)}`);
  return p.out;
}

async function startRedis() {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const p = spawnChild(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { cwd: tmp });
    for (let i = 0; i < 60 && p.exitCode === null; i++) {
      await sleep(50);
      if (/Ready to accept connections/.test(p.out)) return port;
    }
    try { p.kill('SIGKILL'); } catch (e) { /* gone */ }
  }
  throw new Error('redis-server did not start');
}

async function startServe(args, env) {
  const p = spawnChild(ZEUES_BIN, ['serve', '--port', '0', '--bind', '127.0.0.1', ...args],
    { cwd: tmp, env: Object.assign({}, process.env, env) });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "listening on" line within 20 s:\n' + p.out.slice(-2000))), 20000);
    p.stdout.on('data', () => {
      const m = /listening on https:\/\/[0-9.]+:(\d+)/.exec(p.out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    p.exited.then(({ code, sig }) => { clearTimeout(timer); reject(new Error(`zeues serve exited ${code ?? sig}:\n${p.out.slice(-2000)}`)); });
  });
  return { port, proc: p };
}

/** GET over TLS trusting only ca (the chain is checked against it, for servername HOST). */
function getWithCa(port, p, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: p, servername: HOST, ca, headers: { Host: `${HOST}:${port}` } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

const shot = (page, name) => shotFile(page, path.join(SHOTS, 'auth-' + name + '.png'));

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  assert(fs.existsSync(ZEUES_BIN), `ZEUES_BIN ${ZEUES_BIN} does not exist`);
  assert(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  const { chromium } = await import('playwright-core');

  /* services and credentials */
  const redisPort = await startRedis();
  const db = path.join(tmp, 'z.db');
  const tls = path.join(tmp, 'tls');
  await zeues(['import', '--db', db, '--dir', FIXTURE]);
  const certOut = await zeues(['cert', '--host', HOST, '--ip', '127.0.0.1', '--dir', tls]);
  const codeOut = await zeues(['device', 'add', 'Tablet E2E', '--db', db]);
  const code = (/Código de enrolamiento: (\S+)/.exec(codeOut) || [])[1];
  assert(code, 'no enrolment code in: ' + codeOut);
  await zeues(['worker', 'pin', '93', '--db', db], PIN + '\n');
  await zeues(['supervisor', 'add', SUP.name, '--db', db], SUP.password + '\n');
  const srv = await startServe(['--db', db, '--auth', 'devices+pin',
    '--tls-cert', path.join(tls, 'server.pem'), '--tls-key', path.join(tls, 'server.key')],
  { REDIS_URL: `redis://127.0.0.1:${redisPort}`, ZEUES_COMPAT: 'v3' });
  const BASE = `https://${HOST}:${srv.port}`;
  console.log(`[${secs()}s] zeues on ${BASE} (127.0.0.1), ${certOut.split('\n')[0]}`);
  const caPem = fs.readFileSync(path.join(tls, 'ca.pem'));

  await check('the server certificate chains to the test CA for zeues.test (node TLS, ca.pem only)', async () => {
    const r = await getWithCa(srv.port, '/api/health', caPem);
    assert(r.status === 200, `health: ${r.status}`);
    assert(r.headers['strict-transport-security'] === 'max-age=31536000', 'no HSTS header');
    assert(JSON.parse(r.body).auth === 'devices+pin', r.body);
  });

  /* the CA's SPKI hash: Chromium ignores certificate errors only for chains holding it */
  const caSpki = crypto.createHash('sha256')
    .update(new crypto.X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const browser = run.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${caSpki}`],
    timeout: 30000,
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'es-CL', timezoneId: 'America/Santiago' });
  ctx.setDefaultTimeout(15000);
  const consoleErrors = [];
  const tab = await ctx.newPage();
  tab.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  tab.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));

  /* 1. enrol */
  const enrolled = await check('enrol the tablet at /app/enroll (HTTPS, secure context, HttpOnly cookie)', async () => {
    await tab.goto(BASE + '/app/enroll');
    const secure = await tab.evaluate(() => window.isSecureContext && !!navigator.mediaDevices);
    assert(secure, 'the page is not a secure context (no navigator.mediaDevices: no camera)');
    await tab.locator(tid('enroll-code')).fill(code.toLowerCase());
    await shot(tab, '01-enroll');
    await tab.locator(tid('enroll-submit')).click();
    await tab.waitForURL(/\/app\/(index\.html)?(#.*)?$/);
    await tab.locator(tid('worker-search')).waitFor();
    const cookies = await ctx.cookies(BASE);
    const dev = cookies.find((c) => c.name === 'zeues_device');
    assert(dev && dev.httpOnly && dev.secure && dev.sameSite === 'Strict', 'device cookie: ' + JSON.stringify(dev));
    assert(await tab.evaluate(() => !document.cookie.includes('zeues_device')), 'the page script can read the token');
  });

  /* 2. TOMAR with the PIN */
  let TAG = '';
  const took = enrolled && await check('worker 93 · ARM · TOMAR: the UI asks the PIN, then the TOMAR succeeds', async () => {
    await tab.locator(tid('worker-search')).fill('Mauricio');
    await tab.locator(tid('worker-93')).click();
    await tab.locator(tid('op-ARM')).click();
    await tab.locator(tid('action-TOMAR')).click();
    await tab.locator('[data-testid^="spool-row-"]').first().waitFor();
    TAG = (await tab.locator('[data-testid^="spool-row-"]:not([disabled])').first().getAttribute('data-testid')).slice('spool-row-'.length);
    await tab.locator(tid('spool-row-' + TAG)).click();
    await tab.locator(tid('continue')).click();
    await tab.locator(tid('confirm')).click();
    await tab.locator(tid('pin-dialog')).waitFor();
    await tab.locator(tid('pin-input')).fill('0000');
    await tab.locator(tid('pin-submit')).click();
    await tab.waitForFunction((sel) => /incorrecto/i.test((document.querySelector(sel) || {}).textContent || ''), tid('pin-message'));
    await shot(tab, '02-pin-wrong');
    await tab.locator(tid('pin-input')).fill(PIN);
    await shot(tab, '03-pin');
    await tab.locator(tid('pin-submit')).click();
    await tab.locator(tid('result-summary')).waitFor({ timeout: 15000 });
    await shot(tab, '04-tomar-result');
    const summary = ((await tab.locator(tid('result-summary')).textContent()) || '').trim();
    assert(summary === '1 de 1 spools procesados exitosamente', `result: "${summary}"`);
    const item = tab.locator(tid('result-item-' + TAG));
    assert(((await item.getAttribute('class')) || '').split(/\s+/).includes('ok'), 'the spool is not ok: ' + (await item.textContent()));
    assert(await tab.locator(tid('pin-dialog')).count() === 0, 'the PIN dialog is still open');
  });

  await check('the TOMAR is recorded: the spool is occupied by MR(93) (server side)', async () => {
    assert(took, 'no TOMAR');
    const r = await getWithCa(srv.port, '/api/health', caPem);
    assert(r.status === 200, 'server gone');
    const occ = await tab.evaluate(async () => (await (await fetch('/api/dashboard/occupied')).json()));
    assert(occ.some((x) => x.tag_spool === TAG && /93/.test(x.worker_nombre || x.worker || '')), JSON.stringify(occ).slice(0, 400));
  });

  /* 3. the supervisor */
  const signedIn = await check('sign in as the supervisor at /app/login and land on the console', async () => {
    await tab.goto(BASE + '/app/login');
    await tab.locator(tid('login-name')).fill(SUP.name);
    await tab.locator(tid('login-password')).fill('no-es-la-clave');
    await tab.locator(tid('login-submit')).click();
    await tab.waitForFunction((sel) => /incorrect/i.test((document.querySelector(sel) || {}).textContent || ''), tid('login-message'));
    await tab.locator(tid('login-password')).fill(SUP.password);
    await shot(tab, '05-login');
    await tab.locator(tid('login-submit')).click();
    await tab.waitForURL(/\/app\/console$/);
    await tab.waitForFunction((sel) => ((document.querySelector(sel) || {}).textContent || '').includes('Ana Soto'), tid('console-who'));
    const s = (await ctx.cookies(BASE)).find((c) => c.name === 'zeues_session');
    assert(s && s.httpOnly && s.secure && s.sameSite === 'Strict', 'session cookie: ' + JSON.stringify(s));
  });

  await check('unblock the BLOQUEADO spool from the console, audited with who and why', async () => {
    assert(signedIn, 'not signed in');
    await tab.locator(tid('console-tag')).fill(BLOCKED);
    await tab.locator(tid('console-open')).click();
    await tab.waitForFunction((sel) => /BLOQUEADO/.test((document.querySelector(sel) || {}).textContent || ''), tid('console-state'));
    assert(await tab.locator(tid('console-unblock')).isEnabled(), 'DESBLOQUEAR is disabled');
    await tab.locator(tid('console-reason')).fill('QA revisó la soldadura en terreno');
    await shot(tab, '06-console-blocked');
    await tab.locator(tid('console-unblock')).click();
    await tab.waitForFunction((sel) => /^Desbloqueado/.test((document.querySelector(sel) || {}).textContent || ''), tid('console-message'));
    await tab.waitForFunction((sel) => !/BLOQUEADO/.test((document.querySelector(sel) || {}).textContent || ''), tid('console-state'));
    const rows = await tab.locator(tid('console-events') + ' tbody tr').evaluateAll((trs) => trs.map((tr) => tr.textContent));
    const last = rows[rows.length - 1] || '';
    assert(/SUPERVISOR_OVERRIDE/.test(last) && /Ana Soto/.test(last) && /QA revisó la soldadura/.test(last) && /Tablet E2E/.test(last),
      'last audit row: ' + last);
    await shot(tab, '07-console-unblocked');
  });

  await check('no page errors; console errors only the expected 401s (PIN asked, wrong password)', () => {
    const unexpected = consoleErrors.filter((m) => !/status of 401/.test(m));
    assert(unexpected.length === 0, unexpected.slice(0, 5).join('\n'));
  });

  await check('no PIN, password or token in the server output', async () => {
    const out = srv.proc.out;
    const cookies = await ctx.cookies(BASE);
    for (const s of [PIN, SUP.password, code, code.replace('-', ''), ...cookies.map((c) => c.value)]) {
      // as a whole token: "1482196us" is a duration, not the PIN
      const re = new RegExp('(?<![0-9A-Za-z])' + s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![0-9A-Za-z])');
      assert(!re.test(out), 'a secret is in the server output');
    }
  });
  return srv;
}

await run.finish(main);
