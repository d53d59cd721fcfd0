/*
 * The cue detector of the redactor: cue words ("my PIN is", "CVV", "the OTP
 * I got is", "account number", "password:") and the value right after them,
 * over filler words, or just before "is my PIN"; and the answer to an
 * assistant's prompt that asked for such a value ("4321", "yes, it's
 * 4321").  The table of cue phrases, the word lists around it and the
 * password rules are the bulk of the redactor's knowledge of language, so
 * they have a file of their own.
 *
 * Pure: no I/O; the tables are constants.
 */
#include <string.h>

#include "redact_int.h"
#include "textscan.h"

/* Most patterns of a redactor: the defaults and the options'. */
#define CT_RD_PATTERNS_ALL (CT_REDACT_PATTERNS_MAX + 8)

/* Most filler words between a cue and its value. */
#define CT_RD_FILLERS_MAX 6

/* Most other words between a cue and its value before a link verb. */
#define CT_RD_SKIPS_MAX 3

/* Longest value looked for before "is my PIN", in bytes. */
#define CT_RD_BACK_MAX 64

/* Longest password kept as one, in bytes. */
#define CT_RD_PASSWORD_MAX 64

/* ---------------------------------------------------------------------- */
/* Cues and their values. */

/*
 * Cue phrases as the tokenizer spells them; at one token the first phrase
 * of the table that matches wins, so longer phrases come first.
 */
static const struct {
	const char *phrase;
	enum ct_rd_cue cue;
} ct_rd_cues[] = {
	{ "one time pin", CT_RD_CUE_OTP },
	{ "one time password", CT_RD_CUE_OTP },
	{ "one time passcode", CT_RD_CUE_OTP },
	{ "one time code", CT_RD_CUE_OTP },
	{ "verification code", CT_RD_CUE_OTP },
	{ "confirmation code", CT_RD_CUE_OTP },
	{ "authentication code", CT_RD_CUE_OTP },
	{ "authorisation code", CT_RD_CUE_OTP },
	{ "authorization code", CT_RD_CUE_OTP },
	{ "auth code", CT_RD_CUE_OTP },
	{ "sms code", CT_RD_CUE_OTP },
	{ "access code", CT_RD_CUE_OTP },
	{ "activation code", CT_RD_CUE_OTP },
	{ "login code", CT_RD_CUE_OTP },
	{ "pass code", CT_RD_CUE_OTP },
	{ "passcode", CT_RD_CUE_OTP },
	{ "otp", CT_RD_CUE_OTP },
	{ "code on the back", CT_RD_CUE_CVV },
	{ "code at the back", CT_RD_CUE_CVV },
	{ "number on the back", CT_RD_CUE_CVV },
	{ "numbers on the back", CT_RD_CUE_CVV },
	{ "digits on the back", CT_RD_CUE_CVV },
	{ "card verification value", CT_RD_CUE_CVV },
	{ "card verification code", CT_RD_CUE_CVV },
	{ "card security code", CT_RD_CUE_CVV },
	{ "security code", CT_RD_CUE_CVV },
	{ "three digit code", CT_RD_CUE_CVV },
	{ "3 digit code", CT_RD_CUE_CVV },
	{ "three digits", CT_RD_CUE_CVV },
	{ "3 digits", CT_RD_CUE_CVV },
	{ "cvv2", CT_RD_CUE_CVV },
	{ "cvc2", CT_RD_CUE_CVV },
	{ "cvv", CT_RD_CUE_CVV },
	{ "cvc", CT_RD_CUE_CVV },
	{ "csc", CT_RD_CUE_CVV },
	{ "code", CT_RD_CUE_OTP }, /* only after "the", "my"... */
	{ "personal identification number", CT_RD_CUE_PIN },
	{ "pin", CT_RD_CUE_PIN },
	{ "mpin", CT_RD_CUE_PIN },
	{ "password", CT_RD_CUE_PASSWORD },
	{ "passwd", CT_RD_CUE_PASSWORD },
	{ "pwd", CT_RD_CUE_PASSWORD },
	{ "passphrase", CT_RD_CUE_PASSWORD },
	{ "pass word", CT_RD_CUE_PASSWORD },
	{ "national identity number", CT_RD_CUE_ID },
	{ "national identity", CT_RD_CUE_ID },
	{ "national id", CT_RD_CUE_ID },
	{ "national registration number", CT_RD_CUE_ID },
	{ "identity number", CT_RD_CUE_ID },
	{ "identification number", CT_RD_CUE_ID },
	{ "passport number", CT_RD_CUE_ID },
	{ "passport", CT_RD_CUE_ID },
	{ "id", CT_RD_CUE_ID }, /* not "transaction id" */
	{ "account", CT_RD_CUE_ACCOUNT }, /* not "ecocash account" */
	{ "acc", CT_RD_CUE_ACCOUNT },
	{ "acct", CT_RD_CUE_ACCOUNT },
	{ "accnt", CT_RD_CUE_ACCOUNT },
	{ "a c", CT_RD_CUE_ACCOUNT }, /* only written "a/c" */
	{ "card", CT_RD_CUE_CARD },
	{ "visa", CT_RD_CUE_CARD },
	{ "mastercard", CT_RD_CUE_CARD },
	{ "master card", CT_RD_CUE_CARD },
	{ "reference", CT_RD_CUE_REFERENCE },
	{ "ref", CT_RD_CUE_REFERENCE },
	{ "transaction", CT_RD_CUE_REFERENCE },
	{ "txn", CT_RD_CUE_REFERENCE },
	{ "receipt", CT_RD_CUE_REFERENCE },
	{ "invoice", CT_RD_CUE_REFERENCE },
	{ "order", CT_RD_CUE_REFERENCE },
	{ "tracking", CT_RD_CUE_REFERENCE },
	{ "meter", CT_RD_CUE_REFERENCE },
	{ "token", CT_RD_CUE_REFERENCE },
	{ "voucher", CT_RD_CUE_REFERENCE },
	{ "policy", CT_RD_CUE_REFERENCE },
	{ "serial", CT_RD_CUE_REFERENCE },
	{ "batch", CT_RD_CUE_REFERENCE },
	{ "trace", CT_RD_CUE_REFERENCE },
	{ "rrn", CT_RD_CUE_REFERENCE },
	{ "confirmation", CT_RD_CUE_REFERENCE },
	{ "customer", CT_RD_CUE_REFERENCE },
	{ "member", CT_RD_CUE_REFERENCE },
	{ "membership", CT_RD_CUE_REFERENCE },
	{ "ticket", CT_RD_CUE_REFERENCE },
	{ "case", CT_RD_CUE_REFERENCE },
	{ "claim", CT_RD_CUE_REFERENCE },
	{ "booking", CT_RD_CUE_REFERENCE },
};

