/*
 * Sweeper: periodic maintenance of sessions (rules 7 and 8).
 *
 * Every sessions.sweep_interval_s it ends stale sessions (no call_ended,
 * newest event older than sessions.stale_after_s); on every tick it
 * summarizes the sessions whose summary is due (summary.grace_ms after
 * their last event once ended, or at once after a profile change or a stale
 * end), writing a new version and its outbox row only when the summary's
 * value changed.  Safe with several workers: sessions are locked like the
 * applier locks them, and a session already done by another worker is
 * skipped.
 */
#ifndef CONVTRACK_SWEEPER_H
#define CONVTRACK_SWEEPER_H

#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/repo.h"

struct ct_sweeper;

struct ct_sweeper_stats {
	int stale_ended;   /* sessions ended by the stale sweep */
	int summarized;    /* sessions whose summary was (re)computed */
	int versions;      /* new summary versions written */
};

/* Creates a sweeper (loads the text rules).  Returns 0 or -1 with err. */
int ct_sweeper_new(const struct ct_config *cfg, struct ct_sweeper **out,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/* One round of work; stats (may be NULL) are added to. */
enum ct_repo_status ct_sweeper_tick(struct ct_sweeper *sw, struct ct_repo *repo,
				    struct ct_sweeper_stats *stats)
	__attribute__((warn_unused_result));

/* Frees sw.  Does nothing when sw is NULL. */
void ct_sweeper_free(struct ct_sweeper *sw);

#endif
