/*
 * Retention: the job that purges message text older than
 * retention.messages_days (issue 6, item 5; docs/privacy-retention.md).
 *
 * The worker calls ct_retention_tick() between batches, beside the scheduler (convtrack/jobs.h):
 * every retention.interval_s it starts a pass with one cutoff, and each tick
 * of the pass runs one bounded transaction (retention.batch_size sessions)
 * until nothing is left, so a pass never holds up the event path for long.
 * Message rows stay as tombstones; summaries and statistics do not change.
 * Safe with several workers: they share a pass session by session (see
 * include/convtrack/repo_retention.h).  `convtrack retention run` runs one
 * whole pass at once with ct_retention_run().
 */
#ifndef CONVTRACK_RETENTION_H
#define CONVTRACK_RETENTION_H

#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/repo.h"
#include "convtrack/repo_retention.h"

struct ct_retention;

/* What a pass (or part of one) did. */
struct ct_retention_stats {
	char cutoff[CT_REPO_CUTOFF_MAX]; /* text older than this was purged */
	long long checked;  /* sessions looked at */
	long long sessions; /* sessions some text of which was purged */
	long long messages; /* messages whose text was purged */
	int batches;        /* transactions run */
};

/* Creates the worker's job.  Returns 0, or -1 with err (errlen bytes). */
int ct_retention_new(const struct ct_config *cfg, struct ct_retention **out,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * One step of the worker's job: nothing when retention is off or no pass
 * is due, else at most one retention transaction.  Counts the metrics.
 */
enum ct_repo_status ct_retention_tick(struct ct_retention *rt,
				      struct ct_repo *repo)
	__attribute__((warn_unused_result));

/*
 * A whole pass now with cfg's retention.messages_days (which must be > 0)
 * and retention.batch_size; *stats gets what it did.  Counts the metrics.
 */
enum ct_repo_status ct_retention_run(const struct ct_config *cfg,
				     struct ct_repo *repo,
				     struct ct_retention_stats *stats)
	__attribute__((warn_unused_result));

/* Frees rt.  Does nothing when rt is NULL. */
void ct_retention_free(struct ct_retention *rt);

#endif
