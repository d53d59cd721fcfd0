/*
 * Internals of the topics module that its tests use: the intent model's
 * own answer, so that tests/unit/test_topics.c can check that src/text/topics.c
 * and tools/train_topics.py compute the same posteriors.
 */
#ifndef CONVTRACK_TOPICS_INT_H
#define CONVTRACK_TOPICS_INT_H

#include <stddef.h>

/*
 * The intent model's most probable class for len bytes of text: *topic is
 * its topic index (-1 for the class "none") and *p its posterior.  Returns
 * 0, or -1 when the tables are broken or memory runs out.
 */
int ct_topics_model_top(const char *text, size_t len, int *topic, double *p)
	__attribute__((warn_unused_result));

#endif
