/* The store factory: picks the backend from the URL's scheme (see store.h). */
#include <stdio.h>
#include <string.h>

#include "store/store.h"

#define SQLITE_SCHEME "sqlite:"

const char *store_location(const char *url, char *out, size_t n)
{
    const char *p = url ? url : "";
    if (strncmp(p, SQLITE_SCHEME, strlen(SQLITE_SCHEME)) == 0) {
        p += strlen(SQLITE_SCHEME);
        /* sqlite:///abs → /abs ; sqlite://rel → rel ; sqlite:rel → rel */
        if (strncmp(p, "//", 2) == 0) p += 2;
    }
    snprintf(out, n, "%s", p);
    return out;
}

store_t *store_open(const char *url, char *err, size_t errlen)
{
    if (!url || !*url) {
        snprintf(err, errlen, "no store given (--store URL or --db FILE)");
        return NULL;
    }
    const char *colon = strstr(url, "://");
    int is_sqlite = strncmp(url, SQLITE_SCHEME, strlen(SQLITE_SCHEME)) == 0;
    if (colon && !is_sqlite) {
        snprintf(err, errlen, "store '%s': unknown scheme '%.*s' (this build knows sqlite://)",
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
