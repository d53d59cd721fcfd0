/*
 * Capped exponential backoff and a millisecond sleep (convtrack/backoff.h).
 */
#include <time.h>

#include "convtrack/backoff.h"

int64_t ct_backoff_ms(int64_t initial_ms, int64_t max_ms, int attempt)
{
	int64_t d = initial_ms;

	while (attempt-- > 0 && d < max_ms)
		d *= 2;
	return d > max_ms ? max_ms : d;
}

void ct_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
