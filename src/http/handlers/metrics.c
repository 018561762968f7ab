/* GET /metrics: the Prometheus text exposition a monitoring system scrapes. The HTTP counters
 * come from http/metrics.c; the rest is read at scrape time (store counters, live streams,
 * whether the store and Redis answer). */
#include "app/app.h"
#include "app/sheets.h"
#include "core/errors.h"
#include "core/prom.h"
#include "http/handlers/handlers.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/sse_hub.h"
#include "redis/redis.h"
#include "store/store.h"

static void gauge(buf_t *b, const char *name, const char *help, double v)
{
    prom_family(b, name, "gauge", help);
    prom_sample(b, name, NULL, v);
}

static void counter(buf_t *b, const char *name, const char *help, double v)
{
    prom_family(b, name, "counter", help);
    prom_sample(b, name, NULL, v);
}

static void store_families(buf_t *b, app_t *app)
{
    store_stats_t st;
    app->store->ops->stats(app->store, &st);
    int up = app->store->ops->ping(app->store) == ZE_OK;
    prom_family(b, "zeues_store_up", "gauge",
                "1 when the store answers a query now; backend names the store.");
    const char *l[] = {"backend", app->store->ops->name, NULL};
    prom_sample(b, "zeues_store_up", l, up);
    prom_family(b, "zeues_store_write_state", "gauge",
                "What the last write met: 1 for the state it is in (ok, read_only, full, error).");
    static const char *const states[] = {"ok", "read_only", "full", "error"};
    for (int i = 0; i < 4; i++) {
        const char *sl[] = {"state", states[i], NULL};
        prom_sample(b, "zeues_store_write_state", sl, st.write_state == i);
    }
    counter(b, "zeues_store_changes_total", "State changes committed by this process.",
            (double)st.changes);
    counter(b, "zeues_store_transactions_total",
            "Write transactions committed by this process (group commit: several changes each).",
            (double)st.transactions);
    if (st.syncs >= 0)
        counter(b, "zeues_store_syncs_total", "fsync calls asked of the operating system.",
                (double)st.syncs);
    if (st.wal_bytes >= 0)
        gauge(b, "zeues_store_wal_bytes", "Size of the SQLite write-ahead log now.",
              (double)st.wal_bytes);
    if (st.ckpt_hold_max_us >= 0)
        gauge(b, "zeues_store_checkpoint_hold_max_seconds",
              "Longest time a checkpoint kept writers waiting.", (double)st.ckpt_hold_max_us / 1e6);
}

/* The spreadsheet sync, when it is configured: how far the sheet is behind the store. */
static void sheets_families(buf_t *b, app_t *app, int64_t now)
{
    sheets_sync_t *s = __atomic_load_n(&app->sheets, __ATOMIC_ACQUIRE);
    if (!s) return;
    json_t *h = sheets_sync_health(s, app->store, now);
    const char *state = json_string_value(json_object_get(h, "state"));
    prom_family(b, "zeues_sheets_state", "gauge",
                "1 for the spreadsheet sync's state now (ok, starting, error, ...).");
    const char *l[] = {"state", state ? state : "unknown", NULL};
    prom_sample(b, "zeues_sheets_state", l, 1);
    json_t *pending = json_object_get(h, "events_pending"), *behind = json_object_get(h,
                                                                              "behind_seconds");
    if (json_is_integer(pending))
        gauge(b, "zeues_sheets_events_pending", "Audit events not yet in the Metadata sheet.",
              (double)json_integer_value(pending));
    if (json_is_integer(behind))
        gauge(b, "zeues_sheets_behind_seconds",
              "Age of the oldest event not yet in the Metadata sheet (0: up to date).",
              (double)json_integer_value(behind));
    counter(b, "zeues_sheets_events_pushed_total", "Events this process wrote to the sheet.",
            (double)json_integer_value(json_object_get(h, "events_pushed")));
    counter(b, "zeues_sheets_conflicts_total",
            "Tracking cells a person changed in the sheet and the sync put back.",
            (double)json_integer_value(json_object_get(h, "conflicts")));
    json_decref(h);
}

int h_metrics(req_t *r)
{
    app_t *app = r->app;
    buf_t b = {0};
    metrics_render_http(&b, routes, routes_count);
    store_families(&b, app);
    char err[256];
    gauge(&b, "zeues_redis_up", "1 when Redis answers a PING now.",
          app->redis && rpool_ping(app->redis, err, sizeof err) == ZE_OK);
    sse_hub_t *hub = r->env ? r->env->hub : NULL;
    gauge(&b, "zeues_sse_clients", "Live event streams attached now.",
          (double)sse_hub_clients(hub));
    gauge(&b, "zeues_sse_redis_subscribed",
          "1 while the live-event subscription to Redis is up (other instances' changes arrive).",
          sse_hub_redis_up(hub));
    sheets_families(&b, app, r->now);
    gauge(&b, "zeues_uptime_seconds", "Seconds since this server started.",
          (double)(r->now - app->started_at));
    int rc = reply_bytes(r, 200, PROM_CONTENT_TYPE, b.data ? b.data : "", b.len);
    buf_deinit(&b);
    return rc;
}
