"""Prompts are data: braces reach the model as written; only known `{{placeholders}}` are filled,
unknown ones are refused at load, and unreadable files are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.core.awareness import AwarenessError, build_system_prompt, load_awareness
from pidgin_tui.core.types import AgentId


def _prompt(path: Path, **names: str) -> str:
    awareness = load_awareness(str(path), AgentId.A)
    return build_system_prompt(
        awareness, own_name=names.get("own", "Ann"), own_model="local:test",
        partner_name=names.get("partner", "Bee"), partner_model="local:instant", max_turns=5,
        speaks_first=True, choose_names=False)


def test_braces_in_a_custom_prompt_are_sent_exactly(tmp_path: Path) -> None:
    text = 'Reply as JSON like {"a": 1} or {0} or {own_model} or {{ not closed } {__class__}'
    path = tmp_path / "aw.yaml"
    path.write_text(f"system_prompt: '{text}'\n", encoding="utf-8")
    assert _prompt(path) == text


def test_known_placeholders_are_filled_once(tmp_path: Path) -> None:
    path = tmp_path / "aw.yaml"
    path.write_text("system_prompt: 'I am {{own_model}}, you are {{ partner_name }}.'\n",
                    encoding="utf-8")
    # A value that looks like a placeholder is not expanded again.
    assert _prompt(path, partner="{{own_model}}") == "I am local:test, you are {{own_model}}."


def test_unknown_placeholder_is_refused_when_the_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "aw.yaml"
    path.write_text("system_prompt: 'Hello {{user_name}}'\n", encoding="utf-8")
    with pytest.raises(AwarenessError, match=r"unknown placeholder \{\{user_name\}\}"):
        load_awareness(str(path), AgentId.A)


def test_injections_are_sent_as_written(tmp_path: Path) -> None:
    path = tmp_path / "aw.yaml"
    path.write_text("turn_prompts:\n  2: {both: 'Answer {\"x\": {{own_model}}}'}\n",
                    encoding="utf-8")
    assert load_awareness(str(path), AgentId.B).injection_for(2) == 'Answer {"x": {{own_model}}}'


def test_presets_name_both_models() -> None:
    prompt = build_system_prompt(load_awareness("full", AgentId.A), own_name="Ann",
                                 own_model="m-a", partner_name="Bee", partner_model="m-b",
                                 max_turns=7, speaks_first=False, choose_names=False)
    assert "{" not in prompt and "m-a" in prompt and "m-b" in prompt and "7 turns" in prompt


def test_a_non_utf8_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "aw.yaml"
    path.write_bytes(b"system_prompt: '\xff\xfe'\n")
    with pytest.raises(AwarenessError, match=r"aw.yaml: not valid UTF-8 \(byte 0xff"):
        load_awareness(str(path), AgentId.A)
