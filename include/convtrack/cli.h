/*
 * Operator commands: profile show|history|merges, summaries, merge,
 * unmerge, shared-devices, erase, report, retention run, dead-letter list
 * and replay.  Each prints a human-readable view by default, or with
 * --json one JSON document whose shape is schemas/cli/<command>.schema.json
 * (times in RFC 3339, UTC, milliseconds); exits 0 on success, 1 when what
 * was asked for does not exist or was refused, 2 on a usage error, and 3
 * when PostgreSQL or Kafka cannot be reached.  With --json a failure is
 * one {"error": "...", "code": N} line on stderr.
 */
#ifndef CONVTRACK_CLI_H
#define CONVTRACK_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "convtrack/config.h"

/* True when name is an operator command this module runs. */
bool ct_cli_has(const char *name);

/*
 * Runs command name with its arguments args[0..nargs) (options and
 * operands after the command word), writing to out.  Returns the exit code.
 */
int ct_cli_run(const struct ct_config *cfg, const char *name, int nargs,
	       char **args, FILE *out);

/*
 * Reports that an operator command cannot start (e.g. its configuration
 * does not load): "convtrack: what: msg" on stderr, or the JSON error
 * object when args[0..nargs) hold --json.  Returns the exit code, 2.
 */
int ct_cli_fail(int nargs, char **args, const char *what, const char *msg);

/* Prints the commands' usage lines. */
void ct_cli_usage(FILE *out);

#endif
