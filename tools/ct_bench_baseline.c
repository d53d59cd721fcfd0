/*
 * ct-bench-baseline: the baseline of the throughput benchmark (bench/).
 *
 * The design a team writes first, after the original design notes: a Kafka
 * consumer that applies each event in its own transaction and lets row
 * triggers keep the statistics (bench/baseline.sql creates them):
 *
 *   message             BEGIN; INSERT INTO conversation_messages ... ON
 *                       CONFLICT (message_id) DO NOTHING; COMMIT
 *                       (the AFTER INSERT trigger bumps
 *                       agent_sessions.message_count and the session
 *                       profile's user_profiles.total_messages)
 *   participant_joined  BEGIN; INSERT the anonymous profile ON CONFLICT DO
 *                       NOTHING; upsert the session with its profile;
 *                       bump the profile's total_sessions; COMMIT
 *
 * then stores the event's offset (enable.auto.offset.store=false, offsets
 * auto-committed every second), so it has the same delivery guarantee as
 * convtrack.  Events are parsed and validated with convtrack's own parser;
 * an invalid one is skipped.  Prepared statements, one connection.
 *
 * With --noop nothing is written: the tool only consumes, which measures
 * how fast the Kafka endpoint delivers the events.
 *
 * It stops after --max-events events, after --max-seconds, after
 * --idle-ms without a record once it has seen one, or on SIGINT/SIGTERM,
 * and prints one line (client clock):
 *   events=N messages=M joins=J invalid=I msg_apply_s=S join_apply_s=S
 *   first_to_last_s=S rate=R
 * where rate is events per second from the first event's commit to the
 * last one's, and *_apply_s the time spent from BEGIN to the end of COMMIT
 * for each kind (so a caller can weigh the kinds as its workload mixes
 * them: the topics are consumed at different speeds).
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>

#include "convtrack/event.h"
#include "convtrack/ids.h"

static volatile sig_atomic_t ct_bb_stop;

static void ct_bb_on_signal(int sig)
{
	(void)sig;
	ct_bb_stop = 1;
}

struct ct_bb_opts {
	const char *brokers;
	const char *group;
	const char *conninfo;
	long max_events;
	double max_seconds;
	int idle_ms;
	bool noop;
};

static double ct_bb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char CT_BB_SQL_MESSAGE[] =
	"INSERT INTO conversation_messages (message_id, session_id, role,"
	" content, seq, occurred_at, version_at, version_event_id)"
	" VALUES ($1, $2, $3, $4, $5, $6, $6, $7)"
	" ON CONFLICT (message_id) DO NOTHING";

static const char CT_BB_SQL_PROFILE[] =
	"INSERT INTO user_profiles (id, profile_type, anonymous_id,"
	" first_seen_at, last_seen_at)"
	" VALUES ($1, 'anonymous', $2, $3, $3) ON CONFLICT DO NOTHING";

static const char CT_BB_SQL_SESSION[] =
	"INSERT INTO agent_sessions (session_id, room_id, participant_id,"
	" anonymous_id, profile_id, started_at, last_event_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $6)"
	" ON CONFLICT (session_id) DO UPDATE SET room_id = EXCLUDED.room_id,"
	"  participant_id = EXCLUDED.participant_id,"
	"  anonymous_id = EXCLUDED.anonymous_id, profile_id = EXCLUDED.profile_id,"
	"  started_at = LEAST(agent_sessions.started_at, EXCLUDED.started_at),"
	"  updated_at = now()";

static const char CT_BB_SQL_SESSIONS_COUNT[] =
	"UPDATE user_profiles SET total_sessions = total_sessions + 1,"
	" last_seen_at = GREATEST(last_seen_at, $2), updated_at = now()"
	" WHERE id = $1";

/* Runs one command; prints the error and returns -1 on failure. */
static int ct_bb_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;

	if (rc < 0)
		fprintf(stderr, "ct-bench-baseline: %s: %s", sql,
			PQerrorMessage(conn));
	PQclear(res);
	return rc;
}

