/* Decisions of the pure core (decide_occupation, decide_metrologia, decide_v21) checked against
 * an independent oracle written here from the rules (domain-v3.md §3.3, §4.1–§4.6, §5 and
 * SPEC.md), not from the code under test.
 *
 *  - ARM/SOLD: every consistent spool (ARM state × SOLD state × occupancy) × operation ×
 *    TOMAR/PAUSAR/COMPLETAR, comparing the new states or the exact error code, and the exact
 *    Estado_Detalle of the resulting spool. All mismatches are printed before the test fails.
 *  - roles, audit event columns (Python json.dumps style metadata), lock op, live payloads.
 *  - the REPARACION machine, metrología (prerequisites in order, cycle counter), v2.1 actions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/errors.h"
#include "core/spool.h"

#define NOW 1769794200 /* 2026-01-30 14:30:00 -03:00 */
#define TODAY 20260130
#define NOW_TEXT "30-01-2026 14:30:00"
#define TAG "MK-1335-CW-25238-011"
#define MATERIALES 20260110
#define F_ARMADO 20260120
#define F_SOLDADURA 20260125
#define F_QC 20260128
#define PREV "PW(50)" /* a worker who worked on the spool earlier */

/* ---------------------------------------------------------------------------------------- */
/* Builders                                                                                  */

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

static zcmd_t mkcmd(zaction_t a, zop_t op, const worker_t *w)
{
    zcmd_t c;
    memset(&c, 0, sizeof c);
    c.action = a;
    c.op = op;
    c.worker = w;
    c.now = NOW;
    c.today = TODAY;
    c.now_text = NOW_TEXT;
    c.fecha = ZDATE_NONE;
    c.lock_token = "tok";
    c.event_id = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    return c;
}

static spool_t base_spool(void)
{
    spool_t s;
    memset(&s, 0, sizeof s);
    s.row = 12;
    snprintf(s.tag, sizeof s.tag, "%s", TAG);
    snprintf(s.nv, sizeof s.nv, "1335");
    s.fecha_materiales = MATERIALES;
    s.version = 7;
    return s;
}

static void occupy(spool_t *s, const worker_t *w, zop_t op)
{
    snprintf(s->ocupado_por, sizeof s->ocupado_por, "%s", w->display);
    s->ocupado_worker_id = w->id;
    s->ocupado_op = op;
    s->fecha_ocupacion = NOW - 3600;
    snprintf(s->lock_token, sizeof s->lock_token, "held-token");
}

/* A spool with ARM and SOLD completed, free, no inspection yet. */
static spool_t done_spool(void)
{
    spool_t s = base_spool();
    snprintf(s.armador, sizeof s.armador, "%s", PREV);
    snprintf(s.soldador, sizeof s.soldador, "%s", PREV);
    s.fecha_armado = F_ARMADO;
    s.fecha_soldadura = F_SOLDADURA;
    return s;
}

/* A spool in the repair loop in state r with cycle c. */
static spool_t repair_spool(zrepair_t r, int cycle)
{
    spool_t s = done_spool();
    s.fecha_qc = r == ZREP_PENDIENTE_METROLOGIA || r == ZREP_NONE ? ZDATE_NONE : F_QC;
    s.metrologia = r == ZREP_NONE ? ZMET_NONE : ZMET_RECHAZADO;
    s.repair = r;
    s.repair_cycle = cycle;
    return s;
}

static json_t *jparse(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v) print_error("invalid JSON %s: %s\n", s, e.text);
    return v;
}

/* ---------------------------------------------------------------------------------------- */
/* Mismatch collection for the table-driven tests                                            */

static char g_log[1 << 16];
static size_t g_log_len;
static int g_bad;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (g_log_len < sizeof g_log - 1) {
        int k = vsnprintf(g_log + g_log_len, sizeof g_log - g_log_len, fmt, ap);
        if (k > 0) g_log_len += (size_t)k;
        if (g_log_len > sizeof g_log - 1) g_log_len = sizeof g_log - 1;
    }
    va_end(ap);
}

static void reset_log(void)
{
    g_log[0] = '\0';
    g_log_len = 0;
    g_bad = 0;
}

