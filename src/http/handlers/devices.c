/* POST /api/devices/enroll: a tablet exchanges the one-time code a supervisor printed with
 * `zeues device add` for its long-lived device token, in the JSON answer (API clients send it as
 * Authorization: Bearer) and in an HttpOnly cookie (the built-in UI never sees it). */
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "core/client_addr.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"

/* The cookie lives as long as browsers allow (400 days); revocation, not expiry, ends it. */
#define COOKIE_MAX_AGE (400 * 86400)

int h_devices_enroll(req_t *r)
{
    static const char *const fields[] = {"code", NULL};
    json_t *body = NULL;
    const char *code = NULL;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "code", 1, 32, &code) != 0)
        goto out;
    char token[AUTH_TOKEN_TEXT];
    device_t dev;
    char client[CLIENT_ADDR_MAX];
    req_client(r, client, sizeof client);
    int64_t retry = 0;
    int rc = auth_enroll(r->app->store, client, code, app_now(r->app), token, &dev, &retry);
    if (rc == ZE_TOO_MANY_ATTEMPTS) {
        reply_too_many_attempts(r, NULL, retry,
                                "Demasiados códigos incorrectos desde esta dirección");
        goto out;
    }
    if (rc == ZE_UNAUTHORIZED) {
        reply_error(r, rc, NULL,
                    "Código de enrolamiento inválido, ya usado o vencido. Pide un código nuevo "
                    "al supervisor.");
        goto out;
    }
    if (rc != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL,
                    "La base de datos no está disponible: el dispositivo no fue enrolado. Intenta "
                    "nuevamente.");
        goto out;
    }
    snprintf(r->scratch, sizeof r->scratch,
             ACCESS_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%d", token,
             COOKIE_MAX_AGE);
    reply_header(r, "set-cookie", r->scratch);
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "token", json_string(token));
    json_object_set_new(o, "device", json_string(dev.name));
    reply_json(r, 200, o);
out:
    json_decref(body);
    return 0;
}
