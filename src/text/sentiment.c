/*
 * Caller sentiment: a VADER-style scorer over the shared tokenizer, and the
 * combination of a conversation's user turns into one label.  Pure: the
 * lexicon is compiled into the binary.  See include/convtrack/sentiment.h
 * and docs/text-rules-sentiment.md.
 *
 * The rules follow Hutto & Gilbert (2014) and the reference implementation
 * (cjhutto/vaderSentiment, MIT; attribution in
 * data/runtime/vader_lexicon.LICENSE.md), with two deliberate differences:
 * the words a rule looks back at (negation, booster, "no") and the scope
 * of "but" stop at the end of a sentence, and a multi-word lexicon entry
 * ("fed up", "can't stand") is matched as one item.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/sentiment.h"
#include "embedded.h"

#define CT_SENTIMENT_LEXICON "vader_lexicon.txt"
#define CT_SENTIMENT_PHRASE_MAX 4 /* longest entry kept, in tokens */

/* VADER's empirically derived constants. */
#define CT_SENTIMENT_B_INCR 0.293   /* booster word */
#define CT_SENTIMENT_B_DECR (-0.293) /* dampener word */
#define CT_SENTIMENT_C_INCR 0.733   /* word in ALL CAPS among lower case */
#define CT_SENTIMENT_N_SCALAR (-0.74) /* negated word */
#define CT_SENTIMENT_EP_INCR 0.292  /* per '!', at most 4 */
#define CT_SENTIMENT_QM_INCR 0.18   /* per '?', 2 or 3 of them */
#define CT_SENTIMENT_QM_MAX 0.96    /* 4 or more '?' */
#define CT_SENTIMENT_ALPHA 15.0     /* normalization of the sum */

struct ct_sentiment_entry {
	const char *key; /* tokens joined by one space */
	double valence;
	size_t order; /* of addition: the later of duplicates wins */
	bool off;     /* neutralized for banking calls */
};

struct ct_sentiment {
	struct ct_sentiment_entry *v;
	size_t n;
	char *keys; /* storage of every key */
	size_t phrase_max; /* tokens in the longest entry */
};

/* VADER's negation words; any token containing "n't" negates too. */
static const char *const ct_sentiment_negations[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt",
	"doesnt", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt",
	"mustnt", "neither", "neednt", "never", "none", "nope", "nor", "not",
	"nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt",
	"werent", "without", "wont", "wouldnt", "rarely", "seldom", "despite",
};

/* VADER's degree adverbs: boosters raise, dampeners lower the intensity. */
struct ct_sentiment_booster {
	const char *phrase; /* one or two tokens */
	double scalar;
};

