/* The schema of the PostgreSQL backend and its migrations. The version is the one row of
 * zeues_schema; each step takes the database from version N to N+1 and all of them run in one
 * transaction under an advisory lock, so two instances starting at once migrate it once, and
 * a database is either migrated completely or left as it was. The tables mirror the SQLite
 * backend's (store_sqlite_schema.c, version 4), with one difference: the event sequence and
 * the generation live in the one row of counters, which every write transaction locks first
 * (store_pg_int.h). Tags and other sorted text use the "C" collation: the order of rows must
 * not depend on the server's locale. */
#include <stdio.h>
#include <stdlib.h>

#include "core/errors.h"
#include "store/store_pg_int.h"
#include "util/log.h"

#define LOG_MODULE "store"
#define PG_SCHEMA_VERSION 5
#define PG_MIGRATE_LOCK "7215017" /* pg_advisory_xact_lock key of the migration */

/* v1: what SQLite's versions 1-4 built, in one step. */
static const char *const schema_v1[] = {
    "CREATE TABLE spools("
    " row BIGINT NOT NULL,"
    " tag TEXT COLLATE \"C\" PRIMARY KEY,"
    " nv TEXT NOT NULL DEFAULT '',"
    " fecha_materiales INTEGER NOT NULL DEFAULT 0,"
    " fecha_armado INTEGER NOT NULL DEFAULT 0,"
    " fecha_soldadura INTEGER NOT NULL DEFAULT 0,"
    " fecha_qc INTEGER NOT NULL DEFAULT 0,"
    " armador TEXT NOT NULL DEFAULT '',"
    " soldador TEXT NOT NULL DEFAULT '',"
    " ocupado_por TEXT NOT NULL DEFAULT '',"
    " ocupado_worker_id BIGINT NOT NULL DEFAULT 0,"
    " ocupado_op INTEGER NOT NULL DEFAULT 0,"
    " fecha_ocupacion BIGINT NOT NULL DEFAULT 0,"
    " lock_token TEXT NOT NULL DEFAULT '',"
    " version BIGINT NOT NULL DEFAULT 0,"
    " metrologia INTEGER NOT NULL DEFAULT 0,"
    " repair INTEGER NOT NULL DEFAULT 0,"
    " repair_cycle INTEGER NOT NULL DEFAULT 0,"
    " estado_detalle TEXT NOT NULL DEFAULT '',"
    " extra TEXT NOT NULL DEFAULT '[]',"
    " ot TEXT NOT NULL DEFAULT '',"
    " total_uniones BIGINT,"
    " uniones_arm_completadas BIGINT,"
    " uniones_sold_completadas BIGINT,"
    " pulgadas_arm_c BIGINT,"
    " pulgadas_sold_c BIGINT,"
    " notas TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX spools_row ON spools(row, tag)",
    "CREATE TABLE sheet_headers("
    " sheet TEXT NOT NULL, pos BIGINT NOT NULL, header TEXT NOT NULL, PRIMARY KEY(sheet, pos))",
    "CREATE TABLE workers("
    " pos BIGINT PRIMARY KEY, id BIGINT NOT NULL UNIQUE, nombre TEXT NOT NULL,"
    " apellido TEXT NOT NULL, rol TEXT NOT NULL DEFAULT '', activo TEXT NOT NULL)",
    "CREATE TABLE roles("
    " pos BIGINT PRIMARY KEY, worker_id BIGINT NOT NULL, rol TEXT NOT NULL,"
    " activo TEXT NOT NULL)",
    "CREATE TABLE counters("
    " one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK(one),"
    " generation BIGINT NOT NULL, seq BIGINT NOT NULL)",
    "INSERT INTO counters(one, generation, seq) VALUES(TRUE, 0, 0)",
    "CREATE TABLE events("
    " seq BIGINT PRIMARY KEY, id TEXT UNIQUE, ts BIGINT NOT NULL,"
    " tipo TEXT NOT NULL, tag TEXT COLLATE \"C\" NOT NULL, worker_id BIGINT NOT NULL,"
    " worker_nombre TEXT NOT NULL, operacion TEXT NOT NULL, accion TEXT NOT NULL,"
    " fecha_operacion INTEGER NOT NULL, metadata_json TEXT NOT NULL,"
    " live_json TEXT NOT NULL DEFAULT '', n_union INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX events_tag ON events(tag, seq)",
    "CREATE FUNCTION zeues_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END$$",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events"
    " FOR EACH ROW EXECUTE FUNCTION zeues_append_only()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
    " FOR EACH STATEMENT EXECUTE FUNCTION zeues_append_only()",
    "CREATE TABLE uniones("
    " tag TEXT COLLATE \"C\" NOT NULL REFERENCES spools(tag),"
    " n INTEGER NOT NULL CHECK(n BETWEEN 1 AND 20),"
    " pos BIGINT NOT NULL,"
    " ot TEXT NOT NULL DEFAULT '',"
    " dn_c BIGINT NOT NULL DEFAULT 0 CHECK(dn_c >= 0),"
    " tipo TEXT NOT NULL DEFAULT '',"
    " arm_inicio BIGINT NOT NULL DEFAULT 0,"
    " arm_fin BIGINT NOT NULL DEFAULT 0,"
    " arm_worker TEXT NOT NULL DEFAULT '',"
    " sol_inicio BIGINT NOT NULL DEFAULT 0,"
    " sol_fin BIGINT NOT NULL DEFAULT 0,"
    " sol_worker TEXT NOT NULL DEFAULT '',"
    " version BIGINT NOT NULL DEFAULT 1 CHECK(version >= 1),"
    " extra TEXT NOT NULL DEFAULT '[]',"
    " PRIMARY KEY(tag, n))",
    "CREATE INDEX uniones_pos ON uniones(pos, tag, n)",
    "CREATE TABLE tracked("
    " tag TEXT COLLATE \"C\" PRIMARY KEY, pos BIGINT NOT NULL, added_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL, notes TEXT)",
    "CREATE TABLE audit("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " ts BIGINT NOT NULL, session_id TEXT NOT NULL, event_type TEXT NOT NULL, tag TEXT,"
    " modal TEXT, route TEXT, payload_json TEXT)",
    "CREATE INDEX audit_ts ON audit(ts, seq)",
    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit"
    " FOR EACH ROW EXECUTE FUNCTION zeues_append_only()",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION zeues_append_only()",
    "CREATE TABLE snapshots("
    " id TEXT PRIMARY KEY, captured_at BIGINT NOT NULL, raw TEXT NOT NULL, user_agent TEXT)",
    "CREATE TABLE devices("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " created_at BIGINT NOT NULL, code_hash TEXT UNIQUE, code_expires BIGINT NOT NULL DEFAULT 0,"
    " token_hash TEXT UNIQUE, enrolled_at BIGINT NOT NULL DEFAULT 0,"
    " last_seen BIGINT NOT NULL DEFAULT 0, revoked_at BIGINT NOT NULL DEFAULT 0)",
    NULL,
};

