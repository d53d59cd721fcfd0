/*
 * convtrack classify and convtrack analyze (src/cli_int.h): the worker's
 * text path (the same code and models) over JSON lines on stdin, one JSON
 * line out for each line in, for analysts, re-running history and
 * measurement.  Streaming with bounded memory: a line longer than
 * CT_CLI_TEXT_LINE_MAX is skipped to its end and answered with an error
 * line.  Bad lines get {"error": "..."} in their place; the exit code is 1
 * when any line was bad (the others are all answered).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "convtrack/banking.h"
#include "convtrack/codec.h"
#include "convtrack/event_out.h"
#include "convtrack/llm.h"
#include "convtrack/llm_pool.h"
#include "convtrack/sentiment.h"
#include "convtrack/summarizer.h"
#include "convtrack/topics.h"

/* Longest input line (a call of a few hundred turns fits many times). */
#define CT_CLI_TEXT_LINE_MAX (4u * 1024 * 1024)

/* Most turns of one call read by analyze. */
#define CT_CLI_TEXT_TURNS_MAX 10000

/*
 * Reads the next line of in into *buf (grown up to CT_CLI_TEXT_LINE_MAX,
 * NUL-terminated, without the newline).  Returns 1 for a line, 0 at the
 * end, -1 for a line that was too long (skipped to its end).
 */
static int ct_cli_text_line(FILE *in, char **buf, size_t *cap, size_t *len)
{
	bool too_long = false;
	int c;

	*len = 0;
	while ((c = getc(in)) != EOF && c != '\n') {
		if (too_long)
			continue;
		if (*len + 2 > *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb;

			if (ncap > CT_CLI_TEXT_LINE_MAX) {
				too_long = true;
				continue;
			}
			nb = realloc(*buf, ncap);
			if (!nb) {
				too_long = true;
				continue;
			}
			*buf = nb;
			*cap = ncap;
		}
		(*buf)[(*len)++] = (char)c;
	}
	if (c == EOF && *len == 0 && !too_long)
		return 0;
	if (*buf)
		(*buf)[*len] = '\0';
	return too_long ? -1 : 1;
}

/* A score as a JSON number with at most 4 decimals. */
static void ct_cli_text_score(yajl_gen g, const char *key, double v)
{
	char buf[CT_SCORE_LEN];

	ct_format_score(v, buf);
	ct_cli_json_key(g, key);
	yajl_gen_number(g, buf, strlen(buf));
}

static void ct_cli_text_error(FILE *out, const char *msg)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	yajl_gen_map_open(g);
	ct_cli_json_key(g, "error");
	ct_cli_json_text(g, NULL, msg);
	yajl_gen_map_close(g);
	ct_cli_json_print(g, out);
	yajl_gen_free(g);
}

/* The models classify runs. */
struct ct_cli_classifier {
	struct ct_banking *banking;
	struct ct_sentiment *sentiment;
};

/* One {"text": ...} line; returns NULL or why it is bad. */
static const char *ct_cli_classify_one(const struct ct_cli_classifier *m,
				       yajl_val doc, FILE *out)
{
	const char *path[] = { "text", NULL };
	yajl_val v = yajl_tree_get(doc, path, yajl_t_string);
	const char *text;
	uint64_t topics;
	double banking;
	size_t len, i;
	int topic;
	yajl_gen g;

	if (!YAJL_IS_OBJECT(doc))
		return "not a JSON object";
	if (!v)
		return "missing_field:text (a string)";
	text = YAJL_GET_STRING(v);
	len = strlen(text);
	if (ct_topics_classify(text, len, &topics, &topic) < 0)
		return "out of memory";
	banking = ct_banking_score(m->banking, text, len);
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	ct_cli_json_key(g, "banking");
	yajl_gen_bool(g, banking >= ct_banking_threshold(m->banking));
	ct_cli_text_score(g, "banking_score", banking);
	ct_cli_json_key(g, "topic");
	if (topic >= 0)
		ct_cli_json_text(g, NULL, ct_topics_name((size_t)topic));
	else
		yajl_gen_null(g);
	ct_cli_json_key(g, "topics");
	yajl_gen_array_open(g);
	for (i = 0; i < ct_topics_count(); i++)
		if (topics & (UINT64_C(1) << i))
			ct_cli_json_text(g, NULL, ct_topics_name(i));
	yajl_gen_array_close(g);
	ct_cli_text_score(g, "sentiment_score",
			  ct_sentiment_score(m->sentiment, text, len));
	yajl_gen_map_close(g);
	ct_cli_json_print(g, out);
	yajl_gen_free(g);
	return NULL;
}

