#!/usr/bin/env python3
"""The cached lists (spool lists, workers) as HTTP caches see them: gzip when the client allows
it (the same JSON once decompressed, never when q=0), ETag / If-None-Match -> 304 with the CORS
headers and no body, an ETag that changes with the list, and no stale list on either of two
instances sharing one store (a change made through the other instance, and one made by a
writer that publishes nothing); a hot list compressed again at level 9, whole on a keep-alive
connection. Also what the buffered access log and the 8 KB connection pool must still do:
every request's line is whole and written by the time the server exits on SIGTERM, and large
bodies with large headers still work on keep-alive connections."""
import gzip
import http.client
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, make_tempdir, remove_tempdir  # noqa: E402
from test_live_stream import LiveCase, Plant, pausar, tomar  # noqa: E402

ORIGIN = "http://localhost:3000"


def lists_of(plant):
    w = plant.armadores[0]["id"]
    name = plant.names[w]
    return ["/api/spools/iniciar?operacion=ARM", "/api/spools/iniciar?operacion=SOLD",
            "/api/spools/cancelar?operacion=ARM&worker_id=%d" % w,
            "/api/spools/completar?operacion=ARM&worker_nombre=" + name.replace(" ", "%20"),
            "/api/spools/ocupados?operacion=ARM&worker_id=%d" % w,
            "/api/spools/reparacion", "/api/workers"]


def wait_until(pred, timeout=5.0):
    """Polls pred until it is true (returns True) or timeout passes (returns False)."""
    end = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.02)


def generation_bump_sql():
    """SQL that bumps the store's generation the way a commit does, for a writer that
    publishes nothing on Redis."""
    return ("UPDATE counters SET generation = generation + 1" if harness.STORE == "postgres"
            else "UPDATE meta SET v = v + 1 WHERE k = 'generation'")


