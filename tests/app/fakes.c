/* In-memory store and lock service for the application-layer tests (see fakes.h). */
#include "fakes.h"

#include <stdio.h>
#include <string.h>

#include "core/errors.h"

/* ---- store ---- */

static fake_store_t *FS(store_t *st) { return (fake_store_t *)st; }

spool_t *fake_store_spool(fake_store_t *fs, const char *tag)
{
    for (size_t i = 0; i < fs->n_spools; i++)
        if (strcmp(fs->spools[i].tag, tag) == 0) return &fs->spools[i];
    return NULL;
}

static void st_close(store_t *st) { (void)st; }

static int st_spool_get(store_t *st, const char *tag, spool_t *out)
{
    fake_store_t *fs = FS(st);
    if (fs->fail_get > 0) {
        fs->fail_get--;
        return ZE_STORE_UNAVAILABLE;
    }
    spool_t *s = fake_store_spool(fs, tag);
    if (!s) return ZE_SPOOL_NO_ENCONTRADO;
    *out = *s;
    return ZE_OK;
}

static int st_spool_foreach(store_t *st, spool_visit_fn fn, void *ud)
{
    fake_store_t *fs = FS(st);
    for (size_t i = 0; i < fs->n_spools; i++) {
        spool_t copy = fs->spools[i];
        if (fn(ud, &copy)) break;
    }
    return ZE_OK;
}

static int st_spool_commit(store_t *st, spool_t *s, int64_t expected, event_rec_t *ev, size_t nev)
{
    fake_store_t *fs = FS(st);
    fs->commits++;
    if (fs->on_commit) fs->on_commit(fs, fs->on_commit_ud);
    if (fs->fail_commit > 0) {
        fs->fail_commit--;
        return fs->commit_error;
    }
    spool_t *cur = fake_store_spool(fs, s->tag);
    if (!cur) return ZE_SPOOL_NO_ENCONTRADO;
    if (cur->version != expected) return ZE_VERSION_CONFLICT;
    if (fs->n_events + nev > FAKE_MAX_EVENTS) return ZE_STORE_UNAVAILABLE;
    s->version = expected + 1;
    *cur = *s;
    for (size_t i = 0; i < nev; i++) {
        ev[i].seq = (int64_t)fs->n_events + 1;
        fs->events[fs->n_events++] = ev[i];
    }
    return ZE_OK;
}

static int st_worker_get(store_t *st, int64_t id, worker_t *out)
{
    fake_store_t *fs = FS(st);
    for (size_t i = 0; i < fs->n_workers; i++)
        if (fs->workers[i].id == id) {
            *out = fs->workers[i];
            return ZE_OK;
        }
    return ZE_WORKER_NO_ENCONTRADO;
}

static int st_worker_foreach(store_t *st, worker_visit_fn fn, void *ud)
{
    fake_store_t *fs = FS(st);
    for (size_t i = 0; i < fs->n_workers; i++)
        if (fn(ud, &fs->workers[i])) break;
    return ZE_OK;
}

static int st_event_foreach_tag(store_t *st, const char *tag, event_visit_fn fn, void *ud)
{
    fake_store_t *fs = FS(st);
    for (size_t i = 0; i < fs->n_events; i++)
        if (strcmp(fs->events[i].tag, tag) == 0 && fn(ud, &fs->events[i])) break;
    return ZE_OK;
}

static int st_event_foreach_since(store_t *st, int64_t after, size_t limit, event_visit_fn fn,
                                  void *ud)
{
    fake_store_t *fs = FS(st);
    size_t n = 0;
    for (size_t i = 0; i < fs->n_events && n < limit; i++)
        if (fs->events[i].seq > after) {
            n++;
            if (fn(ud, &fs->events[i])) break;
        }
    return ZE_OK;
}

static int st_event_last_seq(store_t *st, int64_t *out)
{
    *out = (int64_t)FS(st)->n_events;
    return ZE_OK;
}

static int st_generation(store_t *st, int64_t *out)
{
    *out = FS(st)->commits;
    return ZE_OK;
}

static int st_ping(store_t *st)
{
    (void)st;
    return ZE_OK;
}

