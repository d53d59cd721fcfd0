/*
 * Fuzz target: `convtrack analyze` and `convtrack classify`, the JSON-lines
 * input of the text commands, through the very loop the commands run over
 * stdin (ct_cli_analyze_stream() and ct_cli_classify_stream() of
 * src/cli_text.c): line splitting, yajl's tree parse, the fields of a call
 * ({"turns": [{"role", "content"}...], "end_reason", "duration_seconds"})
 * or an utterance ({"text"}), the summarizer, classify's models and the
 * JSON written for each line.
 *
 * Input: one byte that picks the command (odd: classify), then the lines.
 * The models are loaded once, as a command loads them once for all lines.
 * Output goes to /dev/null; error lines are part of the path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_int.h"
#include "convtrack/banking.h"
#include "convtrack/log.h"
#include "convtrack/sentiment.h"
#include "convtrack/summarizer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_summarizer *summarizer;
static struct ct_banking *banking;
static struct ct_sentiment *sentiment;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ct_log_set_level(CT_LOG_ERROR);
	/* "263": text.default_country_code's default, as analyze uses it */
	if (ct_summarizer_new("263", &summarizer) < 0 ||
	    ct_banking_new(&banking) < 0 || ct_sentiment_new(&sentiment) < 0) {
		fprintf(stderr, "fuzz_analyze: cannot load the text models\n");
		abort();
	}
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in;

	if (size < 2) /* fmemopen() needs a byte */
		return 0;
	/* "r": fmemopen() does not write to the buffer */
	in = fmemopen((void *)(uintptr_t)(data + 1), size - 1, "r");
	if (!in)
		return 0;
	if (data[0] & 1)
		(void)ct_cli_classify_stream(banking, sentiment, in, devnull);
	else
		(void)ct_cli_analyze_stream(summarizer, in, devnull);
	fclose(in);
	return 0;
}
