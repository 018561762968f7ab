/* The /api/supervisor routes: the current app's tracked spool list (its home page), the UI telemetry it
 * sends (the audit book) and the one-shot snapshot of an old browser list. Kept in our store,
 * not in a second spreadsheet; every mutation is idempotent (the app retries, and sends its
 * last events with sendBeacon on unload). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dates.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/tz.h"
#include "util/uuid.h"

#define AUDIT_BATCH_MAX 100

static const char *const event_types[] = {"SESSION_START", "SESSION_END", "LIST_ADD",
                                          "LIST_REMOVE", "LIST_MIGRATE", "LIST_MIGRATE_PARTIAL",
                                          "MODAL_OPEN", "MODAL_CLOSE", "NAVIGATE", NULL};

static json_t *iso_json(int64_t t)
{
    char s[40];
    tz_format_iso(t, s, sizeof s);
    return json_string(s);
}

static json_t *tracked_json(const tracked_t *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "tag_spool", json_string(t->tag));
    json_object_set_new(o, "added_at", iso_json(t->added_at));
    json_object_set_new(o, "updated_at", iso_json(t->updated_at));
    json_object_set_new(o, "notes", t->notes[0] ? json_string(t->notes) : json_null());
    return o;
}

static int store_down(req_t *r, const char *what)
{
    return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo %s; intenta nuevamente.", what);
}

static int collect_tracked(void *ud, const tracked_t *t)
{
    json_array_append_new(ud, tracked_json(t));
    return 0;
}

int h_supervisor_list(req_t *r)
{
    json_t *items = json_array();
    if (!r->app->store->ops->tracked_foreach ||
        r->app->store->ops->tracked_foreach(r->app->store, collect_tracked, items) != ZE_OK) {
        json_decref(items);
        return store_down(r, "leer la lista de spools");
    }
    json_t *o = json_object();
    json_object_set_new(o, "items", items);
    return reply_json(r, 200, o);
}

/* Copies src without its leading and trailing blanks into out (the caller checked that src
 * fits, so out has room for it). */
static void trim_copy(char *out, const char *src)
{
    while (*src == ' ' || *src == '\t') src++;
    size_t len = strlen(src);
    while (len && (src[len - 1] == ' ' || src[len - 1] == '\t')) len--;
    memcpy(out, src, len);
    out[len] = '\0';
}

static const char *const fields_list[] = {"tag_spool", "session_id", NULL};

/* tag_spool and session_id of list/add and list/remove, trimmed into tag (ZTAG_MAX). */
static int parse_list_body(req_t *r, json_t **body, char *tag, const char **raw_tag,
                           const char **session)
{
    if (body_object_or_reply(r, body) != 0) return -1;
    if (body_only_fields_or_reply(r, *body, fields_list) != 0 ||
        body_string_or_reply(r, *body, "tag_spool", 1, ZTAG_MAX - 1, raw_tag) != 0 ||
        body_string_or_reply(r, *body, "session_id", 1, 127, session) != 0)
        return -1;
    trim_copy(tag, *raw_tag);
    return tag_or_reply(r, "tag_spool", tag);
}

/* The server's own LIST_ADD / LIST_REMOVE in the audit book (best effort, like the original). */
static void audit_list_event(req_t *r, const char *type, const char *tag, const char *session)
{
    audit_ev_t e;
    memset(&e, 0, sizeof e);
    char id[UUID_STR_LEN];
    uuid4(id);
    snprintf(e.id, sizeof e.id, "%s", id);
    e.ts = r->now;
    snprintf(e.session_id, sizeof e.session_id, "%s", session);
    snprintf(e.event_type, sizeof e.event_type, "%s", type);
    snprintf(e.tag, sizeof e.tag, "%s", tag);
    snprintf(e.route, sizeof e.route, "%s", r->path);
    size_t appended;
    if (r->app->store->ops->audit_append) r->app->store->ops->audit_append(r->app->store, &e, 1, &appended);
}

int h_supervisor_list_add(req_t *r)
{
    json_t *body = NULL;
    char tag[ZTAG_MAX];
    const char *raw, *session;
    if (parse_list_body(r, &body, tag, &raw, &session) == 0) {
        tracked_t t;
        if (!r->app->store->ops->tracked_put ||
            r->app->store->ops->tracked_put(r->app->store, tag, r->now, &t) != ZE_OK) {
            store_down(r, "agregar el spool a la lista");
        } else {
            audit_list_event(r, "LIST_ADD", tag, session);
            json_t *o = json_object();
            json_object_set_new(o, "item", tracked_json(&t));
            reply_json(r, 200, o);
        }
    }
    json_decref(body);
    return 0;
}

