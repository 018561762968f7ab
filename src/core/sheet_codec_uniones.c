/* The Uniones sheet in the sheet codec (domain-v4 §3): its reader and writer, and the union
 * counters of Operaciones computed from it (domain-v4 §5). Lookups by TAG_SPOOL and by
 * TAG_SPOOL + N_UNION go through a small hash index, so a plant of 10,000 spools and 50,000
 * unions is read in linear time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "core/sheet_codec.h"
#include "core/sheet_codec_int.h"
#include "core/unions.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/tz.h"

/* ------------------------------------------------------------------------------------------ */
/* Columns                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The tracked columns of Uniones; every other one (ID, NDT_*, version, ...) is kept verbatim. */
typedef enum ucol {
    UCOL_OT = 0,
    UCOL_N,
    UCOL_TAG,
    UCOL_DN,
    UCOL_TIPO,
    UCOL_ARM_INICIO,
    UCOL_ARM_FIN,
    UCOL_ARM_WORKER,
    UCOL_SOL_INICIO,
    UCOL_SOL_FIN,
    UCOL_SOL_WORKER,
    UCOL_COUNT
} ucol_t;

static const char *const ucol_header[UCOL_COUNT] = {
    "OT",           "N_UNION",          "TAG_SPOOL",     "DN_UNION",
    "TIPO_UNION",   "ARM_FECHA_INICIO", "ARM_FECHA_FIN", "ARM_WORKER",
    "SOL_FECHA_INICIO", "SOL_FECHA_FIN", "SOL_WORKER"};

/* domain-v4 §3.1, in the order of the staging sheet. */
static const char *const default_headers[SHEET_UNIONES_COLS] = {
    "ID",         "OT",           "N_UNION",       "TAG_SPOOL",  "DN_UNION",   "TIPO_UNION",
    "ARM_FECHA_INICIO", "ARM_FECHA_FIN", "ARM_WORKER", "SOL_FECHA_INICIO", "SOL_FECHA_FIN",
    "SOL_WORKER", "NDT_UNION",    "R_NDT_UNION",   "NDT_FECHA",  "NDT_STATUS", "version"};

/* The codes a union row may carry (domain-v4 §3.3: the SOLD set, MIT, FW and the seed's SW/TW). */
static const char *const tipos[] = {"BW", "SO", "FILL", "BR", "MIT", "LET", "FW", "SW", "TW"};

const char *sheet_codec_uniones_header(size_t i)
{
    return i < SHEET_UNIONES_COLS ? default_headers[i] : "";
}

typedef struct umap {
    int index[UCOL_COUNT]; /* layout index of each tracked column, -1 when absent */
    int id;                /* layout index of ID, -1 when absent (the writer fills it) */
} umap_t;

/* Maps a header row by the v4 key (names_header_key): the full header, and the text before its
 * first '/' as an alias; right-most wins. */
static void umap_build(umap_t *m, const char *const *h, size_t n)
{
    char key[256], want[64], alias[256];
    for (int c = 0; c < UCOL_COUNT; c++) m->index[c] = -1;
    m->id = -1;
    for (size_t i = 0; i < n; i++) {
        if (!h[i] || !h[i][0]) continue;
        names_header_key(h[i], key, sizeof key);
        alias[0] = '\0';
        const char *slash = strchr(h[i], '/');
        if (slash) {
            size_t len = (size_t)(slash - h[i]);
            char pre[256];
            if (len >= sizeof pre) len = sizeof pre - 1;
            memcpy(pre, h[i], len);
            pre[len] = '\0';
            names_header_key(pre, alias, sizeof alias);
        }
        if (strcmp(key, "id") == 0 || strcmp(alias, "id") == 0) m->id = (int)i;
        for (int c = 0; c < UCOL_COUNT; c++) {
            names_header_key(ucol_header[c], want, sizeof want);
            if (strcmp(key, want) == 0 || (alias[0] && strcmp(alias, want) == 0))
                m->index[c] = (int)i;
        }
    }
}

static int umap_col_at(const umap_t *m, size_t i)
{
    for (int c = 0; c < UCOL_COUNT; c++)
        if (m->index[c] == (int)i) return c;
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* A hash index of (TAG_SPOOL, N) -> element                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct kslot {
    const char *tag; /* borrowed from the element */
    int n;
    size_t value;    /* element index + 1; 0 = empty slot */
} kslot_t;

typedef struct kindex {
    kslot_t *slots;
    size_t mask;
} kindex_t;

static void kindex_init(kindex_t *k, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2) cap *= 2;
    k->slots = xcalloc(cap, sizeof *k->slots);
    k->mask = cap - 1;
}

