"""Compact lines (schema version 3): what a line leaves to its file's first line comes back.

Every persisted event type goes through the writer and the one reader and comes back equal;
the lines on disk really leave out what the first line states (so a reader that did not put it
back would fail here); a line that could not read back exactly is written in full; and the
DuckDB import of compact lines gives the same rows as the import of the same events in full.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from pidgin_tui.core import events as ev
from pidgin_tui.core.types import AgentId
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.record.compact import is_compact
from pidgin_tui.record.jsonl import JsonlWriter, read_all_events, read_events
from pidgin_tui.record.layout import conversation_jsonl_name

EXP = "cmpct001"
CONV = f"{EXP}_0001"
IDS = {"experiment_id": EXP, "conversation_id": CONV}
MODEL = "local:instant"
EFFECTIVE = {"temperature": None, "max_output_tokens": 300, "thinking": "off", "ignored": []}
HASH = "9cbdabf6d139adb362765201eac97e9a8b24b9387e5d2514df5764e07368842f"


START = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)


def _at(ms: int) -> str:
    """The time `ms` milliseconds after START, as events write it."""
    return (START + timedelta(milliseconds=ms)).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def every_event() -> list[ev.Event]:
    """One event of every persisted type, as a conversation's run writes them (the start
    first; the agent's model and settings as at the start wherever an event names them)."""
    a = {"agent_id": "agent_a", "turn_number": 1}
    events: list[ev.Event] = [
        ev.ConversationStartEvent(**IDS, agent_a_model=MODEL, agent_b_model="openai:gpt-x",
                                  max_turns=3, repetition=1, initial_prompt="Hi",
                                  effective_a=EFFECTIVE, effective_b={"thinking": "on"},
                                  config={"model": "not a line's model", "t": 5}),
        ev.SystemPromptEvent(**IDS, agent_id="agent_a", prompt="be brief"),
        ev.InjectionEvent(**IDS, **a, content="[turn 1]"),
        ev.AgentNameChosenEvent(**IDS, agent_id="agent_b", chosen_name="Bo", turn_number=1),
        ev.TurnStartEvent(**IDS, turn_number=1),
        ev.MessageRequestEvent(**IDS, **a, model=MODEL, message_count=1, payload_sha256=HASH,
                               estimated_input_tokens=35, effective=EFFECTIVE),
        ev.MessageCompleteEvent(**IDS, **a, content='say "t": 5, {"model": x}', model=MODEL,
                                tokens_used=9, time_to_first_token_ms=0),
        ev.TokenUsageEvent(**IDS, **a, model=MODEL, provider="local", input_tokens=31,
                           output_tokens=9, cost_usd=0.0),
        ev.MessageRequestEvent(**IDS, agent_id="agent_b", turn_number=1, model="openai:gpt-x",
                               message_count=2, payload_sha256=HASH[::-1],
                               effective={"thinking": "on"}),
        ev.MessageCompleteEvent(**IDS, agent_id="agent_b", turn_number=1, content="ok",
                                model="openai:gpt-x", thinking="hmm", finish_reason="length"),
        ev.TokenUsageEvent(**IDS, agent_id="agent_b", turn_number=1, model="openai:gpt-x",
                           provider="openai", input_tokens=40, output_tokens=2,
                           reasoning_tokens=7, cost_usd=None),
        ev.TurnCompleteEvent(**IDS, turn_number=1, convergence_score=0.21647872160089415,
                             metrics={"a_words": 3.0}, metrics_version=99),
        ev.ConvergenceWarningEvent(**IDS, turn_number=1, convergence_score=0.9, threshold=0.8,
                                   action="warn"),
        ev.EndStateDetectedEvent(**IDS, turn_number=1, end_state="loop", onset_turn=1,
                                 score=0.9, action="warn"),
        ev.ContextLimitEvent(**IDS, **a, model=MODEL, context_window=8000,
                             estimated_tokens=9000, dropped_messages=2),
        ev.ConversationPausedEvent(**IDS, turn_number=2, reason="human"),
        ev.InterjectionEvent(**IDS, turn_number=2, text="and now?", to=[AgentId.B]),
        ev.ConversationResumedEvent(**IDS, turn_number=2),
        ev.InterruptRequestEvent(**IDS, turn_number=2, kind="pause"),
        ev.ConversationBranchedEvent(**IDS, source_conversation_id="other_0001", branch_turn=1,
                                     changes={"temperature": 0.5}, seed=3),
        ev.APIErrorEvent(**IDS, agent_id="agent_a", provider="local", error_message="busy",
                         retryable=True, turn_number=2),
        ev.RateLimitEvent(**IDS, agent_id="agent_a", wait_s=1.5, turn_number=2),
        ev.ErrorEvent(**IDS, error_type="x", error_message="y"),
        ev.ConversationEndEvent(**IDS, reason="max_turns", total_turns=1, duration_ms=1200),
    ]
    for seq, event in enumerate(events, 1):
        event.seq = seq
        event.timestamp = _at(7 * (seq - 1) if seq < len(events) else 3_600_000)
    return events


