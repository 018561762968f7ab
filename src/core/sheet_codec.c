/* The sheet row codec: tables of strings <-> the typed sheets (see sheet_codec.h). Each reader
 * checks its header row, then hands every data row to one shared loop (read_rows) with a
 * per-sheet row parser; each writer builds rows of strings that its reader takes back. */
#include "core/sheet_codec.h"
#include "core/sheet_codec_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/estado.h"
#include "core/names.h"
#include "core/sheet_map.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/tz.h"

/* ------------------------------------------------------------------------------------------ */
/* Tables                                                                                      */
/* ------------------------------------------------------------------------------------------ */

void sheet_table_append(sheet_table_t *t, const char *const *cells, size_t n, size_t line)
{
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
    }
    /* One block per row, the pointers first and the texts after them: a 10,000-row sheet of
     * 75 columns is 10,000 allocations, not 750,000. */
    size_t bytes = n * sizeof(char *);
    for (size_t i = 0; i < n; i++) bytes += strlen(cells[i] ? cells[i] : "") + 1;
    char **block = n ? xmalloc(bytes) : NULL;
    char *p = n ? (char *)(block + n) : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t len = strlen(c) + 1;
        memcpy(p, c, len);
        block[i] = p;
        p += len;
    }
    t->rows[t->count++] = (sheet_row_t){block, n, line};
}

void sheet_table_deinit(sheet_table_t *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) free(t->rows[i].cells);
    free(t->rows);
    *t = (sheet_table_t)SHEET_TABLE_INIT;
}

const char *sheet_row_cell(const sheet_row_t *row, size_t i)
{
    return i < row->count ? row->cells[i] : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Typed sheets and reports                                                                    */
/* ------------------------------------------------------------------------------------------ */

void sheet_codec__free_strv(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

char **sheet_codec__copy_strv(char *const *v, size_t n)
{
    char **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++) out[i] = xstrdup(v[i]);
    return out;
}

void sheets_free(sheets_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_spools; i++) {
        sheet_codec__free_strv(s->spools[i].extra, s->n_op_headers);
        free(s->spools[i].notas);
    }
    free(s->spools);
    for (size_t i = 0; i < s->n_unions; i++)
        sheet_codec__free_strv(s->unions[i].extra, s->n_union_headers);
    free(s->unions);
    sheet_codec__free_strv(s->union_headers, s->n_union_headers);
    sheet_codec__free_strv(s->op_headers, s->n_op_headers);
    sheet_codec__free_strv(s->worker_headers, s->n_worker_headers);
    sheet_codec__free_strv(s->role_headers, s->n_role_headers);
    free(s->workers);
    free(s->roles);
    free(s->events);
    *s = (sheets_t){0};
}

void sheet_report_deinit(sheet_report_t *rep)
{
    if (!rep) return;
    for (size_t i = 0; i < rep->n_bad; i++) free(rep->bad[i].msg);
    free(rep->bad);
    for (size_t i = 0; i < rep->n_warn; i++) free(rep->warn[i].msg);
    free(rep->warn);
    free(rep->err);
    *rep = (sheet_report_t){.source = rep->source};
}

static void add_line(sheet_bad_row_t **v, size_t *n, size_t line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void add_line(sheet_bad_row_t **v, size_t *n, size_t line, const char *fmt, va_list ap)
{
    buf_t b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = (sheet_bad_row_t){line, b.data ? buf_take(&b) : xstrdup("")};
}

/* Cell texts go in whole: a report that cut them would hide the very value that is wrong. */
void sheet_codec__bad_row(sheet_report_t *rep, const sheet_row_t *row, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&rep->bad, &rep->n_bad, row->line, fmt, ap);
    va_end(ap);
}

void sheet_codec__warn(sheet_report_t *rep, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&rep->warn, &rep->n_warn, line, fmt, ap);
    va_end(ap);
}

int sheet_codec__refuse(sheet_report_t *rep, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(rep->err);
    rep->err = b.data ? buf_take(&b) : xstrdup("");
    return ZE_VALIDATION_ERROR;
}

const char *sheet_codec__source(const sheet_report_t *rep)
{
    return rep->source ? rep->source : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Cells                                                                                       */
/* ------------------------------------------------------------------------------------------ */

const char *sheet_codec__cell(const sheet_row_t *row, int idx)
{
    return idx >= 0 ? sheet_row_cell(row, (size_t)idx) : "";
}

int sheet_codec__blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return 0;
    return 1;
}

