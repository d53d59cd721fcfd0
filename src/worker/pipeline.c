/*
 * Pipeline: the worker's main loop (include/convtrack/pipeline.h).  The
 * calling thread fills a batch from the consumer and screens it (banking
 * flag on the clear text, then redaction, before anything is stored or
 * logged); the database thread applies the other batch, has its dead
 * letters acknowledged, stores its offsets and runs the periodic jobs.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/applier.h"
#include "convtrack/banking.h"
#include "convtrack/clock.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/pipeline.h"
#include "convtrack/privacy.h"

/* How long a revoke waits for the batch in hand before dropping it. */
#define CT_PIPELINE_REVOKE_BUDGET_MS 30000

/* A batch in hand and what the worker worked out about it. */
struct ct_pipeline_slot {
	struct ct_batch batch;
	size_t screened; /* items [0, screened) are flagged and redacted */
	struct ct_privacy_stats redacted; /* what redaction found in it */
	struct ct_applier_plan *plan; /* worked out ahead, or NULL */
	bool done; /* applied and its offsets stored: to be emptied */
};

struct ct_pipeline {
	const struct ct_config *cfg;
	struct ct_consumer *consumer;
	struct ct_banking *banking; /* flags user messages (is_banking_query) */
	const struct ct_redact *redact; /* NULL: nothing is redacted */
	struct ct_repo *const *repos; /* batch.parallelism connections */
	size_t nrepos;
	struct ct_jobs *jobs;
	volatile sig_atomic_t *stop;
	bool fatal;

	/*
	 * Two batches: the main thread polls and screens one while the
	 * database thread applies the other (then runs the jobs).  A batch is
	 * handed over only when the database thread is idle, so batches are
	 * applied, and their offsets stored, in order.
	 */
	struct ct_pipeline_slot slots[2];
	struct ct_pipeline_slot *filling;
	pthread_t db_thread;
	bool db_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ct_pipeline_slot *work; /* handed to the database thread; NULL: idle */
	int result; /* of the last batch handed over (see finish) */
	bool quit;
	_Atomic int64_t give_up_at; /* > 0: the batch in flight gives up then */
};

static void ct_pipeline_slot_clear(struct ct_pipeline_slot *s)
{
	ct_batch_clear(&s->batch);
	ct_applier_plan_free(s->plan);
	s->plan = NULL;
	s->screened = 0;
	s->done = false;
	memset(&s->redacted, 0, sizeof(s->redacted));
}

/*
 * Screens the items that came since the last call: flags user messages
 * that are banking questions (on the clear text), then redacts every valid
 * event in place.  A batch is screened before it is applied, whichever
 * thread finishes it (a revoke finishes the batch being filled).  Returns
 * 0, or -1 when out of memory.
 */
static int ct_pipeline_screen(struct ct_pipeline *p, struct ct_pipeline_slot *s)
{
	for (; s->screened < s->batch.n; s->screened++) {
		struct ct_event_item *it = &s->batch.items[s->screened];

		if (!it->valid)
			continue;
		if (it->ev.type == CT_EVENT_MESSAGE &&
		    it->ev.u.message.role == CT_ROLE_USER) {
			it->ev.u.message.has_banking = true;
			it->ev.u.message.is_banking = ct_banking_is_query(
				p->banking, it->ev.u.message.content,
				it->ev.u.message.content_len);
		}
		/* before anything is stored: the flag above saw the clear text */
		if (ct_privacy_event(p->redact, &it->ev, &s->redacted) < 0)
			return -1;
	}
	return 0;
}

/* Counts what the batch's messages had redacted, by type. */
static void ct_pipeline_count_redacted(const struct ct_privacy_stats *st)
{
	char label[64];
	size_t t;

	if (!st->messages)
		return;
	ct_metrics_inc("convtrack_messages_redacted_total", NULL,
		       (double)st->messages);
	for (t = 0; t < CT_REDACT_TYPE_COUNT; t++) {
		if (!st->spans[t])
			continue;
		ct_metrics_label(label, sizeof(label), "type",
				 ct_redact_type_name((enum ct_redact_type)t));
		ct_metrics_inc("convtrack_redactions_total", label,
			       (double)st->spans[t]);
	}
}

