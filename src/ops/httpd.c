/*
 * HTTP server for request handlers (convtrack/httpd.h) over libmicrohttpd:
 * a thread pool with keep-alive, bodies collected up to a limit, a
 * Request-Id on every answer, one access log line and the request metrics.
 * libmicrohttpd stays in this file; handlers see plain structs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "convtrack/codec.h"
#include "convtrack/httpd.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"

struct ct_httpd {
	struct MHD_Daemon *daemon;
	ct_httpd_handler *handler;
	void *arg;
	size_t max_body;
	bool metrics;
	int port;
	unsigned long long id_prefix;
	atomic_ullong next_id;
};

/* One request in progress: its body so far. */
struct ct_httpd_state {
	char *body;
	size_t len, cap;
	bool too_large;
};

static int64_t ct_httpd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Leaves the path and query as sent: a handler decodes each segment
 * itself, so that "%2F" inside a reference is not a separator.
 */
static size_t ct_httpd_no_unescape(void *cls, struct MHD_Connection *conn,
				   char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

long ct_httpd_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned c = (unsigned char)in[i];

		if (c == '%') {
			unsigned v = 0, k;

			if (i + 2 >= len)
				return -1;
			for (k = 1; k <= 2; k++) {
				int d = ct_hex_value((unsigned char)in[i + k]);

				if (d < 0)
					return -1;
				v = v << 4 | (unsigned)d;
			}
			if (v == 0)
				return -1;
			c = v;
			i += 2;
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = (char)c;
	}
	if (cap == 0)
		return -1;
	out[n] = '\0';
	return (long)n;
}

const char *ct_httpd_header(const struct ct_httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)req->conn,
					   MHD_HEADER_KIND, name);
}

const char *ct_httpd_arg(const struct ct_httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)req->conn,
					   MHD_GET_ARGUMENT_KIND, name);
}

void ct_httpd_resp_header(struct ct_httpd_resp *resp, const char *name,
			  const char *fmt, ...)
{
	va_list ap;

	if (resp->nhdr >= CT_HTTPD_MAX_HEADERS)
		return;
	resp->hdr[resp->nhdr].name = name;
	va_start(ap, fmt);
	vsnprintf(resp->hdr[resp->nhdr].value, sizeof(resp->hdr[0].value), fmt, ap);
	va_end(ap);
	resp->nhdr++;
}

/* A client's Request-Id is kept when it is short and plain. */
static bool ct_httpd_id_ok(const char *id)
{
	size_t n;

	if (!id)
		return false;
	for (n = 0; id[n]; n++)
		if (n >= 64 || !((id[n] >= '0' && id[n] <= '9') ||
				 (id[n] >= 'a' && id[n] <= 'z') ||
				 (id[n] >= 'A' && id[n] <= 'Z') || id[n] == '-' ||
				 id[n] == '_' || id[n] == '.'))
			return false;
	return n > 0;
}

static void ct_httpd_count(const struct ct_httpd *h, const char *route,
			   unsigned status, double seconds)
{
	char labels[160], st[32];
	size_t n;

	if (!h->metrics)
		return;
	ct_metrics_label(labels, sizeof(labels), "route", route);
	n = strlen(labels);
	snprintf(st, sizeof(st), "%u", status);
	labels[n] = ',';
	ct_metrics_label(labels + n + 1, sizeof(labels) - n - 1, "status", st);
	ct_metrics_inc("convtrack_api_requests_total", labels, 1);
	ct_metrics_label(labels, sizeof(labels), "route", route);
	ct_metrics_observe_labeled("convtrack_api_request_seconds", labels,
				   seconds);
}

