/*
 * Caller sentiment (pure: no I/O).
 *
 * One utterance: a VADER-style scorer (Hutto & Gilbert, 2014) over the
 * shared tokenizer, with rules for calls to a bank: words that name
 * banking things or dialogue acts carry no valence, greetings weigh
 * nothing, courtesy in a request weighs nothing, complaints stated without
 * emotion words ("the transfer did not go through", "still no refund")
 * count negative, and ironic thanks or praise ("thanks for nothing",
 * "really helpful... not") counts negative.
 *
 * A conversation: a linear model trained on human ratings of customer
 * satisfaction (tools/train_sentiment.py, STC-3 helpdesk dialogues) reads
 * the caller's utterance scores (the end of the call weighing most), the
 * complaints, irony and resolution cues, and the words of the caller's and
 * the assistant's turns; its score in -1..1 gives the label.  The rules,
 * the model and both scores are compiled into the binary;
 * docs/text-rules-sentiment.md describes them and their measurement.
 */
#ifndef CONVTRACK_SENTIMENT_H
#define CONVTRACK_SENTIMENT_H

#include <stddef.h>

#include "convtrack/resolution.h"
#include "convtrack/text.h"

struct ct_sentiment;

enum ct_sentiment_label {
	CT_SENTIMENT_NEGATIVE = 0,
	CT_SENTIMENT_NEUTRAL,
	CT_SENTIMENT_POSITIVE
};

/*
 * A scorer with the rules for calls to a bank (see the file comment).  The
 * rule tables and models are loaded once per process and shared.  Returns
 * 0 and sets *out, or -1 (out of memory, or the embedded data are missing
 * or malformed) leaving *out NULL.
 */
int ct_sentiment_new(struct ct_sentiment **out)
	__attribute__((warn_unused_result));

/*
 * Like ct_sentiment_new(), but ct_sentiment_score() uses VADER's lexicon
 * and idioms alone, as published: for measuring against VADER's own
 * ground truth.  The conversation functions are those of
 * ct_sentiment_new().
 */
int ct_sentiment_new_general(struct ct_sentiment **out)
	__attribute__((warn_unused_result));

/* Frees s.  No operation is performed if s is NULL. */
void ct_sentiment_free(struct ct_sentiment *s);

/*
 * The sentiment of len bytes of one utterance, in -1 (most negative) .. 1
 * (most positive): VADER's compound score with the rules; 0 for text
 * without sentiment (greetings, questions, requests), and also when out of
 * memory or when s or text is NULL.
 */
double ct_sentiment_score(const struct ct_sentiment *s, const char *text,
			  size_t len);

/*
 * The caller's sentiment over a conversation of n turns (in order), in
 * -1..1: the model's estimate of the caller's satisfaction, on a scale
 * where CT_SENTIMENT_NEGATIVE_MAX and CT_SENTIMENT_POSITIVE_MIN are the
 * bounds of "neutral".  0 when the caller said nothing (or s is NULL, or
 * out of memory).  Only the caller's (CT_SPEAKER_USER) and the assistant's
 * turns are read; the caller's words and scores weigh most.
 */
double ct_sentiment_conversation_score(const struct ct_sentiment *s,
				       const struct ct_turn *turns, size_t n);

/*
 * The label of ct_sentiment_conversation_score(): positive at or above
 * CT_SENTIMENT_POSITIVE_MIN, negative at or below
 * CT_SENTIMENT_NEGATIVE_MAX, neutral in between (and with no user turns).
 */
enum ct_sentiment_label ct_sentiment_conversation(const struct ct_sentiment *s,
						  const struct ct_turn *turns,
						  size_t n);

/* Bounds of "neutral" on the conversation score. */
#define CT_SENTIMENT_POSITIVE_MIN 0.25
#define CT_SENTIMENT_NEGATIVE_MAX (-0.25)

/* The label of a conversation score (see ct_sentiment_conversation()). */
enum ct_sentiment_label ct_sentiment_label_of(double score);

/* What ct_sentiment_analyze() finds in a conversation. */
struct ct_sentiment_analysis {
	double score;                  /* ct_sentiment_conversation_score() */
	enum ct_sentiment_label label; /* ct_sentiment_label_of(score) */
	enum ct_resolution resolution; /* ct_resolution_classify() */
	const char *resolution_rule;   /* ct_resolution_explain()'s rule */
	unsigned complaints; /* complaints stated in the caller's turns */
	unsigned irony;      /* the caller's turns with ironic thanks/praise */
};

/*
 * The sentiment and the resolution of a conversation that ended for
 * end_reason (see ct_resolution_classify()), reading it once: the same
 * values as ct_sentiment_conversation_score(), ct_sentiment_conversation()
 * and ct_resolution_explain(), in about half their time.  Returns 0, or -1
 * when out of memory (out then holds score 0, neutral, incomplete and rule
 * "error").
 */
int ct_sentiment_analyze(const struct ct_sentiment *s,
			 const struct ct_turn *turns, size_t n,
			 const char *end_reason,
			 struct ct_sentiment_analysis *out);

/* "negative", "neutral" or "positive"; "neutral" for an unknown value. */
const char *ct_sentiment_label_name(enum ct_sentiment_label label);

#endif
