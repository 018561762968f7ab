/* Level-checked logging to stderr. Arguments are not evaluated when the level is off.
 * Each .c file defines LOG_MODULE before using the macros. */
#ifndef ZEUES_UTIL_LOG_H
#define ZEUES_UTIL_LOG_H

typedef enum log_level { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level_t;

extern log_level_t log_threshold;

/** Writes one line "2026-01-30T17:12:05.123Z LEVEL module: text". Thread-safe. */
void log_write(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(lvl, ...)                                                   \
    do {                                                                   \
        if ((lvl) >= log_threshold) log_write((lvl), LOG_MODULE, __VA_ARGS__); \
    } while (0)
#define LOG_DEBUG(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_WARN(...) LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_ERROR(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
