/* Declarative route table and the matcher that produces 404 / 405 / 307 itself. */
#ifndef ZEUES_HTTP_ROUTER_H
#define ZEUES_HTTP_ROUTER_H
#include <stddef.h>

#include "core/access.h"
#include "http/reply.h"

typedef int (*handler_fn)(req_t *r);

enum {
    ROUTE_MUTATES = 1 << 0, /* changes state: its answers carry Cache-Control: no-store */
    ROUTE_STREAM = 1 << 1,  /* may answer with a live stream; no other route can */
    ROUTE_WAITS = 1 << 2,   /* a read that waits on Redis: like every ROUTE_MUTATES handler, it
                             * runs off libmicrohttpd's workers (http/server.c) */
};

typedef struct route {
    const char *method;  /* "GET" or "POST" */
    const char *pattern; /* exact path, or a prefix ending in "{tag}" for one segment */
    handler_fn handler;
    unsigned flags;
    access_role_t role;  /* who may call it (core/access.h); checked before the handler */
    const char *summary; /* for the OpenAPI check and logs */
} route_t;

extern const route_t routes[];
extern const size_t routes_count;

typedef enum {
    ROUTE_FOUND,
    ROUTE_NOT_FOUND,
    ROUTE_BAD_METHOD,
    ROUTE_REDIRECT,
    ROUTE_PARAM_TOO_LONG /* the route exists but its {tag} segment does not fit param */
} route_result_t;

/**
 * Matches method + path. ROUTE_FOUND sets *out and copies a {tag} segment (percent-decoded)
 * into param; ROUTE_BAD_METHOD fills allow ("GET, POST"); ROUTE_REDIRECT (path differs only by a
 * trailing slash) fills location with the registered form.
 */
route_result_t router_match(const char *method, const char *path, const route_t **out,
                            char *param, size_t param_len, char *allow, size_t allow_len,
                            char *location, size_t location_len);

#endif
