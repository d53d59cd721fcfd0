/*
 * Scheduler: stale sessions and due summaries.  See include/convtrack/scheduler.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtrack/clock.h"
#include "convtrack/event_out.h"
#include "convtrack/ids.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/summarizer.h"
#include "convtrack/scheduler.h"

/* Sessions summarized per tick, stale sessions ended per sweep. */
#define CT_SCHEDULER_SUMMARIES_PER_TICK 200
#define CT_SCHEDULER_STALE_PER_SWEEP 1000

struct ct_scheduler {
	const struct ct_config *cfg;
	struct ct_summarizer *summarizer;
	int64_t next_sweep_ms;
};

static int64_t ct_scheduler_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int ct_scheduler_new(const struct ct_config *cfg, struct ct_scheduler **out,
		   char *err, size_t errlen)
{
	struct ct_scheduler *sw = calloc(1, sizeof(*sw));

	*out = NULL;
	if (!sw || ct_summarizer_new(cfg->text_default_country_code,
				     &sw->summarizer) < 0) {
		snprintf(err, errlen, "cannot load the text rules");
		free(sw);
		return -1;
	}
	sw->cfg = cfg;
	*out = sw;
	return 0;
}

void ct_scheduler_free(struct ct_scheduler *sw)
{
	if (!sw)
		return;
	ct_summarizer_free(sw->summarizer);
	free(sw);
}

static enum ct_text_speaker ct_scheduler_speaker(enum ct_role role)
{
	if (role == CT_ROLE_USER)
		return CT_SPEAKER_USER;
	if (role == CT_ROLE_ASSISTANT)
		return CT_SPEAKER_ASSISTANT;
	return CT_SPEAKER_OTHER;
}

/* Computes the summary of a loaded job. */
static int ct_scheduler_compute(struct ct_scheduler *sw,
			      const struct ct_repo_summary_job *job,
			      struct ct_summary *sum)
{
	struct ct_turn *turns = calloc(job->nmessages + 1, sizeof(*turns));
	struct ct_summary_input in = { 0 };
	size_t i;
	int rc;

	if (!turns)
		return -1;
	for (i = 0; i < job->nmessages; i++) {
		turns[i].speaker = ct_scheduler_speaker(job->messages[i].role);
		turns[i].text = job->messages[i].content;
		turns[i].len = job->messages[i].len;
	}
	in.turns = turns;
	in.nturns = job->nmessages;
	in.message_count = job->nmessages;
	in.end_reason = job->end_reason[0] ? job->end_reason : NULL;
	in.authenticated = job->authenticated;
	in.has_duration = job->has_duration;
	in.duration_seconds = job->duration_seconds;
	in.started_at_us = job->started_at_us;
	in.ended_at_us = job->ended_at_us;
	rc = ct_summarizer_run(sw->summarizer, &in, sum);
	free(turns);
	return rc;
}

/*
 * Writes the summary: a new version only when its value changed.  The
 * value includes the profile and the match candidates, so a session that
 * moves to another profile gets a new version.
 */
static enum ct_repo_status ct_scheduler_store(struct ct_repo *repo,
					    struct ct_repo_summary_job *job,
					    const struct ct_summary *sum, bool dry_run,
					    int *versions)
{
	struct ct_event_out_candidate cands[CT_REPO_MAX_CANDIDATES];
	struct ct_event_out_meta meta = { 0 };
	char event_id[CT_UUID_STRLEN + 1];
	char *value, *event = NULL;
	enum ct_repo_status st;
	size_t i;

	for (i = 0; i < job->ncandidates; i++) {
		memcpy(cands[i].profile_id, job->candidates[i].profile_id,
		       sizeof(cands[i].profile_id));
		cands[i].signal = job->candidates[i].signal;
		cands[i].confidence = job->candidates[i].confidence;
	}
	meta.session_id = job->session_id;
	meta.profile_id = job->has_profile ? job->profile_id : NULL;
	meta.profile_type = job->has_profile ? job->profile_type : NULL;
	meta.candidates = cands;
	meta.ncandidates = job->ncandidates;
	meta.summarizer = CT_SUMMARIZER_NAME;
	value = ct_event_out_summary(sum, &meta, NULL, 0, 0);
	if (!value) {
		ct_repo_summary_abort(repo);
		return CT_REPO_TRANSIENT;
	}
	if (job->prev_value && strcmp(job->prev_value, value) == 0) {
		free(value);
		if (dry_run) {
			ct_repo_summary_abort(repo);
			return CT_REPO_OK;
		}
		return ct_repo_summary_commit(repo, job, NULL, 0, NULL, NULL, NULL);
	}
	if (dry_run) {
		/* what would change, and nothing written */
		free(value);
		ct_repo_summary_abort(repo);
		(*versions)++;
		return CT_REPO_OK;
	}
	ct_ids_summary_event(job->session_id, job->prev_version + 1, event_id);
	event = ct_event_out_summary(sum, &meta, event_id, job->prev_version + 1,
				     ct_scheduler_wall_us());
	if (!event) {
		free(value);
		ct_repo_summary_abort(repo);
		return CT_REPO_TRANSIENT;
	}
	st = ct_repo_summary_commit(repo, job, value, job->prev_version + 1,
				    event_id, event, CT_SUMMARIZER_NAME);
	if (st == CT_REPO_OK) {
		(*versions)++;
		ct_metrics_inc("convtrack_summaries_generated_total", NULL, 1);
		ct_log(CT_LOG_INFO, "session %s summarized: version %ld",
		       job->session_id, job->prev_version + 1);
	}
	free(value);
	free(event);
	return st;
}

