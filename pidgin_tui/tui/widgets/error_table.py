"""The error list: one row per entry, newest last, with a live countdown for pending retries."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from pidgin_tui.tui.error_entries import ErrorEntry

COLUMNS = ("Time", "Kind", "Message", "Provider", "Model", "Experiment", "Conversation")
MESSAGE_WIDTH = 44
"""Characters of the message shown in the table; the detail dialog shows all of it."""


def message_cell(entry: ErrorEntry, now: float) -> Text:
    """The message as Text: a provider's message is shown as written, never parsed as markup."""
    return Text(_message_text(entry, now))


def _message_text(entry: ErrorEntry, now: float) -> str:
    text = " ".join(entry.message.split())
    if len(text) > MESSAGE_WIDTH:
        text = text[:MESSAGE_WIDTH - 1] + "…"
    wait = entry.retry_in_s(now)
    if wait is None:
        return text
    return f"⏳ retry in {wait:.0f}s · {text}" if wait > 0 else f"↻ retrying · {text}"


class ErrorTable(DataTable[str | Text]):
    """Rows mirror a list of entries; `sync` adds new rows and ticks countdowns."""

    DEFAULT_CSS = """
    ErrorTable { height: 1fr; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: list[ErrorEntry] = []

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column, key=column.lower())

    def sync(self, errors: list[ErrorEntry], now: float) -> None:
        shown = len(self._shown)
        if any(new is not old for new, old in zip(errors[:shown], self._shown, strict=False)) \
                or len(errors) < shown:
            self.clear()  # entries were dropped or regrouped: rebuild
            self._shown = []
        for entry in errors[len(self._shown):]:
            key = str(len(self._shown))
            self.add_row(entry.time, entry.kind, message_cell(entry, now),
                         *(Text(value or "–") for value in (entry.provider, entry.model,
                                                            entry.experiment_id,
                                                            entry.conversation_id)), key=key)
            self._shown.append(entry)
        for index, entry in enumerate(self._shown):
            if entry.retry_deadline is not None:
                self.update_cell(str(index), "message", message_cell(entry, now))

    def selected_entry(self) -> ErrorEntry | None:
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= len(self._shown):
            return None
        return self._shown[self.cursor_row]
