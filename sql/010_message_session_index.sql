-- convtrack schema, version 10: conversation_messages is found by session
-- through an index on session_id alone (issue 4, throughput).
--
-- Every query that finds messages by session asks for all of a session's
-- messages (the summarizer, erasure, retention, the analytics views) and
-- orders a few dozen rows, if at all; none reads a range of the old index's
-- (session_id, occurred_at, seq, message_id) order.  That index cost every
-- message a 48-byte key.  An index on session_id alone stores a session's
-- rows as one key with a list of row pointers (B-tree deduplication), about
-- a fifth of the size, so a message costs less to index and a busy database
-- keeps the index in memory: it grows with the number of sessions, not of
-- messages.  The summarizer's read (ORDER BY occurred_at, seq NULLS LAST,
-- message_id) sorts the session's rows after the index scan.
--
-- On a large existing table, build the new index first with
-- CREATE INDEX CONCURRENTLY under the same name; this migration then only
-- drops the old one.

CREATE INDEX IF NOT EXISTS conversation_messages_session_id_idx
    ON conversation_messages (session_id);
DROP INDEX conversation_messages_session_idx;
