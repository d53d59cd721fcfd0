/*
 * Input events: parsing and validation (EVENTS.md section 2).
 *
 * A payload goes through three stages, and the first failure names the
 * rejection reason, so the reason for a given payload never depends on
 * anything but its bytes:
 *
 *   1. A strict UTF-8 check of the raw bytes (Unicode table 3-7: no
 *      overlongs, no surrogates, nothing above U+10FFFF).  The same pass
 *      rejects a \u escape that encodes a lone surrogate: such a string has
 *      no UTF-8 form, and yajl would silently replace or mis-combine it.
 *   2. One pass of yajl's streaming parser over the whole document.  The
 *      callbacks only collect the top-level fields of the contract (the first
 *      occurrence of each, plus a count to find duplicates) and re-serialize
 *      `metadata`; everything else is ignored, at any depth.  The streaming
 *      API is used rather than yajl_tree because yajl_tree hands strings out
 *      NUL-terminated and so cannot report a \u0000 inside one.
 *   3. Checks of the collected fields in a fixed order: duplicates, then
 *      schema_version, event_type, event_id, occurred_at, session_id, then
 *      the fields of the type in the order the contract lists them.
 *
 * A JSON null counts as absent: a required field that is null is
 * missing_field, an optional field that is null is treated as if it were not
 * there (e.g. "message_id": null means "use event_id").  Producers that
 * serialize unset optionals as null are thereby accepted.
 *
 * Pure: no I/O and no global mutable state.  Memory exhaustion is not a
 * property of the event, so it is not turned into a rejection (that would
 * dead-letter a valid event): every allocation here, yajl's included, aborts
 * the process when malloc fails.
 */
#include "convtrack/event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

/* The fields of the contract, envelope first, then each type's in order. */
enum field_id {
	F_EVENT_ID = 0,
	F_EVENT_TYPE,
	F_SCHEMA_VERSION,
	F_OCCURRED_AT,
	F_SESSION_ID,
	F_ROOM_ID,
	F_PARTICIPANT_ID,
	F_ANONYMOUS_ID,
	F_METADATA,
	F_MESSAGE_ID,
	F_ROLE,
	F_CONTENT,
	F_SEQ,
	F_USERNAME,
	F_PHONE_NUMBER,
	F_EMAIL,
	F_REASON,
	F_DURATION_SECONDS,
	F_PROFILE_ID,
	F_REQUESTED_BY,
	F_COUNT
};

/*
 * Owners of each field: a bit per event type that has it, or ENVELOPE for
 * every type.  "username" and "reason" belong to two types.
 */
#define OWNER(t) (1u << (t))
#define ENVELOPE (~0u)

static const struct field_def {
	const char *name;
	unsigned owners;
} field_defs[F_COUNT] = {
	[F_EVENT_ID] = { "event_id", ENVELOPE },
	[F_EVENT_TYPE] = { "event_type", ENVELOPE },
	[F_SCHEMA_VERSION] = { "schema_version", ENVELOPE },
	[F_OCCURRED_AT] = { "occurred_at", ENVELOPE },
	[F_SESSION_ID] = { "session_id", ENVELOPE },
	[F_ROOM_ID] = { "room_id", OWNER(CT_EVENT_PARTICIPANT_JOINED) },
	[F_PARTICIPANT_ID] = { "participant_id", OWNER(CT_EVENT_PARTICIPANT_JOINED) },
	[F_ANONYMOUS_ID] = { "anonymous_id", OWNER(CT_EVENT_PARTICIPANT_JOINED) },
	[F_METADATA] = { "metadata", OWNER(CT_EVENT_PARTICIPANT_JOINED) },
	[F_MESSAGE_ID] = { "message_id", OWNER(CT_EVENT_MESSAGE) },
	[F_ROLE] = { "role", OWNER(CT_EVENT_MESSAGE) },
	[F_CONTENT] = { "content", OWNER(CT_EVENT_MESSAGE) },
	[F_SEQ] = { "seq", OWNER(CT_EVENT_MESSAGE) },
	[F_USERNAME] = { "username", OWNER(CT_EVENT_AUTHENTICATED) |
				     OWNER(CT_EVENT_ERASURE_REQUESTED) },
	[F_PHONE_NUMBER] = { "phone_number", OWNER(CT_EVENT_AUTHENTICATED) },
	[F_EMAIL] = { "email", OWNER(CT_EVENT_AUTHENTICATED) },
	[F_REASON] = { "reason", OWNER(CT_EVENT_CALL_ENDED) |
				 OWNER(CT_EVENT_ERASURE_REQUESTED) },
	[F_DURATION_SECONDS] = { "duration_seconds", OWNER(CT_EVENT_CALL_ENDED) },
	[F_PROFILE_ID] = { "profile_id", OWNER(CT_EVENT_ERASURE_REQUESTED) },
	[F_REQUESTED_BY] = { "requested_by", OWNER(CT_EVENT_ERASURE_REQUESTED) },
};

