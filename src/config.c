/*
 * Configuration: one table of typed settings drives everything.
 *
 * Every setting convtrack knows is one row of ct_cfg_settings below: its
 * "section.key" name, its type, where it lives in struct ct_config, its
 * default, its range and a one-line description.  Defaults, the libconfig
 * file, the CONVTRACK_<SECTION>_<KEY> environment overrides, validation,
 * ct_config_print() and ct_config_free() all walk that one table, so a new
 * setting is one new row plus its struct field, and no setting can be
 * loadable but not overridable, or set but not printed.  libconfig stays in
 * this file; the rest of the program sees only struct ct_config.
 */
#include "convtrack/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

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

#define CT_CFG_STR(name, field, def, rdkafka, desc)                          \
	{ name, CT_CFG_STRING, offsetof(struct ct_config, field), def, 0, 0,  \
	  0, rdkafka, desc }
#define CT_CFG_NUM(name, field, def, min, max, rdkafka, desc)                \
	{ name, CT_CFG_INT, offsetof(struct ct_config, field), NULL, def,     \
	  min, max, rdkafka, desc }

#define CT_CFG_FLAG(name, field, def, desc)                                   \
	{ name, CT_CFG_BOOL, offsetof(struct ct_config, field), NULL, def, 0, \
	  1, NULL, desc }
#define CT_CFG_HIDDEN(name, field, desc)                                      \
	{ name, CT_CFG_SECRET, offsetof(struct ct_config, field), NULL, 0, 0, \
	  0, NULL, desc }

