/*
 * Banking question detection: a logistic regression over the shared
 * tokenizer's tokens, their bigrams and a bank lexicon.  Pure: the model
 * (data/runtime/banking_model.txt, written by tools/train_banking.py) is
 * compiled into the binary and parsed once into an open-addressing hash
 * table; scoring only reads it, so concurrent readers need no lock.  See
 * include/convtrack/banking.h and docs/text-rules-banking.md.
 *
 * The features and the order in which their weights are summed are those of
 * features() and score() in tools/train_banking.py, so the C and Python
 * scores agree to the last bit (tests/unit/test_banking.c checks it).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/banking.h"
#include "convtrack/text.h"
#include "embedded.h"

#define CT_BANKING_MODEL "banking_model.txt"
#define CT_BANKING_FORMAT "convtrack-banking 1"
#define CT_BANKING_USSD "@ussd"     /* the unigram of any USSD code */
#define CT_BANKING_START "^"        /* the token before the first */
#define CT_BANKING_Z_MAX 30.0       /* |z| is clamped, as the trainer does */
/* Longest feature: a bigram of two full tokens and "_". */
#define CT_BANKING_KEY_MAX (2 * CT_TEXT_TOKEN_MAX + 1)

/* One feature (or lexicon token) of the model. */
struct ct_banking_entry {
	uint32_t off;  /* key in ct_banking.keys; 0 = empty slot */
	uint32_t len;  /* key length */
	uint32_t hash;
	uint8_t flags; /* CT_BANKING_HAS_*, CT_BANKING_FORCE */
	double weight; /* of the feature named key */
	double lexw;   /* of the class the token key belongs to */
};

#define CT_BANKING_HAS_WEIGHT 1u
#define CT_BANKING_HAS_LEX 2u
#define CT_BANKING_FORCE 4u /* a text with this unigram is a query */

struct ct_banking {
	struct ct_banking_entry *v; /* capacity a power of two */
	size_t mask;
	char *keys; /* key bytes; offset 0 is unused */
	size_t keys_len;
	double bias;
	double threshold;
};

/* A "lex TOKEN CLASS" line, resolved once every weight is known. */
struct ct_banking_lex {
	const char *token, *cls;
	size_t token_len, cls_len;
};

/* Exact powers of ten for ct_banking_parse_number(). */
static const double ct_banking_pow10[16] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

static uint32_t ct_banking_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* The entry of key, or NULL. */
static const struct ct_banking_entry *
ct_banking_find(const struct ct_banking *b, const char *key, size_t len)
{
	uint32_t h = ct_banking_hash(key, len);
	size_t i;

	for (i = h & b->mask;; i = (i + 1) & b->mask) {
		const struct ct_banking_entry *e = &b->v[i];

		if (!e->off)
			return NULL;
		if (e->hash == h && e->len == len &&
		    memcmp(b->keys + e->off, key, len) == 0)
			return e;
	}
}

/*
 * The entry of key, added empty when missing (the table was sized for every
 * line of the model, so there is always room).
 */
static struct ct_banking_entry *ct_banking_slot(struct ct_banking *b,
						const char *key, size_t len)
{
	uint32_t h = ct_banking_hash(key, len);
	size_t i;

	for (i = h & b->mask;; i = (i + 1) & b->mask) {
		struct ct_banking_entry *e = &b->v[i];

		if (!e->off) {
			memcpy(b->keys + b->keys_len, key, len);
			e->off = (uint32_t)b->keys_len;
			e->len = (uint32_t)len;
			e->hash = h;
			b->keys_len += len;
			return e;
		}
		if (e->hash == h && e->len == len &&
		    memcmp(b->keys + e->off, key, len) == 0)
			return e;
	}
}

/*
 * Parses a decimal such as "-1.25" (the whole of p..end) into the nearest
 * double, as Python's float() does: at most 15 digits, so the digits are an
 * exact integer and one division by an exact power of ten rounds once.
 * False when malformed.
 */
static bool ct_banking_parse_number(const char *p, const char *end,
				    double *out)
{
	uint64_t m = 0;
	int digits = 0, frac = -1;
	bool neg = false;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++digits > 15)
				return false;
			m = m * 10 + (uint64_t)(*p - '0');
			if (frac >= 0)
				frac++;
		} else if (*p == '.' && frac < 0) {
			frac = 0;
		} else {
			return false;
		}
	}
	if (!digits)
		return false;
	*out = (double)m;
	if (frac > 0)
		*out /= ct_banking_pow10[frac];
	if (neg)
		*out = -*out;
	return true;
}

