/*
 * The machinery that every detector of the redactor shares: the tokens of
 * one text as the rules read them (split at Unicode punctuation), the gaps
 * between tokens, word lists, and the spans the detectors propose, which
 * redact.c settles.  It depends on no detector, so the detectors depend on
 * it and never on each other in a circle.
 *
 * Pure: no I/O, no global state.
 */
#include <stdlib.h>
#include <string.h>

#include "convtrack/text.h"
#include "redact_int.h"
#include "textscan.h"

/* ---------------------------------------------------------------------- */
/* Small helpers. */

bool ct_rd_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	if (n == 0)
		return false;
	while ((p = strstr(p, w)) != NULL) {
		if (p > list && p[-1] == ' ' && p[n] == ' ')
			return true;
		p++;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Spans proposed for one text, and its tokens. */

bool ct_rd_grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

void ct_rd_add(struct ct_rd_ctx *c, enum ct_redact_type type, size_t start,
	       size_t end, int prio, const char *norm)
{
	struct ct_rd_item *it;

	if (end <= start)
		return;
	if (!ct_rd_grow((void **)&c->items, &c->cap_items, c->n_items,
			sizeof(*c->items))) {
		c->oom = true;
		return;
	}
	it = &c->items[c->n_items];
	it->type = type;
	it->start = start;
	it->end = end;
	it->prio = prio;
	it->order = c->n_items++;
	it->norm[0] = '\0';
	if (norm && strlen(norm) < sizeof(it->norm))
		strcpy(it->norm, norm);
}

size_t ct_rd_tok_at(const struct ct_rd_ctx *c, size_t pos)
{
	return ct_scan_tok_at(&c->t, pos);
}

bool ct_rd_gap_has_link(const struct ct_rd_ctx *c, size_t i)
{
	size_t k;

	for (k = i > 0 ? c->t.v[i - 1].end : 0; k < c->t.v[i].start; k++)
		if (c->s[k] == ':' || c->s[k] == '=')
			return true;
	return false;
}

bool ct_rd_gap_only(const struct ct_rd_ctx *c, size_t i, const char *set)
{
	size_t k;

	for (k = c->t.v[i - 1].end; k < c->t.v[i].start; k++)
		if (!strchr(set, c->s[k]))
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Tokens as the rules read them. */

size_t ct_rd_punct_len(const char *str, size_t a, size_t b, bool at_start)
{
	const unsigned char *s = (const unsigned char *)str;

	if (at_start) {
		if (b - a >= 2 && s[a] == 0xC2 && s[a + 1] >= 0xA0 &&
		    s[a + 1] <= 0xBF)
			return 2;
		if (b - a >= 3 && s[a] == 0xE2 &&
		    (s[a + 1] == 0x80 || s[a + 1] == 0x81))
			return 3;
		return 0;
	}
	if (b - a >= 2 && s[b - 2] == 0xC2 && s[b - 1] >= 0xA0 &&
	    s[b - 1] <= 0xBF)
		return 2;
	if (b - a >= 3 && s[b - 3] == 0xE2 &&
	    (s[b - 2] == 0x80 || s[b - 2] == 0x81))
		return 3;
	return 0;
}

/* Appends the token [a, b) of the text to toks, spelt as the tokenizer
 * spells tokens; false when out of memory. */
static bool ct_rd_push_token(const char *s, size_t a, size_t b,
			     struct ct_text_tokens *toks)
{
	struct ct_text_token *t;
	size_t k, n = 0;

	if (!ct_rd_grow((void **)&toks->v, &toks->cap, toks->n,
			sizeof(*toks->v)))
		return false;
	t = &toks->v[toks->n++];
	for (k = a; k < b && n < CT_TEXT_TOKEN_MAX; k++) {
		if (b - k >= 3 && memcmp(s + k, "\xE2\x80\x99", 3) == 0) {
			t->s[n++] = '\'';
			k += 2;
			continue;
		}
		t->s[n++] = ct_scan_to_lower(s[k]);
	}
	t->s[n] = '\0';
	t->start = a;
	t->end = b;
	return true;
}

/*
 * Splits tokens at Unicode punctuation and drops what is punctuation only:
 * the tokenizer keeps non-ASCII bytes in words, so "pin…4321", "“1234" or
 * "—" would hide a cue or a value.  A curly apostrophe between letters
 * ("don’t") stays in its word.  Returns 0, or CT_REDACT_ENOMEM.
 */
static int ct_rd_split_tokens(struct ct_rd_ctx *c)
{
	struct ct_text_tokens out = { 0 };
	const char *s = c->s;
	size_t i;

	for (i = 0; i < c->t.n; i++) {
		size_t e = c->t.v[i].end, a = c->t.v[i].start, k = a;

		while (k < e) {
			size_t p = ct_rd_punct_len(s, k, e, true);

			if (p == 3 && memcmp(s + k, "\xE2\x80\x99", 3) == 0 &&
			    k > c->t.v[i].start && ct_scan_alpha(s[k - 1]) &&
			    k + 3 < e && ct_scan_alpha(s[k + 3]))
				p = 0;
			if (p == 0) {
				k++;
				continue;
			}
			if (k > a && !ct_rd_push_token(s, a, k, &out))
				goto out_nomem;
			k += p;
			a = k;
		}
		if (a < e && !ct_rd_push_token(s, a, e, &out))
			goto out_nomem;
	}
	ct_text_tokens_free(&c->t);
	c->t = out;
	return 0;

out_nomem:
	ct_text_tokens_free(&out);
	return CT_REDACT_ENOMEM;
}

int ct_rd_tokenize(struct ct_rd_ctx *c)
{
	if (ct_text_tokenize(c->s, c->len, &c->t) < 0)
		return CT_REDACT_ENOMEM;
	return ct_rd_split_tokens(c);
}
