/* The embedded SQLite backend of the store: one database file in WAL mode, one connection per
 * thread (opened lazily), one process-wide mutex around write transactions so writers queue in
 * memory instead of sleeping in SQLite's busy handler. Several processes may share the file
 * (busy_timeout covers them). The Metadata table is append-only, enforced by triggers. */
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"
#include "store/store_sqlite_int.h"

#define LOG_MODULE "store"
#define SCHEMA_VERSION 2

/* ------------------------------------------------------------------------------------------ */
/* Schema                                                                                      */
/* ------------------------------------------------------------------------------------------ */

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

#define SPOOL_COLS                                                                          \
    "row, tag, nv, fecha_materiales, fecha_armado, fecha_soldadura, fecha_qc, armador,"     \
    " soldador, ocupado_por, ocupado_worker_id, ocupado_op, fecha_ocupacion, lock_token,"   \
    " version, metrologia, repair, repair_cycle, estado_detalle"

#define EVENT_COLS                                                                          \
    "seq, id, ts, tipo, tag, worker_id, worker_nombre, operacion, accion, fecha_operacion," \
    " metadata_json, live_json"

/* ------------------------------------------------------------------------------------------ */
/* Connections                                                                                 */
/* ------------------------------------------------------------------------------------------ */


static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_SPOOL_GET] = "SELECT " SPOOL_COLS " FROM spools WHERE tag = ?1",
    [STMT_SPOOL_ALL] = "SELECT " SPOOL_COLS " FROM spools ORDER BY row, tag",
    [STMT_SPOOL_VERSION] = "SELECT version FROM spools WHERE tag = ?1",
    [STMT_SPOOL_UPDATE] =
        "UPDATE spools SET fecha_armado=?2, fecha_soldadura=?3, fecha_qc=?4, armador=?5,"
        " soldador=?6, ocupado_por=?7, ocupado_worker_id=?8, ocupado_op=?9,"
        " fecha_ocupacion=?10, lock_token=?11, version=?12, metrologia=?13, repair=?14,"
        " repair_cycle=?15, estado_detalle=?16 WHERE tag=?1",
    [STMT_EVENT_INSERT] =
        "INSERT INTO events(id, ts, tipo, tag, worker_id, worker_nombre, operacion, accion,"
        " fecha_operacion, metadata_json, live_json) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    [STMT_EVENT_TAG] = "SELECT " EVENT_COLS " FROM events WHERE tag = ?1 ORDER BY seq",
    [STMT_EVENT_SINCE] = "SELECT " EVENT_COLS " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [STMT_EVENT_LAST] = "SELECT COALESCE(MAX(seq), 0) FROM events",
    [STMT_WORKER_GET] = "SELECT id, nombre, apellido, rol, activo FROM workers WHERE id = ?1",
    [STMT_WORKER_ALL] = "SELECT id, nombre, apellido, rol, activo FROM workers ORDER BY pos",
    [STMT_ROLES_OF] = "SELECT rol, activo FROM roles WHERE worker_id = ?1 ORDER BY pos",
    [STMT_GEN_BUMP] = "UPDATE meta SET v = v + 1 WHERE k = 'generation'",
    [STMT_GEN_GET] = "SELECT v FROM meta WHERE k = 'generation'",
};


static void conn_close(conn_t *c)
{
    for (int i = 0; i < STMT_COUNT; i++) sqlite3_finalize(c->stmt[i]);
    sqlite3_close_v2(c->db);
    free(c);
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        LOG_ERROR("sql failed: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return ZE_STORE_UNAVAILABLE;
    }
    return ZE_OK;
}

static conn_t *conn_open(const char *path, char *err, size_t errlen)
{
    conn_t *c = xcalloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(c->db));
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 5000);
    /* synchronous=NORMAL in WAL keeps every committed transaction across a process crash
     * (SIGKILL); only a power loss may drop the last commits. */
    if (exec_sql(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                        " PRAGMA wal_autocheckpoint=0;") != ZE_OK) {
        snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(c->db));
        goto fail;
    }
    return c;
fail:
    conn_close(c);
    return NULL;
}

