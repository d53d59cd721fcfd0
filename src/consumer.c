/*
 * Consumer: the worker's loop over the four input topics (see
 * include/convtrack/consumer.h).  librdkafka is used only here and in the
 * publisher; the rest of the worker sees parsed events.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/applier.h"
#include "convtrack/backoff.h"
#include "convtrack/banking.h"
#include "convtrack/consumer.h"
#include "convtrack/event.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/privacy.h"
#include "kafka_conf.h"

/* A batch stops growing at this many payload bytes (bounds memory). */
#define CT_CONSUMER_MAX_BATCH_BYTES (4u * 1024 * 1024)

/*
 * Largest fetch response unless kafka.properties sets fetch.max.bytes.
 * Brokers send whole record batches, compressed: 1 MiB of zstd-compressed
 * events is ~3 MiB in the prefetch queue, and a response lands there whole,
 * beyond queued.max.messages.kbytes.  librdkafka's default (50 MiB) would
 * exceed the worker's memory budget on its own; with the nudge below,
 * 1 MiB fetches keep up with the worker (bench/run.sh).
 */
#define CT_CONSUMER_FETCH_MAX_BYTES "1048576"

/*
 * Longest time the broker holds a fetch that finds no data, unless
 * kafka.properties sets fetch.wait.max.ms.  While the prefetch queue of the
 * busy partitions is full, librdkafka's one fetch in flight asks only for
 * the caught-up ones (call-ended, say) and the broker holds it this long
 * before the busy partitions can be fetched again: librdkafka's 500 ms
 * default stalled the worker for 0.5-0.8 s at a time (bench/run.sh).  The
 * cost is at most 1000/50 fetches a second per broker on idle topics.
 */
#define CT_CONSUMER_FETCH_WAIT_MAX_MS "50"

/*
 * Most often the consumer nudges a stalled fetcher (ct_consumer_nudge()),
 * and how long it waits for the broker's answer.
 */
#define CT_CONSUMER_NUDGE_EVERY_MS 20
#define CT_CONSUMER_NUDGE_TIMEOUT_MS 100

/* How often the consumer lag gauges are refreshed. */
#define CT_CONSUMER_LAG_EVERY_MS 2000

/* How long a revoke waits for the batch in hand before dropping it. */
#define CT_CONSUMER_REVOKE_BUDGET_MS 30000

/* Dead-letter delivery: one flag per record, set by the delivery report. */
enum ct_dlq_state { CT_DLQ_NONE = 0, CT_DLQ_PENDING, CT_DLQ_DONE, CT_DLQ_FAILED };

/*
 * A consumed record, copied out of librdkafka's message at once: a message
 * kept alive pins its whole decompressed fetch buffer (up to a megabyte per
 * record batch), so holding thousands of them for a batch cost tens of
 * megabytes.  One allocation: the payload, then the key, then the topic.
 */
struct ct_record {
	int32_t partition;
	int64_t offset;
	size_t len, key_len;
	bool has_key, has_payload; /* NULL key or payload: a tombstone */
	const char *key;
	const char *topic;
	char payload[];
};

/* A batch of records and their parsed events. */
struct ct_batch {
	struct ct_record **recs;
	struct ct_applier_item *items;
	enum ct_dlq_state *dlq_state;
	size_t n, cap;
	size_t bytes;
	struct ct_privacy_stats redacted; /* what redaction found in it */
	struct ct_applier_plan *plan; /* worked out ahead, or NULL */
	bool done; /* applied and its offsets stored: to be emptied */
};

struct ct_consumer {
	const struct ct_config *cfg;
	rd_kafka_t *rk;  /* consumer */
	rd_kafka_t *dlq; /* dead-letter producer */
	struct ct_banking *banking; /* flags user messages (is_banking_query) */
	const struct ct_redact *redact; /* NULL: nothing is redacted */
	struct ct_repo *const *repos; /* batch.parallelism connections */
	size_t nrepos;
	volatile sig_atomic_t *stop;
	_Atomic bool fatal;

	int64_t next_lag_ms;
	rd_kafka_queue_t *queue; /* the consumer queue, for its length */
	int64_t next_nudge_ms;
	int nudge_from; /* where the next nudge starts its round */

