/*
 * Unit tests of the configuration module: defaults, the libconfig file,
 * environment overrides and their precedence, the errors that name the bad
 * key or variable, kafka.properties pass-through, validation, masking of
 * secrets in ct_config_print() and the print -> load round trip.  Also loads
 * deploy/convtrack.conf so the shipped example stays valid.
 */
#include "check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convtrack/config.h"

/* Every environment variable the module looks up, cleared before each test. */
static const char *const known_env[] = {
	"CONVTRACK_KAFKA_BROKERS",
	"CONVTRACK_KAFKA_GROUP_ID",
	"CONVTRACK_KAFKA_SESSION_TIMEOUT_MS",
	"CONVTRACK_KAFKA_HEARTBEAT_INTERVAL_MS",
	"CONVTRACK_KAFKA_MAX_POLL_INTERVAL_MS",
	"CONVTRACK_KAFKA_QUEUED_MAX_KBYTES",
	"CONVTRACK_TOPICS_PARTICIPANT_JOINED",
	"CONVTRACK_TOPICS_MESSAGE",
	"CONVTRACK_TOPICS_AUTHENTICATED",
	"CONVTRACK_TOPICS_CALL_ENDED",
	"CONVTRACK_TOPICS_SUMMARY_GENERATED",
	"CONVTRACK_TOPICS_DEAD_LETTER",
	"CONVTRACK_POSTGRES_CONNINFO",
	"CONVTRACK_BATCH_MAX_EVENTS",
	"CONVTRACK_BATCH_MAX_WAIT_MS",
	"CONVTRACK_RETRY_INITIAL_MS",
	"CONVTRACK_RETRY_MAX_MS",
	"CONVTRACK_SUMMARY_GRACE_MS",
	"CONVTRACK_SESSIONS_STALE_AFTER_S",
	"CONVTRACK_SESSIONS_SWEEP_INTERVAL_S",
	"CONVTRACK_MERGE_SHARED_DEVICE_POLICY",
	"CONVTRACK_RETENTION_MESSAGES_DAYS",
	"CONVTRACK_RETENTION_INTERVAL_S",
	"CONVTRACK_RETENTION_BATCH_SIZE",
	"CONVTRACK_LOG_LEVEL",
	"CONVTRACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL",
	"CONVTRACK_KAFKA_PROPERTIES_SASL_MECHANISMS",
	"CONVTRACK_KAFKA_PROPERTIES_SASL_USERNAME",
	"CONVTRACK_KAFKA_PROPERTIES_SASL_PASSWORD",
	"CONVTRACK_KAFKA_PROPERTIES_SSL_CA_LOCATION",
	"CONVTRACK_KAFKA_PROPERTIES_SSL_CERTIFICATE_LOCATION",
	"CONVTRACK_KAFKA_PROPERTIES_SSL_KEY_LOCATION",
	"CONVTRACK_KAFKA_PROPERTIES_SSL_KEY_PASSWORD",
	"CONVTRACK_KAFKA_PROPERTIES_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM",
	"CONVTRACK_KAFKA_PROPERTIES_CLIENT_ID",
	"CONVTRACK_KAFKA_PROPERTIES_FETCH_WAIT_MAX_MS",
	"CONVTRACK_KAFKA_PROPERTIES_DEBUG",
	"CONVTRACK_REDACT_HASH_KEY",
	"CONVTRACK_REDACT_HASH_KEY_FILE",
	"CONVTRACK_POSTGRES_PASSWORD_FILE",
	"CONVTRACK_KAFKA_SASL_PASSWORD_FILE",
	"CONVTRACK_TOPICS_PROFILE_ERASED",
	"CONVTRACK_SERVICE_HOST",
	"CONVTRACK_SERVICE_PORT",
	"CONVTRACK_PORT_8080_TCP_ADDR",
};

static char root[4096]; /* source tree, for fixtures and deploy/ */

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(known_env) / sizeof(known_env[0]); i++)
		unsetenv(known_env[i]);
}

/* Finds the source tree from this file's path, or falls back to ".". */
static void find_root(void)
{
	const char *suffix = "tests/unit/test_config.c";
	size_t n = strlen(__FILE__), m = strlen(suffix);

	if (n > m && strcmp(&__FILE__[n - m], suffix) == 0 &&
	    n - m < sizeof(root)) {
		memcpy(root, __FILE__, n - m);
		root[n - m] = '\0';
	} else {
		strcpy(root, "./");
	}
}

/* Path of a file relative to the source tree (static buffer). */
static const char *src_path(const char *rel)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%s%s", root, rel);
	return buf;
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* Writes text to a new file in /tmp; the caller unlinks and frees. */
static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/ct_test_config_XXXXXX");
	int fd = path ? mkstemp(path) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		perror("write_tmp");
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static void remove_tmp(char *path)
{
	unlink(path);
	free(path);
}

