/* Bulk paths of the SQLite backend: importing the sheets in one transaction and reading them
 * back for export (the Uniones sheet and the counters it keeps in line are in
 * store_sqlite_bulk_unions.c). The caller holds the store's write mutex during import. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_map.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "store"

/* ------------------------------------------------------------------------------------------ */
/* Helpers shared with store_sqlite_bulk_unions.c                                              */
/* ------------------------------------------------------------------------------------------ */

int store_sqlite__bulk_run(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return ZE_STORE_UNAVAILABLE;
    }
    return ZE_OK;
}

int store_sqlite__bulk_prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, char *err,
                            size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return ZE_STORE_UNAVAILABLE;
    }
    return ZE_OK;
}

int store_sqlite__bulk_step(sqlite3 *db, sqlite3_stmt *q, char *err, size_t errlen)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return ZE_STORE_UNAVAILABLE;
    }
    return ZE_OK;
}

int store_sqlite__save_headers(sqlite3 *db, const char *sheet, char **headers, size_t n,
                               char *err, size_t errlen)
{
    sqlite3_stmt *del = NULL, *ins = NULL;
    int ret = store_sqlite__bulk_prep(db, "DELETE FROM sheet_headers WHERE sheet = ?1", &del, err,
                                      errlen);
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_prep(
            db, "INSERT INTO sheet_headers(sheet, pos, header) VALUES(?1, ?2, ?3)", &ins, err,
            errlen);
    if (ret == ZE_OK) {
        sqlite3_bind_text(del, 1, sheet, -1, SQLITE_STATIC);
        ret = store_sqlite__bulk_step(db, del, err, errlen);
    }
    for (size_t i = 0; ret == ZE_OK && i < n; i++) {
        sqlite3_bind_text(ins, 1, sheet, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)i);
        sqlite3_bind_text(ins, 3, headers[i], -1, SQLITE_STATIC);
        ret = store_sqlite__bulk_step(db, ins, err, errlen);
    }
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return ret;
}

char **store_sqlite__load_headers(sqlite3 *db, const char *sheet, size_t *n)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 16;
    char **v = xmalloc(cap * sizeof *v);
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT header FROM sheet_headers WHERE sheet = ?1 ORDER BY pos",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, sheet, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (*n == cap) v = xrealloc(v, (cap *= 2) * sizeof *v);
            v[(*n)++] = xstrdup((const char *)sqlite3_column_text(q, 0));
        }
    }
    sqlite3_finalize(q);
    return v;
}

void store_sqlite__free_headers(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

char *store_sqlite__extra_json(char **extra, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, extra && extra[i] ? json_string(extra[i]) : json_null());
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s ? s : xstrdup("[]");
}

char **store_sqlite__extra_cells(const char *json, size_t n)
{
    char **cells = xcalloc(n ? n : 1, sizeof *cells);
    json_t *arr = json_loads(json ? json : "[]", 0, NULL);
    for (size_t i = 0; arr && i < n && i < json_array_size(arr); i++) {
        const char *v = json_string_value(json_array_get(arr, i));
        if (v) cells[i] = xstrdup(v);
    }
    json_decref(arr);
    return cells;
}

