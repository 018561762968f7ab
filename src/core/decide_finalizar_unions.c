/* FINALIZAR over the spool's unions: completion and the last union of an operation, plant
 * dates of union times, the selection (ids resolved within the spool) and its checks, the
 * union writes and their audit events. */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_fin.h"
#include "core/decide_int.h"
#include "core/errors.h"

/* ---- Facts over the unions --------------------------------------------------------------- */

int64_t decide__fin_time(const zunion_t *u, zop_t op)
{
    return op == ZOP_ARM ? u->arm_fin : u->sol_fin;
}

const char *decide__fin_worker(const zunion_t *u, zop_t op)
{
    return op == ZOP_ARM ? u->arm_worker : u->sol_worker;
}

/* 1 when the union counts for op's completion: every union needs ARM; SOLD only its types. */
static int relevant(const zunion_t *u, zop_t op)
{
    return op == ZOP_ARM || zunion_tipo_needs_sold(u->tipo);
}

static int all_armed(const fin_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->u[i].arm_fin) return 0;
    return f->n > 0;
}

/* 1 when op is complete on the whole spool: ARM when every union (defined or not) is armed;
 * SOLD when every union has its type, every one that needs SOLD is welded, and there is at
 * least one of them or ARM is complete too (a spool of ARM-only unions is welded by nobody). */
int decide__fin_complete(const fin_t *f, zop_t op)
{
    if (op == ZOP_ARM) return all_armed(f);
    size_t need = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (!f->u[i].tipo[0]) return 0;
        if (!zunion_tipo_needs_sold(f->u[i].tipo)) continue;
        need++;
        if (!f->u[i].sol_fin) return 0;
    }
    return f->n > 0 && (need > 0 || all_armed(f));
}

/* The relevant union of op finished last, or NULL. */
const zunion_t *decide__fin_latest(const fin_t *f, zop_t op)
{
    const zunion_t *best = NULL;
    for (size_t i = 0; i < f->n; i++)
        if (relevant(&f->u[i], op) && decide__fin_time(&f->u[i], op) &&
            (!best || decide__fin_time(&f->u[i], op) >= decide__fin_time(best, op)))
            best = &f->u[i];
    return best;
}

/* The plant's date of a union time: the injected converter, else the UTC offset of now_text
 * (exact unless a DST change lies between t and now). */
zdate_t decide__fin_plant_date(const zcmd_t *cmd, int64_t t)
{
    if (t == cmd->now) return cmd->today;
    if (cmd->local_date) return cmd->local_date(t);
    int64_t off = 0;
    zdatetime_t dt;
    if (cmd->now_text && zdatetime_parse(cmd->now_text, &dt) == 0 && dt.date != ZDATE_NONE)
        off = zdate_to_days(dt.date) * 86400 + dt.sec_of_day - cmd->now;
    int64_t local = t + off;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return zdate_from_days(days);
}

/* "001+7, 001+9" of the given wire ids, into out. */
static void id_list(const char *const *ids, size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(out);
        if (k + 1 >= cap) break;
        snprintf(out + k, cap - k, "%s%s", i ? ", " : "", ids[i]);
    }
}

static int union_fail(const fin_t *f, int code, const char *id, const char *msg, zfail_t *fail)
{
    json_t *d = decide__tag_data(f->s, f->op);
    json_object_set_new(d, "union_id", json_string(id));
    return zfail_set(fail, code, d, "%s", msg);
}

/* ---- The selection ----------------------------------------------------------------------- */

