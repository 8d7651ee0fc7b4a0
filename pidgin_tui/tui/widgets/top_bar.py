"""The bar at the top of every screen: app name, screen title and the unread-error badge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static


class ErrorBadge(Static):
    """`⚠ 3 unread errors`, hidden while there are none; follows `app.unread_errors`."""

    DEFAULT_CSS = """
    ErrorBadge {
        width: auto;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
        display: none;
    }
    ErrorBadge.-visible { display: block; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "unread_errors", self._show_count, init=True)

    def _show_count(self, count: int) -> None:
        self.set_class(count > 0, "-visible")
        self.update(f"⚠ {count} unread error{'s' if count != 1 else ''} · F6")


class FloatingErrorBadge(ErrorBadge):
    """The badge over the top-right corner of a screen that has no TopBar of its own."""

    DEFAULT_CSS = """
    FloatingErrorBadge {
        overlay: screen;
        position: absolute;
        height: 1;
    }
    """

    def _show_count(self, count: int) -> None:
        super()._show_count(count)
        self._place()

    def on_resize(self) -> None:
        self._place()

    def _place(self) -> None:
        width = len(str(self.render())) + 2
        self.styles.offset = (max(0, self.screen.size.width - width), 0)


class TopBar(Widget):
    """App name, the screen's title and the error badge."""

    DEFAULT_CSS = """
    TopBar {
        layout: horizontal;
        height: 1;
        dock: top;
        background: $panel;
    }
    TopBar > #app-name { width: auto; padding: 0 1; background: $primary; color: $text;
                         text-style: bold; }
    TopBar > #screen-title { width: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static("pidgin-tui", id="app-name")
        yield Static(self._title, id="screen-title")
        yield ErrorBadge()

    def set_title(self, title: str) -> None:
        self.query_one("#screen-title", Static).update(title)
