/*
 * Unit tests of the summarizer (include/convtrack/summarizer.h) on small
 * hand-written conversations: the counts and the duration (given, or from
 * the session's times), the user name (the latest the caller gave), the
 * contacts, the primary intent and topics, sentiment and resolution (each
 * equal to what its own rule module says, and the expected value where the
 * case is clear-cut), authentication, the summary text built from what was
 * detected (the header's own example word for word; display names,
 * amounts, what the assistant did, ironic thanks), the evidence, an empty
 * conversation, determinism and the clear/free contracts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/resolution.h"
#include "convtrack/sentiment.h"
#include "convtrack/summarizer.h"
#include "convtrack/topics.h"

#define U CT_SPEAKER_USER
#define A CT_SPEAKER_ASSISTANT
#define TURN(who, text) { (who), (text), sizeof(text) - 1 }
#define NTURNS(t) (sizeof(t) / sizeof((t)[0]))
#define BIT(name) (UINT64_C(1) << ct_topics_find(name))

static struct ct_summarizer *sz;
static struct ct_sentiment *sent; /* the lexicon the summarizer loads */

/* An input of n turns that ended for reason, duration not given. */
static struct ct_summary_input input(const struct ct_turn *turns, size_t n,
				     const char *reason)
{
	struct ct_summary_input in;

	memset(&in, 0, sizeof(in));
	in.turns = turns;
	in.nturns = n;
	in.message_count = n;
	in.end_reason = reason;
	return in;
}

/* True when hay contains needle; prints both when it does not. */
static int has(const char *hay, const char *needle)
{
	if (hay && strstr(hay, needle))
		return 1;
	fprintf(stderr, "  \"%s\" not in \"%s\"\n", needle, hay ? hay : "(null)");
	return 0;
}

/*
 * Runs the summarizer on in and CHECKs what must hold for every input:
 * a summary text, the three labels drawn from their documented values and
 * equal to what the sentiment and resolution rules say of the same turns,
 * the primary intent among the topics, every topic named in the text by
 * its display name (primary first), no raw topic id in it, at most four
 * sentences (three of facts and the outcome), the message count passed
 * through.
 */
static int run(const struct ct_summary_input *in, struct ct_summary *out)
{
	enum ct_sentiment_label sl =
		ct_sentiment_conversation(sent, in->turns, in->nturns);
	enum ct_resolution rl =
		ct_resolution_classify(in->turns, in->nturns, in->end_reason);
	char words[128];
	const char *p;
	size_t i;
	int rc = ct_summarizer_run(sz, in, out);

	CHECK(rc == 0);
	if (rc != 0)
		return -1;
	CHECK(out->summary && out->summary[0]);
	CHECK_STR(out->sentiment, ct_sentiment_label_name(sl));
	CHECK_STR(out->resolution, ct_resolution_name(rl));
	CHECK(out->message_count == in->message_count);
	CHECK(ct_topics_count() >= 64 ||
	      (out->topics >> ct_topics_count()) == 0);
	if (out->primary_intent) {
		int k = ct_topics_find(out->primary_intent);

		CHECK(k >= 0 && (out->topics & (UINT64_C(1) << k)));
		snprintf(words, sizeof(words), "User inquired about %s",
			 ct_topics_display((size_t)k));
		CHECK(out->summary && strncmp(out->summary, words,
					      strlen(words)) == 0);
	}
	for (i = 0; i < ct_topics_count(); i++) {
		if (!(out->topics & (UINT64_C(1) << i)))
			continue;
		CHECK(has(out->summary, ct_topics_display(i)));
		if (strchr(ct_topics_name(i), '_'))
			CHECK(!strstr(out->summary, ct_topics_name(i)));
	}
	for (i = 0, p = out->summary; p && *p; p++)
		i += *p == '.' && (p[1] == ' ' || p[1] == '\0');
	CHECK(i >= 1 && i <= 4);
	if (out->topics == 0)
		CHECK(has(out->summary, "User did not raise a banking topic."));
	return 0;
}

