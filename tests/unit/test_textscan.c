/*
 * Unit tests of the scanning helpers shared by extraction and redaction:
 * written email addresses, domains, digit runs and card shapes, spoken
 * digits.
 */
#include <string.h>

#include "check.h"
#include "textscan.h"

static void expect_email(const char *s, const char *want)
{
	const char *at = strchr(s, '@');
	size_t start = 0, end = 0;
	bool ok = at && ct_scan_email_at(s, strlen(s), (size_t)(at - s), 254,
					  &start, &end);

	if (!want) {
		CHECK(!ok);
		return;
	}
	CHECK(ok);
	if (ok) {
		char got[256];

		memcpy(got, s + start, end - start);
		got[end - start] = '\0';
		CHECK_STR(got, want);
	}
}

int main(void)
{
	struct ct_text_tokens t = { 0 };
	struct ct_scan_run r;
	const char *s;
	size_t end;

	expect_email("mail tendai.moyo@gmail.com.", "tendai.moyo@gmail.com");
	expect_email("(sarah+bank@mail.example.co.zw)", "sarah+bank@mail.example.co.zw");
	expect_email("a@b", NULL);
	expect_email("x..y@example.com", NULL);
	expect_email("@example.com", NULL);
	CHECK(ct_scan_domain_ok("example.com", 11));
	CHECK(!ct_scan_domain_ok("example.c0m", 11));
	CHECK(!ct_scan_domain_ok("-bad.com", 8));
	CHECK(!ct_scan_domain_ok("localhost", 9));

	s = "card 4111 1111 1111 1111 thanks";
	end = ct_scan_read_run(s, strlen(s), 5, &r);
	CHECK(r.ng == 4 && end == 24);
	CHECK(ct_scan_card_like(&r, 16));
	s = "0771 234 567";
	ct_scan_read_run(s, strlen(s), 0, &r);
	CHECK(r.ng == 3 && !ct_scan_card_like(&r, 16));
	s = "4111111111111";
	ct_scan_read_run(s, strlen(s), 0, &r);
	CHECK(ct_scan_card_like(&r, 13) && !ct_scan_card_like(&r, 16));

	CHECK(ct_text_tokenize("zero nine oh five nought", 24, &t) == 0);
	CHECK(ct_scan_digit_word(&t, 0, false, false) == 0);
	CHECK(ct_scan_digit_word(&t, 1, false, false) == 9);
	CHECK(ct_scan_digit_word(&t, 2, false, false) == 0); /* "oh" before a digit */
	CHECK(ct_scan_digit_word(&t, 4, false, false) == -1);
	CHECK(ct_scan_digit_word(&t, 4, false, true) == 0);
	CHECK(ct_scan_digit_word(&t, 5, false, true) == -1);
	CHECK(ct_scan_digit(7 + '0') && !ct_scan_alpha('1') && ct_scan_to_lower('Q') == 'q');
	ct_text_tokens_free(&t);
	return ct_check_done();
}