/* A speaker of analyze's input, -1 for an unknown role. */
static int ct_cli_text_speaker(const char *role)
{
	if (strcmp(role, "user") == 0)
		return CT_SPEAKER_USER;
	if (strcmp(role, "assistant") == 0)
		return CT_SPEAKER_ASSISTANT;
	if (strcmp(role, "system") == 0 || strcmp(role, "tool") == 0)
		return CT_SPEAKER_OTHER;
	return -1;
}

/* Fills in from doc's end_reason and duration_seconds. */
static const char *ct_cli_analyze_call(yajl_val doc,
				       struct ct_summary_input *in)
{
	static const char *const reasons[] = { "hangup", "timeout", "error",
					       "transfer", "stale" };
	const char *end_path[] = { "end_reason", NULL };
	const char *dur_path[] = { "duration_seconds", NULL };
	yajl_val end = yajl_tree_get(doc, end_path, yajl_t_any);
	yajl_val dur = yajl_tree_get(doc, dur_path, yajl_t_any);
	size_t i;

	if (end && !YAJL_IS_NULL(end)) {
		const char *e = YAJL_GET_STRING(end);

		if (!e)
			return "wrong_type:end_reason";
		for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			if (strcmp(e, reasons[i]) == 0)
				in->end_reason = reasons[i];
		if (!in->end_reason)
			return "invalid_value:end_reason";
	}
	if (dur && !YAJL_IS_NULL(dur)) {
		if (!YAJL_IS_NUMBER(dur) || YAJL_GET_DOUBLE(dur) < 0)
			return "invalid_value:duration_seconds";
		in->has_duration = true;
		in->duration_seconds = YAJL_GET_DOUBLE(dur);
	}
	return NULL;
}

/* What analyze runs: the rules, and the LLM with --summarizer llm. */
struct ct_cli_analyzer {
	const struct ct_summarizer *sum;
	struct ct_llm *llm;   /* NULL: the rules alone */
	char llm_name[160];   /* "llm:<model>" */
};

/*
 * The LLM's six fields over the rules' summary s, or the reason they were
 * not used (NULL when they were).
 */
static const char *ct_cli_analyze_llm(const struct ct_cli_analyzer *a,
				      const struct ct_summary_input *in,
				      struct ct_summary *s)
{
	struct ct_llm_answer ans;
	enum ct_llm_reason r = ct_llm_ask(a->llm, in->turns, in->nturns, &ans, NULL);

	if (r == CT_LLM_OK && ct_llm_answer_apply(&ans, s) < 0)
		r = CT_LLM_ERROR;
	ct_llm_answer_clear(&ans);
	return r == CT_LLM_OK ? NULL : ct_llm_reason_name(r);
}

/* One {"turns": [...], ...} line; returns NULL or why it is bad. */
static const char *ct_cli_analyze_one(const struct ct_cli_analyzer *a,
				      yajl_val doc, FILE *out)
{
	const struct ct_summarizer *sum = a->sum;
	const char *fallback = NULL;
	const char *turns_path[] = { "turns", NULL };
	yajl_val turns = yajl_tree_get(doc, turns_path, yajl_t_array);
	struct ct_summary_input in = { 0 };
	struct ct_summary s;
	struct ct_turn *t;
	const char *why;
	char *line;
	size_t i, n;

	if (!YAJL_IS_OBJECT(doc))
		return "not a JSON object";
	if (!turns)
		return "missing_field:turns (an array)";
	n = YAJL_GET_ARRAY(turns)->len;
	if (n > CT_CLI_TEXT_TURNS_MAX)
		return "oversize_field:turns";
	if ((why = ct_cli_analyze_call(doc, &in)) != NULL)
		return why;
	t = calloc(n + 1, sizeof(*t));
	if (!t)
		return "out of memory";
	for (i = 0; i < n; i++) {
		const char *role_path[] = { "role", NULL };
		const char *text_path[] = { "content", NULL };
		yajl_val turn = YAJL_GET_ARRAY(turns)->values[i];
		yajl_val role = yajl_tree_get(turn, role_path, yajl_t_string);
		yajl_val text = yajl_tree_get(turn, text_path, yajl_t_string);
		int speaker = role ? ct_cli_text_speaker(YAJL_GET_STRING(role)) : -1;

		if (!YAJL_IS_OBJECT(turn) || speaker < 0 || !text) {
			free(t);
			return "invalid_value:turns (each {\"role\": \"user\"|"
			       "\"assistant\", \"content\": string})";
		}
		t[i].speaker = (enum ct_text_speaker)speaker;
		t[i].text = YAJL_GET_STRING(text);
		t[i].len = strlen(t[i].text);
	}
	in.turns = t;
	in.nturns = n;
	in.message_count = n;
	if (ct_summarizer_run(sum, &in, &s) < 0) {
		free(t);
		return "out of memory";
	}
	if (a->llm)
		fallback = ct_cli_analyze_llm(a, &in, &s);
	line = ct_event_out_analysis(&s, in.has_duration,
				     a->llm && !fallback ? a->llm_name : NULL,
				     fallback);
	if (line)
		fprintf(out, "%s\n", line);
	free(line);
	ct_summary_clear(&s);
	free(t);
	return line ? NULL : "out of memory";
}

