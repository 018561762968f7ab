/* Request, latency and error counters (see metrics.h). */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "core/prom.h"

/* The statuses this server answers with; anything else counts as "other". */
static const int statuses[] = {200, 201, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403,
                               404, 405, 408, 409, 410, 411, 413, 414, 415, 416, 422, 429,
                               431, 500, 501, 502, 503, 504, 505};
#define N_STATUS (sizeof statuses / sizeof statuses[0] + 1)
#define MAX_ROUTES (METRICS_MAX_ROUTES + 1) /* a row per route, and the unrouted row */
#define UNROUTED_ROW (MAX_ROUTES - 1)
/* Upper bounds of the mutation latency buckets, in seconds. */
static const double lat_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                    0.1,    0.25,  0.5,    1,     2.5,  5};
#define N_LAT (sizeof lat_bounds / sizeof lat_bounds[0])
#define N_CODES (ZE__LAST - ZE__FIRST)

static _Atomic uint64_t requests[MAX_ROUTES][N_STATUS];
static _Atomic uint64_t lat_counts[MAX_ROUTES][N_LAT + 1];
static _Atomic uint64_t lat_sum_us[MAX_ROUTES];
static _Atomic uint64_t errors[N_CODES];

static size_t status_slot(int status)
{
    for (size_t i = 0; i < N_STATUS - 1; i++)
        if (statuses[i] == status) return i;
    return N_STATUS - 1;
}

/* Row of a route index; the unrouted row for METRICS_UNROUTED (and anything out of range). */
static size_t row_of(int route)
{
    return route < 0 || route >= UNROUTED_ROW ? UNROUTED_ROW : (size_t)route;
}

void metrics_request(int route, int status, int64_t us, int mutates)
{
    size_t row = row_of(route);
    atomic_fetch_add_explicit(&requests[row][status_slot(status)], 1, memory_order_relaxed);
    if (!mutates) return;
    if (us < 0) us = 0;
    size_t b = 0;
    while (b < N_LAT && (double)us > lat_bounds[b] * 1e6) b++;
    atomic_fetch_add_explicit(&lat_counts[row][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&lat_sum_us[row], (uint64_t)us, memory_order_relaxed);
}

void metrics_error(int code)
{
    if (code <= ZE__FIRST || code >= ZE__LAST) return;
    atomic_fetch_add_explicit(&errors[code - ZE__FIRST], 1, memory_order_relaxed);
}

static uint64_t load(_Atomic uint64_t *v) { return atomic_load_explicit(v, memory_order_relaxed); }

static uint64_t error_count(int code)
{
    return code > ZE__FIRST && code < ZE__LAST ? load(&errors[code - ZE__FIRST]) : 0;
}

static void route_labels(const route_t *table, size_t n, size_t row, const char **method,
                         const char **pattern)
{
    if (row < n && row != UNROUTED_ROW) {
        *method = table[row].method;
        *pattern = table[row].pattern;
    } else {
        *method = "";
        *pattern = "unrouted";
    }
}

/* The rows to show: the routes' (at most UNROUTED_ROW of them), then the unrouted one. */
static size_t row_at(size_t i, size_t n) { return i < n && i < UNROUTED_ROW ? i : UNROUTED_ROW; }

void metrics_render_http(buf_t *out, const route_t *table, size_t n_routes)
{
    size_t shown = n_routes < UNROUTED_ROW ? n_routes : UNROUTED_ROW;
    size_t rows = shown + 1;
    prom_family(out, "zeues_http_requests_total", "counter",
                "HTTP requests answered, by route (the route table's pattern) and status.");
    for (size_t i = 0; i < rows; i++) {
        size_t r = row_at(i, shown);
        const char *method, *pattern;
        route_labels(table, n_routes, r, &method, &pattern);
        for (size_t s = 0; s < N_STATUS; s++) {
            uint64_t n = load(&requests[r][s]);
            if (!n) continue;
            char code[8];
            if (s < N_STATUS - 1) snprintf(code, sizeof code, "%d", statuses[s]);
            else snprintf(code, sizeof code, "other");
            const char *l[] = {"method", method, "route", pattern, "status", code, NULL};
            prom_sample(out, "zeues_http_requests_total", l, (double)n);
        }
    }
    prom_family(out, "zeues_mutation_duration_seconds", "histogram",
                "Time from request to answer of state-changing requests, by route.");
    for (size_t i = 0; i < rows; i++) {
        size_t r = row_at(i, shown);
        uint64_t counts[N_LAT + 1], total = 0;
        for (size_t b = 0; b <= N_LAT; b++) total += counts[b] = load(&lat_counts[r][b]);
        if (!total) continue;
        const char *method, *pattern;
        route_labels(table, n_routes, r, &method, &pattern);
        const char *l[] = {"route", pattern, NULL};
        prom_histogram(out, "zeues_mutation_duration_seconds", l, lat_bounds, counts, N_LAT,
                       (double)load(&lat_sum_us[r]) / 1e6);
    }
    prom_family(out, "zeues_errors_total", "counter", "Error answers by error code.");
    for (int c = ZE__FIRST + 1; c < ZE__LAST; c++) {
        uint64_t n = error_count(c);
        if (!n) continue;
        const char *l[] = {"code", zerr_name(c), NULL};
        prom_sample(out, "zeues_errors_total", l, (double)n);
    }
    prom_family(out, "zeues_lock_conflicts_total", "counter",
                "Requests refused because another worker holds the spool (SPOOL_OCCUPIED) or "
                "won the race for it (VERSION_CONFLICT, RACE_CONDITION).");
    prom_sample(out, "zeues_lock_conflicts_total", NULL,
                (double)(error_count(ZE_SPOOL_OCCUPIED) + error_count(ZE_VERSION_CONFLICT) +
                         error_count(ZE_RACE_CONDITION)));
    prom_family(out, "zeues_store_errors_total", "counter",
                "Requests that failed on the store (STORE_UNAVAILABLE, DATA_CORRUPT).");
    prom_sample(out, "zeues_store_errors_total", NULL,
                (double)(error_count(ZE_STORE_UNAVAILABLE) + error_count(ZE_DATA_CORRUPT)));
    prom_family(out, "zeues_redis_errors_total", "counter",
                "Requests that failed on Redis (REDIS_UNAVAILABLE).");
    prom_sample(out, "zeues_redis_errors_total", NULL, (double)error_count(ZE_REDIS_UNAVAILABLE));
}
