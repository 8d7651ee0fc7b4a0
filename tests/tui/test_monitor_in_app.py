"""The monitor inside the real app: runs launched here are opened live and stopped through it."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.record.manifest import read_manifest
from pidgin_tui.tui.screens.live import LiveScreen
from pidgin_tui.tui.screens.monitor import MonitorScreen
from pidgin_tui.tui.screens.stop_confirm import StopConfirmScreen

from .conftest import SIZE, paced_registry
from .helpers import press_now, wait_until

SLOW_TOKENS_PER_SECOND = 40.0
"""Slow enough that the run is still going while the test looks at it."""


async def test_monitor_opens_and_stops_a_run_of_this_app(make_app) -> None:
    app = make_app(paced_registry(SLOW_TOKENS_PER_SECOND))
    async with app.run_test(size=SIZE) as pilot:
        run = app.launch(parse_spec({"name": "inapp", "agent_a": "local:test",
                                     "agent_b": "local:test", "max_turns": 30,
                                     "repetitions": 2}))
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen)
                         and bool(app.screen.rows) and app.screen.rows[0].running == 1,
                         "the run in the monitor")
        monitor = app.screen
        assert isinstance(monitor, MonitorScreen)
        row = monitor.rows[0]
        assert row.in_this_process and row.experiment_id == run.runner.experiment_id
        await pilot.press("enter", "enter")  # conversations table, then the first one
        await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen)
                         and app.screen.conversation_id == f"{row.experiment_id}_0001",
                         "the live screen on that conversation")
        await press_now(pilot, "f4")  # a streaming run never lets the app go idle
        await wait_until(pilot, lambda: app.screen is monitor, "back on the monitor")
        await press_now(pilot, "escape")
        await press_now(pilot, "s")
        await wait_until(pilot, lambda: isinstance(app.screen, StopConfirmScreen), "the question")
        await press_now(pilot, "y")
        await wait_until(pilot, lambda: run.finished,
                         "the run to stop")
    manifest = read_manifest(Path(str(run.runner.experiment_dir)))
    assert manifest is not None and manifest.status == "interrupted"
