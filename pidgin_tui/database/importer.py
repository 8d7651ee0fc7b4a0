"""Bulk import of one experiment directory's JSONL into DuckDB, replacing its previous rows.

All files are read in one `read_json_objects` scan (no Python-side parsing, no row-at-a-time
inserts); every table is then filled with one INSERT ... SELECT each, inside one transaction
that first deletes the experiment's old rows, so a re-import is idempotent and a failed import
leaves the previous data intact. Unparseable lines (a truncated last line after a crash, or a
corrupt line) become NULL rows in the scan; they are skipped and reported per file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import msgspec

from pidgin_tui.core import events as ev
from pidgin_tui.database.connection import DatabaseError
from pidgin_tui.metrics.catalog import metric_names
from pidgin_tui.metrics.turn import METRICS_VERSION

MANIFEST = "manifest.json"
EXPERIMENT_EVENTS = "experiment_events.jsonl"
TABLES = ("events", "messages", "turn_metrics", "conversations", "experiments")


@dataclass(slots=True)
class ImportReport:
    experiment_id: str
    experiment_dir: Path
    files: int = 0
    events: int = 0
    conversations: int = 0
    messages: int = 0
    metric_rows: int = 0
    skipped_lines: int = 0
    problems: list[str] = field(default_factory=list)
    """One line per file with skipped lines, e.g. `conv_x_events.jsonl: truncated last line
    skipped`."""
    duration_s: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.duration_s if self.duration_s else 0.0

    def summary(self) -> str:
        text = (f"{self.experiment_id}: {self.events} events, {self.conversations} conversations, "
                f"{self.messages} messages, {self.metric_rows} metric values "
                f"in {self.duration_s:.2f}s")
        if self.skipped_lines:
            text += f"; {self.skipped_lines} unreadable line(s) skipped"
        return text


def event_files(experiment_dir: Path) -> list[Path]:
    """The experiment-level JSONL (if any) and every conversation JSONL, in name order."""
    files = sorted(experiment_dir.glob("conv_*_events.jsonl"))
    exp_file = experiment_dir / EXPERIMENT_EVENTS
    return ([exp_file] if exp_file.is_file() else []) + files


def _ends_with_newline(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return True
    with open(path, "rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) == b"\n"


def _read_manifest(experiment_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((experiment_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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


_M, _U, _T = ev.MessageCompleteEvent, ev.TokenUsageEvent, ev.TurnCompleteEvent
_S, _E = ev.ConversationStartEvent, ev.ConversationEndEvent

_STAGE_SQL = """
CREATE OR REPLACE TEMP TABLE _stage AS
SELECT filename, x[1] AS event_type, x[2] AS conversation_id, TRY_CAST(x[3] AS BIGINT) AS seq,
       TRY_CAST(x[4] AS TIMESTAMP) AS timestamp, x[5] AS event_id, x[6] AS experiment_id, data
FROM (SELECT filename, data, json_extract_string(data, ['$.event_type', '$.conversation_id',
             '$.seq', '$.timestamp', '$.event_id', '$.experiment_id']) AS x
      FROM (SELECT filename, json AS data FROM read_json_objects(
            $files, format = 'newline_delimited', ignore_errors = true, filename = true)))
"""

_EVENTS_SQL = """
INSERT INTO events
SELECT $exp, conversation_id, seq, event_type, timestamp, event_id,
       CASE WHEN event_type = 'TurnCompleteEvent' THEN json_remove(data, '$.metrics')
            ELSE data END
FROM _stage WHERE event_type IS NOT NULL
"""

_MESSAGES_SQL = f"""
INSERT INTO messages
SELECT $exp, m.conversation_id, m.turn_number, m.agent_id, m.content, m.thinking, m.tokens,
       u.input_tokens, u.output_tokens, u.cost_usd, m.duration_ms, m.ttft, m.model,
       m.finish_reason, m.timestamp
