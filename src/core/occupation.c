/* TOMAR / PAUSAR / COMPLETAR / CANCELAR decisions for ARM, SOLD and REPARACION.
 *
 * Order of checks, the same for every action: operation supported → role → occupation
 * (someone else holds it: 409 for TOMAR, 403 otherwise; the same request repeated by the
 * holder or just done by them: no-op) → machine transition exists (409 naming the state) →
 * prerequisites (400). Only then is the new spool computed. */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_int.h"
#include "core/errors.h"
#include "core/estado.h"
#include "core/machines.h"

static zstate_t op_state(const spool_t *s, zop_t op)
{
    return op == ZOP_ARM ? spool_arm_state(s) : spool_sold_state(s);
}

static int bad_transition(const spool_t *s, const zcmd_t *cmd, zop_t op, const char *state,
                          zfail_t *fail)
{
    json_t *d = decide__tag_data(s, op);
    json_object_set_new(d, "current_state", json_string(state));
    json_object_set_new(d, "attempted_transition", json_string(zaction_name(cmd->action)));
    if (cmd->action == ZACT_PAUSAR && op != ZOP_REPARACION)
        return zfail_set(fail, ZE_INVALID_STATE_TRANSITION, d,
                         "Cannot PAUSAR %s from state '%s'. PAUSAR is only allowed from "
                         "'en_progreso' state.",
                         zop_name(op), state);
    return zfail_set(fail, ZE_INVALID_STATE_TRANSITION, d,
                     "No se puede %s %s en spool '%s': la operación está en estado '%s'",
                     zaction_name(cmd->action), zop_name(op), s->tag, state);
}

/* ---- ARM / SOLD ------------------------------------------------------------------------ */

static int decide_op(const spool_t *s, const zcmd_t *cmd, zop_t op, zoutcome_t *out,
                     zfail_t *fail)
{
    zstate_t st = op_state(s, op);
    int held_by_me = spool_is_occupied(s) && s->ocupado_worker_id == cmd->worker->id;
    spool_t *a = &out->after;

    if (cmd->action == ZACT_TOMAR) {
        if (held_by_me && s->ocupado_op == op) {
            out->noop = 1; /* double tap: the worker already holds it for this operation */
            return ZE_OK;
        }
        if (held_by_me) {
            /* One operation at a time: the worker must pause or complete the other first. */
            char state[48];
            snprintf(state, sizeof state, "ocupado para %s", zop_name(s->ocupado_op));
            return bad_transition(s, cmd, op, state, fail);
        }
        if (spool_is_occupied(s)) return decide__occupied_fail(s, fail);
    } else if (!held_by_me) {
        /* Only the occupant pauses, completes or cancels, whatever the timing: a second tap
         * after the first succeeded finds the spool no longer held and changes nothing. */
        return decide__not_owner_fail(s, cmd, fail);
    }
    if (cmd->action != ZACT_TOMAR && s->ocupado_op != op) {
        char state[48];
        snprintf(state, sizeof state, "ocupado para %s", zop_name(s->ocupado_op));
        return bad_transition(s, cmd, op, state, fail);
    }
    int next = machine_op_next(st, cmd->action);
    if (next < 0) return bad_transition(s, cmd, op, zstate_id(st), fail);

    if (cmd->action == ZACT_TOMAR) {
        if (s->fecha_materiales == ZDATE_NONE) {
            json_t *d = decide__tag_data(s, op);
            json_object_set_new(d, "dependencia_faltante", json_string("Fecha_Materiales"));
            return zfail_set(fail, ZE_DEPENDENCIAS_NO_SATISFECHAS, d,
                             "No se puede iniciar %s en spool '%s': falta Fecha_Materiales (El "
                             "spool debe tener materiales registrados antes de ocuparlo)",
                             zop_name(op), s->tag);
        }
        if (op == ZOP_SOLD && spool_arm_state(s) == ZST_PENDIENTE) {
            json_t *d = decide__tag_data(s, op);
            json_object_set_new(d, "dependencia_faltante", json_string("ARM iniciado"));
            return zfail_set(fail, ZE_DEPENDENCIAS_NO_SATISFECHAS, d,
                             "No se puede iniciar SOLD en spool '%s': falta ARM iniciado (SOLD no "
                             "puede iniciarse sin ARM iniciado)",
                             s->tag);
        }
        decide__occupy(a, cmd, op);
        /* The worker column records the latest worker, on a fresh start and on a takeover. */
        snprintf(decide__op_worker(a, op), ZNAME_MAX, "%s", cmd->worker->display);
        out->lock = ZLOCK_ACQUIRE;
        decide__finish(out);
        json_t *m = json_object();
        json_object_set_new(m, "lock_token", json_string(a->lock_token));
        json_object_set_new(m, "fecha_ocupacion", json_string(cmd->now_text ? cmd->now_text : ""));
        decide__event(out, "TOMAR_SPOOL", zop_name(op), "TOMAR", m);
        char estado[160];
        snprintf(estado, sizeof estado, "Ocupado por %s - %s", cmd->worker->display, zop_name(op));
        decide__live(out, cmd, "TOMAR", estado, op, NULL);
        return ZE_OK;
    }

    decide__vacate(a);
    out->lock = ZLOCK_RELEASE;
    char estado[160];
    if (cmd->action == ZACT_PAUSAR) {
        decide__finish(out);
        snprintf(estado, sizeof estado, "%s parcial (pausado)", zop_name(op));
        json_t *m = json_object();
        json_object_set_new(m, "estado", json_string(estado));
        json_object_set_new(m, "lock_released", json_true());
        decide__event(out, "PAUSAR_SPOOL", zop_name(op), "PAUSAR", m);
        decide__live(out, cmd, "PAUSAR", estado, op, NULL);
        return ZE_OK;
    }
    if (cmd->action == ZACT_COMPLETAR) {
        zdate_t fecha = cmd->fecha != ZDATE_NONE ? cmd->fecha : cmd->today;
        *decide__op_done(a, op) = fecha;
        snprintf(decide__op_worker(a, op), ZNAME_MAX, "%s", cmd->worker->display);
        decide__finish(out);
        char f[16], tipo[32];
        zdate_format_dmy(fecha, f, sizeof f);
        snprintf(tipo, sizeof tipo, "COMPLETAR_%s", zop_name(op));
        json_t *m = json_object();
        json_object_set_new(m, "fecha_operacion", json_string(f));
        json_object_set_new(m, "completed", json_true());
        decide__event(out, tipo, zop_name(op), "COMPLETAR", m);
        out->event.fecha_operacion = fecha;
        snprintf(estado, sizeof estado, "%s completado - Disponible", zop_name(op));
        json_t *x = json_object();
        json_object_set_new(x, "fecha_operacion", json_string(f));
        decide__live(out, cmd, "COMPLETAR", estado, op, x);
        x = json_object();
        json_object_set_new(x, "arm_state", json_string(zstate_id(spool_arm_state(a))));
        json_object_set_new(x, "sold_state", json_string(zstate_id(spool_sold_state(a))));
        decide__live(out, cmd, "STATE_CHANGE", a->estado_detalle, op, x);
        return ZE_OK;
    }
    /* CANCELAR of ARM/SOLD in progress: back to pendiente, the worker column cleared. */
    decide__op_worker(a, op)[0] = '\0';
    decide__finish(out);
    char tipo[32];
    snprintf(tipo, sizeof tipo, "CANCELAR_%s", zop_name(op));
    decide__event(out, tipo, zop_name(op), "CANCELAR", NULL);
    decide__live(out, cmd, "CANCELAR", a->estado_detalle, op, NULL);
    return ZE_OK;
}

