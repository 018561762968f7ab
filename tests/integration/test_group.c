/* Tests of src/util/group (group commit's queue): every item runs once, in queue order, in
 * batches of at most the maximum; what queues while a batch runs goes in the next one; the
 * lead passes to the first caller still queued, whose thread runs that batch. Run one case
 * with: test_group <name-glob>. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/group.h"

#define MAX_ITEMS 64

/* What one test's batches saw. The first batch may be held at a gate until the test opens
 * it, so that the others queue behind it. */
typedef struct bench {
    group_t g;
    long long max_batch;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int gate_open, hold_first;
    int batches, sizes[MAX_ITEMS], runs[MAX_ITEMS], order[MAX_ITEMS], n_order;
    int miscounted; /* a batch whose list did not hold n items */
    pthread_t runner_of_batch[MAX_ITEMS];
} bench_t;

typedef struct caller {
    group_item_t q; /* first: the batches are lists of these */
    bench_t *b;
    int id;
    pthread_t thread;
} caller_t;

static void run_batch(group_item_t *first, long long n, void *ud)
{
    bench_t *b = ud;
    pthread_mutex_lock(&b->mu);
    int k = b->batches++;
    b->sizes[k] = (int)n;
    b->runner_of_batch[k] = pthread_self();
    while (k == 0 && b->hold_first && !b->gate_open) pthread_cond_wait(&b->cv, &b->mu);
    long long seen = 0;
    for (group_item_t *it = first; it; it = it->next, seen++) {
        caller_t *c = (caller_t *)it;
        b->runs[c->id]++;
        b->order[b->n_order++] = c->id;
    }
    if (seen != n) b->miscounted++;
    pthread_mutex_unlock(&b->mu);
}

static void *join(void *arg)
{
    caller_t *c = arg;
    group_join(&c->b->g, &c->q, c->b->max_batch, run_batch, c->b);
    return NULL;
}

static void bench_init(bench_t *b, long long max_batch, int hold_first)
{
    *b = (bench_t){.max_batch = max_batch, .hold_first = hold_first};
    group_init(&b->g);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
}

static void bench_deinit(bench_t *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    group_destroy(&b->g);
}

static void wait_state(bench_t *b, int leading, size_t queued)
{
    for (int i = 0; i < 20000; i++) {
        int l;
        size_t q;
        group_state(&b->g, &l, &q);
        if (l == leading && q == queued) return;
        usleep(500);
    }
    fail_msg("the queue never reached leading=%d queued=%zu", leading, queued);
}

/* No batch runs and nothing is queued. */
static void assert_idle(bench_t *b)
{
    int l;
    size_t q;
    group_state(&b->g, &l, &q);
    assert_int_equal(l, 0);
    assert_int_equal(q, 0);
}

/* Starts caller c (id i) and waits until the queue holds `queued` behind the running batch. */
static void start(bench_t *b, caller_t *c, int i, size_t queued)
{
    *c = (caller_t){.b = b, .id = i};
    assert_int_equal(pthread_create(&c->thread, NULL, join, c), 0);
    wait_state(b, 1, queued);
}

static void open_gate(bench_t *b)
{
    pthread_mutex_lock(&b->mu);
    b->gate_open = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void alone_runs_at_once_in_its_own_thread(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b, 8, 0);
    caller_t c = {.b = &b, .id = 0, .thread = pthread_self()};
    group_join(&b.g, &c.q, b.max_batch, run_batch, &b);
    assert_int_equal(b.batches, 1);
    assert_int_equal(b.sizes[0], 1);
    assert_true(pthread_equal(b.runner_of_batch[0], pthread_self()));
    assert_idle(&b);
    bench_deinit(&b);
}

/* 0 leads and is held; 1..5 queue behind it. With at most 2 per batch: [0] [1 2] [3 4] [5],
 * each batch run by the thread of its first item (the lead passed to it). */
static void queued_items_run_in_order_in_bounded_batches_led_by_the_first(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b, 2, 1);
    caller_t c[6];
    start(&b, &c[0], 0, 0);
    for (int i = 1; i < 6; i++) start(&b, &c[i], i, (size_t)i);
    open_gate(&b);
    for (int i = 0; i < 6; i++) pthread_join(c[i].thread, NULL);

    assert_int_equal(b.miscounted, 0);
    assert_int_equal(b.batches, 4);
    int sizes[] = {1, 2, 2, 1}, first[] = {0, 1, 3, 5};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(b.sizes[k], sizes[k]);
        assert_true(pthread_equal(b.runner_of_batch[k], c[first[k]].thread));
    }
    for (int i = 0; i < 6; i++) {
        assert_int_equal(b.runs[i], 1);
        assert_int_equal(b.order[i], i);
    }
    assert_idle(&b);
    bench_deinit(&b);
}

/* Many threads joining at once: each item runs exactly once, no batch is over the maximum,
 * and the queue ends idle. */
static void concurrent_callers_each_run_once(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b, 4, 0);
    enum { N = 48 };
    caller_t c[N];
    for (int round = 0; round < 20; round++) {
        b.batches = b.n_order = 0;
        for (int i = 0; i < N; i++) b.runs[i] = 0;
        for (int i = 0; i < N; i++) {
            c[i] = (caller_t){.b = &b, .id = i};
            assert_int_equal(pthread_create(&c[i].thread, NULL, join, &c[i]), 0);
        }
        for (int i = 0; i < N; i++) pthread_join(c[i].thread, NULL);
        assert_int_equal(b.miscounted, 0);
        int total = 0;
        for (int k = 0; k < b.batches; k++) {
            assert_true(b.sizes[k] >= 1 && b.sizes[k] <= 4);
            total += b.sizes[k];
        }
        assert_int_equal(total, N);
        for (int i = 0; i < N; i++) assert_int_equal(b.runs[i], 1);
        assert_idle(&b);
    }
    bench_deinit(&b);
}

int main(int argc, char **argv)
{
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alone_runs_at_once_in_its_own_thread),
        cmocka_unit_test(queued_items_run_in_order_in_bounded_batches_led_by_the_first),
        cmocka_unit_test(concurrent_callers_each_run_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
