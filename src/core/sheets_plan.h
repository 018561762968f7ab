/* What one push cycle writes to a sheet, worked out from what the sheet holds now and what
 * the store says it should hold (reference google-sheets.md §5): rows are found by their key
 * columns (TAG_SPOOL, or TAG_SPOOL + N_UNION) and columns by header name in a fresh read of
 * the sheet, never by a remembered position; only the columns we own are written; rows the
 * sheet lacks are appended; a cell a person changed in a column we own is reported as a
 * conflict and put back. Also the exactly-once check of the Metadata append. Pure. */
#ifndef ZEUES_CORE_SHEETS_PLAN_H
#define ZEUES_CORE_SHEETS_PLAN_H
#include <stddef.h>

#include "core/sheet_codec.h"

/** Which sheet, its key columns and the columns the sync owns (written from the store). */
typedef struct sheets_spec {
    const char *title;
    const char *const *keys; /* headers of the key columns (1 or 2) */
    size_t n_keys;
    const char *const *owned; /* headers of the owned columns */
    size_t n_owned;
    int v4_names; /* 1: headers compare by names_header_key (Uniones), 0: by
                     names_header_normalize (Operaciones, as sheet_map does) */
} sheets_spec_t;

/** The Operaciones and Uniones specs: TAG_SPOOL (+ N_UNION) keys; owned: the tracking
 *  columns, and the cells tablets change too (Notas; DN_UNION and TIPO_UNION, edited with
 *  the unions in the v5 app), which a pull takes from the sheet only for rows that show the
 *  spool as it is now (sheets_t.only_current). */
extern const sheets_spec_t sheets_spec_operaciones;
extern const sheets_spec_t sheets_spec_uniones;

/** One cell to write: 1-based sheet row, 0-based column, text borrowed from the want table. */
typedef struct sheets_cell {
    int row, col;
    const char *value;
} sheets_cell_t;

/** A person's value in an owned cell that differs from the store while the row had nothing
 *  pending: the store wins (the cell is in cells too). Strings owned by the plan. */
typedef struct sheets_conflict {
    char *key, *header, *sheet_value, *our_value;
    int row;
} sheets_conflict_t;

typedef struct sheets_plan {
    sheets_cell_t *cells; /* in row order, then column order */
    size_t n_cells;
    size_t *append;       /* indices into want->rows of rows the sheet lacks, in want order */
    size_t n_append;
    sheets_conflict_t *conflicts;
    size_t n_conflicts;
    int *have_to_want;    /* for each sheet column: the want column of the same header, -1 */
    size_t n_have_cols;
    size_t duplicate_keys; /* sheet rows whose key an earlier row has (left alone) */
} sheets_plan_t;

/** 1 when the row of want with this key has changes still to push (so a difference in the
 *  sheet is lag, not a person's edit). */
typedef int (*sheets_dirty_fn)(void *ud, const char *key);

/**
 * Plans a write of want (rows[0] = headers, as the codec writer makes it; borrowed, must
 * outlive the plan) into the sheet have (rows[0] = its header row, rows[i] = sheet row i+1;
 * borrowed). When full, have holds every cell of the sheet: owned cells that differ are
 * written, those of rows dirty() does not claim are conflicts. When not full, have holds only
 * the key columns (at their positions) and every owned cell of each row dirty() claims is
 * written. Rows of want whose key the sheet lacks are listed in append (dirty or not in a full
 * plan, dirty only otherwise). A want row with a blank key is ignored.
 * ZE_OK, or ZE_VALIDATION_ERROR with a message naming the sheet and column when the sheet's
 * header row lacks a key column (then out is empty). Release out with sheets_plan_deinit.
 */
int sheets_plan_build(const sheets_spec_t *spec, const sheet_table_t *have, int full,
                      const sheet_table_t *want, sheets_dirty_fn dirty, void *ud,
                      sheets_plan_t *out, char *err, size_t errlen);
void sheets_plan_deinit(sheets_plan_t *p);
/** Index of the column named header in row (by spec's comparison), right-most wins; -1. */
int sheets_plan_find_col(const sheets_spec_t *spec, const sheet_row_t *row, const char *header);
/* What joins the cells of a two-column key (Uniones: TAG_SPOOL, N_UNION): a byte no cell
 * holds. */
#define SHEETS_KEY_SEP '\x1f'
/** The key of row i of t (its key cells trimmed, joined by SHEETS_KEY_SEP) into out. */
void sheets_plan_key(const sheets_spec_t *spec, const int *key_cols, const sheet_row_t *row,
                     char *out, size_t n);
/** The Uniones key of union n of spool tag, as sheets_plan_key makes it from the sheet. */
void sheets_key_union(const char *tag, int n, char *out, size_t len);
/** Length of the key's first part (the whole key when it has one part). */
size_t sheets_key_first_len(const char *key);
/** The key made readable for a log line or an error: SHEETS_KEY_SEP becomes '+'. */
void sheets_key_printable(char *key);

/**
 * The rows to delete from the sheet have (rows[0] = its header row, rows[i] = sheet row i+1;
 * only the key columns need be filled; borrowed) for the keys gone[0..n_gone) (as
 * sheets_plan_key makes them): the 1-based sheet row of every row whose key is one of them,
 * duplicates included, into *rows (caller frees with free()), highest row first, so that
 * deleting them in that order never moves a row still to delete. *n_rows = 0 when none is
 * there (deleted already). ZE_OK, or ZE_VALIDATION_ERROR with a message naming the sheet and
 * column when the header row lacks a key column (then *rows = NULL).
 */
int sheets_plan_deletes(const sheets_spec_t *spec, const sheet_table_t *have,
                        const char *const *gone, size_t n_gone, int **rows, size_t *n_rows,
                        char *err, size_t errlen);

/**
 * Exactly-once for the Metadata append: of the pending event ids pend[0..n) (in append
 * order), the index of the last one found among the last 64 non-empty cells of the sheet's
 * id column col_a[0..n_a) (top to bottom); -1 when none is there. Those up to the returned
 * index reached the sheet already (an append whose answer was lost, or a crash before the
 * cursor moved) and must not be appended again.
 */
long sheets_metadata_confirmed(const char *const *col_a, size_t n_a, const char *const *pend,
                               size_t n);

#endif