int store_sqlite__remap_unlisted(sqlite3 *db, const char *select_sql, const char *update_sql,
                                 char **old_h, size_t n_old, char **new_h, size_t n_new,
                                 char *err, size_t errlen)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int ret = store_sqlite__bulk_prep(db, select_sql, &sel, err, errlen);
    if (ret == ZE_OK) ret = store_sqlite__bulk_prep(db, update_sql, &upd, err, errlen);
    while (ret == ZE_OK && sqlite3_step(sel) == SQLITE_ROW) {
        /* select_sql gives (key columns..., extra) with extra last; update_sql takes the same
         * key columns as ?1.. and the new extra after them. */
        int ncol = sqlite3_column_count(sel);
        json_t *old = json_loads((const char *)sqlite3_column_text(sel, ncol - 1), 0, NULL);
        char **cells = xcalloc(n_new ? n_new : 1, sizeof *cells);
        for (size_t j = 0; j < n_new; j++)
            for (size_t i = 0; i < n_old && i < json_array_size(old); i++)
                if (strcmp(old_h[i], new_h[j]) == 0) {
                    const char *v = json_string_value(json_array_get(old, i));
                    if (v) cells[j] = xstrdup(v);
                    break;
                }
        char *extra = store_sqlite__extra_json(cells, n_new);
        for (size_t j = 0; j < n_new; j++) free(cells[j]);
        free(cells);
        json_decref(old);
        for (int k = 0; k < ncol - 1; k++)
            sqlite3_bind_value(upd, k + 1, sqlite3_column_value(sel, k));
        sqlite3_bind_text(upd, ncol, extra, -1, SQLITE_TRANSIENT);
        free(extra);
        ret = store_sqlite__bulk_step(db, upd, err, errlen);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Import                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Which of the v4 engineering cells the sheet carries: a layout without OT or Notas must not
 * blank what the store has. */
typedef struct op_has {
    int ot, notas;
} op_has_t;

static op_has_t op_layout_has(const sheets_t *in)
{
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)in->op_headers, in->n_op_headers);
    return (op_has_t){m.index[COL_OT] >= 0, m.index[COL_NOTAS] >= 0};
}

/* The stored spools whose version is not the one their sheet row carries (only_current): the
 * sheet has not caught up with them, so their Notas, OT and unions are not taken from it. */
static int mark_stale(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    int ret = store_sqlite__bulk_run(db,
                                     "CREATE TEMP TABLE IF NOT EXISTS import_stale("
                                     "tag TEXT PRIMARY KEY) WITHOUT ROWID;"
                                     "DELETE FROM temp.import_stale",
                                     err, errlen);
    if (ret != ZE_OK || !in->only_current) return ret;
    sqlite3_stmt *q = NULL;
    ret = store_sqlite__bulk_prep(db,
                                  "INSERT OR IGNORE INTO temp.import_stale(tag) SELECT tag FROM"
                                  " spools WHERE tag = ?1 AND version <> ?2",
                                  &q, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_spools; i++) {
        sqlite3_bind_text(q, 1, in->spools[i].spool.tag, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, in->spools[i].spool.version);
        ret = store_sqlite__bulk_step(db, q, err, errlen);
    }
    sqlite3_finalize(q);
    return ret;
}

