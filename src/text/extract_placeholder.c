/*
 * What redaction (convtrack/redact.h) leaves in stored text and what it
 * still tells: "[PHONE:3f2a...]" and "[EMAIL:...]" are mentions of a
 * contact, recorded by their hash, and "[PIN]", "[CARD]" and the other
 * credential placeholders are values the caller gave, which count towards
 * an authentication attempt.  The extractor reads redacted and raw text
 * alike, so this parsing is kept in one place.
 *
 * Pure: no I/O, no global state.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "extract_int.h"

/*
 * Placeholders of redacted text (convtrack/redact.h): stored messages say
 * "[CARD]", "[PIN]", "[PHONE:3f2a...]" where the caller gave a value.  A
 * phone or email placeholder with a hash is that contact's mention (the
 * hash stands for the number); the others are credentials given.
 */
static const char ct_ex_secret_placeholders[] =
	" CARD PIN CVV OTP PASSWORD ACCOUNT ID_NUMBER IBAN ";

/* Hex digits of a hash in a placeholder (CT_REDACT_HASH_HEX). */
#define CT_EX_HASH_HEX 16

/*
 * The placeholder that starts at byte i of text, if any: its name (at most
 * 15 bytes) in name and its hash ("" when none) in hash.  Returns the byte
 * just past it, or i when there is none.
 */
static size_t ct_ex_placeholder_at(const char *s, size_t len, size_t i,
				   char name[16], char hash[CT_EX_HASH_HEX + 1])
{
	size_t k = i + 1, n = 0;

	name[0] = hash[0] = '\0';
	if (i >= len || s[i] != '[')
		return i;
	while (k < len && n < 15 && ((s[k] >= 'A' && s[k] <= 'Z') || s[k] == '_'))
		name[n++] = s[k++];
	name[n] = '\0';
	if (n < 3 || k >= len)
		return i;
	if (s[k] == ']')
		return k + 1;
	if (s[k] != ':' || k + CT_EX_HASH_HEX + 2 > len ||
	    s[k + CT_EX_HASH_HEX + 1] != ']')
		return i;
	for (n = 0; n < CT_EX_HASH_HEX; n++) {
		char h = s[k + 1 + n];

		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f')))
			return i;
		hash[n] = h;
	}
	hash[n] = '\0';
	return k + CT_EX_HASH_HEX + 2;
}

bool ct_ex_secret_at(const struct ct_ex *x, size_t i)
{
	char name[16], hash[CT_EX_HASH_HEX + 1];
	size_t a;

	if (i >= x->t->n || x->t->v[i].start == 0)
		return false;
	a = x->t->v[i].start - 1;
	if (ct_ex_placeholder_at(x->text, x->len, a, name, hash) == a)
		return false;
	return ct_ex_in(ct_ex_secret_placeholders, name);
}

size_t ct_ex_count_secrets(const struct ct_ex *x)
{
	size_t i, n = 0;

	for (i = 0; i < x->t->n; i++)
		n += ct_ex_secret_at(x, i);
	return n;
}

void ct_ex_find_placeholders(const struct ct_ex *x,
			     struct ct_extract_utterance *out, size_t *pos)
{
	char name[16], hash[CT_EX_HASH_HEX + 1];
	size_t i, e, first, last;

	for (i = 0; i < x->len; i++) {
		if (x->text[i] != '[')
			continue;
		e = ct_ex_placeholder_at(x->text, x->len, i, name, hash);
		if (e == i || !hash[0])
			continue;
		first = ct_ex_tok_at(x, i);
		last = ct_ex_tok_at(x, e);
		last = last > first ? last - 1 : first;
		if (strcmp(name, "PHONE") == 0)
			ct_ex_add_phone(x, out, pos, hash, first, last);
		else if (strcmp(name, "EMAIL") == 0)
			ct_ex_add_email(x, out, hash, CT_EX_HASH_HEX, first, last);
		i = e - 1;
	}
}

bool ct_ex_has_placeholder(const struct ct_ex *x, const char *name)
{
	char n[16], hash[CT_EX_HASH_HEX + 1];
	size_t i;

	for (i = 0; i < x->len; i++)
		if (x->text[i] == '[' &&
		    ct_ex_placeholder_at(x->text, x->len, i, n, hash) != i &&
		    strcmp(n, name) == 0)
			return true;
	return false;
}
