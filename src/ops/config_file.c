/*
 * Configuration, the libconfig file: loads `convtrack --config FILE` over
 * the defaults.  Each top-level group is a section of the settings table,
 * each member one of its keys, checked for its type and range against the
 * table (config_int.h), so an unknown key or a wrong value names the key
 * and the file and line.  The only file of the program that includes
 * libconfig.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "config_int.h"

/* True when name is 1..CT_CFG_PROPERTY_MAX of [a-zA-Z0-9._-]. */
static bool ct_cfg_prop_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CT_CFG_PROPERTY_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* Loads a string setting s from the file setting v. */
static int ct_cfg_file_string(struct ct_cfg_ctx *ctx,
			      const struct ct_cfg_setting *s,
			      const config_setting_t *v)
{
	if (config_setting_type(v) != CONFIG_TYPE_STRING)
		return ct_cfg_fail(ctx, "%s in %s:%u must be a string", s->name,
				   ctx->path, config_setting_source_line(v));
	if (ct_cfg_set_string(ct_cfg_str(ctx->cfg, s),
			      config_setting_get_string(v)))
		return ct_cfg_fail(ctx, "out of memory");
	return 0;
}

/* Loads an int setting s from the file setting v (libconfig int or int64). */
static int ct_cfg_file_int(struct ct_cfg_ctx *ctx,
			   const struct ct_cfg_setting *s,
			   const config_setting_t *v)
{
	int type = config_setting_type(v);
	long long n;

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return ct_cfg_fail(ctx, "%s in %s:%u must be an integer in "
				   "%d..%d", s->name, ctx->path,
				   config_setting_source_line(v), s->min,
				   s->max);
	n = config_setting_get_int64(v);
	if (n < s->min || n > s->max)
		return ct_cfg_fail(ctx, "%s = %lld in %s:%u is out of range "
				   "%d..%d", s->name, n, ctx->path,
				   config_setting_source_line(v), s->min,
				   s->max);
	*ct_cfg_int(ctx->cfg, s) = (int)n;
	return 0;
}

/* Loads a boolean setting s from the file setting v (true or false). */
static int ct_cfg_file_bool(struct ct_cfg_ctx *ctx,
			    const struct ct_cfg_setting *s,
			    const config_setting_t *v)
{
	if (config_setting_type(v) != CONFIG_TYPE_BOOL)
		return ct_cfg_fail(ctx, "%s in %s:%u must be true or false",
				   s->name, ctx->path,
				   config_setting_source_line(v));
	*ct_cfg_int(ctx->cfg, s) = config_setting_get_bool(v) ? 1 : 0;
	return 0;
}

/*
 * Converts the value of a kafka.properties entry (string, int, int64 or
 * bool) to the string librdkafka wants, in buf.  Returns the string, or NULL
 * for any other type.
 */
static const char *ct_cfg_prop_value(const config_setting_t *v, char *buf,
				     size_t len)
{
	switch (config_setting_type(v)) {
	case CONFIG_TYPE_STRING:
		return config_setting_get_string(v);
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(buf, len, "%lld", config_setting_get_int64(v));
		return buf;
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(v) ? "true" : "false";
	default:
		return NULL;
	}
}

/* Loads entry number n (1-based, for messages) of kafka.properties. */
static int ct_cfg_file_prop(struct ct_cfg_ctx *ctx, const config_setting_t *e,
			    int n)
{
	unsigned line = config_setting_source_line(e);
	const config_setting_t *name = NULL, *value = NULL;
	const char *str, *val;
	char buf[32];

	if (config_setting_is_group(e)) {
		name = config_setting_get_member(e, "name");
		value = config_setting_get_member(e, "value");
	}
	if (!name || !value || config_setting_length(e) != 2)
		return ct_cfg_fail(ctx, "kafka.properties entry %d in %s:%u "
				   "must be { name = \"...\"; value = ...; }",
				   n, ctx->path, line);
	if (config_setting_type(name) != CONFIG_TYPE_STRING ||
	    !ct_cfg_prop_name_valid(config_setting_get_string(name)))
		return ct_cfg_fail(ctx, "kafka.properties entry %d in %s:%u: "
				   "name must be a string of 1..%d "
				   "[a-zA-Z0-9._-]",
				   n, ctx->path, line, CT_CFG_PROPERTY_MAX);
	str = config_setting_get_string(name);
	if (ct_cfg_prop_find(ctx->cfg, str) >= 0)
		return ct_cfg_fail(ctx, "kafka.properties entry '%s' in "
				   "%s:%u is given twice", str, ctx->path,
				   line);
	val = ct_cfg_prop_value(value, buf, sizeof(buf));
	if (!val)
		return ct_cfg_fail(ctx, "kafka.properties entry '%s' in "
				   "%s:%u: value must be a string, integer "
				   "or boolean",
				   str, ctx->path, line);
	if (ct_cfg_prop_set(ctx->cfg, str, val))
		return ct_cfg_fail(ctx, "out of memory");
	return 0;
}

