/* The Metadata sheet (the audit log) in the sheet codec: the ten positional columns of
 * domain-v3 §2.1, and the eleventh, N_UNION, of domain-v4 §12 (located by its header; a file
 * without it still reads, and is written back without it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "core/sheet_codec.h"
#include "core/sheet_codec_int.h"
#include "core/unions.h"
#include "util/alloc.h"
#include "util/tz.h"

#define METADATA_COLS 10
#define METADATA_COLS_V4 11

static const char *const metadata_headers[METADATA_COLS_V4] = {
    "id",         "timestamp", "evento_tipo", "tag_spool",       "worker_id",     "worker_nombre",
    "operacion", "accion",    "fecha_operacion", "metadata_json", "N_UNION"};

typedef struct meta_ctx {
    int n_union_col; /* index of N_UNION in the sheet, -1 when it has none */
} meta_ctx_t;

/* N_UNION: empty (a spool-level event) or 1..ZUNION_MAX. */
static int n_union_cell(const char *v, int *out)
{
    int64_t n;
    *out = 0;
    if (sheet_codec__blank(v)) return 0;
    if (sheet_codec__parse_int(v, &n) != 0 || n < 1 || n > ZUNION_MAX) return -1;
    *out = (int)n;
    return 0;
}

static int parse_event(void *ctx, const sheet_row_t *row, void *slot, sheet_report_t *rep)
{
    const meta_ctx_t *c = ctx;
    event_rec_t *e = slot;
    char *const *f = row->cells;
    if (row->count < METADATA_COLS) {
        sheet_codec__bad_row(rep, row, "se esperaban 10 columnas, hay %zu", row->count);
        return SHEET_ROW_BAD;
    }
    zdatetime_t dt;
    if (zdatetime_parse(f[1], &dt) != 0 || dt.date == ZDATE_NONE) {
        sheet_codec__bad_row(rep, row, "timestamp '%s' no es válido", f[1]);
        return SHEET_ROW_BAD;
    }
    e->ts = tz_from_datetime(&dt);
    int64_t wid = 0;
    if (!sheet_codec__blank(f[4]) && (sheet_codec__parse_int(f[4], &wid) != 0 || wid < 0)) {
        sheet_codec__bad_row(rep, row, "worker_id '%s' no es un entero", f[4]);
        return SHEET_ROW_BAD;
    }
    e->worker_id = wid;
    if (zdate_parse(f[8], &e->fecha_operacion) != 0) {
        sheet_codec__bad_row(rep, row, "fecha_operacion '%s' no es una fecha válida", f[8]);
        return SHEET_ROW_BAD;
    }
    const char *nu = sheet_codec__cell(row, c->n_union_col);
    if (n_union_cell(nu, &e->n_union) != 0) {
        sheet_codec__bad_row(rep, row, "N_UNION '%s' debe ser un entero de 1 a %d", nu,
                             ZUNION_MAX);
        return SHEET_ROW_BAD;
    }
    size_t json_len = strlen(f[9]);
    if (sheet_codec__put(e->id, sizeof e->id, f[0]) ||
        sheet_codec__put(e->tipo, sizeof e->tipo, f[2]) ||
        sheet_codec__put(e->tag, sizeof e->tag, f[3]) ||
        sheet_codec__put(e->worker_nombre, sizeof e->worker_nombre, f[5]) ||
        sheet_codec__put(e->operacion, sizeof e->operacion, f[6]) ||
        sheet_codec__put(e->accion, sizeof e->accion, f[7]) ||
        json_len >= sizeof e->metadata_json) {
        sheet_codec__bad_row(rep, row, "un campo supera el largo admitido");
        return SHEET_ROW_BAD;
    }
    memcpy(e->metadata_json, f[9], json_len + 1); /* verbatim: it is JSON text */
    return SHEET_ROW_KEEP;
}

int sheet_codec_read_metadata(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep)
{
    out->has_events = 1;
    if (t->count == 0 || t->rows[0].count < METADATA_COLS)
        return sheet_codec__refuse(rep, "%s necesita las 10 columnas id..metadata_json",
                                   sheet_codec__source(rep));
    /* The first ten columns are positional (domain-v3 §2.1); N_UNION is found by its name
     * after them, right-most wins as in every header map. */
    meta_ctx_t c = {.n_union_col = -1};
    const sheet_row_t *h = &t->rows[0];
    char key[64];
    for (size_t i = METADATA_COLS; i < h->count; i++) {
        names_header_key(h->cells[i], key, sizeof key);
        if (strcmp(key, "nunion") == 0) c.n_union_col = (int)i;
    }
    out->metadata_n_union = c.n_union_col >= 0;
    out->events = xmalloc(sheet_codec__data_rows(t) * sizeof *out->events);
    sheet_codec__read_rows(t, out->events, sizeof *out->events, &out->n_events, parse_event, &c,
                           rep);
    return ZE_OK;
}

void sheet_codec_write_metadata(const sheets_t *in, sheet_table_t *out)
{
    int v4 = in->metadata_n_union;
    for (size_t i = 0; !v4 && i < in->n_events; i++) v4 = in->events[i].n_union != 0;
    size_t cols = v4 ? METADATA_COLS_V4 : METADATA_COLS;
    sheet_table_append(out, metadata_headers, cols, 1);
    for (size_t i = 0; i < in->n_events; i++) {
        const event_rec_t *e = &in->events[i];
        char ts[32], wid[24], fecha[16], nu[12] = "";
        tz_format_dmy_hms(e->ts, ts, sizeof ts);
        snprintf(wid, sizeof wid, "%lld", (long long)e->worker_id);
        zdate_format_dmy(e->fecha_operacion, fecha, sizeof fecha);
        if (e->n_union) snprintf(nu, sizeof nu, "%d", e->n_union);
        const char *row[METADATA_COLS_V4] = {e->id,        ts,       e->tipo,
                                             e->tag,       wid,      e->worker_nombre,
                                             e->operacion, e->accion, fecha,
                                             e->metadata_json, nu};
        sheet_table_append(out, row, cols, i + 2);
    }
}
