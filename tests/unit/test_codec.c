/*
 * Unit tests of the codecs (convtrack/codec.h): hex digits, base64 against
 * the test vectors of RFC 4648 section 10 and the leniency ct-kafka has
 * always had, and strict UTF-8 at the edges of Unicode table 3-7
 * (overlongs, surrogates, above U+10FFFF, truncated sequences), checked
 * exhaustively up to three bytes against a decoder written from the
 * definition.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/codec.h"

static void test_hex(void)
{
	static const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
					       0xff };
	char out[2 * sizeof(bytes) + 1];
	int c, bad = 0;

	for (c = 0; c < 256; c++) {
		int want = c >= '0' && c <= '9' ? c - '0'
			 : c >= 'a' && c <= 'f' ? c - 'a' + 10
			 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (ct_hex_value(c) != want)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(ct_hex_value(-1) == -1);
	CHECK(ct_hex_value(256) == -1);
	CHECK(ct_hex_value(256 + 'a') == -1);
	CHECK(ct_hex_value((char)0xe9) == -1); /* a signed plain char */
	ct_hex_encode(bytes, sizeof(bytes), out);
	CHECK_STR(out, "00017f80abff");
	ct_hex_encode(bytes, 0, out);
	CHECK_STR(out, "");
}

/* base64 of in (n bytes) equals want, and want decodes back to in. */
static void check_base64(const char *in, size_t n, const char *want)
{
	char enc[64];
	unsigned char dec[64];
	size_t len = 0;

	CHECK(CT_BASE64_ENCODED_LEN(n) == strlen(want));
	ct_base64_encode((const unsigned char *)in, n, enc);
	CHECK_STR(enc, want);
	CHECK(CT_BASE64_DECODED_MAX(strlen(want)) <= sizeof(dec));
	CHECK(ct_base64_decode(want, strlen(want), dec, &len) == 0);
	CHECK(len == n && memcmp(dec, in, n) == 0);
}

/* text decodes to want (n bytes). */
static void check_base64_decodes(const char *text, const char *want,
				 size_t n)
{
	unsigned char dec[64];
	size_t len = 0;

	CHECK(ct_base64_decode(text, strlen(text), dec, &len) == 0);
	CHECK(len == n && memcmp(dec, want, n) == 0);
}

static bool base64_rejects(const char *text, size_t n)
{
	unsigned char dec[64];
	size_t len;

	return ct_base64_decode(text, n, dec, &len) == -1;
}

static void test_base64(void)
{
	unsigned char all[256], dec[CT_BASE64_DECODED_MAX(344)];
	char enc[CT_BASE64_ENCODED_LEN(256) + 1];
	size_t len = 0;
	int i;

	/* RFC 4648 section 10 */
	check_base64("", 0, "");
	check_base64("f", 1, "Zg==");
	check_base64("fo", 2, "Zm8=");
	check_base64("foo", 3, "Zm9v");
	check_base64("foob", 4, "Zm9vYg==");
	check_base64("fooba", 5, "Zm9vYmE=");
	check_base64("foobar", 6, "Zm9vYmFy");
	/* both ends of the alphabet, NUL bytes */
	check_base64("\xfb\xff\xbf", 3, "+/+/");
	check_base64("\0\0\0", 3, "AAAA");
	check_base64("\0", 1, "AA==");
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	ct_base64_encode(all, sizeof(all), enc);
	CHECK(strlen(enc) == 344);
	CHECK(strncmp(enc, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44) == 0);
	CHECK(strcmp(enc + 340, "/w==") == 0);
	CHECK(ct_base64_decode(enc, strlen(enc), dec, &len) == 0);
	CHECK(len == 256 && memcmp(dec, all, 256) == 0);

	/* lenient: padding optional, any number of '=', low bits unchecked */
	check_base64_decodes("Zg", "f", 1);
	check_base64_decodes("Zm8", "fo", 2);
	check_base64_decodes("Zg=", "f", 1);
	check_base64_decodes("Zg=====", "f", 1);
	check_base64_decodes("Zh==", "f", 1);
	check_base64_decodes("====", "", 0);

	/* not base64 */
	CHECK(base64_rejects("Z", 1));
	CHECK(base64_rejects("Zm9vY", 5));
	CHECK(base64_rejects("Zm9vY===", 8));
	CHECK(base64_rejects("Zm9v!", 5));
	CHECK(base64_rejects("Zm 9v", 5));
	CHECK(base64_rejects("Zm9v\n", 5));
	CHECK(base64_rejects("Zm-_", 4)); /* the URL-safe alphabet */
	CHECK(base64_rejects("Zm9v\0AAA", 8));
	CHECK(base64_rejects("Zg==Zg==", 8)); /* padding inside */
	CHECK(base64_rejects("\xc3\xa9\xc3\xa9", 4));
}

