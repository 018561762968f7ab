#!/usr/bin/env python3
"""Authentication, first slice (issue 18): `--auth devices` on the real binary.

- every route whose role in src/http/routes.c is not `public` answers 401 UNAUTHORIZED with the
  single error body and CORS headers without a credential, with a malformed or unknown one, and
  with the token of a revoked device (within a second of `zeues device revoke`);
- a supervisor route answers 403 FORBIDDEN to a device credential;
- `zeues device add` prints a one-time code: POST /api/devices/enroll answers a token and the
  HttpOnly cookie once, a second use of the code is refused;
- the token works as Authorization: Bearer and as the cookie; every audit event of a change
  names the device that sent it;
- no token or code ever appears in the server's output (access log included), in `zeues
  device list`, `--help` or /api/health;
- web/openapi.json gives every operation the role routes.c gives it;
- `--auth off` (the default) logs one warning line and changes nothing for clients;
  an unknown mode is refused at start-up.
"""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase, CheckedTestCase, run_cli  # noqa: E402

ORIGIN = "http://localhost:3000"
ROUTES_C = os.path.join(harness.REPO, "src", "http", "routes.c")
OPENAPI = os.path.join(harness.REPO, "web", "openapi.json")
T = "MK-1335-CW-25238-0"
AUTH_ENROLL_FREE = 10  # src/app/auth.h: wrong codes that cost nothing
CODE_RE = re.compile(r"Código de enrolamiento: ([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})")


def tag(n):
    return "%s%02d" % (T, n)


