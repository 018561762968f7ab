/* Push planning: key lookup, owned columns, conflicts (see sheets_plan.h). */
#include "core/sheets_plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "util/alloc.h"

static const char *const op_keys[] = {"TAG_SPOOL"};
static const char *const op_owned[] = {
    "Fecha_Armado",   "Armador",        "Fecha_Soldadura", "Soldador",
    "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion", "version",
    "Estado_Detalle", "Total_Uniones",  "Uniones_ARM_Completadas", "Uniones_SOLD_Completadas",
    "Pulgadas_ARM",   "Pulgadas_SOLD",  "Notas",
};
const sheets_spec_t sheets_spec_operaciones = {"Operaciones", op_keys, 1, op_owned,
                                               sizeof op_owned / sizeof op_owned[0], 0};

static const char *const un_keys[] = {"TAG_SPOOL", "N_UNION"};
static const char *const un_owned[] = {"DN_UNION",         "TIPO_UNION",    "ARM_FECHA_INICIO",
                                       "ARM_FECHA_FIN",    "ARM_WORKER",    "SOL_FECHA_INICIO",
                                       "SOL_FECHA_FIN",    "SOL_WORKER"};
const sheets_spec_t sheets_spec_uniones = {"Uniones", un_keys, 2, un_owned,
                                           sizeof un_owned / sizeof un_owned[0], 1};

static void norm(const sheets_spec_t *spec, const char *h, char *out, size_t n)
{
    if (spec->v4_names) names_header_key(h, out, n);
    else names_header_normalize(h, out, n);
}

int sheets_plan_find_col(const sheets_spec_t *spec, const sheet_row_t *row, const char *header)
{
    char want[256], got[256];
    norm(spec, header, want, sizeof want);
    int at = -1;
    for (size_t i = 0; i < row->count; i++) {
        norm(spec, row->cells[i], got, sizeof got);
        if (got[0] && strcmp(got, want) == 0) at = (int)i;
    }
    return at;
}

/* Appends cell text trimmed of spaces and tabs at both ends. */
static size_t put_trimmed(char *out, size_t n, size_t at, const char *s)
{
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    for (size_t i = 0; i < len && at + 1 < n; i++) out[at++] = s[i];
    if (at < n) out[at] = '\0';
    return at;
}

void sheets_plan_key(const sheets_spec_t *spec, const int *key_cols, const sheet_row_t *row,
                     char *out, size_t n)
{
    size_t at = 0;
    if (n) out[0] = '\0';
    for (size_t k = 0; k < spec->n_keys; k++) {
        if (k && at + 1 < n) out[at++] = SHEETS_KEY_SEP, out[at] = '\0';
        const char *v = key_cols[k] >= 0 ? sheet_row_cell(row, (size_t)key_cols[k]) : "";
        at = put_trimmed(out, n, at, v);
    }
}

void sheets_key_union(const char *tag, int n, char *out, size_t len)
{
    snprintf(out, len, "%s%c%d", tag, SHEETS_KEY_SEP, n);
}

size_t sheets_key_first_len(const char *key)
{
    const char *sep = strchr(key, SHEETS_KEY_SEP);
    return sep ? (size_t)(sep - key) : strlen(key);
}

void sheets_key_printable(char *key)
{
    for (char *q = key; *q; q++)
        if (*q == SHEETS_KEY_SEP) *q = '+';
}

/* ---- a small open-addressing map: key text -> sheet row ---- */

typedef struct kmap {
    char **keys;
    int *rows;
    size_t cap;
} kmap_t;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void kmap_init(kmap_t *m, size_t n)
{
    m->cap = 16;
    while (m->cap < n * 2 + 1) m->cap *= 2;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->rows = xcalloc(m->cap, sizeof *m->rows);
}

/* Inserts key -> row unless present; 1 when inserted, 0 when the key was there. */
static int kmap_put(kmap_t *m, const char *key, int row)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) return 0;
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = xstrdup(key);
    m->rows[i] = row;
    return 1;
}

static int kmap_get(const kmap_t *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) return m->rows[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

static void kmap_deinit(kmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->rows);
}

