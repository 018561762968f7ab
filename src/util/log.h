/* Level-checked logging to stderr. Arguments are not evaluated when the level is off.
 * Each .c file defines LOG_MODULE before using the macros. */
#ifndef ZEUES_UTIL_LOG_H
#define ZEUES_UTIL_LOG_H

typedef enum log_level { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level_t;

extern log_level_t log_threshold;

typedef enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON } log_format_t;
/** LOG_FORMAT_JSON: every line is one JSON object {"ts","level","module","msg"} (for log
 *  shippers); LOG_FORMAT_TEXT (the default): "2026-01-30T17:12:05.123Z LEVEL module: text". */
void log_set_format(log_format_t f);

/** Writes one line in the chosen format (log_set_format). Thread-safe. */
void log_write(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Same line, appended to a buffer of the calling thread (for the access log: one write(2)
 *  per request was the largest cost of a small GET). A buffer is written, whole lines only and
 *  at most PIPE_BUF bytes at a time, when full, by a flusher thread every flush period, when
 *  its thread exits and by log_buffered_stop. Before log_buffered_start (and after stop) it
 *  writes at once, like log_write. Thread-safe. */
void log_write_buffered(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Starts the flusher thread (flush_ms <= 0: 250 ms). Returns 0, or -1 when the thread cannot
 *  start (lines are then written at once). Idempotent. */
int log_buffered_start(int flush_ms);
/** Stops the flusher and writes every buffer. Call at shutdown, after the threads that log
 *  buffered lines have stopped; idempotent. */
void log_buffered_stop(void);

#define LOG_AT(lvl, ...)                                                   \
    do {                                                                   \
        if ((lvl) >= log_threshold) log_write((lvl), LOG_MODULE, __VA_ARGS__); \
    } while (0)
#define LOG_AT_BUFFERED(lvl, ...)                                                     \
    do {                                                                               \
        if ((lvl) >= log_threshold) log_write_buffered((lvl), LOG_MODULE, __VA_ARGS__); \
    } while (0)
#define LOG_DEBUG(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_WARN(...) LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_ERROR(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
