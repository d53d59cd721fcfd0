/*
 * convtrack: the program's entry point.  Parses the command line, loads the
 * configuration and wires the modules together for each subcommand; the
 * lifecycle (signals, orderly shutdown, exit codes) lives here and nowhere
 * else.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtrack/api.h"
#include "convtrack/clock.h"
#include "convtrack/cli.h"
#include "convtrack/config.h"
#include "convtrack/consumer.h"
#include "convtrack/http.h"
#include "convtrack/jobs.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/pipeline.h"
#include "convtrack/privacy.h"
#include "convtrack/repo.h"

static volatile sig_atomic_t ct_main_stop;

static void ct_main_on_signal(int sig)
{
	(void)sig;
	ct_main_stop = 1;
}

struct ct_main_args {
	const char *config_path;
	const char *command;
	int print_config;
	int check_config;
	int help;
	char **rest; /* an operator command's own arguments */
	int nrest;
};

static void ct_main_usage(FILE *out)
{
	fputs("usage: convtrack [--config FILE] [--print-config] COMMAND\n"
	      "\n"
	      "Commands:\n"
	      "  migrate               apply the schema migrations (idempotent)\n"
	      "  run                   run the worker until SIGTERM/SIGINT\n"
	      "  run --check-config    validate the configuration and exit\n"
	      "  serve                 serve the caller API (serve.*) until\n"
	      "                        SIGTERM/SIGINT\n"
	      "  version               print the version\n"
	      "  help                  print this help\n"
	      "\n"
	      "Operator commands:\n",
	      out);
	ct_cli_usage(out);
	fputs("\n"
	      "Options:\n"
	      "  --config FILE         libconfig file (see deploy/convtrack.conf)\n"
	      "  --print-config        print the effective configuration, secrets\n"
	      "                        masked, and exit\n"
	      "  --check-config        with run or serve: exit 0 when the\n"
	      "                        configuration is valid, 2 when it is not\n"
	      "\n"
	      "Every setting can be overridden by CONVTRACK_<SECTION>_<KEY>, e.g.\n"
	      "CONVTRACK_KAFKA_BROKERS, CONVTRACK_POSTGRES_CONNINFO.\n",
	      out);
}

/* Returns 0, or -1 after printing what is wrong. */
static int ct_main_parse(int argc, char **argv, struct ct_main_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (a->command && ct_cli_has(a->command)) {
			/* the rest belongs to the operator command */
			a->rest = argv + i;
			a->nrest = argc - i;
			return 0;
		}
		if (strcmp(arg, "--config") == 0 && i + 1 < argc) {
			a->config_path = argv[++i];
		} else if (strncmp(arg, "--config=", 9) == 0) {
			a->config_path = arg + 9;
		} else if (strcmp(arg, "--print-config") == 0) {
			a->print_config = 1;
		} else if (strcmp(arg, "--check-config") == 0) {
			a->check_config = 1;
		} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			a->help = 1;
		} else if (arg[0] == '-') {
			fprintf(stderr, "convtrack: unknown option %s\n", arg);
			return -1;
		} else if (!a->command) {
			a->command = arg;
		} else {
			fprintf(stderr, "convtrack: unexpected argument %s\n", arg);
			return -1;
		}
	}
	return 0;
}

/* Connects, retrying while the server is unreachable and no stop is asked. */
static struct ct_repo *ct_main_connect(const struct ct_config *cfg, int forever)
{
	struct ct_repo *repo = NULL;
	char err[512];
	int attempts = 0;

	while (ct_repo_connect(cfg->postgres_conninfo, cfg->postgres_password,
			       &repo, err, sizeof(err)) !=
	       CT_REPO_OK) {
		ct_log(CT_LOG_WARN, "PostgreSQL unreachable: %s", err);
		/* unless forever, the fifth failed attempt is the last */
		if (ct_main_stop || (!forever && attempts >= 4))
			return NULL;
		ct_sleep_ms(ct_backoff_ms(cfg->retry_initial_ms, cfg->retry_max_ms,
					  attempts++));
	}
	return repo;
}

/*
 * Checks that the schema is up to date.  A connection lost meanwhile (the
 * server stopping just after ct_main_connect() reached it) is retried with
 * backoff like the connection itself; CT_REPO_TRANSIENT is returned only
 * when a stop was asked meanwhile.  Anything else (a migration missing) is
 * logged and returned.
 */
static enum ct_repo_status ct_main_check_schema(const struct ct_config *cfg,
						struct ct_repo *repo)
{
	enum ct_repo_status st;
	int attempts = 0;

	while ((st = ct_repo_check_schema(repo)) == CT_REPO_TRANSIENT &&
	       !ct_main_stop) {
		ct_log(CT_LOG_WARN, "PostgreSQL unreachable: %s", ct_repo_error(repo));
		ct_sleep_ms(ct_backoff_ms(cfg->retry_initial_ms, cfg->retry_max_ms,
					  attempts++));
	}
	if (st != CT_REPO_OK && st != CT_REPO_TRANSIENT)
		ct_log(CT_LOG_ERROR, "%s", ct_repo_error(repo));
	return st;
}

