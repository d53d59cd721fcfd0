/*
 * Dead-letter topic tools for operators: list what landed there and
 * re-inject records into their source topic after a fix.
 *
 * A dead-lettered record keeps its payload and key unchanged and carries
 * headers convtrack-error, convtrack-source-topic, convtrack-source-partition
 * and convtrack-source-offset (schemas/dead_letter.md).  Replaying produces
 * the same payload and key to the source topic; the worker then applies it
 * (idempotently) or dead-letters it again if it is still invalid.
 */
#ifndef CONVTRACK_DEADLETTER_H
#define CONVTRACK_DEADLETTER_H

#include <stdbool.h>
#include <stdio.h>

#include "convtrack/config.h"

/* Which records a command acts on; all fields optional. */
struct ct_deadletter_filter {
	const char *reason_prefix;  /* e.g. "missing_field" */
	int partition;              /* -1: any */
	long long offset;           /* -1: any (with partition: one record) */
	int limit;                  /* 0: no limit */
};

/*
 * Prints the records of the dead-letter topic that pass f: position,
 * reason, source and the payload's first bytes (text) or everything
 * (--json).  Returns 0, or 3 when Kafka cannot be read.
 */
int ct_deadletter_list(const struct ct_config *cfg,
		       const struct ct_deadletter_filter *f, bool json, FILE *out);

/*
 * Produces the records that pass f to their source topics, waits for the
 * acknowledgements and prints how many went where.  With dry_run nothing is
 * produced.  Returns 0, 1 when no record matched, 3 on a Kafka failure.
 */
int ct_deadletter_replay(const struct ct_config *cfg,
			 const struct ct_deadletter_filter *f, bool dry_run,
			 FILE *out);

#endif