static void kindex_deinit(kindex_t *k)
{
    free(k->slots);
    k->slots = NULL;
}

/* FNV-1a over the tag and n. */
static size_t khash(const char *tag, int n)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ (unsigned)n) * 1099511628211ULL;
    return (size_t)h;
}

/* The slot of (tag, n): the one holding it, or the empty one where it would go. */
static kslot_t *kindex_slot(const kindex_t *k, const char *tag, int n)
{
    size_t i = khash(tag, n) & k->mask;
    while (k->slots[i].value && (k->slots[i].n != n || strcmp(k->slots[i].tag, tag) != 0))
        i = (i + 1) & k->mask;
    return &k->slots[i];
}

/* Element index of (tag, n), or -1. */
static long kindex_find(const kindex_t *k, const char *tag, int n)
{
    const kslot_t *s = kindex_slot(k, tag, n);
    return s->value ? (long)(s->value - 1) : -1;
}

/* Adds (tag, n) -> index unless present; tag must outlive the index. */
static void kindex_put(kindex_t *k, const char *tag, int n, size_t index)
{
    kslot_t *s = kindex_slot(k, tag, n);
    if (!s->value) *s = (kslot_t){tag, n, index + 1};
}

/* The spools of sh by tag (n = 0). */
static void index_spools(const sheets_t *sh, kindex_t *k)
{
    kindex_init(k, sh->n_spools);
    for (size_t i = 0; i < sh->n_spools; i++) kindex_put(k, sh->spools[i].spool.tag, 0, i);
}

/* ------------------------------------------------------------------------------------------ */
/* Reader                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct union_ctx {
    sheets_t *sh;
    umap_t m;
    int *col_at;        /* layout index -> tracked column, -1 for a verbatim one */
    int check_spools;   /* Operaciones was read: a TAG must be one of its spools */
    kindex_t spools;    /* tag -> spool, when check_spools */
    kindex_t seen;      /* (tag, n) -> union kept */
} union_ctx_t;

#define U_CELL(row, c, col) sheet_codec__cell((row), (c)->m.index[(col)])

/* An OT cell as text: trimmed, and a number with a zero fraction in canonical form (a numeric
 * cell read unformatted is 1234.0; the OT is 1234). -1 when it does not fit. */
static int ot_cell(const char *v, char *out, size_t n)
{
    if (sheet_codec__put(out, n, v) != 0) return -1;
    char *dot = strchr(out, '.');
    if (!dot || dot == out) return 0;
    for (const char *p = out; p < dot; p++)
        if (*p < '0' || *p > '9') return 0;
    for (const char *p = dot + 1; *p; p++)
        if (*p != '0') return 0;
    *dot = '\0';
    return 0;
}

static int tipo_known(const char *t)
{
    for (size_t i = 0; i < sizeof tipos / sizeof tipos[0]; i++)
        if (strcmp(t, tipos[i]) == 0) return 1;
    return 0;
}

/* A date-time cell into unix seconds (0 = empty); -1 (reported) when it is not one. */
static int when_cell(sheet_report_t *rep, const sheet_row_t *row, const union_ctx_t *c,
                     ucol_t col, int64_t *out)
{
    const char *v = U_CELL(row, c, col);
    zdatetime_t dt;
    *out = 0;
    if (sheet_codec__blank(v)) return 0;
    if (zdatetime_parse(v, &dt) != 0 || dt.date == ZDATE_NONE) {
        sheet_codec__bad_row(rep, row, "%s '%s' no es una fecha y hora válida", ucol_header[col],
                             v);
        return -1;
    }
    *out = tz_from_datetime(&dt);
    return 0;
}

