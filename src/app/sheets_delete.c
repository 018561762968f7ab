/* A union deleted in ZEUES (POST /api/v4/uniones/guardar) leaves the Uniones sheet: the office
 * sees its row disappear, and no later pull finds it there to bring back (app/sheets_int.h,
 * sheets__push_deletes). The events table is the outbox: the deletions are those of the
 * UNIONES_GUARDADAS events after the rows cursor, which moves past them only once this step
 * has succeeded. Every attempt reads the sheet's key columns just before its one
 * spreadsheets.batchUpdate and deletes the rows that carry the union's TAG_SPOOL + N_UNION
 * then, never a row number kept from before: an attempt whose answer was lost (applied or
 * not, the server killed or not) is followed by one that finds the row gone, or still there,
 * and so never deletes the row that moved up into its place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sheets.h"
#include "app/sheets_int.h"
#include "core/errors.h"
#include "core/sheet_codec.h"
#include "core/sheets_a1.h"
#include "core/sheets_plan.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "sheets"

/* The keys of dirty->gone whose union the store does not have now: a union deleted and then
 * created again on the tablet keeps its row (the push writes its cells there). */
static int still_gone(struct store *st, const sheets_tagset_t *dirty, const char ***out,
                      size_t *n)
{
    *out = xcalloc(dirty->n_gone ? dirty->n_gone : 1, sizeof **out);
    *n = 0;
    zunion_t u[ZUNION_MAX];
    size_t nu = 0;
    char tag[ZTAG_MAX] = "", prev[ZTAG_MAX] = "";
    for (size_t i = 0; i < dirty->n_gone; i++) {
        const char *key = dirty->gone[i];
        size_t len = sheets_key_first_len(key);
        if (len >= sizeof tag || !key[len]) continue;
        memcpy(tag, key, len);
        tag[len] = '\0';
        int num = atoi(key + len + 1);
        if (strcmp(tag, prev) != 0) { /* gone is sorted: one read per spool */
            int rc = st->ops->unions_get(st, tag, u, &nu);
            if (rc != ZE_OK) return rc;
            snprintf(prev, sizeof prev, "%s", tag);
        }
        int there = 0;
        for (size_t k = 0; k < nu; k++) there |= u[k].n == num;
        if (!there) (*out)[(*n)++] = key;
    }
    return ZE_OK;
}

/* The sheetId of Uniones now (a sheet deleted and added again under the same title has
 * another one); *found = 0 when the spreadsheet has no such sheet. */
static int uniones_sheet_id(sheets_ctx_t *ctx, json_int_t *id, int *found, sync_err_t *e)
{
    json_t *list = NULL;
    int rc = sync_sheet_list(ctx->client, &list, e);
    if (rc != SYNC_OK) return rc;
    *found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "title")), "Uniones") != 0) continue;
        *id = json_integer_value(json_object_get(v, "sheetId"));
        *found = 1;
        break;
    }
    json_decref(list);
    return SYNC_OK;
}

/* The header row and the two key columns of Uniones into have (rows[i] = sheet row i+1),
 * read in one batchGet; read again when a key column is not where the last read found it.
 * A header row without the key columns leaves have with that row only (the plan says so). */
static int read_keys(sheets_ctx_t *ctx, sheet_table_t *have, sync_err_t *e)
{
    const sheets_spec_t *spec = &sheets_spec_uniones;
    for (int pass = 0; pass < 3; pass++) {
        buf_t rb[3];
        const char *ranges[3];
        for (int i = 0; i < 3; i++) rb[i] = (buf_t)BUF_INIT;
        sheets_a1_column(&rb[0], spec->title, -1);
        sheets_a1_column(&rb[1], spec->title, ctx->key_guess[1]);
        sheets_a1_column(&rb[2], spec->title, ctx->key_guess[2]);
        for (int i = 0; i < 3; i++) ranges[i] = buf_str(&rb[i]);
        json_t *vr = NULL;
        int rc = sync_values_batch_get(ctx->client, ranges, 3, &vr, e);
        for (int i = 0; i < 3; i++) buf_deinit(&rb[i]);
        if (rc != SYNC_OK) return rc;
        sheet_table_deinit(have);
        sheets__header_of(json_array_get(vr, 0), have);
        int cols[2] = {-1, -1};
        for (int k = 0; k < 2 && have->count; k++)
            cols[k] = sheets_plan_find_col(spec, &have->rows[0], spec->keys[k]);
        int moved = cols[0] >= 0 && cols[1] >= 0 &&
                    (cols[0] != ctx->key_guess[1] || cols[1] != ctx->key_guess[2]);
        if (!moved && cols[0] >= 0 && cols[1] >= 0) {
            json_t *k[2] = {json_array_get(vr, 1), json_array_get(vr, 2)};
            sheets__keys_into(have, k, cols, 2);
        }
        json_decref(vr);
        if (!moved) return SYNC_OK;
        ctx->key_guess[1] = cols[0], ctx->key_guess[2] = cols[1];
    }
    e->kind = SYNC_E_RETRY;
    snprintf(e->msg, sizeof e->msg, "Uniones: the key columns keep moving; trying again later");
    return SYNC_E_RETRY;
}

