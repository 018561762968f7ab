/* What the push and the pull of the spreadsheet sync share (app/sheets_int.h): the session
 * set-up, the tags the events after a cursor touched and the unions they deleted, the reading
 * of header rows and key columns, and the writes of a plan (one range per row, rows to append
 * in the sheet's column order, appends in pieces). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sheets.h"
#include "app/sheets_int.h"
#include "core/decide.h"
#include "core/errors.h"
#include "core/sheets_a1.h"
#include "core/sheets_plan.h"
#include "core/sheets_values.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "sheets"
#define APPEND_ROWS 2000 /* rows per append request: each one write of the budget */

void sheets_ctx_init(sheets_ctx_t *ctx, sync_client_t *client, struct store *st)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->client = client;
    ctx->store = st;
    ctx->metadata_uncertain = 1;
    for (int i = 0; i < 3; i++) ctx->key_guess[i] = i;
}

int sheets__store_err(sync_err_t *e, const char *what)
{
    e->kind = SYNC_E_RETRY;
    e->http = 0;
    snprintf(e->msg, sizeof e->msg, "store: %s failed", what);
    return SYNC_E_RETRY;
}

/* ------------------------------------------------------------------------------------------ */
/* Dirty tags                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static int on_tag(void *ud, const event_rec_t *e)
{
    sheets_tagset_t *t = ud;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->tags = xrealloc(t->tags, t->cap * sizeof *t->tags);
    }
    t->tags[t->n++] = xstrdup(e->tag);
    t->upto = e->seq;
    int gone[ZUNION_MAX];
    size_t n = decide_guardar_deleted(e, gone);
    for (size_t i = 0; i < n; i++) {
        if (t->n_gone == t->cap_gone) {
            t->cap_gone = t->cap_gone ? t->cap_gone * 2 : 16;
            t->gone = xrealloc(t->gone, t->cap_gone * sizeof *t->gone);
        }
        char key[ZTAG_MAX + 16];
        sheets_key_union(e->tag, gone[i], key, sizeof key);
        t->gone[t->n_gone++] = xstrdup(key);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts v[0..*n) and drops repeats (freed). */
static void sort_unique(char **v, size_t *n)
{
    if (*n) qsort(v, *n, sizeof *v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k && strcmp(v[k - 1], v[i]) == 0) {
            free(v[i]);
            continue;
        }
        v[k++] = v[i];
    }
    *n = k;
}

/* The tags of the events with after < seq <= last, sorted and unique. */
int sheets__dirty_tags(struct store *st, int64_t after, int64_t last, sheets_tagset_t *t)
{
    t->upto = after;
    while (t->upto < last) {
        size_t before = t->n;
        int rc = st->ops->event_foreach_since(st, t->upto, 5000, on_tag, t);
        if (rc != ZE_OK) return rc;
        if (t->n == before) break;
    }
    sort_unique(t->tags, &t->n);
    sort_unique(t->gone, &t->n_gone);
    return ZE_OK;
}

void sheets__tagset_free(sheets_tagset_t *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->tags[i]);
    free(t->tags);
    for (size_t i = 0; i < t->n_gone; i++) free(t->gone[i]);
    free(t->gone);
}

