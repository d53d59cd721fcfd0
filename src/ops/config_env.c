/*
 * Configuration, the environment: CONVTRACK_<SECTION>_<KEY> overrides,
 * applied after the file.  Only the settings of the table (config_int.h)
 * are looked up, never a scan of the environment, so unrelated CONVTRACK_*
 * variables such as Kubernetes service links are ignored.  kafka.properties
 * entries are overridden, or removed by an empty value, through
 * CONVTRACK_KAFKA_PROPERTIES_<NAME>, for the properties of the file and a
 * fixed list of well-known security properties.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/config.h"

#include "config_int.h"

/* Well-known librdkafka security properties looked up in the environment. */
static const char *const ct_cfg_env_properties[] = {
	"security.protocol",
	"sasl.mechanisms",
	"sasl.username",
	"sasl.password",
	"ssl.ca.location",
	"ssl.certificate.location",
	"ssl.key.location",
	"ssl.key.password",
	"ssl.endpoint.identification.algorithm",
};

#define CT_CFG_ENV_PREFIX "CONVTRACK_"

/*
 * Writes the environment variable name for name ("kafka.brokers" or a
 * property name after a "kafka.properties." prefix) into buf:
 * CONVTRACK_ + name in upper case with every other character as '_'.
 */
static void ct_cfg_env_name(char *buf, size_t len, const char *prefix,
			    const char *name)
{
	snprintf(buf, len, "%s%s%s", CT_CFG_ENV_PREFIX, prefix, name);
	for (; *buf; buf++)
		*buf = isalnum((unsigned char)*buf) ?
			       (char)toupper((unsigned char)*buf) :
			       '_';
}

/*
 * Parses s as a whole base-10 integer (no surrounding space).  Returns 0 and
 * sets *v, or -1.
 */
static int ct_cfg_parse_ll(const char *s, long long *v)
{
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end != '\0' ? -1 : 0;
}

/* Applies the environment variable of the int setting s, if set. */
static int ct_cfg_env_int(struct ct_cfg_ctx *ctx,
			  const struct ct_cfg_setting *s, const char *var)
{
	const char *value = getenv(var);
	long long n;

	if (!value)
		return 0;
	if (ct_cfg_parse_ll(value, &n) || n < s->min || n > s->max)
		return ct_cfg_fail(ctx, "%s='%s' (%s) must be an integer in "
				   "%d..%d", var, value, s->name, s->min,
				   s->max);
	*ct_cfg_int(ctx->cfg, s) = (int)n;
	return 0;
}

/* Applies the environment variable of the boolean setting s, if set. */
static int ct_cfg_env_bool(struct ct_cfg_ctx *ctx,
			   const struct ct_cfg_setting *s, const char *var)
{
	const char *value = getenv(var);

	if (!value)
		return 0;
	if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*ct_cfg_int(ctx->cfg, s) = 1;
	else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*ct_cfg_int(ctx->cfg, s) = 0;
	else
		return ct_cfg_fail(ctx, "%s='%s' (%s) must be true or false",
				   var, value, s->name);
	return 0;
}

/* Applies the environment variable of the string setting s, if set. */
static int ct_cfg_env_string(struct ct_cfg_ctx *ctx,
			     const struct ct_cfg_setting *s, const char *var)
{
	const char *value = getenv(var);

	if (value && ct_cfg_set_string(ct_cfg_str(ctx->cfg, s), value))
		return ct_cfg_fail(ctx, "out of memory");
	return 0;
}

/*
 * Applies CONVTRACK_KAFKA_PROPERTIES_<NAME> for the property name, if set: a
 * non-empty value sets the property, an empty one removes it.  name may
 * point into the entry that gets removed, so it is not used afterwards.
 */
static int ct_cfg_env_prop(struct ct_cfg_ctx *ctx, const char *name)
{
	char var[sizeof(CT_CFG_ENV_PREFIX) + 32 + CT_CFG_PROPERTY_MAX];
	const char *value;
	long i;

	ct_cfg_env_name(var, sizeof(var), "kafka.properties.", name);
	value = getenv(var);
	if (!value)
		return 0;
	if (*value == '\0') {
		i = ct_cfg_prop_find(ctx->cfg, name);
		if (i >= 0)
			ct_cfg_prop_remove(ctx->cfg, (size_t)i);
		return 0;
	}
	if (ct_cfg_prop_set(ctx->cfg, name, value))
		return ct_cfg_fail(ctx, "out of memory");
	return 0;
}

/* Applies the environment to every property of the file and the fixed list. */
static int ct_cfg_env_props(struct ct_cfg_ctx *ctx)
{
	size_t i = 0;

	while (i < ctx->cfg->kafka_property_count) {
		size_t before = ctx->cfg->kafka_property_count;

		if (ct_cfg_env_prop(ctx, ctx->cfg->kafka_properties[i].name))
			return -1;
		if (ctx->cfg->kafka_property_count == before)
			i++;
	}
	for (i = 0; i < sizeof(ct_cfg_env_properties) /
				sizeof(ct_cfg_env_properties[0]); i++)
		if (ct_cfg_env_prop(ctx, ct_cfg_env_properties[i]))
			return -1;
	return 0;
}

/* Applies the CONVTRACK_<SECTION>_<KEY> variables of every known setting. */
int ct_cfg_env(struct ct_cfg_ctx *ctx)
{
	char var[128];

	for (size_t i = 0; i < ct_cfg_count; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];
		int rc = 0;

		ct_cfg_env_name(var, sizeof(var), "", s->name);
		switch (s->type) {
		case CT_CFG_STRING:
		case CT_CFG_CONNINFO:
		case CT_CFG_SECRET:
			rc = ct_cfg_env_string(ctx, s, var);
			break;
		case CT_CFG_INT:
			rc = ct_cfg_env_int(ctx, s, var);
			break;
		case CT_CFG_BOOL:
			rc = ct_cfg_env_bool(ctx, s, var);
			break;
		case CT_CFG_PROPERTIES:
			rc = ct_cfg_env_props(ctx);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}
