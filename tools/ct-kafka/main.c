/*
 * ct-kafka: a small Kafka client for the tests and the demo.
 *
 * Subcommands:
 *   produce  feeds JSONL records ({"topic","key","value"|"value_b64",...})
 *            to Kafka in file order with the idempotent producer;
 *   lag      prints a consumer group's total lag over some topics, so a test
 *            can wait until the worker has caught up;
 *   dump     prints a topic's messages as JSONL (no consumer group), so a
 *            test can read the dead-letter and summary topics.
 *
 * The JSONL record format is the same in and out: what dump prints can be fed
 * back to produce (partition is honoured, offset is ignored).  Keys and values
 * that are not valid UTF-8 travel as "key_b64" and "value_b64", header values
 * as {"b64": "..."}; a null value is a tombstone.
 *
 * There is no create-topics subcommand: the librdkafka 2.0.2 mock cluster
 * that the tests run does not implement the Admin API's CreateTopics.  Use
 * ct-mock-kafka --topics or its control FIFO (create-topic NAME PARTITIONS).
 *
 * This file holds the options and the subcommands; the JSONL records are
 * read by input.c and written by format.c (the way kcat splits kcat.c,
 * input.c and format.c).  Of convtrack, the tool uses only core's codecs.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <yajl/yajl_gen.h>

#include "ct_kafka.h"

#define CT_KAFKA_DEFAULT_TIMEOUT_MS 30000
#define CT_KAFKA_MAX_CONF           32

/* Settings shared by every subcommand. */
struct ct_kafka_common {
	const char *brokers;
	const char *conf[CT_KAFKA_MAX_CONF]; /* "-X name=value" pairs */
	int conf_cnt;
	int timeout_ms;
};

/* ------------------------------------------------------------------ */
/* Small helpers: time.                                               */
/* ------------------------------------------------------------------ */

static int64_t ct_kafka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, at least 0, at most INT32 range. */
static int ct_kafka_left_ms(int64_t deadline)
{
	int64_t left = deadline - ct_kafka_now_ms();

	if (left < 0)
		return 0;
	return left > 1000000000 ? 1000000000 : (int)left;
}

/* ------------------------------------------------------------------ */
/* librdkafka handles.                                                */
/* ------------------------------------------------------------------ */

static void ct_kafka_error_cb(rd_kafka_t *rk, int err, const char *reason,
			      void *opaque)
{
	(void)opaque;
	/* librdkafka logs connection failures itself. */
	if (err == RD_KAFKA_RESP_ERR__TRANSPORT)
		return;
	fprintf(stderr, "ct-kafka: %s: %s: %s\n", rd_kafka_name(rk),
		rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/*
 * Sets name=value on conf.  Returns 0, or -1 with the reason on stderr.
 */
static int ct_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
			     const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "ct-kafka: %s=%s: %s\n", name, value, errstr);
		return -1;
	}
	return 0;
}

/*
 * Creates a client of the given type.  settings is a NULL-terminated list of
 * name, value pairs applied before the user's -X pairs.  Returns NULL on
 * error (reported).  dr_cb may be NULL.
 */
static rd_kafka_t *ct_kafka_client_new(const struct ct_kafka_common *c,
				       rd_kafka_type_t type,
				       const char *const *settings,
				       void (*dr_cb)(rd_kafka_t *,
						     const rd_kafka_message_t *,
						     void *),
				       void *opaque)
{
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	int i;

	conf = rd_kafka_conf_new();
	if (ct_kafka_conf_set(conf, "bootstrap.servers", c->brokers) != 0)
		goto out_destroy_conf;
	for (i = 0; settings && settings[i]; i += 2)
		if (ct_kafka_conf_set(conf, settings[i], settings[i + 1]) != 0)
			goto out_destroy_conf;
	for (i = 0; i < c->conf_cnt; i++) {
		char name[256];
		const char *eq = strchr(c->conf[i], '=');

		if (!eq || eq == c->conf[i] ||
		    (size_t)(eq - c->conf[i]) >= sizeof(name)) {
			fprintf(stderr, "ct-kafka: -X expects name=value: %s\n",
				c->conf[i]);
			goto out_destroy_conf;
		}
		memcpy(name, c->conf[i], (size_t)(eq - c->conf[i]));
		name[eq - c->conf[i]] = '\0';
		if (ct_kafka_conf_set(conf, name, eq + 1) != 0)
			goto out_destroy_conf;
	}
	rd_kafka_conf_set_error_cb(conf, ct_kafka_error_cb);
	if (dr_cb)
		rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, opaque);

	/* rd_kafka_new() takes ownership of conf only on success. */
	rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "ct-kafka: rd_kafka_new: %s\n", errstr);
		goto out_destroy_conf;
	}
	return rk;

