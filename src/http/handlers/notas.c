/* GET / POST /api/spool/{tag}/notas: the free-text notes of a spool, one "YYYYMMDD: text" line
 * per append, each append audited (NOTAS_ACTUALIZADA) in its own transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/mutate.h"
#include "core/errors.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "store/store.h"
#include "util/alloc.h"

#define NOTAS_MAX_CHARS 500
#define NOTAS_CELL_MAX (64 * 1024)

static const char *const fields[] = {"worker_id", "texto", NULL};

/* Answers {"tag_spool","nota"} with the stored cell. */
static int reply_notas(req_t *r, const char *tag, int post)
{
    char *cell = xmalloc(NOTAS_CELL_MAX);
    int rc = r->app->store->ops->notas_get
                 ? r->app->store->ops->notas_get(r->app->store, tag, cell, NOTAS_CELL_MAX)
                 : ZE_STORE_UNAVAILABLE;
    if (rc == ZE_SPOOL_NO_ENCONTRADO) {
        json_t *d = json_object();
        json_object_set_new(d, "tag_spool", json_string(tag));
        reply_error(r, rc, d, "Spool '%s' no encontrado en hoja Operaciones", tag);
    } else if (rc != ZE_OK) {
        reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudieron leer las notas del spool");
    } else {
        json_t *o = json_object();
        if (post) json_object_set_new(o, "success", json_true());
        json_object_set_new(o, "tag_spool", json_string(tag));
        json_object_set_new(o, "nota", json_string(cell));
        reply_json(r, 200, o);
    }
    free(cell);
    return 0;
}

int h_notas_get(req_t *r)
{
    if (tag_or_reply(r, "tag_spool", r->param) != 0) return 0;
    return reply_notas(r, r->param, 0);
}

/* Number of UTF-8 characters of s (the body is valid UTF-8: the server checked it). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int h_notas_post(req_t *r)
{
    const char *tag = r->param;
    json_t *body = NULL;
    int64_t worker_id = 0;
    worker_t w = {.id = 0, .activo = 1};
    char *texto = NULL;
    if (tag_or_reply(r, "tag_spool", tag) != 0 || body_object_or_reply(r, &body) != 0) return 0;
    if (body_only_fields_or_reply(r, body, fields) != 0 ||
        body_int_or_reply(r, body, "worker_id", 0, &worker_id) != 0)
        goto out;
    json_t *tv = json_object_get(body, "texto");
    const char *rule = NULL;
    if (!json_is_string(tv)) rule = "es obligatorio y debe ser un texto";
    else if (strlen(json_string_value(tv)) != json_string_length(tv)) rule = "no puede contener NUL";
    else if (utf8_chars(json_string_value(tv)) < 1 || utf8_chars(json_string_value(tv)) > NOTAS_MAX_CHARS)
        rule = "debe tener entre 1 y 500 caracteres";
    if (!rule) {
        /* Trimmed, it must still say something; control characters other than line breaks
         * would corrupt the one-line-per-note cell. */
        const char *s = json_string_value(tv);
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
        size_t len = strlen(s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
            len--;
        if (!len) rule = "no puede estar vacío";
        texto = xmalloc(len + 1);
        size_t o = 0;
        for (size_t i = 0; i < len && !rule; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\n' || c == '\r' || c == '\t') c = ' ';
            else if (c < 0x20 || c == 0x7f) rule = "no puede contener caracteres de control";
            texto[o++] = (char)c;
        }
        texto[o] = '\0';
    }
    if (rule) {
        json_t *d = json_object();
        json_object_set_new(d, "campo", json_string("texto"));
        json_object_set_new(d, "regla", json_string(rule));
        reply_error(r, ZE_VALIDATION_ERROR, d, "Campo 'texto': %s", rule);
        goto out;
    }
    if (worker_id) {
        if (worker_or_reply(r, worker_id, NULL, &w) != 0) goto out;
    } else {
        snprintf(w.display, sizeof w.display, "ANONIMO");
        snprintf(w.nombre, sizeof w.nombre, "ANONIMO");
    }
    zcmd_t cmd = {.action = ZACT_COMPLETAR, .worker = &w, .texto = texto, .device = req_device(r)};
    zoutcome_t *o = xmalloc(sizeof *o);
    zfail_t fail = {0};
    int rc = mutate_apply(r->app, tag, &cmd, decide_notas, o, &fail);
    free(o);
    if (rc != ZE_OK) reply_fail(r, &fail);
    else reply_notas(r, tag, 1);
out:
    free(texto);
    json_decref(body);
    return 0;
}
