/* POST /api/{tomar,pausar,completar,cancelar}-reparacion: the repair loop, with the real worker
 * name, role Armador or Soldador, occupation and lock like TOMAR, audited and published. */
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "app/mutate.h"

static const char *const fields[] = {"tag_spool", "worker_id", "operacion", "timestamp",
                                     "worker_nombre", NULL};

static int run(req_t *r, zaction_t action)
{
    json_t *body = NULL;
    const char *tag, *nombre;
    int64_t worker_id;
    zop_t op;
    worker_t w;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "tag_spool", 1, ZTAG_MAX - 1, &tag) != 0 ||
        tag_or_reply(r, "tag_spool", tag) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_string_or_reply(r, body, "worker_nombre", 0, ZNAME_MAX - 1, &nombre) != 0 ||
        body_op_or_reply(r, body, "operacion", 0, &op) != 0)
        goto out;
    if (op != ZOP_NONE && op != ZOP_REPARACION) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("operacion"));
        reply_error(r, ZE_VALIDATION_ERROR, d,
                    "Campo 'operacion': en reparación solo puede ser 'REPARACION' u omitirse");
        goto out;
    }
    if (worker_or_reply(r, worker_id, nombre, &w) != 0) goto out;
    zcmd_t cmd = {.action = action, .op = ZOP_REPARACION, .worker = &w, .device = req_device(r)};
    zoutcome_t o;
    zfail_t fail = {0};
    if (mutate_apply(r->app, tag, &cmd, decide_occupation, &o, &fail) != ZE_OK) {
        reply_fail(r, &fail);
        goto out;
    }
    char msg[256];
    json_t *res = json_object();
    json_object_set_new(res, "success", json_true());
    switch (action) {
    case ZACT_TOMAR: snprintf(msg, sizeof msg, "Reparación tomada para spool %s", tag); break;
    case ZACT_PAUSAR: snprintf(msg, sizeof msg, "Reparación pausada para spool %s", tag); break;
    case ZACT_COMPLETAR:
        snprintf(msg, sizeof msg, "Reparación completada para spool %s - devuelto a metrología", tag);
        break;
    case ZACT_CANCELAR: snprintf(msg, sizeof msg, "Reparación cancelada para spool %s", tag); break;
    }
    json_object_set_new(res, "message", json_string(msg));
    json_object_set_new(res, "tag_spool", json_string(tag));
    if (action == ZACT_TOMAR) json_object_set_new(res, "worker_nombre", json_string(w.display));
    json_object_set_new(res, "estado_detalle", json_string(o.after.estado_detalle));
    json_object_set_new(res, "cycle", json_integer(o.after.repair_cycle));
    json_object_set_new(res, "sin_cambios", json_boolean(o.noop));
    reply_json(r, 200, res);
out:
    json_decref(body);
    return 0;
}

int h_tomar_reparacion(req_t *r) { return run(r, ZACT_TOMAR); }
int h_pausar_reparacion(req_t *r) { return run(r, ZACT_PAUSAR); }
int h_completar_reparacion(req_t *r) { return run(r, ZACT_COMPLETAR); }
int h_cancelar_reparacion(req_t *r) { return run(r, ZACT_CANCELAR); }
