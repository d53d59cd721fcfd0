/*
 * Private to the event parser (src/core/event*.c): what its three files
 * share.  event.c validates; event_json.c turns a payload into the
 * collected top-level fields of the contract (struct ct_event_doc);
 * event_time.c reads and writes timestamps.  event.c calls the other two,
 * which call nothing of each other or of event.c.
 */
#ifndef CONVTRACK_EVENT_INT_H
#define CONVTRACK_EVENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/event.h"

/* The fields of the contract, envelope first, then each type's in order. */
enum ct_event_field_id {
	F_EVENT_ID = 0,
	F_EVENT_TYPE,
	F_SCHEMA_VERSION,
	F_OCCURRED_AT,
	F_SESSION_ID,
	F_ROOM_ID,
	F_PARTICIPANT_ID,
	F_ANONYMOUS_ID,
	F_METADATA,
	F_MESSAGE_ID,
	F_ROLE,
	F_CONTENT,
	F_SEQ,
	F_USERNAME,
	F_PHONE_NUMBER,
	F_EMAIL,
	F_REASON,
	F_DURATION_SECONDS,
	F_PROFILE_ID,
	F_REQUESTED_BY,
	F_COUNT
};

/* Owners of a field: a bit per event type that has it, or every type. */
#define CT_EVENT_OWNER(type) (1u << (type))
#define CT_EVENT_ENVELOPE (~0u)

/* A field's JSON name, and the event types that have it. */
struct ct_event_field_def {
	const char *name;
	unsigned owners;
};

/*
 * Indexed by enum ct_event_field_id; defined in event_json.c, the lowest
 * of the three files, since the parse collects exactly these fields.
 */
extern const struct ct_event_field_def ct_event_field_defs[F_COUNT];

/* JSON kind of a value; JK_ABSENT for a field that never appeared. */
enum ct_event_json_kind {
	JK_ABSENT = 0,
	JK_NULL,
	JK_BOOL,
	JK_NUMBER,
	JK_STRING,
	JK_OBJECT,
	JK_ARRAY
};

/* What the parse collected about one field of the contract. */
struct ct_event_field {
	unsigned count; /* occurrences as a top-level key */
	enum ct_event_json_kind kind; /* kind of the first occurrence's value */
	char *text;     /* string, number literal or serialized metadata */
	size_t len;     /* bytes of text, without the added NUL */
	bool has_nul;   /* text (for metadata: any nested string) has U+0000 */
	bool too_deep;  /* metadata nests deeper than yajl_gen allows */
};

/*
 * What the parse collected about one payload: the top-level fields of the
 * contract and the kind of the document's own value.  Zero it before
 * ct_event_json_parse(); free it with ct_event_json_free().  The validation
 * may take a field's text (set text to NULL) to keep it.
 */
struct ct_event_doc {
	struct ct_event_field fields[F_COUNT];
	enum ct_event_json_kind top;
	bool too_deep;  /* nests deeper than CT_EVENT_MAX_DEPTH (parse stopped) */
	bool dup_key;   /* some object, at any depth, repeats a key */
	bool nul_other; /* a key or string outside the collected fields has
			   U+0000 */
};

/*
 * Stage 1: true when s[0..n) is well-formed UTF-8 and every \u escape of a
 * surrogate in its JSON strings is half of a proper pair.  Judges no other
 * JSON syntax.
 */
bool ct_event_json_is_unicode(const unsigned char *s, size_t n);

/*
 * Stage 2: runs yajl over the whole payload s[0..n) and collects into doc
 * (zeroed by the caller) the first occurrence of each top-level field of
 * the contract, the count of each, and metadata re-serialized.  Returns
 * true when s is one JSON document; doc holds what was collected either
 * way.  Aborts the process when memory runs out.
 */
bool ct_event_json_parse(struct ct_event_doc *doc, const unsigned char *s,
			 size_t n);

/* Frees the texts doc still owns.  Does nothing for NULL. */
void ct_event_json_free(struct ct_event_doc *doc);

#endif
