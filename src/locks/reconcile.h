/* Keeps Redis locks and the store in agreement. The store is the record of who occupies which
 * spool; Redis locks are the fast mutual exclusion in front of it. A pass:
 *   - every occupied spool gets its lock back (after a crash between commit and extend, a TTL
 *     expiry, a Redis flush or restart) and its TTL renewed, so an occupation never ends by
 *     itself;
 *   - every lock whose spool is free (or held under another token) is removed, unless it is a
 *     TOMAR in flight (short pending TTL), which expires by itself within 30 s. A pending lock
 *     whose token says this instance took it in an earlier life is no TOMAR in flight (that
 *     life is over): it is removed at once, so a crash blocks no spool for 30 s.
 * One pass runs at start-up (in the background, start-up never waits for Redis) and then every
 * few seconds. The start-up pass reports what it restored in one line (a new plant, or one
 * whose Redis was emptied, has every occupation's lock to restore); later passes name each. */
#ifndef ZEUES_LOCKS_RECONCILE_H
#define ZEUES_LOCKS_RECONCILE_H

#include <stdint.h>

struct store;
struct locks;
struct orphans;

/** What a pass works on; every pointer is borrowed and must outlive the reconciler. */
typedef struct reconcile_env {
    struct store *store;
    struct locks *locks;      /* NULL: every pass fails with ZE_REDIS_UNAVAILABLE */
    struct orphans *orphans;  /* may be NULL */
    int64_t ttl_ms;           /* full TTL of an occupation's lock */
    const char *instance;     /* this process's lock-token origin (see redis/rlock.h) */
    const char *boot;
} reconcile_env_t;

typedef struct reconcile_stats {
    int restored; /* locks created for occupied spools */
    int renewed;  /* locks whose TTL was renewed */
    int removed;  /* stale locks deleted */
    int past_life; /* of those, pending locks of this instance's earlier life */
    int errors;
} reconcile_stats_t;

/** One pass now, on the calling thread. ZE_OK or ZE_REDIS_UNAVAILABLE / ZE_STORE_UNAVAILABLE. */
int reconcile_once(const reconcile_env_t *env, reconcile_stats_t *stats);

typedef struct reconciler reconciler_t;
/** Starts the background passes (first one at once, then every interval_ms) on a thread
 *  named "zeues-reconcile". env is copied. NULL when the thread cannot be started. */
reconciler_t *reconciler_start(const reconcile_env_t *env, int interval_ms);
/** Stops and joins the thread. NULL allowed. */
void reconciler_stop(reconciler_t *r);

#endif
