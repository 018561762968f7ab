/* GET /api/sse/stream: handed to the SSE hub (src/http/sse.c). */
#include "core/errors.h"
#include "http/handlers/handlers.h"

int h_sse_stream(req_t *r)
{
    return reply_error(r, ZE_REDIS_UNAVAILABLE, NULL, "Redis service unavailable");
}
