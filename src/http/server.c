/* libmicrohttpd glue: request bodies, CORS, responses and the access log; routing and the
 * checks before a handler are dispatch.c's, which this file runs on a worker or a runner
 * thread. This file, sse.c and https_redirect.c are the only ones that include microhttpd.h.
 * The listening socket is the edge's (edge.c): libmicrohttpd only gets connections whose first
 * request passed the framing rules, and the fields of every request are checked here before
 * any handler runs.
 * With --tls-cert / --tls-key libmicrohttpd speaks TLS (its GnuTLS build) on the connections
 * the edge hands over unread; every answer then carries Strict-Transport-Security. */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/client_addr.h"
#include "core/errors.h"
#include "http/cors.h"
#include "http/dispatch.h"
#include "http/edge.h"
#include "http/framing.h"
#include "http/header_deadline.h"
#include "http/https_redirect.h"
#include "http/list_cache.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/sse.h"
#include "http/tls_files.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/runner.h"
#include "util/tz.h"

#define LOG_MODULE "http"
/* libmicrohttpd's per-connection pool (request line, headers, a 64-byte entry per header field
 * and query parameter, read and write buffers), which 0.9.75 zeroes whole after every
 * keep-alive request, so all of it stays resident: held connections cost the pool plus about
 * 0.7 KB. 4,096 idle keep-alive connections plus 1,000 streams measured 57 MB with 8 KB, 65 MB
 * with 10 KB, 89 MB with 16 KB (Release). 8 KB holds the largest request the framing rules
 * let through (FRAMING_MAX_HEAD, FRAMING_MAX_FIELDS) and any answer's header block; bodies
 * are read in pieces. */
#define CONN_POOL_BYTES (8 * 1024)
/* Threads that run the handlers of state-changing routes and of reads that wait on Redis (see
 * on_request): as many mutations can wait on Redis and on a group commit's sync at once, so
 * one commit can carry that many.
 * TOMAR->PAUSAR at 64 connections (Release, 16 workers): 32 runners and 64 gave the same
 * rate (1,800-1,960 mut/s), 64 held 12 MB more (each thread keeps a SQLite connection). */
#define OFFLOAD_RUNNERS 32
/* At shutdown, how long the answers of finished state changes may take to go out. */
#define SHUTDOWN_SEND_WAIT_MS 5000

struct server {
    struct MHD_Daemon *d;
    app_t *app;
    const http_env_t *env;
    cors_t cors;
    int port;
    hdl_t *deadlines; /* request-header deadline watchdog */
    edge_t *edge;     /* listening socket, per-address caps, first-request framing */
    sse_watch_t *watch; /* ends live streams whose peer is gone */
    tls_files_t tls; /* the PEM text while the daemon runs (the key wiped on stop) */
    https_redirect_t *redirect; /* the plain-HTTP port answering 308 to HTTPS, or NULL */
    runner_t *offload;   /* runs the handlers of ROUTE_MUTATES and ROUTE_WAITS routes off the
                          * MHD workers */
    int offloaded;       /* such requests not yet completed (atomic) */
    int stopping;        /* server_stop has begun: answers close their connection (atomic) */
};

/* HSTS: a browser that once reached us over HTTPS never tries plain HTTP again for a year. */
#define HSTS_VALUE "max-age=31536000"

static hdl_conn_t *deadline_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? hdl_open(s->deadlines, ci->connect_fd) : NULL;
    } else {
        hdl_close(s->deadlines, *socket_context);
        *socket_context = NULL;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            edge_conn_closed(s->edge, (const struct sockaddr_in *)ci->client_addr);
    }
}

/* The edge hands over a connection whose first request passed the framing rules. */
static int on_handoff(void *ud, int fd, const struct sockaddr_in *addr)
{
    server_t *s = ud;
    return MHD_add_connection(s->d, fd, (const struct sockaddr *)addr, sizeof *addr) == MHD_YES
               ? 0
               : -1;
}

typedef struct conn_ctx {
    req_t req;
    int started;    /* the access handler has seen this request */
    char *raw_uri;  /* the request target as sent (path and query, still percent-encoded) */
    buf_t body;
    int too_large;
    int64_t started_ns;
    int route;      /* index into routes[] once matched, METRICS_UNROUTED before */
    /* A handler that waits (ROUTE_MUTATES, ROUTE_WAITS) runs on a runner thread while its
     * connection is suspended: */
    runner_job_t job;
    int offloaded;  /* the handler ran (or runs) off this worker; resumed = answered */
} conn_ctx_t;

