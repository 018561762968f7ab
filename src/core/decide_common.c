/* Pieces shared by every decision: failures, the audit event, the live payloads, and the common
 * guards (role, occupant). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/decide_int.h"
#include "core/errors.h"
#include "core/estado.h"
#include "core/json_map.h"
#include "core/machines.h"

void zfail_clear(zfail_t *fail)
{
    if (!fail) return;
    json_decref(fail->data);
    fail->data = NULL;
}

int zfail_set(zfail_t *fail, int code, json_t *data, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail->message, sizeof fail->message, fmt, ap);
    va_end(ap);
    fail->code = code;
    json_decref(fail->data);
    fail->data = data;
    return code;
}

json_t *decide__tag_data(const spool_t *s, zop_t op)
{
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(s->tag));
    if (op != ZOP_NONE) json_object_set_new(d, "operacion", json_string(zop_name(op)));
    return d;
}

void decide__begin(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out)
{
    memset(out, 0, sizeof *out);
    out->after = *s;
    event_rec_t *e = &out->event;
    snprintf(e->id, sizeof e->id, "%s", cmd->event_id ? cmd->event_id : "");
    e->ts = cmd->now;
    snprintf(e->tag, sizeof e->tag, "%s", s->tag);
    e->worker_id = cmd->worker->id;
    snprintf(e->worker_nombre, sizeof e->worker_nombre, "%s", cmd->worker->display);
    e->fecha_operacion = cmd->today;
}

/* Python json.dumps defaults: ", " and ": " separators, non-ASCII escaped. */
static char *metadata_text(const json_t *metadata) { return json_map_dumps_python(metadata); }

int decide__metadata_fits(const json_t *metadata)
{
    char *m = metadata_text(metadata);
    int ok = m && strlen(m) < ZEVENT_JSON_MAX;
    free(m);
    return ok;
}

void decide__event_set(event_rec_t *e, const char *tipo, const char *operacion, const char *accion,
                       json_t *metadata)
{
    snprintf(e->tipo, sizeof e->tipo, "%s", tipo);
    snprintf(e->operacion, sizeof e->operacion, "%s", operacion);
    snprintf(e->accion, sizeof e->accion, "%s", accion);
    e->metadata_json[0] = '\0';
    if (metadata) {
        char *m = metadata_text(metadata);
        /* Never a cut JSON text in the audit log: what does not fit says so. */
        if (m && strlen(m) < sizeof e->metadata_json) memcpy(e->metadata_json, m, strlen(m) + 1);
        else if (m)
            snprintf(e->metadata_json, sizeof e->metadata_json, "{\"metadata_truncada\": true}");
        free(m);
        json_decref(metadata);
    }
}

void decide__event(zoutcome_t *out, const char *tipo, const char *operacion, const char *accion,
                   json_t *metadata)
{
    decide__event_set(&out->event, tipo, operacion, accion, metadata);
}

/* The id of the k-th event of one change (k >= 1): the change's uuid with its last three hex
 * digits XOR k, so the ids of one change differ from each other and stay uuid-shaped. */
static void derived_id(const char *base, size_t k, char *out, size_t n)
{
    snprintf(out, n, "%s", base);
    size_t len = strlen(out);
    unsigned v = 0;
    int hex = len >= 3;
    for (size_t i = len >= 3 ? len - 3 : 0; hex && i < len; i++) {
        char c = out[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) hex = 0;
        else v = v * 16 + (unsigned)d;
    }
    if (!hex) {
        size_t m = strlen(out);
        snprintf(out + m, n - m, ".%zu", k);
        return;
    }
    v ^= (unsigned)k & 0xFFFu;
    snprintf(out + len - 3, n - (len - 3), "%03x", v);
}

event_rec_t *decide__event_next(zoutcome_t *out)
{
    if (!out->event.tipo[0]) return &out->event;
    if (out->n_more >= ZOUT_MORE_EVENTS) return NULL;
    event_rec_t *e = &out->more[out->n_more++];
    memset(e, 0, sizeof *e);
    derived_id(out->event.id, out->n_more, e->id, sizeof e->id);
    e->ts = out->event.ts;
    snprintf(e->tag, sizeof e->tag, "%s", out->event.tag);
    e->worker_id = out->event.worker_id;
    snprintf(e->worker_nombre, sizeof e->worker_nombre, "%s", out->event.worker_nombre);
    e->fecha_operacion = out->event.fecha_operacion;
    return e;
}

