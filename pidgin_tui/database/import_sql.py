"""The SQL of an import: one statement per table, all reading the staged JSONL (`_stage`).

Event lines omit fields at their default (see `core.events`), so every optional field is read
through `_or`, which falls back to the event class's own default. Lines of a 0-based schema
version (`ev.ZERO_BASED_SCHEMA`) are moved to 1-based turns and repetitions as they are staged
(`shift`), the same move `core.events.decode_event` makes, so every column counts from 1.
"""

from __future__ import annotations

import json

import msgspec

from pidgin_tui.core import events as ev
from pidgin_tui.core.metric_layouts import METRIC_LAYOUTS
from pidgin_tui.database.metrics_schema import (
    EXTRA_TABLE,
    WIDE_TABLE,
    catalog_keys_literal,
    layout_columns,
    layout_extra_keys,
    metric_columns,
    metrics_struct_type,
)
from pidgin_tui.metrics.endstates import DEGRADATIONS
from pidgin_tui.metrics.turn import METRICS_VERSION
from pidgin_tui.record.compact import AGENT_MODEL_EVENTS


def _or(expr: str, cls: type[ev.Event], name: str) -> str:
    """`expr`, or the field's default as text: event lines omit fields at their default."""
    field_info = next(f for f in msgspec.structs.fields(cls) if f.name == name)
    default = field_info.default
    if default is msgspec.NODEFAULT and field_info.default_factory is not msgspec.NODEFAULT:
        default = field_info.default_factory()
    if default is None or default is msgspec.NODEFAULT:
        return expr
    text = str(default).lower() if isinstance(default, bool) else str(default)
    return "COALESCE({}, '{}')".format(expr, text.replace("'", "''"))


def _or_int(cls: type[ev.Event], name: str) -> int:
    """The integer default of a field (lines omit fields at their default)."""
    default = next(f for f in msgspec.structs.fields(cls) if f.name == name).default
    assert isinstance(default, int)
    return default


_M, _U, _T = ev.MessageCompleteEvent, ev.TokenUsageEvent, ev.TurnCompleteEvent

def _token_sums(only: str = "") -> str:
    """The sums of a group's staged TokenUsageEvents (`only`: the condition that picks them out
    of the group's rows): an unpriced one leaves the cost NULL; the buckets apart from input and
    output are omitted in JSONL when zero."""
    picked = f" FILTER (WHERE {only})" if only else ""
    return f"""
sum(TRY_CAST({_or("input_tokens", _U, "input_tokens")} AS BIGINT)){picked} AS input_tokens,
sum(TRY_CAST({_or("output_tokens", _U, "output_tokens")} AS BIGINT)){picked} AS output_tokens,
CASE WHEN count(cost_usd){picked} = count(*){picked}
     THEN sum(TRY_CAST(cost_usd AS DOUBLE)){picked} END AS cost_usd,
""" + ", ".join(f"COALESCE(sum(TRY_CAST({name} AS BIGINT)){picked}, 0) AS {name}"
                for name in ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens"))


_S, _E = ev.ConversationStartEvent, ev.ConversationEndEvent
_D = ev.EndStateDetectedEvent
_DEGRADATIONS = ", ".join(f"'{name}'" for name in sorted(DEGRADATIONS))

# Every field later statements filter, join or sum on is extracted here, in one parse per line:
# each `data->>'field'` afterwards would parse the whole line again. `json_transform` to
# VARCHARs reads the same text as `json_extract_string`, but faster; a turn's positional
# metrics (`core.metric_layouts`) become a DOUBLE[] here too (NULL for the object form of
# earlier releases, read later). Only unreadable lines keep their file's name (to report them);
# a line without a conversation id takes it from its file's name.
_HEADER = ("event_type", "conversation_id", "seq", "timestamp", "event_id", "turn_number",
           "agent_id", "metrics_version", "convergence_score", "inherited", "schema_version", "t",
           "model", "provider", "payload_sha256")
_MESSAGE_FIELDS = ("content", "thinking", "tokens_used", "duration_ms", "time_to_first_token_ms",
                   "finish_reason", "empty")
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cost_usd", "cache_read_tokens",
                 "cache_write_tokens", "reasoning_tokens")
