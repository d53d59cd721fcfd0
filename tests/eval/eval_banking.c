/*
 * Evaluation of the banking question detector (ct_banking_is_query()) on
 * the development data: texts the trainer (tools/train_banking.py) never
 * fits.  Prints precision, recall and F1 per data set:
 * - data/clinc150 `val` + `oos_val`: intents of the domains `banking` and
 *   `credit_cards` are banking, every other intent and `oos` is not; the
 *   borderline money intents (exchange_rate, travel_notification,
 *   direct_deposit, payday, income, taxes, rollover_401k, w2) are left out
 *   and reported on their own, with the share flagged as banking.  Also
 *   at the mix of CLINC150's test split, where out-of-scope texts are ten
 *   times as many (1,000 to 4,260 in scope; `val` has 100 to 2,840): each
 *   out-of-scope text weighs that much more.
 * - data/banking77/train.csv, the held-out part only: per category every
 *   fifth text, listed (by FNV-1a 32 hash) in
 *   tests/fixtures/banking/banking77_heldout.txt, which the trainer writes;
 *   every text is banking, so only recall means anything.  Pooled with
 *   clinc as the "CLINC150 + BANKING77" figure, plainly and at the
 *   two test splits' mix (3,080 BANKING77 texts to 4,260 CLINC ones).
 * - data/sgd_banks: every USER turn against its `is_banking` label (the
 *   label marks the turn's service frame, so "Yes, please." inside a
 *   transfer counts as banking; the detector sees the text alone), and the
 *   USER turns that open a new intent, banking when the new intent is one
 *   of the Banks service (CheckBalance, TransferMoney).  Not trained on.
 * - tests/fixtures/banking/product_eval.tsv: hand-written questions of a
 *   Zimbabwean bank's callers and small talk (written by the developer;
 *   indicative only).
 * Then the cost of one call, timed over the clinc texts.
 *
 * Exits 1 below the development figures of docs/text-rules-banking.md
 * (the EVAL_MIN_* gates, just under them), or when a data file is missing
 * or malformed.  Run from the source directory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "convtrack/banking.h"
#include "datasets.h"

#define EVAL_CLINC "data/clinc150/data_train_val.json"
#define EVAL_DOMAINS "data/clinc150/domains.json"
#define EVAL_B77_HELDOUT "tests/fixtures/banking/banking77_heldout.txt"
#define EVAL_SGD "data/sgd_banks/sgd_banks_train.jsonl"
#define EVAL_PRODUCT "tests/fixtures/banking/product_eval.tsv"

/* The test splits' mix: out-of-scope and BANKING77 texts per in-scope one. */
#define EVAL_TEST_OOS (1000.0 / 4260.0)
#define EVAL_TEST_B77 (3080.0 / 4260.0)
#define EVAL_B77_HELDOUT_MIN 1900 /* fewer held-out hashes: a bad fixture */
/*
 * Gates: just under the development figures (in the comments, as measured
 * when they were set, with the model trained with the closings of the
 * supplement, threshold 0.825).
 */
#define EVAL_MIN_CLINC_F1 0.973       /* 0.9759 */
#define EVAL_MIN_CLINC_TEST_F1 0.950  /* 0.9534 */
#define EVAL_MIN_POOLED_TEST_F1 0.982 /* 0.9840 */
#define EVAL_MIN_B77_R 0.984          /* 0.9865 */
#define EVAL_MIN_SGD_OPENING_F1 0.969 /* 0.9718 */
#define EVAL_TIMING_NS 500000000.0 /* time scoring for at least 0.5 s */

static const char *const eval_bank_domains[] = { "banking", "credit_cards" };
static const char *const eval_borderline[] = {
	"exchange_rate", "travel_notification", "direct_deposit", "payday",
	"income", "taxes", "rollover_401k", "w2",
};
#define EVAL_NBORDER (sizeof(eval_borderline) / sizeof(eval_borderline[0]))
static const char *const eval_sgd_bank_intents[] = { "CheckBalance",
						     "TransferMoney" };

struct eval_counts {
	size_t tp, fp, fn, tn;
};

static void eval_add(struct eval_counts *c, bool pred, bool truth)
{
	if (pred && truth)
		c->tp++;
	else if (pred)
		c->fp++;
	else if (truth)
		c->fn++;
	else
		c->tn++;
}

