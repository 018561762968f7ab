#!/usr/bin/env python3
"""Contract of the read endpoints against the fixture plant (tests/fixtures/plant).

The expected objects below are written by hand from the fixture rows and the rules of SPEC.md
("Lists") and api-v3.md §1.5/§2.1-2.4; they are not computed by re-implementing the server.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

T = "MK-1335-CW-25238-0"


def tag(n):
    return "%s%02d" % (T, n)


SPOOL_KEYS = ["tag_spool", "nv", "arm", "sold", "fecha_materiales", "fecha_armado",
              "fecha_soldadura", "fecha_qc_metrologia", "armador", "soldador", "proyecto",
              "ocupado_por", "fecha_ocupacion", "version", "estado_detalle", "operacion_actual",
              "arm_estado", "sold_estado", "metrologia", "reparacion", "cycle", "bloqueado"]
# The keys of the current app's Spool object (api-v4v5 §2.4), after the v3 ones: one object
# serves both apps.
V4_KEYS = ["ot", "total_uniones", "uniones_arm_completadas", "uniones_sold_completadas",
           "pulgadas_arm", "pulgadas_sold"]


def S(n, nv, arm="PENDIENTE", sold="PENDIENTE", fm=None, fa=None, fs=None, fq=None,
      armador=None, soldador=None, ocupado=None, focup=None, version=0, estado=None, op=None,
      arm_e="pendiente", sold_e="pendiente", met=None, rep=None, cycle=0, bloq=False):
    vals = [tag(n), nv, arm, sold, fm, fa, fs, fq, armador, soldador, None, ocupado, focup,
            version, estado, op, arm_e, sold_e, met, rep, cycle, bloq]
    return dict(zip(SPOOL_KEYS, vals))


DONE3 = dict(arm="COMPLETADO", sold="COMPLETADO", fm="2026-01-02", fa="2026-01-06",
             fs="2026-01-14", arm_e="completado", sold_e="completado")

EXPECTED = {s["tag_spool"]: s for s in [
    S(1, "001"),
    S(2, "001", fm="2026-01-15"),                      # DD-MM-YYYY
    S(3, "002", fm="2026-01-16"),                      # DD/MM/YYYY
    S(4, "002", fm="2026-01-17"),                      # YYYY-MM-DD
    S(5, "003", fm="2025-01-21"),                      # spreadsheet serial 45678
    S(6, "003", arm="EN_PROGRESO", fm="2026-01-10", armador="MR(93)", version=2,
      estado="Disponible - ARM pausado, SOLD pendiente", arm_e="pausado"),
    S(7, "004", arm="EN_PROGRESO", fm="2026-01-10", armador="MR(93)", ocupado="MR(93)",
      focup="21-01-2026 14:30:00", version=3,
      estado="MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", op="ARM",
      arm_e="en_progreso"),
    S(8, "004", arm="COMPLETADO", fm="2026-01-05", fa="2026-01-12", armador="NR(94)", version=4,
      estado="Disponible - ARM completado, SOLD pendiente", arm_e="completado"),
    S(9, "005", arm="COMPLETADO", sold="EN_PROGRESO", fm="2026-01-05", fa="2026-01-12",
      armador="MR(93)", soldador="NR(94)", version=5,
      estado="Disponible - ARM completado, SOLD pausado", arm_e="completado", sold_e="pausado"),
    S(10, "005", arm="COMPLETADO", sold="EN_PROGRESO", fm="2026-01-05", fa="2026-01-12",
      armador="MR(93)", soldador="MR(93)", ocupado="MR(93)", focup="22-01-2026 09:05:00",
      version=6, estado="MR(93) trabajando SOLD (ARM completado, SOLD en progreso)", op="SOLD",
      arm_e="completado", sold_e="en_progreso"),
    S(11, "006", armador="JP(96)", soldador="NR(94)", version=7,
      estado="Disponible - ARM completado, SOLD completado", **DONE3),
    S(12, "006", fq="2026-01-20", armador="JP(96)", soldador="NR(94)", version=8,
      estado="METROLOGIA_APROBADO ✓", met="APROBADO", **DONE3),
    S(13, "007", fq="2026-01-19", armador="JP(96)", soldador="NR(94)", version=9,
      estado="RECHAZADO (Ciclo 1/3) - Pendiente reparación", met="RECHAZADO", rep="rechazado",
      cycle=1, **DONE3),
    S(14, "007", fq="2026-01-19", armador="MR(93)", soldador="MR(93)", version=10,
      estado="RECHAZADO (Ciclo 2/3) - Pendiente reparación", met="RECHAZADO", rep="rechazado",
      cycle=2, **DONE3),
    S(15, "008", fq="2026-01-18", armador="MR(93)", soldador="MR(93)", version=11,
      estado="BLOQUEADO - Contactar supervisor", met="RECHAZADO", rep="bloqueado", cycle=3,
      bloq=True, **DONE3),
    S(16, "008", arm="EN_PROGRESO", fm="2026-01-11", armador="JP(96)", version=1,
      estado="Disponible - ARM pausado, SOLD pendiente", arm_e="pausado"),
    # Fecha_Ocupacion was written as 2026-01-23T11:00:00Z: 08:00 in Santiago (UTC-3 in January).
    S(17, "009", arm="EN_PROGRESO", fm="2026-01-11", armador="MR(93)", ocupado="NR(94)",
      focup="23-01-2026 08:00:00", version=2,
      estado="NR(94) trabajando ARM (ARM en progreso, SOLD pendiente)", op="ARM",
      arm_e="en_progreso"),
    S(18, "009", fq="2026-01-19", armador="MR(93)", soldador="NR(94)", version=12,
      estado="REPARACION_PAUSADA (Ciclo 1/3)", met="RECHAZADO", rep="reparacion_pausada",
      cycle=1, **DONE3),
    S(19, "010", fq="2026-01-19", armador="MR(93)", soldador="NR(94)", ocupado="JP(96)",
      focup="22-01-2026 10:00:00", version=13,
      estado="EN_REPARACION (Ciclo 2/3) - Ocupado: JP(96)", op="REPARACION", met="RECHAZADO",
      rep="en_reparacion", cycle=2, **DONE3),
    S(20, "010", armador="MR(93)", soldador="NR(94)", version=14, estado="PENDIENTE_METROLOGIA",
      met="RECHAZADO", rep="pendiente_metrologia", **DONE3),
    S(21, "NV-ñ 11", fm="2026-01-20"),
    S(22, "011", fm="2026-01-05"),                     # 5/1/2026: single-digit day and month
    S(23, "012", arm="COMPLETADO", sold="COMPLETADO", fm="2025-12-01", fa="2025-12-03",
      fs="2025-12-08", armador="ÉN(97)", soldador="NR(94)", arm_e="completado",
      sold_e="completado"),                            # serial 45999; no Estado_Detalle
    S(24, "012", fm="2026-01-20"),                     # UUID version -> 0
    S(25, "013", arm="EN_PROGRESO", sold="EN_PROGRESO", fm="2026-01-05", armador="MR(93)",
      soldador="NR(94)", ocupado="NR(94)", focup="22-01-2026 16:45:10", version=3,
      estado="NR(94) trabajando SOLD (ARM pausado, SOLD en progreso)", op="SOLD",
      arm_e="pausado", sold_e="en_progreso"),
    S(26, None, fm="2025-11-08"),                      # 08-Nov-2025, empty NV
]}
assert len(EXPECTED) == 26

LIST_INICIAR = {
    "ARM": ([2, 3, 4, 5, 6, 16, 21, 22, 24, 26],
            "ARM - Fecha_Materiales llena Y ARM no completado Y no ocupado"),
    "SOLD": ([6, 8, 9, 16], "SOLD - ARM iniciado Y SOLD no completado Y no ocupado"),
    "METROLOGIA": ([11, 20, 23],
                   "METROLOGIA - ARM y SOLD completados Y Fecha_QC_Metrología vacía Y no ocupado"),
    "REPARACION": ([13, 14, 18], "REPARACION - RECHAZADO o REPARACION_PAUSADA Y no ocupado"),
}

WORKER_KEYS = ["id", "nombre", "apellido", "rol", "roles", "activo", "nombre_completo"]


def W(i, nombre, apellido, roles, display):
    return dict(zip(WORKER_KEYS, [i, nombre, apellido, "Ayudante", roles, True, display]))


WORKERS = [
    W(93, "Mauricio", "Rodriguez", ["Soldador", "Armador"], "MR(93)"),
    W(94, "Nicolás", "Rodríguez", ["Soldador", "Ayudante"], "NR(94)"),
    W(95, "María José", "García", ["Metrologia"], "MG(95)"),
    W(96, "Juan Carlos", "Pérez López", ["Armador", "Revestimiento"], "JP(96)"),  # Soldador row inactive
    W(97, "Érika", "Núñez", ["Metrologia", "Ayudante"], "ÉN(97)"),
    # 98 Pedro Soto: Activo FALSE -> absent
    W(99, "álvaro", "ñuñoa", ["Armador"], "ÁÑ(99)"),
    W(100, "Carlos", "Muñoz", [], "CM(100)"),                                     # Activo "true"
    # 101 Luis Vera: Activo empty -> absent
]

REPAIR_KEYS = ["tag_spool", "estado_detalle", "fecha_rechazo", "cycle", "bloqueado", "nv",
               "ocupado_por"]


def R(n, estado, fecha, cycle, bloq, nv, ocupado=None):
    return dict(zip(REPAIR_KEYS, [tag(n), estado, fecha, cycle, bloq, nv, ocupado]))


def q(**params):
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ReadContract(ZeuesTestCase):

    def get_ok(self, path):
        r = self.server.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("content-type"), "application/json", r)
        # Compact encoding, raw UTF-8 (api-v3 §1.1): the body is exactly the compact dump.
        self.assertEqual(r.body, compact(r.json), "body is not compact JSON with raw UTF-8")
        return r.json

    def assertSpool(self, got):
        t = got.get("tag_spool")
        self.assertIn(t, EXPECTED)
        self.assertEqual(list(got.keys()), SPOOL_KEYS + V4_KEYS, t)
        self.assertEqual({k: got[k] for k in SPOOL_KEYS}, EXPECTED[t], t)

    def assertSpoolList(self, body, tags, label):
        self.assertEqual(list(body.keys()), ["spools", "total", "filtro_aplicado"])
        self.assertEqual([s["tag_spool"] for s in body["spools"]], [tag(n) for n in tags])
        self.assertEqual(body["total"], len(tags))
        self.assertEqual(body["filtro_aplicado"], label)
        for s in body["spools"]:
            self.assertSpool(s)

    # -- root, health ------------------------------------------------------------------------
    def test_root(self):
        body = self.get_ok("/")
        self.assertEqual(list(body.items()), [
            ("message", "ZEUES API - Manufacturing Traceability System"),
            ("version", "1.0.0"), ("docs", "/api/docs"), ("redoc", "/api/redoc"),
            ("health", "/api/health"), ("app", "/app/index.html"),
            ("dashboard", "/app/dashboard.html")])

    def test_health(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        body = self.get_ok("/api/health")
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertEqual(list(body.keys()), ["status", "timestamp", "environment",
                                             "sheets_connection", "version", "store",
                                             "store_backend", "store_stats", "redis",
                                             "uptime_seconds", "sheets", "auth",
                                             "instance"])
        self.assertEqual(body["status"], "healthy")
        self.assertEqual(body["environment"], "blackbox")
        self.assertEqual(body["sheets_connection"], "ok")
        self.assertEqual(body["version"], "1.0.0")
        self.assertEqual(body["store"], "ok")
        self.assertEqual(body["store_backend"], harness.STORE)  # the backend it runs on
        self.assertEqual(body["redis"], "ok")
        self.assertEqual(body["auth"], "off")
        # No --instance: the origin of its lock tokens (hex digits).
        self.assertRegex(body["instance"], r"^[0-9a-f]{8,}$")
        self.assertEqual(body["sheets"], {"state": "off"})  # no --sheets-key / --sheet-id
        m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,6})?Z", body["timestamp"])
        self.assertIsNotNone(m, body["timestamp"])
        ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc)
        self.assertTrue(before - datetime.timedelta(seconds=1) <= ts <= after, body["timestamp"])
        self.assertIsInstance(body["uptime_seconds"], int)
        self.assertTrue(0 <= body["uptime_seconds"] < 600, body)

    def test_redis_health(self):
        body = self.get_ok("/api/redis-health")
        self.assertEqual(list(body.keys()), ["status", "message", "operational", "version",
                                             "connected_clients", "used_memory_human",
                                             "uptime_in_seconds"])
        self.assertEqual(body["status"], "healthy")
        self.assertEqual(body["message"], "Redis connected and responding")
        self.assertIs(body["operational"], True)
        ver = subprocess.run([harness.REDIS_BIN, "--version"], stdout=subprocess.PIPE,
                             encoding="utf-8").stdout
        self.assertEqual(body["version"], re.search(r"v=(\S+)", ver).group(1))
        self.assertIsInstance(body["connected_clients"], int)
        self.assertGreaterEqual(body["connected_clients"], 1)
        self.assertRegex(body["used_memory_human"], r"^\d+(\.\d+)?[BKMG]$")
        self.assertIsInstance(body["uptime_in_seconds"], int)
        self.assertGreaterEqual(body["uptime_in_seconds"], 0)

    # -- workers -------------------------------------------------------------------------------
    def test_workers_exact(self):
        body = self.get_ok("/api/workers")
        self.assertEqual(list(body.keys()), ["workers", "total"])
        for w in body["workers"]:
            self.assertEqual(list(w.keys()), WORKER_KEYS, w)
        self.assertEqual(body["workers"], WORKERS)
        self.assertEqual(body["total"], len(WORKERS))

    def test_workers_only_active(self):
        ids = [w["id"] for w in self.get_ok("/api/workers")["workers"]]
        self.assertNotIn(98, ids)   # Activo FALSE
        self.assertNotIn(101, ids)  # Activo empty
        self.assertIn(100, ids)     # Activo "true" (case-insensitive)

    def test_workers_nombre_completo_derivation(self):
        # First letter of the first word of Nombre and of Apellido, upper-cased (accents kept).
        by_id = {w["id"]: w for w in self.get_ok("/api/workers")["workers"]}
        self.assertEqual(by_id[95]["nombre_completo"], "MG(95)")    # "María José" "García"
        self.assertEqual(by_id[96]["nombre_completo"], "JP(96)")    # "Juan Carlos" "Pérez López"
        self.assertEqual(by_id[97]["nombre_completo"], "ÉN(97)")    # accented capital kept
        self.assertEqual(by_id[99]["nombre_completo"], "ÁÑ(99)")    # lower-case accents upper-cased

    # -- spool lists ---------------------------------------------------------------------------
    def test_iniciar_each_operation(self):
        for op, (tags, label) in LIST_INICIAR.items():
            with self.subTest(op=op):
                self.assertSpoolList(self.get_ok("/api/spools/iniciar?" + q(operacion=op)),
                                     tags, label)

    def test_iniciar_operacion_is_case_insensitive(self):
        tags, label = LIST_INICIAR["ARM"]
        self.assertSpoolList(self.get_ok("/api/spools/iniciar?operacion=arm"), tags, label)
        tags, label = LIST_INICIAR["SOLD"]
        self.assertSpoolList(self.get_ok("/api/spools/iniciar?operacion=Sold"), tags, label)

    def test_iniciar_rules(self):
        arm = [s["tag_spool"] for s in self.get_ok("/api/spools/iniciar?operacion=ARM")["spools"]]
        sold = [s["tag_spool"] for s in self.get_ok("/api/spools/iniciar?operacion=SOLD")["spools"]]
        self.assertNotIn(tag(1), arm, "no Fecha_Materiales")
        self.assertIn(tag(6), arm, "ARM paused (Armador set, not occupied) can be taken")
        self.assertNotIn(tag(7), arm, "occupied")
        self.assertNotIn(tag(8), arm, "ARM completed")
        self.assertIn(tag(6), sold, "SOLD may start on an initiated (paused) ARM")
        self.assertNotIn(tag(2), sold, "ARM not initiated")
        self.assertNotIn(tag(25), sold, "occupied")
        self.assertIn(tag(9), sold, "SOLD paused")

    def test_completar_lists(self):
        cases = [("ARM", "MR(93)", [7]), ("SOLD", "MR(93)", [10]), ("ARM", "NR(94)", [17]),
                 ("SOLD", "NR(94)", [25]), ("REPARACION", "JP(96)", [19]),
                 ("METROLOGIA", "MR(93)", []), ("ARM", "MR(99)", []), ("ARM", "JP(96)", [])]
        for op, name, tags in cases:
            with self.subTest(op=op, worker=name):
                body = self.get_ok("/api/spools/completar?" + q(operacion=op, worker_nombre=name))
                self.assertSpoolList(body, tags, "%s - ocupado por %s" % (op, name))

    def test_cancelar_lists(self):
        cases = [("ARM", 93, [7]), ("SOLD", 93, [10]), ("ARM", 94, [17]), ("SOLD", 94, [25]),
                 ("REPARACION", 96, [19]), ("ARM", 96, []), ("SOLD", 96, []),
                 ("REPARACION", 93, [])]
        for op, wid, tags in cases:
            with self.subTest(op=op, worker=wid):
                body = self.get_ok("/api/spools/cancelar?" + q(operacion=op, worker_id=wid))
                self.assertSpoolList(body, tags, "%s - ocupado por worker_id=%d" % (op, wid))

    def test_reparacion_queue(self):
        body = self.get_ok("/api/spools/reparacion")
        self.assertEqual(list(body.keys()), ["spools", "total", "bloqueados", "filtro_aplicado"])
        for it in body["spools"]:
            self.assertEqual(list(it.keys()), REPAIR_KEYS, it)
        self.assertEqual(body["spools"], [
            R(13, "RECHAZADO (Ciclo 1/3) - Pendiente reparación", "2026-01-19", 1, False, "007"),
            R(14, "RECHAZADO (Ciclo 2/3) - Pendiente reparación", "2026-01-19", 2, False, "007"),
            R(15, "BLOQUEADO - Contactar supervisor", "2026-01-18", 3, True, "008"),
            R(18, "REPARACION_PAUSADA (Ciclo 1/3)", "2026-01-19", 1, False, "009"),
        ])
        self.assertEqual(body["total"], 4)
        self.assertEqual(body["bloqueados"], 1)
        self.assertEqual(body["filtro_aplicado"], "RECHAZADO + BLOQUEADO visibles (no ocupados)")

    def test_reparacion_by_worker(self):
        body = self.get_ok("/api/spools/reparacion?worker_id=96")
        self.assertEqual(body, {
            "spools": [R(19, "EN_REPARACION (Ciclo 2/3) - Ocupado: JP(96)", "2026-01-19", 2,
                         False, "010", "JP(96)")],
            "total": 1, "bloqueados": 0,
            "filtro_aplicado": "REPARACION - ocupados por el trabajador"})
        body = self.get_ok("/api/spools/reparacion?worker_id=93")
        self.assertEqual(body["spools"], [])
        self.assertEqual(body["total"], 0)

    # -- detail --------------------------------------------------------------------------------
    def test_detail_every_spool(self):
        for t, exp in EXPECTED.items():
            with self.subTest(tag=t):
                self.assertSpool(self.get_ok("/api/spools/detail?" + q(tag=t)))

    def test_detail_unknown_spool_404(self):
        r = self.server.get("/api/spools/detail?tag=NO-EXISTE-1")
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO",
                             "Spool 'NO-EXISTE-1' no encontrado en hoja Operaciones",
                             data={"tag_spool": "NO-EXISTE-1"})
        # Exact, case-sensitive lookup: a lower-cased tag is another spool.
        r = self.server.get("/api/spools/detail?" + q(tag=tag(2).lower()))
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO")

    # -- static files --------------------------------------------------------------------------
    def test_app_redirect(self):
        r = self.server.get("/app")
        self.assertEqual(r.status, 307)
        self.assertEqual(r.headers.get("location"), "/app/index.html")

    def test_app_files_served(self):
        for name in ("index.html", "dashboard.html"):
            with self.subTest(file=name):
                r = self.server.get("/app/" + name)
                self.assertEqual(r.status, 200, r)
                self.assertTrue(r.headers["content-type"].startswith("text/html"), r.headers)
                with open(os.path.join(harness.REPO, "web", name), "rb") as f:
                    self.assertEqual(r.body, f.read(), "served %s differs from web/%s "
                                     "(rebuild the binary?)" % (name, name))

    def test_app_etag_revalidation(self):
        r = self.server.get("/app/index.html")
        etag = r.headers.get("etag")
        self.assertTrue(etag, r.headers)
        r2 = self.server.get("/app/index.html", headers={"If-None-Match": etag})
        self.assertEqual(r2.status, 304)
        self.assertEqual(r2.body, b"")

    def test_app_unknown_file_404(self):
        r = self.server.get("/app/no-existe.js")
        self.assertErrorBody(r, 404, "NOT_FOUND", "Archivo 'no-existe.js' no encontrado")

    def test_app_traversal_never_serves_files(self):
        for path in ("/app/../etc/passwd", "/app/%2e%2e%2fsrc", "/app/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                     "/app/..%2fCMakeLists.txt", "/app/../../../../etc/passwd",
                     "/app/%2e%2e", "/app/.", "/app//etc/passwd", "/app/%2fetc%2fpasswd"):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertEqual(r.status, 404, r)
                self.assertEqual(r.json["error"], "NOT_FOUND", r)
                self.assertNotIn(b"root:", r.body)
                self.assertNotIn(b"cmake_minimum_required", r.body)
                self.assertNotIn(b"#include", r.body)

    def test_app_nul_byte_path_refused(self):
        # A percent-encoded NUL must not truncate the name: 'index.html\0.txt' is no file.
        r = self.server.get("/app/index.html%00.txt")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json and r.json.get("error"), "BAD_REQUEST", r)
        self.assertNotIn(b"<html", r.body)


class RedisOutage(ZeuesTestCase):
    """Health shapes while Redis is down, reads still served, and reconnection by itself."""

    def test_outage_and_recovery(self):
        self.redis.kill()
        r = self.server.get("/api/health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "degraded")
        self.assertEqual(r.json["redis"], "error")
        self.assertEqual(r.json["store"], "ok")
        r = self.server.get("/api/redis-health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json.keys()), ["status", "message", "operational"])
        self.assertEqual(r.json["status"], "unhealthy")
        self.assertTrue(r.json["message"].startswith("Redis not responding: "), r.json)
        self.assertIs(r.json["operational"], False)
        # Reads keep working without Redis.
        r = self.server.get("/api/workers")
        self.assertEqual((r.status, r.json["total"]), (200, len(WORKERS)))
        r = self.server.get("/api/spools/iniciar?operacion=ARM")
        self.assertEqual((r.status, r.json["total"]), (200, len(LIST_INICIAR["ARM"][0])))
        # Redis comes back on the same port: the server reconnects without help.
        self.redis.start()
        deadline = time.monotonic() + 10
        while True:
            body = self.server.get("/api/health").json
            if body["status"] == "healthy" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual((body["status"], body["redis"]), ("healthy", "ok"))
        self.assertEqual(self.server.get("/api/redis-health").json["operational"], True)


class RedisNeverThere(harness.CheckedTestCase):
    """Startup does not wait for Redis: a server whose Redis never answers starts and reports it."""

    def test_starts_without_redis(self):
        tmp = harness.make_tempdir()
        srv = harness.Server(redis_url="redis://127.0.0.1:%d" % harness.free_port(), workdir=tmp)
        try:
            t0 = time.monotonic()
            srv.start()
            self.assertLess(time.monotonic() - t0, 5.0, "startup blocked on Redis")
            r = srv.get("/api/health")
            self.assertEqual(r.status, 200)
            self.assertEqual((r.json["status"], r.json["redis"], r.json["store"]),
                             ("degraded", "error", "ok"))
            r = srv.get("/api/redis-health")
            self.assertEqual(r.json["status"], "unhealthy", r.json)
            self.assertIs(r.json["operational"], False)
            r = srv.get("/api/workers")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json, {"workers": [], "total": 0})
            self.assertEqual(srv.stop(), 0, srv.stderr_tail())
            self.assertEqual(srv.sanitizer_report(), "")
        finally:
            srv.kill()
            harness.remove_tempdir(tmp)


if __name__ == "__main__":
    unittest.main()
