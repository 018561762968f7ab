/* The pull half of the spreadsheet sync and `zeues sheets init` (app/sheets.h): the sheets
 * read whole (UNFORMATTED_VALUE + SERIAL_NUMBER) through the CSV import's codec into the
 * store's import, then the tracking cells compared with the store and put back where a person
 * changed them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sheets.h"
#include "app/sheets_int.h"
#include "core/errors.h"
#include "core/sheet_codec.h"
#include "core/sheets_a1.h"
#include "core/sheets_plan.h"
#include "core/sheets_values.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/tz.h"

#define LOG_MODULE "sheets"
#define MAX_LOGGED 20 /* conflict and bad-row lines per pull; the rest are counted */

enum { S_OP, S_TRAB, S_ROLES, S_UNI, S_META, S_COUNT };
static const char *const titles[S_COUNT] = {"Operaciones", "Trabajadores", "Roles", "Uniones",
                                            "Metadata"};

/* Which of the five sheets the spreadsheet has; props[i] (when not NULL) gets the
 * properties of sheet i (new reference, NULL when absent). */
static int sheets_present(sheets_ctx_t *ctx, int has[S_COUNT], json_t *props[S_COUNT],
                          sync_err_t *e)
{
    json_t *t = NULL;
    int rc = sync_sheet_list(ctx->client, &t, e);
    if (rc != SYNC_OK) return rc;
    for (int i = 0; i < S_COUNT; i++) {
        has[i] = 0;
        if (props) props[i] = NULL;
        size_t k;
        json_t *v;
        json_array_foreach(t, k, v)
        {
            if (strcmp(json_string_value(json_object_get(v, "title")), titles[i]) != 0) continue;
            has[i] = 1;
            if (props) props[i] = json_incref(v);
        }
    }
    json_decref(t);
    return SYNC_OK;
}

/* Whole sheets (those with want[i]) into tabs[i]; rows[0] = sheet row 1. */
static int read_whole(sheets_ctx_t *ctx, const int want[S_COUNT], sheet_table_t tabs[S_COUNT],
                      sync_err_t *e)
{
    buf_t rb[S_COUNT];
    const char *ranges[S_COUNT];
    int idx[S_COUNT];
    size_t n = 0;
    for (int i = 0; i < S_COUNT; i++) {
        rb[i] = (buf_t)BUF_INIT;
        idx[i] = -1;
        if (!want[i]) continue;
        sheets_a1_sheet(&rb[i], titles[i]);
        idx[i] = (int)n;
        ranges[n++] = buf_str(&rb[i]);
    }
    json_t *vr = NULL;
    int rc = n ? sync_values_batch_get(ctx->client, ranges, n, &vr, e) : SYNC_OK;
    for (int i = 0; i < S_COUNT; i++) buf_deinit(&rb[i]);
    if (rc != SYNC_OK) return rc;
    for (int i = 0; i < S_COUNT; i++)
        if (idx[i] >= 0)
            sheets_values_to_table(json_object_get(json_array_get(vr, (size_t)idx[i]), "values"), 1,
                                   &tabs[i]);
    json_decref(vr);
    return SYNC_OK;
}

static void log_report(const sheet_report_t *rep)
{
    for (size_t i = 0; i < rep->n_bad && i < MAX_LOGGED; i++)
        LOG_WARN("pull: %s row %zu skipped: %s", rep->source, rep->bad[i].line, rep->bad[i].msg);
    if (rep->n_bad > MAX_LOGGED)
        LOG_WARN("pull: %s: %zu more rows skipped", rep->source, rep->n_bad - MAX_LOGGED);
}

/* The tracking cells of the sheets as read (tabs, full) against the store now: cells that
 * differ are written, those of rows with nothing pending are conflicts (logged, counted);
 * rows the sheet lacks are appended. */