/* Loads text as a config file.  path_out, if given, gets the file name. */
static int load_text(const char *text, struct ct_config **cfg, char *err,
		     size_t errlen, char *path_out, size_t path_len)
{
	char *path = write_tmp(text);
	int rc = ct_config_load(path, cfg, err, errlen);

	if (path_out)
		snprintf(path_out, path_len, "%s", path);
	remove_tmp(path);
	return rc;
}

/* Loads text that must fail; returns the message (static buffer). */
static const char *load_error(const char *text)
{
	static char err[512];
	struct ct_config *cfg = (struct ct_config *)1;

	err[0] = '\0';
	if (load_text(text, &cfg, err, sizeof(err), NULL, 0) == 0) {
		ct_config_free(cfg);
		return "(loaded without error)";
	}
	CHECK(cfg == NULL);
	return err;
}

/* Prints cfg into a malloc'd string. */
static char *print_to_string(const struct ct_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ct_config_print(cfg, f);
	fclose(f);
	return buf;
}

static void check_defaults(const struct ct_config *cfg)
{
	CHECK(cfg->kafka_brokers == NULL);
	CHECK_STR(cfg->kafka_group_id, "convtrack");
	CHECK(cfg->kafka_session_timeout_ms == 6000);
	CHECK(cfg->kafka_heartbeat_interval_ms == 2000);
	CHECK(cfg->kafka_max_poll_interval_ms == 300000);
	CHECK(cfg->kafka_queued_max_kbytes == 4096);
	CHECK(cfg->kafka_property_count == 0);
	CHECK_STR(cfg->topic_participant_joined, "participant-joined");
	CHECK_STR(cfg->topic_message, "message");
	CHECK_STR(cfg->topic_authenticated, "authenticated");
	CHECK_STR(cfg->topic_call_ended, "call-ended");
	CHECK_STR(cfg->topic_summary_generated, "summary-generated");
	CHECK_STR(cfg->topic_dead_letter, "convtrack-dead-letter");
	CHECK_STR(cfg->postgres_conninfo, "");
	CHECK(cfg->batch_max_events == 5000);
	CHECK(cfg->batch_max_wait_ms == 100);
	CHECK(cfg->postgres_allow_superuser == 0);
	CHECK(cfg->limits_max_record_bytes == 262144);
	CHECK(cfg->limits_max_future_skew_s == 86400);
	CHECK(cfg->retry_initial_ms == 100);
	CHECK(cfg->retry_max_ms == 10000);
	CHECK(cfg->summary_grace_ms == 2000);
	CHECK(cfg->sessions_stale_after_s == 1800);
	CHECK(cfg->sessions_sweep_interval_s == 30);
	CHECK_STR(cfg->merge_shared_device_policy, "history");
	CHECK(cfg->retention_messages_days == 0);
	CHECK(cfg->retention_interval_s == 3600);
	CHECK(cfg->retention_batch_size == 500);
	CHECK_STR(cfg->log_level, "info");
}

static void test_defaults(void)
{
	struct ct_config *cfg = NULL;
	char err[256];

	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	check_defaults(cfg);
	CHECK(ct_config_kafka_property(cfg, "security.protocol") == NULL);
	ct_config_free(cfg);
	ct_config_free(NULL);
}

/* The shipped example must load and must equal the defaults. */
static void test_deploy_example(void)
{
	struct ct_config *cfg = NULL;
	char err[256] = "";

	CHECK(ct_config_load(src_path("deploy/convtrack.conf"), &cfg, err,
			     sizeof(err)) == 0);
	if (!cfg) {
		fprintf(stderr, "deploy/convtrack.conf: %s\n", err);
		return;
	}
	check_defaults(cfg);
	ct_config_free(cfg);
}

static void test_file_values(void)
{
	struct ct_config *cfg = NULL;
	char err[256] = "";

	CHECK(ct_config_load(src_path("tests/fixtures/config/full.conf"), &cfg,
			     err, sizeof(err)) == 0);
	if (!cfg) {
		fprintf(stderr, "full.conf: %s\n", err);
		return;
	}
	CHECK_STR(cfg->kafka_brokers, "k1:9092,k2:9092");
	CHECK_STR(cfg->kafka_group_id, "convtrack-test");
	CHECK(cfg->kafka_session_timeout_ms == 20000);
	CHECK(cfg->kafka_heartbeat_interval_ms == 5000);
	CHECK(cfg->kafka_max_poll_interval_ms == 600000);
	CHECK(cfg->kafka_queued_max_kbytes == 1024);
	CHECK_STR(cfg->topic_participant_joined, "t.pj");
	CHECK_STR(cfg->topic_message, "t.msg");
	CHECK_STR(cfg->topic_authenticated, "t.auth");
	CHECK_STR(cfg->topic_call_ended, "t.end");
	CHECK_STR(cfg->topic_summary_generated, "t.sum");
	CHECK_STR(cfg->topic_dead_letter, "t.dlq");
	CHECK_STR(cfg->postgres_conninfo,
		  "host=db dbname=convtrack user=ct password=pw1");
	CHECK(cfg->batch_max_events == 100);
	CHECK(cfg->batch_max_wait_ms == 0);
	CHECK(cfg->retry_initial_ms == 50);
	CHECK(cfg->retry_max_ms == 5000);
	CHECK(cfg->summary_grace_ms == 0);
	CHECK(cfg->sessions_stale_after_s == 60);
	CHECK(cfg->sessions_sweep_interval_s == 5);
	CHECK(cfg->retention_messages_days == 90);
	CHECK(cfg->retention_interval_s == 600);
	CHECK(cfg->retention_batch_size == 50);
	CHECK_STR(cfg->log_level, "debug");
	ct_config_free(cfg);
}

