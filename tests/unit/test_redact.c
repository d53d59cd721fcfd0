/*
 * Unit tests of the redaction rules: every type with its cue forms, card
 * separators and the Luhn check, IBAN mod-97, Zimbabwean IDs, emails and
 * phones in each mode with their keyed hash, the pattern language, spans
 * that point into the original text, no value left in the output, text
 * around the spans that is not ASCII, and what must survive (amounts,
 * dates, times, USSD codes, short numbers, references).
 */
#include <string.h>

#include "check.h"
#include "convtrack/redact.h"

/* An HMAC key of the tests; hashes below were computed with Python's
 * hmac.new(key, value, hashlib.sha256).hexdigest()[:16]. */
#define KEY "unit-test-key-0123456789"
#define HASH_PHONE "544487d1b0c313e1" /* +263771234567 */
#define HASH_EMAIL "f7b38274b47883be" /* tendai.moyo@gmail.com */

static struct ct_redact *make(enum ct_redact_mode email,
			      enum ct_redact_mode phone)
{
	struct ct_redact_options opt;
	struct ct_redact *r = NULL;

	ct_redact_options_init(&opt);
	opt.hash_key = (const unsigned char *)KEY;
	opt.hash_key_len = strlen(KEY);
	opt.email_mode = email;
	opt.phone_mode = phone;
	CHECK(ct_redact_new(&opt, &r) == 0);
	return r;
}

/*
 * Redacts text with r and checks the output; when type is not
 * CT_REDACT_TYPE_COUNT, also that the first span has that type and covers
 * value in the original text.  Every span must cover bytes of the original
 * that are absent from the output (no leak).
 */
static void expect_type(const struct ct_redact *r, const char *text,
			const char *want, enum ct_redact_type type,
			const char *value)
{
	struct ct_redact_result res;
	size_t k;

	if (ct_redact_text(r, text, strlen(text), &res) != 0) {
		CHECK(!"ct_redact_text failed");
		return;
	}
	if (strcmp(res.text, want) != 0)
		fprintf(stderr, "redact \"%s\"\n   got  \"%s\"\n   want \"%s\"\n",
			text, res.text, want);
	CHECK_STR(res.text, want);
	CHECK(res.len == strlen(res.text));
	if (type != CT_REDACT_TYPE_COUNT) {
		CHECK(res.n_spans >= 1);
		if (res.n_spans >= 1) {
			const struct ct_redact_span *sp = &res.spans[0];

			CHECK(sp->type == type);
			CHECK(sp->end - sp->start == strlen(value));
			CHECK(strncmp(text + sp->start, value,
				      sp->end - sp->start) == 0);
		}
	}
	for (k = 0; k < res.n_spans; k++) {
		const struct ct_redact_span *sp = &res.spans[k];
		char val[256];
		size_t n = sp->end - sp->start;

		CHECK(sp->start < sp->end && sp->end <= strlen(text));
		CHECK(k == 0 || res.spans[k - 1].end <= sp->start);
		if (n >= 4 && n < sizeof(val)) {
			memcpy(val, text + sp->start, n);
			val[n] = '\0';
			CHECK(strstr(res.text, val) == NULL);
		}
	}
	ct_redact_result_clear(&res);
}

static void expect(const struct ct_redact *r, const char *text,
		   const char *want)
{
	expect_type(r, text, want, CT_REDACT_TYPE_COUNT, NULL);
}

