/*
 * Configuration: one table of typed settings with defaults (EVENTS.md
 * section 7).  The same table loads a libconfig file, applies
 * CONVTRACK_<SECTION>_<KEY> environment overrides, validates, and prints the
 * effective configuration with secrets masked.
 *
 * Precedence: built-in default < file (--config) < environment.  Only known
 * settings are looked up in the environment, so unrelated CONVTRACK_*
 * variables (Kubernetes service links) are ignored.  An unknown key in the
 * file or a bad value anywhere is an error that names the key.  Integers are
 * parsed strictly (the whole environment value; libconfig int or int64 in
 * the file) and range-checked; an empty environment value sets a string
 * setting to "".
 *
 * kafka.properties passes librdkafka properties through verbatim.  libconfig
 * 1.5 names cannot contain dots, so the file gives a list of name/value
 * groups; a value may be a string, an integer or a boolean and is stored as
 * a string ("true"/"false" for booleans):
 *
 *     kafka = {
 *         properties = (
 *             { name = "security.protocol"; value = "SASL_SSL"; },
 *             { name = "sasl.mechanisms";   value = "PLAIN"; }
 *         );
 *     };
 *
 * A property that has a dedicated setting (bootstrap.servers, group.id,
 * session.timeout.ms, heartbeat.interval.ms, max.poll.interval.ms,
 * queued.max.messages.kbytes) is rejected there; set the dedicated one.
 * Environment: every property named in the file, and these well-known
 * security properties, are looked up as CONVTRACK_KAFKA_PROPERTIES_<NAME>
 * (upper case, '.' and '-' as '_'): security.protocol, sasl.mechanisms,
 * sasl.username, sasl.password, ssl.ca.location, ssl.certificate.location,
 * ssl.key.location, ssl.key.password, ssl.endpoint.identification.algorithm.
 * A non-empty value sets the property; an empty value removes it, so
 * librdkafka's default applies.
 *
 * Validation after everything is applied: log.level is one of
 * debug|info|warn|error; each topic name is a valid Kafka topic name
 * (1..249 of [a-zA-Z0-9._-], not "." or ".."); the topics are pairwise
 * distinct; redact.hash_key is empty or at least 16 bytes;
 * kafka.heartbeat_interval_ms < kafka.session_timeout_ms <=
 * kafka.max_poll_interval_ms (librdkafka's own rules); retry.initial_ms <=
 * retry.max_ms.  kafka.brokers may stay NULL here; `convtrack run` checks it.
 */
#ifndef CONVTRACK_CONFIG_H
#define CONVTRACK_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* One librdkafka property passed through verbatim (kafka.properties). */
struct ct_config_property {
	char *name;  /* e.g. "security.protocol" */
	char *value; /* always a string, as rd_kafka_conf_set() wants it */
};

struct ct_config {
	/* kafka */
	char *kafka_brokers;          /* kafka.brokers, default NULL (none) */
	char *kafka_group_id;         /* kafka.group_id, "convtrack" */
	int kafka_session_timeout_ms; /* kafka.session_timeout_ms, 6000, 1000..3600000 */
	int kafka_heartbeat_interval_ms; /* kafka.heartbeat_interval_ms, 2000, 1..3600000 */
	int kafka_max_poll_interval_ms;  /* kafka.max_poll_interval_ms, 300000, 1000..86400000 */
	int kafka_queued_max_kbytes;  /* kafka.queued_max_kbytes, 4096, 1..2097151 */
	char *kafka_sasl_password_file; /* kafka.sasl_password_file, "" */
	struct ct_config_property *kafka_properties; /* kafka.properties, in order */
	size_t kafka_property_count;

	/* topics */
	char *topic_participant_joined; /* "participant-joined" */
	char *topic_message;            /* "message" */
	char *topic_authenticated;      /* "authenticated" */
	char *topic_call_ended;         /* "call-ended" */
	char *topic_summary_generated;  /* "summary-generated" */
	char *topic_dead_letter;        /* "convtrack-dead-letter" */
	char *topic_profile_erasure_requested; /* "profile-erasure-requested" */
	char *topic_profile_erased;     /* "profile-erased" */

	/* postgres */
	char *postgres_conninfo; /* postgres.conninfo, "" (libpq PG* vars) */
	int postgres_allow_superuser; /* postgres.allow_superuser, false */
	char *postgres_password_file; /* postgres.password_file, "" */
	char *postgres_password; /* read from postgres.password_file (secret) */

	/* batch */
	int batch_max_events;  /* batch.max_events, 5000, 1..1000000 */
	int batch_max_wait_ms; /* batch.max_wait_ms, 100, 0..60000 */
	int batch_parallelism; /* batch.parallelism, 1, 1..16 */

	/* limits on input records (dead-letter reasons oversize_record and
	 * future_timestamp:occurred_at) */
	int limits_max_record_bytes;  /* limits.max_record_bytes, 262144,
					 1024..16777216 */
	int limits_max_future_skew_s; /* limits.max_future_skew_s, 86400,
					 0 (off)..31536000 */

	/* retry: capped exponential backoff for transient failures */
	int retry_initial_ms; /* retry.initial_ms, 100, 1..3600000 */
	int retry_max_ms;     /* retry.max_ms, 10000, 1..3600000 */

