/*
 * Banking topics and the caller's primary intent (pure: no I/O).
 *
 * The taxonomy is schemas/topics.json: each topic has a stable snake_case id
 * and an index, its position in taxonomy order (at most 64 topics, so a set
 * of topics is a uint64_t with bit i for topic i).  Weighted word patterns,
 * one table per topic, decide which topics an utterance mentions; an intent
 * model trained on public banking data (compiled into the binary) decides
 * which topic is its intent, if any: a topic needs evidence, and "no topic"
 * is a valid answer for thanks, small talk and complaints.  See
 * docs/text-rules-topics.md for the method and its measured accuracy.
 *
 * All functions may be called from several threads at once; the first call
 * loads the tables.
 */
#ifndef CONVTRACK_TOPICS_H
#define CONVTRACK_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/text.h"

/* Most topics a taxonomy may have: one bit each in a uint64_t. */
#define CT_TOPICS_MAX 64

/* Number of topics in the taxonomy. */
size_t ct_topics_count(void);

/* Id of topic (e.g. "cardless_withdrawal"), or NULL when out of range. */
const char *ct_topics_name(size_t topic);

/*
 * How a summary names topic i mid-sentence ("cardless withdrawal", "a
 * blocked card"; schemas/topics.json's "name"), or NULL when i is not a
 * topic.
 */
const char *ct_topics_display(size_t topic);

/* Index of the topic with this id, or -1 when there is none. */
int ct_topics_find(const char *name);

/*
 * The set of topics mentioned in len bytes of text (one utterance): bit i is
 * set when topic i is.  0 when none is, and also when memory runs out.
 * Only explicit mentions count: the rules, not the model, decide.
 */
uint64_t ct_topics_detect(const char *text, size_t len);

/*
 * The single best topic of one utterance, or -1 when it has none (or memory
 * runs out).  The rules' best topic when the model has no class for it
 * (cardless_withdrawal, banking_hours, branches); otherwise the intent
 * model's most probable topic, with the topics ct_topics_detect() reports
 * (fraud most, then fees and refunds) weighing more.  A topic the rules do
 * not report needs a posterior above one half and, when they report none,
 * a banking term in the utterance; and the model may overrule a weak
 * mention it is sure is not about banking.  When the whole utterance has
 * no intent, its sentences are tried one by one.
 */
int ct_topics_intent(const char *text, size_t len);

/*
 * Both answers for one utterance in one pass (the tokens and the rules are
 * shared): *topics as ct_topics_detect() and *intent as
 * ct_topics_intent().  Returns 0, or -1 when out of memory (then *topics
 * is 0 and *intent -1).
 */
int ct_topics_classify(const char *text, size_t len, uint64_t *topics,
		       int *intent) __attribute__((warn_unused_result));

/*
 * The topics and the primary intent of a whole conversation (n turns in
 * order).  Only user turns count: the assistant's turns mention channels,
 * codes and products that the caller did not ask about.  *primary is the
 * ct_topics_intent() of the first user turn whose intent the rules report
 * (the reason for the call); when no turn has one, the first intent the
 * model alone found with a posterior of 0.8 or more; else -1.  So chatter,
 * thanks and complaints never make the primary intent, and a weak guess
 * never outranks a stated request.  *topics is the union of
 * ct_topics_detect() over the user turns, plus *primary.  Returns 0, or -1
 * when out of memory (then *topics is 0 and *primary -1).
 */
int ct_topics_conversation(const struct ct_turn *turns, size_t n,
			   uint64_t *topics, int *primary)
	__attribute__((warn_unused_result));

/* Why ct_topics_conversation_explain() chose the primary intent. */
struct ct_topics_evidence {
	long turn;  /* index in turns of the caller's turn it came from; -1
		       when there is no primary intent */
	bool rules; /* the rules reported the topic in that turn (else the
		       model alone found it) */
	double p;   /* the model's posterior of it in that turn (1 when only
		       the rules know the topic) */
};

/*
 * ct_topics_conversation(), and in *ev (when not NULL) the evidence for
 * *primary.
 */
int ct_topics_conversation_explain(const struct ct_turn *turns, size_t n,
				   uint64_t *topics, int *primary,
				   struct ct_topics_evidence *ev)
	__attribute__((warn_unused_result));

#endif
