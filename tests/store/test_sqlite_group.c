/* Group commit in the SQLite backend, made deterministic: the test holds the backend's write
 * mutex so that a first change leads and waits, three more queue behind it, and only then lets
 * them go. The three must share one transaction, and the one whose compare-and-set lost (it
 * read the spool before the first change committed) must fail alone. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
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
#include "util/group.h"

typedef struct job {
    store_t *st;
    const char *tag;
    int n;
    int64_t expected; /* -1: take at the current version */
    int ret;
} job_t;

static void *run(void *arg)
{
    job_t *j = arg;
    if (j->expected < 0) {
        j->ret = take(j->st, j->tag, j->n, NULL);
        return NULL;
    }
    spool_t s;
    j->ret = j->st->ops->spool_get(j->st, j->tag, &s);
    if (j->ret != ZE_OK) return NULL;
    snprintf(s.ocupado_por, sizeof s.ocupado_por, "NR(94)");
    event_rec_t e = event_for(j->tag, j->n);
    j->ret = j->st->ops->spool_commit(j->st, &s, j->expected, &e, 1);
    return NULL;
}

static void wait_for(sqlite_store_t *ss, int leading, size_t queued)
{
    for (int i = 0; i < 20000; i++) {
        int l;
        size_t q;
        group_state(&ss->gc, &l, &q);
        if (l == leading && q == queued) return;
        usleep(500);
    }
    fail_msg("the group commit queue never reached leading=%d queued=%zu", leading, queued);
}

static int has_event(void *ud, const event_rec_t *e)
{
    return strcmp(e->id, ud) == 0;
}

static void queued_changes_share_a_transaction_and_a_lost_cas_fails_alone(void **state)
{
    (void)state;
    char dir[256], url[512];
    temp_dir(dir, sizeof dir, "group");
    snprintf(url, sizeof url, "sqlite://%s/g.db", dir);
    store_t *st = open_or_fail(url);
    seed(st);
    sqlite_store_t *ss = (sqlite_store_t *)st;
    spool_t t0;
    assert_int_equal(st->ops->spool_get(st, "T-0", &t0), ZE_OK);
    store_stats_t before, after;
    st->ops->stats(st, &before);

    pthread_mutex_lock(&ss->write_mu);
    job_t a = {st, "T-0", 1, -1, 99}, b = {st, "T-1", 2, -1, 99},
          c = {st, "T-0", 3, t0.version, 99}, d = {st, "T-2", 4, -1, 99};
    pthread_t ta, tb, tc, td;
    assert_int_equal(pthread_create(&ta, NULL, run, &a), 0);
    wait_for(ss, 1, 0); /* a leads, and waits for the mutex with its batch of one */
    assert_int_equal(pthread_create(&tb, NULL, run, &b), 0);
    wait_for(ss, 1, 1);
    assert_int_equal(pthread_create(&tc, NULL, run, &c), 0);
    wait_for(ss, 1, 2);
    assert_int_equal(pthread_create(&td, NULL, run, &d), 0);
    wait_for(ss, 1, 3);
    pthread_mutex_unlock(&ss->write_mu);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_join(tc, NULL);
    pthread_join(td, NULL);

    assert_int_equal(a.ret, ZE_OK);
    assert_int_equal(b.ret, ZE_OK);
    assert_int_equal(c.ret, ZE_VERSION_CONFLICT);
    assert_int_equal(d.ret, ZE_OK);
    st->ops->stats(st, &after);
    assert_int_equal(after.transactions - before.transactions, 2);
    assert_int_equal(after.changes - before.changes, 3);
    assert_int_equal(after.max_batch, 3);
    assert_int_equal(after.write_state, STORE_WRITE_OK);
    /* c wrote nothing: T-0 has a's event only, at version + 1 */
    spool_t now;
    assert_int_equal(st->ops->spool_get(st, "T-0", &now), ZE_OK);
    assert_int_equal(now.version, t0.version + 1);
    assert_string_equal(now.ocupado_por, "MR(93)");
    assert_int_equal(events_of(st, "T-0"), 1);
    event_rec_t ce = event_for("T-0", 3);
    assert_int_equal(st->ops->event_foreach_tag(st, "T-0", has_event, ce.id), ZE_OK);
    assert_int_equal(events_of(st, "T-1"), 1);
    assert_int_equal(events_of(st, "T-2"), 1);
    store_close(st);
    assert_int_equal(remove_dir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queued_changes_share_a_transaction_and_a_lost_cas_fails_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