static void test_options(void)
{
	struct ct_redact_options opt;
	/* Not NULL, so that the test sees ct_redact_new() reset it. */
	struct ct_redact *r = (struct ct_redact *)&opt;
	struct ct_redact_pattern bad[] = {
		{ CT_REDACT_TYPE_ACCOUNT, "D{3", false },
	};
	struct ct_redact_pattern wrong_type[] = {
		{ CT_REDACT_TYPE_CARD, "D{8}", false },
	};

	/* The defaults hash, and hashing needs a key. */
	CHECK(ct_redact_new(NULL, &r) == CT_REDACT_EINVAL);
	CHECK(r == NULL);
	ct_redact_options_init(&opt);
	CHECK(opt.email_mode == CT_REDACT_HASH);
	CHECK(opt.phone_mode == CT_REDACT_HASH);
	CHECK_STR(opt.default_cc, "263");
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	opt.hash_key = (const unsigned char *)"short";
	opt.hash_key_len = 5;
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	/* Without HASH mode no key is needed, and hashing is refused. */
	opt.hash_key = NULL;
	opt.hash_key_len = 0;
	opt.email_mode = CT_REDACT_REMOVE;
	opt.phone_mode = CT_REDACT_KEEP;
	CHECK(ct_redact_new(&opt, &r) == 0);
	if (r) {
		char h[CT_REDACT_HASH_LEN];

		CHECK(ct_redact_hash(r, "phone", "0771234567", h) ==
		      CT_REDACT_EINVAL);
		ct_redact_free(r);
	}
	opt.default_cc = "2630";
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	opt.default_cc = "26a";
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	opt.default_cc = "263";
	opt.patterns = bad;
	opt.n_patterns = 1;
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	opt.patterns = wrong_type;
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	opt.email_mode = (enum ct_redact_mode)7;
	opt.n_patterns = 0;
	CHECK(ct_redact_new(&opt, &r) == CT_REDACT_EINVAL);
	CHECK(ct_redact_new(&opt, NULL) == CT_REDACT_EINVAL);
	ct_redact_free(NULL);
	ct_redact_result_clear(NULL);

	CHECK_STR(ct_redact_type_name(CT_REDACT_TYPE_CARD), "card");
	CHECK_STR(ct_redact_type_name(CT_REDACT_TYPE_ID_NUMBER), "id_number");
	CHECK_STR(ct_redact_type_name(CT_REDACT_TYPE_COUNT), "unknown");
}

static void test_patterns_valid(void)
{
	CHECK(ct_redact_pattern_valid("DD_D{6,7}_L_DD"));
	CHECK(ct_redact_pattern_valid("N{7,16}"));
	CHECK(ct_redact_pattern_valid("LL_D{6,7}"));
	CHECK(ct_redact_pattern_valid("\\ACC-D{8}"));
	CHECK(ct_redact_pattern_valid("D{4}A{0,2}"));
	CHECK(!ct_redact_pattern_valid(NULL));
	CHECK(!ct_redact_pattern_valid(""));
	CHECK(!ct_redact_pattern_valid("D{3")); /* unclosed */
	CHECK(!ct_redact_pattern_valid("{3}D")); /* nothing to repeat */
	CHECK(!ct_redact_pattern_valid("D{2}{3}")); /* repeated twice */
	CHECK(!ct_redact_pattern_valid("D{5,2}")); /* m > n */
	CHECK(!ct_redact_pattern_valid("D{65}")); /* above 64 */
	CHECK(!ct_redact_pattern_valid("_{2}D{4}")); /* "_" repeated */
	CHECK(!ct_redact_pattern_valid("DDD")); /* fewer than 4 characters */
	CHECK(!ct_redact_pattern_valid("x\\")); /* dangling escape */
	CHECK(!ct_redact_pattern_valid("D{8}\t"));
}

