"""Black-box harness for ZEUES-C: a real redis-server, the real binary on a loopback port, a temp
SQLite file, and a tiny HTTP client. Python 3 standard library only.

Environment:
  ZEUES_BIN       the binary (default /work/main/build/zeues)
  ZEUES_BLACKBOX_STORE  sqlite (default) or postgres: with postgres, every `--db FILE` the
                  tests give the binary (servers and CLI calls) becomes a store of its own (a
                  schema, selected by the URL's search_path) on one PostgreSQL server: the one
                  the ctest run shares (ZEUES_PG_SHARED) or one this process starts
                  (tests/pg/pg_server.py) and removes at exit; the same FILE always names the
                  same store.
  ZEUES_FIXTURES  the fixtures directory (default <repo>/tests/fixtures)
  ZEUES_BUILD     the build directory (informative)

Every child process is started with PR_SET_PDEATHSIG=SIGKILL (it dies with this process, even if
this process is SIGKILLed by a ctest timeout) and is registered so that atexit and SIGTERM/SIGINT
handlers kill whatever is still alive and remove the temp directories.

Sanitizers: the binary is built with ASan + UBSan (or TSan). The stderr of every process of the
binary that the tests start (each `zeues serve` run, each CLI call) is scanned for a sanitizer
report, and a process that died of SIGABRT (abort_on_error=1, or an assert) counts as one. Any
such finding fails a test: run_cli raises at once; a server's finding fails the test during
which it was found (CheckedTestCase, a per-test cleanup), or tearDownClass, or, if nothing else
saw it, the whole file at exit (exit status 1). No report is only printed.
"""
import atexit
import ctypes
import functools
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ZEUES_BIN = os.environ.get("ZEUES_BIN") or "/work/main/build/zeues"
FIXTURES = os.environ.get("ZEUES_FIXTURES") or os.path.join(REPO, "tests", "fixtures")
REDIS_BIN = shutil.which("redis-server") or "/usr/bin/redis-server"

PLANT = os.path.join(FIXTURES, "plant")

# ------------------------------------------------------------------------------------------
# Child and temp-dir bookkeeping
# ------------------------------------------------------------------------------------------

_children = []   # subprocess.Popen objects still possibly alive
_tempdirs = []   # directories to remove at exit

_PR_SET_PDEATHSIG = 1
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux
    _libc = None


def _child_preexec():
    # Runs in the child between fork and exec: die when the parent dies.
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _spawn(argv, **kw):
    p = subprocess.Popen(argv, preexec_fn=_child_preexec, **kw)
    _children.append(p)
    return p


def _kill_all():
    _pg_remove()
    for p in list(_children):
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass
    _children.clear()
    for d in list(_tempdirs):
        shutil.rmtree(d, ignore_errors=True)
    _tempdirs.clear()


def _at_exit():
    """Last line of defence: servers a test left running get SIGTERM (so LeakSanitizer runs),
    every run is scanned, and a finding nobody reported makes this process exit 1."""
    for run in list(_runs):
        if run.proc.poll() is None:
            try:
                run.proc.terminate()
                run.proc.wait(timeout=10)
            except Exception:
                pass
    leftover = take_sanitizer_findings()
    _kill_all()
    if leftover:
        sys.stderr.write("\nFAIL: sanitizer findings no test reported:\n\n%s\n" %
                         "\n\n".join(leftover))
        sys.stderr.flush()
        os._exit(1)


atexit.register(_at_exit)


def _on_signal(signum, frame):
    _kill_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    try:
        signal.signal(_sig, _on_signal)
    except (ValueError, OSError):  # not the main thread
        pass


# ------------------------------------------------------------------------------------------
# The store backend the binary runs on (ZEUES_BLACKBOX_STORE)
# ------------------------------------------------------------------------------------------

STORE = os.environ.get("ZEUES_BLACKBOX_STORE") or "sqlite"
if STORE not in ("sqlite", "postgres"):
    raise SystemExit("ZEUES_BLACKBOX_STORE must be sqlite or postgres, not %r" % STORE)
