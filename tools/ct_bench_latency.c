/*
 * ct-bench-latency: call_ended -> summary_generated latency (bench/).
 *
 * Reads call_ended events ("session_id<TAB>payload" per line, as
 * bench/gen_events.py writes them), produces them to the call-ended topic
 * at --rate events per second (keyed by session_id, linger.ms=0, acks=all),
 * and reads the summary-generated topic from its beginning (partitions
 * assigned directly, no group).  A session's latency is the time from the
 * produce call of its call_ended to the arrival here of its first
 * summary_generated record, both on this host's CLOCK_REALTIME; a record
 * for a session that was not sent is ignored, a later version of a session
 * is counted as "extra".  The summary topic must exist (create it first).
 *
 * It stops when every session has its summary, or --timeout-ms after the
 * last send, and prints one line:
 *   sent=N received=M missing=K extra=E min_ms= p50_ms= p90_ms= p99_ms= max_ms=
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

static volatile sig_atomic_t ct_bl_stop;

static void ct_bl_on_signal(int sig)
{
	(void)sig;
	ct_bl_stop = 1;
}

/* One session: its call_ended and the times measured for it. */
struct ct_bl_item {
	char *key;
	char *value;
	int64_t sent_us;     /* 0 until produced */
	int64_t received_us; /* 0 until its first summary arrived */
};

static int64_t ct_bl_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int ct_bl_cmp_key(const void *a, const void *b)
{
	const struct ct_bl_item *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static int ct_bl_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Reads "key<TAB>value" lines.  Returns the count, or -1 (reported). */
static long ct_bl_read(const char *path, struct ct_bl_item **out)
{
	FILE *f = fopen(path, "r");
	struct ct_bl_item *v = NULL;
	size_t cap = 0, n = 0, lcap = 0;
	char *line = NULL;
	ssize_t len;

	if (!f) {
		perror(path);
		return -1;
	}
	while ((len = getline(&line, &lcap, f)) > 0) {
		char *tab = strchr(line, '\t');

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!tab)
			continue;
		*tab = '\0';
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct ct_bl_item *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				break;
			v = nv;
			cap = ncap;
		}
		v[n].key = strdup(line);
		v[n].value = strdup(tab + 1);
		v[n].sent_us = v[n].received_us = 0;
		if (!v[n].key || !v[n].value)
			break;
		n++;
	}
	free(line);
	fclose(f);
	*out = v;
	return (long)n;
}

static rd_kafka_t *ct_bl_client(rd_kafka_type_t type, const char *brokers,
				const char *const *settings)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	char err[512];
	int i;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
			      sizeof(err)) != RD_KAFKA_CONF_OK)
		goto out_fail;
	for (i = 0; settings[i]; i += 2)
		if (rd_kafka_conf_set(conf, settings[i], settings[i + 1], err,
				      sizeof(err)) != RD_KAFKA_CONF_OK)
			goto out_fail;
	rk = rd_kafka_new(type, conf, err, sizeof(err));
	if (rk)
		return rk;
out_fail:
	fprintf(stderr, "ct-bench-latency: %s\n", err);
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/* Assigns every partition of topic from its beginning.  Returns 0 or -1. */
static int ct_bl_assign(rd_kafka_t *rk, const char *topic)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_partition_list_t *parts;
	int i, cnt = 0;

	if (rd_kafka_metadata(rk, 1, NULL, &md, 10000)) {
		fprintf(stderr, "ct-bench-latency: metadata request failed\n");
		return -1;
	}
	for (i = 0; i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, topic) == 0)
			cnt = md->topics[i].partition_cnt;
	rd_kafka_metadata_destroy(md);
	if (cnt == 0) {
		fprintf(stderr, "ct-bench-latency: topic %s does not exist\n", topic);
		return -1;
	}
	parts = rd_kafka_topic_partition_list_new(cnt);
	for (i = 0; i < cnt; i++)
		rd_kafka_topic_partition_list_add(parts, topic, i)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	i = rd_kafka_assign(rk, parts) ? -1 : 0;
	rd_kafka_topic_partition_list_destroy(parts);
	return i;
}