static const struct ct_sentiment_booster ct_sentiment_boosters[] = {
	{ "absolutely", CT_SENTIMENT_B_INCR }, { "amazingly", CT_SENTIMENT_B_INCR },
	{ "awfully", CT_SENTIMENT_B_INCR }, { "completely", CT_SENTIMENT_B_INCR },
	{ "considerable", CT_SENTIMENT_B_INCR }, { "considerably", CT_SENTIMENT_B_INCR },
	{ "decidedly", CT_SENTIMENT_B_INCR }, { "deeply", CT_SENTIMENT_B_INCR },
	{ "effing", CT_SENTIMENT_B_INCR }, { "enormous", CT_SENTIMENT_B_INCR },
	{ "enormously", CT_SENTIMENT_B_INCR }, { "entirely", CT_SENTIMENT_B_INCR },
	{ "especially", CT_SENTIMENT_B_INCR }, { "exceptional", CT_SENTIMENT_B_INCR },
	{ "exceptionally", CT_SENTIMENT_B_INCR }, { "extreme", CT_SENTIMENT_B_INCR },
	{ "extremely", CT_SENTIMENT_B_INCR }, { "fabulously", CT_SENTIMENT_B_INCR },
	{ "flipping", CT_SENTIMENT_B_INCR }, { "flippin", CT_SENTIMENT_B_INCR },
	{ "frackin", CT_SENTIMENT_B_INCR }, { "fracking", CT_SENTIMENT_B_INCR },
	{ "fricking", CT_SENTIMENT_B_INCR }, { "frickin", CT_SENTIMENT_B_INCR },
	{ "frigging", CT_SENTIMENT_B_INCR }, { "friggin", CT_SENTIMENT_B_INCR },
	{ "fully", CT_SENTIMENT_B_INCR }, { "fuckin", CT_SENTIMENT_B_INCR },
	{ "fucking", CT_SENTIMENT_B_INCR }, { "fuggin", CT_SENTIMENT_B_INCR },
	{ "fugging", CT_SENTIMENT_B_INCR }, { "greatly", CT_SENTIMENT_B_INCR },
	{ "hella", CT_SENTIMENT_B_INCR }, { "highly", CT_SENTIMENT_B_INCR },
	{ "hugely", CT_SENTIMENT_B_INCR }, { "incredible", CT_SENTIMENT_B_INCR },
	{ "incredibly", CT_SENTIMENT_B_INCR }, { "intensely", CT_SENTIMENT_B_INCR },
	{ "major", CT_SENTIMENT_B_INCR }, { "majorly", CT_SENTIMENT_B_INCR },
	{ "more", CT_SENTIMENT_B_INCR }, { "most", CT_SENTIMENT_B_INCR },
	{ "particularly", CT_SENTIMENT_B_INCR }, { "purely", CT_SENTIMENT_B_INCR },
	{ "quite", CT_SENTIMENT_B_INCR }, { "really", CT_SENTIMENT_B_INCR },
	{ "remarkably", CT_SENTIMENT_B_INCR }, { "so", CT_SENTIMENT_B_INCR },
	{ "substantially", CT_SENTIMENT_B_INCR }, { "thoroughly", CT_SENTIMENT_B_INCR },
	{ "total", CT_SENTIMENT_B_INCR }, { "totally", CT_SENTIMENT_B_INCR },
	{ "tremendous", CT_SENTIMENT_B_INCR }, { "tremendously", CT_SENTIMENT_B_INCR },
	{ "uber", CT_SENTIMENT_B_INCR }, { "unbelievably", CT_SENTIMENT_B_INCR },
	{ "unusually", CT_SENTIMENT_B_INCR }, { "utter", CT_SENTIMENT_B_INCR },
	{ "utterly", CT_SENTIMENT_B_INCR }, { "very", CT_SENTIMENT_B_INCR },
	{ "almost", CT_SENTIMENT_B_DECR }, { "barely", CT_SENTIMENT_B_DECR },
	{ "hardly", CT_SENTIMENT_B_DECR }, { "just enough", CT_SENTIMENT_B_DECR },
	{ "kind of", CT_SENTIMENT_B_DECR }, { "kinda", CT_SENTIMENT_B_DECR },
	{ "kindof", CT_SENTIMENT_B_DECR }, { "less", CT_SENTIMENT_B_DECR },
	{ "little", CT_SENTIMENT_B_DECR }, { "marginal", CT_SENTIMENT_B_DECR },
	{ "marginally", CT_SENTIMENT_B_DECR }, { "occasional", CT_SENTIMENT_B_DECR },
	{ "occasionally", CT_SENTIMENT_B_DECR }, { "partly", CT_SENTIMENT_B_DECR },
	{ "scarce", CT_SENTIMENT_B_DECR }, { "scarcely", CT_SENTIMENT_B_DECR },
	{ "slight", CT_SENTIMENT_B_DECR }, { "slightly", CT_SENTIMENT_B_DECR },
	{ "somewhat", CT_SENTIMENT_B_DECR }, { "sort of", CT_SENTIMENT_B_DECR },
	{ "sorta", CT_SENTIMENT_B_DECR }, { "sortof", CT_SENTIMENT_B_DECR },
};

/*
 * Words that in a call to a bank name a product or an action, or are
 * dialogue acts (answers, politeness, requests), not feelings: "credit
 * card", "interest rate", "top up", "account number", "add a beneficiary",
 * "block my card", "yes", "please", "I'd like to", "I need help with".
 * Chosen among the lexicon words most frequent in the banking requests of
 * data/banking77.  They carry no valence in ct_sentiment_new().
 */