static void flush_log(const char *what)
{
    if (g_bad) {
        print_message("%s: %d mismatches\n", what, g_bad);
        /* one line at a time: cmocka's message buffer is short */
        for (char *line = g_log, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (!nl) {
                print_message("  %s\n", line);
                break;
            }
            *nl = '\0';
            print_message("  %s\n", line);
        }
        fail_msg("%s: %d mismatches against the oracle", what, g_bad);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The oracle of ARM/SOLD TOMAR / PAUSAR / COMPLETAR                                         */

static const zstate_t STATES[4] = {ZST_PENDIENTE, ZST_EN_PROGRESO, ZST_PAUSADO, ZST_COMPLETADO};

static const char *word(zstate_t st)
{
    switch (st) {
    case ZST_PENDIENTE: return "pendiente";
    case ZST_EN_PROGRESO: return "en progreso";
    case ZST_PAUSADO: return "pausado";
    case ZST_COMPLETADO: return "completado";
    }
    return "?";
}

static const char *code_name(int code) { return code == 0 ? "OK" : zerr_name(code); }

enum { OCC_FREE, OCC_ME_ARM, OCC_ME_SOLD, OCC_OTHER };
static const char *const occ_names[] = {"free", "held by me for ARM", "held by me for SOLD",
                                        "held by another worker"};

typedef struct oracle {
    int code;     /* 0 = success */
    int status;   /* HTTP status of the error */
    int noop;
    zstate_t arm, sold;
    zlock_op_t lock;
    char estado[200];
} oracle_t;

static void oracle_fail(oracle_t *o, int code, int status)
{
    o->code = code;
    o->status = status;
}

/* Rules: SPEC "Double tap", domain §3.4, §4.1, §4.2, §4.6 and the brief's list. */
static oracle_t oracle_op(zstate_t a, zstate_t s, int occ, zop_t op, zaction_t act,
                          const char *me_display)
{
    oracle_t o;
    memset(&o, 0, sizeof o);
    o.arm = a;
    o.sold = s;
    int held_by_me = occ == OCC_ME_ARM || occ == OCC_ME_SOLD;
    zop_t my_op = occ == OCC_ME_ARM ? ZOP_ARM : occ == OCC_ME_SOLD ? ZOP_SOLD : ZOP_NONE;
    zstate_t st = op == ZOP_ARM ? a : s;
    zstate_t *target = op == ZOP_ARM ? &o.arm : &o.sold;
    if (act == ZACT_TOMAR) {
        if (held_by_me && my_op == op) {
            o.noop = 1;
            return o;
        }
        if (held_by_me) {
            oracle_fail(&o, ZE_INVALID_STATE_TRANSITION, 409);
            return o;
        }
        if (occ == OCC_OTHER) {
            oracle_fail(&o, ZE_SPOOL_OCCUPIED, 409);
            return o;
        }
        if (st == ZST_COMPLETADO) {
            oracle_fail(&o, ZE_INVALID_STATE_TRANSITION, 409);
            return o;
        }
        if (op == ZOP_SOLD && a == ZST_PENDIENTE) {
            oracle_fail(&o, ZE_DEPENDENCIAS_NO_SATISFECHAS, 400);
            return o;
        }
        *target = ZST_EN_PROGRESO;
        o.lock = ZLOCK_ACQUIRE;
        snprintf(o.estado, sizeof o.estado, "%s trabajando %s (ARM %s, SOLD %s)", me_display,
                 op == ZOP_ARM ? "ARM" : "SOLD", word(o.arm), word(o.sold));
        return o;
    }
    if (!held_by_me) {
        oracle_fail(&o, ZE_NO_AUTORIZADO, 403);
        return o;
    }
    if (my_op != op) {
        oracle_fail(&o, ZE_INVALID_STATE_TRANSITION, 409);
        return o;
    }
    *target = act == ZACT_PAUSAR ? ZST_PAUSADO : ZST_COMPLETADO;
    o.lock = ZLOCK_RELEASE;
    snprintf(o.estado, sizeof o.estado, "Disponible - ARM %s, SOLD %s", word(o.arm), word(o.sold));
    return o;
}

static int consistent(zstate_t a, zstate_t s, int occ)
{
    int a_ep = a == ZST_EN_PROGRESO, s_ep = s == ZST_EN_PROGRESO;
    if (a_ep && s_ep) return 0; /* one occupant, one operation */
    switch (occ) {
    case OCC_FREE: return !a_ep && !s_ep;
    case OCC_ME_ARM: return a_ep;
    case OCC_ME_SOLD: return s_ep;
    case OCC_OTHER: return a_ep || s_ep;
    }
    return 0;
}

static void set_column(spool_t *sp, zop_t op, zstate_t st, const char *holder)
{
    char *w = op == ZOP_ARM ? sp->armador : sp->soldador;
    zdate_t *d = op == ZOP_ARM ? &sp->fecha_armado : &sp->fecha_soldadura;
    switch (st) {
    case ZST_PENDIENTE: w[0] = '\0'; *d = ZDATE_NONE; break;
    case ZST_EN_PROGRESO: snprintf(w, ZNAME_MAX, "%s", holder); *d = ZDATE_NONE; break;
    case ZST_PAUSADO: snprintf(w, ZNAME_MAX, "%s", PREV); *d = ZDATE_NONE; break;
    case ZST_COMPLETADO:
        snprintf(w, ZNAME_MAX, "%s", PREV);
        *d = op == ZOP_ARM ? F_ARMADO : F_SOLDADURA;
        break;
    }
}

static spool_t combo_spool(zstate_t a, zstate_t s, int occ, const worker_t *me, const worker_t *other)
{
    spool_t sp = base_spool();
    const worker_t *holder = occ == OCC_OTHER ? other : me;
    zop_t hop = a == ZST_EN_PROGRESO ? ZOP_ARM : s == ZST_EN_PROGRESO ? ZOP_SOLD : ZOP_NONE;
    if (occ != OCC_FREE) occupy(&sp, holder, hop);
    set_column(&sp, ZOP_ARM, a, holder->display);
    set_column(&sp, ZOP_SOLD, s, holder->display);
    snprintf(sp.estado_detalle, sizeof sp.estado_detalle, "(stale text)");
    return sp;
}

static void check_combo(zstate_t a, zstate_t s, int occ, zop_t op, zaction_t act,
                        const worker_t *me, const worker_t *other)
{
    spool_t sp = combo_spool(a, s, occ, me, other);
    spool_t copy = sp;
    /* Sanity of the fixture: the derived states are the combination's. */
    if (spool_arm_state(&sp) != a || spool_sold_state(&sp) != s) {
        g_bad++;
        note("fixture ARM %s SOLD %s %s derives ARM %s SOLD %s\n", word(a), word(s), occ_names[occ],
             word(spool_arm_state(&sp)), word(spool_sold_state(&sp)));
        return;
    }
    zcmd_t cmd = mkcmd(act, op, me);
    zoutcome_t out;
    zfail_t fail = {0};
    int rc = decide_occupation(&sp, &cmd, &out, &fail);
    oracle_t want = oracle_op(a, s, occ, op, act, me->display);
    char ctx[200];
    snprintf(ctx, sizeof ctx, "[ARM %s, SOLD %s, %s] %s %s", word(a), word(s), occ_names[occ],
             zop_name(op), act == ZACT_TOMAR ? "TOMAR" : act == ZACT_PAUSAR ? "PAUSAR" : "COMPLETAR");
    int bad = 0;
    if (memcmp(&sp, &copy, sizeof sp) != 0) {
        bad = 1;
        note("%s: the input spool was modified\n", ctx);
    }
    if (rc != want.code) {
        bad = 1;
        note("%s: got %s (%s), expected %s\n", ctx, code_name(rc), rc ? fail.message : "",
             code_name(want.code));
    } else if (rc != 0) {
        if (zerr_status(rc) != want.status) {
            bad = 1;
            note("%s: %s has status %d, expected %d\n", ctx, code_name(rc), zerr_status(rc),
                 want.status);
        }
        const char *t = json_string_value(json_object_get(fail.data, "tag_spool"));
        if (!fail.message[0] || !t || strcmp(t, TAG) != 0) {
            bad = 1;
            note("%s: failure without message or data.tag_spool\n", ctx);
        }
        if (rc == ZE_SPOOL_OCCUPIED) {
            char m[300];
            snprintf(m, sizeof m,
                     "El spool '%s' ya está ocupado por %s (ID: %lld). Espera a que termine o "
                     "elige otro spool.",
                     TAG, other->display, (long long)other->id);
            if (strcmp(fail.message, m) != 0) {
                bad = 1;
                note("%s: message %s\n", ctx, fail.message);
            }
        }
        if (rc == ZE_NO_AUTORIZADO && occ == OCC_OTHER) {
            char m[300];
            snprintf(m, sizeof m, "Solo %s puede completar %s en '%s' (él/ella la inició). Tú eres %s.",
                     other->display, act == ZACT_PAUSAR ? "PAUSAR" : "COMPLETAR", TAG, me->display);
            if (strcmp(fail.message, m) != 0) {
                bad = 1;
                note("%s: message %s\n", ctx, fail.message);
            }
        }
        if (rc == ZE_DEPENDENCIAS_NO_SATISFECHAS) {
            char m[300];
            snprintf(m, sizeof m,
                     "No se puede iniciar SOLD en spool '%s': falta ARM iniciado (SOLD no puede "
                     "iniciarse sin ARM iniciado)",
                     TAG);
            if (strcmp(fail.message, m) != 0) {
                bad = 1;
                note("%s: message %s\n", ctx, fail.message);
            }
        }
    } else if (out.noop != want.noop) {
        bad = 1;
        note("%s: noop %d, expected %d\n", ctx, out.noop, want.noop);
    } else if (want.noop) {
        if (memcmp(&out.after, &sp, sizeof sp) != 0) {
            bad = 1;
            note("%s: a no-op changed the spool\n", ctx);
        }
    } else {
        const spool_t *af = &out.after;
        zstate_t ga = spool_arm_state(af), gs = spool_sold_state(af);
        if (ga != want.arm || gs != want.sold) {
            bad = 1;
            note("%s: states ARM %s SOLD %s, expected ARM %s SOLD %s\n", ctx, word(ga), word(gs),
                 word(want.arm), word(want.sold));
        }
        if (strcmp(af->estado_detalle, want.estado) != 0) {
            bad = 1;
            note("%s: Estado_Detalle '%s', expected '%s'\n", ctx, af->estado_detalle, want.estado);
        }
        if (out.lock != want.lock || out.op != op) {
            bad = 1;
            note("%s: lock %d op %d, expected lock %d op %d\n", ctx, out.lock, out.op, want.lock, op);
        }
        const char *wcol = op == ZOP_ARM ? af->armador : af->soldador;
        if (act == ZACT_TOMAR) {
            if (strcmp(af->ocupado_por, me->display) != 0 || af->ocupado_worker_id != me->id ||
                af->ocupado_op != op || af->fecha_ocupacion != NOW ||
                strcmp(af->lock_token, "tok") != 0 || strcmp(wcol, me->display) != 0) {
                bad = 1;
                note("%s: occupation/worker column not written as expected (%s,%lld,%d,%s)\n", ctx,
                     af->ocupado_por, (long long)af->ocupado_worker_id, af->ocupado_op, wcol);
            }
            if (strcmp(out.event.tipo, "TOMAR_SPOOL") || strcmp(out.event.accion, "TOMAR") ||
                strcmp(out.event.operacion, zop_name(op))) {
                bad = 1;
                note("%s: event %s/%s/%s\n", ctx, out.event.tipo, out.event.operacion, out.event.accion);
            }
        } else {
            if (af->ocupado_por[0] || af->ocupado_worker_id || af->ocupado_op != ZOP_NONE ||
                af->fecha_ocupacion || af->lock_token[0]) {
                bad = 1;
                note("%s: occupation not cleared\n", ctx);
            }
            if (strcmp(wcol, me->display) != 0) {
                bad = 1;
                note("%s: worker column '%s', expected '%s'\n", ctx, wcol, me->display);
            }
            zdate_t d = op == ZOP_ARM ? af->fecha_armado : af->fecha_soldadura;
            if ((act == ZACT_COMPLETAR && d != TODAY) || (act == ZACT_PAUSAR && d != ZDATE_NONE)) {
                bad = 1;
                note("%s: completion date %d\n", ctx, (int)d);
            }
            const char *tipo = act == ZACT_PAUSAR ? "PAUSAR_SPOOL"
                               : op == ZOP_ARM    ? "COMPLETAR_ARM"
                                                  : "COMPLETAR_SOLD";
            if (strcmp(out.event.tipo, tipo) || strcmp(out.event.operacion, zop_name(op)) ||
                strcmp(out.event.accion, act == ZACT_PAUSAR ? "PAUSAR" : "COMPLETAR")) {
                bad = 1;
                note("%s: event %s/%s/%s\n", ctx, out.event.tipo, out.event.operacion, out.event.accion);
            }
        }
        /* The other operation's columns are never touched. */
        const spool_t *o = &sp;
        int other_same = op == ZOP_ARM ? (strcmp(af->soldador, o->soldador) == 0 &&
                                          af->fecha_soldadura == o->fecha_soldadura)
                                       : (strcmp(af->armador, o->armador) == 0 &&
                                          af->fecha_armado == o->fecha_armado);
        if (!other_same || af->fecha_materiales != o->fecha_materiales || af->fecha_qc != o->fecha_qc ||
            strcmp(af->tag, o->tag) || af->row != o->row) {
            bad = 1;
            note("%s: an unrelated column changed\n", ctx);
        }
    }
    if (bad) g_bad++;
    zfail_clear(&fail);
}

static void test_occupation_table(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    worker_t other = mkw(94, "NR(94)", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    static const zop_t ops[] = {ZOP_ARM, ZOP_SOLD};
    static const zaction_t acts[] = {ZACT_TOMAR, ZACT_PAUSAR, ZACT_COMPLETAR};
    reset_log();
    int spools = 0, cases = 0;
    for (int ia = 0; ia < 4; ia++)
        for (int is = 0; is < 4; is++)
            for (int occ = 0; occ < 4; occ++) {
                if (!consistent(STATES[ia], STATES[is], occ)) continue;
                spools++;
                for (int io = 0; io < 2; io++)
                    for (int ix = 0; ix < 3; ix++) {
                        check_combo(STATES[ia], STATES[is], occ, ops[io], acts[ix], &me, &other);
                        cases++;
                    }
            }
    /* 9 free + 3 + 3 held by me + 6 held by another */
    assert_int_equal(spools, 21);
    assert_int_equal(cases, 126);
    flush_log("ARM/SOLD occupation table");
}

/* Estado_Detalle examples quoted in the brief and the domain (§4.6 "combinations the intended
 * rules actually produce"). */
static void test_occupation_texts(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    struct {
        zstate_t a, s;
        int occ;
        zop_t op;
        zaction_t act;
        const char *want;
    } cases[] = {
        {ZST_PENDIENTE, ZST_PENDIENTE, OCC_FREE, ZOP_ARM, ZACT_TOMAR,
         "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)"},
        {ZST_EN_PROGRESO, ZST_PENDIENTE, OCC_ME_ARM, ZOP_ARM, ZACT_PAUSAR,
         "Disponible - ARM pausado, SOLD pendiente"},
        {ZST_EN_PROGRESO, ZST_PENDIENTE, OCC_ME_ARM, ZOP_ARM, ZACT_COMPLETAR,
         "Disponible - ARM completado, SOLD pendiente"},
        {ZST_COMPLETADO, ZST_PENDIENTE, OCC_FREE, ZOP_SOLD, ZACT_TOMAR,
         "MR(93) trabajando SOLD (ARM completado, SOLD en progreso)"},
        {ZST_PAUSADO, ZST_PAUSADO, OCC_FREE, ZOP_SOLD, ZACT_TOMAR,
         "MR(93) trabajando SOLD (ARM pausado, SOLD en progreso)"},
        {ZST_COMPLETADO, ZST_EN_PROGRESO, OCC_ME_SOLD, ZOP_SOLD, ZACT_PAUSAR,
         "Disponible - ARM completado, SOLD pausado"},
        {ZST_COMPLETADO, ZST_EN_PROGRESO, OCC_ME_SOLD, ZOP_SOLD, ZACT_COMPLETAR,
         "Disponible - ARM completado, SOLD completado"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spool_t sp = combo_spool(cases[i].a, cases[i].s, cases[i].occ, &me, &me);
        zcmd_t cmd = mkcmd(cases[i].act, cases[i].op, &me);
        zoutcome_t out;
        zfail_t fail = {0};
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
        assert_string_equal(out.after.estado_detalle, cases[i].want);
    }
}

static void test_fecha_materiales_required(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    static const zop_t ops[] = {ZOP_ARM, ZOP_SOLD};
    for (int i = 0; i < 2; i++) {
        spool_t sp = base_spool();
        sp.fecha_materiales = ZDATE_NONE;
        if (ops[i] == ZOP_SOLD) snprintf(sp.armador, sizeof sp.armador, PREV); /* ARM paused */
        zcmd_t cmd = mkcmd(ZACT_TOMAR, ops[i], &me);
        zoutcome_t out;
        zfail_t fail = {0};
        int rc = decide_occupation(&sp, &cmd, &out, &fail);
        assert_int_equal(rc, ZE_DEPENDENCIAS_NO_SATISFECHAS);
        assert_int_equal(zerr_status(rc), 400);
        char m[300];
        snprintf(m, sizeof m,
                 "No se puede iniciar %s en spool '%s': falta Fecha_Materiales (El spool debe tener "
                 "materiales registrados antes de ocuparlo)",
                 zop_name(ops[i]), TAG);
        assert_string_equal(fail.message, m);
        assert_string_equal(json_string_value(json_object_get(fail.data, "dependencia_faltante")),
                            "Fecha_Materiales");
        zfail_clear(&fail);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Roles                                                                                     */

static const char *const ROLE_NAMES[ZROLE_COUNT] = {"Armador",       "Soldador", "Ayudante",
                                                     "Metrologia",    "Revestimiento", "Pintura",
                                                     "Despacho"};

static unsigned oracle_roles(zop_t op)
{
    switch (op) {
    case ZOP_ARM: return ZROLE_ARMADOR | ZROLE_AYUDANTE;
    case ZOP_SOLD: return ZROLE_SOLDADOR | ZROLE_AYUDANTE;
    case ZOP_REPARACION: return ZROLE_ARMADOR | ZROLE_SOLDADOR;
    case ZOP_METROLOGIA: return ZROLE_METROLOGIA;
    default: return 0;
    }
}

static const char *oracle_role_text(zop_t op)
{
    switch (op) {
    case ZOP_ARM: return "Armador o Ayudante";
    case ZOP_SOLD: return "Soldador o Ayudante";
    case ZOP_REPARACION: return "Armador o Soldador";
    case ZOP_METROLOGIA: return "Metrologia";
    default: return "";
    }
}

/* Runs the decision a worker with `roles` would face on a spool where op is otherwise allowed. */
static int run_role_case(zop_t op, const worker_t *w, zfail_t *fail)
{
    spool_t sp;
    zoutcome_t out;
    zcmd_t cmd;
    switch (op) {
    case ZOP_ARM:
        sp = base_spool();
        cmd = mkcmd(ZACT_TOMAR, op, w);
        return decide_occupation(&sp, &cmd, &out, fail);
    case ZOP_SOLD:
        sp = base_spool();
        snprintf(sp.armador, sizeof sp.armador, PREV);
        sp.fecha_armado = F_ARMADO;
        cmd = mkcmd(ZACT_TOMAR, op, w);
        return decide_occupation(&sp, &cmd, &out, fail);
    case ZOP_REPARACION:
        sp = repair_spool(ZREP_RECHAZADO, 1);
        cmd = mkcmd(ZACT_TOMAR, op, w);
        return decide_occupation(&sp, &cmd, &out, fail);
    default:
        sp = done_spool();
        cmd = mkcmd(ZACT_COMPLETAR, ZOP_METROLOGIA, w);
        cmd.resultado_aprobado = 1;
        return decide_metrologia(&sp, &cmd, &out, fail);
    }
}

static void test_roles_table(void **state)
{
    (void)state;
    static const zop_t ops[] = {ZOP_ARM, ZOP_SOLD, ZOP_REPARACION, ZOP_METROLOGIA};
    reset_log();
    for (int io = 0; io < 4; io++)
        for (unsigned mask = 0; mask < (1u << ZROLE_COUNT); mask++) {
            zop_t op = ops[io];
            worker_t w = mkw(93, "MR(93)", mask);
            zfail_t fail = {0};
            int rc = run_role_case(op, &w, &fail);
            int allowed = (mask & oracle_roles(op)) != 0;
            if (allowed && rc != ZE_OK) {
                g_bad++;
                note("%s roles 0x%x: allowed but got %s %s\n", zop_name(op), mask, code_name(rc),
                     fail.message);
            } else if (!allowed) {
                char want[400], have[200] = "";
                for (int i = 0; i < ZROLE_COUNT; i++)
                    if (mask & (1u << i)) {
                        size_t n = strlen(have);
                        snprintf(have + n, sizeof have - n, "%s%s", n ? ", " : "", ROLE_NAMES[i]);
                    }
                snprintf(want, sizeof want,
                         "Trabajador 93 no tiene el rol '%s' necesario para realizar la operación "
                         "'%s'%s%s",
                         oracle_role_text(op), zop_name(op), mask ? ". Roles actuales: " : "", have);
                if (rc != ZE_ROL_NO_AUTORIZADO || zerr_status(rc) != 403 ||
                    strcmp(fail.message, want) != 0) {
                    g_bad++;
                    note("%s roles 0x%x: got %s '%s', expected ROL_NO_AUTORIZADO '%s'\n",
                         zop_name(op), mask, code_name(rc), rc ? fail.message : "", want);
                } else {
                    json_t *d = fail.data;
                    json_t *ra = json_object_get(d, "roles_actuales");
                    if (json_integer_value(json_object_get(d, "worker_id")) != 93 ||
                        strcmp(json_string_value(json_object_get(d, "operacion")), zop_name(op)) ||
                        strcmp(json_string_value(json_object_get(d, "rol_requerido")),
                               oracle_role_text(op)) ||
                        !json_is_array(ra) ||
                        json_array_size(ra) != (size_t)__builtin_popcount(mask)) {
                        g_bad++;
                        note("%s roles 0x%x: bad data\n", zop_name(op), mask);
                    }
                }
            }
            zfail_clear(&fail);
        }
    flush_log("role table");
}

static void test_role_messages(void **state)
{
    (void)state;
    worker_t w = mkw(93, "MR(93)", ZROLE_ARMADOR);
    zfail_t fail = {0};
    assert_int_equal(run_role_case(ZOP_SOLD, &w, &fail), ZE_ROL_NO_AUTORIZADO);
    assert_string_equal(fail.message,
                        "Trabajador 93 no tiene el rol 'Soldador o Ayudante' necesario para "
                        "realizar la operación 'SOLD'. Roles actuales: Armador");
    zfail_clear(&fail);

    /* Roles are listed in the Roles sheet order the worker carries. */
    worker_t w2 = mkw(101, "XY(101)", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    w2.roles_order[0] = 1;
    w2.roles_order[1] = 0;
    assert_int_equal(run_role_case(ZOP_METROLOGIA, &w2, &fail), ZE_ROL_NO_AUTORIZADO);
    assert_string_equal(fail.message,
                        "Trabajador 101 no tiene el rol 'Metrologia' necesario para realizar la "
                        "operación 'METROLOGIA'. Roles actuales: Soldador, Armador");
    zfail_clear(&fail);

    worker_t none = mkw(96, "JP(96)", 0);
    assert_int_equal(run_role_case(ZOP_REPARACION, &none, &fail), ZE_ROL_NO_AUTORIZADO);
    assert_string_equal(fail.message,
                        "Trabajador 96 no tiene el rol 'Armador o Soldador' necesario para "
                        "realizar la operación 'REPARACION'");
    zfail_clear(&fail);

    worker_t ayud = mkw(113, "CC(113)", ZROLE_AYUDANTE);
    assert_int_equal(run_role_case(ZOP_REPARACION, &ayud, &fail), ZE_ROL_NO_AUTORIZADO);
    assert_string_equal(fail.message,
                        "Trabajador 113 no tiene el rol 'Armador o Soldador' necesario para "
                        "realizar la operación 'REPARACION'. Roles actuales: Ayudante");
    zfail_clear(&fail);
    /* Ayudante helps on ARM and SOLD. */
    assert_int_equal(run_role_case(ZOP_ARM, &ayud, &fail), ZE_OK);
    assert_int_equal(run_role_case(ZOP_SOLD, &ayud, &fail), ZE_OK);

    /* zop_required_roles agrees with the SPEC table. */
    assert_int_equal(zop_required_roles(ZOP_ARM), ZROLE_ARMADOR | ZROLE_AYUDANTE);
    assert_int_equal(zop_required_roles(ZOP_SOLD), ZROLE_SOLDADOR | ZROLE_AYUDANTE);
    assert_int_equal(zop_required_roles(ZOP_REPARACION), ZROLE_ARMADOR | ZROLE_SOLDADOR);
    assert_int_equal(zop_required_roles(ZOP_METROLOGIA), ZROLE_METROLOGIA);
}

/* METROLOGIA is not an occupation operation. */
static void test_metrologia_not_occupation(void **state)
{
    (void)state;
    worker_t w = mkw(117, "CS(117)", ZROLE_METROLOGIA);
    spool_t sp = done_spool();
    zcmd_t cmd = mkcmd(ZACT_TOMAR, ZOP_METROLOGIA, &w);
    zoutcome_t out;
    zfail_t fail = {0};
    int rc = decide_occupation(&sp, &cmd, &out, &fail);
    assert_int_equal(rc, ZE_OPERACION_NO_DISPONIBLE);
    assert_int_equal(zerr_status(rc), 400);
    zfail_clear(&fail);
}

/* ---------------------------------------------------------------------------------------- */
/* Audit event, lock op and live payloads                                                    */

static void assert_live_base(json_t *p, const char *type, const char *estado, const char *op)
{
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "type")), type);
    assert_string_equal(json_string_value(json_object_get(p, "event_type")), type);
    assert_string_equal(json_string_value(json_object_get(p, "tag_spool")), TAG);
    assert_string_equal(json_string_value(json_object_get(p, "worker")), "MR(93)");
    assert_string_equal(json_string_value(json_object_get(p, "worker_nombre")), "MR(93)");
    assert_string_equal(json_string_value(json_object_get(p, "estado_detalle")), estado);
    assert_string_equal(json_string_value(json_object_get(p, "operacion")), op);
    assert_string_equal(json_string_value(json_object_get(p, "timestamp")), NOW_TEXT);
}

static void test_event_tomar_pausar_completar(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR);
    zoutcome_t out;
    zfail_t fail = {0};

    /* TOMAR ARM on a fresh spool */
    spool_t sp = base_spool();
    zcmd_t cmd = mkcmd(ZACT_TOMAR, ZOP_ARM, &me);
    assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
    assert_int_equal(out.lock, ZLOCK_ACQUIRE);
    assert_int_equal(out.noop, 0);
    const event_rec_t *e = &out.event;
    assert_string_equal(e->id, "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    assert_int_equal(e->ts, NOW);
    assert_string_equal(e->tag, TAG);
    assert_int_equal(e->worker_id, 93);
    assert_string_equal(e->worker_nombre, "MR(93)");
    assert_string_equal(e->tipo, "TOMAR_SPOOL");
    assert_string_equal(e->operacion, "ARM");
    assert_string_equal(e->accion, "TOMAR");
    assert_int_equal(e->fecha_operacion, TODAY);
    assert_string_equal(e->metadata_json,
                        "{\"lock_token\": \"tok\", \"fecha_ocupacion\": \"30-01-2026 14:30:00\"}");
    json_t *live = jparse(e->live_json);
    assert_true(json_is_array(live));
    assert_int_equal(json_array_size(live), 1);
    assert_live_base(json_array_get(live, 0), "TOMAR", "Ocupado por MR(93) - ARM", "ARM");
    json_decref(live);

    /* PAUSAR by the holder */
    spool_t held = out.after;
    cmd = mkcmd(ZACT_PAUSAR, ZOP_ARM, &me);
    assert_int_equal(decide_occupation(&held, &cmd, &out, &fail), ZE_OK);
    assert_int_equal(out.lock, ZLOCK_RELEASE);
    assert_string_equal(out.event.tipo, "PAUSAR_SPOOL");
    assert_string_equal(out.event.operacion, "ARM");
    assert_string_equal(out.event.accion, "PAUSAR");
    assert_string_equal(out.event.metadata_json,
                        "{\"estado\": \"ARM parcial (pausado)\", \"lock_released\": true}");
    assert_string_equal(out.after.estado_detalle, "Disponible - ARM pausado, SOLD pendiente");
    assert_string_equal(out.after.armador, "MR(93)"); /* kept as the last worker */
    live = jparse(out.event.live_json);
    assert_int_equal(json_array_size(live), 1);
    assert_live_base(json_array_get(live, 0), "PAUSAR", "ARM parcial (pausado)", "ARM");
    json_decref(live);

    /* COMPLETAR with an explicit date */
    cmd = mkcmd(ZACT_COMPLETAR, ZOP_ARM, &me);
    cmd.fecha = 20260129;
    assert_int_equal(decide_occupation(&held, &cmd, &out, &fail), ZE_OK);
    assert_int_equal(out.lock, ZLOCK_RELEASE);
    assert_int_equal(out.after.fecha_armado, 20260129);
    assert_string_equal(out.event.tipo, "COMPLETAR_ARM");
    assert_string_equal(out.event.accion, "COMPLETAR");
    assert_int_equal(out.event.fecha_operacion, 20260129);
    assert_string_equal(out.event.metadata_json,
                        "{\"fecha_operacion\": \"29-01-2026\", \"completed\": true}");
    live = jparse(out.event.live_json);
    assert_int_equal(json_array_size(live), 2);
    json_t *p = json_array_get(live, 0);
    assert_live_base(p, "COMPLETAR", "ARM completado - Disponible", "ARM");
    assert_string_equal(json_string_value(json_object_get(p, "fecha_operacion")), "29-01-2026");
    p = json_array_get(live, 1);
    assert_live_base(p, "STATE_CHANGE", "Disponible - ARM completado, SOLD pendiente", "ARM");
    assert_string_equal(json_string_value(json_object_get(p, "arm_state")), "completado");
    assert_string_equal(json_string_value(json_object_get(p, "sold_state")), "pendiente");
    json_decref(live);

    /* COMPLETAR without a date: today */
    cmd = mkcmd(ZACT_COMPLETAR, ZOP_ARM, &me);
    assert_int_equal(decide_occupation(&held, &cmd, &out, &fail), ZE_OK);
    assert_int_equal(out.after.fecha_armado, TODAY);
    assert_int_equal(out.event.fecha_operacion, TODAY);
    assert_string_equal(out.event.metadata_json,
                        "{\"fecha_operacion\": \"30-01-2026\", \"completed\": true}");
}

/* COMPLETAR without operacion takes the worker's current occupation. */
static void test_completar_without_operacion(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR | ZROLE_SOLDADOR);
    worker_t other = mkw(94, "NR(94)", ZROLE_SOLDADOR);
    zoutcome_t out;
    zfail_t fail = {0};
    spool_t sp = combo_spool(ZST_COMPLETADO, ZST_EN_PROGRESO, OCC_ME_SOLD, &me, &other);
    zcmd_t cmd = mkcmd(ZACT_COMPLETAR, ZOP_NONE, &me);
    assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
    assert_int_equal(out.op, ZOP_SOLD);
    assert_int_equal(out.after.fecha_soldadura, TODAY);
    assert_int_equal(out.after.fecha_armado, F_ARMADO);
    assert_string_equal(out.event.tipo, "COMPLETAR_SOLD");
    assert_string_equal(out.after.estado_detalle, "Disponible - ARM completado, SOLD completado");

    sp = combo_spool(ZST_COMPLETADO, ZST_EN_PROGRESO, OCC_OTHER, &me, &other);
    assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_NO_AUTORIZADO);
    zfail_clear(&fail);

    sp = combo_spool(ZST_COMPLETADO, ZST_PAUSADO, OCC_FREE, &me, &other);
    int rc = decide_occupation(&sp, &cmd, &out, &fail);
    assert_int_equal(rc, ZE_OPERACION_NO_INICIADA);
    assert_int_equal(zerr_status(rc), 400);
    zfail_clear(&fail);
}

/* ---------------------------------------------------------------------------------------- */
/* REPARACION machine                                                                        */

enum { R_NONE, R_RECH, R_PAUS, R_EN_ME, R_EN_OTHER, R_PEND, R_BLOQ, R_COUNT };
static const char *const r_names[] = {"not in loop", "rechazado", "reparacion_pausada",
                                      "en_reparacion (me)", "en_reparacion (other)",
                                      "pendiente_metrologia", "bloqueado"};

static spool_t repair_variant(int v, const worker_t *me, const worker_t *other, int cycle)
{
    spool_t s;
    switch (v) {
    case R_NONE: s = repair_spool(ZREP_NONE, 0); break;
    case R_RECH: s = repair_spool(ZREP_RECHAZADO, cycle); break;
    case R_PAUS: s = repair_spool(ZREP_PAUSADA, cycle); break;
    case R_EN_ME:
        s = repair_spool(ZREP_EN_REPARACION, cycle);
        occupy(&s, me, ZOP_REPARACION);
        break;
    case R_EN_OTHER:
        s = repair_spool(ZREP_EN_REPARACION, cycle);
        occupy(&s, other, ZOP_REPARACION);
        break;
    case R_PEND: s = repair_spool(ZREP_PENDIENTE_METROLOGIA, cycle); break;
    default: s = repair_spool(ZREP_BLOQUEADO, 3); break;
    }
    return s;
}

typedef struct roracle {
    int code, status, noop;
    zrepair_t repair;
    int occupied_by_me;
    zlock_op_t lock;
    const char *tipo, *estado, *meta;
} roracle_t;

/* Domain §4.4, §5.3 (intended) and SPEC "Reparación endpoints"; cycle 2 everywhere. */
static roracle_t oracle_repair(int v, zaction_t act)
{
    roracle_t o;
    memset(&o, 0, sizeof o);
    switch (act) {
    case ZACT_TOMAR:
        if (v == R_BLOQ) o.code = ZE_SPOOL_BLOQUEADO, o.status = 403;
        else if (v == R_EN_ME) o.noop = 1;
        else if (v == R_EN_OTHER) o.code = ZE_SPOOL_OCCUPIED, o.status = 409; /* names the repairer */
        else if (v == R_RECH || v == R_PAUS) {
            o.repair = ZREP_EN_REPARACION;
            o.occupied_by_me = 1;
            o.lock = ZLOCK_ACQUIRE;
            o.tipo = "TOMAR_REPARACION";
            o.estado = "EN_REPARACION (Ciclo 2/3) - Ocupado: MR(93)";
            o.meta = "{\"cycle\": 2, \"max_cycles\": 3, \"state\": \"en_reparacion\"}";
        } else o.code = ZE_OPERACION_NO_DISPONIBLE, o.status = 400; /* not RECHAZADO */
        break;
    case ZACT_PAUSAR:
        if (v != R_EN_ME) o.code = ZE_NO_AUTORIZADO, o.status = 403;
        else {
            o.repair = ZREP_PAUSADA;
            o.lock = ZLOCK_RELEASE;
            o.tipo = "PAUSAR_REPARACION";
            o.estado = "REPARACION_PAUSADA (Ciclo 2/3)";
            o.meta = "{\"cycle\": 2, \"max_cycles\": 3, \"state\": \"reparacion_pausada\"}";
        }
        break;
    case ZACT_COMPLETAR:
        if (v != R_EN_ME) o.code = ZE_NO_AUTORIZADO, o.status = 403;
        else {
            o.repair = ZREP_PENDIENTE_METROLOGIA;
            o.lock = ZLOCK_RELEASE;
            o.tipo = "COMPLETAR_REPARACION";
            o.estado = "PENDIENTE_METROLOGIA";
            o.meta = "{\"cycle\": 2, \"max_cycles\": 3, \"state\": \"pendiente_metrologia\", "
                     "\"next_state\": \"PENDIENTE_METROLOGIA\"}";
        }
        break;
    case ZACT_CANCELAR:
        if (v == R_EN_OTHER) o.code = ZE_NO_AUTORIZADO, o.status = 403; /* only the occupant */
        else if (v == R_EN_ME || v == R_PAUS) {
            o.repair = ZREP_RECHAZADO;
            o.lock = v == R_EN_ME ? ZLOCK_RELEASE : ZLOCK_NONE;
            o.tipo = "CANCELAR_REPARACION";
            o.estado = "RECHAZADO (Ciclo 2/3) - Pendiente reparación";
            o.meta = "{\"cycle\": 2, \"max_cycles\": 3, \"state\": \"rechazado\"}";
        } else o.code = ZE_OPERACION_NO_INICIADA, o.status = 400;
        break;
    }
    return o;
}

static void test_repair_table(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR);
    worker_t other = mkw(103, "JR(103)", ZROLE_SOLDADOR);
    static const zaction_t acts[] = {ZACT_TOMAR, ZACT_PAUSAR, ZACT_COMPLETAR, ZACT_CANCELAR};
    static const char *const act_names[] = {"TOMAR", "PAUSAR", "COMPLETAR", "CANCELAR"};
    reset_log();
    for (int v = 0; v < R_COUNT; v++)
        for (int ia = 0; ia < 4; ia++) {
            spool_t sp = repair_variant(v, &me, &other, 2);
            zcmd_t cmd = mkcmd(acts[ia], ZOP_REPARACION, &me);
            zoutcome_t out;
            zfail_t fail = {0};
            int rc = decide_occupation(&sp, &cmd, &out, &fail);
            roracle_t o = oracle_repair(v, acts[ia]);
            char ctx[96];
            snprintf(ctx, sizeof ctx, "[%s] %s REPARACION", r_names[v], act_names[ia]);
            int bad = 0;
            if (rc != o.code) {
                bad = 1;
                note("%s: got %s (%s), expected %s\n", ctx, code_name(rc), rc ? fail.message : "",
                     code_name(o.code));
            } else if (rc) {
                if (zerr_status(rc) != o.status) {
                    bad = 1;
                    note("%s: status %d expected %d\n", ctx, zerr_status(rc), o.status);
                }
                if (rc == ZE_SPOOL_BLOQUEADO &&
                    strcmp(fail.message, "Spool bloqueado después de 3 rechazos. Contactar supervisor.")) {
                    bad = 1;
                    note("%s: message %s\n", ctx, fail.message);
                }
                if (rc == ZE_OPERACION_NO_DISPONIBLE &&
                    strcmp(fail.message, "Solo spools RECHAZADOS pueden ser reparados")) {
                    bad = 1;
                    note("%s: message %s\n", ctx, fail.message);
                }
                if (rc == ZE_OPERACION_NO_INICIADA) {
                    char m[200];
                    snprintf(m, sizeof m,
                             "No se puede completar REPARACION en spool '%s': la operación no ha "
                             "sido iniciada",
                             TAG);
                    if (strcmp(fail.message, m)) {
                        bad = 1;
                        note("%s: message %s\n", ctx, fail.message);
                    }
                }
            } else if (out.noop != o.noop) {
                bad = 1;
                note("%s: noop %d expected %d\n", ctx, out.noop, o.noop);
            } else if (!o.noop) {
                const spool_t *a = &out.after;
                if (a->repair != o.repair || strcmp(a->estado_detalle, o.estado) ||
                    out.lock != o.lock || strcmp(out.event.tipo, o.tipo) ||
                    strcmp(out.event.operacion, "REPARACION") ||
                    strcmp(out.event.accion, act_names[ia]) || strcmp(out.event.metadata_json, o.meta) ||
                    a->repair_cycle != 2) {
                    bad = 1;
                    note("%s: got repair %d '%s' lock %d event %s/%s/%s %s cycle %d\n", ctx, a->repair,
                         a->estado_detalle, out.lock, out.event.tipo, out.event.operacion,
                         out.event.accion, out.event.metadata_json, a->repair_cycle);
                }
                int by_me = a->ocupado_worker_id == 93 && !strcmp(a->ocupado_por, "MR(93)") &&
                            a->ocupado_op == ZOP_REPARACION && a->fecha_ocupacion == NOW;
                int is_free = !a->ocupado_por[0] && !a->ocupado_worker_id && a->ocupado_op == ZOP_NONE;
                if (o.occupied_by_me ? !by_me : !is_free) {
                    bad = 1;
                    note("%s: occupation '%s' %lld\n", ctx, a->ocupado_por, (long long)a->ocupado_worker_id);
                }
                /* Completing the repair clears the rejection's inspection date (back to the
                 * metrología queue); every other step keeps it. */
                zdate_t qc = o.repair == ZREP_PENDIENTE_METROLOGIA ? ZDATE_NONE : F_QC;
                if (a->fecha_qc != qc) {
                    bad = 1;
                    note("%s: fecha_qc %d expected %d\n", ctx, (int)a->fecha_qc, (int)qc);
                }
                if (a->fecha_armado != F_ARMADO || a->fecha_soldadura != F_SOLDADURA) {
                    bad = 1;
                    note("%s: ARM/SOLD dates changed\n", ctx);
                }
            }
            if (bad) g_bad++;
            zfail_clear(&fail);
        }
    flush_log("REPARACION table");
}

static void test_repair_cycle_texts(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_SOLDADOR);
    worker_t other = mkw(94, "NR(94)", ZROLE_SOLDADOR);
    zoutcome_t out;
    zfail_t fail = {0};
    for (int c = 0; c <= 2; c++) {
        spool_t sp = repair_variant(R_RECH, &me, &other, c);
        zcmd_t cmd = mkcmd(ZACT_TOMAR, ZOP_REPARACION, &me);
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
        char want[128];
        snprintf(want, sizeof want, "EN_REPARACION (Ciclo %d/3) - Ocupado: MR(93)", c);
        assert_string_equal(out.after.estado_detalle, want);
        json_t *live = jparse(out.event.live_json);
        json_t *p = json_array_get(live, 0);
        assert_string_equal(json_string_value(json_object_get(p, "type")), "TOMAR_REPARACION");
        assert_string_equal(json_string_value(json_object_get(p, "operacion")), "REPARACION");
        assert_int_equal(json_integer_value(json_object_get(p, "cycle")), c);
        json_decref(live);
    }
    /* A repair cancelled at cycle 3 (possible after a supervisor edit) goes back to BLOQUEADO. */
    spool_t sp = repair_variant(R_EN_ME, &me, &other, 3);
    zcmd_t cmd = mkcmd(ZACT_CANCELAR, ZOP_REPARACION, &me);
    assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
    assert_int_equal(out.after.repair, ZREP_BLOQUEADO);
    assert_string_equal(out.after.estado_detalle, "BLOQUEADO - Contactar supervisor");
    /* Any qualified worker resumes a paused repair. */
    sp = repair_variant(R_PAUS, &me, &other, 1);
    cmd = mkcmd(ZACT_TOMAR, ZOP_REPARACION, &other);
    assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
    assert_string_equal(out.after.estado_detalle, "EN_REPARACION (Ciclo 1/3) - Ocupado: NR(94)");
    /* A rejected spool somebody occupies anyway is not taken from them. */
    sp = repair_variant(R_RECH, &me, &other, 1);
    occupy(&sp, &other, ZOP_REPARACION);
    cmd = mkcmd(ZACT_TOMAR, ZOP_REPARACION, &me);
    int rc = decide_occupation(&sp, &cmd, &out, &fail);
    assert_int_equal(rc, ZE_SPOOL_OCCUPIED);
    assert_int_equal(zerr_status(rc), 409);
    zfail_clear(&fail);
}

