/* The v5 supervisor's records in the SQLite backend (store.h, domain-v4 §10): the tracked list
 * (Lista), the UI audit book (Audit; append-only, one row per id) and the legacy snapshots.
 * Every write is idempotent, because the UI retries: re-adding a tracked spool resets it,
 * an audit event or snapshot already stored is not written again. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "store"

/* Binds text, NULL when it is empty (the "" = null convention of these records). */
static void bind_opt(sqlite3_stmt *q, int i, const char *v)
{
    if (v && v[0]) sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, i);
}

/* One statement of a write transaction; *changes gets the rows it changed. */
static int step_write(conn_t *c, sqlite3_stmt *q, int *changes)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        LOG_ERROR("supervisor write: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    *changes = sqlite3_changes(c->db);
    return ZE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Tracked list                                                                                */
/* ------------------------------------------------------------------------------------------ */

int store_sqlite__tracked_foreach(store_t *st, tracked_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_TRACKED_ALL);
    if (!q) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, rc;
    tracked_t t;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&t, 0, sizeof t);
        store_sqlite__copy_col(t.tag, sizeof t.tag, q, 0);
        t.added_at = sqlite3_column_int64(q, 1);
        t.updated_at = sqlite3_column_int64(q, 2);
        store_sqlite__copy_col(t.notes, sizeof t.notes, q, 3);
        if ((ret = fn(ud, &t)) != 0) break;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
    sqlite3_reset(q);
    return ret;
}

int store_sqlite__tracked_put(store_t *st, const char *tag, int64_t now, tracked_t *out)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_TRACKED_PUT);
    int changes = 0, ret = q ? ZE_OK : ZE_STORE_UNAVAILABLE;
    if (q) {
        sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, now);
        ret = step_write(c, q, &changes);
    }
    ret = store_sqlite__write_end(ss, c, ret, 1);
    if (ret == ZE_OK && out) {
        memset(out, 0, sizeof *out);
        snprintf(out->tag, sizeof out->tag, "%s", tag);
        out->added_at = out->updated_at = now;
    }
    return ret;
}

int store_sqlite__tracked_remove(store_t *st, const char *tag, int *removed)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    *removed = 0;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_TRACKED_DEL);
    int changes = 0, ret = q ? ZE_OK : ZE_STORE_UNAVAILABLE;
    if (q) {
        sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
        ret = step_write(c, q, &changes);
    }
    ret = store_sqlite__write_end(ss, c, ret, changes > 0);
    if (ret == ZE_OK) *removed = changes > 0;
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Audit book                                                                                  */
/* ------------------------------------------------------------------------------------------ */

int store_sqlite__audit_append(store_t *st, const audit_ev_t *ev, size_t n, size_t *appended)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    *appended = 0;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    size_t added = 0;
    int ret = ZE_OK;
    for (size_t i = 0; ret == ZE_OK && i < n; i++) {
        sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_AUDIT_INSERT);
        if (!q) {
            ret = ZE_STORE_UNAVAILABLE;
            break;
        }
        const audit_ev_t *e = &ev[i];
        sqlite3_bind_text(q, 1, e->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, e->ts);
        sqlite3_bind_text(q, 3, e->session_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, e->event_type, -1, SQLITE_STATIC);
        bind_opt(q, 5, e->tag);
        bind_opt(q, 6, e->modal);
        bind_opt(q, 7, e->route);
        if (e->payload_json) sqlite3_bind_text(q, 8, e->payload_json, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 8);
        int changes = 0;
        ret = step_write(c, q, &changes); /* a repeated id (in the book or the batch) is 0 */
        added += (size_t)changes;
    }
    ret = store_sqlite__write_end(ss, c, ret, added > 0);
    if (ret == ZE_OK) *appended = added;
    return ret;
}

int store_sqlite__audit_since(store_t *st, int64_t since, audit_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_AUDIT_SINCE);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_int64(q, 1, since);
    int ret = ZE_OK, rc;
    audit_ev_t e;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&e, 0, sizeof e);
        store_sqlite__copy_col(e.id, sizeof e.id, q, 0);
        e.ts = sqlite3_column_int64(q, 1);
        store_sqlite__copy_col(e.session_id, sizeof e.session_id, q, 2);
        store_sqlite__copy_col(e.event_type, sizeof e.event_type, q, 3);
        store_sqlite__copy_col(e.tag, sizeof e.tag, q, 4);
        store_sqlite__copy_col(e.modal, sizeof e.modal, q, 5);
        store_sqlite__copy_col(e.route, sizeof e.route, q, 6);
        const unsigned char *p = sqlite3_column_text(q, 7);
        /* the payload is verbatim and unbounded: a heap copy valid for the call */
        e.payload_json = p ? xstrdup((const char *)p) : NULL;
        ret = fn(ud, &e);
        free(e.payload_json);
        if (ret != 0) break;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
    sqlite3_reset(q);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Legacy snapshots                                                                            */
/* ------------------------------------------------------------------------------------------ */

int store_sqlite__snapshot_put(store_t *st, const snapshot_t *snap, int *written)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    *written = 0;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SNAPSHOT_INSERT);
    int changes = 0, ret = q ? ZE_OK : ZE_STORE_UNAVAILABLE;
    if (q) {
        sqlite3_bind_text(q, 1, snap->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, snap->captured_at);
        sqlite3_bind_text(q, 3, snap->raw ? snap->raw : "", -1, SQLITE_STATIC);
        bind_opt(q, 4, snap->user_agent);
        ret = step_write(c, q, &changes);
    }
    ret = store_sqlite__write_end(ss, c, ret, changes > 0);
    if (ret == ZE_OK) *written = changes > 0;
    return ret;
}
