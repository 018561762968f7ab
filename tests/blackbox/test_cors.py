#!/usr/bin/env python3
"""CORS exactly as api-v3.md §1.2 (Starlette CORSMiddleware with allow_credentials=true,
allow_methods GET/POST/OPTIONS, allow_headers *, max_age 600)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ZeuesTestCase  # noqa: E402

GOOD = "http://localhost:3000"
EVIL = "http://evil.example"


def cors_vary(value):
    """A Vary value without Accept-Encoding (the cached lists vary on it for gzip; that is not
    CORS), or None when nothing is left."""
    left = [t.strip() for t in (value or "").split(",")
            if t.strip() and t.strip().lower() != "accept-encoding"]
    return ", ".join(left) or None


def acheaders(resp):
    """The CORS-relevant headers of a response (access-control-* and vary's CORS part)."""
    out = {k: v for k, v in resp.headers.items() if k.startswith("access-control-")}
    if cors_vary(resp.headers.get("vary")):
        out["vary"] = cors_vary(resp.headers.get("vary"))
    return out


# (method, path, body, expected status) covering every kind of answer a browser meets today.
ACTUAL_CASES = [
    ("GET", "/api/workers", None, 200),
    ("GET", "/api/workers/", None, 307),
    ("GET", "/api/spools/iniciar?operacion=XYZ", None, 400),
    ("GET", "/api/no-such-route", None, 404),
    ("POST", "/api/health", b"{}", 405),
    ("GET", "/api/workers", b"x" * 70000, 413),
    ("GET", "/api/spools/iniciar", None, 422),
    ("GET", "/api/spools/detail?tag=NO-EXISTE", None, 404),
    ("POST", "/api/occupation/tomar", b'{"tag_spool":""}', 422),
    ("POST", "/api/occupation/tomar", b'{"tag_spool":"NO-EXISTE","worker_id":93,'
     b'"operacion":"ARM"}', 404),
]


class CorsDefault(ZeuesTestCase):
    SERVER_ENV = {"ALLOWED_ORIGINS": GOOD}

    def preflight(self, origin, method, req_headers=None, path="/api/workers"):
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if req_headers is not None:
            h["Access-Control-Request-Headers"] = req_headers
        return self.server.options(path, headers=h)

    # -- preflight -----------------------------------------------------------------------------
    def test_preflight_ok(self):
        r = self.preflight(GOOD, "POST", path="/api/occupation/tomar")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"OK")
        self.assertTrue(r.headers["content-type"].startswith("text/plain"), r.headers)
        self.assertEqual(acheaders(r), {
            "access-control-allow-origin": GOOD,
            "vary": "Origin",
            "access-control-allow-methods": "GET, POST, OPTIONS",
            "access-control-max-age": "600",
            "access-control-allow-credentials": "true",
        })

    def test_preflight_for_every_path_even_unknown(self):
        # Preflight never reaches the router: unknown paths and GET routes get the same 200.
        for path in ("/api/workers", "/api/no-such-route", "/", "/api/sse/stream"):
            with self.subTest(path=path):
                r = self.preflight(GOOD, "GET", path=path)
                self.assertEqual((r.status, r.body), (200, b"OK"))

    def test_preflight_echoes_request_headers(self):
        for req in ("content-type", "Content-Type, X-Requested-With, Authorization",
                    "x-custom-header"):
            with self.subTest(req=req):
                r = self.preflight(GOOD, "POST", req)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers.get("access-control-allow-headers"), req)

    def test_preflight_without_request_headers_has_no_allow_headers(self):
        r = self.preflight(GOOD, "GET")
        self.assertNotIn("access-control-allow-headers", r.headers)

    def test_preflight_bad_origin(self):
        r = self.preflight(EVIL, "GET", "content-type")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.body, b"Disallowed CORS origin")
        self.assertTrue(r.headers["content-type"].startswith("text/plain"), r.headers)
        # "same headers minus allow-origin" (Starlette keeps Vary: Origin on failures).
        self.assertEqual(acheaders(r), {
            "vary": "Origin",
            "access-control-allow-methods": "GET, POST, OPTIONS",
            "access-control-max-age": "600",
            "access-control-allow-credentials": "true",
            "access-control-allow-headers": "content-type",
        })

    def test_preflight_bad_method(self):
        for method in ("PUT", "DELETE", "PATCH", "get"):
            with self.subTest(method=method):
                r = self.preflight(GOOD, method)
                self.assertEqual(r.status, 400)
                self.assertEqual(r.body, b"Disallowed CORS method")
                self.assertEqual(acheaders(r), {
                    "access-control-allow-origin": GOOD,
                    "vary": "Origin",
                    "access-control-allow-methods": "GET, POST, OPTIONS",
                    "access-control-max-age": "600",
                    "access-control-allow-credentials": "true",
                })

    def test_preflight_bad_origin_and_method(self):
        r = self.preflight(EVIL, "DELETE")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.body, b"Disallowed CORS origin, method")
        self.assertNotIn("access-control-allow-origin", r.headers)

    def test_origin_matching_is_exact(self):
        for origin in ("http://localhost:3000/", "HTTP://LOCALHOST:3000", "http://localhost:3001",
                       "https://localhost:3000", "http://localhost", "null", ""):
            with self.subTest(origin=origin):
                r = self.preflight(origin, "GET")
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.body, b"Disallowed CORS origin")
                r = self.server.get("/api/workers", headers={"Origin": origin})
                self.assertEqual(r.status, 200)
                self.assertNotIn("access-control-allow-origin", r.headers)

    def test_options_without_request_method_goes_to_router(self):
        r = self.server.options("/api/workers", headers={"Origin": GOOD})
        self.assertErrorBody(r, 405, "METHOD_NOT_ALLOWED", "Method Not Allowed", data=None)
        self.assertEqual(r.headers.get("allow"), "GET")
        self.assertEqual(r.headers.get("access-control-allow-origin"), GOOD)
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")
        self.assertNotIn("access-control-allow-methods", r.headers)

    def test_options_without_origin_goes_to_router(self):
        r = self.server.options("/api/workers", headers={"Access-Control-Request-Method": "GET"})
        self.assertErrorBody(r, 405, "METHOD_NOT_ALLOWED", "Method Not Allowed")
        self.assertEqual(acheaders(r), {})

    # -- actual responses ----------------------------------------------------------------------
    def actual(self, method, path, body, origin=None, extra=None):
        h = dict(extra or {})
        if origin is not None:
            h["Origin"] = origin
        if body is not None:
            h.setdefault("Content-Type", "application/json")
        return self.server.request(method, path, body=body, headers=h)

    def test_actual_allowed_origin_on_every_status(self):
        for method, path, body, status in ACTUAL_CASES:
            with self.subTest(method=method, path=path, status=status):
                r = self.actual(method, path, body, GOOD)
                self.assertEqual(r.status, status, r)
                self.assertEqual(acheaders(r), {
                    "access-control-allow-credentials": "true",
                    "access-control-allow-origin": GOOD,
                    "vary": "Origin",
                })

    def test_actual_disallowed_origin_gets_credentials_only(self):
        for method, path, body, status in ACTUAL_CASES:
            with self.subTest(method=method, path=path, status=status):
                r = self.actual(method, path, body, EVIL)
                self.assertEqual(r.status, status, r)
                self.assertEqual(acheaders(r), {"access-control-allow-credentials": "true"})

    def test_no_origin_no_cors_headers(self):
        for method, path, body, status in ACTUAL_CASES:
            with self.subTest(method=method, path=path, status=status):
                r = self.actual(method, path, body, None)
                self.assertEqual(r.status, status, r)
                self.assertEqual(acheaders(r), {})

    def test_static_and_redirects_carry_cors(self):
        for path, status in (("/app", 307), ("/app/index.html", 200), ("/app/nope.css", 404),
                             ("/openapi.json", 200), ("/", 200)):
            with self.subTest(path=path):
                r = self.server.get(path, headers={"Origin": GOOD})
                self.assertEqual(r.status, status)
                self.assertEqual(r.headers.get("access-control-allow-origin"), GOOD)
                self.assertEqual(r.headers.get("vary"), "Origin")


