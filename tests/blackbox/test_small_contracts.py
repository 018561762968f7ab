#!/usr/bin/env python3
"""Small promises of the server that no other suite pins down: the links GET / advertises
exist; /app/ reaches the UI in one redirect; the UI's time zone comes from the server's
TIMEZONE; the answer to a state change is never cacheable; an invalid LOG_LEVEL is refused at
start-up instead of silently becoming INFO."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, ZeuesTestCase  # noqa: E402


class SmallContracts(ZeuesTestCase):
    SERVER_ENV = {"TIMEZONE": "America/Punta_Arenas"}

    def test_root_links_exist(self):
        r = self.server.get("/")
        self.assertEqual(r.status, 200, r)
        for key in ("docs", "redoc", "health", "app", "dashboard"):
            with self.subTest(key=key):
                target = self.server.get(r.json[key])
                self.assertEqual(target.status, 200, (key, r.json[key], target))
        docs = self.server.get("/api/docs")
        self.assertTrue(docs.headers["content-type"].startswith("text/html"), docs.headers)
        self.assertIn(b"/openapi.json", docs.body)

    def test_app_slash_is_one_redirect(self):
        for path in ("/app", "/app/"):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertEqual(r.status, 307, r)
                self.assertEqual(r.headers.get("location"), "/app/index.html")

    def test_ui_time_zone_comes_from_the_server(self):
        r = self.server.get("/app/config.js")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'window.ZEUES_CONFIG = {"timezone":"America/Punta_Arenas"};\n')
        etag = r.headers["etag"]
        again = self.server.get("/app/config.js", headers={"If-None-Match": etag})
        self.assertEqual(again.status, 304, again)
        for page in ("index.html", "dashboard.html", "spool.html"):
            body = self.server.get("/app/" + page).body
            self.assertLess(body.index(b'src="config.js"'), body.index(b'src="common.js"'), page)

    def test_static_etag_is_stable_and_revalidates(self):
        a = self.server.get("/app/common.js")
        b = self.server.get("/app/common.js")
        self.assertEqual(a.headers["etag"], b.headers["etag"])
        r = self.server.get("/app/common.js", headers={"If-None-Match": a.headers["etag"]})
        self.assertEqual(r.status, 304, r)

    def test_mutation_answers_are_not_cacheable(self):
        r = self.server.post("/api/occupation/tomar", json_body={"tag_spool": "NOPE", "worker_id": 93,
                                                                 "operacion": "ARM"})
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        r = self.server.get("/api/workers")
        self.assertNotEqual(r.headers.get("cache-control"), "no-store")


class LogLevelIsValidated(unittest.TestCase):
    def test_invalid_log_level_is_refused(self):
        tmp = harness.make_tempdir()
        try:
            srv = Server(workdir=tmp, redis_url="redis://127.0.0.1:1", env={"LOG_LEVEL": "LOUD"})
            with self.assertRaises(RuntimeError) as cm:
                srv.start(timeout=10)
            self.assertIn("LOG_LEVEL", str(cm.exception))
            self.assertIn("LOUD", str(cm.exception))
            self.assertEqual(srv.proc.returncode, 2)
            ok = Server(workdir=tmp, redis_url="redis://127.0.0.1:1", env={"LOG_LEVEL": "warn"})
            ok.start(timeout=10)
            self.assertEqual(ok.stop(), 0)
        finally:
            harness.remove_tempdir(tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)
