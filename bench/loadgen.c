/* loadgen: the stateful load generator of the ZEUES benchmark (wrk cannot keep per-connection
 * state such as "this connection owns these spools and is worker 93").
 *
 * One epoll loop, N keep-alive HTTP/1.1 connections to 127.0.0.1:PORT, per-request latency in a
 * log-linear histogram (0.1 % resolution). Modes:
 *
 *   cycle    each connection owns K distinct spools (from -s FILE) and one worker id (from -w,
 *            round-robin) and alternates POST /api/occupation/tomar and /api/occupation/pausar
 *            with {"tag_spool":T,"worker_id":W,"operacion":"ARM"}. At the deadline a connection
 *            that holds a spool still sends its PAUSAR (not counted) so the plant is left free.
 *   race     every connection hammers the first K spools of -s FILE (random pick per attempt);
 *            TOMAR until it gets a 2xx, then PAUSAR. Expect mostly 409.
 *   get      GET PATH in a loop (used to check the generator's own ceiling).
 *   unions   the v4 union flow: each line of -s FILE is "TAG ID1,ID2,..." (the spool's free
 *            union ids for -o, default ARM). Each connection has one worker and owns one spool
 *            at a time, and alternates POST /api/v4/occupation/iniciar and /finalizar with -u
 *            (default 8) of its ids in "selected_unions" (one cycle = 2 requests). After a 2xx
 *            FINALIZAR those ids are used up; a spool left with fewer than -u (its ARM complete,
 *            or nearly) is replaced by the next line of the file that no connection has had yet
 *            (so is a spool whose INICIAR or FINALIZAR is refused). Lines are handed out on
 *            demand, not split in advance, because the server does not serve all connections
 *            equally fast. When the file runs out before the deadline the measuring window
 *            closes there (secs= is its real length, exhausted=1). Latency is also reported per
 *            route (ini_*, fin_*), cycles per connection as conn_cycles_min/max, and every
 *            FINALIZAR answer is checked for "unions_processed":U (fin_short= counts others).
 *   sse      opens N streams on PATH (default /api/sse/stream), then fires E TOMARs on distinct
 *            spools one at a time and measures, per stream, the delay until the matching
 *            `event: spool_update` frame arrives (a stream that misses it within 2 s counts as
 *            2 s). Prints status=na when the endpoint does not answer 200 text/event-stream.
 *   idle     opens N keep-alive connections, each answered one GET PATH (default /api/health),
 *            and E SSE streams, holds them all idle and reports the server's VmRSS (-R) after
 *            2 s of quiet (rss_kb, hwm_kb); failed= counts connections not answered 200.
 *   startup  -- CMD ARGS...: runs CMD (which must print "listening on http://HOST:PORT"), and
 *            measures exec -> first 200 from GET /api/health, -n times; SIGTERM after each.
 *
 * Closed loop by default (each connection sends its next request as soon as the previous answer
 * arrives). With -r RATE (cycle, race, get) it is open loop: each connection sends on a fixed
 * schedule (RATE req/s in total) and latency counts from when the request was due, so a server
 * stall shows up in the percentiles instead of silently slowing the generator down.
 *
 * Output: one line of key=value pairs on stdout (latencies in milliseconds).
 * With -R PID it also samples /proc/PID/status VmRSS every 100 ms and reports the maximum.
 *
 *   cc -O2 -o loadgen bench/loadgen.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- clock and histogram */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define HSUB 1024
#define HSHIFTS 40
#define HBUCKETS (HSUB + HSHIFTS * HSUB)
typedef struct {
    uint64_t n[HBUCKETS];
    uint64_t count, max;
} hist_t;

static int hidx(uint64_t v)
{
    if (v < HSUB) return (int)v;
    int sh = 63 - __builtin_clzll(v) - 10;
    if (sh >= HSHIFTS) return HBUCKETS - 1;
    return HSUB + sh * HSUB + (int)((v >> sh) - HSUB);
}

static uint64_t hval(int i)
{
    if (i < HSUB) return (uint64_t)i;
    int sh = (i - HSUB) / HSUB;
    uint64_t m = (uint64_t)((i - HSUB) % HSUB + HSUB);
    return (m << sh) + ((1ull << sh) >> 1); /* middle of the bucket */
}

static void hrec(hist_t *h, uint64_t us)
{
    h->n[hidx(us)]++;
    h->count++;
    if (us > h->max) h->max = us;
}

static uint64_t hpct(const hist_t *h, double p)
{
    if (!h->count) return 0;
    uint64_t want = (uint64_t)(p * (double)h->count + 0.999999);
    if (want < 1) want = 1;
    uint64_t cum = 0;
    for (int i = 0; i < HBUCKETS; i++) {
        cum += h->n[i];
        if (cum >= want) return hval(i) > h->max ? h->max : hval(i);
    }
    return h->max;
}

/* ---------------------------------------------------------------- options */

enum mode { M_CYCLE, M_RACE, M_GET, M_SSE, M_STARTUP, M_UNIONS, M_IDLE };
static struct {
    enum mode mode;
    int port, conns, spools_per_conn, events, runs, sel;
    double secs, warmup, rate;
    const char *path, *spool_file, *operacion;
    int64_t workers[1024];
    int nworkers;
    char **spools;
    char **rest; /* what follows the tag on its line (unions: the comma-separated ids) */
    int nspools;
    int rss_pid;
    char **cmd;
} opt = {.mode = M_CYCLE, .conns = 1, .spools_per_conn = 2, .events = 30, .runs = 5,
         .sel = 8, .secs = 5, .warmup = 1, .path = NULL, .operacion = "ARM"};

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(2);
}

