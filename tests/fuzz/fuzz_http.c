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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "convtrack/http.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "tcp_client.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_http *http;
static uint16_t port;

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
		port = fuzz_tcp_free_port();
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	ct_metrics_set_db_ok(data[0] & 1);
	ct_metrics_set_joined(data[0] & 2);
	fuzz_tcp_exchange(port, data + 1, size - 1);
	return 0;
}
