/* Shared helpers of the libFuzzer targets: a req_t without libmicrohttpd, a query-string stub
 * for req_query, and the oracle for the single error body of the SPEC.
 *
 * FUZZ_CHECK aborts with a message (libFuzzer saves the input as a crash artifact), so every
 * property violation is reported exactly like a memory error. */
#ifndef ZEUES_FUZZ_COMMON_H
#define ZEUES_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/reply.h"

#define FUZZ_CHECK(cond, ...)                                                        \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "\nFUZZ PROPERTY VIOLATED at %s:%d: %s\n  ", __FILE__,    \
                    __LINE__, #cond);                                                \
            fprintf(stderr, __VA_ARGS__);                                            \
            fprintf(stderr, "\n");                                                   \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/** Copies data into a fresh NUL-terminated buffer (caller frees). */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    for (size_t i = 0; i < n; i++) s[i] = (char)data[i];
    s[n] = '\0';
    return s;
}

/** Sets the query string req_query answers from ("a=1&b=x%20y"; NULL = none). Decoding
 *  follows libmicrohttpd: '+' is a space, %XX is a byte, a key without '=' has value "". */
void fuzz_set_query(const char *qs);

/** A request with the given body (NUL-terminated copy made by the caller, or NULL). */
void fuzz_req_init(req_t *r, const char *body, size_t len);
void fuzz_req_deinit(req_t *r);

/** Checks r's answer is the single error body with status `status` (0 = any 4xx) and error
 *  code `code` (NULL = any). Aborts on violation. */
void fuzz_check_error_body(const req_t *r, int status, const char *code);

/** Checks nothing was answered (a validation helper returned 0). */
void fuzz_check_unanswered(const req_t *r, const char *what);

#endif
