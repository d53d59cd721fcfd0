/*
 * The caller API server (convtrack/api.h): routing, authentication, the
 * rate limit, problems (RFC 9457) and the handlers of every route, on the
 * request threads of convtrack/httpd.h.  Each request borrows one
 * PostgreSQL connection of a pool as large as the thread pool, so a
 * request never waits for another's query.
 *
 *   GET  /healthz  /readyz  /metrics             no key (probes, Prometheus)
 *   GET  /v1/openapi.yaml                         any valid key
 *   GET  /v1/callers/{ref}   /v1/callers/{ref}/calls   callers:read
 *   POST /v1/classify                             classify
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "api_int.h"
#include "convtrack/api.h"
#include "convtrack/banking.h"
#include "convtrack/codec.h"
#include "convtrack/httpd.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/repo_api.h"
#include "convtrack/topics.h"

/* schemas/openapi.yaml, embedded at build time (cmake/embed_file.cmake) */
extern const char ct_api_openapi_yaml[];
extern const size_t ct_api_openapi_yaml_len;

#define CT_API_TEXTS_MAX 100
#define CT_API_STATEMENT_TIMEOUT_MS 2000 /* a slow replica frees the thread */
#define CT_API_WARN_EVERY_S 10           /* "unreachable" once per this */
#define CT_API_PROBLEM "urn:convtrack:problem:"

struct ct_api {
	struct ct_httpd *httpd;
	struct ct_api_keys *keys;
	struct ct_banking *banking;
	struct ct_hmac *cursor_key;
	char *conninfo, *password;
	char default_cc[8];
	/* the connection pool: one per request thread */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct ct_repo **repo;
	bool *busy;
	size_t nrepo;
};

/* ---- answers ---- */

/* Moves the text of g into resp's body. */
static void ct_api_body(struct ct_httpd_resp *resp, yajl_gen g)
{
	const unsigned char *buf;
	size_t len;

	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    (resp->body = malloc(len + 1))) {
		memcpy(resp->body, buf, len);
		resp->body[len] = '\0';
		resp->len = len;
	}
	yajl_gen_free(g);
}

static void ct_api_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/*
 * An RFC 9457 problem: type is the last part of its URN
 * ("urn:convtrack:problem:not-found"), listed in docs/caller-api.md.
 */
static void ct_api_problem(struct ct_httpd_resp *resp,
			   const struct ct_httpd_req *req, unsigned status,
			   const char *type, const char *title,
			   const char *detail)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	char urn[96];

	snprintf(urn, sizeof(urn), CT_API_PROBLEM "%s", type);
	resp->status = status;
	resp->type = "application/problem+json";
	if (!g)
		return;
	yajl_gen_map_open(g);
	ct_api_str(g, "type");
	ct_api_str(g, urn);
	ct_api_str(g, "title");
	ct_api_str(g, title);
	ct_api_str(g, "status");
	yajl_gen_integer(g, status);
	if (detail) {
		ct_api_str(g, "detail");
		ct_api_str(g, detail);
	}
	ct_api_str(g, "request_id");
	ct_api_str(g, req->request_id);
	yajl_gen_map_close(g);
	ct_api_body(resp, g);
}

static void ct_api_json(struct ct_httpd_resp *resp, unsigned status, char *json)
{
	resp->status = status;
	resp->type = "application/json";
	resp->body = json;
	resp->len = json ? strlen(json) : 0;
}

/* A failure of the repository: 503 while PostgreSQL is away, else 500. */
static void ct_api_store_failed(struct ct_httpd_resp *resp,
				const struct ct_httpd_req *req,
				enum ct_repo_status st)
{
	if (st == CT_REPO_TRANSIENT) {
		ct_httpd_resp_header(resp, "Retry-After", "1");
		ct_api_problem(resp, req, 503, "unavailable",
			       "Service Unavailable",
			       "the database cannot be reached; try again");
		return;
	}
	ct_log(CT_LOG_ERROR, "serve: query failed (request %s)", req->request_id);
	ct_api_problem(resp, req, 500, "internal", "Internal Server Error", NULL);
}

/* ---- the connection pool ---- */

