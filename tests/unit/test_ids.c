/*
 * Unit tests of the deterministic identifiers (contract sections 3 and 4)
 * and of rule 1's anonymous key.  Expected UUIDs were computed
 * independently with Python's uuid.uuid5.
 */
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

int main(void)
{
	test_uuid5();
	test_placeholders();
	test_keys();
	return ct_check_done();
}
