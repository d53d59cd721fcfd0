/*
 * Internals shared by the repository's files (repo.c: connection, batches,
 * migrations; repo_summary.c: summaries, sweeps, outbox).  Private: only
 * files of the repository include it.
 */
#ifndef CONVTRACK_REPO_INT_H
#define CONVTRACK_REPO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "convtrack/erasure.h"
#include "convtrack/ids.h"
#include "convtrack/repo.h"
#include "pgarray.h"

struct ct_repo {
	PGconn *conn;
	char *conninfo;
	int prepared;
	int grace_ms;
	int probe_batches; /* > 0: probe stored message ids before the COPY */
	char shared_device_policy[16]; /* merge.shared_device_policy */
	struct ct_erasure_hasher *hasher; /* erasure denylist hashes, or NULL */
	char err[512];
};

/* Batches that probe first after a COPY met a stored message id. */
#define CT_REPO_PROBE_BATCHES 16

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
 * Runs the prepared statement name (one of repo.c's table) with text
 * parameters; *out, when not NULL, receives a result to PQclear.
 */
enum ct_repo_status ct_repo_run_named(struct ct_repo *repo, const char *name,
				      int nparams, const char *const *params,
				      PGresult **out);

/* ---- messages of a batch (repo_messages.c) ---- */

struct ct_event;
struct ct_repo_rejection;

/* Statements of repo_messages.c, prepared with repo.c's under these names. */
#define CT_STMT_MSG_PROBE "ct_msg_probe"
#define CT_STMT_MSG_UPSERT "ct_msg_upsert"
#define CT_STMT_MSG_REDACTIONS "ct_redactions"
extern const char CT_SQL_MSG_PROBE[];
extern const char CT_SQL_MSG_UPSERT[];
extern const char CT_SQL_MSG_REDACTIONS[];

/* A message event and its position in the batch. */
struct ct_repo_msg_ev {
	const struct ct_event *ev;
	size_t index;
	struct ct_uuid_key key; /* of its message id */
};

/* The events of one message_id, folded by rule 6. */
struct ct_repo_msg {
	const struct ct_event *ver; /* latest: role, content, banking */
	const struct ct_event *seq; /* latest carrying seq, or NULL */
	int64_t first_at;	    /* earliest occurred_at */
	size_t first, count;	    /* its events in ct_repo_msgs.ev */
	bool exists;		    /* stored before this transaction */
};

struct ct_repo_msgs {
	struct ct_repo_msg_ev *ev; /* by message id, newest first */
	size_t nev;
	struct ct_repo_msg *g;	   /* by message id */
	size_t ng, nexisting;
	size_t nredacted;	   /* events with redaction spans */
	struct ct_pgarray ids;	   /* distinct message ids */
};

/* Folds the message events events[msg_index[0..n-1]]; -1: no memory. */
int ct_repo_msgs_build(struct ct_repo_msgs *m, const struct ct_event *const *events,
		       const size_t *msg_index, size_t n);
void ct_repo_msgs_free(struct ct_repo_msgs *m);

/*
 * Writes the messages inside the batch's transaction, under its locks:
 * CT_REPO_REJECTED with rejected[] (batch positions) when ids are stored
 * under another session, nothing written then.
 */
enum ct_repo_status ct_repo_msgs_write(struct ct_repo *repo, struct ct_repo_msgs *m,
				       struct ct_repo_rejection *rejected,
				       size_t *nrejected);

/*
 * After a write: counts[i] = messages newly stored for sessions[i]
 * (sessions sorted: see struct ct_uuid_key).
 */
void ct_repo_msgs_count_new(const struct ct_repo_msgs *m,
			    const struct ct_uuid_key *sessions, size_t nsessions,
			    int64_t *counts);

/*
 * The erasure check of a batch (repo_erase.c): the keyed hashes of its
 * sessions and of its authenticated events' usernames, built before the
 * transaction.
 */
struct ct_repo_deny;

/*
 * Builds the check of events[0..n) with their distinct sessions
 * sessions[0..nsessions) (all borrowed until freed); -1: no memory.
 */
int ct_repo_deny_build(struct ct_repo *repo,
		       const struct ct_event *const *events, size_t n,
		       const char *const *sessions, size_t nsessions,
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
