/* Calendar arithmetic on YYYYMMDD dates and the parsers for the date cells found in the
 * plant's sheets. Every parser is strict: a cell either matches one documented form exactly
 * or is rejected, because a wrong date silently stored is worse than an import error. */
#include "core/dates.h"

#include <stdio.h>
#include <string.h>

/* Spreadsheet serials: serial 1 is 1900-01-01 and the largest accepted is 9999-12-31. */
#define SERIAL_MIN 1
#define SERIAL_MAX 2958465
/* Excel's 1900 date system counts a 29-Feb-1900 that never existed as serial 60. */
#define SERIAL_FAKE_LEAP 60
/* Fraction digits beyond this are validated but ignored: 1e-9 day is 86 microseconds. */
#define FRAC_DIGITS 9
#define FRAC_SCALE 1000000000LL

/* Days from 0000-03-01 based eras: the constants of the civil-from-days algorithm. */
#define DAYS_PER_ERA 146097
#define EPOCH_SHIFT 719468 /* days from 0000-03-01 to 1970-01-01 */

/* Date forms a prefix parser may accept; the request parser allows only two of them. */
enum {
    FORM_ISO = 1 << 0,      /* YYYY-MM-DD */
    FORM_DMY_DASH = 1 << 1, /* DD-MM-YYYY */
    FORM_DMY_SLASH = 1 << 2, /* DD/MM/YYYY */
    FORM_DMY_YY = 1 << 3,   /* DD/MM/YY */
    FORM_MON = 1 << 4,      /* DD-Mon-YYYY */
    FORM_PADDED = 1 << 5,   /* day and month must have exactly two digits */
    FORM_ALL = FORM_ISO | FORM_DMY_DASH | FORM_DMY_SLASH | FORM_DMY_YY | FORM_MON
};

static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};

/* Local character classes, because <ctype.h> depends on the locale and takes int. */
static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

int zdate_make(int y, int m, int d, zdate_t *out)
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return -1;
    *out = (zdate_t)(y * 10000 + m * 100 + d);
    return 0;
}

int zdate_year(zdate_t d) { return (int)(d / 10000); }
int zdate_month(zdate_t d) { return (int)(d / 100 % 100); }
int zdate_day(zdate_t d) { return (int)(d % 100); }

