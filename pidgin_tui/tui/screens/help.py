"""F1: every key binding of the app, grouped by where it works."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, Static

INTRO = ("pidgin-tui conducts conversations between two models and records every event. "
         "Everything works from the keyboard; global keys work even while typing in a field.")


def _rows(app: Any, bindings: list[BindingType]) -> list[str]:
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        keys = " / ".join(app.get_key_display(Binding(key, binding.action))
                          for key in binding.key.split(","))
        what = binding.tooltip or binding.description
        rows.append(f"| `{keys}` | {binding.description} | {what} |")
    return rows


def bindings_markdown(app: Any) -> str:
    """A table per group: global keys, then each screen's and dialog's own keys."""
    from pidgin_tui.tui.screens.confirm import ConfirmScreen
    from pidgin_tui.tui.screens.error_detail import ErrorDetailScreen
    from pidgin_tui.tui.screens.errors import ErrorsScreen
    from pidgin_tui.tui.screens.live import LiveScreen
    from pidgin_tui.tui.screens.setup import SetupScreen

    groups: list[tuple[str, list[BindingType]]] = [
        ("Everywhere", type(app).BINDINGS),
        ("Setup (F2)", SetupScreen.BINDINGS),
        ("Live (F3)", LiveScreen.BINDINGS),
        ("Errors (F6)", ErrorsScreen.BINDINGS),
        ("Error details", ErrorDetailScreen.BINDINGS),
        ("Confirmations", ConfirmScreen.BINDINGS),
        ("Help", HelpScreen.BINDINGS),
    ]
    parts = []
    for title, bindings in groups:
        parts.append(f"### {title}\n\n| Key | Action | What it does |\n|---|---|---|\n"
                     + "\n".join(_rows(app, bindings)))
    parts.append("Inside forms: `tab`/`shift+tab` move between fields, `enter` picks a model "
                 "from a list, `space` toggles a checkbox.")
    return "\n\n".join(parts)


class HelpScreen(ModalScreen[None]):
    """Lists every binding; Escape or F1 closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", tooltip="Close the help", id="close_help"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("Keys", id="help-title")
            yield Static(INTRO, id="help-intro")
            yield Markdown(bindings_markdown(self.app), id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)
