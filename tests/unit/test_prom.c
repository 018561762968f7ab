/* core/prom: the Prometheus text exposition a scraper parses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/prom.h"

static void test_family_and_samples(void **state)
{
    (void)state;
    buf_t b = {0};
    prom_family(&b, "zeues_x_total", "counter", "Things.");
    const char *l[] = {"route", "/api/x", "status", "200", NULL};
    prom_sample(&b, "zeues_x_total", l, 3);
    prom_sample(&b, "zeues_up", NULL, 1);
    prom_sample(&b, "zeues_ratio", NULL, 0.25);
    prom_sample(&b, "zeues_big", NULL, 1e20);
    prom_sample(&b, "zeues_nan", NULL, NAN);
    assert_string_equal(buf_str(&b), "# HELP zeues_x_total Things.\n"
                                     "# TYPE zeues_x_total counter\n"
                                     "zeues_x_total{route=\"/api/x\",status=\"200\"} 3\n"
                                     "zeues_up 1\n"
                                     "zeues_ratio 0.25\n"
                                     "zeues_big 1e+20\n"
                                     "zeues_nan NaN\n");
    buf_deinit(&b);
}

static void test_escape(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } cases[] = {
        {"plain", "plain"},
        {"a\"b", "a\\\"b"},
        {"back\\slash", "back\\\\slash"},
        {"two\nlines", "two\\nlines"},
        {"", ""},
        {"ñandú", "ñandú"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t b = {0};
        prom_escape(&b, cases[i].in);
        assert_string_equal(buf_str(&b), cases[i].want);
        buf_deinit(&b);
    }
}

static void test_histogram_is_cumulative(void **state)
{
    (void)state;
    buf_t b = {0};
    const double bounds[] = {0.001, 0.01, 0.1};
    const uint64_t counts[] = {2, 0, 5, 1}; /* the last: above 0.1 */
    const char *l[] = {"route", "/p", NULL};
    prom_histogram(&b, "zeues_d_seconds", l, bounds, counts, 3, 1.5);
    assert_string_equal(buf_str(&b), "zeues_d_seconds_bucket{route=\"/p\",le=\"0.001\"} 2\n"
                                     "zeues_d_seconds_bucket{route=\"/p\",le=\"0.01\"} 2\n"
                                     "zeues_d_seconds_bucket{route=\"/p\",le=\"0.1\"} 7\n"
                                     "zeues_d_seconds_bucket{route=\"/p\",le=\"+Inf\"} 8\n"
                                     "zeues_d_seconds_sum{route=\"/p\"} 1.5\n"
                                     "zeues_d_seconds_count{route=\"/p\"} 8\n");
    buf_deinit(&b);
    buf_t c = {0};
    const uint64_t none[] = {0, 0, 0, 0};
    prom_histogram(&c, "h", NULL, bounds, none, 3, 0);
    assert_non_null(strstr(buf_str(&c), "h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"));
    buf_deinit(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_and_samples),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_histogram_is_cumulative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
