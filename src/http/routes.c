/* The route table: the whole HTTP surface of ZEUES in one place. The router (not handlers)
 * answers 404 / 405 / 307; tests check that openapi.json lists exactly these routes. */
#include "http/handlers/handlers.h"
#include "http/router.h"

const route_t routes[] = {
    {"GET", "/", h_root, 0, "API information"},
    {"GET", "/openapi.json", h_openapi, 0, "OpenAPI document"},
    {"GET", "/api/docs", h_api_docs, 0, "API reference (HTML, from /openapi.json)"},
    {"GET", "/api/redoc", h_api_docs, 0, "API reference (HTML, from /openapi.json)"},
    {"GET", "/app", h_app_redirect, 0, "Tablet UI entry"},
    {"GET", "/app/", h_app_redirect, 0, "Tablet UI entry"},
    {"GET", "/app/{tag}", h_app_file, 0, "Tablet UI and dashboard files"},
    {"GET", "/api/health", h_health, 0, "Store and Redis status"},
    {"GET", "/api/redis-health", h_redis_health, 0, "Redis status"},
    {"GET", "/api/workers", h_workers, 0, "Active workers with roles"},
    {"GET", "/api/spools/iniciar", h_spools_iniciar, 0, "Spools an operation can take now"},
    {"GET", "/api/spools/completar", h_spools_completar, 0, "Spools a worker can complete"},
    {"GET", "/api/spools/cancelar", h_spools_cancelar, 0, "Spools a worker occupies"},
    {"GET", "/api/spools/reparacion", h_spools_reparacion, 0, "Repair queue"},
    {"GET", "/api/spools/detail", h_spool_detail, 0, "One spool with its combined state"},
    {"POST", "/api/occupation/tomar", h_occ_tomar, ROUTE_MUTATES, "Take a spool"},
    {"POST", "/api/occupation/pausar", h_occ_pausar, ROUTE_MUTATES, "Pause work on a spool"},
    {"POST", "/api/occupation/completar", h_occ_completar, ROUTE_MUTATES, "Complete an operation"},
    {"POST", "/api/occupation/batch-tomar", h_occ_batch_tomar, ROUTE_MUTATES, "Take up to 50 spools"},
    {"POST", "/api/iniciar-accion", h_iniciar_accion, ROUTE_MUTATES, "v2.1 INICIAR"},
    {"POST", "/api/completar-accion", h_completar_accion, ROUTE_MUTATES, "v2.1 COMPLETAR"},
    {"POST", "/api/cancelar-accion", h_cancelar_accion, ROUTE_MUTATES, "v2.1 CANCELAR"},
    {"POST", "/api/iniciar-accion-batch", h_iniciar_accion_batch, ROUTE_MUTATES, "v2.1 INICIAR batch"},
    {"POST", "/api/completar-accion-batch", h_completar_accion_batch, ROUTE_MUTATES, "v2.1 COMPLETAR batch"},
    {"POST", "/api/cancelar-accion-batch", h_cancelar_accion_batch, ROUTE_MUTATES, "v2.1 CANCELAR batch"},
    {"POST", "/api/tomar-reparacion", h_tomar_reparacion, ROUTE_MUTATES, "Take a repair"},
    {"POST", "/api/pausar-reparacion", h_pausar_reparacion, ROUTE_MUTATES, "Pause a repair"},
    {"POST", "/api/completar-reparacion", h_completar_reparacion, ROUTE_MUTATES, "Complete a repair"},
    {"POST", "/api/cancelar-reparacion", h_cancelar_reparacion, ROUTE_MUTATES, "Cancel a repair"},
    {"POST", "/api/metrologia/completar", h_metrologia_completar, ROUTE_MUTATES, "Record an inspection"},
    {"GET", "/api/history/{tag}", h_history, 0, "Occupation sessions of a spool"},
    {"GET", "/api/dashboard/occupied", h_dashboard_occupied, 0, "Who has what"},
    {"GET", "/api/dashboard/summary", h_dashboard_summary, 0, "Counts per state and operation"},
    {"GET", "/api/sse/stream", h_sse_stream, ROUTE_STREAM, "Live events (Server-Sent Events)"},
};
const size_t routes_count = sizeof routes / sizeof routes[0];
