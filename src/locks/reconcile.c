/* Store ↔ Redis lock reconciliation (see reconcile.h). */
#include "locks/reconcile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "locks/locks.h"
#include "locks/orphans.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

#define LOG_MODULE "reconcile"

typedef struct pass {
    const reconcile_env_t *env;
    reconcile_stats_t *stats;
    int quiet; /* the start-up pass: one summary line instead of one per lock */
    int redis_failed;
} pass_t;

static int lock_value(const spool_t *s, char *out, size_t n)
{
    return rlock_value_format(out, n, s->ocupado_worker_id, s->lock_token);
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
    locks_t *L = p->env->locks;
    char want[RLOCK_VALUE_MAX], cur[RLOCK_VALUE_MAX];
    spool_t s;
    int rc = L->ops->get(L, tag, cur, sizeof cur);
    if (rc == ZE_REDIS_UNAVAILABLE) return 1;
    int have_lock = rc == ZE_OK;
    /* The lock is read before the spool, so the spool read is at least as new as the lock. */
    if (p->env->store->ops->spool_get(p->env->store, tag, &s) != ZE_OK) {
        p->stats->errors++;
        return 0;
    }
    if (!spool_is_occupied(&s)) return 0; /* freed meanwhile; on_lock handles its lock */
    if (lock_value(&s, want, sizeof want) != ZE_OK) {
        p->stats->errors++;
        return 0;
    }
    if (have_lock && strcmp(cur, want) == 0) {
        if (L->ops->extend(L, tag, want, p->env->ttl_ms) == ZE_OK) p->stats->renewed++;
        return 0;
    }
    if (!have_lock) {
        rc = L->ops->acquire(L, tag, want, p->env->ttl_ms);
        if (rc == ZE_REDIS_UNAVAILABLE) return 1;
        if (rc == ZE_OK) {
            p->stats->restored++;
            if (!p->quiet) LOG_WARN("restored the lock of %s for %s", tag, s.ocupado_por);
        }
        return 0;
    }
    /* Held under another value while the store names this occupant: a pending TOMAR cannot be
     * (the spool is occupied, so its decision fails); an old full-TTL lock is wrong. */
    int64_t pttl = 0;
    if (L->ops->pttl(L, tag, &pttl) == ZE_OK &&
        (pttl < 0 || pttl > RLOCK_PENDING_TTL_MS) &&
        L->ops->release(L, tag, cur) == ZE_OK &&
        L->ops->acquire(L, tag, want, p->env->ttl_ms) == ZE_OK) {
        p->stats->restored++;
        LOG_WARN("replaced the lock of %s (%s) by the occupant's (%s)", tag, cur, want);
    }
    return 0;
}

static int on_lock(void *ud, const char *tag, const char *value, int64_t pttl_ms)
{
    pass_t *p = ud;
    locks_t *L = p->env->locks;
    int pending = pttl_ms >= 0 && pttl_ms <= RLOCK_PENDING_TTL_MS;
    /* A pending lock this instance took in an earlier life: the request that took it died with
     * that life, so it is no TOMAR in flight. */
    int past = pending && rlock_value_from_past_life(value, p->env->instance, p->env->boot);
    if (pending && !past) return 0; /* in flight */
    spool_t s;
    int rc = p->env->store->ops->spool_get(p->env->store, tag, &s);
    if (rc == ZE_DATA_CORRUPT) return 0; /* reported by the store; its lock is left alone */
    if (rc == ZE_STORE_UNAVAILABLE) {
        p->stats->errors++;
        return 0;
    }
    char want[RLOCK_VALUE_MAX] = "";
    if (rc == ZE_OK && spool_is_occupied(&s) && lock_value(&s, want, sizeof want) != ZE_OK)
        want[0] = '\0';
    if (strcmp(want, value) == 0) return 0;
    if (L->ops->release(L, tag, value) == ZE_OK) {
        p->stats->removed++;
        p->stats->past_life += past;
        if (past) LOG_INFO("removed the pending lock of %s (%s) left by this instance's previous run", tag, value);
        else LOG_WARN("removed stale lock of %s (%s)", tag, value);
    }
    return 0;
}

static int pass_run(const reconcile_env_t *env, reconcile_stats_t *stats, int quiet)
{
    memset(stats, 0, sizeof *stats);
    if (!env->locks) return ZE_REDIS_UNAVAILABLE;
    if (orphans_drain(env->orphans, env->locks) > 0) return ZE_REDIS_UNAVAILABLE;
    pass_t p = {env, stats, quiet, 0};
    tags_t t = {0};
    int rc = env->store->ops->spool_foreach(env->store, collect_occupied, &t);
    for (size_t i = 0; rc == ZE_OK && i < t.n && !p.redis_failed; i++)
        p.redis_failed = check_spool(&p, t.v[i]);
    free(t.v);
    if (p.redis_failed) return ZE_REDIS_UNAVAILABLE;
    if (rc != ZE_OK) return ZE_STORE_UNAVAILABLE;
    if (env->locks->ops->scan(env->locks, on_lock, &p) != ZE_OK) return ZE_REDIS_UNAVAILABLE;
    return ZE_OK;
}

int reconcile_once(const reconcile_env_t *env, reconcile_stats_t *stats)
{
    return pass_run(env, stats, 0);
}

struct reconciler {
    reconcile_env_t env;
    int interval_ms;
    int stop;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *run(void *arg)
{
    reconciler_t *r = arg;
    int was_ok = -1, first = 1;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        pthread_mutex_unlock(&r->mu);
        reconcile_stats_t st;
        /* Until a pass has succeeded, this is the start-up pass: a brand-new plant (or one
         * whose Redis was emptied) has every occupation's lock to restore, which is routine. */
        int rc = pass_run(&r->env, &st, first);
        if (rc == ZE_OK && first)
            LOG_INFO("start-up pass: %d occupied spools locked (%d restored), %d stale locks removed",
                     st.restored + st.renewed, st.restored, st.removed);
        else if (rc == ZE_OK && (st.restored || st.removed || was_ok != 1))
            LOG_INFO("pass: %d restored, %d renewed, %d removed", st.restored, st.renewed, st.removed);
        if (rc != ZE_OK && was_ok != 0) LOG_WARN("pass failed (%s); retrying", zerr_name(rc));
        was_ok = rc == ZE_OK;
        if (rc == ZE_OK) first = 0;
        pthread_mutex_lock(&r->mu);
        /* While Redis is down, retry every second so locks come back soon after it does. */
        if (!r->stop) clock_cond_wait_ms(&r->cv, &r->mu, rc == ZE_OK ? r->interval_ms : 1000);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

reconciler_t *reconciler_start(const reconcile_env_t *env, int interval_ms)
{
    reconciler_t *r = xcalloc(1, sizeof *r);
    r->env = *env;
    r->interval_ms = interval_ms;
    pthread_mutex_init(&r->mu, NULL);
    clock_cond_init(&r->cv);
    if (thread_start(&r->thread, "zeues-reconcile", run, r) != 0) {
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
