/* CORS exactly as the original's middleware put it on the wire (api-v3.md §1.2). */
#ifndef ZEUES_HTTP_CORS_H
#define ZEUES_HTTP_CORS_H
#include <stddef.h>

typedef struct cors {
    char **origins;
    size_t n;
    int wildcard; /* the list contains "*" */
} cors_t;

/** Parses ALLOWED_ORIGINS (comma separated, each trimmed). Caller frees with cors_deinit. */
void cors_init(cors_t *c, const char *allowed);
void cors_deinit(cors_t *c);
/** 1 when origin may call us. */
int cors_allowed(const cors_t *c, const char *origin);

/** Outcome of a preflight: status 200 with body "OK", or 400 with the reason as body. */
typedef struct cors_preflight {
    int status;
    const char *body;
    int allow_origin; /* send access-control-allow-origin */
} cors_preflight_t;

/** Decides a preflight for origin and the requested method. */
cors_preflight_t cors_preflight(const cors_t *c, const char *origin, const char *method);

#endif
