/* Internals shared by the files of the SQLite backend (store_sqlite*.c); nothing else
 * includes this. The files: store_sqlite.c (connections, statement cache, spool reads, open and
 * close), store_sqlite_schema.c (schema and migrations), store_sqlite_commit.c (the one write
 * transaction of a state change), store_sqlite_unions.c (union and Notas reads),
 * store_sqlite_supervisor.c (tracked list, audit book, legacy snapshots),
 * store_sqlite_devices.c (enrolled devices), store_sqlite_accounts.c (supervisors and their
 * sessions), store_sqlite_pins.c (worker PINs), store_sqlite_sync.c (the spreadsheet sync's
 * cursors), store_sqlite_backup.c (online backup), store_sqlite_rows.c (workers and events),
 * store_sqlite_bulk.c and store_sqlite_bulk_unions.c (import, export). */
#ifndef ZEUES_STORE_SQLITE_INT_H
#define ZEUES_STORE_SQLITE_INT_H
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/store.h"
#include "util/group.h"

/* The columns store_sqlite__read_spool reads, in its order. */
#define SPOOL_COLS                                                                          \
    "row, tag, nv, fecha_materiales, fecha_armado, fecha_soldadura, fecha_qc, armador,"     \
    " soldador, ocupado_por, ocupado_worker_id, ocupado_op, fecha_ocupacion, lock_token,"   \
    " version, metrologia, repair, repair_cycle, estado_detalle, ot, total_uniones,"        \
    " uniones_arm_completadas, uniones_sold_completadas, pulgadas_arm_c, pulgadas_sold_c"
#define SPOOL_NCOLS 25

/* The columns store_sqlite__read_union reads, in its order. */
#define UNION_COLS                                                                          \
    "tag, n, ot, dn_c, tipo, arm_inicio, arm_fin, arm_worker, sol_inicio, sol_fin,"         \
    " sol_worker, version"
#define UNION_NCOLS 12

/* Prepared statements, cached per connection (SQL in store_sqlite.c). */
enum {
    STMT_SPOOL_GET,
    STMT_SPOOL_ALL,
    STMT_SPOOL_VERSION,
    STMT_SPOOL_UPDATE,
    STMT_EVENT_INSERT,
    STMT_EVENT_TAG,
    STMT_EVENT_SINCE,
    STMT_EVENT_LAST,
    STMT_WORKER_GET,
    STMT_WORKER_ALL,
    STMT_ROLES_OF,
    STMT_GEN_BUMP,
    STMT_GEN_GET,
    STMT_UNIONS_OF,
    STMT_UNIONS_ALL,
    STMT_UNION_VERSION,
    STMT_UNION_INSERT,
    STMT_UNION_UPDATE,
    STMT_UNION_DELETE,
    STMT_UNION_DELETED,
    STMT_NOTAS_GET,
    STMT_NOTAS_APPEND,
    STMT_TRACKED_ALL,
    STMT_TRACKED_PUT,
    STMT_TRACKED_DEL,
    STMT_AUDIT_INSERT,
    STMT_AUDIT_SINCE,
    STMT_SNAPSHOT_INSERT,
    STMT_COUNT
};

typedef struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[STMT_COUNT];
    struct conn *next;
} conn_t;

typedef struct sqlite_store {
    store_t base;
    char *path;
    pthread_key_t key;
    pthread_mutex_t conns_mu; /* guards conns */
    conn_t *conns;
    pthread_mutex_t write_mu; /* serialises write transactions of this process */
    conn_t *writer;           /* the one connection that writes; used only under write_mu */
    /* Group commit (store_sqlite_group.c): changes queue here; one thread at a time (the
     * leader) writes everything queued in one transaction and one sync. */
    group_t gc;
    /* Counters and state for store_stats (atomic: read without a lock). */
    _Atomic long long n_changes, n_transactions, max_batch, ckpt_hold_max_us;
    _Atomic int write_state;
    /* WAL checkpoints run on their own thread and connection (store_sqlite_wal.c): left to
     * SQLite, every ~1,000th commit would copy the log into the database and fsync it while
     * holding write_mu, a 15-25 ms stall for every writer queued behind it. */
    pthread_t ckpt_thread;
    int wal_restart_frames;  /* WAL_RESTART_BYTES in frames, for the writer's WAL hook */
    /* Monotonic time (us) before which no reset is tried: set after a RESTART (or, when
     * idle, a TRUNCATE) that readers kept from completing, 100 ms on (1 s when idle); the
     * WAL hook does not wake the checkpointer before it either. 0 = now. */
    _Atomic long long ckpt_next_restart_us;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    int ckpt_running, ckpt_stop;
} sqlite_store_t;

