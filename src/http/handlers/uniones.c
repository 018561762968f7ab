/* /api/v4/uniones/{tag}/disponibles|metricas|todas and POST /api/v4/uniones/guardar: the unions
 * of one spool, keyed by TAG_SPOOL + N_UNION (never by OT alone). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/mutate.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/alloc.h"

#define DN_MAX_C 5000 /* 50" */

static json_t *dn_json(int64_t c) { return c > 0 ? json_real((double)c / 100.0) : json_null(); }
static json_t *text_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *id_json(const zunion_t *u)
{
    char id[ZOT_MAX + 16];
    zunion_id(u, id, sizeof id);
    return text_or_null(id);
}

/* Reads the unions of tag; 0, or -1 after answering 503. unions has room for ZUNION_MAX. */
static int unions_or_reply(req_t *r, const char *tag, zunion_t *unions, size_t *n)
{
    *n = 0;
    if (!r->app->store->ops->unions_get ||
        r->app->store->ops->unions_get(r->app->store, tag, unions, n) != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Uniones");
        return -1;
    }
    return 0;
}

int h_uniones_disponibles(req_t *r)
{
    const char *tag = r->param, *opv;
    if (tag_or_reply(r, "tag_spool", tag) != 0 || query_string_or_reply(r, "operacion", &opv) != 0)
        return 0;
    zop_t op = strcmp(opv, "ARM") == 0 ? ZOP_ARM : strcmp(opv, "SOLD") == 0 ? ZOP_SOLD : ZOP_NONE;
    if (op == ZOP_NONE) {
        json_t *d = json_object();
        json_object_set_new(d, "operacion", json_string(opv));
        return reply_error(r, ZE_BAD_REQUEST, d, "Operación inválida '%s'. Debe ser ARM o SOLD.",
                           opv);
    }
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    zunion_t *u = xcalloc(ZUNION_MAX, sizeof *u);
    size_t n;
    if (unions_or_reply(r, tag, u, &n) == 0) {
        int legacy = zunion_legacy_sold(&s, u, n);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            if (!zunion_available(&u[i], op, legacy)) continue;
            json_t *o = json_object();
            json_object_set_new(o, "id", id_json(&u[i]));
            json_object_set_new(o, "n_union", json_integer(u[i].n));
            json_object_set_new(o, "dn_union", dn_json(u[i].dn_c));
            json_object_set_new(o, "tipo_union", text_or_null(u[i].tipo));
            json_array_append_new(arr, o);
        }
        json_t *res = json_object();
        json_object_set_new(res, "tag_spool", json_string(tag));
        json_object_set_new(res, "operacion", json_string(opv));
        size_t count = json_array_size(arr);
        json_object_set_new(res, "unions", arr);
        json_object_set_new(res, "count", json_integer((json_int_t)count));
        reply_json(r, 200, res);
    }
    free(u);
    return 0;
}

int h_uniones_metricas(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    zunion_t *u = xcalloc(ZUNION_MAX, sizeof *u);
    size_t n;
    if (unions_or_reply(r, tag, u, &n) == 0) {
        zunion_metrics_t m;
        zunion_metrics(u, n, &m);
        if (m.total == 0) {
            json_t *d = json_object();
            json_object_set_new(d, "tag_spool", json_string(tag));
            reply_error(r, ZE_NOT_FOUND, d, "No unions found for spool %s", tag);
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "tag_spool", json_string(tag));
            json_object_set_new(o, "total_uniones", json_integer(m.total));
            json_object_set_new(o, "arm_completadas", json_integer(m.arm_done));
            json_object_set_new(o, "sold_completadas", json_integer(m.sold_done));
            json_object_set_new(o, "pulgadas_arm", json_real((double)m.pulgadas_arm_c / 100.0));
            json_object_set_new(o, "pulgadas_sold", json_real((double)m.pulgadas_sold_c / 100.0));
            /* The names the current app's type expects, beside the original's. */
            json_object_set_new(o, "uniones_arm_completadas", json_integer(m.arm_done));
            json_object_set_new(o, "uniones_sold_completadas", json_integer(m.sold_done));
            reply_json(r, 200, o);
        }
    }
    free(u);
    return 0;
}

int h_uniones_todas(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    zunion_t *u = xcalloc(ZUNION_MAX, sizeof *u);
    size_t n;
    if (unions_or_reply(r, tag, u, &n) == 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "id", id_json(&u[i]));
            json_object_set_new(o, "n_union", json_integer(u[i].n));
            json_object_set_new(o, "dn_union", dn_json(u[i].dn_c));
            json_object_set_new(o, "tipo_union", text_or_null(u[i].tipo));
            json_object_set_new(o, "has_work", json_boolean(zunion_has_work(&u[i])));
            json_object_set_new(o, "arm_worker", text_or_null(u[i].arm_worker));
            json_object_set_new(o, "sol_worker", text_or_null(u[i].sol_worker));
            json_array_append_new(arr, o);
        }
        json_t *res = json_object();
        json_object_set_new(res, "tag_spool", json_string(tag));
        json_object_set_new(res, "unions", arr);
        json_object_set_new(res, "total", json_integer((json_int_t)n));
        reply_json(r, 200, res);
    }
    free(u);
    return 0;
}