	/*
	 * Two batches: the main thread polls and parses one while the
	 * database thread applies the other (then runs the tick).  A batch is
	 * handed over only when the database thread is idle, so batches are
	 * applied, and their offsets stored, in order.
	 */
	struct ct_batch slots[2];
	struct ct_batch *filling;
	pthread_t db_thread;
	bool db_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ct_batch *work; /* handed to the database thread; NULL: idle */
	int result;	       /* of the last batch handed over (see finish) */
	bool quit;
	_Atomic int64_t give_up_at; /* > 0: the batch in flight gives up then */
	ct_consumer_tick_fn tick;
	void *tick_arg;
};

static int64_t ct_consumer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The event type a topic carries, or -1 for a topic we do not consume. */
static int ct_consumer_topic_type(const struct ct_config *cfg, const char *topic)
{
	if (strcmp(topic, cfg->topic_participant_joined) == 0)
		return CT_EVENT_PARTICIPANT_JOINED;
	if (strcmp(topic, cfg->topic_message) == 0)
		return CT_EVENT_MESSAGE;
	if (strcmp(topic, cfg->topic_authenticated) == 0)
		return CT_EVENT_AUTHENTICATED;
	if (strcmp(topic, cfg->topic_call_ended) == 0)
		return CT_EVENT_CALL_ENDED;
	if (strcmp(topic, cfg->topic_profile_erasure_requested) == 0)
		return CT_EVENT_ERASURE_REQUESTED;
	return -1;
}

static void ct_consumer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
			      void *opaque)
{
	enum ct_dlq_state *state = rkm->_private;

	(void)rk;
	(void)opaque;
	if (state)
		*state = rkm->err ? CT_DLQ_FAILED : CT_DLQ_DONE;
	if (rkm->err)
		ct_log(CT_LOG_WARN, "dead-letter delivery failed: %s",
		       rd_kafka_err2str(rkm->err));
}

static int ct_consumer_new_dlq(struct ct_consumer *c, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = ct_kafka_conf_new(c->cfg, err, errlen);

	if (!conf)
		return -1;
	rd_kafka_conf_set_dr_msg_cb(conf, ct_consumer_dr_cb);
	c->dlq = ct_kafka_producer_new(conf, err, errlen);
	return c->dlq ? 0 : -1;
}

/* ---- the batch ---- */

static void ct_consumer_batch_clear(struct ct_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		ct_event_clear(&b->items[i].ev);
		free(b->recs[i]);
	}
	ct_applier_plan_free(b->plan);
	b->plan = NULL;
	b->n = 0;
	b->bytes = 0;
	b->done = false;
	memset(&b->redacted, 0, sizeof(b->redacted));
}

static int ct_consumer_batch_grow(struct ct_batch *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 256;
	void *a = realloc(b->recs, ncap * sizeof(*b->recs));

	if (!a)
		return -1;
	b->recs = a;
	a = realloc(b->items, ncap * sizeof(*b->items));
	if (!a)
		return -1;
	b->items = a;
	a = realloc(b->dlq_state, ncap * sizeof(*b->dlq_state));
	if (!a)
		return -1;
	b->dlq_state = a;
	b->cap = ncap;
	return 0;
}

/* Takes ownership of rkm: parses it into the batch. */
/* Copies what the batch needs of rkm (see struct ct_record); NULL: no memory. */
static struct ct_record *ct_consumer_record(const rd_kafka_message_t *rkm)
{
	const char *topic = rd_kafka_topic_name(rkm->rkt);
	size_t tlen = strlen(topic);
	struct ct_record *r = malloc(sizeof(*r) + rkm->len + rkm->key_len + tlen + 1);
	char *p;

	if (!r)
		return NULL;
	r->partition = rkm->partition;
	r->offset = rkm->offset;
	r->len = rkm->len;
	r->key_len = rkm->key_len;
	r->has_key = rkm->key != NULL;
	r->has_payload = rkm->payload != NULL;
	p = r->payload;
	if (rkm->len)
		memcpy(p, rkm->payload, rkm->len);
	p += rkm->len;
	r->key = p;
	if (rkm->key_len)
		memcpy(p, rkm->key, rkm->key_len);
	p += rkm->key_len;
	memcpy(p, topic, tlen + 1);
	r->topic = p;
	return r;
}

