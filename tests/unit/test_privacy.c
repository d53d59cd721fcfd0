/*
 * Unit tests of redaction wired into the worker: the redact.* settings,
 * building the redactor (the missing-key rule), redacting events, dead-letter
 * payloads and log lines (convtrack/privacy.h), the quick check of
 * convtrack/redact.h, and extraction reading placeholders
 * (convtrack/extract.h).
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "convtrack/config.h"
#include "convtrack/extract.h"
#include "convtrack/privacy.h"

static const char *const redact_env[] = {
	"CONVTRACK_REDACT_ENABLED", "CONVTRACK_REDACT_EMAIL_MODE",
	"CONVTRACK_REDACT_PHONE_MODE", "CONVTRACK_REDACT_HASH_KEY",
	"CONVTRACK_REDACT_DEAD_LETTER", "CONVTRACK_REDACT_DEFAULT_PATTERNS",
	"CONVTRACK_REDACT_ACCOUNT_PATTERNS", "CONVTRACK_REDACT_ID_PATTERNS",
};

#define KEY "unit-test-key-0123456789"

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(redact_env) / sizeof(redact_env[0]); i++)
		unsetenv(redact_env[i]);
}

/* The configuration with the given environment (NULL-terminated pairs). */
static struct ct_config *load(const char *const *kv, char *err, size_t errlen)
{
	struct ct_config *cfg = NULL;

	clear_env();
	for (; kv && kv[0]; kv += 2)
		setenv(kv[0], kv[1], 1);
	if (ct_config_load(NULL, &cfg, err, errlen) != 0)
		cfg = NULL;
	clear_env();
	return cfg;
}

static struct ct_redact *redactor(const char *const *kv)
{
	struct ct_config *cfg;
	struct ct_redact *r = NULL;
	char err[256];

	cfg = load(kv, err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg && ct_privacy_redactor_new(cfg, true, &r, NULL, err,
					   sizeof(err)) != 0)
		fprintf(stderr, "redactor: %s\n", err);
	ct_config_free(cfg);
	return r;
}

static void test_settings(void)
{
	static const char *const ok[] = {
		"CONVTRACK_REDACT_ENABLED", "false",
		"CONVTRACK_REDACT_EMAIL_MODE", "keep",
		"CONVTRACK_REDACT_PHONE_MODE", "remove",
		"CONVTRACK_REDACT_DEAD_LETTER", "1", NULL };
	static const char *const bad_mode[] = {
		"CONVTRACK_REDACT_EMAIL_MODE", "hashed", NULL };
	static const char *const bad_bool[] = {
		"CONVTRACK_REDACT_ENABLED", "yes please", NULL };
	static const char *const short_key[] = {
		"CONVTRACK_REDACT_HASH_KEY", "short", NULL };
	static const char *const key[] = { "CONVTRACK_REDACT_HASH_KEY", KEY, NULL };
	struct ct_config *cfg;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *out;

	cfg = load(NULL, err, sizeof(err));
	CHECK(cfg && cfg->redact_enabled == 1 && !cfg->redact_dead_letter &&
	      cfg->redact_default_patterns == 1 && !cfg->redact_hash_key);
	CHECK(cfg && strcmp(cfg->redact_email_mode, "hash") == 0 &&
	      strcmp(cfg->redact_phone_mode, "hash") == 0);
	ct_config_free(cfg);

	cfg = load(ok, err, sizeof(err));
	CHECK(cfg && cfg->redact_enabled == 0 && cfg->redact_dead_letter == 1);
	CHECK(cfg && strcmp(cfg->redact_email_mode, "keep") == 0 &&
	      strcmp(cfg->redact_phone_mode, "remove") == 0);
	ct_config_free(cfg);

	CHECK(load(bad_mode, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "redact.email_mode") != NULL);
	CHECK(load(bad_bool, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "redact.enabled") != NULL);
	CHECK(load(short_key, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "redact.hash_key") != NULL);

	/* the key is a secret: masked when printed */
	cfg = load(key, err, sizeof(err));
	out = open_memstream(&buf, &len);
	CHECK(cfg && out);
	if (cfg && out) {
		ct_config_print(cfg, out);
		fclose(out);
		CHECK(strstr(buf, KEY) == NULL);
		CHECK(strstr(buf, "hash_key = \"********\"") != NULL);
		CHECK(strstr(buf, "dead_letter = false;") != NULL);
	}
	free(buf);
	ct_config_free(cfg);
}

