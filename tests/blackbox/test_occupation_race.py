#!/usr/bin/env python3
"""Occupation races (RELIABILITY.md #1): parallel TOMAR of the same spool by different eligible
workers, on separate connections released together by a barrier.

  * 50 spools x 10 parallel TOMAR  -> per spool exactly 1 x 200 and 9 x 409 SPOOL_OCCUPIED;
  * 500 parallel TOMAR over 25 spools by 50 workers -> exactly 25 successes;
  * 10 parallel TOMAR split over two server instances sharing the store and Redis.

Afterwards every raced spool has exactly one occupant (GET /api/spools/detail), exactly one Redis
lock `spool_lock:{tag}` whose value is `{winner id}:{token of the winner's event}` and exactly one
new TOMAR_SPOOL event (and no other new event) in the exported Metadata.

The demo plant has only 16 workers eligible for ARM, so the plant used here is the demo plant
exported, extended with 40 extra Armadores (ids 200..239) and imported again.
"""
import csv
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

ARM_ROLES = {"Armador", "Ayudante"}


# ---- small helpers ----------------------------------------------------------------------------

def build_plant(tmp, spools, extra_armadores=0):
    """`zeues demo`, optionally extended with extra active Armadores; returns the DB path."""
    demo_db = os.path.join(tmp, "demo.db")
    r = harness.run_cli("demo", "--db", demo_db, "--spools", spools)
    if r.returncode != 0:
        raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
    if not extra_armadores:
        return demo_db
    d = os.path.join(tmp, "plant-csv")
    harness.export_dir(demo_db, d)
    with open(os.path.join(d, "Trabajadores.csv"), "a", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for i in range(extra_armadores):
            w.writerow([200 + i, "Extra%d" % i, "Armador", "TRUE"])
    with open(os.path.join(d, "Roles.csv"), "a", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for i in range(extra_armadores):
            w.writerow([200 + i, "Armador", "TRUE"])
    db = os.path.join(tmp, "zeues.db")
    harness.import_dir(db, d)
    return db


def export_sheets(db):
    """Exports db; returns (operaciones rows by tag, metadata rows in file order)."""
    d = harness.make_tempdir("zeues-occ-export-")
    try:
        harness.export_dir(db, d)
        with open(os.path.join(d, "Operaciones.csv"), encoding="utf-8", newline="") as f:
            ops = {row["TAG_SPOOL"]: row for row in csv.DictReader(f)}
        with open(os.path.join(d, "Metadata.csv"), encoding="utf-8", newline="") as f:
            meta = list(csv.DictReader(f))
        return ops, meta
    finally:
        harness.remove_tempdir(d)


def locks(redis):
    """{tag: value} of every spool_lock:* key."""
    out = {}
    for k in redis.command("KEYS", "spool_lock:*") or []:
        v = redis.command("GET", k)
        if v is not None:
            out[k[len("spool_lock:"):]] = v
    return out


def tomar_body(tag, worker_id, op="ARM"):
    return {"tag_spool": tag, "worker_id": worker_id, "operacion": op}


def fire_parallel(calls, timeout=60):
    """calls: list of (server, path, body). All threads wait on one barrier, then each sends its
    request on its own connection. Returns the list of (status, json) in the same order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, srv, path, body):
        try:
            barrier.wait(timeout=timeout)
            r = srv.post(path, json_body=body, timeout=timeout)
            results[i] = (r.status, r.json)
        except Exception as e:  # recorded, asserted by the caller
            results[i] = ("exception", repr(e))

    threads = [threading.Thread(target=run, args=(i,) + tuple(c), daemon=True)
               for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 30)
    return results


class OccupationRace(ZeuesTestCase):
    FIXTURE = None
    SERVER_ENV = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-occ-race-")
        cls.second = None
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = build_plant(cls.tmp, 300, extra_armadores=40)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
            workers = cls.server.get("/api/workers").json["workers"]
            cls.names = {w["id"]: w["nombre_completo"] for w in workers}
            cls.eligible = sorted(w["id"] for w in workers
                                  if w["activo"] and ARM_ROLES & set(w["roles"]))
            lst = cls.server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
            cls.free = [s["tag_spool"] for s in lst if s["ocupado_por"] is None]
            cls.versions = {s["tag_spool"]: s["version"] for s in lst}
            _, meta = export_sheets(cls.db)
            cls.baseline_events = {row["id"] for row in meta}
        except Exception:
            cls._teardown_stack(check=False)
            raise

    @classmethod
    def tearDownClass(cls):
        problems = []
        if cls.second is not None:
            was_alive = cls.second.alive()
            rc = cls.second.stop()
            if was_alive and rc != 0:
                problems.append("second instance exited %s" % rc)
            rep = cls.second.sanitizer_report()
            if rep:
                problems.append("second instance sanitizer report:\n" + rep)
        try:
            cls._teardown_stack(check=True)
        finally:
            if problems:
                raise AssertionError("\n".join(problems))

    _next_free = 0

    def take_free(self, n):
        cls = type(self)
        tags = cls.free[cls._next_free:cls._next_free + n]
        self.assertEqual(len(tags), n, "the plant has too few spools takeable for ARM")
        cls._next_free += n
        return tags

    def new_events(self, tags):
        _, meta = export_sheets(self.db)
        out = {t: [] for t in tags}
        for row in meta:
            if row["id"] not in self.baseline_events and row["tag_spool"] in out:
                out[row["tag_spool"]].append(row)
        return out

    def check_winners(self, winners):
        """winners: {tag: winner worker id}. One occupant, one lock, one TOMAR_SPOOL event."""
        events = self.new_events(list(winners))
        all_locks = locks(self.redis)
        for tag, wid in winners.items():
            name = self.names[wid]
            d = self.server.get("/api/spools/detail?tag=" + tag)
            self.assertEqual(d.status, 200, d)
            s = d.json
            self.assertEqual((s["ocupado_por"], s["armador"], s["arm_estado"],
                              s["operacion_actual"]),
                             (name, name, "en_progreso", "ARM"), tag)
            self.assertEqual(s["estado_detalle"],
                             "%s trabajando ARM (ARM en progreso, SOLD pendiente)" % name, tag)
            self.assertEqual(s["version"], self.versions[tag] + 1,
                             "%s: exactly one committed change expected" % tag)
            ev = events[tag]
            self.assertEqual([(e["evento_tipo"], e["worker_id"], e["worker_nombre"],
                               e["operacion"], e["accion"]) for e in ev],
                             [("TOMAR_SPOOL", str(wid), name, "ARM", "TOMAR")],
                             "%s: exactly one new event, the winner's TOMAR_SPOOL" % tag)
            token = json.loads(ev[0]["metadata_json"])["lock_token"]
            self.assertIn(tag, all_locks, "%s: no Redis lock for the occupied spool" % tag)
            self.assertEqual(all_locks[tag], "%d:%s" % (wid, token), tag)
            pttl = self.redis.command("PTTL", "spool_lock:" + tag)
            self.assertTrue(3500 * 1000 < pttl <= 3600 * 1000,
                            "%s: lock not extended to its full TTL after commit (pttl %s)" %
                            (tag, pttl))

    def check_race_results(self, tag, workers, results):
        """Exactly one 200 (not a no-op), the rest 409 SPOOL_OCCUPIED naming the winner."""
        ok = [(w, r) for w, r in zip(workers, results) if r[0] == 200]
        self.assertEqual(len(ok), 1, "%s: 200 answers %r" % (tag, results))
        wid, (_, body) = ok[0]
        name = self.names[wid]
        self.assertEqual(body, {"success": True, "tag_spool": tag,
                                "message": "Spool %s tomado por %s" % (tag, name),
                                "operacion": "ARM",
                                "estado_detalle": "%s trabajando ARM (ARM en progreso, SOLD "
                                                  "pendiente)" % name,
                                "sin_cambios": False})
        losers = [r for r in results if r[0] != 200]
        self.assertEqual(len(losers), len(results) - 1)
        for status, body in losers:
            self.assertEqual(status, 409, "%s: %r" % (tag, body))
            self.assertEqual(list(body.keys()), harness.ERROR_KEYS, body)
            self.assertEqual(body["error"], "SPOOL_OCCUPIED", body)
            self.assertEqual(body["detail"], body["message"])
            self.assertEqual(body["message"],
                             "El spool '%s' ya está ocupado por %s (ID: %d). Espera a que "
                             "termine o elige otro spool." % (tag, name, wid))
            self.assertEqual(body["data"], {"tag_spool": tag, "owner_id": wid,
                                            "owner_name": name}, body)
        return wid

    # ------------------------------------------------------------------------------------------

    def test_1_ten_way_race_on_50_spools(self):
        self.assertGreaterEqual(len(self.eligible), 50, self.eligible)
        tags = self.take_free(50)
        winners = {}
        for i, tag in enumerate(tags):
            workers = [self.eligible[(i * 10 + k) % len(self.eligible)] for k in range(10)]
            self.assertEqual(len(set(workers)), 10)
            res = fire_parallel([(self.server, "/api/occupation/tomar", tomar_body(tag, w))
                                 for w in workers])
            winners[tag] = self.check_race_results(tag, workers, res)
        self.check_winners(winners)

    def test_2_five_hundred_parallel_over_25_spools(self):
        self.assertGreaterEqual(len(self.eligible), 50, self.eligible)
        pool = self.eligible[:50]
        tags = self.take_free(25)
        calls, who = [], []
        for j, tag in enumerate(tags):
            # 20 distinct workers per spool (a worker repeated on one spool would be a double
            # tap, answered 200 sin_cambios), 50 workers overall, interleaved across spools.
            for k in range(20):
                w = pool[(j * 20 + k) % 50]
                calls.append((self.server, "/api/occupation/tomar", tomar_body(tag, w)))
                who.append((tag, w))
        order = list(range(len(calls)))
        order = order[::2] + order[1::2]  # spread each spool's requests over the start order
        t0 = time.monotonic()
        res_sorted = fire_parallel([calls[i] for i in order], timeout=90)
        elapsed = time.monotonic() - t0
        res = [None] * len(calls)
        for pos, i in enumerate(order):
            res[i] = res_sorted[pos]
        self.assertEqual(sum(1 for r in res if r[0] == 200), 25,
                         "exactly 25 successes expected (took %.1fs)" % elapsed)
        self.assertEqual(sum(1 for r in res if r[0] == 409), 475,
                         sorted({repr(r)[:200] for r in res if r[0] not in (200, 409)}))
        winners = {}
        for tag in tags:
            idx = [i for i, (t, _) in enumerate(who) if t == tag]
            winners[tag] = self.check_race_results(tag, [who[i][1] for i in idx],
                                                   [res[i] for i in idx])
        self.check_winners(winners)
        # Nobody else got a lock on these spools, and no raced spool is left without one.
        all_locks = locks(self.redis)
        self.assertEqual(sorted(t for t in all_locks if t in tags), sorted(tags))

    def test_3_race_split_across_two_instances(self):
        """RELIABILITY #1, second half: the same race with the requests split over two server
        processes sharing the store file and Redis."""
        cls = type(self)
        if cls.second is None:
            cls.second = harness.Server(db=self.db, redis_url=self.redis.url,
                                        workdir=harness.make_tempdir("zeues-occ-race2-")).start()
        tags = self.take_free(10)
        winners = {}
        for i, tag in enumerate(tags):
            workers = [self.eligible[(i * 7 + k) % len(self.eligible)] for k in range(10)]
            srvs = [self.server if k % 2 == 0 else cls.second for k in range(10)]
            res = fire_parallel([(s, "/api/occupation/tomar", tomar_body(tag, w))
                                 for s, w in zip(srvs, workers)])
            winners[tag] = self.check_race_results(tag, workers, res)
            # Both instances read the committed occupant at once (read your writes).
            for s in (self.server, cls.second):
                d = s.get("/api/spools/detail?tag=" + tag).json
                self.assertEqual(d["ocupado_por"], self.names[winners[tag]], tag)
        self.check_winners(winners)


if __name__ == "__main__":
    unittest.main()
