/* Table-driven tests of util/csv: records and their physical line numbers, malformed input,
 * the writer's quoting, and write-then-read round trips of awkward rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/csv.h"

#define MAX_FIELDS 6
#define MAX_RECS 5

typedef struct rec {
    size_t line;
    size_t count;
    const char *f[MAX_FIELDS];
} rec_t;

typedef struct read_case {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in); set for inputs holding NUL bytes */
    size_t nrecs;
    rec_t recs[MAX_RECS];
    int end_rc;     /* what csv_next returns after the records: 0 (end) or -1 (malformed) */
    size_t errline; /* when end_rc is -1 */
} read_case_t;

static const read_case_t read_cases[] = {
    {"lf", "a,b,c\n1,2,3\n", 0, 2, {{1, 3, {"a", "b", "c"}}, {2, 3, {"1", "2", "3"}}}, 0, 0},
    {"crlf", "a,b\r\n1,2\r\n", 0, 2, {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}, 0, 0},
    {"mixed endings", "a\r\nb\nc\r\n", 0, 3, {{1, 1, {"a"}}, {2, 1, {"b"}}, {3, 1, {"c"}}}, 0, 0},
    {"no final newline", "a,b\n1,2", 0, 2, {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}, 0, 0},
    {"no final newline, quoted", "a,\"b\"", 0, 1, {{1, 2, {"a", "b"}}}, 0, 0},
    {"trailing empty field", "a,b,\n", 0, 1, {{1, 3, {"a", "b", ""}}}, 0, 0},
    {"trailing empty field at end", "a,b,", 0, 1, {{1, 3, {"a", "b", ""}}}, 0, 0},
    {"only commas", ",,\r\n", 0, 1, {{1, 3, {"", "", ""}}}, 0, 0},
    {"empty middle field", "a,,b\n", 0, 1, {{1, 3, {"a", "", "b"}}}, 0, 0},
    {"empty quoted", "\"\",a,\"\"\n", 0, 1, {{1, 3, {"", "a", ""}}}, 0, 0},
    {"bom", "\xEF\xBB\xBFTAG_SPOOL,Fecha_QC_Metrología\r\nMK-1,30/01/2026\r\n", 0, 2,
     {{1, 2, {"TAG_SPOOL", "Fecha_QC_Metrología"}}, {2, 2, {"MK-1", "30/01/2026"}}}, 0, 0},
    {"bom only", "\xEF\xBB\xBF", 0, 0, {{0}}, 0, 0},
    {"bom not at start is data", "a,\xEF\xBB\xBF\n", 0, 1, {{1, 2, {"a", "\xEF\xBB\xBF"}}}, 0, 0},
    {"quoted comma", "\"a,b\",c\n", 0, 1, {{1, 2, {"a,b", "c"}}}, 0, 0},
    {"doubled quotes", "\"he said \"\"hi\"\"\",x\n", 0, 1, {{1, 2, {"he said \"hi\"", "x"}}}, 0, 0},
    {"only a quote", "\"\"\"\"\n", 0, 1, {{1, 1, {"\""}}}, 0, 0},
    {"utf8 quoted", "\"Metrología, QC\",ñandú\n", 0, 1, {{1, 2, {"Metrología, QC", "ñandú"}}}, 0, 0},
    {"embedded lf", "\"line1\nline2\",b\nnext,row\n", 0, 2,
     {{1, 2, {"line1\nline2", "b"}}, {3, 2, {"next", "row"}}}, 0, 0},
    {"embedded crlf kept", "\"x\r\ny\",z\r\nq,r\r\n", 0, 2,
     {{1, 2, {"x\r\ny", "z"}}, {3, 2, {"q", "r"}}}, 0, 0},
    {"many lines in one field", "h\n\"a\n\nb\n\",c\nd\n", 0, 3,
     {{1, 1, {"h"}}, {2, 2, {"a\n\nb\n", "c"}}, {6, 1, {"d"}}}, 0, 0},
    {"two multi-line fields", "\"a\nb\",\"c\r\nd\"\r\ne\r\n", 0, 2,
     {{1, 2, {"a\nb", "c\r\nd"}}, {4, 1, {"e"}}}, 0, 0},
    {"blank line in the middle", "a\n\nb\n", 0, 3, {{1, 1, {"a"}}, {2, 1, {""}}, {3, 1, {"b"}}}, 0, 0},
    {"trailing blank lines", "a\n\n\r\n\n", 0, 1, {{1, 1, {"a"}}}, 0, 0},
    {"empty data", "", 0, 0, {{0}}, 0, 0},
    {"just a newline", "\n", 0, 0, {{0}}, 0, 0},
    {"quote inside unquoted kept", "5\" pipe,x\n", 0, 1, {{1, 2, {"5\" pipe", "x"}}}, 0, 0},
    {"lone cr is data", "a\rb,c\n", 0, 1, {{1, 2, {"a\rb", "c"}}}, 0, 0},
    {"leading space then quote is data", " \"a\",b\n", 0, 1, {{1, 2, {" \"a\"", "b"}}}, 0, 0},
    /* malformed */
    {"unterminated quote", "a,b\n\"open,c\nd\n", 0, 1, {{1, 2, {"a", "b"}}}, -1, 2},
    {"unterminated at end", "\"abc", 0, 0, {{0}}, -1, 1},
    {"text after closing quote", "\"a\"b\n", 0, 0, {{0}}, -1, 1},
    {"space after closing quote", "x\n\"a\" ,b\n", 0, 1, {{1, 1, {"x"}}}, -1, 2},
    {"lone cr after closing quote", "\"a\"\rb\n", 0, 0, {{0}}, -1, 1},
    {"error after multi-line record", "\"a\nb\",c\n\"d\"e\n", 0, 1, {{1, 2, {"a\nb", "c"}}}, -1, 3},
    {"nul in unquoted field", "a\0b,c\n", 6, 0, {{0}}, -1, 1},
    {"nul in quoted field", "ok\n\"a\0b\"\n", 9, 1, {{1, 1, {"ok"}}}, -1, 2},
};

