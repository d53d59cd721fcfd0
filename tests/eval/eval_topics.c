/*
 * Evaluation of the topics module (src/text/topics.c) as an intent classifier on
 * public data: BANKING77 (data/banking77/train.csv) and CLINC150 validation
 * (data/clinc150/data_train_val.json, split "val").  schemas/topics.json
 * says which labels of each data set map onto which topic; only examples
 * with a mapped label are scored, and an example is right when
 * ct_topics_intent() returns the topic of its label.  Out-of-scope CLINC150
 * queries and the intents of the non-banking domains that map to no topic
 * are negatives: they should get no topic.
 *
 * The intent model was trained (tools/train_topics.py) on CLINC150 train
 * and on BANKING77 except its held-out tenth: per label, in file order,
 * every tenth row (the 10th, 20th, ...), the rule mark_held_out() below
 * shares with the trainer.  So the thresholds apply to those rows and to
 * CLINC150 val (development figures); the figures over all BANKING77 rows
 * are printed for reference.
 *
 * Prints accuracy, coverage, precision, per-topic precision and recall, the
 * negatives' false-topic rate (the non-banking intents and the
 * out-of-scope queries apart, too) and the cost per utterance (for
 * information: speed is measured by the benchmark, never asserted by a
 * test), and exits 1 when a quality figure misses its threshold (CT_EVAL_*
 * below) or the taxonomy file disagrees with the compiled table.
 *
 * Run from the source directory.  Options: --errors prints every wrong
 * example; --clinc-split NAME scores another CLINC150 split (e.g. train).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "convtrack/topics.h"

/*
 * Thresholds, just below the development figures (docs/text-rules-
 * topics.md), on the examples whose label maps onto a topic (BANKING77:
 * the held-out rows), so that a change that loses quality fails.
 */
#define CT_EVAL_MIN_ACC_BANKING77 0.925
#define CT_EVAL_MIN_ACC_CLINC150 0.93
#define CT_EVAL_MIN_COV_BANKING77 0.98
#define CT_EVAL_MIN_COV_CLINC150 0.955
#define CT_EVAL_MAX_FALSE_NEGATIVES 0.008

/* BANKING77: per label, every tenth row is held out (the trainer's
 * HOLD_OUT_EVERY). */
#define CT_EVAL_HOLD_OUT_EVERY 10

/* Which BANKING77 rows to score. */
enum rows { ROWS_ALL, ROWS_HELD_OUT };

struct example {
	char *text;
	char *label;
	int held_out; /* BANKING77: not trained on */
};

struct examples {
	struct example *v;
	size_t n, cap;
};

/* Label -> topic index (-1 when unmapped), per data set. */
struct label_map {
	char **label;
	int *topic;
	size_t n, cap;
};

static int push_example(struct examples *ex, const char *text, size_t tl,
			const char *label)
{
	struct example *e;

	if (ex->n == ex->cap) {
		size_t ncap = ex->cap ? ex->cap * 2 : 1024;
		struct example *nv = realloc(ex->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		ex->v = nv;
		ex->cap = ncap;
	}
	e = &ex->v[ex->n];
	e->text = malloc(tl + 1);
	e->label = strdup(label);
	e->held_out = 0;
	if (!e->text || !e->label) {
		free(e->text);
		free(e->label);
		return -1;
	}
	memcpy(e->text, text, tl);
	e->text[tl] = '\0';
	ex->n++;
	return 0;
}

static void free_examples(struct examples *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++) {
		free(ex->v[i].text);
		free(ex->v[i].label);
	}
	free(ex->v);
	memset(ex, 0, sizeof(*ex));
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long sz;

	if (!f) {
		fprintf(stderr, "cannot open %s (run from the source "
			"directory)\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)sz + 1))) {
		if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			free(buf);
			buf = NULL;
		} else {
			buf[sz] = '\0';
			if (len)
				*len = (size_t)sz;
		}
	}
	fclose(f);
	if (!buf)
		fprintf(stderr, "cannot read %s\n", path);
	return buf;
}

static yajl_val parse_json_file(const char *path)
{
	char err[256];
	char *buf = read_file(path, NULL);
	yajl_val v;

	if (!buf)
		return NULL;
	v = yajl_tree_parse(buf, err, sizeof(err));
	free(buf);
	if (!v)
		fprintf(stderr, "%s: %s\n", path, err);
	return v;
}

