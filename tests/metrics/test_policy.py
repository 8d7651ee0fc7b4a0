"""The real scorer inside real runs: metrics land in TurnCompleteEvent, the profile is used,
and every convergence action does what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.core.events import (
    ConvergenceWarningEvent,
    ConversationEndEvent,
    TurnCompleteEvent,
)
from pidgin_tui.experiments.spec import CONVERGENCE_PROFILES
from pidgin_tui.metrics.catalog import metric_names
from pidgin_tui.metrics.convergence import PROFILES
from pidgin_tui.metrics.turn import METRICS_VERSION
from tests.analysis_fixtures import recorded_events, run_experiment


def _events(experiment_dir: Path) -> list[object]:
    return recorded_events(experiment_dir)


def test_spec_profiles_are_the_metric_profiles() -> None:
    assert tuple(PROFILES) == CONVERGENCE_PROFILES


def test_turns_carry_every_metric_and_the_version(tmp_path: Path) -> None:
    events = _events(run_experiment(tmp_path, repetitions=1, max_turns=3))
    turns = [e for e in events if isinstance(e, TurnCompleteEvent)]
    assert len(turns) == 3
    for turn in turns:
        assert sorted(turn.metrics) == sorted(metric_names())
        assert turn.metrics_version == METRICS_VERSION
        assert turn.convergence_score is not None and 0 <= turn.convergence_score <= 1


def test_the_profile_changes_the_scores(tmp_path: Path) -> None:
    scores = {}
    for profile in ("balanced", "strict"):
        events = _events(run_experiment(tmp_path / profile, repetitions=1, max_turns=3,
                                        convergence_profile=profile, seed=5))
        scores[profile] = [e.convergence_score for e in events
                           if isinstance(e, TurnCompleteEvent)]
    assert scores["balanced"] != scores["strict"]


@pytest.mark.parametrize(("action", "reason", "turns", "warnings"), [
    ("stop", "high_convergence", 1, 1),
    ("pause", "paused", 1, 1),
    ("warn", "max_turns", 3, 1),
    ("continue", "max_turns", 3, 1),
])
def test_every_convergence_action_works_headless(tmp_path: Path, action: str, reason: str,
                                                 turns: int, warnings: int) -> None:
    events = _events(run_experiment(tmp_path, repetitions=1, max_turns=3,
                                    convergence_threshold=0.0, convergence_action=action))
    end = next(e for e in events if isinstance(e, ConversationEndEvent))
    assert (end.reason, end.total_turns) == (reason, turns)
    found = [e for e in events if isinstance(e, ConvergenceWarningEvent)]
    assert len(found) == warnings and all(w.action == action for w in found)


def test_no_warning_below_the_threshold(tmp_path: Path) -> None:
    events = _events(run_experiment(tmp_path, repetitions=1, max_turns=3,
                                    convergence_threshold=1.0, convergence_action="stop"))
    assert not any(isinstance(e, ConvergenceWarningEvent) for e in events)
    assert next(e for e in events if isinstance(e, ConversationEndEvent)).reason == "max_turns"
