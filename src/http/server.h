/* The HTTP server: libmicrohttpd with a fixed thread pool (epoll), bounded bodies, connection
 * timeouts, CORS on every response, one access-log line per request. */
#ifndef ZEUES_HTTP_SERVER_H
#define ZEUES_HTTP_SERVER_H

#include "http/reply.h"

typedef struct server server_t;

/** Starts listening on cfg->bind:cfg->port. NULL on failure (message in err).
 *  Caller stops it with server_stop. */
server_t *server_start(const http_env_t *env, char *err, size_t errlen);
/** The port actually bound (useful with --port 0). */
int server_port(const server_t *s);
/** Whether s speaks HTTPS (--tls-cert / --tls-key). */
int server_tls(const server_t *s);
/** Stops accepting, lets in-flight requests finish, closes every connection, frees s. */
void server_stop(server_t *s);

#endif
