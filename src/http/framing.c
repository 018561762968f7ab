/* Request framing rules of the HTTP edge (see framing.h). */
#include "http/framing.h"

#include <string.h>
#include <strings.h>

#include "core/errors.h"

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void refuse(framing_result_t *o, int status, int code, const char *msg)
{
    o->verdict = FRAMING_REFUSE;
    o->status = status;
    o->code = code;
    o->message = msg;
}

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(unsigned char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int name_is(const char *name, size_t nlen, const char *want)
{
    return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

enum { LINE_MORE = -1, LINE_BARE = -2 };

/* Length of the line at b[pos] (without its CRLF) and, in *next, where the next one starts;
 * LINE_MORE when the line is not complete yet, LINE_BARE for a CR or LF that is not CRLF. */
static long line_at(const char *b, size_t n, size_t pos, size_t *next)
{
    for (size_t i = pos; i < n; i++) {
        if (b[i] == '\n') return LINE_BARE;
        if (b[i] != '\r') continue;
        if (i + 1 >= n) return LINE_MORE;
        if (b[i + 1] != '\n') return LINE_BARE;
        *next = i + 2;
        return (long)(i - pos);
    }
    return LINE_MORE;
}

/* Bytes of the incomplete line at b[pos] that are surely its content: all but a final CR, which
 * may still become the line's CRLF. */
static size_t visible(const char *b, size_t n, size_t pos)
{
    return n - pos - (n > pos && b[n - 1] == '\r');
}

/* ------------------------------------------------------------------------------------------ */
/* Header fields                                                                               */
/* ------------------------------------------------------------------------------------------ */

void framing_fields_init(framing_fields_t *f, size_t line_len)
{
    memset(f, 0, sizeof *f);
    f->line_len = line_len;
}

static void field_bad(framing_fields_t *f, int status, int code, const char *msg)
{
    f->bad = 1;
    refuse(&f->res, status, code, msg);
}

/* Content-Length is 1*DIGIT (RFC 9110 §8.6): no sign, no list, no inner space. */
static int parse_cl(const char *v, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19) return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

void framing_fields_add(framing_fields_t *f, const char *name, size_t nlen, const char *value,
                        size_t vlen)
{
    f->n_fields++;
    f->bytes += nlen + vlen + 4;
    if (f->bad) return;
    if (nlen == 0) {
        field_bad(f, 400, ZE_BAD_REQUEST, "Campo de cabecera sin nombre");
        return;
    }
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == ' ' || c == '\t') {
            /* "Content-Length : 5": some parsers drop the field, others read it (RFC 9112
             * §5.1: 400). */
            field_bad(f, 400, ZE_BAD_REQUEST,
                      "Espacio en el nombre de un campo de cabecera (antes de ':')");
            return;
        }
        if (!is_tchar(c)) {
            field_bad(f, 400, ZE_BAD_REQUEST,
                      "Carácter no permitido en el nombre de un campo de cabecera");
            return;
        }
    }
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == 0) {
            /* A C string stops at the NUL: "Origin: allowed\0.evil" would read as allowed. */
            field_bad(f, 400, ZE_BAD_REQUEST, "Byte nulo en el valor de un campo de cabecera");
            return;
        }
        if (c == '\r' || c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f) {
            field_bad(f, 400, ZE_BAD_REQUEST,
                      "Carácter de control en el valor de un campo de cabecera");
            return;
        }
    }
    if (name_is(name, nlen, "content-length")) {
        uint64_t cl;
        if (parse_cl(value, vlen, &cl) != 0) {
            field_bad(f, 400, ZE_BAD_REQUEST, "Content-Length inválido (solo dígitos)");
            return;
        }
        if (f->n_cl && cl != f->cl) f->cl_conflict = 1;
        f->cl = cl;
        f->n_cl++;
    } else if (name_is(name, nlen, "transfer-encoding")) {
        f->n_te++;
        f->te_chunked = vlen == 7 && strncasecmp(value, "chunked", 7) == 0;
    } else if (name_is(name, nlen, "expect")) {
        f->expect = 1;
    } else if (name_is(name, nlen, "host")) {
        f->n_host++;
        f->host = value;
        f->host_len = vlen;
    }
}

size_t framing_absolute_prefix(const char *target, size_t tlen)
{
    size_t s = 0;
    if (tlen >= 7 && strncasecmp(target, "http://", 7) == 0) s = 7;
    else if (tlen >= 8 && strncasecmp(target, "https://", 8) == 0) s = 8;
    else return 0;
    size_t i = s;
    while (i < tlen && target[i] != '/' && target[i] != '?' && target[i] != '#') i++;
    return i > s ? i : 0;
}

