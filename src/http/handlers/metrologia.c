/* POST /api/metrologia/completar: an instant inspection, APROBADO or RECHAZADO. */
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "app/mutate.h"

static const char *const fields[] = {"tag_spool", "worker_id", "resultado", "worker_nombre", NULL};

int h_metrologia_completar(req_t *r)
{
    json_t *body = NULL;
    const char *tag, *resultado, *nombre;
    int64_t worker_id;
    worker_t w;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "tag_spool", 1, ZTAG_MAX - 1, &tag) != 0 ||
        tag_or_reply(r, "tag_spool", tag) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_string_or_reply(r, body, "worker_nombre", 0, ZNAME_MAX - 1, &nombre) != 0 ||
        body_string_or_reply(r, body, "resultado", 1, 16, &resultado) != 0)
        goto out;
    int aprobado = strcmp(resultado, "APROBADO") == 0;
    if (!aprobado && strcmp(resultado, "RECHAZADO") != 0) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("resultado"));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'resultado': debe ser 'APROBADO' o 'RECHAZADO'");
        goto out;
    }
    if (worker_or_reply(r, worker_id, nombre, &w) != 0) goto out;
    zcmd_t cmd = {.action = ZACT_COMPLETAR, .op = ZOP_METROLOGIA, .worker = &w,
                  .resultado_aprobado = aprobado, .device = req_device(r)};
    zoutcome_t o;
    zfail_t fail = {0};
    if (mutate_apply(r->app, tag, &cmd, decide_metrologia, &o, &fail) != ZE_OK) {
        reply_fail(r, &fail);
        goto out;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "Metrología %s para spool %s", aprobado ? "aprobado" : "rechazado", tag);
    json_t *res = json_object();
    json_object_set_new(res, "success", json_true());
    json_object_set_new(res, "tag_spool", json_string(tag));
    json_object_set_new(res, "resultado", json_string(resultado));
    json_object_set_new(res, "estado_detalle", json_string(o.shown));
    json_object_set_new(res, "message", json_string(msg));
    json_object_set_new(res, "cycle", json_integer(o.after.repair_cycle));
    json_object_set_new(res, "bloqueado", json_boolean(o.after.repair == ZREP_BLOQUEADO));
    reply_json(r, 200, res);
out:
    json_decref(body);
    return 0;
}
