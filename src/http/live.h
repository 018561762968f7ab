/* Live fan-out of committed changes. Every committed audit event is published on the Redis
 * channel `spools:updates` (for external subscribers, and as a wake-up for every server
 * instance) and wakes this instance's SSE hub. The hub streams events to clients from the
 * store, in durable-sequence order: any number of instances sharing one store show the same
 * ordered live view, and a client reconnecting with Last-Event-ID gets exactly what it missed.
 *
 * Threads: one hub thread, plus the Redis subscriber thread when Redis is configured. Streams
 * themselves cost no thread (see sse.h). */
#ifndef ZEUES_HTTP_LIVE_H
#define ZEUES_HTTP_LIVE_H
#include <stdint.h>

#include "core/event.h"
#include "http/app.h"
#include "http/reply.h"

typedef struct live live_t;

#define LIVE_CHANNEL "spools:updates"
/* Largest backlog a stream may hold; a client that falls further behind is dropped (it
 * reconnects with Last-Event-ID and catches up from the store). */
#define LIVE_MAX_BACKLOG (256 * 1024)
/* Keep-alive comment period; the environment variable ZEUES_SSE_PING_MS (read once, by
 * live_new) overrides it for tests. */
#define LIVE_PING_MS 15000

/** Starts the hub (and its Redis subscriber when app->redis is set). app and the objects it
 *  points to are borrowed until live_free. Caller frees with live_free. */
live_t *live_new(app_t *app);
/** Ends every stream (cleanly: libmicrohttpd cannot stop while a stream sleeps suspended) and
 *  stops the hub and subscriber threads. From then on new streams are refused with a 503 and
 *  live_committed only publishes. Call before server_stop; idempotent; NULL is allowed. */
void live_stop(live_t *l);
/** Stops (when live_stop was not called) and frees. Call after server_stop, when no request
 *  can use l any more; a stream still held by a connection keeps the shared part alive until
 *  it is released. NULL is allowed. */
void live_free(live_t *l);
/** Called after a commit, on the request's thread: wakes the local hub and publishes e's
 *  payloads (with "seq") to Redis (best effort). NULL l is allowed (no live streams). */
void live_committed(live_t *l, const event_rec_t *e);
/**
 * Turns r into a live stream: registers a client with the hub and sets r->stream and status
 * 200. after_seq >= 0 asks for a replay of every stored event with a larger sequence first
 * (Last-Event-ID); -1 starts at the current end of the store. Returns 0, or -1 after answering
 * r with a 503 (too many streams, store unreadable, shutting down or l NULL).
 */
int live_attach_or_reply(live_t *l, req_t *r, int64_t after_seq);

#endif
