/*
 * ct-kafka's output: one consumed message as one JSON line, the format
 * that `ct-kafka dump` prints and `ct-kafka produce` reads back
 * ({"topic", "partition", "offset", "key", "value", "headers"}).  Bytes
 * that are not UTF-8 (convtrack/codec.h decides) travel base64, so that
 * every payload survives the round trip.  Apart from main.c so that the
 * format lives in one place, next to nothing that talks to a broker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/codec.h"
#include "ct_kafka.h"

/* Returns a malloc'ed, NUL-terminated base64 encoding, or NULL (OOM). */
static char *ct_kafka_b64_encode(const void *in, size_t len)
{
	char *out = malloc(CT_BASE64_ENCODED_LEN(len) + 1);

	if (out)
		ct_base64_encode(in, len, out);
	return out;
}

/* Checks a yajl_gen status.  Returns 0 or -1. */
static int ct_kafka_gen_ok(yajl_gen_status st)
{
	if (st != yajl_gen_status_ok) {
		fprintf(stderr, "ct-kafka: JSON generation failed (%d)\n",
			(int)st);
		return -1;
	}
	return 0;
}

static int ct_kafka_gen_cstr(yajl_gen g, const char *s)
{
	return ct_kafka_gen_ok(
		yajl_gen_string(g, (const unsigned char *)s, strlen(s)));
}

/*
 * Emits field name with bytes p/len: a string when it is UTF-8, null when p
 * is NULL, else field name + "_b64" with the base64 text.  Returns 0 or -1.
 */
static int ct_kafka_gen_bytes(yajl_gen g, const char *name, const void *p,
			      size_t len)
{
	char b64name[64];
	char *b64;
	int rc;

	if (!p || ct_utf8_valid(p, len)) {
		if (ct_kafka_gen_cstr(g, name) != 0)
			return -1;
		if (!p)
			return ct_kafka_gen_ok(yajl_gen_null(g));
		return ct_kafka_gen_ok(yajl_gen_string(g, p, len));
	}
	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	b64 = ct_kafka_b64_encode(p, len);
	if (!b64) {
		fprintf(stderr, "ct-kafka: out of memory\n");
		return -1;
	}
	rc = ct_kafka_gen_cstr(g, b64name);
	if (rc == 0)
		rc = ct_kafka_gen_cstr(g, b64);
	free(b64);
	return rc;
}

/* Emits {"b64": "<base64 of p>"}.  Returns 0 or -1. */
static int ct_kafka_gen_header_b64(yajl_gen g, const void *p, size_t len)
{
	char *b64 = ct_kafka_b64_encode(p, len);
	int rc;

	if (!b64) {
		fprintf(stderr, "ct-kafka: out of memory\n");
		return -1;
	}
	rc = ct_kafka_gen_ok(yajl_gen_map_open(g)) ||
	     ct_kafka_gen_cstr(g, "b64") || ct_kafka_gen_cstr(g, b64) ||
	     ct_kafka_gen_ok(yajl_gen_map_close(g));
	free(b64);
	return rc ? -1 : 0;
}

/*
 * Prints one message as a JSON line.  Header values that are not UTF-8 are
 * printed as {"b64": "..."}.  Returns 0 or -1.
 */
int ct_kafka_format_message(yajl_gen g, const rd_kafka_message_t *rkm)
{
	rd_kafka_headers_t *hdrs = NULL;
	const unsigned char *buf;
	const char *hname;
	const void *hval;
	size_t len, hlen, idx;

	yajl_gen_clear(g);
	yajl_gen_reset(g, NULL);
	if (ct_kafka_gen_ok(yajl_gen_map_open(g)) ||
	    ct_kafka_gen_cstr(g, "topic") ||
	    ct_kafka_gen_cstr(g, rd_kafka_topic_name(rkm->rkt)) ||
	    ct_kafka_gen_cstr(g, "partition") ||
	    ct_kafka_gen_ok(yajl_gen_integer(g, rkm->partition)) ||
	    ct_kafka_gen_cstr(g, "offset") ||
	    ct_kafka_gen_ok(yajl_gen_integer(g, rkm->offset)) ||
	    ct_kafka_gen_bytes(g, "key", rkm->key, rkm->key_len) ||
	    ct_kafka_gen_bytes(g, "value", rkm->payload, rkm->len) ||
	    ct_kafka_gen_cstr(g, "headers") ||
	    ct_kafka_gen_ok(yajl_gen_map_open(g)))
		return -1;
	/* hdrs is owned by rkm. */
	if (rd_kafka_message_headers(rkm, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (idx = 0; rd_kafka_header_get_all(hdrs, idx, &hname, &hval,
						      &hlen) ==
			      RD_KAFKA_RESP_ERR_NO_ERROR;
		     idx++) {
			if (ct_kafka_gen_cstr(g, hname) != 0)
				return -1;
			if (!hval) {
				if (ct_kafka_gen_ok(yajl_gen_null(g)))
					return -1;
			} else if (ct_utf8_valid(hval, hlen)) {
				if (ct_kafka_gen_ok(
					    yajl_gen_string(g, hval, hlen)))
					return -1;
			} else if (ct_kafka_gen_header_b64(g, hval, hlen) != 0) {
				return -1;
			}
		}
	}
	if (ct_kafka_gen_ok(yajl_gen_map_close(g)) ||
	    ct_kafka_gen_ok(yajl_gen_map_close(g)) ||
	    ct_kafka_gen_ok(yajl_gen_get_buf(g, &buf, &len)))
		return -1;
	if (fwrite(buf, 1, len, stdout) != len || putchar('\n') == EOF) {
		fprintf(stderr, "ct-kafka: writing output: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}