static void load_spools(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) die("cannot open spool file");
    char line[4096];
    int cap = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        size_t tl = strcspn(line, " \t");
        char *rest = line + tl + strspn(line + tl, " \t");
        line[tl] = '\0';
        if (!line[0]) continue;
        if (opt.nspools == cap) {
            cap = cap ? cap * 2 : 1024;
            opt.spools = realloc(opt.spools, (size_t)cap * sizeof *opt.spools);
            opt.rest = realloc(opt.rest, (size_t)cap * sizeof *opt.rest);
        }
        opt.rest[opt.nspools] = strdup(rest);
        opt.spools[opt.nspools++] = strdup(line);
    }
    fclose(f);
}

/* unions: the ids of each spool line, split at the commas. */
static char ***uids;
static int *nuids;

static void split_unions(void)
{
    uids = calloc((size_t)opt.nspools, sizeof *uids);
    nuids = calloc((size_t)opt.nspools, sizeof *nuids);
    for (int i = 0; i < opt.nspools; i++) {
        int cap = 0;
        for (char *tok = strtok(opt.rest[i], ","); tok; tok = strtok(NULL, ",")) {
            if (!*tok) continue;
            if (nuids[i] == cap) {
                cap = cap ? cap * 2 : 16;
                uids[i] = realloc(uids[i], (size_t)cap * sizeof *uids[i]);
            }
            uids[i][nuids[i]++] = tok;
        }
    }
}

static void parse_workers(const char *s)
{
    while (*s && opt.nworkers < 1024) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s) break;
        opt.workers[opt.nworkers++] = v;
        s = *end ? end + 1 : end;
    }
}

/* ---------------------------------------------------------------- RSS sampling */

static long rss_max_kb;
static int64_t rss_next_ns;

