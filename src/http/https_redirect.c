/* The HTTP -> HTTPS redirect port (see https_redirect.h): a small libmicrohttpd daemon with its
 * own listening socket, a connection limit and a short timeout, answering every request at
 * once. */
#include "http/https_redirect.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "http/reply.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "http"
#define REDIRECT_MAX_CONNECTIONS 256
#define REDIRECT_PER_ADDRESS 16
#define REDIRECT_TIMEOUT_S 10

struct https_redirect {
    struct MHD_Daemon *d;
    int https_port;
};

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-';
}

int https_redirect_location(const char *host, const char *target, int https_port, char *out,
                            size_t n)
{
    if (!host || !*host || !target || target[0] != '/') return -1;
    size_t hl;
    if (host[0] == '[') { /* an IPv6 literal */
        const char *end = strchr(host, ']');
        if (!end) return -1;
        hl = (size_t)(end - host) + 1;
        for (size_t i = 1; i + 1 < hl; i++)
            if (!strchr("0123456789abcdefABCDEF:.", host[i])) return -1;
    } else {
        hl = strcspn(host, ":");
        if (hl == 0) return -1;
        for (size_t i = 0; i < hl; i++)
            if (!host_char(host[i])) return -1;
    }
    const char *rest = host + hl;
    if (*rest == ':') {
        for (const char *p = rest + 1; *p; p++)
            if (*p < '0' || *p > '9') return -1;
    } else if (*rest) {
        return -1;
    }
    for (const char *p = target; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) return -1;
    char port[16] = "";
    if (https_port != 443) snprintf(port, sizeof port, ":%d", https_port);
    int w = snprintf(out, n, "https://%.*s%s%s", (int)hl, host, port, target);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The raw request target, captured before libmicrohttpd decodes it (freed on completion). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    return xstrdup(uri ? uri : "/");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    https_redirect_t *r = cls;
    if (*upload_data_size) { /* a body is never needed to redirect: drop it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    char location[2048];
    const char *target = *con_cls ? (const char *)*con_cls : "/";
    int ok = https_redirect_location(host, target, r->https_port, location, sizeof location) == 0;
    req_t q;
    memset(&q, 0, sizeof q);
    if (!ok) /* the single error body, from the one function that builds it */
        reply_error_status(&q, 400, ZE_BAD_REQUEST, NULL,
                           "Use HTTPS: this port only redirects, and the request has no usable "
                           "Host");
    const char *body = ok ? "Use HTTPS\n" : q.out.data;
    size_t len = ok ? strlen(body) : q.out.len;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    buf_deinit(&q.out);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "content-type",
                            ok ? "text/plain; charset=utf-8" : "application/json");
    MHD_add_response_header(resp, "cache-control", "no-store");
    if (ok) MHD_add_response_header(resp, "location", location);
    enum MHD_Result ret = MHD_queue_response(c, ok ? 308 : 400, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0';
    LOG_WARN("https redirect: %s", msg);
}

https_redirect_t *https_redirect_start(const char *bind, int port, int https_port, char *err,
                                       size_t errlen)
{
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, bind, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "ZEUES_BIND: '%s' is not an IPv4 address", bind);
        return NULL;
    }
    https_redirect_t *r = xcalloc(1, sizeof *r);
    r->https_port = https_port;
    r->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
        NULL, on_request, r, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)REDIRECT_MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)REDIRECT_PER_ADDRESS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)REDIRECT_TIMEOUT_S, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!r->d) {
        snprintf(err, errlen, "--https-redirect-port: cannot listen on %s:%d", bind, port);
        free(r);
        return NULL;
    }
    LOG_INFO("plain HTTP on %s:%d redirects to HTTPS port %d", bind, port, https_port);
    return r;
}

void https_redirect_stop(https_redirect_t *r)
{
    if (!r) return;
    MHD_stop_daemon(r->d);
    free(r);
}
