-- convtrack schema, version 2: summaries (rules 7-10) and their publication.
--
-- A session is (re)summarized when summary_due_at has passed: the worker
-- sets it to "now + summary.grace_ms" whenever an event of an ended session
-- is applied, to "now" when the session's profile changes or a stale sweep
-- ends it.  The summarizer writes the summary and, when its value changed,
-- version n+1 and an outbox row in the same transaction; the publisher sends
-- outbox rows to Kafka and marks them sent once acknowledged.

ALTER TABLE agent_sessions
    ADD COLUMN stale_ended_at timestamptz,  -- set by the stale sweep (rule 8)
    ADD COLUMN summary_due_at timestamptz;  -- wall clock; NULL: nothing to do
CREATE INDEX agent_sessions_summary_due_idx ON agent_sessions (summary_due_at)
    WHERE summary_due_at IS NOT NULL;
CREATE INDEX agent_sessions_open_idx ON agent_sessions (last_event_at)
    WHERE ended_at IS NULL;

ALTER TABLE conversation_summaries
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    -- the summary's value (everything but version and times) as canonical
    -- JSON: a new version is written only when it changes
    ADD COLUMN value_json text;

-- Output events, written with their summary, sent by the publisher.
CREATE TABLE summary_outbox (
    id               bigserial PRIMARY KEY,
    event_id         uuid NOT NULL UNIQUE,   -- contract section 3
    session_id       uuid NOT NULL,
    summary_version  integer NOT NULL,
    payload          text NOT NULL,          -- the event exactly as published
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    attempts         integer NOT NULL DEFAULT 0
);
CREATE INDEX summary_outbox_unsent_idx ON summary_outbox (session_id, id)
    WHERE sent_at IS NULL;

-- Phone numbers and emails a caller gave for themself (rule 10), found by
-- the summarizer; candidates are derived from them and the profiles'
-- current numbers, so the result does not depend on which came first.
CREATE TABLE session_identity_mentions (
    session_id  uuid NOT NULL,
    signal      text NOT NULL CHECK (signal IN ('phone_number', 'email')),
    value       text NOT NULL,
    PRIMARY KEY (session_id, signal, value)
);
CREATE INDEX session_identity_mentions_value_idx
    ON session_identity_mentions (signal, value);

-- Rule 10 for the given anonymous profiles and authenticated profiles:
-- recomputes their profile_match_candidates rows (never merges).  Returns
-- the sessions whose candidates changed, so their summaries are redone.
CREATE FUNCTION ct_refresh_candidates(anon_ids uuid[], user_ids uuid[])
RETURNS TABLE (session_id uuid)
LANGUAGE sql AS $$
    WITH want AS (
        SELECT DISTINCT ON (a.id, u.id, m.signal)
               a.id AS profile_id, u.id AS candidate_profile_id,
               s.session_id, m.signal,
               CASE m.signal WHEN 'phone_number' THEN 0.9 ELSE 0.85 END AS confidence
          FROM session_identity_mentions m
          JOIN agent_sessions s ON s.session_id = m.session_id
                               AND s.authenticated_username IS NULL
          JOIN user_profiles a ON a.anonymous_id = s.anonymous_id
          JOIN user_profiles u ON u.profile_type = 'authenticated'
               AND ((m.signal = 'phone_number' AND u.phone_number = m.value)
                 OR (m.signal = 'email' AND lower(u.email) = lower(m.value)))
         WHERE a.id = ANY (anon_ids) OR u.id = ANY (user_ids)
         ORDER BY a.id, u.id, m.signal, s.started_at, s.session_id
    ), gone AS (
        DELETE FROM profile_match_candidates c
         WHERE (c.profile_id = ANY (anon_ids) OR c.candidate_profile_id = ANY (user_ids))
           AND NOT EXISTS (SELECT 1 FROM want w
                            WHERE w.profile_id = c.profile_id
                              AND w.candidate_profile_id = c.candidate_profile_id
                              AND w.signal = c.signal
                              AND w.session_id = c.session_id)
        RETURNING c.session_id
    ), added AS (
        INSERT INTO profile_match_candidates AS c
               (profile_id, candidate_profile_id, session_id, signal, confidence)
        SELECT profile_id, candidate_profile_id, session_id, signal, confidence
          FROM want
        ON CONFLICT (profile_id, candidate_profile_id, signal) DO UPDATE
           SET session_id = EXCLUDED.session_id, confidence = EXCLUDED.confidence
         WHERE (c.session_id, c.confidence) IS DISTINCT FROM
               (EXCLUDED.session_id, EXCLUDED.confidence)
        RETURNING c.session_id
    )
    SELECT session_id FROM gone UNION SELECT session_id FROM added;
$$;

-- Rule 9: profile_metadata from the newest summaries of the sessions
-- currently mapped to each profile: the latest name given (in event time),
-- topics with counts, the latest intent and sentiment, and the number of
-- summarized sessions.  Keys the rules do not know are kept.
CREATE FUNCTION ct_refresh_profile_metadata(ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE user_profiles p
       SET profile_metadata = (p.profile_metadata
               - 'name' - 'topics' - 'last_intent' - 'last_sentiment'
               - 'summarized_sessions')
             || jsonb_strip_nulls(jsonb_build_object(
                  'name', m.name, 'topics', m.topics,
                  'last_intent', m.last_intent,
                  'last_sentiment', m.last_sentiment,
                  'summarized_sessions', m.n)),
           updated_at = now()
      FROM (
        SELECT q.id,
               (SELECT c.extracted_info->>'user_name'
                  FROM agent_sessions s JOIN conversation_summaries c USING (session_id)
                 WHERE s.profile_id = q.id AND c.extracted_info->>'user_name' IS NOT NULL
                 ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1) AS name,
               (SELECT jsonb_object_agg(t, n) FROM (
                    SELECT t, count(*) AS n
                      FROM agent_sessions s JOIN conversation_summaries c USING (session_id)
                      CROSS JOIN unnest(c.topics) AS t
                     WHERE s.profile_id = q.id GROUP BY t) tc) AS topics,
               (SELECT c.extracted_info->>'primary_intent'
                  FROM agent_sessions s JOIN conversation_summaries c USING (session_id)
                 WHERE s.profile_id = q.id AND c.extracted_info->>'primary_intent' IS NOT NULL
                 ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1) AS last_intent,
               (SELECT c.sentiment
                  FROM agent_sessions s JOIN conversation_summaries c USING (session_id)
                 WHERE s.profile_id = q.id
                 ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1) AS last_sentiment,
               (SELECT count(*) FROM agent_sessions s JOIN conversation_summaries c USING (session_id)
                 WHERE s.profile_id = q.id) AS n
          FROM user_profiles q WHERE q.id = ANY (ids)
      ) m
     WHERE p.id = m.id
       AND p.profile_metadata IS DISTINCT FROM (p.profile_metadata
               - 'name' - 'topics' - 'last_intent' - 'last_sentiment'
               - 'summarized_sessions')
             || jsonb_strip_nulls(jsonb_build_object(
                  'name', m.name, 'topics', m.topics,
                  'last_intent', m.last_intent,
                  'last_sentiment', m.last_sentiment,
                  'summarized_sessions', m.n));
$$;
