/*
 * Unit test of the banking question detector: typical banking questions
 * (also in the words of a Zimbabwean bank's callers) are queries, small talk
 * and other subjects are not; the failure classes of issue 16 (money sent or
 * paid to a named person, a relative or an amount; bank words in another
 * sense; a declined banking offer) are judged right, in sentences written
 * for this test and found in no training text; the normalization (names,
 * amounts, guards, negation, sentences, character n-grams) sums the weights
 * of a hand-made model as documented; and the C scorer agrees with the
 * trainer's scores of sample texts (tests/fixtures/banking/scores.tsv,
 * written by tools/train_banking.py with the model), which catches a
 * tokenizer or feature difference between the two.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/banking.h"

#define SCORES_PATH "tests/fixtures/banking/scores.tsv"
#define SCORE_TOLERANCE 1e-9
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

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

/*
 * Money sent or paid to a person, a relative or an amount: names and family
 * words carried the weight of the calling and texting requests.
 */
static const char *const to_people[] = {
	"Send $75 to Brian please",
	"pay my grandma 300",
	"wire 1,000 pounds to my stepson",
	"zelle my bestie 15 bucks",
	"transfer 400 to my savings account",
	"could you move R250 into my nephew's account",
	"I have to reimburse my flatmate 90 dollars",
	"venmo Kelvin 12 for the movie",
	"I'd like to send money to Farai for the rent",
	"pay Shamiso back the 60 I borrowed",
	("can I send \xe2\x82\xac" "300 to my aunt in Dublin"),
	"transfer two thousand rand to my father-in-law",
	"put 20 dollars on my son's account every Friday",
	"Thanks. Now send 500 to Nyasha.",
};

/* Non-banking requests that name people, relatives and numbers. */
static const char *const people_other[] = {
	"call grandma tonight",
	"text Brian that the meeting moved to 4",
	"remind my son about his dentist appointment",
	"send my wife a picture of the sunset",
	"how tall is my nephew going to get",
	"book a taxi for me and my aunt at 7",
};

/* Bank words in another sense. */
static const char *const other_senses[] = {
	"the kids played on the bank of the lake",
	"is the blood bank open at weekends",
	"I'd bank on that happening",
	"keep your balance on the skateboard",
	"the credit for the cover photo goes to Tom",
	"check tomorrow's weather in Mutare",
	"charge my tablet overnight",
	"my interest in art started early",
	"she gave an account of the events that night",
	"drop a pin at the restaurant on the map",
	"we walked along the river bank at sunset",
	"how do I reset my Spotify account",
};

/* The money sense of the same words stays banking. */
static const char *const money_senses[] = {
	"what is the interest rate on a fixed deposit",
	"I was charged twice for one purchase",
	"can I raise the credit limit on my card",
	"is the bank open on Saturday morning",
	"check my account balance",
	"my statement shows a payment I did not make",
};

/* A banking offer declined in favour of another subject. */
static const char *const declined[] = {
	"No, I don't want to move any money. Find me a cinema nearby.",
	"no transfer for now, just play the news",
};

static void check_list(const struct ct_banking *b, const char *const *v,
		       size_t n, bool want)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bool q = ct_banking_is_query(b, v[i], strlen(v[i]));

		if (q != want)
			fprintf(stderr, "%s (%.3f): %s\n",
				want ? "not a query" : "a query",
				ct_banking_score(b, v[i], strlen(v[i])), v[i]);
		CHECK(q == want);
	}
}

static void test_examples(const struct ct_banking *b)
{
	check_list(b, banking_queries, NELEMS(banking_queries), true);
	check_list(b, other_texts, NELEMS(other_texts), false);
}

static void test_failure_classes(const struct ct_banking *b)
{
	check_list(b, to_people, NELEMS(to_people), true);
	check_list(b, people_other, NELEMS(people_other), false);
	check_list(b, other_senses, NELEMS(other_senses), false);
	check_list(b, money_senses, NELEMS(money_senses), true);
	check_list(b, declined, NELEMS(declined), false);
}

