"""A union deleted on a tablet (POST /api/v4/uniones/guardar) leaves the office's Uniones sheet,
and nothing brings it back:
  - its row is deleted (spreadsheets.batchUpdate deleteDimension of the row found by
    TAG_SPOOL + N_UNION just before, by the sheet's numeric sheetId); every other row stays,
    in order, also when a person inserted a row above it after the tablet's change; the union
    the person typed in that row comes into the store with the next pull, the deleted one
    does not;
  - a pull of a sheet that has not caught up with the deletion leaves it deleted, also when
    no version cell marks the sheet as behind (the sync off, the spool's Operaciones row
    deleted by a person and appended again, current, by a pull); once the push took the row
    out, the office may type the same key in again: that is a new union and it comes in;
  - an answer that never comes, a SIGKILL while Google holds the answer, and a SIGKILL while
    Google is unreachable with the deletion pending: exactly that row is deleted, once."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sheets_harness as sh  # noqa: E402


def cell(row, i):
    return row[i] if 0 <= i < len(row) else ""


class DeletedUnions(sh.SheetsCase):
    SPOOLS = 80
    SYNC = {"push_ms": 150, "pull_s": 0, "backoff_ms": 1000}   # pulls: at start and by hand
    used = set()

    # -- helpers -------------------------------------------------------------------------
    def uniones(self):
        return sh.trim(self.standin.dump()["Uniones"])

    def keys(self, rows):
        h = rows[0]
        t, n = h.index("TAG_SPOOL"), h.index("N_UNION")
        return [(cell(r, t), cell(r, n)) for r in rows]

    def todas(self, tag):
        r = self.server.get("/api/v4/uniones/%s/todas" % tag)
        self.assertEqual(r.status, 200, r)
        return r.json["unions"]

    def pick(self):
        """(tag, n, index in the Uniones dump) of a union without work, of a spool that keeps
        at least one other union, whose row is not the sheet's last, not picked before."""
        rows = self.uniones()
        keys = self.keys(rows)
        for i in range(1, len(rows) - 1):
            tag, n = keys[i]
            if not tag or tag in self.used or not keys[i + 1][0]:
                continue
            unions = self.todas(tag)
            mine = [u for u in unions if str(u["n_union"]) == n]
            if len(unions) >= 2 and mine and not mine[0]["has_work"]:
                self.used.add(tag)
                return tag, n, i
        self.fail("no free union left to delete in the demo plant")

    def delete_union(self, tag, n):
        keep = [{"n_union": u["n_union"], "dn_union": u["dn_union"],
                 "tipo_union": u["tipo_union"]} for u in self.todas(tag)
                if str(u["n_union"]) != n]
        r = self.server.post("/api/v4/uniones/guardar",
                             json_body={"tag_spool": tag, "unions": keep})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["deleted"], 1, r.json)

    def deleted_rows(self):
        return self.standin.stats()["deleted_rows"].get("Uniones", 0)

    def exported_keys(self):
        u = sh.export_tables(self.db)["Uniones"]
        return set(self.keys(u)[1:])

    def assert_only_that_row_went(self, before, at, d0):
        """The sheet is what it was with row `at` (0-based in the dump) taken out, and the
        stand-in deleted one row in all."""
        self.assertEqual(self.uniones(), before[:at] + before[at + 1:])
        self.assertEqual(self.deleted_rows(), d0 + 1)

    # -- the cases -----------------------------------------------------------------------
    def test_1_row_deleted_others_in_place_person_row_above(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        before = self.uniones()
        h = before[0]
        tag, n, at = self.pick()
        # An office clerk adds a union (a spool's N_UNION 20) at the top, after the tablet's
        # change and before the server reads the sheet again: our row moves down by one.
        other = next(t for t, _ in self.keys(before)[1:] if t and t != tag)
        office = [""] * len(h)
        for k, v in (("ID", "OFI+20"), ("OT", "OFI"), ("N_UNION", "20"), ("TAG_SPOOL", other),
                     ("DN_UNION", "3"), ("TIPO_UNION", "BW")):
            office[h.index(k)] = v
        self.standin.control("insert_row", title="Uniones", index=1, values=office, defer=True)
        d0 = self.deleted_rows()
        self.delete_union(tag, n)
        sh.wait_synced(srv, 60)
        sh.wait_for(lambda: (tag, n) not in self.keys(self.uniones()), 30,
                    what="the deleted union's row to leave the sheet")
        want = [before[0], sh.trim([office])[0]] + before[1:at] + before[at + 1:]
        self.assertEqual(self.uniones(), want)
        self.assertEqual(self.deleted_rows(), d0 + 1)
        self.assertIn("(%s+%s) deleted: the union was deleted in ZEUES" % (tag, n), srv.stderr())
        self.assertEqual(self.standin.stats()["400"], 0)
        # The next pull brings the office's union in and leaves the deleted one out.
        r = sh.cli_sheets("pull", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn(int(n), [u["n_union"] for u in self.todas(tag)])
        self.assertIn(20, [u["n_union"] for u in self.todas(other)])
        self.assertNotIn((tag, n), self.keys(self.uniones()))
        self.assertEqual(self.uniones(), want)

    def test_2_a_pull_of_a_sheet_behind_never_brings_it_back(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        sync = list(srv.args)
        srv.stop()
        srv.args = []          # the sync off: the sheet stays behind the tablets
        srv.start()
        try:
            before = self.uniones()
            tag, n, at = self.pick()
            # A person deleted the spool's Operaciones row: the next pull appends it again,
            # as the store has it now, and from then on no version cell tells a pull that
            # the Uniones sheet still shows the spool as it was before the tablet's change.
            ops = sh.trim(self.standin.dump()["Operaciones"])
            tc = ops[0].index("TAG_SPOOL")
            row = next(i for i, r in enumerate(ops) if cell(r, tc) == tag)
            self.standin.control("delete_row", title="Operaciones", index=row)
            self.delete_union(tag, n)
        finally:
            srv.stop()
        r = sh.cli_sheets("pull", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn((tag, n), self.keys(self.uniones()))   # the sheet still has the row
        self.assertNotIn((tag, n), self.exported_keys())     # the store did not take it back
        ops = sh.trim(self.standin.dump()["Operaciones"])
        self.assertEqual(len([r for r in ops if cell(r, tc) == tag]), 1)   # appended, current
        # The sync back on: its start-up pull reads the union's row beside a current spool row
        # and still leaves it out (only the record of the deletion can tell); its push then
        # deletes the row.
        d0 = self.deleted_rows()
        srv.args = sync
        srv.start()
        sh.wait_synced(srv, 60)
        sh.wait_for(lambda: (tag, n) not in self.keys(self.uniones()), 30,
                    what="the deleted union's row to leave the sheet")
        self.assertEqual(self.uniones(), before[:at] + before[at + 1:])
        self.assertEqual(self.deleted_rows(), d0 + 1)
        self.assertNotIn((tag, n), self.exported_keys())
        # Now the office types the same key in again, at the bottom: a new union, it comes in.
        rows = self.uniones()
        h = rows[0]
        for k, v in (("OT", "OFI"), ("N_UNION", n), ("TAG_SPOOL", tag), ("DN_UNION", "2"),
                     ("TIPO_UNION", "SO")):
            self.standin.control("set_cell", title="Uniones", row=len(rows), col=h.index(k),
                                 value=v)
        r = sh.cli_sheets("pull", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn((tag, n), self.exported_keys())

    def test_3_an_answer_lost_deletes_no_second_row(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        before = self.uniones()
        tag, n, at = self.pick()
        d0 = self.deleted_rows()
        self.standin.control("drop_structure", count=1)   # applied, never answered
        self.delete_union(tag, n)
        # Synced: the cycle after the lost answer read the sheet, found the row gone and went
        # on (a blind retry of the same request would have deleted the row below it).
        sh.wait_synced(srv, 60)
        self.assert_only_that_row_went(before, at, d0)
        self.assertNotIn("(%s+%s) deleted" % (tag, n), srv.stderr())   # never heard back

    def test_4_sigkill_while_google_holds_the_answer(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        before = self.uniones()
        tag, n, at = self.pick()
        d0 = self.deleted_rows()
        self.standin.control("stall_structure", seconds=30)
        self.delete_union(tag, n)
        sh.wait_for(lambda: (tag, n) not in self.keys(self.uniones()), 30,
                    what="the deletion to reach the stand-in")
        srv.kill()              # Google deleted the row; the server never heard
        self.standin.control("stall_structure", seconds=0)
        srv.start()
        sh.wait_synced(srv, 60)
        self.assert_only_that_row_went(before, at, d0)
        self.assertNotIn("(%s+%s) deleted" % (tag, n), srv.stderr())   # found it gone
        self.assertNotIn((tag, n), self.exported_keys())

    def test_5_sigkill_while_google_is_unreachable(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        before = self.uniones()
        tag, n, at = self.pick()
        d0 = self.deleted_rows()
        self.standin.control("outage", mode="drop")
        self.delete_union(tag, n)
        sh.wait_for(lambda: sh.health_sheets(srv)["state"] == "retrying", 30,
                    what="a failed push attempt")
        srv.kill()              # the deletion pending, nothing of it at Google
        self.assertEqual(self.uniones(), before)
        self.standin.control("outage", mode="off")
        srv.start()
        sh.wait_synced(srv, 60)
        sh.wait_for(lambda: (tag, n) not in self.keys(self.uniones()), 30,
                    what="the deletion after the restart")
        self.assert_only_that_row_went(before, at, d0)
        sh.assert_sheet_equals_export(self, self.standin, self.db, ("Uniones",))


if __name__ == "__main__":
    unittest.main()
