/* A cache of rendered list responses (spool lists, workers), keyed by request and by an
 * in-process generation. Each entry is an immutable, reference-counted body: the JSON, its
 * gzip (made once, when the entry is built) and its ETag. A hit hands out a reference, never a
 * copy, so any number of connections send the same bytes while the cache lock is held only
 * for the lookup.
 *
 * Validity. The generation is a counter of this process, bumped by list_cache_changed: after
 * every state-changing request of this process (before it is answered), on every message of
 * the Redis channel `spools:updates` (a commit of another instance or of a supervisor command)
 * and when that subscription is lost or regained. As a safety net for writers that publish
 * nothing (another process importing into the same file, a lost message), the store's own
 * generation (store_ops.generation, bumped by every commit of any process) is re-read at most
 * every LIST_CACHE_RECHECK_MS by the request that finds it due; a change bumps the counter.
 * So a write is visible to this process's next read at once, and another instance's within
 * the Redis delivery time (sent before that instance answers) or, without Redis, within
 * LIST_CACHE_RECHECK_MS. Thread-safe. */
#ifndef ZEUES_HTTP_LIST_CACHE_H
#define ZEUES_HTTP_LIST_CACHE_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct store;

/* Longest time between two reads of the store's generation while lists are being asked for. */
#define LIST_CACHE_RECHECK_MS 100

/** One rendered list. Immutable once published; freed when the last reference is released. */
typedef struct list_body {
    atomic_int refs;
    char *json;      /* NUL-terminated */
    size_t json_len;
    char *gz;        /* gzip of json, NULL when compression failed or did not make it smaller */
    size_t gz_len;
    int gz_level;    /* zlib level of gz: LIST_CACHE_GZIP_LEVEL, or LIST_CACHE_HOT_LEVEL */
    char etag[48];   /* weak validator of json's bytes, quoted: W/"..." (same for both codings) */
    struct list_body *json_of; /* the body whose json this one borrows (holds a reference) */
} list_body_t;

/* A body is built with zlib's default level (LIST_CACHE_GZIP_LEVEL), paid by the request that
 * misses. Once an entry has been served LIST_CACHE_HOT_HITS times in its generation, a thread
 * of the cache compresses it again at LIST_CACHE_HOT_LEVEL and swaps the new body in (same
 * JSON, same ETag; answers already under way keep the old one): a list that tablets keep
 * asking for while nothing changes is sent with about 10% fewer bytes, and no request waits
 * for the slower level. */
#define LIST_CACHE_GZIP_LEVEL 6
#define LIST_CACHE_HOT_LEVEL 9
#define LIST_CACHE_HOT_HITS 32

typedef struct list_cache list_cache_t;

/** Creates a cache holding at most max_bytes of bodies (JSON plus gzip). store (borrowed, may
 *  be NULL: no re-check) is the store whose generation is re-read. Caller frees with
 *  list_cache_free. */
list_cache_t *list_cache_new(size_t max_bytes, struct store *store);
/** Frees c and drops its references (bodies still being sent stay alive). NULL is allowed. */
void list_cache_free(list_cache_t *c);
/** The current generation, re-reading the store's when due (see above). Any thread. */
uint64_t list_cache_generation(list_cache_t *c);
/** Invalidates every entry: bumps the generation. Any thread; cheap (one atomic add). */
void list_cache_changed(list_cache_t *c);
/** The body cached for key at generation gen, with a new reference the caller releases with
 *  list_body_release; NULL on a miss. */
list_body_t *list_cache_get(list_cache_t *c, const char *key, uint64_t gen);
/** Builds a body from json (takes its contents; json is empty afterwards): compresses it and
 *  computes its ETag, then caches it for key at gen when gen is still current and it fits,
 *  and hands it to the requests waiting in list_cache_claim for key at gen (also when it is
 *  not cached). Returns a reference the caller releases with list_body_release; never NULL.
 *  c may be NULL (nothing cached). */
list_body_t *list_cache_put(list_cache_t *c, const char *key, uint64_t gen, buf_t *json);

/* Longest wait of a request for the body another request is building (then it builds its own). */
#define LIST_CACHE_WAIT_MS 10000

/** One build per key and generation, however many requests miss at once (a change followed by
 *  64 tablets asking for the same 5 MB list would otherwise make 64 reads, renders and gzips
 *  of it at the same time). Like list_cache_get, but on a miss:
 *  - the first caller gets NULL with *builder = 1: it must build the body and then call
 *    list_cache_put, or list_cache_abandon when it could not, with the same key and gen;
 *  - the others wait (up to LIST_CACHE_WAIT_MS) for that body and get a reference to it, or
 *    NULL with *builder = 0 when the builder gave up or took too long: they build their own,
 *    with no obligation. Also NULL with *builder = 0 when c is NULL. */
list_body_t *list_cache_claim(list_cache_t *c, const char *key, uint64_t gen, int *builder);
/** The builder of key at gen could not build: wakes its waiters (they build their own). */
void list_cache_abandon(list_cache_t *c, const char *key, uint64_t gen);

/** Adds a reference to b and returns b. */
list_body_t *list_body_ref(list_body_t *b);
/** Drops a reference; the last one frees b. NULL is allowed. */
void list_body_release(list_body_t *b);

#endif
