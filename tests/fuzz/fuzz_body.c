/* Fuzz target: JSON request bodies of every mutation route, through the validation helpers of
 * src/http/body.h, in the order the handlers call them (occupation.c, actions.c,
 * metrologia.c, reparacion.c).
 *
 * Properties, for every input and every body shape:
 *  - never a crash, leak or undefined behaviour;
 *  - a helper that rejects answers 422 VALIDATION_ERROR with the single error body
 *    {"success":false,"error":..,"message":..,"data":..,"detail":..} (keys in that order,
 *    detail == message, message non-empty) — whatever the input, including long or non-ASCII
 *    field names;
 *  - a helper that accepts answers nothing and hands out a value within its documented contract
 *    (strings non-empty, <= max bytes, no control characters; ints in 1..2^31-1; operations
 *    known; tag lists of 1..50 unique valid tags; no field outside the allowed set). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dates.h"
#include "core/names.h"
#include "core/spool.h"
#include "fuzz_common.h"
#include "http/body.h"

typedef enum { S_END, S_STR, S_TAG, S_INT, S_OP, S_TAGS, S_FECHA, S_TIMESTAMP } step_kind_t;

typedef struct step {
    step_kind_t kind;
    const char *field;
    int required;
    size_t max;
} step_t;

typedef struct shape {
    const char *name;
    const char *const *fields;
    step_t steps[8];
} shape_t;

static const char *const f_single[] = {"tag_spool", "worker_id", "worker_nombre", "operacion",
                                       NULL};
static const char *const f_completar[] = {"tag_spool", "worker_id", "worker_nombre", "operacion",
                                          "fecha_operacion", NULL};
static const char *const f_batch[] = {"tag_spools", "worker_id", "worker_nombre", "operacion",
                                      NULL};
static const char *const f_v21_single[] = {"worker_id", "operacion", "tag_spool", "timestamp",
                                           NULL};
static const char *const f_v21_batch[] = {"worker_id", "operacion", "tag_spools", "timestamp",
                                          NULL};
static const char *const f_metro[] = {"tag_spool", "worker_id", "resultado", "worker_nombre",
                                      NULL};
static const char *const f_repar[] = {"tag_spool", "worker_id", "operacion", "timestamp",
                                      "worker_nombre", NULL};

#define TAG_STEPS(f) {S_STR, f, 1, ZTAG_MAX - 1}, {S_TAG, f, 1, 0}

static const shape_t shapes[] = {
    {"occupation/tomar+pausar", f_single,
     {TAG_STEPS("tag_spool"), {S_INT, "worker_id", 1, 0},
      {S_STR, "worker_nombre", 0, ZNAME_MAX - 1}, {S_OP, "operacion", 1, 0}, {S_END, 0, 0, 0}}},
    {"occupation/completar", f_completar,
     {TAG_STEPS("tag_spool"), {S_INT, "worker_id", 1, 0},
      {S_STR, "worker_nombre", 0, ZNAME_MAX - 1}, {S_OP, "operacion", 0, 0},
      {S_FECHA, "fecha_operacion", 0, 0}, {S_END, 0, 0, 0}}},
    {"occupation/batch-tomar", f_batch,
     {{S_TAGS, "tag_spools", 1, 0}, {S_INT, "worker_id", 1, 0},
      {S_STR, "worker_nombre", 0, ZNAME_MAX - 1}, {S_OP, "operacion", 1, 0}, {S_END, 0, 0, 0}}},
    {"v2.1 single", f_v21_single,
     {{S_INT, "worker_id", 1, 0}, {S_OP, "operacion", 1, 0}, TAG_STEPS("tag_spool"),
      {S_TIMESTAMP, "timestamp", 0, 0}, {S_END, 0, 0, 0}}},
    {"v2.1 batch", f_v21_batch,
     {{S_INT, "worker_id", 1, 0}, {S_OP, "operacion", 1, 0}, {S_TAGS, "tag_spools", 1, 0},
      {S_TIMESTAMP, "timestamp", 0, 0}, {S_END, 0, 0, 0}}},
    {"metrologia/completar", f_metro,
     {TAG_STEPS("tag_spool"), {S_INT, "worker_id", 1, 0},
      {S_STR, "worker_nombre", 0, ZNAME_MAX - 1}, {S_STR, "resultado", 1, 16},
      {S_END, 0, 0, 0}}},
    {"reparacion", f_repar,
     {TAG_STEPS("tag_spool"), {S_INT, "worker_id", 1, 0},
      {S_STR, "worker_nombre", 0, ZNAME_MAX - 1}, {S_OP, "operacion", 0, 0}, {S_END, 0, 0, 0}}},
};

static int no_controls(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

static void check_string(const char *shape, const step_t *st, json_t *o, const char *s)
{
    json_t *v = json_object_get(o, st->field);
    if (!s) {
        FUZZ_CHECK(!st->required && (!v || json_is_null(v)),
                   "[%s] %s accepted as absent but it is required or present", shape, st->field);
        return;
    }
    FUZZ_CHECK(json_is_string(v) && json_string_value(v) == s,
               "[%s] %s: value not borrowed from the body", shape, st->field);
    size_t n = strlen(s);
    FUZZ_CHECK(n > 0 && n <= st->max, "[%s] %s accepted with %zu bytes (max %zu)", shape,
               st->field, n, st->max);
    FUZZ_CHECK(n == json_string_length(v), "[%s] %s accepted with an embedded NUL", shape,
               st->field);
    FUZZ_CHECK(no_controls(s), "[%s] %s accepted with a control character", shape, st->field);
}

static void check_tag(const char *shape, const char *field, const char *tag)
{
    size_t n = strlen(tag);
    FUZZ_CHECK(n > 0 && n < ZTAG_MAX, "[%s] %s: tag of %zu bytes accepted", shape, field, n);
    FUZZ_CHECK(names_utf8_valid(tag, n), "[%s] %s: invalid UTF-8 accepted", shape, field);
    FUZZ_CHECK(no_controls(tag), "[%s] %s: control character accepted", shape, field);
}

/* Runs one step; returns 0 when it accepted, -1 when it answered. */
static int run_step(req_t *r, const char *shape, const step_t *st, json_t *o,
                    const char **last_str)
{
    switch (st->kind) {
    case S_STR: {
        const char *s = (const char *)0x1;
        if (body_string_or_reply(r, o, st->field, st->required, st->max, &s) != 0) {
            FUZZ_CHECK(s == NULL, "[%s] %s: rejected but *out not reset", shape, st->field);
            return -1;
        }
        check_string(shape, st, o, s);
        *last_str = s;
        return 0;
    }
    case S_TAG:
        /* The handlers call tag_or_reply on the (required) string read just before. */
        FUZZ_CHECK(*last_str != NULL, "[%s] required %s accepted as absent", shape, st->field);
        if (tag_or_reply(r, st->field, *last_str) != 0) return -1;
        check_tag(shape, st->field, *last_str);
        return 0;
    case S_INT: {
        int64_t n = -1;
        if (body_int_or_reply(r, o, st->field, st->required, &n) != 0) return -1;
        json_t *v = json_object_get(o, st->field);
        if (!v || json_is_null(v)) {
            FUZZ_CHECK(!st->required && n == 0, "[%s] %s absent: n=%lld", shape, st->field,
                       (long long)n);
        } else {
            FUZZ_CHECK(n >= 1 && n <= 2147483647, "[%s] %s accepted out of range: %lld", shape,
                       st->field, (long long)n);
            FUZZ_CHECK(json_is_integer(v) || json_is_string(v), "[%s] %s accepted from a %d",
                       shape, st->field, json_typeof(v));
        }
        return 0;
    }
    case S_OP: {
        zop_t op = (zop_t)99;
        if (body_op_or_reply(r, o, st->field, st->required, &op) != 0) return -1;
        json_t *v = json_object_get(o, st->field);
        if (!v || json_is_null(v)) {
            FUZZ_CHECK(!st->required && op == ZOP_NONE, "[%s] %s absent: op %d", shape,
                       st->field, (int)op);
        } else {
            FUZZ_CHECK(op >= ZOP_ARM && op <= ZOP_REPARACION, "[%s] %s: op %d", shape, st->field,
                       (int)op);
            FUZZ_CHECK(json_is_string(v) && strcmp(zop_name(op), json_string_value(v)) == 0,
                       "[%s] %s: '%s' accepted as %s", shape, st->field,
                       json_is_string(v) ? json_string_value(v) : "?", zop_name(op));
        }
        return 0;
    }
    case S_TAGS: {
        const char **tags = NULL;
        size_t n = 0;
        if (body_tags_or_reply(r, o, st->field, &tags, &n) != 0) {
            FUZZ_CHECK(tags == NULL && n == 0, "[%s] %s: rejected but outputs set", shape,
                       st->field);
            return -1;
        }
        FUZZ_CHECK(tags && n >= 1 && n <= ZBATCH_MAX, "[%s] %s: %zu tags accepted", shape,
                   st->field, n);
        FUZZ_CHECK(json_array_size(json_object_get(o, st->field)) == n,
                   "[%s] %s: count mismatch", shape, st->field);
        for (size_t i = 0; i < n; i++) {
            check_tag(shape, st->field, tags[i]);
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(strcmp(tags[i], tags[j]) != 0, "[%s] duplicate tag '%s' accepted",
                           shape, tags[i]);
        }
        free(tags);
        return 0;
    }
    case S_FECHA: {
        /* occupation.c: optional; "" and null mean today; else YYYY-MM-DD or DD-MM-YYYY. */
        json_t *f = json_object_get(o, st->field);
        if (f && json_is_string(f) && json_string_length(f) > 0) {
            zdate_t d = 0;
            if (zdate_parse_request(json_string_value(f), &d) == 0) {
                int y = zdate_year(d), m = zdate_month(d), dd = zdate_day(d);
                zdate_t again;
                FUZZ_CHECK(zdate_make(y, m, dd, &again) == 0 && again == d,
                           "fecha '%s' parsed to invalid date %d", json_string_value(f), (int)d);
            }
        }
        return 0;
    }
    case S_TIMESTAMP: {
        json_t *t = json_object_get(o, st->field);
        zdatetime_t dt;
        if (t && json_is_string(t) && zdatetime_parse(json_string_value(t), &dt) == 0 && dt.date)
            FUZZ_CHECK(dt.sec_of_day >= 0 && dt.sec_of_day < 86400, "timestamp '%s': sec %d",
                       json_string_value(t), (int)dt.sec_of_day);
        return 0;
    }
    case S_END:
        break;
    }
    return 0;
}

