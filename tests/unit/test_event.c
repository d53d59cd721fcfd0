/*
 * Unit tests of the event module (src/core/event.c): every rejection reason of
 * include/convtrack/event.h, the valid and invalid forms of every field,
 * the size limits at their boundaries, RFC 3339 timestamps and the time
 * formatter.  The valid sample events are tests/fixtures/events/ *.json,
 * found next to this file whatever the working directory.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/event.h"

#define EID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define SID "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define MID "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
#define TS "2024-05-01T12:00:00Z"
#define TS_US INT64_C(1714564800000000)

/* The envelope of an event of type t, without braces. */
#define ENV(t)                                                             \
	"\"event_id\":\"" EID "\",\"event_type\":\"" t "\","                 \
	"\"schema_version\":1,\"occurred_at\":\"" TS "\","                     \
	"\"session_id\":\"" SID "\""

#define JOINED_BODY "\"room_id\":\"r1\",\"participant_id\":\"p1\""
#define JOINED "{" ENV("participant_joined") "," JOINED_BODY "}"
#define MESSAGE_BODY "\"role\":\"user\",\"content\":\"hi\""
#define MESSAGE "{" ENV("message") "," MESSAGE_BODY "}"
#define AUTH_BODY "\"username\":\"alice\""
#define ENDED "{" ENV("call_ended") "}"

static const enum ct_event_type J = CT_EVENT_PARTICIPANT_JOINED;
static const enum ct_event_type M = CT_EVENT_MESSAGE;
static const enum ct_event_type A = CT_EVENT_AUTHENTICATED;
static const enum ct_event_type E = CT_EVENT_CALL_ENDED;

