/* The push half of the spreadsheet sync (app/sheets.h): events after the cursor to Metadata,
 * exactly once; the rows of unions they deleted out of Uniones (sheets_delete.c); the tracking
 * cells of the spools and unions they touched to the rows their keys have now. */
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
#define MAX_BATCH_EVENTS 1000 /* Metadata rows per cycle: one append of ~300 KB; the events
                                 are held in memory meanwhile (3.6 KB each) */
#define NOTAS_CELL (64 * 1024) /* the longest Notas cell read (a sheet cell holds 50,000) */

typedef struct evlist {
    event_rec_t *ev;
    size_t n, cap;
} evlist_t;

static int on_event(void *ud, const event_rec_t *e)
{
    evlist_t *l = ud;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->ev = xrealloc(l->ev, l->cap * sizeof *l->ev);
    }
    l->ev[l->n++] = *e;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The cycle                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct cycle {
    sheets_t sh;
    sheet_table_t want_op, want_un, have_op, have_un, meta_hdr;
    json_t *meta_ids; /* ValueRange of Metadata!A:A when read back */
    int with_rows, with_unions, with_meta;
} cycle_t;

static void cycle_free(cycle_t *c)
{
    sheets_free(&c->sh);
    sheet_table_deinit(&c->want_op);
    sheet_table_deinit(&c->want_un);
    sheet_table_deinit(&c->have_op);
    sheet_table_deinit(&c->have_un);
    sheet_table_deinit(&c->meta_hdr);
    json_decref(c->meta_ids);
}

/* One batchGet of everything the cycle needs; a second one when a key column moved since
 * the last read (the guess is verified against the header row read in the same request). */
static int read_sheets(sheets_ctx_t *ctx, cycle_t *c, sync_err_t *e)
{
    for (int pass = 0; pass < 3; pass++) {
        buf_t rb[8];
        const char *ranges[8];
        size_t n = 0;
        int at_op = -1, at_un = -1, at_meta = -1, at_ids = -1;
        for (int i = 0; i < 8; i++) rb[i] = (buf_t)BUF_INIT;
        if (c->with_rows) {
            at_op = (int)n;
            sheets_a1_column(&rb[n++], "Operaciones", -1);
            sheets_a1_column(&rb[n++], "Operaciones", ctx->key_guess[0]);
        }
        if (c->with_unions) {
            at_un = (int)n;
            sheets_a1_column(&rb[n++], "Uniones", -1);
            sheets_a1_column(&rb[n++], "Uniones", ctx->key_guess[1]);
            sheets_a1_column(&rb[n++], "Uniones", ctx->key_guess[2]);
        }
        if (c->with_meta) {
            at_meta = (int)n;
            sheets_a1_column(&rb[n++], "Metadata", -1);
            if (ctx->metadata_uncertain) {
                at_ids = (int)n;
                sheets_a1_column(&rb[n++], "Metadata", 0);
            }
        }
        for (size_t i = 0; i < n; i++) ranges[i] = buf_str(&rb[i]);
        json_t *vr = NULL;
        int rc = n ? sync_values_batch_get(ctx->client, ranges, n, &vr, e) : SYNC_OK;
        for (int i = 0; i < 8; i++) buf_deinit(&rb[i]);
        if (rc != SYNC_OK) return rc;
        int moved = 0;
        sheet_table_deinit(&c->have_op);
        sheet_table_deinit(&c->have_un);
        sheet_table_deinit(&c->meta_hdr);
        if (at_op >= 0) {
            sheets__header_of(json_array_get(vr, (size_t)at_op), &c->have_op);
            int col = c->have_op.count
                          ? sheets_plan_find_col(&sheets_spec_operaciones, &c->have_op.rows[0],
                                                 "TAG_SPOOL")
                          : -1;
            if (col >= 0 && col != ctx->key_guess[0]) ctx->key_guess[0] = col, moved = 1;
            else if (col >= 0) {
                json_t *k = json_array_get(vr, (size_t)at_op + 1);
                sheets__keys_into(&c->have_op, &k, &col, 1);
            }
        }
        if (at_un >= 0) {
            sheets__header_of(json_array_get(vr, (size_t)at_un), &c->have_un);
            int cols[2] = {-1, -1};
            for (int k = 0; k < 2 && c->have_un.count; k++)
                cols[k] = sheets_plan_find_col(&sheets_spec_uniones, &c->have_un.rows[0],
                                               sheets_spec_uniones.keys[k]);
            if (cols[0] >= 0 && cols[1] >= 0 &&
                (cols[0] != ctx->key_guess[1] || cols[1] != ctx->key_guess[2])) {
                ctx->key_guess[1] = cols[0], ctx->key_guess[2] = cols[1], moved = 1;
            } else if (cols[0] >= 0 && cols[1] >= 0) {
                json_t *k[2] = {json_array_get(vr, (size_t)at_un + 1),
                                json_array_get(vr, (size_t)at_un + 2)};
                sheets__keys_into(&c->have_un, k, cols, 2);
            }
        }
        if (at_meta >= 0) sheets__header_of(json_array_get(vr, (size_t)at_meta), &c->meta_hdr);
        if (at_ids >= 0) c->meta_ids = json_incref(json_array_get(vr, (size_t)at_ids));
        json_decref(vr);
        if (!moved) return SYNC_OK;
        json_decref(c->meta_ids);
        c->meta_ids = NULL;
    }
    e->kind = SYNC_E_RETRY;
    snprintf(e->msg, sizeof e->msg, "the key columns keep moving; trying again later");
    return SYNC_E_RETRY;
}

