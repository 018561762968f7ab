/* Truth tables of the list predicates (SPEC "Lists"): which spools /api/spools/iniciar offers
 * for each operation (prerequisites met, operation not completed, not occupied, paused work
 * included), which spools a worker holds (what PAUSAR/COMPLETAR offer), and the repair queue.
 * The expected values come from an oracle written here from the rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/lists.h"
#include "core/spool.h"

static const zstate_t STATES[4] = {ZST_PENDIENTE, ZST_EN_PROGRESO, ZST_PAUSADO, ZST_COMPLETADO};
static const zop_t OPS[4] = {ZOP_ARM, ZOP_SOLD, ZOP_METROLOGIA, ZOP_REPARACION};

static const char *word(zstate_t st)
{
    static const char *const w[] = {"pendiente", "en_progreso", "pausado", "completado"};
    return w[st];
}

static void occupy(spool_t *s, int64_t id, zop_t op)
{
    snprintf(s->ocupado_por, sizeof s->ocupado_por, "XX(%lld)", (long long)id);
    s->ocupado_worker_id = id;
    s->ocupado_op = op;
    s->fecha_ocupacion = 1769794200;
    snprintf(s->lock_token, sizeof s->lock_token, "tok");
}

static void set_col(spool_t *s, zop_t op, zstate_t st)
{
    char *w = op == ZOP_ARM ? s->armador : s->soldador;
    zdate_t *d = op == ZOP_ARM ? &s->fecha_armado : &s->fecha_soldadura;
    if (st != ZST_PENDIENTE) snprintf(w, ZNAME_MAX, "PW(50)");
    if (st == ZST_COMPLETADO) *d = op == ZOP_ARM ? 20260120 : 20260125;
}

static int g_bad;

static void check(const char *ctx, const char *what, int got, int want)
{
    if (got == want) return;
    g_bad++;
    print_message("%s: %s = %d, expected %d\n", ctx, what, got, want);
}

/* ARM state × SOLD state × occupant (none / 93 on ARM / 93 on SOLD) × Fecha_Materiales. */
static void test_take_arm_sold_grid(void **state)
{
    (void)state;
    g_bad = 0;
    int n = 0;
    for (int ia = 0; ia < 4; ia++)
        for (int is = 0; is < 4; is++)
            for (int occ = 0; occ < 3; occ++)
                for (int mat = 0; mat < 2; mat++) {
                    zstate_t a = STATES[ia], so = STATES[is];
                    int a_ep = a == ZST_EN_PROGRESO, s_ep = so == ZST_EN_PROGRESO;
                    if (a_ep && s_ep) continue;
                    if (occ == 0 && (a_ep || s_ep)) continue;
                    if (occ == 1 && !a_ep) continue;
                    if (occ == 2 && !s_ep) continue;
                    spool_t s;
                    memset(&s, 0, sizeof s);
                    snprintf(s.tag, sizeof s.tag, "T-%d%d%d%d", ia, is, occ, mat);
                    s.fecha_materiales = mat ? 20260110 : ZDATE_NONE;
                    set_col(&s, ZOP_ARM, a);
                    set_col(&s, ZOP_SOLD, so);
                    if (occ) occupy(&s, 93, occ == 1 ? ZOP_ARM : ZOP_SOLD);
                    assert_int_equal(spool_arm_state(&s), a);
                    assert_int_equal(spool_sold_state(&s), so);
                    n++;
                    int free_ = occ == 0;
                    char ctx[96];
                    snprintf(ctx, sizeof ctx, "[ARM %s, SOLD %s, occ %d, materiales %d]", word(a),
                             word(so), occ, mat);
                    check(ctx, "can_take ARM", lists_can_take(&s, ZOP_ARM),
                          free_ && mat && a != ZST_COMPLETADO);
                    check(ctx, "can_take SOLD", lists_can_take(&s, ZOP_SOLD),
                          free_ && mat && a != ZST_PENDIENTE && so != ZST_COMPLETADO);
                    check(ctx, "can_take METROLOGIA", lists_can_take(&s, ZOP_METROLOGIA),
                          free_ && a == ZST_COMPLETADO && so == ZST_COMPLETADO);
                    check(ctx, "can_take REPARACION", lists_can_take(&s, ZOP_REPARACION), 0);
                    check(ctx, "can_take NONE", lists_can_take(&s, ZOP_NONE), 0);
                    check(ctx, "in_repair_queue", lists_in_repair_queue(&s), 0);
                    for (int io = 0; io < 4; io++)
                        for (int64_t wid = 93; wid <= 94; wid++) {
                            char what[48];
                            snprintf(what, sizeof what, "held_by(%s, %lld)", zop_name(OPS[io]),
                                     (long long)wid);
                            int want = wid == 93 && ((occ == 1 && OPS[io] == ZOP_ARM) ||
                                                     (occ == 2 && OPS[io] == ZOP_SOLD));
                            check(ctx, what, lists_held_by(&s, OPS[io], wid), want);
                        }
                }
    assert_int_equal(n, 30); /* (9 free + 3 on ARM + 3 on SOLD) × 2 */
    if (g_bad) fail_msg("%d list predicate mismatches", g_bad);
}

