/*
 * Configuration, validation: the checks that need the effective
 * configuration as a whole, run once after the defaults, the file and the
 * environment are applied.  Each setting's type and range are checked
 * where it is read (config_file.c, config_env.c); here are the enumerated
 * values, the Kafka topic names, and the relations between settings that
 * librdkafka and the retry backoff rely on.  Every message names the
 * setting.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "convtrack/config.h"

#include "config_int.h"

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
	if (cfg->serve_cursor_key && *cfg->serve_cursor_key &&
	    strlen(cfg->serve_cursor_key) < 16)
		return ct_cfg_fail(ctx, "serve.cursor_key must be at least 16 "
				   "bytes (it signs the caller API's page "
				   "cursors)");
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
	for (size_t i = 0; i < ct_cfg_count; i++) {
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
		for (size_t j = i + 1; j < ct_cfg_count; j++) {
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
	for (size_t i = 0; i < ct_cfg_count; i++) {
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
int ct_cfg_validate(struct ct_cfg_ctx *ctx)
{
	if (ct_cfg_check_log_level(ctx) || ct_cfg_check_country(ctx) ||
	    ct_cfg_check_policy(ctx) ||
	    ct_cfg_check_topics(ctx) || ct_cfg_check_redact(ctx) ||
	    ct_cfg_check_relations(ctx) || ct_cfg_check_props(ctx))
		return -1;
	return 0;
}
