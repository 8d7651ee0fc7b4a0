"""`pidgin-tui rescore`: an experiment recorded with older metric definitions gets the current
scores (metrics, convergence, end states) in its record and database, and its events stay
byte for byte as recorded."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from pidgin_tui.cli import main
from pidgin_tui.core.events import (
    EndStateDetectedEvent,
    TurnCompleteEvent,
    encode_event,
)
from pidgin_tui.database import importer
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments.rescore import RescoreError, rescore_experiment
from pidgin_tui.metrics.turn import METRICS_VERSION
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import conversation_files, rescore_dir
from pidgin_tui.record.lock import ExperimentLock
from tests.analysis_fixtures import copy_experiment, run_experiment

OLD_VERSION = METRICS_VERSION - 1


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run whose conversations fall into end states (local:instant loops within 20)."""
    return run_experiment(tmp_path_factory.mktemp("live"), max_turns=20, repetitions=2,
                          think=False, name="rescore-live")


def _as_if_recorded_by_an_older_version(experiment_dir: Path) -> None:
    """Rewrite the copy's events as an older scorer would have left them: other metric values
    and version, another convergence score, and no end-state events."""
    for path in conversation_files(experiment_dir):
        lines = []
        for event in read_all_events(path).events:
            if isinstance(event, EndStateDetectedEvent):
                continue
            if isinstance(event, TurnCompleteEvent):
                event = msgspec.structs.replace(
                    event, metrics={"a_words": 1.0, "old_only_metric": 0.5},
                    metrics_version=OLD_VERSION, convergence_score=0.123)
            lines.append(encode_event(event))
        path.write_bytes(b"\n".join(lines) + b"\n")


@pytest.fixture
def old(live: Path, tmp_path: Path) -> Path:
    copy = copy_experiment(live, tmp_path / "root")
    _as_if_recorded_by_an_older_version(copy)
    return copy


def _scores(experiment_dir: Path, rescored: bool = True) -> dict[str, object]:
    record = ExperimentRecord.load(experiment_dir, rescored=rescored)
    return {cid: ([(t.turn_number, t.metrics_version, t.convergence_score, t.metrics)
                   for t in conv.turns_in_order], conv.end_state_labels, conv.convergence,
                  conv.max_convergence, conv.substantive_turns)
            for cid, conv in record.conversations.items()}


def _event_bytes(experiment_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in experiment_dir.glob("*.jsonl")}


def test_rescore_gives_an_old_record_the_current_scores_and_keeps_its_events(
        live: Path, old: Path) -> None:
    expected = _scores(live)
    assert any(labels for _turns, labels, *_ in expected.values())  # end states to recover
    recorded = _event_bytes(old)
    assert _scores(old) != expected

    report = rescore_experiment(old)

    assert _event_bytes(old) == recorded  # the original events are never written
    assert _scores(old) == expected  # same messages, current scorer: the live values
    assert report.metrics_version == METRICS_VERSION
    assert report.turns == 40 and len(report.rescored) == 2
    assert report.changed_end_states == sum(bool(labels) for _t, labels, *_ in expected.values())
    before = _scores(old, rescored=False)  # the recorded scores are still readable
    assert {v for turns, *_ in before.values() for _n, v, *_ in turns} == {OLD_VERSION}
    summary = json.loads((rescore_dir(old, METRICS_VERSION) / "rescore.json").read_text())
    assert summary["metrics_version"] == METRICS_VERSION and summary["turns"] == 40


@pytest.mark.parametrize("parts", [1, 2])
def test_the_database_takes_the_rescored_scores(live: Path, old: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                parts: int) -> None:
    """Whether the files are staged in one part or in two at once (`database.staging`)."""
    monkeypatch.setattr(importer, "part_count", lambda files: parts)
    rescore_experiment(old)
    store = EventStore(tmp_path / "a.duckdb")
    exp_live = store.import_experiment(live).experiment_id
    sql = ("SELECT c.conversation_id, c.end_states, c.end_state_onset, c.substantive_turns, "
           "c.final_convergence, (SELECT list(DISTINCT w.metrics_version) FROM "
           "turn_metrics_wide w WHERE w.experiment_id = c.experiment_id AND "
           "w.conversation_id = c.conversation_id), (SELECT sum(w.a_words) FROM "
           "turn_metrics_wide w WHERE w.experiment_id = c.experiment_id AND "
           "w.conversation_id = c.conversation_id) FROM conversations c "
           "WHERE c.experiment_id = ? ORDER BY 1")
    expected = store.query(sql, [exp_live]).rows
    other = EventStore(tmp_path / "b.duckdb")
    exp_old = other.import_experiment(old).experiment_id
    assert other.query(sql, [exp_old]).rows == expected
    assert all(row[5] == [METRICS_VERSION] for row in expected)
    leftovers = other.query("SELECT count(*) FROM turn_metrics WHERE experiment_id = ? AND "
                            "metric = 'old_only_metric'", [exp_old]).rows
    assert leftovers == [(0,)]  # the old version's values are replaced, not mixed in


def test_rescoring_again_replaces_the_same_version(old: Path) -> None:
    rescore_experiment(old)
    first = {p.name: p.read_bytes() for p in rescore_dir(old, METRICS_VERSION).glob("conv_*")}
    rescore_experiment(old)
    again = {p.name: p.read_bytes() for p in rescore_dir(old, METRICS_VERSION).glob("conv_*")}
    assert first.keys() == again.keys() and len(first) == 2
    assert all(len(first[n].splitlines()) == len(again[n].splitlines()) for n in first)


def test_an_experiment_being_written_is_not_rescored(old: Path) -> None:
    with ExperimentLock.acquire(old), pytest.raises(RescoreError, match="being written"):
        rescore_experiment(old)
    assert not rescore_dir(old, METRICS_VERSION).exists()


def test_the_command_prints_one_json_object_and_refreshes_the_readme(
        old: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = old.parent.parent
    (old / "README.md").unlink(missing_ok=True)
    code = main(["--output", str(root), "rescore", old.name, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(out)
    assert isinstance(summary, dict)
    assert summary["conversations"] == 2 and summary["post_processing_failed"] == {}
    assert summary["end_states"]  # the loops the old record had lost
    readme = (old / "README.md").read_text(encoding="utf-8")
    assert "ended in a repetition loop" in readme  # from the rescored end states


def test_the_command_names_an_unknown_experiment_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--output", str(tmp_path), "rescore", "nothing-here"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "nothing-here" in err