/* Words before "code" that make it a one-time code ("the code is ..."). */
static const char ct_rd_code_owners[] =
	" the my your our this that new old current ";

/* Words before "id" that make it no national ID ("transaction id"). */
static const char ct_rd_id_blockers[] =
	" transaction reference ref receipt order tracking customer user"
	" session device merchant login apple caller employee student staff"
	" member email app game client request ";

/* Words before "account" that make it a wallet or an online account. */
static const char ct_rd_account_blockers[] =
	" ecocash onemoney telecash innbucks mukuru wallet mobile paypal"
	" netflix google apple facebook twitter instagram email gmail"
	" whatsapp ";

/* Words that may stand between a cue and its value, per kind of cue. */
static const char ct_rd_code_fillers[] =
	" is was are were be being it it's its that's thats the a an my your"
	" our his her new old current number no num nr code codes digits"
	" digit pin i i've ive we got get gotten received receive have has had"
	" you they sent send me us came come just reads read says said shows"
	" as to now here there um uh er erm ok okay yes so please which this"
	" on at back behind of for card atm debit credit visa mastercard"
	" ecocash bank would will should yangu yami ndeye ndiyo ndi iri ";
static const char ct_rd_number_fillers[] =
	" number no num nr is was it's its that's thats the my our his her a"
	" of being reads um uh er erm would will should be just now"
	" yangu yami ndeye ndiyo ndi iri ";
static const char ct_rd_reference_fillers[] =
	" number no num nr is was it's its the my our a of id code um uh ";
