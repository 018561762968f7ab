/* A request as handlers see it, and the ways to answer it. Handlers never touch libmicrohttpd:
 * they read req_t fields and call reply_* functions; the server turns the result into bytes. */
#ifndef ZEUES_HTTP_REPLY_H
#define ZEUES_HTTP_REPLY_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "core/access.h"
#include "util/buf.h"

#define REQ_MAX_HEADERS 8

struct sse_hub;
struct list_cache;
struct list_body;

/** What the HTTP side holds beside the application: the live-stream hub and the cache of
 *  rendered lists. Built by `zeues serve`; immutable while the server runs. */
typedef struct http_env {
    app_t *app;
    struct sse_hub *hub;       /* may be NULL (no live streams: 503) */
    struct list_cache *lists;  /* may be NULL (no caching) */
    struct card_cache *cards;  /* may be NULL (every card rendered) */
} http_env_t;

typedef struct req {
    app_t *app;
    const http_env_t *env;
    const char *method;
    const char *path;
    const char *body;      /* NUL-terminated copy of the body, NULL when none */
    size_t body_len;
    char param[256];       /* the {tag} path segment, decoded */
    void *conn;            /* server-private */
    const char *content_type; /* request Content-Type or NULL */
    const char *raw_query;    /* query string as sent (percent-encoded), NULL when none */
    const char *last_event_id;
    int64_t now;           /* unix seconds when the request arrived */
    char device[ACCESS_DEVICE_NAME_MAX + 1]; /* the enrolled device that sent it (set by the
                                                access check), "" when none */
    char supervisor[ACCESS_DEVICE_NAME_MAX + 1]; /* the signed-in supervisor (set by the access
                                                    check), "" when none was needed */
    int64_t device_id;     /* the device's store id, 0 when none */
    int pin_needed;        /* devices+pin: worker_or_reply also checks the worker's PIN */
    /* Response */
    int status;
    buf_t out;
    const char *out_type;
    const char *out_headers[REQ_MAX_HEADERS][2];
    int n_out_headers;
    struct sse_client *stream; /* set by the SSE handler: the response is a live stream */
    struct list_body *cached;  /* set by reply_list_body: the body is sent from it, not from out */
    int cached_gzip;           /* ... in its gzip coding */
    char scratch[512];     /* storage for a computed response header value */
    const char *log_note;  /* short context for the access log line (error code) */
} req_t;

/** Looks up a query parameter (decoded); NULL when absent. Borrowed. */
const char *req_query(req_t *r, const char *name);

/** Looks up a request header (case-insensitive); NULL when absent. Borrowed. */
const char *req_header(req_t *r, const char *name);
/** The address the request speaks for, as text into out ("" when unknown): the key of
 *  per-client throttles. The socket's, or behind a trusted proxy (--trusted-addresses) the
 *  client it names in X-Forwarded-For (core/client_addr.h). */
void req_client(req_t *r, char *out, size_t len);

/** Answers status with the JSON value (takes ownership of v). Returns 0. */
int reply_json(req_t *r, int status, json_t *v);
/** Answers with the single error body of the SPEC:
 *  {"success":false,"error":CODE,"message":msg,"data":data|null,"detail":msg}.
 *  code is a zerr_t; the status comes from the error table. Takes ownership of data. Returns 0. */
int reply_error(req_t *r, int code, json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Same with an explicit status (used for errors whose status depends on the route). */
int reply_error_status(req_t *r, int status, int code, json_t *data, const char *msg);
/** Answers raw bytes with a content type (borrowed static strings). Returns 0. */
int reply_bytes(req_t *r, int status, const char *type, const char *bytes, size_t n);
/** Answers with a cached list body (takes ownership of the reference b): 304 without a body
 *  when If-None-Match names its ETag, else 200 with the gzip coding when Accept-Encoding
 *  allows it (q=0 refuses) and the JSON otherwise; ETag and `Vary: Accept-Encoding` on both.
 *  The server sends the bytes from b itself (no copy) and releases b after the request.
 *  Returns 0. */
int reply_list_body(req_t *r, struct list_body *b);
/** Adds a response header (both strings must outlive the request: static or arena). */
void reply_header(req_t *r, const char *name, const char *value);

#endif