/* Counts a finished batch in the metrics registry. */
static void ct_pipeline_count(struct ct_pipeline *p,
			      const struct ct_pipeline_slot *s,
			      const struct ct_applier_stats *stats,
			      double seconds, int transient_retries)
{
	static const char *const kinds[] = { "consumed", "applied", "duplicate" };
	size_t per[CT_EVENT_TYPE_COUNT + 1][3] = { { 0 } };
	char label[300], reason[200];
	const struct ct_batch *b = &s->batch;
	size_t i, t, k;

	for (i = 0; i < b->n; i++) {
		const struct ct_event_item *it = &b->items[i];
		const char *topic = b->recs[i]->topic;
		int type = b->recs[i]->type;

		t = type < 0 ? CT_EVENT_TYPE_COUNT : (size_t)type;
		per[t][0]++;
		if (it->valid && !it->dead_letter && !it->duplicate && !it->erased)
			per[t][1]++;
		if (it->erased) {
			ct_metrics_label(label, sizeof(label), "topic", topic);
			ct_metrics_inc("convtrack_events_dropped_erased_total", label, 1);
		}
		if (it->duplicate)
			per[t][2]++;
		if (it->dead_letter) {
			ct_metrics_label(label, sizeof(label), "topic", topic);
			ct_metrics_label(reason, sizeof(reason), "reason", it->reason);
			strncat(label, ",", sizeof(label) - strlen(label) - 1);
			strncat(label, reason, sizeof(label) - strlen(label) - 1);
			ct_metrics_inc("convtrack_events_dead_lettered_total", label, 1);
		}
	}
	for (t = 0; t <= CT_EVENT_TYPE_COUNT; t++) {
		const char *topic = t == CT_EVENT_PARTICIPANT_JOINED ? p->cfg->topic_participant_joined
				  : t == CT_EVENT_MESSAGE ? p->cfg->topic_message
				  : t == CT_EVENT_AUTHENTICATED ? p->cfg->topic_authenticated
				  : t == CT_EVENT_CALL_ENDED ? p->cfg->topic_call_ended
				  : t == CT_EVENT_ERASURE_REQUESTED
				  ? p->cfg->topic_profile_erasure_requested
				  : "other";

		ct_metrics_label(label, sizeof(label), "topic", topic);
		for (k = 0; k < 3; k++) {
			char name[64];

			if (!per[t][k])
				continue;
			snprintf(name, sizeof(name), "convtrack_events_%s_total", kinds[k]);
			ct_metrics_inc(name, label, (double)per[t][k]);
		}
	}
	ct_pipeline_count_redacted(&s->redacted);
	ct_metrics_inc("convtrack_batches_total", NULL, 1);
	ct_metrics_observe("convtrack_batch_size", (double)b->n);
	ct_metrics_observe("convtrack_apply_seconds", seconds);
	if (transient_retries)
		ct_metrics_inc("convtrack_transaction_retries_total",
			       "cause=\"transient\"", transient_retries);
	if (stats->lock_retries)
		ct_metrics_inc("convtrack_transaction_retries_total",
			       "cause=\"lock_set\"", stats->lock_retries);
	if (stats->erasures)
		ct_metrics_inc("convtrack_erasures_total", NULL, (double)stats->erasures);
}

/*
 * Finishes the batch in hand: apply, dead-letter, store offsets.  Retries
 * transient failures with backoff until budget_ms (negative: no limit)
 * or a stop request.  Returns 0 when done, 1 when given up (nothing stored:
 * the records will be delivered again), -1 on a fatal error.  A finished
 * batch is emptied, unless keep: then b->done is set and the main thread
 * empties it before filling it again (freeing 5,000 records is not the
 * database thread's work).
 */
