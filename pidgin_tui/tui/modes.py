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


AREAS: dict[str, Callable[[], Screen[Any]]] = {
    "setup": _screen_factory("setup", "SetupScreen"),
    "live": _screen_factory("live", "LiveScreen"),
    "errors": _screen_factory("errors", "ErrorsScreen"),
    "monitor": _screen_factory("monitor", "MonitorScreen"),
    "transcripts": _screen_factory("transcripts", "TranscriptsScreen"),
}
"""Mode name → factory; a screen module is imported the first time its area is shown."""
