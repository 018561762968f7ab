/* The PostgreSQL backend of the store, for several server instances on one database: a small
 * pool of connections (one per concurrent caller, at most PG_POOL_MAX), every value sent as a
 * parameter, every failure of the server or the network answered as ZE_STORE_UNAVAILABLE
 * within a few seconds (connect, statement and lock timeouts), and a pool that reconnects by
 * itself after the server restarts. This file holds the pool, the query and value helpers,
 * open and close and the ops table; the other store_pg_*.c files are listed in
 * store_pg_int.h, which also says how writers of several processes are serialised. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#define LOG_MODULE "store"

/* ------------------------------------------------------------------------------------------ */
/* Parameters and values                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void pgp_put(pgp_t *p, const char *v)
{
    if (p->n >= PGP_MAX) abort(); /* a statement of ours with too many parameters: a bug */
    p->v[p->n++] = v;
}

void pgp_text(pgp_t *p, const char *s) { pgp_put(p, s ? s : ""); }

void pgp_opt(pgp_t *p, const char *s) { pgp_put(p, s && s[0] ? s : NULL); }

void pgp_int(pgp_t *p, int64_t v)
{
    if (p->n >= PGP_MAX) abort();
    snprintf(p->num[p->n], sizeof p->num[0], "%" PRId64, v);
    pgp_put(p, p->num[p->n]);
}

void pgp_count(pgp_t *p, int64_t v)
{
    if (v < 0) pgp_put(p, NULL);
    else pgp_int(p, v);
}

void pgp_bool(pgp_t *p, int v) { pgp_put(p, v ? "t" : "f"); }

int64_t store_pg__int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col)) return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int64_t store_pg__count(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? -1 : store_pg__int(r, row, col);
}

