/* v2.1 direct actions INICIAR / COMPLETAR / CANCELAR (domain-v3.md §3.3) with the intended
 * validations, the role rules of SPEC.md, and the occupation rules: a v2.1 action never touches
 * a spool another worker occupies. */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_int.h"
#include "core/errors.h"

static int deps(const spool_t *s, zop_t op, const char *dep, const char *detalle, zfail_t *fail)
{
    json_t *d = decide__tag_data(s, op);
    json_object_set_new(d, "dependencia_faltante", json_string(dep));
    return zfail_set(fail, ZE_DEPENDENCIAS_NO_SATISFECHAS, d,
                     "No se puede iniciar %s en spool '%s': falta %s (%s)", zop_name(op), s->tag,
                     dep, detalle);
}

static int ya_completada(const spool_t *s, zop_t op, zfail_t *fail)
{
    return zfail_set(fail, ZE_OPERACION_YA_COMPLETADA, decide__tag_data(s, op),
                     "La operación %s del spool '%s' ya fue completada. Contacta al administrador "
                     "si necesitas hacer correcciones.",
                     zop_name(op), s->tag);
}

static int no_iniciada(const spool_t *s, zop_t op, zfail_t *fail)
{
    return zfail_set(fail, ZE_OPERACION_NO_INICIADA, decide__tag_data(s, op),
                     "No se puede completar %s en spool '%s': la operación no ha sido iniciada",
                     zop_name(op), s->tag);
}

static int ya_iniciada(const spool_t *s, zop_t op, const char *by, zfail_t *fail)
{
    json_t *d = decide__tag_data(s, op);
    json_object_set_new(d, "trabajador", json_string(by));
    return zfail_set(fail, ZE_OPERACION_YA_INICIADA, d,
                     "La operación %s del spool '%s' ya está iniciada por %s", zop_name(op), s->tag,
                     by);
}

static void vacate(spool_t *a)
{
    a->ocupado_por[0] = '\0';
    a->ocupado_worker_id = 0;
    a->ocupado_op = ZOP_NONE;
    a->fecha_ocupacion = 0;
    a->lock_token[0] = '\0';
}

static int iniciar(const spool_t *s, const zcmd_t *cmd, zop_t op, zoutcome_t *out, zfail_t *fail)
{
    spool_t *a = &out->after;
    if (op == ZOP_ARM || op == ZOP_SOLD) {
        int arm = op == ZOP_ARM;
        zdate_t done = arm ? s->fecha_armado : s->fecha_soldadura;
        const char *who = arm ? s->armador : s->soldador;
        if (arm && s->fecha_materiales == ZDATE_NONE)
            return deps(s, op, "fecha_materiales", "Los materiales deben estar registrados", fail);
        if (!arm && s->fecha_armado == ZDATE_NONE)
            return deps(s, op, "fecha_armado (ARM debe completarse primero)",
                        "ARM debe estar completado antes de iniciar SOLD", fail);
        if (done != ZDATE_NONE && who[0]) return ya_completada(s, op, fail);
        if (done != ZDATE_NONE)
            return deps(s, op, arm ? "fecha_armado debe estar vacía" : "fecha_soldadura debe estar vacía",
                        arm ? "No se puede iniciar ARM si ya hay fecha de armado registrada"
                            : "No se puede iniciar SOLD si ya hay fecha de soldadura registrada",
                        fail);
        if (who[0]) return ya_iniciada(s, op, who, fail);
        snprintf(arm ? a->armador : a->soldador, ZNAME_MAX, "%s", cmd->worker->display);
        return ZE_OK;
    }
    if (op == ZOP_METROLOGIA) {
        if (s->fecha_soldadura == ZDATE_NONE)
            return deps(s, op, "fecha_soldadura (SOLD debe completarse primero)",
                        "SOLD debe estar completado antes de metrología", fail);
        if (s->fecha_qc != ZDATE_NONE) return ya_completada(s, op, fail);
        a->fecha_qc = cmd->today;
        return ZE_OK;
    }
    return ZE_OPERACION_NO_DISPONIBLE;
}

