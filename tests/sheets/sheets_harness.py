"""What the spreadsheet-sync tests share: a service-account key made with openssl, the local
Sheets stand-in (standin.py) on a loopback port, `zeues serve` pointed at both, and the
comparison of the stand-in's sheets with `zeues export`. Python 3 standard library only
(plus the openssl command)."""
import csv
import http.client
import threading
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "blackbox"))
import harness  # noqa: E402

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-standin"
SHEETS = ("Operaciones", "Trabajadores", "Roles", "Uniones", "Metadata")


def make_key(d, token_port, name="key.json"):
    """A service-account JSON key whose token_uri points at the stand-in."""
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                          "rsa_keygen_bits:2048"], stdout=subprocess.PIPE, check=True,
                         stderr=subprocess.PIPE).stdout.decode()
    key = {"type": "service_account", "project_id": "zeues-tests",
           "private_key_id": "0123456789abcdef0123456789abcdef01234567", "private_key": pem,
           "client_email": "zeues-sync@zeues-tests.iam.gserviceaccount.com",
           "client_id": "100000000000000000001",
           "auth_uri": "https://accounts.google.com/o/oauth2/auth",
           "token_uri": "http://127.0.0.1:%d/token" % token_port,
           "universe_domain": "googleapis.com"}
    path = os.path.join(d, name)
    with open(path, "w") as f:
        json.dump(key, f)
    return path


class Standin:
    def __init__(self, d):
        self.dir = d
        self.port = harness.free_port()
        self.key = make_key(d, self.port)
        self.proc = None

    def start(self):
        pf = os.path.join(self.dir, "standin.port")
        if os.path.exists(pf):
            os.unlink(pf)
        self.proc = harness._spawn([sys.executable, os.path.join(HERE, "standin.py"), "--key",
                                    self.key, "--sheet-id", SHEET_ID, "--port", str(self.port),
                                    "--portfile", pf], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(pf):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the Sheets stand-in did not start")
            time.sleep(0.02)
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def control(self, what, **body):
        r = harness.http_request("127.0.0.1", self.port, "POST" if body or what not in
                                 ("dump", "stats") else "GET", "/control/" + what,
                                 json_body=body if body else None, timeout=30)
        if r.status != 200:
            raise AssertionError("stand-in control %s: %s" % (what, r))
        return r.json

    def dump(self):
        return harness.http_request("127.0.0.1", self.port, "GET", "/control/dump",
                                    timeout=60).json["sheets"]

    def stats(self):
        return harness.http_request("127.0.0.1", self.port, "GET", "/control/stats").json

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def sync_args(standin, writes=60, reads=60, push_ms=500, pull_s=300, backoff_ms=2000):
    return ["--sheets-key", standin.key, "--sheet-id", SHEET_ID, "--sheets-api-url",
            standin.url, "--sheets-writes-per-min", str(writes), "--sheets-reads-per-min",
            str(reads), "--sheets-push-interval-ms", str(push_ms), "--sheets-pull-interval",
            str(pull_s), "--sheets-backoff-max-ms", str(backoff_ms), "--sheets-timeout-ms", "5000"]


def cli_sheets(action, db, standin, **kw):
    return harness.run_cli("sheets", action, "--db", db, *sync_args(standin, **kw))


def health_sheets(server):
    r = server.get("/api/health")
    assert r.status == 200, r
    return r.json["sheets"]


def wait_for(pred, timeout, step=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def wait_synced(server, timeout=60):
    """Until health says nothing is pending and the last push is after every event."""
    def done():
        s = health_sheets(server)
        return s if s["events_pending"] == 0 and s["state"] == "ok" else None
    return wait_for(done, timeout, what="the sheet to catch up")


def export_tables(db):
    """{sheet: rows as lists of strings} of `zeues export`, trailing blank cells trimmed."""
    d = harness.make_tempdir("zeues-sheets-export-")
    try:
        harness.export_dir(db, d)
        out = {}
        for name in SHEETS:
            with open(os.path.join(d, name + ".csv"), encoding="utf-8", newline="") as f:
                out[name] = trim(list(csv.reader(f)))
        return out
    finally:
        harness.remove_tempdir(d)


def cell_text(v):
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def trim(rows):
    out = []
    for r in rows:
        r = [cell_text(v) for v in r]
        while r and r[-1] == "":
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def by_key(rows, *keys):
    """{key tuple: row} of a table (rows[0] = headers); also checks keys are unique."""
    h = rows[0]
    idx = [h.index(k) for k in keys]
    out = {}
    for r in rows[1:]:
        k = tuple(r[i] if i < len(r) else "" for i in idx)
        assert k not in out, "key %r twice in the sheet" % (k,)
        out[k] = r
    return out


# ---------------------------------------------------------------------------------------------
# Plant and load
# ---------------------------------------------------------------------------------------------

def demo_plant(db, spools=120):
    r = harness.run_cli("demo", "--db", db, "--spools", spools)
    if r.returncode != 0:
        raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)


def arm_pairs(server, n):
    """n (tag, worker id) pairs: distinct ARM-takeable spools, each with an Armador."""
    workers = server.get("/api/workers").json["workers"]
    arm = [w["id"] for w in workers if "Armador" in (w.get("roles") or [])]
    spools = server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
    tags = [s["tag_spool"] for s in spools]
    assert len(arm) >= 1 and len(tags) >= n, (len(arm), len(tags))
    return [(tags[i], arm[i % len(arm)]) for i in range(n)]


class Loader(threading.Thread):
    """TOMAR -> PAUSAR cycles of one worker on one spool (ARM); every answer must be 200.
    latencies (seconds) of each mutation are kept; stop with stop_event."""

    def __init__(self, server, tag, wid, stop_event, limit=None):
        super().__init__(daemon=True)
        self.server, self.tag, self.wid, self.stop_event = server, tag, wid, stop_event
        self.limit = limit
        self.latencies = []
        self.errors = []
        self.done = 0

    def run(self):
        action = "tomar"
        while not self.stop_event.is_set() and (self.limit is None or self.done < self.limit):
            t0 = time.monotonic()
            try:
                r = self.server.post("/api/occupation/" + action, timeout=15,
                                     json_body={"tag_spool": self.tag, "worker_id": self.wid,
                                                "operacion": "ARM"})
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(repr(e))
                time.sleep(0.05)
                continue
            self.latencies.append(time.monotonic() - t0)
            if r.status != 200:
                self.errors.append((action, r.status, r.body[:200]))
                time.sleep(0.05)
                continue
            self.done += 1
            action = "pausar" if action == "tomar" else "tomar"


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))] if xs else 0.0


