/*
 * Dead-letter tools (see include/convtrack/dltool.h).  Reads the topic
 * without a consumer group (every partition from its start up to the high
 * watermark read at the beginning), so listing or replaying never moves the
 * worker's offsets.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/dltool.h"
#include "dltool_int.h"
#include "kafka_conf.h"

#define CT_DL_TIMEOUT_MS 10000

/* What a pass over the topic calls for each matching record. */
typedef int (*ct_dl_visit_fn)(const rd_kafka_message_t *rkm, void *arg);

/* The last value of header name in hdrs (may be NULL), copied to buf. */
static const char *ct_dl_header(const rd_kafka_headers_t *hdrs,
				const char *name, char *buf, size_t buflen)
{
	const void *val;
	size_t len;

	if (!hdrs || rd_kafka_header_get_last(hdrs, name, &val, &len) || !val)
		return NULL;
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, val, len);
	buf[len] = '\0';
	return buf;
}

/* A header that is a number >= 0, or -1. */
static long long ct_dl_header_num(const rd_kafka_headers_t *hdrs,
				  const char *name)
{
	char buf[32], *end;
	long long v;

	if (!ct_dl_header(hdrs, name, buf, sizeof(buf)) || !buf[0])
		return -1;
	v = strtoll(buf, &end, 10);
	return *end || v < 0 ? -1 : v;
}

/* rkm's headers (borrowed from it), or NULL when it has none. */
static const rd_kafka_headers_t *ct_dl_headers(const rd_kafka_message_t *rkm)
{
	rd_kafka_headers_t *hdrs = NULL;

	if (rd_kafka_message_headers(rkm, &hdrs))
		return NULL;
	return hdrs;
}

void ct_dltool_record_headers(const rd_kafka_headers_t *hdrs,
			      struct ct_dltool_record *r, char bufs[3][256])
{
	r->reason = ct_dl_header(hdrs, "convtrack-error", bufs[0], 256);
	r->source_topic = ct_dl_header(hdrs, "convtrack-source-topic", bufs[1],
				       256);
	r->source_partition = ct_dl_header_num(hdrs,
					       "convtrack-source-partition");
	r->source_offset = ct_dl_header_num(hdrs, "convtrack-source-offset");
	r->redacted = ct_dl_header(hdrs, "convtrack-redacted", bufs[2], 256) &&
		      strcmp(bufs[2], "true") == 0;
}

/*
 * Fills r from rkm; the strings live in bufs (3 x 256 bytes) until the
 * next call.
 */
static void ct_dl_record(const rd_kafka_message_t *rkm,
			 struct ct_dltool_record *r, char bufs[3][256])
{
	memset(r, 0, sizeof(*r));
	r->partition = rkm->partition;
	r->offset = rkm->offset;
	ct_dltool_record_headers(ct_dl_headers(rkm), r, bufs);
	r->key = rkm->key;
	r->key_len = rkm->key_len;
	r->payload = rkm->payload;
	r->len = rkm->len;
}

bool ct_dltool_match(const rd_kafka_headers_t *hdrs, int32_t partition,
		     int64_t offset, const struct ct_dltool_filter *f)
{
	char reason[256];

	if (f->partition >= 0 && partition != f->partition)
		return false;
	if (f->offset >= 0 && offset != f->offset)
		return false;
	if (f->reason_prefix &&
	    (!ct_dl_header(hdrs, "convtrack-error", reason, sizeof(reason)) ||
	     strncmp(reason, f->reason_prefix, strlen(f->reason_prefix)) != 0))
		return false;
	return true;
}

/* Visits every matching record; returns the count, or -1 on failure. */
static int ct_dl_scan(const struct ct_config *cfg,
		      const struct ct_dltool_filter *f, ct_dl_visit_fn visit,
		      void *arg, char *err, size_t errlen)
{
	const rd_kafka_metadata_t *md = NULL;
	rd_kafka_topic_partition_list_t *parts = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_topic_t *rkt = NULL;
	rd_kafka_t *rk;
	int64_t *high = NULL;
	int i, count = 0, open = 0;

	conf = ct_kafka_conf_new(cfg, err, errlen);
	if (!conf || ct_kafka_conf_set(conf, "group.id", "convtrack-dead-letter-cli",
				       err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "enable.auto.commit", "false", err,
			      errlen) < 0) {
		if (conf)
			rd_kafka_conf_destroy(conf);
		return -1;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	rkt = rd_kafka_topic_new(rk, cfg->topic_dead_letter, NULL);
	if (rd_kafka_metadata(rk, 0, rkt, &md, CT_DL_TIMEOUT_MS) ||
	    md->topic_cnt != 1 || md->topics[0].err) {
		snprintf(err, errlen, "cannot read topic %s", cfg->topic_dead_letter);
		count = -1;
		goto out;
	}
	parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	high = calloc((size_t)md->topics[0].partition_cnt + 1, sizeof(*high));
	for (i = 0; high && i < md->topics[0].partition_cnt; i++) {
		int32_t p = md->topics[0].partitions[i].id;
		int64_t lo, hi;

		if (rd_kafka_query_watermark_offsets(rk, cfg->topic_dead_letter, p, &lo,
						     &hi, CT_DL_TIMEOUT_MS)) {
			snprintf(err, errlen, "cannot read the offsets of %s",
				 cfg->topic_dead_letter);
			count = -1;
			goto out;
		}
		high[i] = hi;
		if (hi > lo) {
			rd_kafka_topic_partition_list_add(parts, cfg->topic_dead_letter, p)
				->offset = lo;
			open++;
		}
	}
	if (!high || (open && rd_kafka_assign(rk, parts))) {
		snprintf(err, errlen, "cannot read topic %s", cfg->topic_dead_letter);
		count = -1;
		goto out;
	}
	while (open > 0) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, CT_DL_TIMEOUT_MS);

		if (!rkm) {
			snprintf(err, errlen, "timed out reading %s",
				 cfg->topic_dead_letter);
			count = -1;
			break;
		}
		if (!rkm->err) {
			for (i = 0; i < md->topics[0].partition_cnt; i++)
				if (md->topics[0].partitions[i].id == rkm->partition &&
				    rkm->offset + 1 == high[i])
					open--;
			if (ct_dltool_match(ct_dl_headers(rkm), rkm->partition,
					    rkm->offset, f) &&
			    (!f->limit || count < f->limit)) {
				if (visit(rkm, arg) < 0) {
					snprintf(err, errlen, "stopped at %" PRId32
						 ":%" PRId64, rkm->partition,
						 rkm->offset);
					count = -1;
				}
				else
					count++;
			}
		}
		rd_kafka_message_destroy(rkm);
		if (count < 0)
			break;
	}
