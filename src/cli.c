/*
 * Operator commands (see include/convtrack/cli.h): parses their arguments
 * and runs them.  The repository runs the queries; cli_render.c prints
 * the results as aligned text or JSON and reports errors; cli_dl.c runs
 * the dead-letter commands.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "convtrack/cli.h"
#include "convtrack/hmac.h"
#include "convtrack/pgtext.h"
#include "convtrack/privacy.h"
#include "convtrack/repo.h"
#include "convtrack/retention.h"

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
		else if (strcmp(a, "--summarizer") == 0 && more)
			o->summarizer = args[++i];
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
				ct_cli_error("%s takes a number >= 0", a);
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
				ct_cli_error("--limit takes 1..100000");
				return -1;
			}
			o->limit = (int)v;
		} else if (a[0] != '-' && o->noperands < 2) {
			o->operands[o->noperands++] = a;
		} else {
			ct_cli_error("unexpected argument '%s'", a);
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

struct ct_repo *ct_cli_connect(const struct ct_config *cfg)
{
	struct ct_repo *repo = NULL;
	char err[512];

	if (ct_repo_connect(cfg->postgres_conninfo, cfg->postgres_password,
			    &repo, err, sizeof(err)) !=
	    CT_REPO_OK) {
		ct_cli_error("cannot connect to PostgreSQL: %s", err);
		return NULL;
	}
	return repo;
}

/* Exit code for a failed query, after printing why. */
int ct_cli_failed(struct ct_repo *repo, enum ct_repo_status st)
{
	ct_cli_error("%s", ct_repo_error(repo));
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
		ct_cli_error("profile show needs exactly one of "
			"--username U, --anonymous-id A, --id UUID");
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
			ct_cli_error("'%s' is not a UUID", key);
			return CT_CLI_USAGE;
		}
	}
	st = ct_repo_query(repo, q, &key, profile);
	if (st != CT_REPO_OK)
		return ct_cli_failed(repo, st);
	if (profile->nrows == 0) {
		ct_cli_error("no profile with %s '%s'", what, key);
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
		ct_cli_error("usage: convtrack profile show "
			"(--username U | --anonymous-id A | --id UUID) [--json]");
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
		ct_cli_error("usage: convtrack summaries --profile UUID "
			"[--limit N] [--json]");
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
		ct_cli_error("usage: convtrack merge ANONYMOUS_PROFILE_ID "
			"AUTHENTICATED_PROFILE_ID");
		return CT_CLI_USAGE;
	}
	for (i = 0; i < 2; i++) {
		if (!ct_cli_is_uuid(o->operands[i])) {
			ct_cli_error("'%s' is not a UUID", o->operands[i]);
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
			ct_cli_json_text(g, NULL, id);
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
			ct_cli_error("'%s' is not a UUID", o->id);
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
		ct_cli_error("no profile with id '%s'", id);
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
		ct_cli_error("usage: convtrack unmerge "
			"ANONYMOUS_PROFILE_ID [--json]");
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
		ct_cli_error("usage: convtrack shared-devices "
			"[list | apply-policy] [--json]");
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
 * The profile_erased event that the erasure queued, as published except
 * that its occurred_at has milliseconds, like every time the commands
 * print.
 */
static void ct_cli_erase_json(const struct ct_repo_erase_result *res, FILE *out)
{
	yajl_val tree = yajl_tree_parse(res->payload, NULL, 0);
	yajl_gen g;

	if (!tree) {
		fprintf(out, "%s\n", res->payload);
		return;
	}
	g = yajl_gen_alloc(NULL);
	ct_cli_json_value(g, NULL, tree);
	ct_cli_json_print(g, out);
	yajl_gen_free(g);
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
		ct_cli_error("usage: convtrack erase (--username U | "
			"--profile UUID) [--requested-by WHO] [--reason TEXT] "
			"[--json]");
		return CT_CLI_USAGE;
	}
	if (o->profile && !ct_cli_is_uuid(o->profile)) {
		ct_cli_error("'%s' is not a UUID", o->profile);
		return CT_CLI_USAGE;
	}
	if (demo_key)
		ct_cli_warn("redact.hash_key is not set; the denylist uses the "
			    "PUBLIC demo key");
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
		ct_cli_error("no profile with %s '%s'; nothing erased",
			o->username ? "username" : "id",
			o->username ? o->username : o->profile);
		return CT_CLI_NOT_FOUND;
	}
	if (o->json)
		ct_cli_erase_json(&res, out);
	else
		ct_cli_erase_text(&res, out);
	ct_repo_erase_result_clear(&res);
	return CT_CLI_OK;
}

