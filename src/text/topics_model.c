/*
 * The intent model of the topics module (pure: no I/O): a multinomial
 * logistic regression trained by tools/train_topics.py on BANKING77,
 * CLINC150 and a supplement of turns that ask for nothing, compiled into
 * the binary (data/runtime/topics_model.txt).  One class per topic that has
 * labelled data, plus "none".
 *
 * Features of an utterance's tokens (ct_text_tokenize()), in three kinds:
 * each token ("card"), each pair of adjacent tokens ("my_card") and each
 * character n-gram of "<token>" ("~<ca", "~car", "~ard>"; n from the
 * model's "chargrams" line), so that misspelt and unseen words still carry
 * weight.  Every occurrence of a kind counts 1 / sqrt(occurrences of that
 * kind in the utterance); a class's score is its bias plus the weights of
 * the occurrences, and the posteriors are the scores' softmax.  The trainer
 * folded a calibration into the weights, so the posteriors can be compared
 * with fixed thresholds (topics.c does).
 *
 * Person words (the model's "drop" lines: names, relatives and pronouns,
 * "John", "mom", "him", also with "'s") are removed from the tokens first,
 * and a pair joins the tokens around one.  The public data's calling and
 * texting requests had made a person mean "not banking", so that "pay 200
 * to my mom" got no topic; now it is judged by "pay 200 to my".  The
 * trainer drops the same words (tools/train_banking.py's lists, which the
 * banking detector drops too).
 *
 * Loaded once (ct_topics_model_load(), from topics.c's pthread_once);
 * read-only afterwards, so any number of threads may score at once.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/text.h"
#include "convtrack/topics.h"
#include "embedded.h"
#include "topics_int.h"

#define CT_TOPICS_MODEL "topics_model.txt"
#define CT_TOPICS_MODEL_FORMAT "convtrack-topics-lr 2"
/* Longest character n-gram a model may use. */
#define CT_TOPICS_GRAM_MAX 8
/* Largest weight of a model, in 1/scale (entries hold an int16_t). */
#define CT_TOPICS_WEIGHT_MAX 32767

#define CT_TOPICS_FNV64_0 14695981039346656037u
#define CT_TOPICS_FNV64_PRIME 1099511628211u

/*
 * A feature, found by the 64-bit FNV-1a hash of its text: the model's
 * features are checked to have distinct hashes when it loads, and a text's
 * feature that the model lacks takes another's weights only if their
 * hashes collide (odds about 1 in 2^64 / features), so lookups compare no
 * strings.  Slots of an open-addressing table; n == 0 marks an empty one.
 */
struct ct_topics_feat {
	uint64_t hash;
	uint32_t first; /* into ct_topics_m.ent */
	uint32_t n;
};

struct ct_topics_ent {
	int16_t weight; /* in 1/scale */
	uint8_t cls;
};

static struct {
	size_t ncls;
	int topic[CT_TOPICS_MAX_CLASSES]; /* class -> topic, -1 for none */
	int cls_of[CT_TOPICS_MAX];        /* topic -> class, -1 if unknown */
	double bias[CT_TOPICS_MAX_CLASSES];
	double scale;
	size_t gram_min, gram_max;
	struct ct_topics_feat *slot; /* nslot, a power of 2 */
	size_t nslot;
	size_t nfeat;
	struct ct_topics_ent *ent;
	size_t nent;
	uint64_t *drop; /* hashes of the dropped words, ndrop slots (a power
			 * of 2); 0 marks an empty one */
	size_t ndrop;
} ct_topics_m;

/* 64-bit FNV-1a, continued from h over n bytes. */
static uint64_t ct_topics_fnv64(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= CT_TOPICS_FNV64_PRIME;
	}
	return h;
}

/* Next line of [*p, end) into [*line, *eol); false at the end. */
static bool ct_topics_line(const char **p, const char *end, const char **line,
			   const char **eol)
{
	if (*p >= end)
		return false;
	*line = *p;
	*eol = memchr(*p, '\n', (size_t)(end - *p));
	if (!*eol)
		*eol = end;
	*p = *eol < end ? *eol + 1 : end;
	return true;
}

/* True when line [s, eol) begins with the word w followed by a space. */
static bool ct_topics_keyword(const char *s, const char *eol, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(eol - s) > n && memcmp(s, w, n) == 0 && s[n] == ' ';
}

/* The slot of the feature with hash h: its own, or the empty one where it
 * would go. */
static struct ct_topics_feat *ct_topics_feature(uint64_t h)
{
	size_t k = (size_t)(h ^ h >> 32) & (ct_topics_m.nslot - 1);

	while (ct_topics_m.slot[k].n && ct_topics_m.slot[k].hash != h)
		k = (k + 1) & (ct_topics_m.nslot - 1);
	return &ct_topics_m.slot[k];
}

