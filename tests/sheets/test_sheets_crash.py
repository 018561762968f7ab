"""Exactly once in the Metadata sheet, whatever happens between Google applying an append and
the server hearing back: an answer that never comes, a SIGKILL while Google holds the answer,
and repeated SIGKILLs under load. After each, every event is in the sheet once, in order."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sheets_harness as sh  # noqa: E402


def meta_rows(standin):
    return sh.trim(standin.dump().get("Metadata", []))


class ExactlyOnce(sh.SheetsCase):
    SPOOLS = 60
    SYNC = {"push_ms": 200, "backoff_ms": 1000}

    def mutate(self, n):
        pairs = sh.arm_pairs(self.server, 4)
        loaders, _ = sh.run_load(self.server, pairs, limit=n)
        done, _, errors = sh.join_load(loaders)
        self.assertEqual(errors, [])
        return done

    def test_1_lost_answer_is_not_appended_twice(self):
        sh.wait_synced(self.server, 60)
        before = len(meta_rows(self.standin))
        self.standin.control("drop_appends", count=1)
        self.mutate(3)
        sh.wait_synced(self.server, 60)
        self.assertEqual(len(meta_rows(self.standin)), before + 12)
        sh.assert_sheet_equals_export(self, self.standin, self.db, ("Metadata", "Operaciones"))
        self.assertIn("none appended twice", self.server.stderr())

    def test_2_sigkill_while_google_holds_the_answer(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        before = len(meta_rows(self.standin))
        self.standin.control("stall_appends", seconds=30)
        self.mutate(2)  # 8 events
        # The append is applied at Google, its answer held back: kill the server now.
        sh.wait_for(lambda: len(meta_rows(self.standin)) >= before + 8, 30,
                    what="the append to reach the stand-in")
        srv.kill()
        self.standin.control("stall_appends", seconds=0)
        srv.start()
        sh.wait_synced(srv, 60)
        rows = meta_rows(self.standin)
        self.assertEqual(len(rows), before + 8)
        self.assertIn("none appended twice", srv.stderr())  # the restart found them there
        sh.assert_sheet_equals_export(self, self.standin, self.db, ("Metadata", "Operaciones"))

    def test_3_sigkill_storm_under_load(self):
        srv = self.server
        pairs = sh.arm_pairs(srv, 6)
        for _ in range(4):
            loaders, stop = sh.run_load(srv, pairs)
            time.sleep(1.5)
            srv.kill()
            sh.join_load(loaders, stop)  # answers lost to the kill are the loaders' business
            srv.start()
        sh.wait_synced(srv, 90)
        sh.assert_sheet_equals_export(self, self.standin, self.db, ("Metadata", "Operaciones"))


if __name__ == "__main__":
    unittest.main()