/* Takes ownership of rkm (destroyed here): parses it into the batch. */
static int ct_consumer_batch_add(struct ct_consumer *c, struct ct_batch *b,
				 rd_kafka_message_t *rkm)
{
	struct ct_applier_item *it;
	struct ct_record *r;
	int type;

	if (b->n == b->cap && ct_consumer_batch_grow(b) < 0) {
		rd_kafka_message_destroy(rkm);
		return -1;
	}
	r = ct_consumer_record(rkm);
	rd_kafka_message_destroy(rkm);
	if (!r)
		return -1;
	type = ct_consumer_topic_type(c->cfg, r->topic);
	it = &b->items[b->n];
	memset(it, 0, sizeof(*it));
	b->recs[b->n] = r;
	b->dlq_state[b->n] = CT_DLQ_NONE;
	b->n++;
	b->bytes += r->len;
	if (type < 0) {
		it->dead_letter = true;
		snprintf(it->reason, sizeof(it->reason), "unknown_topic");
	} else if (ct_event_parse((enum ct_event_type)type, r->payload, r->len,
				  &it->ev, it->reason) == 0) {
		it->valid = true;
		if (it->ev.type == CT_EVENT_MESSAGE &&
		    it->ev.u.message.role == CT_ROLE_USER) {
			it->ev.u.message.has_banking = true;
			it->ev.u.message.is_banking = ct_banking_is_query(
				c->banking, it->ev.u.message.content,
				it->ev.u.message.content_len);
		}
		/* before anything is stored: the flag above saw the clear text */
		if (ct_privacy_event(c->redact, &it->ev, &b->redacted) < 0)
			return -1;
	} else {
		it->dead_letter = true;
	}
	if (it->dead_letter)
		ct_log_kafka(CT_LOG_WARN, r->topic, r->partition, r->offset,
			     NULL, "invalid event: %s", it->reason);
	return 0;
}

/*
 * Produces one record to the dead-letter topic with headers: unchanged, or
 * with its text redacted when redact.dead_letter is on (then it also
 * carries convtrack-redacted: true).  A payload that cannot be redacted is
 * not produced (an error, so the batch is retried).
 */
static rd_kafka_resp_err_t ct_consumer_dlq_produce(struct ct_consumer *c,
						   struct ct_batch *b, size_t i)
{
	const struct ct_record *r = b->recs[i];
	bool redact = c->cfg->redact_dead_letter && c->redact && r->has_payload;
	const void *value = r->has_payload ? r->payload : NULL;
	size_t len = r->len;
	char part[16], off[24], *copy = NULL;
	rd_kafka_resp_err_t err;

	if (redact) {
		if (ct_privacy_payload(c->redact, r->payload, r->len, &copy, &len) < 0)
			return RD_KAFKA_RESP_ERR__FAIL;
		value = copy;
	}
	snprintf(part, sizeof(part), "%" PRId32, r->partition);
	snprintf(off, sizeof(off), "%" PRId64, r->offset);
	b->dlq_state[i] = CT_DLQ_PENDING;
	err = rd_kafka_producev(
		c->dlq, RD_KAFKA_V_TOPIC(c->cfg->topic_dead_letter),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_VALUE((void *)value, len),
		RD_KAFKA_V_KEY(r->has_key ? r->key : NULL, r->key_len),
		RD_KAFKA_V_HEADER("convtrack-error", b->items[i].reason, -1),
		RD_KAFKA_V_HEADER("convtrack-source-topic", r->topic, -1),
		RD_KAFKA_V_HEADER("convtrack-source-partition", part, -1),
		RD_KAFKA_V_HEADER("convtrack-source-offset", off, -1),
		RD_KAFKA_V_HEADER("convtrack-redacted", redact ? "true" : "false", -1),
		RD_KAFKA_V_OPAQUE(&b->dlq_state[i]), RD_KAFKA_V_END);
	free(copy);
	return err;
}

/*
 * Publishes the batch's dead-letter records that are not yet acknowledged
 * and waits for the acknowledgements.  Returns 0 when all are acknowledged.
 */
