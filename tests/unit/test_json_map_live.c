/* The live payloads of an event (json_map_live_payloads): each one written as Python's
 * json.dumps writes it, with "seq" added last. The definition is parse, add, serialise; the
 * function rewrites the stored text instead, so every case here is checked against that
 * definition, done in the test with jansson: the format of today's payloads, text from other
 * writers (escapes written differently, whitespace), the cases that must not be rewritten
 * (duplicate keys, a "seq" already there, numbers that are not plain integers), invalid text,
 * and thousands of random payloads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_map.h"

typedef struct got {
    char text[8192]; /* every payload, one per line */
    int calls;
} got_t;

static void collect(void *ud, const char *msg)
{
    got_t *g = ud;
    size_t n = strlen(g->text);
    snprintf(g->text + n, sizeof g->text - n, "%s\n", msg);
    g->calls++;
}

/* The definition, written out: parse, add "seq" to every object, serialise Python's way. */
static int reference(const char *live, long long seq, got_t *g)
{
    memset(g, 0, sizeof *g);
    if (!live[0]) return 0;
    json_t *v = json_loads(live, 0, NULL);
    if (!v) return -1;
    if (json_is_object(v)) {
        json_t *a = json_array();
        json_array_append_new(a, v);
        v = a;
    }
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p) {
        if (!json_is_object(p)) continue;
        json_object_set_new(p, "seq", json_integer(seq));
        char *m = json_map_dumps_python(p);
        assert_non_null(m);
        collect(g, m);
        free(m);
    }
    json_decref(v);
    return 0;
}

static int run(const char *live, long long seq, got_t *g)
{
    event_rec_t e;
    memset(&e, 0, sizeof e);
    assert_true(strlen(live) < sizeof e.live_json);
    memcpy(e.live_json, live, strlen(live) + 1);
    e.seq = seq;
    memset(g, 0, sizeof *g);
    return json_map_live_payloads(&e, collect, g);
}

static void same_as_reference(const char *live, long long seq)
{
    got_t want, got;
    int rc_want = reference(live, seq, &want);
    int rc_got = run(live, seq, &got);
    if (rc_want != rc_got || strcmp(want.text, got.text) != 0 || want.calls != got.calls)
        fail_msg("live_json %s\nwant rc %d:\n%sgot rc %d:\n%s", live, rc_want, want.text, rc_got,
                 got.text);
}

/* Today's payload of a TOMAR, as decide writes it, pinned to the exact bytes. */
static void test_a_tomar_payload(void **state)
{
    (void)state;
    const char *live = "[{\"type\":\"TOMAR\",\"tag_spool\":\"MK-1335-CW-25238-011\","
                       "\"worker\":\"JP(94)\",\"estado_detalle\":\"Armando\",\"ocupado_por\":"
                       "\"José Pérez\",\"extra\":null,\"n\":[1,-2,true,false]}]";
    got_t g;
    assert_int_equal(run(live, 4711, &g), 0);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.text, "{\"type\": \"TOMAR\", \"tag_spool\": \"MK-1335-CW-25238-011\", "
                                "\"worker\": \"JP(94)\", \"estado_detalle\": \"Armando\", "
                                "\"ocupado_por\": \"Jos\\u00e9 P\\u00e9rez\", \"extra\": null, "
                                "\"n\": [1, -2, true, false], \"seq\": 4711}\n");
    same_as_reference(live, 4711);
}

static void test_two_payloads_each_get_seq(void **state)
{
    (void)state;
    got_t g;
    assert_int_equal(run("[{\"a\":1},{}]", 9, &g), 0);
    assert_int_equal(g.calls, 2);
    assert_string_equal(g.text, "{\"a\": 1, \"seq\": 9}\n{\"seq\": 9}\n");
    same_as_reference("[{\"a\":1},{}]", 9);
}