_HEADER_TYPE = json.dumps({
    **{name: "VARCHAR" for name in (*_HEADER, *_MESSAGE_FIELDS, *_USAGE_FIELDS)},
    "metrics": "DOUBLE[]", "effective": "JSON"})
_STAGED_FIELDS = ", ".join(f"x.{name}" for name in (*_MESSAGE_FIELDS, *_USAGE_FIELDS))
"""A message's and a token usage's fields, staged as text for `messages` and the token sums."""

STAGING_DB = "_staging"
"""The in-memory database an import stages its lines in, attached for the import: unlike temp
tables, its tables are seen by every cursor, so parts of a batch can be staged in parallel."""
STAGE = "_stage"
"""The view of a batch's staged lines (every part of it) that each table's statement reads."""
FILE_HEADERS_TABLE = f"{STAGING_DB}.file_headers"
FILE_HEADERS_SQL = f"""
CREATE OR REPLACE TABLE {FILE_HEADERS_TABLE} AS
SELECT unnest($file::VARCHAR[]) AS file, unnest($conversation::VARCHAR[]) AS conversation,
       unnest($start::VARCHAR[])::TIMESTAMP AS start,
       unnest($version::INTEGER[]) AS version, unnest($model_a::VARCHAR[]) AS model_a,
       unnest($model_b::VARCHAR[]) AS model_b, unnest($effective_a::VARCHAR[]) AS effective_a,
       unnest($effective_b::VARCHAR[]) AS effective_b
"""
"""One row per staged file: the conversation its name says (`record.layout`) and what its first
line states for its compact lines (`record.compact.FileHeader.columns`; NULL when nothing)."""

def _requiring(name: str) -> str:
    """The event types (as a SQL list) whose `name` field has no default."""
    return ", ".join(f"'{cls.__name__}'" for cls in ev.ALL_EVENT_TYPES if any(
        f.name == name and f.default is msgspec.NODEFAULT
        and f.default_factory is msgspec.NODEFAULT for f in msgspec.structs.fields(cls)))


_MISSING = f"""COALESCE(
    (x.event_type IN ({_requiring("turn_number")}) AND TRY_CAST(x.turn_number AS INTEGER) IS NULL)
    OR (x.event_type IN ({_requiring("agent_id")}) AND x.agent_id IS NULL)
    OR (x.event_type IN ({_requiring("content")}) AND x.content IS NULL), false)"""
"""A line of a known type without a field its type requires (or with one of the wrong type):
unreadable, as the one reader finds it, so it is skipped and reported rather than failing the
import (the staged columns every table relies on; compact lines never leave these out)."""

_AGENT_MODEL = ", ".join(f"'{cls.__name__}'" for cls in AGENT_MODEL_EVENTS)
_HASH_KEY = '\'"payload_sha256":"\''

# A compact line (`record.compact`) gets back, as text, what it left to its file's first line:
# its `timestamp` and `schema_version` in place of `"t":<ms>`, the agent's model and effective
# settings and the provider its model names (put right after them: they are absent from the
# line), and its payload hash in hex. The text then reads as the full line would, but for a
# turn's positional metrics, which the events table leaves out anyway (no second parse of them).
# The head is put back with `replace` (a byte search) rather than `substr`, which counts
# characters from the start of every line: that was 7 % of an import's instructions.
_RESTORED = """replace(line, concat('{"event_type":"', event_type, '","t":', t), concat(
    '{"event_type":"', event_type, '","timestamp":"', strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%gZ'),
    '","schema_version":', version,
    CASE WHEN start_model IS NOT NULL THEN ',"model":' || to_json(start_model) END,
    CASE WHEN start_effective IS NOT NULL THEN ',"effective":' || start_effective END,
    CASE WHEN event_type = 'TokenUsageEvent' AND provider IS NULL
         THEN ',"provider":' || to_json(CASE WHEN contains(COALESCE(model, start_model), ':')
              THEN split_part(COALESCE(model, start_model), ':', 1) ELSE '' END) END))"""

