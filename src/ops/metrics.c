/*
 * Metrics registry and readiness flags.  See include/convtrack/metrics.h.
 * Every metric is declared once in ct_metrics_defs with its type and help;
 * using an undeclared name is a programming error caught by the tests.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/metrics.h"

enum ct_metric_type { CT_COUNTER, CT_GAUGE, CT_HISTOGRAM };

static const double ct_metrics_batch_buckets[] = {
	1, 10, 50, 100, 500, 1000, 2500, 5000, 10000 };
static const double ct_metrics_seconds_buckets[] = {
	0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const double ct_metrics_llm_buckets[] = {
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60 };
static const double ct_metrics_api_buckets[] = {
	0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1 };

static const struct ct_metric_def {
	const char *name;
	enum ct_metric_type type;
	const char *help;
	const double *buckets;
	size_t nbuckets;
} ct_metrics_defs[] = {
	{ "convtrack_events_consumed_total", CT_COUNTER,
	  "Records consumed from the input topics, by topic.", NULL, 0 },
	{ "convtrack_events_applied_total", CT_COUNTER,
	  "Valid events committed to PostgreSQL, by topic.", NULL, 0 },
	{ "convtrack_events_duplicate_total", CT_COUNTER,
	  "Redeliveries dropped within a batch, by topic.", NULL, 0 },
	{ "convtrack_events_dead_lettered_total", CT_COUNTER,
	  "Records published to the dead-letter topic, by topic and reason.",
	  NULL, 0 },
	{ "convtrack_batches_total", CT_COUNTER,
	  "Batches applied and committed.", NULL, 0 },
	{ "convtrack_batch_size", CT_HISTOGRAM,
	  "Records per batch.", ct_metrics_batch_buckets,
	  sizeof(ct_metrics_batch_buckets) / sizeof(double) },
	{ "convtrack_apply_seconds", CT_HISTOGRAM,
	  "Time to apply and commit one batch (retries included).",
	  ct_metrics_seconds_buckets,
	  sizeof(ct_metrics_seconds_buckets) / sizeof(double) },
	{ "convtrack_transaction_retries_total", CT_COUNTER,
	  "Transactions retried, by cause (transient, lock_set).", NULL, 0 },
	{ "convtrack_consumer_lag", CT_GAUGE,
	  "Records not yet consumed, by topic and partition (owned partitions).",
	  NULL, 0 },
	{ "convtrack_outbox_backlog", CT_GAUGE,
	  "summary_generated events written but not yet acknowledged by Kafka.",
	  NULL, 0 },
	{ "convtrack_summaries_generated_total", CT_COUNTER,
	  "Summary versions written (each one is published).", NULL, 0 },
	{ "convtrack_summaries_published_total", CT_COUNTER,
	  "summary_generated events acknowledged by Kafka.", NULL, 0 },
	{ "convtrack_events_dropped_erased_total", CT_COUNTER,
	  "Events dropped because their session or person was erased, by topic.",
	  NULL, 0 },
	{ "convtrack_erasures_total", CT_COUNTER,
	  "profile-erasure-requested events that erased a person.", NULL, 0 },
	{ "convtrack_erasures_published_total", CT_COUNTER,
	  "profile_erased events acknowledged by Kafka.", NULL, 0 },
	{ "convtrack_stale_sweeps_total", CT_COUNTER,
	  "Stale-session sweeps run.", NULL, 0 },
	{ "convtrack_sessions_stale_ended_total", CT_COUNTER,
	  "Sessions ended by a stale sweep.", NULL, 0 },
	{ "convtrack_shared_devices", CT_GAUGE,
	  "Anonymous device keys whose sessions authenticated as two or more "
	  "users (refreshed every 5 s).", NULL, 0 },
	{ "convtrack_messages_redacted_total", CT_COUNTER,
	  "Messages stored with personal or payment data redacted.", NULL, 0 },
	{ "convtrack_redactions_total", CT_COUNTER,
	  "Values redacted from messages before storage, by type.", NULL, 0 },
	{ "convtrack_retention_passes_total", CT_COUNTER,
	  "Retention passes completed by this worker.", NULL, 0 },
	{ "convtrack_messages_purged_total", CT_COUNTER,
	  "Messages whose text retention purged.", NULL, 0 },
	{ "convtrack_retention_sessions_purged_total", CT_COUNTER,
	  "Sessions some text of which a retention transaction purged.", NULL, 0 },
	{ "convtrack_summaries_skipped_purged_total", CT_COUNTER,
	  "Due summaries not recomputed because retention purged the text.",
	  NULL, 0 },
	{ "convtrack_llm_requests_total", CT_COUNTER,
	  "LLM summary requests by outcome (ok or why the rules' summary was "
	  "used).", NULL, 0 },
	{ "convtrack_llm_request_seconds", CT_HISTOGRAM,
	  "Time to ask the model about one input, retries included.",
	  ct_metrics_llm_buckets,
	  sizeof(ct_metrics_llm_buckets) / sizeof(double) },
	{ "convtrack_llm_tokens_total", CT_COUNTER,
	  "Tokens the model reported, by direction (in, out).", NULL, 0 },
	{ "convtrack_llm_fallbacks_total", CT_COUNTER,
	  "Summaries left to the rules, by reason.", NULL, 0 },
	{ "convtrack_llm_budget_left", CT_GAUGE,
	  "Tokens left of summary.llm.daily_token_budget today (UTC).", NULL, 0 },
	{ "convtrack_api_requests_total", CT_COUNTER,
	  "Caller API (convtrack serve) requests answered, by route template "
	  "and status.", NULL, 0 },
	{ "convtrack_api_request_seconds", CT_HISTOGRAM,
	  "Caller API request latency by route template, from the complete "
	  "request to the queued answer.", ct_metrics_api_buckets,
	  sizeof(ct_metrics_api_buckets) / sizeof(double) },
	{ "convtrack_api_rate_limited_total", CT_COUNTER,
	  "Caller API requests refused with 429, by key name.", NULL, 0 },
	{ "convtrack_ready", CT_GAUGE,
	  "1 when PostgreSQL is reachable and the consumer has joined its group.",
	  NULL, 0 },
};

#define CT_METRICS_NDEFS (sizeof(ct_metrics_defs) / sizeof(ct_metrics_defs[0]))
#define CT_METRICS_MAX_BUCKETS 16

struct ct_series {
	const struct ct_metric_def *def;
	char *labels;
	double value;                           /* counter, gauge; histogram sum */
	unsigned long long count;               /* histogram */
	unsigned long long bucket[CT_METRICS_MAX_BUCKETS];
	struct ct_series *next;
};

