/* Keeps Redis locks and the store in agreement. The store is the record of who occupies which
 * spool; Redis locks are the fast mutual exclusion in front of it. A pass:
 *   - every occupied spool gets its lock back (after a crash between commit and extend, a TTL
 *     expiry, a Redis flush or restart) and its TTL renewed, so an occupation never ends by
 *     itself;
 *   - every lock whose spool is free (or held under another token) is removed, unless it is a
 *     TOMAR in flight (short pending TTL), which expires by itself within 30 s.
 * One pass runs at start-up (in the background, start-up never waits for Redis) and then every
 * few seconds. */
#ifndef ZEUES_SYNC_RECONCILE_H
#define ZEUES_SYNC_RECONCILE_H

#include "http/app.h"

typedef struct reconcile_stats {
    int restored; /* locks created for occupied spools */
    int renewed;  /* locks whose TTL was renewed */
    int removed;  /* stale locks deleted */
    int errors;
} reconcile_stats_t;

/** One pass now, on the calling thread. ZE_OK or ZE_REDIS_UNAVAILABLE / ZE_STORE_UNAVAILABLE. */
int reconcile_once(app_t *app, reconcile_stats_t *stats);

typedef struct reconciler reconciler_t;
/** Starts the background passes (first one at once, then every interval_ms). */
reconciler_t *reconciler_start(app_t *app, int interval_ms);
/** Stops and joins the thread. NULL allowed. */
void reconciler_stop(reconciler_t *r);

#endif
