/*
 * ct-kafka's input: the JSON lines that `ct-kafka produce` reads, one
 * record per line ({"topic", "key"|"key_b64", "value"|"value_b64",
 * "headers", "partition", "offset"}), parsed with yajl's streaming API so
 * that a structured "value" can be re-serialized as it arrives and every
 * error names the line.  Apart from main.c because the record format is a
 * contract of its own (dump's output is valid input) and the bulk of the
 * tool's code.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "convtrack/codec.h"
#include "ct_kafka.h"

/*
 * Decodes base64 text (convtrack/codec.h: padding optional, no white
 * space).  Returns 0 and a malloc'ed buffer in *out (*out_len bytes), or
 * -1 if in is not base64 or memory ran out; *out is then untouched.
 */
static int ct_kafka_b64_decode(const char *in, size_t len, char **out,
			       size_t *out_len)
{
	unsigned char *buf = malloc(CT_BASE64_DECODED_MAX(len));

	if (!buf)
		return -1;
	if (ct_base64_decode(in, len, buf, out_len) != 0) {
		free(buf);
		return -1;
	}
	*out = (char *)buf;
	return 0;
}

enum ct_kafka_field {
	CT_F_NONE = 0,
	CT_F_TOPIC,
	CT_F_KEY,
	CT_F_KEY_B64,
	CT_F_VALUE,
	CT_F_VALUE_B64,
	CT_F_HEADERS,
	CT_F_PARTITION,
	CT_F_OFFSET,
	CT_F_COUNT
};

static const char *const ct_kafka_field_names[CT_F_COUNT] = {
	[CT_F_TOPIC] = "topic",         [CT_F_KEY] = "key",
	[CT_F_KEY_B64] = "key_b64",
	[CT_F_VALUE] = "value",         [CT_F_VALUE_B64] = "value_b64",
	[CT_F_HEADERS] = "headers",     [CT_F_PARTITION] = "partition",
	[CT_F_OFFSET] = "offset",
};

enum ct_kafka_mode {
	CT_M_START,      /* before the record's '{' */
	CT_M_TOP,        /* in the record, expecting a field name */
	CT_M_FIELD,      /* expecting the value of field cur */
	CT_M_GEN,        /* inside a structured "value", re-serializing */
	CT_M_HEADERS,    /* in "headers", expecting a header name */
	CT_M_HEADER_VAL, /* expecting a header value */
	CT_M_HDR_OBJ,    /* in a header value {"b64": ...}, expecting "b64" */
	CT_M_HDR_B64,    /* expecting the base64 string */
	CT_M_HDR_END,    /* expecting the end of {"b64": ...} */
	CT_M_DONE,       /* after the record's '}' */
};

/* Parser state for one JSONL line. */
struct ct_kafka_jl {
	struct ct_kafka_rec *rec;
	enum ct_kafka_mode mode;
	enum ct_kafka_field cur;
	bool seen[CT_F_COUNT];
	yajl_gen vgen;
	int vdepth;
	char *hname;
	size_t hname_len;
	char err[256];
};

static int ct_kafka_jl_fail(struct ct_kafka_jl *jl, const char *msg)
{
	snprintf(jl->err, sizeof(jl->err), "%s", msg);
	return 0;
}