/* malloc'ed printf. */
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = malloc((size_t)n + 1);
	if (!s)
		abort();
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* s repeated n times, malloc'ed. */
static char *repeat(const char *s, size_t n)
{
	size_t len = strlen(s), i;
	char *out = malloc(len * n + 1);

	if (!out)
		abort();
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

/* True when every byte of ev is zero (what a rejection must leave). */
static int event_is_empty(const struct ct_event *ev)
{
	static const struct ct_event zero;

	return memcmp(ev, &zero, sizeof(zero)) == 0;
}

/* Expects rejection with exactly `want`; reports the caller's line. */
static void reject_len(int line, enum ct_event_type t, const void *p,
		       size_t len, const char *want)
{
	char reason[CT_EVENT_REASON_MAX];
	struct ct_event ev;
	int rc = ct_event_parse(t, p, len, &ev, reason);

	if (rc != -1 || strcmp(reason, want) != 0)
		fprintf(stderr, "line %d: rc %d reason \"%s\", want \"%s\"\n",
			line, rc, rc ? reason : "", want);
	CHECK(rc == -1);
	CHECK_STR(reason, want);
	CHECK(event_is_empty(&ev));
	if (rc == 0)
		ct_event_clear(&ev);
}

#define REJECT(t, json, want) reject_len(__LINE__, t, json, strlen(json), want)
#define REJECT_N(t, buf, want) \
	reject_len(__LINE__, t, buf, sizeof(buf) - 1, want)

/* Expects acceptance; the caller checks *ev and clears it. */
static int accept_at(int line, enum ct_event_type t, const char *json,
		     struct ct_event *ev)
{
	char reason[CT_EVENT_REASON_MAX];
	int rc = ct_event_parse(t, json, strlen(json), ev, reason);

	if (rc != 0)
		fprintf(stderr, "line %d: rejected: %s\n", line, reason);
	CHECK(rc == 0);
	return rc;
}

#define ACCEPT(t, json, ev) (accept_at(__LINE__, t, json, ev) == 0)

/* Builds {envelope(type), body} and expects rejection with want. */
static void reject_body(int line, enum ct_event_type t, const char *type,
			const char *body, const char *want)
{
	char *json = fmt("{\"event_id\":\"" EID "\",\"event_type\":\"%s\","
			 "\"schema_version\":1,\"occurred_at\":\"" TS "\","
			 "\"session_id\":\"" SID "\",%s}", type, body);

	reject_len(line, t, json, strlen(json), want);
	free(json);
}

#define REJECT_BODY(t, body, want) \
	reject_body(__LINE__, t, ct_event_type_name(t), body, want)

static char *body_event(enum ct_event_type t, const char *body)
{
	return fmt("{\"event_id\":\"" EID "\",\"event_type\":\"%s\","
		   "\"schema_version\":1,\"occurred_at\":\"" TS "\","
		   "\"session_id\":\"" SID "\",%s}",
		   ct_event_type_name(t), body);
}

static char *read_fixture(const char *name, size_t *len)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	char path[4096];
	char *buf = NULL;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%.*s/../fixtures/events/%s",
		 slash ? (int)(slash - file) : 1, slash ? file : ".", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open fixture %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size) {
			*len = (size_t)size;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Parses a fixture of type t; returns 0 when it was read and accepted. */
static int parse_fixture(const char *name, enum ct_event_type t,
			 struct ct_event *ev)
{
	char reason[CT_EVENT_REASON_MAX];
	size_t len = 0;
	char *buf = read_fixture(name, &len);
	int rc;

	CHECK(buf != NULL);
	if (!buf)
		return -1;
	rc = ct_event_parse(t, buf, len, ev, reason);
	if (rc)
		fprintf(stderr, "fixture %s rejected: %s\n", name, reason);
	CHECK(rc == 0);
	free(buf);
	return rc;
}

static void test_fixtures(void)
{
	struct ct_event ev;

	if (parse_fixture("participant_joined.json", J, &ev) == 0) {
		CHECK(ev.type == J);
		CHECK_STR(ev.event_id, EID);
		CHECK_STR(ev.session_id, SID);
		/* 14:30:00.250+02:30 is 12:00:00.25Z */
		CHECK(ev.occurred_at_us == TS_US + 250000);
		CHECK_STR(ev.u.joined.room_id, "room-42");
		CHECK_STR(ev.u.joined.participant_id, "participant-7");
		CHECK_STR(ev.u.joined.anonymous_id, "fp_3f9a");
		CHECK_STR(ev.u.joined.metadata_json,
			  "{\"device\":\"browser\",\"tags\":[\"a\",\"b\"],"
			  "\"n\":2.50,\"x\":null}");
		ct_event_clear(&ev);
		CHECK(event_is_empty(&ev));
	}
	if (parse_fixture("message.json", M, &ev) == 0) {
		CHECK(ev.type == M);
		CHECK_STR(ev.u.message.message_id, MID);
		CHECK(ev.u.message.has_message_id);
		CHECK(ev.u.message.role == CT_ROLE_USER);
		CHECK_STR(ev.u.message.content,
			  "Hi, my number is +263771234567. "
			  "Caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac");
		CHECK(ev.u.message.content_len ==
		      strlen(ev.u.message.content));
		CHECK(ev.u.message.has_seq && ev.u.message.seq == 3);
		ct_event_clear(&ev);
	}
	if (parse_fixture("authenticated.json", A, &ev) == 0) {
		CHECK(ev.type == A);
		CHECK_STR(ev.u.auth.username, "tendai.moyo");
		CHECK_STR(ev.u.auth.phone_number, "+263771234567");
		CHECK_STR(ev.u.auth.email, "tendai@example.com");
		ct_event_clear(&ev);
	}
	if (parse_fixture("call_ended.json", E, &ev) == 0) {
		CHECK(ev.type == E);
		CHECK(ev.u.ended.reason == CT_END_HANGUP);
		CHECK(ev.u.ended.has_duration);
		CHECK(ev.u.ended.duration_seconds == 300.5);
		ct_event_clear(&ev);
	}
}

static void test_empty_and_structure(void)
{
	struct ct_event ev;

	reject_len(__LINE__, M, NULL, 0, "empty_payload");
	reject_len(__LINE__, M, NULL, 10, "empty_payload");
	reject_len(__LINE__, M, "", 0, "empty_payload");
	reject_len(__LINE__, M, MESSAGE, 0, "empty_payload");

	REJECT(M, "{", "not_json");
	REJECT(M, "   ", "not_json");
	REJECT(M, "{} x", "not_json");
	REJECT(M, "{}{}", "not_json");
	REJECT(M, MESSAGE MESSAGE, "not_json");
	REJECT(M, "{'role':'user'}", "not_json");
	REJECT(M, "{\"a\":1,}", "not_json");
	REJECT(M, "/* c */ {}", "not_json");
	REJECT(M, "{\"a\":01}", "not_json");
	REJECT(M, "{\"a\":NaN}", "not_json");
	REJECT(M, "{\"a\":\"\\x\"}", "not_json");
	REJECT(M, "{\"a\":\"\\u12g4\"}", "not_json");
	REJECT(M, "\xef\xbb\xbf{}", "not_json"); /* byte order mark */
	REJECT_N(M, "{\"a\":\"x\0y\"}", "not_json"); /* raw NUL byte */
	REJECT_N(M, "{}\0", "not_json");
	/* Invalid JSON deep inside an unknown field still rejects. */
	reject_body(__LINE__, M, "message",
		    MESSAGE_BODY ",\"x\":{\"y\":[1,2,}]}", "not_json");

	REJECT(M, "[]", "not_object");
	REJECT(M, "[" MESSAGE "]", "not_object");
	REJECT(M, "1", "not_object");
	REJECT(M, "\"message\"", "not_object");
	REJECT(M, "null", "not_object");
	REJECT(M, "true", "not_object");
	REJECT(M, "{}", "missing_field:schema_version");

	/* White space around the document is fine. */
	if (ACCEPT(M, " \n\t" MESSAGE " \r\n", &ev))
		ct_event_clear(&ev);
}

static void test_utf8(void)
{
	struct ct_event ev;
	char *json;

	/* Raw bytes anywhere, even in unknown fields or outside strings. */
	REJECT(M, "{\"x\":\"\xc0\xaf\"}", "invalid_utf8");     /* overlong / */
	REJECT(M, "{\"x\":\"\xc1\xbf\"}", "invalid_utf8");     /* overlong */
	REJECT(M, "{\"x\":\"\xe0\x80\xaf\"}", "invalid_utf8"); /* overlong */
	REJECT(M, "{\"x\":\"\xf0\x80\x80\xaf\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\xed\xa0\x80\"}", "invalid_utf8"); /* U+D800 */
	REJECT(M, "{\"x\":\"\xed\xbf\xbf\"}", "invalid_utf8"); /* U+DFFF */
	REJECT(M, "{\"x\":\"\xf4\x90\x80\x80\"}", "invalid_utf8"); /* >10FFFF */
	REJECT(M, "{\"x\":\"\xf5\x80\x80\x80\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\xff\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\x80\"}", "invalid_utf8"); /* lone continuation */
	REJECT(M, "{\"x\":\"\xe2\x82\"}", "invalid_utf8"); /* truncated */
	REJECT(M, "{\"x\":\"\xf0\x9f\x98\"}", "invalid_utf8");
	REJECT(M, "{\"x\":1}\xe2\x82", "invalid_utf8"); /* truncated at end */
	REJECT(M, "{\"x\":1}\xc3", "invalid_utf8");
	REJECT(M, "\xc3(", "invalid_utf8");
	/* invalid_utf8 wins over every later reason, even not_json. */
	REJECT(M, "{\"x\xff", "invalid_utf8");

	/* Escapes that are no Unicode text: lone or unpaired surrogates. */
	REJECT(M, "{\"x\":\"\\ud800\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\\uDBFF\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\\udc00\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"a\\uDFFFb\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\\ud800x\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\\ud800\\u0041\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\\ud800\\ud800\"}", "invalid_utf8");
	REJECT(M, "{\"x\":\"\\ud800\\n\"}", "invalid_utf8");
	REJECT(M, "{\"\\ud800\":1}", "invalid_utf8"); /* in a key */

	/* Valid: the largest code points of each length, pairs, raw or not. */
	json = body_event(M, "\"role\":\"user\",\"content\":"
			     "\"\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf"
			     "\\ud83d\\ude00\\uDBFF\\uDFFF\\u00e9\\\\ud800\"");
	if (ACCEPT(M, json, &ev)) {
		CHECK_STR(ev.u.message.content,
			  "\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf"
			  "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xc3\xa9\\ud800");
		ct_event_clear(&ev);
	}
	free(json);
}

static void test_duplicates(void)
{
	struct ct_event ev;

	REJECT(M, "{" ENV("message") ",\"event_id\":\"" EID "\"," MESSAGE_BODY
		  "}", "duplicate_field:event_id");
	REJECT(M, "{" ENV("message") ",\"session_id\":null," MESSAGE_BODY "}",
	       "duplicate_field:session_id");
	REJECT(M, "{\"schema_version\":null," ENV("message") "," MESSAGE_BODY
		  "}", "duplicate_field:schema_version");
	REJECT_BODY(M, MESSAGE_BODY ",\"role\":\"tool\"", "duplicate_field:role");
	REJECT_BODY(M, MESSAGE_BODY ",\"seq\":1,\"seq\":1",
		    "duplicate_field:seq");
	REJECT_BODY(J, JOINED_BODY ",\"metadata\":{},\"metadata\":{}",
		    "duplicate_field:metadata");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"a\",\"email\":\"a\"",
		    "duplicate_field:email");
	REJECT_BODY(E, "\"reason\":\"error\",\"reason\":null",
		    "duplicate_field:reason");
	/* Duplicates are found before any value is judged. */
	REJECT(M, "{\"schema_version\":2,\"event_type\":\"x\",\"role\":1,"
	       "\"role\":2}", "duplicate_field:role");
	/* In fixed field order, not document order. */
	REJECT_BODY(M, MESSAGE_BODY ",\"seq\":1,\"seq\":2,\"event_id\":\"" EID
		       "\"", "duplicate_field:event_id");

	/* Any other key repeated in one object, at any depth (issue 17). */
	REJECT_BODY(M, MESSAGE_BODY ",\"x\":1,\"x\":2", "duplicate_key");
	REJECT_BODY(M, MESSAGE_BODY ",\"room_id\":1,\"room_id\":2",
		    "duplicate_key");
	REJECT_BODY(M, MESSAGE_BODY ",\"x\":{\"a\":1,\"b\":{},\"a\":2}",
		    "duplicate_key");
	REJECT_BODY(M, MESSAGE_BODY ",\"x\":[{\"a\":1},{\"b\":1,\"b\":1}]",
		    "duplicate_key");
	/* A duplicated field of the type is named, whatever else repeats. */
	REJECT_BODY(M, MESSAGE_BODY ",\"x\":1,\"x\":2,\"seq\":1,\"seq\":2",
		    "duplicate_field:seq");
	/* The same key in different objects is no duplicate. */
	if (ACCEPT(M, "{" ENV("message") "," MESSAGE_BODY
		      ",\"x\":{\"a\":1,\"y\":{\"a\":2}},\"z\":[{\"a\":1},"
		      "{\"a\":2}],\"a\":0}", &ev))
		ct_event_clear(&ev);
	/* Keys are compared exactly: these are other keys. */
	if (ACCEPT(M, "{" ENV("message") "," MESSAGE_BODY
		      ",\"Role\":1,\"role \":2,\"r\\u006fle2\":3}", &ev)) {
		CHECK(ev.u.message.role == CT_ROLE_USER);
		ct_event_clear(&ev);
	}
	/* U+0000 in any key or string, known or not (issue 17). */
	REJECT_BODY(M, MESSAGE_BODY ",\"role\\u0000\":3", "nul_in_string");
	REJECT_BODY(M, MESSAGE_BODY ",\"x\":[\"a\",{\"b\":\"\\u0000\"}]",
		    "nul_in_string");
	/* Nested keys named like fields are not fields. */
	if (ACCEPT(M, "{" ENV("message") "," MESSAGE_BODY
		      ",\"x\":{\"role\":\"tool\",\"event_id\":5}}", &ev)) {
		CHECK(ev.u.message.role == CT_ROLE_USER);
		CHECK_STR(ev.event_id, EID);
		ct_event_clear(&ev);
	}
}

