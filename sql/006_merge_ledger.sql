-- convtrack schema, version 6: the merge ledger, unmerge, shared devices and
-- the writes of the profile audit trail (issue 6, items 3 and 4).
--
-- Every change of an anonymous profile's merge target -- rule 2, an
-- operator's merge_profiles() or unmerge_profile(), or the shared-device
-- policy -- appends one profile_merge_ledger row, written by
-- ct_refresh_merges() itself, so no path can skip it.  Every change to a
-- profile appends profile_audit rows (sql/004_audit.sql), written by the
-- functions and triggers that make the change; statistics (total_sessions,
-- total_messages, first/last seen) are not audited.  A function that
-- changes nothing writes nothing, so replays add no rows.
--
-- Ledger and audit rows carry ids, kinds and counts, never personal values.

CREATE TABLE profile_merge_ledger (
    id                    bigserial PRIMARY KEY,
    anonymous_profile_id  uuid NOT NULL,
    from_profile_id       uuid,          -- merge target before; NULL: not merged
    to_profile_id         uuid,          -- merge target after; NULL: unmerged
    -- the device's sessions that follow its merge target (rule 3: those
    -- without an authenticated event of their own), when the change happened
    sessions              uuid[] NOT NULL DEFAULT '{}',
    cause                 text NOT NULL
                          CHECK (cause IN ('rule2', 'operator', 'shared_device_policy')),
    event_id              uuid,          -- the causing event; NULL for an operator
    actor                 text NOT NULL DEFAULT 'worker',
    at                    timestamptz NOT NULL DEFAULT now(),
    CHECK (from_profile_id IS DISTINCT FROM to_profile_id)
);
CREATE INDEX profile_merge_ledger_anonymous_idx
    ON profile_merge_ledger (anonymous_profile_id, id);
CREATE INDEX profile_merge_ledger_from_idx ON profile_merge_ledger (from_profile_id)
    WHERE from_profile_id IS NOT NULL;
CREATE INDEX profile_merge_ledger_to_idx ON profile_merge_ledger (to_profile_id)
    WHERE to_profile_id IS NOT NULL;
CREATE INDEX profile_merge_ledger_sessions_idx
    ON profile_merge_ledger USING gin (sessions);