static char *ct_kafka_memdup(const void *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* The structured value is complete: keep its serialization. */
static int ct_kafka_jl_gen_done(struct ct_kafka_jl *jl)
{
	const unsigned char *buf;
	size_t len;

	if (yajl_gen_get_buf(jl->vgen, &buf, &len) != yajl_gen_status_ok)
		return ct_kafka_jl_fail(jl, "cannot serialize value");
	jl->rec->value = ct_kafka_memdup(buf, len);
	if (!jl->rec->value)
		return ct_kafka_jl_fail(jl, "out of memory");
	jl->rec->value_len = len;
	yajl_gen_free(jl->vgen);
	jl->vgen = NULL;
	jl->mode = CT_M_TOP;
	return 1;
}

/* Checks a yajl_gen status while re-serializing a structured value. */
static int ct_kafka_jl_gen_ok(struct ct_kafka_jl *jl, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		return ct_kafka_jl_fail(jl, "cannot serialize value");
	return 1;
}

/*
 * Handles a scalar in CT_M_FIELD or CT_M_HEADER_VAL.  type is 's' (string),
 * 'n' (null) or 'o' (other: number or boolean).  s/len is the text.
 */
static int ct_kafka_jl_scalar(struct ct_kafka_jl *jl, char type,
			      const char *s, size_t len)
{
	struct ct_kafka_rec *rec = jl->rec;
	rd_kafka_resp_err_t err;

	if (jl->mode == CT_M_HEADER_VAL || jl->mode == CT_M_HDR_B64) {
		char *raw = NULL;
		size_t raw_len = 0;
		bool b64 = jl->mode == CT_M_HDR_B64;

		if (type == 'o' || (b64 && type != 's'))
			return ct_kafka_jl_fail(jl, "header values must be "
						    "strings, null or "
						    "{\"b64\": string}");
		if (b64 && ct_kafka_b64_decode(s, len, &raw, &raw_len) != 0)
			return ct_kafka_jl_fail(jl, "bad base64 header value");
		if (b64) {
			s = raw;
			len = raw_len;
		}
		err = rd_kafka_header_add(rec->hdrs, jl->hname,
					  (ssize_t)jl->hname_len,
					  type == 's' ? s : NULL,
					  type == 's' ? (ssize_t)len : 0);
		free(raw);
		free(jl->hname);
		jl->hname = NULL;
		if (err)
			return ct_kafka_jl_fail(jl, rd_kafka_err2str(err));
		jl->mode = b64 ? CT_M_HDR_END : CT_M_HEADERS;
		return 1;
	}
	if (jl->mode == CT_M_START)
		return ct_kafka_jl_fail(jl, "a record must be a JSON object");
	if (jl->mode != CT_M_FIELD)
		return ct_kafka_jl_fail(jl, "unexpected value");

	jl->mode = CT_M_TOP;
	switch (jl->cur) {
	case CT_F_TOPIC:
		if (type != 's' || len == 0 || memchr(s, '\0', len))
			return ct_kafka_jl_fail(jl, "\"topic\" must be a "
						    "non-empty string");
		rec->topic = ct_kafka_memdup(s, len);
		break;
	case CT_F_KEY:
		if (type == 'n')
			return 1;
		if (type != 's')
			return ct_kafka_jl_fail(jl, "\"key\" must be a string "
						    "or null");
		rec->key = ct_kafka_memdup(s, len);
		rec->key_len = len;
		if (!rec->key)
			return ct_kafka_jl_fail(jl, "out of memory");
		return 1;
	case CT_F_KEY_B64:
		if (type != 's' ||
		    ct_kafka_b64_decode(s, len, &rec->key,
					&rec->key_len) != 0)
			return ct_kafka_jl_fail(jl, "\"key_b64\" must be a "
						    "base64 string");
		return 1;
	case CT_F_VALUE:
		if (type == 'n')
			return 1; /* tombstone */
		rec->value = ct_kafka_memdup(s, len);
		rec->value_len = len;
		break;
	case CT_F_VALUE_B64:
		if (type != 's' ||
		    ct_kafka_b64_decode(s, len, &rec->value,
					&rec->value_len) != 0)
			return ct_kafka_jl_fail(jl, "\"value_b64\" must be a "
						    "base64 string");
		return 1;
	case CT_F_HEADERS:
		if (type != 'n')
			return ct_kafka_jl_fail(jl, "\"headers\" must be an "
						    "object or null");
		return 1;
	case CT_F_PARTITION: {
		char buf[32];
		char *end;
		long v;

		if (type != 'o' || len == 0 || len >= sizeof(buf))
			return ct_kafka_jl_fail(jl, "\"partition\" must be an "
						    "integer");
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		v = strtol(buf, &end, 10);
		if (errno || *end != '\0' || v < -1 || v > INT32_MAX)
			return ct_kafka_jl_fail(jl, "\"partition\" must be an "
						    "integer");
		rec->partition = (int32_t)v;
		return 1;
	}
	case CT_F_OFFSET:
		return 1; /* accepted so that dump output can be replayed */
	default:
		return ct_kafka_jl_fail(jl, "internal: no field");
	}
	/* topic and value: string copies */
	if ((jl->cur == CT_F_TOPIC && !rec->topic) ||
	    (jl->cur == CT_F_VALUE && !rec->value))
		return ct_kafka_jl_fail(jl, "out of memory");
	return 1;
}

static int ct_kafka_jl_null(void *ctx)
{
	struct ct_kafka_jl *jl = ctx;

	if (jl->mode == CT_M_GEN)
		return ct_kafka_jl_gen_ok(jl, yajl_gen_null(jl->vgen));
	return ct_kafka_jl_scalar(jl, 'n', NULL, 0);
}

static int ct_kafka_jl_boolean(void *ctx, int b)
{
	struct ct_kafka_jl *jl = ctx;

	if (jl->mode == CT_M_GEN)
		return ct_kafka_jl_gen_ok(jl, yajl_gen_bool(jl->vgen, b));
	if (jl->mode == CT_M_FIELD && jl->cur == CT_F_VALUE) {
		jl->rec->value = ct_kafka_memdup(b ? "true" : "false",
						 b ? 4 : 5);
		jl->rec->value_len = b ? 4 : 5;
		jl->mode = CT_M_TOP;
		return jl->rec->value ? 1 : ct_kafka_jl_fail(jl, "out of memory");
	}
	return ct_kafka_jl_scalar(jl, 'o', b ? "true" : "false", b ? 4 : 5);
}

static int ct_kafka_jl_number(void *ctx, const char *s, size_t len)
{
	struct ct_kafka_jl *jl = ctx;

	if (jl->mode == CT_M_GEN)
		return ct_kafka_jl_gen_ok(jl, yajl_gen_number(jl->vgen, s, len));
	if (jl->mode == CT_M_FIELD && jl->cur == CT_F_VALUE) {
		/* A bare number is itself a JSON text: keep it verbatim. */
		jl->rec->value = ct_kafka_memdup(s, len);
		jl->rec->value_len = len;
		jl->mode = CT_M_TOP;
		return jl->rec->value ? 1 : ct_kafka_jl_fail(jl, "out of memory");
	}
	return ct_kafka_jl_scalar(jl, 'o', s, len);
}

static int ct_kafka_jl_string(void *ctx, const unsigned char *s, size_t len)
{
	struct ct_kafka_jl *jl = ctx;

	if (jl->mode == CT_M_GEN)
		return ct_kafka_jl_gen_ok(jl,
					  yajl_gen_string(jl->vgen, s, len));
	return ct_kafka_jl_scalar(jl, 's', (const char *)s, len);
}

/* Opens a nested map or array: the record itself, "headers" or "value". */
static int ct_kafka_jl_open(struct ct_kafka_jl *jl, bool is_map)
{
	yajl_gen_status st;

	switch (jl->mode) {
	case CT_M_START:
		if (!is_map)
			return ct_kafka_jl_fail(jl, "a record must be a JSON "
						    "object");
		jl->mode = CT_M_TOP;
		return 1;
	case CT_M_GEN:
		jl->vdepth++;
		st = is_map ? yajl_gen_map_open(jl->vgen)
			    : yajl_gen_array_open(jl->vgen);
		return ct_kafka_jl_gen_ok(jl, st);
	case CT_M_HEADER_VAL:
		if (!is_map)
			return ct_kafka_jl_fail(jl, "header values must be "
						    "strings, null or "
						    "{\"b64\": string}");
		jl->mode = CT_M_HDR_OBJ;
		return 1;
	case CT_M_FIELD:
		if (jl->cur == CT_F_HEADERS && is_map) {
			jl->rec->hdrs = rd_kafka_headers_new(8);
			jl->mode = CT_M_HEADERS;
			return 1;
		}
		if (jl->cur != CT_F_VALUE)
			return ct_kafka_jl_fail(jl, "unexpected object or "
						    "array");
		jl->vgen = yajl_gen_alloc(NULL);
		if (!jl->vgen)
			return ct_kafka_jl_fail(jl, "out of memory");
		jl->mode = CT_M_GEN;
		jl->vdepth = 1;
		st = is_map ? yajl_gen_map_open(jl->vgen)
			    : yajl_gen_array_open(jl->vgen);
		return ct_kafka_jl_gen_ok(jl, st);
	default:
		return ct_kafka_jl_fail(jl, "unexpected object or array");
	}
}

static int ct_kafka_jl_close(struct ct_kafka_jl *jl, bool is_map)
{
	yajl_gen_status st;

	switch (jl->mode) {
	case CT_M_GEN:
		st = is_map ? yajl_gen_map_close(jl->vgen)
			    : yajl_gen_array_close(jl->vgen);
		if (!ct_kafka_jl_gen_ok(jl, st))
			return 0;
		if (--jl->vdepth == 0)
			return ct_kafka_jl_gen_done(jl);
		return 1;
	case CT_M_TOP:
		jl->mode = CT_M_DONE;
		return 1;
	case CT_M_HEADERS:
		jl->mode = CT_M_TOP;
		return 1;
	case CT_M_HDR_END:
		jl->mode = CT_M_HEADERS;
		return 1;
	default:
		return ct_kafka_jl_fail(jl, "unexpected end of object");
	}
}

static int ct_kafka_jl_start_map(void *ctx)
{
	return ct_kafka_jl_open(ctx, true);
}

static int ct_kafka_jl_end_map(void *ctx)
{
	return ct_kafka_jl_close(ctx, true);
}

static int ct_kafka_jl_start_array(void *ctx)
{
	return ct_kafka_jl_open(ctx, false);
}

static int ct_kafka_jl_end_array(void *ctx)
{
	return ct_kafka_jl_close(ctx, false);
}

static int ct_kafka_jl_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct ct_kafka_jl *jl = ctx;
	int f;

	switch (jl->mode) {
	case CT_M_GEN:
		return ct_kafka_jl_gen_ok(jl,
					  yajl_gen_string(jl->vgen, s, len));
	case CT_M_HDR_OBJ:
		if (len != 3 || memcmp(s, "b64", 3) != 0)
			return ct_kafka_jl_fail(jl, "a header value object "
						    "has one field, \"b64\"");
		jl->mode = CT_M_HDR_B64;
		return 1;
	case CT_M_HEADERS:
		jl->hname = ct_kafka_memdup(s, len);
		jl->hname_len = len;
		if (!jl->hname)
			return ct_kafka_jl_fail(jl, "out of memory");
		jl->mode = CT_M_HEADER_VAL;
		return 1;
	case CT_M_TOP:
		for (f = CT_F_NONE + 1; f < CT_F_COUNT; f++)
			if (strlen(ct_kafka_field_names[f]) == len &&
			    memcmp(ct_kafka_field_names[f], s, len) == 0)
				break;
		if (f == CT_F_COUNT) {
			snprintf(jl->err, sizeof(jl->err),
				 "unknown field \"%.*s\"", (int)len, s);
			return 0;
		}
		if (jl->seen[f]) {
			snprintf(jl->err, sizeof(jl->err),
				 "duplicate field \"%s\"",
				 ct_kafka_field_names[f]);
			return 0;
		}
		if ((f == CT_F_KEY && jl->seen[CT_F_KEY_B64]) ||
		    (f == CT_F_KEY_B64 && jl->seen[CT_F_KEY]))
			return ct_kafka_jl_fail(jl, "\"key\" and \"key_b64\" "
						    "exclude each other");
		if ((f == CT_F_VALUE && jl->seen[CT_F_VALUE_B64]) ||
		    (f == CT_F_VALUE_B64 && jl->seen[CT_F_VALUE]))
			return ct_kafka_jl_fail(jl, "\"value\" and "
						    "\"value_b64\" exclude "
						    "each other");
		jl->seen[f] = true;
		jl->cur = (enum ct_kafka_field)f;
		jl->mode = CT_M_FIELD;
		return 1;
	default:
		return ct_kafka_jl_fail(jl, "unexpected field name");
	}
}

