/*
 * Privacy, second part: redaction of a dead-letter payload
 * (ct_privacy_payload, include/convtrack/privacy.h).  A payload is
 * dead-lettered because it is invalid, so nothing about its shape can be
 * assumed: a JSON document is walked with yajl and written again with its
 * string values redacted (so it stays JSON and can be replayed after a
 * fix), anything else is redacted as text.
 */
#include "convtrack/privacy.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Writes s (len bytes) redacted as a JSON string; false on failure. */
static bool ct_pj_string(yajl_gen g, const struct ct_redact *r, const char *s,
			 size_t len)
{
	struct ct_redact_result res;
	bool ok;

	if (ct_redact_text(r, s, len, &res) != 0)
		return false;
	ok = yajl_gen_string(g, (const unsigned char *)res.text, res.len) ==
	     yajl_gen_status_ok;
	ct_redact_result_clear(&res);
	return ok;
}

/* A number as written; a card number sent as a number becomes a string. */
static bool ct_pj_number(yajl_gen g, const struct ct_redact *r, const char *s)
{
	struct ct_redact_result res;
	bool ok;

	if (ct_redact_text(r, s, strlen(s), &res) != 0)
		return false;
	if (res.n_spans)
		ok = yajl_gen_string(g, (const unsigned char *)res.text,
				     res.len) == yajl_gen_status_ok;
	else
		ok = yajl_gen_number(g, s, strlen(s)) == yajl_gen_status_ok;
	ct_redact_result_clear(&res);
	return ok;
}

/* Writes node v with its values redacted; false on failure. */
static bool ct_pj_node(yajl_gen g, const struct ct_redact *r, yajl_val v)
{
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		return ct_pj_string(g, r, v->u.string, strlen(v->u.string));
	case yajl_t_number:
		return ct_pj_number(g, r, v->u.number.r);
	case yajl_t_true:
	case yajl_t_false:
		return yajl_gen_bool(g, v->type == yajl_t_true) == yajl_gen_status_ok;
	case yajl_t_null:
		return yajl_gen_null(g) == yajl_gen_status_ok;
	case yajl_t_array:
		if (yajl_gen_array_open(g) != yajl_gen_status_ok)
			return false;
		for (i = 0; i < v->u.array.len; i++)
			if (!ct_pj_node(g, r, v->u.array.values[i]))
				return false;
		return yajl_gen_array_close(g) == yajl_gen_status_ok;
	case yajl_t_object:
		if (yajl_gen_map_open(g) != yajl_gen_status_ok)
			return false;
		for (i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];

			if (yajl_gen_string(g, (const unsigned char *)k, strlen(k)) !=
			    yajl_gen_status_ok ||
			    !ct_pj_node(g, r, v->u.object.values[i]))
				return false;
		}
		return yajl_gen_map_close(g) == yajl_gen_status_ok;
	default:
		return false;
	}
}

/*
 * Re-renders the JSON document text (NUL-terminated) redacted into *out.
 * Returns 1 when done, 0 when text is not one JSON document (or holds a
 * NUL that yajl_tree would cut it at), -1 on failure.
 */
static int ct_pj_document(const struct ct_redact *r, const char *text,
			  size_t len, char **out, size_t *outlen)
{
	const unsigned char *buf;
	yajl_val root;
	yajl_gen g;
	size_t n;
	int rc = -1;

	if (memchr(text, '\0', len))
		return 0;
	root = yajl_tree_parse(text, NULL, 0);
	if (!root)
		return 0;
	g = yajl_gen_alloc(NULL);
	if (g && ct_pj_node(g, r, root) &&
	    yajl_gen_get_buf(g, &buf, &n) == yajl_gen_status_ok) {
		*out = malloc(n + 1);
		if (*out) {
			memcpy(*out, buf, n);
			(*out)[n] = '\0';
			*outlen = n;
			rc = 1;
		}
	}
	if (g)
		yajl_gen_free(g);
	yajl_tree_free(root);
	return rc;
}

int ct_privacy_payload(const struct ct_redact *r, const void *payload,
		       size_t len, char **out, size_t *outlen)
{
	struct ct_redact_result res;
	char *text = malloc(len + 1);
	int rc;

	*out = NULL;
	*outlen = 0;
	if (!text)
		return -1;
	if (len)
		memcpy(text, payload, len);
	text[len] = '\0';
	rc = ct_pj_document(r, text, len, out, outlen);
	if (rc == 0) {
		rc = ct_redact_text(r, text, len, &res) == 0 ? 1 : -1;
		if (rc == 1) {
			*out = res.text; /* ownership moves to the caller */
			*outlen = res.len;
			res.text = NULL;
			ct_redact_result_clear(&res);
		}
	}
	free(text);
	return rc == 1 ? 0 : -1;
}