static int ct_consumer_dead_letter(struct ct_consumer *c, struct ct_batch *b)
{
	size_t i;
	int pending = 0;

	for (i = 0; i < b->n; i++) {
		if (!b->items[i].dead_letter || b->dlq_state[i] == CT_DLQ_DONE)
			continue;
		if (ct_consumer_dlq_produce(c, b, i) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			b->dlq_state[i] = CT_DLQ_FAILED;
			continue;
		}
		pending++;
	}
	if (pending)
		rd_kafka_flush(c->dlq, 30000);
	for (i = 0; i < b->n; i++)
		if (b->items[i].dead_letter && b->dlq_state[i] != CT_DLQ_DONE)
			return -1;
	return 0;
}

/* Stores next offsets of the batch's partitions (after everything is done). */
static void ct_consumer_store_offsets(struct ct_consumer *c, struct ct_batch *b)
{
	rd_kafka_topic_partition_list_t *offsets =
		rd_kafka_topic_partition_list_new((int)(b->n < 64 ? b->n : 64));
	rd_kafka_resp_err_t err;
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct ct_record *r = b->recs[i];
		rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
			offsets, r->topic, r->partition);

		if (!tp)
			tp = rd_kafka_topic_partition_list_add(offsets, r->topic,
							       r->partition);
		if (r->offset + 1 > tp->offset)
			tp->offset = r->offset + 1;
	}
	err = rd_kafka_offsets_store(c->rk, offsets);
	if (err)
		ct_log(CT_LOG_WARN, "storing offsets: %s (partitions were "
		       "revoked; the new owner re-applies them idempotently)",
		       rd_kafka_err2str(err));
	rd_kafka_topic_partition_list_destroy(offsets);
}

