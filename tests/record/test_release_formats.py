"""Files written by every released format read and import the same as the format of today.

- `tests/data/record_release1/`: written by the release before compact JSONL (schema version 1:
  turns and repetitions from 0, every line spells out its ids and an event id, metrics as a
  name-to-value object).
- `tests/data/record_release2/`: compact JSONL (schema version 2: 1-based, ids left to the
  file's name, metrics as a positional array), written by a real `local:instant` run of
  2 conversations × 3 turns.
- `tests/data/record_release3/`: compact lines (schema version 3: a line after a file's first
  leaves to it its time, schema version, the agents' models and settings; `record.compact`),
  written by a real `local:instant` run of 2 conversations × 3 turns.

Each is read as is, then every event is written again by today's writer; both must give the
same conversation records and the same database rows (the events' JSON included), except that
a recorded metric keeps `METRIC_DIGITS` significant digits and a line says the schema version
it was written in. A new format adds its own fixture here before it ships.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from pidgin_tui.core.events import SCHEMA_VERSION, TurnCompleteEvent
from pidgin_tui.core.metric_layouts import METRIC_DIGITS
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.record.compact import COMPACT_SCHEMA
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.jsonl import JsonlWriter, read_all_events
from pidgin_tui.record.layout import (
    EXPERIMENT_EVENTS_NAME,
    conversation_files,
    conversation_id_of,
)

DATA = Path(__file__).resolve().parents[1] / "data"
RELEASES = {release: next((DATA / f"record_release{release}").iterdir())
            for release in (1, 2, 3)}
"""Each released format's experiment directory, by release."""
SCHEMA_VERSIONS = {1: 1, 2: 2, 3: 3}
"""The schema version each release's lines carry."""
TOLERANCE = 10.0 ** -(METRIC_DIGITS - 1)


@pytest.fixture(params=sorted(RELEASES), ids=lambda release: f"release{release}")
def release(request: pytest.FixtureRequest) -> int:
    return int(request.param)


def _rewritten(tmp_path: Path, experiment: Path) -> Path:
    """A released experiment, every JSONL written again by today's writer."""
    target = tmp_path / "now" / experiment.name
    shutil.copytree(experiment, target)
    for path in [target / EXPERIMENT_EVENTS_NAME, *conversation_files(target)]:
        events = read_all_events(path).events
        path.unlink()
        writer = JsonlWriter(path)
        for event in events:
            writer.write(event)
        writer.close()
    return target


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-12)


def test_release_lines_read_with_every_field(release: int) -> None:
    experiment = RELEASES[release]
    record = ExperimentRecord.load(experiment)
    assert not record.problems
    assert len(record.conversations) == 2
    exp_id = experiment.name.split("_")[1]
    for path in conversation_files(experiment):
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        if release >= COMPACT_SCHEMA:  # every line after the first leaves its version to it
            assert all("t" in line and "schema_version" not in line for line in lines[1:])
            lines = lines[:1]
        assert {line.get("schema_version", 1) for line in lines} == {SCHEMA_VERSIONS[release]}
        conv = record.conversations[str(conversation_id_of(path))]
        assert conv.status == "completed" and conv.turns_completed == 3
        assert conv.total_tokens == sum(line["input_tokens"] + line["output_tokens"]
                                        for line in map(json.loads, path.read_text().splitlines())
                                        if line["event_type"] == "TokenUsageEvent") > 0
    events = read_all_events(conversation_files(experiment)[0]).events
    assert all(e.experiment_id == exp_id for e in events)
    assert all(bool(e.event_id) == (release == 1) for e in events)
    turns = [e for e in events if isinstance(e, TurnCompleteEvent)]
    assert [t.turn_number for t in turns] == [1, 2, 3]  # one numbering, whatever wrote them
    assert all(len(t.metrics) > 150 for t in turns)


