/* The enrolled devices in the SQLite backend (store.h, device_t). Only hashes of enrolment codes
 * and tokens are stored. Statements are prepared per call: device writes are rare (enrolment,
 * revocation, a last-seen update at most once a minute per device) and the one per-request
 * read, device_by_token, is a single indexed lookup, so they stay out of the shared statement
 * cache of store_sqlite.c. Device writes do not bump the generation: no cached answer is
 * derived from them. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/log.h"

#define LOG_MODULE "store"

#define DEVICE_COLS "id, name, created_at, code_expires, enrolled_at, last_seen, revoked_at"

static sqlite3_stmt *prepare(conn_t *c, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
        LOG_ERROR("devices: prepare: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

static void read_device(sqlite3_stmt *q, device_t *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(q, 0);
    store_sqlite__copy_col(d->name, sizeof d->name, q, 1);
    d->created_at = sqlite3_column_int64(q, 2);
    d->code_expires = sqlite3_column_int64(q, 3);
    d->enrolled_at = sqlite3_column_int64(q, 4);
    d->last_seen = sqlite3_column_int64(q, 5);
    d->revoked_at = sqlite3_column_int64(q, 6);
}

/* Runs one write statement to its end; *changes gets the rows it changed. */
static int step_done(conn_t *c, sqlite3_stmt *q, int *changes)
{
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE) {
        LOG_ERROR("devices: write: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    if (changes) *changes = sqlite3_changes(c->db);
    return ZE_OK;
}

int store_sqlite__device_add(store_t *st, const char *name, const char *code_hash,
                             int64_t code_expires, int64_t now)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, changes = 0;
    /* An enrolled, unrevoked device keeps its name: re-adding it would silently lock a
     * working tablet out. Any other device of that name gets the new code. */
    sqlite3_stmt *sel = prepare(c, "SELECT enrolled_at, revoked_at FROM devices WHERE name = ?1");
    sqlite3_stmt *w = NULL;
    if (!sel) {
        ret = ZE_STORE_UNAVAILABLE;
        goto out;
    }
    sqlite3_bind_text(sel, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(sel);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_int64(sel, 0) != 0 && sqlite3_column_int64(sel, 1) == 0) {
            ret = ZE_DEVICE_EXISTS;
            goto out;
        }
        w = prepare(c, "UPDATE devices SET code_hash = ?2, code_expires = ?3, token_hash = NULL,"
                       " enrolled_at = 0, revoked_at = 0 WHERE name = ?1");
    } else if (rc == SQLITE_DONE) {
        w = prepare(c, "INSERT INTO devices(name, code_hash, code_expires, created_at)"
                       " VALUES(?1, ?2, ?3, ?4)");
    } else {
        LOG_ERROR("devices: read: %s", sqlite3_errmsg(c->db));
    }
    if (!w) {
        ret = ZE_STORE_UNAVAILABLE;
        goto out;
    }
    sqlite3_bind_text(w, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(w, 2, code_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(w, 3, code_expires);
    if (rc == SQLITE_DONE) sqlite3_bind_int64(w, 4, now);
    ret = step_done(c, w, &changes);
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(w);
    return store_sqlite__write_end(ss, c, ret, 0);
}

int store_sqlite__device_enroll(store_t *st, const char *code_hash, const char *token_hash,
                                int64_t now, device_t *out)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, changes = 0;
    sqlite3_stmt *upd = prepare(c, "UPDATE devices SET token_hash = ?2, code_hash = NULL,"
                                   " code_expires = 0, enrolled_at = ?3, last_seen = ?3"
                                   " WHERE code_hash = ?1 AND code_expires > ?3 AND revoked_at = 0");
    sqlite3_stmt *sel = prepare(c, "SELECT " DEVICE_COLS " FROM devices WHERE token_hash = ?1");
    if (!upd || !sel) {
        ret = ZE_STORE_UNAVAILABLE;
        goto out;
    }
    sqlite3_bind_text(upd, 1, code_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(upd, 2, token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(upd, 3, now);
    if ((ret = step_done(c, upd, &changes)) != ZE_OK) goto out;
    if (changes != 1) {
        ret = ZE_DEVICE_NO_ENCONTRADO;
        goto out;
    }
    sqlite3_bind_text(sel, 1, token_hash, -1, SQLITE_STATIC);
    if (sqlite3_step(sel) != SQLITE_ROW) ret = ZE_STORE_UNAVAILABLE;
    else if (out) read_device(sel, out);
out:
    sqlite3_finalize(upd);
    sqlite3_finalize(sel);
    return store_sqlite__write_end(ss, c, ret, 0);
}

int store_sqlite__device_by_token(store_t *st, const char *token_hash, device_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "SELECT " DEVICE_COLS " FROM devices WHERE token_hash = ?1");
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, token_hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = ZE_OK;
    if (rc == SQLITE_ROW) read_device(q, out);
    else if (rc == SQLITE_DONE) ret = ZE_DEVICE_NO_ENCONTRADO;
    else ret = ZE_STORE_UNAVAILABLE;
    sqlite3_finalize(q);
    return ret;
}

int store_sqlite__device_touch(store_t *st, int64_t id, int64_t now)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "UPDATE devices SET last_seen = ?2 WHERE id = ?1");
    if (q) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, now);
        ret = step_done(c, q, NULL);
    }
    sqlite3_finalize(q);
    return store_sqlite__write_end(ss, c, ret, 0);
}

int store_sqlite__device_revoke(store_t *st, const char *name, int64_t now)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_STORE_UNAVAILABLE, changes = 0;
    /* The token stays stored (a revoked device's requests are then told so, not "unknown");
     * the pending code goes. */
    sqlite3_stmt *q = prepare(c, "UPDATE devices SET code_hash = NULL, code_expires = 0,"
                                 " revoked_at = CASE WHEN revoked_at = 0 THEN ?2"
                                 " ELSE revoked_at END WHERE name = ?1");
    if (q) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, now);
        ret = step_done(c, q, &changes);
        if (ret == ZE_OK && changes == 0) ret = ZE_DEVICE_NO_ENCONTRADO;
    }
    sqlite3_finalize(q);
    return store_sqlite__write_end(ss, c, ret, 0);
}

int store_sqlite__device_foreach(store_t *st, device_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "SELECT " DEVICE_COLS " FROM devices ORDER BY id");
    if (!q) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, rc;
    device_t d;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_device(q, &d);
        if ((ret = fn(ud, &d)) != 0) break;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
    sqlite3_finalize(q);
    return ret;
}
