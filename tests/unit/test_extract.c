/*
 * Unit tests of the extraction rules: names from self-introductions (and
 * the phrases that only look like one), phone normalization to E.164, phones
 * and emails in utterances with their owner, prompts, and the conversation
 * level (latest name, self contacts only, authentication attempts).
 */
#include <string.h>

#include "check.h"
#include "convtrack/extract.h"

static struct ct_extract_utterance utter(const char *text, unsigned asked)
{
	struct ct_extract_utterance u;

	CHECK(ct_extract_utterance(text, strlen(text), "263", asked, &u) == 0);
	return u;
}

static void name_is(const char *text, const char *want)
{
	struct ct_extract_utterance u = utter(text, 0);

	if (strcmp(u.name, want) != 0)
		fprintf(stderr, "name of \"%s\": got \"%s\", want \"%s\"\n",
			text, u.name, want);
	CHECK_STR(u.name, want);
}

static void test_names(void)
{
	/* Self-introductions, with and without case. */
	name_is("I'm Tendai", "Tendai");
	name_is("Hi, I'm Tendai.", "Tendai");
	name_is("my name is Sarah Moyo", "Sarah Moyo");
	name_is("My name is Sarah Moyo and I need help with my card.",
		"Sarah Moyo");
	name_is("Rudo here", "Rudo");
	name_is("Rudo here, I need my balance.", "Rudo");
	name_is("hello this is Tendai speaking", "Tendai");
	name_is("Hello, this is Chipo.", "Chipo");
	name_is("i'm tendai", "Tendai");
	name_is("hi i'm tendai moyo i want to check my balance", "Tendai Moyo");
	name_is("You can call me Tee.", "Tee");
	name_is("It's Tendai, I called earlier.", "Tendai");
	name_is("it's me, Farai", "Farai");
	name_is("I'm Mr Moyo", "Mr Moyo");
	name_is("I am Mai Chipo", "Mai Chipo");
	name_is("Mary-Jane here", "Mary-Jane");
	name_is("I'm O'Brien", "O'Brien");
	name_is("Good morning, Dr Ncube speaking.", "Dr Ncube");
	name_is("Yes, you are speaking to Tinotenda.", "Tinotenda");
	name_is("my names are tinashe, i want to know my balance", "Tinashe");
	name_is("Tendai is my name.", "Tendai");
	name_is("I'd like to be called Kuda.", "Kuda");
	name_is("MY NAME IS TENDAI MOYO", "Tendai Moyo");
	name_is("I'm Chipo and my number is 0712 345 678", "Chipo");
	/* Virtue names: a name when capitalized or after "my name is". */
	name_is("Hi, I'm Blessing.", "Blessing");
	name_is("I'm Precious Ncube from Bulawayo", "Precious Ncube");
	name_is("my name is precious", "Precious");
	name_is("i'm blessing", "");
	/* The latest introduction of a turn wins. */
	name_is("My name is Tendai Moyo, but call me Tee.", "Tee");

	/* Not introductions. */
	name_is("I'm going to be in Russia", "");
	name_is("I'm Going To Be In Russia", "");
	name_is("i'm going to be in russia next week", "");
	name_is("I'm having trouble with my card", "");
	name_is("I am not happy", "");
	name_is("this is ridiculous", "");
	name_is("This is ridiculous!", "");
	name_is("I am tired", "");
	name_is("i am hungry", "");
	name_is("call me back", "");
	name_is("call me tomorrow", "");
	name_is("Please call me at 5pm.", "");
	name_is("I'm from Harare", "");
	name_is("I'm Zimbabwean", "");
	name_is("i'm canadian", "");
	name_is("I'm okay thanks", "");
	name_is("this is Tendai's account", "");
	name_is("I'm Tendai's mother, she asked me to call.", "");
	name_is("My wife's name is Chipo.", "");
	name_is("my name is not on the account", "");
	name_is("My name is spelled wrong on my card.", "");
	name_is("i am a student", "");
	name_is("i'm diabetic", "");
	name_is("i'm stubborn", ""); /* words of the feeling lexicon */
	name_is("I'm Moody.", "");
	name_is("i'm downtown", "");
	name_is("i'm outta here!", "");
	name_is("it's nights", "");
	name_is("do you think my name is jeff", "");
	name_is("if i go by bus, how long will it take", "");
	name_is("I've waited an hour. This is Beijing, not a village.", "");
	name_is("Stuck here, the ATM took my card.", "");
	name_is("call me dad", "");
	name_is("please don't call me Tendai", "");
	name_is("", "");
}

