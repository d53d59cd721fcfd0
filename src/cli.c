/*
 * Operator commands (see include/convtrack/cli.h).  The repository runs
 * the queries; this module only parses arguments and renders tables as
 * aligned text or JSON (yajl_gen).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "convtrack/cli.h"
#include "convtrack/dltool.h"
#include "convtrack/hmac.h"
#include "convtrack/privacy.h"
#include "convtrack/repo.h"
#include "convtrack/retention.h"

#define CT_CLI_OK 0
#define CT_CLI_NOT_FOUND 1
#define CT_CLI_USAGE 2
#define CT_CLI_UNREACHABLE 3

/* Longest cell printed in a text table; JSON is never cut. */
#define CT_CLI_CELL_MAX 72

struct ct_cli_opts {
	const char *username, *anonymous_id, *id, *profile;
	const char *reason, *since, *requested_by;
	const char *policy; /* merge.shared_device_policy of the configuration */
	long long partition, offset;
	int limit;
	bool json, all, dry_run;
	const char *operands[2];
	int noperands;
};

/* ---- rendering ---- */

static void ct_cli_json_value(yajl_gen g, yajl_val v)
{
	size_t i;

	if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len; i++) {
			yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i],
					strlen(v->u.object.keys[i]));
			ct_cli_json_value(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len; i++)
			ct_cli_json_value(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string,
				strlen(v->u.string));
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
		ct_cli_json_value(g, tree);
		yajl_tree_free(tree);
	} else {
		yajl_gen_string(g, (const unsigned char *)cell, strlen(cell));
	}
}

/* Row r of t as a JSON object. */
static void ct_cli_json_row(yajl_gen g, const struct ct_repo_table *t, size_t r)
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

static void ct_cli_json_rows(yajl_gen g, const struct ct_repo_table *t)
{
	size_t r;

	yajl_gen_array_open(g);
	for (r = 0; r < t->nrows; r++)
		ct_cli_json_row(g, t, r);
	yajl_gen_array_close(g);
}

static void ct_cli_json_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

static void ct_cli_json_print(yajl_gen g, FILE *out)
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
static void ct_cli_text_table(const struct ct_repo_table *t, FILE *out)
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
static void ct_cli_text_record(const struct ct_repo_table *t, FILE *out)
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
static void ct_cli_text_summaries(const struct ct_repo_table *t, FILE *out)
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

/* ---- arguments ---- */

static int ct_cli_parse(int nargs, char **args, struct ct_cli_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->limit = 10;
	o->partition = -1;
	o->offset = -1;
	for (i = 0; i < nargs; i++) {
		const char *a = args[i];
		bool more = i + 1 < nargs;

		if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (strcmp(a, "--username") == 0 && more)
			o->username = args[++i];
		else if (strcmp(a, "--anonymous-id") == 0 && more)
			o->anonymous_id = args[++i];
		else if (strcmp(a, "--id") == 0 && more)
			o->id = args[++i];
		else if (strcmp(a, "--profile") == 0 && more)
			o->profile = args[++i];
		else if (strcmp(a, "--reason") == 0 && more)
			o->reason = args[++i];
		else if (strcmp(a, "--since") == 0 && more)
			o->since = args[++i];
		else if (strcmp(a, "--requested-by") == 0 && more)
			o->requested_by = args[++i];
		else if (strcmp(a, "--all") == 0)
			o->all = true;
		else if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if ((strcmp(a, "--partition") == 0 || strcmp(a, "--offset") == 0) &&
			 more) {
			char *end;
			long long v = strtoll(args[++i], &end, 10);

			if (*end || v < 0) {
				fprintf(stderr, "convtrack: %s takes a number >= 0\n", a);
				return -1;
			}
			if (a[2] == 'p')
				o->partition = v;
			else
				o->offset = v;
		}
		else if (strcmp(a, "--limit") == 0 && more) {
			char *end;
			long v = strtol(args[++i], &end, 10);

			if (*end || v < 1 || v > 100000) {
				fprintf(stderr, "convtrack: --limit takes 1..100000\n");
				return -1;
			}
			o->limit = (int)v;
		} else if (a[0] != '-' && o->noperands < 2) {
			o->operands[o->noperands++] = a;
		} else {
			fprintf(stderr, "convtrack: unexpected argument '%s'\n", a);
			return -1;
		}
	}
	return 0;
}

/* True when s is a canonical UUID (either case). */
static bool ct_cli_is_uuid(const char *s)
{
	static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (i = 0; pat[i]; i++)
		if (pat[i] == '-' ? s[i] != '-' :
		    !((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' &&
						       (s[i] | 0x20) <= 'f')))
			return false;
	return true;
}