/* The spools and unions of the dirty tags only, in the tracked columns alone (extra cells
 * NULL): enough for the tracking cells of rows the sheet has. A whole export (every spool,
 * union and event of the plant) each cycle would cost a big plant a second of CPU. */
static int load_dirty_into(struct store *st, const sheets_tagset_t *dirty, sheets_t *sh,
                           char *notas);

static int load_dirty(struct store *st, const sheets_tagset_t *dirty, sheets_t *sh)
{
    char *notas = xmalloc(NOTAS_CELL);
    int rc = load_dirty_into(st, dirty, sh, notas);
    free(notas);
    return rc;
}

static int load_dirty_into(struct store *st, const sheets_tagset_t *dirty, sheets_t *sh,
                           char *notas)
{
    memset(sh, 0, sizeof *sh);
    sh->spools = xcalloc(dirty->n ? dirty->n : 1, sizeof *sh->spools);
    zunion_t u[ZUNION_MAX];
    size_t cap = 0;
    for (size_t i = 0; i < dirty->n; i++) {
        sheet_spool_t *s = &sh->spools[sh->n_spools];
        int rc = st->ops->spool_get(st, dirty->tags[i], &s->spool);
        if (rc == ZE_SPOOL_NO_ENCONTRADO) continue;
        if (rc != ZE_OK) return rc;
        sh->n_spools++;
        /* Notas, which tablets append to, is one of the cells written (sheets_plan.h). */
        if ((rc = st->ops->notas_get(st, dirty->tags[i], notas, NOTAS_CELL)) != ZE_OK) return rc;
        if (notas[0]) s->notas = xstrdup(notas);
        size_t n = 0;
        if ((rc = st->ops->unions_get(st, dirty->tags[i], u, &n)) != ZE_OK) return rc;
        for (size_t k = 0; k < n; k++) {
            if (sh->n_unions == cap) {
                cap = cap ? cap * 2 : 64;
                sh->unions = xrealloc(sh->unions, cap * sizeof *sh->unions);
            }
            sh->unions[sh->n_unions++] = (sheet_union_t){.u = u[k]};
        }
    }
    return ZE_OK;
}

/* Drops the pending events the sheet already has (see sheets_metadata_confirmed). */
static int confirm_metadata(sheets_ctx_t *ctx, cycle_t *c, evlist_t *pend,
                            sheets_push_result_t *r, sync_err_t *e)
{
    if (!c->meta_ids) return SYNC_OK;
    json_t *vals = json_object_get(c->meta_ids, "values");
    size_t na = json_array_size(vals);
    const char **col = xcalloc(na ? na : 1, sizeof *col);
    char **own = xcalloc(na ? na : 1, sizeof *own);
    char num[64];
    for (size_t i = 0; i < na; i++) {
        json_t *v = json_array_get(json_array_get(vals, i), 0);
        own[i] = xstrdup(v ? sheets_value_text(v, num, sizeof num) : "");
        col[i] = own[i];
    }
    const char **ids = xcalloc(pend->n ? pend->n : 1, sizeof *ids);
    for (size_t i = 0; i < pend->n; i++) ids[i] = pend->ev[i].id;
    long got = sheets_metadata_confirmed(col, na, ids, pend->n);
    for (size_t i = 0; i < na; i++) free(own[i]);
    free(own);
    free(col);
    free(ids);
    int rc = SYNC_OK;
    if (got >= 0) {
        int64_t seq = pend->ev[got].seq;
        if (ctx->store->ops->sync_put(ctx->store, SHEETS_CUR_METADATA, seq) != ZE_OK)
            return sheets__store_err(e, "sync_put");
        LOG_INFO("Metadata already had %ld pending events (an append whose answer was lost): "
                 "cursor moved to %lld, none appended twice",
                 got + 1, (long long)seq);
        r->events_confirmed = (size_t)got + 1;
        memmove(pend->ev, pend->ev + got + 1, (pend->n - (size_t)got - 1) * sizeof *pend->ev);
        pend->n -= (size_t)got + 1;
    }
    ctx->metadata_uncertain = 0;
    return rc;
}

