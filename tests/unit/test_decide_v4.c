/* The v4 decisions (decide_iniciar, decide_finalizar, decide_guardar, decide_notas) against
 * tables written from the rules (domain-v4 §4, api-v4v5 §2.1/§2.2/§2.8/§3 and SPEC Round 2),
 * not from the code. A union set is spelled "TIPO/DN/flags ..." (N = position, DN in
 * hundredths, flags a = armed earlier, w = welded earlier, "-" = none; TIPO "-" = empty).
 * Bugs of the original that must now behave as intended are named by their item:
 * api-v4v5 §5.n ("A5.n") and domain-v4 §14.n ("D14.n"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decide.h"
#include "core/errors.h"
#include "core/spool.h"
#include "core/unions.h"

#define NOW 1769794200 /* 2026-01-30 14:30:00 -03:00 */
#define TODAY 20260130
#define NOW_TEXT "30-01-2026 14:30:00"
#define TAG "MK-1335-CW-25238-011"
#define MATERIALES 20260110
#define F_ARMADO 20260120
#define F_SOLDADURA 20260125
#define T_OCC (NOW - 5400)     /* the session started 1 h 30 min ago */
#define T_ARM 1769700000       /* 2026-01-29 12:20:00 -03:00: unions armed earlier */
#define T_SOLD 1769710000      /* 2026-01-29 15:06:40 -03:00 */
#define PREV "PW(50)"          /* who did the earlier union work */
#define EVENT_ID "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"

static worker_t W_ARM, W_ARM2, W_SOL, W_AYU, W_MET;
static zoutcome_t *g_out; /* ~100 KB: never on the stack */

static worker_t mkw(int64_t id, const char *display, unsigned roles)
{
    worker_t w;
    memset(&w, 0, sizeof w);
    w.id = id;
    snprintf(w.nombre, sizeof w.nombre, "N%lld", (long long)id);
    snprintf(w.apellido, sizeof w.apellido, "A%lld", (long long)id);
    snprintf(w.display, sizeof w.display, "%s", display);
    w.activo = 1;
    w.roles = roles;
    for (int i = 0; i < ZROLE_COUNT; i++)
        if (roles & (1u << i)) w.roles_order[w.roles_count++] = (char)i;
    return w;
}

static int setup(void **state)
{
    (void)state;
    W_ARM = mkw(93, "MR(93)", ZROLE_ARMADOR);
    W_ARM2 = mkw(94, "NR(94)", ZROLE_ARMADOR);
    W_SOL = mkw(11, "MM(11)", ZROLE_SOLDADOR);
    W_AYU = mkw(20, "AY(20)", ZROLE_AYUDANTE);
    W_MET = mkw(129, "FF(129)", ZROLE_METROLOGIA);
    g_out = calloc(1, sizeof *g_out);
    return g_out ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(g_out);
    return 0;
}

static zcmd_t mkcmd(zop_t op, const worker_t *w)
{
    zcmd_t c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.worker = w;
    c.now = NOW;
    c.today = TODAY;
    c.now_text = NOW_TEXT;
    c.fecha = ZDATE_NONE;
    c.lock_token = "tok";
    c.event_id = EVENT_ID;
    return c;
}

static spool_t base_spool(void)
{
    spool_t s;
    memset(&s, 0, sizeof s);
    s.row = 12;
    snprintf(s.tag, sizeof s.tag, "%s", TAG);
    snprintf(s.nv, sizeof s.nv, "1335");
    snprintf(s.ot, sizeof s.ot, "001");
    s.fecha_materiales = MATERIALES;
    s.version = 7;
    s.total_uniones = s.uniones_arm_done = s.uniones_sold_done = -1;
    s.pulgadas_arm_c = s.pulgadas_sold_c = -1;
    return s;
}

static void occupy(spool_t *s, const worker_t *w, zop_t op)
{
    snprintf(s->ocupado_por, sizeof s->ocupado_por, "%s", w->display);
    s->ocupado_worker_id = w->id;
    s->ocupado_op = op;
    s->fecha_ocupacion = T_OCC;
    snprintf(s->lock_token, sizeof s->lock_token, "held-token");
    if (op == ZOP_ARM) snprintf(s->armador, sizeof s->armador, "%s", w->display);
    if (op == ZOP_SOLD) snprintf(s->soldador, sizeof s->soldador, "%s", w->display);
}

/* Parses a union set (see the file comment) into u; returns how many. */
static size_t mkunions(const char *spec, const char *ot, zunion_t *u)
{
    size_t n = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char tipo[8] = "", flags[8] = "";
        long long dn = 0;
        if (sscanf(tok, "%7[^/]/%lld/%7s", tipo, &dn, flags) != 3) fail_msg("bad spec %s", tok);
        zunion_t *x = &u[n];
        memset(x, 0, sizeof *x);
        snprintf(x->tag, sizeof x->tag, "%s", TAG);
        x->n = (int)n + 1;
        snprintf(x->ot, sizeof x->ot, "%s", ot);
        x->dn_c = dn;
        if (strcmp(tipo, "-") != 0) snprintf(x->tipo, sizeof x->tipo, "%s", tipo);
        if (strchr(flags, 'a')) {
            x->arm_inicio = T_ARM - 3600;
            x->arm_fin = T_ARM;
            snprintf(x->arm_worker, sizeof x->arm_worker, PREV);
        }
        if (strchr(flags, 'w')) {
            x->sol_inicio = T_SOLD - 3600;
            x->sol_fin = T_SOLD;
            snprintf(x->sol_worker, sizeof x->sol_worker, PREV);
        }
        x->version = 3;
        n++;
    }
    return n;
}

/* "001+1,001+2" into ids (pointers into store). */
static size_t mkids(const char *list, char store[][32], const char **ids)
{
    size_t n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        snprintf(store[n], 32, "%s", tok);
        ids[n] = store[n];
        n++;
    }
    return n;
}

/* The event types of the outcome in order, per-union ones as TIPO#N. */
static void event_types(const zoutcome_t *o, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i <= o->n_more; i++) {
        const event_rec_t *e = i == 0 ? &o->event : &o->more[i - 1];
        if (!e->tipo[0]) continue;
        size_t k = strlen(out);
        if (e->n_union) snprintf(out + k, n - k, "%s%s#%d", k ? " " : "", e->tipo, e->n_union);
        else snprintf(out + k, n - k, "%s%s", k ? " " : "", e->tipo);
    }
}

static const event_rec_t *event_of(const zoutcome_t *o, const char *tipo, int n_union)
{
    for (size_t i = 0; i <= o->n_more; i++) {
        const event_rec_t *e = i == 0 ? &o->event : &o->more[i - 1];
        if (!strcmp(e->tipo, tipo) && e->n_union == n_union) return e;
    }
    return NULL;
}

static const char *code_name(int code) { return code == 0 ? "OK" : zerr_name(code); }

/* ---------------------------------------------------------------------------------------- */
/* INICIAR                                                                                   */

enum { OCC_FREE, OCC_ME_ARM, OCC_ME_SOLD, OCC_OTHER_ARM };

typedef struct ini_case {
    const char *name;
    const char *unions;     /* NULL = a spool without unions */
    const char *flags;      /* A = Fecha_Armado, S = Fecha_Soldadura, m = no Fecha_Materiales,
                               a = Armador set (PREV), R = rechazado (cycle 1) */
    int occ;
    const worker_t *w;
    zop_t op;
    int code;
    int noop;
    const char *estado;     /* expected Estado_Detalle on success */
    const char *msg;        /* expected failure message (NULL = not checked) */
} ini_case_t;

static spool_t flagged(const char *flags)
{
    spool_t s = base_spool();
    if (strchr(flags, 'A')) {
        s.fecha_armado = F_ARMADO;
        snprintf(s.armador, sizeof s.armador, PREV);
    }
    if (strchr(flags, 'a')) snprintf(s.armador, sizeof s.armador, PREV);
    if (strchr(flags, 'S')) {
        s.fecha_soldadura = F_SOLDADURA;
        snprintf(s.soldador, sizeof s.soldador, PREV);
    }
    if (strchr(flags, 'm')) s.fecha_materiales = ZDATE_NONE;
    if (strchr(flags, 'R')) {
        s.fecha_qc = 20260128;
        s.metrologia = ZMET_RECHAZADO;
        s.repair = ZREP_RECHAZADO;
        s.repair_cycle = 1;
        snprintf(s.estado_detalle, sizeof s.estado_detalle,
                 "RECHAZADO (Ciclo 1/3) - Pendiente reparación");
    }
    return s;
}

