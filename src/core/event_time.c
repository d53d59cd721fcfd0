/*
 * Input events: timestamps written the way PostgreSQL reads a timestamptz
 * (ct_event_format_time).  occurred_at is read as RFC 3339 by
 * ct_caltime_parse() (caltime.c), which also does the calendar; no libc
 * time function is used, so neither the time zone nor the locale matter.
 */
#include <stdio.h>
#include <string.h>

#include "convtrack/caltime.h"
#include "event_int.h"

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

void ct_event_format_time(int64_t us, char out[40])
{
	int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY, year;
	char buf[160]; /* what the compiler must assume the fields can take */
	int month, day;
	long long secs;
	size_t n;
	bool bc;

	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	ct_caltime_civil(days, &year, &month, &day);
	bc = year <= 0;
	secs = (long long)(rem / US_PER_SEC);
	snprintf(buf, sizeof(buf),
		 "%04lld-%02d-%02d %02lld:%02lld:%02lld.%06lld+00%s",
		 (long long)(bc ? 1 - year : year), month, day, secs / 3600,
		 secs / 60 % 60, secs % 60, (long long)(rem % US_PER_SEC),
		 bc ? " BC" : "");
	/* At most 6 year digits for any int64: always fits in 40 bytes. */
	n = strlen(buf);
	if (n > 39)
		n = 39;
	memcpy(out, buf, n);
	out[n] = '\0';
}
