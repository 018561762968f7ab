#!/usr/bin/env python3
"""The reliability checklist (/work/shared/RELIABILITY.md), one test per line, each a compact but
real check against the running binary (real redis-server, a 200-spool demo plant in SQLite).
Deeper versions live in the files named in each docstring. A line whose feature is missing (the
live stream, a second instance on the same store) fails, saying what is missing."""
import csv
import http.client
import json
import os
import shutil
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase  # noqa: E402

ORIGIN = "http://localhost:3000"
OPS_REQUIRED = ["TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura",
                "Soldador", "Fecha_QC_Metrología"]


# ---- helpers of this file (harness.py belongs to another engineer) ------------------------------

def export_sheets(db):
    d = harness.make_tempdir("zeues-check-export-")
    try:
        harness.export_dir(db, d)
        out = {}
        for name in ("Operaciones", "Metadata"):
            with open(os.path.join(d, name + ".csv"), encoding="utf-8", newline="") as f:
                out[name] = list(csv.DictReader(f))
        return out
    finally:
        harness.remove_tempdir(d)


def events_of(db, tag):
    return [e for e in export_sheets(db)["Metadata"] if e["tag_spool"] == tag]


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


def sse_open(srv, timeout=5):
    """Opens /api/sse/stream; returns (socket, head) when it streams, else (None, head). head
    holds the response headers and whatever part of the stream came with them."""
    s = socket.create_connection((srv.host, srv.port), timeout=timeout)
    s.sendall(b"GET /api/sse/stream HTTP/1.1\r\nHost: t\r\nOrigin: " + ORIGIN.encode() +
              b"\r\nAccept: text/event-stream\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    if head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head.lower():
        return s, head
    s.close()
    return None, head


def raw_request(srv, data):
    """Sends raw bytes and parses the one response (for requests http.client cannot make)."""
    raw = srv.raw(data, timeout=3.0)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", len(body)))
    return harness.Response(status, headers, body[:n])


class Checklist(ZeuesTestCase):
    FIXTURE = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir("zeues-checklist-")
        try:
            cls.redis = harness.Redis(cls.tmp).start()
            cls.db = os.path.join(cls.tmp, "zeues.db")
            r = harness.run_cli("demo", "--db", cls.db, "--spools", 200)
            if r.returncode != 0:
                raise AssertionError("zeues demo failed:\n" + r.stdout + r.stderr)
            cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url,
                                        workdir=cls.tmp).start()
            workers = cls.server.get("/api/workers").json["workers"]
            cls.arm = [w["id"] for w in workers
                       if w.get("activo") and {"Armador", "Ayudante"} & set(w.get("roles") or [])]
            cls.names = {w["id"]: w["nombre_completo"] for w in workers}
            cls.no_arm = [w["id"] for w in workers
                          if w.get("activo") and not {"Armador", "Ayudante"} &
                          set(w.get("roles") or [])]
            spools = cls.server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
            cls.free = [s["tag_spool"] for s in spools if not s.get("ocupado_por")]
            if len(cls.arm) < 10 or len(cls.free) < 50:
                raise AssertionError("demo plant too small (%d ARM workers, %d free spools)" %
                                     (len(cls.arm), len(cls.free)))
        except Exception:
            cls._teardown_stack(check=False)
            raise

    # -- small helpers -----------------------------------------------------------------------
    def take(self, n=1):
        out, Checklist.free = self.free[:n], self.free[n:]
        return out if n > 1 else out[0]

    def mut(self, action, tag, wid, srv=None, **extra):
        body = {"tag_spool": tag, "worker_id": wid, "operacion": "ARM"}
        body.update(extra)
        return (srv or self.server).post("/api/occupation/" + action, json_body=body)

    def detail(self, tag):
        r = self.server.get("/api/spools/detail?tag=" + tag)
        self.assertEqual(r.status, 200, r)
        return r.json

    def lock(self, tag):
        return self.redis.command("GET", "spool_lock:" + tag)

    def parallel(self, calls):
        """Runs the callables at once (released by a barrier); returns their results in order."""
        out = [None] * len(calls)
        barrier = threading.Barrier(len(calls))

        def run(i, fn):
            barrier.wait()
            try:
                out[i] = fn()
            except Exception as e:  # noqa: BLE001 - reported by the caller's assertions
                out[i] = e

        ths = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(30)
        return out

    # ------------------------------------------------------------------------------------------
    def test_01_race(self):
        """10 parallel TOMAR of one spool -> 1 x 200, 9 x 409, one occupant, one audit row; also
        split over two instances. Deep: test_occupation_race.py."""
        def race(tag, servers):
            wids = self.arm[:10]
            n0 = [e["evento_tipo"] for e in events_of(self.db, tag)].count("TOMAR_SPOOL")
            calls = [(lambda w=w, i=i: self.mut("tomar", tag, w, srv=servers[i % len(servers)]))
                     for i, w in enumerate(wids)]
            res = self.parallel(calls)
            codes = sorted(r.status if not isinstance(r, Exception) else repr(r) for r in res)
            self.assertEqual(codes, [200] + [409] * 9, codes)
            for r in res:
                if r.status == 409:
                    self.assertErrorBody(r, 409, "SPOOL_OCCUPIED")
            winner = wids[[r.status for r in res].index(200)]
            d = self.detail(tag)
            self.assertEqual(d["ocupado_por"], self.names[winner])
            evs = [e["evento_tipo"] for e in events_of(self.db, tag)].count("TOMAR_SPOOL")
            self.assertEqual(evs, n0 + 1, "TOMAR audit rows added by the race")
            self.assertTrue(self.lock(tag).startswith("%d:" % winner))
            self.assertEqual(self.mut("pausar", tag, winner).status, 200)

        race(self.take(), [self.server])
        second = harness.Server(db=self.db, redis_url=self.redis.url,
                                workdir=harness.make_tempdir("zeues-checklist-2nd-"))
        try:
            second.start()
        except RuntimeError as e:
            harness.remove_tempdir(second.workdir)
            self.fail("a second instance on the same store does not start: %s" % e)
        try:
            race(self.take(), [self.server, second])
        finally:
            rc = second.stop()
            rep = second.sanitizer_report()
            harness.remove_tempdir(second.workdir)
        self.assertEqual((rc, rep), (0, ""), "second instance")

    def test_02_rollback(self):
        """A TOMAR that fails after taking the lock (here: the store is locked by another process
        past its busy timeout, so the commit fails) leaves the spool takeable at once, with no
        partial column. A TOMAR refused by the rules leaves no lock either.
        Deep: test_occupation_cycle.py (failed TOMAR leaves no lock), test_hardening_faults.py."""
        tag = self.take()
        wid = self.arm[0]
        before = self.detail(tag)
        with harness.store_blocker(self.db):
            t0 = time.monotonic()
            r = self.mut("tomar", tag, wid)
            took = time.monotonic() - t0
        self.assertErrorBody(r, 503, "STORE_UNAVAILABLE")
        self.assertLess(took, 10, "the failing TOMAR hung")
        self.assertIsNone(self.lock(tag), "the failed TOMAR left its lock")
        self.assertEqual(self.detail(tag), before, "partial columns after the failed TOMAR")
        r = self.mut("tomar", tag, self.arm[1])
        self.assertEqual(r.status, 200, "not takeable at once after the failed TOMAR: %r" % r)
        self.assertEqual(self.mut("pausar", tag, self.arm[1]).status, 200)
        # Refused by the rules (SOLD before ARM was initiated): no lock behind.
        tag2 = self.take()
        r = self.server.post("/api/occupation/tomar", json_body={
            "tag_spool": tag2, "worker_id": wid, "operacion": "SOLD"})
        self.assertGreaterEqual(r.status, 400, r)
        self.assertIsNone(self.lock(tag2), "a refused TOMAR left a lock")
        self.assertEqual(self.mut("tomar", tag2, wid).status, 200)
        self.assertEqual(self.mut("pausar", tag2, wid).status, 200)

    def test_03_lock_life(self):
        """An occupation never silently outlives or loses its lock: after the lock vanishes (TTL
        expiry / FLUSHALL) nobody else can take the spool and the owner gets a defined code;
        after a restart the lock is restored from the store.
        Deep: test_occupation_redis_down.py, test_occupation_reconcile.py."""
        a, b = self.take(2)
        w1, w2 = self.arm[0], self.arm[1]
        for tag in (a, b):
            self.assertEqual(self.mut("tomar", tag, w1).status, 200)
        self.redis.command("DEL", "spool_lock:" + a)       # as if its TTL had expired
        self.redis.command("FLUSHALL")                      # and every lock lost
        r = self.mut("tomar", a, w2)
        self.assertEqual(r.status, 409, "another worker took a spool whose lock vanished: %r" % r)
        r = self.mut("pausar", a, w1)
        self.assertEqual(r.status, 200, "owner after the lock vanished: %r" % r)
        self.assertIsNone(self.lock(a))
        # Restart: the lock of the still-occupied spool comes back from the store.
        self.server.restart()
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline and self.lock(b) is None:
            time.sleep(0.2)
        self.assertIsNotNone(self.lock(b), "occupied spool without its lock after a restart")
        self.assertTrue(self.lock(b).startswith("%d:" % w1), self.lock(b))
        self.assertEqual(self.mut("tomar", b, w2).status, 409)
        self.assertEqual(self.mut("pausar", b, w1).status, 200)

    def test_04_owner(self):
        """PAUSAR/COMPLETAR by anyone but the occupant -> 403; by the occupant -> 200 exactly
        once, whatever the timing. Deep: test_occupation_cycle.py."""
        tag = self.take()
        owner, other = self.arm[2], self.arm[3]
        n0 = [e["evento_tipo"] for e in events_of(self.db, tag)].count("PAUSAR_SPOOL")
        self.assertEqual(self.mut("tomar", tag, owner).status, 200)
        self.assertErrorBody(self.mut("pausar", tag, other), 403, "NO_AUTORIZADO")
        self.assertErrorBody(self.mut("completar", tag, other), 403, "NO_AUTORIZADO")
        calls = [(lambda w=w: self.mut("pausar", tag, w)) for w in [owner] * 5 + [other] * 5]
        res = self.parallel(calls)
        ok = [i for i, r in enumerate(res) if not isinstance(r, Exception) and r.status == 200]
        self.assertEqual(len(ok), 1, [getattr(r, "status", r) for r in res])
        self.assertLess(ok[0], 5, "a non-occupant's PAUSAR succeeded")
        for i, r in enumerate(res):
            if i >= 5:
                self.assertEqual(r.status, 403, r)
        pausas = [e["evento_tipo"] for e in events_of(self.db, tag)].count("PAUSAR_SPOOL")
        self.assertEqual(pausas, n0 + 1, "PAUSAR events added")

    def test_05_idempotence(self):
        """A retried mutation (double tap, retry after a timeout) adds no duplicate event and no
        second transition. Deep: test_occupation_cycle.py (double tap)."""
        tag = self.take()
        wid = self.arm[4]
        v0 = self.detail(tag)["version"]
        before = [e["evento_tipo"] for e in events_of(self.db, tag)]
        r1 = self.mut("tomar", tag, wid)
        self.assertEqual((r1.status, r1.json.get("sin_cambios")), (200, False), r1)
        r2 = self.mut("tomar", tag, wid)
        self.assertEqual((r2.status, r2.json.get("sin_cambios")), (200, True), r2)
        res = self.parallel([lambda: self.mut("tomar", tag, wid) for _ in range(6)])
        for r in res:
            self.assertEqual(r.status, 200, r)
            self.assertIs(r.json.get("sin_cambios"), True, r)
        self.assertEqual(self.detail(tag)["version"], v0 + 1)
        self.assertEqual(self.mut("pausar", tag, wid).status, 200)
        r = self.mut("pausar", tag, wid)   # a retried PAUSAR: refused, never a second transition
        self.assertNotEqual((r.status, (r.json or {}).get("sin_cambios")), (200, False), r)
        evs = [e["evento_tipo"] for e in events_of(self.db, tag)][len(before):]
        self.assertEqual(evs, ["TOMAR_SPOOL", "PAUSAR_SPOOL"])
        self.assertEqual(self.detail(tag)["version"], v0 + 2)

    def test_06_read_your_writes(self):
        """A write followed at once by any list, dashboard, history or spool read shows it.
        Deep: test_contract_reads.py."""
        tag = self.take()
        wid = self.arm[5]
        name = self.names[wid]
        s = self.server
        for rnd in range(3):
            self.assertEqual(self.mut("tomar", tag, wid).status, 200)
            self.assertEqual(self.detail(tag)["ocupado_por"], name)
            iniciar = [x["tag_spool"] for x in s.get("/api/spools/iniciar?operacion=ARM").json["spools"]]
            self.assertNotIn(tag, iniciar, "occupied spool still offered for TOMAR")
            mine = s.get("/api/spools/cancelar?operacion=ARM&worker_id=%d" % wid).json
            self.assertIn(tag, json.dumps(mine), "PAUSAR list lacks the spool just taken")
            occ = s.get("/api/dashboard/occupied").json
            self.assertIn(tag, [o["tag_spool"] for o in occ])
            hist = s.get("/api/history/" + tag)
            self.assertEqual(hist.status, 200, hist)
            self.assertEqual(self.mut("pausar", tag, wid).status, 200)
            self.assertIsNone(self.detail(tag)["ocupado_por"])
            self.assertNotIn(tag, [o["tag_spool"] for o in s.get("/api/dashboard/occupied").json])
            iniciar = [x["tag_spool"] for x in s.get("/api/spools/iniciar?operacion=ARM").json["spools"]]
            self.assertIn(tag, iniciar, "paused spool not offered again")
            self.assertNotIn(tag, json.dumps(
                s.get("/api/spools/cancelar?operacion=ARM&worker_id=%d" % wid).json))
        sessions = s.get("/api/history/" + tag).json.get("sessions")
        self.assertGreaterEqual(len(sessions or []), 1, "history shows no session of the writes")

    # -- import-side lines ----------------------------------------------------------------------
    def import_export(self, src):
        db = os.path.join(harness.make_tempdir("zeues-check-imp-"), "i.db")
        r = harness.import_dir(db, src, check=False)
        out = export_sheets(db) if r.returncode == 0 else None
        harness.remove_tempdir(os.path.dirname(db))
        return r, out

    def test_07_column_drift(self):
        """CSV import finds columns by header name: reordered / inserted / renamed engineering
        columns never shift data; a missing required column is a clear error naming it.
        Deep: test_import_export.py."""
        def norm(h):   # header lookup as the importer does it (reference §1.1)
            return h.lower().replace(" ", "").replace("_", "")

        def tracked(rows):
            keys = [norm(k) for k in OPS_REQUIRED + ["NV"]]
            out = {}
            for row in rows:
                row = {norm(k): v for k, v in row.items()}
                out[row["tagspool"]] = {k: row.get(k) for k in keys}
            return out

        _, base = self.import_export(harness.PLANT)
        want = tracked(base["Operaciones"])
        for variant in ("reordered", "inserted", "renamed"):
            with self.subTest(variant=variant):
                r, out = self.import_export(os.path.join(harness.FIXTURES, "drift", variant))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(tracked(out["Operaciones"]), want)
        r, _ = self.import_export(os.path.join(harness.FIXTURES, "bad", "missing_fecha_armado"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Fecha_Armado", r.stderr)

    def test_08_dates(self):
        """ISO, DD-MM-YYYY, DD/MM/YYYY, DD-MM-YYYY HH:MM:SS and spreadsheet serials (integer and
        fraction) are read correctly; garbage is rejected with its row number, never turned into
        a wrong date; a client's fecha_operacion takes YYYY-MM-DD and DD-MM-YYYY only.
        Deep: tests/unit/test_dates.c, tests/fuzz/fuzz_dates.c, test_import_export.py."""
        d = harness.make_tempdir("zeues-check-dates-")
        rows = [OPS_REQUIRED,
                ["D-1", "2026-01-30", "", "", "", "", ""],
                ["D-2", "30-01-2026", "", "", "", "", ""],
                ["D-3", "30/01/2026", "", "", "", "", ""],
                ["D-4", "30-01-2026 14:05:09", "", "", "", "", ""],
                ["D-5", "46052", "", "", "", "", ""],
                ["D-6", "46052.75", "", "", "", "", ""],
                ["D-7", "30-13-2026", "", "", "", "", ""],
                ["D-8", "ayer", "", "", "", "", ""],
                ["D-9", "31/02/2026", "", "", "", "", ""]]
        write_csv(os.path.join(d, "Operaciones.csv"), rows)
        for f in ("Trabajadores.csv", "Roles.csv"):
            shutil.copy(os.path.join(harness.PLANT, f), d)
        r, out = self.import_export(d)
        harness.remove_tempdir(d)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = {row["TAG_SPOOL"]: row["Fecha_Materiales"] for row in out["Operaciones"]}
        self.assertEqual(got, {"D-%d" % i: "30-01-2026" for i in range(1, 7)})
        for line, bad in ((8, "30-13-2026"), (9, "ayer"), (10, "31/02/2026")):
            self.assertIn("Operaciones.csv línea %d:" % line, r.stderr)
            self.assertIn(bad, r.stderr)
        # Requests: only the two documented forms; validation happens before any change.
        tag = self.take()
        for bad in ("2026/01/30", "30-02-2026", "1-2-2026", "46052", "mañana"):
            r = self.mut("completar", tag, self.arm[0], fecha_operacion=bad)
            self.assertErrorBody(r, 422, "VALIDATION_ERROR")
            self.assertIn("fecha_operacion", r.json["message"])

    def test_09_corrupt_rows(self):
        """A row that cannot be parsed is reported as such (its own error code), never as
        "spool not found": on import with its line; at run time (a stored row whose values are
        out of their domain) as DATA_CORRUPT, not 404 and not a decision taken on garbage.
        Deep (import side): test_import_export.py."""
        r, _ = self.import_export(os.path.join(harness.FIXTURES, "bad", "garbage"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stderr.splitlines() if " línea " in l]
        self.assertTrue(lines, r.stderr)
        for l in lines:
            self.assertNotIn("no encontrado", l.lower(), l)
        self.assertIn("Operaciones.csv línea 5: ", r.stderr)
        # Run time: corrupt one stored spool behind the server's back.
        tag = self.take()
        orig = harness.store_query(self.db, "SELECT fecha_armado, ocupado_op FROM spools"
                                            " WHERE tag='%s'" % tag)[0]
        harness.store_exec(self.db, "UPDATE spools SET fecha_armado=20261399, ocupado_op=99"
                                    " WHERE tag='%s'" % tag)
        try:
            got = {}
            for name, call in (("detail", lambda: self.server.get("/api/spools/detail?tag=" + tag)),
                               ("tomar", lambda: self.mut("tomar", tag, self.arm[6]))):
                resp = call()
                got[name] = (resp.status, (resp.json or {}).get("error"))
                self.assertNotEqual(got[name][1], "SPOOL_NO_ENCONTRADO", resp)
            self.assertTrue(self.server.alive())
            self.assertEqual(got, {"detail": (500, "DATA_CORRUPT"), "tomar": (500, "DATA_CORRUPT")},
                             "a stored row with fecha_armado 2026-13-99 and operation code 99 is "
                             "served as valid data instead of DATA_CORRUPT")
        finally:
            harness.store_exec(self.db, "UPDATE spools SET fecha_armado=%d, ocupado_op=%d"
                                        " WHERE tag='%s'" % (int(orig[0]), int(orig[1]), tag))

    def test_10_audit(self):
        """Every mutation appends exactly one audit event of the right type in the same
        transaction; an audit failure fails the mutation (here: a trigger makes the event insert
        fail) and leaves nothing changed. Deep: test_occupation_crash.py."""
        tag = self.take()
        wid = self.arm[7]
        steps = [("tomar", "TOMAR_SPOOL"), ("pausar", "PAUSAR_SPOOL"), ("tomar", "TOMAR_SPOOL"),
                 ("completar", "COMPLETAR_ARM")]
        n0 = len(events_of(self.db, tag))
        v0 = self.detail(tag)["version"]
        for i, (action, ev) in enumerate(steps):
            r = self.mut(action, tag, wid)
            self.assertEqual(r.status, 200, r)
            evs = events_of(self.db, tag)
            self.assertEqual(len(evs), n0 + i + 1, "events after %s" % action)
            self.assertEqual(evs[-1]["evento_tipo"], ev)
            self.assertEqual(self.detail(tag)["version"], v0 + i + 1)
        tag2 = self.take()
        before = self.detail(tag2)
        if harness.STORE == "postgres":
            harness.store_exec(self.db, "CREATE FUNCTION zz_audit_down() RETURNS trigger"
                               " LANGUAGE plpgsql AS $$BEGIN IF NEW.tag = '%s' THEN"
                               " RAISE EXCEPTION 'audit down'; END IF; RETURN NEW; END$$;"
                               " CREATE TRIGGER zz_audit_down BEFORE INSERT ON events"
                               " FOR EACH ROW EXECUTE FUNCTION zz_audit_down()" % tag2)
        else:
            harness.store_exec(self.db, "CREATE TRIGGER zz_audit_down BEFORE INSERT ON events"
                               " WHEN NEW.tag = '%s' BEGIN SELECT RAISE(ABORT, 'audit down');"
                               " END" % tag2)
        try:
            n_ev = len(events_of(self.db, tag2))
            r = self.mut("tomar", tag2, wid)
            self.assertNotEqual(r.status, 200, "mutation acknowledged without its audit: %r" % r)
            self.assertEqual(list(r.json.keys()), harness.ERROR_KEYS, r)
            self.assertEqual(self.detail(tag2), before, "changed without its audit event")
            self.assertEqual(len(events_of(self.db, tag2)), n_ev)
            self.assertIsNone(self.lock(tag2), "lock left by the failed TOMAR")
            failed_as = (r.status, r.json.get("error"))
        finally:
            harness.store_exec(self.db, "DROP TRIGGER zz_audit_down ON events"
                               if harness.STORE == "postgres" else "DROP TRIGGER zz_audit_down")
        self.assertEqual(self.mut("tomar", tag2, wid).status, 200)
        self.assertEqual(self.mut("pausar", tag2, wid).status, 200)
        # The failure must be reported as what it is: the store could not write (5xx), not a
        # 409 VERSION_CONFLICT telling the client someone else changed the spool.
        self.assertIn(failed_as, [(503, "STORE_UNAVAILABLE"), (500, "INTERNAL_SERVER_ERROR")],
                      "an audit insert failure is reported as %r" % (failed_as,))

    def test_11_error_map(self):
        """Every domain error has its documented status and the single error body, and carries
        the CORS headers, 5xx included. Deep: test_bad_input.py, test_cors.py."""
        tag = self.take()
        owner, other = self.arm[8], self.arm[9]
        h = {"Origin": ORIGIN}
        s = self.server

        def post(path, body):
            return s.request("POST", path, json_body=body, headers=h)

        self.assertEqual(post("/api/occupation/tomar", {"tag_spool": tag, "worker_id": owner,
                                                        "operacion": "ARM"}).status, 200)
        cases = [
            (post("/api/occupation/tomar", {"tag_spool": "NO-EXISTE-1", "worker_id": owner,
                                            "operacion": "ARM"}), 404, "SPOOL_NO_ENCONTRADO"),
            (post("/api/occupation/tomar", {"tag_spool": tag, "worker_id": 999999,
                                            "operacion": "ARM"}), 404, "WORKER_NO_ENCONTRADO"),
            (post("/api/occupation/tomar", {"tag_spool": tag, "worker_id": other,
                                            "operacion": "ARM"}), 409, "SPOOL_OCCUPIED"),
            (post("/api/occupation/pausar", {"tag_spool": tag, "worker_id": other,
                                             "operacion": "ARM"}), 403, "NO_AUTORIZADO"),
            (post("/api/occupation/tomar", {"tag_spool": tag, "worker_id": owner,
                                            "worker_nombre": "XX(1)", "operacion": "ARM"}),
             400, "WORKER_NOMBRE_NO_COINCIDE"),
            (post("/api/occupation/tomar", {"tag_spool": tag, "worker_id": owner,
                                            "operacion": "PINTURA"}), 422, "VALIDATION_ERROR"),
            (s.request("GET", "/api/no-such-route", headers=h), 404, "NOT_FOUND"),
            (s.request("DELETE", "/api/workers", headers=h), 405, "METHOD_NOT_ALLOWED"),
            (raw_request(s, b"POST /api/occupation/tomar HTTP/1.1\r\nHost: t\r\nOrigin: " +
                         ORIGIN.encode() + b"\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 70000\r\n\r\n"), 413, "PAYLOAD_TOO_LARGE"),
        ]
        if self.no_arm:
            cases.append((post("/api/occupation/tomar", {"tag_spool": self.take(),
                                                         "worker_id": self.no_arm[0],
                                                         "operacion": "ARM"}),
                          403, "ROL_NO_AUTORIZADO"))
        for resp, status, code in cases:
            with self.subTest(code=code):
                self.assertErrorBody(resp, status, code)
                self.assertEqual(resp.headers.get("access-control-allow-origin"), ORIGIN, resp)
        # A 5xx: the store stays locked by another process past the busy timeout (5 s).
        tag2 = self.take()
        with harness.store_blocker(self.db):
            r = post("/api/occupation/tomar", {"tag_spool": tag2, "worker_id": other,
                                               "operacion": "ARM"})
        self.assertGreaterEqual(r.status, 500, r)
        self.assertEqual(list(r.json.keys()), harness.ERROR_KEYS, r)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN, r)
        self.assertEqual(post("/api/occupation/pausar", {"tag_spool": tag, "worker_id": owner,
                                                         "operacion": "ARM"}).status, 200)

    def test_12_streams(self):
        """Dozens of live streams plus a mutation load: all mutations succeed, every stream gets
        every event with an id, and the stream carries a `retry:` hint.
        Deep: test_live_stream.py, test_live_scale.py, test_live_multi.py."""
        first, head = sse_open(self.server)
        if first is None:
            self.fail("/api/sse/stream does not answer 200 text/event-stream: %r" % head[:200])
        streams = [(first, head)] + [sse_open(self.server) for _ in range(29)]
        self.assertNotIn(None, [st for st, _ in streams])
        tags = self.take(5)
        wid = self.arm[0]
        n = 0
        for tag in tags:
            for action in ("tomar", "pausar"):
                self.assertEqual(self.mut(action, tag, wid).status, 200)
                n += 1
        bufs = []
        deadline = time.monotonic() + 5
        for s, head in streams:
            buf = head.partition(b"\r\n\r\n")[2]
            s.settimeout(0.2)
            while time.monotonic() < deadline and buf.count(b"event: spool_update") < n:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                buf += chunk
            bufs.append(buf)
            s.close()
        for i, buf in enumerate(bufs):
            self.assertGreaterEqual(buf.count(b"event: spool_update"), n, "stream %d" % i)
            for tag in tags:
                self.assertIn(tag.encode(), buf)
            self.assertIn(b"\nid: ", b"\n" + buf)
            self.assertIn(b"retry:", buf, "no retry: hint on stream %d" % i)

    def test_13_batch(self):
        """A batch with occupied or unknown spools -> per-item results whose counts add up; an
        oversized batch -> a clear 4xx. Deep: test_occupation_cycle.py, test_bad_input.py."""
        free = self.take(3)
        busy = self.take()
        wid, other = self.arm[1], self.arm[2]
        self.assertEqual(self.mut("tomar", busy, other).status, 200)
        tags = free + [busy, "NO-EXISTE-99"]
        r = self.server.post("/api/occupation/batch-tomar", json_body={
            "tag_spools": tags, "worker_id": wid, "operacion": "ARM"})
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual((j["total"], j["succeeded"], j["failed"]), (5, 3, 2), j)
        self.assertEqual(j["succeeded"] + j["failed"], j["total"])
        by = {d["tag_spool"]: d for d in j["details"]}
        self.assertEqual(set(by), set(tags))
        self.assertEqual(by[busy]["error"], "SPOOL_OCCUPIED")
        self.assertEqual(by["NO-EXISTE-99"]["error"], "SPOOL_NO_ENCONTRADO")
        for t in free:
            self.assertTrue(by[t]["success"])
            self.assertEqual(self.detail(t)["ocupado_por"], self.names[wid])
            self.assertEqual(self.mut("pausar", t, wid).status, 200)
        self.assertEqual(self.mut("pausar", busy, other).status, 200)
        r = self.server.post("/api/occupation/batch-tomar", json_body={
            "tag_spools": ["B-%03d" % i for i in range(51)], "worker_id": wid,
            "operacion": "ARM"})
        self.assertErrorBody(r, 422, "VALIDATION_ERROR")
        self.assertIn("50", r.json["message"])

    def test_14_unknown_fields(self):
        """Misspelled or unknown request fields are rejected with a message naming them.
        Deep: test_bad_input.py, tests/fuzz/fuzz_body.c."""
        tag = self.take()
        wid = self.arm[3]
        cases = {
            "/api/occupation/tomar": {"tag_spool": tag, "worker_id": wid, "operacion": "ARM",
                                      "operation": "SOLD"},
            "/api/occupation/pausar": {"tag_spool": tag, "worker_idd": wid, "operacion": "ARM"},
            "/api/occupation/completar": {"tag_spool": tag, "worker_id": wid,
                                          "fecha_operation": "2026-01-30"},
            "/api/occupation/batch-tomar": {"tag_spool": [tag], "worker_id": wid,
                                            "operacion": "ARM"},
            "/api/metrologia/completar": {"tag_spool": tag, "worker_id": wid,
                                          "resultado": "APROBADO", "resultados": "x"},
            "/api/iniciar-accion": {"tag_spool": tag, "worker_id": wid, "operacion": "ARM",
                                    "worker_nombre ": "x"},
        }
        for path, body in cases.items():
            with self.subTest(path=path):
                harness.assert_routed(self, self.server, "POST", path)
                r = self.server.post(path, json_body=body)
                self.assertErrorBody(r, 422, "VALIDATION_ERROR")
                allowed = {"tag_spool", "tag_spools", "worker_id", "worker_nombre", "operacion",
                           "fecha_operacion", "resultado", "timestamp"}
                for k in body:
                    if k not in allowed:
                        self.assertIn("'%s'" % k, r.json["message"], r)
        self.assertIsNone(self.detail(tag)["ocupado_por"], "a rejected request changed the spool")

    def test_15_connections(self):
        """The server never exceeds its Redis connections (pool + subscriber), however many
        requests and streams are open. Deep: test_hardening_clients.py, test_live_scale.py."""
        opened = [sse_open(self.server) for _ in range(40)]
        streams = [st for st, _ in opened if st is not None]
        if len(streams) < len(opened):
            for st in streams:
                st.close()
            self.fail("%d of %d live streams did not open (200 text/event-stream): %r" %
                      (len(opened) - len(streams), len(opened),
                       next(h for st, h in opened if st is None)[:200]))
        tags = self.take(16)
        stop = threading.Event()
        peak = [0]
        errors = []

        def sample():
            while not stop.is_set():
                info = self.redis.command("INFO", "clients")
                for line in info.splitlines():
                    if line.startswith("connected_clients:"):
                        peak[0] = max(peak[0], int(line.split(":")[1]) - 1)  # minus ourselves
                time.sleep(0.02)

        def load(tag, wid):
            for _ in range(15):
                for action in ("tomar", "pausar"):
                    r = self.mut(action, tag, wid)
                    if r.status != 200:
                        errors.append((action, tag, r.status, (r.json or {}).get("error")))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ths = [threading.Thread(target=load, args=(t, self.arm[i % len(self.arm)]))
               for i, t in enumerate(tags)]
        ths += [threading.Thread(target=lambda: [self.server.get("/api/health") for _ in range(30)])
                for _ in range(16)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(60)
        stop.set()
        sampler.join(5)
        for st in streams:
            st.close()
        self.assertEqual(errors, [], "mutations under 32 concurrent clients")
        limit = 16 + 1   # --redis-pool default 16, plus one subscriber
        self.assertLessEqual(peak[0], limit, "Redis saw %d connections from one server "
                             "(%d streams open)" % (peak[0], len(streams)))

    def test_16_restart_storms(self):
        """Repeated restarts under load lose nothing and need no manual step.
        Deep: test_occupation_crash.py, test_hardening_faults.py (SIGKILL x5)."""
        tags = self.take(4)
        wids = self.arm[:4]
        srv = self.server
        acked = {t: 0 for t in tags}
        unknown = {t: 0 for t in tags}
        stop = threading.Event()
        base = {t: len(events_of(self.db, t)) for t in tags}

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
                    unknown[tag] += 1
                    time.sleep(0.02)
                    continue
                if r.status == 200 and r.json.get("sin_cambios") is False:
                    acked[tag] += 1
                    action = "pausar" if action == "tomar" else "tomar"
                elif r.status == 200:
                    action = "pausar"
                elif action == "pausar" and (r.json or {}).get("error") == "NO_AUTORIZADO":
                    action = "tomar"
                else:
                    time.sleep(0.1)

        ths = [threading.Thread(target=loader, args=(t, w), daemon=True)
               for t, w in zip(tags, wids)]
        for t in ths:
            t.start()
        for i in range(4):
            time.sleep(0.5)
            if i % 2:
                srv.kill()
                srv.start()
            else:
                srv.restart()        # SIGTERM: in-flight requests finish
        time.sleep(0.5)
        stop.set()
        for t in ths:
            t.join(15)
        self.assertHealthy()
        ops = {r["TAG_SPOOL"]: r for r in export_sheets(self.db)["Operaciones"]}
        for tag, wid in zip(tags, wids):
            new = len(events_of(self.db, tag)) - base[tag]
            self.assertGreaterEqual(new, acked[tag], "%s: acknowledged writes lost" % tag)
            self.assertLessEqual(new, acked[tag] + unknown[tag], "%s: phantom events" % tag)
            # No manual step: the spool moves on (its own pending lock may need <= 30 s).
            action = "pausar" if ops[tag]["Ocupado_Por"] else "tomar"
            r = self.mut(action, tag, wid)
            if r.status == 409:
                owner = (r.json.get("data") or {}).get("owner_id")
                pttl = self.redis.command("PTTL", "spool_lock:" + tag)
                self.assertEqual(owner, wid, r)
                self.assertLessEqual(pttl, 30000, "a lock outlives the pending TTL")
            else:
                self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
