/* Internal to src/redis: URL parsing and connecting (rconn.c), the pool's lease API used by
 * rlock.c and rpool.c (rpool.c), and INFO parsing (rinfo.c). Nothing outside src/redis includes
 * this header, because it exposes hiredis types (tests of this directory are the exception). */
#ifndef ZEUES_REDIS_REDIS_INT_H
#define ZEUES_REDIS_REDIS_INT_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "redis/redis.h"

/* ---- rconn.c: URLs, connecting, clocks, error text. ---- */

/** A parsed redis://[[user]:password@]host[:port][/db] URL. All strings are owned. */
typedef struct rconn_url {
    char *host;     /* name, IPv4 or IPv6 literal (without brackets) */
    int port;       /* 6379 when absent */
    int db;         /* 0 when absent; SELECTed on connect when not 0 */
    char *user;     /* NULL unless given (Redis 6 ACL user) */
    char *password; /* NULL unless given; AUTHed on connect */
} rconn_url_t;

/** Parses url into *out (caller releases with rconn_url_deinit). ZE_OK or ZE_BAD_REQUEST; on
 *  error *out holds nothing to release. */
int rconn_url_parse(const char *url, rconn_url_t *out);
/** Frees the strings of u; u is zeroed. NULL is allowed. */
void rconn_url_deinit(rconn_url_t *u);

/**
 * Opens a blocking connection to u with timeout_ms both for connecting and (via SO_RCVTIMEO /
 * SO_SNDTIMEO) for every later read and write, enables TCP keep-alive and sends AUTH and SELECT
 * when the URL asks for them. Returns the context (caller frees with redisFree) or NULL with a
 * message in err. Host names are resolved by hiredis with getaddrinfo, which no timeout bounds.
 */
redisContext *rconn_open(const rconn_url_t *u, int timeout_ms, char *err, size_t errlen);

/** Monotonic milliseconds, for deadlines and back-off (never wall-clock time). */
int64_t rconn_now_ms(void);
/** snprintf into err when err is not NULL and errlen > 0 (a no-op otherwise). */
void rconn_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- rpool.c: leases. ---- */

/**
 * One checked-out connection. hiredis 0.14 writes with write(2), and a write to a connection
 * the server has reset raises SIGPIPE, whose default action kills the process. A pool created
 * while the process ignores SIGPIPE (every zeues command that uses Redis does, before it makes
 * its pool) relies on that and does nothing per lease; otherwise SIGPIPE is blocked on the
 * calling thread while the lease is held and one raised by our own write is discarded (libpq
 * does the same).
 */
typedef struct rpool_lease {
    redisContext *c;           /* usable until rpool__checkin */
    int guarded;               /* SIGPIPE blocked for this lease (the fields below are set) */
    sigset_t oldmask;          /* the thread's mask before the lease */
    int sigpipe_was_pending;   /* a SIGPIPE that was pending before must not be swallowed */
} rpool_lease_t;

/**
 * Checks a connection out of p, connecting lazily. Waits up to the pool timeout for a free slot;
 * fails at once while the pool is down, except for one reconnect attempt per second.
 * ZE_OK or ZE_REDIS_UNAVAILABLE (message in err). Must be paired with rpool__checkin on the
 * same thread.
 */
int rpool__checkout(rpool_t *p, rpool_lease_t *l, char *err, size_t errlen);
/** Returns a lease. A context whose err is set (I/O error, timeout, EOF, protocol error) is
 *  freed and marks the pool down; a healthy one goes back to the idle list. */
void rpool__checkin(rpool_t *p, rpool_lease_t *l);
/**
 * Runs one command on a leased connection. On ZE_OK *out is the reply (never an error reply;
 * caller frees with freeReplyObject); on ZE_REDIS_UNAVAILABLE *out is NULL and err says why
 * (connection failure or the server's error reply).
 */
int rpool__command(rpool_t *p, redisReply **out, char *err, size_t errlen, const char *fmt, ...);

/**
 * Runs one command given as argv (as redisCommandArgv), sharing one connection and one round
 * trip with the commands other threads send at the same moment: the first caller writes all
 * of them at once and reads every reply (util/group.h), so N concurrent callers cost Redis and
 * this process one write and one read instead of N of each. On ZE_OK *out is the reply, error
 * replies included (the caller decides what they mean; freeReplyObject); on
 * ZE_REDIS_UNAVAILABLE (no connection, I/O failure, timeout) *out is NULL.
 */
int rpool__pipelined(rpool_t *p, int argc, const char **argv, const size_t *argl,
                     redisReply **out);

/* ---- rinfo.c ---- */

/** Parses INFO text (len bytes, "key:value\r\n" lines). Missing fields stay "" / -1. */
void rinfo_parse(const char *text, size_t len, rinfo_t *out);

#endif
