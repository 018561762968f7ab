/* The store factory: picks the backend from the URL's scheme (see store.h). */
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "store/store.h"

#define SQLITE_SCHEME "sqlite:"

static int is_postgres(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

const char *store_location(const char *url, char *out, size_t n)
{
    const char *p = url ? url : "";
    if (is_postgres(p)) return store_pg_safe_url(p, out, n);
    if (strncmp(p, SQLITE_SCHEME, strlen(SQLITE_SCHEME)) == 0) {
        p += strlen(SQLITE_SCHEME);
        /* sqlite:///abs → /abs ; sqlite://rel → rel ; sqlite:rel → rel */
        if (strncmp(p, "//", 2) == 0) p += 2;
    }
    snprintf(out, n, "%s", p);
    return out;
}

#ifndef ZEUES_WITH_PG
const char *store_pg_safe_url(const char *url, char *out, size_t n)
{
    /* scheme://user:password@host... -> scheme://user@host... */
    const char *s = strstr(url, "://");
    const char *at = s ? strchr(s + 3, '@') : NULL;
    const char *colon = s ? strchr(s + 3, ':') : NULL;
    if (at && colon && colon < at) snprintf(out, n, "%.*s%s", (int)(colon - url), url, at);
    else snprintf(out, n, "%s", url);
    return out;
}

int store_pg_migrate_from_sqlite(const char *sqlite_path, const char *pg_url, int force,
                                 FILE *out, char *err, size_t errlen)
{
    (void)sqlite_path;
    (void)force;
    (void)out;
    store_pg_open(pg_url, err, errlen);
    return ZE_STORE_UNAVAILABLE;
}

store_t *store_pg_open(const char *url, char *err, size_t errlen)
{
    char safe[512];
    snprintf(err, errlen, "store '%s': this build has no PostgreSQL backend (ZEUES_WITH_PG=OFF)",
             store_pg_safe_url(url, safe, sizeof safe));
    return NULL;
}
#endif

store_t *store_open(const char *url, char *err, size_t errlen)
{
    if (!url || !*url) {
        snprintf(err, errlen, "no store given (--store URL or --db FILE)");
        return NULL;
    }
    if (is_postgres(url)) return store_pg_open(url, err, errlen);
    const char *colon = strstr(url, "://");
    int is_sqlite = strncmp(url, SQLITE_SCHEME, strlen(SQLITE_SCHEME)) == 0;
    if (colon && !is_sqlite) {
        snprintf(err, errlen,
                 "store '%s': unknown scheme '%.*s' (this build knows sqlite:// and postgres://)",
                 url, (int)(colon - url), url);
        return NULL;
    }
    char path[1024];
    store_location(url, path, sizeof path);
    if (!path[0]) {
        snprintf(err, errlen, "store '%s': no database file in the URL", url);
        return NULL;
    }
    return store_sqlite_open(path, err, errlen);
}
