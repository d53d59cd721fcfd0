/*
 * Internals of the redactor shared by its files (redact.c, redact_scan.c,
 * redact_pattern.c, redact_number.c, redact_cue.c, redact_shape.c): the
 * compiled patterns, the redactor's state, the context of one text being
 * scanned, and the detectors that redact.c runs over it.  Private to
 * src/text; the contract is include/convtrack/redact.h.
 */
#ifndef CONVTRACK_REDACT_INT_H
#define CONVTRACK_REDACT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/extract.h"
#include "convtrack/redact.h"
#include "convtrack/text.h"

struct ct_hmac;

/* ---------------------------------------------------------------------- */
/* The pattern language (redact_pattern.c). */

#define CT_RD_ATOMS_MAX 64
/* Fewest letters or digits a pattern must require. */
#define CT_RD_PATTERN_MIN_CHARS 4

struct ct_rd_atom {
	char kind; /* 'D', 'L', 'A', 'N', '_' or 'c' (literal) */
	char lit; /* the literal, lower-cased */
	unsigned char min, max;
};

struct ct_rd_pattern {
	enum ct_redact_type type;
	bool cued;
	size_t n;
	struct ct_rd_atom atoms[CT_RD_ATOMS_MAX];
};

/*
 * Compiles src into p; returns 0, or -1 when it is not a valid pattern or
 * requires fewer than min_chars letters and digits.
 */
int ct_rd_compile(const char *src, size_t min_chars, struct ct_rd_pattern *p)
	__attribute__((warn_unused_result));

/* What a match must not touch on its right (redact.h, "stands alone"). */
bool ct_rd_end_ok(const char *s, size_t len, size_t end, bool grouped);

/* The same on the left of a match starting at byte start. */
bool ct_rd_start_ok(const char *s, size_t start, bool grouped);

/*
 * Matches p at byte start of s; returns the end, or 0 when it does not
 * match there (a match is never empty).
 */
size_t ct_rd_match(const struct ct_rd_pattern *p, const char *s, size_t len,
		   size_t start);

/* ---------------------------------------------------------------------- */
/* The redactor (redact.c). */

/* Room for the cue phrases of ct_rd_cues (redact_cue.c checks it). */
#define CT_RD_CUES_MAX 128

struct ct_redact {
	enum ct_redact_mode email_mode;
	enum ct_redact_mode phone_mode;
	struct ct_hmac *key; /* NULL when no key was given */
	char cc[4]; /* "" when local phone forms are not guessed */
	size_t n_pats;
	struct ct_rd_pattern *pats;
	bool defaults; /* the default patterns are in pats */
	bool quick; /* every pattern needs a digit: ct_redact_may_match() */
	/* The built-in shapes of cued values. */
	struct ct_rd_pattern pin, cvv, otp, card;
	/*
	 * The cue phrases (ct_rd_cues) by their first byte, in table order:
	 * those starting with byte b are cue_order[cue_first[b] ..
	 * cue_first[b + 1] - 1].  Most tokens start no phrase at all.
	 */
	unsigned char cue_order[CT_RD_CUES_MAX];
	unsigned char cue_first[257];
};

/* ---------------------------------------------------------------------- */
/* One text being scanned (redact_scan.c). */

/* Priorities of the detectors (redact.c's opening comment). */
#define CT_RD_PRIO_CUE 3
#define CT_RD_PRIO_STRICT 3 /* IBANs and uncued patterns */
#define CT_RD_PRIO_SHAPE 2 /* cards */
#define CT_RD_PRIO_CONTACT 1

/* A span proposed by a detector. */
struct ct_rd_item {
	enum ct_redact_type type;
	size_t start, end;
	int prio;
	size_t order; /* proposal order, to break ties */
	char norm[CT_EXTRACT_EMAIL_LEN]; /* email or phone to hash, or "" */
};

/* Digits spoken as words ("zero seven seven ..."), in tokens first..last. */
struct ct_rd_spoken {
	size_t first, last;
	size_t start, end; /* bytes */
	char d[48]; /* the digits, after a "+" when "plus" was said */
	size_t nd; /* digits, the "+" not counted */
};

struct ct_rd_ctx {
	const struct ct_redact *r;
	const char *s;
	size_t len;
	struct ct_text_tokens t;
	struct ct_rd_item *items;
	size_t n_items, cap_items;
	struct ct_rd_spoken *spoken;
	size_t n_spoken, cap_spoken;
	size_t *quiet; /* where the values of reference cues start */
	size_t n_quiet, cap_quiet;
	bool oom;
};

/* Token i, lower-cased; "" past the end. */
static inline const char *ct_rd_tok(const struct ct_rd_ctx *c, size_t i)
{
	return i < c->t.n ? c->t.v[i].s : "";
}

/* True when w is one of the space-separated words of list. */
bool ct_rd_in(const char *list, const char *w);

