"""People edit the spreadsheet while ZEUES writes to it.
  - A column and a row inserted in Operaciones (and a column in Uniones) while tablets work:
    every tracking cell ends in the row of its TAG_SPOOL (+ N_UNION) and the column of its
    header; the inserted column keeps what the person typed, the inserted row stays blank.
  - A pull brings a spool a person added (its date typed as a spreadsheet serial) and an edited
    engineering cell into the store; a person's edit of Ocupado_Por changes nothing in the
    store, is put back in the sheet and logged as a conflict.
  - A pull whose sheet lacks a required column stops with an error naming it and changes
    nothing; the push goes on.
  - A spool whose row a person deleted comes back whole (engineering cells too) at the next
    change of it."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sheets_harness as sh  # noqa: E402

OWNED = ("Fecha_Armado", "Armador", "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología",
         "Ocupado_Por", "Fecha_Ocupacion", "version", "Estado_Detalle")
UNION_OWNED = ("ARM_FECHA_INICIO", "ARM_FECHA_FIN", "ARM_WORKER", "SOL_FECHA_INICIO",
               "SOL_FECHA_FIN", "SOL_WORKER")


def cell(row, i):
    return row[i] if 0 <= i < len(row) else ""


class Drift(sh.SheetsCase):
    SPOOLS = 80
    SYNC = {"push_ms": 150, "pull_s": 2}

    def sheet(self, name):
        return sh.trim(self.standin.dump()[name])

    def test_1_inserted_column_and_row_mid_sync(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        pairs = sh.arm_pairs(srv, 8)
        loaders, stop = sh.run_load(srv, pairs)
        time.sleep(1.0)
        ops = self.sheet("Operaciones")
        tag_col = ops[0].index("TAG_SPOOL")
        # Between two cycles a person inserts MatSys at C, types in it, inserts a blank row 4
        # and a column in Uniones.
        self.standin.control("insert_column", title="Operaciones", index=2, header="MatSys",
                             defer=True)
        for r in (1, 5, 9):
            self.standin.control("set_cell", title="Operaciones", row=r, col=2,
                                 value="MS-%d" % r, defer=True)
        self.standin.control("insert_row", title="Operaciones", index=3, values=[], defer=True)
        self.standin.control("insert_column", title="Uniones", index=0, header="Comentario",
                             defer=True)
        time.sleep(2.0)
        _, _, errors = sh.join_load(loaders, stop)
        self.assertEqual(errors, [])
        sh.wait_synced(srv, 60)
        # A pull (every 2 s) takes the person's column into the store's layout.
        sh.wait_for(lambda: "MatSys" in sh.export_tables(self.db)["Operaciones"][0], 30,
                    what="a pull to bring the MatSys column")
        sh.wait_synced(srv, 60)
        ops = self.sheet("Operaciones")
        self.assertEqual(ops[0][2], "MatSys")
        self.assertEqual(ops[0][tag_col + 1], "TAG_SPOOL")
        self.assertEqual(ops[3], [], "the row a person inserted got cells")
        exp = sh.export_tables(self.db)
        want = {r[exp["Operaciones"][0].index("TAG_SPOOL")]: r for r in exp["Operaciones"][1:]}
        eh, sh_ = exp["Operaciones"][0], ops[0]
        seen = 0
        for i, row in enumerate(ops[1:], start=2):
            tag = cell(row, sh_.index("TAG_SPOOL"))
            if not tag:
                continue
            seen += 1
            for h in OWNED:
                self.assertEqual(cell(row, sh_.index(h)), cell(want[tag], eh.index(h)),
                                 "sheet row %d (%s) column %s" % (i, tag, h))
        self.assertEqual(seen, len(want))
        typed = {r: cell(ops[r], 2) for r in range(1, len(ops))}
        self.assertEqual({r: v for r, v in typed.items() if v},
                         {1: "MS-1", 6: "MS-5", 10: "MS-9"})  # rows shifted by the new row 4
        # The pull took MatSys into the store's layout: the export now has the column too.
        self.assertIn("MatSys", eh)
        un = self.sheet("Uniones")
        self.assertEqual(un[0][0], "Comentario")
        self.assertTrue(all(cell(r, 0) == "" for r in un[1:]))
        ew = {(r[exp["Uniones"][0].index("TAG_SPOOL")], r[exp["Uniones"][0].index("N_UNION")]): r
              for r in exp["Uniones"][1:]}
        uh = un[0]
        for row in un[1:]:
            key = (cell(row, uh.index("TAG_SPOOL")), cell(row, uh.index("N_UNION")))
            for h in UNION_OWNED:
                self.assertEqual(cell(row, uh.index(h)), cell(ew[key], exp["Uniones"][0].index(h)),
                                 "Uniones %s %s" % (key, h))
        st = self.standin.stats()
        self.assertEqual(st["400"], 0, st)

    def test_2_pull_brings_new_spools_and_engineering_cells_keeps_tracking(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        ops = self.sheet("Operaciones")
        h = ops[0]
        # A free spool (nobody occupies it) and a new row a person typed at the bottom.
        free = next(r for r in ops[1:] if r and cell(r, h.index("TAG_SPOOL")) and
                    not cell(r, h.index("Ocupado_Por")))
        free_tag = cell(free, h.index("TAG_SPOOL"))
        free_row = ops.index(free)
        n = len(ops)
        new = "MK-9999-CW-99999-001"
        # One cell at a time, as a person types: the new row's key last, so that the pull that
        # brings the new spool (what the wait below looks for) read every other edit too.
        self.standin.control("set_cell", title="Operaciones", row=n, col=h.index("NV"),
                             value="777")
        self.standin.control("set_cell", title="Operaciones", row=n,
                             col=h.index("Fecha_Materiales"), value=46043)   # 21-01-2026
        self.standin.control("set_cell", title="Operaciones", row=free_row,
                             col=h.index("Ocupado_Por"), value="ZZ(999)")
        self.standin.control("set_cell", title="Operaciones", row=free_row, col=h.index("NV"),
                             value="NV-EDITADA")
        self.standin.control("set_cell", title="Operaciones", row=n, col=h.index("TAG_SPOOL"),
                             value=new)
        def pulled():
            e = sh.export_tables(self.db)["Operaciones"]
            return e if any(new in r for r in e) else None
        exp = sh.wait_for(pulled, 20, what="the pull to bring the new spool")
        eh = exp[0]
        rows = {r[eh.index("TAG_SPOOL")]: r for r in exp[1:]}
        self.assertEqual(cell(rows[new], eh.index("Fecha_Materiales")), "21-01-2026")
        self.assertEqual(cell(rows[new], eh.index("NV")), "777")
        self.assertEqual(cell(rows[free_tag], eh.index("NV")), "NV-EDITADA")
        self.assertEqual(cell(rows[free_tag], eh.index("Ocupado_Por")), "")
        d = srv.get("/api/spools/detail?tag=" + new)
        self.assertEqual(d.status, 200, d)
        # Put back in the sheet, logged, counted.
        sh.wait_for(lambda: cell(self.sheet("Operaciones")[free_row], h.index("Ocupado_Por"))
                    == "", 20, what="Ocupado_Por to be put back")
        self.assertIn("conflict: Operaciones row %d (%s) Ocupado_Por: the sheet says 'ZZ(999)'"
                      % (free_row + 1, free_tag), srv.stderr())
        self.assertGreaterEqual(sh.health_sheets(srv)["conflicts"], 1)

    def test_3_missing_required_column_stops_the_pull(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        ops = self.sheet("Operaciones")
        col = ops[0].index("Fecha_Materiales")
        before = sh.export_tables(self.db)
        self.standin.control("set_cell", title="Operaciones", row=0, col=col, value="Fecha Mat.")
        self.standin.control("set_cell", title="Operaciones", row=1,
                             col=ops[0].index("NV"), value="NO-DEBE-ENTRAR")
        r = sh.cli_sheets("pull", self.db, self.standin)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Fecha_Materiales", r.stderr)
        self.assertIn("nothing changed", r.stderr)
        self.assertEqual(sh.export_tables(self.db), before)
        # The push goes on meanwhile (it needs only TAG_SPOOL and the tracking headers).
        pairs = sh.arm_pairs(srv, 2)
        loaders, _ = sh.run_load(srv, pairs, limit=2)
        sh.join_load(loaders)
        sh.wait_synced(srv, 30)
        self.standin.control("set_cell", title="Operaciones", row=0, col=col,
                             value="Fecha_Materiales")

    def test_4_notas_written_in_both_places(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        tag = sh.arm_pairs(srv, 1)[0][0]
        # A tablet adds a note while the server does not sync: the sheet is behind.
        sync = list(srv.args)
        srv.stop()
        srv.args = []
        srv.start()
        r = srv.post("/api/spool/%s/notas" % tag, json_body={"texto": "soldadura revisada"})
        self.assertEqual(r.status, 200, r)
        note = r.json["nota"] if "nota" in r.json else None
        srv.stop()
        # A pull of the older row keeps the note; a push then writes it to the sheet.
        r = sh.cli_sheets("pull", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stderr)
        exp = sh.export_tables(self.db)["Operaciones"]
        eh = exp[0]
        row = next(x for x in exp[1:] if cell(x, eh.index("TAG_SPOOL")) == tag)
        self.assertIn("soldadura revisada", cell(row, eh.index("Notas")), note)
        r = sh.cli_sheets("push", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stderr)
        ops = self.sheet("Operaciones")
        h = ops[0]
        at = next(i for i, x in enumerate(ops) if cell(x, h.index("TAG_SPOOL")) == tag)
        self.assertIn("soldadura revisada", cell(ops[at], h.index("Notas")))
        # The office adds a line in the sheet to a row that is current: the pull takes it.
        text = cell(ops[at], h.index("Notas")) + "\n20260416: revisar con calidad"
        self.standin.control("set_cell", title="Operaciones", row=at, col=h.index("Notas"),
                             value=text)
        r = sh.cli_sheets("pull", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stderr)
        exp = sh.export_tables(self.db)["Operaciones"]
        row = next(x for x in exp[1:] if cell(x, eh.index("TAG_SPOOL")) == tag)
        self.assertEqual(cell(row, eh.index("Notas")), text)
        srv.args = sync
        srv.start()
        sh.wait_synced(srv, 60)


class DeletedRow(sh.SheetsCase):
    SPOOLS = 30
    SYNC = {"push_ms": 150, "pull_s": 0}   # pulls only at start: the push must do it

    def sheet(self, name):
        return sh.trim(self.standin.dump()[name])

    def test_deleted_row_comes_back_whole(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        tag, wid = sh.arm_pairs(srv, 1)[0]
        ops = self.sheet("Operaciones")
        tc = ops[0].index("TAG_SPOOL")
        at = next(i for i, r in enumerate(ops) if cell(r, tc) == tag)
        self.standin.control("delete_row", title="Operaciones", index=at)
        self.assertFalse(any(cell(r, tc) == tag for r in self.sheet("Operaciones")))
        loaders, _ = sh.run_load(srv, [(tag, wid)], limit=1)
        sh.join_load(loaders)
        sh.wait_synced(srv, 30)
        ops = self.sheet("Operaciones")
        rows = [r for r in ops[1:] if cell(r, tc) == tag]
        self.assertEqual(len(rows), 1)
        exp = sh.export_tables(self.db)["Operaciones"]
        eh = exp[0]
        want = next(r for r in exp[1:] if cell(r, eh.index("TAG_SPOOL")) == tag)
        for j, hname in enumerate(ops[0]):
            if hname in eh:
                self.assertEqual(cell(rows[0], j), cell(want, eh.index(hname)), hname)
        self.assertRegex(srv.stderr(), r"push: \d+ events to Metadata, \d+ cells, 1 rows appended")


if __name__ == "__main__":
    unittest.main()
