/*
 * Fuzz target: the worker's HTTP endpoint (src/ops/http.c: /metrics,
 * /healthz, /readyz on libmicrohttpd), fed raw request bytes over a real
 * loopback connection.
 *
 * Why a real daemon and not a call: the dispatch function
 * (ct_http_handle()) is static and takes a struct MHD_Connection, which
 * only libmicrohttpd creates, after it has parsed the request line,
 * headers and body.  So the target starts the endpoint once with the
 * public ct_http_start() on a free port and, for every input, connects to
 * 127.0.0.1, sends the bytes, closes its side and reads the answer until
 * the daemon closes.  libmicrohttpd itself is Debian's build, not
 * instrumented: coverage and the sanitizers see convtrack's side (the
 * dispatch, the metrics registry rendered for /metrics, readiness), and
 * ASan still sees what libmicrohttpd does to the memory convtrack hands
 * it.
 *
 * Input: one byte whose two low bits set the readiness flags (PostgreSQL
 * reachable, group joined) behind /readyz, then the request bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "convtrack/http.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_http *http;
static uint16_t port;

static void fuzz_fail(const char *what)
{
	perror(what);
	abort();
}

/* A port that nothing listens on now (the kernel's pick for port 0). */
static uint16_t fuzz_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		fuzz_fail("fuzz_http: finding a free port");
	close(fd);
	return ntohs(a.sin_port);
}

static void fuzz_stop(void)
{
	ct_http_stop(http);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	int tries;

	(void)argc;
	(void)argv;
	ct_log_set_level(CT_LOG_ERROR);
	/* a few series, so that /metrics renders labels and histograms */
	ct_metrics_inc("convtrack_events_consumed_total",
		       "topic=\"conversation-message\"", 3);
	ct_metrics_observe("convtrack_apply_seconds", 0.25);
	for (tries = 0; tries < 20; tries++) {
		port = fuzz_free_port();
		if (ct_http_start(port, &http, err, sizeof(err)) == 0)
			break;
	}
	if (!http) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
	atexit(fuzz_stop);
	return 0;
}

/*
 * connect(), also when libFuzzer's timer signal (SIGALRM, for -timeout)
 * interrupts it: the connection then completes on its own.
 */
static int fuzz_connect(int fd, const struct sockaddr_in *a)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int err = 0;

	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0)
		return 0;
	if (errno != EINTR)
		return -1;
	while (poll(&pfd, 1, 5000) < 0)
		if (errno != EINTR)
			return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* One connection: sends req, closes the sending side, reads to the end. */
static void fuzz_exchange(const uint8_t *req, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	char buf[65536];
	size_t off = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		fuzz_fail("fuzz_http: socket");
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (fuzz_connect(fd, &a) < 0)
		fuzz_fail("fuzz_http: connect");
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the daemon answered early and closed */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 ||
	       (n < 0 && errno == EINTR))
		;
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	ct_metrics_set_db_ok(data[0] & 1);
	ct_metrics_set_joined(data[0] & 2);
	fuzz_exchange(data + 1, size - 1);
	return 0;
}
