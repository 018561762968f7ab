#!/usr/bin/env python3
"""The long version of tests/sheets/test_sheets_faults.py's outage: Google away for OUTAGE_S
seconds (default 600, issue 16's ten minutes) while tablets keep working at a steady rate,
then back. Prints the tablets' p50/p99 before (sync off, the same data), during and after the
outage, how long the sheet took to catch up, and checks that every event reached the sheet
once, in order, and the sheet equals `zeues export`. Needs a build (ZEUES_BIN, default
build/zeues), redis-server, openssl, python3. Not part of ctest (it takes OUTAGE_S + ~1 min).

  ZEUES_BIN=build/zeues OUTAGE_S=600 RATE=20 python3 bench/sheets_outage.py
"""
import os
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "sheets"))
os.environ.setdefault("ZEUES_BIN", os.path.join(os.path.dirname(HERE), "build", "zeues"))
import sheets_harness as sh  # noqa: E402

OUTAGE_S = float(os.environ.get("OUTAGE_S", "600"))
RATE = float(os.environ.get("RATE", "20"))       # tablet mutations a second, all tablets


def paced(server, pairs, seconds):
    """TOMAR/PAUSAR at RATE a second spread over the pairs for seconds; latencies."""
    lat, errors, lock = [], [], threading.Lock()
    stop = time.monotonic() + seconds

    def tablet(tag, wid):
        action, gap = "tomar", len(pairs) / RATE
        nxt = time.monotonic()
        while time.monotonic() < stop:
            t0 = time.monotonic()
            r = server.post("/api/occupation/" + action, timeout=15,
                            json_body={"tag_spool": tag, "worker_id": wid, "operacion": "ARM"})
            with lock:
                lat.append(time.monotonic() - t0)
                if r.status != 200:
                    errors.append((action, r.status))
            action = "pausar" if action == "tomar" else "tomar"
            nxt += gap
            time.sleep(max(0, nxt - time.monotonic()))
    ts = [threading.Thread(target=tablet, args=p, daemon=True) for p in pairs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat, errors


def ms(x):
    return "%.1f ms" % (x * 1000)


class Outage(sh.SheetsCase):
    SPOOLS = 2000
    START_SERVER = False
    SYNC = {"push_ms": 2000}     # the defaults: 60 writes and reads a minute, 2 s cycles

    def test_outage(self):
        srv = self.server
        sync = list(srv.args)
        srv.args = []
        srv.start()
        pairs = sh.arm_pairs(srv, 16)
        base, e0 = paced(srv, pairs, 60)
        srv.stop()
        srv.args = sync
        srv.start()
        sh.wait_synced(srv, 300)
        self.standin.control("outage", mode="503")
        during, e1 = paced(srv, pairs, OUTAGE_S)
        h = sh.health_sheets(srv)
        self.standin.control("outage", mode="off")
        t0 = time.monotonic()
        after, e2 = paced(srv, pairs, 30)
        sh.wait_synced(srv, 600)
        caught = time.monotonic() - t0
        self.assertEqual(e0 + e1 + e2, [])
        sh.assert_sheet_equals_export(self, self.standin, self.db)
        st = self.standin.stats()
        print("\nsheets outage bench: %d spools, %d tablets at %.0f mutations/s, outage %.0f s"
              % (self.SPOOLS, len(pairs), RATE, OUTAGE_S))
        for name, xs in (("sync off", base), ("outage", during), ("after", after)):
            xs = sorted(xs)
            print("  %-9s %6d mutations  p50 %s  p99 %s  max %s" % (
                name, len(xs), ms(xs[len(xs) // 2]), ms(sh.p99(xs)), ms(xs[-1])))
        print("  at the end of the outage: %d events pending, %d s behind" %
              (h["events_pending"], h["behind_seconds"]))
        print("  caught up %.1f s after Google came back; 503s answered: %d; 429s: %d; "
              "writes %d, reads %d" % (caught, st["503"], st["429"], st["write"], st["read"]))
        print("  Metadata: every event once, in order; the sheet equals zeues export")


if __name__ == "__main__":
    unittest.main()