void store_pg__copy(char *dst, size_t n, const PGresult *r, int row, int col)
{
    snprintf(dst, n, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

const char *store_pg__text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

void store_pg__read_spool(const PGresult *r, int i, spool_t *s)
{
    memset(s, 0, sizeof *s);
    s->row = store_pg__int(r, i, 0);
    store_pg__copy(s->tag, sizeof s->tag, r, i, 1);
    store_pg__copy(s->nv, sizeof s->nv, r, i, 2);
    s->fecha_materiales = (int)store_pg__int(r, i, 3);
    s->fecha_armado = (int)store_pg__int(r, i, 4);
    s->fecha_soldadura = (int)store_pg__int(r, i, 5);
    s->fecha_qc = (int)store_pg__int(r, i, 6);
    store_pg__copy(s->armador, sizeof s->armador, r, i, 7);
    store_pg__copy(s->soldador, sizeof s->soldador, r, i, 8);
    store_pg__copy(s->ocupado_por, sizeof s->ocupado_por, r, i, 9);
    s->ocupado_worker_id = store_pg__int(r, i, 10);
    s->ocupado_op = (zop_t)store_pg__int(r, i, 11);
    s->fecha_ocupacion = store_pg__int(r, i, 12);
    store_pg__copy(s->lock_token, sizeof s->lock_token, r, i, 13);
    s->version = store_pg__int(r, i, 14);
    s->metrologia = (zmetro_t)store_pg__int(r, i, 15);
    s->repair = (zrepair_t)store_pg__int(r, i, 16);
    s->repair_cycle = (int)store_pg__int(r, i, 17);
    store_pg__copy(s->estado_detalle, sizeof s->estado_detalle, r, i, 18);
    store_pg__copy(s->ot, sizeof s->ot, r, i, 19);
    s->total_uniones = store_pg__count(r, i, 20);
    s->uniones_arm_done = store_pg__count(r, i, 21);
    s->uniones_sold_done = store_pg__count(r, i, 22);
    s->pulgadas_arm_c = store_pg__count(r, i, 23);
    s->pulgadas_sold_c = store_pg__count(r, i, 24);
}

void store_pg__read_union(const PGresult *r, int i, int f, zunion_t *u)
{
    memset(u, 0, sizeof *u);
    store_pg__copy(u->tag, sizeof u->tag, r, i, f);
    u->n = (int)store_pg__int(r, i, f + 1);
    store_pg__copy(u->ot, sizeof u->ot, r, i, f + 2);
    u->dn_c = store_pg__int(r, i, f + 3);
    store_pg__copy(u->tipo, sizeof u->tipo, r, i, f + 4);
    u->arm_inicio = store_pg__int(r, i, f + 5);
    u->arm_fin = store_pg__int(r, i, f + 6);
    store_pg__copy(u->arm_worker, sizeof u->arm_worker, r, i, f + 7);
    u->sol_inicio = store_pg__int(r, i, f + 8);
    u->sol_fin = store_pg__int(r, i, f + 9);
    store_pg__copy(u->sol_worker, sizeof u->sol_worker, r, i, f + 10);
    u->version = store_pg__int(r, i, f + 11);
}

void store_pg__read_event(const PGresult *r, int i, event_rec_t *e)
{
    memset(e, 0, sizeof *e);
    e->seq = store_pg__int(r, i, 0);
    store_pg__copy(e->id, sizeof e->id, r, i, 1);
    e->ts = store_pg__int(r, i, 2);
    store_pg__copy(e->tipo, sizeof e->tipo, r, i, 3);
    store_pg__copy(e->tag, sizeof e->tag, r, i, 4);
    e->worker_id = store_pg__int(r, i, 5);
    store_pg__copy(e->worker_nombre, sizeof e->worker_nombre, r, i, 6);
    store_pg__copy(e->operacion, sizeof e->operacion, r, i, 7);
    store_pg__copy(e->accion, sizeof e->accion, r, i, 8);
    e->fecha_operacion = (int)store_pg__int(r, i, 9);
    store_pg__copy(e->metadata_json, sizeof e->metadata_json, r, i, 10);
    store_pg__copy(e->live_json, sizeof e->live_json, r, i, 11);
    e->n_union = (int)store_pg__int(r, i, 12);
}

void store_pg__params_tracking(pgp_t *p, const spool_t *s)
{
    pgp_int(p, s->fecha_armado);
    pgp_int(p, s->fecha_soldadura);
    pgp_int(p, s->fecha_qc);
    pgp_text(p, s->armador);
    pgp_text(p, s->soldador);
    pgp_text(p, s->ocupado_por);
    pgp_int(p, s->ocupado_worker_id);
    pgp_int(p, (int)s->ocupado_op);
    pgp_int(p, s->fecha_ocupacion);
    pgp_text(p, s->lock_token);
    pgp_int(p, s->version);
    pgp_int(p, (int)s->metrologia);
    pgp_int(p, (int)s->repair);
    pgp_int(p, s->repair_cycle);
    pgp_text(p, s->estado_detalle);
    pgp_count(p, s->total_uniones);
    pgp_count(p, s->uniones_arm_done);
    pgp_count(p, s->uniones_sold_done);
    pgp_count(p, s->pulgadas_arm_c);
    pgp_count(p, s->pulgadas_sold_c);
}

/* ------------------------------------------------------------------------------------------ */
/* Queries                                                                                     */
/* ------------------------------------------------------------------------------------------ */

PGresult *store_pg__q(pgc_t *c, const char *sql, const pgp_t *p)
{
    PGresult *r = PQexecParams(c->pg, sql, p ? p->n : 0, NULL, p ? p->v : NULL, NULL, NULL, 0);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
        c->sqlstate[0] = '\0';
        return r;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    LOG_ERROR("postgres: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    PQclear(r);
    return NULL;
}

PGresult *store_pg__read(pg_store_t *ps, const char *sql, const pgp_t *p)
{
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return NULL;
    PGresult *r = store_pg__q(c, sql, p);
    store_pg__release(ps, c);
    return r;
}

int store_pg__cmd(pgc_t *c, const char *sql, const pgp_t *p, long *rows)
{
    PGresult *r = store_pg__q(c, sql, p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    if (rows) *rows = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return ZE_OK;
}

int store_pg__cmd_err(pgc_t *c, const char *sql, const pgp_t *p, long *rows, char *err,
                      size_t errlen)
{
    int ret = store_pg__cmd(c, sql, p, rows);
    if (ret != ZE_OK && err && errlen) {
        snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
        size_t n = strlen(err);
        while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) err[--n] = '\0';
    }
    return ret;
}

int store_pg__write_state_of(const pgc_t *c)
{
    if (PQstatus(c->pg) != CONNECTION_OK) return STORE_WRITE_ERROR;
    if (strcmp(c->sqlstate, "25006") == 0) return STORE_WRITE_READ_ONLY; /* a standby */
    if (strcmp(c->sqlstate, "53100") == 0) return STORE_WRITE_FULL;
    return c->sqlstate[0] ? STORE_WRITE_ERROR : STORE_WRITE_OK;
}

int store_pg__db_failure(const pgc_t *c)
{
    if (PQstatus(c->pg) != CONNECTION_OK || !c->sqlstate[0]) return 1;
    /* The server's or the connection's: 08 connection, 25 transaction state (a read-only
     * standby), 40 serialization / deadlock, 53 resources (disk full), 55 lock not available
     * (lock_timeout), 57 operator intervention (shutdown, statement_timeout), 58 system, XX
     * internal. Anything else (a constraint, bad data, a trigger that refuses the row) belongs
     * to the one change whose statement it was; the others in its batch still commit. */
    static const char *const server_classes[] = {"08", "25", "40", "53", "55", "57", "58", "XX"};
    for (size_t i = 0; i < sizeof server_classes / sizeof server_classes[0]; i++)
        if (strncmp(c->sqlstate, server_classes[i], 2) == 0) return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The pool                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void conn_free(pgc_t *c)
{
    if (!c) return;
    PQfinish(c->pg);
    free(c);
}

/* Whether an idle connection still works: reading what the server sent meanwhile finds a
 * connection it closed (a restart sends a FATAL message, then EOF) without a round trip. */
static int conn_alive(pgc_t *c)
{
    if (PQstatus(c->pg) != CONNECTION_OK) return 0;
    if (!PQconsumeInput(c->pg)) return 0;
    return PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

/* Server notices (e.g. "relation already exists, skipping") are not errors: not printed. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static pgc_t *conn_open(pg_store_t *ps, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdbParams(ps->kw, ps->val, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        const char *m = pg ? PQerrorMessage(pg) : "out of memory";
        snprintf(err, errlen, "cannot connect to %s: %s", ps->safe_url, m);
        size_t n = strlen(err);
        while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) err[--n] = '\0';
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, on_notice, NULL);
    pgc_t *c = xcalloc(1, sizeof *c);
    c->pg = pg;
    return c;
}

pgc_t *store_pg__acquire(pg_store_t *ps)
{
    struct timespec deadline = clock_deadline_in(PG_POOL_WAIT_MS);
    pthread_mutex_lock(&ps->mu);
    for (;;) {
        if (ps->idle) {
            pgc_t *c = ps->idle;
            ps->idle = c->next;
            c->next = NULL;
            pthread_mutex_unlock(&ps->mu);
            if (conn_alive(c)) return c;
            conn_free(c);
            pthread_mutex_lock(&ps->mu);
            ps->n_open--;
            continue;
        }
        if (ps->n_open < PG_POOL_MAX) {
            ps->n_open++;
            pthread_mutex_unlock(&ps->mu);
            char err[512];
            pgc_t *c = conn_open(ps, err, sizeof err);
            if (c) return c;
            LOG_ERROR("%s", err);
            pthread_mutex_lock(&ps->mu);
            ps->n_open--;
            pthread_cond_signal(&ps->cv);
            pthread_mutex_unlock(&ps->mu);
            atomic_store(&ps->write_state, STORE_WRITE_ERROR);
            return NULL;
        }
        if (pthread_cond_timedwait(&ps->cv, &ps->mu, &deadline) != 0 && !ps->idle &&
            ps->n_open >= PG_POOL_MAX) {
            pthread_mutex_unlock(&ps->mu);
            LOG_ERROR("postgres: no free connection after %d ms", PG_POOL_WAIT_MS);
            return NULL;
        }
    }
}

void store_pg__release(pg_store_t *ps, pgc_t *c)
{
    if (!c) return;
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->pg, "ROLLBACK");
        PQclear(r);
    }
    pgc_t *stale = NULL;
    pthread_mutex_lock(&ps->mu);
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
        c->sqlstate[0] = '\0';
        c->next = ps->idle;
        ps->idle = c;
    } else {
        /* The server went away (a restart, a failover): the idle connections went with it.
         * Drop them all now, so the next callers connect afresh instead of each finding out. */
        c->next = ps->idle;
        stale = c;
        ps->idle = NULL;
        for (pgc_t *s = stale; s; s = s->next) ps->n_open--;
    }
    pthread_cond_broadcast(&ps->cv);
    pthread_mutex_unlock(&ps->mu);
    while (stale) {
        pgc_t *next = stale->next;
        conn_free(stale);
        stale = next;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Write transactions                                                                          */
/* ------------------------------------------------------------------------------------------ */

int store_pg__write_begin(pgc_t *c, int64_t *seq)
{
    if (store_pg__cmd(c, "BEGIN", NULL, NULL) != ZE_OK) return ZE_STORE_UNAVAILABLE;
    /* First statement of every write transaction: the lock that orders writers (see
     * store_pg_int.h). */
    PGresult *r = store_pg__q(c, "SELECT seq FROM counters WHERE one FOR UPDATE", NULL);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        PQclear(PQexec(c->pg, "ROLLBACK"));
        return ZE_STORE_UNAVAILABLE;
    }
    if (seq) *seq = store_pg__int(r, 0, 0);
    PQclear(r);
    return ZE_OK;
}

int store_pg__write_end(pg_store_t *ps, pgc_t *c, int ret, int bump, int64_t seq)
{
    if (ret == ZE_OK && (bump || seq >= 0)) {
        pgp_t p = {0};
        pgp_bool(&p, bump);
        pgp_int(&p, seq);
        ret = store_pg__cmd(c,
                            "UPDATE counters SET generation = generation + CASE WHEN $1 THEN 1"
                            " ELSE 0 END, seq = CASE WHEN $2::bigint >= 0 THEN $2::bigint"
                            " ELSE seq END WHERE one",
                            &p, NULL);
    }
    if (ret == ZE_OK && store_pg__cmd(c, "COMMIT", NULL, NULL) != ZE_OK)
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_STORE_UNAVAILABLE) {
        int ws = store_pg__write_state_of(c);
        atomic_store(&ps->write_state, ws == STORE_WRITE_OK ? STORE_WRITE_ERROR : ws);
    } else if (ret == ZE_OK) {
        atomic_store(&ps->write_state, STORE_WRITE_OK);
    }
    if (ret != ZE_OK && PQstatus(c->pg) == CONNECTION_OK &&
        PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Small ops                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Also tells whether the server takes writes, so that health need not wait for the next write
 * to say so: a standby (in recovery) makes the state read-only; a server that answers and is
 * not one clears a read-only or error state (a disk-full state stays until a write succeeds,
 * since only a write can tell). */
static int pg_ping(store_t *st)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    PGresult *r = store_pg__q(c, "SELECT pg_is_in_recovery()", NULL);
    int ret = r && PQntuples(r) == 1 ? ZE_OK : ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK) {
        if (PQgetvalue(r, 0, 0)[0] == 't') {
            atomic_store(&ps->write_state, STORE_WRITE_READ_ONLY);
        } else {
            int ws = atomic_load(&ps->write_state);
            if (ws == STORE_WRITE_READ_ONLY || ws == STORE_WRITE_ERROR)
                atomic_compare_exchange_strong(&ps->write_state, &ws, STORE_WRITE_OK);
        }
    }
    PQclear(r);
    store_pg__release(ps, c);
    return ret;
}

static int pg_generation(store_t *st, int64_t *out)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    PGresult *r = store_pg__q(c, "SELECT generation FROM counters WHERE one", NULL);
    int ret = r && PQntuples(r) == 1 ? ZE_OK : ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK) *out = store_pg__int(r, 0, 0);
    PQclear(r);
    store_pg__release(ps, c);
    return ret;
}

static void pg_stats(store_t *st, store_stats_t *out)
{
    pg_store_t *ps = (pg_store_t *)st;
    /* The server syncs its WAL; how often is its business (pg_stat_wal), not known here. */
    *out = (store_stats_t){
        .write_state = atomic_load(&ps->write_state),
        .changes = atomic_load(&ps->n_changes),
        .transactions = atomic_load(&ps->n_transactions),
        .syncs = -1,
        .max_batch = atomic_load(&ps->max_batch),
        .wal_bytes = -1,
        .ckpt_hold_max_us = -1,
    };
}

/* ------------------------------------------------------------------------------------------ */
/* Open / close                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void pg_close(store_t *st)
{
    pg_store_t *ps = (pg_store_t *)st;
    if (!ps) return;
    pgc_t *c = ps->idle;
    while (c) {
        pgc_t *next = c->next;
        conn_free(c);
        c = next;
    }
    pthread_mutex_destroy(&ps->mu);
    pthread_cond_destroy(&ps->cv);
    group_destroy(&ps->gc);
    for (int i = 0; ps->val && ps->kw[i]; i++) free((char *)ps->val[i]);
    free(ps->kw);
    free(ps->val);
    free(ps->safe_url);
    free(ps);
}

static const struct store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .spool_get = store_pg__spool_get,
    .spool_foreach = store_pg__spool_foreach,
    .spool_commit = store_pg__spool_commit,
    .worker_get = store_pg__worker_get,
    .worker_foreach = store_pg__worker_foreach,
    .event_foreach_tag = store_pg__event_foreach_tag,
    .event_foreach_since = store_pg__event_foreach_since,
    .event_last_seq = store_pg__event_last_seq,
    .import = store_pg__import,
    .export = store_pg__export,
    .ping = pg_ping,
    .generation = pg_generation,
    .stats = pg_stats,
    .unions_get = store_pg__unions_get,
    .unions_foreach = store_pg__unions_foreach,
    .commit = store_pg__commit,
    .notas_get = store_pg__notas_get,
    .tracked_foreach = store_pg__tracked_foreach,
    .tracked_put = store_pg__tracked_put,
    .tracked_remove = store_pg__tracked_remove,
    .audit_append = store_pg__audit_append,
    .audit_since = store_pg__audit_since,
    .snapshot_put = store_pg__snapshot_put,
    .device_add = store_pg__device_add,
    .device_enroll = store_pg__device_enroll,
    .device_by_token = store_pg__device_by_token,
    .device_touch = store_pg__device_touch,
    .device_revoke = store_pg__device_revoke,
    .device_foreach = store_pg__device_foreach,
    .supervisor_put = store_pg__supervisor_put,
    .supervisor_get = store_pg__supervisor_get,
    .session_add = store_pg__session_add,
    .session_get = store_pg__session_get,
    .session_end = store_pg__session_end,
    .pin_set = store_pg__pin_set,
    .pin_get = store_pg__pin_get,
    .pin_attempt = store_pg__pin_attempt,
    .pin_session_check = store_pg__pin_session_check,
    .sync_get = store_pg__sync_get,
    .sync_put = store_pg__sync_put,
};

/* Connection settings every connection gets unless the URL sets them itself: nothing may hang
 * (connect, statements, lock waits, an idle transaction, a dead peer), and a commit is
 * acknowledged only once the server flushed it (synchronous_commit=on, whatever the server's
 * default). The URL comes last: what it says wins. */
static const char *const defaults[][2] = {
    {"connect_timeout", "3"},
    {"application_name", "zeues"},
    {"options", "-c statement_timeout=15000 -c lock_timeout=5000"
                " -c idle_in_transaction_session_timeout=60000 -c synchronous_commit=on"},
    {"keepalives", "1"},
    {"keepalives_idle", "10"},
    {"keepalives_interval", "3"},
    {"keepalives_count", "3"},
    {"tcp_user_timeout", "10000"},
};
#define N_DEFAULTS (sizeof defaults / sizeof defaults[0])

const char *store_pg_safe_url(const char *url, char *out, size_t n)
{
    /* scheme://user:password@host... -> scheme://user@host... */
    const char *s = strstr(url, "://");
    const char *at = s ? strchr(s + 3, '@') : NULL;
    const char *colon = s ? strchr(s + 3, ':') : NULL;
    if (at && colon && colon < at) snprintf(out, n, "%.*s%s", (int)(colon - url), url, at);
    else snprintf(out, n, "%s", url);
    return out;
}

store_t *store_pg_open(const char *url, char *err, size_t errlen)
{
    pg_store_t *ps = xcalloc(1, sizeof *ps);
    ps->base.ops = &pg_ops;
    char safe[1024];
    ps->safe_url = xstrdup(store_pg_safe_url(url, safe, sizeof safe));
    pthread_mutex_init(&ps->mu, NULL);
    clock_cond_init(&ps->cv);
    group_init(&ps->gc);
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        snprintf(err, errlen, "store '%s': not a PostgreSQL URL: %s", safe,
                 perr ? perr : "out of memory");
        PQfreemem(perr);
        pg_close(&ps->base);
        return NULL;
    }
    ps->kw = xcalloc(N_DEFAULTS + 3, sizeof *ps->kw);
    ps->val = xcalloc(N_DEFAULTS + 3, sizeof *ps->val);
    size_t k = 0;
    const char *default_options = NULL;
    for (size_t i = 0; i < N_DEFAULTS; i++, k++) {
        ps->kw[k] = defaults[i][0];
        ps->val[k] = xstrdup(defaults[i][1]);
        if (strcmp(defaults[i][0], "options") == 0) default_options = defaults[i][1];
    }
    ps->kw[k] = "dbname"; /* expanded: the URL's own settings override the above */
    ps->val[k++] = xstrdup(url);
    /* ...except that options the URL gives (e.g. -c search_path=...) are added to ours, not
     * put in their place: the timeouts stay unless the URL sets them itself (a later -c of
     * the same setting wins). */
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val && o->val[0] && default_options) {
            size_t n = strlen(default_options) + strlen(o->val) + 2;
            char *merged = xmalloc(n);
            snprintf(merged, n, "%s %s", default_options, o->val);
            ps->kw[k] = "options";
            ps->val[k++] = merged;
        }
    PQconninfoFree(opts);
    pgc_t *c = conn_open(ps, err, errlen);
    if (!c) {
        pg_close(&ps->base);
        return NULL;
    }
    ps->n_open = 1;
    if (store_pg__migrate(c, err, errlen) != ZE_OK) {
        conn_free(c);
        ps->n_open = 0;
        pg_close(&ps->base);
        return NULL;
    }
    store_pg__release(ps, c);
    return &ps->base;
}