static void check_read_case(const read_case_t *c)
{
    size_t len = c->len ? c->len : strlen(c->in);
    csv_reader_t *r = csv_reader_new(c->in, len);
    csv_row_t row;
    size_t errline = 0;
    for (size_t i = 0; i < c->nrecs; i++) {
        const rec_t *want = &c->recs[i];
        int rc = csv_next(r, &row, &errline);
        if (rc != 1 || row.count != want->count || row.line != want->line) {
            print_error("[%s] record %zu: rc %d count %zu line %zu; want count %zu line %zu\n",
                        c->name, i, rc, row.count, row.line, want->count, want->line);
            fail();
        }
        for (size_t k = 0; k < want->count; k++) {
            if (strcmp(row.fields[k], want->f[k]) != 0) {
                print_error("[%s] record %zu field %zu: \"%s\", want \"%s\"\n", c->name, i, k,
                            row.fields[k], want->f[k]);
                fail();
            }
        }
    }
    int rc = csv_next(r, &row, &errline);
    if (rc != c->end_rc || (rc == -1 && errline != c->errline)) {
        print_error("[%s] end: rc %d errline %zu; want %d %zu\n", c->name, rc, errline, c->end_rc,
                    c->errline);
        fail();
    }
    /* End and failure are both sticky: the caller can never read past a broken record. */
    errline = 0;
    assert_int_equal(csv_next(r, &row, &errline), c->end_rc);
    if (c->end_rc == -1) assert_int_equal(errline, c->errline);
    assert_int_equal(row.count, 0);
    csv_reader_free(r);
}

static void test_read_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof read_cases / sizeof read_cases[0]; i++) check_read_case(&read_cases[i]);
}

