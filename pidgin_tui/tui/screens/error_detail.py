"""A dialog showing one error in full, with a key to copy it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from pidgin_tui.tui.error_entries import ErrorEntry, entry_details


class ErrorDetailScreen(ModalScreen[None]):
    """Everything known about one error."""

    CSS_PATH = "dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy", tooltip="Copy the details to the clipboard", id="copy"),
        Binding("escape,q", "close", "Close", tooltip="Back to the list", id="close"),
    ]

    def __init__(self, entry: ErrorEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"{self.entry.kind} · {self.entry.time}", classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(escape(entry_details(self.entry)))
            yield Static("c copies · Escape closes", classes="dialog-hint")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(entry_details(self.entry))
        self.notify("Error details copied to the clipboard.", title="Copied")

    def action_close(self) -> None:
        self.dismiss(None)
