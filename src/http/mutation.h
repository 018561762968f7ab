/* The mutation pipeline every state change goes through:
 *   load spool → pure core decision → Redis lock (taken with a short TTL, or the holder's lock
 *   checked) → one store transaction (version compare-and-set + columns + audit event) →
 *   lock extended to its full TTL or released → live publish.
 * A failure after the lock was taken releases it, so no failed request leaves a lock behind; a
 * crash between lock and commit leaves a lock that expires within 30 s; a crash between commit
 * and extend leaves an occupation whose lock start-up reconciliation (or the periodic one)
 * restores. A lost compare-and-set is retried from the load, up to 3 times. */
#ifndef ZEUES_HTTP_MUTATION_H
#define ZEUES_HTTP_MUTATION_H
#include <stdint.h>

#include "core/decide.h"
#include "http/reply.h"

/** TTL of a lock between acquisition and commit: the longest a crash can block a spool. */
#define MUTATION_PENDING_TTL_MS 30000

typedef int (*decide_fn)(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);

/**
 * Applies one decision to the spool `tag`. Fills cmd's clock and ids (now, today, now_text,
 * lock_token, event_id) itself. Returns ZE_OK (out holds the committed spool, or out->noop) or
 * a negative code with fail->message / fail->data set (caller clears fail).
 */
int mutation_apply(app_t *app, const char *tag, zcmd_t *cmd, decide_fn decide, zoutcome_t *out,
                   zfail_t *fail);

/** Looks up an active worker; 404 WORKER_NO_ENCONTRADO, or 400 WORKER_NOMBRE_NO_COINCIDE when
 *  nombre (may be NULL) is not the worker's XY(ID). Replies and returns -1 on failure. */
int worker_or_reply(req_t *r, int64_t id, const char *nombre, worker_t *out);

/** Answers a failure of mutation_apply with the single error body (clears fail). */
int reply_fail(req_t *r, zfail_t *fail);

#endif