/* The slot of the dropped word with hash h: its own, or the empty one
 * where it would go. */
static uint64_t *ct_topics_drop_slot(uint64_t h)
{
	size_t k = (size_t)(h ^ h >> 32) & (ct_topics_m.ndrop - 1);

	while (ct_topics_m.drop[k] && ct_topics_m.drop[k] != h)
		k = (k + 1) & (ct_topics_m.ndrop - 1);
	return &ct_topics_m.drop[k];
}

/* Parses "drop W" (one token of ct_text_tokenize(), not listed before). */
static int ct_topics_model_drop_line(const char *s, const char *eol)
{
	uint64_t h, *d;
	size_t n;

	s += strlen("drop ");
	n = (size_t)(eol - s);
	if (n == 0 || n > CT_TEXT_TOKEN_MAX || memchr(s, ' ', n))
		return -1;
	h = ct_topics_fnv64(CT_TOPICS_FNV64_0, s, n);
	d = ct_topics_drop_slot(h);
	if (h == 0 || *d)
		return -1; /* 0 marks an empty slot; or a second word */
	*d = h;
	return 0;
}

/* Parses the header line "classes C0 C1 ..." (C0 is none); topic_of maps
 * a topic id to its index. */
static int ct_topics_model_classes_line(const char *s, const char *eol,
					int (*topic_of)(const char *id))
{
	size_t t;

	for (t = 0; t < CT_TOPICS_MAX; t++)
		ct_topics_m.cls_of[t] = -1;
	s += strlen("classes ");
	while (s < eol) {
		char name[CT_TEXT_TOKEN_MAX + 1];
		size_t n = strcspn(s, " \n");
		int topic;

		if (n == 0 || n > CT_TEXT_TOKEN_MAX ||
		    ct_topics_m.ncls == CT_TOPICS_MAX_CLASSES)
			return -1;
		memcpy(name, s, n);
		name[n] = '\0';
		topic = ct_topics_m.ncls ? topic_of(name) : -1;
		if (ct_topics_m.ncls == 0 ? strcmp(name, "none") != 0 :
		    topic < 0 || ct_topics_m.cls_of[topic] >= 0)
			return -1;
		ct_topics_m.topic[ct_topics_m.ncls] = topic;
		if (topic >= 0)
			ct_topics_m.cls_of[topic] = (int)ct_topics_m.ncls;
		ct_topics_m.ncls++;
		s += n;
		s += strspn(s, " ");
	}
	return ct_topics_m.ncls > 1 ? 0 : -1;
}

/* Parses "bias B0 B1 ..." (one integer per class, in 1/scale). */
static int ct_topics_model_bias_line(const char *s, const char *eol)
{
	size_t c;

	s += strlen("bias ");
	for (c = 0; c < ct_topics_m.ncls; c++) {
		char *e;
		long v = strtol(s, &e, 10);

		if (e == s || e > eol)
			return -1;
		ct_topics_m.bias[c] = (double)v / ct_topics_m.scale;
		s = e;
	}
	return s == eol ? 0 : -1;
}

/* Parses "chargrams A B" (the n-grams' shortest and longest length). */
static int ct_topics_model_grams_line(const char *s)
{
	char *e;

	ct_topics_m.gram_min = strtoul(s + strlen("chargrams "), &e, 10);
	ct_topics_m.gram_max = strtoul(e, NULL, 10);
	return ct_topics_m.gram_min >= 1 &&
	       ct_topics_m.gram_min <= ct_topics_m.gram_max &&
	       ct_topics_m.gram_max <= CT_TOPICS_GRAM_MAX ? 0 : -1;
}

/* Parses "f FEATURE K:W ..." into a slot and its entries. */
static int ct_topics_model_feature(const char *s, const char *eol)
{
	struct ct_topics_feat *f;
	size_t len, first = ct_topics_m.nent;

	s += 2;
	len = strcspn(s, " \n");
	if (len == 0 || s + len >= eol)
		return -1;
	f = ct_topics_feature(ct_topics_fnv64(CT_TOPICS_FNV64_0, s, len));
	if (f->n)
		return -1; /* a second feature with the same hash */
	f->hash = ct_topics_fnv64(CT_TOPICS_FNV64_0, s, len);
	s += len;
	while (s < eol && *s == ' ') {
		char *q;
		unsigned long c = strtoul(s + 1, &q, 10);
		long w;

		if (*q != ':' || c >= ct_topics_m.ncls)
			return -1;
		w = strtol(q + 1, &q, 10);
		if (w == 0 || w > CT_TOPICS_WEIGHT_MAX ||
		    w < -CT_TOPICS_WEIGHT_MAX || q > eol)
			return -1;
		ct_topics_m.ent[ct_topics_m.nent].cls = (uint8_t)c;
		ct_topics_m.ent[ct_topics_m.nent].weight = (int16_t)w;
		ct_topics_m.nent++;
		s = q;
	}
	if (s != eol || ct_topics_m.nent == first)
		return -1;
	f->first = (uint32_t)first;
	f->n = (uint32_t)(ct_topics_m.nent - first);
	return 0;
}

