/* Cuts connections whose request headers do not arrive in time (slowloris). libmicrohttpd's
 * connection timeout only measures inactivity, so a client that sends one header byte a second
 * would hold a connection slot forever. Each connection gets a deadline when it opens and when
 * a request ends; the deadline is cleared once a request's headers are complete (so long
 * requests and live streams are never cut). A watchdog thread shuts down the socket of an
 * expired connection; libmicrohttpd then closes it as a client hang-up. */
#ifndef ZEUES_HTTP_HEADER_DEADLINE_H
#define ZEUES_HTTP_HEADER_DEADLINE_H
#include <stdint.h>

typedef struct hdl hdl_t;
typedef struct hdl_conn hdl_conn_t;

/** Starts the watchdog; connections get timeout_ms to send a request's headers. */
hdl_t *hdl_start(int timeout_ms);
/** Stops the watchdog (call after the HTTP server stopped). NULL allowed. */
void hdl_stop(hdl_t *h);
/** A connection opened on socket fd: returns its entry (the caller keeps it as socket context). */
hdl_conn_t *hdl_open(hdl_t *h, int fd);
/** The connection is closing: forget it (before its socket is closed). */
void hdl_close(hdl_t *h, hdl_conn_t *c);
/** A request's headers are complete: no deadline while it is served. */
void hdl_headers_done(hdl_t *h, hdl_conn_t *c);
/** A request ended: the next one's headers get a fresh deadline. */
void hdl_request_done(hdl_t *h, hdl_conn_t *c);

#endif
