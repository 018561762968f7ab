/* The client a request speaks for. Behind a reverse proxy every request comes from the proxy's
 * socket, so what is counted per client (wrong enrolment codes) would be counted for the whole
 * plant at once. A proxy the operator trusts (--trusted-addresses) names the client in
 * X-Forwarded-For, appending the address it saw to whatever the client sent; only the part the
 * trusted proxies wrote can be believed, so the list is read from the right. */
#ifndef ZEUES_CORE_CLIENT_ADDR_H
#define ZEUES_CORE_CLIENT_ADDR_H
#include <stddef.h>

#include <stdint.h>

#define CLIENT_ADDR_MAX 46   /* INET6_ADDRSTRLEN */
#define CLIENT_TRUSTED_MAX 16 /* addresses in --trusted-addresses */

/**
 * Parses a comma-separated list of IPv4 addresses (--trusted-addresses; blanks around an entry
 * and empty entries are allowed) into out (network order, at most CLIENT_TRUSTED_MAX). Returns
 * the count, or -1 with the offending entry in bad (badlen bytes) when one is not an IPv4
 * address or there are too many. NULL is the empty list.
 */
int client_addr_list(const char *list, uint32_t *out, char *bad, size_t badlen);

/** Whether the IPv4 address a (network order) is one of the n in list. */
int client_addr_listed(const uint32_t *list, int n, uint32_t a);

/**
 * Writes to out (n bytes, CLIENT_ADDR_MAX is enough) the address a request speaks for.
 * peer is the socket's address (text); trusted the comma-separated IPv4 addresses of trusted
 * proxies; forwarded every X-Forwarded-For value of the request joined by ',' in order, or
 * NULL. Unless peer is trusted, the answer is peer. Otherwise the list is walked from the right,
 * over the hops that are trusted proxies themselves, to the first address that is not: that
 * is the client. An entry that is not an IPv4 or IPv6 address ends the walk at the last hop
 * already believed (peer at first), and so does the left end of the list. Addresses are
 * written in their normal form. Returns 1 when the answer came from forwarded, 0 when it is
 * peer.
 */
int client_addr(const char *peer, const char *trusted, const char *forwarded, char *out,
                size_t n);

#endif
