"""Wrapping and searching transcript lines (pure functions, no app)."""

from __future__ import annotations

import random
import re

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.core.types import AgentId, Speaker
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


def _noted_events() -> list:
    from pidgin_tui.core.events import InjectionEvent, InterjectionEvent

    def message(seq: int, turn: int, agent: str) -> MessageCompleteEvent:
        return MessageCompleteEvent(seq=seq, turn_number=turn, agent_id=agent,
                                    content=f"{agent} says something at turn {turn}")

    return [
        InterjectionEvent(seq=1, turn_number=1, text="Talk about rivers, both of you.",
                          speaker=Speaker.NARRATOR, to=[AgentId.A, AgentId.B]),
        message(2, 1, "agent_a"),
        InjectionEvent(seq=3, turn_number=1, agent_id="agent_b", content="Disagree now."),
        message(4, 1, "agent_b"),
        message(5, 2, "agent_a"),
        InterjectionEvent(seq=6, turn_number=2, text="It is A speaking.", speaker=Speaker.A,
                          to=[AgentId.B]),
        message(7, 2, "agent_b"),
        InterjectionEvent(seq=8, turn_number=3, text="And one more thing.",
                          speaker=Speaker.NARRATOR, to=[AgentId.A]),
    ]


def test_injections_and_interjections_show_where_the_markdown_has_them(tmp_path) -> None:
    """The app's transcript view and the Markdown transcript walk the same entries: every
    note (heading and text) comes before the message it preceded, in the same order."""
    from pidgin_tui.record.experiment import ExperimentRecord
    from pidgin_tui.reports.transcript import render_transcript

    log = ConversationRecord(conversation_id="x_0001")
    log.apply_all(_noted_events())
    lines = build_layout(log, 60, show_thinking=False).lines
    notes = [(line.turn, line.text) for line in lines if line.kind == "note"]
    assert notes == [
        (1, "Interjection by the researcher as the narrator, sent to Agent A and Agent B:"),
        (1, "Injection sent to Agent B:"),
        (2, "Interjection by the researcher as Agent A, sent to Agent B:"),
        (3, "Interjection by the researcher as the narrator, sent to Agent A:")]
    shown = [line.text for line in lines if line.kind in ("note-text", "text")]
    assert shown == ["Talk about rivers, both of you.", "agent_a says something at turn 1",
                     "Disagree now.", "agent_b says something at turn 1",
                     "agent_a says something at turn 2", "It is A speaking.",
                     "agent_b says something at turn 2", "And one more thing."]
    markdown = render_transcript(log, ExperimentRecord.load(tmp_path))
    positions = [markdown.index(text) for text in shown]
    assert positions == sorted(positions)
    for _turn, label in notes:
        assert f"*{label}*" in markdown


def test_a_followed_transcript_grows_into_the_same_layout() -> None:
    """Laid out as the events arrive one by one (the live view), the lines are those of
    laying out the whole record at once; search still finds message text only."""
    growing, whole = ConversationRecord(), ConversationRecord()
    whole.apply_all(_noted_events())
    layout = build_layout(growing, 50, show_thinking=False)
    for event in _noted_events():
        growing.apply(event)
        build_layout(growing, 50, False, layout)
    expected = build_layout(whole, 50, show_thinking=False)
    assert [(line.kind, line.turn, line.text) for line in layout.lines] == \
        [(line.kind, line.turn, line.text) for line in expected.lines]
    assert [layout.lines[h.line].kind for h in search(growing, layout, "speaking")] == []
    assert len(search(growing, layout, "says")) == 4
