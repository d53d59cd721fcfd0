/*
 * Extraction of profile facts from the transcript: the caller's name, their
 * phone numbers and email addresses, and authentication attempts.  See
 * include/convtrack/extract.h for the contract and docs/text-rules-extract.md
 * for the rules and their measured error rates.
 *
 * Names come only from self-introduction patterns ("my name is X", "I'm X",
 * "this is X", "call me X", "X here", ...), and X must look like a name: not
 * a word of the closed lists of extract_name.c (function words, common
 * verbs, adjectives of state, nouns, nationalities, places, kin words), not
 * shaped like a verb or an adjective (-ing, -ous, -able, ...), and, for the
 * weak patterns, followed by the end of the clause.  Capitalization is
 * evidence only when the text carries case (mixed case, not Title Case) and
 * the word does not start a sentence: then "I'm Blessing" is a name and
 * "I'm tired" is not.  Common words that are also given names in Zimbabwe
 * (Blessing, Precious, Memory, Gift, ...) need that evidence or an explicit
 * "my name is".
 *
 * A phone number or email belongs to the caller when the nearest cue before
 * it in the same sentence is a self cue ("my number", "me on", "mine"), to
 * someone else when it is a cue for another person ("my brother", "her",
 * "Tendai's", "send"), and to nobody in particular otherwise.
 *
 * This file holds the contract's functions and what an assistant's prompt
 * asks for.  The rules sit beside it and share struct ct_ex through
 * extract_int.h: extract_scan.c (tokens, clauses and phrases),
 * extract_name.c (names), extract_owner.c (whose a contact is),
 * extract_phone.c (phone numbers), extract_email.c (email addresses),
 * extract_placeholder.c (what redaction left in the text) and
 * extract_auth.c (authentication attempts).  None of them depends on this
 * file, and each depends only on the ones before it in that list.
 *
 * Pure: no I/O, no global mutable state; the word lists are constants.
 */
#include "convtrack/extract.h"

#include <string.h>

#include "extract_int.h"

/* ---------------------------------------------------------------------- */
/* Prompts. */

/* True when token i (a contact noun) follows "your": "your (mobile) number". */
static bool ct_ex_your_contact(const struct ct_ex *x, size_t i)
{
	while (i > 0 && !ct_ex_clause_break(x, i) &&
	       ct_ex_in(ct_ex_contact_mods, ct_ex_tok(x, i - 1)))
		i--;
	return i > 0 && !ct_ex_clause_break(x, i) &&
	       strcmp(ct_ex_tok(x, i - 1), "your") == 0;
}

/* Words that make a sentence of the assistant a request. */
static const char ct_ex_request_words[] =
	" please kindly provide tell give share state enter confirm say spell"
	" type read need require may can could what what's whats ";

/* A warning ("never share your PIN") has one of each. */
static const char ct_ex_warning_negations[] = " never don't dont not ";
static const char ct_ex_warning_verbs[] =
	" share give disclose tell reveal send ";

/* Nouns of a phone ("your mobile", "your number"). */
static const char ct_ex_phone_nouns[] =
	" number phone cell cellphone mobile whatsapp line telephone ";

/* Words that ask for a credential by themselves. */
static const char ct_ex_credential_words[] =
	" pin otp password passcode dob identity verify authenticate"
	" memorable ";

/* What the assistant asks for, as phrases (ct_ex_at_any). */
#define CT_EX_ASK_NAME_PHRASES                                                 \
	"your name|your full name|your first name|your names|"                 \
	"who am i speaking|who am i talking|who is calling|who's calling|"     \
	"who is this|call you|address you"
#define CT_EX_ASK_PHONE_PHRASES                                                \
	"phone number|mobile number|cell number|contact number|reach you"
#define CT_EX_ASK_CREDENTIAL_PHRASES                                           \
	"verification code|security code|one time|the code|account number|"    \
	"id number|national id|date of birth|security question|"               \
	"customer number|card number|last four|maiden name"

/* What one sentence [s, e) of an assistant turn asks for. */
static unsigned ct_ex_sentence_asks(const struct ct_ex *x, size_t s, size_t e)
{
	bool request = ct_ex_gap_has(x, e, "?"), never = false, share = false;
	bool mail = false, your = false;
	unsigned asks = 0;
	size_t i;

	for (i = s; i < e; i++) {
		const char *w = ct_ex_tok(x, i);

		request = request || ct_ex_in(ct_ex_request_words, w);
		never = never || ct_ex_in(ct_ex_warning_negations, w);
		share = share || ct_ex_in(ct_ex_warning_verbs, w);
		your = your || strcmp(w, "your") == 0;
		mail = mail || ct_ex_in(" email gmail ", w) ||
		       ct_ex_at(x, i, "e mail");
		if (ct_ex_at_any(x, i, CT_EX_ASK_NAME_PHRASES))
			asks |= CT_EXTRACT_ASK_NAME;
		if ((ct_ex_in(ct_ex_phone_nouns, w) &&
		     ct_ex_your_contact(x, i)) ||
		    ct_ex_at_any(x, i, CT_EX_ASK_PHONE_PHRASES))
			asks |= CT_EXTRACT_ASK_PHONE;
		if (ct_ex_in(ct_ex_credential_words, w) ||
		    ct_ex_at_any(x, i, CT_EX_ASK_CREDENTIAL_PHRASES))
			asks |= CT_EXTRACT_ASK_CREDENTIAL;
	}
	if (mail && your)
		asks |= CT_EXTRACT_ASK_EMAIL;
	if (!request || (never && share))
		return 0;
	return asks;
}

