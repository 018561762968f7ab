/* The v5 card state (core/status.h, domain-v4 §6, api-v4v5 §2.3) over spools as the sheet
 * holds them: each row gives the cells (Estado_Detalle text, occupant, dates, counters), the
 * tracking state is read from them as an import does (sheet_codec_derive_tracking), and the
 * derived state is compared with the expected one and with where the v5 app's card click
 * takes the operator (frontend-client-v5 §3.3). Bugs of the original that must now behave as
 * intended: domain-v4 §14.n ("D14.n"), api-v4v5 §5.n ("A5.n"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/json_map.h"
#include "core/sheet_codec.h"
#include "core/status.h"

#define TAG "MK-9999-SW-32216-111"
#define DASH "\xe2\x80\x94"

static worker_t g_w[3];

static int setup(void **state)
{
    (void)state;
    static const struct {
        int64_t id;
        const char *nombre, *apellido;
        int activo;
    } rows[] = {{93, "Mauricio", "Rodriguez", 1}, {11, "Manuel", "Marchetti", 1},
                {94, "Nicolás", "Rodriguez", 0}};
    for (size_t i = 0; i < 3; i++) {
        memset(&g_w[i], 0, sizeof g_w[i]);
        g_w[i].id = rows[i].id;
        snprintf(g_w[i].nombre, sizeof g_w[i].nombre, "%s", rows[i].nombre);
        snprintf(g_w[i].apellido, sizeof g_w[i].apellido, "%s", rows[i].apellido);
        g_w[i].activo = rows[i].activo;
    }
    return 0;
}

typedef struct row {
    const char *name;
    const char *estado;      /* Estado_Detalle cell */
    const char *ocupado;     /* Ocupado_Por ("" = free) */
    zdate_t arm, sold, qc;   /* Fecha_Armado, Fecha_Soldadura, Fecha_QC_Metrología */
    const char *armador, *soldador;
    int total, arm_done, sold_done; /* union counters (-1 = empty) */
    zestado_trabajo_t want;
    zop_t op;
    int ciclo;
    const char *route;       /* where the v5 app goes on a card click */
} row_t;

static spool_t from_cells(const row_t *r)
{
    spool_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.tag, sizeof s.tag, TAG);
    snprintf(s.nv, sizeof s.nv, "NV1003");
    snprintf(s.estado_detalle, sizeof s.estado_detalle, "%s", r->estado);
    snprintf(s.ocupado_por, sizeof s.ocupado_por, "%s", r->ocupado);
    if (r->ocupado[0]) s.fecha_ocupacion = 1769790000;
    s.fecha_materiales = 20260101;
    s.fecha_armado = r->arm;
    s.fecha_soldadura = r->sold;
    s.fecha_qc = r->qc;
    snprintf(s.armador, sizeof s.armador, "%s", r->armador);
    snprintf(s.soldador, sizeof s.soldador, "%s", r->soldador);
    s.total_uniones = r->total;
    s.uniones_arm_done = r->arm_done;
    s.uniones_sold_done = r->sold_done;
    s.pulgadas_arm_c = s.pulgadas_sold_c = -1;
    sheet_codec_derive_tracking(&s);
    return s;
}

/* The card click routing of the v5 app (frontend-client-v5 §3.3), written from that text. */
static const char *route(const spool_status_t *st)
{
    const spool_t *s = st->spool;
    if (st->estado == ZET_PENDIENTE_METROLOGIA) return "METROLOGIA";
    if (st->operacion_actual != ZOP_NONE) return zop_name(st->operacion_actual);
    if (st->estado == ZET_LIBRE && !spool_is_occupied(s) && s->fecha_armado != ZDATE_NONE &&
        s->fecha_soldadura == ZDATE_NONE)
        return "SOLD";
    return "OperationModal";
}

#define D_ARM 20260120
#define D_SOLD 20260125
#define D_QC 20260128

