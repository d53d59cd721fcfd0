-- convtrack schema, version 9: a session's profile set with its identity
-- (issue 4, throughput).
--
-- A participant_joined used to rewrite its session twice in the batch
-- transaction: rule 1 (key, participant, room, user from the facts) and then
-- rule 3 (profile_id).  Both columns are indexed, so neither rewrite is HOT,
-- and the second one was a third of the cost of a join.  The worker now sets
-- profile_id in its rule 1 update (src/repo.c, SQL_REFRESH_SESSIONS), from
-- the profiles as they are before rule 2 runs, and calls ct_link_sessions()
-- afterwards: rule 2 for the batch's keys, rule 3 again only for the devices
-- whose merge target rule 2 changed, and the audit of each session's net
-- move over the whole batch, so the audit trail is what it was: one
-- 'session_linked' / 'session_unlinked' pair per move, never a move through
-- an intermediate profile that no other transaction could see.
--
-- ct_audit_session_moves() is now the one definition of that audit (and of
-- its cause): ct_refresh_session_profiles(), which operators' functions and
-- the erasure use, calls it too.

-- The audit of the given moves of sessions (parallel arrays; entries whose
-- old and new profile are the same are ignored): 'session_linked' on the new
-- profile and 'session_unlinked' on the old one, one row per profile pair
-- and cause.  The cause is the session's own authenticated event when it has
-- one; for a session that moves with its device, the event of the device's
-- latest ledger row; else the session's first participant_joined.  Returns
-- the moves audited.
CREATE FUNCTION ct_audit_session_moves(sessions uuid[], old_profiles uuid[],
                                       new_profiles uuid[],
                                       actor text DEFAULT 'worker')
RETURNS TABLE (session_id uuid, old_profile_id uuid, new_profile_id uuid)
LANGUAGE sql AS $$
    WITH moves AS (
        SELECT m.session_id, m.old_profile_id, m.new_profile_id
          FROM unnest(sessions, old_profiles, new_profiles)
               AS m(session_id, old_profile_id, new_profile_id)
         WHERE m.old_profile_id IS DISTINCT FROM m.new_profile_id
    ), caused AS (
        SELECT m.session_id, m.old_profile_id, m.new_profile_id,
               CASE WHEN s.authenticated_username IS NOT NULL THEN s.auth_event_id
                    WHEN m.old_profile_id IS NOT NULL AND l.id IS NOT NULL THEN l.event_id
                    ELSE (SELECT j.event_id FROM participant_joins j
                           WHERE j.session_id = m.session_id
                           ORDER BY j.occurred_at, j.event_id LIMIT 1)
               END AS event_id
          FROM moves m
          JOIN agent_sessions s ON s.session_id = m.session_id
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
          FROM (SELECT c.old_profile_id, c.new_profile_id, c.event_id,
                       to_jsonb(array_agg(c.session_id ORDER BY c.session_id)) AS ids
                  FROM caused c
                 GROUP BY c.old_profile_id, c.new_profile_id, c.event_id) g
         CROSS JOIN LATERAL (VALUES (g.new_profile_id, 'session_linked'),
                                    (g.old_profile_id, 'session_unlinked'))
                AS x(pid, kind)
         WHERE x.pid IS NOT NULL
    )
    SELECT m.session_id, m.old_profile_id, m.new_profile_id FROM moves m;
$$;

-- Rule 3 for the sessions whose key is in keys or whose id is in sessions,
-- with its audit; returns the sessions whose profile changed with their old
-- and new profile.  Same contract as sql/006_merge_ledger.sql's version.
CREATE OR REPLACE FUNCTION ct_refresh_session_profiles(keys text[], sessions uuid[],
                                                       actor text DEFAULT 'worker')
RETURNS TABLE (session_id uuid, old_profile_id uuid, new_profile_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    s uuid[];
    o uuid[];
    n uuid[];
BEGIN
    SELECT array_agg(c.session_id), array_agg(c.old_profile_id),
           array_agg(c.new_profile_id)
      INTO s, o, n
      FROM ct_session_profiles_rule3(keys, sessions) c;
    RETURN QUERY SELECT * FROM ct_audit_session_moves(s, o, n, actor);
END;
$$;

-- The worker's rules 2 and 3 after its rule 1 update.  (sessions,
-- old_profiles, new_profiles) are the moves that update made, from the
-- profiles as they were before rule 2; keys are the batch's anonymous keys.
-- Runs rule 2 for keys (policy: merge.shared_device_policy), rule 3 for the
-- keys whose merge target changed (their devices' sessions move with them,
-- and a session of the batch may move on from where the update put it),
-- and audits each session's net move.  Returns the net moves.
CREATE FUNCTION ct_link_sessions(keys text[], policy text, sessions uuid[],
                                 old_profiles uuid[], new_profiles uuid[])
RETURNS TABLE (session_id uuid, old_profile_id uuid, new_profile_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
    targets uuid[];
    retargeted text[];
    s uuid[];
    o uuid[];
    n uuid[];
BEGIN
    SELECT array_agg(a.id), array_agg(a.merged_into_profile_id)
      INTO ids, targets
      FROM user_profiles a WHERE a.anonymous_id = ANY (keys);
    PERFORM ct_refresh_merges(keys, policy);
    SELECT array_agg(a.anonymous_id) INTO retargeted
      FROM unnest(ids, targets) AS b(id, target)
      JOIN user_profiles a ON a.id = b.id
     WHERE a.merged_into_profile_id IS DISTINCT FROM b.target;
    IF retargeted IS NOT NULL THEN
        SELECT array_agg(c.session_id), array_agg(c.old_profile_id),
               array_agg(c.new_profile_id)
          INTO s, o, n
          FROM ct_session_profiles_rule3(retargeted, '{}') c;
        -- first move's origin, last move's destination
        SELECT array_agg(COALESCE(f.sid, x.sid)),
               array_agg(CASE WHEN f.sid IS NOT NULL THEN f.from_id ELSE x.from_id END),
               array_agg(CASE WHEN x.sid IS NOT NULL THEN x.to_id ELSE f.to_id END)
          INTO sessions, old_profiles, new_profiles
          FROM unnest(sessions, old_profiles, new_profiles) AS f(sid, from_id, to_id)
          FULL JOIN unnest(s, o, n) AS x(sid, from_id, to_id) ON x.sid = f.sid;
    END IF;
    RETURN QUERY SELECT * FROM ct_audit_session_moves(sessions, old_profiles,
                                                      new_profiles);
END;
$$;