/* The WAL is reset (RESTART checkpoint: the next commit writes it from its start again) when
 * it passes this size, and emptied when the store is idle; a reset file larger than
 * WAL_KEEP_BYTES is cut back to it by the first commit after the reset (journal_size_limit).
 * That is twice the restart size, so that under load the reset costs no truncation. */
#define WAL_RESTART_BYTES (8 * 1024 * 1024)
#define WAL_KEEP_BYTES 16777216 /* 16 MiB; a plain number: it is spliced into a PRAGMA */

/** Runs sql (one or more statements, no results) on db; failures are logged.
 *  ZE_OK or ZE_STORE_UNAVAILABLE. */
int store_sqlite__exec(sqlite3 *db, const char *sql);
/** A new connection to path, configured (WAL, synchronous=FULL, the sync-counting VFS);
 *  NULL with a message in err. */
conn_t *store_sqlite__conn_open(const char *path, char *err, size_t errlen);
void store_sqlite__conn_close(conn_t *c);
/** This thread's connection (opened on first use); NULL when the file cannot be opened. */
conn_t *store_sqlite__conn_get(sqlite_store_t *ss);
/** A reset, unbound prepared statement of c; NULL on a prepare failure (logged). */
sqlite3_stmt *store_sqlite__stmt_get(conn_t *c, int which);
/** Copies a text column into a fixed buffer ("" for NULL). */
void store_sqlite__copy_col(char *dst, size_t n, sqlite3_stmt *st, int col);
/** Reads the SPOOL_COLS columns (in that order, from column 0) of the current row. NULL
 *  counters read as -1. */
void store_sqlite__read_spool(sqlite3_stmt *st, spool_t *s);
/** Binds v at index i, NULL when v < 0 (the -1 = empty cell convention of the counters). */
void store_sqlite__bind_count(sqlite3_stmt *st, int i, int64_t v);
/** Binds the tracking fields of s that every spool write stores, in the order of the spools
 *  columns fecha_armado .. estado_detalle then total_uniones .. pulgadas_sold_c: 20
 *  parameters from index first. s is borrowed until the statement is reset. */
void store_sqlite__bind_tracking(sqlite3_stmt *st, int first, const spool_t *s);
/** Reads the UNION_COLS columns (from column first) of the current row. */
void store_sqlite__read_union(sqlite3_stmt *st, int first, zunion_t *u);

/** Starts a write transaction on the writer connection: takes write_mu, then BEGIN
 *  IMMEDIATE. NULL on failure (then nothing is held). */
conn_t *store_sqlite__write_begin(sqlite_store_t *ss);
/** Ends the write transaction of store_sqlite__write_begin: when ret is ZE_OK, bumps the
 *  generation (if bump) and commits, else rolls back; releases write_mu. Returns ret, or
 *  ZE_STORE_UNAVAILABLE when the commit itself failed (then nothing was written). */
int store_sqlite__write_end(sqlite_store_t *ss, conn_t *c, int ret, int bump);

/** SQL condition "the spool ?1 is not marked stale by this import" (sheets_t.only_current). */
#define NOT_STALE "NOT EXISTS (SELECT 1 FROM temp.import_stale s WHERE s.tag = ?1)"

/* store_sqlite_backup.c */
/** store.h backup. */
int store_sqlite__backup(store_t *st, const char *to, char *err, size_t errlen);

/* store_sqlite_schema.c */
/** Creates or migrates the schema of db to the current version, in one transaction. */
int store_sqlite__migrate(sqlite3 *db, char *err, size_t errlen);

