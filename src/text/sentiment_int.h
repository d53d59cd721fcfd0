/*
 * Internals of the sentiment and resolution modules, shared by their files
 * and their unit tests:
 *
 *   sentiment_rules.c  the rule tables (data/runtime/vader_lexicon.txt,
 *                      sentiment_rules.txt, resolution_rules.txt): one word
 *                      table, the lexicon, the patterns; the reading of one
 *                      turn: its utterance score and its resolution cues
 *   sentiment_model.c  the learned models (sentiment_model.txt,
 *                      resolution_model.txt, by tools/train_sentiment.py)
 *                      and the reading of a whole conversation into their
 *                      features, loaded once per process
 *   sentiment.c        the public sentiment functions
 *   resolution.c       the resolution rules and the public function
 *
 * tools/train_sentiment.py implements the same reading in Python; the
 * "check" lines of the model files are its results, which
 * tests/unit/test_sentiment.c compares with the C code.
 */
#ifndef CONVTRACK_SENTIMENT_INT_H
#define CONVTRACK_SENTIMENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "convtrack/resolution.h"
#include "convtrack/text.h"

#define CT_SENTI_FNV0 14695981039346656037u

/* 64-bit FNV-1a, continued from h over n bytes. */
static inline uint64_t ct_senti_fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

/* True when the bytes [s, e) are the string w. */
static inline bool ct_senti_span_is(const char *s, const char *e,
				    const char *w)
{
	size_t n = (size_t)(e - s);

	return n == strlen(w) && memcmp(s, w, n) == 0;
}

/* ---- rule tables (sentiment_rules.c) ---- */

struct ct_senti_rules;

/*
 * Loads the rule tables from the embedded data.  banking: with the rules
 * for calls to a bank and the resolution cues; without, VADER's lexicon
 * and idioms alone.  Returns 0 and sets *out, or -1 (malformed data, out
 * of memory) leaving *out NULL.
 */
int ct_senti_rules_load(bool banking, struct ct_senti_rules **out)
	__attribute__((warn_unused_result));

/* Frees r.  No operation is performed if r is NULL. */
void ct_senti_rules_free(struct ct_senti_rules *r);

/* The cues of resolution_rules.txt, as bits of a turn's cue mask. */
enum ct_senti_cue {
	CT_CUE_HUMAN,	 /* caller */
	CT_CUE_WANT,
	CT_CUE_EXPLAIN,
	CT_CUE_SHORT,
	CT_CUE_THANKS,
	CT_CUE_SUCCESS,
	CT_CUE_CONFIRM,
	CT_CUE_FAILED,
	CT_CUE_QUESTION,
	CT_CUE_HANDOVER, /* assistant */
	CT_CUE_OFFER,
	CT_CUE_DONE,
	CT_CUE_UNABLE,
	CT_CUE_CANNOT,
	CT_CUE_INSTRUCT,
	CT_CUE_CLOSING,
	CT_CUE_ASKS,     /* not in the file: a '?' or a QWORD first */
	CT_CUE_COUNT
};

#define CT_CUE_BIT(c) (1u << (c))

/* The name of a cue as in resolution_rules.txt ("human", ...). */
const char *ct_senti_cue_name(enum ct_senti_cue cue);

/*
 * One turn being read: its tokens, each token's word in the tables and its
 * sentence.  Start zeroed; reuse between turns; free with
 * ct_senti_turn_free().
 */
struct ct_senti_turn {
	struct ct_text_tokens toks;
	int32_t *word;   /* index into the word table, -1 for an unknown word */
	uint32_t *sent;  /* sentence number (".", "!", "?" and line breaks end
			    one) */
	uint32_t *mask;  /* each token's classes, one mask per rules file */
	double *val;     /* scratch of the utterance score */
	uint16_t *flag;  /* scratch of the utterance score */
	size_t cap;
	const char *text;
	size_t len;
};

/*
 * Tokenizes len bytes of text into t and finds its words.  Returns 0, or
 * -1 when out of memory (t then reads as a turn without words).
 */