static void test_envelope(void)
{
	struct ct_event ev;
	char *json;

	/* Missing, in check order. */
	REJECT(M, "{\"x\":1}", "missing_field:schema_version");
	REJECT(M, "{\"schema_version\":1}", "missing_field:event_type");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\"}",
	       "missing_field:event_id");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":\"" EID "\"}", "missing_field:occurred_at");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":\"" EID "\",\"occurred_at\":\"" TS "\"}",
	       "missing_field:session_id");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":\"" EID "\",\"occurred_at\":\"" TS "\","
		  "\"session_id\":\"" SID "\"}", "missing_field:role");
	/* null is missing. */
	REJECT(M, "{\"schema_version\":null}", "missing_field:schema_version");
	REJECT(M, "{\"schema_version\":1,\"event_type\":null}",
	       "missing_field:event_type");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":null,\"occurred_at\":null}",
	       "missing_field:event_id");

	/* schema_version. */
	REJECT(M, "{\"schema_version\":\"1\"}", "wrong_type:schema_version");
	REJECT(M, "{\"schema_version\":1.0}", "wrong_type:schema_version");
	REJECT(M, "{\"schema_version\":1e0}", "wrong_type:schema_version");
	REJECT(M, "{\"schema_version\":true}", "wrong_type:schema_version");
	REJECT(M, "{\"schema_version\":[1]}", "wrong_type:schema_version");
	REJECT(M, "{\"schema_version\":{}}", "wrong_type:schema_version");
	REJECT(M, "{\"schema_version\":2}", "unsupported_schema_version:2");
	REJECT(M, "{\"schema_version\":0}", "unsupported_schema_version:0");
	REJECT(M, "{\"schema_version\":-1}", "unsupported_schema_version:-1");
	REJECT(M, "{\"schema_version\":123456789012345678901234567890}",
	       "unsupported_schema_version:123456789012345678901234567890");
	/* Before the type and every other field. */
	REJECT(M, "{\"schema_version\":2,\"event_type\":\"call_ended\","
		  "\"event_id\":\"bad\"}", "unsupported_schema_version:2");

	/* event_type. */
	REJECT(M, "{\"schema_version\":1,\"event_type\":7}",
	       "wrong_type:event_type");
	REJECT(M, "{\"schema_version\":1,\"event_type\":[\"message\"]}",
	       "wrong_type:event_type");
	REJECT(M, "{" ENV("call_ended") "}", "type_mismatch:call_ended");
	REJECT(J, MESSAGE, "type_mismatch:message");
	REJECT(A, JOINED, "type_mismatch:participant_joined");
	REJECT(E, "{\"schema_version\":1,\"event_type\":\"authenticated\"}",
	       "type_mismatch:authenticated");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"bogus\"}",
	       "unknown_event_type:bogus");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"Message\"}",
	       "unknown_event_type:Message");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"\"}",
	       "unknown_event_type:");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\\u0000\"}",
	       "unknown_event_type:message?");
	/* Non-printable or non-ASCII code points become one '?' each. */
	REJECT(M, "{\"schema_version\":1,\"event_type\":"
		  "\"caf\xc3\xa9\\n\xf0\x9f\x98\x80!\"}",
	       "unknown_event_type:caf\?\?\?!");
	/* A long value is cut to fit the reason. */
	json = fmt("{\"schema_version\":1,\"event_type\":\"%0200d\"}", 0);
	{
		char reason[CT_EVENT_REASON_MAX];
		char *want = fmt("unknown_event_type:%0*d",
				 CT_EVENT_REASON_MAX - 1 - 19, 0);

		CHECK(ct_event_parse(M, json, strlen(json), &ev, reason) == -1);
		CHECK_STR(reason, want);
		free(want);
	}
	free(json);

	/* Wrong types of the other envelope fields. */
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":1}", "wrong_type:event_id");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":\"" EID "\",\"occurred_at\":1714564800}",
	       "wrong_type:occurred_at");
	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":\"" EID "\",\"occurred_at\":\"" TS "\","
		  "\"session_id\":{}}", "wrong_type:session_id");
}

/* Parses a message with event_id uuid; expects want or rejection. */
static void check_uuid_form(int line, const char *uuid, const char *want)
{
	char *json = fmt("{\"event_id\":\"%s\",\"event_type\":\"message\","
			 "\"schema_version\":1,\"occurred_at\":\"" TS "\","
			 "\"session_id\":\"" SID "\"," MESSAGE_BODY "}", uuid);
	struct ct_event ev;

	if (want) {
		if (accept_at(line, M, json, &ev) == 0) {
			CHECK_STR(ev.event_id, want);
			CHECK_STR(ev.u.message.message_id, want);
			CHECK(!ev.u.message.has_message_id);
			ct_event_clear(&ev);
		}
	} else {
		reject_len(line, M, json, strlen(json), "invalid_uuid:event_id");
	}
	free(json);
}

static void test_uuid(void)
{
	struct ct_event ev;

	check_uuid_form(__LINE__, EID, EID);
	check_uuid_form(__LINE__, "0F8FAD5B-D9CB-469F-A165-70867728950E", EID);
	check_uuid_form(__LINE__, "0f8FAD5b-D9cb-469f-A165-70867728950e", EID);
	check_uuid_form(__LINE__, "00000000-0000-0000-0000-000000000000",
			"00000000-0000-0000-0000-000000000000");
	check_uuid_form(__LINE__, "ffffffff-ffff-ffff-ffff-ffffffffffff",
			"ffffffff-ffff-ffff-ffff-ffffffffffff");
	check_uuid_form(__LINE__, "", NULL);
	check_uuid_form(__LINE__, "0f8fad5bd9cb469fa16570867728950e", NULL);
	check_uuid_form(__LINE__, "{0f8fad5b-d9cb-469f-a165-70867728950e}",
			NULL);
	check_uuid_form(__LINE__, "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
			NULL);
	check_uuid_form(__LINE__, "0f8fad5b-d9cb-469f-a165-70867728950", NULL);
	check_uuid_form(__LINE__, "0f8fad5b-d9cb-469f-a165-70867728950e0",
			NULL);
	check_uuid_form(__LINE__, "0f8fad5b-d9cb-469f-a165-70867728950g", NULL);
	check_uuid_form(__LINE__, "0f8fad5bd-9cb-469f-a165-70867728950e", NULL);
	check_uuid_form(__LINE__, "0f8fad5b-d9cb-469f-a165_70867728950e", NULL);
	check_uuid_form(__LINE__, " 0f8fad5b-d9cb-469f-a165-70867728950", NULL);
	check_uuid_form(__LINE__, "0f8fad5b-d9cb-469f-a165-70867728950\\u0000",
			NULL);
	check_uuid_form(__LINE__, "0f8fad5b-d9cb-469f-a165-7086772895\xc3\xa9",
			NULL);

	REJECT(M, "{\"schema_version\":1,\"event_type\":\"message\","
		  "\"event_id\":\"" EID "\",\"occurred_at\":\"" TS "\","
		  "\"session_id\":\"" SID "x\"}", "invalid_uuid:session_id");
	if (ACCEPT(M, "{" ENV("message") "," MESSAGE_BODY "}", &ev)) {
		CHECK_STR(ev.session_id, SID);
		ct_event_clear(&ev);
	}
}