static void test_texts_from_other_writers(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{\"single\":\"object, not an array\"}",
        " [ { \"a\" : 1 , \"b\" : [ ] , \"c\" : { } } ] \n",
        "[{\"s\":\"\\/ \\u00E9 \\u00e9 \\u0041 \\ud83d\\ude00 \\b\\f\\n\\r\\t \\\" \\\\\"}]",
        "[{\"raw\":\"ñandú 😀 € \x7f\"}]",
        "[{\"ctl\":\"\\u0001\\u001f\\u007f\"}]",
        "[{\"zero\":-0,\"big\":123456789012345678,\"neg\":-123456789012345678}]",
        "[{\"nested\":{\"seq\":1,\"x\":[{\"seq\":2}]}}]",
        "[]",
        "[{\"k\\u00e9y\":1,\"kéy2\":2}]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) same_as_reference(cases[i], 77);
}

/* What the rewrite leaves to the definition; the answer is the same either way. */
static void test_cases_for_the_general_way(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "[{\"seq\":3,\"a\":1}]",                   /* "seq" already there: replaced in place */
        "[{\"a\":1,\"a\":2,\"b\":3}]",             /* duplicate key: the last value, first place */
        "[{\"k\\u0061\":1,\"ka\":2}]",             /* the same key written two ways */
        "[{\"r\":1.5,\"e\":1e3,\"x\":0.1,\"p\":12.3}]", /* reals */
        "[{\"huge\":1234567890123456789}]",        /* 19 digits */
        "[1,{\"a\":1},\"x\"]",                     /* elements that are not objects are skipped */
        "[[{\"a\":1}]]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) same_as_reference(cases[i], 5);
}

static void test_invalid_text_calls_nothing(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "[{\"a\":1}",
        "[{\"a\":1}] x",
        "[{\"a\":01}]",
        "[{\"a\":\"\\ud83d\"}]",
        "[{\"a\":\"\\ude00\"}]",
        "[{\"a\":\"\\u0000\"}]",
        "[{\"a\":\"\xc3\"}]",
        "[{\"a\":\"\xed\xa0\x80\"}]",
        "[{\"a\":\"\xc0\xaf\"}]",
        "[{\"a\":\"x\ty\"}]",
        "[{\"a\":tru}]",
        "[{a:1}]",
        "\"just a string\"",
        "   ",
        "[{\"a\":\"\\x\"}]",
        "[{\"a\":1,}]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got_t g;
        assert_int_equal(run(cases[i], 1, &g), -1);
        assert_int_equal(g.calls, 0);
        same_as_reference(cases[i], 1);
    }
    got_t g;
    assert_int_equal(run("", 1, &g), 0);
    assert_int_equal(g.calls, 0);
}

/* Random payloads as decide stores them (jansson, compact): strings with every kind of
 * character, integers, reals, nesting. */
static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) & 0xFFFFFF;
}

static json_t *rnd_string(void)
{
    static const char *const parts[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01",
                                        "\x1f", "\x7f", "ñ", "é", "€", "😀", "seq", ",", ":",
                                        "{", "]", "0"};
    char b[96] = "";
    int n = (int)(rnd() % 8);
    for (int i = 0; i < n; i++) strcat(b, parts[rnd() % (sizeof parts / sizeof parts[0])]);
    return json_string(b);
}

static json_t *rnd_value(int depth)
{
    switch (rnd() % (depth > 2 ? 6 : 8)) {
    case 0: return rnd_string();
    case 1: return json_integer((json_int_t)(rnd() % 2000000) - 1000000);
    case 2: return json_real((double)(rnd() % 100000) / 100.0);
    case 3: return json_true();
    case 4: return json_null();
    case 5: return json_integer((json_int_t)rnd() * 1000003LL * (rnd() % 2 ? 1 : -1));
    case 6: {
        json_t *a = json_array();
        int n = (int)(rnd() % 4);
        for (int i = 0; i < n; i++) json_array_append_new(a, rnd_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        int n = (int)(rnd() % 4);
        for (int i = 0; i < n; i++) {
            json_t *k = rnd_string();
            json_object_set_new(o, json_string_value(k), rnd_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

static void test_random_payloads(void **state)
{
    (void)state;
    for (int round = 0; round < 5000; round++) {
        json_t *arr = json_array();
        int n = 1 + (int)(rnd() % 3);
        for (int i = 0; i < n; i++) {
            json_t *p = json_object();
            int keys = (int)(rnd() % 6);
            for (int k = 0; k < keys; k++) {
                json_t *key = rnd_string();
                json_object_set_new(p, json_string_value(key), rnd_value(1));
                json_decref(key);
            }
            json_array_append_new(arr, p);
        }
        char *s = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(arr);
        assert_non_null(s);
        if (strlen(s) < sizeof ((event_rec_t *)0)->live_json) same_as_reference(s, round);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_tomar_payload),
        cmocka_unit_test(test_two_payloads_each_get_seq),
        cmocka_unit_test(test_texts_from_other_writers),
        cmocka_unit_test(test_cases_for_the_general_way),
        cmocka_unit_test(test_invalid_text_calls_nothing),
        cmocka_unit_test(test_random_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