static struct ct_repo *ct_cli_connect(const struct ct_config *cfg)
{
	struct ct_repo *repo = NULL;
	char err[512];

	if (ct_repo_connect(cfg->postgres_conninfo, &repo, err, sizeof(err)) !=
	    CT_REPO_OK) {
		fprintf(stderr, "convtrack: cannot connect to PostgreSQL: %s\n", err);
		return NULL;
	}
	return repo;
}

/* Exit code for a failed query, after printing why. */
static int ct_cli_failed(struct ct_repo *repo, enum ct_repo_status st)
{
	fprintf(stderr, "convtrack: %s\n", ct_repo_error(repo));
	return st == CT_REPO_PERMANENT ? CT_CLI_NOT_FOUND : CT_CLI_UNREACHABLE;
}

/* ---- commands ---- */

/* Looks up the profile named by o; prints why when there is none. */
static int ct_cli_find_profile(struct ct_repo *repo, const struct ct_cli_opts *o,
			       struct ct_repo_table *profile)
{
	enum ct_repo_query q;
	enum ct_repo_status st;
	const char *key, *what;
	int given = !!o->username + !!o->anonymous_id + !!o->id;

	if (given != 1) {
		fprintf(stderr, "convtrack: profile show needs exactly one of "
			"--username U, --anonymous-id A, --id UUID\n");
		return CT_CLI_USAGE;
	}
	if (o->username) {
		q = CT_Q_PROFILE_BY_USERNAME, key = o->username, what = "username";
	} else if (o->anonymous_id) {
		q = CT_Q_PROFILE_BY_ANONYMOUS_ID, key = o->anonymous_id;
		what = "anonymous id";
	} else {
		q = CT_Q_PROFILE_BY_ID, key = o->id, what = "id";
		if (!ct_cli_is_uuid(key)) {
			fprintf(stderr, "convtrack: '%s' is not a UUID\n", key);
			return CT_CLI_USAGE;
		}
	}
	st = ct_repo_query(repo, q, &key, profile);
	if (st != CT_REPO_OK)
		return ct_cli_failed(repo, st);
	if (profile->nrows == 0) {
		fprintf(stderr, "convtrack: no profile with %s '%s'\n", what, key);
		ct_repo_table_free(profile);
		return CT_CLI_NOT_FOUND;
	}
	return CT_CLI_OK;
}

static int ct_cli_profile_show(struct ct_repo *repo, const struct ct_cli_opts *o,
			       FILE *out)
{
	struct ct_repo_table profile, from = { 0 }, sessions = { 0 }, sums = { 0 };
	enum ct_repo_status st;
	const char *params[2];
	char limit[16];
	int rc;

	if (o->noperands != 1 || strcmp(o->operands[0], "show") != 0) {
		fprintf(stderr, "convtrack: usage: convtrack profile show "
			"(--username U | --anonymous-id A | --id UUID) [--json]\n");
		return CT_CLI_USAGE;
	}
	rc = ct_cli_find_profile(repo, o, &profile);
	if (rc != CT_CLI_OK)
		return rc;
	snprintf(limit, sizeof(limit), "%d", o->limit > 10 ? o->limit : 50);
	params[0] = ct_repo_table_get(&profile, 0, "id");
	params[1] = limit;
	st = ct_repo_query(repo, CT_Q_MERGED_FROM, params, &from);
	if (st == CT_REPO_OK)
		st = ct_repo_query(repo, CT_Q_PROFILE_SESSIONS, params, &sessions);
	snprintf(limit, sizeof(limit), "%d", o->limit);
	if (st == CT_REPO_OK)
		st = ct_repo_query(repo, CT_Q_PROFILE_SUMMARIES, params, &sums);
	if (st != CT_REPO_OK) {
		rc = ct_cli_failed(repo, st);
	} else if (o->json) {
		yajl_gen g = yajl_gen_alloc(NULL);

		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_map_open(g);
		ct_cli_json_key(g, "profile");
		ct_cli_json_row(g, &profile, 0);
		ct_cli_json_key(g, "merged_from");
		ct_cli_json_rows(g, &from);
		ct_cli_json_key(g, "sessions");
		ct_cli_json_rows(g, &sessions);
		ct_cli_json_key(g, "summaries");
		ct_cli_json_rows(g, &sums);
		yajl_gen_map_close(g);
		ct_cli_json_print(g, out);
		yajl_gen_free(g);
	} else {
		const char *into = ct_repo_table_get(&profile, 0, "merged_into_profile_id");

		fprintf(out, "Profile\n");
		ct_cli_text_record(&profile, out);
		fprintf(out, "\nMerge chain\n");
		if (into)
			fprintf(out, "  merged into %s (%s)\n", into,
				ct_repo_table_get(&profile, 0, "merged_into_username"));
		else
			fprintf(out, "  not merged into another profile\n");
		fprintf(out, "\nAnonymous profiles merged into it\n");
		ct_cli_text_table(&from, out);
		fprintf(out, "\nSessions\n");
		ct_cli_text_table(&sessions, out);
		fprintf(out, "\nLatest summaries\n");
		ct_cli_text_summaries(&sums, out);
	}
	ct_repo_table_free(&profile);
	ct_repo_table_free(&from);
	ct_repo_table_free(&sessions);
	ct_repo_table_free(&sums);
	return rc;
}