static double eval_ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static double eval_precision(const struct eval_counts *c)
{
	return eval_ratio(c->tp, c->tp + c->fp);
}

static double eval_recall(const struct eval_counts *c)
{
	return eval_ratio(c->tp, c->tp + c->fn);
}

static void eval_row(const char *name, const struct eval_counts *c,
		     const char *gate)
{
	size_t n = c->tp + c->fp + c->fn + c->tn;
	size_t pos = c->tp + c->fn;

	printf("%-34s %6zu %6zu %6zu %5zu %5zu ", name, n, pos, c->tp, c->fp,
	       c->fn);
	if (c->tp + c->fp)
		printf("%9.4f ", eval_precision(c));
	else
		printf("%9s ", "-");
	printf("%6.4f %6.4f  %s\n", eval_recall(c),
	       eval_ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn), gate);
}

static char *eval_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f) {
		fprintf(stderr, "eval_banking: cannot open %s (run from the "
				"source directory)\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) &&
	    fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		*len = (size_t)size;
	} else {
		fprintf(stderr, "eval_banking: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static yajl_val eval_parse_json(const char *path)
{
	char err[256];
	size_t len;
	char *buf = eval_read(path, &len);
	yajl_val v;

	if (!buf)
		return NULL;
	v = yajl_tree_parse(buf, err, sizeof(err));
	if (!v)
		fprintf(stderr, "eval_banking: %s: %s\n", path, err);
	free(buf);
	return v;
}

static bool eval_in(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* FNV-1a 32 of len bytes, as fnv1a32() of the trainer. */
static uint32_t eval_fnv1a32(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Every text scored in the timing run: the clinc val texts. */
struct eval_texts {
	const char **v;
	size_t n, cap;
};

static int eval_texts_add(struct eval_texts *t, const char *s)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 1024;
		const char **nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		t->v = nv;
		t->cap = ncap;
	}
	t->v[t->n++] = s;
	return 0;
}

/* True when intent is one of the domains in eval_bank_domains. */
static bool eval_clinc_is_bank(yajl_val domains, const char *intent)
{
	size_t d, i;

	for (d = 0; d < 2; d++) {
		const char *path[] = { eval_bank_domains[d], NULL };
		yajl_val list = yajl_tree_get(domains, path, yajl_t_array);

		for (i = 0; list && i < list->u.array.len; i++) {
			const char *s = YAJL_GET_STRING(list->u.array.values[i]);

			if (s && strcmp(s, intent) == 0)
				return true;
		}
	}
	return false;
}

/*
 * Scores clinc `val` and `oos_val`.  The tree stays alive while texts (which
 * point into it) are timed.
 */
static int eval_clinc(const struct ct_banking *b, yajl_val clinc,
		      yajl_val domains, struct eval_counts *all,
		      struct eval_counts *border, struct eval_texts *texts,
		      size_t *fp_other, size_t *n_other, size_t *fp_oos,
		      size_t *n_oos)
{
	static const char *const splits[] = { "val", "oos_val" };
	size_t s, i;

	for (s = 0; s < 2; s++) {
		const char *path[] = { splits[s], NULL };
		yajl_val list = yajl_tree_get(clinc, path, yajl_t_array);

		if (!list) {
			fprintf(stderr, "eval_banking: %s: no split %s\n",
				EVAL_CLINC, splits[s]);
			return -1;
		}
		for (i = 0; i < list->u.array.len; i++) {
			yajl_val pair = list->u.array.values[i];
			const char *text, *intent;
			bool pred, truth;
			size_t k;

			if (!YAJL_IS_ARRAY(pair) || pair->u.array.len != 2 ||
			    !(text = YAJL_GET_STRING(pair->u.array.values[0])) ||
			    !(intent = YAJL_GET_STRING(pair->u.array.values[1]))) {
				fprintf(stderr, "eval_banking: %s: bad pair\n",
					EVAL_CLINC);
				return -1;
			}
			if (eval_texts_add(texts, text) < 0)
				return -1;
			pred = ct_banking_is_query(b, text, strlen(text));
			for (k = 0; k < EVAL_NBORDER; k++)
				if (strcmp(intent, eval_borderline[k]) == 0)
					break;
			if (k < EVAL_NBORDER) {
				eval_add(&border[k], pred, true);
				continue;
			}
			truth = eval_clinc_is_bank(domains, intent);
			eval_add(all, pred, truth);
			if (!truth && strcmp(intent, "oos") == 0) {
				(*n_oos)++;
				*fp_oos += pred;
			} else if (!truth) {
				(*n_other)++;
				*fp_other += pred;
			}
		}
	}
	return 0;
}

/* The held-out BANKING77 texts: sorted FNV-1a 32 hashes. */
struct eval_hashes {
	uint32_t *v;
	size_t n;
};

static int eval_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Reads EVAL_B77_HELDOUT (comments, then one hex hash a line). */
static int eval_read_heldout(struct eval_hashes *h)
{
	size_t len, cap = 0;
	char *buf = eval_read(EVAL_B77_HELDOUT, &len), *p, *end;

	if (!buf)
		return -1;
	for (p = buf; p < buf + len; p = end + 1) {
		end = strchr(p, '\n');
		if (!end)
			end = buf + len;
		*end = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		if (h->n == cap) {
			uint32_t *nv;

			cap = cap ? 2 * cap : 1024;
			nv = realloc(h->v, cap * sizeof(*nv));
			if (!nv)
				break;
			h->v = nv;
		}
		h->v[h->n++] = (uint32_t)strtoul(p, NULL, 16);
	}
	free(buf);
	if (h->n < EVAL_B77_HELDOUT_MIN) {
		fprintf(stderr, "eval_banking: %s: only %zu hashes\n",
			EVAL_B77_HELDOUT, h->n);
		return -1;
	}
	qsort(h->v, h->n, sizeof(*h->v), eval_cmp_u32);
	return 0;
}

struct eval_b77_arg {
	const struct ct_banking *b;
	const struct eval_hashes *held;
	struct eval_counts *c;
};

static int eval_b77_text(void *arg, const char *src, const char *text,
			 size_t len, const char *label)
{
	struct eval_b77_arg *a = arg;
	uint32_t h = eval_fnv1a32(text, len);

	(void)src;
	(void)label;
	if (bsearch(&h, a->held->v, a->held->n, sizeof(h), eval_cmp_u32))
		eval_add(a->c, ct_banking_is_query(a->b, text, len), true);
	return 0;
}

/* Recall on the held-out part of banking77 (all its texts are banking). */
static int eval_banking77(const struct ct_banking *b, struct eval_counts *c)
{
	struct eval_hashes held = { 0 };
	struct eval_b77_arg a = { b, &held, c };
	int rc = eval_read_heldout(&held);

	if (rc == 0)
		rc = ds_each_banking77("eval_banking", eval_b77_text, &a);
	free(held.v);
	return rc;
}

static bool eval_sgd_new_intent(yajl_val active, const char *const *prev,
				size_t nprev, bool *bank)
{
	bool any = false;
	size_t i;

	*bank = false;
	for (i = 0; i < active->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(active->u.array.values[i]);

		if (!s || strcmp(s, "NONE") == 0 || eval_in(prev, nprev, s))
			continue;
		any = true;
		*bank |= eval_in(eval_sgd_bank_intents, 2, s);
	}
	return any;
}

/* One dialogue (one JSONL line) of sgd_banks. */
static int eval_sgd_dialogue(const struct ct_banking *b, yajl_val d,
			     struct eval_counts *turns,
			     struct eval_counts *opening)
{
	const char *p_turns[] = { "turns", NULL };
	const char *p_speaker[] = { "speaker", NULL };
	const char *p_utt[] = { "utterance", NULL };
	const char *p_bank[] = { "is_banking", NULL };
	const char *p_active[] = { "active_intents", NULL };
	yajl_val list = yajl_tree_get(d, p_turns, yajl_t_array);
	const char *prev[16];
	size_t nprev = 0, i, k;

	if (!list)
		return -1;
	for (i = 0; i < list->u.array.len; i++) {
		yajl_val t = list->u.array.values[i];
		yajl_val sp = yajl_tree_get(t, p_speaker, yajl_t_string);
		yajl_val utt = yajl_tree_get(t, p_utt, yajl_t_string);
		yajl_val bank = yajl_tree_get(t, p_bank, yajl_t_any);
		yajl_val active = yajl_tree_get(t, p_active, yajl_t_array);
		const char *text;
		bool pred, new_bank;

		if (!sp || !utt || !bank || !active ||
		    !(YAJL_IS_TRUE(bank) || YAJL_IS_FALSE(bank)))
			return -1;
		if (strcmp(sp->u.string, "USER") != 0)
			continue;
		text = utt->u.string;
		pred = ct_banking_is_query(b, text, strlen(text));
		eval_add(turns, pred, YAJL_IS_TRUE(bank));
		if (eval_sgd_new_intent(active, prev, nprev, &new_bank))
			eval_add(opening, pred, new_bank);
		nprev = 0;
		for (k = 0; k < active->u.array.len && nprev < 16; k++)
			if (YAJL_IS_STRING(active->u.array.values[k]))
				prev[nprev++] =
					YAJL_GET_STRING(active->u.array.values[k]);
	}
	return 0;
}

static int eval_sgd(const struct ct_banking *b, struct eval_counts *turns,
		    struct eval_counts *opening)
{
	FILE *f = fopen(EVAL_SGD, "r");
	char *line = NULL, err[256];
	size_t cap = 0, lineno = 0;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "eval_banking: cannot open %s\n", EVAL_SGD);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		yajl_val d;

		lineno++;
		d = yajl_tree_parse(line, err, sizeof(err));
		if (!d || eval_sgd_dialogue(b, d, turns, opening) < 0) {
			fprintf(stderr, "eval_banking: %s:%zu: bad dialogue\n",
				EVAL_SGD, lineno);
			rc = -1;
		}
		yajl_tree_free(d);
		if (rc)
			break;
	}
	free(line);
	fclose(f);
	return rc;
}

static int eval_product(const struct ct_banking *b, struct eval_counts *c)
{
	FILE *f = fopen(EVAL_PRODUCT, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f) {
		fprintf(stderr, "eval_banking: cannot open %s\n", EVAL_PRODUCT);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if ((line[0] != '0' && line[0] != '1') || line[1] != '\t')
			continue;
		eval_add(c, ct_banking_is_query(b, line + 2, (size_t)len - 2),
			 line[0] == '1');
	}
	free(line);
	fclose(f);
	return 0;
}

/* Mean nanoseconds of one ct_banking_is_query() over texts. */
static double eval_time(const struct ct_banking *b,
			const struct eval_texts *texts, double *mean_bytes)
{
	struct timespec t0, t1;
	size_t i, calls = 0, bytes = 0;
	double ns = 0;
	volatile size_t sink = 0;

	for (i = 0; i < texts->n; i++)
		bytes += strlen(texts->v[i]);
	*mean_bytes = eval_ratio(bytes, texts->n);
	if (!texts->n)
		return 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (i = 0; i < texts->n; i++)
			sink += ct_banking_is_query(b, texts->v[i],
						    strlen(texts->v[i]));
		calls += texts->n;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		     (double)(t1.tv_nsec - t0.tv_nsec);
	} while (ns < EVAL_TIMING_NS);
	(void)sink;
	return ns / (double)calls;
}

