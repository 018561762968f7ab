/* The spreadsheet sync's worker thread inside the server and the state /api/health shows
 * (app/sheets.h). Its schedule: a pull at start and every --sheets-pull-interval seconds, a
 * push cycle every --sheets-push-interval-ms while events are pending; after a 429, a 5xx or
 * no answer, truncated exponential backoff with jitter; after an error that needs a person
 * (403, 404, a missing sheet, a refused key) one attempt per --sheets-backoff-max-ms, so a
 * revoked share never becomes a retry storm. Tablet requests never wait for any of it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/sheets.h"
#include "store/store.h"
#include "core/sheets_backoff.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"
#include "util/tz.h"

#define LOG_MODULE "sheets"

struct sheets_sync {
    const config_t *cfg;
    struct store *store;
    sync_client_t *client;
    sheets_ctx_t ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    /* what health shows, under mu */
    const char *state;
    sync_err_t last_err;
    int64_t last_err_at;
    int64_t conflicts;
    int64_t events_pushed;
    int attempt;
};

/* Sleeps up to ms or until stop; non-zero when stopping. */
static int wait_ms(void *ud, int64_t ms)
{
    sheets_sync_t *s = ud;
    pthread_mutex_lock(&s->mu);
    if (!s->stop && ms > 0) {
        struct timespec dl = clock_deadline_in(ms);
        while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &dl) == 0) {
        }
    }
    int stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static const char *kind_state(int kind)
{
    switch (kind) {
    case SYNC_OK: return "ok";
    case SYNC_E_RETRY: return "retrying";
    default: return "error";
    }
}

static void set_result(sheets_sync_t *s, int rc, const sync_err_t *e)
{
    pthread_mutex_lock(&s->mu);
    s->state = kind_state(rc);
    s->conflicts = s->ctx.conflicts;
    if (rc != SYNC_OK && rc != SYNC_E_STOPPED) {
        s->last_err = *e;
        s->last_err_at = tz_now();
    }
    pthread_mutex_unlock(&s->mu);
}

/* The wait after an outcome: none after success, backoff after a retryable failure, the
 * longest backoff after one that needs a person. */
static int64_t wait_after(sheets_sync_t *s, int rc)
{
    int64_t max = s->cfg->sheets_backoff_max_ms;
    if (rc == SYNC_OK) {
        s->attempt = 0;
        return 0;
    }
    if (rc != SYNC_E_RETRY) return max;
    uint32_t rnd = (uint32_t)rand_r(&(unsigned){(unsigned)clock_mono_ns()});
    return sheets_backoff_ms(s->attempt++, rnd, max);
}

static void *run(void *arg)
{
    sheets_sync_t *s = arg;
    int64_t next_pull = clock_mono_ms(); /* a pull first: new spools in, the sheet reconciled */
    int pull_ok = 0;
    while (!wait_ms(s, 0)) {
        sync_err_t e;
        memset(&e, 0, sizeof e);
        int rc = SYNC_OK;
        if (clock_mono_ms() >= next_pull) {
            rc = sheets_pull_once(&s->ctx, &e);
            if (rc == SYNC_OK) {
                if (!pull_ok) LOG_INFO("pull done; pushing from now on");
                pull_ok = 1;
            } else if (rc != SYNC_E_STOPPED) {
                LOG_WARN("pull: %s", e.msg);
            }
            /* A pull refused for the sheet's content (a required column missing) does not
             * hold back the push, which needs only the key columns. */
            if (rc == SYNC_OK || rc == SYNC_E_BAD_RANGE)
                next_pull = s->cfg->sheets_pull_interval > 0
                                ? clock_mono_ms() + (int64_t)s->cfg->sheets_pull_interval * 1000
                                : INT64_MAX;
            if (rc != SYNC_OK && rc != SYNC_E_BAD_RANGE) {
                set_result(s, rc, &e);
                wait_ms(s, wait_after(s, rc));
                continue;
            }
        }
        sync_err_t pe;
        sheets_push_result_t r;
        int prc = sheets_push_once(&s->ctx, &r, &pe);
        if (prc != SYNC_OK && prc != SYNC_E_STOPPED)
            LOG_WARN("push: %s", pe.msg);
        if (prc == SYNC_OK &&
            (r.events_appended || r.cells_written || r.rows_appended || r.rows_deleted))
            LOG_INFO("push: %zu events to Metadata, %zu cells, %zu rows appended, %zu deleted",
                     r.events_appended, r.cells_written, r.rows_appended, r.rows_deleted);
        /* The pull's own refusal stays visible until a push or pull clears it. */
        if (prc == SYNC_OK && rc != SYNC_OK) set_result(s, rc, &e);
        else set_result(s, prc, &pe);
        if (prc == SYNC_OK) {
            pthread_mutex_lock(&s->mu);
            s->events_pushed += (int64_t)r.events_appended;
            pthread_mutex_unlock(&s->mu);
        }
        int64_t w = wait_after(s, prc);
        if (prc == SYNC_OK) w = s->cfg->sheets_push_interval_ms;
        wait_ms(s, w);
    }
    return NULL;
}