/* Words that link a cue to its value over other words ("... was 1234"). */
static const char ct_rd_link_words[] = " is was are were be ";

/* Words never skipped between a cue and its value (amounts, clauses). */
static const char ct_rd_skip_blockers[] =
	" balance amount total limit cost price sum ending last first and"
	" but or because so then if when since until while not never no"
	" reference ref transaction ";

static const char ct_rd_password_fillers[] =
	" is was it's its that's thats the my new old current um uh to be"
	" will ";

/* Words after a password that end the clause ("... is sunshine and"). */
static const char ct_rd_clause_words[] =
	" and but so please thanks thank can could ";

/*
 * Words that follow "password is" without being one ("my password is
 * wrong").
 */
static const char ct_rd_password_stop[] =
	" not wrong incorrect correct right invalid valid expired blocked"
	" locked unlocked changed reset denied rejected accepted forgotten"
	" forgot lost stolen compromised weak strong too the a an my your our"
	" same different new old it this that what working fine ok okay case"
	" sensitive hidden secret required needed empty blank gone unknown"
	" missing long short simple easy hard there here still also now"
	" written saved stored set showing shown being no yes always never"
	" just so very really disabled enabled active inactive protected"
	" private safe unsafe good bad fake real mine yours his hers theirs"
	" known unavailable available failing failed weird strange similar"
	" and or but because in on at for with to of by from ";

/* Number of tokens of phrase when it is spelt at token i, else 0. */
static size_t ct_rd_phrase_at(const struct ct_rd_ctx *c, size_t i,
			      const char *phrase)
{
	const char *p = phrase;
	size_t k = 0;

	while (*p) {
		const char *w = ct_rd_tok(c, i + k);
		size_t l = 0;

		/* byte by byte: most tokens differ at their first byte */
		while (p[l] && p[l] != ' ' && w[l] == p[l])
			l++;
		if ((p[l] && p[l] != ' ') || w[l] != '\0')
			return 0;
		if (k > 0 && !ct_rd_gap_only(c, i + k, " -/"))
			return 0;
		k++;
		p += l;
		p += strspn(p, " ");
	}
	return k;
}

/* True when the cue matched at token i (n tokens) stands as a cue. */
static bool ct_rd_cue_ok(const struct ct_rd_ctx *c, size_t i, size_t n,
			 const char *phrase)
{
	const char *prev = i > 0 ? ct_rd_tok(c, i - 1) : "";

	if (strcmp(phrase, "code") == 0)
		return ct_rd_in(ct_rd_code_owners, prev);
	if (strcmp(phrase, "id") == 0)
		return !ct_rd_in(ct_rd_id_blockers, prev);
	if (strcmp(phrase, "account") == 0)
		return !ct_rd_in(ct_rd_account_blockers, prev);
	if (strcmp(phrase, "three digits") == 0 ||
	    strcmp(phrase, "3 digits") == 0)
		return !ct_rd_in(" first last ", prev);
	if (strcmp(phrase, "a c") == 0)
		return n == 2 && c->t.v[i].end + 1 == c->t.v[i + 1].start &&
		       c->s[c->t.v[i].end] == '/';
	return true;
}

/* The shapes of the values of cue, into pats (at most n); their number. */
static size_t ct_rd_cue_patterns(const struct ct_redact *r, enum ct_rd_cue cue,
				 const struct ct_rd_pattern **pats, size_t n)
{
	enum ct_redact_type type;
	size_t k, m = 0;

	switch (cue) {
	case CT_RD_CUE_PIN:
		pats[0] = &r->pin;
		return 1;
	case CT_RD_CUE_CVV:
		pats[0] = &r->cvv;
		return 1;
	case CT_RD_CUE_OTP:
		pats[0] = &r->otp;
		return 1;
	case CT_RD_CUE_CARD:
		pats[0] = &r->card;
		return 1;
	case CT_RD_CUE_ACCOUNT:
		type = CT_REDACT_TYPE_ACCOUNT;
		break;
	case CT_RD_CUE_ID:
		type = CT_REDACT_TYPE_ID_NUMBER;
		break;
	default:
		return 0;
	}
	for (k = 0; k < r->n_pats && m < n; k++)
		if (r->pats[k].type == type)
			pats[m++] = &r->pats[k];
	return m;
}

