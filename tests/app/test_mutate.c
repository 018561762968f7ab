/* In-process tests of the application service (app/mutate.c) over the fake store and fake
 * locks: the lock-then-commit protocol and its failure paths, which are hard to reach through
 * a real Redis and SQLite (a commit that fails after the lock was taken, a compare-and-set lost
 * again and again, an extend or release that fails after commit, a slow Redis that executes a
 * SET after its timeout). Also the lock codec of redis/rlock.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/app.h"
#include "app/mutate.h"
#include "app/notify.h"
#include "core/errors.h"
#include "fakes.h"
#include "locks/orphans.h"
#include "locks/reconcile.h"
#include "redis/rlock.h"
#include "util/uuid.h"

#define TAG "MK-1335-CW-25238-011"
#define NOW 1767355200 /* 2026-01-02 12:00:00 UTC */

typedef struct fixture {
    config_t cfg;
    fake_store_t fs;
    fake_locks_t fl;
    app_t app;
    notify_t *notify;
    int wakes;
    int ids;
} fixture_t;

static fixture_t *F; /* the running test's fixture (for the id function) */

static int64_t fixed_now(void) { return NOW; }

static void seq_id(char *out)
{
    snprintf(out, UUID_STR_LEN, "00000000-0000-4000-8000-%012d", ++F->ids);
}

static void on_wake(void *ud) { ((fixture_t *)ud)->wakes++; }

static int setup(void **state)
{
    fixture_t *f = test_calloc(1, sizeof *f);
    F = f;
    f->cfg.lock_ttl_seconds = 3600;
    fake_store_init(&f->fs);
    fake_locks_init(&f->fl);
    fake_store_add_spool(&f->fs, TAG);
    fake_store_add_worker(&f->fs, 93, "Mauricio", "Rodriguez", ZROLE_ARMADOR);
    fake_store_add_worker(&f->fs, 94, "Nicolas", "Rodriguez", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    f->notify = notify_new(NULL);
    notify_set_local(f->notify, on_wake, f);
    f->app = (app_t){.cfg = &f->cfg,
                     .store = &f->fs.base,
                     .locks = &f->fl.base,
                     .notify = f->notify,
                     .orphans = orphans_new(),
                     .now = fixed_now,
                     .new_id = seq_id};
    snprintf(f->app.instance, sizeof f->app.instance, "0a0b0c0d");
    snprintf(f->app.boot, sizeof f->app.boot, "11223344");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    notify_set_local(f->notify, NULL, NULL);
    notify_free(f->notify);
    orphans_free(f->app.orphans);
    test_free(f);
    return 0;
}

static int run(fixture_t *f, zaction_t action, int64_t worker, zoutcome_t *out, zfail_t *fail)
{
    worker_t w;
    assert_int_equal(f->fs.base.ops->worker_get(&f->fs.base, worker, &w), ZE_OK);
    zcmd_t cmd = {.action = action, .op = ZOP_ARM, .worker = &w};
    memset(fail, 0, sizeof *fail);
    return mutate_apply(&f->app, TAG, &cmd, decide_occupation, out, fail);
}

static spool_t *spool(fixture_t *f) { return fake_store_spool(&f->fs, TAG); }

/* ---- the happy path ---- */

static void tomar_takes_lock_commits_extends_and_notifies(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    spool_t *s = spool(f);
    assert_string_equal(s->ocupado_por, "MR(93)");
    assert_int_equal(s->version, 2);
    /* The token carries instance, boot and the injected id; the lock holds "{id}:{token}". */
    assert_string_equal(s->lock_token, "0a0b0c0d.11223344.00000000-0000-4000-8000-000000000001");
    fake_lock_t *k = fake_locks_find(&f->fl, TAG);
    assert_non_null(k);
    assert_string_equal(k->value, "93:0a0b0c0d.11223344.00000000-0000-4000-8000-000000000001");
    assert_int_equal(k->pttl_ms, 3600 * 1000); /* extended from pending to the full TTL */
    assert_int_equal(f->fs.n_events, 1);
    assert_string_equal(f->fs.events[0].tipo, "TOMAR_SPOOL");
    assert_int_equal(f->fs.events[0].ts, NOW); /* the injected clock */
    assert_string_equal(f->fs.events[0].id, "00000000-0000-4000-8000-000000000002");
    assert_int_equal(f->wakes, 1);
}

static void pausar_releases_the_lock(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_OK);
    assert_null(fake_locks_find(&f->fl, TAG));
    assert_string_equal(spool(f)->ocupado_por, "");
    assert_int_equal(f->fs.n_events, 2);
    assert_int_equal(f->wakes, 2);
}

