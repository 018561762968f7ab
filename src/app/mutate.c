/* The mutation pipeline (see mutate.h for the protocol and its crash analysis). */
#include "app/mutate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify.h"
#include "core/errors.h"
#include "core/names.h"
#include "locks/locks.h"
#include "locks/orphans.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/tz.h"
#include "util/uuid.h"

#define LOG_MODULE "mutate"

static int redis_down(zfail_t *fail)
{
    return zfail_set(fail, ZE_REDIS_UNAVAILABLE, NULL,
                     "Redis no está disponible: no se puede cambiar la ocupación ahora. Nada fue "
                     "modificado; intenta nuevamente en unos segundos.");
}

static int store_down(zfail_t *fail)
{
    return zfail_set(fail, ZE_STORE_UNAVAILABLE, NULL,
                     "La base de datos no está disponible: nada fue modificado. Intenta "
                     "nuevamente.");
}

static int spool_missing(const char *tag, zfail_t *fail)
{
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(tag));
    return zfail_set(fail, ZE_SPOOL_NO_ENCONTRADO, d, "Spool '%s' no encontrado en hoja Operaciones",
                     tag);
}

static int spool_corrupt(const char *tag, zfail_t *fail)
{
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(tag));
    return zfail_set(fail, ZE_DATA_CORRUPT, d,
                     "El spool '%s' tiene datos inválidos en la base de datos; nada fue "
                     "modificado. Contacta al administrador.",
                     tag);
}

/* SPOOL_OCCUPIED naming whoever holds the lock: holder is the lock value the lock step read
 * ("" when it is not known). */
static int held_by_lock(app_t *app, const spool_t *s, const char *holder, zfail_t *fail)
{
    int64_t owner = 0;
    if (rlock_value_parse(holder, &owner, NULL) != ZE_OK) owner = 0;
    char name[ZNAME_MAX];
    worker_t w;
    if (owner > 0 && app->store->ops->worker_get(app->store, owner, &w) == ZE_OK)
        snprintf(name, sizeof name, "%s", w.display);
    else
        snprintf(name, sizeof name, "Worker %lld", (long long)owner);
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(s->tag));
    json_object_set_new(d, "owner_id", json_integer(owner));
    json_object_set_new(d, "owner_name", json_string(name));
    return zfail_set(fail, ZE_SPOOL_OCCUPIED, d,
                     "El spool '%s' ya está ocupado por %s (ID: %lld). Espera a que termine o "
                     "elige otro spool.",
                     s->tag, name, (long long)owner);
}

/* A lock on a spool the store shows free is either a TOMAR in flight (its short pending TTL)
 * or a stale lock left by a release that failed after its commit (full TTL). Only the second is
 * dropped, and only if the spool is still unchanged in the store: a TOMAR that committed is
 * visible there before its lock is extended. value and pttl are what the lock step read.
 * Returns 1 when a stale lock was removed. */
static int drop_stale_lock(app_t *app, const spool_t *s, const char *value, int64_t pttl)
{
    if (pttl >= 0 && pttl <= RLOCK_PENDING_TTL_MS) return 0;
    spool_t now;
    if (app->store->ops->spool_get(app->store, s->tag, &now) != ZE_OK) return 0;
    if (spool_is_occupied(&now) || now.version != s->version) return 0;
    if (app->locks->ops->release(app->locks, s->tag, value) != ZE_OK) return 0;
    LOG_WARN("dropped stale lock of %s (%s) on a free spool", s->tag, value);
    return 1;
}

/* Takes the lock of a spool the store shows free, in one round trip that also says who holds
 * it otherwise (holder, n bytes). A lock in the way may be stale (dropped) or may vanish by
 * itself (a TOMAR that lost its commit releases it): both are retried, so a conflict is only
 * reported while someone really holds the lock. */
