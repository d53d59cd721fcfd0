/*
 * Phone numbers in a transcript: ct_extract_phone_normalize() (E.164 from
 * what a caller writes, with the country calling codes and the lengths of
 * national numbers it checks against), and the finders for numbers written
 * with digits and spoken in words ("zero seven seven ...", "double seven").
 * Numbers glued to an amount, a time or a word, and numbers after a noun
 * such as "account", are no phones.  Redaction uses the same normalizer.
 *
 * Pure: no I/O, no global state; the tables are constants.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "extract_int.h"
#include "textscan.h"

/* ---------------------------------------------------------------------- */
/* Normalizing a written number (E.164). */

/* The country calling codes of ITU-T E.164 (geographic ones). */
static const char ct_ex_country_codes[] =
	" 1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52"
	" 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94"
	" 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229"
	" 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245"
	" 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262"
	" 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353"
	" 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 379"
	" 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504"
	" 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670"
	" 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688"
	" 689 690 691 692 850 852 853 855 856 880 886 960 961 962 963 964"
	" 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995"
	" 996 998 ";

/*
 * Lengths of the national significant number where they are known: the
 * region first, then large senders of callers.  Other codes only need
 * 8..15 digits in all.
 */
static const struct {
	const char *cc;
	unsigned char min, max;
} ct_ex_nsn_lengths[] = {
	{ "263", 7, 9 }, /* Zimbabwe: mobile 9, old fixed lines 7-8 */
	{ "27", 9, 9 }, /* South Africa */
	{ "260", 9, 9 }, /* Zambia */
	{ "267", 7, 8 }, /* Botswana */
	{ "258", 8, 9 }, /* Mozambique */
	{ "265", 7, 9 }, /* Malawi */
	{ "264", 8, 9 }, /* Namibia */
	{ "266", 8, 8 }, /* Lesotho */
	{ "268", 8, 8 }, /* Eswatini */
	{ "254", 9, 10 }, /* Kenya */
	{ "255", 9, 9 }, /* Tanzania */
	{ "256", 9, 9 }, /* Uganda */
	{ "250", 9, 9 }, /* Rwanda */
	{ "243", 9, 9 }, /* DR Congo */
	{ "244", 9, 9 }, /* Angola */
	{ "233", 9, 9 }, /* Ghana */
	{ "234", 8, 10 }, /* Nigeria */
	{ "1", 10, 10 }, /* NANP */
	{ "44", 9, 10 }, /* United Kingdom */
	{ "353", 7, 9 }, /* Ireland */
	{ "61", 9, 9 }, /* Australia */
	{ "64", 8, 10 }, /* New Zealand */
	{ "91", 10, 10 }, /* India */
	{ "86", 10, 11 }, /* China */
	{ "971", 8, 9 }, /* United Arab Emirates */
};

/* Length of the country code that digits start with, or 0. */
static size_t ct_ex_cc_len(const char *digits)
{
	char cc[4];
	size_t k;

	for (k = 1; k <= 3 && digits[k - 1]; k++) {
		memcpy(cc, digits, k);
		cc[k] = '\0';
		if (ct_ex_in(ct_ex_country_codes, cc))
			return k;
	}
	return 0;
}

bool ct_ex_cc_valid(const char *default_cc)
{
	size_t k;

	if (!default_cc || !*default_cc)
		return true;
	for (k = 0; default_cc[k]; k++)
		if (k >= 3 || !ct_scan_digit(default_cc[k]))
			return false;
	return default_cc[0] != '0';
}

/* True when nsn (n digits) has a plausible length for country code cc. */
static bool ct_ex_nsn_ok(const char *cc, size_t cclen, size_t n)
{
	size_t k;

	for (k = 0;
	     k < sizeof(ct_ex_nsn_lengths) / sizeof(ct_ex_nsn_lengths[0]);
	     k++) {
		const char *e = ct_ex_nsn_lengths[k].cc;

		if (strlen(e) == cclen && memcmp(e, cc, cclen) == 0)
			return n >= ct_ex_nsn_lengths[k].min &&
			       n <= ct_ex_nsn_lengths[k].max;
	}
	return cclen + n >= 8 && cclen + n <= 15 && n >= 4;
}

#define CT_EX_GROUPS_MAX 16

/* The digits of a written phone number and how they were grouped. */
struct ct_ex_digits {
	char d[40]; /* the digits, NUL-terminated */
	size_t nd;
	size_t ng; /* groups of digits, their lengths, what precedes each */
	size_t glen[CT_EX_GROUPS_MAX];
	char sep[CT_EX_GROUPS_MAX]; /* '-', '.' or ' ' */
	bool plus; /* written with a leading "+" */
};

