/* Calendar dates as YYYYMMDD integers and the date formats found in the plant's sheets.
 * Pure functions: no clock, no time zone (see util/tz.h for wall-clock conversions). */
#ifndef ZEUES_CORE_DATES_H
#define ZEUES_CORE_DATES_H
#include <stddef.h>
#include <stdint.h>

/** A calendar date as the integer YYYYMMDD (20260130); ZDATE_NONE means "no date". */
typedef int32_t zdate_t;
#define ZDATE_NONE 0

/** A wall-clock date-time as written in a sheet, optionally with an explicit UTC offset. */
typedef struct zdatetime {
    zdate_t date;
    int32_t sec_of_day;  /* 0..86399 */
    int has_offset;      /* 1 when the text carried Z or +HH:MM / -HH:MM */
    int32_t offset_sec;  /* east of UTC, valid when has_offset */
} zdatetime_t;

/** Builds a date from its parts; 0 on success, -1 if the date does not exist (31-02, month 13, ...). */
int zdate_make(int y, int m, int d, zdate_t *out);
int zdate_year(zdate_t d);
int zdate_month(zdate_t d);
int zdate_day(zdate_t d);

/**
 * Parses a date cell as the plant's sheets contain them. Surrounding white space is ignored.
 * Accepted: YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, DD/MM/YY (20YY), DD-Mon-YYYY (English month
 * abbreviation, any case), single-digit day/month in the numeric forms, and spreadsheet serial
 * numbers (integer or fraction: 45678, 45678.75; 1900 date system, serial 1 = 1900-01-01,
 * accepted range 1..2958465). A date-time text (see zdatetime_parse) is accepted and its date kept.
 * Returns 0 and sets *out (ZDATE_NONE for an empty/blank cell), or -1 for anything else
 * (garbage is never turned into a date).
 */
int zdate_parse(const char *s, zdate_t *out);

/** Parses a date sent by a client: only YYYY-MM-DD and DD-MM-YYYY (zero-padded); 0 or -1. */
int zdate_parse_request(const char *s, zdate_t *out);

/**
 * Parses a date-time cell: DD-MM-YYYY HH:MM:SS, DD/MM/YYYY HH:MM:SS, YYYY-MM-DD HH:MM:SS,
 * ISO 8601 YYYY-MM-DDTHH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM], a date alone (midnight), or a
 * spreadsheet serial with a fraction. Returns 0 (out->date == ZDATE_NONE for blank) or -1.
 */
int zdatetime_parse(const char *s, zdatetime_t *out);

/** Writes DD-MM-YYYY into out (at least 11 bytes); "" for ZDATE_NONE. */
void zdate_format_dmy(zdate_t d, char *out, size_t n);
/** Writes YYYY-MM-DD into out (at least 11 bytes); "" for ZDATE_NONE. */
void zdate_format_iso(zdate_t d, char *out, size_t n);

/** Days since 1970-01-01 (negative before). d must be a valid date. */
int64_t zdate_to_days(zdate_t d);
/** Inverse of zdate_to_days. */
zdate_t zdate_from_days(int64_t days);

#endif