static const char *const ct_sentiment_banking_neutral[] = {
	"credit", "credits", "interest", "interests", "top", "number",
	"beneficiary", "swift", "withdrawal", "block", "blocked", "freeze",
	"cancel", "cancelled", "canceled", "charges", "accept", "accepted",
	"supported", "support", "clear", "save", "saved", "free", "debt", "pay",
	"please", "yes", "yeah", "no", "like", "help",
};

/*
 * Idioms scored as one item, whatever their words score alone: VADER's
 * special cases and its list of sentiment-laden idioms (which VADER itself
 * leaves unused), without the slang ones ("the shit", "the bomb"), and
 * "thanks for nothing".
 */
static const struct {
	const char *phrase; /* tokens joined by one space */
	double valence;
} ct_sentiment_idioms[] = {
	{ "yeah right", -2.0 },	    { "kiss of death", -1.5 },
	{ "to die for", 3.0 },	    { "broken heart", -2.9 },
	{ "cut the mustard", 2.0 }, { "hand to mouth", -2.0 },
	{ "back handed", -2.0 },    { "blow smoke", -2.0 },
	{ "blowing smoke", -2.0 },  { "upper hand", 1.0 },
	{ "cooking with gas", 2.0 }, { "in the black", 2.0 },
	{ "in the red", -2.0 },	    { "on the ball", 2.0 },
	{ "under the weather", -2.0 }, { "thanks for nothing", -2.0 },
};

#define CT_SENTIMENT_NIDIOMS \
	(sizeof(ct_sentiment_idioms) / sizeof(ct_sentiment_idioms[0]))

static bool ct_sentiment_in(const char *const *list, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], w) == 0)
			return true;
	return false;
}

#define CT_SENTIMENT_IN(list, w) \
	ct_sentiment_in((list), sizeof(list) / sizeof((list)[0]), (w))

static int ct_sentiment_entry_cmp(const void *a, const void *b)
{
	const struct ct_sentiment_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int ct_sentiment_key_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct ct_sentiment_entry *)entry)->key);
}

/* The entry for key (tokens joined by one space), or NULL. */
static const struct ct_sentiment_entry *
ct_sentiment_find(const struct ct_sentiment *s, const char *key)
{
	const struct ct_sentiment_entry *e;

	e = bsearch(key, s->v, s->n, sizeof(*s->v), ct_sentiment_key_cmp);
	return e && !e->off ? e : NULL;
}

/* Parses a decimal such as "-1.25" from p..end; false when malformed. */
static bool ct_sentiment_parse_number(const char *p, const char *end,
				      double *out)
{
	double v = 0.0, scale = 1.0;
	bool neg = false, digits = false, frac = false;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			if (frac) {
				scale /= 10.0;
				v += (*p - '0') * scale;
			} else {
				v = v * 10.0 + (*p - '0');
			}
			digits = true;
		} else if (*p == '.' && !frac) {
			frac = true;
		} else if (*p == '\r' || *p == '\t') {
			break;
		} else {
			return false;
		}
	}
	*out = neg ? -v : v;
	return digits;
}

/*
 * Adds the entry of one "key<TAB>valence" line: the key is tokenized as a
 * text would be, so lexicon and text agree on what a word is.  Lines that
 * yield no token or too many are skipped; a line without a valence is an
 * error.
 */
static int ct_sentiment_add_line(struct ct_sentiment *s, const char *line,
				 const char *end, char **keyp,
				 struct ct_text_tokens *toks)
{
	const char *tab = memchr(line, '\t', (size_t)(end - line));
	struct ct_sentiment_entry *e;
	double valence;
	size_t i;