conn_t *store_sqlite__conn_get(sqlite_store_t *ss)
{
    conn_t *c = pthread_getspecific(ss->key);
    if (c) return c;
    char err[256];
    c = conn_open(ss->path, err, sizeof err);
    if (!c) {
        LOG_ERROR("%s", err);
        return NULL;
    }
    pthread_setspecific(ss->key, c);
    pthread_mutex_lock(&ss->conns_mu);
    c->next = ss->conns;
    ss->conns = c;
    pthread_mutex_unlock(&ss->conns_mu);
    return c;
}

sqlite3_stmt *store_sqlite__stmt_get(conn_t *c, int which)
{
    if (!c->stmt[which]) {
        if (sqlite3_prepare_v3(c->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                               &c->stmt[which], NULL) != SQLITE_OK) {
            LOG_ERROR("prepare failed: %s", sqlite3_errmsg(c->db));
            return NULL;
        }
    }
    sqlite3_reset(c->stmt[which]);
    sqlite3_clear_bindings(c->stmt[which]);
    return c->stmt[which];
}

void store_sqlite__copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Spools                                                                                      */
/* ------------------------------------------------------------------------------------------ */

void store_sqlite__read_spool(sqlite3_stmt *st, spool_t *s)
{
    memset(s, 0, sizeof *s);
    s->row = sqlite3_column_int64(st, 0);
    store_sqlite__copy_col(s->tag, sizeof s->tag, st, 1);
    store_sqlite__copy_col(s->nv, sizeof s->nv, st, 2);
    s->fecha_materiales = sqlite3_column_int(st, 3);
    s->fecha_armado = sqlite3_column_int(st, 4);
    s->fecha_soldadura = sqlite3_column_int(st, 5);
    s->fecha_qc = sqlite3_column_int(st, 6);
    store_sqlite__copy_col(s->armador, sizeof s->armador, st, 7);
    store_sqlite__copy_col(s->soldador, sizeof s->soldador, st, 8);
    store_sqlite__copy_col(s->ocupado_por, sizeof s->ocupado_por, st, 9);
    s->ocupado_worker_id = sqlite3_column_int64(st, 10);
    s->ocupado_op = (zop_t)sqlite3_column_int(st, 11);
    s->fecha_ocupacion = sqlite3_column_int64(st, 12);
    store_sqlite__copy_col(s->lock_token, sizeof s->lock_token, st, 13);
    s->version = sqlite3_column_int64(st, 14);
    s->metrologia = (zmetro_t)sqlite3_column_int(st, 15);
    s->repair = (zrepair_t)sqlite3_column_int(st, 16);
    s->repair_cycle = sqlite3_column_int(st, 17);
    store_sqlite__copy_col(s->estado_detalle, sizeof s->estado_detalle, st, 18);
}

static int ss_spool_get(store_t *st, const char *tag, spool_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SPOOL_GET);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int ret;
    if (rc == SQLITE_ROW) {
        store_sqlite__read_spool(q, out);
        char why[64];
        ret = ZE_OK;
        if (spool_check(out, why, sizeof why) != 0) {
            LOG_ERROR("spool %s: corrupt row (%s)", out->tag, why);
            ret = ZE_DATA_CORRUPT;
        }
    } else if (rc == SQLITE_DONE) {
        ret = ZE_SPOOL_NO_ENCONTRADO;
    } else {
        LOG_ERROR("spool_get: %s", sqlite3_errmsg(c->db));
        ret = ZE_STORE_UNAVAILABLE;
    }
    sqlite3_reset(q);
    return ret;
}

static int ss_spool_foreach(store_t *st, spool_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SPOOL_ALL);
    if (!q) return ZE_STORE_UNAVAILABLE;
    /* A read transaction gives the visitor one consistent snapshot of all spools. */
    int ret = ZE_OK, rc;
    spool_t s;
    char why[64];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        store_sqlite__read_spool(q, &s);
        /* A corrupt row is reported and left out of every list; asked for by tag it answers
         * DATA_CORRUPT, never "not found". */
        if (spool_check(&s, why, sizeof why) != 0) {
            LOG_ERROR("spool %s: corrupt row (%s) left out", s.tag, why);
            continue;
        }
        if ((ret = fn(ud, &s)) != 0) break;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) {
        LOG_ERROR("spool_foreach: %s", sqlite3_errmsg(c->db));
        ret = ZE_STORE_UNAVAILABLE;
    }
    sqlite3_reset(q);
    return ret;
}

