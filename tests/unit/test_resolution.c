/*
 * Unit tests of the resolution rules: the fixture conversations of
 * tests/fixtures/conversations/ (one per rule and its exceptions), the end
 * reasons, and edge cases (no turns, unknown reasons, names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conversation_fixture.h"
#include "convtrack/resolution.h"


static void check_fixture(const char *name)
{
	struct fixture f;
	const char *got;

	if (fixture_load(name, &f) < 0) {
		fprintf(stderr, "fixture %s: missing or malformed\n", name);
		CHECK(0);
		free(f.buf);
		return;
	}
	got = ct_resolution_name(ct_resolution_classify(f.turns, f.n,
							f.end_reason));
	if (strcmp(got, f.resolution) != 0)
		fprintf(stderr, "fixture %s:\n", name);
	CHECK_STR(got, f.resolution);
	free(f.buf);
}

static enum ct_resolution classify1(enum ct_text_speaker who, const char *text,
				    const char *end_reason)
{
	struct ct_turn t[2] = {
		{ CT_SPEAKER_USER, "I have a question about my card.", 32 },
		{ who, text, strlen(text) },
	};

	return ct_resolution_classify(t, 2, end_reason);
}

int main(void)
{
	static const char *const fixtures[] = {
		"balance_thanks.txt",	     "human_request.txt",
		"transfer_end.txt",	     "assistant_handover.txt",
		"offer_declined.txt",	     "stale_thanks.txt",
		"abandoned_question.txt",    "midflow_hangup.txt",
		"timeout_silence.txt",	     "still_not_working.txt",
		"card_blocked.txt",	     "card_blocked_error.txt",
		"opening_thanks.txt",	     "transcript_no_punctuation.txt",
		"angry_then_happy.txt",	     "request_then_solved.txt",
		"thanks_for_nothing.txt",    "agent_short.txt",
	};
	const enum ct_text_speaker U = CT_SPEAKER_USER, A = CT_SPEAKER_ASSISTANT;
	size_t i;

	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		check_fixture(fixtures[i]);

	/* Names. */
	CHECK_STR(ct_resolution_name(CT_RESOLUTION_RESOLVED), "resolved");
	CHECK_STR(ct_resolution_name(CT_RESOLUTION_ESCALATED), "escalated");
	CHECK_STR(ct_resolution_name(CT_RESOLUTION_INCOMPLETE), "incomplete");
	CHECK_STR(ct_resolution_name((enum ct_resolution)42), "incomplete");

	/* No turns: nothing was resolved; the end reasons still decide. */
	CHECK(ct_resolution_classify(NULL, 0, NULL) == CT_RESOLUTION_INCOMPLETE);
	CHECK(ct_resolution_classify(NULL, 0, "transfer") ==
	      CT_RESOLUTION_ESCALATED);
	CHECK(ct_resolution_classify(NULL, 0, "stale") ==
	      CT_RESOLUTION_INCOMPLETE);

	/* The end reason: stale and transfer win over any words. */
	CHECK(classify1(U, "Thank you, that worked.", "hangup") ==
	      CT_RESOLUTION_RESOLVED);
	CHECK(classify1(U, "Thank you, that worked.", NULL) ==
	      CT_RESOLUTION_RESOLVED);
	CHECK(classify1(U, "Thank you, that worked.", "no-such-reason") ==
	      CT_RESOLUTION_RESOLVED);
	CHECK(classify1(U, "Thank you, that worked.", "stale") ==
	      CT_RESOLUTION_INCOMPLETE);
	CHECK(classify1(U, "Thank you, that worked.", "transfer") ==
	      CT_RESOLUTION_ESCALATED);
	/* The caller's confirmation outweighs a broken line afterwards. */
	CHECK(classify1(U, "Thank you, that worked.", "error") ==
	      CT_RESOLUTION_RESOLVED);

	/* Requests for a human, with and without a lead. */
	CHECK(classify1(U, "Let me speak with your supervisor.", NULL) ==
	      CT_RESOLUTION_ESCALATED);
	CHECK(classify1(U, "Put me through to customer service.", NULL) ==
	      CT_RESOLUTION_ESCALATED);
	CHECK(classify1(U, "representative please", NULL) ==
	      CT_RESOLUTION_ESCALATED);
	CHECK(classify1(U, "I need to send money to a person in Harare.", NULL) ==
	      CT_RESOLUTION_INCOMPLETE);
	CHECK(classify1(U, "Is the agent fee charged on every withdrawal at the "
			   "agent?", NULL) == CT_RESOLUTION_INCOMPLETE);

	/* A request for a human stands unless the caller thanks later. */
	{
		struct ct_turn t[] = {
			{ U, "I want to speak to a manager.", 29 },
			{ A, "Sure, what is it about?", 23 },
			{ U, "Okay, it's about my loan.", 25 },
		};

		CHECK(ct_resolution_classify(t, 3, "hangup") ==
		      CT_RESOLUTION_ESCALATED);
	}

	/* The assistant hands over; an offer is not a handover. */
	CHECK(classify1(A, "Let me connect you with a specialist.", NULL) ==
	      CT_RESOLUTION_ESCALATED);
	CHECK(classify1(A, "Please visit your nearest branch with your ID.",
			"hangup") == CT_RESOLUTION_ESCALATED);
	CHECK(classify1(A, "If you want, I can connect you with a specialist.",
			"hangup") == CT_RESOLUTION_INCOMPLETE);

	/* A bare acknowledgement counts only when it asks nothing more. */
	CHECK(classify1(U, "OK.", NULL) == CT_RESOLUTION_RESOLVED);
	CHECK(classify1(U, "ok got it bye", NULL) == CT_RESOLUTION_RESOLVED);
	CHECK(classify1(U, "OK, but why?", NULL) == CT_RESOLUTION_INCOMPLETE);

	/* A completed action, unless the call broke. */
	CHECK(classify1(A, "Your payment was successful.", "hangup") ==
	      CT_RESOLUTION_RESOLVED);
	CHECK(classify1(A, "Your payment was successful.", "timeout") ==
	      CT_RESOLUTION_INCOMPLETE);

	/* Curly apostrophes tokenize like ASCII ones. */
	CHECK(classify1(U, "Thanks, that\xe2\x80\x99s all.", NULL) ==
	      CT_RESOLUTION_RESOLVED);
	return ct_check_done();
}
