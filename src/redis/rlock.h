/* Per-spool locks in Redis and the one codec of their value.
 *
 * Key "spool_lock:{tag}", value "{worker_id}:{token}" (the wire contract of the original, which
 * other tools read). The token is ours: "{instance}.{boot}.{uuid}", so a lock says which server
 * instance took it and in which of its lives (boot). A lock taken for a TOMAR lives
 * RLOCK_PENDING_TTL_MS until its commit extends it to the full TTL; after a crash between the
 * two, the instance's next life recognises its own pending locks and drops them at once.
 * Every other module formats and parses lock values only through these functions. */
#ifndef ZEUES_REDIS_RLOCK_H
#define ZEUES_REDIS_RLOCK_H
#include <stddef.h>
#include <stdint.h>

#include "redis/redis.h"

/** Largest lock value, NUL included ("{worker_id}:{token}"). */
#define RLOCK_VALUE_MAX 128
/** Largest token, NUL included ("{instance}.{boot}.{uuid}": 8 + 1 + 8 + 1 + 36 + 1). */
#define RLOCK_TOKEN_MAX 64
/** Length of the instance and boot ids in a token (hex digits). */
#define RLOCK_ORIGIN_LEN 8
/** TTL of a lock between acquisition and commit: the longest a crash can block a spool. */
#define RLOCK_PENDING_TTL_MS 30000

/** Writes "{worker_id}:{token}" into out (n bytes). ZE_OK, or ZE_BAD_REQUEST when it does not
 *  fit or worker_id < 0 (out is then ""). The token may be empty: an occupation imported from
 *  the spreadsheet has none, and its lock is then "{worker_id}:". Pure. */
int rlock_value_format(char *out, size_t n, int64_t worker_id, const char *token);
/** Splits a lock value. *worker_id gets the number before the first ':' and *token points
 *  into value after it (borrowed; "" for an imported occupation). ZE_OK, or ZE_BAD_REQUEST for
 *  anything else (no ':', no digits). Pure. */
int rlock_value_parse(const char *value, int64_t *worker_id, const char **token);
/** Writes "{instance}.{boot}.{uuid}" (instance and boot: RLOCK_ORIGIN_LEN lowercase hex digits
 *  each) into out (n >= RLOCK_TOKEN_MAX). ZE_OK or ZE_BAD_REQUEST. Pure. */
int rlock_token_format(char *out, size_t n, const char *instance, const char *boot,
                       const char *uuid);
/** 1 when token was made by rlock_token_format with this instance and a boot other than
 *  boot (a lock from this instance's previous life), else 0. Tokens of other instances and
 *  tokens of the old "{uuid}" form are never ours. Pure. */
int rlock_token_from_past_life(const char *token, const char *instance, const char *boot);
/** The same for a whole lock value "{worker_id}:{token}"; 0 for a value that does not parse
 *  and when instance or boot is NULL or empty (no origin known). Pure. */
int rlock_value_from_past_life(const char *value, const char *instance, const char *boot);

/** SET key value NX PX ttl_ms. ZE_OK when acquired, ZE_SPOOL_OCCUPIED when the key exists,
 *  ZE_REDIS_UNAVAILABLE on any Redis failure. */
int rlock_acquire(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms);
/** GET key into value (n bytes). ZE_OK, ZE_NOT_FOUND when absent, ZE_REDIS_UNAVAILABLE.
 *  value is always NUL-terminated; a longer stored value is truncated to n - 1 bytes. */
int rlock_get(rpool_t *p, const char *tag, char *value, size_t n);
/** PTTL of the key in ms (-1 when it never expires). ZE_OK, ZE_NOT_FOUND, ZE_REDIS_UNAVAILABLE. */
int rlock_pttl(rpool_t *p, const char *tag, int64_t *pttl_ms);
/** Atomic compare-and-delete (Lua). ZE_OK when deleted, ZE_NOT_FOUND when the key was absent or
 *  held another value (nothing deleted), ZE_REDIS_UNAVAILABLE. */
int rlock_release(rpool_t *p, const char *tag, const char *value);
/** Atomic compare-and-PEXPIRE (Lua). ZE_OK, ZE_NOT_FOUND (absent or other value), ZE_REDIS_UNAVAILABLE. */
int rlock_extend(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms);
/** The lock step of a TOMAR (and of restoring a vanished lock) in one round trip: an atomic
 *  script that sets key to value with PX ttl_ms when the key is absent, or else reads who holds
 *  it. ZE_OK when acquired; ZE_SPOOL_OCCUPIED when the key exists, with its value in holder
 *  (n bytes, always NUL-terminated, truncated like rlock_get) and its PTTL in *holder_pttl_ms
 *  (-1 when it never expires); ZE_REDIS_UNAVAILABLE. holder and holder_pttl_ms may be NULL;
 *  otherwise they are "" and -1 unless ZE_SPOOL_OCCUPIED. */
int rlock_acquire_or_get(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms,
                         char *holder, size_t n, int64_t *holder_pttl_ms);
/** rlock_extend, then PUBLISH channel msgs[i] for i = 0..nmsgs-1 in that order, all in one
 *  atomic script (one round trip). The messages are published whether or not the lock was
 *  extended. ZE_OK or ZE_NOT_FOUND as rlock_extend (messages published either way);
 *  ZE_REDIS_UNAVAILABLE when the script failed or its answer was lost: on an error reply
 *  nothing was published, after a timeout nobody knows. msgs are NUL-terminated strings
 *  (borrowed); with nmsgs == 0 this is rlock_extend and channel may be NULL. */
int rlock_extend_publish(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms,
                         const char *channel, const char *const *msgs, size_t nmsgs);
/** rlock_release, then the PUBLISHes of rlock_extend_publish, in one atomic script; the same
 *  answers and the same contract for the messages. */
int rlock_release_publish(rpool_t *p, const char *tag, const char *value, const char *channel,
                          const char *const *msgs, size_t nmsgs);
/** Deletes the key whatever its value (supervisor release, reconciliation). ZE_OK or ZE_REDIS_UNAVAILABLE. */
int rlock_force_delete(rpool_t *p, const char *tag);

/** Visits every spool lock (SCAN spool_lock:*): tag, value and remaining ttl in ms (-1 none).
 *  The callback returns 0 to go on. ZE_OK or ZE_REDIS_UNAVAILABLE.
 *  Strings are borrowed for the call. Callbacks run with no connection held, so they may call
 *  rlock_ functions on the same pool. As with SCAN itself, a key may be visited twice, and a
 *  non-string key under the prefix is skipped. Returns ZE_OK also when the callback stops. */
typedef int (*rlock_visit_fn)(void *ud, const char *tag, const char *value, int64_t pttl_ms);
int rlock_scan(rpool_t *p, rlock_visit_fn fn, void *ud);

#endif
