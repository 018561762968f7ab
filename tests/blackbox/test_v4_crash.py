#!/usr/bin/env python3
"""Crash safety of the union flow: eight workers each run INICIAR -> FINALIZAR (two unions at a
time) on their own spools while the server is SIGKILLed three times and restarted on the same
database and Redis. Afterwards, from an export of the store:

  * every acknowledged FINALIZAR's unions are in Uniones (worker and ARM_FECHA_FIN) and each has
    its per-union UNION_ARM_REGISTRADA event (with N_UNION) in Metadata;
  * no union is half-written: a union has ARM_WORKER iff it has ARM_FECHA_FIN iff it has its
    per-union event, and never two of them;
  * every spool's counters (Uniones_ARM_Completadas, Pulgadas_ARM) equal the unions they count;
  * nothing is left occupied without a lock once the server is back.
"""
import csv
import http.client
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Redis, Server, CheckedTestCase, import_dir, make_tempdir, remove_tempdir  # noqa: E402
from test_v4_unions import OP_HEADERS, UN_HEADERS  # noqa: E402

N_WORKERS = 8
SPOOLS_PER_WORKER = 3
UNIONS = 8
DN = [2, 2.5, 3, 1.5, 4, 2, 1, 6]
KILLS = 3


def write_plant(d):
    tags = []
    with open(os.path.join(d, "Operaciones.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(OP_HEADERS)
        for i in range(N_WORKERS * SPOOLS_PER_WORKER):
            tag = "C-%03d" % i
            tags.append(tag)
            w.writerow([i + 1, "NV1", "OT%d" % (i // 2), "1", tag, "05-01-2026", "", "", "", "", "",
                        "", "", "", "", UNIONS, 0, 0, 0, 0, ""])
    with open(os.path.join(d, "Uniones.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(UN_HEADERS)
        for i, tag in enumerate(tags):
            for n in range(1, UNIONS + 1):
                w.writerow(["", "OT%d" % (i // 2), n, tag, DN[n - 1], "BW", "", "", "", "", "", "",
                            "", "", "", "", ""])
    with open(os.path.join(d, "Trabajadores.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Nombre", "Apellido", "Activo"])
        for k in range(N_WORKERS):
            w.writerow([300 + k, "Carga%d" % k, "Prueba", "TRUE"])
    with open(os.path.join(d, "Roles.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Rol", "Activo"])
        for k in range(N_WORKERS):
            w.writerow([300 + k, "Armador", "TRUE"])
    return tags


class Loader(threading.Thread):
    """INICIAR -> FINALIZAR (2 unions) cycles of one worker over its spools, across kills."""

    def __init__(self, srv, wid, tags, stop):
        super().__init__(daemon=True)
        self.srv, self.wid, self.tags, self.stop = srv, wid, tags, stop
        self.acked = {}     # tag -> set of N_UNION acknowledged by a 200 FINALIZAR
        self.unexpected = []

    def post(self, path, body):
        return harness.http_request(self.srv.host, self.srv.port, "POST", path, json_body=body,
                                    timeout=10)

    def get(self, path):
        return harness.http_request(self.srv.host, self.srv.port, "GET", path, timeout=10)

    def cycle(self, tag):
        r = self.post("/api/v4/occupation/iniciar",
                      {"tag_spool": tag, "worker_id": self.wid, "operacion": "ARM"})
        if r.status == 400 and r.json.get("error") == "OPERACION_YA_COMPLETADA":
            return False
        if r.status != 200:
            if r.status not in (503,):
                self.unexpected.append(("iniciar", tag, r.status, r.body[:200]))
            return True
        t = self.get("/api/v4/uniones/%s/todas" % tag)
        if t.status != 200:
            self.unexpected.append(("todas", tag, t.status))
            return True
        free = [u for u in t.json["unions"] if not u["arm_worker"]][:2]
        body = {"tag_spool": tag, "worker_id": self.wid, "operacion": "ARM",
                "selected_unions": [u["id"] for u in free]}
        f = self.post("/api/v4/occupation/finalizar", body)
        if f.status == 200 and f.json["unions_processed"] == len(free):
            self.acked.setdefault(tag, set()).update(u["n_union"] for u in free)
        elif f.status not in (503, 409):
            self.unexpected.append(("finalizar", tag, f.status, f.body[:200]))
        return True

    def run(self):
        pending = list(self.tags)
        while not self.stop.is_set() and pending:
            tag = pending[0]
            try:
                if not self.cycle(tag):
                    pending.pop(0)
                else:
                    pending.append(pending.pop(0))
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)   # killed mid-request: maybe committed, maybe not


class UnionCrash(CheckedTestCase):
    def test_kills_during_union_load(self):
        tmp = make_tempdir()
        redis = srv = None
        try:
            plant = os.path.join(tmp, "plant")
            os.makedirs(plant)
            tags = write_plant(plant)
            db = os.path.join(tmp, "zeues.db")
            import_dir(db, plant)
            redis = Redis(tmp).start()
            # A named instance: after each kill, the restarted server recognises the pending
            # locks its previous life left and drops them (otherwise they block for 30 s).
            srv = Server(db=db, redis_url=redis.url, workdir=tmp, env={"ZEUES_COMPAT": "v5"},
                         args=("--instance", "crash-test")).start()
            stop = threading.Event()
            loaders = [Loader(srv, 300 + k, tags[k * SPOOLS_PER_WORKER:(k + 1) * SPOOLS_PER_WORKER], stop)
                       for k in range(N_WORKERS)]
            for ld in loaders:
                ld.start()
            for _ in range(KILLS):
                time.sleep(1.2)
                srv.kill()
                srv.start()
            time.sleep(1.0)
            stop.set()
            for ld in loaders:
                ld.join(timeout=30)
            for ld in loaders:
                self.assertEqual(ld.unexpected, [], "worker %d" % ld.wid)
            self.assertGreater(sum(len(v) for ld in loaders for v in ld.acked.values()), 0)

            d = make_tempdir("zeues-crash-export-")
            try:
                harness.export_dir(db, d)
                with open(os.path.join(d, "Operaciones.csv"), encoding="utf-8", newline="") as f:
                    ops = {r["TAG_SPOOL"]: r for r in csv.DictReader(f)}
                with open(os.path.join(d, "Uniones.csv"), encoding="utf-8", newline="") as f:
                    unions = list(csv.DictReader(f))
                with open(os.path.join(d, "Metadata.csv"), encoding="utf-8", newline="") as f:
                    meta = list(csv.DictReader(f))
            finally:
                remove_tempdir(d)

            per_union = {}
            for e in meta:
                if e["evento_tipo"] == "UNION_ARM_REGISTRADA" and e.get("N_UNION"):
                    key = (e["tag_spool"], int(e["N_UNION"]))
                    per_union[key] = per_union.get(key, 0) + 1
            for u in unions:
                key = (u["TAG_SPOOL"], int(u["N_UNION"]))
                done = bool(u["ARM_FECHA_FIN"])
                self.assertEqual(bool(u["ARM_WORKER"]), done, ("half-written union", u))
                self.assertEqual(per_union.get(key, 0), 1 if done else 0,
                                 ("union and its event disagree", key, u))
            by_tag = {}
            for u in unions:
                by_tag.setdefault(u["TAG_SPOOL"], []).append(u)
            for ld in loaders:
                for tag, ns in ld.acked.items():
                    done = {int(u["N_UNION"]) for u in by_tag[tag] if u["ARM_FECHA_FIN"]}
                    self.assertLessEqual(ns, done, ("acknowledged unions lost", tag, ns - done))
            for tag in tags:
                done = [u for u in by_tag[tag] if u["ARM_FECHA_FIN"]]
                row = ops[tag]
                self.assertEqual(int(row["Uniones_ARM_Completadas"] or 0), len(done), (tag, row))
                pd = sum(float(u["DN_UNION"]) for u in done)
                self.assertAlmostEqual(float(row["Pulgadas_ARM"] or 0), pd, places=2, msg=tag)
                if row["Ocupado_Por"]:
                    wid = row["Ocupado_Por"][row["Ocupado_Por"].index("(") + 1:-1]
                    deadline = time.monotonic() + 12
                    while time.monotonic() < deadline:
                        lock = harness.spool_locks(redis).get(tag)
                        if lock and lock.startswith(wid + ":"):
                            break
                        time.sleep(0.3)
                    else:
                        self.fail("%s occupied by %s without its lock" % (tag, row["Ocupado_Por"]))
            self.assertEqual(srv.stop(), 0, srv.stderr_tail())
        finally:
            if srv is not None:
                srv.kill()
            if redis is not None:
                redis.kill()
            remove_tempdir(tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)
