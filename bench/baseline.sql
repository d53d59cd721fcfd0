-- The baseline's triggers (bench/run.sh applies this to a database that
-- `convtrack migrate` created, so the tables and indexes are convtrack's).
--
-- The design notes' approach: a row trigger keeps the statistics.  Each
-- inserted message bumps its session's message_count (creating the session
-- row when the message came before the participant_joined) and its session
-- profile's total_messages.  tools/ct_bench_baseline.c does the rest: one
-- transaction per event, offset stored after COMMIT.

-- The design notes keep a message unique by its primary key; since schema
-- 15 convtrack keeps that in its message-id registry instead, so the
-- baseline gets its key back here (its ON CONFLICT (message_id) needs it).
CREATE UNIQUE INDEX bench_baseline_message_id ON conversation_messages (message_id);

CREATE FUNCTION bench_baseline_message_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agent_sessions AS s (session_id, started_at, last_event_at,
                                     message_count)
    VALUES (NEW.session_id, NEW.occurred_at, NEW.occurred_at, 1)
    ON CONFLICT (session_id) DO UPDATE
       SET message_count = s.message_count + 1,
           last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),
           updated_at = now();
    UPDATE user_profiles p
       SET total_messages = p.total_messages + 1,
           last_seen_at = GREATEST(p.last_seen_at, NEW.occurred_at),
           updated_at = now()
      FROM agent_sessions s
     WHERE s.session_id = NEW.session_id AND p.id = s.profile_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER bench_baseline_message_counters
    AFTER INSERT ON conversation_messages
    FOR EACH ROW EXECUTE FUNCTION bench_baseline_message_counters();
