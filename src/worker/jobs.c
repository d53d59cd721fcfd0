/*
 * Jobs: the periodic work the pipeline's database thread runs between
 * batches (include/convtrack/jobs.h): summaries, publication, retention
 * and the slow gauges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "convtrack/clock.h"
#include "convtrack/jobs.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/publisher.h"
#include "convtrack/retention.h"
#include "convtrack/scheduler.h"

/* Least time between two rounds, and between two readings of the gauges. */
#define CT_JOBS_EVERY_MS 100
#define CT_JOBS_GAUGES_EVERY_MS 5000

/* Most outbox rows sent per round. */
#define CT_JOBS_PUBLISH_MAX 500

struct ct_jobs {
	struct ct_scheduler *scheduler;
	struct ct_publisher *publisher;
	struct ct_retention *retention;
	int64_t next_ms;
	int64_t next_gauges_ms;
};

int ct_jobs_new(const struct ct_config *cfg, struct ct_jobs **out, char *err,
		size_t errlen)
{
	struct ct_jobs *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ct_scheduler_new(cfg, &j->scheduler, err, errlen) < 0 ||
	    (cfg->summary_llm_enabled &&
	     ct_scheduler_enable_llm(j->scheduler, err, errlen) < 0) ||
	    ct_publisher_new(cfg, &j->publisher, err, errlen) < 0 ||
	    ct_retention_new(cfg, &j->retention, err, errlen) < 0) {
		ct_jobs_free(j);
		return -1;
	}
	*out = j;
	return 0;
}

/* The outbox backlog and shared devices gauges. */
static enum ct_repo_status ct_jobs_gauges(struct ct_repo *repo)
{
	long long backlog = 0, shared = 0;
	enum ct_repo_status st;

	st = ct_repo_outbox_backlog(repo, &backlog);
	if (st == CT_REPO_OK)
		ct_metrics_set("convtrack_outbox_backlog", NULL, (double)backlog);
	if (st == CT_REPO_OK)
		st = ct_repo_shared_devices(repo, &shared);
	if (st == CT_REPO_OK)
		ct_metrics_set("convtrack_shared_devices", NULL, (double)shared);
	return st;
}

int ct_jobs_tick(struct ct_jobs *j, struct ct_repo *repo)
{
	enum ct_repo_status st;
	int sent = 0;

	if (ct_clock_ms() < j->next_ms)
		return 0;
	j->next_ms = ct_clock_ms() + CT_JOBS_EVERY_MS;
	st = ct_scheduler_tick(j->scheduler, repo, NULL);
	if (st == CT_REPO_OK)
		st = ct_publisher_tick(j->publisher, repo, CT_JOBS_PUBLISH_MAX, &sent);
	if (st == CT_REPO_OK)
		st = ct_retention_tick(j->retention, repo);
	if (st == CT_REPO_OK && ct_clock_ms() >= j->next_gauges_ms) {
		j->next_gauges_ms = ct_clock_ms() + CT_JOBS_GAUGES_EVERY_MS;
		st = ct_jobs_gauges(repo);
	}
	ct_metrics_set_db_ok(st == CT_REPO_OK || st == CT_REPO_PERMANENT);
	if (st == CT_REPO_FATAL) {
		ct_log(CT_LOG_ERROR, "fatal database error: %s", ct_repo_error(repo));
		return -1;
	}
	if (st != CT_REPO_OK)
		ct_log(CT_LOG_WARN, "summaries: %s (retrying)", ct_repo_error(repo));
	return 0;
}

void ct_jobs_free(struct ct_jobs *j)
{
	if (!j)
		return;
	ct_retention_free(j->retention);
	ct_publisher_free(j->publisher);
	ct_scheduler_free(j->scheduler);
	free(j);
}
