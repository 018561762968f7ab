/* POST /api/workers/pin/verify (--auth devices+pin): a worker types their PIN on an enrolled
 * tablet; a right one lets them act from it for a while (app/auth.h). Wrong ones are slowed
 * per worker and per device (429 with Retry-After, answered at once) and, past the limit, lock
 * the PIN out until a supervisor lifts it (423). The PIN itself goes nowhere but the hash
 * check: not into any log line, not into any answer. */
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"

int h_workers_pin_verify(req_t *r)
{
    json_t *body = NULL;
    const char *pin = NULL;
    int64_t worker_id = 0;
    if (pin_body_or_reply(r, &body, &worker_id, &pin) != 0) return 0;
    if (auth_mode(r->app) != ACCESS_DEVICES_PIN) {
        reply_error(r, ZE_BAD_REQUEST, NULL,
                    "Este servidor no usa PIN de trabajador (--auth %s).",
                    access_mode_name(auth_mode(r->app)));
        goto out;
    }
    if (!r->device_id) {
        reply_error(r, ZE_FORBIDDEN, NULL,
                    "El PIN se ingresa en una tablet enrolada (/app/enroll).");
        goto out;
    }
    auth_who_t who = {.device_id = r->device_id};
    snprintf(who.device, sizeof who.device, "%s", r->device);
    int64_t retry = 0;
    int left = 0;
    int rc = auth_pin_verify(r->app, &who, worker_id, pin, &retry, &left);
    json_t *d = json_object();
    json_object_set_new(d, "worker_id", json_integer(worker_id));
    switch (rc) {
    case ZE_OK: {
        json_decref(d);
        json_t *o = json_object();
        json_object_set_new(o, "success", json_true());
        json_object_set_new(o, "worker_id", json_integer(worker_id));
        json_object_set_new(o, "valid_for", json_integer(AUTH_PIN_SESSION_SECONDS));
        reply_json(r, 200, o);
        break;
    }
    case ZE_PIN_INVALID:
        json_object_set_new(d, "intentos_restantes", json_integer(left));
        reply_error(r, rc, d, "PIN incorrecto. Quedan %d intentos antes del bloqueo.", left);
        break;
    case ZE_TOO_MANY_ATTEMPTS:
        reply_too_many_attempts(r, d, retry, "Demasiados PIN incorrectos");
        break;
    case ZE_PIN_LOCKED:
        reply_error(r, rc, d, "PIN bloqueado por intentos fallidos: pide a un supervisor que lo "
                              "desbloquee.");
        break;
    case ZE_PIN_NOT_SET:
        reply_error(r, rc, d, "Este trabajador no tiene PIN: pide a un supervisor que lo asigne.");
        break;
    case ZE_WORKER_NO_ENCONTRADO:
        reply_error(r, rc, d, "Trabajador '%lld' no encontrado o inactivo", (long long)worker_id);
        break;
    default:
        reply_error(r, ZE_STORE_UNAVAILABLE, d, "No se pudo verificar el PIN. Intenta nuevamente.");
    }
out:
    json_decref(body);
    return 0;
}
