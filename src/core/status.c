/* SpoolStatus derivation (see status.h for the rules and where they differ from the original). */
#include "core/status.h"

#include <stdio.h>
#include <string.h>

#include "core/names.h"

#define DASH "\xe2\x80\x94" /* — U+2014 */

const char *status_estado_name(zestado_trabajo_t e)
{
    switch (e) {
    case ZET_LIBRE:
        return "LIBRE";
    case ZET_EN_PROGRESO:
        return "EN_PROGRESO";
    case ZET_PAUSADO:
        return "PAUSADO";
    case ZET_COMPLETADO:
        return "COMPLETADO";
    case ZET_RECHAZADO:
        return "RECHAZADO";
    case ZET_BLOQUEADO:
        return "BLOQUEADO";
    case ZET_PENDIENTE_METROLOGIA:
        return "PENDIENTE_METROLOGIA";
    }
    return "LIBRE";
}

void status_display(const char *raw, const worker_t *workers, size_t n, char *out, size_t cap)
{
    if (cap == 0) return;
    out[0] = '\0';
    if (!raw || !raw[0]) return;
    int64_t id = names_id_from_display(raw);
    for (size_t i = 0; id > 0 && i < n; i++)
        if (workers[i].id == id && workers[i].activo) {
            snprintf(out, cap, "%s %s", workers[i].nombre, workers[i].apellido);
            return;
        }
    snprintf(out, cap, "%s", raw);
}

/* ARM (SOLD) begun and not dated, on a free spool: someone worked on it and paused. */
static int arm_paused(const spool_t *s)
{
    return !spool_is_occupied(s) && s->fecha_armado == ZDATE_NONE &&
           (s->armador[0] || s->uniones_arm_done > 0);
}

static int sold_paused(const spool_t *s)
{
    return !spool_is_occupied(s) && s->fecha_soldadura == ZDATE_NONE &&
           (s->soldador[0] || s->uniones_sold_done > 0);
}

static void derive_state(const spool_t *s, spool_status_t *st)
{
    int occupied = spool_is_occupied(s);
    int arm = s->fecha_armado != ZDATE_NONE, sold = s->fecha_soldadura != ZDATE_NONE;
    int met = s->fecha_qc != ZDATE_NONE;
    st->operacion_actual = ZOP_NONE;
    st->ciclo_rep = -1;
    switch (s->repair) {
    case ZREP_BLOQUEADO:
        st->estado = ZET_BLOQUEADO;
        return;
    case ZREP_RECHAZADO:
        st->estado = ZET_RECHAZADO;
        st->ciclo_rep = s->repair_cycle;
        return;
    case ZREP_EN_REPARACION:
    case ZREP_PAUSADA:
        /* A repair nobody holds is a paused one, whatever the text says. */
        st->estado = s->repair == ZREP_EN_REPARACION && occupied ? ZET_EN_PROGRESO : ZET_PAUSADO;
        st->operacion_actual = ZOP_REPARACION;
        st->ciclo_rep = s->repair_cycle;
        return;
    case ZREP_PENDIENTE_METROLOGIA:
        st->estado = ZET_PENDIENTE_METROLOGIA;
        return;
    case ZREP_NONE:
        break;
    }
    if (arm && sold && !met && !occupied) {
        st->estado = ZET_PENDIENTE_METROLOGIA;
    } else if (arm && sold && met) {
        st->estado = ZET_COMPLETADO;
    } else if (occupied) {
        st->estado = ZET_EN_PROGRESO;
        st->operacion_actual = s->ocupado_op != ZOP_NONE ? s->ocupado_op
                               : !arm                    ? ZOP_ARM
                               : !sold                   ? ZOP_SOLD
                                                         : ZOP_NONE;
    } else if (arm_paused(s) || sold_paused(s)) {
        st->estado = ZET_PAUSADO;
        /* Only SOLD paused: the card continues SOLD. ARM paused: ARM or SOLD may follow (SOLD
         * starts after one armed union), so the app asks, as it did for these spools before. */
        if (sold_paused(s) && !arm_paused(s)) st->operacion_actual = ZOP_SOLD;
    } else {
        st->estado = ZET_LIBRE;
    }
}

static void ddmm(zdate_t d, char *out, size_t n)
{
    if (d == ZDATE_NONE)
        snprintf(out, n, DASH);
    else
        snprintf(out, n, "%02d/%02d", zdate_day(d), zdate_month(d));
}

static void entry(spool_status_t *st, const char *op, const char *what, const char *worker,
                  zdate_t date, int partial)
{
    status_entry_t *e = &st->history[st->n_history++];
    snprintf(e->operation, sizeof e->operation, "%s %s", op, what);
    snprintf(e->worker, sizeof e->worker, "%s", worker[0] ? worker : DASH);
    ddmm(date, e->date, sizeof e->date);
    e->partial = partial;
}

static void derive_history(const spool_t *s, spool_status_t *st)
{
    char what[40];
    int total = s->total_uniones;
    /* ARM: skipped while its own worker holds the spool for ARM (the card shows the work). */
    int arm_live = spool_is_occupied(s) && st->operacion_actual == ZOP_ARM &&
                   strcmp(s->armador, s->ocupado_por) == 0;
    if (!arm_live) {
        int a = s->uniones_arm_done;
        if (total > 0 && a > 0 && a < total) {
            snprintf(what, sizeof what, "parcial %d/%d", a, total);
            entry(st, "ARM", what, st->armador_display, s->fecha_armado, 1);
        } else if (s->fecha_armado != ZDATE_NONE) {
            entry(st, "ARM", "completado", st->armador_display, s->fecha_armado, 0);
        }
    }
    int sold_live = spool_is_occupied(s) && st->operacion_actual == ZOP_SOLD &&
                    strcmp(s->soldador, s->ocupado_por) == 0;
    if (!sold_live) {
        int w = s->uniones_sold_done;
        /* A dated SOLD is complete even when ARM-only unions keep the count below the total
         * (the original showed such a spool as "SOLD parcial" forever). */
        if (s->fecha_soldadura != ZDATE_NONE) {
            entry(st, "SOLD", "completado", st->soldador_display, s->fecha_soldadura, 0);
        } else if (total > 0 && w > 0 && w < total) {
            snprintf(what, sizeof what, "parcial %d/%d", w, total);
            entry(st, "SOLD", what, st->soldador_display, s->fecha_soldadura, 1);
        }
    }
}

void status_derive(const spool_t *s, const worker_t *workers, size_t n_workers, spool_status_t *out)
{
    memset(out, 0, sizeof *out);
    out->spool = s;
    status_display(s->ocupado_por, workers, n_workers, out->ocupado_por_display,
                   sizeof out->ocupado_por_display);
    status_display(s->armador, workers, n_workers, out->armador_display,
                   sizeof out->armador_display);
    status_display(s->soldador, workers, n_workers, out->soldador_display,
                   sizeof out->soldador_display);
    derive_state(s, out);
    derive_history(s, out);
}
