/* Route matching over the declarative table of routes.c. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* Returns 1 when path matches pattern; points seg at the {tag} segment (raw). A pattern has at
 * most one {tag}: one whole segment, followed by nothing or by a fixed "/suffix". */
static int match_one(const char *pattern, const char *path, size_t plen, const char **seg,
                     size_t *seglen)
{
    const char *brace = strstr(pattern, "{tag}");
    if (!brace) return strlen(pattern) == plen && strncmp(pattern, path, plen) == 0;
    size_t prefix = (size_t)(brace - pattern);
    const char *suffix = brace + 5;
    size_t slen = strlen(suffix);
    if (plen <= prefix + slen || strncmp(pattern, path, prefix) != 0) return 0;
    if (slen && strncmp(path + plen - slen, suffix, slen) != 0) return 0;
    const char *rest = path + prefix;
    size_t restlen = plen - prefix - slen;
    if (memchr(rest, '/', restlen)) return 0;
    *seg = rest;
    *seglen = restlen;
    return 1;
}

route_result_t router_match(const char *method, const char *path, const route_t **out,
                            char *param, size_t param_len, char *allow, size_t allow_len,
                            char *location, size_t location_len)
{
    size_t plen = strlen(path);
    int any = 0;
    allow[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        /* Pass 0: the path as given. Pass 1: without a trailing slash (redirect). */
        size_t len = plen;
        if (pass == 1) {
            if (plen < 2 || path[plen - 1] != '/') break;
            len = plen - 1;
        }
        for (size_t i = 0; i < routes_count; i++) {
            const char *seg = NULL;
            size_t seglen = 0;
            if (!match_one(routes[i].pattern, path, len, &seg, &seglen)) continue;
            if (pass == 1) {
                /* A location that does not fit is no redirect at all (never a cut one). */
                if (len >= location_len) return ROUTE_NOT_FOUND;
                snprintf(location, location_len, "%.*s", (int)len, path);
                return ROUTE_REDIRECT;
            }
            any = 1;
            if (strcmp(routes[i].method, method) == 0) {
                param[0] = '\0';
                if (seg) {
                    /* The server hands over the path already percent-decoded. */
                    if (seglen == 0) continue;
                    if (seglen >= param_len) {
                        *out = &routes[i];
                        return ROUTE_PARAM_TOO_LONG;
                    }
                    memcpy(param, seg, seglen);
                    param[seglen] = '\0';
                }
                *out = &routes[i];
                return ROUTE_FOUND;
            }
            if (!strstr(allow, routes[i].method)) {
                size_t a = strlen(allow);
                snprintf(allow + a, allow_len - a, "%s%s", a ? ", " : "", routes[i].method);
            }
        }
        if (any) return ROUTE_BAD_METHOD;
    }
    return ROUTE_NOT_FOUND;
}
