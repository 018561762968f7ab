/* Supervisor decisions, taken from the command line (the API has no login): unblock a spool
 * after three rejections, and release a stuck occupation. Both are audited with who and why. */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_int.h"
#include "core/errors.h"

static json_t *override_meta(const spool_t *before, const spool_t *after, const zcmd_t *cmd,
                             const char *reason, const char *type)
{
    json_t *m = json_object();
    json_object_set_new(m, "previous_estado", json_string(before->estado_detalle));
    json_object_set_new(m, "new_estado", json_string(after->estado_detalle));
    json_object_set_new(m, "supervisor", json_string(cmd->worker->display));
    json_object_set_new(m, "reason", json_string(reason));
    json_object_set_new(m, "detection_timestamp", json_string(cmd->now_text ? cmd->now_text : ""));
    json_object_set_new(m, "override_type", json_string(type));
    return m;
}

int decide_unblock(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    decide__begin(s, cmd, out);
    out->op = ZOP_REPARACION;
    if (s->repair != ZREP_BLOQUEADO)
        return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE, decide__tag_data(s, ZOP_REPARACION),
                         "El spool '%s' no está bloqueado (estado: %s)", s->tag,
                         s->estado_detalle);
    spool_t *a = &out->after;
    a->repair = ZREP_RECHAZADO;
    a->repair_cycle = ZMAX_CYCLES - 1;
    decide__finish(out);
    decide__event(out, "SUPERVISOR_OVERRIDE", "REPARACION", "OVERRIDE",
                  override_meta(s, a, cmd, cmd->reason ? cmd->reason : "", "BLOQUEADO_TO_RECHAZADO"));
    decide__live(out, cmd, "SUPERVISOR_OVERRIDE", a->estado_detalle, ZOP_REPARACION, NULL);
    return ZE_OK;
}

int decide_release(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    decide__begin(s, cmd, out);
    out->op = s->ocupado_op;
    if (!spool_is_occupied(s))
        return zfail_set(fail, ZE_OPERACION_NO_INICIADA, decide__tag_data(s, ZOP_NONE),
                         "El spool '%s' no está ocupado", s->tag);
    spool_t *a = &out->after;
    if (s->ocupado_op == ZOP_REPARACION) a->repair = ZREP_PAUSADA;
    a->ocupado_por[0] = '\0';
    a->ocupado_worker_id = 0;
    a->ocupado_op = ZOP_NONE;
    a->fecha_ocupacion = 0;
    a->lock_token[0] = '\0';
    decide__finish(out);
    json_t *m = override_meta(s, a, cmd, cmd->reason ? cmd->reason : "", "LIBERAR_OCUPACION");
    json_object_set_new(m, "ocupado_por", json_string(s->ocupado_por));
    decide__event(out, "SUPERVISOR_RELEASE", zop_name(s->ocupado_op), "LIBERAR", m);
    decide__live(out, cmd, "SUPERVISOR_RELEASE", a->estado_detalle, s->ocupado_op, NULL);
    return ZE_OK;
}
