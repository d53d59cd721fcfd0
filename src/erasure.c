/*
 * Erasure: keyed hashes of erased usernames and sessions (see
 * include/convtrack/erasure.h).  HMAC-SHA256 (RFC 2104) over OpenSSL's
 * libcrypto digests: the key's padded inner and outer states are hashed
 * once and copied for each value, which makes a hash about four times
 * cheaper than HMAC() from scratch; the worker hashes every session of
 * every batch.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "convtrack/erasure.h"

#define CT_ERASURE_BLOCK 64        /* SHA-256 block size */
#define CT_ERASURE_DIGEST 32       /* SHA-256 digest size */
#define CT_ERASURE_MAX_KEY 4096
#define CT_ERASURE_MAX_INPUT 2048  /* longest kind ":" value */

struct ct_erasure_hasher {
	EVP_MD_CTX *inner; /* SHA-256 after (key ^ ipad) */
	EVP_MD_CTX *outer; /* SHA-256 after (key ^ opad) */
	EVP_MD_CTX *work;
};

void ct_erasure_hasher_free(struct ct_erasure_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->inner);
	EVP_MD_CTX_free(h->outer);
	EVP_MD_CTX_free(h->work);
	free(h);
}

/* ctx = SHA-256 state after one block of key ^ pad. */
static int ct_erasure_pad(EVP_MD_CTX *ctx, const unsigned char *key,
			  unsigned char pad)
{
	unsigned char block[CT_ERASURE_BLOCK];
	int i, ok;

	for (i = 0; i < CT_ERASURE_BLOCK; i++)
		block[i] = key[i] ^ pad;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, block, sizeof(block));
	OPENSSL_cleanse(block, sizeof(block));
	return ok ? 0 : -1;
}

int ct_erasure_hasher_new(const char *key, size_t key_len,
			  struct ct_erasure_hasher **out)
{
	unsigned char k[CT_ERASURE_BLOCK] = { 0 };
	struct ct_erasure_hasher *h;
	unsigned int klen = 0;
	int rc = -1;

	*out = NULL;
	if (!key || key_len == 0 || key_len > CT_ERASURE_MAX_KEY)
		return -1;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	h->inner = EVP_MD_CTX_new();
	h->outer = EVP_MD_CTX_new();
	h->work = EVP_MD_CTX_new();
	if (!h->inner || !h->outer || !h->work)
		goto out_free;
	/* a key longer than a block is replaced by its digest (RFC 2104) */
	if (key_len > CT_ERASURE_BLOCK) {
		if (!EVP_Digest(key, key_len, k, &klen, EVP_sha256(), NULL))
			goto out_free;
	} else {
		memcpy(k, key, key_len);
	}
	if (ct_erasure_pad(h->inner, k, 0x36) < 0 ||
	    ct_erasure_pad(h->outer, k, 0x5c) < 0)
		goto out_free;
	*out = h;
	h = NULL;
	rc = 0;
out_free:
	OPENSSL_cleanse(k, sizeof(k));
	ct_erasure_hasher_free(h);
	return rc;
}

int ct_erasure_hash(struct ct_erasure_hasher *h, const char *kind,
		    const char *value, char out[CT_ERASURE_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ih[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
	unsigned int ilen = 0, mdlen = 0, i;
	size_t klen, vlen;

	if (!h || !kind || !value || !out)
		return -1;
	klen = strlen(kind);
	vlen = strlen(value);
	if (klen + 1 + vlen > CT_ERASURE_MAX_INPUT)
		return -1;
	if (!EVP_MD_CTX_copy_ex(h->work, h->inner) ||
	    !EVP_DigestUpdate(h->work, kind, klen) ||
	    !EVP_DigestUpdate(h->work, ":", 1) ||
	    !EVP_DigestUpdate(h->work, value, vlen) ||
	    !EVP_DigestFinal_ex(h->work, ih, &ilen) ||
	    !EVP_MD_CTX_copy_ex(h->work, h->outer) ||
	    !EVP_DigestUpdate(h->work, ih, ilen) ||
	    !EVP_DigestFinal_ex(h->work, md, &mdlen) || mdlen != CT_ERASURE_DIGEST)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return 0;
}
