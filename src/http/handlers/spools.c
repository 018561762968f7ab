/* Spool lists per operation and action (SPEC "Lists") and one spool's detail. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/json_map.h"
#include "core/lists.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/list_cache.h"
#include "store/store.h"
#include "util/tz.h"

typedef enum {
    FILTER_TAKE,
    FILTER_ADD_V5,      /* v5 ARM list: can be added to the tracked list */
    FILTER_HELD_ID,
    FILTER_HELD_NAME,
    FILTER_OCCUPIED_BY, /* v5 /api/spools/ocupados: Ocupado_Por ends in "(worker_id)" */
    FILTER_REPAIR,
    FILTER_REPAIR_HELD
} filter_t;

typedef struct list_ctx {
    filter_t filter;
    zop_t op;
    int64_t worker_id;
    const char *worker_nombre;
    buf_t *out;   /* the answer being written: {"spools":[ and the items so far */
    size_t n;     /* items written */
    int bloqueados;
} list_ctx_t;

/* The flags of reply_json, so a streamed list has the bytes json_dumps would give. */
#define LIST_DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

json_t *spools__json(const spool_t *s);

json_t *spools__json(const spool_t *s)
{
    char fo[32] = "";
    if (s->fecha_ocupacion) tz_format_dmy_hms(s->fecha_ocupacion, fo, sizeof fo);
    return json_map_spool(s, fo[0] ? fo : NULL);
}

static json_t *repair_item(const spool_t *s)
{
    json_t *o = json_object();
    char fecha[16];
    json_object_set_new(o, "tag_spool", json_string(s->tag));
    json_object_set_new(o, "estado_detalle", json_string(s->estado_detalle));
    if (s->fecha_qc) {
        zdate_format_iso(s->fecha_qc, fecha, sizeof fecha);
        json_object_set_new(o, "fecha_rechazo", json_string(fecha));
    } else {
        json_object_set_new(o, "fecha_rechazo", json_null());
    }
    json_object_set_new(o, "cycle", json_integer(s->repair_cycle));
    json_object_set_new(o, "bloqueado", json_boolean(s->repair == ZREP_BLOQUEADO));
    json_object_set_new(o, "nv", s->nv[0] ? json_string(s->nv) : json_null());
    json_object_set_new(o, "ocupado_por", s->ocupado_por[0] ? json_string(s->ocupado_por) : json_null());
    return o;
}

static int dump_to_buf(const char *p, size_t n, void *ud)
{
    buf_append(ud, p, n);
    return 0;
}

static int visit(void *ud, const spool_t *s)
{
    list_ctx_t *c = ud;
    int keep = 0;
    switch (c->filter) {
    case FILTER_TAKE: keep = lists_can_take(s, c->op); break;
    case FILTER_ADD_V5: keep = lists_can_add_v5(s); break;
    case FILTER_OCCUPIED_BY: keep = spool_is_occupied(s) && s->ocupado_worker_id == c->worker_id; break;
    case FILTER_HELD_ID: keep = lists_held_by(s, c->op, c->worker_id); break;
    case FILTER_HELD_NAME:
        keep = spool_is_occupied(s) && s->ocupado_op == c->op &&
               strcmp(s->ocupado_por, c->worker_nombre) == 0;
        break;
    case FILTER_REPAIR: keep = lists_in_repair_queue(s); break;
    case FILTER_REPAIR_HELD: keep = lists_held_by(s, ZOP_REPARACION, c->worker_id); break;
    }
    if (!keep) return 0;
    json_t *item;
    if (c->filter == FILTER_REPAIR || c->filter == FILTER_REPAIR_HELD) {
        item = repair_item(s);
        if (s->repair == ZREP_BLOQUEADO) c->bloqueados++;
    } else {
        item = spools__json(s);
    }
    if (c->n++) buf_putc(c->out, ',');
    json_dump_callback(item, dump_to_buf, c->out, LIST_DUMP_FLAGS);
    json_decref(item);
    return 0;
}

/* Writes each spool as soon as it is read (a 10,000-spool list as one jansson tree took about
 * 46 MB while it was built, for a 5.3 MB answer). reply_list closes the answer. */
