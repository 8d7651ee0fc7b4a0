"""Form values ⇄ specs, with the spec module's own wording for every problem."""

from __future__ import annotations

from pidgin_tui.experiments.spec import ExperimentSpec, parse_spec
from pidgin_tui.tui.form import default_values, spec_to_values, validate_form

from .conftest import fast_registry


def test_default_values_make_a_valid_local_spec() -> None:
    result = validate_form(default_values(), fast_registry())
    assert result.ok
    assert (result.spec.agent_a, result.spec.agent_b) == ("local:test", "local:test")
    assert result.spec.name == "test-vs-test"


def test_every_invalid_field_gets_its_own_reason() -> None:
    values = default_values() | {"repetitions": "0", "convergence_threshold": "1.5",
                                 "awareness_a": "nosuch", "think_budget": "12"}
    result = validate_form(values, fast_registry())
    assert not result.ok
    assert set(result.errors) == {"repetitions", "convergence_threshold", "awareness_a",
                                  "think_budget"}
    assert result.errors["repetitions"] == "expected an integer between 1 and 100000, got 0"


def test_empty_optional_fields_mean_not_set() -> None:
    values = default_values() | {"convergence_threshold": "", "budget_usd": " "}
    spec = validate_form(values, fast_registry()).spec
    assert spec.convergence_threshold is None and spec.budget_usd is None


def test_spec_values_round_trip() -> None:
    spec = parse_spec({"name": "x", "agent_a": "local:instant", "turns": 4, "temperature_b": 0.5,
                       "awareness_a": "firm", "think": True, "think_budget": 2048,
                       "first_speaker": "agent_b", "convergence_action": "stop"})
    again = validate_form(spec_to_values(spec), fast_registry()).spec
    assert isinstance(again, ExperimentSpec)
    for key in ("name", "agent_a", "max_turns", "temperature_b", "think", "think_budget",
                "first_speaker", "convergence_action"):
        assert getattr(again, key) == getattr(spec, key), key
    assert again.resolved_awareness("agent_a") == "firm"