static const yajl_callbacks ct_kafka_jl_callbacks = {
	.yajl_null = ct_kafka_jl_null,
	.yajl_boolean = ct_kafka_jl_boolean,
	.yajl_number = ct_kafka_jl_number,
	.yajl_string = ct_kafka_jl_string,
	.yajl_start_map = ct_kafka_jl_start_map,
	.yajl_map_key = ct_kafka_jl_map_key,
	.yajl_end_map = ct_kafka_jl_end_map,
	.yajl_start_array = ct_kafka_jl_start_array,
	.yajl_end_array = ct_kafka_jl_end_array,
};

static void ct_kafka_rec_clear(struct ct_kafka_rec *rec)
{
	free(rec->topic);
	free(rec->key);
	free(rec->value);
	if (rec->hdrs)
		rd_kafka_headers_destroy(rec->hdrs);
	memset(rec, 0, sizeof(*rec));
}

/*
 * Parses one JSONL line into rec (which the caller clears).  Returns 0, or
 * -1 with the reason in errbuf.
 */
static int ct_kafka_rec_parse(const char *line, size_t len,
			      struct ct_kafka_rec *rec, char *errbuf,
			      size_t errlen)
{
	struct ct_kafka_jl jl;
	yajl_handle h;
	yajl_status st;
	int rc = -1;

	memset(&jl, 0, sizeof(jl));
	memset(rec, 0, sizeof(*rec));
	rec->partition = RD_KAFKA_PARTITION_UA;
	jl.rec = rec;
	jl.mode = CT_M_START;

	h = yajl_alloc(&ct_kafka_jl_callbacks, NULL, &jl);
	if (!h) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	st = yajl_parse(h, (const unsigned char *)line, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_client_canceled) {
		snprintf(errbuf, errlen, "%s", jl.err);
		goto out_free;
	}
	if (st != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(h, 0, NULL, 0);

		snprintf(errbuf, errlen, "invalid JSON: %s",
			 msg ? (const char *)msg : "?");
		errbuf[strcspn(errbuf, "\n")] = '\0';
		if (msg)
			yajl_free_error(h, msg);
		goto out_free;
	}
	if (jl.mode != CT_M_DONE) {
		snprintf(errbuf, errlen, "a record must be a JSON object");
		goto out_free;
	}
	if (!rec->topic) {
		snprintf(errbuf, errlen, "missing \"topic\"");
		goto out_free;
	}
	if (!jl.seen[CT_F_VALUE] && !jl.seen[CT_F_VALUE_B64]) {
		snprintf(errbuf, errlen,
			 "missing \"value\" (or \"value_b64\"); use "
			 "\"value\": null for a tombstone");
		goto out_free;
	}
	rc = 0;

out_free:
	yajl_free(h);
	if (jl.vgen)
		yajl_gen_free(jl.vgen);
	free(jl.hname);
	return rc;
}

