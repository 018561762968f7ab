/* The application context: configuration, the store, the lock service, the notifier, and the
 * clock and id functions the application layer uses (passed in, so tests drive time and ids).
 * Built once by whoever runs the application (`zeues serve`, a supervisor command, a test);
 * immutable afterwards: every object it points to is thread-safe. No HTTP in here. */
#ifndef ZEUES_APP_APP_H
#define ZEUES_APP_APP_H
#include <stdint.h>

#include "redis/rlock.h"
#include "util/config.h"

struct store;
struct rpool;
struct locks;
struct notify;
struct orphans;
struct sheets_sync;

/** Unix seconds now. */
typedef int64_t (*app_clock_fn)(void);
/** Writes a fresh unique id (a UUID4, 36 characters) into out (UUID_STR_LEN bytes). */
typedef void (*app_id_fn)(char *out);

typedef struct app {
    const config_t *cfg;
    struct store *store;
    struct rpool *redis;      /* Redis pool for health reports; NULL when not configured */
    struct locks *locks;      /* per-spool locks; NULL: every lock-taking change answers 503 */
    struct notify *notify;    /* committed-event fan-out; NULL: nobody is told */
    struct orphans *orphans;  /* lock values a timed-out request may have left; may be NULL */
    struct sheets_sync *sheets; /* the Google Sheets sync (app/sheets.h); NULL when off */
    app_clock_fn now;         /* NULL: the system clock (tz_now) */
    app_id_fn new_id;         /* NULL: uuid4 */
    /* Origin of this process's lock tokens (see redis/rlock.h): the instance is stable across
     * restarts of the same server, the boot changes with every start. */
    char instance[RLOCK_ORIGIN_LEN + 1];
    char boot[RLOCK_ORIGIN_LEN + 1];
    int64_t started_at;       /* unix seconds */
} app_t;

/**
 * Fills a's origin: instance from cfg->instance_id when set (hashed to RLOCK_ORIGIN_LEN hex
 * digits), else from the host name, port and store location (so the same server finds its own
 * locks again after a restart; only one process can hold a port), or at random for port 0;
 * boot at random. Reads gethostname and the kernel's random source.
 */
void app_set_origin(app_t *a, const char *store_location, int port);

/** a->now() or the system clock. */
int64_t app_now(const app_t *a);

#endif
