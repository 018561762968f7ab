#!/usr/bin/env python3
"""GET /api/dashboard/pd-hoy, the wall dashboard's "PD hoy": the sum of DN_UNION over the unions
whose ARM (resp. SOLD) was registered today in the plant's zone, whoever registered them, with
how many unions that is; its body is exactly the documented schema.

The plant is written as CSV by this file (Operaciones with the v4 columns, Uniones with work
registered yesterday late and today early, plant time) and imported with `zeues import`; then
FINALIZAR requests register more work and the figure must follow at once."""
import csv
import datetime
import os
import sys
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Redis, Server, ZeuesTestCase, assert_routed, import_dir, make_tempdir  # noqa: E402
from test_openapi import Validator, load_doc  # noqa: E402

TZ = "America/Santiago"
OP_HEADERS = ["NV", "OT", "TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador",
              "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion",
              "Estado_Detalle", "Total_Uniones", "Uniones_ARM_Completadas",
              "Uniones_SOLD_Completadas", "Pulgadas_ARM", "Pulgadas_SOLD", "Notas"]
UN_HEADERS = ["ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION", "ARM_FECHA_INICIO",
              "ARM_FECHA_FIN", "ARM_WORKER", "SOL_FECHA_INICIO", "SOL_FECHA_FIN", "SOL_WORKER",
              "NDT_UNION", "R_NDT_UNION", "NDT_FECHA", "NDT_STATUS", "version"]
WORKERS = [(93, "Mauricio", "Rodriguez", "Armador"), (94, "Nicolás", "Rodríguez", "Soldador")]


def plant_now():
    return datetime.datetime.now(zoneinfo.ZoneInfo(TZ))


def dmy_hms(d, hms):
    return d.strftime("%d-%m-%Y ") + hms


def write_plant(d, today):
    yesterday = today - datetime.timedelta(days=1)
    late = dmy_hms(yesterday, "23:59:59")   # yesterday, plant time: never today's PD
    early = dmy_hms(today, "00:00:01")      # today, plant time
    # (tag, OT, [(dn, tipo, arm_fin, arm_worker, sol_fin, sol_worker), ...])
    spools = [
        ("PD-DONE-01", "501", [(3, "BW", late, "MR(93)", late, "NR(94)"),
                               (1.25, "BW", early, "MR(93)", early, "NR(94)"),
                               (2, "MIT", early, "MR(93)", "", "")]),
        ("PD-FLOW-01", "502", [(2, "BW", "", "", "", ""), (2.5, "SO", "", "", "", ""),
                               (4, "FW", "", "", "", ""), (0.75, "BR", "", "", "", "")]),
    ]
    with open(os.path.join(d, "Operaciones.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(OP_HEADERS)
        for tag, ot, unions in spools:
            w.writerow(["NV1", ot, tag, "05-01-2026", "", "", "", "", "", "", "", "",
                        str(len(unions)), "0", "0", "0", "0", ""])
    with open(os.path.join(d, "Uniones.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(UN_HEADERS)
        for tag, ot, unions in spools:
            for n, (dn, tipo, arm_fin, arm_w, sol_fin, sol_w) in enumerate(unions, 1):
                w.writerow(["%s+%d" % (ot, n), ot, n, tag, dn, tipo, arm_fin, arm_fin, arm_w,
                            sol_fin, sol_fin, sol_w, "", "", "", "", "v4.0"])
    with open(os.path.join(d, "Trabajadores.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Nombre", "Apellido", "Activo"])
        for wid, n, a, _ in WORKERS:
            w.writerow([wid, n, a, "TRUE"])
    with open(os.path.join(d, "Roles.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Rol", "Activo"])
        for wid, _, _, rol in WORKERS:
            w.writerow([wid, rol, "TRUE"])


class PdHoy(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        harness.wait_past_midnight()  # its checks compare dates with "today" there
        cls.tmp = make_tempdir()
        try:
            cls.today = plant_now().date()
            plant = os.path.join(cls.tmp, "plant")
            os.makedirs(plant)
            write_plant(plant, cls.today)
            cls.redis = Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            import_dir(cls.db, plant)
            cls.server = Server(db=cls.db, redis_url=cls.redis.url, workdir=cls.tmp,
                                env={"ZEUES_COMPAT": "v5", "TIMEZONE": TZ}).start()
        except Exception:
            cls._teardown_stack(check=False)
            raise
        doc = load_doc()
        cls.v = Validator(doc)
        cls.schema = doc["paths"]["/api/dashboard/pd-hoy"]["get"]["responses"]["200"][
            "content"]["application/json"]["schema"]

    def pd_hoy(self):
        assert_routed(self, self.server, "GET", "/api/dashboard/pd-hoy")
        r = self.server.get("/api/dashboard/pd-hoy")
        self.assertEqual(r.status, 200, r)
        self.v.check(r.json, self.schema)
        self.assertEqual(r.json["fecha"], self.today.strftime("%d-%m-%Y"))
        return r.json

    def ok(self, r):
        self.assertEqual(r.status, 200, r)
        return r.json

    def finalizar(self, tag, worker, op, ns):
        self.ok(self.server.post("/api/v4/occupation/iniciar", json_body={
            "tag_spool": tag, "worker_id": worker, "operacion": op}))
        ids = {u["n_union"]: u["id"] for u in
               self.ok(self.server.get("/api/v4/uniones/%s/todas" % tag))["unions"]}
        return self.ok(self.server.post("/api/v4/occupation/finalizar", json_body={
            "tag_spool": tag, "worker_id": worker, "operacion": op,
            "selected_unions": [ids[n] for n in ns]}))

    def test_the_day_follows_the_unions_registered_today(self):
        # Imported work: only the unions finished today (plant time) count; 23:59:59 of
        # yesterday does not, 00:00:01 of today does.
        self.assertEqual(self.pd_hoy(), {"fecha": self.today.strftime("%d-%m-%Y"),
                                         "arm": 3.25, "sold": 1.25,
                                         "uniones_arm": 2, "uniones_sold": 1})
        # ARM of three unions of another spool now (a pause: one is left)...
        self.assertEqual(self.finalizar("PD-FLOW-01", 93, "ARM", [1, 2, 3])["action_taken"], "PAUSAR")
        d = self.pd_hoy()
        self.assertEqual((d["arm"], d["uniones_arm"]), (3.25 + 8.5, 5))
        self.assertEqual((d["sold"], d["uniones_sold"]), (1.25, 1))
        # ...the last one, then SOLD of the two unions that need it and are armed (the FW is
        # ARM-only): each request moves the figure of its own operation only.
        self.assertEqual(self.finalizar("PD-FLOW-01", 93, "ARM", [4])["action_taken"], "COMPLETAR")
        d = self.pd_hoy()
        self.assertEqual((d["arm"], d["uniones_arm"]), (12.5, 6))
        self.assertEqual(self.finalizar("PD-FLOW-01", 94, "SOLD", [1, 2])["action_taken"], "PAUSAR")
        d = self.pd_hoy()
        self.assertEqual((d["arm"], d["uniones_arm"]), (12.5, 6))
        self.assertEqual((d["sold"], d["uniones_sold"]), (1.25 + 4.5, 3))


if __name__ == "__main__":
    unittest.main()