def route_roles():
    """[(method, pattern, role)] of the route table, in its order."""
    with open(ROUTES_C, encoding="utf-8") as f:
        src = f.read()
    body = src[src.index("routes[]"):]
    body = body[:body.index("};")]
    return [(m.group(1), m.group(2), m.group(3).lower()) for m in re.finditer(
        r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*\w+\s*,\s*[\w|]+\s*,\s*ACCESS_(\w+)\s*,', body)]


def concrete(pattern):
    """A request path for a route pattern ({tag} filled with something the fixture has)."""
    if pattern.startswith("/api/registro/"):
        return pattern.replace("{tag}", "93")
    return pattern.replace("{tag}", tag(6))


class AuthDevices(ZeuesTestCase):
    SERVER_ARGS = ("--auth", "devices")

    secrets = []   # every code and token this class saw: none may ever be logged

    # -- helpers ---------------------------------------------------------------------------------
    def device(self, *args, check=True):
        r = run_cli("device", *args, "--db", self.db)
        if check:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def add(self, name):
        r = self.device("add", name)
        m = CODE_RE.search(r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.secrets.append(m.group(1))
        self.secrets.append(m.group(1).replace("-", ""))
        return m.group(1)

    def enroll(self, code):
        return self.server.post("/api/devices/enroll", {"code": code},
                                headers={"Origin": ORIGIN})

    def enrolled(self, name):
        """A fresh device's token."""
        r = self.enroll(self.add(name))
        self.assertEqual(r.status, 200, r)
        self.secrets.append(r.json["token"])
        return r.json["token"]

    def call(self, method, path, token=None, cookie=None, extra=None):
        h = {"Origin": ORIGIN}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if cookie is not None:
            h["Cookie"] = cookie
        h.update(extra or {})
        if method == "POST":
            return self.server.request("POST", path, body=b"{}",
                                       headers=dict(h, **{"Content-Type": "application/json"}))
        return self.server.request(method, path, headers=h)

    def assertRefused(self, r, status, code, what, challenge=True):
        self.assertErrorBody(r, status, code, msg="%s: %r" % (what, r))
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN, what)
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true", what)
        if status == 401 and challenge:
            self.assertEqual(r.headers.get("www-authenticate"), "Bearer", what)

    def assertNoSecretsLogged(self):
        out = self.server.stderr() + self.server._read(self.server.stdout_path)
        for s in self.secrets:
            self.assertNotIn(s, out, "a secret appeared in the server's output")

    # -- the route table -------------------------------------------------------------------------
    def test_route_table_has_roles(self):
        roles = route_roles()
        self.assertGreaterEqual(len(roles), 50, "route rows not parsed")
        public = {(m, p) for m, p, r in roles if r == "public"}
        self.assertEqual(public, {
            ("GET", "/"), ("GET", "/openapi.json"), ("GET", "/api/docs"), ("GET", "/api/redoc"),
            ("GET", "/app"), ("GET", "/app/"), ("GET", "/app/enroll"), ("GET", "/app/{tag}"),
            ("GET", "/api/health"), ("POST", "/api/devices/enroll"),
            # supervisor sign-in: its pages and the routes that give and end a session
            ("GET", "/app/login"), ("GET", "/app/console"), ("POST", "/api/auth/login"),
            ("POST", "/api/auth/logout"), ("GET", "/api/auth/session")})
        self.assertIn(("GET", "/api/supervisor/audit", "supervisor"), roles)
        self.assertEqual({(m, p) for m, p, r in roles if r == "console"}, {
            ("POST", "/api/console/unblock"), ("POST", "/api/console/release"),
            ("GET", "/api/console/log/{tag}"), ("POST", "/api/console/pin/set"),
            ("POST", "/api/console/pin/unlock")})
        self.assertIn(("POST", "/api/metrologia/completar", "inspector"), roles)
        self.assertIn(("POST", "/api/occupation/tomar", "worker"), roles)

    def test_openapi_roles_are_the_route_table_roles(self):
        with open(OPENAPI, encoding="utf-8") as f:
            doc = json.load(f)
        documented = {}
        for path, item in doc["paths"].items():
            for m, o in item.items():
                documented[(m.upper(), re.sub(r"\{[^}]*\}", "{}", path))] = o.get("x-zeues-role")
        for m, p, role in route_roles():
            with self.subTest(route="%s %s" % (m, p)):
                self.assertEqual(documented.get((m, re.sub(r"\{[^}]*\}", "{}", p))), role)

    # -- refusals --------------------------------------------------------------------------------
    def test_every_non_public_route_refuses_without_credentials(self):
        rows = [(m, p) for m, p, r in route_roles() if r != "public"]
        self.assertTrue(any(m == "POST" for m, _ in rows))
        bad_creds = [("none", None, None), ("unknown token", "A" * 43, None),
                     ("malformed token", "not a token!", None),
                     ("unknown cookie", None, "zeues_device=" + "B" * 43),
                     ("empty cookie", None, "zeues_device=")]
        for m, p in rows:
            for what, token, cookie in bad_creds:
                with self.subTest(route="%s %s" % (m, p), cred=what):
                    r = self.call(m, concrete(p), token=token, cookie=cookie)
                    self.assertRefused(r, 401, "UNAUTHORIZED", "%s %s (%s)" % (m, p, what))
        self.assertHealthy()

    def test_public_routes_need_nothing(self):
        for path in ("/", "/openapi.json", "/api/docs", "/app/index.html", "/app/enroll",
                     "/app/enroll.js", "/app/style.css"):
            with self.subTest(path=path):
                self.assertEqual(self.call("GET", path).status, 200, path)
        r = self.call("GET", "/app/")
        self.assertEqual(r.status, 307)
        h = self.call("GET", "/api/health")
        self.assertEqual(h.status, 200)
        self.assertEqual(h.json["auth"], "devices")
        page = self.call("GET", "/app/enroll").body.decode("utf-8")
        self.assertIn("Enrolar", page)
        self.assertIn("/api/devices/enroll", self.call("GET", "/app/enroll.js").body.decode())

    def test_preflight_stays_unauthenticated(self):
        r = self.server.options("/api/occupation/tomar", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
        self.assertIn("authorization", r.headers.get("access-control-allow-headers", ""))

    # -- enrolment -------------------------------------------------------------------------------
    def test_enroll_works_once(self):
        code = self.add("Tablet ARM-1")
        # Typed in lower case without the dash: the same code.
        r = self.enroll(code.lower().replace("-", " "))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(r.json), ["device", "success", "token"])
        self.assertEqual(r.json["device"], "Tablet ARM-1")
        token = r.json["token"]
        self.secrets.append(token)
        self.assertRegex(token, r"^[A-Za-z0-9_-]{43}$")
        cookie = r.headers.get("set-cookie", "")
        self.assertTrue(cookie.startswith("zeues_device=%s;" % token), cookie)
        attrs = [a.strip() for a in cookie.split(";")]
        for attr in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, attrs, cookie)
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
        # The code is used up.
        again = self.enroll(code)
        self.assertRefused(again, 401, "UNAUTHORIZED", "second use of the code",
                           challenge=False)
        # The token works as a bearer token and as the cookie.
        self.assertEqual(self.call("GET", "/api/workers", token=token).status, 200)
        self.assertEqual(self.call("GET", "/api/workers",
                                   cookie="x=1; zeues_device=" + token).status, 200)
        self.assertNoSecretsLogged()

    def test_enroll_refuses_bad_codes(self):
        for body, status, code in (({"code": "ABCD-EFGH"}, 401, "UNAUTHORIZED"),
                                   ({"code": "0000-0000"}, 401, "UNAUTHORIZED"),
                                   ({"code": ""}, 422, "VALIDATION_ERROR"),
                                   ({}, 422, "VALIDATION_ERROR"),
                                   ({"code": "ABCD-EFGH", "x": 1}, 422, "VALIDATION_ERROR")):
            with self.subTest(body=body):
                r = self.server.post("/api/devices/enroll", body, headers={"Origin": ORIGIN})
                self.assertErrorBody(r, status, code)
                self.assertNotIn("set-cookie", r.headers)

    def test_enroll_guessing_is_throttled_per_address(self):
        code = self.add("Tablet adivinada")
        guesses = ["ABCD-EF%s%s" % (a, b) for a in "GHJK" for b in "LMN"][:11]
        self.assertNotIn(code, guesses)
        for i, g in enumerate(guesses):  # 10 free wrong codes, and the 11th is still heard
            with self.subTest(guess=i + 1):
                self.assertRefused(self.enroll(g), 401, "UNAUTHORIZED", "guess %d" % (i + 1),
                                   challenge=False)
        # Now this address waits, even with the right code, which is not looked at.
        r = self.enroll(code)
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        wait = int(r.headers.get("retry-after", "0"))
        self.assertGreaterEqual(wait, 1, r.headers)
        self.assertLessEqual(wait, 2, r.headers)
        self.assertEqual(r.json["data"]["retry_after"], wait)
        self.assertNotIn("set-cookie", r.headers)
        time.sleep(wait + 1)
        r = self.enroll(code)  # not used up by the refusal
        self.assertEqual(r.status, 200, r)
        self.secrets.append(r.json["token"])
        # A success forgets the failures: the next wrong code is a plain 401 again.
        self.assertRefused(self.enroll("ABCD-EFPQ"), 401, "UNAUTHORIZED", "after success",
                           challenge=False)
        self.assertNoSecretsLogged()

    def guess_until_throttled(self, forwarded, first):
        """Wrong codes sent as from the client a trusted proxy names in X-Forwarded-For (the
        test speaks from 127.0.0.1, trusted by default), until the 11th is heard; then that
        client waits."""
        for i in range(AUTH_ENROLL_FREE + 1):
            guess = "ABCD-EF%s%s" % (first, "GHJK"[i % 4])
            r = self.server.post("/api/devices/enroll", {"code": guess},
                                 headers={"Origin": ORIGIN, "X-Forwarded-For": forwarded})
            self.assertRefused(r, 401, "UNAUTHORIZED", "guess %d" % (i + 1), challenge=False)

    def test_enroll_throttle_counts_the_client_behind_a_trusted_proxy(self):
        # HAProxy in front (deploy/haproxy.cfg, option forwardfor) makes every tablet's
        # request come from the proxy: the throttle must count each tablet, not the plant.
        self.guess_until_throttled("10.20.0.5", "G")
        r = self.server.post("/api/devices/enroll", {"code": "ABCD-EFGH"},
                             headers={"Origin": ORIGIN, "X-Forwarded-For": "10.20.0.5"})
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        # What the client itself wrote before the proxy's entry does not get it out.
        r = self.server.post("/api/devices/enroll", {"code": "ABCD-EFGH"},
                             headers={"Origin": ORIGIN,
                                      "X-Forwarded-For": "10.20.0.99, 10.20.0.5"})
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        # Nor does a header line of its own before the one the proxy adds.
        body = b'{"code": "ABCD-EFGH"}'
        raw = self.server.raw(
            b"POST /api/devices/enroll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nX-Forwarded-For: 10.20.0.98\r\n"
            b"X-Forwarded-For: 10.20.0.5\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        self.assertTrue(raw.startswith(b"HTTP/1.1 429 "), raw[:200])
        # Another tablet behind the same proxy is heard, and enrols with its code.
        self.assertRefused(self.server.post("/api/devices/enroll", {"code": "ABCD-EFGH"},
                                            headers={"Origin": ORIGIN,
                                                     "X-Forwarded-For": "10.20.0.6"}),
                           401, "UNAUTHORIZED", "another tablet", challenge=False)
        code = self.add("Tablet tras el proxy")
        r = self.server.post("/api/devices/enroll", {"code": code},
                             headers={"Origin": ORIGIN, "X-Forwarded-For": "10.20.0.6"})
        self.assertEqual(r.status, 200, r)
        self.secrets.append(r.json["token"])
        # The refusals are logged with the tablet's address, for the plant's IT.
        self.assertIn("device enrolment from 10.20.0.5 refused", self.server.stderr())
        self.assertNoSecretsLogged()

    def test_revoked_device_is_refused_within_a_second(self):
        token = self.enrolled("Tablet revocada")
        self.assertEqual(self.call("GET", "/api/workers", token=token).status, 200)
        r = self.device("revoke", "Tablet revocada")
        revoked_at = time.monotonic()
        self.assertIn("revocado", r.stdout)
        deadline = revoked_at + 1.0
        while True:
            got = self.call("POST", "/api/occupation/tomar", token=token)
            if got.status == 401 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertLessEqual(time.monotonic() - revoked_at, 1.0 + 0.5)
        self.assertRefused(got, 401, "UNAUTHORIZED", "revoked device")
        for m, p, role in route_roles():
            if role == "public":
                continue
            with self.subTest(route="%s %s" % (m, p)):
                self.assertRefused(self.call(m, concrete(p), token=token), 401, "UNAUTHORIZED",
                                   "revoked device on %s %s" % (m, p))
        listing = self.device("list").stdout
        line = [ln for ln in listing.splitlines() if ln.startswith("Tablet revocada")]
        self.assertEqual(len(line), 1, listing)
        self.assertIn("revocado", line[0])
        # Enrolled again under the same name, with a new code: the old token stays dead.
        fresh = self.enroll(self.add("Tablet revocada"))
        self.assertEqual(fresh.status, 200, fresh)
        self.secrets.append(fresh.json["token"])
        self.assertEqual(self.call("GET", "/api/workers", token=fresh.json["token"]).status, 200)
        self.assertEqual(self.call("GET", "/api/workers", token=token).status, 401)
        self.assertNoSecretsLogged()

    def test_supervisor_route_is_forbidden_to_a_device(self):
        token = self.enrolled("Tablet supervisor")
        for m, p, role in route_roles():
            if role != "supervisor":
                continue
            with self.subTest(route="%s %s" % (m, p)):
                r = self.call(m, concrete(p) + "?since=2026-01-01T00:00:00Z", token=token)
                self.assertRefused(r, 403, "FORBIDDEN", "%s %s with a device" % (m, p))

    def test_device_cli(self):
        self.enrolled("Tablet CLI")
        dup = self.device("add", "Tablet CLI", check=False)
        self.assertEqual(dup.returncode, 1, dup.stdout + dup.stderr)
        self.assertIn("revoke", dup.stderr)
        unknown = self.device("revoke", "No existe", check=False)
        self.assertEqual(unknown.returncode, 1)
        bad = self.device("add", " espacio", check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(run_cli("device", "frobnicate", "--db", self.db).returncode, 2)
        self.assertEqual(run_cli("device", "add", "--db", self.db).returncode, 2)
        listing = self.device("list").stdout
        line = [ln for ln in listing.splitlines() if ln.startswith("Tablet CLI")]
        self.assertEqual(len(line), 1, listing)
        self.assertIn("activo", line[0])
        self.assertNotRegex(line[0], r"visto -")   # enrolment counts as seen
        for s in self.secrets:
            self.assertNotIn(s, listing)
        pending = self.device("add", "Tablet pendiente").stdout
        self.assertIn("Válido hasta", pending)   # the expiry is printed with the code
        listing = self.device("list").stdout
        self.assertIn("código pendiente", listing)

    # -- audit -----------------------------------------------------------------------------------
    def test_audit_events_name_the_device(self):
        token = self.enrolled("Tablet ARM-2")
        h = {"Authorization": "Bearer " + token}
        for path, body in (("/api/occupation/tomar", {"tag_spool": tag(2), "worker_id": 93,
                                                      "operacion": "ARM"}),
                           ("/api/occupation/pausar", {"tag_spool": tag(2), "worker_id": 93,
                                                       "operacion": "ARM"})):
            r = self.server.post(path, body, headers=h)
            self.assertEqual(r.status, 200, r)
        _, meta = harness.export_sheets(self.db)
        mine = [e for e in meta if e["tag_spool"] == tag(2) and
                e["evento_tipo"] in ("TOMAR_SPOOL", "PAUSAR_SPOOL")]
        self.assertEqual(len(mine), 2, meta[-5:])
        for e in mine:
            self.assertEqual(json.loads(e["metadata_json"]).get("device"), "Tablet ARM-2", e)
        # Events of the fixture (no device) are untouched.
        self.assertTrue(all("device" not in (e["metadata_json"] or "") for e in meta
                            if e not in mine and e["tag_spool"] != tag(2)))
        self.assertNoSecretsLogged()

    def test_secrets_stay_out_of_health_and_help(self):
        token = self.enrolled("Tablet secreta")
        health = self.call("GET", "/api/health", token=token).body.decode()
        self.assertNotIn(token, health)
        help_text = run_cli("serve", "--help").stdout + run_cli("--help").stdout
        for s in self.secrets:
            self.assertNotIn(s, help_text)
            self.assertNotIn(s, health)
        self.assertNoSecretsLogged()


class AuthUntrustedProxy(ZeuesTestCase):
    """X-Forwarded-For from an address that is not a trusted proxy is not believed."""
    SERVER_ARGS = ("--auth", "devices", "--trusted-addresses", "10.255.0.1")

    def test_forwarded_for_is_ignored_from_an_untrusted_peer(self):
        for i in range(AUTH_ENROLL_FREE + 1):  # each guess claims another client
            r = self.server.post("/api/devices/enroll", {"code": "ABCD-EFG%s" % "HJKMNPQRSTV"[i]},
                                 headers={"Origin": ORIGIN,
                                          "X-Forwarded-For": "10.30.0.%d" % (i + 1)})
            self.assertErrorBody(r, 401, "UNAUTHORIZED", msg="guess %d" % (i + 1))
        r = self.server.post("/api/devices/enroll", {"code": "ABCD-EFGW"},
                             headers={"Origin": ORIGIN, "X-Forwarded-For": "10.30.0.200"})
        self.assertErrorBody(r, 429, "TOO_MANY_ATTEMPTS")
        self.assertIn("device enrolment from 127.0.0.1 refused", self.server.stderr())


class AuthOff(CheckedTestCase):
    """The default: one warning line, nothing asked of clients; an unknown mode refused."""

    def test_off_warns_once_and_asks_nothing(self):
        tmp = harness.make_tempdir()
        redis = harness.Redis(tmp).start()
        db = os.path.join(tmp, "zeues.db")
        harness.import_fixture(db)
        srv = harness.Server(db=db, redis_url=redis.url, workdir=tmp).start()
        try:
            h = srv.get("/api/health")
            self.assertEqual(h.json["auth"], "off")
            r = srv.post("/api/occupation/tomar", {"tag_spool": "NO-EXISTE", "worker_id": 93,
                                                   "operacion": "ARM"})
            self.assertEqual(r.status, 404, r)
            self.assertEqual(srv.get("/api/supervisor/audit?since=2026-01-01T00:00:00Z").status,
                             200)
            warn = [ln for ln in srv.stderr().splitlines()
                    if "WARN" in ln and "authentication is off" in ln]
            self.assertEqual(len(warn), 1, srv.stderr_tail())
        finally:
            self.assertEqual(srv.stop(), 0)
            redis.kill()
            harness.remove_tempdir(tmp)

    def test_unknown_modes_are_refused_at_start_up(self):
        # devices+pin exists now (tests/blackbox/test_worker_pin.py); a misspelt mode must
        # still stop the server rather than run it open.
        tmp = harness.make_tempdir()
        try:
            r = run_cli("serve", "--port", "0", "--db", os.path.join(tmp, "z.db"), "--auth",
                        "devices+PIN")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("devices+PIN", r.stderr)
            self.assertIn("devices+pin", r.stderr)   # the message lists the valid modes
            r = run_cli("serve", "--port", "0", "--db", os.path.join(tmp, "z.db"),
                        env={"ZEUES_AUTH": "on"})
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("ZEUES_AUTH", r.stderr)
        finally:
            harness.remove_tempdir(tmp)


if __name__ == "__main__":
    unittest.main()