/* The digits a spoken value of cue may have (0, 0 when none). */
static void ct_rd_cue_spoken_range(const struct ct_redact *r,
				   enum ct_rd_cue cue, size_t *min,
				   size_t *max)
{
	static const struct {
		enum ct_rd_cue cue;
		unsigned char min, max;
	} ranges[] = {
		{ CT_RD_CUE_PIN, 4, 8 },
		{ CT_RD_CUE_CVV, 3, 4 },
		{ CT_RD_CUE_OTP, 4, 8 },
		{ CT_RD_CUE_CARD, 13, 19 },
		/* As the default patterns: spoken values have no separators. */
		{ CT_RD_CUE_ACCOUNT, 7, 16 },
		{ CT_RD_CUE_ID, 8, 11 },
	};
	size_t k;

	*min = *max = 0;
	if (!r->defaults &&
	    (cue == CT_RD_CUE_ACCOUNT || cue == CT_RD_CUE_ID))
		return;
	for (k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++)
		if (ranges[k].cue == cue) {
			*min = ranges[k].min;
			*max = ranges[k].max;
		}
}

/* The type of span a cue's value gets. */
static enum ct_redact_type ct_rd_cue_type(enum ct_rd_cue cue)
{
	switch (cue) {
	case CT_RD_CUE_PIN:
		return CT_REDACT_TYPE_PIN;
	case CT_RD_CUE_CVV:
		return CT_REDACT_TYPE_CVV;
	case CT_RD_CUE_OTP:
		return CT_REDACT_TYPE_OTP;
	case CT_RD_CUE_PASSWORD:
		return CT_REDACT_TYPE_PASSWORD;
	case CT_RD_CUE_ACCOUNT:
		return CT_REDACT_TYPE_ACCOUNT;
	case CT_RD_CUE_ID:
		return CT_REDACT_TYPE_ID_NUMBER;
	default:
		return CT_REDACT_TYPE_CARD;
	}
}

/*
 * Proposes the value of cue written or spoken at token j (after the cue);
 * returns true when there was one.
 */
static bool ct_rd_value_after(struct ct_rd_ctx *c, enum ct_rd_cue cue,
			      size_t j)
{
	const struct ct_rd_pattern *pats[CT_RD_PATTERNS_ALL];
	const struct ct_rd_spoken *sp;
	size_t np, k, a, best = 0, min, max;
	enum ct_redact_type type = ct_rd_cue_type(cue);

	if (j >= c->t.n)
		return false;
	a = c->t.v[j].start;
	np = ct_rd_cue_patterns(c->r, cue, pats, CT_RD_PATTERNS_ALL);
	for (k = 0; k < np; k++) {
		size_t e = ct_rd_match(pats[k], c->s, c->len, a);

		if (e > best && !ct_rd_amount(c, a, e))
			best = e;
	}
	if (best > 0) {
		ct_rd_add(c, type, a, best, CT_RD_PRIO_CUE, NULL);
		return true;
	}
	ct_rd_cue_spoken_range(c->r, cue, &min, &max);
	sp = ct_rd_spoken_at(c, j, false);
	if (sp && sp->d[0] != '+' && sp->nd >= min && sp->nd <= max &&
	    !ct_rd_amount(c, sp->start, sp->end)) {
		size_t end = sp->end, t = sp->last + 1;

		/* A national ID spoken with its letter: "... seven b four two". */
		if (cue == CT_RD_CUE_ID && strlen(ct_rd_tok(c, t)) == 1 &&
		    ct_scan_alpha(ct_rd_tok(c, t)[0]) &&
		    ct_rd_digit_word(c, t + 1, true) >= 0 &&
		    ct_rd_digit_word(c, t + 2, true) >= 0)
			end = c->t.v[t + 2].end;
		ct_rd_add(c, type, sp->start, end, CT_RD_PRIO_CUE, NULL);
		return true;
	}
	return false;
}

/*
 * Proposes the value of cue that ends with token v, before "is my PIN"
 * ("1234 is my PIN").
 */
