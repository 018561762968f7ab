/* A1 notation and URL pieces of the Google Sheets v4 API (reference google-sheets.md §2, §2.1):
 * column letters, sheet titles quoted when they need it, ranges and the percent-encoded path
 * segment a range travels in. Pure. */
#ifndef ZEUES_CORE_SHEETS_A1_H
#define ZEUES_CORE_SHEETS_A1_H
#include <stddef.h>

#include "util/buf.h"

/** The letters of 0-based column col (0 → A, 25 → Z, 26 → AA, 18277 → ZZZ) into out (room
 *  for 4 letters and the NUL is enough). Returns out; "" when col is negative. */
const char *sheets_a1_col(int col, char *out, size_t n);
/** Appends title as an A1 sheet name: as is when it is only ASCII letters, digits and '_'
 *  and does not start with a digit, else in single quotes with every ' doubled
 *  ('Hoja 1', 'Jon''s'). */
void sheets_a1_sheet(buf_t *out, const char *title);
/** Appends Sheet!<col><row> (row 1-based, col 0-based): a single-cell anchor. */
void sheets_a1_cell(buf_t *out, const char *title, int row, int col);
/** Appends Sheet!<c0><row>:<c1><row>, one row from column c0 to c1 (0-based, c0 <= c1). */
void sheets_a1_row_span(buf_t *out, const char *title, int row, int c0, int c1);
/** Appends Sheet!<col>:<col> (a whole column) or, for col < 0, Sheet!1:1 (the header row). */
void sheets_a1_column(buf_t *out, const char *title, int col);
/** Appends s percent-encoded for a URL path segment or query value: every byte but ASCII
 *  letters, digits and -._~ becomes %XX (space %20, ! %21, ' %27, : %3A). */
void sheets_url_escape(buf_t *out, const char *s);

#endif
