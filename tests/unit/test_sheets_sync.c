/* The pure parts of the Google Sheets sync: A1 notation and URL escaping, the backoff schedule
 * and per-minute budget, the JWT signing input, JSON cells <-> strings, and the push plan (rows
 * by key, columns by header, owned cells only, conflicts, appends, Metadata exactly-once). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/sheets_a1.h"
#include "core/sheets_backoff.h"
#include "core/sheets_jwt.h"
#include "core/sheets_plan.h"
#include "core/sheets_values.h"

static void a1_columns_sheets_and_escaping(void **state)
{
    (void)state;
    static const struct {
        int col;
        const char *want;
    } cols[] = {{0, "A"}, {25, "Z"}, {26, "AA"}, {51, "AZ"}, {52, "BA"}, {701, "ZZ"},
                {702, "AAA"}, {18277, "ZZZ"}, {-1, ""}};
    char b[8];
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        assert_string_equal(sheets_a1_col(cols[i].col, b, sizeof b), cols[i].want);
    buf_t o = BUF_INIT;
    sheets_a1_cell(&o, "Operaciones", 17, 2);
    assert_string_equal(buf_str(&o), "Operaciones!C17");
    buf_reset(&o);
    sheets_a1_row_span(&o, "Hoja 1", 5, 0, 27);
    assert_string_equal(buf_str(&o), "'Hoja 1'!A5:AB5");
    buf_reset(&o);
    sheets_a1_column(&o, "Jon's", 3);
    assert_string_equal(buf_str(&o), "'Jon''s'!D:D");
    buf_reset(&o);
    sheets_a1_column(&o, "Metadata", -1);
    assert_string_equal(buf_str(&o), "Metadata!1:1");
    buf_reset(&o);
    sheets_a1_sheet(&o, "2026");
    assert_string_equal(buf_str(&o), "'2026'");
    buf_reset(&o);
    sheets_url_escape(&o, "'Case Units'!B1:B16");
    assert_string_equal(buf_str(&o), "%27Case%20Units%27%21B1%3AB16");
    buf_deinit(&o);
}

static void backoff_doubles_with_jitter_and_truncates(void **state)
{
    (void)state;
    assert_int_equal(sheets_backoff_ms(0, 0, 32000), 1000);
    assert_int_equal(sheets_backoff_ms(1, 1000, 32000), 3000);
    assert_int_equal(sheets_backoff_ms(2, 1001, 32000), 4000); /* jitter is 0..1000 */
    assert_int_equal(sheets_backoff_ms(4, 500, 32000), 16500);
    assert_int_equal(sheets_backoff_ms(5, 999, 32000), 32000);
    assert_int_equal(sheets_backoff_ms(60, 7, 64000), 64000);
}

static void budget_never_allows_more_than_per_min_in_any_minute(void **state)
{
    (void)state;
    sheets_budget_t *b = malloc(sizeof *b);
    sheets_budget_init(b, 60);
    int64_t t = 1000000;
    for (int i = 0; i < 60; i++) {
        assert_int_equal(sheets_budget_wait_ms(b, t, 1), 0);
        sheets_budget_take(b, t);
        t += 10;
    }
    /* The 61st must wait until the first leaves the window (sent at 1000000). */
    int64_t w = sheets_budget_wait_ms(b, t, 1);
    assert_int_equal(t + w, 1000000 + 60000 + 1);
    assert_int_equal(sheets_budget_used(b, t), 60);
    /* Two at once need the two oldest gone. */
    assert_int_equal(t + sheets_budget_wait_ms(b, t, 2), 1000010 + 60000 + 1);
    /* Simulate a long run at the limit: any 60 s window holds at most 60 sends. */
    int64_t sends[400];
    int ns = 0;
    sheets_budget_init(b, 60);
    for (int64_t now = 0; ns < 400; now += 250) {
        if (sheets_budget_wait_ms(b, now, 1) == 0) {
            sheets_budget_take(b, now);
            sends[ns++] = now;
        }
    }
    for (int i = 0; i + 60 < ns; i++) assert_true(sends[i + 60] - sends[i] >= 60000);
    free(b);
}

/* Decodes unpadded base64url text (test helper). Caller frees. */
static char *b64url_decode(const char *in)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(in), o = 0;
    char *out = calloc(n + 1, 1);
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(a, in[i]);
        assert_non_null(p);
        v = (v << 6) | (unsigned)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((v >> bits) & 255);
        }
    }
    return out;
}

