/* A cache of rendered spool cards (the SpoolStatus JSON of POST /api/spools/batch-status and
 * GET /api/spool/{tag}/status), so that a card is rendered once per change of its inputs, not
 * once per request.
 *
 * Validity is exact, never time- or generation-based: a card is keyed by the full bytes of the
 * spool row it was rendered from (as the request has just read it from the store) and by the
 * workers epoch, a counter bumped whenever the active workers' names differ from those of the
 * previous request (card_cache_workers_epoch). A card is a function of exactly those inputs
 * (core/status.c, json_map_spool_status), so a hit is byte for byte what rendering would give.
 * Rows and workers are compared field by field (every field of the row, not only those a card
 * shows), never as raw struct bytes.
 *
 * Without reading the store: a card found current at list generation gen (http/list_cache.h,
 * bumped by every write this process makes or hears of) is current while that generation
 * is, so card_cache_get_current answers from it as the cached lists do. Freshness is then
 * that of the lists: a write of this process at once, another instance's within the Redis
 * delivery time, a writer that publishes nothing within LIST_CACHE_RECHECK_MS.
 *
 * Bounded: at most max_bytes of cards (key included) are held; past it new cards are not kept
 * (existing ones are still replaced when their spool changes). Thread-safe: striped locks,
 * held only to compare and copy. */
#ifndef ZEUES_HTTP_CARD_CACHE_H
#define ZEUES_HTTP_CARD_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "core/spool.h"
#include "util/buf.h"

typedef struct card_cache card_cache_t;

/** A cache holding at most max_bytes. Caller frees with card_cache_free. */
card_cache_t *card_cache_new(size_t max_bytes);
/** Frees c. NULL is allowed. */
void card_cache_free(card_cache_t *c);
/** The epoch of the active workers w[0..n) (as the request read them): the same as the previous
 *  call's when their ids, names and active flags are the same, else a new one. */
uint64_t card_cache_workers_epoch(card_cache_t *c, const worker_t *w, size_t n);
/** Appends the card of tag known current at list generation gen (not 0) to out and returns
 *  1; 0 when there is none (out unchanged). */
int card_cache_get_current(card_cache_t *c, const char *tag, uint64_t gen, buf_t *out);
/** Appends the card cached for s at epoch to out and returns 1 (the card is then known
 *  current at gen, read before s was); 0 on a miss (out unchanged). */
int card_cache_get(card_cache_t *c, const spool_t *s, uint64_t epoch, uint64_t gen, buf_t *out);
/** Caches json[0..len) as the card of s at epoch, current at gen (read before s was; 0 =
 *  unknown), replacing an older card of s's tag. */
void card_cache_put(card_cache_t *c, const spool_t *s, uint64_t epoch, uint64_t gen,
                    const char *json, size_t len);

#endif
