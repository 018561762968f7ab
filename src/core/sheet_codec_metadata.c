/* The Metadata sheet (the audit log) in the sheet codec: the ten positional columns of
 * domain-v3 §2.1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_codec.h"
#include "core/sheet_codec_int.h"
#include "util/alloc.h"
#include "util/tz.h"


#define METADATA_COLS 10

static const char *const metadata_headers[METADATA_COLS] = {
    "id", "timestamp", "evento_tipo", "tag_spool", "worker_id",
    "worker_nombre", "operacion", "accion", "fecha_operacion", "metadata_json"};

static int parse_event(void *ctx, const sheet_row_t *row, void *slot, sheet_report_t *rep)
{
    (void)ctx;
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
    out->events = xmalloc(sheet_codec__data_rows(t) * sizeof *out->events);
    sheet_codec__read_rows(t, out->events, sizeof *out->events, &out->n_events, parse_event, NULL,
                           rep);
    return ZE_OK;
}

void sheet_codec_write_metadata(const sheets_t *in, sheet_table_t *out)
{
    sheet_table_append(out, metadata_headers, METADATA_COLS, 1);
    for (size_t i = 0; i < in->n_events; i++) {
        const event_rec_t *e = &in->events[i];
        char ts[32], wid[24], fecha[16];
        tz_format_dmy_hms(e->ts, ts, sizeof ts);
        snprintf(wid, sizeof wid, "%lld", (long long)e->worker_id);
        zdate_format_dmy(e->fecha_operacion, fecha, sizeof fecha);
        const char *row[METADATA_COLS] = {e->id, ts, e->tipo, e->tag, wid, e->worker_nombre,
                                          e->operacion, e->accion, fecha, e->metadata_json};
        sheet_table_append(out, row, METADATA_COLS, i + 2);
    }
}