_pg = None
_pg_dbs = {}


# A test that stops or restarts the PostgreSQL server sets this before its first store_url:
# it then gets a server of its own even when the ctest run shares one (ZEUES_PG_SHARED).
PG_PRIVATE = False


def pg_server():
    """The PostgreSQL server of this process, or None on SQLite: the one the ctest run shares
    (ZEUES_PG_SHARED, started by the fixture pg.shared.start) unless PG_PRIVATE, else one of
    its own started on first use."""
    global _pg
    if STORE != "postgres":
        return None
    if _pg is None:
        sys.path.insert(0, os.path.join(REPO, "tests", "pg"))
        import pg_server as _pgmod
        shared = os.environ.get("ZEUES_PG_SHARED")
        srv = _pgmod.PgServer.attach(shared) if shared and not PG_PRIVATE else None
        if srv is None:
            srv = _pgmod.PgServer()
            _tempdirs.append(srv.dir)
            srv.start()
        _pg = srv
    return _pg


def _pg_remove():
    global _pg
    if _pg is not None:
        try:
            _pg.remove()
        except Exception:
            pass
        _pg = None


def store_url(db):
    """What the binary is given for the test's store FILE: the file itself on SQLite; on
    PostgreSQL the URL of the database that stands for it (created on first use)."""
    if STORE != "postgres" or "://" in str(db):
        return db
    key = os.path.abspath(str(db))
    if key not in _pg_dbs:
        import hashlib
        name = "bb_" + hashlib.sha1(key.encode()).hexdigest()[:24]
        _pg_dbs[key] = pg_server().create_store(name)
    return _pg_dbs[key]


def _pg_target(db):
    """(server, database, schema) of the test's store FILE (or PostgreSQL URL)."""
    srv = pg_server()  # also puts tests/pg on sys.path
    import pg_server as _pgmod
    name, schema = _pgmod.split_url(store_url(db))
    return srv, name, schema


def _map_db_args(args):
    out = list(args)
    for i in range(len(out) - 1):
        if out[i] == "--db":
            out[i + 1] = store_url(out[i + 1])
    return out


def sqlite_only(reason):
    """Marks a test of the SQLite file itself (its schema migrations, its file system): on
    PostgreSQL it is not defined at all, so not collected, and the reason is printed instead.
    tests/CMakeLists.txt lists every such test with its reason."""
    def deco(fn):
        if STORE == "sqlite":
            return fn
        sys.stderr.write("SQLite-only, not run on %s: %s: %s\n" % (STORE, fn.__qualname__,
                                                                   reason))
        return None
    return deco


def store_exec(db, sql):
    """Runs SQL statements on the test's store FILE behind the server's back (what another
    process, or a fault, would do): sqlite3 on the file, psql on its PostgreSQL database.
    Tests write SQL both backends accept, or one per backend (harness.STORE)."""
    if STORE == "postgres":
        srv, name, schema = _pg_target(db)
        return srv.psql(sql, db=name, schema=schema)
    import sqlite3
    con = sqlite3.connect(db, timeout=10, isolation_level=None)
    try:
        con.executescript(sql)
    finally:
        con.close()
    return ""


def store_query(db, sql):
    """One SELECT on the test's store FILE (as store_exec): its rows as tuples of text."""
    if STORE == "postgres":
        out = store_exec(db, sql)
        return [tuple(line.split("|")) for line in out.splitlines() if line]
    import sqlite3
    con = sqlite3.connect(db, timeout=10)
    try:
        return [tuple("" if v is None else str(v) for v in row)
                for row in con.execute(sql).fetchall()]
    finally:
        con.close()