static void test_reader_edges(void **state)
{
    (void)state;
    csv_row_t row;
    csv_reader_t *r = csv_reader_new(NULL, 0);
    assert_int_equal(csv_next(r, &row, NULL), 0);
    csv_reader_free(r);
    csv_reader_free(NULL);

    /* errline may be NULL on failure too. */
    r = csv_reader_new("\"x", 2);
    assert_int_equal(csv_next(r, &row, NULL), -1);
    csv_reader_free(r);

    /* The reader never reads past len, even when the bytes after it would change the record. */
    const char *data = "a,\"b\"\"tail";
    r = csv_reader_new(data, 5);
    assert_int_equal(csv_next(r, &row, NULL), 1);
    assert_int_equal(row.count, 2);
    assert_string_equal(row.fields[1], "b");
    assert_int_equal(csv_next(r, &row, NULL), 0);
    csv_reader_free(r);
}

/* A wide record whose field text grows the buffer many times keeps every pointer valid. */
static void test_wide_record(void **state)
{
    (void)state;
    buf_t in = BUF_INIT, want = BUF_INIT;
    for (int i = 0; i < 500; i++) {
        if (i) buf_putc(&in, ',');
        buf_printf(&in, "\"field %d, with ,commas and \"\"quotes\"\" %0200d\"", i, i);
    }
    buf_puts(&in, "\r\nnext\r\n");
    csv_reader_t *r = csv_reader_new(in.data, in.len);
    csv_row_t row;
    assert_int_equal(csv_next(r, &row, NULL), 1);
    assert_int_equal(row.count, 500);
    for (size_t i = 0; i < row.count; i++) {
        buf_reset(&want);
        buf_printf(&want, "field %zu, with ,commas and \"quotes\" %0200zu", i, i);
        assert_string_equal(row.fields[i], buf_str(&want));
    }
    assert_int_equal(csv_next(r, &row, NULL), 1);
    assert_int_equal(row.line, 2);
    assert_string_equal(row.fields[0], "next");
    assert_int_equal(csv_next(r, &row, NULL), 0);
    csv_reader_free(r);
    buf_deinit(&in);
    buf_deinit(&want);
}

typedef struct field_case {
    const char *in;
    const char *want;
} field_case_t;

static const field_case_t field_cases[] = {
    {"", ""},
    {NULL, ""},
    {"abc", "abc"},
    {"mid space", "mid space"},
    {"Fecha_QC_Metrología", "Fecha_QC_Metrología"},
    {"30/01/2026", "30/01/2026"},
    {"a,b", "\"a,b\""},
    {",", "\",\""},
    {"a\"b", "\"a\"\"b\""},
    {"\"", "\"\"\"\""},
    {"\"\"", "\"\"\"\"\"\""},
    {"a\nb", "\"a\nb\""},
    {"a\r\nb", "\"a\r\nb\""},
    {"a\rb", "\"a\rb\""},
    {" lead", "\" lead\""},
    {"trail ", "\"trail \""},
    {" ", "\" \""},
    {"\ttab", "\"\ttab\""},
    {"tab\t", "\"tab\t\""},
    {"5\" pipe, 2", "\"5\"\" pipe, 2\""},
};

static void test_write_field_table(void **state)
{
    (void)state;
    buf_t out = BUF_INIT;
    for (size_t i = 0; i < sizeof field_cases / sizeof field_cases[0]; i++) {
        buf_reset(&out);
        csv_write_field(&out, field_cases[i].in);
        if (strcmp(buf_str(&out), field_cases[i].want) != 0) {
            print_error("csv_write_field(\"%s\") = [%s], want [%s]\n",
                        field_cases[i].in ? field_cases[i].in : "NULL", buf_str(&out),
                        field_cases[i].want);
            fail();
        }
    }
    buf_deinit(&out);
}

