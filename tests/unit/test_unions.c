/* The union rules of core/unions.h (domain-v4 §3-§5), table-driven: types, completeness and
 * work, availability per operation (legacy SOLD mode included), the wire id and its
 * resolution within one spool, metrics and PD, and the hundredths codec.
 * Bugs of the original checked as intended behaviour are named by their item:
 * domain-v4 §14.n ("D14.n") and api-v4v5 §5.n ("A5.n"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/unions.h"

#define TAG "MK-1335-CW-25238-011"
#define T_ARM 1769700000
#define T_SOLD 1769790000

static zunion_t mku(int n, const char *ot, int64_t dn_c, const char *tipo, int armed, int welded)
{
    zunion_t u;
    memset(&u, 0, sizeof u);
    snprintf(u.tag, sizeof u.tag, "%s", TAG);
    u.n = n;
    snprintf(u.ot, sizeof u.ot, "%s", ot);
    u.dn_c = dn_c;
    snprintf(u.tipo, sizeof u.tipo, "%s", tipo);
    if (armed) {
        u.arm_inicio = T_ARM - 600;
        u.arm_fin = T_ARM;
        snprintf(u.arm_worker, sizeof u.arm_worker, "MR(93)");
    }
    if (welded) {
        u.sol_inicio = T_SOLD - 600;
        u.sol_fin = T_SOLD;
        snprintf(u.sol_worker, sizeof u.sol_worker, "MM(11)");
    }
    u.version = 1;
    return u;
}

/* ---------------------------------------------------------------------------------------- */

static void test_tipos(void **state)
{
    (void)state;
    static const struct {
        const char *tipo;
        int needs_sold, known;
    } rows[] = {
        {"BW", 1, 1}, {"BR", 1, 1}, {"SO", 1, 1}, {"FILL", 1, 1},
        {"LET", 1, 1}, /* D14.2: LET needs SOLD and is a known type (guardar accepts it) */
        {"FW", 0, 1},  /* field weld: ARM-only */
        {"MIT", 0, 1}, /* D14.2: MIT is ARM-only by the shared rule, not by accident */
        {"SW", 0, 1}, {"TW", 0, 1}, /* A5.9: the seed's types are known (editable) */
        {"bw", 0, 0},  /* exact, case-sensitive */
        {"BW ", 0, 0}, {"", 0, 0},  {"XX", 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (zunion_tipo_needs_sold(rows[i].tipo) != rows[i].needs_sold)
            fail_msg("needs_sold('%s') != %d", rows[i].tipo, rows[i].needs_sold);
        if (zunion_tipo_known(rows[i].tipo) != rows[i].known)
            fail_msg("known('%s') != %d", rows[i].tipo, rows[i].known);
    }
    assert_int_equal(zunion_tipo_needs_sold(NULL), 0);
    assert_int_equal(zunion_tipo_known(NULL), 0);
}

static void test_complete_and_work(void **state)
{
    (void)state;
    zunion_t u = mku(1, "001", 250, "BW", 0, 0);
    assert_true(zunion_complete(&u));
    assert_false(zunion_has_work(&u));
    u.dn_c = 0; /* empty DN: a partial definition, invisible to progress logic */
    assert_false(zunion_complete(&u));
    u = mku(1, "001", 250, "", 0, 0);
    assert_false(zunion_complete(&u));
    /* has_work = a worker registered, whatever the dates say (domain-v4 §3.4). */
    u = mku(1, "001", 250, "BW", 0, 0);
    snprintf(u.arm_worker, sizeof u.arm_worker, "MR(93)");
    assert_true(zunion_has_work(&u));
    u = mku(1, "001", 250, "BW", 0, 0);
    snprintf(u.sol_worker, sizeof u.sol_worker, "MM(11)");
    assert_true(zunion_has_work(&u));
}

static void test_available_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int64_t dn;
        const char *tipo;
        int armed, welded, legacy;
        int arm, sold; /* expected availability */
    } rows[] = {
        {"fresh BW", 250, "BW", 0, 0, 0, 1, 0},
        {"armed BW", 250, "BW", 1, 0, 0, 0, 1},
        {"armed+welded BW", 250, "BW", 1, 1, 0, 0, 0},
        {"armed FW (ARM-only)", 250, "FW", 1, 0, 0, 0, 0},
        {"A5.10 armed MIT is never SOLD-selectable", 250, "MIT", 1, 0, 0, 0, 0},
        {"armed SW (ARM-only)", 250, "SW", 1, 0, 0, 0, 0},
        {"armed LET needs SOLD", 250, "LET", 1, 0, 0, 0, 1},
        {"fresh FW", 250, "FW", 0, 0, 0, 1, 0},
        {"incomplete (no DN)", 0, "BW", 0, 0, 0, 0, 0},
        {"incomplete (no TIPO)", 250, "", 0, 0, 0, 0, 0},
        {"legacy SOLD: unarmed BW", 250, "BW", 0, 0, 1, 1, 1},
        {"legacy SOLD: unarmed FW", 250, "FW", 0, 0, 1, 1, 0},
        {"legacy SOLD: welded BW", 250, "BW", 0, 1, 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        zunion_t u = mku(1, "001", rows[i].dn, rows[i].tipo, rows[i].armed, rows[i].welded);
        int a = zunion_available(&u, ZOP_ARM, rows[i].legacy);
        int s = zunion_available(&u, ZOP_SOLD, rows[i].legacy);
        if (a != rows[i].arm || s != rows[i].sold)
            fail_msg("%s: ARM %d SOLD %d, expected %d %d", rows[i].name, a, s, rows[i].arm,
                     rows[i].sold);
        if (zunion_available(&u, ZOP_METROLOGIA, 0) || zunion_available(&u, ZOP_REPARACION, 0))
            fail_msg("%s: only ARM and SOLD register unions", rows[i].name);
    }
}