static void jwt_signing_input_is_unpadded_base64url_json(void **state)
{
    (void)state;
    buf_t o = BUF_INIT;
    sheets_b64url(&o, (const unsigned char *)"\xfb\xff", 2);
    assert_string_equal(buf_str(&o), "-_8");
    buf_reset(&o);
    sheets_jwt_signing_input(&o, "sa@p.iam.gserviceaccount.com", "k1", SHEETS_SCOPE,
                             "https://oauth2.googleapis.com/token", 1767225600);
    const char *s = buf_str(&o), *dot = strchr(s, '.');
    assert_non_null(dot);
    assert_null(strchr(s, '='));
    assert_null(strchr(dot + 1, '.'));
    /* The header is {"alg":"RS256","typ":"JWT","kid":"k1"}. */
    const char *hdr = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0";
    assert_int_equal((size_t)(dot - s), strlen(hdr));
    assert_memory_equal(s, hdr, strlen(hdr));
    /* The claims decode to iss/scope/aud and a 3600 s life starting 10 s back. */
    char *claims = b64url_decode(dot + 1);
    json_error_t e;
    json_t *c = json_loads(claims, 0, &e);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "iss")),
                        "sa@p.iam.gserviceaccount.com");
    assert_string_equal(json_string_value(json_object_get(c, "aud")),
                        "https://oauth2.googleapis.com/token");
    assert_string_equal(json_string_value(json_object_get(c, "scope")), SHEETS_SCOPE);
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), 1767225590);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1767225590 + 3600);
    json_decref(c);
    free(claims);
    buf_deinit(&o);
}

static void json_cells_become_codec_text(void **state)
{
    (void)state;
    json_error_t e;
    json_t *v = json_loads("[[\"TAG_SPOOL\",\"Fecha\",\"n\"],[\"A-1\",46043,4.5,true],[],"
                           "[\"B\",46043.604166666664,null,false]]",
                           0, &e);
    sheet_table_t t = SHEET_TABLE_INIT;
    assert_int_equal(sheets_values_to_table(v, 1, &t), 4);
    assert_int_equal(t.rows[1].count, 4);
    assert_string_equal(t.rows[1].cells[1], "46043");
    assert_string_equal(t.rows[1].cells[2], "4.5");
    assert_string_equal(t.rows[1].cells[3], "TRUE");
    assert_int_equal(t.rows[2].count, 0);
    assert_int_equal(t.rows[2].line, 3);
    assert_string_equal(t.rows[3].cells[1], "46043.604166666664");
    assert_string_equal(t.rows[3].cells[2], "");
    assert_string_equal(t.rows[3].cells[3], "FALSE");
    assert_string_equal(sheet_row_cell(&t.rows[3], 9), "");
    sheet_table_deinit(&t);
    json_decref(v);
    assert_int_equal(sheets_values_to_table(NULL, 1, &t), 0); /* an empty range: no values */
    const char *cells[] = {"0012", NULL, "21-01-2026"};
    json_t *row = sheets_row_json(cells, 3);
    char *dump = json_dumps(row, JSON_COMPACT);
    assert_string_equal(dump, "[\"0012\",null,\"21-01-2026\"]");
    free(dump);
    json_decref(row);
}

static void table(sheet_table_t *t, const char *rows[][6], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < 6 && rows[i][c]) c++;
        sheet_table_append(t, rows[i], c, i + 1);
    }
}

static int dirty_a2(void *ud, const char *key)
{
    (void)ud;
    return strcmp(key, "A-2") == 0;
}

