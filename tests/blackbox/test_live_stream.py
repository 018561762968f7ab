#!/usr/bin/env python3
"""Live streams (GET /api/sse/stream) on one instance: frame format, keep-alive, CORS,
Last-Event-ID replay, slow clients, Redis outages, the stream limit and shutdown.

Also the home of the small SSE client the other test_live_*.py files import (SseStream,
LiveCase, Plant): harness.py has no streaming client."""
import json
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Redis, Server, ZeuesTestCase, make_tempdir, run_cli)  # noqa: E402

GOOD = "http://localhost:3000"
PING_RE = re.compile(r"^ ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00$")

# ------------------------------------------------------------------------------------------
# A tiny SSE client: raw socket, HTTP/1.1, incremental chunked decoding, frame parsing.
# ------------------------------------------------------------------------------------------


class ChunkedDecoder:
    """Incremental Transfer-Encoding: chunked decoder; decoded bytes accumulate in .out."""

    def __init__(self):
        self.buf = b""
        self.out = bytearray()
        self.need = None
        self.done = False

    def feed(self, data):
        self.buf += data
        while not self.done:
            if self.need is None:
                i = self.buf.find(b"\r\n")
                if i < 0:
                    return
                size = int(self.buf[:i].split(b";")[0], 16)
                self.buf = self.buf[i + 2:]
                if size == 0:
                    self.done = True
                    return
                self.need = size
            if len(self.buf) < self.need + 2:
                return
            self.out += self.buf[:self.need]
            self.buf = self.buf[self.need + 2:]
            self.need = None

    def take(self):
        b = bytes(self.out)
        self.out.clear()
        return b


class Frame:
    """One SSE frame: fields id/event/data/retry (None when absent), comments, arrival time."""

    def __init__(self, raw, t):
        self.raw = raw
        self.t = t
        self.id = self.event = self.data = self.retry = None
        self.comments = []
        for line in raw.decode("utf-8").split("\r\n"):
            if line.startswith(":"):
                self.comments.append(line[1:])
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name in ("id", "event", "data", "retry"):
                setattr(self, name, value)

    def json(self):
        return json.loads(self.data)

    def __repr__(self):
        return "<Frame %r>" % self.raw[:120]


