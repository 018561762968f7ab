/* Bulk paths of the PostgreSQL backend: importing the sheets in one write transaction and
 * reading them back for export in one snapshot (the Uniones sheet and the counters it keeps in
 * line are in store_pg_bulk_unions.c). The rules are the SQLite backend's
 * (store_sqlite_bulk.c): spools the sheet no longer lists keep their data after the listed
 * ones, cells ZEUES does not interpret are kept verbatim (a JSON array per row, by header
 * position), re-imported events are recognised by their id. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_map.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers shared with store_pg_bulk_unions.c                                                  */
/* ------------------------------------------------------------------------------------------ */

int store_pg__save_headers(pgc_t *c, const char *sheet, char **headers, size_t n, char *err,
                           size_t errlen)
{
    pgp_t d = {0};
    pgp_text(&d, sheet);
    int ret =
        store_pg__cmd_err(c, "DELETE FROM sheet_headers WHERE sheet = $1", &d, NULL, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < n; i++) {
        pgp_t p = {0};
        pgp_text(&p, sheet);
        pgp_int(&p, (int64_t)i);
        pgp_text(&p, headers[i]);
        ret = store_pg__cmd_err(c, "INSERT INTO sheet_headers(sheet, pos, header) VALUES($1,$2,$3)",
                                &p, NULL, err, errlen);
    }
    return ret;
}

char **store_pg__load_headers(pgc_t *c, const char *sheet, size_t *n)
{
    pgp_t p = {0};
    pgp_text(&p, sheet);
    *n = 0;
    PGresult *r =
        store_pg__q(c, "SELECT header FROM sheet_headers WHERE sheet = $1 ORDER BY pos", &p);
    int rows = r ? PQntuples(r) : 0;
    char **v = xmalloc((size_t)(rows ? rows : 1) * sizeof *v);
    for (int i = 0; i < rows; i++) v[(*n)++] = xstrdup(PQgetvalue(r, i, 0));
    PQclear(r);
    return v;
}

void store_pg__free_headers(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

char *store_pg__extra_json(char **extra, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, extra && extra[i] ? json_string(extra[i]) : json_null());
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s ? s : xstrdup("[]");
}

char **store_pg__extra_cells(const char *json, size_t n)
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

int store_pg__remap_unlisted(pgc_t *c, const char *select_sql, const char *update_sql,
                             char **old_h, size_t n_old, char **new_h, size_t n_new, char *err,
                             size_t errlen)
{
    PGresult *sel = store_pg__q(c, select_sql, NULL);
    if (!sel) {
        snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
        return ZE_STORE_UNAVAILABLE;
    }
    int ret = ZE_OK, rows = PQntuples(sel), ncol = PQnfields(sel);
    for (int r = 0; ret == ZE_OK && r < rows; r++) {
        /* select_sql gives (key columns..., extra) with extra last; update_sql takes the same
         * key columns as $1.. and the new extra after them. */
        json_t *old = json_loads(PQgetvalue(sel, r, ncol - 1), 0, NULL);
        char **cells = xcalloc(n_new ? n_new : 1, sizeof *cells);
        for (size_t j = 0; j < n_new; j++)
            for (size_t i = 0; i < n_old && i < json_array_size(old); i++)
                if (strcmp(old_h[i], new_h[j]) == 0) {
                    const char *v = json_string_value(json_array_get(old, i));
                    if (v) cells[j] = xstrdup(v);
                    break;
                }
        char *extra = store_pg__extra_json(cells, n_new);
        for (size_t j = 0; j < n_new; j++) free(cells[j]);
        free(cells);
        json_decref(old);
        pgp_t p = {0};
        for (int k = 0; k < ncol - 1; k++) pgp_text(&p, PQgetvalue(sel, r, k));
        pgp_text(&p, extra);
        ret = store_pg__cmd_err(c, update_sql, &p, NULL, err, errlen);
        free(extra);
    }
    PQclear(sel);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Import                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* A spool already stored takes the sheet's engineering cells and keeps its tracking; a new one
 * is inserted with everything the sheet says. OT and Notas change only when the layout has
 * them ($28, $29): a layout without them must not blank what the store has. */
static const char *const upsert_spool_sql =
    "INSERT INTO spools(row, tag, nv, fecha_materiales, fecha_armado,"
    " fecha_soldadura, fecha_qc, armador, soldador, ocupado_por,"
    " ocupado_worker_id, ocupado_op, fecha_ocupacion, lock_token, version,"
    " metrologia, repair, repair_cycle, estado_detalle, total_uniones,"
    " uniones_arm_completadas, uniones_sold_completadas, pulgadas_arm_c,"
    " pulgadas_sold_c, extra, ot, notas)"
    " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,"
    "$21,$22,$23,$24,$25,$26,$27)"
    " ON CONFLICT(tag) DO UPDATE SET row = excluded.row, nv = excluded.nv,"
    " fecha_materiales = excluded.fecha_materiales, extra = excluded.extra,"
    " ot = CASE WHEN $28::boolean AND " PG_NOT_STALE("excluded.tag")
    " THEN excluded.ot ELSE spools.ot END,"
    " notas = CASE WHEN $29::boolean AND " PG_NOT_STALE("excluded.tag")
    " THEN excluded.notas ELSE spools.notas END";

static int import_spools(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)in->op_headers, in->n_op_headers);
    int has_ot = m.index[COL_OT] >= 0, has_notas = m.index[COL_NOTAS] >= 0;
    /* Spools that the sheet no longer lists keep their data, after the listed ones. */
    int ret = store_pg__cmd_err(c, "UPDATE spools SET row = row + 1000000000", NULL, NULL, err,
                                errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_spools; i++) {
        const spool_t *s = &in->spools[i].spool;
        char *extra = store_pg__extra_json(in->spools[i].extra, in->n_op_headers);
        pgp_t p = {0};
        pgp_int(&p, s->row);
        pgp_text(&p, s->tag);
        pgp_text(&p, s->nv);
        pgp_int(&p, s->fecha_materiales);
        store_pg__params_tracking(&p, s);
        pgp_text(&p, extra);
        pgp_text(&p, s->ot);
        pgp_text(&p, in->spools[i].notas ? in->spools[i].notas : "");
        pgp_bool(&p, has_ot);
        pgp_bool(&p, has_notas);
        ret = store_pg__cmd_err(c, upsert_spool_sql, &p, NULL, err, errlen);
        free(extra);
    }
    return ret;
}

