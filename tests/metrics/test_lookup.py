"""Looking a metric up by its stored name or a prefix (`pidgin-tui metrics NAME`)."""

from __future__ import annotations

import json

import pytest

from pidgin_tui.cli import main
from pidgin_tui.metrics.endstates import END_STATES
from pidgin_tui.metrics.lookup import all_metrics, find_metrics
from pidgin_tui.metrics.turn import make_turn_scorer


def _keys(query: str) -> list[str]:
    return [m.key for m in find_metrics(query)]


def test_every_value_a_turn_stores_is_found_by_its_own_name() -> None:
    metrics, _ = make_turn_scorer()(0, "Hello there, how are you?", "Fine, thanks! And you?")
    metrics.pop("metrics_version")
    stored = [*metrics, "convergence_score"]
    assert sorted(stored) == sorted(m.key for m in all_metrics())
    for key in stored:
        assert _keys(key) == [key]


def test_a_prefix_finds_every_metric_that_starts_with_it() -> None:
    assert _keys("mimicry") == [f"mimicry_{x}_to_{y}_{n}" for x, y in (("a", "b"), ("b", "a"))
                                for n in (1, 2, 3)]
    assert _keys("endstate_") == [f"endstate_{name}" for name in END_STATES]
    assert _keys("TFIDF_") == ["tfidf_cosine"]  # case is ignored
    assert set(_keys("a_")) == {m.key for m in all_metrics() if m.scope == "agent a"}


def test_a_per_agent_name_without_its_prefix_finds_both_agents() -> None:
    assert _keys("ttr") == ["a_ttr", "b_ttr"]
    found = find_metrics("gratitude")
    assert [m.key for m in found] == ["a_gratitude_rate", "b_gratitude_rate"]
    assert {m.scope for m in found} == {"agent a", "agent b"} and found[0].name == "gratitude_rate"


def test_nothing_matches_an_unknown_name() -> None:
    assert find_metrics("no_such_metric") == []
    assert len(find_metrics("")) == len(all_metrics())


def test_the_command_prints_definitions_or_one_line_with_a_suggestion(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "ttr", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "ttr" and [m["key"] for m in data["metrics"]] == ["a_ttr", "b_ttr"]
    assert "type-token ratio" in data["metrics"][0]["definition"]
    assert main(["metrics", "mimicry_a"]) == 0
    assert "mimicry_a_to_b_3" in capsys.readouterr().out
    assert main(["metrics", "convergnce"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "convergence_score" in err
