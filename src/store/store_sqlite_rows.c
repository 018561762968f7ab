/* Row reads of the SQLite backend: workers with their roles, and audit events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "core/sheet_codec.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "store"

/* ------------------------------------------------------------------------------------------ */
/* Workers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static int load_roles(conn_t *c, worker_t *w)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_ROLES_OF);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_int64(q, 1, w->id);
    w->roles = 0;
    w->roles_count = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *rol = (const char *)sqlite3_column_text(q, 0);
        const char *act = (const char *)sqlite3_column_text(q, 1);
        int idx = zrole_parse(rol ? rol : "");
        if (idx < 0 || !sheet_codec_activo(act ? act : "")) continue;
        if (w->roles & (1u << idx)) continue;
        w->roles |= 1u << idx;
        w->roles_order[w->roles_count++] = (char)idx;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

static void read_worker(sqlite3_stmt *q, worker_t *w)
{
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(q, 0);
    store_sqlite__copy_col(w->nombre, sizeof w->nombre, q, 1);
    store_sqlite__copy_col(w->apellido, sizeof w->apellido, q, 2);
    store_sqlite__copy_col(w->rol, sizeof w->rol, q, 3);
    const char *act = (const char *)sqlite3_column_text(q, 4);
    w->activo = sheet_codec_activo(act ? act : "");
    if (names_worker_display(w->nombre, w->apellido, w->id, w->display, sizeof w->display) != 0)
        snprintf(w->display, sizeof w->display, "(%lld)", (long long)w->id);
}

int store_sqlite__worker_get(store_t *st, int64_t id, worker_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_WORKER_GET);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    int ret = ZE_OK;
    if (rc == SQLITE_ROW) read_worker(q, out);
    else ret = rc == SQLITE_DONE ? ZE_WORKER_NO_ENCONTRADO : ZE_STORE_UNAVAILABLE;
    sqlite3_reset(q);
    if (ret == ZE_OK) ret = load_roles(c, out);
    return ret;
}

int store_sqlite__worker_foreach(store_t *st, worker_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    /* Read the roster first so role lookups do not interleave with an open cursor. */
    size_t n = 0, cap = 64;
    worker_t *ws = xmalloc(cap * sizeof *ws);
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_WORKER_ALL);
    int ret = q ? ZE_OK : ZE_STORE_UNAVAILABLE, rc = SQLITE_DONE;
    while (q && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) ws = xrealloc(ws, (cap *= 2) * sizeof *ws);
        read_worker(q, &ws[n++]);
    }
    if (q) {
        if (rc != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
        sqlite3_reset(q);
    }
    for (size_t i = 0; ret == ZE_OK && i < n; i++) {
        if ((ret = load_roles(c, &ws[i])) != ZE_OK) break;
        ret = fn(ud, &ws[i]);
    }
    free(ws);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Events                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void read_event(sqlite3_stmt *q, event_rec_t *e)
{
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(q, 0);
    store_sqlite__copy_col(e->id, sizeof e->id, q, 1);
    e->ts = sqlite3_column_int64(q, 2);
    store_sqlite__copy_col(e->tipo, sizeof e->tipo, q, 3);
    store_sqlite__copy_col(e->tag, sizeof e->tag, q, 4);
    e->worker_id = sqlite3_column_int64(q, 5);
    store_sqlite__copy_col(e->worker_nombre, sizeof e->worker_nombre, q, 6);
    store_sqlite__copy_col(e->operacion, sizeof e->operacion, q, 7);
    store_sqlite__copy_col(e->accion, sizeof e->accion, q, 8);
    e->fecha_operacion = sqlite3_column_int(q, 9);
    store_sqlite__copy_col(e->metadata_json, sizeof e->metadata_json, q, 10);
    store_sqlite__copy_col(e->live_json, sizeof e->live_json, q, 11);
    e->n_union = sqlite3_column_int(q, 12);
}

static int visit_events(conn_t *c, sqlite3_stmt *q, event_visit_fn fn, void *ud)
{
    event_rec_t *e = xmalloc(sizeof *e);
    int ret = ZE_OK, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_event(q, e);
        if ((ret = fn(ud, e)) != 0) break;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) {
        LOG_ERROR("events: %s", sqlite3_errmsg(c->db));
        ret = ZE_STORE_UNAVAILABLE;
    }
    sqlite3_reset(q);
    free(e);
    return ret;
}

int store_sqlite__event_foreach_tag(store_t *st, const char *tag, event_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_EVENT_TAG);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    return visit_events(c, q, fn, ud);
}

int store_sqlite__event_foreach_since(store_t *st, int64_t after, size_t limit, event_visit_fn fn,
                                  void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_EVENT_SINCE);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    return visit_events(c, q, fn, ud);
}

int store_sqlite__event_last_seq(store_t *st, int64_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_EVENT_LAST);
    if (!q) return ZE_STORE_UNAVAILABLE;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

int store_sqlite__ping(store_t *st)
{
    int64_t seq;
    return store_sqlite__event_last_seq(st, &seq) == ZE_OK ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

