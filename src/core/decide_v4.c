/* v4 decisions around the unions, except FINALIZAR (decide_finalizar.c): INICIAR (occupation
 * with the spool's lock, like TOMAR), guardar (the spool's union list as the UI edits it) and
 * the Notas append.
 *
 * Order of checks, as in occupation.c: operation supported → role → occupation (someone else
 * holds it: 409; the same request repeated: no-op) → the operation is not already complete →
 * prerequisites. Only then is the new spool computed. */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_int.h"
#include "core/errors.h"

void decide__union_counters(spool_t *a, const zunion_t *u, size_t n)
{
    zunion_metrics_t m;
    zunion_metrics(u, n, &m);
    a->total_uniones = (int)n;
    a->uniones_arm_done = m.arm_done;
    a->uniones_sold_done = m.sold_done;
    a->pulgadas_arm_c = m.pulgadas_arm_c;
    a->pulgadas_sold_c = m.pulgadas_sold_c;
}

/* ---- INICIAR ----------------------------------------------------------------------------- */

/* 1 when op has nothing left to do on s: its date is set and no union can take it now (or the
 * date came from spool-level work before union tracking: no union records op at all). */
static int op_already_done(const spool_t *s, const zcmd_t *cmd, zop_t op)
{
    if (*decide__op_done((spool_t *)s, op) == ZDATE_NONE) return 0;
    int legacy = op == ZOP_SOLD && zunion_legacy_sold(s, cmd->unions, cmd->n_unions);
    size_t avail = 0, recorded = 0;
    for (size_t i = 0; i < cmd->n_unions; i++) {
        const zunion_t *u = &cmd->unions[i];
        if (zunion_available(u, op, legacy)) avail++;
        if (op == ZOP_ARM ? u->arm_fin != 0 : u->sol_fin != 0) recorded++;
    }
    return avail == 0 || recorded == 0;
}

static int sold_prerequisite(const spool_t *s, const zcmd_t *cmd, zfail_t *fail)
{
    if (s->fecha_armado != ZDATE_NONE) return ZE_OK; /* spool-level ARM (v3 or legacy) */
    size_t armed = 0;
    for (size_t i = 0; i < cmd->n_unions; i++)
        if (zunion_complete(&cmd->unions[i]) && cmd->unions[i].arm_fin) armed++;
    if (armed >= 1) return ZE_OK;
    json_t *d = decide__tag_data(s, ZOP_SOLD);
    json_object_set_new(d, "unions_sin_armar", json_integer((json_int_t)cmd->n_unions));
    if (cmd->n_unions == 0)
        return zfail_set(fail, ZE_ARM_PREREQUISITE, d,
                         "No se puede iniciar SOLD: ARM no completado (Fecha_Armado vacía)");
    return zfail_set(fail, ZE_ARM_PREREQUISITE, d,
                     "No se puede iniciar SOLD: %zu/%zu uniones armadas (requiere >= 1)", armed,
                     cmd->n_unions);
}

