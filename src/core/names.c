/* Worker display names, header keys and UTF-8 validation. Case mapping covers ASCII and the
 * Latin-1 letters (two-byte UTF-8 C3 xx), which is every letter the plant's Spanish sheets use;
 * other scripts pass through unchanged rather than being guessed at. */
#include "core/names.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0 when it is invalid,
 * truncated, overlong, a surrogate, above U+10FFFF or a NUL byte. Follows RFC 3629 table 4. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (c == 0x00) return 0;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0; /* below is an overlong encoding */
        if (c == 0xED) hi = 0x9F; /* above are the UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90; /* below is an overlong encoding */
        if (c == 0xF4) hi = 0x8F; /* above is beyond U+10FFFF */
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len < need) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return need;
}

int names_utf8_valid(const char *s, size_t len)
{
    if (s == NULL) return len == 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq_len(p + i, len - i);
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}

/* Writes the first character of the first word of s, upper-cased, into out[0..3]; returns its
 * byte length, or 0 when s is blank or does not start with a valid UTF-8 character. */
static size_t first_initial(const char *s, char out[4])
{
    if (s == NULL) return 0;
    while (is_space(*s)) s++;
    size_t n = utf8_seq_len((const unsigned char *)s, strnlen(s, 4));
    if (n == 0) return 0;
    memcpy(out, s, n);
    unsigned char c0 = (unsigned char)out[0];
    unsigned char c1 = (unsigned char)out[1];
    if (n == 1 && c0 >= 'a' && c0 <= 'z') {
        out[0] = (char)(c0 - 'a' + 'A');
    } else if (n == 2 && c0 == 0xC3 && c1 >= 0xA0 && c1 <= 0xBE && c1 != 0xB7) {
        out[1] = (char)(c1 - 0x20); /* à..þ → À..Þ, skipping ÷ (U+00F7) */
    } else if (n == 2 && c0 == 0xC3 && c1 == 0xBF) {
        /* ÿ's capital Ÿ (U+0178) lies outside Latin-1 but is its only correct upper case. */
        out[0] = (char)0xC5;
        out[1] = (char)0xB8;
    }
    return n;
}

int names_worker_display(const char *nombre, const char *apellido, int64_t id, char *out, size_t n)
{
    char a[4], b[4];
    size_t na = first_initial(nombre, a);
    size_t nb = first_initial(apellido, b);
    if (na == 0 || nb == 0 || out == NULL || n == 0) return -1;
    int w = snprintf(out, n, "%.*s%.*s(%" PRId64 ")", (int)na, a, (int)nb, b, id);
    if (w < 0 || (size_t)w >= n) {
        out[0] = '\0'; /* never leave a truncated name that could be mistaken for another */
        return -1;
    }
    return 0;
}

void names_header_normalize(const char *header, char *out, size_t n)
{
    if (out == NULL || n == 0) return;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)(header ? header : "");
    while (*p) {
        if (*p == ' ' || *p == '_') {
            p++;
            continue;
        }
        size_t len = utf8_seq_len(p, strnlen((const char *)p, 4));
        if (len == 0) len = 1; /* invalid bytes are copied as they are, one at a time */
        if (o + len > n - 1) break; /* truncate on a character boundary */
        memcpy(out + o, p, len);
        if (len == 1 && p[0] >= 'A' && p[0] <= 'Z') {
            out[o] = (char)(p[0] - 'A' + 'a');
        } else if (len == 2 && p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
            out[o + 1] = (char)(p[1] + 0x20); /* À..Þ → à..þ, skipping × (U+00D7) */
        }
        o += len;
        p += len;
    }
    out[o] = '\0';
}

int64_t names_id_from_display(const char *display)
{
    if (display == NULL) return 0;
    const char *open = strrchr(display, '(');
    size_t len = strlen(display);
    if (open == NULL || len == 0 || display[len - 1] != ')') return 0;
    const char *p = open + 1;
    const char *close = display + len - 1;
    if (p == close) return 0;
    int64_t v = 0;
    for (; p < close; p++) {
        if (*p < '0' || *p > '9') return 0;
        if (v > (INT64_MAX - (*p - '0')) / 10) return 0; /* an id that overflows is no id */
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* Base letters of U+00C0..U+00FF after NFKD and dropping the combining marks; 0 where the
 * character has no decomposition (Æ, Ð, ×, Ø, Þ, ß, æ, ð, ÷, ø, þ keep their own bytes). */
static const char latin1_base[64] = "aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0\0"  /* U+00C0..U+00DF */
                                    "aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y"; /* U+00E0..U+00FF */

void names_header_key(const char *header, char *out, size_t n)
{
    if (out == NULL || n == 0) return;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)(header ? header : "");
    while (*p) {
        if (*p == ' ' || *p == '_' || *p == '/') {
            p++;
            continue;
        }
        size_t len = utf8_seq_len(p, strnlen((const char *)p, 4));
        if (len == 0) len = 1; /* invalid bytes are copied as they are, one at a time */
        char base = 0;
        if (len == 2 && p[0] == 0xC3) {
            base = latin1_base[p[1] - 0x80];
            if (!base && p[1] <= 0x9E && p[1] != 0x97) {
                /* À..Þ without a base letter (Æ, Ð, Ø, Þ): lower-case as a pair */
                if (o + 2 > n - 1) break;
                out[o++] = (char)0xC3;
                out[o++] = (char)(p[1] + 0x20);
                p += 2;
                continue;
            }
        } else if (len == 2 && p[0] == 0xC2 && (p[1] == 0xAA || p[1] == 0xBA)) {
            base = p[1] == 0xAA ? 'a' : 'o';
        } else if (len == 2 && (p[0] == 0xCC || (p[0] == 0xCD && p[1] <= 0xAF))) {
            p += 2; /* a combining mark (U+0300..U+036F) */
            continue;
        } else if (len == 1 && p[0] >= 'A' && p[0] <= 'Z') {
            base = (char)(p[0] - 'A' + 'a');
        }
        if (base) {
            if (o + 1 > n - 1) break;
            out[o++] = base;
        } else {
            if (o + len > n - 1) break; /* truncate on a character boundary */
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
    }
    out[o] = '\0';
}