static double eval_f1(const struct eval_counts *c)
{
	return eval_ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn);
}

/* What the clinc texts are: counts for the figures at the test mix. */
struct eval_clinc_mix {
	size_t fp_other, n_other, fp_oos, n_oos;
};

/*
 * F1 of the clinc texts, and of the banking77 ones (b77, or NULL) with
 * them, each kind weighted to its share in the test splits.
 */
static double eval_test_f1(const struct eval_counts *clinc,
			   const struct eval_clinc_mix *m,
			   const struct eval_counts *b77)
{
	double n_in = (double)(clinc->tp + clinc->fn + m->n_other);
	double w_oos = m->n_oos ? EVAL_TEST_OOS * n_in / (double)m->n_oos : 0;
	double w_b = 0, tp, fp, fn;

	if (b77 && b77->tp + b77->fn)
		w_b = EVAL_TEST_B77 * n_in / (double)(b77->tp + b77->fn);
	tp = (double)clinc->tp + (b77 ? w_b * (double)b77->tp : 0);
	fn = (double)clinc->fn + (b77 ? w_b * (double)b77->fn : 0);
	fp = (double)m->fp_other + w_oos * (double)m->fp_oos;
	return 2 * tp / (2 * tp + fp + fn);
}

static void eval_print_border(const struct eval_counts *border)
{
	struct eval_counts all = { 0 };
	size_t k;

	printf("\nborderline money intents (clinc150 val, not in the figures "
	       "above): flagged as banking\n");
	for (k = 0; k < EVAL_NBORDER; k++) {
		size_t n = border[k].tp + border[k].fn;

		printf("  %-20s %3zu of %3zu  %5.2f\n", eval_borderline[k],
		       border[k].tp, n, eval_ratio(border[k].tp, n));
		all.tp += border[k].tp;
		all.fn += border[k].fn;
	}
	printf("  %-20s %3zu of %3zu  %5.2f\n", "all", all.tp, all.tp + all.fn,
	       eval_ratio(all.tp, all.tp + all.fn));
}