/* Logs that PostgreSQL is unreachable, at most once per CT_API_WARN_EVERY_S. */
static void ct_api_warn_unreachable(const char *err)
{
	static atomic_llong last;
	long long now = (long long)time(NULL), prev = atomic_load(&last);

	if (now - prev >= CT_API_WARN_EVERY_S &&
	    atomic_compare_exchange_strong(&last, &prev, now))
		ct_log(CT_LOG_WARN, "serve: PostgreSQL unreachable: %s", err);
}

/* Borrows a connection, opening it when needed; NULL when it cannot. */
static struct ct_repo *ct_api_repo_take(struct ct_api *api, size_t *slot)
{
	struct ct_repo *repo;
	char err[256];
	size_t i;

	pthread_mutex_lock(&api->lock);
	for (;;) {
		for (i = 0; i < api->nrepo && api->busy[i]; i++)
			;
		if (i < api->nrepo)
			break;
		pthread_cond_wait(&api->freed, &api->lock);
	}
	api->busy[i] = true;
	repo = api->repo[i];
	pthread_mutex_unlock(&api->lock);
	*slot = i;
	if (!repo && (ct_repo_connect(api->conninfo, api->password, &repo, err,
				      sizeof(err)) != CT_REPO_OK ||
		      ct_repo_set_statement_timeout(
			      repo, CT_API_STATEMENT_TIMEOUT_MS) != CT_REPO_OK)) {
		if (repo)
			snprintf(err, sizeof(err), "%s", ct_repo_error(repo));
		ct_api_warn_unreachable(err);
		ct_repo_free(repo);
		repo = NULL;
	}
	ct_metrics_set_db_ok(repo != NULL);
	api->repo[i] = repo;
	if (!repo) {
		pthread_mutex_lock(&api->lock);
		api->busy[i] = false;
		pthread_cond_signal(&api->freed);
		pthread_mutex_unlock(&api->lock);
	}
	return repo;
}

static void ct_api_repo_give(struct ct_api *api, size_t slot)
{
	pthread_mutex_lock(&api->lock);
	api->busy[slot] = false;
	pthread_cond_signal(&api->freed);
	pthread_mutex_unlock(&api->lock);
}

/* ---- routes ---- */

static void ct_api_readyz(struct ct_api *api, const struct ct_httpd_req *req,
			  struct ct_httpd_resp *resp)
{
	enum ct_repo_status st = CT_REPO_TRANSIENT;
	size_t slot;
	struct ct_repo *repo = ct_api_repo_take(api, &slot);

	if (repo) {
		st = ct_repo_api_ping(repo);
		ct_api_repo_give(api, slot);
	}
	ct_metrics_set_db_ok(st == CT_REPO_OK);
	if (st == CT_REPO_OK)
		ct_api_json(resp, 200, strdup("{\"status\":\"ready\"}"));
	else
		ct_api_store_failed(resp, req, CT_REPO_TRANSIENT);
}

static void ct_api_metrics(const struct ct_httpd_req *req,
			   struct ct_httpd_resp *resp)
{
	resp->body = ct_metrics_render();
	if (!resp->body) {
		ct_api_problem(resp, req, 500, "internal", "Internal Server Error",
			       NULL);
		return;
	}
	resp->status = 200;
	resp->type = "text/plain; version=0.0.4; charset=utf-8";
	resp->len = strlen(resp->body);
}

/* True when the If-None-Match header names etag (or is "*"). */
static bool ct_api_etag_matches(const char *inm, const char *etag)
{
	const char *p;
	size_t n = strlen(etag);

	if (!inm)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	for (p = strstr(inm, etag); p; p = strstr(p + 1, etag))
		if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
	return false;
}

/* Answers json (taken) with its ETag, or 304 when the client has it. */
static void ct_api_json_etag(const struct ct_httpd_req *req,
			     struct ct_httpd_resp *resp, char *json)
{
	unsigned char md[CT_HMAC_SIZE];
	char hex[2 * 16 + 1], etag[40];

