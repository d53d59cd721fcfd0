-- convtrack schema, version 15: the message-id registry (issue 18, cost
-- that does not grow with history; docs/history-cost.md).
--
-- conversation_messages had PRIMARY KEY (message_id).  Message ids are
-- random, so every new message went to a random leaf of that index, and
-- once the index outgrew what one checkpoint interval touches, every
-- message cost a full-page image in the WAL and, often, a read.  Now:
--
--   message_ids    every stored message's id and session, partitioned by
--                  run.  New ids go only into the open run, whose unique
--                  index stays small; sealed runs are only read (and
--                  deleted from by erasure).
--   message_id_runs  one row per run: sealed or open, and the Bloom
--                  filter of a sealed run (include/convtrack/bloom.h),
--                  which workers hold in memory so that they read a
--                  sealed run only for the ids that may be in it.
--   message_id_registry  the open run and a generation.  A batch takes
--                  an advisory lock shared before it reads them, and
--                  sealing takes it exclusively: no id moves out of the
--                  open run while a batch is between its checks and its
--                  inserts.  A seal or a new filter increases the
--                  generation, which tells workers to reload.
--
-- A message id is still stored once, and one stored under another session
-- is still a message_id_conflict: the worker checks every run (the open
-- one by its unique index, the sealed ones by filter and probe) before it
-- writes.  conversation_messages keeps its session index; a stored
-- message is found by (session_id, message_id) through it.
--
-- Migrating an existing database copies every (message_id, session_id)
-- into run 1 and builds its index once, sorted; `convtrack migrate` then
-- builds run 1's filter.  docs/history-cost.md gives the time per million
-- rows.

