/* Table-driven tests of core/names: worker display names, header keys, ids parsed back from
 * display names and UTF-8 validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/names.h"

typedef struct display_case {
    const char *nombre, *apellido;
    int64_t id;
    size_t n; /* output buffer size handed to the function */
    int rc;
    const char *want;
} display_case_t;

static const display_case_t display_cases[] = {
    {"Mauricio", "Rodriguez", 93, 64, 0, "MR(93)"},
    {"Juan Carlos", "Pérez López", 94, 64, 0, "JP(94)"},
    {"María José", "García", 95, 64, 0, "MG(95)"},
    {"émile", "ñandú", 7, 64, 0, "ÉÑ(7)"},
    {"Álvaro", "Úbeda", 8, 64, 0, "ÁÚ(8)"},
    {"ángel", "öst", 9, 64, 0, "ÁÖ(9)"},
    {"  mauricio", "\t rodriguez ", 93, 64, 0, "MR(93)"},
    {"\nana", "  b", 1, 64, 0, "AB(1)"},
    {"1ana", "_x", 2, 64, 0, "1_(2)"},
    {"ÿ", "ß", 3, 64, 0, "Ÿß(3)"},         /* ÿ's capital is outside Latin-1; ß has none */
    {"÷x", "a", 4, 64, 0, "÷A(4)"},        /* ÷ is not a letter and stays */
    {"łukasz", "żak", 5, 64, 0, "łż(5)"},  /* beyond Latin-1 passes through unchanged */
    {"😀x", "a", 6, 64, 0, "😀A(6)"},
    {"Ana", "Bo", 0, 64, 0, "AB(0)"},
    {"Ana", "Bo", INT64_MAX, 64, 0, "AB(9223372036854775807)"},
    /* exact fit and one byte short */
    {"Mauricio", "Rodriguez", 93, 7, 0, "MR(93)"},
    {"Mauricio", "Rodriguez", 93, 6, -1, ""},
    {"émile", "ñandú", 7, 8, 0, "ÉÑ(7)"}, /* seven bytes: É and Ñ take two each */
    {"émile", "ñandú", 7, 7, -1, ""},
    {"Mauricio", "Rodriguez", 93, 1, -1, ""},
    /* blank or unusable names */
    {"", "Rodriguez", 93, 64, -1, ""},
    {"Mauricio", "", 93, 64, -1, ""},
    {"   ", "Rodriguez", 93, 64, -1, ""},
    {"Mauricio", " \t\r\n", 93, 64, -1, ""},
    {NULL, "Rodriguez", 93, 64, -1, ""},
    {"Mauricio", NULL, 93, 64, -1, ""},
    {"\xC3", "Rodriguez", 93, 64, -1, ""},     /* truncated UTF-8 */
    {"\xFF" "abc", "Rodriguez", 93, 64, -1, ""}, /* not UTF-8 at all */
};

static void test_display_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof display_cases / sizeof display_cases[0]; i++) {
        const display_case_t *c = &display_cases[i];
        char out[64];
        memset(out, 'x', sizeof out);
        out[sizeof out - 1] = '\0';
        int rc = names_worker_display(c->nombre, c->apellido, c->id, out, c->n);
        if (rc != c->rc || (rc == 0 && strcmp(out, c->want) != 0)) {
            print_error("case %zu: names_worker_display(%s, %s, %lld, n=%zu) = %d \"%s\"\n", i,
                        c->nombre ? c->nombre : "NULL", c->apellido ? c->apellido : "NULL",
                        (long long)c->id, c->n, rc, out);
            fail();
        }
        /* A failed call must not leave a plausible (truncated) name behind. */
        if (rc != 0 && c->n > 0 && c->nombre && c->apellido && out[0] != 'x')
            assert_string_equal(out, "");
        /* The display name parses back to its id. */
        if (rc == 0) assert_int_equal(names_id_from_display(out), c->id);
    }
}

static void test_display_zero_size(void **state)
{
    (void)state;
    char out[4] = "abc";
    assert_int_equal(names_worker_display("Ana", "Bo", 1, out, 0), -1);
    assert_string_equal(out, "abc");
    assert_int_equal(names_worker_display("Ana", "Bo", 1, NULL, 16), -1);
}

typedef struct header_case {
    const char *in;
    size_t n;
    const char *want;
} header_case_t;