	if (ct_sha256(json, strlen(json), md) < 0) {
		free(json);
		ct_api_problem(resp, req, 500, "internal", "Internal Server Error",
			       NULL);
		return;
	}
	ct_hex_encode(md, 16, hex);
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	ct_httpd_resp_header(resp, "ETag", "%s", etag);
	ct_httpd_resp_header(resp, "Cache-Control", "private, no-cache");
	if (ct_api_etag_matches(ct_httpd_header(req, "If-None-Match"), etag)) {
		free(json);
		resp->status = 304;
		return;
	}
	ct_api_json(resp, 200, json);
}

/* The value of ?limit= (1..100, default 20), or -1. */
static int ct_api_limit(const char *raw)
{
	int n = 0;

	if (!raw)
		return 20;
	if (!*raw || strlen(raw) > 3 || strspn(raw, "0123456789") != strlen(raw))
		return -1;
	n = atoi(raw);
	return n >= 1 && n <= 100 ? n : -1;
}

/* {"profile_id": ..., "calls": [...], "next_cursor": ...} of one page. */
static void ct_api_calls(struct ct_api *api, struct ct_repo *repo,
			 const struct ct_httpd_req *req,
			 struct ct_httpd_resp *resp, enum ct_repo_ref kind,
			 const char *value)
{
	const char *cursor = ct_httpd_arg(req, "cursor");
	struct ct_repo_api_after after;
	struct ct_repo_api_page page;
	char id[37], next[CT_API_CURSOR_LEN + 1] = "";
	enum ct_repo_status st;
	int limit = ct_api_limit(ct_httpd_arg(req, "limit"));
	char *json;
	size_t len;

	if (limit < 0) {
		ct_api_problem(resp, req, 400, "bad-parameter", "Bad Request",
			       "limit is an integer 1..100");
		return;
	}
	st = ct_repo_api_resolve(repo, kind, value, id);
	if (st != CT_REPO_OK) {
		ct_api_store_failed(resp, req, st);
		return;
	}
	if (!id[0]) {
		ct_api_problem(resp, req, 404, "not-found", "Not Found",
			       "no caller has this reference");
		return;
	}
	if (cursor && ct_api_cursor_decode(api->cursor_key, id, cursor, &after) < 0) {
		ct_api_problem(resp, req, 400, "bad-cursor", "Bad Request",
			       "cursor is not one this API gave for this caller");
		return;
	}
	st = ct_repo_api_calls(repo, id, cursor ? &after : NULL, limit, &page);
	if (st != CT_REPO_OK) {
		ct_api_store_failed(resp, req, st);
		return;
	}
	if (page.more && ct_api_cursor_encode(api->cursor_key, id, &page.next,
					      next) < 0) {
		ct_repo_api_page_clear(&page);
		ct_api_problem(resp, req, 500, "internal", "Internal Server Error",
			       NULL);
		return;
	}
	len = strlen(page.calls) + sizeof(next) + 128;
	json = malloc(len);
	if (json) {
		snprintf(json, len,
			 "{\"profile_id\":\"%s\",\"calls\":%s,\"next_cursor\":%s%s%s}",
			 id, page.calls, next[0] ? "\"" : "", next[0] ? next : "null",
			 next[0] ? "\"" : "");
		ct_api_json_etag(req, resp, json);
	} else {
		ct_api_problem(resp, req, 500, "internal", "Internal Server Error",
			       NULL);
	}
	ct_repo_api_page_clear(&page);
}

/* GET /v1/callers/{ref} and /v1/callers/{ref}/calls; rest follows "callers/". */
static void ct_api_callers(struct ct_api *api, const struct ct_httpd_req *req,
			   struct ct_httpd_resp *resp, const char *rest)
{
	const char *slash = strchr(rest, '/'), *why = NULL;
	char ref[3 * CT_API_REF_MAX + 16], value[CT_API_REF_MAX + 1];
	bool calls = slash != NULL;
	enum ct_repo_ref kind;
	enum ct_repo_status st;
	struct ct_repo *repo;
	size_t slot, seg = slash ? (size_t)(slash - rest) : strlen(rest);
	char *json = NULL;