static void ct_rd_value_before(struct ct_rd_ctx *c, enum ct_rd_cue cue,
			       size_t v)
{
	const struct ct_rd_pattern *pats[CT_RD_PATTERNS_ALL];
	const struct ct_rd_spoken *sp;
	size_t np, k, a, e = c->t.v[v].end, min, max;
	enum ct_redact_type type = ct_rd_cue_type(cue);

	np = ct_rd_cue_patterns(c->r, cue, pats, CT_RD_PATTERNS_ALL);
	for (a = e > CT_RD_BACK_MAX ? e - CT_RD_BACK_MAX : 0; a < e; a++)
		for (k = 0; k < np; k++)
			if (ct_rd_match(pats[k], c->s, c->len, a) == e &&
			    !ct_rd_amount(c, a, e)) {
				ct_rd_add(c, type, a, e, CT_RD_PRIO_CUE, NULL);
				return;
			}
	ct_rd_cue_spoken_range(c->r, cue, &min, &max);
	sp = ct_rd_spoken_at(c, v, true);
	if (sp && sp->d[0] != '+' && sp->nd >= min && sp->nd <= max)
		ct_rd_add(c, type, sp->start, sp->end, CT_RD_PRIO_CUE, NULL);
}

/* True when a word of letters is shaped like a participle or an adverb
 * ("modified", "expiring", "temporarily"): it describes a password. */
static bool ct_rd_descriptive(const char *w)
{
	static const char *const suffixes[] = { "ed", "ing", "ly" };
	size_t n = strlen(w), k;

	for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
		size_t m = strlen(suffixes[k]);

		if (n > m + 2 && strcmp(w + n - m, suffixes[k]) == 0)
			return true;
	}
	return false;
}

/*
 * Proposes the password after a password cue that ends with token ce: the
 * next blank-delimited word after "is", "was", "to", ":" or "=", unless it
 * is a word that describes a password ("wrong", "expired", "modified").  A
 * word of letters only must also end the clause ("my password is
 * sunshine.").  A word with a digit or a symbol needs 4 bytes or more.
 */
static void ct_rd_password_after(struct ct_rd_ctx *c, size_t ce)
{
	const char *s = c->s;
	size_t j = ce + 1, fill = 0, k, a, b, full;
	bool linked = false, strong = false, ends;
	char low[CT_RD_PASSWORD_MAX + 1];

	k = c->t.v[ce].end;
	while (j < c->t.n && fill < CT_RD_FILLERS_MAX &&
	       ct_rd_in(ct_rd_password_fillers, ct_rd_tok(c, j))) {
		linked = linked ||
			 ct_rd_in(" is was it's its that's thats to be ",
				  ct_rd_tok(c, j));
		k = c->t.v[j++].end;
		fill++;
	}
	while (k < c->len && strchr(" :=-\"'", s[k])) {
		linked = linked || s[k] == ':' || s[k] == '=';
		k++;
	}
	if (!linked || k >= c->len)
		return;
	a = k;
	while (k < c->len && s[k] != ' ' && s[k] != '\t' && s[k] != '\n' &&
	       s[k] != '\r')
		k++;
	full = b = k;
	for (;;) {
		size_t p = ct_rd_punct_len(s, a, b, false);

		if (p > 0)
			b -= p;
		else if (b > a && strchr(".,!?;:\"')", s[b - 1]))
			b--;
		else
			break;
	}
	if (b == a || b - a > CT_RD_PASSWORD_MAX)
		return;
	for (k = a; k < b; k++) {
		low[k - a] = ct_scan_to_lower(s[k]);
		if (ct_scan_digit(s[k]) ||
		    ((unsigned char)s[k] < 0x80 && !ct_scan_alpha(s[k]) &&
		     s[k] != '\'' && s[k] != '-'))
			strong = true;
	}
	low[b - a] = '\0';
	if (strong) {
		if (b - a >= 4)
			ct_rd_add(c, CT_REDACT_TYPE_PASSWORD, a, b,
				  CT_RD_PRIO_CUE, NULL);
		return;
	}
	if (ct_rd_in(ct_rd_password_stop, low) || ct_rd_descriptive(low))
		return;
	ends = b < full || full >= c->len;
	if (!ends) {
		size_t t = ct_rd_tok_at(c, full);

		ends = ct_rd_in(ct_rd_clause_words, ct_rd_tok(c, t));
	}
	if (ends)
		ct_rd_add(c, CT_REDACT_TYPE_PASSWORD, a, b, CT_RD_PRIO_CUE,
			  NULL);
}

