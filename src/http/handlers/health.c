/* GET /api/health (store and Redis) and GET /api/redis-health (reference shapes). */
#include <stdio.h>
#include <time.h>

#include "app/auth.h"
#include "app/sheets.h"
#include "core/errors.h"
#include "http/handlers/handlers.h"
#include "redis/redis.h"
#include "store/store.h"

static void utc_iso(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What "store" says: whether it answers, and whether its last write went through. */
static const char *store_word(int answers, const store_stats_t *st)
{
    if (!answers) return "error";
    switch (st->write_state) {
    case STORE_WRITE_OK: return "ok";
    case STORE_WRITE_READ_ONLY: return "read_only";
    case STORE_WRITE_FULL: return "full";
    default: return "error";
    }
}

static json_t *stats_json(const store_stats_t *st)
{
    return json_pack("{sI sI sI sI sI sI}", "changes", (json_int_t)st->changes, "transactions",
                     (json_int_t)st->transactions, "syncs", (json_int_t)st->syncs, "max_batch",
                     (json_int_t)st->max_batch, "wal_bytes", (json_int_t)st->wal_bytes,
                     "checkpoint_hold_max_us", (json_int_t)st->ckpt_hold_max_us);
}

int h_health(req_t *r)
{
    app_t *app = r->app;
    /* The ping first: it may update what the stats say about writes. */
    int answers = app->store->ops->ping(app->store) == ZE_OK;
    store_stats_t stats;
    app->store->ops->stats(app->store, &stats);
    const char *store = store_word(answers, &stats);
    int store_ok = store[0] == 'o';
    char err[256] = "";
    const char *redis = "disconnected";
    if (app->redis) redis = rpool_ping(app->redis, err, sizeof err) == ZE_OK ? "ok" : "error";
    char ts[32];
    utc_iso(r->now, ts, sizeof ts);
    json_t *o = json_object();
    int healthy = store_ok && app->redis && redis[0] == 'o';
    json_object_set_new(o, "status", json_string(healthy ? "healthy" : "degraded"));
    json_object_set_new(o, "timestamp", json_string(ts));
    json_object_set_new(o, "environment", json_string(app->cfg->environment));
    /* sheets_connection is what the original frontend reads: our store takes the Sheets' place. */
    json_object_set_new(o, "sheets_connection", json_string(store_ok ? "ok" : "error"));
    json_object_set_new(o, "version", json_string("1.0.0"));
    json_object_set_new(o, "store", json_string(store));
    json_object_set_new(o, "store_backend", json_string(app->store->ops->name));
    json_object_set_new(o, "store_stats", stats_json(&stats));
    json_object_set_new(o, "redis", json_string(redis));
    json_object_set_new(o, "uptime_seconds", json_integer(r->now - app->started_at));
    /* The office's spreadsheet: how far behind the store it is (app/sheets.h). */
    json_object_set_new(o, "sheets", sheets_sync_health(__atomic_load_n(&app->sheets, __ATOMIC_ACQUIRE),
                                                         app->store, r->now));
    json_object_set_new(o, "auth", json_string(access_mode_name(auth_mode(app))));
    /* Which of several instances answered (README "Running several instances"): --instance,
     * or the origin of its lock tokens when none was given. */
    json_object_set_new(o, "instance", json_string(app->cfg->instance_id[0] ? app->cfg->instance_id
                                                                             : app->instance));
    return reply_json(r, 200, o);
}

int h_redis_health(req_t *r)
{
    json_t *o = json_object();
    if (!r->app->redis) {
        json_object_set_new(o, "status", json_string("disconnected"));
        json_object_set_new(o, "message", json_string("Redis client not connected"));
        json_object_set_new(o, "operational", json_false());
        return reply_json(r, 200, o);
    }
    char err[256] = "";
    if (rpool_ping(r->app->redis, err, sizeof err) != ZE_OK) {
        char msg[320];
        snprintf(msg, sizeof msg, "Redis not responding: %s", err);
        json_object_set_new(o, "status", json_string("unhealthy"));
        json_object_set_new(o, "message", json_string(msg));
        json_object_set_new(o, "operational", json_false());
        return reply_json(r, 200, o);
    }
    rinfo_t info;
    json_object_set_new(o, "status", json_string("healthy"));
    if (rpool_info(r->app->redis, &info, err, sizeof err) != ZE_OK) {
        json_object_set_new(o, "message", json_string("Redis connected and responding"));
        json_object_set_new(o, "operational", json_true());
        json_object_set_new(o, "error", json_string(err));
        return reply_json(r, 200, o);
    }
    json_object_set_new(o, "message", json_string("Redis connected and responding"));
    json_object_set_new(o, "operational", json_true());
    json_object_set_new(o, "version", json_string(info.version[0] ? info.version : "unknown"));
    json_object_set_new(o, "connected_clients",
                        json_integer(info.connected_clients < 0 ? 0 : info.connected_clients));
    json_object_set_new(o, "used_memory_human",
                        json_string(info.used_memory_human[0] ? info.used_memory_human : "unknown"));
    json_object_set_new(o, "uptime_in_seconds",
                        json_integer(info.uptime_in_seconds < 0 ? 0 : info.uptime_in_seconds));
    return reply_json(r, 200, o);
}
