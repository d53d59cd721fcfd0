/*
 * ct-mock-kafka: a throwaway Kafka protocol endpoint for the demo and tests.
 *
 * It runs librdkafka's built-in mock cluster (rd_kafka_mock_cluster_new() on
 * a dummy producer handle) and keeps it alive until SIGTERM or SIGINT.  Any
 * Kafka client, including kcat and the convtrack worker itself, can talk to
 * it through the bootstrap string that it prints and writes to a file.
 * Nothing is persisted: stopping the process loses every topic and offset.
 *
 * What the librdkafka 2.0.2 mock cluster does (read from src/rdkafka_mock*.c
 * of v2.0.2 and checked with kcat and ct-kafka against this tool):
 *
 *  - Topics.  rd_kafka_mock_topic_create() (--topics, and the control
 *    command create-topic) creates a topic with the given partition count;
 *    replication factor min(3, brokers); an existing topic is left alone.
 *    Any Metadata request that NAMES an unknown topic auto-creates it with
 *    4 partitions (the mock's fixed default: --partitions does not change it).
 *    This includes consumers: the mock implements Metadata v0..v2 only, which
 *    has no AllowAutoTopicCreation field, and then assumes "allow".  So a
 *    producer's first send, a consumer's subscribe and `kcat -L -t T` all
 *    create T, whatever allow.auto.create.topics says.  A full listing
 *    (Metadata for all topics) creates nothing.  Create topics up front when
 *    the partition count matters.
 *  - The Admin API's CreateTopics is not implemented (the request times out
 *    with "Failed while waiting for controller").
 *  - Producer: acks=all, idempotent and transactional producers, headers,
 *    NULL keys and values (tombstones) all work.  Producing to a partition
 *    that does not exist fails with "Unknown partition".
 *  - Consumer groups: join/sync/heartbeat/leave, the range, roundrobin and
 *    cooperative-sticky assignors, OffsetCommit/OffsetFetch (a restarted
 *    member resumes from the committed offsets).  Rebalances are slower than
 *    on a real broker: the first join of an empty group waits 3 s; a join to
 *    a stable group and a clean leave (LeaveGroup on close) each wait
 *    session.timeout.ms - 1 s before the new assignment; a member that dies is
 *    noticed after session.timeout.ms (checked once a second) and the
 *    rebalance then waits another session.timeout.ms - 1 s.  Measured: with
 *    session.timeout.ms=10000 a killed member's partitions reached the
 *    survivor after 17-18 s, with 6000 after 9 s.  The group uses the session
 *    timeout of the member that joined last.
 *  - Brokers: each listens on a random loopback port (fixed for the life of
 *    the process).  broker-down closes the listener and every connection of
 *    the broker but does NOT move partition leadership: its partitions are
 *    unavailable (produce waits, then times out after message.timeout.ms)
 *    until broker-up, after which clients reconnect and carry on.
 *  - Nothing is persisted and nothing expires: every start is empty and low
 *    watermarks stay 0.
 *
 * Control FIFO (--control PATH): one command per line, no answer is written
 * (the effect and any error are reported on stderr):
 *     create-topic NAME PARTITIONS
 *     broker-down ID|all
 *     broker-up ID|all
 *
 * On exit the control FIFO, the pid file and the bootstrap file are removed,
 * so their presence means the process is (or was killed while) running.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define CT_MOCK_CTL_LINE_MAX 1024
#define CT_MOCK_POLL_MS      200

static volatile sig_atomic_t ct_mock_stop;

struct ct_mock_opts {
	int brokers;
	int partitions;
	const char *topics;
	const char *bootstrap_file;
	const char *control;
	const char *pid_file;
	const char *debug;
};

/* Buffered reader over the control FIFO. */
struct ct_mock_ctl {
	int fd;
	char buf[CT_MOCK_CTL_LINE_MAX];
	size_t len;
	bool discarding; /* dropping the rest of an overlong line */
};

static void ct_mock_on_signal(int sig)
{
	(void)sig;
	ct_mock_stop = 1;
}

