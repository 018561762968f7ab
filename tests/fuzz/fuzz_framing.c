/* Fuzz target: the raw request bytes a client sends, through the HTTP edge's framing rules
 * (src/http/framing.c, what decides before libmicrohttpd parses anything) and the refusal it
 * writes (edge_refusal in src/http/edge.c).
 *
 * Input: any bytes, as they arrive on a fresh connection. Properties:
 *  - the verdict is OK, NEED_MORE or REFUSE; a refusal has a status of the edge (400, 413,
 *    414, 431, 501, 505) that the error table gives its code, and a message;
 *  - the verdict never depends on how the bytes were split into packets: a prefix that is
 *    refused is refused the same way once more bytes arrive;
 *  - an accepted first request (checked by an independent scan of its header block) has no
 *    NUL, no bare CR or LF, no folded line, only token field names, not both Content-Length
 *    and Transfer-Encoding and at most one distinct Content-Length: nothing a second parser
 *    could frame differently;
 *  - the refusal on the wire is one header block whose Content-Length is its body, the body is
 *    the single error body, and the echoed Origin cannot inject a header. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/errors.h"
#include "fuzz_common.h"
#include "http/cors.h"
#include "http/edge.h"
#include "http/framing.h"

#define MAX_BODY 65536

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The independent scan of an accepted request's header block. */
static void check_accepted(const char *b, size_t n)
{
    size_t pos = 0;
    while (n - pos >= 2 && b[pos] == '\r' && b[pos + 1] == '\n') pos += 2;
    const char *end = NULL;
    for (size_t i = pos; i + 3 < n; i++)
        if (memcmp(b + i, "\r\n\r\n", 4) == 0) {
            end = b + i + 2;
            break;
        }
    if (!end) return; /* accepted as a whole request only once its block is complete */
    const char *l = memchr(b + pos, '\n', (size_t)(end - (b + pos)));
    FUZZ_CHECK(l != NULL, "no request line");
    int has_cl = 0, has_te = 0;
    char cl[32] = "";
    for (const char *p = b + pos; p < end; p++) {
        FUZZ_CHECK(*p != '\0', "accepted a header block with a NUL at %zu", (size_t)(p - b));
        if (*p == '\r') FUZZ_CHECK(p[1] == '\n', "accepted a bare CR at %zu", (size_t)(p - b));
        if (*p == '\n') FUZZ_CHECK(p > b && p[-1] == '\r', "accepted a bare LF");
    }
    for (const char *p = l + 1; p < end;) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        size_t len = (size_t)(e - p);
        FUZZ_CHECK(len > 0 && p[0] != ' ' && p[0] != '\t', "accepted a folded or empty line");
        const char *colon = memchr(p, ':', len);
        FUZZ_CHECK(colon && colon > p, "accepted a field without a name");
        for (const char *q = p; q < colon; q++)
            FUZZ_CHECK(is_tchar((unsigned char)*q), "accepted field name byte 0x%02x",
                       (unsigned char)*q);
        size_t nlen = (size_t)(colon - p);
        const char *v = colon + 1, *ve = e;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        if (nlen == 14 && strncasecmp(p, "content-length", 14) == 0) {
            char val[32];
            snprintf(val, sizeof val, "%.*s", (int)(ve - v < 31 ? ve - v : 31), v);
            FUZZ_CHECK(!has_cl || strcmp(val, cl) == 0 ||
                           strtoull(val, NULL, 10) == strtoull(cl, NULL, 10),
                       "accepted two Content-Lengths '%s' and '%s'", cl, val);
            if (!has_cl) snprintf(cl, sizeof cl, "%s", val);
            has_cl = 1;
        }
        if (nlen == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) has_te = 1;
        p = e + 2;
    }
    FUZZ_CHECK(!(has_cl && has_te), "accepted Content-Length with Transfer-Encoding");
}

