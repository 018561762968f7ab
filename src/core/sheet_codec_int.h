/* Internals shared by the files of the sheet codec (sheet_codec*.c): the report helpers, cell
 * helpers and the one row loop every reader runs. Nothing outside the codec includes this. */
#ifndef ZEUES_CORE_SHEET_CODEC_INT_H
#define ZEUES_CORE_SHEET_CODEC_INT_H
#include <stddef.h>
#include <stdint.h>

#include "core/sheet_codec.h"

/** Lists row as skipped in rep->bad, with the reason (cell texts go in whole). */
void sheet_codec__bad_row(sheet_report_t *rep, const sheet_row_t *row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Lists a kept row that was corrected in rep->warn (line of the row, message). */
void sheet_codec__warn(sheet_report_t *rep, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Refuses the whole sheet: ZE_VALIDATION_ERROR with the reason in rep->err. */
int sheet_codec__refuse(sheet_report_t *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** rep->source, "" when unset. */
const char *sheet_codec__source(const sheet_report_t *rep);

/** Cell of a mapped column; idx is -1 for an absent one (then ""). Borrowed from the row. */
const char *sheet_codec__cell(const sheet_row_t *row, int idx);
/** 1 when s holds only spaces, tabs, CR and LF. */
int sheet_codec__blank(const char *s);
/** Copies src trimmed of spaces and tabs into dst (n bytes); -1 when it does not fit. */
int sheet_codec__put(char *dst, size_t n, const char *src);
/** A decimal integer with optional surrounding spaces; -1 for anything else. */
int sheet_codec__parse_int(const char *s, int64_t *out);
/** A heap copy of n strings (caller frees with sheet_codec__free_strv). */
char **sheet_codec__copy_strv(char *const *v, size_t n);
/** Frees n strings of v and v itself; NULL is accepted. */
void sheet_codec__free_strv(char **v, size_t n);

/* What a row parser made of one data row. */
enum { SHEET_ROW_KEEP = 0, SHEET_ROW_SKIP = 1, SHEET_ROW_BAD = -1 };

/** Parses row into the zeroed element at slot; SHEET_ROW_BAD rows have been reported already. */
typedef int (*sheet_row_parse_fn)(void *ctx, const sheet_row_t *row, void *slot,
                                  sheet_report_t *rep);

/** Room for every data row of t: each row makes at most one element (at least 1). */
size_t sheet_codec__data_rows(const sheet_table_t *t);
/** The loop of every reader: each data row of t that is not blank (no cell, or one blank cell)
 *  is parsed into the next element of arr (sheet_codec__data_rows(t) elements of elem bytes)
 *  and kept when the parser says so; *n counts the kept ones and is current while the parser
 *  runs, so it may look at the rows kept before. */
void sheet_codec__read_rows(const sheet_table_t *t, void *arr, size_t elem, size_t *n,
                            sheet_row_parse_fn fn, void *ctx, sheet_report_t *rep);

#endif
