/*
 * Evaluation of the extraction rules (docs/text-rules-extract.md).
 *
 * False names: every text of CLINC150 (data/clinc150/data_train_val.json,
 * all splits) and BANKING77 (data/banking77/train.csv) that contains "I'm",
 * "I am" or "call me" is run through ct_extract_utterance().  These are
 * requests to an assistant, not self-introductions, with one exception:
 * CLINC150's intent change_user_name ("you can call me Carrie", "i am john")
 * is the user telling the assistant their name, so a name found there is a
 * true one and is counted apart.  Every other name found is a false
 * extraction; the program exits 1 when they exceed 1% of the texts.
 *
 * Recall: tests/fixtures/extract/names.tsv holds written self-introductions
 * (expected name, tab, utterance; "-" for hard negatives that must give no
 * name).  Phones: how many dataset texts yield a phone number, which they
 * never contain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "datasets.h"
#include "convtrack/extract.h"
#include "convtrack/text.h"

#define FIXTURE_PATH "tests/fixtures/extract/names.tsv"
#define MAX_FALSE_RATE 0.01
#define EXAMPLES 20

struct tally {
	size_t texts; /* texts with "I'm", "I am" or "call me" */
	size_t false_names; /* names found outside change_user_name */
	size_t self_texts; /* of texts, those of change_user_name */
	size_t self_names; /* names found in those */
	size_t all_texts; /* every text */
	size_t all_false; /* names found in any text outside change_user_name */
	size_t phone_texts; /* texts of the first set that yield a phone */
	size_t all_phones; /* every text that yields a phone */
	size_t shown_false, shown_self, shown_phone;
};

/* True when the text has the token "i'm", or "i am", or "call me". */
static bool has_trigger(const char *text, size_t len)
{
	struct ct_text_tokens t = { 0 };
	bool hit;

	if (ct_text_tokenize(text, len, &t) < 0) {
		ct_text_tokens_free(&t);
		return false;
	}
	hit = ct_text_find_phrase(&t, 0, "i'm") >= 0 ||
	      ct_text_find_phrase(&t, 0, "i am") >= 0 ||
	      ct_text_find_phrase(&t, 0, "call me") >= 0;
	ct_text_tokens_free(&t);
	return hit;
}

static int run_one(struct tally *ty, const char *src, const char *text,
		   size_t len, bool self_intent)
{
	struct ct_extract_utterance u;
	bool trig = has_trigger(text, len);

	if (ct_extract_utterance(text, len, "263", 0, &u) < 0) {
		fprintf(stderr, "eval_extract: ct_extract_utterance failed\n");
		return -1;
	}
	ty->all_texts++;
	if (u.name[0] && !self_intent && !trig) {
		ty->all_false++;
		if (ty->shown_false++ < EXAMPLES)
			printf("  FALSE   %-8s %-12s <- %.*s (other text)\n",
			       src, u.name, (int)len, text);
	}
	if (u.n_phones > 0)
		ty->all_phones++;
	if (u.n_phones > 0 && ty->shown_phone < EXAMPLES) {
		ty->shown_phone++;
		printf("  phone   %-8s %s  <- %.*s\n", src, u.phones[0].e164,
		       (int)len, text);
	}
	if (!trig)
		return 0;
	ty->texts++;
	if (u.n_phones > 0)
		ty->phone_texts++;
	if (self_intent) {
		ty->self_texts++;
		if (u.name[0]) {
			ty->self_names++;
			if (ty->shown_self++ < EXAMPLES)
				printf("  true    %-8s %-12s <- %.*s\n", src,
				       u.name, (int)len, text);
		}
	} else if (u.name[0]) {
		ty->false_names++;
		ty->all_false++;
		if (ty->shown_false++ < EXAMPLES)
			printf("  FALSE   %-8s %-12s <- %.*s\n", src, u.name,
			       (int)len, text);
	}
	return 0;
}

