"""ReadmeScreen: an experiment's generated README.md, rendered as Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, MarkdownViewer

from pidgin_tui.record.layout import README_NAME
from pidgin_tui.tui.widgets.top_bar import TopBar


def open_readme(app: App[object], experiment_dir: Path) -> None:
    """Push the README of `experiment_dir`, or say it has not been generated yet."""
    path = experiment_dir / README_NAME
    if not path.is_file():
        app.notify(f"No README yet in {experiment_dir.name}: it is written by post-processing.",
                   severity="warning")
        return
    app.push_screen(ReadmeScreen(path))


class ReadmeScreen(Screen[None]):
    CSS_PATH = "readme.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Close the README", id="readme.close"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield TopBar(f"README · {self.path.parent.name}")
        yield MarkdownViewer(self.path.read_text(encoding="utf-8", errors="replace"),
                             show_table_of_contents=False)
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss()
