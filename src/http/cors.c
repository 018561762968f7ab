/* CORS origin list and preflight decisions. */
#include "http/cors.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void cors_init(cors_t *c, const char *allowed)
{
    c->origins = NULL;
    c->n = 0;
    c->wildcard = 0;
    const char *p = allowed;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
        if (b > a) {
            c->origins = xrealloc(c->origins, (c->n + 1) * sizeof *c->origins);
            c->origins[c->n++] = xstrndup(a, (size_t)(b - a));
            if (b - a == 1 && *a == '*') c->wildcard = 1;
        }
        p = *end ? end + 1 : end;
    }
}

void cors_deinit(cors_t *c)
{
    for (size_t i = 0; i < c->n; i++) free(c->origins[i]);
    free(c->origins);
    c->origins = NULL;
    c->n = 0;
}

int cors_allowed(const cors_t *c, const char *origin)
{
    if (!origin) return 0;
    if (c->wildcard) return 1;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->origins[i], origin) == 0) return 1;
    return 0;
}

cors_preflight_t cors_preflight(const cors_t *c, const char *origin, const char *method)
{
    int origin_ok = cors_allowed(c, origin);
    int method_ok = method && (strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0 ||
                               strcmp(method, "OPTIONS") == 0);
    cors_preflight_t r = {200, "OK", 1};
    if (!origin_ok && !method_ok) r = (cors_preflight_t){400, "Disallowed CORS origin, method", 0};
    else if (!origin_ok) r = (cors_preflight_t){400, "Disallowed CORS origin", 0};
    else if (!method_ok) r = (cors_preflight_t){400, "Disallowed CORS method", 1};
    return r;
}