static int host_ok(const char *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (h[i] == ' ' || h[i] == '\t' || h[i] == ',' || h[i] == '/' || h[i] == '@') return 0;
    return 1;
}

int framing_fields_finish(framing_fields_t *f, int http11, const char *target, size_t tlen,
                          framing_result_t *out)
{
    out->verdict = FRAMING_OK;
    if (f->bad) {
        out->verdict = f->res.verdict;
        out->status = f->res.status;
        out->code = f->res.code;
        out->message = f->res.message;
        return FRAMING_REFUSE;
    }
    /* The parameters libmicrohttpd splits the query into, each an entry in its pool. */
    size_t n_params = 0;
    const char *q = memchr(target, '?', tlen);
    if (q && q + 1 < target + tlen) {
        n_params = 1;
        for (const char *e = target + tlen; ++q < e;) n_params += *q == '&';
    }
    if (f->n_fields + n_params > FRAMING_MAX_FIELDS) {
        refuse(out, 431, ZE_HEADERS_TOO_LARGE,
               "La solicitud trae demasiados campos de cabecera y parámetros");
    } else if (f->line_len + f->bytes + 2 > FRAMING_MAX_HEAD) { /* + the blank line */
        refuse(out, 431, ZE_HEADERS_TOO_LARGE,
               "Las cabeceras de la solicitud son demasiado grandes");
    } else if (f->n_te && f->n_cl) {
        /* RFC 9112 §6.3: a proxy that frames by Content-Length would see another request. */
        refuse(out, 400, ZE_BAD_REQUEST,
               "La solicitud trae Content-Length y Transfer-Encoding a la vez");
    } else if (f->cl_conflict) {
        refuse(out, 400, ZE_BAD_REQUEST, "Content-Length repetido con valores distintos");
    } else if (f->n_te && !http11) {
        refuse(out, 400, ZE_BAD_REQUEST, "Transfer-Encoding no existe en HTTP/1.0");
    } else if (f->n_te && (f->n_te > 1 || !f->te_chunked)) {
        refuse(out, 501, ZE_NOT_IMPLEMENTED,
               "Transfer-Encoding no soportado: solo se acepta 'chunked'");
    } else if (http11 && f->n_host == 0) {
        refuse(out, 400, ZE_BAD_REQUEST, "Falta la cabecera Host (obligatoria en HTTP/1.1)");
    } else if (f->n_host > 1) {
        refuse(out, 400, ZE_BAD_REQUEST, "Cabecera Host repetida");
    } else if (f->n_host && !host_ok(f->host, f->host_len)) {
        refuse(out, 400, ZE_BAD_REQUEST, "Cabecera Host inválida");
    } else {
        size_t k = framing_absolute_prefix(target, tlen);
        if (k && f->n_host) {
            size_t s = target[4] == ':' ? 7 : 8;
            if (k - s != f->host_len || strncasecmp(target + s, f->host, f->host_len) != 0)
                refuse(out, 400, ZE_BAD_REQUEST,
                       "El destino absoluto de la solicitud no coincide con su cabecera Host");
        }
    }
    return out->verdict == FRAMING_OK ? FRAMING_OK : FRAMING_REFUSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Raw requests                                                                                */
/* ------------------------------------------------------------------------------------------ */

enum {
    R_DONE,      /* the request is complete; *end is where the next one starts */
    R_HEAD_MORE, /* its header block is incomplete */
    R_BODY_MORE, /* its chunked body is incomplete */
    R_BODY_OPEN, /* its Content-Length body goes beyond the bytes we have */
    R_REFUSE,
};

/* Copies the Origin value of the header block starting at b[pos] into out->origin when it is
 * intact (printable ASCII that fits), for the CORS headers of a refusal. */
static void find_origin(const char *b, size_t n, size_t pos, framing_result_t *out)
{
    size_t next;
    long len = line_at(b, n, pos, &next); /* the request line */
    while (len > 0) {
        pos = next;
        len = line_at(b, n, pos, &next);
        if (len <= 7 || strncasecmp(b + pos, "origin:", 7) != 0) continue;
        size_t s = pos + 7, e = pos + (size_t)len;
        while (s < e && (b[s] == ' ' || b[s] == '\t')) s++;
        while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t')) e--;
        if (e - s >= sizeof out->origin) return;
        for (size_t i = s; i < e; i++)
            if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] >= 0x7f) return;
        memcpy(out->origin, b + s, e - s);
        out->origin[e - s] = '\0';
        return;
    }
}

