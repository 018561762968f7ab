#!/usr/bin/env python3
"""Occupation while Redis misbehaves (SPEC capability 3, RELIABILITY #3).

  * Redis killed under a TOMAR/PAUSAR load: every occupation mutation answers 503
    REDIS_UNAVAILABLE within 1 s, reads keep answering 200 (/api/health says "redis":"error",
    /api/redis-health operational false), nothing is half-written (no version moves, no event is
    added during the outage; over the whole run every 200 has exactly its event and no 503 left
    one); Redis restarted (empty) on the same port: occupation works again within ~3 s without
    restarting the server, and the locks of occupied spools are restored within 12 s.
  * FLUSHALL while spools are occupied: the holder's PAUSAR still works (lock restored from the
    store), a TOMAR by someone else still gets 409, and reconciliation restores the other locks.
  * A Redis that answers PING but refuses writes (NOREPLICAS; MISCONF after a failed save is the
    same): health says "redis":"error", a TOMAR answers 503 and changes nothing; writes allowed
    again: all is well without a restart.
"""
import csv
import http.client
import json
import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

OCCUPANT_RE = re.compile(r"^\S+\((\d+)\)$")
T0 = time.monotonic()   # times in failure messages are seconds since the program started
REDIS_DOWN_MSG = ("Redis no está disponible: no se puede cambiar la ocupación ahora. Nada fue "
                  "modificado; intenta nuevamente en unos segundos.")


# ---- small helpers ----------------------------------------------------------------------------

export_sheets = harness.export_sheets


locks = harness.spool_locks


class Loader(threading.Thread):
    """TOMAR -> PAUSAR cycles of one worker on one spool; every answer is recorded with its
    start and end time."""

    def __init__(self, srv, tag, wid, stop):
        super().__init__(daemon=True)
        self.srv, self.tag, self.wid, self.stop = srv, tag, wid, stop
        self.log = []   # (t_start, t_end, action, status, error code)
        self.acked = {"TOMAR": 0, "PAUSAR": 0}
        self.unexpected = []

    def body(self):
        return {"tag_spool": self.tag, "worker_id": self.wid, "operacion": "ARM"}

    def run(self):
        action = "TOMAR"
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                r = self.srv.post("/api/occupation/" + action.lower(), json_body=self.body(),
                                  timeout=10)
            except (OSError, http.client.HTTPException) as e:
                self.unexpected.append((round(t0 - T0, 2), action, "exception", repr(e)))
                time.sleep(0.1)
                continue
            t1 = time.monotonic()
            j = r.json or {}
            code = j.get("error") if r.status != 200 else None
            self.log.append((t0, t1, action, r.status, code))
            if r.status == 200 and j.get("sin_cambios") is False:
                self.acked[action] += 1
                action = "PAUSAR" if action == "TOMAR" else "TOMAR"
            elif r.status == 503 and code == "REDIS_UNAVAILABLE":
                if j.get("message") != REDIS_DOWN_MSG or j.get("detail") != REDIS_DOWN_MSG:
                    self.unexpected.append((round(t0 - T0, 2), action, r.status, r.body[:300]))
                time.sleep(0.05)
            else:
                self.unexpected.append((round(t0 - T0, 2), action, r.status, r.body[:300]))
                time.sleep(0.1)


