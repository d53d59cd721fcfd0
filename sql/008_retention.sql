-- convtrack schema, version 8: retention of message text (issue 6, item 5;
-- docs/privacy-retention.md).
--
-- With retention.messages_days set, the worker removes the text of every
-- message whose occurred_at is older than the limit.  The row stays as a
-- tombstone (content '', purged_at set; ids, role, seq, times and the
-- banking flag kept), so that:
--   - a replayed or redelivered message hits ON CONFLICT and is neither
--     inserted nor counted again (message_count, total_messages unchanged);
--   - its text cannot come back: the worker's upsert leaves a purged row
--     alone (src/repo.c, SQL_MESSAGES);
--   - summaries, statistics and analytics keep their inputs.
--
-- A session any of whose text was purged is marked (text_purged_at); the
-- summarizer never summarizes it again, so its summary is not recomputed
-- from what is left.
--
-- Finding the work: a pass has one cutoff C = now() - messages_days.  A
-- session needs a look when it was never checked, when the last check's
-- cutoff did not reach its last event (some text was too young then), or
-- when a message was inserted since (message_count moved: a late message
-- with an old timestamp).  The partial index below holds exactly those
-- sessions among the ended ones, ordered by start, so a pass never scans
-- sessions already done.  Open sessions are left out of it on purpose: they
-- are the rows every batch rewrites, and an index entry per rewrite would
-- cost the event path; the few open sessions (calls in progress, calls not
-- yet swept as stale) are found through agent_sessions_open_idx instead.
-- A session enters the index when it ends, so the event path pays about
-- one index entry per session, never one per message or per batch.

ALTER TABLE conversation_messages
    ADD COLUMN purged_at timestamptz;   -- text removed by retention (content '')

ALTER TABLE agent_sessions
    ADD COLUMN text_purged_at timestamptz,      -- first purge of some of its text
    ADD COLUMN retention_cutoff timestamptz,    -- cutoff of the last check
    ADD COLUMN retention_message_count integer; -- message_count at that check

CREATE INDEX agent_sessions_retention_idx ON agent_sessions (started_at)
    WHERE ended_at IS NOT NULL
      AND (retention_cutoff IS NULL OR retention_cutoff <= last_event_at
           OR retention_message_count IS DISTINCT FROM message_count);

-- One batch of a retention pass with cutoff `cutoff`: checks at most
-- max_sessions sessions that need a look, purges the text of their
-- messages older than the cutoff, removes what was recorded about that
-- text (message_redactions, when the redaction migration created it) and
-- marks the sessions.  Returns the sessions checked, the sessions with text
-- purged and the messages purged; 0 sessions checked means the pass is done.
--
-- Several workers: a session is taken only when its advisory lock (the
-- applier's and summarizer's per-session lock, ct_lock_key) is free
-- (pg_try_advisory_xact_lock), so two passes never take the same session,
-- a pass never waits for a batch or a summary, and a batch that wants the
-- session waits at most for this one transaction.  Under the lock, a
-- message is purged only while purged_at IS NULL: each row is purged once.
CREATE FUNCTION ct_retention_purge(cutoff timestamptz, max_sessions int)
RETURNS TABLE (checked int, sessions int, messages int)
LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
    mids uuid[];
    sids uuid[];
BEGIN
    -- ended sessions in start order through agent_sessions_retention_idx
    -- (each arm limited, so the index scan stops early), open ones through
    -- agent_sessions_open_idx; oldest first
    SELECT coalesce(array_agg(l.session_id), '{}') INTO ids FROM (
        SELECT c.session_id FROM (
            (SELECT s.session_id, s.started_at FROM agent_sessions s
              WHERE s.ended_at IS NOT NULL
                AND (s.retention_cutoff IS NULL
                     OR s.retention_cutoff <= s.last_event_at
                     OR s.retention_message_count IS DISTINCT FROM s.message_count)
                AND s.started_at < cutoff
                AND (s.retention_cutoff IS NULL OR s.retention_cutoff < cutoff
                     OR s.retention_message_count IS DISTINCT FROM s.message_count)
              ORDER BY s.started_at LIMIT max_sessions * 4)
            UNION ALL
            (SELECT s.session_id, s.started_at FROM agent_sessions s
              WHERE s.ended_at IS NULL AND s.started_at < cutoff
                AND (s.retention_cutoff IS NULL OR s.retention_cutoff < cutoff
                     OR s.retention_message_count IS DISTINCT FROM s.message_count)
              ORDER BY s.started_at LIMIT max_sessions * 4)
            ORDER BY started_at
            LIMIT max_sessions * 4
        ) c
        WHERE pg_try_advisory_xact_lock(ct_lock_key(c.session_id))
        LIMIT max_sessions
    ) l;
    IF cardinality(ids) = 0 THEN
        RETURN QUERY SELECT 0, 0, 0;
        RETURN;
    END IF;

    WITH p AS (
        UPDATE conversation_messages m SET content = '', purged_at = now()
         WHERE m.session_id = ANY (ids) AND m.occurred_at < cutoff
           AND m.purged_at IS NULL
        RETURNING m.message_id, m.session_id
    )
    SELECT coalesce(array_agg(p.message_id), '{}'),
           coalesce(array_agg(DISTINCT p.session_id), '{}')
      INTO mids, sids FROM p;

    IF cardinality(mids) > 0 AND to_regclass('message_redactions') IS NOT NULL THEN
        EXECUTE 'DELETE FROM message_redactions WHERE message_id = ANY ($1)'
          USING mids;
    END IF;

    UPDATE agent_sessions s
       SET retention_cutoff = cutoff,
           retention_message_count = s.message_count,
           text_purged_at = CASE WHEN s.session_id = ANY (sids)
                                 THEN coalesce(s.text_purged_at, now())
                                 ELSE s.text_purged_at END
     WHERE s.session_id = ANY (ids);

    RETURN QUERY SELECT cardinality(ids), cardinality(sids), cardinality(mids);
END;
$$;

COMMENT ON COLUMN conversation_messages.purged_at IS
    'When retention removed the text (content is then empty); NULL: text kept';
COMMENT ON COLUMN agent_sessions.text_purged_at IS
    'When retention first removed text of this session; its summary is never recomputed';
