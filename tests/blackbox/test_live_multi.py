#!/usr/bin/env python3
"""Two `zeues serve` instances over one SQLite file and one Redis: the live view is the same on
both (events fan out across instances, in the store's sequence order, without duplicates), and
parallel TOMAR of one spool through both instances has exactly one winner."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, make_tempdir  # noqa: E402
from test_live_stream import LiveCase, Plant, open_stream, tomar  # noqa: E402


class LiveTwoInstances(LiveCase):
    SERVER_ENV = {"ZEUES_SSE_PING_MS": "1000"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.server_b = Server(db=cls.db, redis_url=cls.redis.url, env=cls.SERVER_ENV,
                                  workdir=make_tempdir("zeues-srv-b-")).start()
            cls.plant_b = Plant(cls.server_b)
        except Exception:
            cls._teardown_stack(check=False)
            raise

    @classmethod
    def tearDownClass(cls):
        problems = []
        b = cls.server_b
        was_alive = b.alive()
        rc = b.stop()
        if not was_alive or rc != 0:
            problems.append("instance B exited %s:\n%s" % (rc, b.stderr_tail()))
        if b.sanitizer_report():
            problems.append("instance B sanitizer report:\n" + b.sanitizer_report())
        try:
            super().tearDownClass()
        finally:
            if problems:
                raise AssertionError("\n\n".join(problems))

    def setUp(self):
        self.streams = []

    def tearDown(self):
        for s in self.streams:
            s.close()

    def stream(self, server, **kw):
        s = open_stream(server, **kw)
        self.streams.append(s)
        self.assertEqual(s.status, 200)
        self.assertTrue(s.wait_for(lambda x: x.frames, 2))
        return s

    def test_event_reaches_the_other_instance(self):
        a, b = self.server, self.server_b
        sa, sb = self.stream(a), self.stream(b)
        tags = self.plant.fresh_tags(2)
        w = self.plant.armadores[0]
        for origin, tag, watcher in ((a, tags[0], sb), (b, tags[1], sa)):
            with self.subTest(origin=origin.port):
                t0 = time.monotonic()
                r = tomar(origin, tag, w["id"])
                self.assertEqual(r.status, 200, r)
                ok = watcher.wait_for(lambda x: any(f.json()["tag_spool"] == tag
                                                    for f in x.events()), 1.0)
                self.assertTrue(ok, "the event did not reach the other instance within 1 s")
                f = [f for f in watcher.events() if f.json()["tag_spool"] == tag][0]
                self.assertLess(f.t - t0, 1.0)
                self.assertEqual(f.json()["worker_nombre"], w["nombre_completo"])
        sa.wait_for(lambda x: len(x.ids()) >= 2, 1)
        sb.wait_for(lambda x: len(x.ids()) >= 2, 1)
        self.assertEqual(sa.ids(), sb.ids())

    def test_parallel_tomar_one_winner_and_same_view(self):
        a, b = self.server, self.server_b
        sa, sb = self.stream(a), self.stream(b)
        workers = [w["id"] for w in self.plant.armadores[:10]]
        tags = self.plant.fresh_tags(20)
        stop = threading.Event()

        def drain(s):
            while not stop.is_set() and s.pump(0.1):
                pass
        readers = [threading.Thread(target=drain, args=(s,)) for s in (sa, sb)]
        for t in readers:
            t.start()
        try:
            for tag in tags:
                with self.subTest(tag=tag):
                    barrier = threading.Barrier(10)
                    results = [None] * 10

                    def go(i, tag=tag, barrier=barrier, results=results):
                        srv = a if i % 2 == 0 else b
                        barrier.wait()
                        results[i] = tomar(srv, tag, workers[i])
                    ths = [threading.Thread(target=go, args=(i,)) for i in range(10)]
                    for t in ths:
                        t.start()
                    for t in ths:
                        t.join()
                    statuses = sorted(r.status for r in results)
                    self.assertEqual(statuses, [200] + [409] * 9,
                                     [(r.status, r.json and r.json.get("error")) for r in results])
                    winner = [workers[i] for i in range(10) if results[i].status == 200][0]
                    for srv in (a, b):
                        r = srv.get("/api/spools/detail?tag=%s" % tag)
                        self.assertEqual(r.status, 200, r)
                        self.assertEqual(r.json["ocupado_por"], self.plant.names[winner])
        finally:
            time.sleep(1.2)
            stop.set()
            for t in readers:
                t.join()
        ia, ib = sa.ids(), sb.ids()
        self.assertEqual(ia, ib, "the two instances streamed different sequences")
        self.assertEqual(ia, sorted(set(ia)), "ids out of order or duplicated")
        got = [f.json()["tag_spool"] for f in sa.events() if f.json()["type"] == "TOMAR"]
        self.assertEqual(sorted(got), sorted(tags))  # one TOMAR event per spool, no more

    def test_zz_redis_down_instances_still_agree(self):
        # Without Redis there is no cross-instance wake-up: B finds A's changes by polling the
        # shared store. METROLOGIA takes no Redis lock, so it can still be done.
        a, b = self.server, self.server_b
        sb = self.stream(b)
        r = a.get("/api/spools/iniciar?operacion=METROLOGIA")
        self.assertEqual(r.status, 200, r)
        tag = [s["tag_spool"] for s in r.json["spools"] if s["tag_spool"] not in self.plant.used][0]
        self.plant.used.add(tag)
        r = a.get("/api/workers")
        metro = [w["id"] for w in r.json["workers"] if w["activo"] and "Metrologia" in w["roles"]]
        self.redis.kill()
        try:
            sb.wait_for(lambda x: len(x.pings()) >= 2, 3)  # B has noticed the outage
            t0 = time.monotonic()
            r = a.post("/api/metrologia/completar",
                       json_body={"tag_spool": tag, "worker_id": metro[0],
                                  "resultado": "APROBADO"})
            self.assertEqual(r.status, 200, r)
            ok = sb.wait_for(lambda x: any(f.json()["tag_spool"] == tag for f in x.events()),
                             1.0)
            self.assertTrue(ok, "A's change did not reach B within 1 s while Redis is down")
            f = [f for f in sb.events() if f.json()["tag_spool"] == tag][0]
            self.assertLess(f.t - t0, 1.0)
            self.assertFalse(sb.eof)
        finally:
            self.redis.start()
        # Back to normal: a TOMAR on A (once A's pool has reconnected) reaches B promptly.
        tag2 = self.plant.fresh_tags(1)[0]
        deadline = time.monotonic() + 10
        while True:
            r = tomar(a, tag2, self.plant.armadores[0]["id"])
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(sb.wait_for(lambda x: any(f.json()["tag_spool"] == tag2
                                                  for f in x.events()), 1.0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
