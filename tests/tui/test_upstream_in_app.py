"""Converted upstream experiments open in the app like any other; raw upstream data gets advice."""

from __future__ import annotations

import shutil
from pathlib import Path

from pidgin_tui.experiments.upstream_import import convert
from pidgin_tui.record.upstream import read_upstream_experiment
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.screens.monitor import MonitorScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from tests.conftest import REPO_ROOT

from .helpers import wait_until
from .host import HostApp

FIXTURES = REPO_ROOT / "tests" / "data" / "upstream_pidgin"
SIZE = (140, 36)


async def test_a_converted_upstream_experiment_opens_in_the_monitor_and_transcript(
        tmp_path: Path) -> None:
    imported = await convert(read_upstream_experiment(FIXTURES / "upstream-aware_7b9bf04b"),
                             tmp_path, experiment_id="up000001")
    app = HostApp(tmp_path, lambda: MonitorScreen(tmp_path, refresh_s=60))
    async with app.run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, MonitorScreen)
        await wait_until(pilot, lambda: bool(screen.rows), "the experiment to be listed")
        (row,) = screen.rows
        assert row.name == "upstream-aware" and row.status == "completed"
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TranscriptScreen)
                         and pilot.app.screen.transcript is not None, "the transcript")
        transcript = pilot.app.screen.transcript
        assert transcript is not None and len(transcript.messages) == 2
    assert imported.experiment_dir.parent == tmp_path / "experiments"


async def test_the_app_on_upstream_data_says_how_to_import_it(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "experiments")
    app = PidginApp(tmp_path, post_process=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("import-pidgin" in str(n.message)
                                            for n in pilot.app._notifications),
                         "the advice to import")
