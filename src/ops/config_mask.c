/*
 * Configuration, masking: which bytes of a setting are secrets, so that
 * ct_config_print() can show the effective configuration without leaking
 * them.  It reads a libpq conninfo the way libpq does (URI with its
 * user:password@ and password= query parameters, or keyword/value with a
 * password, or a dbname that is itself a connection string), and tells
 * secret kafka.properties names apart.  Pure: no I/O.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "convtrack/codec.h"

#include "config_int.h"

/* Adds [start, end) to spans.  Returns 0, or -1 when there are too many. */
static int ct_cfg_span_add(struct ct_cfg_spans *spans, size_t start,
			   size_t end)
{
	if (spans->count == CT_CFG_SPANS_MAX)
		return -1;
	spans->span[spans->count].start = start;
	spans->span[spans->count].end = end;
	spans->count++;
	return 0;
}

/* Length of the libpq URI prefix of s ("postgresql://"), or 0. */
static size_t ct_cfg_uri_prefix(const char *s)
{
	if (strncmp(s, "postgresql://", 13) == 0)
		return 13;
	if (strncmp(s, "postgres://", 11) == 0)
		return 11;
	return 0;
}

/* True when the percent-encoded URI text k (n bytes) decodes to want. */
static bool ct_cfg_uri_key_is(const char *k, size_t n, const char *want)
{
	size_t i = 0;

	for (; *want; want++) {
		int c;

		if (i >= n)
			return false;
		c = (unsigned char)k[i++];
		if (c == '%' && i + 1 < n && ct_hex_value(k[i]) >= 0 &&
		    ct_hex_value(k[i + 1]) >= 0) {
			c = ct_hex_value(k[i]) * 16 + ct_hex_value(k[i + 1]);
			i += 2;
		}
		if (c != (unsigned char)*want)
			return false;
	}
	return i == n;
}

/*
 * Finds the secrets of a libpq URI: the password of user:password@ (libpq
 * ends the user part at the first '@' or '/') and every password= query
 * parameter.
 */
static int ct_cfg_uri_spans(const char *s, struct ct_cfg_spans *spans)
{
	size_t p = ct_cfg_uri_prefix(s), q = p;
	const char *query;

	while (s[q] && s[q] != '@' && s[q] != '/')
		q++;
	if (s[q] == '@') {
		const char *colon = memchr(s + p, ':', q - p);

		if (colon && ct_cfg_span_add(spans, (size_t)(colon + 1 - s), q))
			return -1;
		p = q + 1;
	}
	query = strchr(s + p, '?');
	while (query) {
		const char *key = query + 1;
		size_t klen = strcspn(key, "&=");
		size_t vlen;

		if (key[klen] == '=') {
			size_t v = (size_t)(key + klen + 1 - s);

			vlen = strcspn(s + v, "&");
			if (ct_cfg_uri_key_is(key, klen, "password") &&
			    ct_cfg_span_add(spans, v, v + vlen))
				return -1;
		}
		query = strchr(key, '&');
	}
	return 0;
}

/* Skips whitespace from s[*p]. */
static void ct_cfg_skip_space(const char *s, size_t *p)
{
	while (s[*p] && isspace((unsigned char)s[*p]))
		(*p)++;
}

/*
 * Skips one keyword/value value at s[*p], quoted ('...') or not, with
 * backslash escapes, the way libpq reads it.  Returns -1 for an unterminated
 * quote.
 */
static int ct_cfg_skip_value(const char *s, size_t *p)
{
	bool quoted = s[*p] == '\'';

	if (quoted)
		(*p)++;
	while (s[*p] && (quoted ? s[*p] != '\'' :
				  !isspace((unsigned char)s[*p]))) {
		if (s[*p] == '\\' && s[*p + 1])
			(*p)++;
		(*p)++;
	}
	if (quoted && s[*p] != '\'')
		return -1;
	if (quoted)
		(*p)++;
	return 0;
}

/*
 * True when keyword (klen bytes) with raw value v (vlen bytes) is a secret:
 * password, or a dbname that libpq expands as a whole connection string.
 */
static bool ct_cfg_kv_secret(const char *keyword, size_t klen, const char *v,
			     size_t vlen)
{
	if (klen == 8 && strncmp(keyword, "password", 8) == 0)
		return true;
	if (klen != 6 || strncmp(keyword, "dbname", 6) != 0)
		return false;
	if (vlen && *v == '\'') {
		v++;
		vlen--;
	}
	return memchr(v, '=', vlen) || ct_cfg_uri_prefix(v);
}

/*
 * Finds the secrets of a libpq keyword/value conninfo.  Returns -1 when it
 * does not parse the way libpq would, so the caller masks all of it.
 */
static int ct_cfg_kv_spans(const char *s, struct ct_cfg_spans *spans)
{
	size_t p = 0;

	for (;;) {
		size_t kstart, klen, vstart;

		ct_cfg_skip_space(s, &p);
		if (!s[p])
			return 0;
		kstart = p;
		while (s[p] && s[p] != '=' && !isspace((unsigned char)s[p]))
			p++;
		klen = p - kstart;
		ct_cfg_skip_space(s, &p);
		if (s[p] != '=')
			return -1;
		p++;
		ct_cfg_skip_space(s, &p);
		vstart = p;
		if (ct_cfg_skip_value(s, &p))
			return -1;
		if (ct_cfg_kv_secret(s + kstart, klen, s + vstart,
				     p - vstart) &&
		    ct_cfg_span_add(spans, vstart, p))
			return -1;
	}
}

int ct_cfg_conninfo_spans(const char *s, struct ct_cfg_spans *spans)
{
	return ct_cfg_uri_prefix(s) ? ct_cfg_uri_spans(s, spans) :
				      ct_cfg_kv_spans(s, spans);
}

/* True when a kafka.properties entry called name holds a secret. */
bool ct_cfg_prop_secret(const char *name)
{
	static const char *const parts[] = { "password", "secret", "key.pem" };
	char lower[CT_CFG_PROPERTY_MAX + 1];
	size_t i;

	for (i = 0; name[i] && i < CT_CFG_PROPERTY_MAX; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(lower, parts[i]))
			return true;
	return strcmp(lower, "sasl.oauthbearer.config") == 0;
}
