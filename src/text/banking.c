/*
 * Banking question detection: the model.  Parses the logistic regression
 * that tools/train_banking.py writes (data/runtime/banking_model.txt,
 * compiled into the binary) into a hash table of its keys, with the tables
 * of the text's normalization (placeholders, word-sense guards, negation
 * cues) and the weights of the character n-gram buckets.  Scoring only
 * reads the result (banking_score.c), so concurrent readers need no lock.
 * See include/convtrack/banking.h and docs/text-rules-banking.md.
 */
#include <stdlib.h>
#include <string.h>

#include "banking_int.h"
#include "convtrack/banking.h"
#include "embedded.h"
#include "textscan.h"

#define CT_BANKING_MODEL "banking_model.txt"
#define CT_BANKING_FORMAT "convtrack-banking 2"
#define CT_BANKING_GUARD_SPAN 16    /* |LO|, |HI| of a guard at most */
#define CT_BANKING_NGRAM_MAX 8      /* longest character n-gram */
#define CT_BANKING_BUCKETS_MAX (1u << 24)

/* A "lex TOKEN CLASS" line, resolved once every weight is known. */
struct ct_banking_lex {
	const char *token, *cls;
	size_t token_len, cls_len;
};

/* What one parse has seen (lines that must occur once). */
struct ct_banking_parse_state {
	struct ct_banking_lex *lex;
	size_t nlex;
	bool bias, threshold, negscope, chars;
};

/* Exact powers of ten for ct_banking_parse_number(). */
static const double ct_banking_pow10[16] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

uint32_t ct_banking_fnv(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

const struct ct_banking_entry *ct_banking_find(const struct ct_banking *b,
					       const char *key, size_t len)
{
	uint32_t h = ct_banking_fnv(key, len);
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
 * key the model text can name, so there is always room).
 */
static struct ct_banking_entry *ct_banking_slot(struct ct_banking *b,
						const char *key, size_t len)
{
	uint32_t h = ct_banking_fnv(key, len);
	size_t i;

	for (i = h & b->mask;; i = (i + 1) & b->mask) {
		struct ct_banking_entry *e = &b->v[i];

		if (!e->off) {
			memcpy(b->keys + b->keys_len, key, len);
			e->off = (uint32_t)b->keys_len;
			e->len = (uint16_t)len;
			e->hash = h;
			b->keys_len += len;
			return e;
		}
		if (e->hash == h && e->len == len &&
		    memcmp(b->keys + e->off, key, len) == 0)
			return e;
	}
}

/* The extra of e, added when it has none; NULL when out of memory. */
static struct ct_banking_extra *ct_banking_extra(struct ct_banking *b,
						 struct ct_banking_entry *e)
{
	if (e->extra)
		return &b->extras[e->extra - 1];
	if (ct_scan_grow((void **)&b->extras, &b->extras_cap, b->nextras,
			 sizeof(*b->extras)) < 0)
		return NULL;
	memset(&b->extras[b->nextras], 0, sizeof(*b->extras));
	e->extra = (uint32_t)++b->nextras;
	return &b->extras[e->extra - 1];
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

/* Parses a signed integer (the whole of p..end) in -lim..lim. */
static bool ct_banking_parse_int(const char *p, const char *end, long lim,
				 long *out)
{
	bool neg = false;
	long v = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p == end)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > lim)
			return false;
	}
	*out = neg ? -v : v;
	return true;
}

/* Splits off the next sep-separated field of *p..end (non-empty). */
static bool ct_banking_split(const char **p, const char *end, char sep,
			     const char **field, size_t *len)
{
	const char *s = *p, *e;

	if (s >= end || *s == sep)
		return false;
	e = memchr(s, sep, (size_t)(end - s));
	if (!e)
		e = end;
	*field = s;
	*len = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	return !(e < end && *p == end); /* no trailing separator */
}

/* Splits off the next space-separated field (a key at most KEY_MAX long). */
static bool ct_banking_field(const char **p, const char *end,
			     const char **field, size_t *len)
{
	return ct_banking_split(p, end, ' ', field, len) &&
	       *len <= CT_BANKING_KEY_MAX;
}

/* True when the field kw is the keyword word. */
static bool ct_banking_is(const char *kw, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(kw, word, len) == 0;
}