static int import_operaciones(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    size_t n_old = 0;
    char **old_h = store_pg__load_headers(c, "Operaciones", &n_old);
    int ret =
        store_pg__save_headers(c, "Operaciones", in->op_headers, in->n_op_headers, err, errlen);
    if (ret == ZE_OK) ret = import_spools(c, in, err, errlen);
    /* Spools the new sheet no longer lists keep their untracked cells, moved from the old
     * layout's positions to the new layout's by header name. */
    if (ret == ZE_OK)
        ret = store_pg__remap_unlisted(c, "SELECT tag, extra FROM spools WHERE row >= 1000000000",
                                       "UPDATE spools SET extra = $2 WHERE tag = $1", old_h, n_old,
                                       in->op_headers, in->n_op_headers, err, errlen);
    store_pg__free_headers(old_h, n_old);
    return ret;
}

static int import_workers(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    int ret = store_pg__cmd_err(c, "DELETE FROM workers", NULL, NULL, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_workers; i++) {
        const sheet_worker_t *w = &in->workers[i];
        pgp_t p = {0};
        pgp_int(&p, (int64_t)i);
        pgp_int(&p, w->worker.id);
        pgp_text(&p, w->worker.nombre);
        pgp_text(&p, w->worker.apellido);
        pgp_text(&p, w->worker.rol);
        pgp_text(&p, w->activo);
        ret = store_pg__cmd_err(c,
                                "INSERT INTO workers(pos, id, nombre, apellido, rol, activo)"
                                " VALUES($1,$2,$3,$4,$5,$6)",
                                &p, NULL, err, errlen);
        if (ret != ZE_OK)
            snprintf(err, errlen, "Trabajadores: duplicate Id %lld", (long long)w->worker.id);
    }
    if (ret == ZE_OK)
        ret = store_pg__save_headers(c, "Trabajadores", in->worker_headers, in->n_worker_headers,
                                     err, errlen);
    return ret;
}

static int import_roles(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    int ret = store_pg__cmd_err(c, "DELETE FROM roles", NULL, NULL, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_roles; i++) {
        pgp_t p = {0};
        pgp_int(&p, (int64_t)i);
        pgp_int(&p, in->roles[i].worker_id);
        pgp_text(&p, in->roles[i].rol);
        pgp_text(&p, in->roles[i].activo);
        ret = store_pg__cmd_err(c,
                                "INSERT INTO roles(pos, worker_id, rol, activo) VALUES($1,$2,$3,$4)",
                                &p, NULL, err, errlen);
    }
    if (ret == ZE_OK)
        ret = store_pg__save_headers(c, "Roles", in->role_headers, in->n_role_headers, err, errlen);
    return ret;
}

