/*
 * Readers of the public data sets the evaluation programs run over, shared
 * so that every program reads them the same way: the CLINC150 splits
 * (data/clinc150/data_train_val.json) and the BANKING77 texts
 * (data/banking77/train.csv, RFC 4180 with multi-line quoted fields).
 * Header-only: each evaluation program is its own executable.  Run from
 * the source directory.
 */
#ifndef CONVTRACK_EVAL_DATASETS_H
#define CONVTRACK_EVAL_DATASETS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#define DS_CLINC_PATH "data/clinc150/data_train_val.json"
#define DS_BANKING_PATH "data/banking77/train.csv"

/*
 * Called for each text: src is "clinc" or "banking", label the intent
 * (NULL when the data set gives none).  Returns 0, or -1 to stop.
 */
typedef int (*ds_text_fn)(void *arg, const char *src, const char *text,
			  size_t len, const char *label);

/* The whole file at path, NUL-terminated, length in *len; NULL on failure. */
static inline char *ds_read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/*
 * Every [text, intent] pair of the CLINC150 splits train, val, oos_train
 * and oos_val, in file order.  prog names the program in error messages.
 * Returns 0, or -1 (after a message) when the file is missing or malformed
 * or fn stopped.
 */
static inline int ds_each_clinc(const char *prog, ds_text_fn fn, void *arg)
{
	static const char *const splits[] = { "train", "val", "oos_train",
					      "oos_val" };
	char err[256];
	size_t len, s, i;
	char *buf = ds_read_all(DS_CLINC_PATH, &len);
	yajl_val root;
	int rc = -1;

	if (!buf) {
		fprintf(stderr, "%s: cannot read %s\n", prog, DS_CLINC_PATH);
		return -1;
	}
	root = yajl_tree_parse(buf, err, sizeof(err));
	free(buf);
	if (!root) {
		fprintf(stderr, "%s: %s: %s\n", prog, DS_CLINC_PATH, err);
		return -1;
	}
	for (s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
		const char *path[] = { splits[s], NULL };
		yajl_val arr = yajl_tree_get(root, path, yajl_t_array);

		if (!arr) {
			fprintf(stderr, "%s: %s: no split %s\n", prog,
				DS_CLINC_PATH, splits[s]);
			goto out_free_tree;
		}
		for (i = 0; i < arr->u.array.len; i++) {
			yajl_val pair = arr->u.array.values[i];
			const char *text, *label = NULL;

			if (!YAJL_IS_ARRAY(pair) || pair->u.array.len < 1 ||
			    !YAJL_IS_STRING(pair->u.array.values[0])) {
				fprintf(stderr, "%s: %s: bad item\n", prog,
					DS_CLINC_PATH);
				goto out_free_tree;
			}
			text = YAJL_GET_STRING(pair->u.array.values[0]);
			if (pair->u.array.len >= 2 &&
			    YAJL_IS_STRING(pair->u.array.values[1]))
				label = YAJL_GET_STRING(pair->u.array.values[1]);
			if (fn(arg, "clinc", text, strlen(text), label) < 0)
				goto out_free_tree;
		}
	}
	rc = 0;
out_free_tree:
	yajl_tree_free(root);
	return rc;
}

/*
 * Reads the next field of RFC 4180 CSV at *p into field (unquoted, "" -> ")
 * and sets *eol when the record ends after it.  Returns -1 at the end.
 */
static inline int ds_csv_field(const char **p, const char *end, char *field,
			       size_t cap, size_t *flen, bool *eol)
{
	const char *s = *p;
	size_t n = 0;

	if (s >= end)
		return -1;
	if (*s == '"') {
		for (s++; s < end; s++) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (n + 1 < cap)
				field[n++] = *s;
		}
	} else {
		for (; s < end && *s != ',' && *s != '\n' && *s != '\r'; s++)
			if (n + 1 < cap)
				field[n++] = *s;
	}
	field[n] = '\0';
	*flen = n;
	*eol = s >= end || *s != ',';
	if (s < end && *s == ',') {
		s++;
	} else {
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
	}
	*p = s;
	return 0;
}

/*
 * Every text of BANKING77's train.csv (first column, header row skipped)
 * with its category.  Returns 0, or -1 (after a message) when the file is
 * missing or has fewer than 1,000 rows, or fn stopped.
 */
static inline int ds_each_banking77(const char *prog, ds_text_fn fn, void *arg)
{
	static char text[65536], field[65536], label[256];
	size_t len, tlen = 0, flen, col = 0, row = 0;
	char *buf = ds_read_all(DS_BANKING_PATH, &len);
	const char *p, *end;
	bool eol;
	int rc = 0;

	if (!buf) {
		fprintf(stderr, "%s: cannot read %s\n", prog, DS_BANKING_PATH);
		return -1;
	}
	p = buf;
	end = buf + len;
	while (ds_csv_field(&p, end, field, sizeof(field), &flen, &eol) == 0) {
		if (col == 0) {
			memcpy(text, field, flen + 1);
			tlen = flen;
		} else if (col == 1) {
			snprintf(label, sizeof(label), "%.*s", (int)sizeof(label) - 1, field);
		}
		col++;
		if (!eol)
			continue;
		if (row++ > 0 && col >= 2 &&
		    fn(arg, "banking", text, tlen, label) < 0) {
			rc = -1;
			break;
		}
		col = 0;
	}
	free(buf);
	if (row < 1000) {
		fprintf(stderr, "%s: %s: only %zu rows\n", prog, DS_BANKING_PATH,
			row);
		rc = -1;
	}
	return rc;
}

#endif
