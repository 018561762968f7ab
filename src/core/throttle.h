/* Growing delays for repeated failed attempts (supervisor sign-in, worker PINs): a pure rule of
 * the failure count and the time of the last failure, so tests drive it with any clock. A
 * refused attempt is answered at once (429 with Retry-After), never slept on: the server does
 * not hold a thread for an attacker. */
#ifndef ZEUES_CORE_THROTTLE_H
#define ZEUES_CORE_THROTTLE_H
#include <stdint.h>

/** How a kind of secret is throttled. */
typedef struct throttle_rule {
    int free_failures; /* failures that cost nothing (typing mistakes) */
    int64_t max_delay; /* seconds; the doubling delay stops growing here */
} throttle_rule_t;

/**
 * Seconds the next attempt must wait at now after `failures` consecutive failures, the last one
 * at last_failure: 0 when it may be heard now. The first rule->free_failures failures cost
 * nothing; each one after them doubles the wait (2, 4, 8, ... seconds after the last failure,
 * whose time has whole-second resolution: the first wait is 2 so that it is never 0), up to
 * rule->max_delay.
 */
int64_t throttle_wait(const throttle_rule_t *rule, int failures, int64_t last_failure,
                      int64_t now);

#endif