/* Parses occurred_at ts; expects want_us, or rejection when !ok. */
static void check_ts(int line, const char *ts, int ok, int64_t want_us)
{
	char *json = fmt("{\"event_id\":\"" EID "\",\"event_type\":\"call_ended\","
			 "\"schema_version\":1,\"occurred_at\":\"%s\","
			 "\"session_id\":\"" SID "\"}", ts);
	struct ct_event ev;

	if (ok) {
		if (accept_at(line, E, json, &ev) == 0) {
			if (ev.occurred_at_us != want_us)
				fprintf(stderr, "line %d: %s -> %lld\n", line, ts,
					(long long)ev.occurred_at_us);
			CHECK(ev.occurred_at_us == want_us);
			ct_event_clear(&ev);
		}
	} else {
		reject_len(line, E, json, strlen(json),
			   "invalid_timestamp:occurred_at");
	}
	free(json);
}

#define TS_OK(ts, us) check_ts(__LINE__, ts, 1, us)
#define TS_BAD(ts) check_ts(__LINE__, ts, 0, 0)

static void test_timestamps(void)
{
	const int64_t s = 1000000, day = 86400 * s;

	TS_OK("1970-01-01T00:00:00Z", 0);
	TS_OK("2024-05-01T12:00:00Z", TS_US);
	TS_OK("2024-05-01t12:00:00z", TS_US);
	TS_OK("2024-05-01 12:00:00Z", TS_US);
	TS_OK("2024-05-01T12:00:00+00:00", TS_US);
	TS_OK("2024-05-01T12:00:00-00:00", TS_US);
	TS_OK("2024-05-01T14:30:00+02:30", TS_US);
	TS_OK("2024-05-01T07:00:00-05:00", TS_US);
	TS_OK("2024-05-02T11:59:00+23:59", TS_US);
	TS_OK("2024-04-30T12:01:00-23:59", TS_US);
	TS_OK("1969-07-20T20:17:40Z", INT64_C(-14182940000000));
	TS_OK("1969-12-31T23:59:59.999999Z", -1);

	/* Fractions: any number of digits, truncated to microseconds. */
	TS_OK("2024-05-01T12:00:00.5Z", TS_US + 500000);
	TS_OK("2024-05-01T12:00:00.000001Z", TS_US + 1);
	TS_OK("2024-05-01T12:00:00.123456Z", TS_US + 123456);
	TS_OK("2024-05-01T12:00:00.1234569Z", TS_US + 123456);
	TS_OK("2024-05-01T12:00:00.999999999999999999999Z", TS_US + 999999);
	TS_OK("2024-05-01T12:00:00.0000009Z", TS_US);
	TS_OK("2024-05-01T14:30:00.250+02:30", TS_US + 250000);
	TS_BAD("2024-05-01T12:00:00.Z");
	TS_BAD("2024-05-01T12:00:00,5Z");
	TS_BAD("2024-05-01T12:00:00.5");

	/* Calendar. */
	TS_OK("2024-02-29T00:00:00Z", INT64_C(1709164800000000));
	TS_OK("2000-02-29T23:59:59Z", INT64_C(951868799000000));
	TS_BAD("2023-02-29T00:00:00Z");
	TS_BAD("1900-02-29T00:00:00Z");
	TS_BAD("2024-02-30T00:00:00Z");
	TS_BAD("2024-04-31T00:00:00Z");
	TS_OK("2024-03-31T00:00:00Z", INT64_C(1711843200000000));
	TS_BAD("2024-13-01T00:00:00Z");
	TS_BAD("2024-00-01T00:00:00Z");
	TS_BAD("2024-01-00T00:00:00Z");
	TS_BAD("2024-01-32T00:00:00Z");
	TS_BAD("0000-01-01T00:00:00Z");

	/* Time of day; second 60 is the next minute's first second. */
	TS_OK("2016-12-31T23:59:60Z", INT64_C(1483228800000000));
	TS_OK("2016-12-31T23:59:60.5Z", INT64_C(1483228800500000));
	TS_OK("2024-05-01T11:59:60Z", TS_US);
	TS_OK("2024-05-01T23:59:59Z", TS_US + 43199 * s);
	TS_BAD("2024-05-01T24:00:00Z");
	TS_BAD("2024-05-01T12:60:00Z");
	TS_BAD("2024-05-01T12:00:61Z");

	/* Offsets. */
	TS_BAD("2024-05-01T12:00:00");
	TS_BAD("2024-05-01T12:00:00+24:00");
	TS_BAD("2024-05-01T12:00:00+05:60");
	TS_BAD("2024-05-01T12:00:00+0500");
	TS_BAD("2024-05-01T12:00:00+05");
	TS_BAD("2024-05-01T12:00:00 +05:00");
	TS_BAD("2024-05-01T12:00:00UTC");
	TS_BAD("2024-05-01T12:00:00ZZ");
	TS_BAD("2024-05-01T12:00:00Z ");

	/* Shape. */
	TS_BAD("");
	TS_BAD("2024-05-01");
	TS_BAD("2024-05-01T12:00Z");
	TS_BAD("2024-5-01T12:00:00Z");
	TS_BAD("24-05-01T12:00:00Z");
	TS_BAD("+2024-05-01T12:00:00Z");
	TS_BAD(" 2024-05-01T12:00:00Z");
	TS_BAD("2024-05-01_12:00:00Z");
	TS_BAD("2024/05/01T12:00:00Z");
	TS_BAD("2024-05-01T12.00.00Z");
	TS_BAD("2024-05-01T1a:00:00Z");
	TS_BAD("2024-05-01T12:00:00Z\\u0000");
	TS_BAD("1714564800");

	/* Range: the instant must be in years 1..9999 UTC. */
	TS_OK("0001-01-01T00:00:00Z", INT64_C(-62135596800000000));
	TS_OK("0001-01-01T00:00:00-01:00", INT64_C(-62135596800000000) + 3600 * s);
	TS_BAD("0001-01-01T00:00:00+01:00");
	TS_OK("9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999));
	TS_OK("9999-12-31T23:59:59+01:00", INT64_C(253402300799000000) - 3600 * s);
	TS_BAD("9999-12-31T23:59:60Z");
	TS_BAD("9999-12-31T23:00:00-01:00");
	TS_OK("9999-12-30T23:59:60Z", INT64_C(253402300800000000) - day);
}

static void check_format(int line, int64_t us, const char *want)
{
	char out[40];

	memset(out, 'x', sizeof(out));
	ct_event_format_time(us, out);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "line %d: %lld formats as %s\n", line,
			(long long)us, out);
	CHECK_STR(out, want);
}

static void test_format_time(void)
{
	const int64_t first = INT64_C(-62135596800000000);
	char out[40];

	check_format(__LINE__, 0, "1970-01-01 00:00:00.000000+00");
	check_format(__LINE__, TS_US + 123456, "2024-05-01 12:00:00.123456+00");
	check_format(__LINE__, -1, "1969-12-31 23:59:59.999999+00");
	check_format(__LINE__, INT64_C(1709164800000000),
		     "2024-02-29 00:00:00.000000+00");
	check_format(__LINE__, INT64_C(951868799000001),
		     "2000-02-29 23:59:59.000001+00");
	check_format(__LINE__, first, "0001-01-01 00:00:00.000000+00");
	check_format(__LINE__, INT64_C(253402300799999999),
		     "9999-12-31 23:59:59.999999+00");
	/* Outside what parsing yields, still valid PostgreSQL input. */
	check_format(__LINE__, first - 1, "0001-12-31 23:59:59.999999+00 BC");
	check_format(__LINE__, INT64_C(253402300800000000),
		     "10000-01-01 00:00:00.000000+00");
	ct_event_format_time(INT64_MIN, out);
	CHECK(strlen(out) < 40 && strstr(out, " BC") != NULL);
	ct_event_format_time(INT64_MAX, out);
	CHECK_STR(out, "294247-01-10 04:00:54.775807+00");
}