class store_blocker:
    """A context in which another process holds the store's write lock: SQLite's (BEGIN
    IMMEDIATE on the file) or, on PostgreSQL, the counters row every write transaction locks
    first (psql keeps the row locked until the context ends). Writers of the server then wait
    their busy/lock timeout (5 s) and fail."""

    def __init__(self, db):
        self.db = db
        self.con = self.proc = None

    def __enter__(self):
        if STORE != "postgres":
            import sqlite3
            self.con = sqlite3.connect(self.db, timeout=1, isolation_level=None)
            self.con.execute("BEGIN IMMEDIATE")
            return self
        srv, name, schema = _pg_target(self.db)
        self.proc = _spawn(srv.psql_argv(name), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, env=srv.psql_env(schema))
        self.proc.stdin.write("BEGIN;\nSELECT 'locked' FROM counters FOR UPDATE;\n")
        self.proc.stdin.flush()
        line = ""
        deadline = time.monotonic() + 10
        while "locked" not in line and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError("psql could not lock the counters row")
        return self

    def __exit__(self, *exc):
        if self.con is not None:
            self.con.execute("ROLLBACK")
            self.con.close()
        if self.proc is not None:
            self.proc.kill()  # its connection ends: the transaction rolls back
            self.proc.wait()
        return False


def make_tempdir(prefix="zeues-bb-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _tempdirs.append(d)
    return d


def remove_tempdir(d):
    _scan_runs(under=d)   # a server's stderr may live here: read it before it is gone
    shutil.rmtree(d, ignore_errors=True)
    if d in _tempdirs:
        _tempdirs.remove(d)


def raise_nofile(want):
    """Raises this process's RLIMIT_NOFILE towards `want` (children started afterwards, servers
    included, inherit it): the soft limit up to the hard limit and, as root, the hard limit
    too. Returns the soft limit now in force (a test that needs more must fail, not skip)."""
    inf = resource.RLIM_INFINITY
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == inf or soft >= want:
        return want if soft == inf else soft
    if hard != inf and hard < want and os.geteuid() == 0:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
        except (ValueError, OSError):
            pass            # no CAP_SYS_RESOURCE, or above fs.nr_open: the caller reports it
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == inf else min(want, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def nofile_shortfall(have, need, what):
    """'' when `have` descriptors are enough, else why the test cannot run on this machine."""
    if have >= need:
        return ""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return ("%s needs RLIMIT_NOFILE >= %d; it is %d (hard limit %d) and could not be raised "
            "(%s)" % (what, need, have, hard,
                      "root without CAP_SYS_RESOURCE, or above fs.nr_open" if os.geteuid() == 0
                      else "not root: run as root or raise the hard limit, ulimit -Hn"))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, n=40):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return "(no output)"


# ------------------------------------------------------------------------------------------
# Redis
# ------------------------------------------------------------------------------------------

def wait_past_midnight(tz="America/Santiago", margin_s=150):
    """Tests that compare a date the server wrote with "today" in the plant's time zone would
    fail once when a run crosses that zone's midnight between the action and the check. Called
    at the start of such a test file: if the zone's midnight is less than margin_s away (longer
    than the file runs), waits until just after it. At most once a day, at most margin_s."""
    import datetime
    import zoneinfo
    now = datetime.datetime.now(zoneinfo.ZoneInfo(tz))
    midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    left = (midnight - now).total_seconds()
    if left < margin_s:
        sys.stderr.write("harness: %s midnight in %.0f s; waiting until it has passed\n"
                         % (tz, left))
        time.sleep(left + 2)


class Redis:
    """A private redis-server on a free loopback port, without persistence."""

    def __init__(self, workdir=None):
        self.workdir = workdir or make_tempdir("zeues-redis-")
        self.port = free_port()
        self.proc = None
        self.log = os.path.join(self.workdir, "redis-%d.log" % self.port)

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def start(self, timeout=10, attempts=5):
        """Starts redis-server and makes sure the server answering on the port is this one:
        with tests running in parallel, a "free" port can be taken by another test's Redis
        between the probe and the bind. A restart keeps the port (tests rely on it)."""
        if self.proc is not None and self.proc.poll() is None:
            return self
        keep_port = self.proc is not None
        for attempt in range(attempts):
            if self._start_once(timeout):
                return self
            if keep_port:
                break
            self.port = free_port()
            self.log = os.path.join(self.workdir, "redis-%d.log" % self.port)
        raise RuntimeError("redis-server could not start on a port of its own:\n" + _tail(self.log))

    def _start_once(self, timeout):
        argv = [REDIS_BIN, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", self.workdir,
                "--logfile", self.log]
        self.proc = _spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # most likely the port was taken meanwhile
            try:
                info = self.command("INFO", "server")
                if isinstance(info, str) and ("process_id:%d\r" % self.proc.pid) in info:
                    return True
                if isinstance(info, str):  # someone else's Redis answers on this port
                    self.proc.kill()
                    self.proc.wait()
                    return False
            except (OSError, RuntimeError):
                pass
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING:\n" + _tail(self.log))

    def command(self, *args, timeout=5):
        """Sends one command over RESP and returns the decoded reply (str, int, list, None);
        an error reply raises RuntimeError."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            out = b"*%d\r\n" % len(args)
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            f = s.makefile("rb")
            return _resp_read(f)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def restart(self):
        self.stop()
        return self.start()


def _resp_read(f):
    line = f.readline()
    if not line:
        raise OSError("redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_resp_read(f) for _ in range(n)]
    raise OSError("bad RESP reply %r" % line)


# ------------------------------------------------------------------------------------------
# HTTP
# ------------------------------------------------------------------------------------------

class Response:
    """status (int), headers (dict, lower-case names; repeated headers joined with ', '),
    body (bytes), json (parsed body or None), raw_headers (list of (name, value))."""

    def __init__(self, status, headers, body, raw_headers=()):
        self.status = status
        self.headers = headers
        self.body = body
        self.raw_headers = list(raw_headers)
        self.json = None
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            self.json = None

    def __iter__(self):  # status, headers, body, json = resp
        return iter((self.status, self.headers, self.body, self.json))

    def __repr__(self):
        b = self.body[:300].decode("utf-8", "replace")
        return "<Response %d %s %r>" % (self.status, self.headers.get("content-type"), b)


def http_request(host, port, method, path, body=None, headers=None, json_body=None,
                 timeout=15, encode_chunked=False):
    """One request on a fresh connection. body: bytes/str/iterable of bytes (with
    encode_chunked=True and a Transfer-Encoding: chunked header, streamed in chunks)."""
    hdrs = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        if not any(k.lower() == "content-type" for k in hdrs):
            hdrs["Content-Type"] = "application/json"
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=hdrs, encode_chunked=encode_chunked)
        r = conn.getresponse()
        data = r.read()
        raw = r.getheaders()
        merged = {}
        for k, v in raw:
            k = k.lower()
            merged[k] = merged[k] + ", " + v if k in merged else v
        return Response(r.status, merged, data, raw)
    finally:
        conn.close()


def _first_response_complete(buf):
    """True once buf holds the status line, headers and (Content-Length) body of a response."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", buf[:end])
    need = int(m.group(1)) if m else 0
    return len(buf) >= end + 4 + need


