/*
 * Pipeline: the worker's main loop, from Kafka to PostgreSQL and back.
 *
 *   consumer (poll, parse) -> screen (banking flag, redaction)
 *     -> plan -> applier (one transaction per part) -> erasures
 *     -> dead letters acknowledged -> offsets stored -> periodic jobs
 *
 * The calling thread polls, parses and screens the next batch while a
 * database thread applies the previous one over the connections given to
 * ct_pipeline_run() (batch.parallelism, split by session) and then runs
 * the periodic jobs (convtrack/jobs.h).  Batches are applied, and their
 * offsets stored, in order.  Transient failures of PostgreSQL or of the
 * dead-letter topic are retried with capped exponential backoff and never
 * skip a record; before partitions are revoked the batches in hand are
 * finished and their offsets committed.
 */
#ifndef CONVTRACK_PIPELINE_H
#define CONVTRACK_PIPELINE_H

#include <signal.h>
#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/consumer.h"
#include "convtrack/jobs.h"
#include "convtrack/redact.h"
#include "convtrack/repo.h"

struct ct_pipeline;

/*
 * Builds the pipeline over consumer (borrowed; must outlive it).  redact
 * (borrowed, may be NULL: nothing is redacted) is applied to every event
 * before it is stored, and to dead-letter payloads when
 * redact.dead_letter is on.  Returns 0 and sets *out, or -1 with a
 * message in err.
 */
int ct_pipeline_new(const struct ct_config *cfg, struct ct_consumer *consumer,
		    const struct ct_redact *redact, struct ct_pipeline **out,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Runs until *stop becomes non-zero (then finishes and commits the batches
 * in hand) or a fatal error.  repos[0..nrepos) (borrowed; at least one)
 * and jobs (borrowed; may be NULL) are used only by the database thread
 * while it runs.  Returns 0 after an orderly stop, -1 after a fatal error
 * (logged).
 */
int ct_pipeline_run(struct ct_pipeline *p, struct ct_repo *const *repos,
		    size_t nrepos, struct ct_jobs *jobs,
		    volatile sig_atomic_t *stop) __attribute__((warn_unused_result));

/* Frees p and the batches it still holds (never applied).  NULL: no-op. */
void ct_pipeline_free(struct ct_pipeline *p);

#endif
