/* Internal to FINALIZAR (decide_finalizar.c, decide_finalizar_unions.c): the request's state
 * and the facts and steps over the spool's unions. Not part of the core's API. */
#ifndef ZEUES_CORE_DECIDE_FIN_H
#define ZEUES_CORE_DECIDE_FIN_H
#include "core/decide.h"

typedef struct fin {
    const spool_t *s;
    const zcmd_t *cmd;
    zop_t op;
    zoutcome_t *out;
    zunion_t u[ZUNION_MAX]; /* the spool's unions as they will be stored */
    size_t n;
    int legacy;           /* legacy SOLD mode (domain-v4 §4.1) */
    int pick[ZUNION_MAX]; /* indexes of the unions written by this request */
    size_t n_pick;
} fin_t;

/** The FIN time of op on u (arm_fin / sol_fin); 0 = not done. */
int64_t decide__fin_time(const zunion_t *u, zop_t op);
/** Who registered op on u ("" = nobody). */
const char *decide__fin_worker(const zunion_t *u, zop_t op);
/** 1 when op is complete on the whole spool, on f's unions as they will be stored: ARM when
 *  every union (defined or not) is armed; SOLD when every union has its type, every one that
 *  needs SOLD is welded, and there is at least one of them or ARM is complete too. */
int decide__fin_complete(const fin_t *f, zop_t op);
/** The union relevant to op (every union for ARM, the SOLD types for SOLD) finished last, or
 *  NULL (borrowed from f). */
const zunion_t *decide__fin_latest(const fin_t *f, zop_t op);
/** The plant's date of a union time: cmd->today for now, else cmd->local_date, else the UTC
 *  offset of cmd->now_text (exact unless a DST change lies between t and now). */
zdate_t decide__fin_plant_date(const zcmd_t *cmd, int64_t t);
/** Resolves cmd->selected within the spool into f->pick (duplicates once). Fails with 400 for
 *  unknown ids and unions that cannot take the operation, 409 RACE_CONDITION for more than
 *  available or a union registered meanwhile. */
int decide__fin_select(fin_t *f, zfail_t *fail);
/** f->pick := every union available for the operation now. */
void decide__fin_select_all(fin_t *f);
/** Writes the picked unions (worker, start of the session, now) into f->u and out->puts. */
void decide__fin_write(fin_t *f);
/** The UNION_{ARM|SOLD}_REGISTRADA events of the picked unions: one for the spool, one per union.
 */
void decide__fin_union_events(fin_t *f);

#endif