static const header_case_t header_cases[] = {
    {"Fecha_QC_Metrología", 64, "fechaqcmetrología"},
    {"TAG_SPOOL", 64, "tagspool"},
    {"Tipo Armado", 64, "tipoarmado"},
    {"N°_Informe_UT_ RX", 64, "n°informeutrx"},
    {"ÁREA", 64, "área"},
    {"ÀÉÍÓÚÑÜÇ", 64, "àéíóúñüç"},
    {"Ø×Þ", 64, "ø×þ"},          /* × is not a letter and stays */
    {"  _ _  ", 64, ""},
    {"", 64, ""},
    {"already", 64, "already"},
    {"Año-2026", 64, "año-2026"},
    {"Tab\tKept", 64, "tab\tkept"}, /* only spaces and underscores are removed */
    {"ŁÓDŹ", 64, "ŁódŹ"},           /* beyond Latin-1 is left as is */
    {"Emoji😀X", 64, "emoji😀x"},
    /* truncation to n-1 bytes, never inside a UTF-8 character */
    {"TAG_SPOOL", 5, "tags"},
    {"TAG_SPOOL", 1, ""},
    {"ÁREA", 2, ""},
    {"ÁREA", 3, "á"},
    {"ÁREA", 4, "ár"},
    {"A😀", 4, "a"},
    {"A😀", 6, "a😀"},
};

static void test_header_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const header_case_t *c = &header_cases[i];
        char out[64];
        memset(out, 'x', sizeof out);
        names_header_normalize(c->in, out, c->n);
        if (strcmp(out, c->want) != 0) {
            print_error("case %zu: names_header_normalize(\"%s\", %zu) = \"%s\", want \"%s\"\n", i,
                        c->in, c->n, out, c->want);
            fail();
        }
        /* Nothing is written past the n bytes the caller gave. */
        for (size_t k = c->n; k < sizeof out; k++) assert_int_equal(out[k], 'x');
    }
}

/* The v4 key (domain-v4 §1.1): accents dropped as NFKD would, `/` removed too. */
static const header_case_t key_cases[] = {
    {"Fecha_QC_Metrología", 64, "fechaqcmetrologia"},
    {"Fecha_QC_Metrologia", 64, "fechaqcmetrologia"},
    {"TAG_SPOOL", 64, "tagspool"},
    {"OK NDT si/no/Rep", 64, "okndtsinorep"},
    {"Unión N°", 64, "unionn°"},          /* ° has no decomposition */
    {"ÀÉÍÓÚÑÜÇàéíóúñüçÿ", 64, "aeiounucaeiounucy"},
    {"ÆØÞÐ×ß", 64, "æøþð×ß"},            /* no decomposition: lower-cased, kept */
    {"Nº 1ª", 64, "no1a"},
    {"Tipo Unio\xCC\x81n", 64, "tipounion"}, /* an already decomposed accent */
    {"ŁÓDŹ", 64, "ŁodŹ"},
    {"  _ / _  ", 64, ""},
    {"", 64, ""},
    {"DN_UNIÓN", 5, "dnun"},
    {"ÁREA", 2, "a"},                     /* Á became one byte */
    {"ÆA", 2, ""},
    {"ÆA", 3, "æ"},
};

static void test_header_key_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
        const header_case_t *c = &key_cases[i];
        char out[64];
        memset(out, 'x', sizeof out);
        names_header_key(c->in, out, c->n);
        if (strcmp(out, c->want) != 0) {
            print_error("case %zu: names_header_key(\"%s\", %zu) = \"%s\", want \"%s\"\n", i,
                        c->in, c->n, out, c->want);
            fail();
        }
    }
    char out[4] = "abc";
    names_header_key("X", out, 0);
    assert_string_equal(out, "abc");
    names_header_key(NULL, out, sizeof out);
    assert_string_equal(out, "");
    names_header_key("X", NULL, 8);
}

static void test_header_edges(void **state)
{
    (void)state;
    char out[8] = "abc";
    names_header_normalize("X", out, 0);
    assert_string_equal(out, "abc");
    names_header_normalize(NULL, out, sizeof out);
    assert_string_equal(out, "");
    names_header_normalize("X", NULL, 8); /* must not crash */
}

typedef struct id_case {
    const char *in;
    int64_t want;
} id_case_t;

