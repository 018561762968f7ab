/* Table-driven tests of the union model's number cells (core/unions_num.c): hundredths of an
 * inch written as the sheet shows them and parsed back from the forms the sheet holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/unions.h"

typedef struct format_case {
    int64_t c;
    const char *want;
} format_case_t;

static const format_case_t format_cases[] = {
    {0, "0"},       {250, "2.5"},     {1200, "12"},    {75, "0.75"},   {5, "0.05"},
    {50, "0.5"},    {1250, "12.5"},   {101, "1.01"},   {110, "1.1"},   {4800, "48"},
    {-250, "-2.5"}, {100000000000, "1000000000"},
};

static void test_format_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
        char out[32];
        zunion_format_c(format_cases[i].c, out, sizeof out);
        if (strcmp(out, format_cases[i].want) != 0) {
            print_error("case %zu: zunion_format_c(%lld) = \"%s\", want \"%s\"\n", i,
                        (long long)format_cases[i].c, out, format_cases[i].want);
            fail();
        }
    }
    char small[3];
    zunion_format_c(1250, small, sizeof small); /* truncated, still terminated */
    assert_string_equal(small, "12");
    zunion_format_c(1, NULL, 0);
}

typedef struct parse_case {
    const char *in;
    int rc;
    int64_t want;
} parse_case_t;

static const parse_case_t parse_cases[] = {
    {"2.5", 0, 250},        {"2,5", 0, 250},       {"2", 0, 200},          {" 12.50 ", 0, 1250},
    {"0.75", 0, 75},        {"\t4\t", 0, 400},     {".5", 0, 50},          {"3.", 0, 300},
    {"2.125", 0, 213},      {"2.124", 0, 212},     {"2.1249999", 0, 212},  {"2.005", 0, 201},
    {"0.30000000000000004", 0, 30},                {"0", 0, 0},            {"000012", 0, 1200},
    {"1000000000", 0, 100000000000},
    /* refused */
    {"", -1, 0},            {"   ", -1, 0},        {"-2.5", -1, 0},        {"+2", -1, 0},
    {"abc", -1, 0},         {"2.5 pulg", -1, 0},   {"1e3", -1, 0},         {"2.5.1", -1, 0},
    {"2,5,1", -1, 0},       {".", -1, 0},          {"1 000", -1, 0},       {"1000000001", -1, 0},
    {"99999999999999999999", -1, 0},               {"1000000000.01", -1, 0},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case_t *c = &parse_cases[i];
        int64_t got = -7;
        int rc = zunion_parse_c(c->in, &got);
        if (rc != c->rc || (rc == 0 && got != c->want) || (rc != 0 && got != -7)) {
            print_error("case %zu: zunion_parse_c(\"%s\") = %d (%lld), want %d (%lld)\n", i, c->in,
                        rc, (long long)got, c->rc, (long long)c->want);
            fail();
        }
    }
    int64_t v;
    assert_int_equal(zunion_parse_c(NULL, &v), -1);
}

/* What the writer writes, the parser reads back to the same hundredths. */
static void test_round_trip(void **state)
{
    (void)state;
    for (int64_t c = 0; c <= 5000; c++) {
        char out[32];
        int64_t back = -1;
        zunion_format_c(c, out, sizeof out);
        assert_int_equal(zunion_parse_c(out, &back), 0);
        assert_int_equal(back, c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