def _write(path: Path, events: list[ev.Event]) -> list[bytes]:
    writer = JsonlWriter(path)
    for event in events:
        writer.write(event)
    writer.close()
    return path.read_bytes().splitlines()


@pytest.fixture
def conversation(tmp_path: Path) -> Path:
    directory = tmp_path / "experiments" / f"experiment_{EXP}_compact_20261201"
    directory.mkdir(parents=True)
    return directory / conversation_jsonl_name(CONV)


def test_every_persisted_event_type_round_trips_through_writer_and_reader(
        conversation: Path) -> None:
    events = every_event()
    persisted = {type(e) for e in events}
    assert persisted == {cls for cls in ev.ALL_EVENT_TYPES if cls.persist} - {
        ev.ExperimentStartEvent, ev.ExperimentCompleteEvent, ev.PostProcessingStartEvent,
        ev.PostProcessingCompleteEvent}  # experiment-level: next test
    lines = _write(conversation, events)
    assert not is_compact(lines[0]) and all(is_compact(line) for line in lines[1:])
    read = read_all_events(conversation)
    assert not read.errors
    assert read.events == events


def test_experiment_level_events_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "experiment_events.jsonl"
    events: list[ev.Event] = [
        ev.ExperimentStartEvent(experiment_id=EXP, name="x", config={"a": 1},
                                total_conversations=2, timestamp=_at(0), seq=1),
        ev.PostProcessingStartEvent(experiment_id=EXP, steps=["import"], timestamp=_at(5),
                                    seq=2),
        ev.PostProcessingCompleteEvent(experiment_id=EXP, succeeded=["import"],
                                       failed={"x": "y"}, timestamp=_at(9), seq=3),
        ev.ExperimentCompleteEvent(experiment_id=EXP, status="completed", total_cost_usd=None,
                                   timestamp="2026-12-02T03:00:00.001Z", seq=4),
    ]
    lines = _write(path, events)
    assert all(is_compact(line) for line in lines[1:])
    assert read_all_events(path).events == events


def test_the_lines_leave_out_what_the_first_states_and_the_reader_puts_it_back(
        conversation: Path) -> None:
    events = every_event()
    lines = {json.loads(line)["seq"]: json.loads(line) for line in _write(conversation, events)}
    request, message, usage = lines[6], lines[7], lines[8]
    for line in (request, message, usage):
        assert "timestamp" not in line and "schema_version" not in line and "model" not in line
    assert request["t"] == 35 and "effective" not in request
    assert len(request["payload_sha256"]) == 43  # base64, not hex
    assert "provider" not in usage and "provider" not in lines[11]  # openai:gpt-x says openai
    assert lines[24]["t"] == 3_600_000  # an hour after the start
    back = {e.seq: e for e in read_all_events(conversation).events}
    assert isinstance(back[6], ev.MessageRequestEvent)
    assert (back[6].timestamp, back[6].schema_version, back[6].model, back[6].effective,
            back[6].payload_sha256) == (_at(35), ev.SCHEMA_VERSION, MODEL, EFFECTIVE, HASH)
    assert isinstance(back[8], ev.TokenUsageEvent)
    assert (back[8].model, back[8].provider) == (MODEL, "local")
    assert isinstance(back[9], ev.MessageRequestEvent)
    assert (back[9].model, back[9].effective) == ("openai:gpt-x", {"thinking": "on"})
    assert back[24].timestamp == "2026-12-02T00:59:59.000Z"


