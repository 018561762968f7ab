/* The bounded connection pool: at most `size` hiredis contexts, checked out one caller at a
 * time, connected lazily, dropped on the first error, and reconnected at most once a second
 * while Redis is down. Also the one-command helpers built on it: PING, INFO and PUBLISH (one
 * message, or several pipelined in one round trip), and rpool__pipelined, which sends the
 * commands of callers that arrive together in one round trip. */
#include "redis/redis_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/group.h"

#define DEFAULT_TIMEOUT_MS 500
/* While down, one caller per interval may try to reconnect; everybody else fails at once, so a
 * dead Redis costs the HTTP workers nothing and a revived one is used within a second. */
#define RECONNECT_INTERVAL_MS 1000

struct rpool {
    rconn_url_t url;
    int size;
    int timeout_ms;
    int guard_sigpipe;   /* SIGPIPE was not ignored at rpool_new: guard every lease */

    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* signalled when a slot frees up or the pool goes down */
    redisContext **idle; /* connected contexts nobody holds; size entries */
    int nidle;
    int nout;            /* checked out (or connecting); nidle + nout <= size always */
    int down;            /* the last attempt failed; see RECONNECT_INTERVAL_MS */
    int probing;         /* a caller is reconnecting while down */
    int64_t last_attempt_ms;
    int last_ok;         /* a command succeeded since the pool last went down */
    char last_err[160];
    group_t pipe;        /* rpool__pipelined's callers (util/group.h) */
};

/* ---- SIGPIPE guard (see rpool_lease_t) ---- */

/* 1 unless the process ignores SIGPIPE: then a write to a reset connection fails with EPIPE
 * and nothing needs guarding, which saves four system calls per command. */
static int sigpipe_needs_guard(void)
{
    struct sigaction sa;

    return sigaction(SIGPIPE, NULL, &sa) != 0 || sa.sa_handler != SIG_IGN;
}

static void sigpipe_block(rpool_t *p, rpool_lease_t *l)
{
    sigset_t pipe_set, pending;

    l->guarded = p->guard_sigpipe;
    if (!l->guarded) return;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &l->oldmask);
    l->sigpipe_was_pending = 0;
    if (sigismember(&l->oldmask, SIGPIPE) && sigpending(&pending) == 0)
        l->sigpipe_was_pending = sigismember(&pending, SIGPIPE);
}

static void sigpipe_restore(rpool_lease_t *l)
{
    sigset_t pipe_set, pending;
    const struct timespec zero = {0, 0};

    if (!l->guarded) return;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    /* Swallow a SIGPIPE our own write raised, so unblocking does not deliver it. */
    if (!l->sigpipe_was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &l->oldmask, NULL);
}

/* ---- Pool state, all called with p->mu held ---- */

static void mark_down(rpool_t *p, const char *why)
{
    p->down = 1;
    p->last_ok = 0;
    p->last_attempt_ms = rconn_now_ms();
    rconn_errf(p->last_err, sizeof p->last_err, "%s", why);
    /* The idle contexts were opened before the failure and are most likely dead too; keeping
     * them would make the first callers after a restart fail once more. */
    while (p->nidle > 0)
        redisFree(p->idle[--p->nidle]);
    /* Waiters for a slot should fail now rather than after their timeout. */
    pthread_cond_broadcast(&p->cv);
}

/* Waits on the monotonic clock until deadline_ms; returns ETIMEDOUT when it has passed. */
static int wait_until(rpool_t *p, int64_t deadline_ms)
{
    struct timespec ts = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};

    return pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* ---- Public lifecycle ---- */

rpool_t *rpool_new(const char *url, int size, int timeout_ms)
{
    rpool_t *p = xcalloc(1, sizeof *p);
    pthread_condattr_t ca;

    if (rconn_url_parse(url, &p->url) != ZE_OK) {
        free(p);
        return NULL;
    }
    p->size = size > 0 ? size : 1;
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    p->guard_sigpipe = sigpipe_needs_guard();
    p->idle = xcalloc((size_t)p->size, sizeof *p->idle);
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    group_init(&p->pipe);
    return p;
}

void rpool_free(rpool_t *p)
{
    if (!p) return;
    while (p->nidle > 0)
        redisFree(p->idle[--p->nidle]);
    free(p->idle);
    group_destroy(&p->pipe);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    rconn_url_deinit(&p->url);
    free(p);
}

const char *rpool_host(const rpool_t *p)
{
    return p->url.host;
}

int rpool_port(const rpool_t *p)
{
    return p->url.port;
}

/* ---- Leases ---- */

