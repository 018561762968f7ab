/* JSON and error replies; the one place where the error body is built. */
#include "http/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "http/metrics.h"

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
    metrics_error(code);
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