FROM (SELECT conversation_id, timestamp, TRY_CAST(x[1] AS INTEGER) AS turn_number,
             x[2] AS agent_id, x[3] AS content, x[4] AS thinking,
             TRY_CAST({_or("x[5]", _M, "tokens_used")} AS BIGINT) AS tokens,
             TRY_CAST({_or("x[6]", _M, "duration_ms")} AS BIGINT) AS duration_ms,
             TRY_CAST(x[7] AS BIGINT) AS ttft,
             {_or("x[8]", _M, "model")} AS model, {_or("x[9]", _M, "finish_reason")}
             AS finish_reason
      FROM (SELECT conversation_id, timestamp, json_extract_string(data, ['$.turn_number',
                   '$.agent_id', '$.content', '$.thinking', '$.tokens_used', '$.duration_ms',
                   '$.time_to_first_token_ms', '$.model', '$.finish_reason']) AS x
            FROM _stage WHERE event_type = 'MessageCompleteEvent')) AS m
LEFT JOIN (SELECT conversation_id, TRY_CAST(x[1] AS INTEGER) AS turn_number, x[2] AS agent_id,
                  sum(TRY_CAST({_or("x[3]", _U, "input_tokens")} AS BIGINT)) AS input_tokens,
                  sum(TRY_CAST({_or("x[4]", _U, "output_tokens")} AS BIGINT)) AS output_tokens,
                  CASE WHEN count(x[5]) = count(*) THEN sum(TRY_CAST(x[5] AS DOUBLE)) END
                      AS cost_usd
           FROM (SELECT conversation_id, json_extract_string(data, ['$.turn_number',
                        '$.agent_id', '$.input_tokens', '$.output_tokens', '$.cost_usd']) AS x
                 FROM _stage WHERE event_type = 'TokenUsageEvent')
           GROUP BY ALL) AS u
  ON u.conversation_id = m.conversation_id AND u.turn_number = m.turn_number
 AND u.agent_id = m.agent_id
"""

def _catalog_lists() -> tuple[str, str, str, str]:
    """SQL literals for the current metrics: struct type, agents, metric names, field refs."""
    names = metric_names()
    struct = json.dumps({n: "DOUBLE" for n in names}).replace("'", "''")
    agents = ", ".join(f"'{n[0]}'" if n[:2] in ("a_", "b_") else "NULL" for n in names)
    metrics = ", ".join(f"'{n[2:] if n[:2] in ('a_', 'b_') else n}'" for n in names)
    fields = ", ".join(f's."{n}"' for n in names)
    return struct, agents, metrics, fields


_STRUCT, _AGENTS, _NAMES, _FIELDS = _catalog_lists()
_VERSION = "TRY_CAST({} AS INTEGER)".format(_or("data->>'metrics_version'", _T, "metrics_version"))

# Turns scored by this version of the metrics (all of them, normally) are parsed straight into
# a struct of DOUBLEs and unnested from constant lists; json_each, which makes a string per
# value, is several times slower and only serves turns of other metric versions.
_METRICS_SQL = f"""
INSERT INTO turn_metrics
SELECT $exp, conversation_id, turn_number, agent, metric, value, version
FROM (SELECT conversation_id, turn_number, version, unnest([{_AGENTS}]) AS agent,
             unnest([{_NAMES}]) AS metric, unnest([{_FIELDS}]) AS value
      FROM (SELECT conversation_id, TRY_CAST(data->>'turn_number' AS INTEGER) AS turn_number,
                   {_VERSION} AS version,
                   json_transform(data->'metrics', '{_STRUCT}') AS s
            FROM _stage
            WHERE event_type = 'TurnCompleteEvent' AND {_VERSION} = {METRICS_VERSION}))
WHERE value IS NOT NULL
UNION ALL
SELECT $exp, t.conversation_id, t.turn_number,
       CASE left(j.key, 2) WHEN 'a_' THEN 'a' WHEN 'b_' THEN 'b' END,
       CASE WHEN left(j.key, 2) IN ('a_', 'b_') THEN substr(j.key, 3) ELSE j.key END,
       j.value::DOUBLE, t.version
FROM (SELECT conversation_id, TRY_CAST(data->>'turn_number' AS INTEGER) AS turn_number,
             {_VERSION} AS version, data->'metrics' AS metrics
      FROM _stage
      WHERE event_type = 'TurnCompleteEvent' AND {_VERSION} IS DISTINCT FROM {METRICS_VERSION}
     ) AS t, json_each(t.metrics) AS j
UNION ALL
SELECT $exp, conversation_id, TRY_CAST(data->>'turn_number' AS INTEGER), NULL,
       'convergence_score', TRY_CAST(data->>'convergence_score' AS DOUBLE), {_VERSION}
