-- convtrack schema, version 1: the tables of contract section 4, the fact
-- tables that make every derived column a function of the events received
-- (so any arrival order converges to the same state), and merge_profiles().
--
-- Derived columns (session key, session profile, merges, statistics) are
-- recomputed from the facts by the functions at the end of this file; the
-- worker calls them for the rows a batch touches, and merge_profiles() uses
-- the same functions, so there is one definition of each contract rule.

CREATE TABLE user_profiles (
    id                      uuid PRIMARY KEY,
    profile_type            text NOT NULL
                            CHECK (profile_type IN ('authenticated', 'anonymous')),
    anonymous_id            text UNIQUE,      -- an anonymous profile's key (rule 1)
    username                text UNIQUE,      -- an authenticated profile's identity
    phone_number            text,
    email                   text,
    profile_metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    total_sessions          integer NOT NULL DEFAULT 0,
    total_messages          bigint NOT NULL DEFAULT 0,
    merged_into_profile_id  uuid REFERENCES user_profiles (id),
    first_seen_at           timestamptz,
    last_seen_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((profile_type = 'anonymous') = (anonymous_id IS NOT NULL)),
    CHECK ((profile_type = 'authenticated') = (username IS NOT NULL)),
    CHECK (merged_into_profile_id IS NULL OR profile_type = 'anonymous')
);
CREATE INDEX user_profiles_merged_into_idx ON user_profiles (merged_into_profile_id)
    WHERE merged_into_profile_id IS NOT NULL;
CREATE INDEX user_profiles_phone_idx ON user_profiles (phone_number)
    WHERE phone_number IS NOT NULL;
CREATE INDEX user_profiles_email_idx ON user_profiles (email)
    WHERE email IS NOT NULL;

