/*
 * Clock: the monotonic time every periodic job and retry measures with, a
 * millisecond sleep, and capped exponential backoff.  Used by the batch
 * retries (retry.*), the start-up connection to PostgreSQL, an erasure
 * whose scope grew under its lock, the scheduler, the retention job and
 * the pipeline's timings.
 */
#ifndef CONVTRACK_CLOCK_H
#define CONVTRACK_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: for intervals, never for timestamps. */
int64_t ct_clock_ms(void);

/* The wall clock (CLOCK_REALTIME), in microseconds since 1970-01-01 UTC. */
int64_t ct_clock_wall_us(void);

/*
 * The delay before retry number attempt (0 for the first): initial_ms
 * doubled attempt times, at most max_ms.
 */
int64_t ct_backoff_ms(int64_t initial_ms, int64_t max_ms, int attempt);

/* Sleeps ms milliseconds; a signal may end the sleep early. */
void ct_sleep_ms(int64_t ms);

#endif
