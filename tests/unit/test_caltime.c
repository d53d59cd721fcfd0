/*
 * Unit tests of calendar time (src/core/caltime.c): day counts around the
 * epoch, leap years and the ends of the supported range, and the RFC 3339
 * form with milliseconds truncated toward the past.
 */
#include <stdint.h>

#include "check.h"
#include "convtrack/caltime.h"

static void test_days(void)
{
	int64_t y;
	int m, d;

	CHECK(ct_caltime_days(1970, 1, 1) == 0);
	CHECK(ct_caltime_days(1969, 12, 31) == -1);
	CHECK(ct_caltime_days(2000, 3, 1) - ct_caltime_days(2000, 2, 28) == 2);
	CHECK(ct_caltime_days(1900, 3, 1) - ct_caltime_days(1900, 2, 28) == 1);
	CHECK(ct_caltime_days(2026, 11, 2) == 20759);
	ct_caltime_civil(20759, &y, &m, &d);
	CHECK(y == 2026 && m == 11 && d == 2);
	ct_caltime_civil(-719162, &y, &m, &d);
	CHECK(y == 1 && m == 1 && d == 1);
	CHECK(ct_caltime_days_in_month(2024, 2) == 29);
	CHECK(ct_caltime_days_in_month(2100, 2) == 28);
	CHECK(ct_caltime_days_in_month(2000, 2) == 29);
	CHECK(ct_caltime_days_in_month(2026, 4) == 30);
}

static void test_rfc3339(void)
{
	char out[CT_CALTIME_RFC3339_LEN];

	CHECK(ct_caltime_rfc3339(0, out) == 0);
	CHECK_STR(out, "1970-01-01T00:00:00.000Z");
	CHECK(ct_caltime_rfc3339(INT64_C(1762070592580999), out) == 0);
	CHECK_STR(out, "2025-11-02T08:03:12.580Z");
	CHECK(ct_caltime_rfc3339(-1, out) == 0);
	CHECK_STR(out, "1969-12-31T23:59:59.999Z");
	CHECK(ct_caltime_rfc3339(INT64_C(253402300799999999), out) == 0);
	CHECK_STR(out, "9999-12-31T23:59:59.999Z");
	CHECK(ct_caltime_rfc3339(INT64_C(253402300800000000), out) < 0);
	CHECK_STR(out, "");
	CHECK(ct_caltime_rfc3339(INT64_C(-62135596800000000), out) == 0);
	CHECK_STR(out, "0001-01-01T00:00:00.000Z");
	CHECK(ct_caltime_rfc3339(INT64_C(-62135596800000001), out) < 0);
}

int main(void)
{
	test_days();
	test_rfc3339();
	return ct_check_done();
}
