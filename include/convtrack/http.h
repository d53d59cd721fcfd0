/*
 * HTTP endpoint for operators (libmicrohttpd, its own thread):
 *   GET /metrics  Prometheus text exposition of the metrics registry
 *   GET /healthz  200 while the process serves requests (liveness)
 *   GET /readyz   200 when PostgreSQL is reachable and the consumer has
 *                 joined its group, 503 with the reason otherwise
 */
#ifndef CONVTRACK_HTTP_H
#define CONVTRACK_HTTP_H

#include <stddef.h>

struct ct_http;

/*
 * Listens on port (all interfaces).  Returns 0 and sets *out, or -1 with a
 * message in err (e.g. the port is taken).
 */
int ct_http_start(int port, struct ct_http **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Stops serving and frees h.  Does nothing when h is NULL. */
void ct_http_stop(struct ct_http *h);

#endif
