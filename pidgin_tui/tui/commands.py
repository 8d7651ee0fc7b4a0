"""Command palette entries: every key binding of the app and of the current screen.

Built from the bindings themselves, so a new binding is a new command without extra code.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

SKIPPED_ACTIONS = frozenset({"command_palette"})
"""Actions that make no sense as commands (the palette itself)."""


def _bindings(node: DOMNode) -> Iterator[Binding]:
    for binding in getattr(type(node), "BINDINGS", []):
        if isinstance(binding, Binding) and binding.action not in SKIPPED_ACTIONS:
            yield binding


def _key_name(app: App[Any], binding: Binding) -> str:
    return app.get_key_display(binding)


def app_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The current screen's commands first, then the app's, each labelled with its key."""
    seen: set[str] = set()
    for node, group in ((screen, getattr(screen, "BINDING_GROUP_TITLE", None) or "Screen"),
                        (app, "App")):
        for binding in _bindings(node):
            title = binding.description or binding.action
            if title in seen or title in ("Quit", "Theme"):  # the built-in ones call ours
                continue
            seen.add(title)
            help_text = f"{binding.tooltip or title} · {_key_name(app, binding)} · {group}"
            yield SystemCommand(title, help_text, partial(app.run_action, binding.action, node))
