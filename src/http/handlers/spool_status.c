/* GET /api/spool/{tag}/status and POST /api/spools/batch-status: the card data of the current
 * app (SpoolStatus, api-v4v5 §2.3), derived by core/status.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/json_map.h"
#include "core/status.h"
#include "http/body.h"
#include "http/card_cache.h"
#include "http/list_cache.h"
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
 * (http/card_cache.h), else rendered and cached; gen is the list generation read before s. */
static void card_append(req_t *r, const spool_t *s, const workers_t *ws, uint64_t epoch,
                        uint64_t gen, buf_t *out)
{
    card_cache_t *cc = r->env ? r->env->cards : NULL;
    if (cc && card_cache_get(cc, s, epoch, gen, out)) return;
    json_t *v = status_json(s, ws);
    char *j = json_dumps(v, CARD_JSON_FLAGS);
    json_decref(v);
    if (!j) return;
    size_t len = strlen(j);
    buf_append(out, j, len);
    if (cc) card_cache_put(cc, s, epoch, gen, j, len);
    free(j);
}

/* The list generation, read before the store (http/list_cache.h); 0 when there is none. */
static uint64_t list_gen(req_t *r)
{
    return r->env && r->env->lists && r->env->cards ? list_cache_generation(r->env->lists) : 0;
}

static uint64_t workers_epoch(req_t *r, const workers_t *ws)
{
    return r->env && r->env->cards ? card_cache_workers_epoch(r->env->cards, ws->v, ws->n) : 0;
}

int h_spool_status(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    uint64_t gen = list_gen(r); /* before the store is read */
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    workers_t ws;
    if (workers_or_reply(r, &ws) != 0) return 0;
    uint64_t epoch = workers_epoch(r, &ws);
    r->status = 200;
    r->out_type = "application/json";
    buf_reset(&r->out);
    card_append(r, &s, &ws, epoch, gen, &r->out);
    free(ws.v);
    return 0;
}

static const char *const fields_batch[] = {"tags", NULL};

/* The body as the app sends it, {"tags":["A","B",...]}: printable ASCII tags without escapes,
 * JSON whitespace anywhere between tokens, 1..BATCH_STATUS_MAX tags. Such a body is valid JSON
 * meaning exactly that list, so it is read here without the general parser (which cost a
 * third of the time of a cached answer); anything else returns 0 and goes to the general
 * parser, which decides and words the errors. On success *copy holds the tags (caller frees
 * *copy and *tags). */
