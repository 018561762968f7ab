"""The wall dashboard's spreadsheet badge in a real browser (Debian's Chromium through
tests/e2e/sheet_badge.mjs): shown when the sheet is more than 3 minutes behind (Google away
while days-old demo events wait), hidden once it caught up, shown with the reason when the
sync needs a person (a revoked share)."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sheets_harness as sh  # noqa: E402
from sheets_harness import harness  # noqa: E402

RUN_SH = os.path.join(harness.REPO, "tests", "e2e", "run.sh")
SCRIPT = os.path.join(harness.REPO, "tests", "e2e", "sheet_badge.mjs")


class DashboardBadge(sh.SheetsCase):
    SPOOLS = 30
    START_SERVER = False
    SYNC = {"push_ms": 200, "backoff_ms": 1000}

    def badge(self):
        r = subprocess.run(["bash", RUN_SH, "--script", SCRIPT,
                            "http://127.0.0.1:%d" % self.server.port],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                           encoding="utf-8")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual(out["errors"], [])
        return out

    def test_badge_follows_the_sync(self):
        self.standin.control("outage", mode="drop")    # Google away from the start
        self.server.start()
        h = sh.wait_for(lambda: (lambda x: x if x["state"] == "retrying" else None)(
            sh.health_sheets(self.server)), 20, what="the sync to meet the outage")
        self.assertGreater(h["behind_seconds"], 180, h)
        b = self.badge()
        self.assertTrue(b["visible"], b)
        self.assertIn("Planilla atrasada", b["text"])
        self.assertIn("%d eventos" % h["events_pending"], b["text"])
        self.standin.control("outage", mode="off")
        sh.wait_synced(self.server, 60)
        b = self.badge()
        self.assertFalse(b["visible"], b)
        self.standin.control("revoke", revoked=True)
        pairs = sh.arm_pairs(self.server, 1)
        sh.join_load(sh.run_load(self.server, pairs, limit=1)[0])
        sh.wait_for(lambda: sh.health_sheets(self.server)["state"] == "error", 20,
                    what="health to report the 403")
        b = self.badge()
        self.assertTrue(b["visible"], b)
        self.assertIn("Planilla sin sincronizar", b["text"])
        self.assertIn("The caller does not have permission", b["text"])
        self.standin.control("revoke", revoked=False)
        sh.wait_synced(self.server, 30)


if __name__ == "__main__":
    unittest.main()