/* Splits off the next space-separated field of *p..end. */
static bool ct_banking_field(const char **p, const char *end,
			     const char **field, size_t *len)
{
	const char *s = *p, *e;

	if (s >= end || *s == ' ')
		return false;
	e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	*field = s;
	*len = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	return *len <= CT_BANKING_KEY_MAX;
}

/*
 * Parses one line (no newline) after the format line.  Returns 0, or -1 when
 * it is malformed.
 */
static int ct_banking_parse_line(struct ct_banking *b, const char *p,
				 const char *end, struct ct_banking_lex *lex,
				 size_t *nlex, bool *seen_bias,
				 bool *seen_threshold)
{
	const char *kw, *key, *num;
	size_t kw_len, key_len, num_len;
	struct ct_banking_entry *e;

	if (!ct_banking_field(&p, end, &kw, &kw_len))
		return -1;
	if (kw_len == 4 && memcmp(kw, "bias", 4) == 0) {
		*seen_bias = true;
		return ct_banking_parse_number(p, end, &b->bias) ? 0 : -1;
	}
	if (kw_len == 9 && memcmp(kw, "threshold", 9) == 0) {
		*seen_threshold = true;
		if (!ct_banking_parse_number(p, end, &b->threshold))
			return -1;
		return b->threshold > 0.0 && b->threshold <= 1.0 ? 0 : -1;
	}
	if (!ct_banking_field(&p, end, &key, &key_len))
		return -1;
	if (kw_len == 3 && memcmp(kw, "lex", 3) == 0) {
		if (!ct_banking_field(&p, end, &num, &num_len) || p != end)
			return -1;
		e = ct_banking_slot(b, key, key_len);
		if (e->flags & CT_BANKING_HAS_LEX)
			return -1;
		e->flags |= CT_BANKING_HAS_LEX;
		lex[*nlex].token = key;
		lex[*nlex].token_len = key_len;
		lex[*nlex].cls = num;
		lex[*nlex].cls_len = num_len;
		(*nlex)++;
		return 0;
	}
	if (kw_len == 5 && memcmp(kw, "force", 5) == 0) {
		if (p != end)
			return -1;
		ct_banking_slot(b, key, key_len)->flags |= CT_BANKING_FORCE;
		return 0;
	}
	if (kw_len == 1 && kw[0] == 'w') {
		e = ct_banking_slot(b, key, key_len);
		if (e->flags & CT_BANKING_HAS_WEIGHT)
			return -1;
		e->flags |= CT_BANKING_HAS_WEIGHT;
		return ct_banking_parse_number(p, end, &e->weight) ? 0 : -1;
	}
	return -1;
}

/* Gives each lexicon token the weight of its class feature "@CLASS". */
static int ct_banking_resolve_lex(struct ct_banking *b,
				  const struct ct_banking_lex *lex, size_t n)
{
	char key[CT_BANKING_KEY_MAX + 2];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ct_banking_entry *c;
		struct ct_banking_entry *e;

		if (lex[i].cls_len + 1 > CT_BANKING_KEY_MAX)
			return -1;
		key[0] = '@';
		memcpy(key + 1, lex[i].cls, lex[i].cls_len);
		c = ct_banking_find(b, key, lex[i].cls_len + 1);
		e = ct_banking_slot(b, lex[i].token, lex[i].token_len);
		e->lexw = c && (c->flags & CT_BANKING_HAS_WEIGHT) ? c->weight : 0.0;
	}
	return 0;
}

/* Parses the model text into b, whose table and key space are allocated. */
static int ct_banking_parse(struct ct_banking *b, const char *text, size_t len,
			    struct ct_banking_lex *lex)
{
	const char *p = text, *end = text + len;
	bool format = false, seen_bias = false, seen_threshold = false;
	size_t nlex = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *line = p;

		p = nl ? nl + 1 : end;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line || *line == '#')
			continue;
		if (!format) {
			if ((size_t)(eol - line) != strlen(CT_BANKING_FORMAT) ||
			    memcmp(line, CT_BANKING_FORMAT, (size_t)(eol - line)))
				return -1;
			format = true;
			continue;
		}
		if (ct_banking_parse_line(b, line, eol, lex, &nlex, &seen_bias,
					  &seen_threshold) < 0)
			return -1;
	}
	if (!format || !seen_bias || !seen_threshold)
		return -1;
	return ct_banking_resolve_lex(b, lex, nlex);
}

