/* Live streams: placeholder until the SSE hub lands; no handler sets r->stream yet. */
#include "http/sse.h"

#include <stddef.h>

struct MHD_Response *sse_response(req_t *r)
{
    (void)r;
    return NULL;
}
