"""A minimal app hosting one of the monitor-issue screens, for Pilot and snapshot tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.reactive import reactive
from textual.screen import Screen

from pidgin_tui.experiments.synthetic import EPOCH

FROZEN_NOW = EPOCH.timestamp() + 95.0
"""The monitor's clock in tests: 95 s after the synthetic experiments started."""


def frozen_clock() -> float:
    return FROZEN_NOW


class HostApp(App[None]):
    """Shows `make_screen()` as its first screen; `output_root` and `unread_errors` as the real
    app exposes them."""

    unread_errors: reactive[int] = reactive(0)

    def __init__(self, root: Path, make_screen: Callable[[], Screen[None]]) -> None:
        super().__init__()
        self.output_root = root
        self._make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self._make_screen())
