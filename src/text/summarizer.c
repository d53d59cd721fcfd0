/*
 * Summarizer: composes the text rules into a conversation's summary.  See
 * include/convtrack/summarizer.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/resolution.h"
#include "convtrack/sentiment.h"
#include "convtrack/summarizer.h"
#include "convtrack/topics.h"
#include "textscan.h"

struct ct_summarizer {
	struct ct_sentiment *sentiment;
	char default_cc[8];
};

int ct_summarizer_new(const char *default_cc, struct ct_summarizer **out)
{
	struct ct_summarizer *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -1;
	snprintf(s->default_cc, sizeof(s->default_cc), "%s",
		 default_cc ? default_cc : "");
	if (ct_sentiment_new(&s->sentiment) < 0) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void ct_summarizer_free(struct ct_summarizer *s)
{
	if (!s)
		return;
	ct_sentiment_free(s->sentiment);
	free(s);
}

void ct_summary_clear(struct ct_summary *out)
{
	if (!out)
		return;
	free(out->summary);
	memset(out, 0, sizeof(*out));
}

/* A growable string for the summary text. */
struct ct_sbuf {
	char *s;
	size_t len, cap;
	int failed;
};

static void ct_sbuf_add(struct ct_sbuf *b, const char *text)
{
	size_t n = strlen(text);

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, ncap);

		if (!ns) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, text, n + 1);
	b->len += n;
}

/* "a, b and c": the items of a list as one phrase. */
static void ct_sbuf_list(struct ct_sbuf *b, const char *const *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			ct_sbuf_add(b, i + 1 == n ? " and " : ", ");
		ct_sbuf_add(b, items[i]);
	}
}

/* Most amounts a summary names, and the longest one kept (bytes). */
#define CT_SUMMARY_AMOUNTS 3
#define CT_SUMMARY_AMOUNT_LEN 32

/* Currency words that make an adjacent number an amount of money. */
static const char ct_summarizer_money[] =
	" usd zwl zwg zig rtgs zar rand rands bond gbp eur bwp kes ngn zmw"
	" dollar dollars pound pounds euro euros cents bucks ";

static bool ct_summarizer_money_word(const char *w)
{
	char key[24];

	if (strlen(w) + 3 > sizeof(key))
		return false;
	snprintf(key, sizeof(key), " %s ", w);
	return strstr(ct_summarizer_money, key) != NULL;
}

/*
 * Where a currency sign ends just before byte a of s (over spaces) starts,
 * or (size_t)-1 when none does.
 */
static size_t ct_summarizer_sign_before(const char *s, size_t a)
{
	while (a > 0 && s[a - 1] == ' ')
		a--;
	if (a >= 1 && s[a - 1] == '$')
		return a - 1;
	if (a >= 2 && memcmp(s + a - 2, "\xc2\xa3", 2) == 0) /* pound */
		return a - 2;
	if (a >= 3 && memcmp(s + a - 3, "\xe2\x82\xac", 3) == 0) /* euro */
		return a - 3;
	return (size_t)-1;
}

/*
 * Adds the amount s[a, e) to the list (spaces collapsed), unless it is
 * there already or too long.
 */
static void ct_summarizer_add_amount(const char *s, size_t a, size_t e,
				     char (*amounts)[CT_SUMMARY_AMOUNT_LEN],
				     size_t *n)
{
	char buf[CT_SUMMARY_AMOUNT_LEN];
	size_t i, k = 0;

	if (*n >= CT_SUMMARY_AMOUNTS || e - a >= sizeof(buf))
		return;
	for (i = a; i < e; i++)
		if (s[i] != ' ' || (k && buf[k - 1] != ' '))
			buf[k++] = s[i];
	while (k && buf[k - 1] == ' ')
		k--;
	buf[k] = '\0';
	for (i = 0; i < *n; i++)
		if (strcmp(amounts[i], buf) == 0)
			return;
	memcpy(amounts[(*n)++], buf, k + 1);
}

/*
 * The amounts of money in one of the caller's turns: a number ("50",
 * "1,250.00") with a currency sign or word before it ("$50", "USD 50") or
 * a currency word after it ("200 dollars").
 */
