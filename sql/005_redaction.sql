-- convtrack schema, version 5: redaction before storage (issue 6, item 1;
-- docs/privacy-redaction.md).
--
-- The worker redacts message content before it writes it: what reaches
-- conversation_messages has placeholders ("[CARD]", "[PHONE:3f2a...]")
-- instead of values.  What was redacted is kept here as types and byte
-- offsets, never values, for the messages that had something redacted.
--
-- Recognition (rule 10) keeps working on redacted text: a phone number or
-- email in a message becomes a keyed hash (HMAC-SHA256 with
-- redact.hash_key, first 16 hex digits), the summarizer records that hash
-- in session_identity_mentions, and the worker computes the same hash of
-- every authenticated event's phone and email, so candidates match on
-- hashes.  Clear values (redact.*_mode = keep) keep matching as before.

-- The keyed hashes of the authenticated event's phone and email, computed
-- by the worker (the key never reaches PostgreSQL); NULL when there is no
-- key, no value, or the value is no phone number / email.
ALTER TABLE session_authentications
    ADD COLUMN phone_hash text,
    ADD COLUMN email_hash text;

-- Rule 6 keeps them in step with phone_number and email (the latest
-- authenticated event carrying each).
ALTER TABLE user_profiles
    ADD COLUMN phone_hash text,
    ADD COLUMN email_hash text;
CREATE INDEX user_profiles_phone_hash_idx ON user_profiles (phone_hash)
    WHERE phone_hash IS NOT NULL;
CREATE INDEX user_profiles_email_hash_idx ON user_profiles (email_hash)
    WHERE email_hash IS NOT NULL;

-- What was redacted from a message: one row per message that had a span,
-- for the version of its content that is stored (rule 6's last writer:
-- version_event_id is the conversation_messages row's when the row is
-- current).  spans is a JSON array of {"type", "start", "end",
-- "stored_start", "stored_end"}: byte offsets in the text as received and
-- in the stored text.  A corrected transcript replaces its spans; erasure
-- or retention deleting a message deletes its spans.
CREATE TABLE message_redactions (
    message_id        uuid PRIMARY KEY
                      REFERENCES conversation_messages (message_id) ON DELETE CASCADE,
    version_event_id  uuid NOT NULL,
    version_at        timestamptz NOT NULL,
    spans             jsonb NOT NULL CHECK (jsonb_typeof(spans) = 'array'),
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- The spans of the stored version of each message.  A row of the table can
-- describe an older version only when a correction without anything to
-- redact arrived in a batch where no message had anything either (the
-- worker reconciles spans only in batches that have some); this view
-- never shows such a row.
CREATE VIEW message_redactions_current AS
    SELECT r.message_id, m.session_id, r.version_event_id, r.spans
      FROM message_redactions r
      JOIN conversation_messages m ON m.message_id = r.message_id
                                  AND m.version_event_id = r.version_event_id;

-- Rule 10, as in 002_summaries.sql, matching a mention on the clear value
-- or on its keyed hash.
CREATE OR REPLACE FUNCTION ct_refresh_candidates(anon_ids uuid[], user_ids uuid[])
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
               AND ((m.signal = 'phone_number'
                     AND (u.phone_number = m.value OR u.phone_hash = m.value))
                 OR (m.signal = 'email'
                     AND (lower(u.email) = lower(m.value) OR u.email_hash = m.value)))
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
