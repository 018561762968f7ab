/* Support code linked into the fuzz targets that need a req_t (see fuzz_common.h). Provides
 * req_query / req_header, which the server defines on top of libmicrohttpd. */
#include "fuzz_common.h"

#include <jansson.h>
#include <string.h>

#include "util/buf.h"

/* ---------------------------------------------------------------------------------------- */
/* Query string                                                                              */
/* ---------------------------------------------------------------------------------------- */

#define QMAX 32
static char *q_keys[QMAX];
static char *q_vals[QMAX];
static size_t q_count;

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes in place like MHD_http_unescape ('+' handled by the caller's split). */
static void unescape(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') {
            *w++ = ' ';
        } else if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *w++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

void fuzz_set_query(const char *qs)
{
    for (size_t i = 0; i < q_count; i++) {
        free(q_keys[i]);
        free(q_vals[i]);
    }
    q_count = 0;
    if (!qs) return;
    const char *p = qs;
    while (*p && q_count < QMAX) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t kn = eq ? (size_t)(eq - p) : n;
        char *k = strndup(p, kn);
        char *v = eq ? strndup(eq + 1, n - kn - 1) : strdup("");
        if (!k || !v) abort();
        unescape(k);
        unescape(v);
        q_keys[q_count] = k;
        q_vals[q_count] = v;
        q_count++;
        p += n;
        if (*p == '&') p++;
    }
}

const char *req_query(req_t *r, const char *name)
{
    (void)r;
    for (size_t i = 0; i < q_count; i++)
        if (strcmp(q_keys[i], name) == 0) return q_vals[i];
    return NULL;
}

const char *req_header(req_t *r, const char *name)
{
    (void)name;
    return r->content_type && strcasecmp(name, "Content-Type") == 0 ? r->content_type : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Requests and the error-body oracle                                                        */
/* ---------------------------------------------------------------------------------------- */

void fuzz_req_init(req_t *r, const char *body, size_t len)
{
    memset(r, 0, sizeof *r);
    r->method = "POST";
    r->path = "/fuzz";
    r->body = body;
    r->body_len = body ? len : 0;
    r->content_type = "application/json";
    r->now = 1767225600; /* 2026-01-01T00:00:00Z */
}

void fuzz_req_deinit(req_t *r) { buf_deinit(&r->out); }

void fuzz_check_unanswered(const req_t *r, const char *what)
{
    FUZZ_CHECK(r->status == 0 && r->out.len == 0,
               "%s returned 0 (valid) but answered status %d: %.300s", what, r->status,
               buf_str(&r->out));
}

void fuzz_check_error_body(const req_t *r, int status, const char *code)
{
    const char *text = buf_str(&r->out);
    if (status) {
        FUZZ_CHECK(r->status == status, "status %d, expected %d: %.300s", r->status, status, text);
    } else {
        FUZZ_CHECK(r->status >= 400 && r->status < 500, "status %d is not a 4xx: %.300s",
                   r->status, text);
    }
    FUZZ_CHECK(r->out_type && strcmp(r->out_type, "application/json") == 0,
               "content type %s", r->out_type ? r->out_type : "(null)");
    json_error_t e;
    json_t *v = json_loadb(r->out.data ? r->out.data : "", r->out.len, 0, &e);
    FUZZ_CHECK(v != NULL, "error body is not JSON (%s): %.300s", e.text, text);
    FUZZ_CHECK(json_is_object(v), "error body is not an object: %.300s", text);
    static const char *const keys[] = {"success", "error", "message", "data", "detail"};
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        FUZZ_CHECK(i < 5 && strcmp(key, keys[i]) == 0,
                   "error body keys must be exactly success,error,message,data,detail in "
                   "order; key #%zu is '%s': %.400s", i, key, text);
        i++;
    }
    FUZZ_CHECK(i == 5, "error body has %zu keys, expected 5 "
               "(success,error,message,data,detail): %.600s", i, text);
    FUZZ_CHECK(json_is_false(json_object_get(v, "success")), "success is not false: %.300s", text);
    json_t *err = json_object_get(v, "error");
    FUZZ_CHECK(json_is_string(err), "error is not a string: %.300s", text);
    if (code)
        FUZZ_CHECK(strcmp(json_string_value(err), code) == 0, "error %s, expected %s",
                   json_string_value(err), code);
    json_t *msg = json_object_get(v, "message");
    json_t *det = json_object_get(v, "detail");
    FUZZ_CHECK(json_is_string(msg) && json_string_length(msg) > 0,
               "message is not a non-empty string: %.300s", text);
    FUZZ_CHECK(json_equal(msg, det), "detail != message: %.300s", text);
    json_t *data = json_object_get(v, "data");
    FUZZ_CHECK(json_is_null(data) || json_is_object(data), "data is neither null nor object");
    json_decref(v);
}
