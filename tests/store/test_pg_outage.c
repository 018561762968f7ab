/* What only the PostgreSQL backend has to show, against a real server that tests/pg/pg_server.py
 * starts (and this test stops and starts again with ZEUES_PG_CTL): while the server is down
 * every op answers ZE_STORE_UNAVAILABLE quickly and writes nothing; once it is back the same
 * store handle works again without being reopened, with everything acknowledged before still
 * there; and more concurrent callers than the pool has connections all get their answer. */
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

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pg_ctl(const char *action)
{
    const char *ctl = getenv("ZEUES_PG_CTL");
    if (!ctl) fail_msg("ZEUES_PG_CTL not set: run under tests/pg/pg_server.py");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null", ctl, action);
    if (system(cmd) != 0) fail_msg("%s failed", cmd);
}

/* A fresh database on the test server; its URL into out. */
static void fresh_db(const char *name, char *out, size_t n)
{
    const char *base = getenv("ZEUES_PG_URL"), *bin = getenv("ZEUES_PG_BIN");
    if (!base || !bin) fail_msg("ZEUES_PG_URL / ZEUES_PG_BIN not set");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/createdb' '%s'", bin, name);
    if (system(cmd) != 0) fail_msg("%s failed", cmd);
    snprintf(out, n, "%s/%s", base, name);
}

static void outage_is_quick_and_recovery_needs_no_reopen(void **state)
{
    (void)state;
    char url[512];
    fresh_db("outage", url, sizeof url);
    store_t *st = open_or_fail(url);
    seed(st);
    int64_t seq1 = 0, gen_before = 0;
    assert_int_equal(take(st, "T-1", 1, &seq1), ZE_OK);
    assert_int_equal(st->ops->generation(st, &gen_before), ZE_OK);

    pg_ctl("stop -m fast");
    spool_t s;
    int64_t t0 = now_ms();
    assert_int_equal(st->ops->ping(st), ZE_STORE_UNAVAILABLE);
    assert_int_equal(st->ops->spool_get(st, "T-1", &s), ZE_STORE_UNAVAILABLE);
    assert_int_equal(take(st, "T-2", 2, NULL), ZE_STORE_UNAVAILABLE);
    int64_t took = now_ms() - t0;
    /* Three ops against a stopped server: refused at once, not after a hang. */
    assert_true(took < 3000);
    store_stats_t stats;
    st->ops->stats(st, &stats);
    assert_int_not_equal(stats.write_state, STORE_WRITE_OK);

    pg_ctl("start");
    /* The same handle: the first call after the restart may still meet the old connection
     * (then it fails); within a few tries everything works. */
    int ok = 0;
    for (int i = 0; i < 50 && !ok; i++) {
        ok = st->ops->ping(st) == ZE_OK;
        if (!ok) usleep(100 * 1000);
    }
    assert_true(ok);
    assert_int_equal(st->ops->spool_get(st, "T-1", &s), ZE_OK);
    assert_string_equal(s.ocupado_por, "MR(93)"); /* acknowledged before: still there */
    assert_int_equal(events_of(st, "T-2"), 0);    /* refused during the outage: not there */
    int64_t seq2 = 0, gen_after = 0;
    assert_int_equal(take(st, "T-2", 3, &seq2), ZE_OK);
    assert_true(seq2 > seq1);
    assert_int_equal(st->ops->generation(st, &gen_after), ZE_OK);
    assert_true(gen_after != gen_before);
    st->ops->stats(st, &stats);
    assert_int_equal(stats.write_state, STORE_WRITE_OK);
    store_close(st);
}

/* ---- more callers than connections ---- */

#define CALLERS 40

typedef struct caller {
    store_t *st;
    int id, bad;
} caller_t;

static void *read_and_write(void *arg)
{
    caller_t *c = arg;
    for (int i = 0; i < 20; i++) {
        worker_t w;
        spool_t s;
        if (c->st->ops->worker_get(c->st, 93, &w) != ZE_OK) c->bad++;
        if (c->st->ops->spool_get(c->st, "T-3", &s) != ZE_OK) c->bad++;
        int rc = take(c->st, "T-4", 1000 * (c->id + 1) + i, NULL); /* unique event ids */
        if (rc != ZE_OK && rc != ZE_VERSION_CONFLICT) c->bad++;
    }
    return NULL;
}

static void more_callers_than_connections_all_get_answers(void **state)
{
    (void)state;
    char url[512];
    fresh_db("pool", url, sizeof url);
    store_t *st = open_or_fail(url);
    seed(st);
    pthread_t th[CALLERS];
    caller_t c[CALLERS];
    for (int i = 0; i < CALLERS; i++) {
        c[i] = (caller_t){st, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, read_and_write, &c[i]), 0);
    }
    int bad = 0;
    for (int i = 0; i < CALLERS; i++) {
        pthread_join(th[i], NULL);
        bad += c[i].bad;
    }
    assert_int_equal(bad, 0);
    store_stats_t stats;
    st->ops->stats(st, &stats);
    assert_true(stats.changes > 0);
    assert_true(stats.transactions > 0 && stats.transactions <= stats.changes);
    store_close(st);
}

int setup(void **state)
{
    (void)state;
    return 0;
}

int teardown(void **state)
{
    (void)state;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(more_callers_than_connections_all_get_answers),
        cmocka_unit_test(outage_is_quick_and_recovery_needs_no_reopen),
    };
    return cmocka_run_group_tests_name("store_pg_outage", tests, NULL, NULL);
}