/* ---------------------------------------------------------------------------------------- */
/* Metrología                                                                                */

static int metro(const spool_t *sp, const worker_t *w, int aprobado, zoutcome_t *out, zfail_t *fail)
{
    zcmd_t cmd = mkcmd(ZACT_COMPLETAR, ZOP_METROLOGIA, w);
    cmd.resultado_aprobado = aprobado;
    return decide_metrologia(sp, &cmd, out, fail);
}

static void test_metrologia_prerequisites_in_order(void **state)
{
    (void)state;
    worker_t insp = mkw(117, "CS(117)", ZROLE_METROLOGIA);
    worker_t norole = mkw(93, "MR(93)", ZROLE_ARMADOR);
    worker_t occ = mkw(94, "NR(94)", ZROLE_SOLDADOR);
    zoutcome_t out;
    zfail_t fail = {0};
    char m[300];

    /* Everything wrong at once: each fix reveals the next check, in the documented order. */
    spool_t sp = base_spool();
    snprintf(sp.armador, sizeof sp.armador, PREV);
    sp.fecha_qc = F_QC;
    occupy(&sp, &occ, ZOP_ARM);
    int rc = metro(&sp, &norole, 1, &out, &fail);
    assert_int_equal(rc, ZE_DEPENDENCIAS_NO_SATISFECHAS);
    assert_int_equal(zerr_status(rc), 400);
    snprintf(m, sizeof m,
             "No se puede iniciar METROLOGIA en spool '%s': falta ARM completado (Armado debe "
             "finalizar antes de metrología)",
             TAG);
    assert_string_equal(fail.message, m);
    zfail_clear(&fail);

    sp.fecha_armado = F_ARMADO;
    rc = metro(&sp, &norole, 1, &out, &fail);
    assert_int_equal(rc, ZE_DEPENDENCIAS_NO_SATISFECHAS);
    snprintf(m, sizeof m,
             "No se puede iniciar METROLOGIA en spool '%s': falta SOLD completado (Soldadura debe "
             "finalizar antes de metrología)",
             TAG);
    assert_string_equal(fail.message, m);
    zfail_clear(&fail);

    sp.fecha_soldadura = F_SOLDADURA;
    snprintf(sp.soldador, sizeof sp.soldador, PREV);
    rc = metro(&sp, &norole, 1, &out, &fail);
    assert_int_equal(rc, ZE_OPERACION_YA_COMPLETADA);
    assert_int_equal(zerr_status(rc), 400);
    snprintf(m, sizeof m,
             "La operación METROLOGIA del spool '%s' ya fue completada. Contacta al administrador "
             "si necesitas hacer correcciones.",
             TAG);
    assert_string_equal(fail.message, m);
    assert_string_equal(json_string_value(json_object_get(fail.data, "operacion")), "METROLOGIA");
    zfail_clear(&fail);

    sp.fecha_qc = ZDATE_NONE;
    rc = metro(&sp, &norole, 1, &out, &fail);
    assert_int_equal(rc, ZE_SPOOL_OCCUPIED);
    assert_int_equal(zerr_status(rc), 409);
    assert_int_equal(json_integer_value(json_object_get(fail.data, "owner_id")), 94);
    assert_string_equal(json_string_value(json_object_get(fail.data, "owner_name")), "NR(94)");
    zfail_clear(&fail);

    sp.ocupado_por[0] = '\0';
    sp.ocupado_worker_id = 0;
    sp.ocupado_op = ZOP_NONE;
    sp.fecha_ocupacion = 0;
    sp.lock_token[0] = '\0';
    rc = metro(&sp, &norole, 1, &out, &fail);
    assert_int_equal(rc, ZE_ROL_NO_AUTORIZADO);
    assert_int_equal(zerr_status(rc), 403);
    zfail_clear(&fail);

    assert_int_equal(metro(&sp, &insp, 1, &out, &fail), ZE_OK);
}

