"""The app's areas (F2-F6) as lazily imported screens, one instance each for the session."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def _screen_factory(module: str, name: str, **kwargs: Any) -> Callable[[], Screen[Any]]:
    """A factory that imports the screen module only when the screen is first shown."""

    def make() -> Screen[Any]:
        screen_class = getattr(importlib.import_module(f"pidgin_tui.tui.screens.{module}"), name)
        return screen_class(**kwargs)

    return make


def _issue7_factory(module: str, name: str, title: str) -> Callable[[], Screen[Any]]:
    """The monitor and transcript screens, or a placeholder until their module exists."""

    def make() -> Screen[Any]:
        try:
            screen_module = importlib.import_module(f"pidgin_tui.tui.screens.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pidgin_tui.tui.screens.{module}":
                raise
            from pidgin_tui.tui.screens.placeholder import PlaceholderScreen

            return PlaceholderScreen(title, f"The {title.lower()} arrives with the experiment "
                                     "monitor issue.")
        return getattr(screen_module, name)()

    return make


AREAS: dict[str, Callable[[], Screen[Any]]] = {
    "setup": _screen_factory("setup", "SetupScreen"),
    "live": _screen_factory("live", "LiveScreen"),
    "errors": _screen_factory("errors", "ErrorsScreen"),
    "monitor": _issue7_factory("monitor", "MonitorScreen", "Experiment monitor"),
    "transcripts": _issue7_factory("transcripts", "TranscriptsScreen", "Transcript browser"),
}
"""Mode name → factory; a screen module is imported the first time its area is shown."""