/* The settings, grouped by section in the order they are printed. */
static const struct ct_cfg_setting ct_cfg_settings[] = {
	CT_CFG_STR("kafka.brokers", kafka_brokers, NULL, "bootstrap.servers",
		   "bootstrap servers, host:port[,host:port...]"),
	CT_CFG_STR("kafka.group_id", kafka_group_id, "convtrack", "group.id",
		   "consumer group"),
	CT_CFG_NUM("kafka.session_timeout_ms", kafka_session_timeout_ms, 6000,
		   1000, 3600000, "session.timeout.ms",
		   "consumer group session timeout"),
	CT_CFG_NUM("kafka.heartbeat_interval_ms", kafka_heartbeat_interval_ms,
		   2000, 1, 3600000, "heartbeat.interval.ms",
		   "consumer group heartbeat, < session_timeout_ms"),
	CT_CFG_NUM("kafka.max_poll_interval_ms", kafka_max_poll_interval_ms,
		   300000, 1000, 86400000, "max.poll.interval.ms",
		   "longest time between polls before leaving the group"),
	CT_CFG_NUM("kafka.queued_max_kbytes", kafka_queued_max_kbytes, 4096,
		   1, 2097151, "queued.max.messages.kbytes",
		   "prefetch queue size per consumer"),
	{ "kafka.properties", CT_CFG_PROPERTIES,
	  offsetof(struct ct_config, kafka_properties), NULL, 0, 0, 0, NULL,
	  "librdkafka properties passed through verbatim" },
	CT_CFG_STR("topics.participant_joined", topic_participant_joined,
		   "participant-joined", NULL, "input: participant_joined"),
	CT_CFG_STR("topics.message", topic_message, "message", NULL,
		   "input: message"),
	CT_CFG_STR("topics.authenticated", topic_authenticated,
		   "authenticated", NULL, "input: authenticated"),
	CT_CFG_STR("topics.call_ended", topic_call_ended, "call-ended", NULL,
		   "input: call_ended"),
	CT_CFG_STR("topics.summary_generated", topic_summary_generated,
		   "summary-generated", NULL, "output: summary_generated"),
	CT_CFG_STR("topics.dead_letter", topic_dead_letter,
		   "convtrack-dead-letter", NULL,
		   "output: events that cannot be stored"),
	CT_CFG_STR("topics.profile_erasure_requested",
		   topic_profile_erasure_requested, "profile-erasure-requested",
		   NULL, "input: profile_erasure_requested (erase a person)"),
	CT_CFG_STR("topics.profile_erased", topic_profile_erased,
		   "profile-erased", NULL, "output: profile_erased"),
	{ "postgres.conninfo", CT_CFG_CONNINFO,
	  offsetof(struct ct_config, postgres_conninfo), "", 0, 0, 0, NULL,
	  "libpq connection string; empty: PG* variables" },
	CT_CFG_NUM("batch.max_events", batch_max_events, 5000, 1, 1000000,
		   NULL, "most events applied in one transaction"),
	CT_CFG_NUM("batch.parallelism", batch_parallelism, 1, 1, 16, NULL,
		   "PostgreSQL connections applying parts of a batch at once"),
	CT_CFG_NUM("batch.max_wait_ms", batch_max_wait_ms, 100, 0, 60000, NULL,
		   "longest wait to fill a batch"),
	CT_CFG_NUM("retry.initial_ms", retry_initial_ms, 100, 1, 3600000, NULL,
		   "first backoff after a transient failure"),
	CT_CFG_NUM("retry.max_ms", retry_max_ms, 10000, 1, 3600000, NULL,
		   "backoff cap"),
	CT_CFG_NUM("summary.grace_ms", summary_grace_ms, 2000, 0, 3600000, NULL,
		   "quiet time after call_ended before summarizing"),
	CT_CFG_NUM("sessions.stale_after_s", sessions_stale_after_s, 1800, 1,
		   2592000, NULL, "idle time after which a session is stale"),
	CT_CFG_NUM("sessions.sweep_interval_s", sessions_sweep_interval_s, 30,
		   1, 86400, NULL, "how often stale sessions are looked for"),
	CT_CFG_STR("merge.shared_device_policy", merge_shared_device_policy,
		   "history", NULL,
		   "history (a shared device merges into its first user, rule 2) "
		   "or session (only its authenticated sessions go to their users)"),
	CT_CFG_NUM("retention.messages_days", retention_messages_days, 0, 0,
		   36500, NULL,
		   "message text older than this many days is purged; 0: kept"),
	CT_CFG_NUM("retention.interval_s", retention_interval_s, 3600, 1,
		   604800, NULL, "how often a retention pass starts"),
	CT_CFG_NUM("retention.batch_size", retention_batch_size, 500, 1,
		   100000, NULL, "sessions a retention transaction purges at most"),
	CT_CFG_STR("text.default_country_code", text_default_country_code,
		   "263", NULL,
		   "calling code for local phone numbers callers say (1-3 digits)"),
	CT_CFG_FLAG("redact.enabled", redact_enabled, 1,
		    "redact card numbers, PINs, ... in messages before storage"),
	CT_CFG_STR("redact.email_mode", redact_email_mode, "hash", NULL,
		   "emails in messages: hash, keep or remove"),
	CT_CFG_STR("redact.phone_mode", redact_phone_mode, "hash", NULL,
		   "phone numbers in messages: hash, keep or remove"),
	CT_CFG_HIDDEN("redact.hash_key", redact_hash_key,
		      "HMAC key of hash mode, 16+ bytes; keep it in the environment"),
	CT_CFG_FLAG("redact.dead_letter", redact_dead_letter, 0,
		    "redact message text in dead-lettered payloads too"),
	CT_CFG_FLAG("redact.default_patterns", redact_default_patterns, 1,
		    "use the built-in account and national ID patterns"),
	CT_CFG_STR("redact.account_patterns", redact_account_patterns, "", NULL,
		   "extra account number patterns, ';'-separated, cued:P after a cue"),
	CT_CFG_STR("redact.id_patterns", redact_id_patterns, "", NULL,
		   "extra national ID patterns, ';'-separated, cued:P after a cue"),
	CT_CFG_NUM("http.port", http_port, 9464, 0, 65535, NULL,
		   "port of /metrics, /healthz and /readyz; 0 turns it off"),
	CT_CFG_STR("log.level", log_level, "info", NULL,
		   "debug, info, warn or error"),
};

#define CT_CFG_COUNT (sizeof(ct_cfg_settings) / sizeof(ct_cfg_settings[0]))

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
#define CT_CFG_PROPERTY_MAX 128 /* longest kafka.properties name */
#define CT_CFG_MASK "********"

