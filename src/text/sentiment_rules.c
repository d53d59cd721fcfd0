/*
 * The rule tables of the sentiment and resolution modules and the reading
 * of one turn with them (pure: the tables are compiled into the binary).
 *
 * Three files make the tables: VADER's lexicon (vader_lexicon.txt, Hutto &
 * Gilbert 2014), the project's rules for calls to a bank
 * (sentiment_rules.txt: words that are not feelings there, greetings,
 * courtesy, complaints without emotion words, irony) and its resolution
 * cues (resolution_rules.txt).  Every word they name gets one entry in a
 * word table, so a turn's tokens are looked up once and every rule works
 * on word numbers: the lexicon's multi-word items, the classes, and an
 * index from each word (and class) to the patterns that can begin with it.
 *
 * ct_senti_score() is VADER's scorer (negation, boosters and dampeners,
 * "but", capitals, '!' and '?') with two deliberate differences (the
 * look-back of negations and boosters and the scope of "but" stop at the
 * end of a sentence; a multi-word item counts once) and, for calls to a
 * bank, the rules of sentiment_rules.txt.  tools/train_sentiment.py does
 * the same in Python; docs/text-rules-sentiment.md describes both.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "sentiment_int.h"
#include "textscan.h"

#define CT_SENTI_LEXICON "vader_lexicon.txt"
#define CT_SENTI_RULES "sentiment_rules.txt"
#define CT_SENTI_CUES "resolution_rules.txt"
#define CT_SENTI_PHRASE_MAX 4 /* longest lexicon item, in words */
#define CT_SENTI_ELEMS_MAX 16 /* longest pattern, in elements */
#define CT_SENTI_CLASSES 32   /* classes per file (bits of a mask) */
#define CT_SENTI_PATTERNS_MAX 1024 /* patterns per file */
#define CT_SENTI_CANDIDATES_MAX 64 /* patterns that may begin at one word */
#define CT_SENTI_OFFER_SPAN 6 /* an offer this close before a handover */
#define CT_SENTI_SHORT_TURN 4 /* longest turn a "short" cue makes a request */

/* VADER's empirically derived constants. */
#define CT_SENTI_B_INCR 0.293	 /* booster word */
#define CT_SENTI_B_DECR (-0.293) /* dampener word */
#define CT_SENTI_C_INCR 0.733	 /* word in ALL CAPS among lower case */
#define CT_SENTI_N_SCALAR (-0.74) /* negated word */
#define CT_SENTI_EP_INCR 0.292	 /* per '!', at most 4 */
#define CT_SENTI_QM_INCR 0.18	 /* per '?', 2 or 3 of them */
#define CT_SENTI_QM_MAX 0.96	 /* 4 or more '?' */
#define CT_SENTI_ALPHA 15.0	 /* normalization of the sum */

/* Words the rules name in the code (VADER's special cases, "but", irony). */
enum ct_senti_lit {
	CT_LIT_NO, CT_LIT_BUT, CT_LIT_KIND, CT_LIT_OF, CT_LIT_NEVER, CT_LIT_SO,
	CT_LIT_THIS, CT_LIT_WITHOUT, CT_LIT_DOUBT, CT_LIT_LEAST, CT_LIT_AT,
	CT_LIT_VERY, CT_LIT_OR, CT_LIT_NOR, CT_LIT_NOT, CT_LIT_ANOTHER,
	CT_LIT_AGAIN, CT_LIT_COUNT
};

static const char *const ct_senti_lits[CT_LIT_COUNT] = {
	"no", "but", "kind", "of", "never", "so", "this", "without", "doubt",
	"least", "at", "very", "or", "nor", "not", "another", "again",
};

/* The two files with classes and patterns. */
enum ct_senti_set { CT_SET_SENTIMENT, CT_SET_CUES, CT_SET_COUNT };

/* Kinds of sentiment patterns (cues use enum ct_senti_cue). */
enum ct_senti_kind {
	CT_KIND_COMPLAINT,
	CT_KIND_IRONY,
	CT_KIND_REQUEST,
	CT_KIND_GREETING,
	CT_KIND_SARCASM
};

struct ct_senti_word {
	uint64_t hash;
	uint32_t str;                  /* offset in chars */
	uint32_t mask[CT_SET_COUNT];   /* classes */
	uint32_t lex, nlex;            /* items[lex..], longest first */
	double booster;                /* VADER's scalar of a booster word */
	bool negation;                 /* VADER's negation (or an "n't" word) */
	bool polite;                   /* courtesy ("polite" lines) */
	bool nt;                       /* contains "n't" */
};

/* A lexicon item: words, valence; "zero" items match and weigh nothing. */
struct ct_senti_item {
	int32_t w[CT_SENTI_PHRASE_MAX];
	uint32_t len;
	uint32_t order; /* of the line: the last line of a phrase decides */
	bool zero;
	bool removed;   /* a "neutral" line */
	double valence;
};

/* An element of a pattern: words or classes, or a gap of up to gap words. */
struct ct_senti_elem {
	uint32_t gap;
	uint32_t words, nwords; /* into ewords */
	uint32_t classes;
};

struct ct_senti_pattern {
	uint32_t kind; /* enum ct_senti_kind or enum ct_senti_cue */
	uint32_t elem, nelem;
	double valence;
};

/* The patterns of one file and the index of their first elements. */
struct ct_senti_pset {
	struct ct_senti_pattern *v;
	size_t n, cap;
	uint32_t *wfirst;  /* per word: its patterns wlist[wfirst[w]..w+1] */
	uint32_t *wlist;
	uint32_t cfirst[CT_SENTI_CLASSES + 1]; /* per class, into clist */
	uint32_t *clist;
	char cname[CT_SENTI_CLASSES][16];
	size_t nclass;
	int neg;   /* the class NEG, or -1 */
	int qword; /* the class QWORD, or -1 */
};

/* A slot of the word table: a word's hash and index + 1 (0: empty). */
struct ct_senti_slot {
	uint64_t hash;
	uint32_t word;
};

struct ct_senti_rules {
	bool banking;
	struct ct_senti_word *words;
	size_t nwords, capwords;
	struct ct_senti_slot *slot; /* nslot, a power of 2 */
	size_t nslot;
	char *chars;
	size_t nchars, capchars;
	struct ct_senti_item *items;
	size_t nitems, capitems;
	struct ct_senti_elem *elems;
	size_t nelems, capelems;
	int32_t *ewords;
	size_t newords, capewords;
	struct ct_senti_pset set[CT_SET_COUNT];
	struct ct_senti_pattern sarcasm; /* nelem 0: none */
	int32_t pair[3][2]; /* two-word boosters: "kind of", "sort of", ... */
	double pair_scalar[3];
	int32_t lit[CT_LIT_COUNT]; /* the words of ct_senti_lits */
};

static const char *const ct_senti_cue_names[CT_CUE_COUNT] = {
	"human", "want", "explain", "short", "thanks", "success", "confirm",
	"failed", "question", "handover", "offer", "done", "unable", "cannot",
	"instruct", "closing", "asks",
};

/* VADER's negation words (any word containing "n't" negates too). */
static const char *const ct_senti_negations[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt",
	"doesnt", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt",
	"mustnt", "neither", "neednt", "never", "none", "nope", "nor", "not",
	"nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt",
	"werent", "without", "wont", "wouldnt", "rarely", "seldom", "despite",
};

