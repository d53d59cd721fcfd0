/*
 * Repository, caller API part: the read-only queries of `convtrack serve`
 * (src/api, docs/caller-api.md).  Each answer is built by PostgreSQL as
 * one JSON document in one statement, so a request costs one round trip
 * and the C side never re-encodes it.  Times are RFC 3339 in UTC with
 * milliseconds.  No query reads message content.
 *
 * A reference reaches a profile "after merges": an anonymous profile that
 * was merged into an account answers with the account.
 */
#ifndef CONVTRACK_REPO_API_H
#define CONVTRACK_REPO_API_H

#include <stdbool.h>
#include <stdint.h>

#include "convtrack/repo.h"

/* The kinds of caller reference (GET /v1/callers/{kind}:{value}). */
enum ct_repo_ref {
	CT_REPO_REF_DEVICE = 0, /* anonymous_id of a device */
	CT_REPO_REF_USERNAME,
	CT_REPO_REF_PHONE,      /* E.164, already normalized */
	CT_REPO_REF_EMAIL,      /* compared case-insensitively */
	CT_REPO_REF_PROFILE,    /* a profile id (canonical UUID) */
	CT_REPO_REF_SESSION,    /* a session id (canonical UUID) */
	CT_REPO_REF_COUNT
};

/*
 * The caller document of the profile that kind:value reaches, with
 * resolved_from naming ref (the reference as asked) when a merge was
 * followed.  *json is malloc'd, or NULL when the reference reaches no
 * profile (CT_REPO_OK either way).
 */
enum ct_repo_status ct_repo_api_caller(struct ct_repo *repo, enum ct_repo_ref kind,
				       const char *value, const char *ref,
				       char **json)
	__attribute__((warn_unused_result));

/*
 * The profile id that kind:value reaches (after merges) in id; id[0] is
 * '\0' when none.
 */
enum ct_repo_status ct_repo_api_resolve(struct ct_repo *repo, enum ct_repo_ref kind,
					const char *value, char id[37])
	__attribute__((warn_unused_result));

/* Where a page of calls starts: after this (started_at, session_id). */
struct ct_repo_api_after {
	int64_t started_us; /* microseconds since the Unix epoch */
	char session_id[37];
};

/* One page of a profile's calls, newest first. */
struct ct_repo_api_page {
	char *calls;                  /* JSON array, malloc'd */
	bool more;                    /* another page follows */
	struct ct_repo_api_after next; /* its start, when more */
};

/*
 * Up to limit calls (sessions) of profile_id, newest started first, after
 * *after (NULL: from the newest).  Each has session_id, started_at,
 * ended_at, end_reason, message_count and its summary's summary,
 * sentiment, resolution_status and topics (null before it is summarized).
 */
enum ct_repo_status ct_repo_api_calls(struct ct_repo *repo, const char *profile_id,
				      const struct ct_repo_api_after *after,
				      int limit, struct ct_repo_api_page *out)
	__attribute__((warn_unused_result));

/* Frees what page holds. */
void ct_repo_api_page_clear(struct ct_repo_api_page *page);

/* A round trip to the server (readiness); reconnects when needed. */
enum ct_repo_status ct_repo_api_ping(struct ct_repo *repo)
	__attribute__((warn_unused_result));

#endif
