/* The embedded SQLite backend of the store: one database file in WAL mode, one connection per
 * thread (opened lazily), one process-wide mutex around write transactions so writers queue in
 * memory instead of sleeping in SQLite's busy handler. Several processes may share the file
 * (busy_timeout covers them). The Metadata table is append-only, enforced by triggers. This
 * file holds the connections, the statement cache, the spool reads and the ops table; the
 * other store_sqlite_*.c files are listed in store_sqlite_int.h. */
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

#define STR_(x) #x
#define STR(x) STR_(x)

#define EVENT_COLS                                                                          \
    "seq, id, ts, tipo, tag, worker_id, worker_nombre, operacion, accion, fecha_operacion," \
    " metadata_json, live_json, n_union"

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
        " repair_cycle=?15, estado_detalle=?16, total_uniones=?17,"
        " uniones_arm_completadas=?18, uniones_sold_completadas=?19, pulgadas_arm_c=?20,"
        " pulgadas_sold_c=?21 WHERE tag=?1",
    [STMT_EVENT_INSERT] =
        "INSERT INTO events(id, ts, tipo, tag, worker_id, worker_nombre, operacion, accion,"
        " fecha_operacion, metadata_json, live_json, n_union)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [STMT_EVENT_TAG] = "SELECT " EVENT_COLS " FROM events WHERE tag = ?1 ORDER BY seq",
    [STMT_EVENT_SINCE] = "SELECT " EVENT_COLS " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [STMT_EVENT_LAST] = "SELECT COALESCE(MAX(seq), 0) FROM events",
    [STMT_WORKER_GET] = "SELECT id, nombre, apellido, rol, activo FROM workers WHERE id = ?1",
    [STMT_WORKER_ALL] = "SELECT id, nombre, apellido, rol, activo FROM workers ORDER BY pos",
    [STMT_ROLES_OF] = "SELECT rol, activo FROM roles WHERE worker_id = ?1 ORDER BY pos",
    [STMT_GEN_BUMP] = "UPDATE meta SET v = v + 1 WHERE k = 'generation'",
    [STMT_GEN_GET] = "SELECT v FROM meta WHERE k = 'generation'",
    [STMT_UNIONS_OF] = "SELECT " UNION_COLS " FROM uniones WHERE tag = ?1 ORDER BY n",
    [STMT_UNIONS_ALL] = "SELECT " UNION_COLS " FROM uniones ORDER BY pos, tag, n",
    [STMT_UNION_VERSION] = "SELECT version FROM uniones WHERE tag = ?1 AND n = ?2",
    [STMT_UNION_INSERT] =
        "INSERT INTO uniones(tag, n, pos, ot, dn_c, tipo, arm_inicio, arm_fin, arm_worker,"
        " sol_inicio, sol_fin, sol_worker, version)"
        " VALUES(?1, ?2, (SELECT COALESCE(MAX(pos), 0) + 1 FROM uniones), ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, 1)",
    [STMT_UNION_UPDATE] =
        "UPDATE uniones SET ot=?3, dn_c=?4, tipo=?5, arm_inicio=?6, arm_fin=?7, arm_worker=?8,"
        " sol_inicio=?9, sol_fin=?10, sol_worker=?11, version = version + 1"
        " WHERE tag=?1 AND n=?2 AND version=?12",
    [STMT_UNION_DELETE] = "DELETE FROM uniones WHERE tag = ?1 AND n = ?2",
    [STMT_UNION_DELETED] =
        "INSERT INTO union_deletions(tag, n, seq, deleted_at) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(tag, n) DO UPDATE SET seq = excluded.seq, deleted_at = excluded.deleted_at",
    [STMT_NOTAS_GET] = "SELECT notas FROM spools WHERE tag = ?1",
    [STMT_NOTAS_APPEND] =
        "UPDATE spools SET notas = CASE WHEN notas = '' THEN ?2 ELSE notas || char(10) || ?2 END"
        " WHERE tag = ?1",
    [STMT_TRACKED_ALL] =
        "SELECT tag, added_at, updated_at, notes FROM tracked ORDER BY pos, tag",
    [STMT_TRACKED_PUT] =
        "INSERT INTO tracked(tag, pos, added_at, updated_at, notes)"
        " VALUES(?1, (SELECT COALESCE(MAX(pos), 0) + 1 FROM tracked), ?2, ?2, NULL)"
        " ON CONFLICT(tag) DO UPDATE SET added_at = excluded.added_at,"
        " updated_at = excluded.updated_at, notes = NULL",
    [STMT_TRACKED_DEL] = "DELETE FROM tracked WHERE tag = ?1",
    [STMT_AUDIT_INSERT] =
        "INSERT OR IGNORE INTO audit(id, ts, session_id, event_type, tag, modal, route,"
        " payload_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STMT_AUDIT_SINCE] =
        "SELECT id, ts, session_id, event_type, tag, modal, route, payload_json FROM audit"
        " WHERE ts >= ?1 ORDER BY ts, seq",
    [STMT_SNAPSHOT_INSERT] =
        "INSERT OR IGNORE INTO snapshots(id, captured_at, raw, user_agent)"
        " VALUES(?1, ?2, ?3, ?4)",
};

