/*
 * Configuration table: every setting convtrack knows, one typed row each
 * (name, type, field of struct ct_config, default, range, description),
 * and the helpers the other config files share to walk it (config_int.h):
 * field access, look-up by name or section, kafka.properties entries and
 * the error of a load.  The files that load, check and print the
 * configuration all depend on this one; it depends on none of them.
 */
#include "convtrack/config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

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
const struct ct_cfg_setting ct_cfg_settings[] = {
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
	CT_CFG_STR("kafka.sasl_password_file", kafka_sasl_password_file, "",
		   NULL, "file holding the SASL password (sasl.password); "
		   "the file's first line"),
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
	CT_CFG_STR("postgres.password_file", postgres_password_file, "", NULL,
		   "file holding the database password (the file's first line; "
		   "over a password in postgres.conninfo)"),
	CT_CFG_FLAG("postgres.allow_superuser", postgres_allow_superuser, 0,
		    "let `run` connect as a PostgreSQL superuser (it refuses "
		    "otherwise; grant convtrack_worker to a login role)"),
	CT_CFG_NUM("batch.max_events", batch_max_events, 5000, 1, 1000000,
		   NULL, "most events applied in one transaction"),
	CT_CFG_NUM("batch.parallelism", batch_parallelism, 1, 1, 16, NULL,
		   "PostgreSQL connections applying parts of a batch at once"),
	CT_CFG_NUM("batch.max_wait_ms", batch_max_wait_ms, 100, 0, 60000, NULL,
		   "longest wait to fill a batch"),
	CT_CFG_NUM("limits.max_record_bytes", limits_max_record_bytes, 262144,
		   1024, 16777216, NULL,
		   "a larger input record is dead-lettered unparsed "
		   "(oversize_record)"),
	CT_CFG_NUM("limits.max_future_skew_s", limits_max_future_skew_s, 86400,
		   0, 31536000, NULL,
		   "an occurred_at further ahead of the worker's clock is "
		   "dead-lettered (future_timestamp); 0: no limit"),
	CT_CFG_NUM("retry.initial_ms", retry_initial_ms, 100, 1, 3600000, NULL,
		   "first backoff after a transient failure"),
	CT_CFG_NUM("retry.max_ms", retry_max_ms, 10000, 1, 3600000, NULL,
		   "backoff cap"),
	CT_CFG_NUM("summary.grace_ms", summary_grace_ms, 2000, 0, 3600000, NULL,
		   "quiet time after call_ended before summarizing"),
	CT_CFG_FLAG("summary.llm.enabled", summary_llm_enabled, 0,
		    "LLM summaries over an OpenAI-compatible endpoint "
		    "(docs/llm-summaries.md)"),
	CT_CFG_STR("summary.llm.endpoint", summary_llm_endpoint, "", NULL,
		   "base URL with its version path, e.g. "
		   "http://localhost:11434/v1"),
	CT_CFG_STR("summary.llm.model", summary_llm_model, "", NULL,
		   "model name as the endpoint knows it"),
	CT_CFG_STR("summary.llm.api_key_file", summary_llm_api_key_file, "",
		   NULL, "file holding the API key (its first line); none: no key"),
	CT_CFG_STR("summary.llm.api_key_header", summary_llm_api_key_header, "",
		   NULL, "header of the key, e.g. api-key (Azure); empty: "
		   "Authorization: Bearer"),
	CT_CFG_NUM("summary.llm.timeout_ms", summary_llm_timeout_ms, 20000, 100,
		   600000, NULL, "time allowed to one attempt"),
	CT_CFG_NUM("summary.llm.max_concurrency", summary_llm_max_concurrency, 4,
		   1, 64, NULL, "requests in flight at once"),
	CT_CFG_NUM("summary.llm.max_input_chars", summary_llm_max_input_chars,
		   24000, 0, 10000000, NULL,
		   "characters of conversation sent (its end); 0: no limit"),
	CT_CFG_NUM("summary.llm.max_retries", summary_llm_max_retries, 2, 0, 10,
		   NULL, "attempts after a timeout, refusal, 429 or 5xx"),
	CT_CFG_NUM("summary.llm.daily_token_budget",
		   summary_llm_daily_token_budget, 0, 0, 2147483647, NULL,
		   "tokens per UTC day; 0: no budget"),
	CT_CFG_FLAG("summary.llm.mask_contacts", summary_llm_mask_contacts, 0,
		    "also mask phone numbers and emails in what is sent"),
	CT_CFG_NUM("sessions.stale_after_s", sessions_stale_after_s, 1800, 1,
		   2592000, NULL, "idle time after which a session is stale"),
	CT_CFG_NUM("sessions.sweep_interval_s", sessions_sweep_interval_s, 30,
		   1, 86400, NULL, "how often stale sessions are looked for"),
	CT_CFG_NUM("registry.seal_mib", registry_seal_mib, 128, 1, 65536, NULL,
		   "MiB of rows after which the message-id registry's open run is"
		   " sealed (docs/history-cost.md)"),
	CT_CFG_NUM("registry.max_runs", registry_max_runs, 8, 3, 1000, NULL,
		   "sealed runs of the message-id registry beyond which the"
		   " smallest four are merged"),
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
	CT_CFG_STR("redact.hash_key_file", redact_hash_key_file, "", NULL,
		   "file holding redact.hash_key (its first line)"),
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
	CT_CFG_STR("serve.bind", serve_bind, "127.0.0.1", NULL,
		   "address `convtrack serve` listens on (IPv4 or IPv6)"),
	CT_CFG_NUM("serve.port", serve_port, 8080, 0, 65535, NULL,
		   "port of the caller API; 0: any free port (logged)"),
	CT_CFG_NUM("serve.threads", serve_threads, 4, 1, 64, NULL,
		   "request threads, each with its own PostgreSQL connection"),
	CT_CFG_STR("serve.api_keys_file", serve_api_keys_file, "", NULL,
		   "API keys, one 'name sha256-hex scope[,scope]' per line; "
		   "required"),
	CT_CFG_NUM("serve.max_body_bytes", serve_max_body_bytes, 65536, 1024,
		   16777216, NULL, "longest request body; longer ones get 413"),
	CT_CFG_NUM("serve.rate_limit_per_s", serve_rate_limit_per_s, 1000, 0,
		   1000000, NULL, "requests per second per key (burst the same); "
		   "0: unlimited"),
	CT_CFG_HIDDEN("serve.cursor_key", serve_cursor_key,
		      "HMAC key of page cursors; set the same on every replica "
		      "(else random per process)"),
	{ "serve.postgres.conninfo", CT_CFG_CONNINFO,
	  offsetof(struct ct_config, serve_postgres_conninfo), "", 0, 0, 0, NULL,
	  "libpq connection string of serve (may be a replica); empty: "
	  "postgres.conninfo" },
	CT_CFG_STR("log.level", log_level, "info", NULL,
		   "debug, info, warn or error"),
};

