/*
 * Repository: everything convtrack does in PostgreSQL, over libpq.
 *
 * One struct ct_repo is one connection with its prepared statements.  SQL is
 * never built from data: every value travels as a parameter.  A batch of
 * validated events is applied in one transaction of set-based statements
 * (arrays and unnest), whose rules are described in sql/001_schema.sql and
 * beside the statements in repo.c.
 *
 * Every failure is classified once (ct_repo_status): transient failures are
 * retried by the caller as a whole transaction, permanent ones are caused by
 * the data of the batch, fatal ones need an operator.
 */
#ifndef CONVTRACK_REPO_H
#define CONVTRACK_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "convtrack/event.h"

enum ct_repo_status {
	CT_REPO_OK = 0,
	CT_REPO_TRANSIENT, /* connection lost, 08xxx, 40001, 40P01, 53xxx, 57xxx */
	CT_REPO_PERMANENT, /* caused by the batch's data: 22xxx, 23xxx, ... */
	CT_REPO_REJECTED,  /* some events must be dead-lettered: see rejected[] */
	CT_REPO_FATAL,     /* schema missing, permission denied, bad query */
};

struct ct_repo;

/*
 * Opens a connection.  conninfo is a libpq connection string or URI; empty
 * or NULL means libpq's PG* environment variables.  Returns CT_REPO_OK and
 * sets *out, or CT_REPO_TRANSIENT when the server cannot be reached (the
 * message is in err, errlen bytes).
 */
enum ct_repo_status ct_repo_connect(const char *conninfo, struct ct_repo **out,
				    char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Closes the connection.  Does nothing when repo is NULL. */
void ct_repo_free(struct ct_repo *repo);

/*
 * Sets summary.grace_ms: an ended session is summarized once no event of
 * it has been applied for this long (contract rule 7).  Default 0.
 */
void ct_repo_set_grace_ms(struct ct_repo *repo, int grace_ms);

/* The last error message of repo (never NULL). */
const char *ct_repo_error(const struct ct_repo *repo);

/*
 * Applies the embedded sql/ migrations that are not yet recorded in
 * schema_migrations, each in its own transaction, under an advisory lock so
 * that concurrent runs wait for each other.  *applied (may be NULL) receives
 * the number applied.
 */
enum ct_repo_status ct_repo_migrate(struct ct_repo *repo, int *applied)
	__attribute__((warn_unused_result));

/* True when every embedded migration is recorded in the database. */
enum ct_repo_status ct_repo_check_schema(struct ct_repo *repo)
	__attribute__((warn_unused_result));

/*
 * The outcome of ct_repo_apply for events that must be dead-lettered
 * (CT_REPO_REJECTED): indexes into the events array with a reason.
 */
struct ct_repo_rejection {
	size_t index;
	const char *reason; /* static string, e.g. "message_id_conflict" */
};

/*
 * Applies events[0..n) in one transaction: contract rules 1-6 for every
 * session, anonymous key and profile they touch.  The events must be valid
 * and distinct by event_id, and no two messages of the batch may share a
 * message_id with different sessions (the applier guarantees that).
 *
 * Returns CT_REPO_OK once committed.  CT_REPO_REJECTED (nothing committed)
 * when some events conflict with stored data (a message_id stored for
 * another session): they are listed in rejected[] (capacity n), their
 * number in *nrejected; apply the others again.  Other statuses: nothing
 * was committed; see enum ct_repo_status.  *lock_retries (may be NULL)
 * counts transactions restarted because the lock set grew.
 */
enum ct_repo_status ct_repo_apply(struct ct_repo *repo,
				  const struct ct_event *const *events, size_t n,
				  struct ct_repo_rejection *rejected,
				  size_t *nrejected, int *lock_retries)
	__attribute__((warn_unused_result));

#endif
