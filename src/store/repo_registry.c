/*
 * Repository, the message-id registry (sql/015_message_registry.sql).
 *
 * Every stored message id is in message_ids, in one run: the open run,
 * which new ids go into and whose unique index catches two batches racing
 * for an id, or a sealed run, which is only read.  Each worker connection
 * holds the Bloom filter of every sealed run (include/convtrack/bloom.h)
 * and reads a sealed run only for the ids its filter says may be there.
 *
 * A batch with messages starts with ct_repo_registry_sync(): a shared
 * advisory lock, which sealing takes exclusively, then the registry's
 * generation and open run, read in a statement of their own so that its
 * snapshot is taken after the lock is held (a seal that committed while
 * the batch waited is seen).  While the batch holds the lock, no run is
 * sealed, so the open run it writes into and the runs it checked stay
 * what they were until it commits.  It is the batch's first lock: a batch
 * waiting for it behind a seal holds no session lock that another batch,
 * which the seal waits for, could need.
 *
 * ct_repo_registry_maintain() is the scheduler's: it seals the open run
 * once it holds registry.seal_mib of rows and builds the filter of every
 * sealed run that has none yet (a run sealed by a worker that stopped
 * before building it, or run 1 of a migrated database), streaming the
 * run's ids by binary COPY.  Until a run's filter is there, every id is
 * checked against the run's index: slower, never wrong.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/bloom.h"
#include "convtrack/log.h"
#include "repo_int.h"

/*
 * The registry's advisory lock: two int4 keys, a space apart from the
 * sessions' int8 keys; ct_registry_seal() (sql/015) takes it exclusively.
 */
#define CT_REG_LOCK "1668442223, 1"
/* The first key of the lock that claims the building of a run's filter. */
#define CT_REG_FILTER_LOCK "1668442224"
/*
 * The merge locks (sql/016_registry_merge.sql): one merger at a time
 * (session level), and the copy of ids, which erasure's deletes wait for.
 */
#define CT_REG_MERGER_LOCK "1668442225, 1"
#define CT_REG_COPY_LOCK "1668442225, 0"
/* Runs merged into one at a time. */
#define CT_REG_MERGE_FANIN 4

static const char SQL_SYNC[] =
	"SELECT pg_advisory_xact_lock_shared(" CT_REG_LOCK ");"
	" SELECT generation, open_run FROM message_id_registry";

/* The sealed runs, and whether each has its filter. */
static const char SQL_RUNS[] =
	"SELECT run, filter IS NOT NULL FROM message_id_runs"
	" WHERE sealed_at IS NOT NULL ORDER BY run";

/* The filters of runs $1 (binary results: the filters' bytes). */
static const char SQL_FILTERS[] =
	"SELECT run, filter FROM message_id_runs WHERE run = ANY ($1::int[])"
	" AND filter IS NOT NULL";

/* The run of reg with number run, or NULL. */
static struct ct_repo_run *ct_registry_find(struct ct_repo_registry *reg, int run)
{
	size_t i;

	for (i = 0; i < reg->nruns; i++)
		if (reg->runs[i].run == run)
			return &reg->runs[i];
	return NULL;
}