/* The spreadsheets.batchUpdate that deletes rows (1-based, highest first) of sheet id. */
static json_t *delete_requests(json_int_t id, const int *rows, size_t n)
{
    json_t *reqs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            reqs, json_pack("{s:{s:{s:I,s:s,s:I,s:I}}}", "deleteDimension", "range", "sheetId", id,
                            "dimension", "ROWS", "startIndex", (json_int_t)rows[i] - 1,
                            "endIndex", (json_int_t)rows[i]));
    return reqs;
}

int sheets__push_deletes(sheets_ctx_t *ctx, const sheets_tagset_t *dirty, size_t *deleted,
                         sync_err_t *e)
{
    *deleted = 0;
    if (!dirty->n_gone) return SYNC_OK;
    const char **gone = NULL;
    size_t n_gone = 0, n_rows = 0;
    int *rows = NULL;
    sheet_table_t have = SHEET_TABLE_INIT;
    json_int_t id = 0;
    int found = 0, rc = SYNC_OK;
    if (still_gone(ctx->store, dirty, &gone, &n_gone) != ZE_OK) {
        rc = sheets__store_err(e, "reading the deleted unions");
        goto out;
    }
    if (!n_gone) goto out;
    /* Which sheet first, the rows last: the read of the keys is the one just before the
     * deletion, so nothing but a person's edit in the same instant can move a row between. */
    if ((rc = uniones_sheet_id(ctx, &id, &found, e)) != SYNC_OK) goto out;
    if (!found) {
        /* Renamed or deleted by a person: a person must act (and the cursor must wait, or the
         * rows would come back with the sheet's old name). */
        e->kind = rc = SYNC_E_BAD_RANGE;
        snprintf(e->msg, sizeof e->msg,
                 "the spreadsheet has no sheet Uniones: %zu deleted unions wait to leave it "
                 "(zeues sheets init creates it)",
                 n_gone);
        goto out;
    }
    if ((rc = read_keys(ctx, &have, e)) != SYNC_OK) goto out;
    char err[300];
    if (sheets_plan_deletes(&sheets_spec_uniones, &have, gone, n_gone, &rows, &n_rows, err,
                            sizeof err) != ZE_OK) {
        e->kind = rc = SYNC_E_BAD_RANGE;
        snprintf(e->msg, sizeof e->msg, "%s", err);
        goto out;
    }
    if (!n_rows) goto out; /* deleted already (by an attempt whose answer was lost, or a person) */
    json_t *reqs = delete_requests(id, rows, n_rows);
    rc = sync_structure(ctx->client, reqs, e);
    json_decref(reqs);
    if (rc != SYNC_OK) goto out;
    *deleted = n_rows;
    for (size_t i = 0; i < n_rows; i++) {
        char key[512];
        sheets_plan_key(&sheets_spec_uniones, (int[]){ctx->key_guess[1], ctx->key_guess[2]},
                        &have.rows[rows[i] - 1], key, sizeof key);
        sheets_key_printable(key);
        LOG_INFO("Uniones row %d (%s) deleted: the union was deleted in ZEUES", rows[i], key);
    }
out:
    free(gone);
    free(rows);
    sheet_table_deinit(&have);
    return rc;
}
