/*
 * Structured logging: one JSON object per line on stderr, so a log shipper
 * can index fields without parsing prose.  Strings are JSON-escaped here;
 * callers never log message content or personal data at info level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "convtrack/log.h"

static enum ct_log_level ct_log_min = CT_LOG_INFO;

/* Set once at start-up, before any thread logs (ct_log_set_filter). */
static ct_log_filter_fn ct_log_filter;
static void *ct_log_filter_arg;

static const char *const ct_log_names[] = { "debug", "info", "warn", "error" };

void ct_log_set_level(enum ct_log_level level)
{
	ct_log_min = level;
}

void ct_log_set_filter(ct_log_filter_fn fn, void *arg)
{
	ct_log_filter = fn;
	ct_log_filter_arg = arg;
}

int ct_log_level_parse(const char *s, enum ct_log_level *level)
{
	int i;

	for (i = 0; i <= CT_LOG_ERROR; i++) {
		if (strcmp(s, ct_log_names[i]) == 0) {
			*level = (enum ct_log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Appends s to buf (size cap, used *len) as a JSON string body. */
static void ct_log_escape(char *buf, size_t cap, size_t *len, const char *s)
{
	for (; *s && *len + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[(*len)++] = '\\';
			buf[(*len)++] = (char)c;
		} else if (c < 0x20) {
			*len += (size_t)snprintf(buf + *len, cap - *len,
						 "\\u%04x", c);
		} else {
			buf[(*len)++] = (char)c;
		}
	}
	buf[*len] = '\0';
}

static void ct_log_write(enum ct_log_level level, const char *topic,
			 int32_t partition, int64_t offset, const char *event_id,
			 const char *fmt, va_list ap)
{
	char msg[2048], line[4096], ts[40];
	struct timespec now;
	struct tm tm;
	size_t len;

	if (level < ct_log_min)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ct_log_filter)
		ct_log_filter(ct_log_filter_arg, msg, sizeof(msg));
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	len = (size_t)snprintf(line, sizeof(line),
			       "{\"ts\":\"%s.%06ldZ\",\"level\":\"%s\",\"msg\":\"",
			       ts, now.tv_nsec / 1000, ct_log_names[level]);
	ct_log_escape(line, sizeof(line) - 200, &len, msg);
	len += (size_t)snprintf(line + len, sizeof(line) - len, "\"");
	if (topic) {
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					",\"topic\":\"");
		ct_log_escape(line, sizeof(line) - 120, &len, topic);
		len += (size_t)snprintf(line + len, sizeof(line) - len, "\"");
	}
	if (partition >= 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					",\"partition\":%d", (int)partition);
	if (offset >= 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					",\"offset\":%lld", (long long)offset);
	if (event_id)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					",\"event_id\":\"%.36s\"", event_id);
	snprintf(line + len, sizeof(line) - len, "}\n");
	fputs(line, stderr);
}

void ct_log(enum ct_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_log_write(level, NULL, -1, -1, NULL, fmt, ap);
	va_end(ap);
}

void ct_log_kafka(enum ct_log_level level, const char *topic, int32_t partition,
		  int64_t offset, const char *event_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_log_write(level, topic, partition, offset, event_id, fmt, ap);
	va_end(ap);
}
