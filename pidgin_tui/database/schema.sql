-- pidgin-tui analysis database (DuckDB). Every table carries experiment_id so one experiment's
-- rows can be replaced in one transaction. Timestamps are UTC. The metrics tables are created
-- separately (their columns come from the metrics catalog; see metrics_schema.py).
-- Turns and repetitions count from 1 in every column and in `events.data`, whatever schema
-- version wrote the JSONL (the import moves 0-based lines; see import_sql.py).
-- Long text columns use zstd: measured on 200 × 30 turns it checkpoints in half the time of
-- DuckDB's default string compression and makes the file three times smaller.

CREATE TABLE IF NOT EXISTS schema_info (
    key VARCHAR,
    value VARCHAR
);

-- Every persisted event, one row per JSONL line; `data` is the event as JSON (fields at their
-- default are omitted, as in the JSONL; a TurnCompleteEvent's metrics live in turn_metrics_wide).
CREATE TABLE IF NOT EXISTS events (
    experiment_id VARCHAR NOT NULL,
    conversation_id VARCHAR,            -- NULL for experiment-level events
    seq BIGINT,
    event_type VARCHAR NOT NULL,
    timestamp TIMESTAMP,
    event_id VARCHAR USING COMPRESSION zstd,
    data JSON USING COMPRESSION zstd
);

CREATE TABLE IF NOT EXISTS experiments (
    experiment_id VARCHAR NOT NULL,
    name VARCHAR,
    status VARCHAR,                     -- created | running | completed | failed | interrupted
    directory VARCHAR,
    created_at TIMESTAMP,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    total_conversations INTEGER,
    completed_conversations INTEGER,
    failed_conversations INTEGER,
    interrupted_conversations INTEGER,
    total_turns BIGINT,
    total_tokens BIGINT,
    total_cost_usd DOUBLE,              -- NULL when any request was unpriced
    config JSON,
    events_imported BIGINT,
    lines_skipped BIGINT,
    imported_at TIMESTAMP,
    input_tokens BIGINT,                -- uncached input; the cache buckets are apart
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    output_tokens BIGINT,               -- reasoning included
    reasoning_tokens BIGINT
);

CREATE TABLE IF NOT EXISTS conversations (
    experiment_id VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    repetition INTEGER,                 -- 1 for the first conversation of the experiment
    agent_a_model VARCHAR,
    agent_b_model VARCHAR,
    agent_a_name VARCHAR,
    agent_b_name VARCHAR,
    temperature_a DOUBLE,
    temperature_b DOUBLE,
    awareness_a VARCHAR,
    awareness_b VARCHAR,
    first_speaker VARCHAR,
    convergence_profile VARCHAR,
    max_turns INTEGER,
    initial_prompt VARCHAR,
    status VARCHAR,                     -- completed | failed | interrupted (no end event) | running
    end_reason VARCHAR,
    error VARCHAR,
    total_turns INTEGER,
    input_tokens BIGINT,
    output_tokens BIGINT,
    total_tokens BIGINT,
    cost_usd DOUBLE,                    -- NULL when any request was unpriced
    final_convergence DOUBLE,
    max_convergence DOUBLE,
    end_states VARCHAR[],               -- end states detected, in order of onset (metrics/endstates.py)
    end_state_onsets INTEGER[],         -- the turn each of them began at
    first_end_state VARCHAR,            -- the earliest of them, NULL when none
    end_state_onset INTEGER,            -- the turn at which it began
    substantive_turns INTEGER,          -- turns before the first degradation (all when none)
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    duration_ms BIGINT,
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    reasoning_tokens BIGINT,            -- within output_tokens
    -- What each agent's requests carried (MessageRequestEvent.effective), NULL when not sent.
    effective_temperature_a DOUBLE,
    effective_temperature_b DOUBLE,
    effective_thinking_a VARCHAR,       -- on | off | minimal | always | provider default
    effective_thinking_b VARCHAR,
    ignored_params_a VARCHAR[],         -- requested settings the model could not take
    ignored_params_b VARCHAR[],
    empty_replies INTEGER,              -- replies with no text (sent on as the placeholder)
    -- Lineage of a branch (NULL for a conversation that is not one): it shares turns
    -- 1..branch_turn with the parent, whose messages it holds marked `inherited`.
    parent_experiment_id VARCHAR,
    parent_conversation_id VARCHAR,
    branch_turn INTEGER
);

CREATE TABLE IF NOT EXISTS messages (
    experiment_id VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    turn_number INTEGER NOT NULL,       -- 1-based, as in the events and the transcripts
    agent_id VARCHAR NOT NULL,          -- agent_a | agent_b
    content VARCHAR USING COMPRESSION zstd,
    thinking VARCHAR USING COMPRESSION zstd,
    tokens BIGINT,                      -- tokens_used reported with the message
    input_tokens BIGINT,
    output_tokens BIGINT,
    cost_usd DOUBLE,
    duration_ms BIGINT,
    time_to_first_token_ms BIGINT,
    model VARCHAR,
    finish_reason VARCHAR,
    timestamp TIMESTAMP,
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    reasoning_tokens BIGINT,            -- within output_tokens
    effective_temperature DOUBLE,       -- as sent (NULL: none was sent)
    effective_max_output_tokens BIGINT,
    effective_thinking VARCHAR,         -- on | off | minimal | always | provider default
    ignored_params VARCHAR[],           -- requested settings the request did not carry
    empty BOOLEAN,                      -- no text came back (finish_reason says why)
    inherited BOOLEAN                   -- copied from the parent at a branch: counted there
);

-- Metric values whose key the current metrics catalog does not know (turns scored by another
-- metrics version); catalog metrics live in the wide table `turn_metrics_wide`, and the view
-- `turn_metrics` shows both in long form. Both are created from the catalog, in Python.
CREATE TABLE IF NOT EXISTS turn_metrics_extra (
    experiment_id VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    turn_number INTEGER NOT NULL,
    agent VARCHAR,                      -- 'a', 'b', or NULL for cross-agent metrics
    metric VARCHAR NOT NULL,
    value DOUBLE,
    metrics_version INTEGER
);

-- Every conversation with its place in a family: parent (NULL for a root), branch turn, how it
-- ended and how many branches were made from it.
CREATE OR REPLACE VIEW conversation_tree AS
SELECT c.experiment_id, c.conversation_id, c.parent_experiment_id, c.parent_conversation_id,
       c.branch_turn, c.agent_a_model, c.agent_b_model, c.status, c.end_reason, c.total_turns,
       c.final_convergence,
       (SELECT count(*) FROM conversations k
        WHERE k.parent_conversation_id = c.conversation_id) AS branches
FROM conversations c;