/*
 * The definition: a lead byte gives the length and the payload bits, the
 * continuation bytes are 10xxxxxx, and the code point must need that length
 * and be a scalar value (no surrogate, at most U+10FFFF).
 */
static size_t ref_seq_len(const unsigned char *s, size_t n)
{
	uint32_t cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2, cp = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, cp = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

/* Whole strings by the definition. */
static bool ref_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		len = ref_seq_len(s + i, n - i);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

static bool utf8_ok(const char *s, size_t n)
{
	return ct_utf8_valid((const unsigned char *)s, n);
}

static void test_utf8_edges(void)
{
	/* well-formed: the first and last code point of each length */
	CHECK(utf8_ok("", 0));
	CHECK(utf8_ok("plain ASCII", 11));
	CHECK(utf8_ok("a\0b", 3)); /* NUL is allowed */
	CHECK(utf8_ok("\x7f", 1));
	CHECK(utf8_ok("\xc2\x80", 2));          /* U+0080 */
	CHECK(utf8_ok("\xdf\xbf", 2));          /* U+07FF */
	CHECK(utf8_ok("\xe0\xa0\x80", 3));      /* U+0800 */
	CHECK(utf8_ok("\xed\x9f\xbf", 3));      /* U+D7FF */
	CHECK(utf8_ok("\xee\x80\x80", 3));      /* U+E000 */
	CHECK(utf8_ok("\xef\xbf\xbf", 3));      /* U+FFFF */
	CHECK(utf8_ok("\xf0\x90\x80\x80", 4));  /* U+10000 */
	CHECK(utf8_ok("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
	CHECK(utf8_ok("Zo\xc3\xab \xf0\x9f\x98\x80", 9));

	/* overlongs */
	CHECK(!utf8_ok("\xc0\x80", 2));
	CHECK(!utf8_ok("\xc0\xaf", 2));
	CHECK(!utf8_ok("\xc1\xbf", 2));
	CHECK(!utf8_ok("\xe0\x80\xaf", 3));
	CHECK(!utf8_ok("\xe0\x9f\xbf", 3));
	CHECK(!utf8_ok("\xf0\x80\x80\xaf", 4));
	CHECK(!utf8_ok("\xf0\x8f\xbf\xbf", 4));
	/* surrogates */
	CHECK(!utf8_ok("\xed\xa0\x80", 3));     /* U+D800 */
	CHECK(!utf8_ok("\xed\xaf\xbf", 3));     /* U+DBFF */
	CHECK(!utf8_ok("\xed\xb0\x80", 3));     /* U+DC00 */
	CHECK(!utf8_ok("\xed\xbf\xbf", 3));     /* U+DFFF */
	CHECK(!utf8_ok("\xed\xa0\xbd\xed\xb8\x80", 6)); /* CESU-8 pair */
	/* above U+10FFFF, and bytes that never occur */
	CHECK(!utf8_ok("\xf4\x90\x80\x80", 4));
	CHECK(!utf8_ok("\xf5\x80\x80\x80", 4));
	CHECK(!utf8_ok("\xf7\xbf\xbf\xbf", 4));
	CHECK(!utf8_ok("\xf8\x88\x80\x80\x80", 5));
	CHECK(!utf8_ok("\xfe", 1));
	CHECK(!utf8_ok("\xff", 1));
	/* stray continuation bytes */
	CHECK(!utf8_ok("\x80", 1));
	CHECK(!utf8_ok("\xbf", 1));
	CHECK(!utf8_ok("a\x80", 2));
	CHECK(!utf8_ok("\xc3\xab\xab", 3));
	/* truncated: at the end, or interrupted */
	CHECK(!utf8_ok("\xc3", 1));
	CHECK(!utf8_ok("\xe2\x82", 2));
	CHECK(!utf8_ok("\xf0\x9f\x98", 3));
	CHECK(!utf8_ok("ok\xf0", 3));
	CHECK(!utf8_ok("\xc3(", 2));
	CHECK(!utf8_ok("\xe2(\xa1", 3));
	CHECK(!utf8_ok("\xf0\x9f\x98 ", 4));
	/* a truncated sequence is judged by n, not by what follows it */
	CHECK(!utf8_ok("\xe2\x82\xac", 2));
	CHECK(utf8_ok("\xe2\x82\xac", 3));

	CHECK(ct_utf8_seq_len((const unsigned char *)"A", 1) == 1);
	CHECK(ct_utf8_seq_len((const unsigned char *)"\0", 1) == 1);
	CHECK(ct_utf8_seq_len((const unsigned char *)"\xc3\xabx", 3) == 2);
	CHECK(ct_utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3) == 3);
	CHECK(ct_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4);
	CHECK(ct_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 3) == 0);
	CHECK(ct_utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3) == 0);

	CHECK(ct_utf8_chars("", 0) == 0);
	CHECK(ct_utf8_chars("abc", 3) == 3);
	CHECK(ct_utf8_chars("Zo\xc3\xab", 4) == 3);
	CHECK(ct_utf8_chars("\xf0\x9f\x98\x80\xe2\x82\xac", 7) == 2);
	CHECK(ct_utf8_chars("a\0b", 3) == 3);
}

