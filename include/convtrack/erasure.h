/*
 * Erasure: the keyed hashes that name what was erased (pure: no I/O).
 *
 * Erasing a person leaves a denylist behind so that replayed or late events
 * of the erased sessions, or of the erased username, are dropped instead
 * of bringing the person back.  The denylist must not itself keep the
 * username or the session ids, so it holds HMAC-SHA256 of them under the
 * key redact.hash_key: without the key a hash cannot be tested against a
 * guessed name.  The worker and `convtrack erase` compute the same hash;
 * PostgreSQL only compares them.
 */
#ifndef CONVTRACK_ERASURE_H
#define CONVTRACK_ERASURE_H

#include <stddef.h>

/* 64 lower-case hex digits of HMAC-SHA256, and the NUL. */
#define CT_ERASURE_HASH_LEN 65

/*
 * The key used when redact.hash_key is empty: public, so it protects
 * nothing.  Good for the demo and the tests only; the worker and the CLI
 * warn loudly when they fall back to it.
 */
#include "convtrack/privacy.h"

/* The same public key as redaction's, so one key serves both. */
#define CT_ERASURE_DEMO_KEY CT_PRIVACY_DEMO_KEY

/* A keyed hasher: the key's inner and outer SHA-256 states, computed once. */
struct ct_erasure_hasher;

/*
 * Builds a hasher for key (key_len bytes, 1..4096; copied).  Returns 0, or
 * -1 for a bad key or when libcrypto or memory fails; *out is NULL then.
 * A hasher keeps scratch state: use one per thread.
 */
int ct_erasure_hasher_new(const char *key, size_t key_len,
			  struct ct_erasure_hasher **out)
	__attribute__((warn_unused_result));

/* Frees h.  Does nothing for NULL. */
void ct_erasure_hasher_free(struct ct_erasure_hasher *h);

/*
 * Writes to out the hex HMAC-SHA256(key, kind ":" value), where kind is
 * "session" (value a canonical lower-case UUID) or "username" (value as it
 * arrives in authenticated events, case and all).  About half a
 * microsecond.  Returns 0, or -1 when an argument is NULL, kind ":" value
 * is longer than 2048 bytes or libcrypto fails.
 */
int ct_erasure_hash(struct ct_erasure_hasher *h, const char *kind,
		    const char *value, char out[CT_ERASURE_HASH_LEN])
	__attribute__((warn_unused_result));

#endif