static const struct store_ops FAKE_STORE_OPS = {
    .name = "fake",
    .close = st_close,
    .spool_get = st_spool_get,
    .spool_foreach = st_spool_foreach,
    .spool_commit = st_spool_commit,
    .worker_get = st_worker_get,
    .worker_foreach = st_worker_foreach,
    .event_foreach_tag = st_event_foreach_tag,
    .event_foreach_since = st_event_foreach_since,
    .event_last_seq = st_event_last_seq,
    .ping = st_ping,
    .generation = st_generation,
};

void fake_store_init(fake_store_t *fs)
{
    memset(fs, 0, sizeof *fs);
    fs->base.ops = &FAKE_STORE_OPS;
    fs->commit_error = ZE_STORE_UNAVAILABLE;
}

spool_t *fake_store_add_spool(fake_store_t *fs, const char *tag)
{
    spool_t *s = &fs->spools[fs->n_spools++];
    memset(s, 0, sizeof *s);
    s->row = (int64_t)fs->n_spools;
    snprintf(s->tag, sizeof s->tag, "%s", tag);
    zdate_make(2026, 1, 5, &s->fecha_materiales);
    s->version = 1;
    return s;
}

worker_t *fake_store_add_worker(fake_store_t *fs, int64_t id, const char *nombre,
                                const char *apellido, unsigned roles)
{
    worker_t *w = &fs->workers[fs->n_workers++];
    memset(w, 0, sizeof *w);
    w->id = id;
    snprintf(w->nombre, sizeof w->nombre, "%s", nombre);
    snprintf(w->apellido, sizeof w->apellido, "%s", apellido);
    w->roles = roles;
    w->activo = 1;
    snprintf(w->display, sizeof w->display, "%c%c(%lld)", nombre[0], apellido[0], (long long)id);
    return w;
}

/* ---- locks ---- */

static fake_locks_t *FL(locks_t *l) { return (fake_locks_t *)l; }

fake_lock_t *fake_locks_find(fake_locks_t *fl, const char *tag)
{
    for (int i = 0; i < FAKE_MAX_LOCKS; i++)
        if (fl->l[i].used && strcmp(fl->l[i].tag, tag) == 0) return &fl->l[i];
    return NULL;
}

void fake_locks_put(fake_locks_t *fl, const char *tag, const char *value, int64_t pttl_ms)
{
    fake_lock_t *k = fake_locks_find(fl, tag);
    for (int i = 0; !k && i < FAKE_MAX_LOCKS; i++)
        if (!fl->l[i].used) k = &fl->l[i];
    if (!k) return;
    k->used = 1;
    snprintf(k->tag, sizeof k->tag, "%s", tag);
    snprintf(k->value, sizeof k->value, "%s", value);
    k->pttl_ms = pttl_ms;
}

int fake_locks_count(const fake_locks_t *fl)
{
    int n = 0;
    for (int i = 0; i < FAKE_MAX_LOCKS; i++) n += fl->l[i].used;
    return n;
}

static int lk_acquire(locks_t *l, const char *tag, const char *value, int64_t ttl_ms)
{
    fake_locks_t *fl = FL(l);
    fl->acquires++;
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    if (fl->fail_acquire > 0) {
        fl->fail_acquire--;
        if (fl->acquire_executes && !fake_locks_find(fl, tag)) fake_locks_put(fl, tag, value, ttl_ms);
        return ZE_REDIS_UNAVAILABLE;
    }
    if (fake_locks_find(fl, tag)) return ZE_SPOOL_OCCUPIED;
    fake_locks_put(fl, tag, value, ttl_ms);
    return ZE_OK;
}

static int lk_get(locks_t *l, const char *tag, char *value, size_t n)
{
    fake_locks_t *fl = FL(l);
    fl->gets++;
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    fake_lock_t *k = fake_locks_find(fl, tag);
    if (!k) return ZE_NOT_FOUND;
    snprintf(value, n, "%s", k->value);
    return ZE_OK;
}

static int lk_pttl(locks_t *l, const char *tag, int64_t *pttl)
{
    fake_locks_t *fl = FL(l);
    fl->pttls++;
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    fake_lock_t *k = fake_locks_find(fl, tag);
    if (!k) return ZE_NOT_FOUND;
    *pttl = k->pttl_ms;
    return ZE_OK;
}