/*
 * Reads raw into pd: digits, groups and separators (spaces, "-", ".", at
 * most 3 in a row), balanced parentheses, a leading "+" or "(+".  A "(0)"
 * after the country code ("+263 (0)77 ...") is dropped.  Returns 0, or -1
 * for anything else.
 */
static int ct_ex_phone_digits(const char *raw, size_t len,
			      struct ct_ex_digits *pd)
{
	size_t i = 0, seplen = 0, gstart = 0;
	size_t zero_paren = (size_t)-1; /* digit index of a "(0)" group */
	bool open = false, in_group = false;
	char cursep = ' ';

	memset(pd, 0, sizeof(*pd));
	while (len > 0 && raw[len - 1] == ' ')
		len--;
	while (i < len && raw[i] == ' ')
		i++;
	if (i + 1 < len && raw[i] == '(' && raw[i + 1] == '+') {
		open = true;
		i++;
	}
	if (i < len && raw[i] == '+') {
		pd->plus = true;
		i++;
	}
	for (; i < len; i++) {
		char c = raw[i];

		if (ct_scan_digit(c)) {
			if (pd->nd >= sizeof(pd->d) - 1)
				return -1;
			if (!in_group) {
				if (pd->ng == CT_EX_GROUPS_MAX)
					return -1;
				pd->sep[pd->ng++] = cursep;
				gstart = pd->nd;
				in_group = true;
				seplen = 0;
				cursep = ' ';
			}
			pd->d[pd->nd++] = c;
			pd->glen[pd->ng - 1]++;
			continue;
		}
		if (in_group && c == ')' && open && pd->glen[pd->ng - 1] == 1 &&
		    pd->d[gstart] == '0' && gstart > 0)
			zero_paren = gstart;
		in_group = false;
		if (c == '(' && !open) {
			open = true;
		} else if (c == ')' && open && pd->ng > 0) {
			open = false;
		} else if (c == '-' || c == '.') {
			cursep = c;
		} else if (c != ' ') {
			return -1;
		}
		if (++seplen > 3)
			return -1;
	}
	if (open || pd->nd == 0)
		return -1;
	if (zero_paren != (size_t)-1) {
		memmove(pd->d + zero_paren, pd->d + zero_paren + 1,
			pd->nd - zero_paren);
		pd->nd--;
	}
	pd->d[pd->nd] = '\0';
	return 0;
}

/* True when the groups look like a date ("05-01-2024") or a decimal. */
static bool ct_ex_date_or_decimal(const struct ct_ex_digits *pd)
{
	const size_t *g = pd->glen;

	if (pd->ng == 3 && pd->sep[1] == pd->sep[2] &&
	    (pd->sep[1] == '-' || pd->sep[1] == '.') &&
	    ((g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4)) ||
	     (g[0] == 4 && g[1] <= 2 && g[2] <= 2)))
		return true;
	return pd->ng >= 2 && pd->sep[pd->ng - 1] == '.' && g[pd->ng - 1] <= 2;
}

