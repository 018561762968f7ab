#!/usr/bin/env python3
"""v2.1 direct actions, black-box, on a demo plant (zeues demo --spools 300, workers 93..122).

POST /api/iniciar-accion, /api/completar-accion, /api/cancelar-accion and their -batch variants
(api-v3.md §2.5, domain-v3.md §3.3 with the intended behaviour and SPEC.md decisions): the
success bodies field by field, every error path with its code and status, and the audit event
each success appends (checked through `zeues export` Metadata.csv; failures append nothing).
"""
import csv
import datetime
import os
import re
import sys
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

ARMADOR = 93          # MR(93), Armador only
ARMADOR_2 = 95        # MG(95), Armador only
SOLDADOR = 103        # JR(103), Soldador only
AYUDANTE = 113        # Ayudante only
METROLOGO = 117       # Metrologia only
INACTIVE = 120        # left the plant

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MSG_RE = re.compile(r"^Acción (ARM|SOLD|METROLOGIA) (iniciada|completada|cancelada|iniciada y "
                    r"completada) exitosamente\. Evento registrado en Metadata \(ID: "
                    r"([0-9a-f]{8})\.\.\.\)$")
DATA_KEYS = ["tag_spool", "operacion", "trabajador", "fila_actualizada", "columna_actualizada",
             "valor_nuevo", "metadata_actualizada"]
META_COLS = ["id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre",
             "operacion", "accion", "fecha_operacion", "metadata_json"]
# A store with per-union events (the demo plant has them) exports the v4 eleventh column.
META_COLS_V4 = META_COLS + ["N_UNION"]


