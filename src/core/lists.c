/* List predicates. They are the same checks TOMAR applies, so a listed spool can be taken. */
#include "core/lists.h"

int lists_can_take(const spool_t *s, zop_t op)
{
    if (spool_is_occupied(s)) return 0;
    switch (op) {
    case ZOP_ARM:
        return s->fecha_materiales != ZDATE_NONE && spool_arm_state(s) != ZST_COMPLETADO;
    case ZOP_SOLD:
        return s->fecha_materiales != ZDATE_NONE && spool_arm_state(s) != ZST_PENDIENTE &&
               spool_sold_state(s) != ZST_COMPLETADO;
    case ZOP_METROLOGIA:
        return s->fecha_armado != ZDATE_NONE && s->fecha_soldadura != ZDATE_NONE &&
               s->fecha_qc == ZDATE_NONE &&
               (s->repair == ZREP_NONE || s->repair == ZREP_PENDIENTE_METROLOGIA);
    case ZOP_REPARACION: return s->repair == ZREP_RECHAZADO || s->repair == ZREP_PAUSADA;
    case ZOP_NONE: break;
    }
    return 0;
}

int lists_can_add_v5(const spool_t *s)
{
    return !spool_is_occupied(s) && s->fecha_materiales != ZDATE_NONE;
}

int lists_held_by(const spool_t *s, zop_t op, int64_t worker_id)
{
    return spool_is_occupied(s) && s->ocupado_op == op && s->ocupado_worker_id == worker_id;
}

int lists_in_repair_queue(const spool_t *s)
{
    if (spool_is_occupied(s)) return 0;
    return s->repair == ZREP_RECHAZADO || s->repair == ZREP_PAUSADA ||
           s->repair == ZREP_BLOQUEADO;
}

const char *lists_label_take(zop_t op)
{
    switch (op) {
    case ZOP_ARM: return "ARM - Fecha_Materiales llena Y ARM no completado Y no ocupado";
    case ZOP_SOLD: return "SOLD - ARM iniciado Y SOLD no completado Y no ocupado";
    case ZOP_METROLOGIA:
        return "METROLOGIA - ARM y SOLD completados Y Fecha_QC_Metrología vacía Y no ocupado";
    case ZOP_REPARACION: return "REPARACION - RECHAZADO o REPARACION_PAUSADA Y no ocupado";
    case ZOP_NONE: break;
    }
    return "";
}
