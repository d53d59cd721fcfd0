/*
 * Evaluation of the redaction rules (docs/privacy-redaction.md).
 *
 * Recall and precision: tests/fixtures/redact/pii_utterances.tsv, written by
 * tools/gen_pii_fixtures.py, holds banking utterances with the spans of the
 * personal and payment data in them, and hard negatives without any.  An
 * expected span is recalled when a redacted span of the same type covers
 * it, and leaks when no redacted span of any type does.  A redacted span is
 * correct when it overlaps an expected span of its type.  The program exits
 * 1 when the recall of cards or of the cued codes (PIN, CVV, OTP) is below
 * 0.99.
 *
 * False positives: every text of CLINC150 (data/clinc150/data_train_val.json,
 * all splits) and BANKING77 (data/banking77/train.csv) is redacted; these
 * are requests to an assistant with amounts, dates, times and USSD codes
 * but hardly any personal data, so the share of texts that come out changed
 * bounds the false-positive rate.  The program prints up to 20 of them and
 * exits 1 when the share exceeds 0.5%.
 *
 * Cost: the same texts are redacted again three times over and the mean
 * time per message is printed, with the share that ct_redact_may_match()
 * lets through to the full rules.  The figure is printed, never asserted:
 * it depends on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "datasets.h"
#include "convtrack/redact.h"

#define FIXTURE_PATH "tests/fixtures/redact/pii_utterances.tsv"
#define MIN_RECALL 0.99
#define MAX_CHANGED_RATE 0.005
#define EXAMPLES 20
#define SPANS_MAX 16

/* The types whose recall is a threshold. */
static const enum ct_redact_type gated[] = {
	CT_REDACT_TYPE_CARD, CT_REDACT_TYPE_PIN, CT_REDACT_TYPE_CVV,
	CT_REDACT_TYPE_OTP
};

struct tally {
	/* Fixture, per type. */
	size_t expected[CT_REDACT_TYPE_COUNT];
	size_t recalled[CT_REDACT_TYPE_COUNT];
	size_t leaked[CT_REDACT_TYPE_COUNT];
	size_t predicted[CT_REDACT_TYPE_COUNT];
	size_t correct[CT_REDACT_TYPE_COUNT];
	size_t rows, negatives, negatives_changed, shown_miss, shown_fp;
	/* Data sets. */
	size_t texts, changed, shown_changed;
	size_t changed_by_type[CT_REDACT_TYPE_COUNT];
};

struct span {
	enum ct_redact_type type;
	size_t start, end;
};

static int type_of(const char *name, size_t n, enum ct_redact_type *out)
{
	int k;

	for (k = 0; k < CT_REDACT_TYPE_COUNT; k++) {
		const char *t = ct_redact_type_name((enum ct_redact_type)k);

		if (strlen(t) == n && memcmp(t, name, n) == 0) {
			*out = (enum ct_redact_type)k;
			return 0;
		}
	}
	return -1;
}

/* Parses "type:start:end;..." or "-" into sp; the count, or -1. */
static int parse_spans(const char *s, struct span *sp)
{
	int n = 0;

	if (strcmp(s, "-") == 0)
		return 0;
	while (*s) {
		const char *colon = strchr(s, ':');
		char *end;

		if (!colon || n == SPANS_MAX ||
		    type_of(s, (size_t)(colon - s), &sp[n].type) < 0)
			return -1;
		sp[n].start = strtoul(colon + 1, &end, 10);
		if (*end != ':')
			return -1;
		sp[n].end = strtoul(end + 1, &end, 10);
		if (*end != ';' && *end != '\0')
			return -1;
		n++;
		s = *end ? end + 1 : end;
	}
	return n;
}

/* Scores one fixture row: expected spans exp (n) against the result. */
static void score_row(struct tally *ty, const char *id, const char *text,
		      const struct span *exp, int n,
		      const struct ct_redact_result *res)
{
	size_t k;
	int e;

	ty->rows++;
	if (n == 0) {
		ty->negatives++;
		if (res->n_spans > 0) {
			ty->negatives_changed++;
			if (ty->shown_fp++ < EXAMPLES)
				printf("  fixture FP  %s: %s -> %s\n", id, text,
				       res->text);
		}
	}
	for (e = 0; e < n; e++) {
		bool hit = false, covered = false;

		ty->expected[exp[e].type]++;
		for (k = 0; k < res->n_spans; k++) {
			const struct ct_redact_span *s = &res->spans[k];

			if (s->start <= exp[e].start && s->end >= exp[e].end) {
				covered = true;
				hit = hit || s->type == exp[e].type;
			}
		}
		ty->recalled[exp[e].type] += hit;
		ty->leaked[exp[e].type] += !covered;
		if (!hit && ty->shown_miss++ < EXAMPLES)
			printf("  fixture miss %s (%s \"%.*s\"): %s -> %s\n", id,
			       ct_redact_type_name(exp[e].type),
			       (int)(exp[e].end - exp[e].start),
			       text + exp[e].start, text, res->text);
	}
	for (k = 0; k < res->n_spans; k++) {
		const struct ct_redact_span *s = &res->spans[k];
		bool ok = false;

		ty->predicted[s->type]++;
		for (e = 0; e < n; e++)
			ok = ok || (exp[e].type == s->type &&
				    s->start < exp[e].end &&
				    exp[e].start < s->end);
		ty->correct[s->type] += ok;
		if (!ok && n > 0 && ty->shown_fp++ < EXAMPLES)
			printf("  fixture extra %s (%s \"%.*s\"): %s\n", id,
			       ct_redact_type_name(s->type),
			       (int)(s->end - s->start), text + s->start, text);
	}
}