/* v2, spreadsheet sync: the named integers of store.h sync_get / sync_put (SQLite v5). */
static const char *const schema_v2[] = {
    "CREATE TABLE sync_state(name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    NULL,
};

/* v3, supervisors and their sign-in sessions (SQLite v6): a password hash made by the app
 * layer, and only the hash of each session token, with its expiry. */
static const char *const schema_v3[] = {
    "CREATE TABLE supervisors("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " pw_hash TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE TABLE sessions("
    " token_hash TEXT PRIMARY KEY, supervisor_id BIGINT NOT NULL REFERENCES supervisors(id),"
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
    "CREATE INDEX sessions_expiry ON sessions(expires_at)",
    NULL,
};

/* v4, worker PINs (SQLite v7): one hash per worker with its run of failures and its lock-out,
 * and the (device, worker) pairs whose PIN was typed right, each until its expiry. */
static const char *const schema_v4[] = {
    "CREATE TABLE worker_pins("
    " worker_id BIGINT PRIMARY KEY, pin_hash TEXT NOT NULL, set_at BIGINT NOT NULL,"
    " failures INTEGER NOT NULL DEFAULT 0, last_failure BIGINT NOT NULL DEFAULT 0,"
    " locked_at BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE pin_sessions("
    " device_id BIGINT NOT NULL, worker_id BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
    " PRIMARY KEY(device_id, worker_id))",
    NULL,
};

