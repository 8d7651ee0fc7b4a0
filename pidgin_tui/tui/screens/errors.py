"""The error screen: API errors, rate limits, failed conversations, post-processing failures."""

from __future__ import annotations

from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.error_entries import ErrorEntry
from pidgin_tui.tui.widgets.error_table import ErrorTable
from pidgin_tui.tui.widgets.top_bar import TopBar

TICK_S = 1.0
"""Refresh rate of the table (rate-limit countdowns)."""
EMPTY_TEXT = "No errors so far. API errors, rate limits and failures will be listed here."


def entry_details(entry: ErrorEntry) -> str:
    """The text copied to the clipboard for one entry."""
    head = "\n".join(f"{label}: {value}" for label, value in (
        ("time", entry.time), ("kind", entry.kind), ("provider", entry.provider),
        ("model", entry.model), ("experiment", entry.experiment_id),
        ("conversation", entry.conversation_id), ("message", entry.message)) if value)
    return f"{head}\n\n{entry.details}" if entry.details else head


class ErrorsScreen(Screen[None]):
    """Every error of this session; opening the screen marks them read."""

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

    def on_mount(self) -> None:
        self.set_interval(TICK_S, self.refresh_table)
        self.refresh_table()

    def on_screen_resume(self) -> None:
        self.pidgin.mark_errors_read()
        self.refresh_table()

    def refresh_table(self) -> None:
        errors = self.pidgin.store.errors
        self.table.sync(errors, self.pidgin.clock())
        if errors:
            kinds: dict[str, int] = {}
            for entry in errors:
                kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
            summary = " · ".join(f"{count} {kind.lower()}" for kind, count in kinds.items())
            self.query_one("#errors-summary", Static).update(
                f"{len(errors)} error{'s' if len(errors) != 1 else ''}: {summary}")
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
