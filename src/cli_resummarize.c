/*
 * convtrack resummarize (src/cli_int.h): recomputes the stored summaries of
 * ended sessions with the current text rules (CT_SUMMARIZER_NAME), through
 * the scheduler's own path, so it is safe while workers run: each session
 * is locked as a tick locks it, and a new version and its
 * summary_generated event are written only where the summary's value
 * changed (rule 7).  With --dry-run nothing is written.  On a terminal it
 * shows its progress on stderr; it ends with the counts.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "convtrack/clock.h"
#include "convtrack/scheduler.h"
#include "convtrack/summarizer.h"

/* Sessions read per page, and tries of a session that fails transiently. */
#define CT_CLI_RESUM_PAGE 200
#define CT_CLI_RESUM_TRIES 5

struct ct_cli_resum {
	long long total, done, changed;
};

static void ct_cli_resum_print(const struct ct_cli_opts *o,
			       const struct ct_cli_resum *r, FILE *out)
{
	yajl_gen g;

	if (!o->json) {
		fprintf(out, "%lld session%s %s with %s: %lld %s, %lld unchanged\n",
			r->done, r->done == 1 ? "" : "s",
			o->dry_run ? "checked" : "resummarized", CT_SUMMARIZER_NAME,
			r->changed, o->dry_run ? "would change" :
			"changed (new versions, events queued)",
			r->done - r->changed);
		return;
	}
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	ct_cli_json_key(g, "summarizer");
	ct_cli_json_text(g, NULL, CT_SUMMARIZER_NAME);
	ct_cli_json_key(g, "since");
	if (o->since)
		ct_cli_json_text(g, NULL, o->since);
	else
		yajl_gen_null(g);
	ct_cli_json_key(g, "dry_run");
	yajl_gen_bool(g, o->dry_run);
	ct_cli_json_key(g, "sessions");
	yajl_gen_integer(g, r->done);
	ct_cli_json_key(g, "changed");
	yajl_gen_integer(g, r->changed);
	ct_cli_json_key(g, "unchanged");
	yajl_gen_integer(g, r->done - r->changed);
	yajl_gen_map_close(g);
	ct_cli_json_print(g, out);
	yajl_gen_free(g);
}

/* One session, retried while the failure is transient. */
static enum ct_repo_status ct_cli_resum_one(struct ct_scheduler *sch,
					    struct ct_repo *repo, const char *id,
					    bool dry_run, bool *changed)
{
	enum ct_repo_status st = CT_REPO_OK;
	int attempt;

	for (attempt = 0; attempt < CT_CLI_RESUM_TRIES; attempt++) {
		st = ct_scheduler_resummarize(sch, repo, id, dry_run, changed);
		if (st != CT_REPO_TRANSIENT)
			break;
		ct_sleep_ms(ct_backoff_ms(100, 2000, attempt));
	}
	return st;
}

int ct_cli_resummarize(const struct ct_config *cfg, const struct ct_cli_opts *o,
		       FILE *out)
{
	char (*ids)[CT_UUID_STRLEN + 1] = NULL;
	char after[CT_UUID_STRLEN + 1] = "";
	struct ct_cli_resum r = { 0 };
	bool tty = !o->json && isatty(fileno(stderr));
	struct ct_scheduler *sch = NULL;
	enum ct_repo_status st = CT_REPO_OK;
	struct ct_repo *repo;
	char err[256];
	size_t n, i;
	int rc = CT_CLI_OK;

	if (o->noperands || (o->since && !ct_cli_is_date(o->since))) {
		ct_cli_error("usage: convtrack resummarize [--since YYYY-MM-DD] "
			     "[--dry-run] [--json]");
		return CT_CLI_USAGE;
	}
	if (ct_scheduler_new(cfg, &sch, err, sizeof(err)) < 0) {
		ct_cli_error("%s", err);
		return CT_CLI_NOT_FOUND;
	}
	repo = ct_cli_connect(cfg);
	ids = calloc(CT_CLI_RESUM_PAGE, sizeof(*ids));
	if (!repo || !ids) {
		if (repo)
			ct_cli_error("out of memory");
		rc = CT_CLI_UNREACHABLE;
		goto out_free;
	}
	do {
		st = ct_repo_summarized_sessions(repo, o->since,
						 after[0] ? after : NULL,
						 CT_CLI_RESUM_PAGE, ids, &n,
						 r.done ? NULL : &r.total);
		for (i = 0; st == CT_REPO_OK && i < n; i++) {
			bool changed = false;

			st = ct_cli_resum_one(sch, repo, ids[i], o->dry_run, &changed);
			r.done += st == CT_REPO_OK;
			r.changed += st == CT_REPO_OK && changed;
			if (tty)
				fprintf(stderr, "\rresummarize: %lld/%lld sessions, "
					"%lld changed", r.done, r.total, r.changed);
		}
		if (n)
			snprintf(after, sizeof(after), "%s", ids[n - 1]);
	} while (st == CT_REPO_OK && n == CT_CLI_RESUM_PAGE);
	if (tty)
		fputc('\n', stderr);
	if (st != CT_REPO_OK) {
		rc = ct_cli_failed(repo, st);
		goto out_free;
	}
	ct_cli_resum_print(o, &r, out);
out_free:
	free(ids);
	ct_repo_free(repo);
	ct_scheduler_free(sch);
	return rc;
}
