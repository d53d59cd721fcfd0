/*
 * Consumer: the worker's loop over the four input topics (see
 * include/convtrack/consumer.h).  librdkafka is used only here and in the
 * publisher; the rest of the worker sees parsed events.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/applier.h"
#include "convtrack/banking.h"
#include "convtrack/consumer.h"
#include "convtrack/event.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "kafka_conf.h"

/* A batch stops growing at this many payload bytes (bounds memory). */
#define CT_CONSUMER_MAX_BATCH_BYTES (4u * 1024 * 1024)

/*
 * Largest fetch response unless kafka.properties sets fetch.max.bytes:
 * librdkafka's default (50 MiB) alone would exceed the worker's memory
 * budget; 8 MiB still fills a 5,000-event batch in one fetch.
 */
#define CT_CONSUMER_FETCH_MAX_BYTES "8388608"

/* How often the consumer lag gauges are refreshed. */
#define CT_CONSUMER_LAG_EVERY_MS 2000

/* How long a revoke waits for the batch in hand before dropping it. */
#define CT_CONSUMER_REVOKE_BUDGET_MS 30000

/* Dead-letter delivery: one flag per record, set by the delivery report. */
enum ct_dlq_state { CT_DLQ_NONE = 0, CT_DLQ_PENDING, CT_DLQ_DONE, CT_DLQ_FAILED };

struct ct_consumer {
	const struct ct_config *cfg;
	rd_kafka_t *rk;  /* consumer */
	rd_kafka_t *dlq; /* dead-letter producer */
	struct ct_banking *banking; /* flags user messages (is_banking_query) */
	struct ct_repo *const *repos; /* batch.parallelism connections */
	size_t nrepos;
	volatile sig_atomic_t *stop;
	bool fatal;

	int64_t next_lag_ms;

	/* the batch in hand */
	rd_kafka_message_t **rkms;
	struct ct_applier_item *items;
	enum ct_dlq_state *dlq_state;
	size_t n, cap;
	size_t bytes;
};

static int64_t ct_consumer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ct_consumer_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Capped exponential backoff: the delay before retry number attempt. */
static int ct_consumer_backoff(const struct ct_config *cfg, int attempt)
{
	int64_t d = cfg->retry_initial_ms;

	while (attempt-- > 0 && d < cfg->retry_max_ms)
		d *= 2;
	return (int)(d > cfg->retry_max_ms ? cfg->retry_max_ms : d);
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

static void ct_consumer_batch_clear(struct ct_consumer *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		ct_event_clear(&c->items[i].ev);
		rd_kafka_message_destroy(c->rkms[i]);
	}
	c->n = 0;
	c->bytes = 0;
}

static int ct_consumer_batch_grow(struct ct_consumer *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 256;
	void *a = realloc(c->rkms, ncap * sizeof(*c->rkms));

	if (!a)
		return -1;
	c->rkms = a;
	a = realloc(c->items, ncap * sizeof(*c->items));
	if (!a)
		return -1;
	c->items = a;
	a = realloc(c->dlq_state, ncap * sizeof(*c->dlq_state));
	if (!a)
		return -1;
	c->dlq_state = a;
	c->cap = ncap;
	return 0;
}

/* Takes ownership of rkm: parses it into the batch. */
static int ct_consumer_batch_add(struct ct_consumer *c, rd_kafka_message_t *rkm)
{
	struct ct_applier_item *it;
	const char *topic = rd_kafka_topic_name(rkm->rkt);
	int type = ct_consumer_topic_type(c->cfg, topic);

	if (c->n == c->cap && ct_consumer_batch_grow(c) < 0) {
		rd_kafka_message_destroy(rkm);
		return -1;
	}
	it = &c->items[c->n];
	memset(it, 0, sizeof(*it));
	c->rkms[c->n] = rkm;
	c->dlq_state[c->n] = CT_DLQ_NONE;
	c->n++;
	c->bytes += rkm->len;
	if (type < 0) {
		it->dead_letter = true;
		snprintf(it->reason, sizeof(it->reason), "unknown_topic");
	} else if (ct_event_parse((enum ct_event_type)type, rkm->payload, rkm->len,
				  &it->ev, it->reason) == 0) {
		it->valid = true;
		if (it->ev.type == CT_EVENT_MESSAGE &&
		    it->ev.u.message.role == CT_ROLE_USER) {
			it->ev.u.message.has_banking = true;
			it->ev.u.message.is_banking = ct_banking_is_query(
				c->banking, it->ev.u.message.content,
				it->ev.u.message.content_len);
		}
	} else {
		it->dead_letter = true;
	}
	if (it->dead_letter)
		ct_log_kafka(CT_LOG_WARN, topic, rkm->partition, rkm->offset,
			     NULL, "invalid event: %s", it->reason);
	return 0;
}

