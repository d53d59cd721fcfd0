/*
 * Banking question detection: scoring one text with the parsed model
 * (banking.c).  The text's tokens (ct_text_tokenize()) become words
 * ("'s" cut off, a number's digit groups joined), the words become units
 * (placeholders for numbers, amounts, currencies; names and relatives
 * dropped; "~word" for a bank word that a guard gives another sense), and
 * the units give the features whose weights are summed: each unit, "~"
 * for any guarded word, its lexicon class, "!unit" inside a negation
 * scope, the hashed character n-grams of each word, and each pair of
 * neighbouring units.  A text of several sentences scores as the best of
 * itself and each sentence.
 *
 * Everything here is what units(), features_of() and score() of
 * tools/train_banking.py do, in the same order, so the C and Python scores
 * agree to the last bit (tests/unit/test_banking.c checks it).  Pure: only
 * reads the model, so concurrent callers need no lock.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banking_int.h"
#include "convtrack/banking.h"
#include "convtrack/text.h"

#define CT_BANKING_STACK 48 /* words scored without a heap array */

/* A token with "'s" cut off, or a number with its digit groups joined. */
struct ct_banking_word {
	const char *s; /* the (first) token's bytes */
	uint32_t len;
	uint32_t sent;  /* sentence ends before the word */
	size_t start, end;
	const struct ct_banking_entry *e; /* the word's key, or NULL */
	bool clause;    /* a clause ends just before the word */
	bool digits;    /* a number (or an amount token) */
	bool amount;    /* a sign or currency code and digits: "r50" */
};

/* What a word becomes: the material of the features. */
struct ct_banking_unit {
	const char *s;
	uint32_t len;
	uint32_t sent;
	double w;                            /* the unit's own weight */
	const struct ct_banking_entry *lex;  /* a lexicon word, or NULL */
	bool neg;                            /* in a negation scope */
	bool chars;                          /* its n-grams count */
	bool force;
	char buf[CT_TEXT_TOKEN_MAX + 2];     /* "~word" */
};

/* The scratch of one call: the words and units of the text. */
struct ct_banking_work {
	struct ct_banking_word *w;
	struct ct_banking_unit *u;
	size_t nw, nu;
};

/* Signs after which a number is an amount: $ £ € ¥ ₹ ₦. */
static const char *const ct_banking_signs[] = {
	"$", "\xc2\xa3", "\xe2\x82\xac", "\xc2\xa5", "\xe2\x82\xb9",
	"\xe2\x82\xa6",
};

/*
 * Beginnings of a token that is an amount when digits follow ("$" never is
 * inside a token): the other signs and currency codes.
 */
static const char *const ct_banking_prefixes[] = {
	"\xc2\xa3", "\xe2\x82\xac", "\xc2\xa5", "\xe2\x82\xb9",
	"\xe2\x82\xa6", "r", "usd", "zwl", "zig",
};

/* The weight of the feature named key (0 when the model has none). */
static double ct_banking_weight(const struct ct_banking *b, const char *key,
				size_t len)
{
	const struct ct_banking_entry *e = ct_banking_find(b, key, len);

	return e ? e->weight : 0.0;
}

static bool ct_banking_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/* True when s is a currency sign or code followed by digits. */
static bool ct_banking_amount_token(const char *s, size_t len)
{
	size_t i, pl;

	if (!len || s[len - 1] < '0' || s[len - 1] > '9')
		return false;
	for (i = 0; i < sizeof(ct_banking_prefixes) /
			    sizeof(ct_banking_prefixes[0]);
	     i++) {
		pl = strlen(ct_banking_prefixes[i]);
		if (len > pl && memcmp(s, ct_banking_prefixes[i], pl) == 0 &&
		    ct_banking_all_digits(s + pl, len - pl))
			return true;
	}
	return false;
}

/* True when text[start..end) holds one of the bytes of set. */
static bool ct_banking_gap_has(const char *text, size_t start, size_t end,
			       const char *set)
{
	size_t i;

	for (i = start; i < end; i++)
		if (text[i] && strchr(set, text[i]))
			return true;
	return false;
}

