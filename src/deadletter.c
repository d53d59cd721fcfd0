/*
 * Dead-letter tools (see include/convtrack/deadletter.h).  Reads the topic
 * without a consumer group (every partition from its start up to the high
 * watermark read at the beginning), so listing or replaying never moves the
 * worker's offsets.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <yajl/yajl_gen.h>

#include "convtrack/deadletter.h"
#include "kafka_conf.h"

#define CT_DL_TIMEOUT_MS 10000

/* What a pass over the topic calls for each matching record. */
typedef int (*ct_dl_visit_fn)(const rd_kafka_message_t *rkm, void *arg);

static const char *ct_dl_header(const rd_kafka_message_t *rkm, const char *name,
				char *buf, size_t buflen)
{
	rd_kafka_headers_t *hdrs = NULL;
	const void *val;
	size_t len;

	if (rd_kafka_message_headers(rkm, &hdrs) ||
	    rd_kafka_header_get_last(hdrs, name, &val, &len) || !val)
		return NULL;
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, val, len);
	buf[len] = '\0';
	return buf;
}

static bool ct_dl_match(const rd_kafka_message_t *rkm,
			const struct ct_deadletter_filter *f)
{
	char reason[256];

	if (f->partition >= 0 && rkm->partition != f->partition)
		return false;
	if (f->offset >= 0 && rkm->offset != f->offset)
		return false;
	if (f->reason_prefix &&
	    (!ct_dl_header(rkm, "convtrack-error", reason, sizeof(reason)) ||
	     strncmp(reason, f->reason_prefix, strlen(f->reason_prefix)) != 0))
		return false;
	return true;
}

/* Visits every matching record; returns the count, or -1 on failure. */
static int ct_dl_scan(const struct ct_config *cfg,
		      const struct ct_deadletter_filter *f, ct_dl_visit_fn visit,
		      void *arg)
{
	const rd_kafka_metadata_t *md = NULL;
	rd_kafka_topic_partition_list_t *parts = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_topic_t *rkt = NULL;
	rd_kafka_t *rk;
	int64_t *high = NULL;
	char err[512];
	int i, count = 0, open = 0;

	conf = ct_kafka_conf_new(cfg, err, sizeof(err));
	if (!conf || ct_kafka_conf_set(conf, "group.id", "convtrack-dead-letter-cli",
				       err, sizeof(err)) < 0 ||
	    ct_kafka_conf_set(conf, "enable.auto.commit", "false", err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "convtrack: %s\n", err);
		if (conf)
			rd_kafka_conf_destroy(conf);
		return -1;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		fprintf(stderr, "convtrack: %s\n", err);
		return -1;
	}
	rkt = rd_kafka_topic_new(rk, cfg->topic_dead_letter, NULL);
	if (rd_kafka_metadata(rk, 0, rkt, &md, CT_DL_TIMEOUT_MS) ||
	    md->topic_cnt != 1 || md->topics[0].err) {
		fprintf(stderr, "convtrack: cannot read topic %s\n", cfg->topic_dead_letter);
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
		count = -1;
		goto out;
	}
	while (open > 0) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, CT_DL_TIMEOUT_MS);

		if (!rkm) {
			fprintf(stderr, "convtrack: timed out reading %s\n",
				cfg->topic_dead_letter);
			count = -1;
			break;
		}
		if (!rkm->err) {
			for (i = 0; i < md->topics[0].partition_cnt; i++)
				if (md->topics[0].partitions[i].id == rkm->partition &&
				    rkm->offset + 1 == high[i])
					open--;
			if (ct_dl_match(rkm, f) && (!f->limit || count < f->limit)) {
				if (visit(rkm, arg) < 0)
					count = -1;
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

struct ct_dl_list {
	FILE *out;
	yajl_gen g;
};

static void ct_dl_json_str(yajl_gen g, const char *key, const char *val, size_t len)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	if (val)
		yajl_gen_string(g, (const unsigned char *)val, len);
	else
		yajl_gen_null(g);
}

static int ct_dl_list_one(const rd_kafka_message_t *rkm, void *arg)
{
	struct ct_dl_list *l = arg;
	char reason[256], topic[256], part[16], off[24];
	const char *r = ct_dl_header(rkm, "convtrack-error", reason, sizeof(reason));
	const char *t = ct_dl_header(rkm, "convtrack-source-topic", topic, sizeof(topic));
	const char *p = ct_dl_header(rkm, "convtrack-source-partition", part, sizeof(part));
	const char *o = ct_dl_header(rkm, "convtrack-source-offset", off, sizeof(off));

	if (l->g) {
		yajl_gen g = l->g;

		yajl_gen_map_open(g);
		yajl_gen_string(g, (const unsigned char *)"partition", 9);
		yajl_gen_integer(g, rkm->partition);
		yajl_gen_string(g, (const unsigned char *)"offset", 6);
		yajl_gen_integer(g, rkm->offset);
		ct_dl_json_str(g, "reason", r, r ? strlen(r) : 0);
		ct_dl_json_str(g, "source_topic", t, t ? strlen(t) : 0);
		ct_dl_json_str(g, "source_partition", p, p ? strlen(p) : 0);
		ct_dl_json_str(g, "source_offset", o, o ? strlen(o) : 0);
		ct_dl_json_str(g, "key", rkm->key, rkm->key_len);
		/* payloads may be invalid UTF-8: yajl_gen validates, so check */
		if (yajl_gen_string(g, (const unsigned char *)"payload", 7) ==
			    yajl_gen_status_ok &&
		    (!rkm->payload ||
		     yajl_gen_string(g, rkm->payload, rkm->len) != yajl_gen_status_ok))
			yajl_gen_null(g);
		yajl_gen_map_close(g);
		return 0;
	}
	fprintf(l->out, "%" PRId32 ":%-8" PRId64 " %-32s %s[%s]@%s  %.*s\n",
		rkm->partition, rkm->offset, r ? r : "-", t ? t : "-", p ? p : "-",
		o ? o : "-", rkm->payload ? (int)(rkm->len < 60 ? rkm->len : 60) : 11,
		rkm->payload ? (const char *)rkm->payload : "(tombstone)");
	return 0;
}

int ct_deadletter_list(const struct ct_config *cfg,
		       const struct ct_deadletter_filter *f, bool json, FILE *out)
{
	struct ct_dl_list l = { out, NULL };
	int n;

	if (json) {
		l.g = yajl_gen_alloc(NULL);
		yajl_gen_config(l.g, yajl_gen_validate_utf8, 1);
		yajl_gen_array_open(l.g);
	} else {
		fprintf(out, "%-10s %-32s %s  %s\n", "position", "reason",
			"source[partition]@offset", "payload");
	}
	n = ct_dl_scan(cfg, f, ct_dl_list_one, &l);
	if (l.g) {
		const unsigned char *buf;
		size_t len;

		yajl_gen_array_close(l.g);
		if (n >= 0 && yajl_gen_get_buf(l.g, &buf, &len) == yajl_gen_status_ok)
			fprintf(out, "%.*s\n", (int)len, (const char *)buf);
		yajl_gen_free(l.g);
	} else if (n >= 0) {
		fprintf(out, "%d record%s\n", n, n == 1 ? "" : "s");
	}
	return n < 0 ? 3 : 0;
}

struct ct_dl_replay {
	rd_kafka_t *producer;
	bool dry_run;
	int failed;
	FILE *out;
};

static void ct_dl_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
	struct ct_dl_replay *r = opaque;

	(void)rk;
	if (rkm->err) {
		r->failed++;
		fprintf(stderr, "convtrack: replay to %s failed: %s\n",
			rd_kafka_topic_name(rkm->rkt), rd_kafka_err2str(rkm->err));
	}
}

