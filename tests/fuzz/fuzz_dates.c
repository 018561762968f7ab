/* Fuzz target: the date parsers of src/core/dates.c (zdate_parse, zdatetime_parse,
 * zdate_parse_request) and the day arithmetic.
 *
 * Properties: never a crash or UB; a parsed date is a real calendar date (zdate_make accepts its
 * parts) and formats back consistently (its ISO and DD-MM-YYYY texts parse to the same date, in
 * every parser that accepts them); a parsed date-time has 0 <= sec < 86400, an offset within
 * +-23:59, and "YYYY-MM-DD HH:MM:SS" of it parses back to the same instant; zdate_parse and
 * zdatetime_parse agree on every input; zdate_parse_request accepts only the exact 10-character
 * texts YYYY-MM-DD / DD-MM-YYYY of the date it returns; a bare serial number is read as the
 * spreadsheet does (1900 system with its fictitious 29-02-1900); blank is "no date" and only
 * blank is; zdate_from_days / zdate_to_days are inverse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dates.h"
#include "fuzz_common.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (!is_space(*s)) return 0;
    return 1;
}

static void check_valid(const char *what, const char *s, zdate_t d)
{
    zdate_t again = 0;
    FUZZ_CHECK(zdate_make(zdate_year(d), zdate_month(d), zdate_day(d), &again) == 0 && again == d,
               "%s('%s') returned the invalid date %d", what, s, (int)d);
    FUZZ_CHECK(zdate_from_days(zdate_to_days(d)) == d, "days round trip of %d", (int)d);
}

static void check_formats(const char *what, const char *s, zdate_t d)
{
    char iso[16], dmy[16];
    zdate_format_iso(d, iso, sizeof iso);
    zdate_format_dmy(d, dmy, sizeof dmy);
    FUZZ_CHECK(strlen(iso) == 10 && strlen(dmy) == 10, "%s('%s') formats as '%s' / '%s'", what,
               s, iso, dmy);
    zdate_t a = 0, b = 0, c = 0, e = 0;
    FUZZ_CHECK(zdate_parse(iso, &a) == 0 && a == d, "%s('%s') = %d, but '%s' parses to %d", what,
               s, (int)d, iso, (int)a);
    FUZZ_CHECK(zdate_parse(dmy, &b) == 0 && b == d, "%s('%s') = %d, but '%s' parses to %d", what,
               s, (int)d, dmy, (int)b);
    FUZZ_CHECK(zdate_parse_request(iso, &c) == 0 && c == d, "request('%s') != %d", iso, (int)d);
    FUZZ_CHECK(zdate_parse_request(dmy, &e) == 0 && e == d, "request('%s') != %d", dmy, (int)d);
}

/* Bare serial: digits only (after trimming), no fraction. Returns 1 and the expected date. */
static int serial_expected(const char *s, zdate_t *out)
{
    while (is_space(*s)) s++;
    const char *e = s + strlen(s);
    while (e > s && is_space(e[-1])) e--;
    if (e == s || e - s > 7) return 0;
    long n = 0;
    for (const char *p = s; p < e; p++) {
        if (*p < '0' || *p > '9') return 0;
        n = n * 10 + (*p - '0');
    }
    if (n < 1 || n > 2958465 || n == 60) return 0;
    /* 1 = 1900-01-01 (day -25567); from 61 on one less for the fake 1900-02-29. */
    *out = zdate_from_days(-25568 + n - (n > 60));
    return 1;
}

static void check_text(const char *s)
{
    zdate_t d = 12345678;
    int rc = zdate_parse(s, &d);
    zdatetime_t dt;
    memset(&dt, 0x5a, sizeof dt);
    int rct = zdatetime_parse(s, &dt);
    FUZZ_CHECK(rc == rct, "zdate_parse and zdatetime_parse disagree on '%s' (%d vs %d)", s, rc,
               rct);
    if (rc == 0) {
        if (blank(s)) {
            FUZZ_CHECK(d == ZDATE_NONE && dt.date == ZDATE_NONE, "blank '%s' gave a date", s);
        } else {
            FUZZ_CHECK(d != ZDATE_NONE, "non-blank '%s' parsed as no date", s);
            FUZZ_CHECK(dt.date == d, "'%s': zdate_parse %d, zdatetime_parse %d", s, (int)d,
                       (int)dt.date);
            check_valid("zdate_parse", s, d);
            check_formats("zdate_parse", s, d);
            FUZZ_CHECK(dt.sec_of_day >= 0 && dt.sec_of_day < 86400, "'%s': sec_of_day %d", s,
                       (int)dt.sec_of_day);
            if (dt.has_offset)
                FUZZ_CHECK(dt.offset_sec >= -(23 * 3600 + 59 * 60) &&
                               dt.offset_sec <= 23 * 3600 + 59 * 60,
                           "'%s': offset %d", s, (int)dt.offset_sec);
            char text[32];
            snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", zdate_year(d),
                     zdate_month(d), zdate_day(d), (int)(dt.sec_of_day / 3600),
                     (int)(dt.sec_of_day / 60 % 60), (int)(dt.sec_of_day % 60));
            zdatetime_t back;
            FUZZ_CHECK(zdatetime_parse(text, &back) == 0 && back.date == d &&
                           back.sec_of_day == dt.sec_of_day && !back.has_offset,
                       "'%s' -> '%s' does not parse back", s, text);
        }
    } else {
        FUZZ_CHECK(!blank(s), "blank '%s' rejected", s);
    }
    zdate_t want;
    if (serial_expected(s, &want))
        FUZZ_CHECK(rc == 0 && d == want, "serial '%s' read as %d, spreadsheet says %d", s,
                   rc == 0 ? (int)d : -1, (int)want);

    zdate_t r = 0;
    if (zdate_parse_request(s, &r) == 0) {
        check_valid("zdate_parse_request", s, r);
        char iso[16], dmy[16];
        zdate_format_iso(r, iso, sizeof iso);
        zdate_format_dmy(r, dmy, sizeof dmy);
        FUZZ_CHECK(strcmp(s, iso) == 0 || strcmp(s, dmy) == 0,
                   "zdate_parse_request accepted '%s' as %s", s, iso);
        FUZZ_CHECK(rc == 0 && d == r, "request date '%s' = %d but zdate_parse gives %d", s,
                   (int)r, (int)d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *s = fuzz_strndup(data, size);
    check_text(s);
    free(s);
    if (size >= 4) {
        int32_t days;
        memcpy(&days, data, 4);
        zdate_t d = zdate_from_days(days);
        if (d != ZDATE_NONE) {
            check_valid("zdate_from_days", "(bytes)", d);
            FUZZ_CHECK(zdate_to_days(d) == days, "from_days(%d) = %d, back %lld", (int)days,
                       (int)d, (long long)zdate_to_days(d));
        } else {
            FUZZ_CHECK(days < -719162 || days > 2932896, "from_days(%d) gave no date", (int)days);
        }
    }
    return 0;
}
