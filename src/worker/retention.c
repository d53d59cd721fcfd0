/*
 * Retention: the message-text purge job.  See include/convtrack/retention.h.
 *
 * A pass keeps its cutoff from start to end: a session checked at that
 * cutoff is not looked at again in the same pass, so a pass ends even
 * though sessions that span the cutoff keep some (younger) text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtrack/clock.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/retention.h"

struct ct_retention {
	const struct ct_config *cfg;
	bool in_pass;
	int64_t next_pass_ms;          /* monotonic */
	struct ct_retention_stats pass; /* of the pass under way */
};

int ct_retention_new(const struct ct_config *cfg, struct ct_retention **out,
		     char *err, size_t errlen)
{
	struct ct_retention *rt = calloc(1, sizeof(*rt));

	*out = NULL;
	if (!rt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rt->cfg = cfg;
	/* the counters exist from the start, so a sum over workers sees 0 */
	ct_metrics_inc("convtrack_retention_passes_total", NULL, 0);
	ct_metrics_inc("convtrack_messages_purged_total", NULL, 0);
	ct_metrics_inc("convtrack_retention_sessions_purged_total", NULL, 0);
	*out = rt;
	return 0;
}

void ct_retention_free(struct ct_retention *rt)
{
	free(rt);
}

/* Starts a pass: fixes its cutoff. */
static enum ct_repo_status ct_retention_begin(struct ct_repo *repo, int days,
					      struct ct_retention_stats *pass)
{
	memset(pass, 0, sizeof(*pass));
	return ct_repo_retention_cutoff(repo, days, pass->cutoff,
					sizeof(pass->cutoff));
}

/* One transaction of a pass; *done when it found nothing left to look at. */
static enum ct_repo_status ct_retention_step(struct ct_repo *repo, int batch,
					     struct ct_retention_stats *pass,
					     bool *done)
{
	struct ct_repo_retention_counts n;
	enum ct_repo_status st;

	st = ct_repo_retention_batch(repo, pass->cutoff, batch, &n);
	if (st != CT_REPO_OK)
		return st;
	pass->batches++;
	pass->checked += n.checked;
	pass->sessions += n.sessions;
	pass->messages += n.messages;
	ct_metrics_inc("convtrack_messages_purged_total", NULL, n.messages);
	ct_metrics_inc("convtrack_retention_sessions_purged_total", NULL,
		       n.sessions);
	*done = n.checked == 0;
	if (*done)
		ct_metrics_inc("convtrack_retention_passes_total", NULL, 1);
	return CT_REPO_OK;
}

enum ct_repo_status ct_retention_tick(struct ct_retention *rt,
				      struct ct_repo *repo)
{
	const struct ct_config *cfg = rt->cfg;
	int64_t now = ct_clock_ms();
	enum ct_repo_status st;
	bool done = false;

	if (cfg->retention_messages_days <= 0)
		return CT_REPO_OK;
	if (!rt->in_pass) {
		if (now < rt->next_pass_ms)
			return CT_REPO_OK;
		st = ct_retention_begin(repo, cfg->retention_messages_days, &rt->pass);
		if (st != CT_REPO_OK)
			return st;
		rt->in_pass = true;
	}
	st = ct_retention_step(repo, cfg->retention_batch_size, &rt->pass, &done);
	if (st != CT_REPO_OK || !done)
		return st;
	rt->in_pass = false;
	rt->next_pass_ms = now + (int64_t)cfg->retention_interval_s * 1000;
	ct_log(CT_LOG_INFO, "retention pass: text older than %s purged from %lld "
	       "messages in %lld sessions (%lld sessions checked)",
	       rt->pass.cutoff, rt->pass.messages, rt->pass.sessions,
	       rt->pass.checked);
	return CT_REPO_OK;
}

enum ct_repo_status ct_retention_run(const struct ct_config *cfg,
				     struct ct_repo *repo,
				     struct ct_retention_stats *stats)
{
	enum ct_repo_status st;
	bool done = false;

	st = ct_retention_begin(repo, cfg->retention_messages_days, stats);
	while (st == CT_REPO_OK && !done)
		st = ct_retention_step(repo, cfg->retention_batch_size, stats, &done);
	return st;
}
