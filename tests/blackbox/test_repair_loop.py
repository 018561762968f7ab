#!/usr/bin/env python3
"""The metrología / reparación loop, black-box, on a demo plant (zeues demo --spools 300).

One spool with ARM and SOLD completed goes RECHAZADO → tomar-reparación → pausar → tomar (resumed
by another worker) → completar → RECHAZADO → repair → RECHAZADO → BLOQUEADO (tomar refused 403)
→ supervisor `zeues unblock` (when the binary has it) → repair → APROBADO. Every step checks the
response body, /api/spools/detail, the repair list (/api/spools/reparacion), the metrología
queue (/api/spools/iniciar?operacion=METROLOGIA), the Redis lock and the Metadata events (through
`zeues export`). Then every prerequisite / role / ownership error of the metrología and reparación
endpoints with code and status (api-v3.md §2.6, §2.11 intended; domain-v3.md §4.3-§5; SPEC.md).
"""
import csv
import datetime
import json
import os
import re
import sys
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

ARMADOR = 93          # MR(93), Armador only
ARM_SOLD = 94         # JP(94), Armador + Soldador
SOLDADOR = 103        # JR(103), Soldador only
AYUDANTE = 113        # FP(113), Ayudante only
METROLOGO = 117       # MF(117), Metrologia only
INACTIVE = 120

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
REPAIR_ENDPOINTS = ("tomar", "pausar", "completar", "cancelar")
DONE = "Disponible - ARM completado, SOLD completado"


def santiago_now():
    return datetime.datetime.now(zoneinfo.ZoneInfo("America/Santiago"))


def today_dmy():
    return santiago_now().strftime("%d-%m-%Y")


def today_iso():
    return santiago_now().strftime("%Y-%m-%d")


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def export_sheets(db):
    d = harness.make_tempdir("zeues-rep-export-")
    try:
        harness.export_dir(db, d)
        with open(os.path.join(d, "Operaciones.csv"), encoding="utf-8", newline="") as f:
            ops = {row["TAG_SPOOL"]: row for row in csv.DictReader(f)}
        with open(os.path.join(d, "Metadata.csv"), encoding="utf-8", newline="") as f:
            meta = list(csv.DictReader(f))
        return ops, meta
    finally:
        harness.remove_tempdir(d)