static void plan_finds_rows_by_key_and_columns_by_header(void **state)
{
    (void)state;
    /* The store's layout... */
    const char *want_rows[][6] = {
        {"TAG_SPOOL", "NV", "Armador", "Ocupado_Por", "Fecha_Armado", NULL},
        {"A-1", "10", "MR(93)", "", "21-01-2026", NULL},
        {"A-2", "10", "", "JP(94)", "", NULL},
        {"A-3", "11", "", "", "", NULL},
    };
    /* ...and the sheet, where a person inserted a column MatSys before Armador, moved rows
     * and left a blank row: only the owned cells are written, where the headers say. */
    const char *have_rows[][6] = {
        {"MatSys", "TAG_SPOOL", "NV", "Armador", "Ocupado_Por", NULL},
        {"x", "A-2", "10", "", "ZZ(1)", NULL},
        {NULL},
        {"y", " A-1 ", "10", "", "", NULL},
    };
    sheet_table_t want = SHEET_TABLE_INIT, have = SHEET_TABLE_INIT;
    table(&want, want_rows, 4);
    table(&have, have_rows, 4);
    sheets_plan_t p;
    char err[256];
    /* Keys-only plan for dirty A-2: its owned cells (Armador D2, Ocupado_Por E2). */
    assert_int_equal(sheets_plan_build(&sheets_spec_operaciones, &have, 0, &want, dirty_a2, NULL,
                                       &p, err, sizeof err),
                     ZE_OK);
    assert_int_equal(p.n_cells, 2);
    assert_int_equal(p.cells[0].row, 2);
    assert_int_equal(p.cells[0].col, 3);
    assert_string_equal(p.cells[0].value, "");
    assert_int_equal(p.cells[1].col, 4);
    assert_string_equal(p.cells[1].value, "JP(94)");
    assert_int_equal(p.n_append, 0);
    assert_int_equal(p.n_conflicts, 0);
    sheets_plan_deinit(&p);
    /* Full plan: A-1's Armador differs (not dirty: a conflict, put back), A-2's Ocupado_Por
     * differs (dirty: lag, no conflict), A-3 is missing (appended). */
    assert_int_equal(sheets_plan_build(&sheets_spec_operaciones, &have, 1, &want, dirty_a2, NULL,
                                       &p, err, sizeof err),
                     ZE_OK);
    assert_int_equal(p.n_cells, 2);
    assert_int_equal(p.cells[0].row, 4);
    assert_int_equal(p.cells[0].col, 3);
    assert_string_equal(p.cells[0].value, "MR(93)");
    assert_int_equal(p.cells[1].row, 2);
    assert_string_equal(p.cells[1].value, "JP(94)");
    assert_int_equal(p.n_conflicts, 1);
    assert_string_equal(p.conflicts[0].key, "A-1");
    assert_string_equal(p.conflicts[0].header, "Armador");
    assert_string_equal(p.conflicts[0].sheet_value, "");
    assert_int_equal(p.n_append, 1);
    assert_int_equal(p.append[0], 3);
    assert_int_equal(p.n_have_cols, 5);
    assert_int_equal(p.have_to_want[0], -1);
    assert_int_equal(p.have_to_want[1], 0);
    assert_int_equal(p.have_to_want[4], 3);
    sheets_plan_deinit(&p);
    sheet_table_deinit(&have);
    /* A sheet without its key column is refused by name. */
    const char *bad_rows[][6] = {{"NV", "Armador", NULL}, {"10", "", NULL}};
    table(&have, bad_rows, 2);
    assert_int_equal(sheets_plan_build(&sheets_spec_operaciones, &have, 1, &want, NULL, NULL, &p,
                                       err, sizeof err),
                     ZE_VALIDATION_ERROR);
    assert_non_null(strstr(err, "TAG_SPOOL"));
    assert_int_equal(p.n_cells, 0);
    sheets_plan_deinit(&p);
    sheet_table_deinit(&have);
    sheet_table_deinit(&want);
}

static void plan_keys_unions_by_tag_and_number(void **state)
{
    (void)state;
    const char *want_rows[][6] = {
        {"TAG_SPOOL", "N_UNION", "ARM_WORKER", NULL},
        {"A-1", "1", "MR(93)", NULL},
        {"A-1", "2", "JP(94)", NULL},
    };
    const char *have_rows[][6] = {
        {"N_UNION", "TAG_SPOOL", "ARM_WORKER", NULL},
        {"2", "A-1", "", NULL},
        {"1", "A-1", "MR(93)", NULL},
    };
    sheet_table_t want = SHEET_TABLE_INIT, have = SHEET_TABLE_INIT;
    table(&want, want_rows, 3);
    table(&have, have_rows, 3);
    sheets_plan_t p;
    char err[256];
    assert_int_equal(sheets_plan_build(&sheets_spec_uniones, &have, 1, &want, NULL, NULL, &p, err,
                                       sizeof err),
                     ZE_OK);
    assert_int_equal(p.n_cells, 1);
    assert_int_equal(p.cells[0].row, 2);
    assert_int_equal(p.cells[0].col, 2);
    assert_string_equal(p.cells[0].value, "JP(94)");
    sheets_plan_deinit(&p);
    sheet_table_deinit(&have);
    sheet_table_deinit(&want);
}

