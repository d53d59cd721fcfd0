/*
 * Redaction of personal and payment data before storage.  See
 * include/convtrack/redact.h for the contract and docs/privacy-redaction.md
 * for the rules and their measured recall and false-positive rate.
 *
 * Detectors, each proposing spans with a priority:
 *
 *   - cues (priority 3): a cue word ("my PIN is", "CVV", "the OTP I got
 *     is", "account number", "card number", "ID number", "password:") and
 *     the value right after it, over filler words (and a few other words
 *     when a link verb follows: "the PIN I used was"), or just before "is
 *     my PIN"; the value must have the shape of its kind (a PIN is 4-8
 *     digits, an account a pattern of the options...), written in digits or
 *     spoken ("four three two one");
 *   - strict shapes (priority 3): IBANs whose mod-97 check holds, the
 *     uncued patterns of the options (the Zimbabwean national ID);
 *   - cards (priority 2): Luhn-valid numbers of 13-19 digits with the first
 *     digit of a card network;
 *   - contacts (priority 1): written email addresses and phone numbers,
 *     written or spoken, that ct_extract_phone_normalize() accepts.
 *
 * Overlaps are settled by priority, then length; what survives is replaced.
 * Numbers glued to a currency or a unit ("$1,250.00", "ZWL 5000", "1000
 * dollars"), to a time, date or decimal ("10:30", "12/03/2024") or to a USSD
 * code ("*151*1#") are never values, and a number after a reference cue
 * ("reference", "transaction", "meter") is neither a card nor a phone.
 *
 * Pure: no I/O and no global mutable state; the redactor is read-only after
 * ct_redact_new().  HMAC-SHA256 comes from OpenSSL's libcrypto.
 */
#include "convtrack/redact.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "convtrack/extract.h"
#include "convtrack/text.h"
#include "textscan.h"

/* ---------------------------------------------------------------------- */
/* Types and placeholders. */

static const struct {
	const char *name;
	const char *placeholder; /* without the closing "]" */
} ct_rd_types[CT_REDACT_TYPE_COUNT] = {
	[CT_REDACT_TYPE_CARD] = { "card", "[CARD" },
	[CT_REDACT_TYPE_PIN] = { "pin", "[PIN" },
	[CT_REDACT_TYPE_CVV] = { "cvv", "[CVV" },
	[CT_REDACT_TYPE_OTP] = { "otp", "[OTP" },
	[CT_REDACT_TYPE_PASSWORD] = { "password", "[PASSWORD" },
	[CT_REDACT_TYPE_ACCOUNT] = { "account", "[ACCOUNT" },
	[CT_REDACT_TYPE_ID_NUMBER] = { "id_number", "[ID_NUMBER" },
	[CT_REDACT_TYPE_IBAN] = { "iban", "[IBAN" },
	[CT_REDACT_TYPE_EMAIL] = { "email", "[EMAIL" },
	[CT_REDACT_TYPE_PHONE] = { "phone", "[PHONE" },
};

/* Default patterns (docs/privacy-redaction.md). */
static const struct ct_redact_pattern ct_rd_default_patterns[] = {
	/* Zimbabwean national ID: registration district, 6-7 digits, check
	 * letter, district of origin ("63-123456 B 42", "082047823Q29"). */
	{ CT_REDACT_TYPE_ID_NUMBER, "DD_D{6,7}_L_DD", false },
	/* The same said without its letter, and passports, after an ID cue. */
	{ CT_REDACT_TYPE_ID_NUMBER, "N{8,11}", true },
	{ CT_REDACT_TYPE_ID_NUMBER, "LL_D{6,7}", true },
	/* Zimbabwean bank account numbers after an account cue. */
	{ CT_REDACT_TYPE_ACCOUNT, "N{7,16}", true },
};

/* Shapes of the values of the built-in cues. */
#define CT_RD_PIN_PATTERN "N{4,8}"
#define CT_RD_CVV_PATTERN "N{3,4}"
#define CT_RD_OTP_PATTERN "N{4,8}"
#define CT_RD_CARD_PATTERN "N{13,19}"

/* Most patterns of a redactor: the defaults and the options'. */
#define CT_RD_PATTERNS_ALL (CT_REDACT_PATTERNS_MAX + 8)

/* Longest key accepted, so that its length fits HMAC()'s int. */
#define CT_RD_KEY_MAX 1024

/* ---------------------------------------------------------------------- */
/* Small helpers. */

