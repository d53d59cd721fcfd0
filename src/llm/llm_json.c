/*
 * LLM summaries, the pure part (convtrack/llm.h): the chat-completions
 * request and the strict reading of its answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "convtrack/codec.h"
#include "convtrack/llm.h"
#include "convtrack/topics.h"

/* data/prompts/summary.txt, embedded at build time (cmake/embed_file.cmake) */
extern const char ct_llm_prompt_txt[];
extern const size_t ct_llm_prompt_txt_len;

#define CT_LLM_TOPICS_MAX 10

int ct_llm_prompt_version(void)
{
	int v = 0;

	return sscanf(ct_llm_prompt_txt, "prompt-version %d", &v) == 1 ? v : 0;
}

static void ct_llm_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* The prompt after its version line, with {TOPICS} the topic ids. */
static char *ct_llm_prompt(void)
{
	const char *body = strchr(ct_llm_prompt_txt, '\n');
	const char *mark;
	size_t i, len = 0, n;
	char *out;

	body = body ? body + 1 : ct_llm_prompt_txt;
	for (i = 0; i < ct_topics_count(); i++)
		len += strlen(ct_topics_name(i)) + 2;
	out = malloc(strlen(body) + len + 1);
	if (!out)
		return NULL;
	mark = strstr(body, "{TOPICS}");
	n = mark ? (size_t)(mark - body) : strlen(body);
	memcpy(out, body, n);
	out[n] = '\0';
	if (!mark)
		return out;
	for (i = 0; i < ct_topics_count(); i++) {
		strcat(out, i ? ", " : "");
		strcat(out, ct_topics_name(i));
	}
	strcat(out, mark + 8);
	return out;
}

/* The conversation as "user: ..." lines, its end kept within max chars. */
static char *ct_llm_transcript(const struct ct_turn *turns, size_t n, int max)
{
	size_t len = 0, i, start;
	char *out, *p;

	for (i = 0; i < n; i++)
		len += turns[i].len + 12;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (p = out, i = 0; i < n; i++) {
		const char *who = turns[i].speaker == CT_SPEAKER_USER ? "user" :
				  turns[i].speaker == CT_SPEAKER_ASSISTANT ? "assistant" :
									     "other";

		p += sprintf(p, "%s: ", who);
		for (size_t k = 0; k < turns[i].len; k++) /* one line a turn */
			*p++ = turns[i].text[k] == '\n' || turns[i].text[k] == '\r'
				       ? ' ' : turns[i].text[k];
		*p++ = '\n';
	}
	*p = '\0';
	len = (size_t)(p - out);
	if (max > 0) {
		/* keep the last max characters: drop whole ones from the start */
		size_t chars = ct_utf8_chars(out, len);

		for (start = 0; chars > (size_t)max && start < len; chars--) {
			size_t k = ct_utf8_seq_len((const unsigned char *)out + start,
						   len - start);

			start += k ? k : 1;
		}
		/* from the next whole line, so that every line has its role,
		 * unless the last line alone is too long */
		{
			size_t line = start;

			while (line > 0 && line < len && out[line - 1] != '\n')
				line++;
			if (line < len)
				start = line;
		}
		memmove(out, out + start, len - start + 1);
	}
	return out;
}

