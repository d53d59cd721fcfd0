/* Unit test of the embedded data lookup (data/runtime/selftest.txt). */
#include "check.h"
#include "embedded.h"

int main(void)
{
	size_t len = 0;
	const char *d = ct_embedded_get("selftest.txt", &len);

	CHECK(d != NULL);
	CHECK(len == 6);
	CHECK_STR(d, "hello\n");
	CHECK(ct_embedded_get("no-such-file", NULL) == NULL);
	CHECK(ct_embedded_get("README.md", NULL) == NULL);
	return ct_check_done();
}