/* True when s is a YYYY-MM-DD date (the server checks the calendar). */
bool ct_cli_is_date(const char *s)
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
		ct_cli_error("usage: convtrack report [--since YYYY-MM-DD] "
			"[--json]");
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
		ct_cli_error("usage: convtrack retention run [--json]");
		return CT_CLI_USAGE;
	}
	if (cfg->retention_messages_days <= 0) {
		ct_cli_error("retention is off (retention.messages_days"
			" is 0): nothing purged");
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
	if (o->json) {
		yajl_gen g = yajl_gen_alloc(NULL);
		char cutoff[CT_PGTEXT_TIME_LEN];

		yajl_gen_map_open(g);
		ct_cli_json_key(g, "cutoff");
		if (ct_pgtext_time(s.cutoff, cutoff) < 0)
			snprintf(cutoff, sizeof(cutoff), "%.*s",
				 (int)sizeof(cutoff) - 1, s.cutoff);
		yajl_gen_string(g, (const unsigned char *)cutoff, strlen(cutoff));
		ct_cli_json_key(g, "sessions_checked");
		yajl_gen_integer(g, s.checked);
		ct_cli_json_key(g, "sessions_purged");
		yajl_gen_integer(g, s.sessions);
		ct_cli_json_key(g, "messages_purged");
		yajl_gen_integer(g, s.messages);
		yajl_gen_map_close(g);
		ct_cli_json_print(g, out);
		yajl_gen_free(g);
	}
	else
		fprintf(out, "retention pass: text older than %s (%d days)\n"
			"  messages purged   %lld\n  sessions purged   %lld\n"
			"  sessions checked  %lld\n", s.cutoff,
			cfg->retention_messages_days, s.messages, s.sessions, s.checked);
	return CT_CLI_OK;
}

/* How dead-letter list and replay print what they visit. */
static const struct {
	const char *name;
	int (*run)(struct ct_repo *repo, const struct ct_cli_opts *o, FILE *out);
	/* commands that need the configuration (Kafka, the hash key) */
	int (*run_cfg)(const struct ct_config *cfg, const struct ct_cli_opts *o,
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
	{ "classify", NULL, ct_cli_classify,
	  "classify < JSON lines {\"text\": ...}   (the worker's text rules)" },
	{ "analyze", NULL, ct_cli_analyze,
	  "analyze [--summarizer rules|llm] < JSON lines {\"turns\": "
	  "[{\"role\", \"content\"}], \"end_reason\", \"duration_seconds\"}" },
	{ "resummarize", NULL, ct_cli_resummarize,
	  "resummarize [--since YYYY-MM-DD] [--dry-run] [--json]" },
	{ "dead-letter", NULL, ct_cli_dead_letter,
	  "dead-letter list [--reason PREFIX] [--partition P [--offset O]] [--json]" },
	{ "dead-letter", NULL, ct_cli_dead_letter,
	  "dead-letter replay (--all | --reason PREFIX | --partition P --offset O)"
	  " [--dry-run] [--json]" },
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

int ct_cli_fail(int nargs, char **args, const char *what, const char *msg)
{
	int i;

	for (i = 0; i < nargs; i++)
		if (strcmp(args[i], "--json") == 0)
			ct_cli_json_errors_on();
	ct_cli_error("%s: %s", what, msg);
	return ct_cli_done(CT_CLI_USAGE);
}

int ct_cli_run(const struct ct_config *cfg, const char *name, int nargs,
	       char **args, FILE *out)
{
	struct ct_cli_opts o;
	struct ct_repo *repo;
	size_t i;
	int rc;

	for (i = 0; i < (size_t)nargs; i++)
		if (strcmp(args[i], "--json") == 0)
			ct_cli_json_errors_on();
	for (i = 0; i < CT_CLI_NCOMMANDS; i++)
		if (strcmp(ct_cli_commands[i].name, name) == 0)
			break;
	if (i == CT_CLI_NCOMMANDS) {
		ct_cli_error("unknown command '%s'", name);
		return ct_cli_done(CT_CLI_USAGE);
	}
	if (ct_cli_parse(nargs, args, &o) < 0)
		return ct_cli_done(CT_CLI_USAGE);
	o.policy = cfg->merge_shared_device_policy;
	if (ct_cli_commands[i].run_cfg)
		return ct_cli_done(ct_cli_commands[i].run_cfg(cfg, &o, out));
	repo = ct_cli_connect(cfg);
	if (!repo)
		return ct_cli_done(CT_CLI_UNREACHABLE);
	rc = ct_cli_commands[i].run(repo, &o, out);
	ct_repo_free(repo);
	return ct_cli_done(rc);
}