/* State of one ct_config_load(): the result and where errors go. */
struct ct_cfg_ctx {
	struct ct_config *cfg;
	const char *path; /* file being loaded, for messages */
	char *err;
	size_t errlen;
};

/* Formats a one-line message into ctx->err.  Always returns -1. */
__attribute__((format(printf, 2, 3)))
static int ct_cfg_fail(struct ct_cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->err && ctx->errlen) {
		va_start(ap, fmt);
		vsnprintf(ctx->err, ctx->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The string field of cfg that setting s describes. */
static char **ct_cfg_str(struct ct_config *cfg, const struct ct_cfg_setting *s)
{
	return (char **)((char *)cfg + s->offset);
}

/* The int field of cfg that setting s describes. */
static int *ct_cfg_int(struct ct_config *cfg, const struct ct_cfg_setting *s)
{
	return (int *)((char *)cfg + s->offset);
}

/* Value of the string setting s of cfg (NULL: not set). */
static const char *ct_cfg_str_value(const struct ct_config *cfg,
				    const struct ct_cfg_setting *s)
{
	return *(char *const *)((const char *)cfg + s->offset);
}

/* Value of the int setting s of cfg. */
static int ct_cfg_int_value(const struct ct_config *cfg,
			    const struct ct_cfg_setting *s)
{
	return *(const int *)((const char *)cfg + s->offset);
}

/* The key of s without its section: "brokers" for "kafka.brokers". */
static const char *ct_cfg_key(const struct ct_cfg_setting *s)
{
	return strchr(s->name, '.') + 1;
}

/* Length of the section part of s->name. */
static size_t ct_cfg_section_len(const struct ct_cfg_setting *s)
{
	return (size_t)(ct_cfg_key(s) - s->name - 1);
}

/* True when s belongs to section (given as a name without a dot). */
static bool ct_cfg_in_section(const struct ct_cfg_setting *s,
			      const char *section)
{
	size_t len = ct_cfg_section_len(s);

	return strlen(section) == len && strncmp(s->name, section, len) == 0;
}

/* True when some setting belongs to section. */
static bool ct_cfg_section_known(const char *section)
{
	for (size_t i = 0; i < CT_CFG_COUNT; i++)
		if (ct_cfg_in_section(&ct_cfg_settings[i], section))
			return true;
	return false;
}

/* The setting called name ("section.key"), or NULL. */
static const struct ct_cfg_setting *ct_cfg_find(const char *name)
{
	for (size_t i = 0; i < CT_CFG_COUNT; i++)
		if (strcmp(ct_cfg_settings[i].name, name) == 0)
			return &ct_cfg_settings[i];
	return NULL;
}

/* Replaces *slot with a copy of value.  Returns 0, or -1 when out of memory. */
static int ct_cfg_set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Index of the kafka.properties entry called name, or -1. */
static long ct_cfg_prop_find(const struct ct_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->kafka_property_count; i++)
		if (strcmp(cfg->kafka_properties[i].name, name) == 0)
			return (long)i;
	return -1;
}

/*
 * Sets the kafka.properties entry name to value, replacing its value when it
 * exists and appending it otherwise.  Returns 0, or -1 when out of memory.
 */
static int ct_cfg_prop_set(struct ct_config *cfg, const char *name,
			   const char *value)
{
	long i = ct_cfg_prop_find(cfg, name);
	struct ct_config_property *props, *p;

	if (i >= 0)
		return ct_cfg_set_string(&cfg->kafka_properties[i].value,
					 value);
	props = realloc(cfg->kafka_properties,
			(cfg->kafka_property_count + 1) * sizeof(*props));
	if (!props)
		return -1;
	cfg->kafka_properties = props;
	p = &props[cfg->kafka_property_count];
	p->name = strdup(name);
	p->value = strdup(value);
	if (!p->name || !p->value) {
		free(p->name);
		free(p->value);
		return -1;
	}
	cfg->kafka_property_count++;
	return 0;
}

/* Removes kafka.properties entry i, keeping the order of the others. */
static void ct_cfg_prop_remove(struct ct_config *cfg, size_t i)
{
	struct ct_config_property *props = cfg->kafka_properties;

	free(props[i].name);
	free(props[i].value);
	memmove(&props[i], &props[i + 1],
		(cfg->kafka_property_count - i - 1) * sizeof(*props));
	cfg->kafka_property_count--;
}

/* True when name is 1..CT_CFG_PROPERTY_MAX of [a-zA-Z0-9._-]. */
static bool ct_cfg_prop_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CT_CFG_PROPERTY_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* Sets every setting of ctx->cfg to its default. */
static int ct_cfg_defaults(struct ct_cfg_ctx *ctx)
{
	for (size_t i = 0; i < CT_CFG_COUNT; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];

		if (s->type == CT_CFG_INT || s->type == CT_CFG_BOOL)
			*ct_cfg_int(ctx->cfg, s) = s->def_int;
		else if (s->type != CT_CFG_PROPERTIES && s->def_str &&
			 ct_cfg_set_string(ct_cfg_str(ctx->cfg, s), s->def_str))
			return ct_cfg_fail(ctx, "out of memory");
	}
	return 0;
}