/*
 * Every string of one to three bytes, and four-byte strings over the lead
 * bytes around the four-byte range with boundary continuation bytes: the
 * first sequence's length agrees with the definition, and so does the
 * verdict on the whole string.
 */
static void test_utf8_exhaustive(void)
{
	static const unsigned char edge[] = { 0x00, 0x41, 0x7F, 0x80, 0x8F,
					      0x90, 0x9F, 0xA0, 0xBF, 0xC0,
					      0xC2, 0xF4, 0xFF };
	unsigned char s[4];
	long bad_len = 0, bad_valid = 0;
	uint32_t v;
	size_t n, i, j, k;
	unsigned lead;

	for (n = 1; n <= 3; n++) {
		for (v = 0; v < (UINT32_C(1) << (8 * n)); v++) {
			for (i = 0; i < n; i++)
				s[i] = (unsigned char)(v >> (8 * i));
			if (ct_utf8_seq_len(s, n) != ref_seq_len(s, n))
				bad_len++;
			if (ct_utf8_valid(s, n) != ref_valid(s, n))
				bad_valid++;
		}
	}
	for (lead = 0xEE; lead <= 0xF8; lead++) {
		for (i = 0; i < sizeof(edge); i++)
			for (j = 0; j < sizeof(edge); j++)
				for (k = 0; k < sizeof(edge); k++) {
					s[0] = (unsigned char)lead;
					s[1] = edge[i];
					s[2] = edge[j];
					s[3] = edge[k];
					if (ct_utf8_seq_len(s, 4) !=
					    ref_seq_len(s, 4))
						bad_len++;
				}
	}
	CHECK(bad_len == 0);
	CHECK(bad_valid == 0);
}

int main(void)
{
	test_hex();
	test_base64();
	test_utf8_edges();
	test_utf8_exhaustive();
	return ct_check_done();
}