static void test_metrologia_aprobado(void **state)
{
    (void)state;
    worker_t insp = mkw(117, "CS(117)", ZROLE_METROLOGIA);
    zoutcome_t out;
    zfail_t fail = {0};
    spool_t sp = done_spool();
    assert_int_equal(metro(&sp, &insp, 1, &out, &fail), ZE_OK);
    assert_int_equal(out.lock, ZLOCK_NONE);
    assert_int_equal(out.op, ZOP_METROLOGIA);
    assert_int_equal(out.after.fecha_qc, TODAY);
    assert_int_equal(out.after.metrologia, ZMET_APROBADO);
    assert_int_equal(out.after.repair, ZREP_NONE);
    assert_int_equal(out.after.repair_cycle, 0);
    assert_string_equal(out.after.estado_detalle, "METROLOGIA_APROBADO ✓");
    assert_string_equal(out.shown,
                        "Disponible - ARM completado, SOLD completado, METROLOGIA APROBADO ✓");
    assert_string_equal(out.event.tipo, "COMPLETAR_METROLOGIA");
    assert_string_equal(out.event.operacion, "METROLOGIA");
    assert_string_equal(out.event.accion, "COMPLETAR");
    assert_string_equal(out.event.worker_nombre, "CS(117)");
    assert_int_equal(out.event.worker_id, 117);
    assert_string_equal(out.event.metadata_json, "{\"resultado\": \"APROBADO\", \"state\": \"aprobado\"}");
    json_t *live = jparse(out.event.live_json);
    json_t *p = json_array_get(live, 0);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "COMPLETAR_METROLOGIA");
    assert_string_equal(json_string_value(json_object_get(p, "resultado")), "APROBADO");
    assert_string_equal(json_string_value(json_object_get(p, "operacion")), "METROLOGIA");
    json_decref(live);

    /* Approval after two rejections and a repair resets the cycle. */
    sp = repair_spool(ZREP_PENDIENTE_METROLOGIA, 2);
    assert_int_equal(metro(&sp, &insp, 1, &out, &fail), ZE_OK);
    assert_int_equal(out.after.repair, ZREP_NONE);
    assert_int_equal(out.after.repair_cycle, 0);
    assert_string_equal(out.after.estado_detalle, "METROLOGIA_APROBADO ✓");
}