/* Request line: method SP target SP HTTP/x.y. Sets *http11; R_DONE or R_REFUSE. */
static int check_request_line(const char *l, size_t len, int *http11, const char **target,
                              size_t *tlen, framing_result_t *o)
{
    size_t i = 0;
    while (i < len && is_tchar((unsigned char)l[i])) i++;
    if (i == 0 || i >= len || l[i] != ' ') {
        refuse(o, 400, ZE_BAD_REQUEST, "Línea de solicitud inválida (método)");
        return R_REFUSE;
    }
    size_t t = ++i;
    while (i < len && (unsigned char)l[i] > 0x20 && (unsigned char)l[i] != 0x7f) i++;
    if (i == t || i >= len || l[i] != ' ') {
        refuse(o, 400, ZE_BAD_REQUEST, "Línea de solicitud inválida (destino)");
        return R_REFUSE;
    }
    *target = l + t;
    *tlen = i - t;
    const char *v = l + i + 1;
    size_t vlen = len - i - 1;
    if (vlen != 8 || strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9') {
        refuse(o, 400, ZE_BAD_REQUEST, "Línea de solicitud inválida (versión)");
        return R_REFUSE;
    }
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1')) {
        refuse(o, 505, ZE_HTTP_VERSION_NOT_SUPPORTED,
               "Versión de HTTP no soportada (solo HTTP/1.0 y HTTP/1.1)");
        return R_REFUSE;
    }
    *http11 = v[7] == '1';
    return R_DONE;
}

/* The chunked body at b[p]; R_DONE with *end after its trailer section. */
static int check_chunked(const char *b, size_t n, size_t p, size_t max_body, size_t *end,
                         framing_result_t *o)
{
    uint64_t total = 0;
    for (;;) {
        size_t next;
        long len = line_at(b, n, p, &next);
        if (len == LINE_BARE) {
            refuse(o, 400, ZE_BAD_REQUEST, "Fin de línea inválido en el cuerpo por bloques");
            return R_REFUSE;
        }
        /* The same limit on a complete line and on the visible part of an incomplete one, so
         * the verdict never depends on how the bytes were split into packets. */
        if ((len == LINE_MORE ? (long)visible(b, n, p) : len) > 1024) {
            refuse(o, 400, ZE_BAD_REQUEST, "Línea de tamaño de bloque demasiado larga");
            return R_REFUSE;
        }
        if (len == LINE_MORE) return R_BODY_MORE;
        const char *l = b + p;
        size_t i = 0;
        uint64_t size = 0;
        while (i < (size_t)len && is_hex((unsigned char)l[i])) {
            if (i == 8) {
                /* 4 GiB and more (ffffffffffffffff overflows some parsers): never a chunk. */
                refuse(o, 400, ZE_BAD_REQUEST, "Tamaño de bloque inválido");
                return R_REFUSE;
            }
            size = size * 16 + (uint64_t)hex_val((unsigned char)l[i]);
            i++;
        }
        if (i == 0) {
            refuse(o, 400, ZE_BAD_REQUEST, "Tamaño de bloque inválido");
            return R_REFUSE;
        }
        while (i < (size_t)len && (l[i] == ' ' || l[i] == '\t')) i++;
        if (i < (size_t)len && l[i] != ';') {
            refuse(o, 400, ZE_BAD_REQUEST, "Tamaño de bloque inválido");
            return R_REFUSE;
        }
        for (; i < (size_t)len; i++) {
            unsigned char c = (unsigned char)l[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                refuse(o, 400, ZE_BAD_REQUEST, "Extensión de bloque inválida");
                return R_REFUSE;
            }
        }
        total += size;
        if (total > max_body) {
            refuse(o, 413, ZE_PAYLOAD_TOO_LARGE,
                   "El cuerpo de la solicitud supera el máximo permitido");
            return R_REFUSE;
        }
        p = next;
        if (size == 0) break;
        if (n - p < size + 2) return R_BODY_MORE;
        if (b[p + size] != '\r' || b[p + size + 1] != '\n') {
            refuse(o, 400, ZE_BAD_REQUEST, "Un bloque es más largo que el tamaño anunciado");
            return R_REFUSE;
        }
        p += size + 2;
    }
    /* Trailer section: fields (checked like headers, otherwise ignored), then an empty line. */
    size_t t0 = p;
    for (;;) {
        size_t next;
        long len = line_at(b, n, p, &next);
        if (len == LINE_BARE) {
            refuse(o, 400, ZE_BAD_REQUEST, "Fin de línea inválido en los campos finales");
            return R_REFUSE;
        }
        if ((len == LINE_MORE ? n : next) - t0 > FRAMING_MAX_HEAD) {
            refuse(o, 431, ZE_HEADERS_TOO_LARGE, "Campos finales demasiado grandes");
            return R_REFUSE;
        }
        if (len == LINE_MORE) return R_BODY_MORE;
        if (len == 0) {
            *end = next;
            return R_DONE;
        }
        const char *colon = memchr(b + p, ':', (size_t)len);
        framing_fields_t f;
        framing_fields_init(&f, 0);
        if (colon) framing_fields_add(&f, b + p, (size_t)(colon - (b + p)), "", 0);
        if (!colon || f.bad) {
            refuse(o, 400, ZE_BAD_REQUEST, "Campo final inválido");
            return R_REFUSE;
        }
        p = next;
    }
}

