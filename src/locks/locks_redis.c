/* The lock service over Redis: each operation is the rlock_ call of the same name. */
#include <stdlib.h>

#include "locks/locks.h"
#include "util/alloc.h"

typedef struct redis_locks {
    locks_t base;
    rpool_t *pool;
} redis_locks_t;

static rpool_t *pool_of(locks_t *l) { return ((redis_locks_t *)l)->pool; }

static int on_acquire(locks_t *l, const char *tag, const char *value, int64_t ttl_ms)
{
    return rlock_acquire(pool_of(l), tag, value, ttl_ms);
}

static int on_get(locks_t *l, const char *tag, char *value, size_t n)
{
    return rlock_get(pool_of(l), tag, value, n);
}

static int on_pttl(locks_t *l, const char *tag, int64_t *pttl_ms)
{
    return rlock_pttl(pool_of(l), tag, pttl_ms);
}

static int on_release(locks_t *l, const char *tag, const char *value)
{
    return rlock_release(pool_of(l), tag, value);
}

static int on_extend(locks_t *l, const char *tag, const char *value, int64_t ttl_ms)
{
    return rlock_extend(pool_of(l), tag, value, ttl_ms);
}

static int on_acquire_or_get(locks_t *l, const char *tag, const char *value, int64_t ttl_ms,
                             char *holder, size_t n, int64_t *holder_pttl_ms)
{
    return rlock_acquire_or_get(pool_of(l), tag, value, ttl_ms, holder, n, holder_pttl_ms);
}

static int on_extend_publish(locks_t *l, const char *tag, const char *value, int64_t ttl_ms,
                             const char *channel, const char *const *msgs, size_t nmsgs)
{
    return rlock_extend_publish(pool_of(l), tag, value, ttl_ms, channel, msgs, nmsgs);
}

static int on_release_publish(locks_t *l, const char *tag, const char *value,
                              const char *channel, const char *const *msgs, size_t nmsgs)
{
    return rlock_release_publish(pool_of(l), tag, value, channel, msgs, nmsgs);
}

static int on_force_delete(locks_t *l, const char *tag) { return rlock_force_delete(pool_of(l), tag); }

static int on_scan(locks_t *l, rlock_visit_fn fn, void *ud) { return rlock_scan(pool_of(l), fn, ud); }

static void on_free(locks_t *l) { free(l); }

static const struct locks_ops REDIS_OPS = {
    .acquire = on_acquire,
    .get = on_get,
    .pttl = on_pttl,
    .release = on_release,
    .extend = on_extend,
    .acquire_or_get = on_acquire_or_get,
    .extend_publish = on_extend_publish,
    .release_publish = on_release_publish,
    .force_delete = on_force_delete,
    .scan = on_scan,
    .free = on_free,
};

locks_t *locks_redis_new(rpool_t *p)
{
    redis_locks_t *l = xcalloc(1, sizeof *l);
    l->base.ops = &REDIS_OPS;
    l->pool = p;
    return &l->base;
}
