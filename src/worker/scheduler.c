/*
 * Scheduler: stale sessions and due summaries.  See include/convtrack/scheduler.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtrack/clock.h"
#include "convtrack/codec.h"
#include "convtrack/event_out.h"
#include "convtrack/hmac.h"
#include "convtrack/ids.h"
#include "convtrack/llm.h"
#include "convtrack/llm_pool.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/summarizer.h"
#include "convtrack/repo_llm.h"
#include "convtrack/scheduler.h"

/* Sessions summarized per tick, stale sessions ended per sweep. */
#define CT_SCHEDULER_SUMMARIES_PER_TICK 200
#define CT_SCHEDULER_STALE_PER_SWEEP 1000

struct ct_scheduler {
	const struct ct_config *cfg;
	struct ct_summarizer *summarizer;
	int64_t next_sweep_ms;
	/* the message-id registry's upkeep, one sweep interval after start
	 * (convtrack migrate builds what a migration left to build) */
	int64_t next_registry_ms;
	/* LLM summaries (ct_scheduler_enable_llm()), else NULL */
	struct ct_llm *llm;        /* builds requests: what results are keyed by */
	struct ct_llm_pool *pool;  /* asks */
	char llm_name[160];        /* "llm:<model>" */
	int64_t llm_deadline_ms;   /* from asking to the rules' summary */
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
	sw->next_registry_ms = ct_clock_ms() + (int64_t)cfg->sessions_sweep_interval_s * 1000;
	*out = sw;
	return 0;
}

int ct_scheduler_enable_llm(struct ct_scheduler *sw, char *err, size_t errlen)
{
	const struct ct_config *cfg = sw->cfg;
	struct ct_llm_opts o;

	ct_llm_pool_opts(cfg, &o);

	if (ct_llm_new(&o, &sw->llm, err, errlen) < 0 ||
	    ct_llm_pool_new(cfg, &sw->pool, err, errlen) < 0)
		return -1;
	snprintf(sw->llm_name, sizeof(sw->llm_name), "llm:%.150s",
		 cfg->summary_llm_model);
	sw->llm_deadline_ms = ct_llm_pool_deadline_ms(cfg);
	return 0;
}

