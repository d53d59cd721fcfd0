/*
 * Unit tests of erasure requests (profile_erasure_requested in
 * src/core/event.c, schemas/profile-erasure-requested.schema.json) and of the
 * denylist's keyed hash (src/core/hmac.c).  The expected hashes were computed
 * independently with Python's hmac module.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "convtrack/hmac.h"
#include "convtrack/event.h"

#define EID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define PID "7C9E6679-7425-40DE-944B-E07FC1F90AE7"
#define TS "2024-05-01T12:00:00Z"
#define ENV "\"event_id\":\"" EID "\",\"event_type\":\"profile_erasure_requested\"," \
	"\"schema_version\":1,\"occurred_at\":\"" TS "\""

static const enum ct_event_type R = CT_EVENT_ERASURE_REQUESTED;

/* Parses s as an erasure request; returns the reason ("" when valid). */
static const char *parse(const char *s, struct ct_event *ev)
{
	static char reason[CT_EVENT_REASON_MAX];

	if (ct_event_parse(R, s, strlen(s), ev, reason) == 0)
		reason[0] = '\0';
	return reason;
}

static void test_valid(void)
{
	struct ct_event ev;

	CHECK_STR(parse("{" ENV ",\"username\":\"tariro.m\"}", &ev), "");
	CHECK(ev.type == R);
	CHECK_STR(ev.u.erasure.username, "tariro.m");
	CHECK(ev.u.erasure.profile_id[0] == '\0');
	CHECK(ev.u.erasure.requested_by == NULL && ev.u.erasure.reason == NULL);
	CHECK(ev.session_id[0] == '\0');
	CHECK(ev.occurred_at_us == INT64_C(1714564800000000));
	ct_event_clear(&ev);

	CHECK_STR(parse("{" ENV ",\"profile_id\":\"" PID "\",\"requested_by\":"
			"\"dpo@bank\",\"reason\":\"request 42\",\"session_id\":null}",
			&ev), "");
	CHECK_STR(ev.u.erasure.profile_id, "7c9e6679-7425-40de-944b-e07fc1f90ae7");
	CHECK(ev.u.erasure.username == NULL);
	CHECK_STR(ev.u.erasure.requested_by, "dpo@bank");
	CHECK_STR(ev.u.erasure.reason, "request 42");
	ct_event_clear(&ev);

	/* null optionals are absent; unknown fields are ignored */
	CHECK_STR(parse("{" ENV ",\"username\":\"u\",\"profile_id\":null,"
			"\"reason\":null,\"extra\":[1,2]}", &ev), "");
	CHECK(ev.u.erasure.reason == NULL);
	ct_event_clear(&ev);
}

static void test_invalid(void)
{
	static const struct {
		const char *json, *reason;
	} cases[] = {
		{ "{" ENV "}", "missing_field:username" },
		{ "{" ENV ",\"username\":null}", "missing_field:username" },
		{ "{" ENV ",\"username\":\"u\",\"profile_id\":\"" PID "\"}",
		  "invalid_value:profile_id" },
		{ "{" ENV ",\"username\":\"\"}", "invalid_value:username" },
		{ "{" ENV ",\"username\":7}", "wrong_type:username" },
		{ "{" ENV ",\"profile_id\":\"not-a-uuid\"}", "invalid_uuid:profile_id" },
		{ "{" ENV ",\"username\":\"u\",\"reason\":5}", "wrong_type:reason" },
		{ "{" ENV ",\"username\":\"u\",\"requested_by\":\"\"}",
		  "invalid_value:requested_by" },
		{ "{" ENV ",\"username\":\"a\\u0000b\"}", "nul_in_string:username" },
		{ "{" ENV ",\"username\":\"u\",\"username\":\"v\"}",
		  "duplicate_field:username" },
		{ "{" ENV ",\"username\":\"u\",\"reason\":\"a\",\"reason\":\"b\"}",
		  "duplicate_field:reason" },
		{ "{\"event_id\":\"" EID "\",\"event_type\":\"authenticated\","
		  "\"schema_version\":1,\"occurred_at\":\"" TS "\",\"username\":\"u\"}",
		  "type_mismatch:authenticated" },
		{ "{\"event_id\":\"" EID "\",\"event_type\":\"profile_erasure_requested\","
		  "\"schema_version\":1,\"username\":\"u\"}", "missing_field:occurred_at" },
	};
	struct ct_event ev;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = parse(cases[i].json, &ev);

		CHECK_STR(got, cases[i].reason);
		if (*got)
			CHECK(ev.u.erasure.username == NULL);
		else
			ct_event_clear(&ev);
	}
}

