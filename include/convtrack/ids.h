/*
 * Deterministic identifiers of the contract (EVENTS.md section 4 and 3).
 *
 * Profile ids and summary event ids are UUIDv5 (RFC 9562) names in the
 * namespace 6ba7b811-9dad-11d1-80b4-00c04fd430c8, so every worker computes
 * the same id for the same key without asking the database.
 */
#ifndef CONVTRACK_IDS_H
#define CONVTRACK_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of a canonical UUID string, without the terminating NUL. */
#define CT_UUID_STRLEN 36

/* Longest anonymous key or username in bytes (256 code points of UTF-8). */
#define CT_IDS_NAME_MAX 1024

/*
 * A canonical UUID's 128 bits as two integers.  Keys order exactly as strcmp
 * orders the lower-case strings, so a batch sorts and searches its ids by
 * integer comparisons and still agrees with PostgreSQL and with strcmp.
 */
struct ct_uuid_key {
	uint64_t hi, lo;
};

/*
 * The key of uuid, a canonical UUID string (36 characters, as the event
 * parser and PostgreSQL's uuid output write them; either case).
 */
struct ct_uuid_key ct_ids_uuid_key(const char *uuid);

/* The 16 bytes of a canonical UUID string, in order (big-endian). */
void ct_ids_uuid_bytes(const char *uuid, unsigned char out[16]);

/* <0, 0, >0 as a orders before, equal to, after b. */
static inline int ct_ids_uuid_key_cmp(const struct ct_uuid_key *a,
				      const struct ct_uuid_key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

static inline bool ct_ids_uuid_key_eq(const struct ct_uuid_key *a,
				      const struct ct_uuid_key *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

/*
 * Writes the lower-case canonical UUIDv5 of name (len bytes) in the contract
 * namespace to out (CT_UUID_STRLEN + 1 bytes).
 */
void ct_ids_uuid5(const char *name, size_t len, char out[CT_UUID_STRLEN + 1]);

/* Profile id of an anonymous key: UUIDv5 of "convtrack:anonymous:<key>". */
void ct_ids_anonymous_profile(const char *key, char out[CT_UUID_STRLEN + 1]);

/* Profile id of a username: UUIDv5 of "convtrack:user:<username>". */
void ct_ids_user_profile(const char *username, char out[CT_UUID_STRLEN + 1]);

/*
 * Event id of summary version `version` of session_id (lower-case UUID):
 * UUIDv5 of "convtrack:summary:<session_id>:<version>".
 */
void ct_ids_summary_event(const char *session_id, long version,
			  char out[CT_UUID_STRLEN + 1]);

/*
 * True when an anonymous_id identifies nobody (contract rule 1): empty or
 * blank, "anonymous", "null", "undefined", "none", "0", "-1", or all zeros,
 * case-insensitive, surrounding white space ignored.  "All zeros" is any
 * string of '0' and '-' with at least one '0' (the nil UUID too).
 */
bool ct_ids_anonymous_id_is_placeholder(const char *anonymous_id);

/*
 * Writes a session's anonymous key to out (outlen bytes) per rule 1:
 * anonymous_id when present (not NULL) and not a placeholder; participant_id
 * when anonymous_id is absent (NULL); "session:<session_id>" when
 * anonymous_id is a placeholder.  Returns 0, or -1 when out is too small.
 */
int ct_ids_anonymous_key(const char *anonymous_id, const char *participant_id,
			 const char *session_id, char *out, size_t outlen)
	__attribute__((warn_unused_result));

#endif