int ct_senti_turn_read(const struct ct_senti_rules *r, const char *text,
		       size_t len, struct ct_senti_turn *t)
	__attribute__((warn_unused_result));

/* Frees what t holds and zeroes it. */
void ct_senti_turn_free(struct ct_senti_turn *t);

/* What the rules say of one utterance. */
struct ct_senti_utterance {
	double compound;     /* -1..1, VADER's compound with the bank rules */
	unsigned complaints; /* complaint patterns that matched */
	unsigned irony;      /* irony: patterns, a closing "not", sarcasm */
	bool request;        /* the turn asks or requests something */
};

/*
 * Scores the turn t (read by ct_senti_turn_read()).  opening: the caller's
 * first turn, whose courtesy weighs nothing.  kept, when not NULL, gets for
 * each token whether the learned model sees it (greetings and formulas,
 * and courtesy where it is only courtesy, are left out).
 */
void ct_senti_score(const struct ct_senti_rules *r, struct ct_senti_turn *t,
		    bool opening, struct ct_senti_utterance *out, bool *kept);

/* The resolution cues (CT_CUE_BIT mask) of turn t, said by the caller
 * (user) or by the assistant. */
uint32_t ct_senti_cues(const struct ct_senti_rules *r,
		       const struct ct_senti_turn *t, bool user);

/* ---- the conversation and the learned models (sentiment_model.c) ---- */

/* What the reading of a conversation gives the two models and the rules. */
struct ct_senti_conversation {
	double sentiment; /* the sentiment model's raw score (mean S scale) */
	double score;     /* the same in -1..1: the conversation's score */
	double resolved;  /* the resolution model's raw score (mean A scale) */
	size_t user_turns;   /* the caller's turns with words */
	bool request;        /* the caller asked for a human ... */
	bool thanked_after;  /* ... and thanked or confirmed after it */
	bool handover;       /* the assistant handed over (no success after) */
	bool user_last;      /* the last turn with words is the caller's */
	uint32_t lu;         /* cues of the caller's last turn */
	uint32_t la;         /* cues of the assistant's last turn */
	long lu_at, la_at;   /* their positions, -1 when none */
	unsigned complaints; /* complaint patterns in the caller's turns */
	unsigned irony;      /* the caller's turns with irony */
	unsigned humans;     /* the caller's turns asking for a human */
};

struct ct_senti_model;

/*
 * The process-wide models and rule tables for calls to a bank, loaded from
 * the embedded data on first use (thread-safe), read-only afterwards;
 * NULL when the data are broken or memory ran out.
 */
const struct ct_senti_model *ct_senti_model_get(void);

/* The banking rule tables of m. */
const struct ct_senti_rules *
ct_senti_model_rules(const struct ct_senti_model *m);

/* The resolution model's threshold: its raw score above it is resolved. */
double ct_senti_model_resolved_min(const struct ct_senti_model *m);

/*
 * Reads the n turns of a conversation (in order) and fills out.  Returns
 * 0, or -1 when out of memory (out then describes a conversation without
 * turns).
 */
int ct_senti_model_read(const struct ct_senti_model *m,
			const struct ct_turn *turns, size_t n,
			struct ct_senti_conversation *out)
	__attribute__((warn_unused_result));

/* ---- the resolution rules (resolution.c) ---- */

/*
 * The resolution of the conversation c (read with m) that ended for
 * end_reason, and in *rule (when not NULL) the rule that decided; see
 * include/convtrack/resolution.h.
 */
enum ct_resolution ct_resolution_decide(const struct ct_senti_model *m,
					const struct ct_senti_conversation *c,
					const char *end_reason,
					const char **rule);

/*
 * The "check" lines of the embedded model files, for the unit tests: calls
 * fn for each with the file's name and the line after "check ".  Returns
 * the number of lines, or -1 when a file is missing.
 */
int ct_senti_model_checks(void (*fn)(void *arg, const char *file,
				     const char *line, size_t len),
			  void *arg);

#endif
