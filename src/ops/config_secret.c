/*
 * Configuration, secrets from files: postgres.password_file,
 * kafka.sasl_password_file and redact.hash_key_file name files (a mounted
 * Kubernetes Secret, a Docker secret) whose first line is the secret, so
 * that it need not be in the environment or the configuration file.  See
 * src/ops/config_int.h.  The secrets read go where the printed
 * configuration masks them; no message here quotes a file's content.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "convtrack/config.h"

#define CT_CFG_SECRET_MAX 4096 /* longest secret file, bytes */

/*
 * Reads the first line of the file path (setting names it) into a new
 * string in *out.  Returns 0, or -1 with the reason in ctx.
 */
static int ct_cfg_read_secret(struct ct_cfg_ctx *ctx, const char *setting,
			      const char *path, char **out)
{
	char buf[CT_CFG_SECRET_MAX + 2];
	size_t n;
	FILE *f;
	int rc = -1;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return ct_cfg_fail(ctx, "%s: cannot read %s: %s", setting, path,
				   strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		ct_cfg_fail(ctx, "%s: cannot read %s: %s", setting, path,
			    strerror(errno));
		goto out_close;
	}
	buf[n] = '\0';
	if (n > CT_CFG_SECRET_MAX) {
		ct_cfg_fail(ctx, "%s: %s is longer than %d bytes", setting, path,
			    CT_CFG_SECRET_MAX);
		goto out_wipe;
	}
	if (memchr(buf, '\0', n)) {
		ct_cfg_fail(ctx, "%s: %s holds a NUL byte", setting, path);
		goto out_wipe;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		ct_cfg_fail(ctx, "%s: %s is empty (the secret is its first "
			    "line)", setting, path);
		goto out_wipe;
	}
	*out = strdup(buf);
	rc = *out ? 0 : ct_cfg_fail(ctx, "out of memory");
out_wipe:
	explicit_bzero(buf, sizeof(buf));
out_close:
	fclose(f);
	return rc;
}

int ct_cfg_secret_files(struct ct_cfg_ctx *ctx)
{
	struct ct_config *cfg = ctx->cfg;
	char *secret;
	int rc;

	if (cfg->postgres_password_file && *cfg->postgres_password_file) {
		if (ct_cfg_read_secret(ctx, "postgres.password_file",
				       cfg->postgres_password_file,
				       &cfg->postgres_password) < 0)
			return -1;
	}
	if (cfg->kafka_sasl_password_file && *cfg->kafka_sasl_password_file) {
		if (ct_cfg_prop_find(cfg, "sasl.password") >= 0)
			return ct_cfg_fail(ctx, "kafka.sasl_password_file and "
					   "kafka.properties sasl.password are "
					   "both set: set one");
		if (ct_cfg_read_secret(ctx, "kafka.sasl_password_file",
				       cfg->kafka_sasl_password_file,
				       &secret) < 0)
			return -1;
		rc = ct_cfg_prop_set(cfg, "sasl.password", secret);
		explicit_bzero(secret, strlen(secret));
		free(secret);
		if (rc < 0)
			return ct_cfg_fail(ctx, "out of memory");
	}
	if (cfg->summary_llm_api_key_file && *cfg->summary_llm_api_key_file &&
	    ct_cfg_read_secret(ctx, "summary.llm.api_key_file",
			       cfg->summary_llm_api_key_file,
			       &cfg->summary_llm_api_key) < 0)
		return -1;
	if (cfg->redact_hash_key_file && *cfg->redact_hash_key_file) {
		if (cfg->redact_hash_key && *cfg->redact_hash_key)
			return ct_cfg_fail(ctx, "redact.hash_key_file and "
					   "redact.hash_key are both set: set "
					   "one");
		if (ct_cfg_read_secret(ctx, "redact.hash_key_file",
				       cfg->redact_hash_key_file, &secret) < 0)
			return -1;
		free(cfg->redact_hash_key);
		cfg->redact_hash_key = secret;
	}
	return 0;
}
