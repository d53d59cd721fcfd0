/*
 * dead-letter list and replay (src/cli_int.h): the dead-letter tool
 * (convtrack/dltool.h) reads and replays; this file prints each record as
 * a text line or a JSON object.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "convtrack/dltool.h"

struct ct_cli_dl {
	const struct ct_cli_opts *o;
	FILE *out;
	yajl_gen g; /* --json */
};

/* A string member of a record, or null. */
static void ct_cli_json_strn(yajl_gen g, const char *key, const char *val,
			     size_t len)
{
	ct_cli_json_key(g, key);
	if (val)
		yajl_gen_string(g, (const unsigned char *)val, len);
	else
		yajl_gen_null(g);
}

/* A number member that may be absent (-1): null then. */
static void ct_cli_json_num(yajl_gen g, const char *key, long long v)
{
	ct_cli_json_key(g, key);
	if (v >= 0)
		yajl_gen_integer(g, v);
	else
		yajl_gen_null(g);
}

static int ct_cli_dl_list_one(void *arg, const struct ct_dltool_record *r)
{
	struct ct_cli_dl *dl = arg;
	yajl_gen g = dl->g;

	if (!g) {
		char src[32] = "-", off[32] = "-";

		if (r->source_partition >= 0)
			snprintf(src, sizeof(src), "%lld", r->source_partition);
		if (r->source_offset >= 0)
			snprintf(off, sizeof(off), "%lld", r->source_offset);
		fprintf(dl->out, "%" PRId32 ":%-8" PRId64 " %-32s %s[%s]@%s  %.*s\n",
			r->partition, r->offset, r->reason ? r->reason : "-",
			r->source_topic ? r->source_topic : "-", src, off,
			r->payload ? (int)(r->len < 60 ? r->len : 60) : 11,
			r->payload ? (const char *)r->payload : "(tombstone)");
		return 0;
	}
	yajl_gen_map_open(g);
	ct_cli_json_key(g, "partition");
	yajl_gen_integer(g, r->partition);
	ct_cli_json_key(g, "offset");
	yajl_gen_integer(g, r->offset);
	ct_cli_json_strn(g, "reason", r->reason, r->reason ? strlen(r->reason) : 0);
	ct_cli_json_strn(g, "source_topic", r->source_topic,
			 r->source_topic ? strlen(r->source_topic) : 0);
	ct_cli_json_num(g, "source_partition", r->source_partition);
	ct_cli_json_num(g, "source_offset", r->source_offset);
	ct_cli_json_key(g, "redacted");
	yajl_gen_bool(g, r->redacted);
	ct_cli_json_strn(g, "key", r->key, r->key_len);
	/* payloads may be invalid UTF-8: yajl_gen validates, so check */
	ct_cli_json_key(g, "payload");
	if (!r->payload || yajl_gen_string(g, r->payload, r->len) !=
				   yajl_gen_status_ok)
		yajl_gen_null(g);
	yajl_gen_map_close(g);
	return 0;
}

static int ct_cli_dl_replay_one(void *arg, const struct ct_dltool_record *r)
{
	struct ct_cli_dl *dl = arg;

	if (r->skipped)
		ct_cli_warn("%" PRId32 ":%" PRId64 " has no source topic header; "
			    "skipped", r->partition, r->offset);
	if (dl->g) {
		yajl_gen_map_open(dl->g);
		ct_cli_json_key(dl->g, "partition");
		yajl_gen_integer(dl->g, r->partition);
		ct_cli_json_key(dl->g, "offset");
		yajl_gen_integer(dl->g, r->offset);
		ct_cli_json_strn(dl->g, "source_topic", r->source_topic,
				 r->source_topic ? strlen(r->source_topic) : 0);
		ct_cli_json_key(dl->g, "skipped");
		yajl_gen_bool(dl->g, r->skipped);
		yajl_gen_map_close(dl->g);
		return 0;
	}
	if (r->skipped)
		return 0;
	fprintf(dl->out, "%s %" PRId32 ":%" PRId64 " -> %s\n",
		dl->o->dry_run ? "would replay" : "replaying", r->partition,
		r->offset, r->source_topic);
	return 0;
}

