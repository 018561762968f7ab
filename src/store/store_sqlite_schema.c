/* The schema of the SQLite backend and its migrations. The version is PRAGMA user_version; each
 * step takes the database from version N to N+1 and all of them run in one transaction, so a
 * database is either migrated completely or left as it was. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_codec.h"
#include "core/sheet_map.h"
#include "store/store_sqlite_int.h"
#include "util/log.h"

#define LOG_MODULE "store"
#define SCHEMA_VERSION 8

static const char *const schema_v1 =
    "CREATE TABLE IF NOT EXISTS spools("
    " row INTEGER NOT NULL,"
    " tag TEXT PRIMARY KEY,"
    " nv TEXT NOT NULL DEFAULT '',"
    " fecha_materiales INTEGER NOT NULL DEFAULT 0,"
    " fecha_armado INTEGER NOT NULL DEFAULT 0,"
    " fecha_soldadura INTEGER NOT NULL DEFAULT 0,"
    " fecha_qc INTEGER NOT NULL DEFAULT 0,"
    " armador TEXT NOT NULL DEFAULT '',"
    " soldador TEXT NOT NULL DEFAULT '',"
    " ocupado_por TEXT NOT NULL DEFAULT '',"
    " ocupado_worker_id INTEGER NOT NULL DEFAULT 0,"
    " ocupado_op INTEGER NOT NULL DEFAULT 0,"
    " fecha_ocupacion INTEGER NOT NULL DEFAULT 0,"
    " lock_token TEXT NOT NULL DEFAULT '',"
    " version INTEGER NOT NULL DEFAULT 0,"
    " metrologia INTEGER NOT NULL DEFAULT 0,"
    " repair INTEGER NOT NULL DEFAULT 0,"
    " repair_cycle INTEGER NOT NULL DEFAULT 0,"
    " estado_detalle TEXT NOT NULL DEFAULT '',"
    " extra TEXT NOT NULL DEFAULT '[]')"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS spools_row ON spools(row);"
    "CREATE TABLE IF NOT EXISTS sheet_headers("
    " sheet TEXT NOT NULL, pos INTEGER NOT NULL, header TEXT NOT NULL,"
    " PRIMARY KEY(sheet, pos));"
    "CREATE TABLE IF NOT EXISTS workers("
    " pos INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE, nombre TEXT NOT NULL,"
    " apellido TEXT NOT NULL, rol TEXT NOT NULL DEFAULT '', activo TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS roles("
    " pos INTEGER PRIMARY KEY, worker_id INTEGER NOT NULL, rol TEXT NOT NULL,"
    " activo TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, ts INTEGER NOT NULL,"
    " tipo TEXT NOT NULL, tag TEXT NOT NULL, worker_id INTEGER NOT NULL,"
    " worker_nombre TEXT NOT NULL, operacion TEXT NOT NULL, accion TEXT NOT NULL,"
    " fecha_operacion INTEGER NOT NULL, metadata_json TEXT NOT NULL,"
    " live_json TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS events_tag ON events(tag, seq);"
    "CREATE TRIGGER IF NOT EXISTS events_append_only_u BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'Metadata is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS events_append_only_d BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'Metadata is append-only'); END;";

/* v2: a generation counter bumped by every write transaction, so readers can cache derived
 * answers (spool lists) and know at the cost of one row read whether they are still current. */
static const char *const schema_v2 =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('generation', 0);";

/* v3, the union model (domain-v4): the v4 cells of Operaciones become typed columns of spools
 * (NULL = empty cell for the counters; Pulgadas in hundredths of an inch), events carry the
 * Metadata column N_UNION, unions live in their own table keyed by TAG_SPOOL + N_UNION with a
 * compare-and-set version, their sheet position and their untracked cells verbatim (extra, as
 * for spools), and the supervisor's tracked list, the UI audit book (append-only, one row per
 * id) and the legacy snapshots get a table each. */