/* A string of n copies of unit, as a JSON string field "name":"...". */
static char *text_field(const char *name, const char *unit, size_t n)
{
	char *s = repeat(unit, n);
	char *f = fmt("\"%s\":\"%s\"", name, s);

	free(s);
	return f;
}

/*
 * Expects a text field of n units (JSON text) to be accepted with value
 * decoded*n (decoded NULL: unit*n).
 */
static void text_ok_dec(int line, enum ct_event_type t, const char *rest,
			const char *name, const char *unit,
			const char *decoded, size_t n)
{
	char *field = text_field(name, unit, n);
	char *body = rest[0] ? fmt("%s,%s", rest, field) : fmt("%s", field);
	char *json = body_event(t, body);
	char *want = repeat(decoded ? decoded : unit, n);
	const char *got = NULL;
	struct ct_event ev;

	if (accept_at(line, t, json, &ev) == 0) {
		if (!strcmp(name, "room_id"))
			got = ev.u.joined.room_id;
		else if (!strcmp(name, "participant_id"))
			got = ev.u.joined.participant_id;
		else if (!strcmp(name, "anonymous_id"))
			got = ev.u.joined.anonymous_id;
		else if (!strcmp(name, "username"))
			got = ev.u.auth.username;
		else if (!strcmp(name, "phone_number"))
			got = ev.u.auth.phone_number;
		else if (!strcmp(name, "email"))
			got = ev.u.auth.email;
		else if (!strcmp(name, "content"))
			got = ev.u.message.content;
		CHECK_STR(got, want);
		if (t == M)
			CHECK(ev.u.message.content_len == strlen(want));
		ct_event_clear(&ev);
	}
	free(want);
	free(json);
	free(body);
	free(field);
}

static void text_ok(int line, enum ct_event_type t, const char *rest,
		    const char *name, const char *unit, size_t n)
{
	text_ok_dec(line, t, rest, name, unit, NULL, n);
}

static void text_bad(int line, enum ct_event_type t, const char *rest,
		     const char *name, const char *unit, size_t n,
		     const char *want)
{
	char *field = text_field(name, unit, n);
	char *body = rest[0] ? fmt("%s,%s", rest, field) : fmt("%s", field);

	reject_body(line, t, ct_event_type_name(t), body, want);
	free(body);
	free(field);
}

/* The limits of a text field of 1..256 (min 1) or 0..256 code points. */
static void check_id_limits(enum ct_event_type t, const char *rest,
			    const char *name, size_t min)
{
	char *want;

	text_ok(__LINE__, t, rest, name, "a", 1);
	text_ok(__LINE__, t, rest, name, "a", 256);
	text_ok(__LINE__, t, rest, name, "\xc3\xa9", 256);         /* 512 B */
	text_ok(__LINE__, t, rest, name, "\xe6\x97\xa5", 256);     /* 768 B */
	text_ok(__LINE__, t, rest, name, "\xf0\x9f\x98\x80", 256); /* 1 KiB */
	text_ok_dec(__LINE__, t, rest, name, "\\u00e9", "\xc3\xa9", 256);
	text_ok_dec(__LINE__, t, rest, name, "\\ud83d\\ude00",
		    "\xf0\x9f\x98\x80", 256);
	want = fmt("oversize_field:%s", name);
	text_bad(__LINE__, t, rest, name, "a", 257, want);
	text_bad(__LINE__, t, rest, name, "\xc3\xa9", 257, want);
	text_bad(__LINE__, t, rest, name, "\xf0\x9f\x98\x80", 257, want);
	text_bad(__LINE__, t, rest, name, "\\ud83d\\ude00", 257, want);
	free(want);
	want = fmt("nul_in_string:%s", name);
	text_bad(__LINE__, t, rest, name, "\\u0000", 1, want);
	text_bad(__LINE__, t, rest, name, "a\\u0000b", 1, want);
	text_bad(__LINE__, t, rest, name, "\\u0000", 300, want);
	free(want);
	if (min) {
		want = fmt("invalid_value:%s", name);
		text_bad(__LINE__, t, rest, name, "", 0, want);
		free(want);
	} else {
		text_ok(__LINE__, t, rest, name, "", 0);
	}
}

/* Expects body (of type t) to be rejected with "what:field". */
static void bad_value(int line, enum ct_event_type t, const char *rest,
		      const char *name, const char *value, const char *what)
{
	char *body = rest[0] ? fmt("%s,\"%s\":%s", rest, name, value)
			     : fmt("\"%s\":%s", name, value);
	char *want = fmt("%s:%s", what, name);

	reject_body(line, t, ct_event_type_name(t), body, want);
	free(want);
	free(body);
}

static void test_joined(void)
{
	const char *rp = "\"room_id\":\"r\",\"participant_id\":\"p\"";
	struct ct_event ev;

	if (ACCEPT(J, JOINED, &ev)) {
		CHECK(ev.type == J);
		CHECK_STR(ev.u.joined.room_id, "r1");
		CHECK_STR(ev.u.joined.participant_id, "p1");
		CHECK(ev.u.joined.anonymous_id == NULL);
		CHECK(ev.u.joined.metadata_json == NULL);
		CHECK(ev.occurred_at_us == TS_US);
		ct_event_clear(&ev);
	}
	if (ACCEPT(J, "{" ENV("participant_joined") "," JOINED_BODY
		      ",\"anonymous_id\":null,\"metadata\":null}", &ev)) {
		CHECK(ev.u.joined.anonymous_id == NULL);
		CHECK(ev.u.joined.metadata_json == NULL);
		ct_event_clear(&ev);
	}

	REJECT_BODY(J, "\"participant_id\":\"p\"", "missing_field:room_id");
	REJECT_BODY(J, "\"room_id\":null,\"participant_id\":\"p\"",
		    "missing_field:room_id");
	REJECT_BODY(J, "\"x\":1", "missing_field:room_id");
	REJECT_BODY(J, "\"room_id\":\"r\"", "missing_field:participant_id");
	REJECT_BODY(J, "\"participant_id\":\"\",\"room_id\":\"\"",
		    "invalid_value:room_id");
	bad_value(__LINE__, J, "\"participant_id\":\"p\"", "room_id", "1",
		  "wrong_type");
	bad_value(__LINE__, J, "\"participant_id\":\"p\"", "room_id", "[\"r\"]",
		  "wrong_type");
	bad_value(__LINE__, J, "\"room_id\":\"r\"", "participant_id", "true",
		  "wrong_type");
	bad_value(__LINE__, J, rp, "anonymous_id", "0", "wrong_type");
	bad_value(__LINE__, J, rp, "anonymous_id", "{}", "wrong_type");

	check_id_limits(J, "\"participant_id\":\"p\"", "room_id", 1);
	check_id_limits(J, "\"room_id\":\"r\"", "participant_id", 1);
	check_id_limits(J, rp, "anonymous_id", 0);
}

/* Accepts participant_joined with metadata m; expects compact form want. */
static void metadata_ok(int line, const char *m, const char *want)
{
	char *body = fmt("\"room_id\":\"r\",\"participant_id\":\"p\","
			 "\"metadata\":%s", m);
	char *json = body_event(J, body);
	struct ct_event ev;

	if (accept_at(line, J, json, &ev) == 0) {
		CHECK_STR(ev.u.joined.metadata_json, want);
		ct_event_clear(&ev);
	}
	free(json);
	free(body);
}

static void metadata_bad(int line, const char *m, const char *want)
{
	char *body = fmt("\"room_id\":\"r\",\"participant_id\":\"p\","
			 "\"metadata\":%s", m);

	reject_body(line, J, "participant_joined", body, want);
	free(body);
}

/* {"k":"xxx..."} with n bytes serialized (n >= 8). */
static char *metadata_of_size(size_t n, const char *pad)
{
	char *x = repeat("x", n - 8);
	char *m = fmt("{%s\"k\"%s:%s\"%s\"%s}", pad, pad, pad, x, pad);

	free(x);
	return m;
}