int decide__fin_select(fin_t *f, zfail_t *fail)
{
    const zcmd_t *cmd = f->cmd;
    const char *unknown[ZUNION_MAX];
    size_t n_unknown = 0, n_unknown_all = 0;
    for (size_t i = 0; i < cmd->n_selected; i++) {
        int ix = zunion_find_id(f->u, f->n, cmd->selected[i]);
        if (ix < 0) {
            if (n_unknown < ZUNION_MAX)
                unknown[n_unknown++] = cmd->selected[i] ? cmd->selected[i] : "";
            n_unknown_all++;
            continue;
        }
        int dup = 0; /* the same union twice is one union */
        for (size_t k = 0; k < f->n_pick; k++)
            dup |= f->pick[k] == ix;
        if (!dup) f->pick[f->n_pick++] = ix;
    }
    if (n_unknown_all) {
        char list[400];
        id_list(unknown, n_unknown, list, sizeof list);
        json_t *d = decide__tag_data(f->s, f->op), *ids = json_array();
        for (size_t i = 0; i < n_unknown; i++)
            json_array_append_new(ids, json_string(unknown[i]));
        json_object_set_new(d, "union_ids", ids);
        return zfail_set(fail, ZE_BAD_REQUEST, d, "Uniones no encontradas en el spool '%s': %s%s",
                         f->s->tag, list, n_unknown_all > n_unknown ? ", …" : "");
    }
    /* ARM-only unions (FW, MIT, ...) selected for SOLD are dropped from the selection: the
     * current app's "select all" offers them (api-v4v5 §5 item 10); counting them made the
     * original answer 409. Only a selection of nothing but ARM-only unions is refused. */
    size_t kept = 0, dropped = 0;
    const zunion_t *first_dropped = NULL;
    for (size_t k = 0; k < f->n_pick; k++) {
        const zunion_t *u = &f->u[f->pick[k]];
        if (f->op == ZOP_SOLD && zunion_complete(u) && !zunion_tipo_needs_sold(u->tipo)) {
            if (!dropped++) first_dropped = u;
            continue;
        }
        f->pick[kept++] = f->pick[k];
    }
    f->n_pick = kept;
    if (dropped && !kept) {
        char id[ZOT_MAX + 8], msg[ZOT_MAX + 160];
        zunion_id(first_dropped, id, sizeof id);
        snprintf(msg, sizeof msg, "La unión %s es de tipo %s: no lleva SOLD (solo ARM)", id,
                 first_dropped->tipo);
        return union_fail(f, ZE_OPERACION_NO_DISPONIBLE, id, msg, fail);
    }
    /* Unions that cannot take this operation at all: the request is wrong, not late. */
    for (size_t k = 0; k < f->n_pick; k++) {
        const zunion_t *u = &f->u[f->pick[k]];
        char id[ZOT_MAX + 8], msg[ZOT_MAX + 160];
        zunion_id(u, id, sizeof id);
        if (!zunion_complete(u)) {
            snprintf(msg, sizeof msg,
                     "La unión %s no tiene DN y TIPO definidos: guárdala "
                     "completa antes de registrar trabajo",
                     id);
            return union_fail(f, ZE_OPERACION_NO_DISPONIBLE, id, msg, fail);
        }
        if (f->op == ZOP_SOLD && !zunion_tipo_needs_sold(u->tipo)) {
            snprintf(msg, sizeof msg, "La unión %s es de tipo %s: no lleva SOLD (solo ARM)", id,
                     u->tipo);
            return union_fail(f, ZE_OPERACION_NO_DISPONIBLE, id, msg, fail);
        }
        if (f->op == ZOP_SOLD && !u->arm_fin && !f->legacy) {
            snprintf(msg, sizeof msg,
                     "No se puede registrar SOLD en la unión %s: falta ARM (la "
                     "unión debe armarse antes de soldarse)",
                     id);
            return union_fail(f, ZE_DEPENDENCIAS_NO_SATISFECHAS, id, msg, fail);
        }
    }
    size_t avail = 0;
    for (size_t i = 0; i < f->n; i++)
        avail += (size_t)zunion_available(&f->u[i], f->op, f->legacy);
    if (f->n_pick > avail) {
        json_t *d = decide__tag_data(f->s, ZOP_NONE);
        return zfail_set(
            fail, ZE_RACE_CONDITION, d,
            "Race condition detected: %zu unions selected but only %zu available for %s", f->n_pick,
            avail, zop_name(f->op));
    }
    for (size_t k = 0; k < f->n_pick; k++)
        if (!zunion_available(&f->u[f->pick[k]], f->op, f->legacy)) {
            json_t *d = decide__tag_data(f->s, ZOP_NONE);
            char id[ZOT_MAX + 8];
            zunion_id(&f->u[f->pick[k]], id, sizeof id);
            json_object_set_new(d, "union_id", json_string(id));
            return zfail_set(fail, ZE_RACE_CONDITION, d,
                             "Race condition: some unions no longer available for '%s'", f->s->tag);
        }
    return ZE_OK;
}