int rpool__checkout(rpool_t *p, rpool_lease_t *l, char *err, size_t errlen)
{
    const int64_t deadline = rconn_now_ms() + p->timeout_ms;
    redisContext *c = NULL;
    int probe = 0;
    char msg[sizeof p->last_err];

    l->c = NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->down && (p->probing || rconn_now_ms() - p->last_attempt_ms < RECONNECT_INTERVAL_MS)) {
            rconn_errf(err, errlen, "redis unavailable: %s", p->last_err);
            goto fail_locked;
        }
        if (p->nout < p->size) break;
        if (wait_until(p, deadline) == ETIMEDOUT && p->nout >= p->size) {
            rconn_errf(err, errlen, "redis pool exhausted: %d connections busy for %d ms",
                       p->size, p->timeout_ms);
            goto fail_locked;
        }
    }
    p->nout++;
    if (p->down) {
        probe = 1;
        p->probing = 1;
        p->last_attempt_ms = rconn_now_ms();
    } else if (p->nidle > 0) {
        c = p->idle[--p->nidle];
    }
    pthread_mutex_unlock(&p->mu);

    sigpipe_block(p, l);
    if (!c) {
        /* Connect without the lock: it may take up to the timeout. The slot is already ours. */
        c = rconn_open(&p->url, p->timeout_ms, msg, sizeof msg);
        pthread_mutex_lock(&p->mu);
        if (probe) p->probing = 0;
        if (!c) {
            p->nout--;
            mark_down(p, msg);
            pthread_mutex_unlock(&p->mu);
            sigpipe_restore(l);
            rconn_errf(err, errlen, "%s", msg);
            return ZE_REDIS_UNAVAILABLE;
        }
        /* Only the probe revives the pool; a plain lazy connect that raced with a failure
         * elsewhere leaves it down, and checkin then drops this context. */
        if (probe) p->down = 0;
        pthread_mutex_unlock(&p->mu);
    }
    l->c = c;
    return ZE_OK;

fail_locked:
    pthread_mutex_unlock(&p->mu);
    return ZE_REDIS_UNAVAILABLE;
}

