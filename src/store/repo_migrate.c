/*
 * Repository, migrations: applies the sql/ migrations compiled into the
 * binary (`convtrack migrate`) and checks at start-up that all of them are
 * applied.  Kept apart from the connection because it is the one part that
 * must work before the schema exists: it opens the connection itself
 * (ct_repo_open) instead of ct_repo_ready, which would prepare statements
 * over tables that are not there yet.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/log.h"
#include "convtrack/repo.h"
#include "migrations_data.h"
#include "repo_int.h"

/* Advisory lock that serializes concurrent `convtrack migrate` runs. */
#define CT_REPO_MIGRATE_LOCK 4200310001LL

static enum ct_repo_status ct_repo_migrate_one(struct ct_repo *repo,
					       const struct ct_migration *m,
					       int *applied)
{
	const char *params[1] = { m->name };
	enum ct_repo_status st;
	PGresult *res;
	int present;

	res = PQexecParams(repo->conn,
			   "SELECT 1 FROM schema_migrations WHERE name = $1", 1,
			   NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	present = PQntuples(res) > 0;
	PQclear(res);
	if (present)
		return CT_REPO_OK;

	st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, m->sql);
	if (st == CT_REPO_OK) {
		res = PQexecParams(repo->conn,
				   "INSERT INTO schema_migrations (name) VALUES ($1)",
				   1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			st = ct_repo_classify(repo, res);
		PQclear(res);
	}
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK) {
		char msg[sizeof(repo->err)];

		snprintf(msg, sizeof(msg), "%s", repo->err);
		ct_repo_rollback(repo);
		snprintf(repo->err, sizeof(repo->err), "migration %.64s: %.400s", m->name, msg);
		return st;
	}
	ct_log(CT_LOG_INFO, "applied migration %s", m->name);
	(*applied)++;
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_migrate(struct ct_repo *repo, int *applied)
{
	enum ct_repo_status st;
	int count = 0;
	size_t i;
	char lock[96];

	if (repo->conn == NULL || PQstatus(repo->conn) != CONNECTION_OK) {
		st = ct_repo_open(repo);
		if (st != CT_REPO_OK)
			return st;
	}
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%lld)",
		 CT_REPO_MIGRATE_LOCK);
	st = ct_repo_command(repo, lock);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo,
				     "CREATE TABLE IF NOT EXISTS schema_migrations ("
				     " name text PRIMARY KEY,"
				     " applied_at timestamptz NOT NULL DEFAULT now())");
	for (i = 0; st == CT_REPO_OK && i < ct_migration_count; i++)
		st = ct_repo_migrate_one(repo, &ct_migrations[i], &count);
	if (PQstatus(repo->conn) == CONNECTION_OK) {
		PGresult *res;

		snprintf(lock, sizeof(lock), "SELECT pg_advisory_unlock(%lld)",
			 CT_REPO_MIGRATE_LOCK);
		res = PQexec(repo->conn, lock);
		PQclear(res);
	}
	if (applied)
		*applied = count;
	return st;
}

enum ct_repo_status ct_repo_check_schema(struct ct_repo *repo)
{
	enum ct_repo_status st = CT_REPO_OK;
	PGresult *res;
	size_t i;
	int missing = 0;

	if (!repo->conn || PQstatus(repo->conn) != CONNECTION_OK)
		st = ct_repo_open(repo);
	if (st != CT_REPO_OK)
		return st;
	res = PQexec(repo->conn, "SELECT name FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	for (i = 0; i < ct_migration_count; i++) {
		int found = 0, r;

		for (r = 0; r < PQntuples(res); r++)
			if (strcmp(PQgetvalue(res, r, 0), ct_migrations[i].name) == 0)
				found = 1;
		if (!found) {
			snprintf(repo->err, sizeof(repo->err),
				 "migration %s is not applied: run `convtrack migrate`",
				 ct_migrations[i].name);
			missing = 1;
			break;
		}
	}
	PQclear(res);
	return missing ? CT_REPO_FATAL : CT_REPO_OK;
}
