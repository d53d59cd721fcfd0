#!/usr/bin/env bash
# The README's run command: convtrack on an embedded default.
#
# Installs what is missing, builds, starts a throwaway PostgreSQL and a
# Kafka protocol endpoint (librdkafka's mock cluster, scripts/ct-env),
# migrates, runs the worker, feeds it the bundled sample of banking
# conversations (deploy/sample/events.jsonl) and prints what it stored.
#
#   scripts/demo.sh          run, print, clean up
#   scripts/demo.sh --keep   leave the servers and the worker running until
#                            Ctrl-C, to explore with psql, kcat or the
#                            operator commands: it prints them, ready to
#                            paste into a new shell (and writes them to
#                            DIR/hints.sh)
#
# CT_BIN_DIR=DIR uses the binaries already built in DIR instead of
# building (tests/integration/test_demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
keep=0
[ "${1:-}" = "--keep" ] && keep=1

if [ -n "${CT_BIN_DIR:-}" ]; then
  bin=$CT_BIN_DIR
else
  scripts/deps.sh
  cmake -S "$root" -B "$root/build" -DCT_SANITIZE=OFF >/dev/null
  cmake --build "$root/build" -j"$(nproc)" >/dev/null
  bin=$root/build
fi

envdir=$(mktemp -d /tmp/convtrack-demo.XXXXXX)
chmod 755 "$envdir"
worker=
cleanup() {
  if [ -n "$worker" ] && kill -0 "$worker" 2>/dev/null; then
    kill -TERM "$worker"; wait "$worker" || true
  fi
  CT_BIN_DIR=$bin scripts/ct-env stop "$envdir" >/dev/null 2>&1 || true
  rm -rf "$envdir"
}
trap cleanup EXIT

CT_BIN_DIR=$bin scripts/ct-env start "$envdir"
# shellcheck disable=SC1091
. "$envdir/env.sh"
export CONVTRACK_KAFKA_BROKERS=$CT_KAFKA_BROKERS

"$bin/convtrack" migrate
# The worker connects as a login role holding only convtrack_worker (the
# migration creates that role; docs/privileges.md), not as the superuser.
psql -qAtX -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'convtrack_demo_worker')
  THEN CREATE ROLE convtrack_demo_worker LOGIN IN ROLE convtrack_worker; END IF;
END \$\$"
PGUSER=convtrack_demo_worker "$bin/convtrack" run 2>"$envdir/worker.log" &
worker=$!
echo "worker started (pid $worker, log $envdir/worker.log)"

n=$("$bin/ct-kafka" produce -b "$CT_KAFKA_BROKERS" deploy/sample/events.jsonl)
echo "produced $n sample events (deploy/sample/events.jsonl)"
topics="participant-joined message authenticated call-ended"
for _ in $(seq 1 120); do
  lag=$("$bin/ct-kafka" lag -b "$CT_KAFKA_BROKERS" -g convtrack $topics)
  [ "$lag" = 0 ] && break
  sleep 0.5
done
[ "$lag" = 0 ] || { echo "worker did not catch up (lag $lag)"; tail -20 "$envdir/worker.log"; exit 1; }
echo "worker caught up: every event applied and committed"
# Summaries follow summary.grace_ms after each call ends; the open session
# of the sample is old enough to be ended by the first stale sweep.
for _ in $(seq 1 120); do
  pending=$(psql -AtX -c "SELECT (SELECT count(*) FROM agent_sessions
      WHERE ended_at IS NULL OR summary_due_at IS NOT NULL)
    + (SELECT count(*) FROM summary_outbox WHERE sent_at IS NULL)")
  [ "$pending" = 0 ] && break
  sleep 0.5
done
[ "$pending" = 0 ] || { echo "summaries not all published ($pending left)"; tail -20 "$envdir/worker.log"; exit 1; }
echo "every session summarized and its summary_generated event published"

psql -X -q -P pager=off <<'SQL'
\echo
\echo '== Profiles (anonymous ones merged into an account point at it) =='
SELECT p.profile_type AS type,
       COALESCE(p.username, p.anonymous_id) AS "key / username",
       p.phone_number AS phone,
       m.username AS "merged into",
       p.total_sessions AS sessions, p.total_messages AS messages,
       to_char(p.first_seen_at, 'YYYY-MM-DD HH24:MI') AS first_seen,
       to_char(p.last_seen_at, 'YYYY-MM-DD HH24:MI') AS last_seen
  FROM user_profiles p
  LEFT JOIN user_profiles m ON m.id = p.merged_into_profile_id
 ORDER BY p.profile_type DESC, p.merged_into_profile_id NULLS FIRST,
          p.total_sessions DESC, 2;