static int ct_cli_summaries(struct ct_repo *repo, const struct ct_cli_opts *o,
			    FILE *out)
{
	struct ct_repo_table profile, sums;
	struct ct_cli_opts by_id = *o;
	enum ct_repo_status st;
	const char *params[2];
	char limit[16];
	int rc;

	if (!o->profile || o->noperands) {
		fprintf(stderr, "convtrack: usage: convtrack summaries --profile UUID "
			"[--limit N] [--json]\n");
		return CT_CLI_USAGE;
	}
	by_id.id = o->profile;
	rc = ct_cli_find_profile(repo, &by_id, &profile);
	if (rc != CT_CLI_OK)
		return rc;
	snprintf(limit, sizeof(limit), "%d", o->limit);
	params[0] = o->profile;
	params[1] = limit;
	st = ct_repo_query(repo, CT_Q_PROFILE_SUMMARIES, params, &sums);
	ct_repo_table_free(&profile);
	if (st != CT_REPO_OK)
		return ct_cli_failed(repo, st);
	if (o->json) {
		yajl_gen g = yajl_gen_alloc(NULL);

		yajl_gen_config(g, yajl_gen_beautify, 1);
		ct_cli_json_rows(g, &sums);
		ct_cli_json_print(g, out);
		yajl_gen_free(g);
	} else {
		ct_cli_text_summaries(&sums, out);
	}
	ct_repo_table_free(&sums);
	return CT_CLI_OK;
}

static int ct_cli_merge(struct ct_repo *repo, const struct ct_cli_opts *o,
			FILE *out)
{
	struct ct_repo_table res;
	enum ct_repo_status st;
	int i;

	if (o->noperands != 2) {
		fprintf(stderr, "convtrack: usage: convtrack merge ANONYMOUS_PROFILE_ID "
			"AUTHENTICATED_PROFILE_ID\n");
		return CT_CLI_USAGE;
	}
	for (i = 0; i < 2; i++) {
		if (!ct_cli_is_uuid(o->operands[i])) {
			fprintf(stderr, "convtrack: '%s' is not a UUID\n", o->operands[i]);
			return CT_CLI_USAGE;
		}
	}
	st = ct_repo_query(repo, CT_Q_MERGE, o->operands, &res);
	if (st != CT_REPO_OK)
		return ct_cli_failed(repo, st);
	ct_repo_table_free(&res);
	if (o->json)
		fprintf(out, "{\"merged\":\"%s\",\"into\":\"%s\"}\n", o->operands[0],
			o->operands[1]);
	else
		fprintf(out, "merged %s into %s (recorded as an operator override)\n",
			o->operands[0], o->operands[1]);
	return CT_CLI_OK;
}

/* Prints rows as {"profile_id": id, key: [rows]} or as a titled table. */
static void ct_cli_print_rows(const struct ct_cli_opts *o, const char *id,
			      const char *key, const char *title,
			      const struct ct_repo_table *rows, FILE *out)
{
	if (o->json) {
		yajl_gen g = yajl_gen_alloc(NULL);

		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_map_open(g);
		if (id) {
			ct_cli_json_key(g, "profile_id");
			ct_cli_json_cell(g, 's', id);
		}
		ct_cli_json_key(g, key);
		ct_cli_json_rows(g, rows);
		yajl_gen_map_close(g);
		ct_cli_json_print(g, out);
		yajl_gen_free(g);
	} else {
		fprintf(out, "%s%s%s\n", title, id ? " of " : "", id ? id : "");
		ct_cli_text_table(rows, out);
	}
}

/*
 * profile history: the profile's audit trail, oldest first; profile
 * merges: the merge ledger rows that name it.  history --id needs no
 * profile row, so an erased profile still shows its 'erased' record.
 */