def test_today_writes_no_more_bytes_and_reads_the_same(tmp_path: Path, release: int) -> None:
    experiment = RELEASES[release]
    now = _rewritten(tmp_path, experiment)
    for old_path, new_path in zip(conversation_files(experiment), conversation_files(now),
                                  strict=True):
        if release == 1:  # the release before compact JSONL
            assert new_path.stat().st_size < old_path.stat().st_size / 2
        else:
            assert new_path.stat().st_size <= old_path.stat().st_size
        old, new = read_all_events(old_path), read_all_events(new_path)
        assert not new.errors and len(old.events) == len(new.events)
        for a, b in zip(old.events, new.events, strict=True):
            assert (type(a), a.experiment_id, a.conversation_id, a.seq, a.timestamp) == \
                (type(b), b.experiment_id, b.conversation_id, b.seq, b.timestamp)
            if isinstance(a, TurnCompleteEvent):
                assert isinstance(b, TurnCompleteEvent)
                assert a.metrics.keys() == b.metrics.keys()
                assert all(_close(a.metrics[k], b.metrics[k]) for k in a.metrics)
                assert a.convergence_score == b.convergence_score
            else:
                assert a.__struct_fields__ == b.__struct_fields__
                assert [getattr(a, f) for f in a.__struct_fields__ if f not in SAID_BY_LINE] == \
                    [getattr(b, f) for f in b.__struct_fields__ if f not in SAID_BY_LINE]
            assert b.schema_version == SCHEMA_VERSION
    old_record, new_record = ExperimentRecord.load(experiment), ExperimentRecord.load(now)
    for conv_id, old_conv in old_record.conversations.items():
        new_conv = new_record.conversations[conv_id]
        assert (old_conv.status, old_conv.turns_completed, old_conv.total_tokens,
                old_conv.cost_usd, old_conv.end_reason) == \
            (new_conv.status, new_conv.turns_completed, new_conv.total_tokens,
             new_conv.cost_usd, new_conv.end_reason)


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    return EventStore(db).query(sql, limit=None).rows


@pytest.mark.parametrize("table, order", [
    ("conversations", "conversation_id"),
    ("messages", "conversation_id, turn_number, agent_id"),
    ("turn_metrics_wide", "conversation_id, turn_number"),
    ("events", "conversation_id NULLS FIRST, seq"),
])
def test_both_formats_import_to_the_same_rows(tmp_path: Path, table: str, order: str,
                                              release: int) -> None:
    now = _rewritten(tmp_path, RELEASES[release])
    old_db, new_db = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    old_report = EventStore(old_db).import_experiment(RELEASES[release])
    new_report = EventStore(new_db).import_experiment(now)
    assert (old_report.events, old_report.messages, old_report.metric_rows) == \
        (new_report.events, new_report.messages, new_report.metric_rows)
    skip = {"events": "* EXCLUDE (event_id)"}.get(table, "*")
    old_rows = _rows(old_db, f"SELECT {skip} FROM {table} ORDER BY {order}")
    new_rows = _rows(new_db, f"SELECT {skip} FROM {table} ORDER BY {order}")
    assert len(old_rows) == len(new_rows) > 0
    for old, new in zip(old_rows, new_rows, strict=True):
        assert len(old) == len(new)
        if table == "events":  # the event's JSON, but for what a line says of itself
            old, new = (row[:-1] + (_said(row[-1]),) for row in (old, new))
        for a, b in zip(old, new, strict=True):
            assert _close(a, b) if isinstance(a, float) else a == b, (table, old, new)


SAID_BY_LINE = ("event_id", "schema_version")
"""What a line says of itself, not of the event: the event id of the first release, the
schema version it was written in."""


def _said(data: str) -> dict[str, Any]:
    """An event's JSON from the database without what its line said of itself, or of the ids
    its file says (lines of the first release spell them out)."""
    fields = json.loads(data)
    for name in (*SAID_BY_LINE, "experiment_id", "conversation_id"):
        fields.pop(name, None)
    return fields
