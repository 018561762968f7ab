/* The sheet row codec (src/core/sheet_codec.c) on tables of strings, as CSV files and the Google
 * Sheets API both deliver them: header mapping under column drift (domain-v3 §1.1; the drift
 * fixtures), the tracking state derived from Estado_Detalle, the Activo rule (§1.3, §1.4),
 * verbatim round trips of the columns ZEUES does not interpret (SPEC capability 10), bad rows
 * reported with their line and skipped, and the Trabajadores, Roles and Metadata sheets
 * (§1.3-§2.1); the v4 columns of Operaciones, the Uniones sheet and its counters, Metadata's N_UNION
 * (domain-v4 §2.1, §3, §5, §12). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheet_codec.h"
#include "util/tz.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

#define NCELLS(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
/* Appends a row at an explicit line / at the next line of t. */
#define ROWL(t, line, ...) sheet_table_append((t), (const char *const[]){__VA_ARGS__}, NCELLS(__VA_ARGS__), (line))
#define ROW(t, ...) ROWL((t), (t)->count + 1, __VA_ARGS__)

#define EXPECT_STR(name, got, want)                                                        \
    do {                                                                                   \
        const char *g_ = (got), *w_ = (want);                                              \
        if (strcmp(g_, w_) != 0) {                                                         \
            print_error("%s: %s = \"%s\", want \"%s\"\n", (name), #got, g_, w_);           \
            fail();                                                                        \
        }                                                                                  \
    } while (0)

#define EXPECT_INT(name, got, want)                                                        \
    do {                                                                                   \
        long long g_ = (long long)(got), w_ = (long long)(want);                           \
        if (g_ != w_) {                                                                    \
            print_error("%s: %s = %lld, want %lld\n", (name), #got, g_, w_);               \
            fail();                                                                        \
        }                                                                                  \
    } while (0)

/* Fails unless row holds exactly the n cells of want. */
static void expect_row(const char *name, const sheet_row_t *row, const char *const *want, size_t n)
{
    EXPECT_INT(name, row->count, n);
    for (size_t i = 0; i < n; i++) EXPECT_STR(name, row->cells[i], want[i]);
}

/* Unix time of a Santiago wall-clock time (the zone is set in main). */
static int64_t santiago(zdate_t d, int h, int m, int s)
{
    return tz_from_local(d, h * 3600 + m * 60 + s);
}

typedef struct bad_want {
    size_t line;
    const char *msg;
} bad_want_t;

static void expect_bad(const char *name, const sheet_report_t *rep, const bad_want_t *want, size_t n)
{
    for (size_t i = 0; i < rep->n_bad && i < n; i++) {
        EXPECT_INT(name, rep->bad[i].line, want[i].line);
        EXPECT_STR(name, rep->bad[i].msg, want[i].msg);
    }
    EXPECT_INT(name, rep->n_bad, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Tables                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_table_copies_cells(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT;
    char cell[] = "mutable";
    const char *cells[] = {cell, NULL, ""};
    sheet_table_append(&t, cells, 3, 7);
    cell[0] = 'X'; /* the table holds its own copy */
    sheet_table_append(&t, NULL, 0, 9);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.rows[0].line, 7);
    assert_string_equal(t.rows[0].cells[0], "mutable");
    assert_string_equal(t.rows[0].cells[1], ""); /* NULL is stored as "" */
    assert_string_equal(sheet_row_cell(&t.rows[0], 2), "");
    assert_string_equal(sheet_row_cell(&t.rows[0], 3), ""); /* ragged: past the end */
    assert_int_equal(t.rows[1].count, 0);
    assert_string_equal(sheet_row_cell(&t.rows[1], 0), "");
    for (int i = 0; i < 100; i++) ROW(&t, "a", "b"); /* growth keeps earlier rows */
    assert_string_equal(t.rows[0].cells[0], "mutable");
    assert_int_equal(t.rows[101].line, 102);
    sheet_table_deinit(&t);
    assert_int_equal(t.count, 0);
    ROW(&t, "again"); /* reusable after deinit */
    assert_string_equal(t.rows[0].cells[0], "again");
    sheet_table_deinit(&t);
    sheet_table_deinit(NULL);

    sheet_report_t rep = {.source = "src"};
    sheets_t sh = {0};
    sheet_table_t none = SHEET_TABLE_INIT;
    assert_int_equal(sheet_codec_read_operaciones(&none, &sh, &rep), ZE_VALIDATION_ERROR);
    sheet_report_deinit(&rep);
    assert_null(rep.err);
    assert_string_equal(rep.source, "src"); /* the source stays for the next sheet */
    sheet_report_deinit(NULL);
    sheets_free(&sh);
    sheets_free(NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Operaciones: header mapping under drift                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct col {
    const char *header;
    const char *value;
    int tracked; /* the codec types it (else it must come back verbatim) */
} col_t;

#define MAXCOLS 24
#define TAG "MK-1335-CW-25238-007"
#define ESTADO "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)"

/* A row of the plant's sheet: every tracked column plus untracked ones that are hard to keep
 * verbatim (a comma, quotes, CRLF and surrounding spaces, a `/` header, an empty cell). Tracked
 * cells are in canonical form so the round trip is byte-identical. */
static const col_t plant[] = {
    {"id", "7", 0},
    {"NV", "NV-ñ 11", 1},
    {"SPLIT", "S-07", 0},
    {"TAG_SPOOL", TAG, 1},
    {"Cliente", "Minera Ñandú, S.A.", 0},
    {"Notas", "  Revisar \"urgente\"\r\nsegunda línea  ", 1}, /* typed, but verbatim text */
    {"Fecha_Materiales", "15-01-2026", 1},
    {"Fecha_Armado", "", 1},
    {"Armador", "MR(93)", 1},
    {"Fecha_Soldadura", "", 1},
    {"Soldador", "", 1},
    {"Fecha_QC_Metrología", "", 1},
    {"OK NDT si/no/Rep", "si", 0},
    {"N°_Informe_UT_ RX", "", 0},
    {"Ocupado_Por", "MR(93)", 1},
    {"Fecha_Ocupacion", "21-01-2026 14:30:00", 1},
    {"version", "3", 1},
    {"Estado_Detalle", ESTADO, 1},
    {"Peso_Kg", "12,5", 0},
    {"OT", " 001 ", 1},                  /* typed, kept verbatim */
    {"Total_Uniones", "4", 1},
    {"Pulgadas_ARM", "12.5", 1},          /* a number, in the form the writer writes */
};
#define NPLANT (sizeof plant / sizeof plant[0])

static size_t find(const col_t *cols, size_t n, const char *header)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i].header, header) == 0) return i;
    fail_msg("no column %s", header);
    return 0;
}

static size_t drift_none(col_t *c)
{
    memcpy(c, plant, sizeof plant);
    return NPLANT;
}

/* tests/fixtures/drift/inserted: a column Engineering inserted before TAG_SPOOL. */
static size_t drift_inserted(col_t *c)
{
    size_t at = find(plant, NPLANT, "TAG_SPOOL");
    memcpy(c, plant, at * sizeof *c);
    c[at] = (col_t){"Codigo_Interno", "CI-0007", 0};
    memcpy(c + at + 1, plant + at, (NPLANT - at) * sizeof *c);
    return NPLANT + 1;
}

/* tests/fixtures/drift/reordered: every column reversed, TAG_SPOOL far to the right. */
static size_t drift_reordered(col_t *c)
{
    for (size_t i = 0; i < NPLANT; i++) c[i] = plant[NPLANT - 1 - i];
    return NPLANT;
}

/* tests/fixtures/drift/renamed: tracked headers spelled differently but equal after §1.1
 * normalisation (case, spaces, underscores; Í lower-cases to í), untracked ones renamed. */
static size_t drift_renamed(col_t *c)
{
    static const char *const names[][2] = {
        {"TAG_SPOOL", "Tag Spool"},          {"Fecha_Materiales", "FECHA MATERIALES"},
        {"Armador", "ARMADOR"},              {"Fecha_QC_Metrología", "FECHA_QC_METROLOGÍA"},
        {"Ocupado_Por", "ocupado por"},      {"Fecha_Ocupacion", "fecha_ocupacion"},
        {"version", "Version"},              {"Estado_Detalle", "ESTADO _ DETALLE"},
        {"NV", " n_v "},                     {"Cliente", "Cliente Final"},
        {"Notas", "Observaciones"},          {"Total_Uniones", "TOTAL UNIONES"},
    };
    memcpy(c, plant, sizeof plant);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        c[find(plant, NPLANT, names[k][0])].header = names[k][1];
    c[find(plant, NPLANT, "Notas")].tracked = 0; /* Observaciones is just another column */
    return NPLANT;
}

/* Two headers that normalise alike: the right-most one is the tracked column, the other is
 * kept verbatim like any untracked column. */
static size_t drift_duplicate(col_t *c)
{
    memcpy(c, plant, sizeof plant);
    c[find(plant, NPLANT, "Armador")].tracked = 0;
    c[NPLANT] = (col_t){"armador", "JP(96)", 1};
    return NPLANT + 1;
}

/* No TAG_SPOOL header: the spool key is the SPLIT column. */
static size_t drift_no_tag(col_t *c)
{
    size_t n = 0;
    for (size_t i = 0; i < NPLANT; i++) {
        if (strcmp(plant[i].header, "TAG_SPOOL") == 0) continue;
        c[n] = plant[i];
        if (strcmp(c[n].header, "SPLIT") == 0) c[n].tracked = 1;
        n++;
    }
    return n;
}

typedef struct drift_case {
    const char *name;
    size_t (*make)(col_t *cols);
    const char *tag;
    const char *armador;
} drift_case_t;

static const drift_case_t drift_cases[] = {
    {"as exported", drift_none, TAG, "MR(93)"},
    {"inserted", drift_inserted, TAG, "MR(93)"},
    {"reordered", drift_reordered, TAG, "MR(93)"},
    {"renamed", drift_renamed, TAG, "MR(93)"},
    {"duplicate header", drift_duplicate, TAG, "JP(96)"},
    {"SPLIT as key", drift_no_tag, "S-07", "MR(93)"},
};

static void test_header_drift(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof drift_cases / sizeof drift_cases[0]; k++) {
        const drift_case_t *dc = &drift_cases[k];
        col_t cols[MAXCOLS];
        size_t n = dc->make(cols);
        const char *headers[MAXCOLS], *values[MAXCOLS];
        for (size_t i = 0; i < n; i++) {
            headers[i] = cols[i].header;
            values[i] = cols[i].value;
        }
        sheet_table_t in = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
        sheet_table_append(&in, headers, n, 1);
        sheet_table_append(&in, values, n, 2);
        sheets_t sh = {0};
        sheet_report_t rep = {.source = "Operaciones"};
        EXPECT_INT(dc->name, sheet_codec_read_operaciones(&in, &sh, &rep), ZE_OK);
        EXPECT_INT(dc->name, rep.n_bad, 0);
        EXPECT_INT(dc->name, sh.n_spools, 1);
        EXPECT_INT(dc->name, sh.n_op_headers, n); /* nothing appended: every column is there */

        const spool_t *s = &sh.spools[0].spool;
        EXPECT_STR(dc->name, s->tag, dc->tag);
        EXPECT_STR(dc->name, s->armador, dc->armador);
        EXPECT_STR(dc->name, s->nv, "NV-ñ 11");
        EXPECT_INT(dc->name, s->fecha_materiales, 20260115);
        EXPECT_INT(dc->name, s->fecha_armado, ZDATE_NONE);
        EXPECT_STR(dc->name, s->soldador, "");
        EXPECT_STR(dc->name, s->ocupado_por, "MR(93)");
        EXPECT_INT(dc->name, s->ocupado_worker_id, 93);
        EXPECT_INT(dc->name, s->ocupado_op, ZOP_ARM);
        EXPECT_INT(dc->name, s->fecha_ocupacion, santiago(20260121, 14, 30, 0));
        EXPECT_INT(dc->name, s->version, 3);
        EXPECT_STR(dc->name, s->estado_detalle, ESTADO);
        EXPECT_INT(dc->name, s->row, 1);
        EXPECT_STR(dc->name, s->ot, " 001 ");
        EXPECT_INT(dc->name, s->total_uniones, 4);
        EXPECT_INT(dc->name, s->uniones_arm_done, -1); /* absent column: empty */
        EXPECT_INT(dc->name, s->pulgadas_arm_c, 1250);
        EXPECT_INT(dc->name, s->pulgadas_sold_c, -1);
        int has_notas = 0;
        for (size_t i = 0; i < n; i++) has_notas |= strcmp(headers[i], "Notas") == 0;
        EXPECT_STR(dc->name, sh.spools[0].notas ? sh.spools[0].notas : "",
                   has_notas ? plant[find(plant, NPLANT, "Notas")].value : "");
        for (size_t i = 0; i < n; i++) {
            const char *extra = sh.spools[0].extra[i];
            if (cols[i].tracked) {
                if (extra) fail_msg("%s: tracked column %s kept verbatim", dc->name, headers[i]);
            } else {
                if (!extra) fail_msg("%s: column %s lost", dc->name, headers[i]);
                EXPECT_STR(dc->name, extra, values[i]);
            }
        }

        /* Written back: the same header row and the same cells, byte for byte. */
        sheet_codec_write_operaciones(&sh, &out);
        EXPECT_INT(dc->name, out.count, 2);
        expect_row(dc->name, &out.rows[0], headers, n);
        expect_row(dc->name, &out.rows[1], values, n);
        sheet_table_deinit(&in);
        sheet_table_deinit(&out);
        sheet_report_deinit(&rep);
        sheets_free(&sh);
    }
}