static int ct_dl_replay_one(const rd_kafka_message_t *rkm, void *arg)
{
	struct ct_dl_replay *r = arg;
	char topic[256];
	rd_kafka_resp_err_t err;

	if (!ct_dl_header(rkm, "convtrack-source-topic", topic, sizeof(topic))) {
		fprintf(stderr, "convtrack: %" PRId32 ":%" PRId64 " has no source "
			"topic header; skipped\n", rkm->partition, rkm->offset);
		return 0;
	}
	fprintf(r->out, "%s %" PRId32 ":%" PRId64 " -> %s\n",
		r->dry_run ? "would replay" : "replaying", rkm->partition,
		rkm->offset, topic);
	if (r->dry_run)
		return 0;
	err = rd_kafka_producev(r->producer, RD_KAFKA_V_TOPIC(topic),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_KEY(rkm->key, rkm->key_len),
				RD_KAFKA_V_VALUE(rkm->payload, rkm->len),
				RD_KAFKA_V_END);
	if (err) {
		fprintf(stderr, "convtrack: replay: %s\n", rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

int ct_deadletter_replay(const struct ct_config *cfg,
			 const struct ct_deadletter_filter *f, bool dry_run,
			 FILE *out)
{
	struct ct_dl_replay r = { NULL, dry_run, 0, out };
	rd_kafka_conf_t *conf;
	char err[512];
	int n;

	conf = ct_kafka_conf_new(cfg, err, sizeof(err));
	if (!conf) {
		fprintf(stderr, "convtrack: %s\n", err);
		return 3;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, ct_dl_dr_cb);
	rd_kafka_conf_set_opaque(conf, &r);
	r.producer = ct_kafka_producer_new(conf, err, sizeof(err));
	if (!r.producer) {
		fprintf(stderr, "convtrack: %s\n", err);
		return 3;
	}
	n = ct_dl_scan(cfg, f, ct_dl_replay_one, &r);
	if (rd_kafka_flush(r.producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		r.failed++;
	rd_kafka_destroy(r.producer);
	if (n < 0 || r.failed)
		return 3;
	fprintf(out, "%d record%s %s\n", n, n == 1 ? "" : "s",
		dry_run ? "would be replayed" : "replayed");
	return n == 0 ? 1 : 0;
}
