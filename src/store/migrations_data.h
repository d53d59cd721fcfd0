/*
 * The schema migrations compiled into the binary (generated from sql/ by
 * cmake/embed_sql.cmake), in the order they are applied.
 */
#ifndef CONVTRACK_MIGRATIONS_DATA_H
#define CONVTRACK_MIGRATIONS_DATA_H

#include <stddef.h>

struct ct_migration {
	const char *name; /* file name, e.g. "001_schema.sql" */
	const char *sql;
};

extern const struct ct_migration ct_migrations[];
extern const size_t ct_migration_count;

#endif