static const char *const required[] = {"TAG_SPOOL",       "Fecha_Materiales", "Fecha_Armado",
                                       "Armador",         "Fecha_Soldadura",  "Soldador",
                                       "Fecha_QC_Metrología"};
#define NREQ (sizeof required / sizeof required[0])

/* Each required column missing in turn refuses the sheet and names the column; SPLIT stands in
 * for TAG_SPOOL, but nothing stands in for the others. */
static void test_required_columns(void **state)
{
    (void)state;
    for (size_t miss = 0; miss < NREQ; miss++) {
        const char *h[NREQ + 1];
        size_t n = 0;
        for (size_t i = 0; i < NREQ; i++)
            if (i != miss) h[n++] = required[i];
        h[n++] = "Notas";
        sheet_table_t t = SHEET_TABLE_INIT;
        sheet_table_append(&t, h, n, 1);
        ROW(&t, "X", "", "", "", "", "", "", "");
        sheets_t sh = {0};
        sheet_report_t rep = {.source = "D/Operaciones.csv"};
        char want[128];
        snprintf(want, sizeof want, "D/Operaciones.csv: falta la columna obligatoria '%s'",
                 required[miss]);
        EXPECT_INT(required[miss], sheet_codec_read_operaciones(&t, &sh, &rep),
                   ZE_VALIDATION_ERROR);
        assert_non_null(rep.err);
        EXPECT_STR(required[miss], rep.err, want);
        EXPECT_INT(required[miss], sh.n_spools, 0);
        sheet_report_deinit(&rep);
        sheets_free(&sh);
        sheet_table_deinit(&t);
    }

    sheet_table_t t = SHEET_TABLE_INIT;
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "D/Operaciones.csv"};
    assert_int_equal(sheet_codec_read_operaciones(&t, &sh, &rep), ZE_VALIDATION_ERROR);
    assert_string_equal(rep.err, "D/Operaciones.csv no tiene fila de encabezados");
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* A pre-v3 sheet lacks the occupation columns: they join the layout at its end, in the
 * tracker's order, and are written with the spool's values. */