static const char *const schema_v3 =
    "ALTER TABLE spools ADD COLUMN ot TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE spools ADD COLUMN total_uniones INTEGER;"
    "ALTER TABLE spools ADD COLUMN uniones_arm_completadas INTEGER;"
    "ALTER TABLE spools ADD COLUMN uniones_sold_completadas INTEGER;"
    "ALTER TABLE spools ADD COLUMN pulgadas_arm_c INTEGER;"
    "ALTER TABLE spools ADD COLUMN pulgadas_sold_c INTEGER;"
    "ALTER TABLE spools ADD COLUMN notas TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE events ADD COLUMN n_union INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE uniones("
    " tag TEXT NOT NULL REFERENCES spools(tag),"
    " n INTEGER NOT NULL CHECK(n BETWEEN 1 AND 20),"
    " pos INTEGER NOT NULL,"
    " ot TEXT NOT NULL DEFAULT '',"
    " dn_c INTEGER NOT NULL DEFAULT 0 CHECK(dn_c >= 0),"
    " tipo TEXT NOT NULL DEFAULT '',"
    " arm_inicio INTEGER NOT NULL DEFAULT 0,"
    " arm_fin INTEGER NOT NULL DEFAULT 0,"
    " arm_worker TEXT NOT NULL DEFAULT '',"
    " sol_inicio INTEGER NOT NULL DEFAULT 0,"
    " sol_fin INTEGER NOT NULL DEFAULT 0,"
    " sol_worker TEXT NOT NULL DEFAULT '',"
    " version INTEGER NOT NULL DEFAULT 1 CHECK(version >= 1),"
    " extra TEXT NOT NULL DEFAULT '[]',"
    " PRIMARY KEY(tag, n)) WITHOUT ROWID;"
    "CREATE INDEX uniones_pos ON uniones(pos);"
    "CREATE TABLE tracked("
    " tag TEXT PRIMARY KEY, pos INTEGER NOT NULL, added_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL, notes TEXT) WITHOUT ROWID;"
    "CREATE INDEX tracked_pos ON tracked(pos);"
    "CREATE TABLE audit("
    " seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL,"
    " session_id TEXT NOT NULL, event_type TEXT NOT NULL, tag TEXT, modal TEXT, route TEXT,"
    " payload_json TEXT);"
    "CREATE INDEX audit_ts ON audit(ts, seq);"
    "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit book is append-only'); END;"
    "CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit book is append-only'); END;"
    "CREATE TABLE snapshots("
    " id TEXT PRIMARY KEY, captured_at INTEGER NOT NULL, raw TEXT NOT NULL, user_agent TEXT)"
    " WITHOUT ROWID;";

/* v4, authentication: the enrolled tablets. Codes and tokens are stored only as hashes (hex of
 * a 32-byte hash); a NULL code_hash is no pending code, a NULL token_hash no credential yet. */
static const char *const schema_v4 =
    "CREATE TABLE devices("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
    " code_hash TEXT UNIQUE, code_expires INTEGER NOT NULL DEFAULT 0,"
    " token_hash TEXT UNIQUE, enrolled_at INTEGER NOT NULL DEFAULT 0,"
    " last_seen INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0);";

/* v5, spreadsheet sync: named integers the sync worker keeps (its cursors), see store.h
 * sync_get / sync_put. */
static const char *const schema_v5 =
    "CREATE TABLE sync_state(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;";

/* v6, supervisors: their accounts (an Argon2id password hash in libsodium's crypto_pwhash_str
 * text, salt and parameters included) and their sign-in sessions, stored only as the hash of
 * the session token, each with its expiry. */
static const char *const schema_v6 =
    "CREATE TABLE supervisors("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, pw_hash TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE sessions("
    " token_hash TEXT PRIMARY KEY,"
    " supervisor_id INTEGER NOT NULL REFERENCES supervisors(id),"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_expiry ON sessions(expires_at);";

/* v7, worker PINs (--auth devices+pin): one Argon2id hash per worker with its run of failed
 * attempts and its lock-out, and the (device, worker) pairs whose PIN was typed right, each
 * until its expiry. */
static const char *const schema_v7 =
    "CREATE TABLE worker_pins("
    " worker_id INTEGER PRIMARY KEY, pin_hash TEXT NOT NULL, set_at INTEGER NOT NULL,"
    " failures INTEGER NOT NULL DEFAULT 0, last_failure INTEGER NOT NULL DEFAULT 0,"
    " locked_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE pin_sessions("
    " device_id INTEGER NOT NULL, worker_id INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " PRIMARY KEY(device_id, worker_id)) WITHOUT ROWID;";