static int import_spools(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    sqlite3_stmt *upd = NULL, *ins = NULL;
    op_has_t has = op_layout_has(in);
    int ret = store_sqlite__bulk_prep(
        db,
        "UPDATE spools SET row=?2, nv=?3, fecha_materiales=?4, extra=?5,"
        " ot = CASE WHEN ?6 AND " NOT_STALE " THEN ?7 ELSE ot END,"
        " notas = CASE WHEN ?8 AND " NOT_STALE " THEN ?9 ELSE notas END"
        " WHERE tag=?1",
        &upd, err, errlen);
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_prep(
            db,
            "INSERT INTO spools(row, tag, nv, fecha_materiales, fecha_armado,"
            " fecha_soldadura, fecha_qc, armador, soldador, ocupado_por,"
            " ocupado_worker_id, ocupado_op, fecha_ocupacion, lock_token, version,"
            " metrologia, repair, repair_cycle, estado_detalle, total_uniones,"
            " uniones_arm_completadas, uniones_sold_completadas, pulgadas_arm_c,"
            " pulgadas_sold_c, extra, ot, notas)"
            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
            "?21,?22,?23,?24,?25,?26,?27)",
            &ins, err, errlen);
    /* Spools that the sheet no longer lists keep their data, after the listed ones. */
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_run(db, "UPDATE spools SET row = row + 1000000000", err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_spools; i++) {
        const spool_t *s = &in->spools[i].spool;
        const char *notas = in->spools[i].notas ? in->spools[i].notas : "";
        char *extra = store_sqlite__extra_json(in->spools[i].extra, in->n_op_headers);
        sqlite3_bind_text(upd, 1, s->tag, -1, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 2, s->row);
        sqlite3_bind_text(upd, 3, s->nv, -1, SQLITE_STATIC);
        sqlite3_bind_int(upd, 4, s->fecha_materiales);
        sqlite3_bind_text(upd, 5, extra, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(upd, 6, has.ot);
        sqlite3_bind_text(upd, 7, s->ot, -1, SQLITE_STATIC);
        sqlite3_bind_int(upd, 8, has.notas);
        sqlite3_bind_text(upd, 9, notas, -1, SQLITE_STATIC);
        ret = store_sqlite__bulk_step(db, upd, err, errlen);
        if (ret == ZE_OK && sqlite3_changes(db) == 0) {
            sqlite3_bind_int64(ins, 1, s->row);
            sqlite3_bind_text(ins, 2, s->tag, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, s->nv, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 4, s->fecha_materiales);
            store_sqlite__bind_tracking(ins, 5, s);
            sqlite3_bind_text(ins, 25, extra, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 26, s->ot, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 27, notas, -1, SQLITE_STATIC);
            ret = store_sqlite__bulk_step(db, ins, err, errlen);
        }
        free(extra);
    }
    sqlite3_finalize(upd);
    sqlite3_finalize(ins);
    return ret;
}

static int import_workers(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int ret = store_sqlite__bulk_run(db, "DELETE FROM workers", err, errlen);
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_prep(db,
                                      "INSERT INTO workers(pos, id, nombre, apellido, rol, activo)"
                                      " VALUES(?1,?2,?3,?4,?5,?6)",
                                      &q, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_workers; i++) {
        const sheet_worker_t *w = &in->workers[i];
        sqlite3_bind_int64(q, 1, (sqlite3_int64)i);
        sqlite3_bind_int64(q, 2, w->worker.id);
        sqlite3_bind_text(q, 3, w->worker.nombre, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, w->worker.apellido, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, w->worker.rol, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, w->activo, -1, SQLITE_STATIC);
        ret = store_sqlite__bulk_step(db, q, err, errlen);
        if (ret != ZE_OK)
            snprintf(err, errlen, "Trabajadores: duplicate Id %lld", (long long)w->worker.id);
    }
    sqlite3_finalize(q);
    if (ret == ZE_OK)
        ret = store_sqlite__save_headers(db, "Trabajadores", in->worker_headers,
                                         in->n_worker_headers, err, errlen);
    return ret;
}

static int import_roles(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int ret = store_sqlite__bulk_run(db, "DELETE FROM roles", err, errlen);
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_prep(
            db, "INSERT INTO roles(pos, worker_id, rol, activo) VALUES(?1,?2,?3,?4)", &q, err,
            errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_roles; i++) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)i);
        sqlite3_bind_int64(q, 2, in->roles[i].worker_id);
        sqlite3_bind_text(q, 3, in->roles[i].rol, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, in->roles[i].activo, -1, SQLITE_STATIC);
        ret = store_sqlite__bulk_step(db, q, err, errlen);
    }
    sqlite3_finalize(q);
    if (ret == ZE_OK)
        ret = store_sqlite__save_headers(db, "Roles", in->role_headers, in->n_role_headers, err,
                                         errlen);
    return ret;
}

/* The Metadata layout the sheet came in: its ten columns, or eleven with N_UNION. Only the
 * count matters to the writer (the headers themselves are fixed). */
static int save_metadata_layout(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    static char *h[] = {"id", "timestamp", "evento_tipo", "tag_spool", "worker_id",
                        "worker_nombre", "operacion", "accion", "fecha_operacion",
                        "metadata_json", "N_UNION"};
    return store_sqlite__save_headers(db, "Metadata", h, in->metadata_n_union ? 11 : 10, err,
                                      errlen);
}