static void test_missing_tracked_columns_appended(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    ROW(&t, "TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura",
        "Soldador", "Fecha_QC_Metrología", "Precio Total");
    ROW(&t, "T-1", "2026-01-17", "", "MR(93)", "", "", "", "1.500");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Operaciones"};
    assert_int_equal(sheet_codec_read_operaciones(&t, &sh, &rep), ZE_OK);
    static const char *const layout[] = {
        "TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador",  "Fecha_Soldadura",
        "Soldador",  "Fecha_QC_Metrología", "Precio Total", "NV",    "Ocupado_Por",
        "Fecha_Ocupacion", "version", "Estado_Detalle"};
    assert_int_equal(sh.n_op_headers, 13);
    for (size_t i = 0; i < 13; i++) assert_string_equal(sh.op_headers[i], layout[i]);
    sheet_codec_write_operaciones(&sh, &out);
    expect_row("pre-v3 header", &out.rows[0], layout, 13);
    static const char *const row[] = {"T-1", "17-01-2026", "", "MR(93)", "", "", "",
                                      "1.500", "", "", "", "0", ""};
    expect_row("pre-v3 row", &out.rows[1], row, 13);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* With no layout at all (an empty store) the writer uses the tracked columns' own names. */
static void test_write_default_layout(void **state)
{
    (void)state;
    sheets_t sh = {0};
    sheet_spool_t sp = {0};
    snprintf(sp.spool.tag, sizeof sp.spool.tag, "T-9");
    sp.spool.fecha_qc = 20260118;
    sh.spools = &sp;
    sh.n_spools = 1;
    sheet_table_t out = SHEET_TABLE_INIT;
    sheet_codec_write_operaciones(&sh, &out);
    static const char *const h[] = {"TAG_SPOOL", "NV", "Fecha_Materiales", "Fecha_Armado",
                                    "Armador", "Fecha_Soldadura", "Soldador",
                                    "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion",
                                    "version", "Estado_Detalle"};
    static const char *const r[] = {"T-9", "", "", "", "", "", "", "18-01-2026", "", "", "0", ""};
    expect_row("default header", &out.rows[0], h, 12);
    expect_row("default row", &out.rows[1], r, 12);
    sheet_table_deinit(&out);
}

/* ------------------------------------------------------------------------------------------ */
/* Operaciones: cells                                                                          */
/* ------------------------------------------------------------------------------------------ */

#define OP_HEADER(t)                                                                        \
    ROW((t), "TAG_SPOOL", "NV", "Fecha_Materiales", "Fecha_Armado", "Armador",              \
        "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion", \
        "version", "Estado_Detalle", "Notas")

/* Tracked cells in the forms the sheet holds them come back in canonical form; untracked ones
 * never change, ragged rows read the missing cells as empty. */
static void test_tracked_cells_canonical(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    OP_HEADER(&t);
    ROW(&t, " A-1 ", "  NV 2 ", "2026-01-17", "16/01/2026", "\tMR(93) ", "45678", "NR(94)",
        "5/1/2026", "NR(94)", "2026-01-23T11:00:00Z", "550e8400-e29b-41d4-a716-446655440000",
        "NR(94) trabajando SOLD (ARM completado, SOLD en progreso)", "  keep  ");
    ROW(&t, "A-2", "", "08-Nov-2025", "", "", "", "", "", "", "21-01-2026 14:30:00", "-4", "",
        ""); /* Fecha_Ocupacion of a free spool is not written back */
    ROW(&t, "A-3", "", "", "", "", "", "", "", "", "", " 12");
    ROW(&t, "A-4"); /* the Sheets API drops trailing empty cells */
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Operaciones"};
    assert_int_equal(sheet_codec_read_operaciones(&t, &sh, &rep), ZE_OK);
    assert_int_equal(rep.n_bad, 0);
    assert_int_equal(sh.n_spools, 4);
    const spool_t *a = &sh.spools[0].spool;
    assert_string_equal(a->tag, "A-1");
    assert_string_equal(a->nv, "NV 2");
    assert_string_equal(a->armador, "MR(93)");
    assert_int_equal(a->fecha_soldadura, 20250121); /* serial 45678 */
    assert_int_equal(a->fecha_ocupacion, 1769166000);
    assert_int_equal(a->version, 0); /* the original's UUIDs are not our versions */
    assert_int_equal(sh.spools[1].spool.version, 0);
    assert_int_equal(sh.spools[2].spool.version, 12);
    assert_int_equal(sh.spools[3].spool.row, 4);

    sheet_codec_write_operaciones(&sh, &out);
    assert_int_equal(out.count, 5);
    static const char *const r1[] = {
        "A-1", "NV 2", "17-01-2026", "16-01-2026", "MR(93)", "21-01-2025", "NR(94)",
        "05-01-2026", "NR(94)", "23-01-2026 08:00:00", "0",
        "NR(94) trabajando SOLD (ARM completado, SOLD en progreso)", "  keep  "};
    static const char *const r2[] = {"A-2", "", "08-11-2025", "", "", "", "", "",
                                     "", "", "0", "", ""};
    static const char *const r4[] = {"A-4", "", "", "", "", "", "", "", "", "", "0", "", ""};
    expect_row("canonical", &out.rows[1], r1, 13);
    expect_row("free spool", &out.rows[2], r2, 13);
    expect_row("ragged", &out.rows[4], r4, 13);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* Bad rows are skipped and reported with their own line (a CSV record may span lines, so
 * lines are taken from the table, not counted); rows without a TAG are not spools. */
static void test_bad_operaciones_rows(void **state)
{
    (void)state;
    char long_tag[ZTAG_MAX + 1], long_nv[ZNAME_MAX + 5];
    memset(long_tag, 'X', ZTAG_MAX);
    long_tag[ZTAG_MAX] = '\0';
    memset(long_nv, 'N', sizeof long_nv - 1);
    long_nv[sizeof long_nv - 1] = '\0';
    sheet_table_t t = SHEET_TABLE_INIT;
    OP_HEADER(&t);
    ROWL(&t, 2, "A", "", "15-01-2026");
    ROWL(&t, 4, "B", "", "32-13-2026");
    ROWL(&t, 5, "A", "", "");
    ROWL(&t, 6, "", "NV sin tag", "15-01-2026");
    ROWL(&t, 7, "   ", "", "");
    ROWL(&t, 8, "C", "", "", "2026-02-30");
    ROWL(&t, 9, "D", "", "", "", "MR(93)", "", "", "", "MR(93)", "ayer a las 3");
    ROWL(&t, 10, long_tag);
    ROWL(&t, 11, "\xff\xfe");
    ROWL(&t, 12, "E", long_nv);
    ROWL(&t, 13, "F", "", "", "", "", "", "", "60");
    ROWL(&t, 14, "G");
    sheet_table_append(&t, NULL, 0, 15);
    ROWL(&t, 16, " A ");
    ROWL(&t, 17, "H", "", "", "", "", "mañana");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Operaciones"};
    assert_int_equal(sheet_codec_read_operaciones(&t, &sh, &rep), ZE_OK);
    static const bad_want_t want[] = {
        {4, "Fecha_Materiales '32-13-2026' no es una fecha válida"},
        {5, "TAG_SPOOL 'A' repetido"},
        {8, "Fecha_Armado '2026-02-30' no es una fecha válida"},
        {9, "Fecha_Ocupacion 'ayer a las 3' no es una fecha y hora válida"},
        {10, "TAG_SPOOL demasiado largo (máx. 127 bytes)"},
        {11, "TAG_SPOOL no es UTF-8 válido"},
        {12, "un texto supera el largo admitido"},
        {13, "Fecha_QC_Metrología '60' no es una fecha válida"},
        {16, "TAG_SPOOL 'A' repetido"},
        {17, "Fecha_Soldadura 'mañana' no es una fecha válida"},
    };
    expect_bad("operaciones", &rep, want, sizeof want / sizeof want[0]);
    assert_int_equal(sh.n_spools, 2);
    assert_string_equal(sh.spools[0].spool.tag, "A");
    assert_string_equal(sh.spools[1].spool.tag, "G");
    assert_int_equal(sh.spools[0].spool.row, 1);
    assert_int_equal(sh.spools[1].spool.row, 2); /* positions count kept spools only */
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* ------------------------------------------------------------------------------------------ */
/* Tracking state derived from Estado_Detalle                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct track_case {
    const char *estado;
    const char *ocupado;
    zdate_t fecha_armado;
    zrepair_t repair;
    zmetro_t metrologia;
    int cycle;
    zop_t op;
    int64_t worker;
} track_case_t;

static const track_case_t track_cases[] = {
    /* free spools: only the repair loop and the metrología outcome come from the text */
    {"", "", 0, ZREP_NONE, ZMET_NONE, 0, ZOP_NONE, 0},
    {"ARM pendiente, SOLD pendiente", "", 0, ZREP_NONE, ZMET_NONE, 0, ZOP_NONE, 0},
    {"METROLOGIA_APROBADO ✓", "", 20260120, ZREP_NONE, ZMET_APROBADO, 0, ZOP_NONE, 0},
    {"RECHAZADO (Ciclo 1/3) - Pendiente reparación", "", 0, ZREP_RECHAZADO, ZMET_RECHAZADO, 1,
     ZOP_NONE, 0},
    {"RECHAZADO (Ciclo 2/3) - Pendiente reparación", "", 0, ZREP_RECHAZADO, ZMET_RECHAZADO, 2,
     ZOP_NONE, 0},
    {"RECHAZADO", "", 0, ZREP_RECHAZADO, ZMET_RECHAZADO, 1, ZOP_NONE, 0}, /* a rejection is cycle 1 at least */
    {"BLOQUEADO - Contactar supervisor", "", 0, ZREP_BLOQUEADO, ZMET_RECHAZADO, 3, ZOP_NONE, 0},
    {"BLOQUEADO tras RECHAZADO (Ciclo 2/3)", "", 0, ZREP_BLOQUEADO, ZMET_RECHAZADO, 3, ZOP_NONE,
     0},
    {"REPARACION_PAUSADA (Ciclo 1/3)", "", 0, ZREP_PAUSADA, ZMET_RECHAZADO, 1, ZOP_NONE, 0},
    {"EN_REPARACION (Ciclo 2/3)", "", 0, ZREP_PAUSADA, ZMET_RECHAZADO, 2, ZOP_NONE, 0},
    {"PENDIENTE_METROLOGIA", "", 20260120, ZREP_PENDIENTE_METROLOGIA, ZMET_RECHAZADO, 0,
     ZOP_NONE, 0},
    {"PENDIENTE_METROLOGIA (Ciclo 2/3)", "", 0, ZREP_PENDIENTE_METROLOGIA, ZMET_RECHAZADO, 2,
     ZOP_NONE, 0},
    /* occupied spools: the occupant's id from XY(ID), the operation from the text or the dates */
    {"EN_REPARACION (Ciclo 2/3) - Ocupado: JP(96)", "JP(96)", 20260120, ZREP_EN_REPARACION,
     ZMET_RECHAZADO, 2, ZOP_REPARACION, 96},
    {"NR(94) trabajando SOLD (ARM pausado, SOLD en progreso)", "NR(94)", 0, ZREP_NONE, ZMET_NONE,
     0, ZOP_SOLD, 94},
    {"MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", "MR(93)", 20260120, ZREP_NONE,
     ZMET_NONE, 0, ZOP_ARM, 93},
    {"texto libre", "MR(93)", 0, ZREP_NONE, ZMET_NONE, 0, ZOP_ARM, 93},
    {"texto libre", "MR(93)", 20260120, ZREP_NONE, ZMET_NONE, 0, ZOP_SOLD, 93},
    {"", "Juan Pérez", 0, ZREP_NONE, ZMET_NONE, 0, ZOP_ARM, 0}, /* no (ID): no worker id */
};

static void test_derive_tracking(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof track_cases / sizeof track_cases[0]; i++) {
        const track_case_t *c = &track_cases[i];
        char name[300];
        snprintf(name, sizeof name, "case %zu (%s / %s)", i, c->estado, c->ocupado);
        spool_t s;
        memset(&s, 0, sizeof s);
        snprintf(s.estado_detalle, sizeof s.estado_detalle, "%s", c->estado);
        snprintf(s.ocupado_por, sizeof s.ocupado_por, "%s", c->ocupado);
        s.fecha_armado = c->fecha_armado;
        sheet_codec_derive_tracking(&s);
        EXPECT_INT(name, s.repair, c->repair);
        EXPECT_INT(name, s.metrologia, c->metrologia);
        EXPECT_INT(name, s.repair_cycle, c->cycle);
        EXPECT_INT(name, s.ocupado_op, c->op);
        EXPECT_INT(name, s.ocupado_worker_id, c->worker);

        /* The reader applies the same rule to the row's cells. */
        sheet_table_t t = SHEET_TABLE_INIT;
        char fa[16] = "";
        zdate_format_dmy(c->fecha_armado, fa, sizeof fa);
        OP_HEADER(&t);
        ROW(&t, "T", "", "", fa, "", "", "", "", c->ocupado, "", "", c->estado);
        sheets_t sh = {0};
        sheet_report_t rep = {.source = "Operaciones"};
        EXPECT_INT(name, sheet_codec_read_operaciones(&t, &sh, &rep), ZE_OK);
        EXPECT_INT(name, sh.n_spools, 1);
        const spool_t *r = &sh.spools[0].spool;
        EXPECT_INT(name, r->repair, c->repair);
        EXPECT_INT(name, r->metrologia, c->metrologia);
        EXPECT_INT(name, r->repair_cycle, c->cycle);
        EXPECT_INT(name, r->ocupado_op, c->op);
        EXPECT_INT(name, r->ocupado_worker_id, c->worker);
        sheet_table_deinit(&t);
        sheet_report_deinit(&rep);
        sheets_free(&sh);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Activo                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct activo_case {
    const char *cell;
    int want;
} activo_case_t;

static const activo_case_t activo_cases[] = {
    {"TRUE", 1},   {"true", 1},    {"True", 1},     {"  TRUE  ", 1}, {"\tTRUE\t", 1},
    {"tRuE", 1},   {"FALSE", 0},   {"false", 0},    {"", 0},         {"   ", 0},
    {"SI", 0},     {"1", 0},       {"TRUE1", 0},    {"TRU", 0},      {"T RUE", 0},
    {"TRUE\n", 0}, {"VERDADERO", 0}, {"ＴＲＵＥ", 0}, {NULL, 0},
};

static void test_activo_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof activo_cases / sizeof activo_cases[0]; i++) {
        const activo_case_t *c = &activo_cases[i];
        char name[64];
        snprintf(name, sizeof name, "activo(\"%s\")", c->cell ? c->cell : "NULL");
        EXPECT_INT(name, sheet_codec_activo(c->cell), c->want);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Trabajadores and Roles                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct worker_want {
    int64_t id;
    const char *nombre, *apellido, *rol, *activo_cell;
    int activo;
} worker_want_t;

static void expect_workers(const char *name, const sheets_t *sh, const worker_want_t *w, size_t n)
{
    EXPECT_INT(name, sh->n_workers, n);
    for (size_t i = 0; i < n && i < sh->n_workers; i++) {
        const sheet_worker_t *g = &sh->workers[i];
        EXPECT_INT(name, g->worker.id, w[i].id);
        EXPECT_STR(name, g->worker.nombre, w[i].nombre);
        EXPECT_STR(name, g->worker.apellido, w[i].apellido);
        EXPECT_STR(name, g->worker.rol, w[i].rol);
        EXPECT_STR(name, g->activo, w[i].activo_cell);
        EXPECT_INT(name, g->worker.activo, w[i].activo);
    }
}

static void test_trabajadores(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    ROW(&t, "Id", "Nombre", "Apellido", "Activo");
    ROW(&t, "93", "Mauricio", "Rodriguez", "TRUE");
    ROW(&t, " 94 ", " Nicolás ", "Rodríguez", "true");
    ROW(&t, "abc", "Sin", "Id", "TRUE");
    ROW(&t, "95", "", "Sin Nombre", "TRUE");
    ROW(&t, "0", "Cero", "Id", "TRUE");
    ROW(&t, "93", "Dup", "Dup", "TRUE");
    ROW(&t, "96", "A", "B", "TRUEEEEEEEEEEEEEEEEE");
    ROW(&t, "97", "Luis", "Vera"); /* Activo dropped as a trailing empty cell */
    ROW(&t, "");
    sheet_table_append(&t, NULL, 0, t.count + 1);
    ROW(&t, "98", "Pedro", "Soto", "FALSE");
    ROW(&t, "99", "Ana", "Díaz", "SI");
    ROW(&t, "", "", "", "");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Trabajadores"};
    assert_int_equal(sheet_codec_read_trabajadores(&t, &sh, &rep), ZE_OK);
    static const bad_want_t bad[] = {
        {4, "Id 'abc' no es un entero positivo"}, {5, "Nombre y Apellido son obligatorios"},
        {6, "Id '0' no es un entero positivo"},   {7, "Id 93 repetido"},
        {8, "Activo debe ser TRUE o FALSE"},      {14, "Id '' no es un entero positivo"},
    };
    expect_bad("trabajadores", &rep, bad, sizeof bad / sizeof bad[0]);
    static const worker_want_t want[] = {
        {93, "Mauricio", "Rodriguez", "", "TRUE", 1}, {94, "Nicolás", "Rodríguez", "", "true", 1},
        {97, "Luis", "Vera", "", "", 0},              {98, "Pedro", "Soto", "", "FALSE", 0},
        {99, "Ana", "Díaz", "", "SI", 0},
    };
    expect_workers("trabajadores", &sh, want, sizeof want / sizeof want[0]);

    sheet_codec_write_trabajadores(&sh, &out);
    assert_int_equal(out.count, 6);
    static const char *const h[] = {"Id", "Nombre", "Apellido", "Activo"};
    static const char *const r2[] = {"94", "Nicolás", "Rodríguez", "true"};
    static const char *const r3[] = {"97", "Luis", "Vera", ""};
    expect_row("header", &out.rows[0], h, 4);
    expect_row("trimmed", &out.rows[2], r2, 4);
    expect_row("no Activo", &out.rows[3], r3, 4);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* The legacy v2.0 layout is chosen by the header row (a 4th column named Rol), never by the
 * length of a data row. */
static void test_trabajadores_layouts(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    ROW(&t, "Id", "Nombre", "Apellido", " ROL ", "Activo");
    ROW(&t, "93", "Mauricio", "Rodriguez", "Armador", "TRUE");
    ROW(&t, "94", "Ana", "Soto", "Jefe", "TRUE");
    ROW(&t, "95", "Ana", "Soto", "", "TRUE");
    ROW(&t, "96", "Juan", "Perez", " Soldador ", " false ");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Trabajadores"};
    assert_int_equal(sheet_codec_read_trabajadores(&t, &sh, &rep), ZE_OK);
    static const bad_want_t bad[] = {{3, "Rol 'Jefe' desconocido"}, {4, "Rol '' desconocido"}};
    expect_bad("legacy", &rep, bad, 2);
    static const worker_want_t want[] = {{93, "Mauricio", "Rodriguez", "Armador", "TRUE", 1},
                                         {96, "Juan", "Perez", "Soldador", "false", 0}};
    expect_workers("legacy", &sh, want, 2);
    sheet_codec_write_trabajadores(&sh, &out);
    static const char *const r1[] = {"93", "Mauricio", "Rodriguez", "Armador", "TRUE"};
    expect_row("legacy written", &out.rows[1], r1, 5);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);

    /* Five columns, but the 4th is not Rol: the current layout, Activo in column D. */
    ROW(&t, "Id", "Nombre", "Apellido", "Activo", "Notas");
    ROW(&t, "93", "Mauricio", "Rodriguez", "TRUE", "x");
    rep = (sheet_report_t){.source = "Trabajadores"};
    assert_int_equal(sheet_codec_read_trabajadores(&t, &sh, &rep), ZE_OK);
    static const worker_want_t cur[] = {{93, "Mauricio", "Rodriguez", "", "TRUE", 1}};
    expect_workers("five columns", &sh, cur, 1);
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);

    /* A header row of fewer than 4 cells refuses the sheet. */
    ROW(&t, "Id", "Nombre", "Apellido");
    ROW(&t, "93", "Mauricio", "Rodriguez", "TRUE");
    rep = (sheet_report_t){.source = "D/Trabajadores.csv"};
    assert_int_equal(sheet_codec_read_trabajadores(&t, &sh, &rep), ZE_VALIDATION_ERROR);
    assert_string_equal(rep.err,
                        "D/Trabajadores.csv necesita encabezados Id, Nombre, Apellido, Activo");
    assert_int_equal(sh.n_workers, 0);
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);

    /* No layout stored (workers made by `zeues demo` before headers existed): the defaults. */
    sheet_worker_t w = {.worker = {.id = 7, .nombre = "Ana", .apellido = "Soto"}, .activo = "TRUE"};
    sh.workers = &w;
    sh.n_workers = 1;
    sheet_codec_write_trabajadores(&sh, &out);
    static const char *const dh[] = {"Id", "Nombre", "Apellido", "Activo"};
    static const char *const dr[] = {"7", "Ana", "Soto", "TRUE"};
    expect_row("default header", &out.rows[0], dh, 4);
    expect_row("default row", &out.rows[1], dr, 4);
    sheet_table_deinit(&out);
}

static void test_roles(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    ROW(&t, "Id", "Rol", "Activo");
    ROW(&t, "93", "Armador", "TRUE");
    ROW(&t, "93", "Armador");
    ROW(&t, "x", "Armador", "TRUE");
    ROW(&t, "94", "armador", "TRUE"); /* role names are exact */
    ROW(&t, "95", "Soldador", "TRUEEEEEEEEEEEEEEEEE");
    ROW(&t, "96", " Soldador ", " true ");
    ROW(&t, "");
    ROW(&t, "97", "Metrologia", "FALSE");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Roles"};
    assert_int_equal(sheet_codec_read_roles(&t, &sh, &rep), ZE_OK);
    static const bad_want_t bad[] = {
        {3, "Id '93' no es un entero positivo"}, {4, "Id 'x' no es un entero positivo"},
        {5, "Rol 'armador' desconocido"},       {6, "Activo debe ser TRUE o FALSE"},
    };
    expect_bad("roles", &rep, bad, sizeof bad / sizeof bad[0]);
    assert_int_equal(sh.n_roles, 3);
    assert_int_equal(sh.roles[1].worker_id, 96);
    assert_string_equal(sh.roles[1].rol, "Soldador");
    assert_string_equal(sh.roles[1].activo, "true");
    sheet_codec_write_roles(&sh, &out);
    static const char *const h[] = {"Id", "Rol", "Activo"};
    static const char *const r[] = {"97", "Metrologia", "FALSE"};
    expect_row("roles header", &out.rows[0], h, 3);
    expect_row("roles row", &out.rows[3], r, 3);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);

    ROW(&t, "Id", "Rol");
    rep = (sheet_report_t){.source = "D/Roles.csv"};
    assert_int_equal(sheet_codec_read_roles(&t, &sh, &rep), ZE_VALIDATION_ERROR);
    assert_string_equal(rep.err, "D/Roles.csv necesita encabezados Id, Rol, Activo");
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* ------------------------------------------------------------------------------------------ */
/* Metadata                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define META_HEADER(t)                                                                         \
    ROW((t), "id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre",      \
        "operacion", "accion", "fecha_operacion", "metadata_json")

static void test_metadata(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    META_HEADER(&t);
    ROW(&t, "e1", "21-01-2026 14:30:00", "TOMAR_SPOOL", "A", "93", "MR(93)", "ARM", "TOMAR",
        "21-01-2026", "{\"lock_token\": \"93:abc\", \"nota\": \"tablet 3, patio\"}");
    ROW(&t, "e2", "2025-06-15T18:00:00Z", "MIGRATION_V3_COLUMNS", "", "", "SYSTEM", "MIGRATION",
        "ADD_COLUMNS", "", "");
    ROW(&t, "e3", "21-01-2026 14:30:00", "TOMAR_SPOOL", "A");
    ROW(&t, "e4", "nope", "TOMAR_SPOOL", "A", "93", "MR(93)", "ARM", "TOMAR", "21-01-2026", "{}");
    ROW(&t, "e5", "21-01-2026 14:30:00", "X", "A", "x", "MR(93)", "ARM", "TOMAR", "", "{}");
    ROW(&t, "e6", "21-01-2026 14:30:00", "X", "A", "-1", "MR(93)", "ARM", "TOMAR", "", "{}");
    ROW(&t, "e7", "21-01-2026 14:30:00", "X", "A", "93", "MR(93)", "ARM", "TOMAR", "bad", "{}");
    ROW(&t, "e8", "21-01-2026 14:30:00", "TOMAR_SPOOL_WITH_A_TYPE_NAME_OF_FORTY_BYTES", "A", "93",
        "MR(93)", "ARM", "TOMAR", "", "{}");
    ROW(&t, "");
    ROW(&t, " e9 ", "46043.6041666667", " X ", "A", " 7 ", "MR(93)", "ARM", "TOMAR", "46043",
        " {\"a\": 1} ");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Metadata"};
    assert_int_equal(sheet_codec_read_metadata(&t, &sh, &rep), ZE_OK);
    assert_int_equal(sh.has_events, 1);
    static const bad_want_t bad[] = {
        {4, "se esperaban 10 columnas, hay 4"},
        {5, "timestamp 'nope' no es válido"},
        {6, "worker_id 'x' no es un entero"},
        {7, "worker_id '-1' no es un entero"},
        {8, "fecha_operacion 'bad' no es una fecha válida"},
        {9, "un campo supera el largo admitido"},
    };
    expect_bad("metadata", &rep, bad, sizeof bad / sizeof bad[0]);
    assert_int_equal(sh.n_events, 3);
    const event_rec_t *e1 = &sh.events[0], *e2 = &sh.events[1], *e9 = &sh.events[2];
    assert_int_equal(e1->ts, 1769016600); /* 14:30 in Santiago's summer is 17:30 UTC */
    assert_int_equal(e1->worker_id, 93);
    assert_int_equal(e1->fecha_operacion, 20260121);
    assert_string_equal(e1->tipo, "TOMAR_SPOOL");
    assert_int_equal(e2->ts, 1750010400);
    assert_int_equal(e2->worker_id, 0); /* blank for system rows */
    assert_int_equal(e2->fecha_operacion, ZDATE_NONE);
    assert_string_equal(e9->id, "e9");
    assert_string_equal(e9->tipo, "X");
    assert_int_equal(e9->worker_id, 7);
    assert_int_equal(e9->ts, santiago(20260121, 14, 30, 0)); /* a serial is a wall-clock time */
    assert_string_equal(e9->metadata_json, " {\"a\": 1} ");  /* JSON text is never trimmed */

    sheet_codec_write_metadata(&sh, &out);
    assert_int_equal(out.count, 4);
    expect_row("metadata header", &out.rows[0], (const char *const *)t.rows[0].cells, 10);
    expect_row("metadata round trip", &out.rows[1], (const char *const *)t.rows[1].cells, 10);
    static const char *const r2[] = {"e2", "15-06-2025 14:00:00", "MIGRATION_V3_COLUMNS", "",
                                     "0", "SYSTEM", "MIGRATION", "ADD_COLUMNS", "", ""};
    expect_row("metadata winter offset", &out.rows[2], r2, 10);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);

    /* A header row without the 10 columns refuses the sheet; a header alone is an empty log. */
    ROW(&t, "id", "timestamp");
    rep = (sheet_report_t){.source = "D/Metadata.csv"};
    assert_int_equal(sheet_codec_read_metadata(&t, &sh, &rep), ZE_VALIDATION_ERROR);
    assert_string_equal(rep.err, "D/Metadata.csv necesita las 10 columnas id..metadata_json");
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
    META_HEADER(&t);
    assert_int_equal(sheet_codec_read_metadata(&t, &sh, &rep), ZE_OK);
    assert_int_equal(sh.has_events, 1);
    assert_int_equal(sh.n_events, 0);
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