# A compact turn's positional metrics are cut out of its text (the first `,"metrics":[` through
# the next `]`, as the regular expression says) by splitting the line at `"metrics":[` and then
# at `]`: both searches jump from quote to quote and bracket to bracket, where the regular
# expression stepped through every byte of the numbers (6 % of an import's instructions). A line
# that does not have that one key after a comma and a `]` after it takes the expression.
_METRICS_CUT = """CASE WHEN len(metrics_split) = 2 AND ends_with(metrics_split[1], ',')
                      AND contains(metrics_split[2], ']')
                 THEN left(metrics_split[1], -1)
                      || array_to_string(string_split(metrics_split[2], ']')[2:], ']')
                 ELSE regexp_replace(data::VARCHAR, ',"metrics":\\[[^\\]]*\\]', '') END"""

_LINES = "<lines>"
"""Where the stage's statement reads the lines from (`_TEXT_LINES` or `_OBJECT_LINES`)."""
_CONVERSATION_EVENTS = ("'ConversationStartEvent', 'ConversationEndEvent', "
                        "'ConversationBranchedEvent', 'EndStateDetectedEvent'")
"""The events whose text the conversations table reads."""

_STAGE_COLUMNS = f"""
SELECT filename, event_type, conversation_id, seq, timestamp, event_id,
       turn_number + shift AS turn_number, agent_id, metrics_version, convergence_score,
       inherited, metric_values, COALESCE(model, start_model) AS model,
       COALESCE(effective, start_effective::JSON) AS effective,
       {", ".join((*_MESSAGE_FIELDS, *_USAGE_FIELDS))},
       CASE WHEN line IS NOT NULL THEN ({_RESTORED})::JSON
            WHEN shift = 0 THEN data::JSON ELSE json_merge_patch(data, json_object(
           'schema_version', {ev.SCHEMA_VERSION}, 'turn_number', turn_number + shift,
           'repetition', CASE WHEN event_type = 'ConversationStartEvent' THEN COALESCE(
               TRY_CAST(data->>'repetition' AS INTEGER), {_or_int(_S, "repetition")}) + shift END,
           'onset_turn', TRY_CAST(data->>'onset_turn' AS INTEGER) + shift)) END AS data
FROM (
SELECT *, CASE WHEN t IS NULL OR event_type IS NULL THEN NULL
               WHEN event_type = 'MessageRequestEvent' AND length(sha) = 43
                    AND regexp_full_match(sha, '[A-Za-z0-9+/]{{43}}')
               THEN replace(data::VARCHAR, {_HASH_KEY} || sha || '"',
                            {_HASH_KEY} || lower(hex(from_base64(sha || '='))) || '"')
               WHEN event_type = 'TurnCompleteEvent' AND metric_values IS NOT NULL
               THEN {_METRICS_CUT}
               ELSE data::VARCHAR END AS line
FROM (
SELECT unreadable, CASE WHEN unreadable THEN filename END AS filename,
       CASE WHEN NOT unreadable THEN x.event_type END AS event_type,
       COALESCE(x.conversation_id, h.conversation) AS conversation_id,
       TRY_CAST(x.seq AS BIGINT) AS seq,
       CASE WHEN x.t IS NULL THEN TRY_CAST(x.timestamp AS TIMESTAMP)
            ELSE h.start + to_milliseconds(TRY_CAST(x.t AS BIGINT)) END AS timestamp,
       x.event_id,
       COALESCE(TRY_CAST(x.turn_number AS INTEGER), CASE x.event_type
           WHEN 'AgentNameChosenEvent' THEN {_or_int(ev.AgentNameChosenEvent, "turn_number")}
           END) AS turn_number, x.agent_id,
       CASE WHEN x.event_type = 'TurnCompleteEvent'
            THEN TRY_CAST({_or("x.metrics_version", _T, "metrics_version")} AS INTEGER) END
           AS metrics_version,
       TRY_CAST(x.convergence_score AS DOUBLE) AS convergence_score,
       COALESCE(TRY_CAST(x.inherited AS BOOLEAN), false) AS inherited,
       x.metrics AS metric_values, x.t, x.model, x.provider, x.payload_sha256 AS sha, h.version,
       x.effective, {_STAGED_FIELDS},
       CASE WHEN x.t IS NOT NULL AND x.model IS NULL AND x.event_type IN ({_AGENT_MODEL})
            THEN CASE x.agent_id WHEN 'agent_a' THEN h.model_a WHEN 'agent_b' THEN h.model_b END
            END AS start_model,
       CASE WHEN x.t IS NOT NULL AND x.effective IS NULL
                 AND x.event_type = 'MessageRequestEvent'
            THEN CASE x.agent_id WHEN 'agent_a' THEN h.effective_a
                                 WHEN 'agent_b' THEN h.effective_b END END AS start_effective,
       CASE WHEN COALESCE(TRY_CAST(x.schema_version AS INTEGER),
                          CASE WHEN x.t IS NOT NULL THEN h.version END, {ev.ZERO_BASED_SCHEMA})
                 <= {ev.ZERO_BASED_SCHEMA} THEN {ev.FIRST_TURN} ELSE 0 END AS shift, data,
       CASE WHEN x.event_type = 'TurnCompleteEvent' AND x.t IS NOT NULL AND x.metrics IS NOT NULL
            THEN string_split(data, '"metrics":[') END AS metrics_split
FROM (SELECT *, x.event_type IS NULL OR (x.t IS NOT NULL AND h.start IS NULL) OR {_MISSING}
                 AS unreadable
      FROM (SELECT *, json_transform(data, '{_HEADER_TYPE}') AS x FROM ({_LINES})) AS h) AS h))
"""

