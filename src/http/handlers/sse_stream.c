/* GET /api/sse/stream: a live stream of committed events (Server-Sent Events), handed to the
 * SSE hub (src/http/sse_hub.c). Last-Event-ID (header, or ?last_event_id=N) replays what the
 * client missed; without it the stream starts at the current end of the event log. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "http/handlers/handlers.h"
#include "http/sse_hub.h"

/* The sequence number in a Last-Event-ID value, or -1 when it is absent or not a
 * non-negative decimal integer (the original sent timestamps there: those start afresh). */
static int64_t parse_last_event_id(const char *s)
{
    if (!s) return -1;
    while (*s == ' ' || *s == '\t') s++;
    if (!isdigit((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (errno || *end) return -1;
    return (int64_t)v;
}

int h_sse_stream(req_t *r)
{
    const char *leid = r->last_event_id;
    if (!leid || !*leid) leid = req_query(r, "last_event_id");
    sse_hub_attach_or_reply(r->env->hub, r, parse_last_event_id(leid));
    return 0;
}