/*
 * One field of an RFC 4180 record at *p (quoted fields may hold commas,
 * newlines and doubled quotes).  Appends it to out (size cap), sets *eol
 * when the record ends after it.  Returns the field length or -1.
 */
static long csv_field(const char **p, const char *end, char *out, size_t cap,
		      int *eol)
{
	const char *s = *p;
	size_t n = 0;

	*eol = 0;
	if (s < end && *s == '"') {
		s++;
		for (;;) {
			if (s >= end)
				return -1;
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (n + 1 >= cap)
				return -1;
			out[n++] = *s++;
		}
	} else {
		while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
			if (n + 1 >= cap)
				return -1;
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	if (s < end && *s == ',') {
		s++;
	} else {
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
		*eol = 1;
	}
	*p = s;
	return (long)n;
}

/*
 * Marks the held-out BANKING77 rows: per label, in file order, the 10th,
 * 20th, ... (tools/train_topics.py's banking77()).
 */
static int mark_held_out(struct examples *ex)
{
	struct label_count {
		const char *label;
		size_t n;
	} *seen = calloc(ex->n + 1, sizeof(*seen));
	size_t i, k, nseen = 0;

	if (!seen)
		return -1;
	for (i = 0; i < ex->n; i++) {
		for (k = 0; k < nseen; k++)
			if (strcmp(seen[k].label, ex->v[i].label) == 0)
				break;
		if (k == nseen)
			seen[nseen++].label = ex->v[i].label;
		ex->v[i].held_out = seen[k].n++ % CT_EVAL_HOLD_OUT_EVERY ==
				    CT_EVAL_HOLD_OUT_EVERY - 1;
	}
	free(seen);
	return 0;
}

/* Reads BANKING77's text,category CSV. */
static int load_banking77(const char *path, struct examples *ex)
{
	size_t len;
	char *buf = read_file(path, &len);
	const char *p, *end;
	static char text[65536], label[256];
	int eol, header = 1, rc = 0;

	if (!buf)
		return -1;
	p = buf;
	end = buf + len;
	while (p < end) {
		long tl = csv_field(&p, end, text, sizeof(text), &eol);

		if (tl < 0 || eol ||
		    csv_field(&p, end, label, sizeof(label), &eol) < 0 ||
		    !eol) {
			fprintf(stderr, "%s: malformed record\n", path);
			rc = -1;
			break;
		}
		if (header) {
			header = 0;
			continue;
		}
		if (push_example(ex, text, (size_t)tl, label) < 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	return rc;
}

/* Reads the [text, intent] pairs of one CLINC150 split. */
static int load_clinc(yajl_val root, const char *split, struct examples *ex)
{
	const char *path[] = { split, NULL };
	yajl_val arr = yajl_tree_get(root, path, yajl_t_array);
	size_t i;

	if (!arr) {
		fprintf(stderr, "clinc150: no split %s\n", split);
		return -1;
	}
	for (i = 0; i < arr->u.array.len; i++) {
		yajl_val pair = arr->u.array.values[i];
		const char *t, *l;

		if (!YAJL_IS_ARRAY(pair) || pair->u.array.len != 2 ||
		    !(t = YAJL_GET_STRING(pair->u.array.values[0])) ||
		    !(l = YAJL_GET_STRING(pair->u.array.values[1])))
			return -1;
		if (push_example(ex, t, strlen(t), l) < 0)
			return -1;
	}
	return 0;
}

static int map_add(struct label_map *m, const char *label, int topic)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->label[i], label) == 0) {
			fprintf(stderr, "topics.json: label %s mapped twice\n",
				label);
			return -1;
		}
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		char **nl = realloc(m->label, ncap * sizeof(*nl));
		int *nt;

		if (!nl)
			return -1;
		m->label = nl;
		nt = realloc(m->topic, ncap * sizeof(*nt));
		if (!nt)
			return -1;
		m->topic = nt;
		m->cap = ncap;
	}
	if (!(m->label[m->n] = strdup(label)))
		return -1;
	m->topic[m->n++] = topic;
	return 0;
}

/* Topic of label, or -1 when unmapped. */
static int map_get(const struct label_map *m, const char *label)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->label[i], label) == 0)
			return m->topic[i];
	return -1;
}

static void map_free(struct label_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->label[i]);
	free(m->label);
	free(m->topic);
}

