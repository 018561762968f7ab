/* The committed-event notifier (see notify.h). */
#include "app/notify.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_map.h"
#include "redis/redis.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "notify"

struct notify {
    rpool_t *redis;
    pthread_mutex_t mu; /* guards the local hook */
    notify_wake_fn wake;
    void *wake_ud;
};

notify_t *notify_new(rpool_t *redis)
{
    notify_t *n = xcalloc(1, sizeof *n);
    n->redis = redis;
    pthread_mutex_init(&n->mu, NULL);
    return n;
}

void notify_free(notify_t *n)
{
    if (!n) return;
    pthread_mutex_destroy(&n->mu);
    free(n);
}

void notify_set_local(notify_t *n, notify_wake_fn fn, void *ud)
{
    if (!n) return;
    pthread_mutex_lock(&n->mu);
    n->wake = fn;
    n->wake_ud = ud;
    pthread_mutex_unlock(&n->mu);
}

void notify_wake(notify_t *n)
{
    if (!n) return;
    /* The hook is called under the mutex so that detaching waits for a wake-up in progress. */
    pthread_mutex_lock(&n->mu);
    if (n->wake) n->wake(n->wake_ud);
    pthread_mutex_unlock(&n->mu);
}

static void on_payload(void *ud, const char *msg)
{
    notify_payloads_t *p = ud;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 4;
        p->msg = xrealloc(p->msg, p->cap * sizeof *p->msg);
    }
    p->msg[p->n++] = xstrdup(msg);
}

/* The original's subscribers read Python's default JSON: ", " / ": ", \u escapes. */
void notify_payloads_add(notify_payloads_t *p, const event_rec_t *e)
{
    if (e->live_json[0] && json_map_live_payloads(e, on_payload, p) != 0)
        LOG_WARN("event %lld has an unreadable live payload; not published", (long long)e->seq);
}

void notify_payloads_deinit(notify_payloads_t *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->msg[i]);
    free(p->msg);
    memset(p, 0, sizeof *p);
}

void notify_publish(notify_t *n, const notify_payloads_t *p)
{
    if (!n || !n->redis || p->n == 0) return;
    if (rpool_publish_many(n->redis, NOTIFY_CHANNEL, (const char *const *)p->msg, p->n) != 0)
        LOG_WARN("publish of %zu live payload(s) failed; streams catch up from the store", p->n);
}

void notify_committed(notify_t *n, const event_rec_t *e)
{
    if (!n) return;
    notify_wake(n);
    if (!n->redis || !e->live_json[0]) return;
    notify_payloads_t p = {0};
    notify_payloads_add(&p, e);
    notify_publish(n, &p);
    notify_payloads_deinit(&p);
}
