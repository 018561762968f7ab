/* The Uniones sheet in the bulk paths of the PostgreSQL backend, and the rule import keeps for
 * the union counters of Operaciones: in the store they always equal the unions they count (as
 * in store_sqlite_bulk_unions.c). Runs inside the transactions of store_pg__import and
 * store_pg__export (store_pg_bulk.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_codec.h"
#include "core/sheet_map.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Import                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* A union of a known spool is inserted with everything the sheet says; one already stored
 * takes the sheet's engineering cells (OT, DN, TIPO, position, verbatim cells) and keeps its
 * tracking. A change of OT, DN or TIPO raises its version, so a concurrent commit that read
 * the old union loses its compare-and-set instead of writing it back. A union the store does
 * not have and deleted after $14 (sheets_t.deleted_after) is not inserted: the sheet was read
 * while its row was still there. */
static const char *const upsert_sql =
    "INSERT INTO uniones(tag, n, pos, ot, dn_c, tipo, arm_inicio, arm_fin, arm_worker,"
    " sol_inicio, sol_fin, sol_worker, version, extra)"
    " SELECT $1::text, $2::integer, $3::bigint, $4::text, $5::bigint, $6::text, $7::bigint,"
    " $8::bigint, $9::text, $10::bigint, $11::bigint, $12::text, 1, $13::text"
    " WHERE EXISTS (SELECT 1 FROM spools WHERE tag = $1::text) AND " PG_NOT_STALE("$1::text")
    " AND (EXISTS (SELECT 1 FROM uniones WHERE tag = $1::text AND n = $2::integer)"
    " OR NOT EXISTS (SELECT 1 FROM union_deletions d WHERE d.tag = $1::text"
    " AND d.n = $2::integer AND d.seq > $14::bigint))"
    " ON CONFLICT(tag, n) DO UPDATE SET pos = excluded.pos, ot = excluded.ot,"
    " dn_c = excluded.dn_c, tipo = excluded.tipo, extra = excluded.extra,"
    " version = uniones.version + CASE WHEN uniones.ot IS DISTINCT FROM excluded.ot"
    " OR uniones.dn_c IS DISTINCT FROM excluded.dn_c"
    " OR uniones.tipo IS DISTINCT FROM excluded.tipo THEN 1 ELSE 0 END";

/* A union of a spool marked stale (sheets_t.only_current) keeps all it has but takes its
 * position from the sheet, so the Uniones order stays the office's. */
static const char *const stale_pos_sql =
    "UPDATE uniones SET pos = $3::bigint WHERE tag = $1 AND n = $2::integer AND NOT "
    PG_NOT_STALE("$1::text");

static int upsert_unions(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    int ret = ZE_OK;
    for (size_t i = 0; ret == ZE_OK && i < in->n_unions; i++) {
        const zunion_t *u = &in->unions[i].u;
        char *extra = store_pg__extra_json(in->unions[i].extra, in->n_union_headers);
        pgp_t p = {0};
        pgp_text(&p, u->tag);
        pgp_int(&p, u->n);
        pgp_int(&p, (int64_t)i + 1);
        pgp_text(&p, u->ot);
        pgp_int(&p, u->dn_c);
        pgp_text(&p, u->tipo);
        pgp_int(&p, u->arm_inicio);
        pgp_int(&p, u->arm_fin);
        pgp_text(&p, u->arm_worker);
        pgp_int(&p, u->sol_inicio);
        pgp_int(&p, u->sol_fin);
        pgp_text(&p, u->sol_worker);
        pgp_text(&p, extra);
        pgp_int(&p, in->only_current ? in->deleted_after : INT64_MAX);
        char why[256] = "";
        ret = store_pg__cmd_err(c, upsert_sql, &p, NULL, why, sizeof why);
        if (ret == ZE_OK) {
            pgp_t q = {0};
            pgp_text(&q, u->tag);
            pgp_int(&q, u->n);
            pgp_int(&q, (int64_t)i + 1);
            ret = store_pg__cmd_err(c, stale_pos_sql, &q, NULL, why, sizeof why);
        }
        if (ret != ZE_OK) snprintf(err, errlen, "Uniones: %s/%d: %s", u->tag, u->n, why);
        free(extra);
    }
    return ret;
}