/* ------------------------------------------------------------------------------------------ */
/* Operaciones: the v4 columns (domain-v4 §2.1)                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct v4_case {
    /* cells of Total_Uniones, Uniones_ARM_Completadas, Pulgadas_ARM */
    const char *total, *arm, *pulg;
    int want_total, want_arm;
    int64_t want_pulg;
    const char *bad; /* the report of a refused row, or NULL */
    const char *out_total, *out_pulg; /* what the writer writes back */
} v4_case_t;

static const v4_case_t v4_cases[] = {
    {"", "", "", -1, -1, -1, NULL, "", ""},
    {"7", "3", "12.5", 7, 3, 1250, NULL, "7", "12.5"},
    {" 7 ", "0", "12,50", 7, 0, 1250, NULL, "7", "12.5"},
    {"7.0", "3", "0.75", 7, 3, 75, NULL, "7", "0.75"},  /* a numeric cell read unformatted */
    {"0", "0", "0", 0, 0, 0, NULL, "0", "0"},
    {"7.5", "", "", 0, 0, 0, "Total_Uniones '7.5' no es un entero mayor o igual a 0", NULL, NULL},
    {"-1", "", "", 0, 0, 0, "Total_Uniones '-1' no es un entero mayor o igual a 0", NULL, NULL},
    {"3", "x", "", 0, 0, 0, "Uniones_ARM_Completadas 'x' no es un entero mayor o igual a 0", NULL,
     NULL},
    {"3", "1", "-2", 0, 0, 0, "Pulgadas_ARM '-2' no es un número mayor o igual a 0", NULL, NULL},
    {"3", "1", "2 pulg", 0, 0, 0, "Pulgadas_ARM '2 pulg' no es un número mayor o igual a 0", NULL,
     NULL},
};

