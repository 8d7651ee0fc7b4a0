"""The monitor screen with real runs in other processes, stale pids and runs of this app."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.experiments.synthetic import write_experiment, write_jsonl
from pidgin_tui.record.manifest import read_manifest
from pidgin_tui.tui.screens.monitor import MonitorScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from pidgin_tui.tui.widgets.conversation_table import ConversationTable
from pidgin_tui.tui.widgets.experiment_table import ExperimentTable

from .helpers import wait_until
from .host import HostApp, frozen_clock

REPO = Path(__file__).resolve().parents[2]
SIZE = (140, 36)


def _headless_run(root: Path, turns: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "pidgin_tui", "--output", str(root), "run", "-a", "local:test",
         "-b", "local:silent", "-t", str(turns), "--name", "headless", "-q"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _monitor(root: Path) -> HostApp:
    return HostApp(root, lambda: MonitorScreen(root, refresh_s=0.1))


def _screen(pilot: Pilot) -> MonitorScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MonitorScreen)
    return screen


async def test_headless_run_appears_progresses_and_completes(tmp_path: Path) -> None:
    process = _headless_run(tmp_path, turns=3)
    try:
        app = _monitor(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = _screen(pilot)
            await wait_until(pilot, lambda: bool(screen.rows) and screen.rows[0].is_live,
                             "the headless run to appear as running")
            row = screen.rows[0]
            assert row.name == "headless" and not row.in_this_process
            assert row.total == 1 and row.pid == process.pid
            first_turns = row.turns
            await wait_until(pilot, lambda: screen.rows[0].turns > first_turns,
                             "the run to progress")
            await wait_until(pilot, lambda: screen.rows[0].status == "completed",
                             "the run to complete")
            assert screen.rows[0].turns == 3 and screen.rows[0].completed == 1
            table = screen.query_one(ExperimentTable)
            assert table.current_key == screen.rows[0].experiment_id
    finally:
        process.kill()
        process.wait()


async def test_stopping_a_headless_run_from_the_monitor_interrupts_it(tmp_path: Path) -> None:
    process = _headless_run(tmp_path, turns=40)
    try:
        app = _monitor(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = _screen(pilot)
            await wait_until(pilot, lambda: bool(screen.rows) and screen.rows[0].turns >= 1,
                             "the headless run to be under way")
            await pilot.press("s")
            await pilot.pause()
            await pilot.press("y")
            await wait_until(pilot, lambda: process.poll() is not None, "the run to exit")
            await wait_until(pilot, lambda: screen.rows[0].status == "interrupted",
                             "the monitor to show it interrupted")
        manifest = read_manifest(screen.rows[0].path)
        assert manifest is not None and manifest.status == "interrupted"
        assert process.returncode == 143
    finally:
        process.kill()
        process.wait()


async def test_stale_pid_is_shown_as_interrupted_process_gone(tmp_path: Path) -> None:
    write_experiment(tmp_path, "dead01", "crashed", conversations=1, running=1, pid=2**22 + 5)
    app = _monitor(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = _screen(pilot)
        await wait_until(pilot, lambda: bool(screen.rows), "the experiment to be listed")
        assert screen.rows[0].status_label == "interrupted (process gone)"
        await pilot.press("s")
        assert isinstance(pilot.app.screen, MonitorScreen)  # not running: nothing to confirm
        assert [c.status for c in screen.rows[0].conversations] == ["completed", "interrupted"]


async def test_conversations_filter_and_sort(tmp_path: Path) -> None:
    write_experiment(tmp_path, "mix01", "mixed", conversations=2, running=2, pid=os.getpid())
    app = HostApp(tmp_path, lambda: MonitorScreen(tmp_path, clock=frozen_clock, refresh_s=60))
    async with app.run_test(size=SIZE) as pilot:
        screen = _screen(pilot)
        await wait_until(pilot, lambda: bool(screen.rows), "the experiment to be listed")
        table = screen.query_one(ConversationTable)
        assert table.row_count == 4
        await pilot.press("f")  # running only
        assert table.status_filter == "running" and table.row_count == 2
        await pilot.press("f")  # completed only
        assert table.row_count == 2 and table.current_key == "mix01_0001"
        await pilot.press("f", "f", "f")  # back to all
        await pilot.press("o")  # sort by status
        assert table.sort_key == "status"
        await pilot.press("o")  # sort by turn, fewest first
        assert table.sort_key == "turn"
        assert _order(table)[:2] == ["mix01_0003", "mix01_0004"]
        table.sort_by("turn")  # the same column again: most turns first
        assert _order(table)[:2] == ["mix01_0001", "mix01_0002"]


def _order(table: ConversationTable) -> list[str]:
    from textual.coordinate import Coordinate

    return [str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value)
            for i in range(table.row_count)]


async def test_other_process_conversation_follows_its_jsonl(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = write_experiment(tmp_path, "far01", "elsewhere", conversations=0, running=1,
                                turns=40, pid=sleeper.pid, start=datetime.now(UTC))
        app = HostApp(tmp_path, lambda: MonitorScreen(tmp_path, refresh_s=60))
        async with app.run_test(size=SIZE) as pilot:
            screen = _screen(pilot)
            await wait_until(pilot, lambda: bool(screen.rows), "the experiment to be listed")
            assert screen.rows[0].is_live and not screen.rows[0].in_this_process
            await pilot.press("enter", "enter")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, TranscriptScreen)
                             and pilot.app.screen.transcript is not None, "the follow view")
            follow = pilot.app.screen
            assert isinstance(follow, TranscriptScreen) and follow.follow
            before = len(follow.transcript.messages)
            write_jsonl(path / "conv_far01_0001_events.jsonl", [MessageCompleteEvent(
                experiment_id="far01", conversation_id="far01_0001", agent_id="agent_a",
                turn_number=20, content="a brand new message from elsewhere")])
            await wait_until(pilot, lambda: len(follow.transcript.messages) == before + 1,
                             "the new message to arrive")
            view = follow.view
            assert view is not None
            assert view.layout_data.lines[-2].text == "a brand new message from elsewhere"
            await wait_until(pilot, lambda: view.max_scroll_y > 0
                             and view.scroll_offset.y == view.max_scroll_y,
                             "the view to follow the newest message")
    finally:
        sleeper.kill()
        sleeper.wait()


async def test_a_damaged_experiment_shows_its_reason_and_the_others_still_show(
        tmp_path: Path) -> None:
    write_experiment(tmp_path, "good0001", "good", conversations=2)
    broken = write_experiment(tmp_path, "bad00001", "broken", conversations=2)
    (broken / "manifest.json").write_text("[1, 2]")  # valid JSON, not an object
    app = _monitor(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = _screen(pilot)
        await wait_until(pilot, lambda: len(screen.rows) == 2, "both experiments to show")
        rows = {row.experiment_id: row for row in screen.rows}
        assert rows["good0001"].status == "completed"
        assert rows["bad00001"].status == "damaged"
        table = screen.query_one(ExperimentTable)
        cells = [str(cell) for cell in table.get_row("bad00001")]
        assert "damaged: manifest.json: an array, not an object" in cells