static int run_list(req_t *r, list_ctx_t *c)
{
    c->out = &r->out;
    buf_reset(c->out);
    buf_puts(c->out, "{\"spools\":[");
    if (r->app->store->ops->spool_foreach(r->app->store, visit, c) != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
        return -1;
    }
    return 0;
}

/* The original upper-cases the query value before matching it. */
static int query_op_or_reply(req_t *r, zop_t *op, const char *expected)
{
    const char *v;
    if (query_string_or_reply(r, "operacion", &v) != 0) return -1;
    char up[32];
    size_t n = strlen(v);
    if (n < sizeof up) {
        for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)v[i]);
        *op = zop_parse(up);
    } else {
        *op = ZOP_NONE;
    }
    if (*op == ZOP_NONE) {
        json_t *data = json_object();
        json_object_set_new(data, "operacion", json_string(v));
        reply_error(r, ZE_BAD_REQUEST, data, "Operación inválida '%s'. Debe ser %s.", v, expected);
        return -1;
    }
    return 0;
}

/* The generation a list answer is built from and whether this request builds it for others
 * (list_cache_claim): then remember() or forget() must follow. */
typedef struct claim {
    uint64_t gen;
    int builder;
} claim_t;

/* Serves the body cached for key when nothing has changed since it was built, or the one
 * another request is building right now. Sets *cl for the later remember() / forget().
 * Returns 1 when the request was answered. */
static int cached(req_t *r, const char *key, claim_t *cl)
{
    *cl = (claim_t){0};
    if (!r->env->lists) return 0;
    cl->gen = list_cache_generation(r->env->lists);
    list_body_t *b = list_cache_claim(r->env->lists, key, cl->gen, &cl->builder);
    if (!b) return 0;
    return reply_list_body(r, b) == 0;
}

/* Turns the answer just rendered into a cached body (kept for the next reads at its
 * generation, and handed to the requests waiting for it) and serves it from there: the gzip
 * and the ETag come with it. An answer that is not a 200 lets the waiters build their own. */
static void remember(req_t *r, const char *key, const claim_t *cl)
{
    if (!r->env->lists) return;
    if (r->status != 200) {
        if (cl->builder) list_cache_abandon(r->env->lists, key, cl->gen);
        return;
    }
    reply_list_body(r, list_cache_put(r->env->lists, key, cl->gen, &r->out));
}

/* The list could not be built (its error answer is set): the waiters build their own. */
static int forget(req_t *r, const char *key, const claim_t *cl)
{
    if (cl->builder) list_cache_abandon(r->env->lists, key, cl->gen);
    return 0;
}

/* Closes the answer run_list began: ],"total":N,... (the keys after "spools", in order). */
static int reply_list(req_t *r, list_ctx_t *c, const char *label)
{
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)c->n));
    if (c->filter == FILTER_REPAIR || c->filter == FILTER_REPAIR_HELD)
        json_object_set_new(o, "bloqueados", json_integer(c->bloqueados));
    json_object_set_new(o, "filtro_aplicado", json_string(label));
    char *tail = json_dumps(o, LIST_DUMP_FLAGS);
    json_decref(o);
    buf_puts(c->out, "],");
    if (tail) buf_puts(c->out, tail + 1); /* without its own opening brace */
    free(tail);
    r->status = 200;
    r->out_type = "application/json";
    return 0;
}

int h_spools_iniciar(req_t *r)
{
    list_ctx_t c = {.filter = FILTER_TAKE};
    if (query_op_or_reply(r, &c.op, "ARM, SOLD, METROLOGIA o REPARACION") != 0) return 0;
    /* The one contradiction between the two apps (README "Two tablet apps"): the current app
     * uses the ARM list as "spools that can be added to its list". */
    int v5 = c.op == ZOP_ARM && strcmp(r->app->cfg->compat, "v5") == 0;
    if (v5) c.filter = FILTER_ADD_V5;
    char key[64];
    claim_t cl;
    snprintf(key, sizeof key, "iniciar|%s%s", zop_name(c.op), v5 ? "|v5" : "");
    if (cached(r, key, &cl)) return 0;
    if (run_list(r, &c) != 0) return forget(r, key, &cl);
    reply_list(r, &c, v5 ? "ARM - Fecha_Materiales llena Y Armador vacío" : lists_label_take(c.op));
    remember(r, key, &cl);
    return 0;
}

