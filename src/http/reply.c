/* JSON and error replies; the one place where the error body is built. */
#include "http/reply.h"

#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "http/list_cache.h"

int reply_json(req_t *r, int status, json_t *v)
{
    r->status = status;
    r->out_type = "application/json";
    buf_reset(&r->out);
    /* 15 significant digits: 12.1 prints as 12.1 (as Python would), not 12.099999999999999. */
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    json_decref(v);
    if (s) {
        buf_puts(&r->out, s);
        free(s);
    }
    return 0;
}

/* Copies msg into out as valid UTF-8: invalid bytes (an echoed header, a message cut in the
 * middle of a character) become '?', so the body always has its message. */
static void utf8_clean(const char *msg, char *out, size_t n)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)msg;
    while (*p && o + 5 < n) {
        size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                                 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        size_t have = 0;
        while (have < len && p[have]) have++;
        if (len && have == len && names_utf8_valid((const char *)p, len)) {
            memcpy(out + o, p, len);
            o += len;
            p += len;
        } else {
            out[o++] = '?';
            p++;
        }
    }
    out[o] = '\0';
}

int reply_error_status(req_t *r, int status, int code, json_t *data, const char *raw)
{
    char msg[1200];
    utf8_clean(raw, msg, sizeof msg);
    json_t *o = json_object();
    json_object_set_new(o, "success", json_false());
    json_object_set_new(o, "error", json_string(zerr_name(code)));
    json_object_set_new(o, "message", json_string(msg));
    if (data && json_object_size(data) == 0) {
        json_decref(data);
        data = NULL;
    }
    json_object_set_new(o, "data", data ? data : json_null());
    json_object_set_new(o, "detail", json_string(msg));
    r->log_note = zerr_name(code);
    return reply_json(r, status, o);
}

int reply_error(req_t *r, int code, json_t *data, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return reply_error_status(r, zerr_status(code), code, data, msg);
}

int reply_bytes(req_t *r, int status, const char *type, const char *bytes, size_t n)
{
    r->status = status;
    r->out_type = type;
    buf_reset(&r->out);
    buf_append(&r->out, bytes, n);
    return 0;
}

void reply_header(req_t *r, const char *name, const char *value)
{
    if (r->n_out_headers >= REQ_MAX_HEADERS) return;
    r->out_headers[r->n_out_headers][0] = name;
    r->out_headers[r->n_out_headers][1] = value;
    r->n_out_headers++;
}

/* ------------------------------------------------------------------------------------------ */
/* Cached list bodies: content coding and revalidation                                         */
/* ------------------------------------------------------------------------------------------ */

/* The q value of one Accept-Encoding element (p after the coding name): 1 when absent. */
static double qvalue(const char *p, const char *end)
{
    while (p < end) {
        p += strspn(p, " \t;");
        if (p + 1 < end && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') return strtod(p + 2, NULL);
        p += strcspn(p, ";");
    }
    return 1.0;
}

/* RFC 9110 12.5.3: gzip (or x-gzip) listed with q > 0, or `*` with q > 0 and gzip not named. */
static int accepts_gzip(const char *ae)
{
    if (!ae) return 0;
    double gz = -1, star = -1;
    for (const char *p = ae; *p;) {
        p += strspn(p, " \t,");
        const char *end = p + strcspn(p, ",");
        size_t n = strcspn(p, " \t;,");
        if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
            gz = qvalue(p + n, end);
        else if (n == 1 && *p == '*')
            star = qvalue(p + n, end);
        p = end;
    }
    return gz >= 0 ? gz > 0 : star > 0;
}

/* RFC 9110 13.1.2: `*`, or any listed tag equal to etag by the weak comparison. */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm) return 0;
    const char *want = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    size_t wn = strlen(want);
    for (const char *p = inm; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (n == 1 && *p == '*') return 1;
        const char *t = p;
        size_t tn = n;
        if (tn > 2 && strncmp(t, "W/", 2) == 0) t += 2, tn -= 2;
        if (tn == wn && memcmp(t, want, wn) == 0) return 1;
        p += n;
        p += strcspn(p, ",");
    }
    return 0;
}

int reply_list_body(req_t *r, list_body_t *b)
{
    list_body_release(r->cached);
    r->cached = b;
    buf_reset(&r->out);
    r->out_type = "application/json";
    reply_header(r, "etag", b->etag);
    reply_header(r, "vary", "Accept-Encoding");
    /* Stored by browsers but revalidated every time: a list is never shown stale. */
    reply_header(r, "cache-control", "no-cache");
    if (etag_matches(req_header(r, "If-None-Match"), b->etag)) {
        r->status = 304;
        r->cached_gzip = 0;
        return 0;
    }
    r->status = 200;
    r->cached_gzip = b->gz && accepts_gzip(req_header(r, "Accept-Encoding"));
    if (r->cached_gzip) reply_header(r, "content-encoding", "gzip");
    return 0;
}