	/* summary, sessions (EVENTS.md section 7) */
	int summary_grace_ms;          /* summary.grace_ms, 2000, 0..3600000 */
	/* summary.llm: LLM summaries, off by default (convtrack/llm.h) */
	int summary_llm_enabled;          /* summary.llm.enabled, false */
	char *summary_llm_endpoint;       /* summary.llm.endpoint, "" */
	char *summary_llm_model;          /* summary.llm.model, "" */
	char *summary_llm_api_key_file;   /* summary.llm.api_key_file, "" */
	char *summary_llm_api_key_header; /* summary.llm.api_key_header, "" */
	int summary_llm_timeout_ms;       /* summary.llm.timeout_ms, 20000 */
	int summary_llm_max_concurrency;  /* summary.llm.max_concurrency, 4 */
	int summary_llm_max_input_chars;  /* summary.llm.max_input_chars, 24000 */
	int summary_llm_max_retries;      /* summary.llm.max_retries, 2 */
	int summary_llm_daily_token_budget; /* summary.llm.daily_token_budget, 0: none */
	int summary_llm_mask_contacts;    /* summary.llm.mask_contacts, false */
	char *summary_llm_api_key;        /* read from api_key_file (secret) */
	int sessions_stale_after_s;    /* sessions.stale_after_s, 1800, 1..2592000 */
	int sessions_sweep_interval_s; /* sessions.sweep_interval_s, 30, 1..86400 */
	/* the message-id registry: its open run is sealed at this size, checked
	 * every sessions.sweep_interval_s (sql/015_message_registry.sql) */
	int registry_seal_mib; /* registry.seal_mib, 128, 1..65536 */
	int registry_max_runs; /* registry.max_runs, 8, 3..1000 */

	/* merges: what a shared device (sessions that authenticated as two or
	 * more users) does, see docs/privacy-merges-audit.md */
	char *merge_shared_device_policy; /* merge.shared_device_policy,
					   * "history": history|session */
	/* retention of message text (docs/privacy-retention.md) */
	int retention_messages_days; /* retention.messages_days, 0 (off), 0..36500 */
	int retention_interval_s;    /* retention.interval_s, 3600, 1..604800 */
	int retention_batch_size;    /* retention.batch_size, 500, 1..100000 */

	/* text rules */
	char *text_default_country_code; /* text.default_country_code, "263" */

	/* redact: personal data in messages (docs/privacy-redaction.md) */
	int redact_enabled;            /* redact.enabled, true */
	char *redact_email_mode;       /* redact.email_mode, "hash": hash|keep|remove */
	char *redact_phone_mode;       /* redact.phone_mode, "hash": hash|keep|remove */
	char *redact_hash_key;         /* redact.hash_key, not set (secret) */
	char *redact_hash_key_file;    /* redact.hash_key_file, "" */
	int redact_dead_letter;        /* redact.dead_letter, false */
	int redact_default_patterns;   /* redact.default_patterns, true */
	char *redact_account_patterns; /* redact.account_patterns, "" */
	char *redact_id_patterns;      /* redact.id_patterns, "" */

	/* http */
	int http_port; /* http.port, 9464, 0..65535; 0: no HTTP endpoint */

	/* serve: the caller API (docs/caller-api.md) */
	char *serve_bind;              /* serve.bind, "127.0.0.1" */
	int serve_port;                /* serve.port, 8080, 0..65535; 0: any free port */
	int serve_threads;             /* serve.threads, 4, 1..64 */
	char *serve_api_keys_file;     /* serve.api_keys_file, "": serve refuses to start */
	int serve_max_body_bytes;      /* serve.max_body_bytes, 65536, 1024..16777216 */
	int serve_rate_limit_per_s;    /* serve.rate_limit_per_s, 1000, 0..1000000; 0: none */
	char *serve_cursor_key;        /* serve.cursor_key, not set (secret): random */
	char *serve_postgres_conninfo; /* serve.postgres.conninfo, "": postgres.conninfo */

	/* log */
	char *log_level; /* log.level, "info": debug|info|warn|error */
};

/*
 * Builds the effective configuration: defaults, then the libconfig file at
 * path (skipped when path is NULL), then the environment.  Returns 0 and sets
 * *out (free with ct_config_free()), or -1 with a one-line message naming the
 * offending key (or file and line) in err (errlen bytes).
 */
int ct_config_load(const char *path, struct ct_config **out, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

/* Frees cfg.  Does nothing when cfg is NULL. */
void ct_config_free(struct ct_config *cfg);

/*
 * Prints the effective configuration in libconfig syntax (so it can be saved
 * and loaded again) with secrets masked: the password of
 * postgres.conninfo (keyword or URI form) and every kafka.properties entry
 * whose name contains "password", "secret" or "key.pem", or is
 * "sasl.oauthbearer.config", and redact.hash_key.
 */
void ct_config_print(const struct ct_config *cfg, FILE *out);

/*
 * Writes the librdkafka value of a kafka.properties entry of cfg named
 * `name`, or NULL when it is not set.  The pointer is borrowed from cfg.
 */
const char *ct_config_kafka_property(const struct ct_config *cfg,
				     const char *name);

#endif