/* The rows of deleted unions: found by TAG_SPOOL + N_UNION wherever the columns and rows are
 * now, every copy of the key, bottom row first (deleting in that order moves no row still to
 * go); none when the rows are gone already; a sheet without a key column is refused by name. */
static void plan_deletes_finds_the_rows_of_deleted_unions_bottom_first(void **state)
{
    (void)state;
    const char *have_rows[][6] = {
        {"OT", "N_UNION", "DN_UNION", "TAG_SPOOL", NULL},
        {"9", "1", "2", "A-1", NULL},
        {"9", "2", "2", "A-1", NULL},   /* to go */
        {NULL},                         /* a blank row a person left */
        {"9", "2", "2", "B-1", NULL},   /* same N_UNION, another spool: stays */
        {"9", "3", "2", "A-1", NULL},   /* to go */
        {"9", "2", "2", " A-1 ", NULL}, /* a copy a person made of the row: goes too */
    };
    sheet_table_t have = SHEET_TABLE_INIT;
    table(&have, have_rows, 7);
    const char *gone[] = {"A-1\x1f" "2", "A-1\x1f" "3", "C-9\x1f" "1"};
    int *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(sheets_plan_deletes(&sheets_spec_uniones, &have, gone, 3, &rows, &n, err,
                                         sizeof err),
                     ZE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0], 7);
    assert_int_equal(rows[1], 6);
    assert_int_equal(rows[2], 3);
    free(rows);
    /* Gone already (an attempt whose answer was lost): nothing to delete. */
    const char *gone_already[] = {"C-9\x1f" "1"};
    assert_int_equal(sheets_plan_deletes(&sheets_spec_uniones, &have, gone_already, 1, &rows, &n,
                                         err, sizeof err),
                     ZE_OK);
    assert_int_equal(n, 0);
    free(rows);
    sheet_table_deinit(&have);
    const char *bad_rows[][6] = {{"OT", "TAG_SPOOL", NULL}, {"9", "A-1", NULL}};
    table(&have, bad_rows, 2);
    assert_int_equal(sheets_plan_deletes(&sheets_spec_uniones, &have, gone, 3, &rows, &n, err,
                                         sizeof err),
                     ZE_VALIDATION_ERROR);
    assert_non_null(strstr(err, "N_UNION"));
    assert_null(rows);
    assert_int_equal(n, 0);
    sheet_table_deinit(&have);
}

static void metadata_confirmed_finds_what_reached_the_sheet(void **state)
{
    (void)state;
    const char *col[] = {"id", "e1", "e2", "e3", "", "e4"};
    const char *pend[] = {"e3", "e4", "e5"};
    assert_int_equal(sheets_metadata_confirmed(col, 6, pend, 3), 1);
    const char *pend2[] = {"e5", "e6"};
    assert_int_equal(sheets_metadata_confirmed(col, 6, pend2, 2), -1);
    assert_int_equal(sheets_metadata_confirmed(col, 0, pend2, 2), -1);
    /* A row a person added below ours does not hide them. */
    const char *col2[] = {"id", "e1", "e2", "nota de la oficina"};
    const char *pend3[] = {"e1", "e2", "e3"};
    assert_int_equal(sheets_metadata_confirmed(col2, 4, pend3, 3), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a1_columns_sheets_and_escaping),
        cmocka_unit_test(backoff_doubles_with_jitter_and_truncates),
        cmocka_unit_test(budget_never_allows_more_than_per_min_in_any_minute),
        cmocka_unit_test(jwt_signing_input_is_unpadded_base64url_json),
        cmocka_unit_test(json_cells_become_codec_text),
        cmocka_unit_test(plan_finds_rows_by_key_and_columns_by_header),
        cmocka_unit_test(plan_keys_unions_by_tag_and_number),
        cmocka_unit_test(plan_deletes_finds_the_rows_of_deleted_unions_bottom_first),
        cmocka_unit_test(metadata_confirmed_finds_what_reached_the_sheet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