const size_t ct_cfg_count =
	sizeof(ct_cfg_settings) / sizeof(ct_cfg_settings[0]);

/* Formats a one-line message into ctx->err.  Always returns -1. */
int ct_cfg_fail(struct ct_cfg_ctx *ctx, const char *fmt, ...)
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
char **ct_cfg_str(struct ct_config *cfg, const struct ct_cfg_setting *s)
{
	return (char **)((char *)cfg + s->offset);
}

/* The int field of cfg that setting s describes. */
int *ct_cfg_int(struct ct_config *cfg, const struct ct_cfg_setting *s)
{
	return (int *)((char *)cfg + s->offset);
}

/* Value of the string setting s of cfg (NULL: not set). */
const char *ct_cfg_str_value(const struct ct_config *cfg,
			     const struct ct_cfg_setting *s)
{
	return *(char *const *)((const char *)cfg + s->offset);
}

/* Value of the int setting s of cfg. */
int ct_cfg_int_value(const struct ct_config *cfg,
		     const struct ct_cfg_setting *s)
{
	return *(const int *)((const char *)cfg + s->offset);
}

/* The key of s without its section: "brokers" for "kafka.brokers". */
const char *ct_cfg_key(const struct ct_cfg_setting *s)
{
	return strchr(s->name, '.') + 1;
}

/* Length of the section part of s->name. */
size_t ct_cfg_section_len(const struct ct_cfg_setting *s)
{
	return (size_t)(ct_cfg_key(s) - s->name - 1);
}

/* True when s belongs to section (given as a name without a dot). */
bool ct_cfg_in_section(const struct ct_cfg_setting *s, const char *section)
{
	size_t len = ct_cfg_section_len(s);

	return strlen(section) == len && strncmp(s->name, section, len) == 0;
}

/* True when some setting belongs to section. */
bool ct_cfg_section_known(const char *section)
{
	for (size_t i = 0; i < ct_cfg_count; i++)
		if (ct_cfg_in_section(&ct_cfg_settings[i], section))
			return true;
	return false;
}

/* The setting called name ("section.key"), or NULL. */
const struct ct_cfg_setting *ct_cfg_find(const char *name)
{
	for (size_t i = 0; i < ct_cfg_count; i++)
		if (strcmp(ct_cfg_settings[i].name, name) == 0)
			return &ct_cfg_settings[i];
	return NULL;
}

/* Replaces *slot with a copy of value.  Returns 0, or -1 when out of memory. */
int ct_cfg_set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Index of the kafka.properties entry called name, or -1. */
long ct_cfg_prop_find(const struct ct_config *cfg, const char *name)
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
int ct_cfg_prop_set(struct ct_config *cfg, const char *name,
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
void ct_cfg_prop_remove(struct ct_config *cfg, size_t i)
{
	struct ct_config_property *props = cfg->kafka_properties;

	free(props[i].name);
	free(props[i].value);
	memmove(&props[i], &props[i + 1],
		(cfg->kafka_property_count - i - 1) * sizeof(*props));
	cfg->kafka_property_count--;
}

/* Sets every setting of ctx->cfg to its default. */
