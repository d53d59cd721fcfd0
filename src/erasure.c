/*
 * Erasure: keyed hashes of erased usernames and sessions (see
 * include/convtrack/erasure.h).  HMAC-SHA256 comes from OpenSSL's
 * libcrypto, as for redaction.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "convtrack/erasure.h"

/* Longest kind ":" value hashed; longer values are refused. */
#define CT_ERASURE_MAX_INPUT 2048

int ct_erasure_hash(const char *key, size_t key_len, const char *kind,
		    const char *value, char out[CT_ERASURE_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char input[CT_ERASURE_MAX_INPUT];
	size_t klen, vlen;

	if (!key || key_len == 0 || key_len > 4096 || !kind || !value || !out)
		return -1;
	klen = strlen(kind);
	vlen = strlen(value);
	if (klen + 1 + vlen > sizeof(input))
		return -1;
	memcpy(input, kind, klen);
	input[klen] = ':';
	memcpy(input + klen + 1, value, vlen);
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)input,
		  klen + 1 + vlen, md, &mdlen) || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return 0;
}
