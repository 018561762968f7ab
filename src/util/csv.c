/* RFC 4180 CSV: a reader that yields one record at a time with its physical line number, and
 * a writer whose output that reader (and every spreadsheet) reads back unchanged. */
#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct csv_reader {
    const char *data; /* borrowed */
    size_t len;
    size_t pos;
    size_t line;    /* physical line of data[pos], 1-based */
    int failed;     /* once a record is malformed every later call fails the same way */
    size_t errline;
    buf_t text;     /* the fields of the current record, each NUL-terminated */
    size_t *offs;   /* start of each field in text */
    char **fields;
    size_t cap;
};

csv_reader_t *csv_reader_new(const char *data, size_t len)
{
    csv_reader_t *r = xcalloc(1, sizeof *r);
    r->data = data;
    r->len = data ? len : 0;
    r->line = 1;
    if (r->len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
    return r;
}

void csv_reader_free(csv_reader_t *r)
{
    if (r == NULL) return;
    buf_deinit(&r->text);
    free(r->offs);
    free(r->fields);
    free(r);
}

/* Length of the record terminator at pos: 1 for LF, 2 for CRLF, 0 when there is none.
 * A lone CR is not a terminator: the header promises LF or CRLF only. */
static size_t eol_len(const csv_reader_t *r, size_t pos)
{
    if (pos < r->len && r->data[pos] == '\n') return 1;
    if (pos + 1 < r->len && r->data[pos] == '\r' && r->data[pos + 1] == '\n') return 2;
    return 0;
}

/* 1 when only line terminators remain, so trailing blank lines do not become records. */
static int only_eols_left(const csv_reader_t *r)
{
    for (size_t i = r->pos; i < r->len; i++)
        if (r->data[i] != '\n' && r->data[i] != '\r') return 0;
    return 1;
}

static void field_begin(csv_reader_t *r, size_t count)
{
    if (count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->offs = xrealloc(r->offs, r->cap * sizeof *r->offs);
        r->fields = xrealloc(r->fields, r->cap * sizeof *r->fields);
    }
    r->offs[count] = r->text.len;
}

/* Reads a quoted field starting at the opening quote. Returns 0, or -1 when the data ends
 * before the closing quote or something other than a separator follows it. */
static int read_quoted(csv_reader_t *r)
{
    r->pos++; /* opening quote */
    for (;;) {
        if (r->pos >= r->len) return -1;
        char c = r->data[r->pos];
        if (c == '\0') return -1;
        if (c == '"') {
            if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
                buf_putc(&r->text, '"');
                r->pos += 2;
                continue;
            }
            r->pos++;
            break;
        }
        /* Line breaks inside quotes are data and are kept byte for byte (CRLF stays CRLF). */
        if (c == '\n') r->line++;
        buf_putc(&r->text, c);
        r->pos++;
    }
    if (r->pos < r->len && r->data[r->pos] != ',' && eol_len(r, r->pos) == 0) return -1;
    return 0;
}

/* Reads an unquoted field up to a comma, a terminator or the end. A quote in the middle of
 * an unquoted field (5" pipe) is kept as text, as spreadsheets do; a NUL byte is malformed
 * because the field could not be handed out as a C string without losing data. */
static int read_plain(csv_reader_t *r)
{
    size_t start = r->pos;
    while (r->pos < r->len && r->data[r->pos] != ',' && eol_len(r, r->pos) == 0) {
        if (r->data[r->pos] == '\0') return -1;
        r->pos++;
    }
    buf_append(&r->text, r->data + start, r->pos - start);
    return 0;
}

int csv_next(csv_reader_t *r, csv_row_t *row, size_t *errline)
{
    row->fields = NULL;
    row->count = 0;
    row->line = 0;
    if (r->failed) goto fail;
    if (r->pos >= r->len || only_eols_left(r)) return 0;

    size_t start_line = r->line;
    size_t count = 0;
    buf_reset(&r->text);
    for (;;) {
        field_begin(r, count);
        int rc = (r->pos < r->len && r->data[r->pos] == '"') ? read_quoted(r) : read_plain(r);
        if (rc != 0) {
            r->failed = 1;
            r->errline = start_line;
            goto fail;
        }
        buf_putc(&r->text, '\0');
        count++;
        if (r->pos < r->len && r->data[r->pos] == ',') {
            r->pos++;
            continue; /* a comma at the end of the line still opens one (empty) field */
        }
        size_t eol = eol_len(r, r->pos);
        if (eol) {
            r->pos += eol;
            r->line++;
        }
        break;
    }
    /* The text buffer may have moved while growing, so the pointers are taken only now. */
    for (size_t i = 0; i < count; i++) r->fields[i] = r->text.data + r->offs[i];
    row->fields = r->fields;
    row->count = count;
    row->line = start_line;
    return 1;
fail:
    if (errline) *errline = r->errline;
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Writer                                                                                    */
/* ---------------------------------------------------------------------------------------- */

static int needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0) return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t') return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

void csv_write_field(buf_t *out, const char *s)
{
    if (s == NULL) s = "";
    /* A field starting with U+FEFF is quoted: unquoted at the start of a file it would be read
     * back as a byte-order mark and lost. */
    if (!needs_quotes(s) && strncmp(s, "\xEF\xBB\xBF", 3) != 0) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '"');
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        buf_append(out, s, (size_t)(q - s) + 1);
        buf_putc(out, '"'); /* a quote inside a quoted field is doubled */
    }
    buf_puts(out, s);
    buf_putc(out, '"');
}

void csv_write_row(buf_t *out, const char *const *fields, size_t n)
{
    /* A row of one empty field would be a blank line, which readers skip at the end of the
     * data; quoting it keeps the row. */
    if (n == 1 && (fields[0] == NULL || fields[0][0] == '\0')) {
        buf_puts(out, "\"\"");
    } else {
        for (size_t i = 0; i < n; i++) {
            if (i) buf_putc(out, ',');
            csv_write_field(out, fields[i]);
        }
    }
    buf_puts(out, "\r\n");
}
