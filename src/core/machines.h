/* The state machines as explicit transition tables (domain-v3.md §4): ARM and SOLD share one
 * table; REPARACION has its own. Guards (prerequisites, roles, ownership) live with the
 * decisions in occupation.c; these tables only say which moves exist. */
#ifndef ZEUES_CORE_MACHINES_H
#define ZEUES_CORE_MACHINES_H

#include "core/decide.h"
#include "core/spool.h"

/** The ARM/SOLD state reached by action from st, or -1 when the transition does not exist.
 *  TOMAR is `iniciar` from pendiente and `reanudar` from pausado. */
int machine_op_next(zstate_t st, zaction_t action);
/** Name of the transition for messages ("iniciar", "reanudar", "pausar", ...). */
const char *machine_op_transition(zstate_t st, zaction_t action);

/** The repair state reached by action from r, or -1 when the transition does not exist. */
int machine_repair_next(zrepair_t r, zaction_t action);

/** Upper-case verb of an action for messages ("TOMAR"). */
const char *zaction_name(zaction_t a);

#endif
