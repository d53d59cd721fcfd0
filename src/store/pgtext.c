/*
 * PostgreSQL text output as JSON values (pgtext.h): RFC 3339 times and
 * JSON arrays for the operator commands' --json output.  Hand-written
 * because both formats are small and fixed, and the results must not
 * depend on the process's time zone or locale (core's caltime.c does the
 * calendar).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/caltime.h"
#include "convtrack/pgtext.h"

/* Reads exactly n digits at *p; -1 when they are not there. */
static int ct_pgtext_num(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

int ct_pgtext_time(const char *pg, char out[CT_PGTEXT_TIME_LEN])
{
	const char *p = pg;
	int y, mo, d, h, mi, s, ms = 0, digits = 0, oh = 0, om = 0, os = 0;
	int sign = 0;
	int64_t secs;

	out[0] = '\0';
	if (!pg)
		return -1;
	if ((y = ct_pgtext_num(&p, 4)) < 1 || *p++ != '-' ||
	    (mo = ct_pgtext_num(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
	    (d = ct_pgtext_num(&p, 2)) < 1 || (*p != ' ' && *p != 'T'))
		return -1;
	p++;
	if (d > ct_caltime_days_in_month(y, mo))
		return -1;
	if ((h = ct_pgtext_num(&p, 2)) < 0 || h > 23 || *p++ != ':' ||
	    (mi = ct_pgtext_num(&p, 2)) < 0 || mi > 59 || *p++ != ':' ||
	    (s = ct_pgtext_num(&p, 2)) < 0 || s > 60)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = ct_pgtext_num(&p, 2)) < 0 || oh > 15)
			return -1;
		if (*p == ':' && (p++, (om = ct_pgtext_num(&p, 2)) < 0 || om > 59))
			return -1;
		if (*p == ':' && (p++, (os = ct_pgtext_num(&p, 2)) < 0 || os > 59))
			return -1;
	} else if (*p == 'Z') {
		p++;
	}
	if (*p != '\0')
		return -1;
	secs = ct_caltime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
	       sign * (oh * 3600 + om * 60 + os);
	return ct_caltime_rfc3339(secs * 1000000 + ms * 1000, out);
}

/* A growable string; failed once an allocation failed. */
struct ct_pgtext_buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void ct_pgtext_put(struct ct_pgtext_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (b->len + n + 1 > cap)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Appends s (n bytes of UTF-8) as a JSON string. */
static void ct_pgtext_put_string(struct ct_pgtext_buf *b, const char *s, size_t n)
{
	size_t i;

	ct_pgtext_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			ct_pgtext_put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			ct_pgtext_put(b, esc, 6);
		} else {
			ct_pgtext_put(b, s + i, 1);
		}
	}
	ct_pgtext_put(b, "\"", 1);
}

/* True when s (n bytes) is a JSON number. */
static bool ct_pgtext_is_number(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d || (s[d] == '0' && i - d > 1))
		return false;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

/* Appends one element (n bytes, unquoted) as a JSON value of kind elem. */
static void ct_pgtext_put_elem(struct ct_pgtext_buf *b, const char *s, size_t n,
			       enum ct_pgtext_elem elem)
{
	char time[CT_PGTEXT_TIME_LEN], in[64];

	if (elem == CT_PGTEXT_NUMBER && ct_pgtext_is_number(s, n)) {
		ct_pgtext_put(b, s, n);
	} else if (elem == CT_PGTEXT_BOOL && n == 1 && (s[0] == 't' || s[0] == 'f')) {
		ct_pgtext_put(b, s[0] == 't' ? "true" : "false", s[0] == 't' ? 4 : 5);
	} else if (elem == CT_PGTEXT_TIME && n < sizeof(in)) {
		memcpy(in, s, n);
		in[n] = '\0';
		if (ct_pgtext_time(in, time) == 0)
			ct_pgtext_put_string(b, time, strlen(time));
		else
			ct_pgtext_put_string(b, s, n);
	} else {
		ct_pgtext_put_string(b, s, n);
	}
}

char *ct_pgtext_array_json(const char *literal, enum ct_pgtext_elem elem)
{
	struct ct_pgtext_buf b = { 0 };
	struct ct_pgtext_buf el = { 0 };
	const char *p = literal;
	bool first = true;

	if (!p || *p++ != '{')
		return NULL;
	ct_pgtext_put(&b, "[", 1);
	while (*p != '}') {
		bool quoted = false;

		el.len = 0;
		ct_pgtext_put(&el, "", 0);
		if (!first) {
			if (*p++ != ',')
				goto out_fail;
		}
		first = false;
		if (*p == '"') {
			quoted = true;
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				ct_pgtext_put(&el, p, 1);
			}
			if (*p++ != '"')
				goto out_fail;
		} else {
			for (; *p && *p != ',' && *p != '}'; p++) {
				if (*p == '{' || *p == '"')
					goto out_fail; /* nested or malformed */
				ct_pgtext_put(&el, p, 1);
			}
			if (!*p || el.len == 0)
				goto out_fail;
		}
		if (el.failed)
			goto out_fail;
		if (b.len > 1)
			ct_pgtext_put(&b, ",", 1);
		if (!quoted && strcmp(el.s, "NULL") == 0)
			ct_pgtext_put(&b, "null", 4);
		else
			ct_pgtext_put_elem(&b, el.s, el.len, elem);
	}
	if (p[1] != '\0')
		goto out_fail;
	ct_pgtext_put(&b, "]", 1);
	free(el.s);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
out_fail:
	free(el.s);
	free(b.s);
	return NULL;
}
