/*
 * Blocked Bloom filter (include/convtrack/bloom.h).
 *
 * A key's 128 bits are mixed into two 64-bit hashes.  The first picks the
 * block (by multiplication, not modulo, so any number of blocks is
 * uniform); the second and a third derived from it set k bits of the
 * block's 512 by double hashing.  Message ids are mostly random already;
 * the mixing is there for the ids that are not (UUIDv7, sequential test
 * ids), whose high bits would otherwise crowd a few blocks.  A producer
 * that chooses ids to collide gains only probes that find nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "convtrack/bloom.h"

#define CT_BLOOM_VERSION 1
#define CT_BLOOM_BLOCK_BITS (CT_BLOOM_BLOCK_BYTES * 8)

struct ct_bloom {
	uint32_t blocks;
	unsigned k;
	unsigned char *bits; /* blocks * CT_BLOOM_BLOCK_BYTES */
};

/* splitmix64's finalizer: every input bit reaches every output bit. */
static uint64_t ct_bloom_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static uint64_t ct_bloom_load64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The block of key and the two hashes that place its bits in it. */
static unsigned char *ct_bloom_locate(const struct ct_bloom *bf, const unsigned char key[16],
				      uint64_t *h2, uint64_t *h3)
{
	uint64_t hi = ct_bloom_load64(key), lo = ct_bloom_load64(key + 8);
	uint64_t h1 = ct_bloom_mix(hi ^ ct_bloom_mix(lo + UINT64_C(0x9e3779b97f4a7c15)));
	uint64_t block = ((h1 >> 32) * bf->blocks) >> 32;

	*h2 = ct_bloom_mix(h1);
	*h3 = (*h2 >> 32) | 1;
	return bf->bits + block * CT_BLOOM_BLOCK_BYTES;
}

static struct ct_bloom *ct_bloom_alloc(uint32_t blocks, unsigned k)
{
	struct ct_bloom *bf = malloc(sizeof(*bf));

	if (!bf)
		return NULL;
	bf->blocks = blocks;
	bf->k = k;
	bf->bits = calloc(blocks, CT_BLOOM_BLOCK_BYTES);
	if (!bf->bits) {
		free(bf);
		return NULL;
	}
	return bf;
}

struct ct_bloom *ct_bloom_new(uint64_t keys, unsigned bits_per_key)
{
	uint64_t blocks;
	unsigned k;

	if (bits_per_key == 0)
		bits_per_key = CT_BLOOM_BITS_PER_KEY;
	if (bits_per_key > 64)
		bits_per_key = 64;
	if (keys > (UINT64_C(1) << 40))
		return NULL;
	blocks = (keys * bits_per_key + CT_BLOOM_BLOCK_BITS - 1) / CT_BLOOM_BLOCK_BITS;
	if (blocks == 0)
		blocks = 1;
	if (blocks > UINT32_MAX)
		return NULL;
	/* ln 2 * bits per key, the optimum of an unblocked filter, less one:
	 * a block's bits are fewer and fuller than a whole filter's */
	k = (bits_per_key * 69 + 50) / 100;
	k = k > 2 ? k - 1 : 1;
	if (k > 16)
		k = 16;
	return ct_bloom_alloc((uint32_t)blocks, k);
}

void ct_bloom_free(struct ct_bloom *bf)
{
	if (!bf)
		return;
	free(bf->bits);
	free(bf);
}

void ct_bloom_add(struct ct_bloom *bf, const unsigned char key[16])
{
	uint64_t h2, h3;
	unsigned char *b = ct_bloom_locate(bf, key, &h2, &h3);
	unsigned i;

	for (i = 0; i < bf->k; i++) {
		unsigned bit = (unsigned)((h2 + i * h3) % CT_BLOOM_BLOCK_BITS);

		b[bit / 8] |= (unsigned char)(1u << (bit % 8));
	}
}

bool ct_bloom_maybe(const struct ct_bloom *bf, const unsigned char key[16])
{
	uint64_t h2, h3;
	const unsigned char *b = ct_bloom_locate(bf, key, &h2, &h3);
	unsigned i;

	for (i = 0; i < bf->k; i++) {
		unsigned bit = (unsigned)((h2 + i * h3) % CT_BLOOM_BLOCK_BITS);

		if (!(b[bit / 8] & (1u << (bit % 8))))
			return false;
	}
	return true;
}

size_t ct_bloom_encoded_size(const struct ct_bloom *bf)
{
	return CT_BLOOM_HEADER_BYTES + (size_t)bf->blocks * CT_BLOOM_BLOCK_BYTES;
}

void ct_bloom_encode(const struct ct_bloom *bf, unsigned char *out)
{
	memcpy(out, "CTBF", 4);
	out[4] = CT_BLOOM_VERSION;
	out[5] = (unsigned char)bf->k;
	out[6] = out[7] = 0;
	out[8] = (unsigned char)(bf->blocks >> 24);
	out[9] = (unsigned char)(bf->blocks >> 16);
	out[10] = (unsigned char)(bf->blocks >> 8);
	out[11] = (unsigned char)bf->blocks;
	memcpy(out + CT_BLOOM_HEADER_BYTES, bf->bits, (size_t)bf->blocks * CT_BLOOM_BLOCK_BYTES);
}

struct ct_bloom *ct_bloom_decode(const unsigned char *buf, size_t len, const char **why)
{
	struct ct_bloom *bf;
	uint32_t blocks;

	if (len < CT_BLOOM_HEADER_BYTES || memcmp(buf, "CTBF", 4) != 0) {
		*why = "not a Bloom filter";
		return NULL;
	}
	if (buf[4] != CT_BLOOM_VERSION) {
		*why = "a Bloom filter version this build does not know";
		return NULL;
	}
	blocks = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11];
	if (buf[5] < 1 || buf[5] > 16 || buf[6] || buf[7] || blocks == 0 ||
	    (len - CT_BLOOM_HEADER_BYTES) / CT_BLOOM_BLOCK_BYTES != blocks ||
	    (len - CT_BLOOM_HEADER_BYTES) % CT_BLOOM_BLOCK_BYTES != 0) {
		*why = "a Bloom filter whose header does not match its length";
		return NULL;
	}
	bf = ct_bloom_alloc(blocks, buf[5]);
	if (!bf) {
		*why = "out of memory";
		return NULL;
	}
	memcpy(bf->bits, buf + CT_BLOOM_HEADER_BYTES, (size_t)blocks * CT_BLOOM_BLOCK_BYTES);
	return bf;
}
