/*
 * Scanning helpers shared by extraction and redaction: spoken digits,
 * amounts, runs of digit groups and written email addresses.  One copy, so
 * that what extraction reads as a phone number or an address is what
 * redaction reads as one.  See src/text/textscan.h for the contracts.
 *
 * Pure: no I/O, no global state.
 */
#include "textscan.h"

#include <stdlib.h>
#include <string.h>

/* Spoken digits. */
static const char *const ct_scan_digit_words[10] = {
	"zero", "one", "two", "three", "four",
	"five", "six", "seven", "eight", "nine"
};

size_t ct_scan_tok_at(const struct ct_text_tokens *t, size_t pos)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].start < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ct_scan_digit_word(const struct ct_text_tokens *t, size_t i, bool in_run,
		       bool nought)
{
	const char *w = i < t->n ? t->v[i].s : "";
	int k;

	for (k = 0; k < 10; k++)
		if (strcmp(w, ct_scan_digit_words[k]) == 0)
			return k;
	if (strcmp(w, "nil") == 0 || (nought && strcmp(w, "nought") == 0))
		return 0;
	if ((strcmp(w, "oh") == 0 || strcmp(w, "o") == 0) &&
	    (in_run || ct_scan_digit_word(t, i + 1, true, nought) >= 0))
		return 0;
	return -1;
}

bool ct_scan_amount_before(const char *text, const struct ct_text_tokens *t,
			   size_t a, bool (*listed)(const char *w))
{
	const unsigned char *s = (const unsigned char *)text;
	size_t k = a, i;

	while (k > 0 && s[k - 1] == ' ')
		k--;
	if (k > 0 && s[k - 1] == '$')
		return true;
	if (k >= 2 && s[k - 2] == 0xC2 && s[k - 1] == 0xA3) /* pound sign */
		return true;
	if (k >= 3 && s[k - 3] == 0xE2 && s[k - 2] == 0x82 && s[k - 1] == 0xAC)
		return true; /* euro sign */
	i = ct_scan_tok_at(t, a);
	return i > 0 && t->v[i - 1].end == k && listed(t->v[i - 1].s);
}

bool ct_scan_amount_after(const char *text, size_t len,
			  const struct ct_text_tokens *t, size_t b,
			  bool (*listed)(const char *w))
{
	size_t k = b, i;

	while (k < len && text[k] == ' ')
		k++;
	if (k < len && text[k] == '%')
		return true;
	i = ct_scan_tok_at(t, k);
	return i < t->n && t->v[i].start == k && listed(t->v[i].s);
}

size_t ct_scan_read_run(const char *s, size_t len, size_t i,
			struct ct_scan_run *r)
{
	size_t p = i;
	bool plain = false;

	r->ng = 0;
	for (;;) {
		size_t g = r->ng, q, k = 0;
		bool dots = false;

		r->gs[g] = p;
		while (p < len && ct_scan_digit(s[p]))
			p++;
		r->ge[g] = p;
		r->ps[g] = r->gs[g];
		if (r->ps[g] > 0 && s[r->ps[g] - 1] == '(')
			r->ps[g]--;
		if (g == 0 && r->ps[g] > 0 && s[r->ps[g] - 1] == '+')
			r->ps[g]--;
		if (g == 0 && r->ps[g] > 0 && s[r->ps[g]] == '+' &&
		    s[r->ps[g] - 1] == '(')
			r->ps[g]--; /* "(+263) 77 ..." */
		r->plain[g] = plain && r->ps[g] == r->gs[g];
		r->pe[g] = p;
		if (p < len && s[p] == ')')
			r->pe[g] = ++p;
		r->ng++;
		if (r->ng == CT_SCAN_GROUPS_MAX)
			break;
		q = p;
		while (q < len && k < 3 &&
		       (s[q] == ' ' || s[q] == '-' || s[q] == '.')) {
			dots = dots || s[q] == '.';
			q++;
			k++;
		}
		plain = k >= 1 && k <= 2 && !dots && r->pe[g] == r->ge[g];
		if (q + 1 < len && s[q] == '(' && ct_scan_digit(s[q + 1]))
			q++;
		else if (k == 0)
			break;
		if (q >= len || !ct_scan_digit(s[q]))
			break;
		p = q;
	}
	return r->ge[r->ng - 1];
}

bool ct_scan_card_like(const struct ct_scan_run *r, size_t single_min)
{
	size_t k, total = 0, fours = 0;

	for (k = 0; k < r->ng; k++) {
		total += r->ge[k] - r->gs[k];
		fours += r->ge[k] - r->gs[k] == 4;
	}
	return (r->ng == 1 && total >= single_min) ||
	       (r->ng >= 3 && total >= 13 && fours + 1 >= r->ng);
}

/* True when c may stand in the local part of a written email address. */
static bool ct_scan_local_char(char c)
{
	return ct_scan_alnum(c) || (c != '\0' && strchr("._%+-", c));
}

/* True when c may stand in the domain of a written email address. */
static bool ct_scan_domain_char(char c)
{
	return ct_scan_alnum(c) || c == '.' || c == '-';
}

bool ct_scan_domain_ok(const char *s, size_t n)
{
	size_t k = 0, labels = 0;

	while (k < n) {
		size_t a = k;
		bool alpha = true;

		while (k < n && s[k] != '.') {
			alpha = alpha && ct_scan_alpha(s[k]);
			k++;
		}
		if (k == a || k - a > 63 || s[a] == '-' || s[k - 1] == '-')
			return false;
		labels++;
		if (k == n)
			return labels >= 2 && alpha && k - a >= 2;
		k++;
	}
	return false;
}

bool ct_scan_email_at(const char *s, size_t len, size_t i, size_t max,
		      size_t *start, size_t *end)
{
	size_t l = i, r = i + 1, k;

	if (s[i] != '@')
		return false;
	while (l > 0 && ct_scan_local_char(s[l - 1]))
		l--;
	while (l < i && s[l] == '.')
		l++;
	while (r < len && ct_scan_domain_char(s[r]))
		r++;
	while (r > i + 1 && (s[r - 1] == '.' || s[r - 1] == '-'))
		r--;
	if (l == i || i - l > 64 || s[i - 1] == '.' || r - l > max)
		return false;
	for (k = l; k + 1 < i; k++)
		if (s[k] == '.' && s[k + 1] == '.')
			return false;
	if (!ct_scan_domain_ok(s + i + 1, r - i - 1))
		return false;
	*start = l;
	*end = r;
	return true;
}

int ct_scan_grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}
