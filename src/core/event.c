/*
 * Input events: parsing and validation (EVENTS.md section 2).  This file
 * holds the contract (its fields, types and limits) and applies it; the
 * bytes are read by event_json.c, timestamps by event_time.c.
 *
 * A payload goes through three stages, and the first failure names the
 * rejection reason, so the reason for a given payload never depends on
 * anything but its bytes:
 *
 *   1. A strict UTF-8 check of the raw bytes (Unicode table 3-7: no
 *      overlongs, no surrogates, nothing above U+10FFFF).  The same pass
 *      rejects a \u escape that encodes a lone surrogate (event_json.c).
 *   2. One pass of yajl's streaming parser over the whole document, which
 *      collects the top-level fields of the contract and re-serializes
 *      `metadata`; everything else is ignored, at any depth (event_json.c).
 *   3. Checks of the collected fields in a fixed order: duplicates, then
 *      schema_version, event_type, event_id, occurred_at, session_id, then
 *      the fields of the type in the order the contract lists them.
 *
 * A JSON null counts as absent: a required field that is null is
 * missing_field, an optional field that is null is treated as if it were not
 * there (e.g. "message_id": null means "use event_id").  Producers that
 * serialize unset optionals as null are thereby accepted.
 *
 * Pure: no I/O and no global mutable state.  Memory exhaustion is not a
 * property of the event, so it is not turned into a rejection (that would
 * dead-letter a valid event): every allocation of the parse, yajl's
 * included, aborts the process when malloc fails.
 */
#include "convtrack/event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/codec.h"
#include "convtrack/caltime.h"
#include "event_int.h"

static const char *const type_names[CT_EVENT_TYPE_COUNT] = {
	[CT_EVENT_PARTICIPANT_JOINED] = "participant_joined",
	[CT_EVENT_MESSAGE] = "message",
	[CT_EVENT_AUTHENTICATED] = "authenticated",
	[CT_EVENT_CALL_ENDED] = "call_ended",
	[CT_EVENT_ERASURE_REQUESTED] = "profile_erasure_requested",
};

static const char *const role_names[] = {
	[CT_ROLE_USER] = "user",
	[CT_ROLE_ASSISTANT] = "assistant",
	[CT_ROLE_SYSTEM] = "system",
	[CT_ROLE_TOOL] = "tool",
};

static const char *const end_reason_names[] = {
	[CT_END_NONE] = NULL,
	[CT_END_HANGUP] = "hangup",
	[CT_END_TIMEOUT] = "timeout",
	[CT_END_ERROR] = "error",
	[CT_END_TRANSFER] = "transfer",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Results of the field checks below, besides -1 for a rejection. */
#define FIELD_ABSENT 0
#define FIELD_PRESENT 1

/*
 * Writes "what" or "what:detail" to reason and returns -1.  A detail that
 * does not fit (a value as sent) is cut.
 */
static int reject(char reason[CT_EVENT_REASON_MAX], const char *what,
		  const char *detail)
{
	snprintf(reason, CT_EVENT_REASON_MAX, "%s%s%s", what,
		 detail ? ":" : "", detail ? detail : "");
	return -1;
}

static int reject_field(char reason[CT_EVENT_REASON_MAX], const char *what,
			enum ct_event_field_id id)
{
	return reject(reason, what, ct_event_field_defs[id].name);
}

/*
 * Stage 3: field checks.  Each returns FIELD_PRESENT, FIELD_ABSENT (only for
 * optional fields) or -1 with the reason written.
 */

/* Presence and JSON kind; null is absent (see the file comment). */
static int check_kind(const struct ct_event_field *f,
		      enum ct_event_field_id id, enum ct_event_json_kind kind,
		      bool required,
		      char reason[CT_EVENT_REASON_MAX])
{
	if (f->kind == JK_ABSENT || f->kind == JK_NULL) {
		if (required)
			return reject_field(reason, "missing_field", id);
		return FIELD_ABSENT;
	}
	if (f->kind != kind)
		return reject_field(reason, "wrong_type", id);
	return FIELD_PRESENT;
}

/* True when a number literal has no fraction and no exponent. */
static bool number_is_integer(const struct ct_event_field *f)
{
	return strpbrk(f->text, ".eE") == NULL;
}

/* Writes the lower-case form of a canonical UUID, or returns false. */
static bool uuid_canonical(const char *s, size_t len,
			   char out[CT_UUID_STRLEN + 1])
{
	size_t i;
	int h;

	if (len != CT_UUID_STRLEN)
		return false;
	for (i = 0; i < CT_UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			out[i] = '-';
			continue;
		}
		h = ct_hex_value((unsigned char)s[i]);
		if (h < 0)
			return false;
		out[i] = "0123456789abcdef"[h];
	}
	out[CT_UUID_STRLEN] = '\0';
	return true;
}

