/* Fuzz target: route matching (src/http/router.c over the real table of src/http/routes.c,
 * handlers stubbed) and the query-string helpers of src/http/body.h.
 *
 * Input: "METHOD PATH[?QUERY]" (first space splits method from target; the path is what
 * libmicrohttpd hands over: already percent-decoded, any byte but NUL). Properties:
 *  - FOUND: the route's method is METHOD, its pattern matches PATH, a {tag} parameter is the
 *    exact non-empty segment (last, or before the pattern's fixed suffix) and fits the buffer;
 *  - BAD_METHOD: some route has PATH, Allow is non-empty and does not list METHOD;
 *  - REDIRECT: PATH ends in '/', Location is exactly PATH without it and that path is routed;
 *  - NOT_FOUND: no route pattern matches PATH (checked by an independent matcher);
 *  - the query helpers either accept a value within their contract or answer 422 with the
 *    single error body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/spool.h"
#include "fuzz_common.h"
#include "http/body.h"
#include "http/router.h"

/* Independent matcher: 1 when path matches pattern (a {tag} segment is non-empty, has no '/'). */
static int ref_match(const char *pattern, const char *path, const char **seg, size_t *seg_len)
{
    const char *brace = strstr(pattern, "{tag}");
    *seg = NULL;
    if (!brace) return strcmp(pattern, path) == 0;
    size_t prefix = (size_t)(brace - pattern);
    if (strncmp(pattern, path, prefix) != 0) return 0;
    const char *rest = path + prefix;
    const char *suffix = brace + 5; /* "" or "/name" */
    const char *slash = strchr(rest, '/');
    size_t seglen = slash ? (size_t)(slash - rest) : strlen(rest);
    if (seglen == 0 || strcmp(rest + seglen, suffix) != 0) return 0;
    *seg = rest;
    *seg_len = seglen;
    return 1;
}

static int any_route(const char *path)
{
    const char *seg;
    size_t seg_len;
    for (size_t i = 0; i < routes_count; i++)
        if (ref_match(routes[i].pattern, path, &seg, &seg_len)) return 1;
    return 0;
}

/* 1 when the comma-separated Allow value has method as one whole entry. */
static int allow_lists(const char *allow, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = allow; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, method, n) == 0) return 1;
        p += k;
        while (*p == ',' || *p == ' ') p++;
    }
    return 0;
}

static void check_match(const char *method, const char *path, size_t param_len, size_t allow_len,
                        size_t location_len)
{
    const route_t *route = NULL;
    char *param = malloc(param_len);
    char *allow = malloc(allow_len);
    char *location = malloc(location_len);
    if (!param || !allow || !location) abort();
    memset(param, 'P', param_len);
    memset(location, 0, location_len);
    route_result_t m = router_match(method, path, &route, param, param_len, allow, allow_len,
                                    location, location_len);
    size_t plen = strlen(path);
    switch (m) {
    case ROUTE_FOUND: {
        FUZZ_CHECK(route != NULL, "FOUND without a route");
        FUZZ_CHECK(strcmp(route->method, method) == 0, "FOUND %s %s for method %s",
                   route->method, route->pattern, method);
        const char *seg;
        size_t seg_len = 0;
        FUZZ_CHECK(ref_match(route->pattern, path, &seg, &seg_len),
                   "FOUND %s for non-matching path '%s'", route->pattern, path);
        FUZZ_CHECK(memchr(param, '\0', param_len) != NULL, "param not NUL-terminated");
        if (seg) {
            FUZZ_CHECK(strlen(param) == seg_len && strncmp(param, seg, seg_len) == 0,
                       "param '%s' != segment '%.*s'", param, (int)seg_len, seg);
        } else {
            FUZZ_CHECK(param[0] == '\0', "param '%s' set for a route without {tag}", param);
        }
        break;
    }
    case ROUTE_BAD_METHOD:
        FUZZ_CHECK(any_route(path), "405 for a path no route has: '%.200s'", path);
        FUZZ_CHECK(memchr(allow, '\0', allow_len) != NULL, "Allow not NUL-terminated");
        FUZZ_CHECK(allow[0] != '\0',
                   "405 Method Not Allowed with an EMPTY Allow header for %s '%.80s...' "
                   "(%zu bytes; param buffer %zu)", method, path, plen, param_len);
        FUZZ_CHECK(!allow_lists(allow, method), "405 for %s but Allow lists it: '%s'", method,
                   allow);
        break;
    case ROUTE_REDIRECT:
        FUZZ_CHECK(plen >= 2 && path[plen - 1] == '/', "redirect for '%s'", path);
        FUZZ_CHECK(strlen(location) == plen - 1 && strncmp(location, path, plen - 1) == 0,
                   "307 Location is not the path without its trailing slash: path %zu bytes, "
                   "location %zu bytes (buffer %zu) '%.60s...'", plen, strlen(location),
                   location_len, location);
        FUZZ_CHECK(any_route(location), "307 to an unrouted location '%.200s'", location);
        break;
    case ROUTE_PARAM_TOO_LONG: {
        FUZZ_CHECK(route != NULL, "PARAM_TOO_LONG without a route");
        FUZZ_CHECK(strcmp(route->method, method) == 0, "PARAM_TOO_LONG %s for method %s",
                   route->pattern, method);
        const char *seg = NULL;
        size_t seg_len = 0;
        FUZZ_CHECK(ref_match(route->pattern, path, &seg, &seg_len) && seg,
                   "PARAM_TOO_LONG for '%.200s'", path);
        FUZZ_CHECK(seg_len >= param_len, "PARAM_TOO_LONG for a %zu-byte segment (buffer %zu)",
                   seg_len, param_len);
        break;
    }
    case ROUTE_NOT_FOUND:
        FUZZ_CHECK(!any_route(path), "404 for routed path '%.200s'", path);
        break;
    default:
        FUZZ_CHECK(0, "unknown router result %d", (int)m);
    }
    free(param);
    free(allow);
    free(location);
}

