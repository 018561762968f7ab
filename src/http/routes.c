/* The route table: the whole HTTP surface of ZEUES in one place. The router (not handlers)
 * answers 404 / 405 / 307; tests check that openapi.json lists exactly these routes. Each row
 * names the role its callers need (core/access.h), checked before the handler runs:
 *   public      health, device enrolment, the UI's files and the API documents;
 *   read        every read of the plant's data (and the live stream);
 *   worker      every change a worker makes from a tablet; the v5 app's tracked list, its UI
 *               telemetry and its legacy snapshot are part of that app's normal flow;
 *   inspector   metrología results;
 *   supervisor  supervisor tools (reading the UI telemetry); no device credential has it;
 *   console     the console's actions: a signed-in supervisor in every mode (off included),
 *               because their audit event names who. A supervisor session carries every role. */
#include "http/handlers/handlers.h"
#include "http/metrics.h"
#include "http/router.h"

const route_t routes[] = {
    {"GET", "/", h_root, 0, ACCESS_PUBLIC, "API information"},
    {"GET", "/openapi.json", h_openapi, 0, ACCESS_PUBLIC, "OpenAPI document"},
    {"GET", "/api/docs", h_api_docs, 0, ACCESS_PUBLIC, "API reference (HTML, from /openapi.json)"},
    {"GET", "/api/redoc", h_api_docs, 0, ACCESS_PUBLIC, "API reference (HTML, from /openapi.json)"},
    {"GET", "/app", h_app_redirect, 0, ACCESS_PUBLIC, "Tablet UI entry"},
    {"GET", "/app/", h_app_redirect, 0, ACCESS_PUBLIC, "Tablet UI entry"},
    {"GET", "/app/enroll", h_app_enroll, 0, ACCESS_PUBLIC, "Device enrolment page"},
    {"GET", "/app/login", h_app_login, 0, ACCESS_PUBLIC, "Supervisor sign-in page"},
    {"GET", "/app/console", h_app_console, 0, ACCESS_PUBLIC, "Supervisor console page"},
    {"GET", "/app/{tag}", h_app_file, 0, ACCESS_PUBLIC, "Tablet UI and dashboard files"},
    {"GET", "/api/health", h_health, ROUTE_WAITS, ACCESS_PUBLIC, "Store and Redis status"},
    {"POST", "/api/devices/enroll", h_devices_enroll, ROUTE_MUTATES, ACCESS_PUBLIC, "Enrol this device with a one-time code"},
    {"GET", "/metrics", h_metrics, ROUTE_WAITS, ACCESS_READ, "Prometheus metrics"},
    {"POST", "/api/auth/login", h_auth_login, ROUTE_MUTATES, ACCESS_PUBLIC, "Supervisor sign-in (session cookie)"},
    {"POST", "/api/auth/logout", h_auth_logout, ROUTE_MUTATES, ACCESS_PUBLIC, "Supervisor sign-out"},
    {"GET", "/api/auth/session", h_auth_session, 0, ACCESS_PUBLIC, "Who this browser is signed in as"},
    {"POST", "/api/console/unblock", h_console_unblock, ROUTE_MUTATES, ACCESS_CONSOLE, "Supervisor: BLOQUEADO back to the repair queue"},
    {"POST", "/api/console/release", h_console_release, ROUTE_MUTATES, ACCESS_CONSOLE, "Supervisor: end a stuck occupation"},
    {"GET", "/api/console/log/{tag}", h_console_log, 0, ACCESS_CONSOLE, "Supervisor: a spool's whole audit trail"},
    {"POST", "/api/console/pin/set", h_console_pin_set, ROUTE_MUTATES, ACCESS_CONSOLE, "Supervisor: give a worker a PIN"},
    {"POST", "/api/console/pin/unlock", h_console_pin_unlock, ROUTE_MUTATES, ACCESS_CONSOLE, "Supervisor: lift a worker's PIN lock-out"},
    {"POST", "/api/workers/pin/verify", h_workers_pin_verify, ROUTE_MUTATES, ACCESS_READ, "A worker's PIN on this tablet (devices+pin)"},
    {"GET", "/api/redis-health", h_redis_health, ROUTE_WAITS, ACCESS_READ, "Redis status"},
    {"GET", "/api/workers", h_workers, 0, ACCESS_READ, "Active workers with roles"},
    {"GET", "/api/spools/iniciar", h_spools_iniciar, 0, ACCESS_READ, "Spools an operation can take now"},
    {"GET", "/api/spools/completar", h_spools_completar, 0, ACCESS_READ, "Spools a worker can complete"},
    {"GET", "/api/spools/cancelar", h_spools_cancelar, 0, ACCESS_READ, "Spools a worker occupies"},
    {"GET", "/api/spools/reparacion", h_spools_reparacion, 0, ACCESS_READ, "Repair queue"},
    {"GET", "/api/spools/ocupados", h_spools_ocupados, 0, ACCESS_READ, "Spools a worker occupies (any operation)"},
    {"GET", "/api/spools/detail", h_spool_detail, 0, ACCESS_READ, "One spool with its combined state"},
    {"POST", "/api/occupation/tomar", h_occ_tomar, ROUTE_MUTATES, ACCESS_WORKER, "Take a spool"},
    {"POST", "/api/occupation/pausar", h_occ_pausar, ROUTE_MUTATES, ACCESS_WORKER, "Pause work on a spool"},
    {"POST", "/api/occupation/completar", h_occ_completar, ROUTE_MUTATES, ACCESS_WORKER, "Complete an operation"},
    {"POST", "/api/occupation/batch-tomar", h_occ_batch_tomar, ROUTE_MUTATES, ACCESS_WORKER, "Take up to 50 spools"},
    {"POST", "/api/iniciar-accion", h_iniciar_accion, ROUTE_MUTATES, ACCESS_WORKER, "v2.1 INICIAR"},
    {"POST", "/api/completar-accion", h_completar_accion, ROUTE_MUTATES, ACCESS_WORKER, "v2.1 COMPLETAR"},
    {"POST", "/api/cancelar-accion", h_cancelar_accion, ROUTE_MUTATES, ACCESS_WORKER, "v2.1 CANCELAR"},
    {"POST", "/api/iniciar-accion-batch", h_iniciar_accion_batch, ROUTE_MUTATES, ACCESS_WORKER, "v2.1 INICIAR batch"},
    {"POST", "/api/completar-accion-batch", h_completar_accion_batch, ROUTE_MUTATES, ACCESS_WORKER, "v2.1 COMPLETAR batch"},
    {"POST", "/api/cancelar-accion-batch", h_cancelar_accion_batch, ROUTE_MUTATES, ACCESS_WORKER, "v2.1 CANCELAR batch"},
    {"POST", "/api/tomar-reparacion", h_tomar_reparacion, ROUTE_MUTATES, ACCESS_WORKER, "Take a repair"},
    {"POST", "/api/pausar-reparacion", h_pausar_reparacion, ROUTE_MUTATES, ACCESS_WORKER, "Pause a repair"},
    {"POST", "/api/completar-reparacion", h_completar_reparacion, ROUTE_MUTATES, ACCESS_WORKER, "Complete a repair"},
    {"POST", "/api/cancelar-reparacion", h_cancelar_reparacion, ROUTE_MUTATES, ACCESS_WORKER, "Cancel a repair"},
    {"POST", "/api/metrologia/completar", h_metrologia_completar, ROUTE_MUTATES, ACCESS_INSPECTOR, "Record an inspection"},
    {"POST", "/api/v4/occupation/iniciar", h_v4_iniciar, ROUTE_MUTATES, ACCESS_WORKER, "Start work on a spool (takes its lock)"},
    {"POST", "/api/v4/occupation/finalizar", h_v4_finalizar, ROUTE_MUTATES, ACCESS_WORKER, "Register unions; pause, complete or cancel"},
    {"GET", "/api/v4/uniones/{tag}/disponibles", h_uniones_disponibles, 0, ACCESS_READ, "Unions available for ARM or SOLD"},
    {"GET", "/api/v4/uniones/{tag}/metricas", h_uniones_metricas, 0, ACCESS_READ, "Union counts and PD of a spool"},
    {"GET", "/api/v4/uniones/{tag}/todas", h_uniones_todas, 0, ACCESS_READ, "Every union of a spool"},
    {"POST", "/api/v4/uniones/guardar", h_uniones_guardar, ROUTE_MUTATES, ACCESS_WORKER, "Create, edit and delete a spool's unions"},
    {"GET", "/api/spool/{tag}/status", h_spool_status, 0, ACCESS_READ, "One spool's card data"},
    {"POST", "/api/spools/batch-status", h_spools_batch_status, 0, ACCESS_READ, "Card data of up to 100 spools"},
    {"GET", "/api/registro/{tag}", h_registro, 0, ACCESS_READ, "Mi Registro: a worker's unions of a day"},
    {"GET", "/api/spool/{tag}/notas", h_notas_get, 0, ACCESS_READ, "Notes of a spool"},
    {"POST", "/api/spool/{tag}/notas", h_notas_post, ROUTE_MUTATES, ACCESS_WORKER, "Append a note"},
    {"GET", "/api/supervisor/list", h_supervisor_list, 0, ACCESS_READ, "The tracked spool list"},
    {"POST", "/api/supervisor/list/add", h_supervisor_list_add, ROUTE_MUTATES, ACCESS_WORKER, "Track a spool"},
    {"POST", "/api/supervisor/list/remove", h_supervisor_list_remove, ROUTE_MUTATES, ACCESS_WORKER, "Stop tracking a spool"},
    {"POST", "/api/supervisor/audit/batch", h_supervisor_audit_batch, ROUTE_MUTATES, ACCESS_WORKER, "UI telemetry events"},
    {"GET", "/api/supervisor/audit", h_supervisor_audit, 0, ACCESS_SUPERVISOR, "UI telemetry since a time"},
    {"POST", "/api/supervisor/legacy-snapshot", h_supervisor_legacy_snapshot, ROUTE_MUTATES, ACCESS_WORKER, "Snapshot of an old browser list"},
    {"GET", "/api/history/{tag}", h_history, 0, ACCESS_READ, "Occupation sessions of a spool"},
    {"GET", "/api/dashboard/occupied", h_dashboard_occupied, 0, ACCESS_READ, "Who has what"},
    {"GET", "/api/dashboard/summary", h_dashboard_summary, 0, ACCESS_READ, "Counts per state and operation"},
    {"GET", "/api/dashboard/pd-hoy", h_dashboard_pd_hoy, 0, ACCESS_READ, "PD registered today per operation"},
    {"GET", "/api/sse/stream", h_sse_stream, ROUTE_STREAM, ACCESS_READ, "Live events (Server-Sent Events)"},
};
const size_t routes_count = sizeof routes / sizeof routes[0];
/* Every route has its own row of /metrics counters. */
_Static_assert(sizeof routes / sizeof routes[0] <= METRICS_MAX_ROUTES,
               "more routes than rows of /metrics counters: raise METRICS_MAX_ROUTES");