/* Re-importing a Metadata export must not duplicate it: events are keyed by their id. Each new
 * event takes the next sequence number (*seq, the last one handed out). */
static int import_events(pgc_t *c, const sheets_t *in, int64_t *seq, char *err, size_t errlen)
{
    int ret = ZE_OK;
    for (size_t i = 0; ret == ZE_OK && i < in->n_events; i++) {
        const event_rec_t *e = &in->events[i];
        pgp_t p = {0};
        pgp_opt(&p, e->id);
        pgp_int(&p, e->ts);
        pgp_text(&p, e->tipo);
        pgp_text(&p, e->tag);
        pgp_int(&p, e->worker_id);
        pgp_text(&p, e->worker_nombre);
        pgp_text(&p, e->operacion);
        pgp_text(&p, e->accion);
        pgp_int(&p, e->fecha_operacion);
        pgp_text(&p, e->metadata_json);
        pgp_int(&p, e->n_union);
        pgp_int(&p, *seq + 1);
        long rows = 0;
        ret = store_pg__cmd_err(c,
                                "INSERT INTO events(id, ts, tipo, tag, worker_id, worker_nombre,"
                                " operacion, accion, fecha_operacion, metadata_json, live_json,"
                                " n_union, seq) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'',$11,$12)"
                                " ON CONFLICT(id) DO NOTHING",
                                &p, &rows, err, errlen);
        if (rows == 1) ++*seq;
    }
    /* The Metadata layout the sheet came in: ten columns, or eleven with N_UNION. */
    static char *h[] = {"id", "timestamp", "evento_tipo", "tag_spool", "worker_id",
                        "worker_nombre", "operacion", "accion", "fecha_operacion",
                        "metadata_json", "N_UNION"};
    if (ret == ZE_OK)
        ret = store_pg__save_headers(c, "Metadata", h, in->metadata_n_union ? 11 : 10, err,
                                     errlen);
    return ret;
}

/* The stored spools whose version is not the one their sheet row carries (only_current): the
 * sheet has not caught up with them, so their Notas, OT and unions are not taken from it. The
 * list lives in a temporary table of this connection, emptied by every import. */
static int mark_stale(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    int ret = store_pg__cmd_err(c, "CREATE TEMP TABLE IF NOT EXISTS import_stale(tag TEXT"
                                   " COLLATE \"C\" PRIMARY KEY)",
                                NULL, NULL, err, errlen);
    if (ret == ZE_OK)
        ret = store_pg__cmd_err(c, "DELETE FROM import_stale", NULL, NULL, err, errlen);
    for (size_t i = 0; ret == ZE_OK && in->only_current && i < in->n_spools; i++) {
        pgp_t p = {0};
        pgp_text(&p, in->spools[i].spool.tag);
        pgp_int(&p, in->spools[i].spool.version);
        ret = store_pg__cmd_err(c,
                                "INSERT INTO import_stale(tag) SELECT tag FROM spools"
                                " WHERE tag = $1 AND version <> $2::bigint ON CONFLICT DO NOTHING",
                                &p, NULL, err, errlen);
    }
    return ret;
}

