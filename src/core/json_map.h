/* JSON shapes of the wire contract for spools and workers (keys in the contract's order). */
#ifndef ZEUES_CORE_JSON_MAP_H
#define ZEUES_CORE_JSON_MAP_H
#include <jansson.h>

#include "core/event.h"
#include "core/spool.h"
#include "core/status.h"

/** The Spool object of api-v3.md §1.5 with real values (arm/sold derived, occupation and
 *  Estado_Detalle filled), followed by the combined state: arm_estado, sold_estado,
 *  metrologia, reparacion, cycle, bloqueado. fecha_ocupacion is passed formatted
 *  ("DD-MM-YYYY HH:MM:SS" in the plant's zone, or NULL). New reference, caller decrefs. */
json_t *json_map_spool(const spool_t *s, const char *fecha_ocupacion);
/** The SpoolStatus object of api-v4v5 §2.3, keys in its order. fecha_ocupacion is passed
 *  formatted ("DD-MM-YYYY HH:MM:SS" in the plant's zone; NULL = null) and is null anyway for a
 *  free spool; an empty counter (-1) is null, as is an empty text. New reference, caller
 *  decrefs. */
json_t *json_map_spool_status(const spool_status_t *st, const char *fecha_ocupacion);
/** The Worker object of api-v3.md §1.5. New reference. */
json_t *json_map_worker(const worker_t *w);
/** ActionStatus of a machine state: PENDIENTE, EN_PROGRESO (en progreso or pausado), COMPLETADO. */
const char *json_map_action_status(zstate_t st);
/** Lower-case id of a repair state ("en_reparacion"), "" for none. */
const char *json_map_repair_id(zrepair_t r);

/** Serialises v as Python's json.dumps does by default: ", " and ": " separators, non-ASCII as
 *  lower-case \uXXXX escapes. Caller frees with free(); NULL only for an invalid value. */
char *json_map_dumps_python(const json_t *v);

/** Calls fn once per live payload of e (its live_json: one object or an array of objects),
 *  each with "seq" added and written as Python's json.dumps would (the original's wire
 *  format of the SSE frames and of spools:updates). msg is borrowed for the call. Returns 0,
 *  or -1 when live_json is not JSON (nothing called); an empty live_json calls nothing. */
int json_map_live_payloads(const event_rec_t *e, void (*fn)(void *ud, const char *msg), void *ud);

#endif
