/* `zeues serve`: opens the store, the Redis pool and the HTTP server, then waits for SIGINT or
 * SIGTERM and shuts down in reverse order (in-flight requests finish, the store closes cleanly). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/notify.h"
#include "app/sheets.h"
#include "cli/cli.h"
#include "http/card_cache.h"
#include "http/list_cache.h"
#include "http/server.h"
#include "http/sse_hub.h"
#include "locks/locks.h"
#include "locks/orphans.h"
#include "locks/reconcile.h"
#include "redis/redis.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/config.h"
#include "util/log.h"
#include "util/sd_notify.h"
#include "util/tz.h"

#define LOG_MODULE "serve"
#define RECONCILE_INTERVAL_MS 10000

/* The hub's change signal (a commit here, a message from another instance) invalidates the
 * cached lists. */
static void on_lists_changed(void *ud) { list_cache_changed(ud); }

int cli_serve(int argc, char **argv)
{
    config_t cfg;
    char err[512];
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            config_print_help(stdout);
            return 0;
        }
    if (config_load(&cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "zeues serve: %s\n", err);
        return 2;
    }
    /* The spreadsheet sync's libcurl (and OpenSSL) set-up, before any thread exists; a server
     * without the sync never loads it. */
    if (cfg.sheets_key[0] && cfg.sheet_id[0] && sync_global_init() != 0) {
        fprintf(stderr, "zeues serve: libcurl cannot start\n");
        return 1;
    }
    log_threshold = (log_level_t)config_log_level(cfg.log_level);
    log_set_format(strcmp(cfg.log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
    if (auth_init() != 0) {
        fprintf(stderr, "zeues serve: the crypto library (libsodium) cannot start\n");
        return 1;
    }
    if (strcmp(cfg.auth, "off") == 0)
        LOG_WARN("authentication is off (--auth off): anyone who can reach this port can take, "
                 "pause or complete any spool as any worker; enrol the tablets and use --auth "
                 "devices");
    else
        LOG_INFO("authentication: %s (every route but health, enrolment, sign-in and the UI's "
                 "files needs an enrolled device%s)", cfg.auth,
                 strcmp(cfg.auth, "devices+pin") == 0
                     ? "; a worker's actions also need their PIN typed on that tablet"
                     : "");
    if (tz_init(cfg.timezone) != 0)
        LOG_WARN("TIMEZONE '%s' is not in the tz database; using UTC", cfg.timezone);

    /* Signals are taken by sigwait below; threads are started with every signal blocked. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* Process-wide and before the Redis pool is made, which relies on it (redis/redis.h). */
    signal(SIGPIPE, SIG_IGN);

    /* The access log is buffered per thread and written at least every 250 ms. */
    if (log_buffered_start(250) != 0) LOG_WARN("no log flusher thread; access lines unbuffered");
    int rc = 1;
    const char *url = cfg.store_url[0] ? cfg.store_url : cfg.db;
    char where[1024];
    store_location(url, where, sizeof where);
    store_t *st = store_open(url, err, sizeof err);
    if (!st) {
        fprintf(stderr, "zeues serve: %s\n", err);
        log_buffered_stop();
        return 1;
    }
    rpool_t *redis = rpool_new(cfg.redis_url, cfg.redis_pool, cfg.redis_timeout_ms);
    if (!redis) {
        fprintf(stderr, "zeues serve: REDIS_URL '%s' is not a redis:// URL\n", cfg.redis_url);
        goto close_store;
    }
    app_t app = {.cfg = &cfg, .store = st, .redis = redis, .started_at = tz_now()};
    app.locks = locks_redis_new(redis);
    app.notify = notify_new(redis);
    app.orphans = orphans_new();
    app_set_origin(&app, where, cfg.port);
    http_env_t env = {.app = &app};
    env.lists = list_cache_new((size_t)16 * 1024 * 1024, st);
    env.cards = card_cache_new((size_t)32 * 1024 * 1024);
    env.hub = sse_hub_new(&app);
    sse_hub_on_change(env.hub, on_lists_changed, env.lists);
    reconcile_env_t renv = {.store = st,
                            .locks = app.locks,
                            .orphans = app.orphans,
                            .ttl_ms = (int64_t)cfg.lock_ttl_seconds * 1000,
                            .instance = app.instance,
                            .boot = app.boot};
    reconciler_t *recon = NULL;
    server_t *srv = server_start(&env, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "zeues serve: %s\n", err);
        goto stop_live;
    }
    /* Only once the port is ours: an instance that fails to start must not touch the locks of
     * the one that holds the port (both would have the same instance id). */
    recon = reconciler_start(&renv, RECONCILE_INTERVAL_MS);
    /* The spreadsheet sync talks to Google on its own thread only: serving never waits for
     * it. A key file that cannot be used is reported and the server runs without the sync. */
    /* Published with a release store: request threads are already running (and read it with
     * an acquire load, see handlers/health.c). */
    sheets_sync_t *sheets = sheets_sync_start(&cfg, st, err, sizeof err);
    if (err[0]) LOG_ERROR("%s; serving without the spreadsheet sync", err);
    __atomic_store_n(&app.sheets, sheets, __ATOMIC_RELEASE);
    const char *scheme = server_tls(srv) ? "https" : "http";
    printf("zeues: listening on %s://%s:%d (store %s %s, redis %s:%d, tz %s, instance %s)\n",
           scheme, cfg.bind, server_port(srv), st->ops->name, where, rpool_host(redis),
           rpool_port(redis), cfg.timezone, app.instance);
    printf("zeues: tablet UI at %s://127.0.0.1:%d/app/  dashboard at /app/dashboard.html\n",
           scheme, server_port(srv));
    fflush(stdout);
    /* Under systemd (Type=notify) the unit is "started" only now: the port is open, the store
     * and the live hub run. */
    char ready[160];
    snprintf(ready, sizeof ready, "READY=1\nSTATUS=listening on port %d, store %s\nMAINPID=%ld",
             server_port(srv), st->ops->name, (long)getpid());
    if (sd_notify_send(ready) < 0) LOG_WARN("NOTIFY_SOCKET is set but readiness could not be sent");

    int sig = 0;
    sigwait(&set, &sig);
    LOG_INFO("signal %d: shutting down", sig);
    sd_notify_send("STOPPING=1");
    /* Streams end first so the server can stop without waiting for them; the hub itself is
     * freed below, after the server, so a request still running never sees it freed. */
    sse_hub_stop(env.hub);
    server_stop(srv);
    sheets_sync_stop(app.sheets);
    rc = 0;
stop_live:
    reconciler_stop(recon);
    sse_hub_on_change(env.hub, NULL, NULL);
    sse_hub_free(env.hub);
    list_cache_free(env.lists);
    card_cache_free(env.cards);
    notify_free(app.notify);
    locks_free(app.locks);
    orphans_free(app.orphans);
    rpool_free(redis);
close_store:
    store_close(st);
    log_buffered_stop();
    LOG_INFO("stopped");
    return rc;
}
