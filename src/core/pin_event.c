/* The PIN audit events (see pin_event.h). */
#include "core/pin_event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_map.h"

static void base(event_rec_t *e, const char *id, int64_t now, const worker_t *w,
                 const char *tipo, const char *accion)
{
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", id);
    e->ts = now;
    snprintf(e->tipo, sizeof e->tipo, "%s", tipo);
    e->worker_id = w->id;
    snprintf(e->worker_nombre, sizeof e->worker_nombre, "%s", w->display);
    snprintf(e->operacion, sizeof e->operacion, "PIN");
    snprintf(e->accion, sizeof e->accion, "%s", accion);
}

static void set_metadata(event_rec_t *e, json_t *m)
{
    char *t = json_map_dumps_python(m);
    if (t && strlen(t) < sizeof e->metadata_json) memcpy(e->metadata_json, t, strlen(t) + 1);
    else snprintf(e->metadata_json, sizeof e->metadata_json, "{\"metadata_truncada\": true}");
    free(t);
    json_decref(m);
}

void pin_event_lock(event_rec_t *e, const char *id, int64_t now, const worker_t *w,
                    int failures, const char *device)
{
    base(e, id, now, w, "PIN_BLOQUEADO", "BLOQUEAR");
    json_t *m = json_object();
    json_object_set_new(m, "failures", json_integer(failures));
    if (device && *device) json_object_set_new(m, "device", json_string(device));
    set_metadata(e, m);
}

void pin_event_unlock(event_rec_t *e, const char *id, int64_t now, const worker_t *w,
                      const char *by, const char *reason, const char *device)
{
    base(e, id, now, w, "PIN_DESBLOQUEADO", "DESBLOQUEAR");
    json_t *m = json_object();
    json_object_set_new(m, "supervisor", json_string(by));
    json_object_set_new(m, "reason", json_string(reason));
    if (device && *device) json_object_set_new(m, "device", json_string(device));
    set_metadata(e, m);
}
