/* Live streams (Server-Sent Events): the wire format and the byte pipe between the SSE hub
 * (live.c) and one HTTP connection. A client is a bounded backlog that the hub appends frames
 * to and libmicrohttpd drains through a content-reader callback. When the backlog is empty the
 * reader suspends the connection, so an idle stream costs no thread and no CPU; the next push
 * resumes it. This file and server.c are the only ones that include microhttpd.h.
 *
 * Locking: each client has its own mutex, taken by push/end (any thread) and by the reader
 * (HTTP thread). push and end may call MHD_resume_connection, which takes the lock of the
 * connection's libmicrohttpd worker and so can wait for that worker: a caller that holds a
 * lock of its own around push or end makes every thread that needs that lock wait too (the
 * SSE hub pushes with none held). The callbacks run with no client lock held. */
#ifndef ZEUES_HTTP_SSE_H
#define ZEUES_HTTP_SSE_H
#include <stddef.h>
#include <stdint.h>

#include "http/reply.h"
#include "util/buf.h"

struct MHD_Response;

typedef struct sse_client sse_client_t;

/** The HTTP side is done with the client: the peer went away, the stream ended or the server
 *  is stopping. Runs once, on an HTTP thread, before that side releases its reference. */
typedef void (*sse_close_fn)(void *ud);
/** The backlog became empty after a push was refused with SSE_FULL (runs on an HTTP thread). */
typedef void (*sse_drain_fn)(void *ud);

enum {
    SSE_OK = 0,
    SSE_FULL = -1,   /* the push would exceed the backlog limit; nothing was queued */
    SSE_CLOSED = -2, /* the stream has ended or its connection is gone */
};

/** The first bytes of every stream: a reconnect hint for browsers (EventSource). */
#define SSE_RETRY_HINT "retry: 3000\r\n\r\n"

/**
 * Creates a client whose backlog never exceeds max_backlog bytes, with SSE_RETRY_HINT queued.
 * Two references are held on return: the caller's (dropped with sse_client_release) and the
 * HTTP side's, which the server takes over when the handler stores the client in r->stream
 * (the server then always calls sse_response). on_close, on_drain (may be NULL) and ud are
 * borrowed until on_close has run.
 */
sse_client_t *sse_client_new(size_t max_backlog, sse_close_fn on_close, sse_drain_fn on_drain,
                             void *ud);
/** Drops the caller's reference; the client is freed when both sides have released it. */
void sse_client_release(sse_client_t *c);
/** Queues n bytes (one or more whole frames) and resumes the connection if it sleeps.
 *  SSE_OK, SSE_FULL (nothing queued; on_drain will run once the backlog empties) or
 *  SSE_CLOSED. Any thread. */
int sse_client_push(sse_client_t *c, const char *bytes, size_t n);
/** Ends the stream. error = 0: the backlog is still sent, then the chunked body ends cleanly;
 *  error = 1: the backlog is discarded at once and the connection is closed. Idempotent. */
void sse_client_end(sse_client_t *c, int error);
/** 1 while a refused push waits for the backlog to drain (see SSE_FULL). Takes no lock. */
int sse_client_waiting(sse_client_t *c);

/** Watches the sockets of open streams for the peer going away. libmicrohttpd only notices a
 *  closed peer when it next writes, which for an idle stream is the next event or keep-alive
 *  comment; until then the dead stream holds its slot. The watcher thread waits for the
 *  hang-up (EPOLLRDHUP) on a duplicate of each stream's socket and ends that stream at once. */
typedef struct sse_watch sse_watch_t;

/** Starts the watcher thread; NULL when it cannot (streams then end at their next write). */
sse_watch_t *sse_watch_start(void);
/** Stops it; call after the HTTP server stopped (every stream's response is gone). NULL ok. */
void sse_watch_free(sse_watch_t *w);

/** Builds the streaming response for a request whose handler set r->stream (status 200 and
 *  the event-stream headers); NULL when r has no stream. w (may be NULL) watches the stream's
 *  socket. On failure it answers r with a 503 error body instead and returns NULL. */
struct MHD_Response *sse_response(req_t *r, sse_watch_t *w);

/* ---- Wire format ---- */

/** Appends one frame: "id: <id>\r\nevent: <event>\r\ndata: <data>\r\n\r\n". data must not
 *  contain CR or LF (compact JSON never does). */
void sse_frame_append(buf_t *out, int64_t id, const char *event, const char *data);
/** Appends the keep-alive comment ": ping - <UTC now, Python str(datetime) format>\r\n\r\n"
 *  for the given wall-clock time. */
void sse_ping_append(buf_t *out, int64_t unix_sec, long usec);

#endif
