/* Worker PINs in the PostgreSQL backend (store.h, pin_state_t): the hash, the run of failures,
 * the lock-out with its audit event in the same transaction, and the verified (device, worker)
 * pairs (schema v4, the tables of SQLite's). A write that appends an event (a supervisor's
 * unlock, a lock-out) is a write transaction like a commit's: it locks the counters row first,
 * so the event takes its sequence number in order. An attempt locks the worker's PIN row
 * (SELECT ... FOR UPDATE), so two instances checking guesses at once count both. */
#include <libpq-fe.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"

#define PIN_COLS "worker_id, pin_hash, set_at, failures, last_failure, locked_at"

static int read_pin(pgc_t *c, int64_t worker_id, int for_update, pin_state_t *out)
{
    pgp_t p = {0};
    pgp_int(&p, worker_id);
    PGresult *r = store_pg__q(c,
                              for_update ? "SELECT " PIN_COLS " FROM worker_pins"
                                           " WHERE worker_id = $1 FOR UPDATE"
                                         : "SELECT " PIN_COLS " FROM worker_pins"
                                           " WHERE worker_id = $1",
                              &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = PQntuples(r) == 1 ? ZE_OK : ZE_NOT_FOUND;
    if (ret == ZE_OK) {
        memset(out, 0, sizeof *out);
        out->worker_id = store_pg__int(r, 0, 0);
        store_pg__copy(out->pin_hash, sizeof out->pin_hash, r, 0, 1);
        out->set_at = store_pg__int(r, 0, 2);
        out->failures = (int)store_pg__int(r, 0, 3);
        out->last_failure = store_pg__int(r, 0, 4);
        out->locked_at = store_pg__int(r, 0, 5);
    }
    PQclear(r);
    return ret;
}

int store_pg__pin_set(store_t *st, int64_t worker_id, const char *pin_hash, int64_t now,
                      event_rec_t *ev, size_t nev)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int64_t seq = 0;
    int ret = store_pg__write_begin(c, &seq);
    if (ret != ZE_OK) {
        store_pg__release(ps, c);
        return ret;
    }
    pgp_t p = {0};
    pgp_int(&p, worker_id);
    pgp_text(&p, pin_hash);
    pgp_int(&p, now);
    ret = store_pg__cmd(c,
                        "INSERT INTO worker_pins(worker_id, pin_hash, set_at)"
                        " VALUES($1, $2, $3::bigint) ON CONFLICT(worker_id) DO UPDATE SET"
                        " pin_hash = EXCLUDED.pin_hash, set_at = EXCLUDED.set_at,"
                        " failures = 0, last_failure = 0, locked_at = 0",
                        &p, NULL);
    if (ret == ZE_OK) {
        pgp_t q = {0};
        pgp_int(&q, worker_id);
        ret = store_pg__cmd(c, "DELETE FROM pin_sessions WHERE worker_id = $1", &q, NULL);
    }
    if (ret == ZE_OK) ret = store_pg__append_events(c, ev, nev, &seq);
    ret = store_pg__write_end(ps, c, ret, nev > 0, nev > 0 ? seq : -1);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__pin_get(store_t *st, int64_t worker_id, pin_state_t *out)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = read_pin(c, worker_id, 0, out);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__pin_attempt(store_t *st, int64_t worker_id, int64_t device_id, int ok, int64_t now,
                          int64_t session_expires, int lock_after, event_rec_t *lock_ev,
                          pin_state_t *out)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int64_t seq = 0;
    int ret = store_pg__write_begin(c, &seq);
    if (ret != ZE_OK) {
        store_pg__release(ps, c);
        return ret;
    }
    int appended = 0;
    pin_state_t before;
    ret = read_pin(c, worker_id, 1, &before);
    if (ret == ZE_OK && ok) {
        pgp_t p = {0};
        pgp_int(&p, worker_id);
        ret = store_pg__cmd(c,
                            "UPDATE worker_pins SET failures = 0, last_failure = 0"
                            " WHERE worker_id = $1",
                            &p, NULL);
        pgp_t s = {0};
        pgp_int(&s, device_id);
        pgp_int(&s, worker_id);
        pgp_int(&s, session_expires);
        if (ret == ZE_OK)
            ret = store_pg__cmd(c,
                                "INSERT INTO pin_sessions(device_id, worker_id, expires_at)"
                                " VALUES($1, $2, $3::bigint) ON CONFLICT(device_id, worker_id)"
                                " DO UPDATE SET expires_at = EXCLUDED.expires_at",
                                &s, NULL);
    } else if (ret == ZE_OK) {
        int lock = before.locked_at == 0 && before.failures + 1 >= lock_after;
        pgp_t p = {0};
        pgp_int(&p, worker_id);
        pgp_int(&p, now);
        pgp_bool(&p, lock);
        ret = store_pg__cmd(c,
                            "UPDATE worker_pins SET failures = failures + 1, last_failure = $2,"
                            " locked_at = CASE WHEN $3::boolean THEN $2::bigint ELSE locked_at"
                            " END WHERE worker_id = $1",
                            &p, NULL);
        appended = lock && lock_ev;
        if (ret == ZE_OK && appended) ret = store_pg__append_events(c, lock_ev, 1, &seq);
    }
    if (ret == ZE_OK) ret = read_pin(c, worker_id, 0, out);
    ret = store_pg__write_end(ps, c, ret, appended, appended ? seq : -1);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__pin_session_check(store_t *st, int64_t device_id, int64_t worker_id, int64_t now)
{
    pgp_t p = {0};
    pgp_int(&p, device_id);
    pgp_int(&p, worker_id);
    pgp_int(&p, now);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT 1 FROM pin_sessions s JOIN worker_pins p"
                                 " ON p.worker_id = s.worker_id WHERE s.device_id = $1"
                                 " AND s.worker_id = $2 AND s.expires_at > $3 AND p.locked_at = 0",
                                 &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = PQntuples(r) == 1 ? ZE_OK : ZE_NOT_FOUND;
    PQclear(r);
    return ret;
}