static int run_fixture(const struct ct_redact *r, struct tally *ty)
{
	static char line[8192];
	FILE *f = fopen(FIXTURE_PATH, "r");
	int rc = 0;

	if (!f) {
		fprintf(stderr, "eval_redact: cannot read %s\n", FIXTURE_PATH);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct span exp[SPANS_MAX];
		struct ct_redact_result res;
		char *t1 = strchr(line, '\t'), *t2, *text;
		int n;

		if (line[0] == '#' || !t1 || !(t2 = strchr(t1 + 1, '\t')))
			continue;
		*t1 = *t2 = '\0';
		text = t2 + 1;
		text[strcspn(text, "\r\n")] = '\0';
		n = parse_spans(t1 + 1, exp);
		if (n < 0) {
			fprintf(stderr, "eval_redact: %s: bad spans in %s\n",
				FIXTURE_PATH, line);
			rc = -1;
			break;
		}
		if (ct_redact_text(r, text, strlen(text), &res) != 0) {
			fprintf(stderr, "eval_redact: ct_redact_text failed\n");
			rc = -1;
			break;
		}
		score_row(ty, line, text, exp, n, &res);
		ct_redact_result_clear(&res);
	}
	fclose(f);
	if (rc == 0 && ty->rows < 1000) {
		fprintf(stderr, "eval_redact: %s: only %zu rows\n",
			FIXTURE_PATH, ty->rows);
		rc = -1;
	}
	return rc;
}

/* Redacts one data-set text and counts it when it changed. */
static int run_text(const struct ct_redact *r, struct tally *ty,
		    const char *src, const char *text, size_t len)
{
	struct ct_redact_result res;
	size_t k;

	if (ct_redact_text(r, text, len, &res) != 0) {
		fprintf(stderr, "eval_redact: ct_redact_text failed\n");
		return -1;
	}
	ty->texts++;
	if (res.n_spans > 0) {
		ty->changed++;
		for (k = 0; k < res.n_spans; k++)
			ty->changed_by_type[res.spans[k].type]++;
		if (ty->shown_changed++ < EXAMPLES)
			printf("  changed %-8s %.*s\n           -> %s\n", src,
			       (int)len, text, res.text);
	}
	ct_redact_result_clear(&res);
	return 0;
}

/* What the data-set walk hands to run_text(). */
struct run_ctx {
	const struct ct_redact *r;
	struct tally *ty;
};

static int data_text(void *arg, const char *src, const char *text, size_t len,
		     const char *label)
{
	struct run_ctx *c = arg;

	(void)label;
	return run_text(c->r, c->ty, src, text, len);
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 1.0;
}