/* VADER's one-word degree adverbs: boosters raise, dampeners lower. */
static const char *const ct_senti_boosters[] = {
	"absolutely", "amazingly", "awfully", "completely", "considerable",
	"considerably", "decidedly", "deeply", "effing", "enormous",
	"enormously", "entirely", "especially", "exceptional",
	"exceptionally", "extreme", "extremely", "fabulously", "flipping",
	"flippin", "frackin", "fracking", "fricking", "frickin", "frigging",
	"friggin", "fully", "fuckin", "fucking", "fuggin", "fugging",
	"greatly", "hella", "highly", "hugely", "incredible", "incredibly",
	"intensely", "major", "majorly", "more", "most", "particularly",
	"purely", "quite", "really", "remarkably", "so", "substantially",
	"thoroughly", "total", "totally", "tremendous", "tremendously", "uber",
	"unbelievably", "unusually", "utter", "utterly", "very",
};

static const char *const ct_senti_dampeners[] = {
	"almost", "barely", "hardly", "kinda", "kindof", "less", "little",
	"marginal", "marginally", "occasional", "occasionally", "partly",
	"scarce", "scarcely", "slight", "slightly", "somewhat", "sorta",
	"sortof",
};

/* VADER's two-word dampeners. */
static const char *const ct_senti_pairs[3][2] = {
	{ "just", "enough" }, { "kind", "of" }, { "sort", "of" },
};

#define CT_SENTI_N(a) (sizeof(a) / sizeof((a)[0]))

const char *ct_senti_cue_name(enum ct_senti_cue cue)
{
	return (unsigned)cue < CT_CUE_COUNT ? ct_senti_cue_names[cue] : "";
}

static const char *ct_senti_word_str(const struct ct_senti_rules *r,
				     int32_t w)
{
	return r->chars + r->words[w].str;
}

/*
 * The word whose hash is h, or -1 when the tables do not name it.  Words
 * are checked to have distinct hashes as they are added, and a text's word
 * that the tables lack is taken for one of theirs only if their 64-bit
 * hashes collide (odds about 1 in 2^64 / words), so lookups compare no
 * strings.
 */
static int32_t ct_senti_find(const struct ct_senti_rules *r, uint64_t h)
{
	size_t k;

	if (!r->nslot)
		return -1;
	k = (size_t)(h ^ h >> 32) & (r->nslot - 1);
	while (r->slot[k].word) {
		if (r->slot[k].hash == h)
			return (int32_t)r->slot[k].word - 1;
		k = (k + 1) & (r->nslot - 1);
	}
	return -1;
}

static int ct_senti_rehash(struct ct_senti_rules *r)
{
	size_t nslot = r->nslot ? r->nslot * 2 : 1024, i;
	struct ct_senti_slot *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -1;
	for (i = 0; i < r->nwords; i++) {
		uint64_t h = r->words[i].hash;
		size_t k = (size_t)(h ^ h >> 32) & (nslot - 1);

		while (slot[k].word)
			k = (k + 1) & (nslot - 1);
		slot[k].hash = h;
		slot[k].word = (uint32_t)i + 1;
	}
	free(r->slot);
	r->slot = slot;
	r->nslot = nslot;
	return 0;
}

/* The word s, added when new; -1 when out of memory. */
static int32_t ct_senti_intern(struct ct_senti_rules *r, const char *s)
{
	size_t len = strlen(s);
	uint64_t h = ct_senti_fnv(CT_SENTI_FNV0, s, len);
	int32_t w = ct_senti_find(r, h);
	struct ct_senti_word *e;

	if (w >= 0) /* the same word, or two words with one hash */
		return strcmp(ct_senti_word_str(r, w), s) == 0 ? w : -1;
	if ((r->nwords + 1) * 2 > r->nslot && ct_senti_rehash(r) < 0)
		return -1;
	while (r->nchars + len + 1 > r->capchars) {
		size_t ncap = r->capchars ? r->capchars * 2 : 65536;
		char *nc = realloc(r->chars, ncap);

		if (!nc)
			return -1;
		r->chars = nc;
		r->capchars = ncap;
	}
	if (ct_scan_grow((void **)&r->words, &r->capwords, r->nwords,
			 sizeof(*r->words)) < 0)
		return -1;
	e = &r->words[r->nwords];
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->str = (uint32_t)r->nchars;
	e->nt = strstr(s, "n't") != NULL;
	e->negation = e->nt;
	memcpy(r->chars + r->nchars, s, len + 1);
	r->nchars += len + 1;
	{
		size_t k = (size_t)(h ^ h >> 32) & (r->nslot - 1);

		while (r->slot[k].word)
			k = (k + 1) & (r->nslot - 1);
		r->slot[k].hash = h;
		r->slot[k].word = (uint32_t)r->nwords + 1;
	}
	return (int32_t)r->nwords++;
}

/* Tokenizes [s, e) into words (interned); the count, or -1 (too many
 * words: more than max, none, or out of memory). */
static int ct_senti_phrase(struct ct_senti_rules *r, const char *s,
			   const char *e, int32_t *w, size_t max)
{
	struct ct_text_tokens toks = { 0 };
	size_t i;
	int n = -1;

	if (ct_text_tokenize(s, (size_t)(e - s), &toks) < 0 ||
	    toks.n == 0 || toks.n > max)
		goto out;
	for (i = 0; i < toks.n; i++)
		if ((w[i] = ct_senti_intern(r, toks.v[i].s)) < 0)
			goto out;
	n = (int)toks.n;
out:
	ct_text_tokens_free(&toks);
	return n;
}

/* The one word [s, e), which must be a whole token as written; -1 if not. */
static int32_t ct_senti_token(struct ct_senti_rules *r, const char *s,
			      const char *e)
{
	int32_t w;

	if (ct_senti_phrase(r, s, e, &w, 1) != 1 ||
	    strlen(ct_senti_word_str(r, w)) != (size_t)(e - s) ||
	    memcmp(ct_senti_word_str(r, w), s, (size_t)(e - s)) != 0)
		return -1;
	return w;
}

static int ct_senti_add_item(struct ct_senti_rules *r, const char *s,
			     const char *e, double valence, bool zero,
			     bool removed, bool strict)
{
	struct ct_senti_item it;
	int n;

	memset(&it, 0, sizeof(it));
	n = ct_senti_phrase(r, s, e, it.w, CT_SENTI_PHRASE_MAX);
	if (n < 0)
		return strict ? -1 : 0;
	if (ct_scan_grow((void **)&r->items, &r->capitems, r->nitems,
			 sizeof(*r->items)) < 0)
		return -1;
	it.len = (uint32_t)n;
	it.order = (uint32_t)r->nitems;
	it.zero = zero;
	it.removed = removed;
	it.valence = valence;
	r->items[r->nitems++] = it;
	return 0;
}

/* Next line of [*p, end) into [*s, *e), trimmed; false at the end. */
static bool ct_senti_line(const char **p, const char *end, const char **s,
			  const char **e)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*s = *p;
	*e = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
			   (*e)[-1] == '\r'))
		(*e)--;
	return true;
}