def test_a_line_that_would_not_read_back_exactly_is_written_in_full(conversation: Path) -> None:
    start, *_ = every_event()
    odd: list[ev.Event] = [
        start,
        # An empty model and empty settings would read back as the agent's.
        ev.MessageCompleteEvent(**IDS, agent_id="agent_a", turn_number=1, content="x", seq=2),
        ev.MessageRequestEvent(**IDS, agent_id="agent_a", turn_number=1, model=MODEL,
                               message_count=1, payload_sha256=HASH, seq=3),
        # A provider other than the model's, a hash that is not hex, a time not in UTC ms.
        ev.TokenUsageEvent(**IDS, agent_id="agent_a", turn_number=1, model=MODEL,
                           provider="", seq=4),
        ev.MessageRequestEvent(**IDS, agent_id="agent_a", turn_number=1, model=MODEL,
                               message_count=1, payload_sha256="00", seq=5,
                               effective=EFFECTIVE),
        ev.TurnStartEvent(**IDS, turn_number=2, seq=6, timestamp="2026-12-01T23:59:59+00:00"),
    ]
    lines = _write(conversation, odd)
    assert [is_compact(line) for line in lines] == [False] * 6
    assert read_all_events(conversation).events == odd
    # A provider that differs from the model's is kept (compact), and reads back as written.
    other = ev.TokenUsageEvent(**IDS, agent_id="agent_a", turn_number=1, model=MODEL,
                               provider="ollama", seq=7)
    writer = JsonlWriter(conversation)
    writer.write(other)
    writer.close()
    assert is_compact(conversation.read_bytes().splitlines()[-1])
    assert read_all_events(conversation).events[-1] == other


def test_a_tail_from_an_offset_and_a_filtered_read_restore_too(conversation: Path) -> None:
    events = every_event()
    lines = _write(conversation, events)
    offset = sum(len(line) + 1 for line in lines[:5])
    tail = read_events(conversation, offset, first_line_number=6)
    assert tail.events == events[5:]
    usage = read_all_events(conversation, types=(ev.TokenUsageEvent,)).events
    assert usage == [e for e in events if isinstance(e, ev.TokenUsageEvent)]


def test_a_writer_continuing_a_file_keeps_its_first_line_as_the_reference(
        conversation: Path) -> None:
    events = every_event()
    _write(conversation, events[:6])
    lines = _write(conversation, events[6:])  # a resume opens the file again
    assert all(is_compact(line) for line in lines[1:])
    assert read_all_events(conversation).events == events


def test_a_file_begun_by_an_earlier_release_goes_on_in_full_lines(conversation: Path) -> None:
    start, *rest = every_event()
    old = msgspec.structs.replace(start, schema_version=2)
    conversation.write_bytes(ev.encode_event(old) + b"\n")
    lines = _write(conversation, rest)
    assert not any(is_compact(line) for line in lines)
    assert read_all_events(conversation).events == [old, *rest]


def test_compact_lines_without_a_readable_first_line_are_reported_not_misread(
        conversation: Path, tmp_path: Path) -> None:
    lines = _write(conversation, every_event())
    conversation.write_bytes(b"{not json\n" + b"\n".join(lines[1:]) + b"\n")
    read = read_all_events(conversation)
    assert read.events == [] and len(read.errors) == len(lines)
    assert "first line" in read.errors[1]
    report = EventStore(tmp_path / "x.duckdb").import_experiment(conversation.parent)
    assert report.events == 0 and report.skipped_lines == len(lines)


def test_a_compact_line_read_alone_is_refused_not_misnumbered(conversation: Path) -> None:
    lines = _write(conversation, every_event())
    with pytest.raises(msgspec.ValidationError, match="first line"):
        ev.decode_event(lines[4])  # a TurnStartEvent: alone it would read as schema 1


def _rows(store: EventStore, table: str, order: str) -> list[Any]:
    rows = store.query(f"SELECT * FROM {table} ORDER BY {order}", limit=None).rows
    if table == "events":
        return [row[:-1] + (json.loads(row[-1]),) for row in rows]
    return rows


@pytest.mark.parametrize("table, order", [
    ("conversations", "conversation_id"),
    ("messages", "conversation_id, turn_number, agent_id"),
    ("turn_metrics_wide", "conversation_id, turn_number"),
    ("events", "conversation_id NULLS FIRST, seq"),
])
def test_compact_lines_import_as_the_same_events_in_full(conversation: Path, tmp_path: Path,
                                                          table: str, order: str) -> None:
    events = every_event()
    _write(conversation, events)
    full_dir = tmp_path / "full" / "experiments" / conversation.parent.name
    full_dir.mkdir(parents=True)
    (full_dir / conversation.name).write_bytes(b"".join(
        ev.encode_event(msgspec.structs.replace(e, experiment_id="", conversation_id=None))
        + b"\n" for e in events))
    compact = EventStore(tmp_path / "compact.duckdb")
    full = EventStore(tmp_path / "full.duckdb")
    assert compact.import_experiment(conversation.parent).events == \
        full.import_experiment(full_dir).events == len(events)
    assert _rows(compact, table, order) == _rows(full, table, order)
