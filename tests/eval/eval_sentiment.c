/*
 * Evaluation of the sentiment and resolution of conversations against
 * human labels.
 *
 * data/stc3_helpdesk/dialogues_dev.json: customer-helpdesk dialogues, each
 * rated by 19 annotators for customer satisfaction (S) and task
 * accomplishment (A) on -2..2.  The mean S is mapped to a label by rounding
 * it to the nearest point of the annotators' scale and taking its sign
 * (mean S <= -0.5 negative, >= 0.5 positive, neutral between); the mean A
 * to "resolved" when it is above 0, i.e. when the annotators on balance
 * judged the task accomplished.  The customer's turns are the caller's,
 * the helpdesk's the assistant's; the dialogues have no end reason.
 * ct_resolution's "escalated" and "incomplete" both count as not resolved.
 *
 * The models were trained by tools/train_sentiment.py on the dialogues
 * whose FNV-1a 32 hash of the id is not 0 modulo 4 (the training part);
 * the others (the held-out part, 342 dialogues) were kept out of training
 * and model selection.  The figures of the held-out part are the
 * measurement, and the ones the thresholds below gate on; the training
 * part's are printed too, marked as fitted (they say how much the models
 * learnt by heart, not how good they are).
 *
 * For each task it prints accuracy and macro-F1 of the models and of the
 * majority-class baseline, and the Pearson correlation of the conversation
 * score (sentiment) or of the resolved 1/0 (resolution) with the mean
 * rating; for sentiment also VADER's own test, the correlation of the
 * utterance score with the human mean of data/vader/tweets_GroundTruth.txt.
 *
 * Exits 1 when a data file is missing or a figure misses its threshold
 * (EVAL_* below).  The thresholds sit a little below the held-out figures
 * measured when they were set, so that a regression fails, and a constant
 * classifier fails every one of them: its Pearson r is 0 and its
 * accuracy at most the majority's; both tasks must also beat the majority
 * class's accuracy and macro-F1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "convtrack/resolution.h"
#include "convtrack/sentiment.h"

#define EVAL_STC3 "data/stc3_helpdesk/dialogues_dev.json"
#define EVAL_TWEETS "data/vader/tweets_GroundTruth.txt"
#define EVAL_MAX_TURNS 64

/* Bounds of the sentiment mapping of mean S (see the file comment). */
#define EVAL_S_NEGATIVE_MAX (-0.5)
#define EVAL_S_POSITIVE_MIN 0.5

/* The held-out part: FNV-1a 32 of the dialogue's id, modulo 4, is 0
 * (tools/train_sentiment.py, HELD_OUT_BUCKET). */
#define EVAL_HELD_OUT_BUCKETS 4

/*
 * Thresholds; in the comments the figures measured when they were set
 * (the 342 held-out STC-3 dev dialogues, 4,200 VADER tweets).
 */
#define EVAL_SENT_MIN_ACC 0.65   /* 0.670 (majority "neutral": 0.588) */
#define EVAL_SENT_MIN_F1 0.62    /* 0.636 (majority: 0.247) */
#define EVAL_SENT_MIN_R 0.74     /* r(conversation score, mean S): 0.757 */
#define EVAL_RES_MIN_ACC 0.77    /* 0.795 (majority "not-resolved": 0.708) */
#define EVAL_RES_MIN_F1 0.72     /* 0.738 (majority: 0.414) */
#define EVAL_RES_MIN_R 0.50      /* r(resolved 1/0, mean A): 0.530 */
#define EVAL_TWEETS_MIN_R 0.82   /* 0.844 as published */
#define EVAL_TWEETS_BANK_MIN_R 0.81 /* with the rules for a bank: 0.834 */

/* What one task must reach; beat_majority_acc: accuracy above the
 * majority class's too. */
struct eval_gate {
	double min_acc, min_f1, min_r;
	int beat_majority_acc;
};

struct eval_dialogue {
	struct ct_turn turns[EVAL_MAX_TURNS];
	char *text[EVAL_MAX_TURNS];
	size_t n;
	double mean_s, mean_a;
	int held_out; /* kept out of training */
};