unsigned ct_extract_prompt_asks(const char *text, size_t len)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_ex x;
	unsigned asks = 0;
	size_t s = 0, e;

	if (!text)
		return 0;
	if (ct_text_tokenize(text, len, &toks) < 0) {
		ct_text_tokens_free(&toks);
		return 0;
	}
	x.text = text;
	x.len = len;
	x.t = &toks;
	x.case_info = false;
	while (s < toks.n) {
		for (e = s + 1; e < toks.n && !ct_ex_sentence_start(&x, e); e++)
			;
		asks |= ct_ex_sentence_asks(&x, s, e);
		s = e;
	}
	ct_text_tokens_free(&toks);
	return asks;
}

/* ---------------------------------------------------------------------- */
/* Utterances and conversations. */

int ct_extract_utterance(const char *text, size_t len, const char *default_cc,
			 unsigned asked, struct ct_extract_utterance *out)
{
	struct ct_text_tokens toks = { 0 };
	size_t pos[CT_EXTRACT_ITEMS_MAX], k;
	struct ct_ex x;

	memset(out, 0, sizeof(*out));
	if (!ct_ex_cc_valid(default_cc))
		return -1;
	if (!text) {
		text = "";
		len = 0;
	}
	if (ct_text_tokenize(text, len, &toks) < 0) {
		ct_text_tokens_free(&toks);
		return -1;
	}
	x.text = text;
	x.len = len;
	x.t = &toks;
	x.case_info = ct_ex_has_case(text, len, &toks);

	ct_ex_find_name(&x, (asked & CT_EXTRACT_ASK_NAME) != 0, out->name);

	/* Phones written in digits and spoken in words, in order of mention. */
	ct_ex_find_digit_phones(&x, default_cc, out, pos);
	ct_ex_find_spoken_phones(&x, default_cc, out, pos);
	ct_ex_find_placeholders(&x, out, pos);

	ct_ex_find_written_emails(&x, out);
	ct_ex_find_spoken_emails(&x, (asked & CT_EXTRACT_ASK_EMAIL) != 0, out);

	for (k = 0; k < out->n_phones; k++)
		if (out->phones[k].owner == CT_EXTRACT_OWNER_NONE &&
		    (asked & CT_EXTRACT_ASK_PHONE))
			out->phones[k].owner = CT_EXTRACT_OWNER_SELF;
	for (k = 0; k < out->n_emails; k++)
		if (out->emails[k].owner == CT_EXTRACT_OWNER_NONE &&
		    (asked & CT_EXTRACT_ASK_EMAIL))
			out->emails[k].owner = CT_EXTRACT_OWNER_SELF;

	out->auth_attempt = ct_ex_auth_attempt(&x, asked);
	ct_text_tokens_free(&toks);
	return 0;
}

/* Words of a turn that only asks for time. */
static const char ct_ex_hold_words[] =
	" ok okay sure yes yeah yep alright hold on wait a moment second sec"
	" minute let me check see find get it um uh er hmm please just one ";

/* True when a user turn only asks for time ("hold on", "let me check"). */
static bool ct_ex_holding(const char *text, size_t len)
{
	struct ct_text_tokens toks = { 0 };
	bool hold;
	size_t i;

	if (ct_text_tokenize(text, len, &toks) < 0) {
		ct_text_tokens_free(&toks);
		return false;
	}
	hold = toks.n > 0 && toks.n <= 6;
	for (i = 0; hold && i < toks.n; i++)
		hold = ct_ex_in(ct_ex_hold_words, toks.v[i].s);
	ct_text_tokens_free(&toks);
	return hold;
}

int ct_extract_conversation(const struct ct_turn *turns, size_t n,
			    const char *default_cc, struct ct_extract_info *out)
{
	struct ct_extract_utterance u;
	unsigned asked = 0;
	size_t i, k, m;

	memset(out, 0, sizeof(*out));
	if (!ct_ex_cc_valid(default_cc))
		return -1;
	for (i = 0; i < n; i++) {
		const struct ct_turn *t = &turns[i];

		if (t->speaker == CT_SPEAKER_ASSISTANT) {
			asked = ct_extract_prompt_asks(t->text, t->len);
			continue;
		}
		if (t->speaker != CT_SPEAKER_USER)
			continue;
		if (ct_extract_utterance(t->text, t->len, default_cc, asked,
					 &u) < 0)
			return -1;
		if (!t->text || !ct_ex_holding(t->text, t->len))
			asked = 0; /* "hold on" still owes the answer */
		if (u.name[0])
			memcpy(out->user_name, u.name, sizeof(out->user_name));
		out->authentication_attempted =
			out->authentication_attempted || u.auth_attempt;
		for (k = 0; k < u.n_phones; k++) {
			if (u.phones[k].owner != CT_EXTRACT_OWNER_SELF)
				continue;
			for (m = 0; m < out->n_phones; m++)
				if (strcmp(out->phones[m], u.phones[k].e164) ==
				    0)
					break;
			if (m == out->n_phones && m < CT_EXTRACT_ITEMS_MAX)
				memcpy(out->phones[out->n_phones++],
				       u.phones[k].e164,
				       sizeof(out->phones[0]));
		}
		for (k = 0; k < u.n_emails; k++) {
			if (u.emails[k].owner != CT_EXTRACT_OWNER_SELF)
				continue;
			for (m = 0; m < out->n_emails; m++)
				if (strcmp(out->emails[m], u.emails[k].addr) ==
				    0)
					break;
			if (m == out->n_emails && m < CT_EXTRACT_ITEMS_MAX)
				memcpy(out->emails[out->n_emails++],
				       u.emails[k].addr,
				       sizeof(out->emails[0]));
		}
	}
	return 0;
}
