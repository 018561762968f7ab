/* Tests of src/util/runner: every queued job runs once and in order, the pool grows only while
 * every thread is busy and never past its maximum, and stopping runs what is queued, then
 * refuses. Run one case with: test_runner <name-glob>. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/runner.h"

/* Shared by the jobs of one test: a gate they may wait on, and what they saw. */
typedef struct bench {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int gate_open;
    int running, max_running, done;
    int order[64];
} bench_t;

typedef struct job {
    runner_job_t rj; /* first: the job pointer is the object's */
    bench_t *b;
    int id;
    int wait_gate;
} job_t;

static void bench_init(bench_t *b)
{
    *b = (bench_t){.gate_open = 0};
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
}

static void bench_deinit(bench_t *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

static void job_fn(runner_job_t *rj)
{
    job_t *j = (job_t *)rj;
    bench_t *b = j->b;
    pthread_mutex_lock(&b->mu);
    b->running++;
    if (b->running > b->max_running) b->max_running = b->running;
    pthread_cond_broadcast(&b->cv);
    while (j->wait_gate && !b->gate_open) pthread_cond_wait(&b->cv, &b->mu);
    b->running--;
    b->order[b->done++] = j->id;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void open_gate(bench_t *b)
{
    pthread_mutex_lock(&b->mu);
    b->gate_open = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* Queues n jobs numbered from 0 (those below gated wait at the gate); every one accepted. */
static void submit_all(runner_t *r, job_t *jobs, int n, bench_t *b, int gated)
{
    for (int i = 0; i < n; i++) {
        jobs[i] = (job_t){.rj.fn = job_fn, .b = b, .id = i, .wait_gate = i < gated};
        assert_int_equal(runner_submit(r, &jobs[i].rj), 0);
    }
}

static void wait_until(bench_t *b, const int *field, int value)
{
    pthread_mutex_lock(&b->mu);
    while (*field < value) pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

static void test_one_thread_runs_all_in_order(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b);
    runner_t *r = runner_new("test-runner", 1);
    job_t jobs[40];
    submit_all(r, jobs, 40, &b, 0);
    wait_until(&b, &b.done, 40);
    for (int i = 0; i < 40; i++) assert_int_equal(b.order[i], i);
    assert_int_equal(b.max_running, 1);
    assert_int_equal(runner_threads(r, NULL), 1);
    runner_free(r);
    bench_deinit(&b);
}

static void test_grows_while_busy_up_to_max(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b);
    runner_t *r = runner_new("test-runner", 4);
    job_t jobs[10];
    submit_all(r, jobs, 10, &b, 10);
    /* Four wait at the gate at once; the other six are queued, none lost. */
    wait_until(&b, &b.running, 4);
    assert_int_equal(runner_threads(r, NULL), 4);
    pthread_mutex_lock(&b.mu);
    assert_int_equal(b.done, 0);
    pthread_mutex_unlock(&b.mu);
    open_gate(&b);
    wait_until(&b, &b.done, 10);
    assert_int_equal(b.max_running, 4);
    assert_int_equal(runner_threads(r, NULL), 4);
    runner_free(r);
    bench_deinit(&b);
}

static void test_idle_thread_is_reused(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b);
    runner_t *r = runner_new("test-runner", 8);
    job_t jobs[20];
    for (int i = 0; i < 20; i++) {
        jobs[i] = (job_t){.rj.fn = job_fn, .b = &b, .id = i};
        assert_int_equal(runner_submit(r, &jobs[i].rj), 0);
        wait_until(&b, &b.done, i + 1);
        /* one at a time, each queued once the thread is back waiting: it does them all */
        int idle = 0;
        while (runner_threads(r, &idle) == 1 && idle == 0) sched_yield();
        assert_int_equal(runner_threads(r, &idle), 1);
        assert_int_equal(idle, 1);
    }
    runner_free(r);
    bench_deinit(&b);
}

static void test_stop_runs_queued_then_refuses(void **state)
{
    (void)state;
    bench_t b;
    bench_init(&b);
    runner_t *r = runner_new("test-runner", 2);
    job_t jobs[12];
    submit_all(r, jobs, 12, &b, 2);
    wait_until(&b, &b.running, 2); /* both threads held at the gate, ten jobs queued */
    open_gate(&b);
    runner_stop(r);
    /* runner_stop returned: every queued job has run */
    assert_int_equal(b.done, 12);
    job_t late = {.rj.fn = job_fn, .b = &b, .id = 99};
    assert_int_equal(runner_submit(r, &late.rj), -1);
    assert_int_equal(b.done, 12);
    runner_stop(r); /* idempotent */
    runner_free(r);
    runner_free(NULL);
    bench_deinit(&b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_thread_runs_all_in_order),
        cmocka_unit_test(test_grows_while_busy_up_to_max),
        cmocka_unit_test(test_idle_thread_is_reused),
        cmocka_unit_test(test_stop_runs_queued_then_refuses),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
