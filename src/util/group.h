/* A queue where callers that each bring one piece of work meet, and one of them at a time
 * (the leader) runs everything queued as one batch: the stores' group commit (one transaction
 * and one sync for many changes) and the Redis pool's pipelined commands (one round trip for
 * many). Nobody waits for a timer: an item alone runs at once.
 *
 * Each waiting caller sleeps on a wake-up of its own. When a batch is done its leader wakes
 * exactly the callers whose changes were in it, and hands the lead to the first caller still
 * queued, which wakes to run the next batch. So a caller is woken once, and never to find that
 * it must sleep again (a shared condition variable woke every waiter after each batch, all of
 * them then fighting for one mutex: half of the futex calls of a mutation under load). */
#ifndef ZEUES_UTIL_GROUP_H
#define ZEUES_UTIL_GROUP_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

/** One caller's place in the queue, embedded in the caller's own object (as its first member,
 *  so run() finds the object from it). Owned by the queue from group_join until it returns;
 *  run() must not keep pointers to a batch's items after it returns. */
typedef struct group_item {
    struct group_item *next;
    sem_t wake;
    int done; /* set by the leader before the wake-up: 0 means "lead the next batch" */
} group_item_t;

typedef struct group {
    pthread_mutex_t mu; /* guards head, tail, leading */
    group_item_t *head, **tail;
    int leading;
} group_t;

/** Runs one batch: the items linked by next, in queue order, n of them. Called by one thread
 *  at a time, with no lock of the queue held. */
typedef void (*group_run_fn)(group_item_t *batch, long long n, void *ud);

void group_init(group_t *g);
void group_destroy(group_t *g);

/** Queues it and returns once a batch holding it has run, which may have been run by this
 *  thread (then with it and what was queued up to max_batch items in all) or by another. */
void group_join(group_t *g, group_item_t *it, long long max_batch, group_run_fn run, void *ud);

/** Whether a batch is being run, and how many items wait for the next one (for tests). */
void group_state(group_t *g, int *leading, size_t *queued);

#endif
