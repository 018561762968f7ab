/* Internals shared by the files of the PostgreSQL backend (store_pg*.c), the only files that
 * include libpq; nothing else includes this. The files: store_pg.c (connection pool, query
 * helpers, open and close, the ops table), store_pg_schema.c (schema and migrations),
 * store_pg_rows.c (spool, worker, event, union and Notas reads), store_pg_commit.c (the write
 * transaction of a state change, group commit), store_pg_bulk.c (import, export),
 * store_pg_supervisor.c (tracked list, audit book, legacy snapshots), store_pg_devices.c
 * (enrolled devices).
 *
 * Every write transaction begins by locking the one row of the counters table (SELECT ... FOR
 * UPDATE), which holds the generation and the last event sequence number. Writers of every
 * process therefore commit one after another, in the order they took that lock; the next one
 * takes its sequence numbers only after the previous one committed and is visible. That is
 * store.h rule 6 (sequence visibility) and rule 9 (generation) on a server with concurrent
 * clients. Within a process, group commit (store_pg_commit.c) puts many changes in one such
 * transaction. */
#ifndef ZEUES_STORE_PG_INT_H
#define ZEUES_STORE_PG_INT_H
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store/store.h"
#include "util/group.h"

/* The columns store_pg__read_spool reads, in its order (the same as the SQLite backend's). */
#define PG_SPOOL_COLS                                                                       \
    "row, tag, nv, fecha_materiales, fecha_armado, fecha_soldadura, fecha_qc, armador,"     \
    " soldador, ocupado_por, ocupado_worker_id, ocupado_op, fecha_ocupacion, lock_token,"   \
    " version, metrologia, repair, repair_cycle, estado_detalle, ot, total_uniones,"        \
    " uniones_arm_completadas, uniones_sold_completadas, pulgadas_arm_c, pulgadas_sold_c"
#define PG_SPOOL_NCOLS 25

#define PG_UNION_COLS                                                                       \
    "tag, n, ot, dn_c, tipo, arm_inicio, arm_fin, arm_worker, sol_inicio, sol_fin,"         \
    " sol_worker, version"
#define PG_UNION_NCOLS 12

#define PG_EVENT_COLS                                                                       \
    "seq, id, ts, tipo, tag, worker_id, worker_nombre, operacion, accion, fecha_operacion," \
    " metadata_json, live_json, n_union"

/** Most connections one store keeps open (one per concurrent caller). */
#define PG_POOL_MAX 16
/** How long a caller waits for a free connection before ZE_STORE_UNAVAILABLE. */
#define PG_POOL_WAIT_MS 5000

typedef struct pgc {
    PGconn *pg;
    char sqlstate[6]; /* of the last failed command ("" = none, or the connection broke) */
    struct pgc *next;
} pgc_t;

typedef struct pg_store {
    store_t base;
    const char **kw, **val; /* PQconnectdbParams arrays (NULL-terminated), owned */
    char *safe_url;         /* the URL without its password, for messages */
    pthread_mutex_t mu;     /* guards idle, n_open */
    pthread_cond_t cv;
    pgc_t *idle;
    int n_open;
    /* Group commit (store_pg_commit.c). */
    group_t gc;
    _Atomic long long n_changes, n_transactions, max_batch;
    _Atomic int write_state;
} pg_store_t;

/* ---- parameters: every value goes to the server as a parameter, never into the SQL ---- */

#define PGP_MAX 32
typedef struct pgp {
    int n;
    const char *v[PGP_MAX];
    char num[PGP_MAX][24];
} pgp_t;

/** Text parameter (borrowed until the query ran). */
void pgp_text(pgp_t *p, const char *s);
/** Text parameter, NULL when s is NULL or "". */
void pgp_opt(pgp_t *p, const char *s);
void pgp_int(pgp_t *p, int64_t v);
/** Integer parameter, NULL when v < 0 (the -1 = empty cell convention of the counters). */
void pgp_count(pgp_t *p, int64_t v);
void pgp_bool(pgp_t *p, int v);

/* ---- connections ---- */

/** A connection of the pool for the caller's exclusive use (opened when none is idle and
 *  fewer than PG_POOL_MAX are open); NULL when the server cannot be reached. Give it back with
 *  store_pg__release. */
pgc_t *store_pg__acquire(pg_store_t *ps);
/** Gives c back: a broken connection is closed (and with it every idle one, which the same
 *  server restart broke too); one left inside a transaction is rolled back first. */
void store_pg__release(pg_store_t *ps, pgc_t *c);