/* A name or a relative weighs nothing: the score does not depend on it. */
static void test_names_weigh_nothing(const struct ct_banking *b)
{
	static const char *const pairs[][2] = {
		{ "send 50 dollars to John", "send 50 dollars to" },
		{ "pay my mom back", "pay my back" },
		{ "transfer it to Tendai's account", "transfer it to account" },
		{ "send $20 to my sister", "send $99 to my" },
	};
	size_t i;

	for (i = 0; i < NELEMS(pairs); i++) {
		double a = ct_banking_score(b, pairs[i][0], strlen(pairs[i][0]));
		double c = ct_banking_score(b, pairs[i][1], strlen(pairs[i][1]));

		if (a != c)
			fprintf(stderr, "%.9f != %.9f: %s / %s\n", a, c,
				pairs[i][0], pairs[i][1]);
		CHECK(a == c);
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
	CHECK(ct_banking_score(b, "John", 4) == 0.0); /* no unit left */
	CHECK(s > 0.0 && s <= 1.0);
	/* len, not the NUL, ends the text */
	CHECK(ct_banking_score(b, "hello bank", 5) ==
	      ct_banking_score(b, "hello", 5));
	CHECK(ct_banking_threshold(b) > 0.0 && ct_banking_threshold(b) < 1.0);
	CHECK(!ct_banking_is_query(NULL, t, strlen(t)));
	ct_banking_free(NULL);
}

/* A long text (more words than the scorer keeps on its stack). */
static void test_long_text(const struct ct_banking *b)
{
	char buf[4096];
	size_t n = 0;

	while (n + 40 < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
				      "we talked about the weather. ");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
			      "what is my balance?");
	CHECK(ct_banking_is_query(b, buf, n)); /* the best sentence counts */
	CHECK(!ct_banking_is_query(b, buf, n - 19));
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

/* The logistic function of z, as the scorer computes it. */
static double sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* True when b scores text as sigmoid(z) (to rounding). */
static bool scores(const struct ct_banking *b, const char *text, double z)
{
	double got = ct_banking_score(b, text, strlen(text));
	bool ok = fabs(got - sigmoid(z)) < 1e-12;

	if (!ok)
		fprintf(stderr, "score %.12f, want %.12f (z %.4f): %s\n", got,
			sigmoid(z), z, text);
	return ok;
}

/* A detector of the model text (NULL, after a failed check, if malformed). */
static struct ct_banking *hand_made(const char *model)
{
	struct ct_banking *b = NULL;

	CHECK(ct_banking_new_from_text(model, strlen(model), &b) == 0);
	return b;
}

/* The normalization and the features, on a hand-made model. */
static void test_normalization(void)
{
	static const char model[] =
		"convtrack-banking 2\nthreshold 0.5\nbias 0\nnegscope 2\n"
		"map john -\nmap mom -\nmap dollars <cur>\nmap twenty <num>\n"
		"map hundred <num>\nneg not\nlex bank bank\nforce zipit\n"
		"guard bank 1:3:river,stream !-2:2:money,<num>\n"
		"guard bank -1:-1:blood\n"
		"w bank 1\nw @bank 0.5\nw ~bank -2\nw <amount> 3\nw <num> 0.5\n"
		"w <cur> 0.25\nw !pay 0.125\nw pay 0.0625\n"
		"w send_<amount> 0.03125\nw ^_bank 0.015625\nw account 2\n"
		"w weather -4\n";
	struct ct_banking *b = hand_made(model);

	if (!b)
		return;
	/* amounts: a sign, digit groups joined, names dropped */
	CHECK(scores(b, "send $1,630.50 to John", 3 + 0.03125));
	CHECK(scores(b, "send \xc2\xa3" "5", 3 + 0.03125)); /* one token */
	CHECK(scores(b, "send \xc2\xa3 5", 3));      /* "£" is a word */
	CHECK(scores(b, "send r50", 3 + 0.03125));
	CHECK(scores(b, "send 5", 0.5));
	CHECK(scores(b, "twenty hundred dollars", 0.5 + 0.25));
	CHECK(scores(b, "twenty, twenty", 0.5 + 0.5));
	CHECK(ct_banking_score(b, "John", 4) == 0.0); /* no unit left */
	/* "'s" is cut off: "mom's" is dropped, "account's" is "account" */
	CHECK(scores(b, "mom's account's", 2));
	/* guards: a cue in range and the same sentence, no money near */
	CHECK(scores(b, "bank", 1 + 0.5 + 0.015625));
	CHECK(scores(b, "bank by the river", -2));
	CHECK(scores(b, "bank by the big river", 1 + 0.5 + 0.015625));
	CHECK(scores(b, "money bank by the river", 1 + 0.5));
	CHECK(scores(b, "bank 5 the river", 1 + 0.5 + 0.015625 + 0.5));
	CHECK(scores(b, "blood bank", -2));
	/* the whole text and each sentence: the best counts */
	CHECK(scores(b, "bank. the river", 1 + 0.5 + 0.015625));
	CHECK(scores(b, "weather. bank", 1 + 0.5 + 0.015625));
	/* negation: the next negscope units of the clause fire "!unit" */
	CHECK(scores(b, "not pay", 0.0625 + 0.125));
	CHECK(scores(b, "not now pay", 0.0625 + 0.125));
	CHECK(scores(b, "not now then pay", 0.0625));
	CHECK(scores(b, "not, pay", 0.0625));
	CHECK(scores(b, "not but pay", 0.0625));
	/* a forced unit lifts the score to the threshold */
	CHECK(ct_banking_score(b, "weather zipit", 13) == 0.5);
	ct_banking_free(b);
}

/* The character n-grams of a word weigh their mean. */
static void test_char_ngrams(void)
{
	static const char model[] =
		"convtrack-banking 2\nthreshold 0.5\nbias 0\n"
		"charngrams 3 4 4 1.0\nmap john -\n"
		"c 0 0.5\nc 1 0.5\nc 2 0.5\nc 3 0.5\nw ~x 1\n";
	struct ct_banking *b = hand_made(model);

	if (!b)
		return;
	CHECK(scores(b, "abcdef", 0.5));
	CHECK(scores(b, "a b", 1.0));
	CHECK(ct_banking_score(b, "John", 4) == 0.0);
	CHECK(scores(b, "42", 0.0)); /* placeholders have no n-grams */
	ct_banking_free(b);
}

static void test_model_format(void)
{
	struct ct_banking *b = NULL;
	const char *good = "# comment\r\n\nconvtrack-banking 2\r\n"
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
	/* a forced unit lifts the score to the threshold, no further */
	CHECK(ct_banking_score(b, "hello *1#", 9) == 0.5);
	CHECK(ct_banking_is_query(b, "hello *1#", 9));
	CHECK(ct_banking_score(b, "zipit *1#", 9) > 0.5);
	ct_banking_free(b);

#define V2 "convtrack-banking 2\nthreshold 0.5\nbias 0\n"
	CHECK(!parses(""));
	CHECK(!parses("threshold 0.5\nbias 0\n"));           /* no format line */
	CHECK(!parses("convtrack-banking 1\nthreshold 0.5\nbias 0\n"));
	CHECK(!parses("convtrack-banking 2\nbias 0\n"));      /* no threshold */
	CHECK(!parses("convtrack-banking 2\nthreshold 0.5\n")); /* no bias */
	CHECK(!parses("convtrack-banking 2\nthreshold 1.5\nbias 0\n"));
	CHECK(!parses("convtrack-banking 2\nthreshold 0.5\nbias x\n"));
	CHECK(!parses(V2 "bias 1\n"));                        /* twice */
	CHECK(!parses(V2 "w a\n"));
	CHECK(!parses(V2 "w a 1e5\n"));
	CHECK(!parses(V2 "w a 1\nw a 2\n"));                  /* duplicate */
	CHECK(!parses(V2 "lex a\n"));
	CHECK(!parses(V2 "force a b\n"));
	CHECK(!parses(V2 "w  a 1\n"));
	CHECK(!parses(V2 "weight a 1\n"));
	CHECK(!parses(V2 "w a 1234567890123456\n"));
	CHECK(parses(V2 "negscope 3\nmap a -\nmap b <num>\nneg not\n"));
	CHECK(!parses(V2 "negscope -1\n"));
	CHECK(!parses(V2 "map a\n"));
	CHECK(!parses(V2 "map a - x\n"));
	CHECK(!parses(V2 "map a -\nmap a <num>\n"));          /* duplicate */
	CHECK(parses(V2 "guard bank -3:3:river,lake !-2:2:money,<num>\n"));
	CHECK(!parses(V2 "guard bank\n"));
	CHECK(!parses(V2 "guard bank 3:-3:river\n"));         /* lo > hi */
	CHECK(!parses(V2 "guard bank -3:3:\n"));
	CHECK(!parses(V2 "guard bank -3:3:river,\n"));
	CHECK(!parses(V2 "guard bank -30:3:river\n"));
	CHECK(!parses(V2 "guard bank -3:x:river\n"));
	CHECK(parses(V2 "charngrams 3 4 16 1.0\nc 3 0.5\n"));
	CHECK(!parses(V2 "c 3 0.5\n"));                       /* no charngrams */
	CHECK(!parses(V2 "charngrams 3 4 16 1.0\nc 16 0.5\n"));
	CHECK(!parses(V2 "charngrams 3 4 16 1.0\nc 3 0.5\nc 3 0.5\n"));
	CHECK(!parses(V2 "charngrams 4 3 16 1.0\n"));
	CHECK(!parses(V2 "charngrams 3 4 0 1.0\n"));
	CHECK(!parses(V2 "charngrams 3 4 16\n"));
#undef V2
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
	test_failure_classes(b);
	test_names_weigh_nothing(b);
	test_edges(b);
	test_long_text(b);
	test_trainer_scores(b);
	test_normalization();
	test_char_ngrams();
	test_model_format();
	ct_banking_free(b);
	return ct_check_done();
}