	resp->route = calls ? "/v1/callers/{ref}/calls" : "/v1/callers/{ref}";
	if (calls && strcmp(slash, "/calls") != 0) {
		resp->route = "(unknown)";
		ct_api_problem(resp, req, 404, "not-found", "Not Found",
			       "no such route");
		return;
	}
	if (ct_httpd_decode(rest, seg, ref, sizeof(ref)) < 0 ||
	    ct_api_ref_parse(ref, api->default_cc, &kind, value, sizeof(value),
			     &why) < 0) {
		ct_api_problem(resp, req, 400, "bad-reference", "Bad Request",
			       why ? why : "the reference is not percent-encoded "
					   "text");
		return;
	}
	repo = ct_api_repo_take(api, &slot);
	if (!repo) {
		ct_api_store_failed(resp, req, CT_REPO_TRANSIENT);
		return;
	}
	if (calls) {
		ct_api_calls(api, repo, req, resp, kind, value);
		ct_api_repo_give(api, slot);
		return;
	}
	st = ct_repo_api_caller(repo, kind, value, ref, &json);
	ct_api_repo_give(api, slot);
	if (st != CT_REPO_OK)
		ct_api_store_failed(resp, req, st);
	else if (!json)
		ct_api_problem(resp, req, 404, "not-found", "Not Found",
			       "no caller has this reference");
	else
		ct_api_json_etag(req, resp, json);
}

/* A score as a JSON number, as `convtrack classify` writes it. */
static void ct_api_score(yajl_gen g, double v)
{
	char buf[CT_SCORE_LEN];

	ct_format_score(v, buf);
	yajl_gen_number(g, buf, strlen(buf));
}

/* One classification: the worker's banking flag and topics of text. */
static int ct_api_classify_one(const struct ct_api *api, yajl_gen g,
			       const char *text)
{
	size_t len = strlen(text), i;
	uint64_t topics;
	double score;
	int topic;

	if (ct_topics_classify(text, len, &topics, &topic) < 0)
		return -1;
	score = ct_banking_score(api->banking, text, len);
	yajl_gen_map_open(g);
	ct_api_str(g, "banking");
	yajl_gen_bool(g, score >= ct_banking_threshold(api->banking));
	ct_api_str(g, "banking_score");
	ct_api_score(g, score);
	ct_api_str(g, "topic");
	if (topic >= 0)
		ct_api_str(g, ct_topics_name((size_t)topic));
	else
		yajl_gen_null(g);
	ct_api_str(g, "topics");
	yajl_gen_array_open(g);
	for (i = 0; i < ct_topics_count(); i++)
		if (topics & (UINT64_C(1) << i))
			ct_api_str(g, ct_topics_name(i));
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return 0;
}

/* Checks the body of POST /v1/classify; NULL or why it is bad. */
static const char *ct_api_classify_check(yajl_val doc, yajl_val *text,
					 yajl_val *texts)
{
	const char *tp[] = { "text", NULL }, *tsp[] = { "texts", NULL };
	size_t i;

	if (!YAJL_IS_OBJECT(doc))
		return "the body is a JSON object {\"text\": ...} or {\"texts\": [...]}";
	*text = yajl_tree_get(doc, tp, yajl_t_any);
	*texts = yajl_tree_get(doc, tsp, yajl_t_any);
	if (!!*text == !!*texts || doc->u.object.len != 1)
		return "the body has exactly one member, text or texts";
	if (*text && !YAJL_IS_STRING(*text))
		return "text is a string";
	if (*texts && (!YAJL_IS_ARRAY(*texts) || (*texts)->u.array.len == 0 ||
		       (*texts)->u.array.len > CT_API_TEXTS_MAX))
		return "texts is an array of 1..100 strings";
	for (i = 0; *texts && i < (*texts)->u.array.len; i++)
		if (!YAJL_IS_STRING((*texts)->u.array.values[i]))
			return "texts is an array of 1..100 strings";
	return NULL;
}

static void ct_api_classify(struct ct_api *api, const struct ct_httpd_req *req,
			    struct ct_httpd_resp *resp)
{
	yajl_val doc, text = NULL, texts = NULL;
	const char *why;
	char errbuf[128];
	yajl_gen g;
	size_t i;
	int rc = 0;

