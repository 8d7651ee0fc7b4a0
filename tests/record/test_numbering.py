"""One numbering: turns and repetitions count from 1 in events, readers, the import and screens.

An experiment recorded by schema version 1 (turns and repetitions from 0, or no version marker
at all) reads and imports to the same 1-based numbers as one recorded today.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pidgin_tui.core import events as ev
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments.monitor_rows import conversation_line
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.synthetic import write_experiment, write_jsonl
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.layout import MANIFEST_NAME, conversation_jsonl_name
from pidgin_tui.reports.transcript import render_transcript
from tests.conftest import cli_command, cli_env

EXP = "numb0001"
CONV = f"{EXP}_0002"
IDS = {"experiment_id": EXP, "conversation_id": CONV}


def _v1_lines() -> list[dict[str, object]]:
    """Repetition 2 of an experiment as schema version 1 wrote it: two turns (0 and 1), a loop
    detected at turn 1 that began at turn 0, the third turn (2) begun and cut off."""
    def line(kind: str, **fields: object) -> dict[str, object]:
        return {"event_type": kind, **IDS, "schema_version": 1, **fields}

    out = [line("ConversationStartEvent", agent_a_model="local:test",
                agent_b_model="local:test", max_turns=10, repetition=1)]
    for turn in (0, 1):
        out += [line("TurnStartEvent", turn_number=turn),
                *(line("MessageCompleteEvent", agent_id=a, turn_number=turn,
                       content=f"{a} says {turn}") for a in ("agent_a", "agent_b")),
                line("TurnCompleteEvent", turn_number=turn, convergence_score=0.5,
                     metrics={"a_words": 3.0}, metrics_version=2)]
    out += [line("EndStateDetectedEvent", turn_number=1, end_state="loop", onset_turn=0,
                 score=0.9, action="warn", substantive_turns=0),
            line("TurnStartEvent", turn_number=2),
            line("MessageCompleteEvent", agent_id="agent_a", turn_number=2, content="partial",
                 finish_reason="interrupted"),
            line("ConversationEndEvent", reason="interrupted", total_turns=2,
                 status="interrupted")]
    for seq, item in enumerate(out, 1):
        item["seq"] = seq
    return out


def _current(line: dict[str, object]) -> dict[str, object]:
    """The same line as written today: 1-based, schema version 2."""
    shifted = {**line, "schema_version": ev.SCHEMA_VERSION}
    for key in ("turn_number", "onset_turn", "repetition"):
        if key in shifted:
            shifted[key] = int(shifted[key]) + 1  # type: ignore[call-overload]
    return shifted


def _experiment(root: Path, lines: list[dict[str, object]]) -> Path:
    directory = root / "experiments" / f"experiment_{EXP}_numbering_20260101"
    directory.mkdir(parents=True)
    (directory / conversation_jsonl_name(CONV)).write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (directory / MANIFEST_NAME).write_text(json.dumps(
        {"experiment_id": EXP, "name": "numbering", "status": "interrupted",
         "total_conversations": 2, "conversations": {}}), encoding="utf-8")
    return directory


def _numbers(directory: Path, database: Path) -> dict[str, object]:
    """Every turn and repetition number the record, the transcript and the import report."""
    record = ConversationRecord.read(directory / conversation_jsonl_name(CONV))
    experiment = ExperimentRecord.load(directory)
    text = render_transcript(experiment.conversations[CONV], experiment)
    store = EventStore(database)
    store.import_experiment(directory)
    return {
        "messages": [(m.turn_number, m.agent_id) for m in record.messages],
        "turns": sorted(record.completed_turns),
        "onsets": [(e.turn_number, e.onset_turn) for e in record.end_states],
        "repetition": record.repetition,
        "shown": (record.turns_completed, record.shown_turn(live=False)),
        "headers": [line for line in text.splitlines() if line.startswith("## Turn ")],
        "began": "began at turn 1 " in text,
        "db_messages": store.query("SELECT turn_number, agent_id FROM messages "
                                   "ORDER BY turn_number, agent_id").rows,
        "db_turns": store.query("SELECT turn_number FROM turn_metrics_wide "
                                "ORDER BY turn_number").rows,
        "db_conversation": store.query(
            "SELECT repetition, total_turns, end_state_onset, end_state_onsets "
            "FROM conversations").rows,
        "db_events": store.query(
            "SELECT DISTINCT CAST(data->>'turn_number' AS INTEGER) AS t FROM events "
            "WHERE data->>'turn_number' IS NOT NULL ORDER BY t").rows,
    }


EXPECTED = {
    "messages": [(1, "agent_a"), (1, "agent_b"), (2, "agent_a"), (2, "agent_b"),
                 (3, "agent_a")],
    "turns": [1, 2],
    "onsets": [(2, 1)],
    "repetition": 2,
    "shown": (2, 2),
    "headers": ["## Turn 1", "## Turn 2", "## Turn 3"],
    "began": True,
    "db_messages": [(1, "agent_a"), (1, "agent_b"), (2, "agent_a"), (2, "agent_b"),
                    (3, "agent_a")],
    "db_turns": [(1,), (2,)],
    "db_conversation": [(2, 2, 1, [1])],
    "db_events": [(1,), (2,), (3,)],
}


@pytest.mark.parametrize("version", ["1", "1 without a version marker", "2"])
def test_old_and_new_records_read_and_import_to_the_same_1_based_numbers(
        tmp_path: Path, version: str) -> None:
    lines = _v1_lines()
    if version == "2":
        lines = [_current(line) for line in lines]
    elif version != "1":
        for line in lines:
            del line["schema_version"]
    directory = _experiment(tmp_path, lines)
    assert _numbers(directory, tmp_path / "a.duckdb") == EXPECTED


def test_a_decoded_line_of_version_1_is_current_and_a_new_event_is_left_alone() -> None:
    old = ev.decode_event(b'{"event_type":"TurnCompleteEvent","turn_number":0,"seq":3,'
                          b'"schema_version":1}')
    assert (old.turn_number, old.schema_version) == (1, ev.SCHEMA_VERSION)  # type: ignore[attr-defined]
    new = ev.TurnCompleteEvent(turn_number=1)
    assert ev.decode_event(ev.encode_event(new)).turn_number == 1  # type: ignore[attr-defined]


def test_a_turn_is_under_way_only_once_something_of_a_later_turn_is_recorded() -> None:
    record = ConversationRecord()
    record.apply_all([ev.ConversationStartEvent(**IDS, agent_a_model="a", agent_b_model="b",
                                                max_turns=10),
                      ev.TurnStartEvent(**IDS, turn_number=1),
                      ev.TurnCompleteEvent(**IDS, turn_number=1),
                      ev.ConvergenceWarningEvent(**IDS, turn_number=1, convergence_score=0.9,
                                                 threshold=0.8, action="warn")])
    assert not record.after_last_turn and record.shown_turn(live=True) == 1
    record.apply(ev.TurnStartEvent(**IDS, turn_number=2))
    assert record.after_last_turn and record.shown_turn(live=True) == 2
    assert record.shown_turn(live=False) == 1  # its process is gone: turn 2 never completed


def _in_turn_21_of_40(root: Path) -> tuple[Path, Path, dict[str, str]]:
    """An experiment whose one conversation is running in its turn 21 of 40 (this process
    runs it): (its directory, the conversation's JSONL, the events' ids)."""
    path = write_experiment(root, EXP, "numbering", conversations=0, running=1, turns=40,
                            pid=os.getpid())
    conv = f"{EXP}_0001"
    jsonl = path / conversation_jsonl_name(conv)
    ids = {"experiment_id": EXP, "conversation_id": conv}
    write_jsonl(jsonl, [ev.TurnStartEvent(**ids, turn_number=21),
                        ev.MessageCompleteEvent(**ids, agent_id="agent_a", turn_number=21,
                                                content="half a turn")])
    return path, jsonl, ids


def _stop(jsonl: Path, ids: dict[str, str]) -> None:
    """Stopped in turn 21: 20 turns completed."""
    write_jsonl(jsonl, [ev.ConversationEndEvent(**ids, reason="interrupted", total_turns=20,
                                                status="interrupted")])


def test_monitor_cli_and_transcript_name_the_same_turn(tmp_path: Path) -> None:
    """Running in its turn 21 of 40: the monitor row and `monitor --once` say turn 21 / 40;
    stopped there, every view says 20 turns."""
    path, jsonl, ids = _in_turn_21_of_40(tmp_path)
    row = MonitorState(tmp_path).refresh()[0].conversations[0]
    assert row.turn_label == "turn 21 / 40" and "turn 21 / 40" in conversation_line(row)
    _stop(jsonl, ids)
    row = MonitorState(tmp_path).refresh()[0].conversations[0]
    assert row.turn_label == "turn 20 / 40"
    experiment = ExperimentRecord.load(path)
    record = experiment.conversations[ids["conversation_id"]]
    assert record.shown_turn(live=False) == 20
    assert "**Turns:** 20 of 40" in render_transcript(record, experiment)


def _cli_json(root: Path, *args: str) -> Any:
    done = subprocess.run(cli_command(*args, "--json", "--output", str(root)), env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_show_list_and_the_transcript_screen_count_the_same_turns(tmp_path: Path) -> None:
    """Stopped in turn 21 of 40: `show --json`, `list --json` and the app's transcript header
    all say 20 turns, as the monitor and the rendered transcript do."""
    from textual.widgets import Static

    from pidgin_tui.tui.screens.transcript import TranscriptScreen
    from tests.tui.helpers import wait_until
    from tests.tui.host import HostApp

    _, jsonl, ids = _in_turn_21_of_40(tmp_path)
    _stop(jsonl, ids)
    shown = _cli_json(tmp_path, "show", EXP)
    assert shown["total_turns"] == 20
    assert shown["conversations"][ids["conversation_id"]]["turns_completed"] == 20
    [listed] = _cli_json(tmp_path, "list")["experiments"]
    assert listed["total_turns"] == 20
    app = HostApp(tmp_path, lambda: TranscriptScreen(jsonl))
    async with app.run_test(size=(120, 40)) as pilot:
        header = app.screen.query_one("#tx-header", Static)
        await wait_until(pilot, lambda: "turns" in str(header.render()), "the record read")
        assert "· 20/40 turns · interrupted" in str(header.render())