static int ct_registry_int4(const char *v)
{
	const unsigned char *u = (const unsigned char *)v;

	return (int)((uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
}

/* The first column of the one row sql returns, as an integer (NULL: -1). */
static enum ct_repo_status ct_registry_value(struct ct_repo *repo, const char *sql, int n,
					     const char *const *params, long long *v)
{
	enum ct_repo_status st;
	PGresult *res;

	st = ct_repo_exec(repo, sql, n, params, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		*v = -1;
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0 || strcmp(PQgetvalue(res, 0, 0), "f") == 0)
		*v = PQgetvalue(res, 0, 0)[0] == 't';
	else
		*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return CT_REPO_OK;
}

/*
 * Reads the filters of the runs of next that have one in the database but
 * not in memory yet.
 */
static enum ct_repo_status ct_registry_load_filters(struct ct_repo *repo,
						    struct ct_repo_registry *next,
						    struct ct_pgarray *want)
{
	const char *p[1] = { ct_pgarray_str(want) };
	enum ct_repo_status st;
	PGresult *res;
	int r;

	if (!p[0]) {
		snprintf(repo->err, sizeof(repo->err), "out of memory loading message-id filters");
		return CT_REPO_TRANSIENT;
	}
	res = PQexecParams(repo->conn, SQL_FILTERS, 1, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	for (r = 0; r < PQntuples(res); r++) {
		struct ct_repo_run *run = ct_registry_find(next, ct_registry_int4(PQgetvalue(res, r, 0)));
		const char *why = NULL;

		if (!run || run->bf)
			continue;
		run->bf = ct_bloom_decode((const unsigned char *)PQgetvalue(res, r, 1),
					  (size_t)PQgetlength(res, r, 1), &why);
		if (!run->bf)
			ct_log(CT_LOG_WARN, "message-id run %d: %s; its index is read for"
			       " every id until the filter is built again", run->run, why);
	}
	PQclear(res);
	return CT_REPO_OK;
}

/*
 * Brings repo->reg to generation: the sealed runs as they are now, the
 * filters it already holds kept, those it lacks read.
 */
static enum ct_repo_status ct_registry_load(struct ct_repo *repo, int64_t generation,
					    int open_run)
{
	struct ct_repo_registry *reg = &repo->reg, next = { 0 };
	enum ct_repo_status st = CT_REPO_OK;
	struct ct_pgarray want;
	PGresult *res;
	size_t i;
	int r, n;

	st = ct_repo_exec(repo, SQL_RUNS, 0, NULL, &res);
	if (st != CT_REPO_OK)
		return st;
	n = PQntuples(res);
	next.runs = calloc(n ? (size_t)n : 1, sizeof(*next.runs));
	if (!next.runs) {
		PQclear(res);
		snprintf(repo->err, sizeof(repo->err), "out of memory loading message-id filters");
		return CT_REPO_TRANSIENT;
	}
	ct_pgarray_init(&want);
	for (r = 0; r < n; r++) {
		struct ct_repo_run *run = &next.runs[next.nruns++];
		struct ct_repo_run *had;

		run->run = atoi(PQgetvalue(res, r, 0));
		had = ct_registry_find(reg, run->run);
		if ((!had || !had->bf) && strcmp(PQgetvalue(res, r, 1), "t") == 0)
			ct_pgarray_add_int(&want, run->run);
	}
	PQclear(res);
	if (want.count)
		st = ct_registry_load_filters(repo, &next, &want);
	ct_pgarray_free(&want);
	if (st != CT_REPO_OK) {
		ct_repo_registry_clear(&next);
		return st;
	}
	/* the filters held already move over; the old table forgets them */
	for (i = 0; i < next.nruns; i++) {
		struct ct_repo_run *had = ct_registry_find(reg, next.runs[i].run);

		if (had && had->bf && !next.runs[i].bf) {
			next.runs[i].bf = had->bf;
			had->bf = NULL;
		}
	}
	ct_repo_registry_clear(reg);
	*reg = next;
	reg->generation = generation;
	reg->open_run = open_run;
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_registry_sync(struct ct_repo *repo)
{
	enum ct_repo_status st;
	int64_t generation;
	int open_run;
	PGresult *res;

	res = PQexec(repo->conn, SQL_SYNC);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		st = ct_repo_classify(repo, res);
		if (st == CT_REPO_OK) {
			snprintf(repo->err, sizeof(repo->err),
				 "message_id_registry has no row: run convtrack migrate");
			st = CT_REPO_FATAL;
		}
		PQclear(res);
		return st;
	}
	generation = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	open_run = atoi(PQgetvalue(res, 0, 1));
	PQclear(res);
	if (generation == repo->reg.generation && repo->reg.runs)
		return CT_REPO_OK;
	st = ct_registry_load(repo, generation, open_run);
	if (st == CT_REPO_OK)
		ct_log(CT_LOG_DEBUG, "message-id registry generation %lld: %zu sealed runs,"
		       " run %d open", (long long)generation, repo->reg.nruns, open_run);
	return st;
}

bool ct_repo_registry_maybe(const struct ct_repo_run *run, const unsigned char id[16])
{
	return !run->bf || ct_bloom_maybe(run->bf, id);
}

/* ---- the scheduler's part: sealing and filters ---- */

static const char SQL_OPEN_SIZE[] =
	"SELECT open_run, pg_relation_size(format('message_ids_r%s', open_run)::regclass)"
	" FROM message_id_registry";

static const char SQL_UNFILTERED[] =
	"SELECT run FROM message_id_runs WHERE sealed_at IS NOT NULL AND filter IS NULL"
	" ORDER BY run";

/* Reads one field of a binary COPY row; false when the data is short. */
static bool ct_copy_field(const unsigned char **p, const unsigned char *end,
			  const unsigned char **val, int32_t *len)
{
	if (end - *p < 4)
		return false;
	*len = (int32_t)((uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
			 (uint32_t)(*p)[2] << 8 | (*p)[3]);
	*p += 4;
	if (*len < 0) {
		*val = NULL;
		return true;
	}
	if (end - *p < *len)
		return false;
	*val = *p;
	*p += *len;
	return true;
}

/*
 * Adds the ids of a binary COPY data message (one or more rows of one uuid
 * column; the first one after the 19-byte header) to bf.  -1 when the
 * data is not what was asked for.
 */
static int ct_registry_add_rows(struct ct_bloom *bf, const unsigned char *p, size_t len,
				bool *header_seen, int64_t *added)
{
	const unsigned char *end = p + len;

	if (!*header_seen) {
		uint32_t ext;

		/* signature, flags, then the header extension's length */
		if (len < 19 || memcmp(p, "PGCOPY\n\377\r\n", 11) != 0)
			return -1;
		ext = (uint32_t)p[15] << 24 | (uint32_t)p[16] << 16 | (uint32_t)p[17] << 8 | p[18];
		if (ext > len - 19)
			return -1;
		p += 19 + ext;
		*header_seen = true;
	}
	while (p < end) {
		const unsigned char *val;
		int32_t vlen;
		int fields;

		if (end - p < 2)
			return -1;
		fields = (int16_t)((uint16_t)p[0] << 8 | p[1]);
		p += 2;
		if (fields == -1)
			return 0;
		if (fields != 1 || !ct_copy_field(&p, end, &val, &vlen) || vlen != 16)
			return -1;
		ct_bloom_add(bf, val);
		(*added)++;
	}
	return 0;
}

/* Builds and stores the filter of sealed run. */
static enum ct_repo_status ct_registry_build_filter(struct ct_repo *repo, int run)
{
	enum ct_repo_status st;
	struct ct_bloom *bf = NULL;
	unsigned char *enc = NULL;
	bool header_seen = false;
	long long count = 0;
	int64_t added = 0;
	char sql[160], runs[16], ids[24];
	const char *p[3];
	int lens[3] = { 0 }, formats[3] = { 0, 1, 0 };
	PGresult *res;
	char *buf;
	int n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM message_ids WHERE run = %d", run);
	st = ct_registry_value(repo, sql, 0, NULL, &count);
	if (st != CT_REPO_OK)
		return st;
	bf = ct_bloom_new((uint64_t)count, 0);
	if (!bf) {
		snprintf(repo->err, sizeof(repo->err), "out of memory building a filter");
		return CT_REPO_TRANSIENT;
	}
	snprintf(sql, sizeof(sql), "COPY (SELECT message_id FROM message_ids WHERE run = %d)"
		 " TO STDOUT (FORMAT binary)", run);
	res = PQexec(repo->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	st = CT_REPO_OK;
	while ((n = PQgetCopyData(repo->conn, &buf, 0)) > 0) {
		if (st == CT_REPO_OK &&
		    ct_registry_add_rows(bf, (unsigned char *)buf, (size_t)n, &header_seen,
					 &added) < 0) {
			snprintf(repo->err, sizeof(repo->err),
				 "run %d: unexpected COPY data building its filter", run);
			st = CT_REPO_TRANSIENT;
		}
		PQfreemem(buf);
	}
	while ((res = PQgetResult(repo->conn)) != NULL) {
		if (st == CT_REPO_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
			st = ct_repo_classify(repo, res);
		PQclear(res);
	}
	if (st != CT_REPO_OK)
		goto out;
	enc = malloc(ct_bloom_encoded_size(bf));
	if (!enc) {
		snprintf(repo->err, sizeof(repo->err), "out of memory building a filter");
		st = CT_REPO_TRANSIENT;
		goto out;
	}
	ct_bloom_encode(bf, enc);
	snprintf(runs, sizeof(runs), "%d", run);
	snprintf(ids, sizeof(ids), "%lld", (long long)added);
	p[0] = runs;
	p[1] = (const char *)enc;
	p[2] = ids;
	lens[1] = (int)ct_bloom_encoded_size(bf);
	res = PQexecParams(repo->conn,
			   "WITH f AS (UPDATE message_id_runs SET filter = $2, ids = $3"
			   "  WHERE run = $1 AND filter IS NULL"
			   "   AND (sealed_at IS NOT NULL OR merging)"
			   "  RETURNING run)"
			   " UPDATE message_id_registry SET generation = generation + 1"
			   " WHERE EXISTS (SELECT 1 FROM f)",
			   3, NULL, p, lens, formats, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		st = ct_repo_classify(repo, res);
	else
		ct_log(CT_LOG_INFO, "message-id run %d: filter of %lld ids built (%zu bytes)",
		       run, (long long)added, ct_bloom_encoded_size(bf));
	PQclear(res);
out:
	free(enc);
	ct_bloom_free(bf);
	return st;
}

/*
 * Claims (take) or gives back the building of run's filter: a session-level
 * advisory lock, so that a worker that stops gives it back too.
 */
static enum ct_repo_status ct_registry_claim(struct ct_repo *repo, int run, bool take,
					     bool *claimed)
{
	enum ct_repo_status st;
	char sql[96];
	long long v;

	snprintf(sql, sizeof(sql), "SELECT %s(" CT_REG_FILTER_LOCK ", %d)",
		 take ? "pg_try_advisory_lock" : "pg_advisory_unlock", run);
	st = ct_registry_value(repo, sql, 0, NULL, &v);
	if (st == CT_REPO_OK)
		*claimed = v == 1;
	return st;
}

/*
 * Merges the CT_REG_MERGE_FANIN smallest sealed runs into one
 * (sql/016_registry_merge.sql, steps 2-5), the caller holding the merger
 * lock.  *merged: 1 when it was done.
 */
static enum ct_repo_status ct_registry_merge_runs(struct ct_repo *repo, const int *olds,
						  int *merged)
{
	struct ct_pgarray arr;
	enum ct_repo_status st;
	char newrun[16], oldrun[16];
	const char *p[2];
	long long r, ok;
	int k;

	ct_pgarray_init(&arr);
	for (r = 0; r < CT_REG_MERGE_FANIN; r++)
		ct_pgarray_add_int(&arr, olds[r]);
	p[1] = ct_pgarray_str(&arr);
	if (!p[1]) {
		ct_pgarray_free(&arr);
		return CT_REPO_TRANSIENT;
	}
	st = ct_registry_value(repo, "SELECT ct_registry_merge_begin()", 0, NULL, &r);
	if (st != CT_REPO_OK)
		goto out;
	snprintf(newrun, sizeof(newrun), "%lld", r);
	p[0] = newrun;
	/* step 2, one old run per transaction, each one that erasure's
	 * deletes wait for (so an erasure waits for one run's copy at most) */
	for (k = 0; k < CT_REG_MERGE_FANIN && st == CT_REPO_OK; k++) {
		const char *q[2] = { newrun, oldrun };

		snprintf(oldrun, sizeof(oldrun), "%d", olds[k]);
		st = ct_repo_command(repo, "BEGIN ISOLATION LEVEL READ COMMITTED");
		if (st == CT_REPO_OK)
			st = ct_repo_command(repo, "SELECT pg_advisory_xact_lock("
					     CT_REG_COPY_LOCK ")");
		if (st == CT_REPO_OK)
			st = ct_repo_exec(repo, "INSERT INTO message_ids (run, message_id,"
					  " session_id) SELECT $1::int, message_id, session_id"
					  " FROM message_ids WHERE run = $2::int", 2, q, NULL);
		if (st == CT_REPO_OK)
			st = ct_repo_command(repo, "COMMIT");
		if (st != CT_REPO_OK)
			ct_repo_rollback(repo);
	}
	if (st != CT_REPO_OK)
		goto out;
	st = ct_repo_exec(repo, "SELECT ct_registry_index_run($1::int)", 1, p, NULL);
	if (st == CT_REPO_OK)
		st = ct_registry_build_filter(repo, (int)r);
	if (st == CT_REPO_OK)
		st = ct_registry_value(repo, "SELECT ct_registry_merge_finish($1::int, $2::int[])",
				       2, p, &ok);
	if (st == CT_REPO_OK && ok == 1) {
		*merged = 1;
		ct_log(CT_LOG_INFO, "message-id runs %s merged into run %s", p[1], newrun);
	} else if (st == CT_REPO_OK) {
		ct_log(CT_LOG_WARN, "message-id runs %s changed while they were merged into"
		       " run %s: the merge is dropped", p[1], newrun);
	}
out:
	ct_pgarray_free(&arr);
	return st;
}

/*
 * Merges when more than max_runs sealed runs have filters, and drops the
 * tables of retired runs and of merges left behind.  One merger at a time:
 * another worker's merge is left alone.
 */
static enum ct_repo_status ct_registry_merge(struct ct_repo *repo, int max_runs, int *merged)
{
	enum ct_repo_status st, st2;
	long long claimed, dropped;
	int olds[CT_REG_MERGE_FANIN], n = 0, r;
	PGresult *res;

	*merged = 0;
	st = ct_registry_value(repo, "SELECT pg_try_advisory_lock(" CT_REG_MERGER_LOCK ")",
			       0, NULL, &claimed);
	if (st != CT_REPO_OK || claimed != 1)
		return st;
	st = ct_registry_value(repo, "SELECT ct_registry_drop_retired()", 0, NULL, &dropped);
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo, "SELECT run FROM message_id_runs WHERE sealed_at IS NOT NULL"
				  " AND NOT merging AND filter IS NOT NULL ORDER BY ids, run",
				  0, NULL, &res);
	if (st == CT_REPO_OK) {
		n = PQntuples(res);
		for (r = 0; r < CT_REG_MERGE_FANIN && r < n; r++)
			olds[r] = atoi(PQgetvalue(res, r, 0));
		PQclear(res);
	}
	if (st == CT_REPO_OK && n > max_runs && n >= CT_REG_MERGE_FANIN) {
		st = ct_registry_merge_runs(repo, olds, merged);
		if (st == CT_REPO_OK)
			st = ct_registry_value(repo, "SELECT ct_registry_drop_retired()", 0, NULL,
					       &dropped);
	}
	st2 = ct_repo_command(repo, "SELECT pg_advisory_unlock(" CT_REG_MERGER_LOCK ")");
	return st != CT_REPO_OK ? st : st2;
}

enum ct_repo_status ct_repo_registry_maintain(struct ct_repo *repo, int64_t seal_bytes,
					      int max_runs, int *sealed, int *filtered,
					      int *merged)
{
	enum ct_repo_status st;
	PGresult *res;
	int open_run, r, n, *runs = NULL;
	int64_t size;

	*sealed = *filtered = *merged = 0;
	st = ct_repo_ready(repo);
	if (st != CT_REPO_OK)
		return st;
	st = ct_repo_exec(repo, SQL_OPEN_SIZE, 0, NULL, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return CT_REPO_OK;
	}
	open_run = atoi(PQgetvalue(res, 0, 0));
	size = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	if (size >= seal_bytes) {
		char arg[16];
		const char *p[1] = { arg };

		snprintf(arg, sizeof(arg), "%d", open_run);
		/* the function takes the registry's lock exclusively */
		st = ct_repo_exec(repo, "SELECT ct_registry_seal($1::int)", 1, p, &res);
		if (st != CT_REPO_OK)
			return st;
		if (!PQgetisnull(res, 0, 0)) {
			*sealed = 1;
			ct_log(CT_LOG_INFO, "message-id run %d sealed (%lld bytes); a new run is open",
			       open_run, (long long)size);
		}
		PQclear(res);
	}
	st = ct_repo_exec(repo, SQL_UNFILTERED, 0, NULL, &res);
	if (st != CT_REPO_OK)
		return st;
	n = PQntuples(res);
	if (n > 0)
		runs = calloc((size_t)n, sizeof(*runs));
	for (r = 0; runs && r < n; r++)
		runs[r] = atoi(PQgetvalue(res, r, 0));
	PQclear(res);
	if (n > 0 && !runs)
		return CT_REPO_TRANSIENT;
	/* one builder per run: another worker's claim is skipped */
	for (r = 0; r < n && st == CT_REPO_OK; r++) {
		bool claimed = false;

		st = ct_registry_claim(repo, runs[r], true, &claimed);
		if (st != CT_REPO_OK || !claimed)
			continue;
		st = ct_registry_build_filter(repo, runs[r]);
		if (st == CT_REPO_OK)
			(*filtered)++;
		if (ct_registry_claim(repo, runs[r], false, &claimed) != CT_REPO_OK &&
		    st == CT_REPO_OK)
			st = CT_REPO_TRANSIENT;
	}
	free(runs);
	if (st == CT_REPO_OK && max_runs > 0)
		st = ct_registry_merge(repo, max_runs, merged);
	return st;
}