static void ct_summarizer_turn_amounts(const char *s, size_t len,
				       const struct ct_text_tokens *t,
				       char (*amounts)[CT_SUMMARY_AMOUNT_LEN],
				       size_t *n)
{
	size_t i = 0;

	while (i < len) {
		size_t a = i, e, sign, k;

		if (!ct_scan_digit(s[i]) || (i > 0 && ct_scan_alnum(s[i - 1]))) {
			i++;
			continue;
		}
		for (e = i; e < len && (ct_scan_digit(s[e]) ||
					((s[e] == ',' || s[e] == '.') &&
					 e + 1 < len && ct_scan_digit(s[e + 1])));
		     e++)
			;
		i = e;
		if (e < len && ct_scan_alpha(s[e]))
			continue; /* "3rd", "50k" */
		sign = ct_summarizer_sign_before(s, a);
		if (sign != (size_t)-1) {
			ct_summarizer_add_amount(s, sign, e, amounts, n);
			continue;
		}
		if (ct_scan_amount_before(s, t, a, ct_summarizer_money_word)) {
			k = ct_scan_tok_at(t, a);
			if (k > 0) /* the currency word is the token before */
				ct_summarizer_add_amount(s, t->v[k - 1].start,
							 e, amounts, n);
			continue;
		}
		for (k = e; k < len && s[k] == ' '; k++)
			;
		if (k < len && s[k] == '%')
			continue; /* a rate, not an amount */
		if (ct_scan_amount_after(s, len, t, e, ct_summarizer_money_word)) {
			k = ct_scan_tok_at(t, e);
			if (k < t->n)
				ct_summarizer_add_amount(s, a, t->v[k].end,
							 amounts, n);
		}
	}
}

/*
 * "User inquired about a, b and c[, mentioning $50]." from the topics'
 * display names, the primary intent first, and the amounts the caller
 * named.
 */
static void ct_summarizer_topics_sentence(struct ct_sbuf *b,
					  const struct ct_summary_input *in,
					  uint64_t topics, int primary)
{
	const char *names[64];
	char amounts[CT_SUMMARY_AMOUNTS][CT_SUMMARY_AMOUNT_LEN];
	const char *alist[CT_SUMMARY_AMOUNTS];
	struct ct_text_tokens toks = { 0 };
	size_t i, n = 0, na = 0, count = ct_topics_count();

	if (primary >= 0)
		names[n++] = ct_topics_display((size_t)primary);
	for (i = 0; i < count && n < 64; i++)
		if ((topics & (UINT64_C(1) << i)) && (int)i != primary)
			names[n++] = ct_topics_display(i);
	if (n == 0) {
		ct_sbuf_add(b, "User did not raise a banking topic.");
		return;
	}
	ct_sbuf_add(b, "User inquired about ");
	ct_sbuf_list(b, names, n);
	for (i = 0; i < in->nturns && na < CT_SUMMARY_AMOUNTS; i++) {
		if (in->turns[i].speaker != CT_SPEAKER_USER)
			continue;
		ct_text_tokens_reset(&toks);
		if (ct_text_tokenize(in->turns[i].text, in->turns[i].len, &toks) < 0)
			break;
		ct_summarizer_turn_amounts(in->turns[i].text, in->turns[i].len,
					   &toks, amounts, &na);
	}
	ct_text_tokens_free(&toks);
	for (i = 0; i < na; i++)
		alist[i] = amounts[i];
	if (na) {
		ct_sbuf_add(b, ", mentioning ");
		ct_sbuf_list(b, alist, na);
	}
	ct_sbuf_add(b, ".");
}

/*
 * What the assistant did: the USSD codes it gave ("*236#" as "Provided
 * USSD code *236# and instructions."), else an action it reported done or
 * a request it said it could not serve (the resolution rule that decided),
 * else nothing, unless it never answered.
 */
static void ct_summarizer_assistant_sentence(struct ct_sbuf *b,
					     const struct ct_summary_input *in,
					     const char *rule)
{
	struct ct_text_tokens toks = { 0 };
	char codes[128] = "";
	size_t i, k, ncodes = 0, answers = 0;

	for (i = 0; i < in->nturns; i++) {
		if (in->turns[i].speaker != CT_SPEAKER_ASSISTANT)
			continue;
		answers++;
		ct_text_tokens_reset(&toks);
		if (ct_text_tokenize(in->turns[i].text, in->turns[i].len, &toks) < 0)
			continue;
		for (k = 0; k < toks.n; k++) {
			if (toks.v[k].s[0] != '*' || strstr(codes, toks.v[k].s) ||
			    strlen(codes) + strlen(toks.v[k].s) + 8 > sizeof(codes))
				continue;
			if (ncodes++)
				strcat(codes, ", ");
			strcat(codes, toks.v[k].s);
		}
	}
	ct_text_tokens_free(&toks);
	if (ncodes) {
		ct_sbuf_add(b, ncodes == 1 ? " Provided USSD code " : " Provided USSD codes ");
		ct_sbuf_add(b, codes);
		ct_sbuf_add(b, " and instructions.");
	} else if (!answers) {
		ct_sbuf_add(b, " Agent did not respond.");
	} else if (strcmp(rule, "done") == 0) {
		ct_sbuf_add(b, " Agent reported the requested action as done.");
	} else if (strcmp(rule, "unable") == 0) {
		ct_sbuf_add(b, " Agent could not complete the request at the time.");
	}
}

