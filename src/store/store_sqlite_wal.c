/* Keeping the SQLite write-ahead log bounded. SQLite's own automatic checkpoint is off
 * (wal_autocheckpoint=0): it would run inside a writer's commit, under write_mu. Instead a
 * thread of its own, on its own connection:
 *   - every CKPT_PERIOD_MS, and at once when the writer's commit leaves the WAL past
 *     WAL_RESTART_BYTES (its WAL hook), copies what it can from the WAL into the database
 *     (PASSIVE: waits for nobody, so writers never notice it);
 *   - when the WAL has grown past WAL_RESTART_BYTES, syncs the database file (the pages
 *     PASSIVE copied, which SQLite syncs only when it has copied the whole log), then takes
 *     write_mu for a RESTART checkpoint, which copies the few frames written since, syncs
 *     the database again (little is left to write by then) and makes the next writer start
 *     the log from its beginning, over the blocks the file already has. Writers wait for
 *     that behind write_mu, for at most CKPT_BUSY_MS plus that sync: readers still inside
 *     the old log are waited for that long, else it is tried on the next round. Measured at
 *     2,000 changes/s: a TRUNCATE here held writers 5-16 ms, most of it the database sync of
 *     everything PASSIVE had copied and the cut of an 8 MB file to nothing;
 *   - when no frame was added to the log since its last round (by this process or another
 *     one on the file), empties the WAL file (TRUNCATE): an idle server keeps no log;
 *   - while the last write failed, empties the WAL (store_sqlite__wal_reclaim) and tries a
 *     write that changes nothing, so the store's state in /api/health recovers by itself
 *     once space is back.
 * Without that step a WAL under constant writes never finds a moment with every frame
 * copied and no reader in it, and grows without end (it reached 1 GB in 30 s). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

#define LOG_MODULE "store"

#define CKPT_PERIOD_MS 100
#define CKPT_BUSY_MS 20
#define CKPT_BUSY_DEFAULT_MS 5000

int64_t store_sqlite__wal_bytes(const sqlite_store_t *ss)
{
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", ss->path);
    struct stat sb;
    return stat(wal, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void note_hold(sqlite_store_t *ss, int64_t us)
{
    long long m = atomic_load(&ss->ckpt_hold_max_us);
    while (us > m && !atomic_compare_exchange_weak(&ss->ckpt_hold_max_us, &m, us)) {}
    if (us > 50000) LOG_WARN("WAL checkpoint kept writers waiting %lld ms", (long long)us / 1000);
}

/* The busy handler of a checkpoint that holds writers back: polls every 250 us for at most
 * CKPT_BUSY_MS (SQLite's own handler sleeps in growing steps, up to 100 ms at a time). */
static int short_busy(void *ud, int n)
{
    (void)ud;
    if (n * 250 >= CKPT_BUSY_MS * 1000) return 0;
    struct timespec ts = {0, 250000};
    nanosleep(&ts, NULL);
    return 1;
}

void store_sqlite__wal_reclaim(sqlite_store_t *ss)
{
    if (!ss->writer) return;
    sqlite3 *db = ss->writer->db;
    sqlite3_busy_handler(db, short_busy, NULL);
    int log = -1, done = -1;
    int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    sqlite3_busy_timeout(db, CKPT_BUSY_DEFAULT_MS);
    LOG_INFO("WAL reclaim after a failed write: %s (%d frames, %d copied)",
             rc == SQLITE_OK ? "emptied" : sqlite3_errstr(rc), log, done);
}

/* With write_mu held: a RESTART (or, mode, TRUNCATE) checkpoint that waits for readers at
 * most CKPT_BUSY_MS. Returns 0 when the log was reset. */
static int restart_log(sqlite_store_t *ss, conn_t *c, int mode)
{
    int64_t t0 = now_us();
    pthread_mutex_lock(&ss->write_mu);
    int64_t t1 = now_us();
    sqlite3_busy_handler(c->db, short_busy, NULL);
    int log = -1, done = -1;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, mode, &log, &done);
    sqlite3_busy_timeout(c->db, CKPT_BUSY_DEFAULT_MS);
    pthread_mutex_unlock(&ss->write_mu);
    note_hold(ss, now_us() - t1);
    LOG_DEBUG("WAL %s: %s, %d frames, %d copied, waited %lld us for writers",
              mode == SQLITE_CHECKPOINT_TRUNCATE ? "emptied" : "restart",
              rc == SQLITE_OK ? "ok" : sqlite3_errstr(rc), log, done, (long long)(t1 - t0));
    return rc == SQLITE_OK ? 0 : -1;
}

/* While the last write failed: reclaim, then a write that changes nothing tells whether the
 * store can write again. */