static int ct_main_migrate(const struct ct_config *cfg)
{
	struct ct_repo *repo = ct_main_connect(cfg, 0);
	int applied = 0, sealed = 0, filtered = 0, merged = 0;

	if (!repo) {
		fprintf(stderr, "convtrack: cannot connect to PostgreSQL\n");
		return 1;
	}
	if (ct_repo_migrate(repo, &applied) != CT_REPO_OK) {
		fprintf(stderr, "convtrack: migrate failed: %s\n", ct_repo_error(repo));
		ct_repo_free(repo);
		return 1;
	}
	printf("migrations applied: %d (schema up to date)\n", applied);
	/* the filters of sealed message-id runs that have none: run 1 of a
	 * database that had messages before schema 15 (docs/history-cost.md) */
	if (ct_repo_registry_maintain(repo, INT64_MAX, 0, &sealed, &filtered,
				      &merged) != CT_REPO_OK) {
		fprintf(stderr, "convtrack: migrate: building message-id filters failed: %s\n",
			ct_repo_error(repo));
		ct_repo_free(repo);
		return 1;
	}
	if (filtered)
		printf("message-id filters built: %d\n", filtered);
	ct_repo_free(repo);
	return 0;
}

/*
 * Builds the redactor of the run command (NULL when redact.enabled is
 * false) and says loudly when it uses the public demo key.  Returns 0, or
 * -1 after printing why (a configuration error).
 */
static int ct_main_redactor(const struct ct_config *cfg, bool from_file,
			    struct ct_redact **r)
{
	char err[512];
	bool demo = false;

	if (ct_privacy_redactor_new(cfg, from_file, r, &demo, err,
				    sizeof(err)) < 0) {
		fprintf(stderr, "convtrack: configuration: %s\n", err);
		return -1;
	}
	(void)demo; /* ct_main_run() warns about the key once, for all uses */
	if (!*r)
		ct_log(CT_LOG_WARN, "redact.enabled is false: message text is "
		       "stored and logged as received");
	return 0;
}

