/* The committed-event notifier (see notify.h). */
#include "app/notify.h"

#include <jansson.h>
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

static void publish(notify_t *n, const event_rec_t *e)
{
    json_t *arr = json_loads(e->live_json, 0, NULL);
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) {
        if (!json_is_object(p)) continue;
        json_object_set_new(p, "seq", json_integer(e->seq));
        /* The original's subscribers read Python's default JSON: ", " / ": ", \u escapes. */
        char *msg = json_map_dumps_python(p);
        if (msg && rpool_publish(n->redis, NOTIFY_CHANNEL, msg, strlen(msg)) != 0)
            LOG_WARN("publish of event %lld failed; streams catch up from the store",
                     (long long)e->seq);
        free(msg);
    }
    json_decref(arr);
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
