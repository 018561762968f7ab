/* POST /api/v4/occupation/iniciar | finalizar: the union flow of the current tablet app, with
 * what the original lost kept: INICIAR takes the spool's lock like TOMAR, FINALIZAR only by the
 * occupant, every union write and counter in the transaction of its audit events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/mutate.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "util/alloc.h"

static const char *const fields_iniciar[] = {"tag_spool", "worker_id", "worker_nombre",
                                             "operacion", NULL};
static const char *const fields_finalizar[] = {"tag_spool", "worker_id", "worker_nombre",
                                               "operacion", "selected_unions",
                                               "action_override", NULL};

/* The fields both routes share; 0 or -1 after replying. */
static int parse_common(req_t *r, json_t *body, const char *const *fields, const char **tag,
                        zop_t *op, worker_t *w)
{
    int64_t worker_id;
    const char *nombre;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "tag_spool", 1, ZTAG_MAX - 1, tag) != 0 ||
        tag_or_reply(r, "tag_spool", *tag) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_string_or_reply(r, body, "worker_nombre", 0, ZNAME_MAX - 1, &nombre) != 0 ||
        body_op_or_reply(r, body, "operacion", 1, op) != 0)
        return -1;
    /* An empty worker_nombre is "not sent" (the original trusted it when non-empty; we check
     * it against the worker instead). */
    if (nombre && !*nombre) nombre = NULL;
    return worker_or_reply(r, worker_id, nombre, w);
}

/* The OccupationResponse / FinalizarResponseV4 body: every key always present. */
static json_t *response(const char *tag, const char *message)
{
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "tag_spool", json_string(tag));
    json_object_set_new(o, "message", json_string(message));
    json_object_set_new(o, "action_taken", json_null());
    json_object_set_new(o, "unions_processed", json_null());
    json_object_set_new(o, "pulgadas", json_null());
    json_object_set_new(o, "metrologia_triggered", json_null());
    json_object_set_new(o, "new_state", json_null());
    return o;
}

int h_v4_iniciar(req_t *r)
{
    json_t *body = NULL;
    const char *tag;
    zop_t op;
    worker_t w;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (parse_common(r, body, fields_iniciar, &tag, &op, &w) != 0) goto out;
    zcmd_t cmd = {.action = ZACT_TOMAR, .op = op, .worker = &w, .device = req_device(r)};
    zoutcome_t *o = xmalloc(sizeof *o);
    zfail_t fail = {0};
    if (mutate_apply(r->app, tag, &cmd, decide_iniciar, o, &fail) != ZE_OK) {
        reply_fail(r, &fail);
    } else {
        char msg[ZTAG_MAX + ZNAME_MAX + 32];
        snprintf(msg, sizeof msg, "Spool %s iniciado por %s", tag, w.display);
        json_t *res = response(tag, msg);
        json_object_set_new(res, "operacion", json_string(zop_name(op)));
        json_object_set_new(res, "estado_detalle", json_string(o->after.estado_detalle));
        json_object_set_new(res, "sin_cambios", json_boolean(o->noop));
        reply_json(r, 200, res);
    }
    free(o);
out:
    json_decref(body);
    return 0;
}

static const char *action_name(zfinal_t a)
{
    switch (a) {
    case ZFIN_CANCELADO: return "CANCELADO";
    case ZFIN_PAUSAR: return "PAUSAR";
    case ZFIN_COMPLETAR: return "COMPLETAR";
    default: return NULL;
    }
}

static int parse_override(req_t *r, json_t *body, zoverride_t *out)
{
    *out = ZOVR_NONE;
    json_t *v = json_object_get(body, "action_override");
    if (!v || json_is_null(v)) return 0;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s && strcmp(s, "PAUSAR") == 0) *out = ZOVR_PAUSAR;
    else if (s && strcmp(s, "COMPLETAR") == 0) *out = ZOVR_COMPLETAR;
    else {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("action_override"));
        reply_error(r, ZE_VALIDATION_ERROR, d,
                    "Campo 'action_override': debe ser 'PAUSAR', 'COMPLETAR' o null");
        return -1;
    }
    return 0;
}

int h_v4_finalizar(req_t *r)
{
    json_t *body = NULL;
    const char **sel = NULL;
    size_t n_sel = 0;
    const char *tag;
    zop_t op;
    worker_t w;
    zoverride_t ovr;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (parse_common(r, body, fields_finalizar, &tag, &op, &w) != 0 ||
        body_strings_or_reply(r, body, "selected_unions", 0, 0, ZUNION_MAX, ZOT_MAX + 8, 1, &sel,
                              &n_sel) != 0 ||
        parse_override(r, body, &ovr) != 0)
        goto out;
    zcmd_t cmd = {.action = ZACT_COMPLETAR, .op = op, .worker = &w, .selected = sel,
                  .n_selected = n_sel, .override = ovr, .device = req_device(r)};
    zoutcome_t *o = xmalloc(sizeof *o);
    zfail_t fail = {0};
    if (mutate_apply(r->app, tag, &cmd, decide_finalizar, o, &fail) != ZE_OK) {
        reply_fail(r, &fail);
    } else {
        char msg[160];
        if (o->action == ZFIN_CANCELADO)
            snprintf(msg, sizeof msg, "Trabajo cancelado - sin uniones seleccionadas");
        else if (o->action == ZFIN_PAUSAR)
            snprintf(msg, sizeof msg, "Trabajo pausado - %d uniones procesadas", o->unions_processed);
        else
            snprintf(msg, sizeof msg, "Operación completada - %d uniones procesadas%s",
                     o->unions_processed, o->metrologia_triggered ? " (Listo para metrología)" : "");
        json_t *res = response(tag, msg);
        const char *a = action_name(o->action);
        json_object_set_new(res, "action_taken", a ? json_string(a) : json_null());
        json_object_set_new(res, "unions_processed", json_integer(o->unions_processed));
        json_object_set_new(res, "pulgadas",
                            o->pulgadas_c >= 0 ? json_real((double)o->pulgadas_c / 100.0)
                                               : json_null());
        json_object_set_new(res, "metrologia_triggered", json_boolean(o->metrologia_triggered));
        json_object_set_new(res, "new_state",
                            o->metrologia_triggered ? json_string("pendiente") : json_null());
        json_object_set_new(res, "estado_detalle", json_string(o->after.estado_detalle));
        reply_json(r, 200, res);
    }
    free(o);
out:
    free(sel);
    json_decref(body);
    return 0;
}
