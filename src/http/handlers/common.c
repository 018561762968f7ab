/* Reply helpers shared by the handlers: the lookups that answer 404/422/503 themselves, and
 * the one mapping of an application failure (zfail_t) to the error body. */
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"

int worker_or_reply(req_t *r, int64_t id, const char *nombre, worker_t *out)
{
    int rc = r->app->store->ops->worker_get(r->app->store, id, out);
    if (rc == ZE_STORE_UNAVAILABLE) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer Trabajadores");
        return -1;
    }
    if (rc != ZE_OK || !out->activo) {
        json_t *d = json_object();
        json_object_set_new(d, "worker_id", json_integer(id));
        reply_error(r, ZE_WORKER_NO_ENCONTRADO, d, "Trabajador '%lld' no encontrado o inactivo",
                    (long long)id);
        return -1;
    }
    if (nombre && strcmp(nombre, out->display) != 0) {
        json_t *d = json_object();
        json_object_set_new(d, "worker_id", json_integer(id));
        json_object_set_new(d, "worker_nombre", json_string(nombre));
        json_object_set_new(d, "worker_nombre_esperado", json_string(out->display));
        reply_error(r, ZE_WORKER_NOMBRE_NO_COINCIDE, d,
                    "worker_nombre '%s' no corresponde al trabajador %lld (%s)", nombre,
                    (long long)id, out->display);
        return -1;
    }
    return r->pin_needed ? pin_or_reply(r, out) : 0;
}

int pin_or_reply(req_t *r, const worker_t *w)
{
    int rc = auth_pin_check(r->app, r->device_id, w->id);
    if (rc == ZE_OK) return 0;
    json_t *d = json_object();
    json_object_set_new(d, "worker_id", json_integer(w->id));
    json_object_set_new(d, "worker_nombre", json_string(w->display));
    if (rc == ZE_PIN_REQUIRED)
        reply_error(r, rc, d, "%s: ingresa tu PIN en esta tablet antes de registrar trabajo.",
                    w->display);
    else if (rc == ZE_PIN_LOCKED)
        reply_error(r, rc, d, "El PIN de %s está bloqueado por intentos fallidos: pide a un "
                              "supervisor que lo desbloquee.", w->display);
    else if (rc == ZE_PIN_NOT_SET)
        reply_error(r, rc, d, "%s no tiene PIN: pide a un supervisor que lo asigne (zeues "
                              "worker pin).", w->display);
    else
        reply_error(r, ZE_STORE_UNAVAILABLE, d, "No se pudo verificar el PIN. Intenta nuevamente.");
    return -1;
}

int pin_body_or_reply(req_t *r, json_t **body, int64_t *worker_id, const char **pin)
{
    static const char *const fields[] = {"worker_id", "pin", NULL};
    *body = NULL;
    *pin = NULL;
    *worker_id = 0;
    if (body_object_or_reply(r, body) != 0) return -1;
    if (body_only_fields_or_reply(r, *body, fields) != 0 ||
        body_int_or_reply(r, *body, "worker_id", 1, worker_id) != 0 ||
        body_string_or_reply(r, *body, "pin", 1, 16, pin) != 0) {
        json_decref(*body);
        *body = NULL;
        return -1;
    }
    return 0;
}

int reply_too_many_attempts(req_t *r, json_t *data, int64_t retry, const char *why)
{
    if (!data) data = json_object();
    json_object_set_new(data, "retry_after", json_integer(retry));
    reply_error(r, ZE_TOO_MANY_ATTEMPTS, data, "%s: espera %lld s antes de intentar de nuevo.",
                why, (long long)retry);
    snprintf(r->scratch, sizeof r->scratch, "%lld", (long long)retry);
    reply_header(r, "retry-after", r->scratch);
    return 0;
}

int spool_or_reply(req_t *r, const char *tag, spool_t *out)
{
    int rc = r->app->store->ops->spool_get(r->app->store, tag, out);
    if (rc == ZE_OK) return 0;
    if (rc == ZE_SPOOL_NO_ENCONTRADO) {
        json_t *d = json_object();
        json_object_set_new(d, "tag_spool", json_string(tag));
        reply_error(r, rc, d, "Spool '%s' no encontrado en hoja Operaciones", tag);
    } else if (rc == ZE_DATA_CORRUPT) {
        json_t *d = json_object();
        json_object_set_new(d, "tag_spool", json_string(tag));
        reply_error(r, rc, d,
                    "El spool '%s' tiene datos inválidos en la base de datos. Contacta al "
                    "administrador.",
                    tag);
    } else {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer el spool");
    }
    return -1;
}

int reply_fail(req_t *r, zfail_t *fail)
{
    json_t *data = fail->data;
    fail->data = NULL;
    return reply_error_status(r, zerr_status(fail->code), fail->code, data, fail->message);
}
