/*
 * LLM summaries, the client (convtrack/llm.h): redaction of what is sent,
 * one POST {endpoint}/chat/completions per attempt with libcurl, retries
 * of timeouts, refused connections, 429 and 5xx (after Retry-After), and
 * the strict reading of the answer (llm_json.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "convtrack/clock.h"
#include "convtrack/llm.h"
#include "convtrack/log.h"
#include "convtrack/redact.h"

/* Longest answer read; a longer body is not a summary. */
#define CT_LLM_BODY_MAX (1024 * 1024)
/* Longest Retry-After honoured, seconds. */
#define CT_LLM_RETRY_AFTER_MAX 60

struct ct_llm {
	struct ct_llm_opts o;
	char *endpoint, *model, *key, *key_header, *default_cc;
	char *url;
	struct ct_redact *redact;
	CURL *curl;
	struct curl_slist *headers;
};

static const char *const ct_llm_reasons[CT_LLM_REASON_COUNT] = {
	"ok", "refused", "timeout", "rate_limited", "server_error", "http_error",
	"invalid_json", "schema", "unknown_topic", "model_refusal", "error",
};

const char *ct_llm_reason_name(enum ct_llm_reason reason)
{
	return (unsigned)reason < CT_LLM_REASON_COUNT ? ct_llm_reasons[reason]
						      : "error";
}

static pthread_once_t ct_llm_curl_once = PTHREAD_ONCE_INIT;
static CURLcode ct_llm_curl_rc;

static void ct_llm_curl_init(void)
{
	ct_llm_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *ct_llm_dup(const char *s)
{
	return strdup(s ? s : "");
}

int ct_llm_new(const struct ct_llm_opts *o, struct ct_llm **out, char *err,
	       size_t errlen)
{
	struct ct_redact_options ro;
	struct ct_llm *l;
	char hdr[1024];
	size_t n;

	*out = NULL;
	if (!o->endpoint || !*o->endpoint || !o->model || !*o->model) {
		snprintf(err, errlen, "summary.llm.endpoint and summary.llm.model "
			 "are required");
		return -1;
	}
	pthread_once(&ct_llm_curl_once, ct_llm_curl_init);
	if (ct_llm_curl_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(ct_llm_curl_rc));
		return -1;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->o = *o;
	l->endpoint = ct_llm_dup(o->endpoint);
	l->model = ct_llm_dup(o->model);
	l->key = ct_llm_dup(o->api_key);
	l->key_header = ct_llm_dup(o->api_key_header);
	l->default_cc = ct_llm_dup(o->default_cc);
	n = strlen(l->endpoint ? l->endpoint : "");
	l->url = malloc(n + 32);
	if (!l->endpoint || !l->model || !l->key || !l->key_header ||
	    !l->default_cc || !l->url)
		goto out_nomem;
	while (n && l->endpoint[n - 1] == '/')
		n--;
	snprintf(l->url, n + 32, "%.*s/chat/completions", (int)n, l->endpoint);
	l->o.endpoint = l->endpoint;
	l->o.model = l->model;
	l->o.api_key = l->key;
	l->o.api_key_header = l->key_header;
	l->o.default_cc = l->default_cc;

	/* payment data always; contacts too with mask_contacts */
	ct_redact_options_init(&ro);
	ro.email_mode = o->mask_contacts ? CT_REDACT_REMOVE : CT_REDACT_KEEP;
	ro.phone_mode = ro.email_mode;
	ro.default_cc = *l->default_cc ? l->default_cc : NULL;
	if (ct_redact_new(&ro, &l->redact) != 0) {
		snprintf(err, errlen, "cannot build the redactor of LLM requests");
		ct_llm_free(l);
		return -1;
	}
	l->curl = curl_easy_init();
	l->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!l->curl || !l->headers)
		goto out_nomem;
	if (*l->key) {
		if (*l->key_header)
			snprintf(hdr, sizeof(hdr), "%s: %s", l->key_header, l->key);
		else
			snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", l->key);
		struct curl_slist *h = curl_slist_append(l->headers, hdr);

		explicit_bzero(hdr, sizeof(hdr));
		if (!h)
			goto out_nomem;
		l->headers = h;
	}
	*out = l;
	return 0;
out_nomem:
	snprintf(err, errlen, "out of memory");
	ct_llm_free(l);
	return -1;
}

void ct_llm_free(struct ct_llm *l)
{
	if (!l)
		return;
	if (l->curl)
		curl_easy_cleanup(l->curl);
	curl_slist_free_all(l->headers);
	ct_redact_free(l->redact);
	if (l->key) {
		explicit_bzero(l->key, strlen(l->key));
		free(l->key);
	}
	free(l->endpoint);
	free(l->model);
	free(l->key_header);
	free(l->default_cc);
	free(l->url);
	free(l);
}

/* What one attempt read. */
struct ct_llm_body {
	char *buf;
	size_t len;
	bool too_long;
	long retry_after; /* seconds, -1 when not given */
};

static size_t ct_llm_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ct_llm_body *b = arg;
	size_t n = size * nmemb;
	char *nb;

	if (b->len + n > CT_LLM_BODY_MAX) {
		b->too_long = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + n + 1);
	if (!nb)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static size_t ct_llm_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ct_llm_body *b = arg;
	size_t n = size * nmemb;

	if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char v[32];
		size_t k = n - 12 < sizeof(v) - 1 ? n - 12 : sizeof(v) - 1;

		memcpy(v, p + 12, k);
		v[k] = '\0';
		/* delta-seconds only; an HTTP date counts as not given */
		if (strspn(v, " \t0123456789\r\n") == k && strpbrk(v, "0123456789"))
			b->retry_after = strtol(v, NULL, 10);
	}
	return n;
}

