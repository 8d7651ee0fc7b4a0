"""The JSONL writer and the incremental reader the monitor tails files with."""

from __future__ import annotations

from pathlib import Path

import msgspec

from pidgin_tui.core.events import TurnCompleteEvent, TurnStartEvent, encode_event
from pidgin_tui.core.metric_layouts import METRIC_LAYOUTS
from pidgin_tui.record.jsonl import JsonlWriter, read_events


def _write(path: Path, turns: range) -> None:
    writer = JsonlWriter(path)
    for turn in turns:
        writer.write(TurnStartEvent(turn_number=turn, experiment_id="e", conversation_id="c"))
    writer.close()


def test_incremental_reads_return_exactly_the_new_events(tmp_path: Path) -> None:
    path = tmp_path / "conv.jsonl"
    _write(path, range(5))
    first = read_events(path, 0)
    assert [e.turn_number for e in first.events] == [0, 1, 2, 3, 4]  # type: ignore[attr-defined]
    _write(path, range(5, 8))
    second = read_events(path, first.offset)
    assert [e.turn_number for e in second.events] == [5, 6, 7]  # type: ignore[attr-defined]
    assert read_events(path, second.offset).events == []


def test_a_truncated_last_line_is_left_for_later_then_read_once(tmp_path: Path) -> None:
    path = tmp_path / "conv.jsonl"
    _write(path, range(2))
    line = encode_event(TurnStartEvent(turn_number=2, experiment_id="e")) + b"\n"
    with open(path, "ab") as handle:
        handle.write(line[:20])
    partial = read_events(path, 0)
    assert len(partial.events) == 2 and partial.partial_tail_bytes == 20
    with open(path, "ab") as handle:
        handle.write(line[20:])
    rest = read_events(path, partial.offset)
    assert [e.turn_number for e in rest.events] == [2]  # type: ignore[attr-defined]
    assert rest.partial_tail_bytes == 0


def test_malformed_complete_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "conv.jsonl"
    _write(path, range(1))
    with open(path, "ab") as handle:
        handle.write(b'{"not": "an event"}\n')
    _write(path, range(1, 2))
    result = read_events(path, 0)
    assert len(result.events) == 2
    assert len(result.errors) == 1 and result.errors[0].startswith("line 2:")


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    result = read_events(tmp_path / "absent.jsonl", 0)
    assert result.events == [] and result.offset == 0


def test_a_reader_without_metrics_gets_every_event_but_a_turns_metrics(tmp_path: Path) -> None:
    version = max(METRIC_LAYOUTS)
    metrics = {name: float(i) for i, name in enumerate(METRIC_LAYOUTS[version])}
    path = tmp_path / "conv_c_events.jsonl"
    writer = JsonlWriter(path)
    for event in (TurnStartEvent(turn_number=1, conversation_id="c"),
                  TurnCompleteEvent(turn_number=1, conversation_id="c", convergence_score=0.25,
                                    metrics=metrics, metrics_version=version),
                  TurnCompleteEvent(turn_number=2, conversation_id="c", metrics={"x": 1.0},
                                    metrics_version=version + 1),  # no layout: an object
                  TurnStartEvent(turn_number=3, conversation_id="c")):
        writer.write(event)
    writer.close()
    full, lean = read_events(path), read_events(path, metrics=False)
    assert b'"metrics":[' in path.read_bytes() and not full.errors and not lean.errors
    assert full.events[1].metrics == metrics  # type: ignore[attr-defined]
    assert lean.events[1] == msgspec.structs.replace(full.events[1], metrics={})
    assert lean.events[2].metrics == {"x": 1.0}  # type: ignore[attr-defined]
    assert [lean.events[i] for i in (0, 2, 3)] == [full.events[i] for i in (0, 2, 3)]
    assert (lean.offset, lean.complete_lines) == (full.offset, full.complete_lines)
