/* A pool of threads that runs queued jobs, grown on demand up to a maximum.
 *
 * For work that waits (a Redis round trip, a group commit's sync) and must not hold the thread
 * that queued it: libmicrohttpd's workers each serve many connections, so a worker that waits
 * on one request stalls all of them, and at most one request per worker can be waiting at a
 * time. A runner thread is started when a job finds none idle and fewer than the maximum run;
 * threads stay until runner_free. Jobs start in the order they were queued. */
#ifndef ZEUES_UTIL_RUNNER_H
#define ZEUES_UTIL_RUNNER_H

typedef struct runner runner_t;

/** A queued job, embedded in the caller's own object (no allocation per job): fn is called
 *  once, on a runner thread, with the job itself (the caller finds its object from it). The job
 *  belongs to the runner from runner_submit until fn is called. */
typedef struct runner_job {
    struct runner_job *next;
    void (*fn)(struct runner_job *job);
} runner_job_t;

/** A pool of at most max_threads threads (at least 1), named name (util/thread.h). */
runner_t *runner_new(const char *name, int max_threads);

/** Queues job. Returns 0, or -1 when the pool is stopping or no thread can run it (none runs
 *  and none can be started): the caller then still owns job and runs it itself. */
int runner_submit(runner_t *r, runner_job_t *job);

/** Threads started so far, and how many of them wait for a job (for tests). */
int runner_threads(runner_t *r, int *idle);

/** Refuses new jobs (runner_submit returns -1 from now on), lets the threads run every job
 *  already queued and joins them. The pool stays valid for runner_submit until runner_free.
 *  Idempotent; NULL is allowed. */
void runner_stop(runner_t *r);

/** runner_stop, then frees the pool. NULL is allowed. */
void runner_free(runner_t *r);

#endif