/*
 * The token where the value of a cue stands, from token j after the cue:
 * past its fillers, and past at most CT_RD_SKIPS_MAX other words when a
 * link verb follows them ("the PIN I used was 1234", "the account number
 * for the school fees is ...").  c->t.n when there is none.
 */
static size_t ct_rd_value_token(const struct ct_rd_ctx *c, size_t j,
				const char *fillers)
{
	size_t seen = 0, skips = 0;
	bool linked = true;

	while (j < c->t.n && seen < CT_RD_FILLERS_MAX) {
		const char *w = ct_rd_tok(c, j);

		if (ct_rd_in(fillers, w)) {
			linked = linked || ct_rd_in(ct_rd_link_words, w);
		} else if (skips < CT_RD_SKIPS_MAX &&
			   !strpbrk(w, "0123456789") &&
			   ct_rd_digit_word(c, j, false) < 0 &&
			   !ct_rd_spoken_at(c, j, false) &&
			   !ct_rd_in(ct_rd_skip_blockers, w)) {
			skips++;
			linked = false;
		} else {
			break;
		}
		j++;
		seen++;
	}
	if (j < c->t.n && !linked)
		linked = ct_rd_gap_has_link(c, j);
	return linked ? j : c->t.n;
}

/* Handles the cue found at tokens i..i+n-1. */
static void ct_rd_cue_at(struct ct_rd_ctx *c, enum ct_rd_cue cue, size_t i,
			 size_t n)
{
	const char *fillers = ct_rd_number_fillers;
	size_t j = i + n, fill = 0, k;

	if (cue == CT_RD_CUE_PASSWORD) {
		ct_rd_password_after(c, i + n - 1);
		return;
	}
	if (cue == CT_RD_CUE_PIN || cue == CT_RD_CUE_CVV ||
	    cue == CT_RD_CUE_OTP)
		fillers = ct_rd_code_fillers;
	else if (cue == CT_RD_CUE_REFERENCE)
		fillers = ct_rd_reference_fillers;
	if (cue != CT_RD_CUE_REFERENCE) {
		j = ct_rd_value_token(c, j, fillers);
	} else {
		while (j < c->t.n && fill < CT_RD_FILLERS_MAX &&
		       ct_rd_in(fillers, ct_rd_tok(c, j))) {
			j++;
			fill++;
		}
	}
	if (cue == CT_RD_CUE_REFERENCE) {
		if (j < c->t.n) {
			if (!ct_rd_grow((void **)&c->quiet, &c->cap_quiet,
					c->n_quiet, sizeof(*c->quiet))) {
				c->oom = true;
				return;
			}
			c->quiet[c->n_quiet++] = c->t.v[j].start;
		}
		return;
	}
	if (ct_rd_value_after(c, cue, j))
		return;
	/* "1234 is my PIN", "0123456789 was the account number". */
	k = i;
	if (k > 0 && ct_rd_in(" my the your our ", ct_rd_tok(c, k - 1)))
		k--;
	if (k > 1 && ct_rd_in(" is was that's thats it's ", ct_rd_tok(c, k - 1)))
		ct_rd_value_before(c, cue, k - 2);
}

#define CT_RD_N_CUES (sizeof(ct_rd_cues) / sizeof(ct_rd_cues[0]))
_Static_assert(CT_RD_N_CUES <= CT_RD_CUES_MAX, "raise CT_RD_CUES_MAX");

void ct_rd_index_cues(struct ct_redact *r)
{
	unsigned char at[256];
	size_t k, b;

	memset(r->cue_first, 0, sizeof(r->cue_first));
	for (k = 0; k < CT_RD_N_CUES; k++)
		r->cue_first[(unsigned char)ct_rd_cues[k].phrase[0] + 1]++;
	for (b = 0; b < 256; b++)
		r->cue_first[b + 1] += r->cue_first[b];
	memcpy(at, r->cue_first, sizeof(at));
	for (k = 0; k < CT_RD_N_CUES; k++)
		r->cue_order[at[(unsigned char)ct_rd_cues[k].phrase[0]]++] =
			(unsigned char)k;
}