/* True when a currency sign (and at most one space) precedes text[start]. */
static bool ct_banking_after_sign(const char *text, size_t start)
{
	size_t i, j = start, sl;

	if (j > 0 && text[j - 1] == ' ')
		j--;
	for (i = 0; i < sizeof(ct_banking_signs) / sizeof(ct_banking_signs[0]);
	     i++) {
		sl = strlen(ct_banking_signs[i]);
		if (j >= sl && memcmp(text + j - sl, ct_banking_signs[i], sl) == 0)
			return true;
	}
	return false;
}

/* Fills wk->w from the tokens: words, their keys and the breaks between. */
static void ct_banking_words(const struct ct_banking *b, const char *text,
			     const struct ct_text_tokens *toks,
			     struct ct_banking_work *wk)
{
	size_t i;

	wk->nw = 0;
	for (i = 0; i < toks->n; i++) {
		const struct ct_text_token *t = &toks->v[i];
		struct ct_banking_word *w = &wk->w[wk->nw];
		size_t len = strlen(t->s);

		if (len > 2 && t->s[len - 2] == '\'' && t->s[len - 1] == 's')
			len -= 2;
		w->s = t->s;
		w->len = (uint32_t)len;
		w->start = t->start;
		w->end = t->end;
		w->digits = ct_banking_all_digits(t->s, len) ||
			    (len > 1 && t->s[len - 1] == 'k' &&
			     ct_banking_all_digits(t->s, len - 1)); /* "2k" */
		w->amount = !w->digits && ct_banking_amount_token(t->s, len);
		w->digits |= w->amount;
		while (w->digits && i + 1 < toks->n &&
		       ct_banking_all_digits(toks->v[i + 1].s,
					     strlen(toks->v[i + 1].s)) &&
		       toks->v[i + 1].start == w->end + 1 &&
		       (text[w->end] == ',' || text[w->end] == '.'))
			w->end = toks->v[++i].end;
		w->e = ct_banking_find(b, w->s, len);
		w->sent = 0;
		w->clause = false;
		if (wk->nw > 0) {
			const struct ct_banking_word *p = w - 1;

			w->sent = p->sent + ct_banking_gap_has(text, p->end,
							       w->start,
							       ".!?\n");
			w->clause = ct_banking_gap_has(text, p->end, w->start,
						       ".!?\n,;:()");
		}
		wk->nw++;
	}
}

/* True when a cue of condition c is near word i (c's range, same sentence). */
static bool ct_banking_cond_hit(const struct ct_banking *b,
				const struct ct_banking_work *wk, size_t i,
				uint32_t c)
{
	const struct ct_banking_cond *cond = &b->conds[c];
	long lo = (long)i + cond->lo, hi = (long)i + cond->hi, k;

	if (lo < 0)
		lo = 0;
	if (hi > (long)wk->nw - 1)
		hi = (long)wk->nw - 1;
	for (k = lo; k <= hi; k++) {
		const struct ct_banking_word *w = &wk->w[k];
		const struct ct_banking_extra *x = ct_banking_x(b, w->e);
		uint32_t l;

		if ((size_t)k == i || w->sent != wk->w[i].sent)
			continue;
		if (cond->num && w->digits)
			return true;
		for (l = x ? x->cue : 0; l; l = b->cues[l - 1].next)
			if (b->cues[l - 1].cond == c)
				return true;
	}
	return false;
}

/* True when one of the guards of word i holds: it has another sense. */
static bool ct_banking_guarded(const struct ct_banking *b,
			       const struct ct_banking_work *wk, size_t i)
{
	uint32_t g;

	for (g = ct_banking_x(b, wk->w[i].e)->guard; g;
	     g = b->guards[g - 1].next) {
		const struct ct_banking_guard *gd = &b->guards[g - 1];
		uint32_t c;
		bool ok = true;

		for (c = gd->cond; ok && c < gd->cond + gd->ncond; c++)
			ok = ct_banking_cond_hit(b, wk, i, c) != b->conds[c].neg;
		if (ok)
			return true;
	}
	return false;
}

