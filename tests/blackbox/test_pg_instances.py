#!/usr/bin/env python3
"""Several instances (SPEC round 2 "Several instances"; RELIABILITY 1, 12, 16): two `zeues
serve` on one PostgreSQL database and one Redis behind a real HAProxy started with
deploy/haproxy.cfg (only its bind address and server lines replaced by free loopback ports).

  1. Race: 10 parallel TOMAR of one spool through HAProxy, spread over both instances: exactly
     one 200, nine 409, one occupant, one audit event.
  2. SIGKILL of one instance under load (TOMAR/PAUSAR cycles through HAProxy, SSE clients
     through HAProxy): only requests in flight on the killed instance (or sent there in the
     2 s before HAProxy's check marks it down) fail;
     every acknowledged mutation is in the store with its audit event, in order; requests
     after the kill succeed; every SSE client, reconnecting with Last-Event-ID (wherever
     HAProxy sends it), has seen every event the store holds, none twice.
  3. PostgreSQL restarted under load: while it is down mutations answer 503
     STORE_UNAVAILABLE within a second or two (never hang); after it is back they succeed
     again with no restart of ZEUES, and nothing acknowledged is lost.
PostgreSQL-only: registered once, as blackbox.pg.test_pg_instances.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HAPROXY_CFG = os.path.join(harness.REPO, "deploy", "haproxy.cfg")


def arm_workers(srv):
    r = srv.get("/api/workers")
    return [w["id"] for w in r.json["workers"]
            if w.get("activo") and {"Armador", "Ayudante"} & set(w.get("roles") or [])]


class HAProxy:
    """haproxy -db (foreground, a child that dies with this process) on deploy/haproxy.cfg."""

    def __init__(self, workdir, backends):
        self.port = harness.free_port()
        with open(HAPROXY_CFG) as f:
            text = f.read()
        text, nbind = re.subn(r"^(\s*)bind \S+", r"\g<1>bind 127.0.0.1:%d" % self.port, text,
                              flags=re.M)
        text, nsrv = re.subn(r"^\s*server .*\n", "", text, flags=re.M)
        assert nbind == 1 and nsrv >= 1, "deploy/haproxy.cfg: one bind line and server lines"
        assert text.rstrip().splitlines()[-1].strip().startswith("default-server") or \
            "backend" in text.rsplit("\n\n", 1)[-1], "the backend section must come last"
        text = text.rstrip("\n") + "\n" + "".join(
            "    server zeues%d 127.0.0.1:%d check\n" % (i + 1, p) for i, p in enumerate(backends))
        self.cfg = os.path.join(workdir, "haproxy.cfg")
        with open(self.cfg, "w") as f:
            f.write(text)
        self.log = os.path.join(workdir, "haproxy.log")
        with open(self.log, "wb") as out:
            self.proc = harness._spawn(["haproxy", "-db", "-f", self.cfg], stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("haproxy exited: %s" % harness._tail(self.log))
            try:
                if harness.http_request("127.0.0.1", self.port, "GET", "/api/health",
                                        timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("haproxy did not answer: %s" % harness._tail(self.log))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def lb_post(port, path, body, timeout=15):
    try:
        return harness.http_request("127.0.0.1", port, "POST", path, json_body=body,
                                    timeout=timeout)
    except (OSError, http.client.HTTPException):
        return None


class SseFollower(threading.Thread):
    """An EventSource through HAProxy: follows /api/sse/stream, and whenever the stream ends,
    reconnects with Last-Event-ID = the last id it saw. .ids lists every id received."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.ids = []
        self.reconnects = 0
        self.stop_flag = threading.Event()
        self.connected = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.ids:
                headers["Last-Event-ID"] = str(self.ids[-1])
            try:
                # Longer than the 15 s keep-alive comment: a read never times out mid-stream.
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/api/sse/stream", headers=headers)
                resp = conn.getresponse()
                if resp.status != 200:
                    conn.close()
                    time.sleep(0.2)
                    continue
                self.connected.set()
                while not self.stop_flag.is_set():
                    try:
                        line = resp.readline()
                    except socket.timeout:
                        continue
                    if not line:
                        break
                    line = line.decode("utf-8", "replace").strip()
                    if line.startswith("id:"):
                        self.ids.append(int(line[3:].strip()))
                conn.close()
            except (OSError, http.client.HTTPException, ValueError):
                pass
            if not self.stop_flag.is_set():
                self.reconnects += 1
                time.sleep(0.1)