static int check_uuid(struct ct_event_doc *doc, enum ct_event_field_id id,
		      bool required, char out[CT_UUID_STRLEN + 1],
		      char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[id];
	int rc = check_kind(f, id, JK_STRING, required, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (!uuid_canonical(f->text, f->len, out))
		return reject_field(reason, "invalid_uuid", id);
	return FIELD_PRESENT;
}

static int check_timestamp(struct ct_event_doc *doc, enum ct_event_field_id id,
			   int64_t *us, char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[id];
	int rc = check_kind(f, id, JK_STRING, true, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (!ct_caltime_parse(f->text, f->len, us))
		return reject_field(reason, "invalid_timestamp", id);
	return FIELD_PRESENT;
}

/* Limits of a text field. */
struct text_rule {
	enum ct_event_field_id id;
	bool required;
	size_t min_chars;
	size_t max_chars; /* 0: no limit in code points */
	size_t max_bytes; /* 0: no limit in bytes */
};

/*
 * A string field within its limits; on success *out takes the text (the
 * field gives it up).  Too short is invalid_value, too long oversize_field.
 */
static int check_text(struct ct_event_doc *doc, const struct text_rule *r,
		      char **out, char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[r->id];
	int rc = check_kind(f, r->id, JK_STRING, r->required, reason);
	size_t chars;

	if (rc != FIELD_PRESENT)
		return rc;
	if (f->has_nul)
		return reject_field(reason, "nul_in_string", r->id);
	if (r->max_bytes && f->len > r->max_bytes)
		return reject_field(reason, "oversize_field", r->id);
	chars = ct_utf8_chars(f->text, f->len);
	if (chars < r->min_chars)
		return reject_field(reason, "invalid_value", r->id);
	if (r->max_chars && chars > r->max_chars)
		return reject_field(reason, "oversize_field", r->id);
	*out = f->text;
	f->text = NULL;
	return FIELD_PRESENT;
}

/* A string field that must be one of names[0..n); *index is its position. */
static int check_enum(struct ct_event_doc *doc, enum ct_event_field_id id,
		      bool required, const char *const *names, size_t n,
		      size_t *index, char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[id];
	int rc = check_kind(f, id, JK_STRING, required, reason);
	size_t i;

	if (rc != FIELD_PRESENT)
		return rc;
	for (i = 0; i < n; i++) {
		if (names[i] && strlen(names[i]) == f->len &&
		    memcmp(names[i], f->text, f->len) == 0) {
			*index = i;
			return FIELD_PRESENT;
		}
	}
	return reject_field(reason, "invalid_value", id);
}

/* Envelope. */

static int check_schema_version(struct ct_event_doc *doc,
				char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[F_SCHEMA_VERSION];
	int rc = check_kind(f, F_SCHEMA_VERSION, JK_NUMBER, true, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (!number_is_integer(f))
		return reject_field(reason, "wrong_type", F_SCHEMA_VERSION);
	if (strcmp(f->text, "1") != 0)
		return reject(reason, "unsupported_schema_version", f->text);
	return FIELD_PRESENT;
}

/*
 * Copies an untrusted value into a reason (it becomes a Kafka header):
 * every code point outside printable ASCII becomes '?', and the copy is cut
 * to fit.
 */
static void sanitize(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && o + 1 < outlen; i++) {
		c = (unsigned char)s[i];
		if ((c & 0xC0) == 0x80)
			continue;
		out[o++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
	}
	out[o] = '\0';
}

static int check_event_type(enum ct_event_type expected,
			    struct ct_event_doc *doc,
			    char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[F_EVENT_TYPE];
	char given[CT_EVENT_REASON_MAX - sizeof("unknown_event_type:") + 1];
	size_t type;
	int rc;

	rc = check_enum(doc, F_EVENT_TYPE, true, type_names, ARRAY_LEN(type_names),
			&type, reason);
	if (rc == FIELD_PRESENT && type != (size_t)expected)
		return reject(reason, "type_mismatch", type_names[type]);
	if (rc < 0 && f->kind == JK_STRING) {
		sanitize(f->text, f->len, given, sizeof(given));
		return reject(reason, "unknown_event_type", given);
	}
	return rc;
}

static int check_envelope(enum ct_event_type expected, struct ct_event_doc *doc,
			  struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
{
	if (check_schema_version(doc, reason) < 0 ||
	    check_event_type(expected, doc, reason) < 0 ||
	    check_uuid(doc, F_EVENT_ID, true, ev->event_id, reason) < 0 ||
	    check_timestamp(doc, F_OCCURRED_AT, &ev->occurred_at_us, reason) < 0)
		return -1;
	/* an erasure request names a person, not a session */
	if (expected != CT_EVENT_ERASURE_REQUESTED &&
	    check_uuid(doc, F_SESSION_ID, true, ev->session_id, reason) < 0)
		return -1;
	ev->type = expected;
	return 0;
}

/* participant_joined */

static int check_metadata(struct ct_event_doc *doc, char **out,
			  char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[F_METADATA];
	int rc = check_kind(f, F_METADATA, JK_OBJECT, false, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (f->has_nul)
		return reject_field(reason, "nul_in_string", F_METADATA);
	/* yajl_gen stops at 128 levels; jsonb would take more, we do not. */
	if (f->too_deep || !f->text)
		return reject_field(reason, "invalid_value", F_METADATA);
	if (f->len > CT_EVENT_MAX_METADATA_BYTES)
		return reject_field(reason, "oversize_field", F_METADATA);
	*out = f->text;
	f->text = NULL;
	return FIELD_PRESENT;
}

static int check_joined(struct ct_event_doc *doc, struct ct_event *ev,
			char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule room = {
		F_ROOM_ID, true, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule participant = {
		F_PARTICIPANT_ID, true, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule anonymous = {
		F_ANONYMOUS_ID, false, 0, CT_EVENT_MAX_ID_CHARS, 0
	};

	if (check_text(doc, &room, &ev->u.joined.room_id, reason) < 0 ||
	    check_text(doc, &participant, &ev->u.joined.participant_id,
		       reason) < 0 ||
	    check_text(doc, &anonymous, &ev->u.joined.anonymous_id, reason) < 0 ||
	    check_metadata(doc, &ev->u.joined.metadata_json, reason) < 0)
		return -1;
	return 0;
}

/* message */

/* seq: a JSON integer in 0..INT64_MAX (PostgreSQL bigint). */
static int check_seq(struct ct_event_doc *doc, struct ct_event *ev,
		     char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[F_SEQ];
	int rc = check_kind(f, F_SEQ, JK_NUMBER, false, reason);
	long long v;

	if (rc != FIELD_PRESENT)
		return rc;
	if (!number_is_integer(f))
		return reject_field(reason, "wrong_type", F_SEQ);
	errno = 0;
	v = strtoll(f->text, NULL, 10);
	if (errno == ERANGE || v < 0)
		return reject_field(reason, "invalid_value", F_SEQ);
	ev->u.message.has_seq = true;
	ev->u.message.seq = v;
	return FIELD_PRESENT;
}

static int check_message(struct ct_event_doc *doc, struct ct_event *ev,
			 char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule content = {
		F_CONTENT, true, 0, 0, CT_EVENT_MAX_CONTENT_BYTES
	};
	struct ct_event_field *fc = &doc->fields[F_CONTENT];
	size_t role;
	int rc;

	rc = check_uuid(doc, F_MESSAGE_ID, false, ev->u.message.message_id,
			reason);
	if (rc < 0)
		return -1;
	ev->u.message.has_message_id = rc == FIELD_PRESENT;
	if (!ev->u.message.has_message_id)
		memcpy(ev->u.message.message_id, ev->event_id,
		       sizeof(ev->event_id));
	if (check_enum(doc, F_ROLE, true, role_names, ARRAY_LEN(role_names),
		       &role, reason) < 0)
		return -1;
	ev->u.message.role = (enum ct_role)role;
	if (check_text(doc, &content, &ev->u.message.content, reason) < 0)
		return -1;
	ev->u.message.content_len = fc->len;
	return check_seq(doc, ev, reason) < 0 ? -1 : 0;
}

/*
 * authenticated: phone_number must be E.164 ("+" and 8 to 15 digits, the
 * first not 0) and email an address (one "@", a non-empty local part, a
 * domain with a dot, no white space or control characters): the contract
 * says an optional field that is present must be valid, and rule 10
 * compares them exactly.
 */

static bool is_e164(const char *s)
{
	size_t n = 0;

	if (*s++ != '+' || *s < '1' || *s > '9')
		return false;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 8 && n <= 15;
}

static bool is_email(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	p = strchr(at + 1, '.');
	return p && p > at + 1 && p[1] != '\0' && s[strlen(s) - 1] != '.';
}

static int check_auth(struct ct_event_doc *doc, struct ct_event *ev,
		      char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule username = {
		F_USERNAME, true, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule phone = {
		F_PHONE_NUMBER, false, 0, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule email = {
		F_EMAIL, false, 0, CT_EVENT_MAX_ID_CHARS, 0
	};

	if (check_text(doc, &username, &ev->u.auth.username, reason) < 0 ||
	    check_text(doc, &phone, &ev->u.auth.phone_number, reason) < 0)
		return -1;
	if (ev->u.auth.phone_number && !is_e164(ev->u.auth.phone_number))
		return reject_field(reason, "invalid_value", F_PHONE_NUMBER);
	if (check_text(doc, &email, &ev->u.auth.email, reason) < 0)
		return -1;
	if (ev->u.auth.email && !is_email(ev->u.auth.email))
		return reject_field(reason, "invalid_value", F_EMAIL);
	return 0;
}

/* call_ended */

/* duration_seconds: any JSON number, finite and >= 0 (-0 becomes 0). */
static int check_duration(struct ct_event_doc *doc, struct ct_event *ev,
			  char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_field *f = &doc->fields[F_DURATION_SECONDS];
	int rc = check_kind(f, F_DURATION_SECONDS, JK_NUMBER, false, reason);
	double v;

	if (rc != FIELD_PRESENT)
		return rc;
	/* JSON numbers use '.', as does the "C" locale the program runs in. */
	v = strtod(f->text, NULL);
	if (!isfinite(v) || v < 0)
		return reject_field(reason, "invalid_value", F_DURATION_SECONDS);
	ev->u.ended.has_duration = true;
	ev->u.ended.duration_seconds = v == 0 ? 0.0 : v;
	return FIELD_PRESENT;
}

static int check_ended(struct ct_event_doc *doc, struct ct_event *ev,
		       char reason[CT_EVENT_REASON_MAX])
{
	size_t r = CT_END_NONE;

	if (check_enum(doc, F_REASON, false, end_reason_names,
		       ARRAY_LEN(end_reason_names), &r, reason) < 0 ||
	    check_duration(doc, ev, reason) < 0)
		return -1;
	ev->u.ended.reason = (enum ct_end_reason)r;
	return 0;
}

/*
 * profile_erasure_requested: exactly one of username and profile_id names
 * the person; requested_by and reason are free text kept with the
 * erasure record (no personal data should go there).
 */
static int check_erasure(struct ct_event_doc *doc, struct ct_event *ev,
			 char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule username = {
		F_USERNAME, false, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule requested_by = {
		F_REQUESTED_BY, false, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule why = {
		F_REASON, false, 0, CT_EVENT_MAX_REASON_CHARS, 0
	};
	int rc;

	if (check_text(doc, &username, &ev->u.erasure.username, reason) < 0)
		return -1;
	rc = check_uuid(doc, F_PROFILE_ID, false, ev->u.erasure.profile_id,
			reason);
	if (rc < 0)
		return -1;
	if (rc == FIELD_PRESENT && ev->u.erasure.username)
		return reject_field(reason, "invalid_value", F_PROFILE_ID);
	if (rc != FIELD_PRESENT && !ev->u.erasure.username)
		return reject_field(reason, "missing_field", F_USERNAME);
	if (check_text(doc, &requested_by, &ev->u.erasure.requested_by,
		       reason) < 0 ||
	    check_text(doc, &why, &ev->u.erasure.reason, reason) < 0)
		return -1;
	return 0;
}

/* The first duplicated field among those this topic's events have. */
static int check_duplicates(enum ct_event_type expected,
			    const struct ct_event_doc *doc,
			    char reason[CT_EVENT_REASON_MAX])
{
	size_t i;

	for (i = 0; i < F_COUNT; i++) {
		if (!(ct_event_field_defs[i].owners & CT_EVENT_OWNER(expected)))
			continue;
		if (doc->fields[i].count > 1)
			return reject_field(reason, "duplicate_field",
					    (enum ct_event_field_id)i);
	}
	return 0;
}

static int check_event(enum ct_event_type expected, struct ct_event_doc *doc,
		       struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
{
	if (check_duplicates(expected, doc, reason) < 0)
		return -1;
	if (doc->dup_key)
		return reject(reason, "duplicate_key", NULL);
	if (doc->nul_other)
		return reject(reason, "nul_in_string", NULL);
	if (check_envelope(expected, doc, ev, reason) < 0)
		return -1;
	switch (ev->type) {
	case CT_EVENT_PARTICIPANT_JOINED:
		return check_joined(doc, ev, reason);
	case CT_EVENT_MESSAGE:
		return check_message(doc, ev, reason);
	case CT_EVENT_AUTHENTICATED:
		return check_auth(doc, ev, reason);
	case CT_EVENT_CALL_ENDED:
		return check_ended(doc, ev, reason);
	case CT_EVENT_ERASURE_REQUESTED:
		return check_erasure(doc, ev, reason);
	default:
		return reject(reason, "type_mismatch", "?");
	}
}

int ct_event_parse(enum ct_event_type expected, const void *payload, size_t len,
		   struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
{
	struct ct_event_doc doc;
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	reason[0] = '\0';
	if (!payload || len == 0)
		return reject(reason, "empty_payload", NULL);
	if (!ct_event_json_is_unicode(payload, len))
		return reject(reason, "invalid_utf8", NULL);
	memset(&doc, 0, sizeof(doc));
	if (!ct_event_json_parse(&doc, payload, len)) {
		reject(reason, doc.too_deep ? "nesting_too_deep" : "not_json",
		       NULL);
		goto out_free_doc;
	}
	if (doc.top != JK_OBJECT) {
		reject(reason, "not_object", NULL);
		goto out_free_doc;
	}
	if (check_event(expected, &doc, ev, reason) < 0) {
		ct_event_clear(ev);
		goto out_free_doc;
	}
	rc = 0;
out_free_doc:
	ct_event_json_free(&doc);
	return rc;
}

void ct_event_clear(struct ct_event *ev)
{
	if (!ev)
		return;
	switch (ev->type) {
	case CT_EVENT_PARTICIPANT_JOINED:
		free(ev->u.joined.room_id);
		free(ev->u.joined.participant_id);
		free(ev->u.joined.anonymous_id);
		free(ev->u.joined.metadata_json);
		break;
	case CT_EVENT_MESSAGE:
		free(ev->u.message.content);
		free(ev->u.message.redactions);
		break;
	case CT_EVENT_AUTHENTICATED:
		free(ev->u.auth.username);
		free(ev->u.auth.phone_number);
		free(ev->u.auth.email);
		break;
	case CT_EVENT_ERASURE_REQUESTED:
		free(ev->u.erasure.username);
		free(ev->u.erasure.requested_by);
		free(ev->u.erasure.reason);
		break;
	default:
		break;
	}
	memset(ev, 0, sizeof(*ev));
}

const char *ct_event_type_name(enum ct_event_type type)
{
	if ((unsigned)type >= ARRAY_LEN(type_names))
		return NULL;
	return type_names[type];
}

const char *ct_event_role_name(enum ct_role role)
{
	if ((unsigned)role >= ARRAY_LEN(role_names))
		return NULL;
	return role_names[role];
}

const char *ct_event_end_reason_name(enum ct_end_reason reason)
{
	if ((unsigned)reason >= ARRAY_LEN(end_reason_names))
		return NULL;
	return end_reason_names[reason];
}