static long read_status_kb(int pid, const char *key)
{
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0) {
            v = strtol(line + kl, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static void rss_tick(void)
{
    if (!opt.rss_pid) return;
    int64_t t = now_ns();
    if (t < rss_next_ns) return;
    rss_next_ns = t + 100000000;
    long v = read_status_kb(opt.rss_pid, "VmRSS:");
    if (v > rss_max_kb) rss_max_kb = v;
}

/* ---------------------------------------------------------------- HTTP response parser */

enum pstate { P_HEAD, P_BODY, P_EOF_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER,
              P_DONE };
typedef struct {
    enum pstate st;
    char head[8192];
    size_t hlen;
    int status, close, event_stream;
    long long remaining;
    char line[128];
    size_t llen;
} hparse_t;

typedef void (*body_fn)(void *ctx, const char *data, size_t n);

static void hp_reset(hparse_t *p)
{
    p->st = P_HEAD;
    p->hlen = 0;
    p->status = 0;
    p->close = 0;
    p->event_stream = 0;
    p->remaining = 0;
    p->llen = 0;
}

static void hp_headers(hparse_t *p)
{
    p->status = p->hlen > 12 ? atoi(p->head + 9) : 0;
    int chunked = 0;
    long long cl = -1;
    char *s = strstr(p->head, "\r\n");
    while (s && s[2] != '\r') {
        char *h = s + 2;
        char *e = strstr(h, "\r\n");
        if (!e) break;
        if (strncasecmp(h, "content-length:", 15) == 0) cl = atoll(h + 15);
        else if (strncasecmp(h, "transfer-encoding:", 18) == 0)
            chunked = memmem(h, (size_t)(e - h), "chunked", 7) != NULL;
        else if (strncasecmp(h, "connection:", 11) == 0)
            p->close = memmem(h, (size_t)(e - h), "close", 5) != NULL;
        else if (strncasecmp(h, "content-type:", 13) == 0)
            p->event_stream = memmem(h, (size_t)(e - h), "text/event-stream", 17) != NULL;
        s = e;
    }
    if (p->status == 204 || p->status == 304 || (p->status >= 100 && p->status < 200))
        p->st = P_DONE;
    else if (chunked) p->st = P_CHUNK_SIZE;
    else if (cl >= 0) {
        p->remaining = cl;
        p->st = cl ? P_BODY : P_DONE;
    } else p->st = P_EOF_BODY;
}

/* Consumes bytes until one response is complete (st == P_DONE) or data runs out. Returns the
 * number of bytes consumed; -1 on a malformed response. */
static long hp_feed(hparse_t *p, const char *d, size_t n, body_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < n && p->st != P_DONE) {
        switch (p->st) {
        case P_HEAD: {
            size_t old = p->hlen;
            size_t take = n - i;
            if (take > sizeof p->head - 1 - p->hlen) take = sizeof p->head - 1 - p->hlen;
            if (!take) return -1;
            memcpy(p->head + p->hlen, d + i, take);
            p->hlen += take;
            p->head[p->hlen] = '\0';
            size_t from = old > 3 ? old - 3 : 0;
            char *e = memmem(p->head + from, p->hlen - from, "\r\n\r\n", 4);
            if (!e) {
                i += take;
                break;
            }
            size_t hend = (size_t)(e - p->head) + 4;
            i += hend - old;
            p->hlen = hend;
            p->head[hend] = '\0';
            hp_headers(p);
            break;
        }
        case P_BODY:
        case P_CHUNK_DATA: {
            size_t take = n - i;
            if ((long long)take > p->remaining) take = (size_t)p->remaining;
            if (fn) fn(ctx, d + i, take);
            i += take;
            p->remaining -= (long long)take;
            if (!p->remaining) p->st = p->st == P_BODY ? P_DONE : P_CHUNK_CRLF;
            break;
        }
        case P_EOF_BODY:
            if (fn) fn(ctx, d + i, n - i);
            i = n;
            break;
        case P_CHUNK_SIZE:
        case P_CHUNK_CRLF:
        case P_TRAILER: {
            char c = d[i++];
            if (c != '\n') {
                if (p->llen < sizeof p->line - 1) p->line[p->llen++] = c;
                break;
            }
            p->line[p->llen] = '\0';
            size_t len = p->llen;
            p->llen = 0;
            if (len && p->line[len - 1] == '\r') p->line[--len] = '\0';
            if (p->st == P_CHUNK_CRLF) p->st = P_CHUNK_SIZE;
            else if (p->st == P_TRAILER) {
                if (!len) p->st = P_DONE;
            } else {
                char *end;
                long long sz = strtoll(p->line, &end, 16);
                if (end == p->line) return -1;
                if (sz == 0) p->st = P_TRAILER;
                else {
                    p->remaining = sz;
                    p->st = P_CHUNK_DATA;
                }
            }
            break;
        }
        case P_DONE:
            break;
        }
    }
    return (long)i;
}

/* ---------------------------------------------------------------- connections */

enum cstate { C_CONNECTING, C_IDLE, C_WAIT, C_WRITING, C_READING, C_FINISHED };
enum role { R_LOAD, R_STREAM, R_TRIGGER };

typedef struct conn {
    int fd, idx;
    enum cstate st;
    enum role role;
    char req[1024];
    size_t req_len, req_off;
    int64_t t_sent;
    int64_t t_wire; /* when the request really went out (the measuring window uses this) */
    int64_t t_due; /* open loop: when the next request is due (latency counts from here) */
    hparse_t hp;
    /* workload state */
    int phase;      /* 0 = next request is TOMAR (INICIAR), 1 = PAUSAR (FINALIZAR) */
    int own_first;  /* index of the first owned spool */
    int cur;        /* spool being worked (unions: -1 once the connection has none left) */
    int used;       /* unions: ids of the current spool already registered */
    uint64_t cycles; /* unions: its measured 2xx FINALIZARs */
    char body[512]; /* unions: the start of the response body */
    size_t blen;
    int64_t worker;
    int draining;   /* past the deadline: finish a held spool, then stop */
    /* SSE */
    char sline[16384];
    size_t slen;
    char ev[64];
    char *data;
    size_t dlen, dcap;
    int got; /* index of the last trigger this stream received */
    int headers_seen;
} conn_t;

static int ep;
static struct sockaddr_in target;
static conn_t *conns;
static int nconns;

typedef struct {
    hist_t h;
    uint64_t ok, s409, s410, s4xx, s5xx, other, errors, reconnects, bytes;
    uint64_t tomar_ok, pausar_ok;
    /* unions */
    hist_t hi, hf; /* INICIAR, FINALIZAR */
    uint64_t fin_short, completar, skipped, exhausted, spools_started;
    int64_t t_first_exhausted;
} stats_t;
static stats_t st;
static int64_t t_begin, t_measure, t_end;
static unsigned rng = 12345;

static unsigned rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void ep_mod(conn_t *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static int conn_open(conn_t *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = connect(c->fd, (struct sockaddr *)&target, sizeof target);
    if (r != 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->st = C_CONNECTING;
    hp_reset(&c->hp);
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
    return 0;
}

static void conn_close(conn_t *c)
{
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
}

static void build_post(conn_t *c, const char *route, const char *tag, int64_t worker)
{
    char body[512];
    int bl = snprintf(body, sizeof body, "{\"tag_spool\":\"%s\",\"worker_id\":%lld,\"operacion\":\"%s\"}",
                      tag, (long long)worker, opt.operacion);
    c->req_len = (size_t)snprintf(c->req, sizeof c->req,
                                  "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                                  route, bl, body);
}

static void build_post_body(conn_t *c, const char *route, const char *body, int bl)
{
    c->req_len = (size_t)snprintf(c->req, sizeof c->req,
                                  "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                                  route, bl, body);
    if (c->req_len >= sizeof c->req) die("request too long");
}

/* unions: INICIAR (phase 0) or FINALIZAR with the next opt.sel ids (phase 1) of c->cur. */
static void build_union_request(conn_t *c)
{
    const char *tag = opt.spools[c->cur];
    char body[900];
    int bl = snprintf(body, sizeof body,
                      "{\"tag_spool\":\"%s\",\"worker_id\":%lld,\"operacion\":\"%s\"", tag,
                      (long long)c->worker, opt.operacion);
    if (c->phase == 1) {
        bl += snprintf(body + bl, sizeof body - (size_t)bl, ",\"selected_unions\":[");
        for (int j = 0; j < opt.sel; j++)
            bl += snprintf(body + bl, sizeof body - (size_t)bl, "%s\"%s\"", j ? "," : "",
                           uids[c->cur][c->used + j]);
        bl += snprintf(body + bl, sizeof body - (size_t)bl, "]");
    }
    bl += snprintf(body + bl, sizeof body - (size_t)bl, "}");
    if (bl >= (int)sizeof body) die("request body too long");
    build_post_body(c,
                    c->phase == 0 ? "/api/v4/occupation/iniciar" : "/api/v4/occupation/finalizar",
                    body, bl);
}

static void build_get(conn_t *c, const char *path, int stream)
{
    c->req_len = (size_t)snprintf(c->req, sizeof c->req,
                                  "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path,
                                  stream ? "Accept: text/event-stream\r\nCache-Control: no-cache\r\n" : "");
}

static void conn_send(conn_t *c)
{
    c->req_off = 0;
    c->t_sent = c->t_wire = now_ns();
    if (opt.rate > 0 && c->t_due && c->t_due < c->t_sent) c->t_sent = c->t_due;
    hp_reset(&c->hp);
    c->blen = 0;
    ssize_t w = write(c->fd, c->req, c->req_len);
    if (w > 0) c->req_off = (size_t)w;
    if (c->req_off == c->req_len) {
        c->st = C_READING;
        ep_mod(c, EPOLLIN);
    } else {
        c->st = C_WRITING;
        ep_mod(c, EPOLLOUT);
    }
}

/* Prepares and sends the next request of a load connection, or finishes it. */
static void next_request(conn_t *c)
{
    int64_t t = now_ns();
    if (t >= t_end && !c->draining) c->draining = 1;
    switch (opt.mode) {
    case M_CYCLE: {
        if (c->draining && c->phase == 0) {
            c->st = C_FINISHED;
            conn_close(c);
            return;
        }
        const char *tag = opt.spools[c->cur];
        build_post(c, c->phase == 0 ? "/api/occupation/tomar" : "/api/occupation/pausar", tag,
                   c->worker);
        break;
    }
    case M_RACE: {
        if (c->draining && c->phase == 0) {
            c->st = C_FINISHED;
            conn_close(c);
            return;
        }
        if (c->phase == 0) c->cur = (int)(rnd() % (unsigned)opt.spools_per_conn);
        build_post(c, c->phase == 0 ? "/api/occupation/tomar" : "/api/occupation/pausar",
                   opt.spools[c->cur], c->worker);
        break;
    }
    case M_UNIONS:
        if ((c->draining && c->phase == 0) || c->cur < 0) {
            c->st = C_FINISHED;
            conn_close(c);
            return;
        }
        build_union_request(c);
        break;
    case M_GET:
        if (c->draining) {
            c->st = C_FINISHED;
            conn_close(c);
            return;
        }
        build_get(c, opt.path, 0);
        break;
    default:
        return;
    }
    if (opt.rate > 0 && !c->draining) {
        /* Open loop: each connection sends every conns/rate seconds on a fixed schedule; a late
         * response delays the send, not the schedule, and the delay counts as latency. */
        int64_t interval = (int64_t)(1e9 * opt.conns / opt.rate);
        c->t_due = c->t_due ? c->t_due + interval : t + (int64_t)(rnd() % (unsigned)(interval / 1000 + 1)) * 1000;
        if (c->t_due > t) {
            c->st = C_WAIT;
            return;
        }
    }
    conn_send(c);
}

/* Open loop: sends the requests that have come due. */
static void send_due(void)
{
    if (opt.rate <= 0) return;
    int64_t t = now_ns();
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->st != C_WAIT) continue;
        if (t >= c->t_due) conn_send(c);
        else if (t >= t_end) {
            /* Past the deadline: holders pause now (not measured), the others stop. */
            c->draining = 1;
            if (c->phase == 1) conn_send(c);
            else {
                c->st = C_FINISHED;
                conn_close(c);
            }
        }
    }
}

static uint64_t codes[600];

static void count_status(int status, int measured)
{
    if (!measured) return;
    if (status > 0 && status < 600) codes[status]++;
    if (status >= 200 && status < 300) st.ok++;
    else if (status == 409) st.s409++;
    else if (status == 410) st.s410++;
    else if (status >= 400 && status < 500) st.s4xx++;
    else if (status >= 500) st.s5xx++;
    else st.other++;
}

static int next_line; /* unions: the first line no connection has had yet */

/* unions: the connection moves on to the next spool nobody has had, or has none left. */
static void next_union_spool(conn_t *c, int64_t t)
{
    c->used = 0;
    while (next_line < opt.nspools && nuids[next_line] < opt.sel) next_line++;
    c->cur = next_line < opt.nspools ? next_line++ : opt.nspools;
    if (c->cur >= opt.nspools) {
        c->cur = -1;
        if (!c->draining && t < t_end) {
            /* From here on not every connection is loading the server: the measuring window
             * closes now (everyone drains), and secs= says how long it really was. */
            st.exhausted++;
            if (!st.t_first_exhausted) st.t_first_exhausted = t;
            t_end = t;
        }
        return;
    }
    st.spools_started++;
}

static void union_response(conn_t *c, int status, int measured, int64_t t)
{
    int ok = status >= 200 && status < 300;
    if (measured) hrec(c->phase == 0 ? &st.hi : &st.hf, (uint64_t)((t - c->t_sent) / 1000));
    if (c->phase == 0) {
        if (ok) {
            if (measured) st.tomar_ok++;
            c->phase = 1;
        } else {
            if (measured) st.skipped++;
            next_union_spool(c, t);
        }
        return;
    }
    c->phase = 0;
    if (!ok) {
        if (measured) st.skipped++;
        next_union_spool(c, t);
        return;
    }
    c->body[c->blen] = '\0';
    if (measured) {
        st.pausar_ok++;
        c->cycles++;
        const char *u = strstr(c->body, "\"unions_processed\":");
        if (!u || atoi(u + 19) != opt.sel) st.fin_short++;
        if (strstr(c->body, "\"action_taken\":\"COMPLETAR\"")) st.completar++;
    }
    c->used += opt.sel;
    if (nuids[c->cur] - c->used < opt.sel) next_union_spool(c, t);
}

/* A load connection got a whole response. */
static void on_response(conn_t *c)
{
    int64_t t = now_ns();
    int status = c->hp.status;
    int measured = !c->draining && c->t_wire >= t_measure && t <= t_end;
    if (measured) hrec(&st.h, (uint64_t)((t - c->t_sent) / 1000));
    count_status(status, measured);
    int ok = status >= 200 && status < 300;
    if (opt.mode == M_UNIONS) {
        union_response(c, status, measured, t);
    } else if (opt.mode == M_CYCLE) {
        if (c->phase == 0) {
            if (ok) {
                if (measured) st.tomar_ok++;
                c->phase = 1;
            } else {
                c->cur = c->own_first + (c->cur - c->own_first + 1) % opt.spools_per_conn;
            }
        } else {
            if (ok && measured) st.pausar_ok++;
            c->phase = 0;
            c->cur = c->own_first + (c->cur - c->own_first + 1) % opt.spools_per_conn;
        }
    } else if (opt.mode == M_RACE) {
        if (c->phase == 0) {
            if (ok) {
                if (measured) st.tomar_ok++;
                c->phase = 1;
            }
        } else {
            if (ok && measured) st.pausar_ok++;
            c->phase = 0;
        }
    }
    if (c->hp.close) {
        conn_close(c);
        st.reconnects++;
        if (conn_open(c) != 0) {
            st.errors++;
            c->st = C_FINISHED;
        }
        return; /* next request goes out once connected */
    }
    next_request(c);
}

/* ---------------------------------------------------------------- SSE */

static int trig_idx = -1;         /* trigger in flight (stream side) */
static int64_t trig_t0;
static char trig_tag[256];
static int trig_received;
static hist_t *sse_h;

static void sse_event(conn_t *c)
{
    if (trig_idx < 0 || c->got == trig_idx) return;
    if (strcmp(c->ev, "spool_update") != 0) return;
    const char *d = c->data ? c->data : "";
    if (!strstr(d, trig_tag) && strstr(d, "tag_spool")) return; /* another spool's event */
    c->got = trig_idx;
    trig_received++;
    hrec(sse_h, (uint64_t)((now_ns() - trig_t0) / 1000));
}

static void sse_line(conn_t *c, char *line, size_t len)
{
    if (len && line[len - 1] == '\r') line[--len] = '\0';
    if (!len) {
        sse_event(c);
        c->ev[0] = '\0';
        c->dlen = 0;
        if (c->data) c->data[0] = '\0';
        return;
    }
    if (line[0] == ':') return;
    char *colon = strchr(line, ':');
    char *val = colon ? colon + 1 : line + len;
    if (colon) *colon = '\0';
    if (*val == ' ') val++;
    if (strcmp(line, "event") == 0) snprintf(c->ev, sizeof c->ev, "%s", val);
    else if (strcmp(line, "data") == 0) {
        size_t vl = strlen(val);
        if (c->dlen + vl + 2 > c->dcap) {
            c->dcap = (c->dlen + vl + 2) * 2;
            c->data = realloc(c->data, c->dcap);
        }
        if (c->dlen) c->data[c->dlen++] = '\n';
        memcpy(c->data + c->dlen, val, vl);
        c->dlen += vl;
        c->data[c->dlen] = '\0';
    }
}

static void sse_body(void *ctx, const char *d, size_t n)
{
    conn_t *c = ctx;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\n') {
            c->sline[c->slen] = '\0';
            sse_line(c, c->sline, c->slen);
            c->slen = 0;
        } else if (c->slen < sizeof c->sline - 1) {
            c->sline[c->slen++] = d[i];
        }
    }
}

/* ---------------------------------------------------------------- event loop */

/* unions: keeps the start of a load connection's response body. */
static void load_body(void *ctx, const char *d, size_t n)
{
    conn_t *c = ctx;
    size_t room = sizeof c->body - 1 - c->blen;
    if (n > room) n = room;
    memcpy(c->body + c->blen, d, n);
    c->blen += n;
}

static char rbuf[1 << 20];

static void handle_io(conn_t *c, uint32_t events)
{
    if (c->st == C_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err || (events & (EPOLLERR | EPOLLHUP))) {
            st.errors++;
            conn_close(c);
            c->st = C_FINISHED;
            return;
        }
        c->st = C_IDLE;
        if (c->role == R_LOAD) next_request(c);
        else if (c->role == R_STREAM) {
            build_get(c, opt.path, 1);
            conn_send(c);
        } else ep_mod(c, EPOLLIN);
        return;
    }
    if (c->st == C_WRITING && (events & EPOLLOUT)) {
        ssize_t w = write(c->fd, c->req + c->req_off, c->req_len - c->req_off);
        if (w > 0) c->req_off += (size_t)w;
        if (c->req_off == c->req_len) {
            c->st = C_READING;
            ep_mod(c, EPOLLIN);
        }
        return;
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    for (;;) {
        ssize_t r = read(c->fd, rbuf, sizeof rbuf);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            /* closed by the server */
            int was_reading = c->st == C_READING;
            conn_close(c);
            if (c->role == R_LOAD && !c->draining) {
                if (was_reading) st.errors++;
                st.reconnects++;
                if (conn_open(c) != 0) c->st = C_FINISHED;
            } else {
                c->st = C_FINISHED;
            }
            return;
        }
        if (r < 0) return;
        st.bytes += (uint64_t)r;
        size_t off = 0;
        while (off < (size_t)r) {
            if (c->role == R_STREAM) {
                long k = hp_feed(&c->hp, rbuf + off, (size_t)r - off, sse_body, c);
                if (k < 0) {
                    conn_close(c);
                    c->st = C_FINISHED;
                    return;
                }
                if (c->hp.st != P_HEAD) c->headers_seen = 1;
                off += (size_t)k;
                if (c->hp.st == P_DONE) { /* stream ended (or error body) */
                    c->headers_seen = 1;
                    break;
                }
                continue;
            }
            long k = hp_feed(&c->hp, rbuf + off, (size_t)r - off,
                             opt.mode == M_UNIONS ? load_body : NULL, c);
            if (k < 0) {
                st.errors++;
                conn_close(c);
                c->st = C_FINISHED;
                return;
            }
            off += (size_t)k;
            if (c->hp.st != P_DONE) break;
            if (c->role == R_TRIGGER) {
                c->st = C_IDLE;
                break;
            }
            on_response(c);
            if (c->st == C_FINISHED || c->fd < 0) return;
            break; /* one request in flight per connection: nothing else to parse */
        }
        if ((size_t)r < sizeof rbuf) return;
    }
}