/* Runs the handler on a complete request and queues its answer. */
static enum MHD_Result ct_httpd_dispatch(struct ct_httpd *h,
					 struct MHD_Connection *conn,
					 const char *url, const char *method,
					 struct ct_httpd_state *st)
{
	struct ct_httpd_req req = { 0 };
	struct ct_httpd_resp resp = { 0 };
	struct MHD_Response *r;
	const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 "Request-Id");
	char id[72];
	enum MHD_Result rc;
	int64_t t0 = ct_httpd_now_us();
	size_t i;

	if (ct_httpd_id_ok(given))
		snprintf(id, sizeof(id), "%s", given);
	else
		snprintf(id, sizeof(id), "%012llx%08llx", h->id_prefix,
			 (unsigned long long)atomic_fetch_add(&h->next_id, 1) &
				 0xffffffffull);
	req.method = method;
	req.path = url;
	req.body = st->body ? st->body : "";
	req.body_len = st->too_large ? 0 : st->len;
	req.body_too_large = st->too_large;
	req.request_id = id;
	req.conn = conn;
	h->handler(h->arg, &req, &resp);
	if (!resp.status)
		resp.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (!resp.route)
		resp.route = "(none)";
	r = MHD_create_response_from_buffer(resp.body ? resp.len : 0,
					    resp.body ? resp.body : (void *)"",
					    resp.body ? MHD_RESPMEM_MUST_FREE
						      : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(resp.body);
		return MHD_NO;
	}
	if (resp.type)
		MHD_add_response_header(r, "Content-Type", resp.type);
	MHD_add_response_header(r, "Request-Id", id);
	for (i = 0; i < resp.nhdr; i++)
		MHD_add_response_header(r, resp.hdr[i].name, resp.hdr[i].value);
	rc = MHD_queue_response(conn, resp.status, r);
	MHD_destroy_response(r);
	{
		double secs = (double)(ct_httpd_now_us() - t0) / 1e6;

		ct_httpd_count(h, resp.route, resp.status, secs);
		ct_log(CT_LOG_INFO, "http %s %s %u %.3f ms id=%s", method,
		       resp.route, resp.status, secs * 1e3, id);
	}
	return rc;
}

static enum MHD_Result ct_httpd_handle(void *cls, struct MHD_Connection *conn,
				       const char *url, const char *method,
				       const char *version, const char *upload,
				       size_t *upload_size, void **state)
{
	struct ct_httpd *h = cls;
	struct ct_httpd_state *st = *state;

	(void)version;
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*state = st;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (st->too_large || st->len + n > h->max_body) {
			st->too_large = true;
			return MHD_YES;
		}
		if (st->len + n + 1 > st->cap) {
			size_t cap = (st->len + n + 1) * 2;
			char *b;

			if (cap > h->max_body + 1)
				cap = h->max_body + 1;
			b = realloc(st->body, cap);
			if (!b)
				return MHD_NO;
			st->body = b;
			st->cap = cap;
		}
		memcpy(st->body + st->len, upload, n);
		st->len += n;
		st->body[st->len] = '\0';
		return MHD_YES;
	}
	return ct_httpd_dispatch(h, conn, url, method, st);
}

static void ct_httpd_done(void *cls, struct MHD_Connection *conn, void **state,
			  enum MHD_RequestTerminationCode why)
{
	struct ct_httpd_state *st = *state;

	(void)cls;
	(void)conn;
	(void)why;
	if (st) {
		free(st->body);
		free(st);
	}
	*state = NULL;
}

int ct_httpd_start(const struct ct_httpd_opts *o, ct_httpd_handler *handler,
		   void *arg, struct ct_httpd **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	/*
	 * poll(), not epoll: with epoll, libmicrohttpd 0.9.75 kept a
	 * keep-alive connection whose client had half-closed it (request,
	 * then shutdown(SHUT_WR)) open until the idle timeout.
	 */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct ct_httpd *h;
	const union MHD_DaemonInfo *info;
	struct timespec ts;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, o->bind, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, o->bind, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)o->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "bind address '%s' is not an IPv4 or IPv6 "
			 "address", o->bind);
		return -1;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->handler = handler;
	h->arg = arg;
	h->max_body = o->max_body_bytes;
	h->metrics = o->metrics;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->id_prefix = ((unsigned long long)ts.tv_sec << 16 ^
			(unsigned long long)ts.tv_nsec) & 0xffffffffffffull;
	h->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, ct_httpd_handle, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 1),
		MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, ct_httpd_done, h,
		MHD_OPTION_UNESCAPE_CALLBACK, ct_httpd_no_unescape, h,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
		MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, errlen, "cannot listen on %s port %d", o->bind, o->port);
		free(h);
		return -1;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	*out = h;
	return 0;
}

int ct_httpd_port(const struct ct_httpd *h)
{
	return h->port;
}

void ct_httpd_stop(struct ct_httpd *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