/* ---- libconfig file --------------------------------------------------- */

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
static int ct_cfg_file(struct ct_cfg_ctx *ctx)
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

/* ---- environment ------------------------------------------------------ */

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
static int ct_cfg_env(struct ct_cfg_ctx *ctx)
{
	char var[128];

	for (size_t i = 0; i < CT_CFG_COUNT; i++) {
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

/* ---- validation ------------------------------------------------------- */

/* Checks log.level. */
static int ct_cfg_check_log_level(struct ct_cfg_ctx *ctx)
{
	static const char *const levels[] = { "debug", "info", "warn",
					      "error" };
	const char *level = ctx->cfg->log_level;

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(level, levels[i]) == 0)
			return 0;
	return ct_cfg_fail(ctx, "log.level '%s' must be debug, info, warn or "
			   "error", level);
}

/* Checks merge.shared_device_policy: history or session. */
static int ct_cfg_check_policy(struct ct_cfg_ctx *ctx)
{
	const char *policy = ctx->cfg->merge_shared_device_policy;

	if (strcmp(policy, "history") == 0 || strcmp(policy, "session") == 0)
		return 0;
	return ct_cfg_fail(ctx, "merge.shared_device_policy '%s' must be "
			   "history or session", policy);
}

/* Checks text.default_country_code: 1 to 3 digits, the first not 0. */
static int ct_cfg_check_country(struct ct_cfg_ctx *ctx)
{
	const char *cc = ctx->cfg->text_default_country_code;
	size_t n = strspn(cc, "0123456789");

	if (n >= 1 && n <= 3 && cc[n] == '\0' && cc[0] != '0')
		return 0;
	return ct_cfg_fail(ctx, "text.default_country_code '%s' must be a "
			   "country calling code: 1 to 3 digits, e.g. 263", cc);
}

/*
 * Checks redact.*: the modes, and the key's length when one is set (which
 * key hash mode uses when none is, and the patterns, are checked when the
 * worker builds its redactor: see convtrack/privacy.h).
 */
static int ct_cfg_check_redact(struct ct_cfg_ctx *ctx)
{
	static const char *const modes = " hash keep remove ";
	const struct ct_config *cfg = ctx->cfg;
	const char *m[2] = { cfg->redact_email_mode, cfg->redact_phone_mode };
	const char *names[2] = { "redact.email_mode", "redact.phone_mode" };
	char key[16];

	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), " %.10s ", m[i]);
		if (!*m[i] || strchr(m[i], ' ') || !strstr(modes, key))
			return ct_cfg_fail(ctx, "%s '%s' must be hash, keep or "
					   "remove", names[i], m[i]);
	}
	if (cfg->redact_hash_key && *cfg->redact_hash_key &&
	    strlen(cfg->redact_hash_key) < 16)
		return ct_cfg_fail(ctx, "redact.hash_key must be at least 16 "
				   "bytes (it is the HMAC key of hash mode)");
	return 0;
}