static void loop_once(int timeout_ms)
{
    struct epoll_event evs[512];
    int n = epoll_wait(ep, evs, 512, timeout_ms);
    for (int i = 0; i < n; i++) handle_io(evs[i].data.ptr, evs[i].events);
    rss_tick();
}

static double pct_ms(uint64_t us) { return (double)us / 1000.0; }

/* ---------------------------------------------------------------- modes */

static int run_load(void)
{
    nconns = opt.conns;
    conns = calloc((size_t)nconns, sizeof *conns);
    t_begin = now_ns();
    t_measure = t_begin + (int64_t)(opt.warmup * 1e9);
    t_end = t_measure + (int64_t)(opt.secs * 1e9);
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        c->idx = i;
        c->role = R_LOAD;
        c->worker = opt.nworkers ? opt.workers[i % opt.nworkers] : 0;
        if (opt.mode == M_CYCLE) {
            c->own_first = i * opt.spools_per_conn;
            c->cur = c->own_first;
            if (c->own_first + opt.spools_per_conn > opt.nspools)
                die("not enough spools: need conns x spools-per-conn");
        }
        if (opt.mode == M_RACE && opt.spools_per_conn > opt.nspools) die("not enough spools");
        if (opt.mode == M_UNIONS) {
            if (i >= opt.nspools) die("unions: need at least one spool line per connection");
            next_union_spool(c, t_begin);
        }
        if (conn_open(c) != 0) {
            st.errors++;
            c->st = C_FINISHED;
        }
    }
    int64_t hard_end = t_end + 10000000000LL;
    for (;;) {
        int live = 0;
        for (int i = 0; i < nconns; i++) live += conns[i].st != C_FINISHED;
        if (!live || now_ns() > hard_end) break;
        loop_once(opt.rate > 0 ? 1 : 10);
        send_due();
        if (now_ns() >= t_end)
            for (int i = 0; i < nconns; i++)
                if (conns[i].st == C_CONNECTING || conns[i].st == C_IDLE) {
                    conn_close(&conns[i]);
                    conns[i].st = C_FINISHED;
                }
    }
    /* unions: the window ends where the first connection ran out of spools (see below). */
    double secs = (double)(t_end - t_measure) / 1e9;
    if (secs < 0) secs = 0;
    uint64_t total = st.h.count;
    const char *m = opt.mode == M_CYCLE    ? "cycle"
                    : opt.mode == M_RACE   ? "race"
                    : opt.mode == M_UNIONS ? "unions"
                                           : "get";
    printf("mode=%s rate=%.0f conns=%d secs=%.2f requests=%llu rps=%.1f p50_ms=%.3f p90_ms=%.3f "
           "p99_ms=%.3f max_ms=%.3f ok=%llu non2xx=%llu s409=%llu s410=%llu s4xx=%llu "
           "s5xx=%llu errors=%llu reconnects=%llu tomar_ok=%llu pausar_ok=%llu "
           "cycles_per_s=%.1f mbytes=%.1f rss_max_kb=%ld ",
           m, opt.rate, opt.conns, secs, (unsigned long long)total,
           secs > 0 ? (double)total / secs : 0,
           pct_ms(hpct(&st.h, 0.50)), pct_ms(hpct(&st.h, 0.90)), pct_ms(hpct(&st.h, 0.99)),
           pct_ms(st.h.max), (unsigned long long)st.ok,
           (unsigned long long)(st.s409 + st.s410 + st.s4xx + st.s5xx + st.other),
           (unsigned long long)st.s409, (unsigned long long)st.s410, (unsigned long long)st.s4xx,
           (unsigned long long)st.s5xx, (unsigned long long)st.errors,
           (unsigned long long)st.reconnects, (unsigned long long)st.tomar_ok,
           (unsigned long long)st.pausar_ok, secs > 0 ? (double)st.pausar_ok / secs : 0,
           (double)st.bytes / 1e6, rss_max_kb);
    if (opt.mode == M_UNIONS) {
        uint64_t cmin = UINT64_MAX, cmax = 0;
        for (int i = 0; i < nconns; i++) {
            if (conns[i].cycles < cmin) cmin = conns[i].cycles;
            if (conns[i].cycles > cmax) cmax = conns[i].cycles;
        }
        printf("conn_cycles_min=%llu conn_cycles_max=%llu ", (unsigned long long)cmin,
               (unsigned long long)cmax);
        printf("sel=%d iniciar_ok=%llu finalizar_ok=%llu ini_p50_ms=%.3f ini_p99_ms=%.3f "
               "fin_p50_ms=%.3f fin_p90_ms=%.3f fin_p99_ms=%.3f fin_max_ms=%.3f fin_short=%llu "
               "completar=%llu skipped=%llu spools_started=%llu spools_given=%d exhausted=%llu "
               "exhausted_after_s=%.2f ",
               opt.sel, (unsigned long long)st.tomar_ok, (unsigned long long)st.pausar_ok,
               pct_ms(hpct(&st.hi, 0.50)), pct_ms(hpct(&st.hi, 0.99)), pct_ms(hpct(&st.hf, 0.50)),
               pct_ms(hpct(&st.hf, 0.90)), pct_ms(hpct(&st.hf, 0.99)), pct_ms(st.hf.max),
               (unsigned long long)st.fin_short, (unsigned long long)st.completar,
               (unsigned long long)st.skipped, (unsigned long long)st.spools_started, opt.nspools,
               (unsigned long long)st.exhausted,
               st.t_first_exhausted ? (double)(st.t_first_exhausted - t_measure) / 1e9 : -1.0);
    }
    printf("codes=");
    int first = 1;
    for (int i = 0; i < 600; i++)
        if (codes[i]) {
            printf("%s%d:%llu", first ? "" : ",", i, (unsigned long long)codes[i]);
            first = 0;
        }
    printf("%s\n", first ? "none" : "");
    return 0;
}

