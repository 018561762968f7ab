/* Allocation with one out-of-memory policy: the process aborts with a message.
 * A tracker that half-applies a change because malloc failed is worse than one
 * that restarts (the store is transactional and start-up reconciles Redis). */
#ifndef ZEUES_UTIL_ALLOC_H
#define ZEUES_UTIL_ALLOC_H
#include <stddef.h>

/** malloc that never returns NULL (aborts on OOM). Caller frees with free(). */
void *xmalloc(size_t n);
/** calloc that never returns NULL. Caller frees with free(). */
void *xcalloc(size_t count, size_t n);
/** realloc that never returns NULL. */
void *xrealloc(void *p, size_t n);
/** strdup that never returns NULL; NULL in gives NULL out. Caller frees with free(). */
char *xstrdup(const char *s);
/** strndup that never returns NULL. Caller frees with free(). */
char *xstrndup(const char *s, size_t n);

#endif
