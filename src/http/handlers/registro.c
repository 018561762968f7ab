/* GET /api/registro/{worker_id}?fecha=DD-MM-YYYY: Mi Registro, the unions one worker registered
 * on one day grouped by spool and operation, with their PD (core/registro.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dates.h"
#include "core/errors.h"
#include "core/registro.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/tz.h"

typedef struct mine {
    int64_t worker_id;
    zunion_t *v;
    size_t n, cap;
} mine_t;

/* Keeps only the unions this worker worked on: Mi Registro never needs the others, and the
 * whole Uniones sheet of a plant would not fit a request's memory budget. */
static int collect(void *ud, const zunion_t *u)
{
    mine_t *m = ud;
    if (registro_worker_id(u->arm_worker) != m->worker_id &&
        registro_worker_id(u->sol_worker) != m->worker_id)
        return 0;
    if (m->n == m->cap) m->v = xrealloc(m->v, (m->cap = m->cap ? m->cap * 2 : 32) * sizeof *m->v);
    m->v[m->n++] = *u;
    return 0;
}

static json_t *pd_json(int64_t c) { return json_real((double)c / 100.0); }

static json_t *when_json(int64_t t)
{
    if (!t) return json_null();
    char s[32];
    tz_format_dmy_hms(t, s, sizeof s);
    return json_string(s);
}

static int parse_fecha(const char *s, zdate_t *out)
{
    if (strlen(s) != 10 || s[2] != '-' || s[5] != '-') return -1;
    for (int i = 0; i < 10; i++)
        if (i != 2 && i != 5 && !isdigit((unsigned char)s[i])) return -1;
    return zdate_parse_request(s, out);
}

int h_registro(req_t *r)
{
    char *end;
    long long id = strtoll(r->param, &end, 10);
    if (!r->param[0] || *end || id < 1 || id > 999999999999LL) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("worker_id"));
        return reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'worker_id': debe ser un entero mayor que 0");
    }
    zdate_t fecha = tz_date(r->now);
    const char *q = req_query(r, "fecha");
    if (q && *q && parse_fecha(q, &fecha) != 0) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("fecha"));
        return reply_error(r, ZE_VALIDATION_ERROR, d,
                           "Campo 'fecha': debe ser una fecha DD-MM-YYYY válida");
    }
    worker_t w;
    if (worker_or_reply(r, id, NULL, &w) != 0) return 0;
    mine_t m = {.worker_id = id};
    if (!r->app->store->ops->unions_foreach ||
        r->app->store->ops->unions_foreach(r->app->store, collect, &m) != ZE_OK) {
        free(m.v);
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer la hoja Uniones");
    }
    registro_t reg;
    registro_init(&reg, m.v, m.n, id, fecha, tz_date);
    char fecha_s[16];
    zdate_format_dmy(fecha, fecha_s, sizeof fecha_s);

    json_t *groups = json_array();
    json_t **lists = xcalloc(reg.n_groups ? reg.n_groups : 1, sizeof *lists);
    for (size_t g = 0; g < reg.n_groups; g++) {
        const registro_group_t *gr = &reg.groups[g];
        json_t *o = json_object();
        json_object_set_new(o, "tag_spool", json_string(gr->tag));
        json_object_set_new(o, "operacion", json_string(zop_name(gr->op)));
        lists[g] = json_array();
        json_object_set_new(o, "uniones", lists[g]);
        json_object_set_new(o, "pd_total", pd_json(gr->pd_total_c));
        json_object_set_new(o, "otro_trabajador", json_string(gr->otro_trabajador));
        json_array_append_new(groups, o);
    }
    for (size_t i = 0; i < reg.n_recs; i++) {
        const registro_rec_t *rec = &reg.recs[i];
        const zunion_t *u = rec->u;
        int arm = rec->op == ZOP_ARM;
        json_t *o = json_object();
        json_object_set_new(o, "n_union", json_integer(u->n));
        json_object_set_new(o, "dn_union", u->dn_c > 0 ? pd_json(u->dn_c) : json_null());
        json_object_set_new(o, "tipo_union", u->tipo[0] ? json_string(u->tipo) : json_null());
        json_object_set_new(o, "fecha_inicio", when_json(arm ? u->arm_inicio : u->sol_inicio));
        json_object_set_new(o, "fecha_fin", when_json(arm ? u->arm_fin : u->sol_fin));
        json_array_append_new(lists[rec->group], o);
    }
    json_t *res = json_object();
    json_object_set_new(res, "fecha", json_string(fecha_s));
    json_object_set_new(res, "pd_total", pd_json(reg.pd_total_c));
    json_object_set_new(res, "total_uniones", json_integer((json_int_t)reg.n_recs));
    json_object_set_new(res, "total_spools", json_integer((json_int_t)reg.total_spools));
    json_t *o = json_object();
    json_object_set_new(o, "worker_id", json_integer(id));
    json_object_set_new(o, "worker_nombre", json_string(w.display));
    json_object_set_new(o, "fecha", json_string(fecha_s));
    json_object_set_new(o, "resumen", res);
    json_object_set_new(o, "spools", groups);
    reply_json(r, 200, o);
    free(lists);
    registro_deinit(&reg);
    free(m.v);
    return 0;
}