/* True when label is one of the strings of the JSON array arr. */
static int in_array(yajl_val arr, const char *label)
{
	size_t i;

	for (i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(arr->u.array.values[i]);

		if (s && strcmp(s, label) == 0)
			return 1;
	}
	return 0;
}

/*
 * Reads schemas/topics.json into the two label maps, checking that its
 * topics are the compiled table's, in the same order, and that every
 * mapped label exists in its data set.
 */
static int load_taxonomy(struct label_map *b77, struct label_map *clinc,
			 yajl_val b77_labels, yajl_val clinc_domains)
{
	const char *tpath[] = { "topics", NULL };
	yajl_val root = parse_json_file("schemas/topics.json"), topics;
	size_t i, k, d;
	int rc = -1;

	if (!root)
		return -1;
	topics = yajl_tree_get(root, tpath, yajl_t_array);
	if (!topics || topics->u.array.len != ct_topics_count()) {
		fprintf(stderr, "topics.json: %zu topics, the table has %zu\n",
			topics ? topics->u.array.len : 0, ct_topics_count());
		goto out_free_root;
	}
	for (i = 0; i < topics->u.array.len; i++) {
		yajl_val t = topics->u.array.values[i];
		const char *ip[] = { "id", NULL };
		const char *bp[] = { "banking77", NULL };
		const char *cp[] = { "clinc150", NULL };
		yajl_val id = yajl_tree_get(t, ip, yajl_t_string);
		yajl_val bl = yajl_tree_get(t, bp, yajl_t_array);
		yajl_val cl = yajl_tree_get(t, cp, yajl_t_array);

		if (!id || strcmp(id->u.string, ct_topics_name(i)) != 0) {
			fprintf(stderr, "topics.json: topic %zu is %s, the "
				"table says %s\n", i,
				id ? id->u.string : "(none)",
				ct_topics_name(i));
			goto out_free_root;
		}
		for (k = 0; bl && k < bl->u.array.len; k++) {
			const char *l = YAJL_GET_STRING(bl->u.array.values[k]);

			if (!l || !in_array(b77_labels, l)) {
				fprintf(stderr, "topics.json: %s is no "
					"BANKING77 label\n", l ? l : "?");
				goto out_free_root;
			}
			if (map_add(b77, l, (int)i) < 0)
				goto out_free_root;
		}
		for (k = 0; cl && k < cl->u.array.len; k++) {
			const char *l = YAJL_GET_STRING(cl->u.array.values[k]);
			int found = 0;

			for (d = 0; l && d < clinc_domains->u.object.len; d++)
				found |= in_array(
					clinc_domains->u.object.values[d], l);
			if (!found) {
				fprintf(stderr, "topics.json: %s is no "
					"CLINC150 intent\n", l ? l : "?");
				goto out_free_root;
			}
			if (map_add(clinc, l, (int)i) < 0)
				goto out_free_root;
		}
	}
	rc = 0;
out_free_root:
	yajl_tree_free(root);
	return rc;
}

struct scores {
	size_t mapped, assigned, correct;
	size_t gold[CT_TOPICS_MAX], pred[CT_TOPICS_MAX], hit[CT_TOPICS_MAX];
	size_t detected; /* gold topic among the detected ones */
};

/*
 * Scores ex against map (with ROWS_HELD_OUT only the held-out examples);
 * prints the wrong ones when errors is set.
 */