static void e164_is(const char *raw, const char *want)
{
	char out[CT_EXTRACT_PHONE_LEN] = "unchanged";
	int rc = ct_extract_phone_normalize(raw, strlen(raw), "263", out);

	if (want) {
		if (rc != 0 || strcmp(out, want) != 0)
			fprintf(stderr,
				"normalize \"%s\": rc %d \"%s\", want \"%s\"\n",
				raw, rc, out, want);
		CHECK(rc == 0);
		CHECK_STR(out, want);
	} else {
		if (rc != -1)
			fprintf(stderr,
				"normalize \"%s\": accepted as \"%s\"\n", raw,
				out);
		CHECK(rc == -1);
		CHECK_STR(out, "unchanged");
	}
}

static void test_normalize(void)
{
	char out[CT_EXTRACT_PHONE_LEN];

	/* Local forms take the default country code. */
	e164_is("0771234567", "+263771234567");
	e164_is("077 123 4567", "+263771234567");
	e164_is("(077) 123-4567", "+263771234567");
	e164_is("077-123-4567", "+263771234567");
	e164_is("077.123.4567", "+263771234567");
	e164_is(" 0712 345 678 ", "+263712345678");
	e164_is("0242 123456", "+263242123456");
	/* International forms. */
	e164_is("+263 77 123 4567", "+263771234567");
	e164_is("+263771234567", "+263771234567");
	e164_is("00263771234567", "+263771234567");
	e164_is("263771234567", "+263771234567");
	e164_is("+263 (0) 77 123 4567", "+263771234567");
	e164_is("+263 0771234567", "+263771234567");
	e164_is("+27 82 123 4567", "+27821234567");
	e164_is("+44 20 7946 0958", "+442079460958");
	e164_is("+1 (202) 555-0143", "+12025550143");
	e164_is("+39 06 1234 5678", "+390612345678");
	e164_is("0044 20 7946 0958", "+442079460958");
	e164_is("(+263) 77 123 4567", "+263771234567");
	/* Not phone numbers. */
	e164_is("771234567", NULL); /* no trunk prefix, no code */
	e164_is("27821234567", NULL); /* bare, not the default code */
	e164_is("12345678", NULL);
	e164_is("100.50", NULL); /* amount */
	e164_is("0771.50", NULL); /* decimal */
	e164_is("05-01-2024", NULL); /* date */
	e164_is("2024.01.05", NULL); /* date */
	e164_is("10:30", NULL); /* time */
	e164_is("4111 1111 1111 1111", NULL); /* card, 16 digits */
	e164_is("*236#", NULL); /* USSD */
	e164_is("07712345678901", NULL); /* too long for +263 */
	e164_is("077123", NULL); /* too short */
	e164_is("+999 123 456 789", NULL); /* no such country code */
	e164_is("+263 77 123 4567 89", NULL); /* national number too long */
	e164_is("0000000000", NULL);
	e164_is("+", NULL);
	e164_is("", NULL);
	e164_is("077 123 4567 ext", NULL);
	e164_is("(077 123 4567", NULL);
	/* The default country code: none, or malformed. */
	CHECK(ct_extract_phone_normalize("0771234567", 10, NULL, out) == -1);
	CHECK(ct_extract_phone_normalize("+263771234567", 13, NULL, out) == 0);
	CHECK_STR(out, "+263771234567");
	CHECK(ct_extract_phone_normalize("0821234567", 10, "27", out) == 0);
	CHECK_STR(out, "+27821234567");
	CHECK(ct_extract_phone_normalize("0771234567", 10, "+263", out) == -1);
	CHECK(ct_extract_phone_normalize("0771234567", 10, "2633", out) == -1);
}

/* Checks the phones of an utterance: want is "E164/owner ..." or "". */
static void phones_are(const char *text, unsigned asked, const char *want)
{
	struct ct_extract_utterance u = utter(text, asked);
	static const char owners[] = { 'n', 's', 'o' };
	char got[256] = "";
	size_t k, o = 0;

	for (k = 0; k < u.n_phones; k++)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s/%c",
				      k ? " " : "", u.phones[k].e164,
				      owners[u.phones[k].owner]);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "phones of \"%s\": got \"%s\", want \"%s\"\n",
			text, got, want);
	CHECK_STR(got, want);
}

