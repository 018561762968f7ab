#!/usr/bin/env python3
"""Faults under the real binary (SPEC "Redis lifecycle", "Consistency invariants"; RELIABILITY
2, 3, 10, 16): Redis killed, Redis slow, the database's disk full, SIGKILL under load.

The rule every scenario checks: an acknowledged write (200, sin_cambios false) is never lost, a
refused one (503) changed nothing, no spool is half-written (occupied <=> its last audit event is
TOMAR_SPOOL), and the service recovers by itself, without a restart or a manual step.

  1. Redis killed: TOMAR / PAUSAR answer 503 REDIS_UNAVAILABLE within ~1 s, reads keep working;
     Redis restarted on the same port: mutations succeed again by themselves.
  2. Redis slow (`DEBUG SLEEP 2`, or `CLIENT PAUSE 2000 ALL` where DEBUG is disabled) while 12
     TOMARs arrive: each answers within ~1 s (200 or 503 REDIS_UNAVAILABLE), never hangs;
     versions and Metadata show exactly the acknowledged changes; once Redis is responsive a
     spool whose TOMAR got the 503 can be taken at once (a failed TOMAR leaves no lock).
  3. Disk full (a tmpfs holding the DB, filled by a file but 192 KB; needs root to mount it, and
     fails saying so where mounting is not permitted): mutations answer 503 STORE_UNAVAILABLE with the single error body or succeed;
     nothing acknowledged is lost; /api/health says store "full"; after the file is deleted
     health says "ok" within 5 s and mutations succeed, without restart.
  4. SIGKILL at random instants of a TOMAR/PAUSAR load, 5 times, restart each time: no
     acknowledged write lost, no half-written spool, no orphan lock 35 s after the last kill,
     every spool takeable afterwards.

A report (faults, requests sent, acknowledged, lost) is printed and written to
$ZEUES_BUILD/fault-report.txt (ctest sets ZEUES_BUILD; otherwise the temp directory).
"""
import csv
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

FAST = 1.5          # "within ~1 s": Redis timeout is 500 ms, plus scheduling slack
PENDING_TTL = 30    # seconds a lock of a TOMAR in flight lives (mutation.h)
REPORT = []         # one dict per fault scenario


# ---- helpers of this file (harness.py belongs to another engineer) ------------------------------

def export_sheets(db):
    """(Operaciones rows by TAG_SPOOL, Metadata rows in export order)."""
    d = harness.make_tempdir("zeues-faults-export-")
    try:
        harness.export_dir(db, d)
        with open(os.path.join(d, "Operaciones.csv"), encoding="utf-8", newline="") as f:
            ops = {row["TAG_SPOOL"]: row for row in csv.DictReader(f)}
        with open(os.path.join(d, "Metadata.csv"), encoding="utf-8", newline="") as f:
            meta = list(csv.DictReader(f))
        return ops, meta
    finally:
        harness.remove_tempdir(d)


def events_by_tag(meta, tags=None):
    out = {}
    for row in meta:
        if tags is None or row["tag_spool"] in tags:
            out.setdefault(row["tag_spool"], []).append(row)
    return out


def redis_locks(redis):
    out = {}
    for k in redis.command("KEYS", "spool_lock:*") or []:
        v = redis.command("GET", k)
        if v is not None:
            out[k[len("spool_lock:"):]] = v
    return out


def post(srv, action, tag, wid, timeout=10):
    """(response or None, seconds). None: no answer (connection refused, reset, timeout)."""
    t0 = time.monotonic()
    try:
        r = harness.http_request(srv.host, srv.port, "POST", "/api/occupation/" + action,
                                 json_body={"tag_spool": tag, "worker_id": wid,
                                            "operacion": "ARM"}, timeout=timeout)
        return r, time.monotonic() - t0
    except (OSError, http.client.HTTPException):
        return None, time.monotonic() - t0


def acked(r):
    return r is not None and r.status == 200 and (r.json or {}).get("sin_cambios") is False


def error_code(r):
    return (r.json or {}).get("error") if r is not None and r.status != 200 else None


def detail(srv, tag):
    r = srv.get("/api/spools/detail?tag=" + tag)
    assert r.status == 200, r
    return r.json