/* Environment beats the file; an empty string empties a string setting. */
static void test_env_overrides(void)
{
	struct ct_config *cfg = NULL;
	char err[256] = "";

	setenv("CONVTRACK_KAFKA_BROKERS", "env:9092", 1);
	setenv("CONVTRACK_SUMMARY_GRACE_MS", "7500", 1);
	setenv("CONVTRACK_POSTGRES_CONNINFO", "postgresql://env@db/app", 1);
	setenv("CONVTRACK_TOPICS_DEAD_LETTER", "env-dlq", 1);
	setenv("CONVTRACK_KAFKA_GROUP_ID", "", 1);
	setenv("CONVTRACK_BATCH_MAX_EVENTS", "-0", 1); /* parses; out of range */
	CHECK(ct_config_load(src_path("tests/fixtures/config/full.conf"), &cfg,
			     err, sizeof(err)) == -1);
	CHECK(contains(err, "CONVTRACK_BATCH_MAX_EVENTS"));
	setenv("CONVTRACK_BATCH_MAX_EVENTS", "+42", 1);
	CHECK(ct_config_load(src_path("tests/fixtures/config/full.conf"), &cfg,
			     err, sizeof(err)) == 0);
	if (cfg) {
		CHECK_STR(cfg->kafka_brokers, "env:9092");
		CHECK(cfg->summary_grace_ms == 7500);
		CHECK_STR(cfg->postgres_conninfo, "postgresql://env@db/app");
		CHECK_STR(cfg->topic_dead_letter, "env-dlq");
		CHECK_STR(cfg->kafka_group_id, "");
		CHECK(cfg->batch_max_events == 42);
		CHECK(cfg->retry_max_ms == 5000); /* file value untouched */
		ct_config_free(cfg);
	}
	/* The environment applies without a file too. */
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	if (cfg) {
		CHECK_STR(cfg->kafka_brokers, "env:9092");
		CHECK(cfg->batch_max_events == 42);
		ct_config_free(cfg);
	}
	clear_env();
}

static void test_bad_env_int(void)
{
	static const char *const bad[] = {
		"abc", "12x", " 12", "12 ", "", "1.5", "0x10",
		"99999999999999999999", "0", "1000001",
	};
	struct ct_config *cfg;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("CONVTRACK_BATCH_MAX_EVENTS", bad[i], 1);
		cfg = (struct ct_config *)1;
		err[0] = '\0';
		CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == -1);
		CHECK(cfg == NULL);
		CHECK(contains(err, "CONVTRACK_BATCH_MAX_EVENTS"));
		CHECK(contains(err, "1..1000000"));
	}
	clear_env();
	setenv("CONVTRACK_SUMMARY_GRACE_MS", "soon", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == -1);
	CHECK(contains(err, "CONVTRACK_SUMMARY_GRACE_MS"));
	clear_env();
}

/* Retention: off by default, overridable, 0 allowed only for the days. */
static void test_retention_settings(void)
{
	static const struct {
		const char *name, *value, *range;
	} bad[] = {
		{ "CONVTRACK_RETENTION_MESSAGES_DAYS", "-1", "0..36500" },
		{ "CONVTRACK_RETENTION_MESSAGES_DAYS", "36501", "0..36500" },
		{ "CONVTRACK_RETENTION_INTERVAL_S", "0", "1..604800" },
		{ "CONVTRACK_RETENTION_BATCH_SIZE", "0", "1..100000" },
	};
	struct ct_config *cfg = NULL;
	char err[256] = "";

	setenv("CONVTRACK_RETENTION_MESSAGES_DAYS", "30", 1);
	setenv("CONVTRACK_RETENTION_INTERVAL_S", "60", 1);
	setenv("CONVTRACK_RETENTION_BATCH_SIZE", "7", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	CHECK(cfg && cfg->retention_messages_days == 30);
	CHECK(cfg && cfg->retention_interval_s == 60);
	CHECK(cfg && cfg->retention_batch_size == 7);
	ct_config_free(cfg);
	clear_env();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(bad[i].name, bad[i].value, 1);
		cfg = NULL;
		CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == -1);
		CHECK(contains(err, bad[i].name));
		CHECK(contains(err, bad[i].range));
		clear_env();
	}
}

