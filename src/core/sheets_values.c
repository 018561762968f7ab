/* JSON cells <-> tables of strings for the Sheets API (see sheets_values.h). */
#include "core/sheets_values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static void number_text(double d, char *out, size_t n)
{
    if (!isfinite(d)) {
        snprintf(out, n, "%s", "");
        return;
    }
    if (d == floor(d) && fabs(d) < 9.007199254740992e15) {
        snprintf(out, n, "%lld", (long long)d);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, d);
        if (strtod(out, NULL) == d) return;
    }
}

const char *sheets_value_text(const json_t *v, char *out, size_t n)
{
    if (n) out[0] = '\0';
    if (json_is_string(v)) snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) number_text(json_real_value(v), out, n);
    else if (json_is_true(v)) snprintf(out, n, "TRUE");
    else if (json_is_false(v)) snprintf(out, n, "FALSE");
    return out;
}

size_t sheets_values_to_table(const json_t *values, size_t first_line, sheet_table_t *t)
{
    if (!json_is_array(values)) return 0;
    size_t nrows = json_array_size(values);
    size_t cap = 0;
    char **cells = NULL;
    char num[64];
    for (size_t i = 0; i < nrows; i++) {
        const json_t *row = json_array_get(values, i);
        size_t nc = json_is_array(row) ? json_array_size(row) : 0;
        if (nc > cap) {
            cap = nc;
            cells = xrealloc(cells, cap * sizeof *cells);
        }
        for (size_t j = 0; j < nc; j++) {
            const json_t *v = json_array_get(row, j);
            cells[j] = json_is_string(v) ? (char *)json_string_value(v)
                                          : xstrdup(sheets_value_text(v, num, sizeof num));
        }
        sheet_table_append(t, (const char *const *)cells, nc, first_line + i);
        for (size_t j = 0; j < nc; j++)
            if (!json_is_string(json_array_get(row, j))) free(cells[j]);
    }
    free(cells);
    return nrows;
}

json_t *sheets_row_json(const char *const *cells, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        /* Text that is not UTF-8 goes as "" rather than being dropped, which would shift
         * every later cell of the row one column left. */
        json_t *v = cells[i] ? json_string(cells[i]) : json_null();
        json_array_append_new(a, v ? v : json_string(""));
    }
    return a;
}