int decide_iniciar(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    if (cmd->op == ZOP_REPARACION) {
        /* A repair is taken as tomar-reparación takes it, so its cycle stays in the text. */
        zcmd_t c = *cmd;
        c.action = ZACT_TOMAR;
        return decide_occupation(s, &c, out, fail);
    }
    decide__begin(s, cmd, out);
    out->pulgadas_c = -1;
    zop_t op = cmd->op;
    out->op = op;
    if (op == ZOP_NONE)
        return zfail_set(fail, ZE_VALIDATION_ERROR, NULL,
                         "operacion: obligatoria (ARM, SOLD o REPARACION)");
    if (op != ZOP_ARM && op != ZOP_SOLD)
        /* Metrología is instant (POST /api/metrologia/completar): nothing to occupy. */
        return decide__unavailable_fail(s, op, fail);
    int rc = decide__role_or_fail(cmd->worker, op, fail);
    if (rc != ZE_OK) return rc;

    int held_by_me = spool_is_occupied(s) && s->ocupado_worker_id == cmd->worker->id;
    if (held_by_me && s->ocupado_op == op) {
        out->noop = 1; /* double tap */
        return ZE_OK;
    }
    if (held_by_me) return decide__held_other_op_fail(s, op, "iniciar", fail);
    if (spool_is_occupied(s)) return decide__occupied_fail(s, fail);
    if (s->repair != ZREP_NONE)
        /* Rejected, in repair, repaired or blocked: the spool's work is the repair loop's. */
        return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE, decide__tag_data(s, op),
                         "La operación %s no está disponible para el spool '%s': está en el ciclo "
                         "de reparación (%s)",
                         zop_name(op), s->tag, s->estado_detalle);
    if (op_already_done(s, cmd, op))
        return zfail_set(fail, ZE_OPERACION_YA_COMPLETADA, decide__tag_data(s, op),
                         "La operación %s del spool '%s' ya fue completada. Contacta al "
                         "administrador si necesitas hacer correcciones.",
                         zop_name(op), s->tag);
    if (op == ZOP_ARM && s->fecha_materiales == ZDATE_NONE) {
        json_t *d = decide__tag_data(s, op);
        json_object_set_new(d, "dependencia_faltante", json_string("Fecha_Materiales"));
        return zfail_set(fail, ZE_DEPENDENCIAS_NO_SATISFECHAS, d,
                         "No se puede iniciar ARM en spool '%s': falta Fecha_Materiales (El spool "
                         "debe tener materiales registrados antes de ocuparlo)",
                         s->tag);
    }
    if (op == ZOP_SOLD && (rc = sold_prerequisite(s, cmd, fail)) != ZE_OK) return rc;

    spool_t *a = &out->after;
    decide__occupy(a, cmd, op);
    snprintf(decide__op_worker(a, op), ZNAME_MAX, "%s", cmd->worker->display);
    /* The operation started is in progress (even when reopened for a union added after its
     * date); the other one as the columns say (domain-v3 §4.6 pair). */
    snprintf(a->estado_detalle, sizeof a->estado_detalle, "%s trabajando %s (ARM %s, SOLD %s)",
             cmd->worker->display, zop_name(op),
             op == ZOP_ARM ? "en progreso" : zstate_word(spool_arm_state(a)),
             op == ZOP_SOLD ? "en progreso" : zstate_word(spool_sold_state(a)));
    out->lock = ZLOCK_ACQUIRE;
    json_t *m = json_object();
    json_object_set_new(m, "ocupado_por", json_string(a->ocupado_por));
    json_object_set_new(m, "fecha_ocupacion", json_string(cmd->now_text ? cmd->now_text : ""));
    json_object_set_new(m, "lock_token", json_string(a->lock_token));
    decide__event(out, "INICIAR_SPOOL", zop_name(op), "INICIAR", m);
    char estado[160];
    snprintf(estado, sizeof estado, "Ocupado por %s - %s", cmd->worker->display, zop_name(op));
    decide__live(out, cmd, "TOMAR", estado, op, NULL);
    return ZE_OK;
}

/* ---- guardar ----------------------------------------------------------------------------- */

static json_t *dn_json(int64_t c)
{
    return c > 0 ? json_real((double)c / 100.0) : json_null();
}

static json_t *tipo_json(const char *t)
{
    return t[0] ? json_string(t) : json_null();
}

/* The request row for N_UNION n, or -1 (a stored N outside 1..20 is never wanted). */
static int wanted(const int want[ZUNION_MAX + 1], int n)
{
    return n >= 1 && n <= ZUNION_MAX ? want[n] : -1;
}

static int edit_fail(const spool_t *s, int n, const char *msg, zfail_t *fail)
{
    json_t *d = decide__tag_data(s, ZOP_NONE);
    json_object_set_new(d, "n_union", json_integer(n));
    return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE, d, "%s", msg);
}