static void test_iniciar_table(void **state)
{
    (void)state;
    static const ini_case_t rows[] = {
        {"ARM fresh, no unions", NULL, "", OCC_FREE, &W_ARM, ZOP_ARM, 0, 0,
         "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", NULL},
        {"ARM fresh with unions", "BW/250/- BW/300/-", "", OCC_FREE, &W_ARM, ZOP_ARM, 0, 0,
         "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", NULL},
        {"ARM by Ayudante", "BW/250/-", "", OCC_FREE, &W_AYU, ZOP_ARM, 0, 0,
         "AY(20) trabajando ARM (ARM en progreso, SOLD pendiente)", NULL},
        {"SOLD by Ayudante", "BW/250/a", "a", OCC_FREE, &W_AYU, ZOP_SOLD, 0, 0,
         "AY(20) trabajando SOLD (ARM pausado, SOLD en progreso)", NULL},
        {"roles enforced: ARM by a Soldador", "BW/250/-", "", OCC_FREE, &W_SOL, ZOP_ARM,
         ZE_ROL_NO_AUTORIZADO, 0, NULL,
         "Trabajador 11 no tiene el rol 'Armador o Ayudante' necesario para realizar la "
         "operación 'ARM'. Roles actuales: Soldador"},
        {"roles enforced: SOLD by an Armador", "BW/250/a", "a", OCC_FREE, &W_ARM, ZOP_SOLD,
         ZE_ROL_NO_AUTORIZADO, 0, NULL, NULL},
        {"roles enforced: ARM by Metrologia", NULL, "", OCC_FREE, &W_MET, ZOP_ARM,
         ZE_ROL_NO_AUTORIZADO, 0, NULL, NULL},
        {"A5.11 occupied by another worker: 409 naming the holder", "BW/250/-", "", OCC_OTHER_ARM,
         &W_ARM, ZOP_ARM, ZE_SPOOL_OCCUPIED, 0, NULL,
         "El spool '" TAG "' ya está ocupado por NR(94) (ID: 94). Espera a que termine o elige "
         "otro spool."},
        {"A5.11 occupied by another worker, other operation", "BW/250/a", "a", OCC_OTHER_ARM,
         &W_SOL, ZOP_SOLD, ZE_SPOOL_OCCUPIED, 0, NULL, NULL},
        {"double tap: same worker, same operation", "BW/250/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM,
         0, 1, NULL, NULL},
        {"double tap by an Ayudante", "BW/250/a", "a", OCC_ME_ARM, &W_AYU, ZOP_ARM, 0, 1, NULL,
         NULL},
        {"the same worker holds it for the other operation", "BW/250/a", "a", OCC_ME_ARM, &W_AYU,
         ZOP_SOLD, ZE_INVALID_STATE_TRANSITION, 0, NULL, NULL},
        {"SOLD needs ARM: no union armed", "BW/250/- BW/300/- SO/100/-", "a", OCC_FREE, &W_SOL,
         ZOP_SOLD, ZE_ARM_PREREQUISITE, 0, NULL,
         "No se puede iniciar SOLD: 0/3 uniones armadas (requiere >= 1)"},
        {"SOLD needs ARM: one union armed is enough", "BW/250/a BW/300/- SO/100/-", "a", OCC_FREE,
         &W_SOL, ZOP_SOLD, 0, 0, "MM(11) trabajando SOLD (ARM pausado, SOLD en progreso)", NULL},
        {"SOLD needs ARM: an incomplete armed row does not count", "-/0/a BW/300/-", "a",
         OCC_FREE, &W_SOL, ZOP_SOLD, ZE_ARM_PREREQUISITE, 0, NULL,
         "No se puede iniciar SOLD: 0/2 uniones armadas (requiere >= 1)"},
        {"SOLD on a spool without unions needs Fecha_Armado", NULL, "a", OCC_FREE, &W_SOL,
         ZOP_SOLD, ZE_ARM_PREREQUISITE, 0, NULL,
         "No se puede iniciar SOLD: ARM no completado (Fecha_Armado vacía)"},
        {"SOLD on a spool without unions after ARM", NULL, "A", OCC_FREE, &W_SOL, ZOP_SOLD, 0, 0,
         "MM(11) trabajando SOLD (ARM completado, SOLD en progreso)", NULL},
        {"SOLD legacy: Fecha_Armado, no union armed", "BW/250/- BW/300/-", "A", OCC_FREE, &W_SOL,
         ZOP_SOLD, 0, 0, "MM(11) trabajando SOLD (ARM completado, SOLD en progreso)", NULL},
        {"ARM needs Fecha_Materiales", "BW/250/-", "m", OCC_FREE, &W_ARM, ZOP_ARM,
         ZE_DEPENDENCIAS_NO_SATISFECHAS, 0, NULL,
         "No se puede iniciar ARM en spool '" TAG "': falta Fecha_Materiales (El spool debe tener "
         "materiales registrados antes de ocuparlo)"},
        {"A5.11 ARM already complete (dated, every union armed)", "BW/250/a BW/300/a", "A",
         OCC_FREE, &W_ARM, ZOP_ARM, ZE_OPERACION_YA_COMPLETADA, 0, NULL,
         "La operación ARM del spool '" TAG "' ya fue completada. Contacta al administrador si "
         "necesitas hacer correcciones."},
        {"ARM dated, but a union added later is not armed", "BW/250/a BW/300/-", "A", OCC_FREE,
         &W_ARM, ZOP_ARM, 0, 0, "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)", NULL},
        {"ARM dated at spool level before union tracking", "BW/250/- BW/300/-", "A", OCC_FREE,
         &W_ARM, ZOP_ARM, ZE_OPERACION_YA_COMPLETADA, 0, NULL, NULL},
        {"ARM complete on a spool without unions", NULL, "A", OCC_FREE, &W_ARM, ZOP_ARM,
         ZE_OPERACION_YA_COMPLETADA, 0, NULL, NULL},
        {"SOLD already complete", "BW/250/aw", "AS", OCC_FREE, &W_SOL, ZOP_SOLD,
         ZE_OPERACION_YA_COMPLETADA, 0, NULL, NULL},
        {"METROLOGIA is instant, not occupied", "BW/250/aw", "AS", OCC_FREE, &W_MET,
         ZOP_METROLOGIA, ZE_OPERACION_NO_DISPONIBLE, 0, NULL, NULL},
        {"no operation", NULL, "", OCC_FREE, &W_ARM, ZOP_NONE, ZE_VALIDATION_ERROR, 0, NULL, NULL},
        {"ARM on a rejected spool belongs to REPARACION", "BW/250/aw BW/300/-", "ASR", OCC_FREE,
         &W_ARM, ZOP_ARM, ZE_OPERACION_NO_DISPONIBLE, 0, NULL, NULL},
        {"REPARACION takes a rejected spool like tomar-reparación", "BW/250/aw", "ASR", OCC_FREE,
         &W_ARM, ZOP_REPARACION, 0, 0, "EN_REPARACION (Ciclo 1/3) - Ocupado: MR(93)", NULL},
    };
    char log[8192] = "";
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const ini_case_t *c = &rows[i];
        spool_t s = flagged(c->flags);
        zunion_t u[ZUNION_MAX];
        size_t n = c->unions ? mkunions(c->unions, "001", u) : 0;
        if (c->occ == OCC_ME_ARM) occupy(&s, c->w, ZOP_ARM);
        if (c->occ == OCC_OTHER_ARM) occupy(&s, &W_ARM2, ZOP_ARM);
        zcmd_t cmd = mkcmd(c->op, c->w);
        cmd.action = ZACT_TOMAR;
        cmd.unions = u;
        cmd.n_unions = n;
        zfail_t fail = {0};
        int rc = decide_iniciar(&s, &cmd, g_out, &fail);
        const char *why = NULL;
        if (rc != c->code) why = "code";
        else if (rc == 0 && g_out->noop != c->noop) why = "noop";
        else if (rc == 0 && !c->noop && strcmp(g_out->after.estado_detalle, c->estado)) why = "estado";
        else if (rc != 0 && c->msg && strcmp(fail.message, c->msg)) why = "message";
        else if (rc == 0 && !c->noop && g_out->lock != ZLOCK_ACQUIRE) why = "lock";
        if (why) {
            bad++;
            size_t k = strlen(log);
            snprintf(log + k, sizeof log - k, "%s: %s wrong (got %s noop=%d '%s' / '%s')\n",
                     c->name, why, code_name(rc), g_out->noop, g_out->after.estado_detalle,
                     rc ? fail.message : "");
        }
        if (rc != 0) assert_int_equal(zerr_status(rc), zerr_status(c->code));
        zfail_clear(&fail);
    }
    if (bad) fail_msg("%d INICIAR cases wrong:\n%s", bad, log);
}