void ct_kafka_recs_free(struct ct_kafka_recs *recs)
{
	size_t i;

	for (i = 0; i < recs->cnt; i++)
		ct_kafka_rec_clear(&recs->v[i]);
	free(recs->v);
	recs->v = NULL;
	recs->cnt = recs->cap = 0;
}

int ct_kafka_recs_read(FILE *in, const char *name, const char *prefix,
		       struct ct_kafka_recs *recs)
{
	char *line = NULL, errbuf[300];
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, in)) >= 0) {
		struct ct_kafka_rec rec;
		size_t len = (size_t)n, plen = strlen(prefix);
		char *topic;

		lineno++;
		if (strspn(line, " \t\r\n") == len)
			continue;
		if (ct_kafka_rec_parse(line, len, &rec, errbuf,
				       sizeof(errbuf)) != 0) {
			fprintf(stderr, "ct-kafka: %s:%zu: %s\n", name, lineno,
				errbuf);
			ct_kafka_rec_clear(&rec);
			rc = -1;
			break;
		}
		topic = malloc(plen + strlen(rec.topic) + 1);
		if (!topic) {
			ct_kafka_rec_clear(&rec);
			rc = -1;
			break;
		}
		memcpy(topic, prefix, plen);
		strcpy(topic + plen, rec.topic);
		free(rec.topic);
		rec.topic = topic;
		if (recs->cnt == recs->cap) {
			size_t ncap = recs->cap ? recs->cap * 2 : 64;
			struct ct_kafka_rec *nv;

			nv = realloc(recs->v, ncap * sizeof(*nv));
			if (!nv) {
				fprintf(stderr, "ct-kafka: out of memory\n");
				ct_kafka_rec_clear(&rec);
				rc = -1;
				break;
			}
			recs->v = nv;
			recs->cap = ncap;
		}
		recs->v[recs->cnt++] = rec;
	}
	if (rc == 0 && ferror(in)) {
		fprintf(stderr, "ct-kafka: reading %s: %s\n", name,
			strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}
