/* The v5 card state of a spool (SpoolStatus, domain-v4 §6 / api-v4v5 §2.3): one of seven work
 * states, the operation on the card, the repair cycle, who did what (display names) and the
 * completion history. Pure: derived from the spool's columns and the worker list alone.
 *
 * Derived from the structured state the store keeps (repair state and cycle, occupation,
 * dates, union counters), which the sheet codec reads out of Estado_Detalle with the same
 * keywords the original's text rules use; so every text the original matched gives the same
 * state here. Intended fixes over the original: a paused spool is PAUSADO (never derived
 * there), and a paused repair is PAUSADO with operacion_actual REPARACION (the original
 * derived PENDIENTE_METROLOGIA, so the v5 app opened metrología instead of resuming it). */
#ifndef ZEUES_CORE_STATUS_H
#define ZEUES_CORE_STATUS_H
#include <stddef.h>

#include "core/spool.h"

/** estado_trabajo, in the order of the original's enum. */
typedef enum zestado_trabajo {
    ZET_LIBRE = 0,
    ZET_EN_PROGRESO,
    ZET_PAUSADO,
    ZET_COMPLETADO,
    ZET_RECHAZADO,
    ZET_BLOQUEADO,
    ZET_PENDIENTE_METROLOGIA,
} zestado_trabajo_t;

#define STATUS_NAME_MAX (2 * ZNAME_MAX) /* "{Nombre} {Apellido}" */

/** One completion_history entry: {"operation","worker","date","kind"}. */
typedef struct status_entry {
    char operation[48];           /* "ARM parcial 3/5", "SOLD completado" */
    char worker[STATUS_NAME_MAX]; /* display name, or "—" (U+2014) */
    char date[8];                 /* "DD/MM", or "—" */
    int partial;                  /* kind: 1 "partial", 0 "complete" */
} status_entry_t;

typedef struct spool_status {
    const spool_t *spool; /* borrowed: the spool derived from (must outlive this) */
    char ocupado_por_display[STATUS_NAME_MAX]; /* "" = null */
    char armador_display[STATUS_NAME_MAX];
    char soldador_display[STATUS_NAME_MAX];
    zop_t operacion_actual; /* ARM, SOLD, REPARACION; ZOP_NONE = null */
    zestado_trabajo_t estado;
    int ciclo_rep;             /* -1 = null */
    status_entry_t history[2]; /* ARM entry then SOLD entry, each when it applies */
    size_t n_history;
} spool_status_t;

/** Wire name of a work state ("PENDIENTE_METROLOGIA"); static storage. */
const char *status_estado_name(zestado_trabajo_t e);

/** The display name of a worker cell: "{Nombre} {Apellido}" of the active worker among
 *  workers[0..n) whose id is the trailing "(ID)" of raw; otherwise raw itself; "" for an
 *  empty cell. workers is borrowed. */
void status_display(const char *raw, const worker_t *workers, size_t n, char *out, size_t cap);

/** Fills *out for s (borrowed: out->spool points to it). The rules, first match wins:
 *  BLOQUEADO; RECHAZADO (ciclo_rep = cycle); repair in progress: EN_PROGRESO / REPARACION;
 *  paused repair: PAUSADO / REPARACION (ciclo_rep = cycle); repaired, or ARM and SOLD dated,
 *  not inspected and free: PENDIENTE_METROLOGIA; ARM, SOLD and metrología dated: COMPLETADO;
 *  occupied: EN_PROGRESO with its operation; ARM or SOLD begun, not dated, free: PAUSADO
 *  (operacion_actual SOLD when only SOLD is paused, else null so the app asks); LIBRE. */
void status_derive(const spool_t *s, const worker_t *workers, size_t n_workers,
                   spool_status_t *out);

#endif
