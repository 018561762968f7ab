/* Occupation sessions of one spool, built from its audit events (domain-v3.md §7, intended
 * behaviour: durations are the whole elapsed time, days included). */
#ifndef ZEUES_CORE_HISTORY_H
#define ZEUES_CORE_HISTORY_H
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

typedef struct hsession {
    char worker_nombre[ZNAME_MAX];
    int64_t worker_id;
    char operacion[16];
    int64_t start;           /* unix seconds */
    int64_t end;             /* 0 while still open */
    char closed_by[ZNAME_MAX]; /* who ended it ("" while open) */
    char closing_event[40];  /* PAUSAR_SPOOL, COMPLETAR_ARM, ... */
} hsession_t;

/**
 * Pairs the events (in sequence order) into sessions: TOMAR_SPOOL / TOMAR_REPARACION / v4
 * INICIAR_SPOOL opens one (an open one is emitted without end); PAUSAR_SPOOL closes the open
 * one; COMPLETAR_ARM/SOLD and v4 COMPLETAR_SPOOL / CANCELAR_SPOOL close it only when the
 * operation matches; PAUSAR/COMPLETAR/CANCELAR_REPARACION and
 * SUPERVISOR_RELEASE close a repair or any session; other events are ignored. Writes at most cap
 * sessions and returns how many there are in total.
 */
size_t history_sessions(const event_rec_t *ev, size_t n, hsession_t *out, size_t cap);

/** "{h}h {m}m" (hours may exceed 24) or "{m}m" when under an hour; negative counts as 0. */
void history_format_duration(int64_t seconds, char *out, size_t n);

#endif