FROM _stage
WHERE event_type = 'TurnCompleteEvent' AND data->>'convergence_score' IS NOT NULL
"""

_CONVERSATIONS_SQL = f"""
INSERT INTO conversations
WITH s AS (
    SELECT conversation_id, timestamp, data FROM _stage
    WHERE event_type = 'ConversationStartEvent'
    QUALIFY row_number() OVER (PARTITION BY conversation_id ORDER BY seq) = 1),
e AS (
    SELECT conversation_id, timestamp, data FROM _stage WHERE event_type = 'ConversationEndEvent'
    QUALIFY row_number() OVER (PARTITION BY conversation_id ORDER BY seq DESC) = 1),
tok AS (
    SELECT conversation_id,
           sum(TRY_CAST({_or("data->>'input_tokens'", _U, "input_tokens")} AS BIGINT))
           AS input_tokens,
           sum(TRY_CAST({_or("data->>'output_tokens'", _U, "output_tokens")} AS BIGINT))
           AS output_tokens,
           CASE WHEN count(data->>'cost_usd') = count(*)
                THEN sum(TRY_CAST(data->>'cost_usd' AS DOUBLE)) END AS cost_usd
    FROM _stage WHERE event_type = 'TokenUsageEvent' GROUP BY conversation_id),
tc AS (
    SELECT conversation_id, count(*) AS turns,
           arg_max(TRY_CAST(data->>'convergence_score' AS DOUBLE),
                   TRY_CAST(data->>'turn_number' AS INTEGER)) AS final_convergence,
           max(TRY_CAST(data->>'convergence_score' AS DOUBLE)) AS max_convergence
    FROM _stage WHERE event_type = 'TurnCompleteEvent' GROUP BY conversation_id)
SELECT $exp, s.conversation_id,
       TRY_CAST({_or("s.data->>'repetition'", _S, "repetition")} AS INTEGER),
       s.data->>'agent_a_model', s.data->>'agent_b_model',
       {_or("s.data->>'agent_a_name'", _S, "agent_a_name")},
       {_or("s.data->>'agent_b_name'", _S, "agent_b_name")},
       TRY_CAST(s.data->>'temperature_a' AS DOUBLE),
       TRY_CAST(s.data->>'temperature_b' AS DOUBLE),
       {_or("s.data->>'awareness_a'", _S, "awareness_a")},
       {_or("s.data->>'awareness_b'", _S, "awareness_b")},
       {_or("s.data->>'first_speaker'", _S, "first_speaker")},
       s.data->'config'->>'convergence_profile',
       TRY_CAST({_or("s.data->>'max_turns'", _S, "max_turns")} AS INTEGER),
       {_or("s.data->>'initial_prompt'", _S, "initial_prompt")},
       CASE WHEN e.conversation_id IS NOT NULL THEN {_or("e.data->>'status'", _E, "status")}
            WHEN $running THEN 'running' ELSE 'interrupted' END,
       e.data->>'reason', e.data->>'error',
       COALESCE(TRY_CAST(e.data->>'total_turns' AS INTEGER), tc.turns, 0),
       COALESCE(tok.input_tokens, 0), COALESCE(tok.output_tokens, 0),
       COALESCE(tok.input_tokens, 0) + COALESCE(tok.output_tokens, 0),
       CASE WHEN tok.conversation_id IS NULL THEN 0.0 ELSE tok.cost_usd END,
       tc.final_convergence, tc.max_convergence, s.timestamp, e.timestamp,
       TRY_CAST({_or("e.data->>'duration_ms'", _E, "duration_ms")} AS BIGINT)
FROM s LEFT JOIN e USING (conversation_id) LEFT JOIN tok USING (conversation_id)
LEFT JOIN tc USING (conversation_id)
"""

_EXPERIMENT_SQL = """
INSERT INTO experiments
SELECT $exp, $name, $status, $directory, TRY_CAST($created_at AS TIMESTAMP),
       COALESCE(TRY_CAST($started_at AS TIMESTAMP),
                (SELECT min(timestamp) FROM _stage WHERE event_type = 'ExperimentStartEvent')),
       COALESCE(TRY_CAST($completed_at AS TIMESTAMP),
                (SELECT max(timestamp) FROM _stage WHERE event_type = 'ExperimentCompleteEvent')),
       greatest($total, count(*)), count(*) FILTER (WHERE status = 'completed'),
       count(*) FILTER (WHERE status = 'failed'),
       count(*) FILTER (WHERE status = 'interrupted'), COALESCE(sum(total_turns), 0),
       COALESCE(sum(total_tokens), 0),
       CASE WHEN count(cost_usd) = count(*) THEN COALESCE(sum(cost_usd), 0.0) END,
       $config::JSON, $events, $skipped, now()::TIMESTAMP
