/* Live streams: the SSE wire format and the bounded, suspend/resume byte pipe from the hub to
 * one libmicrohttpd connection.
 *
 * The race-free hand-off between the reader (HTTP thread) and a pusher (hub thread) works like
 * this. Both run under the client mutex. The reader copies out what is queued; when nothing is
 * queued it calls MHD_suspend_connection, sets `suspended` and returns 0 (libmicrohttpd then
 * leaves the connection alone: no polling, no timeout). A pusher that finds `suspended` set
 * clears it and calls MHD_resume_connection, which libmicrohttpd allows from any thread; the
 * resumed connection calls the reader again. Because the flag and the suspend call change
 * together under the mutex, a resume can never precede its suspend, and every suspend is
 * matched by exactly one resume once data or the end arrives. sse_client_end resumes too, so
 * no connection stays suspended after its stream ended (MHD_stop_daemon requires that). */
#include "http/sse.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/thread.h"

#define LOG_MODULE "http"

/* A backlog buffer larger than this is given back to the allocator once it drains, so a
 * thousand idle streams hold almost nothing. */
#define SSE_KEEP_CAP 4096
/* Preferred read size for HTTP/1.0 (unchunked) streams; chunked streams read straight into the
 * connection's own write buffer. */
#define SSE_BLOCK_SIZE 1024
/* Kernel send buffer of a stream socket (Linux doubles it). Without it loopback and LAN
 * sockets autotune up to 4 MiB each, so a stalled client would park megabytes in the kernel
 * and only reach its backlog limit after thousands of events. Live events are small; this is
 * plenty for them and for a replay. */
#define SSE_SNDBUF (32 * 1024)
/* After a read that wrote more than this into the connection's buffer, its pages are given
 * back when the stream next goes to sleep (see trim_write_buffer). */
#define SSE_TRIM_AFTER 8192

enum { END_NONE = 0, END_CLEAN, END_ERROR };

struct sse_client {
    pthread_mutex_t mu;
    struct MHD_Connection *conn; /* set by sse_response, before the reader can run */
    char *buf;                   /* pending bytes are buf[off, off + len) */
    size_t off, len, cap, max;
    int suspended;    /* the reader suspended conn and nobody has resumed it yet */
    int ended;        /* END_NONE, END_CLEAN or END_ERROR */
    int closed;       /* the HTTP side is done: pushes are refused */
    atomic_int drain_wanted; /* a push was refused with SSE_FULL (read without mu) */
    int trim_due;     /* the connection's write buffer may hold resident pages we never need */
    sse_close_fn on_close;
    sse_drain_fn on_drain;
    void *ud;
    atomic_int refs;
    sse_watch_t *watch; /* set with watch_fd: the watcher holds a reference */
    int watch_fd;       /* our duplicate of the connection's socket, or -1 */
    struct sse_client *gone_next;
};

struct sse_watch {
    int ep, wake_fd;
    pthread_t thread;
    pthread_mutex_t mu;
    sse_client_t *gone; /* streams whose response is gone: unwatch and release them */
    int stop;
    int fd_cap;         /* duplicates stay below this descriptor number (see watch_add) */
};

/* ------------------------------------------------------------------------------------------ */
/* Client lifetime and backlog                                                                 */
/* ------------------------------------------------------------------------------------------ */

sse_client_t *sse_client_new(size_t max_backlog, sse_close_fn on_close, sse_drain_fn on_drain,
                             void *ud)
{
    sse_client_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->max = max_backlog < sizeof SSE_RETRY_HINT ? sizeof SSE_RETRY_HINT : max_backlog;
    c->on_close = on_close;
    c->on_drain = on_drain;
    c->ud = ud;
    atomic_init(&c->refs, 2); /* the caller's and the HTTP side's */
    atomic_init(&c->drain_wanted, 0);
    c->trim_due = 1;
    c->watch_fd = -1;
    c->cap = 256;
    c->buf = xmalloc(c->cap);
    c->len = sizeof SSE_RETRY_HINT - 1;
    memcpy(c->buf, SSE_RETRY_HINT, c->len);
    return c;
}

void sse_client_release(sse_client_t *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    pthread_mutex_destroy(&c->mu);
    free(c->buf);
    free(c);
}

static void discard_backlog(sse_client_t *c)
{
    free(c->buf);
    c->buf = NULL;
    c->off = c->len = c->cap = 0;
}

/* Wakes the connection if the reader put it to sleep. Called with c->mu held. */
static void resume_locked(sse_client_t *c)
{
    if (!c->suspended) return;
    c->suspended = 0;
    MHD_resume_connection(c->conn);
}

