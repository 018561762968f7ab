/* Live payloads in the original's wire format (see json_map.h).
 *
 * Every committed change and every streamed event goes through json_map_live_payloads, and
 * the general way (parse live_json, add "seq", serialise) costs two trees of allocations per
 * payload. The text the store holds is what jansson wrote, so the usual case is a rewrite of
 * that text: separators get their space, strings are re-encoded with ASCII escapes, and
 * ", \"seq\": N" goes before each payload's closing brace. The rewrite gives exactly what the
 * general way gives; whatever it is not sure of (a number that is not a plain integer, a
 * duplicate key, a "seq" already there, a top-level element that is not an object, invalid
 * text) hands the whole text to the general way, which stays the definition. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_map.h"
#include "util/alloc.h"

#define MAX_DEPTH 32 /* deeper text takes the general way */
#define MAX_KEYS 64  /* keys per object checked for duplicates; more takes the general way */

typedef struct out {
    char *p;
    size_t n, cap;
} out_t;

typedef struct scan {
    const char *s; /* the text, NUL-terminated */
    out_t o;
} scan_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (o->n + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 512;
        while (o->n + n + 1 > cap) cap *= 2;
        o->p = xrealloc(o->p, cap);
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static void put_u(out_t *o, unsigned v)
{
    char b[7];
    snprintf(b, sizeof b, "\\u%04x", v);
    put(o, b, 6);
}

static void skip_ws(scan_t *sc)
{
    while (*sc->s == ' ' || *sc->s == '\t' || *sc->s == '\n' || *sc->s == '\r') sc->s++;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* One UTF-8 sequence at s, as jansson's decoder accepts it: the code point and its length, or
 * -1 (overlong, surrogate, above U+10FFFF, truncated). */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    int len;
    unsigned v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) len = 2, v = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, v = c & 0x07;
    else return -1;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return -1;
        v = v << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return -1;
    *cp = v;
    return len;
}

/* Writes code point cp as jansson does with JSON_ENSURE_ASCII, hex in lower case. */
static void put_cp(out_t *o, unsigned cp)
{
    static const char *const short_esc[0x20] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};
    if (cp == '"') put(o, "\\\"", 2);
    else if (cp == '\\') put(o, "\\\\", 2);
    else if (cp < 0x20 && short_esc[cp]) put(o, short_esc[cp], 2);
    else if (cp < 0x20) put_u(o, cp);
    else if (cp < 0x80) {
        char c = (char)cp;
        put(o, &c, 1);
    } else if (cp < 0x10000) put_u(o, cp);
    else {
        cp -= 0x10000;
        put_u(o, 0xD800 | (cp >> 10));
        put_u(o, 0xDC00 | (cp & 0x3FF));
    }
}

/* A string token, re-encoded. Returns 0, or -1 for what jansson would refuse (NUL included). */
static int scan_string(scan_t *sc)
{
    const char *s = sc->s + 1; /* past the opening quote */
    put(&sc->o, "\"", 1);
    for (;;) {
        unsigned cp;
        if (*s == '"') break;
        if (*s == '\\') {
            char e = s[1];
            if (e == 'u') {
                if (hex4(s + 2, &cp) != 0) return -1;
                s += 6;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) != 0 || lo < 0xDC00 ||
                        lo > 0xDFFF)
                        return -1;
                    s += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (cp == 0) return -1;
            } else {
                switch (e) {
                case '"': cp = '"'; break;
                case '\\': cp = '\\'; break;
                case '/': cp = '/'; break;
                case 'b': cp = '\b'; break;
                case 'f': cp = '\f'; break;
                case 'n': cp = '\n'; break;
                case 'r': cp = '\r'; break;
                case 't': cp = '\t'; break;
                default: return -1;
                }
                s += 2;
            }
        } else {
            if ((unsigned char)*s < 0x20) return -1; /* also the end of the text */
            int len = utf8_next((const unsigned char *)s, &cp);
            if (len < 0) return -1;
            s += len;
        }
        put_cp(&sc->o, cp);
    }
    put(&sc->o, "\"", 1);
    sc->s = s + 1;
    return 0;
}

/* A number: a plain integer that fits jansson's json_int_t is written as it is ("-0" as "0");
 * anything else is for the general way. */
static int scan_number(scan_t *sc)
{
    const char *s = sc->s, *d = s + (*s == '-');
    size_t n = 0;
    while (d[n] >= '0' && d[n] <= '9') n++;
    if (n == 0 || n > 18 || (d[0] == '0' && n > 1)) return -1;
    char c = d[n];
    if (c == '.' || c == 'e' || c == 'E') return -1;
    if (n == 1 && d[0] == '0') put(&sc->o, "0", 1);
    else put(&sc->o, s, (size_t)(d + n - s));
    sc->s = d + n;
    return 0;
}

static int scan_value(scan_t *sc, int depth);

