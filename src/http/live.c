/* Live fan-out: publishing committed events on Redis. The SSE hub that streams them to
 * browsers (in durable-sequence order, with replay) is built on live_committed's wake-up. */
#include "http/live.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "redis/redis.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "live"

struct live {
    app_t *app;
};

live_t *live_new(app_t *app)
{
    live_t *l = xcalloc(1, sizeof *l);
    l->app = app;
    return l;
}

void live_free(live_t *l) { free(l); }

void live_committed(live_t *l, const event_rec_t *e)
{
    if (!l || !l->app->redis || !e->live_json[0]) return;
    json_t *arr = json_loads(e->live_json, 0, NULL);
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) {
        json_object_set_new(p, "seq", json_integer(e->seq));
        /* The original's subscribers read Python's default JSON: ", " / ": ", \u escapes. */
        char *msg = json_dumps(p, JSON_ENSURE_ASCII);
        if (msg && rpool_publish(l->app->redis, LIVE_CHANNEL, msg, strlen(msg)) != 0)
            LOG_WARN("publish of event %lld failed; streams catch up from the store", (long long)e->seq);
        free(msg);
    }
    json_decref(arr);
}