/* The Metadata rows of the pending events (and its header row when the sheet's differs). */
static int push_metadata(sheets_ctx_t *ctx, cycle_t *c, evlist_t *pend, json_t *data,
                         json_t **rows)
{
    sheets_t m = {0};
    m.events = pend->ev;
    m.n_events = pend->n;
    m.metadata_n_union = c->meta_hdr.count && c->meta_hdr.rows[0].count > 10;
    sheet_table_t t = SHEET_TABLE_INIT;
    sheet_codec_write_metadata(&m, &t);
    int hdr_differs = !c->meta_hdr.count || c->meta_hdr.rows[0].count != t.rows[0].count;
    for (size_t i = 0; !hdr_differs && i < t.rows[0].count; i++)
        hdr_differs = strcmp(c->meta_hdr.rows[0].cells[i], t.rows[0].cells[i]) != 0;
    if (hdr_differs) {
        buf_t r = BUF_INIT;
        sheets_a1_row_span(&r, "Metadata", 1, 0, (int)t.rows[0].count - 1);
        json_t *v = json_array();
        json_array_append_new(v, sheets_row_json((const char *const *)t.rows[0].cells,
                                                 t.rows[0].count));
        json_array_append_new(data, json_pack("{s:s,s:s,s:o}", "range", buf_str(&r),
                                              "majorDimension", "ROWS", "values", v));
        buf_deinit(&r);
    }
    *rows = json_array();
    for (size_t i = 1; i < t.count; i++)
        json_array_append_new(*rows, sheets_row_json((const char *const *)t.rows[i].cells,
                                                     t.rows[i].count));
    sheet_table_deinit(&t);
    (void)ctx;
    return SYNC_OK;
}

