/* Picking the few server facts the health endpoint shows out of INFO's "key:value" text. */
#include "redis/redis_int.h"

#include <stdlib.h>
#include <string.h>

/* Copies v[0..n) into dst (cap bytes), truncating; always NUL-terminates. */
static void copy_field(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* strtoll on a value that is not NUL-terminated; -1 when it is not a number. */
static long long parse_ll(const char *v, size_t n)
{
    char tmp[32];
    char *end;

    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    long long x = strtoll(tmp, &end, 10);
    return *end == '\0' ? x : -1;
}

static int key_is(const char *line, size_t klen, const char *key)
{
    return strlen(key) == klen && memcmp(line, key, klen) == 0;
}

void rinfo_parse(const char *text, size_t len, rinfo_t *out)
{
    const char *p = text, *end = text + len;

    memset(out, 0, sizeof *out);
    out->connected_clients = -1;
    out->uptime_in_seconds = -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n > 0 && p[n - 1] == '\r') n--;
        const char *colon = memchr(p, ':', n);
        if (colon && p[0] != '#') {
            size_t klen = (size_t)(colon - p), vlen = n - klen - 1;
            const char *v = colon + 1;
            if (key_is(p, klen, "redis_version"))
                copy_field(out->version, sizeof out->version, v, vlen);
            else if (key_is(p, klen, "connected_clients"))
                out->connected_clients = parse_ll(v, vlen);
            else if (key_is(p, klen, "used_memory_human"))
                copy_field(out->used_memory_human, sizeof out->used_memory_human, v, vlen);
            else if (key_is(p, klen, "uptime_in_seconds"))
                out->uptime_in_seconds = parse_ll(v, vlen);
        }
        p = nl ? nl + 1 : end;
    }
}
