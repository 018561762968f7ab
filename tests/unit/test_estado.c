/* Estado_Detalle texts (domain-v3.md §4.6) and the repair-cycle parser (§5.2), byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/estado.h"
#include "core/spool.h"

#define PREV "PW(50)"

static spool_t base(void)
{
    spool_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.tag, sizeof s.tag, "MK-1335-CW-25238-011");
    s.fecha_materiales = 20260110;
    return s;
}

/* Puts op in state st; en_progreso means the spool is occupied by MR(93) for op. */
static void set_state(spool_t *s, zop_t op, zstate_t st)
{
    char *w = op == ZOP_ARM ? s->armador : s->soldador;
    zdate_t *d = op == ZOP_ARM ? &s->fecha_armado : &s->fecha_soldadura;
    switch (st) {
    case ZST_PENDIENTE: break;
    case ZST_EN_PROGRESO:
        snprintf(w, ZNAME_MAX, "MR(93)");
        snprintf(s->ocupado_por, sizeof s->ocupado_por, "MR(93)");
        s->ocupado_worker_id = 93;
        s->ocupado_op = op;
        s->fecha_ocupacion = 1769794200;
        break;
    case ZST_PAUSADO: snprintf(w, ZNAME_MAX, PREV); break;
    case ZST_COMPLETADO:
        snprintf(w, ZNAME_MAX, PREV);
        *d = op == ZOP_ARM ? 20260120 : 20260125;
        break;
    }
}

static const char *text_of(const spool_t *s)
{
    static char out[ZTEXT_MAX];
    memset(out, 'x', sizeof out);
    estado_detalle(s, out, sizeof out);
    return out;
}

/* All 16 available-format texts of §4.6, in the order the domain lists them. The en_progreso
 * cases are built with a worker column and no occupant: the text only depends on the words. */
static void test_available_16(void **state)
{
    (void)state;
    static const char *const want[16] = {
        "Disponible - ARM pendiente, SOLD pendiente",
        "Disponible - ARM pendiente, SOLD en progreso",
        "Disponible - ARM pendiente, SOLD pausado",
        "Disponible - ARM pendiente, SOLD completado",
        "Disponible - ARM en progreso, SOLD pendiente",
        "Disponible - ARM en progreso, SOLD en progreso",
        "Disponible - ARM en progreso, SOLD pausado",
        "Disponible - ARM en progreso, SOLD completado",
        "Disponible - ARM pausado, SOLD pendiente",
        "Disponible - ARM pausado, SOLD en progreso",
        "Disponible - ARM pausado, SOLD pausado",
        "Disponible - ARM pausado, SOLD completado",
        "Disponible - ARM completado, SOLD pendiente",
        "Disponible - ARM completado, SOLD en progreso",
        "Disponible - ARM completado, SOLD pausado",
        "Disponible - ARM completado, SOLD completado",
    };
    static const zstate_t order[4] = {ZST_PENDIENTE, ZST_EN_PROGRESO, ZST_PAUSADO, ZST_COMPLETADO};
    for (int a = 0; a < 4; a++)
        for (int s = 0; s < 4; s++) {
            const char *w = want[a * 4 + s];
            if (order[a] == ZST_EN_PROGRESO || order[s] == ZST_EN_PROGRESO) {
                /* An operation is "en progreso" only while occupied for it, and then the text
                 * is the occupied one; the free texts with "en progreso" come from the pair. */
                char pair[64], got[ZTEXT_MAX];
                spool_t sp = base();
                set_state(&sp, ZOP_ARM, order[a] == ZST_EN_PROGRESO ? ZST_PAUSADO : order[a]);
                set_state(&sp, ZOP_SOLD, order[s] == ZST_EN_PROGRESO ? ZST_PAUSADO : order[s]);
                if (order[a] == ZST_EN_PROGRESO && order[s] == ZST_EN_PROGRESO) continue;
                set_state(&sp, order[a] == ZST_EN_PROGRESO ? ZOP_ARM : ZOP_SOLD, ZST_EN_PROGRESO);
                estado_pair(&sp, pair, sizeof pair);
                snprintf(got, sizeof got, "Disponible - %s", pair);
                assert_string_equal(got, w);
                continue;
            }
            spool_t sp = base();
            set_state(&sp, ZOP_ARM, order[a]);
            set_state(&sp, ZOP_SOLD, order[s]);
            assert_string_equal(text_of(&sp), w);
        }
}

static void test_pair(void **state)
{
    (void)state;
    char pair[64];
    spool_t sp = base();
    estado_pair(&sp, pair, sizeof pair);
    assert_string_equal(pair, "ARM pendiente, SOLD pendiente");
    set_state(&sp, ZOP_ARM, ZST_COMPLETADO);
    set_state(&sp, ZOP_SOLD, ZST_EN_PROGRESO);
    estado_pair(&sp, pair, sizeof pair);
    assert_string_equal(pair, "ARM completado, SOLD en progreso");
    /* truncation never overflows */
    char small[8];
    memset(small, 'x', sizeof small);
    estado_pair(&sp, small, sizeof small);
    assert_int_equal(small[7], '\0');
    assert_string_equal(small, "ARM com");
}