void store_sqlite__conn_close(conn_t *c)
{
    for (int i = 0; i < STMT_COUNT; i++) sqlite3_finalize(c->stmt[i]);
    sqlite3_close_v2(c->db);
    free(c);
}

int store_sqlite__exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        LOG_ERROR("sql failed: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return ZE_STORE_UNAVAILABLE;
    }
    return ZE_OK;
}

conn_t *store_sqlite__conn_open(const char *path, char *err, size_t errlen)
{
    conn_t *c = xcalloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, store_sqlite__vfs()) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(c->db));
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 5000);
    /* synchronous=FULL: a commit returns only after its WAL frames are synced, so what was
     * acknowledged survives a power loss too (NORMAL would lose the last commits); group
     * commit (store_sqlite_group.c) pays that sync once for many changes. Checkpoints are
     * store_sqlite_wal.c's; journal_size_limit cuts the WAL back when it is reset. */
    if (store_sqlite__exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                        " PRAGMA wal_autocheckpoint=0;"
                        " PRAGMA journal_size_limit=" STR(WAL_KEEP_BYTES) ";") != ZE_OK) {
        snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(c->db));
        goto fail;
    }
    return c;
fail:
    store_sqlite__conn_close(c);
    return NULL;
}

conn_t *store_sqlite__conn_get(sqlite_store_t *ss)
{
    conn_t *c = pthread_getspecific(ss->key);
    if (c) return c;
    char err[256];
    c = store_sqlite__conn_open(ss->path, err, sizeof err);
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

/* A counter column: NULL (an empty cell) is -1. */
static int64_t count_col(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, col);
}

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
    store_sqlite__copy_col(s->ot, sizeof s->ot, st, 19);
    s->total_uniones = count_col(st, 20);
    s->uniones_arm_done = count_col(st, 21);
    s->uniones_sold_done = count_col(st, 22);
    s->pulgadas_arm_c = count_col(st, 23);
    s->pulgadas_sold_c = count_col(st, 24);
}

void store_sqlite__bind_count(sqlite3_stmt *st, int i, int64_t v)
{
    if (v < 0) sqlite3_bind_null(st, i);
    else sqlite3_bind_int64(st, i, v);
}

void store_sqlite__read_union(sqlite3_stmt *st, int first, zunion_t *u)
{
    memset(u, 0, sizeof *u);
    store_sqlite__copy_col(u->tag, sizeof u->tag, st, first);
    u->n = sqlite3_column_int(st, first + 1);
    store_sqlite__copy_col(u->ot, sizeof u->ot, st, first + 2);
    u->dn_c = sqlite3_column_int64(st, first + 3);
    store_sqlite__copy_col(u->tipo, sizeof u->tipo, st, first + 4);
    u->arm_inicio = sqlite3_column_int64(st, first + 5);
    u->arm_fin = sqlite3_column_int64(st, first + 6);
    store_sqlite__copy_col(u->arm_worker, sizeof u->arm_worker, st, first + 7);
    u->sol_inicio = sqlite3_column_int64(st, first + 8);
    u->sol_fin = sqlite3_column_int64(st, first + 9);
    store_sqlite__copy_col(u->sol_worker, sizeof u->sol_worker, st, first + 10);
    u->version = sqlite3_column_int64(st, first + 11);
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

static int ss_read_snapshot(store_t *st, int (*fn)(void *ud), void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    /* Already inside a transaction on this connection: that one is the snapshot. */
    if (!sqlite3_get_autocommit(c->db)) return fn(ud);
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        LOG_ERROR("read_snapshot: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    int ret = fn(ud);
    /* A read transaction writes nothing: its end only releases the snapshot. */
    if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK &&
        !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
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

/* ------------------------------------------------------------------------------------------ */
/* Write transactions                                                                          */
/* ------------------------------------------------------------------------------------------ */

conn_t *store_sqlite__write_begin(sqlite_store_t *ss)
{
    pthread_mutex_lock(&ss->write_mu);
    conn_t *c = ss->writer;
    if (!c || store_sqlite__exec(c->db, "BEGIN IMMEDIATE") != ZE_OK) {
        if (c) atomic_store(&ss->write_state, store_sqlite__write_state_of(c->db));
        pthread_mutex_unlock(&ss->write_mu);
        return NULL;
    }
    return c;
}

static int bump_generation(conn_t *c)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_GEN_BUMP);
    if (!q) return ZE_STORE_UNAVAILABLE;
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

int store_sqlite__write_end(sqlite_store_t *ss, conn_t *c, int ret, int bump)
{
    if (ret == ZE_OK && bump) ret = bump_generation(c);
    if (ret == ZE_OK && store_sqlite__exec(c->db, "COMMIT") != ZE_OK) ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_STORE_UNAVAILABLE)
        atomic_store(&ss->write_state, store_sqlite__write_state_of(c->db) == STORE_WRITE_OK
                                           ? STORE_WRITE_ERROR
                                           : store_sqlite__write_state_of(c->db));
    else if (ret == ZE_OK) atomic_store(&ss->write_state, STORE_WRITE_OK);
    if (ret != ZE_OK) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&ss->write_mu);
    return ret;
}