static const char *const type_names[CT_EVENT_TYPE_COUNT] = {
	[CT_EVENT_PARTICIPANT_JOINED] = "participant_joined",
	[CT_EVENT_MESSAGE] = "message",
	[CT_EVENT_AUTHENTICATED] = "authenticated",
	[CT_EVENT_CALL_ENDED] = "call_ended",
	[CT_EVENT_ERASURE_REQUESTED] = "profile_erasure_requested",
};

static const char *const role_names[] = {
	[CT_ROLE_USER] = "user",
	[CT_ROLE_ASSISTANT] = "assistant",
	[CT_ROLE_SYSTEM] = "system",
	[CT_ROLE_TOOL] = "tool",
};

static const char *const end_reason_names[] = {
	[CT_END_NONE] = NULL,
	[CT_END_HANGUP] = "hangup",
	[CT_END_TIMEOUT] = "timeout",
	[CT_END_ERROR] = "error",
	[CT_END_TRANSFER] = "transfer",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* JSON kind of a value; JK_ABSENT for a field that never appeared. */
enum json_kind {
	JK_ABSENT = 0,
	JK_NULL,
	JK_BOOL,
	JK_NUMBER,
	JK_STRING,
	JK_OBJECT,
	JK_ARRAY
};

/* What the parse collected about one field of the contract. */
struct field {
	unsigned count;      /* occurrences as a top-level key */
	enum json_kind kind; /* kind of the first occurrence's value */
	char *text;          /* string, number literal or serialized metadata */
	size_t len;          /* bytes of text, without the added NUL */
	bool has_nul;        /* text (for metadata: any nested string) has U+0000 */
	bool too_deep;       /* metadata nests deeper than yajl_gen allows */
};

/* The parse in progress; the yajl callbacks' context. */
struct parse_state {
	struct field fields[F_COUNT];
	enum json_kind top;  /* kind of the document's value */
	unsigned depth;      /* containers currently open */
	struct field *cur;   /* field whose value comes next, if it counts */
	bool capturing;      /* inside the metadata object being serialized */
	yajl_gen gen;        /* serializer of metadata while capturing */
};

/* Results of the field checks below, besides -1 for a rejection. */
#define FIELD_ABSENT 0
#define FIELD_PRESENT 1

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

/*
 * Writes "what" or "what:detail" to reason and returns -1.  A detail that
 * does not fit (a value as sent) is cut.
 */
static int reject(char reason[CT_EVENT_REASON_MAX], const char *what,
		  const char *detail)
{
	snprintf(reason, CT_EVENT_REASON_MAX, "%s%s%s", what,
		 detail ? ":" : "", detail ? detail : "");
	return -1;
}

static int reject_field(char reason[CT_EVENT_REASON_MAX], const char *what,
			enum field_id id)
{
	return reject(reason, what, field_defs[id].name);
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

/* 1 + the value of each hex digit byte, 0 for every other byte. */
static const unsigned char hex_digits[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hex_value(unsigned c)
{
	return c < 256 ? (int)hex_digits[c] - 1 : -1;
}

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
		h = hex_value(c);
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

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 when
 * there is none.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* True when the payload is UTF-8 and its escapes pair surrogates properly. */
static bool payload_is_unicode(const unsigned char *s, size_t n)
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
		len = utf8_seq_len(s + i, n - i);
		if (len == 0)
			return false;
		if (!scan_char(&sc, len == 1 ? s[i] : 0x80))
			return false;
		i += len;
	}
	return true;
}

/* Number of code points in valid UTF-8 text. */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Stage 2: the yajl callbacks.
 *
 * A value is recorded when it is the value of a top-level key of the
 * contract seen for the first time (st->cur); the kind of the document's
 * own value is recorded in st->top.  While capturing, every event goes to
 * the metadata serializer instead.
 */

static void gen_check(struct parse_state *st, yajl_gen_status status)
{
	if (status != yajl_gen_status_ok)
		st->fields[F_METADATA].too_deep = true;
}

/* Records the kind of a value; returns the field it belongs to, if any. */
static struct field *note_value(struct parse_state *st, enum json_kind kind)
{
	struct field *f = st->cur;

	if (st->depth == 0)
		st->top = kind;
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
		if (!st->fields[F_METADATA].too_deep)
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
		if (!st->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_bool(st->gen, value));
		return 1;
	}
	note_value(st, JK_BOOL);
	return 1;
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct parse_state *st = ctx;
	struct field *f;

	if (st->capturing) {
		if (!st->fields[F_METADATA].too_deep)
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
	struct field *f = &st->fields[F_METADATA];

	if (memchr(s, '\0', len))
		f->has_nul = true;
	if (!f->too_deep)
		gen_check(st, yajl_gen_string(st->gen, s, len));
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_state *st = ctx;
	struct field *f;

	if (st->capturing) {
		capture_string(st, s, len);
		return 1;
	}
	f = note_value(st, JK_STRING);
	if (f) {
		f->text = xmemdup0(s, len);
		f->len = len;
		f->has_nul = memchr(s, '\0', len) != NULL;
	}
	return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_state *st = ctx;
	size_t i;

	if (st->capturing) {
		capture_string(st, s, len);
		return 1;
	}
	st->cur = NULL;
	if (st->depth != 1)
		return 1;
	for (i = 0; i < F_COUNT; i++) {
		if (strlen(field_defs[i].name) == len &&
		    memcmp(field_defs[i].name, s, len) == 0) {
			if (++st->fields[i].count == 1)
				st->cur = &st->fields[i];
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
	struct field *f = &st->fields[F_METADATA];
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
	struct field *f;

	if (st->capturing) {
		if (!st->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_map_open(st->gen));
	} else {
		f = note_value(st, JK_OBJECT);
		if (f == &st->fields[F_METADATA])
			capture_start(st);
	}
	st->depth++;
	return 1;
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
	else if (!st->fields[F_METADATA].too_deep)
		gen_check(st, yajl_gen_map_close(st->gen));
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct parse_state *st = ctx;

	if (st->capturing) {
		if (!st->fields[F_METADATA].too_deep)
			gen_check(st, yajl_gen_array_open(st->gen));
	} else {
		note_value(st, JK_ARRAY);
	}
	st->depth++;
	return 1;
}

static int cb_end_array(void *ctx)
{
	struct parse_state *st = ctx;

	st->depth--;
	if (st->capturing && !st->fields[F_METADATA].too_deep)
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

/* Runs yajl over the whole payload; true when it is one JSON document. */
static bool parse_document(struct parse_state *st, const unsigned char *s,
			   size_t len)
{
	yajl_alloc_funcs af = alloc_funcs; /* yajl_alloc wants it writable */
	yajl_handle yh;
	bool ok;

	yh = yajl_alloc(&callbacks, &af, st);
	if (!yh)
		abort();
	ok = yajl_parse(yh, s, len) == yajl_status_ok &&
	     yajl_complete_parse(yh) == yajl_status_ok;
	yajl_free(yh);
	return ok;
}

static void parse_state_free(struct parse_state *st)
{
	size_t i;

	for (i = 0; i < F_COUNT; i++)
		free(st->fields[i].text);
	if (st->gen)
		yajl_gen_free(st->gen);
}

/*
 * Stage 3: field checks.  Each returns FIELD_PRESENT, FIELD_ABSENT (only for
 * optional fields) or -1 with the reason written.
 */

/* Presence and JSON kind; null is absent (see the file comment). */
static int check_kind(const struct field *f, enum field_id id,
		      enum json_kind kind, bool required,
		      char reason[CT_EVENT_REASON_MAX])
{
	if (f->kind == JK_ABSENT || f->kind == JK_NULL) {
		if (required)
			return reject_field(reason, "missing_field", id);
		return FIELD_ABSENT;
	}
	if (f->kind != kind)
		return reject_field(reason, "wrong_type", id);
	return FIELD_PRESENT;
}

/* True when a number literal has no fraction and no exponent. */
static bool number_is_integer(const struct field *f)
{
	return strpbrk(f->text, ".eE") == NULL;
}

/* Writes the lower-case form of a canonical UUID, or returns false. */
static bool uuid_canonical(const char *s, size_t len,
			   char out[CT_UUID_STRLEN + 1])
{
	size_t i;
	int h;

	if (len != CT_UUID_STRLEN)
		return false;
	for (i = 0; i < CT_UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			out[i] = '-';
			continue;
		}
		h = hex_value((unsigned char)s[i]);
		if (h < 0)
			return false;
		out[i] = "0123456789abcdef"[h];
	}
	out[CT_UUID_STRLEN] = '\0';
	return true;
}

static int check_uuid(struct parse_state *st, enum field_id id, bool required,
		      char out[CT_UUID_STRLEN + 1],
		      char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[id];
	int rc = check_kind(f, id, JK_STRING, required, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (!uuid_canonical(f->text, f->len, out))
		return reject_field(reason, "invalid_uuid", id);
	return FIELD_PRESENT;
}

/*
 * Timestamps.  Days are counted from 1970-01-01 in the proleptic Gregorian
 * calendar (H. Hinnant's days_from_civil); no libc time function is used, so
 * neither the time zone nor the locale matter.
 */

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap_year(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/* Reads exactly n decimal digits at s. */
static bool read_digits(const char *s, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* Broken-down RFC 3339 date-time, as written. */
struct rfc3339 {
	int year, month, day, hour, minute, second;
	int64_t frac_us;
	int offset_s; /* east of UTC */
};

/* "YYYY-MM-DD" + separator + "HH:MM:SS"; 19 bytes. */
static bool parse_date_time(const char *s, struct rfc3339 *t)
{
	return read_digits(s, 4, &t->year) && s[4] == '-' &&
	       read_digits(s + 5, 2, &t->month) && s[7] == '-' &&
	       read_digits(s + 8, 2, &t->day) &&
	       (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
	       read_digits(s + 11, 2, &t->hour) && s[13] == ':' &&
	       read_digits(s + 14, 2, &t->minute) && s[16] == ':' &&
	       read_digits(s + 17, 2, &t->second);
}

/* "(.digits)?"; digits after the sixth are truncated.  Advances *i. */
static bool parse_fraction(const char *s, size_t len, size_t *i,
			   struct rfc3339 *t)
{
	int64_t scale = 100000;
	size_t start;

	t->frac_us = 0;
	if (*i >= len || s[*i] != '.')
		return true;
	start = ++*i;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		t->frac_us += (s[*i] - '0') * scale;
		scale /= 10;
		++*i;
	}
	return *i > start;
}

/* "Z", "z" or "+HH:MM" / "-HH:MM", ending the string. */
static bool parse_offset(const char *s, size_t len, struct rfc3339 *t)
{
	int oh, om;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		t->offset_s = 0;
		return true;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    !read_digits(s + 1, 2, &oh) || !read_digits(s + 4, 2, &om) ||
	    oh > 23 || om > 59)
		return false;
	t->offset_s = (oh * 60 + om) * 60 * (s[0] == '-' ? -1 : 1);
	return true;
}

static bool rfc3339_fields_valid(const struct rfc3339 *t)
{
	return t->year >= 1 && t->month >= 1 && t->month <= 12 &&
	       t->day >= 1 && t->day <= days_in_month(t->year, t->month) &&
	       t->hour <= 23 && t->minute <= 59 && t->second <= 60;
}

/*
 * Converts an RFC 3339 date-time to microseconds since the epoch.  Second 60
 * (a leap second) counts as the first second of the next minute, as in
 * PostgreSQL.  The instant must fall in years 1..9999 UTC, so that it has a
 * plain four-digit form everywhere downstream.
 */
static bool parse_timestamp(const char *s, size_t len, int64_t *us)
{
	struct rfc3339 t;
	size_t i = 19;
	int64_t secs;

	if (len < 20 || !parse_date_time(s, &t) ||
	    !parse_fraction(s, len, &i, &t) ||
	    !parse_offset(s + i, len - i, &t) || !rfc3339_fields_valid(&t))
		return false;
	secs = days_from_civil(t.year, t.month, t.day) * 86400 +
	       t.hour * 3600 + t.minute * 60 + t.second - t.offset_s;
	*us = secs * US_PER_SEC + t.frac_us;
	return *us >= days_from_civil(1, 1, 1) * US_PER_DAY &&
	       *us < days_from_civil(10000, 1, 1) * US_PER_DAY;
}

static int check_timestamp(struct parse_state *st, enum field_id id,
			   int64_t *us, char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[id];
	int rc = check_kind(f, id, JK_STRING, true, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (!parse_timestamp(f->text, f->len, us))
		return reject_field(reason, "invalid_timestamp", id);
	return FIELD_PRESENT;
}

/* Limits of a text field. */
struct text_rule {
	enum field_id id;
	bool required;
	size_t min_chars;
	size_t max_chars; /* 0: no limit in code points */
	size_t max_bytes; /* 0: no limit in bytes */
};

/*
 * A string field within its limits; on success *out takes the text (the
 * field gives it up).  Too short is invalid_value, too long oversize_field.
 */
static int check_text(struct parse_state *st, const struct text_rule *r,
		      char **out, char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[r->id];
	int rc = check_kind(f, r->id, JK_STRING, r->required, reason);
	size_t chars;

	if (rc != FIELD_PRESENT)
		return rc;
	if (f->has_nul)
		return reject_field(reason, "nul_in_string", r->id);
	if (r->max_bytes && f->len > r->max_bytes)
		return reject_field(reason, "oversize_field", r->id);
	chars = utf8_chars(f->text, f->len);
	if (chars < r->min_chars)
		return reject_field(reason, "invalid_value", r->id);
	if (r->max_chars && chars > r->max_chars)
		return reject_field(reason, "oversize_field", r->id);
	*out = f->text;
	f->text = NULL;
	return FIELD_PRESENT;
}

/* A string field that must be one of names[0..n); *index is its position. */
static int check_enum(struct parse_state *st, enum field_id id, bool required,
		      const char *const *names, size_t n, size_t *index,
		      char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[id];
	int rc = check_kind(f, id, JK_STRING, required, reason);
	size_t i;

	if (rc != FIELD_PRESENT)
		return rc;
	for (i = 0; i < n; i++) {
		if (names[i] && strlen(names[i]) == f->len &&
		    memcmp(names[i], f->text, f->len) == 0) {
			*index = i;
			return FIELD_PRESENT;
		}
	}
	return reject_field(reason, "invalid_value", id);
}

/* Envelope. */

static int check_schema_version(struct parse_state *st,
				char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[F_SCHEMA_VERSION];
	int rc = check_kind(f, F_SCHEMA_VERSION, JK_NUMBER, true, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (!number_is_integer(f))
		return reject_field(reason, "wrong_type", F_SCHEMA_VERSION);
	if (strcmp(f->text, "1") != 0)
		return reject(reason, "unsupported_schema_version", f->text);
	return FIELD_PRESENT;
}

/*
 * Copies an untrusted value into a reason (it becomes a Kafka header):
 * every code point outside printable ASCII becomes '?', and the copy is cut
 * to fit.
 */
static void sanitize(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && o + 1 < outlen; i++) {
		c = (unsigned char)s[i];
		if ((c & 0xC0) == 0x80)
			continue;
		out[o++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
	}
	out[o] = '\0';
}

static int check_event_type(enum ct_event_type expected,
			    struct parse_state *st,
			    char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[F_EVENT_TYPE];
	char given[CT_EVENT_REASON_MAX - sizeof("unknown_event_type:") + 1];
	size_t type;
	int rc;

	rc = check_enum(st, F_EVENT_TYPE, true, type_names, ARRAY_LEN(type_names),
			&type, reason);
	if (rc == FIELD_PRESENT && type != (size_t)expected)
		return reject(reason, "type_mismatch", type_names[type]);
	if (rc < 0 && f->kind == JK_STRING) {
		sanitize(f->text, f->len, given, sizeof(given));
		return reject(reason, "unknown_event_type", given);
	}
	return rc;
}

static int check_envelope(enum ct_event_type expected, struct parse_state *st,
			  struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
{
	if (check_schema_version(st, reason) < 0 ||
	    check_event_type(expected, st, reason) < 0 ||
	    check_uuid(st, F_EVENT_ID, true, ev->event_id, reason) < 0 ||
	    check_timestamp(st, F_OCCURRED_AT, &ev->occurred_at_us, reason) < 0)
		return -1;
	/* an erasure request names a person, not a session */
	if (expected != CT_EVENT_ERASURE_REQUESTED &&
	    check_uuid(st, F_SESSION_ID, true, ev->session_id, reason) < 0)
		return -1;
	ev->type = expected;
	return 0;
}

/* participant_joined */

static int check_metadata(struct parse_state *st, char **out,
			  char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[F_METADATA];
	int rc = check_kind(f, F_METADATA, JK_OBJECT, false, reason);

	if (rc != FIELD_PRESENT)
		return rc;
	if (f->has_nul)
		return reject_field(reason, "nul_in_string", F_METADATA);
	/* yajl_gen stops at 128 levels; jsonb would take more, we do not. */
	if (f->too_deep || !f->text)
		return reject_field(reason, "invalid_value", F_METADATA);
	if (f->len > CT_EVENT_MAX_METADATA_BYTES)
		return reject_field(reason, "oversize_field", F_METADATA);
	*out = f->text;
	f->text = NULL;
	return FIELD_PRESENT;
}

static int check_joined(struct parse_state *st, struct ct_event *ev,
			char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule room = {
		F_ROOM_ID, true, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule participant = {
		F_PARTICIPANT_ID, true, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule anonymous = {
		F_ANONYMOUS_ID, false, 0, CT_EVENT_MAX_ID_CHARS, 0
	};

	if (check_text(st, &room, &ev->u.joined.room_id, reason) < 0 ||
	    check_text(st, &participant, &ev->u.joined.participant_id,
		       reason) < 0 ||
	    check_text(st, &anonymous, &ev->u.joined.anonymous_id, reason) < 0 ||
	    check_metadata(st, &ev->u.joined.metadata_json, reason) < 0)
		return -1;
	return 0;
}

/* message */

/* seq: a JSON integer in 0..INT64_MAX (PostgreSQL bigint). */
static int check_seq(struct parse_state *st, struct ct_event *ev,
		     char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[F_SEQ];
	int rc = check_kind(f, F_SEQ, JK_NUMBER, false, reason);
	long long v;

	if (rc != FIELD_PRESENT)
		return rc;
	if (!number_is_integer(f))
		return reject_field(reason, "wrong_type", F_SEQ);
	errno = 0;
	v = strtoll(f->text, NULL, 10);
	if (errno == ERANGE || v < 0)
		return reject_field(reason, "invalid_value", F_SEQ);
	ev->u.message.has_seq = true;
	ev->u.message.seq = v;
	return FIELD_PRESENT;
}

static int check_message(struct parse_state *st, struct ct_event *ev,
			 char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule content = {
		F_CONTENT, true, 0, 0, CT_EVENT_MAX_CONTENT_BYTES
	};
	struct field *fc = &st->fields[F_CONTENT];
	size_t role;
	int rc;

	rc = check_uuid(st, F_MESSAGE_ID, false, ev->u.message.message_id,
			reason);
	if (rc < 0)
		return -1;
	ev->u.message.has_message_id = rc == FIELD_PRESENT;
	if (!ev->u.message.has_message_id)
		memcpy(ev->u.message.message_id, ev->event_id,
		       sizeof(ev->event_id));
	if (check_enum(st, F_ROLE, true, role_names, ARRAY_LEN(role_names),
		       &role, reason) < 0)
		return -1;
	ev->u.message.role = (enum ct_role)role;
	if (check_text(st, &content, &ev->u.message.content, reason) < 0)
		return -1;
	ev->u.message.content_len = fc->len;
	return check_seq(st, ev, reason) < 0 ? -1 : 0;
}

/*
 * authenticated: phone_number must be E.164 ("+" and 8 to 15 digits, the
 * first not 0) and email an address (one "@", a non-empty local part, a
 * domain with a dot, no white space or control characters): the contract
 * says an optional field that is present must be valid, and rule 10
 * compares them exactly.
 */

static bool is_e164(const char *s)
{
	size_t n = 0;

	if (*s++ != '+' || *s < '1' || *s > '9')
		return false;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 8 && n <= 15;
}

static bool is_email(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	p = strchr(at + 1, '.');
	return p && p > at + 1 && p[1] != '\0' && s[strlen(s) - 1] != '.';
}

static int check_auth(struct parse_state *st, struct ct_event *ev,
		      char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule username = {
		F_USERNAME, true, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule phone = {
		F_PHONE_NUMBER, false, 0, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule email = {
		F_EMAIL, false, 0, CT_EVENT_MAX_ID_CHARS, 0
	};

	if (check_text(st, &username, &ev->u.auth.username, reason) < 0 ||
	    check_text(st, &phone, &ev->u.auth.phone_number, reason) < 0)
		return -1;
	if (ev->u.auth.phone_number && !is_e164(ev->u.auth.phone_number))
		return reject_field(reason, "invalid_value", F_PHONE_NUMBER);
	if (check_text(st, &email, &ev->u.auth.email, reason) < 0)
		return -1;
	if (ev->u.auth.email && !is_email(ev->u.auth.email))
		return reject_field(reason, "invalid_value", F_EMAIL);
	return 0;
}

/* call_ended */

/* duration_seconds: any JSON number, finite and >= 0 (-0 becomes 0). */
static int check_duration(struct parse_state *st, struct ct_event *ev,
			  char reason[CT_EVENT_REASON_MAX])
{
	struct field *f = &st->fields[F_DURATION_SECONDS];
	int rc = check_kind(f, F_DURATION_SECONDS, JK_NUMBER, false, reason);
	double v;

	if (rc != FIELD_PRESENT)
		return rc;
	/* JSON numbers use '.', as does the "C" locale the program runs in. */
	v = strtod(f->text, NULL);
	if (!isfinite(v) || v < 0)
		return reject_field(reason, "invalid_value", F_DURATION_SECONDS);
	ev->u.ended.has_duration = true;
	ev->u.ended.duration_seconds = v == 0 ? 0.0 : v;
	return FIELD_PRESENT;
}

static int check_ended(struct parse_state *st, struct ct_event *ev,
		       char reason[CT_EVENT_REASON_MAX])
{
	size_t r = CT_END_NONE;

	if (check_enum(st, F_REASON, false, end_reason_names,
		       ARRAY_LEN(end_reason_names), &r, reason) < 0 ||
	    check_duration(st, ev, reason) < 0)
		return -1;
	ev->u.ended.reason = (enum ct_end_reason)r;
	return 0;
}

/*
 * profile_erasure_requested: exactly one of username and profile_id names
 * the person; requested_by and reason are free text kept with the
 * erasure record (no personal data should go there).
 */
static int check_erasure(struct parse_state *st, struct ct_event *ev,
			 char reason[CT_EVENT_REASON_MAX])
{
	static const struct text_rule username = {
		F_USERNAME, false, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule requested_by = {
		F_REQUESTED_BY, false, 1, CT_EVENT_MAX_ID_CHARS, 0
	};
	static const struct text_rule why = {
		F_REASON, false, 0, CT_EVENT_MAX_REASON_CHARS, 0
	};
	int rc;

	if (check_text(st, &username, &ev->u.erasure.username, reason) < 0)
		return -1;
	rc = check_uuid(st, F_PROFILE_ID, false, ev->u.erasure.profile_id,
			reason);
	if (rc < 0)
		return -1;
	if (rc == FIELD_PRESENT && ev->u.erasure.username)
		return reject_field(reason, "invalid_value", F_PROFILE_ID);
	if (rc != FIELD_PRESENT && !ev->u.erasure.username)
		return reject_field(reason, "missing_field", F_USERNAME);
	if (check_text(st, &requested_by, &ev->u.erasure.requested_by,
		       reason) < 0 ||
	    check_text(st, &why, &ev->u.erasure.reason, reason) < 0)
		return -1;
	return 0;
}

/* The first duplicated field among those this topic's events have. */
static int check_duplicates(enum ct_event_type expected,
			    const struct parse_state *st,
			    char reason[CT_EVENT_REASON_MAX])
{
	size_t i;

	for (i = 0; i < F_COUNT; i++) {
		if (!(field_defs[i].owners & OWNER(expected)))
			continue;
		if (st->fields[i].count > 1)
			return reject_field(reason, "duplicate_field",
					    (enum field_id)i);
	}
	return 0;
}

static int check_event(enum ct_event_type expected, struct parse_state *st,
		       struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
{
	if (check_duplicates(expected, st, reason) < 0 ||
	    check_envelope(expected, st, ev, reason) < 0)
		return -1;
	switch (ev->type) {
	case CT_EVENT_PARTICIPANT_JOINED:
		return check_joined(st, ev, reason);
	case CT_EVENT_MESSAGE:
		return check_message(st, ev, reason);
	case CT_EVENT_AUTHENTICATED:
		return check_auth(st, ev, reason);
	case CT_EVENT_CALL_ENDED:
		return check_ended(st, ev, reason);
	case CT_EVENT_ERASURE_REQUESTED:
		return check_erasure(st, ev, reason);
	default:
		return reject(reason, "type_mismatch", "?");
	}
}

int ct_event_parse(enum ct_event_type expected, const void *payload, size_t len,
		   struct ct_event *ev, char reason[CT_EVENT_REASON_MAX])
{
	struct parse_state st;
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	reason[0] = '\0';
	if (!payload || len == 0)
		return reject(reason, "empty_payload", NULL);
	if (!payload_is_unicode(payload, len))
		return reject(reason, "invalid_utf8", NULL);
	memset(&st, 0, sizeof(st));
	if (!parse_document(&st, payload, len)) {
		reject(reason, "not_json", NULL);
		goto out_free_state;
	}
	if (st.top != JK_OBJECT) {
		reject(reason, "not_object", NULL);
		goto out_free_state;
	}
	if (check_event(expected, &st, ev, reason) < 0) {
		ct_event_clear(ev);
		goto out_free_state;
	}
	rc = 0;
out_free_state:
	parse_state_free(&st);
	return rc;
}

void ct_event_clear(struct ct_event *ev)
{
	if (!ev)
		return;
	switch (ev->type) {
	case CT_EVENT_PARTICIPANT_JOINED:
		free(ev->u.joined.room_id);
		free(ev->u.joined.participant_id);
		free(ev->u.joined.anonymous_id);
		free(ev->u.joined.metadata_json);
		break;
	case CT_EVENT_MESSAGE:
		free(ev->u.message.content);
		free(ev->u.message.redactions);
		break;
	case CT_EVENT_AUTHENTICATED:
		free(ev->u.auth.username);
		free(ev->u.auth.phone_number);
		free(ev->u.auth.email);
		break;
	case CT_EVENT_ERASURE_REQUESTED:
		free(ev->u.erasure.username);
		free(ev->u.erasure.requested_by);
		free(ev->u.erasure.reason);
		break;
	default:
		break;
	}
	memset(ev, 0, sizeof(*ev));
}

const char *ct_event_type_name(enum ct_event_type type)
{
	if ((unsigned)type >= ARRAY_LEN(type_names))
		return NULL;
	return type_names[type];
}

const char *ct_event_role_name(enum ct_role role)
{
	if ((unsigned)role >= ARRAY_LEN(role_names))
		return NULL;
	return role_names[role];
}

const char *ct_event_end_reason_name(enum ct_end_reason reason)
{
	if ((unsigned)reason >= ARRAY_LEN(end_reason_names))
		return NULL;
	return end_reason_names[reason];
}

/*
 * Any int64 is formatted; years before 1 are written the PostgreSQL way
 * ("0001-12-31 ... BC" is year 0), though parsed events never have them.
 */
void ct_event_format_time(int64_t us, char out[40])
{
	int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY, year;
	char buf[160]; /* what the compiler must assume the fields can take */
	int month, day;
	long long secs;
	size_t n;
	bool bc;

	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	bc = year <= 0;
	secs = (long long)(rem / US_PER_SEC);
	snprintf(buf, sizeof(buf),
		 "%04lld-%02d-%02d %02lld:%02lld:%02lld.%06lld+00%s",
		 (long long)(bc ? 1 - year : year), month, day, secs / 3600,
		 secs / 60 % 60, secs % 60, (long long)(rem % US_PER_SEC),
		 bc ? " BC" : "");
	/* At most 6 year digits for any int64: always fits in 40 bytes. */
	n = strlen(buf);
	if (n > 39)
		n = 39;
	memcpy(out, buf, n);
	out[n] = '\0';
}
