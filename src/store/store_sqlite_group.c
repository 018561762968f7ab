/* Group commit for the SQLite backend. A commit is acknowledged only once its transaction is
 * synced (synchronous=FULL), and a sync costs the same for one change as for fifty. So each
 * change queues (util/group.h); one thread at a time, the leader, takes everything queued (up
 * to GC_MAX_BATCH) and writes it in one transaction: each change inside its own savepoint, so
 * a lost compare-and-set rolls back that change alone, then one generation bump, one COMMIT
 * and one sync. Changes that arrive meanwhile queue for the next leader. Nobody waits for a
 * timer: a change alone commits at once.
 *
 * A transaction that fails for lack of space is retried once after the WAL is copied back and
 * emptied (store_sqlite__wal_reclaim); what still fails answers ZE_STORE_UNAVAILABLE and writes
 * nothing. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"
#include "util/group.h"
#include "util/log.h"

#define LOG_MODULE "store"

#define GC_MAX_BATCH 128
#define GC_PENDING 1 /* not a zerr_t: the change has not been tried yet */

typedef struct gc_item {
    group_item_t q; /* first: the queue's batches are lists of these */
    store_change_t *ch;
    int64_t spool_version;  /* as the caller passed them, restored when not committed */
    int64_t *put_versions;
    int ret;
} gc_item_t;

static gc_item_t *next_of(gc_item_t *it)
{
    return (gc_item_t *)it->q.next;
}

int store_sqlite__write_state_of(sqlite3 *db)
{
    switch (sqlite3_errcode(db) & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_WRITE_OK;
    case SQLITE_READONLY:
        return STORE_WRITE_READ_ONLY;
    case SQLITE_FULL:
        return STORE_WRITE_FULL;
    default:
        return STORE_WRITE_ERROR;
    }
}

/* An error of the database as a whole (as opposed to one change's own constraint). */
static int db_failure(sqlite3 *db)
{
    switch (sqlite3_errcode(db) & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOMEM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
        return 1;
    default:
        return 0;
    }
}

static void restore(gc_item_t *it)
{
    store_change_t *ch = it->ch;
    if (ch->spool) ch->spool->version = it->spool_version;
    for (size_t i = 0; i < ch->n_puts; i++) ch->puts[i].version = it->put_versions[i];
    for (size_t i = 0; i < ch->n_events; i++) ch->events[i].seq = 0;
}

static int exec_quiet(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

/* One attempt at the whole batch in one transaction. Returns SQLITE_OK when the transaction
 * ended as it should (committed, or rolled back because no change in it succeeded), with each
 * item's ret set; else the primary SQLite error code, and nothing was written. */
static int try_batch(sqlite_store_t *ss, gc_item_t *batch)
{
    sqlite3 *db = ss->writer->db;
    int single = batch->q.next == NULL, any = 0;
    if (exec_quiet(db, "BEGIN IMMEDIATE") != ZE_OK) goto abort;
    for (gc_item_t *it = batch; it; it = next_of(it)) {
        if (!single && exec_quiet(db, "SAVEPOINT gc") != ZE_OK) goto abort;
        int r = store_sqlite__write_change(ss->writer, it->ch);
        if (r == ZE_STORE_UNAVAILABLE && db_failure(db)) goto abort;
        if (sqlite3_get_autocommit(db)) goto abort; /* SQLite rolled the transaction back */
        if (r != ZE_OK && !single && exec_quiet(db, "ROLLBACK TO gc") != ZE_OK) goto abort;
        if (!single && exec_quiet(db, "RELEASE gc") != ZE_OK) goto abort;
        if (r != ZE_OK) restore(it);
        it->ret = r;
        any |= r == ZE_OK;
    }
    if (!any) {
        exec_quiet(db, "ROLLBACK");
        return SQLITE_OK;
    }
    sqlite3_stmt *q = store_sqlite__stmt_get(ss->writer, STMT_GEN_BUMP);
    if (!q || sqlite3_step(q) != SQLITE_DONE) {
        if (q) sqlite3_reset(q);
        goto abort;
    }
    sqlite3_reset(q);
    if (exec_quiet(db, "COMMIT") != ZE_OK) goto abort;
    return SQLITE_OK;
abort:;
    /* Read the error before the ROLLBACK replaces it. */
    int code = sqlite3_errcode(db) & 0xff, state = store_sqlite__write_state_of(db);
    LOG_WARN("group commit of %s failed: %s", single ? "1 change" : "a batch",
             sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db)) exec_quiet(db, "ROLLBACK");
    atomic_store(&ss->write_state, state == STORE_WRITE_OK ? STORE_WRITE_ERROR : state);
    return code == SQLITE_OK ? SQLITE_ERROR : code;
}

static void run_batch(group_item_t *first, long long n, void *ud)
{
    sqlite_store_t *ss = ud;
    gc_item_t *batch = (gc_item_t *)first;
    pthread_mutex_lock(&ss->write_mu);
    int ret = ZE_STORE_UNAVAILABLE;
    for (int attempt = 0; attempt < 2 && ss->writer; attempt++) {
        for (gc_item_t *it = batch; it; it = next_of(it)) {
            restore(it);
            it->ret = GC_PENDING;
        }
        int code = try_batch(ss, batch);
        if (code == SQLITE_OK) {
            ret = ZE_OK;
            break;
        }
        /* Out of space (or a write error that may be that): give the WAL's space back, then
         * try once more. */
        if (code != SQLITE_FULL && code != SQLITE_IOERR) break;
        if (attempt == 0) store_sqlite__wal_reclaim(ss);
    }
    pthread_mutex_unlock(&ss->write_mu);
    long long ok = 0;
    for (gc_item_t *it = batch; it; it = next_of(it)) {
        if (ret != ZE_OK) {
            restore(it);
            it->ret = ZE_STORE_UNAVAILABLE;
        }
        ok += it->ret == ZE_OK;
    }
    if (ret == ZE_OK) {
        atomic_store(&ss->write_state, STORE_WRITE_OK);
        if (ok) {
            atomic_fetch_add(&ss->n_transactions, 1);
            atomic_fetch_add(&ss->n_changes, ok);
        }
        long long m = atomic_load(&ss->max_batch);
        while (n > m && !atomic_compare_exchange_weak(&ss->max_batch, &m, n)) {}
    }
}

int store_sqlite__commit(store_t *st, store_change_t *ch)
{
    int ret = store_sqlite__change_valid(ch);
    if (ret != ZE_OK) return ret;
    sqlite_store_t *ss = (sqlite_store_t *)st;
    gc_item_t me = {.ch = ch, .spool_version = ch->spool ? ch->spool->version : 0};
    me.put_versions = xmalloc((ch->n_puts ? ch->n_puts : 1) * sizeof *me.put_versions);
    for (size_t i = 0; i < ch->n_puts; i++) me.put_versions[i] = ch->puts[i].version;

    group_join(&ss->gc, &me.q, GC_MAX_BATCH, run_batch, ss);
    free(me.put_versions);
    return me.ret;
}