static int ct_bb_run(PGconn *conn, const char *name, int n,
		     const char *const *params)
{
	PGresult *res = PQexecPrepared(conn, name, n, params, NULL, NULL, 0);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;

	if (rc < 0)
		fprintf(stderr, "ct-bench-baseline: %s: %s", name,
			PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

static int ct_bb_prepare(PGconn *conn)
{
	static const struct {
		const char *name, *sql;
		int n;
	} stmts[] = {
		{ "message", CT_BB_SQL_MESSAGE, 7 },
		{ "profile", CT_BB_SQL_PROFILE, 3 },
		{ "session", CT_BB_SQL_SESSION, 6 },
		{ "sessions_count", CT_BB_SQL_SESSIONS_COUNT, 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		PGresult *res = PQprepare(conn, stmts[i].name, stmts[i].sql,
					  stmts[i].n, NULL);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

		if (!ok)
			fprintf(stderr, "ct-bench-baseline: prepare %s: %s",
				stmts[i].name, PQresultErrorMessage(res));
		PQclear(res);
		if (!ok)
			return -1;
	}
	return 0;
}

/* One event, one transaction.  Returns 0 or -1 (reported). */
static int ct_bb_apply(PGconn *conn, const struct ct_event *ev)
{
	char at[40], seq[24];
	int rc;

	ct_event_format_time(ev->occurred_at_us, at);
	if (ct_bb_exec(conn, "BEGIN") < 0)
		return -1;
	if (ev->type == CT_EVENT_MESSAGE) {
		const char *p[7] = { ev->u.message.message_id, ev->session_id,
				     ct_event_role_name(ev->u.message.role),
				     ev->u.message.content, NULL, at, ev->event_id };

		if (ev->u.message.has_seq) {
			snprintf(seq, sizeof(seq), "%" PRId64, ev->u.message.seq);
			p[4] = seq;
		}
		rc = ct_bb_run(conn, "message", 7, p);
	} else {
		char key[CT_IDS_NAME_MAX + 64], id[CT_UUID_STRLEN + 1];
		const char *pp[3], *ps[6], *pc[2];

		if (ct_ids_anonymous_key(ev->u.joined.anonymous_id,
					 ev->u.joined.participant_id,
					 ev->session_id, key, sizeof(key)) < 0)
			key[0] = '\0';
		ct_ids_anonymous_profile(key, id);
		pp[0] = id;
		pp[1] = key;
		pp[2] = at;
		ps[0] = ev->session_id;
		ps[1] = ev->u.joined.room_id;
		ps[2] = ev->u.joined.participant_id;
		ps[3] = key;
		ps[4] = id;
		ps[5] = at;
		pc[0] = id;
		pc[1] = at;
		rc = ct_bb_run(conn, "profile", 3, pp);
		if (rc == 0)
			rc = ct_bb_run(conn, "session", 6, ps);
		if (rc == 0)
			rc = ct_bb_run(conn, "sessions_count", 2, pc);
	}
	if (rc == 0)
		return ct_bb_exec(conn, "COMMIT");
	ct_bb_exec(conn, "ROLLBACK");
	return -1;
}

/* The event type a topic carries, from the end of its name. */
static int ct_bb_topic_type(const char *topic)
{
	size_t n = strlen(topic);

	if (n >= 18 && strcmp(topic + n - 18, "participant-joined") == 0)
		return CT_EVENT_PARTICIPANT_JOINED;
	if (n >= 7 && strcmp(topic + n - 7, "message") == 0)
		return CT_EVENT_MESSAGE;
	return -1;
}

static void ct_bb_store_offset(rd_kafka_t *rk, const rd_kafka_message_t *rkm)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(rkm->rkt),
					  rkm->partition)->offset = rkm->offset + 1;
	rd_kafka_offsets_store(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

static rd_kafka_t *ct_bb_consumer(const struct ct_bb_opts *o, char **topics,
				  int ntopics)
{
	static const char *const settings[][2] = {
		{ "enable.auto.offset.store", "false" },
		{ "enable.auto.commit", "true" },
		{ "auto.commit.interval.ms", "1000" },
		{ "auto.offset.reset", "earliest" },
		{ "enable.partition.eof", "false" },
		{ "queued.max.messages.kbytes", "16384" },
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *subs;
	rd_kafka_t *rk;
	char err[512];
	size_t i;
	int t;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, err,
			      sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", o->group, err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "ct-bench-baseline: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err,
				      sizeof(err)) != RD_KAFKA_CONF_OK) {
			fprintf(stderr, "ct-bench-baseline: %s\n", err);
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "ct-bench-baseline: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	subs = rd_kafka_topic_partition_list_new(ntopics);
	for (t = 0; t < ntopics; t++)
		rd_kafka_topic_partition_list_add(subs, topics[t],
						  RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(rk, subs)) {
		fprintf(stderr, "ct-bench-baseline: subscribe failed\n");
		rd_kafka_topic_partition_list_destroy(subs);
		rd_kafka_destroy(rk);
		return NULL;
	}
	rd_kafka_topic_partition_list_destroy(subs);
	return rk;
}

static void ct_bb_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-bench-baseline -b BROKERS -g GROUP [-d CONNINFO] "
		"[--noop]\n"
		"                         [--max-events N] [--max-seconds S] "
		"[--idle-ms MS] TOPIC...\n"
		"Applies participant_joined and message events one transaction "
		"per event\n(triggers of bench/baseline.sql keep the counters), "
		"or with --noop only\nconsumes them.  Prints events=N "
		"first_to_last_s=S rate=R.\n");
}

static int ct_bb_parse(int argc, char **argv, struct ct_bb_opts *o)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "group", required_argument, NULL, 'g' },
		{ "conninfo", required_argument, NULL, 'd' },
		{ "max-events", required_argument, NULL, 'n' },
		{ "max-seconds", required_argument, NULL, 's' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "noop", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->conninfo = "";
	o->idle_ms = 5000;
	while ((opt = getopt_long(argc, argv, "b:g:d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			o->brokers = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'd':
			o->conninfo = optarg;
			break;
		case 'n':
			o->max_events = strtol(optarg, NULL, 10);
			break;
		case 's':
			o->max_seconds = strtod(optarg, NULL);
			break;
		case 'i':
			o->idle_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 'N':
			o->noop = true;
			break;
		case 'h':
			ct_bb_usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!o->brokers || !o->group || optind >= argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct ct_bb_opts o;
	struct sigaction sa;
	PGconn *conn = NULL;
	rd_kafka_t *rk;
	double first = 0, last = 0, last_seen = 0, apply_s[2] = { 0, 0 };
	long applied = 0, invalid = 0, kinds[2] = { 0, 0 };
	int rc = 0;

	if (ct_bb_parse(argc, argv, &o) < 0) {
		ct_bb_usage(stderr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ct_bb_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!o.noop) {
		const char *keys[] = { "dbname", "application_name", NULL };
		const char *vals[] = { o.conninfo, "ct-bench-baseline", NULL };

		conn = PQconnectdbParams(keys, vals, 1);
		if (PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "ct-bench-baseline: %s", PQerrorMessage(conn));
			PQfinish(conn);
			return 1;
		}
		if (ct_bb_prepare(conn) < 0) {
			PQfinish(conn);
			return 1;
		}
	}
	rk = ct_bb_consumer(&o, argv + optind, argc - optind);
	if (!rk) {
		PQfinish(conn);
		return 1;
	}
	while (!ct_bb_stop) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 100);
		double now = ct_bb_now();
		struct ct_event ev;
		char reason[CT_EVENT_REASON_MAX];
		int type;

		if (!rkm) {
			if (applied > 0 && (now - last_seen) * 1000 > o.idle_ms)
				break;
			continue;
		}
		if (rkm->err) {
			if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "ct-bench-baseline: %s\n",
					rd_kafka_message_errstr(rkm));
			rd_kafka_message_destroy(rkm);
			continue;
		}
		last_seen = now;
		type = ct_bb_topic_type(rd_kafka_topic_name(rkm->rkt));
		if (type < 0 || ct_event_parse((enum ct_event_type)type, rkm->payload,
					       rkm->len, &ev, reason) != 0) {
			invalid++;
			ct_bb_store_offset(rk, rkm);
			rd_kafka_message_destroy(rkm);
			continue;
		}
		if (!o.noop) {
			double t = ct_bb_now();

			if (ct_bb_apply(conn, &ev) < 0) {
				ct_event_clear(&ev);
				rd_kafka_message_destroy(rkm);
				rc = 1;
				break;
			}
			apply_s[ev.type == CT_EVENT_MESSAGE] += ct_bb_now() - t;
		}
		kinds[ev.type == CT_EVENT_MESSAGE]++;
		ct_event_clear(&ev);
		ct_bb_store_offset(rk, rkm);
		rd_kafka_message_destroy(rkm);
		last = ct_bb_now();
		if (applied++ == 0)
			first = last;
		if ((o.max_events > 0 && applied >= o.max_events) ||
		    (o.max_seconds > 0 && last - first >= o.max_seconds))
			break;
	}
	rd_kafka_commit(rk, NULL, 0);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	PQfinish(conn);
	printf("events=%ld messages=%ld joins=%ld invalid=%ld msg_apply_s=%.3f "
	       "join_apply_s=%.3f first_to_last_s=%.3f rate=%.1f\n", applied,
	       kinds[1], kinds[0], invalid, apply_s[1], apply_s[0], last - first,
	       applied > 1 && last > first ? (applied - 1) / (last - first) : 0.0);
	return rc;
}