/* "charngrams MIN MAX BUCKETS SCALE": allocates the bucket weights. */
static int ct_banking_parse_chars(struct ct_banking *b, const char *p,
				  const char *end)
{
	const char *f[4];
	size_t fl[4], i;
	long v[3];

	for (i = 0; i < 4; i++)
		if (!ct_banking_field(&p, end, &f[i], &fl[i]))
			return -1;
	if (p != end)
		return -1;
	for (i = 0; i < 3; i++)
		if (!ct_banking_parse_int(f[i], f[i] + fl[i],
					  CT_BANKING_BUCKETS_MAX, &v[i]))
			return -1;
	if (v[0] < 1 || v[0] > v[1] || v[1] > CT_BANKING_NGRAM_MAX || v[2] < 1 ||
	    !ct_banking_parse_number(f[3], f[3] + fl[3], &b->char_scale))
		return -1;
	b->char_min = (uint32_t)v[0];
	b->char_max = (uint32_t)v[1];
	b->char_buckets = (uint32_t)v[2];
	b->chars = calloc((size_t)v[2], sizeof(*b->chars));
	return b->chars ? 0 : -1;
}

/* "c BUCKET WEIGHT". */
static int ct_banking_parse_bucket(struct ct_banking *b, const char *p,
				   const char *end)
{
	const char *f;
	size_t fl;
	long k;

	if (!b->chars || !ct_banking_field(&p, end, &f, &fl) ||
	    !ct_banking_parse_int(f, f + fl, CT_BANKING_BUCKETS_MAX, &k) ||
	    k < 0 || (uint32_t)k >= b->char_buckets || b->chars[k] != 0.0)
		return -1;
	return ct_banking_parse_number(p, end, &b->chars[k]) &&
			       b->chars[k] != 0.0 ? 0 : -1;
}

/* Adds word as a cue of condition cond. */
static int ct_banking_add_cue(struct ct_banking *b, const char *word,
			      size_t len, uint32_t cond)
{
	struct ct_banking_extra *x;

	if (ct_scan_grow((void **)&b->cues, &b->cues_cap, b->ncues,
			 sizeof(*b->cues)) < 0 ||
	    !(x = ct_banking_extra(b, ct_banking_slot(b, word, len))))
		return -1;
	b->cues[b->ncues].cond = cond;
	b->cues[b->ncues].next = x->cue;
	x->cue = (uint32_t)++b->ncues;
	return 0;
}

/* One condition "[!]LO:HI:CUE,CUE,..." of a guard. */
static int ct_banking_parse_cond(struct ct_banking *b, const char *p,
				 const char *end)
{
	struct ct_banking_cond *c;
	const char *f;
	size_t fl;
	long lo, hi;
	uint32_t id;

	if (ct_scan_grow((void **)&b->conds, &b->conds_cap, b->nconds,
			 sizeof(*b->conds)) < 0)
		return -1;
	id = (uint32_t)b->nconds;
	c = &b->conds[b->nconds++];
	memset(c, 0, sizeof(*c));
	if (p < end && *p == '!') {
		c->neg = true;
		p++;
	}
	if (!ct_banking_split(&p, end, ':', &f, &fl) ||
	    !ct_banking_parse_int(f, f + fl, CT_BANKING_GUARD_SPAN, &lo) ||
	    !ct_banking_split(&p, end, ':', &f, &fl) ||
	    !ct_banking_parse_int(f, f + fl, CT_BANKING_GUARD_SPAN, &hi) ||
	    lo > hi || p == end)
		return -1;
	c->lo = (int)lo;
	c->hi = (int)hi;
	while (p < end) {
		if (!ct_banking_split(&p, end, ',', &f, &fl) ||
		    fl > CT_TEXT_TOKEN_MAX)
			return -1;
		if (ct_banking_is(f, fl, "<num>"))
			b->conds[id].num = true;
		else if (ct_banking_add_cue(b, f, fl, id) < 0)
			return -1;
	}
	return 0;
}

