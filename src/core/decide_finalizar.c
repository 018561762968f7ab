/* v4 FINALIZAR (domain-v4 §4.5-§4.9 as intended): the occupant reports the unions done in this
 * session; the outcome is CANCELADO (nothing done), PAUSAR (work left) or COMPLETAR (every
 * relevant union of the spool done), decided on the unions as they will be after this
 * request's writes. Union writes, the counters of Operaciones, the completion date, the audit
 * events and the metrología trigger are one outcome, committed in one transaction.
 *
 * Order of checks: operation → role → ownership (403; occupied by the caller for another
 * operation: 409) → the selection: unknown ids (400), unions that cannot take the operation
 * (400), more unions than available (409 RACE_CONDITION), unions registered meanwhile (409). */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_fin.h"
#include "core/decide_int.h"
#include "core/errors.h"
#include "core/estado.h"
#include "core/machines.h"

static int ready_for_metrologia(const spool_t *a)
{
    return a->fecha_armado != ZDATE_NONE && a->fecha_soldadura != ZDATE_NONE &&
           a->fecha_qc == ZDATE_NONE && a->repair == ZREP_NONE && a->metrologia == ZMET_NONE;
}

/* ---- Failures ---------------------------------------------------------------------------- */

static int not_owner(const fin_t *f, zfail_t *fail)
{
    const spool_t *s = f->s;
    json_t *d = decide__tag_data(s, ZOP_NONE);
    json_object_set_new(d, "trabajador_esperado",
                        spool_is_occupied(s) ? json_string(s->ocupado_por) : json_null());
    json_object_set_new(d, "trabajador_solicitante", json_string(f->cmd->worker->display));
    json_object_set_new(d, "operacion", json_string(zop_name(f->op)));
    if (!spool_is_occupied(s))
        return zfail_set(fail, ZE_NO_AUTORIZADO, d,
                         "Solo quien ocupa el spool puede completar %s en '%s', y el spool no "
                         "está ocupado. Tú eres %s.",
                         zop_name(f->op), s->tag, f->cmd->worker->display);
    return zfail_set(fail, ZE_NO_AUTORIZADO, d,
                     "Solo %s puede completar %s en '%s' (él/ella la inició). Tú eres %s.",
                     s->ocupado_por, zop_name(f->op), s->tag, f->cmd->worker->display);
}

static json_t *override_json(zoverride_t o)
{
    return o == ZOVR_PAUSAR      ? json_string("PAUSAR")
           : o == ZOVR_COMPLETAR ? json_string("COMPLETAR")
                                 : json_null();
}

static json_t *live_facts(const zoutcome_t *out, const char *action)
{
    json_t *x = json_object();
    json_object_set_new(x, "action_taken", json_string(action));
    json_object_set_new(x, "unions_processed", json_integer(out->unions_processed));
    return x;
}

/* ---- Outcomes ---------------------------------------------------------------------------- */

/* The domain-v4 §2.2 text, except on a spool in the repair loop, whose state and cycle live in
 * the text: there the repair text stays (as every v3 writer keeps it). */
static void set_estado(spool_t *a, const char *text)
{
    if (a->repair != ZREP_NONE)
        estado_detalle(a, a->estado_detalle, sizeof a->estado_detalle);
    else
        snprintf(a->estado_detalle, sizeof a->estado_detalle, "%s", text);
}

static void outcome_cancelado(fin_t *f)
{
    zoutcome_t *out = f->out;
    spool_t *a = &out->after;
    zop_t op = f->op;
    decide__vacate(a);
    out->lock = ZLOCK_RELEASE;
    out->action = ZFIN_CANCELADO;
    /* Nothing was done in this session: the worker column goes back to whoever really did the
     * operation's unions so far (nobody: empty), unless the operation is complete. */
    if (*decide__op_done(a, op) == ZDATE_NONE) {
        const zunion_t *last = decide__fin_latest(f, op);
        snprintf(decide__op_worker(a, op), ZNAME_MAX, "%s",
                 last ? decide__fin_worker(last, op) : "");
    }
    char text[64];
    snprintf(text, sizeof text, "Disponible - ARM %s, SOLD %s",
             a->fecha_armado != ZDATE_NONE ? "completado" : "pendiente",
             a->fecha_soldadura != ZDATE_NONE ? "completado" : "pendiente");
    set_estado(a, text);
    json_t *m = json_object();
    json_object_set_new(m, "reason", json_string("zero_unions_selected"));
    json_object_set_new(m, "lock_released", json_true());
    event_rec_t *e = decide__event_next(out);
    decide__event_set(e, "CANCELAR_SPOOL", zop_name(op), "CANCELAR", m);
    decide__live_to(out, e, f->cmd, "CANCELAR", a->estado_detalle, op,
                    live_facts(out, "CANCELADO"));
}

