/* Worker PINs in the SQLite backend (store.h, pin_state_t): the hash, the run of failures, the
 * lock-out with its audit event in the same transaction, and the verified (device, worker)
 * pairs. Statements are prepared per call, as for devices: PIN writes happen once per attempt,
 * and the per-request read, pin_session_check, is one primary-key lookup. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/log.h"

#define LOG_MODULE "store"

#define PIN_COLS "worker_id, pin_hash, set_at, failures, last_failure, locked_at"

static sqlite3_stmt *prepare(conn_t *c, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
        LOG_ERROR("pins: prepare: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

static int step_done(conn_t *c, sqlite3_stmt *q, int *changes)
{
    if (!q) return ZE_STORE_UNAVAILABLE;
    if (sqlite3_step(q) != SQLITE_DONE) {
        LOG_ERROR("pins: write: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    if (changes) *changes = sqlite3_changes(c->db);
    return ZE_OK;
}

/* The PIN row of worker_id on connection c into *out: ZE_OK, ZE_NOT_FOUND, ZE_STORE_UNAVAILABLE. */
static int read_pin(conn_t *c, int64_t worker_id, pin_state_t *out)
{
    sqlite3_stmt *q = prepare(c, "SELECT " PIN_COLS " FROM worker_pins WHERE worker_id = ?1");
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_int64(q, 1, worker_id);
    int rc = sqlite3_step(q), ret = ZE_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->worker_id = sqlite3_column_int64(q, 0);
        store_sqlite__copy_col(out->pin_hash, sizeof out->pin_hash, q, 1);
        out->set_at = sqlite3_column_int64(q, 2);
        out->failures = sqlite3_column_int(q, 3);
        out->last_failure = sqlite3_column_int64(q, 4);
        out->locked_at = sqlite3_column_int64(q, 5);
    } else {
        ret = rc == SQLITE_DONE ? ZE_NOT_FOUND : ZE_STORE_UNAVAILABLE;
    }
    sqlite3_finalize(q);
    return ret;
}

/* Appends the events (none when nev is 0) inside the open write transaction of c. */
static int append_events(conn_t *c, event_rec_t *ev, size_t nev)
{
    if (!nev) return ZE_OK;
    store_change_t ch = {.events = ev, .n_events = nev};
    return store_sqlite__write_change(c, &ch);
}

int store_sqlite__pin_set(store_t *st, int64_t worker_id, const char *pin_hash, int64_t now,
                          event_rec_t *ev, size_t nev)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *up = prepare(c, "INSERT INTO worker_pins(worker_id, pin_hash, set_at)"
                                  " VALUES(?1, ?2, ?3) ON CONFLICT(worker_id) DO UPDATE SET"
                                  " pin_hash = excluded.pin_hash, set_at = excluded.set_at,"
                                  " failures = 0, last_failure = 0, locked_at = 0");
    sqlite3_stmt *end = NULL;
    if (up) {
        sqlite3_bind_int64(up, 1, worker_id);
        sqlite3_bind_text(up, 2, pin_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 3, now);
    }
    int ret = step_done(c, up, NULL);
    if (ret == ZE_OK) {
        end = prepare(c, "DELETE FROM pin_sessions WHERE worker_id = ?1");
        if (end) sqlite3_bind_int64(end, 1, worker_id);
        ret = step_done(c, end, NULL);
    }
    if (ret == ZE_OK) ret = append_events(c, ev, nev);
    sqlite3_finalize(up);
    sqlite3_finalize(end);
    return store_sqlite__write_end(ss, c, ret, nev > 0);
}

int store_sqlite__pin_get(store_t *st, int64_t worker_id, pin_state_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    return read_pin(c, worker_id, out);
}

int store_sqlite__pin_attempt(store_t *st, int64_t worker_id, int64_t device_id, int ok,
                              int64_t now, int64_t session_expires, int lock_after,
                              event_rec_t *lock_ev, pin_state_t *out)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *w = NULL, *sess = NULL;
    int appended = 0;
    pin_state_t before;
    int ret = read_pin(c, worker_id, &before);
    if (ret != ZE_OK) goto out;
    if (ok) {
        w = prepare(c, "UPDATE worker_pins SET failures = 0, last_failure = 0 WHERE worker_id = ?1");
        sess = prepare(c, "INSERT INTO pin_sessions(device_id, worker_id, expires_at)"
                          " VALUES(?1, ?2, ?3) ON CONFLICT(device_id, worker_id) DO UPDATE SET"
                          " expires_at = excluded.expires_at");
        if (sess) {
            sqlite3_bind_int64(sess, 1, device_id);
            sqlite3_bind_int64(sess, 2, worker_id);
            sqlite3_bind_int64(sess, 3, session_expires);
        }
    } else {
        int lock = before.locked_at == 0 && before.failures + 1 >= lock_after;
        w = prepare(c, "UPDATE worker_pins SET failures = failures + 1, last_failure = ?2,"
                       " locked_at = CASE WHEN ?3 THEN ?2 ELSE locked_at END WHERE worker_id = ?1");
        if (w) {
            sqlite3_bind_int64(w, 2, now);
            sqlite3_bind_int(w, 3, lock);
        }
        appended = lock && lock_ev;
    }
    if (w) sqlite3_bind_int64(w, 1, worker_id);
    if ((ret = step_done(c, w, NULL)) != ZE_OK) goto out;
    if (ok && (ret = step_done(c, sess, NULL)) != ZE_OK) goto out;
    if (appended && (ret = append_events(c, lock_ev, 1)) != ZE_OK) goto out;
    ret = read_pin(c, worker_id, out);
out:
    sqlite3_finalize(w);
    sqlite3_finalize(sess);
    return store_sqlite__write_end(ss, c, ret, appended);
}

int store_sqlite__pin_session_check(store_t *st, int64_t device_id, int64_t worker_id,
                                    int64_t now)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "SELECT 1 FROM pin_sessions s JOIN worker_pins p"
                                 " ON p.worker_id = s.worker_id WHERE s.device_id = ?1"
                                 " AND s.worker_id = ?2 AND s.expires_at > ?3"
                                 " AND p.locked_at = 0");
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_int64(q, 1, device_id);
    sqlite3_bind_int64(q, 2, worker_id);
    sqlite3_bind_int64(q, 3, now);
    int rc = sqlite3_step(q);
    int ret = rc == SQLITE_ROW ? ZE_OK : rc == SQLITE_DONE ? ZE_NOT_FOUND : ZE_STORE_UNAVAILABLE;
    sqlite3_finalize(q);
    return ret;
}
