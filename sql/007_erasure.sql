-- convtrack schema, version 7: erasure of a profile (issue 6, item 2).
--
-- erase_profile() deletes a person: the profile, every anonymous profile
-- merged into it, their sessions with everything stored about them, and
-- their audit rows, in one transaction under the workers' advisory locks;
-- it leaves an 'erased' audit row, an erasure record without personal data,
-- a denylist entry per erased session and for the username, and a
-- profile_erased event in erasure_outbox.  The worker asks
-- ct_erasure_denied() for every batch, after taking its locks, so that a
-- replayed or late event of an erased session is dropped and never
-- resurrects it.
--
-- The denylist holds keyed hashes only (HMAC-SHA256 with redact.hash_key,
-- computed by the worker and the CLI, never by the database, which does
-- not know the key): 'session:<uuid>' and 'username:<name>'.

CREATE TABLE erasure_denylist (
    subject_hash   text PRIMARY KEY,      -- 64 hex digits of HMAC-SHA256
    kind           text NOT NULL CHECK (kind IN ('session', 'username')),
    -- a session: every event is dropped; a username: authenticated events
    -- that occurred before this instant (a later login is a new person)
    erased_before  timestamptz NOT NULL,
    erasure_id     uuid NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per erasure: what compliance can show without personal data.
CREATE TABLE profile_erasures (
    erasure_id     uuid PRIMARY KEY,      -- the request's event_id (CLI: random)
    source         text NOT NULL CHECK (source IN ('cli', 'topic')),
    subject_hash   text,                  -- keyed hash of the username, if any
    profile_ids    uuid[] NOT NULL,
    sessions       integer NOT NULL,
    messages       bigint NOT NULL,
    summaries      integer NOT NULL,
    requested_by   text NOT NULL,
    reason         text,
    requested_at   timestamptz,           -- occurred_at of the request
    erased_at      timestamptz NOT NULL DEFAULT now()
);

-- profile_erased events, written with the erasure, sent by the publisher
-- and marked sent once the broker acknowledged them.
CREATE TABLE erasure_outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    key         text NOT NULL,            -- Kafka key: the erased profile id
    payload     text NOT NULL,            -- the event exactly as published
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    attempts    integer NOT NULL DEFAULT 0
);
CREATE INDEX erasure_outbox_unsent_idx ON erasure_outbox (id) WHERE sent_at IS NULL;

-- The person an erasure request names: the authenticated profile of the
-- username, or the profile of the id.  NULL when there is none.  An
-- anonymous profile merged into an account is refused: erase the account.
CREATE FUNCTION ct_erasure_root(p_username text, p_profile uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r user_profiles;
BEGIN
    IF p_username IS NOT NULL THEN
        SELECT * INTO r FROM user_profiles WHERE username = p_username;
    ELSE
        SELECT * INTO r FROM user_profiles WHERE id = p_profile;
    END IF;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF r.merged_into_profile_id IS NOT NULL THEN
        RAISE EXCEPTION 'profile % is merged into %: erase that profile',
            r.id, r.merged_into_profile_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN r.id;
END;
$$;

-- What erasing root removes: ('p', id) for the profile and the anonymous
-- profiles merged into it, ('s', id) for the sessions mapped to any of them
-- or authenticated as its user (contract rule 3 makes these the same; both
-- are read so that a session whose profile is not derived yet is included).
CREATE FUNCTION ct_erasure_scope(root uuid)
RETURNS TABLE (kind text, id uuid)
LANGUAGE sql STABLE AS $$
    WITH p AS (
        SELECT u.id FROM user_profiles u
         WHERE u.id = root OR u.merged_into_profile_id = root
    )
    SELECT 'p', p.id FROM p
    UNION
    SELECT 's', s.session_id FROM agent_sessions s WHERE s.profile_id IN (SELECT id FROM p)
    UNION
    SELECT 's', a.session_id FROM session_authentications a
      JOIN user_profiles u ON u.username = a.username WHERE u.id = root;
$$;

-- Profiles and sessions whose advisory locks an erasure of the given
-- profiles and sessions takes: them, the profiles their sessions point to,
-- every profile of a session on the erased anonymous keys (another user's
-- session on a shared device), and the anonymous profiles holding match
-- candidates that point to them.
CREATE FUNCTION ct_erasure_lock_ids(profiles uuid[], sessions uuid[]) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT x), '{}') FROM (
        SELECT unnest(profiles) AS x
        UNION ALL SELECT unnest(sessions)
        UNION ALL SELECT s.profile_id FROM agent_sessions s
                   WHERE s.session_id = ANY (sessions)
        UNION ALL SELECT s.profile_id FROM agent_sessions s
                   JOIN user_profiles a ON a.anonymous_id = s.anonymous_id
                  WHERE a.id = ANY (profiles)
        UNION ALL SELECT c.profile_id FROM profile_match_candidates c
                   WHERE c.candidate_profile_id = ANY (profiles)
    ) l WHERE x IS NOT NULL;