/*
 * Sets the unit's own weight and force flag from its key: e for a word
 * (word true; NULL when the model does not name it), else looked up.
 */
static void ct_banking_unit_key(const struct ct_banking *b,
				struct ct_banking_unit *u,
				const struct ct_banking_entry *e, bool word)
{
	if (!word)
		e = ct_banking_find(b, u->s, u->len);
	u->w = e ? e->weight : 0.0;
	u->force = e && (e->flags & CT_BANKING_FORCE);
	u->chars = b->chars && u->s[0] != '<' && u->s[0] != '~' &&
		   u->s[0] != '@';
}

/*
 * Makes word i a unit (or nothing: a dropped word).  Returns false when it
 * gives no unit.
 */
static bool ct_banking_unit(const struct ct_banking *b,
			    const char *text, const struct ct_banking_work *wk,
			    size_t i, struct ct_banking_unit *u)
{
	const struct ct_banking_word *w = &wk->w[i];
	const struct ct_banking_entry *e = w->e;
	const struct ct_banking_extra *x = ct_banking_x(b, e);
	bool word = false;

	u->sent = w->sent;
	u->lex = NULL;
	if (w->s[0] == '*') {
		u->s = "@ussd";
		u->len = 5;
		u->lex = e;
	} else if (w->digits) {
		u->s = w->amount || ct_banking_after_sign(text, w->start) ?
			       "<amount>" : "<num>";
		u->len = (uint32_t)strlen(u->s);
	} else if (x && x->guard && ct_banking_guarded(b, wk, i)) {
		u->buf[0] = '~';
		memcpy(u->buf + 1, w->s, w->len);
		u->s = u->buf;
		u->len = w->len + 1;
	} else if (e && (e->flags & CT_BANKING_MAP)) {
		if (e->flags & CT_BANKING_DROP)
			return false;
		u->s = b->keys + x->map_off;
		u->len = x->map_len;
	} else {
		u->s = w->s;
		u->len = w->len;
		u->lex = e;
		word = true;
	}
	ct_banking_unit_key(b, u, e, word);
	return true;
}

static bool ct_banking_is_num(const struct ct_banking_unit *u)
{
	return u->len == 5 && memcmp(u->s, "<num>", 5) == 0;
}

/* Fills wk->u from wk->w: the units with their negation scopes. */
static void ct_banking_units(const struct ct_banking *b, const char *text,
			     struct ct_banking_work *wk)
{
	unsigned scope = 0;
	size_t i;

	wk->nu = 0;
	for (i = 0; i < wk->nw; i++) {
		const struct ct_banking_word *w = &wk->w[i];
		struct ct_banking_unit *u = &wk->u[wk->nu];

		if (w->clause || (w->len == 3 && memcmp(w->s, "but", 3) == 0))
			scope = 0;
		if (!ct_banking_unit(b, text, wk, i, u))
			continue;
		if (wk->nu > 0 && ct_banking_is_num(u) &&
		    ct_banking_is_num(u - 1) && !w->clause)
			continue;
		u->neg = scope > 0;
		if (scope)
			scope--;
		if (w->e && (w->e->flags & CT_BANKING_NEG))
			scope = b->neg_scope;
		wk->nu++;
	}
}

/* The weights of the character n-grams of "<unit>", each times scale/n. */
static double ct_banking_ngrams(const struct ct_banking *b,
				const struct ct_banking_unit *u, double z)
{
	char w[CT_TEXT_TOKEN_MAX + 3];
	size_t len = u->len + 2, n, i, count = 0;
	double v;

	w[0] = '<';
	memcpy(w + 1, u->s, u->len);
	w[len - 1] = '>';
	for (n = b->char_min; n <= b->char_max; n++)
		count += len >= n ? len - n + 1 : 0;
	if (!count)
		return z;
	v = b->char_scale / (double)count;
	for (n = b->char_min; n <= b->char_max; n++)
		for (i = 0; i + n <= len; i++)
			z += b->chars[ct_banking_fnv(w + i, n) % b->char_buckets] *
			     v;
	return z;
}