static pthread_mutex_t ct_metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ct_series *ct_metrics_head;
static atomic_bool ct_metrics_db_ok;
static atomic_bool ct_metrics_joined;

static const struct ct_metric_def *ct_metrics_def(const char *name)
{
	size_t i;

	for (i = 0; i < CT_METRICS_NDEFS; i++)
		if (strcmp(ct_metrics_defs[i].name, name) == 0)
			return &ct_metrics_defs[i];
	return NULL;
}

/* The series name{labels}, created when missing.  Called under the lock. */
static struct ct_series *ct_metrics_series(const char *name, const char *labels)
{
	const struct ct_metric_def *def = ct_metrics_def(name);
	struct ct_series *s, **tail = &ct_metrics_head;

	if (!def)
		return NULL;
	labels = labels ? labels : "";
	for (s = ct_metrics_head; s; tail = &s->next, s = s->next)
		if (s->def == def && strcmp(s->labels, labels) == 0)
			return s;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->labels = strdup(labels))) {
		free(s);
		return NULL;
	}
	s->def = def;
	*tail = s;
	return s;
}

void ct_metrics_inc(const char *name, const char *labels, double v)
{
	struct ct_series *s;

	pthread_mutex_lock(&ct_metrics_lock);
	s = ct_metrics_series(name, labels);
	if (s)
		s->value += v;
	pthread_mutex_unlock(&ct_metrics_lock);
}

void ct_metrics_set(const char *name, const char *labels, double v)
{
	struct ct_series *s;

	pthread_mutex_lock(&ct_metrics_lock);
	s = ct_metrics_series(name, labels);
	if (s)
		s->value = v;
	pthread_mutex_unlock(&ct_metrics_lock);
}

