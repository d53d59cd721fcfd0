/*
 * The monotonic clock, a millisecond sleep and capped exponential backoff
 * (convtrack/clock.h).
 */
#include <time.h>

#include "convtrack/clock.h"

int64_t ct_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ct_clock_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

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
