/*
 * Structured logging: one JSON object per line on stderr.
 *
 * Every line carries "ts" (RFC 3339, UTC, microseconds), "level" and "msg".
 * Context fields (topic, partition, offset, event_id) are added with the
 * ct_log_kv variant.  Message content and personal data are never logged at
 * info level or above; callers pass identifiers only.
 */
#ifndef CONVTRACK_LOG_H
#define CONVTRACK_LOG_H

#include <stddef.h>
#include <stdint.h>

enum ct_log_level {
	CT_LOG_DEBUG = 0,
	CT_LOG_INFO,
	CT_LOG_WARN,
	CT_LOG_ERROR,
};

/* Sets the lowest level that is written.  Default: CT_LOG_INFO. */
void ct_log_set_level(enum ct_log_level level);

/*
 * A filter every log line's message passes through before it is written:
 * it may rewrite the NUL-terminated msg (cap bytes of room) in place.  The
 * worker sets one that redacts personal data (convtrack/privacy.h), so no
 * line can carry a card number, whatever it echoes (a PostgreSQL error
 * quoting a value, a parse error, a debug line).
 */
typedef void (*ct_log_filter_fn)(void *arg, char *msg, size_t cap);

/*
 * Sets the filter (NULL: none, the default).  Call it before other threads
 * log; fn and arg must stay valid while anything logs.
 */
void ct_log_set_filter(ct_log_filter_fn fn, void *arg);

/*
 * Parses "debug", "info", "warn" or "error".  Returns 0 and sets *level, or
 * -1 for any other string.
 */
int ct_log_level_parse(const char *s, enum ct_log_level *level);

/* Writes one log line.  msg is a printf format. */
void ct_log(enum ct_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Writes one log line with Kafka context: topic (may be NULL), partition and
 * offset (omitted when negative), event_id (may be NULL).
 */
void ct_log_kafka(enum ct_log_level level, const char *topic, int32_t partition,
		  int64_t offset, const char *event_id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