-- Anonymous keys whose sessions authenticated as two or more users.
CREATE TABLE shared_devices (
    anonymous_profile_id  uuid PRIMARY KEY
                          REFERENCES user_profiles (id) ON DELETE CASCADE,
    users                 integer NOT NULL CHECK (users >= 2),
    event_id              uuid,      -- first authenticated event of its second user
    flagged_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The ledger is append-only like the audit trail: only erasure
-- (convtrack.erasing = on) may remove rows or scrub erased sessions.
CREATE FUNCTION ct_merge_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('convtrack.erasing', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'profile_merge_ledger is append-only'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER profile_merge_ledger_append_only
    BEFORE UPDATE OR DELETE ON profile_merge_ledger
    FOR EACH ROW EXECUTE FUNCTION ct_merge_ledger_append_only();

-- Erasure deletes profiles and sessions: the ledger rows that name an
-- erased profile go with it, erased sessions leave the others' lists, and
-- the audit rows of other profiles that name an erased profile or session
-- (a merge into it, a session that moved) are removed whole, as erasure
-- removes the erased profile's own rows.  Statement-level, so deleting many
-- rows costs one statement here; nothing but erasure deletes profiles or
-- sessions, so the hot path never fires them.
CREATE INDEX profile_audit_sessions_idx ON profile_audit
    USING gin ((detail->'sessions'));

CREATE FUNCTION ct_merge_ledger_forget_profiles() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
BEGIN
    SELECT array_agg(id::text) INTO ids FROM gone;
    DELETE FROM profile_audit a
     USING (SELECT DISTINCT x AS id FROM profile_merge_ledger l
             JOIN gone g ON g.id IN (l.anonymous_profile_id, l.from_profile_id,
                                     l.to_profile_id)
             CROSS JOIN LATERAL unnest(ARRAY[l.anonymous_profile_id,
                                             l.from_profile_id, l.to_profile_id]) x
             WHERE x IS NOT NULL) p
     WHERE a.profile_id = p.id
       AND (a.detail->>'anonymous_profile_id' = ANY (ids)
         OR a.detail->>'from_profile_id' = ANY (ids)
         OR a.detail->>'to_profile_id' = ANY (ids));
    DELETE FROM profile_merge_ledger l
     USING gone g
     WHERE g.id IN (l.anonymous_profile_id, l.from_profile_id, l.to_profile_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER user_profiles_forget_merges
    AFTER DELETE ON user_profiles REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION ct_merge_ledger_forget_profiles();

CREATE FUNCTION ct_merge_ledger_forget_sessions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    SELECT array_agg(session_id) INTO ids FROM gone;
    DELETE FROM profile_audit a
     WHERE a.detail->'sessions' ?| ids::text[];
    UPDATE profile_merge_ledger l
       SET sessions = ARRAY(SELECT x FROM unnest(l.sessions) x
                             WHERE x <> ALL (ids))
     WHERE l.sessions && ids;
    RETURN NULL;
END;
$$;

CREATE TRIGGER agent_sessions_forget_merges
    AFTER DELETE ON agent_sessions REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION ct_merge_ledger_forget_sessions();

-- Audit: a user's phone number or email changed (rule 6).  Only the names
-- of the fields are recorded.  A row trigger limited to UPDATE OF these two
-- columns: statistics updates never fire it, and the worker updates them
-- only when a value differs, so it runs once per real change.
CREATE FUNCTION ct_audit_attributes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    fields text[] := '{}';
    cause uuid;
BEGIN
    IF NEW.phone_number IS DISTINCT FROM OLD.phone_number THEN
        fields := fields || 'phone_number'::text;
    END IF;
    IF NEW.email IS DISTINCT FROM OLD.email THEN
        fields := fields || 'email'::text;
    END IF;
    -- the latest authenticated event of the user carrying a new value
    SELECT a.event_id INTO cause
      FROM session_authentications a
     WHERE a.username = NEW.username
       AND ((a.phone_number IS NOT NULL AND a.phone_number = NEW.phone_number
             AND NEW.phone_number IS DISTINCT FROM OLD.phone_number)
         OR (a.email IS NOT NULL AND a.email = NEW.email
             AND NEW.email IS DISTINCT FROM OLD.email))
     ORDER BY a.occurred_at DESC, a.event_id DESC LIMIT 1;
    INSERT INTO profile_audit (profile_id, kind, event_id, detail)
    VALUES (NEW.id, 'attributes_changed', cause,
            jsonb_build_object('fields', to_jsonb(fields)));
    RETURN NULL;
END;
$$;

CREATE TRIGGER user_profiles_audit_attributes
    AFTER UPDATE OF phone_number, email ON user_profiles
    FOR EACH ROW
    WHEN (OLD.phone_number IS DISTINCT FROM NEW.phone_number
          OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION ct_audit_attributes();

-- Shared devices for the given anonymous keys: a key whose sessions
-- authenticated as two or more different users is flagged in
-- shared_devices and in its anonymous profile's metadata ("shared_device":
-- true, "shared_device_users": n).  Audited when the flag or the number of
-- users changes.
CREATE FUNCTION ct_refresh_shared_devices(keys text[], actor text DEFAULT 'worker')
RETURNS void
LANGUAGE sql AS $$
    WITH firsts AS (        -- each user's first authenticated session per key
        SELECT DISTINCT ON (s.anonymous_id, s.authenticated_username)
               s.anonymous_id AS k, s.auth_at, s.auth_event_id
          FROM agent_sessions s
         WHERE s.anonymous_id = ANY (keys) AND s.authenticated_username IS NOT NULL
         ORDER BY s.anonymous_id, s.authenticated_username, s.auth_at, s.auth_event_id
    ), want AS (
        SELECT a.id, CASE WHEN count(f.k) >= 2 THEN count(f.k)::int END AS users,
               array_agg(f.auth_event_id ORDER BY f.auth_at, f.auth_event_id)
                   AS events
          FROM user_profiles a
          LEFT JOIN firsts f ON f.k = a.anonymous_id
         WHERE a.anonymous_id = ANY (keys)
         GROUP BY a.id
    ), diff AS (
        -- the event that made it shared (its second user's first login),
        -- and for a later change the first login of its newest user
        SELECT w.id, w.users, w.events[2] AS event_id, d.users AS old_users,
               w.events[GREATEST(COALESCE(w.users, 0), 2)] AS cause
          FROM want w
          LEFT JOIN shared_devices d ON d.anonymous_profile_id = w.id
         WHERE w.users IS DISTINCT FROM d.users
    ), flag AS (
        INSERT INTO shared_devices AS d (anonymous_profile_id, users, event_id)
        SELECT id, users, event_id FROM diff WHERE users IS NOT NULL
        ON CONFLICT (anonymous_profile_id) DO UPDATE
           SET users = EXCLUDED.users, updated_at = now()
    ), unflag AS (
        DELETE FROM shared_devices d USING diff
         WHERE d.anonymous_profile_id = diff.id AND diff.users IS NULL
    ), meta AS (
        UPDATE user_profiles p
           SET profile_metadata = CASE WHEN diff.users IS NULL
                   THEN p.profile_metadata - 'shared_device' - 'shared_device_users'
                   ELSE p.profile_metadata || jsonb_build_object(
                        'shared_device', true, 'shared_device_users', diff.users)
                   END,
               updated_at = now()
          FROM diff WHERE p.id = diff.id
    )
    INSERT INTO profile_audit (profile_id, kind, event_id, actor, detail)
    SELECT id,
           CASE WHEN old_users IS NULL THEN 'shared_device_flagged'
                WHEN users IS NULL THEN 'shared_device_cleared'
                ELSE 'shared_device_users_changed' END,
           CASE WHEN users IS NULL THEN NULL ELSE cause END, actor,
           jsonb_build_object('users', COALESCE(users, 0),
                              'previous_users', COALESCE(old_users, 0))
      FROM diff;
$$;

-- Rules 2 and 11 and the shared-device policy for the given anonymous keys:
-- sets merged_into_profile_id.  An operator's override wins; else, with
-- policy 'session', a shared device is not merged; else rule 2.  Each change
-- appends a ledger row and audit rows for the anonymous profile and for the
-- profiles it left and joined.  actor names who asked ('worker', or the
-- database role of an operator re-applying the policy).
DROP FUNCTION ct_refresh_merges(text[]);
CREATE FUNCTION ct_refresh_merges(keys text[], policy text DEFAULT 'history',
                                  actor text DEFAULT 'worker')
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF policy IS NULL OR policy NOT IN ('history', 'session') THEN
        RAISE EXCEPTION 'ct_refresh_merges: shared-device policy % is not history or session',
            policy USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM ct_refresh_shared_devices(keys, actor);
    WITH t AS (
        SELECT a.id, a.anonymous_id AS k, a.merged_into_profile_id AS old_target,
               CASE WHEN o.anonymous_profile_id IS NOT NULL THEN 'operator'
                    WHEN policy = 'session' AND d.anonymous_profile_id IS NOT NULL
                         THEN 'shared_device_policy'
                    ELSE 'rule2' END AS cause,
               o.target_profile_id AS op_target, o.decided_by,
               d.event_id AS shared_event, r.id AS rule_target, r.auth_event_id
          FROM user_profiles a
          LEFT JOIN profile_merge_overrides o ON o.anonymous_profile_id = a.id
          LEFT JOIN shared_devices d ON d.anonymous_profile_id = a.id
          LEFT JOIN LATERAL (
                SELECT u.id, s.auth_event_id
                  FROM agent_sessions s
                  JOIN user_profiles u ON u.username = s.authenticated_username
                 WHERE s.anonymous_id = a.anonymous_id
                   AND s.authenticated_username IS NOT NULL
                 ORDER BY s.auth_at, s.auth_event_id
                 LIMIT 1) r ON true
         WHERE a.anonymous_id = ANY (keys)
    ), decided AS (
        SELECT id, k, old_target, cause,
               CASE cause WHEN 'operator' THEN op_target
                          WHEN 'rule2' THEN rule_target END AS target,
               CASE cause WHEN 'shared_device_policy' THEN shared_event
                          WHEN 'rule2' THEN auth_event_id END AS event_id,
               CASE cause WHEN 'operator' THEN decided_by ELSE actor END AS who
          FROM t
    ), changed AS (
        UPDATE user_profiles p
           SET merged_into_profile_id = c.target, updated_at = now()
          FROM decided c
         WHERE p.id = c.id AND p.merged_into_profile_id IS DISTINCT FROM c.target
        RETURNING c.*
    ), ledger AS (
        INSERT INTO profile_merge_ledger (anonymous_profile_id, from_profile_id,
               to_profile_id, sessions, cause, event_id, actor)
        SELECT c.id, c.old_target, c.target,
               ARRAY(SELECT s.session_id FROM agent_sessions s
                      WHERE s.anonymous_id = c.k AND s.authenticated_username IS NULL
                      ORDER BY s.session_id),
               c.cause, c.event_id, c.who
          FROM changed c
        RETURNING *
    )
    INSERT INTO profile_audit (profile_id, kind, event_id, actor, detail)
    SELECT x.pid,
           CASE WHEN x.pid = l.from_profile_id
                  OR (x.pid = l.anonymous_profile_id AND l.to_profile_id IS NULL)
                THEN 'unmerged' ELSE 'merged' END,
           l.event_id, l.actor,
           jsonb_build_object('ledger_id', l.id,
                              'anonymous_profile_id', l.anonymous_profile_id,
                              'from_profile_id', l.from_profile_id,
                              'to_profile_id', l.to_profile_id,
                              'cause', l.cause,
                              'sessions', cardinality(l.sessions))
      FROM ledger l
     CROSS JOIN LATERAL (VALUES (l.anonymous_profile_id), (l.from_profile_id),
                                (l.to_profile_id)) AS x(pid)
     WHERE x.pid IS NOT NULL;
END;
$$;

-- Rule 3 for the sessions whose key is in keys or whose id is in sessions:
-- sql/001_schema.sql's function, kept under another name, plus the audit of
-- each change on both profiles ('session_linked' on the new one,
-- 'session_unlinked' on the old one), one row per profile pair and cause.
-- Returns the sessions whose profile changed with their old and new profile.
-- The cause is the session's own authenticated event when it has one; for
-- a session that moves with its device, the event of the device's latest
-- ledger row; else the session's first participant_joined.
ALTER FUNCTION ct_refresh_session_profiles(text[], uuid[])
    RENAME TO ct_session_profiles_rule3;
CREATE FUNCTION ct_refresh_session_profiles(keys text[], sessions uuid[],
                                            actor text DEFAULT 'worker')
RETURNS TABLE (session_id uuid, old_profile_id uuid, new_profile_id uuid)
LANGUAGE sql AS $$
    WITH changed AS (
        SELECT * FROM ct_session_profiles_rule3(keys, sessions)
    ), caused AS (
        SELECT c.session_id, c.old_profile_id, c.new_profile_id,
               CASE WHEN s.authenticated_username IS NOT NULL THEN s.auth_event_id
                    WHEN c.old_profile_id IS NOT NULL AND l.id IS NOT NULL THEN l.event_id
                    ELSE (SELECT j.event_id FROM participant_joins j
                           WHERE j.session_id = c.session_id
                           ORDER BY j.occurred_at, j.event_id LIMIT 1)
               END AS event_id
          FROM changed c
          JOIN agent_sessions s ON s.session_id = c.session_id
          LEFT JOIN user_profiles a ON a.anonymous_id = s.anonymous_id
          LEFT JOIN LATERAL (SELECT l.id, l.event_id FROM profile_merge_ledger l
                              WHERE l.anonymous_profile_id = a.id
                              ORDER BY l.id DESC LIMIT 1) l ON true
    ), audit AS (
        INSERT INTO profile_audit (profile_id, kind, event_id, actor, detail)
        SELECT x.pid, x.kind, g.event_id, actor,
               jsonb_build_object('sessions', g.ids,
                                  'from_profile_id', g.old_profile_id,
                                  'to_profile_id', g.new_profile_id)
          FROM (SELECT old_profile_id, new_profile_id, event_id,
                       to_jsonb(array_agg(session_id ORDER BY session_id)) AS ids
                  FROM caused GROUP BY old_profile_id, new_profile_id, event_id) g
         CROSS JOIN LATERAL (VALUES (g.new_profile_id, 'session_linked'),
                                    (g.old_profile_id, 'session_unlinked'))
                AS x(pid, kind)
         WHERE x.pid IS NOT NULL
    )
    SELECT session_id, old_profile_id, new_profile_id FROM changed;
$$;

-- Rule 9: sql/002_summaries.sql's function, kept under another name, plus
-- the audit of what was learned: one 'metadata_learned' row per profile
-- whose name, latest intent, latest sentiment or set of topics changed,
-- naming the keys, never the values.  Counts alone (topic counts,
-- summarized_sessions) are statistics: no row.
ALTER FUNCTION ct_refresh_profile_metadata(uuid[])
    RENAME TO ct_profile_metadata_rule9;
CREATE FUNCTION ct_refresh_profile_metadata(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
BEGIN
    SELECT jsonb_object_agg(p.id, p.profile_metadata) INTO before
      FROM user_profiles p WHERE p.id = ANY (ids);
    PERFORM ct_profile_metadata_rule9(ids);
    INSERT INTO profile_audit (profile_id, kind, detail)
    SELECT c.id, 'metadata_learned', jsonb_build_object('keys', to_jsonb(c.keys))
      FROM (SELECT p.id, ARRAY(
                SELECT k FROM unnest(ARRAY['name', 'last_intent', 'last_sentiment']) k
                 WHERE o.md->k IS DISTINCT FROM p.profile_metadata->k
                UNION ALL
                SELECT 'topics'
                 WHERE ARRAY(SELECT jsonb_object_keys(COALESCE(o.md->'topics', '{}'))
                              ORDER BY 1)
                       IS DISTINCT FROM
                       ARRAY(SELECT jsonb_object_keys(
                                    COALESCE(p.profile_metadata->'topics', '{}'))
                              ORDER BY 1)) AS keys
              FROM user_profiles p
              CROSS JOIN LATERAL (SELECT before->(p.id::text) AS md) o
             WHERE p.id = ANY (ids)
               AND o.md IS DISTINCT FROM p.profile_metadata) c
     WHERE cardinality(c.keys) > 0;
END;
$$;

-- The profiles an operator's change of anonymous profile anon_row can
-- touch, locked with the workers' advisory locks (sorted, transaction
-- scoped) until the set stops growing: a worker may have moved a session
-- between reading the set and locking it.  Returns the locked ids.
CREATE FUNCTION ct_lock_device(anon uuid, extra uuid) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
    want uuid[];
    held uuid[] := '{}';
BEGIN
    LOOP
        SELECT array_agg(DISTINCT x ORDER BY x) INTO want FROM (
            SELECT anon AS x UNION ALL SELECT extra
            UNION ALL SELECT a.merged_into_profile_id FROM user_profiles a WHERE a.id = anon
            UNION ALL SELECT s.profile_id FROM agent_sessions s
                       JOIN user_profiles a ON a.anonymous_id = s.anonymous_id
                      WHERE a.id = anon
        ) l WHERE x IS NOT NULL;
        EXIT WHEN want <@ held;
        PERFORM pg_advisory_xact_lock(k)
           FROM (SELECT DISTINCT ct_lock_key(x) AS k FROM unnest(want) x
                  ORDER BY 1) o;
        held := held || want;
    END LOOP;
    RETURN held;
END;
$$;

-- After an operator changed the merge of the device with key k: rule 3
-- for its sessions, statistics (rule 4) and metadata (rule 9) of every
-- profile involved, and the summaries of moved, ended sessions due at once
-- so that they follow their profile (rule 7), as the worker does.
CREATE FUNCTION ct_follow_device(k text, lock_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    moved_sessions uuid[];
    touched uuid[];
BEGIN
    SELECT array_agg(c.session_id),
           array_agg(DISTINCT x) FILTER (WHERE x IS NOT NULL)
      INTO moved_sessions, touched
      FROM ct_refresh_session_profiles(ARRAY[k], '{}', current_user) c
     CROSS JOIN LATERAL unnest(ARRAY[c.old_profile_id, c.new_profile_id]) x;
    touched := lock_ids || COALESCE(touched, '{}');
    PERFORM ct_refresh_profile_stats(touched);
    PERFORM ct_refresh_profile_metadata(touched);
    UPDATE agent_sessions SET summary_due_at = now()
     WHERE session_id = ANY (moved_sessions) AND ended_at IS NOT NULL;
END;
$$;

-- An operator's decision for an anonymous profile (rule 11): target is the
-- authenticated profile to merge into, or NULL for "not merged".  Records
-- the override (audited as 'override_recorded' when it changes), applies it
-- with the same functions as the worker (ledger and audit included),
-- recomputes statistics and metadata of every profile involved, and makes
-- the summaries of moved, ended sessions due so that they follow their
-- profile (rule 7).  Returns the merge target before the change.
CREATE FUNCTION ct_apply_override(anon uuid, target uuid) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    anon_row user_profiles;
    lock_ids uuid[];
    old_override uuid;
    had_override boolean;
BEGIN
    lock_ids := ct_lock_device(anon, target);
    SELECT * INTO anon_row FROM user_profiles WHERE id = anon;
    SELECT true, o.target_profile_id INTO had_override, old_override
      FROM profile_merge_overrides o WHERE o.anonymous_profile_id = anon;
    INSERT INTO profile_merge_overrides (anonymous_profile_id, target_profile_id)
    VALUES (anon, target)
    ON CONFLICT (anonymous_profile_id) DO UPDATE
       SET target_profile_id = EXCLUDED.target_profile_id,
           decided_by = current_user, decided_at = now();
    IF had_override IS NULL OR old_override IS DISTINCT FROM target THEN
        INSERT INTO profile_audit (profile_id, kind, actor, detail)
        VALUES (anon, 'override_recorded', current_user,
                jsonb_build_object('to_profile_id', target,
                                   'previous_override', had_override IS NOT NULL,
                                   'previous_to_profile_id', old_override));
    END IF;

    PERFORM ct_refresh_merges(ARRAY[anon_row.anonymous_id], 'history', current_user);
    PERFORM ct_follow_device(anon_row.anonymous_id, lock_ids);
    RETURN anon_row.merged_into_profile_id;
END;
$$;

-- Raises invalid_parameter_value unless id is a profile of type ptype.
CREATE FUNCTION ct_require_profile(fn text, id uuid, ptype text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM user_profiles p
                    WHERE p.id = ct_require_profile.id AND p.profile_type = ptype) THEN
        RAISE EXCEPTION '%: % is not an % profile', fn, id, ptype
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;

-- Manual merge by an operator (rule 11), as in sql/001_schema.sql, now
-- through ct_apply_override(): ledger, audit, metadata and summaries follow.
CREATE OR REPLACE FUNCTION merge_profiles(anonymous uuid, authenticated uuid)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ct_require_profile('merge_profiles', anonymous, 'anonymous');
    PERFORM ct_require_profile('merge_profiles', authenticated, 'authenticated');
    PERFORM ct_apply_override(anonymous, authenticated);
END;
$$;

-- Manual unmerge by an operator (rule 11): records an override with no
-- target, so the device's anonymous profile is not merged and later or
-- replayed events do not merge it again; its sessions return to where rule
-- 3 puts them without the merge.  merge_profiles() merges it again.
-- Returns the profile it was merged into (NULL: it was not merged; the
-- decision is recorded all the same).
CREATE FUNCTION unmerge_profile(anonymous uuid) RETURNS uuid
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ct_require_profile('unmerge_profile', anonymous, 'anonymous');
    RETURN ct_apply_override(anonymous, NULL);
END;
$$;

-- Re-applies a shared-device policy to every flagged device now (the worker
-- applies its policy only to devices a batch touches).  Each device is
-- locked as the workers lock it.  Returns the number of devices whose merge
-- changed.
CREATE FUNCTION ct_apply_shared_device_policy(policy text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    dev record;
    lock_ids uuid[];
    n_before bigint;
    changed integer := 0;
BEGIN
    FOR dev IN SELECT d.anonymous_profile_id AS id, a.anonymous_id AS k
                 FROM shared_devices d JOIN user_profiles a ON a.id = d.anonymous_profile_id
                ORDER BY d.anonymous_profile_id LOOP
        lock_ids := ct_lock_device(dev.id, NULL);
        SELECT count(*) INTO n_before FROM profile_merge_ledger
         WHERE anonymous_profile_id = dev.id;
        PERFORM ct_refresh_merges(ARRAY[dev.k], policy, current_user);
        IF (SELECT count(*) FROM profile_merge_ledger
             WHERE anonymous_profile_id = dev.id) = n_before THEN
            CONTINUE;
        END IF;
        changed := changed + 1;
        PERFORM ct_follow_device(dev.k, lock_ids);
    END LOOP;
    RETURN changed;
END;
$$;

-- Existing devices: flag those already shared (no merge changes: the
-- default policy is rule 2, which is what they already follow).
SELECT ct_refresh_shared_devices(ARRAY(
    SELECT anonymous_id FROM agent_sessions
     WHERE anonymous_id IS NOT NULL AND authenticated_username IS NOT NULL
     GROUP BY anonymous_id HAVING count(DISTINCT authenticated_username) >= 2),
    'migration');