/* "guard TARGET COND [COND...]". */
static int ct_banking_parse_guard(struct ct_banking *b, const char *p,
				  const char *end)
{
	struct ct_banking_extra *x;
	const char *target, *f;
	size_t tl, fl;
	uint32_t first = (uint32_t)b->nconds;

	if (!ct_banking_field(&p, end, &target, &tl) || tl > CT_TEXT_TOKEN_MAX ||
	    p == end)
		return -1;
	while (p < end)
		if (!ct_banking_split(&p, end, ' ', &f, &fl) ||
		    ct_banking_parse_cond(b, f, f + fl) < 0)
			return -1;
	if (ct_scan_grow((void **)&b->guards, &b->guards_cap, b->nguards,
			 sizeof(*b->guards)) < 0 ||
	    !(x = ct_banking_extra(b, ct_banking_slot(b, target, tl))))
		return -1;
	b->guards[b->nguards].cond = first;
	b->guards[b->nguards].ncond = (uint32_t)b->nconds - first;
	b->guards[b->nguards].next = x->guard;
	x->guard = (uint32_t)++b->nguards;
	return 0;
}

/* "map TOKEN UNIT" ("-" drops the token). */
static int ct_banking_parse_map(struct ct_banking *b, const char *key,
				size_t key_len, const char *p, const char *end)
{
	struct ct_banking_entry *e, *u;
	struct ct_banking_extra *x;
	const char *unit;
	size_t ul;

	if (!ct_banking_field(&p, end, &unit, &ul) || p != end ||
	    key_len > CT_TEXT_TOKEN_MAX || ul > CT_TEXT_TOKEN_MAX)
		return -1;
	e = ct_banking_slot(b, key, key_len);
	if (e->flags & CT_BANKING_MAP)
		return -1;
	e->flags |= CT_BANKING_MAP;
	if (ct_banking_is(unit, ul, "-")) {
		e->flags |= CT_BANKING_DROP;
		return 0;
	}
	u = ct_banking_slot(b, unit, ul);
	x = ct_banking_extra(b, e);
	if (!x)
		return -1;
	x->map_off = u->off;
	x->map_len = u->len;
	return 0;
}

/* A line with a key after the keyword: lex, force, map, neg, guard, w, c. */
static int ct_banking_parse_keyed(struct ct_banking *b, const char *kw,
				  size_t kw_len, const char *p,
				  const char *end,
				  struct ct_banking_parse_state *st)
{
	const char *key, *num;
	size_t key_len, num_len;
	struct ct_banking_entry *e;

	if (ct_banking_is(kw, kw_len, "guard"))
		return ct_banking_parse_guard(b, p, end);
	if (ct_banking_is(kw, kw_len, "c"))
		return ct_banking_parse_bucket(b, p, end);
	if (!ct_banking_field(&p, end, &key, &key_len))
		return -1;
	if (ct_banking_is(kw, kw_len, "lex")) {
		if (!ct_banking_field(&p, end, &num, &num_len) || p != end)
			return -1;
		e = ct_banking_slot(b, key, key_len);
		if (e->flags & CT_BANKING_HAS_LEX)
			return -1;
		e->flags |= CT_BANKING_HAS_LEX;
		st->lex[st->nlex].token = key;
		st->lex[st->nlex].token_len = key_len;
		st->lex[st->nlex].cls = num;
		st->lex[st->nlex].cls_len = num_len;
		st->nlex++;
		return 0;
	}
	if (ct_banking_is(kw, kw_len, "force") ||
	    ct_banking_is(kw, kw_len, "neg")) {
		if (p != end)
			return -1;
		ct_banking_slot(b, key, key_len)->flags |=
			kw_len == 3 ? CT_BANKING_NEG : CT_BANKING_FORCE;
		return 0;
	}
	if (ct_banking_is(kw, kw_len, "map"))
		return ct_banking_parse_map(b, key, key_len, p, end);
	if (ct_banking_is(kw, kw_len, "w")) {
		e = ct_banking_slot(b, key, key_len);
		if (e->flags & CT_BANKING_HAS_WEIGHT)
			return -1;
		e->flags |= CT_BANKING_HAS_WEIGHT;
		return ct_banking_parse_number(p, end, &e->weight) ? 0 : -1;
	}
	return -1;
}

/*
 * Parses one line (no newline) after the format line.  Returns 0, or -1 when
 * it is malformed.
 */
static int ct_banking_parse_line(struct ct_banking *b, const char *p,
				 const char *end,
				 struct ct_banking_parse_state *st)
{
	const char *kw;
	size_t kw_len;
	long v;