/* Counts what the batch's messages had redacted, by type. */
static void ct_consumer_count_redacted(const struct ct_privacy_stats *st)
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
static void ct_consumer_count(struct ct_consumer *c, const struct ct_batch *b,
			      const struct ct_applier_stats *stats,
			      double seconds, int transient_retries)
{
	static const char *const kinds[] = { "consumed", "applied", "duplicate" };
	size_t per[CT_EVENT_TYPE_COUNT + 1][3] = { { 0 } };
	char label[300], reason[200];
	size_t i, t, k;

	for (i = 0; i < b->n; i++) {
		const struct ct_applier_item *it = &b->items[i];
		const char *topic = b->recs[i]->topic;
		int type = ct_consumer_topic_type(c->cfg, topic);

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
		const char *topic = t == CT_EVENT_PARTICIPANT_JOINED ? c->cfg->topic_participant_joined
				  : t == CT_EVENT_MESSAGE ? c->cfg->topic_message
				  : t == CT_EVENT_AUTHENTICATED ? c->cfg->topic_authenticated
				  : t == CT_EVENT_CALL_ENDED ? c->cfg->topic_call_ended
				  : t == CT_EVENT_ERASURE_REQUESTED
				  ? c->cfg->topic_profile_erasure_requested
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
	ct_consumer_count_redacted(&b->redacted);
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
static int ct_consumer_finish(struct ct_consumer *c, struct ct_batch *b,
			      int64_t budget_ms, bool keep)
{
	int64_t start = ct_consumer_now_ms();
	struct ct_applier_stats stats;
	enum ct_repo_status st;
	int attempt = 0;

	if (b->n == 0)
		return 0;
	for (;;) {
		struct ct_repo *failed = NULL;
		int64_t give_up_at;

		st = ct_applier_apply_parallel(c->repos, c->nrepos, b->items, b->n,
					       &b->plan, &stats, &failed);
		if (st == CT_REPO_OK) {
			failed = c->repos[0];
			st = ct_applier_erase(failed, b->items, b->n, &stats);
		}
		ct_metrics_set_db_ok(st == CT_REPO_OK || st == CT_REPO_PERMANENT);
		if (st == CT_REPO_FATAL) {
			ct_log(CT_LOG_ERROR, "fatal database error: %s",
			       ct_repo_error(failed));
			return -1;
		}
		if (st == CT_REPO_OK && ct_consumer_dead_letter(c, b) == 0)
			break;
		if (st != CT_REPO_OK)
			ct_log(CT_LOG_WARN, "transient database failure, retrying: %s",
			       ct_repo_error(failed));
		else
			ct_log(CT_LOG_WARN, "dead-letter topic unreachable, retrying");
		give_up_at = atomic_load(&c->give_up_at);
		if (*c->stop || (budget_ms >= 0 &&
				 ct_consumer_now_ms() - start > budget_ms) ||
		    (give_up_at > 0 && ct_consumer_now_ms() > give_up_at)) {
			ct_log(CT_LOG_WARN, "giving up on a batch of %zu records "
			       "uncommitted; they will be delivered again", b->n);
			ct_consumer_batch_clear(b);
			return 1;
		}
		ct_sleep_ms(ct_backoff_ms(c->cfg->retry_initial_ms,
					  c->cfg->retry_max_ms, attempt++));
	}
	ct_consumer_store_offsets(c, b);
	ct_consumer_count(c, b, &stats, (double)(ct_consumer_now_ms() - start) / 1000.0,
			  attempt);
	ct_log(CT_LOG_DEBUG, "batch of %zu: %zu applied, %zu duplicates, "
	       "%zu dead-lettered, %d transactions, %d lock retries, %" PRId64
	       " ms", b->n, stats.applied, stats.duplicates, stats.dead_lettered,
	       stats.transactions, stats.lock_retries, ct_consumer_now_ms() - start);
	if (keep)
		b->done = true;
	else
		ct_consumer_batch_clear(b);
	return 0;
}

/* ---- the database thread ---- */

static void *ct_consumer_db_main(void *arg)
{
	struct ct_consumer *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct ct_batch *b;
		int rc;

		while (!c->work && !c->quit)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->work)
			break;
		b = c->work;
		pthread_mutex_unlock(&c->mu);
		rc = ct_consumer_finish(c, b, -1, true);
		if (rc == 0 && c->tick && c->tick(c->tick_arg) < 0)
			rc = -1;
		pthread_mutex_lock(&c->mu);
		c->work = NULL;
		c->result = rc;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Waits until the database thread is idle; returns and resets its result. */
static int ct_consumer_wait_idle(struct ct_consumer *c)
{
	int rc;

	if (!c->db_started)
		return 0;
	pthread_mutex_lock(&c->mu);
	while (c->work)
		pthread_cond_wait(&c->cv, &c->mu);
	rc = c->result;
	c->result = 0;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static void ct_consumer_hand_over(struct ct_consumer *c, struct ct_batch *b)
{
	pthread_mutex_lock(&c->mu);
	c->work = b;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/*
 * Finishes both batches in hand, in order, on the calling thread once the
 * database thread is idle: before a revoke (budget_ms) and at a stop.  When
 * the batch in flight was given up, the one being filled is dropped too, so
 * no offset is stored beyond a record that was not applied.  Returns 0,
 * 1 (given up: records will be delivered again) or -1 (fatal).
 */
static int ct_consumer_drain(struct ct_consumer *c, int64_t budget_ms)
{
	int rc;

	if (budget_ms >= 0)
		atomic_store(&c->give_up_at, ct_consumer_now_ms() + budget_ms);
	rc = ct_consumer_wait_idle(c);
	atomic_store(&c->give_up_at, 0);
	if (rc == 0)
		return ct_consumer_finish(c, c->filling, budget_ms, false);
	ct_consumer_batch_clear(c->filling);
	return rc;
}

/* ---- rebalances ---- */

static void ct_consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
				     rd_kafka_topic_partition_list_t *parts,
				     void *opaque)
{
	struct ct_consumer *c = opaque;
	bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t ret = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		ct_log(CT_LOG_INFO, "assigned %d partitions", parts->cnt);
		ct_metrics_set_joined(true);
		if (cooperative)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			ret = rd_kafka_assign(rk, parts);
	} else {
		ct_log(CT_LOG_INFO, "revoking %d partitions: finishing the batch "
		       "in hand first", parts->cnt);
		ct_metrics_set_joined(false);
		ct_metrics_clear("convtrack_consumer_lag");
		if (ct_consumer_drain(c, CT_CONSUMER_REVOKE_BUDGET_MS) < 0)
			c->fatal = true;
		rd_kafka_commit(rk, NULL, 0);
		if (cooperative)
			error = rd_kafka_incremental_unassign(rk, parts);
		else
			ret = rd_kafka_assign(rk, NULL);
	}
	if (error) {
		ct_log(CT_LOG_ERROR, "rebalance: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	} else if (ret) {
		ct_log(CT_LOG_ERROR, "rebalance: %s", rd_kafka_err2str(ret));
	}
}

int ct_consumer_new(const struct ct_config *cfg, struct ct_consumer **out,
		    char *err, size_t errlen)
{
	struct ct_consumer *c = calloc(1, sizeof(*c));
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_resp_err_t rerr;
	char num[3][16];

	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->cfg = cfg;
	c->filling = &c->slots[0];
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (ct_banking_new(&c->banking) < 0) {
		snprintf(err, errlen, "the banking detector's model is broken");
		goto out_free;
	}
	if (ct_consumer_new_dlq(c, err, errlen) < 0)
		goto out_free;
	conf = ct_kafka_conf_new(cfg, err, errlen);
	if (!conf)
		goto out_free;
	snprintf(num[0], sizeof(num[0]), "%d", cfg->kafka_session_timeout_ms);
	snprintf(num[1], sizeof(num[1]), "%d", cfg->kafka_heartbeat_interval_ms);
	snprintf(num[2], sizeof(num[2]), "%d", cfg->kafka_max_poll_interval_ms);
	if (ct_kafka_conf_set(conf, "group.id", cfg->kafka_group_id, err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "session.timeout.ms", num[0], err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "heartbeat.interval.ms", num[1], err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "max.poll.interval.ms", num[2], err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "enable.auto.commit", "true", err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "auto.commit.interval.ms", "1000", err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "enable.partition.eof", "false", err, errlen) < 0)
		goto out_free;
	snprintf(num[0], sizeof(num[0]), "%d", cfg->kafka_queued_max_kbytes);
	if (ct_kafka_conf_set(conf, "queued.max.messages.kbytes", num[0], err,
			    errlen) < 0)
		goto out_free;
	if (!ct_config_kafka_property(cfg, "fetch.max.bytes") &&
	    ct_kafka_conf_set(conf, "fetch.max.bytes", CT_CONSUMER_FETCH_MAX_BYTES,
			      err, errlen) < 0)
		goto out_free;
	if (!ct_config_kafka_property(cfg, "fetch.wait.max.ms") &&
	    ct_kafka_conf_set(conf, "fetch.wait.max.ms",
			      CT_CONSUMER_FETCH_WAIT_MAX_MS, err, errlen) < 0)
		goto out_free;
	rd_kafka_conf_set_rebalance_cb(conf, ct_consumer_rebalance_cb);
	rd_kafka_conf_set_opaque(conf, c);
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (!c->rk)
		goto out_free;
	conf = NULL; /* owned by c->rk */
	rd_kafka_poll_set_consumer(c->rk);
	c->queue = rd_kafka_queue_get_consumer(c->rk);

	topics = rd_kafka_topic_partition_list_new(5);
	rd_kafka_topic_partition_list_add(topics, cfg->topic_participant_joined,
					  RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, cfg->topic_message,
					  RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, cfg->topic_authenticated,
					  RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, cfg->topic_call_ended,
					  RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, cfg->topic_profile_erasure_requested,
					  RD_KAFKA_PARTITION_UA);
	rerr = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rerr) {
		snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(rerr));
		goto out_free;
	}
	*out = c;
	return 0;
out_free:
	if (conf)
		rd_kafka_conf_destroy(conf);
	ct_consumer_free(c);
	return -1;
}

void ct_consumer_set_redactor(struct ct_consumer *c, const struct ct_redact *r)
{
	c->redact = r;
}

/*
 * Wakes a fetcher that librdkafka put to sleep.  Once the prefetch queue
 * holds more than queued.max.messages.kbytes, librdkafka (before 2.2 and its
 * fetch.queue.backoff.ms; Debian 12 has 2.0.2) stops fetching and looks at
 * the queue again only when its broker thread wakes for another reason, up
 * to a second later: the worker drains the queue in a fraction of that and
 * then waits, idle, with a backlog on the broker (a third of the time in
 * bench/run.sh).  Any request to a broker wakes its thread.  So when less
 * than a batch is queued while an owned partition has records on the broker
 * beyond its position (cached watermarks, no request), the consumer asks
 * that partition's leader for its watermarks; the partition is taken round
 * robin, so that the leaders of all lagging partitions are reached in turn.
 * At most every CT_CONSUMER_NUDGE_EVERY_MS; the answer is not needed.
 */
static void ct_consumer_nudge(struct ct_consumer *c)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int64_t now = ct_consumer_now_ms(), lo, hi;
	int i;

	if (now < c->next_nudge_ms ||
	    rd_kafka_queue_length(c->queue) >= (size_t)c->cfg->batch_max_events)
		return;
	c->next_nudge_ms = now + CT_CONSUMER_NUDGE_EVERY_MS;
	if (rd_kafka_assignment(c->rk, &parts) || !parts)
		return;
	if (parts->cnt > 0 && rd_kafka_position(c->rk, parts) == 0) {
		for (i = 0; i < parts->cnt; i++) {
			int k = (c->nudge_from + i) % parts->cnt;
			rd_kafka_topic_partition_t *tp = &parts->elems[k];

			/* nothing consumed yet: lagging if it has records */
			if (rd_kafka_get_watermark_offsets(c->rk, tp->topic,
							   tp->partition, &lo,
							   &hi) ||
			    hi <= (tp->offset >= 0 ? tp->offset : lo))
				continue;
			c->nudge_from = k + 1;
			rd_kafka_query_watermark_offsets(
				c->rk, tp->topic, tp->partition, &lo, &hi,
				CT_CONSUMER_NUDGE_TIMEOUT_MS);
			break;
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
}

/* Polls until the batch is full, the wait is over or a stop is requested. */
static void ct_consumer_fill(struct ct_consumer *c)
{
	int64_t deadline = ct_consumer_now_ms() + c->cfg->batch_max_wait_ms;
	int64_t left;

	struct ct_batch *b = c->filling;

	int64_t begin = ct_consumer_now_ms();

	while (!*c->stop && !c->fatal && b->n < (size_t)c->cfg->batch_max_events &&
	       b->bytes < CT_CONSUMER_MAX_BATCH_BYTES) {
		rd_kafka_message_t *rkm;

		ct_consumer_nudge(c);
		left = deadline - ct_consumer_now_ms();
		if (left < 0)
			break;
		rkm = rd_kafka_consumer_poll(c->rk, (int)left);
		if (!rkm)
			continue;
		if (rkm->err) {
			if (rkm->err == RD_KAFKA_RESP_ERR__FATAL) {
				char why[256];

				rd_kafka_fatal_error(c->rk, why, sizeof(why));
				ct_log(CT_LOG_ERROR, "fatal kafka error: %s", why);
				c->fatal = true;
			} else {
				ct_log(CT_LOG_WARN, "kafka: %s",
				       rd_kafka_message_errstr(rkm));
			}
			rd_kafka_message_destroy(rkm);
			continue;
		}
		if (ct_consumer_batch_add(c, b, rkm) < 0) {
			ct_log(CT_LOG_ERROR, "out of memory");
			c->fatal = true;
		}
	}
	if (b->n)
		ct_log(CT_LOG_DEBUG, "polled and parsed %zu records in %" PRId64 " ms",
		       b->n, ct_consumer_now_ms() - begin);
}

/*
 * Works out what applying b needs no database for (ct_applier_plan()), on
 * the main thread while the database thread is still busy with the
 * previous batch: the sorts and columns are then off the database thread,
 * which the throughput waits on.  Not with batch.parallelism > 1 (each part
 * builds its own).  Out of memory, the database thread works it out.
 */
static void ct_consumer_plan(struct ct_consumer *c, struct ct_batch *b)
{
	if (c->nrepos != 1 || b->n == 0 || b->plan)
		return;
	if (ct_applier_plan(b->items, b->n, &b->plan) < 0)
		b->plan = NULL;
}

/* Refreshes the lag gauges of the owned partitions from cached watermarks. */
static void ct_consumer_update_lag(struct ct_consumer *c)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int i;

	if (ct_consumer_now_ms() < c->next_lag_ms)
		return;
	c->next_lag_ms = ct_consumer_now_ms() + CT_CONSUMER_LAG_EVERY_MS;
	if (rd_kafka_assignment(c->rk, &parts) || !parts)
		return;
	rd_kafka_position(c->rk, parts);
	ct_metrics_clear("convtrack_consumer_lag");
	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		int64_t lo = 0, hi = 0, pos;
		char label[320], part[32];

		if (rd_kafka_get_watermark_offsets(c->rk, tp->topic, tp->partition,
						   &lo, &hi) || hi < 0)
			continue;
		pos = tp->offset >= 0 ? tp->offset : lo;
		ct_metrics_label(label, sizeof(label), "topic", tp->topic);
		snprintf(part, sizeof(part), ",partition=\"%d\"", (int)tp->partition);
		strncat(label, part, sizeof(label) - strlen(label) - 1);
		ct_metrics_set("convtrack_consumer_lag", label,
			       (double)(hi > pos ? hi - pos : 0));
	}
	rd_kafka_topic_partition_list_destroy(parts);
}