/* v8, spreadsheet sync: the unions deleted in ZEUES, one row per TAG_SPOOL + N_UNION with the
 * seq and time of its last deletion's event, so that a pull of a sheet read before the push
 * took the union's row out does not insert it again (store.h import, deleted_after). Never
 * more rows than union keys ever deleted. */
static const char *const schema_v8 =
    "CREATE TABLE union_deletions("
    " tag TEXT NOT NULL, n INTEGER NOT NULL, seq INTEGER NOT NULL, deleted_at INTEGER NOT NULL,"
    " PRIMARY KEY(tag, n)) WITHOUT ROWID;";

/* ------------------------------------------------------------------------------------------ */
/* v2 -> v3: the v4 cells of Operaciones move from extra into their typed columns              */
/* ------------------------------------------------------------------------------------------ */

/* Up to v2 every Operaciones cell ZEUES did not interpret, OT, Notas and the union counters
 * included, lived verbatim in spools.extra at its header's position. From v3 on those columns
 * are typed (the codec maps their headers to them) and extra must not hold them any more, or
 * an export would find two values for one cell. The header layout itself does not change, so
 * an export puts every value back at its old position. */

typedef struct v4_cols {
    int index[COL_COUNT]; /* header position of each v4 column, -1 when the layout lacks it */
    int any;
} v4_cols_t;

static void v4_cols_find(sqlite3 *db, v4_cols_t *vc)
{
    size_t n = 0;
    char **h = store_sqlite__load_headers(db, "Operaciones", &n);
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)h, n);
    vc->any = 0;
    for (int c = 0; c < COL_COUNT; c++) {
        vc->index[c] = sheet_col_v4(c) ? m.index[c] : -1;
        vc->any |= vc->index[c] >= 0;
    }
    store_sqlite__free_headers(h, n);
}

/* The cell of column c in the extra array arr, removed from it (set to null); NULL when the
 * layout or the array has no such cell. */
static const char *take_cell(json_t *arr, const v4_cols_t *vc, int c, char *buf, size_t n)
{
    int i = vc->index[c];
    if (i < 0 || (size_t)i >= json_array_size(arr)) return NULL;
    const char *v = json_string_value(json_array_get(arr, (size_t)i));
    if (!v) return NULL;
    snprintf(buf, n, "%s", v);
    json_array_set_new(arr, (size_t)i, json_null());
    return buf;
}

