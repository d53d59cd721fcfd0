/*
 * Redaction of personal and payment data in message text before it is
 * stored (pure: no I/O).
 *
 * A message may carry what a bank must never keep in clear: a card number,
 * a PIN, CVV or one-time code, a password, an account or national ID
 * number, an IBAN.  ct_redact_text() finds them and replaces each with a
 * typed placeholder ("[CARD]", "[PIN]", ...), and reports what it replaced
 * as types and byte offsets, never as values.  Email addresses and phone
 * numbers are redacted too, but recognition (EVENTS.md rule 10) needs to
 * match them, so by default they become a keyed hash of their normalized
 * form ("[PHONE:3f2a...]") that ct_redact_hash() reproduces from a profile's
 * number; they can also be kept or removed.  docs/privacy-redaction.md lists
 * the rules and their measured recall and false-positive rate.
 *
 * A struct ct_redact is built once from options and then only read, so one
 * instance may serve any number of threads.
 */
#ifndef CONVTRACK_REDACT_H
#define CONVTRACK_REDACT_H

#include <stdbool.h>
#include <stddef.h>

/* What a span is; the placeholder of each is in the comment. */
enum ct_redact_type {
	CT_REDACT_TYPE_CARD = 0, /* [CARD] payment card number */
	CT_REDACT_TYPE_PIN, /* [PIN] after a PIN cue */
	CT_REDACT_TYPE_CVV, /* [CVV] after a CVV/CVC/security code cue */
	CT_REDACT_TYPE_OTP, /* [OTP] after a one-time/verification code cue */
	CT_REDACT_TYPE_PASSWORD, /* [PASSWORD] after a password cue */
	CT_REDACT_TYPE_ACCOUNT, /* [ACCOUNT] bank account number */
	CT_REDACT_TYPE_ID_NUMBER, /* [ID_NUMBER] national ID number */
	CT_REDACT_TYPE_IBAN, /* [IBAN] */
	CT_REDACT_TYPE_EMAIL, /* [EMAIL] or [EMAIL:<hash>] */
	CT_REDACT_TYPE_PHONE, /* [PHONE] or [PHONE:<hash>] */
	CT_REDACT_TYPE_COUNT
};

/* What happens to an email address or a phone number. */
enum ct_redact_mode {
	CT_REDACT_HASH = 0, /* [EMAIL:<hash>]: the default */
	CT_REDACT_KEEP, /* left in clear, not reported */
	CT_REDACT_REMOVE /* [EMAIL] */
};

/* Hex digits of a hash in a placeholder, and its buffer size. */
#define CT_REDACT_HASH_HEX 16
#define CT_REDACT_HASH_LEN (CT_REDACT_HASH_HEX + 1)

/* Shortest HMAC key accepted in HASH mode, in bytes. */
#define CT_REDACT_KEY_MIN 16

/* Longest pattern of the pattern language, in bytes, and most patterns. */
#define CT_REDACT_PATTERN_MAX 128
#define CT_REDACT_PATTERNS_MAX 32

/* Return codes of the fallible functions below. */
#define CT_REDACT_EINVAL (-1) /* bad options or arguments */
#define CT_REDACT_ENOMEM (-2) /* out of memory */
#define CT_REDACT_ECRYPTO (-3) /* libcrypto failed to compute an HMAC */

/*
 * An account-number or national-ID shape.  The pattern language, matched
 * against the text byte by byte:
 *
 *   D        one ASCII digit
 *   L        one ASCII letter (either case)
 *   A        one ASCII letter or digit
 *   N        one digit of a grouped number: between two N digits there may
 *            be one space or "-" ("0123 4567-890" is N{11})
 *   _        an optional separator: nothing, or one to three of " " and "-"
 *   {m}      after an atom: exactly m of it (1..64)
 *   {m,n}    after an atom: m to n of it (0..64, m <= n)
 *   \c       the character c itself (to write a literal D, L, A, N, _, {)
 *   other    itself; letters match either case
 *
 * A pattern requires at least 4 letters or digits, has at most 64 atoms
 * and is at most CT_REDACT_PATTERN_MAX bytes long.
 *
 * A match stands alone: no letter or digit touches it on either side, and a
 * number is not part of a larger one ("*151#", "1,250.00", "10:30" and a
 * digit group continuing after an N run do not match).  A cued pattern
 * matches only where the value of an account cue ("account number",
 * "acc no", "a/c") or ID cue ("ID number", "national ID") stands, or just
 * before "is my account (number)"; an uncued one anywhere.
 */
struct ct_redact_pattern {
	enum ct_redact_type type; /* CT_REDACT_TYPE_ACCOUNT or _ID_NUMBER */
	const char *pattern;
	bool cued;
};

/*
 * Options of ct_redact_new(); ct_redact_options_init() sets the defaults.
 * Everything is copied by ct_redact_new(): the caller keeps ownership.
 */