/* Kubernetes service links and other CONVTRACK_* names are not settings. */
static void test_unrelated_env_ignored(void)
{
	struct ct_config *cfg = NULL;
	char err[256] = "";

	setenv("CONVTRACK_SERVICE_HOST", "10.0.0.1", 1);
	setenv("CONVTRACK_SERVICE_PORT", "not-a-number", 1);
	setenv("CONVTRACK_PORT_8080_TCP_ADDR", "10.0.0.1", 1);
	setenv("CONVTRACK_KAFKA_PROPERTIES_DEBUG", "all", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	if (cfg) {
		check_defaults(cfg);
		CHECK(ct_config_kafka_property(cfg, "debug") == NULL);
		ct_config_free(cfg);
	}
	clear_env();
}

static void test_unknown_settings(void)
{
	char err[512], path[256];
	struct ct_config *cfg = NULL;
	const char *msg;

	CHECK(load_text("kafka = {\n\tbrokerz = \"x\";\n};\n", &cfg, err,
			sizeof(err), path, sizeof(path)) == -1);
	CHECK(cfg == NULL);
	CHECK(contains(err, "unknown setting 'kafka.brokerz'"));
	CHECK(contains(err, path));
	CHECK(contains(err, ":2"));

	msg = load_error("kafak = { brokers = \"x\"; };\n");
	CHECK(contains(msg, "unknown setting 'kafak'"));
	msg = load_error("brokers = \"x\";\n");
	CHECK(contains(msg, "unknown setting 'brokers'"));
	msg = load_error("summary = { grace = 10; };\n");
	CHECK(contains(msg, "unknown setting 'summary.grace'"));
	msg = load_error("kafka = \"k:9092\";\n");
	CHECK(contains(msg, "kafka"));
	CHECK(contains(msg, "must be a group"));
}

static void test_bad_types_and_ranges(void)
{
	const char *msg;

	msg = load_error("kafka = { brokers = 9092; };\n");
	CHECK(contains(msg, "kafka.brokers"));
	CHECK(contains(msg, "must be a string"));
	msg = load_error("batch = { max_events = \"10\"; };\n");
	CHECK(contains(msg, "batch.max_events"));
	CHECK(contains(msg, "1..1000000"));
	msg = load_error("batch = { max_events = 0; };\n");
	CHECK(contains(msg, "batch.max_events"));
	CHECK(contains(msg, "out of range 1..1000000"));
	msg = load_error("batch = { max_wait_ms = 60001; };\n");
	CHECK(contains(msg, "batch.max_wait_ms"));
	CHECK(contains(msg, "0..60000"));
	msg = load_error("summary = { grace_ms = 1.5; };\n");
	CHECK(contains(msg, "summary.grace_ms"));
	msg = load_error("summary = { grace_ms = true; };\n");
	CHECK(contains(msg, "summary.grace_ms"));
	msg = load_error("sessions = { stale_after_s = 99999999999L; };\n");
	CHECK(contains(msg, "sessions.stale_after_s"));
	CHECK(contains(msg, "out of range"));
	msg = load_error("log = { level = [ \"info\" ]; };\n");
	CHECK(contains(msg, "log.level"));
}

/* Syntax errors and unreadable files name the file (and line). */
static void test_parse_errors(void)
{
	char err[512], path[256];
	char expect[300];
	struct ct_config *cfg = NULL;

	CHECK(load_text("kafka = {\n\tbrokers = ;\n};\n", &cfg, err,
			sizeof(err), path, sizeof(path)) == -1);
	snprintf(expect, sizeof(expect), "%s:2: ", path);
	CHECK(strncmp(err, expect, strlen(expect)) == 0);
	CHECK(load_text("kafka = { group_id = \"a\"; group_id = \"b\"; };\n",
			&cfg, err, sizeof(err), NULL, 0) == -1);
	CHECK(contains(err, "duplicate"));
	CHECK(ct_config_load("/nonexistent/convtrack.conf", &cfg, err,
			     sizeof(err)) == -1);
	CHECK(contains(err, "/nonexistent/convtrack.conf"));
	CHECK(contains(err, "No such file"));
}

static void test_validation(void)
{
	char long_topic[400];
	const char *msg;

	msg = load_error("log = { level = \"verbose\"; };\n");
	CHECK(contains(msg, "log.level"));
	msg = load_error("merge = { shared_device_policy = \"never\"; };\n");
	CHECK(contains(msg, "merge.shared_device_policy"));
	msg = load_error("topics = { message = \"bad topic\"; };\n");
	CHECK(contains(msg, "topics.message"));
	msg = load_error("topics = { message = \"\"; };\n");
	CHECK(contains(msg, "topics.message"));
	msg = load_error("topics = { call_ended = \"..\"; };\n");
	CHECK(contains(msg, "topics.call_ended"));
	memset(long_topic, 0, sizeof(long_topic));
	strcpy(long_topic, "topics = { dead_letter = \"");
	memset(long_topic + strlen(long_topic), 'x', 250);
	strcat(long_topic, "\"; };\n");
	msg = load_error(long_topic);
	CHECK(contains(msg, "topics.dead_letter"));
	msg = load_error("topics = { dead_letter = \"message\"; };\n");
	CHECK(contains(msg, "topics.message"));
	CHECK(contains(msg, "topics.dead_letter"));
	msg = load_error("kafka = { heartbeat_interval_ms = 10000; };\n");
	CHECK(contains(msg, "kafka.heartbeat_interval_ms"));
	CHECK(contains(msg, "kafka.session_timeout_ms"));
	msg = load_error("kafka = { max_poll_interval_ms = 5000; };\n");
	CHECK(contains(msg, "kafka.max_poll_interval_ms"));
	msg = load_error("retry = { initial_ms = 20000; };\n");
	CHECK(contains(msg, "retry.initial_ms"));

	/* Validation sees the environment too. */
	setenv("CONVTRACK_TOPICS_MESSAGE", "call-ended", 1);
	msg = load_error("");
	CHECK(contains(msg, "topics.message"));
	clear_env();
}

static void test_properties(void)
{
	struct ct_config *cfg = NULL;
	char err[256] = "";

	setenv("CONVTRACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SSL", 1);
	setenv("CONVTRACK_KAFKA_PROPERTIES_SASL_USERNAME", "env-user", 1);
	setenv("CONVTRACK_KAFKA_PROPERTIES_CLIENT_ID", "ct-env", 1);
	setenv("CONVTRACK_KAFKA_PROPERTIES_FETCH_WAIT_MAX_MS", "", 1);
	CHECK(ct_config_load(src_path("tests/fixtures/config/full.conf"), &cfg,
			     err, sizeof(err)) == 0);
	if (!cfg) {
		fprintf(stderr, "full.conf: %s\n", err);
		clear_env();
		return;
	}
	CHECK_STR(ct_config_kafka_property(cfg, "security.protocol"), "SSL");
	CHECK_STR(ct_config_kafka_property(cfg, "sasl.mechanisms"), "PLAIN");
	CHECK_STR(ct_config_kafka_property(cfg, "sasl.password"), "file-secret");
	CHECK_STR(ct_config_kafka_property(
			  cfg, "enable.ssl.certificate.verification"), "false");
	CHECK_STR(ct_config_kafka_property(cfg, "client.id"), "ct-env");
	CHECK_STR(ct_config_kafka_property(cfg, "sasl.username"), "env-user");
	CHECK(ct_config_kafka_property(cfg, "fetch.wait.max.ms") == NULL);
	CHECK(cfg->kafka_property_count == 6);
	/* File order is kept; environment-only properties come after. */
	CHECK_STR(cfg->kafka_properties[0].name, "security.protocol");
	CHECK_STR(cfg->kafka_properties[5].name, "sasl.username");
	ct_config_free(cfg);
	clear_env();

	CHECK(load_text("kafka = { properties = ( { name = \"fetch.wait.max.ms\";"
			" value = 250; }, { name = \"enable.auto.commit\"; "
			"value = true; }, { name = \"x.big\"; value = 5000000000L; }"
			" ); };\n", &cfg, err, sizeof(err), NULL, 0) == 0);
	if (cfg) {
		CHECK_STR(ct_config_kafka_property(cfg, "fetch.wait.max.ms"), "250");
		CHECK_STR(ct_config_kafka_property(cfg, "enable.auto.commit"),
			  "true");
		CHECK_STR(ct_config_kafka_property(cfg, "x.big"), "5000000000");
		ct_config_free(cfg);
	}
}

static void test_property_errors(void)
{
	const char *msg;

	msg = load_error("kafka = { properties = ( { name = \"a.b\"; value = 1; },"
			 " { name = \"a.b\"; value = 2; } ); };\n");
	CHECK(contains(msg, "'a.b'"));
	CHECK(contains(msg, "twice"));
	msg = load_error("kafka = { properties = ( { name = \"a b\"; value = 1; }"
			 " ); };\n");
	CHECK(contains(msg, "kafka.properties entry 1"));
	msg = load_error("kafka = { properties = ( { name = \"a.b\"; value = 1.5; }"
			 " ); };\n");
	CHECK(contains(msg, "'a.b'"));
	msg = load_error("kafka = { properties = ( { name = \"a.b\"; } ); };\n");
	CHECK(contains(msg, "kafka.properties entry 1"));
	msg = load_error("kafka = { properties = ( { name = \"a.b\"; value = 1; "
			 "extra = 2; } ); };\n");
	CHECK(contains(msg, "kafka.properties entry 1"));
	msg = load_error("kafka = { properties = ( \"a.b=1\" ); };\n");
	CHECK(contains(msg, "kafka.properties entry 1"));
	msg = load_error("kafka = { properties = { a = 1; }; };\n");
	CHECK(contains(msg, "kafka.properties"));
	CHECK(contains(msg, "must be a list"));
	msg = load_error("kafka = { properties = ( { name = \"group.id\"; "
			 "value = \"g\"; } ); };\n");
	CHECK(contains(msg, "group.id"));
	CHECK(contains(msg, "kafka.group_id"));
}

static void test_print_masking(void)
{
	static const char *const secrets[] = { "s3cret", "se cr", "hunter2",
					       "qsecret", "file-secret", "kp4ss",
					       "nested-pw" };
	struct ct_config *cfg = NULL;
	char err[256] = "";
	char *text;

	setenv("CONVTRACK_KAFKA_PROPERTIES_SSL_KEY_PASSWORD", "kp4ss", 1);
	setenv("CONVTRACK_POSTGRES_CONNINFO",
	       "host=db password = s3cret user=u", 1);
	CHECK(ct_config_load(src_path("tests/fixtures/config/full.conf"), &cfg,
			     err, sizeof(err)) == 0);
	if (!cfg) {
		clear_env();
		return;
	}
	text = print_to_string(cfg);
	CHECK(contains(text, "conninfo = \"host=db password = ******** user=u\";"));
	CHECK(contains(text, "name = \"sasl.password\"; value = \"********\";"));
	CHECK(contains(text, "name = \"ssl.key.password\"; value = \"********\";"));
	CHECK(contains(text, "name = \"security.protocol\"; value = \"SASL_SSL\";"));
	free(text);

	free(cfg->postgres_conninfo);
	cfg->postgres_conninfo = strdup("password='se cr\\'et' host=db");
	text = print_to_string(cfg);
	CHECK(contains(text, "conninfo = \"password=******** host=db\";"));
	free(text);

	free(cfg->postgres_conninfo);
	cfg->postgres_conninfo = strdup(
		"postgresql://app:hunter2@db:5432/app?sslmode=require&password=qsecret");
	text = print_to_string(cfg);
	CHECK(contains(text, "\"postgresql://app:********@db:5432/app?"
			     "sslmode=require&password=********\""));
	free(text);

	free(cfg->postgres_conninfo);
	cfg->postgres_conninfo = strdup("dbname='postgres://u:nested-pw@h/d'");
	text = print_to_string(cfg);
	CHECK(contains(text, "conninfo = \"dbname=********\";"));
	free(text);

	/* Unparsable: all of it is masked. */
	free(cfg->postgres_conninfo);
	cfg->postgres_conninfo = strdup("host=db password='s3cret");
	text = print_to_string(cfg);
	CHECK(contains(text, "conninfo = \"********\";"));
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		CHECK(!contains(text, secrets[i]));
	free(text);

	/* No password: printed as is. */
	free(cfg->postgres_conninfo);
	cfg->postgres_conninfo = strdup("postgresql://app@db/app");
	text = print_to_string(cfg);
	CHECK(contains(text, "conninfo = \"postgresql://app@db/app\";"));
	free(text);
	ct_config_free(cfg);
	clear_env();
}

/* Reloads the printed form of cfg; returns the new config or NULL. */
static struct ct_config *reload(const struct ct_config *cfg)
{
	struct ct_config *again = NULL;
	char *text = print_to_string(cfg);
	char err[512] = "";

	if (load_text(text, &again, err, sizeof(err), NULL, 0)) {
		fprintf(stderr, "reload failed: %s\n--\n%s--\n", err, text);
		again = NULL;
	}
	free(text);
	return again;
}

static void check_same(const struct ct_config *a, const struct ct_config *b)
{
	CHECK((a->kafka_brokers == NULL) == (b->kafka_brokers == NULL));
	if (a->kafka_brokers)
		CHECK_STR(a->kafka_brokers, b->kafka_brokers);
	CHECK_STR(a->kafka_group_id, b->kafka_group_id);
	CHECK(a->kafka_session_timeout_ms == b->kafka_session_timeout_ms);
	CHECK(a->kafka_heartbeat_interval_ms == b->kafka_heartbeat_interval_ms);
	CHECK(a->kafka_max_poll_interval_ms == b->kafka_max_poll_interval_ms);
	CHECK(a->kafka_queued_max_kbytes == b->kafka_queued_max_kbytes);
	CHECK(a->kafka_property_count == b->kafka_property_count);
	for (size_t i = 0; i < a->kafka_property_count &&
			   i < b->kafka_property_count; i++) {
		CHECK_STR(a->kafka_properties[i].name, b->kafka_properties[i].name);
		CHECK_STR(a->kafka_properties[i].value,
			  b->kafka_properties[i].value);
	}
	CHECK_STR(a->topic_participant_joined, b->topic_participant_joined);
	CHECK_STR(a->topic_message, b->topic_message);
	CHECK_STR(a->topic_authenticated, b->topic_authenticated);
	CHECK_STR(a->topic_call_ended, b->topic_call_ended);
	CHECK_STR(a->topic_summary_generated, b->topic_summary_generated);
	CHECK_STR(a->topic_dead_letter, b->topic_dead_letter);
	CHECK_STR(a->postgres_conninfo, b->postgres_conninfo);
	CHECK(a->batch_max_events == b->batch_max_events);
	CHECK(a->batch_max_wait_ms == b->batch_max_wait_ms);
	CHECK(a->postgres_allow_superuser == b->postgres_allow_superuser);
	CHECK(a->limits_max_record_bytes == b->limits_max_record_bytes);
	CHECK(a->limits_max_future_skew_s == b->limits_max_future_skew_s);
	CHECK(a->retry_initial_ms == b->retry_initial_ms);
	CHECK(a->retry_max_ms == b->retry_max_ms);
	CHECK(a->summary_grace_ms == b->summary_grace_ms);
	CHECK(a->sessions_stale_after_s == b->sessions_stale_after_s);
	CHECK(a->sessions_sweep_interval_s == b->sessions_sweep_interval_s);
	CHECK_STR(a->merge_shared_device_policy, b->merge_shared_device_policy);
	CHECK(a->retention_messages_days == b->retention_messages_days);
	CHECK(a->retention_interval_s == b->retention_interval_s);
	CHECK(a->retention_batch_size == b->retention_batch_size);
	CHECK_STR(a->log_level, b->log_level);
}

static void test_round_trip(void)
{
	struct ct_config *cfg = NULL, *again;
	char err[256] = "";

	/* Defaults, with kafka.brokers not set. */
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	again = reload(cfg);
	CHECK(again != NULL);
	if (again) {
		check_same(cfg, again);
		ct_config_free(again);
	}
	ct_config_free(cfg);

	/* Every setting changed, no secrets, strings that need escaping. */
	CHECK(load_text("kafka = { brokers = \"k:1\"; group_id = "
			"\"g \\\"q\\\" \\\\ \\n\\t\\r\\x01 caf\xc3\xa9\"; "
			"properties = ( { name = \"client.id\"; value = \"a\\\"b\"; },"
			" { name = \"enable.auto.commit\"; value = false; } ); };\n"
			"postgres = { conninfo = \"host=db user='a b'\"; };\n",
			&cfg, err, sizeof(err), NULL, 0) == 0);
	if (!cfg) {
		fprintf(stderr, "round trip input: %s\n", err);
		return;
	}
	CHECK_STR(cfg->kafka_group_id, "g \"q\" \\ \n\t\r\x01 caf\xc3\xa9");
	again = reload(cfg);
	CHECK(again != NULL);
	if (again) {
		check_same(cfg, again);
		ct_config_free(again);
	}
	ct_config_free(cfg);

	/* The fixture: everything but the masked secrets survives. */
	CHECK(ct_config_load(src_path("tests/fixtures/config/full.conf"), &cfg,
			     err, sizeof(err)) == 0);
	if (!cfg)
		return;
	again = reload(cfg);
	CHECK(again != NULL);
	if (again) {
		CHECK_STR(again->postgres_conninfo,
			  "host=db dbname=convtrack user=ct password=********");
		CHECK_STR(ct_config_kafka_property(again, "sasl.password"),
			  "********");
		free(cfg->postgres_conninfo);
		cfg->postgres_conninfo = strdup(again->postgres_conninfo);
		free(cfg->kafka_properties[2].value);
		cfg->kafka_properties[2].value = strdup("********");
		check_same(cfg, again);
		ct_config_free(again);
	}
	ct_config_free(cfg);
}

/* redact.hash_key: a secret, masked when set, at least 16 bytes. */
static void test_hash_key(void)
{
	struct ct_config *cfg = NULL;
	char err[256] = "";
	char *text;

	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	if (cfg) {
		CHECK(cfg->redact_hash_key == NULL);
		CHECK_STR(cfg->topic_profile_erasure_requested,
			  "profile-erasure-requested");
		CHECK_STR(cfg->topic_profile_erased, "profile-erased");
		text = print_to_string(cfg);
		CHECK(contains(text, "# hash_key is not set"));
		free(text);
		ct_config_free(cfg);
	}
	setenv("CONVTRACK_REDACT_HASH_KEY", "0123456789abcdef-key", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	if (cfg) {
		CHECK_STR(cfg->redact_hash_key, "0123456789abcdef-key");
		text = print_to_string(cfg);
		CHECK(contains(text, "hash_key = \"********\";"));
		CHECK(!contains(text, "0123456789abcdef-key"));
		free(text);
		ct_config_free(cfg);
	}
	setenv("CONVTRACK_REDACT_HASH_KEY", "short-key", 1);
	cfg = NULL;
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) < 0 && !cfg);
	CHECK(contains(err, "redact.hash_key") && !contains(err, "short-key"));
	/* the erasure topics must differ from the others */
	unsetenv("CONVTRACK_REDACT_HASH_KEY");
	setenv("CONVTRACK_TOPICS_PROFILE_ERASED", "summary-generated", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) < 0);
	CHECK(contains(err, "topics.profile_erased"));
	clear_env();
}

