#!/usr/bin/env python3
"""What a plant IT person runs the server with: GET /metrics (Prometheus text), --log-format
json, the systemd readiness protocol (Type=notify), `zeues backup` while serving, and the files
`cmake --install` places (binary, unit, default settings).

  * /metrics parses as the Prometheus text format (every sample after its HELP and TYPE,
    histograms cumulative), and its counters move by exactly what the test did: requests by
    route and status, the mutation latency histogram, error codes, lock conflicts, store
    changes, live streams attached;
  * --log-format json: every log line is one JSON object (ts, level, module, msg); a request
    path with an encoded line feed cannot split or forge a line, in json and in text format;
  * NOTIFY_SOCKET (a path or an abstract '@name'): READY=1 arrives once the port answers,
    STOPPING=1 on SIGTERM; without it nothing breaks;
  * `zeues backup` under a stream of TOMAR/PAUSAR: every copy is whole (integrity check, no
    write-ahead log beside it), each later copy holds every event of the earlier one, the
    last one every acknowledged change; failures leave no file behind;
  * `cmake --install` into a staging root: the unit points at the installed binary and
    settings file, Type=notify and DynamicUser; the installed binary, started with the
    installed settings, becomes ready.
"""
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402
from test_live_stream import SseStream  # noqa: E402

