/* Mi Registro (core/registro.h, domain-v4 §9, api-v4v5 §2.9) over a small Uniones sheet:
 * which records a worker's day holds, their grouping by spool and operation, PD totals, the
 * other worker of a group, and dates compared as plant dates (domain-v4 §14.11 and api-v4v5
 * §5.13: the original compared cell text, so serial-number dates never matched). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/registro.h"

/* Plant days as the test's converter knows them (America/Santiago, -03:00 in January). */
#define D29 20260129
#define D30 20260130
#define T29_1000 1769691600  /* 29-01-2026 10:00 -03:00 */
#define T29_2330 1769740200  /* 29-01-2026 23:30 -03:00 = 30-01 02:30 UTC */
#define T30_0900 1769774400  /* 30-01-2026 09:00 -03:00 */
#define T30_1130 1769783400  /* 30-01-2026 11:30 -03:00 */

static int g_calls;

/* Exactly what tz_date does for these instants: the UTC offset is -03:00 all January. */
static zdate_t plant_date(int64_t t)
{
    g_calls++;
    int64_t local = t - 3 * 3600;
    int64_t days = local / 86400;
    /* 2026-01-01 is day 20454 since 1970-01-01 */
    int64_t d = days - 20454;
    if (d < 0 || d > 30) return 0;
    return (zdate_t)(20260101 + d);
}

typedef struct spec {
    const char *tag;
    int n;
    int64_t dn_c;
    const char *tipo;
    const char *arm_worker;
    int64_t arm_fin;
    const char *sol_worker;
    int64_t sol_fin;
} spec_t;

static size_t sheet(zunion_t *u)
{
    static const spec_t rows[] = {
        /* MK-1: MR(93) armed three, MM(11) welded one */
        {"MK-1", 1, 250, "BW", "MR(93)", T30_0900, "MM(11)", T30_1130},
        {"MK-1", 2, 300, "SO", "MR(93)", T30_1130, "", 0},
        {"MK-1", 3, 0, "", "MR(93)", T29_1000, "", 0},     /* another day */
        /* MK-2: MR(93) both armed and welded a union; one with an empty DN */
        {"MK-2", 1, 150, "FW", "MR(93)", T29_2330, "", 0}, /* 29th in Santiago, 30th in UTC */
        {"MK-2", 2, 400, "BW", "MR(93)", T30_0900, "MR(93)", T30_1130},
        {"MK-2", 3, 0, "BW", "MR(93)", T30_0900, "", 0},
        /* in progress: a worker written without an end (imported data) */
        {"MK-3", 1, 100, "BW", "MR(93)", 0, "", 0},
        /* other workers, and ids that only look alike */
        {"MK-1", 4, 500, "BW", "NR(94)", T30_0900, "", 0},
        {"MK-4", 1, 500, "BW", "M(9)", T30_0900, "", 0},
        {"MK-4", 2, 500, "BW", "MR(930)", T30_0900, "", 0},
        {"MK-4", 0, 500, "BW", "MR(93)", T30_0900, "", 0}, /* N_UNION not a number: skipped */
    };
    size_t n = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < n; i++) {
        memset(&u[i], 0, sizeof u[i]);
        snprintf(u[i].tag, sizeof u[i].tag, "%s", rows[i].tag);
        u[i].n = rows[i].n;
        snprintf(u[i].ot, sizeof u[i].ot, "001");
        u[i].dn_c = rows[i].dn_c;
        snprintf(u[i].tipo, sizeof u[i].tipo, "%s", rows[i].tipo);
        snprintf(u[i].arm_worker, sizeof u[i].arm_worker, "%s", rows[i].arm_worker);
        u[i].arm_fin = rows[i].arm_fin;
        u[i].arm_inicio = rows[i].arm_fin ? rows[i].arm_fin - 1800 : 0;
        snprintf(u[i].sol_worker, sizeof u[i].sol_worker, "%s", rows[i].sol_worker);
        u[i].sol_fin = rows[i].sol_fin;
    }
    return n;
}

/* "MK-1/ARM/1 MK-1/ARM/2 ..." of the records. */
static void recs(const registro_t *r, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->n_recs; i++) {
        size_t k = strlen(out);
        snprintf(out + k, cap - k, "%s%s/%s/%d", i ? " " : "", r->recs[i].u->tag,
                 zop_name(r->recs[i].op), r->recs[i].u->n);
    }
}