/* The probability of units [from, to) alone, in the trainer's order. */
static double ct_banking_part(const struct ct_banking *b,
			      const struct ct_banking_unit *u, size_t from,
			      size_t to)
{
	char key[CT_BANKING_KEY_MAX + 1];
	const char *prev = "^";
	size_t pl = 1, i;
	double z = b->bias;

	for (i = from; i < to; i++) {
		z += u[i].w;
		if (u[i].s[0] == '~')
			z += ct_banking_weight(b, "~", 1);
		if (u[i].lex && (u[i].lex->flags & CT_BANKING_HAS_LEX))
			z += ct_banking_x(b, u[i].lex)->lexw;
		if (u[i].neg) {
			key[0] = '!';
			memcpy(key + 1, u[i].s, u[i].len);
			z += ct_banking_weight(b, key, u[i].len + 1);
		}
		if (u[i].chars)
			z = ct_banking_ngrams(b, &u[i], z);
	}
	for (i = from; i < to; i++) {
		memcpy(key, prev, pl);
		key[pl] = '_';
		memcpy(key + pl + 1, u[i].s, u[i].len);
		z += ct_banking_weight(b, key, pl + 1 + u[i].len);
		prev = u[i].s;
		pl = u[i].len;
	}
	if (z > CT_BANKING_Z_MAX)
		z = CT_BANKING_Z_MAX;
	else if (z < -CT_BANKING_Z_MAX)
		z = -CT_BANKING_Z_MAX;
	return 1.0 / (1.0 + exp(-z));
}

/* The score of the units: the best of the whole and of each sentence. */
static double ct_banking_sum(const struct ct_banking *b,
			     const struct ct_banking_work *wk)
{
	const struct ct_banking_unit *u = wk->u;
	size_t from, to, i;
	double p, q;
	bool forced = false;

	p = ct_banking_part(b, u, 0, wk->nu);
	if (u[0].sent != u[wk->nu - 1].sent) {
		for (from = 0; from < wk->nu; from = to) {
			for (to = from; to < wk->nu && u[to].sent == u[from].sent;)
				to++;
			q = ct_banking_part(b, u, from, to);
			if (q > p)
				p = q;
		}
	}
	for (i = 0; i < wk->nu; i++)
		forced |= u[i].force;
	return forced && p < b->threshold ? b->threshold : p;
}

double ct_banking_score(const struct ct_banking *b, const char *text,
			size_t len)
{
	struct ct_banking_word ws[CT_BANKING_STACK];
	struct ct_banking_unit us[CT_BANKING_STACK];
	struct ct_banking_work wk = { ws, us, 0, 0 };
	struct ct_text_tokens toks = { 0 };
	double p = 0.0;

	if (!b || !text || ct_text_tokenize(text, len, &toks) < 0 || !toks.n)
		goto out_free_toks;
	if (toks.n > CT_BANKING_STACK) {
		wk.w = malloc(toks.n * sizeof(*wk.w));
		wk.u = malloc(toks.n * sizeof(*wk.u));
		if (!wk.w || !wk.u)
			goto out_free_work;
	}
	ct_banking_words(b, text, &toks, &wk);
	ct_banking_units(b, text, &wk);
	if (wk.nu)
		p = ct_banking_sum(b, &wk);
out_free_work:
	if (wk.w != ws) {
		free(wk.w);
		free(wk.u);
	}
out_free_toks:
	ct_text_tokens_free(&toks);
	return p;
}

bool ct_banking_is_query(const struct ct_banking *b, const char *text,
			 size_t len)
{
	return b && ct_banking_score(b, text, len) >= b->threshold;
}