class TwoInstances(LiveCase):
    """LiveCase plus a second instance, B, on the same store and Redis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.server_b = Server(db=cls.db, redis_url=cls.redis.url,
                                  workdir=make_tempdir("zeues-srv-b-")).start()
        except Exception:
            cls._teardown_stack(check=False)
            raise

    @classmethod
    def tearDownClass(cls):
        b = cls.server_b
        was_alive = b.alive()
        rc = b.stop()
        report = b.sanitizer_report()
        remove_tempdir(b.workdir)
        try:
            super().tearDownClass()
        finally:
            if not was_alive or rc != 0 or report:
                raise AssertionError("instance B exited %s:\n%s\n%s" % (rc, b.stderr_tail(),
                                                                      report))


class ListCaching(TwoInstances):
    def test_gzip_decompresses_to_the_same_json(self):
        for path in lists_of(self.plant):
            with self.subTest(path=path):
                plain = self.ok(self.server.get(path))
                self.assertNotIn("content-encoding", plain.headers)
                self.assertIn("accept-encoding", plain.headers.get("vary", "").lower())
                z = self.ok(self.server.get(path, headers={"Accept-Encoding": "gzip, deflate, br"}))
                if len(plain.body) < 200 and "content-encoding" not in z.headers:
                    self.assertEqual(z.body, plain.body)  # too small to gain from gzip
                    continue
                self.assertEqual(z.headers.get("content-encoding"), "gzip", z.headers)
                self.assertIn("accept-encoding", z.headers.get("vary", "").lower())
                self.assertEqual(z.headers.get("content-type"), "application/json")
                self.assertEqual(gzip.decompress(z.body), plain.body)
                self.assertEqual(json.loads(gzip.decompress(z.body)), plain.json)
                self.assertEqual(z.headers["etag"], plain.headers["etag"])

    def test_a_hot_list_is_sent_smaller_with_the_same_content(self):
        """A list asked for again and again while nothing changes is compressed once more at
        zlib's level 9, off the request path: every answer decompresses to the same JSON under
        the same ETag, and after the hot threshold (32 answers) the gzip gets smaller."""
        path = "/api/spools/iniciar?operacion=ARM"
        gz = {"Accept-Encoding": "gzip, deflate, br"}
        # A new generation (same content) so that the entry starts cold whatever ran before.
        harness.store_exec(self.db, "BEGIN; %s; COMMIT" % generation_bump_sql())
        time.sleep(0.3)  # > LIST_CACHE_RECHECK_MS: the next request sees the new generation
        plain = self.ok(self.server.get(path))
        first = self.ok(self.server.get(path, headers=gz))
        sizes = []
        for _ in range(200):
            r = self.ok(self.server.get(path, headers=gz))
            self.assertEqual(r.headers.get("content-encoding"), "gzip")
            self.assertEqual(r.headers["etag"], plain.headers["etag"])
            self.assertEqual(gzip.decompress(r.body), plain.body)
            sizes.append(len(r.body))
            if len(r.body) < len(first.body):
                break
            time.sleep(0.01)
        self.assertLess(sizes[-1], len(first.body), "never recompressed: %r" % sizes[-5:])
        self.assertGreaterEqual(len(sizes), 30, "recompressed before it was hot")
        # After the swap, on one keep-alive connection, answers of both codings in turn stay
        # whole and in step.
        hot = sizes[-1]
        c = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
        try:
            for headers in (gz, gz, {}, gz, dict(gz, Origin=ORIGIN), {}, gz):
                c.request("GET", path, headers=headers)
                r = c.getresponse()
                body = r.read()
                self.assertEqual(r.status, 200, body[:200])
                self.assertEqual(r.getheader("etag"), plain.headers["etag"])
                self.assertEqual(r.getheader("content-type"), "application/json")
                if headers.get("Origin"):
                    self.assertEqual(r.getheader("access-control-allow-origin"), ORIGIN)
                if not headers:
                    self.assertIsNone(r.getheader("content-encoding"))
                    self.assertEqual(body, plain.body)
                    continue
                self.assertEqual(r.getheader("content-encoding"), "gzip")
                self.assertEqual(int(r.getheader("content-length")), hot)
                self.assertEqual(gzip.decompress(body), plain.body)
        finally:
            c.close()

    def test_gzip_refused_is_never_sent(self):
        path = "/api/spools/iniciar?operacion=ARM"
        plain = self.ok(self.server.get(path)).body
        for ae in ("gzip;q=0", "gzip; q=0.0, identity", "identity", "br", "*;q=0",
                   "deflate, gzip;q=0.000", "x-gzip;q=0, *;q=0.5"):
            with self.subTest(accept_encoding=ae):
                r = self.ok(self.server.get(path, headers={"Accept-Encoding": ae}))
                self.assertNotIn("content-encoding", r.headers)
                self.assertEqual(r.body, plain)
        for ae in ("GZIP", "gzip;q=0.5", "*", "br;q=1, *;q=0.1", "x-gzip"):
            with self.subTest(accept_encoding=ae):
                r = self.ok(self.server.get(path, headers={"Accept-Encoding": ae}))
                self.assertEqual(r.headers.get("content-encoding"), "gzip")
                self.assertEqual(gzip.decompress(r.body), plain)

    def test_if_none_match_answers_304_with_cors_and_no_body(self):
        for path in lists_of(self.plant):
            with self.subTest(path=path):
                first = self.ok(self.server.get(path, headers={"Origin": ORIGIN}))
                etag = first.headers.get("etag")
                self.assertTrue(etag and re.fullmatch(r'(W/)?"[^"]+"', etag), first.headers)
                for inm in (etag, etag[2:] if etag.startswith("W/") else "W/" + etag,
                            '"nope", ' + etag, "*"):
                    r = self.server.get(path, headers={"If-None-Match": inm, "Origin": ORIGIN,
                                                       "Accept-Encoding": "gzip"})
                    self.assertEqual(r.status, 304, (inm, r))
                    self.assertEqual(r.body, b"")
                    self.assertEqual(r.headers.get("etag"), etag)
                    self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
                    self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")
                    self.assertNotIn("content-encoding", r.headers)
                other = self.ok(self.server.get(path, headers={"If-None-Match": '"other"'}))
                self.assertEqual(other.body, first.body)

    def test_etag_changes_after_a_mutation(self):
        path = "/api/spools/iniciar?operacion=ARM"
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[1]["id"]
        before = self.ok(self.server.get(path))
        self.assertIn(tag, [s["tag_spool"] for s in before.json["spools"]])
        self.ok(tomar(self.server, tag, w))
        after = self.server.get(path, headers={"If-None-Match": before.headers["etag"]})
        self.assertEqual(after.status, 200, after)
        self.assertNotEqual(after.headers["etag"], before.headers["etag"])
        self.assertNotIn(tag, [s["tag_spool"] for s in after.json["spools"]])
        mine = self.ok(self.server.get("/api/spools/cancelar?operacion=ARM&worker_id=%d" % w))
        self.assertIn(tag, [s["tag_spool"] for s in mine.json["spools"]])
        self.ok(pausar(self.server, tag, w))
        back = self.ok(self.server.get(path))
        self.assertIn(tag, [s["tag_spool"] for s in back.json["spools"]])
        self.assertNotEqual(back.headers["etag"], after.headers["etag"])

    def test_the_other_instance_invalidates_the_cache(self):
        a, b = self.server, self.server_b
        path = "/api/spools/iniciar?operacion=ARM"
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[2]["id"]
        for _ in range(2):  # cached on A, and the cached copy served
            self.assertIn(tag, [s["tag_spool"] for s in self.ok(a.get(path)).json["spools"]])
        etag = a.get(path).headers["etag"]
        self.ok(tomar(b, tag, w))

        def gone():
            r = a.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
            if r.status != 200:
                return False
            return tag not in [s["tag_spool"] for s in json.loads(gzip.decompress(r.body))["spools"]]
        self.assertTrue(wait_until(gone), "instance A still lists a spool B's worker took")
        held = a.get("/api/spools/cancelar?operacion=ARM&worker_id=%d" % w).json
        self.assertIn(tag, [s["tag_spool"] for s in held["spools"]])
        self.ok(pausar(b, tag, w))
        self.assertTrue(wait_until(lambda: tag in [s["tag_spool"] for s in a.get(path).json["spools"]]),
                        "instance A does not list the spool again after B's PAUSAR")
        self.assertEqual(a.get(path).body, b.get(path).body)

    def test_a_writer_that_publishes_nothing_is_seen(self):
        """Another process changes the store without a Redis message (an import into the same
        file would): the lists follow the store's own generation."""
        a = self.server
        workers = self.ok(a.get("/api/workers")).json["workers"]
        wid = workers[-1]["id"]
        etag = a.get("/api/workers").headers["etag"]
        harness.store_exec(self.db, "BEGIN; UPDATE workers SET nombre = 'Zacarías' WHERE id = %d;"
                                    " %s; COMMIT" % (int(wid), generation_bump_sql()))

        def renamed():
            r = a.get("/api/workers", headers={"If-None-Match": etag})
            return r.status == 200 and any(x["id"] == wid and x["nombre"] == "Zacarías"
                                           for x in r.json["workers"])
        self.assertTrue(wait_until(renamed), "GET /api/workers still shows the old name")

    def test_large_body_and_headers_on_keep_alive(self):
        tags = [s["tag_spool"] for s in self.ok(self.server.get(
            "/api/spools/iniciar?operacion=SOLD")).json["spools"]]
        tags = (tags * 100)[:100]
        body = json.dumps({"tags": list(dict.fromkeys(tags))[:100]})
        # A 3,000-byte cookie: most of the 4 KiB header block the edge takes, on every request.
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=15)
        try:
            for i in range(5):
                conn.request("POST", "/api/spools/batch-status", body=body,
                             headers={"Content-Type": "application/json",
                                      "Cookie": "session=" + "c" * 3000, "Origin": ORIGIN,
                                      "Accept-Encoding": "gzip"})
                r = conn.getresponse()
                data = r.read()
                self.assertEqual(r.status, 200, data[:300])
                self.assertGreater(len(json.loads(data)["spools"]), 0)
                conn.request("GET", "/api/spools/iniciar?operacion=ARM",
                             headers={"Cookie": "session=" + "c" * 3000, "Accept-Encoding": "gzip"})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                json.loads(gzip.decompress(r.read()))
        finally:
            conn.close()