FROM conversations WHERE experiment_id = $exp
"""


def _experiment_id(con: duckdb.DuckDBPyConnection, manifest: dict[str, object]) -> str:
    if manifest.get("experiment_id"):
        return str(manifest["experiment_id"])
    ids = [r[0] for r in con.execute(
        "SELECT DISTINCT experiment_id FROM _stage WHERE event_type IS NOT NULL "
        "AND experiment_id IS NOT NULL AND experiment_id <> ''").fetchall()]
    if len(ids) != 1:
        raise DatabaseError(f"cannot tell the experiment id: the events name {len(ids)} "
                            "experiments and there is no readable manifest.json")
    return ids[0]


def _skipped(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    rows = con.execute("SELECT filename, count(*) FROM _stage WHERE event_type IS NULL "
                       "GROUP BY filename ORDER BY filename").fetchall()
    problems, total = [], 0
    for filename, count in rows:
        path = Path(filename)
        total += count
        truncated = not _ends_with_newline(path)
        parts = (["truncated last line skipped"] if truncated else []) + (
            [f"{count - truncated} unreadable line(s) skipped"] if count - truncated else [])
        problems.append(f"{path.name}: {', '.join(parts)}")
    return total, problems


def import_experiment(con: duckdb.DuckDBPyConnection, experiment_dir: Path) -> ImportReport:
    """Import (or re-import) one experiment directory; returns what was loaded and skipped."""
    started = time.perf_counter()
    experiment_dir = experiment_dir.resolve()
    files = event_files(experiment_dir)
    if not files:
        raise DatabaseError(f"{experiment_dir}: no event files (*.jsonl) to import")
    manifest = _read_manifest(experiment_dir)
    con.execute(_STAGE_SQL, {"files": [str(f) for f in files]})
    try:
        exp = _experiment_id(con, manifest)
        skipped, problems = _skipped(con)
        report = ImportReport(exp, experiment_dir, files=len(files), skipped_lines=skipped,
                              problems=problems)
        status = str(manifest.get("status") or "")
        if not status:
            ended = con.execute("SELECT data->>'status' FROM _stage WHERE event_type = "
                                "'ExperimentCompleteEvent' ORDER BY seq DESC LIMIT 1").fetchone()
            status = ended[0] if ended else "interrupted"
        con.execute("BEGIN TRANSACTION")
        try:
            for table in TABLES:
                con.execute(f"DELETE FROM {table} WHERE experiment_id = ?", [exp])
            con.execute(_EVENTS_SQL, {"exp": exp})
            con.execute(_MESSAGES_SQL, {"exp": exp})
            con.execute(_METRICS_SQL, {"exp": exp})
            con.execute(_CONVERSATIONS_SQL, {"exp": exp, "running": status == "running"})
            report.events = _count(con, "events", exp)
            con.execute(_EXPERIMENT_SQL, {
                "exp": exp, "name": manifest.get("name") or experiment_dir.name,
                "status": status, "directory": str(experiment_dir),
                "created_at": manifest.get("created_at"),
                "started_at": manifest.get("started_at"),
                "completed_at": manifest.get("completed_at"),
                "total": int(manifest.get("total_conversations") or 0),  # type: ignore[arg-type]
                "config": json.dumps(manifest.get("config") or {}),
                "events": report.events, "skipped": skipped,
            })
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        report.conversations = _count(con, "conversations", exp)
        report.messages = _count(con, "messages", exp)
        report.metric_rows = _count(con, "turn_metrics", exp)
    finally:
        con.execute("DROP TABLE IF EXISTS _stage")
    report.duration_s = time.perf_counter() - started
    return report


def _count(con: duckdb.DuckDBPyConnection, table: str, exp: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table} WHERE experiment_id = ?", [exp]).fetchone()
    return int(row[0]) if row else 0