const char *req_query(req_t *r, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)r->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

const char *req_header(req_t *r, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)r->conn, MHD_HEADER_KIND, name);
}

/* Every X-Forwarded-For value of a request joined by ',' in order: a client may send its own
 * header line before the one the proxy adds, and only the end of the list is the proxy's. */
static enum MHD_Result collect_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *value)
{
    (void)kind;
    buf_t *b = cls;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
        if (b->len) buf_putc(b, ',');
        buf_puts(b, value);
    }
    return MHD_YES;
}

void req_client(req_t *r, char *out, size_t len)
{
    struct MHD_Connection *c = r->conn;
    char peer[INET_ADDRSTRLEN] = "";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, peer,
                  sizeof peer);
    buf_t fwd = BUF_INIT;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_forwarded, &fwd);
    client_addr(peer, r->app->cfg->trusted_addresses, fwd.len ? buf_str(&fwd) : NULL, out, len);
    buf_deinit(&fwd);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void add_cors(server_t *s, struct MHD_Connection *c, struct MHD_Response *resp)
{
    const char *origin = header(c, "Origin");
    if (!origin) return;
    MHD_add_response_header(resp, "access-control-allow-credentials", "true");
    if (!cors_allowed(&s->cors, origin)) return;
    if (s->cors.wildcard && !header(c, "Cookie")) {
        MHD_add_response_header(resp, "access-control-allow-origin", "*");
    } else {
        MHD_add_response_header(resp, "access-control-allow-origin", origin);
        MHD_add_response_header(resp, "vary", "Origin");
    }
}

static enum MHD_Result answer_preflight(server_t *s, struct MHD_Connection *c, conn_ctx_t *ctx)
{
    const char *origin = header(c, "Origin");
    const char *acrm = header(c, "Access-Control-Request-Method");
    const char *acrh = header(c, "Access-Control-Request-Headers");
    cors_preflight_t p = cors_preflight(&s->cors, origin, acrm);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(p.body), (void *)p.body,
                                                                MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "content-type", "text/plain; charset=utf-8");
    if (p.allow_origin) MHD_add_response_header(resp, "access-control-allow-origin", origin);
    MHD_add_response_header(resp, "vary", "Origin");
    MHD_add_response_header(resp, "access-control-allow-methods", "GET, POST, OPTIONS");
    MHD_add_response_header(resp, "access-control-max-age", "600");
    MHD_add_response_header(resp, "access-control-allow-credentials", "true");
    if (acrh) MHD_add_response_header(resp, "access-control-allow-headers", acrh);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)p.status, resp);
    MHD_destroy_response(resp);
    ctx->req.status = p.status;
    return ret;
}

static void on_cached_sent(void *cls) { list_body_release(cls); }

/* A cached list body goes out from the shared immutable bytes; the response holds its own
 * reference until libmicrohttpd has sent them. */
static struct MHD_Response *cached_response(req_t *r)
{
    list_body_t *b = r->cached;
    if (r->status != 200) return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
        r->cached_gzip ? b->gz_len : b->json_len, r->cached_gzip ? b->gz : b->json,
        on_cached_sent, list_body_ref(b));
    if (!resp) list_body_release(b);
    return resp;
}

/* Bodies from this size on are handed to libmicrohttpd, smaller ones copied. */
#define OUT_HANDOVER_MIN 4096