/* Number of tokens of the cue at token i (its kind in *cue), or 0. */
static size_t ct_rd_cue_match(const struct ct_rd_ctx *c, size_t i,
			      enum ct_rd_cue *cue)
{
	unsigned char b = (unsigned char)ct_rd_tok(c, i)[0];
	size_t j, n;

	for (j = c->r->cue_first[b]; j < c->r->cue_first[b + 1]; j++) {
		const char *phrase = ct_rd_cues[c->r->cue_order[j]].phrase;

		n = ct_rd_phrase_at(c, i, phrase);
		if (n > 0 && ct_rd_cue_ok(c, i, n, phrase)) {
			*cue = ct_rd_cues[c->r->cue_order[j]].cue;
			return n;
		}
	}
	return 0;
}

void ct_rd_find_cues(struct ct_rd_ctx *c)
{
	enum ct_rd_cue cue;
	size_t i = 0, n;

	while (i < c->t.n) {
		n = ct_rd_cue_match(c, i, &cue);
		if (n == 0) {
			i++;
			continue;
		}
		ct_rd_cue_at(c, cue, i, n);
		i += n;
	}
}

/* ---------------------------------------------------------------------- */
/* Answers to a prompt. */

/* Words that may open an answer before its value ("yes, it's 4321"). */
static const char ct_rd_answer_fillers[] =
	" yes yeah yep sure ok okay alright right so um uh er erm it it's its"
	" is that's thats the my number no code pin ndeye ehe hongu yebo ";

unsigned ct_rd_prompt_cues(const struct ct_rd_ctx *p, enum ct_rd_cue *last)
{
	enum ct_rd_cue cue;
	unsigned kinds = 0;
	size_t i = 0, n;

	while (i < p->t.n) {
		n = ct_rd_cue_match(p, i, &cue);
		if (n == 0) {
			i++;
			continue;
		}
		if (cue != CT_RD_CUE_REFERENCE) {
			*last = cue;
			kinds |= 1u << cue;
		}
		i += n;
	}
	return kinds;
}

/*
 * Proposes the whole answer as a password when it is one word of 4 bytes
 * or more with a digit or a symbol; true when it did.
 */
static bool ct_rd_answer_password(struct ct_rd_ctx *c)
{
	size_t a = 0, b = c->len, k;
	bool strong = false;

	while (a < b && strchr(" \t\r\n\"'", c->s[a]))
		a++;
	while (b > a && strchr(" \t\r\n\"'.!?", c->s[b - 1]))
		b--;
	for (k = a; k < b; k++) {
		if (strchr(" \t\r\n", c->s[k]))
			return false;
		strong = strong || ct_scan_digit(c->s[k]) ||
			 ((unsigned char)c->s[k] < 0x80 &&
			  !ct_scan_alpha(c->s[k]));
	}
	if (!strong || b - a < 4 || b - a > CT_RD_PASSWORD_MAX)
		return false;
	ct_rd_add(c, CT_REDACT_TYPE_PASSWORD, a, b, CT_RD_PRIO_CUE, NULL);
	return true;
}

void ct_rd_answer(struct ct_rd_ctx *c, unsigned kinds, enum ct_rd_cue last)
{
	size_t j = 0;
	unsigned k;

	while (j < c->t.n && j < CT_RD_FILLERS_MAX &&
	       ct_rd_in(ct_rd_answer_fillers, ct_rd_tok(c, j)))
		j++;
	if (last == CT_RD_CUE_PASSWORD ? ct_rd_answer_password(c) :
					 ct_rd_value_after(c, last, j))
		return;
	for (k = 0; k <= CT_RD_CUE_REFERENCE; k++) {
		if (!(kinds & (1u << k)) || k == last)
			continue;
		if (k == CT_RD_CUE_PASSWORD ?
			    ct_rd_answer_password(c) :
			    ct_rd_value_after(c, (enum ct_rd_cue)k, j))
			return;
	}
}