/* True when w is one of the space-separated words of list. */
static bool ct_rd_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	if (n == 0)
		return false;
	while ((p = strstr(p, w)) != NULL) {
		if (p > list && p[-1] == ' ' && p[n] == ' ')
			return true;
		p++;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* The pattern language (redact.h). */

#define CT_RD_ATOMS_MAX 64
#define CT_RD_REPEAT_MAX 64
/* Fewest letters or digits a pattern must require. */
#define CT_RD_PATTERN_MIN_CHARS 4
/* Backtracking steps allowed for one match attempt. */
#define CT_RD_MATCH_STEPS 20000

struct ct_rd_atom {
	char kind; /* 'D', 'L', 'A', 'N', '_' or 'c' (literal) */
	char lit; /* the literal, lower-cased */
	unsigned char min, max;
};

struct ct_rd_pattern {
	enum ct_redact_type type;
	bool cued;
	size_t n;
	struct ct_rd_atom atoms[CT_RD_ATOMS_MAX];
};

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

/*
 * Compiles src into p; returns 0, or -1 when it is not a valid pattern or
 * requires fewer than min_chars letters and digits.
 */
static int ct_rd_compile(const char *src, size_t min_chars,
			 struct ct_rd_pattern *p)
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

/* What a match must not touch on its right (redact.h, "stands alone"). */
static bool ct_rd_end_ok(const char *s, size_t len, size_t end, bool grouped)
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

/* The same on the left of a match starting at byte start. */
static bool ct_rd_start_ok(const char *s, size_t start, bool grouped)
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

/*
 * Matches p at byte start of s; returns the end, or 0 when it does not
 * match there (a match is never empty).
 */
static size_t ct_rd_match(const struct ct_rd_pattern *p, const char *s,
			  size_t len, size_t start)
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

/* ---------------------------------------------------------------------- */
/* The redactor. */

/* Room for the cue phrases of ct_rd_cues (checked where they are). */
#define CT_RD_CUES_MAX 128

struct ct_redact {
	enum ct_redact_mode email_mode;
	enum ct_redact_mode phone_mode;
	unsigned char *key; /* NULL when no key was given */
	size_t key_len;
	char cc[4]; /* "" when local phone forms are not guessed */
	size_t n_pats;
	struct ct_rd_pattern *pats;
	bool defaults; /* the default patterns are in pats */
	bool quick; /* every pattern needs a digit: ct_redact_may_match() */
	/* The built-in shapes of cued values. */
	struct ct_rd_pattern pin, cvv, otp, card;
	/*
	 * The cue phrases (ct_rd_cues) by their first byte, in table order:
	 * those starting with byte b are cue_order[cue_first[b] ..
	 * cue_first[b + 1] - 1].  Most tokens start no phrase at all.
	 */
	unsigned char cue_order[CT_RD_CUES_MAX];
	unsigned char cue_first[257];
};

static void ct_rd_index_cues(struct ct_redact *r);

void ct_redact_options_init(struct ct_redact_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->email_mode = CT_REDACT_HASH;
	opt->phone_mode = CT_REDACT_HASH;
	opt->default_cc = "263";
}

/* True when mode is one of the enum's values. */
static bool ct_rd_mode_valid(enum ct_redact_mode mode)
{
	return mode == CT_REDACT_HASH || mode == CT_REDACT_KEEP ||
	       mode == CT_REDACT_REMOVE;
}

/* Hex of the first 8 bytes of HMAC-SHA256(key, v); 0 or CT_REDACT_ECRYPTO. */
static int ct_rd_hmac_hex(const unsigned char *key, size_t key_len,
			  const char *v, size_t n, char out[CT_REDACT_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t k;

	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)v, n,
		  md, &mdlen) ||
	    mdlen * 2 < CT_REDACT_HASH_HEX)
		return CT_REDACT_ECRYPTO;
	for (k = 0; k < CT_REDACT_HASH_HEX / 2; k++) {
		out[2 * k] = hex[md[k] >> 4];
		out[2 * k + 1] = hex[md[k] & 0x0F];
	}
	out[CT_REDACT_HASH_HEX] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* Checks opt's scalar settings; 0 or CT_REDACT_EINVAL. */
static int ct_rd_check_options(const struct ct_redact_options *opt)
{
	bool hash = opt->email_mode == CT_REDACT_HASH ||
		    opt->phone_mode == CT_REDACT_HASH;
	const char *cc = opt->default_cc;
	size_t k;

	if (!ct_rd_mode_valid(opt->email_mode) ||
	    !ct_rd_mode_valid(opt->phone_mode))
		return CT_REDACT_EINVAL;
	if (hash && (!opt->hash_key || opt->hash_key_len < CT_REDACT_KEY_MIN))
		return CT_REDACT_EINVAL;
	if (opt->hash_key_len > CT_RD_KEY_MAX ||
	    (opt->hash_key_len > 0 && !opt->hash_key))
		return CT_REDACT_EINVAL;
	if (cc && *cc) {
		for (k = 0; cc[k]; k++)
			if (k >= 3 || !ct_scan_digit(cc[k]))
				return CT_REDACT_EINVAL;
		if (cc[0] == '0')
			return CT_REDACT_EINVAL;
	}
	if ((opt->n_patterns > 0 && !opt->patterns) ||
	    opt->n_patterns > CT_REDACT_PATTERNS_MAX)
		return CT_REDACT_EINVAL;
	return 0;
}

