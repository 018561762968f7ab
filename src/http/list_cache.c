/* Generation-keyed cache of immutable list bodies (see list_cache.h). A handful of entries,
 * linear search under one mutex that guards only the table, never a copy or a compression.
 * This file is the only one that includes zlib.h. */
#include "http/list_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/errors.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/thread.h"

#define MAX_ENTRIES 64
/* zlib's default level 6: the 5.3 MB v5 ARM list of the 10,000-spool demo plant becomes
 * 207 KB in 33 ms (level 1: 412 KB in 19 ms; level 9: 188 KB in 72 ms). It is paid once per
 * change by the request that misses, while every cached answer sends half the bytes of
 * level 1; level 9 comes later, off the request path, for hot entries (see list_cache.h). */

typedef struct entry {
    char *key;
    uint64_t gen;
    list_body_t *body; /* the cache's reference */
    uint64_t used;     /* last use, for eviction */
    unsigned hits;     /* answers served from this entry */
    int hot;           /* handed to the recompression thread (once per entry) */
} entry_t;

/* A build in progress (list_cache_claim). Free while key is NULL. */
#define MAX_BUILDS 16
typedef struct build {
    char *key;
    uint64_t gen;
    int done;          /* put or abandon was called */
    int waiters;       /* requests waiting for it; the last one out frees the slot */
    list_body_t *body; /* a reference for the waiters, set by put (NULL after abandon) */
} build_t;

struct list_cache {
    pthread_mutex_t mu;
    pthread_cond_t built; /* broadcast when a build is done */
    build_t b[MAX_BUILDS];
    entry_t e[MAX_ENTRIES];
    size_t bytes, max_bytes;
    uint64_t clock;

    /* The recompression thread (started with the first hot entry) and its one job: key at
     * gen, whose body is job_body (a reference). Under mu. */
    pthread_t hot_thread;
    int hot_started, hot_stop;
    pthread_cond_t hot_wake;
    char *job_key;
    uint64_t job_gen;
    list_body_t *job_body;

    _Atomic uint64_t gen;
    store_t *store;
    atomic_int_least64_t next_check_ms; /* when the store's generation is due for a re-read */
    atomic_int_least64_t store_gen;     /* the store's generation at the last re-read */
};

/* ------------------------------------------------------------------------------------------ */
/* Bodies                                                                                      */
/* ------------------------------------------------------------------------------------------ */

list_body_t *list_body_ref(list_body_t *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void list_body_release(list_body_t *b)
{
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    if (b->json_of) list_body_release(b->json_of);
    else free(b->json);
    free(b->gz);
    free(b);
}

/* What b keeps alive: its JSON and gzip, and the gzip of the body it borrows the JSON from. */
static size_t body_bytes(const list_body_t *b)
{
    return b->json_len + b->gz_len + (b->json_of ? b->json_of->gz_len : 0);
}

/* gzip (RFC 1952) of in at level, or NULL when zlib fails or the result is not smaller. */
static char *gzip(const char *in, size_t n, int level, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)n);
    char *out = xmalloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len >= n) {
        free(out);
        return NULL;
    }
    return xrealloc(out, *out_len);
}

/* FNV-1a, 64 bits: the ETag names these exact bytes (two instances give the same tag). */
static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static list_body_t *body_new(buf_t *json)
{
    list_body_t *b = xcalloc(1, sizeof *b);
    atomic_init(&b->refs, 1);
    b->json_len = json->len;
    b->json = json->data ? buf_take(json) : xstrdup("");
    /* A list too large for one zlib call (4 GB) is simply sent uncompressed. */
    if (b->json_len > 0 && b->json_len < (size_t)UINT32_MAX)
        b->gz = gzip(b->json, b->json_len, LIST_CACHE_GZIP_LEVEL, &b->gz_len);
    b->gz_level = LIST_CACHE_GZIP_LEVEL;
    snprintf(b->etag, sizeof b->etag, "W/\"%zx-%016llx\"", b->json_len,
             (unsigned long long)fnv1a(b->json, b->json_len));
    return b;
}

/* old's JSON, borrowed, with its gzip made again at LIST_CACHE_HOT_LEVEL; NULL when that is
 * not smaller than old's. */
static list_body_t *body_recompressed(list_body_t *old)
{
    size_t len = 0;
    char *gz = gzip(old->json, old->json_len, LIST_CACHE_HOT_LEVEL, &len);
    if (!gz || len >= old->gz_len) {
        free(gz);
        return NULL;
    }
    list_body_t *b = xcalloc(1, sizeof *b);
    atomic_init(&b->refs, 1);
    b->json_of = list_body_ref(old->json_of ? old->json_of : old);
    b->json = old->json;
    b->json_len = old->json_len;
    b->gz = gz;
    b->gz_len = len;
    b->gz_level = LIST_CACHE_HOT_LEVEL;
    memcpy(b->etag, old->etag, sizeof b->etag);
    return b;
}