def raw_exchange(host, port, data, timeout=3.0, half_close=False, first_response=False):
    """Sends raw bytes and returns what comes back until the server closes, goes quiet for
    `timeout` seconds, or (first_response=True) one whole response has arrived."""
    out = b""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not chunk:
                break
            out += chunk
            if first_response and _first_response_complete(out):
                break
    return out


# ------------------------------------------------------------------------------------------
# Sanitizer reports of the processes of the binary
# ------------------------------------------------------------------------------------------

# The first line of a report, at the start of a line (the server's own log lines start with a
# timestamp, so a logged request path can never look like one): ASan/LSan "==PID==ERROR: ",
# UBSan "file:line:col: runtime error: ", TSan "WARNING: ThreadSanitizer: ..." and its fatal
# start-up errors, and any sanitizer's SUMMARY line.
SANITIZER_RE = re.compile(r"^(?:==\d+==ERROR: |\S*: runtime error: |WARNING: ThreadSanitizer|"
                          r"FATAL: ThreadSanitizer|ThreadSanitizer: |SUMMARY: \w*Sanitizer)",
                          re.M)


def sanitizer_excerpt(text, limit=6000):
    """The sanitizer report(s) in a process's output, from the first report line on (at most
    `limit` characters), or '' when there is none."""
    m = SANITIZER_RE.search(text or "")
    if not m:
        return ""
    start = text.rfind("\n", 0, max(0, m.start() - 1)) + 1 if m.start() else 0
    return text[start:start + limit]