static size_t tags_simple(const char *p, size_t len, char **copy, const char ***tags)
{
    const char *end = p + len;
#define WS() while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++
#define LIT(s) (end - p >= (ptrdiff_t)(sizeof s - 1) && memcmp(p, s, sizeof s - 1) == 0 ? (p += sizeof s - 1, 1) : 0)
    WS();
    if (!LIT("{")) return 0;
    WS();
    if (!LIT("\"tags\"")) return 0;
    WS();
    if (!LIT(":")) return 0;
    WS();
    if (!LIT("[")) return 0;
    char *out = xmalloc(len + 1), *o = out;
    const char **v = xmalloc(BATCH_STATUS_MAX * sizeof *v);
    size_t n = 0;
    for (;;) {
        WS();
        if (p == end || *p != '"' || n == BATCH_STATUS_MAX) goto no;
        const char *q = ++p;
        while (p < end && *p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\') p++;
        if (p == end || *p != '"' || (size_t)(p - q) > ZTAG_MAX * 4) goto no;
        v[n++] = o;
        memcpy(o, q, (size_t)(p - q));
        o += p - q;
        *o++ = '\0';
        p++;
        WS();
        if (LIT(",")) continue;
        if (LIT("]")) break;
        goto no;
    }
    WS();
    if (!LIT("}")) goto no;
    WS();
    if (p != end) goto no;
    *copy = out;
    *tags = v;
    return n;
no:
    free(out);
    free(v);
    return 0;
#undef WS
#undef LIT
}

typedef struct batch {
    req_t *r;
    const char **tags;
    size_t n;
    uint64_t gen;     /* list generation, read before anything else */
    buf_t cards;      /* the answer being written; card i at off[i], len[i] bytes (0 = none) */
    size_t *off, *len;
    json_t *errors;
} batch_t;

/* The tags without a card current at b->gen: read from the store (workers and spools from
 * one moment: this runs inside one read snapshot), their cards appended to b->cards. Answers
 * a store failure itself and returns -1. */
static int batch_read(void *ud)
{
    batch_t *b = ud;
    req_t *r = b->r;
    workers_t ws;
    if (workers_or_reply(r, &ws) != 0) return -1;
    uint64_t epoch = workers_epoch(r, &ws);
    for (size_t i = 0; i < b->n; i++) {
        if (b->len[i]) continue;
        const char *tag = b->tags[i];
        spool_t s;
        /* Every tag is looked up as sent; one that cannot be a tag is simply not found. */
        int rc = strlen(tag) < ZTAG_MAX ? r->app->store->ops->spool_get(r->app->store, tag, &s)
                                        : ZE_SPOOL_NO_ENCONTRADO;
        if (rc == ZE_OK) {
            b->off[i] = b->cards.len;
            card_append(r, &s, &ws, epoch, b->gen, &b->cards);
            b->len[i] = b->cards.len - b->off[i];
        } else if (rc == ZE_DATA_CORRUPT) {
            char msg[ZTAG_MAX + 96];
            snprintf(msg, sizeof msg, "El spool '%s' tiene datos malformados. Contacta soporte.", tag);
            json_t *e = json_object();
            json_object_set_new(e, "tag_spool", json_string(tag));
            json_object_set_new(e, "error_code", json_string("SPOOL_DATA_CORRUPT"));
            json_object_set_new(e, "message", json_string(msg));
            json_array_append_new(b->errors, e);
        } else if (rc != ZE_SPOOL_NO_ENCONTRADO) {
            free(ws.v);
            reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
            return -1;
        }
    }
    free(ws.v);
    return 0;
}

/* The answer, written as text: {"spools":[cards],"total":N,"errors":[...]}, what reply_json
 * would write for the same object. Cards current at the list generation come from the card
 * cache without reading the store; the others are read in one snapshot. */
static void batch_answer(batch_t *b)
{
    req_t *r = b->r;
    card_cache_t *cc = r->env ? r->env->cards : NULL;
    size_t missing = 0;
    /* b->cards is written as the answer itself (prefix, then the cards with their commas):
     * when every card was current it becomes r->out without a copy. */
    buf_reserve(&b->cards, b->n * 768 + 64);
    buf_puts(&b->cards, "{\"spools\":[");
    for (size_t i = 0; i < b->n; i++) {
        size_t at = b->cards.len;
        if (i) buf_putc(&b->cards, ',');
        b->off[i] = b->cards.len;
        if (cc && card_cache_get_current(cc, b->tags[i], b->gen, &b->cards)) {
            b->len[i] = b->cards.len - b->off[i];
        } else {
            b->cards.len = at; /* no comma for it */
            b->cards.data[at] = '\0';
            missing++;
        }
    }
    if (missing) {
        store_t *st = r->app->store;
        int ret = st->ops->read_snapshot ? st->ops->read_snapshot(st, batch_read, b) : batch_read(b);
        if (ret == -1) return;
        if (ret != ZE_OK) {
            reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
            return;
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < b->n; i++) total += b->len[i] != 0;
    char *errs = json_dumps(b->errors, CARD_JSON_FLAGS);
    r->status = 200;
    r->out_type = "application/json";
    if (!missing) {
        buf_printf(&b->cards, "],\"total\":%zu,\"errors\":%s}", total, errs ? errs : "[]");
        buf_deinit(&r->out);
        r->out = b->cards;
        memset(&b->cards, 0, sizeof b->cards);
    } else {
        buf_reset(&r->out);
        buf_reserve(&r->out, b->cards.len + 64);
        buf_puts(&r->out, "{\"spools\":[");
        for (size_t i = 0, k = 0; i < b->n; i++) {
            if (!b->len[i]) continue;
            if (k++) buf_putc(&r->out, ',');
            buf_append(&r->out, b->cards.data + b->off[i], b->len[i]);
        }
        buf_printf(&r->out, "],\"total\":%zu,\"errors\":%s}", total, errs ? errs : "[]");
    }
    free(errs);
}

int h_spools_batch_status(req_t *r)
{
    json_t *body = NULL;
    char *copy = NULL;
    batch_t b = {.r = r};
    if (r->body && (b.n = tags_simple(r->body, r->body_len, &copy, &b.tags)) > 0) {
        /* read without the general parser */
    } else if (body_object_or_reply(r, &body) != 0) {
        return 0;
    }
    if (copy || (body_only_fields_or_reply(r, body, fields_batch) == 0 &&
                 body_strings_or_reply(r, body, "tags", 1, 1, BATCH_STATUS_MAX, ZTAG_MAX * 4, 0,
                                       &b.tags, &b.n) == 0)) {
        b.gen = list_gen(r);
        b.off = xcalloc(b.n, sizeof *b.off);
        b.len = xcalloc(b.n, sizeof *b.len);
        b.errors = json_array();
        batch_answer(&b);
        json_decref(b.errors);
        free(b.off);
        free(b.len);
        buf_deinit(&b.cards);
    }
    free(b.tags);
    free(copy);
    json_decref(body);
    return 0;
}
