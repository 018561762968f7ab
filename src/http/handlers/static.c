/* The embedded web UI under /app/. Lookups are exact matches in the embedded table, so no
 * request path can reach the file system (no traversal). */
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "http/handlers/handlers.h"
#include "http/static_files.h"

const static_file_t *static_find(const char *path)
{
    for (const static_file_t *f = static_files; f->path; f++)
        if (strcmp(f->path, path) == 0) return f;
    return NULL;
}

int h_app_redirect(req_t *r)
{
    r->status = 307;
    r->out_type = "text/plain; charset=utf-8";
    reply_header(r, "location", "/app/index.html");
    return 0;
}

static unsigned long fnv1a(const unsigned char *p, size_t n)
{
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211UL;
    return h;
}

int h_app_file(req_t *r)
{
    char path[300];
    snprintf(path, sizeof path, "/%s", r->param);
    const static_file_t *f = static_find(path);
    if (!f) return reply_error(r, ZE_NOT_FOUND, NULL, "Archivo '%s' no encontrado", r->param);
    /* Files change only with the binary: a strong ETag lets tablets revalidate cheaply on bad
     * Wi-Fi; HTML is always revalidated so a new release is picked up at once. */
    snprintf(r->scratch, sizeof r->scratch, "\"%016lx\"", fnv1a(f->data, f->size));
    reply_header(r, "etag", r->scratch);
    reply_header(r, "cache-control", strstr(f->type, "text/html") ? "no-cache"
                                                                  : "public, max-age=300");
    reply_header(r, "x-content-type-options", "nosniff");
    const char *inm = req_header(r, "If-None-Match");
    if (inm && strcmp(inm, r->scratch) == 0) {
        r->status = 304;
        return 0;
    }
    return reply_bytes(r, 200, f->type, (const char *)f->data, f->size);
}