class RepairLoop(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        harness.wait_past_midnight()  # its checks compare dates with "today" there
        cls.tmp = harness.make_tempdir("zeues-repair-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            demo_db = os.path.join(cls.tmp, "demo.db")
            r = harness.run_cli("demo", "--db", demo_db, "--spools", 300)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            # The plant as CSV; one spool with ARM and SOLD completed is marked occupied (a state
            # the API cannot reach, but a sheet edited by hand can) for the 409 of metrología.
            d = os.path.join(cls.tmp, "sheets")
            os.mkdir(d)
            harness.export_dir(demo_db, d)
            rows = read_csv(os.path.join(d, "Operaciones.csv"))
            h = rows[0]
            ci = {name: h.index(name) for name in
                  ("TAG_SPOOL", "Fecha_Materiales", "Armador", "Fecha_Armado", "Soldador",
                   "Fecha_Soldadura", "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion",
                   "Estado_Detalle")}
            pools = {k: [] for k in ("fresh", "arm_done", "sold_done", "rejected", "blocked",
                                     "approved")}
            for row in rows[1:]:
                g = lambda c: row[ci[c]]  # noqa: E731
                if g("Ocupado_Por"):
                    continue
                e = g("Estado_Detalle")
                if g("Fecha_Materiales") and not g("Armador") and not g("Fecha_Armado"):
                    pools["fresh"].append(g("TAG_SPOOL"))
                elif g("Fecha_Armado") and not g("Soldador") and not g("Fecha_Soldadura"):
                    pools["arm_done"].append(g("TAG_SPOOL"))
                elif g("Fecha_Soldadura") and not g("Fecha_QC_Metrología"):
                    pools["sold_done"].append(g("TAG_SPOOL"))
                elif e.startswith("RECHAZADO (Ciclo"):
                    pools["rejected"].append(g("TAG_SPOOL"))
                elif e.startswith("BLOQUEADO"):
                    pools["blocked"].append(g("TAG_SPOOL"))
                elif e == "METROLOGIA_APROBADO ✓":
                    pools["approved"].append(g("TAG_SPOOL"))
            occ = pools["sold_done"].pop()
            for row in rows[1:]:
                if row[ci["TAG_SPOOL"]] == occ:
                    row[ci["Ocupado_Por"]] = "MR(93)"
                    row[ci["Fecha_Ocupacion"]] = today_dmy() + " 08:00:00"
                    row[ci["Estado_Detalle"]] = "MR(93) trabajando SOLD (ARM completado, SOLD completado)"
            write_csv(os.path.join(d, "Operaciones.csv"), rows)
            cls.db = os.path.join(cls.tmp, "zeues.db")
            harness.import_dir(cls.db, d)
            cls.pools = pools
            cls.occupied_done = occ
            _, meta = export_sheets(cls.db)
            cls.seen = {m["id"] for m in meta}
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

    def metro(self, tag, worker_id, resultado, **extra):
        body = {"tag_spool": tag, "worker_id": worker_id, "resultado": resultado}
        body.update(extra)
        return self.server.post("/api/metrologia/completar", json_body=body)

    def rep(self, verb, tag, worker_id, **extra):
        body = {"tag_spool": tag, "worker_id": worker_id}
        body.update(extra)
        return self.server.post("/api/%s-reparacion" % verb, json_body=body)

    def detail(self, tag):
        r = self.server.get("/api/spools/detail?tag=" + tag)
        self.assertEqual(r.status, 200, r)
        return r.json

    def repair_list(self):
        r = self.server.get("/api/spools/reparacion")
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual(j["total"], len(j["spools"]))
        self.assertEqual(j["bloqueados"], sum(1 for s in j["spools"] if s["bloqueado"]))
        return {s["tag_spool"]: s for s in j["spools"]}

    def metro_queue(self):
        r = self.server.get("/api/spools/iniciar?operacion=METROLOGIA")
        self.assertEqual(r.status, 200, r)
        return {s["tag_spool"] for s in r.json["spools"]}

    def lock(self, tag):
        return self.redis.command("GET", "spool_lock:" + tag)

    def new_events(self, tag=None):
        _, meta = export_sheets(self.db)
        fresh = [m for m in meta if m["id"] not in self.seen]
        self.seen.update(m["id"] for m in fresh)
        return [m for m in fresh if tag is None or m["tag_spool"] == tag]

    def assertOneEvent(self, tag, tipo, worker_id, op, accion, metadata):
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        e = evs[0]
        self.assertRegex(e["id"], UUID_RE)
        self.assertEqual(
            (e["evento_tipo"], e["tag_spool"], e["worker_id"], e["worker_nombre"], e["operacion"],
             e["accion"], e["fecha_operacion"]),
            (tipo, tag, str(worker_id), self.names[worker_id], op, accion, today_dmy()))
        self.assertEqual(e["metadata_json"], metadata)
        return e

    def assertOk(self, r, expected):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json.keys())[:len(expected)], list(expected.keys()), r.json)
        for k, v in expected.items():
            self.assertEqual(r.json[k], v, "key %s of %s" % (k, r.json))

    def assertState(self, tag, estado, cycle, reparacion, ocupado=None, fecha_qc=None,
                    in_repair_list=False, in_metro_queue=False, bloqueado=False,
                    metrologia="RECHAZADO"):
        d = self.detail(tag)
        self.assertEqual(
            (d["estado_detalle"], d["cycle"], d["reparacion"], d["ocupado_por"],
             d["fecha_qc_metrologia"], d["bloqueado"], d["metrologia"], d["arm_estado"],
             d["sold_estado"]),
            (estado, cycle, reparacion, ocupado, fecha_qc, bloqueado, metrologia, "completado",
             "completado"))
        if ocupado:
            self.assertEqual(d["operacion_actual"], "REPARACION")
        lst = self.repair_list()
        if in_repair_list:
            self.assertIn(tag, lst)
            item = lst[tag]
            self.assertEqual(
                (item["estado_detalle"], item["cycle"], item["bloqueado"], item["fecha_rechazo"]),
                (estado, cycle, bloqueado, fecha_qc))
        else:
            self.assertNotIn(tag, lst)
        if in_metro_queue:
            self.assertIn(tag, self.metro_queue())
        else:
            self.assertNotIn(tag, self.metro_queue())
        return d

    def reject(self, tag, cycle):
        r = self.metro(tag, METROLOGO, "RECHAZADO")
        blocked = cycle >= 3
        text = ("BLOQUEADO - Contactar supervisor" if blocked
                else "RECHAZADO (Ciclo %d/3) - Pendiente reparación" % cycle)
        self.assertOk(r, {"success": True, "tag_spool": tag, "resultado": "RECHAZADO",
                          "estado_detalle": DONE + ", " + text,
                          "message": "Metrología rechazado para spool %s" % tag,
                          "cycle": cycle, "bloqueado": blocked})
        self.assertOneEvent(tag, "COMPLETAR_METROLOGIA", METROLOGO, "METROLOGIA", "COMPLETAR",
                            '{"resultado": "RECHAZADO", "state": "%s", "cycle": %d}'
                            % ("bloqueado" if blocked else "rechazado", cycle))
        self.assertState(tag, text, cycle, "bloqueado" if blocked else "rechazado",
                         fecha_qc=today_iso(), in_repair_list=True, bloqueado=blocked)
        self.assertIsNone(self.lock(tag))

    def take(self, tag, worker_id, cycle):
        name = self.names[worker_id]
        text = "EN_REPARACION (Ciclo %d/3) - Ocupado: %s" % (cycle, name)
        r = self.rep("tomar", tag, worker_id)
        self.assertOk(r, {"success": True,
                          "message": "Reparación tomada para spool %s" % tag,
                          "tag_spool": tag, "worker_nombre": name, "estado_detalle": text,
                          "cycle": cycle})
        self.assertOneEvent(tag, "TOMAR_REPARACION", worker_id, "REPARACION", "TOMAR",
                            '{"cycle": %d, "max_cycles": 3, "state": "en_reparacion"}' % cycle)
        self.assertState(tag, text, cycle, "en_reparacion", ocupado=name, fecha_qc=today_iso())
        lk = self.lock(tag)
        self.assertIsNotNone(lk, "a repair holds the spool's lock")
        self.assertTrue(lk.startswith("%d:" % worker_id), lk)
        mine = self.server.get("/api/spools/reparacion?worker_id=%d" % worker_id).json["spools"]
        self.assertIn(tag, [s["tag_spool"] for s in mine])

    def complete(self, tag, worker_id, cycle):
        r = self.rep("completar", tag, worker_id)
        self.assertOk(r, {"success": True,
                          "message": "Reparación completada para spool %s - devuelto a metrología"
                          % tag,
                          "tag_spool": tag, "estado_detalle": "PENDIENTE_METROLOGIA",
                          "cycle": cycle})
        self.assertOneEvent(tag, "COMPLETAR_REPARACION", worker_id, "REPARACION", "COMPLETAR",
                            '{"cycle": %d, "max_cycles": 3, "state": "pendiente_metrologia", '
                            '"next_state": "PENDIENTE_METROLOGIA"}' % cycle)
        # back in the metrología queue: the rejection's inspection date is cleared
        self.assertState(tag, "PENDIENTE_METROLOGIA", cycle, "pendiente_metrologia",
                         fecha_qc=None, in_metro_queue=True)
        self.assertIsNone(self.lock(tag))
        ops, _ = export_sheets(self.db)
        self.assertEqual((ops[tag]["Fecha_QC_Metrología"], ops[tag]["Ocupado_Por"],
                          ops[tag]["Estado_Detalle"]), ("", "", "PENDIENTE_METROLOGIA"))

    # -- the loop ----------------------------------------------------------------------------
    def test_full_loop(self):
        tag = self.pop("sold_done")
        self.new_events()
        self.assertState(tag, DONE, 0, None, in_metro_queue=True, metrologia=None)

        # 1st rejection
        self.reject(tag, 1)

        # MR(93) takes the repair; a second tap changes nothing
        self.take(tag, ARMADOR, 1)
        before = self.detail(tag)
        r = self.rep("tomar", tag, ARMADOR, operacion="REPARACION")
        self.assertOk(r, {"success": True, "message": "Reparación tomada para spool %s" % tag,
                          "tag_spool": tag, "worker_nombre": "MR(93)",
                          "estado_detalle": before["estado_detalle"], "cycle": 1,
                          "sin_cambios": True})
        self.assertEqual(self.new_events(), [])
        # nobody else takes, pauses or completes it
        for verb, wid in (("tomar", SOLDADOR), ("pausar", SOLDADOR), ("completar", ARM_SOLD)):
            with self.subTest(verb=verb, worker=wid):
                r = self.rep(verb, tag, wid)
                self.assertIn(r.status, (400, 403, 409), r)
                self.assertIs(r.json["success"], False)
        r = self.rep("pausar", tag, SOLDADOR)
        self.assertErrorBody(r, 403, "NO_AUTORIZADO")
        self.assertEqual(self.detail(tag), before)
        self.assertEqual(self.new_events(), [])

        # pause
        r = self.rep("pausar", tag, ARMADOR)
        self.assertOk(r, {"success": True, "message": "Reparación pausada para spool %s" % tag,
                          "tag_spool": tag, "estado_detalle": "REPARACION_PAUSADA (Ciclo 1/3)"})
        self.assertOneEvent(tag, "PAUSAR_REPARACION", ARMADOR, "REPARACION", "PAUSAR",
                            '{"cycle": 1, "max_cycles": 3, "state": "reparacion_pausada"}')
        self.assertState(tag, "REPARACION_PAUSADA (Ciclo 1/3)", 1, "reparacion_pausada",
                         fecha_qc=today_iso(), in_repair_list=True)
        self.assertIsNone(self.lock(tag))

        # resumed by another worker (a Soldador), who completes it
        self.take(tag, SOLDADOR, 1)
        r = self.rep("completar", tag, ARMADOR)
        self.assertErrorBody(r, 403, "NO_AUTORIZADO")
        self.complete(tag, SOLDADOR, 1)

        # 2nd rejection and repair
        self.reject(tag, 2)
        self.take(tag, ARM_SOLD, 2)
        self.complete(tag, ARM_SOLD, 2)

        # 3rd rejection: BLOQUEADO
        self.reject(tag, 3)
        r = self.rep("tomar", tag, ARMADOR)
        self.assertErrorBody(r, 403, "SPOOL_BLOQUEADO",
                             "Spool bloqueado después de 3 rechazos. Contactar supervisor.",
                             data={"tag_spool": tag})
        r = self.metro(tag, METROLOGO, "APROBADO")
        self.assertErrorBody(r, 400, "OPERACION_YA_COMPLETADA")
        self.assertEqual(self.new_events(), [])

        # history shows the repair sessions with their real durations
        r = self.server.get("/api/history/" + tag)
        self.assertEqual(r.status, 200, r)
        rep = [s for s in r.json["sessions"] if s["operacion"] == "REPARACION"]
        self.assertEqual([(s["worker_nombre"], s["worker_id"]) for s in rep],
                         [("MR(93)", 93), ("JR(103)", 103), ("JP(94)", 94)])
        for s in rep:
            self.assertIsNotNone(s["end_time"], s)
            self.assertRegex(s["start_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[34]:00$")
            self.assertRegex(s["duration"], r"^(\d+h )?\d+m$")

        # supervisor unblocks while the server runs; the loop continues to APROBADO
        r = harness.run_cli("unblock", tag, "--db", self.db, "--by", "Supervisor Pérez",
                            "--reason", "Revisión manual del spool")
        self.assertEqual(r.returncode, 0, "`zeues unblock` failed (a supervisor command this "
                         "binary must have):\n" + r.stdout + r.stderr)
        d = self.detail(tag)
        m = re.match(r"^RECHAZADO \(Ciclo (\d)/3\) - Pendiente reparación$", d["estado_detalle"])
        self.assertIsNotNone(m, d)
        cycle = int(m.group(1))
        self.assertLess(cycle, 3)
        self.assertState(tag, d["estado_detalle"], cycle, "rechazado", fecha_qc=today_iso(),
                         in_repair_list=True)
        evs = self.new_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEqual((evs[0]["evento_tipo"], evs[0]["tag_spool"], evs[0]["operacion"]),
                         ("SUPERVISOR_OVERRIDE", tag, "REPARACION"))
        meta = json.loads(evs[0]["metadata_json"])
        self.assertEqual((meta["previous_estado"], meta["new_estado"], meta["override_type"]),
                         ("BLOQUEADO - Contactar supervisor", d["estado_detalle"],
                          "BLOQUEADO_TO_RECHAZADO"))
        r = harness.run_cli("unblock", tag, "--db", self.db, "--by", "Supervisor Pérez",
                            "--reason", "otra vez")
        self.assertNotEqual(r.returncode, 0, "unblocking a spool that is not blocked")
        self.assertEqual(self.new_events(), [])

        self.take(tag, ARMADOR, cycle)
        self.complete(tag, ARMADOR, cycle)
        r = self.metro(tag, METROLOGO, "APROBADO")
        self.assertOk(r, {"success": True, "tag_spool": tag, "resultado": "APROBADO",
                          "estado_detalle": DONE + ", METROLOGIA APROBADO ✓",
                          "message": "Metrología aprobado para spool %s" % tag,
                          "cycle": 0, "bloqueado": False})
        self.assertOneEvent(tag, "COMPLETAR_METROLOGIA", METROLOGO, "METROLOGIA", "COMPLETAR",
                            '{"resultado": "APROBADO", "state": "aprobado"}')
        self.assertState(tag, "METROLOGIA_APROBADO ✓", 0, None, fecha_qc=today_iso(),
                         metrologia="APROBADO")

    # -- metrología errors -------------------------------------------------------------------
    def test_metrologia_errors(self):
        self.new_events()
        sd = self.pools["sold_done"][-1]
        r = self.metro(sd, ARMADOR, "APROBADO")
        self.assertErrorBody(
            r, 403, "ROL_NO_AUTORIZADO",
            "Trabajador 93 no tiene el rol 'Metrologia' necesario para realizar la operación "
            "'METROLOGIA'. Roles actuales: Armador",
            data={"worker_id": 93, "operacion": "METROLOGIA", "rol_requerido": "Metrologia",
                  "roles_actuales": ["Armador"]})
        r = self.metro(sd, AYUDANTE, "RECHAZADO")
        self.assertErrorBody(r, 403, "ROL_NO_AUTORIZADO")

        fresh = self.pools["fresh"][0]
        r = self.metro(fresh, METROLOGO, "APROBADO")
        self.assertErrorBody(
            r, 400, "DEPENDENCIAS_NO_SATISFECHAS",
            "No se puede iniciar METROLOGIA en spool '%s': falta ARM completado (Armado debe "
            "finalizar antes de metrología)" % fresh)
        ad = self.pools["arm_done"][0]
        r = self.metro(ad, METROLOGO, "APROBADO")
        self.assertErrorBody(
            r, 400, "DEPENDENCIAS_NO_SATISFECHAS",
            "No se puede iniciar METROLOGIA en spool '%s': falta SOLD completado (Soldadura debe "
            "finalizar antes de metrología)" % ad,
            data={"tag_spool": ad, "operacion": "METROLOGIA",
                  "dependencia_faltante": "SOLD completado"})

        occ = self.occupied_done
        r = self.metro(occ, METROLOGO, "APROBADO")
        self.assertErrorBody(
            r, 409, "SPOOL_OCCUPIED",
            "El spool '%s' ya está ocupado por MR(93) (ID: 93). Espera a que termine o elige "
            "otro spool." % occ,
            data={"tag_spool": occ, "owner_id": 93, "owner_name": "MR(93)"})

        for kind in ("approved", "rejected", "blocked"):
            t = self.pools[kind][0]
            with self.subTest(kind=kind):
                r = self.metro(t, METROLOGO, "APROBADO")
                self.assertErrorBody(
                    r, 400, "OPERACION_YA_COMPLETADA",
                    "La operación METROLOGIA del spool '%s' ya fue completada. Contacta al "
                    "administrador si necesitas hacer correcciones." % t,
                    data={"tag_spool": t, "operacion": "METROLOGIA"})

        r = self.metro(sd, 999, "APROBADO")
        self.assertErrorBody(r, 404, "WORKER_NO_ENCONTRADO",
                             "Trabajador '999' no encontrado o inactivo")
        r = self.metro(sd, INACTIVE, "APROBADO")
        self.assertErrorBody(r, 404, "WORKER_NO_ENCONTRADO")
        r = self.metro("NO-EXISTE-M1", METROLOGO, "APROBADO")
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO",
                             "Spool 'NO-EXISTE-M1' no encontrado en hoja Operaciones",
                             data={"tag_spool": "NO-EXISTE-M1"})
        for body in ({"tag_spool": sd, "worker_id": METROLOGO, "resultado": "aprobado"},
                     {"tag_spool": sd, "worker_id": METROLOGO, "resultado": "MAYBE"},
                     {"tag_spool": sd, "worker_id": METROLOGO},
                     {"tag_spool": sd, "worker_id": 0, "resultado": "APROBADO"},
                     {"tag_spool": sd, "worker_id": METROLOGO, "resultado": "APROBADO", "x": 1}):
            with self.subTest(body=body):
                r = self.server.post("/api/metrologia/completar", json_body=body)
                self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        r = self.metro(sd, METROLOGO, "APROBADO", worker_nombre="XX(117)")
        self.assertErrorBody(r, 400, "WORKER_NOMBRE_NO_COINCIDE")
        self.assertEqual(self.new_events(), [], "refused inspections wrote events")
        self.assertIn(sd, self.metro_queue())

    # -- reparación errors -------------------------------------------------------------------
    def test_reparacion_errors(self):
        self.new_events()
        for kind in ("sold_done", "approved", "fresh"):
            t = self.pools[kind][0]
            with self.subTest(kind=kind):
                r = self.rep("tomar", t, ARMADOR)
                self.assertErrorBody(r, 400, "OPERACION_NO_DISPONIBLE",
                                     "Solo spools RECHAZADOS pueden ser reparados",
                                     data={"tag_spool": t, "operacion": "REPARACION"})

        blocked = self.pools["blocked"][0]
        r = self.rep("tomar", blocked, SOLDADOR)
        self.assertErrorBody(r, 403, "SPOOL_BLOQUEADO",
                             "Spool bloqueado después de 3 rechazos. Contactar supervisor.")

        t = self.pop("rejected")
        cycle = self.detail(t)["cycle"]
        # not started: pausar / completar → 403 (not the holder), cancelar → 400
        for verb in ("pausar", "completar"):
            r = self.rep(verb, t, ARMADOR)
            self.assertErrorBody(r, 403, "NO_AUTORIZADO")
        r = self.rep("cancelar", t, ARMADOR)
        self.assertErrorBody(
            r, 400, "OPERACION_NO_INICIADA",
            "No se puede completar REPARACION en spool '%s': la operación no ha sido iniciada" % t,
            data={"tag_spool": t, "operacion": "REPARACION"})

        # roles: REPARACION needs Armador or Soldador
        for wid, roles in ((AYUDANTE, "Ayudante"), (METROLOGO, "Metrologia")):
            with self.subTest(worker=wid):
                r = self.rep("tomar", t, wid)
                self.assertErrorBody(
                    r, 403, "ROL_NO_AUTORIZADO",
                    "Trabajador %d no tiene el rol 'Armador o Soldador' necesario para realizar "
                    "la operación 'REPARACION'. Roles actuales: %s" % (wid, roles))

        # operacion other than REPARACION → 422, on every endpoint
        for verb in REPAIR_ENDPOINTS:
            for op in ("ARM", "SOLD", "METROLOGIA", "FOO", 7):
                with self.subTest(verb=verb, op=op):
                    r = self.rep(verb, t, ARMADOR, operacion=op)
                    j = self.assertErrorBody(r, 422, "VALIDATION_ERROR")
                    self.assertIn("operacion", j["message"])
            r = self.rep(verb, t, 999)
            self.assertErrorBody(r, 404, "WORKER_NO_ENCONTRADO",
                                 "Trabajador '999' no encontrado o inactivo")
            r = self.rep(verb, "NO-EXISTE-R1", ARMADOR)
            self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO",
                                 "Spool 'NO-EXISTE-R1' no encontrado en hoja Operaciones")
            r = self.server.post("/api/%s-reparacion" % verb,
                                 json_body={"tag_spool": t, "worker_id": ARMADOR, "foo": 1})
            self.assertErrorBody(r, 422, "VALIDATION_ERROR")
            r = self.rep(verb, t, ARMADOR, worker_nombre="JP(94)")
            self.assertErrorBody(r, 400, "WORKER_NOMBRE_NO_COINCIDE")
        self.assertEqual(self.new_events(), [], "refused repairs wrote events")
        self.assertIsNone(self.lock(t))

        # taken by MR(93): others cannot pause, complete or cancel it
        r = self.rep("tomar", t, ARMADOR, operacion="REPARACION", worker_nombre="MR(93)")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.new_events()), 1)
        for verb in ("pausar", "completar"):
            r = self.rep(verb, t, SOLDADOR)
            self.assertErrorBody(
                r, 403, "NO_AUTORIZADO",
                "Solo MR(93) puede completar %s en '%s' (él/ella la inició). Tú eres JR(103)."
                % (verb.upper(), t))
        r = self.rep("cancelar", t, SOLDADOR)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.new_events(), [])

        # the holder cancels: back to RECHAZADO with the same cycle, lock released
        text = "RECHAZADO (Ciclo %d/3) - Pendiente reparación" % cycle
        r = self.rep("cancelar", t, ARMADOR)
        self.assertOk(r, {"success": True, "message": "Reparación cancelada para spool %s" % t,
                          "tag_spool": t, "estado_detalle": text})
        self.assertOneEvent(t, "CANCELAR_REPARACION", ARMADOR, "REPARACION", "CANCELAR",
                            '{"cycle": %d, "max_cycles": 3, "state": "rechazado"}' % cycle)
        self.assertIsNone(self.lock(t))
        d = self.detail(t)
        self.assertEqual((d["estado_detalle"], d["ocupado_por"], d["reparacion"]),
                         (text, None, "rechazado"))

        # a paused repair may be cancelled by any qualified worker
        r = self.rep("tomar", t, ARMADOR)
        self.assertEqual(r.status, 200, r)
        r = self.rep("pausar", t, ARMADOR)
        self.assertEqual(r.status, 200, r)
        self.new_events()
        r = self.rep("cancelar", t, SOLDADOR)
        self.assertOk(r, {"success": True, "message": "Reparación cancelada para spool %s" % t,
                          "tag_spool": t, "estado_detalle": text})
        self.assertOneEvent(t, "CANCELAR_REPARACION", SOLDADOR, "REPARACION", "CANCELAR",
                            '{"cycle": %d, "max_cycles": 3, "state": "rechazado"}' % cycle)
        self.assertIn(t, self.repair_list())


if __name__ == "__main__":
    unittest.main(verbosity=2)