/* A CLINC150 text: self-introductions are its change_user_name intent. */
static int clinc_text(void *arg, const char *src, const char *text, size_t len,
		      const char *label)
{
	if (!label) {
		fprintf(stderr, "eval_extract: %s: bad item\n", DS_CLINC_PATH);
		return -1;
	}
	return run_one(arg, src, text, len,
		       strcmp(label, "change_user_name") == 0);
}

/* A BANKING77 text: none introduces its speaker. */
static int banking_text(void *arg, const char *src, const char *text,
			size_t len, const char *label)
{
	(void)label;
	return run_one(arg, src, text, len, false);
}

/* Recall on the fixture's self-introductions, false names on its negatives. */
static int run_fixture(size_t *pos, size_t *hit, size_t *neg, size_t *fp)
{
	char line[2048];
	FILE *f = fopen(FIXTURE_PATH, "r");

	if (!f) {
		fprintf(stderr, "eval_extract: cannot read %s\n", FIXTURE_PATH);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct ct_extract_utterance u;
		char *tab = strchr(line, '\t'), *text;
		size_t n;

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		text = tab + 1;
		n = strcspn(text, "\r\n");
		text[n] = '\0';
		if (ct_extract_utterance(text, n, "263", 0, &u) < 0) {
			fclose(f);
			return -1;
		}
		if (strcmp(line, "-") == 0) {
			(*neg)++;
			if (u.name[0]) {
				(*fp)++;
				printf("  fixture false name %-12s <- %s\n",
				       u.name, text);
			}
		} else {
			(*pos)++;
			if (strcmp(u.name, line) == 0)
				(*hit)++;
			else
				printf("  fixture missed %-14s got \"%s\" <- %s\n",
				       line, u.name, text);
		}
	}
	fclose(f);
	return 0;
}

int main(void)
{
	struct tally ty;
	size_t pos = 0, hit = 0, neg = 0, fp = 0;
	double rate;

	memset(&ty, 0, sizeof(ty));
	printf("Examples (at most %d of each kind):\n", EXAMPLES);
	if (ds_each_clinc("eval_extract", clinc_text, &ty) < 0 ||
	    ds_each_banking77("eval_extract", banking_text, &ty) < 0 ||
	    run_fixture(&pos, &hit, &neg, &fp) < 0)
		return 2;
	rate = ty.texts ? (double)ty.false_names / (double)ty.texts : 0.0;
	printf("\nTexts with \"I'm\"/\"I am\"/\"call me\": %zu (CLINC150 + BANKING77)\n",
	       ty.texts);
	printf("  false names: %zu (%.2f%%, limit %.0f%%)\n", ty.false_names,
	       100.0 * rate, 100.0 * MAX_FALSE_RATE);
	printf("  CLINC150 change_user_name texts (true self-naming): %zu, name found in %zu (%.1f%%)\n",
	       ty.self_texts, ty.self_names,
	       ty.self_texts
		       ? 100.0 * (double)ty.self_names / (double)ty.self_texts
		       : 0.0);
	printf("  texts that yield a phone number: %zu\n", ty.phone_texts);
	printf("All texts: %zu; false names %zu (%.3f%%); texts that yield a phone %zu\n",
	       ty.all_texts, ty.all_false,
	       ty.all_texts
		       ? 100.0 * (double)ty.all_false / (double)ty.all_texts
		       : 0.0,
	       ty.all_phones);
	printf("Fixture %s: recall %zu/%zu (%.1f%%); false names on negatives %zu/%zu\n",
	       FIXTURE_PATH, hit, pos,
	       pos ? 100.0 * (double)hit / (double)pos : 0.0, fp, neg);
	if (rate > MAX_FALSE_RATE) {
		printf("FAIL: false-name rate %.2f%% above %.0f%%\n",
		       100.0 * rate, 100.0 * MAX_FALSE_RATE);
		return 1;
	}
	return 0;
}