/* The sending device goes into every event's metadata; without one the metadata is as the
 * core wrote it. */
static void events_name_the_sending_device(void **state)
{
    fixture_t *f = *state;
    worker_t w;
    assert_int_equal(f->fs.base.ops->worker_get(&f->fs.base, 93, &w), ZE_OK);
    zcmd_t cmd = {.action = ZACT_TOMAR, .op = ZOP_ARM, .worker = &w, .device = "Tablet ARM-1"};
    zoutcome_t out;
    zfail_t fail = {0};
    assert_int_equal(mutate_apply(&f->app, TAG, &cmd, decide_occupation, &out, &fail), ZE_OK);
    assert_int_equal(f->fs.n_events, 1);
    assert_non_null(strstr(f->fs.events[0].metadata_json, "\"device\": \"Tablet ARM-1\""));
    zoutcome_t out2;
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out2, &fail), ZE_OK);
    assert_int_equal(f->fs.n_events, 2);
    assert_null(strstr(f->fs.events[1].metadata_json, "device"));
}

static void double_tap_changes_nothing(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    int acquires = f->fl.acquires;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_true(out.noop);
    assert_int_equal(f->fl.acquires, acquires);
    assert_int_equal(f->fs.n_events, 1);
}

/* ---- failures after the lock was taken ---- */

static void commit_failure_releases_the_lock(void **state)
{
    fixture_t *f = *state;
    f->fs.fail_commit = 1;
    f->fs.commit_error = ZE_STORE_UNAVAILABLE;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_STORE_UNAVAILABLE);
    zfail_clear(&fail);
    assert_null(fake_locks_find(&f->fl, TAG)); /* no lock left behind */
    assert_int_equal(f->fs.n_events, 0);
    assert_int_equal(spool(f)->version, 1);
    assert_int_equal(f->wakes, 0);
}

static void lost_compare_and_set_is_decided_again(void **state)
{
    fixture_t *f = *state;
    f->fs.fail_commit = 2;
    f->fs.commit_error = ZE_VERSION_CONFLICT;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_int_equal(f->fs.commits, 3);
    assert_int_equal(f->fs.n_events, 1);
    assert_int_equal(fake_locks_count(&f->fl), 1);
    assert_int_equal(f->fl.releases, 2); /* each lost attempt gave its lock back */
}

static void compare_and_set_lost_every_time_is_a_conflict(void **state)
{
    fixture_t *f = *state;
    f->fs.fail_commit = MUTATE_MAX_ATTEMPTS;
    f->fs.commit_error = ZE_VERSION_CONFLICT;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_VERSION_CONFLICT);
    assert_non_null(strstr(fail.message, "Conflicto de versión"));
    zfail_clear(&fail);
    assert_int_equal(fake_locks_count(&f->fl), 0);
    assert_int_equal(f->fs.n_events, 0);
}

static void release_failure_after_failed_commit_is_not_fatal(void **state)
{
    fixture_t *f = *state;
    f->fs.fail_commit = 1;
    f->fl.fail_release = 1;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_STORE_UNAVAILABLE);
    zfail_clear(&fail);
    /* The lock stays with its pending TTL only: it expires within 30 s. */
    fake_lock_t *k = fake_locks_find(&f->fl, TAG);
    assert_non_null(k);
    assert_int_equal(k->pttl_ms, RLOCK_PENDING_TTL_MS);
}

static void extend_failure_after_commit_keeps_the_change(void **state)
{
    fixture_t *f = *state;
    f->fl.fail_extend = 1;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_string_equal(spool(f)->ocupado_por, "MR(93)");
    assert_int_equal(f->fs.n_events, 1);
    assert_int_equal(f->wakes, 1);
    /* Reconciliation gives the occupation its full TTL afterwards. */
    reconcile_env_t env = {&f->fs.base, &f->fl.base, f->app.orphans, 3600 * 1000, "0a0b0c0d",
                           "11223344"};
    reconcile_stats_t st;
    assert_int_equal(reconcile_once(&env, &st), ZE_OK);
    assert_int_equal(fake_locks_find(&f->fl, TAG)->pttl_ms, 3600 * 1000);
}

