"""Wrapping and searching transcript lines (pure functions, no app)."""

from __future__ import annotations

import random
import re

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.tui.widgets import transcript_layout
from pidgin_tui.tui.widgets.transcript_layout import build_layout, search, wrap_offsets


def _slow_wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Reference: greedy word wrap, one word at a time."""
    spans, position = [], 0
    for paragraph in text.split("\n"):
        start = end = -1
        for match in re.finditer(r"\S+", paragraph):
            s, e = match.start() + position, match.end() + position
            if start >= 0 and e - start <= width:
                end = e
                continue
            if start >= 0:
                spans.append((start, end))
            start, end = s, e
        spans.append((start, end) if start >= 0 else (position, position))
        position += len(paragraph) + 1
    return spans


def test_fast_wrap_matches_word_by_word_wrap() -> None:
    rng = random.Random(7)
    words = ["a", "to", "the", "signal", "patterns", "extraordinary", "x" * 15]
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 60)))
        text = text.replace(" the ", "  the\n", rng.randint(0, 2))
        width = rng.randint(16, 50)
        assert wrap_offsets(text, width) == _slow_wrap(text, width), (text, width)


def test_lines_are_substrings_within_width_and_long_words_split() -> None:
    text = "word " * 5 + "y" * 30 + " tail\n\n日本語のテキスト と 絵文字 🙂 mixed"
    for start, end in wrap_offsets(text, 12):
        line = text[start:end]
        assert line == line.strip() and transcript_layout.cell_len(line) <= 12
    long_word = "y" * 30
    assert [long_word[s:e] for s, e in wrap_offsets(long_word, 12)] == \
        ["y" * 12, "y" * 12, "y" * 6]


def test_search_maps_hits_to_wrapped_lines() -> None:
    log = ConversationRecord()
    log.messages = [
        MessageCompleteEvent(turn_number=1, agent_id="agent_a",
                             content="alpha beta gamma " * 10 + "needle here"),
        MessageCompleteEvent(turn_number=1, agent_id="agent_b",
                             content="Needle at the start, and a needle later")]
    layout = build_layout(log, 40, show_thinking=False)
    hits = search(log, layout, "NEEDLE")
    assert len(hits) == 3
    for hit in hits:
        line = layout.lines[hit.line]
        assert line.text[hit.column:hit.column + hit.length].lower() == "needle"