int h_supervisor_list_remove(req_t *r)
{
    json_t *body = NULL;
    char tag[ZTAG_MAX];
    const char *raw, *session;
    if (parse_list_body(r, &body, tag, &raw, &session) == 0) {
        int removed = 0;
        if (!r->app->store->ops->tracked_remove ||
            r->app->store->ops->tracked_remove(r->app->store, tag, &removed) != ZE_OK) {
            store_down(r, "quitar el spool de la lista");
        } else {
            if (removed) audit_list_event(r, "LIST_REMOVE", tag, session);
            json_t *o = json_object();
            json_object_set_new(o, "removed", json_boolean(removed));
            json_object_set_new(o, "tag_spool", json_string(raw));
            reply_json(r, 200, o);
        }
    }
    json_decref(body);
    return 0;
}

/* A datetime of the client (ISO with Z or an offset, or a local wall time in the plant's zone)
 * as unix seconds; -1 when it does not parse. */
static int64_t parse_when(const char *s)
{
    zdatetime_t dt;
    if (!s || zdatetime_parse(s, &dt) != 0 || dt.date == ZDATE_NONE) return -1;
    return tz_from_datetime(&dt);
}

static const char *const fields_event[] = {"id", "timestamp", "session_id", "event_type",
                                           "tag_spool", "modal", "route", "payload_json", NULL};

/* Copies an optional string field (trimmed) into out; 0, or -1 after replying. */
static int opt_text(req_t *r, json_t *o, const char *field, const char *path, char *out, size_t n)
{
    out[0] = '\0';
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
        json_string_length(v) >= n) {
        json_t *d = json_object();
        char f[80];
        snprintf(f, sizeof f, "%s.%s", path, field);
        json_object_set_new(d, "campo", json_string(f));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo '%s': debe ser un texto de hasta %zu bytes",
                    f, n - 1);
        return -1;
    }
    trim_copy(out, json_string_value(v));
    return 0;
}

static int parse_event(req_t *r, json_t *o, size_t i, audit_ev_t *e)
{
    char path[32];
    snprintf(path, sizeof path, "events[%zu]", i);
    if (!json_is_object(o)) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string(path));
        return reply_error(r, ZE_VALIDATION_ERROR, d, "Campo '%s': debe ser un objeto", path), -1;
    }
    if (body_only_fields_or_reply(r, o, fields_event) != 0) return -1;
    memset(e, 0, sizeof *e);
    char when[64];
    if (opt_text(r, o, "id", path, e->id, sizeof e->id) != 0 ||
        opt_text(r, o, "timestamp", path, when, sizeof when) != 0 ||
        opt_text(r, o, "session_id", path, e->session_id, sizeof e->session_id) != 0 ||
        opt_text(r, o, "event_type", path, e->event_type, sizeof e->event_type) != 0 ||
        opt_text(r, o, "tag_spool", path, e->tag, sizeof e->tag) != 0 ||
        opt_text(r, o, "modal", path, e->modal, sizeof e->modal) != 0 ||
        opt_text(r, o, "route", path, e->route, sizeof e->route) != 0)
        return -1;
    const char *bad = NULL;
    if (!e->session_id[0]) bad = "session_id";
    int known = 0;
    for (size_t k = 0; event_types[k]; k++) known |= strcmp(event_types[k], e->event_type) == 0;
    if (!bad && !known) bad = "event_type";
    e->ts = when[0] ? parse_when(when) : r->now;
    if (!bad && e->ts < 0) bad = "timestamp";
    if (bad) {
        json_t *d = json_object();
        char f[80];
        snprintf(f, sizeof f, "%s.%s", path, bad);
        json_object_set_new(d, "campo", json_string(f));
        return reply_error(r, ZE_VALIDATION_ERROR, d, "Campo '%s': valor inválido", f), -1;
    }
    if (!e->id[0]) {
        char id[UUID_STR_LEN];
        uuid4(id);
        snprintf(e->id, sizeof e->id, "%s", id);
    }
    json_t *p = json_object_get(o, "payload_json");
    if (p && !json_is_null(p)) {
        if (!json_is_string(p) || strlen(json_string_value(p)) != json_string_length(p)) {
            json_t *d = json_object();
            json_object_set_new(d, "campo", json_string("payload_json"));
            return reply_error(r, ZE_VALIDATION_ERROR, d,
                               "Campo '%s.payload_json': debe ser un texto o null", path), -1;
        }
        e->payload_json = (char *)json_string_value(p); /* borrowed from the body */
    }
    return 0;
}

