/*
 * Dead-letter tool (dltool): the operator's commands over the dead-letter
 * topic, not the worker's dead-letter path (that is the consumer's).
 * Lists what landed there and re-injects records into their source topic
 * after a fix.  It reads and produces; what is printed is the operator
 * commands' business (src/cli.c).
 *
 * A dead-lettered record keeps its payload and key unchanged and carries
 * headers convtrack-error, convtrack-source-topic, convtrack-source-partition
 * and convtrack-source-offset (schemas/dead_letter.md).  Replaying produces
 * the same payload and key to the source topic; the worker then applies it
 * (idempotently) or dead-letters it again if it is still invalid.
 */
#ifndef CONVTRACK_DLTOOL_H
#define CONVTRACK_DLTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/config.h"

/* Which records a command acts on; all fields optional. */
struct ct_dltool_filter {
	const char *reason_prefix;  /* e.g. "missing_field" */
	int partition;              /* -1: any */
	long long offset;           /* -1: any (with partition: one record) */
	int limit;                  /* 0: no limit */
};

/* One dead-lettered record, borrowed for the length of a callback. */
struct ct_dltool_record {
	int32_t partition;          /* in the dead-letter topic */
	int64_t offset;
	const char *reason;         /* convtrack-error, or NULL */
	const char *source_topic;   /* convtrack-source-topic, or NULL */
	long long source_partition; /* convtrack-source-partition, -1: none */
	long long source_offset;    /* convtrack-source-offset, -1: none */
	bool redacted;              /* convtrack-redacted: true */
	const char *key;            /* NULL: no key */
	size_t key_len;
	const void *payload;        /* NULL: a tombstone */
	size_t len;
	bool skipped;               /* replay: no source topic, not replayed */
};

/* Called for each record a command acts on; non-zero stops the pass. */
typedef int (*ct_dltool_visit_fn)(void *arg, const struct ct_dltool_record *r);

/*
 * Calls visit for every record of the dead-letter topic that passes f,
 * oldest first per partition, up to f->limit.  Returns how many were
 * visited, or -1 with a message in err when Kafka cannot be read.
 */
int ct_dltool_list(const struct ct_config *cfg,
		   const struct ct_dltool_filter *f, ct_dltool_visit_fn visit,
		   void *arg, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Produces the records that pass f to their source topics (with dry_run:
 * nothing) and waits for the acknowledgements; visit (may be NULL) is
 * called for each, before it is produced, with skipped set for a record
 * that has no source topic.  Returns how many were (or would be)
 * replayed, or -1 with a message in err on a Kafka failure.
 */
int ct_dltool_replay(const struct ct_config *cfg,
		     const struct ct_dltool_filter *f, bool dry_run,
		     ct_dltool_visit_fn visit, void *arg, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

#endif
