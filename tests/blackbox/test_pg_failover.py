#!/usr/bin/env python3
"""PostgreSQL failover under a running ZEUES (deploy/README.md): a primary and a streaming
replica (pg_basebackup -R, synchronous_standby_names = '*': a commit is acknowledged only once
the standby has it), `zeues serve` on a libpq multi-host URL with
target_session_attrs=read-write. Under TOMAR/PAUSAR load the primary is SIGKILLed and the
replica promoted (what Patroni does): mutations answer 503 STORE_UNAVAILABLE meanwhile, then
succeed again on the new primary without restarting ZEUES, and every mutation acknowledged
before the failover is in the new primary's audit log. An instance that reaches only the
standby says "read_only" in health before any write, and "ok" once it is promoted.
PostgreSQL-only: blackbox.pg.
"""
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
sys.path.insert(0, os.path.join(harness.REPO, "tests", "pg"))
import pg_server  # noqa: E402


class Failover(harness.CheckedTestCase):
    def setUp(self):
        self.tmp = harness.make_tempdir("zeues-failover-")
        self.primary = pg_server.PgServer()
        harness._tempdirs.append(self.primary.dir)
        self.primary.start()
        self.addCleanup(self.primary.remove)
        self.primary.psql('CREATE DATABASE plant')
        # The replica: a base backup of the primary that follows it (standby.signal).
        self.replica = pg_server.PgServer()
        harness._tempdirs.append(self.replica.dir)
        self.addCleanup(self.replica.remove)
        r = self.replica._as_user([self.replica._tool("pg_basebackup"), "-h", "127.0.0.1", "-p",
                                   str(self.primary.port), "-U", pg_server.SUPERUSER, "-D",
                                   self.replica.data, "-R", "-X", "stream", "-c", "fast"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(os.path.join(self.replica.data, "postgresql.conf"), "a") as f:
            f.write("\nunix_socket_directories = '%s'\n" % self.replica.dir)
        self.replica.start()
        self.primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        self.primary.psql("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.primary.psql(
                "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") != "1":
            time.sleep(0.1)
        self.assertEqual(self.primary.psql(
            "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"), "1")
        self.url = ("postgres://%s@127.0.0.1:%d,127.0.0.1:%d/plant?target_session_attrs=read-write"
                    % (pg_server.SUPERUSER, self.primary.port, self.replica.port))
        r = harness.run_cli("demo", "--db", self.url, "--spools", 100)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.redis = harness.Redis(self.tmp).start()
        self.addCleanup(self.redis.stop)
        self.server = harness.Server(db=self.url, redis_url=self.redis.url,
                                     workdir=self.tmp).start()
        self.addCleanup(self.server.kill)

    def test_promoted_replica_takes_over_with_every_acknowledged_write(self):
        srv = self.server
        workers = [w["id"] for w in srv.get("/api/workers").json["workers"]
                   if w.get("activo") and {"Armador", "Ayudante"} & set(w.get("roles") or [])]
        tags = [s["tag_spool"] for s in srv.get("/api/spools/iniciar?operacion=ARM").json["spools"]
                if not s.get("ocupado_por")][:4]
        self.assertEqual(len(tags), 4)
        stop, acked, failed, in_doubt = threading.Event(), [], [], []

        def cycle(tag, wid):
            action, after_503 = "tomar", False
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    r = srv.post("/api/occupation/" + action,
                                 json_body={"tag_spool": tag, "worker_id": wid, "operacion": "ARM"},
                                 timeout=20)
                except OSError:
                    r = None
                if r is not None and r.status == 200:
                    acked.append((tag, action.upper(), t0))
                    action = "pausar" if action == "tomar" else "tomar"
                    after_503 = False
                elif after_503 and r is not None and 400 <= r.status < 500:
                    # The 503 before was in doubt: the primary died after the commit reached the
                    # synchronous replica but before it answered, so the change is there and its
                    # repetition is refused as already done (a PAUSAR: the worker no longer
                    # holds the spool). The client moves on, as a tablet would after re-reading
                    # the spool.
                    in_doubt.append((tag, action.upper(), r.status, (r.json or {}).get("error")))
                    action = "pausar" if action == "tomar" else "tomar"
                    after_503 = False
                else:
                    after_503 = r is not None and r.status == 503
                    failed.append((tag, r.status if r else None,
                                   (r.json or {}).get("error") if r else None, t0,
                                   time.monotonic()))
                    time.sleep(0.1)
        threads = [threading.Thread(target=cycle, args=(t, w), daemon=True)
                   for t, w in zip(tags, workers)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        n_before = len(acked)
        self.primary.kill()          # the primary's host is gone
        failed_at = time.monotonic()
        time.sleep(1.0)
        self.replica._as_user([self.replica._tool("pg_ctl"), "-D", self.replica.data, "-w",
                               "promote"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        promoted_at = time.monotonic()
        time.sleep(5.0)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertGreater(n_before, 0, "nothing was acknowledged before the failover")
        during = [f for f in failed if failed_at < f[3] < promoted_at]
        for f in failed:
            self.assertEqual((f[1], f[2]), (503, "STORE_UNAVAILABLE"), f)
        # At most one in-doubt commit per client (the request in flight when the primary died),
        # each refused as already done, and the event of that change is on the new primary.
        self.assertLessEqual(len(in_doubt), len(tags), in_doubt)
        for tag, action, status, code in in_doubt:
            # (a repeated TOMAR by the holder is answered 200: only PAUSAR can be refused)
            self.assertEqual((action, status, code), ("PAUSAR", 403, "NO_AUTORIZADO"), in_doubt)
            self.assertLess(f[4] - f[3], 5.0, "a refusal took too long: %r" % (f,))
        self.assertTrue(during, "no request was refused while there was no primary")
        self.assertTrue([a for a in acked if a[2] > promoted_at + 2.0],
                        "no mutation succeeded on the promoted replica")
        self.assertEqual([f for f in failed if f[3] > promoted_at + 2.0], [],
                         "requests still failing 2 s after the promotion")
        # Synchronous replication: every acknowledged mutation is on the new primary, in order.
        for tag in tags:
            stored = self.replica.psql("SELECT accion FROM events WHERE tag = '%s' ORDER BY seq"
                                       % tag, db="plant").split()
            mine = [a[1] for a in acked if a[0] == tag]
            it = iter(stored)
            self.assertTrue(all(any(s == a for s in it) for a in mine),
                            "%s: acknowledged %s, new primary has %s" % (tag, mine, stored))
        self.assertTrue(srv.alive())
        self.assertEqual(srv.stop(), 0)


    def test_a_standby_says_read_only_until_promoted(self):
        """An instance whose URL reaches only the standby says so in health before any write
        ("store": "read_only"); its TOMAR answers 503 STORE_UNAVAILABLE and changes nothing.
        Once the standby is promoted, health says "ok" without a write, and the TOMAR works."""
        url = "postgres://%s@127.0.0.1:%d/plant" % (pg_server.SUPERUSER, self.replica.port)
        srv = harness.Server(db=url, redis_url=self.redis.url,
                             workdir=harness.make_tempdir("zeues-standby-")).start()
        self.addCleanup(srv.kill)
        health = srv.get("/api/health").json
        self.assertEqual((health["store"], health["status"]), ("read_only", "degraded"), health)
        wid = [w["id"] for w in srv.get("/api/workers").json["workers"]
               if w.get("activo") and {"Armador", "Ayudante"} & set(w.get("roles") or [])][0]
        tag = [s["tag_spool"] for s in srv.get("/api/spools/iniciar?operacion=ARM").json["spools"]
               if not s.get("ocupado_por")][0]
        body = {"tag_spool": tag, "worker_id": wid, "operacion": "ARM"}
        r = srv.post("/api/occupation/tomar", json_body=body)
        self.assertEqual((r.status, r.json["error"]), (503, "STORE_UNAVAILABLE"), r.body)
        self.assertIsNone(self.redis.command("GET", "spool_lock:" + tag))
        self.replica._as_user([self.replica._tool("pg_ctl"), "-D", self.replica.data, "-w",
                               "promote"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and srv.get("/api/health").json["store"] != "ok":
            time.sleep(0.2)
        self.assertEqual(srv.get("/api/health").json["store"], "ok")
        r = srv.post("/api/occupation/tomar", json_body=body)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.replica.psql("SELECT accion FROM events WHERE tag = '%s'" % tag,
                                           db="plant"), "TOMAR")
        self.assertEqual(srv.stop(), 0)

if __name__ == "__main__":
    if harness.STORE != "postgres":
        sys.exit("test_pg_failover needs ZEUES_BLACKBOX_STORE=postgres (ctest sets it)")
    unittest.main(verbosity=2)