	doc = yajl_tree_parse(req->body, errbuf, sizeof(errbuf));
	if (!doc || strlen(req->body) != req->body_len) {
		yajl_tree_free(doc);
		ct_api_problem(resp, req, 400, "bad-body", "Bad Request",
			       "the body is not JSON");
		return;
	}
	why = ct_api_classify_check(doc, &text, &texts);
	if (why) {
		yajl_tree_free(doc);
		ct_api_problem(resp, req, 400, "bad-body", "Bad Request", why);
		return;
	}
	g = yajl_gen_alloc(NULL);
	if (!g) {
		yajl_tree_free(doc);
		ct_api_problem(resp, req, 500, "internal", "Internal Server Error",
			       NULL);
		return;
	}
	if (text) {
		rc = ct_api_classify_one(api, g, YAJL_GET_STRING(text));
	} else {
		yajl_gen_map_open(g);
		ct_api_str(g, "results");
		yajl_gen_array_open(g);
		for (i = 0; i < texts->u.array.len && rc == 0; i++)
			rc = ct_api_classify_one(
				api, g, YAJL_GET_STRING(texts->u.array.values[i]));
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	yajl_tree_free(doc);
	if (rc < 0) {
		yajl_gen_free(g);
		ct_api_problem(resp, req, 500, "internal", "Internal Server Error",
			       NULL);
		return;
	}
	resp->status = 200;
	resp->type = "application/json";
	ct_api_body(resp, g);
}

/* The key of "Authorization: Bearer <key>", or -1 (and a 401 answered). */
static int ct_api_auth(struct ct_api *api, const struct ct_httpd_req *req,
		       struct ct_httpd_resp *resp)
{
	const char *h = ct_httpd_header(req, "Authorization");
	int key;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
		ct_httpd_resp_header(resp, "WWW-Authenticate",
				     "Bearer realm=\"convtrack\"");
		ct_api_problem(resp, req, 401, "unauthorized", "Unauthorized",
			       "send Authorization: Bearer <API key>");
		return -1;
	}
	h += 7;
	h += strspn(h, " ");
	key = *h ? ct_api_keys_find(api->keys, h, strlen(h)) : -1;
	if (key < 0) {
		ct_httpd_resp_header(resp, "WWW-Authenticate",
				     "Bearer realm=\"convtrack\", "
				     "error=\"invalid_token\"");
		ct_api_problem(resp, req, 401, "unauthorized", "Unauthorized",
			       "the API key is not known");
	}
	return key;
}

/* True when the method is one of the route's; else answers 405. */
static bool ct_api_method(const struct ct_httpd_req *req,
			  struct ct_httpd_resp *resp, bool post)
{
	bool ok = post ? strcmp(req->method, "POST") == 0
		       : strcmp(req->method, "GET") == 0 ||
				 strcmp(req->method, "HEAD") == 0;

	if (!ok) {
		ct_httpd_resp_header(resp, "Allow", "%s", post ? "POST" : "GET, HEAD");
		ct_api_problem(resp, req, 405, "method-not-allowed",
			       "Method Not Allowed", NULL);
	}
	return ok;
}

/* True when key holds scope; else answers 403. */
static bool ct_api_scope(struct ct_api *api, const struct ct_httpd_req *req,
			 struct ct_httpd_resp *resp, int key, unsigned scope)
{
	if (ct_api_keys_scopes(api->keys, key) & scope)
		return true;
	ct_api_problem(resp, req, 403, "forbidden", "Forbidden",
		       scope == CT_API_SCOPE_CLASSIFY ?
			       "the API key lacks the scope classify" :
			       "the API key lacks the scope callers:read");
	return false;
}

/* True unless the body was over serve.max_body_bytes; else answers 413. */
static bool ct_api_body_fits(const struct ct_httpd_req *req,
			     struct ct_httpd_resp *resp)
{
	if (!req->body_too_large)
		return true;
	ct_api_problem(resp, req, 413, "body-too-large", "Content Too Large",
		       "the body is over serve.max_body_bytes");
	return false;
}

/* Every /v1 route: key, rate, route, method, scope, body size. */
static void ct_api_v1(struct ct_api *api, const struct ct_httpd_req *req,
		      struct ct_httpd_resp *resp)
{
	const char *p = req->path;
	int key, wait;

