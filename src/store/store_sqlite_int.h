/* Internals shared by the files of the SQLite backend (store_sqlite*.c); nothing else
 * includes this. */
#ifndef ZEUES_STORE_SQLITE_INT_H
#define ZEUES_STORE_SQLITE_INT_H
#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

/* Prepared statements, cached per connection. */
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
    /* WAL checkpoints run on their own thread and connection: left to SQLite, every ~1,000th
     * commit would copy the log into the database and fsync it while holding write_mu, a
     * 15-25 ms stall for every writer queued behind it. */
    pthread_t ckpt_thread;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    int ckpt_running, ckpt_stop;
} sqlite_store_t;

/** This thread's connection (opened on first use); NULL when the file cannot be opened. */
conn_t *store_sqlite__conn_get(sqlite_store_t *ss);
/** A reset, unbound prepared statement of c; NULL on a prepare failure (logged). */
sqlite3_stmt *store_sqlite__stmt_get(conn_t *c, int which);
/** Copies a text column into a fixed buffer ("" for NULL). */
void store_sqlite__copy_col(char *dst, size_t n, sqlite3_stmt *st, int col);
/** Reads the SPOOL_COLS columns (in that order, from column 0) of the current row. */
void store_sqlite__read_spool(sqlite3_stmt *st, spool_t *s);

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

#endif