def _abort_finding(rc):
    if rc == -signal.SIGABRT:
        return "the process died of SIGABRT (a sanitizer with abort_on_error=1, or an assert)"
    return ""


class _Run:
    """One process of the binary whose stderr goes to a file: scanned for sanitizer reports."""

    def __init__(self, label, proc, stderr_path):
        self.label = label
        self.proc = proc
        self.stderr_path = stderr_path
        self.data = b""         # stderr read so far (kept when the file is removed)
        self.finding = None     # report text once found
        self.done = False       # exited and read to the end

    def scan(self):
        if self.done or self.finding is not None:
            return
        exited = self.proc.poll() is not None
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(len(self.data))
                self.data += f.read()
        except OSError:
            pass
        text = self.data.decode("utf-8", "replace")
        rep = sanitizer_excerpt(text)
        if not rep and exited:
            rep = _abort_finding(self.proc.returncode)
            if rep:
                rep += "; stderr tail:\n" + "\n".join(text.splitlines()[-30:])
        if rep:
            self.finding = rep
            _findings.append("sanitizer report from %s (pid %d, exit %s):\n%s" %
                             (self.label, self.proc.pid, self.proc.poll(), rep))
        self.done = exited


_runs = []       # every process of the binary started through Server
_findings = []   # findings not yet reported by a test


def _scan_runs(under=None):
    for run in _runs:
        if under is None or run.stderr_path.startswith(os.path.join(under, "")):
            run.scan()


def take_sanitizer_findings():
    """Scans every run of the binary and returns (and forgets) the findings not reported yet."""
    _scan_runs()
    out = list(_findings)
    _findings.clear()
    return out


def assert_no_sanitizer_findings():
    found = take_sanitizer_findings()
    if found:
        raise AssertionError("\n\n".join(found))


# ------------------------------------------------------------------------------------------
# The binary
# ------------------------------------------------------------------------------------------

_sanitizers = None


def binary_sanitizers():
    """The sanitizers ZEUES_BIN was built with, e.g. {'address', 'undefined'} or {'thread'},
    read from the runtime entry points the binary references."""
    global _sanitizers
    if _sanitizers is None:
        with open(ZEUES_BIN, "rb") as f:
            data = f.read()
        _sanitizers = {name for name, sym in (("address", b"__asan_init"),
                                              ("thread", b"__tsan_init"),
                                              ("undefined", b"__ubsan_handle_")) if sym in data}
    return _sanitizers


# ThreadSanitizer maps 4 bytes of shadow per byte of application memory plus per-thread
# traces and sync metadata (its documentation: 5-10x in total; here 1,000 streams measured
# 205 MB under TSan, 40 MB under ASan), so VmRSS of a TSan build says nothing about the
# application's budget. That budget is asserted by the ASan run (and bench/run.sh); under TSan
# the same checks run with the limit x8, which still catches unbounded growth.
TSAN_RSS_FACTOR = 8


def rss_budget_kb(kb):
    """The VmRSS limit to assert for a budget of `kb` with the binary under test."""
    return kb * TSAN_RSS_FACTOR if "thread" in binary_sanitizers() else kb


_LISTEN_RE = re.compile(r"zeues: listening on https?://[^:\s]+:(\d+)")

