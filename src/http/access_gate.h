/* The access check of every request, between the router and the handler (see app/auth.h). */
#ifndef ZEUES_HTTP_ACCESS_GATE_H
#define ZEUES_HTTP_ACCESS_GATE_H

#include "http/reply.h"
#include "http/router.h"

/**
 * Lets the request through to route's handler (0; r->device names the enrolled device that
 * sent it and r->supervisor the signed-in supervisor, "" when none was needed), or answers it
 * (-1): 401 UNAUTHORIZED without a valid credential (a device's or a supervisor session),
 * 403 FORBIDDEN when the credential lacks the route's role, 503
 * when the store cannot be read, each with the single error body (CORS is added by the server
 * as for every answer). Reads only Authorization and Cookie.
 */
int access_gate_or_reply(req_t *r, const route_t *route);

#endif
