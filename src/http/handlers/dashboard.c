/* GET /api/dashboard/occupied (who has what, newest first), /api/dashboard/summary (counts
 * per state and per operation for wall screens) and /api/dashboard/pd-hoy (the plant's PD of
 * today per operation, from the unions). Read straight from the store: a write is visible to
 * the next read (no cache). */
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/json_map.h"
#include "core/spool.h"
#include "core/unions.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/tz.h"

static int collect_occupied(void *ud, const spool_t *s)
{
    if (!spool_is_occupied(s)) return 0;
    json_t *o = json_object();
    char fecha[32] = "N/A";
    if (s->fecha_ocupacion) tz_format_dmy_hms(s->fecha_ocupacion, fecha, sizeof fecha);
    json_object_set_new(o, "tag_spool", json_string(s->tag));
    json_object_set_new(o, "worker_nombre", json_string(s->ocupado_por));
    json_object_set_new(o, "estado_detalle", json_string(s->estado_detalle[0] ? s->estado_detalle : "Ocupado"));
    json_object_set_new(o, "fecha_ocupacion", json_string(fecha));
    json_object_set_new(o, "operacion", json_string(zop_name(s->ocupado_op)));
    json_object_set_new(o, "worker_id", json_integer(s->ocupado_worker_id));
    json_object_set_new(o, "nv", s->nv[0] ? json_string(s->nv) : json_null());
    json_object_set_new(o, "desde", json_integer(s->fecha_ocupacion));
    json_array_append_new(ud, o);
    return 0;
}

static int newest_first(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "desde"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "desde"));
    return x < y ? 1 : x > y ? -1 : 0;
}

int h_dashboard_occupied(req_t *r)
{
    json_t *arr = json_array();
    if (r->app->store->ops->spool_foreach(r->app->store, collect_occupied, arr) != ZE_OK) {
        json_decref(arr);
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "Failed to read occupied spools: store unavailable");
    }
    /* Sorted by the start of the occupation, newest first (the original only reversed rows). */
    size_t n = json_array_size(arr);
    json_t **items = calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = json_incref(json_array_get(arr, i));
    qsort(items, n, sizeof *items, newest_first);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(sorted, items[i]);
    free(items);
    json_decref(arr);
    return reply_json(r, 200, sorted);
}

typedef struct counts {
    int total, ocupados, disponibles;
    int arm[4], sold[4];
    int ocupados_op[5];
    int met_pendiente, met_aprobado, met_rechazado;
    int rep[6];
    int sin_materiales;
} counts_t;

static int count(void *ud, const spool_t *s)
{
    counts_t *c = ud;
    c->total++;
    if (spool_is_occupied(s)) {
        c->ocupados++;
        if ((int)s->ocupado_op >= 0 && (int)s->ocupado_op < 5) c->ocupados_op[s->ocupado_op]++;
    } else {
        c->disponibles++;
    }
    c->arm[spool_arm_state(s)]++;
    c->sold[spool_sold_state(s)]++;
    if (s->fecha_materiales == ZDATE_NONE) c->sin_materiales++;
    if (s->metrologia == ZMET_APROBADO) c->met_aprobado++;
    else if (s->metrologia == ZMET_RECHAZADO) c->met_rechazado++;
    else if (s->fecha_soldadura != ZDATE_NONE) c->met_pendiente++;
    if ((int)s->repair >= 0 && (int)s->repair < 6) c->rep[s->repair]++;
    return 0;
}

static json_t *states(const int v[4])
{
    json_t *o = json_object();
    for (int i = 0; i < 4; i++) json_object_set_new(o, zstate_id((zstate_t)i), json_integer(v[i]));
    return o;
}

int h_dashboard_summary(req_t *r)
{
    counts_t c;
    memset(&c, 0, sizeof c);
    if (r->app->store->ops->spool_foreach(r->app->store, count, &c) != ZE_OK)
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Operaciones");
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(c.total));
    json_object_set_new(o, "ocupados", json_integer(c.ocupados));
    json_object_set_new(o, "disponibles", json_integer(c.disponibles));
    json_t *pe = json_object();
    json_object_set_new(pe, "sin_materiales", json_integer(c.sin_materiales));
    json_object_set_new(pe, "metrologia_pendiente", json_integer(c.met_pendiente));
    json_object_set_new(pe, "metrologia_aprobado", json_integer(c.met_aprobado));
    json_object_set_new(pe, "metrologia_rechazado", json_integer(c.met_rechazado));
    json_object_set_new(pe, "en_reparacion", json_integer(c.rep[ZREP_EN_REPARACION]));
    json_object_set_new(pe, "reparacion_pausada", json_integer(c.rep[ZREP_PAUSADA]));
    json_object_set_new(pe, "pendiente_reparacion", json_integer(c.rep[ZREP_RECHAZADO]));
    json_object_set_new(pe, "bloqueados", json_integer(c.rep[ZREP_BLOQUEADO]));
    json_object_set_new(o, "por_estado", pe);
    json_t *po = json_object();
    for (int i = 1; i < 5; i++) json_object_set_new(po, zop_name((zop_t)i), json_integer(c.ocupados_op[i]));
    json_object_set_new(o, "por_operacion", po);
    json_object_set_new(o, "arm", states(c.arm));
    json_object_set_new(o, "sold", states(c.sold));
    return reply_json(r, 200, o);
}

/* ---- PD of today ---- */

typedef struct pd_hoy {
    int64_t from, to; /* [from, to): today in the plant's zone, unix seconds */
    int64_t arm_c, sold_c;
    int arm_n, sold_n;
} pd_hoy_t;

static int sum_today(void *ud, const zunion_t *u)
{
    pd_hoy_t *p = ud;
    if (u->arm_fin >= p->from && u->arm_fin < p->to) {
        p->arm_c += u->dn_c;
        p->arm_n++;
    }
    if (u->sol_fin >= p->from && u->sol_fin < p->to) {
        p->sold_c += u->dn_c;
        p->sold_n++;
    }
    return 0;
}

/* The wall's "PD hoy": the sum of DN_UNION over the unions whose ARM (resp. SOLD) was
 * registered today, plant date (a union counts on the day its *_FECHA_FIN falls, whoever did
 * it). One pass over the unions instead of one Mi Registro call per worker; the day's bounds
 * are computed once so no union needs a time-zone conversion. */
int h_dashboard_pd_hoy(req_t *r)
{
    zdate_t today = tz_date(r->now);
    pd_hoy_t p;
    memset(&p, 0, sizeof p);
    p.from = tz_from_local(today, 0);
    p.to = tz_from_local(zdate_from_days(zdate_to_days(today) + 1), 0);
    if (!r->app->store->ops->unions_foreach ||
        r->app->store->ops->unions_foreach(r->app->store, sum_today, &p) != ZE_OK)
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Uniones");
    char fecha[16];
    zdate_format_dmy(today, fecha, sizeof fecha);
    json_t *o = json_object();
    json_object_set_new(o, "fecha", json_string(fecha));
    json_object_set_new(o, "arm", json_real((double)p.arm_c / 100.0));
    json_object_set_new(o, "sold", json_real((double)p.sold_c / 100.0));
    json_object_set_new(o, "uniones_arm", json_integer(p.arm_n));
    json_object_set_new(o, "uniones_sold", json_integer(p.sold_n));
    return reply_json(r, 200, o);
}