/* Runs one of the two over in: the JSON-lines loop they share. */
static int ct_cli_text_loop(FILE *in, FILE *out, const void *model,
			    bool analyze)
{
	size_t cap = 0, len;
	long long lines = 0, bad = 0;
	char *buf = NULL, err[256];
	int r;

	while ((r = ct_cli_text_line(in, &buf, &cap, &len)) != 0) {
		const char *why = NULL;
		yajl_val doc = NULL;

		lines++;
		/* buf is still NULL after empty lines only: that line is "" */
		if (r < 0) {
			why = "line too long";
		} else if (!(doc = yajl_tree_parse(buf ? buf : "", err,
						   sizeof(err)))) {
			why = "not one JSON document";
		} else {
			why = analyze ? ct_cli_analyze_one(model, doc, out)
				      : ct_cli_classify_one(model, doc, out);
		}
		yajl_tree_free(doc);
		if (why) {
			bad++;
			ct_cli_text_error(out, why);
		}
	}
	free(buf);
	fflush(out);
	if (bad) {
		ct_cli_error("%lld of %lld lines were not valid input (see the "
			     "error lines)", bad, lines);
		return CT_CLI_NOT_FOUND;
	}
	return CT_CLI_OK;
}

int ct_cli_classify_stream(struct ct_banking *banking,
			   struct ct_sentiment *sentiment, FILE *in, FILE *out)
{
	struct ct_cli_classifier m = { banking, sentiment };

	return ct_cli_text_loop(in, out, &m, false);
}

int ct_cli_analyze_stream(const struct ct_summarizer *sum, FILE *in,
			  FILE *out)
{
	struct ct_cli_analyzer a = { sum, NULL, "" };

	return ct_cli_text_loop(in, out, &a, true);
}

/* The LLM client of analyze --summarizer llm, from summary.llm.*. */
static int ct_cli_analyze_llm_new(const struct ct_config *cfg,
				  struct ct_cli_analyzer *a)
{
	struct ct_llm_opts o;
	char err[256];

	ct_llm_pool_opts(cfg, &o);
	if (ct_llm_new(&o, &a->llm, err, sizeof(err)) < 0) {
		ct_cli_error("%s", err);
		return -1;
	}
	snprintf(a->llm_name, sizeof(a->llm_name), "llm:%.150s",
		 cfg->summary_llm_model);
	return 0;
}

int ct_cli_classify(const struct ct_config *cfg, const struct ct_cli_opts *o,
		    FILE *out)
{
	struct ct_cli_classifier m = { NULL, NULL };
	int rc;

	(void)cfg;
	if (o->noperands) {
		ct_cli_error("usage: convtrack classify < lines of {\"text\": ...}");
		return CT_CLI_USAGE;
	}
	if (ct_banking_new(&m.banking) < 0 || ct_sentiment_new(&m.sentiment) < 0) {
		ct_cli_error("cannot load the text models");
		rc = CT_CLI_NOT_FOUND;
	} else {
		rc = ct_cli_classify_stream(m.banking, m.sentiment, stdin, out);
	}
	ct_banking_free(m.banking);
	ct_sentiment_free(m.sentiment);
	return rc;
}

int ct_cli_analyze(const struct ct_config *cfg, const struct ct_cli_opts *o,
		   FILE *out)
{
	struct ct_summarizer *sum = NULL;
	struct ct_cli_analyzer a = { NULL, NULL, "" };
	bool llm = o->summarizer && strcmp(o->summarizer, "llm") == 0;
	int rc;

	if (o->noperands || (o->summarizer && !llm &&
			     strcmp(o->summarizer, "rules") != 0)) {
		ct_cli_error("usage: convtrack analyze [--summarizer rules|llm] "
			     "< lines of {\"turns\": ...}");
		return CT_CLI_USAGE;
	}
	if (ct_summarizer_new(cfg->text_default_country_code, &sum) < 0) {
		ct_cli_error("cannot load the text models");
		return CT_CLI_NOT_FOUND;
	}
	a.sum = sum;
	if (llm && ct_cli_analyze_llm_new(cfg, &a) < 0) {
		ct_summarizer_free(sum);
		return CT_CLI_USAGE;
	}
	rc = ct_cli_text_loop(stdin, out, &a, true);
	ct_llm_free(a.llm);
	ct_summarizer_free(sum);
	return rc;
}
