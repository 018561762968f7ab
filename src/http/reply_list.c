/* Answers from cached list bodies (list_cache.h): the content coding the client accepts and
 * revalidation by ETag. Apart from reply.c so that the request helpers link without the cache
 * (the fuzz targets use reply.c alone). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/list_cache.h"
#include "http/reply.h"

/* The q value of one Accept-Encoding element (p after the coding name): 1 when absent. */
static double qvalue(const char *p, const char *end)
{
    while (p < end) {
        p += strspn(p, " \t;");
        if (p + 1 < end && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') return strtod(p + 2, NULL);
        p += strcspn(p, ";");
    }
    return 1.0;
}

/* RFC 9110 12.5.3: gzip (or x-gzip) listed with q > 0, or `*` with q > 0 and gzip not named. */
static int accepts_gzip(const char *ae)
{
    if (!ae) return 0;
    double gz = -1, star = -1;
    for (const char *p = ae; *p;) {
        p += strspn(p, " \t,");
        const char *end = p + strcspn(p, ",");
        size_t n = strcspn(p, " \t;,");
        if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
            gz = qvalue(p + n, end);
        else if (n == 1 && *p == '*')
            star = qvalue(p + n, end);
        p = end;
    }
    return gz >= 0 ? gz > 0 : star > 0;
}

/* RFC 9110 13.1.2: `*`, or any listed tag equal to etag by the weak comparison. */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm) return 0;
    const char *want = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    size_t wn = strlen(want);
    for (const char *p = inm; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (n == 1 && *p == '*') return 1;
        const char *t = p;
        size_t tn = n;
        if (tn > 2 && strncmp(t, "W/", 2) == 0) t += 2, tn -= 2;
        if (tn == wn && memcmp(t, want, wn) == 0) return 1;
        p += n;
        p += strcspn(p, ",");
    }
    return 0;
}

int reply_list_body(req_t *r, list_body_t *b)
{
    list_body_release(r->cached);
    r->cached = b;
    buf_reset(&r->out);
    r->out_type = "application/json";
    reply_header(r, "etag", b->etag);
    reply_header(r, "vary", "Accept-Encoding");
    /* Stored by browsers but revalidated every time: a list is never shown stale. */
    reply_header(r, "cache-control", "no-cache");
    if (etag_matches(req_header(r, "If-None-Match"), b->etag)) {
        r->status = 304;
        r->cached_gzip = 0;
        return 0;
    }
    r->status = 200;
    r->cached_gzip = b->gz && accepts_gzip(req_header(r, "Accept-Encoding"));
    if (r->cached_gzip) reply_header(r, "content-encoding", "gzip");
    return 0;
}
