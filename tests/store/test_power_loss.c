/* Acknowledged = durable, under power loss. Threads commit TOMAR-like changes (the spool and its
 * audit event) through the store's group commit as request threads do; at a random moment the
 * crash VFS (crash_vfs.h) throws away every write not yet synced and fails everything after.
 * Then the store is reopened, as after a reboot, and:
 *   - it opens, and PRAGMA integrity_check says ok;
 *   - every change whose commit returned ZE_OK before the cut is there: the spool's version is
 *     at least the acknowledged one, and the event with the acknowledged id exists;
 *   - nothing is half-written: each spool has exactly one event per version step.
 * Repeated ROUNDS times with a fresh plant each time; ZEUES_POWER_SEED fixes the moments. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "contract.h"
#include "core/errors.h"
#include "crash_vfs.h"
#include "store/store.h"

#define ROUNDS 30
#define THREADS 8
#define MAX_ACKS 100000

typedef struct ack {
    char tag[ZTAG_MAX];
    int64_t version;
    char id[64];
} ack_t;

static store_t *g_store;
static ack_t *g_acks;
static int g_nacks, g_stop, g_next_id;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static void *load(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (;;) {
        pthread_mutex_lock(&g_mu);
        int stop = g_stop, n = ++g_next_id;
        pthread_mutex_unlock(&g_mu);
        if (stop) break;
        char tag[ZTAG_MAX];
        snprintf(tag, sizeof tag, "T-%d", (int)(rand_r(&seed) % N_SPOOLS));
        spool_t s;
        if (g_store->ops->spool_get(g_store, tag, &s) != ZE_OK) continue;
        int64_t v = s.version;
        snprintf(s.ocupado_por, sizeof s.ocupado_por, "MR(93)");
        s.ocupado_worker_id = 93;
        s.ocupado_op = ZOP_ARM;
        s.fecha_ocupacion = 1767355200 + n;
        snprintf(s.lock_token, sizeof s.lock_token, "tok-%d", n);
        event_rec_t e = event_for(tag, n);
        if (g_store->ops->spool_commit(g_store, &s, v, &e, 1) != ZE_OK) continue;
        pthread_mutex_lock(&g_mu);
        if (g_nacks < MAX_ACKS) {
            ack_t *a = &g_acks[g_nacks++];
            snprintf(a->tag, sizeof a->tag, "%s", tag);
            a->version = s.version;
            snprintf(a->id, sizeof a->id, "%s", e.id);
        }
        pthread_mutex_unlock(&g_mu);
    }
    return NULL;
}

static int64_t sql_int(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (arg) sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
    int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    return v;
}

static void check_after_reboot(const char *path, int64_t base_version[N_SPOOLS])
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    for (int i = 0; i < g_nacks; i++) {
        int64_t v = sql_int(db, "SELECT version FROM spools WHERE tag = ?1", g_acks[i].tag);
        if (v < g_acks[i].version)
            fail_msg("acknowledged %s version %lld lost (stored %lld)", g_acks[i].tag,
                     (long long)g_acks[i].version, (long long)v);
        if (sql_int(db, "SELECT COUNT(*) FROM events WHERE id = ?1", g_acks[i].id) != 1)
            fail_msg("acknowledged event %s lost", g_acks[i].id);
    }
    for (int i = 0; i < N_SPOOLS; i++) {
        char tag[ZTAG_MAX];
        snprintf(tag, sizeof tag, "T-%d", i);
        int64_t v = sql_int(db, "SELECT version FROM spools WHERE tag = ?1", tag);
        int64_t ev = sql_int(db, "SELECT COUNT(*) FROM events WHERE tag = ?1", tag);
        if (v - base_version[i] != ev)
            fail_msg("%s: %lld version steps but %lld events", tag,
                     (long long)(v - base_version[i]), (long long)ev);
    }
    sqlite3_close(db);
}

static void acknowledged_commits_survive_power_loss(void **state)
{
    (void)state;
    const char *env = getenv("ZEUES_POWER_SEED");
    unsigned rnd = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    printf("power-loss seed %u (ZEUES_POWER_SEED)\n", rnd);
    g_acks = calloc(MAX_ACKS, sizeof *g_acks);
    long total_acks = 0, total_undone = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char dir[200], url[512], path[300];
        temp_dir(dir, sizeof dir, "power");
        snprintf(path, sizeof path, "%s/plant.db", dir);
        snprintf(url, sizeof url, "sqlite://%s", path);
        g_store = open_or_fail(url);
        seed(g_store);
        int64_t base[N_SPOOLS];
        for (int i = 0; i < N_SPOOLS; i++) {
            char tag[ZTAG_MAX];
            spool_t s;
            snprintf(tag, sizeof tag, "T-%d", i);
            assert_int_equal(g_store->ops->spool_get(g_store, tag, &s), ZE_OK);
            base[i] = s.version;
        }
        g_nacks = 0;
        g_stop = 0;
        pthread_t th[THREADS];
        for (int i = 0; i < THREADS; i++)
            assert_int_equal(pthread_create(&th[i], NULL, load, (void *)(uintptr_t)(rnd + i)), 0);
        /* The moment: 1-150 ms into the load, so cuts land before, during and between the
         * checkpointer's rounds (every 100 ms). */
        usleep(1000 + (useconds_t)(rand_r(&rnd) % 150000));
        /* Acks recorded after this point may still come from commits synced before the cut;
         * the VFS fails every sync after it, so none can come from a later one. */
        total_undone += crash_vfs_cut();
        pthread_mutex_lock(&g_mu);
        g_stop = 1;
        pthread_mutex_unlock(&g_mu);
        for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
        store_close(g_store);
        crash_vfs_revive();
        char shm[600];
        snprintf(shm, sizeof shm, "%s-shm", path);
        unlink(shm); /* shared memory does not survive a reboot */
        total_acks += g_nacks;
        check_after_reboot(path, base);
        /* and the store itself opens and works on it */
        store_t *again = open_or_fail(url);
        assert_int_equal(take(again, "T-0", 900000 + round, NULL), ZE_OK);
        store_close(again);
        assert_int_equal(remove_dir(dir), 0);
    }
    printf("%d rounds: %ld acknowledged commits checked, %ld unsynced writes thrown away\n",
           ROUNDS, total_acks, total_undone);
    /* The test must have tested something: commits were acknowledged and writes were lost. */
    assert_true(total_acks > ROUNDS);
    assert_true(total_undone > 0);
    free(g_acks);
}

int main(void)
{
    if (crash_vfs_register() != 0) {
        fprintf(stderr, "cannot register the crash VFS\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_commits_survive_power_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
