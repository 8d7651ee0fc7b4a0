"""CompareScreen: 2-4 conversations in synchronised columns, one turn at a time.

The comparison is `reports.compare.Comparison` (built in a thread worker); this screen only
shows it. A strip above the columns marks every turn as the same (`=`) or differing (`≠`) and
brackets the current one; `j`/`k` move every column to the next or previous turn together and
`d` jumps to the next turn where the conversations differ. Model text is plain text, never
markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from pidgin_tui.record.conversation import AGENTS
from pidgin_tui.reports.compare import (
    COMPARED_METRICS,
    METRIC_LABELS,
    Comparison,
    TurnRow,
    metric_cells,
    summary_cells,
)
from pidgin_tui.tui.widgets.top_bar import TopBar


class CompareScreen(Screen[None]):
    """`sources` ((experiment directory, conversation id), 2 to 4) side by side."""

    CSS_PATH = "compare.tcss"
    BINDING_GROUP_TITLE = "Compare"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "move(1)", "Next turn", tooltip="Every column one turn later",
                id="compare.next"),
        Binding("k", "move(-1)", "Prev turn", tooltip="Every column one turn earlier",
                id="compare.prev"),
        Binding("d", "divergence", "Next divergence", tooltip="Jump to the next turn where "
                "the conversations differ", id="compare.divergence"),
        Binding("escape", "close", "Back", tooltip="Close the comparison", id="compare.close"),
    ]

    @dataclass
    class Loaded(Message):
        comparison: Comparison

    def __init__(self, sources: list[tuple[Path, str]], turn: int | None = None) -> None:
        super().__init__()
        self.sources = sources
        self.comparison: Comparison | None = None
        self.turn = turn
        """The 1-based turn every column shows; None until loaded (then the first
        divergence, or turn 1)."""

    def compose(self) -> ComposeResult:
        yield TopBar("Compare · conversations side by side")
        yield Static("Reading the conversations…", id="compare-strip", markup=False)
        with Horizontal(id="compare-columns"):
            for index, (_, conversation_id) in enumerate(self.sources):
                with VerticalScroll(classes="compare-column", id=f"compare-col-{index}") as col:
                    col.border_title = conversation_id
                    yield Static("", classes="compare-summary", markup=False)
                    yield Static("", classes="compare-turn", markup=False)
                    yield Static("", classes="compare-metrics", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="compare-load", exit_on_error=False)
    def load(self) -> None:
        self.post_message(self.Loaded(Comparison.of(self.sources)))

    def on_compare_screen_loaded(self, message: Loaded) -> None:
        self.comparison = comparison = message.comparison
        for index in range(len(self.sources)):
            column = self.query_one(f"#compare-col-{index}", VerticalScroll)
            column.query_one(".compare-summary", Static).update("\n".join(
                f"{label}: {value}" for label, value in summary_cells(comparison, index)))
        if self.turn is None:
            self.turn = comparison.first_divergence or 1
        self._show()

    def _row(self) -> TurnRow | None:
        if self.comparison is None:
            return None
        return next((r for r in self.comparison.rows if r.turn == self.turn), None)

    def _show(self) -> None:
        comparison, row = self.comparison, self._row()
        if comparison is None:
            return
        first = comparison.first_divergence
        strip = " ".join(f"[{r.turn}{'≠' if r.differs else '='}]" if r.turn == self.turn
                         else f"{r.turn}{'≠' if r.differs else '='}" for r in comparison.rows)
        where = f"first divergence: turn {first}" if first is not None else "no divergence"
        self.query_one("#compare-strip", Static).update(f"Turns {strip} · {where}")
        for index, record in enumerate(comparison.records):
            column = self.query_one(f"#compare-col-{index}", VerticalScroll)
            messages = None if row is None else row.messages[index]
            state = "" if row is None else (" · differs" if row.differs else " · same")
            text = [f"── Turn {self.turn}{state} ──"]
            if messages is None:
                text.append("(no such turn)")
            for agent in AGENTS:
                if messages is not None and agent in messages:
                    text += ["", f"{record.name_of(agent)}:", messages[agent]]
            column.query_one(".compare-turn", Static).update("\n".join(text))
            metrics = [] if row is None else [
                f"{METRIC_LABELS.get(m, m)}: {metric_cells(row, m)[index]}"
                for m in COMPARED_METRICS if any(m in values for values in row.metrics)]
            column.query_one(".compare-metrics", Static).update("\n".join(metrics))
            column.scroll_home(animate=False)

    def action_move(self, step: int) -> None:
        if self.comparison is None or not self.comparison.rows or self.turn is None:
            return
        turns = [r.turn for r in self.comparison.rows]
        self.turn = max(turns[0], min(turns[-1], self.turn + step))
        self._show()

    def action_divergence(self) -> None:
        if self.comparison is None or self.turn is None:
            return
        found = self.comparison.next_divergence(self.turn)
        if found is None:
            self.notify("No later turn differs.", severity="information")
            return
        self.turn = found
        self._show()

    def action_close(self) -> None:
        self.dismiss()
