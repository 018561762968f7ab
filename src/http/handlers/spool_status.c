/* GET /api/spool/{tag}/status and POST /api/spools/batch-status: the card data of the current
 * app (SpoolStatus, api-v4v5 §2.3), derived by core/status.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/json_map.h"
#include "core/status.h"
#include "http/body.h"
#include "http/card_cache.h"
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

/* The flags of reply_json: a card appended here is the same text reply_json would write. */
#define CARD_JSON_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

/* Appends the card of s to out: the cached one when its row and the workers are unchanged
 * (http/card_cache.h), else rendered and cached. */
static void card_append(req_t *r, const spool_t *s, const workers_t *ws, uint64_t epoch, buf_t *out)
{
    card_cache_t *cc = r->env ? r->env->cards : NULL;
    if (cc && card_cache_get(cc, s, epoch, out)) return;
    json_t *v = status_json(s, ws);
    char *j = json_dumps(v, CARD_JSON_FLAGS);
    json_decref(v);
    if (!j) return;
    size_t len = strlen(j);
    buf_append(out, j, len);
    if (cc) card_cache_put(cc, s, epoch, j, len);
    free(j);
}

static uint64_t workers_epoch(req_t *r, const workers_t *ws)
{
    return r->env && r->env->cards ? card_cache_workers_epoch(r->env->cards, ws->v, ws->n) : 0;
}

int h_spool_status(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    workers_t ws;
    if (workers_or_reply(r, &ws) != 0) return 0;
    uint64_t epoch = workers_epoch(r, &ws);
    r->status = 200;
    r->out_type = "application/json";
    buf_reset(&r->out);
    card_append(r, &s, &ws, epoch, &r->out);
    free(ws.v);
    return 0;
}

static const char *const fields_batch[] = {"tags", NULL};

typedef struct batch {
    req_t *r;
    const char **tags;
    size_t n;
} batch_t;

/* The answer, written as text into r->out: {"spools":[cards],"total":N,"errors":[...]}, what
 * reply_json would write for the same object, each card from the card cache. Runs inside one
 * read snapshot of the store (workers and spools from the same moment); answers errors
 * itself. */
static int batch_answer(void *ud)
{
    batch_t *b = ud;
    req_t *r = b->r;
    workers_t ws;
    if (workers_or_reply(r, &ws) != 0) return 0;
    uint64_t epoch = workers_epoch(r, &ws);
    size_t total = 0;
    json_t *errors = json_array();
    r->status = 200;
    r->out_type = "application/json";
    buf_reset(&r->out);
    buf_puts(&r->out, "{\"spools\":[");
    for (size_t i = 0; i < b->n; i++) {
        const char *tag = b->tags[i];
        spool_t s;
        /* Every tag is looked up as sent; one that cannot be a tag is simply not found. */
        int rc = strlen(tag) < ZTAG_MAX ? r->app->store->ops->spool_get(r->app->store, tag, &s)
                                        : ZE_SPOOL_NO_ENCONTRADO;
        if (rc == ZE_OK) {
            if (total++) buf_putc(&r->out, ',');
            card_append(r, &s, &ws, epoch, &r->out);
        } else if (rc == ZE_DATA_CORRUPT) {
            char msg[ZTAG_MAX + 96];
            snprintf(msg, sizeof msg, "El spool '%s' tiene datos malformados. Contacta soporte.", tag);
            json_t *e = json_object();
            json_object_set_new(e, "tag_spool", json_string(tag));
            json_object_set_new(e, "error_code", json_string("SPOOL_DATA_CORRUPT"));
            json_object_set_new(e, "message", json_string(msg));
            json_array_append_new(errors, e);
        } else if (rc != ZE_SPOOL_NO_ENCONTRADO) {
            json_decref(errors);
            free(ws.v);
            reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
            return 0;
        }
    }
    char *errs = json_dumps(errors, CARD_JSON_FLAGS);
    json_decref(errors);
    buf_printf(&r->out, "],\"total\":%zu,\"errors\":%s}", total, errs ? errs : "[]");
    free(errs);
    free(ws.v);
    return 0;
}

int h_spools_batch_status(req_t *r)
{
    json_t *body = NULL;
    batch_t b = {.r = r};
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields_batch) == 0 &&
        body_strings_or_reply(r, body, "tags", 1, 1, BATCH_STATUS_MAX, ZTAG_MAX * 4, 0, &b.tags,
                              &b.n) == 0) {
        store_t *st = r->app->store;
        if (!st->ops->read_snapshot) batch_answer(&b);
        else if (st->ops->read_snapshot(st, batch_answer, &b) != ZE_OK)
            reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
    }
    free(b.tags);
    json_decref(body);
    return 0;
}
