/*
 * Consumer: the group member and the dead-letter producer
 * (include/convtrack/consumer.h).  Polls and parses batches, produces dead
 * letters with the contract's headers, stores offsets, keeps librdkafka's
 * fetcher busy and the lag gauges fresh.  What a batch means is the
 * pipeline's business (src/worker/pipeline.c).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/clock.h"
#include "convtrack/consumer.h"
#include "convtrack/event.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "kafka_conf.h"

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


struct ct_consumer {
	const struct ct_config *cfg;
	rd_kafka_t *rk;  /* consumer */
	rd_kafka_t *dlq; /* dead-letter producer */
	ct_consumer_revoke_fn on_revoke;
	void *revoke_arg;
	ct_consumer_payload_fn payload_filter; /* NULL: dead letters unchanged */
	void *filter_arg;
	bool fatal;

	int64_t next_lag_ms;
	rd_kafka_queue_t *queue; /* the consumer queue, for its length */
	int64_t next_nudge_ms;
	int nudge_from; /* where the next nudge starts its round */
};

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

void ct_batch_clear(struct ct_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		ct_event_clear(&b->items[i].ev);
		free(b->recs[i]);
	}
	b->n = 0;
	b->bytes = 0;
}

void ct_batch_free(struct ct_batch *b)
{
	ct_batch_clear(b);
	free(b->recs);
	free(b->items);
	free(b->dlq_state);
	memset(b, 0, sizeof(*b));
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
	r->type = -1;
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

/*
 * True (and the reason set, the event cleared) when ev happened more than
 * limits.max_future_skew_s ahead of the worker's clock: a producer's clock
 * or a forged timestamp that would otherwise win every "latest" of the
 * contract for a day or a century.
 */
static bool ct_consumer_from_future(const struct ct_consumer *c,
				    struct ct_event *ev,
				    char reason[CT_EVENT_REASON_MAX])
{
	int64_t skew = c->cfg->limits_max_future_skew_s;

	if (skew == 0 ||
	    ev->occurred_at_us - ct_clock_wall_us() <= skew * 1000000)
		return false;
	snprintf(reason, CT_EVENT_REASON_MAX, "future_timestamp:occurred_at");
	ct_event_clear(ev);
	return true;
}

/* Takes ownership of rkm (destroyed here): parses it into the batch. */
static int ct_consumer_batch_add(struct ct_consumer *c, struct ct_batch *b,
				 rd_kafka_message_t *rkm)
{
	struct ct_event_item *it;
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
	r->type = type;
	it = &b->items[b->n];
	memset(it, 0, sizeof(*it));
	b->recs[b->n] = r;
	b->dlq_state[b->n] = CT_DLQ_NONE;
	b->n++;
	b->bytes += r->len;
	if (type < 0) {
		it->dead_letter = true;
		snprintf(it->reason, sizeof(it->reason), "unknown_topic");
	} else if (r->len > (size_t)c->cfg->limits_max_record_bytes) {
		it->dead_letter = true; /* never parsed */
		snprintf(it->reason, sizeof(it->reason), "oversize_record");
	} else if (ct_event_parse((enum ct_event_type)type, r->payload, r->len,
				  &it->ev, it->reason) == 0) {
		it->valid = !ct_consumer_from_future(c, &it->ev, it->reason);
		it->dead_letter = !it->valid;
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
 * through the payload filter (redact.dead_letter; then it also carries
 * convtrack-redacted: true).  A payload that the filter cannot handle is
 * not produced (an error, so the batch is retried).
 */
static rd_kafka_resp_err_t ct_consumer_dlq_produce(struct ct_consumer *c,
						   struct ct_batch *b, size_t i)
{
	const struct ct_record *r = b->recs[i];
	bool redact = c->payload_filter && r->has_payload;
	const void *value = r->has_payload ? r->payload : NULL;
	size_t len = r->len;
	char part[16], off[24], *copy = NULL;
	rd_kafka_resp_err_t err;

	if (redact) {
		if (c->payload_filter(c->filter_arg, r->payload, r->len, &copy,
				      &len) < 0)
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

int ct_consumer_dead_letter(struct ct_consumer *c, struct ct_batch *b)
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

void ct_consumer_store_offsets(struct ct_consumer *c, const struct ct_batch *b)
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
		if (c->on_revoke && c->on_revoke(c->revoke_arg) < 0)
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

void ct_consumer_on_revoke(struct ct_consumer *c, ct_consumer_revoke_fn fn,
			   void *arg)
{
	c->on_revoke = fn;
	c->revoke_arg = arg;
}

void ct_consumer_set_payload_filter(struct ct_consumer *c,
				    ct_consumer_payload_fn fn, void *arg)
{
	c->payload_filter = fn;
	c->filter_arg = arg;
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
	int64_t now = ct_clock_ms(), lo, hi;
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

int ct_consumer_fill(struct ct_consumer *c, struct ct_batch *b,
		     volatile sig_atomic_t *stop)
{
	int64_t begin = ct_clock_ms();
	int64_t deadline = begin + c->cfg->batch_max_wait_ms;
	int64_t left;

	while (!*stop && !c->fatal && b->n < (size_t)c->cfg->batch_max_events &&
	       b->bytes < CT_CONSUMER_MAX_BATCH_BYTES) {
		rd_kafka_message_t *rkm;

		ct_consumer_nudge(c);
		left = deadline - ct_clock_ms();
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
		       b->n, ct_clock_ms() - begin);
	return c->fatal ? -1 : 0;
}

void ct_consumer_update_lag(struct ct_consumer *c)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int i;

	if (ct_clock_ms() < c->next_lag_ms)
		return;
	c->next_lag_ms = ct_clock_ms() + CT_CONSUMER_LAG_EVERY_MS;
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

void ct_consumer_free(struct ct_consumer *c)
{
	if (!c)
		return;
	if (c->rk) {
		rd_kafka_resp_err_t err;

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
	free(c);
}
