/*
 * Deterministic identifiers: UUIDv5 names of the contract and the anonymous
 * key of rule 1.  Pure functions over libuuid's SHA-1 name-based generator.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <uuid/uuid.h>

#include "convtrack/ids.h"

/* 6ba7b811-9dad-11d1-80b4-00c04fd430c8 (the RFC's URL namespace). */
static const uuid_t ct_ids_namespace = {
	0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
	0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

/*
 * The value of n hex digits (4 or 8) at s, most significant first, eight
 * at a time: each byte becomes its digit's value ('0'..'9' are 0x30..0x39,
 * bit 6 clear; 'a'..'f' and 'A'..'F' have bit 6 set and low nibble 1..6,
 * so value = low nibble + 9 * bit 6), then the nibbles are packed.
 */
static uint64_t ct_ids_hex(const char *s, int n)
{
	uint64_t v = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, s, (size_t)n); /* s[0] in the lowest byte */
	v = (v & UINT64_C(0x0f0f0f0f0f0f0f0f)) +
	    9 * ((v >> 6) & UINT64_C(0x0101010101010101));
	/* byte pairs: s[0]s[1] in byte 0, s[2]s[3] in byte 2, ... */
	v = ((v << 4) | (v >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	v = (v | (v >> 8)) & UINT64_C(0x0000ffff0000ffff);
	v = (v | (v >> 16)) & UINT64_C(0x00000000ffffffff);
	/* bytes now hold s[0]s[1], s[2]s[3], ... lowest first: reverse */
	v = __builtin_bswap32((uint32_t)v);
	return n == 8 ? v : v >> 16;
#else
	int i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		v = v << 4 | (uint64_t)((c & 0xf) + 9 * (c >> 6));
	}
	return v;
#endif
}

struct ct_uuid_key ct_ids_uuid_key(const char *uuid)
{
	struct ct_uuid_key k;

	/* xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */
	k.hi = ct_ids_hex(uuid, 8) << 32 | ct_ids_hex(uuid + 9, 4) << 16 |
	       ct_ids_hex(uuid + 14, 4);
	k.lo = ct_ids_hex(uuid + 19, 4) << 48 | ct_ids_hex(uuid + 24, 4) << 32 |
	       ct_ids_hex(uuid + 28, 8);
	return k;
}

void ct_ids_uuid_bytes(const char *uuid, unsigned char out[16])
{
	struct ct_uuid_key k = ct_ids_uuid_key(uuid);
	int i;

	for (i = 0; i < 8; i++) {
		out[i] = (unsigned char)(k.hi >> (56 - 8 * i));
		out[8 + i] = (unsigned char)(k.lo >> (56 - 8 * i));
	}
}

void ct_ids_uuid5(const char *name, size_t len, char out[CT_UUID_STRLEN + 1])
{
	uuid_t u;

	uuid_generate_sha1(u, ct_ids_namespace, name, len);
	uuid_unparse_lower(u, out);
}

/* UUIDv5 of prefix followed by value. */
static void ct_ids_uuid5_prefixed(const char *prefix, const char *value,
				  char out[CT_UUID_STRLEN + 1])
{
	size_t plen = strlen(prefix), vlen = strlen(value);
	/* keys and usernames are at most 256 code points: 1 KiB of UTF-8 */
	char buf[CT_IDS_NAME_MAX + 64];

	if (plen + vlen > sizeof(buf))
		vlen = sizeof(buf) - plen; /* unreachable for validated input */
	memcpy(buf, prefix, plen);
	memcpy(buf + plen, value, vlen);
	ct_ids_uuid5(buf, plen + vlen, out);
}

void ct_ids_anonymous_profile(const char *key, char out[CT_UUID_STRLEN + 1])
{
	ct_ids_uuid5_prefixed("convtrack:anonymous:", key, out);
}

void ct_ids_user_profile(const char *username, char out[CT_UUID_STRLEN + 1])
{
	ct_ids_uuid5_prefixed("convtrack:user:", username, out);
}

void ct_ids_summary_event(const char *session_id, long version,
			  char out[CT_UUID_STRLEN + 1])
{
	char name[96];
	int n = snprintf(name, sizeof(name), "convtrack:summary:%s:%ld",
			 session_id, version);

	ct_ids_uuid5(name, (size_t)n, out);
}

bool ct_ids_anonymous_id_is_placeholder(const char *id)
{
	static const char *const words[] = { "anonymous", "null", "undefined",
					     "none", "-1" };
	size_t start = 0, end = strlen(id), i;
	bool zeros = true;

	while (start < end && isspace((unsigned char)id[start]))
		start++;
	while (end > start && isspace((unsigned char)id[end - 1]))
		end--;
	if (start == end)
		return true;
	/* "0", "0000", "00000000-0000-0000-0000-000000000000" */
	for (i = start; i < end; i++)
		if (id[i] != '0' && id[i] != '-')
			zeros = false;
	if (zeros && memchr(id + start, '0', end - start) != NULL)
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == end - start &&
		    strncasecmp(id + start, words[i], end - start) == 0)
			return true;
	return false;
}

int ct_ids_anonymous_key(const char *anonymous_id, const char *participant_id,
			 const char *session_id, char *out, size_t outlen)
{
	int n;

	if (anonymous_id == NULL)
		n = snprintf(out, outlen, "%s", participant_id);
	else if (ct_ids_anonymous_id_is_placeholder(anonymous_id))
		n = snprintf(out, outlen, "session:%s", session_id);
	else
		n = snprintf(out, outlen, "%s", anonymous_id);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}