int sse_client_push(sse_client_t *c, const char *bytes, size_t n)
{
    int rc = SSE_OK;
    pthread_mutex_lock(&c->mu);
    if (c->closed || c->ended) {
        rc = SSE_CLOSED;
    } else if (c->len + n > c->max) {
        atomic_store(&c->drain_wanted, 1);
        rc = SSE_FULL;
    } else {
        if (c->off + c->len + n > c->cap) {
            if (c->off) {
                memmove(c->buf, c->buf + c->off, c->len);
                c->off = 0;
            }
            if (c->len + n > c->cap) {
                size_t cap = c->cap ? c->cap : 256;
                while (cap < c->len + n) cap *= 2;
                if (cap > c->max) cap = c->max;
                c->buf = xrealloc(c->buf, cap);
                c->cap = cap;
            }
        }
        memcpy(c->buf + c->off + c->len, bytes, n);
        c->len += n;
        resume_locked(c);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void sse_client_end(sse_client_t *c, int error)
{
    pthread_mutex_lock(&c->mu);
    if (!c->ended && !c->closed) {
        c->ended = error ? END_ERROR : END_CLEAN;
        if (error) discard_backlog(c);
        resume_locked(c);
    }
    pthread_mutex_unlock(&c->mu);
}

int sse_client_waiting(sse_client_t *c) { return atomic_load(&c->drain_wanted); }

/* ------------------------------------------------------------------------------------------ */
/* libmicrohttpd callbacks                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Gives the pages of [buf, buf + n) back to the kernel. The region is the part of
 * libmicrohttpd's write buffer that the reader was offered and left unwritten, so nothing
 * reads it; a later write simply faults in a fresh zero page. This matters because
 * libmicrohttpd zero-fills about half of each connection's 64 KiB memory pool when it shrinks
 * the request's read buffer, which would otherwise keep ~32 KiB resident per idle stream. */
static void trim_write_buffer(char *buf, size_t n)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE); /* cheap: read from the aux vector */
    uintptr_t lo = ((uintptr_t)buf + page - 1) / page * page;
    uintptr_t hi = ((uintptr_t)buf + n) / page * page;
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Content reader, on the connection's HTTP thread. Returns queued bytes, the end of the body,
 * or 0 after suspending the connection (never 0 without suspending: that would spin). */
static ssize_t on_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    sse_client_t *c = cls;
    ssize_t ret;
    int drained = 0;
    pthread_mutex_lock(&c->mu);
    if (c->ended == END_ERROR) {
        ret = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (c->len > 0) {
        size_t n = c->len < max ? c->len : max;
        memcpy(out, c->buf + c->off, n);
        if (n > SSE_TRIM_AFTER) c->trim_due = 1;
        c->off += n;
        c->len -= n;
        if (c->len == 0) {
            c->off = 0;
            if (c->cap > SSE_KEEP_CAP) discard_backlog(c);
            drained = atomic_exchange(&c->drain_wanted, 0);
        }
        ret = (ssize_t)n;
    } else if (c->ended == END_CLEAN) {
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        if (c->trim_due) {
            trim_write_buffer(out, max);
            c->trim_due = 0;
        }
        MHD_suspend_connection(c->conn);
        c->suspended = 1;
        ret = 0;
    }
    pthread_mutex_unlock(&c->mu);
    if (drained && c->on_drain) c->on_drain(c->ud);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Dead-peer watcher                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* Only the watcher thread touches the epoll set and drops the watcher's references, after it
 * handled the events of its last wait: an event can never name a client already released. */
static void watch_collect(sse_watch_t *w)
{
    pthread_mutex_lock(&w->mu);
    sse_client_t *c = w->gone;
    w->gone = NULL;
    pthread_mutex_unlock(&w->mu);
    while (c) {
        sse_client_t *next = c->gone_next;
        epoll_ctl(w->ep, EPOLL_CTL_DEL, c->watch_fd, NULL);
        close(c->watch_fd);
        c->watch_fd = -1;
        sse_client_release(c);
        c = next;
    }
}

static void *watch_main(void *arg)
{
    sse_watch_t *w = arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(w->ep, evs, 64, 1000);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == w) {
                uint64_t v;
                (void)!read(w->wake_fd, &v, sizeof v);
                continue;
            }
            /* The peer hung up: end the stream now (the connection closes, its slot frees). */
            sse_client_end(evs[i].data.ptr, 1);
        }
        watch_collect(w);
        pthread_mutex_lock(&w->mu);
        int stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop) return NULL;
    }
}

