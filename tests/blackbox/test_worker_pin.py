#!/usr/bin/env python3
"""Worker PINs (issue 18, --auth devices+pin) on the real binary.

- a worker's action from an enrolled tablet is refused (401 PIN_REQUIRED, naming the worker)
  until that worker's PIN was typed right on that tablet; then it goes through; another tablet
  still needs it; reads never do; a supervisor session needs none; a worker without a PIN gets
  403 PIN_NOT_SET;
- brute force: 10,000 guesses against one worker from one tablet, sent as fast as the server
  allows (a client that obeys Retry-After): only AUTH_PIN_LOCK_AFTER (6) are ever checked; the
  waits grow (429 with Retry-After 2 s, then 4 s: refusals, not sleeps on the server); the 6th
  wrong PIN locks the PIN out (423), every later guess and even the right PIN is refused at
  once; the Metadata log holds exactly one PIN_BLOQUEADO event for that worker naming the
  tablet; a supervisor lifts it from the console (PIN_DESBLOQUEADO with who and why) and the
  right PIN works again;
- wrong PINs typed on one tablet are slowed across workers (per-device count);
- no PIN and no token appears in the server's output.
"""
import http.client
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase, run_cli  # noqa: E402

ORIGIN = "http://localhost:3000"
T = "MK-1335-CW-25238-0"
CODE_RE = re.compile(r"Código de enrolamiento: ([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})")
SESSION_RE = re.compile(r"zeues_session=([A-Za-z0-9_-]+)")
# Six digits, so that none is a 4-digit guess of the brute force and none is mistaken for a
# number that log lines carry anyway (durations, ports) when the output is searched for them.
PINS = {93: "482196", 94: "609173", 95: "335617", 96: "582139"}
SUP_PW = "clave-supervisor-1"


def tag(n):
    return "%s%02d" % (T, n)


