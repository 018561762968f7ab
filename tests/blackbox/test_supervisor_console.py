#!/usr/bin/env python3
"""Supervisors (issue 18): accounts, sign-in, the console, on the real binary.

- `zeues supervisor add NAME` reads the password from stdin (never from argv), stores only an
  Argon2id hash; running it again replaces the password and ends that account's sessions;
- POST /api/auth/login sets the zeues_session cookie (HttpOnly; Secure; SameSite=Strict, 12 h)
  and answers no token; the store keeps only a hash of it; a wrong password and an unknown name
  get the same 401; after five free failures each further one doubles the wait, answered 429
  with Retry-After (no sleeping on the server), and the right password then works;
- the console's routes (role console) need a signed-in supervisor in every mode: 401 without,
  403 with a device credential only; a supervisor session carries every other role too;
- unblock and release from the console write the same audit event as `zeues unblock|release`
  (who = the signed-in supervisor, why = the typed reason; the tablet's name when sent from
  one); release removes the Redis lock; the console's audit trail lists the spool's events;
- sign-out ends only the named supervisor's session;
- no password or session token in the server's output, `--help` or /api/health;
- with --auth off the console still needs a sign-in while the tablet routes stay open.
"""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase, run_cli, spool_locks  # noqa: E402

ORIGIN = "http://localhost:3000"
T = "MK-1335-CW-25238-0"
CODE_RE = re.compile(r"Código de enrolamiento: ([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})")
SESSION_RE = re.compile(r"zeues_session=([A-Za-z0-9_-]+)")
BLOCKED = T + "15"
PASSWORD = "clave-de-ana-2026"


def tag(n):
    return "%s%02d" % (T, n)


def add_supervisor(db, name, password):
    return run_cli("supervisor", "add", name, "--db", db, input=password + "\n")


class ConsoleBase(ZeuesTestCase):
    secrets = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            r = add_supervisor(cls.db, "Ana Soto", PASSWORD)
            assert r.returncode == 0, r.stdout + r.stderr
            cls.secrets.append(PASSWORD)
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def login(self, name="Ana Soto", password=PASSWORD):
        r = self.server.post("/api/auth/login", {"name": name, "password": password},
                             headers={"Origin": ORIGIN})
        if r.status == 200:
            m = SESSION_RE.search(r.headers.get("set-cookie", ""))
            self.assertIsNotNone(m, r.headers)
            self.secrets.append(m.group(1))
        return r

    def session(self, name="Ana Soto", password=PASSWORD):
        r = self.login(name, password)
        self.assertEqual(r.status, 200, r)
        return "zeues_session=" + SESSION_RE.search(r.headers["set-cookie"]).group(1)

    def call(self, method, path, cookie=None, token=None, body=None):
        h = {"Origin": ORIGIN}
        if cookie:
            h["Cookie"] = cookie
        if token:
            h["Authorization"] = "Bearer " + token
        if method == "POST":
            return self.server.post(path, body if body is not None else {}, headers=h)
        return self.server.request(method, path, headers=h)

    def events(self, tag_):
        return [e for e in harness.export_sheets(self.db)[1] if e["tag_spool"] == tag_]

    def assertNoSecretsLogged(self):
        out = self.server.stderr() + self.server._read(self.server.stdout_path)
        for s in self.secrets:
            self.assertNotIn(s, out, "a secret appeared in the server's output")


