/* The Uniones sheet in the bulk paths of the SQLite backend, and the rule import keeps for the
 * union counters of Operaciones: in the store they always equal the unions they count. Runs
 * inside the transactions of store_sqlite__import / store_sqlite__export (store_sqlite_bulk.c). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_codec.h"
#include "core/sheet_map.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Import                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* A union of a spool the store knows is inserted with everything the sheet says; one that is
 * already stored takes the sheet's engineering cells (OT, DN, TIPO, its position and its
 * verbatim cells) and keeps its tracking (ARM/SOLD dates and workers), like a spool keeps its
 * occupation on re-import. A change of OT, DN or TIPO raises its version, so a concurrent
 * commit that read the old union loses its compare-and-set instead of writing it back. A
 * union the store does not have and deleted after ?14 (sheets_t.deleted_after) is not
 * inserted: the sheet was read while its row was still there. */
static const char *const upsert_sql =
    "INSERT INTO uniones(tag, n, pos, ot, dn_c, tipo, arm_inicio, arm_fin, arm_worker,"
    " sol_inicio, sol_fin, sol_worker, version, extra)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13"
    " WHERE EXISTS (SELECT 1 FROM spools WHERE tag = ?1) AND " NOT_STALE
    " AND (EXISTS (SELECT 1 FROM uniones WHERE tag = ?1 AND n = ?2)"
    " OR NOT EXISTS (SELECT 1 FROM union_deletions d WHERE d.tag = ?1 AND d.n = ?2"
    " AND d.seq > ?14))"
    " ON CONFLICT(tag, n) DO UPDATE SET pos = excluded.pos, ot = excluded.ot,"
    " dn_c = excluded.dn_c, tipo = excluded.tipo, extra = excluded.extra,"
    " version = version + (ot IS NOT excluded.ot OR dn_c IS NOT excluded.dn_c"
    " OR tipo IS NOT excluded.tipo)";

/* A union of a spool marked stale (sheets_t.only_current) keeps all it has but takes its
 * position from the sheet, so the Uniones order stays the office's. */
static const char *const stale_pos_sql =
    "UPDATE uniones SET pos = ?3 WHERE tag = ?1 AND n = ?2 AND NOT " NOT_STALE;

static int upsert_unions(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL, *pos = NULL;
    int ret = store_sqlite__bulk_prep(db, upsert_sql, &q, err, errlen);
    if (ret == ZE_OK) ret = store_sqlite__bulk_prep(db, stale_pos_sql, &pos, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_unions; i++) {
        const zunion_t *u = &in->unions[i].u;
        char *extra = store_sqlite__extra_json(in->unions[i].extra, in->n_union_headers);
        sqlite3_bind_text(q, 1, u->tag, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, u->n);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)i + 1);
        sqlite3_bind_text(q, 4, u->ot, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, u->dn_c);
        sqlite3_bind_text(q, 6, u->tipo, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 7, u->arm_inicio);
        sqlite3_bind_int64(q, 8, u->arm_fin);
        sqlite3_bind_text(q, 9, u->arm_worker, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 10, u->sol_inicio);
        sqlite3_bind_int64(q, 11, u->sol_fin);
        sqlite3_bind_text(q, 12, u->sol_worker, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 13, extra, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 14, in->only_current ? in->deleted_after : INT64_MAX);
        free(extra);
        ret = store_sqlite__bulk_step(db, q, err, errlen);
        if (ret == ZE_OK) {
            sqlite3_bind_text(pos, 1, u->tag, -1, SQLITE_STATIC);
            sqlite3_bind_int(pos, 2, u->n);
            sqlite3_bind_int64(pos, 3, (sqlite3_int64)i + 1);
            ret = store_sqlite__bulk_step(db, pos, err, errlen);
        }
        if (ret != ZE_OK)
            snprintf(err, errlen, "Uniones: %s/%d: %s", u->tag, u->n, sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    sqlite3_finalize(pos);
    return ret;
}

