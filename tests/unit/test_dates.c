/* Table-driven tests of core/dates: every accepted cell format, the rejected garbage, the
 * spreadsheet serial mapping and the day-count round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/dates.h"

/* Sentinel written before each parse so a rejected input that still wrote *out is caught. */
#define UNTOUCHED 12345678

typedef struct date_case {
    const char *in;
    int rc;
    zdate_t want;
} date_case_t;

static const date_case_t parse_cases[] = {
    /* ISO and the numeric day-first forms, padded and single-digit */
    {"2026-01-30", 0, 20260130},
    {"2026-1-5", 0, 20260105},
    {"30-01-2026", 0, 20260130},
    {"5-1-2026", 0, 20260105},
    {"30/01/2026", 0, 20260130},
    {"5/1/2026", 0, 20260105},
    {"30/01/26", 0, 20260130},
    {"5/1/26", 0, 20260105},
    {"01/01/00", 0, 20000101},
    {"29-02-2024", 0, 20240229},
    {"29/02/2000", 0, 20000229},
    /* DD-Mon-YYYY in any case */
    {"21-Jan-2025", 0, 20250121},
    {"21-JAN-2025", 0, 20250121},
    {"21-jan-2025", 0, 20250121},
    {"1-dEc-2025", 0, 20251201},
    {"15-Sep-2024", 0, 20240915},
    {"29-Feb-2024", 0, 20240229},
    /* Surrounding white space is ignored; blank is "no date" */
    {"  2026-01-30\t", 0, 20260130},
    {"\r\n30/01/2026 ", 0, 20260130},
    {"", 0, ZDATE_NONE},
    {"   ", 0, ZDATE_NONE},
    {" \t\r\n", 0, ZDATE_NONE},
    /* Spreadsheet serials, 1900 date system with Excel's fictitious 1900-02-29 (serial 60) */
    {"45678", 0, 20250121},
    {"45678.75", 0, 20250121},
    {"45678.0", 0, 20250121},
    {"44927", 0, 20230101},
    {"45658", 0, 20250101},
    {"25569", 0, 19700101},
    {"1", 0, 19000101},
    {"59", 0, 19000228},
    {"61", 0, 19000301},
    {"36526", 0, 20000101},
    {"2958465", 0, 99991231},
    {" 45678 ", 0, 20250121},
    {"45678.999999999", 0, 20250122}, /* rounds to the next midnight, as sheets display it */
    /* Date-time text keeps its date */
    {"30-01-2026 14:05:00", 0, 20260130},
    {"2026-01-30T23:59:59Z", 0, 20260130},
    {"2026-01-30T23:59:59-03:00", 0, 20260130},
    /* Rejected: impossible dates */
    {"31-02-2026", -1, 0},
    {"29-02-2025", -1, 0},
    {"29-02-1900", -1, 0},
    {"2026-13-01", -1, 0},
    {"2026-00-10", -1, 0},
    {"2026-01-00", -1, 0},
    {"2026-01-32", -1, 0},
    {"31/04/2026", -1, 0},
    {"0000-01-01", -1, 0},
    {"32-Jan-2025", -1, 0},
    /* Rejected: garbage and shapes that are not one of the forms */
    {"abc", -1, 0},
    {"12-12", -1, 0},
    {"12/12", -1, 0},
    {"1e5", -1, 0},
    {"45678abc", -1, 0},
    {"45678 abc", -1, 0},
    {"-5", -1, 0},
    {"+45678", -1, 0},
    {"45678.", -1, 0},
    {".5", -1, 0},
    {"45678,75", -1, 0},
    {"0", -1, 0},
    {"0.5", -1, 0},
    {"60", -1, 0},     /* Excel's 1900-02-29 never existed: rejected, not guessed */
    {"60.5", -1, 0},
    {"2958466", -1, 0},
    {"2958465.9999999999", -1, 0}, /* would round into year 10000 */
    {"99999999999999999999999", -1, 0},
    {"20260130", -1, 0},
    {"2026-01-30x", -1, 0},
    {"2026-01-30 junk", -1, 0},
    {"30-01-2026.", -1, 0},
    {"30-01/2026", -1, 0},
    {"30/01-2026", -1, 0},
    {"30-01-26", -1, 0},   /* two-digit years only with slashes */
    {"30/01/026", -1, 0},
    {"30/01/20261", -1, 0},
    {"030-01-2026", -1, 0},
    {"2026-001-30", -1, 0},
    {"21-Janu-2025", -1, 0},
    {"21-Ene-2025", -1, 0}, /* English abbreviations only */
    {"21-Jan-25", -1, 0},
    {"21 Jan 2025", -1, 0},
    {"2026/01/30", -1, 0},
    {"2026-01-30T", -1, 0},
    {"30-01-2026T10:00", -1, 0},
    {"- -", -1, 0},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const date_case_t *c = &parse_cases[i];
        zdate_t d = UNTOUCHED;
        int rc = zdate_parse(c->in, &d);
        if (rc != c->rc || (rc == 0 && d != c->want) || (rc != 0 && d != UNTOUCHED)) {
            print_error("zdate_parse(\"%s\") = %d, %d; want %d, %d\n", c->in, rc, (int)d, c->rc,
                        (int)c->want);
            fail();
        }
    }
}