struct ct_redact_options {
	enum ct_redact_mode email_mode; /* default CT_REDACT_HASH */
	enum ct_redact_mode phone_mode; /* default CT_REDACT_HASH */
	/* HMAC-SHA256 key, at least CT_REDACT_KEY_MIN bytes, for HASH mode. */
	const unsigned char *hash_key;
	size_t hash_key_len;
	/*
	 * Country calling code of local phone numbers, digits only ("263", the
	 * default); NULL or "" when local forms must not be guessed (they are
	 * then not recognized as phone numbers).
	 */
	const char *default_cc;
	/*
	 * At most CT_REDACT_PATTERNS_MAX patterns tried besides (or, with
	 * no_default_patterns, instead of) the defaults: the Zimbabwean
	 * national ID "DD_D{6,7}_L_DD" anywhere; after an ID cue "N{8,11}"
	 * (the ID without its letter) and "LL_D{6,7}" (a passport); after an
	 * account cue "N{7,16}".  With the defaults, digits spoken as words
	 * after an ID cue (8-11) or an account cue (7-16) count too.
	 */
	const struct ct_redact_pattern *patterns;
	size_t n_patterns;
	bool no_default_patterns;
};

/* A redacted span of the original text. */
struct ct_redact_span {
	enum ct_redact_type type;
	size_t start; /* byte offset in the ORIGINAL text */
	size_t end; /* byte offset just past it in the original text */
	/* For an email or phone in HASH mode, the hash in its placeholder;
	 * "" otherwise. */
	char hash[CT_REDACT_HASH_LEN];
};

/* What ct_redact_text() produced; owned by the caller until cleared. */
struct ct_redact_result {
	char *text; /* redacted text, NUL-terminated, malloc'd */
	size_t len; /* its length, without the NUL */
	struct ct_redact_span *spans; /* in order of start, never overlapping */
	size_t n_spans;
};

struct ct_redact;

/*
 * Sets opt to the defaults: emails and phones hashed (a key must still be
 * given), default_cc "263", the default patterns and no extra ones.
 */
void ct_redact_options_init(struct ct_redact_options *opt);

/*
 * True when pattern is a valid pattern of the language above, at most
 * CT_REDACT_PATTERN_MAX bytes (so a configuration can name a bad one).
 */
bool ct_redact_pattern_valid(const char *pattern);

/*
 * Builds a redactor from opt (NULL: the defaults, which fail for want of a
 * key) and stores it in *out.  Returns 0; CT_REDACT_EINVAL when a mode is
 * HASH and the key is shorter than CT_REDACT_KEY_MIN, default_cc is not 1..3
 * digits, a pattern is invalid or its type is not ACCOUNT or ID_NUMBER,
 * there are more than CT_REDACT_PATTERNS_MAX patterns;
 * CT_REDACT_ENOMEM; or CT_REDACT_ECRYPTO when libcrypto cannot compute an
 * HMAC-SHA256.  *out is NULL on failure.
 */
int ct_redact_new(const struct ct_redact_options *opt, struct ct_redact **out)
	__attribute__((warn_unused_result));

/* Frees r.  Does nothing for NULL. */
void ct_redact_free(struct ct_redact *r);

/*
 * Redacts len bytes of text (NULL with len 0 is the empty text) into out,
 * which the caller clears with ct_redact_result_clear().  Spans are byte
 * offsets into text and never split a UTF-8 character.  Returns 0,
 * CT_REDACT_EINVAL for a NULL r or out, or a NULL text with len > 0,
 * CT_REDACT_ENOMEM or CT_REDACT_ECRYPTO; out is empty on failure.
 */
int ct_redact_text(const struct ct_redact *r, const char *text, size_t len,
		   struct ct_redact_result *out)
	__attribute__((warn_unused_result));

/*
 * As ct_redact_text() for a caller's turn that answers prompt (prompt_len
 * bytes, the assistant's previous turn; NULL with 0 is no prompt): when the
 * prompt's last cue asks for a PIN, CVV, OTP, password, account, ID or card
 * number ("Please say your PIN"), a value of that kind at the start of the
 * answer, after filler words only ("4321", "yes, it's 4321"), is redacted
 * as that type; a password must be the whole answer and contain a digit or
 * a symbol.  The prompt itself is not redacted.
 */
int ct_redact_reply(const struct ct_redact *r, const char *prompt,
		    size_t prompt_len, const char *text, size_t len,
		    struct ct_redact_result *out)
	__attribute__((warn_unused_result));

/*
 * A quick check, without tokenizing or allocating: false when nothing in
 * len bytes of text can be redacted, because it has no ASCII digit, no "@",
 * no password cue ("pass...", "pwd") and fewer than two spoken digit words
 * (a spoken value has at least three digits).  True otherwise, for a NULL
 * r, and whenever an extra pattern of the options has no D or N atom.
 * ct_redact_text() uses it itself; callers use it to skip a message
 * without copying it.
 */
bool ct_redact_may_match(const struct ct_redact *r, const char *text,
			 size_t len);

/* Frees what out holds and zeroes it.  Does nothing for NULL. */
void ct_redact_result_clear(struct ct_redact_result *out);

/*
 * Writes to out the hash that a HASH-mode placeholder carries for value:
 * the first 16 hex digits (lower case) of HMAC-SHA256(key, normalized
 * value), where kind is "email" (value lower-cased, surrounding blanks
 * removed) or "phone" (value normalized to E.164 with the default country
 * code, as convtrack/extract.h does).  Recognition hashes a profile's
 * stored number or email with it and compares.  Returns 0; CT_REDACT_EINVAL
 * for an unknown kind, a value that is no email or phone number, or a
 * redactor built without a key; CT_REDACT_ECRYPTO.
 */
int ct_redact_hash(const struct ct_redact *r, const char *kind,
		   const char *value, char out[CT_REDACT_HASH_LEN])
	__attribute__((warn_unused_result));

/* Lower-case name of a type ("card", "id_number"), or "unknown". */
const char *ct_redact_type_name(enum ct_redact_type type);

#endif