int store_sqlite__import_unions(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    size_t n_old = 0;
    char **old_h = store_sqlite__load_headers(db, "Uniones", &n_old);
    int ret = store_sqlite__save_headers(db, "Uniones", in->union_headers, in->n_union_headers,
                                         err, errlen);
    /* Unions the sheet no longer lists are kept (the tablets may have created them; an import
     * never deletes tracked work), after the listed ones. */
    if (ret == ZE_OK)
        ret = store_sqlite__bulk_run(db, "UPDATE uniones SET pos = pos + 1000000000", err, errlen);
    if (ret == ZE_OK) ret = upsert_unions(db, in, err, errlen);
    if (ret == ZE_OK)
        ret = store_sqlite__remap_unlisted(
            db, "SELECT tag, n, extra FROM uniones WHERE pos >= 1000000000",
            "UPDATE uniones SET extra = ?3 WHERE tag = ?1 AND n = ?2", old_h, n_old,
            in->union_headers, in->n_union_headers, err, errlen);
    store_sqlite__free_headers(old_h, n_old);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Counters                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The counter columns of spools, in the order the statements below bind them. */
static const sheet_col_t counter_cols[5] = {COL_TOTAL_UNIONES, COL_UNIONES_ARM,
                                            COL_UNIONES_SOLD, COL_PULGADAS_ARM,
                                            COL_PULGADAS_SOLD};

static void counter_values(const spool_t *s, int64_t v[5])
{
    v[0] = s->total_uniones;
    v[1] = s->uniones_arm_done;
    v[2] = s->uniones_sold_done;
    v[3] = s->pulgadas_arm_c;
    v[4] = s->pulgadas_sold_c;
}

/* A listed spool without unions takes the counter cells its sheet has (for it they are plain
 * cells: nothing counts them). Parameters: ?1 tag, then (has, value) per counter column. */
static const char *const sheet_counters_sql =
    "UPDATE spools SET"
    " total_uniones = CASE WHEN ?2 THEN ?3 ELSE total_uniones END,"
    " uniones_arm_completadas = CASE WHEN ?4 THEN ?5 ELSE uniones_arm_completadas END,"
    " uniones_sold_completadas = CASE WHEN ?6 THEN ?7 ELSE uniones_sold_completadas END,"
    " pulgadas_arm_c = CASE WHEN ?8 THEN ?9 ELSE pulgadas_arm_c END,"
    " pulgadas_sold_c = CASE WHEN ?10 THEN ?11 ELSE pulgadas_sold_c END,"
    " version = version + 1"
    " WHERE tag = ?1 AND NOT EXISTS (SELECT 1 FROM uniones WHERE uniones.tag = ?1)"
    " AND ((?2 AND total_uniones IS NOT ?3) OR (?4 AND uniones_arm_completadas IS NOT ?5)"
    " OR (?6 AND uniones_sold_completadas IS NOT ?7) OR (?8 AND pulgadas_arm_c IS NOT ?9)"
    " OR (?10 AND pulgadas_sold_c IS NOT ?11))";

static int sheet_counters(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)in->op_headers, in->n_op_headers);
    int any = 0;
    for (int k = 0; k < 5; k++) any |= m.index[counter_cols[k]] >= 0;
    if (!any) return ZE_OK;
    sqlite3_stmt *q = NULL;
    int ret = store_sqlite__bulk_prep(db, sheet_counters_sql, &q, err, errlen);
    for (size_t i = 0; ret == ZE_OK && i < in->n_spools; i++) {
        int64_t v[5];
        counter_values(&in->spools[i].spool, v);
        sqlite3_bind_text(q, 1, in->spools[i].spool.tag, -1, SQLITE_STATIC);
        for (int k = 0; k < 5; k++) {
            sqlite3_bind_int(q, 2 + 2 * k, m.index[counter_cols[k]] >= 0);
            store_sqlite__bind_count(q, 3 + 2 * k, v[k]);
        }
        ret = store_sqlite__bulk_step(db, q, err, errlen);
    }
    sqlite3_finalize(q);
    return ret;
}