static void test_day_table(void **state)
{
    (void)state;
    zunion_t u[16];
    size_t n = sheet(u);
    static const struct {
        const char *name;
        int64_t worker;
        zdate_t fecha;
        const char *records;
        size_t groups, spools;
        int64_t pd;
    } rows[] = {
        {"MR(93) on the 30th", 93, D30,
         "MK-1/ARM/1 MK-1/ARM/2 MK-2/ARM/2 MK-2/SOLD/2 MK-2/ARM/3 MK-3/ARM/1", 4, 3,
         250 + 300 + 400 + 400 + 0 + 100},
        {"D14.11 MR(93) on the 29th: dates are plant dates, not UTC or text", 93, D29,
         "MK-1/ARM/3 MK-2/ARM/1 MK-3/ARM/1", 3, 3, 0 + 150 + 100},
        {"MM(11) on the 30th", 11, D30, "MK-1/SOLD/1", 1, 1, 250},
        {"MM(11) on another day: only unfinished work", 11, D29, "", 0, 0, 0},
        {"id 9 is not 93 nor 930", 9, D30, "MK-4/ARM/1", 1, 1, 500},
        {"nobody", 0, D30, "", 0, 0, 0},
        {"an unknown worker", 7, D30, "", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        registro_t r;
        registro_init(&r, u, n, rows[i].worker, rows[i].fecha, plant_date);
        char got[512];
        recs(&r, got, sizeof got);
        if (strcmp(got, rows[i].records) || r.n_groups != rows[i].groups ||
            r.total_spools != rows[i].spools || r.pd_total_c != rows[i].pd)
            fail_msg("%s: [%s] groups %zu spools %zu pd %lld", rows[i].name, got, r.n_groups,
                     r.total_spools, (long long)r.pd_total_c);
        registro_deinit(&r);
    }
}

static void test_groups(void **state)
{
    (void)state;
    zunion_t u[16];
    size_t n = sheet(u);
    registro_t r;
    registro_init(&r, u, n, 93, D30, plant_date);
    assert_int_equal(r.n_groups, 4);
    /* First-seen order: (MK-1, ARM), (MK-2, ARM), (MK-2, SOLD), (MK-3, ARM). */
    static const struct {
        const char *tag;
        zop_t op;
        size_t n;
        int64_t pd;
        const char *otro;
    } want[] = {
        {"MK-1", ZOP_ARM, 2, 550, "MM(11)"},   /* the first record's SOL_WORKER */
        {"MK-2", ZOP_ARM, 2, 400, "MR(93)"}, /* MK-2/1 (the 29th) is not in this day */
        {"MK-2", ZOP_SOLD, 1, 400, "MR(93)"},  /* the first record's ARM_WORKER */
        {"MK-3", ZOP_ARM, 1, 100, "Pendiente"},
    };
    for (size_t g = 0; g < 4; g++) {
        assert_string_equal(r.groups[g].tag, want[g].tag);
        assert_int_equal(r.groups[g].op, want[g].op);
        assert_int_equal(r.groups[g].n_recs, want[g].n);
        assert_int_equal(r.groups[g].pd_total_c, want[g].pd);
        assert_string_equal(r.groups[g].otro_trabajador, want[g].otro);
    }
    int64_t sum = 0;
    for (size_t g = 0; g < r.n_groups; g++) sum += r.groups[g].pd_total_c;
    assert_int_equal(sum, r.pd_total_c);
    /* Each record points into the sheet and at its group. */
    for (size_t i = 0; i < r.n_recs; i++) {
        assert_true(r.recs[i].u >= u && r.recs[i].u < u + n);
        assert_string_equal(r.groups[r.recs[i].group].tag, r.recs[i].u->tag);
        assert_int_equal(r.groups[r.recs[i].group].op, r.recs[i].op);
    }
    registro_deinit(&r);
    assert_null(r.recs);
    registro_deinit(&r); /* twice is harmless */
    registro_deinit(NULL);
}

static void test_worker_id(void **state)
{
    (void)state;
    static const struct {
        const char *cell;
        int64_t id;
    } rows[] = {
        {"MR(93)", 93}, {"Mauricio Rodriguez (93)", 93}, {"MR(93) ", 93}, {"(7)", 7},
        {"MR()", 0},    {"MR(x)(12)", 12},               {"MR", 0},       {"", 0},
        {"MR(93", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (registro_worker_id(rows[i].cell) != rows[i].id)
            fail_msg("id('%s') = %lld", rows[i].cell, (long long)registro_worker_id(rows[i].cell));
    assert_int_equal(registro_worker_id(NULL), 0);
}

static void test_empty(void **state)
{
    (void)state;
    registro_t r;
    g_calls = 0;
    registro_init(&r, NULL, 0, 93, D30, plant_date);
    assert_int_equal(r.n_recs, 0);
    assert_int_equal(r.n_groups, 0);
    assert_int_equal(r.pd_total_c, 0);
    assert_int_equal(r.total_spools, 0);
    assert_int_equal(g_calls, 0);
    registro_deinit(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_table),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_worker_id),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
