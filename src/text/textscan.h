/*
 * Scanning helpers shared by the text rules that read contact and payment
 * details out of a transcript: extraction (extract*.c) and redaction
 * (redact*.c).  Both must agree on what a digit or a letter is, on what a
 * written email address looks like, on which words spell digits, and on how
 * a run of digit groups ("+263 (77) 123-4567") is read, or a detail that one
 * of them finds the other would miss.  Where the two rules differ on
 * purpose (how long an address may be, which single runs look like a card,
 * which words make a number an amount), the difference is a parameter.
 *
 * Private to those modules.  Pure: no I/O, no global state.  All classes
 * are ASCII: the locale plays no part, and UTF-8 bytes are no letters.
 */
#ifndef CONVTRACK_TEXTSCAN_H
#define CONVTRACK_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/text.h"

/* True when c is an ASCII digit '0'..'9'. */
static inline bool ct_scan_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when c is an ASCII upper-case letter 'A'..'Z'. */
static inline bool ct_scan_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* True when c is an ASCII lower-case letter 'a'..'z'. */
static inline bool ct_scan_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* True when c is an ASCII letter. */
static inline bool ct_scan_alpha(char c)
{
	return ct_scan_upper(c) || ct_scan_lower(c);
}

/* True when c is an ASCII letter or digit. */
static inline bool ct_scan_alnum(char c)
{
	return ct_scan_alpha(c) || ct_scan_digit(c);
}

/* c lower-cased when it is an ASCII upper-case letter; else c unchanged. */
static inline char ct_scan_to_lower(char c)
{
	return ct_scan_upper(c) ? (char)(c + 32) : c;
}

/*
 * Index of the first token of t that starts at or after byte pos; t->n when
 * there is none.  The tokens must be in text order.
 */
size_t ct_scan_tok_at(const struct ct_text_tokens *t, size_t pos);

/*
 * The digit (0-9) that token i of t spells, or -1: "zero".."nine", "nil",
 * "nought" only when nought is true, and "oh" or "o" when in_run is true or
 * token i + 1 spells a digit.  Past the end of t no token spells a digit.
 */
int ct_scan_digit_word(const struct ct_text_tokens *t, size_t i, bool in_run,
		       bool nought);

/*
 * True when a currency sign ("$", pound, euro) or a word for which
 * listed() is true ends just before byte a of text, over spaces only ("USD
 * 50", "$ 50").  t are the tokens of text; listed is given a token's text.
 */
bool ct_scan_amount_before(const char *text, const struct ct_text_tokens *t,
			   size_t a, bool (*listed)(const char *w));

/*
 * True when "%" or a word for which listed() is true starts just after byte
 * b of text (len bytes), over spaces only ("50 dollars", "10 %").  t are the
 * tokens of text.
 */
bool ct_scan_amount_after(const char *text, size_t len,
			  const struct ct_text_tokens *t, size_t b,
			  bool (*listed)(const char *w));

/*
 * Makes room in the array *v (*cap elements of size bytes) for element n:
 * doubles it (from 64) when n reaches *cap.  Returns 0, or -1 when out of
 * memory (*v and *cap unchanged).
 */
int ct_scan_grow(void **v, size_t *cap, size_t n, size_t size)
	__attribute__((warn_unused_result));

/* Most digit groups in one run; a longer run is cut after that many. */
#define CT_SCAN_GROUPS_MAX 16

/*
 * A run of digit groups in a text.  For group g: the byte offsets of its
 * first digit (gs) and past its last digit (ge); the same with a "(" (or,
 * for the first group, "+" or "(+") before it (ps) and a ")" after it
 * (pe); and whether it follows group g - 1 through one or two spaces or
 * "-" only, with no parenthesis on either side (plain).
 */
struct ct_scan_run {
	size_t ng;
	size_t ps[CT_SCAN_GROUPS_MAX], gs[CT_SCAN_GROUPS_MAX];
	size_t ge[CT_SCAN_GROUPS_MAX], pe[CT_SCAN_GROUPS_MAX];
	bool plain[CT_SCAN_GROUPS_MAX];
};

/*
 * Reads into r the run that starts at byte i of s (len bytes), which must
 * be a digit: groups of digits joined by up to three of " ", "-", "." and
 * an optional "(" before the next group.  Returns the end of its last
 * group.
 */
size_t ct_scan_read_run(const char *s, size_t len, size_t i,
			struct ct_scan_run *r);

/*
 * True when run r has the shape of a card number: one group of at least
 * single_min digits, or three groups or more of 13 digits or more in all,
 * all of four digits but at most one.
 */
bool ct_scan_card_like(const struct ct_scan_run *r, size_t single_min);

/*
 * True when s (n bytes) is a domain name: two labels or more of 1-63
 * bytes, none starting or ending with "-", the last one of two letters or
 * more.
 */
bool ct_scan_domain_ok(const char *s, size_t n);

/*
 * True when byte i of s (len bytes) is the "@" of a written email address
 * ("tendai.moyo@gmail.com") of at most max bytes, whose local part has
 * 1-64 bytes, does not end with "." and has no "..", and whose domain
 * passes ct_scan_domain_ok().  Dots before the local part and dots or
 * hyphens after the domain are left out.  On success the address is
 * s[*start, *end); on failure *start and *end are not set.
 */
bool ct_scan_email_at(const char *s, size_t len, size_t i, size_t max,
		      size_t *start, size_t *end);

#endif /* CONVTRACK_TEXTSCAN_H */
