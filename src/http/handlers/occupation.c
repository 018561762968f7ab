/* POST /api/occupation/tomar | pausar | completar | batch-tomar (v3.0 occupation). */
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "app/mutate.h"

static const char *const fields_single[] = {"tag_spool", "worker_id", "worker_nombre",
                                            "operacion", NULL};
static const char *const fields_completar[] = {"tag_spool", "worker_id", "worker_nombre",
                                               "operacion", "fecha_operacion", NULL};
static const char *const fields_batch[] = {"tag_spools", "worker_id", "worker_nombre",
                                           "operacion", NULL};

typedef struct single_req {
    json_t *body;
    const char *tag;
    int64_t worker_id;
    const char *nombre;
    zop_t op;
    worker_t worker;
} single_req_t;

static int parse_single(req_t *r, single_req_t *q, const char *const *fields, int op_required)
{
    if (body_object_or_reply(r, &q->body) != 0) return -1;
    if (body_only_fields_or_reply(r, q->body, fields) != 0 ||
        body_string_or_reply(r, q->body, "tag_spool", 1, ZTAG_MAX - 1, &q->tag) != 0 ||
        tag_or_reply(r, "tag_spool", q->tag) != 0 ||
        body_int_or_reply(r, q->body, "worker_id", 1, &q->worker_id) != 0 ||
        body_string_or_reply(r, q->body, "worker_nombre", 0, ZNAME_MAX - 1, &q->nombre) != 0 ||
        body_op_or_reply(r, q->body, "operacion", op_required, &q->op) != 0 ||
        worker_or_reply(r, q->worker_id, q->nombre, &q->worker) != 0)
        return -1;
    return 0;
}

static int run_single(req_t *r, zaction_t action, const char *const *fields)
{
    single_req_t q = {0};
    zcmd_t cmd = {.action = action, .device = req_device(r)};
    if (parse_single(r, &q, fields, action != ZACT_COMPLETAR) != 0) goto out;
    if (action == ZACT_COMPLETAR) {
        json_t *f = json_object_get(q.body, "fecha_operacion");
        if (f && !json_is_null(f) && !(json_is_string(f) && json_string_length(f) == 0)) {
            if (!json_is_string(f) || zdate_parse_request(json_string_value(f), &cmd.fecha) != 0) {
                json_t *d = json_object();
                json_object_set_new(d, "campo", json_string("fecha_operacion"));
                reply_error(r, ZE_VALIDATION_ERROR, d,
                            "Campo 'fecha_operacion': debe ser una fecha YYYY-MM-DD o DD-MM-YYYY");
                goto out;
            }
        }
    }
    cmd.op = q.op;
    cmd.worker = &q.worker;
    zoutcome_t out;
    zfail_t fail = {0};
    if (mutate_apply(r->app, q.tag, &cmd, decide_occupation, &out, &fail) != ZE_OK) {
        reply_fail(r, &fail);
        goto out;
    }
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "tag_spool", json_string(q.tag));
    char msg[512];
    if (action == ZACT_TOMAR) snprintf(msg, sizeof msg, "Spool %s tomado por %s", q.tag, q.worker.display);
    else if (action == ZACT_PAUSAR) snprintf(msg, sizeof msg, "Trabajo pausado en %s", q.tag);
    else snprintf(msg, sizeof msg, "Operación completada en %s", q.tag);
    json_object_set_new(o, "message", json_string(msg));
    json_object_set_new(o, "operacion", json_string(zop_name(out.op)));
    json_object_set_new(o, "estado_detalle", json_string(out.after.estado_detalle));
    json_object_set_new(o, "sin_cambios", json_boolean(out.noop));
    reply_json(r, 200, o);
out:
    json_decref(q.body);
    return 0;
}

int h_occ_tomar(req_t *r) { return run_single(r, ZACT_TOMAR, fields_single); }
int h_occ_pausar(req_t *r) { return run_single(r, ZACT_PAUSAR, fields_single); }
int h_occ_completar(req_t *r) { return run_single(r, ZACT_COMPLETAR, fields_completar); }

int h_occ_batch_tomar(req_t *r)
{
    json_t *body = NULL;
    const char **tags = NULL;
    size_t n = 0;
    int64_t worker_id;
    const char *nombre;
    zop_t op;
    worker_t w;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields_batch) != 0 ||
        body_tags_or_reply(r, body, "tag_spools", &tags, &n) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_string_or_reply(r, body, "worker_nombre", 0, ZNAME_MAX - 1, &nombre) != 0 ||
        body_op_or_reply(r, body, "operacion", 1, &op) != 0 ||
        worker_or_reply(r, worker_id, nombre, &w) != 0)
        goto out;
    json_t *details = json_array();
    int ok = 0;
    for (size_t i = 0; i < n; i++) {
        /* Each spool goes through exactly what a single TOMAR does; one failure never stops
         * the others. */
        zcmd_t cmd = {.action = ZACT_TOMAR, .op = op, .worker = &w, .device = req_device(r)};
        zoutcome_t out;
        zfail_t fail = {0};
        json_t *d = json_object();
        char msg[700];
        int rc = mutate_apply(r->app, tags[i], &cmd, decide_occupation, &out, &fail);
        json_object_set_new(d, "success", json_boolean(rc == ZE_OK));
        json_object_set_new(d, "tag_spool", json_string(tags[i]));
        if (rc == ZE_OK) {
            ok++;
            snprintf(msg, sizeof msg, "Spool %s tomado por %s", tags[i], w.display);
            json_object_set_new(d, "message", json_string(msg));
            json_object_set_new(d, "error", json_null());
        } else {
            snprintf(msg, sizeof msg, "%s%s", rc == ZE_SPOOL_OCCUPIED ? "Spool ya ocupado: " : "Error: ",
                     fail.message);
            json_object_set_new(d, "message", json_string(msg));
            json_object_set_new(d, "error", json_string(zerr_name(rc)));
            zfail_clear(&fail);
        }
        json_array_append_new(details, d);
    }
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)n));
    json_object_set_new(o, "succeeded", json_integer(ok));
    json_object_set_new(o, "failed", json_integer((json_int_t)n - ok));
    json_object_set_new(o, "details", details);
    reply_json(r, 200, o);
out:
    free(tags);
    json_decref(body);
    return 0;
}