/* Sends one request on a fresh blocking connection and returns its status (0 on failure). */
static int blocking_request(const char *req, size_t len, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int status = 0;
    if (connect(fd, (struct sockaddr *)&target, sizeof target) == 0 &&
        write(fd, req, len) == (ssize_t)len) {
        hparse_t *p = calloc(1, sizeof *p);
        hp_reset(p);
        char buf[65536];
        while (p->st != P_DONE) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) break;
            if (hp_feed(p, buf, (size_t)r, NULL, NULL) < 0) break;
        }
        if (p->st == P_DONE || p->st == P_EOF_BODY) status = p->status;
        free(p);
    }
    close(fd);
    return status;
}

static int run_sse(void)
{
    nconns = opt.conns + 1;
    conns = calloc((size_t)nconns, sizeof *conns);
    sse_h = calloc(1, sizeof *sse_h);
    if (opt.nspools < opt.events) die("sse: need at least -e spools");
    if (!opt.nworkers) die("sse: need a worker (-w)");
    for (int i = 0; i < opt.conns; i++) {
        conns[i].idx = i;
        conns[i].role = R_STREAM;
        conns[i].got = -1;
        if (conn_open(&conns[i]) != 0) {
            conns[i].st = C_FINISHED;
            st.errors++;
        }
        if (i % 64 == 63) loop_once(0); /* let the accept queue drain */
    }
    /* Wait until every stream has its response head (or 5 s). */
    int64_t deadline = now_ns() + 5000000000LL;
    int open = 0, bad = 0, first_bad = 0;
    while (now_ns() < deadline) {
        loop_once(10);
        int pending = 0;
        for (int i = 0; i < opt.conns; i++)
            if (!conns[i].headers_seen && conns[i].st != C_FINISHED) pending++;
        if (!pending) break;
    }
    for (int i = 0; i < opt.conns; i++) {
        conn_t *c = &conns[i];
        if (c->headers_seen && c->hp.status == 200 && c->hp.event_stream && c->hp.st != P_DONE &&
            c->st != C_FINISHED)
            open++;
        else {
            bad++;
            if (!first_bad) first_bad = c->headers_seen ? c->hp.status : -1;
        }
    }
    rss_next_ns = 0;
    rss_tick();
    if (open == 0 || bad > opt.conns / 100) {
        printf("mode=sse status=na streams=%d open=%d failed=%d first_status=%d rss_max_kb=%ld\n",
               opt.conns, open, bad, first_bad, rss_max_kb);
        return 0;
    }
    /* The trigger connection. */
    conn_t *tc = &conns[opt.conns];
    tc->role = R_TRIGGER;
    if (conn_open(tc) != 0) die("sse: trigger connection failed");
    while (tc->st == C_CONNECTING) loop_once(10);
    const int64_t miss_ns = 2000000000LL;
    uint64_t missed = 0, trig_fail = 0;
    for (int e = 0; e < opt.events; e++) {
        int64_t gap_end = now_ns() + 50000000; /* 50 ms between events */
        while (now_ns() < gap_end) loop_once(5);
        snprintf(trig_tag, sizeof trig_tag, "\"%s\"", opt.spools[e]);
        trig_received = 0;
        trig_idx = e;
        build_post(tc, "/api/occupation/tomar", opt.spools[e], opt.workers[e % opt.nworkers]);
        trig_t0 = now_ns();
        conn_send(tc);
        int64_t until = trig_t0 + miss_ns;
        while (trig_received < open && now_ns() < until) loop_once(5);
        while (tc->st == C_READING || tc->st == C_WRITING) loop_once(5);
        if (tc->hp.status < 200 || tc->hp.status >= 300) trig_fail++;
        if (trig_received < open) {
            for (int k = trig_received; k < open; k++) hrec(sse_h, (uint64_t)(miss_ns / 1000));
            missed += (uint64_t)(open - trig_received);
        }
        trig_idx = -1;
    }
    long rss = rss_max_kb;
    for (int i = 0; i < nconns; i++) conn_close(&conns[i]);
    /* Leave the plant as we found it: pause what the triggers took. */
    for (int e = 0; e < opt.events; e++) {
        conn_t tmp;
        build_post(&tmp, "/api/occupation/pausar", opt.spools[e], opt.workers[e % opt.nworkers]);
        blocking_request(tmp.req, tmp.req_len, 2000);
    }
    printf("mode=sse status=ok streams=%d open=%d events=%d deliveries=%llu missed=%llu "
           "trigger_fail=%llu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f rss_max_kb=%ld\n",
           opt.conns, open, opt.events, (unsigned long long)sse_h->count,
           (unsigned long long)missed, (unsigned long long)trig_fail,
           pct_ms(hpct(sse_h, 0.50)), pct_ms(hpct(sse_h, 0.90)), pct_ms(hpct(sse_h, 0.99)),
           pct_ms(sse_h->max), rss);
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run_startup(void)
{
    if (!opt.cmd || !opt.cmd[0]) die("startup: give the command after --");
    double ms[64];
    int runs = opt.runs > 64 ? 64 : opt.runs, done = 0;
    for (int r = 0; r < runs; r++) {
        int pfd[2];
        if (pipe(pfd) != 0) die("pipe");
        int64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid == 0) {
            dup2(pfd[1], 1);
            int dn = open("/dev/null", O_WRONLY);
            if (dn >= 0) dup2(dn, 2);
            close(pfd[0]);
            close(pfd[1]);
            execvp(opt.cmd[0], opt.cmd);
            _exit(127);
        }
        close(pfd[1]);
        /* Read stdout until the "listening on http://HOST:PORT" line. */
        char out[4096];
        size_t ol = 0;
        int port = 0;
        while (ol < sizeof out - 1) {
            ssize_t k = read(pfd[0], out + ol, sizeof out - 1 - ol);
            if (k <= 0) break;
            ol += (size_t)k;
            out[ol] = '\0';
            char *l = strstr(out, "listening on http://");
            if (l) {
                char *nl = strchr(l, '\n');
                char *colon = strchr(l + 20, ':');
                if (colon && nl && colon < nl) {
                    port = atoi(colon + 1);
                    break;
                }
            }
        }
        target.sin_port = htons((uint16_t)port);
        static const char health[] = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        double elapsed = -1;
        int64_t give_up = t0 + 10000000000LL;
        while (port && now_ns() < give_up) {
            if (blocking_request(health, sizeof health - 1, 2000) == 200) {
                elapsed = (double)(now_ns() - t0) / 1e6;
                break;
            }
            usleep(500);
        }
        kill(pid, SIGTERM);
        int wst;
        waitpid(pid, &wst, 0);
        close(pfd[0]);
        if (elapsed < 0) {
            fprintf(stderr, "loadgen: startup run %d failed (port %d)\n", r + 1, port);
            continue;
        }
        ms[done++] = elapsed;
    }
    if (!done) {
        printf("mode=startup status=fail runs=%d\n", runs);
        return 1;
    }
    double first = ms[0];
    qsort(ms, (size_t)done, sizeof ms[0], cmp_d);
    printf("mode=startup status=ok runs=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f first_ms=%.1f\n",
           done, ms[done / 2], ms[0], ms[done - 1], first);
    return 0;
}

