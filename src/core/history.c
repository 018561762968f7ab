/* Session pairing and duration text of the history endpoint. */
#include "core/history.h"

#include <stdio.h>
#include <string.h>

static int is(const char *a, const char *b) { return strcmp(a, b) == 0; }

static void close_session(hsession_t *s, const event_rec_t *e)
{
    s->end = e->ts;
    snprintf(s->closed_by, sizeof s->closed_by, "%s", e->worker_nombre);
    snprintf(s->closing_event, sizeof s->closing_event, "%s", e->tipo);
}

size_t history_sessions(const event_rec_t *ev, size_t n, hsession_t *out, size_t cap)
{
    size_t count = 0;
    hsession_t open;
    int has_open = 0;
    for (size_t i = 0; i < n; i++) {
        const event_rec_t *e = &ev[i];
        if (is(e->tipo, "TOMAR_SPOOL") || is(e->tipo, "TOMAR_REPARACION") ||
            is(e->tipo, "INICIAR_SPOOL")) {
            if (has_open) {
                if (count < cap) out[count] = open;
                count++;
            }
            memset(&open, 0, sizeof open);
            snprintf(open.worker_nombre, sizeof open.worker_nombre, "%s", e->worker_nombre);
            open.worker_id = e->worker_id;
            snprintf(open.operacion, sizeof open.operacion, "%s", e->operacion);
            open.start = e->ts;
            has_open = 1;
            continue;
        }
        if (!has_open) continue; /* a closer without an open session (v2.1 COMPLETAR) */
        int closes = is(e->tipo, "PAUSAR_SPOOL") || is(e->tipo, "SUPERVISOR_RELEASE") ||
                     (is(e->tipo, "COMPLETAR_ARM") && is(open.operacion, "ARM")) ||
                     (is(e->tipo, "COMPLETAR_SOLD") && is(open.operacion, "SOLD")) ||
                     ((is(e->tipo, "COMPLETAR_SPOOL") || is(e->tipo, "CANCELAR_SPOOL")) &&
                      is(open.operacion, e->operacion)) ||
                     (is(open.operacion, "REPARACION") &&
                      (is(e->tipo, "PAUSAR_REPARACION") || is(e->tipo, "COMPLETAR_REPARACION") ||
                       is(e->tipo, "CANCELAR_REPARACION")));
        if (!closes) continue;
        close_session(&open, e);
        if (count < cap) out[count] = open;
        count++;
        has_open = 0;
    }
    if (has_open) {
        if (count < cap) out[count] = open;
        count++;
    }
    return count;
}

void history_format_duration(int64_t seconds, char *out, size_t n)
{
    if (seconds < 0) seconds = 0;
    long long h = seconds / 3600, m = (seconds % 3600) / 60;
    if (h > 0) snprintf(out, n, "%lldh %lldm", h, m);
    else snprintf(out, n, "%lldm", m);
}
