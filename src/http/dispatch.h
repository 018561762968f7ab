/* Routing and the checks every request passes before its handler (404, 405, 307, the access
 * gate, 413, the Content-Type and UTF-8 of a POST body), and the handler's run with what every
 * answer of its route carries. Independent of the HTTP library: http/server.c calls these on
 * a libmicrohttpd worker, or runs dispatch_run on a runner thread. */
#ifndef ZEUES_HTTP_DISPATCH_H
#define ZEUES_HTTP_DISPATCH_H
#include "http/reply.h"
#include "http/router.h"

/** Routes r and checks it (too_large: its body went over --max-body). Returns the route whose
 *  handler is to run, or NULL when r is already answered. *route_index is set to the index in
 *  routes[] of a matched route (also when a check then answers). */
const route_t *dispatch_route(req_t *r, int too_large, int *route_index);

/** Runs route's handler on r and completes its answer: a 500 when the handler set none or
 *  answered with a stream its route may not have; no-store (and the list cache's change mark)
 *  for a state change. */
void dispatch_run(req_t *r, const route_t *route);

#endif