/* The next space-separated field of [*s, e) into [*f, *fe); false if none. */
static bool ct_senti_field(const char **s, const char *e, const char **f,
			   const char **fe)
{
	while (*s < e && **s == ' ')
		(*s)++;
	if (*s >= e)
		return false;
	*f = *s;
	while (*s < e && **s != ' ')
		(*s)++;
	*fe = *s;
	return true;
}

/* Parses a decimal such as "-1.25"; false when malformed. */
static bool ct_senti_number(const char *s, const char *e, double *out)
{
	char buf[32], *end;

	if (e - s <= 0 || e - s >= (long)sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0';
}

/* The class named [f, fe) of set, or -1. */
static int ct_senti_class(const struct ct_senti_pset *ps, const char *f,
			  const char *fe)
{
	size_t c;

	for (c = 0; c < ps->nclass; c++)
		if (ct_senti_span_is(f, fe, ps->cname[c]))
			return (int)c;
	return -1;
}

/* "class NAME WORD..." */
static int ct_senti_class_line(struct ct_senti_rules *r, enum ct_senti_set set,
			       const char *s, const char *e)
{
	struct ct_senti_pset *ps = &r->set[set];
	const char *f, *fe, *k;
	int c;

	if (!ct_senti_field(&s, e, &f, &fe) || ps->nclass == CT_SENTI_CLASSES ||
	    (size_t)(fe - f) >= sizeof(ps->cname[0]) ||
	    ct_senti_class(ps, f, fe) >= 0)
		return -1;
	for (k = f; k < fe; k++)
		if (*k < 'A' || *k > 'Z')
			return -1;
	c = (int)ps->nclass++;
	memcpy(ps->cname[c], f, (size_t)(fe - f));
	ps->cname[c][fe - f] = '\0';
	if (strcmp(ps->cname[c], "NEG") == 0)
		ps->neg = c;
	if (strcmp(ps->cname[c], "QWORD") == 0)
		ps->qword = c;
	while (ct_senti_field(&s, e, &f, &fe)) {
		int32_t w = ct_senti_token(r, f, fe);

		if (w < 0)
			return -1;
		r->words[w].mask[set] |= 1u << c;
	}
	return 0;
}

/* Parses the alternatives "a|b|CLASS" of [a, fe) into el. */
static int ct_senti_alternatives(struct ct_senti_rules *r,
				 enum ct_senti_set set, const char *a,
				 const char *fe, struct ct_senti_elem *el)
{
	el->words = (uint32_t)r->newords;
	while (a < fe) {
		const char *b = memchr(a, '|', (size_t)(fe - a));
		int32_t w;
		int c;

		if (!b)
			b = fe;
		c = ct_senti_class(&r->set[set], a, b);
		if (c >= 0) {
			el->classes |= 1u << c;
		} else {
			w = ct_senti_token(r, a, b);
			if (w < 0 || ct_scan_grow((void **)&r->ewords,
						  &r->capewords, r->newords,
						  sizeof(*r->ewords)) < 0)
				return -1;
			r->ewords[r->newords++] = w;
			el->nwords++;
		}
		a = b + 1;
	}
	return 0;
}

/* Parses the pattern [s, e) into p (kind and valence set by the caller). */
static int ct_senti_pattern_parse(struct ct_senti_rules *r,
				  enum ct_senti_set set, const char *s,
				  const char *e, struct ct_senti_pattern *p)
{
	const char *f, *fe;

	p->elem = (uint32_t)r->nelems;
	p->nelem = 0;
	while (ct_senti_field(&s, e, &f, &fe)) {
		struct ct_senti_elem el;
		double g;

		memset(&el, 0, sizeof(el));
		if (p->nelem == CT_SENTI_ELEMS_MAX)
			return -1;
		if (*f == '~') {
			if (p->nelem == 0 || !ct_senti_number(f + 1, fe, &g) ||
			    g < 1 || g > 9 || g != floor(g))
				return -1;
			el.gap = (uint32_t)g;
		} else if (ct_senti_alternatives(r, set, f, fe, &el) < 0) {
			return -1;
		}
		if (ct_scan_grow((void **)&r->elems, &r->capelems, r->nelems,
				 sizeof(*r->elems)) < 0)
			return -1;
		r->elems[r->nelems++] = el;
		p->nelem++;
	}
	return p->nelem ? 0 : -1;
}

static int ct_senti_add_pattern(struct ct_senti_rules *r,
				enum ct_senti_set set, uint32_t kind,
				double valence, const char *s, const char *e)
{
	struct ct_senti_pset *ps = &r->set[set];
	struct ct_senti_pattern p;

	p.kind = kind;
	p.valence = valence;
	if (ct_senti_pattern_parse(r, set, s, e, &p) < 0 ||
	    ct_scan_grow((void **)&ps->v, &ps->cap, ps->n, sizeof(*ps->v)) < 0)
		return -1;
	ps->v[ps->n++] = p;
	return 0;
}

/* One line of sentiment_rules.txt after its header. */
static int ct_senti_rules_line(struct ct_senti_rules *r, const char *s,
			       const char *e)
{
	static const char *const kinds[] = { "complaint", "irony" };
	const char *f, *fe, *v, *ve;
	double val = 0;
	size_t k;

	if (!ct_senti_field(&s, e, &f, &fe))
		return -1;
	if (ct_senti_span_is(f, fe, "idiom") ||
	    ct_senti_span_is(f, fe, "lexicon")) {
		if (!ct_senti_field(&s, e, &v, &ve) ||
		    !ct_senti_number(v, ve, &val))
			return -1;
		if (!r->banking && !ct_senti_span_is(f, fe, "idiom"))
			return 0;
		return ct_senti_add_item(r, s, e, val, false, false, true);
	}
	if (!r->banking)
		return 0;
	if (ct_senti_span_is(f, fe, "class"))
		return ct_senti_class_line(r, CT_SET_SENTIMENT, s, e);
	if (ct_senti_span_is(f, fe, "neutral"))
		return ct_senti_add_item(r, s, e, 0, false, true, true);
	if (ct_senti_span_is(f, fe, "zero"))
		return ct_senti_add_item(r, s, e, 0, true, false, true);
	if (ct_senti_span_is(f, fe, "polite")) {
		int32_t w;

		if (!ct_senti_field(&s, e, &v, &ve) ||
		    (w = ct_senti_token(r, v, ve)) < 0 || s != e)
			return -1;
		r->words[w].polite = true;
		return 0;
	}
	if (ct_senti_span_is(f, fe, "request"))
		return ct_senti_add_pattern(r, CT_SET_SENTIMENT,
					    CT_KIND_REQUEST, 0, s, e);
	if (ct_senti_span_is(f, fe, "greeting"))
		return ct_senti_add_pattern(r, CT_SET_SENTIMENT,
					    CT_KIND_GREETING, 0, s, e);
	if (ct_senti_span_is(f, fe, "sarcasm"))
		return r->sarcasm.nelem ? -1 :
		       ct_senti_pattern_parse(r, CT_SET_SENTIMENT, s, e,
					      &r->sarcasm);
	for (k = 0; k < CT_SENTI_N(kinds); k++) {
		if (!ct_senti_span_is(f, fe, kinds[k]))
			continue;
		if (!ct_senti_field(&s, e, &v, &ve) ||
		    !ct_senti_number(v, ve, &val))
			return -1;
		return ct_senti_add_pattern(r, CT_SET_SENTIMENT,
					    k == 0 ? CT_KIND_COMPLAINT
						   : CT_KIND_IRONY, val, s, e);
	}
	return -1;
}

/* One line of resolution_rules.txt after its header. */
static int ct_senti_cues_line(struct ct_senti_rules *r, const char *s,
			      const char *e)
{
	const char *f, *fe;
	uint32_t k;

	if (!ct_senti_field(&s, e, &f, &fe))
		return -1;
	if (ct_senti_span_is(f, fe, "class"))
		return ct_senti_class_line(r, CT_SET_CUES, s, e);
	for (k = 0; k < CT_CUE_COUNT; k++)
		if (k != CT_CUE_ASKS &&
		    ct_senti_span_is(f, fe, ct_senti_cue_names[k]))
			return ct_senti_add_pattern(r, CT_SET_CUES, k, 0, s, e);
	return -1;
}

/* One "key<TAB>valence" line of VADER's lexicon. */
static int ct_senti_lexicon_line(struct ct_senti_rules *r, const char *s,
				 const char *e)
{
	const char *tab = memchr(s, '\t', (size_t)(e - s));
	double val;

	if (!tab || !ct_senti_number(tab + 1, e, &val))
		return -1;
	return ct_senti_add_item(r, s, tab, val, false, false, false);
}

/* Reads the embedded file name line by line (comments and blank lines
 * skipped); the first line must be header unless header is NULL. */
static int ct_senti_file(struct ct_senti_rules *r, const char *name,
			 const char *header,
			 int (*line)(struct ct_senti_rules *, const char *,
				     const char *))
{
	const char *data, *p, *end, *s, *e;
	size_t len;
	uint32_t n = 0;

	data = ct_embedded_get(name, &len);
	if (!data)
		return -1;
	p = data;
	end = data + len;
	while (ct_senti_line(&p, end, &s, &e)) {
		if (s == e || *s == '#')
			continue;
		if (header && n++ == 0) {
			if (!ct_senti_span_is(s, e, header))
				return -1;
			continue;
		}
		if (line(r, s, e) < 0)
			return -1;
	}
	return 0;
}

static int ct_senti_item_cmp(const void *a, const void *b)
{
	const struct ct_senti_item *x = a, *y = b;
	size_t i;

	for (i = 0; i < CT_SENTI_PHRASE_MAX; i++) {
		int32_t u = i < x->len ? x->w[i] : -1;
		int32_t v = i < y->len ? y->w[i] : -1;

		if (u != v)
			return u < v ? -1 : 1;
	}
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Items by first word, the longest first. */
static int ct_senti_item_cmp_first(const void *a, const void *b)
{
	const struct ct_senti_item *x = a, *y = b;

	if (x->w[0] != y->w[0])
		return x->w[0] < y->w[0] ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Keeps the last line of each phrase, drops "neutral" ones, indexes. */
static void ct_senti_items_finish(struct ct_senti_rules *r)
{
	size_t i, k = 0;

	qsort(r->items, r->nitems, sizeof(*r->items), ct_senti_item_cmp);
	for (i = 0; i < r->nitems; i++) {
		if (i + 1 < r->nitems &&
		    r->items[i].len == r->items[i + 1].len &&
		    memcmp(r->items[i].w, r->items[i + 1].w,
			   r->items[i].len * sizeof(int32_t)) == 0)
			continue;
		if (!r->items[i].removed)
			r->items[k++] = r->items[i];
	}
	r->nitems = k;
	qsort(r->items, r->nitems, sizeof(*r->items), ct_senti_item_cmp_first);
	for (i = 0; i < r->nitems; i++) {
		struct ct_senti_word *w = &r->words[r->items[i].w[0]];

		if (w->nlex++ == 0)
			w->lex = (uint32_t)i;
	}
}

/*
 * Indexes the patterns of ps by their first element: for each word, the
 * patterns that name it (wlist[wfirst[w]..wfirst[w + 1]]); for each class,
 * the patterns that name it (clist[cfirst[c]..cfirst[c + 1]]); each list in
 * the file's order.
 */
static int ct_senti_index(struct ct_senti_rules *r, struct ct_senti_pset *ps)
{
	uint32_t *fill;
	size_t i, k, c, nw = 0, nc = 0;

	ps->wfirst = calloc(r->nwords + 1, sizeof(*ps->wfirst));
	fill = calloc(r->nwords + 1, sizeof(*fill));
	if (!ps->wfirst || !fill)
		goto out_free;
	for (i = 0; i < ps->n; i++) {
		const struct ct_senti_elem *el = &r->elems[ps->v[i].elem];

		for (k = 0; k < el->nwords; k++)
			ps->wfirst[r->ewords[el->words + k] + 1]++, nw++;
		for (c = 0; c < CT_SENTI_CLASSES; c++)
			nc += (el->classes >> c) & 1;
	}
	for (i = 0; i < r->nwords; i++)
		ps->wfirst[i + 1] += ps->wfirst[i];
	ps->wlist = malloc((nw + 1) * sizeof(*ps->wlist));
	ps->clist = malloc((nc + 1) * sizeof(*ps->clist));
	if (!ps->wlist || !ps->clist)
		goto out_free;
	for (i = 0; i < ps->n; i++) {
		const struct ct_senti_elem *el = &r->elems[ps->v[i].elem];

		for (k = 0; k < el->nwords; k++) {
			int32_t w = r->ewords[el->words + k];

			ps->wlist[ps->wfirst[w] + fill[w]++] = (uint32_t)i;
		}
	}
	nc = 0;
	for (c = 0; c < CT_SENTI_CLASSES; c++) {
		ps->cfirst[c] = (uint32_t)nc;
		for (i = 0; i < ps->n; i++)
			if (r->elems[ps->v[i].elem].classes & 1u << c)
				ps->clist[nc++] = (uint32_t)i;
	}
	ps->cfirst[CT_SENTI_CLASSES] = (uint32_t)nc;
	free(fill);
	return 0;

out_free:
	free(fill);
	return -1;
}

/* The most patterns of a set that may begin at one word (or at a word
 * that the tables do not name but that contains "n't"). */
static size_t ct_senti_widest(const struct ct_senti_rules *r,
			      enum ct_senti_set set)
{
	const struct ct_senti_pset *ps = &r->set[set];
	size_t i, c, most = 0;

	for (i = 0; i <= r->nwords; i++) {
		uint32_t mask = ps->neg >= 0 ? 1u << ps->neg : 0;
		size_t k = 0;

		if (i < r->nwords) {
			mask = r->words[i].mask[set];
			k = ps->wfirst[i + 1] - ps->wfirst[i];
		}
		for (c = 0; c < CT_SENTI_CLASSES; c++)
			if (mask & 1u << c)
				k += ps->cfirst[c + 1] - ps->cfirst[c];
		if (k > most)
			most = k;
	}
	return most;
}

static int ct_senti_words_finish(struct ct_senti_rules *r)
{
	size_t i, k;

	for (i = 0; i < CT_SENTI_N(ct_senti_negations); i++) {
		int32_t w = ct_senti_intern(r, ct_senti_negations[i]);

		if (w < 0)
			return -1;
		r->words[w].negation = true;
	}
	for (i = 0; i < CT_SENTI_N(ct_senti_boosters); i++) {
		int32_t w = ct_senti_intern(r, ct_senti_boosters[i]);

		if (w < 0)
			return -1;
		r->words[w].booster = CT_SENTI_B_INCR;
	}
	for (i = 0; i < CT_SENTI_N(ct_senti_dampeners); i++) {
		int32_t w = ct_senti_intern(r, ct_senti_dampeners[i]);

		if (w < 0)
			return -1;
		r->words[w].booster = CT_SENTI_B_DECR;
	}
	for (i = 0; i < CT_LIT_COUNT; i++)
		if ((r->lit[i] = ct_senti_intern(r, ct_senti_lits[i])) < 0)
			return -1;
	for (i = 0; i < CT_SENTI_N(ct_senti_pairs); i++) {
		for (k = 0; k < 2; k++) {
			int32_t w = ct_senti_intern(r, ct_senti_pairs[i][k]);

			if ((r->pair[i][k] = w) < 0)
				return -1;
		}
		r->pair_scalar[i] = CT_SENTI_B_DECR;
	}
	for (k = 0; k < CT_SET_COUNT; k++) {
		struct ct_senti_pset *ps = &r->set[k];

		if (ps->neg >= 0)
			for (i = 0; i < r->nwords; i++)
				if (r->words[i].nt)
					r->words[i].mask[k] |= 1u << ps->neg;
	}
	return 0;
}

int ct_senti_rules_load(bool banking, struct ct_senti_rules **out)
{
	struct ct_senti_rules *r = calloc(1, sizeof(*r));
	size_t k;

	*out = NULL;
	if (!r)
		return -1;
	r->banking = banking;
	for (k = 0; k < CT_SET_COUNT; k++)
		r->set[k].neg = r->set[k].qword = -1;
	if (ct_senti_file(r, CT_SENTI_LEXICON, NULL,
			  ct_senti_lexicon_line) < 0 ||
	    ct_senti_file(r, CT_SENTI_RULES, "sentiment-rules 1",
			  ct_senti_rules_line) < 0 ||
	    (banking && ct_senti_file(r, CT_SENTI_CUES, "resolution-rules 1",
				      ct_senti_cues_line) < 0) ||
	    ct_senti_words_finish(r) < 0 || r->nitems == 0)
		goto out_free;
	ct_senti_items_finish(r);
	for (k = 0; k < CT_SET_COUNT; k++)
		if (ct_senti_index(r, &r->set[k]) < 0 ||
		    r->set[k].n > CT_SENTI_PATTERNS_MAX ||
		    ct_senti_widest(r, k) > CT_SENTI_CANDIDATES_MAX)
			goto out_free;
	*out = r;
	return 0;

out_free:
	ct_senti_rules_free(r);
	return -1;
}

void ct_senti_rules_free(struct ct_senti_rules *r)
{
	size_t k;

	if (!r)
		return;
	for (k = 0; k < CT_SET_COUNT; k++) {
		free(r->set[k].v);
		free(r->set[k].wfirst);
		free(r->set[k].wlist);
		free(r->set[k].clist);
	}
	free(r->words);
	free(r->slot);
	free(r->chars);
	free(r->items);
	free(r->elems);
	free(r->ewords);
	free(r);
}

/* ---- reading a turn ---- */

/* Finds the class masks of token i (read) of t: its word's, or NEG for an
 * unknown word with "n't". */
static void ct_senti_token_masks(const struct ct_senti_rules *r,
				 struct ct_senti_turn *t, size_t i)
{
	bool nt = t->word[i] < 0 && strstr(t->toks.v[i].s, "n't");
	size_t k;

	for (k = 0; k < CT_SET_COUNT; k++) {
		uint32_t m = 0;

		if (t->word[i] >= 0)
			m = r->words[t->word[i]].mask[k];
		else if (nt && r->set[k].neg >= 0)
			m = 1u << r->set[k].neg;
		t->mask[CT_SET_COUNT * i + k] = m;
	}
}

int ct_senti_turn_read(const struct ct_senti_rules *r, const char *text,
		       size_t len, struct ct_senti_turn *t)
{
	size_t i, n;

	ct_text_tokens_reset(&t->toks);
	t->text = text ? text : "";
	t->len = text ? len : 0;
	if (ct_text_tokenize(t->text, t->len, &t->toks) < 0)
		goto out_empty;
	n = t->toks.n;
	if (n > t->cap) {
		int32_t *w = realloc(t->word, n * sizeof(*w));
		uint32_t *s = w ? realloc(t->sent, n * sizeof(*s)) : NULL;
		double *v = s ? realloc(t->val, 3 * n * sizeof(*v)) : NULL;
		uint16_t *f = v ? realloc(t->flag, n * sizeof(*f)) : NULL;
		uint32_t *m = f ? realloc(t->mask,
					  CT_SET_COUNT * n * sizeof(*m)) : NULL;

		if (w)
			t->word = w;
		if (s)
			t->sent = s;
		if (v)
			t->val = v;
		if (f)
			t->flag = f;
		if (!m)
			goto out_empty;
		t->mask = m;
		t->cap = n;
	}
	for (i = 0; i < n; i++) {
		const struct ct_text_token *tk = &t->toks.v[i];
		size_t a;

		t->word[i] = ct_senti_find(r, ct_senti_fnv(CT_SENTI_FNV0, tk->s,
							   strlen(tk->s)));
		ct_senti_token_masks(r, t, i);
		t->sent[i] = i ? t->sent[i - 1] : 0;
		a = i ? t->toks.v[i - 1].end : tk->start;
		for (; i && a < tk->start; a++) {
			if (strchr(".!?\n", t->text[a]) && t->text[a]) {
				t->sent[i]++;
				break;
			}
		}
	}
	return 0;

out_empty:
	ct_text_tokens_reset(&t->toks);
	return -1;
}

void ct_senti_turn_free(struct ct_senti_turn *t)
{
	ct_text_tokens_free(&t->toks);
	free(t->mask);
	free(t->word);
	free(t->sent);
	free(t->val);
	free(t->flag);
	memset(t, 0, sizeof(*t));
}

static const char *ct_senti_tok(const struct ct_senti_turn *t, size_t i)
{
	return t->toks.v[i].s;
}

/* The class mask of token i in set. */
static uint32_t ct_senti_mask(const struct ct_senti_turn *t, size_t i,
			      enum ct_senti_set set)
{
	return t->mask[CT_SET_COUNT * i + set];
}

static bool ct_senti_elem_is(const struct ct_senti_rules *r,
			     const struct ct_senti_elem *el,
			     const struct ct_senti_turn *t, size_t i,
			     enum ct_senti_set set)
{
	size_t k;

	if (el->classes & ct_senti_mask(t, i, set))
		return true;
	if (t->word[i] < 0)
		return false;
	for (k = 0; k < el->nwords; k++)
		if (r->ewords[el->words + k] == t->word[i])
			return true;
	return false;
}

/*
 * The end of a match of elements el[0..n) at tokens [i, end) starting
 * exactly at i (a gap tries the fewest words first), or -1.
 */
static long ct_senti_match(const struct ct_senti_rules *r,
			   const struct ct_senti_elem *el, size_t n,
			   const struct ct_senti_turn *t, size_t i, size_t end,
			   enum ct_senti_set set)
{
	size_t skip;

	if (n == 0)
		return (long)i;
	if (el->gap) {
		for (skip = 0; skip <= el->gap && i + skip <= end; skip++) {
			long m = ct_senti_match(r, el + 1, n - 1, t, i + skip,
						end, set);

			if (m >= 0)
				return m;
		}
		return -1;
	}
	if (i >= end || !ct_senti_elem_is(r, el, t, i, set))
		return -1;
	return ct_senti_match(r, el + 1, n - 1, t, i + 1, end, set);
}

/* The end of the sentence that token i begins or lies in. */
static size_t ct_senti_sentence_end(const struct ct_senti_turn *t, size_t i)
{
	size_t e = i;

	while (e < t->toks.n && t->sent[e] == t->sent[i])
		e++;
	return e;
}

/*
 * Calls fn for the first match of each pattern of set in each sentence of
 * t, sentence by sentence, each sentence's patterns in the order their
 * matches begin (patterns beginning at one word in the file's order).
 * seen is scratch of ps->n bytes.  void_neg: a match of one of the kinds
 * in that mask that spans a NEG word does not count.
 */
static void ct_senti_each_match(const struct ct_senti_rules *r,
				enum ct_senti_set set,
				const struct ct_senti_turn *t, uint8_t *seen,
				uint32_t void_neg,
				void (*fn)(void *arg,
					   const struct ct_senti_pattern *p,
					   size_t at),
				void *arg)
{
	const struct ct_senti_pset *ps = &r->set[set];
	size_t n = t->toks.n, s0 = 0, i, k;

	while (s0 < n) {
		size_t s1 = ct_senti_sentence_end(t, s0);

		memset(seen, 0, ps->n);
		for (i = s0; i < s1; i++) {
			uint32_t cand[CT_SENTI_CANDIDATES_MAX], nc = 0;
			uint32_t mask = ct_senti_mask(t, i, set);
			size_t c;

			if (t->word[i] >= 0)
				for (k = ps->wfirst[t->word[i]];
				     k < ps->wfirst[t->word[i] + 1]; k++)
					cand[nc++] = ps->wlist[k];
			for (c = 0; mask && c < CT_SENTI_CLASSES; c++)
				if (mask & 1u << c)
					for (k = ps->cfirst[c];
					     k < ps->cfirst[c + 1]; k++)
						cand[nc++] = ps->clist[k];
			/* file order among the patterns that begin here */
			for (k = 1; k < nc; k++) {
				uint32_t v = cand[k];
				size_t j = k;

				for (; j > 0 && cand[j - 1] > v; j--)
					cand[j] = cand[j - 1];
				cand[j] = v;
			}
			for (k = 0; k < nc; k++) {
				const struct ct_senti_pattern *p;
				long m;

				if (seen[cand[k]] ||
				    (k && cand[k] == cand[k - 1]))
					continue;
				p = &ps->v[cand[k]];
				m = ct_senti_match(r, &r->elems[p->elem],
						   p->nelem, t, i, s1, set);
				if (m < 0)
					continue;
				if (void_neg & 1u << p->kind) {
					size_t j;
					bool neg = false;

					for (j = i; j < (size_t)m && !neg; j++)
						neg = ct_senti_mask(t, j, set) &
						      1u << r->set[set].neg;
					if (neg)
						continue;
				}
				seen[cand[k]] = 1;
				fn(arg, p, i);
			}
		}
		s0 = s1;
	}
}

/* ---- the utterance score ---- */

/* Per-token flags of the scratch t->flag. */
#define CT_F_IN_LEX 0x01    /* covered by a lexicon item */
#define CT_F_STARTS 0x02    /* begins a lexicon item */
#define CT_F_ZERO 0x04      /* begins a "zero" item */
#define CT_F_CAPS 0x08      /* written in capitals */
#define CT_F_FLIP 0x10      /* praise turned ironic */
#define CT_F_COMPLAINT 0x20 /* a complaint begins here */
#define CT_F_HANDOVER 0x40  /* a handover begins here */
#define CT_F_OFFER 0x80     /* an offer begins here */
#define CT_F_GREET 0x100    /* in a greeting */

/* The state of one scoring pass. */
struct ct_senti_pass {
	const struct ct_senti_rules *r;
	struct ct_senti_turn *t;
	double *lexv, *val, *add;
	bool cap_diff;
	bool request;
	struct ct_senti_utterance *out;
};

static bool ct_senti_all_caps(const struct ct_senti_turn *t, size_t i)
{
	const struct ct_text_token *tk = &t->toks.v[i];
	bool letter = false;
	size_t k;

	for (k = tk->start; k < tk->end; k++) {
		char c = t->text[k];

		if (c >= 'a' && c <= 'z')
			return false;
		if (c >= 'A' && c <= 'Z')
			letter = true;
	}
	return letter;
}

/* Token i is the word l. */
static bool ct_senti_tok_is(const struct ct_senti_pass *p, size_t i,
			    enum ct_senti_lit l)
{
	return p->t->word[i] == p->r->lit[l];
}

/* Token i - d exists in the same sentence as token i and is the word l. */
static bool ct_senti_back_is(const struct ct_senti_pass *p, size_t i,
			     size_t d, enum ct_senti_lit l)
{
	return i >= d && p->t->sent[i - d] == p->t->sent[i] &&
	       ct_senti_tok_is(p, i - d, l);
}

static bool ct_senti_negates(const struct ct_senti_pass *p, size_t i)
{
	const struct ct_senti_turn *t = p->t;

	if (t->word[i] >= 0)
		return p->r->words[t->word[i]].negation;
	return strstr(ct_senti_tok(t, i), "n't") != NULL;
}

/* Marks the lexicon items, longest first. */
static void ct_senti_mark(struct ct_senti_pass *p)
{
	const struct ct_senti_rules *r = p->r;
	struct ct_senti_turn *t = p->t;
	size_t n = t->toks.n, i, k, m;

	for (i = 0; i < n; i++) {
		const struct ct_senti_word *w;

		if ((t->flag[i] & CT_F_IN_LEX) || t->word[i] < 0)
			continue;
		w = &r->words[t->word[i]];
		for (k = w->lex; k < w->lex + w->nlex; k++) {
			const struct ct_senti_item *it = &r->items[k];

			if (it->len > n - i)
				continue;
			for (m = 1; m < it->len; m++)
				if (it->w[m] != t->word[i + m])
					break;
			if (m < it->len)
				continue;
			t->flag[i] |= CT_F_STARTS | (it->zero ? CT_F_ZERO : 0);
			p->lexv[i] = it->valence;
			for (m = 0; m < it->len; m++)
				t->flag[i + m] |= CT_F_IN_LEX;
			break;
		}
	}
}

/*
 * The booster scalar that token j (alone, or as the end of a two-word
 * dampener such as "kind of") lends to a word of the given valence.
 */
static double ct_senti_boost(const struct ct_senti_pass *p, size_t j,
			     double valence)
{
	const struct ct_senti_rules *r = p->r;
	const struct ct_senti_turn *t = p->t;
	double scalar = 0.0;
	size_t k;

	if (t->word[j] >= 0)
		scalar = r->words[t->word[j]].booster;
	for (k = 0; scalar == 0.0 && k < CT_SENTI_N(r->pair); k++)
		if (j > 0 && t->sent[j - 1] == t->sent[j] &&
		    t->word[j - 1] == r->pair[k][0] &&
		    t->word[j] == r->pair[k][1])
			scalar = r->pair_scalar[k];
	if (scalar == 0.0)
		return 0.0;
	if (valence < 0)
		scalar = -scalar;
	if (p->cap_diff && (t->flag[j] & CT_F_CAPS))
		scalar += valence > 0 ? CT_SENTI_C_INCR : -CT_SENTI_C_INCR;
	return scalar;
}

/* The negation and "never so" rules for the word d (1..3) before item i. */
static double ct_senti_negation(const struct ct_senti_pass *p, size_t i,
				size_t d, double v)
{
	if (ct_senti_back_is(p, i, d, CT_LIT_NEVER) && d >= 2 &&
	    (ct_senti_back_is(p, i, d - 1, CT_LIT_SO) ||
	     ct_senti_back_is(p, i, d - 1, CT_LIT_THIS)))
		return v * 1.25;
	if (ct_senti_back_is(p, i, d, CT_LIT_WITHOUT) && d >= 2 &&
	    ct_senti_back_is(p, i, d - 1, CT_LIT_DOUBT))
		return v;
	if (ct_senti_negates(p, i - d))
		return v * CT_SENTI_N_SCALAR;
	return v;
}

/* The valence of token i after VADER's rules; 0 when it is not a cue. */
static double ct_senti_valence(const struct ct_senti_pass *p, size_t i,
			       bool polite_off)
{
	static const double distance[] = { 0.0, 1.0, 0.95, 0.9 };
	const struct ct_senti_rules *r = p->r;
	const struct ct_senti_turn *t = p->t;
	size_t n = t->toks.n, d;
	double v;

	if (!(t->flag[i] & CT_F_STARTS) ||
	    (t->flag[i] & (CT_F_ZERO | CT_F_GREET)) ||
	    (t->word[i] >= 0 && r->words[t->word[i]].booster != 0.0))
		return 0.0;
	if (ct_senti_tok_is(p, i, CT_LIT_KIND) && i + 1 < n &&
	    ct_senti_tok_is(p, i + 1, CT_LIT_OF))
		return 0.0;
	if (polite_off && t->word[i] >= 0 && r->words[t->word[i]].polite)
		return 0.0;
	v = p->lexv[i];
	/* "no" before a lexicon word negates it rather than counting. */
	if (ct_senti_tok_is(p, i, CT_LIT_NO) && i + 1 < n &&
	    (t->flag[i + 1] & CT_F_IN_LEX))
		v = 0.0;
	if (ct_senti_back_is(p, i, 1, CT_LIT_NO) ||
	    ct_senti_back_is(p, i, 2, CT_LIT_NO) ||
	    (ct_senti_back_is(p, i, 3, CT_LIT_NO) &&
	     (ct_senti_back_is(p, i, 1, CT_LIT_OR) ||
	      ct_senti_back_is(p, i, 1, CT_LIT_NOR))))
		v = p->lexv[i] * CT_SENTI_N_SCALAR;
	if (p->cap_diff && (t->flag[i] & CT_F_CAPS))
		v += v > 0 ? CT_SENTI_C_INCR : -CT_SENTI_C_INCR;
	for (d = 1; d <= 3 && d <= i; d++) {
		size_t j = i - d;

		if (t->sent[j] != t->sent[i])
			break;
		if (t->flag[j] & CT_F_IN_LEX)
			continue;
		v += ct_senti_boost(p, j, v) * distance[d];
		v = ct_senti_negation(p, i, d, v);
	}
	/* "least" negates, except in "at least" and "very least". */
	if (ct_senti_back_is(p, i, 1, CT_LIT_LEAST) &&
	    !(t->flag[i - 1] & CT_F_IN_LEX) &&
	    !ct_senti_back_is(p, i, 2, CT_LIT_AT) &&
	    !ct_senti_back_is(p, i, 2, CT_LIT_VERY))
		v *= CT_SENTI_N_SCALAR;
	return v;
}

/* A match of a sentiment pattern (ct_senti_each_match()'s callback). */
static void ct_senti_on_pattern(void *arg, const struct ct_senti_pattern *pt,
				size_t at)
{
	struct ct_senti_pass *p = arg;
	struct ct_senti_turn *t = p->t;
	size_t k;
	long end;

	switch (pt->kind) {
	case CT_KIND_REQUEST:
		p->request = true;
		return;
	case CT_KIND_GREETING:
		end = ct_senti_match(p->r, &p->r->elems[pt->elem], pt->nelem, t,
				     at, ct_senti_sentence_end(t, at),
				     CT_SET_SENTIMENT);
		for (k = at; end >= 0 && k < (size_t)end; k++)
			t->flag[k] |= CT_F_GREET;
		return;
	case CT_KIND_COMPLAINT:
		p->add[at] += pt->valence;
		p->out->complaints++;
		t->flag[at] |= CT_F_COMPLAINT;
		return;
	case CT_KIND_IRONY:
		p->add[at] += pt->valence;
		p->out->irony++;
		for (k = at; k > 0 && t->sent[k - 1] == t->sent[at]; k--)
			;
		for (; k < t->toks.n && t->sent[k] == t->sent[at]; k++)
			t->flag[k] |= CT_F_FLIP;
		return;
	default:
		return;
	}
}

/*
 * Irony that patterns do not catch: a "not" that closes its sentence after
 * a comma or dash, or stands alone ("really helpful... not"), turns the
 * praise before it; praise (the "sarcasm" element) followed in its
 * sentence by a complaint, "another" or "again" is turned too.
 */
static void ct_senti_irony(struct ct_senti_pass *p)
{
	const struct ct_senti_rules *r = p->r;
	struct ct_senti_turn *t = p->t;
	size_t n = t->toks.n, i, k;

	for (i = 1; i < n; i++) {
		const struct ct_text_token *a = &t->toks.v[i - 1];
		size_t gap = t->toks.v[i].start - a->end;
		bool alone = t->sent[i - 1] != t->sent[i];

		if (!ct_senti_tok_is(p, i, CT_LIT_NOT) ||
		    (i + 1 < n && t->sent[i + 1] == t->sent[i]))
			continue;
		if (!alone && !memchr(t->text + a->end, ',', gap) &&
		    !memchr(t->text + a->end, '-', gap))
			continue;
		p->out->irony++;
		for (k = 0; k < i; k++)
			t->flag[k] |= CT_F_FLIP;
	}
	if (!r->sarcasm.nelem)
		return;
	for (i = 0; i < n; i++) {
		size_t end = ct_senti_sentence_end(t, i);
		bool after = false;

		if (p->val[i] <= 0 ||
		    ct_senti_match(r, &r->elems[r->sarcasm.elem],
				   r->sarcasm.nelem, t, i, end,
				   CT_SET_SENTIMENT) < 0)
			continue;
		for (k = i + 1; k < end && !after; k++)
			after = (t->flag[k] & CT_F_COMPLAINT) ||
				ct_senti_tok_is(p, k, CT_LIT_ANOTHER) ||
				ct_senti_tok_is(p, k, CT_LIT_AGAIN);
		if (after) {
			t->flag[i] |= CT_F_FLIP;
			p->out->irony++;
		}
	}
}

/* Scales the valences before a sentence's first "but" by 0.5, after by 1.5. */
static void ct_senti_but(const struct ct_senti_pass *p, double *val)
{
	const struct ct_senti_turn *t = p->t;
	size_t n = t->toks.n, i = 0, k;

	while (i < n) {
		size_t end = ct_senti_sentence_end(t, i), b = n;

		for (k = i; k < end && b == n; k++)
			if (ct_senti_tok_is(p, k, CT_LIT_BUT))
				b = k;
		if (b != n)
			for (k = i; k < end; k++)
				val[k] *= k < b ? 0.5 : k > b ? 1.5 : 1.0;
		i = end;
	}
}

/* VADER's emphasis from '!' (up to 4) and from two or more '?'. */
static double ct_senti_punctuation(const char *text, size_t len)
{
	size_t i, ep = 0, qm = 0;
	double amp;

	for (i = 0; i < len; i++) {
		if (text[i] == '!')
			ep++;
		else if (text[i] == '?')
			qm++;
	}
	amp = (double)(ep > 4 ? 4 : ep) * CT_SENTI_EP_INCR;
	if (qm > 3)
		amp += CT_SENTI_QM_MAX;
	else if (qm > 1)
		amp += (double)qm * CT_SENTI_QM_INCR;
	return amp;
}

void ct_senti_score(const struct ct_senti_rules *r, struct ct_senti_turn *t,
		    bool opening, struct ct_senti_utterance *out, bool *kept)
{
	struct ct_senti_pass p;
	size_t n = t->toks.n, i, caps = 0;
	uint8_t seen[CT_SENTI_PATTERNS_MAX];
	double sum = 0.0, amp;
	bool polite_off;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.t = t;
	p.lexv = t->val;
	p.val = t->val + n;
	p.add = t->val + 2 * n;
	p.out = out;
	for (i = 0; i < n; i++) {
		p.lexv[i] = p.val[i] = p.add[i] = 0.0;
		t->flag[i] = ct_senti_all_caps(t, i) ? CT_F_CAPS : 0;
		caps += t->flag[i] != 0;
	}
	p.cap_diff = caps > 0 && caps < n;
	ct_senti_mark(&p);
	if (r->banking) {
		const struct ct_senti_pset *ps = &r->set[CT_SET_SENTIMENT];

		ct_senti_each_match(r, CT_SET_SENTIMENT, t, seen, 0,
				    ct_senti_on_pattern, &p);
		p.request = p.request || memchr(t->text, '?', t->len) ||
			    (ps->qword >= 0 &&
			     (ct_senti_mask(t, 0, CT_SET_SENTIMENT) &
			      1u << ps->qword));
	}
	out->request = p.request;
	polite_off = r->banking && (opening || p.request);
	for (i = 0; i < n; i++)
		p.val[i] = ct_senti_valence(&p, i, polite_off);
	if (kept) {
		for (i = 0; i < n; i++) {
			size_t s = i;

			while (!(t->flag[s] & CT_F_STARTS) && s > 0 &&
			       (t->flag[i] & CT_F_IN_LEX))
				s--;
			kept[i] = !(t->flag[i] & CT_F_GREET) &&
				  !((t->flag[i] & CT_F_IN_LEX) &&
				    (t->flag[s] & CT_F_ZERO)) &&
				  !(polite_off && t->word[i] >= 0 &&
				    r->words[t->word[i]].polite);
		}
	}
	if (r->banking) {
		ct_senti_irony(&p);
		for (i = 0; i < n; i++) {
			if ((t->flag[i] & CT_F_FLIP) && p.val[i] > 0)
				p.val[i] = -p.val[i];
			p.val[i] += p.add[i];
		}
	}
	ct_senti_but(&p, p.val);
	for (i = 0; i < n; i++)
		sum += p.val[i];
	amp = ct_senti_punctuation(t->text, t->len);
	if (sum > 0)
		sum += amp;
	else if (sum < 0)
		sum -= amp;
	sum = sum / sqrt(sum * sum + CT_SENTI_ALPHA);
	out->compound = sum < -1.0 ? -1.0 : sum > 1.0 ? 1.0 : sum;
}

/* ---- the resolution cues of a turn ---- */

struct ct_senti_cue_pass {
	struct ct_senti_turn *t;
	uint32_t mask;
	bool user;
};

static void ct_senti_on_cue(void *arg, const struct ct_senti_pattern *pt,
			    size_t at)
{
	struct ct_senti_cue_pass *c = arg;
	bool user_cue = pt->kind < CT_CUE_HANDOVER;

	if (user_cue != c->user)
		return;
	c->mask |= CT_CUE_BIT(pt->kind);
	if (pt->kind == CT_CUE_HANDOVER)
		c->t->flag[at] |= CT_F_HANDOVER;
	else if (pt->kind == CT_CUE_OFFER)
		c->t->flag[at] |= CT_F_OFFER;
}

uint32_t ct_senti_cues(const struct ct_senti_rules *r,
		       const struct ct_senti_turn *t, bool user)
{
	const struct ct_senti_pset *ps = &r->set[CT_SET_CUES];
	struct ct_senti_cue_pass c = { (struct ct_senti_turn *)t, 0, user };
	uint8_t seen[CT_SENTI_PATTERNS_MAX];
	size_t n = t->toks.n, i, k;
	bool asks;
	uint32_t voids = CT_CUE_BIT(CT_CUE_DONE) | CT_CUE_BIT(CT_CUE_SUCCESS) |
			 CT_CUE_BIT(CT_CUE_EXPLAIN);

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		c.t->flag[i] = 0;
	ct_senti_each_match(r, CT_SET_CUES, t, seen, voids, ct_senti_on_cue,
			    &c);
	asks = memchr(t->text, '?', t->len) ||
	       (ps->qword >= 0 &&
		(ct_senti_mask(t, 0, CT_SET_CUES) & 1u << ps->qword));
	if (user) {
		if (n > CT_SENTI_SHORT_TURN)
			c.mask &= ~CT_CUE_BIT(CT_CUE_SHORT);
		if (c.mask & CT_CUE_BIT(CT_CUE_EXPLAIN))
			c.mask &= ~CT_CUE_BIT(CT_CUE_WANT);
		if (asks)
			c.mask |= CT_CUE_BIT(CT_CUE_QUESTION);
		return c.mask;
	}
	if (asks)
		c.mask |= CT_CUE_BIT(CT_CUE_ASKS);
	c.mask &= ~CT_CUE_BIT(CT_CUE_HANDOVER);
	for (i = 0; i < n; i++) {
		bool offered = false;

		if (!(t->flag[i] & CT_F_HANDOVER))
			continue;
		for (k = i > CT_SENTI_OFFER_SPAN ? i - CT_SENTI_OFFER_SPAN : 0;
		     k < i && !offered; k++)
			offered = t->flag[k] & CT_F_OFFER;
		if (!offered)
			c.mask |= CT_CUE_BIT(CT_CUE_HANDOVER);
	}
	return c.mask;
}