/* The header's example: cardless withdrawal, *236#, thanks, resolved. */
static void test_cardless_example(void)
{
	static const struct ct_turn t[] = {
		TURN(U, "Hi, my name is Sarah. How do I withdraw money without "
			"my card?"),
		TURN(A, "You can use cardless withdrawal: dial *236# and follow "
			"the prompts."),
		TURN(U, "Thank you, that worked!"),
	};
	struct ct_summary_input in = input(t, NTURNS(t), "hangup");
	struct ct_summary out;

	in.has_duration = true;
	in.duration_seconds = 42.5;
	in.started_at_us = 1000000;
	in.ended_at_us = 9000000; /* ignored: the call's duration wins */
	if (run(&in, &out) < 0)
		return;
	CHECK_STR(out.summary, "User inquired about cardless withdrawal. "
			       "Provided USSD code *236# and instructions. "
			       "User thanked agent. Query resolved.");
	CHECK_STR(out.user_name, "Sarah");
	CHECK_STR(out.primary_intent, "cardless_withdrawal");
	CHECK(out.topics == BIT("cardless_withdrawal"));
	CHECK_STR(out.resolution, "resolved");
	CHECK_STR(out.sentiment, "positive");
	CHECK(!out.authentication_attempted);
	CHECK(out.message_count == 3);
	CHECK(out.duration_seconds == 42.5);
	CHECK(out.n_phones == 0 && out.n_emails == 0);
	ct_summary_clear(&out);
	CHECK(out.summary == NULL && out.message_count == 0);
}

/* Duration: given by call_ended, else ended - started in whole ms. */
static void test_duration_and_counts(void)
{
	static const struct ct_turn t[] = {
		TURN(U, "What is my balance?"),
		TURN(A, "Your balance is shown in the app under Accounts."),
	};
	struct ct_summary_input in = input(t, NTURNS(t), "hangup");
	struct ct_summary out;

	in.message_count = 7; /* all stored messages, not the turns given */
	in.started_at_us = 1700000000000000;
	in.ended_at_us = in.started_at_us + 90500000;
	if (run(&in, &out) == 0) {
		CHECK(out.message_count == 7);
		CHECK(out.duration_seconds == 90.5);
		CHECK_STR(out.primary_intent, "balance");
		/* an answer with nothing concrete in it adds no sentence */
		CHECK(!strstr(out.summary, "Agent"));
	}
	ct_summary_clear(&out);

	in.ended_at_us = in.started_at_us + 1234567; /* microseconds dropped */
	if (run(&in, &out) == 0)
		CHECK(out.duration_seconds == 1.234);
	ct_summary_clear(&out);

	in.ended_at_us = in.started_at_us - 5000000; /* end before start */
	if (run(&in, &out) == 0)
		CHECK(out.duration_seconds == 0);
	ct_summary_clear(&out);

	in.has_duration = true; /* a call of 0 s says 0, whatever the times */
	in.duration_seconds = 0;
	in.ended_at_us = in.started_at_us + 60000000;
	if (run(&in, &out) == 0)
		CHECK(out.duration_seconds == 0);
	ct_summary_clear(&out);
}

/* The latest name the caller gave; the assistant's own name is not one. */
static void test_user_name(void)
{
	static const struct ct_turn latest[] = {
		TURN(A, "Hello, my name is Rudo. How can I help?"),
		TURN(U, "My name is Sarah and I need a new card."),
		TURN(A, "Sure. Can I confirm your name?"),
		TURN(U, "Sorry, I am calling for my husband. My name is Tendai."),
	};
	static const struct ct_turn agent_only[] = {
		TURN(A, "Hello, my name is Rudo. How can I help?"),
		TURN(U, "I want to check my balance."),
	};
	struct ct_summary_input in = input(latest, NTURNS(latest), "hangup");
	struct ct_summary out;

	if (run(&in, &out) == 0)
		CHECK_STR(out.user_name, "Tendai");
	ct_summary_clear(&out);
	in = input(agent_only, NTURNS(agent_only), "hangup");
	if (run(&in, &out) == 0)
		CHECK_STR(out.user_name, "");
	ct_summary_clear(&out);
}

/* The caller's own number and address, normalized with default_cc. */
static void test_contacts(void)
{
	static const struct ct_turn t[] = {
		TURN(U, "Hi, you can reach me on 0771 112 233 or at "
			"sarah.moyo@example.com about my transfer."),
	};
	struct ct_summary_input in = input(t, NTURNS(t), "hangup");
	struct ct_summary out;

	if (run(&in, &out) < 0)
		return;
	CHECK(out.n_phones == 1);
	CHECK_STR(out.phones[0], "+263771112233");
	CHECK(out.n_emails == 1);
	CHECK_STR(out.emails[0], "sarah.moyo@example.com");
	CHECK(out.topics & BIT("transfers"));
	CHECK(has(out.summary, " Agent did not respond."));
	ct_summary_clear(&out);
}