sse_watch_t *sse_watch_start(void)
{
    sse_watch_t *w = xcalloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    struct rlimit rl;
    rlim_t lim = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    w->fd_cap = lim == RLIM_INFINITY || lim > (rlim_t)INT_MAX ? INT_MAX : (int)(lim / 2);
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
    if (w->ep < 0 || w->wake_fd < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake_fd, &ev) != 0 ||
        thread_start(&w->thread, "zeues-sse-watch", watch_main, w) != 0) {
        LOG_WARN("no watcher for live streams: a closed stream frees its slot at its next write");
        if (w->ep >= 0) close(w->ep);
        if (w->wake_fd >= 0) close(w->wake_fd);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

static void watch_wake(sse_watch_t *w)
{
    uint64_t one = 1;
    (void)!write(w->wake_fd, &one, sizeof one);
}

void sse_watch_free(sse_watch_t *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_mutex_unlock(&w->mu);
    watch_wake(w);
    pthread_join(w->thread, NULL);
    watch_collect(w);
    close(w->ep);
    close(w->wake_fd);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* Starts watching c's socket fd (c->conn is set). The duplicate keeps our registration apart
 * from whatever later reuses the connection's descriptor number. It costs a descriptor per
 * stream, so duplicates only use the lower half of the process's descriptor limit: the upper
 * half stays for connections (10,000 streams must not leave the server unable to accept a
 * tablet's TOMAR). A stream not watched still frees its slot, at its next write or ping. */
static void watch_add(sse_watch_t *w, sse_client_t *c, int fd)
{
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dfd < 0) return;
    if (dfd >= w->fd_cap) {
        close(dfd);
        return;
    }
    atomic_fetch_add(&c->refs, 1);
    c->watch = w;
    c->watch_fd = dfd;
    struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLONESHOT, .data.ptr = c};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, dfd, &ev) != 0) {
        close(dfd);
        c->watch = NULL;
        c->watch_fd = -1;
        atomic_fetch_sub(&c->refs, 1);
    }
}

/* The response is destroyed: the connection is finished with the stream. */
static void on_response_free(void *cls)
{
    sse_client_t *c = cls;
    pthread_mutex_lock(&c->mu);
    c->closed = 1;
    c->suspended = 0;
    discard_backlog(c);
    pthread_mutex_unlock(&c->mu);
    if (c->on_close) c->on_close(c->ud);
    sse_watch_t *w = c->watch;
    if (w) {
        /* The watcher unregisters the duplicate and drops its reference. */
        pthread_mutex_lock(&w->mu);
        c->gone_next = w->gone;
        w->gone = c;
        pthread_mutex_unlock(&w->mu);
        watch_wake(w);
    }
    sse_client_release(c);
}

struct MHD_Response *sse_response(req_t *r, sse_watch_t *w)
{
    sse_client_t *c = r->stream;
    if (!c) return NULL;
    pthread_mutex_lock(&c->mu);
    c->conn = (struct MHD_Connection *)r->conn;
    pthread_mutex_unlock(&c->mu);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        int sz = SSE_SNDBUF;
        (void)setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, SSE_BLOCK_SIZE, on_read, c, on_response_free);
    if (!resp) {
        /* The HTTP side never took the stream: release it as the response would have. */
        r->stream = NULL;
        on_response_free(c);
        reply_error_status(r, 503, ZE_STORE_UNAVAILABLE, NULL,
                           "No se pudo abrir la transmisión en vivo; intenta nuevamente");
        return NULL;
    }
    if (w && ci) watch_add(w, c, ci->connect_fd);
    MHD_add_response_header(resp, "content-type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "cache-control", "no-cache, no-transform");
    MHD_add_response_header(resp, "x-accel-buffering", "no");
    /* libmicrohttpd strips a hand-written "Connection: keep-alive"; this flag makes it send
     * "Connection: Keep-Alive" itself, as the original server did. */
    MHD_set_response_options(resp, MHD_RF_SEND_KEEP_ALIVE_HEADER, MHD_RO_END);
    return resp;
}

/* ------------------------------------------------------------------------------------------ */
/* Wire format                                                                                 */
/* ------------------------------------------------------------------------------------------ */

void sse_frame_append(buf_t *out, int64_t id, const char *event, const char *data)
{
    buf_printf(out, "id: %" PRId64 "\r\nevent: %s\r\ndata: ", id, event);
    buf_puts(out, data);
    buf_puts(out, "\r\n\r\n");
}

void sse_ping_append(buf_t *out, int64_t unix_sec, long usec)
{
    time_t t = (time_t)unix_sec;
    struct tm tm;
    char when[32];
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    /* Python's str(datetime) leaves the fraction out when it is zero. */
    if (usec > 0) buf_printf(out, ": ping - %s.%06ld+00:00\r\n\r\n", when, usec);
    else buf_printf(out, ": ping - %s+00:00\r\n\r\n", when);
}
