#!/usr/bin/env python3
"""Crash safety of occupation (RELIABILITY #3, #10, #16; SPEC "a crash at any instant leaves no
spool blocked for more than 30 s and no occupant without a name").

Twelve threads run TOMAR -> PAUSAR cycles, each on its own spool with its own worker, recording
every answer. The server is SIGKILLed three times in the middle of that load (restart storm: the
load keeps running across the first two restarts; the third time it stops) and restarted on the
same DB and Redis. Then:

  * every acknowledged (200, not sin_cambios) mutation has its event; no event without a change:
    the spool's version moved by exactly the number of its new events, and the events of each
    spool alternate TOMAR_SPOOL / PAUSAR_SPOOL (no duplicate transition);
  * each spool's state is the one its last event says (occupied iff the last event is TOMAR_SPOOL,
    by that worker, with the Estado_Detalle text of that state);
  * within 12 s of the restart every occupied spool has its Redis lock `{worker id}:{token of the
    TOMAR event}` (start-up reconciliation);
  * 35 s after the last kill no lock exists on a free spool (pending TTL 30 s);
  * no spool anywhere has an occupant without a name, an occupation date without an occupant,
    or an Estado_Detalle that disagrees with its occupation; the dashboard agrees.
"""
import csv
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

ARM_ROLES = {"Armador", "Ayudante"}
N_LOADERS = 12
KILLS = 3
OCCUPANT_RE = re.compile(r"^\S+\((\d+)\)$")


# ---- small helpers ----------------------------------------------------------------------------

export_sheets = harness.export_sheets


locks = harness.spool_locks


class Loader(threading.Thread):
    """TOMAR -> PAUSAR cycles of one worker on one spool, across server kills and restarts."""

    def __init__(self, srv, tag, wid, stop):
        super().__init__(daemon=True)
        self.srv, self.tag, self.wid, self.stop = srv, tag, wid, stop
        self.epoch = 0
        self.acked = {"TOMAR": 0, "PAUSAR": 0}      # 200, a real change
        self.noop = 0                                # 200 sin_cambios
        self.unknown = {"TOMAR": 0, "PAUSAR": 0}    # sent, no answer (server killed)
        self.acks_per_epoch = {}
        self.after_unknown = []                      # answers explained only by an unknown one
        self.unexpected = []

    def body(self):
        return {"tag_spool": self.tag, "worker_id": self.wid, "operacion": "ARM"}

    def run(self):
        action = "TOMAR"
        while not self.stop.is_set():
            epoch = self.epoch
            path = "/api/occupation/" + action.lower()
            try:
                r = harness.http_request(self.srv.host, self.srv.port, "POST", path,
                                         json_body=self.body(), timeout=10)
            except ConnectionRefusedError:
                time.sleep(0.02)   # server down: nothing was sent
                continue
            except (OSError, http.client.HTTPException):
                self.unknown[action] += 1   # maybe committed, maybe not
                time.sleep(0.02)
                continue
            code = (r.json or {}).get("error") if r.status != 200 else None
            if r.status == 200 and action == "TOMAR" and r.json.get("sin_cambios") is True:
                self.noop += 1
                self.after_unknown.append((action, 200, "sin_cambios"))
                action = "PAUSAR"
            elif r.status == 200 and r.json.get("sin_cambios") is False:
                self.acked[action] += 1
                self.acks_per_epoch[epoch] = self.acks_per_epoch.get(epoch, 0) + 1
                action = "PAUSAR" if action == "TOMAR" else "TOMAR"
            elif action == "TOMAR" and r.status == 409 and code == "SPOOL_OCCUPIED" and \
                    (r.json.get("data") or {}).get("owner_id") == self.wid:
                # Its own lock of a TOMAR in flight when the server died: pending TTL (<= 30 s).
                self.after_unknown.append((action, 409, code))
                time.sleep(0.25)
            elif action == "PAUSAR" and r.status == 403 and code == "NO_AUTORIZADO":
                # The PAUSAR in flight at the kill committed; the spool is free.
                self.after_unknown.append((action, 403, code))
                action = "TOMAR"
            else:
                self.unexpected.append((action, r.status, r.body[:300]))
                time.sleep(0.1)