static int import_events(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    /* Re-importing a Metadata export must not duplicate it: events are keyed by their id. */
    int ret = store_sqlite__bulk_prep(
        db,
        "INSERT OR IGNORE INTO events(id, ts, tipo, tag, worker_id, worker_nombre,"
        " operacion, accion, fecha_operacion, metadata_json, live_json, n_union)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,'',?11)",
        &q, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_events; i++) {
        const event_rec_t *e = &in->events[i];
        if (e->id[0]) sqlite3_bind_text(q, 1, e->id, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 1);
        sqlite3_bind_int64(q, 2, e->ts);
        sqlite3_bind_text(q, 3, e->tipo, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, e->tag, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, e->worker_id);
        sqlite3_bind_text(q, 6, e->worker_nombre, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, e->operacion, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, e->accion, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 9, e->fecha_operacion);
        sqlite3_bind_text(q, 10, e->metadata_json, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 11, e->n_union);
        ret = store_sqlite__bulk_step(db, q, err, errlen);
    }
    sqlite3_finalize(q);
    if (ret == ZE_OK) ret = save_metadata_layout(db, in, err, errlen);
    return ret;
}

static int import_operaciones(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    size_t n_old = 0;
    char **old_h = store_sqlite__load_headers(db, "Operaciones", &n_old);
    int ret = store_sqlite__save_headers(db, "Operaciones", in->op_headers, in->n_op_headers, err,
                                         errlen);
    if (ret == ZE_OK) ret = import_spools(db, in, err, errlen);
    /* Spools the new sheet no longer lists keep their untracked cells, moved from the old
     * layout's positions to the new layout's by header name (a column the new sheet dropped is
     * dropped). */
    if (ret == ZE_OK)
        ret = store_sqlite__remap_unlisted(
            db, "SELECT tag, extra FROM spools WHERE row >= 1000000000",
            "UPDATE spools SET extra = ?2 WHERE tag = ?1", old_h, n_old, in->op_headers,
            in->n_op_headers, err, errlen);
    store_sqlite__free_headers(old_h, n_old);
    return ret;
}

int store_sqlite__import(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    int ret = store_sqlite__bulk_run(db, "BEGIN IMMEDIATE", err, errlen);
    if (ret != ZE_OK) return ret;
    ret = mark_stale(db, in, err, errlen);
    if (ret == ZE_OK && in->n_op_headers) ret = import_operaciones(db, in, err, errlen);
    if (ret == ZE_OK && in->has_unions) ret = store_sqlite__import_unions(db, in, err, errlen);
    if (ret == ZE_OK) ret = store_sqlite__import_counters(db, in, err, errlen);
    if (ret == ZE_OK && in->n_worker_headers) ret = import_workers(db, in, err, errlen);
    if (ret == ZE_OK && in->n_role_headers) ret = import_roles(db, in, err, errlen);
    if (ret == ZE_OK && in->has_events) ret = import_events(db, in, err, errlen);
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_run(db, "UPDATE meta SET v = v + 1 WHERE k = 'generation'", err,
                                     errlen);
    if (ret == ZE_OK) ret = store_sqlite__bulk_run(db, "COMMIT", err, errlen);
    if (ret != ZE_OK) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Export                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void col_copy(char *dst, size_t n, sqlite3_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static int export_spools(sqlite3 *db, sheets_t *out)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " SPOOL_COLS ", extra, notas FROM spools ORDER BY row, tag",
                           -1, &q, NULL) != SQLITE_OK)
        return ZE_STORE_UNAVAILABLE;
    size_t cap = 256;
    out->spools = xmalloc(cap * sizeof *out->spools);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (out->n_spools == cap)
            out->spools = xrealloc(out->spools, (cap *= 2) * sizeof *out->spools);
        sheet_spool_t *r = &out->spools[out->n_spools++];
        memset(r, 0, sizeof *r);
        store_sqlite__read_spool(q, &r->spool);
        r->extra = store_sqlite__extra_cells((const char *)sqlite3_column_text(q, SPOOL_NCOLS),
                                             out->n_op_headers);
        const unsigned char *notas = sqlite3_column_text(q, SPOOL_NCOLS + 1);
        if (notas && notas[0]) r->notas = xstrdup((const char *)notas);
    }
    sqlite3_finalize(q);
    return ZE_OK;
}

