"""The error screen: API errors, rate limits, failed conversations, post-processing failures.

Errors of runs in this app arrive on the bus; errors of every experiment on disk (detached,
headless, earlier sessions) are read by a thread worker. Both are shown once each, grouped by
experiment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.disk_errors import DiskErrors, ExperimentErrors, grouped
from pidgin_tui.tui.error_entries import ErrorEntry
from pidgin_tui.tui.widgets.error_table import ErrorTable
from pidgin_tui.tui.widgets.top_bar import TopBar

TICK_S = 1.0
"""Refresh rate of the table (rate-limit countdowns)."""
DISK_POLL_S = 5.0
"""How often the experiments on disk are checked for new errors."""
EMPTY_TEXT = "No errors so far. API errors, rate limits and failures will be listed here."


def entry_details(entry: ErrorEntry) -> str:
    """The text copied to the clipboard for one entry."""
    head = "\n".join(f"{label}: {value}" for label, value in (
        ("time", entry.time), ("kind", entry.kind), ("provider", entry.provider),
        ("model", entry.model), ("experiment", entry.experiment_id),
        ("conversation", entry.conversation_id), ("message", entry.message)) if value)
    return f"{head}\n\n{entry.details}" if entry.details else head


@dataclass
class DiskRead(Message):
    """The worker read the errors recorded on disk."""

    groups: list[ExperimentErrors]


class ErrorsScreen(Screen[None]):
    """Every error of this session and on disk; opening the screen marks them read."""

    CSS_PATH = "errors.tcss"
    BINDING_GROUP_TITLE = "Errors"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_entry", "Details", tooltip="Open the selected error",
                id="open_entry"),
        Binding("c", "copy_entry", "Copy", tooltip="Copy the selected error's details to the "
                "clipboard", id="copy_entry"),
    ]

    pidgin = getters.app(PidginApp)
    table = getters.query_one(ErrorTable)

    def compose(self) -> ComposeResult:
        yield TopBar("Errors")
        yield Static(EMPTY_TEXT, id="errors-summary")
        yield ErrorTable(id="error-table")
        yield Static("", id="error-detail")
        yield Footer(compact=True)

    def __init__(self) -> None:
        super().__init__()
        self._disk: DiskErrors | None = None
        """Touched by the read worker only."""
        self.disk_groups: list[ExperimentErrors] = []

    def on_mount(self) -> None:
        self.set_interval(TICK_S, self.refresh_table)
        self.set_interval(DISK_POLL_S, self.read_disk)
        self.refresh_table()

    def on_screen_resume(self) -> None:
        self.pidgin.mark_errors_read()
        self.refresh_table()
        self.read_disk()

    @work(thread=True, exclusive=True, group="errors-disk", exit_on_error=False)
    def read_disk(self) -> None:
        if self._disk is None:
            self._disk = DiskErrors(self.pidgin.output_root)
        groups = self._disk.refresh()
        self.post_message(DiskRead([dataclasses.replace(group, entries=list(group.entries))
                                    for group in groups]))

    def on_disk_read(self, message: DiskRead) -> None:
        self.disk_groups = message.groups
        self.refresh_table()

    def refresh_table(self) -> None:
        errors = grouped(self.pidgin.store.errors, self.disk_groups)
        self.table.sync(errors, self.pidgin.clock())
        if errors:
            kinds: dict[str, int] = {}
            for entry in errors:
                kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
            summary = " · ".join(f"{count} {kind.lower()}" for kind, count in kinds.items())
            experiments = len({entry.experiment_id for entry in errors})
            self.query_one("#errors-summary", Static).update(
                f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {experiments} "
                f"experiment{'s' if experiments != 1 else ''}: {summary}")
        self._show_selected()
        if self.pidgin.current_mode == "errors" and self.pidgin.unread_errors:
            self.pidgin.mark_errors_read()

    @on(DataTable.RowHighlighted)
    def _show_selected(self) -> None:
        entry = self.table.selected_entry()
        detail = self.query_one("#error-detail", Static)
        if entry is None:
            detail.update("")
            return
        wait = entry.retry_in_s(self.pidgin.clock())
        retry = "" if wait is None else f"  [b]next retry in {wait:.0f}s[/b]"
        where = " · ".join(part for part in (entry.provider, entry.model, entry.experiment_id,
                                              entry.conversation_id) if part)
        detail.update(f"[b]{entry.kind}[/b] at {entry.time} · {escape(where)}{retry}\n"
                      f"{escape(entry.message)}\n[dim]Enter opens it · c copies it[/dim]")

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_entry()

    def action_open_entry(self) -> None:
        from pidgin_tui.tui.screens.error_detail import ErrorDetailScreen

        entry = self.table.selected_entry()
        if entry is not None:
            self.app.push_screen(ErrorDetailScreen(entry))

    def action_copy_entry(self) -> None:
        entry = self.table.selected_entry()
        if entry is None:
            self.notify("No error selected.", severity="warning")
            return
        self.app.copy_to_clipboard(entry_details(entry))
        self.notify("Error details copied to the clipboard.", title="Copied")
