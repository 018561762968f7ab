/* The HTTP edge: the listening socket and every connection until its first request is known to
 * be well framed. One thread accepts, counts connections per client address (a refusal at
 * accept time: one non-blocking read, one write, one close), peeks at the first request's
 * bytes without consuming them (recv MSG_PEEK), runs the framing rules of framing.h over them
 * and then hands the socket to the HTTP library, which reads those bytes again as if nothing
 * had happened. A request the rules refuse never reaches the library: the edge answers it with
 * the single JSON error body, the CORS headers and Connection: close.
 *
 * A connection that sends nothing (or too little) stays here, out of the library's connection
 * slots, until its header deadline; one address can hold at most max_per_address connections,
 * so it cannot take the slots of everyone else.
 *
 * With tls set the first bytes are a TLS handshake, not a request: the edge then only counts
 * (the per-address and total caps still hold; a connection over a cap is closed without an
 * answer, since no plain-text answer could be read) and hands every connection over at once;
 * the framing rules run on the fields the library parsed (server.c), and the library's
 * header deadline covers a client that stays silent. */
#ifndef ZEUES_HTTP_EDGE_H
#define ZEUES_HTTP_EDGE_H
#include <netinet/in.h>
#include <stddef.h>

#include "http/cors.h"
#include "util/buf.h"

typedef struct edge edge_t;

/** Takes over fd (its first request passed the rules); runs on the edge thread. Returns 0, or
 *  -1 when the library refused it (the fd is closed either way; the edge then forgets it). */
typedef int (*edge_handoff_fn)(void *ud, int fd, const struct sockaddr_in *addr);

typedef struct edge_cfg {
    const char *bind;       /* IPv4 address */
    int port;               /* 0: any free port */
    int max_connections;    /* connections held here plus those handed over */
    int max_per_address;    /* the same, per client address */
    const char *trusted;    /* IPv4 addresses exempt from max_per_address, comma separated */
    int header_timeout_ms;  /* a first request's header block must arrive within this */
    size_t max_body;        /* largest request body (413 above) */
    const cors_t *cors;     /* borrowed for the edge's life */
    int tls;                /* the library speaks TLS on these connections: no peeking */
    edge_handoff_fn handoff;
    void *ud;
} edge_cfg_t;

/** Binds and listens; NULL on failure (a bad address in bind or trusted included), with the
 *  reason in err. Nothing is accepted before edge_run, so the caller can publish the edge
 *  (where the handoff's connections will report their close) first. Free it with edge_free. */
edge_t *edge_new(const edge_cfg_t *cfg, char *err, size_t errlen);
/** Starts the edge thread. 0, or -1 with the reason in err. */
int edge_run(edge_t *e, char *err, size_t errlen);
/** The port actually bound. */
int edge_port(const edge_t *e);
/** Stops accepting and closes the connections not handed over yet. Idempotent. */
void edge_stop(edge_t *e);
/** Frees the edge (after edge_stop and after the HTTP library stopped). NULL allowed. */
void edge_free(edge_t *e);
/** A handed-over connection from addr closed: its slot is free again. Any thread. */
void edge_conn_closed(edge_t *e, const struct sockaddr_in *addr);

/** Appends a complete HTTP/1.1 refusal to out: the status line, the single JSON error body of
 *  code with msg, CORS headers for origin (NULL or "": none), Connection: close, and for a 503
 *  Retry-After: retry_after seconds. */
void edge_refusal(buf_t *out, int status, int code, const char *msg, const char *origin,
                  const cors_t *cors, int retry_after);

#endif