out_destroy_conf:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/*
 * Looks topic up in a full metadata listing (which, unlike a request naming
 * the topic, never auto-creates it).  Returns its partition count, 0 if the
 * topic does not exist, or -1 on error (reported).
 */
static int ct_kafka_partition_count(rd_kafka_t *rk, const char *topic,
				    int timeout_ms)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t err;
	int i, cnt = 0;

	err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (err) {
		fprintf(stderr, "ct-kafka: metadata: %s\n",
			rd_kafka_err2str(err));
		return -1;
	}
	for (i = 0; i < md->topic_cnt; i++) {
		if (strcmp(md->topics[i].topic, topic) != 0)
			continue;
		if (md->topics[i].err) {
			fprintf(stderr, "ct-kafka: topic %s: %s\n", topic,
				rd_kafka_err2str(md->topics[i].err));
			cnt = -1;
		} else {
			cnt = md->topics[i].partition_cnt;
		}
		break;
	}
	rd_kafka_metadata_destroy(md);
	return cnt;
}

/* ------------------------------------------------------------------ */
/* produce                                                            */
/* ------------------------------------------------------------------ */

struct ct_kafka_produce_stats {
	long delivered;
	long failed;
};

static void ct_kafka_produce_dr_cb(rd_kafka_t *rk,
				   const rd_kafka_message_t *rkm, void *opaque)
{
	struct ct_kafka_produce_stats *stats = opaque;

	(void)rk;
	if (rkm->err) {
		stats->failed++;
		fprintf(stderr, "ct-kafka: delivery to %s failed: %s\n",
			rd_kafka_topic_name(rkm->rkt),
			rd_kafka_err2str(rkm->err));
	} else {
		stats->delivered++;
	}
}

/*
 * Hands one record to the producer, waiting while its queue is full.  On
 * success the producer owns (and has taken) rec->hdrs.  Returns 0 or -1.
 */
static int ct_kafka_produce_one(rd_kafka_t *rk, struct ct_kafka_rec *rec)
{
	rd_kafka_resp_err_t err;

	for (;;) {
		err = rd_kafka_producev(
			rk, RD_KAFKA_V_TOPIC(rec->topic),
			RD_KAFKA_V_PARTITION(rec->partition),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(rec->key, rec->key ? rec->key_len : 0),
			RD_KAFKA_V_VALUE(rec->value,
					 rec->value ? rec->value_len : 0),
			RD_KAFKA_V_HEADERS(rec->hdrs), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(rk, 100);
	}
	if (err) {
		fprintf(stderr, "ct-kafka: produce to %s: %s\n", rec->topic,
			rd_kafka_err2str(err));
		return -1;
	}
	rec->hdrs = NULL; /* owned by the message now */
	return 0;
}

static void ct_kafka_produce_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-kafka produce [-b BROKERS] [--topic-prefix P] "
		"[--timeout-ms N]\n"
		"                        [-X name=value]... [FILE|-]\n"
		"Each input line: {\"topic\": T, \"key\": K|null | "
		"\"key_b64\": B, \"value\": V|null | \"value_b64\": B,\n"
		"                  \"headers\": {name: value|null|"
		"{\"b64\": B}}, \"partition\": N}\n"
		"V is usually a string (the payload); an object or array is "
		"sent as compact JSON.\n");
}