class OccupationRedisDown(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-occ-redis-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 150)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
            workers = cls.server.get("/api/workers").json["workers"]
            cls.names = {w["id"]: w["nombre_completo"] for w in workers}
            cls.eligible = sorted(w["id"] for w in workers
                                  if {"Armador", "Ayudante"} & set(w["roles"]))
            lst = cls.server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
            cls.free = [s["tag_spool"] for s in lst if s["ocupado_por"] is None]
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def pop_free(self):
        self.assertTrue(type(self).free, "no free spools left")
        return type(self).free.pop(0)

    def post(self, path, **body):
        return self.server.post("/api/occupation/" + path, json_body=body)

    def lock(self, tag):
        return self.redis.command("GET", "spool_lock:" + tag)

    def detail(self, tag):
        return self.server.get("/api/spools/detail?tag=" + tag).json

    def wait_locks_restored(self, since, limit=12.0):
        """Polls until every occupied spool has a lock naming its occupant (and for spools whose
        last TOMAR_SPOOL is ours, exactly `{id}:{token}`); returns the seconds it took."""
        while True:
            ops, meta = export_sheets(self.db)
            token = {}
            for e in meta:
                if e["evento_tipo"] == "TOMAR_SPOOL":
                    token[e["tag_spool"]] = json.loads(e["metadata_json"])["lock_token"]
            lk = locks(self.redis)
            missing = []
            for tag, row in ops.items():
                if not row["Ocupado_Por"]:
                    continue
                wid = OCCUPANT_RE.match(row["Ocupado_Por"]).group(1)
                got = lk.get(tag) or ""
                tok = token.get(tag, "demo")
                ok = got == "%s:%s" % (wid, tok) if tok != "demo" else got.startswith(wid + ":")
                if not ok:
                    missing.append((tag, row["Ocupado_Por"], got))
            took = time.monotonic() - since
            if not missing or took > limit:
                self.assertEqual(missing, [], "locks not restored %.1f s after" % took)
                return took
            time.sleep(0.25)

    # ------------------------------------------------------------------------------------------

    def test_1_flushall_while_occupied(self):
        x, y = self.pop_free(), self.pop_free()
        a, b, c = 93, 95, 96
        self.assertEqual(self.post("tomar", tag_spool=x, worker_id=a, operacion="ARM").status, 200)
        self.assertEqual(self.post("tomar", tag_spool=y, worker_id=c, operacion="ARM").status, 200)
        lock_x, lock_y = self.lock(x), self.lock(y)
        self.assertTrue(lock_x.startswith("93:") and lock_y.startswith("96:"), (lock_x, lock_y))
        self.assertEqual(self.redis.command("FLUSHALL"), "OK")
        flushed = time.monotonic()

        # Someone else still gets 409 naming the occupant; he never gets a lock.
        r = self.post("tomar", tag_spool=x, worker_id=b, operacion="ARM")
        self.assertErrorBody(r, 409, "SPOOL_OCCUPIED",
                             message="El spool '%s' ya está ocupado por MR(93) (ID: 93). Espera "
                                     "a que termine o elige otro spool." % x)
        self.assertIn(self.lock(x), (None, lock_x))
        self.assertEqual(self.detail(x)["ocupado_por"], "MR(93)")

        # The holder pauses as usual: the lock is restored from the store, then released.
        r = self.post("pausar", tag_spool=x, worker_id=a, operacion="ARM")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["estado_detalle"], "Disponible - ARM pausado, SOLD pendiente")
        self.assertIsNone(self.lock(x))
        r = self.post("tomar", tag_spool=x, worker_id=b, operacion="ARM")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.lock(x).startswith("95:"))

        # Reconciliation brings back the lock of y, exactly as it was (same token).
        deadline = flushed + 12.0
        while self.lock(y) != lock_y and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.lock(y), lock_y, "lock not restored 12 s after FLUSHALL")
        # A second flush, then COMPLETAR by the holder works too.
        self.redis.command("FLUSHALL")
        r = self.post("completar", tag_spool=y, worker_id=c, fecha_operacion="2026-01-30")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(self.lock(y))
        self.assertEqual(self.detail(y)["fecha_armado"], "2026-01-30")
        # Clean up x for the next test.
        self.assertEqual(self.post("pausar", tag_spool=x, worker_id=b, operacion="ARM").status,
                         200)

    def test_2_redis_outage_under_load(self):
        srv = self.server
        pool = [w for w in self.eligible if w not in (93, 95, 96)]
        static_w, load_w = pool[:3], pool[3:11]
        self.assertEqual(len(load_w), 8, pool)
        # Spools occupied before the outage and left alone: only reconciliation restores them.
        static = []
        for w in static_w:
            t = self.pop_free()
            self.assertEqual(self.post("tomar", tag_spool=t, worker_id=w, operacion="ARM").status,
                             200)
            static.append(t)
        load_tags = [self.pop_free() for _ in load_w]
        watched = static + load_tags
        _, meta0 = export_sheets(self.db)
        baseline = {e["id"] for e in meta0}
        v0 = {t: self.detail(t)["version"] for t in load_tags}

        stop = threading.Event()
        loaders = [Loader(srv, t, w, stop) for t, w in zip(load_tags, load_w)]
        for ld in loaders:
            ld.start()
        try:
            time.sleep(1.0)
            self.redis.kill()
            t_kill = time.monotonic()
            time.sleep(0.5)
            # Snapshot once the requests in flight at the kill are done.
            t_s1 = time.monotonic()
            snap1 = {t: self.detail(t) for t in watched}
            ops1, meta1 = export_sheets(self.db)
            ids1 = [e["id"] for e in meta1]

            # Reads keep working, each well within a second.
            checks = {}
            for path in ("/api/workers", "/api/spools/iniciar?operacion=ARM",
                         "/api/dashboard/occupied", "/api/health", "/api/redis-health",
                         "/api/spools/detail?tag=" + static[0]):
                t0 = time.monotonic()
                r = srv.get(path)
                checks[path] = (r.status, time.monotonic() - t0, r.json)
                self.assertEqual(r.status, 200, (path, r))
                self.assertLess(checks[path][1], 1.0, path)
            self.assertEqual((checks["/api/health"][2]["redis"],
                              checks["/api/health"][2]["store"],
                              checks["/api/health"][2]["status"]), ("error", "ok", "degraded"))
            self.assertIs(checks["/api/redis-health"][2]["operational"], False)
            self.assertGreater(checks["/api/workers"][2]["total"], 0)
            occ = {d["tag_spool"] for d in checks["/api/dashboard/occupied"][2]}
            self.assertTrue(set(static) <= occ, occ)

            # Every kind of occupation change is refused with 503, fast, changing nothing.
            refusals = [
                ("tomar", dict(tag_spool=self.free[0], worker_id=93, operacion="ARM")),
                ("pausar", dict(tag_spool=static[0], worker_id=static_w[0], operacion="ARM")),
                ("completar", dict(tag_spool=static[1], worker_id=static_w[1])),
            ]
            for path, body in refusals:
                t0 = time.monotonic()
                r = self.post(path, **body)
                self.assertLess(time.monotonic() - t0, 1.0, path)
                self.assertErrorBody(r, 503, "REDIS_UNAVAILABLE", message=REDIS_DOWN_MSG)
            r = srv.post("/api/occupation/batch-tomar",
                         json_body={"tag_spools": self.free[:3], "worker_id": 93,
                                    "operacion": "ARM"})
            if r.status == 200:
                self.assertEqual((r.json["succeeded"], r.json["failed"]), (0, 3), r.json)
                self.assertEqual({d["error"] for d in r.json["details"]}, {"REDIS_UNAVAILABLE"})
            else:
                self.assertErrorBody(r, 503, "REDIS_UNAVAILABLE")

            time.sleep(max(0.0, t_s1 + 3.0 - time.monotonic()))
            t_s2 = time.monotonic()
            snap2 = {t: self.detail(t) for t in watched}
            ops2, meta2 = export_sheets(self.db)
            self.assertEqual(snap2, snap1, "a spool changed while Redis was down")
            changed = sorted(t for t in ops1 if ops1[t] != ops2.get(t))
            self.assertEqual(changed, [], "Operaciones rows changed while Redis was down")
            self.assertEqual([e["id"] for e in meta2], ids1, "events added while Redis was down")
            r = srv.get("/api/redis-health")
            self.assertIs(r.json["operational"], False)

            # Redis comes back on the same port, empty.
            self.redis.start()
            t_up = time.monotonic()
            first_ok = None
            while time.monotonic() < t_up + 10:
                oks = [e[0] for ld in loaders for e in ld.log if e[3] == 200 and e[0] >= t_up]
                if oks:
                    first_ok = min(oks) - t_up
                    break
                time.sleep(0.05)
            time.sleep(max(0.0, t_up + 4.0 - time.monotonic()))
        finally:
            stop.set()
            for ld in loaders:
                ld.join(30)

        self.assertIsNotNone(first_ok, "occupation never worked again after Redis came back")
        self.assertLess(first_ok, 3.0, "occupation took %.1f s to work again" % first_ok)
        unexpected = {ld.tag: ld.unexpected for ld in loaders if ld.unexpected}
        if unexpected:
            log = [ln for ln in srv.stderr().splitlines()
                   if any(t in ln for t in unexpected) and "reconcile" in ln]
            self.fail("unexpected answers to the load (t = seconds since start; Redis killed at "
                      "%.2f, back at %.2f):\n%s\nreconciliation log lines of those spools:\n%s" %
                      (t_kill - T0, t_up - T0,
                       "\n".join("%s: %r" % kv for kv in unexpected.items()), "\n".join(log)))
        for ld in loaders:
            during = [e for e in ld.log if t_s1 <= e[0] and e[1] <= t_s2]
            self.assertGreater(len(during), 0, "%s: no request during the outage" % ld.tag)
            for t0, t1, action, status, code in during:
                self.assertEqual((status, code), (503, "REDIS_UNAVAILABLE"), ld.tag)
                self.assertLess(t1 - t0, 1.0, "%s: a 503 took %.2f s" % (ld.tag, t1 - t0))
            slow = [e for e in ld.log if e[0] >= t_kill and e[1] - e[0] >= 1.0]
            self.assertEqual(slow, [], "%s: answers slower than 1 s after the kill" % ld.tag)
            after = [e for e in ld.log if e[0] >= t_up + 3.0 and e[3] == 200]
            self.assertGreater(len(after), 0, "%s: still failing 3 s after Redis is back" %
                               ld.tag)
        self.assertIs(srv.get("/api/redis-health").json["operational"], True)
        health = srv.get("/api/health").json
        self.assertEqual((health["redis"], health["status"]), ("ok", "healthy"))

        # Locks of all occupied spools (including the untouched static ones) are back.
        took = self.wait_locks_restored(t_up, limit=12.0)
        sys.stderr.write("\nfirst 200 %.2f s after Redis restart; locks restored in %.1f s\n" %
                         (first_ok, took))
        for t in static:
            self.assertEqual(self.detail(t)["version"], snap1[t]["version"])

        # Over the whole run, every 200 has exactly its event, every 503 none.
        _, meta = export_sheets(self.db)
        for ld in loaders:
            ev = [e for e in meta if e["id"] not in baseline and e["tag_spool"] == ld.tag]
            kinds = [e["evento_tipo"] for e in ev]
            self.assertEqual((kinds.count("TOMAR_SPOOL"), kinds.count("PAUSAR_SPOOL")),
                             (ld.acked["TOMAR"], ld.acked["PAUSAR"]), ld.tag)
            self.assertEqual(len(kinds), len(ev))
            d = self.detail(ld.tag)
            self.assertEqual(d["version"], v0[ld.tag] + len(ev), ld.tag)
            held = bool(kinds) and kinds[-1] == "TOMAR_SPOOL"
            self.assertEqual(d["ocupado_por"], self.names[ld.wid] if held else None, ld.tag)
        stray = [e for e in meta if e["id"] not in baseline and e["tag_spool"] not in load_tags]
        self.assertEqual(stray, [], "events outside the load spools")


    def test_3_redis_that_refuses_writes(self):
        """A Redis that answers PING but refuses writes (here min-replicas-to-write without a
        replica: NOREPLICAS; a failed save gives MISCONF the same way) is reported by health,
        and no change is half-made while it lasts."""
        srv, tag, wid = self.server, self.pop_free(), self.eligible[0]
        self.redis.command("CONFIG", "SET", "min-replicas-to-write", "1")
        try:
            self.assertEqual(self.redis.command("PING"), "PONG")
            health = srv.get("/api/health").json
            self.assertEqual(health["redis"], "error", health)
            self.assertEqual(health["status"], "degraded")
            rh = srv.get("/api/redis-health").json
            self.assertIs(rh["operational"], False, rh)
            self.assertIn("NOREPLICAS", rh["message"])
            before = self.detail(tag)
            r = self.post("tomar", tag_spool=tag, worker_id=wid, operacion="ARM")
            self.assertEqual(r.status, 503, r.body)
            self.assertEqual(r.json["error"], "REDIS_UNAVAILABLE")
            self.assertEqual(self.detail(tag), before)
            self.assertIsNone(self.lock(tag))
        finally:
            self.redis.command("CONFIG", "SET", "min-replicas-to-write", "0")
        health = srv.get("/api/health").json
        self.assertEqual(health["redis"], "ok", health)
        r = self.post("tomar", tag_spool=tag, worker_id=wid, operacion="ARM")
        self.assertEqual(r.status, 200, r.body)
        r = self.post("pausar", tag_spool=tag, worker_id=wid, operacion="ARM")
        self.assertEqual(r.status, 200, r.body)


if __name__ == "__main__":
    unittest.main()
