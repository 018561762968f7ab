/* Instant metrología inspection and the repair-cycle counter (domain-v3.md §4.3, §5). */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_int.h"
#include "core/errors.h"

static int missing(const spool_t *s, const char *dep, const char *detalle, zfail_t *fail)
{
    json_t *d = decide__tag_data(s, ZOP_METROLOGIA);
    json_object_set_new(d, "dependencia_faltante", json_string(dep));
    return zfail_set(fail, ZE_DEPENDENCIAS_NO_SATISFECHAS, d,
                     "No se puede iniciar METROLOGIA en spool '%s': falta %s (%s)", s->tag, dep,
                     detalle);
}

int decide_metrologia(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    decide__begin(s, cmd, out);
    out->op = ZOP_METROLOGIA;
    if (s->fecha_armado == ZDATE_NONE)
        return missing(s, "ARM completado", "Armado debe finalizar antes de metrología", fail);
    if (s->fecha_soldadura == ZDATE_NONE)
        return missing(s, "SOLD completado", "Soldadura debe finalizar antes de metrología", fail);
    if (s->fecha_qc != ZDATE_NONE)
        return zfail_set(fail, ZE_OPERACION_YA_COMPLETADA, decide__tag_data(s, ZOP_METROLOGIA),
                         "La operación METROLOGIA del spool '%s' ya fue completada. Contacta al "
                         "administrador si necesitas hacer correcciones.",
                         s->tag);
    if (spool_is_occupied(s)) return decide__occupied_fail(s, fail);
    int rc = decide__role_or_fail(cmd->worker, ZOP_METROLOGIA, fail);
    if (rc != ZE_OK) return rc;

    spool_t *a = &out->after;
    a->fecha_qc = cmd->today;
    const char *resultado = cmd->resultado_aprobado ? "APROBADO" : "RECHAZADO";
    char suffix[96];
    json_t *m = json_object();
    json_object_set_new(m, "resultado", json_string(resultado));
    if (cmd->resultado_aprobado) {
        /* Approval ends the loop and resets the count of consecutive rejections. */
        a->metrologia = ZMET_APROBADO;
        a->repair = ZREP_NONE;
        a->repair_cycle = 0;
        json_object_set_new(m, "state", json_string("aprobado"));
        snprintf(suffix, sizeof suffix, "METROLOGIA APROBADO ✓");
    } else {
        a->metrologia = ZMET_RECHAZADO;
        a->repair_cycle = s->repair_cycle + 1 > ZMAX_CYCLES ? ZMAX_CYCLES : s->repair_cycle + 1;
        a->repair = a->repair_cycle >= ZMAX_CYCLES ? ZREP_BLOQUEADO : ZREP_RECHAZADO;
        json_object_set_new(m, "state", json_string(a->repair == ZREP_BLOQUEADO ? "bloqueado"
                                                                                : "rechazado"));
        json_object_set_new(m, "cycle", json_integer(a->repair_cycle));
        if (a->repair == ZREP_BLOQUEADO) snprintf(suffix, sizeof suffix, "BLOQUEADO - Contactar supervisor");
        else
            snprintf(suffix, sizeof suffix, "RECHAZADO (Ciclo %d/3) - Pendiente reparación",
                     a->repair_cycle);
    }
    decide__finish(out);
    decide__event(out, "COMPLETAR_METROLOGIA", "METROLOGIA", "COMPLETAR", m);
    char estado[200];
    snprintf(estado, sizeof estado, "Disponible - ARM completado, SOLD completado, %s", suffix);
    snprintf(out->shown, sizeof out->shown, "%s", estado);
    json_t *x = json_object();
    json_object_set_new(x, "resultado", json_string(resultado));
    json_object_set_new(x, "cycle", json_integer(a->repair_cycle));
    decide__live(out, cmd, "COMPLETAR_METROLOGIA", estado, ZOP_METROLOGIA, x);
    return ZE_OK;
}