/* N_UNION, DN_UNION and TIPO_UNION of row into u; -1 (reported) when one is unusable. */
static int key_fields(sheet_report_t *rep, const sheet_row_t *row, const union_ctx_t *c,
                      zunion_t *u)
{
    const char *v = U_CELL(row, c, UCOL_N);
    int64_t h;
    if (zunion_parse_c(v, &h) != 0 || h % 100 != 0 || h < 100 || h > 100 * ZUNION_MAX) {
        sheet_codec__bad_row(rep, row, "N_UNION '%s' debe ser un entero de 1 a %d", v,
                             ZUNION_MAX);
        return -1;
    }
    u->n = (int)(h / 100);
    v = U_CELL(row, c, UCOL_DN);
    if (!sheet_codec__blank(v) && (zunion_parse_c(v, &u->dn_c) != 0 || u->dn_c <= 0 ||
                                   u->dn_c > 5000)) {
        sheet_codec__bad_row(rep, row, "DN_UNION '%s' debe ser un número mayor que 0 y hasta 50",
                             v);
        return -1;
    }
    v = U_CELL(row, c, UCOL_TIPO);
    if (sheet_codec__put(u->tipo, sizeof u->tipo, v) != 0 ||
        (u->tipo[0] && !tipo_known(u->tipo))) {
        sheet_codec__bad_row(rep, row,
                             "TIPO_UNION '%s' desconocido (BW, SO, FILL, BR, MIT, LET, FW, SW, TW)",
                             v);
        return -1;
    }
    return 0;
}

static int union_fields(sheet_report_t *rep, const sheet_row_t *row, const union_ctx_t *c,
                        zunion_t *u)
{
    if (sheet_codec__put(u->tag, sizeof u->tag, U_CELL(row, c, UCOL_TAG)) != 0) {
        sheet_codec__bad_row(rep, row, "TAG_SPOOL demasiado largo (máx. %d bytes)", ZTAG_MAX - 1);
        return -1;
    }
    if (!u->tag[0]) {
        sheet_codec__bad_row(rep, row, "TAG_SPOOL vacío");
        return -1;
    }
    if (!names_utf8_valid(u->tag, strlen(u->tag))) {
        sheet_codec__bad_row(rep, row, "TAG_SPOOL no es UTF-8 válido");
        return -1;
    }
    if (key_fields(rep, row, c, u) != 0) return -1;
    if (ot_cell(U_CELL(row, c, UCOL_OT), u->ot, sizeof u->ot) != 0 ||
        sheet_codec__put(u->arm_worker, sizeof u->arm_worker, U_CELL(row, c, UCOL_ARM_WORKER)) ||
        sheet_codec__put(u->sol_worker, sizeof u->sol_worker, U_CELL(row, c, UCOL_SOL_WORKER))) {
        sheet_codec__bad_row(rep, row, "un texto supera el largo admitido");
        return -1;
    }
    if (when_cell(rep, row, c, UCOL_ARM_INICIO, &u->arm_inicio) ||
        when_cell(rep, row, c, UCOL_ARM_FIN, &u->arm_fin) ||
        when_cell(rep, row, c, UCOL_SOL_INICIO, &u->sol_inicio) ||
        when_cell(rep, row, c, UCOL_SOL_FIN, &u->sol_fin))
        return -1;
    return 0;
}

static int parse_union(void *ctx, const sheet_row_t *row, void *slot, sheet_report_t *rep)
{
    union_ctx_t *c = ctx;
    sheet_union_t *su = slot;
    zunion_t *u = &su->u;
    su->line = row->line;
    if (union_fields(rep, row, c, u) != 0) return SHEET_ROW_BAD;
    if (c->check_spools && kindex_find(&c->spools, u->tag, 0) < 0) {
        sheet_codec__bad_row(rep, row, "TAG_SPOOL '%s' no es un spool de Operaciones", u->tag);
        return SHEET_ROW_BAD;
    }
    if (kindex_find(&c->seen, u->tag, u->n) >= 0) {
        sheet_codec__bad_row(rep, row, "N_UNION %d de '%s' repetido", u->n, u->tag);
        return SHEET_ROW_BAD;
    }
    kindex_put(&c->seen, u->tag, u->n, c->sh->n_unions);
    u->version = 0;
    size_t nh = c->sh->n_union_headers;
    su->extra = xcalloc(nh ? nh : 1, sizeof(char *));
    for (size_t i = 0; i < row->count && i < nh; i++)
        if (c->col_at[i] < 0) su->extra[i] = xstrdup(row->cells[i]);
    return SHEET_ROW_KEEP;
}

