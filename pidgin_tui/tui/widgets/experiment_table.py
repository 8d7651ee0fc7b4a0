"""ExperimentTable: one row per experiment with status, progress, counts, cost, time and errors."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from pidgin_tui.core.types import Status
from pidgin_tui.experiments.monitor_rows import (
    ExperimentRow,
    post_processing_label,
    progress_bar,
)
from pidgin_tui.tui.widgets.row_table import STATUS_COLOURS, Cell, RowTable
from pidgin_tui.views.format import format_cost, format_duration, format_tokens

COLUMNS = (("Experiment", "name"), ("Status", "status"), ("Progress", "progress"),
           ("Turns", "turns"), ("Run", "running"), ("Fail", "failed"), ("Tokens", "tokens"),
           ("Cost", "cost"), ("Time", "elapsed"), ("ETA", "eta"), ("Err", "errors"))
ENDED_EARLY = frozenset({"failed", "interrupted"})
BAR_WIDTH = 8
"""Cells of the progress bar (conversations done of total, running ones counted by turns)."""


class ExperimentTable(RowTable):
    """Every experiment in the output root, live ones first."""

    DEFAULT_CSS = """
    ExperimentTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)
        self._made: dict[str, tuple[ExperimentRow, tuple[Text, ...]]] = {}
        """Cells made for each experiment's row object: an unchanged (finished) experiment keeps
        its row object between refreshes, so its cells are neither rebuilt nor compared."""

    def show(self, rows: Sequence[ExperimentRow]) -> None:
        made: dict[str, tuple[ExperimentRow, tuple[Text, ...]]] = {}
        for row in rows:
            cached = self._made.get(row.experiment_id)
            made[row.experiment_id] = cached if cached is not None and cached[0] is row else (
                row, self.as_cells(self._cells(row)))
        self._made = made
        self.set_rows([(key, cells) for key, (_, cells) in made.items()])

    def _cells(self, row: ExperimentRow) -> tuple[Cell, ...]:
        label = row.status_label
        pp = post_processing_label(row.post_processing)
        if pp and not row.is_live:
            label = f"{label} · {pp}"
        ended_early = row.status in ENDED_EARLY
        # A failed or interrupted run shows how much of it completed, in its status colour: a
        # full bar would say it finished.
        fraction = row.completed / row.total if ended_early and row.total else row.progress
        bar = Text(progress_bar(fraction, BAR_WIDTH), style=self.theme_style(
            STATUS_COLOURS[row.status] if ended_early else "accent"))
        bar.append(f" {row.done}/{row.total}")
        if row.is_live:
            label += " · this app" if row.in_this_process else f" · pid {row.pid}"
        errors = Text(str(row.errors), style=self.theme_style("error") if row.errors else "")
        failed = Text(str(row.failed), style=self.theme_style("error") if row.failed else "")
        return (
            f"{row.name} [{row.experiment_id}]" if row.name else row.experiment_id,
            self.status_text(Status.FAILED if row.post_processing == "failed" and not row.is_live
                             else row.status, label),
            bar,
            f"{row.turns}" + (f"/{row.total * row.max_turns}" if row.max_turns else ""),
            str(row.running), failed, format_tokens(row.tokens, compact=True),
            format_cost(row.cost_usd, row.unpriced),
            format_duration(row.elapsed_s), format_duration(row.eta_s), errors,
        )
