/* Internal helpers shared by the decision files of src/core (not part of the core's API). */
#ifndef ZEUES_CORE_DECIDE_INT_H
#define ZEUES_CORE_DECIDE_INT_H
#include <jansson.h>
#include <stdlib.h>

#include "core/decide.h"

/** {"tag_spool": tag[, "operacion": op]} (new reference). */
json_t *decide__tag_data(const spool_t *s, zop_t op);
/** Starts an outcome: after = *s, event id/ts/tag/worker/date from cmd. */
void decide__begin(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out);
/** Sets the audit event's type columns and metadata (takes ownership of metadata; may be NULL). */
void decide__event(zoutcome_t *out, const char *tipo, const char *operacion, const char *accion,
                   json_t *metadata);
/** Appends one live payload (type, estado_detalle shown, op, extra keys; takes extra). Call
 *  after decide__finish so the payload also carries the new Estado_Detalle. */
void decide__live(zoutcome_t *out, const zcmd_t *cmd, const char *type, const char *estado,
                  zop_t op, json_t *extra);
/** ROL_NO_AUTORIZADO unless the worker holds a role that op accepts. */
int decide__role_or_fail(const worker_t *w, zop_t op, zfail_t *fail);
/** SPOOL_OCCUPIED naming the occupant. */
int decide__occupied_fail(const spool_t *s, zfail_t *fail);
/** NO_AUTORIZADO: only the occupant may act. */
int decide__not_owner_fail(const spool_t *s, const zcmd_t *cmd, zfail_t *fail);
/** Recomputes Estado_Detalle of out->after. */
void decide__finish(zoutcome_t *out);

#endif
