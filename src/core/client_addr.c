/* The client a request speaks for (see client_addr.h). */
#include "core/client_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Does the comma-separated list hold the IPv4 address a (network order)? */
static int listed(const char *list, const struct in_addr *a)
{
    for (const char *t = list ? list : ""; *t;) {
        const char *end = strchr(t, ',');
        size_t len = end ? (size_t)(end - t) : strlen(t);
        char one[INET_ADDRSTRLEN];
        struct in_addr x;
        if (len < sizeof one) {
            memcpy(one, t, len);
            one[len] = '\0';
            if (inet_pton(AF_INET, one, &x) == 1 && x.s_addr == a->s_addr) return 1;
        }
        t += len + (end != NULL);
    }
    return 0;
}

/* Parses the entry [from, to) of a list, blanks around it allowed, into its normal form.
 * Returns AF_INET or AF_INET6 (and *v4 for an IPv4 address), or 0 when it is no address. */
static int parse_entry(const char *from, const char *to, char *norm, size_t n, struct in_addr *v4)
{
    while (from < to && (*from == ' ' || *from == '\t')) from++;
    while (to > from && (to[-1] == ' ' || to[-1] == '\t')) to--;
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
    struct in_addr p;
    if (!forwarded || !peer || inet_pton(AF_INET, peer, &p) != 1 || !listed(trusted, &p))
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
        if (af != AF_INET || !listed(trusted, &v4)) break; /* the first hop not a proxy */
        end = start > forwarded ? start - 1 : start;
    }
    return from_list;
}