static void test_cards(const struct ct_redact *r)
{
	/* Luhn-valid, with spaces, dashes or nothing between the groups. */
	expect_type(r, "my card number is 4111 1111 1111 1111",
		    "my card number is [CARD]", CT_REDACT_TYPE_CARD,
		    "4111 1111 1111 1111");
	expect_type(r, "block 4111-1111-1111-1111 now", "block [CARD] now",
		    CT_REDACT_TYPE_CARD, "4111-1111-1111-1111");
	expect_type(r, "4111111111111111", "[CARD]", CT_REDACT_TYPE_CARD,
		    "4111111111111111");
	expect(r, "Mastercard 5555 5555 5555 4444, thanks",
	       "Mastercard [CARD], thanks");
	/* Amex 4-6-5 (15 digits), 13 and 19 digits. */
	expect(r, "amex 3782 822463 10005 please", "amex [CARD] please");
	expect(r, "old visa 4222222222222", "old visa [CARD]");
	expect(r, "verve 5061 0000 0000 0000 007", "verve [CARD]");
	/* Spoken. */
	expect(r, "it's four one one one one one one one one one one one one "
		  "one one one",
	       "it's [CARD]");
	/* Luhn-invalid: no card, unless a card or account cue says so. */
	expect(r, "the number 4111 1111 1111 1112 is on my statement",
	       "the number 4111 1111 1111 1112 is on my statement");
	expect(r, "4111111111111112", "4111111111111112");
	expect_type(r, "my account number is 4111111111111112",
		    "my account number is [ACCOUNT]", CT_REDACT_TYPE_ACCOUNT,
		    "4111111111111112");
	expect_type(r, "my card number is 4111 1111 1111 1112",
		    "my card number is [CARD]", CT_REDACT_TYPE_CARD,
		    "4111 1111 1111 1112");
	/* A first digit no card network uses; too short; too long. */
	expect(r, "code 8111111111111113 ok", "code 8111111111111113 ok");
	expect(r, "4111 1111 1111", "4111 1111 1111");
	expect(r, "41111111111111111111111", "41111111111111111111111");
	/* After a reference cue or a currency it is no card. */
	expect(r, "transaction reference 4111111111111111",
	       "transaction reference 4111111111111111");
	expect(r, "transaction id 4012888888881881",
	       "transaction id 4012888888881881");
	expect(r, "I was charged $4111111111111111",
	       "I was charged $4111111111111111");
	/* Two cards in one run of groups, and a card after a short number. */
	expect(r, "2 4111 1111 1111 1111", "2 [CARD]");
}

static void test_codes(const struct ct_redact *r)
{
	expect_type(r, "my pin is 4321", "my pin is [PIN]", CT_REDACT_TYPE_PIN,
		    "4321");
	expect_type(r, "pin: 4321", "pin: [PIN]", CT_REDACT_TYPE_PIN, "4321");
	expect(r, "My PIN number is 98765.", "My PIN number is [PIN].");
	expect(r, "the PIN for my card is 1234", "the PIN for my card is [PIN]");
	expect(r, "the pin I used was 0000", "the pin I used was [PIN]");
	expect(r, "please reset my pin to 2580", "please reset my pin to [PIN]");
	expect(r, "1234 is my pin", "[PIN] is my pin");
	expect(r, "4321 — that's my PIN", "[PIN] — that's my PIN");
	expect(r, "my pin is four three two one", "my pin is [PIN]");
	expect(r, "my pin is 4 3 2 1", "my pin is [PIN]");
	expect(r, "my pin is double four five eight", "my pin is [PIN]");
	expect(r, "pin yangu ndeye 4321", "pin yangu ndeye [PIN]");
	expect_type(r, "the OTP I got is 889201", "the OTP I got is [OTP]",
		    CT_REDACT_TYPE_OTP, "889201");
	expect_type(r, "the code is 889201", "the code is [OTP]",
		    CT_REDACT_TYPE_OTP, "889201");
	expect(r, "the one-time password you sent is 445 120",
	       "the one-time password you sent is [OTP]");
	expect(r, "verification code: 5521", "verification code: [OTP]");
	expect(r, "889201 is the OTP", "[OTP] is the OTP");
	expect(r, "our code was 99356", "our code was [OTP]");
	expect(r, "the cvv2 856?", "the cvv2 [CVV]?");
	expect_type(r, "CVV 123", "CVV [CVV]", CT_REDACT_TYPE_CVV, "123");
	expect(r, "the three digits on the back are 456",
	       "the three digits on the back are [CVV]");
	expect(r, "the code on the back is 789", "the code on the back is [CVV]");
	expect(r, "security code 0123", "security code [CVV]");
	expect_type(r, "my password is Tendai@2024!", "my password is [PASSWORD]!",
		    CT_REDACT_TYPE_PASSWORD, "Tendai@2024");
	expect(r, "my password is sunshine.", "my password is [PASSWORD].");
	expect(r, "password: Rudo1987", "password: [PASSWORD]");

	/* A cue without its value, or a value of the wrong shape. */
	expect(r, "my pin is blocked", "my pin is blocked");
	expect(r, "I forgot my pin", "I forgot my pin");
	expect(r, "I entered the wrong pin 3 times",
	       "I entered the wrong pin 3 times");
	expect(r, "my pin is 12", "my pin is 12");
	expect(r, "my pin is 123456789", "my pin is 123456789");
	expect(r, "my pin has 4 digits", "my pin has 4 digits");
	expect(r, "the OTP expired in 300 seconds",
	       "the OTP expired in 300 seconds");
	expect(r, "the error code is 404", "the error code is 404");
	expect(r, "CVV 12", "CVV 12");
	expect(r, "the first three digits of 186 are the prefix",
	       "the first three digits of 186 are the prefix");
	expect(r, "my password is wrong", "my password is wrong");
	expect(r, "my password is not working", "my password is not working");
	expect(r, "after the password is modified, both work",
	       "after the password is modified, both work");
	expect(r, "my pin is $1234", "my pin is $1234");
	/* A 10-digit number after "OTP to" is the phone it was sent to. */
	expect(r, "send the OTP to 0771234567",
	       "send the OTP to [PHONE:" HASH_PHONE "]");
}