/* v5, the unions deleted in ZEUES (SQLite v8): one row per TAG_SPOOL + N_UNION with the seq and
 * time of its last deletion's event, for the spreadsheet pull (store.h import, deleted_after). */
static const char *const schema_v5[] = {
    "CREATE TABLE union_deletions("
    " tag TEXT COLLATE \"C\" NOT NULL, n INTEGER NOT NULL, seq BIGINT NOT NULL,"
    " deleted_at BIGINT NOT NULL, PRIMARY KEY(tag, n))",
    NULL,
};

static const char *const *const steps[PG_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3,
                                                            schema_v4, schema_v5};

static int fail(pgc_t *c, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "cannot %s the schema: %s", what, PQerrorMessage(c->pg));
    PQclear(PQexec(c->pg, "ROLLBACK"));
    return ZE_STORE_UNAVAILABLE;
}

/* 1 when the schema is this binary's already: then opening the store writes nothing, so a
 * standby (read-only) can be opened and served from. */
static int up_to_date(pgc_t *c)
{
    PGresult *r = store_pg__q(c, "SELECT to_regclass('zeues_schema') IS NOT NULL", NULL);
    int exists = r && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!exists) return 0;
    r = store_pg__q(c, "SELECT version FROM zeues_schema", NULL);
    int current = r && PQntuples(r) == 1 && store_pg__int(r, 0, 0) == PG_SCHEMA_VERSION;
    PQclear(r);
    return current;
}

int store_pg__migrate(pgc_t *c, char *err, size_t errlen)
{
    if (up_to_date(c)) return ZE_OK;
    if (store_pg__cmd(c, "BEGIN", NULL, NULL) != ZE_OK ||
        store_pg__cmd(c, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")", NULL, NULL) !=
            ZE_OK ||
        store_pg__cmd(c, "CREATE TABLE IF NOT EXISTS zeues_schema(version INTEGER NOT NULL)",
                      NULL, NULL) != ZE_OK)
        return fail(c, err, errlen, "read");
    PGresult *r = store_pg__q(c, "SELECT version FROM zeues_schema", NULL);
    if (!r) return fail(c, err, errlen, "read");
    int version = PQntuples(r) ? (int)store_pg__int(r, 0, 0) : 0;
    int had_row = PQntuples(r) > 0;
    PQclear(r);
    if (version > PG_SCHEMA_VERSION) {
        PQclear(PQexec(c->pg, "ROLLBACK"));
        snprintf(err, errlen, "database schema %d is newer than this binary (%d)", version,
                 PG_SCHEMA_VERSION);
        return ZE_STORE_UNAVAILABLE;
    }
    for (int v = version; v < PG_SCHEMA_VERSION; v++)
        for (const char *const *sql = steps[v]; *sql; sql++)
            if (store_pg__cmd(c, *sql, NULL, NULL) != ZE_OK) return fail(c, err, errlen, "create");
    pgp_t p = {0};
    pgp_int(&p, PG_SCHEMA_VERSION);
    if (store_pg__cmd(c,
                      had_row ? "UPDATE zeues_schema SET version = $1::integer"
                              : "INSERT INTO zeues_schema(version) VALUES($1::integer)",
                      &p, NULL) != ZE_OK ||
        store_pg__cmd(c, "COMMIT", NULL, NULL) != ZE_OK)
        return fail(c, err, errlen, "create");
    if (version > 0 && version < PG_SCHEMA_VERSION)
        LOG_INFO("database schema migrated from version %d to %d", version, PG_SCHEMA_VERSION);
    return ZE_OK;
}
