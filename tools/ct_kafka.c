/*
 * ct-kafka: a small Kafka client for the tests and the demo.
 *
 * Subcommands:
 *   produce  feeds JSONL records ({"topic","key","value"|"value_b64",...})
 *            to Kafka in file order with the idempotent producer;
 *   lag      prints a consumer group's total lag over some topics, so a test
 *            can wait until the worker has caught up;
 *   dump     prints a topic's messages as JSONL (no consumer group), so a
 *            test can read the dead-letter and summary topics.
 *
 * The JSONL record format is the same in and out: what dump prints can be fed
 * back to produce (partition is honoured, offset is ignored).  Keys and values
 * that are not valid UTF-8 travel as "key_b64" and "value_b64", header values
 * as {"b64": "..."}; a null value is a tombstone.
 *
 * There is no create-topics subcommand: the librdkafka 2.0.2 mock cluster
 * that the tests run does not implement the Admin API's CreateTopics.  Use
 * ct-mock-kafka --topics or its control FIFO (create-topic NAME PARTITIONS).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#define CT_KAFKA_DEFAULT_TIMEOUT_MS 30000
#define CT_KAFKA_MAX_CONF           32

/* Settings shared by every subcommand. */
struct ct_kafka_common {
	const char *brokers;
	const char *conf[CT_KAFKA_MAX_CONF]; /* "-X name=value" pairs */
	int conf_cnt;
	int timeout_ms;
};

/* ------------------------------------------------------------------ */
/* Small helpers: time, UTF-8, base64.                                */
/* ------------------------------------------------------------------ */

static int64_t ct_kafka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, at least 0, at most INT32 range. */
static int ct_kafka_left_ms(int64_t deadline)
{
	int64_t left = deadline - ct_kafka_now_ms();

	if (left < 0)
		return 0;
	return left > 1000000000 ? 1000000000 : (int)left;
}

/* True if buf[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).  NUL bytes are allowed. */
static bool ct_kafka_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n + 1;
	}
	return true;
}

static const char ct_kafka_b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Returns a malloc'ed, NUL-terminated base64 encoding, or NULL (OOM). */
static char *ct_kafka_b64_encode(const unsigned char *in, size_t len)
{
	size_t i, o = 0;
	char *out = malloc((len + 2) / 3 * 4 + 1);

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = ct_kafka_b64_alphabet[v >> 18];
		out[o++] = ct_kafka_b64_alphabet[(v >> 12) & 63];
		out[o++] = ct_kafka_b64_alphabet[(v >> 6) & 63];
		out[o++] = ct_kafka_b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = ct_kafka_b64_alphabet[v >> 18];
		out[o++] = ct_kafka_b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? ct_kafka_b64_alphabet[(v >> 6) & 63]
				       : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int ct_kafka_b64_value(unsigned char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(ct_kafka_b64_alphabet, c);
	return p ? (int)(p - ct_kafka_b64_alphabet) : -1;
}

/*
 * Decodes standard base64 (padding optional, no whitespace).  Returns 0 and
 * a malloc'ed buffer in *out (*out_len bytes), or -1 if in is not base64
 * or memory ran out.
 */
static int ct_kafka_b64_decode(const unsigned char *in, size_t len,
			       char **out, size_t *out_len)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;
	char *buf;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	buf = malloc(len / 4 * 3 + 3);
	if (!buf)
		return -1;
	for (i = 0; i < len; i++) {
		int v = ct_kafka_b64_value(in[i]);

		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	*out = buf;
	*out_len = o;
	return 0;
}

/* ------------------------------------------------------------------ */
/* librdkafka handles.                                                */
/* ------------------------------------------------------------------ */

static void ct_kafka_error_cb(rd_kafka_t *rk, int err, const char *reason,
			      void *opaque)
{
	(void)opaque;
	/* librdkafka logs connection failures itself. */
	if (err == RD_KAFKA_RESP_ERR__TRANSPORT)
		return;
	fprintf(stderr, "ct-kafka: %s: %s: %s\n", rd_kafka_name(rk),
		rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/*
 * Sets name=value on conf.  Returns 0, or -1 with the reason on stderr.
 */
static int ct_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
			     const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "ct-kafka: %s=%s: %s\n", name, value, errstr);
		return -1;
	}
	return 0;
}

/*
 * Creates a client of the given type.  settings is a NULL-terminated list of
 * name, value pairs applied before the user's -X pairs.  Returns NULL on
 * error (reported).  dr_cb may be NULL.
 */
