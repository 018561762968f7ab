#!/usr/bin/env python3
"""A real PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory, on a free
loopback port, as an unprivileged user (initdb refuses root: when run as root, the cluster
belongs to the `postgres` user if it exists, else `nobody`, and the directory is chowned to it).
Python 3 standard library only.

As a module:  srv = PgServer(); srv.start(); url = srv.createdb("name"); ...; srv.stop()
Shared:       pg_server.py --shared-start DIR / --shared-stop DIR: one server for a whole ctest
  run (a fixture), described by DIR/state.json; PgServer.attach(DIR) uses it.
As a wrapper: pg_server.py -- COMMAND ARGS...  starts a server, runs COMMAND with
  ZEUES_PG_URL=postgres://zeues@127.0.0.1:PORT (no database: the test creates its own),
  PGHOST, PGPORT, PGUSER (so `createdb NAME` reaches it) and ZEUES_PG_BIN (the server's bin
  directory) and ZEUES_PG_CTL (its pg_ctl as a shell command prefix: append `stop -m fast`
  or `start`), then stops the server and removes its directory, whatever COMMAND did (also on
  SIGTERM/SIGINT, e.g. a ctest timeout). Exits with COMMAND's status.

Environment: ZEUES_PG_BIN overrides where initdb/pg_ctl/postgres are found (default: the
newest /usr/lib/postgresql/*/bin). ZEUES_PG_TEMPLATE (ctest sets it to a directory of the build
tree): a fresh cluster is made there once by initdb and copied for every server after that.
"""
import ctypes
import glob
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SUPERUSER = "zeues"
_PR_SET_PDEATHSIG = 1
try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # pragma: no cover - not Linux
    _libc = None