	if (!ct_banking_field(&p, end, &kw, &kw_len))
		return -1;
	if (ct_banking_is(kw, kw_len, "bias")) {
		if (st->bias)
			return -1;
		st->bias = true;
		return ct_banking_parse_number(p, end, &b->bias) ? 0 : -1;
	}
	if (ct_banking_is(kw, kw_len, "threshold")) {
		if (st->threshold ||
		    !ct_banking_parse_number(p, end, &b->threshold))
			return -1;
		st->threshold = true;
		return b->threshold > 0.0 && b->threshold <= 1.0 ? 0 : -1;
	}
	if (ct_banking_is(kw, kw_len, "negscope")) {
		if (st->negscope || !ct_banking_parse_int(p, end, 64, &v) || v < 0)
			return -1;
		st->negscope = true;
		b->neg_scope = (unsigned)v;
		return 0;
	}
	if (ct_banking_is(kw, kw_len, "charngrams")) {
		if (st->chars)
			return -1;
		st->chars = true;
		return ct_banking_parse_chars(b, p, end);
	}
	return ct_banking_parse_keyed(b, kw, kw_len, p, end, st);
}

/* Gives each lexicon token the weight of its class feature "@CLASS". */
static int ct_banking_resolve_lex(struct ct_banking *b,
				  const struct ct_banking_lex *lex, size_t n)
{
	char key[CT_BANKING_KEY_MAX + 2];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ct_banking_entry *c;
		struct ct_banking_extra *x;

		if (lex[i].cls_len + 1 > CT_BANKING_KEY_MAX)
			return -1;
		key[0] = '@';
		memcpy(key + 1, lex[i].cls, lex[i].cls_len);
		c = ct_banking_find(b, key, lex[i].cls_len + 1);
		x = ct_banking_extra(b, ct_banking_slot(b, lex[i].token,
							lex[i].token_len));
		if (!x)
			return -1;
		x->lexw = c && (c->flags & CT_BANKING_HAS_WEIGHT) ? c->weight : 0.0;
	}
	return 0;
}

/* Parses the model text into b, whose table and key space are allocated. */
static int ct_banking_parse(struct ct_banking *b, const char *text, size_t len,
			    struct ct_banking_parse_state *st)
{
	const char *p = text, *end = text + len;
	bool format = false;

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
		if (ct_banking_parse_line(b, line, eol, st) < 0)
			return -1;
	}
	if (!format || !st->bias || !st->threshold)
		return -1;
	return ct_banking_resolve_lex(b, st->lex, st->nlex);
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

/*
 * An upper bound of the keys that text can name: one per line but the
 * bucket lines ("c"), a second one per "map" line (its unit), and one per
 * separator of a guard's conditions and cues.
 */
static size_t ct_banking_max_keys(const char *text, size_t len)
{
	size_t i, n = 1;

	for (i = 0; i < len; i++) {
		n += text[i] == ',' || text[i] == ':';
		if (i > 0 && text[i - 1] != '\n')
			continue;
		if (len - i > 4 && memcmp(text + i, "map ", 4) == 0)
			n += 2;
		else if (!(len - i > 2 && memcmp(text + i, "c ", 2) == 0))
			n++;
	}
	return n;
}

int ct_banking_new_from_text(const char *text, size_t len,
			     struct ct_banking **out)
{
	struct ct_banking_parse_state st = { 0 };
	struct ct_banking *b;
	size_t keys, cap = 4;

	*out = NULL;
	if (!text || len >= UINT32_MAX)
		return -1;
	keys = ct_banking_max_keys(text, len);
	while (cap / 4 * 3 < keys) /* load factor at most 3/4 */
		cap *= 2;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	b->mask = cap - 1;
	b->keys_len = 1;
	b->v = calloc(cap, sizeof(*b->v));
	b->keys = malloc(len + 1);
	st.lex = calloc(keys, sizeof(*st.lex));
	if (!b->v || !b->keys || !st.lex || ct_banking_parse(b, text, len, &st) < 0)
		goto out_free;
	free(st.lex);
	*out = b;
	return 0;

out_free:
	free(st.lex);
	ct_banking_free(b);
	return -1;
}

void ct_banking_free(struct ct_banking *b)
{
	if (!b)
		return;
	free(b->v);
	free(b->keys);
	free(b->extras);
	free(b->conds);
	free(b->guards);
	free(b->cues);
	free(b->chars);
	free(b);
}

double ct_banking_threshold(const struct ct_banking *b)
{
	return b ? b->threshold : 1.0;
}