/* Loads kafka.properties from the file setting v, a list of groups. */
static int ct_cfg_file_props(struct ct_cfg_ctx *ctx,
			     const config_setting_t *v)
{
	int count = config_setting_length(v);

	/* "[]" is how libconfig spells an empty array; accept it as empty. */
	if (config_setting_type(v) == CONFIG_TYPE_ARRAY && count == 0)
		return 0;
	if (config_setting_type(v) != CONFIG_TYPE_LIST)
		return ct_cfg_fail(ctx, "kafka.properties in %s:%u must be a "
				   "list: ( { name = \"...\"; value = ...; }, "
				   "... )",
				   ctx->path, config_setting_source_line(v));
	for (int i = 0; i < count; i++)
		if (ct_cfg_file_prop(ctx, config_setting_get_elem(v, i), i + 1))
			return -1;
	return 0;
}

/* Loads one member v of the file group section. */
static int ct_cfg_file_setting(struct ct_cfg_ctx *ctx, const char *section,
			       const config_setting_t *v)
{
	const struct ct_cfg_setting *s;
	char name[128];

	snprintf(name, sizeof(name), "%s.%s", section, config_setting_name(v));
	s = ct_cfg_find(name);
	if (!s && config_setting_is_group(v) && !strchr(section, '.')) {
		/* one level of nesting: serve = { postgres = { conninfo ... } } */
		for (int j = 0; j < config_setting_length(v); j++)
			if (ct_cfg_file_setting(ctx, name,
						config_setting_get_elem(v, j)))
				return -1;
		return 0;
	}
	if (!s)
		return ct_cfg_fail(ctx, "unknown setting '%s' in %s:%u", name,
				   ctx->path, config_setting_source_line(v));
	switch (s->type) {
	case CT_CFG_STRING:
	case CT_CFG_CONNINFO:
	case CT_CFG_SECRET:
		return ct_cfg_file_string(ctx, s, v);
	case CT_CFG_INT:
		return ct_cfg_file_int(ctx, s, v);
	case CT_CFG_BOOL:
		return ct_cfg_file_bool(ctx, s, v);
	case CT_CFG_PROPERTIES:
		return ct_cfg_file_props(ctx, v);
	}
	return 0;
}

/* Loads every top-level group of the parsed file below root. */
static int ct_cfg_file_root(struct ct_cfg_ctx *ctx,
			    const config_setting_t *root)
{
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *g = config_setting_get_elem(root, i);
		const char *section = config_setting_name(g);

		if (!ct_cfg_section_known(section))
			return ct_cfg_fail(ctx, "unknown setting '%s' in %s:%u",
					   section, ctx->path,
					   config_setting_source_line(g));
		if (!config_setting_is_group(g))
			return ct_cfg_fail(ctx, "%s in %s:%u must be a group: "
					   "%s = { ... };", section, ctx->path,
					   config_setting_source_line(g),
					   section);
		for (int j = 0; j < config_setting_length(g); j++)
			if (ct_cfg_file_setting(ctx, section,
						config_setting_get_elem(g, j)))
				return -1;
	}
	return 0;
}

/* Parses the libconfig file ctx->path and loads it over the defaults. */
int ct_cfg_file(struct ct_cfg_ctx *ctx)
{
	config_t lc;
	int rc;

	config_init(&lc);
	if (!config_read_file(&lc, ctx->path)) {
		int saved = errno;

		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			rc = ct_cfg_fail(ctx, "cannot read %s: %s", ctx->path,
					 strerror(saved));
		else
			rc = ct_cfg_fail(ctx, "%s:%d: %s",
					 config_error_file(&lc) ?
						 config_error_file(&lc) :
						 ctx->path,
					 config_error_line(&lc),
					 config_error_text(&lc));
		config_destroy(&lc);
		return rc;
	}
	rc = ct_cfg_file_root(ctx, config_root_setting(&lc));
	config_destroy(&lc);
	return rc;
}
