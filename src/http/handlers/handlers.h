/* Every route handler, one file per resource. Each answers through reply_* and returns 0. */
#ifndef ZEUES_HTTP_HANDLERS_H
#define ZEUES_HTTP_HANDLERS_H

#include "core/decide.h"
#include "core/spool.h"
#include "http/reply.h"

/* common.c: lookups that answer the error themselves (return 0, or -1 after replying). */
/** Looks up an active worker; 404 WORKER_NO_ENCONTRADO, or 400 WORKER_NOMBRE_NO_COINCIDE when
 *  nombre (may be NULL) is not the worker's XY(ID); 503 when the store cannot be read. */
int worker_or_reply(req_t *r, int64_t id, const char *nombre, worker_t *out);
/** devices+pin (r->pin_needed): lets w act only with a PIN verified on this device: 401
 *  PIN_REQUIRED (the UI asks for it), 423 PIN_LOCKED, 403 PIN_NOT_SET, each with data
 *  {worker_id, worker_nombre}. worker_or_reply calls it; 0, or -1 after replying. */
int pin_or_reply(req_t *r, const worker_t *w);
/** Parses a body of exactly {worker_id, pin} (worker_id >= 1, pin a string of at most 16
 *  bytes; its digits are the application's business). 0 with *body owned by the caller (*pin
 *  points into it), or -1 after replying 400/422 with nothing left to free. */
int pin_body_or_reply(req_t *r, json_t **body, int64_t *worker_id, const char **pin);
/** 429 TOO_MANY_ATTEMPTS after repeated failures: "{why}: espera {retry} s antes de intentar
 *  de nuevo.", data (may be NULL; taken) gains retry_after, and the Retry-After header. */
int reply_too_many_attempts(req_t *r, json_t *data, int64_t retry, const char *why);
/** Reads spool tag: 404 SPOOL_NO_ENCONTRADO, 422 DATA_CORRUPT, 503 STORE_UNAVAILABLE. */
int spool_or_reply(req_t *r, const char *tag, spool_t *out);
/** Answers an application failure (app/mutate) with the single error body; clears fail. */
int reply_fail(req_t *r, zfail_t *fail);
/** The enrolled device that sent the request, for zcmd_t.device: NULL when none. */
static inline const char *req_device(const req_t *r) { return r->device[0] ? r->device : NULL; }

/* root.c */
int h_root(req_t *r);
int h_openapi(req_t *r);
/* static.c */
int h_app_redirect(req_t *r);
int h_app_file(req_t *r);
int h_app_enroll(req_t *r);
int h_app_login(req_t *r);
int h_app_console(req_t *r);
int h_api_docs(req_t *r);
/* devices.c */
int h_devices_enroll(req_t *r);
/* session.c (supervisor sign-in) */
int h_auth_login(req_t *r);
int h_auth_logout(req_t *r);
int h_auth_session(req_t *r);
/* console.c (the supervisor console's actions) */
int h_console_unblock(req_t *r);
int h_console_release(req_t *r);
int h_console_log(req_t *r);
int h_console_pin_set(req_t *r);
int h_console_pin_unlock(req_t *r);
/* pin.c (devices+pin) */
int h_workers_pin_verify(req_t *r);
/* health.c */
int h_health(req_t *r);
int h_metrics(req_t *r);
int h_redis_health(req_t *r);
/* workers.c */
int h_workers(req_t *r);
/* spools.c */
int h_spools_iniciar(req_t *r);
int h_spools_completar(req_t *r);
int h_spools_cancelar(req_t *r);
int h_spools_reparacion(req_t *r);
int h_spools_ocupados(req_t *r);
int h_spool_detail(req_t *r);

/* occupation_v4.c (the current app's union flow) */
int h_v4_iniciar(req_t *r);
int h_v4_finalizar(req_t *r);
/* uniones.c */
int h_uniones_disponibles(req_t *r);
int h_uniones_metricas(req_t *r);
int h_uniones_todas(req_t *r);
int h_uniones_guardar(req_t *r);
/* spool_status.c (the current app's card data) */
int h_spool_status(req_t *r);
int h_spools_batch_status(req_t *r);
/* registro.c (Mi Registro) */
int h_registro(req_t *r);
/* notas.c */
int h_notas_get(req_t *r);
int h_notas_post(req_t *r);
/* supervisor.c (the current app's tracked list and audit book) */
int h_supervisor_list(req_t *r);
int h_supervisor_list_add(req_t *r);
int h_supervisor_list_remove(req_t *r);
int h_supervisor_audit_batch(req_t *r);
int h_supervisor_audit(req_t *r);
int h_supervisor_legacy_snapshot(req_t *r);

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
int h_dashboard_pd_hoy(req_t *r);
/* sse_stream.c */
int h_sse_stream(req_t *r);

#endif