int h_spools_completar(req_t *r)
{
    list_ctx_t c = {.filter = FILTER_HELD_NAME};
    if (query_op_or_reply(r, &c.op, "ARM, SOLD, METROLOGIA o REPARACION") != 0) return 0;
    if (query_string_or_reply(r, "worker_nombre", &c.worker_nombre) != 0) return 0;
    char key[256];
    claim_t cl = {0};
    /* A name too long for the key is simply not cached. */
    int keyed = (size_t)snprintf(key, sizeof key, "completar|%s|%s", zop_name(c.op),
                                 c.worker_nombre) < sizeof key;
    if (keyed && cached(r, key, &cl)) return 0;
    if (run_list(r, &c) != 0) return forget(r, key, &cl);
    char label[160];
    snprintf(label, sizeof label, "%s - ocupado por %s", zop_name(c.op), c.worker_nombre);
    reply_list(r, &c, label);
    if (keyed) remember(r, key, &cl);
    return 0;
}

int h_spools_cancelar(req_t *r)
{
    list_ctx_t c = {.filter = FILTER_HELD_ID};
    if (query_op_or_reply(r, &c.op, "ARM, SOLD, METROLOGIA o REPARACION") != 0) return 0;
    if (query_int_or_reply(r, "worker_id", 1, &c.worker_id) != 0) return 0;
    char key[64];
    claim_t cl;
    snprintf(key, sizeof key, "cancelar|%s|%lld", zop_name(c.op), (long long)c.worker_id);
    if (cached(r, key, &cl)) return 0;
    if (run_list(r, &c) != 0) return forget(r, key, &cl);
    char label[96];
    snprintf(label, sizeof label, "%s - ocupado por worker_id=%lld", zop_name(c.op),
             (long long)c.worker_id);
    reply_list(r, &c, label);
    remember(r, key, &cl);
    return 0;
}

int h_spools_ocupados(req_t *r)
{
    list_ctx_t c = {.filter = FILTER_OCCUPIED_BY};
    if (query_op_or_reply(r, &c.op, "ARM, SOLD o REPARACION") != 0) return 0;
    if (c.op == ZOP_METROLOGIA) {
        json_t *data = json_object();
        json_object_set_new(data, "operacion", json_string("METROLOGIA"));
        return reply_error(r, ZE_BAD_REQUEST, data,
                           "Operación inválida 'METROLOGIA'. Debe ser ARM, SOLD o REPARACION.");
    }
    if (query_int_or_reply(r, "worker_id", 1, &c.worker_id) != 0) return 0;
    char key[64];
    claim_t cl;
    snprintf(key, sizeof key, "ocupados|%s|%lld", zop_name(c.op), (long long)c.worker_id);
    if (cached(r, key, &cl)) return 0;
    if (run_list(r, &c) != 0) return forget(r, key, &cl);
    char label[96];
    snprintf(label, sizeof label, "Ocupado_Por contiene (%lld) - operacion=%s",
             (long long)c.worker_id, zop_name(c.op));
    reply_list(r, &c, label);
    remember(r, key, &cl);
    return 0;
}

int h_spools_reparacion(req_t *r)
{
    list_ctx_t c = {.filter = FILTER_REPAIR, .op = ZOP_REPARACION};
    if (query_int_or_reply(r, "worker_id", 0, &c.worker_id) != 0) return 0;
    if (c.worker_id) c.filter = FILTER_REPAIR_HELD;
    char key[64];
    claim_t cl;
    snprintf(key, sizeof key, "reparacion|%lld", (long long)c.worker_id);
    if (cached(r, key, &cl)) return 0;
    if (run_list(r, &c) != 0) return forget(r, key, &cl);
    reply_list(r, &c, c.worker_id ? "REPARACION - ocupados por el trabajador"
                                  : "RECHAZADO + BLOQUEADO visibles (no ocupados)");
    remember(r, key, &cl);
    return 0;
}

int h_spool_detail(req_t *r)
{
    const char *tag;
    if (query_string_or_reply(r, "tag", &tag) != 0 || tag_or_reply(r, "tag", tag) != 0) return 0;
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    return reply_json(r, 200, spools__json(&s));
}
