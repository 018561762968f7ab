/* Transition tables of the ARM/SOLD and REPARACION machines. */
#include "core/machines.h"

#include <stddef.h>

typedef struct op_transition {
    zstate_t from;
    zaction_t action;
    zstate_t to;
    const char *name;
} op_transition_t;

static const op_transition_t op_table[] = {
    {ZST_PENDIENTE, ZACT_TOMAR, ZST_EN_PROGRESO, "iniciar"},
    {ZST_PAUSADO, ZACT_TOMAR, ZST_EN_PROGRESO, "reanudar"},
    {ZST_EN_PROGRESO, ZACT_PAUSAR, ZST_PAUSADO, "pausar"},
    {ZST_EN_PROGRESO, ZACT_COMPLETAR, ZST_COMPLETADO, "completar"},
    {ZST_EN_PROGRESO, ZACT_CANCELAR, ZST_PENDIENTE, "cancelar"},
    {ZST_PAUSADO, ZACT_CANCELAR, ZST_PENDIENTE, "cancelar"},
};

typedef struct repair_transition {
    zrepair_t from;
    zaction_t action;
    zrepair_t to;
} repair_transition_t;

static const repair_transition_t repair_table[] = {
    {ZREP_RECHAZADO, ZACT_TOMAR, ZREP_EN_REPARACION},
    {ZREP_PAUSADA, ZACT_TOMAR, ZREP_EN_REPARACION},
    {ZREP_EN_REPARACION, ZACT_PAUSAR, ZREP_PAUSADA},
    {ZREP_EN_REPARACION, ZACT_COMPLETAR, ZREP_PENDIENTE_METROLOGIA},
    {ZREP_EN_REPARACION, ZACT_CANCELAR, ZREP_RECHAZADO},
    {ZREP_PAUSADA, ZACT_CANCELAR, ZREP_RECHAZADO},
};

int machine_op_next(zstate_t st, zaction_t action)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
        if (op_table[i].from == st && op_table[i].action == action) return (int)op_table[i].to;
    return -1;
}

const char *machine_op_transition(zstate_t st, zaction_t action)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
        if (op_table[i].from == st && op_table[i].action == action) return op_table[i].name;
    return "";
}

int machine_repair_next(zrepair_t r, zaction_t action)
{
    for (size_t i = 0; i < sizeof repair_table / sizeof repair_table[0]; i++)
        if (repair_table[i].from == r && repair_table[i].action == action)
            return (int)repair_table[i].to;
    return -1;
}

const char *zaction_name(zaction_t a)
{
    switch (a) {
    case ZACT_TOMAR: return "TOMAR";
    case ZACT_PAUSAR: return "PAUSAR";
    case ZACT_COMPLETAR: return "COMPLETAR";
    case ZACT_CANCELAR: return "CANCELAR";
    }
    return "";
}