static void test_v4_operaciones_cells(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof v4_cases / sizeof v4_cases[0]; k++) {
        const v4_case_t *c = &v4_cases[k];
        char name[32];
        snprintf(name, sizeof name, "v4 case %zu", k);
        sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
        ROW(&t, "TAG_SPOOL", "OT", "Fecha_Materiales", "Fecha_Armado", "Armador",
            "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología", "Total_Uniones",
            "Uniones_ARM_Completadas", "Pulgadas_ARM", "Notas");
        ROW(&t, "T-1", "1234", "", "", "", "", "", "", c->total, c->arm, c->pulg,
            "20260415: lanzada\n20260416: revisada ");
        sheets_t sh = {0};
        sheet_report_t rep = {.source = "Operaciones"};
        EXPECT_INT(name, sheet_codec_read_operaciones(&t, &sh, &rep), ZE_OK);
        if (c->bad) {
            bad_want_t want = {2, c->bad};
            expect_bad(name, &rep, &want, 1);
            EXPECT_INT(name, sh.n_spools, 0);
        } else {
            EXPECT_INT(name, rep.n_bad, 0);
            const sheet_spool_t *sp = &sh.spools[0];
            EXPECT_STR(name, sp->spool.ot, "1234");
            EXPECT_INT(name, sp->spool.total_uniones, c->want_total);
            EXPECT_INT(name, sp->spool.uniones_arm_done, c->want_arm);
            EXPECT_INT(name, sp->spool.uniones_sold_done, -1);
            EXPECT_INT(name, sp->spool.pulgadas_arm_c, c->want_pulg);
            EXPECT_STR(name, sp->notas, "20260415: lanzada\n20260416: revisada ");
            for (size_t i = 0; i < sh.n_op_headers; i++)
                if (i == 1 || i >= 8) assert_null(sp->extra[i]); /* typed, not verbatim */
            sheet_codec_write_operaciones(&sh, &out);
            /* the layout as it came (plus the v3 columns it lacked), no v4 column added */
            EXPECT_INT(name, out.rows[0].count, 17);
            EXPECT_STR(name, out.rows[1].cells[1], "1234");
            EXPECT_STR(name, out.rows[1].cells[8], c->out_total);
            EXPECT_STR(name, out.rows[1].cells[10], c->out_pulg);
            EXPECT_STR(name, out.rows[1].cells[11], "20260415: lanzada\n20260416: revisada ");
        }
        sheet_table_deinit(&t);
        sheet_table_deinit(&out);
        sheet_report_deinit(&rep);
        sheets_free(&sh);
    }
}