static const row_t ROWS[] = {
    {"fresh", "", "", 0, 0, 0, "", "", -1, -1, -1, ZET_LIBRE, ZOP_NONE, -1, "OperationModal"},
    {"fresh with unions", "", "", 0, 0, 0, "", "", 5, 0, 0, ZET_LIBRE, ZOP_NONE, -1,
     "OperationModal"},
    {"ARM in progress", "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", "MR(93)", 0,
     0, 0, "MR(93)", "", 5, 2, 0, ZET_EN_PROGRESO, ZOP_ARM, -1, "ARM"},
    {"SOLD in progress (seed EN_SOLD)", "EN_PROGRESO trabajando SOLD", "ML(12)", D_ARM, 0, 0,
     "MR(93)", "ML(12)", 8, 8, 7, ZET_EN_PROGRESO, ZOP_SOLD, -1, "SOLD"},
    {"occupied, text silent, ARM not done", "Ocupado", "MR(93)", 0, 0, 0, "", "", -1, -1, -1,
     ZET_EN_PROGRESO, ZOP_ARM, -1, "ARM"},
    {"occupied, text silent, ARM done", "Ocupado", "MM(11)", D_ARM, 0, 0, "MR(93)", "", -1, -1,
     -1, ZET_EN_PROGRESO, ZOP_SOLD, -1, "SOLD"},
    {"D14.4 paused ARM (partial unions) is PAUSADO", "ARM parcial 2/5 (pausado)", "", 0, 0, 0,
     "MR(93)", "", 5, 2, 0, ZET_PAUSADO, ZOP_NONE, -1, "OperationModal"},
    {"D14.4 paused ARM after a pause without unions", "ARM parcial (pausado)", "", 0, 0, 0,
     "MR(93)", "", 5, 0, 0, ZET_PAUSADO, ZOP_NONE, -1, "OperationModal"},
    {"D14.4 paused SOLD continues SOLD", "SOLD parcial 1/3 (pausado)", "", D_ARM, 0, 0, "MR(93)",
     "MM(11)", 3, 3, 1, ZET_PAUSADO, ZOP_SOLD, -1, "SOLD"},
    {"paused SOLD counted from the unions only", "", "", D_ARM, 0, 0, "MR(93)", "", 3, 3, 1,
     ZET_PAUSADO, ZOP_SOLD, -1, "SOLD"},
    {"paused v3 ARM (no unions)", "Disponible - ARM pausado, SOLD pendiente", "", 0, 0, 0,
     "MR(93)", "", -1, -1, -1, ZET_PAUSADO, ZOP_NONE, -1, "OperationModal"},
    {"ARM and SOLD both paused: the app asks", "SOLD parcial 1/3 (pausado)", "", 0, 0, 0,
     "MR(93)", "MM(11)", 3, 2, 1, ZET_PAUSADO, ZOP_NONE, -1, "OperationModal"},
    {"cancelled without work stays LIBRE", "Disponible - ARM pendiente, SOLD pendiente", "", 0,
     0, 0, "", "", 3, 0, 0, ZET_LIBRE, ZOP_NONE, -1, "OperationModal"},
    {"ARM complete, SOLD not begun (flow 09: straight to SOLD)", "ARM completado - Disponible",
     "", D_ARM, 0, 0, "MR(93)", "", 5, 5, 0, ZET_LIBRE, ZOP_NONE, -1, "SOLD"},
    {"ARM and SOLD dated: PENDIENTE_METROLOGIA (flow 09)", "", "", D_ARM, D_SOLD, 0, "MR(93)",
     "MM(11)", 5, 5, 5, ZET_PENDIENTE_METROLOGIA, ZOP_NONE, -1, "METROLOGIA"},
    {"A5.6 after the auto-trigger", "En Cola Metrología", "", D_ARM, D_SOLD, 0, "MR(93)",
     "MM(11)", 5, 5, 5, ZET_PENDIENTE_METROLOGIA, ZOP_NONE, -1, "METROLOGIA"},
    {"seed MET_PEND", "PENDIENTE_METROLOGIA", "", D_ARM, D_SOLD, 0, "MR(93)", "MM(11)", 5, 5, 5,
     ZET_PENDIENTE_METROLOGIA, ZOP_NONE, -1, "METROLOGIA"},
    {"A5.7 repair finished through FINALIZAR", "REPARACION completado - PENDIENTE_METROLOGIA", "",
     D_ARM, D_SOLD, 0, "MR(93)", "MM(11)", 5, 5, 5, ZET_PENDIENTE_METROLOGIA, ZOP_NONE, -1,
     "METROLOGIA"},
    {"rejected, cycle 2", "RECHAZADO (Ciclo 2/3) - Pendiente reparación", "", D_ARM, D_SOLD,
     D_QC, "MR(93)", "MM(11)", 5, 5, 5, ZET_RECHAZADO, ZOP_NONE, 2, "OperationModal"},
    {"blocked", "BLOQUEADO - Contactar supervisor", "", D_ARM, D_SOLD, D_QC, "MR(93)", "MM(11)",
     5, 5, 5, ZET_BLOQUEADO, ZOP_NONE, -1, "OperationModal"},
    {"repair in progress (flow 10)", "EN_REPARACION (Ciclo 2/3) - Ocupado: NR(94)", "NR(94)",
     D_ARM, D_SOLD, D_QC, "NR(94)", "MM(11)", 5, 5, 5, ZET_EN_PROGRESO, ZOP_REPARACION, 2,
     "REPARACION"},
    {"D14.6 A5.12 a paused repair resumes the repair, never metrología",
     "REPARACION_PAUSADA (Ciclo 1/3)", "", D_ARM, D_SOLD, D_QC, "MR(93)", "MM(11)", 5, 5, 5,
     ZET_PAUSADO, ZOP_REPARACION, 1, "REPARACION"},
    {"D14.6 a paused repair without an inspection date", "REPARACION_PAUSADA (Ciclo 2/3)", "",
     D_ARM, D_SOLD, 0, "MR(93)", "MM(11)", 5, 5, 5, ZET_PAUSADO, ZOP_REPARACION, 2, "REPARACION"},
    {"a repair text nobody holds is a paused repair", "EN_REPARACION (Ciclo 1/3) - Ocupado: X",
     "", D_ARM, D_SOLD, D_QC, "MR(93)", "MM(11)", 5, 5, 5, ZET_PAUSADO, ZOP_REPARACION, 1,
     "REPARACION"},
    {"approved", "METROLOGIA APROBADO ✓", "", D_ARM, D_SOLD, D_QC, "MR(93)", "MM(11)", 5, 5, 5,
     ZET_COMPLETADO, ZOP_NONE, -1, "OperationModal"},
    {"every date, text silent", "", "", D_ARM, D_SOLD, D_QC, "MR(93)", "MM(11)", -1, -1, -1,
     ZET_COMPLETADO, ZOP_NONE, -1, "OperationModal"},
    {"ARM reopened for a union added after both dates", "MR(93) trabajando ARM (ARM en progreso, "
     "SOLD completado)", "MR(93)", D_ARM, D_SOLD, 0, "MR(93)", "MM(11)", 6, 5, 5,
     ZET_EN_PROGRESO, ZOP_ARM, -1, "ARM"},
};

