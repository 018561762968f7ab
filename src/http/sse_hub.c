/* The SSE hub (see sse_hub.h).
 *
 * The hub is one thread that owns a position in the store's event sequence (`last_seq`).
 * Whenever it is woken (a local commit, any message on Redis channel `spools:updates` from any
 * instance, or a timer: 0.5 s while the subscription is down, 5 s as a safety net otherwise) it
 * reads the events after last_seq from the store, renders each payload once as an SSE frame
 * whose id is the event's sequence number, and queues the frames on every stream.
 *
 * Every stream has a cursor: the sequence of the last event queued to it. An event N that
 * follows stored event P is queued to the streams whose cursor c satisfies P <= c < N (they
 * are in step with the hub); a stream with c < P is lagging (it reconnected with
 * Last-Event-ID) and catches up from the store on its own, up to last_seq, before joining;
 * c >= N means it started after N was stored. Cursors only move forward, and only over events
 * that were queued, so every stream sees each stored event exactly once and in order.
 *
 * Locks: `mu` guards the stream list, the pins and last_seq; `wake_mu` only the wake-up flags.
 * Both are leaf locks: nothing else is taken while either is held. That matters for `mu`:
 * HTTP threads take it to close (on_stream_close) and open streams and for /metrics, and a
 * push can wait inside libmicrohttpd (MHD_resume_connection takes its worker's lock; one
 * stuck worker would stall them all, see server.c mhd_connection_limit). So the hub works in
 * three steps: under `mu` it pins the streams it will serve, then it pushes with no lock
 * held, then under `mu` it unpins them.
 * A stream's cursor and `dead` flag belong to the hub thread alone (sse_hub_stop only touches
 * them after the hub has been joined); a stream that closes meanwhile is only unlinked, and a
 * push to it answers SSE_CLOSED. Store reads happen with no lock held. A stream node is freed
 * when its HTTP connection has finished with it (sse on_close) and the hub no longer pins it;
 * the shared struct lives until sse_hub_free has run and the last node is freed. */
#include "http/sse_hub.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "core/json_map.h"
#include "http/sse.h"
#include "redis/redis.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

#define LOG_MODULE "sse_hub"

/* Events read from the store per query. */
#define BATCH_EVENTS 500
/* Store polling while the Redis subscription is down (other instances' events still reach
 * every stream within a second) and, as a safety net against a lost wake-up, while it is up. */
#define POLL_DOWN_MS 500
#define POLL_UP_MS 5000
/* Lagging streams served per hub step (the rest on the next step, at once). */
#define CATCHUP_PER_STEP 64
/* The hub's frame buffer is given back after a step that needed more than this. */
#define BATCH_KEEP_BYTES (64 * 1024)

typedef struct node {
    struct node *prev, *next;
    sse_hub_t *l;
    sse_client_t *c; /* the node holds the owner's reference */
    int64_t cursor;  /* sequence of the last event queued (or skipped); hub thread only */
    int pins;        /* hub references while it works without the lock */
    int linked;      /* on the list; cleared by on_close */
    int dead;        /* dropped, ended or found closed: nothing more is queued; hub only */
} node_t;

/* Streams pinned for one pass of the hub (or of sse_hub_stop). */
typedef struct pinset {
    node_t **n;
    size_t len, cap;
} pinset_t;

typedef struct batch_ev {
    int64_t seq;
    size_t off, len; /* this event's frames in batch.frames */
} batch_ev_t;

typedef struct batch {
    buf_t frames;
    batch_ev_t *ev;
    size_t n, cap;
    int64_t upto;  /* the read stops before the first event with seq > upto (-1: no bound) */
    int bounded;   /* the read stopped there */
} batch_t;

struct sse_hub {
    app_t *app;
    int ping_ms;
    rsub_t *sub;
    pthread_t hub;
    int hub_running;
    int stopped; /* sse_hub_stop has run (owner thread only) */
    atomic_int redis_up;

    pthread_mutex_t wake_mu;
    pthread_cond_t wake_cv;
    int wake_pending;
    int stop;

