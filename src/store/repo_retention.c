/*
 * Repository, retention part: see include/convtrack/repo_retention.h.
 * Runs once per retention batch, not per event, so the statements are
 * unprepared and parameterized; the work itself is ct_retention_purge() in
 * sql/008_retention.sql, shared by the worker and `convtrack retention run`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "convtrack/repo_retention.h"
#include "repo_int.h"

/* Runs a one-row query; *out gets the result, which the caller clears. */
static enum ct_repo_status ct_rr_row(struct ct_repo *repo, const char *sql,
				     int n, const char *const *params,
				     PGresult **out)
{
	enum ct_repo_status st = ct_repo_ready(repo);
	PGresult *res;

	*out = NULL;
	if (st != CT_REPO_OK)
		return st;
	res = PQexecParams(repo->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	if (PQntuples(res) != 1) {
		snprintf(repo->err, sizeof(repo->err), "retention: %d rows, want 1",
			 PQntuples(res));
		PQclear(res);
		return CT_REPO_FATAL;
	}
	*out = res;
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_retention_cutoff(struct ct_repo *repo, int days,
					     char *cutoff, size_t len)
{
	char d[16];
	const char *p[1] = { d };
	enum ct_repo_status st;
	PGresult *res;

	snprintf(d, sizeof(d), "%d", days);
	st = ct_rr_row(repo, "SELECT (now() - make_interval(days => $1::int))::text",
		       1, p, &res);
	if (st != CT_REPO_OK)
		return st;
	snprintf(cutoff, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_retention_batch(struct ct_repo *repo,
					    const char *cutoff, int max_sessions,
					    struct ct_repo_retention_counts *out)
{
	char lim[16];
	const char *p[2] = { cutoff, lim };
	enum ct_repo_status st;
	PGresult *res;

	out->checked = out->sessions = out->messages = 0;
	snprintf(lim, sizeof(lim), "%d", max_sessions);
	st = ct_rr_row(repo, "SELECT checked, sessions, messages"
		       " FROM ct_retention_purge($1::timestamptz, $2::int)",
		       2, p, &res);
	if (st != CT_REPO_OK)
		return st;
	out->checked = atoi(PQgetvalue(res, 0, 0));
	out->sessions = atoi(PQgetvalue(res, 0, 1));
	out->messages = atoi(PQgetvalue(res, 0, 2));
	PQclear(res);
	return CT_REPO_OK;
}
