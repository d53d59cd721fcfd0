/*
 * HTTP endpoint: /metrics, /healthz, /readyz on libmicrohttpd's internal
 * thread.  Handlers only read the metrics registry (which has its own
 * lock), so they never touch the worker's objects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "convtrack/http.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"

struct ct_http {
	struct MHD_Daemon *daemon;
};

static enum MHD_Result ct_http_reply(struct MHD_Connection *conn, unsigned status,
				     const char *type, const char *body)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result ct_http_handle(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version, const char *upload,
				      size_t *upload_size, void **state)
{
	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return ct_http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				     "method not allowed\n");
	if (strcmp(url, "/metrics") == 0) {
		char *text = ct_metrics_render();
		enum MHD_Result rc;

		if (!text)
			return ct_http_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
					     "text/plain", "out of memory\n");
		rc = ct_http_reply(conn, MHD_HTTP_OK,
				   "text/plain; version=0.0.4; charset=utf-8", text);
		free(text);
		return rc;
	}
	if (strcmp(url, "/healthz") == 0)
		return ct_http_reply(conn, MHD_HTTP_OK, "text/plain", "ok\n");
	if (strcmp(url, "/readyz") == 0) {
		const char *why;
		char body[128];
		bool ready = ct_metrics_ready(&why);

		snprintf(body, sizeof(body), "%s\n", why);
		return ct_http_reply(conn, ready ? MHD_HTTP_OK
						 : MHD_HTTP_SERVICE_UNAVAILABLE,
				     "text/plain", body);
	}
	return ct_http_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

int ct_http_start(int port, struct ct_http **out, char *err, size_t errlen)
{
	struct ct_http *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_DUAL_STACK,
				     (uint16_t)port, NULL, NULL, ct_http_handle, NULL,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				     MHD_OPTION_END);
	if (!h->daemon) {
		/* IPv6 may be unavailable (containers): retry IPv4 only */
		h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD,
					     (uint16_t)port, NULL, NULL,
					     ct_http_handle, NULL,
					     MHD_OPTION_CONNECTION_TIMEOUT, 10u,
					     MHD_OPTION_END);
	}
	if (!h->daemon) {
		snprintf(err, errlen, "cannot listen on HTTP port %d (http.port)", port);
		free(h);
		return -1;
	}
	ct_log(CT_LOG_INFO, "serving /metrics, /healthz, /readyz on port %d", port);
	*out = h;
	return 0;
}

void ct_http_stop(struct ct_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
