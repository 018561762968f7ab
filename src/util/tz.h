/* Wall-clock conversions in the plant's time zone (TIMEZONE, default America/Santiago), using
 * the system tz database. tz_init is called once at start-up, before any thread starts. */
#ifndef ZEUES_UTIL_TZ_H
#define ZEUES_UTIL_TZ_H
#include <stddef.h>
#include <stdint.h>

#include "core/dates.h"

/** Selects the zone (e.g. "America/Santiago"). Returns 0, or -1 when the tz database has no
 *  such zone (then UTC is used and the caller should say so). */
int tz_init(const char *zone);
/** Local calendar date at unix time t. */
zdate_t tz_date(int64_t t);
/** Offset east of UTC in seconds at unix time t (-10800 or -14400 for Santiago). */
int32_t tz_offset(int64_t t);
/** Unix time of a local wall time; in a DST gap the later instant, in a fold the earlier one. */
int64_t tz_from_local(zdate_t d, int32_t sec_of_day);
/** Unix time of a parsed date-time: explicit offset when it has one, else local wall time. */
int64_t tz_from_datetime(const zdatetime_t *dt);
/** "DD-MM-YYYY HH:MM:SS" local time into out (at least 20 bytes). */
void tz_format_dmy_hms(int64_t t, char *out, size_t n);
/** ISO 8601 local time with offset, "2026-01-27T10:30:00-03:00", into out (at least 26 bytes). */
void tz_format_iso(int64_t t, char *out, size_t n);
/** Current unix time (the only clock read of the process outside benchmarks). */
int64_t tz_now(void);

#endif