void decide__live_to(zoutcome_t *out, event_rec_t *e, const zcmd_t *cmd, const char *type,
                     const char *estado, zop_t op, json_t *extra)
{
    json_t *p = json_object();
    const char *worker = cmd->worker->display;
    json_object_set_new(p, "type", json_string(type));
    json_object_set_new(p, "event_type", json_string(type));
    json_object_set_new(p, "tag_spool", json_string(out->after.tag));
    json_object_set_new(p, "worker", json_string(worker));
    json_object_set_new(p, "worker_nombre", json_string(worker));
    json_object_set_new(p, "estado_detalle", json_string(estado));
    json_object_set_new(p, "operacion", json_string(zop_name(op)));
    json_object_set_new(p, "timestamp", json_string(cmd->now_text ? cmd->now_text : ""));
    json_object_set_new(p, "estado_actual", json_string(out->after.estado_detalle));
    json_object_set_new(p, "ocupado_por", out->after.ocupado_por[0]
                                              ? json_string(out->after.ocupado_por)
                                              : json_null());
    if (extra) {
        json_object_update(p, extra);
        json_decref(extra);
    }
    /* live_json holds every payload of the change, as one JSON array. */
    json_t *arr = e->live_json[0] ? json_loads(e->live_json, 0, NULL) : NULL;
    if (!arr) arr = json_array();
    json_array_append_new(arr, p);
    char *s = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (s && strlen(s) < sizeof e->live_json) memcpy(e->live_json, s, strlen(s) + 1);
    free(s);
    json_decref(arr);
}

void decide__live(zoutcome_t *out, const zcmd_t *cmd, const char *type, const char *estado,
                  zop_t op, json_t *extra)
{
    decide__live_to(out, &out->event, cmd, type, estado, op, extra);
}

int decide__role_or_fail(const worker_t *w, zop_t op, zfail_t *fail)
{
    unsigned need = zop_required_roles(op);
    if (w->roles & need) return ZE_OK;
    char want[64] = "", have[160] = "";
    for (int i = 0; i < ZROLE_COUNT; i++)
        if (need & (1u << i)) {
            size_t n = strlen(want);
            snprintf(want + n, sizeof want - n, "%s%s", n ? " o " : "", zrole_name(i));
        }
    json_t *roles = json_array();
    for (int i = 0; i < w->roles_count; i++) {
        size_t n = strlen(have);
        const char *r = zrole_name(w->roles_order[i]);
        snprintf(have + n, sizeof have - n, "%s%s", n ? ", " : "", r);
        json_array_append_new(roles, json_string(r));
    }
    json_t *d = json_object();
    json_object_set_new(d, "worker_id", json_integer(w->id));
    json_object_set_new(d, "operacion", json_string(zop_name(op)));
    json_object_set_new(d, "rol_requerido", json_string(want));
    json_object_set_new(d, "roles_actuales", roles);
    if (have[0])
        return zfail_set(fail, ZE_ROL_NO_AUTORIZADO, d,
                         "Trabajador %lld no tiene el rol '%s' necesario para realizar la "
                         "operación '%s'. Roles actuales: %s",
                         (long long)w->id, want, zop_name(op), have);
    return zfail_set(fail, ZE_ROL_NO_AUTORIZADO, d,
                     "Trabajador %lld no tiene el rol '%s' necesario para realizar la operación '%s'",
                     (long long)w->id, want, zop_name(op));
}

int decide__unavailable_fail(const spool_t *s, zop_t op, zfail_t *fail)
{
    return zfail_set(fail, ZE_OPERACION_NO_DISPONIBLE, decide__tag_data(s, op),
                     "La operación %s no está disponible para el spool '%s'. Verifica el estado "
                     "actual del spool.",
                     zop_name(op), s->tag);
}

