/*
 * Internals of the topics module, shared by its two files and its tests:
 * topics.c (the taxonomy, the phrase rules and the decision) and
 * topics_model.c (the intent model: a logistic regression trained by
 * tools/train_topics.py).  tests/unit/test_topics.c uses
 * ct_topics_model_top() to check that the C code and the trainer compute
 * the same posteriors.
 */
#ifndef CONVTRACK_TOPICS_INT_H
#define CONVTRACK_TOPICS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/text.h"
#include "convtrack/topics.h"

/* Most classes the model may have: one per topic, plus "none" (class 0). */
#define CT_TOPICS_MAX_CLASSES (CT_TOPICS_MAX + 1)

#define CT_TOPICS_FNV0 2166136261u

/* FNV-1a, continued from h over n bytes. */
static inline uint32_t ct_topics_fnv(uint32_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Loads the model from the embedded data/runtime/topics_model.txt; called
 * once per process (topics.c's pthread_once), after which the model is
 * read-only.  topic_of maps a topic id to its index, or -1 (topics.c
 * passes ct_topics_find(), so that the model's file does not call back into
 * the taxonomy's).  Returns 0, or -1 when the model is missing or
 * malformed, names an unknown topic, or memory runs out.
 */
int ct_topics_model_load(int (*topic_of)(const char *id))
	__attribute__((warn_unused_result));

/* Number of classes of the loaded model (class 0 is "none"). */
size_t ct_topics_model_classes(void);

/* Topic index of class c, or -1 for "none" (and when out of range). */
int ct_topics_model_topic(size_t c);

/* Class of topic t, or -1 when the model has none (a topic without data). */
int ct_topics_model_class(size_t t);

/*
 * True when the token of n bytes at s is a person word that the model
 * drops before making features (its "drop" lines: names, relatives and
 * pronouns, "john", "mom", "him"), alone or with "'s" ("sister's").  False
 * before the model is loaded.  topics.c's pattern class "<person>" uses it.
 */
bool ct_topics_model_person(const char *s, size_t n);

/*
 * Writes the model's posterior of each class, given the tokens of one
 * utterance, to post (ct_topics_model_classes() values); the person words
 * among the tokens are left out (ct_topics_model_person()).  Allocates
 * nothing.
 */
void ct_topics_model_posterior(const struct ct_text_tokens *toks,
			       double post[CT_TOPICS_MAX_CLASSES]);

/*
 * The intent model's most probable class for len bytes of text: *topic is
 * its topic index (-1 for the class "none") and *p its posterior.  Returns
 * 0, or -1 when the tables are broken or memory runs out.
 */
int ct_topics_model_top(const char *text, size_t len, int *topic, double *p)
	__attribute__((warn_unused_result));

#endif
