/*
 * The pattern language of the redactor (include/convtrack/redact.h): a
 * pattern such as "DD_D{6,7}_L_DD" compiles into atoms, and a backtracking
 * matcher with a step budget finds where it matches a text and checks that
 * the match stands alone.  The default patterns, the options' patterns and
 * the built-in shapes of cued values (PIN, CVV, OTP, card) all go through
 * it, and the digit-run and IBAN detectors reuse its rules for what a value
 * may touch.  Kept apart because it knows nothing of cues, contacts or the
 * redactor's state.
 *
 * Pure: no I/O, no global state.
 */
#include <string.h>

#include "convtrack/redact.h"
#include "redact_int.h"
#include "textscan.h"

#define CT_RD_REPEAT_MAX 64
/* Backtracking steps allowed for one match attempt. */
#define CT_RD_MATCH_STEPS 20000

/* Reads a decimal number of at most 2 digits at *p; -1 when there is none. */
static int ct_rd_read_count(const char **p)
{
	int v = 0, k = 0;

	while (ct_scan_digit(**p) && k < 3) {
		v = v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return (k == 0 || k > 2) ? -1 : v;
}

int ct_rd_compile(const char *src, size_t min_chars, struct ct_rd_pattern *p)
{
	const char *s = src;
	size_t chars = 0, k;

	if (!src || strlen(src) > CT_REDACT_PATTERN_MAX)
		return -1;
	p->n = 0;
	while (*s) {
		struct ct_rd_atom *a;
		unsigned char c = (unsigned char)*s;

		if (c == '{') {
			int m, n;

			if (p->n == 0)
				return -1;
			a = &p->atoms[p->n - 1];
			if (a->kind == '_' || a->min != 1 || a->max != 1)
				return -1;
			s++;
			m = ct_rd_read_count(&s);
			n = m;
			if (*s == ',') {
				s++;
				n = ct_rd_read_count(&s);
			}
			if (m < 0 || n < 1 || m > n || n > CT_RD_REPEAT_MAX ||
			    *s != '}')
				return -1;
			s++;
			a->min = (unsigned char)m;
			a->max = (unsigned char)n;
			continue;
		}
		if (c < 0x20 || c == 0x7F || p->n == CT_RD_ATOMS_MAX)
			return -1;
		a = &p->atoms[p->n++];
		a->min = a->max = 1;
		a->lit = '\0';
		if (c == '\\') {
			s++;
			if (!*s || (unsigned char)*s < 0x20)
				return -1;
			a->kind = 'c';
			a->lit = ct_scan_to_lower(*s);
		} else if (strchr("DLAN_", (int)c)) {
			a->kind = (char)c;
		} else {
			a->kind = 'c';
			a->lit = ct_scan_to_lower((char)c);
		}
		s++;
	}
	for (k = 0; k < p->n; k++)
		if (p->atoms[k].kind != '_' &&
		    (p->atoms[k].kind != 'c' || ct_scan_alnum(p->atoms[k].lit)))
			chars += p->atoms[k].min;
	return chars >= min_chars ? 0 : -1;
}

/* True when one character of kind (not '_' or 'N') matches c. */
static bool ct_rd_atom_char(const struct ct_rd_atom *a, char c)
{
	switch (a->kind) {
	case 'D':
		return ct_scan_digit(c);
	case 'L':
		return ct_scan_alpha(c);
	case 'A':
		return ct_scan_alnum(c);
	default:
		return ct_scan_to_lower(c) == a->lit;
	}
}

/*
 * True when the digits at byte i (forward) or ending at byte i (backward)
 * belong to a word ("cvv2", "2nd"), not to a number: a letter touches them.
 * len bounds the text forward.
 */
static bool ct_rd_word_digits(const char *s, size_t len, size_t i,
			      bool forward)
{
	if (forward) {
		while (i < len && ct_scan_digit(s[i]))
			i++;
		return i < len && ct_scan_alpha(s[i]);
	}
	while (i > 0 && ct_scan_digit(s[i]))
		i--;
	return ct_scan_alpha(s[i]);
}

bool ct_rd_end_ok(const char *s, size_t len, size_t end, bool grouped)
{
	char c, d;

	if (end >= len)
		return true;
	c = s[end];
	d = end + 1 < len ? s[end + 1] : '\0';
	if (ct_scan_alnum(c) || strchr("_*#%@", c))
		return false;
	if (end > 0 && ct_scan_digit(s[end - 1])) {
		if (strchr(".,:/", c) && ct_scan_digit(d))
			return false;
		if (grouped && (c == ' ' || c == '-') && ct_scan_digit(d) &&
		    !ct_rd_word_digits(s, len, end + 1, true))
			return false;
	}
	return true;
}

bool ct_rd_start_ok(const char *s, size_t start, bool grouped)
{
	char c, b;

	if (start == 0)
		return true;
	c = s[start - 1];
	b = start >= 2 ? s[start - 2] : '\0';
	if (ct_scan_alnum(c) || strchr("_*#@$+", c))
		return false;
	if (ct_scan_digit(s[start])) {
		if (strchr(".,:/", c) && ct_scan_digit(b))
			return false;
		if (grouped && (c == ' ' || c == '-') && ct_scan_digit(b) &&
		    !ct_rd_word_digits(s, start - 1, start - 2, false))
			return false;
	}
	return true;
}

struct ct_rd_matcher {
	const struct ct_rd_pattern *p;
	const char *s;
	size_t len;
	long steps;
};

/* Matches atoms ai.. at pos; on success stores the end in *end. */
static bool ct_rd_match_from(struct ct_rd_matcher *m, size_t ai, size_t pos,
			     size_t *end)
{
	const struct ct_rd_atom *a;
	size_t ends[CT_RD_REPEAT_MAX + 1], n = 0, q = pos;
	const char *s = m->s;

	if (--m->steps < 0)
		return false;
	if (ai == m->p->n) {
		bool grouped = ai > 0 && m->p->atoms[ai - 1].kind == 'N';

		if (!ct_rd_end_ok(s, m->len, pos, grouped))
			return false;
		*end = pos;
		return true;
	}
	a = &m->p->atoms[ai];
	ends[n++] = pos;
	if (a->kind == '_') {
		while (n <= 3 && q < m->len && (s[q] == ' ' || s[q] == '-'))
			ends[n++] = ++q;
	} else {
		while (n <= a->max && q < m->len) {
			size_t r = q;

			if (a->kind == 'N') {
				if (n > 1 && (s[r] == ' ' || s[r] == '-') &&
				    r + 1 < m->len && ct_scan_digit(s[r + 1]))
					r++;
				if (!ct_scan_digit(s[r]))
					break;
			} else if (!ct_rd_atom_char(a, s[r])) {
				break;
			}
			q = r + 1;
			ends[n++] = q;
		}
	}
	/* ends[k] is the position after k repetitions; longest first. */
	while (n-- > 0) {
		if (a->kind != '_' && n < a->min)
			break;
		if (ct_rd_match_from(m, ai + 1, ends[n], end))
			return true;
	}
	return false;
}

size_t ct_rd_match(const struct ct_rd_pattern *p, const char *s, size_t len,
		   size_t start)
{
	struct ct_rd_matcher m = { p, s, len, CT_RD_MATCH_STEPS };
	size_t end = 0;

	if (start >= len ||
	    !ct_rd_start_ok(s, start, p->atoms[0].kind == 'N'))
		return 0;
	if (!ct_rd_match_from(&m, 0, start, &end) || end == start)
		return 0;
	return end;
}

bool ct_redact_pattern_valid(const char *pattern)
{
	struct ct_rd_pattern p;

	return ct_rd_compile(pattern, CT_RD_PATTERN_MIN_CHARS, &p) == 0;
}