/* The smallest power of 2 at least 3/2 (n + 1): a table at most two
 * thirds full, for short probes and a table that stays in the caches. */
static size_t ct_topics_slots(size_t n)
{
	size_t slots = 1;

	while (2 * slots < 3 * (n + 1))
		slots *= 2;
	return slots;
}

/*
 * Counts the feature lines, their entries and the dropped words of the
 * model text [text, end) and allocates the tables for them.  Returns 0,
 * or -1 when out of memory.
 */
static int ct_topics_model_alloc(const char *text, const char *end,
				 size_t *nfeat)
{
	const char *p, *s, *eol;
	size_t nent = 0, ndrop = 0;

	*nfeat = 0;
	for (p = text; ct_topics_line(&p, end, &s, &eol);) {
		ndrop += ct_topics_keyword(s, eol, "drop");
		if (!ct_topics_keyword(s, eol, "f"))
			continue;
		(*nfeat)++;
		for (; s < eol; s++)
			nent += *s == ':';
	}
	ct_topics_m.nslot = ct_topics_slots(*nfeat);
	ct_topics_m.ndrop = ct_topics_slots(ndrop);
	ct_topics_m.ent = calloc(nent + 1, sizeof(*ct_topics_m.ent));
	ct_topics_m.slot = calloc(ct_topics_m.nslot, sizeof(*ct_topics_m.slot));
	ct_topics_m.drop = calloc(ct_topics_m.ndrop, sizeof(*ct_topics_m.drop));
	return ct_topics_m.ent && ct_topics_m.slot && ct_topics_m.drop ? 0 :
									 -1;
}

/* Parses one line that follows the format line; *nfeat counts features. */
static int ct_topics_model_line(const char *s, const char *eol, size_t *nfeat,
				size_t cap, int (*topic_of)(const char *id))
{
	bool head = ct_topics_m.ncls && ct_topics_m.scale > 0 &&
		    ct_topics_m.gram_min;

	if (ct_topics_keyword(s, eol, "classes"))
		return ct_topics_m.ncls ? -1 :
					  ct_topics_model_classes_line(s, eol,
								       topic_of);
	if (ct_topics_keyword(s, eol, "scale")) {
		ct_topics_m.scale = strtod(s + strlen("scale "), NULL);
		return ct_topics_m.scale > 0 ? 0 : -1;
	}
	if (ct_topics_keyword(s, eol, "chargrams"))
		return ct_topics_model_grams_line(s);
	if (ct_topics_keyword(s, eol, "bias") && head)
		return ct_topics_model_bias_line(s, eol);
	if (ct_topics_keyword(s, eol, "drop"))
		return ct_topics_model_drop_line(s, eol);
	if (ct_topics_keyword(s, eol, "f") && head && *nfeat < cap) {
		(*nfeat)++;
		return ct_topics_model_feature(s, eol);
	}
	return -1;
}

int ct_topics_model_load(int (*topic_of)(const char *id))
{
	size_t len, nfeat = 0, cap;
	const char *text = ct_embedded_get(CT_TOPICS_MODEL, &len), *p, *s, *eol;
	bool header = false;

	if (!text || ct_topics_model_alloc(text, text + len, &cap) < 0)
		return -1;
	for (p = text; ct_topics_line(&p, text + len, &s, &eol);) {
		if (header) {
			if (ct_topics_model_line(s, eol, &nfeat, cap,
						 topic_of) < 0)
				return -1;
		} else if (*s != '#' && s != eol) {
			size_t n = (size_t)(eol - s);

			if (n != strlen(CT_TOPICS_MODEL_FORMAT) ||
			    memcmp(s, CT_TOPICS_MODEL_FORMAT, n) != 0)
				return -1;
			header = true;
		}
	}
	if (nfeat == 0 || nfeat != cap)
		return -1;
	ct_topics_m.nfeat = nfeat;
	return 0;
}

size_t ct_topics_model_classes(void)
{
	return ct_topics_m.ncls;
}

int ct_topics_model_topic(size_t c)
{
	return c < ct_topics_m.ncls ? ct_topics_m.topic[c] : -1;
}

int ct_topics_model_class(size_t t)
{
	return t < CT_TOPICS_MAX && ct_topics_m.ncls ? ct_topics_m.cls_of[t] :
						       -1;
}

/* Adds the weights (in 1/scale) of the feature with hash h, if the model
 * has it, to sum. */
