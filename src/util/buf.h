/* The one growable byte buffer of the project (always NUL-terminated). */
#ifndef ZEUES_UTIL_BUF_H
#define ZEUES_UTIL_BUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}

/** Makes room for extra more bytes (and the NUL) without changing the contents. */
void buf_reserve(buf_t *b, size_t extra);
/** Appends n bytes. */
void buf_append(buf_t *b, const char *s, size_t n);
/** Appends a NUL-terminated string. */
void buf_puts(buf_t *b, const char *s);
/** Appends one byte. */
void buf_putc(buf_t *b, char c);
/** Appends printf-formatted text. */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/** Returns the contents ("" when empty); borrowed, valid until the next append. */
const char *buf_str(const buf_t *b);
/** Empties the buffer, keeping its memory. */
void buf_reset(buf_t *b);
/** Frees the memory; the buffer is empty and reusable afterwards. */
void buf_deinit(buf_t *b);
/** Hands the contents to the caller (caller frees with free()); the buffer is empty afterwards. */
char *buf_take(buf_t *b);

#endif