class OccupationCrash(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-occ-crash-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 200)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def test_restart_storm_under_load(self):
        srv = self.server
        workers = srv.get("/api/workers").json["workers"]
        names = {w["id"]: w["nombre_completo"] for w in workers}
        eligible = sorted(w["id"] for w in workers if ARM_ROLES & set(w["roles"]))
        self.assertGreaterEqual(len(eligible), N_LOADERS)
        lst = srv.get("/api/spools/iniciar?operacion=ARM").json["spools"]
        free = [s for s in lst if s["ocupado_por"] is None]
        self.assertGreaterEqual(len(free), N_LOADERS)
        spools = free[:N_LOADERS]
        v0 = {s["tag_spool"]: s["version"] for s in spools}
        _, meta0 = export_sheets(self.db)
        baseline = {row["id"] for row in meta0}

        stop = threading.Event()
        loaders = [Loader(srv, s["tag_spool"], eligible[i], stop) for i, s in enumerate(spools)]
        for ld in loaders:
            ld.start()
        rnd = random.Random(20260130)
        last_kill = None
        try:
            for k in range(KILLS):
                time.sleep(1.0 + rnd.random())
                srv.kill()                       # SIGKILL in the middle of the load
                last_kill = time.monotonic()
                for ld in loaders:
                    ld.epoch = k + 1
                if k == KILLS - 1:
                    time.sleep(0.3)
                    stop.set()
                    for ld in loaders:
                        ld.join(30)
                srv.start()
                restarted = time.monotonic()
        finally:
            stop.set()
            for ld in loaders:
                ld.join(30)

        sys.stderr.write("\nload: acked %r, unknown %r, sin_cambios %d, explained by a lost "
                         "answer %d\n" % (
                             {a: sum(ld.acked[a] for ld in loaders) for a in ("TOMAR", "PAUSAR")},
                             {a: sum(ld.unknown[a] for ld in loaders) for a in ("TOMAR", "PAUSAR")},
                             sum(ld.noop for ld in loaders),
                             sum(len(ld.after_unknown) for ld in loaders)))
        # Every thread worked in every epoch that had load (the restarts needed no help).
        for ld in loaders:
            self.assertEqual(ld.unexpected, [], "%s: unexpected answers" % ld.tag)
            if ld.after_unknown:
                self.assertGreater(sum(ld.unknown.values()), 0,
                                   "%s: %r without any lost answer" % (ld.tag, ld.after_unknown))
        for epoch in range(KILLS):
            self.assertGreater(sum(ld.acks_per_epoch.get(epoch, 0) for ld in loaders), 0,
                               "no mutation succeeded in epoch %d" % epoch)

        # Locks of every occupied spool are back within 12 s of the restart.
        deadline = restarted + 12.0
        while True:
            ops, meta = export_sheets(self.db)
            lk = locks(self.redis)
            last_tomar = {}
            for e in meta:
                if e["evento_tipo"] == "TOMAR_SPOOL":
                    last_tomar[e["tag_spool"]] = json.loads(e["metadata_json"])
            want, missing = {}, []
            for tag, row in ops.items():
                if row["Ocupado_Por"]:
                    m = OCCUPANT_RE.match(row["Ocupado_Por"])
                    self.assertIsNotNone(m, "%s: bad occupant %r" % (tag, row["Ocupado_Por"]))
                    want[tag] = m.group(1)
                    if tag in v0:
                        want[tag] += ":" + last_tomar[tag]["lock_token"]
                        ok = lk.get(tag) == want[tag]
                    else:
                        ok = (lk.get(tag) or "").startswith(want[tag] + ":")
                    if not ok:
                        missing.append((tag, row["Ocupado_Por"], lk.get(tag)))
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(missing, [], "occupied spools without their lock 12 s after restart")
        self.assertGreater(len(want), 0)

        # Audit and state of each load spool.
        new = {ld.tag: [] for ld in loaders}
        for e in meta:
            if e["id"] not in baseline and e["tag_spool"] in new:
                new[e["tag_spool"]].append(e)
        stray = [e["tag_spool"] for e in meta if e["id"] not in baseline and e["tag_spool"]
                 not in new]
        self.assertEqual(stray, [], "events on spools nobody touched")
        for ld in loaders:
            ev = new[ld.tag]
            kinds = [e["evento_tipo"] for e in ev]
            expect = ["TOMAR_SPOOL", "PAUSAR_SPOOL"] * (len(kinds) // 2 + 1)
            self.assertEqual(kinds, expect[:len(kinds)],
                             "%s: events do not alternate (duplicate transition?)" % ld.tag)
            self.assertEqual({(e["worker_id"], e["worker_nombre"], e["operacion"]) for e in ev},
                             {(str(ld.wid), names[ld.wid], "ARM")} if ev else set())
            nt, np_ = kinds.count("TOMAR_SPOOL"), kinds.count("PAUSAR_SPOOL")
            msg = "%s: events T=%d P=%d, acked %r, unknown %r" % (ld.tag, nt, np_, ld.acked,
                                                                  ld.unknown)
            self.assertGreaterEqual(nt, ld.acked["TOMAR"], "lost TOMAR: " + msg)
            self.assertGreaterEqual(np_, ld.acked["PAUSAR"], "lost PAUSAR: " + msg)
            self.assertLessEqual(nt, ld.acked["TOMAR"] + ld.unknown["TOMAR"], msg)
            self.assertLessEqual(np_, ld.acked["PAUSAR"] + ld.unknown["PAUSAR"], msg)
            d = srv.get("/api/spools/detail?tag=" + ld.tag).json
            self.assertEqual(d["version"], v0[ld.tag] + len(ev),
                             "%s: version moved %d for %d events" %
                             (ld.tag, d["version"] - v0[ld.tag], len(ev)))
            if kinds and kinds[-1] == "TOMAR_SPOOL":
                self.assertEqual((d["ocupado_por"], d["arm_estado"], d["estado_detalle"]),
                                 (names[ld.wid], "en_progreso",
                                  "%s trabajando ARM (ARM en progreso, SOLD pendiente)" %
                                  names[ld.wid]), msg)
                self.assertIsNotNone(d["fecha_ocupacion"])
            else:
                self.assertEqual(d["ocupado_por"], None, msg)
                self.assertEqual(d["fecha_ocupacion"], None, msg)
                if kinds:
                    self.assertEqual(d["estado_detalle"],
                                     "Disponible - ARM pausado, SOLD pendiente", msg)

        # Whole plant: no occupant without a name, Estado_Detalle agrees, dashboard agrees.
        occupied = set()
        for tag, row in ops.items():
            occ, fecha, est = row["Ocupado_Por"], row["Fecha_Ocupacion"], row["Estado_Detalle"]
            self.assertEqual(bool(occ), bool(fecha), "%s: Ocupado_Por %r Fecha_Ocupacion %r" %
                             (tag, occ, fecha))
            if occ:
                occupied.add(tag)
                # A repair names its occupant at the end of its own text (domain-v4 §2.2).
                self.assertTrue(est.startswith(occ + " trabajando ") or
                                (est.startswith("EN_REPARACION") and est.endswith("Ocupado: " + occ)),
                                (tag, occ, est))
            else:
                self.assertNotIn("trabajando", est, (tag, est))
        dash = srv.get("/api/dashboard/occupied")
        self.assertEqual(dash.status, 200, dash)
        self.assertEqual(sorted(x["tag_spool"] for x in dash.json), sorted(occupied))

        # 35 s after the last kill: no lock left on a free spool, none with another value.
        time.sleep(max(0.0, last_kill + 35.0 - time.monotonic()))
        ops, meta = export_sheets(self.db)
        lk = locks(self.redis)
        for tag, value in sorted(lk.items()):
            self.assertIn(tag, ops, "lock on an unknown spool %s" % tag)
            occ = ops[tag]["Ocupado_Por"]
            self.assertTrue(occ, "%s is free but still locked (%s) 35 s after the crash" %
                            (tag, value))
            self.assertTrue(value.startswith(OCCUPANT_RE.match(occ).group(1) + ":"),
                            (tag, occ, value))
        self.assertEqual(sorted(lk), sorted(t for t, r in ops.items() if r["Ocupado_Por"]))

        # And everything works again without a manual step: each loader's spool can be cycled.
        for ld in loaders:
            d = srv.get("/api/spools/detail?tag=" + ld.tag).json
            seq = ["pausar", "tomar", "pausar"] if d["ocupado_por"] else ["tomar", "pausar"]
            for p in seq:
                r = srv.post("/api/occupation/" + p, json_body=ld.body())
                self.assertEqual((r.status, r.json.get("sin_cambios")), (200, False),
                                 (ld.tag, p, r))
        self.assertEqual(self.server.sanitizer_report(), "")


if __name__ == "__main__":
    unittest.main()
