/*
 * Operator commands: profile show, summaries, merge, erase, report,
 * retention run,
 * dead-letter list and replay.  Each prints a
 * human-readable view by default or JSON with --json, exits 0 on success, 1
 * when what was asked for does not exist or was refused, 2 on a usage
 * error, and 3 when PostgreSQL or Kafka cannot be reached.
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

/* Prints the commands' usage lines. */
void ct_cli_usage(FILE *out);

#endif
