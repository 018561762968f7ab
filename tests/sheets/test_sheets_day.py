"""A day of plant work reaches the office's spreadsheet within Google's quota, and the sheet
then holds exactly what `zeues export` writes (same cells, same Metadata rows in the same
order, each event once). Real binary, real Redis, real SQLite, the local Sheets stand-in
enforcing Google's default per-user quota (60 reads and 60 writes a minute)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sheets_harness as sh  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "blackbox"))
from test_operator_kit import parse_metrics  # noqa: E402


class DayOfWork(sh.SheetsCase):
    SPOOLS = 150
    SYNC = {"writes": 60, "reads": 60, "push_ms": 500}

    def test_day_of_work_pushed_within_quota_sheet_equals_export(self):
        srv = self.server
        self.assertEqual(self.standin.stats()["429"], 0)
        pairs = sh.arm_pairs(srv, 24)
        loaders, stop = sh.run_load(srv, pairs, limit=125)  # 24 x 125 = 3000 mutations
        done, lat, errors = sh.join_load(loaders)
        self.assertEqual(errors, [])
        self.assertEqual(done, 3000)
        h = sh.wait_synced(srv, timeout=90)
        self.assertIsNone(h["last_error"], h)
        self.assertGreaterEqual(h["events_pushed"], 3000)
        sh.assert_sheet_equals_export(self, self.standin, self.db)
        st = self.standin.stats()
        # Within Google's quota: never refused, never more than 60 a minute of either kind.
        self.assertEqual(st["429"], 0, st)
        self.assertLessEqual(st["max_per_minute"]["write"], 60, st)
        self.assertLessEqual(st["max_per_minute"]["read"], 60, st)
        # Batched: 3000 events in far fewer appends than events.
        self.assertLess(st["write"], 200, st)
        r = sh.cli_sheets("status", self.db, self.standin)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("events pending: 0 ", r.stdout)
        self.assertIn("spreadsheet: reachable, sheets: Operaciones Trabajadores Roles Uniones "
                      "Metadata", r.stdout)
        # A monitoring system sees the same: nothing pending, the sheet up to date.
        m = srv.get("/metrics")
        self.assertEqual(m.status, 200, m)
        samples, _ = parse_metrics(m.body.decode("utf-8"))
        pushed = srv.get("/api/health").json["sheets"]["events_pushed"]
        self.assertEqual(samples[("zeues_sheets_state", frozenset({("state", "ok")}))], 1)
        self.assertEqual(samples[("zeues_sheets_events_pending", frozenset())], 0)
        self.assertEqual(samples[("zeues_sheets_behind_seconds", frozenset())], 0)
        self.assertEqual(samples[("zeues_sheets_events_pushed_total", frozenset())], pushed)

    def test_key_without_sheet_id_is_refused_by_name(self):
        r = sh.harness.run_cli("serve", "--port", "0", "--db", self.db, "--sheets-key",
                               self.standin.key)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--sheets-key needs --sheet-id", r.stderr)
        r = sh.harness.run_cli("sheets", "resync", "--db", self.db)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("status, push, pull or init", r.stderr)


if __name__ == "__main__":
    unittest.main()
