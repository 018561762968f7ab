#!/usr/bin/env python3
"""`zeues migrate --from sqlite:///F --to postgres://...` on the real binary: a SQLite plant that
has been worked on (unions and unknown spreadsheet columns imported, occupations taken and
paused, a union deleted, the supervisor's list, the UI audit book, a legacy snapshot, an
enrolled tablet) is copied into an empty PostgreSQL database; then both stores export the same five sheets byte for
byte, the audit trail keeps its sequence numbers (`zeues log` and /api/history agree), the
devices and the supervisor's records are the same, a server on the copy continues the event
sequence after the last copied event, and a second migrate into the now non-empty target is
refused unless --force. PostgreSQL-only: registered once, as blackbox.pg.test_pg_migrate.
"""
import filecmp
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SHEETS = ("Operaciones.csv", "Uniones.csv", "Trabajadores.csv", "Roles.csv", "Metadata.csv")
WORKER_WITH_PIN = 93
UNIONS_TAG = "MK-2001-CW-30001-001"   # unions without work in plant_unions: one is deleted


class Migrate(harness.CheckedTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-migrate-")
        cls.src = "sqlite://" + os.path.join(cls.tmp, "src.db")
        cls.redis = harness.Redis(cls.tmp).start()
        harness.import_dir(cls.src, os.path.join(harness.FIXTURES, "plant_unions"))

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        harness.remove_tempdir(cls.tmp)

    def work_on_source(self):
        """Occupations, supervisor records, a device: a few of everything migrate must copy."""
        srv = harness.Server(db=self.src, redis_url=self.redis.url,
                             workdir=harness.make_tempdir("zeues-migrate-srv-")).start()
        try:
            tags = [s["tag_spool"] for s in self.ok(srv.get(
                "/api/spools/iniciar?operacion=ARM")).json["spools"]][:3]
            workers = [w["id"] for w in self.ok(srv.get("/api/workers")).json["workers"]]
            self.assertTrue(tags and workers)
            taken = []
            for tag in tags:
                for wid in workers:
                    body = {"tag_spool": tag, "worker_id": wid, "operacion": "ARM"}
                    if srv.post("/api/occupation/tomar", json_body=body).status == 200:
                        taken.append((tag, wid))
                        break
            self.assertEqual(len(taken), len(tags), "no worker could take the spools")
            tag, wid = taken[0]
            self.ok(srv.post("/api/occupation/pausar", json_body={
                "tag_spool": tag, "worker_id": wid, "operacion": "ARM"}))
            self.ok(srv.post("/api/supervisor/list/add",
                             json_body={"tag_spool": tags[1], "session_id": "s-1"}))
            self.ok(srv.post("/api/supervisor/audit/batch", json_body={"events": [
                {"id": "ev-1", "session_id": "s-1", "event_type": "SESSION_START",
                 "payload_json": "{\"k\": [1, 2]}"}]}))
            self.ok(srv.post("/api/supervisor/legacy-snapshot",
                             json_body={"snapshot_id": "snap-1", "raw": "[\"x\"]"}))
            # A union deleted on a tablet: its record (for the spreadsheet pull) is copied too.
            todas = self.ok(srv.get("/api/v4/uniones/%s/todas" % UNIONS_TAG)).json["unions"]
            keep = [{k: u[k] for k in ("n_union", "dn_union", "tipo_union")}
                    for u in todas[:-1]]
            self.assertTrue(keep and not todas[-1]["has_work"], todas)
            self.ok(srv.post("/api/v4/uniones/guardar",
                             json_body={"tag_spool": UNIONS_TAG, "unions": keep}))
            history = self.ok(srv.get("/api/history/" + tag)).json
            tracked = self.ok(srv.get("/api/supervisor/list")).json
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.kill()
        r = harness.run_cli("device", "add", "tablet-1", "--db", self.src)
        self.assertEqual(r.returncode, 0, r.stderr)
        return tag, history, tracked

    def ok(self, resp):
        self.assertEqual(resp.status, 200, resp)
        return resp

    def export(self, db, name):
        d = os.path.join(self.tmp, name)
        harness.export_dir(db, d)
        return d

    def test_migrate_copies_everything_and_refuses_a_full_target(self):
        tag, history, tracked = self.work_on_source()
        dst = harness.pg_server().createdb()
        r = harness.run_cli("migrate", "--from", self.src, "--to", dst)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("verified", r.stdout)
        counts = dict(line.split() for line in r.stdout.splitlines()[:-1])
        for table in ("spools", "uniones", "workers", "roles", "events", "tracked", "audit",
                      "snapshots", "devices", "sheet_headers"):
            self.assertGreater(int(counts.get(table, 0)), 0, "%s not copied: %s" % (table, r.stdout))
        self.assertEqual(counts.get("union_deletions"), "1", r.stdout)
        con = sqlite3.connect(self.src[len("sqlite://"):])
        src_rows = [tuple(str(v) for v in r) for r in con.execute(
            "SELECT tag, n, seq, deleted_at FROM union_deletions").fetchall()]
        con.close()
        self.assertEqual(harness.store_query(dst, "SELECT tag, n, seq, deleted_at FROM"
                                                  " union_deletions"), src_rows)
        self.assertEqual(src_rows[0][:2], (UNIONS_TAG, "4"))

        # The sheets, unknown columns and the audit log included, are the same byte for byte.
        a, b = self.export(self.src, "from-sqlite"), self.export(dst, "from-postgres")
        for sheet in SHEETS:
            self.assertTrue(filecmp.cmp(os.path.join(a, sheet), os.path.join(b, sheet),
                                        shallow=False), "%s differs after migrate" % sheet)
        # Sequence numbers, devices (their hashes work: listed the same), supervisor records.
        for args in (("log", tag), ("device", "list")):
            ra = harness.run_cli(*args, "--db", self.src)
            rb = harness.run_cli(*args, "--db", dst)
            self.assertEqual((ra.returncode, ra.stdout), (rb.returncode, rb.stdout), args)
        srv = harness.Server(db=dst, redis_url=self.redis.url,
                             workdir=harness.make_tempdir("zeues-migrate-dst-")).start()
        try:
            self.assertEqual(self.ok(srv.get("/api/history/" + tag)).json, history)
            self.assertEqual(self.ok(srv.get("/api/supervisor/list")).json, tracked)
            health = self.ok(srv.get("/api/health")).json
            self.assertEqual(health["store_backend"], "postgres")
            # The copy continues the sequence: a new event gets a number after the copied ones.
            last = int(harness.store_query(dst, "SELECT MAX(seq) FROM events")[0][0])
            workers = [w["id"] for w in self.ok(srv.get("/api/workers")).json["workers"]]
            free = [s["tag_spool"] for s in self.ok(srv.get(
                "/api/spools/iniciar?operacion=ARM")).json["spools"]]
            took = any(srv.post("/api/occupation/tomar", json_body={
                "tag_spool": free[0], "worker_id": w, "operacion": "ARM"}).status == 200
                for w in workers)
            self.assertTrue(took)
            after = int(harness.store_query(dst, "SELECT MAX(seq) FROM events")[0][0])
            self.assertEqual(after, last + 1)
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.kill()

        # A target that holds data is refused, and left as it is; --force replaces it.
        before = harness.store_query(dst, "SELECT COUNT(*) FROM events")
        r = harness.run_cli("migrate", "--from", self.src, "--to", dst)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--force", r.stderr)
        self.assertEqual(harness.store_query(dst, "SELECT COUNT(*) FROM events"), before)
        r = harness.run_cli("migrate", "--from", self.src, "--to", dst, "--force")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        c = self.export(dst, "forced")
        for sheet in SHEETS:
            self.assertTrue(filecmp.cmp(os.path.join(a, sheet), os.path.join(c, sheet),
                                        shallow=False), "%s differs after migrate --force" % sheet)

    def test_wrong_directions_are_refused(self):
        dst = harness.pg_server().createdb()
        for args in (("--from", dst, "--to", dst), ("--from", self.src, "--to", self.src),
                     ("--to", dst)):
            r = harness.run_cli("migrate", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("zeues migrate:", r.stderr)


if __name__ == "__main__":
    if harness.STORE != "postgres":
        sys.exit("test_pg_migrate needs ZEUES_BLACKBOX_STORE=postgres (ctest sets it)")
    unittest.main(verbosity=2)
