/* The job pool (see runner.h): one mutex, one condition variable, a FIFO of intrusive jobs. */
#include "util/runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "util/thread.h"

struct runner {
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* a job was queued, or the pool is stopping */
    runner_job_t *head, *tail;
    pthread_t *threads; /* max of them; the first `started` are running */
    int started;        /* threads started */
    int idle;           /* threads waiting for a job */
    int queued;         /* jobs not yet taken */
    int max;
    int stopping;
    char name[16];
};

static void *runner_main(void *arg)
{
    runner_t *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->head && !r->stopping) {
            r->idle++;
            pthread_cond_wait(&r->cv, &r->mu);
            r->idle--;
        }
        runner_job_t *job = r->head;
        if (!job) break; /* stopping and nothing left */
        r->head = job->next;
        if (!r->head) r->tail = NULL;
        r->queued--;
        pthread_mutex_unlock(&r->mu);
        job->next = NULL;
        job->fn(job);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

runner_t *runner_new(const char *name, int max_threads)
{
    runner_t *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->max = max_threads > 0 ? max_threads : 1;
    r->threads = xcalloc((size_t)r->max, sizeof *r->threads);
    snprintf(r->name, sizeof r->name, "%s", name ? name : "zeues-runner");
    return r;
}

/* Called with mu held: one more thread, when every started one is busy with a job (the idle
 * ones would take those queued first). Returns 0 when a thread is there to run job. */
static int grow_locked(runner_t *r)
{
    if (r->idle > r->queued) return 0;
    if (r->started < r->max && thread_start(&r->threads[r->started], r->name, runner_main, r) == 0)
        r->started++;
    return r->started > 0 ? 0 : -1;
}

int runner_submit(runner_t *r, runner_job_t *job)
{
    pthread_mutex_lock(&r->mu);
    if (r->stopping || grow_locked(r) != 0) {
        pthread_mutex_unlock(&r->mu);
        return -1;
    }
    job->next = NULL;
    if (r->tail) r->tail->next = job;
    else r->head = job;
    r->tail = job;
    r->queued++;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

int runner_threads(runner_t *r, int *idle)
{
    pthread_mutex_lock(&r->mu);
    int n = r->started;
    if (idle) *idle = r->idle;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void runner_stop(runner_t *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    int was_stopping = r->stopping;
    r->stopping = 1;
    pthread_cond_broadcast(&r->cv);
    int n = r->started; /* no thread starts once stopping is set */
    pthread_mutex_unlock(&r->mu);
    if (was_stopping) return;
    for (int i = 0; i < n; i++) pthread_join(r->threads[i], NULL);
}

void runner_free(runner_t *r)
{
    if (!r) return;
    runner_stop(r);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r->threads);
    free(r);
}