# Variables of the outer environment that would change what the server does.
_SCRUB = ("PORT", "ZEUES_DB", "ZEUES_BIND", "REDIS_URL", "REDIS_LOCK_TTL_SECONDS",
          "ALLOWED_ORIGINS", "TIMEZONE", "ZEUES_THREADS", "ZEUES_MAX_BODY", "REDIS_MAX_CONNECTIONS",
          "REDIS_TIMEOUT_MS", "ZEUES_CONN_TIMEOUT", "ZEUES_MAX_CONNECTIONS",
          "ZEUES_SSE_MAX_CLIENTS", "ENVIRONMENT", "LOG_LEVEL", "ZEUES_AUTH")


def base_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    env["TIMEZONE"] = "America/Santiago"
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
    return env


def run_cli(*args, env=None, timeout=120, input=None):
    """Runs `zeues <args>` (input: text for its standard input, else none); returns
    CompletedProcess with text stdout/stderr. Raises AssertionError if the process reported a
    sanitizer finding or died of SIGABRT, whatever the caller expected of its exit status."""
    argv = [ZEUES_BIN] + _map_db_args([str(a) for a in args])
    r = subprocess.run(argv, env=base_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, preexec_fn=_child_preexec, encoding="utf-8",
                       errors="replace", input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    rep = sanitizer_excerpt(r.stderr) or sanitizer_excerpt(r.stdout) or \
        _abort_finding(r.returncode)
    if rep:
        raise AssertionError("sanitizer report from `zeues %s` (exit %s):\n%s\n--- stderr "
                             "(tail) ---\n%s" % (" ".join(argv[1:]), r.returncode, rep,
                                                  r.stderr[-3000:]))
    return r


def import_dir(db, d, check=True):
    r = run_cli("import", "--db", db, "--dir", d)
    if check and r.returncode != 0:
        raise AssertionError("zeues import %s failed (%d):\n%s%s" % (d, r.returncode, r.stdout,
                                                                  r.stderr))
    return r


def export_dir(db, d, check=True):
    r = run_cli("export", "--db", db, "--dir", d)
    if check and r.returncode != 0:
        raise AssertionError("zeues export failed (%d):\n%s%s" % (r.returncode, r.stdout, r.stderr))
    return r


def import_fixture(db, name="plant"):
    """Imports tests/fixtures/<name> into db (creating it)."""
    return import_dir(db, os.path.join(FIXTURES, name))


class Server:
    """`zeues serve --port 0` with its own temp DB (or a given one)."""

    def __init__(self, db=None, redis_url=None, env=None, args=(), workdir=None):
        self.workdir = workdir or make_tempdir("zeues-srv-")
        self.db = db or os.path.join(self.workdir, "zeues.db")
        self.redis_url = redis_url
        self.env = dict(env or {})
        self.args = list(args)
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.starts = 0
        self.runs = []          # one _Run per start
        self.stdout_path = self.stderr_path = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, timeout=20):
        if not os.access(ZEUES_BIN, os.X_OK):
            raise RuntimeError("ZEUES_BIN %s is not an executable (build it first)" % ZEUES_BIN)
        self.starts += 1
        self.stdout_path = os.path.join(self.workdir, "stdout.%d.log" % self.starts)
        self.stderr_path = os.path.join(self.workdir, "stderr.%d.log" % self.starts)
        extra = dict(self.env)
        if self.redis_url is not None:
            extra.setdefault("REDIS_URL", self.redis_url)
        extra.setdefault("ALLOWED_ORIGINS", "http://localhost:3000")
        # The suites written for the v3.0 app check its meaning of the one route the two apps
        # contradict on (the ARM list of /api/spools/iniciar); the union suites ask for v5.
        extra.setdefault("ZEUES_COMPAT", "v3")
        extra.setdefault("ENVIRONMENT", "blackbox")
        argv = [ZEUES_BIN, "serve", "--port", "0", "--db", self.db, "--bind", "127.0.0.1"]
        argv = _map_db_args(argv + self.args)
        if self.runs:
            self.runs[-1].scan()
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = _spawn(argv, env=base_env(extra), stdout=out, stderr=err,
                               stdin=subprocess.DEVNULL)
        run = _Run("`zeues serve` run %d in %s" % (self.starts, self.workdir), self.proc,
                   self.stderr_path)
        self.runs.append(run)
        _runs.append(run)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = _LISTEN_RE.search(self._read(self.stdout_path))
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        rc = self.proc.poll()
        if rc is None:
            self.proc.kill()
            self.proc.wait()
        raise RuntimeError("zeues serve did not start (exit %s) argv=%s\n--- stdout ---\n%s\n"
                           "--- stderr (tail) ---\n%s" % (rc, argv, self._read(self.stdout_path),
                                                          _tail(self.stderr_path)))

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit code (kills and raises if it hangs)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("zeues did not exit within %ss of SIGTERM:\n%s" %
                                   (timeout, _tail(self.stderr_path)))
        self.runs[-1].scan()
        return self.proc.returncode

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        if self.runs:
            self.runs[-1].scan()

    def restart(self, timeout=20):
        self.stop()
        return self.start(timeout=timeout)

    def stderr(self):
        return self._read(self.stderr_path) if self.stderr_path else ""

    def stderr_tail(self, n=40):
        return _tail(self.stderr_path, n) if self.stderr_path else ""

    def sanitizer_report(self):
        """Sanitizer findings of every run of this server so far ('' when clean). The harness
        fails the test on them anyway; this lets a test put them in its own assertion."""
        for run in self.runs:
            run.scan()
        return "\n\n".join("run %d:\n%s" % (i + 1, r.finding)
                             for i, r in enumerate(self.runs) if r.finding)

    # -- HTTP ----------------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, json_body=None, timeout=15,
                encode_chunked=False):
        return http_request(self.host, self.port, method, path, body=body, headers=headers,
                            json_body=json_body, timeout=timeout, encode_chunked=encode_chunked)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)

    def raw(self, data, timeout=3.0, half_close=False, first_response=False):
        return raw_exchange(self.host, self.port, data, timeout=timeout, half_close=half_close,
                            first_response=first_response)


