/* Moving a plant from SQLite to PostgreSQL (`zeues migrate`): every table of the SQLite store
 * copied row by row into an empty PostgreSQL store, in one PostgreSQL transaction, with every
 * value as it is stored (unknown spreadsheet columns, event sequence numbers, ids, hashes and
 * timestamps included), then the row counts of both sides compared before the commit. The
 * only file that reads a SQLite database without the SQLite backend's ops, because the ops do
 * not hand out everything (device secrets' hashes, the snapshots, the tracked list's times):
 * a copy must not go through an interface that drops what it does not need. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"

/* The tables in copy order (spools before the unions that refer to them) and their columns:
 * the same names on both sides (store_sqlite_schema.c, store_pg_schema.c). */
static const struct table {
    const char *name, *cols, *order, *insert_extra;
} tables[] = {
    {"sheet_headers", "sheet, pos, header", "sheet, pos", ""},
    {"spools",
     "row, tag, nv, fecha_materiales, fecha_armado, fecha_soldadura, fecha_qc, armador,"
     " soldador, ocupado_por, ocupado_worker_id, ocupado_op, fecha_ocupacion, lock_token,"
     " version, metrologia, repair, repair_cycle, estado_detalle, extra, ot, total_uniones,"
     " uniones_arm_completadas, uniones_sold_completadas, pulgadas_arm_c, pulgadas_sold_c, notas",
     "row, tag", ""},
    {"workers", "pos, id, nombre, apellido, rol, activo", "pos", ""},
    {"roles", "pos, worker_id, rol, activo", "pos", ""},
    {"events",
     "seq, id, ts, tipo, tag, worker_id, worker_nombre, operacion, accion, fecha_operacion,"
     " metadata_json, live_json, n_union",
     "seq", ""},
    {"uniones",
     "tag, n, pos, ot, dn_c, tipo, arm_inicio, arm_fin, arm_worker, sol_inicio, sol_fin,"
     " sol_worker, version, extra",
     "pos, tag, n", ""},
    {"tracked", "tag, pos, added_at, updated_at, notes", "pos, tag", ""},
    {"audit", "seq, id, ts, session_id, event_type, tag, modal, route, payload_json", "seq",
     " OVERRIDING SYSTEM VALUE"},
    {"snapshots", "id, captured_at, raw, user_agent", "id", ""},
    {"devices",
     "id, name, created_at, code_hash, code_expires, token_hash, enrolled_at, last_seen,"
     " revoked_at",
     "id", ""},
    {"sync_state", "name, value", "name", ""},
    {"supervisors", "id, name, pw_hash, created_at, updated_at", "id", ""},
    {"sessions", "token_hash, supervisor_id, created_at, expires_at", "token_hash", ""},
    {"worker_pins", "worker_id, pin_hash, set_at, failures, last_failure, locked_at",
     "worker_id", ""},
    {"pin_sessions", "device_id, worker_id, expires_at", "device_id, worker_id", ""},
    {"union_deletions", "tag, n, seq, deleted_at", "tag, n", ""},
};
#define N_TABLES (sizeof tables / sizeof tables[0])

static int count_cols(const char *cols)
{
    int n = 1;
    for (const char *p = cols; *p; p++) n += *p == ',';
    return n;
}

/* The INSERT of table t with its parameters $1..$n (the SQL holds names only, never values). */
static char *insert_sql(const struct table *t)
{
    int n = count_cols(t->cols);
    size_t len = strlen(t->name) + strlen(t->cols) + strlen(t->insert_extra) + 64 + (size_t)n * 6;
    char *sql = xmalloc(len);
    int off = snprintf(sql, len, "INSERT INTO %s(%s)%s VALUES(", t->name, t->cols,
                       t->insert_extra);
    for (int i = 1; i <= n; i++)
        off += snprintf(sql + off, len - (size_t)off, "%s$%d", i > 1 ? "," : "", i);
    snprintf(sql + off, len - (size_t)off, ")");
    return sql;
}

static int64_t pg_count(pgc_t *c, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    PGresult *r = store_pg__q(c, sql, NULL);
    int64_t n = r && PQntuples(r) == 1 ? store_pg__int(r, 0, 0) : -1;
    PQclear(r);
    return n;
}

static int64_t sqlite_count(sqlite3 *db, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static int copy_table(sqlite3 *db, pgc_t *c, const struct table *t, int64_t *copied, char *err,
                      size_t errlen)
{
    char sel[1024];
    snprintf(sel, sizeof sel, "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->order);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sel, -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", t->name, sqlite3_errmsg(db));
        return ZE_STORE_UNAVAILABLE;
    }
    char *ins = insert_sql(t);
    int n = count_cols(t->cols), rc, ret = ZE_OK;
    *copied = 0;
    while (ret == ZE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        pgp_t p = {0};
        for (int i = 0; i < n; i++) {
            /* Every value as text (NULL stays NULL): PostgreSQL parses it into its column. */
            const unsigned char *v = sqlite3_column_text(q, i);
            p.v[p.n++] = v ? (const char *)v : NULL;
        }
        char why[512] = "";
        ret = store_pg__cmd_err(c, ins, &p, NULL, why, sizeof why);
        if (ret != ZE_OK) snprintf(err, errlen, "%s row %lld: %s", t->name,
                                   (long long)*copied + 1, why);
        else ++*copied;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", t->name, sqlite3_errmsg(db));
        ret = ZE_STORE_UNAVAILABLE;
    }
    free(ins);
    sqlite3_finalize(q);
    return ret;
}