static void run_shape(const shape_t *sh, json_t *o)
{
    req_t r;
    fuzz_req_init(&r, NULL, 0);
    int rejected = body_only_fields_or_reply(&r, o, sh->fields) != 0;
    if (!rejected) {
        fuzz_check_unanswered(&r, "body_only_fields_or_reply");
        const char *key;
        json_t *val;
        json_object_foreach(o, key, val) {
            int ok = 0;
            for (const char *const *a = sh->fields; *a; a++) ok |= strcmp(*a, key) == 0;
            FUZZ_CHECK(ok, "[%s] unknown field '%s' accepted", sh->name, key);
        }
        const char *last = NULL;
        for (const step_t *st = sh->steps; st->kind != S_END; st++) {
            if (run_step(&r, sh->name, st, o, &last) != 0) {
                rejected = 1;
                break;
            }
            fuzz_check_unanswered(&r, st->field);
        }
    }
    if (rejected) fuzz_check_error_body(&r, 422, "VALIDATION_ERROR");
    fuzz_req_deinit(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) return 0; /* the server caps bodies at --max-body (64 KiB) */
    char *body = fuzz_strndup(data, size);
    req_t r;
    fuzz_req_init(&r, size ? body : NULL, size);
    json_t *o = (json_t *)0x1;
    if (body_object_or_reply(&r, &o) != 0) {
        FUZZ_CHECK(o == NULL, "rejected body but *out not reset");
        fuzz_check_error_body(&r, 422, "VALIDATION_ERROR");
    } else {
        fuzz_check_unanswered(&r, "body_object_or_reply");
        FUZZ_CHECK(json_is_object(o), "accepted a non-object");
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) run_shape(&shapes[i], o);
        json_decref(o);
    }
    fuzz_req_deinit(&r);
    free(body);
    return 0;
}