int store_pg__import(store_t *st, const sheets_t *in, char *err, size_t errlen)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) {
        snprintf(err, errlen, "the database cannot be reached");
        return ZE_STORE_UNAVAILABLE;
    }
    int64_t seq = 0;
    int ret = store_pg__write_begin(c, &seq);
    if (ret != ZE_OK) snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
    if (ret == ZE_OK) ret = mark_stale(c, in, err, errlen);
    if (ret == ZE_OK && in->n_op_headers) ret = import_operaciones(c, in, err, errlen);
    if (ret == ZE_OK && in->has_unions) ret = store_pg__import_unions(c, in, err, errlen);
    if (ret == ZE_OK) ret = store_pg__import_counters(c, in, err, errlen);
    if (ret == ZE_OK && in->n_worker_headers) ret = import_workers(c, in, err, errlen);
    if (ret == ZE_OK && in->n_role_headers) ret = import_roles(c, in, err, errlen);
    if (ret == ZE_OK && in->has_events) ret = import_events(c, in, &seq, err, errlen);
    ret = store_pg__write_end(ps, c, ret, 1, seq);
    if (ret != ZE_OK && !err[0]) snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
    store_pg__release(ps, c);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Export                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static int export_spools(pgc_t *c, sheets_t *out)
{
    PGresult *r = store_pg__q(
        c, "SELECT " PG_SPOOL_COLS ", extra, notas FROM spools ORDER BY row, tag", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int n = PQntuples(r);
    out->spools = xcalloc((size_t)(n ? n : 1), sizeof *out->spools);
    for (int i = 0; i < n; i++) {
        sheet_spool_t *s = &out->spools[out->n_spools++];
        store_pg__read_spool(r, i, &s->spool);
        s->extra = store_pg__extra_cells(PQgetvalue(r, i, PG_SPOOL_NCOLS), out->n_op_headers);
        const char *notas = store_pg__text(r, i, PG_SPOOL_NCOLS + 1);
        if (notas && notas[0]) s->notas = xstrdup(notas);
    }
    PQclear(r);
    return ZE_OK;
}

static int export_workers(pgc_t *c, sheets_t *out)
{
    PGresult *r =
        store_pg__q(c, "SELECT id, nombre, apellido, rol, activo FROM workers ORDER BY pos", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int n = PQntuples(r);
    out->workers = xcalloc((size_t)(n ? n : 1), sizeof *out->workers);
    for (int i = 0; i < n; i++) {
        sheet_worker_t *w = &out->workers[out->n_workers++];
        w->worker.id = store_pg__int(r, i, 0);
        store_pg__copy(w->worker.nombre, sizeof w->worker.nombre, r, i, 1);
        store_pg__copy(w->worker.apellido, sizeof w->worker.apellido, r, i, 2);
        store_pg__copy(w->worker.rol, sizeof w->worker.rol, r, i, 3);
        store_pg__copy(w->activo, sizeof w->activo, r, i, 4);
    }
    PQclear(r);
    r = store_pg__q(c, "SELECT worker_id, rol, activo FROM roles ORDER BY pos", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    n = PQntuples(r);
    out->roles = xcalloc((size_t)(n ? n : 1), sizeof *out->roles);
    for (int i = 0; i < n; i++) {
        sheet_role_t *ro = &out->roles[out->n_roles++];
        ro->worker_id = store_pg__int(r, i, 0);
        store_pg__copy(ro->rol, sizeof ro->rol, r, i, 1);
        store_pg__copy(ro->activo, sizeof ro->activo, r, i, 2);
    }
    PQclear(r);
    return ZE_OK;
}

static int export_events(pgc_t *c, sheets_t *out)
{
    PGresult *r = store_pg__q(c, "SELECT " PG_EVENT_COLS " FROM events ORDER BY seq", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int n = PQntuples(r);
    out->has_events = 1;
    out->events = xcalloc((size_t)(n ? n : 1), sizeof *out->events);
    for (int i = 0; i < n; i++) {
        event_rec_t *e = &out->events[out->n_events++];
        store_pg__read_event(r, i, e);
        e->live_json[0] = '\0'; /* not a sheet column */
    }
    PQclear(r);
    size_t nh = 0;
    char **h = store_pg__load_headers(c, "Metadata", &nh);
    out->metadata_n_union = nh >= 11; /* the writer adds it anyway for per-union events */
    store_pg__free_headers(h, nh);
    return ZE_OK;
}

int store_pg__export(store_t *st, sheets_t *out)
{
    memset(out, 0, sizeof *out);
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    /* One snapshot: the sheets are consistent with each other. */
    int ret = store_pg__cmd(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL);
    if (ret == ZE_OK) {
        out->op_headers = store_pg__load_headers(c, "Operaciones", &out->n_op_headers);
        out->worker_headers = store_pg__load_headers(c, "Trabajadores", &out->n_worker_headers);
        out->role_headers = store_pg__load_headers(c, "Roles", &out->n_role_headers);
        ret = export_spools(c, out);
    }
    if (ret == ZE_OK) ret = store_pg__export_unions(c, out);
    if (ret == ZE_OK) ret = export_workers(c, out);
    if (ret == ZE_OK) ret = export_events(c, out);
    if (ret == ZE_OK) ret = store_pg__cmd(c, "COMMIT", NULL, NULL);
    store_pg__release(ps, c);
    if (ret != ZE_OK) sheets_free(out);
    return ret;
}