static void test_iniciar_writes_and_event(void **state)
{
    (void)state;
    spool_t s = base_spool();
    snprintf(s.armador, sizeof s.armador, PREV);
    zunion_t u[ZUNION_MAX];
    size_t n = mkunions("BW/250/a BW/300/-", "001", u);
    zcmd_t cmd = mkcmd(ZOP_SOLD, &W_SOL);
    cmd.unions = u;
    cmd.n_unions = n;
    zfail_t fail = {0};
    assert_int_equal(decide_iniciar(&s, &cmd, g_out, &fail), ZE_OK);
    const spool_t *a = &g_out->after;
    assert_string_equal(a->ocupado_por, "MM(11)");
    assert_int_equal(a->ocupado_worker_id, 11);
    assert_int_equal(a->ocupado_op, ZOP_SOLD);
    assert_int_equal(a->fecha_ocupacion, NOW);
    assert_string_equal(a->lock_token, "tok");
    assert_string_equal(a->soldador, "MM(11)");
    assert_string_equal(a->armador, PREV); /* the other column is not touched */
    assert_int_equal(g_out->lock, ZLOCK_ACQUIRE);
    assert_int_equal(g_out->n_puts, 0);     /* nothing is written to Uniones */
    const event_rec_t *e = &g_out->event;
    assert_string_equal(e->tipo, "INICIAR_SPOOL");
    assert_string_equal(e->operacion, "SOLD");
    assert_string_equal(e->accion, "INICIAR");
    assert_string_equal(e->id, EVENT_ID);
    assert_int_equal(e->worker_id, 11);
    assert_string_equal(e->worker_nombre, "MM(11)");
    assert_int_equal(e->fecha_operacion, TODAY);
    assert_int_equal(e->n_union, 0);
    assert_string_equal(e->metadata_json,
                        "{\"ocupado_por\": \"MM(11)\", \"fecha_ocupacion\": \"" NOW_TEXT
                        "\", \"lock_token\": \"tok\"}");
    assert_int_equal(g_out->n_more, 0);
    json_t *live = json_loads(e->live_json, 0, NULL);
    assert_non_null(live);
    assert_int_equal(json_array_size(live), 1);
    json_t *p = json_array_get(live, 0);
    /* Both key sets of the SSE payload (SPEC): type/event_type, worker/worker_nombre. */
    assert_string_equal(json_string_value(json_object_get(p, "type")), "TOMAR");
    assert_string_equal(json_string_value(json_object_get(p, "event_type")), "TOMAR");
    assert_string_equal(json_string_value(json_object_get(p, "worker")), "MM(11)");
    assert_string_equal(json_string_value(json_object_get(p, "worker_nombre")), "MM(11)");
    assert_string_equal(json_string_value(json_object_get(p, "estado_detalle")), "Ocupado por MM(11) - SOLD");
    assert_string_equal(json_string_value(json_object_get(p, "operacion")), "SOLD");
    assert_string_equal(json_string_value(json_object_get(p, "tag_spool")), TAG);
    assert_string_equal(json_string_value(json_object_get(p, "timestamp")), NOW_TEXT);
    json_decref(live);
}

/* ---------------------------------------------------------------------------------------- */
/* FINALIZAR                                                                                 */

typedef struct fin_case {
    const char *name;
    const char *unions;      /* NULL = a spool without unions */
    const char *flags;       /* as INICIAR's; E = in repair (EN_REPARACION, cycle 1) */
    int occ;                 /* OCC_FREE, OCC_ME_ARM / OCC_ME_SOLD (by w), OCC_OTHER_ARM */
    const worker_t *w;
    zop_t op;
    const char *selected;    /* "001+1,001+2" */
    zoverride_t ovr;
    int code;
    zfinal_t action;
    int processed;
    int64_t pulgadas;        /* -1 = null */
    int triggered;
    const char *estado;
    zdate_t f_armado, f_soldadura; /* expected dates on success */
    const char *events;      /* expected event types, per-union ones as TIPO#N */
    const char *msg;         /* expected failure message (NULL = not checked) */
} fin_case_t;

#define UA "UNION_ARM_REGISTRADA"
#define US "UNION_SOLD_REGISTRADA"

