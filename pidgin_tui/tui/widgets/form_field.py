"""A labelled form field with an inline error line under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


class FormField(Vertical):
    """Label, the editing widget, and a reason shown only while the value is invalid."""

    DEFAULT_CSS = """
    FormField {
        height: auto;
        padding: 0 1 0 0;
    }
    FormField > .field-label { color: $text-muted; }
    FormField > .field-error { color: $text-error; display: none; }
    FormField.-invalid > .field-error { display: block; }
    FormField.-invalid > .field-label { color: $text-error; text-style: bold; }
    """

    def __init__(self, label: str, widget: Widget, *, key: str,
                 classes: str | None = None) -> None:
        super().__init__(id=f"field-{key}", classes=classes)
        self.key = key
        self._label = label
        self._widget = widget

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="field-label")
        yield self._widget
        yield Static("", classes="field-error")

    def set_error(self, reason: str | None) -> None:
        """Show `reason` under the field, or clear it when None."""
        self.set_class(reason is not None, "-invalid")
        self.query_one(".field-error", Static).update(f"✗ {reason}" if reason else "")
        self._widget.tooltip = reason
