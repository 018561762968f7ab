/* Store ↔ Redis lock reconciliation (see reconcile.h). */
#include "sync/reconcile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "http/mutation.h"
#include "redis/redis.h"
#include "store/store.h"
#include "sync/orphans.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "reconcile"

typedef struct pass {
    app_t *app;
    reconcile_stats_t *stats;
    int64_t ttl_ms;
    int redis_failed;
} pass_t;

static int lock_value(const spool_t *s, char *out, size_t n)
{
    return snprintf(out, n, "%lld:%s", (long long)s->ocupado_worker_id, s->lock_token);
}

/* Collects the tags of occupied spools; the locks are checked afterwards against a fresh read
 * of each spool, never against this (possibly long) snapshot: a spool paused and taken again
 * during the pass has a new lock that must not be mistaken for a stale one. */
typedef struct tags {
    char (*v)[ZTAG_MAX];
    size_t n, cap;
} tags_t;

static int collect_occupied(void *ud, const spool_t *s)
{
    tags_t *t = ud;
    if (!spool_is_occupied(s)) return 0;
    if (t->n == t->cap) t->v = xrealloc(t->v, (t->cap = t->cap ? t->cap * 2 : 64) * sizeof *t->v);
    memcpy(t->v[t->n++], s->tag, ZTAG_MAX);
    return 0;
}

/* Gives an occupied spool its lock back, or renews it. Returns 1 when Redis failed. */
static int check_spool(pass_t *p, const char *tag)
{
    char want[160], cur[160];
    spool_t s;
    int rc = rlock_get(p->app->redis, tag, cur, sizeof cur);
    if (rc == ZE_REDIS_UNAVAILABLE) return 1;
    int have_lock = rc == ZE_OK;
    /* The lock is read before the spool, so the spool read is at least as new as the lock. */
    if (p->app->store->ops->spool_get(p->app->store, tag, &s) != ZE_OK) {
        p->stats->errors++;
        return 0;
    }
    if (!spool_is_occupied(&s)) return 0; /* freed meanwhile; on_lock handles its lock */
    lock_value(&s, want, sizeof want);
    if (have_lock && strcmp(cur, want) == 0) {
        if (rlock_extend(p->app->redis, tag, want, p->ttl_ms) == ZE_OK) p->stats->renewed++;
        return 0;
    }
    if (!have_lock) {
        rc = rlock_acquire(p->app->redis, tag, want, p->ttl_ms);
        if (rc == ZE_REDIS_UNAVAILABLE) return 1;
        if (rc == ZE_OK) {
            p->stats->restored++;
            LOG_WARN("restored the lock of %s for %s", tag, s.ocupado_por);
        }
        return 0;
    }
    /* Held under another value while the store names this occupant: a pending TOMAR cannot be
     * (the spool is occupied, so its decision fails); an old full-TTL lock is wrong. */
    int64_t pttl = 0;
    if (rlock_pttl(p->app->redis, tag, &pttl) == ZE_OK &&
        (pttl < 0 || pttl > MUTATION_PENDING_TTL_MS) &&
        rlock_release(p->app->redis, tag, cur) == ZE_OK &&
        rlock_acquire(p->app->redis, tag, want, p->ttl_ms) == ZE_OK) {
        p->stats->restored++;
        LOG_WARN("replaced the lock of %s (%s) by the occupant's (%s)", tag, cur, want);
    }
    return 0;
}

static int on_lock(void *ud, const char *tag, const char *value, int64_t pttl_ms)
{
    pass_t *p = ud;
    if (pttl_ms >= 0 && pttl_ms <= MUTATION_PENDING_TTL_MS) return 0; /* in flight */
    spool_t s;
    int rc = p->app->store->ops->spool_get(p->app->store, tag, &s);
    if (rc == ZE_DATA_CORRUPT) return 0; /* reported by the store; its lock is left alone */
    if (rc == ZE_STORE_UNAVAILABLE) {
        p->stats->errors++;
        return 0;
    }
    char want[160] = "";
    if (rc == ZE_OK && spool_is_occupied(&s)) lock_value(&s, want, sizeof want);
    if (strcmp(want, value) == 0) return 0;
    if (rlock_release(p->app->redis, tag, value) == ZE_OK) {
        p->stats->removed++;
        LOG_WARN("removed stale lock of %s (%s)", tag, value);
    }
    return 0;
}

int reconcile_once(app_t *app, reconcile_stats_t *stats)
{
    memset(stats, 0, sizeof *stats);
    if (!app->redis) return ZE_REDIS_UNAVAILABLE;
    if (orphans_drain(app->orphans, app->redis) > 0) return ZE_REDIS_UNAVAILABLE;
    pass_t p = {app, stats, (int64_t)app->cfg->lock_ttl_seconds * 1000, 0};
    tags_t t = {0};
    int rc = app->store->ops->spool_foreach(app->store, collect_occupied, &t);
    for (size_t i = 0; rc == ZE_OK && i < t.n && !p.redis_failed; i++)
        p.redis_failed = check_spool(&p, t.v[i]);
    free(t.v);
    if (p.redis_failed) return ZE_REDIS_UNAVAILABLE;
    if (rc != ZE_OK) return ZE_STORE_UNAVAILABLE;
    if (rlock_scan(app->redis, on_lock, &p) != ZE_OK) return ZE_REDIS_UNAVAILABLE;
    return ZE_OK;
}

struct reconciler {
    app_t *app;
    int interval_ms;
    int stop;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *run(void *arg)
{
    reconciler_t *r = arg;
    int was_ok = -1;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        pthread_mutex_unlock(&r->mu);
        reconcile_stats_t st;
        int rc = reconcile_once(r->app, &st);
        if (rc == ZE_OK && (st.restored || st.removed || was_ok != 1))
            LOG_INFO("pass: %d restored, %d renewed, %d removed", st.restored, st.renewed, st.removed);
        if (rc != ZE_OK && was_ok != 0) LOG_WARN("pass failed (%s); retrying", zerr_name(rc));
        was_ok = rc == ZE_OK;
        pthread_mutex_lock(&r->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        /* While Redis is down, retry every second so locks come back soon after it does. */
        int64_t wait = rc == ZE_OK ? r->interval_ms : 1000;
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (!r->stop) pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

reconciler_t *reconciler_start(app_t *app, int interval_ms)
{
    reconciler_t *r = xcalloc(1, sizeof *r);
    r->app = app;
    r->interval_ms = interval_ms;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        free(r);
        return NULL;
    }
    return r;
}

void reconciler_stop(reconciler_t *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}