/* True when a user turn thanks the agent. */
static bool ct_summarizer_thanked(const struct ct_summary_input *in)
{
	struct ct_text_tokens toks = { 0 };
	bool thanked = false;
	size_t i, k;

	for (i = 0; i < in->nturns && !thanked; i++) {
		if (in->turns[i].speaker != CT_SPEAKER_USER)
			continue;
		ct_text_tokens_reset(&toks);
		if (ct_text_tokenize(in->turns[i].text, in->turns[i].len, &toks) < 0)
			break;
		for (k = 0; k < toks.n; k++)
			if (strcmp(toks.v[k].s, "thanks") == 0 ||
			    strcmp(toks.v[k].s, "thank") == 0 ||
			    strcmp(toks.v[k].s, "cheers") == 0)
				thanked = true;
	}
	ct_text_tokens_free(&toks);
	return thanked;
}

/*
 * What the caller did, in one sentence ("User authenticated and thanked
 * agent."), then the outcome.  Ironic thanks ("thanks for nothing") are no
 * thanks; a dissatisfied caller's thanks are left out.
 */
static void ct_summarizer_closing(struct ct_sbuf *b, const struct ct_summary *out,
				  const struct ct_summary_input *in,
				  enum ct_resolution res)
{
	const char *did[3];
	size_t n = 0;

	if (in->authenticated)
		did[n++] = "authenticated";
	else if (out->authentication_attempted)
		did[n++] = "attempted to verify their identity";
	if (strcmp(out->resolution_rule, "human") == 0)
		did[n++] = "asked for a human agent";
	if (strcmp(out->sentiment, "negative") == 0)
		did[n++] = "was dissatisfied";
	else if (out->irony == 0 && ct_summarizer_thanked(in))
		did[n++] = "thanked agent";
	if (n) {
		ct_sbuf_add(b, " User ");
		ct_sbuf_list(b, did, n);
		ct_sbuf_add(b, ".");
	}
	switch (res) {
	case CT_RESOLUTION_RESOLVED:
		ct_sbuf_add(b, " Query resolved.");
		break;
	case CT_RESOLUTION_ESCALATED:
		ct_sbuf_add(b, " Escalated to a human agent.");
		break;
	default:
		ct_sbuf_add(b, in->end_reason && strcmp(in->end_reason, "stale") == 0
				       ? " Session went stale before the query was resolved."
				       : " Query not resolved.");
		break;
	}
}

int ct_summarizer_run(const struct ct_summarizer *s,
		      const struct ct_summary_input *in, struct ct_summary *out)
{
	struct ct_sentiment_analysis an;
	struct ct_topics_evidence ev;
	struct ct_extract_info info;
	struct ct_sbuf b = { 0 };
	int primary = -1;

	memset(out, 0, sizeof(*out));
	if (ct_topics_conversation_explain(in->turns, in->nturns, &out->topics,
					   &primary, &ev) < 0 ||
	    ct_extract_conversation(in->turns, in->nturns, s->default_cc, &info) < 0 ||
	    ct_sentiment_analyze(s->sentiment, in->turns, in->nturns,
				 in->end_reason, &an) < 0)
		return -1;
	out->primary_intent = primary >= 0 ? ct_topics_name((size_t)primary) : NULL;
	out->intent_turn = ev.turn;
	out->intent_rules = ev.rules;
	out->intent_p = ev.p;
	memcpy(out->user_name, info.user_name, sizeof(out->user_name));
	out->authentication_attempted = in->authenticated ||
					info.authentication_attempted;
	out->n_phones = info.n_phones;
	memcpy(out->phones, info.phones, sizeof(out->phones));
	out->n_emails = info.n_emails;
	memcpy(out->emails, info.emails, sizeof(out->emails));
	out->sentiment_score = an.score;
	out->sentiment = ct_sentiment_label_name(an.label);
	out->complaints = an.complaints;
	out->irony = an.irony;
	out->resolution = ct_resolution_name(an.resolution);
	out->resolution_rule = an.resolution_rule;
	out->message_count = in->message_count;
	if (in->has_duration)
		out->duration_seconds = in->duration_seconds;
	else if (in->ended_at_us > in->started_at_us)
		out->duration_seconds = (double)((in->ended_at_us - in->started_at_us) /
						 1000) / 1000.0;

	ct_summarizer_topics_sentence(&b, in, out->topics, primary);
	ct_summarizer_assistant_sentence(&b, in, an.resolution_rule);
	ct_summarizer_closing(&b, out, in, an.resolution);
	if (b.failed) {
		free(b.s);
		return -1;
	}
	out->summary = b.s;
	return 0;
}
