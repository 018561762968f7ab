/* The application context's helpers: the origin of lock tokens and the clock (see app.h). */
#include "app/app.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/tz.h"
#include "util/uuid.h"

static uint32_t fnv1a(const char *s, uint32_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

void app_set_origin(app_t *a, const char *store_location, int port)
{
    uint32_t h = 2166136261u;
    if (a->cfg && a->cfg->instance_id[0]) {
        h = fnv1a(a->cfg->instance_id, h);
    } else if (port == 0) {
        /* Any free port: nothing identifies this server across restarts, so its locks are
         * never taken for an earlier life's. */
        char u[UUID_STR_LEN];
        uuid4(u);
        h = fnv1a(u, h);
    } else {
        char host[256] = "";
        char portbuf[16];
        if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
        snprintf(portbuf, sizeof portbuf, ":%d:", port);
        h = fnv1a(store_location ? store_location : "", fnv1a(portbuf, fnv1a(host, h)));
    }
    snprintf(a->instance, sizeof a->instance, "%08x", (unsigned)h);
    /* Two lives of one instance must never share a boot id: 32 random bits. */
    char u[UUID_STR_LEN];
    uuid4(u);
    memcpy(a->boot, u, RLOCK_ORIGIN_LEN);
    a->boot[RLOCK_ORIGIN_LEN] = '\0';
}

int64_t app_now(const app_t *a) { return a->now ? a->now() : tz_now(); }