static void test_write_row(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *f[4];
        const char *want;
    } cases[] = {
        {2, {"a", "b"}, "a,b\r\n"},
        {3, {"a", "", "c"}, "a,,c\r\n"},
        {2, {"", ""}, ",\r\n"},
        {1, {""}, "\"\"\r\n"}, /* a lone empty field must not become a blank line */
        {1, {NULL}, "\"\"\r\n"},
        {1, {"x"}, "x\r\n"},
        {3, {"a,b", "q\"", "l\nm"}, "\"a,b\",\"q\"\"\",\"l\nm\"\r\n"},
        {0, {NULL}, "\r\n"},
    };
    buf_t out = BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_reset(&out);
        csv_write_row(&out, cases[i].f, cases[i].n);
        assert_string_equal(buf_str(&out), cases[i].want);
    }
    buf_deinit(&out);
}

/* Rows chosen to hit every quoting rule; NULL ends each row. */
static const char *const tricky_rows[][8] = {
    {"TAG_SPOOL", "Fecha_QC_Metrología", "N°_Informe_UT_ RX", NULL},
    {"a,b", "\"quoted\"", "line1\nline2", "crlf\r\ninside", "", " pad ", "ñandú", NULL},
    {"", NULL},
    {"", "", NULL},
    {"x", NULL},
    {"lone\rcr", "\r", "\n", "\r\n", NULL},
    {"5\" pipe", "\"", ",", "trailing,", NULL},
    {"a", "b", "", NULL},
    {"", NULL}, /* a final empty row survives too */
};

static size_t row_len(const char *const *row)
{
    size_t n = 0;
    while (row[n]) n++;
    return n;
}

static void round_trip(const char *prefix)
{
    size_t nrows = sizeof tricky_rows / sizeof tricky_rows[0];
    buf_t out = BUF_INIT;
    buf_puts(&out, prefix);
    for (size_t i = 0; i < nrows; i++) csv_write_row(&out, tricky_rows[i], row_len(tricky_rows[i]));

    csv_reader_t *r = csv_reader_new(out.data, out.len);
    csv_row_t row;
    size_t line = 1;
    for (size_t i = 0; i < nrows; i++) {
        size_t n = row_len(tricky_rows[i]);
        assert_int_equal(csv_next(r, &row, NULL), 1);
        assert_int_equal(row.count, n);
        assert_int_equal(row.line, line);
        for (size_t k = 0; k < n; k++) {
            assert_string_equal(row.fields[k], tricky_rows[i][k]);
            for (const char *p = tricky_rows[i][k]; *p; p++) line += *p == '\n';
        }
        line++;
    }
    assert_int_equal(csv_next(r, &row, NULL), 0);
    csv_reader_free(r);
    buf_deinit(&out);
}

static void test_round_trip(void **state)
{
    (void)state;
    round_trip("");
}

static void test_round_trip_with_bom(void **state)
{
    (void)state;
    round_trip("\xEF\xBB\xBF");
}

/* Reading a spreadsheet export and writing it again gives the same bytes when the input
 * already used the writer's conventions (CRLF, minimal quoting). */
static void test_read_write_identity(void **state)
{
    (void)state;
    const char *in = "TAG_SPOOL,Fecha_QC_Metrología,Nota\r\n"
                     "MK-1,30/01/2026,\"dice \"\"ok\"\", listo\"\r\n"
                     "MK-2,,\"dos\r\nlíneas\"\r\n"
                     "MK-3,\" borde \",\r\n";
    csv_reader_t *r = csv_reader_new(in, strlen(in));
    buf_t out = BUF_INIT;
    csv_row_t row;
    int rc;
    while ((rc = csv_next(r, &row, NULL)) == 1)
        csv_write_row(&out, (const char *const *)row.fields, row.count);
    assert_int_equal(rc, 0);
    assert_string_equal(buf_str(&out), in);
    csv_reader_free(r);
    buf_deinit(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_table),
        cmocka_unit_test(test_reader_edges),
        cmocka_unit_test(test_wide_record),
        cmocka_unit_test(test_write_field_table),
        cmocka_unit_test(test_write_row),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_with_bom),
        cmocka_unit_test(test_read_write_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
