#!/usr/bin/env python3
"""The occupation cycle and its refusals, black-box, on a demo plant.

TOMAR(A) -> PAUSAR(A) -> TOMAR(B) -> COMPLETAR(B, 30-01-2026) checked field by field (responses,
spool detail, Estado_Detalle texts, Redis lock, exported Operaciones and Metadata rows), then each
refusal: non-holder PAUSAR/COMPLETAR (403, nothing changes), double tap (200 sin_cambios, one
event), SOLD before ARM (400), wrong role (403), worker_nombre mismatch (400), inactive worker
(404), batch-tomar mixes, and failed TOMARs that must leave no lock behind (RELIABILITY #2, #4,
#5, #13).
"""
import csv
import datetime
import json
import os
import sys
import threading
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

A, B = 93, 95            # Armadores (B = another Armador, takes over the paused spool)
SOLDADOR_ONLY = 103      # Soldador without Armador role
AYUDANTE = 113
METROLOGO = 117
INACTIVE = (120, 121, 122)


# ---- small helpers ----------------------------------------------------------------------------

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


def santiago_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo("America/Santiago")).date()


class OccupationCycle(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        harness.wait_past_midnight()  # its checks compare dates with "today" there
        cls.tmp = harness.make_tempdir("zeues-occ-cycle-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 200)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            ops, meta = export_sheets(cls.db)
            cls.seen_events = {row["id"] for row in meta}
            cls.fresh = [t for t, r in ops.items()
                         if r["Fecha_Materiales"] and not r["Armador"] and not r["Ocupado_Por"]
                         and not r["Fecha_Armado"]]
            cls.arm_done = [t for t, r in ops.items()
                            if r["Fecha_Armado"] and not r["Fecha_Soldadura"]
                            and not r["Soldador"] and not r["Ocupado_Por"]]
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
            cls.names = {w["id"]: w["nombre_completo"]
                         for w in cls.server.get("/api/workers").json["workers"]}
        except Exception:
            cls._teardown_stack(check=False)
            raise

    # -- helpers ---------------------------------------------------------------------------------
    def pop(self, kind):
        lst = getattr(type(self), kind)
        self.assertTrue(lst, "the demo plant has no more '%s' spools" % kind)
        return lst.pop(0)

    def post(self, path, **body):
        return self.server.post("/api/occupation/" + path, json_body=body)

    def detail(self, tag):
        r = self.server.get("/api/spools/detail?tag=" + tag)
        self.assertEqual(r.status, 200, r)
        return r.json

    def lock(self, tag):
        return self.redis.command("GET", "spool_lock:" + tag)

    def new_events(self, tag=None):
        """Metadata rows appended since the previous call (for tag, or all), in file order."""
        _, meta = export_sheets(self.db)
        fresh = [r for r in meta if r["id"] not in self.seen_events]
        type(self).seen_events |= {r["id"] for r in fresh}
        return [r for r in fresh if tag is None or r["tag_spool"] == tag]

    def state(self, tag):
        return self.detail(tag), self.lock(tag)

    def assertUnchanged(self, tag, before, what, events=True):
        self.assertEqual(self.state(tag), before, "%s changed the spool or its lock" % what)
        if events:
            self.assertEqual(self.new_events(), [], "%s wrote an event" % what)

    def ok_body(self, tag, message, estado, sin_cambios=False, op="ARM"):
        return {"success": True, "tag_spool": tag, "message": message, "operacion": op,
                "estado_detalle": estado, "sin_cambios": sin_cambios}

    def assertOk(self, r, expected):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json.keys()), list(expected.keys()), r.json)
        self.assertEqual(r.json, expected)

    def occupied_text(self, wid, op="ARM", arm="en progreso", sold="pendiente"):
        return "%s trabajando %s (ARM %s, SOLD %s)" % (self.names[wid], op, arm, sold)

    # -- the full cycle --------------------------------------------------------------------------
    def test_cycle_tomar_pausar_takeover_completar(self):
        tag = self.pop("fresh")
        na, nb = self.names[A], self.names[B]
        self.assertEqual((na, nb), ("MR(93)", "MG(95)"))
        self.new_events()
        v0 = self.detail(tag)["version"]

        # TOMAR by A (worker_nombre given and right).
        r = self.post("tomar", tag_spool=tag, worker_id=A, worker_nombre=na, operacion="ARM")
        occ_a = "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)"
        self.assertOk(r, self.ok_body(tag, "Spool %s tomado por MR(93)" % tag, occ_a))
        d = self.detail(tag)
        self.assertEqual((d["ocupado_por"], d["armador"], d["arm"], d["arm_estado"],
                          d["sold_estado"], d["operacion_actual"], d["estado_detalle"],
                          d["version"], d["fecha_armado"]),
                         (na, na, "EN_PROGRESO", "en_progreso", "pendiente", "ARM", occ_a,
                          v0 + 1, None))
        fecha_ocup_1 = d["fecha_ocupacion"]
        datetime.datetime.strptime(fecha_ocup_1, "%d-%m-%Y %H:%M:%S")
        lock1 = self.lock(tag)
        self.assertIsNotNone(lock1, "no lock after TOMAR")
        self.assertTrue(lock1.startswith("93:"), lock1)

        # PAUSAR by A.
        r = self.post("pausar", tag_spool=tag, worker_id=A, operacion="ARM")
        paused = "Disponible - ARM pausado, SOLD pendiente"
        self.assertOk(r, self.ok_body(tag, "Trabajo pausado en %s" % tag, paused))
        d = self.detail(tag)
        self.assertEqual((d["ocupado_por"], d["fecha_ocupacion"], d["armador"], d["arm_estado"],
                          d["operacion_actual"], d["estado_detalle"], d["version"]),
                         (None, None, na, "pausado", None, paused, v0 + 2))
        self.assertIsNone(self.lock(tag), "lock survived PAUSAR")

        # TOMAR by B: collaboration, B becomes the Armador.
        r = self.post("tomar", tag_spool=tag, worker_id=B, operacion="ARM")
        occ_b = "MG(95) trabajando ARM (ARM en progreso, SOLD pendiente)"
        self.assertOk(r, self.ok_body(tag, "Spool %s tomado por MG(95)" % tag, occ_b))
        d = self.detail(tag)
        self.assertEqual((d["ocupado_por"], d["armador"], d["arm_estado"], d["estado_detalle"],
                          d["version"]), (nb, nb, "en_progreso", occ_b, v0 + 3))
        fecha_ocup_3 = d["fecha_ocupacion"]
        lock3 = self.lock(tag)
        self.assertTrue(lock3 and lock3.startswith("95:"), lock3)

        # COMPLETAR by B with a DD-MM-YYYY date.
        r = self.post("completar", tag_spool=tag, worker_id=B, operacion="ARM",
                      fecha_operacion="30-01-2026")
        done = "Disponible - ARM completado, SOLD pendiente"
        self.assertOk(r, self.ok_body(tag, "Operación completada en %s" % tag, done))
        d = self.detail(tag)
        self.assertEqual((d["ocupado_por"], d["fecha_ocupacion"], d["armador"], d["arm"],
                          d["arm_estado"], d["fecha_armado"], d["estado_detalle"], d["version"]),
                         (None, None, nb, "COMPLETADO", "completado", "2026-01-30", done, v0 + 4))
        self.assertIsNone(self.lock(tag), "lock survived COMPLETAR")

        # The export: the Operaciones row and exactly the four events, in order.
        ops, _ = export_sheets(self.db)
        row = ops[tag]
        self.assertEqual((row["Fecha_Armado"], row["Armador"], row["Ocupado_Por"],
                          row["Fecha_Ocupacion"], row["Estado_Detalle"], row["Fecha_Soldadura"],
                          row["Soldador"]),
                         ("30-01-2026", nb, "", "", done, "", ""))
        ev = self.new_events(tag)
        got = [(e["evento_tipo"], e["tag_spool"], e["worker_id"], e["worker_nombre"],
                e["operacion"], e["accion"]) for e in ev]
        self.assertEqual(got, [("TOMAR_SPOOL", tag, "93", na, "ARM", "TOMAR"),
                               ("PAUSAR_SPOOL", tag, "93", na, "ARM", "PAUSAR"),
                               ("TOMAR_SPOOL", tag, "95", nb, "ARM", "TOMAR"),
                               ("COMPLETAR_ARM", tag, "95", nb, "ARM", "COMPLETAR")])
        m0 = json.loads(ev[0]["metadata_json"])
        self.assertEqual(m0, {"lock_token": lock1.split(":", 1)[1],
                              "fecha_ocupacion": fecha_ocup_1})
        self.assertEqual(list(m0.keys()), ["lock_token", "fecha_ocupacion"])
        self.assertEqual(ev[1]["metadata_json"],
                         '{"estado": "ARM parcial (pausado)", "lock_released": true}')
        self.assertEqual(json.loads(ev[2]["metadata_json"]),
                         {"lock_token": lock3.split(":", 1)[1], "fecha_ocupacion": fecha_ocup_3})
        self.assertNotEqual(m0["lock_token"], lock3.split(":", 1)[1])
        self.assertEqual(ev[3]["metadata_json"],
                         '{"fecha_operacion": "30-01-2026", "completed": true}')
        self.assertEqual(ev[3]["fecha_operacion"], "30-01-2026")
        stamps = [datetime.datetime.strptime(e["timestamp"], "%d-%m-%Y %H:%M:%S") for e in ev]
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(len({e["id"] for e in ev}), 4)
        # History pairs them into two sessions.
        h = self.server.get("/api/history/" + tag).json
        self.assertEqual([(s["worker_id"], s["worker_nombre"], s["operacion"],
                           s["end_time"] is not None) for s in h["sessions"][-2:]],
                         [(93, na, "ARM", True), (95, nb, "ARM", True)])
        # ARM completed: not offered for ARM any more.
        lst = self.server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
        self.assertNotIn(tag, [s["tag_spool"] for s in lst])

    def test_completar_without_operacion_uses_the_occupation(self):
        tag = self.pop("fresh")
        self.assertEqual(self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM").status,
                         200)
        self.new_events()
        before = santiago_today()
        r = self.post("completar", tag_spool=tag, worker_id=A)
        after = santiago_today()
        self.assertOk(r, self.ok_body(tag, "Operación completada en %s" % tag,
                                      "Disponible - ARM completado, SOLD pendiente"))
        d = self.detail(tag)
        self.assertIn(d["fecha_armado"], {before.isoformat(), after.isoformat()})
        ev = self.new_events(tag)
        self.assertEqual([(e["evento_tipo"], e["operacion"], e["worker_id"]) for e in ev],
                         [("COMPLETAR_ARM", "ARM", "93")])
        today = datetime.date.fromisoformat(d["fecha_armado"]).strftime("%d-%m-%Y")
        self.assertEqual(ev[0]["fecha_operacion"], today)
        self.assertEqual(ev[0]["metadata_json"],
                         '{"fecha_operacion": "%s", "completed": true}' % today)
        self.assertIsNone(self.lock(tag))
        # ISO dates are accepted too; a bad date is a 422 that changes nothing.
        tag2 = self.pop("fresh")
        self.assertEqual(self.post("tomar", tag_spool=tag2, worker_id=A, operacion="ARM").status,
                         200)
        self.new_events()
        before = self.state(tag2)
        r = self.post("completar", tag_spool=tag2, worker_id=A, fecha_operacion="31-02-2026")
        self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        self.assertUnchanged(tag2, before, "COMPLETAR with a bad date")
        r = self.post("completar", tag_spool=tag2, worker_id=A, fecha_operacion="2026-01-29")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.detail(tag2)["fecha_armado"], "2026-01-29")
        self.assertEqual([e["fecha_operacion"] for e in self.new_events(tag2)], ["29-01-2026"])
        # COMPLETAR without operacion by someone who occupies nothing: refused, nothing written.
        tag3 = self.pop("fresh")
        before = self.state(tag3)
        r = self.post("completar", tag_spool=tag3, worker_id=A)
        self.assertErrorBody(r, 400, "OPERACION_NO_INICIADA")
        self.assertUnchanged(tag3, before, "COMPLETAR of a free spool")

    # -- owner checks ------------------------------------------------------------------------
    def test_pausar_completar_by_non_holder_403_and_nothing_changes(self):
        tag = self.pop("fresh")
        self.assertEqual(self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM").status,
                         200)
        self.new_events()
        before = self.state(tag)
        self.assertIsNotNone(before[1])
        for accion, path, body in (
                ("PAUSAR", "pausar", dict(operacion="ARM")),
                ("COMPLETAR", "completar", dict(operacion="ARM")),
                ("COMPLETAR", "completar", dict(fecha_operacion="30-01-2026")),
                ("COMPLETAR", "completar", dict())):
            r = self.post(path, tag_spool=tag, worker_id=B, **body)
            self.assertErrorBody(
                r, 403, "NO_AUTORIZADO",
                message="Solo MR(93) puede completar %s en '%s' (él/ella la inició). Tú eres "
                        "MG(95)." % (accion, tag),
                data={"tag_spool": tag, "trabajador_esperado": "MR(93)",
                      "trabajador_solicitante": "MG(95)", "operacion": accion})
            self.assertUnchanged(tag, before, "%s by a non-holder" % accion, events=False)
        self.assertEqual(self.new_events(), [], "a non-holder's request wrote an event")
        # The holder pauses exactly once; a repeated PAUSAR is refused and writes nothing.
        r = self.post("pausar", tag_spool=tag, worker_id=A, operacion="ARM")
        self.assertEqual(r.status, 200, r)
        r = self.post("pausar", tag_spool=tag, worker_id=A, operacion="ARM")
        self.assertErrorBody(r, 403, "NO_AUTORIZADO")
        self.assertEqual([e["evento_tipo"] for e in self.new_events(tag)], ["PAUSAR_SPOOL"])
        self.assertIsNone(self.lock(tag))

    def test_parallel_pausar_by_holder_exactly_once(self):
        """RELIABILITY #4: by the occupant -> 200 exactly once, whatever the timing."""
        tag = self.pop("fresh")
        self.assertEqual(self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM").status,
                         200)
        self.new_events()
        res = [None] * 8
        barrier = threading.Barrier(8)

        def run(i):
            barrier.wait(10)
            res[i] = self.post("pausar", tag_spool=tag, worker_id=A, operacion="ARM")

        ts = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        statuses = sorted(r.status for r in res)
        self.assertEqual(statuses.count(200), 1, res)
        for r in res:
            if r.status != 200:
                self.assertIn(r.json["error"], ("NO_AUTORIZADO", "LOCK_EXPIRED",
                                                "VERSION_CONFLICT"), r)
        self.assertEqual([e["evento_tipo"] for e in self.new_events(tag)], ["PAUSAR_SPOOL"])
        self.assertIsNone(self.lock(tag))
        self.assertEqual(self.detail(tag)["estado_detalle"],
                         "Disponible - ARM pausado, SOLD pendiente")

    # -- idempotence -------------------------------------------------------------------------
    def test_double_tap_tomar(self):
        tag = self.pop("fresh")
        self.new_events()
        r1 = self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM")
        self.assertEqual(r1.status, 200, r1)
        st1 = self.state(tag)
        r2 = self.post("tomar", tag_spool=tag, worker_id=A, worker_nombre="MR(93)",
                       operacion="ARM")
        self.assertOk(r2, self.ok_body(tag, "Spool %s tomado por MR(93)" % tag,
                                       self.occupied_text(A), sin_cambios=True))
        self.assertEqual(self.state(tag), st1, "double tap changed the spool or its lock")
        self.assertEqual([e["evento_tipo"] for e in self.new_events(tag)], ["TOMAR_SPOOL"])

    def test_parallel_double_tap_one_event(self):
        """Five taps of the same worker at once: one transition, one event, one lock."""
        tag = self.pop("fresh")
        self.new_events()
        v0 = self.detail(tag)["version"]
        res = [None] * 5
        barrier = threading.Barrier(5)

        def run(i):
            barrier.wait(10)
            res[i] = self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM")

        ts = [threading.Thread(target=run, args=(i,)) for i in range(5)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        fresh = [r for r in res if r.status == 200 and r.json["sin_cambios"] is False]
        self.assertEqual(len(fresh), 1, res)
        for r in res:
            self.assertIn(r.status, (200, 409), r)
            if r.status == 409:  # lost to its own in-flight tap: names the worker himself
                self.assertEqual(r.json["data"]["owner_id"], A, r)
        d, lk = self.state(tag)
        self.assertEqual((d["ocupado_por"], d["version"]), ("MR(93)", v0 + 1))
        self.assertTrue(lk.startswith("93:"), lk)
        self.assertEqual([e["evento_tipo"] for e in self.new_events(tag)], ["TOMAR_SPOOL"])

    # -- refusals decided before the lock ----------------------------------------------------
    def test_sold_before_arm_initiated(self):
        tag = self.pop("fresh")
        self.new_events()
        before = self.state(tag)
        r = self.post("tomar", tag_spool=tag, worker_id=SOLDADOR_ONLY, operacion="SOLD")
        self.assertErrorBody(
            r, 400, "DEPENDENCIAS_NO_SATISFECHAS",
            message="No se puede iniciar SOLD en spool '%s': falta ARM iniciado (SOLD no puede "
                    "iniciarse sin ARM iniciado)" % tag,
            data={"tag_spool": tag, "operacion": "SOLD", "dependencia_faltante": "ARM iniciado"})
        self.assertUnchanged(tag, before, "refused SOLD TOMAR")
        self.assertIsNone(before[1])

    def test_roles(self):
        tag = self.pop("fresh")
        self.new_events()
        before = self.state(tag)
        r = self.post("tomar", tag_spool=tag, worker_id=SOLDADOR_ONLY, operacion="ARM")
        self.assertErrorBody(
            r, 403, "ROL_NO_AUTORIZADO",
            message="Trabajador 103 no tiene el rol 'Armador o Ayudante' necesario para realizar "
                    "la operación 'ARM'. Roles actuales: Soldador",
            data={"worker_id": 103, "operacion": "ARM", "rol_requerido": "Armador o Ayudante",
                  "roles_actuales": ["Soldador"]})
        self.assertUnchanged(tag, before, "TOMAR with the wrong role", events=False)
        r = self.post("tomar", tag_spool=tag, worker_id=METROLOGO, operacion="ARM")
        self.assertErrorBody(r, 403, "ROL_NO_AUTORIZADO")
        self.assertUnchanged(tag, before, "TOMAR by Metrologia")
        # An Ayudante may take ARM.
        r = self.post("tomar", tag_spool=tag, worker_id=AYUDANTE, operacion="ARM")
        self.assertOk(r, self.ok_body(tag, "Spool %s tomado por %s" % (tag, self.names[AYUDANTE]),
                                      self.occupied_text(AYUDANTE)))

    def test_worker_nombre_mismatch(self):
        tag = self.pop("fresh")
        self.new_events()
        before = self.state(tag)
        for path in ("tomar", "pausar"):
            r = self.post(path, tag_spool=tag, worker_id=A, worker_nombre="MG(95)",
                          operacion="ARM")
            self.assertErrorBody(
                r, 400, "WORKER_NOMBRE_NO_COINCIDE",
                message="worker_nombre 'MG(95)' no corresponde al trabajador 93 (MR(93))",
                data={"worker_id": 93, "worker_nombre": "MG(95)",
                      "worker_nombre_esperado": "MR(93)"})
        self.assertUnchanged(tag, before, "worker_nombre mismatch")

    def test_inactive_or_unknown_worker(self):
        tag = self.pop("fresh")
        self.new_events()
        before = self.state(tag)
        for wid in INACTIVE + (9999,):
            for path in ("tomar", "pausar", "completar"):
                r = self.post(path, tag_spool=tag, worker_id=wid, operacion="ARM")
                self.assertErrorBody(r, 404, "WORKER_NO_ENCONTRADO",
                                     message="Trabajador '%d' no encontrado o inactivo" % wid,
                                     data={"worker_id": wid})
        self.assertUnchanged(tag, before, "inactive worker")

    def test_failed_tomar_leaves_no_lock(self):
        """TOMAR on a spool whose ARM is completed: 409, no lock, no event, and the spool is
        takeable at once for what it allows (SOLD)."""
        tag = self.pop("arm_done")
        self.new_events()
        before = self.state(tag)
        self.assertIsNone(before[1])
        for _ in range(3):
            r = self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM")
            self.assertErrorBody(
                r, 409, "INVALID_STATE_TRANSITION",
                message="No se puede TOMAR ARM en spool '%s': la operación está en estado "
                        "'completado'" % tag,
                data={"tag_spool": tag, "operacion": "ARM", "current_state": "completado",
                      "attempted_transition": "TOMAR"})
            self.assertUnchanged(tag, before, "refused TOMAR", events=False)
        self.assertEqual(self.new_events(), [], "a refused TOMAR wrote an event")
        r = self.post("tomar", tag_spool=tag, worker_id=SOLDADOR_ONLY, operacion="SOLD")
        name = self.names[SOLDADOR_ONLY]
        self.assertOk(r, self.ok_body(tag, "Spool %s tomado por %s" % (tag, name),
                                      self.occupied_text(SOLDADOR_ONLY, "SOLD", "completado",
                                                         "en progreso"), op="SOLD"))
        self.assertEqual(self.detail(tag)["soldador"], name)
        self.assertTrue(self.lock(tag).startswith("103:"))

    def test_stale_lock_on_free_spool_does_not_block(self):
        """A full-TTL lock left on a free spool (a release that failed after its commit) must not
        block the spool for an hour (RELIABILITY #2/#3)."""
        tag = self.pop("fresh")
        self.redis.command("SET", "spool_lock:" + tag, "94:stale-token", "PX", 3600 * 1000)
        r = self.post("tomar", tag_spool=tag, worker_id=A, operacion="ARM")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.lock(tag).startswith("93:"), self.lock(tag))
        self.assertEqual(self.detail(tag)["ocupado_por"], "MR(93)")

    def test_tomar_racing_v21_actions_leaves_lock_iff_occupied(self):
        """v2.1 actions write spools without a lock, so a TOMAR holding its lock can lose the
        store's compare-and-set and retry or fail after the lock: whatever the interleaving, no
        lock may be left on a spool nobody occupies, and every change has its event."""
        tags = [self.pop("fresh") for _ in range(10)]
        self.new_events()
        v0 = {t: self.detail(t)["version"] for t in tags}
        results = {t: [] for t in tags}

        def v3(tag, wid, barrier):
            barrier.wait(10)
            r = self.post("tomar", tag_spool=tag, worker_id=wid, operacion="ARM")
            results[tag].append(("tomar", wid, r.status, (r.json or {}).get("error")))

        def v21(tag, barrier):
            barrier.wait(10)
            for path in ("iniciar-accion", "cancelar-accion", "iniciar-accion"):
                r = self.server.post("/api/" + path, json_body={"tag_spool": tag, "worker_id": 94,
                                                                "operacion": "ARM"})
                results[tag].append((path, 94, r.status, (r.json or {}).get("error")))

        threads = []
        for tag in tags:
            barrier = threading.Barrier(3)
            threads += [threading.Thread(target=v3, args=(tag, A, barrier)),
                        threading.Thread(target=v3, args=(tag, B, barrier)),
                        threading.Thread(target=v21, args=(tag, barrier))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        events = {t: [] for t in tags}
        for e in self.new_events():
            self.assertIn(e["tag_spool"], events, e)
            events[e["tag_spool"]].append(e)
        for tag in tags:
            res = results[tag]
            for r in res:
                self.assertLess(r[2], 500, (tag, res))
            d, lk = self.state(tag)
            ok_tomar = [r for r in res if r[0] == "tomar" and r[2] == 200]
            self.assertLessEqual(len(ok_tomar), 1, (tag, res))
            tomar_ev = [e for e in events[tag] if e["evento_tipo"] == "TOMAR_SPOOL"]
            self.assertEqual(len(tomar_ev), len(ok_tomar), (tag, res))
            ok_other = [r for r in res if r[0] != "tomar" and r[2] == 200]
            self.assertEqual(len(events[tag]), len(ok_tomar) + len(ok_other), (tag, res))
            self.assertEqual(d["version"], v0[tag] + len(events[tag]), (tag, res))
            if d["ocupado_por"]:
                wid = ok_tomar[0][1]
                self.assertEqual(d["ocupado_por"], self.names[wid], (tag, res))
                token = json.loads(tomar_ev[0]["metadata_json"])["lock_token"]
                self.assertEqual(lk, "%d:%s" % (wid, token), (tag, res))
            else:
                self.assertEqual(ok_tomar, [], (tag, res))
                self.assertIsNone(lk, "stray lock on a free spool: %r" % ((tag, res),))

    # -- batch -------------------------------------------------------------------------------
    def test_batch_tomar_mixed(self):
        free = [self.pop("fresh") for _ in range(3)]
        by_b = self.pop("fresh")
        held = self.pop("fresh")
        done = self.pop("arm_done")
        unknown = "MK-NO-EXISTE-999"
        self.assertEqual(self.post("tomar", tag_spool=by_b, worker_id=B, operacion="ARM").status,
                         200)
        self.assertEqual(self.post("tomar", tag_spool=held, worker_id=A, operacion="ARM").status,
                         200)
        self.new_events()
        tags = [free[0], by_b, free[1], unknown, held, done, free[2]]
        before = {t: self.state(t) for t in tags if t != unknown}
        r = self.server.post("/api/occupation/batch-tomar",
                             json_body={"tag_spools": tags, "worker_id": A, "operacion": "ARM"})
        self.assertEqual(r.status, 200, r)
        body = r.json
        self.assertEqual(list(body.keys()), ["total", "succeeded", "failed", "details"])
        self.assertEqual((body["total"], body["succeeded"], body["failed"]), (7, 4, 3), body)
        self.assertEqual(body["succeeded"] + body["failed"], len(body["details"]))
        taken = "Spool %s tomado por MR(93)"
        expected = [
            {"success": True, "tag_spool": free[0], "message": taken % free[0], "error": None},
            {"success": False, "tag_spool": by_b,
             "message": "Spool ya ocupado: El spool '%s' ya está ocupado por MG(95) (ID: 95). "
                        "Espera a que termine o elige otro spool." % by_b,
             "error": "SPOOL_OCCUPIED"},
            {"success": True, "tag_spool": free[1], "message": taken % free[1], "error": None},
            {"success": False, "tag_spool": unknown,
             "message": "Error: Spool '%s' no encontrado en hoja Operaciones" % unknown,
             "error": "SPOOL_NO_ENCONTRADO"},
            {"success": True, "tag_spool": held, "message": taken % held, "error": None},
            {"success": False, "tag_spool": done,
             "message": "Error: No se puede TOMAR ARM en spool '%s': la operación está en "
                        "estado 'completado'" % done,
             "error": "INVALID_STATE_TRANSITION"},
            {"success": True, "tag_spool": free[2], "message": taken % free[2], "error": None},
        ]
        self.assertEqual(body["details"], expected)
        for d in body["details"]:
            self.assertEqual(list(d.keys()), ["success", "tag_spool", "message", "error"])
        ev = self.new_events()
        by_tag = {}
        for e in ev:
            by_tag.setdefault(e["tag_spool"], []).append(e)
        self.assertEqual(sorted(by_tag), sorted(free), "events only for the newly taken spools")
        for t in free:
            # Exactly what a single TOMAR does.
            d, lk = self.state(t)
            self.assertEqual((d["ocupado_por"], d["armador"], d["arm_estado"], d["estado_detalle"],
                              d["operacion_actual"], d["version"]),
                             ("MR(93)", "MR(93)", "en_progreso", self.occupied_text(A), "ARM",
                              before[t][0]["version"] + 1))
            self.assertEqual(len(by_tag[t]), 1)
            e = by_tag[t][0]
            self.assertEqual((e["evento_tipo"], e["worker_id"], e["worker_nombre"],
                              e["operacion"], e["accion"]),
                             ("TOMAR_SPOOL", "93", "MR(93)", "ARM", "TOMAR"))
            m = json.loads(e["metadata_json"])
            self.assertEqual(list(m.keys()), ["lock_token", "fecha_ocupacion"])
            self.assertEqual(m["fecha_ocupacion"], d["fecha_ocupacion"])
            self.assertEqual(lk, "93:" + m["lock_token"])
            self.assertGreater(self.redis.command("PTTL", "spool_lock:" + t), 3500 * 1000)
        for t in (by_b, held, done):
            self.assertEqual(self.state(t), before[t], "batch changed %s" % t)
        self.assertIsNone(self.redis.command("GET", "spool_lock:" + unknown))
        # The UI's list of what A can pause now holds the batch's spools.
        lst = self.server.get("/api/spools/cancelar?operacion=ARM&worker_id=93").json
        mine = {s["tag_spool"] for s in lst["spools"]}
        self.assertTrue(set(free) | {held} <= mine, mine)


if __name__ == "__main__":
    unittest.main()