static int acquire(app_t *app, const spool_t *s, const char *value, char *holder, size_t n)
{
    int rc = ZE_SPOOL_OCCUPIED;
    for (int i = 0; i < 3 && rc == ZE_SPOOL_OCCUPIED; i++) {
        int64_t pttl = -1;
        rc = app->locks->ops->acquire_or_get(app->locks, s->tag, value, RLOCK_PENDING_TTL_MS,
                                             holder, n, &pttl);
        if (rc != ZE_SPOOL_OCCUPIED) break;
        if (orphans_has(app->orphans, s->tag, holder) ||
            rlock_value_from_past_life(holder, app->instance, app->boot)) {
            /* Left by an earlier request whose lock request timed out, or by a request of this
             * instance's previous life (it died with it, and the spool read after the restart
             * shows it never committed): nobody holds it. */
            if (app->locks->ops->release(app->locks, s->tag, holder) == ZE_REDIS_UNAVAILABLE)
                return ZE_REDIS_UNAVAILABLE;
            holder[0] = '\0'; /* gone: whoever holds the lock now is not known */
            continue;
        }
        if (!drop_stale_lock(app, s, holder, pttl)) break;
    }
    return rc;
}

static int lock_gone(const spool_t *s, zfail_t *fail)
{
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(s->tag));
    return zfail_set(fail, ZE_LOCK_EXPIRED, d,
                     "El lock del spool '%s' expiró durante la operación. La operación tardó "
                     "demasiado. Intenta nuevamente.",
                     s->tag);
}

/* Makes sure the occupant's lock is held before a change that ends the occupation. A lock
 * that vanished (expiry, Redis flush or restart) is restored from the store, which is the
 * record of who occupies the spool; a lock held by anyone else is a 410. One round trip: the
 * restore and the read of the holder are the same atomic step. *taken tells the caller it
 * restored one (to drop it again if the commit fails). */
static int check_holder_lock(app_t *app, const spool_t *s, char *value, size_t n, int *taken,
                             zfail_t *fail)
{
    *taken = 0;
    if (rlock_value_format(value, n, s->ocupado_worker_id, s->lock_token) != ZE_OK)
        return lock_gone(s, fail);
    char cur[RLOCK_VALUE_MAX];
    int rc = app->locks->ops->acquire_or_get(app->locks, s->tag, value, RLOCK_PENDING_TTL_MS, cur,
                                             sizeof cur, NULL);
    if (rc == ZE_REDIS_UNAVAILABLE) return redis_down(fail);
    if (rc == ZE_SPOOL_OCCUPIED) return strcmp(cur, value) == 0 ? ZE_OK : lock_gone(s, fail);
    if (rc != ZE_OK) return lock_gone(s, fail);
    LOG_WARN("lock of %s was missing; restored for %s", s->tag, s->ocupado_por);
    *taken = 1;
    return ZE_OK;
}

/* Writes the outcome in one transaction: the spool with its compare-and-set and its event, or,
 * when the decision also writes unions, Notas or more events, all of it through the store's
 * general commit. The event array handed to the store is contiguous: `event` then `more`. */
static int commit(app_t *app, const spool_t *before, zoutcome_t *out)
{
    int simple = out->n_more == 0 && out->n_puts == 0 && out->n_deletes == 0 && !out->notas_line[0];
    if (simple)
        return app->store->ops->spool_commit(app->store, &out->after, before->version,
                                             &out->event, 1);
    if (!app->store->ops->commit) return ZE_STORE_UNAVAILABLE; /* a backend without unions */
    event_rec_t *ev = xmalloc((1 + out->n_more) * sizeof *ev);
    ev[0] = out->event;
    memcpy(ev + 1, out->more, out->n_more * sizeof *ev);
    store_change_t c = {.spool = &out->after,
                        .expected_version = before->version,
                        .puts = out->puts,
                        .n_puts = out->n_puts,
                        .deletes = out->deletes,
                        .n_deletes = out->n_deletes,
                        .notas_line = out->notas_line[0] ? out->notas_line : NULL,
                        .events = ev,
                        .n_events = 1 + out->n_more};
    int rc = app->store->ops->commit(app->store, &c);
    if (rc == ZE_OK) {
        out->event = ev[0];
        memcpy(out->more, ev + 1, out->n_more * sizeof *ev);
    }
    free(ev);
    return rc;
}

