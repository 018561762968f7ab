/* Inches in hundredths: the number cells of the union model (DN_UNION, Pulgadas_ARM,
 * Pulgadas_SOLD) as the sheet writes and reads them. Integers, never floating point, so a sum
 * of diameters is exact and 0.1 + 0.2 is 0.3. Declared in core/unions.h. */
#include <stdint.h>
#include <stdio.h>

#include "core/unions.h"

void zunion_format_c(int64_t c, char *out, size_t n)
{
    if (out == NULL || n == 0) return;
    const char *sign = c < 0 ? "-" : "";
    uint64_t a = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    unsigned long long whole = (unsigned long long)(a / 100), frac = (unsigned long long)(a % 100);
    if (frac == 0) snprintf(out, n, "%s%llu", sign, whole);
    else if (frac % 10 == 0) snprintf(out, n, "%s%llu.%llu", sign, whole, frac / 10);
    else snprintf(out, n, "%s%llu.%02llu", sign, whole, frac);
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

int zunion_parse_c(const char *s, int64_t *out)
{
    if (s == NULL) return -1;
    while (is_blank(*s)) s++;
    int64_t whole = 0;
    int digits = 0, frac_digits = 0;
    int64_t frac = 0;      /* the first two fractional digits */
    int round_up = 0;      /* third fractional digit >= 5: half away from zero */
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        whole = whole * 10 + (*s - '0');
        if (whole > 1000000000) return -1;
    }
    if (*s == '.' || *s == ',') {
        for (s++; *s >= '0' && *s <= '9'; s++, frac_digits++) {
            if (frac_digits < 2) frac = frac * 10 + (*s - '0');
            else if (frac_digits == 2) round_up = *s >= '5';
        }
    }
    while (is_blank(*s)) s++;
    if (*s != '\0' || digits + frac_digits == 0) return -1;
    if (frac_digits == 1) frac *= 10;
    int64_t c = whole * 100 + frac + round_up;
    if (c > (int64_t)1000000000 * 100) return -1;
    *out = c;
    return 0;
}
