/*
 * Operator commands' output (src/cli_int.h): query tables as aligned text
 * or as JSON with JSON types (numbers, booleans, arrays, null, RFC 3339
 * times in UTC with milliseconds), and the commands' errors and warnings,
 * as JSON objects on stderr with --json.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "convtrack/pgtext.h"

/* ---- errors ---- */

/*
 * With --json, errors and warnings go to stderr as JSON, one object a
 * line: warnings as they happen ({"warning": "..."}), the error when the
 * command ends ({"error": "...", "code": N}, N the exit code).  Without
 * it, as "convtrack: ..." lines.
 */
static bool ct_cli_json_errors;
static char ct_cli_errmsg[1024];

/* Prints {"key": msg} on a line of stderr. */
static void ct_cli_json_line(const char *key, const char *msg, int code)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	yajl_gen_string(g, (const unsigned char *)msg, strlen(msg));
	if (code >= 0) {
		yajl_gen_string(g, (const unsigned char *)"code", 4);
		yajl_gen_integer(g, code);
	}
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		fprintf(stderr, "%.*s\n", (int)len, (const char *)buf);
	yajl_gen_free(g);
}

/* Says why the command fails; with --json the first reason is kept. */
void ct_cli_error(const char *fmt, ...)
{
	char msg[sizeof(ct_cli_errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ct_cli_json_errors)
		fprintf(stderr, "convtrack: %s\n", msg);
	else if (!ct_cli_errmsg[0])
		snprintf(ct_cli_errmsg, sizeof(ct_cli_errmsg), "%s", msg);
}

void ct_cli_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ct_cli_json_errors)
		ct_cli_json_line("warning", msg, -1);
	else
		fprintf(stderr, "convtrack: warning: %s\n", msg);
}

/* The command's end: with --json and a failure, its error object. */
int ct_cli_done(int rc)
{
	static const char *const fallback[] = {
		[CT_CLI_NOT_FOUND] = "not found or refused",
		[CT_CLI_USAGE] = "usage error",
		[CT_CLI_UNREACHABLE] = "PostgreSQL or Kafka unreachable",
	};

	if (ct_cli_json_errors && rc != CT_CLI_OK)
		ct_cli_json_line("error", ct_cli_errmsg[0] ? ct_cli_errmsg
				 : rc > 0 && rc <= CT_CLI_UNREACHABLE ? fallback[rc]
				 : "failed", rc);
	ct_cli_json_errors = false;
	ct_cli_errmsg[0] = '\0';
	return rc;
}

void ct_cli_json_errors_on(void)
{
	ct_cli_json_errors = true;
}

/* ---- rendering ---- */

/* True when key names a time ("created_at", "occurred_at", ...). */
static bool ct_cli_is_time_key(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	return n > 3 && strcmp(key + n - 3, "_at") == 0;
}

/*
 * A string as JSON; under a key that names a time (key may be NULL), a
 * time that PostgreSQL or the database's JSON printed is rewritten as RFC
 * 3339 in UTC with milliseconds.
 */
void ct_cli_json_text(yajl_gen g, const char *key, const char *s)
{
	char time[CT_PGTEXT_TIME_LEN];

	if (ct_cli_is_time_key(key) && ct_pgtext_time(s, time) == 0)
		s = time;
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* A parsed JSON value, times under "*_at" keys rewritten (see above). */
void ct_cli_json_value(yajl_gen g, const char *key, yajl_val v)
{
	size_t i;

	if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len; i++) {
			yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i],
					strlen(v->u.object.keys[i]));
			ct_cli_json_value(g, v->u.object.keys[i],
					  v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len; i++)
			ct_cli_json_value(g, key, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		ct_cli_json_text(g, key, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v)) {
		yajl_gen_bool(g, 1);
	} else if (YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, 0);
	} else {
		yajl_gen_null(g);
	}
}

/* One cell as a JSON value of its column's kind. */
static void ct_cli_json_cell(yajl_gen g, char kind, const char *cell)
{
	yajl_val tree;

	if (!cell) {
		yajl_gen_null(g);
	} else if (kind == 'n') {
		yajl_gen_number(g, cell, strlen(cell));
	} else if (kind == 'b') {
		yajl_gen_bool(g, cell[0] == 't');
	} else if (kind == 'j' && (tree = yajl_tree_parse(cell, NULL, 0)) != NULL) {
		ct_cli_json_value(g, NULL, tree);
		yajl_tree_free(tree);
	} else {
		yajl_gen_string(g, (const unsigned char *)cell, strlen(cell));
	}
}