/* For a change without a lock step: wakes the local hub once per event, then publishes every
 * payload of every event, in order, in one pipelined round trip. */
static void notify_all(app_t *app, const zoutcome_t *out)
{
    notify_payloads_t p = {0};
    notify_wake(app->notify);
    notify_payloads_add(&p, &out->event);
    for (size_t i = 0; i < out->n_more; i++) {
        notify_wake(app->notify);
        notify_payloads_add(&p, &out->more[i]);
    }
    notify_publish(app->notify, &p);
    notify_payloads_deinit(&p);
}

/* After the commit of a change with a lock step: extends (TOMAR) or releases (PAUSAR,
 * COMPLETAR) the lock and publishes the events in the same round trip, then wakes the local
 * hub. Should that step fail, the lock is left to reconciliation as before, and the events are
 * published on their own: on an error reply the script published nothing, and while Redis is
 * down the pool fails at once. */
static void settle_lock(app_t *app, const char *tag, const char *value, int64_t ttl_ms,
                        const zoutcome_t *out)
{
    notify_payloads_t p = {0};
    notify_payloads_add(&p, &out->event);
    for (size_t i = 0; i < out->n_more; i++) notify_payloads_add(&p, &out->more[i]);
    const char *const *msgs = (const char *const *)p.msg;
    int rc;
    if (out->lock == ZLOCK_ACQUIRE) {
        rc = app->locks->ops->extend_publish(app->locks, tag, value, ttl_ms, NOTIFY_CHANNEL, msgs,
                                             p.n);
        if (rc != ZE_OK) LOG_WARN("lock of %s not extended; reconciliation restores it", tag);
    } else {
        rc = app->locks->ops->release_publish(app->locks, tag, value, NOTIFY_CHANNEL, msgs, p.n);
        if (rc != ZE_OK) LOG_WARN("lock of %s not released; reconciliation removes it", tag);
    }
    if (rc == ZE_REDIS_UNAVAILABLE) notify_publish(app->notify, &p);
    notify_payloads_deinit(&p);
    notify_wake(app->notify);
    for (size_t i = 0; i < out->n_more; i++) notify_wake(app->notify);
}

static void new_id(const app_t *app, char *out)
{
    if (app->new_id) app->new_id(out);
    else uuid4(out);
}

/* Every event of the outcome names the device that sent the request (audit: who, and from
 * which tablet). Metadata too large to take the name keeps its text, logged. */
static void stamp_device(zoutcome_t *out, const char *device)
{
    if (event_stamp_device(&out->event, device) != 0)
        LOG_WARN("event %s of %s: metadata cannot take the device name", out->event.tipo,
                 out->event.tag);
    for (size_t i = 0; i < out->n_more; i++)
        if (event_stamp_device(&out->more[i], device) != 0)
            LOG_WARN("event %s of %s: metadata cannot take the device name", out->more[i].tipo,
                     out->more[i].tag);
}