def arm_workers(srv):
    r = srv.get("/api/workers")
    return [w["id"] for w in r.json["workers"]
            if w.get("activo") and {"Armador", "Ayudante"} & set(w.get("roles") or [])]


def free_arm_spools(srv):
    r = srv.get("/api/spools/iniciar?operacion=ARM")
    return [s["tag_spool"] for s in r.json["spools"] if not s.get("ocupado_por")]


def redis_with_debug_command(tmp):
    """Makes harness.Redis start redis-server with `--enable-debug-command local` (Redis 7
    refuses DEBUG SLEEP otherwise) through a wrapper script; the pid stays redis-server's."""
    real = harness.REDIS_BIN
    wrapper = os.path.join(tmp, "redis-server-debug")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec "%s" "$@" --enable-debug-command local\n' % real)
    os.chmod(wrapper, 0o755)
    harness.REDIS_BIN = wrapper


def mount_tmpfs(path, size):
    """Mounts a tmpfs of `size` at path; returns '' or the reason it is not possible."""
    if os.geteuid() != 0:
        return "not root"
    if not shutil.which("mount"):
        return "no mount(8)"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8")
    return "" if p.returncode == 0 else "mount -t tmpfs failed: " + p.stdout.strip()


def fill_disk(path, leave=0):
    """Writes a file until ENOSPC, then gives `leave` bytes back; returns its path."""
    f = os.path.join(path, "filler")
    chunk = b"\0" * 4096
    with open(f, "wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError:
            pass
    if leave:
        os.truncate(f, max(0, os.path.getsize(f) - leave))
    return f


def record(fault, sent, acknowledged, lost, **extra):
    row = {"fault": fault, "sent": sent, "acknowledged": acknowledged, "lost": lost}
    row.update(extra)
    REPORT.append(row)


def write_report():
    lines = ["ZEUES-C fault report (tests/blackbox/test_hardening_faults.py)",
             "%-34s %6s %6s %5s  %s" % ("fault", "sent", "acked", "lost", "notes")]
    tot = [0, 0, 0]
    for r in REPORT:
        notes = ", ".join("%s=%s" % (k, v) for k, v in r.items()
                          if k not in ("fault", "sent", "acknowledged", "lost"))
        lines.append("%-34s %6d %6d %5d  %s" % (r["fault"], r["sent"], r["acknowledged"],
                                                r["lost"], notes))
        tot[0] += r["sent"]
        tot[1] += r["acknowledged"]
        tot[2] += r["lost"]
    lines.append("%-34s %6d %6d %5d" % ("TOTAL", tot[0], tot[1], tot[2]))
    text = "\n".join(lines) + "\n"
    print("\n" + text, flush=True)
    print("\n" + text, file=sys.stderr, flush=True)
    out_dir = os.environ.get("ZEUES_BUILD") or tempfile.gettempdir()  # never the source tree
    try:
        with open(os.path.join(out_dir, "fault-report.txt"), "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        print("cannot write fault-report.txt: %s" % e, file=sys.stderr)


def check_consistency(tc, srv, db, tags, base_meta_counts, acked_by_tag, unknown_by_tag,
                      refused_by_tag=None):
    """Per tag: acknowledged <= new events <= acknowledged + unknown (refused ones add none);
    occupied <=> last event TOMAR_SPOOL, with the occupant of that event. Returns lost count."""
    ops, meta = export_sheets(db)
    evs = events_by_tag(meta, set(tags))
    lost = 0
    problems = []
    for tag in tags:
        new = evs.get(tag, [])[base_meta_counts.get(tag, 0):]
        n_new = len(new)
        a = acked_by_tag.get(tag, 0)
        u = unknown_by_tag.get(tag, 0)
        if n_new < a:
            lost += a - n_new
            problems.append("%s: %d acknowledged, %d new events" % (tag, a, n_new))
        if n_new > a + u:
            problems.append("%s: %d new events for %d acknowledged + %d unanswered "
                            "(refused: %d)" % (tag, n_new, a, u,
                                               (refused_by_tag or {}).get(tag, 0)))
        # The last occupation event decides: TOMAR* occupies, PAUSAR* / COMPLETAR* / CANCELAR*
        # free the spool (other events, e.g. metrología, do not change the occupation).
        occ = [e for e in evs.get(tag, []) if e["evento_tipo"].split("_")[0] in
               ("TOMAR", "PAUSAR", "COMPLETAR", "CANCELAR", "INICIAR")]
        last = occ[-1] if occ else None
        row = ops[tag]
        occupied = bool(row.get("Ocupado_Por"))
        last_tomar = last is not None and last["evento_tipo"].startswith("TOMAR")
        if occupied != last_tomar:
            problems.append("%s half-written: Ocupado_Por=%r, last occupation event %s" %
                            (tag, row.get("Ocupado_Por"),
                             last["evento_tipo"] if last else None))
        elif occupied and last["worker_nombre"] != row["Ocupado_Por"]:
            problems.append("%s occupied by %r but its last TOMAR is by %r" %
                            (tag, row["Ocupado_Por"], last["worker_nombre"]))
        d = detail(srv, tag) if srv is not None and srv.alive() else None
        if d is not None and str(d.get("version")) != str(row.get("version")):
            problems.append("%s: detail version %s, export %s" % (tag, d.get("version"),
                                                                 row.get("version")))
    tc.assertEqual(problems, [], "consistency")
    return lost


class HardeningFaults(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-hard-faults-")
        try:
            redis_with_debug_command(cls.tmp)
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 200)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
            cls.workers = arm_workers(cls.server)
            cls.free = free_arm_spools(cls.server)
            if len(cls.workers) < 4 or len(cls.free) < 40:
                raise AssertionError("demo plant too small: %d ARM workers, %d free spools" %
                                     (len(cls.workers), len(cls.free)))
        except Exception:
            cls._teardown_stack(check=False)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            write_report()
        finally:
            super().tearDownClass()

    def setUp(self):
        self._t0 = time.monotonic()

    def tearDown(self):
        print("  (%s: %.1f s)" % (self._testMethodName, time.monotonic() - self._t0),
              file=sys.stderr)

    def take(self, n):
        out, HardeningFaults.free = self.free[:n], self.free[n:]
        return out

    # ------------------------------------------------------------------------------------------
    def test_1_redis_killed_and_restarted(self):
        srv, redis = self.server, self.redis
        held, tag = self.take(2)
        wid, wid2 = self.workers[0], self.workers[1]
        _, meta = export_sheets(self.db)
        base = {t: len(v) for t, v in events_by_tag(meta, {held, tag}).items()}
        sent = ack = 0
        r, _ = post(srv, "tomar", held, wid)
        sent += 1
        self.assertTrue(acked(r), r)
        ack += 1
        v_tag = detail(srv, tag)["version"]

        redis.kill()
        try:
            slow = []
            for i in range(6):
                for action, t, w in (("tomar", tag, wid2), ("pausar", held, wid)):
                    r, dt = post(srv, action, t, w)
                    sent += 1
                    self.assertIsNotNone(r, "%s got no answer with Redis down" % action)
                    self.assertErrorBody(r, 503, "REDIS_UNAVAILABLE")
                    if dt > FAST:
                        slow.append((action, round(dt, 3)))
            self.assertEqual(slow, [], "503s slower than %.1f s with Redis down" % FAST)
            for path in ("/api/workers", "/api/spools/detail?tag=" + tag,
                         "/api/spools/iniciar?operacion=ARM", "/api/health"):
                t0 = time.monotonic()
                r = srv.get(path, timeout=5)
                self.assertEqual(r.status, 200, "%s with Redis down: %r" % (path, r))
                self.assertLess(time.monotonic() - t0, FAST, path)
            self.assertEqual(detail(srv, tag)["version"], v_tag, "a refused TOMAR changed "
                                                                 "the spool")
        finally:
            redis.start()

        t0 = time.monotonic()
        recovered = None
        while time.monotonic() - t0 < 15:
            r, _ = post(srv, "tomar", tag, wid2)
            sent += 1
            if acked(r):
                ack += 1
                recovered = time.monotonic() - t0
                break
            self.assertIsNotNone(r)
            self.assertEqual(error_code(r), "REDIS_UNAVAILABLE", r)
            time.sleep(0.25)
        self.assertIsNotNone(recovered, "TOMAR still failing 15 s after Redis came back")
        for t, w in ((held, wid), (tag, wid2)):
            r, _ = post(srv, "pausar", t, w)
            sent += 1
            self.assertTrue(acked(r), "PAUSAR of %s after the Redis restart: %r" % (t, r))
            ack += 1
        lost = check_consistency(self, srv, self.db, [held, tag], base,
                                 {held: 2, tag: 2}, {})
        record("redis killed + restarted", sent, ack, lost,
               recovered_after_s=round(recovered, 2))
        self.assertEqual(lost, 0)

    # ------------------------------------------------------------------------------------------
    def test_2_redis_slow(self):
        srv, redis = self.server, self.redis
        tags = self.take(12)
        _, meta = export_sheets(self.db)
        base = {t: len(v) for t, v in events_by_tag(meta, set(tags)).items()}
        versions = {t: detail(srv, t)["version"] for t in tags}
        mode = {}

        def stall():
            try:
                redis.command("DEBUG", "SLEEP", "2", timeout=10)
                mode["how"] = "DEBUG SLEEP 2"
            except RuntimeError as e:  # Redis 7 disables DEBUG unless enable-debug-command
                mode["err"] = str(e)
                redis.command("CLIENT", "PAUSE", "2000", "ALL", timeout=10)
                mode["how"] = "CLIENT PAUSE 2000 ALL"

        staller = threading.Thread(target=stall, daemon=True)
        staller.start()
        time.sleep(0.2)
        results = {}

        def one(i, tag):
            results[tag] = post(srv, "tomar", tag, self.workers[i % len(self.workers)],
                                timeout=10)

        threads = [threading.Thread(target=one, args=(i, t), daemon=True)
                   for i, t in enumerate(tags)]
        for th in threads:
            th.start()
            time.sleep(0.05)
        for th in threads:
            th.join(15)
        staller.join(15)
        if mode.get("how", "").startswith("CLIENT"):
            time.sleep(2.2)  # CLIENT PAUSE returns at once; wait until it ends
        problems = []
        ack_by = {}
        refused = []
        for i, tag in enumerate(tags):
            r, dt = results[tag]
            if r is None:
                problems.append("%s: no answer after %.1f s" % (tag, dt))
                continue
            if dt > FAST:
                problems.append("%s: answered %d after %.2f s" % (tag, r.status, dt))
            if acked(r):
                ack_by[tag] = 1
            elif r.status == 503 and error_code(r) == "REDIS_UNAVAILABLE":
                self.assertErrorBody(r, 503, "REDIS_UNAVAILABLE")
                refused.append((i, tag))
            else:
                problems.append("%s: unexpected %r" % (tag, r))
        self.assertEqual(problems, [], "TOMAR while Redis is slow (%s)" % mode.get("how"))
        for tag in tags:
            want = versions[tag] + (1 if tag in ack_by else 0)
            self.assertEqual(detail(srv, tag)["version"], want, tag)
        lost = check_consistency(self, srv, self.db, tags, base, ack_by, {})
        # Redis answers again: a refused TOMAR must not have left its lock behind.
        blocked = []
        retried = 0
        for i, tag in refused:
            deadline = time.monotonic() + 3   # the pool may stay marked down for ~1 s
            while True:
                r, dt = post(srv, "tomar", tag, self.workers[i % len(self.workers)])
                retried += 1
                if error_code(r) != "REDIS_UNAVAILABLE" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            if acked(r):
                ack_by[tag] = 1
            else:
                blocked.append((tag, r.status if r else None, error_code(r),
                                redis_locks(redis).get(tag)))
        for tag in ack_by:
            i = tags.index(tag)
            r, _ = post(srv, "pausar", tag, self.workers[i % len(self.workers)])
            self.assertTrue(acked(r), r)
        record("redis slow (%s)" % mode.get("how", "?").split(" 2")[0], len(tags) + retried,
               len(ack_by), lost, refused_503=len(refused), blocked_after=len(blocked))
        self.assertEqual(lost, 0)
        self.assertEqual(blocked, [],
                         "spools whose TOMAR got 503 while Redis was slow still refuse a TOMAR "
                         "once Redis answers (its lock was set after the client timed out and is "
                         "left for the pending TTL of %d s)" % PENDING_TTL)

    # ------------------------------------------------------------------------------------------
    @harness.sqlite_only("fills the file system under the SQLite file (the PostgreSQL server's "
                         "disk is the server's; its outage is store.postgres.outage)")
    def test_3_disk_full(self):
        mnt = harness.make_tempdir("zeues-diskfull-")
        # 8 MB, not 2: SQLite checkpoints its WAL only at 1000 pages (4 MB), so on a 2 MB disk
        # the WAL alone fills the space freed below again after ~100 commits.
        why = mount_tmpfs(mnt, "8m")
        if why:
            harness.remove_tempdir(mnt)
            self.fail("cannot mount a tmpfs for the disk-full test (run the suite as root, with "
                      "CAP_SYS_ADMIN): " + why)
        srv = None
        filler = None
        rc, rep = 0, ""
        work = harness.make_tempdir("zeues-diskfull-srv-")
        redis = harness.Redis(work)   # its own: same demo tags as the main plant
        try:
            redis.start()
            db = os.path.join(mnt, "full.db")
            r = harness.run_cli("demo", "--db", db, "--spools", 200)
            self.assertEqual(r.returncode, 0, r.stderr)
            srv = harness.Server(db=db, redis_url=redis.url, workdir=work).start()
            workers = arm_workers(srv)
            tags = free_arm_spools(srv)[:60]
            _, meta = export_sheets(db)
            base = {t: len(v) for t, v in events_by_tag(meta, set(tags)).items()}
            # A little room left: the first commits succeed, then the store refuses.
            filler = fill_disk(mnt, leave=192 * 1024)
            sent = 0
            ack_by = {}
            held = {}
            refused = 0
            bad = []
            # Two TOMAR/PAUSAR rounds with the disk full: the few commits that fit are
            # acknowledged, then the store refuses.
            for rnd in range(2):
                for i, tag in enumerate(tags):
                    action = "pausar" if tag in held else "tomar"
                    r, dt = post(srv, action, tag, workers[i % len(workers)])
                    sent += 1
                    if acked(r):
                        ack_by[tag] = ack_by.get(tag, 0) + 1
                        if action == "tomar":
                            held[tag] = True
                        else:
                            held.pop(tag)
                    elif r is not None and r.status == 503 and \
                            error_code(r) == "STORE_UNAVAILABLE":
                        self.assertErrorBody(r, 503, "STORE_UNAVAILABLE")
                        refused += 1
                    else:
                        bad.append((action, tag, r.status if r else None, r and r.body[:200]))
            self.assertEqual(bad, [], "answers with the disk full")
            self.assertGreaterEqual(refused, 1, "the disk never filled up (%d acknowledged)" %
                                    sum(ack_by.values()))
            self.assertTrue(srv.alive(), srv.stderr_tail())
            self.assertEqual(srv.get("/api/workers").status, 200, "reads with the disk full")
            # /api/health says why: the last write found no space.
            health = srv.get("/api/health").json
            self.assertEqual(health["store"], "full", health)
            self.assertEqual(health["status"], "degraded", health)
            os.unlink(filler)
            filler = None
            # The store finds out by itself (a write that changes nothing, once a second),
            # without a mutation and without a restart: within 5 s.
            deadline = time.monotonic() + 5
            while srv.get("/api/health").json["store"] != "ok" and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(srv.get("/api/health").json["store"], "ok",
                             "health after space was freed")
            # Space again: every spool can be moved on, without a restart.
            after = []
            for i, tag in enumerate(tags):
                action = "pausar" if tag in held else "tomar"
                r, _ = post(srv, action, tag, workers[i % len(workers)])
                sent += 1
                if acked(r):
                    ack_by[tag] = ack_by.get(tag, 0) + 1
                    if action == "tomar":
                        held[tag] = True
                    else:
                        held.pop(tag)
                else:
                    after.append((action, tag, r.status if r else None, error_code(r)))
            self.assertEqual(after, [], "mutations after space was freed (no restart)")
            lost = check_consistency(self, srv, db, tags, base, ack_by, {})
            for i, tag in enumerate(list(held)):
                post(srv, "pausar", tag, workers[tags.index(tag) % len(workers)])
            record("disk full (tmpfs 8 MB)", sent, sum(ack_by.values()), lost,
                   refused_503=refused)
            self.assertEqual(lost, 0)
        finally:
            if filler:
                try:
                    os.unlink(filler)
                except OSError:
                    pass
            if srv is not None:
                rc = srv.stop()
                rep = srv.sanitizer_report()
            redis.kill()
            harness.remove_tempdir(work)
            subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            harness.remove_tempdir(mnt)
        self.assertEqual(rep, "", "sanitizer report of the disk-full server")
        self.assertEqual(rc, 0, "disk-full server exit status")

    # ------------------------------------------------------------------------------------------
    def test_4_sigkill_under_load(self):
        srv, redis = self.server, self.redis
        tags = self.take(8)
        wids = [self.workers[i % len(self.workers)] for i in range(len(tags))]
        _, meta = export_sheets(self.db)
        base = {t: len(v) for t, v in events_by_tag(meta, set(tags)).items()}
        stop = threading.Event()
        acked_by = {t: 0 for t in tags}
        unknown_by = {t: 0 for t in tags}
        sent = [0]
        lock = threading.Lock()

        def loader(tag, wid):
            action = "tomar"
            while not stop.is_set():
                try:
                    r = harness.http_request(srv.host, srv.port, "POST",
                                             "/api/occupation/" + action,
                                             json_body={"tag_spool": tag, "worker_id": wid,
                                                        "operacion": "ARM"}, timeout=10)
                except ConnectionRefusedError:
                    time.sleep(0.02)
                    continue
                except (OSError, http.client.HTTPException, TypeError):
                    with lock:
                        sent[0] += 1
                        unknown_by[tag] += 1
                    time.sleep(0.02)
                    continue
                with lock:
                    sent[0] += 1
                code = error_code(r)
                if acked(r):
                    with lock:
                        acked_by[tag] += 1
                    action = "pausar" if action == "tomar" else "tomar"
                elif r.status == 200:          # sin_cambios: it already holds it
                    action = "pausar"
                elif action == "pausar" and code == "NO_AUTORIZADO":
                    action = "tomar"           # the PAUSAR in flight at the kill committed
                else:
                    time.sleep(0.2)            # its own pending lock (<= 30 s), 503 at restart

        threads = [threading.Thread(target=loader, args=(t, w), daemon=True)
                   for t, w in zip(tags, wids)]
        for th in threads:
            th.start()
        rnd = random.Random(int(os.environ.get("ZEUES_FAULT_SEED", "0")) or None)
        kills = 0
        last_kill = None
        try:
            for _ in range(5):
                time.sleep(rnd.uniform(0.4, 1.5))
                srv.kill()
                last_kill = time.monotonic()
                kills += 1
                srv.start()
        finally:
            time.sleep(1.0)
            stop.set()
            for th in threads:
                th.join(15)
        self.assertTrue(srv.alive())
        lost = check_consistency(self, srv, self.db, tags, base, acked_by, unknown_by)
        # Orphan locks: wait until 35 s after the last kill, once.
        wait = last_kill + PENDING_TTL + 5 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        ops, _ = export_sheets(self.db)
        locks = redis_locks(redis)
        orphans = [(t, v) for t, v in locks.items() if t in ops and not ops[t]["Ocupado_Por"]]
        missing = [t for t in tags if ops[t]["Ocupado_Por"] and t not in locks]
        self.assertEqual(orphans, [], "locks on free spools %d s after the last kill" %
                         (PENDING_TTL + 5))
        self.assertEqual(missing, [], "occupied spools without their lock after restart")
        # Recovered without manual steps: each spool can be moved on by its worker.
        after = []
        for tag, wid in zip(tags, wids):
            action = "pausar" if ops[tag]["Ocupado_Por"] else "tomar"
            r, _ = post(srv, action, tag, wid)
            if not acked(r):
                after.append((tag, action, r.status if r else None, error_code(r)))
            elif action == "tomar":
                post(srv, "pausar", tag, wid)
        self.assertEqual(after, [], "spools not movable after the kills")
        reports = srv.sanitizer_report()
        record("SIGKILL x%d under load" % kills, sent[0], sum(acked_by.values()), lost,
               unanswered=sum(unknown_by.values()), orphan_locks=len(orphans))
        self.assertEqual(reports, "", "sanitizer reports")
        self.assertEqual(lost, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
