/* The SQLite WAL stays bounded under constant writes and constant readers (the situation in
 * which a WAL checkpointed only PASSIVEly never finds a moment to restart and grows without
 * end: it reached 1 GB in 30 s of two servers' load). Eight threads commit TOMAR-like changes
 * as fast as they can while two threads read the whole plant over and over, each keeping its
 * snapshot 5 ms, until the writers
 * have pushed at least four times WAL_RESTART_BYTES through the log; the WAL file, sampled all
 * along, must never pass twice WAL_RESTART_BYTES, and must be back under it once they stop. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#define WRITERS 8
#define READERS 2
#define PAGE 4096

static store_t *g_st;
static atomic_int g_stop, g_next;

static void *writer(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    while (!atomic_load(&g_stop)) {
        char tag[ZTAG_MAX];
        snprintf(tag, sizeof tag, "T-%d", (int)(rand_r(&seed) % N_SPOOLS));
        take(g_st, tag, atomic_fetch_add(&g_next, 1), NULL); /* a lost race is fine here */
    }
    return NULL;
}

/* A slow reader: it keeps its snapshot (and so the WAL frames it reads) for 5 ms a scan. */
static int count(void *ud, const spool_t *s)
{
    (void)s;
    if ((*(int *)ud)++ == 0) usleep(5000);
    return 0;
}

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_stop)) {
        int n = 0;
        g_st->ops->spool_foreach(g_st, count, &n);
    }
    return NULL;
}

static void wal_stays_bounded_under_writes_and_readers(void **state)
{
    (void)state;
    char dir[200], url[300];
    temp_dir(dir, sizeof dir, "wal");
    snprintf(url, sizeof url, "sqlite://%s/w.db", dir);
    g_st = open_or_fail(url);
    seed(g_st);
    store_stats_t st0, st;
    g_st->ops->stats(g_st, &st0);
    pthread_t w[WRITERS], r[READERS];
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)(i + 1)), 0);
    for (int i = 0; i < READERS; i++) assert_int_equal(pthread_create(&r[i], NULL, reader, NULL), 0);
    int64_t wal_max = 0;
    /* Each committed transaction appends at least two pages (the spool's and the event's). */
    const int64_t need = 4LL * WAL_RESTART_BYTES / (2 * PAGE);
    for (int i = 0; i < 240000; i++) { /* at most 120 s */
        g_st->ops->stats(g_st, &st);
        if (st.wal_bytes > wal_max) wal_max = st.wal_bytes;
        if (st.transactions - st0.transactions >= need) break;
        usleep(500);
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < WRITERS; i++) pthread_join(w[i], NULL);
    for (int i = 0; i < READERS; i++) pthread_join(r[i], NULL);
    g_st->ops->stats(g_st, &st);
    printf("%lld transactions (%lld changes), WAL at most %lld bytes\n",
           (long long)(st.transactions - st0.transactions), (long long)(st.changes - st0.changes),
           (long long)wal_max);
    assert_true(st.transactions - st0.transactions >= need);
    assert_true(wal_max <= 2LL * WAL_RESTART_BYTES);
    /* idle: one more round of the checkpointer brings it back under the restart size */
    int64_t after = st.wal_bytes;
    for (int i = 0; i < 40 && after > WAL_RESTART_BYTES; i++) {
        usleep(50000);
        g_st->ops->stats(g_st, &st);
        after = st.wal_bytes;
    }
    assert_true(after <= WAL_RESTART_BYTES);
    store_close(g_st);
    assert_int_equal(remove_dir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wal_stays_bounded_under_writes_and_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
