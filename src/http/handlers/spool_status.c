/* GET /api/spool/{tag}/status and POST /api/spools/batch-status: the card data of the current
 * app (SpoolStatus, api-v4v5 §2.3), derived by core/status.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/json_map.h"
#include "core/status.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/tz.h"

#define BATCH_STATUS_MAX 100

typedef struct workers {
    worker_t *v;
    size_t n, cap;
} workers_t;

static int collect_worker(void *ud, const worker_t *w)
{
    workers_t *ws = ud;
    if (!w->activo) return 0;
    if (ws->n == ws->cap) ws->v = xrealloc(ws->v, (ws->cap = ws->cap ? ws->cap * 2 : 64) * sizeof *ws->v);
    ws->v[ws->n++] = *w;
    return 0;
}

/* The active workers (for the *_display names); 0, or -1 after answering 503. */
static int workers_or_reply(req_t *r, workers_t *ws)
{
    memset(ws, 0, sizeof *ws);
    if (r->app->store->ops->worker_foreach(r->app->store, collect_worker, ws) != ZE_OK) {
        free(ws->v);
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer Trabajadores");
        return -1;
    }
    return 0;
}

static json_t *status_json(const spool_t *s, const workers_t *ws)
{
    spool_status_t st;
    status_derive(s, ws->v, ws->n, &st);
    char fo[32] = "";
    if (s->fecha_ocupacion) tz_format_dmy_hms(s->fecha_ocupacion, fo, sizeof fo);
    return json_map_spool_status(&st, fo[0] ? fo : NULL);
}

int h_spool_status(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    workers_t ws;
    if (workers_or_reply(r, &ws) != 0) return 0;
    reply_json(r, 200, status_json(&s, &ws));
    free(ws.v);
    return 0;
}

static const char *const fields_batch[] = {"tags", NULL};

int h_spools_batch_status(req_t *r)
{
    json_t *body = NULL;
    const char **tags = NULL;
    size_t n = 0;
    workers_t ws = {0};
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields_batch) != 0 ||
        body_strings_or_reply(r, body, "tags", 1, 1, BATCH_STATUS_MAX, ZTAG_MAX * 4, 0, &tags, &n) != 0 ||
        workers_or_reply(r, &ws) != 0)
        goto out;
    json_t *spools = json_array(), *errors = json_array();
    for (size_t i = 0; i < n; i++) {
        spool_t s;
        /* Every tag is looked up as sent; one that cannot be a tag is simply not found. */
        int rc = strlen(tags[i]) < ZTAG_MAX ? r->app->store->ops->spool_get(r->app->store, tags[i], &s)
                                            : ZE_SPOOL_NO_ENCONTRADO;
        if (rc == ZE_OK) {
            json_array_append_new(spools, status_json(&s, &ws));
        } else if (rc == ZE_DATA_CORRUPT) {
            char msg[ZTAG_MAX + 96];
            snprintf(msg, sizeof msg, "El spool '%s' tiene datos malformados. Contacta soporte.", tags[i]);
            json_t *e = json_object();
            json_object_set_new(e, "tag_spool", json_string(tags[i]));
            json_object_set_new(e, "error_code", json_string("SPOOL_DATA_CORRUPT"));
            json_object_set_new(e, "message", json_string(msg));
            json_array_append_new(errors, e);
        } else if (rc != ZE_SPOOL_NO_ENCONTRADO) {
            json_decref(spools);
            json_decref(errors);
            reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
            goto out;
        }
    }
    json_t *o = json_object();
    size_t total = json_array_size(spools);
    json_object_set_new(o, "spools", spools);
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    json_object_set_new(o, "errors", errors);
    reply_json(r, 200, o);
out:
    free(ws.v);
    free(tags);
    json_decref(body);
    return 0;
}