static int ct_kafka_produce(struct ct_kafka_common *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic-prefix", required_argument, NULL, 'p' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *settings[] = {
		"enable.idempotence", "true", /* keeps per-partition order */
		"acks", "all",
		"linger.ms", "5",
		/* librdkafka 2.0.2's mock cluster can drop part of a large
		 * uncompressed produce batch */
		"compression.codec", "zstd",
		"message.timeout.ms", NULL, /* set below: the next to last */
		NULL,
	};
	struct ct_kafka_produce_stats stats = { 0, 0 };
	struct ct_kafka_recs recs = { NULL, 0, 0 };
	const char *prefix = "", *path = "-";
	char tmo[32];
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk = NULL;
	FILE *in = stdin;
	size_t i, queued = 0;
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "b:X:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'p':
			prefix = optarg;
			break;
		case 'h':
			ct_kafka_produce_usage(stdout);
			return 0;
		case '?':
			ct_kafka_produce_usage(stderr);
			return 2;
		default:
			break; /* common options, handled by the caller */
		}
	}
	if (argc - optind > 1) {
		ct_kafka_produce_usage(stderr);
		return 2;
	}
	if (optind < argc)
		path = argv[optind];
	if (strcmp(path, "-") != 0) {
		in = fopen(path, "r");
		if (!in) {
			fprintf(stderr, "ct-kafka: cannot open %s: %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	if (ct_kafka_recs_read(in, in == stdin ? "<stdin>" : path, prefix,
			       &recs) != 0)
		goto out_close;

	snprintf(tmo, sizeof(tmo), "%d", c->timeout_ms);
	settings[sizeof(settings) / sizeof(settings[0]) - 2] = tmo;
	rk = ct_kafka_client_new(c, RD_KAFKA_PRODUCER, settings,
				 ct_kafka_produce_dr_cb, &stats);
	if (!rk)
		goto out_close;
	for (i = 0; i < recs.cnt; i++) {
		if (ct_kafka_produce_one(rk, &recs.v[i]) != 0)
			break;
		queued++;
		rd_kafka_poll(rk, 0);
	}
	/* Each message times out by itself; the margin lets that happen. */
	err = rd_kafka_flush(rk, c->timeout_ms + 5000);
	if (err) {
		fprintf(stderr,
			"ct-kafka: %d message(s) not delivered within %s ms\n",
			rd_kafka_outq_len(rk), tmo);
		rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE |
					   RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(rk, 0);
	} else if (queued == recs.cnt && stats.failed == 0 &&
		   (size_t)stats.delivered == recs.cnt) {
		rc = 0;
	}
	err = rd_kafka_fatal_error(rk, NULL, 0);
	if (err) {
		fprintf(stderr, "ct-kafka: fatal producer error: %s\n",
			rd_kafka_err2str(err));
		rc = 1;
	}
	printf("%ld\n", stats.delivered);
	rd_kafka_destroy(rk);
out_close:
	ct_kafka_recs_free(&recs);
	if (in != stdin)
		fclose(in);
	return rc;
}

/* ------------------------------------------------------------------ */
/* lag                                                                */
/* ------------------------------------------------------------------ */

static void ct_kafka_lag_usage(FILE *out)
{
	fprintf(out, "usage: ct-kafka lag [-b BROKERS] -g GROUP [--timeout-ms "
		     "N] [-v] [-X name=value]... TOPIC...\n"
		     "Prints the group's total lag: per partition, high "
		     "watermark minus committed\n"
		     "offset (low watermark when nothing is committed).  "
		     "A missing topic counts 0.\n");
}