/* ---- the plan ---- */

static void add_cell(sheets_plan_t *p, size_t *cap, int row, int col, const char *v)
{
    if (p->n_cells == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        p->cells = xrealloc(p->cells, *cap * sizeof *p->cells);
    }
    p->cells[p->n_cells++] = (sheets_cell_t){row, col, v};
}

static void add_conflict(sheets_plan_t *p, const char *key, const char *header, const char *sv,
                         const char *ov, int row)
{
    p->conflicts = xrealloc(p->conflicts, (p->n_conflicts + 1) * sizeof *p->conflicts);
    sheets_conflict_t *c = &p->conflicts[p->n_conflicts++];
    c->key = xstrdup(key);
    sheets_key_printable(c->key);
    c->header = xstrdup(header);
    c->sheet_value = xstrdup(sv);
    c->our_value = xstrdup(ov);
    c->row = row;
}

/* Compares two cells as the sheet shows them: trailing blanks are not data. */
static int same_cell(const char *a, const char *b) { return strcmp(a, b) == 0; }

int sheets_plan_build(const sheets_spec_t *spec, const sheet_table_t *have, int full,
                      const sheet_table_t *want, sheets_dirty_fn dirty, void *ud,
                      sheets_plan_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (have->count == 0 || want->count == 0) {
        snprintf(err, errlen, "%s: the sheet has no header row (run `zeues sheets init`)",
                 spec->title);
        return ZE_VALIDATION_ERROR;
    }
    const sheet_row_t *hh = &have->rows[0], *wh = &want->rows[0];
    int hkeys[2] = {-1, -1}, wkeys[2] = {-1, -1};
    for (size_t k = 0; k < spec->n_keys && k < 2; k++) {
        hkeys[k] = sheets_plan_find_col(spec, hh, spec->keys[k]);
        wkeys[k] = sheets_plan_find_col(spec, wh, spec->keys[k]);
        if (hkeys[k] < 0) {
            snprintf(err, errlen, "%s: the sheet's header row has no column %s", spec->title,
                     spec->keys[k]);
            return ZE_VALIDATION_ERROR;
        }
        if (wkeys[k] < 0) {
            snprintf(err, errlen, "%s: the store's layout has no column %s", spec->title,
                     spec->keys[k]);
            return ZE_VALIDATION_ERROR;
        }
    }
    /* Sheet column -> want column by header; owned sheet columns in sheet order. */
    out->n_have_cols = hh->count;
    out->have_to_want = xcalloc(hh->count ? hh->count : 1, sizeof *out->have_to_want);
    for (size_t j = 0; j < hh->count; j++) {
        out->have_to_want[j] = -1;
        if (hh->cells[j][0]) out->have_to_want[j] = sheets_plan_find_col(spec, wh, hh->cells[j]);
    }
    int owned_h[32], owned_w[32];
    size_t n_owned = 0;
    for (size_t o = 0; o < spec->n_owned && n_owned < 32; o++) {
        int hc = sheets_plan_find_col(spec, hh, spec->owned[o]);
        int wc = sheets_plan_find_col(spec, wh, spec->owned[o]);
        if (hc < 0 || wc < 0) continue; /* a column the sheet or the layout does not have */
        owned_h[n_owned] = hc;
        owned_w[n_owned++] = wc;
    }
    /* Sort the owned columns by sheet position, so cells come out in column order. */
    for (size_t a = 1; a < n_owned; a++)
        for (size_t b = a; b > 0 && owned_h[b - 1] > owned_h[b]; b--) {
            int t = owned_h[b];
            owned_h[b] = owned_h[b - 1], owned_h[b - 1] = t;
            t = owned_w[b];
            owned_w[b] = owned_w[b - 1], owned_w[b - 1] = t;
        }
    kmap_t m;
    kmap_init(&m, have->count);
    char key[512];
    for (size_t i = 1; i < have->count; i++) {
        sheets_plan_key(spec, hkeys, &have->rows[i], key, sizeof key);
        if (!key[0] || (spec->n_keys == 2 && (key[0] == SHEETS_KEY_SEP || key[strlen(key) - 1] == SHEETS_KEY_SEP)))
            continue;
        if (!kmap_put(&m, key, (int)i)) out->duplicate_keys++;
    }
    size_t cap = 0;
    for (size_t i = 1; i < want->count; i++) {
        const sheet_row_t *wr = &want->rows[i];
        sheets_plan_key(spec, wkeys, wr, key, sizeof key);
        if (!key[0] || (spec->n_keys == 2 && key[0] == SHEETS_KEY_SEP)) continue;
        int is_dirty = dirty ? dirty(ud, key) : 1;
        int hr = kmap_get(&m, key);
        if (hr < 0) {
            if (full || is_dirty) {
                out->append = xrealloc(out->append, (out->n_append + 1) * sizeof *out->append);
                out->append[out->n_append++] = i;
            }
            continue;
        }
        if (!full && !is_dirty) continue;
        const sheet_row_t *row = &have->rows[hr];
        for (size_t o = 0; o < n_owned; o++) {
            const char *ours = sheet_row_cell(wr, (size_t)owned_w[o]);
            if (full) {
                const char *theirs = sheet_row_cell(row, (size_t)owned_h[o]);
                if (same_cell(ours, theirs)) continue;
                if (!is_dirty)
                    add_conflict(out, key, hh->cells[owned_h[o]], theirs, ours, hr + 1);
            }
            add_cell(out, &cap, hr + 1, owned_h[o], ours);
        }
    }
    kmap_deinit(&m);
    return ZE_OK;
}