static int reconcile(sheets_ctx_t *ctx, const int has[S_COUNT], sheet_table_t tabs[S_COUNT],
                     sync_err_t *e)
{
    struct store *st = ctx->store;
    int64_t last = 0, rows_cur = 0;
    sheets_t sh;
    sheets_tagset_t dirty = {0};
    if (st->ops->event_last_seq(st, &last) != ZE_OK ||
        st->ops->sync_get(st, SHEETS_CUR_ROWS, &rows_cur) != ZE_OK ||
        sheets__dirty_tags(st, rows_cur, last, &dirty) != ZE_OK) {
        sheets__tagset_free(&dirty);
        return sheets__store_err(e, "reading the cursors");
    }
    if (st->ops->export(st, &sh) != ZE_OK) {
        sheets__tagset_free(&dirty);
        return sheets__store_err(e, "export");
    }
    sheet_table_t want_op = SHEET_TABLE_INIT, want_un = SHEET_TABLE_INIT;
    sheet_codec_write_operaciones(&sh, &want_op);
    int with_un = has[S_UNI] && sh.n_unions > 0;
    if (with_un) sheet_codec_write_uniones(&sh, &want_un);
    sheets_plan_t pop, pun;
    memset(&pop, 0, sizeof pop);
    memset(&pun, 0, sizeof pun);
    json_t *data = json_array(), *op_rows = NULL, *un_rows = NULL;
    char err[300];
    int rc = SYNC_OK;
    if (sheets_plan_build(&sheets_spec_operaciones, &tabs[S_OP], 1, &want_op, sheets__is_dirty,
                          &dirty, &pop, err, sizeof err) != ZE_OK ||
        (with_un && sheets_plan_build(&sheets_spec_uniones, &tabs[S_UNI], 1, &want_un,
                                      sheets__is_dirty, &dirty, &pun, err, sizeof err) != ZE_OK)) {
        e->kind = rc = SYNC_E_BAD_RANGE;
        snprintf(e->msg, sizeof e->msg, "%s", err);
        goto out;
    }
    const sheets_plan_t *plans[2] = {&pop, &pun};
    size_t logged = 0, total = 0;
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < plans[p]->n_conflicts; i++, total++) {
            const sheets_conflict_t *c = &plans[p]->conflicts[i];
            if (logged++ < MAX_LOGGED)
                LOG_WARN("conflict: %s row %d (%s) %s: the sheet says '%s', ZEUES keeps '%s' "
                         "(tracking columns are written by ZEUES only)",
                         p ? "Uniones" : "Operaciones", c->row, c->key, c->header,
                         c->sheet_value, c->our_value);
        }
    if (total > MAX_LOGGED) LOG_WARN("conflict: %zu more cells put back", total - MAX_LOGGED);
    ctx->conflicts += (int64_t)total;
    sheets__cells_json(&sheets_spec_operaciones, &pop, data);
    sheets__cells_json(&sheets_spec_uniones, &pun, data);
    op_rows = sheets__append_rows(&pop, &want_op);
    un_rows = sheets__append_rows(&pun, &want_un);
    if (json_array_size(data)) rc = sync_values_batch_update(ctx->client, data, e);
    if (rc == SYNC_OK) rc = sheets__append(ctx, "Operaciones", op_rows, e);
    if (rc == SYNC_OK && with_un) rc = sheets__append(ctx, "Uniones", un_rows, e);
    if (rc == SYNC_OK && (pop.n_cells || pop.n_append || pun.n_cells || pun.n_append))
        LOG_INFO("reconcile: %zu cells written, %zu rows appended, %zu conflicts",
                 pop.n_cells + pun.n_cells, pop.n_append + pun.n_append, total);
out:
    json_decref(data);
    json_decref(op_rows);
    json_decref(un_rows);
    sheets_plan_deinit(&pop);
    sheets_plan_deinit(&pun);
    sheet_table_deinit(&want_op);
    sheet_table_deinit(&want_un);
    sheets_free(&sh);
    sheets__tagset_free(&dirty);
    return rc;
}

/* Reads the sheets that have data rows through the codec into in; a sheet whose header row
 * makes it unreadable stops everything (SYNC_E_BAD_RANGE naming it). */