/* store_sqlite_commit.c */
/** ZE_OK when c asks for something a commit may write (checked before anything is queued). */
int store_sqlite__change_valid(const store_change_t *c);
/** The writes of ch inside the open transaction of c, in order; versions and event seqs of
 *  ch are set as written. */
int store_sqlite__write_change(conn_t *c, store_change_t *ch);
int store_sqlite__spool_commit(store_t *st, spool_t *s, int64_t expected_version,
                               event_rec_t *ev, size_t nev);

/* store_sqlite_group.c */
/** store.h commit: queues ch and returns once the transaction holding it is synced. */
int store_sqlite__commit(store_t *st, store_change_t *c);
/** Classifies the last error of db into a store_write_state_t. */
int store_sqlite__write_state_of(sqlite3 *db);

/* store_sqlite_wal.c */
/** Starts the checkpoint thread of ss (ZE_OK or ZE_STORE_UNAVAILABLE). */
int store_sqlite__wal_start(sqlite_store_t *ss);
/** Stops it, after a last TRUNCATE checkpoint. */
void store_sqlite__wal_stop(sqlite_store_t *ss);
/** Copies the WAL into the database and empties it, with write_mu held by the caller:
 *  what is done after a write failed for lack of space, before retrying. */
void store_sqlite__wal_reclaim(sqlite_store_t *ss);
/** The current size of the WAL file in bytes (0 when there is none). */
int64_t store_sqlite__wal_bytes(const sqlite_store_t *ss);

/* store_sqlite_vfs.c */
/** The name of the sync-counting VFS to open connections with (NULL: the default). */
const char *store_sqlite__vfs(void);
/** Syncs asked of the operating system through it so far, by every store of the process. */
int64_t store_sqlite__syncs(void);

/* store_sqlite_unions.c */
int store_sqlite__unions_get(store_t *st, const char *tag, zunion_t *out, size_t *n);
int store_sqlite__unions_foreach(store_t *st, union_visit_fn fn, void *ud);
int store_sqlite__notas_get(store_t *st, const char *tag, char *out, size_t n);

/* store_sqlite_supervisor.c */
int store_sqlite__tracked_foreach(store_t *st, tracked_visit_fn fn, void *ud);
int store_sqlite__tracked_put(store_t *st, const char *tag, int64_t now, tracked_t *out);
int store_sqlite__tracked_remove(store_t *st, const char *tag, int *removed);
int store_sqlite__audit_append(store_t *st, const audit_ev_t *ev, size_t n, size_t *appended);
int store_sqlite__audit_since(store_t *st, int64_t since, audit_visit_fn fn, void *ud);
int store_sqlite__snapshot_put(store_t *st, const snapshot_t *snap, int *written);

/* store_sqlite_devices.c */
int store_sqlite__device_add(store_t *st, const char *name, const char *code_hash,
                             int64_t code_expires, int64_t now);
int store_sqlite__device_enroll(store_t *st, const char *code_hash, const char *token_hash,
                                int64_t now, device_t *out);
int store_sqlite__device_by_token(store_t *st, const char *token_hash, device_t *out);
int store_sqlite__device_touch(store_t *st, int64_t id, int64_t now);
int store_sqlite__device_revoke(store_t *st, const char *name, int64_t now);
int store_sqlite__device_foreach(store_t *st, device_visit_fn fn, void *ud);

/* store_sqlite_accounts.c */
int store_sqlite__supervisor_put(store_t *st, const char *name, const char *pw_hash,
                                 int64_t now, int *created);
int store_sqlite__supervisor_get(store_t *st, const char *name, supervisor_t *out);
int store_sqlite__session_add(store_t *st, int64_t supervisor_id, const char *token_hash,
                              int64_t expires_at, int64_t now);
int store_sqlite__session_get(store_t *st, const char *token_hash, int64_t now,
                              supervisor_t *out, int64_t *expires_at);
int store_sqlite__session_end(store_t *st, const char *token_hash);

/* store_sqlite_pins.c */
int store_sqlite__pin_set(store_t *st, int64_t worker_id, const char *pin_hash, int64_t now,
                          event_rec_t *ev, size_t nev);