class CorsTwoOrigins(ZeuesTestCase):
    FIXTURE = None
    SERVER_ENV = {"ALLOWED_ORIGINS": "http://tablet.planta.cl, http://192.168.1.20:3000"}

    def test_both_allowed_others_not(self):
        for origin in ("http://tablet.planta.cl", "http://192.168.1.20:3000"):
            with self.subTest(origin=origin):
                r = self.server.options("/api/workers", headers={
                    "Origin": origin, "Access-Control-Request-Method": "GET"})
                self.assertEqual((r.status, r.body), (200, b"OK"))
                self.assertEqual(r.headers.get("access-control-allow-origin"), origin)
                r = self.server.get("/api/workers", headers={"Origin": origin})
                self.assertEqual(r.headers.get("access-control-allow-origin"), origin)
                self.assertEqual(cors_vary(r.headers.get("vary")), "Origin")
        for origin in ("http://localhost:3000", "http://tablet.planta.cl:80",
                       "http://tablet.planta.cl, http://192.168.1.20:3000"):
            with self.subTest(origin=origin):
                r = self.server.options("/api/workers", headers={
                    "Origin": origin, "Access-Control-Request-Method": "GET"})
                self.assertEqual((r.status, r.body), (400, b"Disallowed CORS origin"))
                r = self.server.get("/api/workers", headers={"Origin": origin})
                self.assertNotIn("access-control-allow-origin", r.headers)


class CorsWildcard(ZeuesTestCase):
    FIXTURE = None
    SERVER_ENV = {"ALLOWED_ORIGINS": "*"}

    def test_preflight_echoes_any_origin(self):
        # allow_credentials makes Starlette echo the origin instead of '*' in preflights.
        r = self.server.options("/api/workers", headers={
            "Origin": "http://anything.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual((r.status, r.body), (200, b"OK"))
        self.assertEqual(r.headers.get("access-control-allow-origin"), "http://anything.example")
        self.assertEqual(r.headers.get("vary"), "Origin")
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")

    def test_actual_star_without_cookie(self):
        for path, status in (("/api/workers", 200), ("/nope", 404)):
            with self.subTest(path=path):
                r = self.server.get(path, headers={"Origin": "http://anything.example"})
                self.assertEqual(r.status, status)
                self.assertEqual(acheaders(r), {"access-control-allow-credentials": "true",
                                                "access-control-allow-origin": "*"})

    def test_actual_echo_with_cookie(self):
        r = self.server.get("/api/workers", headers={"Origin": "http://anything.example",
                                                     "Cookie": "session=1"})
        self.assertEqual(acheaders(r), {"access-control-allow-credentials": "true",
                                        "access-control-allow-origin": "http://anything.example",
                                        "vary": "Origin"})

    def test_no_origin_no_headers(self):
        self.assertEqual(acheaders(self.server.get("/api/workers")), {})


if __name__ == "__main__":
    unittest.main()