static int decode(sheet_table_t tabs[S_COUNT], const int has[S_COUNT], sheets_t *in,
                  sync_err_t *e)
{
    typedef int (*reader_fn)(const sheet_table_t *, sheets_t *, sheet_report_t *);
    static const reader_fn readers[S_COUNT] = {sheet_codec_read_operaciones,
                                               sheet_codec_read_trabajadores,
                                               sheet_codec_read_roles, sheet_codec_read_uniones,
                                               NULL};
    for (int i = 0; i < S_META; i++) {
        if (!has[i]) continue;
        /* An empty roster in the sheet is far more likely a sheet nobody filled in than a
         * plant without workers: sheets without data rows are not imported. */
        if (tabs[i].count < 2 && i != S_OP) continue;
        if (tabs[i].count == 0) {
            e->kind = SYNC_E_BAD_RANGE;
            snprintf(e->msg, sizeof e->msg,
                     "pull: the sheet Operaciones has no header row (zeues sheets init writes it)");
            return SYNC_E_BAD_RANGE;
        }
        sheet_report_t rep = {.source = titles[i]};
        int rc = readers[i](&tabs[i], in, &rep);
        if (rc != ZE_OK) {
            e->kind = SYNC_E_BAD_RANGE;
            snprintf(e->msg, sizeof e->msg, "pull stopped, nothing changed: %s",
                     rep.err ? rep.err : "unreadable sheet");
            sheet_report_deinit(&rep);
            return SYNC_E_BAD_RANGE;
        }
        log_report(&rep);
        sheet_report_deinit(&rep);
    }
    return SYNC_OK;
}

