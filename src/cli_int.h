/*
 * Private to the operator commands (src/cli*.c): their options, exit
 * codes, error reporting and rendering.  cli.c parses and runs the
 * commands; cli_render.c prints tables as aligned text or JSON and reports
 * errors (as JSON with --json); cli_dl.c runs dead-letter list and replay;
 * cli_resummarize.c runs resummarize; cli_text.c runs classify and
 * analyze.
 */
#ifndef CONVTRACK_CLI_INT_H
#define CONVTRACK_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "convtrack/config.h"
#include "convtrack/repo.h"

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
	const char *summarizer; /* analyze --summarizer rules|llm */
	long long partition, offset;
	int limit;
	bool json, all, dry_run;
	const char *operands[2];
	int noperands;
};

/*
 * Errors and warnings.  With --json (ct_cli_json_errors_on()), they go to
 * stderr as JSON, one object a line: a warning as it happens
 * ({"warning": "..."}), the error when the command ends ({"error": "...",
 * "code": N}, N the exit code, see ct_cli_done()).  Without it, as
 * "convtrack: ..." lines.
 */
void ct_cli_json_errors_on(void);
void ct_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ct_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends a command with exit code rc: prints the JSON error, returns rc. */
int ct_cli_done(int rc);

/*
 * A string as JSON; under a key ending in "_at" (key may be NULL) a time
 * is rewritten as RFC 3339 in UTC with milliseconds.
 */
void ct_cli_json_text(yajl_gen g, const char *key, const char *s);

/* A parsed JSON value, times under "*_at" keys rewritten as above. */
void ct_cli_json_value(yajl_gen g, const char *key, yajl_val v);

/* Row r of t as a JSON object; all of t as an array of them. */
void ct_cli_json_row(yajl_gen g, const struct ct_repo_table *t, size_t r);
void ct_cli_json_rows(yajl_gen g, const struct ct_repo_table *t);

/* An object's key. */
void ct_cli_json_key(yajl_gen g, const char *key);

/* Prints what g holds and a newline to out. */
void ct_cli_json_print(yajl_gen g, FILE *out);

/* t as an aligned table; its first row as "name  value" lines; summaries. */
void ct_cli_text_table(const struct ct_repo_table *t, FILE *out);
void ct_cli_text_record(const struct ct_repo_table *t, FILE *out);
void ct_cli_text_summaries(const struct ct_repo_table *t, FILE *out);

/* Connects to PostgreSQL, or says why not and returns NULL. */
struct ct_repo *ct_cli_connect(const struct ct_config *cfg);

/* Exit code for a failed query, after saying why. */
int ct_cli_failed(struct ct_repo *repo, enum ct_repo_status st);

/* True when s is a YYYY-MM-DD date (the server checks the calendar). */
bool ct_cli_is_date(const char *s);

/* resummarize: stored summaries recomputed with the current rules. */
int ct_cli_resummarize(const struct ct_config *cfg, const struct ct_cli_opts *o,
		       FILE *out);

/* classify and analyze: the text path over JSON lines on stdin. */
int ct_cli_classify(const struct ct_config *cfg, const struct ct_cli_opts *o,
		    FILE *out);
int ct_cli_analyze(const struct ct_config *cfg, const struct ct_cli_opts *o,
		   FILE *out);

/*
 * The JSON-lines loops of classify and analyze over in, with models the
 * caller loaded (ct_banking_new(), ct_sentiment_new(), ct_summarizer_new())
 * and keeps: what the two commands run over stdin, apart so that
 * tests/fuzz/fuzz_analyze.c runs exactly that path.  Returns CT_CLI_OK, or
 * CT_CLI_NOT_FOUND when any line was bad (said through ct_cli_error()).
 */
struct ct_banking;
struct ct_sentiment;
struct ct_summarizer;
int ct_cli_classify_stream(struct ct_banking *banking,
			   struct ct_sentiment *sentiment, FILE *in, FILE *out);
int ct_cli_analyze_stream(const struct ct_summarizer *sum, FILE *in,
			  FILE *out);

/* dead-letter list|replay: Kafka only, no database. */
int ct_cli_dead_letter(const struct ct_config *cfg, const struct ct_cli_opts *o,
		       FILE *out);

#endif
