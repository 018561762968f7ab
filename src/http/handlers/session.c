/* Supervisor sign-in for the built-in UI: POST /api/auth/login exchanges a name and password
 * for a session cookie (HttpOnly, so no script of the UI can read it; Secure; SameSite=Strict,
 * so no other site's page can send it), POST /api/auth/logout ends it, GET /api/auth/session
 * says who the browser is (the console shows it and the sign-in page skips itself). No token
 * is ever in a JSON answer here: the console lives in the browser, which has the cookie. */
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"

int h_auth_login(req_t *r)
{
    static const char *const fields[] = {"name", "password", NULL};
    json_t *body = NULL;
    const char *name = NULL, *password = NULL;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "name", 1, ACCESS_DEVICE_NAME_MAX, &name) != 0 ||
        body_string_or_reply(r, body, "password", 1, AUTH_PASSWORD_MAX, &password) != 0)
        goto out;
    char token[AUTH_TOKEN_TEXT], who[ACCESS_DEVICE_NAME_MAX + 1];
    int64_t expires = 0, retry = 0;
    int rc = auth_sign_in(r->app, name, password, token, who, &expires, &retry);
    if (rc == ZE_TOO_MANY_ATTEMPTS) {
        reply_too_many_attempts(r, NULL, retry, "Demasiados intentos fallidos para este supervisor");
        goto out;
    }
    if (rc == ZE_UNAUTHORIZED) {
        reply_error(r, rc, NULL, "Nombre o contraseña incorrectos.");
        goto out;
    }
    if (rc != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL,
                    "La base de datos no está disponible: no se pudo iniciar sesión. Intenta "
                    "nuevamente.");
        goto out;
    }
    snprintf(r->scratch, sizeof r->scratch,
             ACCESS_SESSION_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%d",
             token, AUTH_SESSION_SECONDS);
    memset(token, 0, sizeof token);
    reply_header(r, "set-cookie", r->scratch);
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "supervisor", json_string(who));
    json_object_set_new(o, "expires_in", json_integer(AUTH_SESSION_SECONDS));
    reply_json(r, 200, o);
out:
    json_decref(body);
    return 0;
}

int h_auth_logout(req_t *r)
{
    static const char *const fields[] = {"name", NULL};
    json_t *body = NULL;
    const char *name = NULL;
    int ended = 0;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "name", 1, ACCESS_DEVICE_NAME_MAX, &name) != 0)
        goto out;
    if (auth_sign_out(r->app, req_header(r, "Cookie"), name, &ended) != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL,
                    "La base de datos no está disponible: la sesión no se cerró. Intenta "
                    "nuevamente.");
        goto out;
    }
    if (ended)
        reply_header(r, "set-cookie", ACCESS_SESSION_COOKIE
                     "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "ended", json_boolean(ended));
    reply_json(r, 200, o);
out:
    json_decref(body);
    return 0;
}

int h_auth_session(req_t *r)
{
    auth_who_t who;
    if (auth_whoami(r->app, req_header(r, "Authorization"), req_header(r, "Cookie"), &who) !=
        ZE_OK)
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL,
                           "La base de datos no está disponible. Intenta nuevamente.");
    reply_header(r, "cache-control", "no-store");
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "auth", json_string(access_mode_name(auth_mode(r->app))));
    json_object_set_new(o, "supervisor", who.supervisor[0] ? json_string(who.supervisor)
                                                           : json_null());
    json_object_set_new(o, "device", who.device[0] ? json_string(who.device) : json_null());
    return reply_json(r, 200, o);
}
