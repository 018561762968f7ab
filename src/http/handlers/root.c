/* GET / and GET /openapi.json. */
#include <string.h>

#include "core/errors.h"
#include "http/handlers/handlers.h"
#include "http/static_files.h"

int h_root(req_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "message", json_string("ZEUES API - Manufacturing Traceability System"));
    json_object_set_new(o, "version", json_string("1.0.0"));
    json_object_set_new(o, "docs", json_string("/api/docs"));
    json_object_set_new(o, "redoc", json_string("/api/redoc"));
    json_object_set_new(o, "health", json_string("/api/health"));
    json_object_set_new(o, "app", json_string("/app/index.html"));
    json_object_set_new(o, "dashboard", json_string("/app/dashboard.html"));
    return reply_json(r, 200, o);
}

int h_openapi(req_t *r)
{
    const static_file_t *f = static_find("/openapi.json");
    if (!f) return reply_error(r, ZE_NOT_FOUND, NULL, "Not Found");
    return reply_bytes(r, 200, "application/json", (const char *)f->data, f->size);
}
