/*
 * Input events, stages 1 and 2 of the parse (see event.c): what the JSON
 * text of a payload holds, before any rule of the contract is applied.
 *
 * Stage 1 checks the raw bytes: strict UTF-8 (convtrack/codec.h) and no \u
 * escape of a lone surrogate, which has no UTF-8 form and which yajl would
 * silently replace or mis-combine.  Stage 2 is one pass of yajl's streaming
 * parser over the whole document; its callbacks collect the top-level
 * fields of the contract (the first occurrence of each, plus a count to
 * find duplicates) and re-serialize `metadata`; of everything else, at any
 * depth, they note only a key repeated within one object and a U+0000 in
 * a key or string.  A container deeper than CT_EVENT_MAX_DEPTH stops the
 * parse.  The streaming API is used rather than yajl_tree
 * because yajl_tree hands strings out NUL-terminated and so cannot report a
 * \u0000 inside one.
 *
 * Kept apart from the validation so that yajl is seen here only, and so
 * that the validation reads plain collected fields.  Memory exhaustion is
 * not a property of the event: every allocation here, yajl's included,
 * aborts the process when malloc fails.
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "convtrack/codec.h"
#include "event_int.h"

/*
 * The fields of the contract: what the parse collects, and (for the
 * validation) the types that have each.  "username" and "reason" belong to
 * two types.
 */
#define ENVELOPE CT_EVENT_ENVELOPE
#define JOINED CT_EVENT_OWNER(CT_EVENT_PARTICIPANT_JOINED)
#define MESSAGE CT_EVENT_OWNER(CT_EVENT_MESSAGE)
#define AUTH CT_EVENT_OWNER(CT_EVENT_AUTHENTICATED)
#define ENDED CT_EVENT_OWNER(CT_EVENT_CALL_ENDED)
#define ERASURE CT_EVENT_OWNER(CT_EVENT_ERASURE_REQUESTED)

const struct ct_event_field_def ct_event_field_defs[F_COUNT] = {
	[F_EVENT_ID] = { "event_id", ENVELOPE },
	[F_EVENT_TYPE] = { "event_type", ENVELOPE },
	[F_SCHEMA_VERSION] = { "schema_version", ENVELOPE },
	[F_OCCURRED_AT] = { "occurred_at", ENVELOPE },
	[F_SESSION_ID] = { "session_id", ENVELOPE },
	[F_ROOM_ID] = { "room_id", JOINED },
	[F_PARTICIPANT_ID] = { "participant_id", JOINED },
	[F_ANONYMOUS_ID] = { "anonymous_id", JOINED },
	[F_METADATA] = { "metadata", JOINED },
	[F_MESSAGE_ID] = { "message_id", MESSAGE },
	[F_ROLE] = { "role", MESSAGE },
	[F_CONTENT] = { "content", MESSAGE },
	[F_SEQ] = { "seq", MESSAGE },
	[F_USERNAME] = { "username", AUTH | ERASURE },
	[F_PHONE_NUMBER] = { "phone_number", AUTH },
	[F_EMAIL] = { "email", AUTH },
	[F_REASON] = { "reason", ENDED | ERASURE },
	[F_DURATION_SECONDS] = { "duration_seconds", ENDED },
	[F_PROFILE_ID] = { "profile_id", ERASURE },
	[F_REQUESTED_BY] = { "requested_by", ERASURE },
};

#undef ENVELOPE
#undef JOINED
#undef MESSAGE
#undef AUTH
#undef ENDED
#undef ERASURE

/*
 * The keys seen in the document, for finding a key repeated within one
 * object: an open-addressing set of 64-bit FNV-1a hashes of the object's
 * serial number and the key's bytes (0 marks an empty slot).  Two distinct
 * keys of one object share a hash with odds of about n^2 / 2^65 for n
 * keys; the record size limit keeps n to tens of thousands.
 */
struct key_set {
	uint64_t *v;
	size_t cap, n; /* cap a power of two, or 0 */
};