static rd_kafka_t *ct_kafka_client_new(const struct ct_kafka_common *c,
				       rd_kafka_type_t type,
				       const char *const *settings,
				       void (*dr_cb)(rd_kafka_t *,
						     const rd_kafka_message_t *,
						     void *),
				       void *opaque)
{
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	int i;

	conf = rd_kafka_conf_new();
	if (ct_kafka_conf_set(conf, "bootstrap.servers", c->brokers) != 0)
		goto out_destroy_conf;
	for (i = 0; settings && settings[i]; i += 2)
		if (ct_kafka_conf_set(conf, settings[i], settings[i + 1]) != 0)
			goto out_destroy_conf;
	for (i = 0; i < c->conf_cnt; i++) {
		char name[256];
		const char *eq = strchr(c->conf[i], '=');

		if (!eq || eq == c->conf[i] ||
		    (size_t)(eq - c->conf[i]) >= sizeof(name)) {
			fprintf(stderr, "ct-kafka: -X expects name=value: %s\n",
				c->conf[i]);
			goto out_destroy_conf;
		}
		memcpy(name, c->conf[i], (size_t)(eq - c->conf[i]));
		name[eq - c->conf[i]] = '\0';
		if (ct_kafka_conf_set(conf, name, eq + 1) != 0)
			goto out_destroy_conf;
	}
	rd_kafka_conf_set_error_cb(conf, ct_kafka_error_cb);
	if (dr_cb)
		rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, opaque);

	/* rd_kafka_new() takes ownership of conf only on success. */
	rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "ct-kafka: rd_kafka_new: %s\n", errstr);
		goto out_destroy_conf;
	}
	return rk;

out_destroy_conf:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/*
 * Looks topic up in a full metadata listing (which, unlike a request naming
 * the topic, never auto-creates it).  Returns its partition count, 0 if the
 * topic does not exist, or -1 on error (reported).
 */
static int ct_kafka_partition_count(rd_kafka_t *rk, const char *topic,
				    int timeout_ms)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t err;
	int i, cnt = 0;

	err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (err) {
		fprintf(stderr, "ct-kafka: metadata: %s\n",
			rd_kafka_err2str(err));
		return -1;
	}
	for (i = 0; i < md->topic_cnt; i++) {
		if (strcmp(md->topics[i].topic, topic) != 0)
			continue;
		if (md->topics[i].err) {
			fprintf(stderr, "ct-kafka: topic %s: %s\n", topic,
				rd_kafka_err2str(md->topics[i].err));
			cnt = -1;
		} else {
			cnt = md->topics[i].partition_cnt;
		}
		break;
	}
	rd_kafka_metadata_destroy(md);
	return cnt;
}

/* ------------------------------------------------------------------ */
/* JSONL record parsing (produce).                                    */
/* ------------------------------------------------------------------ */

/* One record to produce; every pointer is owned. */
struct ct_kafka_rec {
	char *topic;
	char *key; /* NULL: no key */
	size_t key_len;
	char *value; /* NULL: tombstone */
	size_t value_len;
	int32_t partition; /* RD_KAFKA_PARTITION_UA unless given */
	rd_kafka_headers_t *hdrs; /* NULL: none */
};

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
		if (b64 && ct_kafka_b64_decode((const unsigned char *)s, len,
					       &raw, &raw_len) != 0)
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
		    ct_kafka_b64_decode((const unsigned char *)s, len,
					&rec->key, &rec->key_len) != 0)
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
		    ct_kafka_b64_decode((const unsigned char *)s, len,
					&rec->value, &rec->value_len) != 0)
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

/* ------------------------------------------------------------------ */
/* produce                                                            */
/* ------------------------------------------------------------------ */

struct ct_kafka_produce_stats {
	long delivered;
	long failed;
};

static void ct_kafka_produce_dr_cb(rd_kafka_t *rk,
				   const rd_kafka_message_t *rkm, void *opaque)
{
	struct ct_kafka_produce_stats *stats = opaque;

	(void)rk;
	if (rkm->err) {
		stats->failed++;
		fprintf(stderr, "ct-kafka: delivery to %s failed: %s\n",
			rd_kafka_topic_name(rkm->rkt),
			rd_kafka_err2str(rkm->err));
	} else {
		stats->delivered++;
	}
}

/* Records read from the input, all parsed before anything is sent. */
struct ct_kafka_recs {
	struct ct_kafka_rec *v;
	size_t cnt, cap;
};

