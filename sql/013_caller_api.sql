-- 013: the caller API, `convtrack serve` (issue 19, docs/caller-api.md).
--
-- A role for it that reads what the API answers and nothing else: the
-- profiles, their sessions, summaries and match candidates.  No message
-- content (conversation_messages), no facts tables, no audit or ledger;
-- nothing it could write.  Grant it to the login role of serve (which may
-- connect to a replica).  Created like the roles of 012 (needs CREATEROLE,
-- or a DBA creates it first).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'convtrack_api') THEN
        BEGIN
            CREATE ROLE convtrack_api NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by a migration of another database
        END;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO convtrack_api;
GRANT SELECT ON user_profiles, agent_sessions, conversation_summaries,
    profile_match_candidates TO convtrack_api;

-- email: references are compared case-insensitively
CREATE INDEX IF NOT EXISTS user_profiles_email_lower_idx
    ON user_profiles (lower(email)) WHERE email IS NOT NULL;

-- A caller's calls and last call use agent_sessions_profile_id_idx: a
-- profile has few sessions, and more indexes on agent_sessions would cost
-- the worker's updates of it their HOT path.
