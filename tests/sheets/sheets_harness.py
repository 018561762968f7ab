"""What the spreadsheet-sync tests share: a service-account key made with openssl, the local
Sheets stand-in (standin.py) on a loopback port, `zeues serve` pointed at both, and the
comparison of the stand-in's sheets with `zeues export`. Python 3 standard library only
(plus the openssl command)."""
import csv
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


def make_key(d, token_port):
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
    path = os.path.join(d, "key.json")
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
