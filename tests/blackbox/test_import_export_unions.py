#!/usr/bin/env python3
"""`zeues import` / `zeues export` with the Uniones sheet (domain-v4 §3, §5, §12): byte-identical
round trips, Uniones columns found by header under drift, bad rows reported with their line
numbers, spreadsheet serial dates converted, Operaciones counters checked against the unions
they count, unknown spools reported, Metadata's N_UNION kept, and a v2 database (cells of the
v4 columns still verbatim in spools.extra) migrated in place."""
import csv
import json
import os
import re
import shutil
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FIXTURES, export_dir, import_dir  # noqa: E402

UPLANT = os.path.join(FIXTURES, "plant_unions")
SHEETS = ("Operaciones.csv", "Trabajadores.csv", "Roles.csv", "Uniones.csv", "Metadata.csv")
UT = "MK-2001-CW-30001-0"
UNION_TRACKED = ["OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION", "ARM_FECHA_INICIO",
                 "ARM_FECHA_FIN", "ARM_WORKER", "SOL_FECHA_INICIO", "SOL_FECHA_FIN", "SOL_WORKER"]
COUNTERS = ["Total_Uniones", "Uniones_ARM_Completadas", "Uniones_SOLD_Completadas",
            "Pulgadas_ARM", "Pulgadas_SOLD"]


def utag(n):
    return "%s%02d" % (UT, n)


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


def by_key(rows, names=None):
    """{(TAG_SPOOL, N_UNION): {header: cell}} of a Uniones sheet (headers as given, or renamed
    back to their canonical names with names)."""
    heads = [names.get(h, h) if names else h for h in rows[0]]
    ti, ni = heads.index("TAG_SPOOL"), heads.index("N_UNION")
    return {(r[ti], r[ni]): dict(zip(heads, r)) for r in rows[1:]}


def op_by_tag(rows):
    ti = rows[0].index("TAG_SPOOL")
    return {r[ti]: dict(zip(rows[0], r)) for r in rows[1:]}


