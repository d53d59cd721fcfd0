/*
 * Unit test of the banking question detector: typical banking questions
 * (also in the words of a Zimbabwean bank's callers) are queries, small talk
 * and other subjects are not, and the C scorer agrees with the trainer's
 * scores of sample texts (tests/fixtures/banking/scores.tsv, written by
 * tools/train_banking.py with the model), which catches a tokenizer or
 * feature difference between the two.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/banking.h"

#define SCORES_PATH "tests/fixtures/banking/scores.tsv"
#define SCORE_TOLERANCE 1e-9

static const char *const banking_queries[] = {
	"how do I do a cardless withdrawal",
	"what time do you open on Saturday",
	"my EcoCash transfer didn't go through",
	"dial *236#",
	"What's my account balance?",
	"I want to send money to my brother via ZIPIT",
	"how much is an RTGS transfer",
	"I forgot my PIN",
	"someone stole my card, please block it",
	"can I get a loan for school fees",
	"I need a bank statement for the last three months",
	"what are your bank charges for withdrawals",
	"what is the exchange rate for US dollars today",
	"where is your nearest branch",
	"the mobile banking app is not working",
	"I think there is fraud on my account",
	"Good morning, how do I check my balance?",
};

static const char *const other_texts[] = {
	"hello",
	"hi, how are you?",
	"thank you very much",
	"goodbye",
	"what's the weather like in Harare today",
	"tell me a joke",
	"who created you",
	"play some music",
	"who won the football match",
	"set an alarm for 6am",
	"can you hear me",
	"how do I cook sadza",
};

static void test_examples(const struct ct_banking *b)
{
	size_t i;

	for (i = 0; i < sizeof(banking_queries) / sizeof(banking_queries[0]); i++) {
		const char *t = banking_queries[i];
		bool q = ct_banking_is_query(b, t, strlen(t));

		if (!q)
			fprintf(stderr, "not a query (%.3f): %s\n",
				ct_banking_score(b, t, strlen(t)), t);
		CHECK(q);
	}
	for (i = 0; i < sizeof(other_texts) / sizeof(other_texts[0]); i++) {
		const char *t = other_texts[i];
		bool q = ct_banking_is_query(b, t, strlen(t));

		if (q)
			fprintf(stderr, "a query (%.3f): %s\n",
				ct_banking_score(b, t, strlen(t)), t);
		CHECK(!q);
	}
}

static void test_edges(const struct ct_banking *b)
{
	const char *t = "my account balance please";
	double s = ct_banking_score(b, t, strlen(t));

	CHECK(!ct_banking_is_query(b, "", 0));
	CHECK(ct_banking_score(b, "", 0) == 0.0);
	CHECK(ct_banking_score(b, NULL, 0) == 0.0);
	CHECK(ct_banking_score(b, " ?! ", 4) == 0.0);
	CHECK(s > 0.0 && s <= 1.0);
	/* len, not the NUL, ends the text */
	CHECK(ct_banking_score(b, "hello bank", 5) ==
	      ct_banking_score(b, "hello", 5));
	CHECK(ct_banking_threshold(b) > 0.0 && ct_banking_threshold(b) < 1.0);
	CHECK(!ct_banking_is_query(NULL, t, strlen(t)));
	ct_banking_free(NULL);
}

/* True when text parses as a model. */
static bool parses(const char *text)
{
	struct ct_banking *b = NULL;
	int rc = ct_banking_new_from_text(text, strlen(text), &b);

	CHECK((rc == 0) == (b != NULL));
	ct_banking_free(b);
	return rc == 0;
}

static void test_model_format(void)
{
	struct ct_banking *b = NULL;
	const char *good = "# comment\r\n\nconvtrack-banking 1\r\n"
			   "threshold 0.5\nbias -1.5\nlex zipit bank\n"
			   "force @ussd\n"
			   "w @bank 2.25\nw zipit 0.5\nw ^_zipit 0.25\n"
			   "w hello -1.0\n";
	double s;

	CHECK(parses(good));
	CHECK(ct_banking_new_from_text(good, strlen(good), &b) == 0);
	/* z = -1.5 + 0.5 + 2.25 (class of a lexicon token) + 0.25 */
	s = ct_banking_score(b, "ZIPIT", 5);
	CHECK(fabs(s - 1.0 / (1.0 + exp(-1.5))) < 1e-12);
	CHECK(ct_banking_is_query(b, "zipit", 5));
	CHECK(!ct_banking_is_query(b, "hello", 5));
	/* a forced unigram lifts the score to the threshold, no further */
	CHECK(ct_banking_score(b, "hello *1#", 9) == 0.5);
	CHECK(ct_banking_is_query(b, "hello *1#", 9));
	CHECK(ct_banking_score(b, "zipit *1#", 9) > 0.5);
	ct_banking_free(b);

	CHECK(!parses(""));
	CHECK(!parses("threshold 0.5\nbias 0\n"));           /* no format line */
	CHECK(!parses("convtrack-banking 2\nthreshold 0.5\nbias 0\n"));
	CHECK(!parses("convtrack-banking 1\nbias 0\n"));      /* no threshold */
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\n")); /* no bias */
	CHECK(!parses("convtrack-banking 1\nthreshold 1.5\nbias 0\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias x\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\nw a\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\nw a 1e5\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"
		      "w a 1\nw a 2\n"));                     /* duplicate */
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"
		      "lex a\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"
		      "force a b\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"
		      "w  a 1\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"
		      "weight a 1\n"));
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"
		      "w a 1234567890123456\n"));
}

/* Undoes the trainer's escapes (\t \n \r \\) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' :
			       *s == 'r' ? '\r' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void test_trainer_scores(const struct ct_banking *b)
{
	FILE *f = fopen(SCORES_PATH, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, bad = 0;
	ssize_t len;

	CHECK(f != NULL);
	if (!f)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab, *end;
		double want, got;

		if (line[0] == '#')
			continue;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		tab = strchr(line, '\t');
		CHECK(tab != NULL);
		if (!tab)
			continue;
		*tab = '\0';
		want = strtod(line, &end);
		CHECK(end == tab);
		unescape(tab + 1);
		got = ct_banking_score(b, tab + 1, strlen(tab + 1));
		if (fabs(got - want) > SCORE_TOLERANCE) {
			fprintf(stderr, "score %.9f, trainer %.9f: %s\n", got,
				want, tab + 1);
			bad++;
		}
		n++;
	}
	free(line);
	fclose(f);
	CHECK(n >= 100);
	CHECK(bad == 0);
}

int main(void)
{
	struct ct_banking *b = NULL;

	CHECK(ct_banking_new(&b) == 0);
	if (!b)
		return ct_check_done();
	test_examples(b);
	test_edges(b);
	test_trainer_scores(b);
	test_model_format();
	ct_banking_free(b);
	return ct_check_done();
}