/* Compiles the default and the given patterns into r; 0 or an error. */
static int ct_rd_build_patterns(struct ct_redact *r,
				const struct ct_redact_options *opt)
{
	size_t nd = opt->no_default_patterns ?
			    0 :
			    sizeof(ct_rd_default_patterns) /
				    sizeof(ct_rd_default_patterns[0]);
	size_t k;

	r->pats = calloc(nd + opt->n_patterns + 1, sizeof(*r->pats));
	if (!r->pats)
		return CT_REDACT_ENOMEM;
	for (k = 0; k < nd + opt->n_patterns; k++) {
		const struct ct_redact_pattern *src =
			k < nd ? &ct_rd_default_patterns[k] :
				 &opt->patterns[k - nd];
		struct ct_rd_pattern *p = &r->pats[r->n_pats];

		if (src->type != CT_REDACT_TYPE_ACCOUNT &&
		    src->type != CT_REDACT_TYPE_ID_NUMBER)
			return CT_REDACT_EINVAL;
		if (ct_rd_compile(src->pattern, CT_RD_PATTERN_MIN_CHARS, p) < 0)
			return CT_REDACT_EINVAL;
		p->type = src->type;
		p->cued = src->cued;
		r->n_pats++;
	}
	if (ct_rd_compile(CT_RD_PIN_PATTERN, 1, &r->pin) < 0 ||
	    ct_rd_compile(CT_RD_CVV_PATTERN, 1, &r->cvv) < 0 ||
	    ct_rd_compile(CT_RD_OTP_PATTERN, 1, &r->otp) < 0 ||
	    ct_rd_compile(CT_RD_CARD_PATTERN, 1, &r->card) < 0)
		return CT_REDACT_EINVAL;
	r->pin.type = CT_REDACT_TYPE_PIN;
	r->cvv.type = CT_REDACT_TYPE_CVV;
	r->otp.type = CT_REDACT_TYPE_OTP;
	r->card.type = CT_REDACT_TYPE_CARD;
	return 0;
}

/*
 * True when every extra pattern of opt has a D or N atom, so that no pattern
 * can match a text without digits (the defaults all have one).  A pattern
 * whose digits are all optional ("D{0,2}") still counts: the quick check
 * below is then slightly optimistic for it, which is why it is documented.
 */
static bool ct_rd_patterns_need_digit(const struct ct_redact_options *opt)
{
	size_t i;

	for (i = 0; i < opt->n_patterns; i++) {
		const char *p = opt->patterns[i].pattern;
		bool digit = false;

		for (; *p && !digit; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				continue;
			}
			digit = *p == 'D' || *p == 'N';
		}
		if (!digit)
			return false;
	}
	return true;
}

int ct_redact_new(const struct ct_redact_options *opt, struct ct_redact **out)
{
	struct ct_redact_options defaults;
	struct ct_redact *r;
	char probe[CT_REDACT_HASH_LEN];
	int rc;

	if (!out)
		return CT_REDACT_EINVAL;
	*out = NULL;
	if (!opt) {
		ct_redact_options_init(&defaults);
		opt = &defaults;
	}
	rc = ct_rd_check_options(opt);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return CT_REDACT_ENOMEM;
	r->email_mode = opt->email_mode;
	r->phone_mode = opt->phone_mode;
	if (opt->default_cc)
		strcpy(r->cc, opt->default_cc); /* checked: 0..3 digits */
	if (opt->hash_key_len > 0) {
		r->key = malloc(opt->hash_key_len);
		if (!r->key) {
			rc = CT_REDACT_ENOMEM;
			goto out_free_r;
		}
		memcpy(r->key, opt->hash_key, opt->hash_key_len);
		r->key_len = opt->hash_key_len;
		/* Fail now, not on the first message, if libcrypto cannot. */
		rc = ct_rd_hmac_hex(r->key, r->key_len, "", 0, probe);
		if (rc < 0)
			goto out_free_r;
	}
	r->defaults = !opt->no_default_patterns;
	rc = ct_rd_build_patterns(r, opt);
	if (rc < 0)
		goto out_free_r;
	r->quick = ct_rd_patterns_need_digit(opt);
	ct_rd_index_cues(r);
	*out = r;
	return 0;

out_free_r:
	ct_redact_free(r);
	return rc;
}

void ct_redact_free(struct ct_redact *r)
{
	if (!r)
		return;
	if (r->key) {
		OPENSSL_cleanse(r->key, r->key_len);
		free(r->key);
	}
	free(r->pats);
	free(r);
}

const char *ct_redact_type_name(enum ct_redact_type type)
{
	if ((unsigned)type >= CT_REDACT_TYPE_COUNT)
		return "unknown";
	return ct_rd_types[type].name;
}

void ct_redact_result_clear(struct ct_redact_result *out)
{
	if (!out)
		return;
	free(out->text);
	free(out->spans);
	memset(out, 0, sizeof(*out));
}

/* ---------------------------------------------------------------------- */
/* Scanning one text. */

/* Priorities of the detectors (the file's opening comment). */
#define CT_RD_PRIO_CUE 3
#define CT_RD_PRIO_STRICT 3 /* IBANs and uncued patterns */
#define CT_RD_PRIO_SHAPE 2 /* cards */
#define CT_RD_PRIO_CONTACT 1

/* Most filler words between a cue and its value. */
#define CT_RD_FILLERS_MAX 6

/* Most other words between a cue and its value before a link verb. */
#define CT_RD_SKIPS_MAX 3

/* Longest value looked for before "is my PIN", in bytes. */
#define CT_RD_BACK_MAX 64

