/*
 * Calendar time (include/convtrack/caltime.h): the date arithmetic that
 * events (event.c, event_time.c) and the operator commands' times
 * (store/pgtext.c, cli.c) share, RFC 3339 as events carry it, and the
 * RFC 3339 form convtrack prints.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "convtrack/caltime.h"

#define CT_CALTIME_US_PER_DAY (INT64_C(86400) * 1000000)

int64_t ct_caltime_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void ct_caltime_civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int ct_caltime_days_in_month(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return m == 2 && leap ? 29 : days[m - 1];
}

int ct_caltime_rfc3339(int64_t us, char out[CT_CALTIME_RFC3339_LEN])
{
	int64_t days = us >= 0 ? us / CT_CALTIME_US_PER_DAY
			       : -((-us + CT_CALTIME_US_PER_DAY - 1) /
				   CT_CALTIME_US_PER_DAY);
	int64_t rest = us - days * CT_CALTIME_US_PER_DAY, y;
	int64_t secs = rest / 1000000;
	char buf[64];
	int m, d;

	out[0] = '\0';
	ct_caltime_civil(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return -1;
	/* every field is in range here: the text is 24 bytes */
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y,
		 m, d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 (int)(rest % 1000000 / 1000));
	memcpy(out, buf, CT_CALTIME_RFC3339_LEN - 1);
	out[CT_CALTIME_RFC3339_LEN - 1] = '\0';
	return 0;
}

/* Reads exactly n decimal digits at s. */
static bool read_digits(const char *s, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* Broken-down RFC 3339 date-time, as written. */
struct rfc3339 {
	int year, month, day, hour, minute, second;
	int64_t frac_us;
	int offset_s; /* east of UTC */
};

/* "YYYY-MM-DD" + separator + "HH:MM:SS"; 19 bytes. */
static bool parse_date_time(const char *s, struct rfc3339 *t)
{
	return read_digits(s, 4, &t->year) && s[4] == '-' &&
	       read_digits(s + 5, 2, &t->month) && s[7] == '-' &&
	       read_digits(s + 8, 2, &t->day) &&
	       (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
	       read_digits(s + 11, 2, &t->hour) && s[13] == ':' &&
	       read_digits(s + 14, 2, &t->minute) && s[16] == ':' &&
	       read_digits(s + 17, 2, &t->second);
}

/* "(.digits)?"; digits after the sixth are truncated.  Advances *i. */
static bool parse_fraction(const char *s, size_t len, size_t *i,
			   struct rfc3339 *t)
{
	int64_t scale = 100000;
	size_t start;

	t->frac_us = 0;
	if (*i >= len || s[*i] != '.')
		return true;
	start = ++*i;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		t->frac_us += (s[*i] - '0') * scale;
		scale /= 10;
		++*i;
	}
	return *i > start;
}

/* "Z", "z" or "+HH:MM" / "-HH:MM", ending the string. */
static bool parse_offset(const char *s, size_t len, struct rfc3339 *t)
{
	int oh, om;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		t->offset_s = 0;
		return true;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    !read_digits(s + 1, 2, &oh) || !read_digits(s + 4, 2, &om) ||
	    oh > 23 || om > 59)
		return false;
	t->offset_s = (oh * 60 + om) * 60 * (s[0] == '-' ? -1 : 1);
	return true;
}

static bool rfc3339_fields_valid(const struct rfc3339 *t)
{
	return t->year >= 1 && t->month >= 1 && t->month <= 12 &&
	       t->day >= 1 && t->day <= ct_caltime_days_in_month(t->year, t->month) &&
	       t->hour <= 23 && t->minute <= 59 && t->second <= 60;
}

/*
 * Converts an RFC 3339 date-time to microseconds since the epoch.  Second 60
 * (a leap second) counts as the first second of the next minute, as in
 * PostgreSQL.  The instant must fall in years 1..9999 UTC, so that it has a
 * plain four-digit form everywhere downstream.
 */
bool ct_caltime_parse(const char *s, size_t len, int64_t *us)
{
	struct rfc3339 t;
	size_t i = 19;
	int64_t secs;

	if (len < 20 || !parse_date_time(s, &t) ||
	    !parse_fraction(s, len, &i, &t) ||
	    !parse_offset(s + i, len - i, &t) || !rfc3339_fields_valid(&t))
		return false;
	secs = ct_caltime_days(t.year, t.month, t.day) * 86400 +
	       t.hour * 3600 + t.minute * 60 + t.second - t.offset_s;
	*us = secs * INT64_C(1000000) + t.frac_us;
	return *us >= ct_caltime_days(1, 1, 1) * CT_CALTIME_US_PER_DAY &&
	       *us < ct_caltime_days(10000, 1, 1) * CT_CALTIME_US_PER_DAY;
}

/*
 * Any int64 is formatted; years before 1 are written the PostgreSQL way
 * ("0001-12-31 ... BC" is year 0), though parsed events never have them.
 */