static const fin_case_t FIN_ROWS[] = {
    /* CANCELADO */
    {"CANCELADO: nothing selected, nothing done before", "BW/250/- BW/300/- SO/100/-", "",
     OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_NONE, 0, ZFIN_CANCELADO, 0, -1, 0,
     "Disponible - ARM pendiente, SOLD pendiente", 0, 0, "CANCELAR_SPOOL", NULL},
    {"CANCELADO keeps a dated operation", "BW/250/a BW/300/-", "A", OCC_ME_SOLD, &W_SOL, ZOP_SOLD,
     NULL, ZOVR_NONE, 0, ZFIN_CANCELADO, 0, -1, 0, "Disponible - ARM completado, SOLD pendiente",
     F_ARMADO, 0, "CANCELAR_SPOOL", NULL},
    /* PAUSAR / COMPLETAR derived from the unions after the write (T-021, §4.7) */
    {"PAUSAR: one of three", "BW/250/- BW/300/- SO/100/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM,
     "001+1", ZOVR_NONE, 0, ZFIN_PAUSAR, 1, 250, 0, "ARM parcial 1/3 (pausado)", 0, 0,
     UA " " UA "#1 PAUSAR_SPOOL", NULL},
    {"PAUSAR counts the rows without DN/TIPO in the total", "BW/250/- -/0/-", "", OCC_ME_ARM,
     &W_ARM, ZOP_ARM, "001+1", ZOVR_NONE, 0, ZFIN_PAUSAR, 1, 250, 0, "ARM parcial 1/2 (pausado)",
     0, 0, UA " " UA "#1 PAUSAR_SPOOL", NULL},
    {"COMPLETAR: the last union of the spool", "BW/250/a BW/300/a SO/100/-", "a", OCC_ME_ARM,
     &W_ARM, ZOP_ARM, "001+3", ZOVR_NONE, 0, ZFIN_COMPLETAR, 1, 650, 0,
     "ARM completado - Disponible", TODAY, 0, UA " " UA "#3 COMPLETAR_SPOOL", NULL},
    {"COMPLETAR: every union at once", "BW/250/- SO/300/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM,
     "001+1,001+2", ZOVR_NONE, 0, ZFIN_COMPLETAR, 2, 550, 0, "ARM completado - Disponible", TODAY,
     0, UA " " UA "#1 " UA "#2 COMPLETAR_SPOOL", NULL},
    {"duplicated ids are one union", "BW/250/- SO/300/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM,
     "001+1,001+1", ZOVR_NONE, 0, ZFIN_PAUSAR, 1, 250, 0, "ARM parcial 1/2 (pausado)", 0, 0,
     UA " " UA "#1 PAUSAR_SPOOL", NULL},
    {"D14.9 stale counters do not decide: the unions do", "BW/250/- SO/300/- SO/300/-", "",
     OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+1,001+2", ZOVR_NONE, 0, ZFIN_PAUSAR, 2, 550, 0,
     "ARM parcial 2/3 (pausado)", 0, 0, UA " " UA "#1 " UA "#2 PAUSAR_SPOOL", NULL},
    /* overrides */
    {"A5.16 override COMPLETAR completes what is available and reports PD", "BW/250/- SO/300/a",
     "a", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_COMPLETAR, 0, ZFIN_COMPLETAR, 1, 550, 0,
     "ARM completado - Disponible", TODAY, 0, UA " " UA "#1 COMPLETAR_SPOOL", NULL},
    {"override COMPLETAR with a row still undefined pauses", "BW/250/- BW/300/- -/0/-", "",
     OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_COMPLETAR, 0, ZFIN_PAUSAR, 2, 550, 0,
     "ARM parcial 2/3 (pausado)", 0, 0, UA " " UA "#1 " UA "#2 PAUSAR_SPOOL", NULL},
    {"D14.3 override COMPLETAR with only undefined rows: nothing to complete", "-/0/- -/0/-", "",
     OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_COMPLETAR, ZE_OPERACION_NO_DISPONIBLE, 0, 0, -1, 0,
     NULL, 0, 0, NULL, NULL},
    {"D14.3 only undefined rows, nothing selected: a cancellation, never a v3 COMPLETAR",
     "-/0/- -/0/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_NONE, 0, ZFIN_CANCELADO, 0, -1, 0,
     "Disponible - ARM pendiente, SOLD pendiente", 0, 0, "CANCELAR_SPOOL", NULL},
    {"override PAUSAR: no union writes", "BW/250/a BW/300/-", "a", OCC_ME_ARM, &W_ARM, ZOP_ARM,
     NULL, ZOVR_PAUSAR, 0, ZFIN_PAUSAR, 0, -1, 0, "ARM parcial (pausado)", 0, 0, "PAUSAR_SPOOL",
     NULL},
    {"override PAUSAR with a selection registers it", "BW/250/- BW/300/-", "", OCC_ME_ARM, &W_ARM,
     ZOP_ARM, "001+2", ZOVR_PAUSAR, 0, ZFIN_PAUSAR, 1, 300, 0, "ARM parcial 1/2 (pausado)", 0, 0,
     UA " " UA "#2 PAUSAR_SPOOL", NULL},
    {"§4.8 override PAUSAR when every union is done: reconciled COMPLETAR", "BW/250/a SO/300/a",
     "a", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_PAUSAR, 0, ZFIN_COMPLETAR, 0, -1, 0,
     "ARM completado - Disponible", 20260129, 0, "COMPLETAR_SPOOL", NULL},
    {"§4.8 nothing selected when every union is done: reconciled COMPLETAR", "BW/250/a SO/300/a",
     "a", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_NONE, 0, ZFIN_COMPLETAR, 0, -1, 0,
     "ARM completado - Disponible", 20260129, 0, "COMPLETAR_SPOOL", NULL},
    /* SOLD and the metrología trigger */
    {"SOLD partial", "BW/250/a SO/300/a", "A", OCC_ME_SOLD, &W_SOL, ZOP_SOLD, "001+1", ZOVR_NONE,
     0, ZFIN_PAUSAR, 1, 250, 0, "SOLD parcial 1/2 (pausado)", F_ARMADO, 0,
     US " " US "#1 PAUSAR_SPOOL", NULL},
    {"A5.6 D14.5 the request that welds the last union triggers metrología",
     "BW/250/aw SO/300/a", "A", OCC_ME_SOLD, &W_SOL, ZOP_SOLD, "001+2", ZOVR_NONE, 0,
     ZFIN_COMPLETAR, 1, 550, 1, "En Cola Metrología", F_ARMADO, TODAY,
     US " " US "#2 COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED", NULL},
    {"ARM-only unions need no SOLD for completion", "BW/250/a FW/300/a MIT/100/a", "A",
     OCC_ME_SOLD, &W_SOL, ZOP_SOLD, "001+1", ZOVR_NONE, 0, ZFIN_COMPLETAR, 1, 250, 1,
     "En Cola Metrología", F_ARMADO, TODAY, US " " US "#1 COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED",
     NULL},
    {"D14.2 a spool of ARM-only unions reaches metrología when ARM completes",
     "FW/250/- MIT/300/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+1,001+2", ZOVR_NONE, 0,
     ZFIN_COMPLETAR, 2, 550, 1, "En Cola Metrología", TODAY, TODAY,
     UA " " UA "#1 " UA "#2 COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED", NULL},
    {"ARM completing before SOLD does not trigger", "BW/250/- SO/300/a", "a", OCC_ME_ARM, &W_ARM,
     ZOP_ARM, "001+1", ZOVR_NONE, 0, ZFIN_COMPLETAR, 1, 550, 0, "ARM completado - Disponible",
     TODAY, 0, UA " " UA "#1 COMPLETAR_SPOOL", NULL},
    {"SOLD complete on the unions but undated: dated when ARM completes (§4.8)",
     "BW/250/-w SO/300/aw", "a", OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+1", ZOVR_NONE, 0,
     ZFIN_COMPLETAR, 1, 550, 1, "En Cola Metrología", TODAY, 20260129,
     UA " " UA "#1 COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED", NULL},
    {"legacy SOLD mode: Fecha_Armado, no union armed", "BW/250/- SO/300/-", "A", OCC_ME_SOLD,
     &W_SOL, ZOP_SOLD, "001+1", ZOVR_NONE, 0, ZFIN_PAUSAR, 1, 250, 0,
     "SOLD parcial 1/2 (pausado)", F_ARMADO, 0, US " " US "#1 PAUSAR_SPOOL", NULL},
    /* the selection */
    {"unknown ids: 400 naming them", "BW/250/- BW/300/-", "", OCC_ME_ARM, &W_ARM, ZOP_ARM,
     "001+1,001+9", ZOVR_NONE, ZE_BAD_REQUEST, 0, 0, -1, 0, NULL, 0, 0, NULL,
     "Uniones no encontradas en el spool '" TAG "': 001+9"},
    {"D14.1 A5.8 a union of another spool sharing the OT is unknown here", "BW/250/- BW/300/-",
     "", OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+3", ZOVR_NONE, ZE_BAD_REQUEST, 0, 0, -1, 0, NULL, 0, 0,
     NULL, NULL},
    {"more unions selected than available: RACE_CONDITION", "BW/250/a BW/300/a SO/100/-", "a",
     OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+1,001+2,001+3", ZOVR_NONE, ZE_RACE_CONDITION, 0, 0, -1, 0,
     NULL, 0, 0, NULL, "Race condition detected: 3 unions selected but only 1 available for ARM"},
    {"a union registered meanwhile: RACE_CONDITION", "BW/250/a BW/300/- SO/100/-", "a",
     OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+1", ZOVR_NONE, ZE_RACE_CONDITION, 0, 0, -1, 0, NULL, 0, 0,
     NULL, "Race condition: some unions no longer available for '" TAG "'"},
    {"A5.10 ARM-only unions selected for SOLD (the app's select all) are dropped, not counted",
     "BW/250/a MIT/300/a", "A", OCC_ME_SOLD, &W_SOL, ZOP_SOLD, "001+1,001+2", ZOVR_NONE, 0,
     ZFIN_COMPLETAR, 1, 250, 1, "En Cola Metrología", F_ARMADO, TODAY,
     US " " US "#1 COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED", NULL},
    {"A5.10 a SOLD selection of nothing but ARM-only unions is refused",
     "BW/250/a MIT/300/a", "A", OCC_ME_SOLD, &W_SOL, ZOP_SOLD, "001+2", ZOVR_NONE,
     ZE_OPERACION_NO_DISPONIBLE, 0, 0, -1, 0, NULL, 0, 0, NULL,
     "La unión 001+2 es de tipo MIT: no lleva SOLD (solo ARM)"},
    {"SOLD on a union not armed yet", "BW/250/a BW/300/-", "a", OCC_ME_SOLD, &W_SOL, ZOP_SOLD,
     "001+2", ZOVR_NONE, ZE_DEPENDENCIAS_NO_SATISFECHAS, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
    {"a union without DN/TIPO cannot be registered", "BW/250/- -/0/-", "", OCC_ME_ARM, &W_ARM,
     ZOP_ARM, "001+2", ZOVR_NONE, ZE_OPERACION_NO_DISPONIBLE, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
    /* ownership (A5.11: the original had none) */
    {"A5.11 only the occupant: someone else holds it", "BW/250/-", "", OCC_OTHER_ARM, &W_ARM,
     ZOP_ARM, "001+1", ZOVR_NONE, ZE_NO_AUTORIZADO, 0, 0, -1, 0, NULL, 0, 0, NULL,
     "Solo NR(94) puede completar ARM en '" TAG "' (él/ella la inició). Tú eres MR(93)."},
    {"A5.11 only the occupant: nobody holds it", "BW/250/-", "", OCC_FREE, &W_ARM, ZOP_ARM,
     "001+1", ZOVR_NONE, ZE_NO_AUTORIZADO, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
    {"occupied by the caller for the other operation", "BW/250/a", "a", OCC_ME_ARM, &W_AYU,
     ZOP_SOLD, "001+1", ZOVR_NONE, ZE_INVALID_STATE_TRANSITION, 0, 0, -1, 0, NULL, 0, 0, NULL,
     NULL},
    {"METROLOGIA is not finalized", "BW/250/aw", "AS", OCC_FREE, &W_MET, ZOP_METROLOGIA, NULL,
     ZOVR_NONE, ZE_OPERACION_NO_DISPONIBLE, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
    {"roles enforced at FINALIZAR too", "BW/250/-", "", OCC_ME_ARM, &W_MET, ZOP_ARM, "001+1",
     ZOVR_NONE, ZE_ROL_NO_AUTORIZADO, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
    /* spools without unions (v3.0) */
    {"v3 spool: override COMPLETAR", NULL, "", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL, ZOVR_COMPLETAR,
     0, ZFIN_COMPLETAR, 0, -1, 0, "ARM completado - Disponible", TODAY, 0, "COMPLETAR_SPOOL", NULL},
    {"v3 spool: SOLD COMPLETAR makes it ready for metrología", NULL, "A", OCC_ME_SOLD, &W_SOL,
     ZOP_SOLD, NULL, ZOVR_COMPLETAR, 0, ZFIN_COMPLETAR, 0, -1, 1, "En Cola Metrología", F_ARMADO,
     TODAY, "COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED", NULL},
    {"v3 spool: nothing selected is CANCELADO", NULL, "", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL,
     ZOVR_NONE, 0, ZFIN_CANCELADO, 0, -1, 0, "Disponible - ARM pendiente, SOLD pendiente", 0, 0,
     "CANCELAR_SPOOL", NULL},
    {"v3 spool: override PAUSAR is a pause", NULL, "", OCC_ME_ARM, &W_ARM, ZOP_ARM, NULL,
     ZOVR_PAUSAR, 0, ZFIN_PAUSAR, 0, -1, 0, "ARM parcial (pausado)", 0, 0, "PAUSAR_SPOOL", NULL},
    {"v3 spool: union ids are unknown", NULL, "", OCC_ME_ARM, &W_ARM, ZOP_ARM, "001+1", ZOVR_NONE,
     ZE_BAD_REQUEST, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
    /* REPARACION (A5.7: the original always answered 503) */
    {"A5.7 REPARACION: the repair ends, back to metrología", "BW/250/aw", "ASE", OCC_FREE, &W_ARM,
     ZOP_REPARACION, NULL, ZOVR_NONE, 0, ZFIN_COMPLETAR, 0, -1, 0,
     "REPARACION completado - PENDIENTE_METROLOGIA", F_ARMADO, F_SOLDADURA,
     "COMPLETAR_REPARACION", NULL},
    {"REPARACION with override PAUSAR pauses the repair", "BW/250/aw", "ASE", OCC_FREE, &W_ARM,
     ZOP_REPARACION, NULL, ZOVR_PAUSAR, 0, ZFIN_PAUSAR, 0, -1, 0, "REPARACION_PAUSADA (Ciclo 1/3)",
     F_ARMADO, F_SOLDADURA, "PAUSAR_REPARACION", NULL},
    {"REPARACION by someone else than the repairer", "BW/250/aw", "ASE", OCC_FREE, &W_ARM2,
     ZOP_REPARACION, NULL, ZOVR_NONE, ZE_NO_AUTORIZADO, 0, 0, -1, 0, NULL, 0, 0, NULL, NULL},
};

static spool_t fin_spool(const fin_case_t *c)
{
    spool_t s = flagged(c->flags);
    if (strchr(c->flags, 'E')) {
        s.fecha_qc = 20260128;
        s.metrologia = ZMET_RECHAZADO;
        s.repair = ZREP_EN_REPARACION;
        s.repair_cycle = 1;
        occupy(&s, &W_ARM, ZOP_REPARACION);
        snprintf(s.estado_detalle, sizeof s.estado_detalle,
                 "EN_REPARACION (Ciclo 1/3) - Ocupado: MR(93)");
    }
    if (c->occ == OCC_ME_ARM) occupy(&s, c->w, ZOP_ARM);
    if (c->occ == OCC_ME_SOLD) occupy(&s, c->w, ZOP_SOLD);
    if (c->occ == OCC_OTHER_ARM) occupy(&s, &W_ARM2, ZOP_ARM);
    return s;
}

static int run_fin(const fin_case_t *c, spool_t *s, zunion_t *u, size_t *n, zfail_t *fail)
{
    static char store[ZUNION_MAX][32];
    static const char *ids[ZUNION_MAX];
    *s = fin_spool(c);
    *n = c->unions ? mkunions(c->unions, "001", u) : 0;
    zcmd_t cmd = mkcmd(c->op, c->w);
    cmd.unions = u;
    cmd.n_unions = *n;
    cmd.n_selected = mkids(c->selected, store, ids);
    cmd.selected = ids;
    cmd.override = c->ovr;
    return decide_finalizar(s, &cmd, g_out, fail);
}

static void test_finalizar_table(void **state)
{
    (void)state;
    static char log[1 << 15];
    log[0] = '\0';
    int bad = 0;
    for (size_t i = 0; i < sizeof FIN_ROWS / sizeof FIN_ROWS[0]; i++) {
        const fin_case_t *c = &FIN_ROWS[i];
        spool_t s;
        zunion_t u[ZUNION_MAX];
        size_t n;
        zfail_t fail = {0};
        int rc = run_fin(c, &s, u, &n, &fail);
        const zoutcome_t *o = g_out;
        char types[1024] = "";
        if (rc == 0) event_types(o, types, sizeof types);
        const char *why = NULL;
        if (rc != c->code) why = "code";
        else if (rc != 0 && c->msg && strcmp(fail.message, c->msg)) why = "message";
        else if (rc == 0 && o->action != c->action) why = "action";
        else if (rc == 0 && o->unions_processed != c->processed) why = "unions_processed";
        else if (rc == 0 && (int)o->n_puts != c->processed) why = "puts";
        else if (rc == 0 && o->pulgadas_c != c->pulgadas) why = "pulgadas";
        else if (rc == 0 && o->metrologia_triggered != c->triggered) why = "metrologia_triggered";
        else if (rc == 0 && strcmp(o->after.estado_detalle, c->estado)) why = "estado";
        else if (rc == 0 && o->after.fecha_armado != c->f_armado) why = "Fecha_Armado";
        else if (rc == 0 && o->after.fecha_soldadura != c->f_soldadura) why = "Fecha_Soldadura";
        else if (rc == 0 && strcmp(types, c->events)) why = "events";
        else if (rc == 0 && o->lock != ZLOCK_RELEASE) why = "lock (must be released)";
        else if (rc == 0 && spool_is_occupied(&o->after)) why = "occupation not cleared";
        if (why) {
            bad++;
            size_t k = strlen(log);
            snprintf(log + k, sizeof log - k,
                     "%s: %s wrong: %s action=%d n=%d pd=%lld trig=%d '%s' fa=%d fs=%d [%s] %s\n",
                     c->name, why, code_name(rc), o->action, o->unions_processed,
                     (long long)o->pulgadas_c, o->metrologia_triggered, o->after.estado_detalle,
                     (int)o->after.fecha_armado, (int)o->after.fecha_soldadura, types,
                     rc ? fail.message : "");
        }
        if (rc != 0 && zerr_status(rc) != zerr_status(c->code)) bad++;
        zfail_clear(&fail);
    }
    if (bad) {
        for (char *line = log, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (nl) *nl = '\0';
            print_message("  %s\n", line);
            if (!nl) break;
        }
        fail_msg("%d FINALIZAR cases wrong", bad);
    }
}

/* Every successful row: the stored counters agree with the unions as they will be stored
 * (the puts applied), and the worker columns say who really did the work. */
static void test_finalizar_counters_agree(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FIN_ROWS / sizeof FIN_ROWS[0]; i++) {
        const fin_case_t *c = &FIN_ROWS[i];
        if (c->code != 0 || !c->unions || c->op == ZOP_REPARACION) continue;
        spool_t s;
        zunion_t u[ZUNION_MAX];
        size_t n;
        zfail_t fail = {0};
        assert_int_equal(run_fin(c, &s, u, &n, &fail), ZE_OK);
        for (size_t p = 0; p < g_out->n_puts; p++)
            for (size_t k = 0; k < n; k++)
                if (u[k].n == g_out->puts[p].n) u[k] = g_out->puts[p];
        zunion_metrics_t m;
        zunion_metrics(u, n, &m);
        const spool_t *a = &g_out->after;
        if (a->total_uniones != (int)n || a->uniones_arm_done != m.arm_done ||
            a->uniones_sold_done != m.sold_done || a->pulgadas_arm_c != m.pulgadas_arm_c ||
            a->pulgadas_sold_c != m.pulgadas_sold_c)
            fail_msg("%s: counters %d %d %d %lld %lld disagree with the unions", c->name,
                     a->total_uniones, a->uniones_arm_done, a->uniones_sold_done,
                     (long long)a->pulgadas_arm_c, (long long)a->pulgadas_sold_c);
        if (g_out->pulgadas_c >= 0 &&
            g_out->pulgadas_c != (c->op == ZOP_ARM ? m.pulgadas_arm_c : m.pulgadas_sold_c))
            fail_msg("%s: pulgadas is not the spool-wide PD of the operation", c->name);
    }
}

static void test_finalizar_union_writes(void **state)
{
    (void)state;
    spool_t s = base_spool();
    occupy(&s, &W_ARM, ZOP_ARM);
    zunion_t u[ZUNION_MAX];
    size_t n = mkunions("BW/250/- SO/300/- FW/100/-", "001", u);
    const char *ids[] = {"001+3", "001+1"};
    zcmd_t cmd = mkcmd(ZOP_ARM, &W_ARM);
    cmd.unions = u;
    cmd.n_unions = n;
    cmd.selected = ids;
    cmd.n_selected = 2;
    zfail_t fail = {0};
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->n_puts, 2);
    for (size_t p = 0; p < 2; p++) {
        const zunion_t *w = &g_out->puts[p];
        assert_string_equal(w->arm_worker, "MR(93)");
        assert_int_equal(w->arm_inicio, T_OCC); /* the session's start: Fecha_Ocupacion */
        assert_int_equal(w->arm_fin, NOW);
        assert_int_equal(w->version, 3);        /* as read: the store compares and sets */
        assert_int_equal(w->sol_fin, 0);
        assert_string_equal(w->tag, TAG);
    }
    assert_int_equal(g_out->puts[0].n, 3); /* in request order */
    assert_int_equal(g_out->puts[1].n, 1);
    const spool_t *a = &g_out->after;
    assert_int_equal(a->total_uniones, 3);
    assert_int_equal(a->uniones_arm_done, 2);
    assert_int_equal(a->pulgadas_arm_c, 350);
    assert_int_equal(a->uniones_sold_done, 0);
    assert_int_equal(a->pulgadas_sold_c, 0);
    assert_string_equal(a->armador, "MR(93)"); /* a pause keeps the worker of the session */

    /* A spool occupied without a start time (imported): the start is now. */
    s.fecha_ocupacion = 0;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->puts[0].arm_inicio, NOW);
}

static void test_finalizar_events(void **state)
{
    (void)state;
    spool_t s = base_spool();
    snprintf(s.armador, sizeof s.armador, PREV);
    s.fecha_armado = F_ARMADO;
    occupy(&s, &W_SOL, ZOP_SOLD);
    zunion_t u[ZUNION_MAX];
    size_t n = mkunions("BW/250/a SO/325/a", "001", u);
    const char *ids[] = {"001+1", "001+2"};
    zcmd_t cmd = mkcmd(ZOP_SOLD, &W_SOL);
    cmd.unions = u;
    cmd.n_unions = n;
    cmd.selected = ids;
    cmd.n_selected = 2;
    zfail_t fail = {0};
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    char types[512];
    event_types(g_out, types, sizeof types);
    assert_string_equal(types, US " " US "#1 " US "#2 COMPLETAR_SPOOL METROLOGIA_AUTO_TRIGGERED");

    /* Spool-level UNION event: count, PD of this batch (1 decimal) and ids (api-v4v5 §3). */
    const event_rec_t *e = &g_out->event;
    assert_string_equal(e->operacion, "SOLD");
    assert_string_equal(e->accion, "COMPLETAR");
    assert_int_equal(e->n_union, 0);
    assert_string_equal(e->metadata_json,
                        "{\"union_count\": 2, \"pulgadas\": 5.8, \"union_ids\": [\"001+1\", \"001+2\"]}");
    assert_string_equal(e->live_json, ""); /* the outcome event carries the live payloads */
    /* One per union, with N_UNION. */
    const event_rec_t *e1 = event_of(g_out, US, 1), *e2 = event_of(g_out, US, 2);
    assert_non_null(e1);
    assert_non_null(e2);
    assert_string_equal(e1->metadata_json, "{\"union_id\": \"001+1\"}");
    assert_string_equal(e2->metadata_json, "{\"union_id\": \"001+2\"}");
    assert_string_equal(e1->accion, "COMPLETAR");
    assert_string_equal(e1->worker_nombre, "MM(11)");
    assert_int_equal(e1->ts, NOW);
    /* Every event of the change has its own id (the store keeps ids unique). */
    for (size_t i = 0; i <= g_out->n_more; i++)
        for (size_t j = i + 1; j <= g_out->n_more; j++) {
            const char *a = i == 0 ? g_out->event.id : g_out->more[i - 1].id;
            assert_string_not_equal(a, g_out->more[j - 1].id);
            assert_int_equal(strlen(g_out->more[j - 1].id), 36);
        }
    /* The completion. */
    const event_rec_t *c = event_of(g_out, "COMPLETAR_SPOOL", 0);
    assert_non_null(c);
    assert_string_equal(c->operacion, "SOLD");
    assert_string_equal(c->accion, "COMPLETAR");
    assert_int_equal(c->fecha_operacion, TODAY);
    assert_string_equal(c->metadata_json,
                        "{\"fecha_operacion\": \"30-01-2026\", \"completed\": true, "
                        "\"unions_processed\": 2, \"reconciled\": false, \"reconciled_columns\": "
                        "[], \"action_override\": null}");
    json_t *live = json_loads(c->live_json, 0, NULL);
    assert_int_equal(json_array_size(live), 2);
    json_t *p0 = json_array_get(live, 0), *p1 = json_array_get(live, 1);
    assert_string_equal(json_string_value(json_object_get(p0, "type")), "COMPLETAR");
    assert_string_equal(json_string_value(json_object_get(p0, "estado_detalle")),
                        "SOLD completado - Disponible");
    assert_string_equal(json_string_value(json_object_get(p0, "fecha_operacion")), "30-01-2026");
    assert_string_equal(json_string_value(json_object_get(p0, "action_taken")), "COMPLETAR");
    assert_string_equal(json_string_value(json_object_get(p1, "type")), "STATE_CHANGE");
    assert_string_equal(json_string_value(json_object_get(p1, "estado_detalle")), "En Cola Metrología");
    assert_string_equal(json_string_value(json_object_get(p1, "sold_state")), "completado");
    assert_true(json_is_null(json_object_get(p1, "ocupado_por")));
    json_decref(live);
    /* The trigger, after this request's writes. */
    const event_rec_t *t = event_of(g_out, "METROLOGIA_AUTO_TRIGGERED", 0);
    assert_non_null(t);
    assert_string_equal(t->accion, "AUTO_TRIGGER");
    assert_string_equal(t->metadata_json,
                        "{\"trigger_reason\": \"arm_sold_completados\", \"operacion_completed\": "
                        "\"SOLD\", \"unions_processed\": 2, \"new_state\": \"pendiente\"}");
    live = json_loads(t->live_json, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(live, 0), "type")),
                        "METROLOGIA_AUTO_TRIGGERED");
    json_decref(live);
    assert_string_equal(g_out->after.soldador, "MM(11)");
    assert_int_equal(g_out->after.ocupado_worker_id, 0);
    assert_string_equal(g_out->after.lock_token, "");
}

static void test_finalizar_other_events(void **state)
{
    (void)state;
    zfail_t fail = {0};
    spool_t s;
    zunion_t u[ZUNION_MAX];
    size_t n;
    /* CANCELADO: CANCELAR_SPOOL (never persisted by the original, A5.5). */
    assert_int_equal(run_fin(&FIN_ROWS[0], &s, u, &n, &fail), ZE_OK);
    assert_string_equal(g_out->event.tipo, "CANCELAR_SPOOL");
    assert_string_equal(g_out->event.accion, "CANCELAR");
    assert_string_equal(g_out->event.operacion, "ARM");
    assert_string_equal(g_out->event.metadata_json,
                        "{\"reason\": \"zero_unions_selected\", \"lock_released\": true}");
    assert_string_equal(g_out->after.armador, ""); /* nobody did ARM work: the column clears */
    json_t *live = json_loads(g_out->event.live_json, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(live, 0), "type")), "CANCELAR");
    json_decref(live);

    /* CANCELADO after earlier partial work: the column names who really did it. */
    s = base_spool();
    occupy(&s, &W_ARM, ZOP_ARM);
    n = mkunions("BW/250/a BW/300/-", "001", u);
    zcmd_t cmd = mkcmd(ZOP_ARM, &W_ARM);
    cmd.unions = u;
    cmd.n_unions = n;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->action, ZFIN_CANCELADO);
    assert_string_equal(g_out->after.armador, PREV);
    assert_string_equal(g_out->after.estado_detalle, "Disponible - ARM pendiente, SOLD pendiente");

    /* PAUSAR override: PAUSAR_SPOOL. */
    cmd.override = ZOVR_PAUSAR;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_string_equal(g_out->event.tipo, "PAUSAR_SPOOL");
    assert_string_equal(g_out->event.metadata_json,
                        "{\"estado\": \"ARM parcial (pausado)\", \"lock_released\": true, "
                        "\"unions_processed\": 0, \"action_override\": \"PAUSAR\"}");
    assert_string_equal(g_out->after.armador, "MR(93)");

    /* Reconciled completion: the date of the last union, and who did it (§4.8). */
    s = base_spool();
    occupy(&s, &W_ARM, ZOP_ARM);
    n = mkunions("BW/250/a BW/300/a", "001", u);
    cmd = mkcmd(ZOP_ARM, &W_ARM);
    cmd.unions = u;
    cmd.n_unions = n;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->action, ZFIN_COMPLETAR);
    assert_int_equal(g_out->after.fecha_armado, 20260129); /* T_ARM in Santiago */
    assert_string_equal(g_out->after.armador, PREV);
    assert_int_equal(g_out->event.fecha_operacion, 20260129);
    assert_string_equal(g_out->event.metadata_json,
                        "{\"fecha_operacion\": \"29-01-2026\", \"completed\": true, "
                        "\"unions_processed\": 0, \"reconciled\": true, \"reconciled_columns\": "
                        "[\"Fecha_Armado\", \"Armador\"], \"action_override\": null}");
}

