/*
 * ct-bench-stages: what the consumer's thread spends per event, by stage
 * (bench/).  The throughput benchmark says how fast the whole worker is;
 * this says which of the steps the consumer runs on every record before a
 * batch is handed to the database thread costs what, on the benchmark's
 * own events, without Kafka or PostgreSQL.
 *
 *   ct-bench-stages [--rounds N] [--config FILE] EVENTS.jsonl
 *
 * EVENTS.jsonl is what bench/gen_events.py writes (throughput.jsonl): one
 * {"topic": ..., "key": ..., "value": "<event JSON>"} per line; the topic's
 * last word after a '.' picks the event type.  Each stage runs over every
 * event N times (default 5) and is timed on CLOCK_MONOTONIC; the report is
 * the best round per stage, in microseconds per event:
 *   parse     ct_event_parse() (JSON, validation) and ct_event_clear()
 *   banking   + the banking flag of user messages
 *   privacy   + ct_privacy_event() (redaction, contact hashes)
 * with the configuration of --config (else the embedded defaults and the
 * public demo key), as the worker runs them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "convtrack/banking.h"
#include "convtrack/config.h"
#include "convtrack/event.h"
#include "convtrack/privacy.h"
#include "convtrack/redact.h"

struct ct_bs_event {
	enum ct_event_type type;
	char *payload;
	size_t len;
};

struct ct_bs_corpus {
	struct ct_bs_event *v;
	size_t n, cap;
};

static const struct {
	const char *suffix;
	enum ct_event_type type;
} ct_bs_topics[] = {
	{ "participant-joined", CT_EVENT_PARTICIPANT_JOINED },
	{ "message", CT_EVENT_MESSAGE },
	{ "authenticated", CT_EVENT_AUTHENTICATED },
	{ "call-ended", CT_EVENT_CALL_ENDED },
};

/* The event type of topic (its name after the last '.'), or -1. */
static int ct_bs_topic_type(const char *topic)
{
	const char *dot = strrchr(topic, '.');
	const char *name = dot ? dot + 1 : topic;
	size_t k;

	for (k = 0; k < sizeof(ct_bs_topics) / sizeof(ct_bs_topics[0]); k++)
		if (strcmp(name, ct_bs_topics[k].suffix) == 0)
			return (int)ct_bs_topics[k].type;
	return -1;
}

/* Reads one line of EVENTS.jsonl into c; 0, or -1 with a message. */
static int ct_bs_add_line(struct ct_bs_corpus *c, const char *line,
			  size_t lineno)
{
	static const char *topic_path[] = { "topic", NULL };
	static const char *value_path[] = { "value", NULL };
	char err[256];
	yajl_val doc = yajl_tree_parse(line, err, sizeof(err));
	yajl_val topic, value;
	const char *text;
	int type;

	if (!doc) {
		fprintf(stderr, "ct-bench-stages: line %zu: %s\n", lineno, err);
		return -1;
	}
	topic = yajl_tree_get(doc, topic_path, yajl_t_string);
	value = yajl_tree_get(doc, value_path, yajl_t_string);
	type = topic ? ct_bs_topic_type(YAJL_GET_STRING(topic)) : -1;
	text = value ? YAJL_GET_STRING(value) : NULL;
	if (!text || type < 0) {
		fprintf(stderr, "ct-bench-stages: line %zu: no known topic "
			"and string value\n", lineno);
		yajl_tree_free(doc);
		return -1;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 1024;
		struct ct_bs_event *nv = realloc(c->v, ncap * sizeof(*nv));

		if (!nv) {
			yajl_tree_free(doc);
			return -1;
		}
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n].type = (enum ct_event_type)type;
	c->v[c->n].payload = strdup(text);
	if (!c->v[c->n].payload) {
		yajl_tree_free(doc);
		return -1;
	}
	c->v[c->n].len = strlen(c->v[c->n].payload);
	c->n++;
	yajl_tree_free(doc);
	return 0;
}

static int ct_bs_load(const char *path, struct ct_bs_corpus *c)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t got;
	int rc = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (rc == 0 && (got = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (got > 1)
			rc = ct_bs_add_line(c, line, lineno);
	}
	free(line);
	fclose(f);
	return rc;
}