static void test_accounts_ids(const struct ct_redact *r)
{
	expect_type(r, "my account number is 0123456789012",
		    "my account number is [ACCOUNT]", CT_REDACT_TYPE_ACCOUNT,
		    "0123456789012");
	expect(r, "acc no. 1234567 please", "acc no. [ACCOUNT] please");
	expect(r, "a/c 12345678", "a/c [ACCOUNT]");
	expect(r, "account: 0123 4567 8901 23", "account: [ACCOUNT]");
	expect(r, "the account number for the school fees is 1122334455",
	       "the account number for the school fees is [ACCOUNT]");
	expect(r, "my current account would be 17781953.",
	       "my current account would be [ACCOUNT].");
	expect(r, "0123456789 is my account number",
	       "[ACCOUNT] is my account number");
	/* Too short, an amount, a balance, no cue, not my bank's account. */
	expect(r, "account 123456", "account 123456");
	expect(r, "the account ending in 4821", "the account ending in 4821");
	expect(r, "my account has 2000000 in it", "my account has 2000000 in it");
	expect(r, "the account balance is 12345678",
	       "the account balance is 12345678");
	expect(r, "my account is 1000 dollars short",
	       "my account is 1000 dollars short");
	expect(r, "I transferred 1234567 to my account",
	       "I transferred 1234567 to my account");

	/* Zimbabwean national IDs, with and without separators. */
	expect_type(r, "my ID number is 63-123456B42",
		    "my ID number is [ID_NUMBER]", CT_REDACT_TYPE_ID_NUMBER,
		    "63-123456B42");
	expect(r, "63-1234567-F-45", "[ID_NUMBER]");
	expect(r, "63-123456A78", "[ID_NUMBER]");
	expect(r, "it's 63 1234567 D 45.", "it's [ID_NUMBER].");
	expect(r, "082047823Q29 is mine", "[ID_NUMBER] is mine");
	expect(r, "id 08-2047823 q 29", "id [ID_NUMBER]");
	/* After an ID cue, without its letter, and a passport. */
	expect(r, "my national id is 63-123456", "my national id is [ID_NUMBER]");
	expect(r, "my passport number is FN123456",
	       "my passport number is [ID_NUMBER]");
	expect(r, "my id number is six three one two three four five six seven "
		  "d four two",
	       "my id number is [ID_NUMBER]");
	/* An ID wins over an account cue that reads only its digits. */
	expect(r, "the ID I used to open the account was 44-336882 M 42",
	       "the ID I used to open the account was [ID_NUMBER]");
	/* Not IDs. */
	expect(r, "I live at 63 Samora Machel Avenue",
	       "I live at 63 Samora Machel Avenue");
	expect(r, "63-123456B42x", "63-123456B42x");
}

static void test_iban(const struct ct_redact *r)
{
	expect_type(r, "my IBAN is GB82WEST12345698765432",
		    "my IBAN is [IBAN]", CT_REDACT_TYPE_IBAN,
		    "GB82WEST12345698765432");
	expect(r, "GB82 WEST 1234 5698 7654 32 is my iban", "[IBAN] is my iban");
	expect(r, "pay DE89 3704 0044 0532 0130 00 today", "pay [IBAN] today");
	expect(r, "gb82west12345698765432", "[IBAN]");
	/* The check digits do not hold. */
	expect(r, "GB82WEST12345698765433", "GB82WEST12345698765433");
	expect(r, "GB83 WEST 1234 5698 7654 32", "GB83 WEST 1234 5698 7654 32");
}