/* Prints the figures; returns the exit code. */
static int report(const struct tally *ty)
{
	size_t exp = 0, rec = 0, leak = 0, pred = 0, corr = 0, k;
	double rate = ratio(ty->changed, ty->texts);
	int code = 0;

	printf("\nFixture %s: %zu utterances, %zu hard negatives\n",
	       FIXTURE_PATH, ty->rows, ty->negatives);
	printf("  %-10s %8s %8s %8s %8s %10s\n", "type", "expected", "recall",
	       "leaked", "redacted", "precision");
	for (k = 0; k < CT_REDACT_TYPE_COUNT; k++) {
		printf("  %-10s %8zu %8.3f %8zu %8zu %10.3f\n",
		       ct_redact_type_name((enum ct_redact_type)k),
		       ty->expected[k], ratio(ty->recalled[k], ty->expected[k]),
		       ty->leaked[k], ty->predicted[k],
		       ratio(ty->correct[k], ty->predicted[k]));
		exp += ty->expected[k];
		rec += ty->recalled[k];
		leak += ty->leaked[k];
		pred += ty->predicted[k];
		corr += ty->correct[k];
	}
	printf("  %-10s %8zu %8.3f %8zu %8zu %10.3f\n", "all", exp,
	       ratio(rec, exp), leak, pred, ratio(corr, pred));
	printf("  hard negatives changed: %zu of %zu\n", ty->negatives_changed,
	       ty->negatives);
	printf("\nCLINC150 + BANKING77: %zu texts, %zu changed (%.3f%%, limit %.1f%%)",
	       ty->texts, ty->changed, 100.0 * rate, 100.0 * MAX_CHANGED_RATE);
	for (k = 0; k < CT_REDACT_TYPE_COUNT; k++)
		if (ty->changed_by_type[k])
			printf("; %s %zu", ct_redact_type_name(
						   (enum ct_redact_type)k),
			       ty->changed_by_type[k]);
	printf("\n");
	for (k = 0; k < sizeof(gated) / sizeof(gated[0]); k++) {
		double rc = ratio(ty->recalled[gated[k]], ty->expected[gated[k]]);

		if (ty->expected[gated[k]] == 0 || rc < MIN_RECALL) {
			printf("FAIL: %s recall %.3f below %.2f\n",
			       ct_redact_type_name(gated[k]), rc, MIN_RECALL);
			code = 1;
		}
	}
	if (rate > MAX_CHANGED_RATE) {
		printf("FAIL: %.3f%% of data-set texts changed, above %.1f%%\n",
		       100.0 * rate, 100.0 * MAX_CHANGED_RATE);
		code = 1;
	}
	return code;
}

/* The dataset texts kept in memory for the cost pass. */
struct corpus {
	char **text;
	size_t *len;
	size_t n, cap;
	int failed;
};

static int keep_text(void *arg, const char *src, const char *text, size_t len,
		     const char *label)
{
	struct corpus *c = arg;

	(void)src;
	(void)label;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		char **t = realloc(c->text, ncap * sizeof(*t));
		size_t *l = t ? realloc(c->len, ncap * sizeof(*l)) : NULL;

		if (t)
			c->text = t;
		if (!t || !l)
			return -1;
		c->len = l;
		c->cap = ncap;
	}
	c->text[c->n] = malloc(len + 1);
	if (!c->text[c->n])
		return -1;
	memcpy(c->text[c->n], text, len);
	c->text[c->n][len] = '\0';
	c->len[c->n++] = len;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Prints the mean cost of ct_redact_text() per dataset message. */
static int report_cost(const struct ct_redact *r)
{
	struct corpus c = { 0 };
	size_t i, full = 0, rounds = 3, k;
	double t0, t1;
	int rc = 0;

	if (ds_each_clinc("eval_redact", keep_text, &c) < 0 ||
	    ds_each_banking77("eval_redact", keep_text, &c) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < c.n; i++)
		full += ct_redact_may_match(r, c.text[i], c.len[i]);
	t0 = now_ns();
	for (k = 0; rc == 0 && k < rounds; k++) {
		for (i = 0; i < c.n; i++) {
			struct ct_redact_result res;

			if (ct_redact_text(r, c.text[i], c.len[i], &res) != 0) {
				rc = -1;
				break;
			}
			ct_redact_result_clear(&res);
		}
	}
	t1 = now_ns();
	if (rc == 0 && c.n)
		printf("\nCost over %zu dataset messages (x%zu): %.0f ns/message;"
		       " %zu (%.1f%%) need the full rules, the rest pass the"
		       " quick check\n", c.n, rounds,
		       (t1 - t0) / (double)(c.n * rounds), full,
		       100.0 * ratio(full, c.n));
	for (i = 0; i < c.n; i++)
		free(c.text[i]);
	free(c.text);
	free(c.len);
	return rc;
}

int main(void)
{
	static const unsigned char key[] = "eval_redact key: not a secret";
	struct ct_redact_options opt;
	struct ct_redact *r;
	struct run_ctx ctx;
	struct tally ty;
	int code;

	memset(&ty, 0, sizeof(ty));
	ct_redact_options_init(&opt);
	opt.hash_key = key;
	opt.hash_key_len = sizeof(key) - 1;
	if (ct_redact_new(&opt, &r) != 0) {
		fprintf(stderr, "eval_redact: ct_redact_new failed\n");
		return 2;
	}
	ctx.r = r;
	ctx.ty = &ty;
	printf("Examples (at most %d of each kind):\n", EXAMPLES);
	if (run_fixture(r, &ty) < 0 ||
	    ds_each_clinc("eval_redact", data_text, &ctx) < 0 ||
	    ds_each_banking77("eval_redact", data_text, &ctx) < 0) {
		ct_redact_free(r);
		return 2;
	}
	code = report(&ty);
	if (report_cost(r) < 0)
		code = 2;
	ct_redact_free(r);
	return code;
}
