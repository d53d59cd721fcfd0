-- 014: LLM summaries (issue 20, docs/llm-summaries.md).
--
-- One row per (session, input): input_hash is the SHA-256 of the request
-- that was (or is being) sent, which holds the redacted transcript, the
-- model and the prompt with its version, so the same input is never asked
-- twice and a redelivery, a sweep or a restart reuses the answer.
--   outcome  'pending' while a worker's LLM thread asks; then 'ok' (content
--            holds the six validated fields as JSON) or the reason the
--            rules' summary was used instead ('timeout', 'refused',
--            'rate_limited', 'server_error', 'http_error', 'invalid_json',
--            'schema', 'unknown_topic', 'model_refusal', 'budget', 'error').
--            The first result is final.
-- Rows go with their session (erasure deletes sessions).
CREATE TABLE llm_summary_results (
    session_id   uuid NOT NULL REFERENCES agent_sessions (session_id)
                 ON DELETE CASCADE,
    input_hash   text NOT NULL,
    model        text NOT NULL,
    prompt_version integer NOT NULL,
    outcome      text NOT NULL,
    content      text,
    tokens_in    integer,
    tokens_out   integer,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, input_hash)
);
-- the daily token budget sums one UTC day
CREATE INDEX llm_summary_results_day_idx ON llm_summary_results (updated_at);