static int ct_kafka_lag(struct ct_kafka_common *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "group", required_argument, NULL, 'g' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	rd_kafka_topic_partition_list_t *parts = NULL;
	const char *group = NULL;
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk = NULL;
	const char *settings[] = {
		"group.id", NULL,
		"enable.auto.commit", "false",
		NULL,
	};
	bool verbose = false;
	int64_t total = 0, deadline;
	int opt, i, rc = 1;

	while ((opt = getopt_long(argc, argv, "b:g:X:vh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'g':
			group = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			ct_kafka_lag_usage(stdout);
			return 0;
		case '?':
			ct_kafka_lag_usage(stderr);
			return 2;
		default:
			break;
		}
	}
	if (!group || optind >= argc) {
		ct_kafka_lag_usage(stderr);
		return 2;
	}
	settings[1] = group;
	deadline = ct_kafka_now_ms() + c->timeout_ms;

	rk = ct_kafka_client_new(c, RD_KAFKA_CONSUMER, settings, NULL, NULL);
	if (!rk)
		return 1;
	parts = rd_kafka_topic_partition_list_new(16);
	for (i = optind; i < argc; i++) {
		int cnt = ct_kafka_partition_count(rk, argv[i],
						   ct_kafka_left_ms(deadline));
		int32_t p;

		if (cnt < 0)
			goto out_destroy;
		if (cnt == 0)
			fprintf(stderr, "ct-kafka: topic %s does not exist, "
					"counted as 0\n",
				argv[i]);
		for (p = 0; p < cnt; p++)
			rd_kafka_topic_partition_list_add(parts, argv[i], p);
	}
	if (parts->cnt > 0) {
		/* Reads the group's committed offsets without joining it. */
		err = rd_kafka_committed(rk, parts,
					 ct_kafka_left_ms(deadline));
		if (err) {
			fprintf(stderr, "ct-kafka: committed offsets of %s: "
					"%s\n",
				group, rd_kafka_err2str(err));
			goto out_destroy;
		}
	}
	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		int64_t lo, hi, lag;

		if (tp->err) {
			fprintf(stderr, "ct-kafka: %s [%" PRId32 "]: %s\n",
				tp->topic, tp->partition,
				rd_kafka_err2str(tp->err));
			goto out_destroy;
		}
		err = rd_kafka_query_watermark_offsets(
			rk, tp->topic, tp->partition, &lo, &hi,
			ct_kafka_left_ms(deadline));
		if (err) {
			fprintf(stderr,
				"ct-kafka: watermarks of %s [%" PRId32 "]: "
				"%s\n",
				tp->topic, tp->partition,
				rd_kafka_err2str(err));
			goto out_destroy;
		}
		lag = hi - (tp->offset >= 0 ? tp->offset : lo);
		if (lag < 0)
			lag = 0;
		if (verbose)
			fprintf(stderr,
				"%s [%" PRId32 "] low %" PRId64 " high %" PRId64
				" committed %" PRId64 " lag %" PRId64 "\n",
				tp->topic, tp->partition, lo, hi, tp->offset,
				lag);
		total += lag;
	}
	printf("%" PRId64 "\n", total);
	rc = 0;

out_destroy:
	rd_kafka_topic_partition_list_destroy(parts);
	/* Never joined the group, so close() has nothing to leave. */
	rd_kafka_destroy(rk);
	return rc;
}

/* ------------------------------------------------------------------ */
/* dump                                                               */
/* ------------------------------------------------------------------ */

static void ct_kafka_dump_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-kafka dump [-b BROKERS] [--timeout-ms N] "
		"[-X name=value]... TOPIC\n"
		"Prints every message of TOPIC, partition by partition in "
		"offset order, as JSON\n"
		"lines; stops at the high watermarks read at start.  Exits 1 "
		"if the timeout\n"
		"(default 30000 ms) expires first.  A missing topic prints "
		"nothing.\n");
}

/*
 * Reads partition p of topic from lo up to hi (exclusive) and prints it.
 * Returns 0, or -1 on error or timeout (reported).
 */
