/*
 * The fixture conversations of tests/fixtures/conversations/ (format in its
 * README), shared by the unit tests of the sentiment and resolution rules.
 * Run from the source directory.
 */
#ifndef CONVTRACK_TEST_CONVERSATION_FIXTURE_H
#define CONVTRACK_TEST_CONVERSATION_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/text.h"

#define FIXTURE_DIR "tests/fixtures/conversations/"
#define FIXTURE_MAX_TURNS 32

/* A fixture conversation; turns point into buf. */
struct fixture {
	char *buf;
	struct ct_turn turns[FIXTURE_MAX_TURNS];
	size_t n;
	const char *end_reason; /* NULL for "none" */
	const char *resolution;
	const char *sentiment;
};

static const char *header(char *line, const char *key)
{
	size_t l = strlen(key);

	if (strncmp(line, "# ", 2) || strncmp(line + 2, key, l) ||
	    strncmp(line + 2 + l, ": ", 2))
		return NULL;
	return line + 4 + l;
}

/* Reads FIXTURE_DIR/name; returns 0, or -1 when missing or malformed. */
static int fixture_load(const char *name, struct fixture *f)
{
	static const struct {
		const char *prefix;
		enum ct_text_speaker speaker;
	} who[] = { { "user: ", CT_SPEAKER_USER },
		    { "assistant: ", CT_SPEAKER_ASSISTANT },
		    { "system: ", CT_SPEAKER_OTHER } };
	char path[256], *line, *save = NULL;
	FILE *fp;
	long size;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s%s", FIXTURE_DIR, name);
	fp = fopen(path, "rb");
	if (!fp)
		return -1;
	if (fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) || !(f->buf = malloc((size_t)size + 1)) ||
	    fread(f->buf, 1, (size_t)size, fp) != (size_t)size) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	f->buf[size] = '\0';
	for (line = strtok_r(f->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *v;
		size_t i;

		if ((v = header(line, "end_reason")))
			f->end_reason = strcmp(v, "none") ? v : NULL;
		else if ((v = header(line, "resolution")))
			f->resolution = v;
		else if ((v = header(line, "sentiment")))
			f->sentiment = v;
		for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
			size_t l = strlen(who[i].prefix);

			if (strncmp(line, who[i].prefix, l) ||
			    f->n == FIXTURE_MAX_TURNS)
				continue;
			f->turns[f->n].speaker = who[i].speaker;
			f->turns[f->n].text = line + l;
			f->turns[f->n].len = strlen(line + l);
			f->n++;
		}
	}
	return f->resolution && f->sentiment && f->n ? 0 : -1;
}

#endif