	if (!tab || !ct_sentiment_parse_number(tab + 1, end, &valence))
		return -1;
	ct_text_tokens_reset(toks);
	if (ct_text_tokenize(line, (size_t)(tab - line), toks) < 0)
		return -1;
	if (toks->n == 0 || toks->n > CT_SENTIMENT_PHRASE_MAX)
		return 0;
	e = &s->v[s->n];
	e->key = *keyp;
	e->valence = valence;
	e->order = s->n;
	e->off = false;
	for (i = 0; i < toks->n; i++) {
		size_t l = strlen(toks->v[i].s);

		if (i)
			*(*keyp)++ = ' ';
		memcpy(*keyp, toks->v[i].s, l);
		*keyp += l;
	}
	*(*keyp)++ = '\0';
	if (toks->n > s->phrase_max)
		s->phrase_max = toks->n;
	s->n++;
	return 0;
}

/* Sorts the entries by key and drops all but the last of duplicates. */
static void ct_sentiment_sort(struct ct_sentiment *s)
{
	size_t i, k = 0;

	qsort(s->v, s->n, sizeof(*s->v), ct_sentiment_entry_cmp);
	for (i = 0; i < s->n; i++) {
		if (i + 1 < s->n && strcmp(s->v[i].key, s->v[i + 1].key) == 0)
			continue;
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

static int ct_sentiment_load(struct ct_sentiment **out, bool banking)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_sentiment *s;
	const char *data, *p, *end;
	size_t len, lines = 0, i;
	char *keyp;

	*out = NULL;
	data = ct_embedded_get(CT_SENTIMENT_LEXICON, &len);
	if (!data)
		return -1;
	end = data + len;
	for (p = data; p < end; p++)
		if (*p == '\n')
			lines++;
	lines++;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->v = calloc(lines + CT_SENTIMENT_NIDIOMS, sizeof(*s->v));
	/* A key is never longer than its line: tokens only shrink. */
	s->keys = malloc(len + lines + 1);
	if (!s->v || !s->keys)
		goto out_free;
	keyp = s->keys;
	for (p = data; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le > p && *p != '#' &&
		    ct_sentiment_add_line(s, p, le, &keyp, &toks) < 0)
			goto out_free;
		p = le + 1;
	}
	ct_text_tokens_free(&toks);
	if (s->n == 0)
		goto out_free;
	for (i = 0; i < CT_SENTIMENT_NIDIOMS; i++) {
		struct ct_sentiment_entry *e = &s->v[s->n];
		const char *w = ct_sentiment_idioms[i].phrase;
		size_t words = 1;

		e->key = w;
		e->valence = ct_sentiment_idioms[i].valence;
		e->order = s->n++;
		e->off = false;
		for (; *w; w++)
			words += *w == ' ';
		if (words > s->phrase_max)
			s->phrase_max = words;
	}
	ct_sentiment_sort(s);
	if (banking) {
		size_t nb = sizeof(ct_sentiment_banking_neutral) /
			    sizeof(ct_sentiment_banking_neutral[0]);

		for (i = 0; i < nb; i++) {
			struct ct_sentiment_entry *e;

			e = bsearch(ct_sentiment_banking_neutral[i], s->v, s->n,
				    sizeof(*s->v), ct_sentiment_key_cmp);
			if (e)
				e->off = true;
		}
	}
	*out = s;
	return 0;

out_free:
	ct_text_tokens_free(&toks);
	ct_sentiment_free(s);
	return -1;
}

int ct_sentiment_new(struct ct_sentiment **out)
{
	return ct_sentiment_load(out, true);
}

int ct_sentiment_new_general(struct ct_sentiment **out)
{
	return ct_sentiment_load(out, false);
}

void ct_sentiment_free(struct ct_sentiment *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->keys);
	free(s);
}

/* The per-token state of one scoring pass. */
struct ct_sentiment_pass {
	const struct ct_sentiment *s;
	const char *text;
	const struct ct_text_tokens *toks;
	double *lex;      /* valence of the lexicon item starting here */
	bool *in_lex;     /* token starts or is covered by a lexicon item */
	bool *starts;     /* token starts a lexicon item */
	size_t *sentence; /* sentence number of each token */
	bool cap_diff;    /* some, but not all, tokens are in ALL CAPS */
};