static int ct_pipeline_finish(struct ct_pipeline *p, struct ct_pipeline_slot *s,
			      int64_t budget_ms, bool keep)
{
	struct ct_batch *b = &s->batch;
	int64_t start = ct_clock_ms();
	struct ct_applier_stats stats;
	enum ct_repo_status st;
	int attempt = 0;

	if (b->n == 0)
		return 0;
	if (ct_pipeline_screen(p, s) < 0)
		return -1;
	for (;;) {
		struct ct_repo *failed = NULL;
		int64_t give_up_at;

		st = ct_applier_apply_parallel(p->repos, p->nrepos, b->items, b->n,
					       &s->plan, &stats, &failed);
		if (st == CT_REPO_OK) {
			failed = p->repos[0];
			st = ct_applier_erase(failed, b->items, b->n, &stats);
		}
		ct_metrics_set_db_ok(st == CT_REPO_OK || st == CT_REPO_PERMANENT);
		if (st == CT_REPO_FATAL) {
			ct_log(CT_LOG_ERROR, "fatal database error: %s",
			       ct_repo_error(failed));
			return -1;
		}
		if (st == CT_REPO_OK && ct_consumer_dead_letter(p->consumer, b) == 0)
			break;
		if (st != CT_REPO_OK)
			ct_log(CT_LOG_WARN, "transient database failure, retrying: %s",
			       ct_repo_error(failed));
		else
			ct_log(CT_LOG_WARN, "dead-letter topic unreachable, retrying");
		give_up_at = atomic_load(&p->give_up_at);
		if (*p->stop || (budget_ms >= 0 &&
				 ct_clock_ms() - start > budget_ms) ||
		    (give_up_at > 0 && ct_clock_ms() > give_up_at)) {
			ct_log(CT_LOG_WARN, "giving up on a batch of %zu records "
			       "uncommitted; they will be delivered again", b->n);
			ct_pipeline_slot_clear(s);
			return 1;
		}
		ct_sleep_ms(ct_backoff_ms(p->cfg->retry_initial_ms,
					  p->cfg->retry_max_ms, attempt++));
	}
	ct_consumer_store_offsets(p->consumer, b);
	ct_pipeline_count(p, s, &stats, (double)(ct_clock_ms() - start) / 1000.0,
			  attempt);
	ct_log(CT_LOG_DEBUG, "batch of %zu: %zu applied, %zu duplicates, "
	       "%zu dead-lettered, %d transactions, %d lock retries, %" PRId64
	       " ms", b->n, stats.applied, stats.duplicates, stats.dead_lettered,
	       stats.transactions, stats.lock_retries, ct_clock_ms() - start);
	if (keep)
		s->done = true;
	else
		ct_pipeline_slot_clear(s);
	return 0;
}

/* ---- the database thread ---- */