static int completar(const spool_t *s, const zcmd_t *cmd, zop_t op, zoutcome_t *out,
                     zfail_t *fail)
{
    spool_t *a = &out->after;
    if (op == ZOP_METROLOGIA)
        return zfail_set(fail, ZE_OPERACION_YA_COMPLETADA, decide__tag_data(s, op),
                         "METROLOGIA no tiene paso COMPLETAR separado. La operación se completa "
                         "al INICIAR.");
    if (op != ZOP_ARM && op != ZOP_SOLD) return ZE_OPERACION_NO_DISPONIBLE;
    int arm = op == ZOP_ARM;
    if ((arm ? s->fecha_armado : s->fecha_soldadura) != ZDATE_NONE) return ya_completada(s, op, fail);
    if (!(arm ? s->armador : s->soldador)[0]) return no_iniciada(s, op, fail);
    zdate_t fecha = cmd->fecha != ZDATE_NONE ? cmd->fecha : cmd->today;
    if (arm) a->fecha_armado = fecha;
    else a->fecha_soldadura = fecha;
    out->event.fecha_operacion = fecha;
    return ZE_OK;
}

static int cancelar(const spool_t *s, zop_t op, zoutcome_t *out, zfail_t *fail)
{
    spool_t *a = &out->after;
    if (op == ZOP_ARM || op == ZOP_SOLD) {
        int arm = op == ZOP_ARM;
        if (!(arm ? s->armador : s->soldador)[0]) return no_iniciada(s, op, fail);
        if ((arm ? s->fecha_armado : s->fecha_soldadura) != ZDATE_NONE)
            return ya_completada(s, op, fail);
        (arm ? a->armador : a->soldador)[0] = '\0';
        return ZE_OK;
    }
    if (op == ZOP_METROLOGIA) {
        if (s->fecha_qc == ZDATE_NONE) return no_iniciada(s, op, fail);
        if (s->repair != ZREP_NONE)
            return decide__unavailable_fail(s, op, fail);
        a->fecha_qc = ZDATE_NONE;
        a->metrologia = ZMET_NONE;
        return ZE_OK;
    }
    return ZE_OPERACION_NO_DISPONIBLE;
}

int decide_v21(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    decide__begin(s, cmd, out);
    zop_t op = cmd->op;
    out->op = op;
    static const char *const verbs[] = {"INICIAR", "PAUSAR", "COMPLETAR", "CANCELAR"};
    const char *verb = verbs[cmd->action];
    if (op == ZOP_REPARACION || op == ZOP_NONE || cmd->action == ZACT_PAUSAR)
        return decide__unavailable_fail(s, op, fail);
    int rc = decide__role_or_fail(cmd->worker, op, fail);
    if (rc != ZE_OK) return rc;
    int mine = spool_is_occupied(s) && s->ocupado_worker_id == cmd->worker->id;
    if (spool_is_occupied(s) && !mine) return decide__occupied_fail(s, fail);
    if (mine && cmd->action == ZACT_TOMAR) return decide__occupied_fail(s, fail);
    if (cmd->action == ZACT_TOMAR) rc = iniciar(s, cmd, op, out, fail);
    else if (cmd->action == ZACT_COMPLETAR) rc = completar(s, cmd, op, out, fail);
    else rc = cancelar(s, op, out, fail);
    if (rc == ZE_OPERACION_NO_DISPONIBLE)
        return decide__unavailable_fail(s, op, fail);
    if (rc != ZE_OK) return rc;
    if (mine) {
        /* The holder finishing or cancelling through the old endpoint also ends the occupation. */
        vacate(&out->after);
        out->lock = ZLOCK_RELEASE;
    }
    decide__finish(out);
    char tipo[40];
    snprintf(tipo, sizeof tipo, "%s_%s", verb, zop_name(op));
    decide__event(out, tipo, zop_name(op), verb, NULL);
    decide__live(out, cmd, tipo, out->after.estado_detalle, op, NULL);
    return ZE_OK;
}