LINE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) [a-z_]+: .*$")
ACCESS_RE = re.compile(r"^\S+Z INFO http: GET /api/workers 200 \d+us$")


class AccessLog(LiveCase):
    DEMO_SPOOLS = 20

    def access_lines(self, srv):
        return [l for l in srv.stderr().split("\n") if ACCESS_RE.match(l)]

    def test_lines_written_without_more_traffic(self):
        path = "/api/no-such-route-%d" % os.getpid()
        self.assertEqual(self.server.get(path).status, 404)
        line = re.compile(r"^\S+Z INFO http: GET %s 404 \d+us NOT_FOUND$" % re.escape(path), re.M)
        self.assertTrue(wait_until(lambda: line.search(self.server.stderr())),
                        "the access line of a request was not written while the server idled:\n"
                        + self.server.stderr_tail())

    def test_every_line_whole_after_sigterm(self):
        srv = Server(db=self.db, redis_url=self.redis.url, workdir=make_tempdir("zeues-log-"))
        srv.start()
        try:
            n = 300
            conns = [http.client.HTTPConnection(srv.host, srv.port, timeout=15) for _ in range(3)]
            for i in range(n):
                c = conns[i % 3]
                c.request("GET", "/api/workers")
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
            for c in conns:
                c.close()
            self.assertEqual(srv.stop(), 0, srv.stderr_tail())
            text = srv.stderr()
            self.assertTrue(text.endswith("\n"), text[-200:])
            lines = text[:-1].split("\n")
            bad = [l for l in lines if not LINE_RE.match(l)]
            self.assertEqual(bad, [], "lines not whole or not in the log format")
            self.assertEqual(len(self.access_lines(srv)), n)
            self.assertRegex(lines[-1], r"INFO serve: stopped$")
        finally:
            srv.kill()
            remove_tempdir(srv.workdir)


if __name__ == "__main__":
    unittest.main()
