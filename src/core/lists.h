/* Which spools each list offers (SPEC "Lists"): pure predicates over one spool. */
#ifndef ZEUES_CORE_LISTS_H
#define ZEUES_CORE_LISTS_H
#include <stdint.h>

#include "core/spool.h"

/** 1 when op could be TOMAdo on s right now: prerequisites met, op not completed, s not
 *  occupied (paused work included). REPARACION: rejected or paused repair, not blocked. */
int lists_can_take(const spool_t *s, zop_t op);
/** 1 when worker_id currently occupies s for op. */
int lists_held_by(const spool_t *s, zop_t op, int64_t worker_id);
/** 1 when s belongs in the repair list (rejected, paused repair or blocked; not occupied). */
int lists_in_repair_queue(const spool_t *s);
/** Human label of the filter of GET /api/spools/iniciar for op. */
const char *lists_label_take(zop_t op);

/** The current app's ARM list (`/api/spools/iniciar?operacion=ARM` under --compat v5): the
 *  spools that can be added to its tracked list: Fecha_Materiales set and not occupied. */
int lists_can_add_v5(const spool_t *s);

#endif