sheets_sync_t *sheets_sync_start(const config_t *cfg, struct store *st, char *err, size_t n)
{
    if (n) err[0] = '\0';
    if (!cfg->sheets_key[0] || !cfg->sheet_id[0]) return NULL;
    sheets_sync_t *s = xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->store = st;
    pthread_mutex_init(&s->mu, NULL);
    clock_cond_init(&s->cv);
    sync_opts_t o = {.key_file = cfg->sheets_key,
                     .sheet_id = cfg->sheet_id,
                     .api_url = cfg->sheets_api_url,
                     .writes_per_min = cfg->sheets_writes_per_min,
                     .reads_per_min = cfg->sheets_reads_per_min,
                     .timeout_ms = cfg->sheets_timeout_ms,
                     .sleep = wait_ms,
                     .sleep_ud = s};
    s->client = sync_client_new(&o, err, n);
    if (!s->client) {
        /* No thread: health shows the key's problem until the server is restarted with a
         * usable key (the rest of the server runs as usual). */
        s->state = "error";
        s->last_err.kind = SYNC_E_CONFIG;
        snprintf(s->last_err.msg, sizeof s->last_err.msg, "%s", err);
        s->last_err_at = tz_now();
        return s;
    }
    sheets_ctx_init(&s->ctx, s->client, st);
    s->state = "starting";
    if (thread_start(&s->thread, "zeues-sheets", run, s) != 0) {
        snprintf(err, n, "sheets: cannot start the sync thread");
        sync_client_free(s->client);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    LOG_INFO("sheets sync on: spreadsheet %s as %s, %d writes/min", cfg->sheet_id,
             sync_client_email(s->client), cfg->sheets_writes_per_min);
    return s;
}

void sheets_sync_stop(sheets_sync_t *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->client) pthread_join(s->thread, NULL);
    sync_client_free(s->client);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static json_t *iso_or_null(int64_t t)
{
    if (t <= 0) return json_null();
    char b[32];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(b);
}

json_t *sheets_sync_health(sheets_sync_t *s, struct store *st, int64_t now)
{
    json_t *o = json_object();
    if (!s) {
        json_object_set_new(o, "state", json_string("off"));
        return o;
    }
    int64_t pending = 0, behind = 0, last_push = 0, last_pull = 0;
    int store_ok = sheets_pending(st, now, &pending, &behind) == 0;
    st->ops->sync_get(st, SHEETS_LAST_PUSH, &last_push);
    st->ops->sync_get(st, SHEETS_LAST_PULL, &last_pull);
    pthread_mutex_lock(&s->mu);
    json_object_set_new(o, "state", json_string(s->state));
    json_object_set_new(o, "sheet_id", json_string(s->cfg->sheet_id));
    json_object_set_new(o, "service_account",
                        json_string(s->client ? sync_client_email(s->client) : ""));
    json_object_set_new(o, "last_push_at", iso_or_null(last_push));
    json_object_set_new(o, "last_pull_at", iso_or_null(last_pull));
    json_object_set_new(o, "events_pending", store_ok ? json_integer(pending) : json_null());
    json_object_set_new(o, "behind_seconds", store_ok ? json_integer(behind) : json_null());
    json_object_set_new(o, "events_pushed", json_integer(s->events_pushed));
    json_object_set_new(o, "conflicts", json_integer(s->conflicts));
    int ok = strcmp(s->state, "ok") == 0 || strcmp(s->state, "starting") == 0;
    json_object_set_new(o, "last_error", s->last_err_at && !ok ? json_string(s->last_err.msg)
                                                               : json_null());
    json_object_set_new(o, "last_error_http",
                        s->last_err_at && !ok ? json_integer(s->last_err.http) : json_null());
    json_object_set_new(o, "last_error_at", iso_or_null(s->last_err_at));
    pthread_mutex_unlock(&s->mu);
    return o;
}
