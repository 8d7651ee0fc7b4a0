"""ConversationTable: one experiment's conversations, sortable and filtered by status."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text

from pidgin_tui.experiments.monitor_rows import (
    ConversationRow,
    fmt_cost,
    fmt_duration,
    fmt_end_states,
    fmt_tokens,
)
from pidgin_tui.tui.widgets.row_table import Cell, RowTable

COLUMNS = (("Conversation", "id"), ("Status", "status"), ("Turn", "turn"), ("Models", "models"),
           ("Tokens", "tokens"), ("Cost", "cost"), ("Conv.", "convergence"),
           ("End state", "end_state"), ("End reason", "end_reason"), ("Duration", "duration"),
           ("Last error", "error"))
STATUS_FILTERS = ("all", "running", "completed", "failed", "interrupted")
"""The status filter cycles through these."""
SORT_KEYS: dict[str, Callable[[ConversationRow], Any]] = {
    "id": lambda c: c.conversation_id,
    "status": lambda c: c.status,
    "turn": lambda c: c.turns,
    "models": lambda c: (c.model_a, c.model_b),
    "tokens": lambda c: c.tokens,
    "cost": lambda c: c.cost_usd,
    "convergence": lambda c: -1.0 if c.convergence is None else c.convergence,
    "end_state": lambda c: fmt_end_states(c.end_states),
    "end_reason": lambda c: c.end_reason or "",
    "duration": lambda c: c.duration_s or 0.0,
    "error": lambda c: c.last_error or "",
}


class ConversationTable(RowTable):
    """The drill-down table of the monitor; click a header (or press `o`) to sort."""

    DEFAULT_CSS = """
    ConversationTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)
        self.sort_key = "id"
        self.sort_reverse = False
        self.status_filter = "all"
        self._conversations: list[ConversationRow] = []

    def show(self, conversations: Sequence[ConversationRow]) -> None:
        self._conversations = list(conversations)
        visible = [c for c in self._conversations
                   if self.status_filter == "all" or c.status == self.status_filter]
        visible.sort(key=SORT_KEYS[self.sort_key], reverse=self.sort_reverse)
        self.set_rows([(c.conversation_id, list(self._cells(c))) for c in visible])

    def sort_by(self, key: str) -> None:
        """Sort by a column; choosing the same column again reverses the order."""
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self.show(self._conversations)

    def cycle_sort(self) -> str:
        keys = list(SORT_KEYS)
        self.sort_by(keys[(keys.index(self.sort_key) + 1) % len(keys)])
        return self.sort_key

    def cycle_filter(self) -> str:
        self.status_filter = STATUS_FILTERS[
            (STATUS_FILTERS.index(self.status_filter) + 1) % len(STATUS_FILTERS)]
        self.show(self._conversations)
        return self.status_filter

    def on_data_table_header_selected(self, event: RowTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def _cells(self, conv: ConversationRow) -> tuple[Cell, ...]:
        convergence = "-" if conv.convergence is None else f"{conv.convergence:.2f}"
        models = conv.model_a if conv.model_a == conv.model_b else \
            f"{conv.model_a} × {conv.model_b}"
        error = Text(conv.last_error or "", style=self.theme_style("error"))
        return (conv.conversation_id, self.status_text(conv.status),
                conv.turn_label, models, fmt_tokens(conv.tokens),
                fmt_cost(conv.cost_usd, conv.unpriced), convergence,
                fmt_end_states(conv.end_states), conv.end_reason or "",
                fmt_duration(conv.duration_s), error)