int sheet_codec_read_uniones(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep)
{
    out->has_unions = 1;
    if (t->count == 0)
        return sheet_codec__refuse(rep, "%s no tiene fila de encabezados",
                                   sheet_codec__source(rep));
    const sheet_row_t *h = &t->rows[0];
    union_ctx_t c = {.sh = out, .check_spools = out->n_op_headers > 0};
    umap_build(&c.m, (const char *const *)h->cells, h->count);
    static const ucol_t required[] = {UCOL_TAG, UCOL_N};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (c.m.index[required[i]] < 0)
            return sheet_codec__refuse(rep, "%s: falta la columna obligatoria '%s'",
                                       sheet_codec__source(rep), ucol_header[required[i]]);
    size_t nh = h->count;
    out->union_headers = sheet_codec__copy_strv(h->cells, nh);
    for (int col = 0; col < UCOL_COUNT; col++)
        if (c.m.index[col] < 0) {
            out->union_headers = xrealloc(out->union_headers, (nh + 1) * sizeof(char *));
            out->union_headers[nh] = xstrdup(ucol_header[col]);
            c.m.index[col] = (int)nh++;
        }
    out->n_union_headers = nh;
    c.col_at = xmalloc(nh * sizeof *c.col_at);
    for (size_t i = 0; i < nh; i++) c.col_at[i] = umap_col_at(&c.m, i);
    if (c.check_spools) index_spools(out, &c.spools);
    size_t cap = sheet_codec__data_rows(t);
    kindex_init(&c.seen, cap);
    out->unions = xmalloc(cap * sizeof *out->unions);
    sheet_codec__read_rows(t, out->unions, sizeof *out->unions, &out->n_unions, parse_union, &c,
                           rep);
    if (c.check_spools) kindex_deinit(&c.spools);
    kindex_deinit(&c.seen);
    free(c.col_at);
    return ZE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Room for a tracked union cell: a worker name, a date-time, a number. */
#define UCELL_MAX 160

static void when_text(int64_t t, char *out, size_t n)
{
    if (t) tz_format_dmy_hms(t, out, n);
}

static void utracked_cell(const zunion_t *u, ucol_t col, char *out, size_t n)
{
    out[0] = '\0';
    switch (col) {
    case UCOL_OT: snprintf(out, n, "%s", u->ot); break;
    case UCOL_N: snprintf(out, n, "%d", u->n); break;
    case UCOL_TAG: snprintf(out, n, "%s", u->tag); break;
    case UCOL_DN:
        if (u->dn_c > 0) zunion_format_c(u->dn_c, out, n);
        break;
    case UCOL_TIPO: snprintf(out, n, "%s", u->tipo); break;
    case UCOL_ARM_INICIO: when_text(u->arm_inicio, out, n); break;
    case UCOL_ARM_FIN: when_text(u->arm_fin, out, n); break;
    case UCOL_ARM_WORKER: snprintf(out, n, "%s", u->arm_worker); break;
    case UCOL_SOL_INICIO: when_text(u->sol_inicio, out, n); break;
    case UCOL_SOL_FIN: when_text(u->sol_fin, out, n); break;
    case UCOL_SOL_WORKER: snprintf(out, n, "%s", u->sol_worker); break;
    case UCOL_COUNT: break;
    }
}

/* The ID a union created by ZEUES gets, as the original's guardar wrote it: {OT}+{N}. */
static void synth_id(const zunion_t *u, char *out, size_t n)
{
    char ot[ZOT_MAX];
    if (sheet_codec__put(ot, sizeof ot, u->ot) != 0 || !ot[0]) {
        out[0] = '\0';
        return;
    }
    snprintf(out, n, "%s+%d", ot, u->n);
}

void sheet_codec_write_uniones(const sheets_t *in, sheet_table_t *out)
{
    const char *const *headers = (const char *const *)in->union_headers;
    size_t nh = in->n_union_headers;
    if (nh == 0) {
        headers = default_headers;
        nh = SHEET_UNIONES_COLS;
    }
    umap_t m;
    umap_build(&m, headers, nh);
    sheet_table_append(out, headers, nh, 1);
    const char **row = xcalloc(nh, sizeof *row);
    char(*cells)[UCELL_MAX] = xcalloc(nh, sizeof *cells);
    int *col_at = xmalloc(nh * sizeof *col_at);
    for (size_t j = 0; j < nh; j++) col_at[j] = umap_col_at(&m, j);
    for (size_t i = 0; i < in->n_unions; i++) {
        const sheet_union_t *su = &in->unions[i];
        for (size_t j = 0; j < nh; j++) {
            row[j] = "";
            if (col_at[j] >= 0) {
                utracked_cell(&su->u, (ucol_t)col_at[j], cells[j], sizeof cells[j]);
                row[j] = cells[j];
            } else if (su->extra && j < in->n_union_headers) {
                if (su->extra[j]) row[j] = su->extra[j];
            } else if ((int)j == m.id) {
                synth_id(&su->u, cells[j], sizeof cells[j]);
                row[j] = cells[j];
            }
        }
        sheet_table_append(out, row, nh, i + 2);
    }
    free(col_at);
    free(cells);
    free(row);
}

/* ------------------------------------------------------------------------------------------ */
/* Counters                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Adds union u to the counters of s (which start at 0). */
static void count_union(const zunion_t *u, spool_t *s)
{
    s->total_uniones++;
    if (!zunion_complete(u)) return; /* incomplete: invisible to progress (§3.2) */
    if (u->arm_fin) {
        s->uniones_arm_done++;
        s->pulgadas_arm_c += u->dn_c;
    }
    if (u->sol_fin) {
        s->uniones_sold_done++;
        s->pulgadas_sold_c += u->dn_c;
    }
}

static void counters_zero(spool_t *s)
{
    s->total_uniones = s->uniones_arm_done = s->uniones_sold_done = 0;
    s->pulgadas_arm_c = s->pulgadas_sold_c = 0;
}

void sheet_codec_union_counters(const zunion_t *u, size_t n, spool_t *s)
{
    counters_zero(s);
    for (size_t i = 0; i < n; i++) count_union(&u[i], s);
}

static void count_text(buf_t *b, const char *name, int was, int now)
{
    char w[16] = "";
    if (was >= 0) snprintf(w, sizeof w, "%d", was);
    buf_printf(b, "%s%s '%s' -> %d", b->len ? ", " : "", name, w, now);
}

static void pulgadas_text(buf_t *b, const char *name, int64_t was, int64_t now)
{
    char w[32] = "", nw[32];
    if (was >= 0) zunion_format_c(was, w, sizeof w);
    zunion_format_c(now, nw, sizeof nw);
    buf_printf(b, "%s%s '%s' -> %s", b->len ? ", " : "", name, w, nw);
}

/* Sets the counters of s to those of want, listing each one that differs in b. */
static void correct(spool_t *s, const spool_t *want, buf_t *b)
{
    if (s->total_uniones != want->total_uniones)
        count_text(b, "Total_Uniones", s->total_uniones, want->total_uniones);
    if (s->uniones_arm_done != want->uniones_arm_done)
        count_text(b, "Uniones_ARM_Completadas", s->uniones_arm_done, want->uniones_arm_done);
    if (s->uniones_sold_done != want->uniones_sold_done)
        count_text(b, "Uniones_SOLD_Completadas", s->uniones_sold_done, want->uniones_sold_done);
    if (s->pulgadas_arm_c != want->pulgadas_arm_c)
        pulgadas_text(b, "Pulgadas_ARM", s->pulgadas_arm_c, want->pulgadas_arm_c);
    if (s->pulgadas_sold_c != want->pulgadas_sold_c)
        pulgadas_text(b, "Pulgadas_SOLD", s->pulgadas_sold_c, want->pulgadas_sold_c);
    s->total_uniones = want->total_uniones;
    s->uniones_arm_done = want->uniones_arm_done;
    s->uniones_sold_done = want->uniones_sold_done;
    s->pulgadas_arm_c = want->pulgadas_arm_c;
    s->pulgadas_sold_c = want->pulgadas_sold_c;
}

size_t sheet_codec_reconcile_counters(sheets_t *sh, sheet_report_t *rep)
{
    if (sh->n_spools == 0 || sh->n_unions == 0) return 0;
    kindex_t k;
    index_spools(sh, &k);
    spool_t *acc = xcalloc(sh->n_spools, sizeof *acc);
    char *has = xcalloc(sh->n_spools, 1);
    for (size_t i = 0; i < sh->n_unions; i++) {
        long s = kindex_find(&k, sh->unions[i].u.tag, 0);
        if (s < 0) continue;
        if (!has[s]) counters_zero(&acc[s]);
        has[s] = 1;
        count_union(&sh->unions[i].u, &acc[s]);
    }
    size_t fixed = 0;
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < sh->n_spools; i++) {
        if (!has[i]) continue;
        spool_t *s = &sh->spools[i].spool;
        buf_reset(&b);
        correct(s, &acc[i], &b);
        if (!b.len) continue;
        fixed++;
        sheet_codec__warn(rep, sh->spools[i].line,
                          "TAG_SPOOL '%s': los contadores no coinciden con sus uniones (%s); se "
                          "guardan los calculados de Uniones",
                          s->tag, buf_str(&b));
    }
    buf_deinit(&b);
    free(has);
    free(acc);
    kindex_deinit(&k);
    return fixed;
}
