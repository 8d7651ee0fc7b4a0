"""A PidginApp hosting one screen, for Pilot and snapshot tests of that screen alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen

from pidgin_tui.experiments.synthetic import EPOCH
from pidgin_tui.tui.app import PidginApp
from tests.tui.conftest import fast_registry

FROZEN_NOW = EPOCH.timestamp() + 95.0
"""The monitor's clock in tests: 95 s after the synthetic experiments started."""


def frozen_clock() -> float:
    return FROZEN_NOW


class HostApp(PidginApp, inherit_bindings=False):
    """The real app (so screens find their PidginApp: output root, registry, runs), showing
    `make_screen()` as its first screen instead of the setup form, with Textual's own keys and
    look: no app-wide bindings, stylesheet, theme, keymap or start-up workers."""

    TITLE = "HostApp"
    CSS_PATH = None
    BINDINGS: ClassVar[list[BindingType]] = list(App.BINDINGS)
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {}
    DEFAULT_MODE = "_default"

    def __init__(self, root: Path, make_screen: Callable[[], Screen[None]]) -> None:
        super().__init__(root, registry=fast_registry(), post_process=False)
        self._make_screen = make_screen

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # PidginApp's own start-up (theme, keymap, workers) stays off
        self.push_screen(self._make_screen())