static void test_metrologia_rechazado_cycles(void **state)
{
    (void)state;
    worker_t insp = mkw(117, "CS(117)", ZROLE_METROLOGIA);
    zoutcome_t out;
    zfail_t fail = {0};
    static const struct {
        int from;
        zrepair_t repair;
        const char *estado, *shown, *meta;
    } cases[] = {
        {0, ZREP_RECHAZADO, "RECHAZADO (Ciclo 1/3) - Pendiente reparación",
         "Disponible - ARM completado, SOLD completado, RECHAZADO (Ciclo 1/3) - Pendiente reparación",
         "{\"resultado\": \"RECHAZADO\", \"state\": \"rechazado\", \"cycle\": 1}"},
        {1, ZREP_RECHAZADO, "RECHAZADO (Ciclo 2/3) - Pendiente reparación",
         "Disponible - ARM completado, SOLD completado, RECHAZADO (Ciclo 2/3) - Pendiente reparación",
         "{\"resultado\": \"RECHAZADO\", \"state\": \"rechazado\", \"cycle\": 2}"},
        {2, ZREP_BLOQUEADO, "BLOQUEADO - Contactar supervisor",
         "Disponible - ARM completado, SOLD completado, BLOQUEADO - Contactar supervisor",
         "{\"resultado\": \"RECHAZADO\", \"state\": \"bloqueado\", \"cycle\": 3}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spool_t sp = cases[i].from ? repair_spool(ZREP_PENDIENTE_METROLOGIA, cases[i].from) : done_spool();
        assert_int_equal(metro(&sp, &insp, 0, &out, &fail), ZE_OK);
        assert_int_equal(out.after.repair_cycle, cases[i].from + 1);
        assert_int_equal(out.after.repair, cases[i].repair);
        assert_int_equal(out.after.metrologia, ZMET_RECHAZADO);
        assert_int_equal(out.after.fecha_qc, TODAY);
        assert_string_equal(out.after.estado_detalle, cases[i].estado);
        assert_string_equal(out.shown, cases[i].shown);
        assert_string_equal(out.event.metadata_json, cases[i].meta);
    }
}

/* The whole loop through the core: reject → repair (pause, resume by another) → reject → repair
 * → reject → BLOQUEADO, TOMAR refused. */
static void test_full_repair_loop(void **state)
{
    (void)state;
    worker_t insp = mkw(117, "CS(117)", ZROLE_METROLOGIA);
    worker_t a = mkw(93, "MR(93)", ZROLE_ARMADOR);
    worker_t b = mkw(103, "JR(103)", ZROLE_SOLDADOR);
    zoutcome_t out;
    zfail_t fail = {0};
    spool_t sp = done_spool();
    zcmd_t cmd;
    for (int round = 1; round <= 3; round++) {
        assert_int_equal(metro(&sp, &insp, 0, &out, &fail), ZE_OK);
        sp = out.after;
        assert_int_equal(sp.repair_cycle, round);
        if (round == 3) break;
        cmd = mkcmd(ZACT_TOMAR, ZOP_REPARACION, &a);
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
        sp = out.after;
        cmd = mkcmd(ZACT_PAUSAR, ZOP_REPARACION, &a);
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
        sp = out.after;
        cmd = mkcmd(ZACT_TOMAR, ZOP_REPARACION, &b);
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
        sp = out.after;
        char want[96];
        snprintf(want, sizeof want, "EN_REPARACION (Ciclo %d/3) - Ocupado: JR(103)", round);
        assert_string_equal(sp.estado_detalle, want);
        /* a is no longer the occupant */
        cmd = mkcmd(ZACT_COMPLETAR, ZOP_REPARACION, &a);
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_NO_AUTORIZADO);
        zfail_clear(&fail);
        cmd = mkcmd(ZACT_COMPLETAR, ZOP_REPARACION, &b);
        assert_int_equal(decide_occupation(&sp, &cmd, &out, &fail), ZE_OK);
        sp = out.after;
        assert_string_equal(sp.estado_detalle, "PENDIENTE_METROLOGIA");
        assert_int_equal(sp.fecha_qc, ZDATE_NONE);
        assert_int_equal(sp.repair_cycle, round);
    }
    assert_int_equal(sp.repair, ZREP_BLOQUEADO);
    assert_string_equal(sp.estado_detalle, "BLOQUEADO - Contactar supervisor");
    cmd = mkcmd(ZACT_TOMAR, ZOP_REPARACION, &a);
    int rc = decide_occupation(&sp, &cmd, &out, &fail);
    assert_int_equal(rc, ZE_SPOOL_BLOQUEADO);
    assert_int_equal(zerr_status(rc), 403);
    assert_string_equal(fail.message, "Spool bloqueado después de 3 rechazos. Contactar supervisor.");
    zfail_clear(&fail);
    /* A blocked spool cannot be inspected again either (it already has its inspection date). */
    assert_int_equal(metro(&sp, &insp, 1, &out, &fail), ZE_OPERACION_YA_COMPLETADA);
    zfail_clear(&fail);
}