_TEXT_LINES = f"""
SELECT * FROM (
    SELECT t.filename, unnest(string_split(t.content, chr(10))) AS data, h.*
    FROM read_text($files) AS t JOIN {FILE_HEADERS_TABLE} AS h ON h.file = t.filename)
WHERE data <> '' AND (starts_with(data, '{{') AND ends_with(data, '}}')
                      OR error('not a JSON object on each line'))"""
"""Each file's lines as text (with the file's header), without empty ones: each is parsed once,
by `json_transform`, which fails the statement at a malformed line. Then `_OBJECT_LINES` reads
the batch again (as it does a line with blanks around it, which it would read without them)."""
_OBJECT_LINES = f"""
SELECT o.filename, o.json AS data, h.*
FROM read_json_objects($files, format = 'newline_delimited', ignore_errors = true,
                       filename = true) AS o
JOIN {FILE_HEADERS_TABLE} AS h ON h.file = o.filename"""
"""Each file's lines as JSON (with the file's header), a malformed one as NULL: DuckDB parses
every line to find where it ends, and `json_transform` parses it again."""

STAGE_SQL = _STAGE_COLUMNS.replace(_LINES, _OBJECT_LINES)
"""A batch's (or a part's) staged rows from `$files`, each line read by DuckDB's JSON reader."""
STAGE_TEXT_SQL = _STAGE_COLUMNS.replace(_LINES, _TEXT_LINES)
""""`STAGE_SQL` for files whose every line is well-formed JSON (the usual case), else it fails."""

_SCORE_EVENTS = "('TurnCompleteEvent', 'EndStateDetectedEvent')"
RESCORED_TABLE = f"{STAGING_DB}.rescored"


def rescored_sql(parts: list[str]) -> tuple[str, ...]:
    """The statements by which a conversation's rescored scores (`pidgin-tui rescore`, staged
    from `$files`) take the place of its recorded TurnComplete and EndStateDetected events in
    the staged `parts`; its unreadable rescore lines are left out. `RESCORED_TABLE` is then a
    part of the stage of its own."""
    return (
        f"CREATE OR REPLACE TABLE {RESCORED_TABLE} AS {STAGE_SQL}",
        *(f"""DELETE FROM {part} WHERE event_type IN {_SCORE_EVENTS} AND conversation_id IN
              (SELECT DISTINCT conversation_id FROM {RESCORED_TABLE}
               WHERE event_type = 'TurnCompleteEvent')""" for part in parts),
        f"DELETE FROM {RESCORED_TABLE} WHERE event_type IS NULL "
        f"OR event_type NOT IN {_SCORE_EVENTS}",
    )

EVENTS_SQL = """
INSERT INTO events
SELECT $exp, conversation_id, seq, event_type, timestamp, event_id,
       CASE WHEN event_type = 'TurnCompleteEvent' THEN json_remove(data, '$.metrics')
            ELSE data END
FROM _stage WHERE event_type IS NOT NULL
"""