/* Escalation, staleness and dissatisfaction reach the labels and text. */
static void test_resolution_and_sentiment(void)
{
	static const struct ct_turn human[] = {
		TURN(U, "My card was blocked and the app is useless. This is "
			"terrible, I am very angry."),
		TURN(A, "I am sorry to hear that. Let me check."),
		TURN(U, "This is terrible, I hate this bot. I want to speak to "
			"a real person now."),
	};
	static const struct ct_turn stale[] = {
		TURN(U, "How do I block my card?"),
		TURN(A, "Dial *236# and choose 4, then follow the prompts."),
	};
	struct ct_summary_input in = input(human, NTURNS(human), "hangup");
	struct ct_summary out;

	if (run(&in, &out) == 0) {
		CHECK_STR(out.resolution, "escalated");
		CHECK_STR(out.sentiment, "negative");
		CHECK(has(out.summary, " User asked for a human agent and "
				       "was dissatisfied."));
		CHECK(has(out.summary, " Escalated to a human agent."));
		CHECK_STR(out.resolution_rule, "human");
		CHECK(out.topics & BIT("card_blocked"));
	}
	ct_summary_clear(&out);

	in = input(stale, NTURNS(stale), "stale");
	if (run(&in, &out) == 0) {
		CHECK_STR(out.resolution, "incomplete");
		CHECK(has(out.summary, " Session went stale before the query "
				       "was resolved."));
		CHECK(has(out.summary, " Provided USSD code *236# and "
				       "instructions."));
	}
	ct_summary_clear(&out);

	in = input(stale, NTURNS(stale), "transfer");
	if (run(&in, &out) == 0) {
		CHECK_STR(out.resolution, "escalated");
		CHECK(!strstr(out.summary, "stale"));
	}
	ct_summary_clear(&out);
}

/* An authenticated session, and a caller who only tried to verify. */
static void test_authentication(void)
{
	static const struct ct_turn t[] = {
		TURN(U, "I would like to see my last statement."),
		TURN(A, "Please log in first."),
	};
	static const struct ct_turn tried[] = {
		TURN(U, "I need help with a payment. My account number is "
			"4455667788."),
	};
	struct ct_summary_input in = input(t, NTURNS(t), "hangup");
	struct ct_summary out;

	if (run(&in, &out) == 0) {
		CHECK(!out.authentication_attempted);
		CHECK(!strstr(out.summary, "authenticated") &&
		      !strstr(out.summary, "verify"));
	}
	ct_summary_clear(&out);
	in.authenticated = true;
	if (run(&in, &out) == 0) {
		CHECK(out.authentication_attempted);
		CHECK(has(out.summary, " User authenticated."));
	}
	ct_summary_clear(&out);
	in = input(tried, NTURNS(tried), "hangup");
	if (run(&in, &out) == 0) {
		CHECK(out.authentication_attempted);
		CHECK(has(out.summary, " User attempted to verify their "
				       "identity."));
	}
	ct_summary_clear(&out);
}

/*
 * The facts of a call reach the text, and only those: amounts the caller
 * named (any currency written before or after), an action the assistant
 * reported done, a request it could not serve; ironic thanks are no
 * thanks; the evidence names the rule and the turn behind the labels.
 */
static void test_facts(void)
{
	static const struct ct_turn pay[] = {
		TURN(U, "I want to send $50 to my brother and pay 200 dollars "
			"to my landlord."),
		TURN(A, "I have sent the transfer of $50 to your brother."),
		TURN(U, "Great, thank you!"),
	};
	static const struct ct_turn usd[] = {
		TURN(U, "Can I transfer USD 1,250.00 to another bank today? "
			"It is my 3rd try, 10% fee?"),
		TURN(A, "Our transfer system is down at the moment, please try "
			"again later."),
		TURN(U, "ok"),
	};
	static const struct ct_turn irony[] = {
		TURN(U, "My refund still has not arrived after three weeks."),
		TURN(A, "Refunds can take up to ten working days."),
		TURN(U, "Thanks for nothing."),
	};
	static const struct ct_turn done[] = {
		TURN(U, "Please block my card, I lost it."),
		TURN(A, "I have blocked your card. A new one will be posted to "
			"you."),
		TURN(U, "Thank you."),
	};
	struct ct_summary_input in = input(pay, NTURNS(pay), "hangup");
	struct ct_summary out;

	if (run(&in, &out) == 0) {
		CHECK(has(out.summary, ", mentioning $50 and 200 dollars."));
		CHECK(out.intent_turn == 0);
		CHECK(has(out.summary, " User thanked agent."));
	}
	ct_summary_clear(&out);

	in = input(usd, NTURNS(usd), "hangup");
	if (run(&in, &out) == 0) {
		/* a currency word before, "1,250.00"; not "3rd" nor "10%" */
		CHECK(has(out.summary, ", mentioning USD 1,250.00."));
		CHECK(has(out.summary, " Agent could not complete the request "
				       "at the time."));
		CHECK_STR(out.resolution, "incomplete");
		CHECK_STR(out.resolution_rule, "unable");
	}
	ct_summary_clear(&out);

	in = input(irony, NTURNS(irony), "hangup");
	if (run(&in, &out) == 0) {
		CHECK(out.irony >= 1);
		CHECK(out.complaints >= 1);
		CHECK(!strstr(out.summary, "thanked"));
		CHECK_STR(out.sentiment, "negative");
		CHECK(has(out.summary, " User was dissatisfied."));
	}
	ct_summary_clear(&out);

	in = input(done, NTURNS(done), "hangup");
	if (run(&in, &out) == 0) {
		CHECK_STR(out.resolution, "resolved");
		CHECK_STR(out.resolution_rule, "done");
		CHECK(has(out.summary, " Agent reported the requested action "
				       "as done."));
		CHECK(out.intent_turn == 0 && out.intent_rules);
		CHECK(!strstr(out.summary, "mentioning"));
	}
	ct_summary_clear(&out);
}

