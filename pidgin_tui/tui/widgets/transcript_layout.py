"""The line layout of a transcript: messages wrapped to a width, as plain data (no Textual).

Every wrapped text line is an exact substring of its message, with its character offset kept, so
a search hit at a character offset maps to a line and a column without re-wrapping.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from rich.cells import cell_len

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.core.types import AgentId
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.reports.transcript_entries import Entry, note_label, note_text, transcript_entries

GUTTER = 6
"""Columns left of the text: turn number (on headers) or the turn's convergence block."""
INDENT = 2
"""Extra indent of message text under the speaker line."""
NO_TURN = 0
"""The turn of lines outside every turn (the opening prompt, the end): turns count from 1."""
_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class Line:
    kind: str
    """`prompt`, `turn`, `speaker`, `text`, `thinking`, `note` (the heading of an injection or
    interjection), `note-text` (its text), `blank` or `end`."""
    turn: int
    """The turn the line belongs to (as shown), or NO_TURN."""
    text: str
    agent_id: AgentId | None = None
    message: int = -1
    """Index of the message in the log (text and thinking lines), else -1."""
    start: int = 0
    """Character offset of `text` in the message content (text lines)."""


@lru_cache(maxsize=16)
def _line_pattern(width: int) -> re.Pattern[str]:
    """The longest run of at most `width` characters that starts and ends on a word."""
    return re.compile(rf"\S(?:[^\n]{{0,{width - 2}}}\S)?(?=\s|$)")


