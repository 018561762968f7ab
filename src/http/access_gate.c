/* The access check between router and handler: the headers in, app/auth's answer out. */
#include "http/access_gate.h"

#include "app/auth.h"
#include "core/errors.h"

int access_gate_or_reply(req_t *r, const route_t *route)
{
    r->device[0] = '\0';
    if (auth_mode(r->app) == ACCESS_OFF || route->role == ACCESS_PUBLIC) return 0;
    const char *why = "";
    int rc = auth_request(r->app, route->role, req_header(r, "Authorization"),
                          req_header(r, "Cookie"), r->device, &why);
    if (rc == ZE_OK) return 0;
    reply_error(r, rc, NULL, "%s", why);
    if (rc == ZE_UNAUTHORIZED) reply_header(r, "www-authenticate", "Bearer");
    return -1;
}