static void *ct_pipeline_db_main(void *arg)
{
	struct ct_pipeline *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct ct_pipeline_slot *s;
		int rc;

		while (!p->work && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->work)
			break;
		s = p->work;
		pthread_mutex_unlock(&p->mu);
		rc = ct_pipeline_finish(p, s, -1, true);
		if (rc == 0 && p->jobs && ct_jobs_tick(p->jobs, p->repos[0]) < 0)
			rc = -1;
		pthread_mutex_lock(&p->mu);
		p->work = NULL;
		p->result = rc;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Waits until the database thread is idle; returns and resets its result. */
static int ct_pipeline_wait_idle(struct ct_pipeline *p)
{
	int rc;

	if (!p->db_started)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->work)
		pthread_cond_wait(&p->cv, &p->mu);
	rc = p->result;
	p->result = 0;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void ct_pipeline_hand_over(struct ct_pipeline *p,
				  struct ct_pipeline_slot *s)
{
	pthread_mutex_lock(&p->mu);
	p->work = s;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * Finishes both batches in hand, in order, on the calling thread once the
 * database thread is idle: before a revoke (budget_ms) and at a stop.  When
 * the batch in flight was given up, the one being filled is dropped too, so
 * no offset is stored beyond a record that was not applied.  Returns 0,
 * 1 (given up: records will be delivered again) or -1 (fatal).
 */
static int ct_pipeline_drain(struct ct_pipeline *p, int64_t budget_ms)
{
	int rc;

	if (budget_ms >= 0)
		atomic_store(&p->give_up_at, ct_clock_ms() + budget_ms);
	rc = ct_pipeline_wait_idle(p);
	atomic_store(&p->give_up_at, 0);
	if (rc == 0)
		return ct_pipeline_finish(p, p->filling, budget_ms, false);
	ct_pipeline_slot_clear(p->filling);
	return rc;
}

/* The revoke hook: finishes the batches in hand within a budget. */
static int ct_pipeline_on_revoke(void *arg)
{
	struct ct_pipeline *p = arg;

	return ct_pipeline_drain(p, CT_PIPELINE_REVOKE_BUDGET_MS) < 0 ? -1 : 0;
}

/* The dead-letter payload filter: redaction (redact.dead_letter). */
static int ct_pipeline_redact_payload(void *arg, const void *payload,
				      size_t len, char **out, size_t *outlen)
{
	const struct ct_redact *r = arg;

	return ct_privacy_payload(r, payload, len, out, outlen);
}

int ct_pipeline_new(const struct ct_config *cfg, struct ct_consumer *consumer,
		    const struct ct_redact *redact, struct ct_pipeline **out,
		    char *err, size_t errlen)
{
	struct ct_pipeline *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->cfg = cfg;
	p->consumer = consumer;
	p->redact = redact;
	p->filling = &p->slots[0];
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (ct_banking_new(&p->banking) < 0) {
		snprintf(err, errlen, "the banking detector's model is broken");
		ct_pipeline_free(p);
		return -1;
	}
	if (cfg->redact_dead_letter && redact)
		ct_consumer_set_payload_filter(consumer, ct_pipeline_redact_payload,
					       (void *)redact);
	*out = p;
	return 0;
}

/*
 * Works out what applying b needs no database for (ct_applier_plan()), on
 * the main thread while the database thread is still busy with the
 * previous batch: the sorts and columns are then off the database thread,
 * which the throughput waits on.  Not with batch.parallelism > 1 (each part
 * builds its own).  Out of memory, the database thread works it out.
 */
static void ct_pipeline_plan(struct ct_pipeline *p, struct ct_pipeline_slot *s)
{
	if (p->nrepos != 1 || s->batch.n == 0 || s->plan)
		return;
	if (ct_applier_plan(s->batch.items, s->batch.n, &s->plan) < 0)
		s->plan = NULL;
}

int ct_pipeline_run(struct ct_pipeline *p, struct ct_repo *const *repos,
		    size_t nrepos, struct ct_jobs *jobs,
		    volatile sig_atomic_t *stop)
{
	bool given_up = false;
	int rc;

	p->repos = repos;
	p->nrepos = nrepos;
	p->stop = stop;
	p->jobs = jobs;
	if (pthread_create(&p->db_thread, NULL, ct_pipeline_db_main, p) != 0) {
		ct_log(CT_LOG_ERROR, "cannot start the database thread");
		return -1;
	}
	p->db_started = true;
	ct_consumer_on_revoke(p->consumer, ct_pipeline_on_revoke, p);
	ct_log(CT_LOG_INFO, "consuming %s, %s, %s, %s, %s as group %s",
	       p->cfg->topic_participant_joined, p->cfg->topic_message,
	       p->cfg->topic_authenticated, p->cfg->topic_call_ended,
	       p->cfg->topic_profile_erasure_requested, p->cfg->kafka_group_id);
	while (!*stop && !p->fatal) {
		if (ct_consumer_fill(p->consumer, &p->filling->batch, stop) < 0)
			p->fatal = true;
		if (ct_pipeline_screen(p, p->filling) < 0) {
			ct_log(CT_LOG_ERROR, "out of memory");
			p->fatal = true;
		}
		ct_pipeline_plan(p, p->filling);
		rc = ct_pipeline_wait_idle(p);
		if (rc < 0)
			p->fatal = true;
		if (rc != 0) {
			/* given up at a stop: nothing after it may be stored */
			ct_pipeline_slot_clear(p->filling);
			given_up = true;
		}
		if (given_up || p->fatal)
			break;
		ct_pipeline_hand_over(p, p->filling);
		p->filling = p->filling == &p->slots[0] ? &p->slots[1] : &p->slots[0];
		/* the database thread is done with it (wait_idle above) */
		if (p->filling->done)
			ct_pipeline_slot_clear(p->filling);
		ct_consumer_update_lag(p->consumer);
	}
	if (!p->fatal && !given_up && ct_pipeline_drain(p, -1) < 0)
		p->fatal = true;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->db_thread, NULL);
	p->db_started = false;
	/* a revoke at the consumer's close finds nothing left to finish */
	ct_consumer_on_revoke(p->consumer, NULL, NULL);
	return p->fatal ? -1 : 0;
}


void ct_pipeline_free(struct ct_pipeline *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < 2; i++) {
		ct_pipeline_slot_clear(&p->slots[i]);
		ct_batch_free(&p->slots[i].batch);
	}
	ct_banking_free(p->banking);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