int sheet_codec__put(char *dst, size_t n, const char *src)
{
    while (*src == ' ' || *src == '\t') src++;
    size_t len = strlen(src);
    while (len && (src[len - 1] == ' ' || src[len - 1] == '\t')) len--;
    if (len >= n) return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

int sheet_codec__parse_int(const char *s, int64_t *out)
{
    while (*s == ' ') s++;
    if (!*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ') end++;
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The shared row loop                                                                         */
/* ------------------------------------------------------------------------------------------ */

size_t sheet_codec__data_rows(const sheet_table_t *t) { return t->count > 1 ? t->count - 1 : 1; }

/* A blank row is an empty line of a CSV file or an empty row of the Sheets API. */
void sheet_codec__read_rows(const sheet_table_t *t, void *arr, size_t elem, size_t *n,
                            sheet_row_parse_fn fn, void *ctx, sheet_report_t *rep)
{
    for (size_t r = 1; r < t->count; r++) {
        const sheet_row_t *row = &t->rows[r];
        if (row->count == 0 || (row->count == 1 && sheet_codec__blank(row->cells[0]))) continue;
        void *slot = (char *)arr + *n * elem;
        memset(slot, 0, elem);
        if (fn(ctx, row, slot, rep) == SHEET_ROW_KEEP) (*n)++;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Rules                                                                                       */
/* ------------------------------------------------------------------------------------------ */

int sheet_codec_activo(const char *cell_text)
{
    if (!cell_text) return 0;
    while (*cell_text == ' ' || *cell_text == '\t') cell_text++;
    size_t n = strlen(cell_text);
    while (n && (cell_text[n - 1] == ' ' || cell_text[n - 1] == '\t')) n--;
    if (n != 4) return 0;
    for (size_t i = 0; i < 4; i++) {
        char c = cell_text[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (c != "TRUE"[i]) return 0;
    }
    return 1;
}

void sheet_codec_derive_tracking(spool_t *s)
{
    const char *e = s->estado_detalle;
    int cycle = estado_parse_cycle(e);
    if (strstr(e, "BLOQUEADO")) {
        s->repair = ZREP_BLOQUEADO;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = ZMAX_CYCLES;
    } else if (strstr(e, "EN_REPARACION")) {
        s->repair = s->ocupado_por[0] ? ZREP_EN_REPARACION : ZREP_PAUSADA;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle;
    } else if (strstr(e, "REPARACION_PAUSADA")) {
        s->repair = ZREP_PAUSADA;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle;
    } else if (strstr(e, "PENDIENTE_METROLOGIA")) {
        s->repair = ZREP_PENDIENTE_METROLOGIA;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle;
    } else if (strstr(e, "RECHAZADO")) {
        s->repair = ZREP_RECHAZADO;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle ? cycle : 1;
    } else if (strstr(e, "APROBADO")) {
        s->metrologia = ZMET_APROBADO;
    }
    if (!s->ocupado_por[0]) return;
    s->ocupado_worker_id = names_id_from_display(s->ocupado_por);
    if (s->repair == ZREP_EN_REPARACION) s->ocupado_op = ZOP_REPARACION;
    else if (strstr(e, "trabajando SOLD")) s->ocupado_op = ZOP_SOLD;
    else if (strstr(e, "trabajando ARM")) s->ocupado_op = ZOP_ARM;
    else if (!s->fecha_armado) s->ocupado_op = ZOP_ARM;
    else s->ocupado_op = ZOP_SOLD;
}

/* ------------------------------------------------------------------------------------------ */
/* Operaciones                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct op_ctx {
    sheets_t *sh;
    sheet_map_t m;   /* tracked column -> layout index */
    int *col_at;     /* layout index -> tracked column, -1 for a verbatim one */
} op_ctx_t;

/* Shorthand of the reader: the cell of tracked column col in row ("" when absent). */
#define OP_CELL(row, c, col) sheet_codec__cell((row), (c)->m.index[(col)])

static int date_cell(sheet_report_t *rep, const sheet_row_t *row, const op_ctx_t *c,
                     sheet_col_t col, zdate_t *out)
{
    const char *v = OP_CELL(row, c, col);
    if (zdate_parse(v, out) != 0) {
        sheet_codec__bad_row(rep, row, "%s '%s' no es una fecha válida", sheet_col_header(col), v);
        return -1;
    }
    return 0;
}

int sheet_codec_count_cell(const char *cell, int *out)
{
    int64_t c;
    if (sheet_codec__blank(cell)) {
        *out = -1;
        return 0;
    }
    if (zunion_parse_c(cell, &c) != 0 || c % 100 != 0 || c / 100 > 1000000) return -1;
    *out = (int)(c / 100);
    return 0;
}

int sheet_codec_pulgadas_cell(const char *cell, int64_t *out)
{
    if (sheet_codec__blank(cell)) {
        *out = -1;
        return 0;
    }
    return zunion_parse_c(cell, out);
}

/* The v4 cells of row into s (OT verbatim; the counters typed); -1 (reported) when one is
 * unusable. Notas is the caller's (it lives beside the spool). */
static int v4_fields(sheet_report_t *rep, const sheet_row_t *row, const op_ctx_t *c, spool_t *s)
{
    const char *ot = OP_CELL(row, c, COL_OT);
    if (strlen(ot) >= sizeof s->ot) {
        sheet_codec__bad_row(rep, row, "OT demasiado largo (máx. %zu bytes)", sizeof s->ot - 1);
        return -1;
    }
    memcpy(s->ot, ot, strlen(ot) + 1);
    static const sheet_col_t counts[] = {COL_TOTAL_UNIONES, COL_UNIONES_ARM, COL_UNIONES_SOLD};
    int *count_field[] = {&s->total_uniones, &s->uniones_arm_done, &s->uniones_sold_done};
    for (size_t i = 0; i < 3; i++) {
        const char *v = OP_CELL(row, c, counts[i]);
        if (sheet_codec_count_cell(v, count_field[i]) != 0) {
            sheet_codec__bad_row(rep, row, "%s '%s' no es un entero mayor o igual a 0",
                                 sheet_col_header(counts[i]), v);
            return -1;
        }
    }
    static const sheet_col_t pulg[] = {COL_PULGADAS_ARM, COL_PULGADAS_SOLD};
    int64_t *pulg_field[] = {&s->pulgadas_arm_c, &s->pulgadas_sold_c};
    for (size_t i = 0; i < 2; i++) {
        const char *v = OP_CELL(row, c, pulg[i]);
        if (sheet_codec_pulgadas_cell(v, pulg_field[i]) != 0) {
            sheet_codec__bad_row(rep, row, "%s '%s' no es un número mayor o igual a 0",
                                 sheet_col_header(pulg[i]), v);
            return -1;
        }
    }
    return 0;
}

/* The tracked cells of row into s; -1 (reported) when one is unusable. */
static int spool_fields(sheet_report_t *rep, const sheet_row_t *row, const op_ctx_t *c, spool_t *s)
{
    if (sheet_codec__put(s->tag, sizeof s->tag, OP_CELL(row, c, COL_TAG)) != 0) {
        sheet_codec__bad_row(rep, row, "TAG_SPOOL demasiado largo (máx. %d bytes)", ZTAG_MAX - 1);
        return -1;
    }
    if (sheet_codec__put(s->nv, sizeof s->nv, OP_CELL(row, c, COL_NV)) != 0 ||
        sheet_codec__put(s->armador, sizeof s->armador, OP_CELL(row, c, COL_ARMADOR)) != 0 ||
        sheet_codec__put(s->soldador, sizeof s->soldador, OP_CELL(row, c, COL_SOLDADOR)) != 0 ||
        sheet_codec__put(s->ocupado_por, sizeof s->ocupado_por,
                         OP_CELL(row, c, COL_OCUPADO_POR)) != 0 ||
        sheet_codec__put(s->estado_detalle, sizeof s->estado_detalle,
                         OP_CELL(row, c, COL_ESTADO_DETALLE)) != 0) {
        sheet_codec__bad_row(rep, row, "un texto supera el largo admitido");
        return -1;
    }
    if (date_cell(rep, row, c, COL_FECHA_MATERIALES, &s->fecha_materiales) ||
        date_cell(rep, row, c, COL_FECHA_ARMADO, &s->fecha_armado) ||
        date_cell(rep, row, c, COL_FECHA_SOLDADURA, &s->fecha_soldadura) ||
        date_cell(rep, row, c, COL_FECHA_QC, &s->fecha_qc))
        return -1;
    const char *fo = OP_CELL(row, c, COL_FECHA_OCUPACION);
    if (!sheet_codec__blank(fo)) {
        zdatetime_t dt;
        if (zdatetime_parse(fo, &dt) != 0 || dt.date == ZDATE_NONE) {
            sheet_codec__bad_row(rep, row, "Fecha_Ocupacion '%s' no es una fecha y hora válida",
                                 fo);
            return -1;
        }
        s->fecha_ocupacion = tz_from_datetime(&dt);
    }
    if (v4_fields(rep, row, c, s) != 0) return -1;
    /* The original wrote UUIDs here; only our own integer versions are kept. */
    const char *ver = OP_CELL(row, c, COL_VERSION);
    char *end;
    long long v = strtoll(ver, &end, 10);
    s->version = (*ver && !*end && v >= 0) ? v : 0;
    sheet_codec_derive_tracking(s);
    return 0;
}

static int parse_spool(void *ctx, const sheet_row_t *row, void *slot, sheet_report_t *rep)
{
    op_ctx_t *c = ctx;
    sheet_spool_t *sp = slot;
    const char *tag = OP_CELL(row, c, COL_TAG);
    if (sheet_codec__blank(tag)) return SHEET_ROW_SKIP; /* rows without a TAG are not spools */
    if (!names_utf8_valid(tag, strlen(tag))) {
        sheet_codec__bad_row(rep, row, "TAG_SPOOL no es UTF-8 válido");
        return SHEET_ROW_BAD;
    }
    sp->spool.row = (int64_t)c->sh->n_spools + 1;
    sp->line = row->line;
    if (spool_fields(rep, row, c, &sp->spool) != 0) return SHEET_ROW_BAD;
    for (size_t i = 0; i < c->sh->n_spools; i++)
        if (strcmp(c->sh->spools[i].spool.tag, sp->spool.tag) == 0) {
            sheet_codec__bad_row(rep, row, "TAG_SPOOL '%s' repetido", sp->spool.tag);
            return SHEET_ROW_BAD;
        }
    size_t nh = c->sh->n_op_headers;
    sp->extra = xcalloc(nh, sizeof(char *));
    for (size_t i = 0; i < row->count && i < nh; i++)
        if (c->col_at[i] < 0) sp->extra[i] = xstrdup(row->cells[i]);
    const char *notas = OP_CELL(row, c, COL_NOTAS);
    if (notas[0]) sp->notas = xstrdup(notas); /* verbatim: spaces and line breaks are the text */
    return SHEET_ROW_KEEP;
}

int sheet_codec_read_operaciones(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep)
{
    if (t->count == 0)
        return sheet_codec__refuse(rep, "%s no tiene fila de encabezados",
                                   sheet_codec__source(rep));
    const sheet_row_t *h = &t->rows[0];
    op_ctx_t c = {.sh = out};
    sheet_map_build(&c.m, (const char *const *)h->cells, h->count);
    for (int col = 0; col < COL_COUNT; col++)
        if (sheet_col_required(col) && c.m.index[col] < 0)
            return sheet_codec__refuse(rep, "%s: falta la columna obligatoria '%s'",
                                       sheet_codec__source(rep), sheet_col_header(col));
    /* The layout: the sheet's own headers, then any v3 tracked column it lacks (pre-v3
     * sheets). A sheet without the v4 columns keeps its layout: the writer adds them only
     * when there is something to show in them. */
    size_t nh = h->count;
    out->op_headers = sheet_codec__copy_strv(h->cells, nh);
    for (int col = 0; col < COL_COUNT; col++)
        if (c.m.index[col] < 0 && !sheet_col_v4(col)) {
            out->op_headers = xrealloc(out->op_headers, (nh + 1) * sizeof(char *));
            out->op_headers[nh] = xstrdup(sheet_col_header(col));
            c.m.index[col] = (int)nh++;
        }
    out->n_op_headers = nh;
    c.col_at = xmalloc(nh * sizeof *c.col_at);
    for (size_t i = 0; i < nh; i++) c.col_at[i] = sheet_map_col_at(&c.m, i);
    out->spools = xmalloc(sheet_codec__data_rows(t) * sizeof *out->spools);
    sheet_codec__read_rows(t, out->spools, sizeof *out->spools, &out->n_spools, parse_spool, &c,
                           rep);
    free(c.col_at);
    return ZE_OK;
}

static void count_text(int v, char *out, size_t n)
{
    if (v >= 0) snprintf(out, n, "%d", v);
}

static void pulgadas_text(int64_t c, char *out, size_t n)
{
    if (c >= 0) zunion_format_c(c, out, n);
}

/* Text of tracked column col for spool s (Notas is not here: it is not a field of s). */
static void tracked_cell(const spool_t *s, sheet_col_t col, char *out, size_t n)
{
    out[0] = '\0';
    switch (col) {
    case COL_TAG: snprintf(out, n, "%s", s->tag); break;
    case COL_NV: snprintf(out, n, "%s", s->nv); break;
    case COL_FECHA_MATERIALES: zdate_format_dmy(s->fecha_materiales, out, n); break;
    case COL_FECHA_ARMADO: zdate_format_dmy(s->fecha_armado, out, n); break;
    case COL_ARMADOR: snprintf(out, n, "%s", s->armador); break;
    case COL_FECHA_SOLDADURA: zdate_format_dmy(s->fecha_soldadura, out, n); break;
    case COL_SOLDADOR: snprintf(out, n, "%s", s->soldador); break;
    case COL_FECHA_QC: zdate_format_dmy(s->fecha_qc, out, n); break;
    case COL_OCUPADO_POR: snprintf(out, n, "%s", s->ocupado_por); break;
    case COL_FECHA_OCUPACION:
        if (s->ocupado_por[0] && s->fecha_ocupacion) tz_format_dmy_hms(s->fecha_ocupacion, out, n);
        break;
    case COL_VERSION: snprintf(out, n, "%lld", (long long)s->version); break;
    case COL_ESTADO_DETALLE: snprintf(out, n, "%s", s->estado_detalle); break;
    case COL_OT: snprintf(out, n, "%s", s->ot); break;
    case COL_TOTAL_UNIONES: count_text(s->total_uniones, out, n); break;
    case COL_UNIONES_ARM: count_text(s->uniones_arm_done, out, n); break;
    case COL_UNIONES_SOLD: count_text(s->uniones_sold_done, out, n); break;
    case COL_PULGADAS_ARM: pulgadas_text(s->pulgadas_arm_c, out, n); break;
    case COL_PULGADAS_SOLD: pulgadas_text(s->pulgadas_sold_c, out, n); break;
    case COL_NOTAS: case COL_COUNT: break;
    }
}

/* Room for the longest tracked text (Estado_Detalle) and any formatted date or number. */
#define TRACKED_CELL_MAX 320

/* The layout the writer uses: in's (or the v3 tracked columns when it has none), plus each
 * v4 column it lacks that some spool has something for. *nh set; caller frees the array (the
 * strings are borrowed). */
static const char **write_layout(const sheets_t *in, size_t *nh)
{
    int need[COL_COUNT] = {0};
    for (size_t i = 0; i < in->n_spools; i++) {
        const sheet_spool_t *sp = &in->spools[i];
        need[COL_OT] |= sp->spool.ot[0] != '\0';
        need[COL_NOTAS] |= sp->notas && sp->notas[0];
        if (sp->spool.total_uniones <= 0) continue; /* a spool without unions shows none */
        need[COL_TOTAL_UNIONES] = 1;
        need[COL_UNIONES_ARM] |= sp->spool.uniones_arm_done >= 0;
        need[COL_UNIONES_SOLD] |= sp->spool.uniones_sold_done >= 0;
        need[COL_PULGADAS_ARM] |= sp->spool.pulgadas_arm_c >= 0;
        need[COL_PULGADAS_SOLD] |= sp->spool.pulgadas_sold_c >= 0;
    }
    size_t n = in->n_op_headers;
    const char **h = xcalloc(n + COL_COUNT, sizeof *h);
    for (size_t j = 0; j < n; j++) h[j] = in->op_headers[j];
    if (n == 0)
        for (int c = 0; c < COL_COUNT; c++)
            if (!sheet_col_v4(c)) h[n++] = sheet_col_header(c);
    sheet_map_t m;
    sheet_map_build(&m, h, n);
    for (int c = 0; c < COL_COUNT; c++)
        if (m.index[c] < 0 && need[c]) h[n++] = sheet_col_header(c);
    *nh = n;
    return h;
}

void sheet_codec_write_operaciones(const sheets_t *in, sheet_table_t *out)
{
    size_t nh;
    const char **headers = write_layout(in, &nh);
    sheet_map_t m;
    sheet_map_build(&m, headers, nh);
    sheet_table_append(out, headers, nh, 1);
    const char **row = xcalloc(nh ? nh : 1, sizeof *row);
    char(*cells)[TRACKED_CELL_MAX] = xcalloc(nh ? nh : 1, sizeof *cells);
    int *col_at = xmalloc((nh ? nh : 1) * sizeof *col_at);
    for (size_t j = 0; j < nh; j++) col_at[j] = sheet_map_col_at(&m, j);
    for (size_t i = 0; i < in->n_spools; i++) {
        const sheet_spool_t *sp = &in->spools[i];
        for (size_t j = 0; j < nh; j++) {
            if (col_at[j] == COL_NOTAS) {
                row[j] = sp->notas ? sp->notas : "";
            } else if (col_at[j] >= 0) {
                tracked_cell(&sp->spool, (sheet_col_t)col_at[j], cells[j], sizeof cells[j]);
                row[j] = cells[j];
            } else {
                /* extra has one cell per stored header: an appended v4 column has none */
                row[j] = sp->extra && j < in->n_op_headers && sp->extra[j] ? sp->extra[j] : "";
            }
        }
        sheet_table_append(out, row, nh, i + 2);
    }
    free(col_at);
    free(cells);
    free(row);
    free(headers);
}

/* ------------------------------------------------------------------------------------------ */
/* Trabajadores                                                                                */
/* ------------------------------------------------------------------------------------------ */

static const char *const default_worker_headers[] = {"Id", "Nombre", "Apellido", "Activo"};

typedef struct worker_ctx {
    sheets_t *sh;
    int legacy; /* Id, Nombre, Apellido, Rol, Activo */
} worker_ctx_t;

static int parse_worker(void *ctx, const sheet_row_t *row, void *slot, sheet_report_t *rep)
{
    const worker_ctx_t *c = ctx;
    sheet_worker_t *w = slot;
    int64_t id;
    if (sheet_codec__parse_int(sheet_row_cell(row, 0), &id) != 0 || id <= 0) {
        sheet_codec__bad_row(rep, row, "Id '%s' no es un entero positivo", sheet_row_cell(row, 0));
        return SHEET_ROW_BAD;
    }
    w->worker.id = id;
    if (sheet_codec__put(w->worker.nombre, sizeof w->worker.nombre, sheet_row_cell(row, 1)) ||
        sheet_codec__blank(w->worker.nombre) ||
        sheet_codec__put(w->worker.apellido, sizeof w->worker.apellido, sheet_row_cell(row, 2)) ||
        sheet_codec__blank(w->worker.apellido)) {
        sheet_codec__bad_row(rep, row, "Nombre y Apellido son obligatorios");
        return SHEET_ROW_BAD;
    }
    if (c->legacy &&
        (sheet_codec__put(w->worker.rol, sizeof w->worker.rol, sheet_row_cell(row, 3)) ||
         zrole_parse(w->worker.rol) < 0)) {
        sheet_codec__bad_row(rep, row, "Rol '%s' desconocido", sheet_row_cell(row, 3));
        return SHEET_ROW_BAD;
    }
    if (sheet_codec__put(w->activo, sizeof w->activo, sheet_row_cell(row, c->legacy ? 4 : 3))) {
        sheet_codec__bad_row(rep, row, "Activo debe ser TRUE o FALSE");
        return SHEET_ROW_BAD;
    }
    w->worker.activo = sheet_codec_activo(w->activo);
    for (size_t i = 0; i < c->sh->n_workers; i++)
        if (c->sh->workers[i].worker.id == id) {
            sheet_codec__bad_row(rep, row, "Id %lld repetido", (long long)id);
            return SHEET_ROW_BAD;
        }
    return SHEET_ROW_KEEP;
}

int sheet_codec_read_trabajadores(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep)
{
    if (t->count == 0 || t->rows[0].count < 4)
        return sheet_codec__refuse(rep, "%s necesita encabezados Id, Nombre, Apellido, Activo",
                                   sheet_codec__source(rep));
    const sheet_row_t *h = &t->rows[0];
    /* The layout is decided by the header row, not by the length of each data row (a padded
     * row once made every worker disappear in the original). */
    char key[64];
    names_header_normalize(h->count >= 5 ? h->cells[3] : "", key, sizeof key);
    worker_ctx_t c = {.sh = out, .legacy = h->count >= 5 && strcmp(key, "rol") == 0};
    out->worker_headers = sheet_codec__copy_strv(h->cells, h->count);
    out->n_worker_headers = h->count;
    out->workers = xmalloc(sheet_codec__data_rows(t) * sizeof *out->workers);
    sheet_codec__read_rows(t, out->workers, sizeof *out->workers, &out->n_workers, parse_worker,
                           &c, rep);
    return ZE_OK;
}

void sheet_codec_write_trabajadores(const sheets_t *in, sheet_table_t *out)
{
    size_t nh = in->n_worker_headers;
    const char *const *headers = (const char *const *)in->worker_headers;
    if (nh < 4) {
        headers = default_worker_headers;
        nh = 4;
    }
    sheet_table_append(out, headers, nh, 1);
    int legacy = nh >= 5;
    for (size_t i = 0; i < in->n_workers; i++) {
        const sheet_worker_t *w = &in->workers[i];
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)w->worker.id);
        const char *row[5] = {id, w->worker.nombre, w->worker.apellido,
                              legacy ? w->worker.rol : w->activo, w->activo};
        sheet_table_append(out, row, legacy ? 5 : 4, i + 2);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Roles                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static const char *const default_role_headers[] = {"Id", "Rol", "Activo"};

static int parse_role(void *ctx, const sheet_row_t *row, void *slot, sheet_report_t *rep)
{
    (void)ctx;
    sheet_role_t *r = slot;
    if (row->count < 3 || sheet_codec__parse_int(sheet_row_cell(row, 0), &r->worker_id) != 0 ||
        r->worker_id <= 0) {
        sheet_codec__bad_row(rep, row, "Id '%s' no es un entero positivo", sheet_row_cell(row, 0));
        return SHEET_ROW_BAD;
    }
    if (sheet_codec__put(r->rol, sizeof r->rol, sheet_row_cell(row, 1)) ||
        zrole_parse(r->rol) < 0) {
        sheet_codec__bad_row(rep, row, "Rol '%s' desconocido", sheet_row_cell(row, 1));
        return SHEET_ROW_BAD;
    }
    if (sheet_codec__put(r->activo, sizeof r->activo, sheet_row_cell(row, 2))) {
        sheet_codec__bad_row(rep, row, "Activo debe ser TRUE o FALSE");
        return SHEET_ROW_BAD;
    }
    return SHEET_ROW_KEEP;
}

int sheet_codec_read_roles(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep)
{
    if (t->count == 0 || t->rows[0].count < 3)
        return sheet_codec__refuse(rep, "%s necesita encabezados Id, Rol, Activo",
                                   sheet_codec__source(rep));
    out->role_headers = sheet_codec__copy_strv(t->rows[0].cells, t->rows[0].count);
    out->n_role_headers = t->rows[0].count;
    out->roles = xmalloc(sheet_codec__data_rows(t) * sizeof *out->roles);
    sheet_codec__read_rows(t, out->roles, sizeof *out->roles, &out->n_roles, parse_role, NULL, rep);
    return ZE_OK;
}

void sheet_codec_write_roles(const sheets_t *in, sheet_table_t *out)
{
    size_t nh = in->n_role_headers;
    const char *const *headers = (const char *const *)in->role_headers;
    if (nh < 3) {
        headers = default_role_headers;
        nh = 3;
    }
    sheet_table_append(out, headers, nh, 1);
    for (size_t i = 0; i < in->n_roles; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)in->roles[i].worker_id);
        const char *row[3] = {id, in->roles[i].rol, in->roles[i].activo};
        sheet_table_append(out, row, 3, i + 2);
    }
}
