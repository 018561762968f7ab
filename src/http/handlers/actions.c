/* v2.1 direct actions, single and batch: POST /api/{iniciar,completar,cancelar}-accion[-batch]. */
#include <stdio.h>
#include <string.h>

#include "core/dates.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "app/mutate.h"

static const char *const fields_single[] = {"worker_id", "operacion", "tag_spool", "timestamp", NULL};
static const char *const fields_batch[] = {"worker_id", "operacion", "tag_spools", "timestamp", NULL};

/* `timestamp` is accepted for compatibility (ISO 8601 text or epoch number) and never used. */
static int timestamp_or_reply(req_t *r, json_t *body)
{
    json_t *t = json_object_get(body, "timestamp");
    zdatetime_t dt;
    if (!t || json_is_null(t) || json_is_number(t)) return 0;
    if (json_is_string(t) && zdatetime_parse(json_string_value(t), &dt) == 0 && dt.date) return 0;
    json_t *d = json_object();
    json_object_set_new(d, "campo", json_string("timestamp"));
    reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'timestamp': debe ser una fecha y hora ISO 8601");
    return -1;
}

static const char *verb_of(zaction_t a, zop_t op)
{
    if (a == ZACT_TOMAR) return op == ZOP_METROLOGIA ? "iniciada y completada" : "iniciada";
    return a == ZACT_COMPLETAR ? "completada" : "cancelada";
}

static const char *error_type(int code)
{
    switch (code) {
    case ZE_WORKER_NO_ENCONTRADO: return "WorkerNoEncontradoError";
    case ZE_SPOOL_NO_ENCONTRADO: return "SpoolNoEncontradoError";
    case ZE_OPERACION_YA_INICIADA: return "OperacionYaIniciadaError";
    case ZE_OPERACION_YA_COMPLETADA: return "OperacionYaCompletadaError";
    case ZE_DEPENDENCIAS_NO_SATISFECHAS: return "DependenciasNoSatisfechasError";
    case ZE_OPERACION_NO_INICIADA: return "OperacionNoIniciadaError";
    case ZE_NO_AUTORIZADO: return "NoAutorizadoError";
    case ZE_ROL_NO_AUTORIZADO: return "RolNoAutorizadoError";
    case ZE_SPOOL_OCCUPIED: return "SpoolOccupiedError";
    case ZE_OPERACION_NO_DISPONIBLE: return "OperacionNoDisponibleError";
    case ZE_LOCK_EXPIRED: return "LockExpiredError";
    case ZE_VERSION_CONFLICT: return "VersionConflictError";
    default: return "UnexpectedError";
    }
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static int run_single(req_t *r, zaction_t action)
{
    json_t *body = NULL;
    const char *tag;
    int64_t worker_id;
    zop_t op;
    worker_t w;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields_single) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_op_or_reply(r, body, "operacion", 1, &op) != 0 ||
        body_string_or_reply(r, body, "tag_spool", 1, ZTAG_MAX - 1, &tag) != 0 ||
        tag_or_reply(r, "tag_spool", tag) != 0 || timestamp_or_reply(r, body) != 0 ||
        worker_or_reply(r, worker_id, NULL, &w) != 0)
        goto out;
    zcmd_t cmd = {.action = action, .op = op, .worker = &w, .device = req_device(r)};
    zoutcome_t o;
    zfail_t fail = {0};
    if (mutate_apply(r->app, tag, &cmd, decide_v21, &o, &fail) != ZE_OK) {
        reply_fail(r, &fail);
        goto out;
    }
    char msg[256], fecha[16] = "";
    snprintf(msg, sizeof msg, "Acción %s %s exitosamente. Evento registrado en Metadata (ID: %.8s...)",
             zop_name(op), verb_of(action, op), o.event.id);
    json_t *meta = json_object();
    int arm = op == ZOP_ARM, sold = op == ZOP_SOLD;
    if (action == ZACT_COMPLETAR) zdate_format_dmy(o.event.fecha_operacion, fecha, sizeof fecha);
    int named = action != ZACT_CANCELAR && (arm || sold);
    json_object_set_new(meta, "armador", str_or_null(named && arm ? w.display : NULL));
    json_object_set_new(meta, "soldador", str_or_null(named && sold ? w.display : NULL));
    json_object_set_new(meta, "fecha_armado", str_or_null(arm ? fecha : NULL));
    json_object_set_new(meta, "fecha_soldadura", str_or_null(sold ? fecha : NULL));
    json_t *data = json_object();
    json_object_set_new(data, "tag_spool", json_string(tag));
    json_object_set_new(data, "operacion", json_string(zop_name(op)));
    json_object_set_new(data, "trabajador", json_string(w.display));
    json_object_set_new(data, "fila_actualizada", json_integer(o.after.row));
    json_object_set_new(data, "columna_actualizada", json_string("Metadata"));
    json_object_set_new(data, "valor_nuevo", json_real(0.0));
    json_object_set_new(data, "metadata_actualizada", meta);
    json_object_set_new(data, "evento_id", json_string(o.event.id));
    json_object_set_new(data, "estado_detalle", json_string(o.after.estado_detalle));
    json_t *res = json_object();
    json_object_set_new(res, "success", json_true());
    json_object_set_new(res, "message", json_string(msg));
    json_object_set_new(res, "data", data);
    reply_json(r, 200, res);