/* ---------------------------------------------------------------- idle: what holding costs */

/* One blocking loopback connection with a receive timeout; -1 on failure. */
static int idle_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&target, sizeof target) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads one response head (and, with a Content-Length, its body); returns the status or -1. */
static int idle_read_response(int fd, int want_body)
{
    char buf[16384];
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n == sizeof buf - 1) return -1;
        ssize_t r = recv(fd, buf + n, sizeof buf - 1 - n, 0);
        if (r <= 0) return -1;
        n += (size_t)r;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    if (!want_body) return status;
    const char *cl = strcasestr(buf, "\r\ncontent-length:");
    long long left = cl ? atoll(cl + 17) : 0;
    left -= (long long)(n - (size_t)(end + 4 - buf));
    while (left > 0) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0) return -1;
        left -= r;
    }
    return status;
}

/* -c keep-alive connections, each after one answered GET -P (default /api/health), plus -e
 * open SSE streams, all held idle; then the server's VmRSS (-R) after 2 s of quiet. */
static int run_idle(void)
{
    const char *path = strcmp(opt.path, "/") == 0 ? "/api/health" : opt.path;
    int total = opt.conns + opt.events, *fds = calloc((size_t)total, sizeof *fds);
    int answered = 0, streams = 0, failed = 0;
    char req[512];
    for (int i = 0; i < total; i++) {
        int stream = i >= opt.conns;
        int fd = idle_connect();
        fds[i] = fd;
        if (fd < 0) {
            failed++;
            continue;
        }
        int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\n",
                           stream ? "/api/sse/stream" : path,
                           stream ? "Accept: text/event-stream\r\n" : "");
        if (send(fd, req, (size_t)len, 0) != len || idle_read_response(fd, !stream) != 200) {
            failed++;
            continue;
        }
        if (stream) streams++;
        else answered++;
    }
    struct timespec q = {2, 0};
    nanosleep(&q, NULL);
    long rss = opt.rss_pid ? read_status_kb(opt.rss_pid, "VmRSS:") : -1;
    long hwm = opt.rss_pid ? read_status_kb(opt.rss_pid, "VmHWM:") : -1;
    printf("mode=idle status=%s conns=%d answered=%d streams_wanted=%d streams=%d failed=%d "
           "rss_kb=%ld hwm_kb=%ld\n", failed ? "partial" : "ok", opt.conns, answered, opt.events,
           streams, failed, rss, hwm);
    for (int i = 0; i < total; i++)
        if (fds[i] >= 0) close(fds[i]);
    free(fds);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen -m cycle|race|get|unions|sse|idle|startup -p PORT [-c CONNS] [-d SECS]\n"
            "               [-W WARMUP] [-s SPOOLFILE] [-k SPOOLS_PER_CONN] [-w W1,W2,...]\n"
            "               [-P PATH] [-o OPERACION] [-u UNIONS_PER_FINALIZAR (unions)]\n"
            "               [-e EVENTS] [-n RUNS] [-R SERVER_PID] [-r RATE (open loop, req/s)]\n"
            "               [-- CMD ARGS... (startup)]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int o;
    while ((o = getopt(argc, argv, "m:p:c:d:W:s:k:w:P:e:n:R:o:r:u:")) != -1) {
        switch (o) {
        case 'm':
            if (!strcmp(optarg, "cycle")) opt.mode = M_CYCLE;
            else if (!strcmp(optarg, "race")) opt.mode = M_RACE;
            else if (!strcmp(optarg, "get")) opt.mode = M_GET;
            else if (!strcmp(optarg, "sse")) opt.mode = M_SSE;
            else if (!strcmp(optarg, "startup")) opt.mode = M_STARTUP;
            else if (!strcmp(optarg, "unions")) opt.mode = M_UNIONS;
            else if (!strcmp(optarg, "idle")) opt.mode = M_IDLE;
            else usage();
            break;
        case 'p': opt.port = atoi(optarg); break;
        case 'c': opt.conns = atoi(optarg); break;
        case 'd': opt.secs = atof(optarg); break;
        case 'W': opt.warmup = atof(optarg); break;
        case 's': opt.spool_file = optarg; break;
        case 'k': opt.spools_per_conn = atoi(optarg); break;
        case 'w': parse_workers(optarg); break;
        case 'P': opt.path = optarg; break;
        case 'e': opt.events = atoi(optarg); break;
        case 'n': opt.runs = atoi(optarg); break;
        case 'r': opt.rate = atof(optarg); break;
        case 'R': opt.rss_pid = atoi(optarg); break;
        case 'o': opt.operacion = optarg; break;
        case 'u': opt.sel = atoi(optarg); break;
        default: usage();
        }
    }
    if (optind < argc) opt.cmd = argv + optind;
    signal(SIGPIPE, SIG_IGN);
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_port = htons((uint16_t)opt.port);
    if (!opt.path) opt.path = opt.mode == M_SSE ? "/api/sse/stream" : "/";
    if (opt.mode == M_STARTUP) return run_startup();
    if (!opt.port) usage();
    if (opt.conns < 1 || opt.spools_per_conn < 1 || opt.sel < 1 || opt.secs <= 0) usage();
    if (opt.spool_file) load_spools(opt.spool_file);
    if ((opt.mode == M_CYCLE || opt.mode == M_RACE || opt.mode == M_UNIONS) &&
        (!opt.nspools || !opt.nworkers))
        die("cycle/race/unions need -s SPOOLFILE and -w WORKERS");
    if (opt.mode == M_UNIONS) split_unions();
    if (opt.mode == M_IDLE) return run_idle();
    ep = epoll_create1(0);
    rss_next_ns = 0;
    rss_tick();
    if (opt.mode == M_SSE) return run_sse();
    return run_load();
}