static zdate_t fake_local_date(int64_t t)
{
    return t == T_ARM ? 20250101 : 20250202;
}

static void test_finalizar_plant_date(void **state)
{
    (void)state;
    zfail_t fail = {0};
    spool_t s = base_spool();
    occupy(&s, &W_ARM, ZOP_ARM);
    zunion_t u[ZUNION_MAX];
    size_t n = mkunions("BW/250/a BW/300/a", "001", u);
    zcmd_t cmd = mkcmd(ZOP_ARM, &W_ARM);
    cmd.unions = u;
    cmd.n_unions = n;
    cmd.local_date = fake_local_date;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->after.fecha_armado, 20250101);
    /* Without a converter, the offset of now_text: a union finished at 23:30 local on
     * 29-01-2026 (02:30 UTC on the 30th) is dated the 29th, not the UTC day. */
    u[1].arm_fin = 1769740200; /* 2026-01-30 02:30:00 UTC = 29-01-2026 23:30 -03:00 */
    cmd.local_date = NULL;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->after.fecha_armado, 20260129);
}

static void test_finalizar_repair_outcome(void **state)
{
    (void)state;
    zfail_t fail = {0};
    spool_t s;
    zunion_t u[ZUNION_MAX];
    size_t n;
    const fin_case_t *c = NULL;
    for (size_t i = 0; i < sizeof FIN_ROWS / sizeof FIN_ROWS[0]; i++)
        if (FIN_ROWS[i].op == ZOP_REPARACION && FIN_ROWS[i].ovr == ZOVR_NONE && !FIN_ROWS[i].code)
            c = &FIN_ROWS[i];
    assert_non_null(c);
    assert_int_equal(run_fin(c, &s, u, &n, &fail), ZE_OK);
    const spool_t *a = &g_out->after;
    assert_int_equal(a->fecha_qc, ZDATE_NONE); /* inspectable again (A5.7 intended) */
    assert_int_equal(a->repair, ZREP_PENDIENTE_METROLOGIA);
    assert_int_equal(a->repair_cycle, 1);      /* the count of rejections is kept */
    assert_int_equal(g_out->lock, ZLOCK_RELEASE);
    assert_int_equal(g_out->n_puts, 0);
    json_t *live = json_loads(g_out->event.live_json, 0, NULL);
    json_t *p = json_array_get(live, 0);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "COMPLETAR_REPARACION");
    assert_string_equal(json_string_value(json_object_get(p, "estado_actual")),
                        "REPARACION completado - PENDIENTE_METROLOGIA");
    json_decref(live);
}

