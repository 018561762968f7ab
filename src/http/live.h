/* Live fan-out of committed changes: every committed audit event is published on the Redis
 * channel `spools:updates` (so every server instance learns of it) and wakes this instance's
 * SSE hub, which streams events to clients in durable-sequence order. */
#ifndef ZEUES_HTTP_LIVE_H
#define ZEUES_HTTP_LIVE_H

#include "core/event.h"
#include "http/app.h"

typedef struct live live_t;

#define LIVE_CHANNEL "spools:updates"

/** Starts the hub (and its Redis subscriber when app->redis is set). Caller frees with live_free. */
live_t *live_new(app_t *app);
/** Ends every stream, stops the threads, frees. NULL is allowed. */
void live_free(live_t *l);
/** Called after a commit, on the request's thread: publishes e's payloads (with "seq") to
 *  Redis (best effort) and wakes the local hub. NULL l is allowed (no live streams). */
void live_committed(live_t *l, const event_rec_t *e);

#endif