MESSAGES_ROWS = f"""
SELECT $exp, m.conversation_id, m.turn_number, m.agent_id, m.content, m.thinking,
       TRY_CAST({_or("m.tokens_used", _M, "tokens_used")} AS BIGINT),
       u.input_tokens, u.output_tokens, u.cost_usd,
       TRY_CAST({_or("m.duration_ms", _M, "duration_ms")} AS BIGINT),
       TRY_CAST(m.time_to_first_token_ms AS BIGINT), {_or("m.model", _M, "model")},
       {_or("m.finish_reason", _M, "finish_reason")}, m.timestamp, u.cache_read_tokens,
       u.cache_write_tokens, u.reasoning_tokens, TRY_CAST(r.eff->>'temperature' AS DOUBLE),
       TRY_CAST(r.eff->>'max_output_tokens' AS BIGINT), r.eff->>'thinking',
       CAST(r.eff->'ignored' AS VARCHAR[]), TRY_CAST({_or("m.empty", _M, "empty")} AS BOOLEAN),
       m.inherited
FROM (SELECT * FROM _stage WHERE event_type = 'MessageCompleteEvent') AS m
LEFT JOIN (SELECT conversation_id, turn_number, agent_id, {_token_sums()}
           FROM _stage WHERE event_type = 'TokenUsageEvent'
           GROUP BY conversation_id, turn_number, agent_id) AS u
  ON u.conversation_id = m.conversation_id AND u.turn_number = m.turn_number
 AND u.agent_id = m.agent_id
LEFT JOIN (SELECT conversation_id, turn_number, agent_id, effective AS eff
           FROM _stage WHERE event_type = 'MessageRequestEvent'
           QUALIFY row_number() OVER (PARTITION BY conversation_id, turn_number, agent_id
                                      ORDER BY seq DESC) = 1) AS r
  ON r.conversation_id = m.conversation_id AND r.turn_number = m.turn_number
 AND r.agent_id = m.agent_id
"""

# Each turn's metrics land in catalog DOUBLE columns: a positional array by its version's
# layout, the object form of earlier releases parsed into a struct of catalog keys (keys another
# metrics version named the same way land in the same columns). Keys the catalog does not know
# are kept in long form, which only turns of other metric versions can have.
_TURNS = "FROM _stage WHERE event_type = 'TurnCompleteEvent' AND NOT inherited"


def _layout_wide(versions: list[int]) -> str:
    return f"""
SELECT $exp, conversation_id, turn_number, metrics_version,
       {layout_columns(versions[0], "metric_values")}, convergence_score
{_TURNS} AND metric_values IS NOT NULL AND metrics_version IN ({", ".join(map(str, versions))})"""


def _versions_by_layout() -> list[list[int]]:
    """The metrics versions, grouped by layout: versions that changed a definition but not the
    names share one SELECT (a SELECT of ~170 columns costs about as much to parse and plan as
    to run)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for version in sorted(METRIC_LAYOUTS):
        groups.setdefault(METRIC_LAYOUTS[version], []).append(version)
    return list(groups.values())


WIDE_METRICS_SQL = f"INSERT INTO {WIDE_TABLE} " + " UNION ALL ".join(
    _layout_wide(versions) for versions in _versions_by_layout())

HAS_OBJECT_METRICS_SQL = f"SELECT count(*) > 0 {_TURNS} AND metric_values IS NULL"
"""Whether the staged lines have metrics in the object form of earlier releases: only then
do the statements that read it run (planning them alone costs more than the array form)."""

WIDE_OBJECT_METRICS_SQL = f"""
INSERT INTO {WIDE_TABLE}
SELECT $exp, conversation_id, turn_number, metrics_version, {metric_columns("m")},
       convergence_score
FROM (SELECT conversation_id, turn_number, metrics_version, convergence_score,
             json_transform(data, {metrics_struct_type()}).metrics AS m
      {_TURNS} AND metric_values IS NULL)
"""


def _layout_extra(version: int) -> str:
    keys = layout_extra_keys(version)
    names = ", ".join("'" + key + "'" for _, key in keys)
    values = ", ".join(f"metric_values[{i}]" for i, _ in keys)
    return f"""
SELECT conversation_id, turn_number, metrics_version, unnest([{names}]) AS key,
       unnest([{values}]) AS value
{_TURNS} AND metric_values IS NOT NULL AND metrics_version = {version}"""


def _extra_sql(source: str) -> str:
    return f"""