/* The OT of a spool may arrive as a number (A5.8 / D14.7): ids still resolve. */
static void test_finalizar_numeric_ot(void **state)
{
    (void)state;
    zfail_t fail = {0};
    spool_t s = base_spool();
    snprintf(s.ot, sizeof s.ot, "1234");
    occupy(&s, &W_ARM, ZOP_ARM);
    zunion_t u[ZUNION_MAX];
    size_t n = mkunions("BW/250/- BW/300/-", "1234.0", u);
    const char *ids[] = {"1234+2"};
    zcmd_t cmd = mkcmd(ZOP_ARM, &W_ARM);
    cmd.unions = u;
    cmd.n_unions = n;
    cmd.selected = ids;
    cmd.n_selected = 1;
    assert_int_equal(decide_finalizar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->n_puts, 1);
    assert_int_equal(g_out->puts[0].n, 2);
}

/* ---------------------------------------------------------------------------------------- */
/* guardar                                                                                   */

typedef struct g_case {
    const char *name;
    const char *unions;   /* stored */
    const char *edits;    /* requested "N:TIPO/DN ..." (TIPO - = null) */
    int code;
    int noop;
    int created, updated, deleted, total;
    const char *msg;
} g_case_t;

static size_t mkedits(const char *spec, zunion_edit_t *e)
{
    size_t n = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char tipo[8] = "";
        long long dn = 0;
        int num = 0;
        if (sscanf(tok, "%d:%7[^/]/%lld", &num, tipo, &dn) != 3) fail_msg("bad edit %s", tok);
        memset(&e[n], 0, sizeof e[n]);
        e[n].n = num;
        e[n].dn_c = dn;
        if (strcmp(tipo, "-") != 0) snprintf(e[n].tipo, sizeof e[n].tipo, "%s", tipo);
        n++;
    }
    return n;
}