static void ct_kafka_recs_free(struct ct_kafka_recs *recs)
{
	size_t i;

	for (i = 0; i < recs->cnt; i++)
		ct_kafka_rec_clear(&recs->v[i]);
	free(recs->v);
	recs->v = NULL;
	recs->cnt = recs->cap = 0;
}

/*
 * Reads every record of in (named name for messages), prefixing each topic.
 * Blank lines are skipped.  Returns 0, or -1 (reported, with line number).
 */
static int ct_kafka_recs_read(FILE *in, const char *name, const char *prefix,
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

/*
 * Hands one record to the producer, waiting while its queue is full.  On
 * success the producer owns (and has taken) rec->hdrs.  Returns 0 or -1.
 */
static int ct_kafka_produce_one(rd_kafka_t *rk, struct ct_kafka_rec *rec)
{
	rd_kafka_resp_err_t err;

	for (;;) {
		err = rd_kafka_producev(
			rk, RD_KAFKA_V_TOPIC(rec->topic),
			RD_KAFKA_V_PARTITION(rec->partition),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(rec->key, rec->key ? rec->key_len : 0),
			RD_KAFKA_V_VALUE(rec->value,
					 rec->value ? rec->value_len : 0),
			RD_KAFKA_V_HEADERS(rec->hdrs), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(rk, 100);
	}
	if (err) {
		fprintf(stderr, "ct-kafka: produce to %s: %s\n", rec->topic,
			rd_kafka_err2str(err));
		return -1;
	}
	rec->hdrs = NULL; /* owned by the message now */
	return 0;
}

static void ct_kafka_produce_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-kafka produce [-b BROKERS] [--topic-prefix P] "
		"[--timeout-ms N]\n"
		"                        [-X name=value]... [FILE|-]\n"
		"Each input line: {\"topic\": T, \"key\": K|null | "
		"\"key_b64\": B, \"value\": V|null | \"value_b64\": B,\n"
		"                  \"headers\": {name: value|null|"
		"{\"b64\": B}}, \"partition\": N}\n"
		"V is usually a string (the payload); an object or array is "
		"sent as compact JSON.\n");
}

static int ct_kafka_produce(struct ct_kafka_common *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic-prefix", required_argument, NULL, 'p' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *settings[] = {
		"enable.idempotence", "true", /* keeps per-partition order */
		"acks", "all",
		"linger.ms", "5",
		"message.timeout.ms", NULL,
		NULL,
	};
	struct ct_kafka_produce_stats stats = { 0, 0 };
	struct ct_kafka_recs recs = { NULL, 0, 0 };
	const char *prefix = "", *path = "-";
	char tmo[32];
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk = NULL;
	FILE *in = stdin;
	size_t i, queued = 0;
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "b:X:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'p':
			prefix = optarg;
			break;
		case 'h':
			ct_kafka_produce_usage(stdout);
			return 0;
		case '?':
			ct_kafka_produce_usage(stderr);
			return 2;
		default:
			break; /* common options, handled by the caller */
		}
	}
	if (argc - optind > 1) {
		ct_kafka_produce_usage(stderr);
		return 2;
	}
	if (optind < argc)
		path = argv[optind];
	if (strcmp(path, "-") != 0) {
		in = fopen(path, "r");
		if (!in) {
			fprintf(stderr, "ct-kafka: cannot open %s: %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	if (ct_kafka_recs_read(in, in == stdin ? "<stdin>" : path, prefix,
			       &recs) != 0)
		goto out_close;

	snprintf(tmo, sizeof(tmo), "%d", c->timeout_ms);
	settings[7] = tmo;
	rk = ct_kafka_client_new(c, RD_KAFKA_PRODUCER, settings,
				 ct_kafka_produce_dr_cb, &stats);
	if (!rk)
		goto out_close;
	for (i = 0; i < recs.cnt; i++) {
		if (ct_kafka_produce_one(rk, &recs.v[i]) != 0)
			break;
		queued++;
		rd_kafka_poll(rk, 0);
	}
	/* Each message times out by itself; the margin lets that happen. */
	err = rd_kafka_flush(rk, c->timeout_ms + 5000);
	if (err) {
		fprintf(stderr,
			"ct-kafka: %d message(s) not delivered within %s ms\n",
			rd_kafka_outq_len(rk), tmo);
		rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE |
					   RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(rk, 0);
	} else if (queued == recs.cnt && stats.failed == 0 &&
		   (size_t)stats.delivered == recs.cnt) {
		rc = 0;
	}
	err = rd_kafka_fatal_error(rk, NULL, 0);
	if (err) {
		fprintf(stderr, "ct-kafka: fatal producer error: %s\n",
			rd_kafka_err2str(err));
		rc = 1;
	}
	printf("%ld\n", stats.delivered);
	rd_kafka_destroy(rk);
out_close:
	ct_kafka_recs_free(&recs);
	if (in != stdin)
		fclose(in);
	return rc;
}