static int insert_event(conn_t *c, event_rec_t *e)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_EVENT_INSERT);
    if (!q) return ZE_STORE_UNAVAILABLE;
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
    sqlite3_bind_text(q, 11, e->live_json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    /* Any failure, a constraint included, fails the change it belongs to: an audit event that
     * cannot be written is never swallowed, and never passed off as a version conflict. */
    if (rc != SQLITE_DONE) {
        LOG_ERROR("event insert: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    e->seq = sqlite3_last_insert_rowid(c->db);
    return ZE_OK;
}

static int update_spool(conn_t *c, const spool_t *s)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SPOOL_UPDATE);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, s->tag, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, s->fecha_armado);
    sqlite3_bind_int(q, 3, s->fecha_soldadura);
    sqlite3_bind_int(q, 4, s->fecha_qc);
    sqlite3_bind_text(q, 5, s->armador, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, s->soldador, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, s->ocupado_por, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, s->ocupado_worker_id);
    sqlite3_bind_int(q, 9, (int)s->ocupado_op);
    sqlite3_bind_int64(q, 10, s->fecha_ocupacion);
    sqlite3_bind_text(q, 11, s->lock_token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 12, s->version);
    sqlite3_bind_int(q, 13, (int)s->metrologia);
    sqlite3_bind_int(q, 14, (int)s->repair);
    sqlite3_bind_int(q, 15, s->repair_cycle);
    sqlite3_bind_text(q, 16, s->estado_detalle, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        LOG_ERROR("spool update: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    return sqlite3_changes(c->db) == 1 ? ZE_OK : ZE_SPOOL_NO_ENCONTRADO;
}

static int bump_generation(conn_t *c)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_GEN_BUMP);
    if (!q) return ZE_STORE_UNAVAILABLE;
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

static int ss_generation(store_t *st, int64_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_GEN_GET);
    if (!q) return ZE_STORE_UNAVAILABLE;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

static int ss_spool_commit(store_t *st, spool_t *s, int64_t expected_version, event_rec_t *ev,
                           size_t nev)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__conn_get(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK;
    pthread_mutex_lock(&ss->write_mu);
    if (exec_sql(c->db, "BEGIN IMMEDIATE") != ZE_OK) {
        ret = ZE_STORE_UNAVAILABLE;
        goto unlock;
    }
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SPOOL_VERSION);
    if (!q) {
        ret = ZE_STORE_UNAVAILABLE;
        goto rollback;
    }
    sqlite3_bind_text(q, 1, s->tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) ret = ZE_SPOOL_NO_ENCONTRADO;
    else if (rc != SQLITE_ROW) ret = ZE_STORE_UNAVAILABLE;
    else if (sqlite3_column_int64(q, 0) != expected_version) ret = ZE_VERSION_CONFLICT;
    sqlite3_reset(q);
    if (ret != ZE_OK) goto rollback;

    int64_t old_version = s->version;
    s->version = expected_version + 1;
    if ((ret = update_spool(c, s)) != ZE_OK) {
        s->version = old_version;
        goto rollback;
    }
    for (size_t i = 0; i < nev; i++) {
        if ((ret = insert_event(c, &ev[i])) != ZE_OK) {
            s->version = old_version;
            goto rollback;
        }
    }
    if ((ret = bump_generation(c)) != ZE_OK) {
        s->version = old_version;
        goto rollback;
    }
    if (exec_sql(c->db, "COMMIT") != ZE_OK) {
        s->version = old_version;
        ret = ZE_STORE_UNAVAILABLE;
        goto rollback;
    }
    goto unlock;
rollback:
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
unlock:
    pthread_mutex_unlock(&ss->write_mu);
    return ret;
}

/* Import and export live in store_sqlite_bulk.c, row reads of workers and events in
 * store_sqlite_rows.c (same backend). */

static int ss_import(store_t *st, const sheets_t *in, char *err, size_t errlen)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__conn_get(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    pthread_mutex_lock(&ss->write_mu);
    int ret = store_sqlite__import(c->db, in, err, errlen);
    pthread_mutex_unlock(&ss->write_mu);
    return ret;
}

static int ss_export(store_t *st, sheets_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    return store_sqlite__export(c->db, out);
}

