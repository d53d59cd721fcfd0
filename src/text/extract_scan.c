/*
 * The machinery that every rule of the extractor shares: word lists, the
 * gaps between tokens, where sentences and clauses break, and phrases
 * spelt by tokens.  It depends on no rule, so the rules depend on it and
 * never on each other in a circle.
 *
 * Pure: no I/O, no global state.
 */
#include <string.h>

#include "extract_int.h"
#include "textscan.h"

/* ---------------------------------------------------------------------- */
/* Small helpers. */

bool ct_ex_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	if (n == 0 || strchr(w, ' '))
		return false;
	while ((p = strstr(p, w)) != NULL) {
		if (p > list && p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

bool ct_ex_gap_has(const struct ct_ex *x, size_t i, const char *set)
{
	size_t a = i == 0 ? 0 : x->t->v[i - 1].end;
	size_t b = i < x->t->n ? x->t->v[i].start : x->len;

	for (; a < b; a++)
		if (x->text[a] != '\0' && strchr(set, x->text[a]))
			return true;
	return false;
}

size_t ct_ex_gap_len(const struct ct_ex *x, size_t i)
{
	size_t a = i == 0 ? 0 : x->t->v[i - 1].end;
	size_t b = i < x->t->n ? x->t->v[i].start : x->len;

	return b - a;
}

bool ct_ex_sentence_start(const struct ct_ex *x, size_t i)
{
	return i == 0 || i >= x->t->n || ct_ex_gap_has(x, i, ".!?\n\r");
}

bool ct_ex_clause_break(const struct ct_ex *x, size_t i)
{
	if (i == 0 || i >= x->t->n)
		return true;
	if (ct_ex_gap_has(x, i, ".!?\n\r,;:()\"[]"))
		return true;
	return ct_ex_gap_has(x, i, "-") && ct_ex_gap_len(x, i) > 1;
}

bool ct_ex_at(const struct ct_ex *x, size_t i, const char *phrase)
{
	while (*phrase) {
		size_t l = strcspn(phrase, " ");
		const char *w = ct_ex_tok(x, i++);

		if (strlen(w) != l || memcmp(w, phrase, l) != 0)
			return false;
		phrase += l;
		phrase += strspn(phrase, " ");
	}
	return true;
}

bool ct_ex_at_any(const struct ct_ex *x, size_t i, const char *phrases)
{
	char one[64];

	while (*phrases) {
		size_t l = strcspn(phrases, "|");

		if (l < sizeof(one)) {
			memcpy(one, phrases, l);
			one[l] = '\0';
			if (ct_ex_at(x, i, one))
				return true;
		}
		phrases += l;
		phrases += *phrases == '|';
	}
	return false;
}

size_t ct_ex_tok_at(const struct ct_ex *x, size_t pos)
{
	return ct_scan_tok_at(x->t, pos);
}