static void release_failure_after_pausar_commit_keeps_the_change(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    f->fl.fail_release = 1;
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_OK);
    assert_string_equal(spool(f)->ocupado_por, "");
    /* The stale lock is what reconciliation removes. */
    assert_non_null(fake_locks_find(&f->fl, TAG));
    reconcile_env_t env = {&f->fs.base, &f->fl.base, f->app.orphans, 3600 * 1000, "0a0b0c0d",
                           "11223344"};
    reconcile_stats_t st;
    assert_int_equal(reconcile_once(&env, &st), ZE_OK);
    assert_int_equal(st.removed, 1);
    assert_null(fake_locks_find(&f->fl, TAG));
}

/* ---- one Redis step before the commit and one after ---- */

/* The payloads the event stored as e would be published with (notify's one renderer). */
static void assert_published(fixture_t *f, int i, const event_rec_t *e)
{
    notify_payloads_t p = {0};
    notify_payloads_add(&p, e);
    assert_int_equal(p.n, 1);
    assert_true(i < f->fl.n_published);
    assert_string_equal(f->fl.published_channel[i], NOTIFY_CHANNEL);
    assert_string_equal(f->fl.published[i], p.msg[0]);
    assert_non_null(strstr(f->fl.published[i], "\"seq\": "));
    notify_payloads_deinit(&p);
}

static void tomar_is_one_lock_step_before_and_one_after(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    /* Before: take-or-read-holder, nothing else. After: extend + publish together. */
    assert_int_equal(f->fl.acquires, 1);
    assert_int_equal(f->fl.gets + f->fl.pttls + f->fl.releases, 0);
    assert_int_equal(f->fl.lock_publish_calls, 1);
    assert_int_equal(f->fl.extends, 1);
    assert_int_equal(f->fl.n_published, 1);
    assert_published(f, 0, &f->fs.events[0]);
    assert_int_equal(fake_locks_find(&f->fl, TAG)->pttl_ms, 3600 * 1000);
    assert_int_equal(f->wakes, 1);
}

static void pausar_is_one_holder_check_and_one_release_with_publish(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_OK);
    assert_int_equal(f->fl.acquires, 2); /* TOMAR's take and PAUSAR's holder check */
    assert_int_equal(f->fl.gets + f->fl.pttls, 0);
    assert_int_equal(f->fl.releases, 1);
    assert_int_equal(f->fl.lock_publish_calls, 2);
    assert_int_equal(f->fl.n_published, 2);
    assert_published(f, 1, &f->fs.events[1]);
    assert_null(fake_locks_find(&f->fl, TAG));
    assert_int_equal(f->wakes, 2);
}

static void pausar_of_a_vanished_lock_still_publishes(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    fake_locks_find(&f->fl, TAG)->used = 0; /* Redis flushed */
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_OK);
    assert_int_equal(f->fl.n_published, 2);
    assert_published(f, 1, &f->fs.events[1]);
    assert_null(fake_locks_find(&f->fl, TAG));
}

/* Inside the commit, the lock changes hands (an expiry and somebody's restore). */
static void lock_taken_during_commit(fake_store_t *fs, void *ud)
{
    (void)fs;
    fake_locks_put(&((fixture_t *)ud)->fl, TAG, "94:someone-else", 3600 * 1000);
}

static void a_lock_lost_during_the_commit_is_left_alone_and_the_event_published(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    f->fs.on_commit = lock_taken_during_commit;
    f->fs.on_commit_ud = f;
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_OK);
    assert_string_equal(spool(f)->ocupado_por, "");
    /* The release matched nothing, so the other holder's lock stays. */
    assert_string_equal(fake_locks_find(&f->fl, TAG)->value, "94:someone-else");
    assert_int_equal(f->fl.n_published, 2);
    assert_published(f, 1, &f->fs.events[1]);
}