static enum MHD_Result send_reply(server_t *s, struct MHD_Connection *c, conn_ctx_t *ctx)
{
    req_t *r = &ctx->req;
    struct MHD_Response *resp = NULL;
    if (r->stream) resp = sse_response(r, s->watch);
    else if (r->cached) resp = cached_response(r);
    if (resp && r->cached && r->out_type) MHD_add_response_header(resp, "content-type", r->out_type);
    if (!resp && r->out.len >= OUT_HANDOVER_MIN) {
        /* A big body is handed over (libmicrohttpd frees it with free()) instead of copied: a
         * batch-status answer is about 60 KB. */
        size_t len = r->out.len;
        resp = MHD_create_response_from_buffer(len, r->out.data, MHD_RESPMEM_MUST_FREE);
        if (resp) (void)buf_take(&r->out);
        if (resp && r->out_type) MHD_add_response_header(resp, "content-type", r->out_type);
    }
    if (!resp) {
        resp = MHD_create_response_from_buffer(r->out.len, r->out.data ? r->out.data : (void *)"",
                                               MHD_RESPMEM_MUST_COPY);
        if (r->out_type) MHD_add_response_header(resp, "content-type", r->out_type);
    }
    for (int i = 0; i < r->n_out_headers; i++)
        MHD_add_response_header(resp, r->out_headers[i][0], r->out_headers[i][1]);
    add_cors(s, c, resp);
    if (s->tls.cert) MHD_add_response_header(resp, "strict-transport-security", HSTS_VALUE);
    /* Shutting down: the tablet's next request goes out on a new connection (to another
     * instance behind the balancer), not on this one. */
    if (__atomic_load_n(&s->stopping, __ATOMIC_RELAXED))
        MHD_add_response_header(resp, "connection", "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Called by MHD with the raw request target before anything else: the context is created here
 * so the handler can see what the client really sent (MHD decodes path and query itself). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    conn_ctx_t *ctx = xcalloc(1, sizeof *ctx);
    ctx->raw_uri = xstrdup(uri ? uri : "");
    ctx->route = METRICS_UNROUTED;
    return ctx;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                               size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    framing_fields_add(cls, key, key_size, value ? value : "", value ? value_size : 0);
    return MHD_YES;
}

/* The framing rules over the fields libmicrohttpd parsed (the edge checked the raw bytes of a
 * connection's first request; this covers the later ones of a keep-alive connection). An
 * absolute-form target for us is routed by its path. Returns 0, or -1 when ctx is answered. */
static int check_framing(struct MHD_Connection *c, conn_ctx_t *ctx, const char *version)
{
    framing_fields_t f;
    framing_result_t res;
    size_t tlen = strlen(ctx->raw_uri);
    /* "METHOD target VERSION\r\n", the request line as libmicrohttpd parsed it. */
    framing_fields_init(&f, strlen(ctx->req.method) + tlen + (version ? strlen(version) : 0) + 4);
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, on_field, &f);
    int http11 = version && strcmp(version, "HTTP/1.1") == 0;
    if (framing_fields_finish(&f, http11, ctx->raw_uri, tlen, &res) != FRAMING_OK) {
        reply_error_status(&ctx->req, res.status, res.code, NULL, res.message);
        reply_header(&ctx->req, "connection", "close");
        return -1;
    }
    if (framing_absolute_prefix(ctx->raw_uri, tlen)) {
        /* libmicrohttpd hands over the whole decoded target (without its query): route its
         * path part. The authority was checked against Host above. */
        const char *p = strstr(ctx->req.path, "://");
        p = p ? p + 3 + strcspn(p + 3, "/") : NULL;
        ctx->req.path = p && *p == '/' ? p : "/";
    }
    return 0;
}

static int has_encoded_nul(const char *raw)
{
    for (const char *p = raw; (p = strchr(p, '%')) != NULL; p++)
        if (p[1] == '0' && p[2] == '0') return 1;
    return 0;
}

/* A runner job: the handler of a suspended connection's state change, then the resume (after
 * which libmicrohttpd calls on_request again, on the connection's worker, to send the answer;
 * its lock orders this thread's writes to ctx before that). */