class ImportExportUnions(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        # The union plant imported and exported once, shared read-only by the tests below.
        cls.shared = harness.make_tempdir()
        cls.db = os.path.join(cls.shared, "u.db")
        cls.first = import_dir(cls.db, UPLANT)
        cls.e1 = os.path.join(cls.shared, "e1")
        export_dir(cls.db, cls.e1)

    @classmethod
    def tearDownClass(cls):
        harness.remove_tempdir(cls.shared)

    def setUp(self):
        self.tmp = harness.make_tempdir()

    def tearDown(self):
        harness.remove_tempdir(self.tmp)

    def p(self, *parts):
        return os.path.join(self.tmp, *parts)

    def import_export(self, src_dir, name, check=True):
        db = self.p(name + ".db")
        r = import_dir(db, src_dir, check=check)
        out = self.p(name)
        export_dir(db, out)
        return db, out, r

    def assertSameFiles(self, a, b):
        for f in SHEETS:
            self.assertEqual(read_bytes(os.path.join(a, f)), read_bytes(os.path.join(b, f)),
                             "%s differs between %s and %s" % (f, a, b))

    def plant_with(self, name, uniones=None, operaciones=None):
        """A copy of the union plant with Uniones/Operaciones rows replaced."""
        d = self.p(name)
        os.makedirs(d)
        for f in SHEETS:
            shutil.copy(os.path.join(UPLANT, f), d)
        if uniones is not None:
            write_rows(os.path.join(d, "Uniones.csv"), uniones)
        if operaciones is not None:
            write_rows(os.path.join(d, "Operaciones.csv"), operaciones)
        return d

    # -- round trips ---------------------------------------------------------------------------
    def test_roundtrip_byte_identical(self):
        r = self.first
        self.assertIn("Operaciones: 11 spools importados, 0 filas con errores", r.stdout)
        self.assertIn("Uniones: 28 importadas, 0 filas con errores, "
                      "0 spools con contadores corregidos", r.stdout)
        self.assertIn("Metadata: 3 eventos leídos, 0 filas con errores", r.stdout)
        self.assertEqual(r.stderr.strip(), "")
        # import -> export -> import -> export: byte-identical, every sheet.
        db2, e2, _ = self.import_export(self.e1, "e2")
        self.assertSameFiles(self.e1, e2)
        # Importing the export again into the same store changes nothing either.
        import_dir(db2, self.e1)
        e3 = self.p("e3")
        export_dir(db2, e3)
        self.assertSameFiles(self.e1, e3)
        # And the first export says what the office's sheets say, cell for cell.
        for f in SHEETS:
            self.assertEqual(read_rows(os.path.join(self.e1, f)),
                             read_rows(os.path.join(UPLANT, f)), f)

    def test_export_layouts(self):
        u = read_rows(os.path.join(self.e1, "Uniones.csv"))
        self.assertEqual(len(u[0]), 17)
        self.assertEqual(u[0], read_rows(os.path.join(UPLANT, "Uniones.csv"))[0])
        # Sheet order (interleaved by N_UNION across spools), not the store's key order.
        self.assertEqual([(r[3], r[2]) for r in u[1:4]],
                         [(utag(1), "1"), (utag(2), "1"), (utag(3), "1")])
        # Spools sharing an OT keep their own unions: 1234+1 exists twice, once per spool.
        ids = [(r[0], r[3]) for r in u[1:] if r[1] == "1234"]
        self.assertIn(("1234+1", utag(2)), ids)
        self.assertIn(("1", utag(1)), ids)  # staging-style ID, verbatim
        keyed = by_key(u)
        self.assertEqual(keyed[(utag(5), "2")]["NDT_STATUS"], " pendiente ")
        self.assertEqual(keyed[(utag(8), "1")]["NDT_STATUS"], "RECHAZADO\nsoldadura porosa")
        self.assertEqual(keyed[(utag(5), "1")]["OT"], "0042")  # a numeric-looking OT as text
        self.assertEqual(keyed[(utag(3), "4")]["DN_UNION"], "0.5")
        op = read_rows(os.path.join(self.e1, "Operaciones.csv"))
        self.assertEqual(len(op[0]), 75)
        got = op_by_tag(op)
        self.assertEqual(got[utag(3)]["Notas"], "20260111: prioridad alta\n20260115: falta soporte")
        self.assertEqual([got[utag(5)][c] for c in COUNTERS], ["4", "4", "2", "7.5", "4"])
        self.assertEqual([got[utag(9)][c] for c in COUNTERS], ["", "", "", "", ""])
        self.assertEqual([got[utag(10)][c] for c in COUNTERS], ["0", "0", "", "0", ""])
        # Metadata keeps its eleventh column; the per-union event its N_UNION.
        meta = read_rows(os.path.join(self.e1, "Metadata.csv"))
        self.assertEqual(meta[0][10], "N_UNION")
        self.assertEqual([m[10] for m in meta[1:]], ["", "", "1"])
        # The v3 plant (ten Metadata columns, no Uniones sheet) stays as it was.
        _, e, _ = self.import_export(harness.PLANT, "v3")
        self.assertEqual(len(read_rows(os.path.join(e, "Metadata.csv"))[0]), 10)
        self.assertEqual(read_rows(os.path.join(e, "Uniones.csv")),
                         [read_rows(os.path.join(UPLANT, "Uniones.csv"))[0]])

    # -- column drift -------------------------------------------------------------------------
    def test_reordered_inserted_renamed_columns(self):
        src = read_rows(os.path.join(UPLANT, "Uniones.csv"))
        base = by_key(read_rows(os.path.join(self.e1, "Uniones.csv")))
        # Case, spaces, accents (the v4 key drops them) and '/' aliases: "N° Unión" keeps its
        # "°" (it has no decomposition), so that column is found by the text before the '/'.
        rename = {"N_UNION": "N_Unión/N° Unión", "TAG_SPOOL": "Tag Spool", "DN_UNION": "dn unión",
                  "TIPO_UNION": "TIPO_UNIÓN", "ARM_FECHA_FIN": "Arm Fecha Fin",
                  "SOL_WORKER": "sol_worker/soldador", "NDT_STATUS": "Estado NDT"}
        back = {v: k for k, v in rename.items()}
        variants = {
            "reordered": [list(reversed(r)) for r in src],
            "inserted": [r[:2] + [("Soldadura_Especial" if i == 0 else "TIG, \"a\"")] + r[2:]
                         for i, r in enumerate(src)],
            "renamed": [[rename.get(h, h) for h in src[0]]] + src[1:],
        }
        for name, rows in variants.items():
            with self.subTest(variant=name):
                d = self.plant_with(name, uniones=rows)
                _, out, r = self.import_export(d, name + "-out")
                self.assertIn("Uniones: 28 importadas, 0 filas con errores", r.stdout)
                self.assertEqual(r.stderr.strip(), "")
                got_rows = read_rows(os.path.join(out, "Uniones.csv"))
                self.assertEqual(got_rows[0], rows[0])  # the sheet's own layout is kept
                got = by_key(got_rows, back if name == "renamed" else None)
                if name == "inserted":
                    for k in got:
                        self.assertEqual(got[k].pop("Soldadura_Especial"), "TIG, \"a\"")
                self.assertEqual(got, base)
                # and the spools see the same unions: counters unchanged
                self.assertEqual(read_rows(os.path.join(out, "Operaciones.csv")),
                                 read_rows(os.path.join(self.e1, "Operaciones.csv")))

    # -- bad rows ------------------------------------------------------------------------------
    def test_bad_rows_reported_with_line_numbers(self):
        h = read_rows(os.path.join(UPLANT, "Uniones.csv"))[0]
        col = {name: i for i, name in enumerate(h)}

        def row(tag, n, dn="2", tipo="BW", **cells):
            r = [""] * len(h)
            r[col["OT"]], r[col["TAG_SPOOL"]], r[col["N_UNION"]] = "1234", tag, n
            r[col["DN_UNION"]], r[col["TIPO_UNION"]] = dn, tipo
            for k, v in cells.items():
                r[col[k]] = v
            return r

        rows = [h,
                row(utag(1), "1"),                                        # line 2
                row(utag(1), "2", NDT_STATUS="dos\nlíneas"),              # lines 3-4
                row(utag(1), "3", dn="0"),                                # line 5: DN
                row(utag(1), "4", dn="51"),                               # line 6: DN
                row(utag(1), "5", dn="dos"),                              # line 7: DN
                row(utag(1), "6", tipo="XX"),                             # line 8: TIPO
                row(utag(1), "7", tipo="bw"),                             # line 9: TIPO
                row(utag(1), "0"),                                        # line 10: N_UNION
                row(utag(1), "21"),                                       # line 11: N_UNION
                row(utag(1), "uno"),                                      # line 12: N_UNION
                row(utag(1), "1"),                                        # line 13: repeated
                row("MK-NO-EXISTE", "1"),                                 # line 14: unknown
                row(utag(1), "8", ARM_FECHA_FIN="ayer"),                  # line 15: date
                row(utag(1), "9", dn="", tipo=""),                        # line 16: ok
                row(utag(1), "10", dn="50", tipo="LET")]                  # line 17: ok
        d = self.plant_with("bad", uniones=rows)
        _, out, r = self.import_export(d, "bad-out")
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = [
            (5, "DN_UNION '0' debe ser un número mayor que 0 y hasta 50"),
            (6, "DN_UNION '51' debe ser un número mayor que 0 y hasta 50"),
            (7, "DN_UNION 'dos' debe ser un número mayor que 0 y hasta 50"),
            (8, "TIPO_UNION 'XX' desconocido"),
            (9, "TIPO_UNION 'bw' desconocido"),
            (10, "N_UNION '0' debe ser un entero de 1 a 20"),
            (11, "N_UNION '21' debe ser un entero de 1 a 20"),
            (12, "N_UNION 'uno' debe ser un entero de 1 a 20"),
            (13, "N_UNION 1 de '%s' repetido" % utag(1)),
            (14, "TAG_SPOOL 'MK-NO-EXISTE' no es un spool de Operaciones"),
            (15, "ARM_FECHA_FIN 'ayer' no es una fecha y hora válida"),
        ]
        lines = [l for l in r.stderr.splitlines() if l.startswith("Uniones.csv línea ")]
        self.assertEqual(len(lines), len(expected), r.stderr)
        for (n, frag), line in zip(expected, lines):
            self.assertTrue(line.startswith("Uniones.csv línea %d: " % n), line)
            self.assertIn(frag, line)
            self.assertTrue(line.endswith("(fila omitida)"), line)
        self.assertIn("Uniones: 4 importadas, 11 filas con errores", r.stdout)
        got = by_key(read_rows(os.path.join(out, "Uniones.csv")))
        self.assertEqual(sorted(n for (t, n) in got if t == utag(1)), ["1", "10", "2", "9"])
        self.assertNotIn(("MK-NO-EXISTE", "1"), got)
        self.assertEqual(got[(utag(1), "2")]["NDT_STATUS"], "dos\nlíneas")
        # Counters follow the unions that were kept (spool 1 had 4 in the plant, now 4 others).
        op = op_by_tag(read_rows(os.path.join(out, "Operaciones.csv")))
        self.assertEqual(op[utag(1)]["Total_Uniones"], "4")

    def test_missing_required_union_column_refuses_import(self):
        src = read_rows(os.path.join(UPLANT, "Uniones.csv"))
        i = src[0].index("N_UNION")
        d = self.plant_with("noN", uniones=[r[:i] + r[i + 1:] for r in src])
        db = self.p("noN.db")
        r = import_dir(db, d, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("'N_UNION'", r.stderr)
        self.assertNotIn("importados", r.stdout)

    # -- dates ---------------------------------------------------------------------------------
    def test_serial_dates_converted(self):
        src = read_rows(os.path.join(UPLANT, "Uniones.csv"))
        h = src[0]
        rows = [h] + [list(r) for r in src[1:]]
        k = {(r[h.index("TAG_SPOOL")], r[h.index("N_UNION")]): r for r in rows[1:]}
        # 46043 = 21-01-2026; .6041666667 = 14:30:00 (Santiago wall time, as Sheets means it)
        k[(utag(2), "1")][h.index("ARM_FECHA_INICIO")] = "46043.25"
        k[(utag(2), "1")][h.index("ARM_FECHA_FIN")] = "46043.6041666667"
        k[(utag(5), "1")][h.index("SOL_FECHA_FIN")] = "46044"
        k[(utag(5), "1")][h.index("NDT_FECHA")] = "46045"  # untracked: verbatim, not converted
        d = self.plant_with("serial", uniones=rows)
        _, out, r = self.import_export(d, "serial-out")
        self.assertEqual(r.stderr.strip(), "")
        got = by_key(read_rows(os.path.join(out, "Uniones.csv")))
        self.assertEqual(got[(utag(2), "1")]["ARM_FECHA_INICIO"], "21-01-2026 06:00:00")
        self.assertEqual(got[(utag(2), "1")]["ARM_FECHA_FIN"], "21-01-2026 14:30:00")
        self.assertEqual(got[(utag(5), "1")]["SOL_FECHA_FIN"], "22-01-2026 00:00:00")
        self.assertEqual(got[(utag(5), "1")]["NDT_FECHA"], "46045")
        # Converted, not compared as text: the serial and its text form are the same instant,
        # so a second round trip is stable.
        _, out2, _ = self.import_export(out, "serial-out2")
        self.assertSameFiles(out, out2)

    # -- counters ------------------------------------------------------------------------------
    def test_counter_mismatch_warned_and_corrected(self):
        op = read_rows(os.path.join(UPLANT, "Operaciones.csv"))
        h = op[0]
        c = {name: h.index(name) for name in COUNTERS + ["TAG_SPOOL"]}
        rows = [h] + [list(r) for r in op[1:]]
        bytag = {r[c["TAG_SPOOL"]]: r for r in rows[1:]}
        bytag[utag(2)][c["Uniones_ARM_Completadas"]] = "3"     # line 3: stale counter
        bytag[utag(2)][c["Pulgadas_ARM"]] = ""
        bytag[utag(4)][c["Total_Uniones"]] = "7"               # line 6 (3's Notas: 2 lines)
        bytag[utag(10)][c["Total_Uniones"]] = "5"              # no unions: kept as it is
        d = self.plant_with("mismatch", operaciones=rows)
        _, out, r = self.import_export(d, "mismatch-out")
        warns = [l for l in r.stderr.splitlines() if " aviso: " in l]
        self.assertEqual(len(warns), 2, r.stderr)
        self.assertTrue(warns[0].startswith("Operaciones.csv línea 3: aviso: TAG_SPOOL '%s'"
                                            % utag(2)), warns[0])
        self.assertIn("Uniones_ARM_Completadas '3' -> 1", warns[0])
        self.assertIn("Pulgadas_ARM '' -> 2", warns[0])
        self.assertTrue(warns[1].startswith("Operaciones.csv línea 6: aviso: TAG_SPOOL '%s'"
                                            % utag(4)), warns[1])
        self.assertIn("Total_Uniones '7' -> 3", warns[1])
        self.assertIn("2 spools con contadores corregidos", r.stdout)
        got = op_by_tag(read_rows(os.path.join(out, "Operaciones.csv")))
        base = op_by_tag(read_rows(os.path.join(self.e1, "Operaciones.csv")))
        for n in (2, 4):
            self.assertEqual([got[utag(n)][x] for x in COUNTERS],
                             [base[utag(n)][x] for x in COUNTERS], utag(n))
        self.assertEqual(got[utag(10)]["Total_Uniones"], "5")
        # The store holds the corrected values: a re-import of the export warns no more.
        _, _, r2 = self.import_export(out, "mismatch-again")
        self.assertNotIn("aviso", r2.stderr)

    def test_counters_follow_unions_on_reimport(self):
        # The office edits a union's DN and adds a union in its sheet; the same store takes it
        # and its counters follow, without a warning (the sheet itself was consistent).
        db, _, _ = self.import_export(UPLANT, "base")
        src = read_rows(os.path.join(UPLANT, "Uniones.csv"))
        h = src[0]
        rows = [list(r) for r in src]
        for r in rows[1:]:
            if r[h.index("TAG_SPOOL")] == utag(5) and r[h.index("N_UNION")] == "1":
                r[h.index("DN_UNION")] = "3"
        new = [""] * len(h)
        new[h.index("TAG_SPOOL")], new[h.index("N_UNION")], new[h.index("OT")] = utag(9), "1", "X"
        new[h.index("DN_UNION")], new[h.index("TIPO_UNION")] = "2", "BW"
        rows.append(new)
        op = read_rows(os.path.join(UPLANT, "Operaciones.csv"))
        oh = op[0]
        for r in op[1:]:
            if r[oh.index("TAG_SPOOL")] == utag(5):
                r[oh.index("Pulgadas_ARM")], r[oh.index("Pulgadas_SOLD")] = "8.5", "5"
            if r[oh.index("TAG_SPOOL")] == utag(9):
                r[oh.index("Total_Uniones")] = "1"
                r[oh.index("Uniones_ARM_Completadas")] = "0"
                r[oh.index("Uniones_SOLD_Completadas")] = "0"
                r[oh.index("Pulgadas_ARM")] = r[oh.index("Pulgadas_SOLD")] = "0"
        d = self.plant_with("office", uniones=rows, operaciones=op)
        r = import_dir(db, d)
        self.assertNotIn("aviso", r.stderr)
        out = self.p("after")
        export_dir(db, out)
        got = op_by_tag(read_rows(os.path.join(out, "Operaciones.csv")))
        self.assertEqual([got[utag(5)][x] for x in COUNTERS], ["4", "4", "2", "8.5", "5"])
        self.assertEqual([got[utag(9)][x] for x in COUNTERS], ["1", "0", "0", "0", "0"])

    # -- Metadata ------------------------------------------------------------------------------
    def test_metadata_ten_columns_still_import(self):
        meta = read_rows(os.path.join(UPLANT, "Metadata.csv"))
        d = self.plant_with("meta10")
        write_rows(os.path.join(d, "Metadata.csv"), [r[:10] for r in meta])
        _, out, r = self.import_export(d, "meta10-out")
        self.assertIn("Metadata: 3 eventos leídos, 0 filas con errores", r.stdout)
        got = read_rows(os.path.join(out, "Metadata.csv"))
        self.assertEqual(len(got[0]), 10)
        self.assertEqual([len(x) for x in got], [10] * 4)
        _, out2, _ = self.import_export(out, "meta10-out2")
        self.assertSameFiles(out, out2)

    # -- schema migration ----------------------------------------------------------------------
    @harness.sqlite_only("writes a schema-v2 SQLite file and checks its migration")
    def test_v2_database_migrates_in_place(self):
        """A database written before unions (schema v2) kept OT, Notas and the counter cells
        verbatim in spools.extra. Opened now, they move to their typed columns, leave extra, and
        an export puts them back under their own headers."""
        db = self.p("v2.db")
        con = sqlite3.connect(db)
        con.executescript(V2_SCHEMA)
        heads = ["TAG_SPOOL", "OT", "Notas", "Fecha_Materiales", "Fecha_Armado", "Armador",
                 "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología", "Ocupado_Por",
                 "Fecha_Ocupacion", "version", "Estado_Detalle", "Total_Uniones",
                 "Pulgadas_ARM", "Cliente", "NV"]
        for i, h in enumerate(heads):
            con.execute("INSERT INTO sheet_headers VALUES('Operaciones', ?, ?)", (i, h))
        extra = [None] * len(heads)
        extra[1], extra[2], extra[13], extra[14], extra[15] = \
            "1234", " nota uno\nnota dos ", "5", "12,50", "Codelco, S.A."
        con.execute("INSERT INTO spools(row, tag, nv, fecha_materiales, armador, version, extra)"
                    " VALUES(1, 'V2-1', 'NV1', 20260110, 'MR(93)', 4, ?)", (json.dumps(extra),))
        con.execute("INSERT INTO events(id, ts, tipo, tag, worker_id, worker_nombre, operacion,"
                    " accion, fecha_operacion, metadata_json) VALUES('ev-1', 1767355200,"
                    " 'TOMAR_SPOOL', 'V2-1', 93, 'MR(93)', 'ARM', 'TOMAR', 20260102, '{}')")
        con.execute("PRAGMA user_version = 2")
        con.commit()
        con.close()
        out = self.p("v2-out")
        r = export_dir(db, out)
        # Through v3 (the unions) to whatever the current schema is (v4 added devices).
        m = re.search(r"migrated from version 2 to (\d+)\b", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        current = int(m.group(1))
        self.assertGreaterEqual(current, 3)
        rows = read_rows(os.path.join(out, "Operaciones.csv"))
        self.assertEqual(rows[0], heads)
        got = dict(zip(rows[0], rows[1]))
        self.assertEqual((got["OT"], got["Notas"], got["Total_Uniones"], got["Pulgadas_ARM"],
                          got["Cliente"], got["Armador"], got["version"]),
                         ("1234", " nota uno\nnota dos ", "5", "12.5", "Codelco, S.A.",
                          "MR(93)", "4"))
        self.assertEqual(len(read_rows(os.path.join(out, "Metadata.csv"))), 2)
        con = sqlite3.connect(db)
        ver = con.execute("PRAGMA user_version").fetchone()[0]
        typed = con.execute("SELECT ot, notas, total_uniones, pulgadas_arm_c, extra FROM spools"
                            ).fetchone()
        con.close()
        self.assertEqual(ver, current)
        self.assertEqual(typed[:4], ("1234", " nota uno\nnota dos ", 5, 1250))
        left = json.loads(typed[4])
        self.assertEqual([left[i] for i in (1, 2, 13, 14)], [None] * 4)  # no longer in extra
        self.assertEqual(left[15], "Codelco, S.A.")
        # The migrated store round-trips like any other.
        _, out2, _ = self.import_export(out, "v2-again")
        self.assertSameFiles(out, out2)

    # -- the demo plant ------------------------------------------------------------------------
    def test_demo_unions_consistent_and_deterministic(self):
        db = self.p("demo.db")
        r = harness.run_cli("demo", "--db", db, "--spools", 120, "--seed", 11)
        self.assertEqual(r.returncode, 0, r.stderr)
        d1 = self.p("d1")
        export_dir(db, d1)
        op = read_rows(os.path.join(d1, "Operaciones.csv"))
        un = read_rows(os.path.join(d1, "Uniones.csv"))
        meta = read_rows(os.path.join(d1, "Metadata.csv"))
        self.assertEqual(len(op[0]), 75)
        self.assertEqual(meta[0][10], "N_UNION")
        spools = op_by_tag(op)
        unions = {}
        for u in by_key(un).values():
            unions.setdefault(u["TAG_SPOOL"], []).append(u)
        # About half the spools are tracked per union, each with 1..12 unions.
        with_unions = [t for t in spools if t in unions]
        self.assertTrue(0.35 * len(spools) <= len(with_unions) <= 0.65 * len(spools),
                        len(with_unions))
        self.assertTrue(all(1 <= len(unions[t]) <= 12 for t in with_unions))
        # The demo's counters were consistent already: the store corrected none (a correction
        # raises the spool's version).
        self.assertEqual({sp["version"] for sp in spools.values()}, {"0"})
        sold_types = {"BW", "BR", "SO", "FILL", "LET"}
        for t, sp in spools.items():
            us = unions.get(t, [])
            if not us:
                self.assertEqual([sp[c] for c in COUNTERS], [""] * 5, t)
                continue
            full = [u for u in us if u["DN_UNION"] and u["TIPO_UNION"]]
            arm = [u for u in full if u["ARM_FECHA_FIN"]]
            sold = [u for u in full if u["SOL_FECHA_FIN"]]

            def pd(lst):
                return sum(int(round(float(u["DN_UNION"]) * 100)) for u in lst)

            def fmt(c):
                w, f = divmod(c, 100)
                return str(w) if f == 0 else ("%d.%d" % (w, f // 10) if f % 10 == 0
                                              else "%d.%02d" % (w, f))
            self.assertEqual([sp[c] for c in COUNTERS],
                             [str(len(us)), str(len(arm)), str(len(sold)), fmt(pd(arm)),
                              fmt(pd(sold))], t)
            # SOLD only on unions that were assembled and whose type is welded
            for u in sold:
                self.assertTrue(u["ARM_FECHA_FIN"] and u["TIPO_UNION"] in sold_types, (t, u))
            # spool-level dates agree with the unions
            if sp["Fecha_Armado"]:
                self.assertEqual(len(arm), len(full), t)
            if sp["Fecha_Soldadura"]:
                self.assertEqual(len(sold), len([u for u in full if u["TIPO_UNION"] in sold_types]))
        # Union events: one per union and operation, with its N_UNION, by the union's worker;
        # each spool-level event counts the per-union ones that follow it.
        per_union = {}
        for i, m in enumerate(meta[1:], 1):
            if m[2] in ("UNION_ARM_REGISTRADA", "UNION_SOLD_REGISTRADA"):
                if m[10]:
                    key = (m[3], m[10], m[6])
                    self.assertNotIn(key, per_union)
                    per_union[key] = m
                else:
                    j = json.loads(m[9])
                    following = meta[i + 1:i + 1 + j["union_count"]]
                    self.assertEqual([f[10] for f in following],
                                     [x.split("+")[1] for x in j["union_ids"]])
        for t, us in unions.items():
            for u in us:
                for op_name, fin, who in (("ARM", "ARM_FECHA_FIN", "ARM_WORKER"),
                                          ("SOLD", "SOL_FECHA_FIN", "SOL_WORKER")):
                    ev = per_union.get((t, u["N_UNION"], op_name))
                    self.assertEqual(bool(ev), bool(u[fin]), (t, u["N_UNION"], op_name))
                    if ev:
                        self.assertEqual(ev[5], u[who])
                        self.assertEqual(ev[1], u[fin])
                        self.assertEqual(json.loads(ev[9])["union_id"],
                                         "%s+%s" % (u["OT"], u["N_UNION"]))
        # Spools share numeric OTs, with unions of their own (wire ids collide across them).
        by_ot = {}
        for t in with_unions:
            by_ot.setdefault(spools[t]["OT"], []).append(t)
        shared = [ts for ot, ts in by_ot.items() if len(ts) > 1]
        self.assertTrue(shared)
        self.assertTrue(all(ot.isdigit() for ot in by_ot))
        # Every state, for both kinds: free, ARM partial / in progress / done, SOLD partial /
        # in progress, ready for metrología, rejected, in repair.
        def state(sp):
            e = sp["Estado_Detalle"]
            if sp["Ocupado_Por"]:
                return "repair" if "EN_REPARACION" in e else (
                    "sold_working" if sp["Fecha_Armado"] else "arm_working")
            if "REPARACION" in e:
                return "repair"
            if "RECHAZADO" in e or "BLOQUEADO" in e:
                return "rejected"
            if sp["Fecha_QC_Metrología"]:
                return "approved"
            if sp["Fecha_Soldadura"]:
                return "ready"
            if sp["Soldador"]:
                return "sold_paused"
            if sp["Fecha_Armado"]:
                return "arm_done"
            if sp["Armador"]:
                return "arm_paused"
            return "free"
        want = {"free", "arm_paused", "arm_working", "arm_done", "sold_paused", "sold_working",
                "ready", "approved", "rejected", "repair"}
        for kind, tags in (("unions", with_unions),
                           ("whole", [t for t in spools if t not in unions])):
            seen = {state(spools[t]) for t in tags}
            self.assertEqual(want - seen, set(), kind)
        for t in with_unions:
            if state(spools[t]) == "arm_paused":
                self.assertRegex(spools[t]["Estado_Detalle"], r"^ARM parcial \d+/\d+ \(pausado\)$")
        # Round trip of the demo is byte-identical, with the unions.
        _, d2, r2 = self.import_export(d1, "d2")
        self.assertNotIn("aviso", r2.stderr)
        self.assertSameFiles(d1, d2)
        # Deterministic: the same seed gives the same plant (times are relative to now).
        db3 = self.p("demo3.db")
        harness.run_cli("demo", "--db", db3, "--spools", 120, "--seed", 11)
        d3 = self.p("d3")
        export_dir(db3, d3)
        keep = ["OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION", "ARM_WORKER", "SOL_WORKER",
                "ID", "version"]
        strip = lambda rows: [[r[rows[0].index(h)] for h in keep] for r in rows]  # noqa: E731
        self.assertEqual(strip(read_rows(os.path.join(d3, "Uniones.csv"))), strip(un))
        self.assertEqual([m[2:8] + [m[9][:15], m[10]] for m in
                          read_rows(os.path.join(d3, "Metadata.csv"))],
                         [m[2:8] + [m[9][:15], m[10]] for m in meta])


# The schema of version 2 (frozen: src/store/store_sqlite_schema.c, schema_v1 + schema_v2).
V2_SCHEMA = """
CREATE TABLE spools(row INTEGER NOT NULL, tag TEXT PRIMARY KEY, nv TEXT NOT NULL DEFAULT '',
 fecha_materiales INTEGER NOT NULL DEFAULT 0, fecha_armado INTEGER NOT NULL DEFAULT 0,
 fecha_soldadura INTEGER NOT NULL DEFAULT 0, fecha_qc INTEGER NOT NULL DEFAULT 0,
 armador TEXT NOT NULL DEFAULT '', soldador TEXT NOT NULL DEFAULT '',
 ocupado_por TEXT NOT NULL DEFAULT '', ocupado_worker_id INTEGER NOT NULL DEFAULT 0,
 ocupado_op INTEGER NOT NULL DEFAULT 0, fecha_ocupacion INTEGER NOT NULL DEFAULT 0,
 lock_token TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 0,
 metrologia INTEGER NOT NULL DEFAULT 0, repair INTEGER NOT NULL DEFAULT 0,
 repair_cycle INTEGER NOT NULL DEFAULT 0, estado_detalle TEXT NOT NULL DEFAULT '',
 extra TEXT NOT NULL DEFAULT '[]') WITHOUT ROWID;
CREATE INDEX spools_row ON spools(row);
CREATE TABLE sheet_headers(sheet TEXT NOT NULL, pos INTEGER NOT NULL, header TEXT NOT NULL,
 PRIMARY KEY(sheet, pos));
CREATE TABLE workers(pos INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE, nombre TEXT NOT NULL,
 apellido TEXT NOT NULL, rol TEXT NOT NULL DEFAULT '', activo TEXT NOT NULL);
CREATE TABLE roles(pos INTEGER PRIMARY KEY, worker_id INTEGER NOT NULL, rol TEXT NOT NULL,
 activo TEXT NOT NULL);
CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, ts INTEGER NOT NULL,
 tipo TEXT NOT NULL, tag TEXT NOT NULL, worker_id INTEGER NOT NULL,
 worker_nombre TEXT NOT NULL, operacion TEXT NOT NULL, accion TEXT NOT NULL,
 fecha_operacion INTEGER NOT NULL, metadata_json TEXT NOT NULL,
 live_json TEXT NOT NULL DEFAULT '');
CREATE INDEX events_tag ON events(tag, seq);
CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events
 BEGIN SELECT RAISE(ABORT, 'Metadata is append-only'); END;
CREATE TRIGGER events_append_only_d BEFORE DELETE ON events
 BEGIN SELECT RAISE(ABORT, 'Metadata is append-only'); END;
CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);
INSERT INTO meta(k, v) VALUES('generation', 0);
"""


if __name__ == "__main__":
    unittest.main()
