/*
 * Unit tests of the resolution rules: the fixture conversations of
 * tests/fixtures/conversations/ (one per rule and its exceptions), the end
 * reasons, each failure class of issue 16 in words of its own (an
 * explanation asked of "someone" is not a request for a human; a bare
 * "ok" after an outage is not a resolution; the assistant's own completed
 * actions are), the rule names, and edge cases (no turns, unknown
 * reasons, names).
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
				    const char *end_reason);

/* The rule that decides the two-turn call of classify1(). */
static const char *rule1(enum ct_text_speaker who, const char *text,
			 const char *end_reason)
{
	struct ct_turn t[2] = {
		{ CT_SPEAKER_USER, "I have a question about my card.", 32 },
		{ who, text, strlen(text) },
	};
	const char *rule = NULL;

	(void)ct_resolution_explain(t, 2, end_reason, &rule);
	return rule ? rule : "(null)";
}

/* A call of three turns: the caller, the assistant, the caller (none when
 * reply is NULL). */
static enum ct_resolution classify3(const char *user, const char *assistant,
				    const char *reply, const char **rule)
{
	struct ct_turn t[3] = {
		{ CT_SPEAKER_USER, user, strlen(user) },
		{ CT_SPEAKER_ASSISTANT, assistant, strlen(assistant) },
		{ CT_SPEAKER_USER, reply ? reply : "", reply ? strlen(reply) : 0 },
	};

	return ct_resolution_explain(t, reply ? 3 : 2, "hangup", rule);
}

/* Issue 16: asking someone to explain or check is not asking for a human. */
static void test_explain_not_human(void)
{
	static const char *const explain[] = {
		"I'd like somebody to go through these charges with me.",
		"I need a person to clarify this overdraft charge.",
		"Can an agent explain why I was charged twice?",
		"I want someone to look at my last statement.",
	};
	static const char *const human[] = {
		"I want to talk to someone about this fee.",
		"Get me a manager.",
		"I need somebody to call me back about this.",
	};
	const enum ct_text_speaker U = CT_SPEAKER_USER;
	size_t i;

	for (i = 0; i < sizeof(explain) / sizeof(explain[0]); i++) {
		if (classify1(U, explain[i], NULL) == CT_RESOLUTION_ESCALATED)
			fprintf(stderr, "  escalated: %s\n", explain[i]);
		CHECK(classify1(U, explain[i], NULL) != CT_RESOLUTION_ESCALATED);
	}
	for (i = 0; i < sizeof(human) / sizeof(human[0]); i++) {
		CHECK(classify1(U, human[i], NULL) == CT_RESOLUTION_ESCALATED);
		CHECK_STR(rule1(U, human[i], NULL), "human");
	}
}

/* Issue 16: the assistant could not do it; "ok" does not make it done. */
static void test_outage(void)
{
	static const char *const down[] = {
		("Our payment system is currently unavailable, please try again "
		 "in an hour."),
		"The servers are down at the moment, try later.",
		"Sorry, we're having technical difficulties right now.",
	};
	static const char *const ack[] = { "alright", "fine, thanks", "OK." };
	const char *rule = NULL;
	size_t i, k;

	for (i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
		for (k = 0; k < sizeof(ack) / sizeof(ack[0]); k++) {
			CHECK(classify3("Can I move 50 dollars to savings?", down[i],
					ack[k], &rule) == CT_RESOLUTION_INCOMPLETE);
			CHECK_STR(rule, "unable");
		}
		CHECK(classify3("Can I move 50 dollars to savings?", down[i], NULL,
				&rule) == CT_RESOLUTION_INCOMPLETE);
	}
	/* Said to work after all: no longer the outage rule. */
	CHECK(classify3("Can I move 50 dollars to savings?", down[1],
			"Oh, it works now, thank you.", &rule) ==
	      CT_RESOLUTION_RESOLVED);
}

