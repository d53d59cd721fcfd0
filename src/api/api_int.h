/*
 * Internals of the caller API (src/api), shared by its files and by no one
 * else; the public contract is include/convtrack/api.h.
 *
 *   api.c         the server: the request threads' connections, routing,
 *                 authentication, problems (RFC 9457), the handlers
 *   api_keys.c    the API keys file, constant-time look-up, scopes and the
 *                 per-key token buckets
 *   api_ref.c     caller references ("phone:+263...") and page cursors
 *
 * api.c depends on the other two; they depend on nothing of the folder.
 */
#ifndef CONVTRACK_API_INT_H
#define CONVTRACK_API_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/hmac.h"
#include "convtrack/repo_api.h"

/* ---- API keys (api_keys.c) ---- */

#define CT_API_SCOPE_CALLERS 1u  /* callers:read */
#define CT_API_SCOPE_CLASSIFY 2u /* classify */

#define CT_API_KEYS_MAX 1000

struct ct_api_keys;

/*
 * Loads the keys file at path: one "name sha256-hex scope[,scope]" per
 * line, blank lines and "#" comments ignored.  rate_per_s is every key's
 * token bucket (0: unlimited).  Returns 0, or -1 with the file and line
 * of the first error in err.
 */
int ct_api_keys_load(const char *path, int rate_per_s, struct ct_api_keys **out,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

void ct_api_keys_free(struct ct_api_keys *keys);

/* Number of keys loaded. */
size_t ct_api_keys_count(const struct ct_api_keys *keys);

/*
 * The index of the key whose SHA-256 is that of token[0..len), or -1.
 * Every key is compared, in constant time, whatever matches.
 */
int ct_api_keys_find(const struct ct_api_keys *keys, const char *token,
		     size_t len);

/* The scopes (CT_API_SCOPE_*) and the name of key i. */
unsigned ct_api_keys_scopes(const struct ct_api_keys *keys, int i);
const char *ct_api_keys_name(const struct ct_api_keys *keys, int i);

/*
 * Takes one token of key i's bucket: 0 when the request may go on, else
 * the whole seconds (>= 1) after which one will be there (Retry-After).
 */
int ct_api_keys_take(struct ct_api_keys *keys, int i);

/* ---- references and cursors (api_ref.c) ---- */

/* Longest value of a reference, bytes. */
#define CT_API_REF_MAX 1024

/*
 * Parses a percent-decoded reference "kind:value" into *kind and value
 * (cap bytes): UUIDs are lower-cased, a phone number is normalized to
 * E.164 with default_cc as the worker does.  Returns 0, or -1 with why.
 */
int ct_api_ref_parse(const char *ref, const char *default_cc,
		     enum ct_repo_ref *kind, char *value, size_t cap,
		     const char **why) __attribute__((warn_unused_result));

/* Hex characters of a cursor. */
#define CT_API_CURSOR_LEN 112

/*
 * Writes the cursor of the page after a, for profile_id, signed with h
 * (an opaque, tamper-evident hex string) and a NUL to out.
 */
int ct_api_cursor_encode(const struct ct_hmac *h, const char *profile_id,
			 const struct ct_repo_api_after *a,
			 char out[CT_API_CURSOR_LEN + 1])
	__attribute__((warn_unused_result));

/*
 * Reads a cursor made by ct_api_cursor_encode for profile_id into *a.
 * Returns 0, or -1 for anything else (forged, cut, another profile's).
 */
int ct_api_cursor_decode(const struct ct_hmac *h, const char *profile_id,
			 const char *text, struct ct_repo_api_after *a)
	__attribute__((warn_unused_result));

#endif
