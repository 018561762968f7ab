#!/usr/bin/env python3
"""1,000 concurrent live streams on one instance: they stay open through keep-alive periods
while mutations run, every stream receives every event, and the server keeps a fixed, small
number of threads and a small resident set (streams cost no thread: suspended connections)."""
import os
import selectors
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_live_stream import ChunkedDecoder, LiveCase, pausar, tomar  # noqa: E402

N_CLIENTS = 1000
N_EVENTS = 50
PING_MS = 500
MUTATION_GAP_S = 0.05


def proc_threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def proc_cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LightClient:
    """Minimal non-blocking SSE reader: status, ids with arrival times, ping count, eof."""

    def __init__(self, sock):
        self.sock = sock
        self.head = b""
        self.status = None
        self.dec = ChunkedDecoder()
        self.pending = b""
        self.ids = []
        self.times = []
        self.pings = 0
        self.retry = False
        self.eof = False

    def feed(self, data, now):
        if self.status is None:
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            head, data = self.head.split(b"\r\n\r\n", 1)
            self.status = int(head.split(b" ", 2)[1])
        self.dec.feed(data)
        self.pending += self.dec.take()
        while b"\r\n\r\n" in self.pending:
            frame, self.pending = self.pending.split(b"\r\n\r\n", 1)
            if frame.startswith(b"id: "):
                self.ids.append(int(frame[4:frame.index(b"\r\n")]))
                self.times.append(now)
            elif frame.startswith(b": ping - "):
                self.pings += 1
            elif frame.startswith(b"retry: "):
                self.retry = True


def sweep(clients, done, timeout):
    """Reads whatever the clients have received until done(c) holds for all (or timeout)."""
    sel = selectors.DefaultSelector()
    for c in clients:
        if not c.eof and not done(c):
            sel.register(c.sock, selectors.EVENT_READ, c)
    deadline = time.monotonic() + timeout
    while sel.get_map() and time.monotonic() < deadline:
        for key, _ in sel.select(0.1):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                c.eof = True
            else:
                c.feed(data, time.monotonic())
            if c.eof or done(c):
                sel.unregister(c.sock)
    sel.close()


class ProbeReader:
    """Reads a sample of the streams as soon as data arrives, to time the fan-out. The other
    streams are read in bulk at the end (their socket buffers hold the few KB meanwhile): a
    Python process cannot read 1,000 streams eagerly on this 2-core machine without becoming
    the bottleneck it is supposed to measure."""

    def __init__(self, probes):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=sweep_until, args=(probes, self.stop),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.stop.set()
        self.thread.join()


def sweep_until(clients, stop):
    while not stop.is_set():
        sweep(clients, lambda c: stop.is_set(), 0.2)


