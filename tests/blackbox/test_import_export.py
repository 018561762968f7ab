#!/usr/bin/env python3
"""`zeues import` / `zeues export`: lossless round trips, column drift, bad rows with their line
numbers, all-or-nothing on fatal errors, re-import keeping tracking state, demo round trip
(SPEC capability 10; RELIABILITY 7, 8, 9)."""
import csv
import io
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FIXTURES, export_dir, import_dir, run_cli  # noqa: E402
from test_contract_reads import EXPECTED, SPOOL_KEYS, V4_KEYS  # noqa: E402

SHEETS = ("Operaciones.csv", "Trabajadores.csv", "Roles.csv", "Metadata.csv")
T = "MK-1335-CW-25238-0"
TRACKED = ["TAG_SPOOL", "NV", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura",
           "Soldador", "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion", "version",
           "Estado_Detalle"]


def tag(n):
    return "%s%02d" % (T, n)


def norm(h):
    return h.lower().replace(" ", "").replace("_", "")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def by_tag(rows):
    """{tag: {normalised tracked header: value}} of an Operaciones sheet, found by header name."""
    idx = {norm(h): i for i, h in enumerate(rows[0])}
    ti = idx["tagspool"]
    out = {}
    for r in rows[1:]:
        out[r[ti]] = {norm(h): r[idx[norm(h)]] for h in TRACKED}
    return out


def untracked_by_tag(rows, rename=None):
    """{tag: {header: value}} of every column that ZEUES keeps verbatim."""
    rename = rename or {}
    heads = [rename.get(h, h) for h in rows[0]]
    tracked = {norm(h) for h in TRACKED}
    ti = [norm(h) for h in rows[0]].index("tagspool")
    return {r[ti]: {h: v for h, v in zip(heads, r) if norm(h) not in tracked} for r in rows[1:]}