out:
	free(high);
	if (parts)
		rd_kafka_topic_partition_list_destroy(parts);
	if (md)
		rd_kafka_metadata_destroy(md);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return count;
}

/* The caller's visitor, for a pass over the topic. */
struct ct_dl_list {
	ct_dltool_visit_fn visit;
	void *arg;
};

static int ct_dl_list_one(const rd_kafka_message_t *rkm, void *arg)
{
	struct ct_dl_list *l = arg;
	struct ct_dltool_record r;
	char bufs[3][256];

	ct_dl_record(rkm, &r, bufs);
	return l->visit(l->arg, &r) ? -1 : 0;
}

int ct_dltool_list(const struct ct_config *cfg,
		   const struct ct_dltool_filter *f, ct_dltool_visit_fn visit,
		   void *arg, char *err, size_t errlen)
{
	struct ct_dl_list l = { visit, arg };

	return ct_dl_scan(cfg, f, ct_dl_list_one, &l, err, errlen);
}

struct ct_dl_replay {
	rd_kafka_t *producer;
	bool dry_run;
	int failed;
	int replayed;
	ct_dltool_visit_fn visit;
	void *arg;
	char first_error[256]; /* of a delivery report */
};

static void ct_dl_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
	struct ct_dl_replay *r = opaque;

	(void)rk;
	if (rkm->err && r->failed++ == 0)
		snprintf(r->first_error, sizeof(r->first_error),
			 "replay to %s failed: %s", rd_kafka_topic_name(rkm->rkt),
			 rd_kafka_err2str(rkm->err));
}

static int ct_dl_replay_one(const rd_kafka_message_t *rkm, void *arg)
{
	struct ct_dl_replay *r = arg;
	struct ct_dltool_record rec;
	char bufs[3][256];
	rd_kafka_resp_err_t err;

	ct_dl_record(rkm, &rec, bufs);
	rec.skipped = rec.source_topic == NULL;
	if (r->visit && r->visit(r->arg, &rec))
		return -1;
	if (rec.skipped)
		return 0;
	r->replayed++;
	if (r->dry_run)
		return 0;
	err = rd_kafka_producev(r->producer, RD_KAFKA_V_TOPIC(rec.source_topic),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_KEY(rkm->key, rkm->key_len),
				RD_KAFKA_V_VALUE(rkm->payload, rkm->len),
				RD_KAFKA_V_END);
	if (err) {
		snprintf(r->first_error, sizeof(r->first_error), "replay: %s",
			 rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

int ct_dltool_replay(const struct ct_config *cfg,
		     const struct ct_dltool_filter *f, bool dry_run,
		     ct_dltool_visit_fn visit, void *arg, char *err,
		     size_t errlen)
{
	struct ct_dl_replay r = { .dry_run = dry_run, .visit = visit, .arg = arg };
	rd_kafka_conf_t *conf;
	int n;

	conf = ct_kafka_conf_new(cfg, err, errlen);
	if (!conf)
		return -1;
	rd_kafka_conf_set_dr_msg_cb(conf, ct_dl_dr_cb);
	rd_kafka_conf_set_opaque(conf, &r);
	r.producer = ct_kafka_producer_new(conf, err, errlen);
	if (!r.producer)
		return -1;
	n = ct_dl_scan(cfg, f, ct_dl_replay_one, &r, err, errlen);
	if (rd_kafka_flush(r.producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR &&
	    r.failed++ == 0)
		snprintf(r.first_error, sizeof(r.first_error),
			 "replay: not every record was acknowledged");
	rd_kafka_destroy(r.producer);
	if (r.first_error[0] && (n >= 0 || r.failed))
		snprintf(err, errlen, "%s", r.first_error);
	if (n < 0 || r.failed)
		return -1;
	return r.replayed;
}