/* ------------------------------------------------------------------------------------------ */
/* Generation                                                                                  */
/* ------------------------------------------------------------------------------------------ */

list_cache_t *list_cache_new(size_t max_bytes, store_t *store)
{
    list_cache_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->built, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&c->hot_wake, NULL);
    c->max_bytes = max_bytes;
    c->store = store;
    atomic_init(&c->gen, 1);
    atomic_init(&c->next_check_ms, 0);
    int64_t g = -1;
    if (store && store->ops->generation(store, &g) != ZE_OK) g = -1;
    atomic_init(&c->store_gen, g);
    return c;
}

void list_cache_changed(list_cache_t *c)
{
    if (c) atomic_fetch_add(&c->gen, 1);
}

uint64_t list_cache_generation(list_cache_t *c)
{
    int64_t now = clock_mono_ms(), due = atomic_load(&c->next_check_ms);
    /* One request re-reads when due; the others go on with the counter meanwhile. */
    if (c->store && now >= due &&
        atomic_compare_exchange_strong(&c->next_check_ms, &due, now + LIST_CACHE_RECHECK_MS)) {
        int64_t g = -1;
        /* An unreadable store counts as a change: the next build reports the failure. */
        if (c->store->ops->generation(c->store, &g) != ZE_OK) g = -1;
        if (g == -1 || atomic_exchange(&c->store_gen, g) != g) list_cache_changed(c);
    }
    return atomic_load(&c->gen);
}

/* ------------------------------------------------------------------------------------------ */
/* Table                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void drop(list_cache_t *c, entry_t *e)
{
    c->bytes -= body_bytes(e->body);
    free(e->key);
    list_body_release(e->body);
    memset(e, 0, sizeof *e);
}

void list_cache_free(list_cache_t *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->hot_stop = 1;
    pthread_cond_signal(&c->hot_wake);
    pthread_mutex_unlock(&c->mu);
    if (c->hot_started) pthread_join(c->hot_thread, NULL);
    free(c->job_key); /* a job the thread never took */
    list_body_release(c->job_body);
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (c->e[i].key) drop(c, &c->e[i]);
    for (int i = 0; i < MAX_BUILDS; i++) {
        free(c->b[i].key);
        list_body_release(c->b[i].body);
    }
    pthread_cond_destroy(&c->built);
    pthread_cond_destroy(&c->hot_wake);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Replaces old by nb in the entry of key at gen when the entry still holds old and the bytes
 * fit. Under c->mu. */
static void swap_in(list_cache_t *c, const char *key, uint64_t gen, list_body_t *old,
                    list_body_t *nb)
{
    for (int i = 0; i < MAX_ENTRIES; i++) {
        entry_t *e = &c->e[i];
        if (!e->key || e->gen != gen || e->body != old || strcmp(e->key, key) != 0) continue;
        size_t bytes = c->bytes - body_bytes(old) + body_bytes(nb);
        if (bytes > c->max_bytes) return;
        c->bytes = bytes;
        e->body = list_body_ref(nb);
        list_body_release(old); /* the entry's reference; senders keep theirs */
        return;
    }
}

/* The recompression thread: one job at a time, skipped when its generation is gone. */
static void *hot_main(void *arg)
{
    list_cache_t *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->hot_stop && !c->job_key) pthread_cond_wait(&c->hot_wake, &c->mu);
        if (c->hot_stop) break;
        list_body_t *old = c->job_body, *nb = NULL;
        uint64_t gen = c->job_gen;
        pthread_mutex_unlock(&c->mu);
        if (gen == atomic_load(&c->gen)) nb = body_recompressed(old); /* outside the lock */
        pthread_mutex_lock(&c->mu);
        if (nb) swap_in(c, c->job_key, gen, old, nb);
        free(c->job_key);
        c->job_key = NULL;
        c->job_body = NULL;
        list_body_release(old);
        list_body_release(nb);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Counts a hit on e; the LIST_CACHE_HOT_HITS-th hands it to the recompression thread when it
 * is idle (otherwise a later hit does). Under c->mu. */
static void count_hit(list_cache_t *c, entry_t *e)
{
    if (++e->hits < LIST_CACHE_HOT_HITS || e->hot || c->job_key || c->hot_stop) return;
    if (!e->body->gz || e->body->gz_level >= LIST_CACHE_HOT_LEVEL) return;
    if (!c->hot_started) {
        if (thread_start(&c->hot_thread, "zeues-list-gz", hot_main, c) != 0) return;
        c->hot_started = 1;
    }
    e->hot = 1;
    c->job_key = xstrdup(e->key);
    c->job_gen = e->gen;
    c->job_body = list_body_ref(e->body);
    pthread_cond_signal(&c->hot_wake);
}