void ct_metrics_clear(const char *name)
{
	struct ct_series **p, *s;

	pthread_mutex_lock(&ct_metrics_lock);
	for (p = &ct_metrics_head; (s = *p) != NULL;) {
		if (strcmp(s->def->name, name) == 0) {
			*p = s->next;
			free(s->labels);
			free(s);
		} else {
			p = &s->next;
		}
	}
	pthread_mutex_unlock(&ct_metrics_lock);
}

void ct_metrics_observe(const char *name, double v)
{
	ct_metrics_observe_labeled(name, NULL, v);
}

void ct_metrics_observe_labeled(const char *name, const char *labels, double v)
{
	struct ct_series *s;
	size_t i;

	pthread_mutex_lock(&ct_metrics_lock);
	s = ct_metrics_series(name, labels);
	if (s) {
		s->value += v;
		s->count++;
		for (i = 0; i < s->def->nbuckets; i++)
			if (v <= s->def->buckets[i])
				s->bucket[i]++;
	}
	pthread_mutex_unlock(&ct_metrics_lock);
}

void ct_metrics_label(char *out, size_t outlen, const char *name,
		      const char *value)
{
	size_t n = (size_t)snprintf(out, outlen, "%s=\"", name);

	for (; *value && n + 4 < outlen; value++) {
		if (*value == '"' || *value == '\\' || *value == '\n') {
			out[n++] = '\\';
			out[n++] = *value == '\n' ? 'n' : *value;
		} else {
			out[n++] = *value;
		}
	}
	if (n + 2 <= outlen) {
		out[n++] = '"';
		out[n] = '\0';
	} else if (outlen) {
		out[outlen - 1] = '\0';
	}
}

/* A growable text buffer for rendering. */
struct ct_mbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void ct_mbuf_printf(struct ct_mbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ct_mbuf_printf(struct ct_mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, b->cap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
	}
}

static void ct_metrics_render_series(struct ct_mbuf *b, const struct ct_series *s)
{
	const char *sep = s->labels[0] ? "," : "";
	size_t i;

	if (s->def->type != CT_HISTOGRAM) {
		ct_mbuf_printf(b, "%s%s%s%s %.17g\n", s->def->name,
			       s->labels[0] ? "{" : "", s->labels,
			       s->labels[0] ? "}" : "", s->value);
		return;
	}
	for (i = 0; i < s->def->nbuckets; i++)
		ct_mbuf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", s->def->name,
			       s->labels, sep, s->def->buckets[i], s->bucket[i]);
	ct_mbuf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", s->def->name,
		       s->labels, sep, s->count);
	ct_mbuf_printf(b, "%s_sum%s%s%s %.17g\n%s_count%s%s%s %llu\n",
		       s->def->name, s->labels[0] ? "{" : "", s->labels,
		       s->labels[0] ? "}" : "", s->value, s->def->name,
		       s->labels[0] ? "{" : "", s->labels,
		       s->labels[0] ? "}" : "", s->count);
}

char *ct_metrics_render(void)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	struct ct_mbuf b = { 0 };
	const struct ct_series *s;
	size_t i;

	ct_metrics_set("convtrack_ready", NULL, ct_metrics_ready(NULL) ? 1 : 0);
	pthread_mutex_lock(&ct_metrics_lock);
	for (i = 0; i < CT_METRICS_NDEFS; i++) {
		const struct ct_metric_def *d = &ct_metrics_defs[i];

		ct_mbuf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help,
			       d->name, types[d->type]);
		for (s = ct_metrics_head; s; s = s->next)
			if (s->def == d)
				ct_metrics_render_series(&b, s);
	}
	pthread_mutex_unlock(&ct_metrics_lock);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

void ct_metrics_set_db_ok(bool ok)
{
	atomic_store(&ct_metrics_db_ok, ok);
}

void ct_metrics_set_joined(bool joined)
{
	atomic_store(&ct_metrics_joined, joined);
}

bool ct_metrics_ready(const char **why)
{
	bool db = atomic_load(&ct_metrics_db_ok), joined = atomic_load(&ct_metrics_joined);

	if (why)
		*why = !db ? "PostgreSQL unreachable" :
		       !joined ? "consumer has not joined its group" : "ready";
	return db && joined;
}
