/*
 * Repository, retention part: purging message text older than a cutoff
 * (issue 6, item 5; sql/008_retention.sql, docs/privacy-retention.md).
 *
 * A pass fixes one cutoff and then runs batches until a batch finds no
 * session left to look at.  Each batch is one transaction of one statement
 * (ct_retention_purge()): it takes at most max_sessions sessions whose
 * per-session advisory lock is free, so workers share a pass without taking
 * the same session twice and without waiting for the event path.
 */
#ifndef CONVTRACK_REPO_RETENTION_H
#define CONVTRACK_REPO_RETENTION_H

#include <stddef.h>

#include "convtrack/repo.h"

/* Longest cutoff text, as PostgreSQL prints a timestamptz. */
#define CT_REPO_CUTOFF_MAX 64

/* What one retention batch did. */
struct ct_repo_retention_counts {
	int checked;  /* sessions looked at; 0: the pass is done */
	int sessions; /* sessions some text of which was purged */
	int messages; /* messages whose text was purged */
};

/*
 * The cutoff of a pass starting now: now() - days, as PostgreSQL's text of
 * a timestamptz (in cutoff, len bytes), passed back unchanged to
 * ct_repo_retention_batch() so that every batch of the pass uses it.
 */
enum ct_repo_status ct_repo_retention_cutoff(struct ct_repo *repo, int days,
					     char *cutoff, size_t len)
	__attribute__((warn_unused_result));

/*
 * One batch of a pass: purges the text of messages older than cutoff in at
 * most max_sessions sessions that need a look, in one transaction.
 */
enum ct_repo_status ct_repo_retention_batch(struct ct_repo *repo,
					    const char *cutoff, int max_sessions,
					    struct ct_repo_retention_counts *out)
	__attribute__((warn_unused_result));

#endif
