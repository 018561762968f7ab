/* Spool and worker JSON objects. */
#include "core/json_map.h"

#include <stdlib.h>

#include "core/dates.h"

const char *json_map_action_status(zstate_t st)
{
    switch (st) {
    case ZST_PENDIENTE: return "PENDIENTE";
    case ZST_EN_PROGRESO:
    case ZST_PAUSADO: return "EN_PROGRESO";
    case ZST_COMPLETADO: return "COMPLETADO";
    }
    return "PENDIENTE";
}

const char *json_map_repair_id(zrepair_t r)
{
    switch (r) {
    case ZREP_NONE: return "";
    case ZREP_RECHAZADO: return "rechazado";
    case ZREP_EN_REPARACION: return "en_reparacion";
    case ZREP_PAUSADA: return "reparacion_pausada";
    case ZREP_PENDIENTE_METROLOGIA: return "pendiente_metrologia";
    case ZREP_BLOQUEADO: return "bloqueado";
    }
    return "";
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *date_or_null(zdate_t d)
{
    if (d == ZDATE_NONE) return json_null();
    char buf[16];
    zdate_format_iso(d, buf, sizeof buf);
    return json_string(buf);
}

static json_t *count_or_null(int v) { return v < 0 ? json_null() : json_integer(v); }

static json_t *pd_or_null(int64_t c) { return c < 0 ? json_null() : json_real((double)c / 100.0); }

json_t *json_map_spool(const spool_t *s, const char *fecha_ocupacion)
{
    json_t *o = json_object();
    zstate_t arm = spool_arm_state(s), sold = spool_sold_state(s);
    json_object_set_new(o, "tag_spool", json_string(s->tag));
    json_object_set_new(o, "nv", str_or_null(s->nv));
    json_object_set_new(o, "arm", json_string(json_map_action_status(arm)));
    json_object_set_new(o, "sold", json_string(json_map_action_status(sold)));
    json_object_set_new(o, "fecha_materiales", date_or_null(s->fecha_materiales));
    json_object_set_new(o, "fecha_armado", date_or_null(s->fecha_armado));
    json_object_set_new(o, "fecha_soldadura", date_or_null(s->fecha_soldadura));
    json_object_set_new(o, "fecha_qc_metrologia", date_or_null(s->fecha_qc));
    json_object_set_new(o, "armador", str_or_null(s->armador));
    json_object_set_new(o, "soldador", str_or_null(s->soldador));
    json_object_set_new(o, "proyecto", json_null());
    json_object_set_new(o, "ocupado_por", str_or_null(s->ocupado_por));
    json_object_set_new(o, "fecha_ocupacion", str_or_null(fecha_ocupacion));
    json_object_set_new(o, "version", json_integer(s->version));
    json_object_set_new(o, "estado_detalle", str_or_null(s->estado_detalle));
    json_object_set_new(o, "operacion_actual", str_or_null(zop_name(s->ocupado_op)));
    json_object_set_new(o, "arm_estado", json_string(zstate_id(arm)));
    json_object_set_new(o, "sold_estado", json_string(zstate_id(sold)));
    const char *met = s->metrologia == ZMET_APROBADO    ? "APROBADO"
                      : s->metrologia == ZMET_RECHAZADO ? "RECHAZADO"
                                                        : NULL;
    json_object_set_new(o, "metrologia", str_or_null(met));
    json_object_set_new(o, "reparacion", str_or_null(json_map_repair_id(s->repair)));
    json_object_set_new(o, "cycle", json_integer(s->repair_cycle));
    json_object_set_new(o, "bloqueado", json_boolean(s->repair == ZREP_BLOQUEADO));
    /* The current app's keys (api-v4v5 §2.4), after the v3 ones: the same object serves both. */
    json_object_set_new(o, "ot", str_or_null(s->ot));
    json_object_set_new(o, "total_uniones", count_or_null(s->total_uniones));
    json_object_set_new(o, "uniones_arm_completadas", count_or_null(s->uniones_arm_done));
    json_object_set_new(o, "uniones_sold_completadas", count_or_null(s->uniones_sold_done));
    json_object_set_new(o, "pulgadas_arm", pd_or_null(s->pulgadas_arm_c));
    json_object_set_new(o, "pulgadas_sold", pd_or_null(s->pulgadas_sold_c));
    return o;
}

json_t *json_map_spool_status(const spool_status_t *st, const char *fecha_ocupacion)
{
    const spool_t *s = st->spool;
    json_t *o = json_object();
    json_object_set_new(o, "tag_spool", json_string(s->tag));
    json_object_set_new(o, "nv", str_or_null(s->nv));
    json_object_set_new(o, "ocupado_por", str_or_null(s->ocupado_por));
    json_object_set_new(o, "ocupado_por_display", str_or_null(st->ocupado_por_display));
    json_object_set_new(o, "fecha_ocupacion",
                        spool_is_occupied(s) ? str_or_null(fecha_ocupacion) : json_null());
    json_object_set_new(o, "estado_detalle", str_or_null(s->estado_detalle));
    json_object_set_new(o, "total_uniones", count_or_null(s->total_uniones));
    json_object_set_new(o, "uniones_arm_completadas", count_or_null(s->uniones_arm_done));
    json_object_set_new(o, "uniones_sold_completadas", count_or_null(s->uniones_sold_done));
    json_object_set_new(o, "pulgadas_arm", pd_or_null(s->pulgadas_arm_c));
    json_object_set_new(o, "pulgadas_sold", pd_or_null(s->pulgadas_sold_c));
    json_t *h = json_array();
    for (size_t i = 0; i < st->n_history; i++) {
        const status_entry_t *e = &st->history[i];
        json_t *x = json_object();
        json_object_set_new(x, "operation", json_string(e->operation));
        json_object_set_new(x, "worker", json_string(e->worker));
        json_object_set_new(x, "date", json_string(e->date));
        json_object_set_new(x, "kind", json_string(e->partial ? "partial" : "complete"));
        json_array_append_new(h, x);
    }
    json_object_set_new(o, "completion_history", h);
    json_object_set_new(o, "fecha_armado", date_or_null(s->fecha_armado));
    json_object_set_new(o, "armador_display", str_or_null(st->armador_display));
    json_object_set_new(o, "fecha_soldadura", date_or_null(s->fecha_soldadura));
    json_object_set_new(o, "soldador_display", str_or_null(st->soldador_display));
    json_object_set_new(o, "operacion_actual", str_or_null(zop_name(st->operacion_actual)));
    json_object_set_new(o, "estado_trabajo", json_string(status_estado_name(st->estado)));
    json_object_set_new(o, "ciclo_rep", st->ciclo_rep < 0 ? json_null() : json_integer(st->ciclo_rep));
    return o;
}

json_t *json_map_worker(const worker_t *w)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(w->id));
    json_object_set_new(o, "nombre", json_string(w->nombre));
    json_object_set_new(o, "apellido", json_string(w->apellido));
    json_object_set_new(o, "rol", json_string(w->rol[0] ? w->rol : "Ayudante"));
    json_t *roles = json_array();
    for (int i = 0; i < w->roles_count; i++)
        json_array_append_new(roles, json_string(zrole_name(w->roles_order[i])));
    json_object_set_new(o, "roles", roles);
    json_object_set_new(o, "activo", json_boolean(w->activo));
    json_object_set_new(o, "nombre_completo", json_string(w->display));
    return o;
}

char *json_map_dumps_python(const json_t *v)
{
    /* 15 significant digits: what Python's repr prints for the 2-decimal PD values (12.3, not
     * 12.300000000000001). */
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
    if (!s) return NULL;
    /* jansson writes \u00F3; Python writes \u00f3. Escapes are the only place a backslash is
     * followed by 'u' in the output, and an escaped backslash is skipped as a pair. */
    for (char *p = s; *p; p++) {
        if (*p != '\\') continue;
        if (p[1] == 'u') {
            for (int i = 2; i < 6 && p[i]; i++)
                if (p[i] >= 'A' && p[i] <= 'F') p[i] = (char)(p[i] - 'A' + 'a');
            p += 5;
        } else if (p[1]) {
            p++;
        }
    }
    return s;
}