static void test_missing_key(void)
{
	struct ct_config *cfg;
	struct ct_redact *r = NULL;
	char err[256] = "";
	bool demo = false;
	static const char *const keep[] = {
		"CONVTRACK_REDACT_EMAIL_MODE", "keep",
		"CONVTRACK_REDACT_PHONE_MODE", "remove", NULL };
	static const char *const off[] = { "CONVTRACK_REDACT_ENABLED", "false",
					   NULL };

	cfg = load(NULL, err, sizeof(err));
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	/* a configuration file (production) in hash mode needs a key */
	CHECK(ct_privacy_redactor_new(cfg, true, &r, &demo, err, sizeof(err)) == -1);
	CHECK(r == NULL && strstr(err, "redact.hash_key") != NULL);
	/* the embedded default uses the public demo key and says so */
	CHECK(ct_privacy_redactor_new(cfg, false, &r, &demo, err, sizeof(err)) == 0);
	CHECK(r != NULL && demo);
	ct_redact_free(r);
	ct_config_free(cfg);

	/* no hashing: no key needed */
	cfg = load(keep, err, sizeof(err));
	CHECK(cfg && ct_privacy_redactor_new(cfg, true, &r, &demo, err,
					     sizeof(err)) == 0);
	CHECK(r != NULL && !demo);
	ct_redact_free(r);
	ct_config_free(cfg);

	/* redaction off: no redactor at all */
	cfg = load(off, err, sizeof(err));
	r = (struct ct_redact *)&demo; /* must be reset */
	CHECK(cfg && ct_privacy_redactor_new(cfg, true, &r, NULL, err,
					     sizeof(err)) == 0);
	CHECK(r == NULL);
	ct_config_free(cfg);
}

static void test_patterns(void)
{
	static const char *const pats[] = {
		"CONVTRACK_REDACT_HASH_KEY", KEY,
		"CONVTRACK_REDACT_ACCOUNT_PATTERNS", " \\ACC-D{8} ; cued:D{5} ",
		NULL };
	static const char *const bad[] = {
		"CONVTRACK_REDACT_HASH_KEY", KEY,
		"CONVTRACK_REDACT_ID_PATTERNS", "D{99", NULL };
	struct ct_config *cfg;
	struct ct_redact *r = redactor(pats), *r2 = NULL;
	struct ct_redact_result res;
	char err[256];

	CHECK(r != NULL);
	if (r && ct_redact_text(r, "ref ACC-12345678 ok", 19, &res) == 0) {
		CHECK_STR(res.text, "ref [ACCOUNT] ok");
		ct_redact_result_clear(&res);
	}
	ct_redact_free(r);
	cfg = load(bad, err, sizeof(err));
	CHECK(cfg != NULL);
	CHECK(cfg && ct_privacy_redactor_new(cfg, true, &r2, NULL, err,
					     sizeof(err)) == -1);
	CHECK(strstr(err, "redact.id_patterns") != NULL);
	ct_config_free(cfg);
}

/* A message event with content text (owned by the event). */
static void message(struct ct_event *ev, const char *text)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = CT_EVENT_MESSAGE;
	ev->u.message.content = strdup(text);
	ev->u.message.content_len = strlen(text);
}

static long num(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(obj, path, yajl_t_number);

	return v ? (long)YAJL_GET_INTEGER(v) : -1;
}