/* ------------------------------------------------------------------------------------------ */
/* Open / close                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void *checkpointer(void *arg)
{
    sqlite_store_t *ss = arg;
    char err[256];
    conn_t *c = conn_open(ss->path, err, sizeof err);
    if (!c) LOG_ERROR("checkpointer: %s", err);
    pthread_mutex_lock(&ss->ckpt_mu);
    while (!ss->ckpt_stop) {
        clock_cond_wait_ms(&ss->ckpt_cv, &ss->ckpt_mu, 500);
        if (ss->ckpt_stop || !c) continue;
        pthread_mutex_unlock(&ss->ckpt_mu);
        /* PASSIVE never waits for readers or writers; what it cannot copy now it copies later. */
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&ss->ckpt_mu);
    }
    pthread_mutex_unlock(&ss->ckpt_mu);
    if (c) {
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        conn_close(c);
    }
    return NULL;
}

static void ss_close(store_t *st)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    if (ss->ckpt_running) {
        pthread_mutex_lock(&ss->ckpt_mu);
        ss->ckpt_stop = 1;
        pthread_cond_signal(&ss->ckpt_cv);
        pthread_mutex_unlock(&ss->ckpt_mu);
        pthread_join(ss->ckpt_thread, NULL);
    }
    pthread_mutex_destroy(&ss->ckpt_mu);
    pthread_cond_destroy(&ss->ckpt_cv);
    conn_t *c = ss->conns;
    while (c) {
        conn_t *next = c->next;
        conn_close(c);
        c = next;
    }
    pthread_key_delete(ss->key);
    pthread_mutex_destroy(&ss->conns_mu);
    pthread_mutex_destroy(&ss->write_mu);
    free(ss->path);
    free(ss);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = ss_close,
    .spool_get = ss_spool_get,
    .spool_foreach = ss_spool_foreach,
    .spool_commit = ss_spool_commit,
    .worker_get = store_sqlite__worker_get,
    .worker_foreach = store_sqlite__worker_foreach,
    .event_foreach_tag = store_sqlite__event_foreach_tag,
    .event_foreach_since = store_sqlite__event_foreach_since,
    .event_last_seq = store_sqlite__event_last_seq,
    .import = ss_import,
    .export = ss_export,
    .ping = store_sqlite__ping,
    .generation = ss_generation,
};

static int migrate(sqlite3 *db, char *err, size_t errlen)
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
    /* Each step migrates from version N to N+1 inside one transaction. */
    if (exec_sql(db, "BEGIN IMMEDIATE") != ZE_OK) goto fail;
    if (version < 1 && exec_sql(db, schema_v1) != ZE_OK) goto fail_rollback;
    if (version < 2 && exec_sql(db, schema_v2) != ZE_OK) goto fail_rollback;
    if (exec_sql(db, "PRAGMA user_version = 2; COMMIT") != ZE_OK) goto fail_rollback;
    return ZE_OK;
fail_rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
    snprintf(err, errlen, "cannot create schema: %s", sqlite3_errmsg(db));
    return ZE_STORE_UNAVAILABLE;
}

static void on_thread_exit(void *p)
{
    /* Connections stay on the store's list and are closed by ss_close: a worker thread of the
     * HTTP pool may exit before the store is closed. Nothing to do here. */
    (void)p;
}

store_t *store_sqlite_open(const char *path, char *err, size_t errlen)
{
    sqlite_store_t *ss = xcalloc(1, sizeof *ss);
    ss->base.ops = &sqlite_ops;
    ss->path = xstrdup(path);
    pthread_mutex_init(&ss->conns_mu, NULL);
    pthread_mutex_init(&ss->write_mu, NULL);
    pthread_mutex_init(&ss->ckpt_mu, NULL);
    clock_cond_init(&ss->ckpt_cv);
    if (pthread_key_create(&ss->key, on_thread_exit) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        pthread_mutex_destroy(&ss->conns_mu);
        pthread_mutex_destroy(&ss->write_mu);
        pthread_mutex_destroy(&ss->ckpt_mu);
        pthread_cond_destroy(&ss->ckpt_cv);
        free(ss->path);
        free(ss);
        return NULL;
    }
    conn_t *c = conn_open(path, err, errlen);
    if (!c) goto fail;
    pthread_setspecific(ss->key, c);
    ss->conns = c;
    if (migrate(c->db, err, errlen) != ZE_OK) goto fail;
    if (thread_start(&ss->ckpt_thread, "zeues-wal-ckpt", checkpointer, ss) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        goto fail;
    }
    ss->ckpt_running = 1;
    return &ss->base;
fail:
    ss_close(&ss->base);
    return NULL;
}