static int ct_cli_profile_trail(struct ct_repo *repo, const struct ct_cli_opts *o,
				FILE *out, bool merges)
{
	struct ct_repo_table profile = { 0 }, rows;
	enum ct_repo_status st;
	const char *id;
	int rc = CT_CLI_OK;

	if (o->id && !merges) {
		if (!ct_cli_is_uuid(o->id)) {
			fprintf(stderr, "convtrack: '%s' is not a UUID\n", o->id);
			return CT_CLI_USAGE;
		}
		id = o->id;
	} else {
		rc = ct_cli_find_profile(repo, o, &profile);
		if (rc != CT_CLI_OK)
			return rc;
		id = ct_repo_table_get(&profile, 0, "id");
	}
	st = ct_repo_query(repo, merges ? CT_Q_PROFILE_MERGES : CT_Q_PROFILE_HISTORY,
			   &id, &rows);
	if (st != CT_REPO_OK) {
		rc = ct_cli_failed(repo, st);
	} else if (rows.nrows == 0 && profile.nrows == 0) {
		fprintf(stderr, "convtrack: no profile with id '%s'\n", id);
		rc = CT_CLI_NOT_FOUND;
	} else {
		ct_cli_print_rows(o, id, merges ? "merges" : "history",
				  merges ? "Merge ledger" : "Audit trail", &rows, out);
	}
	if (st == CT_REPO_OK)
		ct_repo_table_free(&rows);
	ct_repo_table_free(&profile);
	return rc;
}

/* profile show|history|merges */
static int ct_cli_profile(struct ct_repo *repo, const struct ct_cli_opts *o,
			  FILE *out)
{
	const char *sub = o->noperands == 1 ? o->operands[0] : "";

	if (strcmp(sub, "history") == 0 || strcmp(sub, "merges") == 0)
		return ct_cli_profile_trail(repo, o, out, sub[0] == 'm');
	return ct_cli_profile_show(repo, o, out);
}

/*
 * unmerge ANON: the operator's decision that the device is not merged
 * (rule 11); later events do not merge it again, `merge` does.
 */
static int ct_cli_unmerge(struct ct_repo *repo, const struct ct_cli_opts *o,
			  FILE *out)
{
	struct ct_repo_table res;
	enum ct_repo_status st;
	const char *anon = o->operands[0], *prev;

	if (o->noperands != 1 || !ct_cli_is_uuid(anon)) {
		fprintf(stderr, "convtrack: usage: convtrack unmerge "
			"ANONYMOUS_PROFILE_ID [--json]\n");
		return CT_CLI_USAGE;
	}
	st = ct_repo_query(repo, CT_Q_UNMERGE, &anon, &res);
	if (st != CT_REPO_OK)
		return ct_cli_failed(repo, st);
	prev = ct_repo_table_get(&res, 0, "previous_target");
	if (o->json)
		fprintf(out, "{\"unmerged\":\"%s\",\"was_merged_into\":%s%s%s}\n",
			anon, prev ? "\"" : "", prev ? prev : "null", prev ? "\"" : "");
	else if (prev)
		fprintf(out, "unmerged %s from %s (recorded as an operator override: "
			"later events do not merge it again)\n", anon, prev);
	else
		fprintf(out, "%s was not merged; recorded as an operator override: "
			"later events do not merge it\n", anon);
	ct_repo_table_free(&res);
	return CT_CLI_OK;
}

/* shared-devices [list] | apply-policy (merge.shared_device_policy) */
static int ct_cli_shared_devices(struct ct_repo *repo, const struct ct_cli_opts *o,
				 FILE *out)
{
	const char *sub = o->noperands == 1 ? o->operands[0] : "list";
	bool apply = strcmp(sub, "apply-policy") == 0;
	struct ct_repo_table rows;
	enum ct_repo_status st;

	if (o->noperands > 1 || (!apply && strcmp(sub, "list") != 0)) {
		fprintf(stderr, "convtrack: usage: convtrack shared-devices "
			"[list | apply-policy] [--json]\n");
		return CT_CLI_USAGE;
	}
	st = ct_repo_query(repo, apply ? CT_Q_SHARED_DEVICE_POLICY :
			   CT_Q_SHARED_DEVICES, &o->policy, &rows);
	if (st != CT_REPO_OK)
		return ct_cli_failed(repo, st);
	if (apply && o->json)
		fprintf(out, "{\"policy\":\"%s\",\"devices_changed\":%s}\n", o->policy,
			ct_repo_table_get(&rows, 0, "devices_changed"));
	else if (apply)
		fprintf(out, "shared-device policy '%s' applied: %s devices changed\n",
			o->policy, ct_repo_table_get(&rows, 0, "devices_changed"));
	else
		ct_cli_print_rows(o, NULL, "shared_devices", "Shared devices", &rows,
				  out);
	ct_repo_table_free(&rows);
	return CT_CLI_OK;
}

