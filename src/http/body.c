/* JSON body and query validation with 422 answers that name the field and the rule. */
#include "http/body.h"

#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "util/alloc.h"
#include "util/buf.h"

static int invalid(req_t *r, const char *field, const char *rule)
{
    json_t *data = json_object();
    json_object_set_new(data, "campo", json_string(field));
    json_object_set_new(data, "regla", json_string(rule));
    reply_error(r, ZE_VALIDATION_ERROR, data, "Campo '%s': %s", field, rule);
    return -1;
}

int body_object_or_reply(req_t *r, json_t **out)
{
    *out = NULL;
    if (!r->body || r->body_len == 0)
        return invalid(r, "body", "se requiere un cuerpo JSON (objeto)");
    json_error_t e;
    json_t *v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!v) {
        json_t *data = json_object();
        json_object_set_new(data, "campo", json_string("body"));
        json_object_set_new(data, "posicion", json_integer(e.position));
        reply_error(r, ZE_VALIDATION_ERROR, data, "JSON inválido en la posición %d: %s",
                    e.position, e.text);
        return -1;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return invalid(r, "body", "debe ser un objeto JSON");
    }
    *out = v;
    return 0;
}

int body_only_fields_or_reply(req_t *r, json_t *o, const char *const *allowed)
{
    buf_t unknown = BUF_INIT;
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, key) == 0;
        if (!ok) {
            if (unknown.len) buf_puts(&unknown, ", ");
            buf_printf(&unknown, "'%s'", key);
        }
    }
    if (!unknown.len) return 0;
    buf_t allowed_list = BUF_INIT;
    for (const char *const *a = allowed; *a; a++)
        buf_printf(&allowed_list, "%s%s", allowed_list.len ? ", " : "", *a);
    json_t *data = json_object();
    json_object_set_new(data, "campos_desconocidos", json_string(buf_str(&unknown)));
    json_object_set_new(data, "campos_permitidos", json_string(buf_str(&allowed_list)));
    reply_error(r, ZE_VALIDATION_ERROR, data, "Campos desconocidos: %s (permitidos: %s)",
                buf_str(&unknown), buf_str(&allowed_list));
    buf_deinit(&unknown);
    buf_deinit(&allowed_list);
    return -1;
}

static int parse_pos_int(const char *s, int64_t *out)
{
    if (!*s || strlen(s) > 18) return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

int body_int_or_reply(req_t *r, json_t *o, const char *field, int required, int64_t *out)
{
    json_t *v = json_object_get(o, field);
    *out = 0;
    if (!v || json_is_null(v)) return required ? invalid(r, field, "es obligatorio") : 0;
    int64_t n;
    if (json_is_integer(v)) n = json_integer_value(v);
    else if (json_is_string(v) && parse_pos_int(json_string_value(v), &n) == 0) {
    } else return invalid(r, field, "debe ser un número entero");
    if (n <= 0) return invalid(r, field, "debe ser mayor que 0");
    if (n > 2147483647) return invalid(r, field, "es demasiado grande");
    *out = n;
    return 0;
}

static int text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

int body_string_or_reply(req_t *r, json_t *o, const char *field, int required, size_t max_len,
                         const char **out)
{
    json_t *v = json_object_get(o, field);
    *out = NULL;
    if (!v || json_is_null(v)) return required ? invalid(r, field, "es obligatorio") : 0;
    if (!json_is_string(v)) return invalid(r, field, "debe ser un texto");
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0) return invalid(r, field, "no puede estar vacío");
    if (len > max_len) {
        char rule[64];
        snprintf(rule, sizeof rule, "no puede superar %zu bytes", max_len);
        return invalid(r, field, rule);
    }
    if (strlen(s) != len || !text_ok(s))
        return invalid(r, field, "contiene caracteres de control");
    *out = s;
    return 0;
}

int body_op_or_reply(req_t *r, json_t *o, const char *field, int required, zop_t *out)
{
    json_t *v = json_object_get(o, field);
    *out = ZOP_NONE;
    if (!v || json_is_null(v)) return required ? invalid(r, field, "es obligatorio") : 0;
    if (!json_is_string(v) || (*out = zop_parse(json_string_value(v))) == ZOP_NONE)
        return invalid(r, field, "debe ser 'ARM', 'SOLD', 'METROLOGIA' o 'REPARACION'");
    return 0;
}

