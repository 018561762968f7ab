/* Estado_Detalle texts, byte for byte as the original wrote them (domain-v3.md §4.6). */
#include "core/estado.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void estado_pair(const spool_t *s, char *out, size_t n)
{
    snprintf(out, n, "ARM %s, SOLD %s", zstate_word(spool_arm_state(s)),
             zstate_word(spool_sold_state(s)));
}

void estado_detalle(const spool_t *s, char *out, size_t n)
{
    char pair[64];
    switch (s->repair) {
    case ZREP_RECHAZADO:
        snprintf(out, n, "RECHAZADO (Ciclo %d/3) - Pendiente reparación", s->repair_cycle);
        return;
    case ZREP_BLOQUEADO: snprintf(out, n, "BLOQUEADO - Contactar supervisor"); return;
    case ZREP_EN_REPARACION:
        snprintf(out, n, "EN_REPARACION (Ciclo %d/3) - Ocupado: %s", s->repair_cycle,
                 s->ocupado_por);
        return;
    case ZREP_PAUSADA: snprintf(out, n, "REPARACION_PAUSADA (Ciclo %d/3)", s->repair_cycle); return;
    case ZREP_PENDIENTE_METROLOGIA: snprintf(out, n, "PENDIENTE_METROLOGIA"); return;
    case ZREP_NONE: break;
    }
    if (s->metrologia == ZMET_APROBADO) {
        snprintf(out, n, "METROLOGIA_APROBADO ✓");
        return;
    }
    estado_pair(s, pair, sizeof pair);
    if (spool_is_occupied(s)) {
        const char *op = s->ocupado_op == ZOP_NONE ? "operación" : zop_name(s->ocupado_op);
        snprintf(out, n, "%s trabajando %s (%s)", s->ocupado_por, op, pair);
    } else {
        snprintf(out, n, "Disponible - %s", pair);
    }
}

int estado_parse_cycle(const char *text)
{
    if (!text || !*text) return 0;
    if (strstr(text, "BLOQUEADO")) return ZMAX_CYCLES;
    const char *p = text;
    while ((p = strstr(p, "Ciclo ")) != NULL) {
        p += 6;
        char *end;
        long v = strtol(p, &end, 10);
        if (end != p && *p >= '0' && *p <= '9' && end[0] == '/' && end[1] == '3')
            return v > ZMAX_CYCLES ? ZMAX_CYCLES : (int)v;
    }
    return 0;
}