class Instances(harness.CheckedTestCase):
    @classmethod
    def setUpClass(cls):
        harness.PG_PRIVATE = True  # test 3 restarts the server: not the run's shared one
        cls.tmp = harness.make_tempdir("zeues-instances-")
        cls.db = os.path.join(cls.tmp, "plant.db")   # stands for one PostgreSQL database
        r = harness.run_cli("demo", "--db", cls.db, "--spools", 200)
        if r.returncode != 0:
            raise AssertionError("zeues demo failed: %s" % r.stderr)
        cls.redis = harness.Redis(cls.tmp).start()
        cls.servers = [harness.Server(db=cls.db, redis_url=cls.redis.url,
                                      workdir=harness.make_tempdir("zeues-inst%d-" % i)).start()
                       for i in (1, 2)]
        cls.lb = HAProxy(cls.tmp, [s.port for s in cls.servers]).wait_ready()
        cls.workers = arm_workers(cls.servers[0])
        cls.free = [s["tag_spool"] for s in cls.servers[0].get(
            "/api/spools/iniciar?operacion=ARM").json["spools"] if not s.get("ocupado_por")]

    @classmethod
    def tearDownClass(cls):
        cls.lb.stop()
        for s in cls.servers:
            s.kill()
        cls.redis.stop()
        harness.remove_tempdir(cls.tmp)

    def take_tags(self, n):
        self.assertGreaterEqual(len(self.free), n, "the demo plant has too few free spools")
        tags, type(self).free = self.free[:n], self.free[n:]
        return tags

    def events(self, tag=None):
        sql = "SELECT seq, tag, accion, worker_id FROM events"
        if tag:
            sql += " WHERE tag = '%s'" % tag
        return [(int(a), b, c, int(d)) for a, b, c, d in
                harness.store_query(self.db, sql + " ORDER BY seq")]

    # ------------------------------------------------------------------------------------------
    def test_1_race_through_haproxy_one_winner(self):
        tag = self.take_tags(1)[0]
        workers = self.workers[:10]
        self.assertEqual(len(workers), 10, "the demo plant needs 10 ARM workers")
        barrier = threading.Barrier(10)
        results = [None] * 10

        def go(i):
            barrier.wait()
            results[i] = lb_post(self.lb.port, "/api/occupation/tomar",
                                 {"tag_spool": tag, "worker_id": workers[i], "operacion": "ARM"})
        threads = [threading.Thread(target=go, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status if r else None for r in results)
        self.assertEqual(statuses, [200] + [409] * 9, results)
        evs = self.events(tag)
        self.assertEqual(len(evs), 1, evs)
        winner = workers[[r.status for r in results].index(200)]
        self.assertEqual(evs[0][3], winner)
        # Each instance names itself in its health answer, so an operator can tell them apart.
        names = {s.get("/api/health").json["instance"] for s in self.servers}
        self.assertEqual(len(names), 2, names)
        for s in self.servers:  # both instances see the one occupant
            d = s.get("/api/spools/detail?tag=" + tag).json
            self.assertIn("(%d)" % winner, json.dumps(d, ensure_ascii=False))
        # Round robin spread the ten over both instances (access lines are flushed every 250 ms).
        time.sleep(0.5)
        for s in self.servers:
            self.assertIn("/api/occupation/tomar", s._read(s.stdout_path) + s.stderr())

    # ------------------------------------------------------------------------------------------
    def run_load(self, tags, workers, stop, acked, failed):
        """TOMAR -> PAUSAR cycles through HAProxy, one thread per (tag, worker)."""
        def cycle(tag, wid):
            action = "tomar"
            while not stop.is_set():
                t0 = time.monotonic()
                r = lb_post(self.lb.port, "/api/occupation/" + action,
                            {"tag_spool": tag, "worker_id": wid, "operacion": "ARM"})
                if r is not None and r.status == 200:
                    acked.append((tag, action.upper(), t0, time.monotonic()))
                    action = "pausar" if action == "tomar" else "tomar"
                else:
                    failed.append((tag, action, r.status if r else None,
                                   (r.json or {}).get("error") if r else None, t0,
                                   time.monotonic()))
                    # What happened to a failed request is unknown to the client: it reads the
                    # spool to know which action comes next (as the tablet app does).
                    time.sleep(0.05)
                    d = lb_post(self.lb.port, "/api/occupation/tomar",
                                {"tag_spool": tag, "worker_id": wid, "operacion": "ARM"})
                    if d is not None and d.status == 200:
                        acked.append((tag, "TOMAR?", t0, time.monotonic()))
                        action = "pausar"
        threads = [threading.Thread(target=cycle, args=tw, daemon=True)
                   for tw in zip(tags, workers)]
        for t in threads:
            t.start()
        return threads

    def check_acked_in_store(self, tags, acked):
        for tag in tags:
            mine = [a for a in acked if a[0] == tag and a[1] != "TOMAR?"]
            stored = [e[2] for e in self.events(tag)]
            # Every acknowledged TOMAR/PAUSAR is in the audit log, in the order acknowledged.
            it = iter(stored)
            self.assertTrue(all(any(s == a[1] for s in it) for a in mine),
                            "%s: acknowledged %s not all in the store's events %s"
                            % (tag, [a[1] for a in mine], stored))

    def test_2_sigkill_of_one_instance_under_load(self):
        tags = self.take_tags(6)
        probe = self.take_tags(1)[0]
        workers = self.workers[10:16]
        self.assertEqual(len(workers), 6)
        followers = [SseFollower(self.lb.port) for _ in range(4)]
        for f in followers:
            f.start()
        for f in followers:
            self.assertTrue(f.connected.wait(10), "an SSE client could not connect")
        start_seq = max([e[0] for e in self.events()] or [0])
        stop, acked, failed = threading.Event(), [], []
        threads = self.run_load(tags, workers, stop, acked, failed)
        time.sleep(2.0)
        victim = self.servers[0]
        self.addCleanup(self.restart_victim, victim)
        victim.kill()
        killed_at = time.monotonic()  # sent before this: perhaps in flight on the victim
        time.sleep(3.0)
        # A spool nobody touched before: taken and paused at once through HAProxy.
        probe_body = {"tag_spool": probe, "worker_id": self.workers[0], "operacion": "ARM"}
        probe_rs = [lb_post(self.lb.port, "/api/occupation/" + a, probe_body)
                    for a in ("tomar", "pausar")]
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(30)
        # What was in flight on the killed instance fails: at most one request per client,
        # sent before the kill.
        in_flight = [f for f in failed if f[4] < killed_at]
        self.assertLessEqual(len(in_flight), len(tags), in_flight)
        # A TOMAR in flight there may have taken its spool's Redis lock without committing:
        # that spool alone answers 409 SPOOL_OCCUPIED (for itself, never a 5xx) until the
        # surviving instance's reconciliation clears the dead instance's pending lock.
        blocked = {f[0] for f in in_flight}
        # Until HAProxy's health check marks the dead instance down (inter 1 s x fall 2), a
        # request it sends there may still end in its 502/503: the kill's own transition.
        after = [f for f in failed if f[4] >= killed_at + 2.0]
        self.assertEqual([f for f in after if f[0] not in blocked or f[2] != 409], [],
                         "requests failed after the kill beyond the dead instance's own locks")
        self.assertEqual([r.status if r else None for r in probe_rs], [200, 200],
                         "TOMAR/PAUSAR of a fresh spool after the kill: %r" % (probe_rs,))
        for tag in set(tags) - blocked:  # the clients the kill did not touch kept working
            self.assertTrue([a for a in acked if a[0] == tag and a[2] > killed_at + 1.0],
                            "%s: no mutation succeeded after the kill" % tag)
        self.check_acked_in_store(tags, acked)
        # SSE: every client ends up with every event after it connected, none twice.
        expected = [e[0] for e in self.events() if e[0] > start_seq]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
                set(expected) <= set(f.ids) for f in followers):
            time.sleep(0.2)
        for f in followers:
            f.stop_flag.set()
            got = [i for i in f.ids if i > start_seq]
            self.assertEqual(sorted(set(got)), expected,
                             "an SSE client missed events (reconnects %d)" % f.reconnects)
            self.assertEqual(len(got), len(set(got)), "an SSE client got an event twice")
        self.assertTrue(any(f.reconnects for f in followers),
                        "no SSE client was on the killed instance")

    def restart_victim(self, victim):
        """Back for the next test."""
        if not victim.alive():
            victim.start()
        self.lb.wait_ready()

    # ------------------------------------------------------------------------------------------
    def test_3_postgres_restart_under_load(self):
        pg = harness.pg_server()
        tags = self.take_tags(4)
        workers = self.workers[:4]  # a worker may hold several spools
        stop, acked, failed = threading.Event(), [], []
        threads = self.run_load(tags, workers, stop, acked, failed)
        time.sleep(1.5)
        down_at = time.monotonic()
        pg.stop("fast")
        time.sleep(3.0)
        up_at = time.monotonic()
        pg.start()
        time.sleep(5.0)
        stop.set()
        for t in threads:
            t.join(30)
        during = [f for f in failed if down_at + 0.5 < f[4] < up_at]
        self.assertTrue(during, "no request was refused while PostgreSQL was down")
        for f in during:
            self.assertEqual((f[2], f[3]), (503, "STORE_UNAVAILABLE"), f)
            self.assertLess(f[5] - f[4], 3.0, "a refusal took too long: %r" % (f,))
        recovered = [a for a in acked if a[2] > up_at + 2.0]
        self.assertTrue(recovered, "no mutation succeeded after PostgreSQL came back")
        self.assertEqual([f for f in failed if f[4] > up_at + 2.0], [],
                         "requests still failing 2 s after PostgreSQL came back")
        self.check_acked_in_store(tags, acked)
        for s in self.servers:
            self.assertTrue(s.alive(), "an instance died with PostgreSQL")


if __name__ == "__main__":
    if harness.STORE != "postgres":
        sys.exit("test_pg_instances needs ZEUES_BLACKBOX_STORE=postgres (ctest sets it)")
    unittest.main(verbosity=2)
