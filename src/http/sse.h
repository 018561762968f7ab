/* Live streams (Server-Sent Events) for GET /api/sse/stream. */
#ifndef ZEUES_HTTP_SSE_H
#define ZEUES_HTTP_SSE_H

#include "http/reply.h"

struct MHD_Response;

/** Builds the streaming response for a request whose handler set r->stream; NULL when the
 *  request has no stream (the server then sends r's buffered reply). */
struct MHD_Response *sse_response(req_t *r);

#endif
