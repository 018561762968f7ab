/* RFC 4180 CSV reading and writing, as spreadsheets export and import it. */
#ifndef ZEUES_UTIL_CSV_H
#define ZEUES_UTIL_CSV_H
#include <stddef.h>

#include "util/buf.h"

typedef struct csv_reader csv_reader_t;

/** One parsed record. Fields are owned by the reader and valid until the next csv_next. */
typedef struct csv_row {
    char **fields;
    size_t count;
    size_t line; /* 1-based physical line where the record starts */
} csv_row_t;

/**
 * Starts reading data (borrowed; must outlive the reader). A leading UTF-8 BOM is skipped.
 * Records end at LF or CRLF outside quotes; quoted fields may hold commas, doubled quotes and
 * newlines (kept verbatim, CRLF inside quotes preserved). Caller frees with csv_reader_free.
 */
csv_reader_t *csv_reader_new(const char *data, size_t len);
/**
 * Reads the next record: 1 when a record was read, 0 at end of data, -1 on a malformed record
 * (unterminated quote, or text after a closing quote); then *errline says where it starts.
 * A final empty line does not make a record.
 */
int csv_next(csv_reader_t *r, csv_row_t *row, size_t *errline);
void csv_reader_free(csv_reader_t *r);

/** Appends one field, quoted only when it holds a comma, quote, CR, LF or leading/trailing space. */
void csv_write_field(buf_t *out, const char *s);
/** Appends a record of n fields terminated by CRLF. */
void csv_write_row(buf_t *out, const char *const *fields, size_t n);

#endif