int sheets_plan_deletes(const sheets_spec_t *spec, const sheet_table_t *have,
                        const char *const *gone, size_t n_gone, int **rows, size_t *n_rows,
                        char *err, size_t errlen)
{
    *rows = NULL;
    *n_rows = 0;
    if (have->count == 0) {
        snprintf(err, errlen, "%s: the sheet has no header row (run `zeues sheets init`)",
                 spec->title);
        return ZE_VALIDATION_ERROR;
    }
    int cols[2] = {-1, -1};
    for (size_t k = 0; k < spec->n_keys && k < 2; k++) {
        cols[k] = sheets_plan_find_col(spec, &have->rows[0], spec->keys[k]);
        if (cols[k] < 0) {
            snprintf(err, errlen, "%s: the sheet's header row has no column %s", spec->title,
                     spec->keys[k]);
            return ZE_VALIDATION_ERROR;
        }
    }
    kmap_t m;
    kmap_init(&m, n_gone);
    for (size_t i = 0; i < n_gone; i++) kmap_put(&m, gone[i], 1);
    char key[512];
    size_t cap = 0;
    /* Bottom up: a deletion moves only the rows below it, none of which is still to go. */
    for (size_t i = have->count; i-- > 1;) {
        sheets_plan_key(spec, cols, &have->rows[i], key, sizeof key);
        if (!key[0] || kmap_get(&m, key) < 0) continue;
        if (*n_rows == cap) {
            cap = cap ? cap * 2 : 8;
            *rows = xrealloc(*rows, cap * sizeof **rows);
        }
        (*rows)[(*n_rows)++] = (int)i + 1;
    }
    kmap_deinit(&m);
    return ZE_OK;
}

void sheets_plan_deinit(sheets_plan_t *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n_conflicts; i++) {
        free(p->conflicts[i].key);
        free(p->conflicts[i].header);
        free(p->conflicts[i].sheet_value);
        free(p->conflicts[i].our_value);
    }
    free(p->conflicts);
    free(p->cells);
    free(p->append);
    free(p->have_to_want);
    memset(p, 0, sizeof *p);
}

long sheets_metadata_confirmed(const char *const *col_a, size_t n_a, const char *const *pend,
                               size_t n)
{
    long best = -1;
    int looked = 0;
    for (size_t j = n_a; j-- > 0 && looked < 64;) {
        const char *id = col_a[j];
        if (!id || !id[0]) continue;
        looked++;
        for (size_t i = n; i-- > 0;)
            if ((long)i > best && strcmp(pend[i], id) == 0) {
                best = (long)i;
                break;
            }
    }
    return best;
}