class ImportExport(harness.CheckedTestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        # The plant imported and exported once, shared read-only by the tests below.
        cls.shared = harness.make_tempdir()
        cls.plant_import = import_dir(os.path.join(cls.shared, "plant.db"), harness.PLANT)
        cls.e1 = os.path.join(cls.shared, "e1")
        export_dir(os.path.join(cls.shared, "plant.db"), cls.e1)

    @classmethod
    def tearDownClass(cls):
        harness.remove_tempdir(cls.shared)

    def setUp(self):
        self.tmp = harness.make_tempdir()

    def tearDown(self):
        harness.remove_tempdir(self.tmp)

    def p(self, *parts):
        return os.path.join(self.tmp, *parts)

    def import_export(self, src_dir, name):
        db = self.p(name + ".db")
        r = import_dir(db, src_dir)
        out = self.p(name)
        export_dir(db, out)
        return db, out, r

    def assertSameFiles(self, a, b):
        for f in SHEETS:
            self.assertEqual(read_bytes(os.path.join(a, f)), read_bytes(os.path.join(b, f)),
                             "%s differs between %s and %s" % (f, a, b))

    # -- round trips ---------------------------------------------------------------------------
    def test_plant_roundtrip_byte_identical(self):
        e1, r = self.e1, self.plant_import
        self.assertIn("Operaciones: 26 spools importados, 0 filas con errores", r.stdout)
        self.assertIn("Trabajadores: 9 importados, 0 filas con errores", r.stdout)
        self.assertIn("Roles: 12 importados, 0 filas con errores", r.stdout)
        self.assertIn("Metadata: 6 eventos leídos, 0 filas con errores", r.stdout)
        self.assertEqual(r.stderr.strip(), "")
        db2, e2, _ = self.import_export(e1, "e2")
        self.assertSameFiles(e1, e2)
        # Importing the export again into the same DB changes nothing either.
        import_dir(db2, e1)
        e3 = self.p("e3")
        export_dir(db2, e3)
        self.assertSameFiles(e1, e3)

    def test_export_format(self):
        e1 = self.e1
        for f in SHEETS:
            data = read_bytes(os.path.join(e1, f))
            self.assertTrue(data.endswith(b"\r\n"), f)
            self.assertFalse(data.startswith(b"\xef\xbb\xbf"), f)
            # Every record terminator is CRLF: re-split on CRLF gives the same records.
            rows = read_rows(os.path.join(e1, f))
            self.assertEqual(data.count(b"\r\n") - sum(c.count("\r\n") for r in rows for c in r),
                             len(rows), f)
        rows = read_rows(os.path.join(e1, "Operaciones.csv"))
        self.assertEqual(rows[0], read_rows(os.path.join(harness.PLANT, "Operaciones.csv"))[0])
        self.assertEqual(len(rows[0]), 75)
        got = by_tag(rows)
        # Dates DD-MM-YYYY whatever form they were imported in.
        expect_dates = {
            2: ("15-01-2026", "", "", ""), 3: ("16-01-2026", "", "", ""),
            4: ("17-01-2026", "", "", ""), 5: ("21-01-2025", "", "", ""),
            15: ("02-01-2026", "06-01-2026", "14-01-2026", "18-01-2026"),
            22: ("05-01-2026", "", "", ""), 26: ("08-11-2025", "", "", ""),
            23: ("01-12-2025", "03-12-2025", "08-12-2025", ""),
            14: ("02-01-2026", "06-01-2026", "14-01-2026", "19-01-2026"),
        }
        for n, (fm, fa, fs, fq) in expect_dates.items():
            row = got[tag(n)]
            self.assertEqual((row["fechamateriales"], row["fechaarmado"], row["fechasoldadura"],
                              row["fechaqcmetrología"]), (fm, fa, fs, fq), tag(n))
        self.assertEqual(got[tag(17)]["fechaocupacion"], "23-01-2026 08:00:00")
        self.assertEqual(got[tag(7)]["fechaocupacion"], "21-01-2026 14:30:00")
        self.assertEqual(got[tag(24)]["version"], "0")  # UUID of the original -> 0
        self.assertEqual(got[tag(23)]["version"], "0")  # empty -> 0
        self.assertEqual(got[tag(7)]["version"], "3")
        self.assertEqual(got[tag(12)]["estadodetalle"], "METROLOGIA_APROBADO ✓")
        self.assertEqual(got[tag(21)]["nv"], "NV-ñ 11")
        # Untracked cells come back verbatim: commas, quotes, CR/LF inside cells, accents,
        # leading and trailing spaces.
        src = untracked_by_tag(read_rows(os.path.join(harness.PLANT, "Operaciones.csv")))
        self.assertEqual(untracked_by_tag(rows), src)
        self.assertEqual(src[tag(21)]["Notas"], "línea 1\r\nlínea 2, con coma")
        self.assertEqual(src[tag(5)]["Notas"], " espacio inicial y final ")
        # Sheet order kept.
        self.assertEqual([r[6] for r in rows[1:]], [tag(n) for n in range(1, 27)])

    def test_roster_and_metadata_exports_exact(self):
        e1 = self.e1
        self.assertEqual(read_bytes(os.path.join(e1, "Trabajadores.csv")).decode(), (
            "Id,Nombre,Apellido,Activo\r\n93,Mauricio,Rodriguez,TRUE\r\n"
            "94,Nicolás,Rodríguez,TRUE\r\n95,María José,García,TRUE\r\n"
            "96,Juan Carlos,Pérez López,TRUE\r\n97,Érika,Núñez,TRUE\r\n98,Pedro,Soto,FALSE\r\n"
            "99,álvaro,ñuñoa,TRUE\r\n100,Carlos,Muñoz,true\r\n101,Luis,Vera,\r\n"))
        self.assertEqual(read_bytes(os.path.join(e1, "Roles.csv")).decode(), (
            "Id,Rol,Activo\r\n93,Soldador,TRUE\r\n94,Soldador,TRUE\r\n93,Armador,TRUE\r\n"
            "95,Metrologia,TRUE\r\n96,Armador,TRUE\r\n96,Soldador,FALSE\r\n94,Ayudante,TRUE\r\n"
            "97,Metrologia,TRUE\r\n97,Ayudante,TRUE\r\n96,Revestimiento,TRUE\r\n"
            "98,Armador,TRUE\r\n99,Armador,TRUE\r\n"))
        # Timestamps in America/Santiago (UTC-3 in December/January, UTC-4 in June); legacy
        # ISO rows converted; fecha_operacion DD-MM-YYYY; metadata_json verbatim.
        self.assertEqual(read_bytes(os.path.join(e1, "Metadata.csv")).decode(), (
            "id,timestamp,evento_tipo,tag_spool,worker_id,worker_nombre,operacion,accion,"
            "fecha_operacion,metadata_json\r\n"
            "5b0c1d2e-0001-4a00-8000-000000000001,10-12-2025 11:30:00,INICIAR_ARM,"
            "MK-1335-CW-25238-023,97,ÉN(97),ARM,INICIAR,10-12-2025,\r\n"
            "5b0c1d2e-0002-4a00-8000-000000000002,21-01-2026 14:30:00,TOMAR_SPOOL,"
            "MK-1335-CW-25238-007,93,MR(93),ARM,TOMAR,21-01-2026,\"{\"\"lock_token\"\": "
            "\"\"93:550e8400-e29b-41d4-a716-446655440000\"\", \"\"nota\"\": \"\"tablet 3, "
            "patio\"\"}\"\r\n"
            "5b0c1d2e-0003-4a00-8000-000000000003,15-06-2025 10:00:00,TOMAR_SPOOL,"
            "MK-1335-CW-25238-006,93,MR(93),ARM,TOMAR,15-06-2025,{}\r\n"
            "5b0c1d2e-0004-4a00-8000-000000000004,15-06-2025 14:00:00,PAUSAR_SPOOL,"
            "MK-1335-CW-25238-006,93,MR(93),ARM,PAUSAR,15-06-2025,{}\r\n"
            "5b0c1d2e-0005-4a00-8000-000000000005,20-01-2026 11:00:00,COMPLETAR_METROLOGIA,"
            "MK-1335-CW-25238-012,95,MG(95),METROLOGIA,COMPLETAR,20-01-2026,"
            "\"{\"\"resultado\"\": \"\"APROBADO\"\"}\"\r\n"
            "5b0c1d2e-0006-4a00-8000-000000000006,22-01-2026 10:00:00,TOMAR_REPARACION,"
            "MK-1335-CW-25238-019,96,JP(96),REPARACION,TOMAR,22-01-2026,"
            "\"{\"\"cycle\"\": 2}\"\r\n"))

    def test_excel_serial_dates(self):
        e1 = self.e1
        got = by_tag(read_rows(os.path.join(e1, "Operaciones.csv")))
        self.assertEqual(got[tag(5)]["fechamateriales"], "21-01-2025")   # 45678
        self.assertEqual(got[tag(23)]["fechasoldadura"], "08-12-2025")   # 45999
        # A fractional serial and the largest/smallest edge cases through a tiny sheet.
        d = self.p("serial")
        write_rows(os.path.join(d, "Operaciones.csv"), [
            ["TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura",
             "Soldador", "Fecha_QC_Metrología"],
            ["S-1", "45678.75", "", "", "", "", ""],
            ["S-2", "1", "", "", "", "", ""],
            ["S-3", "61", "", "", "", "", ""],
            ["S-4", "44986", "", "", "", "", ""],
        ])
        shutil.copy(os.path.join(harness.PLANT, "Trabajadores.csv"), d)
        shutil.copy(os.path.join(harness.PLANT, "Roles.csv"), d)
        _, out, r = self.import_export(d, "serial_out")
        self.assertIn("Operaciones: 4 spools importados, 0 filas con errores", r.stdout)
        got = by_tag_min(read_rows(os.path.join(out, "Operaciones.csv")))
        self.assertEqual(got, {"S-1": "21-01-2025", "S-2": "01-01-1900", "S-3": "01-03-1900",
                               "S-4": "01-03-2023"})

    def test_demo_roundtrip(self):
        db = self.p("demo.db")
        r = run_cli("demo", "--db", db, "--spools", "60")
        self.assertEqual(r.returncode, 0, r.stderr)
        d1 = self.p("d1")
        export_dir(db, d1)
        workers = read_rows(os.path.join(d1, "Trabajadores.csv"))
        self.assertEqual([int(w[0]) for w in workers[1:]], list(range(93, 123)))
        self.assertEqual(sum(1 for w in workers[1:] if w[3].strip().upper() == "TRUE"), 27)
        self.assertEqual(len(read_rows(os.path.join(d1, "Operaciones.csv"))) - 1, 60)
        _, d2, _ = self.import_export(d1, "d2")
        self.assertSameFiles(d1, d2)

    # -- column drift -------------------------------------------------------------------------
    def test_drift_same_tracked_data(self):
        base = self.e1
        base_rows = read_rows(os.path.join(base, "Operaciones.csv"))
        base_tracked = by_tag(base_rows)
        base_untracked = untracked_by_tag(base_rows)
        renames = {"renamed": {"Observaciones": "Notas", "Cliente Final": "Cliente"}}
        for variant in ("reordered", "inserted", "renamed"):
            with self.subTest(variant=variant):
                src = os.path.join(FIXTURES, "drift", variant)
                db, out, r = self.import_export(src, variant)
                self.assertIn("Operaciones: 26 spools importados, 0 filas con errores", r.stdout)
                rows = read_rows(os.path.join(out, "Operaciones.csv"))
                # The sheet's own layout is kept on export.
                self.assertEqual(rows[0], read_rows(os.path.join(src, "Operaciones.csv"))[0])
                self.assertEqual(by_tag(rows), base_tracked)
                unt = untracked_by_tag(rows, renames.get(variant))
                if variant == "inserted":
                    for n in range(1, 27):
                        self.assertEqual(unt[tag(n)].pop("Codigo_Interno"), "CI-%03d" % n)
                self.assertEqual(unt, base_untracked)
                # A second round trip of a drifted layout is byte-identical as well.
                if variant == "inserted":
                    _, out2, _ = self.import_export(out, variant + "2")
                    self.assertSameFiles(out, out2)

    def test_drift_served_spools_identical(self):
        redis = harness.Redis(self.tmp).start()
        try:
            for variant in ("reordered", "inserted", "renamed"):
                with self.subTest(variant=variant):
                    db = self.p(variant + "-srv.db")
                    import_dir(db, os.path.join(FIXTURES, "drift", variant))
                    srv = harness.Server(db=db, redis_url=redis.url, workdir=self.tmp).start()
                    try:
                        for t, exp in EXPECTED.items():
                            r = srv.get("/api/spools/detail?tag=" + t)
                            self.assertEqual(r.status, 200, r)
                            self.assertEqual(list(r.json.keys()), SPOOL_KEYS + V4_KEYS)
                            self.assertEqual({k: r.json[k] for k in SPOOL_KEYS}, exp, t)
                    finally:
                        self.assertEqual(srv.stop(), 0, srv.stderr_tail())
                        self.assertEqual(srv.sanitizer_report(), "")
        finally:
            redis.kill()

    # -- bad input files ------------------------------------------------------------------------
    def test_garbage_rows_reported_and_skipped(self):
        db = self.p("g.db")
        r = import_dir(db, os.path.join(FIXTURES, "bad", "garbage"), check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = [
            ("Operaciones.csv", 5, "Fecha_Materiales '32-13-2026' no es una fecha válida"),
            ("Operaciones.csv", 7, "TAG_SPOOL 'G-01' repetido"),
            ("Operaciones.csv", 8, "Fecha_Armado '2026-02-30' no es una fecha válida"),
            ("Operaciones.csv", 9, "Fecha_Materiales 'mañana' no es una fecha válida"),
            ("Operaciones.csv", 10, "Fecha_Materiales '60' no es una fecha válida"),
            ("Operaciones.csv", 11, "Fecha_Ocupacion 'ayer a las 3'"),
            ("Trabajadores.csv", 3, "Id 'abc'"),
            ("Trabajadores.csv", 5, "Nombre y Apellido"),
            ("Roles.csv", 3, "Rol 'Supervisor' desconocido"),
        ]
        lines = [l for l in r.stderr.splitlines() if " línea " in l]
        self.assertEqual(len(lines), len(expected), r.stderr)
        for (f, n, frag), line in zip(expected, lines):
            self.assertTrue(line.startswith("%s línea %d: " % (f, n)), line)
            self.assertIn(frag, line)
            self.assertTrue(line.endswith("(fila omitida)"), line)
        self.assertIn("Operaciones: 5 spools importados, 6 filas con errores", r.stdout)
        self.assertIn("Trabajadores: 2 importados, 2 filas con errores", r.stdout)
        self.assertIn("Roles: 2 importados, 1 filas con errores", r.stdout)
        out = self.p("g")
        export_dir(db, out)
        rows = read_rows(os.path.join(out, "Operaciones.csv"))
        self.assertEqual([(x[0], x[1], x[3]) for x in rows[1:]], [
            ("G-01", "1", "15-01-2026"),   # the first G-01 wins, the duplicate is skipped
            ("G-02", "1", "16-01-2026"),
            ("G-04", "1", "18-01-2026"),
            ("G-09", "1", "21-01-2025"),
            ("G-10", "1", "05-01-2026"),
        ])
        self.assertEqual(rows[2][2], "dos\nlíneas")
        self.assertEqual([w[0] for w in read_rows(os.path.join(out, "Trabajadores.csv"))[1:]],
                         ["93", "94"])
        self.assertEqual(read_rows(os.path.join(out, "Roles.csv"))[1:],
                         [["93", "Armador", "TRUE"], ["94", "Soldador", "TRUE"]])

    def test_missing_required_column(self):
        bad = os.path.join(FIXTURES, "bad", "missing_fecha_armado")
        # Fresh DB: exit 1 naming the column, no spool imported.
        db = self.p("m.db")
        r = import_dir(db, bad, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Fecha_Armado", r.stderr)
        self.assertNotIn("importados", r.stdout)
        out = self.p("m")
        export_dir(db, out)
        self.assertEqual(len(read_rows(os.path.join(out, "Operaciones.csv"))), 1)
        self.assertEqual(len(read_rows(os.path.join(out, "Trabajadores.csv"))), 1)
        # Existing DB: left exactly as it was.
        db2, before, _ = self.import_export(harness.PLANT, "before")
        r = import_dir(db2, bad, check=False)
        self.assertEqual(r.returncode, 1)
        after = self.p("after")
        export_dir(db2, after)
        self.assertSameFiles(before, after)

    def test_other_missing_required_columns(self):
        src = read_rows(os.path.join(harness.PLANT, "Operaciones.csv"))
        for col in ("Fecha_Materiales", "Armador", "Fecha_Soldadura", "Soldador",
                    "Fecha_QC_Metrología"):
            with self.subTest(column=col):
                i = src[0].index(col)
                d = self.p("miss-" + norm(col))
                write_rows(os.path.join(d, "Operaciones.csv"), [r[:i] + r[i + 1:] for r in src])
                shutil.copy(os.path.join(harness.PLANT, "Trabajadores.csv"), d)
                shutil.copy(os.path.join(harness.PLANT, "Roles.csv"), d)
                r = import_dir(self.p(norm(col) + ".db"), d, check=False)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn("'%s'" % col, r.stderr)

    def test_unterminated_quote(self):
        bad = os.path.join(FIXTURES, "bad", "unterminated_quote")
        db2, before, _ = self.import_export(harness.PLANT, "before")
        r = import_dir(db2, bad, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Operaciones.csv línea 4:", r.stderr)
        self.assertIn("comillas", r.stderr)
        after = self.p("after")
        export_dir(db2, after)
        self.assertSameFiles(before, after)

    def test_missing_files_and_usage(self):
        r = run_cli("import", "--db", self.p("x.db"), "--dir", self.p("does-not-exist"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("Operaciones.csv", r.stderr)
        r = run_cli("import", "--db", self.p("x.db"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("--dir", r.stderr)

    # -- re-import ------------------------------------------------------------------------------
    def test_reimport_updates_engineering_keeps_tracking(self):
        db, e1, _ = self.import_export(harness.PLANT, "e1")
        rows = read_rows(os.path.join(harness.PLANT, "Operaciones.csv"))
        h = rows[0]
        col = {name: h.index(name) for name in h}
        row = {r[col["TAG_SPOOL"]]: r for r in rows[1:]}
        # The office's sheet: new NV and notes, materials arrived for spool 1, and stale
        # tracking columns (blank Armador/Ocupado_Por/Estado, a Fecha_Armado someone typed).
        row[tag(7)][col["NV"]] = "NV-NUEVO"
        row[tag(7)][col["Armador"]] = ""
        row[tag(7)][col["Ocupado_Por"]] = ""
        row[tag(7)][col["Fecha_Ocupacion"]] = ""
        row[tag(7)][col["Estado_Detalle"]] = ""
        row[tag(8)][col["Fecha_Armado"]] = "01-01-2020"
        row[tag(2)][col["Notas"]] = "nota nueva"
        row[tag(1)][col["Fecha_Materiales"]] = "20-01-2026"
        new = list(row[tag(4)])
        new[col["TAG_SPOOL"]] = "MK-NUEVO-001"
        new[col["id"]] = "27"
        # Spool 26 disappears from the sheet; the new spool is inserted after spool 4.
        order = [r[col["TAG_SPOOL"]] for r in rows[1:] if r[col["TAG_SPOOL"]] != tag(26)]
        order.insert(order.index(tag(4)) + 1, "MK-NUEVO-001")
        row["MK-NUEVO-001"] = new
        d = self.p("office")
        write_rows(os.path.join(d, "Operaciones.csv"), [h] + [row[t] for t in order])
        for f in ("Trabajadores.csv", "Roles.csv", "Metadata.csv"):
            shutil.copy(os.path.join(harness.PLANT, f), d)
        r = import_dir(db, d)
        self.assertIn("Operaciones: 26 spools importados, 0 filas con errores", r.stdout)
        out = self.p("e2")
        export_dir(db, out)
        got_rows = read_rows(os.path.join(out, "Operaciones.csv"))
        got = by_tag(got_rows)
        self.assertEqual(got[tag(7)]["nv"], "NV-NUEVO")
        self.assertEqual(got[tag(7)]["armador"], "MR(93)")
        self.assertEqual(got[tag(7)]["ocupadopor"], "MR(93)")
        self.assertEqual(got[tag(7)]["fechaocupacion"], "21-01-2026 14:30:00")
        self.assertEqual(got[tag(7)]["estadodetalle"],
                         "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)")
        self.assertEqual(got[tag(8)]["fechaarmado"], "12-01-2026")
        self.assertEqual(got[tag(1)]["fechamateriales"], "20-01-2026")
        self.assertEqual(untracked_by_tag(got_rows)[tag(2)]["Notas"], "nota nueva")
        self.assertEqual(got["MK-NUEVO-001"]["fechamateriales"], "17-01-2026")
        # Sheet order, then the spool the sheet no longer lists (kept, not deleted).
        self.assertEqual([x[col["TAG_SPOOL"]] for x in got_rows[1:]], order + [tag(26)])
        # Everything else as before; events not duplicated by the second import.
        base = by_tag(read_rows(os.path.join(e1, "Operaciones.csv")))
        for n in list(range(2, 7)) + list(range(9, 27)):
            self.assertEqual(got[tag(n)], base[tag(n)], tag(n))
        self.assertEqual(read_bytes(os.path.join(out, "Metadata.csv")),
                         read_bytes(os.path.join(e1, "Metadata.csv")))
        # What the server shows agrees.
        redis = harness.Redis(self.tmp).start()
        srv = harness.Server(db=db, redis_url=redis.url, workdir=self.tmp).start()
        try:
            j = srv.get("/api/spools/detail?tag=" + tag(7)).json
            self.assertEqual((j["nv"], j["armador"], j["ocupado_por"], j["operacion_actual"]),
                             ("NV-NUEVO", "MR(93)", "MR(93)", "ARM"))
            arm = [s["tag_spool"] for s in
                   srv.get("/api/spools/iniciar?operacion=ARM").json["spools"]]
            self.assertIn(tag(1), arm)
            self.assertIn("MK-NUEVO-001", arm)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr_tail())
            self.assertEqual(srv.sanitizer_report(), "")
            redis.kill()

    def test_reimport_with_drift_keeps_unlisted_spool_cells(self):
        # The office inserts a column AND drops a spool from the sheet in the same import. The
        # dropped spool is kept (see above); its untracked cells must stay under their own
        # headers, not shift by the inserted column.
        db, e1, _ = self.import_export(harness.PLANT, "e1")
        src = read_rows(os.path.join(FIXTURES, "drift", "inserted", "Operaciones.csv"))
        ti = src[0].index("TAG_SPOOL")
        d = self.p("office")
        write_rows(os.path.join(d, "Operaciones.csv"), [r for r in src if r[ti] != tag(26)])
        for f in ("Trabajadores.csv", "Roles.csv"):
            shutil.copy(os.path.join(harness.PLANT, f), d)
        import_dir(db, d)
        out = self.p("e2")
        export_dir(db, out)
        rows = read_rows(os.path.join(out, "Operaciones.csv"))
        self.assertEqual(rows[0], src[0])
        unt = untracked_by_tag(rows)
        self.assertEqual(unt[tag(26)].pop("Codigo_Interno"), "")
        self.assertEqual(unt[tag(26)], untracked_by_tag(
            read_rows(os.path.join(e1, "Operaciones.csv")))[tag(26)])
        self.assertEqual(by_tag(rows)[tag(26)],
                         by_tag(read_rows(os.path.join(e1, "Operaciones.csv")))[tag(26)])


def by_tag_min(rows):
    return {r[0]: r[1] for r in rows[1:]}


if __name__ == "__main__":
    unittest.main()