/* Row r of t as a JSON object. */
void ct_cli_json_row(yajl_gen g, const struct ct_repo_table *t, size_t r)
{
	size_t c;

	yajl_gen_map_open(g);
	for (c = 0; c < t->ncols; c++) {
		yajl_gen_string(g, (const unsigned char *)t->names[c],
				strlen(t->names[c]));
		ct_cli_json_cell(g, t->kinds[c], t->cells[r * t->ncols + c]);
	}
	yajl_gen_map_close(g);
}

void ct_cli_json_rows(yajl_gen g, const struct ct_repo_table *t)
{
	size_t r;

	yajl_gen_array_open(g);
	for (r = 0; r < t->nrows; r++)
		ct_cli_json_row(g, t, r);
	yajl_gen_array_close(g);
}

void ct_cli_json_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void ct_cli_json_print(yajl_gen g, FILE *out)
{
	const unsigned char *buf;
	size_t len;

	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		fprintf(out, "%.*s\n", (int)len, (const char *)buf);
}

/* Code points of a UTF-8 string. */
static size_t ct_cli_chars(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Width of a cell in the text table: long cells are cut. */
static size_t ct_cli_width(const char *s)
{
	size_t n = ct_cli_chars(s);

	return n > CT_CLI_CELL_MAX ? CT_CLI_CELL_MAX : n;
}

/*
 * Prints s padded to width; a cell longer than CT_CLI_CELL_MAX code points
 * is cut to CT_CLI_CELL_MAX - 1 and ends with an ellipsis.  Newlines print
 * as spaces so a row stays on one line.
 */
static void ct_cli_cell(FILE *out, const char *s, size_t width)
{
	size_t keep = ct_cli_chars(s), n = 0;
	bool cut = keep > CT_CLI_CELL_MAX;

	if (cut)
		keep = CT_CLI_CELL_MAX - 1;
	for (; s && *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80 && n++ == keep)
			break;
		fputc(*s == '\n' ? ' ' : *s, out);
	}
	if (cut)
		fputs("\xe2\x80\xa6", out);
	for (n = cut ? CT_CLI_CELL_MAX : keep; n < width; n++)
		fputc(' ', out);
}

/* t as an aligned text table with a header line. */
void ct_cli_text_table(const struct ct_repo_table *t, FILE *out)
{
	size_t *w = calloc(t->ncols + 1, sizeof(*w));
	size_t r, c;

	if (!w)
		return;
	for (c = 0; c < t->ncols; c++) {
		w[c] = ct_cli_width(t->names[c]);
		for (r = 0; r < t->nrows; r++) {
			size_t cw = ct_cli_width(t->cells[r * t->ncols + c]);

			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (c = 0; c < t->ncols; c++) {
		ct_cli_cell(out, t->names[c], c + 1 < t->ncols ? w[c] : 0);
		fputs(c + 1 < t->ncols ? "  " : "\n", out);
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			ct_cli_cell(out, cell ? cell : "-", c + 1 < t->ncols ? w[c] : 0);
			fputs(c + 1 < t->ncols ? "  " : "\n", out);
		}
	}
	if (t->nrows == 0)
		fputs("(none)\n", out);
	free(w);
}

/* Row 0 of t as "name: value" lines. */
void ct_cli_text_record(const struct ct_repo_table *t, FILE *out)
{
	size_t c, width = 0;

	for (c = 0; c < t->ncols; c++)
		if (strlen(t->names[c]) > width)
			width = strlen(t->names[c]);
	for (c = 0; c < t->ncols; c++) {
		const char *cell = t->cells[c];

		fprintf(out, "  %-*s  %s\n", (int)width, t->names[c], cell ? cell : "-");
	}
}

/* Summaries as short blocks: one header line, then the summary text. */
void ct_cli_text_summaries(const struct ct_repo_table *t, FILE *out)
{
	size_t r;

	for (r = 0; r < t->nrows; r++) {
		const char *started = ct_repo_table_get(t, r, "started_at");

		fprintf(out, "  %s  v%s  %.16s  %s, %s  %s\n    %s\n",
			ct_repo_table_get(t, r, "session_id"),
			ct_repo_table_get(t, r, "summary_version"),
			started ? started : "-",
			ct_repo_table_get(t, r, "sentiment"),
			ct_repo_table_get(t, r, "resolution_status"),
			ct_repo_table_get(t, r, "topics"),
			ct_repo_table_get(t, r, "summary"));
	}
	if (t->nrows == 0)
		fputs("  (none)\n", out);
}