static int ct_main_run(const struct ct_config *cfg, struct ct_redact *redact)
{
	struct ct_jobs *jobs = NULL;
	struct ct_consumer *consumer = NULL;
	struct ct_pipeline *pipeline = NULL;
	struct ct_repo *repos[16] = { NULL };
	struct ct_http *http = NULL;
	struct ct_repo *repo;
	struct sigaction sa;
	enum ct_repo_status st;
	char err[512];
	int rc = 1, i, nrepos = cfg->batch_parallelism;
	bool demo_key;
	const char *key = ct_privacy_hash_key(cfg, &demo_key);

	if (!cfg->kafka_brokers || !*cfg->kafka_brokers) {
		fprintf(stderr, "convtrack: kafka.brokers is not set "
			"(CONVTRACK_KAFKA_BROKERS or the config file)\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ct_main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (cfg->http_port && ct_http_start(cfg->http_port, &http, err, sizeof(err)) < 0) {
		ct_log(CT_LOG_ERROR, "%s", err);
		return 1;
	}
	/* one connection per part of a batch (batch.parallelism) */
	for (i = 0; i < nrepos; i++) {
		repos[i] = ct_main_connect(cfg, 1);
		if (!repos[i]) {
			rc = ct_main_stop ? 0 : 1;
			goto out_free_repo;
		}
		ct_repo_set_grace_ms(repos[i], cfg->summary_grace_ms);
		ct_repo_set_shared_device_policy(repos[i],
						 cfg->merge_shared_device_policy);
		if (ct_repo_set_hash_key(repos[i], key, strlen(key)) !=
		    CT_REPO_OK) {
			ct_log(CT_LOG_ERROR, "%s", ct_repo_error(repos[i]));
			goto out_free_repo;
		}
	}
	repo = repos[0];
	if (ct_repo_is_superuser(repo)) {
		if (!cfg->postgres_allow_superuser) {
			ct_log(CT_LOG_ERROR, "refusing to run as a PostgreSQL "
			       "superuser: it may do anything to any database of "
			       "the cluster, which the worker never needs; connect "
			       "as a login role granted convtrack_worker (created "
			       "by `convtrack migrate`, see docs/privileges.md), or "
			       "set postgres.allow_superuser = true");
			rc = 2;
			goto out_free_repo;
		}
		ct_log(CT_LOG_WARN, "running as a PostgreSQL superuser "
		       "(postgres.allow_superuser = true); grant convtrack_worker "
		       "to a login role instead (docs/privileges.md)");
	}
	if (demo_key)
		ct_log(CT_LOG_WARN, "redact.hash_key is not set: the PUBLIC demo "
		       "key is used for the hashes of phone numbers and emails "
		       "in stored messages and for the erasure denylist, so they "
		       "protect nothing; set CONVTRACK_REDACT_HASH_KEY (with "
		       "hash modes a configuration file without it is "
		       "refused)");
	ct_metrics_set_db_ok(true);
	st = ct_main_check_schema(cfg, repo);
	if (st != CT_REPO_OK) {
		rc = st == CT_REPO_TRANSIENT ? 0 : 1; /* transient: stopped */
		goto out_free_repo;
	}
	if (ct_jobs_new(cfg, &jobs, err, sizeof(err)) < 0) {
		ct_log(CT_LOG_ERROR, "%s", err);
		goto out_free_jobs;
	}
	if (ct_consumer_new(cfg, &consumer, err, sizeof(err)) < 0) {
		ct_log(CT_LOG_ERROR, "kafka: %s", err);
		goto out_free_jobs;
	}
	if (ct_pipeline_new(cfg, consumer, redact, &pipeline, err,
			    sizeof(err)) < 0) {
		ct_log(CT_LOG_ERROR, "%s", err);
		goto out_free_consumer;
	}
	rc = ct_pipeline_run(pipeline, repos, (size_t)nrepos, jobs,
			     &ct_main_stop) == 0 ? 0 : 1;
	ct_pipeline_free(pipeline);
	ct_log(CT_LOG_INFO, "stopped%s", rc == 0 ? "" : " after a fatal error");
out_free_consumer:
	ct_consumer_free(consumer);
out_free_jobs:
	ct_jobs_free(jobs);
out_free_repo:
	for (i = 0; i < nrepos; i++)
		ct_repo_free(repos[i]);
	ct_http_stop(http);
	return rc;
}

/* convtrack serve: the caller API until SIGTERM or SIGINT. */
static int ct_main_serve(const struct ct_config *cfg)
{
	struct ct_api *api = NULL;
	struct sigaction sa;
	char err[512];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ct_main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (ct_api_start(cfg, &api, err, sizeof(err)) < 0) {
		fprintf(stderr, "convtrack: serve: %s\n", err);
		return 2;
	}
	while (!ct_main_stop)
		ct_sleep_ms(100);
	ct_api_stop(api);
	ct_log(CT_LOG_INFO, "serve: stopped");
	return 0;
}

int main(int argc, char **argv)
{
	struct ct_config *cfg = NULL;
	struct ct_main_args a;
	enum ct_log_level level;
	char err[512];
	int rc;

	if (ct_main_parse(argc, argv, &a) < 0) {
		ct_main_usage(stderr);
		return 2;
	}
	if (a.help || (a.command && strcmp(a.command, "help") == 0)) {
		ct_main_usage(stdout);
		return 0;
	}
	if (a.command && strcmp(a.command, "version") == 0) {
		printf("convtrack %s\n", CT_VERSION);
		return 0;
	}
	if (ct_config_load(a.config_path, &cfg, err, sizeof(err)) < 0) {
		if (a.command && ct_cli_has(a.command))
			return ct_cli_fail(a.nrest, a.rest, "configuration", err);
		fprintf(stderr, "convtrack: configuration: %s\n", err);
		return 2;
	}
	if (ct_log_level_parse(cfg->log_level, &level) == 0)
		ct_log_set_level(level);
	if (a.print_config) {
		ct_config_print(cfg, stdout);
		rc = 0;
	} else if (!a.command) {
		ct_main_usage(stderr);
		rc = 2;
	} else if (strcmp(a.command, "migrate") == 0) {
		rc = ct_main_migrate(cfg);
	} else if (strcmp(a.command, "run") == 0) {
		struct ct_redact *redact = NULL;

		rc = 2;
		if (ct_main_redactor(cfg, a.config_path != NULL, &redact) == 0) {
			/* no log line, whatever it echoes, carries clear data */
			ct_log_set_filter(ct_privacy_log_filter, redact);
			if (a.check_config)
				printf("configuration is valid\n");
			rc = a.check_config ? 0 : ct_main_run(cfg, redact);
			ct_log_set_filter(NULL, NULL);
		}
		ct_redact_free(redact);
	} else if (strcmp(a.command, "serve") == 0 && a.check_config) {
		rc = ct_api_check(cfg, err, sizeof(err)) == 0 ? 0 : 2;
		if (rc)
			fprintf(stderr, "convtrack: configuration: %s\n", err);
		else
			printf("configuration is valid\n");
	} else if (strcmp(a.command, "serve") == 0) {
		rc = ct_main_serve(cfg);
	} else if (ct_cli_has(a.command)) {
		rc = ct_cli_run(cfg, a.command, a.nrest, a.rest, stdout);
	} else {
		fprintf(stderr, "convtrack: unknown command '%s'\n", a.command);
		ct_main_usage(stderr);
		rc = 2;
	}
	ct_config_free(cfg);
	return rc;
}