/* Validates the requested rows; want[n] = index of the row for N_UNION n (the last one wins),
 * order[] = the N_UNIONs in order of first appearance. */
static int guardar_rows(const zcmd_t *cmd, const int have[ZUNION_MAX + 1], int want[ZUNION_MAX + 1],
                        int order[ZUNION_MAX], size_t *n_order, zfail_t *fail)
{
    *n_order = 0;
    for (size_t i = 0; i < cmd->n_edits; i++) {
        const zunion_edit_t *e = &cmd->edits[i];
        if (e->n < 1 || e->n > ZUNION_MAX)
            return zfail_set(fail, ZE_VALIDATION_ERROR, NULL,
                             "unions[%zu].n_union: debe estar entre 1 y %d (es %d)", i, ZUNION_MAX,
                             e->n);
        if (e->dn_c < 0)
            return zfail_set(fail, ZE_VALIDATION_ERROR, NULL,
                             "unions[%zu].dn_union: debe ser mayor que 0 o null", i);
        /* Any known type; a row may also keep the type it already has, whatever it is. */
        int same = have[e->n] >= 0 && strcmp(cmd->unions[have[e->n]].tipo, e->tipo) == 0;
        if (e->tipo[0] && !zunion_tipo_known(e->tipo) && !same)
            return zfail_set(fail, ZE_VALIDATION_ERROR, NULL,
                             "unions[%zu].tipo_union: '%s' no es un tipo conocido (BW, SO, FILL, "
                             "BR, MIT, LET, FW, SW, TW)",
                             i, e->tipo);
        if (want[e->n] < 0) order[(*n_order)++] = e->n;
        want[e->n] = (int)i;
    }
    return ZE_OK;
}

static json_t *guardar_meta(const zoutcome_t *out, const zcmd_t *cmd, const int have[],
                            int detailed)
{
    json_t *m = json_object(), *cr = json_array(), *up = json_array(), *del = json_array();
    json_object_set_new(m, "total_uniones", json_integer(out->after.total_uniones));
    for (size_t i = 0; i < out->n_puts; i++) {
        const zunion_t *p = &out->puts[i];
        json_t *row;
        if (!detailed) {
            row = json_integer(p->n);
        } else {
            row = json_object();
            json_object_set_new(row, "n_union", json_integer(p->n));
            json_object_set_new(row, "dn_union", dn_json(p->dn_c));
            json_object_set_new(row, "tipo_union", tipo_json(p->tipo));
            if (p->version != 0) {
                const zunion_t *old = &cmd->unions[have[p->n]];
                json_object_set_new(row, "dn_anterior", dn_json(old->dn_c));
                json_object_set_new(row, "tipo_anterior", tipo_json(old->tipo));
            }
        }
        json_array_append_new(p->version == 0 ? cr : up, row);
    }
    for (size_t i = 0; i < out->n_deletes; i++)
        json_array_append_new(del, json_integer(out->deletes[i]));
    json_object_set_new(m, "created", cr);
    json_object_set_new(m, "updated", up);
    json_object_set_new(m, "deleted", del);
    return m;
}

