/* The plain-HTTP port of an HTTPS server (--https-redirect-port): every request is answered
 * 308 Permanent Redirect to the same path and query on https://HOST:PORT, so a tablet that
 * typed http://zeues.local:8080 lands on the HTTPS UI (and its camera works there). Nothing
 * else is served in plain text. */
#ifndef ZEUES_HTTP_HTTPS_REDIRECT_H
#define ZEUES_HTTP_HTTPS_REDIRECT_H
#include <stddef.h>

typedef struct https_redirect https_redirect_t;

/** Listens on bind:port and redirects to the HTTPS port https_port. NULL with the reason in
 *  err. Stop with https_redirect_stop. */
https_redirect_t *https_redirect_start(const char *bind, int port, int https_port, char *err,
                                       size_t errlen);
/** Stops listening and frees r (NULL allowed). */
void https_redirect_stop(https_redirect_t *r);

/**
 * The redirect target for a request with Host header host (may be NULL) and raw target
 * (as sent, percent-encoded) into out (n bytes): https://HOSTNAME[:https_port]TARGET, the port
 * left out when it is 443. 0, or -1 when host is absent or not a host name / IP literal (with
 * an optional port), or target is not an origin-form path, or out is too small.
 */
int https_redirect_location(const char *host, const char *target, int https_port, char *out,
                            size_t n);

#endif