static void ct_bl_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-bench-latency -b BROKERS --topic CALL_ENDED_TOPIC "
		"--summary-topic TOPIC\n"
		"                        --input FILE [--rate N] "
		"[--timeout-ms N]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "summary-topic", required_argument, NULL, 's' },
		{ "input", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *brokers = NULL, *topic = NULL, *summary = NULL, *input = NULL;
	double rate = 100;
	long timeout_ms = 60000, n, i, sent = 0, received = 0, extra = 0;
	struct ct_bl_item *items = NULL, **byk = NULL;
	int64_t start, last_send = 0, *lat = NULL;
	rd_kafka_t *prod = NULL, *cons = NULL;
	char group[64];
	struct sigaction sa;
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			brokers = optarg;
			break;
		case 't':
			topic = optarg;
			break;
		case 's':
			summary = optarg;
			break;
		case 'i':
			input = optarg;
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'T':
			timeout_ms = strtol(optarg, NULL, 10);
			break;
		case 'h':
			ct_bl_usage(stdout);
			return 0;
		default:
			ct_bl_usage(stderr);
			return 2;
		}
	}
	if (!brokers || !topic || !summary || !input || rate <= 0) {
		ct_bl_usage(stderr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ct_bl_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	n = ct_bl_read(input, &items);
	if (n <= 0) {
		fprintf(stderr, "ct-bench-latency: no events in %s\n", input);
		goto out_free;
	}
	byk = malloc((size_t)n * sizeof(*byk));
	lat = malloc((size_t)n * sizeof(*lat));
	if (!byk || !lat)
		goto out_free;
	for (i = 0; i < n; i++)
		byk[i] = &items[i];
	qsort(byk, (size_t)n, sizeof(*byk), ct_bl_cmp_key);

	snprintf(group, sizeof(group), "ct-bench-latency-%ld", (long)getpid());
	{
		const char *ps[] = { "linger.ms", "0", "acks", "all", NULL };
		const char *cs[] = { "group.id", group, "enable.auto.commit", "false",
				     "enable.partition.eof", "false",
				     "fetch.wait.max.ms", "10", NULL };

		prod = ct_bl_client(RD_KAFKA_PRODUCER, brokers, ps);
		cons = ct_bl_client(RD_KAFKA_CONSUMER, brokers, cs);
	}
	if (!prod || !cons || ct_bl_assign(cons, summary) < 0)
		goto out_free;

	start = ct_bl_wall_us();
	while (!ct_bl_stop) {
		int64_t now = ct_bl_wall_us();
		rd_kafka_message_t *rkm;
		int wait_ms = 10;

		while (sent < n && now >= start + (int64_t)(sent * 1e6 / rate)) {
			struct ct_bl_item *it = &items[sent];
			rd_kafka_resp_err_t err = rd_kafka_producev(
				prod, RD_KAFKA_V_TOPIC(topic),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_KEY(it->key, strlen(it->key)),
				RD_KAFKA_V_VALUE(it->value, strlen(it->value)),
				RD_KAFKA_V_END);

			if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			if (err) {
				fprintf(stderr, "ct-bench-latency: produce: %s\n",
					rd_kafka_err2str(err));
				goto out_free;
			}
			it->sent_us = now;
			last_send = now;
			sent++;
		}
		rd_kafka_poll(prod, 0);
		if (sent < n) {
			int64_t next = start + (int64_t)(sent * 1e6 / rate);

			wait_ms = (int)((next - now) / 1000);
			if (wait_ms < 0)
				wait_ms = 0;
			if (wait_ms > 10)
				wait_ms = 10;
		} else if (received == n ||
			   now - last_send > (int64_t)timeout_ms * 1000) {
			break;
		}
		rkm = rd_kafka_consumer_poll(cons, wait_ms);
		if (!rkm)
			continue;
		if (!rkm->err && rkm->key) {
			struct ct_bl_item probe, *pp = &probe, **hit;
			char key[64];
			size_t kl = rkm->key_len < sizeof(key) - 1 ? rkm->key_len
								   : sizeof(key) - 1;

			memcpy(key, rkm->key, kl);
			key[kl] = '\0';
			probe.key = key;
			hit = bsearch(&pp, byk, (size_t)n, sizeof(*byk), ct_bl_cmp_key);
			if (hit && (*hit)->sent_us && !(*hit)->received_us) {
				(*hit)->received_us = ct_bl_wall_us();
				received++;
			} else if (hit) {
				extra++;
			}
		}
		rd_kafka_message_destroy(rkm);
	}
	rd_kafka_flush(prod, 10000);
	for (i = 0, received = 0; i < n; i++)
		if (items[i].received_us)
			lat[received++] = items[i].received_us - items[i].sent_us;
	qsort(lat, (size_t)received, sizeof(*lat), ct_bl_cmp_i64);
	if (received > 0) {
#define CT_BL_PCT(p) (lat[(size_t)((received - 1) * (p) + 0.5)] / 1000.0)
		printf("sent=%ld received=%ld missing=%ld extra=%ld min_ms=%.1f "
		       "p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
		       sent, received, n - received, extra, CT_BL_PCT(0.0),
		       CT_BL_PCT(0.50), CT_BL_PCT(0.90), CT_BL_PCT(0.99),
		       CT_BL_PCT(1.0));
#undef CT_BL_PCT
		rc = received == n ? 0 : 1;
	} else {
		printf("sent=%ld received=0 missing=%ld extra=%ld\n", sent, n, extra);
	}
out_free:
	if (cons) {
		rd_kafka_consumer_close(cons);
		rd_kafka_destroy(cons);
	}
	if (prod)
		rd_kafka_destroy(prod);
	for (i = 0; i < n; i++) {
		free(items[i].key);
		free(items[i].value);
	}
	free(items);
	free(byk);
	free(lat);
	return rc;
}