/* The cached body for key at gen with a new reference, or NULL. Under c->mu. */
static list_body_t *lookup(list_cache_t *c, const char *key, uint64_t gen)
{
    list_body_t *b = NULL;
    for (int i = 0; i < MAX_ENTRIES; i++) {
        entry_t *e = &c->e[i];
        if (!e->key || strcmp(e->key, key) != 0) continue;
        if (e->gen == gen) {
            b = list_body_ref(e->body);
            e->used = ++c->clock;
            count_hit(c, e);
        } else if (e->gen < gen) {
            drop(c, e);
        }
        break;
    }
    return b;
}

list_body_t *list_cache_get(list_cache_t *c, const char *key, uint64_t gen)
{
    if (!c) return NULL;
    pthread_mutex_lock(&c->mu);
    list_body_t *b = lookup(c, key, gen);
    pthread_mutex_unlock(&c->mu);
    return b;
}

/* The build of key at gen in progress or done, or NULL. Under c->mu. */
static build_t *find_build(list_cache_t *c, const char *key, uint64_t gen)
{
    for (int i = 0; i < MAX_BUILDS; i++)
        if (c->b[i].key && c->b[i].gen == gen && strcmp(c->b[i].key, key) == 0) return &c->b[i];
    return NULL;
}

static void build_free(build_t *b)
{
    free(b->key);
    list_body_release(b->body);
    memset(b, 0, sizeof *b);
}

list_body_t *list_cache_claim(list_cache_t *c, const char *key, uint64_t gen, int *builder)
{
    *builder = 0;
    if (!c) return NULL;
    pthread_mutex_lock(&c->mu);
    list_body_t *body = lookup(c, key, gen);
    build_t *b = body ? NULL : find_build(c, key, gen);
    if (!body && !b) {
        for (int i = 0; i < MAX_BUILDS && !*builder; i++) {
            if (c->b[i].key) continue;
            c->b[i].key = xstrdup(key);
            c->b[i].gen = gen;
            *builder = 1;
        }
        /* No free slot: this request builds on its own (no obligation). */
    } else if (b && !b->done) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += LIST_CACHE_WAIT_MS / 1000;
        until.tv_nsec += (long)(LIST_CACHE_WAIT_MS % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        b->waiters++;
        while (!b->done)
            if (pthread_cond_timedwait(&c->built, &c->mu, &until) != 0) break;
        if (b->body) body = list_body_ref(b->body);
        /* A build that is done and waited for by nobody else is over. */
        if (--b->waiters == 0 && b->done) build_free(b);
    } else if (b && b->body) {
        body = list_body_ref(b->body); /* done, its waiters still leaving */
    }
    pthread_mutex_unlock(&c->mu);
    return body;
}

/* Ends the build of key at gen with body (a new reference for the waiters) or NULL. */
static void build_done(list_cache_t *c, const char *key, uint64_t gen, list_body_t *body)
{
    pthread_mutex_lock(&c->mu);
    build_t *b = find_build(c, key, gen);
    if (b && !b->done) {
        b->done = 1;
        b->body = body ? list_body_ref(body) : NULL;
        if (b->waiters == 0) build_free(b);
        else pthread_cond_broadcast(&c->built);
    }
    pthread_mutex_unlock(&c->mu);
}

void list_cache_abandon(list_cache_t *c, const char *key, uint64_t gen)
{
    if (c) build_done(c, key, gen, NULL);
}

list_body_t *list_cache_put(list_cache_t *c, const char *key, uint64_t gen, buf_t *json)
{
    list_body_t *b = body_new(json); /* outside the lock: this is the expensive part */
    if (!c) return b;
    build_done(c, key, gen, b);
    size_t len = body_bytes(b);
    /* A body built from an older generation is served to its request but not kept. */
    if (len > c->max_bytes / 2 || gen != atomic_load(&c->gen)) return b;
    pthread_mutex_lock(&c->mu);
    entry_t *slot = NULL;
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (c->e[i].key && strcmp(c->e[i].key, key) == 0) drop(c, &c->e[i]);
    while (1) {
        entry_t *oldest = NULL, *empty = NULL;
        for (int i = 0; i < MAX_ENTRIES; i++) {
            entry_t *e = &c->e[i];
            if (!e->key) {
                if (!empty) empty = e;
            } else if (!oldest || e->used < oldest->used) {
                oldest = e;
            }
        }
        if (empty && c->bytes + len <= c->max_bytes) {
            slot = empty;
            break;
        }
        if (!oldest) break;
        drop(c, oldest);
    }
    if (slot) {
        slot->key = xstrdup(key);
        slot->gen = gen;
        slot->body = list_body_ref(b);
        slot->used = ++c->clock;
        c->bytes += len;
    }
    pthread_mutex_unlock(&c->mu);
    return b;
}
