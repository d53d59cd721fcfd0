/*
 * Unit tests of the deterministic identifiers (contract sections 3 and 4)
 * and of rule 1's anonymous key.  Expected UUIDs were computed
 * independently with Python's uuid.uuid5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/ids.h"

static void test_uuid5(void)
{
	char id[CT_UUID_STRLEN + 1];

	ct_ids_anonymous_profile("dev-7f3a9c21", id);
	CHECK_STR(id, "8d238ffb-f3d5-5ef8-88e3-2bbcd42e20e6");
	ct_ids_user_profile("sarah.moyo", id);
	CHECK_STR(id, "ce80d278-ee7b-5a81-ba51-d2ea4e2a1809");
	ct_ids_summary_event("2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11", 2, id);
	CHECK_STR(id, "8b5a0580-a118-5419-8bf9-ccd4ceb1a6e8");
	ct_ids_anonymous_profile("Zo\xc3\xab", id);
	CHECK_STR(id, "e2de17bc-1d47-5528-a125-b76a964e0f8c");
}

static void test_placeholders(void)
{
	static const char *const yes[] = {
		"", "   ", "\t", "anonymous", "ANONYMOUS", "Null", "undefined",
		"none", "0", "-1", "0000", " 00000000-0000-0000-0000-000000000000 ",
		" null ",
	};
	static const char *const no[] = {
		"dev-1", "anon", "nullable", "10", "-", "-2", "0x0", "none1",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(ct_ids_anonymous_id_is_placeholder(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!ct_ids_anonymous_id_is_placeholder(no[i]));
}

static void test_keys(void)
{
	const char *sid = "2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11";
	char key[64];

	CHECK(ct_ids_anonymous_key("dev-1", "pstn-1", sid, key, sizeof(key)) == 0);
	CHECK_STR(key, "dev-1");
	CHECK(ct_ids_anonymous_key(NULL, "pstn-1", sid, key, sizeof(key)) == 0);
	CHECK_STR(key, "pstn-1");
	CHECK(ct_ids_anonymous_key("undefined", "pstn-1", sid, key, sizeof(key)) == 0);
	CHECK_STR(key, "session:2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11");
	CHECK(ct_ids_anonymous_key("", "pstn-1", sid, key, sizeof(key)) == 0);
	CHECK_STR(key, "session:2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11");
	CHECK(ct_ids_anonymous_key("dev-1", "p", sid, key, 4) == -1);
}

/* Keys and bytes of canonical UUIDs; key order is strcmp's order. */
static void test_uuid_keys(void)
{
	static const unsigned char want[16] = {
		0x2f, 0x1b, 0x6c, 0x1e, 0x8c, 0x1d, 0x4c, 0x59,
		0x9a, 0x53, 0x0d, 0x5f, 0x5a, 0x7d, 0x3b, 0x11,
	};
	struct ct_uuid_key k = ct_ids_uuid_key("2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11");
	struct ct_uuid_key up = ct_ids_uuid_key("2F1B6C1E-8C1D-4C59-9A53-0D5F5A7D3B11");
	unsigned char b[16];
	char s[200][CT_UUID_STRLEN + 1];
	int i, j;

	CHECK(k.hi == UINT64_C(0x2f1b6c1e8c1d4c59));
	CHECK(k.lo == UINT64_C(0x9a530d5f5a7d3b11));
	CHECK(ct_ids_uuid_key_eq(&k, &up));
	ct_ids_uuid_bytes("2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11", b);
	CHECK(memcmp(b, want, sizeof(want)) == 0);
	k = ct_ids_uuid_key("ffffffff-ffff-ffff-ffff-ffffffffffff");
	CHECK(k.hi == UINT64_MAX && k.lo == UINT64_MAX);
	k = ct_ids_uuid_key("00000000-0000-0000-0000-000000000000");
	CHECK(k.hi == 0 && k.lo == 0);

	/* ids that share prefixes and differ in one digit, in either half */
	srand(7);
	for (i = 0; i < 200; i++) {
		static const char hex[] = "0123456789abcdef";

		for (j = 0; j < CT_UUID_STRLEN; j++)
			s[i][j] = (j == 8 || j == 13 || j == 18 || j == 23) ? '-'
			    : i > 0 && rand() % 4 ? s[i - 1][j] : hex[rand() % 16];
		s[i][CT_UUID_STRLEN] = '\0';
	}
	for (i = 0; i < 200; i++) {
		struct ct_uuid_key a = ct_ids_uuid_key(s[i]);

		for (j = 0; j < 200; j++) {
			struct ct_uuid_key c = ct_ids_uuid_key(s[j]);
			int want_sign = strcmp(s[i], s[j]);
			int got = ct_ids_uuid_key_cmp(&a, &c);

			CHECK((want_sign > 0) == (got > 0) && (want_sign < 0) == (got < 0));
		}
	}
}

int main(void)
{
	test_uuid5();
	test_uuid_keys();
	test_placeholders();
	test_keys();
	return ct_check_done();
}
