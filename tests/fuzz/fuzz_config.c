/*
 * Fuzz target: the configuration readers (convtrack/config.h), the file
 * (libconfig, src/ops/config_file.c) and the environment
 * (CONVTRACK_<SECTION>_<KEY>, src/ops/config_env.c), then the checks and
 * the printer with its masking of secrets (config_check.c,
 * config_mask.c), through the one public entry, ct_config_load().
 *
 * Input: the file's text up to the first NUL byte, then environment
 * variables, one "NAME=VALUE" a line (at most 16):
 *   #cVALUE   the setting number c (a byte, modulo the table) of
 *             src/ops/config_table.c, e.g. CONVTRACK_KAFKA_BROKERS;
 *   NAME=VALUE  CONVTRACK_NAME, or NAME when it starts with CONVTRACK_
 *             (the dictionary holds every setting's and property's name).
 * ct_config_load() takes a path, so the text is written to one temporary
 * file (under $TMPDIR, else /tmp) for every input, and the variables are
 * set and then removed again.
 *
 * libconfig's @include reads any file the text names (/dev/zero never
 * ends): an operator's feature, not outside input, so such inputs are
 * left out (returned -1, which also keeps them out of the corpus).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "convtrack/config.h"
#include "convtrack/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_VARS 16
#define FUZZ_NAME_MAX 200

static char path[4096];
static FILE *devnull;

static void fuzz_cleanup(void)
{
	if (path[0])
		unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	(void)argc;
	(void)argv;
	ct_log_set_level(CT_LOG_ERROR);
	snprintf(path, sizeof(path), "%s/fuzz_config.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	devnull = fopen("/dev/null", "w");
	if (fd < 0 || !devnull) {
		perror("fuzz_config: temporary file");
		abort();
	}
	close(fd);
	atexit(fuzz_cleanup);
	return 0;
}

/* CONVTRACK_ + name in upper case, every other character as '_'. */
static void fuzz_env_name(char *out, size_t outlen, const char *name)
{
	size_t o = (size_t)snprintf(out, outlen, "CONVTRACK_");

	for (; *name && o + 1 < outlen; name++) {
		char c = *name;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		out[o++] = c;
	}
	out[o] = '\0';
}

/*
 * Sets the variables of the lines in env[0..len); their names go to
 * names[0..*n) for fuzz_unset().
 */
static void fuzz_set(const char *env, size_t len,
		     char names[FUZZ_MAX_VARS][FUZZ_NAME_MAX], size_t *n)
{
	const char *end = env + len;

	*n = 0;
	while (env < end && *n < FUZZ_MAX_VARS) {
		const char *nl = memchr(env, '\n', (size_t)(end - env));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(env, '=', (size_t)(eol - env));
		char value[1024], name[FUZZ_NAME_MAX];
		size_t vlen;

		if (env[0] == '#' && eol - env >= 2) {
			const struct ct_cfg_setting *s =
				&ct_cfg_settings[(unsigned char)env[1] % ct_cfg_count];

			fuzz_env_name(name, sizeof(name), s->name);
			eq = env + 1; /* the value follows the number */
		} else if (eq && eq > env &&
			   (size_t)(eq - env) < sizeof(name) - sizeof("CONVTRACK_")) {
			size_t nlen = (size_t)(eq - env);
			bool prefixed = nlen >= 10 && memcmp(env, "CONVTRACK_", 10) == 0;

			snprintf(name, sizeof(name), "%s%.*s",
				 prefixed ? "" : "CONVTRACK_", (int)nlen, env);
			if (strlen(name) != nlen + (prefixed ? 0 : 10))
				goto next; /* a NUL in the name */
		} else {
			goto next;
		}
		vlen = (size_t)(eol - eq - 1);
		if (vlen >= sizeof(value))
			vlen = sizeof(value) - 1;
		memcpy(value, eq + 1, vlen);
		value[vlen] = '\0';
		if (setenv(name, value, 1) == 0)
			snprintf(names[(*n)++], FUZZ_NAME_MAX, "%s", name);
next:
		env = nl ? nl + 1 : end;
	}
}

static void fuzz_unset(char names[FUZZ_MAX_VARS][FUZZ_NAME_MAX], size_t n)
{
	for (size_t i = 0; i < n; i++)
		unsetenv(names[i]);
}

/* True when text[0..len) holds "@include" (libconfig's directive). */
static bool fuzz_has_include(const uint8_t *text, size_t len)
{
	for (size_t i = 0; i + 8 <= len; i++)
		if (text[i] == '@' && memcmp(text + i, "@include", 8) == 0)
			return true;
	return false;
}

static bool fuzz_write_file(const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[FUZZ_MAX_VARS][FUZZ_NAME_MAX];
	const uint8_t *nul = memchr(data, '\0', size);
	size_t flen = nul ? (size_t)(nul - data) : size, n = 0;
	struct ct_config *cfg = NULL;
	char err[512];

	if (fuzz_has_include(data, flen))
		return -1;
	if (!fuzz_write_file(data, flen)) {
		perror("fuzz_config: writing the temporary file");
		abort();
	}
	if (nul)
		fuzz_set((const char *)nul + 1, size - flen - 1, names, &n);
	if (ct_config_load(path, &cfg, err, sizeof(err)) == 0) {
		ct_config_print(cfg, devnull);
		(void)ct_config_kafka_property(cfg, "security.protocol");
		(void)ct_config_kafka_property(cfg, "sasl.password");
		ct_config_free(cfg);
	} else if (!err[0]) {
		fprintf(stderr, "fuzz_config: refused without a message\n");
		abort();
	}
	fuzz_unset(names, n);
	return 0;
}