	resp->route = "/v1";
	key = ct_api_auth(api, req, resp);
	if (key < 0)
		return;
	wait = ct_api_keys_take(api->keys, key);
	if (wait) {
		char label[96];

		ct_metrics_label(label, sizeof(label), "key",
				 ct_api_keys_name(api->keys, key));
		ct_metrics_inc("convtrack_api_rate_limited_total", label, 1);
		ct_httpd_resp_header(resp, "Retry-After", "%d", wait);
		ct_api_problem(resp, req, 429, "rate-limited", "Too Many Requests",
			       "this API key is over serve.rate_limit_per_s");
		return;
	}
	if (strcmp(p, "/v1/openapi.yaml") == 0) {
		resp->route = "/v1/openapi.yaml";
		if (!ct_api_method(req, resp, false))
			return;
		resp->body = malloc(ct_api_openapi_yaml_len + 1);
		if (!resp->body) {
			ct_api_problem(resp, req, 500, "internal",
				       "Internal Server Error", NULL);
			return;
		}
		memcpy(resp->body, ct_api_openapi_yaml, ct_api_openapi_yaml_len + 1);
		resp->len = ct_api_openapi_yaml_len;
		resp->status = 200;
		resp->type = "application/yaml";
		return;
	}
	if (strcmp(p, "/v1/classify") == 0) {
		resp->route = "/v1/classify";
		if (!ct_api_method(req, resp, true) ||
		    !ct_api_scope(api, req, resp, key, CT_API_SCOPE_CLASSIFY))
			return;
		if (ct_api_body_fits(req, resp))
			ct_api_classify(api, req, resp);
		return;
	}
	if (strncmp(p, "/v1/callers/", 12) == 0 && p[12]) {
		resp->route = "/v1/callers/{ref}";
		if (!ct_api_method(req, resp, false) ||
		    !ct_api_scope(api, req, resp, key, CT_API_SCOPE_CALLERS))
			return;
		if (ct_api_body_fits(req, resp))
			ct_api_callers(api, req, resp, p + 12);
		return;
	}
	resp->route = "(unknown)";
	ct_api_problem(resp, req, 404, "not-found", "Not Found", "no such route");
}

static void ct_api_handle(void *arg, const struct ct_httpd_req *req,
			  struct ct_httpd_resp *resp)
{
	struct ct_api *api = arg;
	const char *p = req->path;

	if (strcmp(p, "/v1") == 0 || strncmp(p, "/v1/", 4) == 0) {
		ct_api_v1(api, req, resp);
		return;
	}
	if (strcmp(p, "/healthz") == 0 || strcmp(p, "/readyz") == 0 ||
	    strcmp(p, "/metrics") == 0) {
		resp->route = p[1] == 'h' ? "/healthz" : p[1] == 'r' ? "/readyz"
								     : "/metrics";
		if (!ct_api_method(req, resp, false))
			return;
		if (p[1] == 'h')
			ct_api_json(resp, 200, strdup("{\"status\":\"ok\"}"));
		else if (p[1] == 'r')
			ct_api_readyz(api, req, resp);
		else
			ct_api_metrics(req, resp);
		return;
	}
	resp->route = "(unknown)";
	ct_api_problem(resp, req, 404, "not-found", "Not Found", "no such route");
}

/* ---- lifecycle ---- */

/* Loads the topic model now (it loads on first use), not in a request. */
static int ct_api_warm_up(void)
{
	static const char text[] = "I lost my card";
	uint64_t topics;
	int topic;

	return ct_topics_classify(text, sizeof(text) - 1, &topics, &topic);
}

int ct_api_check(const struct ct_config *cfg, char *err, size_t errlen)
{
	struct ct_api_keys *keys = NULL;
	int rc = ct_api_keys_load(cfg->serve_api_keys_file,
				  cfg->serve_rate_limit_per_s, &keys, err, errlen);

	ct_api_keys_free(keys);
	return rc;
}

