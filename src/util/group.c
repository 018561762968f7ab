/* The group queue (see group.h). */
#include "util/group.h"

#include <errno.h>

void group_init(group_t *g)
{
    pthread_mutex_init(&g->mu, NULL);
    g->head = NULL;
    g->tail = &g->head;
    g->leading = 0;
}

void group_destroy(group_t *g)
{
    pthread_mutex_destroy(&g->mu);
}

static void sleep_until_woken(group_item_t *it)
{
    while (sem_wait(&it->wake) != 0 && errno == EINTR) {}
}

/* With mu held: cuts up to max items off the head of the queue. */
static group_item_t *take_batch(group_t *g, long long max, long long *n)
{
    group_item_t *batch = g->head, **cut = &g->head;
    *n = 0;
    while (*cut && *n < max) {
        cut = &(*cut)->next;
        (*n)++;
    }
    g->head = *cut;
    *cut = NULL;
    if (!g->head) g->tail = &g->head;
    return batch;
}

void group_join(group_t *g, group_item_t *it, long long max_batch, group_run_fn run, void *ud)
{
    if (max_batch < 1) max_batch = 1;
    it->next = NULL;
    it->done = 0;
    sem_init(&it->wake, 0, 0);
    pthread_mutex_lock(&g->mu);
    *g->tail = it;
    g->tail = &it->next;
    int lead = !g->leading;
    g->leading = 1;
    pthread_mutex_unlock(&g->mu);
    if (!lead) sleep_until_woken(it); /* done, or handed the lead */

    if (!it->done) {
        /* Leading. The leader is always the head of the queue (it found the queue empty, or
         * the lead was handed to the head), so its batch starts with its own item. */
        long long n;
        pthread_mutex_lock(&g->mu);
        group_item_t *batch = take_batch(g, max_batch, &n);
        pthread_mutex_unlock(&g->mu);
        run(batch, n, ud);
        pthread_mutex_lock(&g->mu);
        group_item_t *next = g->head; /* stays queued until it runs its own batch */
        g->leading = next != NULL;
        pthread_mutex_unlock(&g->mu);
        if (next) sem_post(&next->wake);
        for (group_item_t *b = batch->next, *after; b; b = after) {
            after = b->next; /* read before the wake-up: the caller may leave at once */
            b->done = 1;
            sem_post(&b->wake);
        }
    }
    sem_destroy(&it->wake);
}

void group_state(group_t *g, int *leading, size_t *queued)
{
    pthread_mutex_lock(&g->mu);
    *leading = g->leading;
    *queued = 0;
    for (group_item_t *it = g->head; it; it = it->next) (*queued)++;
    pthread_mutex_unlock(&g->mu);
}