static void bind_text_or_empty(sqlite3_stmt *q, int i, const char *v)
{
    sqlite3_bind_text(q, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

/* Binds one counter cell parsed like the codec parses it; a cell it refuses becomes empty (the
 * migration cannot skip a stored spool the way an import skips a bad row), logged. */
static void bind_counter(sqlite3_stmt *q, int i, const char *tag, const char *name,
                         const char *cell, int pulgadas)
{
    int64_t v = -1;
    int count;
    if (cell) {
        int rc = pulgadas ? sheet_codec_pulgadas_cell(cell, &v)
                          : sheet_codec_count_cell(cell, &count);
        if (!pulgadas && rc == 0) v = count;
        if (rc != 0) {
            LOG_WARN("schema v3: spool %s: %s '%s' is not a number; stored empty", tag, name,
                     cell);
            v = -1;
        }
    }
    store_sqlite__bind_count(q, i, v);
}

static int move_v4_cells(sqlite3 *db)
{
    v4_cols_t vc;
    v4_cols_find(db, &vc);
    if (!vc.any) return ZE_OK;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int ret = ZE_OK;
    if (sqlite3_prepare_v2(db, "SELECT tag, extra FROM spools", -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE spools SET ot=?2, total_uniones=?3,"
                           " uniones_arm_completadas=?4, uniones_sold_completadas=?5,"
                           " pulgadas_arm_c=?6, pulgadas_sold_c=?7, notas=?8, extra=?9"
                           " WHERE tag=?1",
                           -1, &upd, NULL) != SQLITE_OK)
        ret = ZE_STORE_UNAVAILABLE;
    static const struct {
        int col, param, pulgadas;
        const char *name;
    } counters[] = {
        {COL_TOTAL_UNIONES, 3, 0, "Total_Uniones"},
        {COL_UNIONES_ARM, 4, 0, "Uniones_ARM_Completadas"},
        {COL_UNIONES_SOLD, 5, 0, "Uniones_SOLD_Completadas"},
        {COL_PULGADAS_ARM, 6, 1, "Pulgadas_ARM"},
        {COL_PULGADAS_SOLD, 7, 1, "Pulgadas_SOLD"},
    };
    int rc = SQLITE_DONE;
    while (ret == ZE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *tag = (const char *)sqlite3_column_text(sel, 0);
        json_t *arr = json_loads((const char *)sqlite3_column_text(sel, 1), 0, NULL);
        if (!json_is_array(arr)) {
            json_decref(arr);
            continue;
        }
        char buf[256];
        sqlite3_bind_text(upd, 1, tag, -1, SQLITE_TRANSIENT);
        bind_text_or_empty(upd, 2, take_cell(arr, &vc, COL_OT, buf, sizeof buf));
        for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++)
            bind_counter(upd, counters[k].param, tag, counters[k].name,
                         take_cell(arr, &vc, counters[k].col, buf, sizeof buf),
                         counters[k].pulgadas);
        int ni = vc.index[COL_NOTAS];
        const char *notas = ni >= 0 && (size_t)ni < json_array_size(arr)
                                ? json_string_value(json_array_get(arr, (size_t)ni))
                                : NULL;
        bind_text_or_empty(upd, 8, notas); /* copied before the cell is nulled below */
        if (ni >= 0 && (size_t)ni < json_array_size(arr))
            json_array_set_new(arr, (size_t)ni, json_null());
        char *extra = json_dumps(arr, JSON_COMPACT);
        sqlite3_bind_text(upd, 9, extra ? extra : "[]", -1, SQLITE_TRANSIENT);
        free(extra);
        json_decref(arr);
        if (sqlite3_step(upd) != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
        sqlite3_reset(upd);
        sqlite3_clear_bindings(upd);
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return ret;
}

int store_sqlite__migrate(sqlite3 *db, char *err, size_t errlen)
{
    int version = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version > SCHEMA_VERSION) {
        snprintf(err, errlen, "database schema %d is newer than this binary (%d)", version,
                 SCHEMA_VERSION);
        return ZE_STORE_UNAVAILABLE;
    }
    if (version == SCHEMA_VERSION) return ZE_OK;
    if (store_sqlite__exec(db, "BEGIN IMMEDIATE") != ZE_OK) goto fail;
    if (version < 1 && store_sqlite__exec(db, schema_v1) != ZE_OK) goto fail_rollback;
    if (version < 2 && store_sqlite__exec(db, schema_v2) != ZE_OK) goto fail_rollback;
    if (version < 3 && (store_sqlite__exec(db, schema_v3) != ZE_OK || move_v4_cells(db) != ZE_OK))
        goto fail_rollback;
    if (version < 4 && store_sqlite__exec(db, schema_v4) != ZE_OK) goto fail_rollback;
    if (version < 5 && store_sqlite__exec(db, schema_v5) != ZE_OK) goto fail_rollback;
    if (version < 6 && store_sqlite__exec(db, schema_v6) != ZE_OK) goto fail_rollback;
    if (version < 7 && store_sqlite__exec(db, schema_v7) != ZE_OK) goto fail_rollback;
    if (version < 8 && store_sqlite__exec(db, schema_v8) != ZE_OK) goto fail_rollback;
    if (store_sqlite__exec(db, "PRAGMA user_version = 8; COMMIT") != ZE_OK) goto fail_rollback;
    if (version > 0) LOG_INFO("database schema migrated from version %d to 8", version);
    return ZE_OK;
fail_rollback:
    snprintf(err, errlen, "cannot create schema: %s", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ZE_STORE_UNAVAILABLE;
fail:
    snprintf(err, errlen, "cannot create schema: %s", sqlite3_errmsg(db));
    return ZE_STORE_UNAVAILABLE;
}