static void check_refusal_bytes(const framing_result_t *v, const cors_t *cors)
{
    for (const char *o = v->origin; *o; o++)
        FUZZ_CHECK((unsigned char)*o >= 0x20 && (unsigned char)*o < 0x7f,
                   "origin with byte 0x%02x would reach a header", (unsigned char)*o);
    buf_t out = BUF_INIT;
    edge_refusal(&out, v->status, v->code, v->message, v->origin, cors, 5);
    const char *hb = strstr(out.data, "\r\n\r\n");
    FUZZ_CHECK(hb != NULL, "refusal without the end of its header block");
    size_t head = (size_t)(hb - out.data) + 4;
    const char *clh = strstr(out.data, "content-length: ");
    FUZZ_CHECK(clh && clh < hb, "refusal without Content-Length");
    size_t cl = strtoull(clh + 16, NULL, 10);
    /* The body is all that follows, so nothing after it could read as a second response. */
    FUZZ_CHECK(cl == out.len - head, "Content-Length %zu, body %zu", cl, out.len - head);
    FUZZ_CHECK(strstr(out.data, "connection: close\r\n") < hb, "no Connection: close");
    json_error_t je;
    json_t *j = json_loadb(hb + 4, cl, 0, &je);
    FUZZ_CHECK(j && json_is_object(j), "body is not JSON: %s", je.text);
    static const char *const keys[] = {"success", "error", "message", "data", "detail"};
    void *it = json_object_iter(j);
    for (size_t i = 0; i < 5; i++, it = json_object_iter_next(j, it))
        FUZZ_CHECK(it && strcmp(json_object_iter_key(it), keys[i]) == 0, "key %zu", i);
    FUZZ_CHECK(strcmp(json_string_value(json_object_get(j, "error")), zerr_name(v->code)) == 0,
               "error code");
    json_decref(j);
    buf_deinit(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cors_t cors;
    static int init;
    if (!init) {
        cors_init(&cors, "http://localhost:3000");
        init = 1;
    }
    if (size > 32768) return 0; /* the edge looks at 16 KiB at most */
    const char *b = (const char *)data;
    framing_result_t full;
    framing_check(b, size, 0, MAX_BODY, &full);
    FUZZ_CHECK(full.verdict == FRAMING_OK || full.verdict == FRAMING_NEED_MORE ||
                   full.verdict == FRAMING_REFUSE, "verdict %d", full.verdict);
    if (full.verdict == FRAMING_REFUSE) {
        FUZZ_CHECK(full.status == 400 || full.status == 413 || full.status == 414 ||
                       full.status == 431 || full.status == 501 || full.status == 505,
                   "status %d", full.status);
        FUZZ_CHECK(zerr_status(full.code) == full.status, "code %s is %d, answered %d",
                   zerr_name(full.code), zerr_status(full.code), full.status);
        FUZZ_CHECK(full.message && *full.message, "refusal without a message");
        check_refusal_bytes(&full, &cors);
    } else if (full.verdict == FRAMING_OK) {
        check_accepted(b, size);
    }
    /* Packet splits: prefixes at line boundaries and a few others (at most 96 of them, so a
     * long input does not slow the fuzzing down to a crawl). */
    size_t step = size / 16 + 1;
    int tried = 0;
    for (size_t k = 1; k < size && tried < 96; k++) {
        if (b[k - 1] != '\n' && b[k - 1] != '\r' && k % step != 0) continue;
        tried++;
        framing_result_t part;
        framing_check(b, k, 0, MAX_BODY, &part);
        if (part.verdict != FRAMING_REFUSE) continue;
        FUZZ_CHECK(full.verdict == FRAMING_REFUSE && full.status == part.status &&
                       strcmp(full.message, part.message) == 0,
                   "the first %zu bytes are refused %d '%s' but all %zu give verdict %d "
                   "(%d '%s')", k, part.status, part.message, size, full.verdict, full.status,
                   full.message ? full.message : "");
    }
    /* No more bytes coming (the peer half-closed, the window is full): a refusal stays one. */
    framing_result_t fin;
    framing_check(b, size, 1, MAX_BODY, &fin);
    if (full.verdict == FRAMING_REFUSE)
        FUZZ_CHECK(fin.verdict == FRAMING_REFUSE && fin.status == full.status,
                   "refused %d, but %d when final", full.status, fin.status);
    return 0;
}
