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

#endif