static void test_state_table(void **state)
{
    (void)state;
    char log[8192] = "";
    int bad = 0;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const row_t *r = &ROWS[i];
        spool_t s = from_cells(r);
        spool_status_t st;
        status_derive(&s, g_w, 3, &st);
        const char *to = route(&st);
        if (st.estado != r->want || st.operacion_actual != r->op || st.ciclo_rep != r->ciclo ||
            strcmp(to, r->route) != 0) {
            bad++;
            size_t k = strlen(log);
            snprintf(log + k, sizeof log - k, "%s: %s/%s/%d -> %s, expected %s/%s/%d -> %s\n",
                     r->name, status_estado_name(st.estado), zop_name(st.operacion_actual),
                     st.ciclo_rep, to, status_estado_name(r->want), zop_name(r->op), r->ciclo,
                     r->route);
        }
    }
    if (bad) fail_msg("%d states wrong:\n%s", bad, log);
}

static void test_display(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *want;
    } rows[] = {
        {"MR(93)", "Mauricio Rodriguez"}, {"MM(11)", "Manuel Marchetti"},
        {"NR(94)", "NR(94)"},  /* inactive: the raw value */
        {"XX(7)", "XX(7)"},    /* unknown id */
        {"Juan", "Juan"},      {"", ""},
        {"MR(93) extra", "MR(93) extra"}, /* no trailing (ID) */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[STATUS_NAME_MAX];
        status_display(rows[i].raw, g_w, 3, out, sizeof out);
        if (strcmp(out, rows[i].want) != 0) fail_msg("display('%s') = '%s'", rows[i].raw, out);
    }
    char out[8];
    status_display(NULL, g_w, 3, out, sizeof out);
    assert_string_equal(out, "");
}