static void test_legacy_sold(void **state)
{
    (void)state;
    spool_t s;
    memset(&s, 0, sizeof s);
    zunion_t u[2] = {mku(1, "001", 250, "BW", 0, 0), mku(2, "001", 300, "SO", 0, 0)};
    assert_false(zunion_legacy_sold(&s, u, 2)); /* ARM not done at spool level */
    s.fecha_armado = 20260120;
    assert_true(zunion_legacy_sold(&s, u, 2));  /* ARM done before union tracking */
    assert_true(zunion_legacy_sold(&s, u, 0));
    u[1] = mku(2, "001", 300, "SO", 1, 0);
    assert_false(zunion_legacy_sold(&s, u, 2)); /* one union tracked ARM: per-union rules */
}

static void test_id(void **state)
{
    (void)state;
    static const struct {
        const char *ot;
        int n;
        const char *id;
    } rows[] = {
        {"001", 5, "001+5"}, {" 001 ", 12, "001+12"}, {"1234", 3, "1234+3"}, {"", 1, ""},
        {"   ", 1, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        zunion_t u = mku(rows[i].n, rows[i].ot, 250, "BW", 0, 0);
        char id[96];
        zunion_id(&u, id, sizeof id);
        if (strcmp(id, rows[i].id) != 0) fail_msg("id('%s', %d) = '%s'", rows[i].ot, rows[i].n, id);
    }
}

static void test_find_id_table(void **state)
{
    (void)state;
    /* One spool's unions. Another spool with the same OT has its own 001+1 .. 001+3 (D14.1): the
     * id is only ever resolved against the request's spool, so it cannot pick theirs. */
    zunion_t u[4] = {mku(1, "001", 250, "BW", 0, 0), mku(2, "001", 300, "SO", 0, 0),
                     mku(3, "001", 100, "FW", 0, 0), mku(12, "001", 100, "FW", 0, 0)};
    zunion_t num[2] = {mku(1, "1234.0", 250, "BW", 0, 0), mku(2, "1234", 250, "BW", 0, 0)};
    static const struct {
        const char *id;
        int expect;
    } rows[] = {
        {"001+1", 0}, {"001+2", 1}, {"001+3", 2}, {"001+12", 3},
        {" 001+2 ", 1},  /* surrounding spaces */
        {"001+02", 1},   /* leading zero in N */
        {"1+2", 1},      /* A5.8: OT compared numerically when both are numbers */
        {"001+4", -1},   /* no such N in this spool */
        {"002+1", -1},   /* another OT */
        {"001", -1}, {"+1", -1}, {"001+", -1}, {"001+x", -1}, {"001+1000", -1}, {"", -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int got = zunion_find_id(u, 4, rows[i].id);
        if (got != rows[i].expect) fail_msg("find('%s') = %d, expected %d", rows[i].id, got, rows[i].expect);
    }
    assert_int_equal(zunion_find_id(u, 4, NULL), -1);
    /* A5.8: an OT cell that arrived as the number 1234.0 matches the wire id 1234+1. */
    assert_int_equal(zunion_find_id(num, 2, "1234+1"), 0);
    assert_int_equal(zunion_find_id(num, 2, "1234.0+2"), 1);
    /* An OT that is text stays exact. */
    zunion_t txt[1] = {mku(1, "OT-7A", 250, "BW", 0, 0)};
    assert_int_equal(zunion_find_id(txt, 1, "OT-7A+1"), 0);
    assert_int_equal(zunion_find_id(txt, 1, "ot-7a+1"), -1);
    /* An OT holding '+' still splits at the last '+'. */
    zunion_t plus[1] = {mku(7, "A+B", 250, "BW", 0, 0)};
    assert_int_equal(zunion_find_id(plus, 1, "A+B+7"), 0);
}

static void test_metrics(void **state)
{
    (void)state;
    zunion_t u[6] = {
        mku(1, "001", 250, "BW", 1, 1),  /* ARM+SOLD */
        mku(2, "001", 300, "SO", 1, 0),  /* ARM */
        mku(3, "001", 150, "FW", 1, 0),  /* ARM-only, done */
        mku(4, "001", 175, "MIT", 1, 1), /* ARM-only with a SOLD date: counts in sold_done */
        mku(5, "001", 0, "BW", 0, 0),    /* incomplete: invisible */
        mku(6, "001", 200, "LET", 0, 0), /* pending */
    };
    zunion_metrics_t m;
    zunion_metrics(u, 6, &m);
    assert_int_equal(m.total, 5);
    assert_int_equal(m.arm_done, 4);
    assert_int_equal(m.sold_done, 2);
    assert_int_equal(m.sold_required, 3); /* BW, SO, LET */
    assert_int_equal(m.sold_required_done, 1);
    assert_int_equal(m.pulgadas_arm_c, 250 + 300 + 150 + 175);
    assert_int_equal(m.pulgadas_sold_c, 250 + 175); /* every type with a SOLD date counts */
    zunion_metrics(u, 0, &m);
    assert_int_equal(m.total, 0);
    assert_int_equal(m.pulgadas_arm_c, 0);
}

static void test_format_c(void **state)
{
    (void)state;
    static const struct {
        int64_t c;
        const char *text;
    } rows[] = {
        {250, "2.5"}, {1200, "12"}, {75, "0.75"}, {0, "0"}, {5, "0.05"}, {4800, "48"},
        {1250, "12.5"}, {1234, "12.34"}, {-250, "-2.5"}, {100000000000, "1000000000"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[32];
        zunion_format_c(rows[i].c, out, sizeof out);
        if (strcmp(out, rows[i].text) != 0)
            fail_msg("format(%lld) = '%s'", (long long)rows[i].c, out);
    }
}

static void test_parse_c(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        int64_t c;
    } rows[] = {
        {"2.5", 0, 250}, {"2,5", 0, 250}, {"2", 0, 200}, {" 12.50 ", 0, 1250}, {"0.75", 0, 75},
        {".5", 0, 50},   {"2.", 0, 200},  {"0", 0, 0},     {"2.345", 0, 235}, /* half away */
        {"2.3449", 0, 234}, {"2.3450001", 0, 235}, {"1000000000", 0, 100000000000},
        {"", -1, 0}, {"  ", -1, 0}, {"-2.5", -1, 0}, {"abc", -1, 0}, {"2.5cm", -1, 0},
        {"1e3", -1, 0}, {"2.5.1", -1, 0}, {".", -1, 0}, {"1000000000.01", -1, 0},
        {"1000000001", -1, 0}, {"+2", -1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t c = -7;
        int rc = zunion_parse_c(rows[i].text, &c);
        if (rc != rows[i].rc || (rc == 0 && c != rows[i].c))
            fail_msg("parse('%s') = %d / %lld", rows[i].text, rc, (long long)c);
    }
    int64_t c;
    assert_int_equal(zunion_parse_c(NULL, &c), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tipos),
        cmocka_unit_test(test_complete_and_work),
        cmocka_unit_test(test_available_table),
        cmocka_unit_test(test_legacy_sold),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_find_id_table),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_format_c),
        cmocka_unit_test(test_parse_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