static void run_offloaded(runner_job_t *job)
{
    conn_ctx_t *ctx = (conn_ctx_t *)((char *)job - offsetof(conn_ctx_t, job));
    dispatch_run(&ctx->req, &routes[ctx->route]);
    MHD_resume_connection((struct MHD_Connection *)ctx->req.conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    server_t *s = cls;
    conn_ctx_t *ctx = *con_cls;
    if (!ctx) *con_cls = ctx = on_uri(NULL, url, c);
    if (!ctx->started) {
        ctx->started = 1;
        hdl_headers_done(s->deadlines, deadline_of(c));
        ctx->started_ns = clock_mono_ns();
        ctx->req.app = s->app;
        ctx->req.env = s->env;
        ctx->req.method = method;
        ctx->req.path = url;
        ctx->req.conn = c;
        ctx->req.now = tz_now();
        ctx->req.content_type = header(c, "Content-Type");
        ctx->req.last_event_id = header(c, "Last-Event-ID");
        const char *q = strchr(ctx->raw_uri, '?');
        ctx->req.raw_query = q ? q + 1 : NULL;
        if (check_framing(c, ctx, version) != 0) return send_reply(s, c, ctx);
        const char *cl = header(c, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > (unsigned long long)s->app->cfg->max_body_bytes)
            ctx->too_large = 1;
        if (strcmp(method, "OPTIONS") == 0 && header(c, "Origin") &&
            header(c, "Access-Control-Request-Method"))
            return answer_preflight(s, c, ctx);
        if (has_encoded_nul(ctx->raw_uri)) {
            /* MHD decodes %00 into a NUL that would silently cut the path or a value short. */
            reply_error(&ctx->req, ZE_BAD_REQUEST, NULL, "La URL contiene un byte nulo (%%00)");
            return send_reply(s, c, ctx);
        }
        if (ctx->too_large) {
            /* Answer at once; MHD closes the connection instead of reading the body. */
            (void)dispatch_route(&ctx->req, 1, &ctx->route); /* always answered there */
            return send_reply(s, c, ctx);
        }
        return MHD_YES;
    }
    if (ctx->offloaded) {
        /* Resumed: the runner thread has answered (nothing is uploaded after the body). */
        return send_reply(s, c, ctx);
    }
    if (ctx->req.status) {
        /* Already answered (preflight or early 413): discard any remaining upload. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (ctx->body.len + *upload_data_size > (size_t)s->app->cfg->max_body_bytes)
            ctx->too_large = 1;
        else buf_append(&ctx->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->body.len) {
        ctx->req.body = ctx->body.data;
        ctx->req.body_len = ctx->body.len;
    }
    const route_t *route = dispatch_route(&ctx->req, ctx->too_large, &ctx->route);
    if (route && (route->flags & (ROUTE_MUTATES | ROUTE_WAITS))) {
        /* A state change waits on Redis and on its commit's sync, a health check on Redis:
         * that wait must not hold this worker, which serves many other connections, so the
         * handler runs on a runner thread and the connection is suspended until it has
         * answered (run_offloaded). */
        ctx->offloaded = 1;
        ctx->job.fn = run_offloaded;
        __atomic_add_fetch(&s->offloaded, 1, __ATOMIC_RELAXED);
        MHD_suspend_connection(c);
        if (runner_submit(s->offload, &ctx->job) != 0) run_offloaded(&ctx->job); /* stopping */
        return MHD_YES;
    }
    if (route) dispatch_run(&ctx->req, route);
    return send_reply(s, c, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_ctx_t *ctx = *con_cls;
    if (!ctx) return;
    server_t *s = cls;
    hdl_request_done(s->deadlines, deadline_of(c));
    if (ctx->offloaded) __atomic_sub_fetch(&s->offloaded, 1, __ATOMIC_RELEASE);
    req_t *r = &ctx->req;
    long long us = (clock_mono_ns() - ctx->started_ns) / 1000;
    if (r->status)
        metrics_request(ctx->route, r->status, us,
                        ctx->route >= 0 && (routes[ctx->route].flags & ROUTE_MUTATES));
    LOG_AT_BUFFERED(LOG_LEVEL_INFO, "%s %s %d %lldus%s%s%s", r->method, r->path, r->status, us,
             r->log_note && r->status >= 400 ? " " : "",
             r->log_note && r->status >= 400 ? r->log_note : "",
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    list_body_release(r->cached);
    buf_deinit(&r->out);
    buf_deinit(&ctx->body);
    free(ctx->raw_uri);
    free(ctx);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0';
    LOG_WARN("libmicrohttpd: %s", msg);
}

/* The library's own connection limit, split evenly over its worker threads. The edge caps
 * connections (--max-connections); the library must never reach its per-worker share,
 * because libmicrohttpd 0.9.75 leaves that worker's cleanup mutex locked when a handed-over
 * connection finds its worker full (new_connection_process_, fixed upstream after 0.9.76):
 * the worker and every stream resumed on it then hang for good. So every worker may hold
 * the whole edge cap. */
static unsigned mhd_connection_limit(const config_t *cfg)
{
    unsigned long long v = ((unsigned long long)cfg->max_connections + 64u) *
                           (unsigned long long)(cfg->threads > 0 ? cfg->threads : 1);
    return v > 0x7fffffffULL ? 0x7fffffffu : (unsigned)v;
}

/* Reads the certificate and key files for MHD_OPTION_HTTPS_MEM_CERT / _KEY (the library keeps
 * pointers to them, so they live as long as the daemon). */
static int tls_load(server_t *s, const config_t *cfg, char *err, size_t errlen)
{
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen, "--tls-cert: this libmicrohttpd is built without TLS");
        return -1;
    }
    return tls_files_load(&s->tls, cfg->tls_cert, cfg->tls_key, err, errlen);
}

server_t *server_start(const http_env_t *env, char *err, size_t errlen)
{
    server_t *s = xcalloc(1, sizeof *s);
    app_t *app = env->app;
    s->app = app;
    s->env = env;
    cors_init(&s->cors, app->cfg->allowed_origins);
    s->deadlines = hdl_start(app->cfg->conn_timeout_seconds * 1000);
    s->watch = sse_watch_start();
    s->offload = runner_new("zeues-offload", OFFLOAD_RUNNERS);
    /* No listening socket of its own: the edge accepts and hands connections over. Its limit
     * is above the edge's so it never refuses one the edge counted (it would not say so). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    /* The TLS options, empty without TLS (the array then ends at once). */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, NULL},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (app->cfg->tls_cert[0]) {
        if (tls_load(s, app->cfg, err, errlen) != 0) goto fail;
        flags |= MHD_USE_TLS;
        tls_opts[0].ptr_value = s->tls.cert;
        tls_opts[1].ptr_value = s->tls.key;
    } else {
        tls_opts[0].option = MHD_OPTION_END;
    }
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)app->cfg->conn_timeout_seconds, MHD_OPTION_CONNECTION_LIMIT,
        mhd_connection_limit(app->cfg), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONN_POOL_BYTES, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, s->tls.cert ? "cannot start the HTTP library with TLS: check that "
                                            "--tls-key is the key of --tls-cert (PEM)"
                                          : "cannot start the HTTP library");
        goto fail;
    }
    edge_cfg_t ec = {
        .bind = app->cfg->bind,
        .port = app->cfg->port,
        .max_connections = app->cfg->max_connections,
        .max_per_address = app->cfg->max_connections_per_address,
        .trusted = app->cfg->trusted_addresses,
        .header_timeout_ms = app->cfg->conn_timeout_seconds * 1000,
        .max_body = (size_t)app->cfg->max_body_bytes,
        .cors = &s->cors,
        .tls = s->tls.cert != NULL,
        .handoff = on_handoff,
        .ud = s,
    };
    /* s->edge is set before the edge thread starts: the connections it hands over read it
     * when they close. */
    s->edge = edge_new(&ec, err, errlen);
    if (!s->edge || edge_run(s->edge, err, errlen) != 0) goto fail;
    s->port = edge_port(s->edge);
    if (app->cfg->https_redirect_port) {
        s->redirect = https_redirect_start(app->cfg->bind, app->cfg->https_redirect_port,
                                           s->port, err, errlen);
        if (!s->redirect) goto fail;
    }
    return s;