int ct_consumer_run(struct ct_consumer *c, struct ct_repo *const *repos,
		    size_t nrepos, volatile sig_atomic_t *stop,
		    ct_consumer_tick_fn tick, void *arg)
{
	bool given_up = false;
	int rc;

	c->repos = repos;
	c->nrepos = nrepos;
	c->stop = stop;
	c->tick = tick;
	c->tick_arg = arg;
	if (pthread_create(&c->db_thread, NULL, ct_consumer_db_main, c) != 0) {
		ct_log(CT_LOG_ERROR, "cannot start the database thread");
		return -1;
	}
	c->db_started = true;
	ct_log(CT_LOG_INFO, "consuming %s, %s, %s, %s, %s as group %s",
	       c->cfg->topic_participant_joined, c->cfg->topic_message,
	       c->cfg->topic_authenticated, c->cfg->topic_call_ended,
	       c->cfg->topic_profile_erasure_requested, c->cfg->kafka_group_id);
	while (!*stop && !c->fatal) {
		ct_consumer_fill(c);
		ct_consumer_plan(c, c->filling);
		rc = ct_consumer_wait_idle(c);
		if (rc < 0)
			c->fatal = true;
		if (rc != 0) {
			/* given up at a stop: nothing after it may be stored */
			ct_consumer_batch_clear(c->filling);
			given_up = true;
		}
		if (given_up || c->fatal)
			break;
		ct_consumer_hand_over(c, c->filling);
		c->filling = c->filling == &c->slots[0] ? &c->slots[1] : &c->slots[0];
		/* the database thread is done with it (wait_idle above) */
		if (c->filling->done)
			ct_consumer_batch_clear(c->filling);
		ct_consumer_update_lag(c);
	}
	if (!c->fatal && !given_up && ct_consumer_drain(c, -1) < 0)
		c->fatal = true;
	pthread_mutex_lock(&c->mu);
	c->quit = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->db_thread, NULL);
	c->db_started = false;
	return c->fatal ? -1 : 0;
}

void ct_consumer_free(struct ct_consumer *c)
{
	size_t i;

	if (!c)
		return;
	if (c->rk) {
		rd_kafka_resp_err_t err;

		/* a batch still in hand here was never applied: drop it */
		for (i = 0; i < 2; i++)
			ct_consumer_batch_clear(&c->slots[i]);
		if (c->queue)
			rd_kafka_queue_destroy(c->queue);
		err = rd_kafka_consumer_close(c->rk);
		if (err)
			ct_log(CT_LOG_WARN, "leaving the group: %s",
			       rd_kafka_err2str(err));
		rd_kafka_destroy(c->rk);
	}
	if (c->dlq) {
		rd_kafka_flush(c->dlq, 10000);
		rd_kafka_destroy(c->dlq);
	}
	for (i = 0; i < 2; i++) {
		ct_consumer_batch_clear(&c->slots[i]);
		free(c->slots[i].recs);
		free(c->slots[i].items);
		free(c->slots[i].dlq_state);
	}
	ct_banking_free(c->banking);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}