static void test_parse_null(void **state)
{
    (void)state;
    zdate_t d;
    zdatetime_t dt;
    assert_int_equal(zdate_parse(NULL, &d), -1);
    assert_int_equal(zdate_parse_request(NULL, &d), -1);
    assert_int_equal(zdatetime_parse(NULL, &dt), -1);
}

static const date_case_t request_cases[] = {
    {"2026-01-30", 0, 20260130},
    {"30-01-2026", 0, 20260130},
    {"29-02-2024", 0, 20240229},
    {"2026-1-30", -1, 0},
    {"3-01-2026", -1, 0},
    {"30/01/2026", -1, 0},
    {"30/01/26", -1, 0},
    {"21-Jan-2025", -1, 0},
    {"45678", -1, 0},
    {"", -1, 0},
    {" 2026-01-30", -1, 0},
    {"2026-01-30 ", -1, 0},
    {"2026-01-30T00:00:00Z", -1, 0},
    {"31-02-2026", -1, 0},
    {"2026-13-01", -1, 0},
};

static void test_parse_request_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof request_cases / sizeof request_cases[0]; i++) {
        const date_case_t *c = &request_cases[i];
        zdate_t d = UNTOUCHED;
        int rc = zdate_parse_request(c->in, &d);
        if (rc != c->rc || (rc == 0 && d != c->want) || (rc != 0 && d != UNTOUCHED)) {
            print_error("zdate_parse_request(\"%s\") = %d, %d\n", c->in, rc, (int)d);
            fail();
        }
    }
}

typedef struct datetime_case {
    const char *in;
    int rc;
    zdate_t date;
    int32_t sec;
    int has_offset;
    int32_t offset;
} datetime_case_t;

#define HMS(h, m, s) ((h) * 3600 + (m) * 60 + (s))

static const datetime_case_t datetime_cases[] = {
    {"30-01-2026 14:05:09", 0, 20260130, HMS(14, 5, 9), 0, 0},
    {"30/01/2026 14:05:09", 0, 20260130, HMS(14, 5, 9), 0, 0},
    {"2026-01-30 14:05:09", 0, 20260130, HMS(14, 5, 9), 0, 0},
    {"30-01-2026 9:05", 0, 20260130, HMS(9, 5, 0), 0, 0},
    {"30-01-2026  00:00:00", 0, 20260130, 0, 0, 0},
    {"30-01-2026 23:59:59", 0, 20260130, HMS(23, 59, 59), 0, 0},
    {"2026-01-30T14:05", 0, 20260130, HMS(14, 5, 0), 0, 0},
    {"2026-01-30T14:05:09", 0, 20260130, HMS(14, 5, 9), 0, 0},
    {"2026-01-30T14:05:09Z", 0, 20260130, HMS(14, 5, 9), 1, 0},
    {"2026-01-30T14:05:09z", 0, 20260130, HMS(14, 5, 9), 1, 0},
    {"2026-01-30T14:05:09+02:00", 0, 20260130, HMS(14, 5, 9), 1, 7200},
    {"2026-01-30T14:05:09-03:00", 0, 20260130, HMS(14, 5, 9), 1, -10800},
    {"2026-01-30T14:05:09+0530", 0, 20260130, HMS(14, 5, 9), 1, 19800},
    {"2026-01-30T14:05:09-00:00", 0, 20260130, HMS(14, 5, 9), 1, 0},
    {"2026-01-30T14:05:09.123Z", 0, 20260130, HMS(14, 5, 9), 1, 0},
    {"2026-01-30T23:59:59.999999-03:00", 0, 20260130, HMS(23, 59, 59), 1, -10800},
    {"2026-01-30 14:05:09Z", 0, 20260130, HMS(14, 5, 9), 1, 0},
    {"2026-01-30T14:05Z", 0, 20260130, HMS(14, 5, 0), 1, 0},
    {"2026-01-30 14:05:09.5+02:00", 0, 20260130, HMS(14, 5, 9), 1, 7200},
    {" 2026-01-30t00:00:00+14:00 ", 0, 20260130, 0, 1, 50400},
    {"2026-01-30", 0, 20260130, 0, 0, 0},
    {"30/01/26", 0, 20260130, 0, 0, 0},
    {"21-Jan-2025 08:00:00", 0, 20250121, HMS(8, 0, 0), 0, 0},
    {"45678.75", 0, 20250121, HMS(18, 0, 0), 0, 0},
    {"45678.5", 0, 20250121, HMS(12, 0, 0), 0, 0},
    {"45678", 0, 20250121, 0, 0, 0},
    {"45678.438391203703704", 0, 20250121, HMS(10, 31, 17), 0, 0},
    {"45678.999999999", 0, 20250122, 0, 0, 0},
    {"  ", 0, ZDATE_NONE, 0, 0, 0},
    {"", 0, ZDATE_NONE, 0, 0, 0},
    /* Rejected */
    {"2026-01-30T24:00:00", -1, 0, 0, 0, 0},
    {"30-01-2026 24:00", -1, 0, 0, 0, 0},
    {"2026-01-30T23:59:60", -1, 0, 0, 0, 0},
    {"2026-01-30T23:60:00", -1, 0, 0, 0, 0},
    {"2026-01-30T9:05", -1, 0, 0, 0, 0},
    {"2026-01-30T14", -1, 0, 0, 0, 0},
    {"2026-01-30T14:5", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:9", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09.", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+2", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+24:00", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+02:60", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+05:3", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+053", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+05:300", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09+", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09ZZ", -1, 0, 0, 0, 0},
    {"2026-01-30T14:05:09 Z", -1, 0, 0, 0, 0},
    {"30-01-2026 14:05:09Z", -1, 0, 0, 0, 0}, /* offsets only on ISO dates */
    {"30-01-2026T14:05:09", -1, 0, 0, 0, 0},
    {"30-01-2026 14:05:09 x", -1, 0, 0, 0, 0},
    {"30-01-2026x14:05", -1, 0, 0, 0, 0},
    {"31-02-2026 10:00", -1, 0, 0, 0, 0},
    {"abc", -1, 0, 0, 0, 0},
    {"60.25", -1, 0, 0, 0, 0},
};