$$;

-- Deletes what is stored about the given sessions: facts, messages,
-- summaries and their unsent and sent outbox rows (a sent row still holds
-- the summary's text), identity mentions, candidates found in them, and the
-- sessions.  A summary of another session that still names an erased
-- profile is deleted too and that session summarized again.  Returns the
-- number of messages and summaries deleted and the other anonymous profiles whose candidates lost a row.
CREATE FUNCTION ct_erasure_delete_sessions(sessions uuid[], profiles uuid[],
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

-- Recomputes what other profiles derived from erased rows: the candidates
-- of the anonymous profiles that pointed to an erased one (their ended
-- sessions are summarized again at once, without it), and statistics and
-- learned metadata of the surviving profiles among ids.
CREATE FUNCTION ct_erasure_refresh(holders uuid[], ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    WITH changed AS (
        SELECT session_id FROM ct_refresh_candidates(holders, '{}')
    )
    UPDATE agent_sessions s
       SET summary_due_at = LEAST(COALESCE(s.summary_due_at, now()), now())
     WHERE s.ended_at IS NOT NULL
       AND (s.session_id IN (SELECT session_id FROM changed)
            OR s.profile_id = ANY (holders));
    SELECT ct_refresh_profile_stats(ids || holders);
    SELECT ct_refresh_profile_metadata(ids || holders);
$$;

-- Adds keyed hashes to the denylist; a username erased again keeps the
-- latest instant.
CREATE FUNCTION ct_erasure_deny(hashes text[], kind text, erasure uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO erasure_denylist (subject_hash, kind, erased_before, erasure_id)
    SELECT DISTINCT h, kind, now(), erasure FROM unnest(hashes) AS h WHERE h IS NOT NULL
    ON CONFLICT (subject_hash) DO UPDATE
       SET erased_before = GREATEST(erasure_denylist.erased_before, EXCLUDED.erased_before),
           erasure_id = EXCLUDED.erasure_id;
$$;

-- The audit trail of the erased profiles is removed; one 'erased' row per
-- profile says that an erasure happened, without personal data.
CREATE FUNCTION ct_erasure_audit(profiles uuid[], root uuid, erasure uuid, actor text)
RETURNS void
LANGUAGE sql AS $$
    SELECT set_config('convtrack.erasing', 'on', true);
    DELETE FROM profile_audit WHERE profile_id = ANY (profiles);
    INSERT INTO profile_audit (profile_id, kind, event_id, actor, detail)
    SELECT p, 'erased', erasure, actor,
           jsonb_build_object('erasure_id', erasure,
                              'role', CASE WHEN p = root THEN 'subject' ELSE 'merged_device' END)
      FROM unnest(profiles) AS p;
$$;

-- Takes the advisory locks of ids, sorted, as the workers do.
CREATE FUNCTION ct_erasure_lock(ids uuid[]) RETURNS bigint
LANGUAGE sql AS $$
    SELECT count(pg_advisory_xact_lock(k))
      FROM unnest(ARRAY(SELECT DISTINCT ct_lock_key(x) FROM unnest(ids) AS x
                         ORDER BY 1)) AS k;
$$;

-- Erases the person root (from ct_erasure_root).  The caller read the
-- scope (ct_erasure_scope) beforehand and hashed every session id it found
-- (p_sessions, p_session_hashes) and the username (p_user_hash, NULL for an
-- anonymous profile); the database never sees the key.  Under the locks the
-- scope is read again: if it grew (a worker applied a new session of the
-- person meanwhile) the transaction fails with SQLSTATE 40001 and the
-- caller retries it whole.  Returns the profile_erased event's payload.
CREATE FUNCTION erase_profile(root uuid, p_sessions uuid[], p_session_hashes text[],
                              p_user_hash text, p_erasure uuid, p_event uuid,
                              p_source text, p_requested_by text, p_reason text,
                              p_requested_at timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    profiles uuid[];
    sessions uuid[];
    locked uuid[];
    d record;
    actor text := COALESCE(p_requested_by, current_user);
    payload text;
BEGIN
    SELECT array_agg(id) FILTER (WHERE kind = 'p'), COALESCE(array_agg(id) FILTER (WHERE kind = 's'), '{}')
      INTO profiles, sessions FROM ct_erasure_scope(root);
    IF profiles IS NULL THEN
        RAISE EXCEPTION 'erase_profile: no profile %', root
            USING ERRCODE = 'no_data_found';
    END IF;
    locked := ct_erasure_lock_ids(profiles, sessions);
    PERFORM ct_erasure_lock(locked);

    -- under the locks: the scope may only have shrunk
    SELECT array_agg(id) FILTER (WHERE kind = 'p'), COALESCE(array_agg(id) FILTER (WHERE kind = 's'), '{}')
      INTO profiles, sessions FROM ct_erasure_scope(root);
    IF profiles IS NULL THEN
        RAISE EXCEPTION 'erase_profile: profile % was erased meanwhile', root
            USING ERRCODE = 'serialization_failure';
    END IF;
    IF NOT (sessions <@ p_sessions)
       OR NOT (ct_erasure_lock_ids(profiles, sessions) <@ locked) THEN
        RAISE EXCEPTION 'erase_profile: the scope of % changed; retry', root
            USING ERRCODE = 'serialization_failure';
    END IF;

    SELECT * INTO d FROM ct_erasure_delete_sessions(sessions, profiles);
    DELETE FROM profile_merge_overrides
     WHERE anonymous_profile_id = ANY (profiles) OR target_profile_id = ANY (profiles);
    DELETE FROM session_authentications a USING user_profiles u
     WHERE u.id = root AND a.username = u.username;
    DELETE FROM user_profiles WHERE id = ANY (profiles);
    PERFORM ct_erasure_audit(profiles, root, p_erasure, actor);
    PERFORM ct_erasure_deny(ARRAY(SELECT h FROM unnest(p_sessions, p_session_hashes) AS t(s, h)
                                   WHERE s = ANY (sessions)), 'session', p_erasure);
    PERFORM ct_erasure_deny(ARRAY[p_user_hash], 'username', p_erasure);
    PERFORM ct_erasure_refresh(d.holders,
                               ARRAY(SELECT x FROM unnest(locked) AS x
                                      WHERE x <> ALL (profiles) AND x <> ALL (sessions)));

    INSERT INTO profile_erasures (erasure_id, source, subject_hash, profile_ids,
                                  sessions, messages, summaries, requested_by,
                                  reason, requested_at)
    VALUES (p_erasure, p_source, p_user_hash, profiles, cardinality(sessions),
            d.messages, d.summaries, actor, p_reason, p_requested_at);

    payload := jsonb_build_object(
        'event_id', p_event,
        'event_type', 'profile_erased',
        'schema_version', 1,
        'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'erasure_id', p_erasure,
        'profile_id', root,
        'profile_ids', to_jsonb(profiles),
        'subject_hash', p_user_hash,
        'source', p_source,
        'sessions', cardinality(sessions),
        'messages', d.messages,
        'summaries', d.summaries)::text;
    INSERT INTO erasure_outbox (event_id, key, payload)
    VALUES (p_event, root::text, payload)
    ON CONFLICT (event_id) DO NOTHING;
    RETURN payload;
END;
$$;

-- The worker's check, after it took its locks: which sessions of a batch
-- must be dropped.  $1/$2 the batch's sessions and their keyed hashes,
-- $3..$5 its authenticated events (session, hash of the username, time).
-- A session is dropped when it was erased, or when it authenticated as an
-- erased user before the erasure: such a session (a call still in flight
-- when the erasure ran) is erased too, here, and denylisted.  Costs one
-- probe of an empty table while nothing was ever erased.
CREATE FUNCTION ct_erasure_denied(sessions uuid[], session_hashes text[],
                                  auth_sessions uuid[], auth_hashes text[],
                                  auth_at timestamptz[])
RETURNS TABLE (session_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    late uuid[];
    late_hashes text[];
    late_profiles uuid[];
    gone uuid[];
    d record;
    erasure uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM erasure_denylist) THEN
        RETURN;
    END IF;
    SELECT array_agg(DISTINCT a.s), min(e.erasure_id::text)::uuid INTO late, erasure
      FROM unnest(auth_sessions, auth_hashes, auth_at) AS a(s, h, at)
      JOIN erasure_denylist e ON e.subject_hash = a.h AND e.kind = 'username'
     WHERE a.at < e.erased_before;
    IF late IS NOT NULL THEN
        SELECT array_agg(t.h) INTO late_hashes
          FROM unnest(sessions, session_hashes) AS t(s, h) WHERE t.s = ANY (late);
        SELECT COALESCE(array_agg(DISTINCT x), '{}') INTO late_profiles FROM (
            SELECT s.profile_id AS x FROM agent_sessions s WHERE s.session_id = ANY (late)
            UNION ALL SELECT p.id FROM agent_sessions s
              JOIN user_profiles p ON p.anonymous_id = s.anonymous_id
             WHERE s.session_id = ANY (late)) l WHERE x IS NOT NULL;
        SELECT * INTO d FROM ct_erasure_delete_sessions(late, '{}');
        PERFORM ct_erasure_deny(late_hashes, 'session', erasure);
        -- a device profile created by the late session alone goes with it
        SELECT array_agg(p.id) INTO gone FROM user_profiles p
         WHERE p.id = ANY (late_profiles) AND p.profile_type = 'anonymous'
           AND p.merged_into_profile_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM agent_sessions s WHERE s.anonymous_id = p.anonymous_id)
           AND NOT EXISTS (SELECT 1 FROM profile_merge_overrides o
                            WHERE o.anonymous_profile_id = p.id OR o.target_profile_id = p.id)
           AND NOT EXISTS (SELECT 1 FROM profile_match_candidates c
                            WHERE c.profile_id = p.id OR c.candidate_profile_id = p.id);
        IF gone IS NOT NULL THEN
            DELETE FROM user_profiles WHERE id = ANY (gone);
            PERFORM ct_erasure_audit(gone, NULL, erasure, 'worker');
        END IF;
        PERFORM ct_erasure_refresh(d.holders, late_profiles);
    END IF;
    RETURN QUERY
        SELECT t.s FROM unnest(sessions, session_hashes) AS t(s, h)
          JOIN erasure_denylist e ON e.subject_hash = t.h AND e.kind = 'session';
END;
$$;
