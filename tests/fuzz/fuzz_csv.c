/* Fuzz target: the CSV reader and writer of src/util/csv.c.
 *
 * 1. The input as CSV: csv_next never crashes; every record has >= 1 field; start lines grow;
 *    once a record is malformed every later call fails with the same line. When the whole
 *    input parses, writing the records back with csv_write_row and reading that again gives
 *    the same records (read -> write -> read is the identity).
 * 2. The input as a table: bytes 0x1E separate rows, 0x1F (and NUL) separate fields. Writing
 *    it and reading it back gives exactly the same rows and fields (write -> read is the
 *    identity), and each record's reported line is its real physical line in the output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "util/buf.h"
#include "util/csv.h"

#define MAX_ROWS 4096

typedef struct table {
    char ***rows;   /* rows[i][j] owned */
    size_t *counts;
    size_t n;
} table_t;

static void table_add(table_t *t, char **fields, size_t count)
{
    t->rows = realloc(t->rows, (t->n + 1) * sizeof *t->rows);
    t->counts = realloc(t->counts, (t->n + 1) * sizeof *t->counts);
    if (!t->rows || !t->counts) abort();
    char **copy = calloc(count ? count : 1, sizeof *copy);
    if (!copy) abort();
    for (size_t i = 0; i < count; i++) {
        copy[i] = strdup(fields[i]);
        if (!copy[i]) abort();
    }
    t->rows[t->n] = copy;
    t->counts[t->n] = count;
    t->n++;
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->counts[i]; j++) free(t->rows[i][j]);
        free(t->rows[i]);
    }
    free(t->rows);
    free(t->counts);
    memset(t, 0, sizeof *t);
}

static void print_escaped(const char *what, const char *s)
{
    fprintf(stderr, "  %s: \"", what);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') fputc(*p, stderr);
        else fprintf(stderr, "\\x%02x", *p);
    }
    fprintf(stderr, "\"\n");
}

/* Writes t, reads it back and compares; line_of[i] = expected physical line of row i. */
static void roundtrip(const table_t *t, const char *origin)
{
    buf_t out = BUF_INIT;
    size_t *line_of = calloc(t->n ? t->n : 1, sizeof *line_of);
    if (!line_of) abort();
    size_t line = 1;
    for (size_t i = 0; i < t->n; i++) {
        line_of[i] = line;
        size_t before = out.len;
        csv_write_row(&out, (const char *const *)t->rows[i], t->counts[i]);
        for (size_t k = before; k < out.len; k++) line += out.data[k] == '\n';
    }
    csv_reader_t *r = csv_reader_new(out.data ? out.data : "", out.len);
    csv_row_t row;
    size_t errline = 0;
    for (size_t i = 0; i < t->n; i++) {
        int rc = csv_next(r, &row, &errline);
        if (rc != 1) {
            fprintf(stderr, "row %zu of %zu (%s):\n", i, t->n, origin);
            for (size_t j = 0; j < t->counts[i]; j++) print_escaped("field", t->rows[i][j]);
            print_escaped("written CSV", buf_str(&out));
        }
        FUZZ_CHECK(rc == 1, "[%s] written row %zu did not read back (rc %d, errline %zu)",
                   origin, i, rc, errline);
        int same = row.count == t->counts[i];
        for (size_t j = 0; same && j < row.count; j++)
            same = strcmp(row.fields[j], t->rows[i][j]) == 0;
        if (!same) {
            fprintf(stderr, "row %zu (%s): wrote %zu fields, read %zu\n", i, origin,
                    t->counts[i], row.count);
            for (size_t j = 0; j < t->counts[i]; j++) print_escaped("wrote", t->rows[i][j]);
            for (size_t j = 0; j < row.count; j++) print_escaped("read ", row.fields[j]);
            print_escaped("written CSV", buf_str(&out));
        }
        FUZZ_CHECK(same, "[%s] write -> read is not the identity for row %zu", origin, i);
        FUZZ_CHECK(row.line == line_of[i], "[%s] row %zu reported on line %zu, it starts on %zu",
                   origin, i, row.line, line_of[i]);
    }
    int rc = csv_next(r, &row, &errline);
    FUZZ_CHECK(rc == 0, "[%s] extra record after %zu written rows (rc %d, %zu fields)", origin,
               t->n, rc, rc == 1 ? row.count : 0);
    csv_reader_free(r);
    free(line_of);
    buf_deinit(&out);
}

static void read_input(const uint8_t *data, size_t size)
{
    csv_reader_t *r = csv_reader_new((const char *)data, size);
    csv_row_t row;
    size_t errline = 0, last_line = 0;
    table_t t = {0};
    int rc, failed = 0;
    while ((rc = csv_next(r, &row, &errline)) == 1) {
        FUZZ_CHECK(row.count >= 1 && row.fields != NULL, "record without fields");
        FUZZ_CHECK(row.line > last_line, "record line %zu after %zu", row.line, last_line);
        last_line = row.line;
        for (size_t i = 0; i < row.count; i++) FUZZ_CHECK(row.fields[i] != NULL, "NULL field");
        if (t.n < MAX_ROWS) table_add(&t, row.fields, row.count);
        else break;
    }
    if (rc == -1) {
        failed = 1;
        FUZZ_CHECK(errline >= 1 && errline > last_line,
                   "malformed record reported on line %zu (last good record on %zu)", errline,
                   last_line);
        size_t again = 0;
        FUZZ_CHECK(csv_next(r, &row, &again) == -1 && again == errline,
                   "a failed reader recovered (line %zu then %zu)", errline, again);
    }
    csv_reader_free(r);
    if (!failed && rc == 0) roundtrip(&t, "read->write->read");
    table_free(&t);
}

static void table_from_bytes(const uint8_t *data, size_t size)
{
    table_t t = {0};
    char **fields = NULL;
    size_t nf = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size && t.n < MAX_ROWS; i++) {
        int end_field = i == size || data[i] == 0x1F || data[i] == 0x1E || data[i] == 0;
        if (!end_field) continue;
        fields = realloc(fields, (nf + 1) * sizeof *fields);
        if (!fields) abort();
        fields[nf++] = fuzz_strndup(data + start, i - start);
        start = i + 1;
        if (i == size || data[i] == 0x1E) {
            table_add(&t, fields, nf);
            for (size_t j = 0; j < nf; j++) free(fields[j]);
            nf = 0;
        }
    }
    for (size_t j = 0; j < nf; j++) free(fields[j]);
    free(fields);
    roundtrip(&t, "write->read");
    table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20) return 0;
    read_input(data, size);
    table_from_bytes(data, size);
    return 0;
}
