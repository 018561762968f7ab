/* Routing and the checks every request passes before its handler runs, then the handler itself
 * (see dispatch.h). Nothing here knows the HTTP library. */
#include "http/dispatch.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/errors.h"
#include "core/names.h"
#include "core/spool.h"
#include "http/access_gate.h"
#include "http/list_cache.h"

static int content_type_ok(const char *ct)
{
    if (!ct) return 1;
    while (*ct == ' ') ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ') n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0) return 1;
    /* application/<anything>+json */
    return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + n - 5, "+json", 5) == 0;
}

static int encode_location(const char *path, const char *query, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~/", *p);
        if (o + 4 >= n) return 0;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (query) {
        /* The raw query is as the client sent it; control bytes never reach a header. */
        for (const char *q = query; *q; q++)
            if ((unsigned char)*q < 0x21 || *q == 0x7f) return 0;
        int w = snprintf(out + o, n - o, "?%s", query);
        if (w < 0 || (size_t)w >= n - o) return 0;
    } else {
        out[o] = '\0';
    }
    return 1;
}

const route_t *dispatch_route(req_t *r, int too_large, int *route_index)
{
    const route_t *route = NULL;
    char allow[64], location[512];
    route_result_t m = router_match(r->method, r->path, &route, r->param, sizeof r->param, allow,
                                    sizeof allow, location, sizeof location);
    if (m == ROUTE_NOT_FOUND) {
        reply_error(r, ZE_NOT_FOUND, NULL, "Not Found");
        return NULL;
    }
    if (m == ROUTE_BAD_METHOD) {
        reply_error(r, ZE_METHOD_NOT_ALLOWED, NULL, "Method Not Allowed");
        snprintf(r->scratch, sizeof r->scratch, "%s", allow);
        reply_header(r, "allow", r->scratch);
        return NULL;
    }
    if (m == ROUTE_PARAM_TOO_LONG) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("tag_spool"));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'tag_spool': no puede superar %d bytes",
                    ZTAG_MAX - 1);
        return NULL;
    }
    if (m == ROUTE_FOUND) *route_index = (int)(route - routes);
    if (m == ROUTE_REDIRECT) {
        r->status = 307;
        r->out_type = "text/plain; charset=utf-8";
        /* The redirect keeps the query string, as the original did; the path is re-encoded
         * (it arrives decoded). One that does not fit is not redirected at all. */
        if (!encode_location(location, r->raw_query, r->scratch, sizeof r->scratch)) {
            reply_error(r, ZE_NOT_FOUND, NULL, "Not Found");
            return NULL;
        }
        reply_header(r, "location", r->scratch);
        return NULL;
    }
    if (access_gate_or_reply(r, route) != 0) return NULL;
    if (too_large) {
        reply_error(r, ZE_PAYLOAD_TOO_LARGE, NULL,
                    "El cuerpo de la solicitud supera el máximo de %d bytes",
                    r->app->cfg->max_body_bytes);
        return NULL;
    }
    if (strcmp(r->method, "POST") == 0) {
        if (!content_type_ok(r->content_type)) {
            reply_error(r, ZE_VALIDATION_ERROR, NULL,
                        "Content-Type debe ser application/json (recibido '%s')",
                        r->content_type);
            return NULL;
        }
        if (r->body && !names_utf8_valid(r->body, r->body_len)) {
            reply_error(r, ZE_VALIDATION_ERROR, NULL,
                        "El cuerpo de la solicitud no es UTF-8 válido");
            return NULL;
        }
    }
    return route;
}

void dispatch_run(req_t *r, const route_t *route)
{
    route->handler(r);
    /* Only a route flagged as a stream may answer with one (a handler bug otherwise). */
    if (r->stream && !(route->flags & ROUTE_STREAM)) r->status = 0;
    if (r->status == 0) reply_error(r, ZE_INTERNAL_SERVER_ERROR, NULL,
                                    "Error interno del servidor. Contacta al administrador.");
    /* A state change's answer is never to be stored by a cache or proxy on the way, and no
     * list of this process is served from before it (list_cache.h). */
    if (route->flags & ROUTE_MUTATES) {
        reply_header(r, "cache-control", "no-store");
        list_cache_changed(r->env->lists);
    }
}