static void test_guardar_table(void **state)
{
    (void)state;
    static const g_case_t rows[] = {
        {"create on a spool without unions", "", "1:BW/250 2:SO/300 3:-/0", 0, 0, 3, 0, 0, 3, NULL},
        {"update DN of a union without work", "BW/250/- SO/300/-", "1:BW/275 2:SO/300", 0, 0, 0, 1,
         0, 2, NULL},
        {"update TIPO of a union without work", "BW/250/- SO/300/-", "1:FILL/250 2:SO/300", 0, 0, 0,
         1, 0, 2, NULL},
        {"modify a union with work: 400", "BW/250/- SO/300/a", "1:BW/250 2:SO/350", ZE_OPERACION_NO_DISPONIBLE,
         0, 0, 0, 0, 0, "No se puede modificar union 2 — tiene trabajo registrado"},
        {"delete a union with work: 400", "BW/250/- SO/300/- BW/100/aw", "1:BW/250 2:SO/300",
         ZE_OPERACION_NO_DISPONIBLE, 0, 0, 0, 0, 0,
         "No se puede eliminar unión 3 — tiene trabajo registrado (ARM/SOLD)"},
        {"refusals come before any write", "BW/250/a SO/300/-", "1:BW/300 2:SO/300 3:BW/100",
         ZE_OPERACION_NO_DISPONIBLE, 0, 0, 0, 0, 0, NULL},
        {"delete a union without work", "BW/250/- SO/300/- BW/100/-", "1:BW/250 2:SO/300", 0, 0, 0,
         0, 1, 2, NULL},
        {"create, update and delete at once", "BW/250/a SO/300/- BW/100/-", "1:BW/250 2:SO/325 5:FW/50",
         0, 0, 1, 1, 1, 3, NULL},
        {"A5.9 a spool with FW/LET/SW/TW rows can be re-saved as it is",
         "FW/250/a LET/300/- SW/100/a TW/100/-", "1:FW/250 2:LET/300 3:SW/100 4:TW/100", 0, 1, 0,
         0, 0, 4, NULL},
        {"A5.9 FW and LET can be created", "BW/250/-", "1:BW/250 2:FW/300 3:LET/200", 0, 0, 2, 0, 0,
         3, NULL},
        {"an unknown type is refused", "BW/250/-", "1:BW/250 2:XX/300", ZE_VALIDATION_ERROR, 0, 0, 0,
         0, 0, NULL},
        {"an unknown type already stored may stay", "XX/250/-", "1:XX/250 2:BW/300", 0, 0, 1, 0, 0,
         2, NULL},
        {"empty DN/TIPO allowed (partial definitions)", "", "1:-/0", 0, 0, 1, 0, 0, 1, NULL},
        {"a duplicated N_UNION: the last one wins", "BW/250/-", "1:BW/300 1:SO/400", 0, 0, 0, 1, 0,
         1, NULL},
        {"N_UNION out of range", "", "21:BW/250", ZE_VALIDATION_ERROR, 0, 0, 0, 0, 0, NULL},
        {"N_UNION zero", "", "0:BW/250", ZE_VALIDATION_ERROR, 0, 0, 0, 0, 0, NULL},
        {"negative DN", "", "1:BW/-5", ZE_VALIDATION_ERROR, 0, 0, 0, 0, 0, NULL},
        {"the list as stored with right counters: nothing to write", "BW/250/a SO/300/-",
         "1:BW/250 2:SO/300", 0, 1, 0, 0, 0, 2, NULL},
    };
    char log[8192] = "";
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const g_case_t *c = &rows[i];
        spool_t s = base_spool();
        zunion_t u[ZUNION_MAX];
        size_t n = mkunions(c->unions, "001", u);
        zunion_edit_t e[ZUNION_MAX * 2];
        size_t ne = mkedits(c->edits, e);
        /* Counters as a previous commit left them (right for the stored unions). */
        zunion_metrics_t m;
        zunion_metrics(u, n, &m);
        if (n) {
            s.total_uniones = (int)n;
            s.uniones_arm_done = m.arm_done;
            s.uniones_sold_done = m.sold_done;
            s.pulgadas_arm_c = m.pulgadas_arm_c;
            s.pulgadas_sold_c = m.pulgadas_sold_c;
        }
        zcmd_t cmd = mkcmd(ZOP_NONE, &W_ARM);
        cmd.unions = u;
        cmd.n_unions = n;
        cmd.edits = e;
        cmd.n_edits = ne;
        zfail_t fail = {0};
        int rc = decide_guardar(&s, &cmd, g_out, &fail);
        const zoutcome_t *o = g_out;
        const char *why = NULL;
        if (rc != c->code) why = "code";
        else if (rc != 0 && c->msg && strcmp(fail.message, c->msg)) why = "message";
        else if (rc == 0 && o->noop != c->noop) why = "noop";
        else if (rc == 0 && !c->noop &&
                 (o->created != c->created || o->updated != c->updated || o->deleted != c->deleted))
            why = "counts";
        else if (rc == 0 && !c->noop && o->after.total_uniones != c->total) why = "total_uniones";
        else if (rc == 0 && !c->noop && (int)o->n_deletes != c->deleted) why = "deletes";
        else if (rc == 0 && !c->noop && (int)o->n_puts != c->created + c->updated) why = "puts";
        else if (rc == 0 && !c->noop && strcmp(o->event.tipo, "UNIONES_GUARDADAS")) why = "event";
        else if (rc == 0 && o->lock != ZLOCK_NONE) why = "lock (guardar needs none)";
        if (why) {
            bad++;
            size_t k = strlen(log);
            snprintf(log + k, sizeof log - k, "%s: %s wrong: %s noop=%d c/u/d=%d/%d/%d total=%d %s\n",
                     c->name, why, code_name(rc), o->noop, o->created, o->updated, o->deleted,
                     o->after.total_uniones, rc ? fail.message : "");
        }
        zfail_clear(&fail);
    }
    if (bad) fail_msg("%d guardar cases wrong:\n%s", bad, log);
}