static void test_event(void)
{
	static const char *const key[] = { "CONVTRACK_REDACT_HASH_KEY", KEY, NULL };
	static const char *const keep[] = { "CONVTRACK_REDACT_HASH_KEY", KEY,
					    "CONVTRACK_REDACT_PHONE_MODE", "keep",
					    NULL };
	const char *text = "My card is 4111 1111 1111 1111, PIN is 4321.";
	struct ct_privacy_stats st = { 0 };
	struct ct_redact *r = redactor(key), *rk = redactor(keep);
	struct ct_event ev;
	char h[CT_REDACT_HASH_LEN];
	yajl_val spans;

	CHECK(r && rk);
	if (!r || !rk)
		goto out;
	message(&ev, text);
	CHECK(ct_privacy_event(r, &ev, &st) == 0);
	CHECK_STR(ev.u.message.content, "My card is [CARD], PIN is [PIN].");
	CHECK(ev.u.message.content_len == strlen(ev.u.message.content));
	CHECK(st.messages == 1 && st.spans[CT_REDACT_TYPE_CARD] == 1 &&
	      st.spans[CT_REDACT_TYPE_PIN] == 1);
	spans = ev.u.message.redactions ?
		yajl_tree_parse(ev.u.message.redactions, NULL, 0) : NULL;
	CHECK(spans && YAJL_IS_ARRAY(spans) && spans->u.array.len == 2);
	if (spans && YAJL_IS_ARRAY(spans) && spans->u.array.len == 2) {
		yajl_val a = spans->u.array.values[0], b = spans->u.array.values[1];

		/* offsets of the values sent, and of the placeholders stored */
		CHECK(num(a, "start") == 11 && num(a, "end") == 30);
		CHECK(strncmp(text + num(b, "start"), "4321", 4) == 0);
		CHECK(strncmp(ev.u.message.content + num(a, "stored_start"),
			      "[CARD]", 6) == 0 && num(a, "stored_end") == 17);
		CHECK(strncmp(ev.u.message.content + num(b, "stored_start"),
			      "[PIN]", 5) == 0);
		CHECK(strstr(ev.u.message.redactions, "4321") == NULL);
	}
	yajl_tree_free(spans);
	ct_event_clear(&ev);

	/* nothing to redact: untouched, no spans */
	message(&ev, "What is my balance?");
	CHECK(ct_privacy_event(r, &ev, &st) == 0);
	CHECK_STR(ev.u.message.content, "What is my balance?");
	CHECK(ev.u.message.redactions == NULL && st.messages == 1);
	ct_event_clear(&ev);

	/* hash mode: the placeholder carries ct_redact_hash of the number */
	message(&ev, "call me on 0771 234 567");
	CHECK(ct_privacy_event(r, &ev, NULL) == 0);
	CHECK(ct_redact_hash(r, "phone", "+263771234567", h) == 0);
	CHECK(strstr(ev.u.message.content, h) != NULL);
	ct_event_clear(&ev);
	/* keep mode: the number stays */
	message(&ev, "call me on 0771 234 567");
	CHECK(ct_privacy_event(rk, &ev, NULL) == 0);
	CHECK_STR(ev.u.message.content, "call me on 0771 234 567");
	ct_event_clear(&ev);

	/* an authenticated event gets the hashes recognition compares */
	memset(&ev, 0, sizeof(ev));
	ev.type = CT_EVENT_AUTHENTICATED;
	ev.u.auth.phone_number = strdup("+263 77 123 4567");
	ev.u.auth.email = strdup(" Tendai@Example.org");
	CHECK(ct_privacy_event(r, &ev, NULL) == 0);
	CHECK_STR(ev.u.auth.phone_hash, h);
	CHECK(ct_redact_hash(r, "email", "tendai@example.org", h) == 0);
	CHECK_STR(ev.u.auth.email_hash, h);
	free(ev.u.auth.email);
	ev.u.auth.email = strdup("not an email");
	CHECK(ct_privacy_event(r, &ev, NULL) == 0);
	CHECK_STR(ev.u.auth.email_hash, "");
	ct_event_clear(&ev);

	/* no redactor: nothing happens */
	message(&ev, text);
	CHECK(ct_privacy_event(NULL, &ev, NULL) == 0);
	CHECK_STR(ev.u.message.content, text);
	ct_event_clear(&ev);
out:
	ct_redact_free(r);
	ct_redact_free(rk);
}

static void test_payload(void)
{
	static const char *const key[] = { "CONVTRACK_REDACT_HASH_KEY", KEY, NULL };
	static const char json[] =
		"{\"event_id\":\"0b1e4a52-3c1d-4d7e-9a55-1f0d3c6b7a10\","
		"\"role\":\"narrator\",\"content\":\"my pin is 4321\","
		"\"n\":4111111111111111,\"seq\":3,\"ok\":true,\"x\":null,"
		"\"list\":[\"card 4111 1111 1111 1111\"]}";
	static const char text[] = "not json: my pin is 4321";
	struct ct_redact *r = redactor(key);
	size_t len = 0;
	char *out = NULL;
	yajl_val doc;

	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(ct_privacy_payload(r, json, strlen(json), &out, &len) == 0);
	CHECK(out && len == strlen(out));
	doc = out ? yajl_tree_parse(out, NULL, 0) : NULL;
	CHECK(doc != NULL); /* still JSON */
	CHECK(out && strstr(out, "4321") == NULL && strstr(out, "4111") == NULL);
	CHECK(out && strstr(out, "\"content\":\"my pin is [PIN]\"") != NULL);
	CHECK(out && strstr(out, "\"n\":\"[CARD]\"") != NULL);
	CHECK(out && strstr(out, "\"seq\":3,\"ok\":true,\"x\":null") != NULL);
	CHECK(out && strstr(out, "0b1e4a52-3c1d-4d7e-9a55-1f0d3c6b7a10") != NULL);
	yajl_tree_free(doc);
	free(out);
	CHECK(ct_privacy_payload(r, text, strlen(text), &out, &len) == 0);
	CHECK(out && strcmp(out, "not json: my pin is [PIN]") == 0);
	free(out);
	ct_redact_free(r);
}

