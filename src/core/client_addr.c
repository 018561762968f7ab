/* The client a request speaks for (see client_addr.h). */
#include "core/client_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Narrows [*a, *z) to the entry without the blanks around it. */
static void trim(const char **a, const char **z)
{
    while (*a < *z && (**a == ' ' || **a == '\t')) (*a)++;
    while (*z > *a && ((*z)[-1] == ' ' || (*z)[-1] == '\t')) (*z)--;
}

int client_addr_list(const char *list, uint32_t *out, char *bad, size_t badlen)
{
    int n = 0;
    for (const char *t = list ? list : ""; *t;) {
        size_t k = strcspn(t, ",");
        const char *a = t, *z = t + k;
        trim(&a, &z);
        if (z > a) {
            char one[INET_ADDRSTRLEN];
            struct in_addr in;
            int ok = n < CLIENT_TRUSTED_MAX && (size_t)(z - a) < sizeof one;
            if (ok) {
                memcpy(one, a, (size_t)(z - a));
                one[z - a] = '\0';
                ok = inet_pton(AF_INET, one, &in) == 1;
            }
            if (!ok) {
                if (bad && badlen) snprintf(bad, badlen, "%.*s", (int)(z - a), a);
                return -1;
            }
            out[n++] = in.s_addr;
        }
        t += k + (t[k] == ',');
    }
    return n;
}

int client_addr_listed(const uint32_t *list, int n, uint32_t a)
{
    for (int i = 0; i < n; i++)
        if (list[i] == a) return 1;
    return 0;
}

/* Parses the entry [from, to) of a list, blanks around it allowed, into its normal form.
 * Returns AF_INET or AF_INET6 (and *v4 for an IPv4 address), or 0 when it is no address. */
static int parse_entry(const char *from, const char *to, char *norm, size_t n, struct in_addr *v4)
{
    trim(&from, &to);
    char text[CLIENT_ADDR_MAX];
    if ((size_t)(to - from) >= sizeof text || to == from) return 0;
    memcpy(text, from, (size_t)(to - from));
    text[to - from] = '\0';
    struct in6_addr v6;
    if (inet_pton(AF_INET, text, v4) == 1)
        return inet_ntop(AF_INET, v4, norm, (socklen_t)n) ? AF_INET : 0;
    if (inet_pton(AF_INET6, text, &v6) == 1)
        return inet_ntop(AF_INET6, &v6, norm, (socklen_t)n) ? AF_INET6 : 0;
    return 0;
}

int client_addr(const char *peer, const char *trusted, const char *forwarded, char *out,
                size_t n)
{
    snprintf(out, n, "%s", peer ? peer : "");
    uint32_t proxies[CLIENT_TRUSTED_MAX];
    int np = client_addr_list(trusted, proxies, NULL, 0);
    struct in_addr p;
    if (!forwarded || !peer || np <= 0 || inet_pton(AF_INET, peer, &p) != 1 ||
        !client_addr_listed(proxies, np, p.s_addr))
        return 0;
    int from_list = 0;
    const char *end = forwarded + strlen(forwarded);
    while (end > forwarded) {
        const char *start = end;
        while (start > forwarded && start[-1] != ',') start--;
        char norm[CLIENT_ADDR_MAX];
        struct in_addr v4;
        int af = parse_entry(start, end, norm, sizeof norm, &v4);
        if (af == 0) break;
        snprintf(out, n, "%s", norm);
        from_list = 1;
        if (af != AF_INET || !client_addr_listed(proxies, np, v4.s_addr))
            break; /* the first hop that is not a proxy: the client */
        end = start > forwarded ? start - 1 : start;
    }
    return from_list;
}