/* Produces one record to the dead-letter topic, unchanged, with headers. */
static rd_kafka_resp_err_t ct_consumer_dlq_produce(struct ct_consumer *c, size_t i)
{
	const rd_kafka_message_t *rkm = c->rkms[i];
	const char *topic = rd_kafka_topic_name(rkm->rkt);
	char part[16], off[24];

	snprintf(part, sizeof(part), "%" PRId32, rkm->partition);
	snprintf(off, sizeof(off), "%" PRId64, rkm->offset);
	c->dlq_state[i] = CT_DLQ_PENDING;
	return rd_kafka_producev(
		c->dlq, RD_KAFKA_V_TOPIC(c->cfg->topic_dead_letter),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_VALUE(rkm->payload, rkm->len),
		RD_KAFKA_V_KEY(rkm->key, rkm->key_len),
		RD_KAFKA_V_HEADER("convtrack-error", c->items[i].reason, -1),
		RD_KAFKA_V_HEADER("convtrack-source-topic", topic, -1),
		RD_KAFKA_V_HEADER("convtrack-source-partition", part, -1),
		RD_KAFKA_V_HEADER("convtrack-source-offset", off, -1),
		RD_KAFKA_V_OPAQUE(&c->dlq_state[i]), RD_KAFKA_V_END);
}

/*
 * Publishes the batch's dead-letter records that are not yet acknowledged
 * and waits for the acknowledgements.  Returns 0 when all are acknowledged.
 */
static int ct_consumer_dead_letter(struct ct_consumer *c)
{
	size_t i;
	int pending = 0;

	for (i = 0; i < c->n; i++) {
		if (!c->items[i].dead_letter || c->dlq_state[i] == CT_DLQ_DONE)
			continue;
		if (ct_consumer_dlq_produce(c, i) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			c->dlq_state[i] = CT_DLQ_FAILED;
			continue;
		}
		pending++;
	}
	if (pending)
		rd_kafka_flush(c->dlq, 30000);
	for (i = 0; i < c->n; i++)
		if (c->items[i].dead_letter && c->dlq_state[i] != CT_DLQ_DONE)
			return -1;
	return 0;
}

/* Stores next offsets of the batch's partitions (after everything is done). */
static void ct_consumer_store_offsets(struct ct_consumer *c)
{
	rd_kafka_topic_partition_list_t *offsets =
		rd_kafka_topic_partition_list_new((int)(c->n < 64 ? c->n : 64));
	rd_kafka_resp_err_t err;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const rd_kafka_message_t *rkm = c->rkms[i];
		rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
			offsets, rd_kafka_topic_name(rkm->rkt), rkm->partition);

		if (!tp)
			tp = rd_kafka_topic_partition_list_add(
				offsets, rd_kafka_topic_name(rkm->rkt), rkm->partition);
		if (rkm->offset + 1 > tp->offset)
			tp->offset = rkm->offset + 1;
	}
	err = rd_kafka_offsets_store(c->rk, offsets);
	if (err)
		ct_log(CT_LOG_WARN, "storing offsets: %s (partitions were "
		       "revoked; the new owner re-applies them idempotently)",
		       rd_kafka_err2str(err));
	rd_kafka_topic_partition_list_destroy(offsets);
}