static int ct_kafka_dump_partition(rd_kafka_t *rk, yajl_gen g,
				   const char *topic, int32_t p, int64_t lo,
				   int64_t hi, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_resp_err_t err;
	int64_t next = lo;
	int rc = -1;

	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, topic, p)->offset = lo;
	err = rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (err) {
		fprintf(stderr, "ct-kafka: assign %s [%" PRId32 "]: %s\n",
			topic, p, rd_kafka_err2str(err));
		return -1;
	}
	while (next < hi) {
		rd_kafka_message_t *rkm;
		int left = ct_kafka_left_ms(deadline);

		if (left == 0) {
			fprintf(stderr,
				"ct-kafka: timeout reading %s [%" PRId32
				"] at offset %" PRId64 " of %" PRId64 "\n",
				topic, p, next, hi);
			goto out_unassign;
		}
		rkm = rd_kafka_consumer_poll(rk, left < 100 ? left : 100);
		if (!rkm)
			continue;
		if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* Needed when control records (transaction markers)
			 * sit below the high watermark: no message has them. */
			if (rkm->offset >= hi)
				next = hi;
		} else if (rkm->err) {
			fprintf(stderr, "ct-kafka: consume %s [%" PRId32 "]: %s\n",
				topic, p, rd_kafka_message_errstr(rkm));
			rd_kafka_message_destroy(rkm);
			goto out_unassign;
		} else if (rkm->offset < hi) {
			if (ct_kafka_format_message(g, rkm) != 0) {
				rd_kafka_message_destroy(rkm);
				goto out_unassign;
			}
			next = rkm->offset + 1;
		}
		rd_kafka_message_destroy(rkm);
	}
	rc = 0;

out_unassign:
	err = rd_kafka_assign(rk, NULL);
	if (err) {
		fprintf(stderr, "ct-kafka: unassign: %s\n",
			rd_kafka_err2str(err));
		rc = -1;
	}
	return rc;
}

static int ct_kafka_dump(struct ct_kafka_common *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/*
	 * librdkafka 2.0.2 refuses rd_kafka_assign() without a group.id.  A
	 * private one is never joined (no subscribe) and gets no commits.
	 */
	char group[64];
	const char *settings[] = {
		"group.id", group,
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		"enable.partition.eof", "true",
		"auto.offset.reset", "earliest",
		NULL,
	};
	const char *topic;
	rd_kafka_t *rk;
	yajl_gen g;
	int64_t deadline;
	int opt, cnt, rc = 1;
	int32_t p;

	while ((opt = getopt_long(argc, argv, "b:X:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'h':
			ct_kafka_dump_usage(stdout);
			return 0;
		case '?':
			ct_kafka_dump_usage(stderr);
			return 2;
		default:
			break;
		}
	}
	if (argc - optind != 1) {
		ct_kafka_dump_usage(stderr);
		return 2;
	}
	topic = argv[optind];
	deadline = ct_kafka_now_ms() + c->timeout_ms;
	snprintf(group, sizeof(group), "ct-kafka-dump-%ld", (long)getpid());

	g = yajl_gen_alloc(NULL);
	if (!g) {
		fprintf(stderr, "ct-kafka: out of memory\n");
		return 1;
	}
	rk = ct_kafka_client_new(c, RD_KAFKA_CONSUMER, settings, NULL, NULL);
	if (!rk)
		goto out_free_gen;
	rd_kafka_poll_set_consumer(rk);

	cnt = ct_kafka_partition_count(rk, topic, ct_kafka_left_ms(deadline));
	if (cnt < 0)
		goto out_destroy;
	if (cnt == 0)
		fprintf(stderr, "ct-kafka: topic %s does not exist\n", topic);
	for (p = 0; p < cnt; p++) {
		rd_kafka_resp_err_t err;
		int64_t lo, hi;

		err = rd_kafka_query_watermark_offsets(
			rk, topic, p, &lo, &hi, ct_kafka_left_ms(deadline));
		if (err) {
			fprintf(stderr,
				"ct-kafka: watermarks of %s [%" PRId32 "]: "
				"%s\n",
				topic, p, rd_kafka_err2str(err));
			goto out_destroy;
		}
		if (hi > lo && ct_kafka_dump_partition(rk, g, topic, p, lo, hi,
						       deadline) != 0)
			goto out_destroy;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "ct-kafka: writing output: %s\n",
			strerror(errno));
		goto out_destroy;
	}
	rc = 0;

out_destroy:
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
out_free_gen:
	yajl_gen_free(g);
	return rc;
}