/* ------------------------------------------------------------------ */
/* lag                                                                */
/* ------------------------------------------------------------------ */

static void ct_kafka_lag_usage(FILE *out)
{
	fprintf(out, "usage: ct-kafka lag [-b BROKERS] -g GROUP [--timeout-ms "
		     "N] [-v] [-X name=value]... TOPIC...\n"
		     "Prints the group's total lag: per partition, high "
		     "watermark minus committed\n"
		     "offset (low watermark when nothing is committed).  "
		     "A missing topic counts 0.\n");
}

static int ct_kafka_lag(struct ct_kafka_common *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "group", required_argument, NULL, 'g' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	rd_kafka_topic_partition_list_t *parts = NULL;
	const char *group = NULL;
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk = NULL;
	const char *settings[] = {
		"group.id", NULL,
		"enable.auto.commit", "false",
		NULL,
	};
	bool verbose = false;
	int64_t total = 0, deadline;
	int opt, i, rc = 1;

	while ((opt = getopt_long(argc, argv, "b:g:X:vh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'g':
			group = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			ct_kafka_lag_usage(stdout);
			return 0;
		case '?':
			ct_kafka_lag_usage(stderr);
			return 2;
		default:
			break;
		}
	}
	if (!group || optind >= argc) {
		ct_kafka_lag_usage(stderr);
		return 2;
	}
	settings[1] = group;
	deadline = ct_kafka_now_ms() + c->timeout_ms;

	rk = ct_kafka_client_new(c, RD_KAFKA_CONSUMER, settings, NULL, NULL);
	if (!rk)
		return 1;
	parts = rd_kafka_topic_partition_list_new(16);
	for (i = optind; i < argc; i++) {
		int cnt = ct_kafka_partition_count(rk, argv[i],
						   ct_kafka_left_ms(deadline));
		int32_t p;

		if (cnt < 0)
			goto out_destroy;
		if (cnt == 0)
			fprintf(stderr, "ct-kafka: topic %s does not exist, "
					"counted as 0\n",
				argv[i]);
		for (p = 0; p < cnt; p++)
			rd_kafka_topic_partition_list_add(parts, argv[i], p);
	}
	if (parts->cnt > 0) {
		/* Reads the group's committed offsets without joining it. */
		err = rd_kafka_committed(rk, parts,
					 ct_kafka_left_ms(deadline));
		if (err) {
			fprintf(stderr, "ct-kafka: committed offsets of %s: "
					"%s\n",
				group, rd_kafka_err2str(err));
			goto out_destroy;
		}
	}
	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		int64_t lo, hi, lag;

		if (tp->err) {
			fprintf(stderr, "ct-kafka: %s [%" PRId32 "]: %s\n",
				tp->topic, tp->partition,
				rd_kafka_err2str(tp->err));
			goto out_destroy;
		}
		err = rd_kafka_query_watermark_offsets(
			rk, tp->topic, tp->partition, &lo, &hi,
			ct_kafka_left_ms(deadline));
		if (err) {
			fprintf(stderr,
				"ct-kafka: watermarks of %s [%" PRId32 "]: "
				"%s\n",
				tp->topic, tp->partition,
				rd_kafka_err2str(err));
			goto out_destroy;
		}
		lag = hi - (tp->offset >= 0 ? tp->offset : lo);
		if (lag < 0)
			lag = 0;
		if (verbose)
			fprintf(stderr,
				"%s [%" PRId32 "] low %" PRId64 " high %" PRId64
				" committed %" PRId64 " lag %" PRId64 "\n",
				tp->topic, tp->partition, lo, hi, tp->offset,
				lag);
		total += lag;
	}
	printf("%" PRId64 "\n", total);
	rc = 0;

out_destroy:
	rd_kafka_topic_partition_list_destroy(parts);
	/* Never joined the group, so close() has nothing to leave. */
	rd_kafka_destroy(rk);
	return rc;
}