/* Prints one gated figure; false when it is below its gate. */
static bool eval_gate(const char *name, double v, double min)
{
	printf("  %-44s %6.4f  (gate >= %.3f)%s\n", name, v, min,
	       v >= min ? "" : "  FAIL");
	return v >= min;
}

int main(void)
{
	struct eval_counts clinc = { 0 }, border[EVAL_NBORDER] = { { 0 } };
	struct eval_counts b77 = { 0 }, turns = { 0 }, opening = { 0 };
	struct eval_counts product = { 0 }, pooled;
	struct eval_clinc_mix mix = { 0 };
	struct eval_texts texts = { 0 };
	struct ct_banking *b = NULL;
	yajl_val cl = NULL, dom = NULL;
	double ns, mean_bytes;
	bool ok = true;
	int rc = 1;

	if (ct_banking_new(&b) < 0) {
		fprintf(stderr, "eval_banking: the embedded model is malformed\n");
		return 1;
	}
	cl = eval_parse_json(EVAL_CLINC);
	dom = eval_parse_json(EVAL_DOMAINS);
	if (!cl || !dom ||
	    eval_clinc(b, cl, dom, &clinc, border, &texts, &mix.fp_other,
		       &mix.n_other, &mix.fp_oos, &mix.n_oos) < 0 ||
	    eval_banking77(b, &b77) < 0 || eval_sgd(b, &turns, &opening) < 0 ||
	    eval_product(b, &product) < 0)
		goto out;
	pooled = clinc;
	pooled.tp += b77.tp;
	pooled.fn += b77.fn;

	printf("banking question detector, threshold %.3f\n\n",
	       ct_banking_threshold(b));
	printf("%-34s %6s %6s %6s %5s %5s %9s %6s %6s\n", "data set", "n",
	       "pos", "TP", "FP", "FN", "precision", "recall", "F1");
	eval_row("clinc150 val+oos_val", &clinc, "");
	eval_row("banking77 held-out 20%", &b77, "");
	eval_row("clinc150 + banking77 (pooled)", &pooled, "");
	eval_row("sgd_banks user turns", &turns, "");
	eval_row("sgd_banks turns opening an intent", &opening, "");
	eval_row("product (hand-written)", &product, "");
	printf("\nclinc150 false positives: %zu of %zu other-domain texts, "
	       "%zu of %zu oos texts\n", mix.fp_other, mix.n_other, mix.fp_oos,
	       mix.n_oos);
	eval_print_border(border);

	printf("\ndevelopment figures of the issue's goals:\n");
	ok &= eval_gate("clinc150 val+oos_val F1", eval_f1(&clinc),
			EVAL_MIN_CLINC_F1);
	ok &= eval_gate("clinc150 F1, oos at the test mix",
			eval_test_f1(&clinc, &mix, NULL),
			EVAL_MIN_CLINC_TEST_F1);
	ok &= eval_gate("clinc150 + banking77 F1, at the test mix",
			eval_test_f1(&clinc, &mix, &b77),
			EVAL_MIN_POOLED_TEST_F1);
	ok &= eval_gate("banking77 held-out recall", eval_recall(&b77),
			EVAL_MIN_B77_R);
	ok &= eval_gate("sgd_banks turns opening an intent F1",
			eval_f1(&opening), EVAL_MIN_SGD_OPENING_F1);

	ns = eval_time(b, &texts, &mean_bytes);
	printf("\ncost: %.0f ns per call (clinc texts, mean %.0f bytes)\n", ns,
	       mean_bytes);

	printf("\n%s\n", ok ? "PASS" : "FAIL: below the development figures");
	rc = ok ? 0 : 1;
out:
	free(texts.v);
	yajl_tree_free(cl);
	yajl_tree_free(dom);
	ct_banking_free(b);
	return rc;
}