/*
 * Secrets from files (issue 17): the first line of each file becomes the
 * secret; the printed configuration shows the paths, never the content; a
 * missing or empty file, or a secret set both ways, is an error that names
 * the setting and the path but not the secret.
 */
static void test_secret_files(void)
{
	char *pw = write_tmp("db-pa55word\n");
	char *sasl = write_tmp("sasl-pa55word\r\nsecond line ignored\n");
	char *key = write_tmp("0123456789abcdef-file-key");
	char *empty = write_tmp("\n");
	struct ct_config *cfg = NULL;
	char err[512] = "", *text;

	setenv("CONVTRACK_POSTGRES_PASSWORD_FILE", pw, 1);
	setenv("CONVTRACK_KAFKA_SASL_PASSWORD_FILE", sasl, 1);
	setenv("CONVTRACK_REDACT_HASH_KEY_FILE", key, 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == 0);
	if (cfg) {
		CHECK_STR(cfg->postgres_password, "db-pa55word");
		CHECK_STR(ct_config_kafka_property(cfg, "sasl.password"),
			  "sasl-pa55word");
		CHECK_STR(cfg->redact_hash_key, "0123456789abcdef-file-key");
		text = print_to_string(cfg);
		CHECK(contains(text, pw) && contains(text, key));
		CHECK(!contains(text, "pa55word") && !contains(text, "file-key"));
		ct_config_free(cfg);
		cfg = NULL;
		/* what is printed loads again, reading the same files */
		clear_env();
		CHECK(load_text(text, &cfg, err, sizeof(err), NULL, 0) == 0);
		if (cfg) {
			CHECK_STR(cfg->postgres_password, "db-pa55word");
			CHECK_STR(ct_config_kafka_property(cfg, "sasl.password"),
				  "sasl-pa55word");
			CHECK_STR(cfg->redact_hash_key,
				  "0123456789abcdef-file-key");
			ct_config_free(cfg);
			cfg = NULL;
		}
		free(text);
	}

	/* both ways, missing, empty: errors without the secret */
	setenv("CONVTRACK_POSTGRES_PASSWORD_FILE", pw, 1);
	setenv("CONVTRACK_REDACT_HASH_KEY_FILE", key, 1);
	setenv("CONVTRACK_REDACT_HASH_KEY", "0123456789abcdef-env", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == -1 && !cfg);
	CHECK(contains(err, "redact.hash_key_file") && contains(err, "both"));
	unsetenv("CONVTRACK_REDACT_HASH_KEY");
	setenv("CONVTRACK_POSTGRES_PASSWORD_FILE", "/nonexistent/ct-pw", 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == -1 && !cfg);
	CHECK(contains(err, "postgres.password_file") &&
	      contains(err, "/nonexistent/ct-pw"));
	setenv("CONVTRACK_POSTGRES_PASSWORD_FILE", empty, 1);
	CHECK(ct_config_load(NULL, &cfg, err, sizeof(err)) == -1 && !cfg);
	CHECK(contains(err, "empty") && !contains(err, "pa55word"));
	clear_env();
	remove_tmp(pw);
	remove_tmp(sasl);
	remove_tmp(key);
	remove_tmp(empty);
}

int main(void)
{
	find_root();
	clear_env();
	test_defaults();
	test_deploy_example();
	test_file_values();
	test_env_overrides();
	test_bad_env_int();
	test_retention_settings();
	test_unrelated_env_ignored();
	test_unknown_settings();
	test_bad_types_and_ranges();
	test_parse_errors();
	test_validation();
	test_properties();
	test_property_errors();
	test_print_masking();
	test_round_trip();
	test_hash_key();
	test_secret_files();
	return ct_check_done();
}
