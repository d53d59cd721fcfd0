-- Least privilege (issue 17): three roles without login, for deployments to
-- grant to their own login roles (docs/privileges.md).
--
--   convtrack_worker    what `convtrack run` needs: SELECT, INSERT, UPDATE,
--                       DELETE on convtrack's tables, its sequences, EXECUTE
--                       on its functions; no DDL (no CREATE anywhere), nothing
--                       in other schemas.
--   convtrack_operator  what the operator commands need (profile show,
--                       summaries, report, merge, unmerge, erase, retention,
--                       resummarize, shared-devices): the same rights, since
--                       those commands write through the same functions.
--   convtrack_reader    the analytics views and conversation_summaries only:
--                       no message content, no phone numbers or emails.
--
-- Creating a role needs CREATEROLE: run `convtrack migrate` as a role that
-- has it, or have a DBA create the three roles first (then this only
-- grants). Roles are shared by the databases of a cluster; two databases
-- migrating at once may race to create one, hence the exception handlers.
-- Objects of later migrations get the worker's and operator's rights
-- through the default privileges below; the reader's are granted by name.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['convtrack_worker', 'convtrack_operator',
                             'convtrack_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created meanwhile by a migration of another database
            END;
        END IF;
    END LOOP;
END
$$;

-- Functions are executable by PUBLIC by default: only convtrack's roles
-- (and the owner) may call convtrack's.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO convtrack_worker, convtrack_operator,
    convtrack_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public
    TO convtrack_worker, convtrack_operator;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public
    TO convtrack_worker, convtrack_operator;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public
    TO convtrack_worker, convtrack_operator;

ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES
    TO convtrack_worker, convtrack_operator;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES
    TO convtrack_worker, convtrack_operator;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS
    FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO convtrack_worker, convtrack_operator;

GRANT SELECT ON conversation_summaries, analytics_sessions,
    analytics_engagement_by_profile_type, analytics_daily_sentiment,
    analytics_daily_resolution, analytics_topic_outcomes,
    analytics_banking_share, analytics_returning_users,
    analytics_returning_users_overall, analytics_conversion,
    analytics_first_contact_resolution, analytics_summary
    TO convtrack_reader;