def pg_bin():
    d = os.environ.get("ZEUES_PG_BIN")
    if d:
        return d
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if not cands:
        raise RuntimeError("no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb); "
                           "scripts/install-deps.sh --test installs it")
    return os.path.dirname(cands[-1])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _run_as_user():
    """The user the cluster runs as: ourselves unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither user postgres nor nobody exists")


class PgServer:
    """One PostgreSQL cluster in a temporary directory."""

    def __init__(self, workdir=None, settings=None):
        self.bin = pg_bin()
        self.user = _run_as_user()
        self.dir = workdir or tempfile.mkdtemp(prefix="zeues-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = None
        self.settings = dict(settings or {})
        self._dbs = 0
        self.proc = None
        self.shared = False
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
            os.chmod(self.dir, 0o700)

    def _prefix(self):
        if not self.user:
            return []
        return ["setpriv", "--reuid", str(self.user.pw_uid), "--regid", str(self.user.pw_gid),
                "--init-groups", "--"]

    def _as_user(self, argv, **kw):
        argv = self._prefix() + argv
        env = dict(os.environ)
        env.pop("PGDATA", None)
        return subprocess.run(argv, cwd=self.dir, env=env, **kw)

    def _tool(self, name):
        return os.path.join(self.bin, name)

    def _initdb_into(self, data):
        r = self._as_user([self._tool("initdb"), "-D", data, "-U", SUPERUSER, "--auth=trust",
                           "-E", "UTF8", "--locale=C", "--no-sync"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout)

    def _from_template(self, template):
        """initdb costs seconds of CPU; a copy of a fresh cluster made once (per build
        directory, under a lock) costs a tenth of that."""
        import fcntl
        os.makedirs(os.path.dirname(template), exist_ok=True)
        with open(template + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.isdir(template):
                tmp = tempfile.mkdtemp(prefix="zeues-pg-template-")
                if self.user:
                    os.chown(tmp, self.user.pw_uid, self.user.pw_gid)
                self._initdb_into(os.path.join(tmp, "data"))
                shutil.move(os.path.join(tmp, "data"), template)
                shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(template, self.data, symlinks=True)
        if self.user:
            for root, dirs, files in os.walk(self.data):
                for name in dirs + files:
                    os.lchown(os.path.join(root, name), self.user.pw_uid, self.user.pw_gid)
            os.chown(self.data, self.user.pw_uid, self.user.pw_gid)
        os.chmod(self.data, 0o700)

    def initdb(self):
        template = os.environ.get("ZEUES_PG_TEMPLATE")
        if template:
            self._from_template(template)
        else:
            self._initdb_into(self.data)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"
                    "max_connections = 200\nshared_buffers = 32MB\nfsync = on\n"
                    "synchronous_commit = on\nlog_min_messages = warning\n" % self.dir)
            for k, v in self.settings.items():
                f.write("%s = %s\n" % (k, v))

    def _postmaster_preexec(self):
        """In the child between fork and exec: become the cluster's user, then ask to be
        killed when the parent dies (after the uid change, which would clear that request)."""
        if self.user:
            os.setgroups([])
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)
        if _libc is not None:
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def start(self, timeout=30):
        """Starts the postmaster as a child of this process (it dies with it, even when this
        process is SIGKILLed by a test timeout) and waits until it accepts connections."""
        if not os.path.isdir(self.data):
            self.initdb()
        for attempt in range(5):
            if self.port is None or attempt:
                self.port = free_port()
            with open(self.log, "ab") as log:
                if self.user:  # pg_ctl, run as the user, appends to it too
                    os.chown(self.log, self.user.pw_uid, self.user.pw_gid)
                self.proc = subprocess.Popen([self._tool("postgres"), "-D", self.data, "-p",
                                              str(self.port)], stdout=log, stderr=log,
                                             stdin=subprocess.DEVNULL, cwd=self.dir,
                                             preexec_fn=self._postmaster_preexec)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                r = subprocess.run([self._tool("pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                                    str(self.port), "-U", SUPERUSER, "-d", "postgres"])
                if r.returncode == 0:
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            time.sleep(0.2)  # the port was taken meanwhile: try another one
        raise RuntimeError("postgres did not start:\n%s" % self.log_tail())

    def stop(self, mode="fast"):
        """Stops the server: the child started by start(), or one that pg_ctl started since."""
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.send_signal({"smart": signal.SIGTERM, "fast": signal.SIGINT}.get(
                mode, signal.SIGQUIT))
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._as_user([self._tool("pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "30",
                           "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self):
        """SIGKILL of the postmaster (a crash; its children exit by themselves)."""
        pidfile = os.path.join(self.data, "postmaster.pid")
        try:
            with open(pidfile) as f:
                pid = int(f.readline())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        if self.proc is not None:
            self.proc.wait()

    def restart(self):
        self.stop()
        self.start()

    def remove(self):
        if self.shared:  # another process's server: its owner removes it
            return
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- one server shared by a whole ctest run (FIXTURES_SETUP / FIXTURES_CLEANUP) ----------
    def start_daemon(self, timeout=30):
        """Starts the server with pg_ctl: it outlives this process (the shared server)."""
        if not os.path.isdir(self.data):
            self.initdb()
        self.port = free_port()
        r = self._as_user([self._tool("pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t",
                           str(timeout), "-o", "-p %d" % self.port, "start"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed:\n%s\n%s" % (r.stdout, self.log_tail()))
        return self

    @classmethod
    def attach(cls, state_dir):
        """The shared server described by state_dir/state.json (start_shared), or None."""
        try:
            with open(os.path.join(state_dir, "state.json")) as f:
                st = json.load(f)
        except (OSError, ValueError):
            return None
        srv = cls.__new__(cls)
        srv.bin, srv.dir, srv.data, srv.log = st["bin"], st["dir"], st["data"], st["log"]
        srv.port, srv.user, srv.settings, srv.proc = st["port"], _run_as_user(), {}, None
        srv._dbs, srv.shared = 0, True
        return srv

    def log_tail(self, n=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    @property
    def base_url(self):
        return "postgres://%s@127.0.0.1:%d" % (SUPERUSER, self.port)

    def ctl_command(self):
        """pg_ctl for this cluster as a shell command prefix: append `stop -m fast` or `start`."""
        return shlex.join(self._prefix() + [self._tool("pg_ctl"), "-D", self.data, "-l",
                                             self.log, "-w", "-t", "30", "-o",
                                             "-p %d" % self.port])

    def env(self):
        return {"ZEUES_PG_URL": self.base_url, "PGHOST": "127.0.0.1", "PGPORT": str(self.port),
                "PGUSER": SUPERUSER, "ZEUES_PG_BIN": self.bin, "ZEUES_PG_CTL": self.ctl_command()}

    def psql_argv(self, db="postgres"):
        return [self._tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", db]

    @staticmethod
    def psql_env(schema=None):
        env = dict(os.environ)
        if schema:
            env["PGOPTIONS"] = "-c search_path=%s" % schema
        return env

    def psql(self, sql, db="postgres", schema=None):
        r = subprocess.run(self.psql_argv(db) + ["-c", sql], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60,
                           env=self.psql_env(schema))
        if r.returncode != 0:
            raise RuntimeError("psql %r: %s" % (sql, r.stderr))
        return r.stdout.strip()

    STORES_DB = "zeues_tests"

    def create_store(self, name=None):
        """A fresh empty store as a schema of one database (CREATE DATABASE costs a second of
        disk work, CREATE SCHEMA nothing): the URL selects it with search_path."""
        if name is None:
            self._dbs += 1
            name = "s%d_%d" % (os.getpid(), self._dbs)
        try:
            self.psql('CREATE SCHEMA "%s"' % name, db=self.STORES_DB)
        except RuntimeError as e:
            if "does not exist" not in str(e):
                raise
            try:
                self.psql('CREATE DATABASE "%s"' % self.STORES_DB)
            except RuntimeError as e2:  # another test process made it meanwhile
                if "already exists" not in str(e2):
                    raise
            self.psql('CREATE SCHEMA "%s"' % name, db=self.STORES_DB)
        return "%s/%s?options=-csearch_path%%3D%s" % (self.base_url, self.STORES_DB, name)

    def createdb(self, name=None):
        """A fresh empty database; returns its URL."""
        if name is None:
            self._dbs += 1
            name = "t%d_%d" % (os.getpid(), self._dbs)
        self.psql('CREATE DATABASE "%s"' % name)
        return "%s/%s" % (self.base_url, name)


def start_shared(state_dir):
    stop_shared(state_dir)
    os.makedirs(state_dir)
    # The cluster lives in a temporary directory, not in the build tree: the server runs as an
    # unprivileged user, who cannot reach a checkout under /root (a fresh machine's root user).
    srv = PgServer()
    srv.start_daemon()
    with open(os.path.join(state_dir, "state.json"), "w") as f:
        json.dump({"bin": srv.bin, "dir": srv.dir, "data": srv.data, "log": srv.log,
                   "port": srv.port}, f)
    print("shared PostgreSQL on port %d (%s)" % (srv.port, state_dir))
    return 0


def stop_shared(state_dir):
    srv = PgServer.attach(state_dir)
    if srv is not None:
        srv._as_user([srv._tool("pg_ctl"), "-D", srv.data, "-m", "immediate", "-w", "stop"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(srv.dir, ignore_errors=True)
    shutil.rmtree(state_dir, ignore_errors=True)
    return 0


def split_url(url):
    """(database, schema or None) of a URL that createdb or create_store gave."""
    path = url.split("://", 1)[1].split("/", 1)[1]
    db, _, query = path.partition("?")
    schema = None
    for kv in query.split("&"):
        if kv.startswith("options=-csearch_path%3D"):
            schema = kv[len("options=-csearch_path%3D"):]
    return db, schema


def main(argv):
    if len(argv) == 2 and argv[0] == "--shared-start":
        return start_shared(argv[1])
    if len(argv) == 2 and argv[0] == "--shared-stop":
        return stop_shared(argv[1])
    if "--" not in argv:
        print("usage: pg_server.py -- COMMAND ARGS...", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1:]
    srv = PgServer()
    child = None

    def on_signal(signum, frame):
        if child and child.poll() is None:
            child.send_signal(signum)
        srv.remove()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        srv.start()
        env = dict(os.environ)
        env.update(srv.env())
        child = subprocess.Popen(cmd, env=env)
        rc = child.wait()
        if rc != 0:
            sys.stderr.write("--- postgres log (tail) ---\n" + srv.log_tail())
        return rc
    finally:
        srv.remove()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
