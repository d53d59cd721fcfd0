/*
 * Output events rendered with yajl_gen.  See include/convtrack/event_out.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>

#include "convtrack/event_out.h"
#include "convtrack/topics.h"

static void ct_out_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void ct_out_key_str(yajl_gen g, const char *key, const char *value)
{
	ct_out_str(g, key);
	if (value)
		ct_out_str(g, value);
	else
		yajl_gen_null(g);
}

/*
 * A number with at most 3 decimals, formatted the same way every time;
 * values too large for that (a 1e308-second call is valid input) in
 * exponent form, which JSON allows too.
 */
static void ct_out_key_num(yajl_gen g, const char *key, double v)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.3f", v);

	if (n < 0 || (size_t)n >= sizeof(buf)) {
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	} else {
		while (n > 1 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 1 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	ct_out_str(g, key);
	yajl_gen_number(g, buf, (size_t)n);
}

/* "2026-11-02T08:00:00.123456Z" */
static void ct_out_time(int64_t us, char out[40])
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), 40 - strlen(out), ".%06dZ",
		 (int)(us % 1000000));
}

/*
 * extracted_info.evidence: what the labels rest on.  sentiment: the
 * conversation score, the complaints and ironic turns the rules found in
 * the caller's turns; resolution: the rule that decided
 * (ct_resolution_explain()); intent: the turn the primary intent came
 * from, whether the rules reported it there, and the model's posterior.
 */
static void ct_out_evidence(yajl_gen g, const struct ct_summary *s)
{
	ct_out_str(g, "evidence");
	yajl_gen_map_open(g);
	ct_out_str(g, "sentiment");
	yajl_gen_map_open(g);
	ct_out_key_num(g, "score", s->sentiment_score);
	ct_out_str(g, "complaints");
	yajl_gen_integer(g, s->complaints);
	ct_out_str(g, "irony");
	yajl_gen_integer(g, s->irony);
	yajl_gen_map_close(g);
	ct_out_key_str(g, "resolution", s->resolution_rule);
	ct_out_str(g, "intent");
	if (s->primary_intent && s->intent_turn >= 0) {
		yajl_gen_map_open(g);
		ct_out_str(g, "turn");
		yajl_gen_integer(g, s->intent_turn);
		ct_out_key_str(g, "by", s->intent_rules ? "rules" : "model");
		ct_out_key_num(g, "p", s->intent_p);
		yajl_gen_map_close(g);
	} else {
		yajl_gen_null(g);
	}
	yajl_gen_map_close(g);
}

static void ct_out_extracted(yajl_gen g, const struct ct_summary *s,
			     const struct ct_event_out_meta *m)
{
	size_t i;

	ct_out_str(g, "extracted_info");
	yajl_gen_map_open(g);
	ct_out_key_str(g, "user_name", s->user_name[0] ? s->user_name : NULL);
	ct_out_key_str(g, "primary_intent", s->primary_intent);
	ct_out_str(g, "authentication_attempted");
	yajl_gen_bool(g, s->authentication_attempted);
	ct_out_str(g, "match_candidates");
	yajl_gen_array_open(g);
	for (i = 0; i < m->ncandidates; i++) {
		yajl_gen_map_open(g);
		ct_out_key_str(g, "profile_id", m->candidates[i].profile_id);
		ct_out_key_str(g, "signal", m->candidates[i].signal);
		ct_out_key_num(g, "confidence", m->candidates[i].confidence);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ct_out_evidence(g, s);
	yajl_gen_map_close(g);
}

char *ct_event_out_summary(const struct ct_summary *s,
			   const struct ct_event_out_meta *m, const char *event_id,
			   long version, int64_t occurred_at_us)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	char ts[40], *out = NULL;
	size_t len, i;

	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	if (event_id) {
		ct_out_key_str(g, "event_id", event_id);
		ct_out_key_str(g, "event_type", "summary_generated");
		ct_out_str(g, "schema_version");
		yajl_gen_integer(g, 1);
		ct_out_time(occurred_at_us, ts);
		ct_out_key_str(g, "occurred_at", ts);
	}
	ct_out_key_str(g, "session_id", m->session_id);
	ct_out_key_str(g, "profile_id", m->profile_id);
	ct_out_key_str(g, "profile_type", m->profile_type);
	if (event_id) {
		ct_out_str(g, "summary_version");
		yajl_gen_integer(g, version);
	}
	ct_out_key_str(g, "summary", s->summary ? s->summary : "");
	ct_out_extracted(g, s, m);
	ct_out_key_str(g, "sentiment", s->sentiment);
	ct_out_key_str(g, "resolution_status", s->resolution);
	ct_out_str(g, "topics");
	yajl_gen_array_open(g);
	for (i = 0; i < ct_topics_count(); i++)
		if (s->topics & (UINT64_C(1) << i))
			ct_out_str(g, ct_topics_name(i));
	yajl_gen_array_close(g);
	ct_out_str(g, "message_count");
	yajl_gen_integer(g, (long long)s->message_count);
	ct_out_key_num(g, "duration_seconds", s->duration_seconds);
	if (event_id && m->summarizer)
		ct_out_key_str(g, "summarizer", m->summarizer);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, buf, len);
			out[len] = '\0';
		}
	}
	yajl_gen_free(g);
	return out;
}

char *ct_event_out_analysis(const struct ct_summary *s, bool has_duration,
			    const char *summarizer, const char *llm_fallback)
{
	static const struct ct_event_out_meta none = { 0 };
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	char *out = NULL;
	size_t len, i;

	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	ct_out_key_str(g, "summary", s->summary ? s->summary : "");
	ct_out_extracted(g, s, &none);
	ct_out_key_str(g, "sentiment", s->sentiment);
	ct_out_key_num(g, "sentiment_score", s->sentiment_score);
	ct_out_key_str(g, "resolution_status", s->resolution);
	ct_out_str(g, "topics");
	yajl_gen_array_open(g);
	for (i = 0; i < ct_topics_count(); i++)
		if (s->topics & (UINT64_C(1) << i))
			ct_out_str(g, ct_topics_name(i));
	yajl_gen_array_close(g);
	ct_out_str(g, "message_count");
	yajl_gen_integer(g, (long long)s->message_count);
	if (has_duration)
		ct_out_key_num(g, "duration_seconds", s->duration_seconds);
	ct_out_key_str(g, "summarizer", summarizer ? summarizer : CT_SUMMARIZER_NAME);
	if (llm_fallback)
		ct_out_key_str(g, "llm_fallback", llm_fallback);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, buf, len);
			out[len] = '\0';
		}
	}
	yajl_gen_free(g);
	return out;
}