int decide__held_other_op_fail(const spool_t *s, zop_t op, const char *verb, zfail_t *fail)
{
    json_t *d = decide__tag_data(s, op);
    char state[48], upper[16];
    snprintf(state, sizeof state, "ocupado para %s", zop_name(s->ocupado_op));
    size_t i = 0;
    for (; verb[i] && i + 1 < sizeof upper; i++)
        upper[i] = verb[i] >= 'a' && verb[i] <= 'z' ? (char)(verb[i] - 'a' + 'A') : verb[i];
    upper[i] = '\0';
    json_object_set_new(d, "current_state", json_string(state));
    json_object_set_new(d, "attempted_transition", json_string(upper));
    return zfail_set(fail, ZE_INVALID_STATE_TRANSITION, d,
                     "No se puede %s %s en spool '%s': %s lo ocupa para %s. Finaliza esa "
                     "operación primero.",
                     verb, zop_name(op), s->tag, s->ocupado_por, zop_name(s->ocupado_op));
}

int decide__occupied_fail(const spool_t *s, zfail_t *fail)
{
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(s->tag));
    json_object_set_new(d, "owner_id", json_integer(s->ocupado_worker_id));
    json_object_set_new(d, "owner_name", json_string(s->ocupado_por));
    return zfail_set(fail, ZE_SPOOL_OCCUPIED, d,
                     "El spool '%s' ya está ocupado por %s (ID: %lld). Espera a que termine o "
                     "elige otro spool.",
                     s->tag, s->ocupado_por, (long long)s->ocupado_worker_id);
}

int decide__not_owner_fail(const spool_t *s, const zcmd_t *cmd, zfail_t *fail)
{
    const char *accion = zaction_name(cmd->action);
    json_t *d = json_object();
    json_object_set_new(d, "tag_spool", json_string(s->tag));
    if (!spool_is_occupied(s)) {
        json_object_set_new(d, "trabajador_esperado", json_null());
        json_object_set_new(d, "trabajador_solicitante", json_string(cmd->worker->display));
        json_object_set_new(d, "operacion", json_string(accion));
        return zfail_set(fail, ZE_NO_AUTORIZADO, d,
                         "Solo quien ocupa el spool puede completar %s en '%s', y el spool no "
                         "está ocupado. Tú eres %s.",
                         accion, s->tag, cmd->worker->display);
    }
    json_object_set_new(d, "trabajador_esperado", json_string(s->ocupado_por));
    json_object_set_new(d, "trabajador_solicitante", json_string(cmd->worker->display));
    json_object_set_new(d, "operacion", json_string(accion));
    return zfail_set(fail, ZE_NO_AUTORIZADO, d,
                     "Solo %s puede completar %s en '%s' (él/ella la inició). Tú eres %s.",
                     s->ocupado_por, accion, s->tag, cmd->worker->display);
}

char *decide__op_worker(spool_t *s, zop_t op) { return op == ZOP_ARM ? s->armador : s->soldador; }

zdate_t *decide__op_done(spool_t *s, zop_t op)
{
    return op == ZOP_ARM ? &s->fecha_armado : &s->fecha_soldadura;
}

void decide__occupy(spool_t *a, const zcmd_t *cmd, zop_t op)
{
    snprintf(a->ocupado_por, sizeof a->ocupado_por, "%s", cmd->worker->display);
    a->ocupado_worker_id = cmd->worker->id;
    a->ocupado_op = op;
    a->fecha_ocupacion = cmd->now;
    snprintf(a->lock_token, sizeof a->lock_token, "%s", cmd->lock_token ? cmd->lock_token : "");
}

void decide__vacate(spool_t *a)
{
    a->ocupado_por[0] = '\0';
    a->ocupado_worker_id = 0;
    a->ocupado_op = ZOP_NONE;
    a->fecha_ocupacion = 0;
    a->lock_token[0] = '\0';
}

void decide__finish(zoutcome_t *out)
{
    estado_detalle(&out->after, out->after.estado_detalle, sizeof out->after.estado_detalle);
}
