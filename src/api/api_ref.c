/*
 * Caller references and page cursors of the caller API.
 *
 * A reference is "kind:value" (percent-decoded by the caller): device,
 * username, phone, email, profile, session.  A cursor is the position
 * after the last call of a page, bound to the profile it pages and signed
 * with HMAC-SHA256, so that a client can hold it but not forge or move it:
 * hex(started_us (8) | session (16) | profile (16) | mac (16)).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "convtrack/codec.h"
#include "convtrack/extract.h"

static const struct {
	const char *prefix;
	enum ct_repo_ref kind;
} ct_api_ref_kinds[] = {
	{ "device:", CT_REPO_REF_DEVICE },   { "username:", CT_REPO_REF_USERNAME },
	{ "phone:", CT_REPO_REF_PHONE },     { "email:", CT_REPO_REF_EMAIL },
	{ "profile:", CT_REPO_REF_PROFILE }, { "session:", CT_REPO_REF_SESSION },
};

/* A canonical UUID (any case) into out, lower-cased; -1 if not one. */
static int ct_api_ref_uuid(const char *s, char *out, size_t cap)
{
	size_t i;

	if (strlen(s) != 36 || cap < 37)
		return -1;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : ct_hex_value((unsigned char)s[i]) < 0)
			return -1;
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	}
	out[36] = '\0';
	return 0;
}

/* A plain text value: valid UTF-8 without control characters. */
static bool ct_api_ref_text_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CT_API_REF_MAX ||
	    !ct_utf8_valid((const unsigned char *)s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* E.164 as authenticated events carry it: "+", then 8..15 digits. */
static bool ct_api_ref_e164(const char *s)
{
	size_t n = strlen(s + 1);

	return s[0] == '+' && n >= 8 && n <= 15 && s[1] != '0' &&
	       strspn(s + 1, "0123456789") == n;
}

/* local@domain, no blanks, one "@", a dot-free local part allowed. */
static bool ct_api_ref_email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	return ct_api_ref_text_ok(s) && strlen(s) <= 254 && at && at != s &&
	       at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t");
}

int ct_api_ref_parse(const char *ref, const char *default_cc,
		     enum ct_repo_ref *kind, char *value, size_t cap,
		     const char **why)
{
	const char *v = NULL;
	size_t i, n;

	for (i = 0; i < sizeof(ct_api_ref_kinds) / sizeof(ct_api_ref_kinds[0]); i++) {
		n = strlen(ct_api_ref_kinds[i].prefix);
		if (strncmp(ref, ct_api_ref_kinds[i].prefix, n) == 0) {
			*kind = ct_api_ref_kinds[i].kind;
			v = ref + n;
			break;
		}
	}
	if (!v) {
		*why = "a reference is device:, username:, phone:, email:, "
		       "profile: or session: followed by its value";
		return -1;
	}
	switch (*kind) {
	case CT_REPO_REF_PROFILE:
	case CT_REPO_REF_SESSION:
		if (ct_api_ref_uuid(v, value, cap) < 0) {
			*why = "profile: and session: take a UUID";
			return -1;
		}
		return 0;
	case CT_REPO_REF_PHONE: {
		char e164[CT_EXTRACT_PHONE_LEN];

		if (ct_api_ref_text_ok(v) && ct_api_ref_e164(v)) {
			snprintf(value, cap, "%s", v); /* as events carry it */
			return 0;
		}
		if (!ct_api_ref_text_ok(v) ||
		    ct_extract_phone_normalize(v, strlen(v), default_cc, e164) < 0 ||
		    strlen(e164) + 1 > cap) {
			*why = "phone: takes an E.164 number (+263771234567) or a "
			       "local one of text.default_country_code";
			return -1;
		}
		snprintf(value, cap, "%s", e164);
		return 0;
	}
	case CT_REPO_REF_EMAIL:
		if (!ct_api_ref_email_ok(v)) {
			*why = "email: takes an address local@domain";
			return -1;
		}
		break;
	default:
		if (!ct_api_ref_text_ok(v)) {
			*why = "the value is 1..1024 bytes of UTF-8 without "
			       "control characters";
			return -1;
		}
		break;
	}
	if (strlen(v) + 1 > cap) {
		*why = "the value is too long";
		return -1;
	}
	snprintf(value, cap, "%s", v);
	return 0;
}

/* The signed bytes of a cursor and their MAC. */
static int ct_api_cursor_mac(const struct ct_hmac *h, const unsigned char *msg,
			     size_t n, unsigned char mac[16])
{
	unsigned char md[CT_HMAC_SIZE];

	if (ct_hmac_sha256(h, "cursor:", 7, msg, n, md) < 0)
		return -1;
	memcpy(mac, md, 16);
	return 0;
}

int ct_api_cursor_encode(const struct ct_hmac *h, const char *profile_id,
			 const struct ct_repo_api_after *a,
			 char out[CT_API_CURSOR_LEN + 1])
{
	unsigned char raw[56];
	uint64_t us = (uint64_t)a->started_us;
	int i;

	for (i = 0; i < 8; i++)
		raw[i] = (unsigned char)(us >> (56 - 8 * i));
	ct_ids_uuid_bytes(a->session_id, raw + 8);
	ct_ids_uuid_bytes(profile_id, raw + 24);
	if (ct_api_cursor_mac(h, raw, 40, raw + 40) < 0)
		return -1;
	ct_hex_encode(raw, sizeof(raw), out);
	return 0;
}

int ct_api_cursor_decode(const struct ct_hmac *h, const char *profile_id,
			 const char *text, struct ct_repo_api_after *a)
{
	unsigned char raw[56], mac[16], prof[16];
	uint64_t us = 0;
	size_t i;

	if (strlen(text) != CT_API_CURSOR_LEN)
		return -1;
	for (i = 0; i < sizeof(raw); i++) {
		int hi = ct_hex_value((unsigned char)text[2 * i]);
		int lo = ct_hex_value((unsigned char)text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	if (ct_api_cursor_mac(h, raw, 40, mac) < 0 ||
	    !ct_hmac_equal(mac, raw + 40, sizeof(mac)))
		return -1;
	ct_ids_uuid_bytes(profile_id, prof);
	if (memcmp(prof, raw + 24, 16) != 0)
		return -1;
	for (i = 0; i < 8; i++)
		us = us << 8 | raw[i];
	a->started_us = (int64_t)us;
	snprintf(a->session_id, sizeof(a->session_id),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14],
		 raw[15], raw[16], raw[17], raw[18], raw[19], raw[20], raw[21],
		 raw[22], raw[23]);
	return 0;
}