static void test_phones(void)
{
	/* Self-identifying. */
	phones_are("my number is 0771234567", 0, "+263771234567/s");
	phones_are("My number is 077 123 4567.", 0, "+263771234567/s");
	phones_are("you can reach me on +263 77 123 4567", 0,
		   "+263771234567/s");
	phones_are("please call me on (077) 123-4567", 0, "+263771234567/s");
	phones_are("my cell is 0712345678", 0, "+263712345678/s");
	phones_are("My new Ecocash number is 0783 456 789", 0,
		   "+263783456789/s");
	phones_are("0771234567 is my number", 0, "+263771234567/s");
	phones_are("text me at 00263771234567", 0, "+263771234567/s");
	phones_are("my number is (+263) 77 123 4567", 0, "+263771234567/s");
	phones_are("I'm on 0771234567 if you need me", 0, "+263771234567/s");
	phones_are(
		"my number is zero seven seven one two three four five six seven",
		0, "+263771234567/s");
	phones_are("it's oh seven seven double one two three four five six", 0,
		   "+263771123456/n");
	/* For someone else, or nobody in particular. */
	phones_are("send it to my brother on 0772345678", 0, "+263772345678/o");
	phones_are("my wife's number is 0772345678", 0, "+263772345678/o");
	phones_are("I want to send $20 to 0772345678", 0, "+263772345678/o");
	phones_are("her number is 0772345678", 0, "+263772345678/o");
	phones_are("0772345678 keeps calling me", 0, "+263772345678/n");
	phones_are("my number is 0771234567 and my wife's is 0772345678", 0,
		   "+263771234567/s +263772345678/o");
	phones_are("My sister's number is 0772345678, mine is 0771234567.", 0,
		   "+263772345678/o +263771234567/s");
	/* A bare number answering "what is your number?" is the caller's. */
	phones_are("0771234567", CT_EXTRACT_ASK_PHONE, "+263771234567/s");
	phones_are("it's 077 123 4567", CT_EXTRACT_ASK_PHONE,
		   "+263771234567/s");
	phones_are("use my husband's, 0772345678", CT_EXTRACT_ASK_PHONE,
		   "+263772345678/o");
	/* Repeated numbers count once, in order of mention. */
	phones_are("0771234567, I repeat, 077 123 4567", 0, "+263771234567/n");
	phones_are("call 0771234567 or 0772345678", 0,
		   "+263771234567/n +263772345678/n");
	/* Not phones. */
	phones_are("dial *236# to check your balance", 0, "");
	phones_are("dial *151*2*1# then 1", 0, "");
	phones_are("I paid $100.50 on 05-01-2024 at 10:30", 0, "");
	phones_are("I was charged USD 0771234567", 0, "");
	phones_are("my card number is 4111 1111 1111 1111", 0, "");
	phones_are("my card is 4111111111111111", 0, "");
	phones_are("my account number is 0123456789", 0, "");
	phones_are("reference 0771234567", 0, "");
	phones_are("I sent 1,000,000 yesterday", 0, "");
	phones_are("it cost 20000 and then 35000", 0, "");
	phones_are("between 2019-2020 I paid 150000", 0, "");
	phones_are("my ID is 63-123456 A 12", 0, "");
	phones_are("the code was 123456", 0, "");
}

static void test_emails(void)
{
	struct ct_extract_utterance u;

	u = utter("my email is Tendai.Moyo@Gmail.com.", 0);
	CHECK(u.n_emails == 1);
	CHECK_STR(u.emails[0].addr, "tendai.moyo@gmail.com");
	CHECK(u.emails[0].owner == CT_EXTRACT_OWNER_SELF);

	u = utter("my email is tendai dot moyo at gmail dot com", 0);
	CHECK(u.n_emails == 1);
	CHECK_STR(u.emails[0].addr, "tendai.moyo@gmail.com");
	CHECK(u.emails[0].owner == CT_EXTRACT_OWNER_SELF);

	u = utter("email me at farai_c at yahoo dot co dot uk please", 0);
	CHECK(u.n_emails == 1);
	CHECK_STR(u.emails[0].addr, "farai_c@yahoo.co.uk");
	CHECK(u.emails[0].owner == CT_EXTRACT_OWNER_SELF);

	u = utter("send the statement to my brother at rudo@example.co.zw", 0);
	CHECK(u.n_emails == 1);
	CHECK_STR(u.emails[0].addr, "rudo@example.co.zw");
	CHECK(u.emails[0].owner == CT_EXTRACT_OWNER_OTHER);

	u = utter("chipo99@mail.com", CT_EXTRACT_ASK_EMAIL);
	CHECK(u.n_emails == 1);
	CHECK(u.emails[0].owner == CT_EXTRACT_OWNER_SELF);

	/* Spoken addresses need an email cue; "at" alone is a preposition. */
	u = utter("I was at home dot com is a website", 0);
	CHECK(u.n_emails == 0);
	u = utter("not an address: a@b, x@y.1, @gmail.com, me@.com, tendai@",
		  0);
	CHECK(u.n_emails == 0);
	u = utter("I'm at the branch at town", 0);
	CHECK(u.n_emails == 0);
}