static void outcome_pausar(fin_t *f, int with_counts)
{
    zoutcome_t *out = f->out;
    spool_t *a = &out->after;
    zop_t op = f->op;
    decide__vacate(a);
    out->lock = ZLOCK_RELEASE;
    out->action = ZFIN_PAUSAR;
    zunion_metrics_t m;
    zunion_metrics(f->u, f->n, &m);
    int done = op == ZOP_ARM ? m.arm_done : m.sold_required_done;
    int total = op == ZOP_ARM ? (int)f->n : m.sold_required;
    char text[64];
    if (with_counts && total > 0)
        snprintf(text, sizeof text, "%s parcial %d/%d (pausado)", zop_name(op), done, total);
    else
        snprintf(text, sizeof text, "%s parcial (pausado)", zop_name(op));
    set_estado(a, text);
    json_t *meta = json_object();
    json_object_set_new(meta, "estado", json_string(a->estado_detalle));
    json_object_set_new(meta, "lock_released", json_true());
    json_object_set_new(meta, "unions_processed", json_integer(out->unions_processed));
    json_object_set_new(meta, "action_override", override_json(f->cmd->override));
    event_rec_t *e = decide__event_next(out);
    decide__event_set(e, "PAUSAR_SPOOL", zop_name(op), "PAUSAR", meta);
    decide__live_to(out, e, f->cmd, "PAUSAR", a->estado_detalle, op, live_facts(out, "PAUSAR"));
}

/* op's completion date and worker from its last relevant union: the day it was finished
 * (today when this request finished it) and who finished it (domain-v4 §4.8); with no such
 * union, the fallbacks (a NULL worker leaves the column as it is). */
static void date_from_unions(fin_t *f, zop_t op, zdate_t fallback, const char *fallback_worker)
{
    spool_t *a = &f->out->after;
    const zunion_t *last = decide__fin_latest(f, op);
    *decide__op_done(a, op) =
        last ? decide__fin_plant_date(f->cmd, decide__fin_time(last, op)) : fallback;
    const char *who =
        last && decide__fin_worker(last, op)[0] ? decide__fin_worker(last, op) : fallback_worker;
    if (who) snprintf(decide__op_worker(a, op), ZNAME_MAX, "%s", who);
}

static void append_columns(json_t *arr, zop_t op)
{
    json_array_append_new(arr, json_string(op == ZOP_ARM ? "Fecha_Armado" : "Fecha_Soldadura"));
    json_array_append_new(arr, json_string(op == ZOP_ARM ? "Armador" : "Soldador"));
}