INSERT INTO {EXTRA_TABLE}
SELECT $exp, t.conversation_id, t.turn_number,
       CASE left(t.key, 2) WHEN 'a_' THEN 'a' WHEN 'b_' THEN 'b' END,
       CASE WHEN left(t.key, 2) IN ('a_', 'b_') THEN substr(t.key, 3) ELSE t.key END,
       t.value, t.metrics_version
FROM ({source}) AS t
WHERE t.value IS NOT NULL
"""


EXTRA_METRICS_SQL = _extra_sql(" UNION ALL ".join(_layout_extra(v) for v in sorted(METRIC_LAYOUTS)
                                                  if layout_extra_keys(v))) \
    if any(layout_extra_keys(v) for v in METRIC_LAYOUTS) else None
"""Values of positional metrics whose layout has a key the catalog does not know (None when
no layout has one)."""

EXTRA_OBJECT_METRICS_SQL = _extra_sql(f"""
SELECT o.conversation_id, o.turn_number, o.metrics_version, j.key,
       TRY_CAST(j.value AS DOUBLE) AS value
FROM (SELECT conversation_id, turn_number, metrics_version, data->'metrics' AS metrics
      {_TURNS} AND metric_values IS NULL
        AND metrics_version IS DISTINCT FROM {METRICS_VERSION}) AS o,
     json_each(o.metrics) AS j
WHERE NOT list_contains({catalog_keys_literal()}, j.key)""")


_FIRST, _LAST = "COALESCE(seq, 9223372036854775807)", "COALESCE(seq, -9223372036854775808)"
"""The order of a conversation's events of one type: the first by seq, or the last (a line
without a seq comes after every other)."""

CONVERSATIONS_ROWS = f"""
SELECT $exp, conversation_id,
       TRY_CAST({_or("st.data->>'repetition'", _S, "repetition")} AS INTEGER),
       st.data->>'agent_a_model', st.data->>'agent_b_model',
       {_or("st.data->>'agent_a_name'", _S, "agent_a_name")},
       {_or("st.data->>'agent_b_name'", _S, "agent_b_name")},
       TRY_CAST(st.data->>'temperature_a' AS DOUBLE),
       TRY_CAST(st.data->>'temperature_b' AS DOUBLE),
       {_or("st.data->>'awareness_a'", _S, "awareness_a")},
       {_or("st.data->>'awareness_b'", _S, "awareness_b")},
       {_or("st.data->>'first_speaker'", _S, "first_speaker")},
       st.data->'config'->>'convergence_profile',
       TRY_CAST({_or("st.data->>'max_turns'", _S, "max_turns")} AS INTEGER),
       {_or("st.data->>'initial_prompt'", _S, "initial_prompt")},
       CASE WHEN en IS NOT NULL THEN {_or("en.data->>'status'", _E, "status")}
            WHEN $running THEN 'running' ELSE 'interrupted' END,
       en.data->>'reason', en.data->>'error', COALESCE(turns, 0),
       COALESCE(input_tokens, 0), COALESCE(output_tokens, 0),
       COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0),
       CASE WHEN COALESCE(usages, 0) = 0 THEN 0.0 ELSE cost_usd END,
       final_convergence, max_convergence, COALESCE(end_states, []), COALESCE(onsets, []),
       first_end_state, onset,
       COALESCE(substantive, TRY_CAST(en.data->>'total_turns' AS INTEGER), turns, 0),
       st.at, en.at, TRY_CAST({_or("en.data->>'duration_ms'", _E, "duration_ms")} AS BIGINT),
       COALESCE(cache_read_tokens, 0), COALESCE(cache_write_tokens, 0),
       COALESCE(reasoning_tokens, 0),
       TRY_CAST(st.data->'effective_a'->>'temperature' AS DOUBLE),
       TRY_CAST(st.data->'effective_b'->>'temperature' AS DOUBLE),
       st.data->'effective_a'->>'thinking', st.data->'effective_b'->>'thinking',
       CAST(st.data->'effective_a'->'ignored' AS VARCHAR[]),
       CAST(st.data->'effective_b'->'ignored' AS VARCHAR[]), COALESCE(empty_replies, 0),
       NULLIF(br->>'parent_experiment_id', ''), br->>'source_conversation_id',
       TRY_CAST(br->>'branch_turn' AS INTEGER)
