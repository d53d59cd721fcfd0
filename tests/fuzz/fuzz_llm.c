/*
 * Fuzz target: the reading of an LLM's answer (src/llm/llm_json.c,
 * ct_llm_answer_parse()): a chat-completions response body from a model
 * server, outside input like any other.  An answer it accepts must hold
 * what llm.h promises: a summary of 1..CT_LLM_SUMMARY_MAX bytes, known
 * labels, topics of the taxonomy.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/llm.h"
#include "convtrack/topics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_llm_answer a;
	enum ct_llm_reason r = ct_llm_answer_parse((const char *)data, size, &a,
						   NULL);

	if (r == CT_LLM_OK) {
		size_t n = strlen(a.summary);

		if (n == 0 || n > CT_LLM_SUMMARY_MAX || !a.sentiment ||
		    !a.resolution || a.primary_intent >= (int)ct_topics_count() ||
		    (ct_topics_count() < 64 &&
		     (a.topics >> ct_topics_count()) != 0))
			abort();
	} else if (a.summary) {
		abort(); /* a failure never leaves a half-filled answer */
	}
	ct_llm_answer_clear(&a);
	return 0;
}