static void test_topics_stay_apart(void)
{
	char reason[CT_EVENT_REASON_MAX];
	static const char req[] = "{" ENV ",\"username\":\"u\"}";
	struct ct_event ev;

	/* an erasure request on the authenticated topic is not a login */
	CHECK(ct_event_parse(CT_EVENT_AUTHENTICATED, req, strlen(req), &ev,
			     reason) < 0);
	CHECK_STR(reason, "type_mismatch:profile_erasure_requested");
	CHECK_STR(ct_event_type_name(R), "profile_erasure_requested");
}

static void test_hash(void)
{
	static const char key[] = "0123456789abcdef";
	char out[CT_HMAC_HEX_LEN], again[CT_HMAC_HEX_LEN];
	char long_key[101], big[2100];
	struct ct_hmac *h = NULL, *h15 = NULL, *hl = NULL;

	CHECK(ct_hmac_new(key, 16, &h) == 0 && h);
	CHECK(ct_hmac_new(key, 15, &h15) == 0 && h15);
	memset(long_key, 'k', 100);
	long_key[100] = '\0';
	CHECK(ct_hmac_new(long_key, 100, &hl) == 0 && hl);
	if (!h || !h15 || !hl)
		goto out_free;
	CHECK(ct_hmac_name(h, "session", "7c9e6679-7425-40de-944b-e07fc1f90ae7",
			      out) == 0);
	CHECK_STR(out, "77e13745754b650ddfa395edb2674e116a615090fc2441fb5ac37769fc1482d4");
	CHECK(ct_hmac_name(h, "username", "alice", out) == 0);
	CHECK_STR(out, "545a994923d05f00091c7af7acb12b910662dbda4df8bbc75b1935d8a76a8ee8");
	/* the same again: the hasher's scratch state does not leak over */
	CHECK(ct_hmac_name(h, "username", "alice", again) == 0);
	CHECK_STR(again, out);
	/* a key longer than a block is hashed first (RFC 2104) */
	CHECK(ct_hmac_name(hl, "username", "alice", again) == 0);
	CHECK_STR(again, "d9b6c54c13c1e1b9158cdc6431b8e08790defdcb2ecf73aefcbd7405c5ce0936");
	/* the kind separates domains; the key matters */
	CHECK(ct_hmac_name(h, "session", "alice", again) == 0);
	CHECK(strcmp(out, again) != 0);
	CHECK(ct_hmac_name(h15, "username", "alice", again) == 0);
	CHECK(strcmp(out, again) != 0);
	CHECK(ct_hmac_name(h, NULL, "alice", out) < 0);
	CHECK(ct_hmac_name(h, "username", NULL, out) < 0);
	CHECK(ct_hmac_name(NULL, "username", "alice", out) < 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(ct_hmac_name(h, "username", big, out) < 0);
out_free:
	ct_hmac_free(h);
	ct_hmac_free(h15);
	ct_hmac_free(hl);
	ct_hmac_free(NULL);
	CHECK(ct_hmac_new(key, 0, &h) < 0 && !h);
	CHECK(ct_hmac_new(NULL, 16, &h) < 0 && !h);
}

int main(void)
{
	test_valid();
	test_invalid();
	test_topics_stay_apart();
	test_hash();
	return ct_check_done();
}
