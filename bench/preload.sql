-- Preload: a stored history of :msgs messages, consistent with the
-- contract's rules, written directly with set-based SQL (bench/run.sh runs
-- it on a freshly migrated database, then clones that database for each
-- "stored" run).  psql variables:
--   msgs     messages to store (e.g. 5000000)
--   devices  most device keys ("dev-%08x"; the generator's returning
--            callers are drawn from the same numbers)
--   corpus   path of corpus.tsv (bench/gen_events.py): the texts
--
-- What it stores, all in the 90 days before yesterday:
--   sessions      10..90 messages each (mean 50), chronological; the first
--                 D sessions use devices 0..D-1, later ones a hashed device
--                 (D = min(devices, 70 % of sessions)): most devices have
--                 one session, some several
--   logins        15 % of devices belong to a user ("user-N", about 1.5
--                 devices per user, with phone and email); such a device's
--                 first session and half of its others are authenticated,
--                 so its anonymous profile is merged into the user (rule 2)
--   facts         participant_joins, session_authentications, call_ends
--                 (every stored session has ended: reason hangup)
--   derived       agent_sessions (key, user, profile by rule 3, ended,
--                 message_count), user_profiles (UUIDv5 ids as the worker
--                 computes them, merges, statistics by rule 4)
--   messages      conversation_messages: role and content from the corpus,
--                 seq, times 6 s apart, is_banking_query for user turns;
--                 their ids in run 1 of the message-id registry
-- Summaries, outbox rows and match candidates are not generated: the
-- message path does not read them.
\set ON_ERROR_STOP 1
SET synchronous_commit = on;

CREATE SCHEMA bench_tmp;
CREATE EXTENSION "uuid-ossp" SCHEMA bench_tmp;

CREATE TEMP TABLE bench_corpus (i int PRIMARY KEY, role text, content text);
\set copy_corpus '\\copy bench_corpus FROM ' :'corpus'
:copy_corpus
SELECT count(*) AS ncorpus FROM bench_corpus \gset

CREATE TEMP TABLE pre_s AS
WITH s AS (
    SELECT i, 10 + (hashint4(i) & 2147483647) % 81 AS n
      FROM generate_series(1, :msgs / 10 + 1) i
), c AS (
    SELECT i, n, sum(n) OVER (ORDER BY i) - n AS first_msg FROM s
)
SELECT i, LEAST(n, :msgs - first_msg)::int AS n, first_msg::bigint AS first_msg
  FROM c WHERE first_msg < :msgs;
SELECT count(*) AS nsessions FROM pre_s \gset
SELECT GREATEST(1, LEAST(:devices, (:nsessions * 0.7)::int)) AS ndev \gset
SELECT date_trunc('day', now()) - interval '1 day' AS base \gset

-- Sessions with their device, user and times.
CREATE TEMP TABLE pre_sess AS
SELECT i, n, first_msg, d,
       md5('pre-s-' || i)::uuid AS session_id,
       'dev-' || lpad(to_hex(d), 8, '0') AS key,
       CASE WHEN auth_dev AND (i <= :ndev OR hashint4(i * 3 + 1) % 2 = 0)
            THEN 'user-' || (d % GREATEST(1, :ndev / 10)) END AS username,
       auth_dev,
       :'base'::timestamptz - interval '90 days' * (1 - i::float8 / :nsessions) AS started_at
  FROM (SELECT p.i, p.n, p.first_msg,
               CASE WHEN p.i <= :ndev THEN p.i - 1
                    ELSE (hashint4(p.i * 7 + 3) & 2147483647) % :ndev END AS d
          FROM pre_s p) x
 CROSS JOIN LATERAL (SELECT (hashint4(d * 11 + 5) & 2147483647) % 100 < 15 AS auth_dev) a;
ALTER TABLE pre_sess ADD PRIMARY KEY (i);
ANALYZE pre_sess;

-- Profiles: one anonymous per device, one authenticated per user.
-- Their metadata is what rule 9 makes of a history without summaries (the
-- worker creates every profile with it, src/store/repo_batch.c SQL_ENSURE_PROFILES):
-- without it, each returning device's profile would get a first rule 9
-- refresh that no profile the worker made ever needs.
INSERT INTO user_profiles (id, profile_type, anonymous_id, profile_metadata,
                           created_at, updated_at)
SELECT bench_tmp.uuid_generate_v5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'convtrack:anonymous:' || key),
       'anonymous', key, '{"summarized_sessions": 0}', min(started_at), min(started_at)
  FROM pre_sess GROUP BY key;
INSERT INTO user_profiles (id, profile_type, username, phone_number, email,
                           profile_metadata, created_at, updated_at)
SELECT bench_tmp.uuid_generate_v5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'convtrack:user:' || username),
       'authenticated', username,
       '+26377' || lpad(((hashtext(username) & 2147483647) % 10000000)::text, 7, '0'),
       username || '@example.co.zw', '{"summarized_sessions": 0}',
       min(started_at), min(started_at)
  FROM pre_sess WHERE username IS NOT NULL GROUP BY username;