class LiveScale(LiveCase):
    SERVER_ENV = {"ZEUES_SSE_PING_MS": str(PING_MS)}

    @classmethod
    def setUpClass(cls):
        # The server inherits the raised limit: it is started after this, by this process.
        cls.nofile = harness.raise_nofile(4 * N_CLIENTS + 256)
        super().setUpClass()

    def connect_all(self):
        clients = []
        req = ("GET /api/sse/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
        for _ in range(N_CLIENTS):
            s = socket.create_connection((self.server.host, self.server.port), timeout=10)
            s.sendall(req)
            s.setblocking(False)
            clients.append(LightClient(s))
        return clients

    def test_thousand_streams(self):
        short = harness.nofile_shortfall(self.nofile, 2 * N_CLIENTS + 64,
                                         "%d live streams" % N_CLIENTS)
        if short:
            self.fail(short)
        pid = self.server.proc.pid
        threads_before = proc_threads(pid)
        rss_before = proc_rss_kb(pid)
        tag = self.plant.fresh_tags(1)[0]
        worker = self.plant.armadores[0]["id"]

        t_connect = time.monotonic()
        clients = self.connect_all()
        # The oldest streams are served last by the hub; sample them and a spread of others.
        probes = clients[:10] + clients[100::100]
        others = [c for c in clients if c not in probes]
        prober = None
        try:
            sweep(clients, lambda c: c.retry, 30)
            self.assertTrue(all(c.status == 200 and c.retry for c in clients),
                            "%d of %d streams opened" % (sum(1 for c in clients if c.retry),
                                                         N_CLIENTS))
            connect_s = time.monotonic() - t_connect
            prober = ProbeReader(probes)

            # Idle: only keep-alives flow.
            cpu0, w0 = proc_cpu_s(pid), time.monotonic()
            time.sleep(2.0)
            idle_cpu = (proc_cpu_s(pid) - cpu0) / (time.monotonic() - w0)
            threads_idle = proc_threads(pid)

            # Mutations while every stream is open.
            sent = []
            for i in range(N_EVENTS):
                t0 = time.monotonic()
                r = (tomar if i % 2 == 0 else pausar)(self.server, tag, worker)
                self.assertEqual(r.status, 200, r)
                sent.append(time.monotonic())
                # A steady 20 changes a second: a busy plant.
                time.sleep(max(0.0, t0 + MUTATION_GAP_S - time.monotonic()))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and \
                    not all(len(c.ids) >= N_EVENTS for c in probes):
                time.sleep(0.05)
            # Through at least three keep-alive periods since the streams opened.
            while time.monotonic() < t_connect + connect_s + 3.5 * PING_MS / 1000.0:
                time.sleep(0.05)
            threads_busy = proc_threads(pid)
            rss = proc_rss_kb(pid)
            prober.close()
            prober = None
            sweep(others, lambda c: len(c.ids) >= N_EVENTS and c.pings >= 3, 20)
        finally:
            if prober:
                prober.close()
            for c in clients:
                c.sock.close()

        short = [c for c in clients if len(c.ids) < N_EVENTS]
        self.assertFalse(short, "%d streams missed events (e.g. %d of %d)" %
                         (len(short), len(short[0].ids) if short else 0, N_EVENTS))
        ref = clients[0].ids
        self.assertEqual(len(ref), N_EVENTS)
        self.assertEqual(ref, sorted(set(ref)))
        self.assertTrue(all(c.ids == ref for c in clients), "streams disagree on the ids")
        self.assertFalse([c for c in clients if c.eof], "some streams were closed")
        self.assertTrue(all(c.pings >= 3 for c in clients),
                        "min pings %d" % min(c.pings for c in clients))
        lat = sorted(t - sent[k] for c in probes for k, t in enumerate(c.times))
        p50, p99, worst = lat[len(lat) // 2], lat[int(len(lat) * 0.99)], lat[-1]
        sys.stderr.write(
            "\n  %d streams opened in %.2fs; threads %d -> %d idle -> %d busy; RSS %.1f -> %.1f "
            "MB; CPU with only keep-alives every %d ms: %.1f%% of a core; fan-out latency "
            "p50 %.1f ms, p99 %.1f ms, max %.1f ms\n" %
            (N_CLIENTS, connect_s, threads_before, threads_idle, threads_busy,
             rss_before / 1024.0, rss / 1024.0, PING_MS, idle_cpu * 100, p50 * 1000,
             p99 * 1000, worst * 1000))
        # Liveness, not speed (bench/run.sh measures the fan-out against its target): every
        # stream got every event, none waited for a stuck writer. The bound is loose because
        # the suite runs under sanitizers on shared machines (1.1 s seen under TSan at load 14).
        self.assertLess(worst, 5.0)
        self.assertLess(threads_busy, 16 + 16)  # the --threads 16 pool plus a fixed few
        self.assertEqual(threads_idle, threads_before, "a stream costs a thread")
        self.assertLess(rss, harness.rss_budget_kb(64 * 1024), "RSS %d kB" % rss)
        self.assertTrue(self.server.alive())


if __name__ == "__main__":
    unittest.main(verbosity=2)