static void test_log_filter(void)
{
	static const char *const key[] = { "CONVTRACK_REDACT_HASH_KEY", KEY, NULL };
	struct ct_redact *r = redactor(key);
	char line[128];

	CHECK(r != NULL);
	snprintf(line, sizeof(line), "rejected: value \"4111111111111111\"");
	ct_privacy_log_filter(r, line, sizeof(line));
	CHECK_STR(line, "rejected: value \"[CARD]\"");
	snprintf(line, sizeof(line), "batch of 12: 12 applied");
	ct_privacy_log_filter(r, line, sizeof(line));
	CHECK_STR(line, "batch of 12: 12 applied");
	ct_privacy_log_filter(NULL, line, sizeof(line));
	CHECK_STR(line, "batch of 12: 12 applied");
	ct_redact_free(r);
}

static void test_quick_check(void)
{
	static const char *const key[] = { "CONVTRACK_REDACT_HASH_KEY", KEY, NULL };
	static const char *const letters[] = {
		"CONVTRACK_REDACT_HASH_KEY", KEY,
		"CONVTRACK_REDACT_ACCOUNT_PATTERNS", "LLLL\\-LLLL", NULL };
	struct ct_redact *r = redactor(key), *rl = redactor(letters);
	const char *no[] = { "What is my balance?", "How do I dial the code?",
			     "one card please", "" };
	const char *yes[] = { "my pin is 4321", "mail a@b.co",
			      "my password is sunshine.", "pwd hunter",
			      "four three two one", "double seven nine",
			      "PIN oh four", "Passphrase please" };
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!ct_redact_may_match(r, no[i], strlen(no[i])));
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(ct_redact_may_match(r, yes[i], strlen(yes[i])));
	/* a letters-only pattern turns the quick check off */
	CHECK(ct_redact_may_match(rl, no[0], strlen(no[0])));
	CHECK(ct_redact_may_match(NULL, no[0], strlen(no[0])));
	ct_redact_free(r);
	ct_redact_free(rl);
}

/* Extracts from text (with "%s" replaced by a hash) into u. */
static void utter(const char *fmt, unsigned asked, struct ct_extract_utterance *u)
{
	char text[160];

	snprintf(text, sizeof(text), fmt, "0123456789abcdef");
	CHECK(ct_extract_utterance(text, strlen(text), "263", asked, u) == 0);
}

static void test_extract_placeholders(void)
{
	static const char *const h = "0123456789abcdef";
	static const struct {
		const char *text;
		unsigned asked;
		bool attempt;
	} creds[] = {
		{ "my pin is [PIN]", 0, true },
		{ "my ID is [ID_NUMBER]", 0, true },
		{ "yes it is [OTP]", CT_EXTRACT_ASK_CREDENTIAL, true },
		{ "my card number is [CARD]", 0, true },
		{ "the balance is wrong", 0, false },
	};
	struct ct_extract_utterance u;
	size_t i;

	utter("Hi, you can reach me on [PHONE:%s].", 0, &u);
	CHECK(u.n_phones == 1 && u.phones[0].owner == CT_EXTRACT_OWNER_SELF);
	CHECK_STR(u.phones[0].e164, h);
	utter("Send it to my brother on [PHONE:%s].", 0, &u);
	CHECK(u.n_phones == 1 && u.phones[0].owner != CT_EXTRACT_OWNER_SELF);
	utter("my email is [EMAIL:%s]", 0, &u);
	CHECK(u.n_emails == 1 && u.emails[0].owner == CT_EXTRACT_OWNER_SELF);
	CHECK_STR(u.emails[0].addr, h);
	/* removed contacts and malformed placeholders are no mention */
	utter("reach me on [PHONE] or [PHONE:12] or [phone:%s]", 0, &u);
	CHECK(u.n_phones == 0);
	/* a redacted credential is a credential given */
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		utter(creds[i].text, creds[i].asked, &u);
		CHECK(u.auth_attempt == creds[i].attempt);
	}
}

int main(void)
{
	test_settings();
	test_missing_key();
	test_patterns();
	test_event();
	test_payload();
	test_log_filter();
	test_quick_check();
	test_extract_placeholders();
	return ct_check_done();
}