/* ---------------------------------------------------------------------------------------- */
/* v2.1 INICIAR / COMPLETAR / CANCELAR (domain §3.3)                                          */

typedef struct v21_case {
    const char *name;
    zaction_t act;
    zop_t op;
    /* spool columns */
    int materiales, armador, armado, soldador, soldadura, qc;
    int occ; /* OCC_FREE, OCC_ME_ARM, OCC_OTHER (for ARM) */
    int code;
    const char *message; /* {tag} = the tag; NULL = not checked */
    const char *tipo;    /* success */
} v21_case_t;

static const v21_case_t v21_cases[] = {
    /* INICIAR ARM */
    {"iniciar ARM ok", ZACT_TOMAR, ZOP_ARM, 1, 0, 0, 0, 0, 0, OCC_FREE, 0, NULL, "INICIAR_ARM"},
    {"iniciar ARM sin materiales", ZACT_TOMAR, ZOP_ARM, 0, 0, 0, 0, 0, 0, OCC_FREE,
     ZE_DEPENDENCIAS_NO_SATISFECHAS,
     "No se puede iniciar ARM en spool '{tag}': falta fecha_materiales (Los materiales deben estar "
     "registrados)",
     NULL},
    {"iniciar ARM completada", ZACT_TOMAR, ZOP_ARM, 1, 1, 1, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_YA_COMPLETADA,
     "La operación ARM del spool '{tag}' ya fue completada. Contacta al administrador si necesitas "
     "hacer correcciones.",
     NULL},
    {"iniciar ARM fecha sin armador", ZACT_TOMAR, ZOP_ARM, 1, 0, 1, 0, 0, 0, OCC_FREE,
     ZE_DEPENDENCIAS_NO_SATISFECHAS,
     "No se puede iniciar ARM en spool '{tag}': falta fecha_armado debe estar vacía (No se puede "
     "iniciar ARM si ya hay fecha de armado registrada)",
     NULL},
    {"iniciar ARM ya iniciada", ZACT_TOMAR, ZOP_ARM, 1, 1, 0, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_YA_INICIADA, "La operación ARM del spool '{tag}' ya está iniciada por PW(50)", NULL},
    {"iniciar ARM ocupado por otro", ZACT_TOMAR, ZOP_ARM, 1, 1, 0, 0, 0, 0, OCC_OTHER,
     ZE_SPOOL_OCCUPIED, NULL, NULL},
    /* INICIAR SOLD */
    {"iniciar SOLD ok", ZACT_TOMAR, ZOP_SOLD, 1, 1, 1, 0, 0, 0, OCC_FREE, 0, NULL, "INICIAR_SOLD"},
    {"iniciar SOLD sin ARM completado", ZACT_TOMAR, ZOP_SOLD, 1, 1, 0, 0, 0, 0, OCC_FREE,
     ZE_DEPENDENCIAS_NO_SATISFECHAS,
     "No se puede iniciar SOLD en spool '{tag}': falta fecha_armado (ARM debe completarse primero) "
     "(ARM debe estar completado antes de iniciar SOLD)",
     NULL},
    {"iniciar SOLD completada", ZACT_TOMAR, ZOP_SOLD, 1, 1, 1, 1, 1, 0, OCC_FREE,
     ZE_OPERACION_YA_COMPLETADA,
     "La operación SOLD del spool '{tag}' ya fue completada. Contacta al administrador si necesitas "
     "hacer correcciones.",
     NULL},
    {"iniciar SOLD ya iniciada", ZACT_TOMAR, ZOP_SOLD, 1, 1, 1, 1, 0, 0, OCC_FREE,
     ZE_OPERACION_YA_INICIADA, "La operación SOLD del spool '{tag}' ya está iniciada por PW(50)", NULL},
    {"iniciar SOLD fecha sin soldador", ZACT_TOMAR, ZOP_SOLD, 1, 1, 1, 0, 1, 0, OCC_FREE,
     ZE_DEPENDENCIAS_NO_SATISFECHAS,
     "No se puede iniciar SOLD en spool '{tag}': falta fecha_soldadura debe estar vacía (No se "
     "puede iniciar SOLD si ya hay fecha de soldadura registrada)",
     NULL},
    /* INICIAR METROLOGIA (one step) */
    {"iniciar METROLOGIA ok", ZACT_TOMAR, ZOP_METROLOGIA, 1, 1, 1, 1, 1, 0, OCC_FREE, 0, NULL,
     "INICIAR_METROLOGIA"},
    {"iniciar METROLOGIA sin SOLD", ZACT_TOMAR, ZOP_METROLOGIA, 1, 1, 1, 1, 0, 0, OCC_FREE,
     ZE_DEPENDENCIAS_NO_SATISFECHAS, NULL, NULL},
    {"iniciar METROLOGIA ya hecha", ZACT_TOMAR, ZOP_METROLOGIA, 1, 1, 1, 1, 1, 1, OCC_FREE,
     ZE_OPERACION_YA_COMPLETADA, NULL, NULL},
    /* COMPLETAR */
    {"completar ARM ok", ZACT_COMPLETAR, ZOP_ARM, 1, 1, 0, 0, 0, 0, OCC_FREE, 0, NULL,
     "COMPLETAR_ARM"},
    {"completar ARM no iniciada", ZACT_COMPLETAR, ZOP_ARM, 1, 0, 0, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_NO_INICIADA,
     "No se puede completar ARM en spool '{tag}': la operación no ha sido iniciada", NULL},
    {"completar ARM ya completada", ZACT_COMPLETAR, ZOP_ARM, 1, 1, 1, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_YA_COMPLETADA, NULL, NULL},
    {"completar SOLD ok", ZACT_COMPLETAR, ZOP_SOLD, 1, 1, 1, 1, 0, 0, OCC_FREE, 0, NULL,
     "COMPLETAR_SOLD"},
    {"completar SOLD no iniciada", ZACT_COMPLETAR, ZOP_SOLD, 1, 1, 1, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_NO_INICIADA,
     "No se puede completar SOLD en spool '{tag}': la operación no ha sido iniciada", NULL},
    {"completar METROLOGIA", ZACT_COMPLETAR, ZOP_METROLOGIA, 1, 1, 1, 1, 1, 0, OCC_FREE,
     ZE_OPERACION_YA_COMPLETADA,
     "METROLOGIA no tiene paso COMPLETAR separado. La operación se completa al INICIAR.", NULL},
    {"completar ARM ocupado por otro", ZACT_COMPLETAR, ZOP_ARM, 1, 1, 0, 0, 0, 0, OCC_OTHER,
     ZE_SPOOL_OCCUPIED, NULL, NULL},
    {"completar ARM por quien lo ocupa", ZACT_COMPLETAR, ZOP_ARM, 1, 1, 0, 0, 0, 0, OCC_ME_ARM, 0,
     NULL, "COMPLETAR_ARM"},
    /* CANCELAR */
    {"cancelar ARM ok", ZACT_CANCELAR, ZOP_ARM, 1, 1, 0, 0, 0, 0, OCC_FREE, 0, NULL, "CANCELAR_ARM"},
    {"cancelar ARM no iniciada", ZACT_CANCELAR, ZOP_ARM, 1, 0, 0, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_NO_INICIADA,
     "No se puede completar ARM en spool '{tag}': la operación no ha sido iniciada", NULL},
    {"cancelar ARM completada", ZACT_CANCELAR, ZOP_ARM, 1, 1, 1, 0, 0, 0, OCC_FREE,
     ZE_OPERACION_YA_COMPLETADA, NULL, NULL},
    {"cancelar SOLD ok", ZACT_CANCELAR, ZOP_SOLD, 1, 1, 1, 1, 0, 0, OCC_FREE, 0, NULL,
     "CANCELAR_SOLD"},
    {"cancelar METROLOGIA ok", ZACT_CANCELAR, ZOP_METROLOGIA, 1, 1, 1, 1, 1, 1, OCC_FREE, 0, NULL,
     "CANCELAR_METROLOGIA"},
    {"cancelar METROLOGIA no iniciada", ZACT_CANCELAR, ZOP_METROLOGIA, 1, 1, 1, 1, 1, 0, OCC_FREE,
     ZE_OPERACION_NO_INICIADA, NULL, NULL},
    /* REPARACION has no v2.1 actions */
    {"iniciar REPARACION", ZACT_TOMAR, ZOP_REPARACION, 1, 1, 1, 1, 1, 1, OCC_FREE,
     ZE_OPERACION_NO_DISPONIBLE,
     "La operación REPARACION no está disponible para el spool '{tag}'. Verifica el estado actual del "
     "spool.",
     NULL},
    {"completar REPARACION", ZACT_COMPLETAR, ZOP_REPARACION, 1, 1, 1, 1, 1, 1, OCC_FREE,
     ZE_OPERACION_NO_DISPONIBLE, NULL, NULL},
    {"cancelar REPARACION", ZACT_CANCELAR, ZOP_REPARACION, 1, 1, 1, 1, 1, 1, OCC_FREE,
     ZE_OPERACION_NO_DISPONIBLE, NULL, NULL},
};