/* Howard Hinnant's days_from_civil: exact for the whole proleptic Gregorian calendar. */
int64_t zdate_to_days(zdate_t d)
{
    int64_t y = zdate_year(d);
    int64_t m = zdate_month(d);
    int64_t day = zdate_day(d);
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

/* The inverse (civil_from_days). Results outside years 1..9999 cannot be a zdate_t that
 * zdate_make would build, so they come back as ZDATE_NONE rather than as a bogus integer. */
zdate_t zdate_from_days(int64_t days)
{
    /* Bounds keep the arithmetic below far from overflow: 0001-01-01 and 9999-12-31. */
    if (days < -719162 || days > 2932896) return ZDATE_NONE;
    int64_t z = days + EPOCH_SHIFT;
    int64_t era = (z >= 0 ? z : z - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
    int64_t doe = z - era * DAYS_PER_ERA;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    return (zdate_t)(y * 10000 + m * 100 + d);
}

void zdate_format_dmy(zdate_t d, char *out, size_t n)
{
    if (n == 0) return;
    if (d == ZDATE_NONE) {
        out[0] = '\0';
        return;
    }
    snprintf(out, n, "%02d-%02d-%04d", zdate_day(d), zdate_month(d), zdate_year(d));
}

void zdate_format_iso(zdate_t d, char *out, size_t n)
{
    if (n == 0) return;
    if (d == ZDATE_NONE) {
        out[0] = '\0';
        return;
    }
    snprintf(out, n, "%04d-%02d-%02d", zdate_year(d), zdate_month(d), zdate_day(d));
}

/* ---------------------------------------------------------------------------------------- */
/* Lexing helpers: each reads from *p (never past end) and advances *p only on success.      */
/* ---------------------------------------------------------------------------------------- */

/* Reads between min and max decimal digits (max <= 9, so the value fits an int). */
static int lex_digits(const char **p, const char *end, int min, int max, int *val)
{
    const char *q = *p;
    int v = 0;
    int count = 0;
    while (q < end && count < max && is_digit(*q)) {
        v = v * 10 + (*q - '0');
        q++;
        count++;
    }
    /* A longer run of digits than allowed is a different (wrong) field, not a prefix. */
    if (count < min || (q < end && is_digit(*q))) return -1;
    *p = q;
    *val = v;
    return 0;
}

static int lex_char(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c) return -1;
    (*p)++;
    return 0;
}

/* Reads an English three-letter month abbreviation in any case; sets *m to 1..12. */
static int lex_month_abbr(const char **p, const char *end, int *m)
{
    if (end - *p < 3) return -1;
    char lower[3] = {to_lower((*p)[0]), to_lower((*p)[1]), to_lower((*p)[2])};
    for (int i = 0; i < 12; i++) {
        if (memcmp(lower, month_abbr[i], 3) == 0) {
            *p += 3;
            *m = i + 1;
            return 0;
        }
    }
    return -1;
}

/* Reads one of the allowed date forms at the start of [*p, end). On success *p points just
 * after the date and *iso tells whether it was YYYY-MM-DD (which alone may take an ISO time). */
static int lex_date(const char **p, const char *end, unsigned forms, zdate_t *out, int *iso)
{
    int dm_min = (forms & FORM_PADDED) ? 2 : 1;
    const char *q = *p;
    int y, m, d;

    /* A leading run of exactly four digits can only be the year of YYYY-MM-DD. */
    if ((forms & FORM_ISO) && lex_digits(&q, end, 4, 4, &y) == 0) {
        if (lex_char(&q, end, '-') != 0 || lex_digits(&q, end, dm_min, 2, &m) != 0 ||
            lex_char(&q, end, '-') != 0 || lex_digits(&q, end, dm_min, 2, &d) != 0)
            return -1;
        *iso = 1;
        goto done;
    }
    q = *p;
    if (lex_digits(&q, end, dm_min, 2, &d) != 0 || q >= end) return -1;
    char sep = *q++;
    if (sep == '-') {
        if ((forms & FORM_MON) && lex_month_abbr(&q, end, &m) == 0) {
            if (lex_char(&q, end, '-') != 0 || lex_digits(&q, end, 4, 4, &y) != 0) return -1;
        } else {
            if (!(forms & FORM_DMY_DASH) || lex_digits(&q, end, dm_min, 2, &m) != 0 ||
                lex_char(&q, end, '-') != 0 || lex_digits(&q, end, 4, 4, &y) != 0)
                return -1;
        }
    } else if (sep == '/') {
        if (!(forms & (FORM_DMY_SLASH | FORM_DMY_YY)) || lex_digits(&q, end, dm_min, 2, &m) != 0 ||
            lex_char(&q, end, '/') != 0)
            return -1;
        /* Read all the digits first so that a three-digit year is rejected, not split. */
        const char *ystart = q;
        if (lex_digits(&q, end, 2, 4, &y) != 0) return -1;
        if (q - ystart == 2 && (forms & FORM_DMY_YY)) {
            y += 2000; /* DD/MM/YY: the sheets only hold dates of this century */
        } else if (q - ystart != 4 || !(forms & FORM_DMY_SLASH)) {
            return -1;
        }
    } else {
        return -1;
    }
    *iso = 0;
done:
    if (zdate_make(y, m, d, out) != 0) return -1;
    *p = q;
    return 0;
}

/* Reads a spreadsheet serial "N" or "N.F" spanning all of [p, end); rejects signs, exponents
 * and a dangling point. The fraction becomes seconds rounded to the nearest second, carrying
 * into the next day, as the spreadsheet itself displays 45678.99999999 as the next midnight. */
static int lex_serial(const char *p, const char *end, zdate_t *date, int32_t *sec)
{
    int64_t whole = 0;
    int64_t frac = 0;
    int64_t scale = FRAC_SCALE;
    if (p >= end || !is_digit(*p)) return -1;
    while (p < end && is_digit(*p)) {
        whole = whole * 10 + (*p - '0');
        if (whole > SERIAL_MAX) return -1; /* stops before any overflow */
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) return -1;
        for (int n = 0; p < end && is_digit(*p); p++, n++) {
            if (n < FRAC_DIGITS) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
    }
    if (p != end || whole < SERIAL_MIN) return -1;
    /* Serial 60 is Excel's fictitious 1900-02-29: no real date to map it to, so reject it. */
    if (whole == SERIAL_FAKE_LEAP) return -1;

    int64_t s = (frac * 86400 + FRAC_SCALE / 2) / FRAC_SCALE;
    if (s == 86400) {
        s = 0;
        whole++;
        if (whole == SERIAL_FAKE_LEAP) whole++;
    }
    /* 1899-12-31 is day -25568; serials from 61 on are shifted back by the fake leap day so
     * that 45678 is 2025-01-21, as every spreadsheet shows it. */
    int64_t days = -25568 + whole - (whole > SERIAL_FAKE_LEAP ? 1 : 0);
    zdate_t d = zdate_from_days(days);
    if (d == ZDATE_NONE) return -1; /* 2958465.99999999 would round into year 10000 */
    *date = d;
    *sec = (int32_t)s;
    return 0;
}

/* Reads HH:MM[:SS[.frac]]. Hours need two digits after an ISO 'T' and may have one after a
 * space (sheets write 9:05). Fractional seconds are truncated, never rounded up, so that
 * 23:59:59.9 stays on its day. 24:00 and leap second 60 are rejected: sec_of_day < 86400. */
static int lex_time(const char **p, const char *end, int strict, int32_t *sec)
{
    const char *q = *p;
    int h, m, s = 0;
    if (lex_digits(&q, end, strict ? 2 : 1, 2, &h) != 0 || lex_char(&q, end, ':') != 0 ||
        lex_digits(&q, end, 2, 2, &m) != 0)
        return -1;
    if (q < end && *q == ':') {
        q++;
        if (lex_digits(&q, end, 2, 2, &s) != 0) return -1;
        if (q < end && (*q == '.' || *q == ',')) {
            q++;
            if (q >= end || !is_digit(*q)) return -1;
            while (q < end && is_digit(*q)) q++;
        }
    }
    if (h > 23 || m > 59 || s > 59) return -1;
    *sec = h * 3600 + m * 60 + s;
    *p = q;
    return 0;
}

/* Reads Z or +HH:MM / -HH:MM / +HHMM. */
static int lex_offset(const char **p, const char *end, int32_t *off)
{
    const char *q = *p;
    if (q < end && (*q == 'Z' || *q == 'z')) {
        *off = 0;
        *p = q + 1;
        return 0;
    }
    if (q >= end || (*q != '+' && *q != '-')) return -1;
    int sign = *q++ == '-' ? -1 : 1;
    /* Digit pairs are read by hand: in +HHMM the hours are followed by more digits. */
    if (end - q < 4 || !is_digit(q[0]) || !is_digit(q[1])) return -1;
    int h = (q[0] - '0') * 10 + (q[1] - '0');
    q += 2;
    if (*q == ':') q++;
    if (end - q < 2 || !is_digit(q[0]) || !is_digit(q[1])) return -1;
    int m = (q[0] - '0') * 10 + (q[1] - '0');
    q += 2;
    if (h > 23 || m > 59) return -1;
    *off = sign * (h * 3600 + m * 60);
    *p = q;
    return 0;
}

/* Narrows [*b, *e) to the text without surrounding white space. */
static void trim(const char *s, const char **b, const char **e)
{
    const char *start = s;
    const char *stop = s + strlen(s);
    while (start < stop && is_space(*start)) start++;
    while (stop > start && is_space(stop[-1])) stop--;
    *b = start;
    *e = stop;
}

/* ---------------------------------------------------------------------------------------- */
/* Public parsers                                                                            */
/* ---------------------------------------------------------------------------------------- */

int zdatetime_parse(const char *s, zdatetime_t *out)
{
    const char *p, *end;
    zdatetime_t dt = {ZDATE_NONE, 0, 0, 0};
    int iso = 0;

    if (s == NULL) return -1;
    trim(s, &p, &end);
    if (p == end) goto ok;
    if (lex_serial(p, end, &dt.date, &dt.sec_of_day) == 0) goto ok;
    if (lex_date(&p, end, FORM_ALL, &dt.date, &iso) != 0) return -1;
    if (p == end) goto ok; /* a date alone is midnight */

    int strict = 0;
    if (iso && (*p == 'T' || *p == 't')) {
        p++;
        strict = 1;
    } else if (*p == ' ' || *p == '\t') {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
    } else {
        return -1;
    }
    if (lex_time(&p, end, strict, &dt.sec_of_day) != 0) return -1;
    /* Only ISO-dated text can carry an offset; a DD-MM-YYYY cell is plant wall-clock time. */
    if (iso && p < end) {
        if (lex_offset(&p, end, &dt.offset_sec) != 0) return -1;
        dt.has_offset = 1;
    }
    if (p != end) return -1;
ok:
    *out = dt;
    return 0;
}

int zdate_parse(const char *s, zdate_t *out)
{
    const char *p, *end;
    zdate_t d;
    int iso;
    int32_t sec;
    zdatetime_t dt;

    if (s == NULL) return -1;
    trim(s, &p, &end);
    if (p == end) {
        *out = ZDATE_NONE;
        return 0;
    }
    if (lex_serial(p, end, &d, &sec) == 0) goto ok;
    const char *q = p;
    if (lex_date(&q, end, FORM_ALL, &d, &iso) == 0 && q == end) goto ok;
    if (zdatetime_parse(s, &dt) != 0) return -1;
    d = dt.date;
ok:
    *out = d;
    return 0;
}

int zdate_parse_request(const char *s, zdate_t *out)
{
    zdate_t d;
    int iso;
    if (s == NULL) return -1;
    const char *p = s;
    const char *end = s + strlen(s);
    if (lex_date(&p, end, FORM_ISO | FORM_DMY_DASH | FORM_PADDED, &d, &iso) != 0 || p != end)
        return -1;
    *out = d;
    return 0;
}