CREATE TABLE agent_sessions (
    session_id              uuid PRIMARY KEY,
    room_id                 text,
    participant_id          text,
    anonymous_id            text,             -- the session's key (rule 1)
    profile_id              uuid REFERENCES user_profiles (id),
    started_at              timestamptz,      -- earliest event of the session
    ended_at                timestamptz,
    end_reason              text,
    authenticated_username  text,             -- user of the earliest authenticated
    -- convtrack's own columns
    auth_at                 timestamptz,      -- that earliest authenticated event
    auth_event_id           uuid,
    last_event_at           timestamptz,      -- latest event of the session
    duration_seconds        double precision, -- from the latest call_ended carrying it
    message_count           integer NOT NULL DEFAULT 0,
    last_applied_at         timestamptz NOT NULL DEFAULT now(), -- wall clock
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_sessions_anonymous_id_idx ON agent_sessions (anonymous_id);
CREATE INDEX agent_sessions_profile_id_idx ON agent_sessions (profile_id);

CREATE TABLE conversation_messages (
    message_id        uuid PRIMARY KEY,
    session_id        uuid NOT NULL,
    role              text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    content           text NOT NULL,
    seq               bigint CHECK (seq >= 0),
    occurred_at       timestamptz NOT NULL,  -- earliest event of this message
    is_banking_query  boolean,               -- NULL until the text rules classify it
    -- last writer in event time (rule 6): the event that set role/content,
    -- and the event that set seq
    version_at        timestamptz NOT NULL,
    version_event_id  uuid NOT NULL,
    seq_at            timestamptz,
    seq_event_id      uuid,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_messages_session_idx
    ON conversation_messages (session_id, occurred_at, seq, message_id);

CREATE TABLE conversation_summaries (
    session_id         uuid PRIMARY KEY,
    profile_id         uuid REFERENCES user_profiles (id),
    summary            text NOT NULL,
    extracted_info     jsonb NOT NULL DEFAULT '{}'::jsonb,
    sentiment          text CHECK (sentiment IN ('positive', 'neutral', 'negative')),
    resolution_status  text CHECK (resolution_status IN ('resolved', 'escalated', 'incomplete')),
    topics             text[] NOT NULL DEFAULT '{}',
    message_count      integer NOT NULL DEFAULT 0,
    duration_seconds   double precision,
    summary_version    integer NOT NULL DEFAULT 1 CHECK (summary_version >= 1),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_summaries_profile_idx
    ON conversation_summaries (profile_id, created_at DESC);

CREATE TABLE profile_match_candidates (
    profile_id            uuid NOT NULL REFERENCES user_profiles (id),
    candidate_profile_id  uuid NOT NULL REFERENCES user_profiles (id),
    session_id            uuid NOT NULL,
    signal                text NOT NULL,
    confidence            double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, candidate_profile_id, signal)
);

-- Facts: every valid input event except messages, stored once by event_id.
CREATE TABLE participant_joins (
    event_id        uuid PRIMARY KEY,
    session_id      uuid NOT NULL,
    occurred_at     timestamptz NOT NULL,
    room_id         text NOT NULL,
    participant_id  text NOT NULL,
    anonymous_id    text,                 -- as sent
    anonymous_key   text NOT NULL,        -- rule 1 key of this event
    metadata        jsonb
);
CREATE INDEX participant_joins_session_idx
    ON participant_joins (session_id, occurred_at, event_id);

CREATE TABLE session_authentications (
    event_id      uuid PRIMARY KEY,
    session_id    uuid NOT NULL,
    occurred_at   timestamptz NOT NULL,
    username      text NOT NULL,
    phone_number  text,
    email         text
);
CREATE INDEX session_authentications_session_idx
    ON session_authentications (session_id, occurred_at, event_id);
CREATE INDEX session_authentications_username_idx
    ON session_authentications (username, occurred_at, event_id);

CREATE TABLE call_ends (
    event_id          uuid PRIMARY KEY,
    session_id        uuid NOT NULL,
    occurred_at       timestamptz NOT NULL,
    reason            text CHECK (reason IN ('hangup', 'timeout', 'error', 'transfer')),
    duration_seconds  double precision CHECK (duration_seconds >= 0)
);
CREATE INDEX call_ends_session_idx ON call_ends (session_id, occurred_at, event_id);

-- Rule 11: an operator's decision for an anonymous profile wins over rule 2.
CREATE TABLE profile_merge_overrides (
    anonymous_profile_id  uuid PRIMARY KEY REFERENCES user_profiles (id),
    target_profile_id     uuid REFERENCES user_profiles (id),  -- NULL: unmerged
    decided_by            text NOT NULL DEFAULT current_user,
    decided_at            timestamptz NOT NULL DEFAULT now()
);

-- The advisory lock key of a profile or session id: its first 64 bits.
-- The worker computes the same value in C.
CREATE FUNCTION ct_lock_key(id uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || substr(replace(id::text, '-', ''), 1, 16))::bit(64)::bigint
$$;

-- Rule 2 and 11 for the given anonymous keys: sets merged_into_profile_id.
CREATE FUNCTION ct_refresh_merges(keys text[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE user_profiles p
       SET merged_into_profile_id = t.target, updated_at = now()
      FROM (
        SELECT a.id,
               CASE WHEN o.anonymous_profile_id IS NOT NULL THEN o.target_profile_id
                    ELSE (SELECT u.id
                            FROM agent_sessions s
                            JOIN user_profiles u ON u.username = s.authenticated_username
                           WHERE s.anonymous_id = a.anonymous_id
                             AND s.authenticated_username IS NOT NULL
                           ORDER BY s.auth_at, s.auth_event_id
                           LIMIT 1)
               END AS target
          FROM user_profiles a
          LEFT JOIN profile_merge_overrides o ON o.anonymous_profile_id = a.id
         WHERE a.anonymous_id = ANY (keys)
      ) t
     WHERE p.id = t.id
       AND p.merged_into_profile_id IS DISTINCT FROM t.target;
$$;

-- Rule 3 for the sessions whose key is in keys or whose id is in sessions.
-- Returns the sessions whose profile changed with their old and new profile.
CREATE FUNCTION ct_refresh_session_profiles(keys text[], sessions uuid[])
RETURNS TABLE (session_id uuid, old_profile_id uuid, new_profile_id uuid)
LANGUAGE sql AS $$
    WITH target AS (
        SELECT s.session_id, s.profile_id AS old_profile,
               COALESCE(u.id, a.merged_into_profile_id, a.id) AS new_profile
          FROM agent_sessions s
          LEFT JOIN user_profiles u ON u.username = s.authenticated_username
          LEFT JOIN user_profiles a ON a.anonymous_id = s.anonymous_id
         WHERE s.anonymous_id = ANY (keys) OR s.session_id = ANY (sessions)
    ), changed AS (
        UPDATE agent_sessions s
           SET profile_id = t.new_profile, updated_at = now()
          FROM target t
         WHERE s.session_id = t.session_id
           AND s.profile_id IS DISTINCT FROM t.new_profile
        RETURNING s.session_id, t.old_profile, t.new_profile
    )
    SELECT * FROM changed;
$$;

-- Rule 4 for the given profiles.  A merged anonymous profile keeps the
-- statistics of its device's history: the sessions whose key is its key.
CREATE FUNCTION ct_refresh_profile_stats(ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE user_profiles p
       SET total_sessions = st.sessions, total_messages = st.messages,
           first_seen_at = st.first_seen, last_seen_at = st.last_seen,
           updated_at = now()
      FROM user_profiles q
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS sessions,
               COALESCE(sum(s.message_count), 0)::bigint AS messages,
               min(s.started_at) AS first_seen, max(s.last_event_at) AS last_seen
          FROM agent_sessions s
         WHERE (q.merged_into_profile_id IS NULL AND s.profile_id = q.id)
            OR (q.merged_into_profile_id IS NOT NULL AND s.anonymous_id = q.anonymous_id)
      ) st
     WHERE q.id = ANY (ids) AND p.id = q.id
       AND (p.total_sessions, p.total_messages, p.first_seen_at, p.last_seen_at)
           IS DISTINCT FROM (st.sessions, st.messages, st.first_seen, st.last_seen);
$$;

-- Manual merge by an operator (rule 11): recorded as an override that later
-- events do not undo.  Serialized with the workers through the same advisory
-- locks they take.
CREATE FUNCTION merge_profiles(anonymous uuid, authenticated uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    anon_row user_profiles;
    auth_row user_profiles;
    lock_ids uuid[];
    touched uuid[];
BEGIN
    SELECT * INTO anon_row FROM user_profiles WHERE id = anonymous;
    IF NOT FOUND OR anon_row.profile_type <> 'anonymous' THEN
        RAISE EXCEPTION 'merge_profiles: % is not an anonymous profile', anonymous
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO auth_row FROM user_profiles WHERE id = authenticated;
    IF NOT FOUND OR auth_row.profile_type <> 'authenticated' THEN
        RAISE EXCEPTION 'merge_profiles: % is not an authenticated profile', authenticated
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT array_agg(DISTINCT x) INTO lock_ids FROM (
        SELECT anonymous AS x UNION ALL SELECT authenticated
        UNION ALL SELECT anon_row.merged_into_profile_id
        UNION ALL SELECT s.profile_id FROM agent_sessions s
                   WHERE s.anonymous_id = anon_row.anonymous_id
    ) l WHERE x IS NOT NULL;
    PERFORM pg_advisory_xact_lock(k)
       FROM (SELECT DISTINCT ct_lock_key(x) AS k FROM unnest(lock_ids) x ORDER BY 1) o;

    INSERT INTO profile_merge_overrides (anonymous_profile_id, target_profile_id)
    VALUES (anonymous, authenticated)
    ON CONFLICT (anonymous_profile_id) DO UPDATE
       SET target_profile_id = EXCLUDED.target_profile_id,
           decided_by = current_user, decided_at = now();

    PERFORM ct_refresh_merges(ARRAY[anon_row.anonymous_id]);
    SELECT array_agg(DISTINCT x) INTO touched FROM (
        SELECT unnest(lock_ids) AS x
        UNION ALL
        SELECT unnest(ARRAY[c.old_profile_id, c.new_profile_id])
          FROM ct_refresh_session_profiles(ARRAY[anon_row.anonymous_id], '{}') c
    ) t WHERE x IS NOT NULL;
    PERFORM ct_refresh_profile_stats(touched);
END;
$$;
