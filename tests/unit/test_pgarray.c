/*
 * Unit tests of the PostgreSQL array literal builder: quoting, escaping,
 * NULLs, numbers and growth past the first allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pgarray.h"

int main(void)
{
	struct ct_pgarray a;
	char *big;
	size_t i;

	ct_pgarray_init(&a);
	CHECK_STR(ct_pgarray_str(&a), "{}");
	ct_pgarray_free(&a);

	ct_pgarray_add(&a, "plain");
	ct_pgarray_add(&a, NULL);
	ct_pgarray_add(&a, "say \"hi\" \\ bye,{x}");
	ct_pgarray_add_int(&a, -42);
	ct_pgarray_add_len(&a, "abcdef", 3);
	CHECK_STR(ct_pgarray_str(&a),
		  "{\"plain\",NULL,\"say \\\"hi\\\" \\\\ bye,{x}\",-42,\"abc\"}");
	CHECK(a.count == 5);
	ct_pgarray_free(&a);

	ct_pgarray_add_time(&a, 0);
	ct_pgarray_add_time(&a, 951782400123456LL); /* 2000-02-29 */
	CHECK_STR(ct_pgarray_str(&a), "{\"1970-01-01 00:00:00.000000+00\","
				      "\"2000-02-29 00:00:00.123456+00\"}");
	ct_pgarray_free(&a);

	big = malloc(100001);
	memset(big, 'q', 100000);
	big[100000] = '\0';
	for (i = 0; i < 20; i++)
		ct_pgarray_add(&a, big);
	CHECK(ct_pgarray_str(&a) != NULL);
	CHECK(strlen(ct_pgarray_str(&a)) == 20 * 100002 + 19 + 2);
	ct_pgarray_free(&a);
	free(big);
	return ct_check_done();
}