static void ct_mock_usage(FILE *out)
{
	fprintf(out,
		"usage: ct-mock-kafka [--brokers N] [--partitions N] "
		"[--topics a,b,c]\n"
		"                     [--bootstrap-file PATH] [--control PATH] "
		"[--pid-file PATH]\n"
		"                     [--debug CONTEXTS]\n"
		"Serves the Kafka protocol on loopback (librdkafka mock cluster)\n"
		"until SIGTERM/SIGINT.  Control FIFO commands, one per line:\n"
		"  create-topic NAME PARTITIONS | broker-down ID|all | "
		"broker-up ID|all\n");
}

/* Parses a decimal int in [min, max].  Returns 0, or -1 if s is not one. */
static int ct_mock_parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * Writes text followed by a newline to path atomically: a temporary file in
 * the same directory, fsync, rename.  Returns 0 or -1 (reported on stderr).
 */
static int ct_mock_write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "ct-mock-kafka: path too long: %s\n", path);
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ct-mock-kafka: cannot create %s: %s\n", tmp,
			strerror(errno));
		return -1;
	}
	if (fprintf(f, "%s\n", text) < 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		fprintf(stderr, "ct-mock-kafka: cannot write %s: %s\n", tmp,
			strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "ct-mock-kafka: cannot write %s: %s\n", tmp,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "ct-mock-kafka: cannot rename %s to %s: %s\n",
			tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Creates one topic; an existing topic is reported and is not an error. */
static int ct_mock_topic_create(rd_kafka_mock_cluster_t *mcluster,
				const char *name, int partitions,
				int replication)
{
	rd_kafka_resp_err_t err;

	err = rd_kafka_mock_topic_create(mcluster, name, partitions,
					 replication);
	if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
		fprintf(stderr, "ct-mock-kafka: topic %s already exists\n",
			name);
		return 0;
	}
	if (err) {
		fprintf(stderr, "ct-mock-kafka: cannot create topic %s: %s\n",
			name, rd_kafka_err2str(err));
		return -1;
	}
	fprintf(stderr, "ct-mock-kafka: created topic %s with %d partitions\n",
		name, partitions);
	return 0;
}

/* Creates every topic of a comma-separated list.  Returns 0 or -1. */
static int ct_mock_topics_create(rd_kafka_mock_cluster_t *mcluster,
				 const char *list, int partitions,
				 int replication)
{
	char *copy, *save = NULL, *name;
	int rc = 0;

	copy = strdup(list);
	if (!copy) {
		fprintf(stderr, "ct-mock-kafka: out of memory\n");
		return -1;
	}
	for (name = strtok_r(copy, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (ct_mock_topic_create(mcluster, name, partitions,
					 replication) != 0) {
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* Parses "all" (-1) or a broker id in 1..brokers. */
static int ct_mock_parse_broker(const char *s, int brokers, int32_t *id)
{
	int v;

	if (strcmp(s, "all") == 0) {
		*id = -1;
		return 0;
	}
	if (ct_mock_parse_int(s, 1, brokers, &v) != 0)
		return -1;
	*id = v;
	return 0;
}

/* Executes one control command line (without its newline). */
static void ct_mock_ctl_exec(rd_kafka_mock_cluster_t *mcluster, int brokers,
			     int replication, char *line)
{
	char *save = NULL, *cmd, *arg1, *arg2, *extra;
	rd_kafka_resp_err_t err;
	int32_t id;
	int partitions;

	cmd = strtok_r(line, " \t\r", &save);
	if (!cmd)
		return;
	arg1 = strtok_r(NULL, " \t\r", &save);
	arg2 = strtok_r(NULL, " \t\r", &save);
	extra = strtok_r(NULL, " \t\r", &save);

	if (strcmp(cmd, "create-topic") == 0) {
		if (!arg1 || !arg2 || extra ||
		    ct_mock_parse_int(arg2, 1, 100000, &partitions) != 0) {
			fprintf(stderr, "ct-mock-kafka: control: usage: "
					"create-topic NAME PARTITIONS\n");
			return;
		}
		(void)ct_mock_topic_create(mcluster, arg1, partitions,
					   replication);
		return;
	}
	if (strcmp(cmd, "broker-down") == 0 || strcmp(cmd, "broker-up") == 0) {
		bool up = strcmp(cmd, "broker-up") == 0;

		if (!arg1 || arg2 ||
		    ct_mock_parse_broker(arg1, brokers, &id) != 0) {
			fprintf(stderr,
				"ct-mock-kafka: control: usage: %s ID|all "
				"(ID in 1..%d)\n",
				cmd, brokers);
			return;
		}
		err = up ? rd_kafka_mock_broker_set_up(mcluster, id)
			 : rd_kafka_mock_broker_set_down(mcluster, id);
		if (err)
			fprintf(stderr, "ct-mock-kafka: control: %s %s: %s\n",
				cmd, arg1, rd_kafka_err2str(err));
		else
			fprintf(stderr, "ct-mock-kafka: broker %s is %s\n",
				arg1, up ? "up" : "down");
		return;
	}
	fprintf(stderr, "ct-mock-kafka: control: unknown command: %s\n", cmd);
}

/*
 * Reads what is available on the control FIFO and executes every complete
 * line.  Lines longer than the buffer are dropped with a message.
 */
static void ct_mock_ctl_read(struct ct_mock_ctl *ctl,
			     rd_kafka_mock_cluster_t *mcluster, int brokers,
			     int replication)
{
	for (;;) {
		ssize_t n;
		char *nl;

		n = read(ctl->fd, ctl->buf + ctl->len,
			 sizeof(ctl->buf) - 1 - ctl->len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				return;
			fprintf(stderr, "ct-mock-kafka: control read: %s\n",
				strerror(errno));
			return;
		}
		if (n == 0)
			return;
		ctl->len += (size_t)n;
		ctl->buf[ctl->len] = '\0';

		while ((nl = memchr(ctl->buf, '\n', ctl->len))) {
			size_t used = (size_t)(nl - ctl->buf) + 1;

			*nl = '\0';
			if (!ctl->discarding)
				ct_mock_ctl_exec(mcluster, brokers, replication,
						 ctl->buf);
			ctl->discarding = false;
			memmove(ctl->buf, ctl->buf + used, ctl->len - used);
			ctl->len -= used;
		}
		if (ctl->len == sizeof(ctl->buf) - 1) {
			if (!ctl->discarding)
				fprintf(stderr, "ct-mock-kafka: control: line "
						"too long, dropped\n");
			ctl->discarding = true;
			ctl->len = 0;
		}
	}
}

/*
 * Creates the control FIFO (replacing a stale FIFO at path, refusing to
 * replace anything else) and opens it read-write, so that it never reports
 * end-of-file when a writer closes it.  Returns the fd or -1.
 */
static int ct_mock_ctl_open(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			fprintf(stderr,
				"ct-mock-kafka: %s exists and is not a FIFO\n",
				path);
			return -1;
		}
		if (unlink(path) != 0) {
			fprintf(stderr, "ct-mock-kafka: cannot remove %s: %s\n",
				path, strerror(errno));
			return -1;
		}
	}
	if (mkfifo(path, 0600) != 0) {
		fprintf(stderr, "ct-mock-kafka: cannot create FIFO %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ct-mock-kafka: cannot open FIFO %s: %s\n",
			path, strerror(errno));
		unlink(path);
		return -1;
	}
	return fd;
}

static int ct_mock_parse_args(int argc, char **argv, struct ct_mock_opts *o)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "partitions", required_argument, NULL, 'p' },
		{ "topics", required_argument, NULL, 't' },
		{ "bootstrap-file", required_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'c' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "debug", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->brokers = 1;
	o->partitions = 4;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (ct_mock_parse_int(optarg, 1, 64, &o->brokers)) {
				fprintf(stderr, "ct-mock-kafka: --brokers: "
						"expected 1..64\n");
				return -1;
			}
			break;
		case 'p':
			if (ct_mock_parse_int(optarg, 1, 100000,
					      &o->partitions)) {
				fprintf(stderr, "ct-mock-kafka: --partitions: "
						"expected a positive integer\n");
				return -1;
			}
			break;
		case 't':
			o->topics = optarg;
			break;
		case 'f':
			o->bootstrap_file = optarg;
			break;
		case 'c':
			o->control = optarg;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'd':
			o->debug = optarg;
			break;
		case 'h':
			ct_mock_usage(stdout);
			exit(0);
		default:
			ct_mock_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ct-mock-kafka: unexpected argument: %s\n",
			argv[optind]);
		ct_mock_usage(stderr);
		return -1;
	}
	return 0;
}

