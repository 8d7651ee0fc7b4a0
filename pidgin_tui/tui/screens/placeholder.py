"""A screen for an area that another part of the project provides."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static

from pidgin_tui.tui.widgets.top_bar import TopBar


class PlaceholderScreen(Screen[None]):
    """Says which view will appear here."""

    CSS_PATH = "placeholder.tcss"

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        yield TopBar(self._title)
        with Middle(), Center():
            yield Static(self._text, id="placeholder-text")
        yield Footer(compact=True)
