/* Tests of src/http/list_cache: hits and misses by generation, the in-process counter and the
 * periodic re-read of the store's generation, bodies that outlive the cache, ETags, and gzip
 * (only its framing here: only src/http includes zlib; the black-box tests decompress), and
 * one build per key and generation however many requests miss at once.
 * Run one case with: test_list_cache <name-glob>. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* About n bytes of list JSON that level 9 compresses better than level 6: rows of varied
 * values (a fixed pseudo-random sequence), as a real list. Caller frees. */
static char *varied_list(size_t n)
{
    static const char *states[] = {"PENDIENTE", "EN_PROGRESO", "COMPLETADO", "RECHAZADO"};
    char *s = malloc(n + 256);
    assert_non_null(s);
    size_t len = (size_t)snprintf(s, n, "{\"spools\":[");
    uint32_t x = 12345;
    for (int i = 0; len < n; i++) {
        x = x * 1103515245u + 12345u;
        len += (size_t)snprintf(s + len, 256,
                                "%s{\"tag\":\"MK-%04u-CW-%05u-%03u\",\"arm\":\"%s\",\"v\":%u,"
                                "\"fecha\":\"2026-%02u-%02u\"}",
                                i ? "," : "", (x >> 8) % 9000 + 1000, (x >> 3) % 100000,
                                (unsigned)i % 1000, states[(x >> 20) % 4], (x >> 12) % 50,
                                (x >> 16) % 12 + 1, (x >> 24) % 28 + 1);
    }
    memcpy(s + len, "]}", 3);
    return s;
}

static void test_hot_entry_recompressed(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 22, NULL);
    uint64_t g = list_cache_generation(c);
    char *json = varied_list(400000);
    list_body_t *first = put_str(c, "k", g, json);
    assert_non_null(first->gz);
    assert_int_equal(first->gz_level, LIST_CACHE_GZIP_LEVEL);
    /* Not yet hot: the same body however long one waits. */
    for (int i = 0; i < LIST_CACHE_HOT_HITS - 2; i++) list_body_release(list_cache_get(c, "k", g));
    sleep_ms(50);
    list_body_t *b = list_cache_get(c, "k", g);
    assert_ptr_equal(b, first);
    list_body_release(b);
    /* The LIST_CACHE_HOT_HITS-th hit: a better body replaces it soon after. */
    list_body_release(list_cache_get(c, "k", g));
    b = NULL;
    for (int i = 0; i < 500; i++) {
        b = list_cache_get(c, "k", g);
        if (b != first) break;
        list_body_release(b);
        b = NULL;
        sleep_ms(10);
    }
    assert_non_null(b);
    assert_int_equal(b->gz_level, LIST_CACHE_HOT_LEVEL);
    assert_true(b->gz_len < first->gz_len);
    assert_int_equal((unsigned char)b->gz[0], 0x1f);
    assert_int_equal(b->json_len, strlen(json));
    assert_memory_equal(b->json, json, b->json_len);
    assert_string_equal(b->etag, first->etag); /* the same JSON, the same validator */
    /* Hot once: it stays the body of this generation. */
    for (int i = 0; i < 3 * LIST_CACHE_HOT_HITS; i++) list_body_release(list_cache_get(c, "k", g));
    sleep_ms(50);
    list_body_t *again = list_cache_get(c, "k", g);
    assert_ptr_equal(again, b);
    list_body_release(again);
    /* A change: the next generation starts again from a default-level build. */
    list_cache_changed(c);
    uint64_t g2 = list_cache_generation(c);
    assert_null(list_cache_get(c, "k", g2));
    list_body_t *next = put_str(c, "k", g2, json);
    assert_int_equal(next->gz_level, LIST_CACHE_GZIP_LEVEL);
    list_body_release(next);
    /* Both older bodies outlive the cache, the borrowed JSON included. */
    list_cache_free(c);
    assert_memory_equal(first->json, json, first->json_len);
    assert_memory_equal(b->json, json, b->json_len);
    list_body_release(first);
    list_body_release(b);
    free(json);
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

/* A request that misses: claims key at gen, and builds "[n]" when it is the builder. */
typedef struct claimer {
    list_cache_t *c;
    uint64_t gen;
    int builder;     /* what claim said */
    int built;       /* this thread built a body of its own */
    list_body_t *got;
    int abandon;     /* as the builder: abandon after the delay instead of putting */
    int delay_ms;    /* as the builder: time spent building */
} claimer_t;