/** Runs sql with p (NULL = no parameters). The result when the command succeeded (caller
 *  PQclear()s it), else NULL with the server's message logged (what names the failure). */
PGresult *store_pg__q(pgc_t *c, const char *sql, const pgp_t *p);
/** One read on a connection of the pool: the result (caller PQclear()s it; it holds every
 *  row, so visitors may call the store again), NULL when the server failed or is not there. */
PGresult *store_pg__read(pg_store_t *ps, const char *sql, const pgp_t *p);
/** store_pg__q for a command whose result is not needed; ZE_OK or ZE_STORE_UNAVAILABLE. When
 *  rows is not NULL it gets the number of rows the command touched. */
int store_pg__cmd(pgc_t *c, const char *sql, const pgp_t *p, long *rows);
/** store_pg__cmd with the server's message in err (bulk paths). */
int store_pg__cmd_err(pgc_t *c, const char *sql, const pgp_t *p, long *rows, char *err,
                      size_t errlen);

/** The store_write_state_t the last failure on c means (read-only standby, disk full, ...). */
int store_pg__write_state_of(const pgc_t *c);
/** Whether the last failure on c is the server's or the connection's rather than one
 *  statement's own (a constraint): then nothing more can be done in the transaction. */
int store_pg__db_failure(const pgc_t *c);

/* ---- values ---- */

int64_t store_pg__int(const PGresult *r, int row, int col);
/** A counter column: NULL (an empty cell) is -1. */
int64_t store_pg__count(const PGresult *r, int row, int col);
/** Copies a text column into a fixed buffer ("" for NULL). */
void store_pg__copy(char *dst, size_t n, const PGresult *r, int row, int col);
/** NULL for a NULL column, else its text (borrowed from r). */
const char *store_pg__text(const PGresult *r, int row, int col);
void store_pg__read_spool(const PGresult *r, int row, spool_t *s);
void store_pg__read_union(const PGresult *r, int row, int first, zunion_t *u);
void store_pg__read_event(const PGresult *r, int row, event_rec_t *e);
/** Adds the 20 tracking fields of s (fecha_armado .. estado_detalle, total_uniones ..
 *  pulgadas_sold_c), in the order the spool writes use them. */
void store_pg__params_tracking(pgp_t *p, const spool_t *s);

/* ---- write transactions ---- */

/** Begins a write transaction on c: BEGIN, then the counters row locked. *seq gets the last
 *  event sequence number (may be NULL). ZE_OK or ZE_STORE_UNAVAILABLE (rolled back). */
int store_pg__write_begin(pgc_t *c, int64_t *seq);
/** Ends it: when ret is ZE_OK, stores the counters (generation + 1 when bump, last sequence
 *  number seq when seq >= 0) and commits, else rolls back. Returns ret, or
 *  ZE_STORE_UNAVAILABLE when the commit failed. Records the outcome in ps->write_state. */
int store_pg__write_end(pg_store_t *ps, pgc_t *c, int ret, int bump, int64_t seq);

/* store_pg_schema.c */
/** Creates or migrates the schema to the current version in one transaction. */
int store_pg__migrate(pgc_t *c, char *err, size_t errlen);

/* store_pg_rows.c */
int store_pg__spool_get(store_t *st, const char *tag, spool_t *out);
int store_pg__spool_foreach(store_t *st, spool_visit_fn fn, void *ud);
int store_pg__worker_get(store_t *st, int64_t id, worker_t *out);
int store_pg__worker_foreach(store_t *st, worker_visit_fn fn, void *ud);
int store_pg__event_foreach_tag(store_t *st, const char *tag, event_visit_fn fn, void *ud);
int store_pg__event_foreach_since(store_t *st, int64_t after, size_t limit, event_visit_fn fn,
                                  void *ud);
int store_pg__event_last_seq(store_t *st, int64_t *out);
int store_pg__unions_get(store_t *st, const char *tag, zunion_t *out, size_t *n);
int store_pg__unions_foreach(store_t *st, union_visit_fn fn, void *ud);
int store_pg__notas_get(store_t *st, const char *tag, char *out, size_t n);

/* store_pg_commit.c */
int store_pg__commit(store_t *st, store_change_t *c);
/** Appends events (n may be 0) inside the open write transaction of c (store_pg__write_begin),
 *  numbering them after *seq, which advances; their seq is set. */
int store_pg__append_events(pgc_t *c, event_rec_t *ev, size_t n, int64_t *seq);
int store_pg__spool_commit(store_t *st, spool_t *s, int64_t expected_version, event_rec_t *ev,
                           size_t nev);