static void test_datetime_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof datetime_cases / sizeof datetime_cases[0]; i++) {
        const datetime_case_t *c = &datetime_cases[i];
        zdatetime_t dt = {UNTOUCHED, -1, -1, -1};
        int rc = zdatetime_parse(c->in, &dt);
        int ok = rc == c->rc;
        if (ok && rc == 0)
            ok = dt.date == c->date && dt.sec_of_day == c->sec && dt.has_offset == c->has_offset &&
                 (!c->has_offset || dt.offset_sec == c->offset);
        if (ok && rc != 0) ok = dt.date == UNTOUCHED;
        if (!ok) {
            print_error("zdatetime_parse(\"%s\") = %d {%d, %d, %d, %d}\n", c->in, rc, (int)dt.date,
                        (int)dt.sec_of_day, dt.has_offset, (int)dt.offset_sec);
            fail();
        }
    }
}

typedef struct make_case {
    int y, m, d;
    int rc;
} make_case_t;

static const make_case_t make_cases[] = {
    {2026, 1, 30, 0},  {2024, 2, 29, 0}, {2000, 2, 29, 0},  {1900, 2, 29, -1},
    {2100, 2, 29, -1}, {2025, 2, 29, -1}, {2026, 4, 31, -1}, {2026, 12, 31, 0},
    {2026, 13, 1, -1}, {2026, 0, 1, -1},  {2026, 1, 0, -1},  {0, 1, 1, -1},
    {1, 1, 1, 0},      {9999, 12, 31, 0}, {10000, 1, 1, -1}, {-1, 1, 1, -1},
};

static void test_make_and_parts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof make_cases / sizeof make_cases[0]; i++) {
        const make_case_t *c = &make_cases[i];
        zdate_t d = UNTOUCHED;
        int rc = zdate_make(c->y, c->m, c->d, &d);
        if (rc != c->rc) {
            print_error("zdate_make(%d, %d, %d) = %d\n", c->y, c->m, c->d, rc);
            fail();
        }
        if (rc == 0) {
            assert_int_equal(d, c->y * 10000 + c->m * 100 + c->d);
            assert_int_equal(zdate_year(d), c->y);
            assert_int_equal(zdate_month(d), c->m);
            assert_int_equal(zdate_day(d), c->d);
        } else {
            assert_int_equal(d, UNTOUCHED);
        }
    }
}

