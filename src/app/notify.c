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

typedef struct pub_ctx {
    notify_t *n;
    int64_t seq;
} pub_ctx_t;

static void on_payload(void *ud, const char *msg)
{
    pub_ctx_t *c = ud;
    if (rpool_publish(c->n->redis, NOTIFY_CHANNEL, msg, strlen(msg)) != 0)
        LOG_WARN("publish of event %lld failed; streams catch up from the store",
                 (long long)c->seq);
}

/* The original's subscribers read Python's default JSON: ", " / ": ", \u escapes. */
static void publish(notify_t *n, const event_rec_t *e)
{
    pub_ctx_t c = {n, e->seq};
    json_map_live_payloads(e, on_payload, &c);
}

void notify_committed(notify_t *n, const event_rec_t *e)
{
    if (!n) return;
    /* The hook is called under the mutex so that detaching waits for a wake-up in progress. */
    pthread_mutex_lock(&n->mu);
    if (n->wake) n->wake(n->wake_ud);
    pthread_mutex_unlock(&n->mu);
    if (n->redis && e->live_json[0]) publish(n, e);
}