static void score(const char *name, const struct examples *ex,
		  const struct label_map *map, enum rows rows,
		  struct scores *s, int errors)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ex->n; i++) {
		int gold = map_get(map, ex->v[i].label), pred;
		size_t len = strlen(ex->v[i].text);

		if (gold < 0 || (rows == ROWS_HELD_OUT && !ex->v[i].held_out))
			continue;
		pred = ct_topics_intent(ex->v[i].text, len);
		s->mapped++;
		s->gold[gold]++;
		if (ct_topics_detect(ex->v[i].text, len) >> gold & 1)
			s->detected++;
		if (pred >= 0) {
			s->assigned++;
			s->pred[pred]++;
		}
		if (pred == gold) {
			s->correct++;
			s->hit[gold]++;
		} else if (errors) {
			const char *p;

			printf("ERR\t%s\t%zu\t%s\t%s\t%s\t", name, i,
			       ex->v[i].label, ct_topics_name((size_t)gold),
			       pred >= 0 ? ct_topics_name((size_t)pred) : "-");
			for (p = ex->v[i].text; *p; p++)
				putchar(*p == '\n' || *p == '\t' ? ' ' : *p);
			putchar('\n');
		}
	}
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void print_scores(const char *name, const struct scores *s)
{
	size_t t;

	printf("\n%s: %zu examples with a mapped label\n", name, s->mapped);
	printf("  accuracy  %.3f  (right topic / mapped examples)\n",
	       ratio(s->correct, s->mapped));
	printf("  coverage  %.3f  (assigned a topic / mapped examples)\n",
	       ratio(s->assigned, s->mapped));
	printf("  precision %.3f  (right topic / assigned)\n",
	       ratio(s->correct, s->assigned));
	printf("  detected  %.3f  (right topic among ct_topics_detect())\n",
	       ratio(s->detected, s->mapped));
	printf("  per topic: gold = examples of the topic; precision over the "
	       "examples\n  given the topic (0 when none of them has it); "
	       "recall \"-\" when no example has it\n");
	printf("  %-22s %6s %9s %7s\n", "topic", "gold", "precision", "recall");
	for (t = 0; t < ct_topics_count(); t++) {
		if (!s->gold[t] && !s->pred[t])
			continue;
		printf("  %-22s %6zu %9.3f ", ct_topics_name(t), s->gold[t],
		       ratio(s->hit[t], s->pred[t]));
		if (s->gold[t])
			printf("%7.3f\n", ratio(s->hit[t], s->gold[t]));
		else
			printf("%7s\n", "-");
	}
}

/* Negatives: CLINC150 examples outside the banking domains whose intent
 * maps to no topic, and out-of-scope queries. */