/* The attempts of mutate_apply (see there); unions is scratch room for ZUNION_MAX unions. */
static int mutate_attempts(app_t *app, const char *tag, zcmd_t *cmd, mutate_decide_fn decide,
                           zoutcome_t *out, zfail_t *fail, zunion_t *unions, int64_t ttl_ms,
                           const char *token)
{
    for (int attempt = 1; attempt <= MUTATE_MAX_ATTEMPTS; attempt++) {
        spool_t s;
        int rc = app->store->ops->spool_get(app->store, tag, &s);
        if (rc == ZE_SPOOL_NO_ENCONTRADO) return spool_missing(tag, fail);
        if (rc == ZE_DATA_CORRUPT) return spool_corrupt(tag, fail);
        if (rc != ZE_OK) return store_down(fail);
        /* The spool's unions, for the decisions that read them (a store without unions has
         * none to give). Re-read with the spool on every attempt. */
        size_t nu = 0;
        if (app->store->ops->unions_get &&
            app->store->ops->unions_get(app->store, tag, unions, &nu) != ZE_OK)
            return store_down(fail);
        cmd->unions = unions;
        cmd->n_unions = nu;
        out->n_more = out->n_puts = out->n_deletes = 0;
        out->notas_line[0] = '\0';
        rc = decide(&s, cmd, out, fail);
        if (rc != ZE_OK || out->noop) return rc;
        for (size_t i = 0; i < out->n_more; i++) new_id(app, out->more[i].id);
        if (cmd->device) stamp_device(out, cmd->device);

        char value[RLOCK_VALUE_MAX] = "";
        int locked = 0;
        if (out->lock == ZLOCK_ACQUIRE || out->lock == ZLOCK_RELEASE) {
            if (!app->locks) return redis_down(fail);
            if (out->lock == ZLOCK_ACQUIRE) {
                if (rlock_value_format(value, sizeof value, cmd->worker->id, token) != ZE_OK)
                    return zfail_set(fail, ZE_BAD_REQUEST, NULL, "worker_id inválido");
                char holder[RLOCK_VALUE_MAX] = "";
                rc = acquire(app, &s, value, holder, sizeof holder);
                if (rc == ZE_REDIS_UNAVAILABLE) {
                    /* A slow Redis may still execute the SET after our timeout. */
                    orphans_add(app->orphans, tag, value);
                    return redis_down(fail);
                }
                if (rc != ZE_OK) return held_by_lock(app, &s, holder, fail);
                locked = 1;
            } else {
                rc = check_holder_lock(app, &s, value, sizeof value, &locked, fail);
                if (rc != ZE_OK) return rc;
            }
        }

        rc = commit(app, &s, out);
        if (rc != ZE_OK) {
            if (locked && app->locks->ops->release(app->locks, tag, value) == ZE_REDIS_UNAVAILABLE)
                LOG_WARN("could not release the lock of %s after a failed commit; it expires "
                         "in %d s",
                         tag, RLOCK_PENDING_TTL_MS / 1000);
            if (rc == ZE_VERSION_CONFLICT) continue; /* someone changed the spool: decide again */
            if (rc == ZE_SPOOL_NO_ENCONTRADO) return spool_missing(tag, fail);
            return store_down(fail);
        }

        /* Committed: from here on the change stands whatever Redis does. */
        if (out->lock == ZLOCK_ACQUIRE || out->lock == ZLOCK_RELEASE)
            settle_lock(app, tag, value, ttl_ms, out);
        else
            notify_all(app, out);
        return ZE_OK;
    }
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(tag));
    return zfail_set(fail, ZE_VERSION_CONFLICT, d,
                     "Conflicto de versión: el spool '%s' cambió %d veces mientras se procesaba. "
                     "El spool fue modificado por otro proceso. Intenta nuevamente.",
                     tag, MUTATE_MAX_ATTEMPTS);
}

int mutate_apply(app_t *app, const char *tag, zcmd_t *cmd, mutate_decide_fn decide,
                 zoutcome_t *out, zfail_t *fail)
{
    char token[RLOCK_TOKEN_MAX], uuid[UUID_STR_LEN], event_id[UUID_STR_LEN], now_text[32];
    cmd->now = app_now(app);
    cmd->today = tz_date(cmd->now);
    cmd->local_date = tz_date;
    tz_format_dmy_hms(cmd->now, now_text, sizeof now_text);
    cmd->now_text = now_text;
    new_id(app, uuid);
    new_id(app, event_id);
    if (rlock_token_format(token, sizeof token, app->instance, app->boot, uuid) != ZE_OK)
        snprintf(token, sizeof token, "%s", uuid); /* an app without an origin (tests) */
    cmd->lock_token = token;
    cmd->event_id = event_id;
    int64_t ttl_ms = (int64_t)app->cfg->lock_ttl_seconds * 1000;

    zunion_t *unions = xcalloc(ZUNION_MAX, sizeof *unions);
    int rc = mutate_attempts(app, tag, cmd, decide, out, fail, unions, ttl_ms, token);
    free(unions);
    return rc;
}