/* Issue 16: the assistant's own completed actions resolve the call. */
static void test_completions(void)
{
	static const char *const done[] = {
		"I've cancelled the duplicate payment for you.",
		"I have now updated your phone number.",
		"We have waived the late fee on your account.",
		"Your new PIN has been issued.",
		"The refund was processed this morning.",
		"I just reactivated your online banking.",
	};
	static const char *const not_done[] = {
		"I have not changed anything on your account.",
		"I can unlock your card if you confirm your birthday.",
		"Your card hasn't been unblocked yet.",
	};
	const enum ct_text_speaker A = CT_SPEAKER_ASSISTANT;
	const char *rule = NULL;
	size_t i;

	for (i = 0; i < sizeof(done) / sizeof(done[0]); i++) {
		if (classify1(A, done[i], "hangup") != CT_RESOLUTION_RESOLVED)
			fprintf(stderr, "  not done: %s\n", done[i]);
		CHECK(classify1(A, done[i], "hangup") == CT_RESOLUTION_RESOLVED);
		CHECK_STR(rule1(A, done[i], "hangup"), "done");
		/* A line that breaks leaves it unconfirmed. */
		CHECK(classify1(A, done[i], "timeout") == CT_RESOLUTION_INCOMPLETE);
	}
	for (i = 0; i < sizeof(not_done) / sizeof(not_done[0]); i++)
		CHECK(strcmp(rule1(A, not_done[i], "hangup"), "done") != 0);
	/* The caller then says it did not work, or asks: not done. */
	CHECK(classify3("Please reset my online password.",
			"I've reset your password.",
			"It still won't let me in.", &rule) !=
	      CT_RESOLUTION_RESOLVED);
	CHECK(strcmp(rule, "done") != 0);
	CHECK(classify3("Please reset my online password.",
			"I've reset your password.",
			"Where do I find the new one?", &rule) ==
	      CT_RESOLUTION_INCOMPLETE);
	CHECK_STR(rule, "question");
	/* ... or says the outcome did not come, without a word of complaint. */
	CHECK(classify3("My phone will not start after the update.",
			"We have reset the settings remotely.",
			"I did what you said and the screen does not wake up.",
			&rule) != CT_RESOLUTION_RESOLVED);
	CHECK(strcmp(rule, "done") != 0);
	CHECK(classify3("The app crashes on login.",
			"The bug has been fixed.",
			"I tried again and it still failed.", &rule) !=
	      CT_RESOLUTION_RESOLVED);
	CHECK(strcmp(rule, "done") != 0);
	CHECK(classify3("My statement shows the wrong balance.",
			"I've corrected it.", "It remains the same for me.",
			&rule) != CT_RESOLUTION_RESOLVED);
	CHECK(strcmp(rule, "done") != 0);
	/* A completed action whose turn ends on a question that waits for
	 * the caller is not the end of it; a closing question is. */
	CHECK(classify3("I am travelling next week.",
			"I have updated your travel notice. Which country are "
			"you going to?", NULL, &rule) ==
	      CT_RESOLUTION_INCOMPLETE);
	CHECK_STR(rule, "asked");
	CHECK(classify3("I am travelling next week.",
			"I have updated your travel notice. Is there anything "
			"else I can help with?", NULL, &rule) ==
	      CT_RESOLUTION_RESOLVED);
	CHECK_STR(rule, "done");
	/* Work passed on to staff is a handover, not a completed action. */
	CHECK_STR(rule1(A, "I have transferred your problem to the relevant "
			"staff. Please wait for their reply.", "hangup"),
		  "handover");
	CHECK_STR(rule1(A, "Your complaint has been submitted to our "
			"disputes team for review.", "hangup"),
		  "handover");
	CHECK_STR(rule1(A, "I've transferred you to a specialist.", "hangup"),
		  "handover");
	CHECK_STR(rule1(A, "I have transferred $50 to your savings account.",
			"hangup"),
		  "done");
	CHECK_STR(rule1(A, "I've sent the payment to your estate agent.",
			"hangup"),
		  "done");
	/* Satisfied replies that share words with the failure cues. */
	CHECK(classify3("My card is blocked.", "I have unblocked your card.",
			"Don't worry, it works now.", &rule) ==
	      CT_RESOLUTION_RESOLVED);
	CHECK_STR(rule, "done");
	CHECK(classify3("Can you update my card?",
			"I've updated your card details.",
			"Thanks, so my PIN stays the same.", &rule) ==
	      CT_RESOLUTION_RESOLVED);
	CHECK_STR(rule, "done");
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

	/* The rules' names. */
	CHECK_STR(rule1(U, "Thanks", "stale"), "stale");
	CHECK_STR(rule1(U, "Thanks", "transfer"), "transfer");
	CHECK_STR(rule1(A, "Let me connect you with a specialist.", NULL),
		  "handover");
	CHECK_STR(rule1(A, "Which card is it, debit or credit?", NULL), "asked");
	CHECK_STR(rule1(U, "And the fee?", NULL), "question");
	CHECK_STR(rule1(U, "Okay, cheers.", "error"), "confirmed");
	CHECK_STR(rule1(A, "Here are the opening hours.", "error"), "broken");
	{
		const char *rule = NULL;
		struct ct_turn only = { A, "Hello, how can I help?", 22 };

		CHECK(ct_resolution_explain(&only, 1, NULL, &rule) ==
		      CT_RESOLUTION_INCOMPLETE);
		CHECK_STR(rule, "silent");
		CHECK(ct_resolution_explain(NULL, 0, "hangup", NULL) ==
		      CT_RESOLUTION_INCOMPLETE);
	}

	test_explain_not_human();
	test_outage();
	test_completions();
	return ct_check_done();
}
