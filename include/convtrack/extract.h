/*
 * Extraction of profile facts from what the caller says (pure: no I/O).
 *
 * The summary's extracted_info and the recognition rule (EVENTS.md rules 9
 * and 10) need a few facts that only the transcript holds: the name the
 * caller gave for themself, the phone numbers and email addresses they gave
 * as their own contact (not ones they mention for someone else), and whether
 * they tried to authenticate.  The rules are deterministic word patterns over
 * the shared tokenizer (convtrack/text.h); docs/text-rules-extract.md lists
 * them with their measured error rates.
 *
 * Phone numbers come out in E.164 ("+263771234567"); local forms need the
 * country calling code of the deployment ("263"), passed as default_cc
 * (digits only, no "+"; NULL or "" when local forms must not be guessed).
 *
 * Everything here is reentrant: no global mutable state.
 */
#ifndef CONVTRACK_EXTRACT_H
#define CONVTRACK_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/text.h"

/* Buffer sizes, NUL included. */
#define CT_EXTRACT_NAME_LEN 64 /* a name, cut at a word boundary */
#define CT_EXTRACT_PHONE_LEN 20 /* "+" and at most 15 digits */
#define CT_EXTRACT_EMAIL_LEN 256 /* RFC 5321 allows 254 */

/* Most phones or emails kept per utterance and per conversation. */
#define CT_EXTRACT_ITEMS_MAX 4

/*
 * Bits of what the assistant's previous turn asked the caller for
 * (ct_extract_prompt_asks); they make a bare answer ("Tendai", "0771234567")
 * count as the caller's own.
 */
#define CT_EXTRACT_ASK_NAME 0x1u
#define CT_EXTRACT_ASK_PHONE 0x2u
#define CT_EXTRACT_ASK_EMAIL 0x4u
/* PIN, OTP, password, account or ID number, date of birth... */
#define CT_EXTRACT_ASK_CREDENTIAL 0x8u

/* Whose contact a phone number or email is, as far as the words tell. */
enum ct_extract_owner {
	CT_EXTRACT_OWNER_NONE = 0, /* no cue: "0772345678 keeps calling" */
	CT_EXTRACT_OWNER_SELF, /* "my number is ...", "reach me on ..." */
	CT_EXTRACT_OWNER_OTHER /* "my brother's number is ...", "send $20 to" */
};

/*
 * Redacted text (convtrack/redact.h) is understood too: a placeholder
 * "[PHONE:<hash>]" or "[EMAIL:<hash>]" is a mention of that phone number or
 * email, reported as its 16 hex digits (which recognition compares with
 * the keyed hashes of profiles' numbers and emails), with the owner its
 * words give; a credential placeholder ("[PIN]", "[ACCOUNT]", "[CARD]",
 * "[ID_NUMBER]", ...) is a credential given.
 */
struct ct_extract_phone {
	/* E.164, or the hash of a "[PHONE:<hash>]" placeholder */
	char e164[CT_EXTRACT_PHONE_LEN];
	enum ct_extract_owner owner;
};

struct ct_extract_email {
	/* lower-cased; or the hash of an "[EMAIL:<hash>]" placeholder */
	char addr[CT_EXTRACT_EMAIL_LEN];
	enum ct_extract_owner owner;
};

/* What one user turn says. */
struct ct_extract_utterance {
	char name[CT_EXTRACT_NAME_LEN]; /* "" when the turn gives no name */
	size_t n_phones; /* distinct numbers, in order of mention */
	struct ct_extract_phone phones[CT_EXTRACT_ITEMS_MAX];
	size_t n_emails;
	struct ct_extract_email emails[CT_EXTRACT_ITEMS_MAX];
	bool auth_attempt; /* asks to log in/verify, or gives a credential */
};

/*
 * What a whole conversation says (extracted_info and recognition).  The
 * primary intent is the topic rules' (convtrack/topics.h).
 */
struct ct_extract_info {
	char user_name[CT_EXTRACT_NAME_LEN]; /* latest given; "" = none */
	bool authentication_attempted;
	/* Self-identifying only, deduplicated, first mention first. */
	size_t n_phones;
	char phones[CT_EXTRACT_ITEMS_MAX][CT_EXTRACT_PHONE_LEN];
	size_t n_emails;
	char emails[CT_EXTRACT_ITEMS_MAX][CT_EXTRACT_EMAIL_LEN];
};

/*
 * Normalizes one phone number written as len bytes of raw ("0771234567",
 * "077 123 4567", "(077) 123-4567", "+263 77 123 4567", "+263 (0)77 123
 * 4567", "00263771234567", "263771234567") to E.164 in out.  A local form
 * (trunk prefix 0) takes default_cc; a bare number without "+", "00" or "0"
 * is accepted only when it starts with default_cc.  Returns 0, or -1 when raw
 * is not a plausible phone number: characters other than digits, spaces,
 * "-", ".", "(", ")" and a leading "+"; an unknown country code; a national
 * number of the wrong length for a country whose lengths are known, else a
 * total outside 8..15 digits; a date shape ("05-01-2024") or a decimal
 * ("0771.50").  out is left unchanged on failure.
 */
int ct_extract_phone_normalize(const char *raw, size_t len,
			       const char *default_cc,
			       char out[CT_EXTRACT_PHONE_LEN])
	__attribute__((warn_unused_result));

/*
 * Returns the CT_EXTRACT_ASK_* bits of what an assistant turn (len bytes of
 * text) asks the caller for.  A warning ("never share your PIN") asks for
 * nothing; so does a NULL text, and any text when memory runs out.
 */
unsigned ct_extract_prompt_asks(const char *text, size_t len);

/*
 * Extracts from one user turn (len bytes of text): the name the caller gives
 * for themself, the phone numbers and emails in it with their owner, and
 * whether the turn is an authentication attempt.  asked holds the
 * CT_EXTRACT_ASK_* bits of the assistant turn it answers (0 when none): a
 * phone or email without a cue in the answer to "what is your number/email?"
 * is the caller's own (owner SELF), a bare name answers "what is your name?",
 * and digits answer a request for a credential.
 * Returns 0, or -1 when default_cc is not 1..3 digits (NULL and "" are
 * allowed) or memory ran out; out is fully written either way.
 */
int ct_extract_utterance(const char *text, size_t len, const char *default_cc,
			 unsigned asked, struct ct_extract_utterance *out)
	__attribute__((warn_unused_result));

/*
 * Extracts the facts of a conversation (n turns in order): user_name is the
 * latest name a user turn gave; phones and emails are the self-identifying
 * ones (owner SELF, or owner NONE in a direct answer to the assistant asking
 * for the caller's number or email), deduplicated, at most
 * CT_EXTRACT_ITEMS_MAX each; authentication_attempted is true when a user
 * turn asks to log in or be verified, gives a credential (account, ID,
 * customer or card number, PIN, OTP), or answers the assistant's request for
 * one with a value (docs/text-rules-extract.md).  Returns 0, or -1 as
 * ct_extract_utterance; out is fully written.
 */
int ct_extract_conversation(const struct ct_turn *turns, size_t n,
			    const char *default_cc, struct ct_extract_info *out)
	__attribute__((warn_unused_result));

#endif