static void test_occupied(void **state)
{
    (void)state;
    static const struct {
        zop_t op;       /* operation the occupant works on */
        zstate_t other; /* state of the other operation */
        const char *want;
    } cases[] = {
        {ZOP_ARM, ZST_PENDIENTE, "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)"},
        {ZOP_ARM, ZST_PAUSADO, "MR(93) trabajando ARM (ARM en progreso, SOLD pausado)"},
        {ZOP_ARM, ZST_COMPLETADO, "MR(93) trabajando ARM (ARM en progreso, SOLD completado)"},
        {ZOP_SOLD, ZST_PENDIENTE, "MR(93) trabajando SOLD (ARM pendiente, SOLD en progreso)"},
        {ZOP_SOLD, ZST_PAUSADO, "MR(93) trabajando SOLD (ARM pausado, SOLD en progreso)"},
        {ZOP_SOLD, ZST_COMPLETADO, "MR(93) trabajando SOLD (ARM completado, SOLD en progreso)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spool_t sp = base();
        set_state(&sp, cases[i].op == ZOP_ARM ? ZOP_SOLD : ZOP_ARM, cases[i].other);
        set_state(&sp, cases[i].op, ZST_EN_PROGRESO);
        assert_string_equal(text_of(&sp), cases[i].want);
    }
    /* The occupant's name is whatever Ocupado_Por holds (accents included). */
    spool_t sp = base();
    set_state(&sp, ZOP_ARM, ZST_EN_PROGRESO);
    snprintf(sp.ocupado_por, sizeof sp.ocupado_por, "ÉN(97)");
    assert_string_equal(text_of(&sp), "ÉN(97) trabajando ARM (ARM en progreso, SOLD pendiente)");
    /* Occupied with no operation recorded: the literal word "operación"; the worker column set
     * and not occupied for ARM reads as paused. */
    sp = base();
    set_state(&sp, ZOP_ARM, ZST_PAUSADO);
    snprintf(sp.ocupado_por, sizeof sp.ocupado_por, "MR(93)");
    sp.ocupado_worker_id = 93;
    sp.ocupado_op = ZOP_NONE;
    assert_string_equal(text_of(&sp), "MR(93) trabajando operación (ARM pausado, SOLD pendiente)");
}

static void test_repair_and_metrologia_texts(void **state)
{
    (void)state;
    static const struct {
        zrepair_t repair;
        int cycle;
        int occupied;
        zmetro_t metro;
        const char *want;
    } cases[] = {
        {ZREP_RECHAZADO, 1, 0, ZMET_RECHAZADO, "RECHAZADO (Ciclo 1/3) - Pendiente reparación"},
        {ZREP_RECHAZADO, 2, 0, ZMET_RECHAZADO, "RECHAZADO (Ciclo 2/3) - Pendiente reparación"},
        {ZREP_RECHAZADO, 0, 0, ZMET_RECHAZADO, "RECHAZADO (Ciclo 0/3) - Pendiente reparación"},
        {ZREP_BLOQUEADO, 3, 0, ZMET_RECHAZADO, "BLOQUEADO - Contactar supervisor"},
        {ZREP_EN_REPARACION, 2, 1, ZMET_RECHAZADO, "EN_REPARACION (Ciclo 2/3) - Ocupado: MR(93)"},
        {ZREP_EN_REPARACION, 1, 1, ZMET_RECHAZADO, "EN_REPARACION (Ciclo 1/3) - Ocupado: MR(93)"},
        {ZREP_PAUSADA, 2, 0, ZMET_RECHAZADO, "REPARACION_PAUSADA (Ciclo 2/3)"},
        {ZREP_PENDIENTE_METROLOGIA, 2, 0, ZMET_RECHAZADO, "PENDIENTE_METROLOGIA"},
        {ZREP_PENDIENTE_METROLOGIA, 1, 0, ZMET_NONE, "PENDIENTE_METROLOGIA"},
        {ZREP_NONE, 0, 0, ZMET_APROBADO, "METROLOGIA_APROBADO ✓"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spool_t sp = base();
        set_state(&sp, ZOP_ARM, ZST_COMPLETADO);
        set_state(&sp, ZOP_SOLD, ZST_COMPLETADO);
        sp.fecha_qc = 20260128;
        sp.repair = cases[i].repair;
        sp.repair_cycle = cases[i].cycle;
        sp.metrologia = cases[i].metro;
        if (cases[i].occupied) {
            snprintf(sp.ocupado_por, sizeof sp.ocupado_por, "MR(93)");
            sp.ocupado_worker_id = 93;
            sp.ocupado_op = ZOP_REPARACION;
        }
        assert_string_equal(text_of(&sp), cases[i].want);
    }
    /* "METROLOGIA_APROBADO ✓" is exactly these bytes (U+2713 CHECK MARK). */
    assert_memory_equal("METROLOGIA_APROBADO \xe2\x9c\x93", "METROLOGIA_APROBADO ✓", 24);
    /* A rejected inspection outside the repair loop shows the ARM/SOLD text. */
    spool_t sp = base();
    set_state(&sp, ZOP_ARM, ZST_COMPLETADO);
    set_state(&sp, ZOP_SOLD, ZST_COMPLETADO);
    sp.metrologia = ZMET_RECHAZADO;
    assert_string_equal(text_of(&sp), "Disponible - ARM completado, SOLD completado");
}

static void test_text_fits_and_terminates(void **state)
{
    (void)state;
    spool_t sp = base();
    sp.repair = ZREP_EN_REPARACION;
    sp.repair_cycle = 2;
    memset(sp.ocupado_por, 'W', sizeof sp.ocupado_por - 1);
    sp.ocupado_por[sizeof sp.ocupado_por - 1] = '\0';
    char out[32];
    memset(out, 'x', sizeof out);
    estado_detalle(&sp, out, sizeof out);
    assert_int_equal(strlen(out), sizeof out - 1);
    assert_memory_equal(out, "EN_REPARACION (Ciclo 2/3) - Ocu", 31);
}

static void test_parse_cycle(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int want;
    } cases[] = {
        {"BLOQUEADO - Contactar supervisor", 3},
        {"BLOQUEADO", 3},
        {"xx BLOQUEADO xx (Ciclo 1/3)", 3},
        {"RECHAZADO (Ciclo 1/3) BLOQUEADO", 3},
        {"RECHAZADO (Ciclo 2/3) - Pendiente reparación", 2},
        {"RECHAZADO (Ciclo 1/3) - Pendiente reparación", 1},
        {"RECHAZADO (Ciclo 0/3) - Pendiente reparación", 0},
        {"EN_REPARACION (Ciclo 1/3) - Ocupado: MR(93)", 1},
        {"REPARACION_PAUSADA (Ciclo 2/3)", 2},
        {"Ciclo 9/3", 3},
        {"Ciclo 12/3", 3},
        {"Ciclo 99999999999999999999999/3", 3},
        {"Ciclo 3/3", 3},
        {"Ciclo 2/30", 2},          /* the regex "Ciclo (\d+)/3" matches a prefix */
        {"Ciclo 2/4", 0},
        {"Ciclo x/3", 0},
        {"Ciclo /3 y luego Ciclo 2/3", 2}, /* first match of the regex */
        {"Ciclo 1/3 y Ciclo 2/3", 1},
        {"Ciclo  2/3", 0},          /* \d+ right after one space */
        {"Ciclo -1/3", 0},
        {"Ciclo +2/3", 0},
        {"Ciclo 2 /3", 0},
        {"ciclo 2/3", 0},           /* case-sensitive */
        {"Ciclo 2/", 0},
        {"Ciclo 2", 0},
        {"Ciclo ", 0},
        {"PENDIENTE_METROLOGIA", 0},
        {"METROLOGIA_APROBADO ✓", 0},
        {"Disponible - ARM completado, SOLD completado", 0},
        {"garbage", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = estado_parse_cycle(cases[i].in);
        if (got != cases[i].want)
            fail_msg("estado_parse_cycle(\"%s\") = %d, expected %d", cases[i].in, got, cases[i].want);
    }
    assert_int_equal(estado_parse_cycle(NULL), 0);
}

/* The texts written by the builder parse back to the cycle they carry. */
static void test_parse_round_trip(void **state)
{
    (void)state;
    for (int c = 0; c <= 3; c++) {
        spool_t sp = base();
        sp.repair_cycle = c;
        sp.repair = c == 3 ? ZREP_BLOQUEADO : ZREP_RECHAZADO;
        assert_int_equal(estado_parse_cycle(text_of(&sp)), c);
        sp.repair = ZREP_PAUSADA;
        assert_int_equal(estado_parse_cycle(text_of(&sp)), c);
        sp.repair = ZREP_EN_REPARACION;
        snprintf(sp.ocupado_por, sizeof sp.ocupado_por, "MR(93)");
        assert_int_equal(estado_parse_cycle(text_of(&sp)), c);
    }
}

static void test_words(void **state)
{
    (void)state;
    assert_string_equal(zstate_word(ZST_PENDIENTE), "pendiente");
    assert_string_equal(zstate_word(ZST_EN_PROGRESO), "en progreso");
    assert_string_equal(zstate_word(ZST_PAUSADO), "pausado");
    assert_string_equal(zstate_word(ZST_COMPLETADO), "completado");
    assert_string_equal(zstate_id(ZST_EN_PROGRESO), "en_progreso");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available_16),
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_occupied),
        cmocka_unit_test(test_repair_and_metrologia_texts),
        cmocka_unit_test(test_text_fits_and_terminates),
        cmocka_unit_test(test_parse_cycle),
        cmocka_unit_test(test_parse_round_trip),
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
