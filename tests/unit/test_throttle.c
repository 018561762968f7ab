/* Table-driven tests of core/throttle: free failures, the doubling wait counted from the last
 * failure, and its cap. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/throttle.h"

typedef struct wait_case {
    int failures;
    int64_t last, now, want;
} wait_case_t;

static void test_wait_table(void **state)
{
    (void)state;
    static const throttle_rule_t rule = {.free_failures = 3, .max_delay = 60};
    static const wait_case_t cases[] = {
        {0, 0, 1000, 0},
        {3, 1000, 1000, 0},   /* three typing mistakes cost nothing */
        {4, 1000, 1000, 2},   /* then 2 s after the last failure, */
        {4, 1000, 1001, 1},
        {4, 1000, 1002, 0},
        {5, 1000, 1000, 4},   /* 4 s, */
        {6, 1000, 1000, 8},   /* 8 s, */
        {6, 1000, 1007, 1},
        {8, 1000, 1000, 32},
        {9, 1000, 1000, 60},  /* capped */
        {1000000, 1000, 1000, 60},
        {1000000, 1000, 1060, 0},
        {10, 1000, 900, 160}, /* a clock that went back never shortens the wait */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = throttle_wait(&rule, cases[i].failures, cases[i].last, cases[i].now);
        if (got != cases[i].want)
            fail_msg("case %zu: %d failures: wait %lld want %lld", i, cases[i].failures,
                     (long long)got, (long long)cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