\echo '== Sessions and the profile each belongs to =='
SELECT left(s.session_id::text, 8) AS session, s.anonymous_id AS "device key",
       COALESCE(p.username, p.anonymous_id) AS profile,
       s.authenticated_username AS "logged in as",
       s.message_count AS messages,
       to_char(s.started_at, 'MM-DD HH24:MI') AS started,
       COALESCE(s.end_reason, CASE WHEN s.ended_at IS NULL THEN '(open)' END) AS ended
  FROM agent_sessions s LEFT JOIN user_profiles p ON p.id = s.profile_id
 ORDER BY s.started_at;
\echo '== Summaries (newest version of each session) =='
SELECT left(c.session_id::text, 8) AS session, c.summary_version AS v,
       c.sentiment, c.resolution_status AS resolution,
       array_to_string(c.topics, ', ') AS topics,
       c.extracted_info->>'user_name' AS name, c.summary
  FROM conversation_summaries c JOIN agent_sessions s USING (session_id)
 ORDER BY s.started_at;
\echo '== What convtrack learned about each profile (profile_metadata) =='
SELECT COALESCE(p.username, p.anonymous_id) AS profile, p.profile_metadata
  FROM user_profiles p
 WHERE p.merged_into_profile_id IS NULL AND p.profile_metadata <> '{}'
 ORDER BY p.total_sessions DESC, 1;
\echo '== Returning callers recognised by what they said (never merged automatically) =='
SELECT a.anonymous_id AS "anonymous device", u.username AS "looks like",
       c.signal, c.confidence, left(c.session_id::text, 8) AS session
  FROM profile_match_candidates c
  JOIN user_profiles a ON a.id = c.profile_id
  JOIN user_profiles u ON u.id = c.candidate_profile_id;
\echo '== Share of caller messages that are banking questions =='
SELECT count(*) FILTER (WHERE is_banking_query) AS banking,
       count(*) AS caller_messages,
       round(100.0 * count(*) FILTER (WHERE is_banking_query) / count(*), 1) AS pct
  FROM conversation_messages WHERE role = 'user';
\echo '== Design notes query: user engagement stats =='
SELECT profile_type, COUNT(*) AS total_users,
       round(AVG(total_sessions), 2) AS avg_sessions_per_user,
       round(AVG(total_messages), 2) AS avg_messages_per_user
  FROM user_profiles WHERE merged_into_profile_id IS NULL
 GROUP BY profile_type;
SQL

"$bin/ct-kafka" dump -b "$CT_KAFKA_BROKERS" summary-generated > "$envdir/summaries.jsonl"
echo "== summary-generated: $(wc -l < "$envdir/summaries.jsonl") events published; the first one =="
head -1 "$envdir/summaries.jsonl" | python3 -c 'import json,sys; print(json.dumps(json.loads(json.load(sys.stdin)["value"]), indent=2))'
dlq=$("$bin/ct-kafka" dump -b "$CT_KAFKA_BROKERS" convtrack-dead-letter --timeout-ms 3000 | wc -l)
echo "dead-lettered records: $dlq"
echo
echo "== convtrack report =="
"$bin/convtrack" report

if [ $keep = 1 ]; then
  # a caller of the sample who logged in, and their profile
  user=$(psql -AtX -c "SELECT username FROM user_profiles
    WHERE profile_type = 'authenticated' ORDER BY total_sessions DESC,
    username LIMIT 1")
  profile=$(psql -AtX -c "SELECT id FROM user_profiles WHERE username = '$user'")
  cat >"$envdir/hints.sh" <<HINTS
. $envdir/env.sh
$bin/convtrack profile show --username $user
$bin/convtrack summaries --profile $profile --json
$bin/convtrack report
HINTS
  cat <<MSG

The servers and the worker keep running until Ctrl-C:
  PostgreSQL: psql -h $PGHOST -p $PGPORT -U postgres convtrack
  Kafka:      kcat -b $CT_KAFKA_BROKERS -L
  Operator commands, in a new shell:
$(sed 's/^/    /' "$envdir/hints.sh")
MSG
  echo "demo ready: $envdir/hints.sh"
  wait "$worker" || true
fi
