/* Time-zone conversions over libc's tz database. The zone is set once through TZ; localtime_r
 * and mktime then apply the real rules (DST changes included), never a fixed or LMT offset. */
#include "util/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int tz_init(const char *zone)
{
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    int ok = zone[0] && strstr(zone, "..") == NULL && access(path, R_OK) == 0;
    setenv("TZ", ok ? zone : "UTC", 1);
    tzset();
    return ok ? 0 : -1;
}

static void local_tm(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;
    localtime_r(&tt, tm);
}

zdate_t tz_date(int64_t t)
{
    struct tm tm;
    local_tm(t, &tm);
    return (zdate_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

int32_t tz_offset(int64_t t)
{
    struct tm tm;
    local_tm(t, &tm);
    return (int32_t)tm.tm_gmtoff;
}

int64_t tz_from_local(zdate_t d, int32_t sec_of_day)
{
    /* The wall time read as UTC, minus each offset in force around it: a candidate is right
     * when the offset at the resulting instant is the one that was subtracted. Two right ones:
     * the repeated hour of a fold (take the earlier); none: the skipped hour of a gap (take the
     * later, i.e. the wall time shifted forward by the gap). */
    int64_t utc = zdate_to_days(d) * 86400 + sec_of_day;
    int32_t o1 = tz_offset(utc - 86400), o2 = tz_offset(utc + 86400);
    int64_t c1 = utc - o1, c2 = utc - o2;
    int ok1 = tz_offset(c1) == o1, ok2 = tz_offset(c2) == o2;
    if (ok1 && ok2) return c1 < c2 ? c1 : c2;
    if (ok1) return c1;
    if (ok2) return c2;
    return c1 > c2 ? c1 : c2;
}

int64_t tz_from_datetime(const zdatetime_t *dt)
{
    if (dt->has_offset) return zdate_to_days(dt->date) * 86400 + dt->sec_of_day - dt->offset_sec;
    return tz_from_local(dt->date, dt->sec_of_day);
}

void tz_format_dmy_hms(int64_t t, char *out, size_t n)
{
    struct tm tm;
    local_tm(t, &tm);
    snprintf(out, n, "%02d-%02d-%04d %02d:%02d:%02d", tm.tm_mday, tm.tm_mon + 1,
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void tz_format_iso(int64_t t, char *out, size_t n)
{
    struct tm tm;
    local_tm(t, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
             (off % 3600) / 60);
}

int64_t tz_now(void) { return (int64_t)time(NULL); }