int ct_banking_new(struct ct_banking **out)
{
	const char *text;
	size_t len = 0;

	*out = NULL;
	text = ct_embedded_get(CT_BANKING_MODEL, &len);
	if (!text)
		return -1;
	return ct_banking_new_from_text(text, len, out);
}

int ct_banking_new_from_text(const char *text, size_t len,
			     struct ct_banking **out)
{
	struct ct_banking *b;
	struct ct_banking_lex *lex = NULL;
	const char *p;
	size_t lines = 1, cap = 4;

	*out = NULL;
	if (!text || len >= UINT32_MAX)
		return -1;
	for (p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
		lines++;
	while (cap / 4 * 3 < lines) /* load factor at most 3/4 */
		cap *= 2;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	b->mask = cap - 1;
	b->keys_len = 1;
	b->v = calloc(cap, sizeof(*b->v));
	b->keys = malloc(len + 1);
	lex = calloc(lines, sizeof(*lex));
	if (!b->v || !b->keys || !lex || ct_banking_parse(b, text, len, lex) < 0)
		goto out_free;
	free(lex);
	*out = b;
	return 0;

out_free:
	free(lex);
	ct_banking_free(b);
	return -1;
}

void ct_banking_free(struct ct_banking *b)
{
	if (!b)
		return;
	free(b->v);
	free(b->keys);
	free(b);
}

/* The weight of the feature named key (0 when the model has none). */
static double ct_banking_weight(const struct ct_banking *b, const char *key,
				size_t len)
{
	const struct ct_banking_entry *e = ct_banking_find(b, key, len);

	return e ? e->weight : 0.0;
}

/* Token i as a unigram: a USSD code is "@ussd", any other token itself. */
static const char *ct_banking_unit(const struct ct_text_tokens *toks, size_t i)
{
	return toks->v[i].s[0] == '*' ? CT_BANKING_USSD : toks->v[i].s;
}

/*
 * Adds the weights of the unigram, lexicon class and bigram features of
 * toks to *z, in the trainer's order; true when a unigram is forced.
 */
static bool ct_banking_sum(const struct ct_banking *b,
			   const struct ct_text_tokens *toks, double *z)
{
	char key[CT_BANKING_KEY_MAX + 1];
	const char *prev = CT_BANKING_START;
	bool forced = false;
	size_t i;

	for (i = 0; i < toks->n; i++) {
		const char *u = ct_banking_unit(toks, i);
		const char *t = toks->v[i].s;
		const struct ct_banking_entry *e = ct_banking_find(b, u, strlen(u));

		if (e) {
			*z += e->weight;
			forced |= (e->flags & CT_BANKING_FORCE) != 0;
		}
		if (u != t)
			e = ct_banking_find(b, t, strlen(t));
		if (e)
			*z += e->lexw;
	}
	for (i = 0; i < toks->n; i++) {
		const char *u = ct_banking_unit(toks, i);
		size_t pl = strlen(prev), ul = strlen(u);

		memcpy(key, prev, pl);
		key[pl] = '_';
		memcpy(key + pl + 1, u, ul);
		*z += ct_banking_weight(b, key, pl + 1 + ul);
		prev = u;
	}
	return forced;
}

double ct_banking_score(const struct ct_banking *b, const char *text,
			size_t len)
{
	struct ct_text_tokens toks = { 0 };
	double z, p;
	bool forced;

	if (!b || !text || ct_text_tokenize(text, len, &toks) < 0 || !toks.n) {
		ct_text_tokens_free(&toks);
		return 0.0;
	}
	z = b->bias;
	forced = ct_banking_sum(b, &toks, &z);
	ct_text_tokens_free(&toks);
	if (z > CT_BANKING_Z_MAX)
		z = CT_BANKING_Z_MAX;
	else if (z < -CT_BANKING_Z_MAX)
		z = -CT_BANKING_Z_MAX;
	p = 1.0 / (1.0 + exp(-z));
	return forced && p < b->threshold ? b->threshold : p;
}

bool ct_banking_is_query(const struct ct_banking *b, const char *text,
			 size_t len)
{
	return b && ct_banking_score(b, text, len) >= b->threshold;
}

double ct_banking_threshold(const struct ct_banking *b)
{
	return b ? b->threshold : 1.0;
}
