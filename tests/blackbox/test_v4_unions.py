#!/usr/bin/env python3
"""The union flow of the current tablet app (api-v4v5 §2.1-§2.3, §2.8-§2.10) on the real binary,
with what the original lost kept: INICIAR takes the spool's lock (409 naming the holder, double
tap 200), FINALIZAR only by the occupant, union writes + counters + their Metadata events in
one transaction, union ids resolved within the request's spool (spools here share an OT), and
the metrología trigger fired by the request that completes the last union.

The plant is written as CSV by this file (Operaciones with the v4 columns, Uniones,
Trabajadores, Roles) and imported with `zeues import`."""
import csv
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Redis, Server, ZeuesTestCase, export_sheets, import_dir, make_tempdir  # noqa: E402

ORIGIN = "http://localhost:3000"

OP_HEADERS = ["id", "NV", "OT", "SPLIT", "TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador",
              "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion",
              "version", "Estado_Detalle", "Total_Uniones", "Uniones_ARM_Completadas",
              "Uniones_SOLD_Completadas", "Pulgadas_ARM", "Pulgadas_SOLD", "Notas"]
UN_HEADERS = ["ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION", "ARM_FECHA_INICIO",
              "ARM_FECHA_FIN", "ARM_WORKER", "SOL_FECHA_INICIO", "SOL_FECHA_FIN", "SOL_WORKER",
              "NDT_UNION", "R_NDT_UNION", "NDT_FECHA", "NDT_STATUS", "version"]

# (tag, OT, [(dn, tipo), ...]) — all free, materials in, nothing done yet.
SPOOLS = [
    ("U-FLOW-01", "001", [(2, "BW"), (2.5, "BW"), (3, "SO"), (1.5, "FILL"), (4, "BW"), (2, "BR"), (1, "SO"), (6, "BW")]),
    ("U-SHARE-A", "001", [(1, "BW"), (2, "BW"), (3, "BW")]),   # shares OT 001 with U-FLOW-01
    ("U-SHARE-B", "001", [(5, "BW"), (6, "BW"), (7, "BW")]),
    ("U-RACE-01", "002", [(2, "BW"), (2, "BW")]),
    ("U-OWNER-01", "003", [(2, "BW"), (2, "BW")]),
    ("U-OVER-01", "004", [(2, "BW"), (2, "BW")]),
    ("U-FW-01", "1234", [(2, "BW"), (1, "FW"), (3, "MIT")]),     # numeric OT, ARM-only types
    ("U-TRIG-01", "005", [(2, "BW"), (3, "FW")]),
    ("U-EDIT-01", "006", [(2, "BW"), (3, "SO")]),
    ("U-NOTE-01", "007", [(2, "BW")]),
    ("U-REG-01", "008", [(2.5, "BW"), (1.5, "SO")]),
    ("U-CANCEL-01", "009", [(2, "BW")]),
    ("V3-PLAIN-01", "010", []),
    ("U-MIREG-01", "011", [(2.5, "BW"), (1.5, "SO")]),                                   # a spool without unions
]
SPOOLS += [("U-BATCH-%03d" % i, "B%03d" % i, [(2, "BW")]) for i in range(110)]

WORKERS = [(93, "Mauricio", "Rodriguez", ["Armador", "Soldador"]),
           (94, "Nicolás", "Rodríguez", ["Soldador"]),
           (95, "María José", "García", ["Metrologia"]),
           (96, "Juan Carlos", "Pérez López", ["Armador"]),
           (97, "Ana", "Soto", ["Ayudante"])]
WORKERS += [(200 + i, "Armador%d" % i, "Prueba", ["Armador"]) for i in range(10)]


