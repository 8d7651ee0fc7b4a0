"""Form values ⇄ specs, with the spec module's own wording for every problem."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.core.awareness import PRESET_NAMES
from pidgin_tui.core.plan import EMPTY_REPLY_ACTIONS
from pidgin_tui.experiments.spec import (
    CONVERGENCE_ACTIONS,
    CONVERGENCE_PROFILES,
    FIRST_SPEAKERS,
    PROMPT_VISIBILITY,
    VALIDATORS,
    ExperimentSpec,
    parse_spec,
)
from pidgin_tui.metrics.endstates import END_STATE_NAMES
from pidgin_tui.tui.form import FIELDS, default_values, spec_to_values, validate_form

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


# --- every spec key survives the form --------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_AWARENESS = st.sampled_from(PRESET_NAMES)
SPEC_VALUES: dict[str, st.SearchStrategy[object]] = {
    "name": _TEXT.filter(lambda name: name != ""),
    "agent_a": st.sampled_from(("local:test", "local:instant")),
    "agent_b": st.sampled_from(("local:test", "local:silent")),
    "repetitions": st.integers(1, 100_000),
    "max_turns": st.integers(1, 100_000),
    "prompt": _TEXT,
    "prompt_visibility": st.sampled_from(PROMPT_VISIBILITY),
    "first_speaker": st.sampled_from(FIRST_SPEAKERS),
    "temperature": st.none() | st.floats(0.0, 2.0),
    "temperature_a": st.none() | st.floats(0.0, 2.0),
    "temperature_b": st.none() | st.floats(0.0, 2.0),
    "awareness": _AWARENESS,
    "awareness_a": st.none() | _AWARENESS,
    "awareness_b": st.none() | _AWARENESS,
    "choose_names": st.booleans(),
    "convergence_threshold": st.none() | st.floats(0.0, 1.0),
    "convergence_action": st.sampled_from(CONVERGENCE_ACTIONS),
    "convergence_profile": st.sampled_from(CONVERGENCE_PROFILES),
    "end_state_action": st.fixed_dictionaries(
        dict.fromkeys(END_STATE_NAMES, st.sampled_from(CONVERGENCE_ACTIONS))),
    "max_parallel": st.integers(1, 1024),
    "allow_truncation": st.booleans(),
    "allow_ignored_params": st.booleans(),
    "allow_unpriced": st.booleans(),
    "opener": _TEXT.filter(str.strip),
    "empty_reply": st.sampled_from(EMPTY_REPLY_ACTIONS),
    "empty_placeholder": _TEXT.filter(str.strip),
    "think": st.booleans(),
    "think_a": st.none() | st.booleans(),
    "think_b": st.none() | st.booleans(),
    "think_budget": st.none() | st.integers(1024, 1_000_000),
    "max_output_tokens": st.none() | st.integers(1, 1_000_000),
    "seed": st.integers(0, 2**63),
    "budget_usd": st.none() | st.floats(0.0, 1_000_000.0),
    "conversation_budget_usd": st.none() | st.floats(0.0, 1_000_000.0),
    "pause_before_turn": st.none() | st.integers(1, 100_000),
}


def test_the_property_test_covers_every_spec_key() -> None:
    assert set(SPEC_VALUES) == set(FIELDS) == set(VALIDATORS)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=SPEC_VALUES))
def test_form_round_trip_keeps_every_spec_key(data: dict[str, object]) -> None:
    """For any valid spec: form(spec).to_spec() == spec."""
    spec = parse_spec(data)
    again = validate_form(spec_to_values(spec), fast_registry())
    assert again.errors == {}
    assert again.spec == spec


def test_choose_names_and_seed_survive_the_form() -> None:
    spec = parse_spec({"choose_names": True, "seed": 7, "temperature": 0.3, "think_b": False})
    again = validate_form(spec_to_values(spec), fast_registry()).spec
    assert again is not None
    assert (again.choose_names, again.seed, again.temperature, again.think_b) == (
        True, 7, 0.3, False)
