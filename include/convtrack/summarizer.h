/*
 * Summarizer: a whole conversation in, its summary out (pure: no I/O).
 *
 * Composes the text rules (topics, sentiment, resolution, extraction) into
 * the summary of contract section 3: summary text, extracted info, sentiment,
 * resolution status, topics, counts.  The summary text is built from what
 * was detected ("User inquired about cardless withdrawal. Provided USSD code
 * *236# and instructions. User thanked agent. Query resolved."), never from
 * a fixed string: what the caller asked about (the topics' display names,
 * the amounts they named), what the assistant did or could not do (codes
 * given, an action reported done, a request it could not serve), what the
 * caller did (authenticated, asked for a human, thanked, complained), and
 * the outcome; each part only when the transcript supports it.  The same
 * input always gives the same output, so a summary is a function of the
 * session's events and its current profile (rule 7).
 */
#ifndef CONVTRACK_SUMMARIZER_H
#define CONVTRACK_SUMMARIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/extract.h"
#include "convtrack/text.h"

struct ct_summarizer;

/* What a summary is computed from. */
struct ct_summary_input {
	const struct ct_turn *turns; /* in conversation order */
	size_t nturns;
	size_t message_count;        /* all stored messages of the session */
	const char *end_reason;      /* "hangup", ..., "stale", or NULL */
	bool authenticated;          /* the session has an authenticated event */
	bool has_duration;           /* call_ended carried duration_seconds */
	double duration_seconds;
	int64_t started_at_us;       /* earliest event */
	int64_t ended_at_us;         /* end of the session */
};

/*
 * The name and rule version of this summarizer, carried by every stored
 * summary and summary_generated event it writes (contract section 3,
 * `summarizer`).  Raise the number whenever a change of the text rules or
 * their models can change a summary: `convtrack resummarize` then brings
 * stored summaries up to date.
 */
#define CT_SUMMARIZER_NAME "rules-2"

/* A summary (contract section 3 fields that the text determines). */
struct ct_summary {
	char *summary;               /* owned */
	char user_name[CT_EXTRACT_NAME_LEN]; /* "" = none */
	const char *primary_intent;  /* topic id, NULL = none (static) */
	bool authentication_attempted;
	const char *sentiment;       /* "positive" | "neutral" | "negative" */
	double sentiment_score;      /* the caller's, -1..1, behind sentiment */
	const char *resolution;      /* "resolved" | "escalated" | "incomplete" */
	uint64_t topics;             /* bit i: ct_topics_name(i) */
	size_t message_count;
	double duration_seconds;
	/* self-identifying contacts the caller gave (rule 10), E.164 / address */
	size_t n_phones;
	char phones[CT_EXTRACT_ITEMS_MAX][CT_EXTRACT_PHONE_LEN];
	size_t n_emails;
	char emails[CT_EXTRACT_ITEMS_MAX][CT_EXTRACT_EMAIL_LEN];
	/* the evidence behind the labels (extracted_info.evidence) */
	const char *resolution_rule; /* ct_resolution_explain()'s (static) */
	unsigned complaints;         /* complaints the caller stated */
	unsigned irony;              /* the caller's ironic turns */
	long intent_turn;            /* turn giving primary_intent, or -1 */
	bool intent_rules;           /* the rules (not the model alone) */
	double intent_p;             /* the model's posterior there */
};

/*
 * Loads the models the rules need.  default_cc is the country calling code
 * for local phone numbers ("263").  Returns 0, or -1 when a model is broken.
 */
int ct_summarizer_new(const char *default_cc, struct ct_summarizer **out)
	__attribute__((warn_unused_result));

/* Frees s.  Does nothing when s is NULL. */
void ct_summarizer_free(struct ct_summarizer *s);

/*
 * Summarizes in into out (cleared first; free with ct_summary_clear()).
 * Returns 0, or -1 when out of memory.
 */
int ct_summarizer_run(const struct ct_summarizer *s,
		      const struct ct_summary_input *in, struct ct_summary *out)
	__attribute__((warn_unused_result));

/* Frees what out owns.  Does nothing when out is NULL. */
void ct_summary_clear(struct ct_summary *out);

#endif