int decide_guardar(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    decide__begin(s, cmd, out);
    out->pulgadas_c = -1;
    int have[ZUNION_MAX + 1], want[ZUNION_MAX + 1], order[ZUNION_MAX];
    size_t n_order;
    for (int i = 0; i <= ZUNION_MAX; i++)
        have[i] = want[i] = -1;
    for (size_t i = 0; i < cmd->n_unions; i++)
        if (cmd->unions[i].n >= 1 && cmd->unions[i].n <= ZUNION_MAX)
            have[cmd->unions[i].n] = (int)i;
    int rc = guardar_rows(cmd, have, want, order, &n_order, fail);
    if (rc != ZE_OK) return rc;

    /* Every refusal before anything is planned (domain-v4 §4.10). */
    for (size_t k = 0; k < n_order; k++) {
        int n = order[k];
        const zunion_edit_t *e = &cmd->edits[want[n]];
        if (have[n] < 0) continue;
        const zunion_t *u = &cmd->unions[have[n]];
        int differs = u->dn_c != e->dn_c || strcmp(u->tipo, e->tipo) != 0;
        if (differs && zunion_has_work(u)) {
            char msg[96];
            snprintf(msg, sizeof msg, "No se puede modificar union %d — tiene trabajo registrado",
                     n);
            return edit_fail(s, n, msg, fail);
        }
    }
    for (size_t i = 0; i < cmd->n_unions; i++) {
        const zunion_t *u = &cmd->unions[i];
        if (wanted(want, u->n) < 0 && zunion_has_work(u)) {
            char msg[96];
            snprintf(msg, sizeof msg,
                     "No se puede eliminar unión %d — tiene trabajo registrado (ARM/SOLD)", u->n);
            return edit_fail(s, u->n, msg, fail);
        }
    }

    /* The plan: updates, then creates (puts), then deletes; and the list as it will be. */
    zunion_t fin[ZUNION_MAX];
    size_t n_fin = 0;
    for (size_t k = 0; k < n_order; k++) {
        int n = order[k];
        const zunion_edit_t *e = &cmd->edits[want[n]];
        if (have[n] < 0) continue;
        zunion_t u = cmd->unions[have[n]];
        if (u.dn_c == e->dn_c && strcmp(u.tipo, e->tipo) == 0) continue;
        u.dn_c = e->dn_c;
        snprintf(u.tipo, sizeof u.tipo, "%s", e->tipo);
        out->puts[out->n_puts++] = u;
        out->updated++;
    }
    int creates = 0;
    for (size_t k = 0; k < n_order; k++)
        creates += have[order[k]] < 0;
    const char *ob = s->ot;
    while (*ob == ' ' || *ob == '\t')
        ob++;
    if (creates && !*ob)
        return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE, decide__tag_data(s, ZOP_NONE),
                         "Spool %s no tiene OT válido", s->tag);
    for (size_t k = 0; k < n_order; k++) {
        int n = order[k];
        if (have[n] >= 0) continue;
        const zunion_edit_t *e = &cmd->edits[want[n]];
        zunion_t u;
        memset(&u, 0, sizeof u);
        snprintf(u.tag, sizeof u.tag, "%s", s->tag);
        u.n = n;
        snprintf(u.ot, sizeof u.ot, "%s", s->ot);
        u.dn_c = e->dn_c;
        snprintf(u.tipo, sizeof u.tipo, "%s", e->tipo);
        out->puts[out->n_puts++] = u;
        out->created++;
    }
    for (size_t i = 0; i < cmd->n_unions; i++) {
        const zunion_t *u = &cmd->unions[i];
        if (wanted(want, u->n) < 0) {
            out->deletes[out->n_deletes++] = u->n;
            out->deleted++;
            continue;
        }
        fin[n_fin] = *u;
        for (size_t p = 0; p < out->n_puts; p++)
            if (out->puts[p].n == u->n) fin[n_fin] = out->puts[p];
        n_fin++;
    }
    for (size_t p = 0; p < out->n_puts; p++)
        if (out->puts[p].version == 0) fin[n_fin++] = out->puts[p];

    spool_t *a = &out->after;
    decide__union_counters(a, fin, n_fin);
    if (out->n_puts == 0 && out->n_deletes == 0 && a->total_uniones == s->total_uniones &&
        a->uniones_arm_done == s->uniones_arm_done &&
        a->uniones_sold_done == s->uniones_sold_done && a->pulgadas_arm_c == s->pulgadas_arm_c &&
        a->pulgadas_sold_c == s->pulgadas_sold_c) {
        out->noop = 1; /* the list as stored, counters already right: nothing to write */
        return ZE_OK;
    }
    json_t *m = guardar_meta(out, cmd, have, 1);
    if (!decide__metadata_fits(m)) {
        json_decref(m);
        m = guardar_meta(out, cmd, have, 0); /* only the N_UNIONs of each kind */
    }
    decide__event(out, "UNIONES_GUARDADAS", "UNIONES", "GUARDAR", m);
    json_t *x = json_object();
    json_object_set_new(x, "total_uniones", json_integer(a->total_uniones));
    decide__live(out, cmd, "UNIONES_GUARDADAS", a->estado_detalle, ZOP_NONE, x);
    return ZE_OK;
}