/* n nested objects {"a":{"a":...{}}}. */
static char *nested(size_t n)
{
	char *open = repeat("{\"a\":", n - 1);
	char *close = repeat("}", n - 1);
	char *m = fmt("%s{}%s", open, close);

	free(open);
	free(close);
	return m;
}

static void test_metadata(void)
{
	char *m, *w;

	metadata_ok(__LINE__, "{}", "{}");
	metadata_ok(__LINE__, " { } ", "{}");
	metadata_ok(__LINE__,
		    "{ \"a\" : [ 1 , -2.50e+3 , { \"b\" : null } ] ,\n"
		    "  \"c\" : \"x\\u00e9\\n\\\"\\/\" , \"d\" : [ ] ,"
		    " \"e\" : true, \"f\": false, \"\": 0 }",
		    "{\"a\":[1,-2.50e+3,{\"b\":null}],"
		    "\"c\":\"x\xc3\xa9\\n\\\"/\",\"d\":[],"
		    "\"e\":true,\"f\":false,\"\":0}");
	/* Keys inside metadata may look like fields, but not repeat. */
	metadata_ok(__LINE__, "{\"event_id\":1,\"session_id\":2}",
		    "{\"event_id\":1,\"session_id\":2}");
	metadata_bad(__LINE__, "{\"event_id\":1,\"event_id\":2}",
		     "duplicate_key");

	metadata_bad(__LINE__, "[]", "wrong_type:metadata");
	metadata_bad(__LINE__, "\"{}\"", "wrong_type:metadata");
	metadata_bad(__LINE__, "1", "wrong_type:metadata");
	metadata_bad(__LINE__, "false", "wrong_type:metadata");
	metadata_bad(__LINE__, "{\"a\":\"\\u0000\"}", "nul_in_string:metadata");
	metadata_bad(__LINE__, "{\"a\":[{\"b\":\"x\\u0000y\"}]}",
		     "nul_in_string:metadata");
	metadata_bad(__LINE__, "{\"a\\u0000\":1}", "nul_in_string:metadata");

	/* 16 KiB serialized; input white space does not count. */
	m = metadata_of_size(CT_EVENT_MAX_METADATA_BYTES, "");
	metadata_ok(__LINE__, m, m);
	free(m);
	m = metadata_of_size(CT_EVENT_MAX_METADATA_BYTES, "    ");
	w = metadata_of_size(CT_EVENT_MAX_METADATA_BYTES, "");
	CHECK(strlen(m) > CT_EVENT_MAX_METADATA_BYTES);
	metadata_ok(__LINE__, m, w);
	free(w);
	free(m);
	m = metadata_of_size(CT_EVENT_MAX_METADATA_BYTES + 1, "");
	metadata_bad(__LINE__, m, "oversize_field:metadata");
	free(m);
	m = metadata_of_size(1000000, "");
	metadata_bad(__LINE__, m, "oversize_field:metadata");
	free(m);

	/* Nesting: CT_EVENT_MAX_DEPTH levels in all, the event's own object
	 * being the first, so metadata may nest 31 deep. */
	m = nested(CT_EVENT_MAX_DEPTH - 1);
	metadata_ok(__LINE__, m, m);
	free(m);
	m = nested(CT_EVENT_MAX_DEPTH);
	metadata_bad(__LINE__, m, "nesting_too_deep");
	free(m);
	m = nested(5000);
	metadata_bad(__LINE__, m, "nesting_too_deep");
	free(m);

	/* The same in an unknown field, with arrays; the parse stops there,
	 * so even a document cut short after it is too deep, not not_json. */
	{
		char *open = repeat("[", CT_EVENT_MAX_DEPTH - 1);
		char *close = repeat("]", CT_EVENT_MAX_DEPTH - 1);
		char *body = fmt(JOINED_BODY ",\"x\":%s%s", open, close);
		char *json = body_event(J, body);
		struct ct_event ev;

		if (ACCEPT(J, json, &ev))
			ct_event_clear(&ev);
		free(json);
		free(body);
		free(open);
		free(close);
		open = repeat("[", 5000);
		close = repeat("]", 5000);
		body = fmt(JOINED_BODY ",\"x\":%s%s", open, close);
		json = body_event(J, body);
		reject_len(__LINE__, J, json, strlen(json), "nesting_too_deep");
		json[strlen(json) - 10] = '\0';
		reject_len(__LINE__, J, json, strlen(json), "nesting_too_deep");
		free(json);
		free(body);
		free(open);
		free(close);
	}

	/* metadata of another type's event is an unknown field. */
	{
		struct ct_event ev;

		if (ACCEPT(M, "{" ENV("message") "," MESSAGE_BODY
			      ",\"metadata\":\"x\\u0000\"}", &ev))
			ct_event_clear(&ev);
	}
}

static void test_message(void)
{
	const char *rc = "\"role\":\"user\",\"content\":\"c\"";
	struct ct_event ev;
	char *json;
	size_t i;

	if (ACCEPT(M, MESSAGE, &ev)) {
		CHECK(ev.type == M);
		CHECK(!ev.u.message.has_message_id);
		CHECK_STR(ev.u.message.message_id, EID);
		CHECK(ev.u.message.role == CT_ROLE_USER);
		CHECK_STR(ev.u.message.content, "hi");
		CHECK(ev.u.message.content_len == 2);
		CHECK(!ev.u.message.has_seq);
		ct_event_clear(&ev);
	}
	if (ACCEPT(M, "{" ENV("message") ",\"message_id\":\""
		      "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D\"," MESSAGE_BODY
		      "}", &ev)) {
		CHECK(ev.u.message.has_message_id);
		CHECK_STR(ev.u.message.message_id, MID);
		ct_event_clear(&ev);
	}
	if (ACCEPT(M, "{" ENV("message") ",\"message_id\":null,\"seq\":null,"
		      MESSAGE_BODY "}", &ev)) {
		CHECK(!ev.u.message.has_message_id);
		CHECK_STR(ev.u.message.message_id, EID);
		CHECK(!ev.u.message.has_seq);
		ct_event_clear(&ev);
	}
	bad_value(__LINE__, M, rc, "message_id", "\"x\"", "invalid_uuid");
	bad_value(__LINE__, M, rc, "message_id", "\"\"", "invalid_uuid");
	bad_value(__LINE__, M, rc, "message_id", "1", "wrong_type");
	/* message_id is checked before role. */
	REJECT_BODY(M, "\"message_id\":\"x\"", "invalid_uuid:message_id");

	/* role */
	for (i = 0; i < 4; i++) {
		char *body = fmt("\"role\":\"%s\",\"content\":\"\"",
				 ct_event_role_name((enum ct_role)i));

		json = body_event(M, body);
		if (ACCEPT(M, json, &ev)) {
			CHECK(ev.u.message.role == (enum ct_role)i);
			ct_event_clear(&ev);
		}
		free(json);
		free(body);
	}
	REJECT_BODY(M, "\"content\":\"c\"", "missing_field:role");
	REJECT_BODY(M, "\"role\":null,\"content\":\"c\"", "missing_field:role");
	REJECT_BODY(M, "\"role\":\"User\",\"content\":\"c\"",
		    "invalid_value:role");
	REJECT_BODY(M, "\"role\":\"\",\"content\":\"c\"", "invalid_value:role");
	REJECT_BODY(M, "\"role\":\"user \",\"content\":\"c\"",
		    "invalid_value:role");
	REJECT_BODY(M, "\"role\":\"user\\u0000\",\"content\":\"c\"",
		    "invalid_value:role");
	REJECT_BODY(M, "\"role\":\"human\"", "invalid_value:role");
	REJECT_BODY(M, "\"role\":0,\"content\":\"c\"", "wrong_type:role");

	/* content */
	REJECT_BODY(M, "\"role\":\"user\"", "missing_field:content");
	REJECT_BODY(M, "\"role\":\"user\",\"content\":null",
		    "missing_field:content");
	REJECT_BODY(M, "\"role\":\"user\",\"content\":1", "wrong_type:content");
	REJECT_BODY(M, "\"role\":\"user\",\"content\":[\"a\"]",
		    "wrong_type:content");
	REJECT_BODY(M, "\"role\":\"user\",\"content\":\"a\\u0000\"",
		    "nul_in_string:content");
	text_ok(__LINE__, M, "\"role\":\"user\"", "content", "", 0);
	text_ok(__LINE__, M, "\"role\":\"user\"", "content", "a", 65536);
	text_ok(__LINE__, M, "\"role\":\"user\"", "content",
		"\xf0\x9f\x98\x80", 16384);
	text_ok_dec(__LINE__, M, "\"role\":\"user\"", "content", "\\n", "\n",
		    65536);
	text_bad(__LINE__, M, "\"role\":\"user\"", "content", "a", 65537,
		 "oversize_field:content");
	text_bad(__LINE__, M, "\"role\":\"user\"", "content", "\xc3\xa9",
		 32769, "oversize_field:content");
	text_bad(__LINE__, M, "\"role\":\"user\"", "content", "\\u00e9",
		 32769, "oversize_field:content");
	/* 65535 bytes + one 2-byte character = 65537 bytes. */
	{
		char *a = repeat("a", 65535);
		char *body = fmt("\"role\":\"user\",\"content\":\"%s\xc3\xa9\"", a);

		reject_body(__LINE__, M, "message", body,
			    "oversize_field:content");
		free(body);
		free(a);
	}
	/* Escapes decode; content_len counts bytes. */
	if (ACCEPT(M, "{" ENV("message") ",\"role\":\"tool\",\"content\":"
		      "\"a\\n\\t\\\"\\\\\\/\\b\\f\\r\\u00e9\\u20ac\"}", &ev)) {
		CHECK_STR(ev.u.message.content,
			  "a\n\t\"\\/\b\f\r\xc3\xa9\xe2\x82\xac");
		CHECK(ev.u.message.content_len == 14);
		CHECK(ev.u.message.role == CT_ROLE_TOOL);
		ct_event_clear(&ev);
	}
}