void rpool__checkin(rpool_t *p, rpool_lease_t *l)
{
    redisContext *c = l->c;

    if (!c) return;
    l->c = NULL;
    pthread_mutex_lock(&p->mu);
    p->nout--;
    if (c->err) {
        /* A timed-out or broken context can never be reused: a late reply would be read as the
         * answer to the next command. */
        mark_down(p, c->errstr);
        redisFree(c);
    } else if (p->down) {
        /* Keep the invariant "no idle contexts while down" (see mark_down). */
        redisFree(c);
    } else {
        p->idle[p->nidle++] = c;
        p->last_ok = 1;
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    sigpipe_restore(l);
}

int rpool__command(rpool_t *p, redisReply **out, char *err, size_t errlen, const char *fmt, ...)
{
    rpool_lease_t l;
    redisReply *r;
    va_list ap;
    int rc;

    *out = NULL;
    if ((rc = rpool__checkout(p, &l, err, errlen)) != ZE_OK) return rc;
    va_start(ap, fmt);
    r = redisvCommand(l.c, fmt, ap);
    va_end(ap);
    if (!r) {
        rconn_errf(err, errlen, "redis: %s", l.c->errstr);
        rc = ZE_REDIS_UNAVAILABLE;
    } else if (r->type == REDIS_REPLY_ERROR) {
        rconn_errf(err, errlen, "redis: %s", r->str);
        freeReplyObject(r);
        rc = ZE_REDIS_UNAVAILABLE;
    } else {
        *out = r;
    }
    rpool__checkin(p, &l);
    return rc;
}

/* ---- Pipelined commands ---- */

/* The most commands one round trip of rpool__pipelined carries. */
#define PIPE_MAX_BATCH 64

typedef struct pipe_call {
    group_item_t q; /* first: a batch is a list of these */
    int argc;
    const char **argv;
    const size_t *argl;
    redisReply *reply;
} pipe_call_t;

/* The leader's round trip: every command of the batch written at once, then every reply read
 * in order. After an I/O failure or a timeout the rest get no reply (the context's err is set,
 * and checkin drops it). */
static void pipe_batch(group_item_t *first, long long n, void *ud)
{
    (void)n;
    rpool_t *p = ud;
    rpool_lease_t l;
    if (rpool__checkout(p, &l, NULL, 0) != ZE_OK) return;
    for (group_item_t *it = first; it; it = it->next) {
        pipe_call_t *c = (pipe_call_t *)it;
        redisAppendCommandArgv(l.c, c->argc, c->argv, c->argl);
    }
    for (group_item_t *it = first; it; it = it->next) {
        pipe_call_t *c = (pipe_call_t *)it;
        void *r = NULL;
        if (l.c->err || redisGetReply(l.c, &r) != REDIS_OK) break;
        c->reply = r;
    }
    rpool__checkin(p, &l);
}

int rpool__pipelined(rpool_t *p, int argc, const char **argv, const size_t *argl,
                     redisReply **out)
{
    pipe_call_t c = {.argc = argc, .argv = argv, .argl = argl};
    group_join(&p->pipe, &c.q, PIPE_MAX_BATCH, pipe_batch, p);
    *out = c.reply;
    return c.reply ? ZE_OK : ZE_REDIS_UNAVAILABLE;
}

/* ---- One-command helpers ---- */

int rpool_ping(rpool_t *p, char *err, size_t errlen)
{
    rpool_lease_t l;
    redisReply *r;
    int ok;

    if (rpool__checkout(p, &l, err, errlen) != ZE_OK) {
        /* No connection because every one is busy still means Redis answers: last_ok is
         * cleared whenever a failure marks the pool down. */
        pthread_mutex_lock(&p->mu);
        ok = p->last_ok && !p->down;
        pthread_mutex_unlock(&p->mu);
        if (ok) rconn_errf(err, errlen, "%s", "");
        return ok ? ZE_OK : ZE_REDIS_UNAVAILABLE;
    }
    /* A write, not a PING: a Redis that answers PING may still refuse every lock (MISCONF
     * after a failed save, READONLY on a replica, OOM, NOREPLICAS under min-replicas-to-write),
     * and a write that succeeds also shows that it answers. */
    r = redisCommand(l.c, "SET %s 1 PX 10000", RPOOL_PROBE_KEY);
    ok = r && r->type == REDIS_REPLY_STATUS;
    if (!r)
        rconn_errf(err, errlen, "redis: %s", l.c->errstr);
    else if (r->type == REDIS_REPLY_ERROR)
        rconn_errf(err, errlen, "redis refuses writes: %s", r->str);
    else if (!ok)
        rconn_errf(err, errlen, "redis: unexpected SET reply");
    freeReplyObject(r);
    rpool__checkin(p, &l);
    return ok ? ZE_OK : ZE_REDIS_UNAVAILABLE;
}

int rpool_info(rpool_t *p, rinfo_t *out, char *err, size_t errlen)
{
    redisReply *r;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = rpool__command(p, &r, err, errlen, "INFO")) != ZE_OK) return rc;
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
        rinfo_parse(r->str, r->len, out);
    } else {
        rconn_errf(err, errlen, "redis: unexpected INFO reply");
        rc = ZE_REDIS_UNAVAILABLE;
    }
    freeReplyObject(r);
    return rc;
}

int rpool_publish(rpool_t *p, const char *channel, const char *msg, size_t len)
{
    redisReply *r;
    int rc;

    if (!channel || (!msg && len > 0)) return ZE_BAD_REQUEST;
    rc = rpool__command(p, &r, NULL, 0, "PUBLISH %b %b", channel, strlen(channel), msg ? msg : "",
                        len);
    if (rc == ZE_OK) freeReplyObject(r);
    return rc;
}

int rpool_publish_many(rpool_t *p, const char *channel, const char *const *msgs, size_t n)
{
    rpool_lease_t l;
    redisReply *r;
    int rc;

    if (!channel || (n > 0 && !msgs)) return ZE_BAD_REQUEST;
    for (size_t i = 0; i < n; i++)
        if (!msgs[i]) return ZE_BAD_REQUEST;
    if (n == 0) return ZE_OK;
    if ((rc = rpool__checkout(p, &l, NULL, 0)) != ZE_OK) return rc;
    for (size_t i = 0; i < n; i++)
        redisAppendCommand(l.c, "PUBLISH %b %b", channel, strlen(channel), msgs[i],
                           strlen(msgs[i]));
    /* Every reply is read, error replies included, so the connection stays in step; an I/O
     * failure leaves the context's err set and checkin drops it. */
    for (size_t i = 0; i < n; i++) {
        if (redisGetReply(l.c, (void **)&r) != REDIS_OK) {
            rc = ZE_REDIS_UNAVAILABLE;
            break;
        }
        if (r->type == REDIS_REPLY_ERROR) rc = ZE_REDIS_UNAVAILABLE;
        freeReplyObject(r);
    }
    rpool__checkin(p, &l);
    return rc;
}