@lru_cache(maxsize=16)
def _long_word(width: int) -> re.Pattern[str]:
    return re.compile(rf"\S{{{width + 1},}}")


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) spans of `text` wrapped greedily at word boundaries to `width` cells.

    ASCII paragraphs without over-long words are wrapped by one regular expression (the common
    case, and most of the time spent opening a long transcript); anything else word by word.
    """
    width = max(8, width)
    spans: list[tuple[int, int]] = []
    ascii_only = text.isascii()
    measure = len if ascii_only else cell_len
    position = 0
    for paragraph in text.split("\n"):
        base = position
        position += len(paragraph) + 1
        if ascii_only and not _long_word(width).search(paragraph):
            found = [(m.start() + base, m.end() + base)
                     for m in _line_pattern(width).finditer(paragraph)]
            spans.extend(found or [(base, base)])
            continue
        line_start = line_end = -1
        used = 0
        for match in _WORD.finditer(paragraph):
            start, end = match.start() + base, match.end() + base
            word_cells = measure(match.group())
            if line_start >= 0:
                gap_and_word = (start - line_end) + word_cells if ascii_only else \
                    measure(text[line_end:end])
                if used + gap_and_word <= width:
                    used += gap_and_word
                    line_end = end
                    continue
            if line_start >= 0:
                spans.append((line_start, line_end))
            while word_cells > width:  # a word longer than the line: hard-split it
                cut = start + width if ascii_only else _cut(text, start, end, width)
                spans.append((start, cut))
                start = cut
                word_cells = measure(text[start:end])
            line_start, line_end, used = start, end, word_cells
        spans.append((line_start, line_end) if line_start >= 0 else (base, base))
    return spans


def _cut(text: str, start: int, end: int, width: int) -> int:
    cells = 0
    for index in range(start, end):
        cells += cell_len(text[index])
        if cells > width:
            return max(start + 1, index)
    return end


@dataclass(slots=True)
class TranscriptLayout:
    """All lines of a transcript at one width; rebuilt when the width or folding changes."""

    lines: list[Line] = field(default_factory=list)
    turn_lines: dict[int, int] = field(default_factory=dict)
    """First line (the header) of each turn."""
    message_lines: dict[int, list[int]] = field(default_factory=dict)
    """Text line indices of each message, in order."""
    messages_laid_out: int = 0
    entries_laid_out: int = 0
    """Transcript entries (`reports.transcript_entries`) laid out so far."""
    last_entry: Entry | None = None


def build_layout(log: ConversationRecord, width: int, show_thinking: bool,
                 layout: TranscriptLayout | None = None) -> TranscriptLayout:
    """Lay out the log's transcript entries at `width` (the messages, and the injections and
    interjections before them, in the order the Markdown transcript has them); with `layout`,
    append only new entries."""
    out = layout or TranscriptLayout()
    entries = transcript_entries(log)
    done = out.entries_laid_out
    if done > len(entries) or (done and entries[done - 1] is not out.last_entry):
        _reset(out)  # the record was read again from the start: lay it all out afresh
    lines = out.lines
    text_width = max(8, width - GUTTER - INDENT)
    if not lines and log.initial_prompt:
        for start, end in wrap_offsets(log.initial_prompt, text_width):
            lines.append(Line("prompt", NO_TURN, log.initial_prompt[start:end]))
        lines.append(Line("blank", NO_TURN, ""))
    if lines and lines[-1].kind == "end":
        lines.pop()
    for entry in entries[out.entries_laid_out:]:
        turn = entry.turn_number
        if turn not in out.turn_lines:
            out.turn_lines[turn] = len(lines)
            lines.append(Line("turn", turn, f"Turn {turn}"))
        if isinstance(entry, MessageCompleteEvent):
            _lay_out_message(log, out, entry, text_width, show_thinking)
        else:
            lines.append(Line("note", turn, f"{note_label(log, entry)}:"))
            text = note_text(entry)
            for start, end in wrap_offsets(text, text_width):
                lines.append(Line("note-text", turn, text[start:end]))
            lines.append(Line("blank", turn, ""))
    out.entries_laid_out = len(entries)
    out.last_entry = entries[-1] if entries else None
    if log.end_reason:
        lines.append(Line("end", NO_TURN,
                          f"Ended: {log.status} ({log.end_reason})"
                          + (f" — {log.last_error}" if log.last_error else "")))
    return out


def _reset(out: TranscriptLayout) -> None:
    out.lines.clear()
    out.turn_lines.clear()
    out.message_lines.clear()
    out.messages_laid_out = out.entries_laid_out = 0
    out.last_entry = None


def _lay_out_message(log: ConversationRecord, out: TranscriptLayout,
                     message: MessageCompleteEvent, text_width: int, show_thinking: bool) -> None:
    """A message's speaker line, thinking (folded or not) and text; indexed for search."""
    lines, index, turn = out.lines, out.messages_laid_out, message.turn_number
    out.messages_laid_out += 1
    name = log.name_of(message.agent_id)
    tag = "A" if message.agent_id == AgentId.A else "B"
    detail = f" · {message.tokens_used} tok" if message.tokens_used else ""
    if message.finish_reason not in ("stop", ""):
        detail += f" · {message.finish_reason}"
    label = name if name.endswith(f"({tag})") else f"{name} ({tag})"
    lines.append(Line("speaker", turn, f"{label}{detail}", message.agent_id, index))
    if message.thinking:
        if show_thinking:
            for start, end in wrap_offsets(message.thinking, text_width):
                lines.append(Line("thinking", turn, message.thinking[start:end],
                                  message.agent_id, index, start))
        else:
            words = len(message.thinking.split())
            lines.append(Line("thinking", turn, f"▸ thinking ({words} words) — "
                              "press t to unfold", message.agent_id, index, -1))
    own = out.message_lines.setdefault(index, [])
    for start, end in wrap_offsets(message.content, text_width):
        own.append(len(lines))
        lines.append(Line("text", turn, message.content[start:end],
                          message.agent_id, index, start))
    lines.append(Line("blank", turn, ""))


@dataclass(slots=True)
class SearchHit:
    line: int
    column: int
    length: int


def search(log: ConversationRecord, layout: TranscriptLayout, query: str) -> list[SearchHit]:
    """Every case-insensitive occurrence of `query` in message text, in transcript order."""
    needle = query.lower()
    if not needle:
        return []
    hits: list[SearchHit] = []
    for index, message in enumerate(log.messages[:layout.messages_laid_out]):
        haystack = message.content.lower()
        position = haystack.find(needle)
        if position < 0:
            continue
        line_indices = layout.message_lines.get(index, [])
        starts = [layout.lines[i].start for i in line_indices]
        while position >= 0 and line_indices:
            which = max(0, bisect_right(starts, position) - 1)
            hits.append(SearchHit(line_indices[which], position - starts[which], len(needle)))
            position = haystack.find(needle, position + len(needle))
    return hits