/* A number of the profile_erased payload, or "?". */
static const char *ct_cli_payload_num(yajl_val tree, const char *key, char *buf,
				      size_t len)
{
	const char *path[] = { key, NULL };
	yajl_val v = tree ? yajl_tree_get(tree, path, yajl_t_number) : NULL;

	snprintf(buf, len, "%s", v ? YAJL_GET_NUMBER(v) : "?");
	return buf;
}

static void ct_cli_erase_text(const struct ct_repo_erase_result *res, FILE *out)
{
	yajl_val tree = yajl_tree_parse(res->payload, NULL, 0);
	char s[32], m[32], c[32];

	fprintf(out, "erased profile %s: %s sessions, %s messages, %s summaries\n"
		"  erasure id %s; profile_erased event queued for publication\n"
		"  later events of these sessions and earlier logins of the user "
		"are dropped\n", res->profile_id,
		ct_cli_payload_num(tree, "sessions", s, sizeof(s)),
		ct_cli_payload_num(tree, "messages", m, sizeof(m)),
		ct_cli_payload_num(tree, "summaries", c, sizeof(c)),
		res->erasure_id);
	yajl_tree_free(tree);
}

/*
 * convtrack erase: one transaction through erase_profile(), the same as a
 * profile-erasure-requested event.  Needs the configuration for the hash
 * key, so it connects itself.
 */
static int ct_cli_erase(const struct ct_config *cfg, const struct ct_cli_opts *o,
			FILE *out)
{
	struct ct_repo_erase_request req = {
		.username = o->username, .profile_id = o->profile, .source = "cli",
		.requested_by = o->requested_by, .reason = o->reason,
	};
	bool demo_key;
	const char *key = ct_privacy_hash_key(cfg, &demo_key);
	struct ct_repo_erase_result res;
	enum ct_repo_status st;
	struct ct_repo *repo;

	if (!o->username == !o->profile || o->noperands) {
		fprintf(stderr, "convtrack: usage: convtrack erase (--username U | "
			"--profile UUID) [--requested-by WHO] [--reason TEXT] "
			"[--json]\n");
		return CT_CLI_USAGE;
	}
	if (o->profile && !ct_cli_is_uuid(o->profile)) {
		fprintf(stderr, "convtrack: '%s' is not a UUID\n", o->profile);
		return CT_CLI_USAGE;
	}
	if (demo_key)
		fprintf(stderr, "convtrack: warning: redact.hash_key is not set; "
			"the denylist uses the PUBLIC demo key\n");
	repo = ct_cli_connect(cfg);
	if (!repo)
		return CT_CLI_UNREACHABLE;
	st = ct_repo_set_hash_key(repo, key, strlen(key));
	if (st == CT_REPO_OK)
		st = ct_repo_erase(repo, &req, &res);
	if (st != CT_REPO_OK) {
		int rc = ct_cli_failed(repo, st);

		ct_repo_free(repo);
		return rc;
	}
	ct_repo_free(repo);
	if (!res.found) {
		fprintf(stderr, "convtrack: no profile with %s '%s'; nothing erased\n",
			o->username ? "username" : "id",
			o->username ? o->username : o->profile);
		return CT_CLI_NOT_FOUND;
	}
	if (o->json)
		fprintf(out, "%s\n", res.payload);
	else
		ct_cli_erase_text(&res, out);
	ct_repo_erase_result_clear(&res);
	return CT_CLI_OK;
}

