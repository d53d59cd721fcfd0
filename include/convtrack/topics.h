/*
 * Banking topics and the caller's primary intent (pure: no I/O).
 *
 * The taxonomy is schemas/topics.json: each topic has a stable snake_case id
 * and an index, its position in taxonomy order (at most 64 topics, so a set
 * of topics is a uint64_t with bit i for topic i).  Weighted word patterns,
 * one table per topic, decide which topics an utterance mentions; an intent
 * model trained on public banking data (compiled into the binary) decides
 * which of them is its intent.  See docs/text-rules-topics.md for the
 * method and its measured accuracy.
 *
 * All functions may be called from several threads at once; the first call
 * loads the tables.
 */
#ifndef CONVTRACK_TOPICS_H
#define CONVTRACK_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "convtrack/text.h"

/* Most topics a taxonomy may have: one bit each in a uint64_t. */
#define CT_TOPICS_MAX 64

/* Number of topics in the taxonomy. */
size_t ct_topics_count(void);

/* Id of topic (e.g. "cardless_withdrawal"), or NULL when out of range. */
const char *ct_topics_name(size_t topic);

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
 * runs out).  When ct_topics_detect() reports topics, one of them: the
 * rules' best when it is fraud or a topic without training data
 * (cardless_withdrawal, banking_hours, branches), else the one the intent
 * model finds most probable among those the rules rank close to the best.
 * When it reports none, the model's topic if its posterior is 0.9 or more.
 */
int ct_topics_intent(const char *text, size_t len);

/*
 * The topics and the primary intent of a whole conversation (n turns in
 * order).  Only user turns count: the assistant's turns mention channels,
 * codes and products that the caller did not ask about.  *primary is the
 * ct_topics_intent() of the first user turn that has one (the reason for
 * the call), or -1; *topics is the union of ct_topics_detect() over the
 * user turns, plus *primary.  Returns 0, or -1 when out of memory (then
 * *topics is 0 and *primary -1).
 */
int ct_topics_conversation(const struct ct_turn *turns, size_t n,
			   uint64_t *topics, int *primary)
	__attribute__((warn_unused_result));

#endif
