/*
 * Unit tests of the blocked Bloom filter (include/convtrack/bloom.h): no
 * false negatives, a false-positive rate near the design's, sequential
 * ids spread like random ones, and an encoded form that round-trips and
 * is refused when damaged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/bloom.h"

/* A deterministic stream of 16-byte keys (xorshift64*). */
static uint64_t rng_state = UINT64_C(0x243f6a8885a308d3);

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static void random_key(unsigned char key[16])
{
	uint64_t a = rng(), b = rng();

	memcpy(key, &a, 8);
	memcpy(key + 8, &b, 8);
	key[6] = (unsigned char)((key[6] & 0x0f) | 0x40); /* a v4 UUID */
	key[8] = (unsigned char)((key[8] & 0x3f) | 0x80);
}

/* The n-th of a run of ids that differ only in their last bytes. */
static void sequential_key(uint64_t n, unsigned char key[16])
{
	int i;

	memset(key, 0, 16);
	key[0] = 0x01;
	for (i = 0; i < 8; i++)
		key[15 - i] = (unsigned char)(n >> (8 * i));
}

/* Fraction of probes keys (never added) that the filter calls "maybe". */
static double false_positives(const struct ct_bloom *bf, int probes, int sequential_from)
{
	unsigned char key[16];
	int i, fp = 0;

	for (i = 0; i < probes; i++) {
		if (sequential_from >= 0)
			sequential_key((uint64_t)sequential_from + (uint64_t)i, key);
		else
			random_key(key);
		fp += ct_bloom_maybe(bf, key);
	}
	return (double)fp / probes;
}

static void test_membership(void)
{
	enum { N = 200000 };
	unsigned char(*keys)[16] = malloc((size_t)N * 16);
	struct ct_bloom *bf = ct_bloom_new(N, 0);
	int i, missed = 0;
	double fp;

	CHECK(keys && bf);
	if (!keys || !bf)
		goto out;
	for (i = 0; i < N; i++) {
		random_key(keys[i]);
		ct_bloom_add(bf, keys[i]);
	}
	for (i = 0; i < N; i++)
		missed += !ct_bloom_maybe(bf, keys[i]);
	CHECK(missed == 0);
	fp = false_positives(bf, 200000, -1);
	printf("random keys: %.2f %% false positives at %d bits per key\n", 100 * fp,
	       CT_BLOOM_BITS_PER_KEY);
	CHECK(fp > 0.001 && fp < 0.02);
out:
	ct_bloom_free(bf);
	free(keys);
}

/* Ids that share their high bits must not crowd a few blocks. */
static void test_sequential(void)
{
	enum { N = 100000 };
	struct ct_bloom *bf = ct_bloom_new(N, 0);
	unsigned char key[16];
	int i, missed = 0;
	double fp;

	CHECK(bf != NULL);
	if (!bf)
		return;
	for (i = 0; i < N; i++) {
		sequential_key((uint64_t)i, key);
		ct_bloom_add(bf, key);
	}
	for (i = 0; i < N; i++) {
		sequential_key((uint64_t)i, key);
		missed += !ct_bloom_maybe(bf, key);
	}
	CHECK(missed == 0);
	fp = false_positives(bf, 100000, N);
	printf("sequential keys: %.2f %% false positives\n", 100 * fp);
	CHECK(fp < 0.02);
	ct_bloom_free(bf);
}

static void test_empty_and_sizes(void)
{
	struct ct_bloom *bf = ct_bloom_new(0, 0);
	unsigned char key[16];

	CHECK(bf != NULL);
	if (bf) {
		random_key(key);
		CHECK(!ct_bloom_maybe(bf, key));
		CHECK(ct_bloom_encoded_size(bf) == CT_BLOOM_HEADER_BYTES + CT_BLOOM_BLOCK_BYTES);
	}
	ct_bloom_free(bf);
	ct_bloom_free(NULL);
	CHECK(ct_bloom_new(UINT64_C(1) << 41, 0) == NULL);
	CHECK(ct_bloom_new(UINT64_C(1) << 36, 64) == NULL);
}

static void test_encoding(void)
{
	struct ct_bloom *bf = ct_bloom_new(1000, 10), *copy;
	unsigned char key[16], *buf;
	const char *why = NULL;
	size_t len;
	int i, agree = 1;

	CHECK(bf != NULL);
	if (!bf)
		return;
	for (i = 0; i < 1000; i++) {
		random_key(key);
		ct_bloom_add(bf, key);
	}
	len = ct_bloom_encoded_size(bf);
	buf = malloc(len);
	CHECK(buf != NULL);
	if (!buf)
		goto out;
	ct_bloom_encode(bf, buf);
	CHECK(memcmp(buf, "CTBF\001", 5) == 0);
	copy = ct_bloom_decode(buf, len, &why);
	CHECK(copy != NULL);
	for (i = 0; copy && i < 20000; i++) {
		random_key(key);
		agree &= ct_bloom_maybe(bf, key) == ct_bloom_maybe(copy, key);
	}
	CHECK(agree);
	ct_bloom_free(copy);

	CHECK(!ct_bloom_decode(buf, len - 1, &why));
	CHECK_STR(why, "a Bloom filter whose header does not match its length");
	CHECK(!ct_bloom_decode(buf, 5, &why));
	CHECK_STR(why, "not a Bloom filter");
	buf[4] = 2;
	CHECK(!ct_bloom_decode(buf, len, &why));
	CHECK_STR(why, "a Bloom filter version this build does not know");
	buf[4] = 1;
	buf[5] = 0;
	CHECK(!ct_bloom_decode(buf, len, &why));
	buf[5] = 17;
	CHECK(!ct_bloom_decode(buf, len, &why));
	buf[0] = 'X';
	CHECK(!ct_bloom_decode(buf, len, &why));
	CHECK_STR(why, "not a Bloom filter");
	free(buf);
out:
	ct_bloom_free(bf);
}

int main(void)
{
	test_membership();
	test_sequential();
	test_empty_and_sizes();
	test_encoding();
	return ct_check_done();
}
