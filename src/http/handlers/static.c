/* The embedded web UI under /app/. Lookups are exact matches in the embedded table, so no
 * request path can reach the file system (no traversal). */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "http/handlers/handlers.h"
#include "http/static_files.h"
#include "util/buf.h"

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

/* Files change only with the binary, so their ETags are computed once, at the first request. */
#define ETAG_LEN 19 /* "\"%016lx\"" */
static char (*etags)[ETAG_LEN + 1];
static pthread_once_t etags_once = PTHREAD_ONCE_INIT;

static void etags_compute(void)
{
    size_t n = 0;
    while (static_files[n].path) n++;
    etags = calloc(n + 1, sizeof *etags);
    if (!etags) abort();
    for (size_t i = 0; i < n; i++)
        snprintf(etags[i], sizeof etags[i], "\"%016lx\"",
                 fnv1a(static_files[i].data, static_files[i].size));
}

/* Answers bytes with a strong ETag (304 when the client has them): tablets revalidate cheaply
 * on bad Wi-Fi; HTML is always revalidated so a new release is picked up at once. etag must
 * outlive the request. */
static int reply_cached(req_t *r, const char *type, const char *etag, const char *data,
                        size_t len, int always_revalidate)
{
    reply_header(r, "etag", etag);
    reply_header(r, "cache-control", always_revalidate || strstr(type, "text/html")
                                         ? "no-cache"
                                         : "public, max-age=300");
    reply_header(r, "x-content-type-options", "nosniff");
    const char *inm = req_header(r, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        r->status = 304;
        return 0;
    }
    return reply_bytes(r, 200, type, data, len);
}

/* /app/config.js: what the pages need from the server's configuration (the plant's time
 * zone), so nothing is hard-coded in the UI. */
static int reply_config(req_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "timezone", json_string(r->app->cfg->timezone));
    char *j = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    buf_t b = BUF_INIT;
    buf_printf(&b, "window.ZEUES_CONFIG = %s;\n", j ? j : "{}");
    free(j);
    snprintf(r->scratch, sizeof r->scratch, "\"%016lx\"", fnv1a((const unsigned char *)b.data, b.len));
    int rc = reply_cached(r, "text/javascript; charset=utf-8", r->scratch, b.data, b.len, 1);
    buf_deinit(&b);
    return rc;
}

int h_app_file(req_t *r)
{
    if (strcmp(r->param, "config.js") == 0) return reply_config(r);
    char path[300];
    snprintf(path, sizeof path, "/%s", r->param);
    const static_file_t *f = static_find(path);
    if (!f) return reply_error(r, ZE_NOT_FOUND, NULL, "Archivo '%s' no encontrado", r->param);
    pthread_once(&etags_once, etags_compute);
    return reply_cached(r, f->type, etags[f - static_files], (const char *)f->data, f->size, 0);
}

/* Answers one embedded file under a route of its own (not /app/{file}). */
static int reply_page(req_t *r, const char *path)
{
    const static_file_t *f = static_find(path);
    if (!f) return reply_error(r, ZE_NOT_FOUND, NULL, "Not Found");
    pthread_once(&etags_once, etags_compute);
    return reply_cached(r, f->type, etags[f - static_files], (const char *)f->data, f->size, 0);
}

int h_app_enroll(req_t *r) { return reply_page(r, "/enroll.html"); }

int h_app_login(req_t *r) { return reply_page(r, "/login.html"); }

int h_app_console(req_t *r) { return reply_page(r, "/console.html"); }

int h_api_docs(req_t *r) { return reply_page(r, "/docs.html"); }