/* Running sums of a Pearson correlation. */
struct eval_corr {
	double n, sx, sy, sxx, syy, sxy;
};

static void eval_corr_add(struct eval_corr *c, double x, double y)
{
	c->n += 1;
	c->sx += x;
	c->sy += y;
	c->sxx += x * x;
	c->syy += y * y;
	c->sxy += x * y;
}

static double eval_corr_r(const struct eval_corr *c)
{
	double cov = c->sxy - c->sx * c->sy / c->n;
	double vx = c->sxx - c->sx * c->sx / c->n;
	double vy = c->syy - c->sy * c->sy / c->n;

	return vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : 0.0;
}

static char *eval_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f) {
		fprintf(stderr, "eval_sentiment: cannot open %s (run from the "
				"source directory)\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) &&
	    fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		*len = (size_t)size;
	} else {
		fprintf(stderr, "eval_sentiment: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The mean of one quality score ("A" or "S") over the annotators. */
static int eval_mean_quality(yajl_val annotations, const char *key,
			     double *out)
{
	const char *path[] = { "quality", key, NULL };
	double sum = 0;
	size_t i, n;

	if (!YAJL_IS_ARRAY(annotations) || !(n = annotations->u.array.len))
		return -1;
	for (i = 0; i < n; i++) {
		yajl_val v = yajl_tree_get(annotations->u.array.values[i], path,
					   yajl_t_number);

		if (!v)
			return -1;
		sum += YAJL_GET_DOUBLE(v);
	}
	*out = sum / (double)n;
	return 0;
}

/* FNV-1a 32 of a NUL-terminated string. */
static uint32_t eval_fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* Joins a turn's utterances, one per line. */
static char *eval_join(yajl_val utterances, size_t *len)
{
	size_t i, total = 1;
	char *s;

	for (i = 0; i < utterances->u.array.len; i++) {
		const char *u = YAJL_GET_STRING(utterances->u.array.values[i]);

		total += (u ? strlen(u) : 0) + 1;
	}
	s = malloc(total);
	if (!s)
		return NULL;
	*len = 0;
	for (i = 0; i < utterances->u.array.len; i++) {
		const char *u = YAJL_GET_STRING(utterances->u.array.values[i]);
		size_t l = u ? strlen(u) : 0;

		memcpy(s + *len, u ? u : "", l);
		*len += l;
		s[(*len)++] = '\n';
	}
	s[*len] = '\0';
	return s;
}

static int eval_dialogue_load(yajl_val obj, struct eval_dialogue *d)
{
	const char *p_turns[] = { "turns", NULL };
	const char *p_ann[] = { "annotations", NULL };
	const char *p_sender[] = { "sender", NULL };
	const char *p_utt[] = { "utterances", NULL };
	const char *p_id[] = { "id", NULL };
	yajl_val turns = yajl_tree_get(obj, p_turns, yajl_t_array);
	yajl_val ann = yajl_tree_get(obj, p_ann, yajl_t_array);
	yajl_val id = yajl_tree_get(obj, p_id, yajl_t_string);
	size_t i;

	memset(d, 0, sizeof(*d));
	if (!turns || !ann || !id || eval_mean_quality(ann, "S", &d->mean_s) < 0 ||
	    eval_mean_quality(ann, "A", &d->mean_a) < 0)
		return -1;
	d->held_out = eval_fnv1a32(YAJL_GET_STRING(id)) %
		      EVAL_HELD_OUT_BUCKETS == 0;
	for (i = 0; i < turns->u.array.len && d->n < EVAL_MAX_TURNS; i++) {
		yajl_val t = turns->u.array.values[i];
		yajl_val sender = yajl_tree_get(t, p_sender, yajl_t_string);
		yajl_val utt = yajl_tree_get(t, p_utt, yajl_t_array);
		struct ct_turn *ct = &d->turns[d->n];
		const char *who = sender ? YAJL_GET_STRING(sender) : NULL;

		if (!who || !utt)
			return -1;
		ct->speaker = strcmp(who, "customer") == 0 ? CT_SPEAKER_USER
							   : CT_SPEAKER_ASSISTANT;
		d->text[d->n] = eval_join(utt, &ct->len);
		if (!d->text[d->n])
			return -1;
		ct->text = d->text[d->n];
		d->n++;
	}
	return 0;
}

static void eval_dialogue_free(struct eval_dialogue *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->text[i]);
}

/* F1 of class c of pred against gold; 0 when c is never right. */
static double eval_f1(int c, const int *gold, const int *pred, size_t n)
{
	int tp = 0, fp = 0, fn = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		tp += gold[i] == c && pred[i] == c;
		fp += gold[i] != c && pred[i] == c;
		fn += gold[i] == c && pred[i] != c;
	}
	return tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
}

/* Accuracy and macro-F1 (mean over the k classes) of pred against gold. */
static void eval_scores(int k, const int *gold, const int *pred, size_t n,
			double *acc, double *macro_f1)
{
	size_t i;
	int c, right = 0;
	double f1 = 0;

	for (i = 0; i < n; i++)
		right += gold[i] == pred[i];
	for (c = 0; c < k; c++)
		f1 += eval_f1(c, gold, pred, n);
	*acc = n ? (double)right / (double)n : 0;
	*macro_f1 = f1 / k;
}

/* Prints "  FAIL: ..." and returns 1 when got < min. */
static int eval_min(const char *what, double got, double min)
{
	if (got >= min)
		return 0;
	printf("  FAIL: %s %.3f is below its threshold %.3f\n", what, got, min);
	return 1;
}

/*
 * Prints the models' and the majority baseline's figures; returns 1 when
 * a figure misses gate (none is checked when gate is NULL).
 */
static int eval_report(const char *task, int k, const char *const *names,
		       const int *gold, const int *pred, size_t n, double r,
		       const char *r_what, const struct eval_gate *gate)
{
	int fail = 0;
	int *base = malloc(n * sizeof(*base));
	int counts[8] = { 0 }, major = 0, c, g;
	double acc, f1, bacc, bf1;
	size_t i;

	if (!base)
		return 1;
	for (i = 0; i < n; i++)
		counts[gold[i]]++;
	for (c = 1; c < k; c++)
		if (counts[c] > counts[major])
			major = c;
	for (i = 0; i < n; i++)
		base[i] = major;
	eval_scores(k, gold, pred, n, &acc, &f1);
	eval_scores(k, gold, base, n, &bacc, &bf1);
	free(base);

	printf("\n%s (%zu dialogues)\n", task, n);
	printf("  gold:");
	for (c = 0; c < k; c++)
		printf(" %s %d", names[c], counts[c]);
	printf("\n  confusion (rows gold, columns predicted):\n");
	for (g = 0; g < k; g++) {
		printf("    %-12s", names[g]);
		for (c = 0; c < k; c++) {
			int m = 0;

			for (i = 0; i < n; i++)
				m += gold[i] == g && pred[i] == c;
			printf(" %5d", m);
		}
		printf("\n");
	}
	printf("  model:    accuracy %.3f  macro-F1 %.3f  (F1:", acc, f1);
	for (c = 0; c < k; c++)
		printf(" %s %.3f", names[c], eval_f1(c, gold, pred, n));
	printf(")\n");
	printf("  majority: accuracy %.3f  macro-F1 %.3f  (always \"%s\")\n",
	       bacc, bf1, names[major]);
	printf("  Pearson r(%s) = %.3f\n", r_what, r);
	if (!gate)
		return 0;
	fail |= eval_min("accuracy", acc, gate->min_acc);
	fail |= eval_min("macro-F1", f1, gate->min_f1);
	fail |= eval_min("Pearson r", r, gate->min_r);
	if (f1 <= bf1) {
		printf("  FAIL: macro-F1 does not beat the majority baseline\n");
		fail = 1;
	}
	if (gate->beat_majority_acc && acc <= bacc) {
		printf("  FAIL: accuracy does not beat the majority baseline\n");
		fail = 1;
	}
	return fail;
}

/* The labels and sums of one part of the data. */
struct eval_part {
	int *sg, *sp, *rg, *rp; /* gold and predicted labels */
	size_t n;
	struct eval_corr cs, ca, csa;
	size_t by_status[3];
	double a_by_status[3];
};

/*
 * Adds dialogue d to part p: ct_sentiment_analyze() once, checked against
 * the separate functions (one reading must give what they give).  Returns
 * 1 on a mismatch.
 */
static int eval_add(const struct ct_sentiment *s, const struct eval_dialogue *d,
		    struct eval_part *p)
{
	struct ct_sentiment_analysis a;
	size_t n = p->n++;

	if (ct_sentiment_analyze(s, d->turns, d->n, NULL, &a) < 0)
		return 1;
	p->sp[n] = (int)a.label;
	p->sg[n] = d->mean_s <= EVAL_S_NEGATIVE_MAX ? CT_SENTIMENT_NEGATIVE
		   : d->mean_s >= EVAL_S_POSITIVE_MIN ? CT_SENTIMENT_POSITIVE
						      : CT_SENTIMENT_NEUTRAL;
	p->rp[n] = a.resolution == CT_RESOLUTION_RESOLVED;
	p->rg[n] = d->mean_a > 0;
	p->by_status[a.resolution]++;
	p->a_by_status[a.resolution] += d->mean_a;
	eval_corr_add(&p->cs, a.score, d->mean_s);
	eval_corr_add(&p->csa, a.score, d->mean_a);
	eval_corr_add(&p->ca, p->rp[n], d->mean_a);
	return a.score != ct_sentiment_conversation_score(s, d->turns, d->n) ||
	       a.label != ct_sentiment_conversation(s, d->turns, d->n) ||
	       a.resolution != ct_resolution_classify(d->turns, d->n, NULL);
}

/* Prints (and, with gates, checks) one part's figures; 1 on a failure. */
static int eval_part_report(const char *what, const struct eval_part *p,
			    const struct eval_gate *sgate,
			    const struct eval_gate *rgate)
{
	static const char *const snames[] = { "negative", "neutral", "positive" };
	static const char *const rnames[] = { "not-resolved", "resolved" };
	int fail;
	size_t i;

	printf("\n== %s ==\n", what);
	fail = eval_report("sentiment: mean S <= -0.5 negative, >= 0.5 positive",
			   3, snames, p->sg, p->sp, p->n, eval_corr_r(&p->cs),
			   "conversation score, mean S", sgate);
	fail |= eval_report("resolution: mean A > 0 resolved", 2, rnames, p->rg,
			    p->rp, p->n, eval_corr_r(&p->ca),
			    "resolved 1/0, mean A", rgate);
	printf("  predicted:");
	for (i = 0; i < 3; i++)
		printf(" %s %zu (mean A %.2f)", ct_resolution_name(i),
		       p->by_status[i],
		       p->by_status[i] ? p->a_by_status[i] / p->by_status[i] : 0);
	printf("\n  Pearson r(conversation sentiment score, mean A) = %.3f\n",
	       eval_corr_r(&p->csa));
	return fail;
}

static int eval_stc3(const struct ct_sentiment *s)
{
	static const struct eval_gate sgate = {
		EVAL_SENT_MIN_ACC, EVAL_SENT_MIN_F1, EVAL_SENT_MIN_R, 1
	};
	static const struct eval_gate rgate = {
		EVAL_RES_MIN_ACC, EVAL_RES_MIN_F1, EVAL_RES_MIN_R, 1
	};
	struct eval_part part[2]; /* 0: the training part, 1: held out */
	struct eval_dialogue d;
	int fail = 1, mismatch = 0;
	size_t len, i, k;
	char err[256], *buf = eval_read(EVAL_STC3, &len);
	yajl_val root;

	memset(part, 0, sizeof(part));
	if (!buf)
		return 1;
	root = yajl_tree_parse(buf, err, sizeof(err));
	free(buf);
	if (!root || !YAJL_IS_ARRAY(root)) {
		fprintf(stderr, "eval_sentiment: %s: %s\n", EVAL_STC3,
			root ? "not an array" : err);
		goto out_free_tree;
	}
	len = root->u.array.len;
	for (k = 0; k < 2; k++) {
		part[k].sg = calloc(len, sizeof(int));
		part[k].sp = calloc(len, sizeof(int));
		part[k].rg = calloc(len, sizeof(int));
		part[k].rp = calloc(len, sizeof(int));
		if (!part[k].sg || !part[k].sp || !part[k].rg || !part[k].rp)
			goto out_free_labels;
	}
	for (i = 0; i < len; i++) {
		if (eval_dialogue_load(root->u.array.values[i], &d) < 0) {
			fprintf(stderr, "eval_sentiment: %s: dialogue %zu is "
					"malformed\n", EVAL_STC3, i);
			eval_dialogue_free(&d);
			goto out_free_labels;
		}
		mismatch += eval_add(s, &d, &part[d.held_out ? 1 : 0]);
		eval_dialogue_free(&d);
	}
	printf("STC-3 helpdesk dialogues: %s (%zu)\n", EVAL_STC3, len);
	fail = eval_part_report("held-out part: kept out of training "
				"(the measurement; gated)", &part[1], &sgate,
				&rgate);
	eval_part_report("training part: fitted (not a measurement, not gated)",
			 &part[0], NULL, NULL);
	if (mismatch) {
		printf("  FAIL: ct_sentiment_analyze() differs from the separate "
		       "functions on %d dialogues\n", mismatch);
		fail = 1;
	}

out_free_labels:
	for (k = 0; k < 2; k++) {
		free(part[k].sg);
		free(part[k].sp);
		free(part[k].rg);
		free(part[k].rp);
	}
out_free_tree:
	yajl_tree_free(root);
	return fail;
}

/* VADER's tweets: "id<TAB>mean<TAB>text" lines, CRLF. */
static int eval_tweets(const struct ct_sentiment *general,
		       const struct ct_sentiment *banking)
{
	struct eval_corr cg = { 0 }, cb = { 0 };
	size_t len;
	char *buf = eval_read(EVAL_TWEETS, &len), *line, *save = NULL;

	if (!buf)
		return 1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		size_t l;
		double mean;

		if (!t2)
			continue;
		mean = strtod(t1 + 1, NULL);
		l = strlen(t2 + 1);
		if (l && t2[l] == '\r')
			l--;
		eval_corr_add(&cg, ct_sentiment_score(general, t2 + 1, l), mean);
		eval_corr_add(&cb, ct_sentiment_score(banking, t2 + 1, l), mean);
	}
	free(buf);
	printf("\nVADER tweets ground truth (%s, %.0f texts; utterance "
	       "scores)\n", EVAL_TWEETS, cg.n);
	printf("  Pearson r(score, human mean): lexicon as published %.3f, "
	       "with the rules for a bank %.3f (VADER paper: 0.881)\n",
	       eval_corr_r(&cg), eval_corr_r(&cb));
	if (cg.n == 0) {
		printf("  FAIL: no tweets read\n");
		return 1;
	}
	return eval_min("r, lexicon as published", eval_corr_r(&cg),
			EVAL_TWEETS_MIN_R) |
	       eval_min("r, with the rules for a bank", eval_corr_r(&cb),
			EVAL_TWEETS_BANK_MIN_R);
}

int main(void)
{
	struct ct_sentiment *general = NULL, *banking = NULL;
	int fail = 1;

	if (ct_sentiment_new(&banking) < 0 ||
	    ct_sentiment_new_general(&general) < 0) {
		fprintf(stderr, "eval_sentiment: cannot load the models\n");
		goto out_free;
	}
	fail = eval_stc3(banking);
	fail |= eval_tweets(general, banking);
	printf("\n%s\n", fail ? "FAIL" : "PASS");

out_free:
	ct_sentiment_free(general);
	ct_sentiment_free(banking);
	return fail ? 1 : 0;
}
