/*
 * Input events: parsing and validation (pure: no I/O, no Kafka, no libpq).
 *
 * ct_event_parse() turns one Kafka payload into a typed struct ct_event or a
 * machine-readable rejection reason (EVENTS.md section 2).  The reason is
 * what the dead-letter header `convtrack-error` carries, e.g.
 * "missing_field:session_id".  Validation is complete: an event that parses
 * can be stored by PostgreSQL as it is (no NUL in strings, timestamps in
 * range, sizes within limits).
 */
#ifndef CONVTRACK_EVENT_H
#define CONVTRACK_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/ids.h"

enum ct_event_type {
	CT_EVENT_PARTICIPANT_JOINED = 0,
	CT_EVENT_MESSAGE,
	CT_EVENT_AUTHENTICATED,
	CT_EVENT_CALL_ENDED,
	/*
	 * An erasure request (topic profile-erasure-requested): no session;
	 * the worker erases the person instead of storing the event.
	 */
	CT_EVENT_ERASURE_REQUESTED,
	CT_EVENT_TYPE_COUNT
};

enum ct_role { CT_ROLE_USER = 0, CT_ROLE_ASSISTANT, CT_ROLE_SYSTEM, CT_ROLE_TOOL };

enum ct_end_reason {
	CT_END_NONE = 0, /* field absent */
	CT_END_HANGUP,
	CT_END_TIMEOUT,
	CT_END_ERROR,
	CT_END_TRANSFER
};

/* Limits of the contract. */
#define CT_EVENT_MAX_ID_CHARS 256          /* room_id, participant_id, ... */
#define CT_EVENT_MAX_CONTENT_BYTES 65536   /* message content, UTF-8 bytes */
#define CT_EVENT_MAX_METADATA_BYTES 16384  /* metadata, serialized */
#define CT_EVENT_MAX_REASON_CHARS 1024     /* an erasure request's reason */
#define CT_EVENT_SCHEMA_VERSION 1
/* Deepest nesting of objects and arrays in a payload (the top object is 1). */
#define CT_EVENT_MAX_DEPTH 32

/* Room for a keyed hash of a phone or email (16 hex digits and NUL). */
#define CT_EVENT_HASH_LEN 17

/* Room for a rejection reason such as "invalid_uuid:message_id". */
#define CT_EVENT_REASON_MAX 96

/*
 * A validated event.  UUIDs are lower-case canonical strings.  Strings are
 * NUL-terminated, valid UTF-8, owned by the event and freed by
 * ct_event_clear().  Optional strings are NULL when absent.
 */
struct ct_event {
	enum ct_event_type type;
	char event_id[CT_UUID_STRLEN + 1];
	char session_id[CT_UUID_STRLEN + 1];
	int64_t occurred_at_us; /* microseconds since 1970-01-01T00:00:00Z */
	union {
		struct {
			char *room_id;
			char *participant_id;
			char *anonymous_id;  /* NULL when absent; may be "" */
			char *metadata_json; /* compact JSON object, NULL when absent */
		} joined;
		struct {
			/* message_id when present, else event_id */
			char message_id[CT_UUID_STRLEN + 1];
			bool has_message_id;
			enum ct_role role;
			char *content;
			size_t content_len; /* bytes, without the NUL */
			bool has_seq;
			int64_t seq;
			/*
			 * Set by the worker after parsing (not from the
			 * payload): the banking detector's verdict for user
			 * messages; has_banking is false for other roles.
			 */
			bool has_banking;
			bool is_banking;
			/*
			 * Set by the worker when it redacted content before
			 * storage (convtrack/privacy.h): what was replaced,
			 * as a JSON array of types and byte offsets, owned;
			 * NULL when nothing was.
			 */
			char *redactions;
		} message;
		struct {
			char *username;
			char *phone_number; /* NULL when absent */
			char *email;        /* NULL when absent */
			/*
			 * Set by the worker: the keyed hashes that redacted
			 * messages carry for this phone and email
			 * (convtrack/redact.h ct_redact_hash), so that
			 * recognition can match them; "" when none.
			 */
			char phone_hash[CT_EVENT_HASH_LEN];
			char email_hash[CT_EVENT_HASH_LEN];
		} auth;
		struct {
			enum ct_end_reason reason;
			bool has_duration;
			double duration_seconds;
		} ended;
		struct {
			/* exactly one of username and profile_id */
			char *username;     /* NULL when absent */
			char profile_id[CT_UUID_STRLEN + 1]; /* "" when absent */
			char *requested_by; /* NULL when absent */
			char *reason;       /* NULL when absent */
		} erasure;
	} u;
};