static int ct_cli_dead_letter_list(const struct ct_config *cfg,
				   const struct ct_cli_opts *o,
				   const struct ct_dltool_filter *f, FILE *out)
{
	struct ct_cli_dl dl = { o, out, NULL };
	char err[512];
	int n;

	if (o->json) {
		dl.g = yajl_gen_alloc(NULL);
		yajl_gen_config(dl.g, yajl_gen_validate_utf8, 1);
		yajl_gen_array_open(dl.g);
	} else {
		fprintf(out, "%-10s %-32s %s  %s\n", "position", "reason",
			"source[partition]@offset", "payload");
	}
	n = ct_dltool_list(cfg, f, ct_cli_dl_list_one, &dl, err, sizeof(err));
	if (dl.g) {
		yajl_gen_array_close(dl.g);
		if (n >= 0)
			ct_cli_json_print(dl.g, out);
		yajl_gen_free(dl.g);
	} else if (n >= 0) {
		fprintf(out, "%d record%s\n", n, n == 1 ? "" : "s");
	}
	if (n < 0) {
		ct_cli_error("%s", err);
		return CT_CLI_UNREACHABLE;
	}
	return CT_CLI_OK;
}

/* dead-letter list|replay: Kafka only, no database. */
int ct_cli_dead_letter(const struct ct_config *cfg, const struct ct_cli_opts *o,
		       FILE *out)
{
	struct ct_dltool_filter f = { o->reason, (int)o->partition, o->offset,
				      0 };
	bool list = o->noperands == 1 && strcmp(o->operands[0], "list") == 0;
	bool replay = o->noperands == 1 && strcmp(o->operands[0], "replay") == 0;
	struct ct_cli_dl dl = { o, out, NULL };
	char err[512];
	int n;

	if ((!list && !replay) || (o->offset >= 0 && o->partition < 0)) {
		ct_cli_error("usage: convtrack dead-letter list "
			"[--reason PREFIX] [--partition P [--offset O]] [--limit N] "
			"[--json]\n       convtrack dead-letter replay (--all | "
			"--reason PREFIX | --partition P --offset O) [--dry-run] "
			"[--json]");
		return CT_CLI_USAGE;
	}
	if (list) {
		f.limit = o->limit;
		return ct_cli_dead_letter_list(cfg, o, &f, out);
	}
	if (!o->all && !o->reason && o->offset < 0) {
		ct_cli_error("replay needs --all, --reason or "
			"--partition/--offset, so nothing is replayed by accident");
		return CT_CLI_USAGE;
	}
	if (o->json) {
		dl.g = yajl_gen_alloc(NULL);
		yajl_gen_config(dl.g, yajl_gen_beautify, 1);
		yajl_gen_map_open(dl.g);
		ct_cli_json_key(dl.g, "records");
		yajl_gen_array_open(dl.g);
	}
	n = ct_dltool_replay(cfg, &f, o->dry_run, ct_cli_dl_replay_one, &dl, err,
			     sizeof(err));
	if (dl.g) {
		yajl_gen_array_close(dl.g);
		ct_cli_json_key(dl.g, "dry_run");
		yajl_gen_bool(dl.g, o->dry_run);
		ct_cli_json_key(dl.g, "replayed");
		yajl_gen_integer(dl.g, n < 0 ? 0 : n);
		yajl_gen_map_close(dl.g);
		if (n >= 0)
			ct_cli_json_print(dl.g, out);
		yajl_gen_free(dl.g);
	}
	if (n < 0) {
		ct_cli_error("%s", err);
		return CT_CLI_UNREACHABLE;
	}
	if (!o->json)
		fprintf(out, "%d record%s %s\n", n, n == 1 ? "" : "s",
			o->dry_run ? "would be replayed" : "replayed");
	if (n == 0)
		ct_cli_error("no record matched");
	return n == 0 ? CT_CLI_NOT_FOUND : CT_CLI_OK;
}

