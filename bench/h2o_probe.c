/* A measuring probe for the HTTP library question of bench/README (is libmicrohttpd 0.9.75 the
 * limit for idle connections and for live-stream fan-out?): the smallest server on Debian 12's
 * libh2o-evloop 2.2.5 that loadgen's idle and sse modes can drive, on one event-loop thread.
 *
 *   GET  any path but the stream     200, a 3.6 KB JSON-looking body (about GET /api/workers)
 *   GET  /api/sse/stream             200 text/event-stream, held open (a ": ok" comment first)
 *   POST /api/occupation/tomar       200 {"success":true}; then one `event: spool_update` frame
 *                                    naming the body's tag_spool is written to every open stream
 *
 * Not part of the server and not built by CMake: bench/h2o_probe.sh builds and runs it with
 * `cc ... $(pkg-config --cflags --libs libh2o-evloop)`. No application work is done, so its
 * figures are a floor for what a server on this library could reach, to be read beside the same
 * loadgen runs against `zeues serve`.
 *
 * Usage: h2o_probe PORT   (prints "listening on http://127.0.0.1:PORT") */
#define _GNU_SOURCE /* memmem */
#define H2O_USE_LIBUV 0 /* the evloop build of the library */
#include <h2o.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static h2o_globalconf_t config;
static h2o_context_t ctx;
static h2o_accept_ctx_t accept_ctx;

typedef struct stream {
    h2o_generator_t gen; /* first: the generator pointer is the stream's */
    h2o_req_t *req;
    int busy;            /* a send is in flight (until proceed) */
    int want;            /* the latest frame is still to be sent */
    struct stream *prev, *next;
} stream_t;

static stream_t *streams;
static int nstreams;
/* Frames live in a ring so that a send in flight keeps its bytes until proceed (events are
 * 50 ms apart in loadgen: far fewer than the ring's size are ever in flight). */
#define RING 256
static char ring[RING][256];
static size_t ring_len[RING];
static unsigned ring_at;

static char body[3626];

static void unlink_stream(stream_t *s)
{
    if (s->prev) s->prev->next = s->next;
    else streams = s->next;
    if (s->next) s->next->prev = s->prev;
    s->prev = s->next = NULL;
    nstreams--;
}

static void send_latest(stream_t *s)
{
    h2o_iovec_t b = h2o_iovec_init(ring[ring_at % RING], ring_len[ring_at % RING]);
    s->busy = 1;
    s->want = 0;
    h2o_send(s->req, &b, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    stream_t *s = (stream_t *)g;
    s->busy = 0;
    if (s->want) send_latest(s);
}

static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    unlink_stream((stream_t *)g);
}

static int on_stream(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    stream_t *s = h2o_mem_alloc_pool(&req->pool, sizeof *s);
    memset(s, 0, sizeof *s);
    s->gen.proceed = on_proceed;
    s->gen.stop = on_stop;
    s->req = req;
    s->next = streams;
    if (streams) streams->prev = s;
    streams = s;
    nstreams++;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    h2o_start_response(req, &s->gen);
    static h2o_iovec_t hello = {": ok\n\n", 6};
    s->busy = 1;
    h2o_send(req, &hello, 1, H2O_SEND_STATE_IN_PROGRESS);
    return 0;
}

static void fan_out(const char *tag, size_t taglen)
{
    unsigned at = ++ring_at % RING;
    int n = snprintf(ring[at], sizeof ring[at],
                     "event: spool_update\ndata: {\"tag_spool\":\"%.*s\"}\n\n", (int)taglen, tag);
    ring_len[at] = n > 0 && (size_t)n < sizeof ring[at] ? (size_t)n : 0;
    for (stream_t *s = streams; s; s = s->next) {
        if (s->busy) s->want = 1;
        else send_latest(s);
    }
}

/* A whole 200 application/json answer from bytes that outlive the request. */
static void reply_json(h2o_req_t *req, const char *bytes, size_t len)
{
    static h2o_generator_t gen = {NULL, NULL};
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_start_response(req, &gen);
    h2o_iovec_t b = h2o_iovec_init(bytes, len);
    h2o_send(req, &b, 1, H2O_SEND_STATE_FINAL);
}

static int on_tomar(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    const char *k = "\"tag_spool\":\"";
    const char *e = req->entity.base;
    size_t n = req->entity.len;
    const char *p = e ? memmem(e, n, k, strlen(k)) : NULL;
    const char *tag = "", *q = NULL;
    if (p) {
        tag = p + strlen(k);
        q = memchr(tag, '"', (size_t)(e + n - tag));
    }
    reply_json(req, "{\"success\":true}", 16);
    fan_out(tag, q ? (size_t)(q - tag) : 0);
    return 0;
}

static int on_get(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    reply_json(req, body, sizeof body);
    return 0;
}

static void route(h2o_hostconf_t *host, const char *path, int (*fn)(h2o_handler_t *, h2o_req_t *))
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
    h2o_handler_t *h = h2o_create_handler(pc, sizeof *h);
    h->on_req = fn;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err) return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock) h2o_accept(&accept_ctx, sock);
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGPIPE, SIG_IGN);
    memset(body, 'x', sizeof body);
    body[0] = '{';
    body[sizeof body - 1] = '}';
    h2o_config_init(&config);
    h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")),
                                                    65535);
    route(host, "/api/sse/stream", on_stream);
    route(host, "/api/occupation/tomar", on_tomar);
    route(host, "/", on_get);
    /* Idle keep-alive connections are held, as by libmicrohttpd's 30 s default. */
    config.http1.req_timeout = 30000;
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_context_init(&ctx, loop, &config);
    accept_ctx.ctx = &ctx;
    accept_ctx.hosts = config.hosts;

    int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0) {
        perror("h2o_probe: bind/listen");
        return 1;
    }
    getsockname(fd, (struct sockaddr *)&a, &al);
    h2o_socket_t *ls = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(ls, on_accept);
    printf("h2o_probe: listening on http://127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    while (h2o_evloop_run(loop, INT32_MAX) == 0) {
    }
    return 0;
}