/* A property of the schema: {"type": type} or {"type": [type, "null"]}. */
static void ct_llm_prop(yajl_gen g, const char *name, const char *type,
			bool nullable)
{
	ct_llm_str(g, name);
	yajl_gen_map_open(g);
	ct_llm_str(g, "type");
	if (nullable)
		yajl_gen_array_open(g);
	ct_llm_str(g, type);
	if (nullable) {
		ct_llm_str(g, "null");
		yajl_gen_array_close(g);
	}
	if (strcmp(type, "array") == 0) {
		ct_llm_str(g, "items");
		yajl_gen_map_open(g);
		ct_llm_str(g, "type");
		ct_llm_str(g, "string");
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

/* A property of the schema: {"enum": values}. */
static void ct_llm_enum(yajl_gen g, const char *name, const char *const *values)
{
	ct_llm_str(g, name);
	yajl_gen_map_open(g);
	ct_llm_str(g, "enum");
	yajl_gen_array_open(g);
	for (; *values; values++)
		ct_llm_str(g, *values);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static const char *const ct_llm_sentiments[] = { "positive", "neutral",
						 "negative", NULL };
static const char *const ct_llm_resolutions[] = { "resolved", "escalated",
						  "incomplete", NULL };
static const char *const ct_llm_fields_asked[] = {
	"summary", "user_name", "primary_intent", "topics", "sentiment",
	"resolution_status", NULL
};

/* The JSON Schema of the answer (response_format.json_schema.schema). */
static void ct_llm_schema(yajl_gen g)
{
	const char *const *f;

	yajl_gen_map_open(g);
	ct_llm_str(g, "type");
	ct_llm_str(g, "object");
	ct_llm_str(g, "additionalProperties");
	yajl_gen_bool(g, 0);
	ct_llm_str(g, "required");
	yajl_gen_array_open(g);
	for (f = ct_llm_fields_asked; *f; f++)
		ct_llm_str(g, *f);
	yajl_gen_array_close(g);
	ct_llm_str(g, "properties");
	yajl_gen_map_open(g);
	ct_llm_prop(g, "summary", "string", false);
	ct_llm_prop(g, "user_name", "string", true);
	ct_llm_prop(g, "primary_intent", "string", true);
	ct_llm_prop(g, "topics", "array", false); /* at most 10: checked */
	ct_llm_enum(g, "sentiment", ct_llm_sentiments);
	ct_llm_enum(g, "resolution_status", ct_llm_resolutions);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

char *ct_llm_request_json(const struct ct_llm_opts *o, const struct ct_turn *turns,
			  size_t n)
{
	char *prompt = ct_llm_prompt();
	char *talk = ct_llm_transcript(turns, n, o->max_input_chars);
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	char *out = NULL;
	size_t len;

	if (prompt && talk && g) {
		yajl_gen_map_open(g);
		ct_llm_str(g, "model");
		ct_llm_str(g, o->model);
		ct_llm_str(g, "temperature");
		yajl_gen_integer(g, 0);
		ct_llm_str(g, "messages");
		yajl_gen_array_open(g);
		yajl_gen_map_open(g);
		ct_llm_str(g, "role");
		ct_llm_str(g, "system");
		ct_llm_str(g, "content");
		ct_llm_str(g, prompt);
		yajl_gen_map_close(g);
		yajl_gen_map_open(g);
		ct_llm_str(g, "role");
		ct_llm_str(g, "user");
		ct_llm_str(g, "content");
		ct_llm_str(g, talk);
		yajl_gen_map_close(g);
		yajl_gen_array_close(g);
		ct_llm_str(g, "response_format");
		yajl_gen_map_open(g);
		ct_llm_str(g, "type");
		ct_llm_str(g, "json_schema");
		ct_llm_str(g, "json_schema");
		yajl_gen_map_open(g);
		ct_llm_str(g, "name");
		ct_llm_str(g, "call_summary");
		ct_llm_str(g, "strict");
		yajl_gen_bool(g, 1);
		ct_llm_str(g, "schema");
		ct_llm_schema(g);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
		if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
		    (out = malloc(len + 1))) {
			memcpy(out, buf, len);
			out[len] = '\0';
		}
	}
	if (g)
		yajl_gen_free(g);
	free(prompt);
	free(talk);
	return out;
}

/* A string member that must be 1..max bytes of text (or null if nullable). */
static const char *ct_llm_text(yajl_val v, size_t max, bool nullable,
			       const char **s)
{
	*s = NULL;
	if (nullable && YAJL_IS_NULL(v))
		return NULL;
	if (!YAJL_IS_STRING(v))
		return "wrong type";
	*s = YAJL_GET_STRING(v);
	if (!**s || strlen(*s) > max)
		return "empty or too long";
	for (const char *p = *s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return "control character";
	return NULL;
}

/* Checks the answer object doc into out. */
static enum ct_llm_reason ct_llm_fields(yajl_val doc, struct ct_llm_answer *out,
					const char **why)
{
	const char *summary, *name = NULL, *intent, *s;
	yajl_val v[6], topics;
	size_t i, j;

	if (!YAJL_IS_OBJECT(doc) || doc->u.object.len != 6) {
		*why = "not an object of exactly six members";
		return CT_LLM_SCHEMA;
	}
	for (i = 0; i < 6; i++) {
		const char *path[] = { ct_llm_fields_asked[i], NULL };

		v[i] = yajl_tree_get(doc, path, yajl_t_any);
		if (!v[i]) {
			*why = ct_llm_fields_asked[i];
			return CT_LLM_SCHEMA;
		}
	}
	if (YAJL_IS_STRING(v[1]) && !*YAJL_GET_STRING(v[1]))
		v[1] = NULL; /* "" is no name */
	if ((*why = ct_llm_text(v[0], CT_LLM_SUMMARY_MAX, false, &summary)) ||
	    (v[1] && (*why = ct_llm_text(v[1], CT_EXTRACT_NAME_LEN - 1, true,
					  &name))) ||
	    (*why = ct_llm_text(v[2], 64, true, &intent)))
		return CT_LLM_SCHEMA;
	out->primary_intent = intent ? ct_topics_find(intent) : -1;
	if (intent && out->primary_intent < 0) {
		*why = "primary_intent";
		return CT_LLM_UNKNOWN_TOPIC;
	}
	topics = v[3];
	if (!YAJL_IS_ARRAY(topics) || topics->u.array.len > CT_LLM_TOPICS_MAX) {
		*why = "topics: not an array of at most 10";
		return CT_LLM_SCHEMA;
	}
	for (i = 0; i < topics->u.array.len; i++) {
		int t;

		if (!YAJL_IS_STRING(topics->u.array.values[i])) {
			*why = "topics: not strings";
			return CT_LLM_SCHEMA;
		}
		t = ct_topics_find(YAJL_GET_STRING(topics->u.array.values[i]));
		if (t < 0) {
			*why = "topics";
			return CT_LLM_UNKNOWN_TOPIC;
		}
		out->topics |= UINT64_C(1) << t;
	}
	if (out->primary_intent >= 0)
		out->topics |= UINT64_C(1) << out->primary_intent;
	for (j = 0; j < 2; j++) {
		const char *const *set = j ? ct_llm_resolutions : ct_llm_sentiments;

		s = YAJL_GET_STRING(v[4 + j]);
		for (i = 0; s && i < 3 && strcmp(s, set[i]) != 0; i++)
			;
		if (!s || i == 3) {
			*why = j ? "resolution_status" : "sentiment";
			return CT_LLM_SCHEMA;
		}
		if (j)
			out->resolution = set[i];
		else
			out->sentiment = set[i];
	}
	out->summary = strdup(summary);
	if (!out->summary)
		return CT_LLM_ERROR;
	snprintf(out->user_name, sizeof(out->user_name), "%s", name ? name : "");
	return CT_LLM_OK;
}

static long ct_llm_usage(yajl_val resp, const char *key)
{
	const char *path[] = { "usage", key, NULL };
	yajl_val v = yajl_tree_get(resp, path, yajl_t_number);

	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return -1;
	return YAJL_GET_INTEGER(v) > 2147483647 ? 2147483647
						 : (long)YAJL_GET_INTEGER(v);
}

enum ct_llm_reason ct_llm_answer_parse(const char *body, size_t len,
				       struct ct_llm_answer *out, const char **why)
{
	const char *cpath[] = { "choices", NULL };
	const char *dummy;
	yajl_val resp, choices, msg, content, refusal;
	enum ct_llm_reason r;
	char *copy, err[128];

	why = why ? why : &dummy;
	*why = NULL;
	memset(out, 0, sizeof(*out));
	out->primary_intent = -1;
	out->tokens_in = out->tokens_out = -1;
	copy = malloc(len + 1);
	if (!copy)
		return CT_LLM_ERROR;
	memcpy(copy, body, len);
	copy[len] = '\0';
	resp = strlen(copy) == len ? yajl_tree_parse(copy, err, sizeof(err)) : NULL;
	free(copy);
	if (!resp) {
		*why = "the response is not JSON";
		return CT_LLM_INVALID_JSON;
	}
	out->tokens_in = ct_llm_usage(resp, "prompt_tokens");
	out->tokens_out = ct_llm_usage(resp, "completion_tokens");
	choices = yajl_tree_get(resp, cpath, yajl_t_array);
	msg = choices && choices->u.array.len ? choices->u.array.values[0] : NULL;
	{
		const char *mp[] = { "message", NULL }, *cp[] = { "content", NULL },
			   *rp[] = { "refusal", NULL };

		msg = msg ? yajl_tree_get(msg, mp, yajl_t_object) : NULL;
		content = msg ? yajl_tree_get(msg, cp, yajl_t_any) : NULL;
		refusal = msg ? yajl_tree_get(msg, rp, yajl_t_any) : NULL;
	}
	if (refusal && YAJL_IS_STRING(refusal) && *YAJL_GET_STRING(refusal)) {
		yajl_tree_free(resp);
		*why = "message.refusal";
		return CT_LLM_MODEL_REFUSAL;
	}
	if (!content || !YAJL_IS_STRING(content)) {
		yajl_tree_free(resp);
		*why = "no choices[0].message.content";
		return CT_LLM_INVALID_JSON;
	}
	{
		long in = out->tokens_in, o = out->tokens_out;

		r = ct_llm_content_parse(YAJL_GET_STRING(content), out, why);
		out->tokens_in = in;
		out->tokens_out = o;
	}
	yajl_tree_free(resp);
	if (r != CT_LLM_OK) {
		long in = out->tokens_in, o = out->tokens_out;

		ct_llm_answer_clear(out);
		out->tokens_in = in;
		out->tokens_out = o;
	}
	return r;
}

enum ct_llm_reason ct_llm_content_parse(const char *content,
					struct ct_llm_answer *out,
					const char **why)
{
	const char *dummy;
	char err[128];
	yajl_val doc;
	enum ct_llm_reason r;

	why = why ? why : &dummy;
	memset(out, 0, sizeof(*out));
	out->primary_intent = -1;
	out->tokens_in = out->tokens_out = -1;
	doc = yajl_tree_parse(content, err, sizeof(err));
	if (!doc) {
		*why = "the message is not JSON";
		return CT_LLM_INVALID_JSON;
	}
	r = ct_llm_fields(doc, out, why);
	yajl_tree_free(doc);
	if (r != CT_LLM_OK)
		ct_llm_answer_clear(out);
	return r;
}

char *ct_llm_answer_json(const struct ct_llm_answer *a)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	char *out = NULL;
	size_t len, i;

	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	ct_llm_str(g, "summary");
	ct_llm_str(g, a->summary ? a->summary : "");
	ct_llm_str(g, "user_name");
	if (a->user_name[0])
		ct_llm_str(g, a->user_name);
	else
		yajl_gen_null(g);
	ct_llm_str(g, "primary_intent");
	if (a->primary_intent >= 0)
		ct_llm_str(g, ct_topics_name((size_t)a->primary_intent));
	else
		yajl_gen_null(g);
	ct_llm_str(g, "topics");
	yajl_gen_array_open(g);
	/* without the primary intent, which reading adds back: at most 10 */
	for (i = 0; i < ct_topics_count(); i++)
		if ((a->topics & (UINT64_C(1) << i)) && (int)i != a->primary_intent)
			ct_llm_str(g, ct_topics_name(i));
	yajl_gen_array_close(g);
	ct_llm_str(g, "sentiment");
	ct_llm_str(g, a->sentiment ? a->sentiment : "neutral");
	ct_llm_str(g, "resolution_status");
	ct_llm_str(g, a->resolution ? a->resolution : "incomplete");
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    (out = malloc(len + 1))) {
		memcpy(out, buf, len);
		out[len] = '\0';
	}
	yajl_gen_free(g);
	return out;
}

void ct_llm_answer_clear(struct ct_llm_answer *a)
{
	free(a->summary);
	memset(a, 0, sizeof(*a));
	a->primary_intent = -1;
}

int ct_llm_answer_apply(const struct ct_llm_answer *a, struct ct_summary *s)
{
	char *text = strdup(a->summary);

	if (!text)
		return -1;
	free(s->summary);
	s->summary = text;
	snprintf(s->user_name, sizeof(s->user_name), "%s", a->user_name);
	s->primary_intent = a->primary_intent >= 0 ?
				    ct_topics_name((size_t)a->primary_intent) : NULL;
	s->topics = a->topics;
	s->sentiment = a->sentiment;
	s->resolution = a->resolution;
	return 0;
}
