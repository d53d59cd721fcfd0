-- convtrack schema, version 3: analytics views (issue 5, part 4).
--
-- The figures the design notes promise analysts, as plain views over the
-- contract tables (EVENTS.md section 4): engagement by profile type,
-- sentiment and resolution by day and by topic, the share of banking
-- questions, returning users, anonymous-to-authenticated conversion and
-- first-contact resolution, plus one headline row for `convtrack report`.
-- The Grafana dashboard (deploy/grafana/) reads only these views.
--
-- Conventions shared by every view (each view's comment repeats what it
-- relies on):
--
--   * A person is a profile with merged_into_profile_id IS NULL.  A merged
--     anonymous profile (a device that logged in) is folded into the account
--     it is merged into, so a device's sessions count for that account, from
--     its first session on.  A session's person is the person of its
--     profile_id (contract rule 3); a session without a profile (no
--     participant_joined and no authenticated event yet) belongs to nobody:
--     it counts in the conversation figures (sentiment, resolution, topics,
--     banking share) but in none of the people figures (engagement,
--     returning users, first-contact resolution).
--   * A session's day is the UTC calendar date of its started_at (its
--     earliest event), whatever the time zone of the database session.
--   * A session's outcome is its row in conversation_summaries, which holds
--     exactly the newest summary_version of each session; a session without
--     a row (not ended yet, or inside the summary grace period) is not
--     summarized and counts in no outcome figure.
--   * Rates are numeric fractions in 0..1 rounded to 4 decimal places;
--     every division is by NULLIF(denominator, 0), so an empty denominator
--     gives NULL, never an error.  Counts are bigint.
--   * Views only: nothing is stored, every query sees the current state.
--     Every join and window below is on a column that 001/002 already index
--     (agent_sessions.profile_id and anonymous_id, conversation_messages
--     (session_id, ...), conversation_summaries' primary key), so the
--     migration adds no index.

-- One row per session: the columns every other view counts.
CREATE VIEW analytics_sessions AS
SELECT s.session_id,
       (s.started_at AT TIME ZONE 'UTC')::date AS day,
       s.started_at,
       person.id                               AS person_id,
       person.profile_type                     AS person_type,
       s.anonymous_id                          AS device_key,
       s.authenticated_username IS NOT NULL    AS authenticated,
       COALESCE(m.messages, 0)                 AS messages,
       COALESCE(m.user_messages, 0)            AS user_messages,
       COALESCE(m.banking_queries, 0)          AS banking_queries,
       COALESCE(m.classified_user_messages, 0) AS classified_user_messages,
       c.session_id IS NOT NULL                AS summarized,
       c.sentiment,
       c.resolution_status,
       COALESCE(c.topics, '{}'::text[])        AS topics
  FROM agent_sessions s
  LEFT JOIN user_profiles p ON p.id = s.profile_id
  LEFT JOIN user_profiles person
         ON person.id = COALESCE(p.merged_into_profile_id, p.id)
        AND person.merged_into_profile_id IS NULL
  LEFT JOIN conversation_summaries c ON c.session_id = s.session_id
  LEFT JOIN (
        SELECT session_id,
               count(*) AS messages,
               count(*) FILTER (WHERE role = 'user') AS user_messages,
               count(*) FILTER (WHERE role = 'user' AND is_banking_query)
                   AS banking_queries,
               count(*) FILTER (WHERE role = 'user' AND is_banking_query IS NOT NULL)
                   AS classified_user_messages
          FROM conversation_messages
         GROUP BY session_id
  ) m ON m.session_id = s.session_id
 WHERE s.started_at IS NOT NULL;

COMMENT ON VIEW analytics_sessions IS
'One row per session of agent_sessions (those with a started_at, i.e. every '
'session any event has been applied to), the base of every analytics_* view. '
'day: UTC date of started_at (the earliest event). person_id/person_type: the '
'person the session counts for, i.e. the profile with merged_into_profile_id '
'IS NULL that its profile_id is or is merged into (NULL when the session has '
'no profile yet). device_key: the session''s anonymous key (rule 1). '
'authenticated: the session has an authenticated event. messages: all its '
'stored messages, any role; user_messages: role = ''user''; banking_queries: '
'user messages with is_banking_query true; classified_user_messages: user '
'messages with is_banking_query not NULL. summarized: it has a '
'conversation_summaries row (the newest summary version); sentiment, '
'resolution_status, topics come from that row (topics ''{}'' when none).';

-- Engagement per profile type.
CREATE VIEW analytics_engagement_by_profile_type AS
WITH per_person AS (
    SELECT person_id, count(*) AS sessions, sum(messages) AS messages,
           sum(user_messages) AS user_messages
      FROM analytics_sessions
     WHERE person_id IS NOT NULL
     GROUP BY person_id
)
SELECT t.profile_type,
       count(p.id)                              AS users,
       count(pp.person_id)                      AS active_users,
       COALESCE(sum(pp.sessions), 0)::bigint    AS sessions,
       COALESCE(sum(pp.messages), 0)::bigint    AS messages,
       COALESCE(sum(pp.user_messages), 0)::bigint AS user_messages,
       round(COALESCE(sum(pp.sessions), 0)::numeric / NULLIF(count(p.id), 0), 4)
           AS avg_sessions_per_user,
       round(COALESCE(sum(pp.messages), 0)::numeric / NULLIF(count(p.id), 0), 4)
           AS avg_messages_per_user
  FROM (VALUES ('authenticated'), ('anonymous')) AS t (profile_type)
  LEFT JOIN user_profiles p
         ON p.profile_type = t.profile_type AND p.merged_into_profile_id IS NULL
  LEFT JOIN per_person pp ON pp.person_id = p.id
 GROUP BY t.profile_type;

COMMENT ON VIEW analytics_engagement_by_profile_type IS
'Engagement per profile_type, always two rows (authenticated, anonymous). '
'users: profiles of that type with merged_into_profile_id IS NULL (merged '
'anonymous profiles are folded into their account and not counted; the same '
'population as the design notes'' "User engagement stats" query). '
'active_users: those of them with at least one session. sessions: sessions '
'whose person (analytics_sessions.person_id) is one of them, so a logged-in '
'device''s sessions count for the account; sessions without a profile count '
'nowhere. messages: all stored messages of those sessions (any role, like '
'total_messages); user_messages: role = ''user'' only. avg_sessions_per_user '
'= sessions / users, avg_messages_per_user = messages / users (NULL when '
'users = 0); equal to AVG(total_sessions), AVG(total_messages) of the design '
'notes query.';

-- Sentiment per day.
CREATE VIEW analytics_daily_sentiment AS
SELECT day,
       count(*)                                          AS sessions,
       count(*) FILTER (WHERE sentiment = 'positive')    AS positive,
       count(*) FILTER (WHERE sentiment = 'neutral')     AS neutral,
       count(*) FILTER (WHERE sentiment = 'negative')    AS negative,
       round((count(*) FILTER (WHERE sentiment = 'positive'))::numeric
             / NULLIF(count(*), 0), 4)                   AS positive_rate,
       round((count(*) FILTER (WHERE sentiment = 'neutral'))::numeric
             / NULLIF(count(*), 0), 4)                   AS neutral_rate,
       round((count(*) FILTER (WHERE sentiment = 'negative'))::numeric
             / NULLIF(count(*), 0), 4)                   AS negative_rate
  FROM analytics_sessions
 WHERE summarized
 GROUP BY day;

COMMENT ON VIEW analytics_daily_sentiment IS
'Caller sentiment per day: one row per UTC date of the sessions'' started_at '
'that has summarized sessions. sessions: summarized sessions (a '
'conversation_summaries row, i.e. their newest summary) that started that '
'day, with or without a profile. positive/neutral/negative: those whose '
'summary has that sentiment; *_rate = count / sessions. A session counts on '
'the day it started even when it ended or was summarized later.';

-- Resolution per day.
CREATE VIEW analytics_daily_resolution AS
SELECT day,
       count(*)                                                  AS sessions,
       count(*) FILTER (WHERE resolution_status = 'resolved')    AS resolved,
       count(*) FILTER (WHERE resolution_status = 'escalated')   AS escalated,
       count(*) FILTER (WHERE resolution_status = 'incomplete')  AS incomplete,
       round((count(*) FILTER (WHERE resolution_status = 'resolved'))::numeric
             / NULLIF(count(*), 0), 4)                           AS resolved_rate,
       round((count(*) FILTER (WHERE resolution_status = 'escalated'))::numeric
             / NULLIF(count(*), 0), 4)                           AS escalated_rate,
       round((count(*) FILTER (WHERE resolution_status = 'incomplete'))::numeric
             / NULLIF(count(*), 0), 4)                           AS incomplete_rate
  FROM analytics_sessions
 WHERE summarized
 GROUP BY day;

COMMENT ON VIEW analytics_daily_resolution IS
'Resolution status per day: one row per UTC date of the sessions'' started_at '
'that has summarized sessions. sessions: summarized sessions that started '
'that day (with or without a profile). resolved/escalated/incomplete: those '
'whose newest summary has that resolution_status (stale sessions, rule 8, '
'are incomplete); *_rate = count / sessions.';

-- Outcomes per topic.
CREATE VIEW analytics_topic_outcomes AS
SELECT t.topic,
       count(*)                                                    AS sessions,
       count(*) FILTER (WHERE s.sentiment = 'positive')            AS positive,
       count(*) FILTER (WHERE s.sentiment = 'neutral')             AS neutral,
       count(*) FILTER (WHERE s.sentiment = 'negative')            AS negative,
       round((count(*) FILTER (WHERE s.sentiment = 'positive'))::numeric
             / NULLIF(count(*), 0), 4)                             AS positive_rate,
       round((count(*) FILTER (WHERE s.sentiment = 'negative'))::numeric
             / NULLIF(count(*), 0), 4)                             AS negative_rate,
       count(*) FILTER (WHERE s.resolution_status = 'resolved')    AS resolved,
       count(*) FILTER (WHERE s.resolution_status = 'escalated')   AS escalated,
       count(*) FILTER (WHERE s.resolution_status = 'incomplete')  AS incomplete,
       round((count(*) FILTER (WHERE s.resolution_status = 'resolved'))::numeric
             / NULLIF(count(*), 0), 4)                             AS resolved_rate,
       round((count(*) FILTER (WHERE s.resolution_status = 'escalated'))::numeric
             / NULLIF(count(*), 0), 4)                             AS escalated_rate,
       round((count(*) FILTER (WHERE s.resolution_status = 'incomplete'))::numeric
             / NULLIF(count(*), 0), 4)                             AS incomplete_rate
  FROM analytics_sessions s
 CROSS JOIN LATERAL (SELECT DISTINCT u FROM unnest(s.topics) AS u) AS t (topic)
 WHERE s.summarized
 GROUP BY t.topic;

COMMENT ON VIEW analytics_topic_outcomes IS
'Outcomes per topic, all time: one row per topic id found in the topics of '
'the newest summaries. sessions: summarized sessions (with or without a '
'profile) whose summary lists the topic; a session with several topics '
'counts once under each, so the rows do not add up to the number of '
'sessions, and sessions without a topic appear in no row. '
'positive/neutral/negative and resolved/escalated/incomplete: those sessions '
'by the summary''s sentiment and resolution_status; *_rate = count / '
'sessions.';

-- Banking questions per day.
CREATE VIEW analytics_banking_share AS
SELECT day,
       sum(user_messages)::bigint             AS user_messages,
       sum(banking_queries)::bigint           AS banking_queries,
       sum(classified_user_messages)::bigint  AS classified_user_messages,
       round(sum(banking_queries)::numeric / NULLIF(sum(user_messages), 0), 4)
           AS banking_share
  FROM analytics_sessions
 GROUP BY day;

COMMENT ON VIEW analytics_banking_share IS
'Share of the callers'' messages that are banking questions, per day: one row '
'per UTC date of started_at of the sessions begun that day (all sessions, '
'with or without a profile or summary; a message counts on its session''s '
'day). user_messages: stored messages with role = ''user'' (one per '
'message_id, its latest transcript). banking_queries: those with '
'is_banking_query true. classified_user_messages: those with '
'is_banking_query not NULL. banking_share = banking_queries / user_messages '
'(an unclassified message counts as not banking; NULL on a day without user '
'messages).';

-- Returning users per day.
CREATE VIEW analytics_returning_users AS
WITH numbered AS (
    SELECT person_id, day,
           row_number() OVER (PARTITION BY person_id
                              ORDER BY started_at, session_id) AS n
      FROM analytics_sessions
     WHERE person_id IS NOT NULL
)
SELECT day,
       count(DISTINCT person_id)                     AS active_users,
       count(DISTINCT person_id) FILTER (WHERE n = 1) AS new_users,
       count(DISTINCT person_id) FILTER (WHERE n > 1) AS returning_users,
       round((count(DISTINCT person_id) FILTER (WHERE n > 1))::numeric
             / NULLIF(count(DISTINCT person_id), 0), 4) AS returning_rate
  FROM numbered
 GROUP BY day;

COMMENT ON VIEW analytics_returning_users IS
'Returning users per day. A person is a profile with merged_into_profile_id '
'IS NULL (a logged-in device''s sessions count for the account, also those '
'before the login); sessions without a profile are left out. A person''s '
'sessions are numbered by (started_at, session_id); a session is a return '
'when it is not the person''s first. Per UTC date of started_at: '
'active_users = persons with a session that day; new_users = persons whose '
'first session is that day; returning_users = persons with a return that day '
'(a person whose first and second sessions fall on the same day is new and '
'returning that day); returning_rate = returning_users / active_users. '
'Overall figures: analytics_returning_users_overall.';

-- Returning users overall.
CREATE VIEW analytics_returning_users_overall AS
WITH per_person AS (
    SELECT person_id, person_type, count(*) AS sessions
      FROM analytics_sessions
     WHERE person_id IS NOT NULL
     GROUP BY person_id, person_type
)
SELECT COALESCE(person_type, 'all')                     AS profile_type,
       count(*)                                         AS users,
       count(*) FILTER (WHERE sessions >= 2)            AS returning_users,
       round((count(*) FILTER (WHERE sessions >= 2))::numeric
             / NULLIF(count(*), 0), 4)                  AS returning_rate
  FROM per_person
 GROUP BY GROUPING SETS ((person_type), ());

COMMENT ON VIEW analytics_returning_users_overall IS
'Returning users, all time: one row per profile_type of the persons that '
'have sessions, plus one row ''all'' (always present). A person is a profile '
'with merged_into_profile_id IS NULL; a device that logged in is folded into '
'its account. users: persons with at least one session; returning_users: '
'persons with at least two sessions (counted over all their devices); '
'returning_rate = returning_users / users.';

-- Anonymous-to-authenticated conversion per day of first contact.
CREATE VIEW analytics_conversion AS
WITH first_session AS (
    SELECT DISTINCT ON (s.anonymous_id)
           s.anonymous_id, s.started_at,
           s.authenticated_username IS NOT NULL AS authenticated
      FROM agent_sessions s
     WHERE s.anonymous_id IS NOT NULL AND s.started_at IS NOT NULL
     ORDER BY s.anonymous_id, s.started_at, s.session_id
)
SELECT (f.started_at AT TIME ZONE 'UTC')::date                 AS day,
       count(*)                                                AS anonymous_profiles,
       count(*) FILTER (WHERE a.merged_into_profile_id IS NOT NULL)
                                                               AS converted,
       round((count(*) FILTER (WHERE a.merged_into_profile_id IS NOT NULL))::numeric
             / NULLIF(count(*), 0), 4)                         AS conversion_rate,
       count(*) FILTER (WHERE a.merged_into_profile_id IS NOT NULL
                          AND NOT f.authenticated)             AS converted_after_anonymous_use,
       round((count(*) FILTER (WHERE a.merged_into_profile_id IS NOT NULL
                                 AND NOT f.authenticated))::numeric
             / NULLIF(count(*), 0), 4)                         AS converted_after_anonymous_use_rate
  FROM user_profiles a
  JOIN first_session f ON f.anonymous_id = a.anonymous_id
 WHERE a.profile_type = 'anonymous'
 GROUP BY 1;

COMMENT ON VIEW analytics_conversion IS
'Anonymous-to-authenticated conversion per day of first contact. Counted '
'over anonymous profiles (one per device key, rule 1, including the '
'session:<id> keys of callers without a usable fingerprint) that have at '
'least one session with their key; day: UTC date of the earliest started_at '
'of those sessions. anonymous_profiles: such profiles; converted: those '
'merged into an account (merged_into_profile_id IS NOT NULL, by a login on '
'the device, rule 2, or by an operator''s merge_profiles(), rule 11); '
'conversion_rate = converted / anonymous_profiles. '
'converted_after_anonymous_use: converted profiles whose first session '
'(by started_at, session_id) has no authenticated event, i.e. the device '
'was used anonymously before it logged in; its rate has the same '
'denominator.';

-- First-contact resolution per topic and overall.
CREATE VIEW analytics_first_contact_resolution AS
WITH st AS (
    SELECT s.session_id, s.person_id, s.started_at, s.resolution_status, t.topic,
           lead(s.started_at) OVER (PARTITION BY s.person_id, t.topic
                                    ORDER BY s.started_at, s.session_id)
               AS next_started_at
      FROM analytics_sessions s
     CROSS JOIN LATERAL (SELECT DISTINCT u FROM unnest(s.topics) AS u) AS t (topic)
     WHERE s.summarized AND s.person_id IS NOT NULL
), flagged AS (
    SELECT session_id, started_at, topic,
           resolution_status = 'resolved' AS resolved,
           COALESCE(next_started_at <= started_at + interval '168 hours', false)
               AS repeated
      FROM st
), per_session AS (
    SELECT session_id, min(started_at) AS started_at,
           bool_and(resolved) AS resolved, bool_or(repeated) AS repeated
      FROM flagged
     GROUP BY session_id
), fcr_rows AS (
    SELECT 'topic'::text AS scope, topic, session_id, started_at, resolved, repeated
      FROM flagged
    UNION ALL
    SELECT 'overall', NULL, session_id, started_at, resolved, repeated
      FROM per_session
)
SELECT scope, topic,
       count(*)                                              AS sessions,
       count(*) FILTER (WHERE resolved)                      AS resolved,
       count(*) FILTER (WHERE repeated)                      AS repeat_contacts,
       count(*) FILTER (WHERE resolved AND NOT repeated)     AS first_contact_resolved,
       round((count(*) FILTER (WHERE resolved AND NOT repeated))::numeric
             / NULLIF(count(*), 0), 4)                       AS fcr_rate,
       round((count(*) FILTER (WHERE resolved AND NOT repeated))::numeric
             / NULLIF(count(*) FILTER (WHERE resolved), 0), 4)
                                                             AS fcr_of_resolved_rate,
       count(*) FILTER (WHERE resolved AND NOT repeated
                          AND started_at > now() - interval '168 hours')
                                                             AS provisional
  FROM fcr_rows
 GROUP BY scope, topic;

COMMENT ON VIEW analytics_first_contact_resolution IS
'First-contact resolution (FCR), all time: one row per topic (scope ''topic'') '
'and one row scope ''overall'' with topic NULL (absent while nothing is '
'counted). Counted over summarized sessions that have a person (a profile '
'with merged_into_profile_id IS NULL, a logged-in device folded into its '
'account) and at least one topic. A session is a repeat contact on a topic '
'when the same person''s next summarized session on that topic (in order of '
'started_at, then session_id) started at most 7 days (168 hours) after it; '
'it is first-contact resolved on the topic when its newest summary is '
'resolved and it is not a repeat contact on that topic. Per topic: sessions '
'listing the topic, resolved, repeat_contacts, first_contact_resolved, '
'fcr_rate = first_contact_resolved / sessions, fcr_of_resolved_rate = '
'first_contact_resolved / resolved. Overall: each session once; it is a '
'repeat contact when it is one on any of its topics, first-contact resolved '
'when resolved and a repeat contact on none. provisional: first-contact '
'resolved sessions that started less than 7 days ago, whose window is still '
'open (a later contact can still turn them into repeats).';

-- The headline figures, one row.
CREATE VIEW analytics_summary AS
SELECT e.authenticated_users, e.anonymous_users, e.users,
       ss.sessions, ss.summarized_sessions, ss.messages, ss.user_messages,
       ss.banking_queries,
       round(ss.banking_queries::numeric / NULLIF(ss.user_messages, 0), 4)
           AS banking_share,
       round(ss.positive::numeric / NULLIF(ss.summarized_sessions, 0), 4)
           AS positive_rate,
       round(ss.neutral::numeric / NULLIF(ss.summarized_sessions, 0), 4)
           AS neutral_rate,
       round(ss.negative::numeric / NULLIF(ss.summarized_sessions, 0), 4)
           AS negative_rate,
       round(ss.resolved::numeric / NULLIF(ss.summarized_sessions, 0), 4)
           AS resolved_rate,
       round(ss.escalated::numeric / NULLIF(ss.summarized_sessions, 0), 4)
           AS escalated_rate,
       round(ss.incomplete::numeric / NULLIF(ss.summarized_sessions, 0), 4)
           AS incomplete_rate,
       r.users AS users_with_sessions, r.returning_users, r.returning_rate,
       cv.anonymous_profiles, cv.converted,
       round(cv.converted::numeric / NULLIF(cv.anonymous_profiles, 0), 4)
           AS conversion_rate,
       COALESCE(f.sessions, 0)               AS fcr_sessions,
       COALESCE(f.first_contact_resolved, 0) AS first_contact_resolved,
       f.fcr_rate
  FROM (SELECT sum(users) FILTER (WHERE profile_type = 'authenticated')::bigint
                   AS authenticated_users,
               sum(users) FILTER (WHERE profile_type = 'anonymous')::bigint
                   AS anonymous_users,
               sum(users)::bigint AS users
          FROM analytics_engagement_by_profile_type) e
 CROSS JOIN (
        SELECT count(*) AS sessions,
               count(*) FILTER (WHERE summarized) AS summarized_sessions,
               COALESCE(sum(messages), 0)::bigint AS messages,
               COALESCE(sum(user_messages), 0)::bigint AS user_messages,
               COALESCE(sum(banking_queries), 0)::bigint AS banking_queries,
               count(*) FILTER (WHERE summarized AND sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE summarized AND sentiment = 'neutral') AS neutral,
               count(*) FILTER (WHERE summarized AND sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE summarized AND resolution_status = 'resolved')
                   AS resolved,
               count(*) FILTER (WHERE summarized AND resolution_status = 'escalated')
                   AS escalated,
               count(*) FILTER (WHERE summarized AND resolution_status = 'incomplete')
                   AS incomplete
          FROM analytics_sessions) ss
 CROSS JOIN (SELECT users, returning_users, returning_rate
               FROM analytics_returning_users_overall
              WHERE profile_type = 'all') r
 CROSS JOIN (SELECT COALESCE(sum(anonymous_profiles), 0)::bigint AS anonymous_profiles,
                    COALESCE(sum(converted), 0)::bigint AS converted
               FROM analytics_conversion) cv
  LEFT JOIN analytics_first_contact_resolution f ON f.scope = 'overall';

COMMENT ON VIEW analytics_summary IS
'The headline figures in one row (always exactly one), for `convtrack '
'report`. authenticated_users, anonymous_users, users: persons (profiles with '
'merged_into_profile_id IS NULL) as in analytics_engagement_by_profile_type. '
'sessions, messages, user_messages, banking_queries: all sessions and their '
'messages (as analytics_sessions counts them); banking_share = '
'banking_queries / user_messages. summarized_sessions and the six '
'sentiment and resolution rates: over all summarized sessions (the sums of '
'analytics_daily_sentiment and analytics_daily_resolution). '
'users_with_sessions, returning_users, returning_rate: the ''all'' row of '
'analytics_returning_users_overall. anonymous_profiles, converted, '
'conversion_rate: analytics_conversion over all days. fcr_sessions, '
'first_contact_resolved, fcr_rate: the ''overall'' row of '
'analytics_first_contact_resolution (0, 0, NULL when it has none).';
