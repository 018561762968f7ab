#!/usr/bin/env python3
"""The application layer's reach beyond one request: a supervisor command run from the shell
(`zeues release`, `zeues unblock`) goes through the same service as the API and publishes its
event, so a running server's live streams show it within a second (not on the hub's 5 s
safety poll); and a server that crashed between taking a lock and committing drops its own
pending lock at its next start, instead of blocking the spool for the 30 s pending TTL."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase, run_cli  # noqa: E402
from test_live_stream import open_stream  # noqa: E402

ARMADOR = 93


def tomar(server, tag, worker_id=ARMADOR, op="ARM"):
    return server.post("/api/occupation/tomar",
                       json_body={"tag_spool": tag, "worker_id": worker_id, "operacion": op})


class SupervisorReachesStreams(ZeuesTestCase):
    # The hub's safety poll is 5 s: an event seen within 1 s came through the notifier.

    def free_arm_tags(self):
        r = self.server.get("/api/spools/iniciar?operacion=ARM")
        self.assertEqual(r.status, 200, r)
        return [s["tag_spool"] for s in r.json["spools"]]

    def test_release_from_the_shell_is_streamed_within_a_second(self):
        tag = self.free_arm_tags()[0]
        self.assertEqual(tomar(self.server, tag).status, 200)
        stream = open_stream(self.server)
        try:
            self.assertEqual(stream.status, 200)
            # Let the stream settle past the TOMAR it may replay.
            stream.wait_for(lambda s: False, 0.3)
            seen_before = len(stream.events())
            r = run_cli("release", tag, "--db", self.db, "--by", "Supervisor Pérez",
                        "--reason", "tablet perdida", env={"REDIS_URL": self.redis.url})
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            done = time.monotonic()
            got = stream.wait_for(lambda s: any(
                f.json().get("tag_spool") == tag for f in s.events()[seen_before:]), 1.0)
            self.assertTrue(got, "no event for %s within 1 s of `zeues release`; frames: %r" %
                            (tag, stream.frames[-5:]))
            self.assertLess(time.monotonic() - done, 1.0)
            ev = [f.json() for f in stream.events()[seen_before:] if f.json().get("tag_spool") == tag]
            self.assertEqual(ev[0]["worker_nombre"], "Supervisor Pérez")
        finally:
            stream.close()
        # The release also freed the lock: the paused work can be taken again.
        self.assertNotIn(tag, harness.spool_locks(self.redis))
        r = tomar(self.server, tag)
        self.assertEqual(r.status, 200, r)


class PendingLockOfAPastLife(ZeuesTestCase):
    SERVER_ARGS = ("--instance", "bb-instance-1")

    def test_restart_drops_its_own_pending_lock_at_once(self):
        out = self.server._read(self.server.stdout_path)
        m = re.search(r"instance ([0-9a-f]{8})", out)
        self.assertIsNotNone(m, out)
        instance = m.group(1)
        r = self.server.get("/api/spools/iniciar?operacion=ARM")
        tag, other, idle = [s["tag_spool"] for s in r.json["spools"]][:3]
        # As if this instance died between SET NX and its commit: a pending lock (short TTL)
        # whose token names this instance and an earlier boot.
        self.server.kill()
        self.redis.command("SET", "spool_lock:" + tag,
                           "%d:%s.%s.00000000-0000-4000-8000-000000000001" % (ARMADOR, instance, "00000001"),
                           "PX", "30000")
        # One nobody asks for: the start-up reconciliation pass removes it.
        self.redis.command("SET", "spool_lock:" + idle,
                           "%d:%s.%s.00000000-0000-4000-8000-000000000003" % (ARMADOR, instance, "00000001"),
                           "PX", "30000")
        # Another instance's TOMAR in flight is not ours to drop.
        self.redis.command("SET", "spool_lock:" + other,
                           "94:ffffffff.00000001.00000000-0000-4000-8000-000000000002",
                           "PX", "30000")
        self.server.start()
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            if tomar(self.server, tag).status == 200:
                break
            time.sleep(0.1)
        else:
            self.fail("spool %s still blocked 3 s after the restart:\n%s" %
                      (tag, self.server.stderr_tail()))
        # The spool nobody took is freed by the start-up pass, not by the 30 s TTL.
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and harness.spool_locks(self.redis).get(idle):
            time.sleep(0.1)
        self.assertIsNone(harness.spool_locks(self.redis).get(idle), self.server.stderr_tail())
        self.assertIn("left by this instance's previous run", self.server.stderr())
        r = tomar(self.server, other, worker_id=ARMADOR)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["error"], "SPOOL_OCCUPIED")


if __name__ == "__main__":
    unittest.main(verbosity=2)
