/*
 * Jobs: the worker's periodic work between batches, at most every 100 ms:
 * the summary scheduler (grace, stale sweep; convtrack/scheduler.h), the
 * outbox publisher (convtrack/publisher.h), the retention job
 * (convtrack/retention.h), and every 5 s the outbox backlog and shared
 * devices gauges.  Run by the pipeline's database thread.
 */
#ifndef CONVTRACK_JOBS_H
#define CONVTRACK_JOBS_H

#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/repo.h"

struct ct_jobs;

/*
 * Builds the jobs from cfg (borrowed; must outlive them).  Returns 0 and
 * sets *out, or -1 with a message in err.
 */
int ct_jobs_new(const struct ct_config *cfg, struct ct_jobs **out, char *err,
		size_t errlen) __attribute__((warn_unused_result));

/*
 * Runs what is due over repo.  Transient failures are logged and retried
 * on a later call.  Returns 0, or -1 for a fatal error that stops the
 * worker (logged).
 */
int ct_jobs_tick(struct ct_jobs *jobs, struct ct_repo *repo)
	__attribute__((warn_unused_result));

/* Frees jobs.  NULL is a no-op. */
void ct_jobs_free(struct ct_jobs *jobs);

#endif