/* ---- REPARACION ------------------------------------------------------------------------- */

static const char *repair_state_id(zrepair_t r)
{
    switch (r) {
    case ZREP_NONE: return "sin_reparacion";
    case ZREP_RECHAZADO: return "rechazado";
    case ZREP_EN_REPARACION: return "en_reparacion";
    case ZREP_PAUSADA: return "reparacion_pausada";
    case ZREP_PENDIENTE_METROLOGIA: return "pendiente_metrologia";
    case ZREP_BLOQUEADO: return "bloqueado";
    }
    return "";
}

static json_t *repair_meta(int cycle, const char *state)
{
    json_t *m = json_object();
    json_object_set_new(m, "cycle", json_integer(cycle));
    json_object_set_new(m, "max_cycles", json_integer(ZMAX_CYCLES));
    json_object_set_new(m, "state", json_string(state));
    return m;
}

static int decide_repair(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    int held_by_me = spool_is_occupied(s) && s->ocupado_worker_id == cmd->worker->id;
    spool_t *a = &out->after;
    if (cmd->action == ZACT_TOMAR) {
        if (held_by_me && s->ocupado_op == ZOP_REPARACION) {
            out->noop = 1;
            return ZE_OK;
        }
        if (s->repair == ZREP_BLOQUEADO)
            return zfail_set(fail, ZE_SPOOL_BLOQUEADO, decide__tag_data(s, ZOP_NONE),
                             "Spool bloqueado después de 3 rechazos. Contactar supervisor.");
        if (spool_is_occupied(s) && !held_by_me) return decide__occupied_fail(s, fail);
        if (s->repair != ZREP_RECHAZADO && s->repair != ZREP_PAUSADA)
            return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE,
                             decide__tag_data(s, ZOP_REPARACION),
                             "Solo spools RECHAZADOS pueden ser reparados");
        if (spool_is_occupied(s)) return decide__occupied_fail(s, fail);
    } else {
        if (spool_is_occupied(s) && !held_by_me) return decide__not_owner_fail(s, cmd, fail);
        if (cmd->action == ZACT_CANCELAR && s->repair != ZREP_EN_REPARACION &&
            s->repair != ZREP_PAUSADA)
            return zfail_set(fail, ZE_OPERACION_NO_INICIADA, decide__tag_data(s, ZOP_REPARACION),
                             "No se puede completar REPARACION en spool '%s': la operación no "
                             "ha sido iniciada",
                             s->tag);
        if (cmd->action != ZACT_CANCELAR && !held_by_me) return decide__not_owner_fail(s, cmd, fail);
    }
    if (spool_is_occupied(s) && s->ocupado_op != ZOP_REPARACION && cmd->action != ZACT_TOMAR) {
        json_t *d = decide__tag_data(s, ZOP_REPARACION);
        json_object_set_new(d, "current_state", json_string(zop_name(s->ocupado_op)));
        return zfail_set(fail, ZE_INVALID_STATE_TRANSITION, d,
                         "No se puede %s REPARACION en spool '%s': el spool está ocupado para %s",
                         zaction_name(cmd->action), s->tag, zop_name(s->ocupado_op));
    }
    int next = machine_repair_next(s->repair, cmd->action);
    if (next < 0) {
        json_t *d = decide__tag_data(s, ZOP_REPARACION);
        json_object_set_new(d, "current_state", json_string(repair_state_id(s->repair)));
        json_object_set_new(d, "attempted_transition", json_string(zaction_name(cmd->action)));
        return zfail_set(fail, ZE_INVALID_STATE_TRANSITION, d,
                         "No se puede %s REPARACION en spool '%s': la reparación está en estado '%s'",
                         zaction_name(cmd->action), s->tag, repair_state_id(s->repair));
    }
    int cycle = s->repair_cycle;
    a->repair = (zrepair_t)next;
    const char *tipo, *accion = zaction_name(cmd->action), *state;
    json_t *m;
    switch (cmd->action) {
    case ZACT_TOMAR:
        decide__occupy(a, cmd, ZOP_REPARACION);
        out->lock = ZLOCK_ACQUIRE;
        tipo = "TOMAR_REPARACION";
        state = "en_reparacion";
        m = repair_meta(cycle, state);
        break;
    case ZACT_PAUSAR:
        decide__vacate(a);
        out->lock = ZLOCK_RELEASE;
        tipo = "PAUSAR_REPARACION";
        m = repair_meta(cycle, "reparacion_pausada");
        break;
    case ZACT_COMPLETAR:
        decide__vacate(a);
        out->lock = ZLOCK_RELEASE;
        /* Back to the metrología queue: the rejection's inspection date is cleared so the
         * spool can be inspected again (the original never cleared it and the loop stuck). */
        a->fecha_qc = ZDATE_NONE;
        tipo = "COMPLETAR_REPARACION";
        m = repair_meta(cycle, "pendiente_metrologia");
        json_object_set_new(m, "next_state", json_string("PENDIENTE_METROLOGIA"));
        break;
    case ZACT_CANCELAR:
    default:
        out->lock = spool_is_occupied(s) ? ZLOCK_RELEASE : ZLOCK_NONE;
        decide__vacate(a);
        if (cycle >= ZMAX_CYCLES) a->repair = ZREP_BLOQUEADO;
        tipo = "CANCELAR_REPARACION";
        m = repair_meta(cycle, "rechazado");
        break;
    }
    decide__finish(out);
    decide__event(out, tipo, "REPARACION", accion, m);
    json_t *x = json_object();
    json_object_set_new(x, "cycle", json_integer(cycle));
    decide__live(out, cmd, tipo, a->estado_detalle, ZOP_REPARACION, x);
    return ZE_OK;
}

int decide_occupation(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    decide__begin(s, cmd, out);
    zop_t op = cmd->op;
    if (op == ZOP_NONE) {
        /* COMPLETAR without operacion: the operation the worker occupies the spool for. */
        if (spool_is_occupied(s) && s->ocupado_worker_id == cmd->worker->id) op = s->ocupado_op;
        else if (spool_is_occupied(s)) return decide__not_owner_fail(s, cmd, fail);
        else
            return zfail_set(fail, ZE_OPERACION_NO_INICIADA, decide__tag_data(s, ZOP_NONE),
                             "No se puede completar el spool '%s': %s no lo tiene ocupado", s->tag,
                             cmd->worker->display);
    }
    out->op = op;
    if (op == ZOP_METROLOGIA)
        return decide__unavailable_fail(s, op, fail);
    int rc = decide__role_or_fail(cmd->worker, op, fail);
    if (rc != ZE_OK) return rc;
    return op == ZOP_REPARACION ? decide_repair(s, cmd, out, fail) : decide_op(s, cmd, op, out, fail);
}