/* The parse in progress; the yajl callbacks' context. */
struct parse_state {
	struct ct_event_doc *doc;   /* what is collected */
	unsigned depth;             /* containers currently open */
	struct ct_event_field *cur; /* field whose value comes next, if any */
	bool capturing;             /* inside the metadata being serialized */
	yajl_gen gen;               /* serializer of metadata while capturing */
	uint32_t serial;            /* objects opened so far */
	uint32_t obj[CT_EVENT_MAX_DEPTH]; /* serial of the object at each depth
					     (0: an array) */
	struct key_set keys;
};

/* Allocation: abort on exhaustion (see the file comment). */

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static char *xmemdup0(const void *src, size_t len)
{
	char *p = xmalloc(len + 1);

	memcpy(p, src, len);
	p[len] = '\0';
	return p;
}

static void *yajl_malloc_cb(void *ctx, size_t n)
{
	(void)ctx;
	return xmalloc(n);
}

static void *yajl_realloc_cb(void *ctx, void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	(void)ctx;
	if (!q)
		abort();
	return q;
}

static void yajl_free_cb(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static const yajl_alloc_funcs alloc_funcs = {
	yajl_malloc_cb, yajl_realloc_cb, yajl_free_cb, NULL
};

/* Adds h to the set; false when it was there already. */
static bool key_set_add(struct key_set *ks, uint64_t h)
{
	size_t i;

	if (2 * (ks->n + 1) > ks->cap) {
		struct key_set grown = { NULL, ks->cap ? ks->cap * 2 : 64, 0 };

		grown.v = calloc(grown.cap, sizeof(*grown.v));
		if (!grown.v)
			abort();
		for (i = 0; i < ks->cap; i++)
			if (ks->v[i])
				key_set_add(&grown, ks->v[i]);
		free(ks->v);
		*ks = grown;
	}
	for (i = (size_t)h & (ks->cap - 1); ks->v[i]; i = (i + 1) & (ks->cap - 1))
		if (ks->v[i] == h)
			return false;
	ks->v[i] = h;
	ks->n++;
	return true;
}

/* Notes key s (len bytes) of the innermost open object. */
static void note_key(struct parse_state *st, const unsigned char *s,
		     size_t len)
{
	uint32_t obj = st->depth ? st->obj[st->depth - 1] : 0;
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < sizeof(obj); i++) {
		h ^= (obj >> (8 * i)) & 0xffu;
		h *= 1099511628211u;
	}
	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 1099511628211u;
	}
	if (!key_set_add(&st->keys, h ? h : 1))
		st->doc->dup_key = true;
}

/*
 * Opens a container at the current depth (obj: its serial, 0 for an
 * array); false when it is one level too deep, which stops the parse.
 */
static bool open_container(struct parse_state *st, uint32_t obj)
{
	if (st->depth >= CT_EVENT_MAX_DEPTH) {
		st->doc->too_deep = true;
		return false;
	}
	st->obj[st->depth++] = obj;
	return true;
}

/*
 * Stage 1: strict UTF-8 and surrogate escapes.
 *
 * escape_scan follows JSON strings just far enough to see \u escapes.  It
 * never judges JSON syntax (yajl does); on malformed input it only has to
 * stay in bounds.
 */

enum scan_state { SCAN_OUT, SCAN_STR, SCAN_ESC, SCAN_HEX };

struct escape_scan {
	enum scan_state state;
	unsigned hex_left;   /* hex digits still to read of a \u escape */
	unsigned cp;         /* value of the \u escape being read */
	bool want_low;       /* the previous escape was a high surrogate */
};

/* Judges a complete \u escape; false when it breaks surrogate pairing. */
static bool scan_escape_done(struct escape_scan *sc)
{
	bool high = sc->cp >= 0xD800 && sc->cp <= 0xDBFF;
	bool low = sc->cp >= 0xDC00 && sc->cp <= 0xDFFF;

	sc->state = SCAN_STR;
	if (sc->want_low) {
		sc->want_low = false;
		return low;
	}
	sc->want_low = high;
	return !low;
}

/*
 * Feeds one character (c is the byte for ASCII, 0x80 for any non-ASCII code
 * point).  Returns false when the text holds a lone surrogate escape.
 */