int ct_extract_phone_normalize(const char *raw, size_t len,
			       const char *default_cc,
			       char out[CT_EXTRACT_PHONE_LEN])
{
	struct ct_ex_digits pd;
	char cc[4];
	const char *p;
	size_t cclen, nsn;

	if (!raw || !ct_ex_cc_valid(default_cc) ||
	    ct_ex_phone_digits(raw, len, &pd) < 0 || ct_ex_date_or_decimal(&pd))
		return -1;
	/* The country code: the default before a trunk 0, else written. */
	if (pd.d[0] == '0' && pd.d[1] != '0' && !pd.plus) {
		if (!default_cc || !*default_cc)
			return -1;
		cclen = strlen(default_cc);
		memcpy(cc, default_cc, cclen);
		p = pd.d + 1;
	} else {
		if (pd.plus)
			p = pd.d;
		else if (pd.d[0] == '0')
			p = pd.d + 2; /* "00" international prefix */
		else if (default_cc && *default_cc &&
			 strncmp(pd.d, default_cc, strlen(default_cc)) == 0 &&
			 ct_ex_nsn_ok(default_cc, strlen(default_cc),
				      pd.nd - strlen(default_cc)))
			p = pd.d;
		else
			return -1;
		cclen = ct_ex_cc_len(p);
		if (cclen == 0)
			return -1;
		memcpy(cc, p, cclen);
		p += cclen;
		/* "+263 0771234567": the trunk 0 again (Italy keeps its 0). */
		if (*p == '0' && !(cclen == 2 && memcmp(cc, "39", 2) == 0))
			p++;
	}
	cc[cclen] = '\0';
	nsn = strlen(p);
	if ((*p == '0' && strcmp(cc, "39") != 0) ||
	    !ct_ex_nsn_ok(cc, cclen, nsn) || cclen + nsn < 8 ||
	    cclen + nsn > 15)
		return -1;
	out[0] = '+';
	memcpy(out + 1, cc, cclen);
	memcpy(out + 1 + cclen, p, nsn + 1);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Finding the phones of a text. */

/* Nouns after which a number is not a phone ("account number 0123456789"). */
static const char ct_ex_not_phone_nouns[] =
	" account acc acct card id reference ref meter customer policy"
	" transaction receipt invoice membership passport pin otp code"
	" token voucher serial tracking order loan iban swift routing"
	" amount balance total sum price cost ";

/* Copies at most cap - 1 bytes of s (n bytes) to out, not splitting UTF-8. */
static void ct_ex_copy(char *out, size_t cap, const char *s, size_t n)
{
	if (n > cap - 1) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* True when a noun just before token first says the number is no phone. */
static bool ct_ex_not_phone(const struct ct_ex *x, size_t first)
{
	size_t b = first, steps;

	for (steps = 0; b > 0 && steps < 4 && !ct_ex_sentence_start(x, b);
	     steps++) {
		const char *w = ct_ex_tok(x, --b);

		if (ct_ex_in(ct_ex_not_phone_nouns, w))
			return true;
		if (ct_ex_in(ct_ex_contact_nouns, w) &&
		    strcmp(w, "number") != 0 && strcmp(w, "no") != 0)
			return false;
	}
	return false;
}

/* Inserts a phone in order of mention (at token first); pos: positions. */
static void ct_ex_insert_phone(struct ct_extract_utterance *out, size_t *pos,
			       const char *e164, enum ct_extract_owner owner,
			       size_t first)
{
	size_t k, at;

	for (k = 0; k < out->n_phones; k++)
		if (strcmp(out->phones[k].e164, e164) == 0)
			return;
	if (out->n_phones == CT_EXTRACT_ITEMS_MAX)
		return;
	for (at = out->n_phones; at > 0 && pos[at - 1] > first; at--) {
		out->phones[at] = out->phones[at - 1];
		pos[at] = pos[at - 1];
	}
	ct_ex_copy(out->phones[at].e164, sizeof(out->phones[at].e164), e164,
		   strlen(e164));
	out->phones[at].owner = owner;
	pos[at] = first;
	out->n_phones++;
}

void ct_ex_add_phone(const struct ct_ex *x, struct ct_extract_utterance *out,
		     size_t *pos, const char *e164, size_t first, size_t last)
{
	if (!ct_ex_not_phone(x, first))
		ct_ex_insert_phone(out, pos, e164, ct_ex_owner(x, first, last),
				   first);
}

/* Currency words that make an adjacent number an amount. */
static const char ct_ex_currency[] =
	" usd us zwl zwg zig rtgs zar r rand rands bond gbp eur bwp zmw"
	" dollar dollars cents bucks percent pm am hours hrs minutes mins"
	" days weeks months years k ";

/* True when token w is a currency or unit word (ct_ex_currency). */
static bool ct_ex_currency_word(const char *w)
{
	return ct_ex_in(ct_ex_currency, w);
}

/* True when a currency symbol or word comes just before byte a ("USD 50"). */
static bool ct_ex_amount_before(const struct ct_ex *x, size_t a)
{
	return ct_scan_amount_before(x->text, x->t, a, ct_ex_currency_word);
}

/* True when a unit follows byte b ("50 dollars", "10 %", "5 pm"). */
static bool ct_ex_amount_after(const struct ct_ex *x, size_t b)
{
	return ct_scan_amount_after(x->text, x->len, x->t, b,
				    ct_ex_currency_word);
}

/* True when the byte before a run glues it to a word, time or amount. */
static bool ct_ex_bad_left(const struct ct_ex *x, const struct ct_scan_run *r)
{
	const char *s = x->text;
	size_t ps = r->ps[0];
	char c;

	if (ps == 0)
		return false;
	c = s[ps - 1];
	if (ct_scan_alnum(c) || strchr("_*#@$'", c))
		return true;
	if (strchr(":,./", c) && ps >= 2 && ct_scan_digit(s[ps - 2]))
		return c != '/' || r->ge[0] - r->gs[0] <= 4;
	return false;
}

/* The same after the run's last group. */
static bool ct_ex_bad_right(const struct ct_ex *x, const struct ct_scan_run *r)
{
	const char *s = x->text;
	size_t pe = r->pe[r->ng - 1];
	char c;

	if (pe >= x->len)
		return false;
	c = s[pe];
	if (ct_scan_alnum(c) || strchr("_*#@%", c))
		return true;
	if (strchr(":,./", c) && pe + 1 < x->len && ct_scan_digit(s[pe + 1]))
		return c != '/' || r->ge[r->ng - 1] - r->gs[r->ng - 1] <= 4;
	return false;
}

/*
 * Splits groups g0..g1-1 of a run, left to right, into the longest spans
 * that normalize, and adds them ("send 50 0771234567" gives one phone).
 */
static void ct_ex_split_run(const struct ct_ex *x, const struct ct_scan_run *r,
			    size_t g0, size_t g1, const char *default_cc,
			    struct ct_extract_utterance *out, size_t *pos)
{
	while (g0 < g1) {
		char e164[CT_EXTRACT_PHONE_LEN];
		size_t j, a = r->ps[g0];

		for (j = g1; j > g0; j--)
			if (ct_extract_phone_normalize(x->text + a,
						       r->pe[j - 1] - a,
						       default_cc, e164) == 0)
				break;
		if (j == g0) {
			g0++;
			continue;
		}
		ct_ex_add_phone(x, out, pos, e164, ct_ex_tok_at(x, r->gs[g0]),
				ct_ex_tok_at(x, r->ge[j - 1]) - 1);
		g0 = j;
	}
}

void ct_ex_find_digit_phones(const struct ct_ex *x, const char *default_cc,
			     struct ct_extract_utterance *out, size_t *pos)
{
	struct ct_scan_run r;
	size_t i = 0, g0, g1;

	while (i < x->len) {
		if (!ct_scan_digit(x->text[i])) {
			i++;
			continue;
		}
		i = ct_scan_read_run(x->text, x->len, i, &r);
		if (ct_scan_card_like(&r, 16)) /* 16+ digits in one group */
			continue;
		g0 = 0;
		g1 = r.ng;
		if (ct_ex_bad_left(x, &r) || ct_ex_amount_before(x, r.ps[0]))
			g0++;
		if (ct_ex_bad_right(x, &r) ||
		    ct_ex_amount_after(x, r.pe[r.ng - 1]))
			g1--;
		ct_ex_split_run(x, &r, g0, g1, default_cc, out, pos);
	}
}

int ct_ex_digit_word(const struct ct_ex *x, size_t i, bool in_run)
{
	return ct_scan_digit_word(x->t, i, in_run, false); /* no "nought" */
}

void ct_ex_find_spoken_phones(const struct ct_ex *x, const char *default_cc,
			      struct ct_extract_utterance *out, size_t *pos)
{
	size_t i = 0, n = x->t->n;

	while (i < n) {
		char digits[24], e164[CT_EXTRACT_PHONE_LEN];
		size_t j = i, nd = 0, first = i;
		bool plus = false;
		int rc = -1;

		if (strcmp(ct_ex_tok(x, i), "plus") == 0 &&
		    ct_ex_digit_word(x, i + 1, true) > 0) {
			plus = true;
			digits[nd++] = '+';
			j++;
		}
		while (j < n && nd < sizeof(digits) - 4) {
			int rep = 1, dg;
			size_t step = 1;

			if (j > first && ct_ex_gap_has(x, j, ".!?;:\n"))
				break;
			if (strcmp(ct_ex_tok(x, j), "double") == 0)
				rep = 2;
			else if (strcmp(ct_ex_tok(x, j), "triple") == 0)
				rep = 3;
			if (rep > 1)
				step = 2;
			dg = ct_ex_digit_word(x, j + step - 1,
					      nd > (size_t)plus);
			if (dg < 0)
				break;
			while (rep-- > 0)
				digits[nd++] = (char)('0' + dg);
			j += step;
		}
		if (nd - plus >= 8)
			rc = ct_extract_phone_normalize(digits, nd, default_cc,
							e164);
		if (rc == 0) {
			ct_ex_add_phone(x, out, pos, e164, first, j - 1);
			i = j;
		} else {
			i = j > i ? j : i + 1;
		}
	}
}