enum ct_bs_stage { CT_BS_PARSE, CT_BS_BANKING, CT_BS_PRIVACY, CT_BS_STAGES };

static const char *const ct_bs_stage_names[CT_BS_STAGES] = {
	"parse", "banking", "privacy",
};

static double ct_bs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * One round of the stages up to `upto` over every event; seconds, or -1
 * when an event is rejected or privacy fails.
 */
static double ct_bs_round(const struct ct_bs_corpus *c, enum ct_bs_stage upto,
			  const struct ct_banking *banking,
			  const struct ct_redact *redact, size_t *flagged)
{
	char reason[CT_EVENT_REASON_MAX];
	double t0 = ct_bs_now();
	size_t k;

	*flagged = 0;
	for (k = 0; k < c->n; k++) {
		struct ct_event ev;

		if (ct_event_parse(c->v[k].type, c->v[k].payload, c->v[k].len,
				   &ev, reason) < 0) {
			fprintf(stderr, "ct-bench-stages: event %zu rejected: "
				"%s\n", k + 1, reason);
			return -1;
		}
		if (upto >= CT_BS_BANKING && ev.type == CT_EVENT_MESSAGE &&
		    ev.u.message.role == CT_ROLE_USER &&
		    ct_banking_is_query(banking, ev.u.message.content,
					ev.u.message.content_len))
			(*flagged)++;
		if (upto >= CT_BS_PRIVACY &&
		    ct_privacy_event(redact, &ev, NULL) < 0) {
			ct_event_clear(&ev);
			return -1;
		}
		ct_event_clear(&ev);
	}
	return ct_bs_now() - t0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_bs_corpus corpus = { 0 };
	struct ct_banking *banking = NULL;
	struct ct_redact *redact = NULL;
	struct ct_config *cfg = NULL;
	const char *config = NULL;
	double best[CT_BS_STAGES];
	char err[512];
	size_t flagged = 0;
	int rounds = 5, opt, s, i, rc = 1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'c')
			config = optarg;
		else
			return 2;
	}
	if (optind != argc - 1 || rounds < 1) {
		fprintf(stderr, "usage: ct-bench-stages [--rounds N] "
			"[--config FILE] EVENTS.jsonl\n");
		return 2;
	}
	if (ct_config_load(config, &cfg, err, sizeof(err)) < 0 ||
	    ct_privacy_redactor_new(cfg, config != NULL, &redact, NULL, err,
				    sizeof(err)) < 0) {
		fprintf(stderr, "ct-bench-stages: %s\n", err);
		goto out;
	}
	if (ct_banking_new(&banking) < 0) {
		fprintf(stderr, "ct-bench-stages: cannot load the banking "
			"model\n");
		goto out;
	}
	if (ct_bs_load(argv[optind], &corpus) < 0 || corpus.n == 0)
		goto out;
	for (s = 0; s < CT_BS_STAGES; s++) {
		best[s] = -1;
		for (i = 0; i < rounds; i++) {
			double t = ct_bs_round(&corpus, (enum ct_bs_stage)s,
					       banking, redact, &flagged);

			if (t < 0)
				goto out;
			if (best[s] < 0 || t < best[s])
				best[s] = t;
		}
	}
	printf("%zu events, best of %d rounds, us per event "
	       "(cumulative, and the stage's own share):\n", corpus.n, rounds);
	for (s = 0; s < CT_BS_STAGES; s++)
		printf("  %-8s %7.2f  %+7.2f\n", ct_bs_stage_names[s],
		       best[s] * 1e6 / (double)corpus.n,
		       (best[s] - (s ? best[s - 1] : 0)) * 1e6 /
			       (double)corpus.n);
	printf("  (%zu user messages flagged as banking questions)\n", flagged);
	rc = 0;
out:
	for (size_t k = 0; k < corpus.n; k++)
		free(corpus.v[k].payload);
	free(corpus.v);
	ct_banking_free(banking);
	ct_redact_free(redact);
	ct_config_free(cfg);
	return rc;
}