/* Longest password kept as one, in bytes. */
#define CT_RD_PASSWORD_MAX 64

/* A span proposed by a detector. */
struct ct_rd_item {
	enum ct_redact_type type;
	size_t start, end;
	int prio;
	size_t order; /* proposal order, to break ties */
	char norm[CT_EXTRACT_EMAIL_LEN]; /* email or phone to hash, or "" */
};

/* Digits spoken as words ("zero seven seven ..."), in tokens first..last. */
struct ct_rd_spoken {
	size_t first, last;
	size_t start, end; /* bytes */
	char d[48]; /* the digits, after a "+" when "plus" was said */
	size_t nd; /* digits, the "+" not counted */
};

struct ct_rd_ctx {
	const struct ct_redact *r;
	const char *s;
	size_t len;
	struct ct_text_tokens t;
	struct ct_rd_item *items;
	size_t n_items, cap_items;
	struct ct_rd_spoken *spoken;
	size_t n_spoken, cap_spoken;
	size_t *quiet; /* where the values of reference cues start */
	size_t n_quiet, cap_quiet;
	bool oom;
};

/* Makes room for one more element in *v (n used of *cap); false on OOM. */
static bool ct_rd_grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

/* Proposes a span; norm is the value to hash for an email or phone. */
static void ct_rd_add(struct ct_rd_ctx *c, enum ct_redact_type type,
		      size_t start, size_t end, int prio, const char *norm)
{
	struct ct_rd_item *it;

	if (end <= start)
		return;
	if (!ct_rd_grow((void **)&c->items, &c->cap_items, c->n_items,
			sizeof(*c->items))) {
		c->oom = true;
		return;
	}
	it = &c->items[c->n_items];
	it->type = type;
	it->start = start;
	it->end = end;
	it->prio = prio;
	it->order = c->n_items++;
	it->norm[0] = '\0';
	if (norm && strlen(norm) < sizeof(it->norm))
		strcpy(it->norm, norm);
}

/* Token i, lower-cased; "" past the end. */
static const char *ct_rd_tok(const struct ct_rd_ctx *c, size_t i)
{
	return i < c->t.n ? c->t.v[i].s : "";
}

/* Index of the first token that starts at or after byte pos. */
static size_t ct_rd_tok_at(const struct ct_rd_ctx *c, size_t pos)
{
	return ct_scan_tok_at(&c->t, pos);
}

/* True when a ":" or "=" lies between token i - 1 and token i. */
static bool ct_rd_gap_has_link(const struct ct_rd_ctx *c, size_t i)
{
	size_t k;

	for (k = i > 0 ? c->t.v[i - 1].end : 0; k < c->t.v[i].start; k++)
		if (c->s[k] == ':' || c->s[k] == '=')
			return true;
	return false;
}

