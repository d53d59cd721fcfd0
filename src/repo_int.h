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

#include "convtrack/repo.h"
#include "pgarray.h"

struct ct_repo {
	PGconn *conn;
	char *conninfo;
	int prepared;
	int grace_ms;
	int probe_batches; /* > 0: probe stored message ids before the COPY */
	char shared_device_policy[16]; /* merge.shared_device_policy */
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

/* Statements of repo_messages.c, prepared with repo.c's. */
extern const char CT_SQL_MSG_PROBE[];
extern const char CT_SQL_MSG_UPSERT[];
extern const char CT_SQL_MSG_REDACTIONS[];

/* A message event and its position in the batch. */
struct ct_repo_msg_ev {
	const struct ct_event *ev;
	size_t index;
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
 * (sessions sorted by strcmp).
 */
void ct_repo_msgs_count_new(const struct ct_repo_msgs *m, const char *const *sessions,
			    size_t nsessions, int64_t *counts);

#endif