size_t decide_guardar_deleted(const event_rec_t *e, int out[ZUNION_MAX])
{
    if (strcmp(e->tipo, "UNIONES_GUARDADAS") != 0) return 0;
    json_t *m = json_loads(e->metadata_json, 0, NULL);
    json_t *del = json_object_get(m, "deleted");
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(del, i, v)
    {
        json_int_t k = json_integer_value(v);
        if (json_is_integer(v) && k >= 1 && k <= ZUNION_MAX && n < ZUNION_MAX) out[n++] = (int)k;
    }
    json_decref(m);
    return n;
}

/* ---- Notas ------------------------------------------------------------------------------- */

#define NOTA_MAX_CHARS 500

static size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) k++;
    return k;
}

int decide_notas(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail)
{
    /* No author given: the audit names ANONIMO with id 0 (domain-v4 §8). */
    worker_t anon;
    zcmd_t c = *cmd;
    if (!c.worker) {
        memset(&anon, 0, sizeof anon);
        snprintf(anon.display, sizeof anon.display, "ANONIMO");
        c.worker = &anon;
    }
    decide__begin(s, &c, out);
    out->pulgadas_c = -1;
    const char *t = c.texto ? c.texto : "";
    while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
        t++;
    size_t len = strlen(t);
    while (len &&
           (t[len - 1] == ' ' || t[len - 1] == '\t' || t[len - 1] == '\r' || t[len - 1] == '\n'))
        len--;
    if (len == 0)
        return zfail_set(fail, ZE_VALIDATION_ERROR, NULL,
                         "texto: el texto de la nota no puede estar vacío");
    size_t chars = utf8_chars(t, len);
    if (chars > NOTA_MAX_CHARS)
        return zfail_set(fail, ZE_VALIDATION_ERROR, NULL, "texto: máximo %d caracteres (tiene %zu)",
                         NOTA_MAX_CHARS, chars);
    /* One note, one line of the cell: a line break typed inside the text becomes a space. */
    int w = snprintf(out->notas_line, sizeof out->notas_line, "%08d: ", (int)c.today);
    size_t at = w > 0 ? (size_t)w : 0;
    for (size_t i = 0; i < len && at + 1 < sizeof out->notas_line; i++) {
        char ch = t[i];
        if (ch == '\r' && i + 1 < len && t[i + 1] == '\n') continue;
        out->notas_line[at++] = ch == '\n' || ch == '\r' ? ' ' : ch;
    }
    out->notas_line[at] = '\0';

    json_t *m = json_object();
    json_object_set_new(m, "nota", json_string(out->notas_line));
    if (!decide__metadata_fits(m)) {
        /* Only a long note of non-ASCII text gets here: the full line is in Notas; the audit
         * keeps a prefix (cut at a character boundary) and says so. */
        size_t keep = at;
        char buf[sizeof out->notas_line];
        do {
            keep -= keep / 8 + 1;
            while (keep && ((unsigned char)out->notas_line[keep] & 0xC0) == 0x80)
                keep--;
            snprintf(buf, sizeof buf, "%.*s…", (int)keep, out->notas_line);
            json_object_set_new(m, "nota", json_string(buf));
            json_object_set_new(m, "nota_truncada", json_true());
        } while (keep && !decide__metadata_fits(m));
    }
    decide__event(out, "NOTAS_ACTUALIZADA", "NOTAS", "COMPLETAR", m);
    decide__live(out, &c, "NOTAS_ACTUALIZADA", s->estado_detalle, ZOP_NONE, NULL);
    return ZE_OK;
}
