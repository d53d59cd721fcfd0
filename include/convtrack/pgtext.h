/*
 * PostgreSQL's text output turned into JSON values: timestamps into RFC
 * 3339 in UTC with milliseconds, one-dimensional arrays into JSON arrays.
 * The operator queries (repo_cli.c) hand their results over in these
 * forms, so that no caller sees "{loans}" or "2026-11-02 08:03:12.58+00";
 * the operator commands use ct_pgtext_time() for the few times they get
 * otherwise (a retention cutoff, an erasure's event).  Pure.
 */
#ifndef CONVTRACK_PGTEXT_H
#define CONVTRACK_PGTEXT_H

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" and the NUL. */
#define CT_PGTEXT_TIME_LEN 25 /* CT_CALTIME_RFC3339_LEN */

/* What the elements of an array are. */
enum ct_pgtext_elem {
	CT_PGTEXT_STRING = 0, /* JSON strings */
	CT_PGTEXT_NUMBER,     /* JSON numbers */
	CT_PGTEXT_BOOL,       /* JSON booleans ("t", "f") */
	CT_PGTEXT_TIME,       /* timestamps: RFC 3339 strings */
};

/*
 * Writes to out the RFC 3339 form, in UTC with milliseconds (truncated),
 * of pg: a timestamptz or timestamp in the ISO DateStyle PostgreSQL prints
 * ("2026-11-02 08:03:12.58+00", "... 08:03:12+05:30"; no offset: UTC).
 * Years 1 to 9999.  Returns 0, or -1 when pg is not such a time (out is
 * then "").
 */
int ct_pgtext_time(const char *pg, char out[CT_PGTEXT_TIME_LEN])
	__attribute__((warn_unused_result));

/*
 * The JSON array of a one-dimensional array literal ('{a,"b c",NULL}'):
 * NULL elements become null, the others JSON values of kind elem (a
 * number or time that does not parse stays a string).  Returns a malloc'd
 * NUL-terminated string, or NULL when literal is not such an array or
 * memory runs out.
 */
char *ct_pgtext_array_json(const char *literal, enum ct_pgtext_elem elem)
	__attribute__((warn_unused_result));

#endif
