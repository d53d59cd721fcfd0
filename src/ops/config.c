/*
 * Configuration: one table of typed settings drives everything.
 *
 * Every setting convtrack knows is one row of ct_cfg_settings below: its
 * "section.key" name, its type, where it lives in struct ct_config, its
 * default, its range and a one-line description.  Defaults, the libconfig
 * file (config_file.c), the CONVTRACK_<SECTION>_<KEY> environment overrides
 * (config_env.c), validation (config_check.c), ct_config_print() and
 * ct_config_free() all walk that one table, so a new setting is one new row
 * plus its struct field, and no setting can be loadable but not
 * overridable, or set but not printed.  The table and the helpers
 * every sibling shares are config_table.c's (config_int.h); this file
 * owns the load entry point, which runs the others in order, and the
 * printer.  libconfig stays in config_file.c, and the rest of the program
 * sees only struct ct_config.
 */
#include "convtrack/config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* What a secret prints as. */
#define CT_CFG_MASK "********"

static int ct_cfg_defaults(struct ct_cfg_ctx *ctx)
{
	for (size_t i = 0; i < ct_cfg_count; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];

		if (s->type == CT_CFG_INT || s->type == CT_CFG_BOOL)
			*ct_cfg_int(ctx->cfg, s) = s->def_int;
		else if (s->type != CT_CFG_PROPERTIES && s->def_str &&
			 ct_cfg_set_string(ct_cfg_str(ctx->cfg, s), s->def_str))
			return ct_cfg_fail(ctx, "out of memory");
	}
	return 0;
}

int ct_config_load(const char *path, struct ct_config **out, char *err,
		   size_t errlen)
{
	struct ct_cfg_ctx ctx = { .path = path, .err = err, .errlen = errlen };

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	ctx.cfg = calloc(1, sizeof(*ctx.cfg));
	if (!ctx.cfg)
		return ct_cfg_fail(&ctx, "out of memory");
	if (ct_cfg_defaults(&ctx))
		goto out_free_cfg;
	if (path && ct_cfg_file(&ctx))
		goto out_free_cfg;
	if (ct_cfg_env(&ctx) || ct_cfg_secret_files(&ctx) ||
	    ct_cfg_validate(&ctx))
		goto out_free_cfg;
	*out = ctx.cfg;
	return 0;

out_free_cfg:
	ct_config_free(ctx.cfg);
	return -1;
}

void ct_config_free(struct ct_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < ct_cfg_count; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];

		if (s->type == CT_CFG_STRING || s->type == CT_CFG_CONNINFO ||
		    s->type == CT_CFG_SECRET)
			free(*ct_cfg_str(cfg, s));
	}
	for (size_t i = 0; i < cfg->kafka_property_count; i++) {
		free(cfg->kafka_properties[i].name);
		free(cfg->kafka_properties[i].value);
	}
	free(cfg->kafka_properties);
	if (cfg->postgres_password) {
		explicit_bzero(cfg->postgres_password,
			       strlen(cfg->postgres_password));
		free(cfg->postgres_password);
	}
	if (cfg->summary_llm_api_key) {
		explicit_bzero(cfg->summary_llm_api_key,
			       strlen(cfg->summary_llm_api_key));
		free(cfg->summary_llm_api_key);
	}
	free(cfg);
}

const char *ct_config_kafka_property(const struct ct_config *cfg,
				     const char *name)
{
	long i = ct_cfg_prop_find(cfg, name);

	return i >= 0 ? cfg->kafka_properties[i].value : NULL;
}

/* ---- printing --------------------------------------------------------- */

