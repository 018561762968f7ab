/* JWT header and claims of the service-account assertion (see sheets_jwt.h). */
#include "core/sheets_jwt.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void sheets_b64url(buf_t *out, const unsigned char *d, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        char q[4] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
        buf_append(out, q, 4);
    }
    if (n - i == 1) {
        unsigned v = (unsigned)d[i] << 16;
        char q[2] = {a[v >> 18], a[(v >> 12) & 63]};
        buf_append(out, q, 2);
    } else if (n - i == 2) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
        char q[3] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63]};
        buf_append(out, q, 3);
    }
}

static void b64_json(buf_t *out, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    sheets_b64url(out, (const unsigned char *)s, strlen(s));
    free(s);
    json_decref(j);
}

void sheets_jwt_signing_input(buf_t *out, const char *email, const char *kid,
                              const char *scope, const char *aud, int64_t now)
{
    json_t *h = json_pack("{s:s,s:s}", "alg", "RS256", "typ", "JWT");
    if (kid && kid[0]) json_object_set_new(h, "kid", json_string(kid));
    b64_json(out, h);
    buf_putc(out, '.');
    int64_t iat = now - SHEETS_JWT_SKEW;
    b64_json(out, json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", email, "scope", scope, "aud", aud,
                            "iat", (json_int_t)iat, "exp",
                            (json_int_t)(iat + SHEETS_JWT_LIFETIME)));
}
