/*
 * Internals shared by the repository's files (src/store/repo_*.c, every
 * one of which includes this header) and by no one else: the public
 * contract is include/convtrack/repo.h (and repo_retention.h).  The files
 * and their roles:
 *
 *   repo_conn.c       the shared machinery: struct ct_repo, the connection
 *                     and its settings, the registry of prepared statements
 *                     (with their SQL), running statements, the one
 *                     classification of failures, transaction commands and
 *                     advisory lock keys
 *   repo_migrate.c    applying and checking the sql/ migrations
 *   repo_batch.c      applying a batch of events in one transaction
 *   repo_messages.c   the messages of a batch (fold, COPY, upsert)
 *   repo_erase.c      erasures, and the erasure check of every batch
 *   repo_summary.c    summaries, stale sweeps and the outboxes
 *   repo_retention.c  purging old message text
 *   repo_cli.c        the operator commands' queries
 *
 * Calls between them go one way, never in a circle:
 *
 *   repo_batch -> repo_messages, repo_erase -> repo_conn
 *   repo_migrate, repo_summary, repo_retention, repo_cli -> repo_conn
 *
 * The leaf helpers of the folder (pgarray.c, pgtext.c, the generated
 * migrations_data.c) do not include this header and call none of them.
 */
#ifndef CONVTRACK_REPO_INT_H
#define CONVTRACK_REPO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/bloom.h"
#include "convtrack/hmac.h"
#include "convtrack/ids.h"
#include "convtrack/repo.h"
#include "pgarray.h"

/* One connection with its settings; opaque outside the repository. */
/* A sealed run of the message-id registry and its filter (NULL: none yet). */
struct ct_repo_run {
	int run;
	struct ct_bloom *bf;
};

/* What a connection knows of the registry (repo_registry.c). */
struct ct_repo_registry {
	int64_t generation; /* 0: nothing loaded */
	int open_run;
	struct ct_repo_run *runs; /* sealed, by run */
	size_t nruns;
};

struct ct_repo {
	PGconn *conn;
	char *conninfo;
	char *password; /* postgres.password_file's, or NULL */
	int prepared;
	int api_prepared; /* repo_api.c's statements (convtrack serve) */
	int grace_ms;
	int statement_timeout_ms; /* 0: the server's */
	int probe_batches; /* > 0: probe stored message ids before the COPY */
	char shared_device_policy[16]; /* merge.shared_device_policy */
	struct ct_repo_registry reg;
	struct ct_hmac *hasher; /* erasure denylist hashes, or NULL */
	char err[512];
};

/* Batches that probe first after a COPY met a stored message id. */
#define CT_REPO_PROBE_BATCHES 16

/* ---- the connection (repo_conn.c) ---- */

/*
 * Opens (or reopens) the connection without preparing statements (the
 * migrations run before the schema exists); transient when it cannot.
 */
enum ct_repo_status ct_repo_open(struct ct_repo *repo);

/* Reconnects and prepares when needed: every transaction starts here. */
enum ct_repo_status ct_repo_ready(struct ct_repo *repo);

/* Classifies a failed result (NULL: a broken connection); sets repo->err. */
enum ct_repo_status ct_repo_classify(struct ct_repo *repo, const PGresult *res);

/* Runs a simple command (BEGIN, COMMIT, ...). */
enum ct_repo_status ct_repo_command(struct ct_repo *repo, const char *sql);

/* Rolls back after a failure; drops the connection if that fails too. */
void ct_repo_rollback(struct ct_repo *repo);

/*
 * The prepared statements, registered with their SQL in repo_conn.c and
 * prepared, in this order, by ct_repo_ready on every new connection.  Run
 * by repo_batch.c, except CT_STMT_MSG_* (repo_messages.c).
 */
enum ct_repo_stmt {
	CT_STMT_LOCKSET = 0,
	CT_STMT_LOCK,
	CT_STMT_JOINS,
	CT_STMT_AUTHS,
	CT_STMT_ENDS,
	CT_STMT_MSG_PROBE,
	CT_STMT_MSG_UPSERT,
	CT_STMT_SESSIONS,
	CT_STMT_REFRESH_SESSIONS,
	CT_STMT_AUDIT_CREATED,
	CT_STMT_ENSURE_PROFILES,
	CT_STMT_USER_ATTRS,
	CT_STMT_LINK_SESSIONS,
	CT_STMT_STATS_IDS,
	CT_STMT_STATS,
	CT_STMT_CANDIDATES,
	CT_STMT_METADATA,
	CT_STMT_REOPEN,
	CT_STMT_DUE,
	CT_STMT_MSG_REDACTIONS,
	CT_STMT_COUNT
};

/*
 * Runs prepared statement stmt with its text parameters (as many as it
 * takes).  On success *out (when not NULL) receives the result, which the
 * caller clears; on failure nothing is returned.
 */
enum ct_repo_status ct_repo_run(struct ct_repo *repo, enum ct_repo_stmt stmt,
				const char *const *params, PGresult **out);

/*
 * Runs sql with params unprepared (statements that run once per batch or
 * less); *out (may be NULL) receives the result, which the caller clears.
 */
enum ct_repo_status ct_repo_exec(struct ct_repo *repo, const char *sql, int n,
				 const char *const *params, PGresult **out);

/* The advisory lock key of a parsed UUID: its first 64 bits. */
static inline int64_t ct_repo_lock_key_of(const struct ct_uuid_key *k)
{
	return (int64_t)k->hi;
}

/* The advisory lock key of a UUID string (sql ct_lock_key). */
int64_t ct_repo_lock_key(const char *uuid);

/* ---- messages of a batch (repo_messages.c) ---- */

struct ct_event;
struct ct_repo_rejection;

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
	unsigned char id[16];	    /* the message id's bytes */
};

struct ct_repo_msgs {
	struct ct_repo_msg_ev *ev; /* by message id, newest first */
	size_t nev;
	struct ct_repo_msg *g;	   /* by message id */
	size_t ng, nexisting;
	size_t nredacted;	   /* events with redaction spans */
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

/* ---- the erasure check of a batch (repo_erase.c) ---- */

/*
 * The keyed hashes of a batch's sessions and of its authenticated events'
 * usernames, built before the transaction.
 */
/* ---- the message-id registry (repo_registry.c) ---- */

/*
 * First in a batch's transaction that has messages, before any other
 * lock: takes the registry's lock shared and brings repo->reg up to date
 * (loading filters when the generation changed).
 */
enum ct_repo_status ct_repo_registry_sync(struct ct_repo *repo)
	__attribute__((warn_unused_result));

/* Whether id (16 bytes) may be in run: its filter's answer, or true. */
bool ct_repo_registry_maybe(const struct ct_repo_run *run, const unsigned char id[16]);

/*
 * Frees what reg holds and empties it.  Inline, so that repo_conn.c frees
 * a connection's registry without calling into repo_registry.c (which
 * depends on it).
 */
static inline void ct_repo_registry_clear(struct ct_repo_registry *reg)
{
	size_t i;

	for (i = 0; i < reg->nruns; i++)
		ct_bloom_free(reg->runs[i].bf);
	free(reg->runs);
	memset(reg, 0, sizeof(*reg));
}

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
