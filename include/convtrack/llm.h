/*
 * LLM summaries (issue 20): any model behind the OpenAI chat-completions
 * protocol (OpenAI, Azure OpenAI, vLLM, llama.cpp's server, Ollama), asked
 * for the six fields of a summary that text can say better than rules:
 * summary, user_name, primary_intent, topics, sentiment, resolution_status.
 *
 * What is sent is redacted here, whatever the caller did: payment card
 * numbers, PINs, CVVs, one-time codes, passwords, account and ID numbers
 * and IBANs always; phone numbers and emails too with mask_contacts.  The
 * answer is validated strictly (JSON, the schema, the topic taxonomy,
 * lengths); anything else is a failure with a reason, never a half-filled
 * summary, so the caller keeps the rule-based one.
 *
 * ct_llm_request_json() and ct_llm_answer_parse() are pure; ct_llm_ask()
 * speaks HTTP with libcurl (TLS verified for https) and may block up to
 * (max_retries + 1) * timeout_ms plus the waits that Retry-After asks for:
 * call it from a thread of its own, never from one that applies events.
 */
#ifndef CONVTRACK_LLM_H
#define CONVTRACK_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/summarizer.h"
#include "convtrack/text.h"

struct ct_llm;

struct ct_llm_opts {
	const char *endpoint;       /* base URL with its version path */
	const char *model;
	const char *api_key;        /* NULL or "": none sent */
	const char *api_key_header; /* NULL or "": Authorization: Bearer */
	int timeout_ms;             /* per attempt */
	int max_retries;            /* attempts after the first */
	int max_input_chars;        /* of the conversation sent; 0: no limit */
	int total_ms;               /* all attempts and waits; 0: no limit */
	bool mask_contacts;         /* phone numbers and emails too */
	const char *default_cc;     /* local phone numbers' calling code */
};

/* Why an answer was not used (ct_llm_reason_name() names them). */
enum ct_llm_reason {
	CT_LLM_OK = 0,
	CT_LLM_REFUSED,      /* connection refused or failed */
	CT_LLM_TIMEOUT,      /* an attempt took longer than timeout_ms */
	CT_LLM_RATE_LIMITED, /* HTTP 429 after the retries */
	CT_LLM_SERVER_ERROR, /* HTTP 5xx after the retries */
	CT_LLM_HTTP_ERROR,   /* another non-2xx status (not retried) */
	CT_LLM_INVALID_JSON, /* the body or the message is not the JSON asked for */
	CT_LLM_SCHEMA,       /* a field missing, extra, of the wrong type or length */
	CT_LLM_UNKNOWN_TOPIC, /* a topic id not in schemas/topics.json */
	CT_LLM_MODEL_REFUSAL, /* the model refused (message.refusal) */
	CT_LLM_ERROR,        /* out of memory, libcurl failed to start */
	CT_LLM_REASON_COUNT
};

/* A validated answer. */
struct ct_llm_answer {
	char *summary;              /* owned, 1..CT_LLM_SUMMARY_MAX bytes */
	char user_name[CT_EXTRACT_NAME_LEN]; /* "" = none */
	int primary_intent;         /* topic index, -1 = none */
	uint64_t topics;            /* bit i: ct_topics_name(i) */
	const char *sentiment;      /* static: positive | neutral | negative */
	const char *resolution;     /* static: resolved | escalated | incomplete */
	long tokens_in, tokens_out; /* usage, -1 when not reported */
};

#define CT_LLM_SUMMARY_MAX 2000

/* "ok", "refused", "timeout", "rate_limited", "server_error", ... */
const char *ct_llm_reason_name(enum ct_llm_reason reason);

/* The version of the system prompt (data/runtime/llm_prompt.txt). */
int ct_llm_prompt_version(void);

/*
 * The chat-completions request for the n turns (already redacted by the
 * caller: ct_llm_ask() does it), with the system prompt and a
 * response_format of type json_schema that asks for exactly the six
 * fields.  The conversation is sent as role-tagged lines ("user: ...");
 * over max_input_chars, its end is kept (where outcomes are).  malloc'd
 * JSON, NULL when out of memory.
 */
char *ct_llm_request_json(const struct ct_llm_opts *o, const struct ct_turn *turns,
			  size_t n);

/*
 * Reads a chat-completions response body into out (cleared first).
 * Returns CT_LLM_OK, or the reason it is not a valid answer; why (may be
 * NULL) gets a static detail ("summary: too long").
 */
enum ct_llm_reason ct_llm_answer_parse(const char *body, size_t len,
				       struct ct_llm_answer *out, const char **why);

/* Frees what a holds and zeroes it. */
void ct_llm_answer_clear(struct ct_llm_answer *a);

/* Overwrites the six fields of s with a's (counts and the rest stay). */
int ct_llm_answer_apply(const struct ct_llm_answer *a, struct ct_summary *s)
	__attribute__((warn_unused_result));

/*
 * A client for o (copied).  Returns 0, or -1 with a message in err (no
 * endpoint or model, libcurl or the redactor failing to start).
 */
int ct_llm_new(const struct ct_llm_opts *o, struct ct_llm **out, char *err,
	       size_t errlen) __attribute__((warn_unused_result));

/* Frees l.  Does nothing for NULL. */
void ct_llm_free(struct ct_llm *l);

/*
 * Redacts the n turns, asks the model and validates its answer into out.
 * Timeouts, refused connections, 429 and 5xx are retried up to
 * max_retries times (429 and 503 after their Retry-After, at most 60 s);
 * the timeout is per attempt, and no retry starts that could not end
 * within total_ms of the first attempt (when it is set).  Returns CT_LLM_OK or the reason of the last
 * failure; *attempts (may be NULL) says how many requests were made.
 * Thread-safe for one l per thread.
 */
enum ct_llm_reason ct_llm_ask(struct ct_llm *l, const struct ct_turn *turns,
			      size_t n, struct ct_llm_answer *out, int *attempts);

/*
 * The request ct_llm_ask() would send for the n turns (redacted, built):
 * what a stored result is keyed by.  malloc'd, NULL when out of memory.
 */
char *ct_llm_request_for(struct ct_llm *l, const struct ct_turn *turns,
			 size_t n);

/* ct_llm_ask() with the request already built by ct_llm_request_for(). */
enum ct_llm_reason ct_llm_ask_body(struct ct_llm *l, const char *body,
				   struct ct_llm_answer *out, int *attempts);

/* The six fields of a as one JSON object (what is stored); malloc'd. */
char *ct_llm_answer_json(const struct ct_llm_answer *a);

/*
 * Reads the six fields' JSON object (the message content of an answer, or
 * what ct_llm_answer_json() wrote) into out, as strictly as an answer.
 */
enum ct_llm_reason ct_llm_content_parse(const char *content,
					struct ct_llm_answer *out,
					const char **why);

#endif