/* True when name is a legal Kafka topic name. */
static bool ct_cfg_topic_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 249 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* Checks that every topics.* name is legal and that no two are the same. */
static int ct_cfg_check_topics(struct ct_cfg_ctx *ctx)
{
	for (size_t i = 0; i < CT_CFG_COUNT; i++) {
		const struct ct_cfg_setting *a = &ct_cfg_settings[i];
		const char *topic;

		if (!ct_cfg_in_section(a, "topics"))
			continue;
		topic = ct_cfg_str_value(ctx->cfg, a);
		if (!ct_cfg_topic_valid(topic))
			return ct_cfg_fail(ctx, "%s '%s' is not a valid Kafka "
					   "topic name (1..249 of "
					   "[a-zA-Z0-9._-])",
					   a->name, topic);
		for (size_t j = i + 1; j < CT_CFG_COUNT; j++) {
			const struct ct_cfg_setting *b = &ct_cfg_settings[j];

			if (ct_cfg_in_section(b, "topics") &&
			    strcmp(topic, ct_cfg_str_value(ctx->cfg, b)) == 0)
				return ct_cfg_fail(ctx, "%s and %s are both "
						   "'%s'; each topic must "
						   "differ",
						   a->name, b->name, topic);
		}
	}
	return 0;
}

/* Checks the relations between settings that librdkafka and retry need. */
static int ct_cfg_check_relations(struct ct_cfg_ctx *ctx)
{
	const struct ct_config *cfg = ctx->cfg;

	if (cfg->kafka_heartbeat_interval_ms >= cfg->kafka_session_timeout_ms)
		return ct_cfg_fail(ctx, "kafka.heartbeat_interval_ms (%d) must "
				   "be less than kafka.session_timeout_ms "
				   "(%d)",
				   cfg->kafka_heartbeat_interval_ms,
				   cfg->kafka_session_timeout_ms);
	if (cfg->kafka_max_poll_interval_ms < cfg->kafka_session_timeout_ms)
		return ct_cfg_fail(ctx, "kafka.max_poll_interval_ms (%d) must "
				   "be at least kafka.session_timeout_ms "
				   "(%d)",
				   cfg->kafka_max_poll_interval_ms,
				   cfg->kafka_session_timeout_ms);
	if (cfg->retry_initial_ms > cfg->retry_max_ms)
		return ct_cfg_fail(ctx, "retry.initial_ms (%d) must not exceed "
				   "retry.max_ms (%d)", cfg->retry_initial_ms,
				   cfg->retry_max_ms);
	return 0;
}

/* Rejects kafka.properties entries that a dedicated setting owns. */
static int ct_cfg_check_props(struct ct_cfg_ctx *ctx)
{
	for (size_t i = 0; i < CT_CFG_COUNT; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];

		if (s->rdkafka && ct_cfg_prop_find(ctx->cfg, s->rdkafka) >= 0)
			return ct_cfg_fail(ctx, "kafka.properties entry '%s' "
					   "is set by %s; use that setting "
					   "instead",
					   s->rdkafka, s->name);
	}
	return 0;
}

