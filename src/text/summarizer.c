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

/* "cardless_withdrawal" -> "cardless withdrawal". */
static void ct_summarizer_topic_words(const char *id, char *out, size_t outlen)
{
	size_t i;

	snprintf(out, outlen, "%s", id);
	for (i = 0; out[i]; i++)
		if (out[i] == '_')
			out[i] = ' ';
}

/* "User inquired about a, b and c." from the topics, primary first. */
static void ct_summarizer_topics_sentence(struct ct_sbuf *b, uint64_t topics,
					  int primary)
{
	char words[96];
	size_t i, n = 0, total = 0, count = ct_topics_count();

	for (i = 0; i < count; i++)
		if (topics & (UINT64_C(1) << i))
			total++;
	if (total == 0) {
		ct_sbuf_add(b, "User did not raise a banking topic.");
		return;
	}
	ct_sbuf_add(b, "User inquired about ");
	if (primary >= 0) {
		ct_summarizer_topic_words(ct_topics_name((size_t)primary), words,
					  sizeof(words));
		ct_sbuf_add(b, words);
		n++;
	}
	for (i = 0; i < count; i++) {
		if (!(topics & (UINT64_C(1) << i)) || (int)i == primary)
			continue;
		ct_sbuf_add(b, ++n == total ? " and " : ", ");
		ct_summarizer_topic_words(ct_topics_name(i), words, sizeof(words));
		ct_sbuf_add(b, words);
	}
	ct_sbuf_add(b, ".");
}

/* The USSD codes the assistant gave, e.g. "*236#", as "code *236#". */
static void ct_summarizer_assistant_sentence(struct ct_sbuf *b,
					     const struct ct_summary_input *in)
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
	} else if (answers) {
		ct_sbuf_add(b, " Agent provided information.");
	} else {
		ct_sbuf_add(b, " Agent did not respond.");
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

static void ct_summarizer_closing(struct ct_sbuf *b, const struct ct_summary *out,
				  const struct ct_summary_input *in,
				  enum ct_resolution res)
{
	if (in->authenticated)
		ct_sbuf_add(b, " User authenticated.");
	else if (out->authentication_attempted)
		ct_sbuf_add(b, " User attempted to verify their identity.");
	if (ct_summarizer_thanked(in))
		ct_sbuf_add(b, " User thanked agent.");
	else if (strcmp(out->sentiment, "negative") == 0)
		ct_sbuf_add(b, " User was dissatisfied.");
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
	struct ct_extract_info info;
	struct ct_sbuf b = { 0 };
	enum ct_resolution res;
	int primary = -1;

	memset(out, 0, sizeof(*out));
	if (ct_topics_conversation(in->turns, in->nturns, &out->topics, &primary) < 0 ||
	    ct_extract_conversation(in->turns, in->nturns, s->default_cc, &info) < 0)
		return -1;
	out->primary_intent = primary >= 0 ? ct_topics_name((size_t)primary) : NULL;
	memcpy(out->user_name, info.user_name, sizeof(out->user_name));
	out->authentication_attempted = in->authenticated ||
					info.authentication_attempted;
	out->n_phones = info.n_phones;
	memcpy(out->phones, info.phones, sizeof(out->phones));
	out->n_emails = info.n_emails;
	memcpy(out->emails, info.emails, sizeof(out->emails));
	out->sentiment_score = ct_sentiment_conversation_score(s->sentiment,
							       in->turns, in->nturns);
	out->sentiment = ct_sentiment_label_name(
		ct_sentiment_conversation(s->sentiment, in->turns, in->nturns));
	res = ct_resolution_classify(in->turns, in->nturns, in->end_reason);
	out->resolution = ct_resolution_name(res);
	out->message_count = in->message_count;
	if (in->has_duration)
		out->duration_seconds = in->duration_seconds;
	else if (in->ended_at_us > in->started_at_us)
		out->duration_seconds = (double)((in->ended_at_us - in->started_at_us) /
						 1000) / 1000.0;

	ct_summarizer_topics_sentence(&b, out->topics, primary);
	ct_summarizer_assistant_sentence(&b, in);
	ct_summarizer_closing(&b, out, in, res);
	if (b.failed) {
		free(b.s);
		return -1;
	}
	out->summary = b.s;
	return 0;
}
