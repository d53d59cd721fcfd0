/*
 * The caller API, `convtrack serve` (docs/caller-api.md,
 * schemas/openapi.yaml): what the voice agent asks during a live call.
 * Read-only JSON over HTTP/1.1 (convtrack/httpd.h): who a caller is after
 * merges, their calls, and the worker's banking and topic classification
 * of an utterance, behind API keys with scopes and a per-key rate limit.
 * Each request thread has its own PostgreSQL connection
 * (serve.postgres.conninfo, which may point at a replica).
 */
#ifndef CONVTRACK_API_H
#define CONVTRACK_API_H

#include <stddef.h>

#include "convtrack/config.h"

struct ct_api;

/*
 * Loads what serving needs from cfg (the API keys, the text models, the
 * cursor key) and starts listening on serve.bind:serve.port.  PostgreSQL
 * need not be up: requests that need it answer 503 until it is.  Returns
 * 0 and sets *out, or -1 with a one-line message in err.
 */
int ct_api_start(const struct ct_config *cfg, struct ct_api **out, char *err,
		 size_t errlen) __attribute__((warn_unused_result));

/*
 * Checks what ct_api_start() would load from cfg (the API keys file)
 * without listening: 0, or -1 with the message in err.
 */
int ct_api_check(const struct ct_config *cfg, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The port listened on. */
int ct_api_port(const struct ct_api *api);

/* Stops serving and frees api.  Does nothing for NULL. */
void ct_api_stop(struct ct_api *api);

#endif