/* Several topics: the primary (the first request) is named first. */
static void test_several_topics(void)
{
	static const struct ct_turn t[] = {
		TURN(U, "What is the exchange rate for US dollars today?"),
		TURN(A, "Today's rates are in the app, or dial *151# and "
			"choose 2."),
		TURN(U, "And what are the fees for an international transfer?"),
		TURN(A, "Fees are listed under *151# option 5, or *236# for "
			"the full list."),
	};
	struct ct_summary_input in = input(t, NTURNS(t), NULL);
	struct ct_summary out;

	if (run(&in, &out) < 0)
		return;
	CHECK_STR(out.primary_intent, "exchange_rates");
	CHECK(out.topics & BIT("fees"));
	CHECK(has(out.summary, "User inquired about exchange rates, ") ||
	      has(out.summary, "User inquired about exchange rates and "));
	CHECK(has(out.summary, " Provided USSD codes *151#, *236# and "
			       "instructions."));
	ct_summary_clear(&out);
}

/* No turns at all: every field present, nothing detected. */
static void test_empty(void)
{
	static const struct ct_turn none[1];
	struct ct_summary_input in = input(none, 0, NULL);
	struct ct_summary out;

	memset(&out, 0x5a, sizeof(out)); /* cleared first, says the header */
	out.summary = NULL;
	if (run(&in, &out) < 0)
		return;
	CHECK_STR(out.summary, "User did not raise a banking topic. Agent did "
			       "not respond. Query not resolved.");
	CHECK_STR(out.user_name, "");
	CHECK(out.primary_intent == NULL);
	CHECK(out.topics == 0);
	CHECK_STR(out.sentiment, "neutral");
	CHECK_STR(out.resolution, "incomplete");
	CHECK(!out.authentication_attempted);
	CHECK(out.message_count == 0 && out.duration_seconds == 0);
	CHECK(out.n_phones == 0 && out.n_emails == 0);
	ct_summary_clear(&out);
}

/* The same input gives the same output (rule 7). */
static void test_deterministic(void)
{
	static const struct ct_turn t[] = {
		TURN(U, "Hello, I am Chipo. I lost my card, please block it."),
		TURN(A, "Your card has been blocked. Dial *236# to order a new "
			"one."),
		TURN(U, "Thanks."),
	};
	struct ct_summary_input in = input(t, NTURNS(t), "hangup");
	struct ct_summary a, b;

	if (run(&in, &a) < 0)
		return;
	if (run(&in, &b) == 0) {
		CHECK_STR(a.summary, b.summary);
		CHECK(a.summary != b.summary); /* each owns its text */
		CHECK_STR(a.user_name, b.user_name);
		CHECK(a.topics == b.topics);
		CHECK_STR(a.sentiment, b.sentiment);
		CHECK_STR(a.resolution, b.resolution);
		CHECK(a.primary_intent == b.primary_intent);
		CHECK(a.authentication_attempted == b.authentication_attempted);
	}
	ct_summary_clear(&a);
	ct_summary_clear(&b);
}

int main(void)
{
	if (ct_summarizer_new("263", &sz) < 0 || ct_sentiment_new(&sent) < 0) {
		fprintf(stderr, "cannot load the summarizer's models\n");
		CHECK(0);
		goto out;
	}
	test_cardless_example();
	test_duration_and_counts();
	test_user_name();
	test_contacts();
	test_resolution_and_sentiment();
	test_authentication();
	test_several_topics();
	test_facts();
	test_empty();
	test_deterministic();
	ct_summary_clear(NULL);      /* no-ops, must not crash */
	ct_summarizer_free(NULL);
out:
	ct_sentiment_free(sent);
	ct_summarizer_free(sz);
	return ct_check_done();
}