out:
    json_decref(body);
    return 0;
}

static int run_batch(req_t *r, zaction_t action)
{
    json_t *body = NULL;
    const char **tags = NULL;
    size_t n = 0;
    int64_t worker_id;
    zop_t op;
    worker_t w;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields_batch) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_op_or_reply(r, body, "operacion", 1, &op) != 0 ||
        body_tags_or_reply(r, body, "tag_spools", &tags, &n) != 0 ||
        timestamp_or_reply(r, body) != 0 || worker_or_reply(r, worker_id, NULL, &w) != 0)
        goto out;
    json_t *results = json_array();
    int ok = 0;
    const char *verb = action == ZACT_TOMAR ? "iniciada" : action == ZACT_COMPLETAR ? "completada" : "cancelada";
    for (size_t i = 0; i < n; i++) {
        zcmd_t cmd = {.action = action, .op = op, .worker = &w, .device = req_device(r)};
        zoutcome_t o;
        zfail_t fail = {0};
        int rc = mutate_apply(r->app, tags[i], &cmd, decide_v21, &o, &fail);
        json_t *item = json_object();
        json_object_set_new(item, "tag_spool", json_string(tags[i]));
        json_object_set_new(item, "success", json_boolean(rc == ZE_OK));
        if (rc == ZE_OK) {
            char msg[96];
            snprintf(msg, sizeof msg, "Acción %s %s exitosamente", zop_name(op), verb);
            json_object_set_new(item, "message", json_string(msg));
            json_object_set_new(item, "evento_id", json_string(o.event.id));
            json_object_set_new(item, "error_type", json_null());
            ok++;
        } else {
            json_object_set_new(item, "message", json_string(fail.message));
            json_object_set_new(item, "evento_id", json_null());
            json_object_set_new(item, "error_type", json_string(error_type(rc)));
            json_object_set_new(item, "error", json_string(zerr_name(rc)));
            zfail_clear(&fail);
        }
        json_array_append_new(results, item);
    }
    char msg[160];
    int failed = (int)n - ok;
    const char *summary = action == ZACT_TOMAR ? "iniciado" : action == ZACT_COMPLETAR ? "completado" : "cancelado";
    if (failed)
        snprintf(msg, sizeof msg, "Batch %s %s: %d de %zu spools exitosos (%d fallos)", zop_name(op),
                 summary, ok, n, failed);
    else
        snprintf(msg, sizeof msg, "Batch %s %s: %d de %zu spools exitosos", zop_name(op), summary, ok, n);
    json_t *res = json_object();
    json_object_set_new(res, "success", json_boolean(ok > 0));
    json_object_set_new(res, "message", json_string(msg));
    json_object_set_new(res, "total", json_integer((json_int_t)n));
    json_object_set_new(res, "exitosos", json_integer(ok));
    json_object_set_new(res, "fallidos", json_integer(failed));
    json_object_set_new(res, "resultados", results);
    reply_json(r, 200, res);
out:
    free(tags);
    json_decref(body);
    return 0;
}

int h_iniciar_accion(req_t *r) { return run_single(r, ZACT_TOMAR); }
int h_completar_accion(req_t *r) { return run_single(r, ZACT_COMPLETAR); }
int h_cancelar_accion(req_t *r) { return run_single(r, ZACT_CANCELAR); }
int h_iniciar_accion_batch(req_t *r) { return run_batch(r, ZACT_TOMAR); }
int h_completar_accion_batch(req_t *r) { return run_batch(r, ZACT_COMPLETAR); }
int h_cancelar_accion_batch(req_t *r) { return run_batch(r, ZACT_CANCELAR); }