static void test_prompts(void)
{
	const char *p;

	p = "Welcome! May I have your name, please?";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) == CT_EXTRACT_ASK_NAME);
	p = "What is your phone number?";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) == CT_EXTRACT_ASK_PHONE);
	p = "Please tell me your email address.";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) == CT_EXTRACT_ASK_EMAIL);
	p = "To verify your identity, please enter your PIN.";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) ==
	      CT_EXTRACT_ASK_CREDENTIAL);
	p = "What is your account number?";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) ==
	      CT_EXTRACT_ASK_CREDENTIAL);
	p = "Remember: never share your PIN or OTP with anyone.";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) == 0);
	p = "Dial *236# and follow the prompts.";
	CHECK(ct_extract_prompt_asks(p, strlen(p)) == 0);
	CHECK(ct_extract_prompt_asks(NULL, 0) == 0);
}

static void test_utterance_auth(void)
{
	CHECK(utter("I want to log in", 0).auth_attempt);
	CHECK(utter("can you verify my identity please", 0).auth_attempt);
	CHECK(utter("my account number is 1234567890", 0).auth_attempt);
	CHECK(utter("my ID is 63-123456 A 12", 0).auth_attempt);
	CHECK(utter("63123456A12", 0).auth_attempt);
	CHECK(utter("the OTP is 482913", 0).auth_attempt);
	CHECK(utter("1234", CT_EXTRACT_ASK_CREDENTIAL).auth_attempt);
	CHECK(utter("one two three four", CT_EXTRACT_ASK_CREDENTIAL)
		      .auth_attempt);

	CHECK(!utter("I can't log in to the app", 0).auth_attempt);
	CHECK(!utter("how do I log in to internet banking?", 0).auth_attempt);
	CHECK(!utter("I forgot my PIN", 0).auth_attempt);
	CHECK(!utter("my account was debited 5000 twice", 0).auth_attempt);
	CHECK(!utter("send 500 to account 1234567890", 0).auth_attempt);
	CHECK(!utter("my brother's account number is 1234567890", 0)
		       .auth_attempt);
	CHECK(!utter("I forgot it", CT_EXTRACT_ASK_CREDENTIAL).auth_attempt);
	CHECK(!utter("1234", 0).auth_attempt);
}