int sheets_pull_once(sheets_ctx_t *ctx, sync_err_t *e)
{
    memset(e, 0, sizeof *e);
    int has[S_COUNT];
    int rc = sheets_present(ctx, has, NULL, e);
    if (rc != SYNC_OK) return rc;
    if (!has[S_OP]) {
        e->kind = SYNC_E_BAD_RANGE;
        snprintf(e->msg, sizeof e->msg, "the spreadsheet has no sheet Operaciones "
                                        "(zeues sheets init creates it)");
        return SYNC_E_BAD_RANGE;
    }
    int want[S_COUNT] = {has[S_OP], has[S_TRAB], has[S_ROLES], has[S_UNI], 0};
    sheet_table_t tabs[S_COUNT];
    for (int i = 0; i < S_COUNT; i++) tabs[i] = (sheet_table_t)SHEET_TABLE_INIT;
    sheets_t in;
    memset(&in, 0, sizeof in);
    /* The rows cursor before the read: every union deleted up to it had left the sheet by
     * then; one deleted after it may still be in what is read, and must not come back. */
    if (ctx->store->ops->sync_get(ctx->store, SHEETS_CUR_ROWS, &in.deleted_after) != ZE_OK)
        return sheets__store_err(e, "reading the cursors");
    rc = read_whole(ctx, want, tabs, e);
    if (rc == SYNC_OK) rc = decode(tabs, has, &in, e);
    /* A row whose version cell is behind the store shows a spool before a change made in
     * ZEUES that the push has not written yet: its Notas and unions must not undo it. */
    in.only_current = 1;
    if (rc == SYNC_OK && (in.n_op_headers || in.n_worker_headers || in.n_role_headers ||
                          in.has_unions)) {
        char err[400] = "";
        if (ctx->store->ops->import(ctx->store, &in, err, sizeof err) != ZE_OK) {
            rc = SYNC_E_RETRY;
            e->kind = rc;
            snprintf(e->msg, sizeof e->msg, "pull: the store refused the import: %s", err);
        } else {
            LOG_INFO("pull: %zu spools, %zu unions, %zu workers, %zu roles read from the sheet",
                     in.n_spools, in.n_unions, in.n_workers, in.n_roles);
        }
    }
    if (rc == SYNC_OK) rc = reconcile(ctx, has, tabs, e);
    if (rc == SYNC_OK) ctx->store->ops->sync_put(ctx->store, SHEETS_LAST_PULL, tz_now());
    sheets_free(&in);
    for (int i = 0; i < S_COUNT; i++) sheet_table_deinit(&tabs[i]);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* init                                                                                        */
/* ------------------------------------------------------------------------------------------ */

typedef void (*writer_fn)(const sheets_t *, sheet_table_t *);

int sheets_init(sheets_ctx_t *ctx, sync_err_t *e)
{
    memset(e, 0, sizeof *e);
    sheets_t sh;
    if (ctx->store->ops->export(ctx->store, &sh) != ZE_OK) return sheets__store_err(e, "export");
    static const writer_fn writers[S_COUNT] = {sheet_codec_write_operaciones,
                                               sheet_codec_write_trabajadores,
                                               sheet_codec_write_roles, sheet_codec_write_uniones,
                                               sheet_codec_write_metadata};
    sheet_table_t mine[S_COUNT], theirs[S_COUNT];
    json_t *props[S_COUNT] = {NULL};
    int all[S_COUNT] = {1, 1, 1, 1, 1}, has[S_COUNT];
    for (int i = 0; i < S_COUNT; i++) {
        mine[i] = (sheet_table_t)SHEET_TABLE_INIT;
        theirs[i] = (sheet_table_t)SHEET_TABLE_INIT;
        writers[i](&sh, &mine[i]);
    }
    /* Missing sheets are added wide enough for their header row (a new sheet has 26 columns
     * and a write never grows the grid); existing ones too narrow are widened. */
    int rc = sheets_present(ctx, has, props, e);
    json_t *reqs = json_array();
    for (int i = 0; rc == SYNC_OK && i < S_COUNT; i++) {
        json_int_t width = (json_int_t)mine[i].rows[0].count;
        if (!has[i]) {
            json_array_append_new(
                reqs, json_pack("{s:{s:{s:s,s:{s:I,s:I}}}}", "addSheet", "properties", "title",
                                titles[i], "gridProperties", "rowCount", (json_int_t)1000,
                                "columnCount", width > 26 ? width : (json_int_t)26));
            LOG_INFO("init: sheet %s created", titles[i]);
        } else {
            json_int_t cols = json_integer_value(json_object_get(props[i], "columnCount"));
            if (cols < width)
                json_array_append_new(
                    reqs, json_pack("{s:{s:I,s:s,s:I}}", "appendDimension", "sheetId",
                                    json_integer_value(json_object_get(props[i], "sheetId")),
                                    "dimension", "COLUMNS", "length", width - cols));
        }
    }
    if (rc == SYNC_OK && json_array_size(reqs)) rc = sync_structure(ctx->client, reqs, e);
    json_decref(reqs);
    for (int i = 0; i < S_COUNT; i++) json_decref(props[i]);
    json_t *data = json_array(), *rows[S_COUNT] = {NULL};
    if (rc == SYNC_OK) rc = read_whole(ctx, all, theirs, e);
    for (int i = 0; rc == SYNC_OK && i < S_COUNT; i++) {
        if (theirs[i].count && theirs[i].rows[0].count) continue; /* it has a header row */
        buf_t r = BUF_INIT;
        sheets_a1_row_span(&r, titles[i], 1, 0, (int)mine[i].rows[0].count - 1);
        json_t *v = json_array();
        json_array_append_new(v, sheets_row_json((const char *const *)mine[i].rows[0].cells,
                                                 mine[i].rows[0].count));
        json_array_append_new(data, json_pack("{s:s,s:s,s:o}", "range", buf_str(&r),
                                              "majorDimension", "ROWS", "values", v));
        buf_deinit(&r);
        LOG_INFO("init: header row of %s written", titles[i]);
        /* A roster sheet that was empty gets the store's rows; spools and unions come from
         * the reconcile below, Metadata rows from the push (its cursor). */
        if (theirs[i].count < 2 && (i == S_TRAB || i == S_ROLES)) {
            rows[i] = json_array();
            for (size_t k = 1; k < mine[i].count; k++)
                json_array_append_new(rows[i],
                                      sheets_row_json((const char *const *)mine[i].rows[k].cells,
                                                      mine[i].rows[k].count));
        }
    }
    if (rc == SYNC_OK && json_array_size(data)) rc = sync_values_batch_update(ctx->client, data, e);
    for (int i = 0; rc == SYNC_OK && i < S_COUNT; i++)
        if (rows[i]) rc = sheets__append(ctx, titles[i], rows[i], e);
    if (rc == SYNC_OK) {
        /* The reconcile reads what is there now (headers included) and appends the rest. */
        sheet_table_t tabs[S_COUNT];
        int want[S_COUNT] = {1, 0, 0, 1, 0};
        int now_has[S_COUNT] = {1, 1, 1, 1, 1};
        for (int i = 0; i < S_COUNT; i++) tabs[i] = (sheet_table_t)SHEET_TABLE_INIT;
        rc = read_whole(ctx, want, tabs, e);
        if (rc == SYNC_OK) rc = reconcile(ctx, now_has, tabs, e);
        for (int i = 0; i < S_COUNT; i++) sheet_table_deinit(&tabs[i]);
    }
    json_decref(data);
    for (int i = 0; i < S_COUNT; i++) {
        json_decref(rows[i]);
        sheet_table_deinit(&mine[i]);
        sheet_table_deinit(&theirs[i]);
    }
    sheets_free(&sh);
    return rc;
}