static void probe_write(sqlite_store_t *ss)
{
    pthread_mutex_lock(&ss->write_mu);
    if (atomic_load(&ss->write_state) != STORE_WRITE_OK && ss->writer) {
        sqlite3 *db = ss->writer->db;
        store_sqlite__wal_reclaim(ss);
        int ok = sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE meta SET v = v WHERE k = 'generation';"
                                  " COMMIT;", NULL, NULL, NULL) == SQLITE_OK;
        int state = ok ? STORE_WRITE_OK : store_sqlite__write_state_of(db);
        if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if (ok) LOG_INFO("store writable again");
        atomic_store(&ss->write_state, state == STORE_WRITE_OK && !ok ? STORE_WRITE_ERROR : state);
    }
    pthread_mutex_unlock(&ss->write_mu);
}

/* Syncs the database file before a restart, through the connection's own file: the store's
 * VFS, which counts it with every other sync (store_stats.syncs) and hands it to whatever VFS
 * is below (the crash-simulating one in the power-loss test). */
static void sync_db(conn_t *c)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f &&
        f->pMethods)
        (void)f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

static void *checkpointer(void *arg)
{
    sqlite_store_t *ss = arg;
    char err[256];
    conn_t *c = store_sqlite__conn_open(ss->path, err, sizeof err);
    if (!c) LOG_ERROR("checkpointer: %s", err);
    int64_t last_probe = 0;
    int log_seen = -1;
    pthread_mutex_lock(&ss->ckpt_mu);
    while (!ss->ckpt_stop) {
        clock_cond_wait_ms(&ss->ckpt_cv, &ss->ckpt_mu, CKPT_PERIOD_MS);
        if (ss->ckpt_stop || !c) continue;
        pthread_mutex_unlock(&ss->ckpt_mu);
        int log = -1, done = -1;
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        int64_t now = now_us();
        /* The log's fill is its frame count (after a RESTART the file keeps its size while
         * the next writer fills it again from its start). A reset that readers kept from
         * happening is retried a period later (a second later when idle), not at every
         * commit's wake-up: each try holds the writers back for up to CKPT_BUSY_MS. */
        if (now >= atomic_load(&ss->ckpt_next_restart_us)) {
            /* Idle: no frame added to the log since the last round, by this process or by
             * another one on the same file (a reset log that was written again has another
             * count too). */
            int idle = log == log_seen, failed = 0;
            if (idle && store_sqlite__wal_bytes(ss) > 0) {
                failed = restart_log(ss, c, SQLITE_CHECKPOINT_TRUNCATE) != 0;
            } else if (!idle && log >= ss->wal_restart_frames) {
                sync_db(c);
                failed = restart_log(ss, c, SQLITE_CHECKPOINT_RESTART) != 0;
            }
            if (failed)
                atomic_store(&ss->ckpt_next_restart_us,
                             now + (idle ? 1000000 : CKPT_PERIOD_MS * 1000));
        }
        log_seen = log;
        if (atomic_load(&ss->write_state) != STORE_WRITE_OK && now - last_probe > 1000000) {
            last_probe = now;
            probe_write(ss);
        }
        pthread_mutex_lock(&ss->ckpt_mu);
    }
    pthread_mutex_unlock(&ss->ckpt_mu);
    if (c) {
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        store_sqlite__conn_close(c);
    }
    return NULL;
}

/* The writer's WAL hook: SQLite calls it after each commit with the frames now in the log.
 * Past WAL_RESTART_BYTES it wakes the checkpointer at once: waiting for its next period would
 * let a burst of writes grow the log for up to CKPT_PERIOD_MS more (under a loaded machine the
 * bound then depended on when that thread got a core). Not while a restart that readers
 * blocked waits for its retry: then the checkpointer keeps its period. */
static int on_wal_commit(void *ud, sqlite3 *db, const char *name, int frames)
{
    sqlite_store_t *ss = ud;
    (void)db;
    (void)name;
    if (frames >= ss->wal_restart_frames &&
        now_us() >= atomic_load(&ss->ckpt_next_restart_us)) {
        pthread_mutex_lock(&ss->ckpt_mu);
        pthread_cond_signal(&ss->ckpt_cv);
        pthread_mutex_unlock(&ss->ckpt_mu);
    }
    return SQLITE_OK;
}

/* How many WAL frames (a page plus its 24-byte header each) make WAL_RESTART_BYTES. */
static int restart_frames(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int64_t page = 4096;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) > 0)
        page = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return (int)(WAL_RESTART_BYTES / (page + 24));
}

int store_sqlite__wal_start(sqlite_store_t *ss)
{
    if (ss->writer) {
        ss->wal_restart_frames = restart_frames(ss->writer->db);
        sqlite3_wal_hook(ss->writer->db, on_wal_commit, ss);
    }
    if (thread_start(&ss->ckpt_thread, "zeues-wal-ckpt", checkpointer, ss) != 0)
        return ZE_STORE_UNAVAILABLE;
    ss->ckpt_running = 1;
    return ZE_OK;
}

void store_sqlite__wal_stop(sqlite_store_t *ss)
{
    if (!ss->ckpt_running) return;
    pthread_mutex_lock(&ss->ckpt_mu);
    ss->ckpt_stop = 1;
    pthread_cond_signal(&ss->ckpt_cv);
    pthread_mutex_unlock(&ss->ckpt_mu);
    pthread_join(ss->ckpt_thread, NULL);
    ss->ckpt_running = 0;
}
