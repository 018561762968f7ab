/* Redis access for ZEUES: a bounded pool of connections with timeouts and self-reconnect,
 * per-spool locks, publishing, server info and a subscriber thread. This directory is the only
 * place that includes hiredis; its types never appear here.
 *
 * Thread affinity: every rpool_ and rlock_ function may be called from any thread; a hiredis
 * context is used by one thread at a time (checked out of the pool). No call blocks longer than
 * the pool's timeout (default 500 ms) per Redis round trip; while Redis is down calls fail fast
 * with ZE_REDIS_UNAVAILABLE and a background reconnect is attempted at most once per second.
 *
 * How that works (implementation in rpool.c): the pool is marked down by the first failure of
 * any connection (connect error, I/O error, EOF or timeout). While down, checkouts fail at once,
 * except that once a second one caller makes the reconnect attempt inline (bounded by the
 * timeout; a refused connection fails immediately) and, if it connects, the pool is up again.
 * In hiredis 0.14 a timeout surfaces as an I/O error ("Resource temporarily unavailable") that
 * leaves the context unusable, so a slow command (> timeout) also marks the pool down for ~1 s.
 * Host names are resolved with getaddrinfo, which no timeout bounds.
 * SIGPIPE (a write to a connection the server reset): the pool looks at the process's SIGPIPE
 * disposition once, in rpool_new. If SIGPIPE is ignored then, the pool assumes it stays ignored
 * for the pool's whole life and adds nothing per command (`zeues serve` and the supervisor
 * commands ignore it before making their pool); a process that restores the default action
 * later must make a new pool. Otherwise, while a connection is in use SIGPIPE is blocked on the
 * calling thread and one raised by our write is discarded (four system calls per command), so
 * such a process need not ignore SIGPIPE for Redis's sake.
 * When all `size` connections are busy a call waits up to the timeout for one, then fails with
 * ZE_REDIS_UNAVAILABLE ("pool exhausted"), so Redis never sees more than `size` connections.
 * Invalid arguments (NULL or empty tag, NULL value, ttl_ms <= 0) return ZE_BAD_REQUEST. */
#ifndef ZEUES_REDIS_REDIS_H
#define ZEUES_REDIS_REDIS_H
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

typedef struct rpool rpool_t;

/** Server facts for GET /api/redis-health. */
typedef struct rinfo {
    char version[32];
    long long connected_clients;
    char used_memory_human[32];
    long long uptime_in_seconds;
} rinfo_t;

/**
 * Creates a pool for url (redis://host:port[/db], host may be an IPv4 address or a name) with at
 * most `size` connections and `timeout_ms` for connect and each command. Never connects here:
 * connections are made on first use, so start-up never waits for Redis.
 * Returns NULL only for an unparsable url. Caller frees with rpool_free.
 * Also accepted: redis://:password@host..., redis://user:password@host... (AUTH on connect;
 * percent-escapes decoded) and [v6]:port. Query options and rediss:// are refused (NULL).
 * size < 1 is taken as 1 and timeout_ms < 1 as 500.
 * Whether each command needs a SIGPIPE guard is decided here, from the process's SIGPIPE
 * disposition at this moment (see the top of this file).
 */
rpool_t *rpool_new(const char *url, int size, int timeout_ms);
/** Closes every connection and frees the pool; NULL is allowed. Callers must be finished. */
void rpool_free(rpool_t *p);
/* The key rpool_ping writes (with a 10 s expiry) to learn whether Redis accepts writes. */
#define RPOOL_PROBE_KEY "zeues:health_probe"
/** ZE_OK if a write of RPOOL_PROBE_KEY now succeeds (or, when every connection is busy, the
 *  last command did), else ZE_REDIS_UNAVAILABLE: also when Redis answers but refuses writes
 *  (MISCONF, READONLY, OOM, NOREPLICAS), so that health tells what every lock would meet.
 *  err (may be NULL) says why on failure and is "" on ZE_OK. */
int rpool_ping(rpool_t *p, char *err, size_t errlen);
/** Fills *out from INFO; ZE_OK or ZE_REDIS_UNAVAILABLE (message in err). Fields INFO lacks
 *  are left "" (strings) or -1 (numbers). */
int rpool_info(rpool_t *p, rinfo_t *out, char *err, size_t errlen);
/** Host and port of the pool's url (borrowed strings). */
const char *rpool_host(const rpool_t *p);
int rpool_port(const rpool_t *p);

/* Per-spool locks: see redis/rlock.h. */

/** PUBLISH channel msg. ZE_OK or ZE_REDIS_UNAVAILABLE. */
int rpool_publish(rpool_t *p, const char *channel, const char *msg, size_t len);
/** PUBLISH channel msgs[i] for i = 0..n-1, in that order, pipelined on one connection: one
 *  round trip. msgs are NUL-terminated (borrowed). ZE_OK when every one was accepted,
 *  ZE_REDIS_UNAVAILABLE otherwise (some may have been published); n == 0 is ZE_OK and sends
 *  nothing; a NULL channel or message is ZE_BAD_REQUEST. */
int rpool_publish_many(rpool_t *p, const char *channel, const char *const *msgs, size_t n);

/* ---- Subscriber: one dedicated connection and thread per process. ---- */

typedef struct rsub rsub_t;
/** Called on the subscriber thread for each message (msg is borrowed, not NUL-terminated). */
typedef void (*rsub_message_fn)(void *ud, const char *msg, size_t len);
/** Called on the subscriber thread when the subscription is (re)established (1) or lost (0).
 *  0 is reported once per loss (not per failed retry) and never at start-up or rsub_stop.
 *  A connection silent for about 5 s is PINGed and declared lost when that PING stays
 *  unanswered for about 5 s more (TCP keep-alive alone would take about a minute). */
typedef void (*rsub_state_fn)(void *ud, int connected);

/** Starts a thread subscribed to channel on url, reconnecting by itself (at most once a second).
 *  Returns NULL for an unparsable url. Caller stops it with rsub_stop. */
rsub_t *rsub_start(const char *url, const char *channel, rsub_message_fn on_message,
                   rsub_state_fn on_state, void *ud);
/** Stops and joins the thread within about one second; frees everything. NULL is allowed.
 *  Must not be called from a callback (it joins the thread that runs them). */
void rsub_stop(rsub_t *s);

#endif
