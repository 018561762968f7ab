/* The HTTP edge: accept, per-address fairness, framing checks before the library (see edge.h). */
#include "http/edge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/client_addr.h"
#include "core/errors.h"
#include "http/framing.h"
#include "http/reply.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

#define LOG_MODULE "http"

/* How much of a first request is looked at: its whole header block and the start of a chunked
 * body. Small enough that the kernel always buffers it (a peek cannot see further). */
#define EDGE_WINDOW (FRAMING_MAX_HEAD + 8192)
#define EDGE_BUCKETS 4096
#define EDGE_RETRY_AFTER 5 /* seconds, in the Retry-After of a connection refusal */

/* A connection still held by the edge, in arrival (hence deadline) order. */
typedef struct pend {
    int fd;
    struct sockaddr_in addr;
    int64_t deadline_ms;
    struct pend *prev, *next;
} pend_t;

/* Open connections of one client address (held here or handed over). */
typedef struct addr_count {
    uint32_t addr;
    int n;
    struct addr_count *next;
} addr_count_t;

struct edge {
    edge_cfg_t cfg;
    int lfd, ep, wake_fd, port;
    pthread_t thread;
    int running;
    pend_t *head, *tail; /* edge thread only */
    size_t n_pending;
    char *window;        /* EDGE_WINDOW bytes, edge thread only */
    int64_t accept_paused_until;
    pthread_mutex_t mu;  /* guards counts and total */
    addr_count_t *counts[EDGE_BUCKETS];
    int total;
    long long handed_over; /* connections given to the library so far */
    uint32_t trusted[CLIENT_TRUSTED_MAX]; /* network order, as in sin_addr */
    int n_trusted;
    /* Refusal log budget (edge thread): at most a few lines per second, then a summary. */
    int64_t log_second;
    int log_lines, log_dropped;
};

/* ------------------------------------------------------------------------------------------ */
/* Refusal responses                                                                           */
/* ------------------------------------------------------------------------------------------ */