/*
 * One consumed record's event and what became of it: the consumer fills
 * valid, ev and (for records it cannot parse) dead_letter and reason; the
 * applier marks the rest.
 */
struct ct_event_item {
	bool valid;       /* ev holds a parsed event */
	struct ct_event ev;
	/*
	 * Set when the record must go to the dead-letter topic: the parser's
	 * reason for invalid records, or the applier's (e.g.
	 * "message_id_conflict", "db_rejected:23514").
	 */
	bool dead_letter;
	char reason[CT_EVENT_REASON_MAX];
	bool duplicate;   /* an exact redelivery of an earlier record in the batch */
	/*
	 * Dropped, not stored: the event belongs to an erased session or
	 * person (CT_REPO_REASON_ERASED).  Handled: its offset is committed.
	 */
	bool erased;
};

/*
 * Parses and validates payload (len bytes, not NUL-terminated) received on
 * a topic whose events must be of type `expected`.
 *
 * An erasure request has no session_id (ev->session_id is ""), and must
 * carry exactly one of username and profile_id: neither is
 * missing_field:username, both is invalid_value:profile_id.
 *
 * Returns 0 and fills *ev (the caller frees it with ct_event_clear()), or -1
 * and writes the rejection reason to reason (CT_EVENT_REASON_MAX bytes);
 * *ev is then left empty.  Reasons, with FIELD the JSON field name:
 *   empty_payload            NULL or zero-length payload (tombstone)
 *   invalid_utf8             payload is not valid UTF-8
 *   not_json                 payload is not one JSON document
 *   not_object               the document is not a JSON object
 *   duplicate_field:FIELD    a known field appears twice
 *   missing_field:FIELD      a required field is absent (or null)
 *   wrong_type:FIELD         a field has the wrong JSON type
 *   invalid_uuid:FIELD       not a canonical 8-4-4-4-12 hex UUID
 *   invalid_timestamp:FIELD  not RFC 3339 with offset, or out of range
 *   invalid_value:FIELD      a value outside its domain (role, reason,
 *                            negative seq or duration, empty username...)
 *   oversize_field:FIELD     longer than the contract allows
 *   nul_in_string:FIELD      a string containing U+0000
 *   type_mismatch:TYPE       event_type TYPE does not belong to this topic
 *                            (unknown_event_type:TYPE when it is no type)
 *   unsupported_schema_version:N
 */
int ct_event_parse(enum ct_event_type expected, const void *payload, size_t len,
		   struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
	__attribute__((warn_unused_result));

/* Frees what ev owns and zeroes it.  Does nothing when ev is NULL. */
void ct_event_clear(struct ct_event *ev);

/*
 * "participant_joined", "message", "authenticated", "call_ended",
 * "profile_erasure_requested".
 */
const char *ct_event_type_name(enum ct_event_type type);

/* "user", "assistant", "system", "tool". */
const char *ct_event_role_name(enum ct_role role);

/* "hangup", "timeout", "error", "transfer"; NULL for CT_END_NONE. */
const char *ct_event_end_reason_name(enum ct_end_reason reason);

/*
 * Formats occurred_at_us as "YYYY-MM-DD HH:MM:SS.ffffff+00" (PostgreSQL
 * timestamptz input) into out (at least 40 bytes).
 */
void ct_event_format_time(int64_t us, char out[40]);

#endif