static void failed_lock_step_after_commit_publishes_nothing_itself(void **state)
{
    fixture_t *f = *state;
    f->fl.fail_extend = 1;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    /* The script did not run; without a Redis of its own the notifier has nothing to publish
     * through, and the local hub is still woken. */
    assert_int_equal(f->fl.lock_publish_calls, 1);
    assert_int_equal(f->fl.n_published, 0);
    assert_int_equal(f->wakes, 1);
    assert_int_equal(f->fs.n_events, 1);
}

/* ---- lock contention and Redis failures ---- */

static void held_lock_is_occupied_naming_the_holder(void **state)
{
    fixture_t *f = *state;
    fake_locks_put(&f->fl, TAG, "94:someone-else", RLOCK_PENDING_TTL_MS);
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_SPOOL_OCCUPIED);
    assert_non_null(strstr(fail.message, "NR(94)"));
    assert_int_equal(json_integer_value(json_object_get(fail.data, "owner_id")), 94);
    zfail_clear(&fail);
    assert_int_equal(f->fs.commits, 0);
    /* The holder came with the refused take: no second read of the lock. */
    assert_int_equal(f->fl.gets + f->fl.pttls, 0);
    assert_int_equal(f->fl.n_published, 0);
    assert_string_equal(fake_locks_find(&f->fl, TAG)->value, "94:someone-else");
}

static void stale_full_ttl_lock_on_free_spool_is_dropped(void **state)
{
    fixture_t *f = *state;
    fake_locks_put(&f->fl, TAG, "94:left-by-a-failed-release", 3000 * 1000);
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_string_equal(spool(f)->ocupado_por, "MR(93)");
}

static void redis_timeout_on_acquire_is_remembered_as_orphan(void **state)
{
    fixture_t *f = *state;
    f->fl.fail_acquire = 1;
    f->fl.acquire_executes = 1; /* the slow Redis executed the SET after all */
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_REDIS_UNAVAILABLE);
    zfail_clear(&fail);
    assert_int_equal(f->fs.commits, 0);
    fake_lock_t *k = fake_locks_find(&f->fl, TAG);
    assert_non_null(k);
    assert_true(orphans_has(f->app.orphans, TAG, k->value));
    /* The next TOMAR (another worker) finds the orphan in its way and removes it. */
    assert_int_equal(run(f, ZACT_TOMAR, 94, &out, &fail), ZE_OK);
    assert_string_equal(spool(f)->ocupado_por, "NR(94)");
}

static void redis_down_writes_nothing(void **state)
{
    fixture_t *f = *state;
    f->fl.down = 1;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_REDIS_UNAVAILABLE);
    zfail_clear(&fail);
    assert_int_equal(f->fs.commits, 0);
    f->app.locks = NULL; /* no lock service at all */
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_REDIS_UNAVAILABLE);
    zfail_clear(&fail);
    assert_int_equal(f->fs.commits, 0);
}

static void store_down_on_load_is_store_unavailable(void **state)
{
    fixture_t *f = *state;
    f->fs.fail_get = 1;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_STORE_UNAVAILABLE);
    zfail_clear(&fail);
    assert_int_equal(f->fl.acquires, 0);
}

/* ---- ending an occupation whose lock is not as expected ---- */

static void pausar_restores_a_vanished_lock(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    fake_locks_find(&f->fl, TAG)->used = 0; /* Redis flushed */
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_OK);
    assert_null(fake_locks_find(&f->fl, TAG));
    assert_string_equal(spool(f)->ocupado_por, "");
}

static void pausar_commit_failure_drops_the_restored_lock(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    fake_locks_find(&f->fl, TAG)->used = 0;
    f->fs.fail_commit = 1;
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_STORE_UNAVAILABLE);
    zfail_clear(&fail);
    assert_null(fake_locks_find(&f->fl, TAG));
    assert_string_equal(spool(f)->ocupado_por, "MR(93)"); /* unchanged */
}

static void pausar_with_a_foreign_lock_is_lock_expired(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    fake_locks_put(&f->fl, TAG, "94:other", 3600 * 1000);
    assert_int_equal(run(f, ZACT_PAUSAR, 93, &out, &fail), ZE_LOCK_EXPIRED);
    zfail_clear(&fail);
    assert_string_equal(spool(f)->ocupado_por, "MR(93)");
    assert_string_equal(fake_locks_find(&f->fl, TAG)->value, "94:other");
    assert_int_equal(f->fs.n_events, 1);
    /* Nothing committed, so nothing published beyond the TOMAR's event. */
    assert_int_equal(f->fl.n_published, 1);
    assert_int_equal(f->fl.lock_publish_calls, 1);
}

