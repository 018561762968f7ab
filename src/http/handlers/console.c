/* The supervisor console's routes (role console: a signed-in supervisor, in every mode): unblock
 * a BLOQUEADO spool, release a stuck occupation, and read a spool's whole audit trail. The
 * actions call app/supervise exactly as `zeues unblock|release` do, with the signed-in
 * supervisor as who and the reason typed in the console as why; the tracked list is the v5
 * app's own routes (/api/supervisor/list*), which a supervisor session may call too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "app/supervise.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/tz.h"

static int console_action(req_t *r, supervise_action_t action)
{
    static const char *const fields[] = {"tag_spool", "reason", NULL};
    json_t *body = NULL;
    const char *tag = NULL, *reason = NULL;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "tag_spool", 1, ZTAG_MAX - 1, &tag) != 0 ||
        tag_or_reply(r, "tag_spool", tag) != 0 ||
        body_string_or_reply(r, body, "reason", 1, SUPERVISE_REASON_MAX, &reason) != 0)
        goto out;
    zoutcome_t o;
    zfail_t fail = {0};
    int lock_left = 0;
    int rc = supervise_apply(r->app, action, tag, r->supervisor, reason, req_device(r), &o,
                             &fail, &lock_left);
    if (rc != ZE_OK) {
        reply_fail(r, &fail);
        goto out;
    }
    json_t *a = json_object();
    json_object_set_new(a, "success", json_true());
    json_object_set_new(a, "tag_spool", json_string(tag));
    json_object_set_new(a, "estado_detalle", json_string(o.after.estado_detalle));
    json_object_set_new(a, "evento", json_string(o.event.tipo));
    json_object_set_new(a, "seq", json_integer(o.event.seq));
    json_object_set_new(a, "supervisor", json_string(r->supervisor));
    if (action == SUPERVISE_RELEASE) json_object_set_new(a, "lock_left", json_boolean(lock_left));
    reply_json(r, 200, a);
out:
    json_decref(body);
    return 0;
}

int h_console_unblock(req_t *r) { return console_action(r, SUPERVISE_UNBLOCK); }

int h_console_release(req_t *r) { return console_action(r, SUPERVISE_RELEASE); }

static json_t *time_json(int64_t t)
{
    char s[40];
    if (!t) return json_null();
    tz_format_dmy_hms(t, s, sizeof s);
    return json_string(s);
}

static int collect_event(void *ud, const event_rec_t *e)
{
    json_t *o = json_object();
    char fecha[16];
    json_object_set_new(o, "seq", json_integer(e->seq));
    json_object_set_new(o, "fecha_hora", time_json(e->ts));
    json_object_set_new(o, "evento_tipo", json_string(e->tipo));
    json_object_set_new(o, "operacion", json_string(e->operacion));
    json_object_set_new(o, "accion", json_string(e->accion));
    json_object_set_new(o, "worker_id", json_integer(e->worker_id));
    json_object_set_new(o, "worker_nombre", json_string(e->worker_nombre));
    zdate_format_dmy(e->fecha_operacion, fecha, sizeof fecha);
    json_object_set_new(o, "fecha_operacion", fecha[0] ? json_string(fecha) : json_null());
    json_object_set_new(o, "n_union", e->n_union ? json_integer(e->n_union) : json_null());
    json_t *m = e->metadata_json[0] ? json_loads(e->metadata_json, 0, NULL) : NULL;
    json_object_set_new(o, "metadata", m ? m : json_string(e->metadata_json));
    json_array_append_new(ud, o);
    return 0;
}

int h_console_log(req_t *r)
{
    const char *tag = r->param;
    if (tag_or_reply(r, "tag_spool", tag) != 0) return 0;
    spool_t s;
    if (spool_or_reply(r, tag, &s) != 0) return 0;
    json_t *events = json_array();
    if (r->app->store->ops->event_foreach_tag(r->app->store, tag, collect_event, events) !=
        ZE_OK) {
        json_decref(events);
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer Metadata");
    }
    json_t *o = json_object();
    json_object_set_new(o, "success", json_true());
    json_object_set_new(o, "tag_spool", json_string(s.tag));
    json_object_set_new(o, "nv", json_string(s.nv));
    json_object_set_new(o, "estado_detalle", json_string(s.estado_detalle));
    json_object_set_new(o, "ocupado_por", s.ocupado_por[0] ? json_string(s.ocupado_por)
                                                           : json_null());
    json_object_set_new(o, "fecha_ocupacion", time_json(s.fecha_ocupacion));
    json_object_set_new(o, "bloqueado", json_boolean(s.repair == ZREP_BLOQUEADO));
    json_object_set_new(o, "events", events);
    return reply_json(r, 200, o);
}

/* POST /api/console/pin/set {worker_id, pin}: a supervisor gives a worker a (new) PIN. */
int h_console_pin_set(req_t *r)
{
    json_t *body = NULL;
    const char *pin = NULL;
    int64_t worker_id = 0;
    if (pin_body_or_reply(r, &body, &worker_id, &pin) != 0) return 0;
    int rc = auth_pin_set(r->app->store, worker_id, pin, app_now(r->app));
    if (rc == ZE_VALIDATION_ERROR) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("pin"));
        reply_error(r, rc, d, "Campo 'pin': debe tener de 4 a 6 dígitos");
    } else if (rc == ZE_WORKER_NO_ENCONTRADO) {
        reply_error(r, rc, NULL, "Trabajador '%lld' no encontrado", (long long)worker_id);
    } else if (rc != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo guardar el PIN. Intenta nuevamente.");
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "success", json_true());
        json_object_set_new(o, "worker_id", json_integer(worker_id));
        reply_json(r, 200, o);
    }
    json_decref(body);
    return 0;
}

/* POST /api/console/pin/unlock {worker_id, reason}: lifts a PIN lock-out, audited. */
int h_console_pin_unlock(req_t *r)
{
    static const char *const fields[] = {"worker_id", "reason", NULL};
    json_t *body = NULL;
    const char *reason = NULL;
    int64_t worker_id = 0;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_int_or_reply(r, body, "worker_id", 1, &worker_id) != 0 ||
        body_string_or_reply(r, body, "reason", 1, SUPERVISE_REASON_MAX, &reason) != 0)
        goto out;
    int was = 0;
    int rc = auth_pin_unlock(r->app, worker_id, r->supervisor, reason, req_device(r), &was);
    if (rc == ZE_PIN_NOT_SET) {
        reply_error(r, rc, NULL, "El trabajador %lld no tiene PIN.", (long long)worker_id);
    } else if (rc == ZE_WORKER_NO_ENCONTRADO) {
        reply_error(r, rc, NULL, "Trabajador '%lld' no encontrado", (long long)worker_id);
    } else if (rc != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo desbloquear. Intenta nuevamente.");
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "success", json_true());
        json_object_set_new(o, "worker_id", json_integer(worker_id));
        json_object_set_new(o, "was_locked", json_boolean(was));
        json_object_set_new(o, "supervisor", json_string(r->supervisor));
        reply_json(r, 200, o);
    }
out:
    json_decref(body);
    return 0;
}
