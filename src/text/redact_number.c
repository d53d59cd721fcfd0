/*
 * How the redactor reads the numbers around a value: amounts, units and
 * references ("$1,250.00", "1000 dollars", the number after "reference"),
 * which are never values, and digits spoken as words ("zero seven seven
 * ...", "double seven"), which may be.  The cue and the shape detectors both
 * ask these questions, so the answers live in one place.
 *
 * Pure: no I/O, no global state.
 */
#include <string.h>

#include "redact_int.h"
#include "textscan.h"

/* ---------------------------------------------------------------------- */
/* Amounts, units and references: numbers that are no values. */

/* Currency words before an amount ("USD 50", "ZWL 5000", "R 200"). */
static const char ct_rd_currency_before[] =
	" usd zwl zwd zig zwg rtgs bond rand rands zar gbp eur pula bwp kes"
	" ngn r ";

/* Units after a number ("50 dollars", "10 pm", "3 times"). */
static const char ct_rd_units_after[] =
	" dollars dollar usd zwl zwd zig zwg rtgs bond bonds rand rands zar"
	" pounds pound gbp euros euro eur cents cent bucks pula percent pct"
	" k bn million millions billion thousand thousands hundred hundreds"
	" am pm hrs hr hours hour minutes minute mins min seconds secs sec"
	" days day weeks week months month years year yrs times ";

/* True when token w is a currency word of ct_rd_currency_before. */
static bool ct_rd_currency_word(const char *w)
{
	return ct_rd_in(ct_rd_currency_before, w);
}

/* True when token w is a unit of ct_rd_units_after. */
static bool ct_rd_unit_word(const char *w)
{
	return ct_rd_in(ct_rd_units_after, w);
}

bool ct_rd_amount_before(const struct ct_rd_ctx *c, size_t a)
{
	return ct_scan_amount_before(c->s, &c->t, a, ct_rd_currency_word);
}

bool ct_rd_amount_after(const struct ct_rd_ctx *c, size_t b)
{
	return ct_scan_amount_after(c->s, c->len, &c->t, b, ct_rd_unit_word);
}

bool ct_rd_amount(const struct ct_rd_ctx *c, size_t a, size_t b)
{
	return ct_rd_amount_before(c, a) || ct_rd_amount_after(c, b);
}

bool ct_rd_quiet(const struct ct_rd_ctx *c, size_t a)
{
	size_t lo = 0, hi = c->n_quiet;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->quiet[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n_quiet && c->quiet[lo] == a;
}

/* ---------------------------------------------------------------------- */
/* Digits spoken as words. */

int ct_rd_digit_word(const struct ct_rd_ctx *c, size_t i, bool in_run)
{
	return ct_scan_digit_word(&c->t, i, in_run, true); /* with "nought" */
}

/*
 * Reads the spoken digits that start at token i ("plus", "double",
 * "triple" allowed; commas, hyphens and spaces between words) into sp.
 * Returns the token after them (i when there are none).
 */
static size_t ct_rd_read_spoken(const struct ct_rd_ctx *c, size_t i,
				struct ct_rd_spoken *sp)
{
	size_t j = i, n = c->t.n, nc = 0;

	memset(sp, 0, sizeof(*sp));
	if (strcmp(ct_rd_tok(c, i), "plus") == 0 &&
	    ct_rd_digit_word(c, i + 1, true) > 0) {
		sp->d[nc++] = '+';
		j++;
	}
	while (j < n && nc + 3 < sizeof(sp->d)) {
		size_t step = 1;
		int rep = 1, dg;

		if (j > i && !ct_rd_gap_only(c, j, " ,-"))
			break;
		if (strcmp(ct_rd_tok(c, j), "double") == 0)
			rep = 2;
		else if (strcmp(ct_rd_tok(c, j), "triple") == 0)
			rep = 3;
		if (rep > 1) {
			step = 2;
			if (j + 1 >= n || !ct_rd_gap_only(c, j + 1, " ,-"))
				break;
		}
		dg = ct_rd_digit_word(c, j + step - 1, sp->nd > 0);
		if (dg < 0)
			break;
		while (rep-- > 0) {
			sp->d[nc++] = (char)('0' + dg);
			sp->nd++;
		}
		j += step;
	}
	sp->d[nc] = '\0';
	if (sp->nd == 0)
		return i;
	sp->first = i;
	sp->last = j - 1;
	sp->start = c->t.v[i].start;
	sp->end = c->t.v[j - 1].end;
	return j;
}

void ct_rd_find_spoken(struct ct_rd_ctx *c)
{
	size_t i = 0;

	while (i < c->t.n) {
		struct ct_rd_spoken sp;
		size_t j = ct_rd_read_spoken(c, i, &sp);

		if (j == i) {
			i++;
			continue;
		}
		i = j;
		if (sp.nd < 3)
			continue;
		if (!ct_rd_grow((void **)&c->spoken, &c->cap_spoken,
				c->n_spoken, sizeof(*c->spoken))) {
			c->oom = true;
			return;
		}
		c->spoken[c->n_spoken++] = sp;
	}
}

const struct ct_rd_spoken *ct_rd_spoken_at(const struct ct_rd_ctx *c, size_t i,
					   bool at_end)
{
	size_t lo = 0, hi = c->n_spoken;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t v = at_end ? c->spoken[mid].last : c->spoken[mid].first;

		if (v < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n_spoken &&
	    (at_end ? c->spoken[lo].last : c->spoken[lo].first) == i)
		return &c->spoken[lo];
	return NULL;
}