/* ------------------------------------------------------------------ */
/* dump                                                               */
/* ------------------------------------------------------------------ */

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

	if (!p || ct_kafka_utf8_valid(p, len)) {
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
static int ct_kafka_dump_message(yajl_gen g, const rd_kafka_message_t *rkm)
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
			} else if (ct_kafka_utf8_valid(hval, hlen)) {
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

static void ct_kafka_dump_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-kafka dump [-b BROKERS] [--timeout-ms N] "
		"[-X name=value]... TOPIC\n"
		"Prints every message of TOPIC, partition by partition in "
		"offset order, as JSON\n"
		"lines; stops at the high watermarks read at start.  Exits 1 "
		"if the timeout\n"
		"(default 30000 ms) expires first.  A missing topic prints "
		"nothing.\n");
}

/*
 * Reads partition p of topic from lo up to hi (exclusive) and prints it.
 * Returns 0, or -1 on error or timeout (reported).
 */
static int ct_kafka_dump_partition(rd_kafka_t *rk, yajl_gen g,
				   const char *topic, int32_t p, int64_t lo,
				   int64_t hi, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_resp_err_t err;
	int64_t next = lo;
	int rc = -1;

	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, topic, p)->offset = lo;
	err = rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (err) {
		fprintf(stderr, "ct-kafka: assign %s [%" PRId32 "]: %s\n",
			topic, p, rd_kafka_err2str(err));
		return -1;
	}
	while (next < hi) {
		rd_kafka_message_t *rkm;
		int left = ct_kafka_left_ms(deadline);

		if (left == 0) {
			fprintf(stderr,
				"ct-kafka: timeout reading %s [%" PRId32
				"] at offset %" PRId64 " of %" PRId64 "\n",
				topic, p, next, hi);
			goto out_unassign;
		}
		rkm = rd_kafka_consumer_poll(rk, left < 100 ? left : 100);
		if (!rkm)
			continue;
		if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* Needed when control records (transaction markers)
			 * sit below the high watermark: no message has them. */
			if (rkm->offset >= hi)
				next = hi;
		} else if (rkm->err) {
			fprintf(stderr, "ct-kafka: consume %s [%" PRId32 "]: %s\n",
				topic, p, rd_kafka_message_errstr(rkm));
			rd_kafka_message_destroy(rkm);
			goto out_unassign;
		} else if (rkm->offset < hi) {
			if (ct_kafka_dump_message(g, rkm) != 0) {
				rd_kafka_message_destroy(rkm);
				goto out_unassign;
			}
			next = rkm->offset + 1;
		}
		rd_kafka_message_destroy(rkm);
	}
	rc = 0;

out_unassign:
	err = rd_kafka_assign(rk, NULL);
	if (err) {
		fprintf(stderr, "ct-kafka: unassign: %s\n",
			rd_kafka_err2str(err));
		rc = -1;
	}
	return rc;
}

static int ct_kafka_dump(struct ct_kafka_common *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/*
	 * librdkafka 2.0.2 refuses rd_kafka_assign() without a group.id.  A
	 * private one is never joined (no subscribe) and gets no commits.
	 */
	char group[64];
	const char *settings[] = {
		"group.id", group,
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		"enable.partition.eof", "true",
		"auto.offset.reset", "earliest",
		NULL,
	};
	const char *topic;
	rd_kafka_t *rk;
	yajl_gen g;
	int64_t deadline;
	int opt, cnt, rc = 1;
	int32_t p;

	while ((opt = getopt_long(argc, argv, "b:X:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'h':
			ct_kafka_dump_usage(stdout);
			return 0;
		case '?':
			ct_kafka_dump_usage(stderr);
			return 2;
		default:
			break;
		}
	}
	if (argc - optind != 1) {
		ct_kafka_dump_usage(stderr);
		return 2;
	}
	topic = argv[optind];
	deadline = ct_kafka_now_ms() + c->timeout_ms;
	snprintf(group, sizeof(group), "ct-kafka-dump-%ld", (long)getpid());

	g = yajl_gen_alloc(NULL);
	if (!g) {
		fprintf(stderr, "ct-kafka: out of memory\n");
		return 1;
	}
	rk = ct_kafka_client_new(c, RD_KAFKA_CONSUMER, settings, NULL, NULL);
	if (!rk)
		goto out_free_gen;
	rd_kafka_poll_set_consumer(rk);

	cnt = ct_kafka_partition_count(rk, topic, ct_kafka_left_ms(deadline));
	if (cnt < 0)
		goto out_destroy;
	if (cnt == 0)
		fprintf(stderr, "ct-kafka: topic %s does not exist\n", topic);
	for (p = 0; p < cnt; p++) {
		rd_kafka_resp_err_t err;
		int64_t lo, hi;

		err = rd_kafka_query_watermark_offsets(
			rk, topic, p, &lo, &hi, ct_kafka_left_ms(deadline));
		if (err) {
			fprintf(stderr,
				"ct-kafka: watermarks of %s [%" PRId32 "]: "
				"%s\n",
				topic, p, rd_kafka_err2str(err));
			goto out_destroy;
		}
		if (hi > lo && ct_kafka_dump_partition(rk, g, topic, p, lo, hi,
						       deadline) != 0)
			goto out_destroy;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "ct-kafka: writing output: %s\n",
			strerror(errno));
		goto out_destroy;
	}
	rc = 0;

out_destroy:
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
out_free_gen:
	yajl_gen_free(g);
	return rc;
}

