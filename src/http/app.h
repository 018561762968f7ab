/* The application context every handler receives: configuration and the live subsystems.
 * Built once by main.c; immutable pointers afterwards (the objects behind them are thread-safe). */
#ifndef ZEUES_HTTP_APP_H
#define ZEUES_HTTP_APP_H
#include <stdint.h>

#include "util/config.h"

struct store;
struct rpool;
struct live;
struct list_cache;
struct orphans;

typedef struct app {
    const config_t *cfg;
    struct store *store;
    struct rpool *redis;   /* NULL when Redis is not configured */
    struct live *live;     /* SSE hub and publisher; may be NULL in tests */
    struct list_cache *lists; /* cached list responses; may be NULL (no caching) */
    struct orphans *orphans;  /* lock values a timed-out request may have left; may be NULL */
    int64_t started_at;    /* unix seconds */
} app_t;

#endif