/* Import and export live in store_sqlite_bulk.c, row reads of workers and events in
 * store_sqlite_rows.c (same backend). */

static int ss_import(store_t *st, const sheets_t *in, char *err, size_t errlen)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    pthread_mutex_lock(&ss->write_mu);
    int ret = ss->writer ? store_sqlite__import(ss->writer->db, in, err, errlen)
                         : ZE_STORE_UNAVAILABLE;
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

static void ss_stats(store_t *st, store_stats_t *out)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    *out = (store_stats_t){
        .write_state = atomic_load(&ss->write_state),
        .changes = atomic_load(&ss->n_changes),
        .transactions = atomic_load(&ss->n_transactions),
        .syncs = store_sqlite__vfs() ? store_sqlite__syncs() : -1,
        .max_batch = atomic_load(&ss->max_batch),
        .wal_bytes = store_sqlite__wal_bytes(ss),
        .ckpt_hold_max_us = atomic_load(&ss->ckpt_hold_max_us),
    };
}

static void ss_close(store_t *st)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    store_sqlite__wal_stop(ss);
    if (ss->writer) store_sqlite__conn_close(ss->writer);
    pthread_mutex_destroy(&ss->ckpt_mu);
    group_destroy(&ss->gc);
    pthread_cond_destroy(&ss->ckpt_cv);
    conn_t *c = ss->conns;
    while (c) {
        conn_t *next = c->next;
        store_sqlite__conn_close(c);
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
    .read_snapshot = ss_read_snapshot,
    .spool_foreach = ss_spool_foreach,
    .spool_commit = store_sqlite__spool_commit,
    .worker_get = store_sqlite__worker_get,
    .worker_foreach = store_sqlite__worker_foreach,
    .event_foreach_tag = store_sqlite__event_foreach_tag,
    .event_foreach_since = store_sqlite__event_foreach_since,
    .event_last_seq = store_sqlite__event_last_seq,
    .import = ss_import,
    .export = ss_export,
    .ping = store_sqlite__ping,
    .generation = ss_generation,
    .stats = ss_stats,
    .unions_get = store_sqlite__unions_get,
    .unions_foreach = store_sqlite__unions_foreach,
    .commit = store_sqlite__commit,
    .notas_get = store_sqlite__notas_get,
    .tracked_foreach = store_sqlite__tracked_foreach,
    .tracked_put = store_sqlite__tracked_put,
    .tracked_remove = store_sqlite__tracked_remove,
    .audit_append = store_sqlite__audit_append,
    .audit_since = store_sqlite__audit_since,
    .snapshot_put = store_sqlite__snapshot_put,
    .device_add = store_sqlite__device_add,
    .device_enroll = store_sqlite__device_enroll,
    .device_by_token = store_sqlite__device_by_token,
    .device_touch = store_sqlite__device_touch,
    .device_revoke = store_sqlite__device_revoke,
    .device_foreach = store_sqlite__device_foreach,
    .supervisor_put = store_sqlite__supervisor_put,
    .supervisor_get = store_sqlite__supervisor_get,
    .session_add = store_sqlite__session_add,
    .session_get = store_sqlite__session_get,
    .session_end = store_sqlite__session_end,
    .pin_set = store_sqlite__pin_set,
    .pin_get = store_sqlite__pin_get,
    .pin_attempt = store_sqlite__pin_attempt,
    .pin_session_check = store_sqlite__pin_session_check,
    .backup = store_sqlite__backup,
    .sync_get = store_sqlite__sync_get,
    .sync_put = store_sqlite__sync_put,
};

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
    group_init(&ss->gc);
    if (pthread_key_create(&ss->key, on_thread_exit) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        pthread_mutex_destroy(&ss->conns_mu);
        pthread_mutex_destroy(&ss->write_mu);
        pthread_mutex_destroy(&ss->ckpt_mu);
        pthread_cond_destroy(&ss->ckpt_cv);
        group_destroy(&ss->gc);
        free(ss->path);
        free(ss);
        return NULL;
    }
    conn_t *c = store_sqlite__conn_open(path, err, errlen);
    if (!c) goto fail;
    pthread_setspecific(ss->key, c);
    ss->conns = c;
    if (store_sqlite__migrate(c->db, err, errlen) != ZE_OK) goto fail;
    if (!(ss->writer = store_sqlite__conn_open(path, err, errlen))) goto fail;
    if (store_sqlite__wal_start(ss) != ZE_OK) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        goto fail;
    }
    return &ss->base;
fail:
    ss_close(&ss->base);
    return NULL;
}