/* ---- reconciliation and the lock's origin ---- */

static void pending_lock_of_a_past_life_is_dropped_at_once(void **state)
{
    fixture_t *f = *state;
    /* A TOMAR of this instance's previous life (boot 99999999) died between lock and commit. */
    fake_locks_put(&f->fl, TAG, "93:0a0b0c0d.99999999.00000000-0000-4000-8000-000000000009",
                   RLOCK_PENDING_TTL_MS - 1000);
    fake_store_add_spool(&f->fs, "OTHER-1");
    /* Another instance's TOMAR in flight is left alone. */
    fake_locks_put(&f->fl, "OTHER-1", "94:deadbeef.99999999.x", RLOCK_PENDING_TTL_MS - 1000);
    reconcile_env_t env = {&f->fs.base, &f->fl.base, f->app.orphans, 3600 * 1000, "0a0b0c0d",
                           "11223344"};
    reconcile_stats_t st;
    assert_int_equal(reconcile_once(&env, &st), ZE_OK);
    assert_int_equal(st.past_life, 1);
    assert_null(fake_locks_find(&f->fl, TAG));
    assert_non_null(fake_locks_find(&f->fl, "OTHER-1"));
    /* This life's own pending lock is a TOMAR in flight too. */
    fake_locks_put(&f->fl, TAG, "93:0a0b0c0d.11223344.y", RLOCK_PENDING_TTL_MS - 1000);
    assert_int_equal(reconcile_once(&env, &st), ZE_OK);
    assert_non_null(fake_locks_find(&f->fl, TAG));
}

static void tomar_drops_a_pending_lock_of_a_past_life(void **state)
{
    fixture_t *f = *state;
    /* This instance died between SET NX and commit; it is back before its first reconciliation
     * pass: the TOMAR itself recognises the lock and takes the spool. */
    fake_locks_put(&f->fl, TAG, "94:0a0b0c0d.99999999.00000000-0000-4000-8000-000000000009",
                   RLOCK_PENDING_TTL_MS - 500);
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    assert_string_equal(spool(f)->ocupado_por, "MR(93)");
    /* Another instance's pending lock is a TOMAR in flight: still 409. */
    fake_store_add_spool(&f->fs, "OTHER-2");
    fake_locks_put(&f->fl, "OTHER-2", "94:deadbeef.99999999.x", RLOCK_PENDING_TTL_MS - 500);
    worker_t w;
    f->fs.base.ops->worker_get(&f->fs.base, 93, &w);
    zcmd_t cmd = {.action = ZACT_TOMAR, .op = ZOP_ARM, .worker = &w};
    memset(&fail, 0, sizeof fail);
    assert_int_equal(mutate_apply(&f->app, "OTHER-2", &cmd, decide_occupation, &out, &fail),
                     ZE_SPOOL_OCCUPIED);
    zfail_clear(&fail);
}

static void reconcile_restores_missing_locks_of_occupied_spools(void **state)
{
    fixture_t *f = *state;
    zoutcome_t out;
    zfail_t fail;
    assert_int_equal(run(f, ZACT_TOMAR, 93, &out, &fail), ZE_OK);
    fake_locks_find(&f->fl, TAG)->used = 0;
    reconcile_env_t env = {&f->fs.base, &f->fl.base, f->app.orphans, 3600 * 1000, "0a0b0c0d",
                           "11223344"};
    reconcile_stats_t st;
    assert_int_equal(reconcile_once(&env, &st), ZE_OK);
    assert_int_equal(st.restored, 1);
    char want[RLOCK_VALUE_MAX];
    rlock_value_format(want, sizeof want, 93, spool(f)->lock_token);
    assert_string_equal(fake_locks_find(&f->fl, TAG)->value, want);
}

/* ---- the lock codec ---- */