# ------------------------------------------------------------------------------------------
# Route probing: a test of a route fails, with that reason, when the route is missing
# ------------------------------------------------------------------------------------------

_route_cache = {}


def route_exists(server, method, path):
    """True when the server routes (method, path): anything but the router's own 404, whose
    message is exactly 'Not Found'. POST probes send '{}' (answered 422, no side effect)."""
    key = (server.port, server.starts, method, path)
    if key not in _route_cache:
        if method == "POST":
            r = server.request("POST", path, body=b"{}",
                               headers={"Content-Type": "application/json"})
        else:
            r = server.request(method, path)
        j = r.json if isinstance(r.json, dict) else {}
        _route_cache[key] = not (r.status == 404 and j.get("error") == "NOT_FOUND"
                                 and j.get("message") == "Not Found")
    return _route_cache[key]


def assert_routed(testcase, server, method, path):
    """Fails the test, naming the route, when the server does not route (method, path): a
    missing route is a bug, never a reason to skip."""
    if not route_exists(server, method, path):
        testcase.fail("%s %s is not routed (the router's own 404 NOT_FOUND 'Not Found'): the "
                      "route table lost it" % (method, path))


def require_route(method, path):
    """Decorator: the test fails with a clear message, before its own assertions, when the
    server (started in setUpClass) does not route (method, path)."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(self, *a, **kw):
            assert_routed(self, self.server, method, path)
            return fn(self, *a, **kw)
        return wrapper
    return deco


# ------------------------------------------------------------------------------------------
# Test base class
# ------------------------------------------------------------------------------------------

ERROR_KEYS = ["success", "error", "message", "data", "detail"]


class CheckedTestCase(unittest.TestCase):
    """A test fails when any process of the binary reported a sanitizer finding while it ran
    (or was stopped during it): the check is a cleanup registered before setUp, so a subclass's
    own setUp/tearDown cannot forget it."""

    def run(self, result=None):
        self.addCleanup(assert_no_sanitizer_findings)
        return super().run(result)


class ZeuesTestCase(CheckedTestCase):
    """setUpClass starts redis + a server over a fresh DB holding FIXTURE (None = empty DB).
    tearDownClass stops both and fails if the server did not exit 0 on SIGTERM or any process
    of the binary reported a sanitizer finding."""

    FIXTURE = "plant"
    SERVER_ENV = {}
    SERVER_ARGS = ()
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = make_tempdir()
        try:
            cls.redis = Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            if cls.FIXTURE:
                import_fixture(cls.db, cls.FIXTURE)
            cls.server = Server(db=cls.db, redis_url=cls.redis.url, env=cls.SERVER_ENV,
                                args=cls.SERVER_ARGS, workdir=cls.tmp).start()
        except Exception:
            cls._teardown_stack(check=False)
            raise

    @classmethod
    def _teardown_stack(cls, check=True):
        problems = []
        srv = getattr(cls, "server", None)
        try:
            if srv is not None and srv.proc is not None:
                was_alive = srv.alive()
                rc = srv.stop()
                if check and was_alive and rc != 0:
                    problems.append("zeues exited %s on SIGTERM (expected 0):\n%s" %
                                    (rc, srv.stderr_tail()))
                elif check and not was_alive:
                    problems.append("zeues died during the tests (exit %s):\n%s" %
                                    (rc, srv.stderr_tail()))
        finally:
            r = getattr(cls, "redis", None)
            if r is not None:
                r.kill()
            if getattr(cls, "tmp", None):
                remove_tempdir(cls.tmp)
        if check:
            problems += take_sanitizer_findings()
        if problems:
            raise AssertionError("\n\n".join(problems))

    @classmethod
    def tearDownClass(cls):
        cls._teardown_stack(check=True)

    # -- assertions ------------------------------------------------------------------------
    def assertErrorBody(self, resp, status, code, message=None, message_prefix=None, data=...,
                        msg=None):
        """The single error body: keys in order, success false, detail == message."""
        ctx = msg or repr(resp)
        self.assertEqual(resp.status, status, ctx)
        self.assertIsInstance(resp.json, dict, ctx)
        self.assertEqual(list(resp.json.keys()), ERROR_KEYS, ctx)
        self.assertIs(resp.json["success"], False, ctx)
        self.assertEqual(resp.json["error"], code, ctx)
        self.assertIsInstance(resp.json["message"], str, ctx)
        self.assertEqual(resp.json["detail"], resp.json["message"], ctx)
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"), ctx)
        if message is not None:
            self.assertEqual(resp.json["message"], message, ctx)
        if message_prefix is not None:
            self.assertTrue(resp.json["message"].startswith(message_prefix),
                            "%r does not start with %r" % (resp.json["message"], message_prefix))
        if data is not ...:
            self.assertEqual(resp.json["data"], data, ctx)
        return resp.json

    def assertHealthy(self, server=None):
        server = server or self.server
        self.assertTrue(server.alive(), "server process died:\n" + server.stderr_tail())
        r = server.get("/api/health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["store"], "ok", r)


# ------------------------------------------------------------------------------------------
# Shared inspection helpers of the occupation and fault tests
# ------------------------------------------------------------------------------------------

def export_sheets(db):
    """Exports db and returns ({TAG_SPOOL: Operaciones row}, [Metadata rows])."""
    import csv
    d = make_tempdir("zeues-occ-export-")
    try:
        export_dir(db, d)
        with open(os.path.join(d, "Operaciones.csv"), encoding="utf-8", newline="") as f:
            ops = {row["TAG_SPOOL"]: row for row in csv.DictReader(f)}
        with open(os.path.join(d, "Metadata.csv"), encoding="utf-8", newline="") as f:
            meta = list(csv.DictReader(f))
        return ops, meta
    finally:
        remove_tempdir(d)


def spool_locks(redis):
    """{tag: lock value} of every spool_lock:* key in redis."""
    out = {}
    for k in redis.command("KEYS", "spool_lock:*") or []:
        v = redis.command("GET", k)
        if v is not None:
            out[k[len("spool_lock:"):]] = v
    return out