int store_sqlite__pin_get(store_t *st, int64_t worker_id, pin_state_t *out);
int store_sqlite__pin_attempt(store_t *st, int64_t worker_id, int64_t device_id, int ok,
                              int64_t now, int64_t session_expires, int lock_after,
                              event_rec_t *lock_ev, pin_state_t *out);
int store_sqlite__pin_session_check(store_t *st, int64_t device_id, int64_t worker_id,
                                    int64_t now);

/* store_sqlite_sync.c */
int store_sqlite__sync_get(store_t *st, const char *name, int64_t *out);
int store_sqlite__sync_put(store_t *st, const char *name, int64_t value);

/* store_sqlite_rows.c */
int store_sqlite__worker_get(store_t *st, int64_t id, worker_t *out);
int store_sqlite__worker_foreach(store_t *st, worker_visit_fn fn, void *ud);
int store_sqlite__event_foreach_tag(store_t *st, const char *tag, event_visit_fn fn, void *ud);
int store_sqlite__event_foreach_since(store_t *st, int64_t after, size_t limit,
                                      event_visit_fn fn, void *ud);
int store_sqlite__event_last_seq(store_t *st, int64_t *out);
int store_sqlite__ping(store_t *st);

/* store_sqlite_bulk.c (the caller holds write_mu during import) */
int store_sqlite__import(sqlite3 *db, const sheets_t *in, char *err, size_t errlen);
int store_sqlite__export(sqlite3 *db, sheets_t *out);

/* Helpers of the bulk paths (store_sqlite_bulk.c), shared with store_sqlite_bulk_unions.c and
 * the schema migration. Errors of the bulk paths carry SQLite's text in err. */
int store_sqlite__bulk_run(sqlite3 *db, const char *sql, char *err, size_t errlen);
int store_sqlite__bulk_prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, char *err,
                            size_t errlen);
/** Steps q once (it must finish), then resets it and clears its bindings. */
int store_sqlite__bulk_step(sqlite3 *db, sqlite3_stmt *q, char *err, size_t errlen);
/** The stored header row of sheet (caller frees with store_sqlite__free_headers). */
char **store_sqlite__load_headers(sqlite3 *db, const char *sheet, size_t *n);
void store_sqlite__free_headers(char **v, size_t n);
int store_sqlite__save_headers(sqlite3 *db, const char *sheet, char **headers, size_t n,
                               char *err, size_t errlen);
/** extra cells (n of them, NULL = tracked column) as the JSON array the extra columns hold
 *  (caller frees). */
char *store_sqlite__extra_json(char **extra, size_t n);
/** The inverse: n cells from such a JSON array (caller frees each and the array). */
char **store_sqlite__extra_cells(const char *json, size_t n);
/** Rows that select_sql gives (key columns, then extra last; the rows the sheet being imported
 *  no longer lists) get their extra cells moved from the old layout's positions to the new
 *  one's by header name, written with update_sql (?1.. the keys, then the new extra). */
int store_sqlite__remap_unlisted(sqlite3 *db, const char *select_sql, const char *update_sql,
                                 char **old_h, size_t n_old, char **new_h, size_t n_new,
                                 char *err, size_t errlen);

/* store_sqlite_bulk_unions.c (inside the transaction of store_sqlite__import / _export) */
/** The Uniones sheet of in (when in->has_unions) into the store: unions of known spools are
 *  inserted, or updated in their engineering cells (OT, DN, TIPO, position, verbatim cells)
 *  with their tracking kept; unions the sheet no longer lists are kept after the listed ones. */
int store_sqlite__import_unions(sqlite3 *db, const sheets_t *in, char *err, size_t errlen);
/** Keeps the counters of Operaciones equal to the unions they count: every spool with unions
 *  gets its counters computed from them; a listed spool without unions takes the sheet's
 *  counter cells (those its layout has). A spool whose counters change gets version + 1. */
int store_sqlite__import_counters(sqlite3 *db, const sheets_t *in, char *err, size_t errlen);
int store_sqlite__export_unions(sqlite3 *db, sheets_t *out);

#endif