def write_plant(d):
    with open(os.path.join(d, "Operaciones.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(OP_HEADERS)
        for i, (tag, ot, unions) in enumerate(SPOOLS, 1):
            total = str(len(unions)) if unions else ""
            zero = "0" if unions else ""
            w.writerow([i, "NV%03d" % (i % 7), ot, "1", tag, "05-01-2026", "", "", "", "", "", "", "",
                        "", "", total, zero, zero, zero, zero, ""])
    with open(os.path.join(d, "Uniones.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(UN_HEADERS)
        k = 0
        for tag, ot, unions in SPOOLS:
            for n, (dn, tipo) in enumerate(unions, 1):
                k += 1
                w.writerow([k, ot, n, tag, dn, tipo, "", "", "", "", "", "", "", "", "", "", "v4.0"])
    with open(os.path.join(d, "Trabajadores.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Nombre", "Apellido", "Activo"])
        for wid, n, a, _ in WORKERS:
            w.writerow([wid, n, a, "TRUE"])
    with open(os.path.join(d, "Roles.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Rol", "Activo"])
        for wid, _, _, roles in WORKERS:
            for r in roles:
                w.writerow([wid, r, "TRUE"])


def iniciar(server, tag, worker, op="ARM", **kw):
    return server.post("/api/v4/occupation/iniciar",
                       json_body=dict({"tag_spool": tag, "worker_id": worker, "operacion": op}, **kw))


def finalizar(server, tag, worker, op="ARM", selected=(), **kw):
    body = {"tag_spool": tag, "worker_id": worker, "operacion": op, "selected_unions": list(selected)}
    body.update(kw)
    return server.post("/api/v4/occupation/finalizar", json_body=body)


class UnionFlow(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = make_tempdir()
        try:
            plant = os.path.join(cls.tmp, "plant")
            os.makedirs(plant)
            write_plant(plant)
            cls.redis = Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            import_dir(cls.db, plant)
            cls.server = Server(db=cls.db, redis_url=cls.redis.url, workdir=cls.tmp,
                                env={"ZEUES_COMPAT": "v5"}).start()
        except Exception:
            cls._teardown_stack(check=False)
            raise

    # -- helpers ------------------------------------------------------------------------------
    def ok(self, r):
        self.assertEqual(r.status, 200, r)
        return r.json

    def todas(self, tag):
        return self.ok(self.server.get("/api/v4/uniones/%s/todas" % tag))["unions"]

    def ids(self, tag, ns):
        by_n = {u["n_union"]: u["id"] for u in self.todas(tag)}
        return [by_n[n] for n in ns]

    def status(self, tag):
        return self.ok(self.server.get("/api/spool/%s/status" % tag))

    def lock(self, tag):
        return harness.spool_locks(self.redis).get(tag)

    def events(self, tag):
        _, meta = export_sheets(self.db)
        return [m for m in meta if m["tag_spool"] == tag]

    # -- INICIAR ------------------------------------------------------------------------------
    def test_iniciar_takes_the_lock_and_a_double_tap_changes_nothing(self):
        tag = "U-CANCEL-01"
        r = iniciar(self.server, tag, 93)
        body = self.ok(r)
        self.assertEqual(list(body)[:8], ["success", "tag_spool", "message", "action_taken",
                                          "unions_processed", "pulgadas", "metrologia_triggered",
                                          "new_state"])
        self.assertEqual(body["message"], "Spool %s iniciado por MR(93)" % tag)
        self.assertTrue(self.lock(tag).startswith("93:"), self.lock(tag))
        n_events = len(self.events(tag))
        self.ok(iniciar(self.server, tag, 93))          # double tap
        self.assertEqual(len(self.events(tag)), n_events)
        r = iniciar(self.server, tag, 96)
        self.assertErrorBody(r, 409, "SPOOL_OCCUPIED")
        self.assertIn("MR(93)", r.json["message"])
        st = self.status(tag)
        self.assertEqual((st["ocupado_por"], st["estado_trabajo"], st["operacion_actual"]),
                         ("MR(93)", "EN_PROGRESO", "ARM"))
        self.assertEqual(st["estado_detalle"], "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)")
        # CANCELADO: nothing selected, no override -> free again, lock gone, Armador cleared.
        body = self.ok(finalizar(self.server, tag, 93))
        self.assertEqual((body["action_taken"], body["unions_processed"], body["message"]),
                         ("CANCELADO", 0, "Trabajo cancelado - sin uniones seleccionadas"))
        self.assertIsNone(self.lock(tag))
        st = self.status(tag)
        self.assertEqual((st["ocupado_por"], st["estado_trabajo"]), (None, "LIBRE"))
        self.assertEqual(st["estado_detalle"], "Disponible - ARM pendiente, SOLD pendiente")

    def test_ten_workers_iniciar_the_same_spool_at_once(self):
        tag = "U-RACE-01"
        results = [None] * 10
        barrier = threading.Barrier(10)

        def go(i):
            barrier.wait()
            results[i] = iniciar(self.server, tag, 200 + i).status
        threads = [threading.Thread(target=go, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [200] + [409] * 9, results)
        holder = self.status(tag)["ocupado_por"]
        self.assertTrue(self.lock(tag).startswith(holder[holder.index("(") + 1:-1] + ":"))

    def test_roles_are_enforced(self):
        r = iniciar(self.server, "U-OVER-01", 95)   # Metrologia only
        self.assertErrorBody(r, 403, "ROL_NO_AUTORIZADO")
        self.assertIsNone(self.lock("U-OVER-01"))

    # -- FINALIZAR ----------------------------------------------------------------------------
    def test_finalizar_only_by_the_occupant(self):
        tag = "U-OWNER-01"
        self.ok(iniciar(self.server, tag, 93))
        before = self.events(tag)
        r = finalizar(self.server, tag, 96, selected=self.ids(tag, [1]))
        self.assertErrorBody(r, 403, "NO_AUTORIZADO")
        self.assertEqual(self.events(tag), before)
        self.assertEqual([u["arm_worker"] for u in self.todas(tag)], [None, None])
        self.ok(finalizar(self.server, tag, 93, selected=self.ids(tag, [1, 2])))

    def test_selecting_more_than_available_is_409_and_writes_nothing(self):
        tag = "U-OVER-01"
        self.ok(iniciar(self.server, tag, 96))
        self.ok(finalizar(self.server, tag, 96, selected=self.ids(tag, [1])))  # 1 of 2: PAUSAR
        self.ok(iniciar(self.server, tag, 96))
        before = (self.events(tag), self.todas(tag), self.status(tag)["uniones_arm_completadas"])
        r = finalizar(self.server, tag, 96, selected=self.ids(tag, [1, 2]))   # 1 is done already
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["error"], "RACE_CONDITION")
        self.assertEqual((self.events(tag), self.todas(tag), self.status(tag)["uniones_arm_completadas"]),
                         before)
        self.assertEqual(self.status(tag)["ocupado_por"], "JP(96)")  # still occupied, lock kept
        self.assertTrue(self.lock(tag).startswith("96:"))

    def test_partial_then_complete_with_counters_pd_and_events(self):
        tag = "U-FLOW-01"
        self.ok(iniciar(self.server, tag, 93))
        body = self.ok(finalizar(self.server, tag, 93, selected=self.ids(tag, [1, 2, 3])))
        self.assertEqual((body["action_taken"], body["unions_processed"], body["pulgadas"]),
                         ("PAUSAR", 3, 7.5))
        self.assertEqual(body["message"], "Trabajo pausado - 3 uniones procesadas")
        self.assertIsNone(self.lock(tag))
        st = self.status(tag)
        self.assertEqual((st["uniones_arm_completadas"], st["pulgadas_arm"], st["total_uniones"]),
                         (3, 7.5, 8))
        self.assertEqual(st["estado_detalle"], "ARM parcial 3/8 (pausado)")
        self.assertEqual(st["estado_trabajo"], "PAUSADO")
        done = [u for u in self.todas(tag) if u["arm_worker"]]
        self.assertEqual([(u["n_union"], u["arm_worker"]) for u in done],
                         [(1, "MR(93)"), (2, "MR(93)"), (3, "MR(93)")])
        evs = [e for e in self.events(tag) if e["evento_tipo"] == "UNION_ARM_REGISTRADA"]
        self.assertEqual(sorted(e.get("N_UNION", "") for e in evs), ["", "1", "2", "3"])
        spool_level = [e for e in evs if not e.get("N_UNION")][0]
        meta = json.loads(spool_level["metadata_json"])
        self.assertEqual((meta["union_count"], meta["pulgadas"]), (3, 7.5))

        # The rest: the request that completes the last union completes ARM.
        self.ok(iniciar(self.server, tag, 93))
        body = self.ok(finalizar(self.server, tag, 93, selected=self.ids(tag, [4, 5, 6, 7, 8])))
        self.assertEqual((body["action_taken"], body["unions_processed"]), ("COMPLETAR", 5))
        self.assertEqual(body["pulgadas"], 22.0)
        st = self.status(tag)
        self.assertEqual((st["uniones_arm_completadas"], st["estado_detalle"]),
                         (8, "ARM completado - Disponible"))
        self.assertIsNotNone(st["fecha_armado"])
        self.assertEqual(st["armador_display"], "Mauricio Rodriguez")
        ops, _ = export_sheets(self.db)
        self.assertEqual((ops[tag]["Uniones_ARM_Completadas"], ops[tag]["Pulgadas_ARM"]), ("8", "22"))

    def test_union_ids_are_resolved_within_the_spool(self):
        a, b = "U-SHARE-A", "U-SHARE-B"
        self.assertEqual(self.ids(a, [2]), self.ids(b, [2]))  # same OT, same wire id
        self.ok(iniciar(self.server, a, 96))
        self.ok(finalizar(self.server, a, 96, selected=["001+2"]))
        self.assertEqual([u["arm_worker"] for u in self.todas(a)], [None, "JP(96)", None])
        self.assertEqual([u["arm_worker"] for u in self.todas(b)], [None, None, None])
        self.assertEqual(self.status(b)["uniones_arm_completadas"], 0)

    def test_sold_needs_arm_and_arm_only_types_are_not_soldered(self):
        tag = "U-FW-01"   # BW, FW, MIT; OT 1234 (numeric)
        r = iniciar(self.server, tag, 94, op="SOLD")
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(self.lock(tag))
        self.ok(iniciar(self.server, tag, 93))
        self.assertEqual(self.ids(tag, [1, 2, 3]), ["1234+1", "1234+2", "1234+3"])
        body = self.ok(finalizar(self.server, tag, 93, selected=self.ids(tag, [1, 2, 3])))
        self.assertEqual(body["action_taken"], "COMPLETAR")
        disp = self.ok(self.server.get("/api/v4/uniones/%s/disponibles?operacion=SOLD" % tag))
        self.assertEqual([u["n_union"] for u in disp["unions"]], [1])   # FW and MIT need no SOLD
        self.ok(iniciar(self.server, tag, 94, op="SOLD"))
        r = finalizar(self.server, tag, 94, op="SOLD", selected=self.ids(tag, [2]))  # FW alone
        self.assertEqual(r.status, 400, r)
        # The app's "select all" sends the ARM-only unions too: they are left out, not counted.
        body = self.ok(finalizar(self.server, tag, 94, op="SOLD", selected=self.ids(tag, [1, 2, 3])))
        self.assertEqual((body["action_taken"], body["unions_processed"]), ("COMPLETAR", 1))
        self.assertEqual([u["sol_worker"] for u in self.todas(tag)], ["NR(94)", None, None])
        self.assertTrue(body["metrologia_triggered"])
        self.assertTrue(body["message"].endswith(" (Listo para metrología)"), body["message"])
        st = self.status(tag)
        self.assertEqual(st["estado_trabajo"], "PENDIENTE_METROLOGIA")
        r = self.server.get("/api/spools/iniciar?operacion=METROLOGIA")
        self.assertIn(tag, [s["tag_spool"] for s in self.ok(r)["spools"]])

    def test_the_metrologia_trigger_is_audited_with_the_last_union(self):
        tag = "U-TRIG-01"   # BW + FW
        self.ok(iniciar(self.server, tag, 93))
        self.ok(finalizar(self.server, tag, 93, selected=self.ids(tag, [1, 2])))
        self.ok(iniciar(self.server, tag, 94, op="SOLD"))
        body = self.ok(finalizar(self.server, tag, 94, op="SOLD", selected=self.ids(tag, [1])))
        self.assertTrue(body["metrologia_triggered"])
        tipos = [e["evento_tipo"] for e in self.events(tag)]
        self.assertIn("METROLOGIA_AUTO_TRIGGERED", tipos)
        self.assertLess(tipos.index("UNION_SOLD_REGISTRADA"), tipos.index("METROLOGIA_AUTO_TRIGGERED"))
        # The inspection itself now works on it.
        r = self.server.post("/api/metrologia/completar",
                             json_body={"tag_spool": tag, "worker_id": 95, "resultado": "APROBADO"})
        self.ok(r)

    def test_unknown_union_id_is_refused_and_writes_nothing(self):
        tag = "U-REG-01"
        self.ok(iniciar(self.server, tag, 96))
        before = self.events(tag)
        r = finalizar(self.server, tag, 96, selected=["008+9"])
        self.assertIn(r.status, (400, 404, 409), r)
        self.assertEqual(self.events(tag), before)
        self.ok(finalizar(self.server, tag, 96))   # CANCELADO frees it again

    def test_bad_finalizar_bodies_are_422(self):
        for body in ({"tag_spool": "U-REG-01", "worker_id": 96, "operacion": "ARM", "selected_unions": "x"},
                     {"tag_spool": "U-REG-01", "worker_id": 96, "operacion": "ARM", "action_override": "BORRAR"},
                     {"tag_spool": "U-REG-01", "worker_id": 96, "operacion": "ARM", "selected_unions": [1]},
                     {"tag_spool": "U-REG-01", "worker_id": 96, "operacion": "ARM",
                      "selected_unions": ["008+1", "008+1"]}):
            with self.subTest(body=body):
                r = self.server.post("/api/v4/occupation/finalizar", json_body=body)
                self.assertErrorBody(r, 422, "VALIDATION_ERROR")

    # -- unions editing ----------------------------------------------------------------------
    def test_guardar_creates_updates_deletes_and_protects_work(self):
        tag = "U-EDIT-01"
        body = self.ok(self.server.post("/api/v4/uniones/guardar", json_body={
            "tag_spool": tag, "unions": [{"n_union": 1, "dn_union": 2, "tipo_union": "BW"},
                                         {"n_union": 2, "dn_union": 4, "tipo_union": "SO"},
                                         {"n_union": 3, "dn_union": 1.5, "tipo_union": "LET"}]}))
        self.assertEqual((body["created"], body["updated"], body["deleted"], body["total_uniones"]),
                         (1, 1, 0, 3))
        self.assertEqual(body["created_ids"], [{"n_union": 3, "id": "006+3"}])
        self.assertEqual(body["message"], "Guardado: 1 creadas, 1 actualizadas, 0 eliminadas")
        self.assertEqual([(u["n_union"], u["dn_union"], u["tipo_union"]) for u in self.todas(tag)],
                         [(1, 2.0, "BW"), (2, 4.0, "SO"), (3, 1.5, "LET")])
        # Work on union 1, then try to change and to delete it.
        self.ok(iniciar(self.server, tag, 93))
        self.ok(finalizar(self.server, tag, 93, selected=self.ids(tag, [1])))
        r = self.server.post("/api/v4/uniones/guardar", json_body={
            "tag_spool": tag, "unions": [{"n_union": 1, "dn_union": 3, "tipo_union": "BW"}]})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json["message"], "No se puede modificar union 1 — tiene trabajo registrado")
        r = self.server.post("/api/v4/uniones/guardar", json_body={
            "tag_spool": tag, "unions": [{"n_union": 2, "dn_union": 4, "tipo_union": "SO"}]})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json["message"],
                         "No se puede eliminar unión 1 — tiene trabajo registrado (ARM/SOLD)")
        self.assertEqual(len(self.todas(tag)), 3)
        self.assertEqual(self.status(tag)["total_uniones"], 3)

    def test_guardar_rejects_bad_rows(self):
        for unions in ([], [{"n_union": 21}], [{"n_union": 1, "dn_union": 0}],
                       [{"n_union": 1, "dn_union": 51}], [{"n_union": 1, "tipo_union": "XX"}],
                       [{"n_union": 1}, {"n_union": 1}]):
            with self.subTest(unions=unions):
                r = self.server.post("/api/v4/uniones/guardar",
                                     json_body={"tag_spool": "U-EDIT-01", "unions": unions})
                self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        r = self.server.post("/api/v4/uniones/guardar",
                             json_body={"tag_spool": "NO-SUCH", "unions": [{"n_union": 1}]})
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO")

    def test_metricas_and_todas_shapes(self):
        m = self.ok(self.server.get("/api/v4/uniones/U-SHARE-B/metricas"))
        self.assertEqual(m, {"tag_spool": "U-SHARE-B", "total_uniones": 3, "arm_completadas": 0,
                             "sold_completadas": 0, "pulgadas_arm": 0.0, "pulgadas_sold": 0.0,
                             "uniones_arm_completadas": 0, "uniones_sold_completadas": 0})
        t = self.ok(self.server.get("/api/v4/uniones/NO-SUCH/todas"))
        self.assertEqual(t, {"tag_spool": "NO-SUCH", "unions": [], "total": 0})
        r = self.server.get("/api/v4/uniones/V3-PLAIN-01/metricas")
        self.assertErrorBody(r, 404, "NOT_FOUND")
        r = self.server.get("/api/v4/uniones/U-SHARE-B/disponibles?operacion=arm")
        self.assertErrorBody(r, 400, "BAD_REQUEST")

    # -- status -------------------------------------------------------------------------------
    def test_status_shape_and_batch_of_100(self):
        st = self.status("U-BATCH-000")
        self.assertEqual(list(st), ["tag_spool", "nv", "ocupado_por", "ocupado_por_display",
                                    "fecha_ocupacion", "estado_detalle", "total_uniones",
                                    "uniones_arm_completadas", "uniones_sold_completadas",
                                    "pulgadas_arm", "pulgadas_sold", "completion_history",
                                    "fecha_armado", "armador_display", "fecha_soldadura",
                                    "soldador_display", "operacion_actual", "estado_trabajo",
                                    "ciclo_rep"])
        self.assertEqual(st["estado_trabajo"], "LIBRE")
        tags = ["U-BATCH-%03d" % i for i in range(99)] + ["NO-SUCH-SPOOL"]
        body = self.ok(self.server.post("/api/spools/batch-status", json_body={"tags": tags}))
        self.assertEqual((body["total"], body["errors"]), (99, []))
        self.assertEqual([s["tag_spool"] for s in body["spools"]], tags[:99])
        r = self.server.post("/api/spools/batch-status", json_body={"tags": tags + ["X"]})
        self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        r = self.server.get("/api/spool/NO-SUCH/status")
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO")

    def test_parallel_batch_status_chunks(self):
        tags = ["U-BATCH-%03d" % i for i in range(110)]
        chunks = [tags[:100], tags[100:]]
        out = [None, None]

        def go(i):
            out[i] = self.server.post("/api/spools/batch-status", json_body={"tags": chunks[i]})
        ts = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual([o.json["total"] for o in out], [100, 10])

    # -- notas --------------------------------------------------------------------------------
    def test_notas_append_with_date_prefix_and_audit(self):
        tag = "U-NOTE-01"
        self.assertEqual(self.ok(self.server.get("/api/spool/%s/notas" % tag)),
                         {"tag_spool": tag, "nota": ""})
        a = self.ok(self.server.post("/api/spool/%s/notas" % tag, json_body={"texto": "  primera  "}))
        self.assertRegex(a["nota"], r"^\d{8}: primera$")
        b = self.ok(self.server.post("/api/spool/%s/notas" % tag,
                                     json_body={"worker_id": 93, "texto": "segunda"}))
        self.assertRegex(b["nota"], r"^\d{8}: primera\n\d{8}: segunda$")
        self.assertEqual(self.ok(self.server.get("/api/spool/%s/notas" % tag))["nota"], b["nota"])
        evs = [e for e in self.events(tag) if e["evento_tipo"] == "NOTAS_ACTUALIZADA"]
        self.assertEqual([e["worker_id"] for e in evs], ["0", "93"])
        for texto in ("   ", "", "x" * 501):
            r = self.server.post("/api/spool/%s/notas" % tag, json_body={"texto": texto})
            self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        r = self.server.post("/api/spool/NO-SUCH/notas", json_body={"texto": "hola"})
        self.assertErrorBody(r, 404, "SPOOL_NO_ENCONTRADO")

    # -- supervisor list and audit book -------------------------------------------------------
    def test_tracked_list_is_idempotent(self):
        s = {"session_id": "tab-1"}
        a = self.ok(self.server.post("/api/supervisor/list/add", json_body=dict(s, tag_spool=" U-BATCH-050 ")))
        self.assertEqual(a["item"]["tag_spool"], "U-BATCH-050")
        self.assertRegex(a["item"]["added_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
        self.ok(self.server.post("/api/supervisor/list/add", json_body=dict(s, tag_spool="U-BATCH-050")))
        self.ok(self.server.post("/api/supervisor/list/add", json_body=dict(s, tag_spool="U-BATCH-051")))
        items = self.ok(self.server.get("/api/supervisor/list"))["items"]
        self.assertEqual([i["tag_spool"] for i in items if i["tag_spool"].startswith("U-BATCH-05")],
                         ["U-BATCH-050", "U-BATCH-051"])
        r = self.ok(self.server.post("/api/supervisor/list/remove", json_body=dict(s, tag_spool="U-BATCH-051")))
        self.assertEqual(r, {"removed": True, "tag_spool": "U-BATCH-051"})
        r = self.ok(self.server.post("/api/supervisor/list/remove", json_body=dict(s, tag_spool="U-BATCH-051")))
        self.assertEqual(r, {"removed": False, "tag_spool": "U-BATCH-051"})
        r = self.server.post("/api/supervisor/list/add", json_body={"tag_spool": "X"})
        self.assertErrorBody(r, 422, "VALIDATION_ERROR")

    def test_audit_batch_dedupes_and_snapshot_is_written_once(self):
        ev = [{"id": "e-%d" % i, "timestamp": "2026-05-13T14:00:0%dZ" % i, "session_id": "tab-9",
               "event_type": "MODAL_OPEN", "modal": "uniones", "tag_spool": "U-FLOW-01",
               "payload_json": '{"a": 1}'} for i in range(3)]
        self.assertEqual(self.ok(self.server.post("/api/supervisor/audit/batch", json_body={"events": ev})),
                         {"appended": 3})
        self.assertEqual(self.ok(self.server.post("/api/supervisor/audit/batch", json_body={"events": ev})),
                         {"appended": 0})
        got = self.ok(self.server.get("/api/supervisor/audit?since=2026-05-13T14:00:01Z"))["events"]
        mine = [e for e in got if e["session_id"] == "tab-9"]
        self.assertEqual([e["id"] for e in mine], ["e-1", "e-2"])
        self.assertEqual(mine[0]["payload_json"], '{"a": 1}')
        self.assertEqual(mine[0]["timestamp"], "2026-05-13T10:00:01-04:00")  # UTC converted
        bad = dict(ev[0], event_type="HACK")
        r = self.server.post("/api/supervisor/audit/batch", json_body={"events": [bad]})
        self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        snap = {"snapshot_id": "snap-1", "raw": '[{"tag":"U-FLOW-01"}]', "user_agent": "tablet"}
        self.assertEqual(self.ok(self.server.post("/api/supervisor/legacy-snapshot", json_body=snap)),
                         {"snapshot_id": "snap-1", "written": True})
        self.assertEqual(self.ok(self.server.post("/api/supervisor/legacy-snapshot", json_body=snap)),
                         {"snapshot_id": "snap-1", "written": False})

    # -- edges --------------------------------------------------------------------------------
    def test_errors_carry_cors_for_the_app_origin(self):
        for method, path, body in (("POST", "/api/v4/occupation/iniciar", {"tag_spool": "NO-SUCH", "worker_id": 93, "operacion": "ARM"}),
                                   ("GET", "/api/spool/NO-SUCH/status", None),
                                   ("POST", "/api/spools/batch-status", {"tags": []})):
            with self.subTest(path=path):
                r = self.server.request(method, path, json_body=body, headers={"Origin": ORIGIN})
                self.assertGreaterEqual(r.status, 400, r)
                self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
                self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")

    def test_v5_arm_list_is_every_spool_that_can_be_added(self):
        tag = "U-TRIG-01"
        body = self.ok(self.server.get("/api/spools/iniciar?operacion=ARM"))
        self.assertEqual(body["filtro_aplicado"], "ARM - Fecha_Materiales llena Y Armador vacío")
        listed = [s["tag_spool"] for s in body["spools"]]
        occupied = [t for t in listed if self.status(t)["ocupado_por"]]
        self.assertEqual(occupied, [])
        self.assertIn("V3-PLAIN-01", listed)

    def test_union_flow_reaches_the_live_stream(self):
        from test_live_stream import open_stream
        tag = "U-BATCH-101"
        stream = open_stream(self.server)
        try:
            self.assertEqual(stream.status, 200)
            stream.wait_for(lambda s: False, 0.3)
            seen = len(stream.events())
            self.ok(iniciar(self.server, tag, 96))
            self.ok(finalizar(self.server, tag, 96, selected=self.ids(tag, [1])))
            got = stream.wait_for(lambda s: len([f for f in s.events()[seen:]
                                                 if f.json().get("tag_spool") == tag]) >= 2, 2.0)
            frames = [f.json() for f in stream.events()[seen:] if f.json().get("tag_spool") == tag]
            self.assertTrue(got, frames)
            self.assertEqual(frames[0]["worker_nombre"], "JP(96)")
            self.assertIn(frames[0]["type"], ("TOMAR", "INICIAR"))
        finally:
            stream.close()

    def test_mi_registro_of_today(self):
        tag = "U-MIREG-01"
        self.ok(iniciar(self.server, tag, 97))
        self.ok(finalizar(self.server, tag, 97, selected=self.ids(tag, [1, 2])))
        body = self.ok(self.server.get("/api/registro/97"))
        self.assertEqual(list(body), ["worker_id", "worker_nombre", "fecha", "resumen", "spools"])
        self.assertEqual((body["worker_id"], body["worker_nombre"]), (97, "AS(97)"))
        self.assertRegex(body["fecha"], r"^\d\d-\d\d-\d{4}$")
        mine = [g for g in body["spools"] if g["tag_spool"] == tag]
        self.assertEqual(len(mine), 1, body)
        g = mine[0]
        self.assertEqual((g["operacion"], g["pd_total"], g["otro_trabajador"]), ("ARM", 4.0, "Pendiente"))
        self.assertEqual([u["n_union"] for u in g["uniones"]], [1, 2])
        self.assertRegex(g["uniones"][0]["fecha_fin"], r"^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d$")
        self.assertGreaterEqual(body["resumen"]["pd_total"], 4.0)
        other = self.ok(self.server.get("/api/registro/97?fecha=01-01-2020"))
        self.assertEqual((other["resumen"]["total_uniones"], other["spools"]), (0, []))
        self.assertErrorBody(self.server.get("/api/registro/97?fecha=2020-01-01"), 422, "VALIDATION_ERROR")
        self.assertErrorBody(self.server.get("/api/registro/4242"), 404, "WORKER_NO_ENCONTRADO")
        self.assertErrorBody(self.server.get("/api/registro/abc"), 422, "VALIDATION_ERROR")

    def test_ocupados_list(self):
        tag = "U-BATCH-100"
        self.ok(iniciar(self.server, tag, 97))
        body = self.ok(self.server.get("/api/spools/ocupados?operacion=sold&worker_id=97"))
        self.assertEqual([s["tag_spool"] for s in body["spools"]], [tag])
        self.assertEqual(body["filtro_aplicado"], "Ocupado_Por contiene (97) - operacion=SOLD")
        self.assertEqual(body["spools"][0]["ot"], "B100")
        r = self.server.get("/api/spools/ocupados?operacion=METROLOGIA&worker_id=97")
        self.assertErrorBody(r, 400, "BAD_REQUEST")


if __name__ == "__main__":
    unittest.main(verbosity=2)