/* Copies tmpl into out with every "{tag}" replaced by TAG. */
static void subst_tag(char *out, size_t n, const char *tmpl)
{
    size_t k = 0;
    for (const char *p = tmpl; *p && k + 1 < n;) {
        if (strncmp(p, "{tag}", 5) == 0) {
            for (const char *t = TAG; *t && k + 1 < n; t++) out[k++] = *t;
            p += 5;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
}

static int v21_status(int code)
{
    switch (code) {
    case ZE_SPOOL_OCCUPIED: return 409;
    case ZE_ROL_NO_AUTORIZADO: return 403;
    default: return 400;
    }
}

static void test_v21_table(void **state)
{
    (void)state;
    worker_t me = mkw(93, "MR(93)", ZROLE_ARMADOR | ZROLE_SOLDADOR | ZROLE_METROLOGIA);
    worker_t other = mkw(94, "NR(94)", ZROLE_ARMADOR);
    reset_log();
    for (size_t i = 0; i < sizeof v21_cases / sizeof v21_cases[0]; i++) {
        const v21_case_t *c = &v21_cases[i];
        spool_t sp = base_spool();
        if (!c->materiales) sp.fecha_materiales = ZDATE_NONE;
        if (c->armador) snprintf(sp.armador, sizeof sp.armador, PREV);
        if (c->armado) sp.fecha_armado = F_ARMADO;
        if (c->soldador) snprintf(sp.soldador, sizeof sp.soldador, PREV);
        if (c->soldadura) sp.fecha_soldadura = F_SOLDADURA;
        if (c->qc) sp.fecha_qc = F_QC;
        if (c->occ == OCC_OTHER) occupy(&sp, &other, ZOP_ARM);
        if (c->occ == OCC_ME_ARM) {
            occupy(&sp, &me, ZOP_ARM);
            snprintf(sp.armador, sizeof sp.armador, "MR(93)");
        }
        zcmd_t cmd = mkcmd(c->act, c->op, &me);
        zoutcome_t out;
        zfail_t fail = {0};
        int rc = decide_v21(&sp, &cmd, &out, &fail);
        int bad = 0;
        if (rc != c->code) {
            bad = 1;
            note("%s: got %s (%s), expected %s\n", c->name, code_name(rc), rc ? fail.message : "",
                 code_name(c->code));
        } else if (rc) {
            if (zerr_status(rc) != v21_status(rc)) {
                bad = 1;
                note("%s: status %d\n", c->name, zerr_status(rc));
            }
            if (c->message) {
                char m[400];
                subst_tag(m, sizeof m, c->message);
                if (strcmp(fail.message, m)) {
                    bad = 1;
                    note("%s: message '%s'\n  expected '%s'\n", c->name, fail.message, m);
                }
            }
            const char *t = json_string_value(json_object_get(fail.data, "tag_spool"));
            if (!t || strcmp(t, TAG)) {
                bad = 1;
                note("%s: data.tag_spool missing\n", c->name);
            }
            if (rc == ZE_OPERACION_YA_INICIADA &&
                strcmp(json_string_value(json_object_get(fail.data, "trabajador")), PREV)) {
                bad = 1;
                note("%s: data.trabajador\n", c->name);
            }
        } else {
            const spool_t *a = &out.after;
            char verb[16];
            snprintf(verb, sizeof verb, "%s",
                     c->act == ZACT_TOMAR ? "INICIAR" : c->act == ZACT_COMPLETAR ? "COMPLETAR" : "CANCELAR");
            if (strcmp(out.event.tipo, c->tipo) || strcmp(out.event.accion, verb) ||
                strcmp(out.event.operacion, zop_name(c->op)) || out.event.metadata_json[0] ||
                out.event.worker_id != 93 || strcmp(out.event.worker_nombre, "MR(93)") ||
                out.event.fecha_operacion != TODAY) {
                bad = 1;
                note("%s: event %s/%s/%s '%s' fecha %d\n", c->name, out.event.tipo,
                     out.event.operacion, out.event.accion, out.event.metadata_json,
                     (int)out.event.fecha_operacion);
            }
            int ok = 1;
            if (!strcmp(c->tipo, "INICIAR_ARM")) ok = !strcmp(a->armador, "MR(93)") && !a->fecha_armado;
            if (!strcmp(c->tipo, "INICIAR_SOLD")) ok = !strcmp(a->soldador, "MR(93)") && !a->fecha_soldadura;
            if (!strcmp(c->tipo, "INICIAR_METROLOGIA")) ok = a->fecha_qc == TODAY;
            if (!strcmp(c->tipo, "COMPLETAR_ARM")) ok = a->fecha_armado == TODAY;
            if (!strcmp(c->tipo, "COMPLETAR_SOLD")) ok = a->fecha_soldadura == TODAY;
            if (!strcmp(c->tipo, "CANCELAR_ARM")) ok = !a->armador[0] && !a->fecha_armado;
            if (!strcmp(c->tipo, "CANCELAR_SOLD")) ok = !a->soldador[0] && !a->fecha_soldadura;
            if (!strcmp(c->tipo, "CANCELAR_METROLOGIA")) ok = !a->fecha_qc;
            if (!ok) {
                bad = 1;
                note("%s: columns not written as expected\n", c->name);
            }
            /* v2.1 never occupies; the holder finishing through it ends the occupation. */
            if (a->ocupado_por[0] || out.lock != (c->occ == OCC_ME_ARM ? ZLOCK_RELEASE : ZLOCK_NONE)) {
                bad = 1;
                note("%s: occupation '%s' lock %d\n", c->name, a->ocupado_por, out.lock);
            }
        }
        if (bad) g_bad++;
        zfail_clear(&fail);
    }
    flush_log("v2.1 table");
}

static void test_v21_estado_and_roles(void **state)
{
    (void)state;
    worker_t arm = mkw(93, "MR(93)", ZROLE_ARMADOR);
    zoutcome_t out;
    zfail_t fail = {0};
    spool_t sp = base_spool();
    zcmd_t cmd = mkcmd(ZACT_TOMAR, ZOP_ARM, &arm);
    assert_int_equal(decide_v21(&sp, &cmd, &out, &fail), ZE_OK);
    /* INICIAR writes the worker without occupying: v3.0 reads it as paused work. */
    assert_string_equal(out.after.estado_detalle, "Disponible - ARM pausado, SOLD pendiente");
    assert_int_equal(out.lock, ZLOCK_NONE);

    /* Roles are enforced on v2.1 too. */
    sp = base_spool();
    snprintf(sp.armador, sizeof sp.armador, PREV);
    sp.fecha_armado = F_ARMADO;
    cmd = mkcmd(ZACT_TOMAR, ZOP_SOLD, &arm);
    int rc = decide_v21(&sp, &cmd, &out, &fail);
    assert_int_equal(rc, ZE_ROL_NO_AUTORIZADO);
    assert_int_equal(zerr_status(rc), 403);
    assert_string_equal(fail.message,
                        "Trabajador 93 no tiene el rol 'Soldador o Ayudante' necesario para "
                        "realizar la operación 'SOLD'. Roles actuales: Armador");
    zfail_clear(&fail);
    sp.fecha_soldadura = F_SOLDADURA;
    snprintf(sp.soldador, sizeof sp.soldador, PREV);
    cmd = mkcmd(ZACT_TOMAR, ZOP_METROLOGIA, &arm);
    assert_int_equal(decide_v21(&sp, &cmd, &out, &fail), ZE_ROL_NO_AUTORIZADO);
    zfail_clear(&fail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_occupation_table),
        cmocka_unit_test(test_occupation_texts),
        cmocka_unit_test(test_fecha_materiales_required),
        cmocka_unit_test(test_roles_table),
        cmocka_unit_test(test_role_messages),
        cmocka_unit_test(test_metrologia_not_occupation),
        cmocka_unit_test(test_event_tomar_pausar_completar),
        cmocka_unit_test(test_completar_without_operacion),
        cmocka_unit_test(test_repair_table),
        cmocka_unit_test(test_repair_cycle_texts),
        cmocka_unit_test(test_metrologia_prerequisites_in_order),
        cmocka_unit_test(test_metrologia_aprobado),
        cmocka_unit_test(test_metrologia_rechazado_cycles),
        cmocka_unit_test(test_full_repair_loop),
        cmocka_unit_test(test_v21_table),
        cmocka_unit_test(test_v21_estado_and_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