static const id_case_t id_cases[] = {
    {"MR(93)", 93},
    {"ÉÑ(7)", 7},
    {"(12)", 12},
    {"AB(0)", 0},
    {"AB(007)", 7},
    {"A(B)(5)", 5},
    {"A(5)(B)", 0},
    {"X", 0},
    {"A(B)", 0},
    {"", 0},
    {"()", 0},
    {"MR(93", 0},
    {"MR93)", 0},
    {"MR(93) ", 0},
    {"MR( 93)", 0},
    {"MR(-5)", 0},
    {"MR(+5)", 0},
    {"MR(9.5)", 0},
    {"MR(9223372036854775807)", INT64_MAX},
    {"MR(9223372036854775808)", 0},
    {"MR(99999999999999999999999)", 0},
    {NULL, 0},
};

static void test_id_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof id_cases / sizeof id_cases[0]; i++) {
        int64_t got = names_id_from_display(id_cases[i].in);
        if (got != id_cases[i].want) {
            print_error("names_id_from_display(\"%s\") = %lld\n",
                        id_cases[i].in ? id_cases[i].in : "NULL", (long long)got);
            fail();
        }
    }
}

typedef struct utf8_case {
    const char *s;
    size_t len;
    int want;
} utf8_case_t;

/* Lengths are explicit so embedded NULs and truncated tails can be expressed. */
#define U(lit, want) {lit, sizeof(lit) - 1, want}

static const utf8_case_t utf8_cases[] = {
    U("", 1),
    U("plain ascii", 1),
    U("Fecha_QC_Metrología", 1),
    U("ñandú ÁÉÍÓÚ ü", 1),
    U("N°", 1),
    U("€", 1),                      /* three bytes */
    U("😀", 1),                     /* four bytes */
    U("\xF4\x8F\xBF\xBF", 1),       /* U+10FFFF, the last code point */
    U("\xEF\xBF\xBF", 1),           /* U+FFFF, a noncharacter but valid */
    U("\xED\x9F\xBF", 1),           /* U+D7FF, just below the surrogates */
    U("\xEE\x80\x80", 1),           /* U+E000, just above them */
    U("\x7F", 1),
    U("\xC3", 0),                   /* truncated two-byte */
    U("a\xE2\x82", 0),              /* truncated three-byte */
    U("\xF0\x9F\x98", 0),           /* truncated four-byte */
    U("\xC3\x28", 0),               /* bad continuation */
    U("\xE2\x28\xA1", 0),
    U("\xF0\x9F\x28\x80", 0),
    U("\x80", 0),                   /* lone continuation */
    U("\xBF", 0),
    U("\xC0\xAF", 0),               /* overlong '/' */
    U("\xC1\xBF", 0),
    U("\xE0\x80\xAF", 0),           /* overlong three-byte */
    U("\xE0\x9F\xBF", 0),
    U("\xF0\x80\x80\xAF", 0),       /* overlong four-byte */
    U("\xF0\x8F\xBF\xBF", 0),
    U("\xED\xA0\x80", 0),           /* U+D800 surrogate */
    U("\xED\xBF\xBF", 0),           /* U+DFFF surrogate */
    U("\xF4\x90\x80\x80", 0),       /* U+110000 */
    U("\xF5\x80\x80\x80", 0),
    U("\xF8\x88\x80\x80\x80", 0),   /* five-byte form */
    U("\xFE", 0),
    U("\xFF", 0),
    U("a\0b", 0),                   /* embedded NUL */
    U("\0", 0),
    U("ok\xC3\xA9\xC3", 0),         /* valid then truncated */
};

static void test_utf8_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        const utf8_case_t *c = &utf8_cases[i];
        int got = names_utf8_valid(c->s, c->len);
        if (got != c->want) {
            print_error("utf8 case %zu (len %zu): got %d want %d\n", i, c->len, got, c->want);
            fail();
        }
    }
}

static void test_utf8_length_is_respected(void **state)
{
    (void)state;
    /* Only len bytes are judged: a prefix that stops inside a character is invalid, and
     * bytes after len (here a bad tail) are not looked at. */
    assert_int_equal(names_utf8_valid("é", 1), 0);
    assert_int_equal(names_utf8_valid("é", 2), 1);
    assert_int_equal(names_utf8_valid("ab\xFF", 2), 1);
    assert_int_equal(names_utf8_valid(NULL, 0), 1);
    assert_int_equal(names_utf8_valid(NULL, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_table),
        cmocka_unit_test(test_display_zero_size),
        cmocka_unit_test(test_header_table),
        cmocka_unit_test(test_header_edges),
        cmocka_unit_test(test_header_key_table),
        cmocka_unit_test(test_id_table),
        cmocka_unit_test(test_utf8_table),
        cmocka_unit_test(test_utf8_length_is_respected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