fail:
    if (s->edge) edge_stop(s->edge);
    runner_stop(s->offload);
    if (s->d) MHD_stop_daemon(s->d);
    runner_free(s->offload);
    edge_free(s->edge);
    tls_files_free(&s->tls);
    sse_watch_free(s->watch);
    hdl_stop(s->deadlines);
    cors_deinit(&s->cors);
    free(s);
    return NULL;
}

int server_port(const server_t *s) { return s->port; }

void server_stop(server_t *s)
{
    if (!s) return;
    /* Stop accepting first (the edge); MHD_stop_daemon then waits for the pool threads, which finish the
     * requests they are running. Live streams are ended by the SSE hub before this call. */
    __atomic_store_n(&s->stopping, 1, __ATOMIC_RELAXED);
    https_redirect_stop(s->redirect);
    edge_stop(s->edge);
    /* The state changes under way finish and their connections are resumed (libmicrohttpd
     * must not be stopped with a connection suspended); one that arrives from now on runs on
     * its worker (runner_submit refuses it). Then their workers send the answers: the library
     * closes every connection when it stops, also a resumed one whose answer is not out yet,
     * and a change that was made must not lose its 200. */
    runner_stop(s->offload);
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = 2 * 1000 * 1000};
    for (int64_t until = clock_mono_ms() + SHUTDOWN_SEND_WAIT_MS;
         __atomic_load_n(&s->offloaded, __ATOMIC_ACQUIRE) > 0 && clock_mono_ms() < until;)
        nanosleep(&pause, NULL);
    MHD_stop_daemon(s->d);
    runner_free(s->offload);
    edge_free(s->edge);
    tls_files_free(&s->tls);
    sse_watch_free(s->watch);
    hdl_stop(s->deadlines);
    cors_deinit(&s->cors);
    free(s);
}

int server_tls(const server_t *s) { return s->tls.cert != NULL; }
