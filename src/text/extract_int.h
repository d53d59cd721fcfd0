/*
 * Internals of the extractor shared by its files (extract.c,
 * extract_scan.c, extract_name.c, extract_owner.c, extract_phone.c,
 * extract_email.c, extract_placeholder.c, extract_auth.c): the tokens of
 * one text with what the rules need to know about it, and the rules that
 * extract.c runs over it.  Private to src/text; the contract is
 * include/convtrack/extract.h.
 */
#ifndef CONVTRACK_EXTRACT_INT_H
#define CONVTRACK_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/extract.h"
#include "convtrack/text.h"

/* ---------------------------------------------------------------------- */
/* Tokens, clauses and phrases (extract_scan.c). */

/* The tokens of one text and what the rules need to know about it. */
struct ct_ex {
	const char *text;
	size_t len;
	const struct ct_text_tokens *t;
	bool case_info; /* capitalization carries information */
};

/* Token i, lower-cased; "" past the end. */
static inline const char *ct_ex_tok(const struct ct_ex *x, size_t i)
{
	return i < x->t->n ? x->t->v[i].s : "";
}

/* True when w is one of the space-separated words of list. */
bool ct_ex_in(const char *list, const char *w);

/* True when the bytes before token i (since token i - 1) contain one of set. */
bool ct_ex_gap_has(const struct ct_ex *x, size_t i, const char *set);

/* Number of bytes between token i - 1 and token i. */
size_t ct_ex_gap_len(const struct ct_ex *x, size_t i);

/* True when token i starts a sentence (or i is the end of the text). */
bool ct_ex_sentence_start(const struct ct_ex *x, size_t i);

/* True when punctuation separates token i from the one before it. */
bool ct_ex_clause_break(const struct ct_ex *x, size_t i);

/* True when the tokens at i spell phrase (space-separated lower-case words). */
bool ct_ex_at(const struct ct_ex *x, size_t i, const char *phrase);

/* True when the tokens at i spell one of the phrases, separated by "|". */
bool ct_ex_at_any(const struct ct_ex *x, size_t i, const char *phrases);

/* Index of the first token that starts at or after byte pos. */
size_t ct_ex_tok_at(const struct ct_ex *x, size_t pos);

/* ---------------------------------------------------------------------- */
/* Names (extract_name.c). */

/* Function words, pronouns, auxiliaries, quantifiers, adverbs, numbers. */
extern const char ct_ex_closed[];

/* Kin and role words ("dad", "brother"): no names, and cues of another. */
extern const char ct_ex_kin[];

/*
 * True when capitalization in the text tells names apart: it has both
 * cases, and it is not Title Case, where most common words after the first
 * of a sentence are capitalized ("I'm Going To Be In Russia").  The first
 * 200 tokens are enough to tell.
 */
bool ct_ex_has_case(const char *text, size_t len,
		    const struct ct_text_tokens *t);

/* True when w is a listed word or the inflection of one. */
bool ct_ex_common_word(const char *w);

/*
 * Finds the name the caller gives for themself in x; the last one wins.
 * asked_name makes a bare answer ("Tendai Moyo.") count.
 */
void ct_ex_find_name(const struct ct_ex *x, bool asked_name,
		     char out[CT_EXTRACT_NAME_LEN]);

/* ---------------------------------------------------------------------- */
/* Whose a contact is (extract_owner.c). */

/* Nouns of a contact detail: "my <noun>" is a self cue. */
extern const char ct_ex_contact_nouns[];

/* Words between "my" and a contact noun ("my new cell number"). */
extern const char ct_ex_contact_mods[];

/* True when token w is a possessive ("Tendai's", "brother's"), not "it's". */
bool ct_ex_possessive(const char *w);

/*
 * Owner of a contact whose tokens are first..last: the nearest cue before
 * it in its sentence (8 tokens at most), else a cue just after it ("...
 * is my number", "... is my wife's").
 */
enum ct_extract_owner ct_ex_owner(const struct ct_ex *x, size_t first,
				  size_t last);

/* ---------------------------------------------------------------------- */
/* Phone numbers (extract_phone.c). */

/*
 * The phones of an utterance stay in order of mention: pos[k] is the token
 * where out->phones[k] was first mentioned (CT_EXTRACT_ITEMS_MAX entries).
 */

/* True when default_cc is NULL, "" or 1..3 digits not starting with 0. */
bool ct_ex_cc_valid(const char *default_cc);

/* Adds a phone found at tokens first..last unless a noun says it is none. */
void ct_ex_add_phone(const struct ct_ex *x, struct ct_extract_utterance *out,
		     size_t *pos, const char *e164, size_t first, size_t last);

/* Finds the phone numbers written with digits. */
void ct_ex_find_digit_phones(const struct ct_ex *x, const char *default_cc,
			     struct ct_extract_utterance *out, size_t *pos);

/* The digit that token i spells ("seven", "oh" before digits), or -1. */
int ct_ex_digit_word(const struct ct_ex *x, size_t i, bool in_run);

/*
 * Finds phone numbers spoken in words, as some speech recognizers write
 * them: "zero seven seven one two three ...", "double seven", "plus two six
 * three ...".  Commas and hyphens between the words are allowed.
 */
void ct_ex_find_spoken_phones(const struct ct_ex *x, const char *default_cc,
			      struct ct_extract_utterance *out, size_t *pos);

/* ---------------------------------------------------------------------- */
/* Email addresses (extract_email.c). */

/* Adds addr (n bytes, at tokens first..last), lower-cased, once. */
void ct_ex_add_email(const struct ct_ex *x, struct ct_extract_utterance *out,
		     const char *addr, size_t n, size_t first, size_t last);

/* Finds written addresses: "tendai.moyo@gmail.com". */
void ct_ex_find_written_emails(const struct ct_ex *x,
			       struct ct_extract_utterance *out);

/*
 * Finds addresses spoken in words after an email cue: "tendai dot moyo at
 * gmail dot com", "tendai.moyo at gmail.com".
 */
void ct_ex_find_spoken_emails(const struct ct_ex *x, bool asked_email,
			      struct ct_extract_utterance *out);

/* ---------------------------------------------------------------------- */
/* Placeholders of redacted text (extract_placeholder.c). */

/* True when token i starts a credential placeholder ("[PIN]"). */
bool ct_ex_secret_at(const struct ct_ex *x, size_t i);

/* Number of credential placeholders in the text. */
size_t ct_ex_count_secrets(const struct ct_ex *x);

/*
 * Finds the hashed phone and email placeholders: their hash is recorded
 * as the contact (ct_extract_utterance), with the owner its words give.
 */
void ct_ex_find_placeholders(const struct ct_ex *x,
			     struct ct_extract_utterance *out, size_t *pos);

/* True when the text has the placeholder "[name]" (a redacted value). */
bool ct_ex_has_placeholder(const struct ct_ex *x, const char *name);

/* ---------------------------------------------------------------------- */
/* Authentication attempts (extract_auth.c). */

/* The authentication rule of one user turn (docs/text-rules-extract.md). */
bool ct_ex_auth_attempt(const struct ct_ex *x, unsigned asked);

#endif