/* One request starting at b[pos]. */
static int check_one(const char *b, size_t n, size_t pos, size_t max_body, size_t *end,
                     framing_result_t *o)
{
    size_t next;
    long len = line_at(b, n, pos, &next);
    if (len == LINE_BARE) {
        refuse(o, 400, ZE_BAD_REQUEST, "Fin de línea inválido (CR o LF sin su par)");
        return R_REFUSE;
    }
    if (len == LINE_MORE || len > FRAMING_MAX_LINE) {
        if (len > FRAMING_MAX_LINE || visible(b, n, pos) > FRAMING_MAX_LINE) {
            refuse(o, 414, ZE_URI_TOO_LONG, "La URL de la solicitud es demasiado larga");
            return R_REFUSE;
        }
        return R_HEAD_MORE;
    }
    int http11 = 0;
    const char *target = NULL;
    size_t tlen = 0;
    if (check_request_line(b + pos, (size_t)len, &http11, &target, &tlen, o) != R_DONE)
        return R_REFUSE;
    framing_fields_t f;
    framing_fields_init(&f, next - pos);
    size_t p = next;
    for (;;) {
        len = line_at(b, n, p, &next);
        if (len == LINE_BARE) {
            refuse(o, 400, ZE_BAD_REQUEST, "Fin de línea inválido (CR o LF sin su par)");
            return R_REFUSE;
        }
        if ((len == LINE_MORE ? n : next) - pos > FRAMING_MAX_HEAD) {
            refuse(o, 431, ZE_HEADERS_TOO_LARGE,
                   "Las cabeceras de la solicitud son demasiado grandes");
            return R_REFUSE;
        }
        if (len == LINE_MORE) return R_HEAD_MORE;
        p = next;
        if (len == 0) break;
        const char *l = b + next - (size_t)len - 2;
        if (l[0] == ' ' || l[0] == '\t') {
            /* obs-fold: a line that continues the previous field (RFC 9112 §5.2: 400). */
            refuse(o, 400, ZE_BAD_REQUEST, "Campo de cabecera plegado en varias líneas");
            return R_REFUSE;
        }
        const char *colon = memchr(l, ':', (size_t)len);
        if (!colon) {
            refuse(o, 400, ZE_BAD_REQUEST, "Línea de cabecera sin ':'");
            return R_REFUSE;
        }
        const char *v = colon + 1, *e = l + len;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
        framing_fields_add(&f, l, (size_t)(colon - l), v, (size_t)(e - v));
    }
    if (framing_fields_finish(&f, http11, target, tlen, o) != FRAMING_OK) return R_REFUSE;
    if (f.n_te) {
        int r = check_chunked(b, n, p, max_body, end, o);
        /* "Expect: 100-continue": the client holds the body back until it is told to go on,
         * which the library does once it has the connection. */
        return r == R_BODY_MORE && f.expect ? R_BODY_OPEN : r;
    }
    if (f.n_cl && f.cl > n - p) return R_BODY_OPEN;
    *end = p + (f.n_cl ? (size_t)f.cl : 0);
    return R_DONE;
}

void framing_origin(const char *buf, size_t n, framing_result_t *out)
{
    out->origin[0] = '\0';
    find_origin(buf, n, 0, out);
}

void framing_check(const char *buf, size_t n, int final, size_t max_body,
                   framing_result_t *out)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    /* RFC 9112 §2.2: empty lines before a request line are ignored. */
    while (n - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') pos += 2;
    int first = 1;
    while (pos < n) {
        size_t end = 0;
        int r = check_one(buf, n, pos, max_body, &end, out);
        if (r == R_REFUSE) {
            find_origin(buf, n, pos, out);
            return;
        }
        if (r == R_HEAD_MORE && first) {
            if (final) {
                refuse(out, 400, ZE_BAD_REQUEST, "Solicitud incompleta");
                return;
            }
            out->verdict = FRAMING_NEED_MORE;
            return;
        }
        if (r == R_BODY_MORE && first && !final) {
            out->verdict = FRAMING_NEED_MORE;
            return;
        }
        if (r != R_DONE) break; /* the rest is read and checked by the HTTP library */
        pos = end;
        first = 0;
        while (n - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') pos += 2;
    }
    out->verdict = first && pos >= n ? FRAMING_NEED_MORE : FRAMING_OK;
}