/* True when only bytes of set lie between token i - 1 and token i. */
static bool ct_rd_gap_only(const struct ct_rd_ctx *c, size_t i,
			   const char *set)
{
	size_t k;

	for (k = c->t.v[i - 1].end; k < c->t.v[i].start; k++)
		if (!strchr(set, c->s[k]))
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Amounts, units and references: numbers that are no values. */

/* Currency words before an amount ("USD 50", "ZWL 5000", "R 200"). */
static const char ct_rd_currency_before[] =
	" usd zwl zwd zig zwg rtgs bond rand rands zar gbp eur pula bwp kes"
	" ngn r ";

/* Units after a number ("50 dollars", "10 pm", "3 times"). */
static const char ct_rd_units_after[] =
	" dollars dollar usd zwl zwd zig zwg rtgs bond bonds rand rands zar"
	" pounds pound gbp euros euro eur cents cent bucks pula percent pct"
	" k bn million millions billion thousand thousands hundred hundreds"
	" am pm hrs hr hours hour minutes minute mins min seconds secs sec"
	" days day weeks week months month years year yrs times ";

/* True when token w is a currency word of ct_rd_currency_before. */
static bool ct_rd_currency_word(const char *w)
{
	return ct_rd_in(ct_rd_currency_before, w);
}

/* True when token w is a unit of ct_rd_units_after. */
static bool ct_rd_unit_word(const char *w)
{
	return ct_rd_in(ct_rd_units_after, w);
}

/* True when a currency sign or word comes just before byte a. */
static bool ct_rd_amount_before(const struct ct_rd_ctx *c, size_t a)
{
	return ct_scan_amount_before(c->s, &c->t, a, ct_rd_currency_word);
}

/* True when a unit or "%" follows byte b. */
static bool ct_rd_amount_after(const struct ct_rd_ctx *c, size_t b)
{
	return ct_scan_amount_after(c->s, c->len, &c->t, b, ct_rd_unit_word);
}

/* True when a value [a, b) is an amount by what surrounds it. */
static bool ct_rd_amount(const struct ct_rd_ctx *c, size_t a, size_t b)
{
	return ct_rd_amount_before(c, a) || ct_rd_amount_after(c, b);
}

/*
 * True when a reference cue's value starts at byte a.  Cues are found left
 * to right, so c->quiet is in ascending order.
 */
static bool ct_rd_quiet(const struct ct_rd_ctx *c, size_t a)
{
	size_t lo = 0, hi = c->n_quiet;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->quiet[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n_quiet && c->quiet[lo] == a;
}

/* Length of the punctuation character that ends (or, with at_start,
 * begins) s[a, b): U+00A0..U+00BF, U+2000..U+206F; 0 when there is none. */
static size_t ct_rd_punct_len(const char *str, size_t a, size_t b,
			      bool at_start)
{
	const unsigned char *s = (const unsigned char *)str;

	if (at_start) {
		if (b - a >= 2 && s[a] == 0xC2 && s[a + 1] >= 0xA0 &&
		    s[a + 1] <= 0xBF)
			return 2;
		if (b - a >= 3 && s[a] == 0xE2 &&
		    (s[a + 1] == 0x80 || s[a + 1] == 0x81))
			return 3;
		return 0;
	}
	if (b - a >= 2 && s[b - 2] == 0xC2 && s[b - 1] >= 0xA0 &&
	    s[b - 1] <= 0xBF)
		return 2;
	if (b - a >= 3 && s[b - 3] == 0xE2 &&
	    (s[b - 2] == 0x80 || s[b - 2] == 0x81))
		return 3;
	return 0;
}

/* Appends the token [a, b) of the text to toks, spelt as the tokenizer
 * spells tokens; false when out of memory. */
static bool ct_rd_push_token(const char *s, size_t a, size_t b,
			     struct ct_text_tokens *toks)
{
	struct ct_text_token *t;
	size_t k, n = 0;

	if (!ct_rd_grow((void **)&toks->v, &toks->cap, toks->n,
			sizeof(*toks->v)))
		return false;
	t = &toks->v[toks->n++];
	for (k = a; k < b && n < CT_TEXT_TOKEN_MAX; k++) {
		if (b - k >= 3 && memcmp(s + k, "\xE2\x80\x99", 3) == 0) {
			t->s[n++] = '\'';
			k += 2;
			continue;
		}
		t->s[n++] = ct_scan_to_lower(s[k]);
	}
	t->s[n] = '\0';
	t->start = a;
	t->end = b;
	return true;
}

/*
 * Splits tokens at Unicode punctuation and drops what is punctuation only:
 * the tokenizer keeps non-ASCII bytes in words, so "pin…4321", "“1234" or
 * "—" would hide a cue or a value.  A curly apostrophe between letters
 * ("don’t") stays in its word.  Returns 0, or CT_REDACT_ENOMEM.
 */
static int ct_rd_split_tokens(struct ct_rd_ctx *c)
{
	struct ct_text_tokens out = { 0 };
	const char *s = c->s;
	size_t i;

	for (i = 0; i < c->t.n; i++) {
		size_t e = c->t.v[i].end, a = c->t.v[i].start, k = a;

		while (k < e) {
			size_t p = ct_rd_punct_len(s, k, e, true);

			if (p == 3 && memcmp(s + k, "\xE2\x80\x99", 3) == 0 &&
			    k > c->t.v[i].start && ct_scan_alpha(s[k - 1]) &&
			    k + 3 < e && ct_scan_alpha(s[k + 3]))
				p = 0;
			if (p == 0) {
				k++;
				continue;
			}
			if (k > a && !ct_rd_push_token(s, a, k, &out))
				goto out_nomem;
			k += p;
			a = k;
		}
		if (a < e && !ct_rd_push_token(s, a, e, &out))
			goto out_nomem;
	}
	ct_text_tokens_free(&c->t);
	c->t = out;
	return 0;

out_nomem:
	ct_text_tokens_free(&out);
	return CT_REDACT_ENOMEM;
}

/* ---------------------------------------------------------------------- */
/* Digits spoken as words. */

/* The digit that token i spells, or -1; "oh" counts inside a run. */
static int ct_rd_digit_word(const struct ct_rd_ctx *c, size_t i, bool in_run)
{
	return ct_scan_digit_word(&c->t, i, in_run, true); /* with "nought" */
}

/*
 * Reads the spoken digits that start at token i ("plus", "double",
 * "triple" allowed; commas, hyphens and spaces between words) into sp.
 * Returns the token after them (i when there are none).
 */
static size_t ct_rd_read_spoken(const struct ct_rd_ctx *c, size_t i,
				struct ct_rd_spoken *sp)
{
	size_t j = i, n = c->t.n, nc = 0;

	memset(sp, 0, sizeof(*sp));
	if (strcmp(ct_rd_tok(c, i), "plus") == 0 &&
	    ct_rd_digit_word(c, i + 1, true) > 0) {
		sp->d[nc++] = '+';
		j++;
	}
	while (j < n && nc + 3 < sizeof(sp->d)) {
		size_t step = 1;
		int rep = 1, dg;

		if (j > i && !ct_rd_gap_only(c, j, " ,-"))
			break;
		if (strcmp(ct_rd_tok(c, j), "double") == 0)
			rep = 2;
		else if (strcmp(ct_rd_tok(c, j), "triple") == 0)
			rep = 3;
		if (rep > 1) {
			step = 2;
			if (j + 1 >= n || !ct_rd_gap_only(c, j + 1, " ,-"))
				break;
		}
		dg = ct_rd_digit_word(c, j + step - 1, sp->nd > 0);
		if (dg < 0)
			break;
		while (rep-- > 0) {
			sp->d[nc++] = (char)('0' + dg);
			sp->nd++;
		}
		j += step;
	}
	sp->d[nc] = '\0';
	if (sp->nd == 0)
		return i;
	sp->first = i;
	sp->last = j - 1;
	sp->start = c->t.v[i].start;
	sp->end = c->t.v[j - 1].end;
	return j;
}

/* Collects the runs of at least 3 spoken digits of the text. */
static void ct_rd_find_spoken(struct ct_rd_ctx *c)
{
	size_t i = 0;

	while (i < c->t.n) {
		struct ct_rd_spoken sp;
		size_t j = ct_rd_read_spoken(c, i, &sp);

		if (j == i) {
			i++;
			continue;
		}
		i = j;
		if (sp.nd < 3)
			continue;
		if (!ct_rd_grow((void **)&c->spoken, &c->cap_spoken,
				c->n_spoken, sizeof(*c->spoken))) {
			c->oom = true;
			return;
		}
		c->spoken[c->n_spoken++] = sp;
	}
}

/*
 * The spoken run that starts (or, with at_end, ends) at token i, or NULL.
 * Runs do not overlap and are in text order.
 */
static const struct ct_rd_spoken *ct_rd_spoken_at(const struct ct_rd_ctx *c,
						  size_t i, bool at_end)
{
	size_t lo = 0, hi = c->n_spoken;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t v = at_end ? c->spoken[mid].last : c->spoken[mid].first;

		if (v < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n_spoken &&
	    (at_end ? c->spoken[lo].last : c->spoken[lo].first) == i)
		return &c->spoken[lo];
	return NULL;
}

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
/* Cues and their values. */

enum ct_rd_cue {
	CT_RD_CUE_PIN,
	CT_RD_CUE_CVV,
	CT_RD_CUE_OTP,
	CT_RD_CUE_PASSWORD,
	CT_RD_CUE_ACCOUNT,
	CT_RD_CUE_ID,
	CT_RD_CUE_CARD,
	CT_RD_CUE_REFERENCE /* its value is neither a card nor a phone */
};

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

/* Fills r->cue_order and r->cue_first (a counting sort, stable). */
static void ct_rd_index_cues(struct ct_redact *r)
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

/* Finds every cue of the text and proposes its value. */
static void ct_rd_find_cues(struct ct_rd_ctx *c)
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

/* Words that may open an answer before its value ("yes, it's 4321"). */
static const char ct_rd_answer_fillers[] =
	" yes yeah yep sure ok okay alright right so um uh er erm it it's its"
	" is that's thats the my number no code pin ndeye ehe hongu yebo ";

/*
 * The kinds of value a prompt asks for (PIN, CVV, OTP, password, account,
 * ID, card), as bits 1 << cue, and the last one mentioned in *last.
 */
static unsigned ct_rd_prompt_cues(const struct ct_rd_ctx *p,
				  enum ct_rd_cue *last)
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

/*
 * Proposes the value that answers a prompt at the start of the text ("4321",
 * "yes, it's 4321", "sure: 0123456789"): of the last kind the prompt asked
 * for, else of another it asked for.
 */
static void ct_rd_answer(struct ct_rd_ctx *c, unsigned kinds,
			 enum ct_rd_cue last)
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

/*
 * Finds cards and phones written with digits.  A group glued to a word,
 * time, decimal, USSD code or amount is dropped from the end of a run where
 * it stands; a run after a reference cue is skipped.
 */
static void ct_rd_find_digit_runs(struct ct_rd_ctx *c)
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

/* Finds cards and phones spoken in words. */
static void ct_rd_find_spoken_numbers(struct ct_rd_ctx *c)
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

/* Finds IBANs. */
static void ct_rd_find_ibans(struct ct_rd_ctx *c)
{
	size_t i = 0;

	while (i + 15 <= c->len) {
		size_t e = ct_rd_iban_at(c, i);

		i = e > i ? e : i + 1;
	}
}

/* Finds the matches of the uncued patterns. */
static void ct_rd_find_patterns(struct ct_rd_ctx *c)
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

/* Finds written email addresses ("tendai.moyo@gmail.com"). */
static void ct_rd_find_emails(struct ct_rd_ctx *c)
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

/* ---------------------------------------------------------------------- */
/* Settling overlaps and writing the result. */

/* Higher priority first, then longer, then earlier proposed. */
static int ct_rd_item_cmp(const void *pa, const void *pb)
{
	const struct ct_rd_item *a = pa, *b = pb;
	size_t la = a->end - a->start, lb = b->end - b->start;

	if (a->prio != b->prio)
		return a->prio > b->prio ? -1 : 1;
	if (la != lb)
		return la > lb ? -1 : 1;
	return a->order < b->order ? -1 : (a->order > b->order);
}

static int ct_rd_span_cmp(const void *pa, const void *pb)
{
	const struct ct_redact_span *a = pa, *b = pb;

	return a->start < b->start ? -1 : (a->start > b->start);
}

/* The mode of a span's type: HASH, REMOVE or KEEP for contacts. */
static enum ct_redact_mode ct_rd_mode(const struct ct_redact *r,
				      enum ct_redact_type type)
{
	if (type == CT_REDACT_TYPE_EMAIL)
		return r->email_mode;
	if (type == CT_REDACT_TYPE_PHONE)
		return r->phone_mode;
	return CT_REDACT_REMOVE;
}

/* Keeps the items that no better one overlaps, as spans in text order. */
static int ct_rd_settle(struct ct_rd_ctx *c, struct ct_redact_result *out)
{
	unsigned char *taken; /* bytes of the text already in a span */
	int rc = 0;
	size_t k;

	if (c->n_items == 0)
		return 0;
	qsort(c->items, c->n_items, sizeof(*c->items), ct_rd_item_cmp);
	out->spans = calloc(c->n_items, sizeof(*out->spans));
	taken = calloc(c->len, 1);
	if (!out->spans || !taken) {
		rc = CT_REDACT_ENOMEM;
		goto out_free_taken;
	}
	for (k = 0; k < c->n_items; k++) {
		const struct ct_rd_item *it = &c->items[k];
		struct ct_redact_span *sp;

		if (ct_rd_mode(c->r, it->type) == CT_REDACT_KEEP ||
		    memchr(taken + it->start, 1, it->end - it->start))
			continue;
		memset(taken + it->start, 1, it->end - it->start);
		sp = &out->spans[out->n_spans++];
		sp->type = it->type;
		sp->start = it->start;
		sp->end = it->end;
		sp->hash[0] = '\0';
		if (ct_rd_mode(c->r, it->type) == CT_REDACT_HASH) {
			rc = ct_rd_hmac_hex(c->r->key, c->r->key_len, it->norm,
					    strlen(it->norm), sp->hash);
			if (rc < 0)
				goto out_free_taken;
		}
	}
	qsort(out->spans, out->n_spans, sizeof(*out->spans), ct_rd_span_cmp);

out_free_taken:
	free(taken);
	return rc;
}

/* Writes the placeholder of sp at p (NULL: only counts); its length. */
static size_t ct_rd_placeholder(const struct ct_redact_span *sp, char *p)
{
	const char *ph = ct_rd_types[sp->type].placeholder;
	size_t n = strlen(ph), h = strlen(sp->hash);

	if (p) {
		memcpy(p, ph, n);
		if (h > 0) {
			p[n] = ':';
			memcpy(p + n + 1, sp->hash, h);
		}
		p[n + (h ? h + 1 : 0)] = ']';
	}
	return n + (h ? h + 1 : 0) + 1;
}

/* Builds out->text from the text and out->spans. */
static int ct_rd_render(const struct ct_rd_ctx *c, struct ct_redact_result *out)
{
	size_t k, n = c->len, at = 0, w = 0;

	for (k = 0; k < out->n_spans; k++)
		n = n - (out->spans[k].end - out->spans[k].start) +
		    ct_rd_placeholder(&out->spans[k], NULL);
	out->text = malloc(n + 1);
	if (!out->text)
		return CT_REDACT_ENOMEM;
	for (k = 0; k < out->n_spans; k++) {
		const struct ct_redact_span *sp = &out->spans[k];

		memcpy(out->text + w, c->s + at, sp->start - at);
		w += sp->start - at;
		w += ct_rd_placeholder(sp, out->text + w);
		at = sp->end;
	}
	memcpy(out->text + w, c->s + at, c->len - at);
	w += c->len - at;
	out->text[w] = '\0';
	out->len = w;
	return 0;
}

/* Tokenizes c->s as the rules read it; 0 or CT_REDACT_ENOMEM. */
static int ct_rd_tokenize(struct ct_rd_ctx *c)
{
	if (ct_text_tokenize(c->s, c->len, &c->t) < 0)
		return CT_REDACT_ENOMEM;
	return ct_rd_split_tokens(c);
}

/*
 * The kinds of value prompt (plen bytes, may be NULL) asks for into *kinds
 * (ct_rd_prompt_cues), the last in *last; 0 or CT_REDACT_ENOMEM.
 */
static int ct_rd_prompt(const struct ct_redact *r, const char *prompt,
			size_t plen, unsigned *kinds, enum ct_rd_cue *last)
{
	struct ct_rd_ctx p;
	int rc;

	*kinds = 0;
	if (!prompt)
		return 0;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.s = prompt;
	p.len = plen;
	rc = ct_rd_tokenize(&p);
	if (rc == 0)
		*kinds = ct_rd_prompt_cues(&p, last);
	ct_text_tokens_free(&p.t);
	return rc;
}

/*
 * Spoken digit words, as ct_scan_digit_word() and the spoken runs read
 * them, by length (1 to 6 letters).
 */
static const char *const ct_rd_quick_words[7] = {
	"",
	" o ",
	" oh ",
	" one two six nil ",
	" zero four five nine ",
	" three seven eight ",
	" nought double triple ",
};

/*
 * True when an ASCII letter run (n bytes, lower-cased in w) could be part of
 * a value: a password cue ("password", "passphrase", "pwd") counts at once,
 * a digit word adds to *spoken.
 */
static bool ct_rd_quick_word(const char *w, size_t n, size_t *spoken)
{
	const char *p;

	if (n >= 4 && strstr(w, "pass"))
		return true;
	if (n == 3 && memcmp(w, "pwd", 3) == 0)
		return true;
	if (n > 6)
		return false;
	for (p = ct_rd_quick_words[n]; (p = strchr(p, ' ')) && p[1]; p += n + 1)
		if (memcmp(p + 1, w, n) == 0) {
			(*spoken)++;
			break;
		}
	return false;
}

bool ct_redact_may_match(const struct ct_redact *r, const char *text,
			 size_t len)
{
	char w[CT_TEXT_TOKEN_MAX + 1];
	size_t i, n = 0, spoken = 0;

	if (!r || !r->quick)
		return true;
	for (i = 0; i <= len; i++) {
		unsigned char ch = i < len ? (unsigned char)text[i] : ' ';

		if (ch >= '0' && ch <= '9')
			return true;
		if (ch == '@')
			return true;
		if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') {
			if (n < CT_TEXT_TOKEN_MAX)
				w[n++] = (char)(ch | 0x20);
			continue;
		}
		if (n == 0)
			continue;
		w[n] = '\0';
		/* a spoken value has at least three digits: two words */
		if (ct_rd_quick_word(w, n, &spoken) || spoken >= 2)
			return true;
		n = 0;
	}
	return false;
}

/* ct_redact_text() and ct_redact_reply(). */
static int ct_rd_redact(const struct ct_redact *r, const char *prompt,
			size_t plen, const char *text, size_t len,
			struct ct_redact_result *out)
{
	enum ct_rd_cue last = CT_RD_CUE_REFERENCE;
	struct ct_rd_ctx c;
	unsigned kinds;
	int rc;

	if (!out)
		return CT_REDACT_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!r || (!text && len > 0) || (!prompt && plen > 0))
		return CT_REDACT_EINVAL;
	rc = ct_rd_prompt(r, prompt, plen, &kinds, &last);
	if (rc < 0)
		return rc;
	if (!kinds && !ct_redact_may_match(r, text, len)) {
		/* the common case: nothing can be a value; no tokens needed */
		out->text = malloc(len + 1);
		if (!out->text)
			return CT_REDACT_ENOMEM;
		if (len)
			memcpy(out->text, text, len);
		out->text[len] = '\0';
		out->len = len;
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.s = text ? text : "";
	c.len = len;
	rc = ct_rd_tokenize(&c);
	if (rc < 0)
		goto out_free_ctx;
	/* Spoken digits and cues first: cues record the reference values
	 * that the digit runs skip. */
	ct_rd_find_spoken(&c);
	if (kinds)
		ct_rd_answer(&c, kinds, last);
	ct_rd_find_cues(&c);
	ct_rd_find_digit_runs(&c);
	ct_rd_find_spoken_numbers(&c);
	ct_rd_find_ibans(&c);
	ct_rd_find_patterns(&c);
	ct_rd_find_emails(&c);
	if (c.oom) {
		rc = CT_REDACT_ENOMEM;
		goto out_free_ctx;
	}
	rc = ct_rd_settle(&c, out);
	if (rc == 0)
		rc = ct_rd_render(&c, out);
	if (rc < 0)
		ct_redact_result_clear(out);

out_free_ctx:
	ct_text_tokens_free(&c.t);
	free(c.items);
	free(c.spoken);
	free(c.quiet);
	return rc;
}

int ct_redact_text(const struct ct_redact *r, const char *text, size_t len,
		   struct ct_redact_result *out)
{
	return ct_rd_redact(r, NULL, 0, text, len, out);
}

int ct_redact_reply(const struct ct_redact *r, const char *prompt,
		    size_t prompt_len, const char *text, size_t len,
		    struct ct_redact_result *out)
{
	return ct_rd_redact(r, prompt, prompt_len, text, len, out);
}

int ct_redact_hash(const struct ct_redact *r, const char *kind,
		   const char *value, char out[CT_REDACT_HASH_LEN])
{
	char norm[CT_EXTRACT_EMAIL_LEN];
	size_t a = 0, b, k;

	if (!r || !kind || !value || !out || !r->key)
		return CT_REDACT_EINVAL;
	if (strcmp(kind, "phone") == 0) {
		if (ct_extract_phone_normalize(value, strlen(value), r->cc,
					       norm) < 0)
			return CT_REDACT_EINVAL;
	} else if (strcmp(kind, "email") == 0) {
		b = strlen(value);
		while (a < b && strchr(" \t\r\n", value[a]))
			a++;
		while (b > a && strchr(" \t\r\n", value[b - 1]))
			b--;
		if (b == a || b - a >= sizeof(norm) ||
		    !memchr(value + a, '@', b - a))
			return CT_REDACT_EINVAL;
		for (k = a; k < b; k++)
			norm[k - a] = ct_scan_to_lower(value[k]);
		norm[b - a] = '\0';
	} else {
		return CT_REDACT_EINVAL;
	}
	return ct_rd_hmac_hex(r->key, r->key_len, norm, strlen(norm), out);
}