/* The redacted copy of the turns (texts owned by res[]). */
static int ct_llm_redact(struct ct_llm *l, const struct ct_turn *turns, size_t n,
			 struct ct_turn *out, struct ct_redact_result *res)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ct_redact_text(l->redact, turns[i].text, turns[i].len, &res[i]) != 0)
			return -1;
		out[i].speaker = turns[i].speaker;
		out[i].text = res[i].text;
		out[i].len = res[i].len;
	}
	return 0;
}

/* One attempt: POST body; returns the HTTP status, or -1 with *reason. */
static long ct_llm_post(struct ct_llm *l, const char *body, struct ct_llm_body *b,
			enum ct_llm_reason *reason)
{
	CURLcode rc;
	long status = 0;

	curl_easy_reset(l->curl);
	curl_easy_setopt(l->curl, CURLOPT_URL, l->url);
	curl_easy_setopt(l->curl, CURLOPT_HTTPHEADER, l->headers);
	curl_easy_setopt(l->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(l->curl, CURLOPT_TIMEOUT_MS, (long)l->o.timeout_ms);
	curl_easy_setopt(l->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)l->o.timeout_ms);
	curl_easy_setopt(l->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(l->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(l->curl, CURLOPT_WRITEFUNCTION, ct_llm_write);
	curl_easy_setopt(l->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(l->curl, CURLOPT_HEADERFUNCTION, ct_llm_header);
	curl_easy_setopt(l->curl, CURLOPT_HEADERDATA, b);
	rc = curl_easy_perform(l->curl);
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		*reason = CT_LLM_TIMEOUT;
		return -1;
	}
	if (rc == CURLE_WRITE_ERROR && b->too_long) {
		*reason = CT_LLM_INVALID_JSON;
		return -1;
	}
	if (rc != CURLE_OK) {
		*reason = CT_LLM_REFUSED;
		return -1;
	}
	curl_easy_getinfo(l->curl, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

char *ct_llm_request_for(struct ct_llm *l, const struct ct_turn *turns, size_t n)
{
	struct ct_redact_result *res = calloc(n + 1, sizeof(*res));
	struct ct_turn *red = calloc(n + 1, sizeof(*red));
	char *body = NULL;
	size_t i;

	if (res && red && ct_llm_redact(l, turns, n, red, res) == 0)
		body = ct_llm_request_json(&l->o, red, n);
	for (i = 0; res && i < n; i++)
		ct_redact_result_clear(&res[i]);
	free(res);
	free(red);
	return body;
}

enum ct_llm_reason ct_llm_ask(struct ct_llm *l, const struct ct_turn *turns,
			      size_t n, struct ct_llm_answer *out, int *attempts)
{
	char *body = ct_llm_request_for(l, turns, n);
	enum ct_llm_reason r;

	if (!body) {
		memset(out, 0, sizeof(*out));
		out->primary_intent = -1;
		if (attempts)
			*attempts = 0;
		return CT_LLM_ERROR;
	}
	r = ct_llm_ask_body(l, body, out, attempts);
	free(body);
	return r;
}

enum ct_llm_reason ct_llm_ask_body(struct ct_llm *l, const char *body,
				   struct ct_llm_answer *out, int *attempts)
{
	enum ct_llm_reason reason = CT_LLM_ERROR;
	int attempt, made = 0;
	int64_t t0 = ct_clock_ms();

	memset(out, 0, sizeof(*out));
	out->primary_intent = -1;
	out->tokens_in = out->tokens_out = -1;
	for (attempt = 0; attempt <= l->o.max_retries; attempt++) {
		struct ct_llm_body b = { .retry_after = -1 };
		const char *why = NULL;
		long status;
		bool retry;

		made++;
		status = ct_llm_post(l, body, &b, &reason);
		if (status >= 200 && status < 300) {
			reason = ct_llm_answer_parse(b.buf ? b.buf : "", b.len, out, &why);
			free(b.buf);
			if (reason != CT_LLM_OK)
				ct_log(CT_LOG_INFO, "llm: answer not used (%s: %s)",
				       ct_llm_reason_name(reason), why ? why : "");
			break; /* an answer, good or not, is final */
		}
		free(b.buf);
		if (status == 429)
			reason = CT_LLM_RATE_LIMITED;
		else if (status >= 500)
			reason = CT_LLM_SERVER_ERROR;
		else if (status > 0)
			reason = CT_LLM_HTTP_ERROR;
		retry = status < 0 ? reason != CT_LLM_INVALID_JSON
				   : status == 429 || status >= 500;
		if (!retry)
			break;
		if (attempt < l->o.max_retries) {
			long wait_s = b.retry_after;
			int64_t wait_ms;

			if (wait_s > CT_LLM_RETRY_AFTER_MAX)
				wait_s = CT_LLM_RETRY_AFTER_MAX;
			wait_ms = wait_s >= 0 ? wait_s * 1000
					      : ct_backoff_ms(200, 5000, attempt);
			if (l->o.total_ms > 0 &&
			    ct_clock_ms() - t0 + wait_ms + l->o.timeout_ms >
				    l->o.total_ms)
				break; /* it could not end in time */
			ct_sleep_ms(wait_ms);
		}
	}
	if (attempts)
		*attempts = made;
	return reason;
}