    pthread_mutex_t change_mu; /* guards the change listener */
    void (*on_change)(void *ud);
    void *change_ud;

    pthread_mutex_t mu;
    node_t *head;
    uint64_t attached; /* streams ever attached: a pass sees whether one came meanwhile */
    pinset_t pass;     /* the hub's pinned streams (after the join: sse_hub_stop's) */
    size_t n_linked; /* streams counted against sse_max_clients */
    size_t n_nodes;  /* nodes not yet freed */
    int64_t last_seq; /* the hub's position; -1 until the store has been read once */
    int closing;      /* sse_hub_stop has run: no new streams */
    int owner_gone;   /* sse_hub_free has run: the last node frees the struct */
};

static void wake(sse_hub_t *l)
{
    pthread_mutex_lock(&l->wake_mu);
    l->wake_pending = 1;
    pthread_cond_signal(&l->wake_cv);
    pthread_mutex_unlock(&l->wake_mu);
}

/* Tells the change listener (the list cache) under its mutex, so that detaching waits. */
static void changed(sse_hub_t *l)
{
    pthread_mutex_lock(&l->change_mu);
    if (l->on_change) l->on_change(l->change_ud);
    pthread_mutex_unlock(&l->change_mu);
}

static void core_destroy(sse_hub_t *l)
{
    free(l->pass.n);
    pthread_mutex_destroy(&l->change_mu);
    pthread_cond_destroy(&l->wake_cv);
    pthread_mutex_destroy(&l->wake_mu);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* ------------------------------------------------------------------------------------------ */
/* Stream nodes                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Frees n once it is off the list and unpinned. Called with l->mu held. */
static void node_maybe_free_locked(node_t *n)
{
    if (n->linked || n->pins) return;
    n->l->n_nodes--;
    sse_client_release(n->c);
    free(n);
}

/* sse on_close: the connection is finished with the stream (HTTP thread). */
static void on_stream_close(void *ud)
{
    node_t *n = ud;
    sse_hub_t *l = n->l;
    pthread_mutex_lock(&l->mu);
    if (n->prev) n->prev->next = n->next;
    else l->head = n->next;
    if (n->next) n->next->prev = n->prev;
    n->prev = n->next = NULL;
    n->linked = 0; /* a pinned node is freed by its unpin; the hub's pushes to it are refused */
    l->n_linked--;
    node_maybe_free_locked(n);
    int last = l->owner_gone && l->n_nodes == 0;
    pthread_mutex_unlock(&l->mu);
    if (last) core_destroy(l);
}

/* sse on_drain: a lagging stream has room again for its catch-up (HTTP thread). */
static void on_stream_drain(void *ud)
{
    node_t *n = ud;
    wake(n->l);
}

/* Pins up to max live streams for which keep(n) holds. Returns 1 when it stopped at max with
 * more left. Called with l->mu held. */
static int pin_locked(sse_hub_t *l, pinset_t *ps, int (*keep)(const node_t *n, int64_t arg),
                      int64_t arg, size_t max)
{
    ps->len = 0;
    for (node_t *n = l->head; n; n = n->next) {
        if (n->dead || (keep && !keep(n, arg))) continue;
        if (ps->len == max) return 1;
        if (ps->len == ps->cap) {
            ps->cap = ps->cap ? ps->cap * 2 : 64;
            ps->n = xrealloc(ps->n, ps->cap * sizeof *ps->n);
        }
        n->pins++;
        ps->n[ps->len++] = n;
    }
    return 0;
}

/* Unpins them (a stream closed meanwhile is freed here). Called with l->mu held. */
static void unpin_locked(pinset_t *ps)
{
    for (size_t i = 0; i < ps->len; i++) {
        ps->n[i]->pins--;
        node_maybe_free_locked(ps->n[i]);
    }
    ps->len = 0;
}

/* Drops a stream that fell SSE_HUB_MAX_BACKLOG behind: its connection is closed at once and the
 * browser reconnects with Last-Event-ID. No hub lock held (see the top). */
static void node_drop(node_t *n)
{
    n->dead = 1;
    sse_client_end(n->c, 1);
    LOG_WARN("dropped a live stream %lld bytes behind at event %lld; it catches up on reconnect",
             (long long)SSE_HUB_MAX_BACKLOG, (long long)n->cursor);
}

/* Queues bytes on an in-step stream; a full backlog drops it. No hub lock held. */
static void node_deliver(node_t *n, const char *p, size_t len)
{
    int rc = sse_client_push(n->c, p, len);
    if (rc == SSE_FULL) node_drop(n);
    else if (rc == SSE_CLOSED) n->dead = 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading and rendering events                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct frame_ctx {
    buf_t *out;
    int64_t seq;
} frame_ctx_t;

static void on_payload(void *ud, const char *msg)
{
    frame_ctx_t *f = ud;
    sse_frame_append(f->out, f->seq, "spool_update", msg);
}

/* Appends one frame per live payload of e (see json_map_live_payloads). */
static void render_event(buf_t *out, const event_rec_t *e)
{
    frame_ctx_t f = {out, e->seq};
    if (json_map_live_payloads(e, on_payload, &f) != 0)
        LOG_WARN("event %lld: unreadable live payload; not streamed", (long long)e->seq);
}

static int on_event(void *ud, const event_rec_t *e)
{
    batch_t *b = ud;
    if (b->upto >= 0 && e->seq > b->upto) {
        b->bounded = 1;
        return 1;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->ev = xrealloc(b->ev, b->cap * sizeof *b->ev);
    }
    batch_ev_t *ev = &b->ev[b->n++];
    ev->seq = e->seq;
    ev->off = b->frames.len;
    render_event(&b->frames, e);
    ev->len = b->frames.len - ev->off;
    return 0;
}

/* Reads up to BATCH_EVENTS events after `after` (and not past upto when upto >= 0). Returns
 * ZE_OK or ZE_STORE_UNAVAILABLE. */
static int batch_read(sse_hub_t *l, batch_t *b, int64_t after, int64_t upto)
{
    store_t *st = l->app->store;
    buf_reset(&b->frames);
    b->n = 0;
    b->upto = upto;
    b->bounded = 0;
    int rc = st->ops->event_foreach_since(st, after, BATCH_EVENTS, on_event, b);
    return rc < 0 ? rc : ZE_OK;
}

/* The read saw every event after its start (up to its bound). */
static int batch_complete(const batch_t *b)
{
    return b->bounded || b->n < BATCH_EVENTS;
}

/* ------------------------------------------------------------------------------------------ */
/* The hub                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Lagging streams (Last-Event-ID replay) catch up from the store, up to last_seq, as fast as
 * they drain. Returns 1 when more catch-up work is ready right away. */
static int lagging(const node_t *n, int64_t upto)
{
    return n->cursor < upto && !sse_client_waiting(n->c);
}

static int hub_catch_up(sse_hub_t *l, batch_t *b)
{
    pinset_t *ps = &l->pass;
    pthread_mutex_lock(&l->mu);
    const int64_t upto = l->last_seq;
    int more = pin_locked(l, ps, lagging, upto, CATCHUP_PER_STEP);
    pthread_mutex_unlock(&l->mu);

    /* Streams that reconnected with the same Last-Event-ID share one read: sort by cursor. */
    for (size_t i = 1; i < ps->len; i++)
        for (size_t j = i; j > 0 && ps->n[j - 1]->cursor > ps->n[j]->cursor; j--) {
            node_t *t = ps->n[j];
            ps->n[j] = ps->n[j - 1];
            ps->n[j - 1] = t;
        }
    int have = 0; /* b holds the read from `from` */
    int64_t from = 0;
    for (size_t i = 0; i < ps->len; i++) {
        node_t *n = ps->n[i];
        if (!have || n->cursor != from) {
            from = n->cursor;
            /* After a failed read the rest are only unpinned; the poll timer retries. */
            if (batch_read(l, b, from, upto) != ZE_OK) break;
            have = 1;
        }
        int prc = SSE_OK;
        for (size_t j = 0; j < b->n && prc == SSE_OK; j++) {
            if (b->ev[j].len)
                prc = sse_client_push(n->c, b->frames.data + b->ev[j].off, b->ev[j].len);
            if (prc == SSE_OK) n->cursor = b->ev[j].seq;
        }
        if (prc == SSE_CLOSED) n->dead = 1;
        else if (prc == SSE_OK && batch_complete(b)) n->cursor = upto; /* in step now */
        else if (prc == SSE_OK) more = 1;
        /* SSE_FULL: on_stream_drain wakes the hub when the backlog has been sent. */
    }
    pthread_mutex_lock(&l->mu);
    unpin_locked(ps);
    pthread_mutex_unlock(&l->mu);
    return more;
}

static int in_step(const node_t *n, int64_t prev) { return n->cursor >= prev; }

/* Streams the events stored after last_seq to the in-step streams. Returns 1 when more work is
 * ready (a full batch was read, or a stream attached meanwhile). */
static int hub_fan_out(sse_hub_t *l, batch_t *b)
{
    store_t *st = l->app->store;
    pthread_mutex_lock(&l->mu);
    int64_t prev = l->last_seq;
    int nobody = l->head == NULL;
    pthread_mutex_unlock(&l->mu);
    if (prev < 0 || nobody) {
        /* With no stream open there is nothing to render: only the position is kept. A stream
         * that registers meanwhile with an older cursor is served by hub_catch_up. */
        int64_t s;
        if (st->ops->event_last_seq(st, &s) != ZE_OK) return 0;
        pthread_mutex_lock(&l->mu);
        if (s > l->last_seq) l->last_seq = s;
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    if (batch_read(l, b, prev, -1) != ZE_OK || b->n == 0) return 0;

    pthread_mutex_lock(&l->mu);
    pin_locked(l, &l->pass, in_step, prev, SIZE_MAX);
    const uint64_t attached = l->attached;
    pthread_mutex_unlock(&l->mu);
    for (size_t i = 0; i < l->pass.len; i++) {
        node_t *n = l->pass.n[i];
        /* In step (cursor >= prev): every event after its cursor is for it, in order. */
        for (size_t j = 0; j < b->n && !n->dead; j++) {
            const batch_ev_t *ev = &b->ev[j];
            if (n->cursor >= ev->seq) continue; /* it started after this event was stored */
            if (ev->len) node_deliver(n, b->frames.data + ev->off, ev->len);
            n->cursor = ev->seq;
        }
    }
    pthread_mutex_lock(&l->mu);
    unpin_locked(&l->pass);
    l->last_seq = b->ev[b->n - 1].seq;
    /* A stream attached during the pushes may start before the new last_seq: it catches up
     * in the next step, at once. */
    const int came = l->attached != attached;
    pthread_mutex_unlock(&l->mu);
    return b->n == BATCH_EVENTS || came;
}

/* Queues the keep-alive comment on every stream. */
static void hub_ping(sse_hub_t *l)
{
    struct timespec ts;
    buf_t p = BUF_INIT;
    clock_gettime(CLOCK_REALTIME, &ts);
    sse_ping_append(&p, (int64_t)ts.tv_sec, ts.tv_nsec / 1000);
    pthread_mutex_lock(&l->mu);
    pin_locked(l, &l->pass, NULL, 0, SIZE_MAX);
    const int64_t last = l->last_seq;
    pthread_mutex_unlock(&l->mu);
    for (size_t i = 0; i < l->pass.len; i++) {
        node_t *n = l->pass.n[i];
        int rc = sse_client_push(n->c, p.data, p.len);
        /* A lagging stream with a full backlog is busy catching up: no ping needed. */
        if (rc == SSE_FULL && n->cursor >= last) node_drop(n);
        else if (rc == SSE_CLOSED) n->dead = 1;
    }
    pthread_mutex_lock(&l->mu);
    unpin_locked(&l->pass);
    pthread_mutex_unlock(&l->mu);
    buf_deinit(&p);
}

static void *hub_main(void *arg)
{
    sse_hub_t *l = arg;
    batch_t b = {0};
    int64_t now = clock_mono_ms(), next_ping = now + l->ping_ms, next_poll = now;
    for (;;) {
        pthread_mutex_lock(&l->wake_mu);
        while (!l->stop && !l->wake_pending) {
            now = clock_mono_ms();
            int64_t due = next_ping < next_poll ? next_ping : next_poll;
            if (now >= due) break;
            clock_cond_wait_ms(&l->wake_cv, &l->wake_mu, due - now);
        }
        int stop = l->stop;
        l->wake_pending = 0;
        pthread_mutex_unlock(&l->wake_mu);
        if (stop) break;

        int more = hub_catch_up(l, &b);
        more |= hub_fan_out(l, &b);
        if (b.frames.cap > BATCH_KEEP_BYTES) buf_deinit(&b.frames);
        now = clock_mono_ms();
        next_poll = now + (atomic_load(&l->redis_up) ? POLL_UP_MS : POLL_DOWN_MS);
        if (now >= next_ping) {
            hub_ping(l);
            next_ping = now + l->ping_ms;
        }
        if (more) wake(l);
    }
    buf_deinit(&b.frames);
    free(b.ev);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Redis subscriber callbacks (subscriber thread)                                              */
/* ------------------------------------------------------------------------------------------ */

/* app/notify.c: a commit in this process (any thread). */
static void on_notify(void *ud)
{
    changed(ud);
    wake(ud);
}

static void on_redis_message(void *ud, const char *msg, size_t len)
{
    (void)msg;
    (void)len;
    changed(ud);
    wake(ud); /* the payload itself is read from the store, in sequence order */
}

static void on_redis_state(void *ud, int connected)
{
    sse_hub_t *l = ud;
    atomic_store(&l->redis_up, connected);
    changed(l);
    if (connected) LOG_INFO("subscribed to %s", NOTIFY_CHANNEL);
    else LOG_WARN("subscription to %s lost; polling the store every %d ms", NOTIFY_CHANNEL,
                  POLL_DOWN_MS);
    wake(l); /* catch up at once with what happened meanwhile */
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static int ping_ms_from_env(void)
{
    const char *s = getenv("ZEUES_SSE_PING_MS");
    if (!s || !*s) return SSE_HUB_PING_MS;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 10 || v > 3600000) {
        LOG_WARN("ZEUES_SSE_PING_MS '%s' is not 10..3600000; using %d", s, SSE_HUB_PING_MS);
        return SSE_HUB_PING_MS;
    }
    return (int)v;
}

sse_hub_t *sse_hub_new(app_t *app)
{
    sse_hub_t *l = xcalloc(1, sizeof *l);
    l->app = app;
    l->ping_ms = ping_ms_from_env();
    atomic_init(&l->redis_up, 0);
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->change_mu, NULL);
    pthread_mutex_init(&l->wake_mu, NULL);
    clock_cond_init(&l->wake_cv);
    l->last_seq = -1;
    int64_t s;
    if (app->store->ops->event_last_seq(app->store, &s) == ZE_OK) l->last_seq = s;

    l->hub_running = thread_start(&l->hub, "zeues-sse-hub", hub_main, l) == 0;
    if (!l->hub_running) LOG_ERROR("cannot start the SSE hub thread; live streams are off");
    else notify_set_local(app->notify, on_notify, l);
    if (app->redis) {
        l->sub = rsub_start(app->cfg->redis_url, NOTIFY_CHANNEL, on_redis_message,
                            on_redis_state, l);
        if (!l->sub) LOG_WARN("no subscriber for %s; polling the store", NOTIFY_CHANNEL);
    }
    return l;
}

void sse_hub_on_change(sse_hub_t *l, void (*fn)(void *ud), void *ud)
{
    if (!l) return;
    pthread_mutex_lock(&l->change_mu);
    l->on_change = fn;
    l->change_ud = ud;
    pthread_mutex_unlock(&l->change_mu);
}

void sse_hub_stop(sse_hub_t *l)
{
    if (!l || l->stopped) return;
    l->stopped = 1;
    if (l->hub_running) notify_set_local(l->app->notify, NULL, NULL);
    rsub_stop(l->sub);
    l->sub = NULL;
    pthread_mutex_lock(&l->wake_mu);
    l->stop = 1;
    pthread_cond_signal(&l->wake_cv);
    pthread_mutex_unlock(&l->wake_mu);
    if (l->hub_running) pthread_join(l->hub, NULL);

    /* The hub has been joined: its cursors, flags and pin set are this thread's now. */
    pthread_mutex_lock(&l->mu);
    l->closing = 1;
    pin_locked(l, &l->pass, NULL, 0, SIZE_MAX);
    pthread_mutex_unlock(&l->mu);
    for (size_t i = 0; i < l->pass.len; i++) {
        l->pass.n[i]->dead = 1;
        sse_client_end(l->pass.n[i]->c, 0); /* resumes it: no connection stays suspended */
    }
    pthread_mutex_lock(&l->mu);
    unpin_locked(&l->pass);
    pthread_mutex_unlock(&l->mu);
}

void sse_hub_free(sse_hub_t *l)
{
    if (!l) return;
    sse_hub_stop(l);
    pthread_mutex_lock(&l->mu);
    l->owner_gone = 1;
    int last = l->n_nodes == 0;
    pthread_mutex_unlock(&l->mu);
    if (last) core_destroy(l);
}

int sse_hub_attach_or_reply(sse_hub_t *l, req_t *r, int64_t after_seq)
{
    if (!l) {
        reply_error_status(r, 503, ZE_STORE_UNAVAILABLE, NULL,
                           "La transmisión en vivo no está disponible");
        return -1;
    }
    store_t *st = l->app->store;
    int64_t end;
    int have_end = st->ops->event_last_seq(st, &end) == ZE_OK;

    pthread_mutex_lock(&l->mu);
    const char *refuse = NULL;
    int code = ZE_STORE_UNAVAILABLE;
    if (l->closing || !l->hub_running) {
        refuse = "La transmisión en vivo no está disponible (el servidor se está deteniendo)";
    } else if (l->n_linked >= (size_t)l->app->cfg->sse_max_clients) {
        /* A full stream pool is not a broken store: its own code, and when to come back. */
        refuse = "Demasiadas conexiones en vivo; intenta nuevamente en unos segundos";
        code = ZE_SSE_CAPACITY;
    } else if (!have_end && (end = l->last_seq) < 0) {
        refuse = "No se pudo leer el registro de eventos; intenta nuevamente en unos segundos";
    }
    if (refuse) {
        pthread_mutex_unlock(&l->mu);
        reply_error_status(r, 503, code, NULL, refuse);
        if (code == ZE_SSE_CAPACITY) reply_header(r, "retry-after", "5");
        return -1;
    }
    node_t *n = xcalloc(1, sizeof *n);
    n->l = l;
    /* A Last-Event-ID beyond the store (another database, a bogus value) replays nothing. */
    n->cursor = after_seq >= 0 && after_seq < end ? after_seq : end;
    n->linked = 1;
    n->c = sse_client_new(SSE_HUB_MAX_BACKLOG, on_stream_close, on_stream_drain, n);
    n->next = l->head;
    if (l->head) l->head->prev = n;
    l->head = n;
    l->n_linked++;
    l->n_nodes++;
    l->attached++;
    int lagging = n->cursor < l->last_seq;
    r->stream = n->c;
    pthread_mutex_unlock(&l->mu);
    if (lagging) wake(l);
    r->status = 200;
    return 0;
}

size_t sse_hub_clients(sse_hub_t *l)
{
    if (!l) return 0;
    pthread_mutex_lock(&l->mu);
    size_t n = l->n_linked;
    pthread_mutex_unlock(&l->mu);
    return n;
}

int sse_hub_redis_up(sse_hub_t *l) { return l ? atomic_load(&l->redis_up) != 0 : 0; }
