/* GET /api/history/{tag_spool}: who worked on the spool, when, and for how long. */
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/history.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/tz.h"

typedef struct evs {
    event_rec_t *v;
    size_t n, cap;
} evs_t;

static int collect(void *ud, const event_rec_t *e)
{
    evs_t *a = ud;
    if (a->n == a->cap) a->v = xrealloc(a->v, (a->cap = a->cap ? a->cap * 2 : 16) * sizeof *a->v);
    a->v[a->n++] = *e;
    return 0;
}

int h_history(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    evs_t a = {0};
    if (r->app->store->ops->event_foreach_tag(r->app->store, tag, collect, &a) != ZE_OK) {
        free(a.v);
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer Metadata");
    }
    size_t n = history_sessions(a.v, a.n, NULL, 0);
    hsession_t *ss = xcalloc(n ? n : 1, sizeof *ss);
    history_sessions(a.v, a.n, ss, n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        char t[40], d[32];
        json_object_set_new(o, "worker_nombre", json_string(ss[i].worker_nombre));
        json_object_set_new(o, "worker_id", json_integer(ss[i].worker_id));
        json_object_set_new(o, "operacion", json_string(ss[i].operacion));
        tz_format_iso(ss[i].start, t, sizeof t);
        json_object_set_new(o, "start_time", json_string(t));
        if (ss[i].end) {
            tz_format_iso(ss[i].end, t, sizeof t);
            json_object_set_new(o, "end_time", json_string(t));
            history_format_duration(ss[i].end - ss[i].start, d, sizeof d);
            json_object_set_new(o, "duration", json_string(d));
            json_object_set_new(o, "duration_seconds", json_integer(ss[i].end - ss[i].start));
            json_object_set_new(o, "closed_by", json_string(ss[i].closed_by));
            json_object_set_new(o, "closing_event", json_string(ss[i].closing_event));
        } else {
            json_object_set_new(o, "end_time", json_null());
            json_object_set_new(o, "duration", json_null());
            json_object_set_new(o, "duration_seconds", json_null());
            json_object_set_new(o, "closed_by", json_null());
            json_object_set_new(o, "closing_event", json_null());
        }
        json_array_append_new(arr, o);
    }
    free(ss);
    free(a.v);
    json_t *o = json_object();
    json_object_set_new(o, "tag_spool", json_string(tag));
    json_object_set_new(o, "sessions", arr);
    return reply_json(r, 200, o);
}
