"""The monitor's end-state column: from the JSONL tails of a real run, and from DuckDB once
the experiment is imported."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.events import EndStateDetectedEvent
from pidgin_tui.database.browse import imported_catalog
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments.monitor_rows import apply_imported, fmt_end_states, summary_text
from pidgin_tui.experiments.monitor_state import MonitorState
from tests.analysis_fixtures import recorded_events, run_experiment


def test_the_monitor_shows_each_conversations_end_state_and_onset(tmp_path: Path) -> None:
    experiment = run_experiment(tmp_path, max_turns=20, repetitions=2, think=False)
    found = {}
    for event in recorded_events(experiment):
        if isinstance(event, EndStateDetectedEvent):
            found.setdefault(event.conversation_id, []).append(
                (event.end_state, event.onset_turn))
    assert found, "local:instant loops within 20 turns"
    rows = MonitorState(tmp_path).refresh()
    by_id = {c.conversation_id: c for c in rows[0].conversations}
    for cid, end_states in found.items():
        assert by_id[cid].end_states == end_states
    text = summary_text(rows, tmp_path, conversations=True)
    for end_states in found.values():
        assert f"end state {fmt_end_states(end_states)}" in text

    store = EventStore(tmp_path / "experiments" / "experiments.duckdb")
    store.import_experiment(experiment)
    catalog = imported_catalog(tmp_path / "experiments" / "experiments.duckdb")
    imported = apply_imported(rows, catalog.experiments, catalog.conversations)
    assert imported[0].source == "duckdb"
    for conv in imported[0].conversations:
        assert conv.end_states == sorted(found.get(conv.conversation_id, []),
                                         key=lambda item: item[1])


def test_end_state_cell_format() -> None:
    assert fmt_end_states([]) == "-"
    assert fmt_end_states([("loop", 8)]) == "loop@8"  # turns as recorded and shown, from 1
    assert fmt_end_states([("loop", 8), ("silence", 13)]) == "loop@8 +1"
