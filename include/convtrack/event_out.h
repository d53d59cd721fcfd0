/*
 * Output events: the summary_generated event of contract section 3, as JSON
 * (pure: yajl_gen, no I/O).  Its schema is schemas/summary_generated.schema.json.
 *
 * The same function renders the summary's value (everything but the
 * envelope, version and time), which the repository stores to decide
 * whether a new version is due: two summaries are equal when their value
 * JSON is byte-identical, so the rendering is canonical (fixed key order,
 * fixed number formatting).
 */
#ifndef CONVTRACK_EVENT_OUT_H
#define CONVTRACK_EVENT_OUT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "convtrack/ids.h"
#include "convtrack/summarizer.h"

/* A profile match candidate of the session (rule 10). */
struct ct_event_out_candidate {
	char profile_id[CT_UUID_STRLEN + 1];
	const char *signal; /* "phone_number" | "email" (static) */
	double confidence;
};

/* Where a summary belongs. */
struct ct_event_out_meta {
	const char *session_id;
	const char *profile_id;   /* NULL when the session has no profile */
	const char *profile_type; /* "authenticated" | "anonymous" | NULL */
	const struct ct_event_out_candidate *candidates;
	size_t ncandidates;
	const char *summarizer;   /* e.g. CT_SUMMARIZER_NAME; NULL: not printed */
};

/*
 * Renders the summary as JSON.  With event_id NULL: the value only (no
 * event_id, event_type, schema_version, occurred_at, summary_version,
 * summarizer); else the whole event with those.  Returns a malloc'd NUL-terminated string, or
 * NULL when out of memory.
 */
char *ct_event_out_summary(const struct ct_summary *s,
			   const struct ct_event_out_meta *m, const char *event_id,
			   long version, int64_t occurred_at_us);

/*
 * Renders what `convtrack analyze` prints for a conversation: the fields of
 * summary_generated that the text determines (summary, extracted_info,
 * sentiment, resolution_status, topics, message_count, and
 * duration_seconds when has_duration), the conversation's sentiment_score
 * behind sentiment, and summarizer (NULL: CT_SUMMARIZER_NAME), and with
 * llm_fallback (when not NULL) why an LLM's answer was not used.  One line
 * of JSON, malloc'd; NULL when out of memory.
 */
char *ct_event_out_analysis(const struct ct_summary *s, bool has_duration,
			    const char *summarizer, const char *llm_fallback);

#endif