int tag_or_reply(req_t *r, const char *field, const char *tag)
{
    size_t len = strlen(tag);
    if (len == 0) return invalid(r, field, "no puede estar vacío");
    if (len >= ZTAG_MAX) {
        char rule[64];
        snprintf(rule, sizeof rule, "no puede superar %d bytes", ZTAG_MAX - 1);
        return invalid(r, field, rule);
    }
    if (!names_utf8_valid(tag, len)) return invalid(r, field, "no es UTF-8 válido");
    if (!text_ok(tag)) return invalid(r, field, "contiene caracteres de control");
    return 0;
}

int body_tags_or_reply(req_t *r, json_t *o, const char *field, const char ***tags, size_t *n)
{
    *tags = NULL;
    *n = 0;
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v)) return invalid(r, field, "es obligatorio");
    if (!json_is_array(v)) return invalid(r, field, "debe ser una lista de tags");
    size_t count = json_array_size(v);
    if (count == 0) return invalid(r, field, "debe tener al menos 1 tag");
    if (count > ZBATCH_MAX) {
        char rule[96];
        snprintf(rule, sizeof rule, "admite como máximo %d tags (recibidos %zu)", ZBATCH_MAX, count);
        return invalid(r, field, rule);
    }
    const char **out = xcalloc(count, sizeof *out);
    for (size_t i = 0; i < count; i++) {
        json_t *t = json_array_get(v, i);
        char item[48];
        snprintf(item, sizeof item, "%s[%zu]", field, i);
        if (!json_is_string(t) || strlen(json_string_value(t)) != json_string_length(t)) {
            free(out);
            return invalid(r, item, "debe ser un texto");
        }
        if (tag_or_reply(r, item, json_string_value(t)) != 0) {
            free(out);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(out[j], json_string_value(t)) == 0) {
                free(out);
                return invalid(r, field, "no puede contener duplicados");
            }
        out[i] = json_string_value(t);
    }
    *tags = out;
    *n = count;
    return 0;
}

int body_strings_or_reply(req_t *r, json_t *o, const char *field, int required, size_t min_items,
                          size_t max_items, size_t max_len, int unique, const char ***out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v)) {
        if (required) return invalid(r, field, "es obligatorio");
        if (min_items) return invalid(r, field, "debe tener al menos 1 elemento");
        return 0;
    }
    if (!json_is_array(v)) return invalid(r, field, "debe ser una lista de textos");
    size_t count = json_array_size(v);
    char rule[96];
    if (count < min_items) {
        snprintf(rule, sizeof rule, "debe tener al menos %zu elemento%s", min_items,
                 min_items == 1 ? "" : "s");
        return invalid(r, field, rule);
    }
    if (count > max_items) {
        snprintf(rule, sizeof rule, "admite como máximo %zu elementos (recibidos %zu)", max_items,
                 count);
        return invalid(r, field, rule);
    }
    if (count == 0) return 0;
    const char **arr = xcalloc(count, sizeof *arr);
    for (size_t i = 0; i < count; i++) {
        json_t *t = json_array_get(v, i);
        char item[48]; /* the element's name, made only for an error (100 tags a request) */
        if (!json_is_string(t) || strlen(json_string_value(t)) != json_string_length(t)) {
            free(arr);
            snprintf(item, sizeof item, "%s[%zu]", field, i);
            return invalid(r, item, "debe ser un texto");
        }
        if (json_string_length(t) > max_len) {
            free(arr);
            snprintf(item, sizeof item, "%s[%zu]", field, i);
            snprintf(rule, sizeof rule, "no puede superar %zu bytes", max_len);
            return invalid(r, item, rule);
        }
        for (size_t j = 0; unique && j < i; j++)
            if (strcmp(arr[j], json_string_value(t)) == 0) {
                free(arr);
                return invalid(r, field, "no puede contener duplicados");
            }
        arr[i] = json_string_value(t);
    }
    *out = arr;
    *n = count;
    return 0;
}

int query_int_or_reply(req_t *r, const char *name, int required, int64_t *out)
{
    const char *v = req_query(r, name);
    *out = 0;
    if (!v) return required ? invalid(r, name, "es obligatorio") : 0;
    int negative = v[0] == '-';
    if (parse_pos_int(v + negative, out) != 0) return invalid(r, name, "debe ser un número entero");
    if (negative || *out == 0) return invalid(r, name, "debe ser mayor que 0");
    if (*out > 2147483647) return invalid(r, name, "es demasiado grande");
    return 0;
}

int query_string_or_reply(req_t *r, const char *name, const char **out)
{
    const char *v = req_query(r, name);
    *out = v;
    if (!v || !*v) return invalid(r, name, "es obligatorio");
    if (!names_utf8_valid(v, strlen(v))) return invalid(r, name, "no es UTF-8 válido");
    return 0;
}
