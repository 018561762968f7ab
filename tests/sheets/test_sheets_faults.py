"""Google away, over quota, refusing: tablets are never slowed, nothing is lost or duplicated,
/api/health says what is wrong, and the sync recovers by itself once the cause is gone.
  - an outage (every call 503) under tablet load: p99 of the tablets' mutations stays within a
    bound of the same load on the same data with the server running without the sync;
    afterwards the sheet equals the export;
  - start-up with Google unreachable: the server starts and serves;
  - expired tokens (401: refreshed once) and short-lived tokens (refreshed ahead of expiry);
  - a revoked share (403) and a renamed sheet (400 Unable to parse range): a clear error in
    health, one attempt per backoff maximum (no retry storm), recovery when fixed;
  - Google's quota exhausted by someone else (429 RESOURCE_EXHAUSTED): backoff, recovery;
  - a key the token endpoint refuses (invalid_grant) and a key file without token_uri: the
    server serves and health says why the sheet is not synced."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sheets_harness as sh  # noqa: E402
from sheets_harness import harness  # noqa: E402


class Faults(sh.SheetsCase):
    SPOOLS = 80
    SYNC = {"push_ms": 300, "backoff_ms": 2000}

    def load(self, n_pairs, per):
        pairs = sh.arm_pairs(self.server, n_pairs)
        loaders, _ = sh.run_load(self.server, pairs, limit=per)
        done, lat, errors = sh.join_load(loaders)
        self.assertEqual(errors, [])
        return lat

    def test_1_outage_under_load(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        # The baseline: the same load on the same data, the server running without the sync.
        sync = list(srv.args)
        srv.stop()
        srv.args = []
        srv.start()
        base = self.load(8, 60)
        srv.stop()
        srv.args = sync
        srv.start()
        sh.wait_synced(srv, 60)
        self.standin.control("outage", mode="503")
        t0 = time.monotonic()
        during = self.load(8, 60)
        h = sh.wait_for(lambda: (lambda x: x if x["state"] == "retrying" else None)(
            sh.health_sheets(srv)), 20, what="health to report the outage")
        self.assertEqual(h["last_error_http"], 503, h)
        self.assertGreater(h["events_pending"], 0, h)
        time.sleep(max(0, 6 - (time.monotonic() - t0)))   # the outage lasts at least 6 s
        st = self.standin.stats()
        self.standin.control("outage", mode="off")
        b, d = sh.p99(base), sh.p99(during)
        self.assertLess(d, 3 * b + 0.025, "tablet p99 %.1f ms during the outage, %.1f ms before"
                        % (d * 1000, b * 1000))
        # Backing off: a handful of attempts in 6 s, not a storm.
        self.assertLess(st["503"], 15, st)
        h = sh.wait_synced(srv, 60)
        self.assertIsNone(h["last_error"], h)
        sh.assert_sheet_equals_export(self, self.standin, self.db)

    def test_2_expired_and_short_lived_tokens(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        s0 = self.standin.stats()
        self.standin.control("expire_tokens")
        self.load(2, 4)
        sh.wait_synced(srv, 30)
        s1 = self.standin.stats()
        self.assertGreaterEqual(s1["401"] - s0["401"], 1, s1)   # it met the expired token
        self.assertGreater(s1["token"], s0["token"])            # and fetched a new one
        # Tokens that live 4 s: refreshed ahead of time, so no 401 at all.
        self.standin.control("token_lifetime", seconds=4)
        self.standin.control("expire_tokens")
        self.load(2, 2)
        sh.wait_synced(srv, 30)
        s2 = self.standin.stats()
        for _ in range(6):                  # about 9 s: at least two refreshes ahead of expiry
            self.load(2, 2)
            time.sleep(1.5)
        sh.wait_synced(srv, 30)
        s3 = self.standin.stats()
        self.standin.control("token_lifetime", seconds=3600)
        self.assertEqual(s3["401"], s2["401"], s3)
        self.assertGreaterEqual(s3["token"], s2["token"] + 2, s3)
        sh.assert_sheet_equals_export(self, self.standin, self.db, ("Metadata", "Operaciones"))

    def test_3_revoked_share_then_renamed_sheet(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        self.standin.control("revoke", revoked=True)
        s0 = self.standin.stats()
        self.load(2, 4)
        h = sh.wait_for(lambda: (lambda x: x if x["state"] == "error" else None)(
            sh.health_sheets(srv)), 20, what="health to report the 403")
        self.assertEqual(h["last_error_http"], 403, h)
        self.assertIn("The caller does not have permission", h["last_error"])
        time.sleep(6)
        s1 = self.standin.stats()
        # One attempt per backoff maximum (2 s here), not a storm.
        self.assertLessEqual(s1["403"] - s0["403"], 6, s1)
        self.standin.control("revoke", revoked=False)
        sh.wait_synced(srv, 30)
        sh.assert_sheet_equals_export(self, self.standin, self.db, ("Metadata", "Operaciones"))
        # A person renames Metadata: 400 Unable to parse range, then back.
        self.standin.control("rename_sheet", title="Metadata", to="Metadata (copia)")
        self.load(2, 4)
        h = sh.wait_for(lambda: (lambda x: x if x["state"] == "error" else None)(
            sh.health_sheets(srv)), 20, what="health to report the missing sheet")
        self.assertEqual(h["last_error_http"], 400, h)
        self.assertIn("Unable to parse range", h["last_error"])
        self.assertGreater(h["events_pending"], 0, h)
        self.standin.control("rename_sheet", title="Metadata (copia)", to="Metadata")
        sh.wait_synced(srv, 30)
        sh.assert_sheet_equals_export(self, self.standin, self.db)

    def test_4_start_with_google_unreachable(self):
        srv = self.server
        srv.stop()
        self.standin.control("outage", mode="drop")
        t0 = time.monotonic()
        srv.start()
        self.assertLess(time.monotonic() - t0, 5)
        self.load(2, 4)                       # tablets served while Google is away
        h = sh.wait_for(lambda: (lambda x: x if x["state"] == "retrying" else None)(
            sh.health_sheets(srv)), 20, what="health to report Google unreachable")
        self.assertEqual(h["last_error_http"], 0, h)
        self.assertGreater(h["events_pending"], 0, h)
        self.standin.control("outage", mode="off")
        sh.wait_synced(srv, 60)
        sh.assert_sheet_equals_export(self, self.standin, self.db)

    def test_5_refused_and_unusable_keys(self):
        import json
        srv = self.server
        with open(self.standin.key) as f:
            good = json.load(f)
        other = sh.make_key(self.tmp, self.standin.port, "other.json")  # unknown to Google
        with open(other) as f:
            wrong = dict(good, private_key=json.load(f)["private_key"])
        broken = {k: v for k, v in good.items() if k != "token_uri"}
        paths = {}
        for name, key in (("wrong", wrong), ("broken", broken)):
            paths[name] = os.path.join(self.tmp, name + ".json")
            with open(paths[name], "w") as f:
                json.dump(key, f)
        sync = list(srv.args)
        try:
            for name, text, http in (("wrong", "Invalid JWT Signature.", 400),
                                     ("broken", "no token_uri field", None)):
                srv.stop()
                srv.args = [paths[name] if a == self.standin.key else a for a in sync]
                srv.start()
                self.load(2, 2)               # the tablets do not care
                h = sh.wait_for(lambda: (lambda x: x if x["state"] == "error" else None)(
                    sh.health_sheets(srv)), 20, what="health to report the key")
                self.assertIn(text, h["last_error"], h)
                if http:
                    self.assertEqual(h["last_error_http"], http, h)
                    self.assertIn("invalid_grant", h["last_error"], h)
        finally:
            srv.stop()
            srv.args = sync
            srv.start()
        sh.wait_synced(srv, 60)
        sh.assert_sheet_equals_export(self, self.standin, self.db)

    def test_6_quota_exhausted(self):
        srv = self.server
        sh.wait_synced(srv, 60)
        # Another user of the project's quota leaves us 1 write this minute: Google's 429.
        self.standin.control("quota", reads=60, writes=1)
        s0 = self.standin.stats()
        self.load(2, 6)
        h = sh.wait_for(lambda: (lambda x: x if x["last_error_http"] == 429 else None)(
            sh.health_sheets(srv)), 30, what="health to report the 429")
        self.assertEqual(h["state"], "retrying", h)
        self.assertIn("RESOURCE_EXHAUSTED", h["last_error"], h)
        self.assertIn("Quota exceeded for quota metric 'Write requests'", h["last_error"], h)
        time.sleep(4)
        s1 = self.standin.stats()
        self.assertLessEqual(s1["429"] - s0["429"], 5, s1)   # backing off, not hammering
        self.standin.control("quota", reads=60, writes=60)
        sh.wait_synced(srv, 60)
        sh.assert_sheet_equals_export(self, self.standin, self.db)


if __name__ == "__main__":
    unittest.main()
