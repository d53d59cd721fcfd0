/*
 * Fuzz target: the redactor (convtrack/redact.h) over arbitrary bytes, and
 * the worker's three uses of it (convtrack/privacy.h): message text, log
 * lines redacted in place, dead-letter payloads redacted as JSON.
 *
 * Input: one byte of options, then the text.  The options byte picks one
 * of the prebuilt redactors (email and phone hashed, kept or removed, with
 * and without a default country code), and its top bits pick the path:
 *   0  ct_redact_text() on all of the text, ct_redact_may_match() and the
 *      two ct_redact_hash() kinds on it;
 *   1  ct_redact_reply(): the text up to the first newline is the
 *      assistant's prompt, the rest the caller's answer;
 *   2  an extra pattern of the pattern language (redact.*_patterns in the
 *      configuration): the text up to the first newline is the pattern,
 *      checked with ct_redact_pattern_valid() and, when valid, compiled
 *      into a redactor that redacts the rest;
 *   3  ct_privacy_payload() (a dead-letter payload) and
 *      ct_privacy_log_filter() (a log line in a fixed buffer).
 *
 * Besides the sanitizers it checks the result's contract: spans in order,
 * not overlapping, inside the text, not splitting a UTF-8 character; the
 * redacted text NUL-terminated at len.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/codec.h"
#include "convtrack/log.h"
#include "convtrack/privacy.h"
#include "convtrack/redact.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_KEY "fuzz-redact-key-0123456789abcdef"

/* email mode, phone mode, default country code */
static const struct {
	enum ct_redact_mode email, phone;
	const char *cc;
} variants[] = {
	{ CT_REDACT_HASH, CT_REDACT_HASH, "263" },
	{ CT_REDACT_REMOVE, CT_REDACT_REMOVE, "1" },
	{ CT_REDACT_KEEP, CT_REDACT_HASH, NULL },
	{ CT_REDACT_HASH, CT_REDACT_KEEP, "44" },
};

#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static struct ct_redact *redactors[NVARIANTS];

static void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_redact: %s\n", what);
	abort();
}

static void fuzz_options(struct ct_redact_options *opt, size_t v)
{
	ct_redact_options_init(opt);
	opt->email_mode = variants[v].email;
	opt->phone_mode = variants[v].phone;
	opt->default_cc = variants[v].cc;
	opt->hash_key = (const unsigned char *)FUZZ_KEY;
	opt->hash_key_len = strlen(FUZZ_KEY);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ct_redact_options opt;
	size_t v;

	(void)argc;
	(void)argv;
	ct_log_set_level(CT_LOG_ERROR);
	for (v = 0; v < NVARIANTS; v++) {
		fuzz_options(&opt, v);
		if (ct_redact_new(&opt, &redactors[v]) != 0)
			fuzz_fail("cannot build the redactors");
	}
	return 0;
}

/* What convtrack/redact.h promises of a result over text[0..len). */
static void fuzz_check(const char *text, size_t len,
		       const struct ct_redact_result *res)
{
	bool utf8 = ct_utf8_valid((const unsigned char *)text, len);
	size_t i, prev_end = 0;

	if (!res->text || res->text[res->len] != '\0')
		fuzz_fail("redacted text not NUL-terminated at len");
	for (i = 0; i < res->n_spans; i++) {
		const struct ct_redact_span *sp = &res->spans[i];

		if (sp->start >= sp->end || sp->end > len)
			fuzz_fail("span outside the text or empty");
		if (sp->start < prev_end)
			fuzz_fail("spans out of order or overlapping");
		if ((unsigned)sp->type >= CT_REDACT_TYPE_COUNT)
			fuzz_fail("span of no type");
		if (utf8 && ((text[sp->start] & 0xC0) == 0x80 ||
			     (sp->end < len && (text[sp->end] & 0xC0) == 0x80)))
			fuzz_fail("span splits a UTF-8 character");
		prev_end = sp->end;
	}
}

static void fuzz_text(const struct ct_redact *r, const char *text, size_t len)
{
	struct ct_redact_result res;
	char hash[CT_REDACT_HASH_LEN];
	char *z;

	(void)ct_redact_may_match(r, text, len);
	if (ct_redact_text(r, text, len, &res) != 0)
		fuzz_fail("ct_redact_text failed");
	fuzz_check(text, len, &res);
	ct_redact_result_clear(&res);
	/* a profile's stored phone or email, hashed for recognition */
	z = malloc(len + 1);
	if (!z)
		return;
	memcpy(z, text, len);
	z[len] = '\0';
	(void)ct_redact_hash(r, "phone", z, hash);
	(void)ct_redact_hash(r, "email", z, hash);
	free(z);
}

static void fuzz_reply(const struct ct_redact *r, const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);
	size_t plen = nl ? (size_t)(nl - text) : 0;
	const char *answer = nl ? nl + 1 : text;
	size_t alen = len - (size_t)(answer - text);
	struct ct_redact_result res;

	if (ct_redact_reply(r, nl ? text : NULL, plen, answer, alen, &res) != 0)
		fuzz_fail("ct_redact_reply failed");
	fuzz_check(answer, alen, &res);
	ct_redact_result_clear(&res);
}

static void fuzz_pattern(size_t v, uint8_t sel, const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);
	struct ct_redact_pattern pat;
	struct ct_redact_options opt;
	struct ct_redact *r = NULL;
	char pattern[CT_REDACT_PATTERN_MAX + 2];
	size_t plen;

	if (!nl || (size_t)(nl - text) > CT_REDACT_PATTERN_MAX + 1)
		return;
	plen = (size_t)(nl - text);
	memcpy(pattern, text, plen);
	pattern[plen] = '\0';
	if (!ct_redact_pattern_valid(pattern))
		return;
	fuzz_options(&opt, v);
	pat.type = sel & 1 ? CT_REDACT_TYPE_ID_NUMBER : CT_REDACT_TYPE_ACCOUNT;
	pat.pattern = pattern;
	pat.cued = sel & 2;
	opt.patterns = &pat;
	opt.n_patterns = 1;
	opt.no_default_patterns = sel & 4;
	if (ct_redact_new(&opt, &r) != 0)
		fuzz_fail("a valid pattern that does not compile");
	fuzz_text(r, nl + 1, len - plen - 1);
	ct_redact_free(r);
}

static void fuzz_privacy(const struct ct_redact *r, const char *text, size_t len)
{
	char line[2048], *out = NULL; /* the size of log.c's line */
	size_t outlen = 0, n;

	if (ct_privacy_payload(r, text, len, &out, &outlen) < 0)
		fuzz_fail("ct_privacy_payload failed");
	free(out);
	/* a log line: NUL-terminated in a buffer of the logger's size */
	n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
	memcpy(line, text, n);
	line[n] = '\0';
	ct_privacy_log_filter((void *)r, line, sizeof(line));
	if (strlen(line) >= sizeof(line))
		fuzz_fail("log filter overran its buffer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len, v;

	if (size < 1)
		return 0;
	len = size - 1;
	v = (size_t)(data[0] & 3) % NVARIANTS;
	switch (data[0] >> 6) {
	case 0:
		fuzz_text(redactors[v], text, len);
		break;
	case 1:
		fuzz_reply(redactors[v], text, len);
		break;
	case 2:
		fuzz_pattern(v, (uint8_t)(data[0] >> 2), text, len);
		break;
	default:
		fuzz_privacy(redactors[v], text, len);
		break;
	}
	return 0;
}
