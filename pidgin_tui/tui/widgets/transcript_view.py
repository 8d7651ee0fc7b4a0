"""TranscriptView: a virtualised transcript (Line API), fast for thousands of turns.

Nothing is mounted per message: the messages are wrapped once into a line layout, and
`render_line` turns only the visible lines into cached `Strip`s. The left gutter is a per-turn
metrics strip: the turn number on each header and, on every line of the turn, a block whose
height shows the turn's convergence score.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pidgin_tui.core.types import AgentId
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.tui.widgets.transcript_layout import (
    GUTTER,
    INDENT,
    NO_TURN,
    SearchHit,
    TranscriptLayout,
    build_layout,
    search,
)

BLOCKS = " ▁▂▃▄▅▆▇█"
"""Convergence 0…1 as a block height in the gutter."""
STRIP_CACHE_SIZE = 2000
"""Rendered lines kept; a screenful is ~50, so scrolling back and forth never re-renders."""


class TranscriptView(ScrollView, can_focus=True):
    """One conversation's transcript; call `refresh_log()` after the log has read more."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript-view--turn", "transcript-view--agent-a", "transcript-view--agent-b",
        "transcript-view--thinking", "transcript-view--prompt", "transcript-view--match",
        "transcript-view--current-match", "transcript-view--end", "transcript-view--gutter",
        "transcript-view--high", "transcript-view--low", "transcript-view--note",
    }
    DEFAULT_CSS = """
    TranscriptView { height: 1fr; background: $surface; }
    TranscriptView > .transcript-view--turn { color: $text-muted; text-style: bold; }
    TranscriptView > .transcript-view--agent-a { color: $primary; text-style: bold; }
    TranscriptView > .transcript-view--agent-b { color: $secondary; text-style: bold; }
    TranscriptView > .transcript-view--thinking { color: $text-muted; text-style: italic; }
    TranscriptView > .transcript-view--prompt { color: $text-muted; }
    TranscriptView > .transcript-view--match { background: $warning 40%; }
    TranscriptView > .transcript-view--current-match { background: $warning; color: $background; }
    TranscriptView > .transcript-view--end { color: $warning; text-style: bold; }
    TranscriptView > .transcript-view--gutter { color: $text-muted; }
    TranscriptView > .transcript-view--high { color: $error; }
    TranscriptView > .transcript-view--low { color: $success; }
    TranscriptView > .transcript-view--note { color: $accent; text-style: italic; }
    """

    show_thinking: reactive[bool] = reactive(False)
    """Thinking is folded to one line per message unless this is set."""

    class SearchMoved(Message):
        """The current search hit changed (index of hits, or -1 with none)."""

        def __init__(self, index: int, total: int, turn: int | None) -> None:
            super().__init__()
            self.index, self.total, self.turn = index, total, turn

    def __init__(self, log: ConversationRecord, *, follow: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.transcript = log
        self.follow = follow
        """Keep the view at the bottom as lines arrive, unless the user scrolled up."""
        self.layout_data = TranscriptLayout()
        self._layout_width = 0
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(STRIP_CACHE_SIZE)
        self.query_text = ""
        self.hits: list[SearchHit] = []
        self.hit_index = -1
        self._hits_by_line: dict[int, list[tuple[int, int, int]]] = {}
        self._styles: dict[str, Style] | None = None

    # --- layout ---------------------------------------------------------------------------------

    @property
    def text_width(self) -> int:
        """Width lines are wrapped to: the widget minus a vertical scrollbar, always reserved
        (a transcript taller than the screen gets one as soon as it is laid out)."""
        width = self.size.width or 80
        return max(20, width - self.styles.scrollbar_size_vertical)

    # Programmatic scrolls pass force=True: right after a layout change the scrollbar (and so
    # `allow_vertical_scroll`) may not be updated yet, and the scroll would be ignored.

    def on_resize(self) -> None:
        if self.text_width != self._layout_width:
            self.relayout()
        elif self.follow:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)

    def watch_show_thinking(self) -> None:
        if self._layout_width:
            self.relayout()

    def relayout(self) -> None:
        """Wrap every message again (width or folding changed), keeping the top turn in view."""
        top_turn = self.turn_at(self.scroll_offset.y) if self.layout_data.lines else None
        self._layout_width = self.text_width
        self.layout_data = build_layout(self.transcript, self._layout_width, self.show_thinking)
        self._after_layout_change()
        if self.follow:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)
        elif top_turn is not None and top_turn in self.layout_data.turn_lines:
            self.scroll_to(y=self.layout_data.turn_lines[top_turn], animate=False,
                           immediate=True, force=True)

    def refresh_log(self) -> None:
        """Lay out messages the log gained since the last call (follow mode appends)."""
        if not self._layout_width:
            return
        at_bottom = self.scroll_offset.y >= self.max_scroll_y - 1
        build_layout(self.transcript, self._layout_width, self.show_thinking, self.layout_data)
        self._after_layout_change()
        if self.follow and at_bottom:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)

    def _after_layout_change(self) -> None:
        self._cache.clear()
        if self.query_text:
            self._set_hits(search(self.transcript, self.layout_data, self.query_text), keep=True)
        self.virtual_size = Size(self._layout_width, len(self.layout_data.lines))
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()

    def turn_at(self, line: int) -> int | None:
        lines = self.layout_data.lines
        if not lines:
            return None
        return lines[max(0, min(line, len(lines) - 1))].turn

    def selected_message(self) -> tuple[int, str] | None:
        """(turn, agent id) of the current search hit, else of the first message
        line at or below the top of the view: what `w` and `b` act on."""
        lines = self.layout_data.lines
        start = self.hits[self.hit_index].line if 0 <= self.hit_index < len(self.hits) \
            else int(self.scroll_y)
        for line in lines[max(0, start):]:
            if line.agent_id:
                return line.turn, line.agent_id
        for line in reversed(lines[:max(0, start)]):
            if line.agent_id:
                return line.turn, line.agent_id
        return None

    # --- navigation and search ------------------------------------------------------------------

    def goto_turn(self, turn_number: int) -> bool:
        """Scroll so turn `turn_number` (1-based, as shown) is at the top."""
        line = self.layout_data.turn_lines.get(turn_number)
        if line is None:
            return False
        self.follow = False
        self.scroll_to(y=line, animate=False, immediate=True, force=True)
        return True

    def search_for(self, query: str) -> int:
        """Find `query` (case-insensitive); jump to the first hit at or after the view top."""
        self.query_text = query
        self._set_hits(search(self.transcript, self.layout_data, query), keep=False)
        top = self.scroll_offset.y
        first = next((i for i, hit in enumerate(self.hits) if hit.line >= top), 0)
        if self.hits:
            self.move_to_hit(first)
        else:
            self.post_message(self.SearchMoved(-1, 0, None))
        return len(self.hits)

    def next_hit(self, step: int = 1) -> None:
        if self.hits:
            self.move_to_hit((self.hit_index + step) % len(self.hits))

    def move_to_hit(self, index: int) -> None:
        self.hit_index = index
        hit = self.hits[index]
        self.follow = False
        self._cache.clear()
        self.scroll_to(y=max(0, hit.line - self.scrollable_content_region.height // 3),
                       animate=False, immediate=True, force=True)
        self.refresh()
        self.post_message(self.SearchMoved(index, len(self.hits), self.turn_at(hit.line)))

    def clear_search(self) -> None:
        self.query_text = ""
        self._set_hits([], keep=False)
        self.refresh()

    def _set_hits(self, hits: list[SearchHit], *, keep: bool) -> None:
        self.hits = hits
        self.hit_index = min(self.hit_index, len(hits) - 1) if keep else -1
        self._hits_by_line = {}
        for number, hit in enumerate(hits):
            self._hits_by_line.setdefault(hit.line, []).append((hit.column, hit.length, number))
        self._cache.clear()

    # --- rendering ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self._styles_for_render()[""]
        if index >= len(self.layout_data.lines):
            return Strip.blank(width, base)
        key = (index, self.hit_index if index in self._hits_by_line else -2)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._cache[key] = self._render_strip(index)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _styles_for_render(self) -> dict[str, Style]:
        """The widget's style ("") and each component style combined with it, computed once
        per style change rather than once per line."""
        if self._styles is None:
            base = self.rich_style
            self._styles = {"": base, **{
                name: base + self.get_component_rich_style(f"transcript-view--{name}",
                                                           partial=True)
                for name in ("turn", "agent-a", "agent-b", "thinking", "prompt", "match",
                             "current-match", "end", "gutter", "high", "low", "note")}}
        return self._styles

    def _render_strip(self, index: int) -> Strip:
        line = self.layout_data.lines[index]
        styles = self._styles_for_render()
        score = self.transcript.convergence_at(line.turn)
        if line.kind == "turn":
            label = f"── {line.text} " + (f"· convergence {score:.2f} " if score is not None
                                          else "")
            rule = "─" * max(0, self._layout_width - GUTTER - len(label))
            return Strip([Segment(f"{line.turn:>{GUTTER - 1}} ", styles["gutter"]),
                          Segment(label + rule, styles["turn"])])
        segments = [self._gutter(line.turn, score, styles)]
        if line.kind == "speaker":
            agent = "agent-a" if line.agent_id == AgentId.A else "agent-b"
            segments.append(Segment(line.text, styles[agent]))
        elif line.kind in ("prompt", "end", "note"):
            segments.append(Segment(line.text, styles[line.kind]))
        elif line.kind == "note-text":  # text put in by the researcher or the awareness
            segments += [Segment(" " * INDENT, styles[""]), Segment(line.text, styles["prompt"])]
        else:
            style = styles["thinking"] if line.kind == "thinking" else styles[""]
            segments.append(Segment(" " * INDENT, styles[""]))
            segments.extend(self._highlighted(line.text, style, index, styles))
        return Strip(segments)

    def _gutter(self, turn: int, score: float | None, styles: dict[str, Style]) -> Segment:
        if score is None or turn == NO_TURN:
            return Segment(" " * GUTTER, styles[""])
        block = BLOCKS[min(len(BLOCKS) - 1, max(1, round(score * (len(BLOCKS) - 1))))]
        style = styles["high" if score >= 0.75 else "low" if score < 0.35 else "gutter"]
        return Segment(" " * (GUTTER - 2) + block + " ", style)

    def _highlighted(self, text: str, style: Style, index: int,
                     styles: dict[str, Style]) -> list[Segment]:
        hits = self._hits_by_line.get(index)
        if not hits:
            return [Segment(text, style)]
        segments, position = [], 0
        for column, length, number in sorted(hits):
            if column > position:
                segments.append(Segment(text[position:column], style))
            mark = styles["current-match" if number == self.hit_index else "match"]
            segments.append(Segment(text[column:column + length], style + mark))
            position = max(position, column + length)
        if position < len(text):
            segments.append(Segment(text[position:], style))
        return segments
