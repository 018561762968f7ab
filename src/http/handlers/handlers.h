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

#endif
