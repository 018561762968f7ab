/* What app/sheets_push.c, sheets_pull.c and sheets_sync.c share; defined in sheets_rows.c. */
#ifndef ZEUES_APP_SHEETS_INT_H
#define ZEUES_APP_SHEETS_INT_H
#include <jansson.h>
#include <stdint.h>

#include "app/sheets.h"
#include "core/sheets_plan.h"

/** Fills e as a store failure (retry later) naming what failed; returns SYNC_E_RETRY. */
int sheets__store_err(sync_err_t *e, const char *what);
/** Appends to data (a JSON array) one ValueRange per row of p's cells: the row's span from
 *  its first to its last cell, null between (cells left as they are). */
void sheets__cells_json(const sheets_spec_t *spec, const sheets_plan_t *p, json_t *data);
/** The rows p appends, laid out in the sheet's columns (new reference). */
json_t *sheets__append_rows(const sheets_plan_t *p, const sheet_table_t *want);
/** values:append of rows (borrowed; nothing sent when empty) after the table of title. */
int sheets__append(sheets_ctx_t *ctx, const char *title, json_t *rows, sync_err_t *e);
/** The tags of events with after < seq, read until at least last: sorted, unique; upto is
 *  the seq of the last event read (after when none). gone: the unions those events deleted
 *  (decide_guardar_deleted), as Uniones keys (sheets_key_union), sorted, unique. */
typedef struct sheets_tagset {
    char **tags;
    size_t n, cap;
    int64_t upto;
    char **gone;
    size_t n_gone, cap_gone;
} sheets_tagset_t;
struct store;
int sheets__dirty_tags(struct store *st, int64_t after, int64_t last, sheets_tagset_t *t);
void sheets__tagset_free(sheets_tagset_t *t);
/** sheets_dirty_fn over a sorted tag set (the tag part of a key, sheets_key_first_len). */
int sheets__is_dirty(void *ud, const char *key);

/* sheets_delete.c */
/** Deletes from the Uniones sheet the rows of the unions dirty->gone names that the store no
 *  longer has (a union deleted and created again stays), found by TAG_SPOOL + N_UNION in a
 *  read made just before the deletion, never at a remembered position; *deleted counts the
 *  rows. Nothing to delete (the rows are gone already, e.g. after an answer that was lost):
 *  SYNC_OK with *deleted = 0. Otherwise what the read or the spreadsheets.batchUpdate gave. */
int sheets__push_deletes(sheets_ctx_t *ctx, const sheets_tagset_t *dirty, size_t *deleted,
                         sync_err_t *e);
/** The header row (values[0]) of a ValueRange (borrowed) into t as its row 0; t stays empty
 *  when the sheet has no header row. */
void sheets__header_of(json_t *vr, sheet_table_t *t);
/** Rows 2.. of have from key columns read whole: cols[k] is the column, vrs[k] its
 *  ValueRange (row 1 first; borrowed). */
void sheets__keys_into(sheet_table_t *have, json_t *const *vrs, const int *cols, size_t nk);

#endif
