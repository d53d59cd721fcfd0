/*
 * Metrics: a small process-wide registry rendered in the Prometheus text
 * exposition format (version 0.0.4), plus the readiness flags behind
 * /readyz.
 *
 * The registry is global on purpose, like Prometheus client libraries: the
 * pipeline, scheduler and publisher count what they do without a handle
 * threaded through every call, and the HTTP thread renders a consistent
 * snapshot under one mutex.  Series are identified by metric name and a
 * label string such as `topic="message"`; label values are escaped here.
 */
#ifndef CONVTRACK_METRICS_H
#define CONVTRACK_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* Adds v to a counter series (created at 0 on first use). */
void ct_metrics_inc(const char *name, const char *labels, double v);

/* Sets a gauge series. */
void ct_metrics_set(const char *name, const char *labels, double v);

/* Removes every series of a gauge (e.g. lag of partitions no longer owned). */
void ct_metrics_clear(const char *name);

/* Records one observation of a histogram (no labels). */
void ct_metrics_observe(const char *name, double v);

/* Records one observation of a histogram series with labels. */
void ct_metrics_observe_labeled(const char *name, const char *labels, double v);

/*
 * Formats one label pair into out (outlen bytes), escaping the value:
 * ct_metrics_label(buf, sizeof(buf), "topic", t) -> `topic="t"`.
 */
void ct_metrics_label(char *out, size_t outlen, const char *name,
		      const char *value);

/* The whole registry as exposition text; malloc'd, NULL when out of memory. */
char *ct_metrics_render(void);

/* Readiness: PostgreSQL reachable (last attempt succeeded). */
void ct_metrics_set_db_ok(bool ok);

/* Readiness: the consumer has joined its group and has an assignment. */
void ct_metrics_set_joined(bool joined);

/* True when both readiness conditions hold; why (may be NULL) says which not. */
bool ct_metrics_ready(const char **why);

#endif
