/* A small cache of list responses (spool lists, workers) keyed by request and store generation.
 * An entry is served only while the store's generation is unchanged, so every write is visible
 * to the next read (no stale answers), while repeated reads of a quiet plant skip the scan and
 * the JSON encoding. Bounded in bytes; thread-safe. */
#ifndef ZEUES_HTTP_LIST_CACHE_H
#define ZEUES_HTTP_LIST_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct list_cache list_cache_t;

/** Creates a cache holding at most max_bytes of bodies. Caller frees with list_cache_free. */
list_cache_t *list_cache_new(size_t max_bytes);
void list_cache_free(list_cache_t *c);
/** Copies the body for key into out when cached at generation gen; returns 1 on a hit. */
int list_cache_get(list_cache_t *c, const char *key, int64_t gen, buf_t *out);
/** Stores a copy of body for key at generation gen (replacing older entries of that key). */
void list_cache_put(list_cache_t *c, const char *key, int64_t gen, const char *body, size_t len);

#endif