/* An object; seq >= 0 adds "seq" last (the top level), and refuses one already there. */
static int scan_object(scan_t *sc, int depth, long long seq)
{
    size_t key_at[MAX_KEYS], key_len[MAX_KEYS], nkeys = 0;
    sc->s++;
    put(&sc->o, "{", 1);
    skip_ws(sc);
    if (*sc->s != '}') {
        for (;;) {
            skip_ws(sc);
            if (*sc->s != '"' || nkeys == MAX_KEYS) return -1;
            size_t at = sc->o.n;
            if (scan_string(sc) != 0) return -1;
            size_t len = sc->o.n - at;
            for (size_t i = 0; i < nkeys; i++)
                if (key_len[i] == len && memcmp(sc->o.p + key_at[i], sc->o.p + at, len) == 0)
                    return -1;
            if (seq >= 0 && len == 5 && memcmp(sc->o.p + at, "\"seq\"", 5) == 0) return -1;
            key_at[nkeys] = at;
            key_len[nkeys++] = len;
            skip_ws(sc);
            if (*sc->s != ':') return -1;
            sc->s++;
            put(&sc->o, ": ", 2);
            skip_ws(sc);
            if (scan_value(sc, depth + 1) != 0) return -1;
            skip_ws(sc);
            if (*sc->s == '}') break;
            if (*sc->s != ',') return -1;
            sc->s++;
            put(&sc->o, ", ", 2);
        }
    }
    sc->s++;
    if (seq >= 0) {
        char b[48];
        int n = snprintf(b, sizeof b, "%s\"seq\": %lld}", nkeys ? ", " : "", seq);
        put(&sc->o, b, (size_t)n);
    } else {
        put(&sc->o, "}", 1);
    }
    return 0;
}

static int scan_array(scan_t *sc, int depth)
{
    sc->s++;
    put(&sc->o, "[", 1);
    skip_ws(sc);
    if (*sc->s != ']') {
        for (;;) {
            skip_ws(sc);
            if (scan_value(sc, depth + 1) != 0) return -1;
            skip_ws(sc);
            if (*sc->s == ']') break;
            if (*sc->s != ',') return -1;
            sc->s++;
            put(&sc->o, ", ", 2);
        }
    }
    sc->s++;
    put(&sc->o, "]", 1);
    return 0;
}

static int scan_word(scan_t *sc, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(sc->s, w, n) != 0) return -1;
    put(&sc->o, w, n);
    sc->s += n;
    return 0;
}

static int scan_value(scan_t *sc, int depth)
{
    if (depth > MAX_DEPTH) return -1;
    switch (*sc->s) {
    case '{': return scan_object(sc, depth, -1);
    case '[': return scan_array(sc, depth);
    case '"': return scan_string(sc);
    case 't': return scan_word(sc, "true");
    case 'f': return scan_word(sc, "false");
    case 'n': return scan_word(sc, "null");
    default: return (*sc->s == '-' || (*sc->s >= '0' && *sc->s <= '9')) ? scan_number(sc) : -1;
    }
}

/* The rewrite: every payload goes into one buffer, each ended by a NUL, and fn is called for
 * them only once the whole text is read. Returns 0, or -1 when the text is for the general way
 * (then fn was not called). */
static int rewrite(const char *text, long long seq, void (*fn)(void *ud, const char *msg), void *ud)
{
    scan_t sc = {.s = text};
    size_t at[64], n = 0;
    int ok = -1;
    skip_ws(&sc);
    if (*sc.s == '{') {
        at[n++] = 0;
        if (scan_object(&sc, 1, seq) != 0) goto out;
        put(&sc.o, "", 1);
    } else if (*sc.s == '[') {
        sc.s++;
        skip_ws(&sc);
        if (*sc.s != ']') {
            for (;;) {
                skip_ws(&sc);
                if (*sc.s != '{' || n == sizeof at / sizeof at[0]) goto out;
                at[n++] = sc.o.n;
                if (scan_object(&sc, 2, seq) != 0) goto out;
                put(&sc.o, "", 1);
                skip_ws(&sc);
                if (*sc.s == ']') break;
                if (*sc.s != ',') goto out;
                sc.s++;
            }
        }
        sc.s++;
    } else {
        goto out;
    }
    skip_ws(&sc);
    if (*sc.s) goto out;
    for (size_t i = 0; i < n; i++) fn(ud, sc.o.p + at[i]);
    ok = 0;
out:
    free(sc.o.p);
    return ok;
}

/* The definition: parse, add "seq", serialise. */
static int general(const event_rec_t *e, void (*fn)(void *ud, const char *msg), void *ud)
{
    json_t *v = json_loads(e->live_json, 0, NULL);
    if (!v) return -1;
    if (json_is_object(v)) {
        json_t *arr = json_array();
        json_array_append_new(arr, v);
        v = arr;
    }
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p) {
        if (!json_is_object(p)) continue;
        json_object_set_new(p, "seq", json_integer(e->seq));
        char *msg = json_map_dumps_python(p);
        if (msg) fn(ud, msg);
        free(msg);
    }
    json_decref(v);
    return 0;
}

int json_map_live_payloads(const event_rec_t *e, void (*fn)(void *ud, const char *msg), void *ud)
{
    if (!e->live_json[0]) return 0;
    if (e->seq >= 0 && rewrite(e->live_json, (long long)e->seq, fn, ud) == 0) return 0;
    return general(e, fn, ud);
}
