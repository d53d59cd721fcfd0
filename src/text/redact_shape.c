/*
 * The detectors of the redactor that need no cue, only a shape: payment
 * cards (13-19 digits that pass the Luhn check), phone numbers that
 * ct_extract_phone_normalize() accepts, written or spoken, IBANs that pass
 * mod-97, the uncued patterns of the options, and written email addresses.
 * Each proposes spans with its priority; redact.c settles the overlaps.
 *
 * Pure: no I/O, no global state.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "redact_int.h"
#include "textscan.h"

/* ---------------------------------------------------------------------- */
/* Checksums. */

/* True when the digits (n of them) pass the Luhn check. */
static bool ct_rd_luhn(const char *d, size_t n)
{
	unsigned sum = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		unsigned v = (unsigned)(d[n - 1 - k] - '0');

		if (k % 2 == 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/*
 * True when the digits are a payment card number: 13-19 digits, a major
 * industry identifier of the card networks (2-6: Mastercard 2-series,
 * Amex/Diners/JCB, Visa, Mastercard/Maestro/Verve, Discover/UnionPay/
 * ZimSwitch), and the Luhn check.
 */
static bool ct_rd_card_digits(const char *d, size_t n)
{
	return n >= 13 && n <= 19 && d[0] >= '2' && d[0] <= '6' &&
	       ct_rd_luhn(d, n);
}

/* True when the IBAN (n letters and digits, no spaces) passes mod-97. */
static bool ct_rd_iban_ok(const char *v, size_t n)
{
	unsigned rem = 0;
	size_t k, digits = 0;

	if (n < 15 || n > 34)
		return false;
	for (k = 4; k < n; k++)
		digits += ct_scan_digit(v[k]);
	if (digits < 4)
		return false;
	for (k = 0; k < n; k++) {
		char ch = v[(k + 4) % n]; /* the first four go to the end */

		if (ct_scan_digit(ch))
			rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
		else
			rem = (rem * 100 +
			       (unsigned)(ct_scan_to_lower(ch) - 'a' + 10)) %
			      97;
	}
	return rem == 1;
}

/* ---------------------------------------------------------------------- */
/* Card and phone numbers written with digits. */

/* Proposes the cards of groups g0..g1-1 of a run; true when there was one. */
static bool ct_rd_run_cards(struct ct_rd_ctx *c, const struct ct_scan_run *r,
			    size_t g0, size_t g1)
{
	bool found = false;
	size_t a = g0, b, k;

	while (a < g1) {
		for (b = g1; b > a; b--) {
			char d[20];
			size_t nd = 0;
			bool ok = r->ps[a] == r->gs[a] &&
				  r->pe[b - 1] == r->ge[b - 1];

			for (k = a; ok && k < b; k++) {
				size_t gl = r->ge[k] - r->gs[k];

				ok = (k == a || r->plain[k]) && nd + gl <= 19;
				if (ok) {
					memcpy(d + nd, c->s + r->gs[k], gl);
					nd += gl;
				}
			}
			if (ok && ct_rd_card_digits(d, nd))
				break;
		}
		if (b == a) {
			a++;
			continue;
		}
		ct_rd_add(c, CT_REDACT_TYPE_CARD, r->gs[a], r->ge[b - 1],
			  CT_RD_PRIO_SHAPE, NULL);
		found = true;
		a = b;
	}
	return found;
}

/* Proposes the phones of groups g0..g1-1 of a run: longest from the left. */
static void ct_rd_run_phones(struct ct_rd_ctx *c, const struct ct_scan_run *r,
			     size_t g0, size_t g1)
{
	while (g0 < g1) {
		char e164[CT_EXTRACT_PHONE_LEN];
		size_t b, a = r->ps[g0];

		for (b = g1; b > g0; b--)
			if (ct_extract_phone_normalize(c->s + a, r->pe[b - 1] - a,
						       c->r->cc, e164) == 0)
				break;
		if (b == g0) {
			g0++;
			continue;
		}
		ct_rd_add(c, CT_REDACT_TYPE_PHONE, a, r->pe[b - 1],
			  CT_RD_PRIO_CONTACT, e164);
		g0 = b;
	}
}

void ct_rd_find_digit_runs(struct ct_rd_ctx *c)
{
	bool phones = c->r->phone_mode != CT_REDACT_KEEP;
	struct ct_scan_run r;
	size_t i = 0;

	while (i < c->len) {
		size_t g0 = 0, g1;

		if (!ct_scan_digit(c->s[i]) ||
		    (i > 0 && ct_scan_digit(c->s[i - 1]))) {
			i++;
			continue;
		}
		i = ct_scan_read_run(c->s, c->len, i, &r);
		if (ct_rd_quiet(c, r.ps[0]) || ct_rd_quiet(c, r.gs[0]))
			continue;
		g1 = r.ng;
		if (!ct_rd_start_ok(c->s, r.ps[0], false) ||
		    ct_rd_amount_before(c, r.ps[0]))
			g0++;
		if (!ct_rd_end_ok(c->s, c->len, r.pe[r.ng - 1], false) ||
		    ct_rd_amount_after(c, r.pe[r.ng - 1]))
			g1--;
		if (g0 >= g1)
			continue;
		/* A run shaped like a card, valid or not (13 digits or more
		 * in one group, or groups of four), is no phone. */
		if (!ct_rd_run_cards(c, &r, g0, g1) && phones &&
		    !ct_scan_card_like(&r, 13))
			ct_rd_run_phones(c, &r, g0, g1);
	}
}

void ct_rd_find_spoken_numbers(struct ct_rd_ctx *c)
{
	size_t k;

	for (k = 0; k < c->n_spoken; k++) {
		const struct ct_rd_spoken *sp = &c->spoken[k];
		char e164[CT_EXTRACT_PHONE_LEN];
		bool plus = sp->d[0] == '+';

		if (ct_rd_quiet(c, sp->start))
			continue;
		if (!plus && ct_rd_card_digits(sp->d, sp->nd)) {
			ct_rd_add(c, CT_REDACT_TYPE_CARD, sp->start, sp->end,
				  CT_RD_PRIO_SHAPE, NULL);
			continue;
		}
		if (c->r->phone_mode != CT_REDACT_KEEP && sp->nd >= 8 &&
		    ct_extract_phone_normalize(sp->d, strlen(sp->d), c->r->cc,
					       e164) == 0)
			ct_rd_add(c, CT_REDACT_TYPE_PHONE, sp->start, sp->end,
				  CT_RD_PRIO_CONTACT, e164);
	}
}

/* ---------------------------------------------------------------------- */
/* IBANs, uncued patterns, email addresses. */

/*
 * Proposes an IBAN at byte i: two letters, two check digits, then letters
 * and digits, either unbroken or in groups of four separated by one space
 * (the last group shorter); the longest form that passes mod-97 wins.
 */
static size_t ct_rd_iban_at(struct ct_rd_ctx *c, size_t i)
{
	const char *s = c->s;
	char v[40];
	size_t chars[12], bytes[12], n = 0, nv = 4, p = i + 4;

	if (i + 4 > c->len ||
	    !ct_scan_alpha(s[i]) || !ct_scan_alpha(s[i + 1]) ||
	    !ct_scan_digit(s[i + 2]) || !ct_scan_digit(s[i + 3]) ||
	    !ct_rd_start_ok(s, i, false))
		return 0;
	memcpy(v, s + i, 4);
	if (p < c->len && ct_scan_alnum(s[p])) {
		while (p < c->len && ct_scan_alnum(s[p]) && nv < 35)
			v[nv++] = s[p++];
		if (ct_rd_end_ok(s, c->len, p, false) && ct_rd_iban_ok(v, nv)) {
			ct_rd_add(c, CT_REDACT_TYPE_IBAN, i, p,
				  CT_RD_PRIO_STRICT, NULL);
			return p;
		}
		return 0;
	}
	while (n < sizeof(chars) / sizeof(chars[0]) && p + 1 < c->len &&
	       s[p] == ' ' && ct_scan_alnum(s[p + 1])) {
		size_t q = p + 1, gl = 0;

		while (q < c->len && ct_scan_alnum(s[q]) && gl < 5) {
			q++;
			gl++;
		}
		if (gl > 4 || nv + gl > 34)
			break;
		memcpy(v + nv, s + p + 1, gl);
		nv += gl;
		p = q;
		chars[n] = nv;
		bytes[n++] = p - i;
		if (gl < 4)
			break;
	}
	while (n-- > 0)
		if (ct_rd_end_ok(s, c->len, i + bytes[n], false) &&
		    ct_rd_iban_ok(v, chars[n])) {
			ct_rd_add(c, CT_REDACT_TYPE_IBAN, i, i + bytes[n],
				  CT_RD_PRIO_STRICT, NULL);
			return i + bytes[n];
		}
	return 0;
}

void ct_rd_find_ibans(struct ct_rd_ctx *c)
{
	size_t i = 0;

	while (i + 15 <= c->len) {
		size_t e = ct_rd_iban_at(c, i);

		i = e > i ? e : i + 1;
	}
}

void ct_rd_find_patterns(struct ct_rd_ctx *c)
{
	size_t k, i;

	for (k = 0; k < c->r->n_pats; k++) {
		const struct ct_rd_pattern *p = &c->r->pats[k];

		if (p->cued)
			continue;
		for (i = 0; i < c->len;) {
			size_t e = ct_rd_match(p, c->s, c->len, i);

			if (e > i && !(ct_scan_digit(c->s[i]) &&
				       ct_rd_amount(c, i, e))) {
				ct_rd_add(c, p->type, i, e, CT_RD_PRIO_STRICT,
					  NULL);
				i = e;
			} else {
				i++;
			}
		}
	}
}

void ct_rd_find_emails(struct ct_rd_ctx *c)
{
	const char *s = c->s;
	size_t i, k;

	if (c->r->email_mode == CT_REDACT_KEEP)
		return;
	for (i = 0; i < c->len; i++) {
		char low[CT_EXTRACT_EMAIL_LEN];
		size_t l, r;

		/* At most sizeof(low) - 1 bytes, so that it fits in low. */
		if (!ct_scan_email_at(s, c->len, i, sizeof(low) - 1, &l, &r))
			continue;
		for (k = l; k < r; k++)
			low[k - l] = ct_scan_to_lower(s[k]);
		low[r - l] = '\0';
		ct_rd_add(c, CT_REDACT_TYPE_EMAIL, l, r, CT_RD_PRIO_CONTACT,
			  low);
	}
}
