"""The transcript browser's columns: what each shows, and how it sorts.

One `Column` per column of the experiments and conversations tables: its label, the text of a
cell and a sort key (numbers sort as numbers, missing values last in either direction). The
screen only picks a column and a direction; everything a cell says is decided here, from the
monitor's rows and the project's formatting functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pidgin_tui.core.safe_text import terminal_safe
from pidgin_tui.experiments.monitor_rows import ConversationRow, ExperimentRow, fmt_end_states
from pidgin_tui.views.format import format_cost, format_duration

Row = TypeVar("Row", ExperimentRow, ConversationRow)
PROMPT_WIDTH = 20
"""Characters of the opening prompt shown in its column (the rest is cut with "…")."""
MODELS_WIDTH = 28
"""Characters of a model pair shown in an experiment's row."""


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    label: str
    key: str
    cell: Callable[[Row], str]
    sort_key: Callable[[Row], Any]
    """A value to order by; None sorts last whichever way the column is sorted."""


def fmt_date(iso: str) -> str:
    """A recorded ISO time as `YYYY-MM-DD HH:MM` (as recorded, UTC), or "-"."""
    return iso[:16].replace("T", " ") if len(iso) >= 16 else "-"


def fmt_prompt(prompt: str, width: int = PROMPT_WIDTH) -> str:
    """The opening prompt on one line, cut to `width` characters."""
    return _cut(" ".join(terminal_safe(prompt, single_line=True).split()), width) or "(none)"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def model_pair(model_a: str, model_b: str) -> str:
    return model_a if model_a == model_b else f"{model_a} × {model_b}"


def experiment_models(row: ExperimentRow) -> str:
    """The experiment's model pair, or how many pairs it has."""
    pairs = sorted({model_pair(c.model_a, c.model_b) for c in row.conversations
                    if c.model_a or c.model_b})
    if not pairs:
        return "-"
    return _cut(pairs[0], MODELS_WIDTH) if len(pairs) == 1 else f"{len(pairs)} pairs"


def _convergence(conv: ConversationRow) -> str:
    return "-" if conv.convergence is None else f"{conv.convergence:.2f}"


def _cost_key(cost: float, unpriced: bool | int) -> float | None:
    return None if unpriced else cost


EXPERIMENT_COLUMNS: tuple[Column[ExperimentRow], ...] = (
    Column("Experiment", "name", lambda r: f"{r.name} [{r.experiment_id}]",
           lambda r: (r.name.lower(), r.experiment_id)),
    Column("Date", "date", lambda r: fmt_date(r.created_at), lambda r: r.created_ts or None),
    Column("Models", "models", experiment_models, lambda r: experiment_models(r).lower()),
    Column("Prompt", "prompt", lambda r: fmt_prompt(r.prompt), lambda r: r.prompt.lower()),
    Column("Status", "status", lambda r: r.status, lambda r: r.status),
    Column("Convs", "convs", lambda r: str(r.total), lambda r: r.total),
    Column("Turns", "turns", lambda r: str(r.turns), lambda r: r.turns),
    Column("Cost", "cost", lambda r: format_cost(r.cost_usd, r.unpriced),
           lambda r: _cost_key(r.cost_usd, r.unpriced)),
    Column("From", "source", lambda r: r.source, lambda r: r.source),
)

CONVERSATION_COLUMNS: tuple[Column[ConversationRow], ...] = (
    Column("Conversation", "id", lambda c: c.conversation_id, lambda c: c.conversation_id),
    Column("Status", "status", lambda c: c.status, lambda c: c.status),
    Column("Turns", "turns", lambda c: f"{c.turns}/{c.max_turns}", lambda c: c.turns),
    Column("Models", "models", lambda c: model_pair(c.model_a, c.model_b),
           lambda c: model_pair(c.model_a, c.model_b).lower()),
    Column("End reason", "end", lambda c: c.end_reason or "-", lambda c: c.end_reason),
    Column("End state", "end_state", lambda c: fmt_end_states(c.end_states),
           lambda c: fmt_end_states(c.end_states) if c.end_states else None),
    Column("Conv.", "convergence", _convergence, lambda c: c.convergence),
    Column("Cost", "cost", lambda c: format_cost(c.cost_usd, c.unpriced),
           lambda c: _cost_key(c.cost_usd, c.unpriced)),
    Column("Duration", "duration", lambda c: format_duration(c.duration_s), lambda c: c.duration_s),
)


@dataclass(frozen=True, slots=True)
class SortOrder:
    """Sort by column `key` (None: the order rows came in), descending when `reverse`."""

    key: str | None = None
    reverse: bool = False

    def next_column(self, columns: Sequence[Column[Any]]) -> SortOrder:
        """The next column to the right, ascending (after the last: the order rows came in)."""
        keys = [c.key for c in columns]
        index = keys.index(self.key) + 1 if self.key in keys else 0
        return SortOrder(keys[index] if index < len(keys) else None)

    def reversed(self) -> SortOrder:
        return SortOrder(self.key, not self.reverse)

    def label(self, columns: Sequence[Column[Any]]) -> str:
        column = next((c for c in columns if c.key == self.key), None)
        if column is None:
            return ""
        return f"{column.label} {'▼' if self.reverse else '▲'}"


def sort_rows(rows: Sequence[Row], columns: Sequence[Column[Row]], order: SortOrder,
              ) -> list[Row]:
    """`rows` ordered by `order` (stable); rows without a value go last either way."""
    column = next((c for c in columns if c.key == order.key), None)
    if column is None:
        return list(rows)
    present = [(column.sort_key(row), row) for row in rows]
    missing = [row for value, row in present if value is None]
    valued = sorted(((v, r) for v, r in present if v is not None), key=lambda pair: pair[0],
                    reverse=order.reverse)
    return [row for _, row in valued] + missing


def cells(row: Row, columns: Sequence[Column[Row]]) -> list[str]:
    return [column.cell(row) for column in columns]