static void outcome_completar(fin_t *f)
{
    zoutcome_t *out = f->out;
    const zcmd_t *cmd = f->cmd;
    spool_t *a = &out->after;
    zop_t op = f->op, other = op == ZOP_ARM ? ZOP_SOLD : ZOP_ARM;
    decide__vacate(a);
    out->lock = ZLOCK_RELEASE;
    out->action = ZFIN_COMPLETAR;
    json_t *columns = json_array();
    int reconciled = f->n_pick == 0 && f->n > 0;
    if (reconciled) append_columns(columns, op);
    date_from_unions(f, op, cmd->today, cmd->worker->display);
    zdate_t fecha = *decide__op_done(a, op);
    /* The other operation may be complete on the unions but undated too; SOLD of a spool of
     * ARM-only unions (FW, MIT, ...) is complete with ARM: nothing to weld. */
    int sold_vacuous = 0;
    if (f->n > 0 && *decide__op_done(a, other) == ZDATE_NONE && decide__fin_complete(f, other)) {
        sold_vacuous = other == ZOP_SOLD && !decide__fin_latest(f, ZOP_SOLD);
        date_from_unions(f, other, fecha, NULL);
        append_columns(columns, other);
    }
    out->metrologia_triggered = ready_for_metrologia(a);
    char done_text[64];
    snprintf(done_text, sizeof done_text, "%s completado - Disponible", zop_name(op));
    set_estado(a, out->metrologia_triggered ? "En Cola Metrología" : done_text);

    char f_text[16];
    zdate_format_dmy(fecha, f_text, sizeof f_text);
    json_t *m = json_object();
    json_object_set_new(m, "fecha_operacion", json_string(f_text));
    json_object_set_new(m, "completed", json_true());
    json_object_set_new(m, "unions_processed", json_integer(out->unions_processed));
    json_object_set_new(m, "reconciled", json_boolean(reconciled));
    json_object_set_new(m, "reconciled_columns", columns);
    json_object_set_new(m, "action_override", override_json(cmd->override));
    if (sold_vacuous) json_object_set_new(m, "sold_requerido", json_false());
    event_rec_t *e = decide__event_next(out);
    decide__event_set(e, "COMPLETAR_SPOOL", zop_name(op), "COMPLETAR", m);
    e->fecha_operacion = fecha;
    json_t *x = live_facts(out, "COMPLETAR");
    json_object_set_new(x, "fecha_operacion", json_string(f_text));
    decide__live_to(out, e, cmd, "COMPLETAR", done_text, op, x);
    x = json_object();
    json_object_set_new(x, "arm_state", json_string(zstate_id(spool_arm_state(a))));
    json_object_set_new(x, "sold_state", json_string(zstate_id(spool_sold_state(a))));
    decide__live_to(out, e, cmd, "STATE_CHANGE", a->estado_detalle, op, x);

    if (!out->metrologia_triggered) return;
    /* Evaluated on the spool as this request leaves it (the original looked before its own
     * writes, so the request that finished the last union never triggered). */
    m = json_object();
    json_object_set_new(m, "trigger_reason", json_string("arm_sold_completados"));
    json_object_set_new(m, "operacion_completed", json_string(zop_name(op)));
    json_object_set_new(m, "unions_processed", json_integer(out->unions_processed));
    json_object_set_new(m, "new_state", json_string("pendiente"));
    e = decide__event_next(out);
    decide__event_set(e, "METROLOGIA_AUTO_TRIGGERED", zop_name(op), "AUTO_TRIGGER", m);
    x = json_object();
    json_object_set_new(x, "new_state", json_string("pendiente"));
    decide__live_to(out, e, cmd, "METROLOGIA_AUTO_TRIGGERED", a->estado_detalle, ZOP_METROLOGIA, x);
}

/* ---- The paths --------------------------------------------------------------------------- */

/* A spool without unions (tracked before v4): COMPLETAR only when asked for explicitly. */
static int finalizar_v3(fin_t *f, zfail_t *fail)
{
    const zcmd_t *cmd = f->cmd;
    if (cmd->n_selected > 0) {
        /* Every id is unknown: the spool has no unions. */
        f->n = 0;
        return decide__fin_select(f, fail);
    }
    if (cmd->override == ZOVR_COMPLETAR)
        outcome_completar(f);
    else if (cmd->override == ZOVR_PAUSAR)
        outcome_pausar(f, 0);
    else
        outcome_cancelado(f);
    return ZE_OK;
}

