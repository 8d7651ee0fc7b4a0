"""End states in DuckDB: each conversation's labels, first end state, onset and substantive
turns match the EndStateDetectedEvents in its JSONL."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.events import EndStateDetectedEvent, TurnCompleteEvent
from pidgin_tui.database.event_store import EventStore
from tests.analysis_fixtures import recorded_events, run_experiment


def test_conversations_carry_their_end_states(tmp_path: Path) -> None:
    # local:instant falls into a loop within 20 turns (see tests/metrics/test_endstates.py).
    experiment = run_experiment(tmp_path / "root", max_turns=20, repetitions=3, think=False)
    events = recorded_events(experiment)
    store = EventStore(tmp_path / "a.duckdb")
    exp = store.import_experiment(experiment).experiment_id
    rows = store.query("SELECT conversation_id, end_states, first_end_state, end_state_onset, "
                       "substantive_turns, total_turns FROM conversations "
                       "WHERE experiment_id = ? ORDER BY conversation_id", [exp]).rows
    assert len(rows) == 3
    seen_any = False
    for cid, labels, first, onset, substantive, total in rows:
        found = sorted((e for e in events if isinstance(e, EndStateDetectedEvent)
                        and e.conversation_id == cid), key=lambda e: e.onset_turn)
        turns = [e.turn_number for e in events
                 if isinstance(e, TurnCompleteEvent) and e.conversation_id == cid]
        assert labels == [e.end_state for e in found]
        if not found:
            assert (first, onset, substantive) == (None, None, total)
            continue
        seen_any = True
        assert (first, onset) == (found[0].end_state, found[0].onset_turn)
        degradations = [e for e in found if e.end_state != "topic_drift"]
        expected = sum(t < degradations[0].onset_turn for t in turns) if degradations else total
        assert substantive == expected < total
    assert seen_any
    looping = store.query("SELECT count(*) FROM conversations WHERE experiment_id = ? AND "
                          "list_contains(end_states, 'loop')", [exp]).rows[0][0]
    assert looping >= 1
    scores = store.query("SELECT max(endstate_loop) FROM turn_metrics_wide "
                         "WHERE experiment_id = ?", [exp]).rows[0][0]
    assert scores >= 0.5
