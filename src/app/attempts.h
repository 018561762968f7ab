/* Failed attempts per key (a supervisor name), kept in memory, for the growing delays of
 * core/throttle. A fixed table: when it is full the entry whose last failure is oldest makes
 * room, so its memory is bounded whatever a client sends. */
#ifndef ZEUES_APP_ATTEMPTS_H
#define ZEUES_APP_ATTEMPTS_H
#include <stdint.h>

#include "core/throttle.h"

#define ATTEMPTS_SLOTS 1024
#define ATTEMPTS_KEY_MAX 64 /* bytes of a key that count (longer keys are cut) */

typedef struct attempts attempts_t;

/** A new, empty table; caller frees with attempts_free (NULL is fine). */
attempts_t *attempts_new(void);
void attempts_free(attempts_t *a);

/** Seconds key must wait at now under rule before its next attempt is heard (0: now). */
int64_t attempts_wait(attempts_t *a, const char *key, const throttle_rule_t *rule, int64_t now);
/** Counts a failure of key at now. */
void attempts_fail(attempts_t *a, const char *key, int64_t now);
/** Forgets key's failures (after a success). */
void attempts_clear(attempts_t *a, const char *key);

#endif
