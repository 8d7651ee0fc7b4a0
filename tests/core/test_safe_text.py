"""Untrusted text is made inert for a terminal: no escape sequence or control character survives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pidgin_tui.core.safe_text import terminal_safe

# Hostile sequences a model reply can carry, each with the visible text around it.
HOSTILE: dict[str, str] = {
    "osc52 clipboard (BEL)": "a\x1b]52;c;ZWNobyBwd25lZA==\x07b",
    "osc52 clipboard (ST)": "a\x1b]52;c;ZWNobyBwd25lZA==\x1b\\b",
    "window title": "a\x1b]0;you have been pwned\x07b",
    "hyperlink": "a\x1b]8;;http://evil.example/\x1b\\b\x1b]8;;\x1b\\",
    "clear screen": "a\x1b[2J\x1b[Hb",
    "colour": "a\x1b[31;1mb\x1b[0m",
    "cursor up and erase line": "a\x1b[1A\x1b[2Kb",
    "private mode (alt screen)": "a\x1b[?1049hb",
    "dcs": "a\x1bP+q544e\x1b\\b",
    "apc": "a\x1b_Gf=100;AAAA\x1b\\b",
    "full reset": "a\x1bcb",
    "charset": "a\x1b(0b",
    "8-bit csi": "a\x9b2Jb",
    "8-bit osc": "a\x9d0;title\x9cb",
    "lone esc at the end": "ab\x1b",
    "two-character escape": "a\x1bZb",
    "bell and backspace": "a\x07\x08b",
    "carriage return overwrite": "a\rb",
    "nul and del": "a\x00\x7fb",
    "unterminated osc": "ab\x1b]52;c;AAAA",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_sequences_are_removed_whole(text: str) -> None:
    cleaned = terminal_safe(text)
    assert cleaned == "ab"


def test_newline_and_tab_are_kept_and_plain_text_is_untouched() -> None:
    text = "line one\n\tindented — ünïcode 🙂 [bold]markup stays literal[/bold]\n"
    assert terminal_safe(text) == text


def test_single_line_turns_breaks_into_spaces() -> None:
    assert terminal_safe("Ann\x1b[2J\nBee\tCee", single_line=True) == "Ann Bee Cee"


def test_lone_surrogates_become_replacement_characters() -> None:
    assert terminal_safe("a\ud800b") == "a\ufffdb"


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\x1b\x9b\x9d[]\x07")))
def test_no_control_character_but_newline_and_tab_survives(text: str) -> None:
    cleaned = terminal_safe(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in cleaned)
    assert terminal_safe(cleaned) == cleaned