class WorkerPin(ZeuesTestCase):
    SERVER_ARGS = ("--auth", "devices+pin")
    secrets = list(PINS.values()) + [SUP_PW]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            for w, pin in PINS.items():
                r = run_cli("worker", "pin", w, "--db", cls.db, input=pin + "\n")
                assert r.returncode == 0, r.stdout + r.stderr
            r = run_cli("supervisor", "add", "Ana Soto", "--db", cls.db, input=SUP_PW + "\n")
            assert r.returncode == 0, r.stderr
        except Exception:
            cls._teardown_stack(check=False)
            raise

    # -- helpers ---------------------------------------------------------------------------
    def token(self, name):
        r = run_cli("device", "add", name, "--db", self.db)
        code = CODE_RE.search(r.stdout).group(1)
        e = self.server.post("/api/devices/enroll", {"code": code}, headers={"Origin": ORIGIN})
        self.assertEqual(e.status, 200, e)
        self.secrets.append(e.json["token"])
        return e.json["token"]

    def post(self, path, body, token=None, cookie=None):
        h = {"Origin": ORIGIN}
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        return self.server.post(path, body, headers=h)

    def verify(self, token, worker, pin):
        return self.post("/api/workers/pin/verify", {"worker_id": worker, "pin": pin}, token)

    def supervisor(self):
        r = self.server.post("/api/auth/login", {"name": "Ana Soto", "password": SUP_PW})
        self.assertEqual(r.status, 200, r)
        tok = SESSION_RE.search(r.headers["set-cookie"]).group(1)
        self.secrets.append(tok)
        return "zeues_session=" + tok

    def pin_events(self, worker):
        meta = harness.export_sheets(self.db)[1]
        return [e for e in meta if e["evento_tipo"].startswith("PIN_") and
                e["worker_id"] == str(worker)]

    # -- the PIN in the worker's flow --------------------------------------------------------
    def test_actions_need_the_workers_pin_on_that_tablet(self):
        a, b = self.token("Tablet PIN-A"), self.token("Tablet PIN-B")
        tomar = {"tag_spool": tag(2), "worker_id": 93, "operacion": "ARM"}
        r = self.post("/api/occupation/tomar", tomar, a)
        self.assertErrorBody(r, 401, "PIN_REQUIRED",
                             data={"worker_id": 93, "worker_nombre": "MR(93)"})
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
        self.assertEqual(self.server.get("/api/workers", headers={
            "Authorization": "Bearer " + a}).status, 200)   # reads need no PIN
        self.assertErrorBody(self.verify(a, 93, "0000"), 401, "PIN_INVALID")
        ok = self.verify(a, 93, PINS[93])
        self.assertEqual(ok.json, {"success": True, "worker_id": 93, "valid_for": 1800})
        self.assertEqual(self.post("/api/occupation/tomar", tomar, a).status, 200)
        # Tablet B has not seen 93's PIN.
        pausar = {"tag_spool": tag(2), "worker_id": 93, "operacion": "ARM"}
        self.assertErrorBody(self.post("/api/occupation/pausar", pausar, b), 401, "PIN_REQUIRED")
        self.assertEqual(self.post("/api/occupation/pausar", pausar, a).status, 200)
        # A worker without a PIN cannot act in this mode.
        r = self.post("/api/occupation/tomar", {"tag_spool": tag(2), "worker_id": 97,
                                                "operacion": "ARM"}, a)
        self.assertErrorBody(r, 403, "PIN_NOT_SET")
        self.assertErrorBody(self.verify(a, 97, "1234"), 403, "PIN_NOT_SET")
        # A signed-in supervisor answers for what they do: no PIN asked.
        r = self.post("/api/occupation/tomar", tomar, b, self.supervisor())
        self.assertEqual(r.status, 200, r)
        # Malformed PINs are wrong PINs, never a crash or a 500.
        for bad in ("", "12", "x" * 17, "１２３４"):
            r = self.verify(b, 93, bad)
            self.assertIn(r.status, (401, 422), r)

    # -- brute force -------------------------------------------------------------------------
    def test_10000_guesses_are_slowed_and_locked_out(self):
        tok = self.token("Tablet Atacante")
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=15)
        h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json",
             "Origin": ORIGIN}
        seen = {}
        checked, waits, slept = [], [], 0.0
        t0 = time.monotonic()
        guess = 0
        while guess < 10000:
            pin = "%04d" % guess
            conn.request("POST", "/api/workers/pin/verify",
                         json.dumps({"worker_id": 96, "pin": pin}), h)
            r = conn.getresponse()
            body = json.loads(r.read())
            seen[r.status] = seen.get(r.status, 0) + 1
            if r.status == 429:
                self.assertEqual(body["error"], "TOO_MANY_ATTEMPTS")
                wait = int(r.getheader("retry-after"))
                self.assertEqual(body["data"]["retry_after"], wait)
                waits.append(wait)
                time.sleep(wait)          # an attacker that obeys: the guess is sent again
                slept += wait
                continue
            if r.status == 401:
                self.assertEqual(body["error"], "PIN_INVALID", body)
                checked.append(pin)
            elif r.status == 423:
                self.assertEqual(body["error"], "PIN_LOCKED", body)
                if len(checked) < 6:
                    checked.append(pin)   # the guess that locked it out
            else:
                self.fail("guess %s: unexpected %s %r" % (pin, r.status, body))
            guess += 1
        conn.close()
        elapsed = time.monotonic() - t0
        # Only six guesses were ever checked: five wrong, the sixth locked the PIN out.
        self.assertEqual(len(checked), 6, checked)
        self.assertEqual(seen.get(401), 5, seen)
        self.assertEqual(seen.get(423), 10000 - 5, seen)
        self.assertNotIn(200, seen)
        # The waits grew (2 s after the 4th wrong PIN, 4 s after the 5th), and were refusals:
        # the whole run took about their sum plus the requests, not 10,000 verifications (one
        # Argon2id check takes tens of milliseconds: 10,000 would be several minutes). The
        # margin is for a sanitizer build on PostgreSQL on a loaded machine (65 s seen).
        self.assertTrue(waits, "no guess was ever slowed")
        self.assertIn(waits[0], (1, 2), waits)            # whole seconds: 2, or 1 at a tick
        self.assertIn(max(waits), (3, 4), waits)          # then doubled
        self.assertLessEqual(sum(waits), 8, waits)
        self.assertLess(elapsed, slept + 150, "10,000 refusals must be quick")
        # Even the right PIN is refused while locked out.
        self.assertErrorBody(self.verify(tok, 96, PINS[96]), 423, "PIN_LOCKED")
        r = self.post("/api/occupation/tomar", {"tag_spool": tag(3), "worker_id": 96,
                                                "operacion": "ARM"}, tok)
        self.assertErrorBody(r, 423, "PIN_LOCKED")
        # The lock-out is in the audit log, once, naming the tablet.
        evs = self.pin_events(96)
        self.assertEqual([e["evento_tipo"] for e in evs], ["PIN_BLOQUEADO"], evs)
        m = json.loads(evs[0]["metadata_json"])
        self.assertEqual((m["failures"], m["device"]), (6, "Tablet Atacante"))
        self.assertEqual(evs[0]["worker_nombre"], "JP(96)")
        self.assertEqual(evs[0]["tag_spool"], "")
        # A supervisor lifts it from the console, audited with who and why.
        cookie = self.supervisor()
        self.assertErrorBody(self.post("/api/console/pin/unlock", {"worker_id": 96,
                                                                   "reason": "x"}, tok),
                             403, "FORBIDDEN")   # a tablet alone is no supervisor
        r = self.post("/api/console/pin/unlock",
                      {"worker_id": 96, "reason": "Juan Carlos olvidó su PIN"}, None, cookie)
        self.assertEqual(r.json, {"success": True, "worker_id": 96, "was_locked": True,
                                  "supervisor": "Ana Soto"})
        evs = self.pin_events(96)
        self.assertEqual([e["evento_tipo"] for e in evs], ["PIN_BLOQUEADO", "PIN_DESBLOQUEADO"])
        m = json.loads(evs[1]["metadata_json"])
        self.assertEqual((m["supervisor"], m["reason"]), ("Ana Soto", "Juan Carlos olvidó su PIN"))
        other = self.token("Tablet Supervisor-2")
        self.assertEqual(self.verify(other, 96, PINS[96]).status, 200)
        self.assertNoSecretsLogged()

    def test_wrong_pins_on_one_tablet_are_slowed_across_workers(self):
        tok = self.token("Tablet Varios")
        for w in (94, 95, 94, 95, 94, 95):   # each worker stays within its own free three
            self.assertErrorBody(self.verify(tok, w, "0001"), 401, "PIN_INVALID")
        r = self.verify(tok, 95, PINS[95])   # the device's sixth failure made it wait
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        self.assertIn(int(r.headers["retry-after"]), (1, 2))
        # Another tablet is not slowed by this one.
        self.assertEqual(self.verify(self.token("Tablet Otra"), 95, PINS[95]).status, 200)

    def test_zz_no_pin_or_token_in_the_output(self):
        self.assertNoSecretsLogged()

    def assertNoSecretsLogged(self):
        out = self.server.stderr() + self.server._read(self.server.stdout_path)
        for s in self.secrets:
            # As a whole token: "1582139us" is a duration, not the PIN 582139.
            found = re.search(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(s), out)
            self.assertIsNone(found, "a secret appeared in the server's output: %r" % (
                out[max(0, found.start() - 80):found.end() + 20] if found else ""))
        self.assertNotIn('"pin"', out)


if __name__ == "__main__":
    unittest.main()
