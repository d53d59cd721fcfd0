/*
 * Waiting before a retry: capped exponential backoff and a sleep.  Used by
 * the consumer's batch retries (retry.*), the start-up connection to
 * PostgreSQL and an erasure whose scope grew under its lock.
 */
#ifndef CONVTRACK_BACKOFF_H
#define CONVTRACK_BACKOFF_H

#include <stdint.h>

/*
 * The delay before retry number attempt (0 for the first): initial_ms
 * doubled attempt times, at most max_ms.
 */
int64_t ct_backoff_ms(int64_t initial_ms, int64_t max_ms, int attempt);

/* Sleeps ms milliseconds; a signal may end the sleep early. */
void ct_sleep_ms(int64_t ms);

#endif
