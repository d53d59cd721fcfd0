/*
 * PostgreSQL array literals in text format.  Every element is written
 * double-quoted with '"' and '\' escaped, which is valid for any element
 * type; NULL is written bare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/event.h"
#include "pgarray.h"

void ct_pgarray_init(struct ct_pgarray *a)
{
	memset(a, 0, sizeof(*a));
}

/* Makes room for extra more bytes plus "}" and NUL. */
static int ct_pgarray_reserve(struct ct_pgarray *a, size_t extra)
{
	size_t need = a->len + extra + 3;
	char *nbuf;
	size_t ncap;

	if (a->failed)
		return -1;
	if (need <= a->cap)
		return 0;
	ncap = a->cap ? a->cap : 256;
	while (ncap < need)
		ncap *= 2;
	nbuf = realloc(a->buf, ncap);
	if (!nbuf) {
		a->failed = 1;
		return -1;
	}
	if (a->cap == 0)
		nbuf[0] = '{';
	a->buf = nbuf;
	a->cap = ncap;
	if (a->len == 0)
		a->len = 1;
	return 0;
}

static void ct_pgarray_sep(struct ct_pgarray *a)
{
	if (a->count++ > 0)
		a->buf[a->len++] = ',';
}

void ct_pgarray_add_len(struct ct_pgarray *a, const char *s, size_t len)
{
	size_t i;

	if (ct_pgarray_reserve(a, 2 * len + 4) < 0)
		return;
	ct_pgarray_sep(a);
	a->buf[a->len++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			a->buf[a->len++] = '\\';
		a->buf[a->len++] = s[i];
	}
	a->buf[a->len++] = '"';
}

void ct_pgarray_add(struct ct_pgarray *a, const char *s)
{
	if (s) {
		ct_pgarray_add_len(a, s, strlen(s));
		return;
	}
	if (ct_pgarray_reserve(a, 5) < 0)
		return;
	ct_pgarray_sep(a);
	memcpy(a->buf + a->len, "NULL", 4);
	a->len += 4;
}

void ct_pgarray_add_int(struct ct_pgarray *a, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	if (ct_pgarray_reserve(a, (size_t)n + 1) < 0)
		return;
	ct_pgarray_sep(a);
	memcpy(a->buf + a->len, tmp, (size_t)n);
	a->len += (size_t)n;
}

void ct_pgarray_add_time(struct ct_pgarray *a, int64_t us)
{
	char tmp[40];

	ct_event_format_time(us, tmp);
	ct_pgarray_add(a, tmp);
}

const char *ct_pgarray_str(struct ct_pgarray *a)
{
	if (ct_pgarray_reserve(a, 0) < 0)
		return NULL;
	a->buf[a->len] = '}';
	a->buf[a->len + 1] = '\0';
	return a->buf;
}

void ct_pgarray_free(struct ct_pgarray *a)
{
	free(a->buf);
	ct_pgarray_init(a);
}