/* Makes room for one more element in *v (n used of *cap); false on OOM. */
bool ct_rd_grow(void **v, size_t *cap, size_t n, size_t size);

/* Proposes a span; norm is the value to hash for an email or phone. */
void ct_rd_add(struct ct_rd_ctx *c, enum ct_redact_type type, size_t start,
	       size_t end, int prio, const char *norm);

/* Index of the first token that starts at or after byte pos. */
size_t ct_rd_tok_at(const struct ct_rd_ctx *c, size_t pos);

/* True when a ":" or "=" lies between token i - 1 and token i. */
bool ct_rd_gap_has_link(const struct ct_rd_ctx *c, size_t i);

/* True when only bytes of set lie between token i - 1 and token i. */
bool ct_rd_gap_only(const struct ct_rd_ctx *c, size_t i, const char *set);

/* Length of the punctuation character that ends (or, with at_start,
 * begins) s[a, b): U+00A0..U+00BF, U+2000..U+206F; 0 when there is none. */
size_t ct_rd_punct_len(const char *str, size_t a, size_t b, bool at_start);

/* Tokenizes c->s as the rules read it; 0 or CT_REDACT_ENOMEM. */
int ct_rd_tokenize(struct ct_rd_ctx *c)
	__attribute__((warn_unused_result));

/* ---------------------------------------------------------------------- */
/* Amounts, references and spoken digits (redact_number.c). */

/* True when a currency sign or word comes just before byte a. */
bool ct_rd_amount_before(const struct ct_rd_ctx *c, size_t a);

/* True when a unit or "%" follows byte b. */
bool ct_rd_amount_after(const struct ct_rd_ctx *c, size_t b);

/* True when a value [a, b) is an amount by what surrounds it. */
bool ct_rd_amount(const struct ct_rd_ctx *c, size_t a, size_t b);

/*
 * True when a reference cue's value starts at byte a.  Cues are found left
 * to right, so c->quiet is in ascending order.
 */
bool ct_rd_quiet(const struct ct_rd_ctx *c, size_t a);

/* The digit that token i spells, or -1; "oh" counts inside a run. */
int ct_rd_digit_word(const struct ct_rd_ctx *c, size_t i, bool in_run);

/* Collects the runs of at least 3 spoken digits of the text. */
void ct_rd_find_spoken(struct ct_rd_ctx *c);

/*
 * The spoken run that starts (or, with at_end, ends) at token i, or NULL.
 * Runs do not overlap and are in text order.
 */
const struct ct_rd_spoken *ct_rd_spoken_at(const struct ct_rd_ctx *c, size_t i,
					   bool at_end);

/* ---------------------------------------------------------------------- */
/* Cues and answers to prompts (redact_cue.c). */

enum ct_rd_cue {
	CT_RD_CUE_PIN,
	CT_RD_CUE_CVV,
	CT_RD_CUE_OTP,
	CT_RD_CUE_PASSWORD,
	CT_RD_CUE_ACCOUNT,
	CT_RD_CUE_ID,
	CT_RD_CUE_CARD,
	CT_RD_CUE_REFERENCE /* its value is neither a card nor a phone */
};

/* Fills r->cue_order and r->cue_first (a counting sort, stable). */
void ct_rd_index_cues(struct ct_redact *r);

/* Finds every cue of the text and proposes its value. */
void ct_rd_find_cues(struct ct_rd_ctx *c);

/*
 * The kinds of value a prompt asks for (PIN, CVV, OTP, password, account,
 * ID, card), as bits 1 << cue, and the last one mentioned in *last.
 */
unsigned ct_rd_prompt_cues(const struct ct_rd_ctx *p, enum ct_rd_cue *last);

/*
 * Proposes the value that answers a prompt at the start of the text ("4321",
 * "yes, it's 4321", "sure: 0123456789"): of the last kind the prompt asked
 * for, else of another it asked for.
 */
void ct_rd_answer(struct ct_rd_ctx *c, unsigned kinds, enum ct_rd_cue last);

/* ---------------------------------------------------------------------- */
/* Detectors by shape (redact_shape.c). */

/*
 * Finds cards and phones written with digits.  A group glued to a word,
 * time, decimal, USSD code or amount is dropped from the end of a run where
 * it stands; a run after a reference cue is skipped.
 */
void ct_rd_find_digit_runs(struct ct_rd_ctx *c);

/* Finds cards and phones spoken in words. */
void ct_rd_find_spoken_numbers(struct ct_rd_ctx *c);

/* Finds IBANs. */
void ct_rd_find_ibans(struct ct_rd_ctx *c);

/* Finds the matches of the uncued patterns. */
void ct_rd_find_patterns(struct ct_rd_ctx *c);

/* Finds written email addresses ("tendai.moyo@gmail.com"). */
void ct_rd_find_emails(struct ct_rd_ctx *c);

#endif