/* A message with "seq": value; expects want or rejection reason. */
static void check_seq(int line, const char *value, int64_t want,
		      const char *reason)
{
	char *body = fmt(MESSAGE_BODY ",\"seq\":%s", value);
	char *json = body_event(M, body);
	struct ct_event ev;

	if (reason) {
		reject_len(line, M, json, strlen(json), reason);
	} else if (accept_at(line, M, json, &ev) == 0) {
		CHECK(ev.u.message.has_seq);
		CHECK(ev.u.message.seq == want);
		ct_event_clear(&ev);
	}
	free(json);
	free(body);
}

static void test_seq(void)
{
	check_seq(__LINE__, "0", 0, NULL);
	check_seq(__LINE__, "-0", 0, NULL);
	check_seq(__LINE__, "42", 42, NULL);
	check_seq(__LINE__, "9223372036854775807", INT64_MAX, NULL);
	check_seq(__LINE__, "9223372036854775808", 0, "invalid_value:seq");
	check_seq(__LINE__, "99999999999999999999999", 0, "invalid_value:seq");
	check_seq(__LINE__, "-1", 0, "invalid_value:seq");
	check_seq(__LINE__, "-9223372036854775809", 0, "invalid_value:seq");
	check_seq(__LINE__, "1.0", 0, "wrong_type:seq");
	check_seq(__LINE__, "1.5", 0, "wrong_type:seq");
	check_seq(__LINE__, "1e2", 0, "wrong_type:seq");
	check_seq(__LINE__, "1E2", 0, "wrong_type:seq");
	check_seq(__LINE__, "-1.5", 0, "wrong_type:seq");
	check_seq(__LINE__, "\"1\"", 0, "wrong_type:seq");
	check_seq(__LINE__, "true", 0, "wrong_type:seq");
	check_seq(__LINE__, "[1]", 0, "wrong_type:seq");
}

static void test_authenticated(void)
{
	struct ct_event ev;
	char *json;

	json = body_event(A, AUTH_BODY);
	if (ACCEPT(A, json, &ev)) {
		CHECK(ev.type == A);
		CHECK_STR(ev.u.auth.username, "alice");
		CHECK(ev.u.auth.phone_number == NULL);
		CHECK(ev.u.auth.email == NULL);
		ct_event_clear(&ev);
	}
	free(json);
	json = body_event(A, AUTH_BODY ",\"phone_number\":null,\"email\":null");
	if (ACCEPT(A, json, &ev)) {
		CHECK(ev.u.auth.phone_number == NULL);
		CHECK(ev.u.auth.email == NULL);
		ct_event_clear(&ev);
	}
	free(json);
	/* E.164 phone numbers and plausible addresses pass as sent. */
	json = body_event(A, AUTH_BODY ",\"phone_number\":\"+263771234567\","
				       "\"email\":\"tendai.m+bank@mail.example.co.zw\"");
	if (ACCEPT(A, json, &ev)) {
		CHECK_STR(ev.u.auth.phone_number, "+263771234567");
		CHECK_STR(ev.u.auth.email, "tendai.m+bank@mail.example.co.zw");
		ct_event_clear(&ev);
	}
	free(json);
	/* anything else is an invalid optional field: dead-lettered */
	REJECT_BODY(A, AUTH_BODY ",\"phone_number\":\"0771 234 567\"",
		    "invalid_value:phone_number");
	REJECT_BODY(A, AUTH_BODY ",\"phone_number\":\"263771234567\"",
		    "invalid_value:phone_number");
	REJECT_BODY(A, AUTH_BODY ",\"phone_number\":\"+0771234567\"",
		    "invalid_value:phone_number");
	REJECT_BODY(A, AUTH_BODY ",\"phone_number\":\"+1234567\"",
		    "invalid_value:phone_number");
	REJECT_BODY(A, AUTH_BODY ",\"phone_number\":\"+1234567890123456\"",
		    "invalid_value:phone_number");
	REJECT_BODY(A, AUTH_BODY ",\"phone_number\":\"\"",
		    "invalid_value:phone_number");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"not an address\"",
		    "invalid_value:email");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"a@b\"", "invalid_value:email");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"@b.com\"", "invalid_value:email");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"a@b@c.com\"",
		    "invalid_value:email");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"a@b.com.\"",
		    "invalid_value:email");
	REJECT_BODY(A, AUTH_BODY ",\"email\":\"\"", "invalid_value:email");

	REJECT_BODY(A, "\"email\":\"a@b\"", "missing_field:username");
	REJECT_BODY(A, "\"username\":null", "missing_field:username");
	REJECT_BODY(A, "\"username\":42", "wrong_type:username");
	REJECT_BODY(A, "\"username\":\"\"", "invalid_value:username");
	bad_value(__LINE__, A, AUTH_BODY, "phone_number", "263771234567",
		  "wrong_type");
	bad_value(__LINE__, A, AUTH_BODY, "phone_number", "\"+26377\\u00001234\"",
		  "nul_in_string");
	bad_value(__LINE__, A, AUTH_BODY, "email", "[]", "wrong_type");
	/* Field order: username, phone_number, email. */
	REJECT_BODY(A, "\"email\":1,\"phone_number\":1,\"username\":\"\"",
		    "invalid_value:username");
	REJECT_BODY(A, "\"email\":1,\"phone_number\":1,\"username\":\"u\"",
		    "wrong_type:phone_number");

	check_id_limits(A, "", "username", 1);
}

