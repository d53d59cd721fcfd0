/*
 * Privacy: the redactor applied to events, log lines and settings.  See
 * include/convtrack/privacy.h.  The dead-letter payload (JSON) is handled in
 * privacy_json.c, which owns the yajl use.
 */
#include "convtrack/privacy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parsed pattern settings: at most CT_REDACT_PATTERNS_MAX entries. */
struct ct_privacy_patterns {
	struct ct_redact_pattern v[CT_REDACT_PATTERNS_MAX];
	char text[CT_REDACT_PATTERNS_MAX][CT_REDACT_PATTERN_MAX + 1];
	size_t n;
};

/* "hash", "keep" or "remove" into *mode; -1 for anything else. */
static int ct_privacy_mode(const char *s, enum ct_redact_mode *mode)
{
	if (strcmp(s, "hash") == 0)
		*mode = CT_REDACT_HASH;
	else if (strcmp(s, "keep") == 0)
		*mode = CT_REDACT_KEEP;
	else if (strcmp(s, "remove") == 0)
		*mode = CT_REDACT_REMOVE;
	else
		return -1;
	return 0;
}

/*
 * Adds the ';'-separated patterns of setting name (value list) as type;
 * an entry "cued:P" is pattern P after a cue.  Blanks around entries are
 * ignored; empty entries too.
 */
static int ct_privacy_parse_patterns(const char *name, const char *list,
				     enum ct_redact_type type,
				     struct ct_privacy_patterns *p, char *err,
				     size_t errlen)
{
	const char *s = list ? list : "";

	while (*s) {
		const char *e = strchr(s, ';');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		bool cued = false;
		char *t;

		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n > 5 && strncmp(s, "cued:", 5) == 0) {
			cued = true;
			s += 5;
			n -= 5;
		}
		if (n) {
			if (p->n == CT_REDACT_PATTERNS_MAX || n > CT_REDACT_PATTERN_MAX) {
				snprintf(err, errlen, "%s: at most %d patterns of at "
					 "most %d bytes", name, CT_REDACT_PATTERNS_MAX,
					 CT_REDACT_PATTERN_MAX);
				return -1;
			}
			t = p->text[p->n];
			memcpy(t, s, n);
			t[n] = '\0';
			if (!ct_redact_pattern_valid(t)) {
				snprintf(err, errlen, "%s: '%s' is not a valid pattern "
					 "(docs/privacy-redaction.md)", name, t);
				return -1;
			}
			p->v[p->n].type = type;
			p->v[p->n].pattern = t;
			p->v[p->n].cued = cued;
			p->n++;
		}
		s += n;
		while (*s && *s != ';')
			s++;
		if (*s == ';')
			s++;
	}
	return 0;
}

const char *ct_privacy_hash_key(const struct ct_config *cfg, bool *demo)
{
	bool unset = !cfg->redact_hash_key || !*cfg->redact_hash_key;

	if (demo)
		*demo = unset;
	return unset ? CT_PRIVACY_DEMO_KEY : cfg->redact_hash_key;
}

/* Fills opt from cfg (patterns go into pats, which opt points into). */
static int ct_privacy_options(const struct ct_config *cfg, bool from_file,
			      struct ct_redact_options *opt,
			      struct ct_privacy_patterns *pats, bool *demo_key,
			      char *err, size_t errlen)
{
	bool unset;
	const char *key = ct_privacy_hash_key(cfg, &unset);

	ct_redact_options_init(opt);
	if (ct_privacy_mode(cfg->redact_email_mode, &opt->email_mode) < 0 ||
	    ct_privacy_mode(cfg->redact_phone_mode, &opt->phone_mode) < 0) {
		snprintf(err, errlen, "redact.email_mode and redact.phone_mode "
			 "must be hash, keep or remove");
		return -1;
	}
	if (unset) {
		bool hashing = opt->email_mode == CT_REDACT_HASH ||
			       opt->phone_mode == CT_REDACT_HASH;

		if (hashing && from_file) {
			snprintf(err, errlen, "redact.hash_key is not set: hash mode "
				 "needs a secret key of at least %d bytes "
				 "(CONVTRACK_REDACT_HASH_KEY), or set "
				 "redact.email_mode and redact.phone_mode to keep "
				 "or remove", CT_REDACT_KEY_MIN);
			return -1;
		}
		if (!hashing)
			key = NULL;
		*demo_key = hashing;
	}
	if (key && strlen(key) < CT_REDACT_KEY_MIN) {
		snprintf(err, errlen, "redact.hash_key must be at least %d bytes",
			 CT_REDACT_KEY_MIN);
		return -1;
	}
	opt->hash_key = (const unsigned char *)key;
	opt->hash_key_len = key ? strlen(key) : 0;
	opt->default_cc = cfg->text_default_country_code;
	opt->no_default_patterns = !cfg->redact_default_patterns;
	if (ct_privacy_parse_patterns("redact.account_patterns",
				      cfg->redact_account_patterns,
				      CT_REDACT_TYPE_ACCOUNT, pats, err, errlen) < 0 ||
	    ct_privacy_parse_patterns("redact.id_patterns", cfg->redact_id_patterns,
				      CT_REDACT_TYPE_ID_NUMBER, pats, err, errlen) < 0)
		return -1;
	opt->patterns = pats->v;
	opt->n_patterns = pats->n;
	return 0;
}