/* store_pg_bulk.c */
int store_pg__import(store_t *st, const sheets_t *in, char *err, size_t errlen);
/** SQL condition "the spool TAG is not marked stale by this import" (sheets_t.only_current;
 *  the import's temporary table import_stale). */
#define PG_NOT_STALE(TAG) "NOT EXISTS (SELECT 1 FROM import_stale s WHERE s.tag = " TAG ")"
/* store_pg_accounts.c */
int store_pg__supervisor_put(store_t *st, const char *name, const char *pw_hash, int64_t now,
                             int *created);
int store_pg__supervisor_get(store_t *st, const char *name, supervisor_t *out);
int store_pg__session_add(store_t *st, int64_t supervisor_id, const char *token_hash,
                          int64_t expires_at, int64_t now);
int store_pg__session_get(store_t *st, const char *token_hash, int64_t now, supervisor_t *out,
                          int64_t *expires_at);
int store_pg__session_end(store_t *st, const char *token_hash);
/* store_pg_pins.c */
int store_pg__pin_set(store_t *st, int64_t worker_id, const char *pin_hash, int64_t now,
                      event_rec_t *ev, size_t nev);
int store_pg__pin_get(store_t *st, int64_t worker_id, pin_state_t *out);
int store_pg__pin_attempt(store_t *st, int64_t worker_id, int64_t device_id, int ok, int64_t now,
                          int64_t session_expires, int lock_after, event_rec_t *lock_ev,
                          pin_state_t *out);
int store_pg__pin_session_check(store_t *st, int64_t device_id, int64_t worker_id, int64_t now);
/* store_pg_sync.c */
int store_pg__sync_get(store_t *st, const char *name, int64_t *out);
int store_pg__sync_put(store_t *st, const char *name, int64_t value);
int store_pg__export(store_t *st, sheets_t *out);

/* Helpers of the bulk paths (store_pg_bulk.c), shared with store_pg_bulk_unions.c; they run
 * inside the open transaction of c. Errors carry the server's text in err. */
int store_pg__save_headers(pgc_t *c, const char *sheet, char **headers, size_t n, char *err,
                           size_t errlen);
/** The stored header row of sheet (caller frees with store_pg__free_headers). */
char **store_pg__load_headers(pgc_t *c, const char *sheet, size_t *n);
void store_pg__free_headers(char **v, size_t n);
/** extra cells (n of them, NULL = tracked column) as the JSON array the extra columns hold
 *  (caller frees). */
char *store_pg__extra_json(char **extra, size_t n);
/** The inverse: n cells from such a JSON array (caller frees each and the array). */
char **store_pg__extra_cells(const char *json, size_t n);
/** Rows that select_sql gives (key columns, then extra last) get their extra cells moved from
 *  the old layout's positions to the new one's by header name, written with update_sql ($1..
 *  the keys, then the new extra). */
int store_pg__remap_unlisted(pgc_t *c, const char *select_sql, const char *update_sql,
                             char **old_h, size_t n_old, char **new_h, size_t n_new, char *err,
                             size_t errlen);

/* store_pg_bulk_unions.c (inside the transactions of import / export) */
int store_pg__import_unions(pgc_t *c, const sheets_t *in, char *err, size_t errlen);
int store_pg__import_counters(pgc_t *c, const sheets_t *in, char *err, size_t errlen);
int store_pg__export_unions(pgc_t *c, sheets_t *out);

/* store_pg_supervisor.c */
int store_pg__tracked_foreach(store_t *st, tracked_visit_fn fn, void *ud);
int store_pg__tracked_put(store_t *st, const char *tag, int64_t now, tracked_t *out);
int store_pg__tracked_remove(store_t *st, const char *tag, int *removed);
int store_pg__audit_append(store_t *st, const audit_ev_t *ev, size_t n, size_t *appended);
int store_pg__audit_since(store_t *st, int64_t since, audit_visit_fn fn, void *ud);
int store_pg__snapshot_put(store_t *st, const snapshot_t *snap, int *written);

/* store_pg_devices.c */
int store_pg__device_add(store_t *st, const char *name, const char *code_hash,
                         int64_t code_expires, int64_t now);
int store_pg__device_enroll(store_t *st, const char *code_hash, const char *token_hash,
                            int64_t now, device_t *out);
int store_pg__device_by_token(store_t *st, const char *token_hash, device_t *out);
int store_pg__device_touch(store_t *st, int64_t id, int64_t now);
int store_pg__device_revoke(store_t *st, const char *name, int64_t now);
int store_pg__device_foreach(store_t *st, device_visit_fn fn, void *ud);

#endif
