/* In-memory stand-ins for the store and the lock service, with failure injection, for the
 * in-process tests of the application layer (no sockets, no files, no Redis). Single test
 * thread; every function follows the contract of the interface it implements. */
#ifndef ZEUES_TESTS_APP_FAKES_H
#define ZEUES_TESTS_APP_FAKES_H
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/spool.h"
#include "locks/locks.h"
#include "store/store.h"

#define FAKE_MAX_SPOOLS 16
#define FAKE_MAX_WORKERS 8
#define FAKE_MAX_EVENTS 64
#define FAKE_MAX_LOCKS 16
#define FAKE_MAX_PUBLISHED 16
#define FAKE_PUBLISHED_MAX 2048

typedef struct fake_store {
    store_t base;
    spool_t spools[FAKE_MAX_SPOOLS];
    size_t n_spools;
    worker_t workers[FAKE_MAX_WORKERS];
    size_t n_workers;
    event_rec_t events[FAKE_MAX_EVENTS];
    size_t n_events;
    int commits;            /* spool_commit calls */
    int fail_commit;        /* the next N commits fail with commit_error, writing nothing */
    int commit_error;       /* ZE_STORE_UNAVAILABLE or ZE_VERSION_CONFLICT */
    int fail_get;           /* the next N spool_get fail with ZE_STORE_UNAVAILABLE */
    /* Called inside spool_commit before it decides (a concurrent writer, a lock check). */
    void (*on_commit)(struct fake_store *fs, void *ud);
    void *on_commit_ud;
} fake_store_t;

typedef struct fake_lock {
    char tag[ZTAG_MAX];
    char value[RLOCK_VALUE_MAX];
    int64_t pttl_ms; /* -1: no expiry */
    int used;
} fake_lock_t;

typedef struct fake_locks {
    locks_t base;
    fake_lock_t l[FAKE_MAX_LOCKS];
    int down;          /* every call fails with ZE_REDIS_UNAVAILABLE */
    int fail_acquire;  /* next N acquire calls fail ZE_REDIS_UNAVAILABLE (SET executed when
                          acquire_executes: a slow Redis that answered too late) */
    int acquire_executes;
    int fail_extend;   /* next N extend calls fail ZE_REDIS_UNAVAILABLE */
    int fail_release;  /* next N release calls fail ZE_REDIS_UNAVAILABLE */
    int acquires, releases, extends, gets, pttls;
    /* What extend_publish and release_publish published (as the Redis script would: also when
     * the lock did not match, never when the call failed), in order. */
    char published[FAKE_MAX_PUBLISHED][FAKE_PUBLISHED_MAX];
    char published_channel[FAKE_MAX_PUBLISHED][32];
    int n_published;
    int lock_publish_calls; /* extend_publish + release_publish calls */
} fake_locks_t;

void fake_store_init(fake_store_t *fs);
spool_t *fake_store_add_spool(fake_store_t *fs, const char *tag);
worker_t *fake_store_add_worker(fake_store_t *fs, int64_t id, const char *nombre,
                                const char *apellido, unsigned roles);
spool_t *fake_store_spool(fake_store_t *fs, const char *tag);

void fake_locks_init(fake_locks_t *fl);
/** The lock of tag, or NULL. */
fake_lock_t *fake_locks_find(fake_locks_t *fl, const char *tag);
/** Sets a lock directly (a holder the test invents). */
void fake_locks_put(fake_locks_t *fl, const char *tag, const char *value, int64_t pttl_ms);
/** Number of locks held. */
int fake_locks_count(const fake_locks_t *fl);

#endif
