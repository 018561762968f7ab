/* Every route handler, one file per resource. Each answers through reply_* and returns 0. */
#ifndef ZEUES_HTTP_HANDLERS_H
#define ZEUES_HTTP_HANDLERS_H

#include "http/reply.h"

/* root.c */
int h_root(req_t *r);
int h_openapi(req_t *r);
/* static.c */
int h_app_redirect(req_t *r);
int h_app_file(req_t *r);
/* health.c */
int h_health(req_t *r);
int h_redis_health(req_t *r);
/* workers.c */
int h_workers(req_t *r);
/* spools.c */
int h_spools_iniciar(req_t *r);
int h_spools_completar(req_t *r);
int h_spools_cancelar(req_t *r);
int h_spools_reparacion(req_t *r);
int h_spool_detail(req_t *r);

/* occupation.c */
int h_occ_tomar(req_t *r);
int h_occ_pausar(req_t *r);
int h_occ_completar(req_t *r);
int h_occ_batch_tomar(req_t *r);

/* actions.c (v2.1) */
int h_iniciar_accion(req_t *r);
int h_completar_accion(req_t *r);
int h_cancelar_accion(req_t *r);
int h_iniciar_accion_batch(req_t *r);
int h_completar_accion_batch(req_t *r);
int h_cancelar_accion_batch(req_t *r);
/* reparacion.c */
int h_tomar_reparacion(req_t *r);
int h_pausar_reparacion(req_t *r);
int h_completar_reparacion(req_t *r);
int h_cancelar_reparacion(req_t *r);
/* metrologia.c */
int h_metrologia_completar(req_t *r);
/* history.c */
int h_history(req_t *r);
/* dashboard.c */
int h_dashboard_occupied(req_t *r);
int h_dashboard_summary(req_t *r);
/* sse_stream.c */
int h_sse_stream(req_t *r);

#endif