/* ------------------------------------------------------------------ */
/* main                                                               */
/* ------------------------------------------------------------------ */

static void ct_kafka_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-kafka produce [-b BROKERS] [--topic-prefix P] "
		"[FILE|-]\n"
		"       ct-kafka lag [-b BROKERS] -g GROUP TOPIC...\n"
		"       ct-kafka dump [-b BROKERS] [--timeout-ms N] TOPIC\n"
		"Common options: -b/--brokers (default $CT_KAFKA_BROKERS), "
		"--timeout-ms N\n"
		"(default 30000), -X name=value (librdkafka setting, "
		"repeatable).\n"
		"Run ct-kafka SUBCOMMAND --help for details.\n");
}

/*
 * First pass over a subcommand's arguments: picks up the options that every
 * subcommand shares (-b, -X, --timeout-ms).  Returns 0 or 2 (usage error).
 */
static int ct_kafka_common_parse(struct ct_kafka_common *c, int argc,
				 char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "timeout-ms", required_argument, NULL, 't' },
		/* the subcommands' own options, skipped here */
		{ "topic-prefix", required_argument, NULL, 1 },
		{ "group", required_argument, NULL, 1 },
		{ "verbose", no_argument, NULL, 1 },
		{ "help", no_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int opt;

	c->brokers = getenv("CT_KAFKA_BROKERS");
	c->timeout_ms = CT_KAFKA_DEFAULT_TIMEOUT_MS;
	opterr = 0; /* the subcommand's own pass reports errors */
	while ((opt = getopt_long(argc, argv, "b:g:X:vh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'b':
			c->brokers = optarg;
			break;
		case 'X':
			if (c->conf_cnt == CT_KAFKA_MAX_CONF) {
				fprintf(stderr, "ct-kafka: too many -X\n");
				return 2;
			}
			c->conf[c->conf_cnt++] = optarg;
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end != '\0' || v <= 0 || v > 3600000) {
				fprintf(stderr, "ct-kafka: --timeout-ms: "
						"expected 1..3600000\n");
				return 2;
			}
			c->timeout_ms = (int)v;
			break;
		default:
			break;
		}
	}
	opterr = 1;
	optind = 0; /* full reinitialisation for the second pass (glibc) */
	if (!c->brokers || !*c->brokers) {
		fprintf(stderr, "ct-kafka: no brokers: use -b BROKERS or set "
				"CT_KAFKA_BROKERS\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ct_kafka_common common;
	const char *cmd;
	int rc;

	memset(&common, 0, sizeof(common));
	if (argc < 2) {
		ct_kafka_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		ct_kafka_usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "produce") != 0 && strcmp(cmd, "lag") != 0 &&
	    strcmp(cmd, "dump") != 0) {
		fprintf(stderr, "ct-kafka: unknown subcommand: %s\n", cmd);
		ct_kafka_usage(stderr);
		return 2;
	}
	/* Subcommand arguments start at argv[1], which plays argv[0]. */
	rc = ct_kafka_common_parse(&common, argc - 1, argv + 1);
	if (rc != 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(cmd, "produce") == 0)
		return ct_kafka_produce(&common, argc - 1, argv + 1);
	if (strcmp(cmd, "lag") == 0)
		return ct_kafka_lag(&common, argc - 1, argv + 1);
	return ct_kafka_dump(&common, argc - 1, argv + 1);
}