/* Checks the effective configuration as a whole. */
static int ct_cfg_validate(struct ct_cfg_ctx *ctx)
{
	if (ct_cfg_check_log_level(ctx) || ct_cfg_check_country(ctx) ||
	    ct_cfg_check_policy(ctx) ||
	    ct_cfg_check_topics(ctx) || ct_cfg_check_redact(ctx) ||
	    ct_cfg_check_relations(ctx) || ct_cfg_check_props(ctx))
		return -1;
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
	if (ct_cfg_env(&ctx) || ct_cfg_validate(&ctx))
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
	for (size_t i = 0; i < CT_CFG_COUNT; i++) {
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
	free(cfg);
}

const char *ct_config_kafka_property(const struct ct_config *cfg,
				     const char *name)
{
	long i = ct_cfg_prop_find(cfg, name);

	return i >= 0 ? cfg->kafka_properties[i].value : NULL;
}

/* ---- masking ---------------------------------------------------------- */

/* A byte range [start, end) of a string that is printed as CT_CFG_MASK. */
struct ct_cfg_span {
	size_t start, end;
};

#define CT_CFG_SPANS_MAX 8

/* Collected secret ranges of one conninfo. */
struct ct_cfg_spans {
	struct ct_cfg_span span[CT_CFG_SPANS_MAX];
	size_t count;
};

/* Adds [start, end) to spans.  Returns 0, or -1 when there are too many. */
static int ct_cfg_span_add(struct ct_cfg_spans *spans, size_t start,
			   size_t end)
{
	if (spans->count == CT_CFG_SPANS_MAX)
		return -1;
	spans->span[spans->count].start = start;
	spans->span[spans->count].end = end;
	spans->count++;
	return 0;
}

/* Length of the libpq URI prefix of s ("postgresql://"), or 0. */
static size_t ct_cfg_uri_prefix(const char *s)
{
	if (strncmp(s, "postgresql://", 13) == 0)
		return 13;
	if (strncmp(s, "postgres://", 11) == 0)
		return 11;
	return 0;
}

/* Value of the hex digit c, or -1. */
static int ct_cfg_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* True when the percent-encoded URI text k (n bytes) decodes to want. */
static bool ct_cfg_uri_key_is(const char *k, size_t n, const char *want)
{
	size_t i = 0;

	for (; *want; want++) {
		int c;

		if (i >= n)
			return false;
		c = (unsigned char)k[i++];
		if (c == '%' && i + 1 < n && ct_cfg_hex(k[i]) >= 0 &&
		    ct_cfg_hex(k[i + 1]) >= 0) {
			c = ct_cfg_hex(k[i]) * 16 + ct_cfg_hex(k[i + 1]);
			i += 2;
		}
		if (c != (unsigned char)*want)
			return false;
	}
	return i == n;
}

/*
 * Finds the secrets of a libpq URI: the password of user:password@ (libpq
 * ends the user part at the first '@' or '/') and every password= query
 * parameter.
 */
static int ct_cfg_uri_spans(const char *s, struct ct_cfg_spans *spans)
{
	size_t p = ct_cfg_uri_prefix(s), q = p;
	const char *query;

	while (s[q] && s[q] != '@' && s[q] != '/')
		q++;
	if (s[q] == '@') {
		const char *colon = memchr(s + p, ':', q - p);

		if (colon && ct_cfg_span_add(spans, (size_t)(colon + 1 - s), q))
			return -1;
		p = q + 1;
	}
	query = strchr(s + p, '?');
	while (query) {
		const char *key = query + 1;
		size_t klen = strcspn(key, "&=");
		size_t vlen;

		if (key[klen] == '=') {
			size_t v = (size_t)(key + klen + 1 - s);

			vlen = strcspn(s + v, "&");
			if (ct_cfg_uri_key_is(key, klen, "password") &&
			    ct_cfg_span_add(spans, v, v + vlen))
				return -1;
		}
		query = strchr(key, '&');
	}
	return 0;
}

/* Skips whitespace from s[*p]. */
static void ct_cfg_skip_space(const char *s, size_t *p)
{
	while (s[*p] && isspace((unsigned char)s[*p]))
		(*p)++;
}

/*
 * Skips one keyword/value value at s[*p], quoted ('...') or not, with
 * backslash escapes, the way libpq reads it.  Returns -1 for an unterminated
 * quote.
 */
static int ct_cfg_skip_value(const char *s, size_t *p)
{
	bool quoted = s[*p] == '\'';

	if (quoted)
		(*p)++;
	while (s[*p] && (quoted ? s[*p] != '\'' :
				  !isspace((unsigned char)s[*p]))) {
		if (s[*p] == '\\' && s[*p + 1])
			(*p)++;
		(*p)++;
	}
	if (quoted && s[*p] != '\'')
		return -1;
	if (quoted)
		(*p)++;
	return 0;
}

/*
 * True when keyword (klen bytes) with raw value v (vlen bytes) is a secret:
 * password, or a dbname that libpq expands as a whole connection string.
 */
static bool ct_cfg_kv_secret(const char *keyword, size_t klen, const char *v,
			     size_t vlen)
{
	if (klen == 8 && strncmp(keyword, "password", 8) == 0)
		return true;
	if (klen != 6 || strncmp(keyword, "dbname", 6) != 0)
		return false;
	if (vlen && *v == '\'') {
		v++;
		vlen--;
	}
	return memchr(v, '=', vlen) || ct_cfg_uri_prefix(v);
}

/*
 * Finds the secrets of a libpq keyword/value conninfo.  Returns -1 when it
 * does not parse the way libpq would, so the caller masks all of it.
 */
static int ct_cfg_kv_spans(const char *s, struct ct_cfg_spans *spans)
{
	size_t p = 0;

	for (;;) {
		size_t kstart, klen, vstart;

		ct_cfg_skip_space(s, &p);
		if (!s[p])
			return 0;
		kstart = p;
		while (s[p] && s[p] != '=' && !isspace((unsigned char)s[p]))
			p++;
		klen = p - kstart;
		ct_cfg_skip_space(s, &p);
		if (s[p] != '=')
			return -1;
		p++;
		ct_cfg_skip_space(s, &p);
		vstart = p;
		if (ct_cfg_skip_value(s, &p))
			return -1;
		if (ct_cfg_kv_secret(s + kstart, klen, s + vstart,
				     p - vstart) &&
		    ct_cfg_span_add(spans, vstart, p))
			return -1;
	}
}

/* True when a kafka.properties entry called name holds a secret. */
static bool ct_cfg_prop_secret(const char *name)
{
	static const char *const parts[] = { "password", "secret", "key.pem" };
	char lower[CT_CFG_PROPERTY_MAX + 1];
	size_t i;

	for (i = 0; name[i] && i < CT_CFG_PROPERTY_MAX; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(lower, parts[i]))
			return true;
	return strcmp(lower, "sasl.oauthbearer.config") == 0;
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
	int rc;

	rc = ct_cfg_uri_prefix(s) ? ct_cfg_uri_spans(s, &spans) :
				    ct_cfg_kv_spans(s, &spans);
	if (rc) {
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

/* Writes kafka.properties as a list of name/value groups. */
static void ct_cfg_print_props(const struct ct_config *cfg,
			       const struct ct_cfg_setting *s, FILE *out)
{
	fprintf(out, "\t# %s\n\t%s = (", s->desc, ct_cfg_key(s));
	for (size_t i = 0; i < cfg->kafka_property_count; i++) {
		const struct ct_config_property *p = &cfg->kafka_properties[i];

		fputs(i ? ",\n\t\t{ name = " : "\n\t\t{ name = ", out);
		ct_cfg_print_string(out, p->name);
		fputs("; value = ", out);
		ct_cfg_print_string(out, ct_cfg_prop_secret(p->name) ?
						 CT_CFG_MASK : p->value);
		fputs("; }", out);
	}
	fputs(cfg->kafka_property_count ? "\n\t);\n" : " );\n", out);
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
		fprintf(out, "\t%s = %d; # %s\n", ct_cfg_key(s),
			ct_cfg_int_value(cfg, s), s->desc);
		return;
	}
	if (s->type == CT_CFG_BOOL) {
		fprintf(out, "\t%s = %s; # %s\n", ct_cfg_key(s),
			ct_cfg_int_value(cfg, s) ? "true" : "false", s->desc);
		return;
	}
	str = ct_cfg_str_value(cfg, s);
	if (!str) {
		fprintf(out, "\t# %s is not set (%s)\n", ct_cfg_key(s),
			s->desc);
		return;
	}
	fprintf(out, "\t%s = ", ct_cfg_key(s));
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
	const struct ct_cfg_setting *section = NULL;

	fputs("# convtrack effective configuration (secrets masked)\n", out);
	for (size_t i = 0; i < CT_CFG_COUNT; i++) {
		const struct ct_cfg_setting *s = &ct_cfg_settings[i];
		size_t len = ct_cfg_section_len(s);

		if (!section || ct_cfg_section_len(section) != len ||
		    strncmp(section->name, s->name, len) != 0) {
			fputs(section ? "};\n\n" : "\n", out);
			fprintf(out, "%.*s = {\n", (int)len, s->name);
			section = s;
		}
		ct_cfg_print_setting(cfg, s, out);
	}
	if (section)
		fputs("};\n", out);
}
