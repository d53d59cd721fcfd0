/*
 * API keys of the caller API: the keys file (only SHA-256 digests of the
 * keys, never the keys), a constant-time look-up, scopes, and one token
 * bucket per key (burst equal to the per-second rate).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"
#include "convtrack/codec.h"

/* SHA-256 of "": a line made from an unset $KEY */
#define CT_API_EMPTY_DIGEST \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct ct_api_key {
	char name[65];
	unsigned char digest[CT_HMAC_SIZE];
	unsigned scopes;
	double tokens;    /* the bucket */
	double refill_at; /* monotonic seconds of the last refill */
};

struct ct_api_keys {
	struct ct_api_key *key;
	size_t n;
	double rate;
	pthread_mutex_t lock;
};

static double ct_api_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads one scope list ("callers:read,classify") into *scopes. */
static int ct_api_keys_scopes_parse(char *list, unsigned *scopes)
{
	char *save = NULL, *s;

	*scopes = 0;
	for (s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (strcmp(s, "callers:read") == 0)
			*scopes |= CT_API_SCOPE_CALLERS;
		else if (strcmp(s, "classify") == 0)
			*scopes |= CT_API_SCOPE_CLASSIFY;
		else
			return -1;
	}
	return *scopes ? 0 : -1;
}

/* Parses one line into k; -1 with why. */
static int ct_api_keys_line(char *line, struct ct_api_key *k, const char **why)
{
	char *save = NULL, *name, *hex, *scopes, *extra;
	size_t i;

	name = strtok_r(line, " \t", &save);
	hex = strtok_r(NULL, " \t", &save);
	scopes = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (!name || !hex || !scopes || extra) {
		*why = "expected 'name sha256-hex scope[,scope]'";
		return -1;
	}
	if (strlen(name) > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
				 strlen(name)) {
		*why = "a key's name is 1..64 of [A-Za-z0-9_.-]";
		return -1;
	}
	if (strlen(hex) != 2 * CT_HMAC_SIZE) {
		*why = "the digest is 64 hex digits (sha256sum of the key)";
		return -1;
	}
	for (i = 0; i < CT_HMAC_SIZE; i++) {
		int hi = ct_hex_value((unsigned char)hex[2 * i]);
		int lo = ct_hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			*why = "the digest is 64 hex digits (sha256sum of the key)";
			return -1;
		}
		k->digest[i] = (unsigned char)(hi << 4 | lo);
	}
	if (strcasecmp(hex, CT_API_EMPTY_DIGEST) == 0) {
		*why = "this is the digest of an empty key (was $KEY set?)";
		return -1;
	}
	if (ct_api_keys_scopes_parse(scopes, &k->scopes) < 0) {
		*why = "scopes are callers:read and classify, comma-separated";
		return -1;
	}
	snprintf(k->name, sizeof(k->name), "%s", name);
	return 0;
}

int ct_api_keys_load(const char *path, int rate_per_s, struct ct_api_keys **out,
		     char *err, size_t errlen)
{
	struct ct_api_keys *keys;
	char line[512];
	unsigned lineno = 0;
	FILE *f;
	size_t i;

	*out = NULL;
	if (!path || !*path) {
		snprintf(err, errlen, "serve.api_keys_file is not set: the caller "
			 "API serves no one without keys (docs/caller-api.md)");
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read serve.api_keys_file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	keys = calloc(1, sizeof(*keys));
	if (!keys || !(keys->key = calloc(CT_API_KEYS_MAX, sizeof(*keys->key)))) {
		free(keys);
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&keys->lock, NULL);
	keys->rate = rate_per_s;
	while (fgets(line, sizeof(line), f)) {
		const char *why = NULL;
		char *p = line + strspn(line, " \t");

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			why = "line too long";
		} else {
			p[strcspn(p, "\r\n")] = '\0';
			if (!*p || *p == '#')
				continue;
			if (keys->n == CT_API_KEYS_MAX)
				why = "too many keys";
			else if (ct_api_keys_line(p, &keys->key[keys->n], &why) == 0)
				why = NULL;
		}
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			fclose(f);
			ct_api_keys_free(keys);
			return -1;
		}
		for (i = 0; i < keys->n; i++)
			if (strcmp(keys->key[i].name, keys->key[keys->n].name) == 0) {
				snprintf(err, errlen, "%s:%u: key name '%s' is used "
					 "twice", path, lineno, keys->key[i].name);
				fclose(f);
				ct_api_keys_free(keys);
				return -1;
			}
		keys->key[keys->n].tokens = keys->rate;
		keys->key[keys->n].refill_at = ct_api_now();
		keys->n++;
	}
	fclose(f);
	if (keys->n == 0) {
		snprintf(err, errlen, "%s holds no key", path);
		ct_api_keys_free(keys);
		return -1;
	}
	*out = keys;
	return 0;
}

void ct_api_keys_free(struct ct_api_keys *keys)
{
	if (!keys)
		return;
	ct_hmac_cleanse(keys->key, CT_API_KEYS_MAX * sizeof(*keys->key));
	free(keys->key);
	pthread_mutex_destroy(&keys->lock);
	free(keys);
}

size_t ct_api_keys_count(const struct ct_api_keys *keys)
{
	return keys->n;
}

int ct_api_keys_find(const struct ct_api_keys *keys, const char *token,
		     size_t len)
{
	unsigned char md[CT_HMAC_SIZE];
	int found = -1;
	size_t i;

	if (ct_sha256(token, len, md) < 0)
		return -1;
	for (i = 0; i < keys->n; i++)
		if (ct_hmac_equal(md, keys->key[i].digest, sizeof(md)) && found < 0)
			found = (int)i;
	return found;
}

unsigned ct_api_keys_scopes(const struct ct_api_keys *keys, int i)
{
	return keys->key[i].scopes;
}

const char *ct_api_keys_name(const struct ct_api_keys *keys, int i)
{
	return keys->key[i].name;
}

int ct_api_keys_take(struct ct_api_keys *keys, int i)
{
	struct ct_api_key *k = &keys->key[i];
	double now, wait;
	int rc = 0;

	if (keys->rate <= 0)
		return 0;
	now = ct_api_now();
	pthread_mutex_lock(&keys->lock);
	k->tokens += (now - k->refill_at) * keys->rate;
	if (k->tokens > keys->rate)
		k->tokens = keys->rate;
	k->refill_at = now;
	if (k->tokens >= 1) {
		k->tokens -= 1;
	} else {
		wait = ceil((1 - k->tokens) / keys->rate);
		rc = wait < 1 ? 1 : (int)wait;
	}
	pthread_mutex_unlock(&keys->lock);
	return rc;
}
