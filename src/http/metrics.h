/* The HTTP side's counters for GET /metrics: requests by route and status, the latency of state
 * changes, and error answers by code. Lock-free (relaxed atomics): recording costs a few adds on
 * the request's own thread. One registry per process. */
#ifndef ZEUES_HTTP_METRICS_H
#define ZEUES_HTTP_METRICS_H
#include <stddef.h>
#include <stdint.h>

#include "http/router.h"
#include "util/buf.h"

/** The route index for a request that matched no route (404, 405, redirects). */
#define METRICS_UNROUTED (-1)
/* Routes with a row of counters each; the route table holds fewer (checked in routes.c). */
#define METRICS_MAX_ROUTES 127

/** Counts one answered request of route index route (an index into routes[], or
 *  METRICS_UNROUTED) with status, and, for a state change, its latency in microseconds. */
void metrics_request(int route, int status, int64_t us, int mutates);

/** Counts one error answer with the zerr_t code (the edge's refusals included). */
void metrics_error(int code);

/** Appends the HTTP families (requests, mutation latency, errors by code, lock conflicts, store
 *  and Redis errors) in Prometheus text format; table (n routes) names the route indexes.
 *  The table is a parameter so that this file needs no route table to count (the fuzzers link
 *  it without one). */
void metrics_render_http(buf_t *out, const route_t *table, size_t n);

#endif
