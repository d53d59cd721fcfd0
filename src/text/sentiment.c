/*
 * Caller sentiment: the public functions over the rule tables
 * (sentiment_rules.c) and the conversation model (sentiment_model.c).
 * Pure: everything is compiled into the binary.  See
 * include/convtrack/sentiment.h and docs/text-rules-sentiment.md.
 */
#include <stdlib.h>
#include <string.h>

#include "convtrack/sentiment.h"
#include "sentiment_int.h"

struct ct_sentiment {
	const struct ct_senti_model *model; /* shared, loaded once */
	struct ct_senti_rules *general;     /* own; NULL for banking */
};

static int ct_sentiment_make(bool general, struct ct_sentiment **out)
{
	struct ct_sentiment *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -1;
	s->model = ct_senti_model_get();
	if (!s->model ||
	    (general && ct_senti_rules_load(false, &s->general) < 0)) {
		ct_sentiment_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int ct_sentiment_new(struct ct_sentiment **out)
{
	return ct_sentiment_make(false, out);
}

int ct_sentiment_new_general(struct ct_sentiment **out)
{
	return ct_sentiment_make(true, out);
}

void ct_sentiment_free(struct ct_sentiment *s)
{
	if (!s)
		return;
	ct_senti_rules_free(s->general);
	free(s);
}

double ct_sentiment_score(const struct ct_sentiment *s, const char *text,
			  size_t len)
{
	struct ct_senti_turn t = { 0 };
	struct ct_senti_utterance u = { 0 };
	const struct ct_senti_rules *r;

	if (!s || !text)
		return 0.0;
	r = s->general ? s->general : ct_senti_model_rules(s->model);
	if (ct_senti_turn_read(r, text, len, &t) == 0)
		ct_senti_score(r, &t, false, &u, NULL);
	ct_senti_turn_free(&t);
	return u.compound;
}

enum ct_sentiment_label ct_sentiment_label_of(double score)
{
	if (score >= CT_SENTIMENT_POSITIVE_MIN)
		return CT_SENTIMENT_POSITIVE;
	if (score <= CT_SENTIMENT_NEGATIVE_MAX)
		return CT_SENTIMENT_NEGATIVE;
	return CT_SENTIMENT_NEUTRAL;
}

int ct_sentiment_analyze(const struct ct_sentiment *s,
			 const struct ct_turn *turns, size_t n,
			 const char *end_reason,
			 struct ct_sentiment_analysis *out)
{
	struct ct_senti_conversation c;

	out->score = 0.0;
	out->label = CT_SENTIMENT_NEUTRAL;
	out->resolution = CT_RESOLUTION_INCOMPLETE;
	out->resolution_rule = "error";
	out->complaints = out->irony = 0;
	if (!s || ct_senti_model_read(s->model, turns, n, &c) < 0)
		return -1;
	out->score = c.score;
	out->complaints = c.complaints;
	out->irony = c.irony;
	out->label = ct_sentiment_label_of(c.score);
	out->resolution = ct_resolution_decide(s->model, &c, end_reason,
					       &out->resolution_rule);
	return 0;
}

double ct_sentiment_conversation_score(const struct ct_sentiment *s,
				       const struct ct_turn *turns, size_t n)
{
	struct ct_senti_conversation c;

	if (!s || ct_senti_model_read(s->model, turns, n, &c) < 0)
		return 0.0;
	return c.score;
}

enum ct_sentiment_label ct_sentiment_conversation(const struct ct_sentiment *s,
						  const struct ct_turn *turns,
						  size_t n)
{
	return ct_sentiment_label_of(
		ct_sentiment_conversation_score(s, turns, n));
}

const char *ct_sentiment_label_name(enum ct_sentiment_label label)
{
	switch (label) {
	case CT_SENTIMENT_NEGATIVE:
		return "negative";
	case CT_SENTIMENT_POSITIVE:
		return "positive";
	case CT_SENTIMENT_NEUTRAL:
	default:
		return "neutral";
	}
}
