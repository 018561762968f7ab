/* Telling the world about a committed change. Every committed audit event wakes this process's
 * live-stream hub (when one is attached) and is published on the Redis channel
 * `spools:updates`: external subscribers read it, and every server instance's hub takes it as
 * a wake-up to read the store (in sequence order). A supervisor command run from the shell
 * uses the same notifier without a hub, so a running server streams its change at once.
 * Thread-safe; publishing is best effort (a hub also polls the store).
 *
 * A mutation that also extends or releases a spool lock does not publish through here: it
 * renders the same payloads (notify_payloads_add), hands them to the lock service, which
 * publishes them on NOTIFY_CHANNEL in the round trip that changes the lock (locks.h), and then
 * wakes the local hub (notify_wake). Only when that fails does it publish them here
 * (notify_publish), so no event is published less than today. */
#ifndef ZEUES_APP_NOTIFY_H
#define ZEUES_APP_NOTIFY_H

#include <stddef.h>

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

/** Wakes the local hub (if attached) for one committed event, without publishing: for a
 *  caller that publishes the event's payloads itself. NULL n is allowed. */
void notify_wake(notify_t *n);

/** The live payloads of some committed events, in publishing order. Zero-initialise
 *  ({0}) before the first notify_payloads_add; release with notify_payloads_deinit. */
typedef struct notify_payloads {
    char **msg; /* NUL-terminated, owned */
    size_t n, cap;
} notify_payloads_t;
/** Appends e's live payloads (with "seq"), exactly as notify_committed publishes them. */
void notify_payloads_add(notify_payloads_t *p, const event_rec_t *e);
/** Frees the payloads; p is zeroed. */
void notify_payloads_deinit(notify_payloads_t *p);
/** PUBLISHes each payload of p on NOTIFY_CHANNEL through n's Redis (nothing when n has none),
 *  pipelined in one round trip; best effort, failures are logged. NULL n is allowed. */
void notify_publish(notify_t *n, const notify_payloads_t *p);

#endif