/* A layout without the v4 columns keeps them out until a spool has something to show there;
 * then they are appended in the tracker's order. */
typedef struct append_case {
    const char *name;
    const char *ot, *notas;
    int total, arm;          /* -1 = empty */
    const char *appended[8]; /* headers appended after the layout, NULL-terminated */
} append_case_t;

static const append_case_t append_cases[] = {
    {"nothing to show", "", NULL, -1, -1, {NULL}},
    {"zero unions", "", NULL, 0, 0, {NULL}},
    {"an OT", "25001", NULL, -1, -1, {"OT", NULL}},
    {"a note", "", "20260415: ok", -1, -1, {"Notas", NULL}},
    {"unions", "", NULL, 3, 1,
     {"Total_Uniones", "Uniones_ARM_Completadas", "Uniones_SOLD_Completadas", "Pulgadas_ARM",
      "Pulgadas_SOLD", NULL}},
};

static void test_v4_columns_appended(void **state)
{
    (void)state;
    static char *layout[] = {"TAG_SPOOL", "Fecha_Materiales"};
    for (size_t k = 0; k < sizeof append_cases / sizeof append_cases[0]; k++) {
        const append_case_t *c = &append_cases[k];
        sheet_spool_t sp = {0};
        snprintf(sp.spool.tag, sizeof sp.spool.tag, "T-1");
        snprintf(sp.spool.ot, sizeof sp.spool.ot, "%s", c->ot);
        sp.notas = (char *)c->notas;
        sp.spool.total_uniones = c->total;
        sp.spool.uniones_arm_done = sp.spool.uniones_sold_done = c->arm;
        sp.spool.pulgadas_arm_c = sp.spool.pulgadas_sold_c = c->arm < 0 ? -1 : 250;
        sheets_t sh = {.op_headers = layout, .n_op_headers = 2, .spools = &sp, .n_spools = 1};
        sheet_table_t out = SHEET_TABLE_INIT;
        sheet_codec_write_operaciones(&sh, &out);
        size_t n = 0;
        while (c->appended[n]) n++;
        EXPECT_INT(c->name, out.rows[0].count, 2 + n);
        for (size_t i = 0; i < n; i++)
            EXPECT_STR(c->name, out.rows[0].cells[2 + i], c->appended[i]);
        if (n && c->total > 0) {
            EXPECT_STR(c->name, out.rows[1].cells[2], "3");
            EXPECT_STR(c->name, out.rows[1].cells[5], "2.5");
        }
        sheet_table_deinit(&out);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Uniones (domain-v4 §3)                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* The 17 headers of §3.1 and a row in canonical form (round trip byte-identical). */
static const col_t urow[] = {
    {"ID", "1234+3", 0},
    {"OT", "1234", 1},
    {"N_UNION", "3", 1},
    {"TAG_SPOOL", "MK-1", 1},
    {"DN_UNION", "2.5", 1},
    {"TIPO_UNION", "BW", 1},
    {"ARM_FECHA_INICIO", "21-01-2026 08:00:00", 1},
    {"ARM_FECHA_FIN", "21-01-2026 10:15:30", 1},
    {"ARM_WORKER", "MR(93)", 1},
    {"SOL_FECHA_INICIO", "", 1},
    {"SOL_FECHA_FIN", "", 1},
    {"SOL_WORKER", "", 1},
    {"NDT_UNION", "RX, 10%", 0},
    {"R_NDT_UNION", "", 0},
    {"NDT_FECHA", "45678", 0},
    {"NDT_STATUS", " pendiente ", 0},
    {"version", "550e8400-e29b-41d4-a716-446655440000", 0},
};
#define NUROW (sizeof urow / sizeof urow[0])

static size_t udrift_none(col_t *c)
{
    memcpy(c, urow, sizeof urow);
    return NUROW;
}

static size_t udrift_reordered(col_t *c)
{
    for (size_t i = 0; i < NUROW; i++) c[i] = urow[NUROW - 1 - i];
    return NUROW;
}

static size_t udrift_inserted(col_t *c)
{
    size_t at = find(urow, NUROW, "N_UNION");
    memcpy(c, urow, at * sizeof *c);
    c[at] = (col_t){"Soldadura_Especial", "sí, \"TIG\"", 0};
    memcpy(c + at + 1, urow + at, (NUROW - at) * sizeof *c);
    c[NUROW + 1] = (col_t){"Comentario", "\r\nfin", 0};
    return NUROW + 2;
}

/* Renamed the way the office spells them: case, spaces, accents (v4 key), a '/' alias. */
static size_t udrift_renamed(col_t *c)
{
    static const char *const names[][2] = {
        {"N_UNION", "N_Unión/Nro"},      /* the alias (the text before '/') is its key */
        {"TAG_SPOOL", "Tag Spool"},      {"DN_UNION", "DN UNIÓN"},
        {"TIPO_UNION", "tipo_unión"},    {"ARM_FECHA_FIN", "ARM Fecha Fin"},
        {"ARM_WORKER", "arm/worker"},    {"NDT_STATUS", "Estado NDT"},
    };
    memcpy(c, urow, sizeof urow);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        c[find(urow, NUROW, names[k][0])].header = names[k][1];
    return NUROW;
}

static const struct {
    const char *name;
    size_t (*make)(col_t *);
} udrift_cases[] = {
    {"as exported", udrift_none},
    {"reordered", udrift_reordered},
    {"inserted", udrift_inserted},
    {"renamed", udrift_renamed},
};

static void test_uniones_drift(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof udrift_cases / sizeof udrift_cases[0]; k++) {
        const char *name = udrift_cases[k].name;
        col_t cols[MAXCOLS];
        size_t n = udrift_cases[k].make(cols);
        const char *headers[MAXCOLS], *values[MAXCOLS];
        for (size_t i = 0; i < n; i++) {
            headers[i] = cols[i].header;
            values[i] = cols[i].value;
        }
        sheet_table_t in = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
        sheet_table_append(&in, headers, n, 1);
        sheet_table_append(&in, values, n, 2);
        sheets_t sh = {0};
        sheet_report_t rep = {.source = "Uniones"};
        EXPECT_INT(name, sheet_codec_read_uniones(&in, &sh, &rep), ZE_OK);
        EXPECT_INT(name, rep.n_bad, 0);
        EXPECT_INT(name, sh.has_unions, 1);
        EXPECT_INT(name, sh.n_unions, 1);
        EXPECT_INT(name, sh.n_union_headers, n);
        const zunion_t *u = &sh.unions[0].u;
        EXPECT_STR(name, u->tag, "MK-1");
        EXPECT_INT(name, u->n, 3);
        EXPECT_STR(name, u->ot, "1234");
        EXPECT_INT(name, u->dn_c, 250);
        EXPECT_STR(name, u->tipo, "BW");
        EXPECT_INT(name, u->arm_inicio, santiago(20260121, 8, 0, 0));
        EXPECT_INT(name, u->arm_fin, santiago(20260121, 10, 15, 30));
        EXPECT_STR(name, u->arm_worker, "MR(93)");
        EXPECT_INT(name, u->sol_fin, 0);
        EXPECT_STR(name, u->sol_worker, "");
        for (size_t i = 0; i < n; i++) {
            const char *extra = sh.unions[0].extra[i];
            if (cols[i].tracked) {
                if (extra) fail_msg("%s: tracked column %s kept verbatim", name, headers[i]);
            } else {
                if (!extra) fail_msg("%s: column %s lost", name, headers[i]);
                EXPECT_STR(name, extra, values[i]);
            }
        }
        sheet_codec_write_uniones(&sh, &out);
        EXPECT_INT(name, out.count, 2);
        expect_row(name, &out.rows[0], headers, n);
        expect_row(name, &out.rows[1], values, n);
        sheet_table_deinit(&in);
        sheet_table_deinit(&out);
        sheet_report_deinit(&rep);
        sheets_free(&sh);
    }
}

/* Cells in the forms a sheet holds them: serial dates (days since 1899-12-30, fraction = time
 * of day) are converted, numeric OT canonical, decimal commas, the tracked columns a sheet
 * lacks appended, ragged rows. */
static void test_uniones_cells(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    ROW(&t, "TAG_SPOOL", "N_UNION", "OT", "DN_UNION", "TIPO_UNION", "ARM_FECHA_INICIO",
        "ARM_FECHA_FIN", "SOL_FECHA_FIN", "Extra");
    ROW(&t, " MK-1 ", "1", "1234.0", "0,75", " SO ", "46043.25", "46043.6041666667",
        "2026-01-21T18:30:00Z", "x");
    ROW(&t, "MK-1", "2.0", "", "", "", "21-01-2026", "", "", "");
    ROW(&t, "MK-2", "20"); /* ragged: everything else empty */
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Uniones"};
    assert_int_equal(sheet_codec_read_uniones(&t, &sh, &rep), ZE_OK);
    assert_int_equal(rep.n_bad, 0);
    assert_int_equal(sh.n_unions, 3);
    const zunion_t *a = &sh.unions[0].u, *b = &sh.unions[1].u, *c = &sh.unions[2].u;
    assert_string_equal(a->tag, "MK-1");
    assert_string_equal(a->ot, "1234");
    assert_int_equal(a->dn_c, 75);
    assert_string_equal(a->tipo, "SO");
    assert_int_equal(a->arm_inicio, santiago(20260121, 6, 0, 0));
    assert_int_equal(a->arm_fin, santiago(20260121, 14, 30, 0));
    assert_int_equal(a->sol_fin, santiago(20260121, 15, 30, 0)); /* 18:30 UTC */
    assert_int_equal(b->n, 2);
    assert_int_equal(b->dn_c, 0);
    assert_int_equal(b->arm_inicio, santiago(20260121, 0, 0, 0));
    assert_int_equal(c->n, 20);
    /* The layout: the sheet's headers, then the tracked ones it lacks. */
    static const char *const layout[] = {"TAG_SPOOL", "N_UNION", "OT", "DN_UNION", "TIPO_UNION",
                                         "ARM_FECHA_INICIO", "ARM_FECHA_FIN", "SOL_FECHA_FIN",
                                         "Extra", "ARM_WORKER", "SOL_FECHA_INICIO",
                                         "SOL_WORKER"};
    assert_int_equal(sh.n_union_headers, 12);
    for (size_t i = 0; i < 12; i++) assert_string_equal(sh.union_headers[i], layout[i]);
    sheet_codec_write_uniones(&sh, &out);
    static const char *const r1[] = {"MK-1", "1", "1234", "0.75", "SO", "21-01-2026 06:00:00",
                                     "21-01-2026 14:30:00", "21-01-2026 15:30:00", "x", "", "",
                                     ""};
    static const char *const r3[] = {"MK-2", "20", "", "", "", "", "", "", "", "", "", ""};
    expect_row("canonical union", &out.rows[1], r1, 12);
    expect_row("ragged union", &out.rows[3], r3, 12);
    sheet_table_deinit(&t);
    sheet_table_deinit(&out);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

static void test_uniones_bad_rows(void **state)
{
    (void)state;
    sheet_table_t op = SHEET_TABLE_INIT, t = SHEET_TABLE_INIT;
    ROW(&op, "TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura",
        "Soldador", "Fecha_QC_Metrología");
    ROW(&op, "MK-1");
    ROW(&op, "MK-2");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Operaciones"};
    assert_int_equal(sheet_codec_read_operaciones(&op, &sh, &rep), ZE_OK);
    sheet_report_deinit(&rep);
    ROWL(&t, 1, "ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION", "ARM_FECHA_FIN");
    ROWL(&t, 2, "1", "1", "1", "MK-1", "2", "BW", "");
    ROWL(&t, 3, "2", "1", "2", "MK-1", "0", "BW", "");
    ROWL(&t, 4, "3", "1", "3", "MK-1", "-1", "BW", "");
    ROWL(&t, 5, "4", "1", "4", "MK-1", "50.01", "BW", "");
    ROWL(&t, 6, "5", "1", "5", "MK-1", "dos", "BW", "");
    ROWL(&t, 7, "6", "1", "6", "MK-1", "50", "BW", "");
    ROWL(&t, 8, "7", "1", "7", "MK-1", "1", "XX", "");
    ROWL(&t, 9, "8", "1", "0", "MK-1", "1", "BW", "");
    ROWL(&t, 10, "9", "1", "21", "MK-1", "1", "BW", "");
    ROWL(&t, 11, "10", "1", "1.5", "MK-1", "1", "BW", "");
    ROWL(&t, 12, "11", "1", "", "MK-1", "1", "BW", "");
    ROWL(&t, 14, "12", "1", "1", "MK-1", "", "", ""); /* line 13 was a quoted newline */
    ROWL(&t, 15, "13", "1", "1", "MK-9", "1", "BW", "");
    ROWL(&t, 16, "14", "1", "8", "", "1", "BW", "");
    ROWL(&t, 17, "15", "1", "9", "MK-1", "1", "BW", "ayer");
    ROWL(&t, 18, "16", "1", "1", "MK-2", "", "FW", "45678.5");
    ROWL(&t, 19, "17", "1", "7", "MK-1", "1", "bw", "");
    rep = (sheet_report_t){.source = "Uniones"};
    assert_int_equal(sheet_codec_read_uniones(&t, &sh, &rep), ZE_OK);
    static const bad_want_t bad[] = {
        {3, "DN_UNION '0' debe ser un número mayor que 0 y hasta 50"},
        {4, "DN_UNION '-1' debe ser un número mayor que 0 y hasta 50"},
        {5, "DN_UNION '50.01' debe ser un número mayor que 0 y hasta 50"},
        {6, "DN_UNION 'dos' debe ser un número mayor que 0 y hasta 50"},
        {8, "TIPO_UNION 'XX' desconocido (BW, SO, FILL, BR, MIT, LET, FW, SW, TW)"},
        {9, "N_UNION '0' debe ser un entero de 1 a 20"},
        {10, "N_UNION '21' debe ser un entero de 1 a 20"},
        {11, "N_UNION '1.5' debe ser un entero de 1 a 20"},
        {12, "N_UNION '' debe ser un entero de 1 a 20"},
        {14, "N_UNION 1 de 'MK-1' repetido"},
        {15, "TAG_SPOOL 'MK-9' no es un spool de Operaciones"},
        {16, "TAG_SPOOL vacío"},
        {17, "ARM_FECHA_FIN 'ayer' no es una fecha y hora válida"},
        {19, "TIPO_UNION 'bw' desconocido (BW, SO, FILL, BR, MIT, LET, FW, SW, TW)"},
    };
    expect_bad("uniones", &rep, bad, sizeof bad / sizeof bad[0]);
    assert_int_equal(sh.n_unions, 3);
    assert_int_equal(sh.unions[0].u.n, 1);
    assert_int_equal(sh.unions[1].u.n, 6); /* DN 50 is the largest accepted */
    assert_int_equal(sh.unions[1].u.dn_c, 5000);
    assert_string_equal(sh.unions[2].u.tag, "MK-2");
    assert_int_equal(sh.unions[2].u.arm_fin, santiago(20250121, 12, 0, 0));
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);

    /* A sheet without TAG_SPOOL or N_UNION is refused whole. */
    ROW(&t, "ID", "OT", "TAG_SPOOL", "DN_UNION");
    sheets_t none = {0};
    assert_int_equal(sheet_codec_read_uniones(&t, &none, &rep), ZE_VALIDATION_ERROR);
    assert_string_equal(rep.err, "Uniones: falta la columna obligatoria 'N_UNION'");
    assert_int_equal(none.n_unions, 0);
    sheet_table_deinit(&t);
    sheet_table_deinit(&op);
    sheet_report_deinit(&rep);
    sheets_free(&none);
    sheets_free(&sh);
}

/* A store with no Uniones layout writes the 17 headers of §3.1; a union ZEUES created (no
 * cells of its own) gets the ID the original's guardar gave: {OT}+{N}. */
static void test_uniones_default_layout(void **state)
{
    (void)state;
    sheet_union_t su[2] = {0};
    snprintf(su[0].u.tag, sizeof su[0].u.tag, "MK-1");
    snprintf(su[0].u.ot, sizeof su[0].u.ot, " 001 ");
    su[0].u.n = 5;
    su[0].u.dn_c = 1200;
    snprintf(su[0].u.tipo, sizeof su[0].u.tipo, "FILL");
    su[1] = su[0];
    su[1].u.ot[0] = '\0';
    su[1].u.n = 6;
    sheets_t sh = {.unions = su, .n_unions = 2};
    sheet_table_t out = SHEET_TABLE_INIT;
    sheet_codec_write_uniones(&sh, &out);
    assert_int_equal(out.rows[0].count, SHEET_UNIONES_COLS);
    for (size_t i = 0; i < SHEET_UNIONES_COLS; i++)
        assert_string_equal(out.rows[0].cells[i], sheet_codec_uniones_header(i));
    assert_string_equal(sheet_codec_uniones_header(0), "ID");
    assert_string_equal(sheet_codec_uniones_header(16), "version");
    assert_string_equal(sheet_codec_uniones_header(17), "");
    static const char *const r1[] = {"001+5", " 001 ", "5", "MK-1", "12", "FILL", "", "", "",
                                     "", "", "", "", "", "", "", ""};
    static const char *const r2[] = {"", "", "6", "MK-1", "12", "FILL", "", "", "",
                                     "", "", "", "", "", "", "", ""};
    expect_row("created union", &out.rows[1], r1, SHEET_UNIONES_COLS);
    expect_row("created union without OT", &out.rows[2], r2, SHEET_UNIONES_COLS);
    sheet_table_deinit(&out);
}

/* Counters of Operaciones against the unions they count (domain-v4 §5). */
typedef struct counter_case {
    const char *name;
    int total, arm, sold;
    int64_t parm, psold;        /* the spool's cells (-1 = empty) */
    const char *warn;           /* expected warning, NULL = consistent */
} counter_case_t;

static const counter_case_t counter_cases[] = {
    {"consistent", 4, 2, 1, 450, 250, NULL},
    {"empty cells",
     -1, -1, -1, -1, -1,
     "TAG_SPOOL 'MK-1': los contadores no coinciden con sus uniones (Total_Uniones '' -> 4, "
     "Uniones_ARM_Completadas '' -> 2, Uniones_SOLD_Completadas '' -> 1, Pulgadas_ARM '' -> 4.5, "
     "Pulgadas_SOLD '' -> 2.5); se guardan los calculados de Uniones"},
    {"stale ARM counter", 4, 1, 1, 200, 250,
     "TAG_SPOOL 'MK-1': los contadores no coinciden con sus uniones (Uniones_ARM_Completadas '1' "
     "-> 2, Pulgadas_ARM '2' -> 4.5); se guardan los calculados de Uniones"},
};

static void test_reconcile_counters(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof counter_cases / sizeof counter_cases[0]; k++) {
        const counter_case_t *c = &counter_cases[k];
        sheet_spool_t sp[2] = {0};
        snprintf(sp[0].spool.tag, sizeof sp[0].spool.tag, "MK-1");
        sp[0].line = 7;
        sp[0].spool.total_uniones = c->total;
        sp[0].spool.uniones_arm_done = c->arm;
        sp[0].spool.uniones_sold_done = c->sold;
        sp[0].spool.pulgadas_arm_c = c->parm;
        sp[0].spool.pulgadas_sold_c = c->psold;
        /* MK-2 has no union rows: its cells stay whatever they say */
        snprintf(sp[1].spool.tag, sizeof sp[1].spool.tag, "MK-2");
        sp[1].spool.total_uniones = 9;
        sp[1].spool.pulgadas_arm_c = -1;
        sheet_union_t su[5] = {0};
        for (int i = 0; i < 5; i++) {
            snprintf(su[i].u.tag, sizeof su[i].u.tag, "MK-1");
            su[i].u.n = i + 1;
            su[i].u.dn_c = 250;
            snprintf(su[i].u.tipo, sizeof su[i].u.tipo, "BW");
        }
        su[0].u.arm_fin = su[0].u.sol_fin = 1;     /* ARM and SOLD: 2.5 */
        su[1].u.dn_c = 200;
        su[1].u.arm_fin = 1;                       /* ARM: 2 */
        su[2].u.tipo[0] = '\0';                    /* incomplete: counts in the total only */
        su[2].u.arm_fin = 1;
        snprintf(su[4].u.tag, sizeof su[4].u.tag, "MK-9"); /* not a spool: ignored */
        su[4].u.arm_fin = 1;
        sheets_t sh = {.spools = sp, .n_spools = 2, .unions = su, .n_unions = 5};
        sheet_report_t rep = {.source = "Operaciones"};
        size_t fixed = sheet_codec_reconcile_counters(&sh, &rep);
        EXPECT_INT(c->name, fixed, c->warn ? 1 : 0);
        EXPECT_INT(c->name, rep.n_warn, c->warn ? 1 : 0);
        if (c->warn) {
            EXPECT_INT(c->name, rep.warn[0].line, 7);
            EXPECT_STR(c->name, rep.warn[0].msg, c->warn);
        }
        EXPECT_INT(c->name, sp[0].spool.total_uniones, 4);
        EXPECT_INT(c->name, sp[0].spool.uniones_arm_done, 2);
        EXPECT_INT(c->name, sp[0].spool.uniones_sold_done, 1);
        EXPECT_INT(c->name, sp[0].spool.pulgadas_arm_c, 450);
        EXPECT_INT(c->name, sp[0].spool.pulgadas_sold_c, 250);
        EXPECT_INT(c->name, sp[1].spool.total_uniones, 9);
        EXPECT_INT(c->name, sp[1].spool.pulgadas_arm_c, -1);
        sheet_report_deinit(&rep);
    }
    /* The same rule over a spool's own array. */
    zunion_t u[2] = {{.dn_c = 100, .tipo = "FW", .arm_fin = 5}, {.dn_c = 0, .sol_fin = 5}};
    spool_t s = {.total_uniones = -1};
    sheet_codec_union_counters(u, 2, &s);
    assert_int_equal(s.total_uniones, 2);
    assert_int_equal(s.uniones_arm_done, 1);
    assert_int_equal(s.uniones_sold_done, 0);
    assert_int_equal(s.pulgadas_arm_c, 100);
    assert_int_equal(s.pulgadas_sold_c, 0);
    sheet_codec_union_counters(u, 0, &s);
    assert_int_equal(s.total_uniones, 0);
    assert_int_equal(s.pulgadas_arm_c, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Metadata: column K N_UNION (domain-v4 §12)                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_metadata_n_union(void **state)
{
    (void)state;
    sheet_table_t t = SHEET_TABLE_INIT, out = SHEET_TABLE_INIT;
    ROW(&t, "id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre",
        "operacion", "accion", "fecha_operacion", "metadata_json", "N_UNION");
    ROW(&t, "e1", "21-01-2026 14:30:00", "UNION_ARM_REGISTRADA", "A", "93", "MR(93)", "ARM",
        "COMPLETAR", "21-01-2026", "{\"union_count\": 2}", "");
    ROW(&t, "e2", "21-01-2026 14:30:00", "UNION_ARM_REGISTRADA", "A", "93", "MR(93)", "ARM",
        "COMPLETAR", "21-01-2026", "{\"union_id\": \"1234+7\"}", "7");
    ROW(&t, "e3", "21-01-2026 14:30:00", "X", "A", "93", "MR(93)", "ARM", "TOMAR",
        "21-01-2026", "{}"); /* ragged: N_UNION empty */
    ROW(&t, "e4", "21-01-2026 14:30:00", "X", "A", "93", "MR(93)", "ARM", "TOMAR",
        "21-01-2026", "{}", "21");
    ROW(&t, "e5", "21-01-2026 14:30:00", "X", "A", "93", "MR(93)", "ARM", "TOMAR",
        "21-01-2026", "{}", "uno");
    sheets_t sh = {0};
    sheet_report_t rep = {.source = "Metadata"};
    assert_int_equal(sheet_codec_read_metadata(&t, &sh, &rep), ZE_OK);
    static const bad_want_t bad[] = {{5, "N_UNION '21' debe ser un entero de 1 a 20"},
                                     {6, "N_UNION 'uno' debe ser un entero de 1 a 20"}};
    expect_bad("n_union", &rep, bad, 2);
    assert_int_equal(sh.metadata_n_union, 1);
    assert_int_equal(sh.n_events, 3);
    assert_int_equal(sh.events[0].n_union, 0);
    assert_int_equal(sh.events[1].n_union, 7);
    sheet_codec_write_metadata(&sh, &out);
    expect_row("11 columns", &out.rows[0], (const char *const *)t.rows[0].cells, 11);
    expect_row("spool-level", &out.rows[1], (const char *const *)t.rows[1].cells, 11);
    expect_row("per union", &out.rows[2], (const char *const *)t.rows[2].cells, 11);
    assert_int_equal(out.rows[3].count, 11);
    assert_string_equal(out.rows[3].cells[10], "");
    sheet_table_deinit(&out);

    /* Without the column and without per-union events: ten columns, as before. */
    sh.metadata_n_union = 0;
    sh.events[1].n_union = 0;
    sheet_codec_write_metadata(&sh, &out);
    assert_int_equal(out.rows[0].count, 10);
    assert_int_equal(out.rows[2].count, 10);
    sheet_table_deinit(&out);
    /* A per-union event brings the column even into a ten-column layout. */
    sh.events[2].n_union = 3;
    sheet_codec_write_metadata(&sh, &out);
    assert_int_equal(out.rows[0].count, 11);
    assert_string_equal(out.rows[0].cells[10], "N_UNION");
    assert_string_equal(out.rows[3].cells[10], "3");
    sheet_table_deinit(&out);
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);

    /* The column is found by its name after the first ten (v4 key: n_union, N UNION...). */
    ROW(&t, "id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre",
        "operacion", "accion", "fecha_operacion", "metadata_json", "nota", "n unión");
    ROW(&t, "e1", "21-01-2026 14:30:00", "X", "A", "93", "MR(93)", "ARM", "TOMAR",
        "21-01-2026", "{}", "ignorada", "4");
    assert_int_equal(sheet_codec_read_metadata(&t, &sh, &rep), ZE_OK);
    assert_int_equal(rep.n_bad, 0);
    assert_int_equal(sh.metadata_n_union, 1);
    assert_int_equal(sh.events[0].n_union, 4);
    sheet_table_deinit(&t);
    sheet_report_deinit(&rep);
    sheets_free(&sh);
}

int main(void)
{
    /* Dates and times in the sheets are Santiago wall-clock times. */
    if (tz_init("America/Santiago") != 0) {
        fprintf(stderr, "test_sheet_codec: the tz database has no America/Santiago\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_copies_cells),
        cmocka_unit_test(test_header_drift),
        cmocka_unit_test(test_required_columns),
        cmocka_unit_test(test_missing_tracked_columns_appended),
        cmocka_unit_test(test_write_default_layout),
        cmocka_unit_test(test_tracked_cells_canonical),
        cmocka_unit_test(test_bad_operaciones_rows),
        cmocka_unit_test(test_derive_tracking),
        cmocka_unit_test(test_activo_rule),
        cmocka_unit_test(test_trabajadores),
        cmocka_unit_test(test_trabajadores_layouts),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_v4_operaciones_cells),
        cmocka_unit_test(test_v4_columns_appended),
        cmocka_unit_test(test_uniones_drift),
        cmocka_unit_test(test_uniones_cells),
        cmocka_unit_test(test_uniones_bad_rows),
        cmocka_unit_test(test_uniones_default_layout),
        cmocka_unit_test(test_reconcile_counters),
        cmocka_unit_test(test_metadata_n_union),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
