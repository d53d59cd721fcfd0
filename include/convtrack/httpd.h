/*
 * An HTTP/1.1 server for request handlers that know nothing of
 * libmicrohttpd: a pool of threads, keep-alive, request bodies collected up
 * to a limit, a Request-Id on every response, an access log line that names
 * the route template (never the raw path, which may carry phone numbers or
 * emails) and request metrics by route and status.  `convtrack serve` (the
 * caller API, src/api) is built on it.
 *
 * The handler runs on the pool's threads, several at once: what it shares
 * must be thread-safe.  The path and query are passed raw (not
 * percent-decoded), so that an encoded "/" inside a path segment stays
 * inside it; ct_httpd_decode() decodes one segment or value.
 */
#ifndef CONVTRACK_HTTPD_H
#define CONVTRACK_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

struct ct_httpd;

/* A request as the handler sees it; everything is borrowed. */
struct ct_httpd_req {
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* raw, without the query */
	const char *body;    /* NUL-terminated copy of the body ("" if none) */
	size_t body_len;
	bool body_too_large; /* over max_body_bytes: body is empty */
	const char *request_id;
	const void *conn;    /* for ct_httpd_header() and ct_httpd_arg() */
};

#define CT_HTTPD_MAX_HEADERS 6

/*
 * What the handler answers.  body is malloc'd (the server frees it) or
 * NULL for none; route is the route template for logs and metrics
 * ("/v1/callers/{ref}"), a static string.
 */
struct ct_httpd_resp {
	unsigned status;
	const char *type;
	char *body;
	size_t len;
	const char *route;
	size_t nhdr;
	struct {
		const char *name;
		char value[192];
	} hdr[CT_HTTPD_MAX_HEADERS];
};

/* Runs on a pool thread for every complete request. */
typedef void ct_httpd_handler(void *arg, const struct ct_httpd_req *req,
			      struct ct_httpd_resp *resp);

struct ct_httpd_opts {
	const char *bind;       /* IPv4 or IPv6 address, e.g. "127.0.0.1" */
	int port;               /* 0: any free port (see ct_httpd_port) */
	int threads;            /* pool size, >= 1 */
	size_t max_body_bytes;  /* longer bodies are not kept */
	unsigned idle_timeout_s; /* a keep-alive connection idle this long closes */
	bool metrics;           /* count in convtrack_api_requests_total and
				 * convtrack_api_request_seconds */
};

/*
 * Listens on o->bind:o->port and serves every request with handler(arg).
 * Returns 0 and sets *out, or -1 with a message in err.
 */
int ct_httpd_start(const struct ct_httpd_opts *o, ct_httpd_handler *handler,
		   void *arg, struct ct_httpd **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The port listened on (useful after port 0). */
int ct_httpd_port(const struct ct_httpd *h);

/* Stops serving (waits for running handlers) and frees h.  NULL: nothing. */
void ct_httpd_stop(struct ct_httpd *h);

/* A request header (case-insensitive name), or NULL. */
const char *ct_httpd_header(const struct ct_httpd_req *req, const char *name);

/* A query argument, raw (not percent-decoded), or NULL. */
const char *ct_httpd_arg(const struct ct_httpd_req *req, const char *name);

/*
 * Percent-decodes len bytes of in into out (cap bytes, NUL-terminated).
 * Returns the decoded length, or -1 for a bad escape, an encoded NUL, or
 * a result that does not fit.  "+" stays "+".
 */
long ct_httpd_decode(const char *in, size_t len, char *out, size_t cap)
	__attribute__((warn_unused_result));

/* Adds a response header (name static, value formatted and truncated). */
void ct_httpd_resp_header(struct ct_httpd_resp *resp, const char *name,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