static const char *reason_of(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

void edge_refusal(buf_t *out, int status, int code, const char *msg, const char *origin,
                  const cors_t *cors, int retry_after)
{
    /* The body comes from the one function that builds error bodies. */
    req_t r;
    memset(&r, 0, sizeof r);
    reply_error_status(&r, status, code, NULL, msg);
    buf_printf(out,
               "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n"
               "connection: close\r\ncache-control: no-store\r\n",
               status, reason_of(status), r.out.len);
    if (status == 503 && retry_after > 0) buf_printf(out, "retry-after: %d\r\n", retry_after);
    if (origin && *origin) {
        buf_puts(out, "access-control-allow-credentials: true\r\n");
        if (cors && cors_allowed(cors, origin))
            buf_printf(out, "access-control-allow-origin: %s\r\nvary: Origin\r\n", origin);
    }
    buf_puts(out, "\r\n");
    if (r.out.len) buf_append(out, r.out.data, r.out.len);
    buf_deinit(&r.out);
}

/* ------------------------------------------------------------------------------------------ */
/* Connection counts                                                                           */
/* ------------------------------------------------------------------------------------------ */

static unsigned bucket_of(uint32_t addr)
{
    return (unsigned)((addr * 2654435761u) >> 20) % EDGE_BUCKETS;
}

/* Counts a new connection from addr; 0, or -1 (nothing counted) when the total or the
 * address's cap is reached (*per_address says which). */
static int count_in(edge_t *e, uint32_t addr, int *per_address)
{
    int rc = 0;
    *per_address = 0;
    pthread_mutex_lock(&e->mu);
    if (client_addr_listed(e->trusted, e->n_trusted, addr)) {
        /* Counted in the total only: a local reverse proxy speaks for every client. */
        if (e->total >= e->cfg.max_connections) rc = -1;
        else e->total++;
        pthread_mutex_unlock(&e->mu);
        return rc;
    }
    addr_count_t **pp = &e->counts[bucket_of(addr)], *a = *pp;
    while (a && a->addr != addr) a = a->next;
    *per_address = a && a->n >= e->cfg.max_per_address;
    if (e->total >= e->cfg.max_connections || *per_address) {
        rc = -1;
    } else {
        if (!a) {
            a = xcalloc(1, sizeof *a);
            a->addr = addr;
            a->next = *pp;
            *pp = a;
        }
        a->n++;
        e->total++;
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static void count_out(edge_t *e, uint32_t addr)
{
    pthread_mutex_lock(&e->mu);
    addr_count_t **pp = &e->counts[bucket_of(addr)];
    while (*pp && (*pp)->addr != addr) pp = &(*pp)->next;
    if (client_addr_listed(e->trusted, e->n_trusted, addr)) {
        e->total--;
    } else if (*pp) {
        addr_count_t *a = *pp;
        e->total--;
        if (--a->n == 0) {
            *pp = a->next;
            free(a);
        }
    }
    pthread_mutex_unlock(&e->mu);
}

void edge_conn_closed(edge_t *e, const struct sockaddr_in *addr)
{
    if (e && addr) count_out(e, addr->sin_addr.s_addr);
}

/* ------------------------------------------------------------------------------------------ */
/* The edge thread                                                                             */
/* ------------------------------------------------------------------------------------------ */

static void log_refusal(edge_t *e, const struct sockaddr_in *a, int status, const char *why)
{
    int64_t sec = clock_mono_ms() / 1000;
    if (sec != e->log_second) {
        if (e->log_dropped)
            LOG_WARN("edge: %d more refusal(s) not logged in the last second", e->log_dropped);
        e->log_second = sec;
        e->log_lines = e->log_dropped = 0;
    }
    if (e->log_lines++ >= 5) {
        e->log_dropped++;
        return;
    }
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    LOG_INFO("edge: refused %s: %d %s", ip, status, why);
}

/* Answers a refusal on fd and closes it. The bytes already received are consumed first, so
 * closing does not turn into a reset that could destroy the answer before it is read. */
static void answer_and_close(edge_t *e, int fd, int status, int code, const char *msg,
                             const char *origin, int retry_after)
{
    buf_t out = BUF_INIT;
    edge_refusal(&out, status, code, msg, origin, e->cfg.cors, retry_after);
    /* Bounded: a client that keeps sending must not keep this thread busy. */
    for (int i = 0; i < 4 && recv(fd, e->window, EDGE_WINDOW, MSG_DONTWAIT) > 0; i++) {}
    (void)send(fd, out.data, out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 4 && recv(fd, e->window, EDGE_WINDOW, MSG_DONTWAIT) > 0; i++) {}
    close(fd);
    buf_deinit(&out);
}

static void unlink_pend(edge_t *e, pend_t *p)
{
    if (p->prev) p->prev->next = p->next;
    else e->head = p->next;
    if (p->next) p->next->prev = p->prev;
    else e->tail = p->prev;
    e->n_pending--;
}

/* The connection leaves the edge: closed here (counts released) or handed over. */
static void drop_pend(edge_t *e, pend_t *p, int closed_here)
{
    epoll_ctl(e->ep, EPOLL_CTL_DEL, p->fd, NULL);
    unlink_pend(e, p);
    if (closed_here) count_out(e, p->addr.sin_addr.s_addr);
    free(p);
}

/* Looks at what p has sent. Returns 1 when p left the edge (handed over or closed). */
static int examine(edge_t *e, pend_t *p, int hup)
{
    ssize_t n = recv(p->fd, e->window, EDGE_WINDOW, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(p->fd); /* gone before sending a request */
        drop_pend(e, p, 1);
        return 1;
    }
    if (n < 0) {
        if (!hup) return 0;
        close(p->fd);
        drop_pend(e, p, 1);
        return 1;
    }
    framing_result_t v;
    framing_check(e->window, (size_t)n, hup || n >= EDGE_WINDOW, e->cfg.max_body, &v);
    if (v.verdict == FRAMING_NEED_MORE) {
        if (!hup) return 0;
        close(p->fd); /* half a request, then silence for ever */
        drop_pend(e, p, 1);
        return 1;
    }
    if (v.verdict == FRAMING_REFUSE) {
        log_refusal(e, &p->addr, v.status, v.message);
        answer_and_close(e, p->fd, v.status, v.code, v.message, v.origin, 0);
        drop_pend(e, p, 1);
        return 1;
    }
    int fd = p->fd;
    struct sockaddr_in addr = p->addr;
    drop_pend(e, p, 0);
    /* Taken after our last use of fd and before the library gets it; the library reports the
     * close (edge_conn_closed takes the same mutex) before it closes fd, so our reads are
     * ordered before its close for every thread and for ThreadSanitizer. */
    pthread_mutex_lock(&e->mu);
    e->handed_over++;
    pthread_mutex_unlock(&e->mu);
    if (e->cfg.handoff(e->cfg.ud, fd, &addr) != 0) count_out(e, addr.sin_addr.s_addr);
    return 1;
}

/* A new connection: refused at once when over a cap, else looked at (its request has often
 * arrived with the handshake) and, when incomplete, watched. */
static void admit(edge_t *e, int fd, const struct sockaddr_in *addr)
{
    int per_address = 0;
    if (e->cfg.tls) {
        if (count_in(e, addr->sin_addr.s_addr, &per_address) != 0) {
            log_refusal(e, addr, 503, per_address ? "connections per address (TLS: closed)"
                                                  : "connections (TLS: closed)");
            close(fd);
            return;
        }
        pthread_mutex_lock(&e->mu);
        e->handed_over++;
        pthread_mutex_unlock(&e->mu);
        if (e->cfg.handoff(e->cfg.ud, fd, addr) != 0) count_out(e, addr->sin_addr.s_addr);
        return;
    }
    if (count_in(e, addr->sin_addr.s_addr, &per_address) != 0) {
        char origin[256] = "";
        ssize_t n = recv(fd, e->window, EDGE_WINDOW, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0) {
            framing_result_t v;
            framing_origin(e->window, (size_t)n, &v);
            snprintf(origin, sizeof origin, "%s", v.origin);
        }
        const char *msg = per_address
                              ? "Demasiadas conexiones desde esta dirección; intenta nuevamente "
                                "en unos segundos"
                              : "El servidor tiene todas sus conexiones ocupadas; intenta "
                                "nuevamente en unos segundos";
        log_refusal(e, addr, 503, per_address ? "connections per address" : "connections");
        answer_and_close(e, fd, 503, ZE_TOO_MANY_CONNECTIONS, msg, origin, EDGE_RETRY_AFTER);
        return;
    }
    pend_t *p = xcalloc(1, sizeof *p);
    p->fd = fd;
    p->addr = *addr;
    p->deadline_ms = clock_mono_ms() + e->cfg.header_timeout_ms;
    p->prev = e->tail;
    if (e->tail) e->tail->next = p;
    else e->head = p;
    e->tail = p;
    e->n_pending++;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = p};
    if (epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        drop_pend(e, p, 1);
        return;
    }
    examine(e, p, 0);
}

static void accept_all(edge_t *e)
{
    for (;;) {
        struct sockaddr_in addr;
        socklen_t len = sizeof addr;
        int fd = accept4(e->lfd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of descriptors: stop accepting for a moment instead of spinning. */
                struct epoll_event ev = {.events = 0, .data.ptr = &e->lfd};
                epoll_ctl(e->ep, EPOLL_CTL_MOD, e->lfd, &ev);
                e->accept_paused_until = clock_mono_ms() + 100;
                LOG_WARN("edge: accept: %s; pausing 100 ms", strerror(errno));
            }
            return;
        }
        admit(e, fd, &addr);
    }
}

static void *edge_main(void *arg)
{
    edge_t *e = arg;
    struct epoll_event evs[64];
    for (;;) {
        int64_t now = clock_mono_ms();
        int timeout = 1000;
        if (e->head && e->head->deadline_ms - now < timeout)
            timeout = (int)(e->head->deadline_ms - now);
        if (e->accept_paused_until && e->accept_paused_until - now < timeout)
            timeout = (int)(e->accept_paused_until - now);
        if (timeout < 0) timeout = 0;
        int n = epoll_wait(e->ep, evs, 64, timeout);
        for (int i = 0; i < n; i++) {
            void *ptr = evs[i].data.ptr;
            if (ptr == &e->wake_fd) return NULL;
            if (ptr == &e->lfd) {
                accept_all(e);
                continue;
            }
            examine(e, ptr, (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
        }
        now = clock_mono_ms();
        if (e->accept_paused_until && now >= e->accept_paused_until) {
            e->accept_paused_until = 0;
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &e->lfd};
            epoll_ctl(e->ep, EPOLL_CTL_MOD, e->lfd, &ev);
        }
        int cut = 0;
        while (e->head && now >= e->head->deadline_ms) {
            pend_t *p = e->head;
            close(p->fd);
            drop_pend(e, p, 1);
            cut++;
        }
        if (cut) LOG_WARN("cut %d connection(s) whose request headers did not arrive in %d ms",
                          cut, e->cfg.header_timeout_ms);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Lifecycle                                                                                   */
/* ------------------------------------------------------------------------------------------ */

edge_t *edge_new(const edge_cfg_t *cfg, char *err, size_t errlen)
{
    edge_t *e = xcalloc(1, sizeof *e);
    e->cfg = *cfg;
    e->lfd = e->ep = e->wake_fd = -1;
    pthread_mutex_init(&e->mu, NULL);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->bind, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "ZEUES_BIND: '%s' is not an IPv4 address", cfg->bind);
        goto fail;
    }
    char bad[INET_ADDRSTRLEN + 8];
    e->n_trusted = client_addr_list(cfg->trusted, e->trusted, bad, sizeof bad);
    if (e->n_trusted < 0) {
        snprintf(err, errlen, "ZEUES_TRUSTED_ADDRESSES: '%s' is not an IPv4 address (at most %d)",
                 bad, CLIENT_TRUSTED_MAX);
        goto fail;
    }
    e->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (e->lfd < 0 || setsockopt(e->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(e->lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(e->lfd, 1024) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d (%s)", cfg->bind, cfg->port,
                 strerror(errno));
        goto fail;
    }
    socklen_t len = sizeof addr;
    getsockname(e->lfd, (struct sockaddr *)&addr, &len);
    e->port = ntohs(addr.sin_port);
    e->window = xmalloc(EDGE_WINDOW);
    e->ep = epoll_create1(EPOLL_CLOEXEC);
    e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &e->lfd};
    struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &e->wake_fd};
    if (e->ep < 0 || e->wake_fd < 0 || epoll_ctl(e->ep, EPOLL_CTL_ADD, e->lfd, &lev) != 0 ||
        epoll_ctl(e->ep, EPOLL_CTL_ADD, e->wake_fd, &wev) != 0) {
        snprintf(err, errlen, "edge: epoll: %s", strerror(errno));
        goto fail;
    }
    return e;
fail:
    edge_free(e);
    return NULL;
}

int edge_run(edge_t *e, char *err, size_t errlen)
{
    if (thread_start(&e->thread, "zeues-edge", edge_main, e) != 0) {
        snprintf(err, errlen, "edge: cannot start its thread");
        return -1;
    }
    e->running = 1;
    return 0;
}

int edge_port(const edge_t *e) { return e->port; }

void edge_stop(edge_t *e)
{
    if (!e || !e->running) return;
    uint64_t one = 1;
    (void)!write(e->wake_fd, &one, sizeof one);
    pthread_join(e->thread, NULL);
    e->running = 0;
    close(e->lfd);
    e->lfd = -1;
    while (e->head) {
        pend_t *p = e->head;
        close(p->fd);
        drop_pend(e, p, 1);
    }
}

void edge_free(edge_t *e)
{
    if (!e) return;
    edge_stop(e);
    if (e->lfd >= 0) close(e->lfd);
    if (e->ep >= 0) close(e->ep);
    if (e->wake_fd >= 0) close(e->wake_fd);
    for (size_t i = 0; i < EDGE_BUCKETS; i++) {
        while (e->counts[i]) {
            addr_count_t *a = e->counts[i];
            e->counts[i] = a->next;
            free(a);
        }
    }
    pthread_mutex_destroy(&e->mu);
    free(e->window);
    free(e);
}