class SseStream:
    """GET /api/sse/stream over a raw socket. .frames collects every frame received so far."""

    def __init__(self, host, port, headers=None, path="/api/sse/stream", timeout=10,
                 rcvbuf=None, read_headers=True):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        req = "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n" % (path, host,
                                                                                   port)
        for k, v in (headers or {}).items():
            req += "%s: %s\r\n" % (k, v)
        self.sock.sendall((req + "\r\n").encode())
        self.status = None
        self.headers = {}
        self.frames = []
        self.eof = False
        self.body = bytearray()   # decoded body, for byte-exact checks
        self._head = b""
        self._pending = b""
        self._dec = ChunkedDecoder()
        self.chunked = False
        if read_headers:
            self.read_headers()

    def _recv(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        except OSError:
            data = b""
        if not data:
            self.eof = True
        return data

    def read_headers(self, timeout=10):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._head:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no response headers within %ss" % timeout)
            data = self._recv(left)
            if data == b"":
                raise AssertionError("connection closed before headers: %r" % self._head)
            if data:
                self._head += data
        head, rest = self._head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            v = v.strip()
            self.headers[k] = self.headers[k] + ", " + v if k in self.headers else v
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self._feed(rest)

    def _feed(self, data):
        if self.chunked:
            self._dec.feed(data)
            data = self._dec.take()
        self.body += data
        self._pending += data
        now = time.monotonic()
        while b"\r\n\r\n" in self._pending:
            raw, self._pending = self._pending.split(b"\r\n\r\n", 1)
            self.frames.append(Frame(raw, now))

    def pump(self, timeout):
        """Reads once (up to timeout). False once the server closed the stream."""
        if self.eof:
            return False
        data = self._recv(timeout)
        if data:
            self._feed(data)
        return not self.eof

    def wait_for(self, pred, timeout):
        """Reads until pred(self) is true; returns whether it became true in time."""
        deadline = time.monotonic() + timeout
        while not pred(self):
            left = deadline - time.monotonic()
            if left <= 0 or not self.pump(min(left, 0.2)):
                return pred(self)
        return True

    def events(self):
        return [f for f in self.frames if f.event == "spool_update"]

    def ids(self):
        return [int(f.id) for f in self.events()]

    def pings(self):
        return [c for f in self.frames for c in f.comments if c.startswith(" ping")]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def open_stream(server, **kw):
    return SseStream(server.host, server.port, **kw)


# ------------------------------------------------------------------------------------------
# The demo plant: Armador workers and spools that can be taken for ARM.
# ------------------------------------------------------------------------------------------

class Plant:
    def __init__(self, server):
        self.server = server
        r = server.get("/api/workers")
        assert r.status == 200, r
        self.armadores = [w for w in r.json["workers"]
                          if w["activo"] and "Armador" in w["roles"]]
        assert len(self.armadores) >= 10, self.armadores
        self.names = {w["id"]: w["nombre_completo"] for w in r.json["workers"]}
        self.used = set()

    def fresh_tags(self, n):
        """n spools available for TOMAR ARM that no test has used yet."""
        r = self.server.get("/api/spools/iniciar?operacion=ARM")
        assert r.status == 200, r
        tags = [s["tag_spool"] for s in r.json["spools"] if s["tag_spool"] not in self.used]
        assert len(tags) >= n, "only %d free ARM spools left" % len(tags)
        self.used.update(tags[:n])
        return tags[:n]


def tomar(server, tag, worker_id, op="ARM"):
    return server.post("/api/occupation/tomar",
                       json_body={"tag_spool": tag, "worker_id": worker_id, "operacion": op})


def pausar(server, tag, worker_id, op="ARM"):
    return server.post("/api/occupation/pausar",
                       json_body={"tag_spool": tag, "worker_id": worker_id, "operacion": op})


class LiveCase(ZeuesTestCase):
    """Redis + one server over a fresh demo plant (`zeues demo --spools 200`)."""

    FIXTURE = None
    DEMO_SPOOLS = 200
    SERVER_ENV = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = make_tempdir()
        try:
            cls.redis = Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = run_cli("demo", "--db", cls.db, "--spools", cls.DEMO_SPOOLS)
            if r.returncode != 0:
                raise RuntimeError("zeues demo failed: %s%s" % (r.stdout, r.stderr))
            cls.server = Server(db=cls.db, redis_url=cls.redis.url, env=cls.SERVER_ENV,
                                workdir=cls.tmp).start()
            cls.plant = Plant(cls.server)
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def ok(self, resp):
        self.assertEqual(resp.status, 200, resp)
        return resp


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------

class LiveStream(LiveCase):
    SERVER_ENV = {"ZEUES_SSE_PING_MS": "300"}

    def setUp(self):
        self.streams = []

    def tearDown(self):
        for s in self.streams:
            s.close()

    def stream(self, **kw):
        s = open_stream(self.server, **kw)
        self.streams.append(s)
        return s

    def test_headers_cors_and_retry_hint(self):
        s = self.stream(headers={"Origin": GOOD})
        self.assertEqual(s.status, 200)
        h = s.headers
        self.assertEqual(h["content-type"], "text/event-stream; charset=utf-8")
        self.assertEqual(h["cache-control"], "no-cache, no-transform")
        self.assertEqual(h["x-accel-buffering"], "no")
        self.assertEqual(h["connection"].lower(), "keep-alive")
        self.assertEqual(h["access-control-allow-origin"], GOOD)
        self.assertEqual(h["access-control-allow-credentials"], "true")
        self.assertTrue(s.wait_for(lambda x: len(x.body) >= 15, 2))
        self.assertTrue(bytes(s.body).startswith(b"retry: 3000\r\n\r\n"), s.body[:40])
        self.assertEqual(s.frames[0].retry, "3000")

    def test_tomar_frame(self):
        s = self.stream()
        s.wait_for(lambda x: x.frames, 2)
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[0]
        t0 = time.monotonic()
        self.ok(tomar(self.server, tag, w["id"]))
        self.assertTrue(s.wait_for(lambda x: x.events(), 1.0), "no frame within 1 s")
        f = s.events()[0]
        self.assertLess(f.t - t0, 1.0)
        d = f.json()
        self.assertEqual(int(f.id), d["seq"])
        self.assertEqual(f.event, "spool_update")
        self.assertEqual(d["type"], "TOMAR")
        self.assertEqual(d["event_type"], "TOMAR")
        self.assertEqual(d["worker"], w["nombre_completo"])
        self.assertEqual(d["worker_nombre"], w["nombre_completo"])
        self.assertEqual(d["tag_spool"], tag)
        self.assertEqual(d["operacion"], "ARM")
        self.assertEqual(d["estado_detalle"], "Ocupado por %s - ARM" % w["nombre_completo"])
        self.assertRegex(d["timestamp"], r"^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d$")
        # Byte-exact Python json.dumps defaults (", " / ": ", ASCII escapes), "seq" last.
        self.assertEqual(f.data, json.dumps(d))
        self.assertEqual(list(d)[-1], "seq")
        self.assertEqual(f.raw.decode().split("\r\n")[:2], ["id: %d" % d["seq"],
                                                            "event: spool_update"])

    def test_keep_alive_comment(self):
        s = self.stream()
        self.assertTrue(s.wait_for(lambda x: len(x.pings()) >= 3, 3), s.frames)
        for p in s.pings():
            self.assertRegex(p, PING_RE)

    def test_last_event_id_replay_exactly_once(self):
        witness = self.stream()
        a = self.stream()
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[1]["id"]
        self.ok(tomar(self.server, tag, w))
        self.assertTrue(a.wait_for(lambda x: x.events(), 2))
        last = a.ids()[-1]
        a.close()
        # Five changes while the client is away.
        for i in range(5):
            self.ok((pausar if i % 2 == 0 else tomar)(self.server, tag, w))
        self.assertTrue(witness.wait_for(lambda x: len(x.ids()) >= 6, 3))
        missed = [i for i in witness.ids() if i > last]
        self.assertEqual(len(missed), 5)
        for how in ("header", "query"):
            with self.subTest(how=how):
                if how == "header":
                    b = self.stream(headers={"Last-Event-ID": str(last)})
                else:
                    b = self.stream(path="/api/sse/stream?last_event_id=%d" % last)
                self.assertTrue(b.wait_for(lambda x: len(x.ids()) >= 5, 3), b.frames)
                b.wait_for(lambda x: False, 0.4)  # nothing more may arrive
                self.assertEqual(b.ids(), missed)
                b.close()
        # After the replay the stream continues live, without gap or duplicate.
        c = self.stream(headers={"Last-Event-ID": str(last)})
        self.assertTrue(c.wait_for(lambda x: len(x.ids()) >= 5, 3))
        self.ok(tomar(self.server, tag, w))
        self.assertTrue(witness.wait_for(lambda x: len(x.ids()) >= 7, 2))
        self.assertTrue(c.wait_for(lambda x: len(x.ids()) >= 6, 1.0))
        c.wait_for(lambda x: False, 0.3)
        self.assertEqual(c.ids(), [i for i in witness.ids() if i > last])
        # Without Last-Event-ID: no history, only what happens next.
        d = self.stream()
        d.wait_for(lambda x: x.frames, 2)
        d.wait_for(lambda x: False, 0.3)
        self.assertEqual(d.ids(), [])

    def test_bad_last_event_id_starts_live(self):
        for value in ("abc", "-3", "30-01-2026 14:30:00", "99999999999"):
            with self.subTest(value=value):
                s = self.stream(headers={"Last-Event-ID": value})
                self.assertEqual(s.status, 200)
                s.wait_for(lambda x: False, 0.3)
                self.assertEqual(s.ids(), [])
                s.close()

    def _mutate(self, n, tag, worker):
        """n alternating TOMAR/PAUSAR of one spool; returns the response times."""
        times = []
        for i in range(n):
            r = (tomar if i % 2 == 0 else pausar)(self.server, tag, worker)
            self.ok(r)
            times.append(time.monotonic())
        return times

    def test_slow_client_does_not_delay_others(self):
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[2]["id"]
        # A client that never reads, with a tiny receive window.
        slow = self.stream(rcvbuf=2048, read_headers=False)
        fast = self.stream()
        self.assertTrue(fast.wait_for(lambda x: x.frames, 2))
        done = threading.Event()
        reader_err = []

        def read_fast():
            try:
                while not (done.is_set() and (len(fast.ids()) >= 300 or
                                              time.monotonic() > deadline[0])):
                    if not fast.pump(0.2):
                        break
            except Exception as e:  # pragma: no cover - reported below
                reader_err.append(e)

        deadline = [time.monotonic() + 600]
        th = threading.Thread(target=read_fast)
        th.start()
        try:
            times = self._mutate(300, tag, w)
            health = self.server.get("/api/health", timeout=2)
        finally:
            deadline[0] = time.monotonic() + 3
            done.set()
            th.join()
        self.assertFalse(reader_err, reader_err)
        self.assertEqual(health.status, 200)
        ev = fast.events()
        self.assertEqual(len(ev), 300, "fast client got %d of 300 events" % len(ev))
        lat = [f.t - t for f, t in zip(ev, times)]
        self.assertLess(max(lat), 1.0, "worst fan-out latency %.3fs" % max(lat))
        self.assertEqual(fast.ids(), sorted(set(fast.ids())))
        self.assertTrue(self.server.alive())

    def test_slow_client_is_dropped_past_its_backlog(self):
        # 1200 frames (~480 KiB: more than the 256 KiB backlog plus the stream socket's send
        # buffer and the connection's write buffer) for a client that does not read: the
        # server gives up on it instead of buffering without bound; the client sees its stream
        # end.
        N = 1200
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[3]["id"]
        slow = self.stream(rcvbuf=2048, read_headers=False)
        witness = self.stream()
        witness.wait_for(lambda x: x.frames, 2)
        stop = threading.Event()
        th = threading.Thread(target=lambda: [witness.pump(0.2) for _ in iter(stop.is_set, True)])
        th.start()
        try:
            self._mutate(N, tag, w)
        finally:
            stop.set()
            th.join()
        witness.wait_for(lambda x: len(x.ids()) >= N, 3)
        self.assertEqual(len(witness.ids()), N)
        slow.read_headers()
        self.assertEqual(slow.status, 200)
        self.assertTrue(slow.wait_for(lambda x: x.eof, 10), "the slow stream was not dropped")
        self.assertLess(len(slow.ids()), N)
        # The client reconnects with its Last-Event-ID and catches up from the store.
        last = slow.ids()[-1] if slow.ids() else witness.ids()[0] - 1
        again = self.stream(headers={"Last-Event-ID": str(last)})
        want = [i for i in witness.ids() if i > last]
        self.assertTrue(again.wait_for(lambda x: len(x.ids()) >= len(want), 5))
        self.assertEqual(again.ids(), want)

    def test_zz_redis_outage_keeps_streams(self):
        s = self.stream()
        self.assertTrue(s.wait_for(lambda x: x.frames, 2))
        self.redis.kill()
        try:
            n = len(s.pings())
            self.assertTrue(s.wait_for(lambda x: len(x.pings()) >= n + 3, 3),
                            "pings stopped while Redis is down")
            self.assertFalse(s.eof)
            # New streams are still accepted (never a 503 because of Redis).
            t = self.stream()
            self.assertEqual(t.status, 200)
        finally:
            self.redis.start()
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[4]["id"]
        deadline = time.monotonic() + 10
        while True:  # the server's pool reconnects within about a second
            r = tomar(self.server, tag, w)
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.ok(r)
        t0 = time.monotonic()
        self.assertTrue(s.wait_for(lambda x: x.events(), 1.5))
        self.assertLess(s.events()[-1].t - t0, 1.0)
        self.assertEqual(s.events()[-1].json()["tag_spool"], tag)


class LiveLimits(LiveCase):
    SERVER_ENV = {"ZEUES_SSE_PING_MS": "200", "ZEUES_SSE_MAX_CLIENTS": "3"}

    def test_max_clients_then_room_again(self):
        streams = [open_stream(self.server) for _ in range(3)]
        try:
            for s in streams:
                self.assertEqual(s.status, 200)
            r = self.server.get("/api/sse/stream", timeout=5)
            # A full stream pool is not a broken store: its own code, and when to come back.
            self.assertErrorBody(r, 503, "SSE_CAPACITY",
                                 "Demasiadas conexiones en vivo; intenta nuevamente en unos "
                                 "segundos", data=None)
            self.assertEqual(r.headers.get("retry-after"), "5", r.headers)
            streams[0].close()
            # The closed stream is noticed when its peer hangs up (test_http_edge checks how
            # soon); here pings run every 200 ms anyway.
            deadline = time.monotonic() + 3
            while True:
                s = open_stream(self.server)
                if s.status == 200 or time.monotonic() > deadline:
                    break
                s.close()
                time.sleep(0.1)
            streams.append(s)
            self.assertEqual(s.status, 200)
        finally:
            for s in streams:
                s.close()

    def test_zz_shutdown_with_open_streams(self):
        streams = [open_stream(self.server) for _ in range(2)]
        slow = open_stream(self.server, rcvbuf=2048, read_headers=False)
        for s in streams:
            s.wait_for(lambda x: x.pings(), 2)
        t0 = time.monotonic()
        rc = self.server.stop(timeout=10)
        took = time.monotonic() - t0
        self.assertEqual(rc, 0, self.server.stderr_tail())
        self.assertLess(took, 3.0)
        self.assertEqual(self.server.sanitizer_report(), "")
        for s in streams:
            self.assertTrue(s.wait_for(lambda x: x.eof, 2))
            s.close()
        slow.close()
        self.server.start()  # tearDownClass expects a live server


if __name__ == "__main__":
    unittest.main(verbosity=2)
