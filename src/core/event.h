/* An audit event (a row of the Metadata sheet) as the core produces it and the store keeps it. */
#ifndef ZEUES_CORE_EVENT_H
#define ZEUES_CORE_EVENT_H
#include <stdint.h>

#include "core/dates.h"
#include "core/spool.h"

#define ZEVENT_JSON_MAX 1024

typedef struct event_rec {
    int64_t seq;                       /* durable sequence, assigned by the store on append */
    char id[40];                       /* uuid4 text */
    int64_t ts;                        /* unix seconds (UTC) */
    char tipo[40];                     /* evento_tipo: TOMAR_SPOOL, ... */
    char tag[ZTAG_MAX];
    int64_t worker_id;
    char worker_nombre[ZNAME_MAX];
    char operacion[16];                /* ARM, SOLD, METROLOGIA, REPARACION, ... */
    char accion[16];                   /* TOMAR, PAUSAR, COMPLETAR, ... */
    zdate_t fecha_operacion;
    int n_union;                       /* column K N_UNION: the union of a per-union event; 0 = none */
    char metadata_json[ZEVENT_JSON_MAX]; /* column J, Python json.dumps style; may be "" */
    char live_json[ZEVENT_JSON_MAX * 2]; /* SSE payload published for this event ("" if none) */
} event_rec_t;

/**
 * Adds "device": device (the enrolled tablet that sent the request) to e's metadata_json,
 * keeping its other keys and their order. Nothing to do (0) for a NULL or empty device.
 * Returns 0, or -1 when the metadata is not a JSON object or the result would not fit; e is
 * then unchanged.
 */
int event_stamp_device(event_rec_t *e, const char *device);

#endif