/* Counts a finished batch in the metrics registry. */
static void ct_consumer_count(struct ct_consumer *c,
			      const struct ct_applier_stats *stats,
			      double seconds, int transient_retries)
{
	static const char *const kinds[] = { "consumed", "applied", "duplicate" };
	size_t per[CT_EVENT_TYPE_COUNT + 1][3] = { { 0 } };
	char label[300], reason[200];
	size_t i, t, k;

	for (i = 0; i < c->n; i++) {
		const struct ct_applier_item *it = &c->items[i];
		const char *topic = rd_kafka_topic_name(c->rkms[i]->rkt);
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
	ct_metrics_inc("convtrack_batches_total", NULL, 1);
	ct_metrics_observe("convtrack_batch_size", (double)c->n);
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
 * the records will be delivered again), -1 on a fatal error.
 */
static int ct_consumer_finish(struct ct_consumer *c, int64_t budget_ms)
{
	int64_t start = ct_consumer_now_ms();
	struct ct_applier_stats stats;
	enum ct_repo_status st;
	int attempt = 0;

	if (c->n == 0)
		return 0;
	for (;;) {
		struct ct_repo *failed = NULL;

		st = ct_applier_apply_parallel(c->repos, c->nrepos, c->items, c->n,
					       &stats, &failed);
		if (st == CT_REPO_OK) {
			failed = c->repos[0];
			st = ct_applier_erase(failed, c->items, c->n, &stats);
		}
		ct_metrics_set_db_ok(st == CT_REPO_OK || st == CT_REPO_PERMANENT);
		if (st == CT_REPO_FATAL) {
			ct_log(CT_LOG_ERROR, "fatal database error: %s",
			       ct_repo_error(failed));
			return -1;
		}
		if (st == CT_REPO_OK && ct_consumer_dead_letter(c) == 0)
			break;
		if (st != CT_REPO_OK)
			ct_log(CT_LOG_WARN, "transient database failure, retrying: %s",
			       ct_repo_error(failed));
		else
			ct_log(CT_LOG_WARN, "dead-letter topic unreachable, retrying");
		if (*c->stop || (budget_ms >= 0 &&
				 ct_consumer_now_ms() - start > budget_ms)) {
			ct_log(CT_LOG_WARN, "giving up on a batch of %zu records "
			       "uncommitted; they will be delivered again", c->n);
			ct_consumer_batch_clear(c);
			return 1;
		}
		ct_consumer_sleep_ms(ct_consumer_backoff(c->cfg, attempt++));
	}
	ct_consumer_store_offsets(c);
	ct_consumer_count(c, &stats, (double)(ct_consumer_now_ms() - start) / 1000.0,
			  attempt);
	ct_log(CT_LOG_DEBUG, "batch of %zu: %zu applied, %zu duplicates, "
	       "%zu dead-lettered, %d transactions, %d lock retries", c->n,
	       stats.applied, stats.duplicates, stats.dead_lettered,
	       stats.transactions, stats.lock_retries);
	ct_consumer_batch_clear(c);
	return 0;
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
		if (ct_consumer_finish(c, CT_CONSUMER_REVOKE_BUDGET_MS) < 0)
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
	rd_kafka_conf_set_rebalance_cb(conf, ct_consumer_rebalance_cb);
	rd_kafka_conf_set_opaque(conf, c);
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (!c->rk)
		goto out_free;
	conf = NULL; /* owned by c->rk */
	rd_kafka_poll_set_consumer(c->rk);

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

/* Polls until the batch is full, the wait is over or a stop is requested. */
static void ct_consumer_fill(struct ct_consumer *c)
{
	int64_t deadline = ct_consumer_now_ms() + c->cfg->batch_max_wait_ms;
	int64_t left;

	while (!*c->stop && !c->fatal && c->n < (size_t)c->cfg->batch_max_events &&
	       c->bytes < CT_CONSUMER_MAX_BATCH_BYTES) {
		rd_kafka_message_t *rkm;

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
		if (ct_consumer_batch_add(c, rkm) < 0) {
			ct_log(CT_LOG_ERROR, "out of memory");
			c->fatal = true;
		}
	}
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
	c->repos = repos;
	c->nrepos = nrepos;
	c->stop = stop;
	ct_log(CT_LOG_INFO, "consuming %s, %s, %s, %s, %s as group %s",
	       c->cfg->topic_participant_joined, c->cfg->topic_message,
	       c->cfg->topic_authenticated, c->cfg->topic_call_ended,
	       c->cfg->topic_profile_erasure_requested, c->cfg->kafka_group_id);
	while (!*stop && !c->fatal) {
		ct_consumer_fill(c);
		if (!c->fatal && ct_consumer_finish(c, -1) < 0)
			c->fatal = true;
		if (!c->fatal && tick && tick(arg) < 0)
			c->fatal = true;
		ct_consumer_update_lag(c);
	}
	if (!c->fatal && ct_consumer_finish(c, -1) < 0)
		c->fatal = true;
	return c->fatal ? -1 : 0;
}

void ct_consumer_free(struct ct_consumer *c)
{
	if (!c)
		return;
	if (c->rk) {
		rd_kafka_resp_err_t err;

		/* a batch still in hand here was never applied: drop it */
		ct_consumer_batch_clear(c);
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
	ct_consumer_batch_clear(c);
	ct_banking_free(c->banking);
	free(c->rkms);
	free(c->items);
	free(c->dlq_state);
	free(c);
}