static void test_contacts(void)
{
	struct ct_redact *hash = make(CT_REDACT_HASH, CT_REDACT_HASH);
	struct ct_redact *keep = make(CT_REDACT_KEEP, CT_REDACT_KEEP);
	struct ct_redact *rm = make(CT_REDACT_REMOVE, CT_REDACT_REMOVE);
	const char *text = "email Tendai.Moyo@Gmail.com or call 077 123 4567";
	struct ct_redact_result res;
	char h[CT_REDACT_HASH_LEN];

	if (!hash || !keep || !rm)
		goto out_free;
	/* HASH: the placeholder carries HMAC-SHA256 of the normalized value. */
	expect(hash, text,
	       "email [EMAIL:" HASH_EMAIL "] or call [PHONE:" HASH_PHONE "]");
	CHECK(ct_redact_text(hash, text, strlen(text), &res) == 0);
	CHECK(res.n_spans == 2);
	if (res.n_spans == 2) {
		CHECK(res.spans[0].type == CT_REDACT_TYPE_EMAIL);
		CHECK(res.spans[0].start == 6 && res.spans[0].end == 27);
		CHECK_STR(res.spans[0].hash, HASH_EMAIL);
		CHECK(res.spans[1].type == CT_REDACT_TYPE_PHONE);
		CHECK(res.spans[1].start == 36 && res.spans[1].end == 48);
		CHECK_STR(res.spans[1].hash, HASH_PHONE);
	}
	ct_redact_result_clear(&res);
	/* Recognition hashes a stored value the same way. */
	CHECK(ct_redact_hash(hash, "phone", "+263771234567", h) == 0);
	CHECK_STR(h, HASH_PHONE);
	CHECK(ct_redact_hash(hash, "phone", "+263 (0)77 123 4567", h) == 0);
	CHECK_STR(h, HASH_PHONE);
	CHECK(ct_redact_hash(hash, "email", " TENDAI.MOYO@gmail.com ", h) == 0);
	CHECK_STR(h, HASH_EMAIL);
	CHECK(ct_redact_hash(hash, "email", "not an address", h) ==
	      CT_REDACT_EINVAL);
	CHECK(ct_redact_hash(hash, "phone", "12/03/2024", h) ==
	      CT_REDACT_EINVAL);
	CHECK(ct_redact_hash(hash, "fax", "0771234567", h) == CT_REDACT_EINVAL);
	/* Every written and spoken form of the number hashes alike. */
	expect(hash, "+263 77 123 4567 is my number",
	       "[PHONE:" HASH_PHONE "] is my number");
	expect(hash, "reach me on (077) 123-4567.",
	       "reach me on [PHONE:" HASH_PHONE "].");
	expect(hash, "my number is zero seven seven one two three four five six "
		     "seven",
	       "my number is [PHONE:" HASH_PHONE "]");
	/* KEEP: unchanged and not reported; REMOVE: a bare placeholder. */
	expect(keep, text, text);
	expect(rm, text, "email [EMAIL] or call [PHONE]");
	CHECK(ct_redact_text(rm, text, strlen(text), &res) == 0);
	CHECK(res.n_spans == 2 && res.spans[0].hash[0] == '\0');
	ct_redact_result_clear(&res);
	/* KEEP leaves contacts but still redacts the rest. */
	expect(keep, "call 0771234567, my pin is 4321",
	       "call 0771234567, my pin is [PIN]");
	/* An account cue beats a phone shape. */
	expect(rm, "account number 0771234567", "account number [ACCOUNT]");
	/* A phone after a reference cue is a reference. */
	expect(rm, "reference number 0771234567", "reference number 0771234567");
out_free:
	ct_redact_free(hash);
	ct_redact_free(keep);
	ct_redact_free(rm);
}