/* The first miss of "k" at gen: it must be told to build. */
static void claim_as_builder(list_cache_t *c, uint64_t gen)
{
    int builder = 0;
    assert_null(list_cache_claim(c, "k", gen, &builder));
    assert_int_equal(builder, 1);
}

static void *claim_thread(void *arg)
{
    claimer_t *t = arg;
    t->got = list_cache_claim(t->c, "k", t->gen, &t->builder);
    if (t->got) return NULL;
    if (t->builder) sleep_ms(t->delay_ms);
    if (t->builder && t->abandon) {
        list_cache_abandon(t->c, "k", t->gen);
        return NULL;
    }
    t->built = 1;
    t->got = put_str(t->c, "k", t->gen, "[\"built\"]");
    return NULL;
}

static void test_one_build_for_many_misses(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 20, NULL);
    uint64_t g = list_cache_generation(c);
    enum { N = 12 };
    claimer_t t[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        t[i] = (claimer_t){.c = c, .gen = g, .delay_ms = 300};
        assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &t[i]), 0);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    int builders = 0, built = 0;
    for (int i = 0; i < N; i++) {
        builders += t[i].builder;
        built += t[i].built;
        assert_non_null(t[i].got);
        assert_string_equal(t[i].got->json, "[\"built\"]");
    }
    /* Every request got the body; exactly one made it (threads that came after the build
     * was done found it cached). */
    assert_int_equal(builders, 1);
    assert_int_equal(built, 1);
    for (int i = 1; i < N; i++) assert_ptr_equal(t[i].got, t[0].got);
    for (int i = 0; i < N; i++) list_body_release(t[i].got);
    /* The build is over: the next miss (a new generation) gets a builder again. */
    list_cache_changed(c);
    claim_as_builder(c, list_cache_generation(c));
    list_cache_abandon(c, "k", list_cache_generation(c));
    list_cache_free(c);
}

static void test_abandoned_build_wakes_waiters(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 20, NULL);
    uint64_t g = list_cache_generation(c);
    /* The builder goes first and fails after 300 ms; the waiters then build their own. */
    claim_as_builder(c, g);
    int builder = 0;
    enum { N = 4 };
    claimer_t t[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        t[i] = (claimer_t){.c = c, .gen = g};
        assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &t[i]), 0);
    }
    sleep_ms(300);
    for (int i = 0; i < N; i++) assert_false(t[i].built); /* still waiting for the build */
    list_cache_abandon(c, "k", g);
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_false(t[i].builder);
        assert_true(t[i].built);
        assert_string_equal(t[i].got->json, "[\"built\"]");
        list_body_release(t[i].got);
    }
    /* What they built is cached: the next request is a hit, with no build. */
    list_body_t *hit = list_cache_claim(c, "k", g, &builder);
    assert_non_null(hit);
    assert_int_equal(builder, 0);
    list_body_release(hit);
    list_cache_free(c);
}

static void test_stale_build_reaches_its_waiters(void **state)
{
    (void)state;
    list_cache_t *c = list_cache_new(1 << 20, NULL);
    uint64_t g = list_cache_generation(c);
    claim_as_builder(c, g);
    claimer_t w = {.c = c, .gen = g};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, claim_thread, &w), 0);
    sleep_ms(100);
    list_cache_changed(c); /* a commit while the list was being built */
    list_body_t *mine = put_str(c, "k", g, "[\"old\"]");
    pthread_join(th, NULL);
    /* The waiter asked at g and gets the body of g, although it is not kept. */
    assert_false(w.built);
    assert_ptr_equal(w.got, mine);
    assert_null(list_cache_get(c, "k", list_cache_generation(c)));
    list_body_release(w.got);
    list_body_release(mine);
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
        cmocka_unit_test(test_hot_entry_recompressed),
        cmocka_unit_test(test_store_generation_rechecked),
        cmocka_unit_test(test_bounded_bytes),
        cmocka_unit_test(test_one_build_for_many_misses),
        cmocka_unit_test(test_abandoned_build_wakes_waiters),
        cmocka_unit_test(test_stale_build_reaches_its_waiters),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