-- Rule 2: a device that logged in is merged into the user of its earliest
-- authenticated session.
UPDATE user_profiles a SET merged_into_profile_id = u.id
  FROM (SELECT DISTINCT ON (key) key, username FROM pre_sess
         WHERE username IS NOT NULL ORDER BY key, i) m
  JOIN user_profiles u ON u.username = m.username
 WHERE a.anonymous_id = m.key;

-- Facts.
INSERT INTO participant_joins (event_id, session_id, occurred_at, room_id,
                               participant_id, anonymous_id, anonymous_key, metadata)
SELECT md5('pre-j-' || i)::uuid, session_id, started_at,
       'room-' || lpad((hashint4(i) & 1048575)::text, 6, '0'),
       'participant-pre-' || i, key, key, '{"channel": "voice", "locale": "en-ZW"}'
  FROM pre_sess;
INSERT INTO session_authentications (event_id, session_id, occurred_at,
                                     username, phone_number, email)
SELECT md5('pre-a-' || s.i)::uuid, s.session_id, s.started_at + interval '30 s',
       s.username, u.phone_number, u.email
  FROM pre_sess s JOIN user_profiles u ON u.username = s.username;
INSERT INTO call_ends (event_id, session_id, occurred_at, reason, duration_seconds)
SELECT md5('pre-c-' || i)::uuid, session_id,
       started_at + interval '6 s' * n + interval '2 s', 'hangup', 6 * n + 2
  FROM pre_sess;

-- Messages.
INSERT INTO conversation_messages (message_id, session_id, role, content, seq,
                                   occurred_at, is_banking_query, version_at,
                                   version_event_id, created_at)
SELECT md5('pre-m-' || j)::uuid, s.session_id, c.role, c.content, k,
       s.started_at + interval '6 s' * k + interval '1 s',
       CASE WHEN c.role = 'user' THEN (hashint8(j) & 1023) < 600 END,
       s.started_at + interval '6 s' * k + interval '1 s',
       md5('pre-e-' || j)::uuid,
       s.started_at + interval '6 s' * k + interval '1 s'
  FROM pre_sess s
 CROSS JOIN LATERAL generate_series(0, s.n - 1) k
 CROSS JOIN LATERAL (SELECT s.first_msg + k AS j) jj
  JOIN bench_corpus c ON c.i = (hashint8(jj.j) & 2147483647) % :ncorpus
 ORDER BY s.i, k;

-- Sessions (rule 1, 3; ended; counters).
INSERT INTO agent_sessions (session_id, room_id, participant_id, anonymous_id,
                            profile_id, started_at, ended_at, end_reason,
                            authenticated_username, auth_at, auth_event_id,
                            last_event_at, duration_seconds, message_count,
                            last_applied_at, created_at, updated_at)
SELECT s.session_id, j.room_id, j.participant_id, s.key,
       COALESCE(u.id, a.merged_into_profile_id, a.id),
       s.started_at, e.occurred_at, 'hangup', s.username,
       CASE WHEN s.username IS NOT NULL THEN s.started_at + interval '30 s' END,
       CASE WHEN s.username IS NOT NULL THEN md5('pre-a-' || s.i)::uuid END,
       e.occurred_at, e.duration_seconds, s.n, e.occurred_at, s.started_at,
       e.occurred_at
  FROM pre_sess s
  JOIN participant_joins j ON j.event_id = md5('pre-j-' || s.i)::uuid
  JOIN call_ends e ON e.event_id = md5('pre-c-' || s.i)::uuid
  JOIN user_profiles a ON a.anonymous_id = s.key
  LEFT JOIN user_profiles u ON u.username = s.username;

-- The message-id registry (sql/015_message_registry.sql): the stored ids
-- as run 1, sealed, its index built once after the rows, as migrating a
-- database with these messages leaves it.  bench.py then runs `convtrack
-- migrate`, which builds run 1's filter.
DROP INDEX message_ids_r1_id;
INSERT INTO message_ids (run, message_id, session_id)
SELECT 1, message_id, session_id FROM conversation_messages;
CREATE UNIQUE INDEX message_ids_r1_id ON message_ids_r1 (message_id)
  WITH (fillfactor = 100);

-- Rule 4 for every profile (the worker's own function).
SELECT ct_refresh_profile_stats(ARRAY(SELECT id FROM user_profiles));
UPDATE user_profiles SET updated_at = COALESCE(last_seen_at, updated_at);

DROP EXTENSION "uuid-ossp";
DROP SCHEMA bench_tmp;
ANALYZE;
SELECT :nsessions AS sessions, :ndev AS devices,
       (SELECT count(*) FROM user_profiles) AS profiles,
       (SELECT count(*) FROM user_profiles WHERE merged_into_profile_id IS NOT NULL) AS merged,
       (SELECT count(*) FROM conversation_messages) AS messages,
       pg_size_pretty(pg_database_size(current_database())) AS size;