static const char *const fields_guardar[] = {"tag_spool", "unions", NULL};
static const char *const fields_edit[] = {"n_union", "dn_union", "tipo_union", NULL};

/* One item of "unions"; 0 or -1 after replying. */
static int parse_edit(req_t *r, json_t *item, size_t i, zunion_edit_t *e)
{
    char field[48];
    snprintf(field, sizeof field, "unions[%zu]", i);
    if (!json_is_object(item)) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string(field));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo '%s': debe ser un objeto", field);
        return -1;
    }
    if (body_only_fields_or_reply(r, item, fields_edit) != 0) return -1;
    memset(e, 0, sizeof *e);
    json_t *nv = json_object_get(item, "n_union");
    json_t *dv = json_object_get(item, "dn_union");
    json_t *tv = json_object_get(item, "tipo_union");
    const char *rule = NULL;
    const char *which = "n_union";
    if (!json_is_integer(nv) || json_integer_value(nv) < 1 || json_integer_value(nv) > ZUNION_MAX)
        rule = "debe ser un entero entre 1 y 20";
    else if (dv && !json_is_null(dv) &&
             (!json_is_number(dv) || !(json_number_value(dv) > 0) ||
              llround(json_number_value(dv) * 100.0) > DN_MAX_C ||
              llround(json_number_value(dv) * 100.0) < 1))
        rule = "debe ser un número mayor que 0 y hasta 50", which = "dn_union";
    else if (tv && !json_is_null(tv) &&
             (!json_is_string(tv) || !zunion_tipo_known(json_string_value(tv))))
        rule = "debe ser BW, SO, FILL, BR, MIT, LET, FW, SW, TW o null", which = "tipo_union";
    if (rule) {
        json_t *d = json_object();
        char f[64];
        snprintf(f, sizeof f, "%s.%s", field, which);
        json_object_set_new(d, "campo", json_string(f));
        json_object_set_new(d, "regla", json_string(rule));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo '%s': %s", f, rule);
        return -1;
    }
    e->n = (int)json_integer_value(nv);
    e->dn_c = dv && !json_is_null(dv) ? llround(json_number_value(dv) * 100.0) : 0;
    if (tv && !json_is_null(tv)) snprintf(e->tipo, sizeof e->tipo, "%s", json_string_value(tv));
    return 0;
}

int h_uniones_guardar(req_t *r)
{
    json_t *body = NULL;
    const char *tag;
    zunion_edit_t edits[ZUNION_MAX];
    size_t n = 0;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields_guardar) != 0 ||
        body_string_or_reply(r, body, "tag_spool", 1, ZTAG_MAX - 1, &tag) != 0 ||
        tag_or_reply(r, "tag_spool", tag) != 0)
        goto out;
    json_t *arr = json_object_get(body, "unions");
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > ZUNION_MAX) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("unions"));
        reply_error(r, ZE_VALIDATION_ERROR, d,
                    "Campo 'unions': debe ser una lista de 1 a %d uniones", ZUNION_MAX);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (parse_edit(r, json_array_get(arr, i), i, &edits[n]) != 0) goto out;
        for (size_t j = 0; j < n; j++)
            if (edits[j].n == edits[n].n) {
                json_t *d = json_object();
                json_object_set_new(d, "campo", json_string("unions"));
                json_object_set_new(d, "n_union", json_integer(edits[n].n));
                reply_error(r, ZE_VALIDATION_ERROR, d,
                            "Campo 'unions': la unión %d aparece más de una vez", edits[n].n);
                goto out;
            }
        n++;
    }
    worker_t nobody = {.id = 0, .activo = 1};
    snprintf(nobody.display, sizeof nobody.display, "ANONIMO");
    zcmd_t cmd = {.action = ZACT_COMPLETAR, .worker = &nobody, .edits = edits, .n_edits = n,
                  .device = req_device(r)};
    zoutcome_t *o = xmalloc(sizeof *o);
    zfail_t fail = {0};
    if (mutate_apply(r->app, tag, &cmd, decide_guardar, o, &fail) != ZE_OK) {
        reply_fail(r, &fail);
    } else {
        json_t *ids = json_array();
        for (size_t i = 0; i < o->n_puts; i++) {
            if (o->puts[i].version != 1) continue; /* created by this commit */
            json_t *c = json_object();
            json_object_set_new(c, "n_union", json_integer(o->puts[i].n));
            json_object_set_new(c, "id", id_json(&o->puts[i]));
            json_array_append_new(ids, c);
        }
        char msg[128];
        snprintf(msg, sizeof msg, "Guardado: %d creadas, %d actualizadas, %d eliminadas",
                 o->created, o->updated, o->deleted);
        json_t *res = json_object();
        json_object_set_new(res, "success", json_true());
        json_object_set_new(res, "tag_spool", json_string(tag));
        json_object_set_new(res, "total_uniones",
                            json_integer(o->after.total_uniones < 0 ? 0 : o->after.total_uniones));
        json_object_set_new(res, "created", json_integer(o->created));
        json_object_set_new(res, "updated", json_integer(o->updated));
        json_object_set_new(res, "deleted", json_integer(o->deleted));
        json_object_set_new(res, "created_ids", ids);
        json_object_set_new(res, "message", json_string(msg));
        reply_json(r, 200, res);
    }
    free(o);
out:
    json_decref(body);
    return 0;
}