int sheets__is_dirty(void *ud, const char *key)
{
    const sheets_tagset_t *t = ud;
    char tag[ZTAG_MAX + 8];
    size_t n = sheets_key_first_len(key);
    if (n >= sizeof tag) n = sizeof tag - 1;
    memcpy(tag, key, n);
    tag[n] = '\0';
    const char *k = tag;
    return t->n && bsearch(&k, t->tags, t->n, sizeof *t->tags, cmp_str) != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Reads                                                                                       */
/* ------------------------------------------------------------------------------------------ */

void sheets__header_of(json_t *vr, sheet_table_t *t)
{
    json_t *vals = json_object_get(vr, "values");
    json_t *first = json_array_size(vals) ? json_array_get(vals, 0) : NULL;
    json_t *one = json_array();
    json_array_append(one, first ? first : json_array());
    sheets_values_to_table(one, 1, t);
    json_decref(one);
    if (!first) {
        /* An empty header row reads as no row at all: the plan then says "run init". */
        sheet_table_deinit(t);
    }
}

void sheets__keys_into(sheet_table_t *have, json_t *const *vrs, const int *cols, size_t nk)
{
    size_t rows = 0;
    for (size_t k = 0; k < nk; k++) {
        size_t n = json_array_size(json_object_get(vrs[k], "values"));
        if (n > rows) rows = n;
    }
    int width = 0;
    for (size_t k = 0; k < nk; k++)
        if (cols[k] + 1 > width) width = cols[k] + 1;
    char **cells = xcalloc((size_t)width, sizeof *cells);
    char num[64];
    for (size_t i = 1; i < rows; i++) {
        for (int c = 0; c < width; c++) cells[c] = "";
        for (size_t k = 0; k < nk; k++) {
            json_t *row = json_array_get(json_object_get(vrs[k], "values"), i);
            json_t *v = json_array_get(row, 0);
            cells[cols[k]] = xstrdup(v ? sheets_value_text(v, num, sizeof num) : "");
        }
        sheet_table_append(have, (const char *const *)cells, (size_t)width, i + 1);
        for (size_t k = 0; k < nk; k++) free(cells[cols[k]]);
    }
    free(cells);
}

/* ------------------------------------------------------------------------------------------ */
/* Writes                                                                                      */
/* ------------------------------------------------------------------------------------------ */

void sheets__cells_json(const sheets_spec_t *spec, const sheets_plan_t *p, json_t *data)
{
    buf_t r = BUF_INIT;
    for (size_t i = 0; i < p->n_cells;) {
        size_t j = i;
        int lo = p->cells[i].col, hi = p->cells[i].col;
        while (j < p->n_cells && p->cells[j].row == p->cells[i].row) {
            if (p->cells[j].col < lo) lo = p->cells[j].col;
            if (p->cells[j].col > hi) hi = p->cells[j].col;
            j++;
        }
        /* One range per row, from its first owned cell to its last; null leaves the cells in
         * between (engineering columns) as the office has them. */
        const char **cells = xcalloc((size_t)(hi - lo + 1), sizeof *cells);
        for (size_t k = i; k < j; k++) cells[p->cells[k].col - lo] = p->cells[k].value;
        buf_reset(&r);
        sheets_a1_row_span(&r, spec->title, p->cells[i].row, lo, hi);
        json_t *row = json_array();
        json_array_append_new(row, sheets_row_json(cells, (size_t)(hi - lo + 1)));
        json_array_append_new(data, json_pack("{s:s,s:s,s:o}", "range", buf_str(&r),
                                              "majorDimension", "ROWS", "values", row));
        free(cells);
        i = j;
    }
    buf_deinit(&r);
}

json_t *sheets__append_rows(const sheets_plan_t *p, const sheet_table_t *want)
{
    json_t *rows = json_array();
    const char **cells = xcalloc(p->n_have_cols ? p->n_have_cols : 1, sizeof *cells);
    for (size_t i = 0; i < p->n_append; i++) {
        const sheet_row_t *wr = &want->rows[p->append[i]];
        for (size_t c = 0; c < p->n_have_cols; c++)
            cells[c] = p->have_to_want[c] >= 0 ? sheet_row_cell(wr, (size_t)p->have_to_want[c])
                                               : "";
        json_array_append_new(rows, sheets_row_json(cells, p->n_have_cols));
    }
    free(cells);
    return rows;
}

int sheets__append(sheets_ctx_t *ctx, const char *title, json_t *rows, sync_err_t *e)
{
    size_t n = json_array_size(rows);
    buf_t r = BUF_INIT;
    sheets_a1_cell(&r, title, 1, 0);
    int rc = SYNC_OK;
    /* In pieces of APPEND_ROWS: a whole plant in one request would pass Google's 2 MB
     * advice. Each piece is one write of the budget. */
    for (size_t at = 0; rc == SYNC_OK && at < n; at += APPEND_ROWS) {
        json_t *part = json_array();
        for (size_t i = at; i < n && i < at + APPEND_ROWS; i++)
            json_array_append(part, json_array_get(rows, i));
        char updated[256];
        rc = sync_values_append(ctx->client, buf_str(&r), part, updated, sizeof updated, e);
        if (rc == SYNC_OK) LOG_DEBUG("appended %zu rows to %s", json_array_size(part), updated);
        json_decref(part);
    }
    buf_deinit(&r);
    return rc;
}