def export_sheets(db):
    """(Operaciones rows by tag, Metadata rows in file order) of a `zeues export`."""
    d = harness.make_tempdir("zeues-v21-export-")
    try:
        harness.export_dir(db, d)
        with open(os.path.join(d, "Operaciones.csv"), encoding="utf-8", newline="") as f:
            ops = {row["TAG_SPOOL"]: row for row in csv.DictReader(f)}
        with open(os.path.join(d, "Metadata.csv"), encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            cols = reader.fieldnames
            meta = list(reader)
        return ops, meta, cols
    finally:
        harness.remove_tempdir(d)


def today_dmy():
    return datetime.datetime.now(zoneinfo.ZoneInfo("America/Santiago")).strftime("%d-%m-%Y")


def today_iso():
    return datetime.datetime.now(zoneinfo.ZoneInfo("America/Santiago")).strftime("%Y-%m-%d")


def classify(ops):
    """Spool pools of the demo plant by state (all free: nobody occupies them)."""
    pools = {k: [] for k in ("fresh", "no_mat", "arm_paused", "arm_done", "sold_paused",
                             "sold_done", "rejected", "approved")}
    for t, r in ops.items():
        if r["Ocupado_Por"]:
            continue
        e = r["Estado_Detalle"]
        if not r["Fecha_Materiales"]:
            pools["no_mat"].append(t)
        elif not r["Armador"] and not r["Fecha_Armado"]:
            pools["fresh"].append(t)
        elif r["Armador"] and not r["Fecha_Armado"]:
            pools["arm_paused"].append(t)
        elif r["Fecha_Armado"] and not r["Soldador"] and not r["Fecha_Soldadura"]:
            pools["arm_done"].append(t)
        elif r["Soldador"] and not r["Fecha_Soldadura"]:
            pools["sold_paused"].append(t)
        elif r["Fecha_Soldadura"] and not r["Fecha_QC_Metrología"]:
            pools["sold_done"].append(t)
        elif e.startswith("RECHAZADO (Ciclo"):
            pools["rejected"].append(t)
        elif e == "METROLOGIA_APROBADO ✓":
            pools["approved"].append(t)
    return pools


class ActionsV21(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        harness.wait_past_midnight()  # its checks compare dates with "today" there
        cls.tmp = harness.make_tempdir("zeues-v21-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 300)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            ops, meta, _ = export_sheets(cls.db)
            cls.seen = {row["id"] for row in meta}
            cls.pools = classify(ops)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
            cls.names = {w["id"]: w["nombre_completo"]
                         for w in cls.server.get("/api/workers").json["workers"]}
        except Exception:
            cls._teardown_stack(check=False)
            raise

    # -- helpers -----------------------------------------------------------------------------
    def pop(self, kind):
        lst = self.pools[kind]
        self.assertTrue(lst, "the demo plant has no more '%s' spools" % kind)
        return lst.pop(0)

    def act(self, verb, worker_id, op, tag, **extra):
        body = {"worker_id": worker_id, "operacion": op, "tag_spool": tag}
        body.update(extra)
        return self.server.post("/api/%s-accion" % verb, json_body=body)

    def batch(self, verb, worker_id, op, tags, **extra):
        body = {"worker_id": worker_id, "operacion": op, "tag_spools": tags}
        body.update(extra)
        return self.server.post("/api/%s-accion-batch" % verb, json_body=body)

    def detail(self, tag):
        r = self.server.get("/api/spools/detail?tag=" + tag)
        self.assertEqual(r.status, 200, r)
        return r.json

    def new_events(self):
        """Metadata rows appended since the previous call, in file order."""
        _, meta, cols = export_sheets(self.db)
        self.assertIn(cols, (META_COLS, META_COLS_V4))
        fresh = [r for r in meta if r["id"] not in self.seen]
        self.seen.update(r["id"] for r in fresh)
        return fresh

    def row(self, tag):
        ops, _, _ = export_sheets(self.db)
        return ops[tag]

    def assertEvent(self, ev, tipo, tag, worker_id, op, accion, metadata_json="",
                    fecha=None):
        self.assertRegex(ev["id"], UUID_RE)
        self.assertRegex(ev["timestamp"], r"^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d$")
        self.assertEqual(
            (ev["evento_tipo"], ev["tag_spool"], ev["worker_id"], ev["worker_nombre"],
             ev["operacion"], ev["accion"], ev["fecha_operacion"], ev["metadata_json"]),
            (tipo, tag, str(worker_id), self.names[worker_id], op, accion, fecha or today_dmy(),
             metadata_json))

    def assertSuccess(self, r, tag, op, verb, worker_id, meta):
        """The single-action success body; returns the event id it names."""
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual(list(j.keys()), ["success", "message", "data"], j)
        self.assertIs(j["success"], True)
        m = MSG_RE.match(j["message"])
        self.assertIsNotNone(m, j["message"])
        self.assertEqual((m.group(1), m.group(2)), (op, verb))
        d = j["data"]
        self.assertEqual(list(d.keys())[:len(DATA_KEYS)], DATA_KEYS, d)
        self.assertEqual(d["tag_spool"], tag)
        self.assertEqual(d["operacion"], op)
        self.assertEqual(d["trabajador"], self.names[worker_id])
        self.assertIsInstance(d["fila_actualizada"], int)
        self.assertEqual(d["columna_actualizada"], "Metadata")
        self.assertEqual(d["valor_nuevo"], 0.0)
        self.assertIn(b'"valor_nuevo":0.0', r.body)  # a float, as the original
        self.assertEqual(list(d["metadata_actualizada"].keys()),
                         ["armador", "soldador", "fecha_armado", "fecha_soldadura"])
        self.assertEqual(d["metadata_actualizada"], meta)
        if "evento_id" in d:
            self.assertRegex(d["evento_id"], UUID_RE)
            self.assertTrue(d["evento_id"].startswith(m.group(3)))
        return m.group(3)

    def assertNothingWritten(self, tag, before, what):
        self.assertEqual(self.detail(tag), before, "%s changed the spool" % what)
        self.assertEqual(self.new_events(), [], "%s appended an event" % what)

    # -- ARM: INICIAR → COMPLETAR, refusals around it -------------------------------------------
    def test_arm_iniciar_completar(self):
        tag = self.pop("fresh")
        self.new_events()
        r = self.act("iniciar", ARMADOR, "ARM", tag, timestamp="2026-01-30T14:30:00Z")
        frag = self.assertSuccess(r, tag, "ARM", "iniciada", ARMADOR,
                                  {"armador": "MR(93)", "soldador": None, "fecha_armado": None,
                                   "fecha_soldadura": None})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "INICIAR_ARM", tag, ARMADOR, "ARM", "INICIAR")
        self.assertTrue(evs[0]["id"].startswith(frag))
        d = self.detail(tag)
        self.assertEqual((d["armador"], d["ocupado_por"], d["arm_estado"], d["fecha_armado"]),
                         ("MR(93)", None, "pausado", None))
        self.assertEqual(self.row(tag)["Armador"], "MR(93)")

        # again: already initiated (by MR(93))
        before = self.detail(tag)
        r = self.act("iniciar", ARMADOR_2, "ARM", tag)
        self.assertErrorBody(r, 400, "OPERACION_YA_INICIADA",
                             "La operación ARM del spool '%s' ya está iniciada por MR(93)" % tag,
                             data={"tag_spool": tag, "operacion": "ARM", "trabajador": "MR(93)"})
        self.assertNothingWritten(tag, before, "a refused INICIAR")

        # any Armador may complete; the response names the requesting worker
        r = self.act("completar", ARMADOR_2, "ARM", tag, timestamp=1769794200)
        frag = self.assertSuccess(r, tag, "ARM", "completada", ARMADOR_2,
                                  {"armador": "MG(95)", "soldador": None,
                                   "fecha_armado": today_dmy(), "fecha_soldadura": None})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "COMPLETAR_ARM", tag, ARMADOR_2, "ARM", "COMPLETAR")
        self.assertTrue(evs[0]["id"].startswith(frag))
        self.assertEqual(self.detail(tag)["fecha_armado"], today_iso())
        self.assertEqual(self.row(tag)["Fecha_Armado"], today_dmy())

        # completed: COMPLETAR, INICIAR and CANCELAR refuse with OPERACION_YA_COMPLETADA
        before = self.detail(tag)
        ya = ("La operación ARM del spool '%s' ya fue completada. Contacta al administrador si "
              "necesitas hacer correcciones." % tag)
        for verb in ("completar", "iniciar", "cancelar"):
            with self.subTest(verb=verb):
                r = self.act(verb, ARMADOR, "ARM", tag)
                self.assertErrorBody(r, 400, "OPERACION_YA_COMPLETADA", ya,
                                     data={"tag_spool": tag, "operacion": "ARM"})
        self.assertNothingWritten(tag, before, "refused actions on a completed ARM")

    def test_arm_cancelar(self):
        tag = self.pop("arm_paused")
        self.new_events()
        r = self.act("cancelar", ARMADOR, "ARM", tag)
        self.assertSuccess(r, tag, "ARM", "cancelada", ARMADOR,
                           {"armador": None, "soldador": None, "fecha_armado": None,
                            "fecha_soldadura": None})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "CANCELAR_ARM", tag, ARMADOR, "ARM", "CANCELAR")
        d = self.detail(tag)
        self.assertEqual((d["armador"], d["arm_estado"], d["estado_detalle"]),
                         (None, "pendiente", "Disponible - ARM pendiente, SOLD pendiente"))
        self.assertEqual(self.row(tag)["Armador"], "")

        before = self.detail(tag)
        no = "No se puede completar ARM en spool '%s': la operación no ha sido iniciada" % tag
        for verb in ("cancelar", "completar"):
            with self.subTest(verb=verb):
                r = self.act(verb, ARMADOR, "ARM", tag)
                self.assertErrorBody(r, 400, "OPERACION_NO_INICIADA", no,
                                     data={"tag_spool": tag, "operacion": "ARM"})
        self.assertNothingWritten(tag, before, "refused CANCELAR/COMPLETAR")

    def test_dependencias(self):
        tag = self.pop("no_mat")
        before = self.detail(tag)
        self.new_events()
        r = self.act("iniciar", ARMADOR, "ARM", tag)
        self.assertErrorBody(
            r, 400, "DEPENDENCIAS_NO_SATISFECHAS",
            "No se puede iniciar ARM en spool '%s': falta fecha_materiales (Los materiales "
            "deben estar registrados)" % tag,
            data={"tag_spool": tag, "operacion": "ARM", "dependencia_faltante": "fecha_materiales"})
        self.assertNothingWritten(tag, before, "INICIAR ARM without materials")

        tag = self.pop("arm_paused")  # ARM initiated, not completed
        before = self.detail(tag)
        r = self.act("iniciar", SOLDADOR, "SOLD", tag)
        self.assertErrorBody(
            r, 400, "DEPENDENCIAS_NO_SATISFECHAS",
            "No se puede iniciar SOLD en spool '%s': falta fecha_armado (ARM debe completarse "
            "primero) (ARM debe estar completado antes de iniciar SOLD)" % tag)
        self.assertEqual(r.json["data"]["dependencia_faltante"],
                         "fecha_armado (ARM debe completarse primero)")
        self.assertNothingWritten(tag, before, "INICIAR SOLD before ARM completed")

    def test_sold_iniciar_completar(self):
        tag = self.pop("arm_done")
        self.new_events()
        r = self.act("iniciar", SOLDADOR, "SOLD", tag)
        self.assertSuccess(r, tag, "SOLD", "iniciada", SOLDADOR,
                           {"armador": None, "soldador": "JR(103)", "fecha_armado": None,
                            "fecha_soldadura": None})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "INICIAR_SOLD", tag, SOLDADOR, "SOLD", "INICIAR")
        r = self.act("iniciar", SOLDADOR, "SOLD", tag)
        self.assertErrorBody(r, 400, "OPERACION_YA_INICIADA",
                             "La operación SOLD del spool '%s' ya está iniciada por JR(103)" % tag)
        r = self.act("completar", SOLDADOR, "SOLD", tag)
        self.assertSuccess(r, tag, "SOLD", "completada", SOLDADOR,
                           {"armador": None, "soldador": "JR(103)", "fecha_armado": None,
                            "fecha_soldadura": today_dmy()})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "COMPLETAR_SOLD", tag, SOLDADOR, "SOLD", "COMPLETAR")
        row = self.row(tag)
        self.assertEqual((row["Soldador"], row["Fecha_Soldadura"]), ("JR(103)", today_dmy()))
        self.assertEqual(self.detail(tag)["estado_detalle"],
                         "Disponible - ARM completado, SOLD completado")

    def test_metrologia_iniciar_cancelar(self):
        tag = self.pop("sold_done")
        self.new_events()
        r = self.act("iniciar", METROLOGO, "METROLOGIA", tag)
        self.assertSuccess(r, tag, "METROLOGIA", "iniciada y completada", METROLOGO,
                           {"armador": None, "soldador": None, "fecha_armado": None,
                            "fecha_soldadura": None})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "INICIAR_METROLOGIA", tag, METROLOGO, "METROLOGIA", "INICIAR")
        self.assertEqual(self.row(tag)["Fecha_QC_Metrología"], today_dmy())
        self.assertEqual(self.detail(tag)["fecha_qc_metrologia"], today_iso())

        r = self.act("iniciar", METROLOGO, "METROLOGIA", tag)
        self.assertErrorBody(r, 400, "OPERACION_YA_COMPLETADA")
        r = self.act("completar", METROLOGO, "METROLOGIA", tag)
        self.assertErrorBody(r, 400, "OPERACION_YA_COMPLETADA",
                             "METROLOGIA no tiene paso COMPLETAR separado. La operación se "
                             "completa al INICIAR.")
        self.assertEqual(self.new_events(), [])

        r = self.act("cancelar", METROLOGO, "METROLOGIA", tag)
        self.assertSuccess(r, tag, "METROLOGIA", "cancelada", METROLOGO,
                           {"armador": None, "soldador": None, "fecha_armado": None,
                            "fecha_soldadura": None})
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEvent(evs[0], "CANCELAR_METROLOGIA", tag, METROLOGO, "METROLOGIA", "CANCELAR")
        self.assertEqual(self.row(tag)["Fecha_QC_Metrología"], "")
        r = self.act("cancelar", METROLOGO, "METROLOGIA", tag)
        self.assertErrorBody(r, 400, "OPERACION_NO_INICIADA")

        tag = self.pop("arm_done")
        r = self.act("iniciar", METROLOGO, "METROLOGIA", tag)
        self.assertErrorBody(r, 400, "DEPENDENCIAS_NO_SATISFECHAS")
        self.assertEqual(self.new_events(), [])

    # -- identity and roles ------------------------------------------------------------------
    def test_worker_not_found(self):
        tag = self.pools["fresh"][0]
        for verb in ("iniciar", "completar", "cancelar"):
            for wid in (999, INACTIVE):
                with self.subTest(verb=verb, worker=wid):
                    r = self.act(verb, wid, "ARM", tag)
                    self.assertErrorBody(r, 404, "WORKER_NO_ENCONTRADO",
                                         "Trabajador '%d' no encontrado o inactivo" % wid)
                    r = self.batch(verb, wid, "ARM", [tag])
                    self.assertErrorBody(r, 404, "WORKER_NO_ENCONTRADO",
                                         "Trabajador '%d' no encontrado o inactivo" % wid)
        self.assertEqual(self.new_events(), [])

    def test_spool_not_found(self):
        for verb in ("iniciar", "completar", "cancelar"):
            with self.subTest(verb=verb):
                r = self.act(verb, ARMADOR, "ARM", "NO-EXISTE-001")
                self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO",
                                     "Spool 'NO-EXISTE-001' no encontrado en hoja Operaciones",
                                     data={"tag_spool": "NO-EXISTE-001"})

    def test_roles(self):
        tag = self.pop("arm_done")
        before = self.detail(tag)
        self.new_events()
        r = self.act("iniciar", ARMADOR, "SOLD", tag)
        self.assertErrorBody(
            r, 403, "ROL_NO_AUTORIZADO",
            "Trabajador 93 no tiene el rol 'Soldador o Ayudante' necesario para realizar la "
            "operación 'SOLD'. Roles actuales: Armador",
            data={"worker_id": 93, "operacion": "SOLD", "rol_requerido": "Soldador o Ayudante",
                  "roles_actuales": ["Armador"]})
        r = self.act("iniciar", SOLDADOR, "ARM", self.pools["fresh"][0])
        self.assertErrorBody(
            r, 403, "ROL_NO_AUTORIZADO",
            "Trabajador 103 no tiene el rol 'Armador o Ayudante' necesario para realizar la "
            "operación 'ARM'. Roles actuales: Soldador")
        sd = self.pools["sold_done"][0]
        r = self.act("iniciar", AYUDANTE, "METROLOGIA", sd)
        self.assertErrorBody(
            r, 403, "ROL_NO_AUTORIZADO",
            "Trabajador 113 no tiene el rol 'Metrologia' necesario para realizar la operación "
            "'METROLOGIA'. Roles actuales: Ayudante")
        self.assertNothingWritten(tag, before, "refused role")
        # Ayudante helps on SOLD
        r = self.act("iniciar", AYUDANTE, "SOLD", tag)
        self.assertSuccess(r, tag, "SOLD", "iniciada", AYUDANTE,
                           {"armador": None, "soldador": self.names[AYUDANTE],
                            "fecha_armado": None, "fecha_soldadura": None})
        self.assertEqual(len(self.new_events()), 1)

    def test_reparacion_not_available(self):
        tag = self.pools["rejected"][0]
        before = self.detail(tag)
        for verb in ("iniciar", "completar", "cancelar"):
            with self.subTest(verb=verb):
                r = self.act(verb, ARMADOR, "REPARACION", tag)
                self.assertErrorBody(
                    r, 400, "OPERACION_NO_DISPONIBLE",
                    "La operación REPARACION no está disponible para el spool '%s'. Verifica el "
                    "estado actual del spool." % tag)
        self.assertNothingWritten(tag, before, "v2.1 REPARACION")

    # -- interplay with v3.0 occupation --------------------------------------------------------
    def test_spool_occupied_via_tomar(self):
        tag = self.pop("fresh")
        r = self.server.post("/api/occupation/tomar",
                             json_body={"tag_spool": tag, "worker_id": ARMADOR_2,
                                        "worker_nombre": "MG(95)", "operacion": "ARM"})
        self.assertEqual(r.status, 200, r)
        self.new_events()
        before = self.detail(tag)
        msg = ("El spool '%s' ya está ocupado por MG(95) (ID: 95). Espera a que termine o elige "
               "otro spool." % tag)
        for verb in ("iniciar", "completar", "cancelar"):
            with self.subTest(verb=verb):
                r = self.act(verb, ARMADOR, "ARM", tag)
                self.assertErrorBody(r, 409, "SPOOL_OCCUPIED", msg,
                                     data={"tag_spool": tag, "owner_id": 95, "owner_name": "MG(95)"})
        r = self.batch("iniciar", ARMADOR, "ARM", [tag])
        self.assertEqual(r.status, 200, r)
        item = r.json["resultados"][0]
        self.assertEqual((item["success"], item["message"], item["error_type"], item["evento_id"]),
                         (False, msg, "SpoolOccupiedError", None))
        self.assertNothingWritten(tag, before, "v2.1 on an occupied spool")
        self.assertIsNotNone(self.redis.command("GET", "spool_lock:" + tag))

        # the holder finishing through v2.1 also ends the occupation and its lock
        r = self.act("completar", ARMADOR_2, "ARM", tag)
        self.assertSuccess(r, tag, "ARM", "completada", ARMADOR_2,
                           {"armador": "MG(95)", "soldador": None, "fecha_armado": today_dmy(),
                            "fecha_soldadura": None})
        d = self.detail(tag)
        self.assertEqual((d["ocupado_por"], d["fecha_armado"], d["estado_detalle"]),
                         (None, today_iso(), "Disponible - ARM completado, SOLD pendiente"))
        self.assertIsNone(self.redis.command("GET", "spool_lock:" + tag))
        evs = self.new_events()
        self.assertEqual([e["evento_tipo"] for e in evs], ["COMPLETAR_ARM"])

    # -- request validation (422) ------------------------------------------------------------
    def test_validation(self):
        tag = self.pools["fresh"][0]
        cases = [
            ("single", {"worker_id": 93, "operacion": "ARM", "tag_spool": tag,
                        "timestamp": "ayer a las 3"}, "timestamp"),
            ("single", {"worker_id": 93, "operacion": "ARM", "tag_spool": tag,
                        "timestamp": "30-13-2026"}, "timestamp"),
            ("single", {"worker_id": 93, "operacion": "ARM", "tag_spool": tag, "foo": 1}, "foo"),
            ("single", {"worker_id": 93, "operacion": "arm", "tag_spool": tag}, "operacion"),
            ("single", {"worker_id": 93, "tag_spool": tag}, "operacion"),
            ("single", {"worker_id": 0, "operacion": "ARM", "tag_spool": tag}, "worker_id"),
            ("single", {"worker_id": 93, "operacion": "ARM", "tag_spool": ""}, "tag_spool"),
            ("single", {"worker_id": 93, "operacion": "ARM", "tag_spool": 5}, "tag_spool"),
            ("batch", {"worker_id": 93, "operacion": "ARM",
                       "tag_spools": ["T-%02d" % i for i in range(51)]}, "tag_spools"),
            ("batch", {"worker_id": 93, "operacion": "ARM", "tag_spools": [tag, "X", tag]},
             "tag_spools"),
            ("batch", {"worker_id": 93, "operacion": "ARM", "tag_spools": []}, "tag_spools"),
            ("batch", {"worker_id": 93, "operacion": "ARM", "tag_spools": [tag],
                       "timestamp": "nope"}, "timestamp"),
            ("batch", {"worker_id": 93, "operacion": "ARM", "tag_spool": tag}, "tag_spool"),
        ]
        self.new_events()
        before = self.detail(tag)
        for verb in ("iniciar", "completar", "cancelar"):
            for kind, body, field in cases:
                with self.subTest(verb=verb, body=body):
                    path = "/api/%s-accion%s" % (verb, "-batch" if kind == "batch" else "")
                    r = self.server.post(path, json_body=body)
                    j = self.assertErrorBody(r, 422, "VALIDATION_ERROR")
                    self.assertIn(field, j["message"])
        self.assertNothingWritten(tag, before, "invalid requests")
        # a digit string for worker_id is accepted (lax coercion), as the original
        r = self.server.post("/api/iniciar-accion",
                             json_body={"worker_id": "93", "operacion": "ARM", "tag_spool": "NO-X"})
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO")

    # -- batches -----------------------------------------------------------------------------
    def assertBatch(self, r, op, summary, ok, total, items):
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual(list(j.keys()),
                         ["success", "message", "total", "exitosos", "fallidos", "resultados"])
        fail = total - ok
        msg = "Batch %s %s: %d de %d spools exitosos" % (op, summary, ok, total)
        if fail:
            msg += " (%d fallos)" % fail
        self.assertEqual((j["success"], j["message"], j["total"], j["exitosos"], j["fallidos"]),
                         (ok > 0, msg, total, ok, fail))
        self.assertEqual(len(j["resultados"]), len(items))
        for got, (tag, success, message, error_type) in zip(j["resultados"], items):
            self.assertEqual(list(got.keys())[:5],
                             ["tag_spool", "success", "message", "evento_id", "error_type"])
            self.assertEqual((got["tag_spool"], got["success"], got["message"], got["error_type"]),
                             (tag, success, message, error_type))
            if success:
                self.assertRegex(got["evento_id"], UUID_RE)
            else:
                self.assertIsNone(got["evento_id"])
        return j

    def test_batches(self):
        f1, f2 = self.pop("fresh"), self.pop("fresh")
        paused = self.pop("arm_paused")
        paused_by = self.detail(paused)["armador"]
        nomat = self.pop("no_mat")
        self.new_events()

        r = self.batch("iniciar", ARMADOR, "ARM", [f1, paused, f2])
        j = self.assertBatch(r, "ARM", "iniciado", 2, 3, [
            (f1, True, "Acción ARM iniciada exitosamente", None),
            (paused, False, "La operación ARM del spool '%s' ya está iniciada por %s"
             % (paused, paused_by), "OperacionYaIniciadaError"),
            (f2, True, "Acción ARM iniciada exitosamente", None)])
        self.assertEqual(r.json["message"], "Batch ARM iniciado: 2 de 3 spools exitosos (1 fallos)")
        evs = self.new_events()
        self.assertEqual([(e["evento_tipo"], e["tag_spool"]) for e in evs],
                         [("INICIAR_ARM", f1), ("INICIAR_ARM", f2)])
        self.assertEqual([e["id"] for e in evs],
                         [j["resultados"][0]["evento_id"], j["resultados"][2]["evento_id"]])

        r = self.batch("iniciar", ARMADOR, "ARM", [nomat, "NO-EXISTE-777"])
        self.assertBatch(r, "ARM", "iniciado", 0, 2, [
            (nomat, False, "No se puede iniciar ARM en spool '%s': falta fecha_materiales (Los "
             "materiales deben estar registrados)" % nomat, "DependenciasNoSatisfechasError"),
            ("NO-EXISTE-777", False, "Spool 'NO-EXISTE-777' no encontrado en hoja Operaciones",
             "SpoolNoEncontradoError")])
        self.assertEqual(r.json["message"], "Batch ARM iniciado: 0 de 2 spools exitosos (2 fallos)")
        self.assertIs(r.json["success"], False)
        self.assertEqual(self.new_events(), [])

        f3 = self.pop("fresh")
        r = self.batch("completar", ARMADOR_2, "ARM", [f1, f2, f3])
        self.assertBatch(r, "ARM", "completado", 2, 3, [
            (f1, True, "Acción ARM completada exitosamente", None),
            (f2, True, "Acción ARM completada exitosamente", None),
            (f3, False, "No se puede completar ARM en spool '%s': la operación no ha sido "
             "iniciada" % f3, "OperacionNoIniciadaError")])
        evs = self.new_events()
        self.assertEqual([(e["evento_tipo"], e["tag_spool"], e["worker_id"]) for e in evs],
                         [("COMPLETAR_ARM", f1, "95"), ("COMPLETAR_ARM", f2, "95")])

        r = self.batch("cancelar", ARMADOR, "ARM", [paused, f1])
        self.assertBatch(r, "ARM", "cancelado", 1, 2, [
            (paused, True, "Acción ARM cancelada exitosamente", None),
            (f1, False, "La operación ARM del spool '%s' ya fue completada. Contacta al "
             "administrador si necesitas hacer correcciones." % f1, "OperacionYaCompletadaError")])
        evs = self.new_events()
        self.assertEqual([(e["evento_tipo"], e["tag_spool"]) for e in evs],
                         [("CANCELAR_ARM", paused)])

        # all succeed: no "(N fallos)" suffix
        r = self.batch("iniciar", ARMADOR, "ARM", [paused])
        self.assertBatch(r, "ARM", "iniciado", 1, 1,
                         [(paused, True, "Acción ARM iniciada exitosamente", None)])
        self.assertEqual(r.json["message"], "Batch ARM iniciado: 1 de 1 spools exitosos")
        self.assertEqual(len(self.new_events()), 1)

        # role refused per spool
        ad = self.pop("arm_done")
        r = self.batch("iniciar", ARMADOR, "SOLD", [ad])
        self.assertBatch(r, "SOLD", "iniciado", 0, 1, [
            (ad, False, "Trabajador 93 no tiene el rol 'Soldador o Ayudante' necesario para "
             "realizar la operación 'SOLD'. Roles actuales: Armador", "RolNoAutorizadoError")])
        self.assertEqual(self.new_events(), [])

    def test_batch_fifty(self):
        tags = [self.pop("fresh") for _ in range(25)] + ["NO-EXISTE-B%02d" % i for i in range(25)]
        self.new_events()
        r = self.batch("iniciar", ARMADOR, "ARM", tags)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["total"], r.json["exitosos"], r.json["fallidos"]), (50, 25, 25))
        self.assertEqual(r.json["message"], "Batch ARM iniciado: 25 de 50 spools exitosos (25 fallos)")
        self.assertEqual([x["tag_spool"] for x in r.json["resultados"]], tags)
        evs = self.new_events()
        self.assertEqual(sorted(e["tag_spool"] for e in evs), sorted(tags[:25]))
        self.assertTrue(all(e["evento_tipo"] == "INICIAR_ARM" for e in evs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
