"""EventStore import: counts match the JSONL, texts survive, re-import is idempotent, damage is
skipped and reported, and a lock held by another process gives a clear error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import msgspec
import pytest

from pidgin_tui.core.events import MessageCompleteEvent, TurnCompleteEvent
from pidgin_tui.database.connection import DatabaseError, DatabaseLockedError
from pidgin_tui.database.event_store import EventStore
from tests.analysis_fixtures import copy_experiment, recorded_events


def _events(experiment_dir: Path) -> list[object]:
    return recorded_events(experiment_dir)


def _counts(store: EventStore, exp: str) -> dict[str, int]:
    return {t: store.query(f"SELECT count(*) FROM {t} WHERE experiment_id = ?", [exp]).rows[0][0]
            for t in ("events", "messages", "turn_metrics", "conversations", "experiments")}


def test_row_counts_match_the_jsonl(experiment: Path, tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    report = store.import_experiment(experiment)
    events = _events(experiment)
    turns = [e for e in events if isinstance(e, TurnCompleteEvent)]
    counts = _counts(store, report.experiment_id)
    assert counts["events"] == len(events) == report.events
    assert counts["messages"] == sum(isinstance(e, MessageCompleteEvent) for e in events) == 24
    assert counts["turn_metrics"] == sum(len(t.metrics) + 1 for t in turns)  # + convergence
    assert counts["conversations"] == 3 and counts["experiments"] == 1
    assert (report.messages, report.metric_rows, report.conversations) == (
        counts["messages"], counts["turn_metrics"], counts["conversations"])
    assert report.skipped_lines == 0 and report.problems == []
    experiment_row = store.query("SELECT status, completed_conversations, total_turns "
                                 "FROM experiments").rows[0]
    assert experiment_row == ("completed", 3, 12)


def test_every_message_text_and_metric_value_is_in_the_database(experiment: Path,
                                                                tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    store.import_experiment(experiment)
    events = _events(experiment)
    expected = {(e.conversation_id, e.turn_number, e.agent_id, e.content, e.thinking)
                for e in events if isinstance(e, MessageCompleteEvent)}
    stored = set(store.query("SELECT conversation_id, turn_number, agent_id, content, thinking "
                             "FROM messages").rows)
    assert stored == expected
    assert all(row[4] for row in stored), "thinking was requested and must be kept"
    turn = next(e for e in events if isinstance(e, TurnCompleteEvent))
    value = store.query("SELECT value FROM turn_metrics WHERE conversation_id = ? AND "
                        "turn_number = ? AND agent = 'b' AND metric = 'words'",
                        [turn.conversation_id, turn.turn_number]).rows[0][0]
    assert value == turn.metrics["b_words"]
    wide = store.query('SELECT a_words, tfidf_cosine, convergence_score FROM turn_metrics_wide '
                       'WHERE conversation_id = ? AND turn_number = ?',
                       [turn.conversation_id, turn.turn_number]).rows[0]
    assert wide == (turn.metrics["a_words"], turn.metrics["tfidf_cosine"],
                    turn.convergence_score)


def test_importing_twice_leaves_the_same_counts(experiment: Path, tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    first = store.import_experiment(experiment)
    before = _counts(store, first.experiment_id)
    store.import_experiment(experiment)
    assert _counts(store, first.experiment_id) == before


def test_truncated_last_line_is_skipped_and_reported(experiment: Path, tmp_path: Path) -> None:
    damaged = copy_experiment(experiment, tmp_path)
    conv_file = sorted(damaged.glob("conv_*_events.jsonl"))[0]
    complete = len(_events(damaged))
    with open(conv_file, "ab") as handle:
        handle.write(b'{"event_type":"MessageCompleteEvent","content":"half a mess')
    report = EventStore(tmp_path / "a.duckdb").import_experiment(damaged)
    assert report.events == complete
    assert report.skipped_lines == 1
    assert report.problems == [f"{conv_file.name}: truncated last line skipped"]
    assert "1 unreadable line(s) skipped" in report.summary()


def test_corrupt_middle_line_is_skipped_and_reported(experiment: Path, tmp_path: Path) -> None:
    damaged = copy_experiment(experiment, tmp_path)
    conv_file = sorted(damaged.glob("conv_*_events.jsonl"))[1]
    lines = conv_file.read_bytes().splitlines(keepends=True)
    conv_file.write_bytes(b"".join(lines[:3] + [b"{not json\n"] + lines[3:]))
    report = EventStore(tmp_path / "a.duckdb").import_experiment(damaged)
    assert report.problems == [f"{conv_file.name}: 1 unreadable line(s) skipped"]


def test_interrupted_experiment_imports_with_partial_conversations(experiment: Path,
                                                                  tmp_path: Path) -> None:
    crashed = copy_experiment(experiment, tmp_path)
    conv_file = sorted(crashed.glob("conv_*_events.jsonl"))[0]
    lines = conv_file.read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"TurnStartEvent"' in line
               and b'"turn_number":3' in line)
    conv_file.write_bytes(b"".join(lines[:cut]))  # crash during turn 3: no end event
    manifest = json.loads((crashed / "manifest.json").read_text())
    manifest["status"] = "interrupted"
    (crashed / "manifest.json").write_text(json.dumps(manifest))
    store = EventStore(tmp_path / "a.duckdb")
    report = store.import_experiment(crashed)
    conv_id = conv_file.name.removeprefix("conv_").removesuffix("_events.jsonl")
    row = store.query("SELECT status, end_reason, total_turns FROM conversations "
                      "WHERE conversation_id = ?", [conv_id]).rows[0]
    assert row == ("interrupted", None, 2)
    assert store.query("SELECT count(*) FROM messages WHERE conversation_id = ?",
                       [conv_id]).rows[0][0] == 4
    assert store.query("SELECT status FROM experiments WHERE experiment_id = ?",
                       [report.experiment_id]).rows[0][0] == "interrupted"


def test_failed_conversations_keep_their_error(failing_experiment: Path, tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    store.import_experiment(failing_experiment)
    rows = store.query("SELECT status, end_reason, total_turns, error FROM conversations").rows
    assert len(rows) == 2
    for status, reason, turns, error in rows:
        assert (status, reason, turns) == ("failed", "error", 2)
        assert "failed on purpose" in error
    assert store.query("SELECT status, failed_conversations FROM experiments").rows[0] == \
        ("failed", 2)


def test_database_locked_by_another_process_names_file_and_remedy(experiment: Path,
                                                                 tmp_path: Path) -> None:
    db = tmp_path / "locked.duckdb"
    EventStore(db).import_experiment(experiment)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(db)!r})\nprint('ready', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLockedError) as caught:
            EventStore(db).import_experiment(experiment)
        message = str(caught.value)
        assert str(db) in message
        assert f"PID {holder.pid}" in message
        assert "retry" in message
        with pytest.raises(DatabaseLockedError):
            EventStore(db).query("SELECT 1")
    finally:
        holder.kill()
        holder.wait()
    assert EventStore(db).query("SELECT count(*) FROM experiments").rows[0][0] == 1


def test_queries_are_read_only(experiment: Path, tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    store.import_experiment(experiment)
    with pytest.raises(DatabaseError, match="read-only"):
        store.query("DELETE FROM events")
    assert store.query("SELECT count(*) FROM events").rows[0][0] > 0


def test_query_before_any_import_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="pidgin-tui import"):
        EventStore(tmp_path / "none.duckdb").query("SELECT 1")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_writes_every_table_through_duckdb(experiment: Path, tmp_path: Path,
                                                  fmt: str) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    exp = store.import_experiment(experiment).experiment_id
    written = store.export(exp, fmt, tmp_path / "export")
    texts = {e.content for e in _events(experiment) if isinstance(e, MessageCompleteEvent)}
    assert {p.stem for p in written} == {"experiments", "conversations", "messages",
                                         "turn_metrics", "events"}
    messages = tmp_path / "export" / f"messages.{fmt}"
    if fmt == "jsonl":
        rows = [msgspec.json.decode(line) for line in messages.read_bytes().splitlines()]
        assert {r["content"] for r in rows} == texts
    else:
        reader = "read_parquet" if fmt == "parquet" else "read_csv"
        with duckdb.connect() as con:  # the sandboxed store.query cannot read files
            got = con.execute(f"SELECT content FROM {reader}(?)", [str(messages)]).fetchall()
        assert {r[0] for r in got} == texts


def test_the_imported_tables_read_back_the_experiment(experiment: Path, tmp_path: Path) -> None:
    """What a notebook or `query` reads: the experiment's status, every conversation's turns,
    messages in speaking order, a metric's series by turn, the wide table and per-agent rows."""
    store = EventStore(tmp_path / "a.duckdb")
    exp = store.import_experiment(experiment).experiment_id

    def rows(sql: str, params: list[object]) -> list[dict[str, object]]:
        return store.query(sql, params).as_dicts()

    assert rows("SELECT status FROM experiments WHERE experiment_id = ?", [exp]) == \
        [{"status": "completed"}]
    conversations = rows("SELECT conversation_id, total_turns FROM conversations "
                         "WHERE experiment_id = ? ORDER BY repetition", [exp])
    assert [c["total_turns"] for c in conversations] == [4, 4, 4]
    conv_id = conversations[0]["conversation_id"]
    messages = rows("SELECT turn_number, agent_id FROM messages WHERE conversation_id = ? "
                    "ORDER BY turn_number, timestamp, agent_id", [conv_id])
    assert [(m["turn_number"], m["agent_id"]) for m in messages][:2] == \
        [(1, "agent_a"), (1, "agent_b")]
    assert rows("SELECT count(*) AS n FROM messages WHERE experiment_id = ?", [exp]) == \
        [{"n": 24}]
    series = rows("SELECT turn_number FROM turn_metrics WHERE conversation_id = ? AND "
                  "metric = 'convergence_score' AND value IS NOT NULL ORDER BY turn_number",
                  [conv_id])
    assert [r["turn_number"] for r in series] == [1, 2, 3, 4]
    assert len(rows("SELECT * FROM turn_metrics_wide WHERE conversation_id = ?", [conv_id])) == 4
    agents = rows("SELECT DISTINCT agent FROM turn_metrics WHERE experiment_id = ? AND "
                  "metric = 'words' ORDER BY agent", [exp])
    assert [r["agent"] for r in agents] == ["a", "b"]


