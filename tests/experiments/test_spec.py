"""Spec validation names the key and the problem; upstream Pidgin keys are accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.experiments.spec import SpecError, load_spec_file, parse_spec


def test_upstream_keys_are_accepted_as_aliases() -> None:
    spec = parse_spec({"agent_a_model": "local:test", "agent_b_model": "local:instant",
                       "turns": 7, "custom_prompt": "Hi", "awareness": "research",
                       "convergence_action": "stop", "think_budget": 2048, "think_a": True})
    assert (spec.agent_a, spec.agent_b, spec.max_turns, spec.prompt) == \
        ("local:test", "local:instant", 7, "Hi")
    assert spec.resolved_think("agent_a") and not spec.resolved_think("agent_b")
    assert spec.name == "test-vs-instant"


def test_per_agent_values_override_shared_ones() -> None:
    spec = parse_spec({"temperature": 0.5, "temperature_b": 1.1, "awareness": "firm",
                       "awareness_a": "none"})
    assert spec.resolved_temperature("agent_a") == 0.5
    assert spec.resolved_temperature("agent_b") == 1.1
    assert spec.resolved_awareness("agent_a") == "none"
    assert spec.resolved_awareness("agent_b") == "firm"


@pytest.mark.parametrize(("data", "message"), [
    ({"max_turns": "abc"}, 'max_turns: expected an integer >= 1, got "abc"'),
    ({"max_turns": -3}, "max_turns: expected an integer between 1 and 100000, got -3"),
    ({"repetitions": 0}, "repetitions: expected an integer between 1 and 100000, got 0"),
    ({"temperature": "hot"}, 'temperature: expected a number between 0.0 and 2.0, got "hot"'),
    ({"temperature_a": 3}, "temperature_a: expected a number between 0.0 and 2.0, got 3"),
    ({"convergence_action": "explode"},
     'convergence_action: expected one of stop, warn, pause, continue, got "explode"'),
    ({"choose_names": "maybe"}, 'choose_names: expected true or false, got "maybe"'),
    ({"awareness": "psychic"}, "awareness: expected a preset"),
    ({"max_turn": 3}, "max_turn: unknown key (did you mean 'max_turns'?)"),
    ({"colour": "red"}, "colour: unknown key"),
    ({"turns": 3, "max_turns": 4}, "max_turns: given twice (also as max_turns)"),
])
def test_validation_messages_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(("text", "message"), [
    ("", "the spec file is empty"),
    ("name: [unclosed\n", "malformed YAML at line"),
    ("- a\n- b\n", "expected a mapping of keys to values, got list"),
])
def test_bad_spec_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message):
        load_spec_file(path)


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such spec file"):
        load_spec_file(tmp_path / "nope.yaml")