static void history_of(const row_t *r, spool_status_t *st, spool_t *s)
{
    *s = from_cells(r);
    status_derive(s, g_w, 3, st);
}

static void assert_entry(const status_entry_t *e, const char *op, const char *worker,
                         const char *date, int partial)
{
    assert_string_equal(e->operation, op);
    assert_string_equal(e->worker, worker);
    assert_string_equal(e->date, date);
    assert_int_equal(e->partial, partial);
}

static void test_completion_history(void **state)
{
    (void)state;
    spool_status_t st;
    spool_t s;
    row_t r = {"", "", "", 0, 0, 0, "MR(93)", "", 5, 3, 0, ZET_PAUSADO, ZOP_NONE, -1, ""};
    history_of(&r, &st, &s);
    assert_int_equal(st.n_history, 1);
    assert_entry(&st.history[0], "ARM parcial 3/5", "Mauricio Rodriguez", DASH, 1);

    r = (row_t){"", "", "", D_ARM, 0, 0, "MR(93)", "MM(11)", 5, 5, 2, ZET_PAUSADO, 0, -1, ""};
    history_of(&r, &st, &s);
    assert_int_equal(st.n_history, 2);
    assert_entry(&st.history[0], "ARM completado", "Mauricio Rodriguez", "20/01", 0);
    assert_entry(&st.history[1], "SOLD parcial 2/5", "Manuel Marchetti", DASH, 1);

    /* A dated SOLD is complete, though ARM-only unions keep the count below the total. */
    r = (row_t){"", "", "", D_ARM, D_SOLD, 0, "MR(93)", "", 5, 5, 2, 0, 0, -1, ""};
    history_of(&r, &st, &s);
    assert_int_equal(st.n_history, 2);
    assert_entry(&st.history[1], "SOLD completado", DASH, "25/01", 0); /* nobody welded */

    /* The ARM entry is left out while its worker holds the spool for ARM. */
    r = (row_t){"", "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", "MR(93)", 0, 0, 0,
                "MR(93)", "", 5, 3, 0, 0, 0, -1, ""};
    history_of(&r, &st, &s);
    assert_int_equal(st.n_history, 0);
    /* ... but not when another worker holds it. */
    snprintf(s.ocupado_por, sizeof s.ocupado_por, "NR(94)");
    status_derive(&s, g_w, 3, &st);
    assert_int_equal(st.n_history, 1);
    assert_string_equal(st.ocupado_por_display, "NR(94)");

    /* A v3 spool (no counters): entries from the dates alone. */
    r = (row_t){"", "", "", D_ARM, 0, 0, "", "", -1, -1, -1, 0, 0, -1, ""};
    history_of(&r, &st, &s);
    assert_int_equal(st.n_history, 1);
    assert_entry(&st.history[0], "ARM completado", DASH, "20/01", 0);
}

