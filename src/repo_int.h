/*
 * Internals shared by the repository's files (repo.c: connection, batches,
 * migrations; repo_summary.c: summaries, sweeps, outbox).  Private: only
 * files of the repository include it.
 */
#ifndef CONVTRACK_REPO_INT_H
#define CONVTRACK_REPO_INT_H

#include <stdint.h>

#include <libpq-fe.h>

#include "convtrack/repo.h"

struct ct_repo {
	PGconn *conn;
	char *conninfo;
	int prepared;
	int grace_ms;
	char shared_device_policy[16]; /* merge.shared_device_policy */
	char err[512];
};

/* Classifies a failed result (NULL: a broken connection); sets repo->err. */
enum ct_repo_status ct_repo_classify(struct ct_repo *repo, const PGresult *res);

/* Reconnects and prepares when needed: every transaction starts here. */
enum ct_repo_status ct_repo_ready(struct ct_repo *repo);

/* Runs a simple command (BEGIN, COMMIT, ...). */
enum ct_repo_status ct_repo_command(struct ct_repo *repo, const char *sql);

/* Rolls back after a failure; drops the connection if that fails too. */
void ct_repo_rollback(struct ct_repo *repo);

/* The advisory lock key of a UUID: its first 64 bits (sql ct_lock_key). */
int64_t ct_repo_lock_key(const char *uuid);

#endif
