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
 * This file is the redactor itself: its options and compiled patterns,
 * the order in which the detectors run over one text, settling the
 * overlaps, writing the result, and hashing contacts.  The rest sits beside
 * it and shares its types through redact_int.h: redact_scan.c (the tokens
 * of one text and the spans proposed for it), redact_pattern.c (the pattern
 * language), redact_number.c (amounts, references and spoken digits),
 * redact_cue.c (cues and answers to prompts) and redact_shape.c (cards,
 * phones, IBANs, uncued patterns and email addresses).  Each of those
 * depends only on the ones before it in that list, never on this file.
 *
 * Pure: no I/O and no global mutable state; the redactor is read-only after
 * ct_redact_new().  HMAC-SHA256 is core's (convtrack/hmac.h).
 */
#include "convtrack/redact.h"

#include <stdlib.h>
#include <string.h>

#include "convtrack/codec.h"
#include "convtrack/extract.h"
#include "convtrack/hmac.h"
#include "redact_int.h"
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

/* Longest key accepted, so that its length fits HMAC()'s int. */
#define CT_RD_KEY_MAX 1024

/* ---------------------------------------------------------------------- */
/* The redactor. */

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
static int ct_rd_hmac_hex(const struct ct_hmac *key, const char *v, size_t n,
			  char out[CT_REDACT_HASH_LEN])
{
	unsigned char md[CT_HMAC_SIZE];

	if (ct_hmac_sha256(key, v, n, NULL, 0, md) < 0)
		return CT_REDACT_ECRYPTO;
	ct_hex_encode(md, CT_REDACT_HASH_HEX / 2, out);
	ct_hmac_cleanse(md, sizeof(md));
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
		if (ct_hmac_new(opt->hash_key, opt->hash_key_len, &r->key) < 0) {
			rc = CT_REDACT_ECRYPTO;
			goto out_free_r;
		}
		/* Fail now, not on the first message, if libcrypto cannot. */
		rc = ct_rd_hmac_hex(r->key, "", 0, probe);
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
	ct_hmac_free(r->key);
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
			rc = ct_rd_hmac_hex(c->r->key, it->norm,
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
	return ct_rd_hmac_hex(r->key, norm, strlen(norm), out);
}