static const char *ct_sentiment_tok(const struct ct_sentiment_pass *p,
				    size_t i)
{
	return p->toks->v[i].s;
}

/* True when token i is written in capitals (and has a letter). */
static bool ct_sentiment_all_caps(const struct ct_sentiment_pass *p, size_t i)
{
	const struct ct_text_token *t = &p->toks->v[i];
	bool letter = false;
	size_t k;

	for (k = t->start; k < t->end; k++) {
		char c = p->text[k];

		if (c >= 'a' && c <= 'z')
			return false;
		if (c >= 'A' && c <= 'Z')
			letter = true;
	}
	return letter;
}

static bool ct_sentiment_negates(const char *w)
{
	return CT_SENTIMENT_IN(ct_sentiment_negations, w) ||
	       strstr(w, "n't") != NULL;
}

/*
 * The booster scalar that token j (alone, or as the end of a two-word
 * booster such as "kind of") lends to a word of the given valence: it
 * moves the valence away from zero (booster) or toward it (dampener).
 */
static double ct_sentiment_boost(const struct ct_sentiment_pass *p, size_t j,
				 double valence)
{
	char pair[2 * (CT_TEXT_TOKEN_MAX + 1)];
	const char *w = ct_sentiment_tok(p, j);
	double scalar = 0.0;
	size_t i, nb = sizeof(ct_sentiment_boosters) /
		       sizeof(ct_sentiment_boosters[0]);

	pair[0] = '\0';
	if (j > 0 && p->sentence[j - 1] == p->sentence[j]) {
		strcpy(pair, ct_sentiment_tok(p, j - 1));
		strcat(pair, " ");
		strcat(pair, w);
	}
	for (i = 0; i < nb; i++) {
		if (strcmp(ct_sentiment_boosters[i].phrase, w) == 0 ||
		    strcmp(ct_sentiment_boosters[i].phrase, pair) == 0) {
			scalar = ct_sentiment_boosters[i].scalar;
			break;
		}
	}
	if (scalar == 0.0)
		return 0.0;
	if (valence < 0)
		scalar = -scalar;
	if (p->cap_diff && ct_sentiment_all_caps(p, j))
		scalar += valence > 0 ? CT_SENTIMENT_C_INCR : -CT_SENTIMENT_C_INCR;
	return scalar;
}

static bool ct_sentiment_single_booster(const char *w)
{
	size_t i, nb = sizeof(ct_sentiment_boosters) /
		       sizeof(ct_sentiment_boosters[0]);

	for (i = 0; i < nb; i++)
		if (strcmp(ct_sentiment_boosters[i].phrase, w) == 0)
			return true;
	return false;
}

/* Token i - d exists in the same sentence as token i and is w. */
static bool ct_sentiment_back_is(const struct ct_sentiment_pass *p, size_t i,
				 size_t d, const char *w)
{
	return i >= d && p->sentence[i - d] == p->sentence[i] &&
	       strcmp(ct_sentiment_tok(p, i - d), w) == 0;
}

/*
 * The negation and "never so" rules for the word d (1..3) tokens before
 * lexicon item i.
 */
static double ct_sentiment_negation(const struct ct_sentiment_pass *p,
				    size_t i, size_t d, double v)
{
	bool never_so = ct_sentiment_back_is(p, i, d, "never") && d >= 2 &&
			(ct_sentiment_back_is(p, i, d - 1, "so") ||
			 ct_sentiment_back_is(p, i, d - 1, "this"));
	bool without_doubt = ct_sentiment_back_is(p, i, d, "without") && d >= 2 &&
			     ct_sentiment_back_is(p, i, d - 1, "doubt");

	if (never_so)
		return v * 1.25;
	if (without_doubt)
		return v;
	if (ct_sentiment_negates(ct_sentiment_tok(p, i - d)))
		return v * CT_SENTIMENT_N_SCALAR;
	return v;
}

