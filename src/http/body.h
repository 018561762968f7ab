/* Request-body and query validation helpers in the `_or_reply` style: each returns 0 when the
 * value is good, or answers the request with a 422 VALIDATION_ERROR (message names the field
 * and the rule) and returns -1, so handlers read as straight-line code. */
#ifndef ZEUES_HTTP_BODY_H
#define ZEUES_HTTP_BODY_H
#include <jansson.h>
#include <stdint.h>

#include "core/spool.h"
#include "http/reply.h"

#define ZBATCH_MAX 50

/** Parses the body as a JSON object (*out is a new reference the caller decrefs). */
int body_object_or_reply(req_t *r, json_t **out);
/** Rejects any key of o not in allowed (NULL-terminated); the message names them. */
int body_only_fields_or_reply(req_t *r, json_t *o, const char *const *allowed);
/** Integer > 0 (a string of digits is accepted, as the original did). Absent and not required:
 *  *out = 0. */
int body_int_or_reply(req_t *r, json_t *o, const char *field, int required, int64_t *out);
/** Non-empty string of at most max_len bytes without control characters. Absent and not
 *  required (or null): *out = NULL. *out is borrowed from o. */
int body_string_or_reply(req_t *r, json_t *o, const char *field, int required, size_t max_len,
                         const char **out);
/** Operation name (ARM, SOLD, METROLOGIA, REPARACION; exact case). Absent and not required:
 *  *out = ZOP_NONE. */
int body_op_or_reply(req_t *r, json_t *o, const char *field, int required, zop_t *out);
/** Array of 1..50 unique valid tags. *tags is a new array of borrowed strings (caller frees
 *  the array with free()). */
int body_tags_or_reply(req_t *r, json_t *o, const char *field, const char ***tags, size_t *n);
/** Array of at most max_items strings (each at most max_len bytes, no NUL). Absent or null and
 *  not required: an empty list. unique: duplicates are refused. *out is a new array of
 *  borrowed strings (caller frees the array with free(); NULL when empty). */
int body_strings_or_reply(req_t *r, json_t *o, const char *field, int required, size_t min_items,
                          size_t max_items, size_t max_len, int unique, const char ***out,
                          size_t *n);
/** Validates one tag (also for path and query values). */
int tag_or_reply(req_t *r, const char *field, const char *tag);
/** Required query integer > 0. */
int query_int_or_reply(req_t *r, const char *name, int required, int64_t *out);
/** Required query string (non-empty). */
int query_string_or_reply(req_t *r, const char *name, const char **out);

#endif
