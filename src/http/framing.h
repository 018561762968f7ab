/* Request framing rules of the HTTP edge, checked on the raw bytes before libmicrohttpd parses
 * them: where one request ends and the next begins must never be a matter of interpretation
 * (RFC 9112 §6.3: request smuggling), and every malformed request gets our own refusal. Pure
 * code: bytes in, a verdict out; no I/O, no libmicrohttpd.
 *
 * Two entry points share one set of header rules: framing_check over the bytes a connection
 * has sent so far (the edge peeks at them before libmicrohttpd gets the socket), and the
 * framing_fields_* accumulator, fed with the header fields libmicrohttpd parsed, for the later
 * requests of a keep-alive connection. */
#ifndef ZEUES_HTTP_FRAMING_H
#define ZEUES_HTTP_FRAMING_H
#include <stddef.h>
#include <stdint.h>

/** Largest request line accepted (414 URI_TOO_LONG above). */
#define FRAMING_MAX_LINE 2048
/** Largest header block, request line included, and most header fields plus query parameters
 *  (431 HEADERS_TOO_LARGE above). libmicrohttpd holds a request in its connection's fixed pool
 *  (8 KB, see CONN_POOL_BYTES in server.c): the block itself, a 64-byte entry per field and
 *  per parameter, then the answer's header block. At these limits about 1 KB stays free for
 *  that, so the library's own refusal (an HTML 431, or a connection closed unanswered) is
 *  never the one a client meets. A browser sends about 15 fields in about 1 KB. */
#define FRAMING_MAX_HEAD 4096
#define FRAMING_MAX_FIELDS 40

enum {
    FRAMING_OK = 0,         /* the first request is complete and well framed */
    FRAMING_NEED_MORE = 1,  /* nothing wrong so far; wait for more bytes */
    FRAMING_REFUSE = 2,     /* answer status/code/message and close the connection */
};

/** A verdict. For FRAMING_REFUSE: status, code (a zerr_t) and a static Spanish message; origin
 *  holds the refused request's Origin value when it was read intact ("" otherwise), so the
 *  refusal can carry the CORS headers the browser needs. */
typedef struct framing_result {
    int verdict;
    int status;
    int code;
    const char *message;
    char origin[256];
} framing_result_t;

/**
 * Checks the requests in buf[0, n): every complete request line and header block, and the
 * chunked bodies as far as they go. A request that is cut off is NEED_MORE while the first
 * request's header block (or its chunked body, within max_body) is incomplete; once the first
 * request is whole, a cut-off later request is OK (libmicrohttpd reads the rest; its fields are
 * checked again with framing_fields_*). final = 1: no more bytes will be looked at (the window
 * is full or the peer stopped sending), so an incomplete first header block is refused or, for
 * a body, accepted as far as seen. max_body is the largest body the server takes (413 above).
 */
void framing_check(const char *buf, size_t n, int final, size_t max_body,
                   framing_result_t *out);

/** The header fields of one request, accumulated one by one (see framing_fields_add). */
typedef struct framing_fields {
    int n_cl, cl_conflict, n_te, te_chunked, n_host, expect, bad;
    size_t n_fields, bytes; /* fields seen, and their size as "name: value\r\n" */
    size_t line_len;        /* the request line with its CRLF, set by the caller */
    uint64_t cl;
    const char *host;
    size_t host_len;
    framing_result_t res; /* the first refusal met, when bad */
} framing_fields_t;

/** Starts a request's field set; line_len: the size of its request line, CRLF included. */
void framing_fields_init(framing_fields_t *f, size_t line_len);
/** Adds one field (name and value as sent, without the colon; value without its surrounding
 *  whitespace). Both borrowed for the life of f. Records the first rule broken. */
void framing_fields_add(framing_fields_t *f, const char *name, size_t nlen, const char *value,
                        size_t vlen);
/**
 * Applies the rules over the whole set: more than FRAMING_MAX_FIELDS fields and query
 * parameters, or a request line and fields over FRAMING_MAX_HEAD (431), Content-Length and Transfer-Encoding together (400),
 * Content-Lengths that differ (400), a transfer coding other than exactly "chunked" (501, 400
 * in HTTP/1.0), HTTP/1.1 without exactly one Host (400), an absolute-form target whose
 * authority is not the Host (400). http11: the request is HTTP/1.1; target as sent.
 * Returns FRAMING_OK or FRAMING_REFUSE (details in out).
 */
int framing_fields_finish(framing_fields_t *f, int http11, const char *target, size_t tlen,
                          framing_result_t *out);

/** Copies the Origin value of the first header block in buf[0, n) into out->origin when it is
 *  intact ("" otherwise): the CORS headers of a refusal that did not parse the request. */
void framing_origin(const char *buf, size_t n, framing_result_t *out);

/** Length of the scheme and authority of an absolute-form target ("http://host:port"), 0 for
 *  any other form. The path starts right after (or is "/" when nothing follows). */
size_t framing_absolute_prefix(const char *target, size_t tlen);

#endif
