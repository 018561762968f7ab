#!/usr/bin/env python3
"""State changes run off libmicrohttpd's workers (src/http/server.c, util/runner.c): one that
waits on Redis holds only its own connection.

With one worker thread (`--threads 1`) and Redis stopped (SIGSTOP), a TOMAR waits inside its
Redis call; meanwhile

  * reads on other connections are answered (GET /api/workers), and so are other state
    changes and health checks up to the point where they too wait on Redis;
  * once Redis continues, every waiting TOMAR gets its 200 and the spool is occupied;
  * SIGTERM while a TOMAR waits: the server lets it finish (its answer is a 200), answers a
    TOMAR sent meanwhile on a tablet's open keep-alive connection, then exits 0 (libmicrohttpd
    must never be stopped with a connection still suspended).
"""
import http.client
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

A, B = 93, 95  # Armadores of the demo plant
REDIS_WAIT_MS = 10000  # longer than any step here: a waiting TOMAR waits for SIGCONT


class PendingPost(threading.Thread):
    """One POST on its own connection; .resp (or .error) once answered."""

    def __init__(self, srv, path, body=None):
        super().__init__(daemon=True)
        self.srv, self.path, self.body = srv, path, body
        self.resp = self.error = None

    def run(self):
        try:
            self.resp = self.srv.post(self.path, json_body=self.body, timeout=30)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


class PendingGet(PendingPost):
    def run(self):
        try:
            self.resp = self.srv.get(self.path, timeout=30)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


class MutationOffload(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-offload-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 60)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            cls.server = harness.Server(
                db=cls.db, redis_url=cls.redis.url, workdir=cls.tmp,
                args=("--threads", "1", "--redis-timeout-ms", str(REDIS_WAIT_MS))).start()
            lst = cls.server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
            cls.free = [s["tag_spool"] for s in lst if s["ocupado_por"] is None]
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def pop_free(self):
        self.assertTrue(type(self).free, "no free spools left")
        return type(self).free.pop(0)

    def tomar(self, tag, wid):
        return PendingPost(self.server, "/api/occupation/tomar",
                           {"tag_spool": tag, "worker_id": wid, "operacion": "ARM"})

    def redis_paused(self):
        """Context: Redis stopped with SIGSTOP, always continued on the way out."""
        test = self

        class Paused:
            def __enter__(self):
                test.redis.proc.send_signal(signal.SIGSTOP)

            def __exit__(self, *exc):
                test.redis.proc.send_signal(signal.SIGCONT)
        return Paused()

    def occupant(self, tag):
        return self.server.get("/api/spools/detail?tag=" + tag).json.get("ocupado_por")

    def test_1_reads_answered_while_a_change_waits_on_redis(self):
        t1, t2 = self.pop_free(), self.pop_free()
        with self.redis_paused():
            first = self.tomar(t1, A)
            first.start()
            # A health check (a balancer's, every few seconds) waits on Redis's PING too.
            health = PendingGet(self.server, "/api/health")
            health.start()
            time.sleep(1.0)  # both reached their Redis call (Redis is stopped: they stay there)
            self.assertIsNone(first.resp, "TOMAR answered while Redis was stopped")
            self.assertIsNone(health.resp, "health answered while Redis was stopped")
            # The only worker thread is not held by the waiting TOMAR: a read on another
            # connection is answered, and a second TOMAR gets as far as its own Redis call.
            second = self.tomar(t2, B)
            second.start()
            r = self.server.get("/api/workers", timeout=5)
            self.assertEqual(r.status, 200, r.body)
            self.assertTrue(r.json["workers"])
            self.assertIsNone(first.resp, "TOMAR answered while Redis was stopped")
        for p in (first, second, health):
            p.join(20)
            self.assertIsNone(p.error)
            self.assertIsNotNone(p.resp, "no answer after Redis continued")
            self.assertEqual(p.resp.status, 200, p.resp.body)
        self.assertEqual(health.resp.json["redis"], "ok", health.resp.body)
        self.assertIsNotNone(self.occupant(t1))
        self.assertIsNotNone(self.occupant(t2))

    def test_2_sigterm_lets_a_waiting_change_finish(self):
        tag, late_tag = self.pop_free(), self.pop_free()
        # A tablet's keep-alive connection, open before the shutdown starts.
        keep = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        keep.request("GET", "/api/workers")
        self.assertEqual(keep.getresponse().read() and 200, 200)
        late = {}

        def late_tomar():
            # Sent while the server drains: it runs on the worker itself (the runner is
            # stopping) and is answered like any other.
            try:
                keep.request("POST", "/api/occupation/tomar",
                             body=json.dumps({"tag_spool": late_tag, "worker_id": B,
                                              "operacion": "ARM"}),
                             headers={"Content-Type": "application/json"})
                r = keep.getresponse()
                late["status"], late["body"] = r.status, r.read()
            except Exception as e:  # noqa: BLE001 - reported by the test
                late["error"] = e
        with self.redis_paused():
            p = self.tomar(tag, A)
            p.start()
            time.sleep(1.0)
            self.assertIsNone(p.resp)
            self.server.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            self.assertTrue(self.server.alive(), "the server left before the TOMAR finished")
            t = threading.Thread(target=late_tomar, daemon=True)
            t.start()
            time.sleep(0.5)
        p.join(20)
        t.join(20)
        keep.close()
        self.assertIsNone(p.error)
        self.assertIsNotNone(p.resp, "no answer to the TOMAR under way at SIGTERM")
        self.assertEqual(p.resp.status, 200, p.resp.body)
        self.assertNotIn("error", late)
        self.assertEqual(late.get("status"), 200, late)
        self.assertEqual(self.server.stop(), 0, self.server.stderr_tail())
        # The changes it acknowledged are in the store.
        self.server.start()
        self.assertIsNotNone(self.occupant(tag))
        self.assertIsNotNone(self.occupant(late_tag))


if __name__ == "__main__":
    unittest.main()