int store_pg__import_unions(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    size_t n_old = 0;
    char **old_h = store_pg__load_headers(c, "Uniones", &n_old);
    int ret =
        store_pg__save_headers(c, "Uniones", in->union_headers, in->n_union_headers, err, errlen);
    /* Unions the sheet no longer lists are kept (the tablets may have created them), after the
     * listed ones. */
    if (ret == ZE_OK)
        ret = store_pg__cmd_err(c, "UPDATE uniones SET pos = pos + 1000000000", NULL, NULL, err,
                                errlen);
    if (ret == ZE_OK) ret = upsert_unions(c, in, err, errlen);
    if (ret == ZE_OK)
        ret = store_pg__remap_unlisted(
            c, "SELECT tag, n, extra FROM uniones WHERE pos >= 1000000000",
            "UPDATE uniones SET extra = $3 WHERE tag = $1 AND n = $2::integer", old_h, n_old,
            in->union_headers, in->n_union_headers, err, errlen);
    store_pg__free_headers(old_h, n_old);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Counters                                                                                    */
/* ------------------------------------------------------------------------------------------ */

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

/* A listed spool without unions takes the counter cells its sheet has. Parameters: $1 tag,
 * then (has, value) per counter column. */
static const char *const sheet_counters_sql =
    "UPDATE spools SET"
    " total_uniones = CASE WHEN $2::boolean THEN $3::bigint ELSE total_uniones END,"
    " uniones_arm_completadas = CASE WHEN $4::boolean THEN $5::bigint"
    " ELSE uniones_arm_completadas END,"
    " uniones_sold_completadas = CASE WHEN $6::boolean THEN $7::bigint"
    " ELSE uniones_sold_completadas END,"
    " pulgadas_arm_c = CASE WHEN $8::boolean THEN $9::bigint ELSE pulgadas_arm_c END,"
    " pulgadas_sold_c = CASE WHEN $10::boolean THEN $11::bigint ELSE pulgadas_sold_c END,"
    " version = version + 1"
    " WHERE tag = $1 AND NOT EXISTS (SELECT 1 FROM uniones WHERE uniones.tag = $1)"
    " AND (($2::boolean AND total_uniones IS DISTINCT FROM $3::bigint)"
    " OR ($4::boolean AND uniones_arm_completadas IS DISTINCT FROM $5::bigint)"
    " OR ($6::boolean AND uniones_sold_completadas IS DISTINCT FROM $7::bigint)"
    " OR ($8::boolean AND pulgadas_arm_c IS DISTINCT FROM $9::bigint)"
    " OR ($10::boolean AND pulgadas_sold_c IS DISTINCT FROM $11::bigint))";

static int sheet_counters(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)in->op_headers, in->n_op_headers);
    int any = 0;
    for (int k = 0; k < 5; k++) any |= m.index[counter_cols[k]] >= 0;
    if (!any) return ZE_OK;
    int ret = ZE_OK;
    for (size_t i = 0; ret == ZE_OK && i < in->n_spools; i++) {
        int64_t v[5];
        counter_values(&in->spools[i].spool, v);
        pgp_t p = {0};
        pgp_text(&p, in->spools[i].spool.tag);
        for (int k = 0; k < 5; k++) {
            pgp_bool(&p, m.index[counter_cols[k]] >= 0);
            pgp_count(&p, v[k]);
        }
        ret = store_pg__cmd_err(c, sheet_counters_sql, &p, NULL, err, errlen);
    }
    return ret;
}

/* Every spool with unions: its counters as its unions give them, written where they differ. */
static const char *const union_counters_sql =
    "UPDATE spools SET total_uniones = $2::bigint, uniones_arm_completadas = $3::bigint,"
    " uniones_sold_completadas = $4::bigint, pulgadas_arm_c = $5::bigint,"
    " pulgadas_sold_c = $6::bigint, version = version + 1"
    " WHERE tag = $1 AND (total_uniones IS DISTINCT FROM $2::bigint"
    " OR uniones_arm_completadas IS DISTINCT FROM $3::bigint"
    " OR uniones_sold_completadas IS DISTINCT FROM $4::bigint"
    " OR pulgadas_arm_c IS DISTINCT FROM $5::bigint OR pulgadas_sold_c IS DISTINCT FROM $6::bigint)";

static int write_union_counters(pgc_t *c, const zunion_t *u, size_t n, char *err, size_t errlen)
{
    spool_t s;
    int64_t v[5];
    sheet_codec_union_counters(u, n, &s);
    counter_values(&s, v);
    pgp_t p = {0};
    pgp_text(&p, u[0].tag);
    for (int k = 0; k < 5; k++) pgp_int(&p, v[k]);
    return store_pg__cmd_err(c, union_counters_sql, &p, NULL, err, errlen);
}

static int union_counters(pgc_t *c, char *err, size_t errlen)
{
    PGresult *r = store_pg__q(c, "SELECT " PG_UNION_COLS " FROM uniones ORDER BY tag, n", NULL);
    if (!r) {
        snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
        return ZE_STORE_UNAVAILABLE;
    }
    zunion_t *u = xmalloc(ZUNION_MAX * sizeof *u);
    size_t n = 0;
    int ret = ZE_OK, rows = PQntuples(r);
    for (int i = 0; ret == ZE_OK && i < rows; i++) {
        zunion_t next;
        store_pg__read_union(r, i, 0, &next);
        if (n > 0 && (strcmp(next.tag, u[0].tag) != 0 || n == ZUNION_MAX)) {
            ret = write_union_counters(c, u, n, err, errlen);
            n = 0;
        }
        u[n++] = next;
    }
    if (ret == ZE_OK && n > 0) ret = write_union_counters(c, u, n, err, errlen);
    free(u);
    PQclear(r);
    return ret;
}

int store_pg__import_counters(pgc_t *c, const sheets_t *in, char *err, size_t errlen)
{
    int ret = in->n_op_headers ? sheet_counters(c, in, err, errlen) : ZE_OK;
    if (ret == ZE_OK) ret = union_counters(c, err, errlen);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Export                                                                                      */
/* ------------------------------------------------------------------------------------------ */

int store_pg__export_unions(pgc_t *c, sheets_t *out)
{
    out->has_unions = 1;
    out->union_headers = store_pg__load_headers(c, "Uniones", &out->n_union_headers);
    PGresult *r =
        store_pg__q(c, "SELECT " PG_UNION_COLS ", extra FROM uniones ORDER BY pos, tag, n", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int n = PQntuples(r);
    out->unions = xcalloc((size_t)(n ? n : 1), sizeof *out->unions);
    for (int i = 0; i < n; i++) {
        sheet_union_t *su = &out->unions[out->n_unions++];
        store_pg__read_union(r, i, 0, &su->u);
        const char *extra = PQgetvalue(r, i, PG_UNION_NCOLS);
        /* '[]' is a union ZEUES created: no cells of its own, the writer gives it its ID */
        if (extra && strcmp(extra, "[]") != 0)
            su->extra = store_pg__extra_cells(extra, out->n_union_headers);
    }
    PQclear(r);
    return ZE_OK;
}
