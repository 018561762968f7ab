/* The access check between router and handler: the headers in, app/auth's answer out. */
#include "http/access_gate.h"

#include <stdio.h>

#include "app/auth.h"
#include "core/errors.h"

int access_gate_or_reply(req_t *r, const route_t *route)
{
    r->device[0] = r->supervisor[0] = '\0';
    r->device_id = 0;
    r->pin_needed = 0;
    if (route->role == ACCESS_PUBLIC) return 0;
    if (auth_mode(r->app) == ACCESS_OFF && route->role != ACCESS_CONSOLE) return 0;
    const char *why = "";
    auth_who_t who;
    int rc = auth_request(r->app, route->role, req_header(r, "Authorization"),
                          req_header(r, "Cookie"), &who, &why);
    if (rc == ZE_OK) {
        snprintf(r->device, sizeof r->device, "%s", who.device);
        snprintf(r->supervisor, sizeof r->supervisor, "%s", who.supervisor);
        r->device_id = who.device_id;
        r->pin_needed = who.pin_needed;
        return 0;
    }
    reply_error(r, rc, NULL, "%s", why);
    if (rc == ZE_UNAUTHORIZED) reply_header(r, "www-authenticate", "Bearer");
    return -1;
}
