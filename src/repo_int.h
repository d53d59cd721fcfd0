/*
 * Internals shared by the repository's files (repo.c: connection, batches,
 * migrations; repo_summary.c: summaries, sweeps, outbox).  Private: only
 * files of the repository include it.
 */
#ifndef CONVTRACK_REPO_INT_H
#define CONVTRACK_REPO_INT_H

#include <stdint.h>

#include <libpq-fe.h>

#include "convtrack/erasure.h"
#include "convtrack/repo.h"

struct ct_repo {
	PGconn *conn;
	char *conninfo;
	int prepared;
	int grace_ms;
	struct ct_erasure_hasher *hasher; /* erasure denylist hashes, or NULL */
	char err[512];
};

/* Classifies a failed result (NULL: a broken connection); sets repo->err. */
enum ct_repo_status ct_repo_classify(struct ct_repo *repo, const PGresult *res);

/* Reconnects and prepares when needed: every transaction starts here. */
enum ct_repo_status ct_repo_ready(struct ct_repo *repo);

/* Runs a simple command (BEGIN, COMMIT, ...). */
enum ct_repo_status ct_repo_command(struct ct_repo *repo, const char *sql);

/*
 * Runs sql with params unprepared (statements that run once per batch or
 * less); *out (may be NULL) receives the result, which the caller clears.
 */
enum ct_repo_status ct_rs_exec(struct ct_repo *repo, const char *sql, int n,
			       const char *const *params, PGresult **out);

/* Rolls back after a failure; drops the connection if that fails too. */
void ct_repo_rollback(struct ct_repo *repo);

/* The advisory lock key of a UUID: its first 64 bits (sql ct_lock_key). */
int64_t ct_repo_lock_key(const char *uuid);

/*
 * The erasure check of a batch (repo_erase.c): the keyed hashes of its
 * sessions and of its authenticated events' usernames, built before the
 * transaction.
 */
struct ct_repo_deny;

/* Builds the check of events[0..n) (borrowed until freed); -1: no memory. */
int ct_repo_deny_build(struct ct_repo *repo,
		       const struct ct_event *const *events, size_t n,
		       struct ct_repo_deny **out)
	__attribute__((warn_unused_result));

/*
 * Runs the check inside the batch's transaction, after its locks: events
 * of erased sessions, and of sessions that authenticated as an erased
 * person before the erasure, go to rejected[] with CT_REPO_REASON_ERASED
 * and CT_REPO_REJECTED is returned after committing what the check itself
 * erased; CT_REPO_OK when nothing is to be dropped.
 */
enum ct_repo_status ct_repo_deny_check(struct ct_repo *repo,
				       const struct ct_repo_deny *d,
				       struct ct_repo_rejection *rejected,
				       size_t *nrejected)
	__attribute__((warn_unused_result));

/* Frees d.  Does nothing for NULL. */
void ct_repo_deny_free(struct ct_repo_deny *d);

#endif