int sheets_push_once(sheets_ctx_t *ctx, sheets_push_result_t *r, sync_err_t *e)
{
    struct store *st = ctx->store;
    memset(r, 0, sizeof *r);
    memset(e, 0, sizeof *e);
    int64_t last = 0, meta_cur = 0, rows_cur = 0;
    if (st->ops->event_last_seq(st, &last) != ZE_OK ||
        st->ops->sync_get(st, SHEETS_CUR_METADATA, &meta_cur) != ZE_OK ||
        st->ops->sync_get(st, SHEETS_CUR_ROWS, &rows_cur) != ZE_OK)
        return sheets__store_err(e, "reading the cursors");
    cycle_t c;
    memset(&c, 0, sizeof c);
    c.with_meta = meta_cur < last;
    c.with_rows = rows_cur < last;
    if (!c.with_meta && !c.with_rows) {
        st->ops->sync_put(st, SHEETS_LAST_PUSH, tz_now());
        return SYNC_OK;
    }
    evlist_t pend = {0};
    sheets_tagset_t dirty = {0};
    json_t *data = json_array(), *meta_rows = NULL, *op_rows = NULL, *un_rows = NULL;
    sheets_plan_t pop, pun;
    memset(&pop, 0, sizeof pop);
    memset(&pun, 0, sizeof pun);
    int rc = SYNC_OK;
    if (c.with_meta &&
        st->ops->event_foreach_since(st, meta_cur, MAX_BATCH_EVENTS, on_event, &pend) != ZE_OK) {
        rc = sheets__store_err(e, "reading events");
        goto out;
    }
    if (c.with_rows) {
        if (sheets__dirty_tags(st, rows_cur, last, &dirty) != ZE_OK ||
            load_dirty(st, &dirty, &c.sh) != ZE_OK) {
            rc = sheets__store_err(e, "reading the changed spools");
            goto out;
        }
        sheet_codec_write_operaciones(&c.sh, &c.want_op);
        c.with_unions = c.sh.n_unions > 0;
        if (c.with_unions) sheet_codec_write_uniones(&c.sh, &c.want_un);
        /* Deleted unions first: the read below then finds every row where it is now. */
        rc = sheets__push_deletes(ctx, &dirty, &r->rows_deleted, e);
        if (rc != SYNC_OK) goto out;
    }
    rc = read_sheets(ctx, &c, e);
    if (rc != SYNC_OK) goto out;
    char err[300];
    for (int full = 0; c.with_rows && full < 2; full++) {
        if (sheets_plan_build(&sheets_spec_operaciones, &c.have_op, 0, &c.want_op,
                              sheets__is_dirty, &dirty, &pop, err, sizeof err) != ZE_OK ||
            (c.with_unions &&
             sheets_plan_build(&sheets_spec_uniones, &c.have_un, 0, &c.want_un, sheets__is_dirty,
                               &dirty, &pun, err, sizeof err) != ZE_OK)) {
            e->kind = rc = SYNC_E_BAD_RANGE;
            snprintf(e->msg, sizeof e->msg, "%s", err);
            goto out;
        }
        if (full || (!pop.n_append && !pun.n_append)) break;
        /* A row to append needs every cell of it (the engineering ones too): plan once more
         * from a whole export. Rare: a spool or union the sheet does not have yet. */
        sheets_plan_deinit(&pop);
        sheets_plan_deinit(&pun);
        sheets_free(&c.sh);
        sheet_table_deinit(&c.want_op);
        sheet_table_deinit(&c.want_un);
        if (st->ops->export(st, &c.sh) != ZE_OK) {
            rc = sheets__store_err(e, "export");
            goto out;
        }
        sheet_codec_write_operaciones(&c.sh, &c.want_op);
        if (c.with_unions) sheet_codec_write_uniones(&c.sh, &c.want_un);
    }
    if (c.with_rows) {
        sheets__cells_json(&sheets_spec_operaciones, &pop, data);
        sheets__cells_json(&sheets_spec_uniones, &pun, data);
        op_rows = sheets__append_rows(&pop, &c.want_op);
        un_rows = sheets__append_rows(&pun, &c.want_un);
    }
    if (c.with_meta) {
        rc = confirm_metadata(ctx, &c, &pend, r, e);
        if (rc != SYNC_OK) goto out;
        push_metadata(ctx, &c, &pend, data, &meta_rows);
    }
    if (json_array_size(data)) {
        rc = sync_values_batch_update(ctx->client, data, e);
        if (rc != SYNC_OK) goto out;
    }
    r->cells_written = pop.n_cells + pun.n_cells;
    if ((rc = sheets__append(ctx, "Operaciones", op_rows, e)) != SYNC_OK ||
        (rc = sheets__append(ctx, "Uniones", un_rows, e)) != SYNC_OK)
        goto out;
    r->rows_appended = pop.n_append + pun.n_append;
    if (c.with_rows && st->ops->sync_put(st, SHEETS_CUR_ROWS, dirty.upto) != ZE_OK) {
        rc = sheets__store_err(e, "sync_put");
        goto out;
    }
    if (pend.n) {
        rc = sheets__append(ctx, "Metadata", meta_rows, e);
        if (rc != SYNC_OK) {
            /* Google may have written it without our hearing back: look before appending. */
            ctx->metadata_uncertain = 1;
            goto out;
        }
        if (st->ops->sync_put(st, SHEETS_CUR_METADATA, pend.ev[pend.n - 1].seq) != ZE_OK) {
            ctx->metadata_uncertain = 1;
            rc = sheets__store_err(e, "sync_put");
            goto out;
        }
        r->events_appended = pend.n;
    }
    r->more = (pend.n + r->events_confirmed) == MAX_BATCH_EVENTS || dirty.upto < last;
    if (!r->more) st->ops->sync_put(st, SHEETS_LAST_PUSH, tz_now());
out:
    free(pend.ev);
    sheets__tagset_free(&dirty);
    sheets_plan_deinit(&pop);
    sheets_plan_deinit(&pun);
    json_decref(data);
    json_decref(meta_rows);
    json_decref(op_rows);
    json_decref(un_rows);
    cycle_free(&c);
    return rc;
}

int sheets_pending(struct store *st, int64_t now, int64_t *events, int64_t *behind_s)
{
    int64_t last = 0, cur = 0;
    *events = *behind_s = 0;
    int rc = st->ops->event_last_seq(st, &last);
    if (rc == ZE_OK) rc = st->ops->sync_get(st, SHEETS_CUR_METADATA, &cur);
    if (rc != ZE_OK) return rc;
    *events = last > cur ? last - cur : 0;
    if (*events) {
        evlist_t one = {0};
        rc = st->ops->event_foreach_since(st, cur, 1, on_event, &one);
        if (rc == ZE_OK && one.n && now > one.ev[0].ts) *behind_s = now - one.ev[0].ts;
        free(one.ev);
    }
    return rc;
}