/* True when s is a YYYY-MM-DD date (the server checks the calendar). */
static bool ct_cli_is_date(const char *s)
{
	static const char pat[] = "dddd-dd-dd";
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (i = 0; pat[i]; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
			return false;
	return true;
}

/*
 * convtrack report: the analytics views' figures in the terminal, the same
 * ones the Grafana dashboard shows.
 */
static int ct_cli_report(struct ct_repo *repo, const struct ct_cli_opts *o,
			 FILE *out)
{
	static const struct {
		enum ct_repo_query q;
		const char *key, *title;
	} parts[] = {
		{ CT_Q_REPORT_HEADLINE, "headline", "Headline figures" },
		{ CT_Q_REPORT_ENGAGEMENT, "engagement", "Engagement by profile type (people, all time)" },
		{ CT_Q_REPORT_TOPICS, "topics", "Outcomes by topic (all time)" },
		{ CT_Q_REPORT_FCR, "first_contact_resolution",
		  "First-contact resolution: resolved, no repeat on the topic within 7 days" },
		{ CT_Q_REPORT_DAILY, "daily", "By day (UTC)" },
	};
	struct ct_repo_table t[sizeof(parts) / sizeof(parts[0])];
	const char *params[1] = { o->since };
	enum ct_repo_status st = CT_REPO_OK;
	size_t i, n = sizeof(parts) / sizeof(parts[0]), done = 0;
	int rc = CT_CLI_OK;

	if (o->noperands || (o->since && !ct_cli_is_date(o->since))) {
		fprintf(stderr, "convtrack: usage: convtrack report [--since YYYY-MM-DD] "
			"[--json]\n");
		return CT_CLI_USAGE;
	}
	for (i = 0; i < n && st == CT_REPO_OK; i++, done++)
		st = ct_repo_query(repo, parts[i].q, params, &t[i]);
	if (st != CT_REPO_OK) {
		rc = ct_cli_failed(repo, st);
		done--;
	} else if (o->json) {
		yajl_gen g = yajl_gen_alloc(NULL);

		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_map_open(g);
		for (i = 0; i < n; i++) {
			ct_cli_json_key(g, parts[i].key);
			if (i == 0 && t[i].nrows == 1)
				ct_cli_json_row(g, &t[i], 0);
			else
				ct_cli_json_rows(g, &t[i]);
		}
		yajl_gen_map_close(g);
		ct_cli_json_print(g, out);
		yajl_gen_free(g);
	} else {
		for (i = 0; i < n; i++) {
			fprintf(out, "%s%s\n", i ? "\n" : "", parts[i].title);
			if (i == 0 && t[i].nrows == 1)
				ct_cli_text_record(&t[i], out);
			else
				ct_cli_text_table(&t[i], out);
		}
	}
	for (i = 0; i < done; i++)
		ct_repo_table_free(&t[i]);
	return rc;
}

/*
 * retention run: one whole retention pass now, with the configuration's
 * retention.messages_days, so it needs the configuration and connects
 * itself.  Refused while retention is off.
 */
static int ct_cli_retention(const struct ct_config *cfg,
			    const struct ct_cli_opts *o, FILE *out)
{
	struct ct_retention_stats s;
	enum ct_repo_status st;
	struct ct_repo *repo;

	if (o->noperands != 1 || strcmp(o->operands[0], "run") != 0) {
		fprintf(stderr, "convtrack: usage: convtrack retention run [--json]\n");
		return CT_CLI_USAGE;
	}
	if (cfg->retention_messages_days <= 0) {
		fprintf(stderr, "convtrack: retention is off (retention.messages_days"
			" is 0): nothing purged\n");
		return CT_CLI_NOT_FOUND;
	}
	repo = ct_cli_connect(cfg);
	if (!repo)
		return CT_CLI_UNREACHABLE;
	st = ct_retention_run(cfg, repo, &s);
	if (st != CT_REPO_OK) {
		int rc = ct_cli_failed(repo, st);

		ct_repo_free(repo);
		return rc;
	}
	ct_repo_free(repo);
	if (o->json)
		fprintf(out, "{\"cutoff\":\"%s\",\"sessions_checked\":%lld,"
			"\"sessions_purged\":%lld,\"messages_purged\":%lld}\n",
			s.cutoff, s.checked, s.sessions, s.messages);
	else
		fprintf(out, "retention pass: text older than %s (%d days)\n"
			"  messages purged   %lld\n  sessions purged   %lld\n"
			"  sessions checked  %lld\n", s.cutoff,
			cfg->retention_messages_days, s.messages, s.sessions, s.checked);
	return CT_CLI_OK;
}

/* How dead-letter list and replay print what they visit. */
struct ct_cli_dl {
	const struct ct_cli_opts *o;
	FILE *out;
	yajl_gen g; /* list --json */
};

/* A string member of a record, or null. */
static void ct_cli_json_strn(yajl_gen g, const char *key, const char *val,
			     size_t len)
{
	ct_cli_json_key(g, key);
	if (val)
		yajl_gen_string(g, (const unsigned char *)val, len);
	else
		yajl_gen_null(g);
}

/* A number member that may be absent (-1): null then. */
static void ct_cli_json_num(yajl_gen g, const char *key, long long v)
{
	ct_cli_json_key(g, key);
	if (v >= 0)
		yajl_gen_integer(g, v);
	else
		yajl_gen_null(g);
}

static int ct_cli_dl_list_one(void *arg, const struct ct_dltool_record *r)
{
	struct ct_cli_dl *dl = arg;
	yajl_gen g = dl->g;

	if (!g) {
		char src[32] = "-", off[32] = "-";

		if (r->source_partition >= 0)
			snprintf(src, sizeof(src), "%lld", r->source_partition);
		if (r->source_offset >= 0)
			snprintf(off, sizeof(off), "%lld", r->source_offset);
		fprintf(dl->out, "%" PRId32 ":%-8" PRId64 " %-32s %s[%s]@%s  %.*s\n",
			r->partition, r->offset, r->reason ? r->reason : "-",
			r->source_topic ? r->source_topic : "-", src, off,
			r->payload ? (int)(r->len < 60 ? r->len : 60) : 11,
			r->payload ? (const char *)r->payload : "(tombstone)");
		return 0;
	}
	yajl_gen_map_open(g);
	ct_cli_json_key(g, "partition");
	yajl_gen_integer(g, r->partition);
	ct_cli_json_key(g, "offset");
	yajl_gen_integer(g, r->offset);
	ct_cli_json_strn(g, "reason", r->reason, r->reason ? strlen(r->reason) : 0);
	ct_cli_json_strn(g, "source_topic", r->source_topic,
			 r->source_topic ? strlen(r->source_topic) : 0);
	ct_cli_json_num(g, "source_partition", r->source_partition);
	ct_cli_json_num(g, "source_offset", r->source_offset);
	ct_cli_json_key(g, "redacted");
	yajl_gen_bool(g, r->redacted);
	ct_cli_json_strn(g, "key", r->key, r->key_len);
	/* payloads may be invalid UTF-8: yajl_gen validates, so check */
	ct_cli_json_key(g, "payload");
	if (!r->payload || yajl_gen_string(g, r->payload, r->len) !=
				   yajl_gen_status_ok)
		yajl_gen_null(g);
	yajl_gen_map_close(g);
	return 0;
}

static int ct_cli_dl_replay_one(void *arg, const struct ct_dltool_record *r)
{
	struct ct_cli_dl *dl = arg;

	if (r->skipped) {
		fprintf(stderr, "convtrack: %" PRId32 ":%" PRId64 " has no source "
			"topic header; skipped\n", r->partition, r->offset);
		return 0;
	}
	fprintf(dl->out, "%s %" PRId32 ":%" PRId64 " -> %s\n",
		dl->o->dry_run ? "would replay" : "replaying", r->partition,
		r->offset, r->source_topic);
	return 0;
}

static int ct_cli_dead_letter_list(const struct ct_config *cfg,
				   const struct ct_cli_opts *o,
				   const struct ct_dltool_filter *f, FILE *out)
{
	struct ct_cli_dl dl = { o, out, NULL };
	char err[512];
	int n;

	if (o->json) {
		dl.g = yajl_gen_alloc(NULL);
		yajl_gen_config(dl.g, yajl_gen_validate_utf8, 1);
		yajl_gen_array_open(dl.g);
	} else {
		fprintf(out, "%-10s %-32s %s  %s\n", "position", "reason",
			"source[partition]@offset", "payload");
	}
	n = ct_dltool_list(cfg, f, ct_cli_dl_list_one, &dl, err, sizeof(err));
	if (dl.g) {
		yajl_gen_array_close(dl.g);
		if (n >= 0)
			ct_cli_json_print(dl.g, out);
		yajl_gen_free(dl.g);
	} else if (n >= 0) {
		fprintf(out, "%d record%s\n", n, n == 1 ? "" : "s");
	}
	if (n < 0) {
		fprintf(stderr, "convtrack: %s\n", err);
		return CT_CLI_UNREACHABLE;
	}
	return CT_CLI_OK;
}

/* dead-letter list|replay: Kafka only, no database. */
static int ct_cli_dead_letter(const struct ct_config *cfg,
			      const struct ct_cli_opts *o, FILE *out)
{
	struct ct_dltool_filter f = { o->reason, (int)o->partition, o->offset,
				      0 };
	bool list = o->noperands == 1 && strcmp(o->operands[0], "list") == 0;
	bool replay = o->noperands == 1 && strcmp(o->operands[0], "replay") == 0;
	struct ct_cli_dl dl = { o, out, NULL };
	char err[512];
	int n;

	if ((!list && !replay) || (o->offset >= 0 && o->partition < 0)) {
		fprintf(stderr, "convtrack: usage: convtrack dead-letter list "
			"[--reason PREFIX] [--partition P [--offset O]] [--limit N] "
			"[--json]\n       convtrack dead-letter replay (--all | "
			"--reason PREFIX | --partition P --offset O) [--dry-run]\n");
		return CT_CLI_USAGE;
	}
	if (list) {
		f.limit = o->limit;
		return ct_cli_dead_letter_list(cfg, o, &f, out);
	}
	if (!o->all && !o->reason && o->offset < 0) {
		fprintf(stderr, "convtrack: replay needs --all, --reason or "
			"--partition/--offset, so nothing is replayed by accident\n");
		return CT_CLI_USAGE;
	}
	n = ct_dltool_replay(cfg, &f, o->dry_run, ct_cli_dl_replay_one, &dl, err,
			     sizeof(err));
	if (n < 0) {
		fprintf(stderr, "convtrack: %s\n", err);
		return CT_CLI_UNREACHABLE;
	}
	fprintf(out, "%d record%s %s\n", n, n == 1 ? "" : "s",
		o->dry_run ? "would be replayed" : "replayed");
	return n == 0 ? CT_CLI_NOT_FOUND : CT_CLI_OK;
}

static const struct {
	const char *name;
	int (*run)(struct ct_repo *repo, const struct ct_cli_opts *o, FILE *out);
	/* commands that need the configuration (Kafka, the hash key) */
	int (*run_kafka)(const struct ct_config *cfg, const struct ct_cli_opts *o,
			 FILE *out);
	const char *usage;
} ct_cli_commands[] = {
	{ "profile", ct_cli_profile, NULL,
	  "profile show (--username U | --anonymous-id A | --id UUID) [--json]" },
	{ "profile", ct_cli_profile, NULL,
	  "profile history (--username U | --anonymous-id A | --id UUID) [--json]" },
	{ "profile", ct_cli_profile, NULL,
	  "profile merges (--username U | --anonymous-id A | --id UUID) [--json]" },
	{ "summaries", ct_cli_summaries, NULL,
	  "summaries --profile UUID [--limit N] [--json]" },
	{ "merge", ct_cli_merge, NULL,
	  "merge ANONYMOUS_PROFILE_ID AUTHENTICATED_PROFILE_ID" },
	{ "unmerge", ct_cli_unmerge, NULL, "unmerge ANONYMOUS_PROFILE_ID [--json]" },
	{ "shared-devices", ct_cli_shared_devices, NULL,
	  "shared-devices [list | apply-policy] [--json]" },
	{ "erase", NULL, ct_cli_erase,
	  "erase (--username U | --profile UUID) [--requested-by WHO]"
	  " [--reason TEXT] [--json]" },
	{ "report", ct_cli_report, NULL, "report [--since YYYY-MM-DD] [--json]" },
	{ "retention", NULL, ct_cli_retention, "retention run [--json]" },
	{ "dead-letter", NULL, ct_cli_dead_letter,
	  "dead-letter list [--reason PREFIX] [--partition P [--offset O]] [--json]" },
	{ "dead-letter", NULL, ct_cli_dead_letter,
	  "dead-letter replay (--all | --reason PREFIX | --partition P --offset O)"
	  " [--dry-run]" },
};

#define CT_CLI_NCOMMANDS (sizeof(ct_cli_commands) / sizeof(ct_cli_commands[0]))

bool ct_cli_has(const char *name)
{
	size_t i;

	for (i = 0; i < CT_CLI_NCOMMANDS; i++)
		if (strcmp(ct_cli_commands[i].name, name) == 0)
			return true;
	return false;
}

void ct_cli_usage(FILE *out)
{
	size_t i;

	for (i = 0; i < CT_CLI_NCOMMANDS; i++)
		fprintf(out, "  %s\n", ct_cli_commands[i].usage);
}

int ct_cli_run(const struct ct_config *cfg, const char *name, int nargs,
	       char **args, FILE *out)
{
	struct ct_cli_opts o;
	struct ct_repo *repo;
	size_t i;
	int rc;

	for (i = 0; i < CT_CLI_NCOMMANDS; i++)
		if (strcmp(ct_cli_commands[i].name, name) == 0)
			break;
	if (i == CT_CLI_NCOMMANDS)
		return CT_CLI_USAGE;
	if (ct_cli_parse(nargs, args, &o) < 0)
		return CT_CLI_USAGE;
	o.policy = cfg->merge_shared_device_policy;
	if (ct_cli_commands[i].run_kafka)
		return ct_cli_commands[i].run_kafka(cfg, &o, out);
	repo = ct_cli_connect(cfg);
	if (!repo)
		return CT_CLI_UNREACHABLE;
	rc = ct_cli_commands[i].run(repo, &o, out);
	ct_repo_free(repo);
	return rc;
}