void decide__fin_select_all(fin_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (zunion_available(&f->u[i], f->op, f->legacy)) f->pick[f->n_pick++] = (int)i;
}

/* The union writes: worker, start of the occupation session, now. */
void decide__fin_write(fin_t *f)
{
    const zcmd_t *cmd = f->cmd;
    int64_t inicio = f->s->fecha_ocupacion > 0 ? f->s->fecha_ocupacion : cmd->now;
    for (size_t k = 0; k < f->n_pick; k++) {
        zunion_t *u = &f->u[f->pick[k]];
        if (f->op == ZOP_ARM) {
            snprintf(u->arm_worker, sizeof u->arm_worker, "%s", cmd->worker->display);
            u->arm_inicio = inicio;
            u->arm_fin = cmd->now;
        } else {
            snprintf(u->sol_worker, sizeof u->sol_worker, "%s", cmd->worker->display);
            u->sol_inicio = inicio;
            u->sol_fin = cmd->now;
        }
        f->out->puts[f->out->n_puts++] = *u;
    }
}

/* ---- Events ------------------------------------------------------------------------------ */

static json_t *union_batch_meta(const fin_t *f, size_t max_ids)
{
    int64_t pd = 0;
    json_t *ids = json_array();
    for (size_t k = 0; k < f->n_pick; k++) {
        const zunion_t *u = &f->u[f->pick[k]];
        pd += u->dn_c;
        char id[ZOT_MAX + 8];
        zunion_id(u, id, sizeof id);
        if (k < max_ids) json_array_append_new(ids, json_string(id));
    }
    json_t *m = json_object();
    json_object_set_new(m, "union_count", json_integer((json_int_t)f->n_pick));
    json_object_set_new(m, "pulgadas", json_real((double)((pd + 5) / 10) / 10.0)); /* 1 decimal */
    json_object_set_new(m, "union_ids", ids);
    if (max_ids < f->n_pick) json_object_set_new(m, "union_ids_truncado", json_true());
    return m;
}

void decide__fin_union_events(fin_t *f)
{
    if (!f->n_pick) return;
    const char *tipo = f->op == ZOP_ARM ? "UNION_ARM_REGISTRADA" : "UNION_SOLD_REGISTRADA";
    size_t max = f->n_pick;
    json_t *m = union_batch_meta(f, max);
    while (max > 0 && !decide__metadata_fits(m)) {
        json_decref(m);
        m = union_batch_meta(f, --max);
    }
    decide__event_set(decide__event_next(f->out), tipo, zop_name(f->op), "COMPLETAR", m);
    for (size_t k = 0; k < f->n_pick; k++) {
        const zunion_t *u = &f->u[f->pick[k]];
        event_rec_t *e = decide__event_next(f->out);
        if (!e) break; /* cannot happen: 1 + ZUNION_MAX + 2 slots */
        char id[ZOT_MAX + 8];
        zunion_id(u, id, sizeof id);
        json_t *um = json_object();
        json_object_set_new(um, "union_id", json_string(id));
        decide__event_set(e, tipo, zop_name(f->op), "COMPLETAR", um);
        e->n_union = u->n;
    }
}