/* Every spool with unions: its counters as its unions give them (sheet_codec_union_counters,
 * the rule the codec warns with), written only where they differ. */
static const char *const union_counters_sql =
    "UPDATE spools SET total_uniones = ?2, uniones_arm_completadas = ?3,"
    " uniones_sold_completadas = ?4, pulgadas_arm_c = ?5, pulgadas_sold_c = ?6,"
    " version = version + 1"
    " WHERE tag = ?1 AND (total_uniones IS NOT ?2 OR uniones_arm_completadas IS NOT ?3"
    " OR uniones_sold_completadas IS NOT ?4 OR pulgadas_arm_c IS NOT ?5"
    " OR pulgadas_sold_c IS NOT ?6)";

static int write_union_counters(sqlite3 *db, sqlite3_stmt *upd, const zunion_t *u, size_t n,
                                char *err, size_t errlen)
{
    spool_t s;
    int64_t v[5];
    sheet_codec_union_counters(u, n, &s);
    counter_values(&s, v);
    sqlite3_bind_text(upd, 1, u[0].tag, -1, SQLITE_STATIC);
    for (int k = 0; k < 5; k++) sqlite3_bind_int64(upd, 2 + k, v[k]);
    return store_sqlite__bulk_step(db, upd, err, errlen);
}

static int union_counters(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int ret = store_sqlite__bulk_prep(db, "SELECT " UNION_COLS " FROM uniones ORDER BY tag, n",
                                      &sel, err, errlen);
    if (ret == ZE_OK) ret = store_sqlite__bulk_prep(db, union_counters_sql, &upd, err, errlen);
    zunion_t *u = xmalloc(ZUNION_MAX * sizeof *u);
    size_t n = 0;
    int rc = SQLITE_DONE;
    while (ret == ZE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        zunion_t next;
        store_sqlite__read_union(sel, 0, &next);
        if (n > 0 && (strcmp(next.tag, u[0].tag) != 0 || n == ZUNION_MAX)) {
            ret = write_union_counters(db, upd, u, n, err, errlen);
            n = 0;
        }
        u[n++] = next;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        ret = ZE_STORE_UNAVAILABLE;
    }
    if (ret == ZE_OK && n > 0) ret = write_union_counters(db, upd, u, n, err, errlen);
    free(u);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return ret;
}

int store_sqlite__import_counters(sqlite3 *db, const sheets_t *in, char *err, size_t errlen)
{
    int ret = in->n_op_headers ? sheet_counters(db, in, err, errlen) : ZE_OK;
    if (ret == ZE_OK) ret = union_counters(db, err, errlen);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Export                                                                                      */
/* ------------------------------------------------------------------------------------------ */

int store_sqlite__export_unions(sqlite3 *db, sheets_t *out)
{
    out->has_unions = 1;
    out->union_headers = store_sqlite__load_headers(db, "Uniones", &out->n_union_headers);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " UNION_COLS ", extra FROM uniones ORDER BY pos, tag, n",
                           -1, &q, NULL) != SQLITE_OK)
        return ZE_STORE_UNAVAILABLE;
    size_t cap = 256;
    out->unions = xmalloc(cap * sizeof *out->unions);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (out->n_unions == cap)
            out->unions = xrealloc(out->unions, (cap *= 2) * sizeof *out->unions);
        sheet_union_t *su = &out->unions[out->n_unions++];
        memset(su, 0, sizeof *su);
        store_sqlite__read_union(q, 0, &su->u);
        const char *extra = (const char *)sqlite3_column_text(q, UNION_NCOLS);
        /* '[]' is a union ZEUES created: no cells of its own, the writer gives it its ID */
        if (extra && strcmp(extra, "[]") != 0)
            su->extra = store_sqlite__extra_cells(extra, out->n_union_headers);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
}