static void test_guardar_writes(void **state)
{
    (void)state;
    spool_t s = base_spool(); /* counters empty (-1): a spool that never had unions */
    zunion_t u[ZUNION_MAX];
    size_t n = mkunions("BW/250/aw SO/300/- BW/100/-", "001", u);
    zunion_edit_t e[4];
    size_t ne = mkedits("1:BW/250 2:SO/325 4:FW/50", e);
    zcmd_t cmd = mkcmd(ZOP_NONE, &W_ARM);
    cmd.unions = u;
    cmd.n_unions = n;
    cmd.edits = e;
    cmd.n_edits = ne;
    zfail_t fail = {0};
    assert_int_equal(decide_guardar(&s, &cmd, g_out, &fail), ZE_OK);
    /* Updates, then creates; deletes apart. */
    assert_int_equal(g_out->n_puts, 2);
    assert_int_equal(g_out->puts[0].n, 2);
    assert_int_equal(g_out->puts[0].dn_c, 325);
    assert_int_equal(g_out->puts[0].version, 3);
    assert_int_equal(g_out->puts[1].n, 4);
    assert_int_equal(g_out->puts[1].version, 0); /* new: must not exist yet */
    assert_string_equal(g_out->puts[1].ot, "001");
    assert_string_equal(g_out->puts[1].tag, TAG);
    assert_string_equal(g_out->puts[1].tipo, "FW");
    assert_int_equal(g_out->puts[1].arm_fin, 0);
    char id[32];
    zunion_id(&g_out->puts[1], id, sizeof id);
    assert_string_equal(id, "001+4"); /* created_ids */
    assert_int_equal(g_out->n_deletes, 1);
    assert_int_equal(g_out->deletes[0], 3);
    /* D14.10: every counter of Operaciones from the list as it will be. */
    const spool_t *a = &g_out->after;
    assert_int_equal(a->total_uniones, 3);
    assert_int_equal(a->uniones_arm_done, 1);
    assert_int_equal(a->uniones_sold_done, 1);
    assert_int_equal(a->pulgadas_arm_c, 250);
    assert_int_equal(a->pulgadas_sold_c, 250);
    assert_int_equal(g_out->noop, 0);
    /* The audit event (the original had none; SPEC: every change is audited). */
    assert_string_equal(g_out->event.tipo, "UNIONES_GUARDADAS");
    assert_string_equal(g_out->event.operacion, "UNIONES");
    assert_string_equal(g_out->event.accion, "GUARDAR");
    assert_string_equal(g_out->event.metadata_json,
                        "{\"total_uniones\": 3, \"created\": [{\"n_union\": 4, \"dn_union\": 0.5, "
                        "\"tipo_union\": \"FW\"}], \"updated\": [{\"n_union\": 2, \"dn_union\": 3.25, "
                        "\"tipo_union\": \"SO\", \"dn_anterior\": 3.0, \"tipo_anterior\": \"SO\"}], "
                        "\"deleted\": [3]}");
    assert_non_null(strstr(g_out->event.live_json, "\"UNIONES_GUARDADAS\""));
    /* What the spreadsheet push reads back of it: the N_UNIONs deleted, nothing else. */
    int gone[ZUNION_MAX];
    assert_int_equal(decide_guardar_deleted(&g_out->event, gone), 1);
    assert_int_equal(gone[0], 3);
    event_rec_t other = g_out->event;
    snprintf(other.tipo, sizeof other.tipo, "TOMAR_SPOOL");
    assert_int_equal(decide_guardar_deleted(&other, gone), 0);
    other = g_out->event;
    snprintf(other.metadata_json, sizeof other.metadata_json, "{\"deleted\": [3");
    assert_int_equal(decide_guardar_deleted(&other, gone), 0); /* unparsable: nothing guessed */

    /* Stale counters on an unchanged list are still corrected (D14.10). */
    s = base_spool();
    s.total_uniones = 5;
    s.uniones_arm_done = 0;
    n = mkunions("BW/250/a SO/300/-", "001", u);
    ne = mkedits("1:BW/250 2:SO/300", e);
    cmd.n_unions = n;
    cmd.n_edits = ne;
    assert_int_equal(decide_guardar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->noop, 0);
    assert_int_equal(g_out->n_puts + g_out->n_deletes, 0);
    assert_int_equal(g_out->after.total_uniones, 2);
    assert_int_equal(g_out->after.uniones_arm_done, 1);

    /* Creating unions needs the spool's OT (their wire id). */
    s = base_spool();
    s.ot[0] = '\0';
    ne = mkedits("1:BW/250", e);
    cmd.n_unions = 0;
    cmd.n_edits = ne;
    assert_int_equal(decide_guardar(&s, &cmd, g_out, &fail), ZE_OPERACION_NO_DISPONIBLE);
    assert_string_equal(fail.message, "Spool " TAG " no tiene OT válido");
    zfail_clear(&fail);

    /* Twenty updates at once: the detailed audit does not fit the column, the N lists do. */
    s = base_spool();
    char spec[512] = "", ed[512] = "";
    for (int k = 1; k <= ZUNION_MAX; k++) {
        size_t l = strlen(spec), m2 = strlen(ed);
        snprintf(spec + l, sizeof spec - l, "%sFILL/1275/-", k > 1 ? " " : "");
        snprintf(ed + m2, sizeof ed - m2, "%s%d:FILL/1250", k > 1 ? " " : "", k);
    }
    n = mkunions(spec, "001", u);
    zunion_edit_t e20[ZUNION_MAX];
    ne = mkedits(ed, e20);
    cmd.unions = u;
    cmd.n_unions = n;
    cmd.edits = e20;
    cmd.n_edits = ne;
    assert_int_equal(decide_guardar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->updated, 20);
    json_t *meta = json_loads(g_out->event.metadata_json, 0, NULL);
    assert_non_null(meta);
    assert_int_equal(json_array_size(json_object_get(meta, "updated")), 20);
    assert_true(json_is_integer(json_array_get(json_object_get(meta, "updated"), 0)));
    json_decref(meta);
    /* The compact form keeps the N lists: a deletion among many edits is still read back. */
    ne = mkedits("1:FILL/1250 2:FILL/1250 3:FILL/1250 4:FILL/1250 5:FILL/1250 6:FILL/1250 "
                 "7:FILL/1250 8:FILL/1250 9:FILL/1250 10:FILL/1250 11:FILL/1250 12:FILL/1250 "
                 "13:FILL/1250 14:FILL/1250 15:FILL/1250 16:FILL/1250 17:FILL/1250 "
                 "18:FILL/1250 20:FILL/1250",
                 e20);
    cmd.n_edits = ne;
    assert_int_equal(decide_guardar(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(g_out->deleted, 1);
    meta = json_loads(g_out->event.metadata_json, 0, NULL);
    assert_true(json_is_integer(json_array_get(json_object_get(meta, "updated"), 0)));
    json_decref(meta);
    int gone20[ZUNION_MAX];
    assert_int_equal(decide_guardar_deleted(&g_out->event, gone20), 1);
    assert_int_equal(gone20[0], 19);
}

/* ---------------------------------------------------------------------------------------- */
/* Notas                                                                                     */

static void test_notas(void **state)
{
    (void)state;
    spool_t s = base_spool();
    snprintf(s.estado_detalle, sizeof s.estado_detalle, "Disponible - ARM pendiente, SOLD pendiente");
    zcmd_t cmd = mkcmd(ZOP_NONE, &W_ARM);
    cmd.texto = "  revisar brida  ";
    zfail_t fail = {0};
    assert_int_equal(decide_notas(&s, &cmd, g_out, &fail), ZE_OK);
    assert_string_equal(g_out->notas_line, "20260130: revisar brida");
    assert_string_equal(g_out->event.tipo, "NOTAS_ACTUALIZADA");
    assert_string_equal(g_out->event.operacion, "NOTAS");
    assert_string_equal(g_out->event.metadata_json, "{\"nota\": \"20260130: revisar brida\"}");
    assert_int_equal(g_out->event.worker_id, 93);
    assert_int_equal(g_out->lock, ZLOCK_NONE);
    assert_int_equal(g_out->noop, 0);
    /* The spool's columns do not change: only the Notas line and the event are written. */
    assert_string_equal(g_out->after.estado_detalle, s.estado_detalle);
    assert_int_equal(g_out->after.version, s.version);
    assert_int_equal(g_out->n_puts + g_out->n_deletes, 0);

    /* No author: ANONIMO, id 0 (domain-v4 §8). */
    cmd.worker = NULL;
    cmd.texto = "lanzada a producción";
    assert_int_equal(decide_notas(&s, &cmd, g_out, &fail), ZE_OK);
    assert_string_equal(g_out->event.worker_nombre, "ANONIMO");
    assert_int_equal(g_out->event.worker_id, 0);
    assert_string_equal(g_out->event.metadata_json,
                        "{\"nota\": \"20260130: lanzada a producci\\u00f3n\"}");
    assert_non_null(strstr(g_out->event.live_json, "\"ANONIMO\""));

    /* A5.3: blank text is a 422 naming the field, never a 500. */
    static const char *const blank[] = {"", "   ", "\n\t ", NULL};
    for (size_t i = 0; i < sizeof blank / sizeof blank[0]; i++) {
        cmd.texto = blank[i];
        assert_int_equal(decide_notas(&s, &cmd, g_out, &fail), ZE_VALIDATION_ERROR);
        assert_int_equal(zerr_status(ZE_VALIDATION_ERROR), 422);
        assert_non_null(strstr(fail.message, "texto"));
        zfail_clear(&fail);
    }
    /* One note, one line. */
    cmd.texto = "primera\r\nsegunda\nfin";
    assert_int_equal(decide_notas(&s, &cmd, g_out, &fail), ZE_OK);
    assert_string_equal(g_out->notas_line, "20260130: primera segunda fin");

    /* 500 characters are accepted whatever their bytes; 501 are not. */
    static char big[501 * 2 + 1];
    big[0] = '\0';
    for (int i = 0; i < 500; i++) strcat(big, "ñ");
    cmd.texto = big;
    assert_int_equal(decide_notas(&s, &cmd, g_out, &fail), ZE_OK);
    assert_int_equal(strlen(g_out->notas_line), 10 + 1000); /* the whole note reaches Notas */
    json_t *m = json_loads(g_out->event.metadata_json, 0, NULL);
    assert_non_null(m); /* the audit column holds valid JSON, cut and marked */
    assert_true(json_is_true(json_object_get(m, "nota_truncada")));
    assert_int_equal(strncmp(json_string_value(json_object_get(m, "nota")), "20260130: ññ", 14), 0);
    json_decref(m);
    strcat(big, "ñ");
    assert_int_equal(decide_notas(&s, &cmd, g_out, &fail), ZE_VALIDATION_ERROR);
    zfail_clear(&fail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iniciar_table),
        cmocka_unit_test(test_iniciar_writes_and_event),
        cmocka_unit_test(test_finalizar_table),
        cmocka_unit_test(test_finalizar_counters_agree),
        cmocka_unit_test(test_finalizar_union_writes),
        cmocka_unit_test(test_finalizar_events),
        cmocka_unit_test(test_finalizar_other_events),
        cmocka_unit_test(test_finalizar_plant_date),
        cmocka_unit_test(test_finalizar_repair_outcome),
        cmocka_unit_test(test_finalizar_numeric_ot),
        cmocka_unit_test(test_guardar_table),
        cmocka_unit_test(test_guardar_writes),
        cmocka_unit_test(test_notas),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