FROM (  -- what the conversation's own events say: one pass over the few lines that carry it
    SELECT conversation_id,
           arg_min({{'data': data, 'at': timestamp}}, {_FIRST}) FILTER (WHERE is_start) AS st,
           arg_max({{'data': data, 'at': timestamp}}, {_LAST}) FILTER (WHERE is_end) AS en,
           arg_min(data, {_FIRST}) FILTER (WHERE is_branch) AS br,
           list(x[1] ORDER BY TRY_CAST(x[2] AS INTEGER), seq) FILTER (WHERE NOT is_lifecycle)
               AS end_states,
           list(TRY_CAST(x[2] AS INTEGER) ORDER BY TRY_CAST(x[2] AS INTEGER), seq)
               FILTER (WHERE NOT is_lifecycle) AS onsets,
           arg_min(x[1], (TRY_CAST(x[2] AS INTEGER), seq)) FILTER (WHERE NOT is_lifecycle)
               AS first_end_state,
           min(TRY_CAST(x[2] AS INTEGER)) AS onset,
           min(TRY_CAST({_or("x[3]", _D, "substantive_turns")} AS INTEGER))
               FILTER (WHERE x[1] IN ({_DEGRADATIONS})) AS substantive
    FROM (SELECT conversation_id, seq, timestamp, data,
                 event_type = 'ConversationStartEvent' AS is_start,
                 event_type = 'ConversationEndEvent' AS is_end,
                 event_type = 'ConversationBranchedEvent' AS is_branch,
                 is_start OR is_end OR is_branch AS is_lifecycle,
                 CASE WHEN NOT is_lifecycle THEN json_extract_string(data,
                     ['$.end_state', '$.onset_turn', '$.substantive_turns']) END AS x
          FROM _stage WHERE event_type IN ({_CONVERSATION_EVENTS}))
    GROUP BY conversation_id HAVING st IS NOT NULL)
LEFT JOIN (  -- what its turns add up to: one pass over their lines, whose texts it leaves
    SELECT conversation_id, count(*) FILTER (WHERE is_usage) AS usages,
           {_token_sums("is_usage")},
           count(*) FILTER (WHERE event_type = 'MessageCompleteEvent' AND empty = 'true')
               AS empty_replies,
           -- turns completed: distinct turns with a TurnCompleteEvent, as ConversationRecord
           -- (counted from a list: `count(DISTINCT)` is planned as a second aggregation)
           list_unique(list(turn_number) FILTER (WHERE is_turn)) AS turns,
           arg_max(convergence_score, turn_number) FILTER (WHERE is_turn) AS final_convergence,
           max(convergence_score) FILTER (WHERE is_turn) AS max_convergence
    FROM (SELECT conversation_id, event_type, turn_number, convergence_score, empty,
                 input_tokens, output_tokens, cost_usd, cache_read_tokens, cache_write_tokens,
                 reasoning_tokens, event_type = 'TokenUsageEvent' AS is_usage,
                 event_type = 'TurnCompleteEvent' AS is_turn
          FROM _stage WHERE event_type IN ('TokenUsageEvent', 'MessageCompleteEvent',
                                           'TurnCompleteEvent'))
    GROUP BY conversation_id) USING (conversation_id)
"""

EXPERIMENT_SQL = """
INSERT INTO experiments
SELECT $exp, $name, $status, $directory, TRY_CAST($created_at AS TIMESTAMP),
       TRY_CAST($started_at AS TIMESTAMP), TRY_CAST($completed_at AS TIMESTAMP),
       greatest($total, count(*)), count(*) FILTER (WHERE status = 'completed'),
       count(*) FILTER (WHERE status = 'failed'),
       count(*) FILTER (WHERE status = 'interrupted'), COALESCE(sum(total_turns), 0),
       COALESCE(sum(total_tokens), 0),
       CASE WHEN count(cost_usd) = count(*) THEN COALESCE(sum(cost_usd), 0.0) END,
       $config::JSON, $events, $skipped, now()::TIMESTAMP,
       COALESCE(sum(input_tokens), 0), COALESCE(sum(cache_read_tokens), 0),
       COALESCE(sum(cache_write_tokens), 0), COALESCE(sum(output_tokens), 0),
       COALESCE(sum(reasoning_tokens), 0)
FROM conversations WHERE experiment_id = $exp
"""
