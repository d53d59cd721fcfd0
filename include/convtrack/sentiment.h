/*
 * Caller sentiment (pure: no I/O).
 *
 * A VADER-style scorer (Hutto & Gilbert, 2014) over the shared tokenizer:
 * each word of the VADER lexicon (data/runtime/vader_lexicon.txt, compiled
 * into the binary) carries a valence in -4..4, which negation, booster and
 * dampener words, the contrast word "but", ALL-CAPS emphasis and
 * exclamation marks adjust; the sum is squashed into a compound score in
 * -1..1.  A conversation's label comes from the caller's turns only, the end
 * of the call weighing most (see ct_sentiment_conversation()).
 */
#ifndef CONVTRACK_SENTIMENT_H
#define CONVTRACK_SENTIMENT_H

#include <stddef.h>

#include "convtrack/text.h"

struct ct_sentiment;

enum ct_sentiment_label {
	CT_SENTIMENT_NEGATIVE = 0,
	CT_SENTIMENT_NEUTRAL,
	CT_SENTIMENT_POSITIVE
};

/*
 * Parses the embedded lexicon, with the adjustments for banking calls: a few
 * words that name banking things or dialogue acts rather than feelings
 * ("credit", "interest", "block", "please", "yes", "like", "help", ...)
 * carry no valence.  Returns 0 and sets *out, or -1 (out of memory, or the
 * lexicon is missing or malformed) leaving *out NULL.
 */
int ct_sentiment_new(struct ct_sentiment **out)
	__attribute__((warn_unused_result));

/*
 * Like ct_sentiment_new(), but without the banking adjustments: every
 * lexicon word keeps its published valence.  For measuring against VADER's
 * own ground truth.
 */
int ct_sentiment_new_general(struct ct_sentiment **out)
	__attribute__((warn_unused_result));

/* Frees s.  No operation is performed if s is NULL. */
void ct_sentiment_free(struct ct_sentiment *s);

/*
 * The compound sentiment of len bytes of text, in -1 (most negative) ..
 * 1 (most positive); 0 for text without sentiment words, and also when out
 * of memory.
 */
double ct_sentiment_score(const struct ct_sentiment *s, const char *text,
			  size_t len);

/*
 * The combined compound score of the caller's (CT_SPEAKER_USER) turns of a
 * conversation, in -1..1; 0 when there are none.  Turns are weighted by
 * their position: the k-th of m user turns weighs k (1-based), so the end
 * of the call counts most; a turn without sentiment words still counts, as
 * neutral.
 */
double ct_sentiment_conversation_score(const struct ct_sentiment *s,
				       const struct ct_turn *turns, size_t n);

/*
 * The caller's sentiment over a conversation: the label of
 * ct_sentiment_conversation_score(), positive at or above
 * CT_SENTIMENT_POSITIVE_MIN, negative at or below CT_SENTIMENT_NEGATIVE_MAX,
 * neutral in between (and with no user turns).
 */
enum ct_sentiment_label ct_sentiment_conversation(const struct ct_sentiment *s,
						  const struct ct_turn *turns,
						  size_t n);

/* Thresholds of ct_sentiment_conversation() on the combined score. */
#define CT_SENTIMENT_POSITIVE_MIN 0.25
#define CT_SENTIMENT_NEGATIVE_MAX (-0.25)

/* "negative", "neutral" or "positive"; "neutral" for an unknown value. */
const char *ct_sentiment_label_name(enum ct_sentiment_label label);

#endif
