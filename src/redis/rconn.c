/* Turning a redis:// URL into a ready hiredis connection: parsing, connect with timeouts,
 * AUTH and SELECT. Shared by the pool and the subscriber so both connect the same way. */
#include "redis/redis_int.h"
#include "util/clock.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"

#define URL_SCHEME "redis://"
#define DEFAULT_PORT 6379

void rconn_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int64_t rconn_now_ms(void) { return clock_mono_ms(); }

/* ---- URL parsing ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string, so that passwords may hold ':' '@' '/'.
 * Returns NULL for a malformed escape or an encoded NUL (it would truncate the secret). */
static char *pct_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (i + 2 >= n) goto bad;
        int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) goto bad;
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* Parses a decimal number of 1..10 digits in s[0..n) within [min, max]. */
static int parse_int(const char *s, size_t n, int min, int max, int *out)
{
    long v = 0;

    if (n == 0 || n > 10) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max) return -1;
    *out = (int)v;
    return 0;
}

/* userinfo is "user:password", ":password"; a user without a password is refused because
 * silently connecting without the credentials the operator wrote would hide a typo. */
static int parse_userinfo(const char *s, size_t n, rconn_url_t *u)
{
    const char *colon = memchr(s, ':', n);

    if (!colon) return -1;
    size_t ulen = (size_t)(colon - s);
    if (ulen > 0 && !(u->user = pct_decode(s, ulen))) return -1;
    u->password = pct_decode(colon + 1, n - ulen - 1);
    if (!u->password || u->password[0] == '\0') return -1;
    return 0;
}

/* hostport is "host", "host:port", "[v6]" or "[v6]:port". */
static int parse_hostport(const char *s, size_t n, rconn_url_t *u)
{
    const char *host = s, *rest;
    size_t hlen;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close) return -1;
        host = s + 1;
        hlen = (size_t)(close - host);
        rest = close + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        hlen = colon ? (size_t)(colon - s) : n;
        rest = s + hlen;
    }
    if (hlen == 0) return -1;
    for (size_t i = 0; i < hlen; i++) {
        unsigned char c = (unsigned char)host[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':') return -1;
    }
    size_t rlen = (size_t)(s + n - rest);
    u->port = DEFAULT_PORT;
    if (rlen > 0) {
        if (rest[0] != ':' || parse_int(rest + 1, rlen - 1, 1, 65535, &u->port) != 0) return -1;
    }
    u->host = xstrndup(host, hlen);
    return 0;
}

int rconn_url_parse(const char *url, rconn_url_t *out)
{
    const size_t slen = strlen(URL_SCHEME);

    memset(out, 0, sizeof *out);
    if (!url || strncmp(url, URL_SCHEME, slen) != 0) return ZE_BAD_REQUEST;
    const char *auth = url + slen;
    /* Query strings and fragments carry options we do not implement (TLS, timeouts);
     * refusing them is better than ignoring what the operator asked for. */
    if (strpbrk(auth, "?# \t\r\n")) return ZE_BAD_REQUEST;
    const char *slash = strchr(auth, '/');
    size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);

    /* Split at the last '@': a host never contains one, but an unencoded password might. */
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@') at = auth + i;
    if (at && parse_userinfo(auth, (size_t)(at - auth), out) != 0) goto bad;
    const char *hp = at ? at + 1 : auth;
    if (parse_hostport(hp, (size_t)(auth + alen - hp), out) != 0) goto bad;
    if (slash && slash[1] != '\0' && parse_int(slash + 1, strlen(slash + 1), 0, INT_MAX, &out->db) != 0)
        goto bad;
    return ZE_OK;
bad:
    rconn_url_deinit(out);
    return ZE_BAD_REQUEST;
}

void rconn_url_deinit(rconn_url_t *u)
{
    if (!u) return;
    free(u->host);
    free(u->user);
    if (u->password) {
        /* Do not leave the secret in freed heap memory. */
        memset(u->password, 0, strlen(u->password));
        free(u->password);
    }
    memset(u, 0, sizeof *u);
}

/* ---- Connecting ---- */

/* Sends one set-up command (AUTH / SELECT) and requires a +OK status. */
static int expect_ok(redisContext *c, redisReply *r, const char *what, char *err, size_t errlen)
{
    int rc = -1;

    if (!r)
        rconn_errf(err, errlen, "%s: %s", what, c->errstr);
    else if (r->type == REDIS_REPLY_ERROR)
        rconn_errf(err, errlen, "%s: %s", what, r->str);
    else if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0)
        rconn_errf(err, errlen, "%s: unexpected reply", what);
    else
        rc = 0;
    freeReplyObject(r);
    return rc;
}

redisContext *rconn_open(const rconn_url_t *u, int timeout_ms, char *err, size_t errlen)
{
    struct timeval tv = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(u->host, u->port, tv);
    redisReply *r;

    if (!c) {
        rconn_errf(err, errlen, "connect %s:%d: out of memory", u->host, u->port);
        return NULL;
    }
    if (c->err) {
        rconn_errf(err, errlen, "connect %s:%d: %s", u->host, u->port, c->errstr);
        goto fail;
    }
    /* redisConnectWithTimeout bounds only connect(); without this a read could block forever
     * on a server that accepted the connection and then stalled. */
    if (redisSetTimeout(c, tv) != REDIS_OK || redisEnableKeepAlive(c) != REDIS_OK) {
        rconn_errf(err, errlen, "connect %s:%d: %s", u->host, u->port, c->errstr);
        goto fail;
    }
    if (u->password) {
        if (u->user)
            r = redisCommand(c, "AUTH %b %b", u->user, strlen(u->user), u->password,
                             strlen(u->password));
        else
            r = redisCommand(c, "AUTH %b", u->password, strlen(u->password));
        if (expect_ok(c, r, "AUTH", err, errlen) != 0) goto fail;
    }
    if (u->db != 0) {
        r = redisCommand(c, "SELECT %d", u->db);
        if (expect_ok(c, r, "SELECT", err, errlen) != 0) goto fail;
    }
    return c;
fail:
    redisFree(c);
    return NULL;
}
