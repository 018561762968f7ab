/* `zeues serve`: opens the store, the Redis pool and the HTTP server, then waits for SIGINT or
 * SIGTERM and shuts down in reverse order (in-flight requests finish, the store closes cleanly). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/app.h"
#include "http/list_cache.h"
#include "http/live.h"
#include "http/server.h"
#include "redis/redis.h"
#include "store/store.h"
#include "sync/orphans.h"
#include "sync/reconcile.h"
#include "util/config.h"
#include "util/log.h"
#include "util/tz.h"

#define LOG_MODULE "serve"

static log_level_t parse_level(const char *s)
{
    if (strcasecmp(s, "DEBUG") == 0) return LOG_LEVEL_DEBUG;
    if (strcasecmp(s, "WARN") == 0) return LOG_LEVEL_WARN;
    if (strcasecmp(s, "ERROR") == 0) return LOG_LEVEL_ERROR;
    return LOG_LEVEL_INFO;
}

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
    log_threshold = parse_level(cfg.log_level);
    if (tz_init(cfg.timezone) != 0)
        LOG_WARN("TIMEZONE '%s' is not in the tz database; using UTC", cfg.timezone);

    /* Signals are taken by sigwait below; every thread created from here inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    store_t *st = store_sqlite_open(cfg.db, err, sizeof err);
    if (!st) {
        fprintf(stderr, "zeues serve: %s\n", err);
        return 1;
    }
    rpool_t *redis = rpool_new(cfg.redis_url, cfg.redis_pool, cfg.redis_timeout_ms);
    if (!redis) {
        fprintf(stderr, "zeues serve: REDIS_URL '%s' is not a redis:// URL\n", cfg.redis_url);
        goto close_store;
    }
    app_t app = {.cfg = &cfg, .store = st, .redis = redis, .started_at = tz_now()};
    app.lists = list_cache_new((size_t)16 * 1024 * 1024);
    app.orphans = orphans_new();
    app.live = live_new(&app);
    reconciler_t *recon = reconciler_start(&app, 10000);
    server_t *srv = server_start(&app, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "zeues serve: %s\n", err);
        goto stop_live;
    }
    printf("zeues: listening on http://%s:%d (db %s, redis %s:%d, tz %s)\n", cfg.bind,
           server_port(srv), cfg.db, rpool_host(redis), rpool_port(redis), cfg.timezone);
    printf("zeues: tablet UI at http://127.0.0.1:%d/app/  dashboard at /app/dashboard.html\n",
           server_port(srv));
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    LOG_INFO("signal %d: shutting down", sig);
    /* Streams end first so the server can stop without waiting for them; the hub itself is
     * freed below, after the server, so a request still running never sees it freed. */
    live_stop(app.live);
    server_stop(srv);
    rc = 0;
stop_live:
    reconciler_stop(recon);
    live_free(app.live);
    rpool_free(redis);
    list_cache_free(app.lists);
    orphans_free(app.orphans);
close_store:
    store_close(st);
    LOG_INFO("stopped");
    return rc;
}