static int finalizar_unions(fin_t *f, zfail_t *fail)
{
    const zcmd_t *cmd = f->cmd;
    zoutcome_t *out = f->out;
    f->legacy = f->op == ZOP_SOLD && zunion_legacy_sold(f->s, f->u, f->n);
    if (cmd->override == ZOVR_COMPLETAR) {
        decide__fin_select_all(f); /* the request's list is not needed (domain-v4 §4.6) */
    } else if (cmd->n_selected > 0) {
        int rc = decide__fin_select(f, fail);
        if (rc != ZE_OK) return rc;
    }
    decide__fin_write(f);
    out->unions_processed = (int)f->n_pick;
    decide__union_counters(&out->after, f->u, f->n);
    if (f->n_pick)
        out->pulgadas_c = f->op == ZOP_ARM ? out->after.pulgadas_arm_c : out->after.pulgadas_sold_c;
    decide__fin_union_events(f);

    int complete = decide__fin_complete(f, f->op);
    int dated = *decide__op_done(&out->after, f->op) != ZDATE_NONE;
    if (complete && (f->n_pick > 0 || !dated)) {
        outcome_completar(f); /* also the reconciliation of a date that was never written */
    } else if (f->n_pick > 0) {
        outcome_pausar(f, 1);
    } else if (cmd->override == ZOVR_PAUSAR) {
        outcome_pausar(f, 0);
    } else if (cmd->override == ZOVR_COMPLETAR) {
        /* Nothing available and the operation not complete (unions without DN/TIPO, or SOLD
         * waiting for ARM): there is nothing to complete now. */
        json_t *d = decide__tag_data(f->s, f->op);
        return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE, d,
                         "No hay uniones disponibles para completar %s en el spool '%s'",
                         zop_name(f->op), f->s->tag);
    } else {
        outcome_cancelado(f);
    }
    return ZE_OK;
}

/* REPARACION: the repair ends (back to metrología) or pauses; unions are not involved. */
static int finalizar_repair(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    zcmd_t c = *cmd;
    c.op = ZOP_REPARACION;
    c.action = cmd->override == ZOVR_PAUSAR ? ZACT_PAUSAR : ZACT_COMPLETAR;
    int rc = decide_occupation(s, &c, out, fail);
    if (rc != ZE_OK || out->noop) return rc;
    out->pulgadas_c = -1;
    out->action = c.action == ZACT_PAUSAR ? ZFIN_PAUSAR : ZFIN_COMPLETAR;
    if (c.action == ZACT_COMPLETAR) {
        snprintf(out->after.estado_detalle, sizeof out->after.estado_detalle,
                 "REPARACION completado - PENDIENTE_METROLOGIA");
        out->event.live_json[0] = '\0';
        json_t *x = json_object();
        json_object_set_new(x, "cycle", json_integer(s->repair_cycle));
        decide__live(out, &c, "COMPLETAR_REPARACION", out->after.estado_detalle, ZOP_REPARACION, x);
    }
    return ZE_OK;
}

int decide_finalizar(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    int held_by_me = spool_is_occupied(s) && s->ocupado_worker_id == cmd->worker->id;
    zop_t op = cmd->op;
    if (op == ZOP_NONE && held_by_me) op = s->ocupado_op; /* operacion omitted */
    if (op == ZOP_REPARACION) return finalizar_repair(s, cmd, out, fail);
    decide__begin(s, cmd, out);
    out->pulgadas_c = -1;
    out->op = op;
    fin_t f;
    memset(&f, 0, sizeof f);
    f.s = s;
    f.cmd = cmd;
    f.op = op;
    f.out = out;
    if (op == ZOP_NONE) {
        if (spool_is_occupied(s)) return not_owner(&f, fail);
        return zfail_set(fail, ZE_OPERACION_NO_INICIADA, decide__tag_data(s, ZOP_NONE),
                         "No se puede completar el spool '%s': %s no lo tiene ocupado", s->tag,
                         cmd->worker->display);
    }
    if (op != ZOP_ARM && op != ZOP_SOLD) return decide__unavailable_fail(s, op, fail);
    int rc = decide__role_or_fail(cmd->worker, op, fail);
    if (rc != ZE_OK) return rc;
    if (!held_by_me) return not_owner(&f, fail);
    if (s->ocupado_op != op) return decide__held_other_op_fail(s, op, "finalizar", fail);
    f.n = cmd->n_unions > ZUNION_MAX ? ZUNION_MAX : cmd->n_unions;
    if (f.n) memcpy(f.u, cmd->unions, f.n * sizeof f.u[0]);
    return f.n ? finalizar_unions(&f, fail) : finalizar_v3(&f, fail);
}