static void ct_topics_model_add(uint64_t h, double *sum)
{
	const struct ct_topics_feat *f = ct_topics_feature(h);
	const struct ct_topics_ent *e = &ct_topics_m.ent[f->first];
	uint32_t k;

	for (k = 0; k < f->n; k++)
		sum[e[k].cls] += e[k].weight;
}

/* Adds the weights of the character n-grams of token s (n bytes) to sum:
 * "~" and each n-gram of "<s>".  Returns the number of n-grams. */
static size_t ct_topics_model_grams(const char *s, size_t n, double *sum)
{
	char buf[CT_TEXT_TOKEN_MAX + 2];
	uint64_t h0 = ct_topics_fnv64(CT_TOPICS_FNV64_0, "~", 1);
	size_t i, g, len = n + 2, count = 0;

	buf[0] = '<';
	memcpy(buf + 1, s, n);
	buf[n + 1] = '>';
	for (i = 0; i + ct_topics_m.gram_min <= len; i++) {
		uint64_t h = ct_topics_fnv64(h0, buf + i,
					     ct_topics_m.gram_min - 1);

		for (g = ct_topics_m.gram_min;
		     g <= ct_topics_m.gram_max && i + g <= len; g++) {
			h = ct_topics_fnv64(h, buf + i + g - 1, 1);
			ct_topics_model_add(h, sum);
			count++;
		}
	}
	return count;
}

/* True when the dropped words include the word with hash h. */
static bool ct_topics_model_dropped(uint64_t h)
{
	return ct_topics_m.ndrop && *ct_topics_drop_slot(h) != 0;
}

/* True when token s (n bytes, hash h) is a person word: a dropped word,
 * or one followed by "'s". */
static bool ct_topics_model_person_h(const char *s, size_t n, uint64_t h)
{
	return ct_topics_model_dropped(h) ||
	       (n > 2 && s[n - 2] == '\'' && s[n - 1] == 's' &&
		ct_topics_model_dropped(
			ct_topics_fnv64(CT_TOPICS_FNV64_0, s, n - 2)));
}

bool ct_topics_model_person(const char *s, size_t n)
{
	return ct_topics_model_person_h(
		s, n, ct_topics_fnv64(CT_TOPICS_FNV64_0, s, n));
}

/* The kinds of features, each weighed by 1 / sqrt(its occurrences). */
enum { CT_TOPICS_TOKEN, CT_TOPICS_PAIR, CT_TOPICS_GRAM, CT_TOPICS_KINDS };

void ct_topics_model_posterior(const struct ct_text_tokens *toks,
			       double post[CT_TOPICS_MAX_CLASSES])
{
	/* Per kind, the sums of the weights of its occurrences: integers,
	 * exact in a double. */
	double sum[CT_TOPICS_KINDS][CT_TOPICS_MAX_CLASSES] = { { 0 } };
	size_t n[CT_TOPICS_KINDS] = { 0 };
	size_t i, k, c, ncls = ct_topics_m.ncls;
	double v[CT_TOPICS_KINDS], max, z = 0;
	uint64_t prev = 0; /* hash of the last kept token */

	for (i = 0; i < toks->n; i++) {
		const char *s = toks->v[i].s;
		size_t a = strlen(s);
		uint64_t h = ct_topics_fnv64(CT_TOPICS_FNV64_0, s, a);

		if (ct_topics_model_person_h(s, a, h))
			continue;
		ct_topics_model_add(h, sum[CT_TOPICS_TOKEN]);
		n[CT_TOPICS_GRAM] += ct_topics_model_grams(s, a,
							   sum[CT_TOPICS_GRAM]);
		/* The pair "p_s" with the last kept token p, hashed without
		 * copying it: p's hash continued. */
		if (n[CT_TOPICS_TOKEN]++) {
			ct_topics_model_add(
				ct_topics_fnv64(ct_topics_fnv64(prev, "_", 1),
						s, a),
				sum[CT_TOPICS_PAIR]);
			n[CT_TOPICS_PAIR]++;
		}
		prev = h;
	}
	for (k = 0; k < CT_TOPICS_KINDS; k++)
		v[k] = n[k] ? 1.0 / sqrt((double)n[k]) : 0;
	for (c = 0; c < ncls; c++)
		post[c] = ct_topics_m.bias[c] +
			  (v[CT_TOPICS_TOKEN] * sum[CT_TOPICS_TOKEN][c] +
			   v[CT_TOPICS_PAIR] * sum[CT_TOPICS_PAIR][c] +
			   v[CT_TOPICS_GRAM] * sum[CT_TOPICS_GRAM][c]) /
				  ct_topics_m.scale;
	max = post[0];
	for (c = 1; c < ncls; c++)
		if (post[c] > max)
			max = post[c];
	for (c = 0; c < ncls; c++)
		z += (post[c] = exp(post[c] - max));
	for (c = 0; c < ncls; c++)
		post[c] /= z;
}
