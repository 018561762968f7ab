// What the browser tests (ui.test.mjs, auth.test.mjs) share: results, child processes that die
// with the test, the temporary directory, the sanitizer check of every process of the binary,
// the watchdog, and small helpers. One Run per test script.
//
// Children die with this process even if it is SIGKILLed (ctest timeout): setpriv --pdeathsig.
// The whole output of each child is kept (p.out), for the sanitizer check and failure reports.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export function assert(cond, msg) { if (!cond) throw new Error(msg); }
export const tid = (id) => `[data-testid="${id}"]`;

/* The first line of a sanitizer report, at the start of a line (zeues' own log lines start with
 * a timestamp): ASan/LSan "==PID==ERROR: ", UBSan "file:line:col: runtime error: ", TSan's
 * warnings and fatal errors, any SUMMARY line. Same rule as tests/blackbox/harness.py. */
export const SANITIZER_RE = /^(?:==\d+==ERROR: |\S*: runtime error: |WARNING: ThreadSanitizer|FATAL: ThreadSanitizer|ThreadSanitizer: |SUMMARY: \w*Sanitizer)/m;
export function sanitizerExcerpt(text) {
  const m = SANITIZER_RE.exec(text || '');
  if (!m) return '';
  const start = m.index ? text.lastIndexOf('\n', m.index - 2) + 1 : 0;
  return text.slice(start, start + 6000);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** A screenshot once the page's fonts are loaded. */
export async function shot(page, file) {
  await page.evaluate(() => document.fonts && document.fonts.ready).catch(() => {});
  await page.screenshot({ path: file });
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p)) || null;

export class Run {
  /** tmpPrefix: name of the temporary directory; watchdogMs: hard stop (below ctest's TIMEOUT);
   *  zeuesBin: the binary whose processes get the sanitizer check; msgLines: lines of a
   *  failure's message printed. */
  constructor({ tmpPrefix, watchdogMs, zeuesBin, msgLines = 6 }) {
    this.passed = 0;
    this.failed = 0;
    this.t0 = Date.now();
    this.children = [];
    this.browser = null;
    this.cleaned = false;
    this.zeuesBin = zeuesBin;
    this.msgLines = msgLines;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    const killNow = () => {
      for (const p of this.children) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } }
      try { fs.rmSync(this.tmp, { recursive: true, force: true }); } catch (e) { /* ignore */ }
    };
    process.on('exit', killNow);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(sig, () => { console.log(`interrupted by ${sig}`); this.cleanup().finally(() => process.exit(1)); });
    }
    this.watchdog = setTimeout(() => {
      this.bad('watchdog', `the test did not finish within ${watchdogMs / 1000} s`);
      console.log(`${this.passed} passed, ${this.failed} failed`);
      this.cleanup().finally(() => process.exit(1));
    }, watchdogMs);
    this.watchdog.unref();
  }

  secs() { return ((Date.now() - this.t0) / 1000).toFixed(1).padStart(5); }
  ok(name) { this.passed++; console.log(`[${this.secs()}s] PASS ${name}`); }
  bad(name, err) {
    this.failed++;
    const msg = err instanceof Error ? err.message.split('\n').slice(0, this.msgLines).join('\n    ') : String(err);
    console.log(`[${this.secs()}s] FAIL ${name}\n    ${msg}`);
  }
  /** Runs one check; returns true if it passed. A throwing check is a failure, never a crash. */
  async check(name, fn) {
    try { await fn(); this.ok(name); return true; } catch (e) { this.bad(name, e); return false; }
  }

  /** Starts a child that dies with this process; p.exited resolves to {code, sig}. */
  spawnChild(cmd, args, opts) {
    const [c, a] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
    const p = spawn(c, a, Object.assign({ stdio: ['ignore', 'pipe', 'pipe'] }, opts));
    p.exited = new Promise((res) => p.on('exit', (code, sig) => res({ code, sig })));
    p.on('error', () => {});
    p.label = `${path.basename(cmd)} ${args[0] || ''}`.trim();
    p.isZeues = cmd === this.zeuesBin;
    p.out = '';
    const keep = (d) => { p.out += d.toString(); };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    this.children.push(p);
    return p;
  }

  /** Closes the browser, SIGTERMs every child (15 s, like the black-box harness: a sanitizer
   *  build writes its leak report on the way out), then SIGKILLs what is left. */
  async cleanup() {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.browser) { try { await Promise.race([this.browser.close(), sleep(5000)]); } catch (e) { /* gone */ } }
    for (const p of this.children) {
      if (p.exitCode === null && p.signalCode === null) { try { p.kill('SIGTERM'); } catch (e) { /* gone */ } }
    }
    await Promise.race([Promise.all(this.children.map((p) => p.exited)), sleep(15000)]);
    for (const p of this.children) {
      if (p.exitCode === null && p.signalCode === null) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } }
    }
    try { fs.rmSync(this.tmp, { recursive: true, force: true }); } catch (e) { /* ignore */ }
  }

  /** Runs main() (it returns the {proc} of `zeues serve`, or throws), cleans up, then checks that
   *  every process of the binary ended without a sanitizer report and not by SIGABRT, and that
   *  the server exited 0 on SIGTERM. Prints `N passed, M failed` and exits. */
  async finish(main) {
    let served = null;
    try {
      served = await main();
    } catch (e) {
      this.bad('setup / scenario', e);
      const z = this.children.find((p) => p.spawnargs.some((a) => a === 'serve'));
      if (z) console.log('--- zeues output (tail) ---\n' + z.out.slice(-2000));
    }
    await this.cleanup();
    // A report is a failure whatever the scenario did; it is printed in full (a check keeps
    // only a few lines).
    for (const p of this.children.filter((c) => c.isZeues)) {
      const { code, sig } = await p.exited;
      const rep = sanitizerExcerpt(p.out);
      if (rep) console.log(`--- sanitizer report of ${p.label} (pid ${p.pid}) ---\n${rep}`);
      await this.check(`${p.label} (pid ${p.pid}): no sanitizer report, not killed by SIGABRT`, () => {
        assert(!rep, `sanitizer report (exit ${code ?? sig}), printed above`);
        assert(sig !== 'SIGABRT', `died of SIGABRT (a sanitizer with abort_on_error=1, or an assert):\n${p.out.slice(-1500)}`);
      });
      if (served && p === served.proc) {
        await this.check(`${p.label} exits 0 on SIGTERM`, () => {
          assert(code === 0, `exit ${code ?? sig}:\n${p.out.slice(-1500)}`);
        });
      }
    }
    clearTimeout(this.watchdog);
    console.log(`runtime ${this.secs().trim()} s`);
    console.log(`${this.passed} passed, ${this.failed} failed`);
    process.exit(this.failed === 0 && this.passed > 0 ? 0 : 1);
  }
}