/*
 * Summarizes one session in its own transaction: a due one, or with any
 * an ended one whatever its due time; with dry_run nothing is written and
 * stats->versions counts the summaries whose value would change.
 */
static enum ct_repo_status ct_scheduler_summarize(struct ct_scheduler *sw,
						struct ct_repo *repo,
						const char *session_id,
						bool any, bool dry_run,
						struct ct_scheduler_stats *stats)
{
	struct ct_repo_summary_job job;
	const char *phones[CT_EXTRACT_ITEMS_MAX], *emails[CT_EXTRACT_ITEMS_MAX];
	struct ct_summary sum;
	enum ct_repo_status st;
	size_t i;

	st = ct_repo_summary_begin(repo, session_id, any, &job);
	if (st == CT_REPO_OK && job.purged_skip)
		ct_metrics_inc("convtrack_summaries_skipped_purged_total", NULL, 1);
	if (st != CT_REPO_OK || !job.due) {
		ct_repo_summary_job_clear(&job);
		return st;
	}
	if (ct_scheduler_compute(sw, &job, &sum) < 0) {
		ct_repo_summary_abort(repo);
		ct_repo_summary_job_clear(&job);
		return CT_REPO_TRANSIENT;
	}
	for (i = 0; i < sum.n_phones; i++)
		phones[i] = sum.phones[i];
	for (i = 0; i < sum.n_emails; i++)
		emails[i] = sum.emails[i];
	st = ct_repo_summary_contacts(repo, &job, phones, sum.n_phones, emails,
				      sum.n_emails);
	if (st == CT_REPO_OK)
		st = ct_scheduler_store(repo, &job, &sum, dry_run,
					&stats->versions);
	else
		ct_repo_summary_abort(repo);
	if (st == CT_REPO_OK)
		stats->summarized++;
	ct_summary_clear(&sum);
	ct_repo_summary_job_clear(&job);
	return st;
}

enum ct_repo_status ct_scheduler_tick(struct ct_scheduler *sw, struct ct_repo *repo,
				    struct ct_scheduler_stats *stats)
{
	char (*ids)[CT_UUID_STRLEN + 1];
	struct ct_scheduler_stats local = { 0 };
	enum ct_repo_status st = CT_REPO_OK;
	int64_t now = ct_clock_ms();
	size_t n = 0, i;

	if (!stats)
		stats = &local;
	if (now >= sw->next_sweep_ms) {
		int ended = 0;

		st = ct_repo_sweep_stale(repo, sw->cfg->sessions_stale_after_s,
					 CT_SCHEDULER_STALE_PER_SWEEP, &ended);
		if (st != CT_REPO_OK)
			return st;
		if (ended)
			ct_log(CT_LOG_INFO, "stale sweep ended %d sessions", ended);
		ct_metrics_inc("convtrack_stale_sweeps_total", NULL, 1);
		ct_metrics_inc("convtrack_sessions_stale_ended_total", NULL, ended);
		stats->stale_ended += ended;
		sw->next_sweep_ms = now + (int64_t)sw->cfg->sessions_sweep_interval_s * 1000;
	}
	ids = calloc(CT_SCHEDULER_SUMMARIES_PER_TICK, sizeof(*ids));
	if (!ids)
		return CT_REPO_TRANSIENT;
	st = ct_repo_summary_due(repo, CT_SCHEDULER_SUMMARIES_PER_TICK, ids, &n);
	for (i = 0; st == CT_REPO_OK && i < n; i++)
		st = ct_scheduler_summarize(sw, repo, ids[i], false, false, stats);
	free(ids);
	return st;
}

enum ct_repo_status ct_scheduler_resummarize(struct ct_scheduler *sw,
					     struct ct_repo *repo,
					     const char *session_id,
					     bool dry_run, bool *changed)
{
	struct ct_scheduler_stats stats = { 0 };
	enum ct_repo_status st;

	st = ct_scheduler_summarize(sw, repo, session_id, true, dry_run, &stats);
	*changed = stats.versions > 0;
	return st;
}