static int export_workers(sqlite3 *db, sheets_t *out)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id, nombre, apellido, rol, activo FROM workers ORDER BY pos",
                           -1, &q, NULL) != SQLITE_OK)
        return ZE_STORE_UNAVAILABLE;
    size_t cap = 64;
    out->workers = xmalloc(cap * sizeof *out->workers);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (out->n_workers == cap)
            out->workers = xrealloc(out->workers, (cap *= 2) * sizeof *out->workers);
        sheet_worker_t *w = &out->workers[out->n_workers++];
        memset(w, 0, sizeof *w);
        w->worker.id = sqlite3_column_int64(q, 0);
        col_copy(w->worker.nombre, sizeof w->worker.nombre, q, 1);
        col_copy(w->worker.apellido, sizeof w->worker.apellido, q, 2);
        col_copy(w->worker.rol, sizeof w->worker.rol, q, 3);
        col_copy(w->activo, sizeof w->activo, q, 4);
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db, "SELECT worker_id, rol, activo FROM roles ORDER BY pos", -1, &q,
                           NULL) != SQLITE_OK)
        return ZE_STORE_UNAVAILABLE;
    cap = 64;
    out->roles = xmalloc(cap * sizeof *out->roles);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (out->n_roles == cap) out->roles = xrealloc(out->roles, (cap *= 2) * sizeof *out->roles);
        sheet_role_t *r = &out->roles[out->n_roles++];
        memset(r, 0, sizeof *r);
        r->worker_id = sqlite3_column_int64(q, 0);
        col_copy(r->rol, sizeof r->rol, q, 1);
        col_copy(r->activo, sizeof r->activo, q, 2);
    }
    sqlite3_finalize(q);
    return ZE_OK;
}

static int export_events(sqlite3 *db, sheets_t *out)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, id, ts, tipo, tag, worker_id, worker_nombre, operacion,"
                           " accion, fecha_operacion, metadata_json, n_union FROM events"
                           " ORDER BY seq",
                           -1, &q, NULL) != SQLITE_OK)
        return ZE_STORE_UNAVAILABLE;
    size_t cap = 256;
    out->events = xmalloc(cap * sizeof *out->events);
    out->has_events = 1;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (out->n_events == cap)
            out->events = xrealloc(out->events, (cap *= 2) * sizeof *out->events);
        event_rec_t *e = &out->events[out->n_events++];
        memset(e, 0, sizeof *e);
        e->seq = sqlite3_column_int64(q, 0);
        col_copy(e->id, sizeof e->id, q, 1);
        e->ts = sqlite3_column_int64(q, 2);
        col_copy(e->tipo, sizeof e->tipo, q, 3);
        col_copy(e->tag, sizeof e->tag, q, 4);
        e->worker_id = sqlite3_column_int64(q, 5);
        col_copy(e->worker_nombre, sizeof e->worker_nombre, q, 6);
        col_copy(e->operacion, sizeof e->operacion, q, 7);
        col_copy(e->accion, sizeof e->accion, q, 8);
        e->fecha_operacion = sqlite3_column_int(q, 9);
        col_copy(e->metadata_json, sizeof e->metadata_json, q, 10);
        e->n_union = sqlite3_column_int(q, 11);
    }
    sqlite3_finalize(q);
    size_t nh = 0;
    char **h = store_sqlite__load_headers(db, "Metadata", &nh);
    out->metadata_n_union = nh >= 11; /* the writer adds it anyway for per-union events */
    store_sqlite__free_headers(h, nh);
    return ZE_OK;
}

int store_sqlite__export(sqlite3 *db, sheets_t *out)
{
    memset(out, 0, sizeof *out);
    /* One read transaction: the sheets are one consistent snapshot. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return ZE_STORE_UNAVAILABLE;
    out->op_headers = store_sqlite__load_headers(db, "Operaciones", &out->n_op_headers);
    out->worker_headers = store_sqlite__load_headers(db, "Trabajadores", &out->n_worker_headers);
    out->role_headers = store_sqlite__load_headers(db, "Roles", &out->n_role_headers);
    int ret = export_spools(db, out);
    if (ret == ZE_OK) ret = store_sqlite__export_unions(db, out);
    if (ret == ZE_OK) ret = export_workers(db, out);
    if (ret == ZE_OK) ret = export_events(db, out);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (ret != ZE_OK) sheets_free(out);
    return ret;
}