static void lock_value_codec(void **state)
{
    (void)state;
    char v[RLOCK_VALUE_MAX];
    int64_t id;
    const char *tok;
    assert_int_equal(rlock_value_format(v, sizeof v, 93, "abc"), ZE_OK);
    assert_string_equal(v, "93:abc");
    assert_int_equal(rlock_value_parse(v, &id, &tok), ZE_OK);
    assert_int_equal(id, 93);
    assert_string_equal(tok, "abc");
    assert_int_equal(rlock_value_parse("93:a:b", &id, &tok), ZE_OK);
    assert_string_equal(tok, "a:b");
    static const char *const bad[] = {"", ":x", "9x:abc", "abc", "-1:x",
                                      "123456789012345678901:x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rlock_value_parse(bad[i], &id, &tok), ZE_BAD_REQUEST);
    assert_int_equal(rlock_value_format(v, 4, 93, "abc"), ZE_BAD_REQUEST);
    assert_string_equal(v, "");
    /* An occupation imported from the sheet has no token: its lock is "93:". */
    assert_int_equal(rlock_value_format(v, sizeof v, 93, ""), ZE_OK);
    assert_string_equal(v, "93:");
    assert_int_equal(rlock_value_parse("93:", &id, &tok), ZE_OK);
    assert_int_equal(id, 93);
    assert_string_equal(tok, "");
    assert_int_equal(rlock_value_format(v, sizeof v, -1, "x"), ZE_BAD_REQUEST);

    char t[RLOCK_TOKEN_MAX];
    assert_int_equal(rlock_token_format(t, sizeof t, "0a0b0c0d", "11223344", "u-u"), ZE_OK);
    assert_string_equal(t, "0a0b0c0d.11223344.u-u");
    assert_int_equal(rlock_token_format(t, sizeof t, "0A0B0C0D", "11223344", "u"), ZE_BAD_REQUEST);
    assert_int_equal(rlock_token_format(t, sizeof t, "0a0b0c", "11223344", "u"), ZE_BAD_REQUEST);
    assert_true(rlock_token_from_past_life("0a0b0c0d.99999999.u", "0a0b0c0d", "11223344"));
    assert_false(rlock_token_from_past_life("0a0b0c0d.11223344.u", "0a0b0c0d", "11223344"));
    assert_false(rlock_token_from_past_life("deadbeef.99999999.u", "0a0b0c0d", "11223344"));
    assert_false(rlock_token_from_past_life("550e8400-e29b-41d4-a716-446655440000", "550e8400",
                                            "11223344"));
    assert_false(rlock_token_from_past_life("demo-1234abcd", "0a0b0c0d", "11223344"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tomar_takes_lock_commits_extends_and_notifies, setup, teardown),
        cmocka_unit_test_setup_teardown(pausar_releases_the_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(events_name_the_sending_device, setup, teardown),
        cmocka_unit_test_setup_teardown(double_tap_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_failure_releases_the_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_compare_and_set_is_decided_again, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_and_set_lost_every_time_is_a_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(release_failure_after_failed_commit_is_not_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(extend_failure_after_commit_keeps_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(release_failure_after_pausar_commit_keeps_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(tomar_is_one_lock_step_before_and_one_after, setup, teardown),
        cmocka_unit_test_setup_teardown(pausar_is_one_holder_check_and_one_release_with_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(pausar_of_a_vanished_lock_still_publishes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_lock_lost_during_the_commit_is_left_alone_and_the_event_published, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_lock_step_after_commit_publishes_nothing_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(held_lock_is_occupied_naming_the_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_full_ttl_lock_on_free_spool_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(redis_timeout_on_acquire_is_remembered_as_orphan, setup, teardown),
        cmocka_unit_test_setup_teardown(redis_down_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(store_down_on_load_is_store_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(pausar_restores_a_vanished_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(pausar_commit_failure_drops_the_restored_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(pausar_with_a_foreign_lock_is_lock_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_lock_of_a_past_life_is_dropped_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(tomar_drops_a_pending_lock_of_a_past_life, setup, teardown),
        cmocka_unit_test_setup_teardown(reconcile_restores_missing_locks_of_occupied_spools, setup, teardown),
        cmocka_unit_test(lock_value_codec),
    };
    return cmocka_run_group_tests_name("app_mutate", tests, NULL, NULL);
}