/* api-v4v5 §2.3: the keys in order, their null rules and value types. */
static void test_json(void **state)
{
    (void)state;
    row_t r = {"", "MM(11) trabajando SOLD (ARM completado, SOLD en progreso)", "MM(11)", D_ARM, 0,
               0, "MR(93)", "MM(11)", 5, 5, 2, 0, 0, -1, ""};
    spool_t s = from_cells(&r);
    s.pulgadas_arm_c = 1250;
    s.pulgadas_sold_c = 325;
    spool_status_t st;
    status_derive(&s, g_w, 3, &st);
    json_t *o = json_map_spool_status(&st, "30-01-2026 13:20:00");
    static const char *const keys[] = {
        "tag_spool", "nv", "ocupado_por", "ocupado_por_display", "fecha_ocupacion",
        "estado_detalle", "total_uniones", "uniones_arm_completadas", "uniones_sold_completadas",
        "pulgadas_arm", "pulgadas_sold", "completion_history", "fecha_armado", "armador_display",
        "fecha_soldadura", "soldador_display", "operacion_actual", "estado_trabajo", "ciclo_rep"};
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        assert_true(i < sizeof keys / sizeof keys[0]);
        assert_string_equal(k, keys[i]);
        i++;
    }
    assert_int_equal(i, sizeof keys / sizeof keys[0]);
    char *txt = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
    assert_string_equal(
        txt, "{\"tag_spool\":\"" TAG "\",\"nv\":\"NV1003\",\"ocupado_por\":\"MM(11)\","
             "\"ocupado_por_display\":\"Manuel Marchetti\",\"fecha_ocupacion\":\"30-01-2026 "
             "13:20:00\",\"estado_detalle\":\"MM(11) trabajando SOLD (ARM completado, SOLD en "
             "progreso)\",\"total_uniones\":5,\"uniones_arm_completadas\":5,"
             "\"uniones_sold_completadas\":2,\"pulgadas_arm\":12.5,\"pulgadas_sold\":3.25,"
             "\"completion_history\":[{\"operation\":\"ARM completado\",\"worker\":\"Mauricio "
             "Rodriguez\",\"date\":\"20/01\",\"kind\":\"complete\"}],\"fecha_armado\":\"2026-01-"
             "20\",\"armador_display\":\"Mauricio Rodriguez\",\"fecha_soldadura\":null,"
             "\"soldador_display\":\"Manuel Marchetti\",\"operacion_actual\":\"SOLD\","
             "\"estado_trabajo\":\"EN_PROGRESO\",\"ciclo_rep\":null}");
    free(txt);
    json_decref(o);

    /* A free spool without unions: nulls, and no occupation time whatever is passed. */
    row_t f = {"", "", "", 0, 0, 0, "", "", -1, -1, -1, 0, 0, -1, ""};
    s = from_cells(&f);
    s.nv[0] = '\0';
    status_derive(&s, g_w, 3, &st);
    o = json_map_spool_status(&st, "30-01-2026 13:20:00");
    static const char *const nulls[] = {"nv", "ocupado_por", "ocupado_por_display",
                                        "fecha_ocupacion", "estado_detalle", "total_uniones",
                                        "uniones_arm_completadas", "uniones_sold_completadas",
                                        "pulgadas_arm", "pulgadas_sold", "fecha_armado",
                                        "armador_display", "fecha_soldadura", "soldador_display",
                                        "operacion_actual", "ciclo_rep"};
    for (size_t n = 0; n < sizeof nulls / sizeof nulls[0]; n++)
        if (!json_is_null(json_object_get(o, nulls[n]))) fail_msg("%s is not null", nulls[n]);
    assert_int_equal(json_array_size(json_object_get(o, "completion_history")), 0);
    assert_string_equal(json_string_value(json_object_get(o, "estado_trabajo")), "LIBRE");
    json_decref(o);

    /* Counters of 0 stay 0 (one tolerant reading everywhere, domain-v4 §2.3 intended). */
    s.total_uniones = 0;
    s.pulgadas_arm_c = 0;
    status_derive(&s, g_w, 3, &st);
    o = json_map_spool_status(&st, NULL);
    assert_int_equal(json_integer_value(json_object_get(o, "total_uniones")), 0);
    assert_true(json_is_real(json_object_get(o, "pulgadas_arm")));
    json_decref(o);

    /* A repair state carries its cycle. */
    row_t p = {"", "REPARACION_PAUSADA (Ciclo 2/3)", "", D_ARM, D_SOLD, D_QC, "MR(93)", "MM(11)",
               5, 5, 5, 0, 0, -1, ""};
    s = from_cells(&p);
    status_derive(&s, g_w, 3, &st);
    o = json_map_spool_status(&st, NULL);
    assert_int_equal(json_integer_value(json_object_get(o, "ciclo_rep")), 2);
    assert_string_equal(json_string_value(json_object_get(o, "estado_trabajo")), "PAUSADO");
    assert_string_equal(json_string_value(json_object_get(o, "operacion_actual")), "REPARACION");
    json_decref(o);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const names[] = {"LIBRE", "EN_PROGRESO", "PAUSADO", "COMPLETADO",
                                        "RECHAZADO", "BLOQUEADO", "PENDIENTE_METROLOGIA"};
    for (int e = ZET_LIBRE; e <= ZET_PENDIENTE_METROLOGIA; e++)
        assert_string_equal(status_estado_name((zestado_trabajo_t)e), names[e]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_table),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_completion_history),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
