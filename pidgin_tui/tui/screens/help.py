"""F1: every key binding of the app, grouped by where it works."""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, Static

INTRO = ("pidgin-tui conducts conversations between two models and records every event. "
         "Everything works from the keyboard; global keys work even while typing in a field.")


def _rows(app: Any, bindings: list[BindingType]) -> list[str]:
    """One table row per binding: its effective keys (after `[keymap]`), what it does and the
    id `[keymap]` remaps it by."""
    from pidgin_tui.tui.keymap import effective_keys

    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        keys = " / ".join(app.get_key_display(Binding(key.strip(), binding.action))
                          for key in effective_keys(app, binding).split(","))
        what = binding.tooltip or binding.description
        ident = f"`{binding.id}`" if binding.id else ""
        rows.append(f"| `{keys}` | {binding.description} | {what} | {ident} |")
    return rows


SCREEN_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("Setup (F2)", "setup", "SetupScreen"),
    ("Live (F3)", "live", "LiveScreen"),
    ("Monitor (F4)", "monitor", "MonitorScreen"),
    ("Transcripts (F5)", "transcripts", "TranscriptsScreen"),
    ("Search (F7, / in Transcripts)", "search", "SearchScreen"),
    ("A transcript", "transcript", "TranscriptScreen"),
    ("Metrics plot", "metrics", "MetricsScreen"),
    ("Experiment README", "readme", "ReadmeScreen"),
    ("Errors (F6)", "errors", "ErrorsScreen"),
    ("Error details", "error_detail", "ErrorDetailScreen"),
    ("Confirmations", "confirm", "ConfirmScreen"),
)
"""(heading, module in `pidgin_tui.tui.screens`, class) of every screen with its own keys."""


def _screen_bindings(module: str, name: str) -> list[BindingType]:
    try:
        screen_module = importlib.import_module(f"pidgin_tui.tui.screens.{module}")
    except ModuleNotFoundError:
        return []  # a screen another part of the project has not delivered yet
    return list(getattr(getattr(screen_module, name, None), "BINDINGS", []))


def all_binding_groups(app: Any) -> list[tuple[str, list[BindingType]]]:
    """(heading, bindings): global keys, then each screen's and dialog's own keys."""
    groups: list[tuple[str, list[BindingType]]] = [("Everywhere", type(app).BINDINGS)]
    groups += [(title, _screen_bindings(module, name)) for title, module, name in SCREEN_GROUPS]
    groups.append(("Help", HelpScreen.BINDINGS))
    return groups


def bindings_markdown(app: Any) -> str:
    """A table per group, with each binding's effective keys and its `[keymap]` id."""
    parts = []
    for title, bindings in all_binding_groups(app):
        rows = _rows(app, bindings)
        if rows:
            parts.append(f"### {title}\n\n| Key | Action | What it does | Id |\n"
                         "|---|---|---|---|\n" + "\n".join(rows))
    parts.append("Inside forms: `tab`/`shift+tab` move between fields, `enter` picks a model "
                 "from a list, `space` toggles a checkbox. In this help: arrows, `pgup`/`pgdn`, "
                 "`home`/`end` scroll. Remap any key by its id under `[keymap]` in config.toml "
                 "(`help = \"f12\"`).")
    return "\n\n".join(parts)


class HelpScreen(ModalScreen[None]):
    """Lists every binding; the list has focus, so arrows, PgUp/PgDn, Home/End scroll it, and
    Escape closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", tooltip="Close the help", id="close_help"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("Keys", id="help-title")
            yield Static(INTRO, id="help-intro")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(bindings_markdown(self.app), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
