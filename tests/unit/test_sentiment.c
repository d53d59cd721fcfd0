/*
 * Unit tests of the sentiment scorer: VADER's rules (negation, boosters and
 * dampeners, "but", capitals, exclamation marks, multi-word entries), their
 * scope within a sentence, the banking adjustments, the combination of a
 * conversation's caller turns, and the fixture conversations of
 * tests/fixtures/conversations/.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conversation_fixture.h"
#include "convtrack/sentiment.h"


static struct ct_sentiment *s;

static double score(const char *text)
{
	return ct_sentiment_score(s, text, strlen(text));
}

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
	got = ct_sentiment_label_name(ct_sentiment_conversation(s, f.turns, f.n));
	if (strcmp(got, f.sentiment) != 0)
		fprintf(stderr, "fixture %s: score %.3f\n", name,
			ct_sentiment_conversation_score(s, f.turns, f.n));
	CHECK_STR(got, f.sentiment);
	free(f.buf);
}

static void test_rules(void)
{
	double good = score("The service was good.");

	CHECK(good > 0.3 && good < 0.6);
	CHECK(score("The service was bad.") < -0.3);
	CHECK(score("") == 0.0);
	CHECK(score("My account number is 12345.") == 0.0);
	CHECK(ct_sentiment_score(s, NULL, 0) == 0.0);
	CHECK(ct_sentiment_score(NULL, "good", 4) == 0.0);

	/* Negation, also as a contraction or up to three words back. */
	CHECK(score("The service was not good.") < 0);
	CHECK(score("The service wasn't good.") < 0);
	CHECK(score("The service wasn\xe2\x80\x99t good.") < 0);
	CHECK(score("It was never really good.") < 0);
	CHECK(score("not bad at all") > 0);
	CHECK(score("no problems") > 0);

	/* Boosters and dampeners, also two-word ones. */
	CHECK(score("The service was very good.") > good);
	CHECK(score("The service was kind of good.") < good);
	CHECK(score("The service was kind of good.") > 0);
	CHECK(score("The service was slightly bad.") >
	      score("The service was bad."));

	/* Capitals and exclamation marks add emphasis. */
	CHECK(score("The service was GOOD.") > good);
	CHECK(score("The service was good!!!") > good);
	CHECK(score("THE SERVICE WAS GOOD.") == good);

	/* "but": what follows weighs more. */
	CHECK(score("The app is good, but the fees are terrible.") < 0);
	CHECK(score("The fees are terrible, but the app is good.") > 0);

	/* The rules stop at the end of a sentence. */
	CHECK(score("I can't log in. Good app otherwise.") > 0);
	CHECK(score("It was bad. But thanks.") > 0);

	/* Multi-word and hyphenated lexicon entries. */
	CHECK(score("I am fed up") < 0);
	CHECK(score("I can't stand this") < 0);
	CHECK(score("that was a cover-up") < 0);

	/* Saturation keeps the compound in -1..1. */
	CHECK(score("great great great great great great great great great "
		    "great great wonderful amazing excellent!!!!!") <= 1.0);
	CHECK(score("awful awful awful awful awful awful awful awful awful "
		    "terrible horrible disgusting!!!!!") >= -1.0);
}

static void test_banking(void)
{
	struct ct_sentiment *general = NULL;
	const char *ask = "I would like to check my credit card interest please";

	CHECK(score(ask) == 0.0);
	CHECK(score("Yes, block my card.") == 0.0);
	CHECK(score("I need help with a payment") == 0.0);
	/* Neutralized "no" still negates. */
	CHECK(score("no good") < 0);
	CHECK(ct_sentiment_new_general(&general) == 0);
	CHECK(ct_sentiment_score(general, ask, strlen(ask)) > 0);
	ct_sentiment_free(general);
	ct_sentiment_free(NULL);
}

static void test_conversation(void)
{
	struct ct_turn t[] = {
		{ CT_SPEAKER_USER, "This is awful.", 14 },
		{ CT_SPEAKER_ASSISTANT, "I am so sorry, that is terrible!", 32 },
		{ CT_SPEAKER_USER, "Okay.", 5 },
		{ CT_SPEAKER_OTHER, "tool: refund failed, error, bad", 31 },
		{ CT_SPEAKER_USER, "Great, thank you, wonderful!", 28 },
	};
	double a = score("This is awful."), b = score("Okay.");
	double c = score("Great, thank you, wonderful!");
	double want = (1 * a + 2 * b + 3 * c) / 6;

	/* Only the caller's turns, weighted 1, 2, 3 from the start. */
	CHECK(fabs(ct_sentiment_conversation_score(s, t, 5) - want) < 1e-9);
	CHECK(ct_sentiment_conversation(s, t, 5) == CT_SENTIMENT_POSITIVE);
	/* The same turns in reverse order end on "awful". */
	{
		struct ct_turn r[] = { t[4], t[2], t[0] };

		CHECK(ct_sentiment_conversation_score(s, r, 3) < want);
	}
	/* No caller turns: neutral. */
	CHECK(ct_sentiment_conversation_score(s, t + 1, 1) == 0.0);
	CHECK(ct_sentiment_conversation(s, t + 1, 1) == CT_SENTIMENT_NEUTRAL);
	CHECK(ct_sentiment_conversation(s, NULL, 0) == CT_SENTIMENT_NEUTRAL);

	CHECK_STR(ct_sentiment_label_name(CT_SENTIMENT_NEGATIVE), "negative");
	CHECK_STR(ct_sentiment_label_name(CT_SENTIMENT_NEUTRAL), "neutral");
	CHECK_STR(ct_sentiment_label_name(CT_SENTIMENT_POSITIVE), "positive");
	CHECK_STR(ct_sentiment_label_name((enum ct_sentiment_label)9), "neutral");
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
	size_t i;

	CHECK(ct_sentiment_new(&s) == 0);
	if (!s)
		return ct_check_done();
	test_rules();
	test_banking();
	test_conversation();
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		check_fixture(fixtures[i]);
	ct_sentiment_free(s);
	return ct_check_done();
}