static void test_format(void **state)
{
    (void)state;
    static const struct {
        zdate_t d;
        const char *dmy, *iso;
    } cases[] = {
        {20260130, "30-01-2026", "2026-01-30"},
        {20250105, "05-01-2025", "2025-01-05"},
        {10101, "01-01-0001", "0001-01-01"},
        {99991231, "31-12-9999", "9999-12-31"},
        {ZDATE_NONE, "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[11];
        memset(buf, 'x', sizeof buf);
        zdate_format_dmy(cases[i].d, buf, sizeof buf);
        assert_string_equal(buf, cases[i].dmy);
        memset(buf, 'x', sizeof buf);
        zdate_format_iso(cases[i].d, buf, sizeof buf);
        assert_string_equal(buf, cases[i].iso);
    }
    /* A short buffer is truncated, still NUL-terminated, never overrun. */
    char small[5] = "zzzz";
    zdate_format_iso(20260130, small, sizeof small);
    assert_string_equal(small, "2026");
    zdate_format_dmy(20260130, small, 0);
    assert_string_equal(small, "2026");
}

static void test_format_parse_round_trip(void **state)
{
    (void)state;
    for (int64_t days = zdate_to_days(19991201); days <= zdate_to_days(20300301); days += 7) {
        zdate_t d = zdate_from_days(days), back = ZDATE_NONE;
        char buf[11];
        zdate_format_dmy(d, buf, sizeof buf);
        assert_int_equal(zdate_parse_request(buf, &back), 0);
        assert_int_equal(back, d);
        zdate_format_iso(d, buf, sizeof buf);
        assert_int_equal(zdate_parse(buf, &back), 0);
        assert_int_equal(back, d);
    }
}

static void test_days_known(void **state)
{
    (void)state;
    static const struct {
        zdate_t d;
        int64_t days;
    } cases[] = {
        {19700101, 0},      {19691231, -1},     {19700102, 1},       {20000101, 10957},
        {20000229, 11016},  {20000301, 11017},  {19000101, -25567}, {19000301, -25508},
        {20240229, 19782},  {21000228, 47540},  {21000301, 47541},  {10101, -719162},
        {99991231, 2932896}, {20260130, 20483},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(zdate_to_days(cases[i].d), cases[i].days);
        assert_int_equal(zdate_from_days(cases[i].days), cases[i].d);
    }
    /* Outside years 1..9999 there is no zdate_t to return. */
    assert_int_equal(zdate_from_days(-719163), ZDATE_NONE);
    assert_int_equal(zdate_from_days(2932897), ZDATE_NONE);
    assert_int_equal(zdate_from_days(INT64_MAX), ZDATE_NONE);
    assert_int_equal(zdate_from_days(INT64_MIN), ZDATE_NONE);
}

/* Walks every day from 1899-01-01 to 2101-12-31 (so 1900, 2000, 2024 and 2100 are crossed) and
 * checks that day counts are consecutive, valid and invert exactly. */
static void test_days_round_trip(void **state)
{
    (void)state;
    int64_t first = zdate_to_days(18990101), last = zdate_to_days(21011231);
    zdate_t prev = ZDATE_NONE;
    int saw_feb29[4] = {0, 0, 0, 0}; /* 1900 (must stay 0), 2000, 2024, 2100 (must stay 0) */
    for (int64_t n = first; n <= last; n++) {
        zdate_t d = zdate_from_days(n), check;
        assert_int_not_equal(d, ZDATE_NONE);
        assert_int_equal(zdate_make(zdate_year(d), zdate_month(d), zdate_day(d), &check), 0);
        assert_int_equal(zdate_to_days(d), n);
        assert_true(d > prev);
        prev = d;
        if (d == 19000229) saw_feb29[0] = 1;
        if (d == 20000229) saw_feb29[1] = 1;
        if (d == 20240229) saw_feb29[2] = 1;
        if (d == 21000229) saw_feb29[3] = 1;
    }
    assert_int_equal(prev, 21011231);
    assert_int_equal(saw_feb29[0], 0);
    assert_int_equal(saw_feb29[1], 1);
    assert_int_equal(saw_feb29[2], 1);
    assert_int_equal(saw_feb29[3], 0);
}

/* Every serial from 1 to 80000 except 60 maps to the date a spreadsheet shows for it:
 * consecutive days, with the single jump over the fictitious 1900-02-29. */
static void test_serial_sweep(void **state)
{
    (void)state;
    zdate_t prev = ZDATE_NONE;
    for (int s = 1; s <= 80000; s++) {
        char buf[16];
        zdate_t d = UNTOUCHED;
        snprintf(buf, sizeof buf, "%d", s);
        if (s == 60) {
            assert_int_equal(zdate_parse(buf, &d), -1);
            continue;
        }
        assert_int_equal(zdate_parse(buf, &d), 0);
        if (prev != ZDATE_NONE) assert_int_equal(zdate_to_days(d), zdate_to_days(prev) + 1);
        prev = d;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_null),
        cmocka_unit_test(test_parse_request_table),
        cmocka_unit_test(test_datetime_table),
        cmocka_unit_test(test_make_and_parts),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_days_known),
        cmocka_unit_test(test_days_round_trip),
        cmocka_unit_test(test_serial_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
