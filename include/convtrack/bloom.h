/*
 * Blocked Bloom filter over 16-byte keys (message ids).
 *
 * Answers "certainly not in the set" or "maybe in the set", with no false
 * negatives and, at the default 12 bits per key, about 1 % false
 * positives.  Each key's bits lie in one 64-byte block, so an answer costs
 * one cache miss.  The message-id registry (docs/history-cost.md) keeps
 * one filter per sealed run of ids, so that a worker reads a run's index
 * in PostgreSQL only for ids that may be in it.
 *
 * A filter is built by whoever seals a run and stored with it; every worker
 * decodes it.  The encoded form, and so the hashing, is versioned:
 *
 *   "CTBF", version (1), k, 2 bytes zero, blocks (uint32, big-endian),
 *   then blocks * 64 bytes of bits.
 */
#ifndef CONVTRACK_BLOOM_H
#define CONVTRACK_BLOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_BLOOM_BLOCK_BYTES 64
#define CT_BLOOM_HEADER_BYTES 12
/* Bits per key that ct_bloom_new uses when given 0. */
#define CT_BLOOM_BITS_PER_KEY 12

struct ct_bloom;

/*
 * A filter sized for keys keys at bits_per_key bits each (0: the default),
 * at least one block.  NULL when out of memory or when keys and
 * bits_per_key ask for more than 2^32 blocks.
 */
struct ct_bloom *ct_bloom_new(uint64_t keys, unsigned bits_per_key);

/* Frees bf; ct_bloom_free(NULL) does nothing. */
void ct_bloom_free(struct ct_bloom *bf);

/* Adds key (16 bytes). */
void ct_bloom_add(struct ct_bloom *bf, const unsigned char key[16]);

/* false when key was certainly never added; true when it may have been. */
bool ct_bloom_maybe(const struct ct_bloom *bf, const unsigned char key[16]);

/* Bytes of bf's encoded form. */
size_t ct_bloom_encoded_size(const struct ct_bloom *bf);

/* Writes bf's encoded form, ct_bloom_encoded_size(bf) bytes, to out. */
void ct_bloom_encode(const struct ct_bloom *bf, unsigned char *out);

/*
 * The filter that buf (len bytes) encodes, or NULL with *why set to a
 * static reason: not a filter, a version this build does not know, a
 * length that does not match its header, or out of memory.
 */
struct ct_bloom *ct_bloom_decode(const unsigned char *buf, size_t len,
				 const char **why);

#endif