static bool scan_char(struct escape_scan *sc, unsigned c)
{
	int h;

	switch (sc->state) {
	case SCAN_OUT:
		if (c == '"')
			sc->state = SCAN_STR;
		return true;
	case SCAN_STR:
		if (sc->want_low && c != '\\')
			return false;
		if (c == '"')
			sc->state = SCAN_OUT;
		else if (c == '\\')
			sc->state = SCAN_ESC;
		return true;
	case SCAN_ESC:
		if (c == 'u') {
			sc->state = SCAN_HEX;
			sc->hex_left = 4;
			sc->cp = 0;
			return true;
		}
		sc->state = SCAN_STR;
		return !sc->want_low;
	case SCAN_HEX:
		h = ct_hex_value((int)c);
		if (h < 0) {
			/* Not JSON: leave the verdict to yajl. */
			sc->state = SCAN_STR;
			sc->want_low = false;
			return true;
		}
		sc->cp = sc->cp << 4 | (unsigned)h;
		if (--sc->hex_left == 0)
			return scan_escape_done(sc);
		return true;
	}
	return true;
}

bool ct_event_json_is_unicode(const unsigned char *s, size_t n)
{
	struct escape_scan sc = { SCAN_OUT, 0, 0, false };
	size_t i = 0, len;

	while (i < n) {
		/* Plain ASCII outside escapes (most of a payload) changes
		 * nothing: skip it without the state machine. */
		if (sc.state == SCAN_OUT || (sc.state == SCAN_STR && !sc.want_low))
			while (i < n && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
				i++;
		if (i == n)
			break;
		/* an ASCII byte is a whole character: no call needed */
		len = s[i] < 0x80 ? 1 : ct_utf8_seq_len(s + i, n - i);
		if (len == 0)
			return false;
		if (!scan_char(&sc, len == 1 ? s[i] : 0x80))
			return false;
		i += len;
	}
	return true;
}

/*
 * Stage 2: the yajl callbacks.
 *
 * A value is recorded when it is the value of a top-level key of the
 * contract seen for the first time (st->cur); the kind of the document's
 * own value is recorded in st->doc->top.  While capturing, every event goes
 * to the metadata serializer instead.
 */

static void gen_check(struct parse_state *st, yajl_gen_status status)
{
	if (status != yajl_gen_status_ok)
		st->doc->fields[F_METADATA].too_deep = true;
}

/* Records the kind of a value; returns the field it belongs to, if any. */
static struct ct_event_field *note_value(struct parse_state *st,
					enum ct_event_json_kind kind)
{
	struct ct_event_field *f = st->cur;

	if (st->depth == 0)
		st->doc->top = kind;
	st->cur = NULL;
	if (!f)
		return NULL;
	f->kind = kind;
	return f;
}

static int cb_null(void *ctx)
{
	struct parse_state *st = ctx;

	if (st->capturing) {
		if (!st->doc->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_null(st->gen));
		return 1;
	}
	note_value(st, JK_NULL);
	return 1;
}

static int cb_boolean(void *ctx, int value)
{
	struct parse_state *st = ctx;

	if (st->capturing) {
		if (!st->doc->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_bool(st->gen, value));
		return 1;
	}
	note_value(st, JK_BOOL);
	return 1;
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct parse_state *st = ctx;
	struct ct_event_field *f;

	if (st->capturing) {
		if (!st->doc->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_number(st->gen, s, len));
		return 1;
	}
	f = note_value(st, JK_NUMBER);
	if (f) {
		f->text = xmemdup0(s, len);
		f->len = len;
	}
	return 1;
}

/* A string inside metadata: a value or a key. */
static void capture_string(struct parse_state *st, const unsigned char *s,
			   size_t len)
{
	struct ct_event_field *f = &st->doc->fields[F_METADATA];

	if (memchr(s, '\0', len))
		f->has_nul = true;
	if (!f->too_deep)
		gen_check(st, yajl_gen_string(st->gen, s, len));
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_state *st = ctx;
	struct ct_event_field *f;

	if (st->capturing) {
		capture_string(st, s, len);
		return 1;
	}
	f = note_value(st, JK_STRING);
	if (f) {
		f->text = xmemdup0(s, len);
		f->len = len;
		f->has_nul = memchr(s, '\0', len) != NULL;
	} else if (memchr(s, '\0', len)) {
		st->doc->nul_other = true;
	}
	return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_state *st = ctx;
	size_t i;

	note_key(st, s, len);
	if (st->capturing) {
		capture_string(st, s, len);
		return 1;
	}
	if (memchr(s, '\0', len))
		st->doc->nul_other = true;
	st->cur = NULL;
	if (st->depth != 1)
		return 1;
	for (i = 0; i < F_COUNT; i++) {
		if (strlen(ct_event_field_defs[i].name) == len &&
		    memcmp(ct_event_field_defs[i].name, s, len) == 0) {
			if (++st->doc->fields[i].count == 1)
				st->cur = &st->doc->fields[i];
			break;
		}
	}
	return 1;
}

/* Starts serializing metadata; the caller has seen its opening brace. */
static void capture_start(struct parse_state *st)
{
	st->gen = yajl_gen_alloc(&alloc_funcs);
	if (!st->gen)
		abort();
	st->capturing = true;
	gen_check(st, yajl_gen_map_open(st->gen));
}

/* Ends serializing metadata and keeps the text. */
static void capture_end(struct parse_state *st)
{
	struct ct_event_field *f = &st->doc->fields[F_METADATA];
	const unsigned char *buf;
	size_t len;

	if (!f->too_deep) {
		gen_check(st, yajl_gen_map_close(st->gen));
		if (yajl_gen_get_buf(st->gen, &buf, &len) == yajl_gen_status_ok) {
			f->text = xmemdup0(buf, len);
			f->len = len;
		}
	}
	yajl_gen_free(st->gen);
	st->gen = NULL;
	st->capturing = false;
}

static int cb_start_map(void *ctx)
{
	struct parse_state *st = ctx;
	struct ct_event_field *f;

	if (st->depth >= CT_EVENT_MAX_DEPTH)
		return open_container(st, 0);
	if (st->capturing) {
		if (!st->doc->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_map_open(st->gen));
	} else {
		f = note_value(st, JK_OBJECT);
		if (f == &st->doc->fields[F_METADATA])
			capture_start(st);
	}
	return open_container(st, ++st->serial);
}

static int cb_end_map(void *ctx)
{
	struct parse_state *st = ctx;

	st->depth--;
	st->cur = NULL;
	if (!st->capturing)
		return 1;
	if (st->depth == 1)
		capture_end(st);
	else if (!st->doc->fields[F_METADATA].too_deep)
		gen_check(st, yajl_gen_map_close(st->gen));
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct parse_state *st = ctx;

	if (st->depth >= CT_EVENT_MAX_DEPTH)
		return open_container(st, 0);
	if (st->capturing) {
		if (!st->doc->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_array_open(st->gen));
	} else {
		note_value(st, JK_ARRAY);
	}
	return open_container(st, 0);
}

static int cb_end_array(void *ctx)
{
	struct parse_state *st = ctx;

	st->depth--;
	if (st->capturing && !st->doc->fields[F_METADATA].too_deep)
		gen_check(st, yajl_gen_array_close(st->gen));
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_integer = NULL,
	.yajl_double = NULL,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

bool ct_event_json_parse(struct ct_event_doc *doc, const unsigned char *s,
			 size_t n)
{
	yajl_alloc_funcs af = alloc_funcs; /* yajl_alloc wants it writable */
	struct parse_state st;
	yajl_handle yh;
	bool ok;

	memset(&st, 0, sizeof(st));
	st.doc = doc;
	yh = yajl_alloc(&callbacks, &af, &st);
	if (!yh)
		abort();
	ok = yajl_parse(yh, s, n) == yajl_status_ok &&
	     yajl_complete_parse(yh) == yajl_status_ok;
	yajl_free(yh);
	/* a document cut inside metadata leaves its serializer open */
	if (st.gen)
		yajl_gen_free(st.gen);
	free(st.keys.v);
	return ok;
}

void ct_event_json_free(struct ct_event_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < F_COUNT; i++)
		free(doc->fields[i].text);
}