def run_load(server, pairs, stop_event=None, limit=None):
    stop_event = stop_event or threading.Event()
    ls = [Loader(server, t, w, stop_event, limit) for t, w in pairs]
    for l in ls:
        l.start()
    return ls, stop_event


def join_load(loaders, stop_event=None):
    if stop_event is not None:
        stop_event.set()
    for l in loaders:
        l.join(60)
    errors = [e for l in loaders for e in l.errors]
    return sum(l.done for l in loaders), [x for l in loaders for x in l.latencies], errors


def assert_sheet_equals_export(tc, standin, db, sheets=SHEETS):
    """Every sheet of the stand-in holds exactly what `zeues export` writes."""
    dump = standin.dump()
    exp = export_tables(db)
    for name in sheets:
        got = trim(dump.get(name, []))
        want = exp[name]
        tc.assertEqual(len(got), len(want), "%s: %d rows in the sheet, %d in the export" %
                       (name, len(got), len(want)))
        for i, (a, b) in enumerate(zip(got, want)):
            tc.assertEqual(a, b, "%s row %d differs" % (name, i + 1))
    ids = [r[0] for r in exp["Metadata"][1:]]
    tc.assertEqual(len(ids), len(set(ids)), "an event id twice in Metadata")


class SheetsCase(harness.CheckedTestCase):
    """setUpClass: redis, the stand-in with an empty spreadsheet, a demo plant of SPOOLS spools,
    `zeues sheets init`, then `zeues serve` syncing with SYNC (sync_args keywords)."""

    SPOOLS = 120
    SYNC = {}
    START_SERVER = True
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-sheets-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.standin = Standin(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            demo_plant(cls.db, cls.SPOOLS)
            r = cli_sheets("init", cls.db, cls.standin)
            if r.returncode != 0:
                raise AssertionError("zeues sheets init failed:\n" + r.stdout + r.stderr)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url, workdir=cls.tmp,
                                        args=sync_args(cls.standin, **cls.SYNC))
            if cls.START_SERVER:
                cls.server.start()
        except Exception:
            cls.teardown_stack(check=False)
            raise

    @classmethod
    def teardown_stack(cls, check=True):
        problems = []
        srv = getattr(cls, "server", None)
        try:
            if srv is not None and srv.proc is not None and srv.alive():
                rc = srv.stop()
                if check and rc != 0:
                    problems.append("zeues exited %s on SIGTERM:\n%s" % (rc, srv.stderr_tail()))
        finally:
            for name in ("standin", "redis"):
                o = getattr(cls, name, None)
                if o is not None:
                    o.stop() if name == "standin" else o.kill()
            harness.remove_tempdir(cls.tmp)
        if check:
            problems += harness.take_sanitizer_findings()
        if problems:
            raise AssertionError("\n\n".join(problems))

    @classmethod
    def tearDownClass(cls):
        cls.teardown_stack(check=True)