/* Rows of every table of the PostgreSQL store. */
static int64_t pg_rows(pgc_t *c)
{
    int64_t total = 0;
    for (size_t i = 0; i < N_TABLES; i++) {
        int64_t n = pg_count(c, tables[i].name);
        if (n < 0) return -1;
        total += n;
    }
    return total;
}

/* Drops every table of the PostgreSQL store (--force), so that reopening it creates them
 * empty. The append-only triggers refuse DELETE and TRUNCATE, not DROP: replacing a whole
 * store is the operator's explicit decision. */
static int drop_all(pgc_t *c, char *err, size_t errlen)
{
    static const char *const sql =
        "DROP TABLE IF EXISTS union_deletions, pin_sessions, worker_pins, sessions, supervisors,"
        " sync_state,"
        " uniones, devices, snapshots, audit, tracked, events, counters,"
        " roles, workers, sheet_headers, spools, zeues_schema CASCADE;"
        " DROP FUNCTION IF EXISTS zeues_append_only()";
    PGresult *r = PQexec(c->pg, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) snprintf(err, errlen, "cannot empty the target: %s", PQerrorMessage(c->pg));
    PQclear(r);
    return ok ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

static int copy_all(sqlite3 *db, pg_store_t *ps, pgc_t *c, FILE *out, char *err, size_t errlen)
{
    int64_t seq = 0;
    int ret = store_pg__write_begin(c, &seq);
    if (ret != ZE_OK) snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
    int64_t copied[N_TABLES] = {0};
    for (size_t i = 0; ret == ZE_OK && i < N_TABLES; i++)
        ret = copy_table(db, c, &tables[i], &copied[i], err, errlen);
    /* The identities continue after the copied rows; the event counter after the last event. */
    if (ret == ZE_OK &&
        (store_pg__cmd(c,
                       "SELECT setval(pg_get_serial_sequence('audit', 'seq'),"
                       " COALESCE(MAX(seq), 0) + 1, false) FROM audit",
                       NULL, NULL) != ZE_OK ||
         store_pg__cmd(c,
                       "SELECT setval(pg_get_serial_sequence('devices', 'id'),"
                       " COALESCE(MAX(id), 0) + 1, false) FROM devices",
                       NULL, NULL) != ZE_OK ||
         store_pg__cmd(c,
                       "SELECT setval(pg_get_serial_sequence('supervisors', 'id'),"
                       " COALESCE(MAX(id), 0) + 1, false) FROM supervisors",
                       NULL, NULL) != ZE_OK))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK) {
        PGresult *r = store_pg__q(c, "SELECT COALESCE(MAX(seq), 0) FROM events", NULL);
        if (r) seq = store_pg__int(r, 0, 0);
        else ret = ZE_STORE_UNAVAILABLE;
        PQclear(r);
    }
    /* Verified before the commit: what the target holds is what the source holds. */
    for (size_t i = 0; ret == ZE_OK && i < N_TABLES; i++) {
        int64_t src = sqlite_count(db, tables[i].name), dst = pg_count(c, tables[i].name);
        if (src != dst || dst != copied[i]) {
            snprintf(err, errlen, "%s: %lld rows in the source, %lld in the target", tables[i].name,
                     (long long)src, (long long)dst);
            ret = ZE_STORE_UNAVAILABLE;
        }
    }
    if (ret != ZE_OK && !err[0]) snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
    ret = store_pg__write_end(ps, c, ret, 1, seq);
    if (ret == ZE_OK)
        for (size_t i = 0; i < N_TABLES; i++)
            fprintf(out, "%-14s %lld\n", tables[i].name, (long long)copied[i]);
    else if (!err[0])
        snprintf(err, errlen, "commit failed: %s", PQerrorMessage(c->pg));
    return ret;
}

int store_pg_migrate_from_sqlite(const char *sqlite_path, const char *pg_url, int force,
                                 FILE *out, char *err, size_t errlen)
{
    err[0] = '\0';
    /* Opening the source through its backend first brings an older file to the current
     * schema (and copies its WAL into it). */
    store_t *src = store_sqlite_open(sqlite_path, err, errlen);
    if (!src) return ZE_STORE_UNAVAILABLE;
    store_close(src);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(sqlite_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", sqlite_path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return ZE_STORE_UNAVAILABLE;
    }
    int ret = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? ZE_OK
                                                                       : ZE_STORE_UNAVAILABLE;
    pg_store_t *ps = NULL;
    pgc_t *c = NULL;
    for (int attempt = 0; ret == ZE_OK && attempt < 2; attempt++) {
        ps = (pg_store_t *)store_pg_open(pg_url, err, errlen);
        if (!ps || !(c = store_pg__acquire(ps))) {
            if (ps && !err[0]) snprintf(err, errlen, "cannot connect to the target");
            ret = ZE_STORE_UNAVAILABLE;
            break;
        }
        int64_t rows = pg_rows(c);
        if (rows == 0) break;
        if (rows < 0) {
            snprintf(err, errlen, "cannot read the target: %s", PQerrorMessage(c->pg));
            ret = ZE_STORE_UNAVAILABLE;
        } else if (!force || attempt > 0) {
            snprintf(err, errlen,
                     "the target already holds %lld rows; migrate copies into an empty store"
                     " only (--force replaces everything in it)",
                     (long long)rows);
            ret = ZE_BAD_REQUEST;
        } else {
            ret = drop_all(c, err, errlen);
        }
        store_pg__release(ps, c);
        c = NULL;
        store_close(&ps->base);
        ps = NULL;
    }
    if (ret == ZE_OK) ret = copy_all(db, ps, c, out, err, errlen);
    if (ps) {
        store_pg__release(ps, c);
        store_close(&ps->base);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return ret;
}