static void test_survivors(const struct ct_redact *r)
{
	static const char *const texts[] = {
		"I paid $1,250.00 on 12/03/2024 at 10:30",
		"ZWL 5000 and 1000 dollars and US$250",
		"on 2024-03-12 at 8am, then 10:30pm",
		"dial *236# or *151*1# or *236*1*2#",
		"it took 5 days and I have 2 cards",
		"in 2024 the rate was 15% and 12.5%",
		"my loan of 150000 USD over 24 months",
		"rate is 1 USD to 25.5 ZiG today",
		"reference FT2304512345 for the transfer",
		"the reference number is 1234567890123456",
		"my ZESA token is 12345678901234567890",
		"the meter number is 0771234567",
		"call at 14:30 on 05-01-2024",
		"between 01/02/2023 and 28/02/2023 I paid R 5000",
		"flight 1234 leaves at 9",
		"press 0 then 1234",
		"I was charged 1 500 000 bond",
		"the 16 digits on my card",
		"£120 and €80",
		"",
	};
	size_t k;

	for (k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
		expect(r, texts[k], texts[k]);
}

static void test_multibyte_and_offsets(const struct ct_redact *r)
{
	/* "—" and "…" are 3 bytes each, "🙏" 4: spans are byte offsets. */
	const char *text = "Mhoro — my PIN is 4321 … ndatenda 🙏 card 4111 1111 "
			   "1111 1111…";
	struct ct_redact_result res;

	expect(r, text, "Mhoro — my PIN is [PIN] … ndatenda 🙏 card [CARD]…");
	CHECK(ct_redact_text(r, text, strlen(text), &res) == 0);
	CHECK(res.n_spans == 2);
	if (res.n_spans == 2) {
		CHECK(res.spans[0].type == CT_REDACT_TYPE_PIN);
		CHECK(res.spans[0].start == 20 && res.spans[0].end == 24);
		CHECK(res.spans[1].type == CT_REDACT_TYPE_CARD);
		CHECK(strncmp(text + res.spans[1].start, "4111 1111", 9) == 0);
		CHECK(res.spans[1].end - res.spans[1].start == 19);
	}
	ct_redact_result_clear(&res);
	CHECK(res.text == NULL && res.spans == NULL && res.n_spans == 0);
	/* Punctuation glued to words hides neither cue nor value. */
	expect(r, "my pin…4321", "my pin…[PIN]");
	expect(r, "My PIN is “4321”", "My PIN is “[PIN]”");
	expect(r, "Ndapota, nhamba yangu ndeye 0771234567 — ndatenda",
	       "Ndapota, nhamba yangu ndeye [PHONE:" HASH_PHONE
	       "] — ndatenda");
	/* Several values; text between them is kept byte for byte. */
	expect(r, "card 4111111111111111, CVV 123, pin 9876; ID 63-123456B42",
	       "card [CARD], CVV [CVV], pin [PIN]; ID [ID_NUMBER]");
	/* The length is what counts, not a NUL. */
	CHECK(ct_redact_text(r, "pin 1234 and more", 8, &res) == 0);
	CHECK_STR(res.text, "pin [PIN]");
	ct_redact_result_clear(&res);
	CHECK(ct_redact_text(r, NULL, 0, &res) == 0);
	CHECK_STR(res.text, "");
	CHECK(res.n_spans == 0);
	ct_redact_result_clear(&res);
	CHECK(ct_redact_text(r, NULL, 3, &res) == CT_REDACT_EINVAL);
	CHECK(res.text == NULL);
	CHECK(ct_redact_text(NULL, "x", 1, &res) == CT_REDACT_EINVAL);
	CHECK(ct_redact_text(r, "x", 1, NULL) == CT_REDACT_EINVAL);
}

/* Redacts answer as a reply to prompt and checks the output. */
static void expect_reply(const struct ct_redact *r, const char *prompt,
			 const char *answer, const char *want)
{
	struct ct_redact_result res;

	if (ct_redact_reply(r, prompt, prompt ? strlen(prompt) : 0, answer,
			    strlen(answer), &res) != 0) {
		CHECK(!"ct_redact_reply failed");
		return;
	}
	if (strcmp(res.text, want) != 0)
		fprintf(stderr, "reply to \"%s\": \"%s\"\n   got  \"%s\"\n"
				"   want \"%s\"\n",
			prompt ? prompt : "(none)", answer, res.text, want);
	CHECK_STR(res.text, want);
	ct_redact_result_clear(&res);
}

static void test_replies(const struct ct_redact *r)
{
	struct ct_redact_result res;

	/* A bare value answers the assistant's request for it. */
	expect_reply(r, "Please say your four digit PIN.", "4321", "[PIN]");
	expect_reply(r, "What is your PIN?", "yes it's 4321", "yes it's [PIN]");
	expect_reply(r, "What is your PIN?", "four three two one", "[PIN]");
	expect_reply(r, "Please read me the OTP we sent to your phone.",
		     "889201", "[OTP]");
	expect_reply(r, "What is your account number?", "sure: 0123456789",
		     "sure: [ACCOUNT]");
	expect_reply(r, "And the three digits on the back of the card?", "456",
		     "[CVV]");
	expect_reply(r, "Please tell me your card number.",
		     "4111 1111 1111 1112", "[CARD]");
	expect_reply(r, "What is your national ID number?", "63 123456 B 42",
		     "[ID_NUMBER]");
	expect_reply(r, "Please confirm your password.", "Tendai@2024",
		     "[PASSWORD]");
	/* Several kinds asked: the last first, then the others. */
	expect_reply(r, "Please give me your account number or your card "
			"number.",
		     "0123456789", "[ACCOUNT]");
	/* The same answer without a request stays (no cue, no shape). */
	expect_reply(r, NULL, "4321", "4321");
	expect_reply(r, "How can I help you today?", "4321", "4321");
	expect_reply(r, "What is your account number?", "I don't know it",
		     "I don't know it");
	/* A value later in the answer is no answer; other rules still run. */
	expect_reply(r, "What is your PIN?", "I paid 4321 dollars",
		     "I paid 4321 dollars");
	expect_reply(r, "What is your PIN?", "call me on 0771234567",
		     "call me on [PHONE:" HASH_PHONE "]");
	expect_reply(r, "What is your password?", "sunshine", "sunshine");
	CHECK(ct_redact_reply(r, NULL, 4, "x", 1, &res) == CT_REDACT_EINVAL);
}

static void test_custom_patterns(void)
{
	struct ct_redact_pattern pats[] = {
		/* A bank's account format, anywhere. */
		{ CT_REDACT_TYPE_ACCOUNT, "\\ACC-D{8}", false },
		/* A licence number, only after an ID cue. */
		{ CT_REDACT_TYPE_ID_NUMBER, "D{6}LL", true },
	};
	struct ct_redact_options opt;
	struct ct_redact *r = NULL;

	ct_redact_options_init(&opt);
	opt.hash_key = (const unsigned char *)KEY;
	opt.hash_key_len = strlen(KEY);
	opt.patterns = pats;
	opt.n_patterns = 2;
	CHECK(ct_redact_new(&opt, &r) == 0);
	if (r) {
		expect(r, "pay into ACC-12345678 today", "pay into [ACCOUNT] today");
		expect(r, "pay into acc-12345678", "pay into [ACCOUNT]");
		expect(r, "my ID number is 123456AB", "my ID number is [ID_NUMBER]");
		expect(r, "the code 123456AB", "the code 123456AB");
		expect(r, "ID 63-123456B42", "ID [ID_NUMBER]");
		ct_redact_free(r);
	}
	/* Without the defaults: no Zimbabwean ID, no account cue shape. */
	opt.no_default_patterns = true;
	CHECK(ct_redact_new(&opt, &r) == 0);
	if (r) {
		expect(r, "ID 63-123456B42", "ID 63-123456B42");
		expect(r, "account number 1234567890", "account number 1234567890");
		expect(r, "pay into ACC-12345678", "pay into [ACCOUNT]");
		ct_redact_free(r);
	}
}

int main(void)
{
	struct ct_redact *r;

	test_options();
	test_patterns_valid();
	r = make(CT_REDACT_HASH, CT_REDACT_HASH);
	if (r) {
		test_cards(r);
		test_codes(r);
		test_accounts_ids(r);
		test_iban(r);
		test_survivors(r);
		test_multibyte_and_offsets(r);
		test_replies(r);
		ct_redact_free(r);
	}
	test_contacts();
	test_custom_patterns();
	return ct_check_done();
}