/* ------------------------------------------------------------------ */
/* main                                                               */
/* ------------------------------------------------------------------ */

static void ct_kafka_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-kafka produce [-b BROKERS] [--topic-prefix P] "
		"[FILE|-]\n"
		"       ct-kafka lag [-b BROKERS] -g GROUP TOPIC...\n"
		"       ct-kafka dump [-b BROKERS] [--timeout-ms N] TOPIC\n"
		"Common options: -b/--brokers (default $CT_KAFKA_BROKERS), "
		"--timeout-ms N\n"
		"(default 30000), -X name=value (librdkafka setting, "
		"repeatable).\n"
		"Run ct-kafka SUBCOMMAND --help for details.\n");
}

/*
 * First pass over a subcommand's arguments: picks up the options that every
 * subcommand shares (-b, -X, --timeout-ms).  Returns 0 or 2 (usage error).
 */
static int ct_kafka_common_parse(struct ct_kafka_common *c, int argc,
				 char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "timeout-ms", required_argument, NULL, 't' },
		/* the subcommands' own options, skipped here */
		{ "topic-prefix", required_argument, NULL, 1 },
		{ "group", required_argument, NULL, 1 },
		{ "verbose", no_argument, NULL, 1 },
		{ "help", no_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int opt;

	c->brokers = getenv("CT_KAFKA_BROKERS");
	c->timeout_ms = CT_KAFKA_DEFAULT_TIMEOUT_MS;
	opterr = 0; /* the subcommand's own pass reports errors */
	while ((opt = getopt_long(argc, argv, "b:g:X:vh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'b':
			c->brokers = optarg;
			break;
		case 'X':
			if (c->conf_cnt == CT_KAFKA_MAX_CONF) {
				fprintf(stderr, "ct-kafka: too many -X\n");
				return 2;
			}
			c->conf[c->conf_cnt++] = optarg;
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end != '\0' || v <= 0 || v > 3600000) {
				fprintf(stderr, "ct-kafka: --timeout-ms: "
						"expected 1..3600000\n");
				return 2;
			}
			c->timeout_ms = (int)v;
			break;
		default:
			break;
		}
	}
	opterr = 1;
	optind = 0; /* full reinitialisation for the second pass (glibc) */
	if (!c->brokers || !*c->brokers) {
		fprintf(stderr, "ct-kafka: no brokers: use -b BROKERS or set "
				"CT_KAFKA_BROKERS\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ct_kafka_common common;
	const char *cmd;
	int rc;

	memset(&common, 0, sizeof(common));
	if (argc < 2) {
		ct_kafka_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		ct_kafka_usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "produce") != 0 && strcmp(cmd, "lag") != 0 &&
	    strcmp(cmd, "dump") != 0) {
		fprintf(stderr, "ct-kafka: unknown subcommand: %s\n", cmd);
		ct_kafka_usage(stderr);
		return 2;
	}
	/* Subcommand arguments start at argv[1], which plays argv[0]. */
	rc = ct_kafka_common_parse(&common, argc - 1, argv + 1);
	if (rc != 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(cmd, "produce") == 0)
		return ct_kafka_produce(&common, argc - 1, argv + 1);
	if (strcmp(cmd, "lag") == 0)
		return ct_kafka_lag(&common, argc - 1, argv + 1);
	return ct_kafka_dump(&common, argc - 1, argv + 1);
}
