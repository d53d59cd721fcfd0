/*
 * Private to the configuration module (src/ops/config*.c): the table of
 * settings and the helpers that its loaders, its checks and its printer
 * share.  The public contract is include/convtrack/config.h; nothing
 * outside src/ops/config*.c includes this header.
 *
 * config_table.c owns the table and these helpers and depends on no other
 * config file; config.c owns the load entry point (defaults, file,
 * environment, checks, in that order) and the printer; config_file.c reads the libconfig file; config_env.c applies the
 * CONVTRACK_<SECTION>_<KEY> environment; config_check.c validates the
 * result as a whole; config_mask.c finds the secrets that printing hides.
 */
#ifndef CONVTRACK_CONFIG_INT_H
#define CONVTRACK_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

struct ct_config;

/* How a setting is parsed, checked, printed and freed. */
enum ct_cfg_type {
	CT_CFG_STRING,     /* char *; NULL default means "not set" */
	CT_CFG_CONNINFO,   /* char *, a libpq conninfo: password masked */
	CT_CFG_SECRET,     /* char *, printed masked unless empty */
	CT_CFG_INT,        /* int within [min, max] */
	CT_CFG_BOOL,       /* int 0 or 1: true/false in the file, the env too */
	CT_CFG_PROPERTIES, /* kafka.properties: list of name/value groups */
};

struct ct_cfg_setting {
	const char *name;    /* "section.key" */
	enum ct_cfg_type type;
	size_t offset;       /* of the field in struct ct_config */
	const char *def_str; /* default of a string setting */
	int def_int;         /* default of an int setting */
	int min, max;        /* range of an int setting */
	const char *rdkafka; /* librdkafka property it stands for, or NULL */
	const char *desc;    /* one line, printed as a comment */
};

/* Every setting, grouped by section in the order they are printed. */
extern const struct ct_cfg_setting ct_cfg_settings[];

/* Number of entries of ct_cfg_settings. */
extern const size_t ct_cfg_count;

#define CT_CFG_PROPERTY_MAX 128 /* longest kafka.properties name */

/* State of one ct_config_load(): the result and where errors go. */
struct ct_cfg_ctx {
	struct ct_config *cfg;
	const char *path; /* file being loaded, for messages */
	char *err;
	size_t errlen;
};

/* Formats a one-line message into ctx->err.  Always returns -1. */
int ct_cfg_fail(struct ct_cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The string field of cfg that setting s describes. */
char **ct_cfg_str(struct ct_config *cfg, const struct ct_cfg_setting *s);

/* The int field of cfg that setting s describes. */
int *ct_cfg_int(struct ct_config *cfg, const struct ct_cfg_setting *s);

/* Value of the string setting s of cfg (NULL: not set). */
const char *ct_cfg_str_value(const struct ct_config *cfg,
			     const struct ct_cfg_setting *s);

/* Value of the int setting s of cfg. */
int ct_cfg_int_value(const struct ct_config *cfg, const struct ct_cfg_setting *s);

/* The key of s: its name after the section and the dot. */
const char *ct_cfg_key(const struct ct_cfg_setting *s);

/* Length of the section of s's name (the part before the dot). */
size_t ct_cfg_section_len(const struct ct_cfg_setting *s);

/* True when s belongs to section (given as a name without a dot). */
bool ct_cfg_in_section(const struct ct_cfg_setting *s, const char *section);

/* True when some setting belongs to section. */
bool ct_cfg_section_known(const char *section);

/* The setting called name ("section.key"), or NULL. */
const struct ct_cfg_setting *ct_cfg_find(const char *name);

/* Replaces *slot with a copy of value.  Returns 0, or -1 when out of memory. */
int ct_cfg_set_string(char **slot, const char *value)
	__attribute__((warn_unused_result));

/* Index of the kafka.properties entry of cfg called name, or -1. */
long ct_cfg_prop_find(const struct ct_config *cfg, const char *name);

/*
 * Sets the kafka.properties entry name to value, replacing its value when it
 * exists and appending it otherwise.  Returns 0, or -1 when out of memory.
 */
int ct_cfg_prop_set(struct ct_config *cfg, const char *name,
		    const char *value) __attribute__((warn_unused_result));

/* Removes kafka.properties entry i, keeping the order of the others. */
void ct_cfg_prop_remove(struct ct_config *cfg, size_t i);

/*
 * config_file.c: parses the libconfig file ctx->path and loads it over what
 * ctx->cfg holds.  Returns 0, or -1 with the message in ctx.
 */
int ct_cfg_file(struct ct_cfg_ctx *ctx) __attribute__((warn_unused_result));

/*
 * config_env.c: applies the CONVTRACK_<SECTION>_<KEY> variables of every
 * known setting, and CONVTRACK_KAFKA_PROPERTIES_<NAME> of the properties.
 * Returns 0, or -1 with the message in ctx.
 */
int ct_cfg_env(struct ct_cfg_ctx *ctx) __attribute__((warn_unused_result));

/*
 * config_secret.c: reads the secrets named by postgres.password_file,
 * kafka.sasl_password_file and redact.hash_key_file (after the file and the
 * environment are applied) into postgres_password, the sasl.password
 * property and redact.hash_key.  A file that cannot be read, is empty or
 * holds a NUL, or a secret given both ways, is an error naming the setting
 * and the path, never the content.
 */
int ct_cfg_secret_files(struct ct_cfg_ctx *ctx)
	__attribute__((warn_unused_result));

/*
 * config_check.c: checks the effective configuration as a whole.  Returns
 * 0, or -1 with the message (naming the setting) in ctx.
 */
int ct_cfg_validate(struct ct_cfg_ctx *ctx)
	__attribute__((warn_unused_result));

/* A byte range [start, end) of a string that is printed masked. */
struct ct_cfg_span {
	size_t start, end;
};

#define CT_CFG_SPANS_MAX 8

/* Collected secret ranges of one conninfo, in order. */
struct ct_cfg_spans {
	struct ct_cfg_span span[CT_CFG_SPANS_MAX];
	size_t count;
};

/*
 * config_mask.c: finds the secrets of the libpq conninfo s (URI or
 * keyword/value form) and adds their ranges to spans.  Returns 0, or -1
 * when s does not parse the way libpq would or has too many secrets, so the
 * caller masks all of it.
 */
int ct_cfg_conninfo_spans(const char *s, struct ct_cfg_spans *spans)
	__attribute__((warn_unused_result));

/* config_mask.c: true when a kafka.properties entry called name is secret. */
bool ct_cfg_prop_secret(const char *name);

#endif
