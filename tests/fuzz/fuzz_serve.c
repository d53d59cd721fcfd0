/*
 * Fuzz target: the caller API, `convtrack serve` (src/api over
 * src/ops/httpd.c), the parsers of everything a client sends it.
 *
 * Input: one byte, then the rest.
 *   byte & 1 == 0  the rest is a raw HTTP request, sent over a real
 *                  loopback connection to a server started once with the
 *                  public ct_api_start() (for the same reason as fuzz_http:
 *                  only libmicrohttpd makes the connections its handlers
 *                  take).  Its API key "fuzz-key" (in the dictionary) has
 *                  every scope, "narrow-key" only classify, and there is
 *                  no rate limit; its PostgreSQL is a port
 *                  nothing listens on, so the routes that need it answer
 *                  503 after parsing everything before the query: the
 *                  method, the route, the key, the percent-encoded
 *                  reference, the body of POST /v1/classify.
 *   byte & 1 == 1  the rest is a reference and a cursor, given straight to
 *                  ct_api_ref_parse() and ct_api_cursor_decode(): over HTTP
 *                  a cursor is only decoded after a query (it is checked
 *                  against the profile the reference reaches), so the
 *                  harness feeds it here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_int.h"
#include "convtrack/api.h"
#include "convtrack/config.h"
#include "convtrack/log.h"
#include "tcp_client.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* SHA-256 of "fuzz-key" */
#define FUZZ_KEY_DIGEST "231e9b2f757db8d48ecd0711b60135e1cc57a3a807be9dc12638856f17a7872c"

/* SHA-256 of "narrow-key", a key with the scope classify only */
#define FUZZ_NARROW_DIGEST "cc6a3ad1d53969fb5d3a189f595a99cd34e965a52377c1563174af3f0047448a"

static struct ct_api *api;
static struct ct_config *cfg;
static struct ct_hmac *cursor_key;
static char keys_path[64];

static void fuzz_stop(void)
{
	ct_api_stop(api);
	ct_config_free(cfg);
	ct_hmac_free(cursor_key);
	unlink(keys_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	FILE *f = NULL;
	int fd;

	(void)argc;
	(void)argv;
	ct_log_set_level(CT_LOG_ERROR);
	snprintf(keys_path, sizeof(keys_path), "/tmp/fuzz-serve-keys-XXXXXX");
	fd = mkstemp(keys_path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		fuzz_tcp_fail("fuzz_serve: keys file");
	fprintf(f, "fuzz %s callers:read,classify\nnarrow %s classify\n",
		FUZZ_KEY_DIGEST, FUZZ_NARROW_DIGEST);
	fclose(f);
	setenv("CONVTRACK_SERVE_API_KEYS_FILE", keys_path, 1);
	setenv("CONVTRACK_SERVE_PORT", "0", 1);
	setenv("CONVTRACK_SERVE_THREADS", "2", 1);
	setenv("CONVTRACK_SERVE_RATE_LIMIT_PER_S", "0", 1);
	setenv("CONVTRACK_SERVE_MAX_BODY_BYTES", "4096", 1);
	setenv("CONVTRACK_SERVE_CURSOR_KEY", "fuzz-cursor-key-0123456789", 1);
	setenv("CONVTRACK_SERVE_POSTGRES_CONNINFO",
	       "host=127.0.0.1 port=1 connect_timeout=1", 1);
	if (ct_config_load(NULL, &cfg, err, sizeof(err)) < 0 ||
	    ct_api_start(cfg, &api, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_serve: %s\n", err);
		abort();
	}
	if (ct_hmac_new("fuzz-cursor-key-0123456789", 26, &cursor_key) < 0)
		abort();
	atexit(fuzz_stop);
	return 0;
}

/* A reference, then after a NUL (if any) a cursor. */
static void fuzz_parsers(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), value[CT_API_REF_MAX + 1];
	const char *cursor, *why;
	struct ct_repo_api_after after;
	enum ct_repo_ref kind;
	size_t n;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	cursor = n < size ? s + n + 1 : "";
	if (ct_api_ref_parse(s, "263", &kind, value, sizeof(value), &why) == 0 &&
	    strlen(value) >= sizeof(value))
		abort();
	if (ct_api_cursor_decode(cursor_key, "00000000-0000-4000-8000-000000000000",
				 cursor, &after) == 0 &&
	    strlen(after.session_id) != 36)
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_parsers(data + 1, size - 1);
	else
		fuzz_tcp_exchange((uint16_t)ct_api_port(api), data + 1, size - 1);
	return 0;
}