/* A call_ended with body; expects reason/duration or rejection. */
static void check_ended(int line, const char *body, enum ct_end_reason r,
			int has_duration, double duration, const char *reason)
{
	char *json = body_event(E, body);
	struct ct_event ev;

	if (reason) {
		reject_len(line, E, json, strlen(json), reason);
	} else if (accept_at(line, E, json, &ev) == 0) {
		CHECK(ev.u.ended.reason == r);
		CHECK(ev.u.ended.has_duration == (has_duration != 0));
		CHECK(ev.u.ended.duration_seconds == duration);
		CHECK(!signbit(ev.u.ended.duration_seconds));
		ct_event_clear(&ev);
	}
	free(json);
}

static void test_call_ended(void)
{
	struct ct_event ev;

	if (ACCEPT(E, ENDED, &ev)) {
		CHECK(ev.type == E);
		CHECK(ev.u.ended.reason == CT_END_NONE);
		CHECK(!ev.u.ended.has_duration);
		ct_event_clear(&ev);
	}
	check_ended(__LINE__, "\"reason\":\"hangup\"", CT_END_HANGUP, 0, 0, NULL);
	check_ended(__LINE__, "\"reason\":\"timeout\"", CT_END_TIMEOUT, 0, 0,
		    NULL);
	check_ended(__LINE__, "\"reason\":\"error\"", CT_END_ERROR, 0, 0, NULL);
	check_ended(__LINE__, "\"reason\":\"transfer\"", CT_END_TRANSFER, 0, 0,
		    NULL);
	check_ended(__LINE__, "\"reason\":null,\"duration_seconds\":null",
		    CT_END_NONE, 0, 0, NULL);
	check_ended(__LINE__, "\"reason\":\"HANGUP\"", 0, 0, 0,
		    "invalid_value:reason");
	check_ended(__LINE__, "\"reason\":\"\"", 0, 0, 0, "invalid_value:reason");
	check_ended(__LINE__, "\"reason\":\"stale\"", 0, 0, 0,
		    "invalid_value:reason");
	check_ended(__LINE__, "\"reason\":1", 0, 0, 0, "wrong_type:reason");

	check_ended(__LINE__, "\"duration_seconds\":0", 0, 1, 0, NULL);
	check_ended(__LINE__, "\"duration_seconds\":-0", 0, 1, 0, NULL);
	check_ended(__LINE__, "\"duration_seconds\":-0.0", 0, 1, 0, NULL);
	check_ended(__LINE__, "\"duration_seconds\":300", 0, 1, 300, NULL);
	check_ended(__LINE__, "\"duration_seconds\":12.25", 0, 1, 12.25, NULL);
	check_ended(__LINE__, "\"duration_seconds\":1.5e3", 0, 1, 1500, NULL);
	check_ended(__LINE__, "\"duration_seconds\":1e-400", 0, 1, 0, NULL);
	check_ended(__LINE__, "\"duration_seconds\":-1", 0, 0, 0,
		    "invalid_value:duration_seconds");
	check_ended(__LINE__, "\"duration_seconds\":-0.001", 0, 0, 0,
		    "invalid_value:duration_seconds");
	check_ended(__LINE__, "\"duration_seconds\":1e400", 0, 0, 0,
		    "invalid_value:duration_seconds");
	check_ended(__LINE__, "\"duration_seconds\":\"12\"", 0, 0, 0,
		    "wrong_type:duration_seconds");
	check_ended(__LINE__, "\"duration_seconds\":false", 0, 0, 0,
		    "wrong_type:duration_seconds");
	/* Field order: reason, then duration_seconds. */
	check_ended(__LINE__, "\"duration_seconds\":-1,\"reason\":\"x\"", 0, 0,
		    0, "invalid_value:reason");
}

static void test_unknown_fields(void)
{
	struct ct_event ev;

	/* Unknown fields of any kind and depth are ignored. */
	if (ACCEPT(M, "{\"zzz\":{\"role\":[1,{\"content\":null}]},"
		      "\"extra\":\"\\u0001\",\"n\":1e999,\"b\":true,\"u\":null,"
		      ENV("message") "," MESSAGE_BODY
		      ",\"username\":5,\"room_id\":null,\"reason\":\"?\"}", &ev)) {
		CHECK_STR(ev.u.message.content, "hi");
		ct_event_clear(&ev);
	}
	/* Field order in the document does not matter. */
	if (ACCEPT(M, "{\"content\":\"hi\",\"session_id\":\"" SID "\","
		      "\"role\":\"system\",\"occurred_at\":\"" TS "\","
		      "\"schema_version\":1,\"event_type\":\"message\","
		      "\"event_id\":\"" EID "\"}", &ev)) {
		CHECK(ev.u.message.role == CT_ROLE_SYSTEM);
		CHECK_STR(ev.session_id, SID);
		ct_event_clear(&ev);
	}
}

/* A rejection late in the checks frees what earlier checks took. */
static void test_rejection_frees(void)
{
	char reason[CT_EVENT_REASON_MAX];
	struct ct_event ev;
	const char *json;

	json = "{" ENV("participant_joined") "," JOINED_BODY
	       ",\"anonymous_id\":\"a\",\"metadata\":[]}";
	CHECK(ct_event_parse(J, json, strlen(json), &ev, reason) == -1);
	CHECK_STR(reason, "wrong_type:metadata");
	CHECK(event_is_empty(&ev));
	json = "{" ENV("authenticated") ",\"username\":\"u\","
	       "\"phone_number\":\"+263771234567\",\"email\":\"\\u0000\"}";
	CHECK(ct_event_parse(A, json, strlen(json), &ev, reason) == -1);
	CHECK_STR(reason, "nul_in_string:email");
	CHECK(event_is_empty(&ev));
	json = "{" ENV("message") "," MESSAGE_BODY ",\"seq\":-1}";
	CHECK(ct_event_parse(M, json, strlen(json), &ev, reason) == -1);
	CHECK_STR(reason, "invalid_value:seq");
	CHECK(event_is_empty(&ev));

	/* Parsing again over an event that was cleared works. */
	CHECK(ct_event_parse(M, MESSAGE, strlen(MESSAGE), &ev, reason) == 0);
	ct_event_clear(&ev);
	ct_event_clear(&ev);
	ct_event_clear(NULL);
}

static void test_names(void)
{
	CHECK_STR(ct_event_type_name(CT_EVENT_PARTICIPANT_JOINED),
		  "participant_joined");
	CHECK_STR(ct_event_type_name(CT_EVENT_MESSAGE), "message");
	CHECK_STR(ct_event_type_name(CT_EVENT_AUTHENTICATED), "authenticated");
	CHECK_STR(ct_event_type_name(CT_EVENT_CALL_ENDED), "call_ended");
	CHECK(ct_event_type_name(CT_EVENT_TYPE_COUNT) == NULL);
	CHECK_STR(ct_event_role_name(CT_ROLE_USER), "user");
	CHECK_STR(ct_event_role_name(CT_ROLE_ASSISTANT), "assistant");
	CHECK_STR(ct_event_role_name(CT_ROLE_SYSTEM), "system");
	CHECK_STR(ct_event_role_name(CT_ROLE_TOOL), "tool");
	CHECK(ct_event_end_reason_name(CT_END_NONE) == NULL);
	CHECK_STR(ct_event_end_reason_name(CT_END_HANGUP), "hangup");
	CHECK_STR(ct_event_end_reason_name(CT_END_TIMEOUT), "timeout");
	CHECK_STR(ct_event_end_reason_name(CT_END_ERROR), "error");
	CHECK_STR(ct_event_end_reason_name(CT_END_TRANSFER), "transfer");
}

int main(void)
{
	test_fixtures();
	test_empty_and_structure();
	test_utf8();
	test_duplicates();
	test_envelope();
	test_uuid();
	test_timestamps();
	test_format_time();
	test_joined();
	test_metadata();
	test_message();
	test_seq();
	test_authenticated();
	test_call_ended();
	test_unknown_fields();
	test_rejection_frees();
	test_names();
	return ct_check_done();
}
