/*
 * Calendar time: days counted from 1970-01-01 in the proleptic Gregorian
 * calendar (H. Hinnant's days_from_civil and civil_from_days), and the
 * RFC 3339 form convtrack prints times in.  No libc time function is used,
 * so neither the time zone nor the locale matter.  Pure.
 */
#ifndef CONVTRACK_CALTIME_H
#define CONVTRACK_CALTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" and the NUL. */
#define CT_CALTIME_RFC3339_LEN 25

/* Days since 1970-01-01 of year y, month m (1-12), day d. */
int64_t ct_caltime_days(int64_t y, int m, int d);

/* The date of a day count of ct_caltime_days(). */
void ct_caltime_civil(int64_t days, int64_t *y, int *m, int *d);

/* Days of month m (1-12) of year y. */
int ct_caltime_days_in_month(int64_t y, int m);

/*
 * Converts an RFC 3339 date-time s[0..len) (an offset is required; "T",
 * "t" or a space between date and time; digits of a second after the
 * sixth are truncated) to microseconds since 1970-01-01T00:00:00Z.
 * Returns false when s is not one, or falls outside years 1..9999 UTC.
 */
bool ct_caltime_parse(const char *s, size_t len, int64_t *us)
	__attribute__((warn_unused_result));

/*
 * Writes us (microseconds since 1970-01-01T00:00:00Z) as RFC 3339 in UTC
 * with milliseconds (truncated toward the past): "2026-11-02T08:03:12.580Z".
 * Returns 0, or -1 (out is then "") outside the years 1 to 9999.
 */
int ct_caltime_rfc3339(int64_t us, char out[CT_CALTIME_RFC3339_LEN])
	__attribute__((warn_unused_result));

#endif