static void test_conversation(void)
{
	struct ct_extract_info info;
	static const struct {
		enum ct_text_speaker speaker;
		const char *text;
	} conv[] = {
		{ CT_SPEAKER_ASSISTANT, "Hello, how can I help you today?" },
		{ CT_SPEAKER_USER,
		  "Hi, I'm Tendai. I'm having trouble with my card." },
		{ CT_SPEAKER_ASSISTANT,
		  "Sorry to hear that. What's your phone number?" },
		{ CT_SPEAKER_USER, "0771234567" },
		{ CT_SPEAKER_USER, "and my brother's is 0772345678" },
		{ CT_SPEAKER_OTHER, "tool: lookup done" },
		{ CT_SPEAKER_USER,
		  "You can also reach me on +263 77 123 4567 or 0712 345 678." },
		{ CT_SPEAKER_USER,
		  "Actually, call me Tee. My email is tee@example.com" },
		{ CT_SPEAKER_ASSISTANT,
		  "Thanks Tee. Please say your PIN to verify." },
		{ CT_SPEAKER_USER, "Hold on." },
		{ CT_SPEAKER_USER, "It's 4 3 2 1" },
	};
	struct ct_turn turns[sizeof(conv) / sizeof(conv[0])];
	size_t i, n = sizeof(conv) / sizeof(conv[0]);

	for (i = 0; i < n; i++) {
		turns[i].speaker = conv[i].speaker;
		turns[i].text = conv[i].text;
		turns[i].len = strlen(conv[i].text);
	}
	CHECK(ct_extract_conversation(turns, n, "263", &info) == 0);
	CHECK_STR(info.user_name, "Tee");
	CHECK(info.n_phones == 2);
	CHECK_STR(info.phones[0], "+263771234567");
	CHECK_STR(info.phones[1], "+263712345678");
	CHECK(info.n_emails == 1);
	CHECK_STR(info.emails[0], "tee@example.com");
	CHECK(info.authentication_attempted);

	/* Without the PIN answer there is no attempt. */
	CHECK(ct_extract_conversation(turns, n - 2, "263", &info) == 0);
	CHECK(!info.authentication_attempted);

	/* A name given as a bare answer to the assistant's question. */
	turns[0].text = "Welcome to the bank. May I have your name?";
	turns[0].len = strlen(turns[0].text);
	turns[1].text = "Rutendo Sibanda";
	turns[1].len = strlen(turns[1].text);
	CHECK(ct_extract_conversation(turns, 2, "263", &info) == 0);
	CHECK_STR(info.user_name, "Rutendo Sibanda");
	turns[1].text = "why do you need it?";
	turns[1].len = strlen(turns[1].text);
	CHECK(ct_extract_conversation(turns, 2, "263", &info) == 0);
	CHECK_STR(info.user_name, "");
	/* The same bare words without the question are no name. */
	turns[0].text = "How can I help?";
	turns[0].len = strlen(turns[0].text);
	turns[1].text = "Rutendo Sibanda";
	turns[1].len = strlen(turns[1].text);
	CHECK(ct_extract_conversation(turns, 2, "263", &info) == 0);
	CHECK_STR(info.user_name, "");

	/* A warning about the PIN asks for nothing. */
	turns[0].text = "Never share your PIN with anyone.";
	turns[0].len = strlen(turns[0].text);
	turns[1].text = "ok 1234 got it";
	turns[1].len = strlen(turns[1].text);
	CHECK(ct_extract_conversation(turns, 2, "263", &info) == 0);
	CHECK(!info.authentication_attempted);

	/* Empty conversations and a bad country code. */
	CHECK(ct_extract_conversation(NULL, 0, "263", &info) == 0);
	CHECK_STR(info.user_name, "");
	CHECK(info.n_phones == 0 && info.n_emails == 0);
	CHECK(ct_extract_conversation(turns, 2, "x", &info) == -1);
}

static void test_limits(void)
{
	struct ct_extract_utterance u;
	static char big[70000];
	size_t i;

	/* At most CT_EXTRACT_ITEMS_MAX phones, the first ones. */
	u = utter(
		"my numbers are 0771111111, 0772222222, 0773333333, 0774444444, 0775555555",
		0);
	CHECK(u.n_phones == CT_EXTRACT_ITEMS_MAX);
	CHECK_STR(u.phones[0].e164, "+263771111111");

	/* Long names are cut at a word boundary. */
	u = utter(
		"My name is Tendaitendaitendaitendai Moyomoyomoyomoyomoyo Ncubencubencubencube",
		0);
	CHECK(strlen(u.name) < CT_EXTRACT_NAME_LEN);
	CHECK(strncmp(u.name, "Tendaitendaitendaitendai Moyomoyomoyomoyomoyo",
		      46) == 0);

	/* NULL and huge inputs. */
	CHECK(ct_extract_utterance(NULL, 0, "263", 0, &u) == 0);
	CHECK(u.name[0] == '\0' && u.n_phones == 0);
	CHECK(ct_extract_utterance("0771234567", 10, "26a", 0, &u) == -1);
	for (i = 0; i + 14 < sizeof(big); i += 14)
		memcpy(big + i, "i'm tired 07 ", 13), big[i + 13] = ' ';
	CHECK(ct_extract_utterance(big, sizeof(big) - 1, "263", 0, &u) == 0);
	CHECK(u.name[0] == '\0');
}

int main(void)
{
	test_names();
	test_normalize();
	test_phones();
	test_emails();
	test_prompts();
	test_utterance_auth();
	test_conversation();
	test_limits();
	return ct_check_done();
}
