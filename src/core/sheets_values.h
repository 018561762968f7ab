/* Cells of the Sheets API as JSON (ValueRange.values) and the codec's tables of strings, both
 * ways (reference google-sheets.md §2.3, §4). Reads are UNFORMATTED_VALUE + SERIAL_NUMBER:
 * numbers arrive as JSON numbers (dates as serials, which the codec reads), booleans as JSON
 * booleans, rows ragged (trailing blanks cut), a blank row as [] and an empty range without a
 * values key. Writes are RAW strings: what the CSV export writes, stored as text, so a sheet
 * locale never turns 21-01-2026 or 0012 into something else. Pure. */
#ifndef ZEUES_CORE_SHEETS_VALUES_H
#define ZEUES_CORE_SHEETS_VALUES_H
#include <jansson.h>
#include <stddef.h>

#include "core/sheet_codec.h"

/** The text of one cell value: a string as is, a number in its shortest exact form (3, 4.5,
 *  46043.604166666664), true/false as TRUE/FALSE, null or anything else as "". Written into
 *  out (n bytes, truncated). Returns out. */
const char *sheets_value_text(const json_t *v, char *out, size_t n);
/** Appends each row of values (borrowed; NULL or a non-array = no rows) to t as strings;
 *  row i gets line = first_line + i (its 1-based sheet row). Returns the rows appended. */
size_t sheets_values_to_table(const json_t *values, size_t first_line, sheet_table_t *t);
/** A JSON array of strings of the cells row[0..n) (a NULL cell = JSON null: leave the cell as
 *  it is). New reference. */
json_t *sheets_row_json(const char *const *cells, size_t n);

#endif