static int ct_mock_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ct_mock_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0) {
		fprintf(stderr, "ct-mock-kafka: sigaction: %s\n",
			strerror(errno));
		return -1;
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0) {
		fprintf(stderr, "ct-mock-kafka: sigaction: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Creates the dummy producer that owns the mock cluster.  NULL on error. */
static rd_kafka_t *ct_mock_handle_new(const char *debug)
{
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;

	conf = rd_kafka_conf_new();
	/*
	 * The handle itself never talks to any broker; log level 4 hides the
	 * notice that it has no bootstrap.servers ("debug" raises it again).
	 */
	if (rd_kafka_conf_set(conf, "log_level", "4", errstr,
			      sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    (debug && rd_kafka_conf_set(conf, "debug", debug, errstr,
					sizeof(errstr)) != RD_KAFKA_CONF_OK)) {
		fprintf(stderr, "ct-mock-kafka: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	/* rd_kafka_new() takes ownership of conf only on success. */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "ct-mock-kafka: rd_kafka_new: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return rk;
}

int main(int argc, char **argv)
{
	struct ct_mock_opts opts;
	struct ct_mock_ctl ctl;
	rd_kafka_mock_cluster_t *mcluster = NULL;
	rd_kafka_t *rk = NULL;
	const char *bootstraps;
	char pidbuf[32];
	bool wrote_bootstrap = false, wrote_pid = false;
	int replication;
	int rc = 1;

	memset(&opts, 0, sizeof(opts));
	memset(&ctl, 0, sizeof(ctl));
	ctl.fd = -1;
	if (ct_mock_parse_args(argc, argv, &opts) != 0)
		return 2;
	if (ct_mock_install_signals() != 0)
		return 1;

	rk = ct_mock_handle_new(opts.debug);
	if (!rk)
		goto out;
	mcluster = rd_kafka_mock_cluster_new(rk, opts.brokers);
	if (!mcluster) {
		fprintf(stderr, "ct-mock-kafka: cannot create mock cluster\n");
		goto out_destroy_rk;
	}
	replication = opts.brokers < 3 ? opts.brokers : 3;
	if (opts.topics && ct_mock_topics_create(mcluster, opts.topics,
						 opts.partitions,
						 replication) != 0)
		goto out_destroy_cluster;

	if (opts.control) {
		ctl.fd = ct_mock_ctl_open(opts.control);
		if (ctl.fd < 0)
			goto out_destroy_cluster;
	}
	if (opts.pid_file) {
		snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
		if (ct_mock_write_file(opts.pid_file, pidbuf) != 0)
			goto out_close_ctl;
		wrote_pid = true;
	}

	/* The listeners are bound by now: announce readiness last. */
	bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
	if (opts.bootstrap_file) {
		if (ct_mock_write_file(opts.bootstrap_file, bootstraps) != 0)
			goto out_unlink;
		wrote_bootstrap = true;
	}
	printf("%s\n", bootstraps);
	fflush(stdout);
	fprintf(stderr, "ct-mock-kafka: %d broker(s) at %s, pid %ld\n",
		opts.brokers, bootstraps, (long)getpid());

	while (!ct_mock_stop) {
		struct pollfd pfd = { .fd = ctl.fd, .events = POLLIN };
		int n;

		/* poll() ignores a negative fd: then it is just a sleep. */
		n = poll(&pfd, 1, CT_MOCK_POLL_MS);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "ct-mock-kafka: poll: %s\n",
				strerror(errno));
			goto out_unlink;
		}
		if (n > 0 && (pfd.revents & POLLIN))
			ct_mock_ctl_read(&ctl, mcluster, opts.brokers,
					 replication);
	}
	fprintf(stderr, "ct-mock-kafka: stopping\n");
	rc = 0;

out_unlink:
	if (wrote_bootstrap)
		unlink(opts.bootstrap_file);
	if (wrote_pid)
		unlink(opts.pid_file);
out_close_ctl:
	if (ctl.fd >= 0) {
		close(ctl.fd);
		unlink(opts.control);
	}
out_destroy_cluster:
	rd_kafka_mock_cluster_destroy(mcluster);
out_destroy_rk:
	rd_kafka_destroy(rk);
out:
	return rc;
}
