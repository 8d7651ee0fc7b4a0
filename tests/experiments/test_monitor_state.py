"""MonitorState: incremental reads of manifests and JSONL tails."""

from __future__ import annotations

import os
from pathlib import Path

from pidgin_tui.core.events import (
    ConversationEndEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    encode_event,
)
from pidgin_tui.experiments.monitor_rows import summary_text
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.synthetic import (
    EPOCH,
    conversation_events,
    update_manifest,
    write_experiment,
    write_jsonl,
)

NOW = EPOCH.timestamp() + 600


def _state(root: Path) -> MonitorState:
    return MonitorState(root, clock=lambda: NOW)


def _running(root: Path) -> Path:
    return write_experiment(root, "run1", "live", conversations=1, running=1, turns=10,
                            pid=os.getpid())


def _jsonl(path: Path, conv: str) -> Path:
    return path / f"conv_{conv}_events.jsonl"


def _turn_events(conv: str, turn: int) -> list:
    ids = {"experiment_id": "run1", "conversation_id": conv}
    return [MessageCompleteEvent(**ids, agent_id="agent_a", turn_number=turn, content=f"a{turn}"),
            MessageCompleteEvent(**ids, agent_id="agent_b", turn_number=turn, content=f"b{turn}"),
            TurnCompleteEvent(**ids, turn_number=turn, convergence_score=0.5)]


def test_empty_root_gives_no_rows(tmp_path: Path) -> None:
    assert _state(tmp_path).refresh() == []
    assert "no experiments" in summary_text([], tmp_path)


def test_rows_show_progress_and_counts(tmp_path: Path) -> None:
    _running(tmp_path)
    write_experiment(tmp_path, "done1", "finished", conversations=3, turns=4)
    rows = _state(tmp_path).refresh()
    assert [r.experiment_id for r in rows] == ["run1", "done1"]  # live first
    live, done = rows
    assert (live.status, live.total, live.completed, live.running) == ("running", 2, 1, 1)
    assert live.in_this_process and live.eta_s is not None and 0 < live.progress < 1
    assert [c.turns for c in live.conversations] == [10, 5]
    assert (done.status, done.done, done.turns, done.progress, done.eta_s) == \
        ("completed", 3, 12, 1.0, None)


def test_appended_events_are_picked_up_exactly_once(tmp_path: Path) -> None:
    path = _running(tmp_path)
    state = _state(tmp_path)
    state.refresh()
    tail = state.tail("run1", "run1_0002")
    assert tail is not None
    seen = tail.events_seen
    write_jsonl(_jsonl(path, "run1_0002"), _turn_events("run1_0002", 6) +
                _turn_events("run1_0002", 7))
    row = state.refresh()[0]
    assert tail.events_seen == seen + 6
    assert row.conversations[1].turns == 7  # ahead of the manifest, which still says 5
    assert row.conversations[1].last_message == "b7"
    state.refresh()
    assert tail.events_seen == seen + 6  # nothing new, nothing counted twice


def test_truncated_line_is_neither_lost_nor_duplicated(tmp_path: Path) -> None:
    path = _running(tmp_path)
    state = _state(tmp_path)
    state.refresh()
    tail = state.tail("run1", "run1_0002")
    assert tail is not None
    seen = tail.events_seen
    line = encode_event(_turn_events("run1_0002", 6)[2]) + b"\n"
    with open(_jsonl(path, "run1_0002"), "ab") as handle:
        handle.write(line[:25])
    state.refresh()
    assert tail.events_seen == seen and tail.turns_completed == 5 and not tail.parse_errors
    with open(_jsonl(path, "run1_0002"), "ab") as handle:
        handle.write(line[25:])
    state.refresh()
    state.refresh()
    assert tail.events_seen == seen + 1 and tail.turns_completed == 6 and not tail.parse_errors


def test_finished_experiments_are_not_reread(tmp_path: Path) -> None:
    write_experiment(tmp_path, "done1", "finished", conversations=3, turns=4)
    state = _state(tmp_path)
    state.refresh()
    reads, tailed = state.manifest_reads, state.bytes_tailed
    for _ in range(3):
        state.refresh()
    assert (state.manifest_reads, state.bytes_tailed) == (reads, tailed) == (1, 0)


def test_manifest_change_is_read_and_conversation_end_stops_tailing(tmp_path: Path) -> None:
    path = _running(tmp_path)
    state = _state(tmp_path)
    state.refresh()
    write_jsonl(_jsonl(path, "run1_0002"), [ConversationEndEvent(
        experiment_id="run1", conversation_id="run1_0002", reason="max_turns", total_turns=5)])
    row = state.refresh()[0]
    assert row.conversations[1].status == "completed" and row.running == 0
    update_manifest(path, status="completed", completed_at=EPOCH.isoformat())
    row = state.refresh()[0]
    assert row.status == "completed" and state.manifest_reads == 2


def test_stale_pid_shows_interrupted_process_gone(tmp_path: Path) -> None:
    write_experiment(tmp_path, "dead1", "crashed", conversations=1, running=1, pid=2**22 + 7)
    row = _state(tmp_path).refresh()[0]
    assert row.status == "interrupted"
    assert row.status_label == "interrupted (process gone)"
    assert row.eta_s is None
    assert "interrupted (process gone)" in summary_text([row], tmp_path)


def test_new_experiment_directory_is_discovered(tmp_path: Path) -> None:
    state = _state(tmp_path)
    write_experiment(tmp_path, "a1", "first", conversations=1)
    assert len(state.refresh()) == 1
    write_experiment(tmp_path, "b2", "second", conversations=1)
    assert {r.experiment_id for r in state.refresh()} == {"a1", "b2"}


def test_synthetic_conversation_round_trips(tmp_path: Path) -> None:
    events = list(conversation_events("e", "e_1", 3))
    assert sum(isinstance(e, MessageCompleteEvent) for e in events) == 6


def test_resumed_conversation_is_tailed_again(tmp_path: Path) -> None:
    from pidgin_tui.core.events import ConversationResumedEvent

    path = _running(tmp_path)
    state = _state(tmp_path)
    ids = {"experiment_id": "run1", "conversation_id": "run1_0002"}
    write_jsonl(_jsonl(path, "run1_0002"), [ConversationEndEvent(
        **ids, reason="interrupted", total_turns=5, status="interrupted")])
    state.refresh()
    tail = state.tail("run1", "run1_0002")
    assert tail is not None and tail.ended and tail.status == "interrupted"
    write_jsonl(_jsonl(path, "run1_0002"), [ConversationResumedEvent(**ids, turn_number=6),
                                            *_turn_events("run1_0002", 6)])
    state.refresh()
    assert not tail.ended and tail.status == "running" and tail.turns_completed == 6