-- Old workers must be stopped first (deploy/README.md, "Upgrading to
-- schema 15"): they would go on writing messages without registering
-- their ids.  The lock makes a worker that is still running wait, or fail,
-- rather than write between the copy into run 1 and the end.
LOCK TABLE conversation_messages, message_redactions IN EXCLUSIVE MODE;

CREATE TABLE message_id_registry (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generation  bigint NOT NULL DEFAULT 1,
    open_run    integer NOT NULL
);

CREATE TABLE message_id_runs (
    run         integer PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sealed_at   timestamptz,   -- NULL: the open run (or, schema 16, a merging one)
    ids         bigint,        -- ids in the run when its filter was built
    filter      bytea          -- NULL: not built yet (every id may be in it)
);
-- random bits do not compress: store them as they are
ALTER TABLE message_id_runs ALTER COLUMN filter SET STORAGE EXTERNAL;

CREATE TABLE message_ids (
    run         integer NOT NULL,
    message_id  uuid NOT NULL,
    session_id  uuid NOT NULL
) PARTITION BY LIST (run);

COMMENT ON TABLE message_ids IS
'Every stored message id with its session, by run (sql/015_message_registry.sql).';

-- Opens run r: its table and unique index, built apart and then attached
-- as a partition, which takes only SHARE UPDATE EXCLUSIVE on message_ids
-- (CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE, and so wait
-- for every reader and writer of the registry while holding its lock).
-- The CHECK constraint spares the attach its scan.  SECURITY DEFINER, so
-- that the worker (convtrack_worker has no DDL) can seal a run; it can do
-- nothing else with it.  pg_catalog.format: a function of that name that
-- someone created in public would otherwise be a candidate.
CREATE FUNCTION ct_registry_create_run(r integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE TABLE message_ids_r%s (run integer NOT NULL'
                              ' CHECK (run = %s), message_id uuid NOT NULL,'
                              ' session_id uuid NOT NULL)', r, r);
    EXECUTE pg_catalog.format('CREATE UNIQUE INDEX message_ids_r%s_id'
                              ' ON message_ids_r%s (message_id)', r, r);
    EXECUTE pg_catalog.format('ALTER TABLE message_ids ATTACH PARTITION'
                              ' message_ids_r%s FOR VALUES IN (%s)', r, r);
    INSERT INTO message_id_runs (run) VALUES (r);
END;
$$;

-- Seals the open run when it is still open_run (another worker may have
-- sealed it meanwhile: then nothing happens) and opens the next.  Returns
-- the sealed run, or NULL.
CREATE FUNCTION ct_registry_seal(expected integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cur integer;
    nxt integer;
BEGIN
    -- every batch holds this lock shared from before it reads open_run
    -- until it commits (src/store/repo_registry.c)
    PERFORM pg_advisory_xact_lock(1668442223, 1);
    SELECT open_run INTO cur FROM message_id_registry FOR UPDATE;
    IF cur IS DISTINCT FROM expected THEN
        RETURN NULL;
    END IF;
    -- new run numbers come from one place, under this lock: the next
    -- after every run there is (merges, schema 16, take numbers too)
    SELECT max(run) + 1 INTO nxt FROM message_id_runs;
    PERFORM ct_registry_create_run(nxt);
    UPDATE message_id_runs SET sealed_at = now() WHERE run = cur;
    UPDATE message_id_registry SET open_run = nxt, generation = generation + 1;
    RETURN cur;
END;
$$;

-- Only sealing creates a run (convtrack_worker has no DDL of its own);
-- a new function is executable by PUBLIC whatever the schema's defaults.
REVOKE EXECUTE ON FUNCTION ct_registry_create_run(integer)
    FROM PUBLIC, convtrack_worker, convtrack_operator;
REVOKE EXECUTE ON FUNCTION ct_registry_seal(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_registry_seal(integer)
    TO convtrack_worker, convtrack_operator;

-- Run 1: the ids stored so far, built once, sorted.
CREATE TABLE message_ids_r1 PARTITION OF message_ids FOR VALUES IN (1);
ALTER TABLE message_ids_r1 ADD CHECK (run = 1);
INSERT INTO message_ids_r1 (run, message_id, session_id)
    SELECT 1, message_id, session_id FROM conversation_messages;
CREATE UNIQUE INDEX message_ids_r1_id ON message_ids_r1 (message_id)
    WITH (fillfactor = 100);
INSERT INTO message_id_runs (run, sealed_at) VALUES (1, now());
SELECT ct_registry_create_run(2);
INSERT INTO message_id_registry (open_run) VALUES (2);

-- message_redactions found its message by the message's primary key; it
-- now carries the session, and erasure deletes its rows itself.
ALTER TABLE message_redactions ADD COLUMN session_id uuid;
UPDATE message_redactions r SET session_id = m.session_id
  FROM conversation_messages m WHERE m.message_id = r.message_id;
DELETE FROM message_redactions WHERE session_id IS NULL;
ALTER TABLE message_redactions ALTER COLUMN session_id SET NOT NULL;
ALTER TABLE message_redactions DROP CONSTRAINT message_redactions_message_id_fkey;
CREATE INDEX message_redactions_session_id_idx ON message_redactions (session_id);

CREATE OR REPLACE VIEW message_redactions_current AS
    SELECT r.message_id, m.session_id, r.version_event_id, r.spans
      FROM message_redactions r
      JOIN conversation_messages m ON m.session_id = r.session_id
                                  AND m.message_id = r.message_id
                                  AND m.version_event_id = r.version_event_id;

ALTER TABLE conversation_messages DROP CONSTRAINT conversation_messages_pkey;

-- Erasure as in 007_erasure.sql, and the erased messages' ids leave the
-- registry (a redelivery of an erased message is then new, as before) and
-- their redaction spans go with them.
CREATE OR REPLACE FUNCTION ct_erasure_delete_sessions(sessions uuid[], profiles uuid[],
                                           OUT messages bigint, OUT summaries integer,
                                           OUT holders uuid[])
LANGUAGE plpgsql AS $$
BEGIN
    -- the merge ledger's and audit trail's own triggers scrub what names
    -- these sessions and profiles; they allow it only during an erasure
    PERFORM set_config('convtrack.erasing', 'on', true);
    DELETE FROM summary_outbox WHERE session_id = ANY (sessions);
    WITH d AS (DELETE FROM conversation_summaries
                WHERE session_id = ANY (sessions) OR profile_id = ANY (profiles)
                RETURNING session_id),
         redo AS (UPDATE agent_sessions s SET summary_due_at = now()
                   WHERE s.session_id IN (SELECT session_id FROM d)
                     AND s.session_id <> ALL (sessions) AND s.ended_at IS NOT NULL)
    SELECT count(*) INTO summaries FROM d WHERE d.session_id = ANY (sessions);
    DELETE FROM message_redactions WHERE session_id = ANY (sessions);
    -- wait for a merge's copy of registry rows (sql/016_registry_merge.sql)
    -- in a statement of its own, so that the DELETE's snapshot, taken
    -- after, sees the copied rows too
    PERFORM pg_advisory_xact_lock_shared(1668442225, 0);
    DELETE FROM message_ids WHERE message_id = ANY (ARRAY(
        SELECT message_id FROM conversation_messages WHERE session_id = ANY (sessions)));
    WITH d AS (DELETE FROM conversation_messages WHERE session_id = ANY (sessions)
                RETURNING 1)
    SELECT count(*) INTO messages FROM d;
    DELETE FROM session_identity_mentions WHERE session_id = ANY (sessions);
    WITH d AS (DELETE FROM profile_match_candidates
                WHERE profile_id = ANY (profiles)
                   OR candidate_profile_id = ANY (profiles)
                   OR session_id = ANY (sessions)
                RETURNING profile_id)
    SELECT COALESCE(array_agg(DISTINCT d.profile_id)
                    FILTER (WHERE d.profile_id <> ALL (profiles)), '{}')
      INTO holders FROM d;
    DELETE FROM participant_joins WHERE session_id = ANY (sessions);
    DELETE FROM session_authentications WHERE session_id = ANY (sessions);
    DELETE FROM call_ends WHERE session_id = ANY (sessions);
    DELETE FROM agent_sessions WHERE session_id = ANY (sessions);
END;
$$;
