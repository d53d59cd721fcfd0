/*
 * The authentication rule of the extractor (docs/text-rules-extract.md): a
 * user turn is an authentication attempt when the caller asks to be logged
 * in or verified, gives a credential of their own ("my PIN is 1234"), gives
 * a national ID, or answers an assistant's request for a credential with
 * digits or a redacted value.
 *
 * Pure: no I/O; the word lists are constants.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "extract_int.h"
#include "textscan.h"

/* True when a Zimbabwean national ID ("63-123456 A 12") is in the text. */
static bool ct_ex_has_national_id(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 10 <= len; i++) {
		size_t k = i, d;

		if (i > 0 && ct_scan_alnum(s[i - 1]))
			continue;
		if (!ct_scan_digit(s[k]) || !ct_scan_digit(s[k + 1]))
			continue;
		k += 2;
		if (k < len && (s[k] == '-' || s[k] == ' '))
			k++;
		for (d = 0; k < len && ct_scan_digit(s[k]); d++)
			k++;
		if (d < 6 || d > 7)
			continue;
		if (k < len && (s[k] == '-' || s[k] == ' '))
			k++;
		if (k >= len || !ct_scan_alpha(s[k]))
			continue;
		k++;
		if (k < len && (s[k] == '-' || s[k] == ' '))
			k++;
		if (k + 2 <= len && ct_scan_digit(s[k]) &&
		    ct_scan_digit(s[k + 1]) &&
		    (k + 2 == len || !ct_scan_alnum(s[k + 2])))
			return true;
	}
	return false;
}

/* Number of digits in the text, written or spoken. */
static size_t ct_ex_count_digits(const struct ct_ex *x)
{
	size_t i, written = 0, spoken = 0;

	for (i = 0; i < x->len; i++)
		written += ct_scan_digit(x->text[i]);
	for (i = 0; i < x->t->n; i++)
		spoken += ct_ex_digit_word(x, i, false) >= 0;
	return written > spoken ? written : spoken;
}

/* Words before "log in" that make it no request ("can't", "how"). */
static const char ct_ex_login_blockers[] =
	" can't cannot cant couldn't unable not forgot forget how trouble"
	" problem problems issue issues failing fail failed won't didn't"
	" doesn't never error ";

/* Words before "log in" that make it a request ("I want to", "please"). */
static const char ct_ex_login_requests[] =
	" want wanna like need let help please can could would i'd ";

/* Nouns of a credential ("my account number", "the OTP"). */
static const char ct_ex_credential_nouns[] =
	" account acc acct id pin otp password passcode code customer card"
	" membership passport birth dob ";

/* Words between a credential noun and its value ("number is", "ends with"). */
static const char ct_ex_credential_fillers[] =
	" number no num nr is it's its ends ending with as reads of date ";

/* True when the caller asks to be logged in or verified ("log me in"). */
static bool ct_ex_login_request(const struct ct_ex *x)
{
	size_t i, b, n = x->t->n;

	for (i = 0; i < n; i++) {
		const char *w = ct_ex_tok(x, i);
		bool login =
			ct_ex_at_any(
				x, i,
				"log in|log me in|sign in|sign me in|log on") ||
			ct_ex_in(" login logon authenticate ", w) ||
			(strcmp(w, "verify") == 0 &&
			 ct_ex_in(" me my myself identity ",
				  ct_ex_tok(x, i + 1)));
		bool want = false;

		if (!login)
			continue;
		for (b = i;
		     b > 0 && i - b < 5 && !ct_ex_sentence_start(x, b);) {
			const char *p = ct_ex_tok(x, --b);

			if (ct_ex_in(ct_ex_login_blockers, p)) {
				want = false;
				break;
			}
			if (ct_ex_in(ct_ex_login_requests, p))
				want = true;
		}
		if (want)
			return true;
	}
	return false;
}

/*
 * True when the caller gives a credential of their own: "my account number
 * is 1234567890", "my PIN is 1234", "the OTP is 482913", "my password is
 * ...".
 */
static bool ct_ex_gives_credential(const struct ct_ex *x)
{
	size_t i, n = x->t->n;

	for (i = 0; i < n; i++) {
		const char *w = ct_ex_tok(x, i);
		bool mine = false, secret = ct_ex_in(" password passcode ", w);
		size_t b, j;

		if (!ct_ex_in(ct_ex_credential_nouns, w))
			continue;
		for (b = i;
		     b > 0 && i - b < 4 && !ct_ex_sentence_start(x, b);) {
			const char *p = ct_ex_tok(x, --b);

			if (ct_ex_possessive(p) || ct_ex_in(ct_ex_kin, p) ||
			    ct_ex_in(" his her their your ", p))
				break;
			if (strcmp(p, "my") == 0 ||
			    (strcmp(p, "the") == 0 &&
			     ct_ex_in(" otp code pin ", w))) {
				mine = true;
				break;
			}
		}
		if (!mine)
			continue;
		for (j = i + 1;
		     j < n && j - i <= 4 && !ct_ex_sentence_start(x, j); j++) {
			const char *v = ct_ex_tok(x, j);

			if (ct_scan_digit(v[0]) || ct_ex_secret_at(x, j) ||
			    ct_ex_digit_word(x, j, false) >= 0)
				return true;
			if (ct_ex_in(ct_ex_credential_fillers, v))
				continue;
			if (secret && strcmp(ct_ex_tok(x, j - 1), "is") == 0 &&
			    !ct_ex_common_word(v))
				return true;
			break;
		}
	}
	return false;
}

bool ct_ex_auth_attempt(const struct ct_ex *x, unsigned asked)
{
	if (ct_ex_login_request(x) || ct_ex_gives_credential(x) ||
	    ct_ex_has_national_id(x->text, x->len) ||
	    ct_ex_has_placeholder(x, "ID_NUMBER"))
		return true;
	/* a redacted value stands for at least four digits */
	return (asked & CT_EXTRACT_ASK_CREDENTIAL) &&
	       (ct_ex_count_digits(x) >= 4 || ct_ex_count_secrets(x) > 0);
}