void ct_scheduler_free(struct ct_scheduler *sw)
{
	if (!sw)
		return;
	ct_llm_pool_free(sw->pool);
	ct_llm_free(sw->llm);
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

/* The turns of a loaded job (texts borrowed from it); NULL: no memory. */
static struct ct_turn *ct_scheduler_turns(const struct ct_repo_summary_job *job)
{
	struct ct_turn *turns = calloc(job->nmessages + 1, sizeof(*turns));
	size_t i;

	for (i = 0; turns && i < job->nmessages; i++) {
		turns[i].speaker = ct_scheduler_speaker(job->messages[i].role);
		turns[i].text = job->messages[i].content;
		turns[i].len = job->messages[i].len;
	}
	return turns;
}

/* Computes the summary of a loaded job. */
static int ct_scheduler_compute(struct ct_scheduler *sw,
			      const struct ct_repo_summary_job *job,
			      struct ct_summary *sum)
{
	struct ct_turn *turns = ct_scheduler_turns(job);
	struct ct_summary_input in = { 0 };
	int rc;

	if (!turns)
		return -1;
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
					    const struct ct_summary *sum,
					    const char *summarizer, bool dry_run,
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
	meta.summarizer = summarizer;
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
				    event_id, event, summarizer);
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

/* True when the caller said something in the loaded job. */
static bool ct_scheduler_caller_spoke(const struct ct_repo_summary_job *job)
{
	size_t i;

	for (i = 0; i < job->nmessages; i++)
		if (job->messages[i].role == CT_ROLE_USER && job->messages[i].len)
			return true;
	return false;
}

/* What the LLM step decided for a summary. */
enum ct_scheduler_llm {
	CT_SCHED_LLM_WRITE = 0, /* write sum (the model's fields or the rules') */
	CT_SCHED_LLM_LATER,     /* the transaction is over: nothing to write now */
};

/*
 * The LLM step, inside the summary's transaction: the stored result for
 * this input when there is one (the model's six fields over the rules', or
 * a failure: the rules' summary stays), else the request is stored as
 * pending, handed to the LLM threads and the summary deferred to the
 * deadline.  *summarizer is set to what wrote sum.
 */
static enum ct_repo_status ct_scheduler_llm_step(struct ct_scheduler *sw,
						 struct ct_repo *repo,
						 struct ct_repo_summary_job *job,
						 struct ct_summary *sum,
						 const char **summarizer,
						 enum ct_scheduler_llm *what)
{
	struct ct_turn *turns = ct_scheduler_turns(job);
	unsigned char md[CT_HMAC_SIZE];
	char hash[CT_REPO_LLM_HASH_LEN], label[64];
	struct ct_repo_llm_claim c;
	struct ct_llm_answer a = { 0 };
	enum ct_repo_status st;
	char *body = turns ? ct_llm_request_for(sw->llm, turns, job->nmessages)
			   : NULL;

	*what = CT_SCHED_LLM_WRITE;
	free(turns);
	if (!ct_scheduler_caller_spoke(job)) {
		/* nothing of the caller's yet (out of order): the rules' */
		free(body);
		return CT_REPO_OK;
	}
	if (!body || ct_sha256(body, strlen(body), md) < 0) {
		free(body);
		ct_repo_summary_abort(repo);
		return CT_REPO_TRANSIENT;
	}
	ct_hex_encode(md, sizeof(md), hash);
	st = ct_repo_llm_claim(repo, job, hash, sw->cfg->summary_llm_model,
			       ct_llm_prompt_version(), sw->llm_deadline_ms,
			       sw->cfg->summary_llm_daily_token_budget, &c);
	if (st != CT_REPO_OK) {
		free(body);
		ct_repo_summary_abort(repo);
		return st;
	}
	if (c.state == CT_REPO_LLM_ASK || c.state == CT_REPO_LLM_WAIT) {
		*what = CT_SCHED_LLM_LATER;
		st = ct_repo_summary_defer(repo, job, c.state == CT_REPO_LLM_ASK ?
						      sw->llm_deadline_ms : c.wait_ms);
		if (st == CT_REPO_OK && c.state == CT_REPO_LLM_ASK &&
		    !ct_llm_pool_submit(sw->pool, job->session_id, hash, body))
			ct_log(CT_LOG_WARN, "llm: queue full: session %s gets the "
			       "rules' summary at its deadline", job->session_id);
	} else if (strcmp(c.outcome, "ok") == 0) {
		if (c.content && ct_llm_content_parse(c.content, &a, NULL) == CT_LLM_OK &&
		    ct_llm_answer_apply(&a, sum) == 0)
			*summarizer = sw->llm_name;
		else
			ct_log(CT_LOG_WARN, "llm: session %s: the stored answer does "
			       "not read back: the rules' summary", job->session_id);
		ct_llm_answer_clear(&a);
	} else if (c.fresh) {
		/* decided here, not by an LLM thread: count it here */
		ct_metrics_label(label, sizeof(label), "reason", c.outcome);
		ct_metrics_inc("convtrack_llm_fallbacks_total", label, 1);
	}
	ct_repo_llm_claim_clear(&c);
	free(body);
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
	const char *summarizer = CT_SUMMARIZER_NAME;
	enum ct_scheduler_llm what = CT_SCHED_LLM_WRITE;
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
	if (st == CT_REPO_OK && sw->llm && !dry_run)
		st = ct_scheduler_llm_step(sw, repo, &job, &sum, &summarizer, &what);
	else if (st != CT_REPO_OK)
		ct_repo_summary_abort(repo);
	if (st == CT_REPO_OK && what == CT_SCHED_LLM_LATER) {
		ct_summary_clear(&sum);
		ct_repo_summary_job_clear(&job);
		return st;
	}
	if (st == CT_REPO_OK)
		st = ct_scheduler_store(repo, &job, &sum, summarizer, dry_run,
					&stats->versions);
	if (st == CT_REPO_OK)
		stats->summarized++;
	ct_summary_clear(&sum);
	ct_repo_summary_job_clear(&job);
	return st;
}

/* The message-id registry's upkeep: sealing the open run, run filters. */
static enum ct_repo_status ct_scheduler_registry(struct ct_scheduler *sw, struct ct_repo *repo)
{
	int sealed = 0, filtered = 0, merged = 0;
	enum ct_repo_status st;

	st = ct_repo_registry_maintain(repo, (int64_t)sw->cfg->registry_seal_mib << 20,
				       sw->cfg->registry_max_runs, &sealed, &filtered, &merged);
	ct_metrics_inc("convtrack_registry_runs_sealed_total", NULL, sealed);
	ct_metrics_inc("convtrack_registry_filters_built_total", NULL, filtered);
	ct_metrics_inc("convtrack_registry_merges_total", NULL, merged);
	if (st == CT_REPO_OK || st == CT_REPO_TRANSIENT)
		return st;
	/* anything else is the registry's alone: said, and tried again next
	 * interval, while the worker goes on */
	ct_log(CT_LOG_WARN, "message-id registry upkeep failed: %s", ct_repo_error(repo));
	ct_metrics_inc("convtrack_registry_upkeep_failures_total", NULL, 1);
	return CT_REPO_OK;
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
	if (now >= sw->next_registry_ms) {
		/* once per interval even when it fails: it must not hold up the
		 * jobs that follow the tick (the publisher) */
		sw->next_registry_ms = now + (int64_t)sw->cfg->sessions_sweep_interval_s * 1000;
		st = ct_scheduler_registry(sw, repo);
		if (st != CT_REPO_OK)
			return st;
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