/* The valence of token i after VADER's rules; 0 when it is not a cue. */
static double ct_sentiment_valence(const struct ct_sentiment_pass *p, size_t i)
{
	const char *w = ct_sentiment_tok(p, i);
	size_t n = p->toks->n, d;
	double v;

	if (!p->starts[i] || ct_sentiment_single_booster(w))
		return 0.0;
	if (strcmp(w, "kind") == 0 && i + 1 < n &&
	    strcmp(ct_sentiment_tok(p, i + 1), "of") == 0)
		return 0.0;
	v = p->lex[i];
	/* "no" before a lexicon word negates it rather than counting. */
	if (strcmp(w, "no") == 0 && i + 1 < n && p->in_lex[i + 1])
		v = 0.0;
	if (ct_sentiment_back_is(p, i, 1, "no") ||
	    ct_sentiment_back_is(p, i, 2, "no") ||
	    (ct_sentiment_back_is(p, i, 3, "no") &&
	     (ct_sentiment_back_is(p, i, 1, "or") ||
	      ct_sentiment_back_is(p, i, 1, "nor"))))
		v = p->lex[i] * CT_SENTIMENT_N_SCALAR;
	if (p->cap_diff && ct_sentiment_all_caps(p, i))
		v += v > 0 ? CT_SENTIMENT_C_INCR : -CT_SENTIMENT_C_INCR;
	for (d = 1; d <= 3 && d <= i; d++) {
		static const double distance[] = { 0.0, 1.0, 0.95, 0.9 };
		size_t j = i - d;

		if (p->sentence[j] != p->sentence[i])
			break;
		if (p->in_lex[j])
			continue;
		v += ct_sentiment_boost(p, j, v) * distance[d];
		v = ct_sentiment_negation(p, i, d, v);
	}
	/* "least" negates, except in "at least" and "very least". */
	if (ct_sentiment_back_is(p, i, 1, "least") && !p->in_lex[i - 1] &&
	    !ct_sentiment_back_is(p, i, 2, "at") &&
	    !ct_sentiment_back_is(p, i, 2, "very"))
		v *= CT_SENTIMENT_N_SCALAR;
	return v;
}

/* Finds the lexicon items (longest match first) and the sentences. */
static void ct_sentiment_mark(struct ct_sentiment_pass *p)
{
	const struct ct_text_tokens *toks = p->toks;
	char key[CT_SENTIMENT_PHRASE_MAX * (CT_TEXT_TOKEN_MAX + 1)];
	size_t i, k, caps = 0;

	for (i = 0; i < toks->n; i++) {
		p->sentence[i] = 0;
		if (i > 0) {
			size_t a = toks->v[i - 1].end, b = toks->v[i].start;

			p->sentence[i] = p->sentence[i - 1];
			for (; a < b; a++) {
				if (strchr(".!?\n", p->text[a])) {
					p->sentence[i]++;
					break;
				}
			}
		}
		if (ct_sentiment_all_caps(p, i))
			caps++;
	}
	p->cap_diff = caps > 0 && caps < toks->n;
	for (i = 0; i < toks->n; i++) {
		if (p->in_lex[i])
			continue;
		k = p->s->phrase_max < toks->n - i ? p->s->phrase_max
						   : toks->n - i;
		if (k > CT_SENTIMENT_PHRASE_MAX)
			k = CT_SENTIMENT_PHRASE_MAX;
		for (; k >= 1; k--) {
			const struct ct_sentiment_entry *e;
			size_t m;

			key[0] = '\0';
			for (m = 0; m < k; m++) {
				if (m)
					strcat(key, " ");
				strcat(key, toks->v[i + m].s);
			}
			e = ct_sentiment_find(p->s, key);
			if (!e)
				continue;
			p->starts[i] = true;
			p->lex[i] = e->valence;
			for (m = 0; m < k; m++)
				p->in_lex[i + m] = true;
			break;
		}
	}
}