class SupervisorsDevicesMode(ConsoleBase):
    SERVER_ARGS = ("--auth", "devices")

    def device_token(self, name):
        r = run_cli("device", "add", name, "--db", self.db)
        code = CODE_RE.search(r.stdout).group(1)
        e = self.server.post("/api/devices/enroll", {"code": code}, headers={"Origin": ORIGIN})
        self.assertEqual(e.status, 200, e)
        self.secrets.append(e.json["token"])
        return e.json["token"]

    # -- the account --------------------------------------------------------------------------
    def test_password_is_stored_as_argon2id_only(self):
        rows = harness.store_query(self.db, "SELECT name, pw_hash FROM supervisors")
        hashes = {n: h for n, h in rows}
        self.assertTrue(hashes["Ana Soto"].startswith("$argon2id$"), hashes)
        self.assertFalse([r for r in rows if PASSWORD in "".join(r)], rows)
        if harness.STORE == "sqlite":  # not in any page of the file either
            with open(self.db, "rb") as f:
                raw = f.read()
            self.assertNotIn(PASSWORD.encode(), raw)

    def test_password_is_never_taken_from_argv(self):
        r = run_cli("supervisor", "add", "Eva Paz", "una-clave-en-argv", "--db", self.db)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = run_cli("supervisor", "add", "Eva Paz", "--db", self.db, input="")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no password", r.stderr)
        r = add_supervisor(self.db, "Eva Paz", "corta")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        n = harness.store_query(self.db, "SELECT count(*) FROM supervisors WHERE name = 'Eva Paz'")
        self.assertEqual(n, [("0",)])

    def test_new_password_ends_sessions(self):
        self.assertEqual(add_supervisor(self.db, "Rosa Díaz", "primera-clave-1").returncode, 0)
        cookie = self.session("Rosa Díaz", "primera-clave-1")
        self.assertEqual(self.call("GET", "/api/console/log/" + BLOCKED, cookie).status, 200)
        r = add_supervisor(self.db, "Rosa Díaz", "segunda-clave-2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("contraseña cambiada", r.stdout)
        self.assertEqual(self.call("GET", "/api/console/log/" + BLOCKED, cookie).status, 401)
        self.assertEqual(self.login("Rosa Díaz", "primera-clave-1").status, 401)
        self.assertEqual(self.login("Rosa Díaz", "segunda-clave-2").status, 200)

    # -- sign-in ------------------------------------------------------------------------------
    def test_sign_in_sets_a_strict_cookie_and_stores_its_hash(self):
        r = self.login()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"success": True, "supervisor": "Ana Soto",
                                  "expires_in": 43200})
        c = r.headers["set-cookie"]
        for attr in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=43200"):
            self.assertIn(attr, c)
        token = SESSION_RE.search(c).group(1)
        self.assertGreaterEqual(len(token), 43)
        self.assertNotIn(token, r.body.decode())
        stored = [h for (h,) in harness.store_query(self.db, "SELECT token_hash FROM sessions")]
        self.assertTrue(stored)
        self.assertNotIn(token, stored)
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored), stored)
        s = self.call("GET", "/api/auth/session", "zeues_session=" + token)
        self.assertEqual(s.json, {"success": True, "auth": "devices", "supervisor": "Ana Soto",
                                  "device": None})

    def test_wrong_password_and_unknown_name_answer_alike(self):
        a = self.login("Ana Soto", "no-es-la-clave")
        b = self.login("Nadie Existe", "no-es-la-clave")
        for r in (a, b):
            self.assertErrorBody(r, 401, "UNAUTHORIZED", message="Nombre o contraseña incorrectos.")
            self.assertNotIn("set-cookie", r.headers)
        self.assertErrorBody(self.server.post("/api/auth/login", {"name": "Ana Soto"}),
                             422, "VALIDATION_ERROR")

    def test_failed_sign_ins_are_slowed_then_the_right_password_works(self):
        self.assertEqual(add_supervisor(self.db, "Luis Rojas", "clave-de-luis-1").returncode, 0)
        for i in range(6):   # five free failures, and the one that starts the wait
            self.assertEqual(self.login("Luis Rojas", "mala-%d" % i).status, 401, i)
        t0 = time.monotonic()
        r = self.login("Luis Rojas", "clave-de-luis-1")   # even the right one waits
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        self.assertLess(time.monotonic() - t0, 0.5, "a throttled attempt must be refused at once")
        wait = int(r.headers["retry-after"])
        self.assertEqual(r.json["data"], {"retry_after": wait})
        self.assertIn(wait, (1, 2))   # 2 s from the failure, in whole seconds
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
        # Another supervisor is not slowed by Luis's failures.
        self.assertEqual(self.login().status, 200)
        time.sleep(wait + 0.2)
        self.assertEqual(self.login("Luis Rojas", "mala-6").status, 401)
        r = self.login("Luis Rojas", "clave-de-luis-1")
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        # The wait doubled to 4 s after that failure (3 when a second ticked in between).
        wait = int(r.headers["retry-after"])
        self.assertIn(wait, (3, 4))
        time.sleep(wait + 0.2)
        self.assertEqual(self.login("Luis Rojas", "clave-de-luis-1").status, 200)
        # A success starts the count again.
        self.assertEqual(self.login("Luis Rojas", "mala-7").status, 401)
        self.assertEqual(self.login("Luis Rojas", "clave-de-luis-1").status, 200)

    # -- roles --------------------------------------------------------------------------------
    def test_console_routes_need_a_supervisor(self):
        token = self.device_token("Tablet Consola")
        cookie = self.session()
        for method, path in (("POST", "/api/console/unblock"), ("POST", "/api/console/release"),
                             ("GET", "/api/console/log/" + BLOCKED)):
            with self.subTest(path=path):
                r = self.call(method, path)
                self.assertErrorBody(r, 401, "UNAUTHORIZED")
                self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
                self.assertErrorBody(self.call(method, path, cookie="zeues_session=nope"), 401,
                                     "UNAUTHORIZED")
                self.assertErrorBody(self.call(method, path, token=token), 403, "FORBIDDEN")
        self.assertEqual(self.call("GET", "/api/console/log/" + BLOCKED, cookie).status, 200)
        # POST bodies are checked only after the role: with a session, a bad body is a 422.
        self.assertErrorBody(self.call("POST", "/api/console/unblock", cookie, body={"x": 1}),
                             422, "VALIDATION_ERROR")
        self.assertErrorBody(self.call("POST", "/api/console/unblock", cookie,
                                       body={"tag_spool": BLOCKED}), 422, "VALIDATION_ERROR")

    def test_a_session_carries_every_role(self):
        cookie = self.session()
        self.assertEqual(self.call("GET", "/api/supervisor/list", cookie).status, 200)
        self.assertEqual(self.call("GET", "/api/workers", cookie).status, 200)
        r = self.call("GET", "/api/supervisor/audit?since=2026-01-01T00:00:00Z", cookie)
        self.assertEqual(r.status, 200, r)
        # Without the session those are refused, as before.
        self.assertEqual(self.call("GET", "/api/supervisor/list").status, 401)

    # -- the console's actions ----------------------------------------------------------------
    def test_unblock_from_the_console_is_audited_with_who_and_why(self):
        token = self.device_token("Tablet Supervisor")
        cookie = self.session()
        before = len(self.events(BLOCKED))
        r = self.call("POST", "/api/console/unblock", cookie, token,
                      {"tag_spool": BLOCKED, "reason": "QA revisó la soldadura"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["evento"], r.json["supervisor"]),
                         ("SUPERVISOR_OVERRIDE", "Ana Soto"))
        self.assertFalse(r.json["estado_detalle"].startswith("BLOQUEADO"), r.json)
        evs = self.events(BLOCKED)
        self.assertEqual(len(evs), before + 1)
        e = evs[-1]
        self.assertEqual((e["evento_tipo"], e["worker_nombre"], e["worker_id"]),
                         ("SUPERVISOR_OVERRIDE", "Ana Soto", "0"))
        m = json.loads(e["metadata_json"])
        self.assertEqual((m["supervisor"], m["reason"], m["override_type"], m["device"]),
                         ("Ana Soto", "QA revisó la soldadura", "BLOQUEADO_TO_RECHAZADO",
                          "Tablet Supervisor"))
        # Unblocking again is refused with the domain's answer; nothing is written.
        again = self.call("POST", "/api/console/unblock", cookie, None,
                          {"tag_spool": BLOCKED, "reason": "otra vez"})
        self.assertErrorBody(again, 400, "OPERACION_NO_DISPONIBLE")
        self.assertEqual(len(self.events(BLOCKED)), before + 1)
        # The console's audit trail shows it.
        log = self.call("GET", "/api/console/log/" + BLOCKED, cookie)
        self.assertEqual(log.status, 200, log)
        self.assertFalse(log.json["bloqueado"])
        last = log.json["events"][-1]
        self.assertEqual((last["evento_tipo"], last["worker_nombre"],
                          last["metadata"]["reason"]),
                         ("SUPERVISOR_OVERRIDE", "Ana Soto", "QA revisó la soldadura"))
        self.assertEqual([x["seq"] for x in log.json["events"]],
                         sorted(x["seq"] for x in log.json["events"]))
        self.assertErrorBody(self.call("GET", "/api/console/log/NO-EXISTE", cookie), 404,
                             "SPOOL_NO_ENCONTRADO")

    def test_release_from_the_console_equals_the_cli(self):
        cookie = self.session()
        console, cli = tag(7), tag(17)
        r = self.call("POST", "/api/console/release", cookie, None,
                      {"tag_spool": console, "reason": "tablet perdida"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["evento"], "SUPERVISOR_RELEASE")
        self.assertIs(r.json["lock_left"], False)
        self.assertNotIn(console, spool_locks(self.redis))
        c = run_cli("release", cli, "--db", self.db, "--by", "Ana Soto", "--reason",
                    "tablet perdida", env={"REDIS_URL": self.redis.url})
        self.assertEqual(c.returncode, 0, c.stderr)
        a, b = self.events(console)[-1], self.events(cli)[-1]
        for k in ("evento_tipo", "operacion", "accion", "worker_id", "worker_nombre"):
            self.assertEqual(a[k], b[k], k)
        ma, mb = json.loads(a["metadata_json"]), json.loads(b["metadata_json"])
        self.assertEqual(sorted(ma), sorted(mb))
        for k in ("supervisor", "reason", "override_type"):
            self.assertEqual(ma[k], mb[k], k)
        self.assertNotIn("device", ma)   # no tablet sent this one
        # The released spool can be taken at once by another worker.
        tok = self.device_token("Tablet ARM-9")
        t = self.call("POST", "/api/occupation/tomar", None, tok,
                      {"tag_spool": console, "worker_id": 94, "operacion": "ARM"})
        self.assertEqual(t.status, 200, t)

    def test_sign_out_ends_only_the_named_supervisors_session(self):
        cookie = self.session()
        r = self.call("POST", "/api/auth/logout", cookie, body={"name": "Otro Supervisor"})
        self.assertEqual(r.json, {"success": True, "ended": False})
        self.assertEqual(self.call("GET", "/api/console/log/" + BLOCKED, cookie).status, 200)
        r = self.call("POST", "/api/auth/logout", cookie, body={"name": "Ana Soto"})
        self.assertEqual(r.json, {"success": True, "ended": True})
        self.assertIn("Max-Age=0", r.headers["set-cookie"])
        self.assertEqual(self.call("GET", "/api/console/log/" + BLOCKED, cookie).status, 401)
        s = self.call("GET", "/api/auth/session", cookie)
        self.assertIsNone(s.json["supervisor"])

    def test_zz_no_secret_in_logs_help_or_health(self):
        self.session()
        self.assertTrue(self.secrets)
        self.assertNoSecretsLogged()
        helps = run_cli("--help").stdout + run_cli("serve", "--help").stdout
        health = self.server.get("/api/health").body.decode()
        for s in self.secrets:
            self.assertNotIn(s, helps)
            self.assertNotIn(s, health)


class SupervisorsAuthOff(ConsoleBase):
    """--auth off: the tablet routes stay open, the console does not."""

    def test_console_needs_a_sign_in_even_when_auth_is_off(self):
        self.assertErrorBody(self.call("GET", "/api/console/log/" + BLOCKED), 401,
                             "UNAUTHORIZED")
        self.assertErrorBody(self.call("POST", "/api/console/unblock", body={
            "tag_spool": BLOCKED, "reason": "x"}), 401, "UNAUTHORIZED")
        self.assertEqual(self.call("GET", "/api/supervisor/list").status, 200)
        cookie = self.session()
        r = self.call("POST", "/api/console/unblock", cookie, None,
                      {"tag_spool": BLOCKED, "reason": "revisado en terreno"})
        self.assertEqual(r.status, 200, r)
        m = json.loads(self.events(BLOCKED)[-1]["metadata_json"])
        self.assertEqual((m["supervisor"], m["reason"]), ("Ana Soto", "revisado en terreno"))
        s = self.call("GET", "/api/auth/session", cookie)
        self.assertEqual(s.json["auth"], "off")
        self.assertNoSecretsLogged()


if __name__ == "__main__":
    unittest.main()
