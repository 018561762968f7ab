/* Fuzz target: header-name mapping of the Operaciones sheet (src/core/sheet_map.c, column drift)
 * and the name helpers of src/core/names.c.
 *
 * Properties:
 *  - names_utf8_valid agrees with an independent decoder (RFC 3629: no overlongs, surrogates,
 *    code points above U+10FFFF or NUL bytes);
 *  - names_header_normalize: result fits its buffer, has no space, underscore or ASCII capital,
 *    and for valid UTF-8 input is a fixed point (normalising it again changes nothing) and is
 *    valid UTF-8 itself when nothing was cut;
 *  - sheet_map_build over the input's first CSV record as a header row: every tracked column it
 *    reports is a header whose normalised name is that column's (right-most duplicate wins),
 *    every header with such a name is reported, no header index serves two columns (the SPLIT
 *    fallback for TAG_SPOOL aside), and sheet_map_col_at is the inverse;
 *  - names_worker_display of the record's first two fields: "XY(ID)" whose id
 *    names_id_from_display reads back, valid UTF-8, or -1 with an empty buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/sheet_map.h"
#include "fuzz_common.h"
#include "util/csv.h"

/* Independent UTF-8 check: decode every scalar value and validate it. */
static int ref_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c == 0) return 0;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

static void check_normalize(const char *s, size_t cap)
{
    char *out = malloc(cap);
    char *again = malloc(cap);
    if (!out || !again) abort();
    memset(out, 'X', cap);
    names_header_normalize(s, out, cap);
    size_t n = strnlen(out, cap);
    FUZZ_CHECK(n < cap, "normalised header not NUL-terminated within %zu bytes", cap);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(out[i] != ' ' && out[i] != '_', "space/underscore left in '%s'", out);
        FUZZ_CHECK(!(out[i] >= 'A' && out[i] <= 'Z'), "capital left in '%s'", out);
    }
    size_t in_len = strlen(s);
    /* Idempotent for valid text (removing a space between two stray bytes of invalid input may
     * join them into a character, which the second pass then lower-cases). */
    names_header_normalize(out, again, cap);
    if (names_utf8_valid(s, in_len))
        FUZZ_CHECK(strcmp(out, again) == 0, "normalising is not idempotent: '%s' -> '%s'", out,
                   again);
    size_t kept = 0;
    for (size_t i = 0; i < in_len; i++) kept += s[i] != ' ' && s[i] != '_';
    if (names_utf8_valid(s, in_len) && kept == n)
        FUZZ_CHECK(names_utf8_valid(out, n), "valid header '%s' normalised to invalid UTF-8", s);
    free(out);
    free(again);
}

static void check_map(char **fields, size_t count)
{
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)fields, count);
    char key[256], want[256];
    for (int c = 0; c < COL_COUNT; c++) {
        names_header_normalize(sheet_col_header((sheet_col_t)c), want, sizeof want);
        int last = -1;
        for (size_t i = 0; i < count; i++) {
            if (!fields[i][0]) continue;
            names_header_normalize(fields[i], key, sizeof key);
            if (strcmp(key, want) == 0) last = (int)i;
        }
        if (c == COL_TAG && last < 0) {
            int split = -1;
            for (size_t i = 0; i < count; i++) {
                names_header_normalize(fields[i], key, sizeof key);
                if (fields[i][0] && strcmp(key, "split") == 0) split = (int)i;
            }
            last = split;
        }
        FUZZ_CHECK(m.index[c] == last, "column %s mapped to header %d, expected %d",
                   sheet_col_header((sheet_col_t)c), m.index[c], last);
        if (m.index[c] >= 0) {
            FUZZ_CHECK((size_t)m.index[c] < count, "index %d out of %zu", m.index[c], count);
            FUZZ_CHECK(sheet_map_col_at(&m, (size_t)m.index[c]) >= 0, "col_at(%d) lost",
                       m.index[c]);
        }
        for (int d = 0; d < c; d++)
            FUZZ_CHECK(m.index[c] < 0 || m.index[c] != m.index[d], "header %d serves %s and %s",
                       m.index[c], sheet_col_header((sheet_col_t)d),
                       sheet_col_header((sheet_col_t)c));
    }
}

static void check_display(const char *nombre, const char *apellido, int64_t id)
{
    char out[64];
    memset(out, 'Z', sizeof out);
    int rc = names_worker_display(nombre, apellido, id, out, sizeof out);
    if (rc != 0) {
        FUZZ_CHECK(out[0] == '\0' || out[0] == 'Z', "failed display left text '%.20s'", out);
        return;
    }
    size_t n = strlen(out);
    FUZZ_CHECK(n >= 5 && out[n - 1] == ')', "display '%s'", out);
    FUZZ_CHECK(names_utf8_valid(out, n), "display '%s' is not valid UTF-8", out);
    if (id > 0)
        FUZZ_CHECK(names_id_from_display(out) == id, "display '%s' reads back as id %lld, not %lld",
                   out, (long long)names_id_from_display(out), (long long)id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    FUZZ_CHECK(names_utf8_valid((const char *)data, size) == ref_utf8_valid(data, size),
               "names_utf8_valid disagrees with the reference decoder (%d)",
               names_utf8_valid((const char *)data, size));
    char *s = fuzz_strndup(data, size);
    check_normalize(s, 256);
    check_normalize(s, 7);
    csv_reader_t *r = csv_reader_new((const char *)data, size);
    csv_row_t row;
    size_t errline;
    if (csv_next(r, &row, &errline) == 1) {
        check_map(row.fields, row.count);
        int64_t id = 93;
        if (size >= 8) memcpy(&id, data + size - 8, 8);
        if (id == INT64_MIN) id = 0;
        check_display(row.fields[0], row.count > 1 ? row.fields[1] : "", id < 0 ? -id : id);
    }
    csv_reader_free(r);
    free(s);
    names_id_from_display(NULL);
    return 0;
}
