/* The per-spool lock service as the application sees it: a struct of function pointers, so the
 * mutation pipeline and reconciliation run over Redis in production (locks_redis_new) and over
 * an in-memory fake in tests. Every function has the contract of its rlock_ namesake in
 * redis/rlock.h (ZE_OK, ZE_SPOOL_OCCUPIED, ZE_NOT_FOUND or ZE_REDIS_UNAVAILABLE) and may be
 * called from any thread. Lock values are built and read only with rlock_value_*.
 *
 * acquire_or_get, extend_publish and release_publish are the mutation pipeline's one round trip
 * per lock step (see rlock_acquire_or_get and rlock_extend_publish): the events of a commit are
 * published by the lock service itself, on `channel` of the Redis that holds the locks, in the
 * same atomic step that extends or releases the lock. */
#ifndef ZEUES_LOCKS_LOCKS_H
#define ZEUES_LOCKS_LOCKS_H
#include <stddef.h>
#include <stdint.h>

#include "redis/rlock.h"

typedef struct locks locks_t;

struct locks_ops {
    int (*acquire)(locks_t *l, const char *tag, const char *value, int64_t ttl_ms);
    int (*get)(locks_t *l, const char *tag, char *value, size_t n);
    int (*pttl)(locks_t *l, const char *tag, int64_t *pttl_ms);
    int (*release)(locks_t *l, const char *tag, const char *value);
    int (*extend)(locks_t *l, const char *tag, const char *value, int64_t ttl_ms);
    int (*acquire_or_get)(locks_t *l, const char *tag, const char *value, int64_t ttl_ms,
                          char *holder, size_t n, int64_t *holder_pttl_ms);
    int (*extend_publish)(locks_t *l, const char *tag, const char *value, int64_t ttl_ms,
                          const char *channel, const char *const *msgs, size_t nmsgs);
    int (*release_publish)(locks_t *l, const char *tag, const char *value, const char *channel,
                           const char *const *msgs, size_t nmsgs);
    int (*force_delete)(locks_t *l, const char *tag);
    int (*scan)(locks_t *l, rlock_visit_fn fn, void *ud);
    void (*free)(locks_t *l);
};

struct locks {
    const struct locks_ops *ops;
};

/** Locks kept in Redis through pool p (borrowed: it must outlive the result). Caller frees
 *  with locks_free. */
locks_t *locks_redis_new(rpool_t *p);

/** Frees l; NULL is allowed. */
static inline void locks_free(locks_t *l)
{
    if (l) l->ops->free(l);
}

#endif
