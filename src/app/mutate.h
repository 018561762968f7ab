/* The application service every state change goes through:
 *   load spool -> pure core decision -> lock (taken with the short pending TTL, or the
 *   occupant's lock checked) -> one store transaction (version compare-and-set + columns +
 *   audit event) -> lock extended to its full TTL or released -> notify.
 * Each lock step is one Redis round trip: the take (or the occupant's check) also reads who
 * holds the lock, and the extend or release also publishes the committed events; the local
 * hub is woken after it. A crash between commit and that step loses the publish exactly as a
 * crash between commit and a separate PUBLISH did: hubs catch up from the store.
 * A failure after the lock was taken releases it, so no failed request leaves a lock behind; a
 * crash between lock and commit leaves a pending lock that this instance's next life drops at
 * once (its token names the instance and the life, see redis/rlock.h) and that otherwise
 * expires within RLOCK_PENDING_TTL_MS; a crash between commit and extend leaves an occupation
 * whose lock start-up reconciliation (or the periodic one) restores. A lost compare-and-set is
 * retried from the load, up to MUTATE_MAX_ATTEMPTS times. */
#ifndef ZEUES_APP_MUTATE_H
#define ZEUES_APP_MUTATE_H
#include <stdint.h>

#include "app/app.h"
#include "core/decide.h"

#define MUTATE_MAX_ATTEMPTS 3

typedef int (*mutate_decide_fn)(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out,
                                zfail_t *fail);

/**
 * Applies one decision to the spool `tag`. Fills cmd's clock and ids (now, today, now_text,
 * lock_token, event_id) from app->now and app->new_id. Returns ZE_OK (out holds the committed
 * spool, or out->noop) or a negative code with fail->message / fail->data set (the caller
 * clears fail with zfail_clear). Thread-safe: any number of calls may run at once.
 */
int mutate_apply(app_t *app, const char *tag, zcmd_t *cmd, mutate_decide_fn decide,
                 zoutcome_t *out, zfail_t *fail);

#endif
