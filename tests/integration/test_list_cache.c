/* Tests of src/http/list_cache: hits and misses by generation, the in-process counter and the
 * periodic re-read of the store's generation, bodies that outlive the cache, ETags, and gzip
 * (only its framing here: only src/http includes zlib; the black-box tests decompress).
 * Run one case with: test_list_cache <name-glob>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/errors.h"
#include "http/list_cache.h"
#include "store/store.h"

/* A store with only a generation: what the cache reads. */
typedef struct gen_store {
    store_t base;
    int64_t gen;
    int reads;
    int fail;
} gen_store_t;

static int gs_generation(store_t *st, int64_t *out)
{
    gen_store_t *g = (gen_store_t *)st;
    g->reads++;
    if (g->fail) return ZE_STORE_UNAVAILABLE;
    *out = g->gen;
    return ZE_OK;
}

static const struct store_ops gen_ops = {.generation = gs_generation};

static list_body_t *put_str(list_cache_t *c, const char *key, uint64_t gen, const char *s)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, s);
    list_body_t *body = list_cache_put(c, key, gen, &b);
    assert_null(b.data); /* taken */
    return body;
}

static void sleep_ms(int ms)
{
    struct timespec t = {0, (long)ms * 1000000L};
    nanosleep(&t, NULL);
}

static void test_hit_until_changed(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 20, NULL);
    uint64_t g = list_cache_generation(c);
    assert_null(list_cache_get(c, "k", g));
    list_body_release(put_str(c, "k", g, "{\"a\":1}"));
    list_body_t *b = list_cache_get(c, "k", g);
    assert_non_null(b);
    assert_string_equal(b->json, "{\"a\":1}");
    assert_int_equal(b->json_len, 7);
    assert_null(list_cache_get(c, "other", g));
    list_body_release(b);
    list_cache_changed(c);
    uint64_t g2 = list_cache_generation(c);
    assert_true(g2 > g);
    assert_null(list_cache_get(c, "k", g2));
    list_cache_free(c);
}

static void test_stale_build_not_kept(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 20, NULL);
    uint64_t g = list_cache_generation(c);
    list_cache_changed(c); /* a commit while the list was being built */
    list_body_t *b = put_str(c, "k", g, "[1]");
    assert_non_null(b); /* served to its own request */
    assert_string_equal(b->json, "[1]");
    assert_null(list_cache_get(c, "k", list_cache_generation(c)));
    assert_null(list_cache_get(c, "k", g));
    list_body_release(b);
    list_cache_free(c);
}

static void test_body_outlives_cache(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 20, NULL);
    uint64_t g = list_cache_generation(c);
    list_body_release(put_str(c, "k", g, "[\"sent while the cache goes\"]"));
    list_body_t *b = list_cache_get(c, "k", g);
    list_cache_free(c);
    assert_string_equal(b->json, "[\"sent while the cache goes\"]");
    list_body_t *again = list_body_ref(b);
    list_body_release(b);
    list_body_release(again);
    list_body_release(NULL);
}

static void test_etag_names_the_bytes(void **state)
{
    (void)state;
    list_body_t *a = put_str(NULL, "k", 1, "{\"x\":[1,2,3]}");
    list_body_t *b = put_str(NULL, "k", 2, "{\"x\":[1,2,3]}");
    list_body_t *d = put_str(NULL, "k", 1, "{\"x\":[1,2,4]}");
    assert_string_equal(a->etag, b->etag);
    assert_string_not_equal(a->etag, d->etag);
    assert_memory_equal(a->etag, "W/\"", 3);
    assert_int_equal(a->etag[strlen(a->etag) - 1], '"');
    list_body_release(a);
    list_body_release(b);
    list_body_release(d);
}

static void test_gzip_made_when_smaller(void **state)
{
    (void)state;
    char big[20000];
    size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "{\"spools\":[");
    for (int i = 0; n + 64 < sizeof big; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s{\"tag\":\"MK-%04d\"}", i ? "," : "", i);
    snprintf(big + n, sizeof big - n, "]}");
    list_body_t *b = put_str(NULL, "k", 1, big);
    assert_non_null(b->gz);
    assert_true(b->gz_len < b->json_len / 2);
    assert_int_equal((unsigned char)b->gz[0], 0x1f); /* RFC 1952 magic */
    assert_int_equal((unsigned char)b->gz[1], 0x8b);
    list_body_release(b);
    list_body_t *tiny = put_str(NULL, "k", 1, "{}");
    assert_null(tiny->gz); /* the gzip framing alone is larger */
    list_body_release(tiny);
}

static void test_store_generation_rechecked(void **state)
{
    (void)state;
    gen_store_t st = {.base = {&gen_ops}, .gen = 5};
    list_cache_t *c = list_cache_new(1 << 20, &st.base);
    uint64_t g = list_cache_generation(c);
    list_body_release(put_str(c, "k", g, "[]"));
    /* Reads of the generation are not store reads: 1,000 of them cost a few at most (one per
     * re-check period that passes meanwhile, however slow this machine is). */
    int reads0 = st.reads;
    for (int i = 0; i < 1000; i++) assert_int_equal(list_cache_generation(c), g);
    assert_true(st.reads - reads0 <= 10);
    /* A write that nobody announced is seen once the period has passed. */
    st.gen = 6;
    sleep_ms(LIST_CACHE_RECHECK_MS + 20);
    uint64_t g2 = list_cache_generation(c);
    assert_true(g2 > g);
    assert_null(list_cache_get(c, "k", g2));
    /* An unchanged store changes nothing; an unreadable one counts as a change. */
    sleep_ms(LIST_CACHE_RECHECK_MS + 20);
    assert_int_equal(list_cache_generation(c), g2);
    st.fail = 1;
    sleep_ms(LIST_CACHE_RECHECK_MS + 20);
    assert_true(list_cache_generation(c) > g2);
    list_cache_free(c);
}

static void test_bounded_bytes(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(4096, NULL);
    uint64_t g = list_cache_generation(c);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    list_body_release(put_str(c, "big", g, big)); /* over half the cache: served, not kept */
    assert_null(list_cache_get(c, "big", g));
    char key[16];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "k%d", i);
        list_body_release(put_str(c, key, g, "[0123456789012345678901234567890123456789]"));
    }
    list_body_t *last = list_cache_get(c, "k199", g);
    assert_non_null(last); /* the newest stays; older ones were evicted */
    list_body_release(last);
    assert_null(list_cache_get(c, "k0", g));
    list_cache_free(c);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_until_changed),
        cmocka_unit_test(test_stale_build_not_kept),
        cmocka_unit_test(test_body_outlives_cache),
        cmocka_unit_test(test_etag_names_the_bytes),
        cmocka_unit_test(test_gzip_made_when_smaller),
        cmocka_unit_test(test_store_generation_rechecked),
        cmocka_unit_test(test_bounded_bytes),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