/* The cursor key: serve.cursor_key, else 32 random bytes. */
static int ct_api_cursor_key(const struct ct_config *cfg, struct ct_hmac **out)
{
	unsigned char rnd[32];
	int rc;

	if (cfg->serve_cursor_key && *cfg->serve_cursor_key)
		return ct_hmac_new(cfg->serve_cursor_key,
				   strlen(cfg->serve_cursor_key), out);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	rc = ct_hmac_new(rnd, sizeof(rnd), out);
	ct_hmac_cleanse(rnd, sizeof(rnd));
	return rc;
}

int ct_api_start(const struct ct_config *cfg, struct ct_api **out, char *err,
		 size_t errlen)
{
	struct ct_httpd_opts o = { 0 };
	struct ct_api *api = calloc(1, sizeof(*api));
	const char *conninfo = cfg->serve_postgres_conninfo &&
					       *cfg->serve_postgres_conninfo ?
				       cfg->serve_postgres_conninfo :
				       cfg->postgres_conninfo;

	*out = NULL;
	if (!api) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&api->lock, NULL);
	pthread_cond_init(&api->freed, NULL);
	snprintf(api->default_cc, sizeof(api->default_cc), "%s",
		 cfg->text_default_country_code ? cfg->text_default_country_code : "");
	api->nrepo = (size_t)cfg->serve_threads;
	api->repo = calloc(api->nrepo, sizeof(*api->repo));
	api->busy = calloc(api->nrepo, sizeof(*api->busy));
	api->conninfo = strdup(conninfo ? conninfo : "");
	/* postgres.password_file is the worker's role's: serve's own conninfo
	 * brings its own (in it, PGPASSWORD or ~/.pgpass) */
	if (cfg->postgres_password && conninfo == cfg->postgres_conninfo)
		api->password = strdup(cfg->postgres_password);
	if (!api->repo || !api->busy || !api->conninfo ||
	    (conninfo == cfg->postgres_conninfo && cfg->postgres_password &&
	     !api->password)) {
		snprintf(err, errlen, "out of memory");
		goto out_fail;
	}
	if (ct_api_keys_load(cfg->serve_api_keys_file, cfg->serve_rate_limit_per_s,
			     &api->keys, err, errlen) < 0)
		goto out_fail;
	if (ct_banking_new(&api->banking) < 0 || ct_api_warm_up() < 0) {
		snprintf(err, errlen, "cannot load the text models");
		goto out_fail;
	}
	if (ct_api_cursor_key(cfg, &api->cursor_key) < 0) {
		snprintf(err, errlen, "cannot make the cursor key");
		goto out_fail;
	}
	o.bind = cfg->serve_bind;
	o.port = cfg->serve_port;
	o.threads = cfg->serve_threads;
	o.max_body_bytes = (size_t)cfg->serve_max_body_bytes;
	o.idle_timeout_s = 30;
	o.metrics = true;
	ct_metrics_set_joined(true); /* convtrack_ready: PostgreSQL alone */
	if (ct_httpd_start(&o, ct_api_handle, api, &api->httpd, err, errlen) < 0)
		goto out_fail;
	ct_log(CT_LOG_INFO, "serve: caller API on %s port %d, %d threads, %zu "
	       "API keys, %d requests/s per key%s", cfg->serve_bind,
	       ct_httpd_port(api->httpd), cfg->serve_threads,
	       ct_api_keys_count(api->keys), cfg->serve_rate_limit_per_s,
	       cfg->serve_rate_limit_per_s ? "" : " (unlimited)");
	*out = api;
	return 0;
out_fail:
	ct_api_stop(api);
	return -1;
}

int ct_api_port(const struct ct_api *api)
{
	return ct_httpd_port(api->httpd);
}

void ct_api_stop(struct ct_api *api)
{
	size_t i;

	if (!api)
		return;
	ct_httpd_stop(api->httpd); /* no handler runs after this */
	for (i = 0; api->repo && i < api->nrepo; i++)
		ct_repo_free(api->repo[i]);
	free(api->repo);
	free(api->busy);
	ct_api_keys_free(api->keys);
	ct_banking_free(api->banking);
	ct_hmac_free(api->cursor_key);
	free(api->conninfo);
	if (api->password) {
		ct_hmac_cleanse(api->password, strlen(api->password));
		free(api->password);
	}
	pthread_cond_destroy(&api->freed);
	pthread_mutex_destroy(&api->lock);
	free(api);
}
