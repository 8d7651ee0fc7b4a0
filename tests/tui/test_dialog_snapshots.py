"""Snapshots of every dialog, each over a blank screen (no clock, no cursor blink, fixed ids).

Regenerate after a deliberate visual change with `pytest tests/tui --snapshot-update`, after
looking at the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen

from pidgin_tui.tui.error_entries import ErrorEntry
from pidgin_tui.tui.screens.confirm import ConfirmScreen
from pidgin_tui.tui.screens.error_detail import ErrorDetailScreen
from pidgin_tui.tui.screens.path_prompt import PathPrompt
from pidgin_tui.tui.screens.stop_confirm import StopConfirmScreen

from .conftest import SIZE
from .helpers import wait_until
from .host import HostApp
from .test_snapshots import no_blink


async def _shown(pilot: Pilot) -> None:
    """Wait until the dialog is on top of the blank screen and has focused what it focuses
    first; its cursor, if any, does not blink."""
    await wait_until(pilot, lambda: len(pilot.app.screen_stack) == 2
                     and pilot.app.screen.focused is not None, "the dialog")
    no_blink(pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def _snap(snap_compare, tmp_path: Path, make_dialog: Callable[[], Screen[object]]) -> bool:
    app = HostApp(tmp_path, make_dialog)  # type: ignore[arg-type]
    return bool(snap_compare(app, terminal_size=SIZE, run_before=_shown))


def test_stop_confirm(snap_compare, tmp_path: Path) -> None:
    """You should see a box with a red border asking "Stop experiment rivers [exp00001] (pid
    4242)?", saying running conversations end as interrupted and finished ones are kept, with
    a red "Stop (y)" button and a focused "Keep running (n)" button."""
    assert _snap(snap_compare, tmp_path,
                 lambda: StopConfirmScreen("rivers", "exp00001", "pid 4242"))


def test_confirm_quit(snap_compare, tmp_path: Path) -> None:
    """You should see the "Quit while experiments run?" dialog saying 2 experiments are still
    running and will be stopped cleanly, with a red "Stop and quit (y)" button and the focused
    "Cancel (n)" button."""
    assert _snap(snap_compare, tmp_path, lambda: ConfirmScreen(
        "Quit while experiments run?",
        "2 experiments still running. Stop them cleanly (every unfinished conversation is "
        "recorded as interrupted) and quit?", yes="Stop and quit", no="Cancel"))


ENTRY = ErrorEntry(
    time="14:03:07", kind="rate_limit", message="429: rate limited; retry in 30 s",
    provider="anthropic", model="anthropic:claude-sonnet-5", experiment_id="exp00001",
    conversation_id="exp00001_0002",
    details=json.dumps({"status_code": 429, "retry_after_s": 30, "attempt": 2}, indent=2))


def test_error_detail(snap_compare, tmp_path: Path) -> None:
    """You should see "rate_limit · 14:03:07" as the title, then time, kind, provider, model,
    experiment, conversation and message one per line, the JSON details (status 429, retry
    after 30, attempt 2) and the hint "c copies · Escape closes"."""
    assert _snap(snap_compare, tmp_path, lambda: ErrorDetailScreen(ENTRY))


def test_path_prompt(snap_compare, tmp_path: Path) -> None:
    """You should see "Save the form as a spec YAML" above an input holding "rivers.yaml" with
    a steady (not blinking) cursor, and the hint "Enter to confirm · Escape to cancel"."""
    assert _snap(snap_compare, tmp_path, lambda: PathPrompt(
        "Save the form as a spec YAML", "rivers.yaml", value="rivers.yaml"))