static void score_negatives(const struct examples *ex,
			    const struct label_map *map, yajl_val domains,
			    size_t *n, size_t *assigned, int errors)
{
	const char *bp[] = { "banking", NULL };
	const char *cp[] = { "credit_cards", NULL };
	yajl_val banking = yajl_tree_get(domains, bp, yajl_t_array);
	yajl_val cards = yajl_tree_get(domains, cp, yajl_t_array);
	size_t i;

	*n = *assigned = 0;
	for (i = 0; i < ex->n; i++) {
		const char *l = ex->v[i].label;
		int pred;

		if (map_get(map, l) >= 0 || in_array(banking, l) ||
		    in_array(cards, l))
			continue;
		(*n)++;
		pred = ct_topics_intent(ex->v[i].text, strlen(ex->v[i].text));
		if (pred >= 0) {
			(*assigned)++;
			if (errors)
				printf("NEG\t%s\t%s\t%s\n", l,
				       ct_topics_name((size_t)pred),
				       ex->v[i].text);
		}
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * Microseconds of one ct_topics_intent() (or, with detect set,
 * ct_topics_detect()) over the texts of ex: the mean of the fastest of five
 * rounds, so that other load on the machine counts as little as possible.
 */
static double cost_us(const struct examples *ex, int detect, size_t *bytes)
{
	double best = 0;
	size_t i, r;
	volatile int sink = 0;

	*bytes = 0;
	for (i = 0; i < ex->n; i++)
		*bytes += strlen(ex->v[i].text);
	sink += ct_topics_intent("warm up", 7); /* loads the tables */
	for (r = 0; r < 5 && ex->n; r++) {
		double t0 = now_us(), us;

		for (i = 0; i < ex->n; i++) {
			const char *t = ex->v[i].text;

			sink += detect ?
				(int)(ct_topics_detect(t, strlen(t)) & 1) :
				ct_topics_intent(t, strlen(t));
		}
		us = (now_us() - t0) / (double)ex->n;
		if (r == 0 || us < best)
			best = us;
	}
	(void)sink;
	return best;
}

static int check(const char *what, double value, double limit, int at_least)
{
	int ok = at_least ? value >= limit : value <= limit;

	printf("  %-44s %8.4f %s %6.3f  %s\n", what, value,
	       at_least ? ">=" : "<=", limit, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct examples b77 = { 0 }, clinc = { 0 }, clinc_neg = { 0 };
	struct label_map b77_map = { 0 }, clinc_map = { 0 };
	struct scores sb, sb_all, sc;
	yajl_val b77_labels = NULL, domains = NULL, clinc_root = NULL;
	const char *split = "val";
	size_t nneg, fneg, bytes;
	double us;
	int errors = 0, failed = 1, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--errors") == 0) {
			errors = 1;
		} else if (strcmp(argv[i], "--clinc-split") == 0 &&
			   i + 1 < argc) {
			split = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--errors] [--clinc-split "
				"NAME]\n", argv[0]);
			return 2;
		}
	}
	b77_labels = parse_json_file("data/banking77/categories.json");
	domains = parse_json_file("data/clinc150/domains.json");
	clinc_root = parse_json_file("data/clinc150/data_train_val.json");
	if (!b77_labels || !domains || !clinc_root ||
	    !YAJL_IS_OBJECT(domains) ||
	    load_taxonomy(&b77_map, &clinc_map, b77_labels, domains) < 0 ||
	    load_banking77("data/banking77/train.csv", &b77) < 0 ||
	    mark_held_out(&b77) < 0 ||
	    load_clinc(clinc_root, split, &clinc) < 0 ||
	    load_clinc(clinc_root, "oos_val", &clinc_neg) < 0)
		goto out_free;

	printf("Topic intent mapping (schemas/topics.json, %zu topics)\n",
	       ct_topics_count());
	score("banking77", &b77, &b77_map, ROWS_ALL, &sb_all, errors);
	score("banking77", &b77, &b77_map, ROWS_HELD_OUT, &sb, 0);
	score("clinc150", &clinc, &clinc_map, ROWS_ALL, &sc, errors);
	print_scores("BANKING77 held out (every tenth row of each label)",
		     &sb);
	print_scores(strcmp(split, "val") ? split : "CLINC150 val", &sc);
	printf("\nBANKING77, all rows (nine tenths trained the model): "
	       "accuracy %.3f, coverage %.3f\n",
	       ratio(sb_all.correct, sb_all.mapped),
	       ratio(sb_all.assigned, sb_all.mapped));

	{
		size_t n1, a1, n2, a2;

		score_negatives(&clinc, &clinc_map, domains, &n1, &a1, errors);
		score_negatives(&clinc_neg, &clinc_map, domains, &n2, &a2,
				errors);
		nneg = n1 + n2;
		fneg = a1 + a2;
		printf("\nNegatives (CLINC150 %s outside banking/credit_cards "
		       "and unmapped, plus oos_val): %zu, assigned a topic: "
		       "%zu (%.4f); intents of other domains %zu/%zu (%.4f), "
		       "out of scope %zu/%zu (%.3f)\n", split, nneg, fneg,
		       ratio(fneg, nneg), a1, n1, ratio(a1, n1), a2, n2,
		       ratio(a2, n2));
	}
	us = cost_us(&b77, 0, &bytes);
	printf("\nCost: %.2f us per utterance for ct_topics_intent(), %.2f us "
	       "for ct_topics_detect() (mean over %zu BANKING77 texts of %.0f "
	       "bytes on average)\n", us, cost_us(&b77, 1, &bytes), b77.n,
	       ratio(bytes, b77.n));

	printf("\nThresholds\n");
	failed = 0;
	failed |= check("BANKING77 held-out accuracy",
			ratio(sb.correct, sb.mapped),
			CT_EVAL_MIN_ACC_BANKING77, 1);
	failed |= check("CLINC150 accuracy", ratio(sc.correct, sc.mapped),
			CT_EVAL_MIN_ACC_CLINC150, 1);
	failed |= check("BANKING77 held-out coverage",
			ratio(sb.assigned, sb.mapped),
			CT_EVAL_MIN_COV_BANKING77, 1);
	failed |= check("CLINC150 coverage", ratio(sc.assigned, sc.mapped),
			CT_EVAL_MIN_COV_CLINC150, 1);
	failed |= check("CLINC150 val negatives given a topic",
			ratio(fneg, nneg),
			CT_EVAL_MAX_FALSE_NEGATIVES, 0);
	printf("%s\n", failed ? "FAILED" : "ok");
out_free:
	free_examples(&b77);
	free_examples(&clinc);
	free_examples(&clinc_neg);
	map_free(&b77_map);
	map_free(&clinc_map);
	yajl_tree_free(b77_labels);
	yajl_tree_free(domains);
	yajl_tree_free(clinc_root);
	return failed;
}