A, B = 93, 95  # Armadores of the demo plant

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                       r'(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*"'
                       r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*")*)?\})?'
                       r' (-?[0-9.eE+-]+|NaN|[+-]Inf)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"')


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, checking the exposition format on the way."""
    samples, families, typed = {}, {}, None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram"), line
            assert name not in families, "family %s typed twice" % name
            families[name] = kind
            typed = name
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        name = m.group(1)
        base = re.sub(r"_(bucket|sum|count)$", "", name) if families.get(
            re.sub(r"_(bucket|sum|count)$", "", name)) == "histogram" else name
        assert base == typed, "sample %s outside its family (%s)" % (name, typed)
        labels = frozenset(LABEL_RE.findall(m.group(2) or ""))
        key = (name, labels)
        assert key not in samples, "sample %r twice" % (key,)
        samples[key] = float(m.group(3))
    # Histograms: buckets cumulative, +Inf == _count.
    for name, kind in families.items():
        if kind != "histogram":
            continue
        series = {}
        for (n, labels), v in samples.items():
            if n == name + "_bucket":
                rest = frozenset(kv for kv in labels if kv[0] != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((float("inf") if le == "+Inf" else float(le), v))
        for rest, buckets in series.items():
            buckets.sort()
            values = [v for _, v in buckets]
            assert values == sorted(values), "%s%s buckets not cumulative" % (name, dict(rest))
            assert buckets[-1][0] == float("inf")
            assert samples[(name + "_count", rest)] == values[-1]
    return samples, families


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Metrics(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-ops-metrics-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 100)
            assert r.returncode == 0, r.stdout + r.stderr
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def scrape(self):
        r = self.server.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("content-type"),
                         "text/plain; version=0.0.4; charset=utf-8")
        return parse_metrics(r.body.decode("utf-8"))

    def fresh_spool(self):
        r = self.server.get("/api/spools/iniciar?operacion=ARM")
        self.assertEqual(r.status, 200, r)
        for s in r.json["spools"]:
            d = self.server.get("/api/spools/detail?tag=" + s["tag_spool"]).json
            if not d.get("ocupado_por"):
                return s["tag_spool"]
        self.fail("no free ARM spool in the demo plant")

    def test_counters_move_by_what_was_done(self):
        tag = self.fresh_spool()
        m0, families = self.scrape()
        self.assertEqual(families["zeues_http_requests_total"], "counter")
        self.assertEqual(families["zeues_mutation_duration_seconds"], "histogram")
        self.assertEqual(sample(m0, "zeues_store_up", backend="sqlite"), 1)
        self.assertEqual(sample(m0, "zeues_redis_up"), 1)
        self.assertEqual(sample(m0, "zeues_store_write_state", state="ok"), 1)

        post = lambda path, **b: self.server.post("/api/occupation/" + path, json_body=b)  # noqa
        self.assertEqual(post("tomar", tag_spool=tag, worker_id=A, operacion="ARM").status, 200)
        self.assertEqual(post("tomar", tag_spool=tag, worker_id=B, operacion="ARM").status, 409)
        self.assertEqual(post("pausar", tag_spool=tag, worker_id=A, operacion="ARM").status, 200)
        for _ in range(3):
            self.assertEqual(self.server.get("/api/workers").status, 200)
        self.assertEqual(self.server.get("/no/such/route").status, 404)
        m1, _ = self.scrape()

        def delta(name, **labels):
            return sample(m1, name, **labels) - sample(m0, name, **labels)

        tomar = dict(method="POST", route="/api/occupation/tomar")
        self.assertEqual(delta("zeues_http_requests_total", status="200", **tomar), 1)
        self.assertEqual(delta("zeues_http_requests_total", status="409", **tomar), 1)
        self.assertEqual(delta("zeues_http_requests_total", method="POST",
                               route="/api/occupation/pausar", status="200"), 1)
        self.assertEqual(delta("zeues_http_requests_total", method="GET", route="/api/workers",
                               status="200"), 3)
        self.assertEqual(delta("zeues_http_requests_total", method="", route="unrouted",
                               status="404"), 1)
        # the scrape itself is counted once it has been answered
        self.assertEqual(delta("zeues_http_requests_total", method="GET", route="/metrics",
                               status="200"), 1)
        self.assertEqual(delta("zeues_mutation_duration_seconds_count",
                               route="/api/occupation/tomar"), 2)
        self.assertEqual(delta("zeues_mutation_duration_seconds_count",
                               route="/api/occupation/pausar"), 1)
        self.assertGreater(delta("zeues_mutation_duration_seconds_sum",
                                 route="/api/occupation/tomar"), 0)
        self.assertEqual(delta("zeues_errors_total", code="SPOOL_OCCUPIED"), 1)
        self.assertEqual(delta("zeues_errors_total", code="NOT_FOUND"), 1)
        self.assertEqual(delta("zeues_lock_conflicts_total"), 1)
        self.assertEqual(delta("zeues_store_changes_total"), 2)  # TOMAR and PAUSAR
        self.assertEqual(delta("zeues_store_errors_total"), 0)
        # reads are not in the mutation histogram
        self.assertNotIn(("zeues_mutation_duration_seconds_count",
                          frozenset({("route", "/api/workers")})), m1)

    def test_live_streams_are_counted(self):
        m0, _ = self.scrape()
        base = sample(m0, "zeues_sse_clients")
        streams = [SseStream("127.0.0.1", self.server.port) for _ in range(3)]
        try:
            for s in streams:
                self.assertEqual(s.status, 200)
            m1, _ = self.scrape()
            self.assertEqual(sample(m1, "zeues_sse_clients") - base, 3)
        finally:
            for s in streams:
                s.sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            m2, _ = self.scrape()
            if sample(m2, "zeues_sse_clients") == base:
                break
            time.sleep(0.05)
        self.assertEqual(sample(m2, "zeues_sse_clients"), base, "hung-up streams still counted")

    def test_zz_redis_errors_are_counted(self):
        """A Redis outage answers REDIS_UNAVAILABLE and shows in the Redis counters."""
        tag = self.fresh_spool()
        m0, _ = self.scrape()
        self.redis.kill()
        try:
            r = self.server.post("/api/occupation/tomar",
                                 json_body=dict(tag_spool=tag, worker_id=A, operacion="ARM"))
            self.assertEqual(r.status, 503, r)
            m1, _ = self.scrape()
            self.assertEqual(sample(m1, "zeues_redis_up"), 0)
            self.assertEqual(sample(m1, "zeues_redis_errors_total") -
                             sample(m0, "zeues_redis_errors_total"), 1)
        finally:
            self.redis.restart()


class Logs(harness.CheckedTestCase):
    def start(self, *args):
        self.tmp = harness.make_tempdir("zeues-ops-logs-")
        self.addCleanup(harness.remove_tempdir, self.tmp)
        self.redis = harness.Redis(self.tmp).start()
        self.addCleanup(self.redis.kill)
        db = os.path.join(self.tmp, "zeues.db")
        self.server = harness.Server(db=db, redis_url=self.redis.url, workdir=self.tmp,
                                     args=args).start()
        self.addCleanup(self.server.stop)

    def forged_request(self):
        # A decoded %0a in the path would otherwise start a line of its own.
        target = "/x%0a2026-01-01T00:00:00.000Z%20ERROR%20http:%20FORGED"
        r = self.server.raw(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % target).encode(),
                            first_response=True)
        self.assertTrue(r.startswith(b"HTTP/1.1 404"), r[:80])

    def stderr_after_stop(self):
        self.assertEqual(self.server.stop(), 0)
        return self.server.stderr()

    def test_json_lines(self):
        self.start("--log-format", "json")
        self.assertEqual(self.server.get("/api/health").status, 200)
        self.forged_request()
        lines = self.stderr_after_stop().splitlines()
        self.assertGreater(len(lines), 3)
        for line in lines:
            o = json.loads(line)
            self.assertEqual(list(o.keys()), ["ts", "level", "module", "msg"], line)
            self.assertRegex(o["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(o["level"], ("DEBUG", "INFO", "WARN", "ERROR"))
        msgs = [json.loads(line)["msg"] for line in lines]
        self.assertTrue(any(m.startswith("GET /api/health 200 ") for m in msgs), msgs)
        forged = [m for m in msgs if "FORGED" in m]
        self.assertEqual(len(forged), 1, msgs)
        self.assertTrue(forged[0].startswith("GET /x\n2026-01-01T00:00:00.000Z ERROR"), forged)
        self.assertFalse(any(m.startswith("2026-01-01") for m in msgs))

    def test_text_lines_cannot_be_forged(self):
        self.start()
        self.forged_request()
        lines = self.stderr_after_stop().splitlines()
        self.assertFalse(any(line.startswith("2026-01-01T00:00:00.000Z") for line in lines),
                         lines)
        forged = [line for line in lines if "FORGED" in line]
        self.assertEqual(len(forged), 1, lines)
        self.assertIn("GET /x\\x0a2026-01-01T00:00:00.000Z ERROR http: FORGED 404", forged[0])

    def test_bad_format_is_refused(self):
        r = harness.run_cli("serve", "--log-format", "xml", "--port", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--log-format: 'xml' is not text or json", r.stderr)


class Notify(harness.CheckedTestCase):
    """The readiness protocol of systemd's Type=notify, with a socket of the test's own."""

    def setUp(self):
        self.tmp = harness.make_tempdir("zeues-ops-notify-")
        self.addCleanup(harness.remove_tempdir, self.tmp)
        self.redis = harness.Redis(self.tmp).start()
        self.addCleanup(self.redis.kill)

    def listen(self, abstract):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        if abstract:
            name = "@zeues-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            sock.bind("\0" + name[1:])
        else:
            name = os.path.join(self.tmp, "notify.sock")
            sock.bind(name)
        sock.settimeout(20)
        return sock, name

    def run_server(self, abstract):
        sock, name = self.listen(abstract)
        db = os.path.join(self.tmp, "zeues.db")
        srv = harness.Server(db=db, redis_url=self.redis.url, workdir=self.tmp,
                             env={"NOTIFY_SOCKET": name})
        # The message may arrive before start() has read the port from stdout.
        got = []
        t = threading.Thread(target=lambda: got.append(sock.recv(4096)))
        t.start()
        srv.start()
        self.addCleanup(srv.stop)
        t.join(20)
        self.assertTrue(got, "no readiness message")
        fields = dict(line.split("=", 1) for line in got[0].decode().splitlines())
        self.assertEqual(fields["READY"], "1")
        self.assertEqual(int(fields["MAINPID"]), srv.proc.pid)
        self.assertIn("listening on port %d" % srv.port, fields["STATUS"])
        # ready means serving
        self.assertEqual(srv.get("/api/health").status, 200)
        srv.proc.send_signal(signal.SIGTERM)
        self.assertEqual(sock.recv(4096), b"STOPPING=1")
        self.assertEqual(srv.stop(), 0)

    def test_path_socket(self):
        self.run_server(abstract=False)

    def test_abstract_socket(self):
        self.run_server(abstract=True)

    def test_unreachable_socket_does_not_stop_the_server(self):
        db = os.path.join(self.tmp, "zeues.db")
        srv = harness.Server(db=db, redis_url=self.redis.url, workdir=self.tmp,
                             env={"NOTIFY_SOCKET": os.path.join(self.tmp, "nobody.sock")}).start()
        self.assertEqual(srv.get("/api/health").status, 200)
        self.assertEqual(srv.stop(), 0)
        self.assertIn("readiness could not be sent", srv.stderr())


class Backup(harness.CheckedTestCase):
    def setUp(self):
        self.tmp = harness.make_tempdir("zeues-ops-backup-")
        self.addCleanup(harness.remove_tempdir, self.tmp)

    @staticmethod
    def events(path):
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return [r[0] for r in db.execute("SELECT id FROM events ORDER BY seq")]
        finally:
            db.close()

    def test_copies_while_serving(self):
        redis = harness.Redis(self.tmp).start()
        self.addCleanup(redis.kill)
        db = os.path.join(self.tmp, "zeues.db")
        r = harness.run_cli("demo", "--db", db, "--spools", 60)
        self.assertEqual(r.returncode, 0, r.stderr)
        srv = harness.Server(db=db, redis_url=redis.url, workdir=self.tmp).start()
        self.addCleanup(srv.stop)
        tags = [s["tag_spool"] for s in
                srv.get("/api/spools/iniciar?operacion=ARM").json["spools"]][:8]
        self.assertTrue(tags)
        acked, stop = [], threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                tag = tags[i % len(tags)]
                for act in ("tomar", "pausar"):
                    rr = srv.post("/api/occupation/" + act,
                                  json_body=dict(tag_spool=tag, worker_id=A, operacion="ARM"))
                    if rr.status == 200:
                        acked.append((act, tag))
                i += 1

        t = threading.Thread(target=load)
        t.start()
        copies = []
        try:
            for k in range(3):
                time.sleep(0.3)
                out = os.path.join(self.tmp, "copy%d.db" % k)
                r = harness.run_cli("backup", "--db", db, "--to", out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("wrote " + out, r.stdout)
                self.assertFalse(os.path.exists(out + "-wal"), "a copy must be one file")
                copies.append(self.events(out))
        finally:
            stop.set()
            t.join()
        self.assertGreater(len(acked), 10, "the load made too few changes")
        for a, b in zip(copies, copies[1:]):
            self.assertEqual(b[:len(a)], a, "a later copy lacks events of an earlier one")
        self.assertGreater(len(copies[-1]), len(copies[0]), "copies taken under load all equal")
        # After the load, a copy holds every acknowledged change.
        final = os.path.join(self.tmp, "final.db")
        self.assertEqual(harness.run_cli("backup", "--db", db, "--to", final).returncode, 0)
        n_new = len(self.events(final)) - len(self.events(os.path.join(self.tmp, "copy0.db")))
        self.assertGreaterEqual(len(self.events(final)), len(acked))
        self.assertGreater(n_new, 0)
        # The copy is a store the binary opens, and after the load it equals the live one.
        d1, d2 = os.path.join(self.tmp, "e1"), os.path.join(self.tmp, "e2")
        harness.export_dir(final, d1)
        srv.stop()
        harness.export_dir(db, d2)
        for sheet in ("Operaciones.csv", "Metadata.csv", "Uniones.csv"):
            with open(os.path.join(d1, sheet), "rb") as f1, open(os.path.join(d2, sheet), "rb") as f2:
                self.assertEqual(f1.read(), f2.read(), sheet)

    def test_failures_leave_nothing(self):
        db = os.path.join(self.tmp, "zeues.db")
        self.assertEqual(harness.run_cli("demo", "--db", db, "--spools", 5).returncode, 0)
        r = harness.run_cli("backup", "--db", db)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--to FILE is required", r.stderr)
        missing = os.path.join(self.tmp, "no-such-dir", "copy.db")
        r = harness.run_cli("backup", "--db", db, "--to", missing)
        self.assertEqual(r.returncode, 1)
        self.assertIn("zeues backup: cannot create", r.stderr)
        # An existing copy is replaced whole; no temporary file stays behind.
        out = os.path.join(self.tmp, "copy.db")
        with open(out, "wb") as f:
            f.write(b"old")
        self.assertEqual(harness.run_cli("backup", "--db", db, "--to", out).returncode, 0)
        self.assertEqual(len(self.events(out)), len(self.events(db)))
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         sorted(["copy.db", "zeues.db", "zeues.db-wal", "zeues.db-shm"]
                                if os.path.exists(db + "-wal") else ["copy.db", "zeues.db"]))


class Install(harness.CheckedTestCase):
    """cmake --install of the build under test into a staging root."""

    def test_installed_service_files(self):
        build = os.environ.get("ZEUES_BUILD") or os.path.dirname(harness.ZEUES_BIN)
        cmake = shutil.which("cmake")
        self.assertIsNotNone(cmake, "cmake is needed to build, so it is on the machine")
        tmp = harness.make_tempdir("zeues-ops-install-")
        self.addCleanup(harness.remove_tempdir, tmp)
        root = os.path.join(tmp, "root")
        r = subprocess.run([cmake, "--install", build], env=dict(os.environ, DESTDIR=root),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        units = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                 if f == "zeues.service"]
        self.assertEqual(len(units), 1, units)
        with open(units[0], encoding="utf-8") as f:
            unit = f.read()
        keys = {}
        for line in unit.splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                keys.setdefault(k, []).append(v)
        self.assertEqual(keys["Type"], ["notify"])
        self.assertEqual(keys["DynamicUser"], ["yes"])
        self.assertEqual(keys["StateDirectory"], ["zeues"])
        self.assertEqual(keys["NoNewPrivileges"], ["yes"])
        self.assertEqual(keys["ProtectSystem"], ["strict"])
        exec_start = keys["ExecStart"][0].split()
        self.assertEqual(exec_start[1:], ["serve"])
        binary = root + exec_start[0]
        self.assertTrue(os.access(binary, os.X_OK), binary)
        env_file = root + keys["EnvironmentFile"][0].lstrip("-")
        self.assertTrue(os.path.isfile(env_file), env_file)
        settings = {}
        with open(env_file, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    k, v = line.split("=", 1)
                    settings[k] = v
        self.assertEqual(settings["ZEUES_STORE"], "sqlite:///var/lib/zeues/zeues.db")
        # Every setting of the file is one the server knows (a typo would be ignored silently).
        r = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True)
        for k in settings:
            self.assertIn(" %s " % k, r.stdout, "%s is not a setting of zeues serve" % k)
        # The installed binary with the installed settings (store and port moved into the test's
        # directory) becomes ready.
        redis = harness.Redis(tmp).start()
        self.addCleanup(redis.kill)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(os.path.join(tmp, "n.sock"))
        sock.settimeout(20)
        env = dict(settings, ZEUES_STORE="sqlite://" + os.path.join(tmp, "z.db"), PORT="0",
                   ZEUES_BIND="127.0.0.1", REDIS_URL=redis.url,
                   NOTIFY_SOCKET=os.path.join(tmp, "n.sock"))
        p = subprocess.Popen([binary, "serve"], env=harness.base_env(env),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.assertTrue(sock.recv(4096).startswith(b"READY=1\n"))
        finally:
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 0, err)
        # Installing again keeps the plant's edited settings.
        with open(env_file, "a", encoding="utf-8") as f:
            f.write("PORT=8123\n")
        r = subprocess.run([cmake, "--install", build], env=dict(os.environ, DESTDIR=root),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(env_file, encoding="utf-8") as f:
            self.assertTrue(f.read().endswith("PORT=8123\n"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
