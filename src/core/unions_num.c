/* DN and PD values in hundredths of an inch: as the sheet shows them and as cells hold them. */
#include <stdio.h>
#include <string.h>

#include "core/unions.h"

void zunion_format_c(int64_t c, char *out, size_t n)
{
    if (n == 0) return;
    const char *sign = c < 0 ? "-" : "";
    uint64_t v = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    unsigned long long whole = v / 100, frac = v % 100;
    if (frac == 0)
        snprintf(out, n, "%s%llu", sign, whole);
    else if (frac % 10 == 0)
        snprintf(out, n, "%s%llu.%llu", sign, whole, frac / 10);
    else
        snprintf(out, n, "%s%llu.%02llu", sign, whole, frac);
}

static int space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int zunion_parse_c(const char *s, int64_t *out)
{
    if (!s) return -1;
    while (space(*s))
        s++;
    const char *e = s + strlen(s);
    while (e > s && space(e[-1]))
        e--;
    if (s == e) return -1;
    int64_t whole = 0;
    int digits = 0;
    const char *p = s;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        digits++;
        if (whole > 1000000000) return -1;
    }
    int64_t frac = 0; /* hundredths */
    int round_up = 0;
    if (p < e && (*p == '.' || *p == ',')) {
        p++;
        int k = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++, k++) {
            if (k < 2)
                frac = frac * 10 + (*p - '0');
            else if (k == 2)
                round_up = *p >= '5'; /* digits after the third only add */
            digits++;
        }
        if (k == 1) frac *= 10;
    }
    if (p != e || digits == 0) return -1;
    int64_t c = whole * 100 + frac + round_up;
    if (c > (int64_t)1000000000 * 100) return -1;
    *out = c;
    return 0;
}