int h_supervisor_audit_batch(req_t *r)
{
    json_t *body = NULL;
    audit_ev_t *ev = NULL;
    static const char *const fields[] = {"events", NULL};
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0) goto out;
    json_t *arr = json_object_get(body, "events");
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > AUDIT_BATCH_MAX) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("events"));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'events': debe ser una lista de 1 a %d eventos",
                    AUDIT_BATCH_MAX);
        goto out;
    }
    size_t n = json_array_size(arr);
    ev = xcalloc(n, sizeof *ev);
    for (size_t i = 0; i < n; i++)
        if (parse_event(r, json_array_get(arr, i), i, &ev[i]) != 0) goto out;
    size_t appended = 0;
    if (!r->app->store->ops->audit_append ||
        r->app->store->ops->audit_append(r->app->store, ev, n, &appended) != ZE_OK) {
        store_down(r, "guardar los eventos");
        goto out;
    }
    json_t *o = json_object();
    json_object_set_new(o, "appended", json_integer((json_int_t)appended));
    reply_json(r, 200, o);
out:
    free(ev);
    json_decref(body);
    return 0;
}

static int collect_audit(void *ud, const audit_ev_t *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "timestamp", iso_json(e->ts));
    json_object_set_new(o, "session_id", json_string(e->session_id));
    json_object_set_new(o, "event_type", json_string(e->event_type));
    json_object_set_new(o, "tag_spool", e->tag[0] ? json_string(e->tag) : json_null());
    json_object_set_new(o, "modal", e->modal[0] ? json_string(e->modal) : json_null());
    json_object_set_new(o, "route", e->route[0] ? json_string(e->route) : json_null());
    json_object_set_new(o, "payload_json", e->payload_json ? json_string(e->payload_json) : json_null());
    json_array_append_new(ud, o);
    return 0;
}

int h_supervisor_audit(req_t *r)
{
    const char *since_s;
    if (query_string_or_reply(r, "since", &since_s) != 0) return 0;
    int64_t since = parse_when(since_s);
    if (since < 0) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("since"));
        return reply_error(r, ZE_VALIDATION_ERROR, d,
                           "Campo 'since': debe ser una fecha y hora ISO 8601");
    }
    json_t *arr = json_array();
    if (!r->app->store->ops->audit_since ||
        r->app->store->ops->audit_since(r->app->store, since, collect_audit, arr) != ZE_OK) {
        json_decref(arr);
        return store_down(r, "leer los eventos");
    }
    json_t *o = json_object();
    json_object_set_new(o, "events", arr);
    return reply_json(r, 200, o);
}

int h_supervisor_legacy_snapshot(req_t *r)
{
    json_t *body = NULL;
    static const char *const fields[] = {"snapshot_id", "captured_at", "raw", "user_agent", NULL};
    const char *id, *when, *ua;
    if (body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_string_or_reply(r, body, "snapshot_id", 1, 127, &id) != 0 ||
        body_string_or_reply(r, body, "captured_at", 0, 63, &when) != 0 ||
        body_string_or_reply(r, body, "user_agent", 0, 1023, &ua) != 0)
        goto out;
    json_t *raw = json_object_get(body, "raw");
    if (!json_is_string(raw) || json_string_length(raw) == 0 ||
        strlen(json_string_value(raw)) != json_string_length(raw)) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("raw"));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'raw': es obligatorio y debe ser un texto");
        goto out;
    }
    int64_t at = when ? parse_when(when) : r->now;
    if (at < 0) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("captured_at"));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'captured_at': debe ser una fecha y hora");
        goto out;
    }
    snapshot_t snap = {.id = id, .captured_at = at, .raw = json_string_value(raw), .user_agent = ua};
    int written = 0;
    if (!r->app->store->ops->snapshot_put ||
        r->app->store->ops->snapshot_put(r->app->store, &snap, &written) != ZE_OK) {
        store_down(r, "guardar la copia de la lista");
        goto out;
    }
    json_t *o = json_object();
    json_object_set_new(o, "snapshot_id", json_string(id));
    json_object_set_new(o, "written", json_boolean(written));
    reply_json(r, 200, o);
out:
    json_decref(body);
    return 0;
}