/* Writes n bytes of s escaped for a libconfig string literal. */
static void ct_cfg_print_escaped(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c == '\r')
			fputs("\\r", out);
		else if (c == '\f')
			fputs("\\f", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

/* Writes s as a quoted libconfig string. */
static void ct_cfg_print_string(FILE *out, const char *s)
{
	fputc('"', out);
	ct_cfg_print_escaped(out, s, strlen(s));
	fputc('"', out);
}

/*
 * Writes conninfo s as a quoted string with its secrets masked.  When s does
 * not parse, all of it is masked: better hidden than leaked.
 */
static void ct_cfg_print_conninfo(FILE *out, const char *s)
{
	struct ct_cfg_spans spans = { .count = 0 };
	size_t at = 0;

	if (ct_cfg_conninfo_spans(s, &spans)) {
		ct_cfg_print_string(out, CT_CFG_MASK);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < spans.count; i++) {
		ct_cfg_print_escaped(out, s + at, spans.span[i].start - at);
		fputs(CT_CFG_MASK, out);
		at = spans.span[i].end;
	}
	ct_cfg_print_escaped(out, s + at, strlen(s + at));
	fputc('"', out);
}

/* True when s is set: a non-empty string. */
static bool ct_cfg_set(const char *s)
{
	return s && *s;
}

/*
 * Writes kafka.properties as a list of name/value groups; sasl.password is
 * left out when kafka.sasl_password_file gave it, so that the printed
 * configuration loads again (it names the file).
 */
static void ct_cfg_print_props(const struct ct_config *cfg,
			       const struct ct_cfg_setting *s, FILE *out)
{
	size_t n = 0;

	fprintf(out, "\t# %s\n\t%s = (", s->desc, ct_cfg_key(s));
	for (size_t i = 0; i < cfg->kafka_property_count; i++) {
		const struct ct_config_property *p = &cfg->kafka_properties[i];

		if (ct_cfg_set(cfg->kafka_sasl_password_file) &&
		    strcmp(p->name, "sasl.password") == 0)
			continue;
		fputs(n++ ? ",\n\t\t{ name = " : "\n\t\t{ name = ", out);
		ct_cfg_print_string(out, p->name);
		fputs("; value = ", out);
		ct_cfg_print_string(out, ct_cfg_prop_secret(p->name) ?
						 CT_CFG_MASK : p->value);
		fputs("; }", out);
	}
	fputs(n ? "\n\t);\n" : " );\n", out);
}

/* The last part of s->name: "conninfo" for "serve.postgres.conninfo". */
static const char *ct_cfg_leaf(const struct ct_cfg_setting *s)
{
	return strrchr(s->name, '.') + 1;
}

/*
 * Length of the group inside its section that s is in ("postgres" of
 * "serve.postgres.conninfo"), 0 for none; one level of nesting.
 */
static size_t ct_cfg_group_len(const struct ct_cfg_setting *s)
{
	return (size_t)(ct_cfg_leaf(s) - ct_cfg_key(s)) ?
		       (size_t)(ct_cfg_leaf(s) - ct_cfg_key(s) - 1) : 0;
}

/* Writes one setting of cfg as "key = value; # description". */
static void ct_cfg_print_setting(const struct ct_config *cfg,
				 const struct ct_cfg_setting *s, FILE *out)
{
	const char *str;

	if (s->type == CT_CFG_PROPERTIES) {
		ct_cfg_print_props(cfg, s, out);
		return;
	}
	if (s->type == CT_CFG_INT) {
		fprintf(out, "\t%s = %d; # %s\n", ct_cfg_leaf(s),
			ct_cfg_int_value(cfg, s), s->desc);
		return;
	}
	if (s->type == CT_CFG_BOOL) {
		fprintf(out, "\t%s = %s; # %s\n", ct_cfg_leaf(s),
			ct_cfg_int_value(cfg, s) ? "true" : "false", s->desc);
		return;
	}
	str = ct_cfg_str_value(cfg, s);
	if (s->type == CT_CFG_SECRET && ct_cfg_set(cfg->redact_hash_key_file) &&
	    strcmp(s->name, "redact.hash_key") == 0) {
		fprintf(out, "\t# %s comes from redact.hash_key_file\n",
			ct_cfg_leaf(s));
		return;
	}
	if (!str) {
		fprintf(out, "\t# %s is not set (%s)\n", ct_cfg_leaf(s),
			s->desc);
		return;
	}
	fprintf(out, "\t%s = ", ct_cfg_leaf(s));
	if (s->type == CT_CFG_CONNINFO)
		ct_cfg_print_conninfo(out, str);
	else if (s->type == CT_CFG_SECRET && *str)
		ct_cfg_print_string(out, CT_CFG_MASK);
	else
		ct_cfg_print_string(out, str);
	fprintf(out, "; # %s\n", s->desc);
}

void ct_config_print(const struct ct_config *cfg, FILE *out)
{
	const struct ct_cfg_setting *section = NULL, *group = NULL;

	fputs("# convtrack effective configuration (secrets masked)\n", out);
	for (size_t i = 0; i < ct_cfg_count; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];
		size_t len = ct_cfg_section_len(s), glen = ct_cfg_group_len(s);

		if (group && (!glen || ct_cfg_group_len(group) != glen ||
			      strncmp(ct_cfg_key(group), ct_cfg_key(s), glen) != 0 ||
			      ct_cfg_section_len(group) != len ||
			      strncmp(group->name, s->name, len) != 0)) {
			fputs("\t};\n", out);
			group = NULL;
		}
		if (!section || ct_cfg_section_len(section) != len ||
		    strncmp(section->name, s->name, len) != 0) {
			fputs(section ? "};\n\n" : "\n", out);
			fprintf(out, "%.*s = {\n", (int)len, s->name);
			section = s;
		}
		if (glen && !group) {
			fprintf(out, "\t%.*s = {\n", (int)glen, ct_cfg_key(s));
			group = s;
		}
		ct_cfg_print_setting(cfg, s, out);
	}
	if (group)
		fputs("\t};\n", out);
	if (section)
		fputs("};\n", out);
}
