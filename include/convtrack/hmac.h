/*
 * HMAC: the one keyed hash of convtrack, HMAC-SHA256 (RFC 2104) under the
 * key redact.hash_key (pure: no I/O).
 *
 * Three things are named by it, so that a stored value cannot be tested
 * against a guess without the key: redaction's placeholders of phone
 * numbers and emails (text/redact), the contact hashes of authenticated
 * events (worker/privacy), and the erasure denylist of usernames and
 * session ids (store/repo_erase, `convtrack erase`).  The key's padded
 * inner and outer SHA-256 states are computed once by ct_hmac_new(), so
 * each hash costs two compressions of its own input and nothing more.
 */
#ifndef CONVTRACK_HMAC_H
#define CONVTRACK_HMAC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The key used when redact.hash_key is not set and no configuration file
 * was given (scripts/demo.sh, the tests).  It is public, so its hashes
 * protect nothing; the worker and the CLI warn loudly when they use it,
 * and refuse it when a configuration file was given.
 */
#define CT_HMAC_DEMO_KEY "convtrack-demo-key: public, never use in production"

#define CT_HMAC_SIZE 32       /* bytes of an HMAC-SHA256 */
#define CT_HMAC_MAX_KEY 4096  /* longest key accepted */
#define CT_HMAC_MAX_INPUT 2048 /* longest kind ":" value of ct_hmac_name() */

/* 64 lower-case hex digits of a whole HMAC-SHA256, and the NUL. */
#define CT_HMAC_HEX_LEN (2 * CT_HMAC_SIZE + 1)

/* A key, ready to hash with: immutable once built, so threads may share it. */
struct ct_hmac;

/*
 * Builds a key of key_len bytes (1..CT_HMAC_MAX_KEY; copied into the
 * padded states, not kept).  Returns 0, or -1 for a bad key or when
 * libcrypto or memory fails; *out is NULL then.
 */
int ct_hmac_new(const void *key, size_t key_len, struct ct_hmac **out)
	__attribute__((warn_unused_result));

/* Frees h and wipes its states.  Does nothing for NULL. */
void ct_hmac_free(struct ct_hmac *h);

/*
 * md = HMAC-SHA256(key, a || b), where b may be NULL (blen 0).  Returns 0,
 * or -1 when h is NULL or libcrypto fails.
 */
int ct_hmac_sha256(const struct ct_hmac *h, const void *a, size_t alen,
		   const void *b, size_t blen, unsigned char md[CT_HMAC_SIZE])
	__attribute__((warn_unused_result));

/*
 * Writes to out the hex HMAC-SHA256(key, kind ":" value), the erasure
 * denylist's names: kind is "session" (value a canonical lower-case UUID)
 * or "username" (value as it arrives in authenticated events, case and
 * all).  Returns 0, or -1 when an argument is NULL, kind ":" value is
 * longer than CT_HMAC_MAX_INPUT bytes or libcrypto fails.
 */
int ct_hmac_name(const struct ct_hmac *h, const char *kind, const char *value,
		 char out[CT_HMAC_HEX_LEN]) __attribute__((warn_unused_result));

/* md = SHA-256 of n bytes at p (API keys are stored as it).  0 or -1. */
int ct_sha256(const void *p, size_t n, unsigned char md[CT_HMAC_SIZE])
	__attribute__((warn_unused_result));

/* True when n bytes at a and b are equal; the time does not depend on where
 * they differ. */
bool ct_hmac_equal(const void *a, const void *b, size_t n);

/* Wipes n bytes at p in a way the compiler does not optimize away. */
void ct_hmac_cleanse(void *p, size_t n);

#endif