int ct_privacy_redactor_new(const struct ct_config *cfg, bool from_file,
			    struct ct_redact **out, bool *demo_key, char *err,
			    size_t errlen)
{
	struct ct_privacy_patterns *pats;
	struct ct_redact_options opt;
	bool demo = false;
	int rc;

	*out = NULL;
	if (demo_key)
		*demo_key = false;
	if (!cfg->redact_enabled)
		return 0;
	pats = calloc(1, sizeof(*pats));
	if (!pats) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = ct_privacy_options(cfg, from_file, &opt, pats, &demo, err, errlen);
	if (rc == 0) {
		rc = ct_redact_new(&opt, out);
		if (rc == CT_REDACT_ECRYPTO)
			snprintf(err, errlen, "redact: libcrypto cannot compute "
				 "HMAC-SHA256");
		else if (rc < 0)
			snprintf(err, errlen, "redact: invalid settings "
				 "(text.default_country_code or patterns)");
	}
	free(pats);
	if (demo_key)
		*demo_key = demo;
	return rc < 0 ? -1 : 0;
}

/* Appends the JSON spans of res to buf (cap bytes); false when it is short. */
static bool ct_privacy_spans_json(const struct ct_redact_result *res, char *buf,
				  size_t cap)
{
	size_t i, at = 0;
	long delta = 0;

	at += (size_t)snprintf(buf, cap, "[");
	for (i = 0; i < res->n_spans && at < cap; i++) {
		const struct ct_redact_span *sp = &res->spans[i];
		size_t ph = strlen(ct_redact_type_name(sp->type)) + 2 +
			    (sp->hash[0] ? strlen(sp->hash) + 1 : 0);
		long stored = (long)sp->start + delta;

		at += (size_t)snprintf(buf + at, cap - at,
				       "%s{\"type\":\"%s\",\"start\":%zu,\"end\":%zu,"
				       "\"stored_start\":%ld,\"stored_end\":%ld}",
				       i ? "," : "", ct_redact_type_name(sp->type),
				       sp->start, sp->end, stored, stored + (long)ph);
		delta += (long)ph - (long)(sp->end - sp->start);
	}
	if (at < cap)
		at += (size_t)snprintf(buf + at, cap - at, "]");
	return at < cap;
}

/* Redacts a message's content; see ct_privacy_event(). */
static int ct_privacy_message(const struct ct_redact *r, struct ct_event *ev,
			      struct ct_privacy_stats *stats)
{
	struct ct_redact_result res;
	size_t i, cap;
	char *spans;

	if (!ct_redact_may_match(r, ev->u.message.content,
				 ev->u.message.content_len))
		return 0;
	if (ct_redact_text(r, ev->u.message.content, ev->u.message.content_len,
			   &res) != 0)
		return -1;
	if (res.n_spans == 0) {
		ct_redact_result_clear(&res);
		return 0;
	}
	cap = 16 + res.n_spans * 128;
	spans = malloc(cap);
	if (!spans || !ct_privacy_spans_json(&res, spans, cap)) {
		free(spans);
		ct_redact_result_clear(&res);
		return -1;
	}
	free(ev->u.message.content);
	ev->u.message.content = res.text; /* ownership moves to the event */
	ev->u.message.content_len = res.len;
	free(ev->u.message.redactions);
	ev->u.message.redactions = spans;
	if (stats) {
		stats->messages++;
		for (i = 0; i < res.n_spans; i++)
			stats->spans[res.spans[i].type]++;
	}
	res.text = NULL;
	ct_redact_result_clear(&res);
	return 0;
}

/* The keyed hash of value as kind into out; "" when it is none. */
static int ct_privacy_hash(const struct ct_redact *r, const char *kind,
			   const char *value, char out[CT_EVENT_HASH_LEN])
{
	char h[CT_REDACT_HASH_LEN];
	int rc;

	out[0] = '\0';
	if (!value)
		return 0;
	rc = ct_redact_hash(r, kind, value, h);
	if (rc == CT_REDACT_ECRYPTO)
		return -1;
	if (rc == 0)
		snprintf(out, CT_EVENT_HASH_LEN, "%s", h);
	return 0;
}

int ct_privacy_event(const struct ct_redact *r, struct ct_event *ev,
		     struct ct_privacy_stats *stats)
{
	if (!r)
		return 0;
	if (ev->type == CT_EVENT_MESSAGE)
		return ct_privacy_message(r, ev, stats);
	if (ev->type == CT_EVENT_AUTHENTICATED &&
	    (ct_privacy_hash(r, "phone", ev->u.auth.phone_number,
			     ev->u.auth.phone_hash) < 0 ||
	     ct_privacy_hash(r, "email", ev->u.auth.email,
			     ev->u.auth.email_hash) < 0))
		return -1;
	return 0;
}

void ct_privacy_log_filter(void *arg, char *msg, size_t cap)
{
	const struct ct_redact *r = arg;
	struct ct_redact_result res;
	size_t len = strlen(msg);

	if (!r || !ct_redact_may_match(r, msg, len))
		return;
	if (ct_redact_text(r, msg, len, &res) != 0) {
		snprintf(msg, cap, "(log line withheld: it could not be redacted)");
		return;
	}
	if (res.n_spans)
		snprintf(msg, cap, "%s", res.text);
	ct_redact_result_clear(&res);
}
