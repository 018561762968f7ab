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

void decide__event(zoutcome_t *out, const char *tipo, const char *operacion, const char *accion,
                   json_t *metadata)
{
    event_rec_t *e = &out->event;
    snprintf(e->tipo, sizeof e->tipo, "%s", tipo);
    snprintf(e->operacion, sizeof e->operacion, "%s", operacion);
    snprintf(e->accion, sizeof e->accion, "%s", accion);
    e->metadata_json[0] = '\0';
    if (metadata) {
        /* Python json.dumps defaults: ", " and ": " separators, non-ASCII escaped. */
        char *m = json_map_dumps_python(metadata);
        if (m) snprintf(e->metadata_json, sizeof e->metadata_json, "%s", m);
        free(m);
        json_decref(metadata);
    }
}

void decide__live(zoutcome_t *out, const zcmd_t *cmd, const char *type, const char *estado,
                  zop_t op, json_t *extra)
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
    json_t *arr = out->event.live_json[0] ? json_loads(out->event.live_json, 0, NULL) : NULL;
    if (!arr) arr = json_array();
    json_array_append_new(arr, p);
    char *s = json_dumps(arr, JSON_COMPACT);
    if (s && strlen(s) < sizeof out->event.live_json)
        memcpy(out->event.live_json, s, strlen(s) + 1);
    free(s);
    json_decref(arr);
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

void decide__finish(zoutcome_t *out)
{
    estado_detalle(&out->after, out->after.estado_detalle, sizeof out->after.estado_detalle);
}
