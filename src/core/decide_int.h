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
/** Sets the type columns and metadata of any event of the outcome (takes ownership of
 *  metadata; may be NULL). A metadata text too long for the column is stored as
 *  {"metadata_truncada": true}, never cut. */
void decide__event_set(event_rec_t *e, const char *tipo, const char *operacion, const char *accion,
                       json_t *metadata);
/** 1 when metadata serialises within the metadata_json column (borrowed). */
int decide__metadata_fits(const json_t *metadata);
/** The next audit event of a change: out->event while it has no type yet, then out->more[]
 *  with an id derived from out->event's and the same base columns (ts, tag, worker, date).
 *  NULL when every slot is used. */
event_rec_t *decide__event_next(zoutcome_t *out);
/** decide__live for any event of the outcome: appends the payload to e->live_json. */
void decide__live_to(zoutcome_t *out, event_rec_t *e, const zcmd_t *cmd, const char *type,
                     const char *estado, zop_t op, json_t *extra);
/** Appends one live payload (type, estado_detalle shown, op, extra keys; takes extra). Call
 *  after decide__finish so the payload also carries the new Estado_Detalle. */
void decide__live(zoutcome_t *out, const zcmd_t *cmd, const char *type, const char *estado,
                  zop_t op, json_t *extra);
/** ROL_NO_AUTORIZADO unless the worker holds a role that op accepts. */
int decide__role_or_fail(const worker_t *w, zop_t op, zfail_t *fail);
/** OPERACION_NO_DISPONIBLE with the reference's default text for op on s. */
int decide__unavailable_fail(const spool_t *s, zop_t op, zfail_t *fail);
/** INVALID_STATE_TRANSITION: the caller occupies s for another operation than op; verb is the
 *  lower-case action attempted ("iniciar", "finalizar"). */
int decide__held_other_op_fail(const spool_t *s, zop_t op, const char *verb, zfail_t *fail);
/** SPOOL_OCCUPIED naming the occupant. */
int decide__occupied_fail(const spool_t *s, zfail_t *fail);
/** NO_AUTORIZADO: only the occupant may act. */
int decide__not_owner_fail(const spool_t *s, const zcmd_t *cmd, zfail_t *fail);
/** The worker column of an ARM/SOLD operation (Armador / Soldador) of s. */
char *decide__op_worker(spool_t *s, zop_t op);
/** The completion date column of an ARM/SOLD operation (Fecha_Armado / Fecha_Soldadura). */
zdate_t *decide__op_done(spool_t *s, zop_t op);
/** Makes cmd->worker the occupant of a for op (name, id, operation, since cmd->now, token). */
void decide__occupy(spool_t *a, const zcmd_t *cmd, zop_t op);
/** Ends the occupation of a. */
void decide__vacate(spool_t *a);
/** Sets the union columns of Operaciones (Total_Uniones = n rows, the ARM/SOLD counts and PD)
 *  of a from the spool's unions u[0..n) as they will be stored. */
void decide__union_counters(spool_t *a, const zunion_t *u, size_t n);
/** Recomputes Estado_Detalle of out->after. */
void decide__finish(zoutcome_t *out);

#endif