/* A spool with ARM and SOLD completed through every metrología / repair situation. */
static void test_metrologia_and_repair_grid(void **state)
{
    (void)state;
    enum { V_READY, V_APROBADO, V_RECH, V_PAUS, V_EN, V_PEND, V_BLOQ, V_COUNT };
    static const char *const names[] = {"ready for inspection", "aprobado", "rechazado",
                                        "reparacion_pausada", "en_reparacion (93)",
                                        "pendiente_metrologia", "bloqueado"};
    /* expected: can_take ARM, SOLD, METROLOGIA, REPARACION, in_repair_queue, held REPARACION by 93 */
    static const int want[V_COUNT][6] = {
        [V_READY] = {0, 0, 1, 0, 0, 0},
        [V_APROBADO] = {0, 0, 0, 0, 0, 0},
        [V_RECH] = {0, 0, 0, 1, 1, 0},
        [V_PAUS] = {0, 0, 0, 1, 1, 0},
        [V_EN] = {0, 0, 0, 0, 0, 1},
        [V_PEND] = {0, 0, 1, 0, 0, 0},
        [V_BLOQ] = {0, 0, 0, 0, 1, 0},
    };
    g_bad = 0;
    for (int v = 0; v < V_COUNT; v++) {
        spool_t s;
        memset(&s, 0, sizeof s);
        snprintf(s.tag, sizeof s.tag, "R-%d", v);
        s.fecha_materiales = 20260110;
        set_col(&s, ZOP_ARM, ZST_COMPLETADO);
        set_col(&s, ZOP_SOLD, ZST_COMPLETADO);
        switch (v) {
        case V_READY: break;
        case V_APROBADO: s.fecha_qc = 20260128; s.metrologia = ZMET_APROBADO; break;
        case V_RECH: s.fecha_qc = 20260128; s.metrologia = ZMET_RECHAZADO; s.repair = ZREP_RECHAZADO; s.repair_cycle = 1; break;
        case V_PAUS: s.fecha_qc = 20260128; s.metrologia = ZMET_RECHAZADO; s.repair = ZREP_PAUSADA; s.repair_cycle = 2; break;
        case V_EN:
            s.fecha_qc = 20260128;
            s.metrologia = ZMET_RECHAZADO;
            s.repair = ZREP_EN_REPARACION;
            s.repair_cycle = 1;
            occupy(&s, 93, ZOP_REPARACION);
            break;
        case V_PEND: s.metrologia = ZMET_RECHAZADO; s.repair = ZREP_PENDIENTE_METROLOGIA; s.repair_cycle = 2; break;
        default: s.fecha_qc = 20260128; s.metrologia = ZMET_RECHAZADO; s.repair = ZREP_BLOQUEADO; s.repair_cycle = 3; break;
        }
        const char *ctx = names[v];
        check(ctx, "can_take ARM", lists_can_take(&s, ZOP_ARM), want[v][0]);
        check(ctx, "can_take SOLD", lists_can_take(&s, ZOP_SOLD), want[v][1]);
        check(ctx, "can_take METROLOGIA", lists_can_take(&s, ZOP_METROLOGIA), want[v][2]);
        check(ctx, "can_take REPARACION", lists_can_take(&s, ZOP_REPARACION), want[v][3]);
        check(ctx, "in_repair_queue", lists_in_repair_queue(&s), want[v][4]);
        check(ctx, "held_by(REPARACION, 93)", lists_held_by(&s, ZOP_REPARACION, 93), want[v][5]);
        check(ctx, "held_by(REPARACION, 94)", lists_held_by(&s, ZOP_REPARACION, 94), 0);
        check(ctx, "held_by(ARM, 93)", lists_held_by(&s, ZOP_ARM, 93), 0);
    }
    if (g_bad) fail_msg("%d list predicate mismatches", g_bad);
}

/* Occupied spools are never offered, whatever the operation and whoever holds them. */
static void test_occupied_never_offered(void **state)
{
    (void)state;
    for (int io = 0; io < 4; io++) {
        spool_t s;
        memset(&s, 0, sizeof s);
        snprintf(s.tag, sizeof s.tag, "O-%d", io);
        s.fecha_materiales = 20260110;
        set_col(&s, ZOP_ARM, ZST_COMPLETADO);
        set_col(&s, ZOP_SOLD, ZST_COMPLETADO);
        s.repair = ZREP_RECHAZADO;
        s.repair_cycle = 1;
        occupy(&s, 94, OPS[io]);
        for (int jo = 0; jo < 4; jo++) assert_int_equal(lists_can_take(&s, OPS[jo]), 0);
        assert_int_equal(lists_in_repair_queue(&s), 0);
        assert_int_equal(lists_held_by(&s, OPS[io], 94), 1);
        assert_int_equal(lists_held_by(&s, OPS[io], 93), 0);
    }
}

static void test_labels(void **state)
{
    (void)state;
    for (int io = 0; io < 4; io++) {
        const char *l = lists_label_take(OPS[io]);
        assert_non_null(l);
        assert_true(strncmp(l, zop_name(OPS[io]), strlen(zop_name(OPS[io]))) == 0);
    }
    assert_string_equal(lists_label_take(ZOP_NONE), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_arm_sold_grid),
        cmocka_unit_test(test_metrologia_and_repair_grid),
        cmocka_unit_test(test_occupied_never_offered),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