static int lk_release(locks_t *l, const char *tag, const char *value)
{
    fake_locks_t *fl = FL(l);
    fl->releases++;
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    if (fl->fail_release > 0) {
        fl->fail_release--;
        return ZE_REDIS_UNAVAILABLE;
    }
    fake_lock_t *k = fake_locks_find(fl, tag);
    if (!k || strcmp(k->value, value) != 0) return ZE_NOT_FOUND;
    k->used = 0;
    return ZE_OK;
}

static int lk_extend(locks_t *l, const char *tag, const char *value, int64_t ttl_ms)
{
    fake_locks_t *fl = FL(l);
    fl->extends++;
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    if (fl->fail_extend > 0) {
        fl->fail_extend--;
        return ZE_REDIS_UNAVAILABLE;
    }
    fake_lock_t *k = fake_locks_find(fl, tag);
    if (!k || strcmp(k->value, value) != 0) return ZE_NOT_FOUND;
    k->pttl_ms = ttl_ms;
    return ZE_OK;
}

/* The three one-round-trip operations, built from the single ones above so that the failure
 * switches (down, fail_acquire, fail_extend, fail_release) and counters apply to them too. */
static int lk_acquire_or_get(locks_t *l, const char *tag, const char *value, int64_t ttl_ms,
                             char *holder, size_t n, int64_t *holder_pttl_ms)
{
    if (holder) holder[0] = '\0';
    if (holder_pttl_ms) *holder_pttl_ms = -1;
    int rc = lk_acquire(l, tag, value, ttl_ms);
    if (rc != ZE_SPOOL_OCCUPIED) return rc;
    fake_lock_t *k = fake_locks_find(FL(l), tag);
    if (holder) snprintf(holder, n, "%s", k->value);
    if (holder_pttl_ms) *holder_pttl_ms = k->pttl_ms;
    return rc;
}

static void publish_all(fake_locks_t *fl, const char *channel, const char *const *msgs,
                        size_t nmsgs)
{
    for (size_t i = 0; i < nmsgs && fl->n_published < FAKE_MAX_PUBLISHED; i++) {
        snprintf(fl->published[fl->n_published], FAKE_PUBLISHED_MAX, "%s", msgs[i]);
        snprintf(fl->published_channel[fl->n_published], 32, "%s", channel);
        fl->n_published++;
    }
}

static int lk_extend_publish(locks_t *l, const char *tag, const char *value, int64_t ttl_ms,
                             const char *channel, const char *const *msgs, size_t nmsgs)
{
    FL(l)->lock_publish_calls++;
    int rc = lk_extend(l, tag, value, ttl_ms);
    if (rc != ZE_REDIS_UNAVAILABLE) publish_all(FL(l), channel, msgs, nmsgs);
    return rc;
}

static int lk_release_publish(locks_t *l, const char *tag, const char *value,
                              const char *channel, const char *const *msgs, size_t nmsgs)
{
    FL(l)->lock_publish_calls++;
    int rc = lk_release(l, tag, value);
    if (rc != ZE_REDIS_UNAVAILABLE) publish_all(FL(l), channel, msgs, nmsgs);
    return rc;
}

static int lk_force_delete(locks_t *l, const char *tag)
{
    fake_locks_t *fl = FL(l);
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    fake_lock_t *k = fake_locks_find(fl, tag);
    if (k) k->used = 0;
    return ZE_OK;
}

static int lk_scan(locks_t *l, rlock_visit_fn fn, void *ud)
{
    fake_locks_t *fl = FL(l);
    if (fl->down) return ZE_REDIS_UNAVAILABLE;
    fake_lock_t snap[FAKE_MAX_LOCKS];
    memcpy(snap, fl->l, sizeof snap);
    for (int i = 0; i < FAKE_MAX_LOCKS; i++)
        if (snap[i].used && fn(ud, snap[i].tag, snap[i].value, snap[i].pttl_ms)) break;
    return ZE_OK;
}

static void lk_free(locks_t *l) { (void)l; }

static const struct locks_ops FAKE_LOCKS_OPS = {
    .acquire = lk_acquire,
    .get = lk_get,
    .pttl = lk_pttl,
    .release = lk_release,
    .extend = lk_extend,
    .acquire_or_get = lk_acquire_or_get,
    .extend_publish = lk_extend_publish,
    .release_publish = lk_release_publish,
    .force_delete = lk_force_delete,
    .scan = lk_scan,
    .free = lk_free,
};

void fake_locks_init(fake_locks_t *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->base.ops = &FAKE_LOCKS_OPS;
}
