/* Telling the world about a committed change. Every committed audit event wakes this process's
 * live-stream hub (when one is attached) and is published on the Redis channel
 * `spools:updates`: external subscribers read it, and every server instance's hub takes it as
 * a wake-up to read the store (in sequence order). A supervisor command run from the shell
 * uses the same notifier without a hub, so a running server streams its change at once.
 * Thread-safe; publishing is best effort (a hub also polls the store). */
#ifndef ZEUES_APP_NOTIFY_H
#define ZEUES_APP_NOTIFY_H

#include "core/event.h"

#define NOTIFY_CHANNEL "spools:updates"

struct rpool;
typedef struct notify notify_t;
typedef void (*notify_wake_fn)(void *ud);

/** A notifier publishing through redis (borrowed, may be NULL: no publishing). Caller frees
 *  with notify_free. */
notify_t *notify_new(struct rpool *redis);
/** Frees n; NULL is allowed. Detach the local hub first. */
void notify_free(notify_t *n);
/** Attaches (fn non-NULL) or detaches (fn NULL) the local hub's wake-up. After it returns
 *  with fn NULL, the previous fn is never called again. */
void notify_set_local(notify_t *n, notify_wake_fn fn, void *ud);
/** Called after a commit, on the committing thread: wakes the local hub and publishes each of
 *  e's live payloads (with "seq") in the original's JSON spelling. NULL n is allowed. */
void notify_committed(notify_t *n, const event_rec_t *e);

#endif
