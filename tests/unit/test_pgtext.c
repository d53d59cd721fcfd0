/*
 * Unit tests of PostgreSQL text output as JSON values (src/store/pgtext.c):
 * timestamps in every offset form PostgreSQL prints turned into RFC 3339
 * UTC with milliseconds, across day, month, year and leap-day boundaries,
 * and array literals (quoting, escapes, NULL, numbers, booleans, times)
 * turned into JSON arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/pgtext.h"

static const char *time_of(const char *pg)
{
	static char out[CT_PGTEXT_TIME_LEN];

	if (ct_pgtext_time(pg, out) < 0)
		return "(invalid)";
	return out;
}

static void test_time(void)
{
	CHECK_STR(time_of("2026-11-02 08:03:12.58+00"), "2026-11-02T08:03:12.580Z");
	CHECK_STR(time_of("2026-11-02 08:03:12+00"), "2026-11-02T08:03:12.000Z");
	CHECK_STR(time_of("2026-11-02 08:03:12.123456+00"), "2026-11-02T08:03:12.123Z");
	CHECK_STR(time_of("2026-11-02 08:03:12.9999+00"), "2026-11-02T08:03:12.999Z");
	CHECK_STR(time_of("2026-11-02 08:03:12"), "2026-11-02T08:03:12.000Z");
	/* offsets: hours, minutes, seconds, both signs */
	CHECK_STR(time_of("2026-11-02 08:03:12.5+05:30"), "2026-11-02T02:33:12.500Z");
	CHECK_STR(time_of("2026-11-02 20:00:00-07"), "2026-11-03T03:00:00.000Z");
	CHECK_STR(time_of("1900-01-01 00:00:00+00:19:32"), "1899-12-31T23:40:28.000Z");
	/* across a year and a leap day */
	CHECK_STR(time_of("2024-01-01 01:00:00+02"), "2023-12-31T23:00:00.000Z");
	CHECK_STR(time_of("2024-03-01 00:30:00+01"), "2024-02-29T23:30:00.000Z");
	CHECK_STR(time_of("2023-03-01 00:30:00+01"), "2023-02-28T23:30:00.000Z");
	CHECK_STR(time_of("1969-12-31 23:59:59.999+00"), "1969-12-31T23:59:59.999Z");
	CHECK_STR(time_of("1970-01-01 00:00:00-00:01"), "1970-01-01T00:01:00.000Z");
	/* not times */
	CHECK_STR(time_of("2026-02-30 00:00:00+00"), "(invalid)");
	CHECK_STR(time_of("2026-13-01 00:00:00+00"), "(invalid)");
	CHECK_STR(time_of("2026-11-02"), "(invalid)");
	CHECK_STR(time_of("2026-11-02 08:03:12.+00"), "(invalid)");
	CHECK_STR(time_of("2026-11-02 08:03:12+00 BC"), "(invalid)");
	CHECK_STR(time_of("infinity"), "(invalid)");
	CHECK_STR(time_of(""), "(invalid)");
	CHECK_STR(time_of("0001-01-01 00:00:00+01"), "(invalid)");
}

static void check_array(const char *literal, enum ct_pgtext_elem elem,
			const char *want)
{
	char *got = ct_pgtext_array_json(literal, elem);

	CHECK_STR(got ? got : "(invalid)", want);
	free(got);
}

static void test_array(void)
{
	check_array("{}", CT_PGTEXT_STRING, "[]");
	check_array("{loans}", CT_PGTEXT_STRING, "[\"loans\"]");
	check_array("{loans,cards}", CT_PGTEXT_STRING, "[\"loans\",\"cards\"]");
	check_array("{\"a b\",\"say \\\"hi\\\"\",\"x,y\",\"back\\\\slash\"}",
		    CT_PGTEXT_STRING,
		    "[\"a b\",\"say \\\"hi\\\"\",\"x,y\",\"back\\\\slash\"]");
	check_array("{NULL,\"NULL\",x}", CT_PGTEXT_STRING, "[null,\"NULL\",\"x\"]");
	check_array("{\"\"}", CT_PGTEXT_STRING, "[\"\"]");
	check_array("{\"tab\there\"}", CT_PGTEXT_STRING, "[\"tab\\u0009here\"]");
	check_array("{1,-2,3.5,NULL}", CT_PGTEXT_NUMBER, "[1,-2,3.5,null]");
	check_array("{1e5,NaN}", CT_PGTEXT_NUMBER, "[1e5,\"NaN\"]");
	check_array("{t,f}", CT_PGTEXT_BOOL, "[true,false]");
	check_array("{\"2026-11-02 08:03:12.58+00\",NULL}", CT_PGTEXT_TIME,
		    "[\"2026-11-02T08:03:12.580Z\",null]");
	check_array("{7c9e6679-7425-40de-944b-e07fc1f90ae7}", CT_PGTEXT_STRING,
		    "[\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"]");
	/* not one-dimensional array literals */
	check_array("loans", CT_PGTEXT_STRING, "(invalid)");
	check_array("{{1,2},{3,4}}", CT_PGTEXT_NUMBER, "(invalid)");
	check_array("{a,b", CT_PGTEXT_STRING, "(invalid)");
	check_array("{\"a}", CT_PGTEXT_STRING, "(invalid)");
	check_array("{a,,b}", CT_PGTEXT_STRING, "(invalid)");
	check_array("{a}x", CT_PGTEXT_STRING, "(invalid)");
	check_array(NULL, CT_PGTEXT_STRING, "(invalid)");
}

int main(void)
{
	test_time();
	test_array();
	return ct_check_done();
}