static void check_query(void)
{
    req_t r;
    int64_t n = -1;
    fuzz_req_init(&r, NULL, 0);
    r.method = "GET";
    if (query_int_or_reply(&r, "worker_id", 0, &n) != 0) {
        fuzz_check_error_body(&r, 422, "VALIDATION_ERROR");
    } else {
        fuzz_check_unanswered(&r, "query_int_or_reply");
        const char *v = req_query(&r, "worker_id");
        FUZZ_CHECK(v ? (n >= 1 && n <= 2147483647) : n == 0, "worker_id '%s' -> %lld",
                   v ? v : "(absent)", (long long)n);
    }
    fuzz_req_deinit(&r);

    static const char *const names[] = {"operacion", "worker_nombre", "tag"};
    for (size_t i = 0; i < 3; i++) {
        const char *s = NULL;
        fuzz_req_init(&r, NULL, 0);
        r.method = "GET";
        if (query_string_or_reply(&r, names[i], &s) != 0 ||
            (i == 2 && tag_or_reply(&r, "tag", s) != 0)) {
            fuzz_check_error_body(&r, 422, "VALIDATION_ERROR");
        } else {
            fuzz_check_unanswered(&r, names[i]);
            FUZZ_CHECK(s && *s && names_utf8_valid(s, strlen(s)), "%s accepted bad value",
                       names[i]);
            if (i == 2) FUZZ_CHECK(strlen(s) < ZTAG_MAX, "tag of %zu bytes", strlen(s));
            zop_t op = zop_parse(s);
            FUZZ_CHECK(op == ZOP_NONE || strcmp(zop_name(op), s) == 0, "zop_parse('%s')", s);
        }
        fuzz_req_deinit(&r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 70000) return 0; /* MHD's connection memory limit is 64 KiB */
    char *s = fuzz_strndup(data, size);
    char *sp = strchr(s, ' ');
    const char *method = "GET";
    char *target = s;
    if (sp) {
        *sp = '\0';
        method = s;
        target = sp + 1;
    }
    char *q = strchr(target, '?');
    if (q) *q++ = '\0';
    /* The buffer sizes of server.c's dispatch (req_t.param, allow[64], location[512]). */
    check_match(method, target, sizeof(((req_t *)0)->param), 64, 512);
    fuzz_set_query(q);
    check_query();
    fuzz_set_query(NULL);
    free(s);
    return 0;
}