/* VADER's emphasis from '!' (up to 4) and from two or more '?'. */
static double ct_sentiment_punctuation(const char *text, size_t len)
{
	size_t i, ep = 0, qm = 0;
	double amp;

	for (i = 0; i < len; i++) {
		if (text[i] == '!')
			ep++;
		else if (text[i] == '?')
			qm++;
	}
	amp = (double)(ep > 4 ? 4 : ep) * CT_SENTIMENT_EP_INCR;
	if (qm > 3)
		amp += CT_SENTIMENT_QM_MAX;
	else if (qm > 1)
		amp += (double)qm * CT_SENTIMENT_QM_INCR;
	return amp;
}

/* Scales the valences before a sentence's first "but" by 0.5, after by 1.5. */
static void ct_sentiment_but(const struct ct_sentiment_pass *p, double *val)
{
	size_t n = p->toks->n, i = 0;

	while (i < n) {
		size_t end = i, b = n, k;

		while (end < n && p->sentence[end] == p->sentence[i])
			end++;
		for (k = i; k < end && b == n; k++)
			if (strcmp(ct_sentiment_tok(p, k), "but") == 0)
				b = k;
		if (b != n)
			for (k = i; k < end; k++)
				val[k] *= k < b ? 0.5 : k > b ? 1.5 : 1.0;
		i = end;
	}
}

double ct_sentiment_score(const struct ct_sentiment *s, const char *text,
			  size_t len)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_sentiment_pass p = { 0 };
	double *val = NULL, sum = 0.0, amp;
	size_t i, n;

	if (!s || !text || ct_text_tokenize(text, len, &toks) < 0 || !toks.n)
		goto out_free_toks;
	n = toks.n;
	p.s = s;
	p.text = text;
	p.toks = &toks;
	p.lex = calloc(n, sizeof(*p.lex));
	val = calloc(n, sizeof(*val));
	p.in_lex = calloc(n, sizeof(*p.in_lex));
	p.starts = calloc(n, sizeof(*p.starts));
	p.sentence = calloc(n, sizeof(*p.sentence));
	if (!p.lex || !val || !p.in_lex || !p.starts || !p.sentence)
		goto out_free_pass;
	ct_sentiment_mark(&p);
	for (i = 0; i < n; i++)
		val[i] = ct_sentiment_valence(&p, i);
	ct_sentiment_but(&p, val);
	for (i = 0; i < n; i++)
		sum += val[i];
	amp = ct_sentiment_punctuation(text, len);
	if (sum > 0)
		sum += amp;
	else if (sum < 0)
		sum -= amp;

out_free_pass:
	free(p.lex);
	free(val);
	free(p.in_lex);
	free(p.starts);
	free(p.sentence);
out_free_toks:
	ct_text_tokens_free(&toks);
	sum = sum / sqrt(sum * sum + CT_SENTIMENT_ALPHA);
	return sum < -1.0 ? -1.0 : sum > 1.0 ? 1.0 : sum;
}

double ct_sentiment_conversation_score(const struct ct_sentiment *s,
				       const struct ct_turn *turns, size_t n)
{
	double num = 0.0, den = 0.0;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (turns[i].speaker != CT_SPEAKER_USER)
			continue;
		k++;
		num += (double)k * ct_sentiment_score(s, turns[i].text,
						      turns[i].len);
		den += (double)k;
	}
	return den > 0 ? num / den : 0.0;
}

enum ct_sentiment_label ct_sentiment_conversation(const struct ct_sentiment *s,
						  const struct ct_turn *turns,
						  size_t n)
{
	double c = ct_sentiment_conversation_score(s, turns, n);

	if (c >= CT_SENTIMENT_POSITIVE_MIN)
		return CT_SENTIMENT_POSITIVE;
	if (c <= CT_SENTIMENT_NEGATIVE_MAX)
		return CT_SENTIMENT_NEGATIVE;
	return CT_SENTIMENT_NEUTRAL;
}

const char *ct_sentiment_label_name(enum ct_sentiment_label label)
{
	switch (label) {
	case CT_SENTIMENT_NEGATIVE:
		return "negative";
	case CT_SENTIMENT_POSITIVE:
		return "positive";
	case CT_SENTIMENT_NEUTRAL:
	default:
		return "neutral";
	}
}
