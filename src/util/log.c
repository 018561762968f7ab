/* The log sink: one line per call on stderr, written with a single write so lines of
 * concurrent threads never interleave; and per-thread buffers for the access log, flushed by
 * a background thread (see log.h). */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/clock.h"
#include "util/thread.h"

log_level_t log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

#define LINE_MAX_BYTES 2048
/* One buffer is written with one write(2) of at most PIPE_BUF bytes of whole lines: a pipe
 * (journald, a container runtime) never interleaves such a write with another writer's. */
#define TLB_BYTES 4096

static atomic_int log_json; /* log_set_format: lines as JSON objects */

void log_set_format(log_format_t f) { atomic_store(&log_json, f == LOG_FORMAT_JSON); }

/* Appends src as the inside of a JSON string at line[n], at most cap bytes in all (the caller
 * keeps room for the closing characters); invalid UTF-8 bytes become U+FFFD. Returns the new
 * length. */
static size_t json_escape(char *line, size_t n, size_t cap, const char *src)
{
    const unsigned char *p = (const unsigned char *)src;
    while (*p && n + 7 < cap) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            line[n++] = '\\';
            line[n++] = (char)c;
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(line + n, cap - n, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            line[n++] = (char)c;
            p++;
        } else {
            /* the length of a well-formed sequence starting here, or 0 */
            size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                       : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            for (size_t k = 1; k < len; k++)
                if ((p[k] & 0xc0) != 0x80) len = 0;
            if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))) len = 0;
            if (len == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))) len = 0;
            if (!len) {
                memcpy(line + n, "\xef\xbf\xbd", 3);
                n += 3;
                p++;
            } else {
                memcpy(line + n, p, len);
                n += len;
                p += len;
            }
        }
    }
    return n;
}

/* Formats one line (with its newline) into line; returns its length. */
static size_t format_line(char *line, log_level_t level, const char *module, const char *fmt,
                          va_list ap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[64];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    if (atomic_load(&log_json)) {
        char msg[LINE_MAX_BYTES];
        if (vsnprintf(msg, sizeof msg, fmt, ap) < 0) msg[0] = '\0';
        int n = snprintf(line, LINE_MAX_BYTES, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":\"",
                         stamp, level_names[level]);
        if (n < 0) return 0;
        size_t len = json_escape(line, (size_t)n, LINE_MAX_BYTES - 16, module);
        memcpy(line + len, "\",\"msg\":\"", 9);
        len = json_escape(line, len + 9, LINE_MAX_BYTES - 4, msg);
        memcpy(line + len, "\"}\n", 3);
        return len + 3;
    }
    /* Text lines: a control byte in the message (a decoded %0a in a request path, say) is
     * written as \xHH, so no client can forge or split log lines. */
    char msg[LINE_MAX_BYTES];
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0) msg[0] = '\0';
    int n = snprintf(line, LINE_MAX_BYTES, "%s %s %s: ", stamp, level_names[level], module);
    if (n < 0) return 0;
    size_t len = (size_t)n;
    for (const unsigned char *p = (const unsigned char *)msg; *p && len + 5 < LINE_MAX_BYTES; p++) {
        if (*p < 0x20 || *p == 0x7f) len += (size_t)snprintf(line + len, 5, "\\x%02x", *p);
        else line[len++] = (char)*p;
    }
    line[len++] = '\n';
    return len;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* nowhere to report a failing stderr */
        p += w;
        n -= (size_t)w;
    }
}

void log_write(log_level_t level, const char *module, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_line(line, level, module, fmt, ap);
    va_end(ap);
    write_all(line, len);
}

/* ------------------------------------------------------------------------------------------ */
/* Buffered lines                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct tlb {
    struct tlb *next;
    pthread_mutex_t mu; /* the owner thread and the flusher; uncontended in practice */
    size_t len;
    char data[TLB_BYTES];
} tlb_t;

static struct {
    pthread_mutex_t mu; /* guards the list, running and the flusher's wake-up */
    pthread_cond_t cv;
    tlb_t *head;
    atomic_int running; /* read without the lock by every buffered write */
    int stop;
    pthread_t thread;
    pthread_key_t key;
    int flush_ms;
} bl = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void tlb_flush_locked(tlb_t *b)
{
    if (b->len) write_all(b->data, b->len);
    b->len = 0;
}

/* Thread exit: the buffer is written and leaves the list. */
static void on_thread_exit(void *p)
{
    tlb_t *b = p;
    pthread_mutex_lock(&bl.mu);
    for (tlb_t **pp = &bl.head; *pp; pp = &(*pp)->next)
        if (*pp == b) {
            *pp = b->next;
            break;
        }
    pthread_mutex_unlock(&bl.mu);
    pthread_mutex_lock(&b->mu);
    tlb_flush_locked(b);
    pthread_mutex_unlock(&b->mu);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static void make_key(void) { pthread_key_create(&bl.key, on_thread_exit); }

static void flush_all_locked(void)
{
    for (tlb_t *b = bl.head; b; b = b->next) {
        pthread_mutex_lock(&b->mu);
        tlb_flush_locked(b);
        pthread_mutex_unlock(&b->mu);
    }
}

static void *flusher_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&bl.mu);
    while (!bl.stop) {
        clock_cond_wait_ms(&bl.cv, &bl.mu, bl.flush_ms);
        flush_all_locked();
    }
    pthread_mutex_unlock(&bl.mu);
    return NULL;
}

int log_buffered_start(int flush_ms)
{
    pthread_once(&key_once, make_key);
    pthread_mutex_lock(&bl.mu);
    int rc = 0;
    if (!atomic_load(&bl.running)) {
        clock_cond_init(&bl.cv);
        bl.flush_ms = flush_ms > 0 ? flush_ms : 250;
        bl.stop = 0;
        rc = thread_start(&bl.thread, "zeues-log", flusher_main, NULL);
        atomic_store(&bl.running, rc == 0);
    }
    pthread_mutex_unlock(&bl.mu);
    return rc == 0 ? 0 : -1;
}

void log_buffered_stop(void)
{
    pthread_mutex_lock(&bl.mu);
    if (!atomic_load(&bl.running)) {
        pthread_mutex_unlock(&bl.mu);
        return;
    }
    bl.stop = 1;
    pthread_cond_signal(&bl.cv);
    pthread_mutex_unlock(&bl.mu);
    pthread_join(bl.thread, NULL);
    pthread_mutex_lock(&bl.mu);
    atomic_store(&bl.running, 0);
    flush_all_locked();
    pthread_cond_destroy(&bl.cv);
    pthread_mutex_unlock(&bl.mu);
}

void log_write_buffered(log_level_t level, const char *module, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_line(line, level, module, fmt, ap);
    va_end(ap);

    if (!atomic_load(&bl.running)) {
        write_all(line, len);
        return;
    }
    tlb_t *b = pthread_getspecific(bl.key);
    if (!b) {
        b = xcalloc(1, sizeof *b);
        pthread_mutex_init(&b->mu, NULL);
        pthread_setspecific(bl.key, b);
        pthread_mutex_lock(&bl.mu);
        b->next = bl.head;
        bl.head = b;
        pthread_mutex_unlock(&bl.mu);
    }
    pthread_mutex_lock(&b->mu);
    if (b->len + len > sizeof b->data) tlb_flush_locked(b);
    memcpy(b->data + b->len, line, len);
    b->len += len;
    pthread_mutex_unlock(&b->mu);
}
