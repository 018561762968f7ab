/* Tests of util/config's --threads default: two libmicrohttpd workers per CPU core, at least 4
 * and at most 16, used when neither the flag nor ZEUES_THREADS sets a number (or they set 0);
 * a number given is kept as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/config.h"

static void auto_threads_are_two_per_core_from_4_to_16(void **state)
{
    (void)state;
    assert_int_equal(config_auto_threads(1), 4);
    assert_int_equal(config_auto_threads(2), 4);
    assert_int_equal(config_auto_threads(3), 6);
    assert_int_equal(config_auto_threads(8), 16);
    assert_int_equal(config_auto_threads(64), 16);
    /* sysconf failed (-1) or said nothing: the smallest pool */
    assert_int_equal(config_auto_threads(-1), 4);
    assert_int_equal(config_auto_threads(0), 4);
}

static int load(config_t *cfg, int argc, char **argv)
{
    char err[256];
    return config_load(cfg, argc, argv, err, sizeof err);
}

static void default_and_zero_mean_auto_a_number_is_kept(void **state)
{
    (void)state;
    unsetenv("ZEUES_THREADS");
    int want = config_auto_threads(sysconf(_SC_NPROCESSORS_ONLN));
    config_t cfg;
    assert_int_equal(load(&cfg, 0, NULL), 0);
    assert_int_equal(cfg.threads, want);

    char *zero[] = {"--threads", "0"};
    assert_int_equal(load(&cfg, 2, zero), 0);
    assert_int_equal(cfg.threads, want);

    char *three[] = {"--threads", "3"};
    assert_int_equal(load(&cfg, 2, three), 0);
    assert_int_equal(cfg.threads, 3);

    setenv("ZEUES_THREADS", "32", 1);
    assert_int_equal(load(&cfg, 0, NULL), 0);
    assert_int_equal(cfg.threads, 32);
    unsetenv("ZEUES_THREADS");

    char *bad[] = {"--threads", "-1"};
    assert_int_equal(load(&cfg, 2, bad), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auto_threads_are_two_per_core_from_4_to_16),
        cmocka_unit_test(default_and_zero_mean_auto_a_number_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
