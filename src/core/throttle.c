/* The growing-delay rule of failed attempts (see throttle.h). */
#include "core/throttle.h"

int64_t throttle_wait(const throttle_rule_t *rule, int failures, int64_t last_failure,
                      int64_t now)
{
    if (failures <= rule->free_failures) return 0;
    int64_t delay = 2;
    for (int i = rule->free_failures + 1; i < failures && delay < rule->max_delay; i++)
        delay *= 2;
    if (delay > rule->max_delay) delay = rule->max_delay;
    int64_t until = last_failure + delay;
    return until > now ? until - now : 0;
}
