/*
 * Unit tests of the capped exponential backoff and of the monotonic clock
 * (convtrack/clock.h): the
 * delays of the pipeline's batch retries (retry.initial_ms 100, retry.max_ms
 * 10000 by default), of an erasure's retries (20 to 500 ms) and of a
 * sleep's length.
 */
#include <stdint.h>
#include <time.h>

#include "check.h"
#include "convtrack/clock.h"

static void test_delays(void)
{
	static const int64_t erase[] = { 20, 40, 80, 160, 320, 500, 500 };
	int64_t sum = 0;
	int i;

	for (i = 0; i < 7; i++) {
		CHECK(ct_backoff_ms(20, 500, i) == erase[i]);
		sum += ct_backoff_ms(20, 500, i);
	}
	CHECK(sum == 1620);
	CHECK(ct_backoff_ms(100, 10000, 0) == 100);
	CHECK(ct_backoff_ms(100, 10000, 6) == 6400);
	CHECK(ct_backoff_ms(100, 10000, 7) == 10000);
	/* a worker retrying for days: capped, no overflow */
	CHECK(ct_backoff_ms(100, 10000, 2000000000) == 10000);
	/* the largest settings (config.c): one hour */
	CHECK(ct_backoff_ms(3600000, 3600000, 40) == 3600000);
	/* a cap below the first delay wins */
	CHECK(ct_backoff_ms(800, 300, 0) == 300);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_sleep(void)
{
	int64_t t0 = now_ms(), c0 = ct_clock_ms(), c1;

	ct_sleep_ms(1050);
	c1 = ct_clock_ms();
	CHECK(now_ms() - t0 >= 1050);
	/* ct_clock_ms() is the same clock, in milliseconds */
	CHECK(c1 - c0 >= 1050);
	CHECK(c1 - c0 <= now_ms() - t0 + 1);
}

/* The wall clock is the calendar time, in microseconds. */
static void test_wall(void)
{
	int64_t before = (int64_t)time(NULL) * 1000000;
	int64_t us = ct_clock_wall_us();
	int64_t after = ((int64_t)time(NULL) + 1) * 1000000;

	CHECK(us >= before && us <= after);
}

int main(void)
{
	test_wall();
	test_delays();
	test_sleep();
	return ct_check_done();
}
