/* The audit events of worker PINs (--auth devices+pin): the lock-out after too many wrong PINs
 * and a supervisor's lifting of it. They belong to no spool (TAG_SPOOL is empty), name the
 * worker, and are never streamed (no live payload). Pure: the clock and the id are passed in. */
#ifndef ZEUES_CORE_PIN_EVENT_H
#define ZEUES_CORE_PIN_EVENT_H
#include <stdint.h>

#include "core/event.h"
#include "core/spool.h"

/** PIN_BLOQUEADO of worker w after failures wrong PINs, the last from device (may be ""). */
void pin_event_lock(event_rec_t *e, const char *id, int64_t now, const worker_t *w,
                    int failures, const char *device);
/** PIN_DESBLOQUEADO of worker w by supervisor by, for reason, from device (may be ""). */
void pin_event_unlock(event_rec_t *e, const char *id, int64_t now, const worker_t *w,
                      const char *by, const char *reason, const char *device);

#endif
