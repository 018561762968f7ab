/* The SSE hub: streams committed audit events to live clients from the store, in
 * durable-sequence order, so any number of instances sharing one store show the same ordered
 * live view and a client reconnecting with Last-Event-ID gets exactly what it missed (this
 * relies on the store's sequence-visibility rule, see store.h). It is woken by app/notify.c
 * (a commit in this process), by any message on the Redis channel `spools:updates` (a commit
 * in any process, a supervisor command included), and by a timer as a safety net.
 *
 * Threads: one hub thread ("zeues-sse-hub"), plus the Redis subscriber thread when Redis is
 * configured. Streams themselves cost no thread (see sse.h). */
#ifndef ZEUES_HTTP_SSE_HUB_H
#define ZEUES_HTTP_SSE_HUB_H
#include <stdint.h>

#include "core/event.h"
#include "app/app.h"
#include "app/notify.h"
#include "http/reply.h"

typedef struct sse_hub sse_hub_t;

#define NOTIFY_CHANNEL "spools:updates"
/* Largest backlog a stream may hold; a client that falls further behind is dropped (it
 * reconnects with Last-Event-ID and catches up from the store). */
#define SSE_HUB_MAX_BACKLOG (256 * 1024)
/* Keep-alive comment period; the environment variable ZEUES_SSE_PING_MS (read once, by
 * sse_hub_new) overrides it for tests. */
#define SSE_HUB_PING_MS 15000

/** Starts the hub (and its Redis subscriber when app->redis is set) and attaches it to
 *  app->notify. app and the objects it
 *  points to are borrowed until sse_hub_free. Caller frees with sse_hub_free. */
sse_hub_t *sse_hub_new(app_t *app);
/** Calls fn(ud) (fn NULL: nothing) whenever the hub learns of a change: a commit in this
 *  process, a message on `spools:updates`, or the subscription lost or regained (messages may
 *  have been missed). fn runs on the committing or the subscriber thread and must be quick.
 *  Any thread; after it returns, the previous fn is never called again. */
void sse_hub_on_change(sse_hub_t *l, void (*fn)(void *ud), void *ud);
/** Ends every stream (cleanly: libmicrohttpd cannot stop while a stream sleeps suspended) and
 *  stops the hub and subscriber threads. From then on new streams are refused with a 503 and
 *  commits only publish. Call before server_stop; idempotent; NULL is allowed. */
void sse_hub_stop(sse_hub_t *l);
/** Stops (when sse_hub_stop was not called) and frees. Call after server_stop, when no request
 *  can use l any more; a stream still held by a connection keeps the shared part alive until
 *  it is released. NULL is allowed. */
void sse_hub_free(sse_hub_t *l);
/**
 * Turns r into a live stream: registers a client with the hub and sets r->stream and status
 * 200. after_seq >= 0 asks for a replay of every stored event with a larger sequence first
 * (Last-Event-ID); -1 starts at the current end of the store. Returns 0, or -1 after answering
 * r with a 503 (too many streams, store unreadable, shutting down or l NULL).
 */
int sse_hub_attach_or_reply(sse_hub_t *l, req_t *r, int64_t after_seq);
/** How many live streams are attached now (0 for NULL). Any thread. */
size_t sse_hub_clients(sse_hub_t *l);
/** 1 while the hub's Redis subscription is up (other instances' events arrive), else 0. */
int sse_hub_redis_up(sse_hub_t *l);

#endif