def test_a_database_of_an_older_schema_is_rebuilt_and_says_so(experiment: Path,
                                                              tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE schema_info (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO schema_info VALUES ('schema_version', '0')")
        con.execute("CREATE TABLE conversations (experiment_id VARCHAR, conversation_id VARCHAR)")
    report = EventStore(db).import_experiment(experiment)
    assert "import the other experiments again" in report.problems[0]
    assert EventStore(db).query("SELECT count(*) FROM conversations WHERE "
                                "convergence_profile = 'balanced'").rows[0][0] == 3
    assert EventStore(db).import_experiment(experiment).problems == []


def test_a_database_with_long_form_metrics_table_and_wide_view_is_rebuilt(
        experiment: Path, tmp_path: Path) -> None:
    """Schema 2 stored `turn_metrics` as a table with a wide view; now the wide one is the
    table and the long form the view, so the rebuild must drop each as what it is."""
    import duckdb

    db = tmp_path / "v2.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE schema_info (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO schema_info VALUES ('schema_version', '2')")
        con.execute("CREATE TABLE turn_metrics (experiment_id VARCHAR, conversation_id VARCHAR, "
                    "turn_number INTEGER, agent VARCHAR, metric VARCHAR, value DOUBLE)")
        con.execute("CREATE VIEW turn_metrics_wide AS SELECT experiment_id, conversation_id, "
                    "turn_number, max(value) AS a_words FROM turn_metrics GROUP BY ALL")
    report = EventStore(db).import_experiment(experiment)
    assert "schema 2" in report.problems[0]
    kinds = dict(EventStore(db).query(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN "
        "('turn_metrics', 'turn_metrics_wide')").rows)
    assert kinds == {"turn_metrics": "VIEW", "turn_metrics_wide": "BASE TABLE"}
    assert report.metric_rows == EventStore(db).query(
        "SELECT count(*) FROM turn_metrics").rows[0][0] > 0


@pytest.mark.parametrize("dropped", ["TABLE messages", "VIEW turn_metrics"])
def test_a_database_of_this_schema_missing_a_table_or_view_gets_it_back(
        experiment: Path, tmp_path: Path, dropped: str) -> None:
    import duckdb

    db = tmp_path / "x.duckdb"
    EventStore(db).import_experiment(experiment)
    with duckdb.connect(str(db)) as con:
        con.execute(f"DROP {dropped}")
    report = EventStore(db).import_experiment(experiment)
    assert report.problems == []
    assert EventStore(db).query("SELECT count(*) FROM messages").rows[0][0] == report.messages
    assert EventStore(db).query("SELECT count(*) FROM turn_metrics").rows[0][0] == (
        report.metric_rows)


def test_turns_scored_by_another_metrics_version_keep_their_own_metrics(
        experiment: Path, tmp_path: Path) -> None:
    from pidgin_tui.core.events import encode_event

    exp = copy_experiment(experiment, tmp_path)
    conv_file = sorted(exp.glob("conv_*_events.jsonl"))[0]
    conv_id = conv_file.name.removeprefix("conv_").removesuffix("_events.jsonl")
    old = TurnCompleteEvent(experiment_id="x", conversation_id=conv_id, seq=999, turn_number=9,
                            convergence_score=0.25, metrics_version=1,
                            metrics={"a_words": 3.0, "retired_metric": 0.5})
    with open(conv_file, "ab") as handle:
        handle.write(encode_event(old) + b"\n")
    store = EventStore(tmp_path / "a.duckdb")
    store.import_experiment(exp)
    rows = store.query("SELECT agent, metric, value, metrics_version FROM turn_metrics WHERE "
                       "conversation_id = ? AND turn_number = 9 ORDER BY metric",
                       [conv_id]).rows
    assert rows == [(None, "convergence_score", 0.25, 1), (None, "retired_metric", 0.5, 1),
                    ("a", "words", 3.0, 1)]


def test_several_experiments_import_in_one_opening_like_one_at_a_time(
        experiment: Path, failing_experiment: Path, tmp_path: Path) -> None:
    """The first import lowers the connection to one thread; the next must stage normally."""
    together = EventStore(tmp_path / "together.duckdb")
    reports = together.import_many([experiment, failing_experiment])
    apart = EventStore(tmp_path / "apart.duckdb")
    for exp_dir in (experiment, failing_experiment):
        apart.import_experiment(exp_dir)
    for report in reports:
        assert _counts(together, report.experiment_id) == _counts(apart, report.experiment_id)
    sql = "SELECT * FROM messages ORDER BY conversation_id, turn_number, agent_id"
    assert together.query(sql).rows == apart.query(sql).rows
